"""The cases that really reach a table: original inputs, through the decision graph, exactly.

A table that reads another decision's answer is not checked over every value that answer could
take, but over the cases of original inputs that give it. Each decided input is replaced by the
*answer map* of the decision behind it: disjoint boxes over that decision's own original
inputs, each with the answer evaluation gives there. Cases where that decision gives no answer
(a gap, a conflict) are in no box, so they never reach a table downstream: their gap is
reported once, where it is. A table's *pieces* are the intersections of the answer maps of the
decisions it reads: boxes over its original inputs on which every decided input is fixed.

Every original input has one axis for the whole model: the atoms every cell and constraint on
it cut its domain into, and one atom more (index `atoms.size`) for unknown (null), which is in
the domain only when the glossary says the variable may be unknown. Constraints are boxes
over the same axes; a table's analysis treats the ones that name only inputs it reads as
covered, so impossible cases are neither gaps nor overlaps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import CaseError
from ..core.model import Constraint, Model, Table
from ..core.sfeel import UnaryTest, Value, literal_text
from ..domain.atoms import Atoms, bits
from ..evaluation.compiled import CompiledTable, compile_table
from ..evaluation.hitpolicy import HANDLERS, empty_answer
from .regions import Box, accepting, intersect, merge_boxes, split

LIST_POLICIES = ("R", "O", "C")
PARTITION_STEPS = 200_000  # splits for one decision's answer map before it is left inexact
Piece = tuple[Box, dict[str, Value]]  # a box of original inputs, and the decided values there


@dataclass
class Axis:
    """One variable's values as atoms, with one more atom (index `atoms.size`) for unknown."""

    atoms: Atoms
    null: bool  # unknown (null) is one of the values the check covers

    @property
    def null_bit(self) -> int:
        return 1 << self.atoms.size

    @property
    def domain(self) -> int:
        return self.atoms.domain | (self.null_bit if self.null else 0)

    @property
    def ordered(self) -> bool:
        return not self.atoms.discrete

    def mask(self, test: UnaryTest | None) -> int:
        """The atoms a cell accepts, null included where the cell accepts an unknown value."""
        if test is None:
            return 0
        m = self.atoms.mask(test) & self.atoms.full
        if test.any or (test.null and not test.negated):
            m |= self.null_bit
        return m

    def locate(self, value: Value) -> int:
        return self.atoms.size if value is None else self.atoms.locate(value)

    def example(self, atom: int) -> Value:
        return None if atom == self.atoms.size else self.atoms.example(atom)

    def first(self, mask: int) -> Value:
        """A value of the mask: a known one where there is one (it reads better)."""
        known = mask & self.atoms.full
        pick = known if known else mask
        return self.example((pick & -pick).bit_length() - 1)

    def render(self, mask: int) -> str:
        """The mask as the S-FEEL cell a person would write (null as `null`)."""
        m = mask & self.domain
        if m == self.domain:
            return "-"
        known = m & self.atoms.full
        if not m & self.null_bit:
            if self.null and known == self.atoms.domain:
                return "not(null)"
            return self.atoms.render(known)
        if not known:
            return "null"
        text = self.atoms.render(known)
        if text.startswith("not("):  # a not(...) cannot share a list: name the values instead
            if self.atoms.discrete:
                text = ", ".join(literal_text(self.atoms.values[i]) for i in bits(known))
            else:
                text = ", ".join(iv.to_text() for iv in self.atoms.intervals(known))
        return f"{text}, null"


@dataclass
class Space:
    """The original inputs a table's cases are made of (its own first), one axis each."""

    names: list[str]
    axes: list[Axis]
    pos: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.pos = {n: k for k, n in enumerate(self.names)}

    @property
    def domain(self) -> Box:
        return tuple(a.domain for a in self.axes)

    @property
    def ordered(self) -> list[bool]:
        return [a.ordered for a in self.axes]

    def lift(self, box: Box, other: Space) -> Box:
        """A box of `other` (whose inputs are some of these) as a box of this space."""
        out = list(self.domain)
        for k, name in enumerate(other.names):
            out[self.pos[name]] = box[k]
        return tuple(out)

    def case(self, box: Box) -> dict[str, Value]:
        """One whole case inside the box."""
        return {n: a.first(m) for n, a, m in zip(self.names, self.axes, box)}


@dataclass
class View:
    """One table seen over its original inputs: covers (rules, then constraints) and pieces."""

    table: Table
    space: Space
    cover: list[list[int]]  # per space column, per atom: rules and constraints accepting it
    boxes: list[Box]  # per rule: its cells on original inputs, as a box of the space
    decided: list[tuple[int, str]]  # (column of the table, variable) fed by an exact decision
    constraints: list[Constraint]  # those that apply: every variable they name is read here
    pieces: list[Piece]
    readable: int  # the rules whose cells could all be read
    constraint_boxes: list[Box] = field(default_factory=list)

    @property
    def n_rules(self) -> int:
        return len(self.table.rules)

    @property
    def constraint_bits(self) -> int:
        return ((1 << len(self.constraints)) - 1) << self.n_rules

    def applicable(self, values: dict[str, Value]) -> int:
        """The readable rules whose cells on decided inputs accept these decided values."""
        m = self.readable
        for c, name in self.decided:
            v = values[name]
            for i in bits(m):
                test = self.table.rules[i].inputs[c]
                if test is None or not test.matches(v):
                    m &= ~(1 << i)
        return m

    def outside(self, box: Box, limit: int = 1) -> list[Box]:
        """Parts of the box that no constraint rules out (all of it when none applies)."""
        if not self.constraints:
            return [box]
        from .regions import uncovered

        return uncovered(box, self.cover, self.constraint_bits, limit,
                         ordered=self.space.ordered).boxes


class Reaching:
    """Answer maps and views of every table of a model, built as the check asks for them."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.axes: dict[str, Axis] = {}
        self.spaces: dict[str, Space] = {}
        self.views: dict[str, View] = {}
        self.maps: dict[str, list[tuple[Box, dict[str, Value]]] | None] = {}
        self._tests = self._tests_by_variable()
        self._broken = {p.decision for p in model.problems
                        if p.severity == "error" and p.decision}

    # -- which decided inputs can be followed ----------------------------------------------
    def exact(self, table: Table, seen: frozenset[str] = frozenset()) -> bool:
        """Whether a decision's answers can be followed back to original inputs."""
        if table.name in seen or table.name in self._broken:
            return False
        if table.hit_policy in LIST_POLICIES or not all(r.readable for r in table.rules):
            return False
        return self.answer_map(table) is not None

    def followed(self, name: str) -> Table | None:
        """The decision behind an input, if the check follows it to its original inputs."""
        up = self.model.producer(name)
        return up if up is not None and self.exact(up) else None

    # -- axes and spaces -------------------------------------------------------------------
    def _tests_by_variable(self) -> dict[str, list[UnaryTest | None]]:
        out: dict[str, list[UnaryTest | None]] = {}
        for t in self.model.tables.values():
            for c, col in enumerate(t.inputs):
                out.setdefault(col.name, []).extend(r.inputs[c] for r in t.rules)
        for con in self.model.constraints:
            for name, test in con.tests:
                out.setdefault(name, []).append(test)
        return out

    def axis(self, name: str) -> Axis:
        axis = self.axes.get(name)
        if axis is None:
            var = self.model.variables[name]
            decided = self.model.producer(name) is not None
            axis = Axis(Atoms.build(var, self._tests.get(name, [])),
                        var.unknown is True and not decided)
            self.axes[name] = axis
        return axis

    def space(self, table: Table) -> Space:
        space = self.spaces.get(table.name)
        if space is None:
            names: dict[str, None] = {}
            self._collect(table, names, frozenset())
            space = Space(list(names), [self.axis(n) for n in names])
            self.spaces[table.name] = space
        return space

    def _collect(self, table: Table, names: dict[str, None], seen: frozenset[str]) -> None:
        for name in table.input_names:  # the table's own first, in its column order
            if self.followed(name) is None:
                names.setdefault(name)
        for name in table.input_names:
            up = self.followed(name)
            if up is not None and up.name not in seen:
                self._collect(up, names, seen | {table.name})

    # -- one table over its original inputs ------------------------------------------------
    def view(self, table: Table) -> View:
        view = self.views.get(table.name)
        if view is not None:
            return view
        space = self.space(table)
        decided = [(c, n) for c, n in enumerate(table.input_names) if self.followed(n)]
        constraints = [c for c in self.model.constraints
                       if all(name in space.pos for name, _ in c.tests)]
        rules = table.rules
        own = {n: c for c, n in enumerate(table.input_names) if n in space.pos}
        cover: list[list[int]] = []
        everyone = (1 << len(rules)) - 1
        for name, axis in zip(space.names, space.axes):
            column = [0] * (axis.atoms.size + 1)
            if name in own:
                cover.append(_column(axis, [r.inputs[own[name]] for r in rules], column, 0))
            else:
                cover.append([everyone] * len(column))
            tests = [dict(c.tests).get(name) for c in constraints]
            _column(axis, [t if t is not None else _ANY for t in tests], cover[-1], len(rules))
        boxes = [tuple(axis.mask(r.inputs[own[n]]) if n in own else axis.domain
                       for n, axis in zip(space.names, space.axes)) for r in rules]
        readable = sum(1 << i for i, r in enumerate(rules) if r.readable)
        cboxes = [tuple(axis.mask(dict(c.tests)[n]) if n in dict(c.tests) else axis.domain
                        for n, axis in zip(space.names, space.axes)) for c in constraints]
        view = View(table, space, cover, boxes, decided, constraints, [], readable, cboxes)
        view.pieces = self.pieces(table, space, decided)
        self.views[table.name] = view
        return view

    def pieces(self, table: Table, space: Space, decided: list[tuple[int, str]]) -> list[Piece]:
        pieces: list[Piece] = [(space.domain, {})]
        by_table: dict[str, list[str]] = {}
        for _, name in decided:
            up = self.model.producer(name)
            assert up is not None
            by_table.setdefault(up.name, []).append(name)
        for up_name, names in by_table.items():
            up = self.model.tables[up_name]
            amap = self.answer_map(up)
            assert amap is not None
            other = self.space(up)
            lifted = [(space.lift(box, other), {n: outs[n] for n in names}) for box, outs in amap]
            new: list[Piece] = []
            for box, values in pieces:
                for lbox, lvalues in lifted:
                    both = intersect(box, lbox)
                    if both is not None:
                        new.append((both, {**values, **lvalues}))
            pieces = new
        return pieces

    # -- what a decision answers, where ----------------------------------------------------
    def answer_map(self, table: Table) -> list[tuple[Box, dict[str, Value]]] | None:
        """Disjoint boxes over the decision's original inputs, each with its answer; the cases
        where it answers nothing (a gap, a conflict) are in none. None: too intricate."""
        if table.name in self.maps:
            return self.maps[table.name]
        self.maps[table.name] = None  # a cycle or a failure below leaves it inexact
        view = self.view(table)
        ct = compile_table(table, self.model.variables)
        found: dict[tuple[Value, ...], list[Box]] = {}
        answers: dict[tuple[Value, ...], dict[str, Value]] = {}
        budget = [PARTITION_STEPS]
        for box, values in view.pieces:
            leaves = partition(box, view.cover, view.applicable(values), view.space.ordered,
                               budget)
            if leaves is None:
                return None
            for leaf, matched in leaves:
                outs = answer(ct, matched)
                if outs is None:
                    continue
                key = tuple(outs[n] for n in table.output_names)
                found.setdefault(key, []).append(leaf)
                answers[key] = outs
        amap = [(box, answers[key]) for key, boxes in found.items() for box in merge_boxes(boxes)]
        self.maps[table.name] = amap
        return amap


_ANY = UnaryTest(any=True)


def _column(axis: Axis, tests: Sequence[UnaryTest | None], column: list[int],
            offset: int) -> list[int]:
    """Add to `column` (per atom) the bit of each test, from bit `offset` on."""
    anyone = 0
    for i, test in enumerate(tests):
        if test is None:
            continue
        bit = 1 << (offset + i)
        if test.any:
            anyone |= bit
            continue
        for atom in bits(axis.mask(test)):
            column[atom] |= bit
    if anyone:
        for a in range(len(column)):
            column[a] |= anyone
    return column


def answer(ct: CompiledTable, matched: int) -> dict[str, Any] | None:
    """What evaluation answers when exactly these rules match; None when it raises."""
    table = ct.table
    rules = bits(matched)
    if not rules:
        if table.default is not None:
            return dict(zip(table.output_names, table.default))
        if table.hit_policy in ("U", "A", "P", "F"):
            return None
        return empty_answer(ct)
    try:
        return HANDLERS[table.hit_policy](ct, rules)[1]
    except CaseError:
        return None


def partition(region: Box, cover: Sequence[Sequence[int]], rules: int,
              ordered: Sequence[bool], budget: list[int]) -> list[tuple[Box, int]] | None:
    """Cut the region into boxes on each of which the same rules match (and match all of it).

    The same split as the gap search (`regions.split`), but carried on until every rule that
    touches a box covers it whole. None when `budget` (a one-item list of steps) runs out."""
    n = len(region)
    cells = list(region)
    full: list[int] = []
    for k in range(n):
        every, some = accepting(cover[k], cells[k], rules)
        rules &= some
        full.append(every)
    full = [f & rules for f in full]
    out: list[tuple[Box, int]] = []

    def walk(rules: int, full: list[int]) -> bool:
        budget[0] -= 1
        if budget[0] < 0:
            return False
        partial = [(rules & ~f).bit_count() for f in full]
        k = max(range(n), key=lambda c: partial[c]) if n else 0
        if not n or not partial[k]:
            out.append((tuple(cells), rules))
            return True
        parent = cells[k]
        for atoms, sub in split(cover[k], parent, rules, full[k], ordered[k]):
            cells[k] = atoms
            every, _ = accepting(cover[k], atoms, sub)
            if not walk(sub, [every if c == k else f & sub for c, f in enumerate(full)]):
                return False
        cells[k] = parent
        return True

    if any(c == 0 for c in cells):
        return []
    return out if walk(rules, full) else None
