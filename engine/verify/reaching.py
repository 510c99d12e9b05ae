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
from ..evaluation.evaluate import default_answer
from ..evaluation.hitpolicy import HANDLERS, empty_answer
from .projected import project
from .regions import Box, accepting, merge_boxes, split, uncovered

LIST_POLICIES = ("R", "O", "C")
PARTITION_STEPS = 200_000  # splits for one decision's answer map before it is left inexact
NULL_SEARCH_STEPS = 100_000  # steps for whether an aggregate not followed can collect nothing


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
    """The columns a table's cases are searched over: its original inputs (its own first),
    then the decided inputs it reads, one axis each."""

    names: list[str]
    axes: list[Axis]
    base: int = -1  # how many leading columns are original inputs (the rest are decided)
    pos: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.pos = {n: k for k, n in enumerate(self.names)}
        if self.base < 0:
            self.base = len(self.names)

    @property
    def domain(self) -> Box:
        return tuple(a.domain for a in self.axes)

    @property
    def ordered(self) -> list[bool]:
        return [a.ordered for a in self.axes]

    def lift(self, box: Box, names: list[str]) -> list[int]:
        """A box over some of these columns (`names`) as a box over all of them."""
        out = list(self.domain)
        for k, name in enumerate(names):
            out[self.pos[name]] = box[k]
        return out

    def case(self, box: Box) -> dict[str, Value]:
        """One whole case of original inputs inside the box."""
        return {n: a.first(m) for n, a, m in zip(self.names[:self.base], self.axes, box)}


@dataclass
class View:
    """One table over its space: the cover of its rules, then of the constraints that apply,
    then of the impossible regions — a decided value its decision does not give there, or a
    case its decision gives no answer (each a box, `ruled_out`)."""

    table: Table
    space: Space
    cover: list[list[int]]  # per column, per atom: rules, constraints, impossible regions
    boxes: list[Box]  # per rule
    # what cannot occur: per box, the constraint naming only inputs read here, or the
    # constraints naming others too that rule it out together (`projected`)
    constraints: list[tuple[Constraint, ...]]
    constraint_boxes: list[Box]
    impossible: int  # how many impossible regions follow the constraints
    readable: int  # the rules whose cells could all be read
    failed: list[Box] = field(default_factory=list)  # cases a decision read gives no answer
    unapplied: tuple[Constraint, ...] = ()  # constraints whose projection was cut short
    # per column, per bit of the cover (rules, constraints, impossible regions): the atoms
    # that hold it, so that each one's runs are read without sweeping the cover
    held: list[list[int]] = field(default_factory=list)

    @property
    def n_rules(self) -> int:
        return len(self.table.rules)

    @property
    def constraint_bits(self) -> int:
        return ((1 << len(self.constraints)) - 1) << self.n_rules

    @property
    def ruled_out(self) -> int:
        """Everything that is not a real case reaching the table: constraints, impossible."""
        return ((1 << (len(self.constraints) + self.impossible)) - 1) << self.n_rules

    def outside(self, box: Box, limit: int = 1) -> list[Box]:
        """Parts of the box that are real cases (all of it when nothing is ruled out)."""
        if not self.ruled_out:
            return [box]
        return uncovered(box, self.cover, self.ruled_out, limit,
                         ordered=self.space.ordered).boxes


AnswerMap = tuple[list[tuple[Box, dict[str, Value]]], list[Box]]  # answers, failures


class Reaching:
    """Answer maps and views of every table of a model, built as the check asks for them."""

    def __init__(self, model: Model, undeclared_null: bool = False,
                 every_null: bool = False) -> None:
        self.model = model
        # with `undeclared_null`, an input whose glossary says nothing about unknown (v1, DMN)
        # may be null too: only to tell a rule reached through null from a dead one; with
        # `every_null`, every input may be (`conservative`)
        self.undeclared_null = undeclared_null
        self.every_null = every_null
        self._lenient: Reaching | None = None
        self._conservative: Reaching | None = None
        self.axes: dict[str, Axis] = {}
        self.bases: dict[str, list[str]] = {}
        self.views: dict[str, View] = {}
        self.maps: dict[str, AnswerMap | None] = {}
        self._users: dict[str, set[str]] = {}  # variable -> tables and constraints reading it
        self._tests = self._tests_by_variable()
        # a decision with an error in its table (a cell, or its header, that could not be read)
        # cannot be followed: it feeds the tables below as a free input, so its one mistake is
        # not echoed downstream as "this rule can never apply"
        sheets = {t.sheet: t.name for t in model.tables.values()}
        self._broken = {p.decision for p in model.problems
                        if p.severity == "error" and p.decision}
        self._broken |= {sheets[c.rpartition("!")[0]] for p in model.problems
                         if p.severity == "error" for c in p.cells
                         if c.rpartition("!")[0] in sheets}

    def lenient(self) -> Reaching | None:
        """The same model with undeclared inputs allowed to be unknown; None when every input
        says whether it may be (then known values are the whole story)."""
        if not any(v.unknown is None for v in self.model.variables.values()):
            return None
        if self._lenient is None:
            self._lenient = Reaching(self.model, undeclared_null=True)
        return self._lenient

    def conservative(self) -> Reaching:
        """The same model with every input allowed to be unknown: more cases than can occur
        (so a rule said never to decide here never does), with a null reaching every rule
        whose cell allows it, as the table-by-table checks count it."""
        if self._conservative is None:
            self._conservative = Reaching(self.model, every_null=True)
        return self._conservative

    # -- which decided inputs can be followed ----------------------------------------------
    def exact(self, table: Table) -> bool:
        """Whether a decision's answers can be followed back to original inputs."""
        if table.name in self._broken or table.hit_policy in LIST_POLICIES:
            return False
        if not all(r.readable for r in table.rules):
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
                self._users.setdefault(col.name, set()).add(t.name)
        for con in self.model.constraints:
            for name, test in con.tests:
                out.setdefault(name, []).append(test)
                self._users.setdefault(name, set()).add(f"constraint {con.id}")
        return out

    def axis(self, name: str) -> Axis:
        axis = self.axes.get(name)
        if axis is None:
            var = self.model.variables[name]
            axis = Axis(Atoms.build(var, self._tests.get(name, [])), self.null(name))
            self.axes[name] = axis
        return axis

    def null(self, name: str) -> bool:
        """Whether the check covers null for this input (without cutting its atoms): where
        the glossary allows it, or a decision not followed can answer null."""
        var = self.model.variables[name]
        up = self.model.producer(name)
        if up is not None:  # a decision not followed: null if it can answer null
            return self.answers_null(up, name)
        return bool(var.unknown is True or self.every_null
                    or (self.undeclared_null and var.unknown is None))

    def answers_null(self, table: Table, name: str) -> bool:
        """Whether a decision can answer null for this output: a rule or the default says
        null, or an aggregate (C+, C<, C>) may collect nothing; when not sure, yes."""
        k = table.output_names.index(name)
        if table.name in self._broken or (table.default is not None
                                          and table.default[k] is None):
            return True
        if any(r.outputs[k] is None for r in table.rules):
            return True  # a rule answering null (or one whose answer could not be read)
        if table.hit_policy not in ("C+", "C<", "C>") or table.default is not None:
            return False  # no match is an error (U, A, P, F) or a count of 0 (C#)
        view = self.view(table)
        found = uncovered(view.space.domain, view.cover, view.readable | view.ruled_out, 1,
                          NULL_SEARCH_STEPS, view.space.ordered)
        return bool(found.boxes) or not found.complete

    def base(self, table: Table) -> list[str]:
        """The original inputs of a decision and of those it requires (its own first)."""
        names = self.bases.get(table.name)
        if names is None:
            found: dict[str, None] = {}
            for name in table.input_names:
                if self.followed(name) is None:
                    found.setdefault(name)
            for name in table.input_names:
                up = self.followed(name)
                if up is not None:
                    found.update(dict.fromkeys(self.base(up)))
            names = self.bases[table.name] = list(found)
        return names

    # -- one table over its space ----------------------------------------------------------
    def view(self, table: Table, ct: CompiledTable | None = None,
             own_boxes: list[Box] | None = None) -> View:
        """`ct` and `own_boxes` (the table compiled, and its rules as boxes of its own atoms)
        are reused where a column's atoms are the table's own: an input no other table or
        constraint reads (the common case, and all of a one-table workbook)."""
        view = self.views.get(table.name)
        if view is not None:
            return view
        base = self.base(table)
        decided = [n for n in table.input_names if self.followed(n) is not None]
        ups = list(dict.fromkeys(self.followed(n) for n in decided))
        maps = {up.name: self.answer_map(up) for up in ups if up is not None}
        own = {n: c for c, n in enumerate(table.input_names)}
        solo = {n for n in base if ct is not None and own_boxes is not None and n in own
                and self._users.get(n) == {table.name}}
        axes = [Axis(ct.atoms[own[n]], self.null(n)) if ct is not None and n in solo
                else self.axis(n) for n in base]
        for name in decided:
            up = self.model.producer(name)
            assert up is not None
            given = [outs[name] for _, outs in (maps[up.name] or ([], []))[0]]
            c = table.input_names.index(name)
            known = list(dict.fromkeys(v for v in given if v is not None))
            atoms = Atoms.build(self.model.variables[name], [r.inputs[c] for r in table.rules],
                                known)
            axes.append(Axis(atoms, None in given))
        space = Space([*base, *decided], axes, len(base))
        constraints = [c for c in self.model.constraints
                       if all(name in base for name, _ in c.tests)]
        rules = table.rules
        columns: list[list[int]] = []
        for n, axis in zip(space.names, axes):
            if n in solo:  # the table's own atoms: its boxes, with null where a cell allows it
                assert ct is not None and own_boxes is not None
                c, null = own[n], axis.null_bit if axis.null else 0
                nulls = ct.null_cover[c]
                columns.append([b[c] | (null if nulls >> i & 1 else 0)
                                for i, b in enumerate(own_boxes)])
            elif n in own:
                columns.append([axis.mask(r.inputs[own[n]]) & axis.domain for r in rules])
            else:
                columns.append([axis.domain] * len(rules))
        boxes: list[Box] = [tuple(b) for b in zip(*columns)] if columns else [() for _ in rules]
        cboxes = [tuple(axis.mask(dict(c.tests)[n]) & axis.domain if n in dict(c.tests)
                        else axis.domain for n, axis in zip(space.names, axes))
                  for c in constraints]
        limits = project(self.model, base, axes[:len(base)])
        rest = tuple(a.domain for a in axes[len(base):])
        cboxes += [box + rest for _, box in limits.boxes]
        ruled = [(c,) for c in constraints] + [why for why, _ in limits.boxes]
        impossible: list[Box] = []
        failed: list[Box] = []
        for up in ups:
            assert up is not None
            answers, failures = maps[up.name] or ([], [])
            names = self.base(up)
            mine = [n for n in decided if self.model.producer(n) is up]
            for box, outs in answers:
                lifted = space.lift(box, names)
                for name in mine:  # a value the decision does not give for these cases
                    k = space.pos[name]
                    other = list(lifted)
                    other[k] = axes[k].domain & ~(1 << axes[k].locate(outs[name]))
                    if other[k]:
                        impossible.append(tuple(other))
            failed += [tuple(space.lift(box, names)) for box in failures]
        impossible += failed
        worked = {k: ([*ct.cover[own[n]], ct.null_cover[own[n]]],
                     _with_null(ct.masks[own[n]], ct.null_cover[own[n]], axes[k].null_bit))
                 for k, n in enumerate(space.names) if n in solo and ct is not None}
        cover, held = _cover(space, [*cboxes, *impossible], len(rules), worked, boxes)
        readable = sum(1 << i for i, r in enumerate(rules) if r.readable)
        view = View(table, space, cover, boxes, ruled, cboxes, len(impossible), readable,
                    failed, limits.unapplied, held)
        self.views[table.name] = view
        return view

    # -- what a decision answers, where ----------------------------------------------------
    def answer_map(self, table: Table) -> AnswerMap | None:
        """Disjoint boxes over the decision's original inputs, each with its answer, and the
        boxes where it answers nothing (a gap, a conflict). None: too intricate to follow."""
        if table.name in self.maps:
            return self.maps[table.name]
        self.maps[table.name] = None  # a cycle or a failure below leaves it inexact
        view = self.view(table)
        ct = compile_table(table, self.model.variables)
        rules = view.readable
        impossible = ((1 << view.impossible) - 1) << (view.n_rules + len(view.constraints))
        leaves = partition(view.space.domain, view.cover, rules | impossible,
                           view.space.ordered, [PARTITION_STEPS])
        if leaves is None:
            return None
        found: dict[tuple[Value, ...], list[Box]] = {}
        answers: dict[tuple[Value, ...], dict[str, Value]] = {}
        n = view.space.base
        failures: list[Box] = [box[:n] for box in view.failed]  # failed on the way here
        for leaf, matched in leaves:
            if matched & impossible:
                continue  # not a case: a decided value its decision does not give here
            outs = answer(ct, matched & rules)
            if outs is None:
                failures.append(leaf[:n])
                continue
            key = tuple(outs[name] for name in table.output_names)
            found.setdefault(key, []).append(leaf[:n])
            answers[key] = outs
        amap = ([(box, answers[key]) for key, boxes in found.items()
                 for box in merge_boxes(boxes)], merge_boxes(failures))
        self.maps[table.name] = amap
        return amap


def _with_null(masks: list[int | None], nulls: int, null_bit: int) -> list[int]:
    """A compiled column's cells as atoms, with the null atom where a cell accepts null."""
    return [(m or 0) | (null_bit if nulls >> i & 1 else 0) for i, m in enumerate(masks)]


def _cover(space: Space, extra: list[Box], offset: int,
           known: dict[int, tuple[list[int], list[int]]], rules: list[Box]
           ) -> tuple[list[list[int]], list[list[int]]]:
    """Per column, per atom: the rules (bit i for rule i) and the extra boxes (from bit
    `offset`) that hold it; `known` gives a column's rule part already worked out (and each
    rule's atoms in it). Also per column, per bit: the atoms that hold it (`View.held`)."""
    cover, held = [], []
    for k, axis in enumerate(space.axes):
        whole = axis.domain
        everything = (1 << (axis.atoms.size + 1)) - 1
        anyone = 0
        if k in known:
            column = list(known[k][0])
            atoms_of = list(known[k][1])
            todo = [(offset + i, b) for i, b in enumerate(extra)]
        else:
            column = [0] * (axis.atoms.size + 1)
            atoms_of = []
            todo = [*enumerate(rules), *((offset + i, b) for i, b in enumerate(extra))]
        for i, box in todo:
            m = box[k]
            if m & whole == whole:
                anyone |= 1 << i
                atoms_of.append(everything)
                continue
            atoms_of.append(m)
            for atom in bits(m):
                column[atom] |= 1 << i
        if anyone:
            column = [c | anyone for c in column]
        cover.append(column)
        held.append(atoms_of)
    return cover, held


_ANY = UnaryTest(any=True)


def answer(ct: CompiledTable, matched: int) -> dict[str, Any] | None:
    """What evaluation answers when exactly these rules match; None when it raises."""
    table = ct.table
    rules = bits(matched)
    if not rules:
        if table.default is not None:
            return default_answer(table)
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
