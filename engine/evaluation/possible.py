"""Which cases of the inputs a decision reads can occur: the constraints projected onto them.

"Allowed" is said of cases over *every* glossary input, but a decision's case gives only the
inputs it and the decisions it requires read. Such a partial case can occur when some
completion of it to all inputs lies inside no constraint. A constraint that names only read
inputs refuses a case on its own (evaluation and the check apply it directly). The others,
*cross* constraints, name an input the decision does not read; they refuse a case together:
take those whose cells on the read inputs accept the case; the case is impossible exactly when
their cells on the unread inputs, as boxes, cover every combination of those inputs' values.

That is a tautology question over boxes of atoms: each unread input's values cut where the
constraints' cells cut them, and one atom more for null where the glossary lets the input be
unknown. The unread inputs fall into *components* (inputs joined when one constraint names
both); boxes in different components cover everything only if those of one component cover
its inputs on their own, so each component is asked alone. A component of at most
`POINTS` combinations of atoms (every realistic one) holds each constraint as a bit map of
those combinations, built once: a set of constraints covers when the OR of its maps is all
ones, exactly, in O(constraints x POINTS / 64) word operations. A larger component is asked
with `covers`, a recursive split that stops at once where one box holds the whole region, or
where some value of a column lies in no box, or where the boxes fall into groups over disjoint
columns. Each question gets at most `COVER_WORK` units of work (a unit: one box cut to a
region, O(columns); or about 1,000 words of bit maps ORed); past them the answer is
"unknown", which evaluation takes as possible (the case is answered, as without the
projection) and the check reports. Answers are kept per set of constraints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..core.model import Constraint, Model
from ..core.sfeel import UnaryTest, Value
from ..domain.atoms import Atoms, bits

Box = tuple[int, ...]
COVER_WORK = 100_000  # work for one "do these boxes cover every value?" question
POINTS = 1 << 14  # combinations of atoms a component may have to be held as bit maps
MAP_BITS = 1 << 26  # bits of bit maps kept for one projection (8 MB)
MAX_DEPTH = 300  # nested splits of one question (each split narrows one column)
MAX_KEPT = 10_000  # answers kept per projection (a server meets many sets of constraints)
MINIMISE = 16  # a refusal names a minimal set of constraints when at most this many apply


class _OutOfSteps(Exception):
    pass


def covers(region: Box, boxes: list[Box], steps: list[int], depth: int = 0,
           narrowed: int | None = None) -> bool:
    """Whether the boxes together hold every point of the region. Raises `_OutOfSteps` when
    `steps` (a one-item list, counted down) runs out. `narrowed`: the boxes already lie in
    the region but for this column (the one the caller split; -1: in all of it)."""
    steps[0] -= 1 + len(boxes)
    if steps[0] < 0 or depth > MAX_DEPTH:
        raise _OutOfSteps
    n = len(region)
    found: dict[Box, None] = {}  # cut to the region, repeats dropped
    for b in boxes:
        if narrowed is None:
            cut = tuple(m & r for m, r in zip(b, region))
        elif narrowed < 0:
            cut = b
        else:
            m = b[narrowed] & region[narrowed]
            cut = b[:narrowed] + (m,) + b[narrowed + 1:]
        if all(cut):
            if cut == region:
                return True  # one box holds it all
            found[cut] = None
    live = list(found)
    partial: list[list[int]] = [[] for _ in range(n)]  # per column: live boxes partial there
    union = [0] * n
    for j, b in enumerate(live):
        for k in range(n):
            union[k] |= b[k]
            if b[k] != region[k]:
                partial[k].append(j)
    if union != list(region):  # a value of a column no box holds: a point no box holds
        return False
    if sum(1 for p in partial if p) > 1:
        groups = _groups(live, partial)
        if len(groups) > 1:  # over disjoint columns: the union covers iff one group does
            return any(covers(region, [live[j] for j in g], steps, depth + 1, -1)
                       for g in groups)
    k = max(range(n), key=lambda c: len(partial[c]))
    for piece in _classes(region[k], {live[j][k] for j in partial[k]}):
        if not covers(region[:k] + (piece,) + region[k + 1:], live, steps, depth + 1, k):
            return False
    return True


def _groups(live: list[Box], partial: list[list[int]]) -> list[list[int]]:
    """The live boxes joined where they are partial in a common column (union-find)."""
    parent = list(range(len(live)))

    def root(j: int) -> int:
        while parent[j] != j:
            parent[j] = parent[parent[j]]
            j = parent[j]
        return j

    for column in partial:
        for j in column[1:]:
            parent[root(j)] = root(column[0])
    groups: dict[int, list[int]] = {}
    for j in range(len(live)):
        groups.setdefault(root(j), []).append(j)
    return list(groups.values())


def _classes(cell: int, masks: set[int]) -> list[int]:
    """The cell cut into the classes of atoms that no mask tells apart."""
    classes = [cell]
    most = cell.bit_count()
    for m in masks:
        nxt: list[int] = []
        for c in classes:
            inside, outside = c & m, c & ~m
            nxt.extend(x for x in (inside, outside) if x)
        classes = nxt
        if len(classes) == most:
            break
    return classes


def holders(masks: list[int], size: int) -> list[int]:
    """Per atom (0 .. size-1): the masks (bit i for masks[i]) holding it. Swept along the
    atoms from each mask's runs, so a line of thousands of atoms and rows costs
    O(atoms x rows / 64), not one big OR per atom per row."""
    toggles: list[list[int]] = [[] for _ in range(size + 1)]
    for i, m in enumerate(masks):
        for run in re.finditer("1+", bin(m)[:1:-1]):
            toggles[run.start()].append(i)
            toggles[min(run.end(), size)].append(i)
    out, acc = [], 0
    for at in range(size):
        if toggles[at]:
            acc ^= _flags(toggles[at])
        out.append(acc)
    return out


def _flags(indices: list[int]) -> int:
    """The bit set of many indices, built once as bytes (a toggle twice cancels)."""
    if not indices:
        return 0
    flags = bytearray(max(indices) // 8 + 1)
    for i in indices:
        flags[i >> 3] ^= 1 << (i & 7)
    return int.from_bytes(flags, "little")


@dataclass
class Cross:
    """A constraint naming some input not read: its cells on the read inputs, and its cells
    on the unread ones as a box over the projection's unread axes."""

    constraint: Constraint
    read: tuple[tuple[str, UnaryTest], ...]
    box: Box


@dataclass
class Component:
    """Unread inputs that constraints join, the constraints over them (bit set `members`),
    and, when small, each constraint's box as a bit map of the combinations of atoms."""

    columns: list[int]
    members: int
    domain: Box  # over `columns`
    boxes: dict[int, Box]  # constraint index -> its box over `columns`
    maps: dict[int, int] | None = None
    full: int = 0  # the map of the whole domain

    def covered(self, chosen: int, steps: list[int]) -> bool:
        if self.maps is not None:  # a unit per 16 maps of up to 64 words
            steps[0] -= 1 + chosen.bit_count() * (1 + self.full.bit_length() // 4096) // 16
            if steps[0] < 0:
                raise _OutOfSteps
            acc = 0
            for i in bits(chosen):
                acc |= self.maps[i]
            return acc == self.full
        return covers(self.domain, [self.boxes[i] for i in bits(chosen)], steps)

    def cover_of(self, chosen: int) -> int:
        """With bit maps: the first constraints of `chosen`, in order, that already cover."""
        assert self.maps is not None
        acc, kept = 0, 0
        for i in bits(chosen):
            acc |= self.maps[i]
            kept |= 1 << i
            if acc == self.full:
                break
        return kept


def _bitmap(box: Box, domain: Box) -> int:
    """The combinations of the domain's atoms a box holds (column 0 varying fastest; each
    column counts only its domain's atoms, so atoms outside it cost nothing)."""
    acc, stride = 1, 1
    for m, d in zip(box, domain):
        nxt = 0
        if m == d:  # the whole column: the pattern repeated, doubling
            width, count = stride, d.bit_count()
            nxt, have = acc, 1
            while have * 2 <= count:
                nxt |= nxt << (have * width)
                have *= 2
            while have < count:
                nxt |= acc << (have * width)
                have += 1
        else:
            for place, atom in enumerate(bits(d)):
                if m >> atom & 1:
                    nxt |= acc << (place * stride)
        acc, stride = nxt, stride * d.bit_count()
    return acc


@dataclass
class ReadAxis:
    """A read input named by cross constraints: per atom (null last), those that accept it."""

    name: str
    atoms: Atoms
    accept: list[int]


@dataclass
class Projection:
    """The cross constraints of one set of read inputs, and what they rule out together."""

    read: frozenset[str]
    cross: list[Cross]
    unread: list[str]  # the axes of the boxes
    domain: Box
    components: list[Component]
    alone: int  # constraints whose cells accept every value of the unread inputs
    read_axes: list[ReadAxis]
    _kept: dict[int, bool] = field(default_factory=dict, repr=False)
    _why: dict[int, tuple[int, ...]] = field(default_factory=dict, repr=False)

    @property
    def every(self) -> int:
        return (1 << len(self.cross)) - 1

    def covered(self, chosen: int, steps: list[int] | None = None) -> bool | None:
        """Whether the cross constraints in `chosen` (bit i for `cross[i]`) rule out every
        value of the unread inputs; None when it could not be told within the steps (at most
        `COVER_WORK`, less when `steps` says so, which it counts down)."""
        known = self._kept.get(chosen)
        if known is not None:
            return known
        result: bool | None = bool(chosen & self.alone)
        for comp in self.components if not result else ():
            if not chosen & comp.members:
                continue
            budget = [COVER_WORK if steps is None else min(COVER_WORK, max(steps[0], 0))]
            start = budget[0]
            try:
                if comp.covered(chosen & comp.members, budget):
                    result = True
                    break
            except _OutOfSteps:
                result = None
            finally:
                if steps is not None:
                    steps[0] -= start - max(budget[0], 0)
        if result is not None:
            if len(self._kept) > MAX_KEPT:
                self._kept.clear()
                self._why.clear()
            self._kept[chosen] = result
        return result

    def why(self, chosen: int) -> tuple[Constraint, ...]:
        """The constraints that rule out a covered set: one that does alone, or those of one
        component that do, made minimal (each left out if the rest still covers) when few."""
        found = self._why.get(chosen)
        if found is None:
            keep = chosen
            if chosen & self.alone:
                keep = chosen & self.alone & -(chosen & self.alone)
            else:
                for comp in self.components:
                    mine = chosen & comp.members
                    if mine and self._kept.get(mine, None) is not False and self.covered(mine):
                        keep = comp.cover_of(mine) if comp.maps is not None else mine
                        break
            if keep.bit_count() <= MINIMISE:
                for i in bits(keep):
                    if keep & ~(1 << i) and self.covered(keep & ~(1 << i)):
                        keep &= ~(1 << i)
            found = self._why[chosen] = tuple(bits(keep))
        return tuple(self.cross[i].constraint for i in found)

    def accepting(self, known: Mapping[str, Value]) -> int:
        """The cross constraints whose cells on the read inputs accept these values."""
        chosen = self.every
        for axis in self.read_axes:
            value = known[axis.name]
            chosen &= axis.accept[axis.atoms.size if value is None else axis.atoms.locate(value)]
        return chosen

    def refusal(self, known: Mapping[str, Value]) -> tuple[Constraint, ...] | None:
        """The constraints that together rule out a case of the read inputs, or None."""
        return self.refusal_of(self.accepting(known))

    def refusal_of(self, chosen: int) -> tuple[Constraint, ...] | None:
        """The constraints that rule out cases these cross constraints accept, or None."""
        if chosen and self.covered(chosen):
            return self.why(chosen)
        return None


def projection_for(model: Model, read: Iterable[str]) -> Projection | None:
    """The projection of the model's constraints onto these read inputs, kept on the model;
    None when no cross constraint can ever rule out a case (all of them together do not)."""
    key = frozenset(read)
    cache: dict[frozenset[str], Projection | None] = vars(model).setdefault("_projections", {})
    if key in cache:
        return cache[key]
    projection = build_projection(model, key)
    if projection is not None and projection.covered(projection.every) is False:
        projection = None  # covering is monotone: fewer constraints never cover
    cache[key] = projection
    return projection


def build_projection(model: Model, read: frozenset[str]) -> Projection | None:
    crossing = [c for c in model.constraints if any(n not in read for n in c.names)]
    if not crossing:
        return None
    unread = sorted({n for c in crossing for n in c.names if n not in read})
    atoms = {name: _atoms(model, name, crossing) for name in unread}
    domain = tuple(atoms[n].domain | (1 << atoms[n].size if model.variables[n].unknown is True
                                      else 0) for n in unread)
    place = {n: k for k, n in enumerate(unread)}
    cross = []
    for c in crossing:
        box = list(domain)
        for name, test in c.tests:
            if name in atoms:  # a variable named twice: both cells hold (they are ANDed)
                k = place[name]
                box[k] &= _mask(atoms[name], test)
        if all(box):  # a row no unread value satisfies never applies
            cross.append(Cross(c, tuple((n, t) for n, t in c.tests if n in read), tuple(box)))
    if not cross:
        return None
    alone = _flags([i for i, x in enumerate(cross) if x.box == domain])
    read_names = sorted({n for x in cross for n, _ in x.read})
    read_axes = []
    for name in read_names:
        a = _atoms(model, name, crossing)
        masks = []
        for x in cross:
            m = (1 << (a.size + 1)) - 1
            for n, test in x.read:
                if n == name:
                    m &= _mask(a, test)
            masks.append(m)
        read_axes.append(ReadAxis(name, a, holders(masks, a.size + 1)))
    return Projection(read, cross, unread, domain, _components(cross, domain, alone),
                      alone, read_axes)


def _atoms(model: Model, name: str, constraints: list[Constraint]) -> Atoms:
    return Atoms.build(model.variables[name], [t for c in constraints for n, t in c.tests
                                               if n == name])


def _mask(atoms: Atoms, test: UnaryTest) -> int:
    """The atoms a cell accepts, null (the last) where it accepts an unknown value."""
    return (atoms.mask(test) & atoms.full) | (1 << atoms.size if test.matches(None) else 0)


def _components(cross: list[Cross], domain: Box, alone: int) -> list[Component]:
    """The unread inputs joined where a constraint is partial on both; each group's boxes."""
    n = len(domain)
    parent = list(range(n))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    partial = []
    for x in cross:
        cols = [k for k in range(n) if x.box[k] != domain[k]]
        partial.append(cols)
        for k in cols[1:]:
            parent[root(k)] = root(cols[0])
    groups: dict[int, list[int]] = {}
    for i, cols in enumerate(partial):
        if not alone >> i & 1:
            groups.setdefault(root(cols[0]), []).append(i)
    spent = 0
    out = []
    for members in groups.values():
        columns = [k for k in range(n) if root(k) == root(partial[members[0]][0])]
        boxes = {i: tuple(cross[i].box[k] for k in columns) for i in members}
        comp = Component(columns, _flags(members),
                         tuple(domain[k] for k in columns), boxes)
        points = 1
        for d in comp.domain:
            points *= d.bit_count()
        if points <= POINTS and spent + points * len(members) <= MAP_BITS:
            spent += points * len(members)
            comp.maps = {i: _bitmap(b, comp.domain) for i, b in boxes.items()}
            comp.full = _bitmap(comp.domain, comp.domain)
        out.append(comp)
    return out
