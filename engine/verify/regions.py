"""Region algebra over atoms: a box is one atom set per input column (a row a person could write).

`uncovered` finds the parts of a box that no rule of a set covers, exactly. It is a recursive
split in the spirit of a tautology check, not a sweep over elementary cells:

- a region some single rule covers whole is done at once (a table with a catch-all row, or a
  leaf of the decision tree a table was written as, costs one step);
- it splits the column where the most rules still discriminate, and there first into the
  *coarsest* pieces no rule straddles (the branches of the tree the committee wrote: a table
  split on `age < 18` / `age >= 18` is cut there and nowhere else); only where the rules
  overlap so that no such cut exists does it fall back to the classes of atoms the rules
  cannot tell apart (the boundary sweep of Calvanese et al., with atoms grouped) or, on a
  numeric line of many such classes, to two halves cut at the bound most rules share;
- it can stop after a given number of uncovered boxes (a yes/no question needs one), or
  after a given number of steps (then it says so).

The boxes returned are disjoint; `merge_boxes` joins them into the few regions a person reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..domain.atoms import Atoms, bits

Box = tuple[int, ...]
Cover = Sequence[Sequence[int]]  # cover[column][atom]: the rules (bit set) that accept the atom


def members(mask: int) -> list[int]:
    """The set bits of a mask, lowest first; as `atoms.bits`, but linear for dense masks of
    thousands of rules (`bits` redoes big-integer arithmetic per bit)."""
    if mask.bit_count() < 64:
        return bits(mask)
    text = bin(mask)[:1:-1]
    return [i for i, c in enumerate(text) if c == "1"]


def intersect(a: Box, b: Box) -> Box | None:
    out = tuple(x & y for x, y in zip(a, b))
    return None if any(x == 0 for x in out) else out


def contains(outer: Box, inner: Box) -> bool:
    return all(i & ~o == 0 for o, i in zip(outer, inner))


def accepting(cover: Sequence[int], atoms: int, rules: int) -> tuple[int, int]:
    """Of `rules`, those that accept every atom of `atoms`, and those that accept at least one."""
    every, some = rules, 0
    for atom in bits(atoms):
        c = cover[atom]
        every &= c
        some |= c
    return every, some & rules


@dataclass
class Uncovered:
    """The result of `uncovered`: disjoint boxes, and whether the search stopped early."""

    boxes: list[Box]
    complete: bool  # False: stopped early, at `limit` boxes or at `max_steps`
    steps: int


class _Limit(Exception):
    pass


def uncovered(region: Box, cover: Cover, active: int, limit: int | None = None,
              max_steps: int | None = None, ordered: Sequence[bool] = ()) -> Uncovered:
    """The parts of `region` that no rule in `active` covers (at most `limit` boxes).

    `ordered[k]` says column k is a line of numbers or dates (cut in halves where needed)."""
    n = len(region)
    line = list(ordered) or [False] * n
    cells = list(region)
    full: list[int] = []
    rules = active
    for k in range(n):
        every, some = accepting(cover[k], cells[k], rules)
        rules &= some
        full.append(every)
    full = [f & rules for f in full]
    out: list[Box] = []
    steps = 0

    def walk(rules: int, full: list[int]) -> None:
        nonlocal steps
        steps += 1
        if max_steps is not None and steps > max_steps:
            raise _Limit
        if not rules:
            out.append(tuple(cells))
            if limit is not None and len(out) >= limit:
                raise _Limit
            return
        common = rules
        for f in full:
            common &= f
        if common:
            return  # one rule covers the whole region
        k = max(range(n), key=lambda c: (rules & ~full[c]).bit_count())
        parent = cells[k]
        for atoms, sub in split(cover[k], parent, rules, full[k], line[k]):
            cells[k] = atoms
            every, _ = accepting(cover[k], atoms, sub)
            walk(sub, [every if c == k else f & sub for c, f in enumerate(full)])
        cells[k] = parent

    try:
        if n == 0:
            if not rules:
                out.append(())
        else:
            walk(rules, full)
        done = True
    except _Limit:
        done = False
    return Uncovered(out, done, steps)


def split(cover: Sequence[int], cell: int, rules: int, full: int,
          ordered: bool = False) -> list[tuple[int, int]]:
    """Cut one column's cell into pieces, each with the rules that touch it.

    First the coarsest pieces that no rule straddles (rules that accept the whole cell go to
    every piece). If the rules chain the whole cell together: for a few classes of atoms that
    no rule tells apart, those classes; on a line of many, two halves, cut where the most rules
    start or end (a bound many rules share, such as 500 in `< 500` / `>= 500`), so that as
    many rules as possible accept a whole half.
    """
    partial = rules & ~full
    classes: dict[int, int] = {}
    line: list[tuple[int, int]] = []  # (atom, sig) in order
    for atom in bits(cell):
        sig = cover[atom] & partial
        classes[sig] = classes.get(sig, 0) | (1 << atom)
        line.append((atom, sig))
    pieces: list[list[int]] = []  # [atoms, rules]
    for sig, atoms in classes.items():
        if sig == 0:
            pieces.append([atoms, 0])
            continue
        joined = [p for p in pieces if p[1] & sig]
        if not joined:
            pieces.append([atoms, sig])
            continue
        keep = joined[0]
        keep[0] |= atoms
        keep[1] |= sig
        for p in joined[1:]:
            keep[0] |= p[0]
            keep[1] |= p[1]
            pieces.remove(p)
    if len(pieces) > 1 or len(classes) == 1:
        return [(atoms, sig | full) for atoms, sig in pieces]
    if not ordered or len(classes) <= 3:
        return [(atoms, sig | full) for sig, atoms in classes.items()]
    middle = (len(line) - 1) / 2
    best = max(range(len(line) - 1),
               key=lambda t: ((line[t][1] ^ line[t + 1][1]).bit_count(), -abs(t - middle)))
    low = (1 << (line[best][0] + 1)) - 1
    halves = []
    for atoms in (cell & low, cell & ~low):
        touch = 0
        for _, sig in (line[:best + 1] if atoms & low else line[best + 1:]):
            touch |= sig
        halves.append((atoms, touch | full))
    return halves


def merge_boxes(boxes: list[Box], limit: int = 20000) -> list[Box]:
    """Join boxes that differ in one column only, until none do: one gap, not many points."""
    if len(boxes) > limit or not boxes:
        return list(boxes)
    boxes = list(dict.fromkeys(boxes))
    n = len(boxes[0])
    changed = True
    while changed:
        changed = False
        for k in reversed(range(n)):  # the last split first: undo the search tree bottom-up
            index: dict[tuple[int, ...], int] = {}
            merged: list[Box] = []
            for box in boxes:
                rest = box[:k] + box[k + 1:]
                at = index.get(rest)
                if at is None:
                    index[rest] = len(merged)
                    merged.append(box)
                else:
                    old = merged[at]
                    merged[at] = old[:k] + (old[k] | box[k],) + old[k + 1:]
                    changed = True
            boxes = merged
    return boxes


def example(atoms: Sequence[Atoms], box: Box) -> list[object]:
    """A concrete point of the box: the first atom of each column, as a round value."""
    return [a.example((m & -m).bit_length() - 1) for a, m in zip(atoms, box)]


def render(atoms: Sequence[Atoms], box: Box) -> list[str]:
    """Each column of the box as the S-FEEL cell a person would write."""
    return [a.render(m) for a, m in zip(atoms, box)]
