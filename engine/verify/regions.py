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

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress

from ..domain.atoms import Atoms, bits

Box = tuple[int, ...]
Cover = Sequence[Sequence[int]]  # cover[column][atom]: the rules (bit set) that accept the atom


def members(mask: int) -> list[int]:
    """The set bits of a mask, lowest first; as `atoms.bits`, but linear for dense masks of
    thousands of rules (`bits` redoes big-integer arithmetic per bit)."""
    if mask.bit_count() < 64:
        return bits(mask)
    flags = bin(mask)[:1:-1].encode("ascii").translate(_ZERO_ONE)  # b"\x00" and b"\x01"
    return list(compress(range(len(flags)), flags))


_ZERO_ONE = bytes.maketrans(b"01", b"\x00\x01")


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


Span = tuple[int, int]  # a rule's atoms on one column when they are one run: first, last


def span(mask: int) -> Span | None:
    """The run of atoms a mask holds, or None when it holds none or more than one run."""
    if mask <= 0:
        return None
    end, count = mask.bit_length(), mask.bit_count()
    first = end - count  # where a run of `count` atoms ending at the top would start
    # all `count` atoms lie at or above `first` only if they are that run (counted, not built)
    return (first, end - 1) if (mask >> first).bit_count() == count else None


def column_spans(boxes: Sequence[Box], active: int, k: int) -> list[Span | None] | None:
    """Every active rule's run on column k, or None when some rule's cell is not one run
    (a list or a negation): then the atom-by-atom way is taken for that column."""
    out: list[Span | None] = [None] * len(boxes)
    for i in members(active):
        found = span(boxes[i][k])
        if found is None:
            return None
        out[i] = found
    return out


def cover_spans(cover: Sequence[int], active: int) -> list[Span | None] | None:
    """`column_spans` read from a column's cover (per atom, the rules that accept it): every
    active rule's run, or None when some rule holds more than one run. One pass over the atoms,
    looking only at the rules that start or end at each (for covers that hold more than the
    rules' boxes: constraints and impossible regions too)."""
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    before = 0
    for atom, accepts in enumerate([*cover, 0]):
        now = accepts & active
        change = now ^ before
        if change:
            for i in members(change & now):
                if i in first:
                    return None  # a second run of the same rule
                first[i] = atom
            for i in members(change & before):
                last[i] = atom - 1
        before = now
    size = max(first, default=-1) + 1
    out: list[Span | None] = [None] * max(size, active.bit_length())
    for i, a in first.items():
        out[i] = (a, last[i])
    return out


def held_spans(held: Sequence[int], active: int) -> list[Span | None] | None:
    """`cover_spans` read from the atoms that hold each bit of the cover (`held[i]`, as
    the cover was built from): the same runs, one run per bit, None as soon as a bit holds two,
    without sweeping the atoms."""
    out: list[Span | None] = [None] * max(len(held), active.bit_length())
    for i in members(active):
        m = held[i] if i < len(held) else 0
        if m:
            found = span(m)
            if found is None:
                return None  # a second run of the same rule
            out[i] = found
    return out


def mask_of(indices: Sequence[int]) -> int:
    """The bit set of many rule indices, built once as bytes (not one big OR per rule)."""
    if not indices:
        return 0
    flags = bytearray(max(indices) // 8 + 1)
    for i in indices:
        flags[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(flags, "little")


def interval_neighbours(spans: Sequence[Span | None], active: int
                        ) -> tuple[list[int], list[int]]:
    """On one column of runs: per rule, the active rules whose runs share an atom with its
    run, and those whose runs hold all of it. Prefix sets over the sorted run ends answer
    each rule with two ANDs, where comparing atom by atom cost rules x atoms x rules."""
    rules = members(active)
    starts = sorted(rules, key=lambda i: spans[i][0])  # type: ignore[index]
    ends = sorted(rules, key=lambda i: -spans[i][1])  # type: ignore[index]
    start_keys = [spans[i][0] for i in starts]  # type: ignore[index]
    end_keys = [-spans[i][1] for i in ends]  # type: ignore[index]
    begun = _prefixes(starts)  # begun[m]: the first m rules by start
    still = _prefixes(ends)  # still[m]: the first m rules by end, latest first
    near, hold = [0] * len(spans), [0] * len(spans)
    for i in rules:
        lo, hi = spans[i]  # type: ignore[misc]
        near[i] = begun[bisect_right(start_keys, hi)] & still[bisect_right(end_keys, -lo)]
        hold[i] = begun[bisect_right(start_keys, lo)] & still[bisect_right(end_keys, -hi)]
    return near, hold


def _prefixes(order: Sequence[int]) -> list[int]:
    out = [0]
    acc = 0
    for i in order:
        acc |= 1 << i
        out.append(acc)
    return out


@dataclass
class Uncovered:
    """The result of `uncovered`: disjoint boxes, and whether the search stopped early."""

    boxes: list[Box]
    complete: bool  # False: stopped early, at `limit` boxes or at `max_steps`
    steps: int


class _Limit(Exception):
    pass


def uncovered(region: Box, cover: Cover, active: int, limit: int | None = None,
              max_steps: int | None = None, ordered: Sequence[bool] = (),
              spans: Sequence[Sequence[Span | None] | None] = ()) -> Uncovered:
    """The parts of `region` that no rule in `active` covers (at most `limit` boxes).

    `ordered[k]` says column k is a line of numbers or dates (cut in halves where needed).
    `spans[k]`, when given, is every rule's run of atoms on column k (`column_spans`): a cell
    of one run is then cut from the sorted runs (`split_runs`), not atom by atom."""
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
        if all(full):  # else no rule accepts all of every column
            common = rules
            for f in full:
                common &= f
            if common:
                return  # one rule covers the whole region
        # the column where the most rules still discriminate: `full[c]` lies within `rules`,
        # so those are the rules minus the ones accepting all of it (counted, not built)
        k = max(range(n), key=lambda c: -full[c].bit_count())
        parent = cells[k]
        runs = spans[k] if k < len(spans) and line[k] else None
        cut = split_runs(runs, parent, rules, full[k]) if runs is not None else None
        if cut is None:
            cut = [(atoms, sub, accepting(cover[k], atoms, sub)[0])
                   for atoms, sub in split(cover[k], parent, rules, full[k], line[k])]
        for atoms, sub, every in cut:
            cells[k] = atoms
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


def split_runs(spans: Sequence[Span | None], cell: int, rules: int, full: int
               ) -> list[tuple[int, int, int]] | None:
    """`split` on an ordered column whose rules are runs, for a cell of one run: the same
    pieces in the same order, with the rules accepting all of each, found from the rules'
    sorted ends instead of atom by atom (None: the cell is not one run, ask `split`)."""
    whole = span(cell)
    if whole is None:
        return None
    lo, hi = whole
    items = []
    for i in members(rules & ~full):
        s, e = spans[i]  # type: ignore[misc]
        if s < lo:
            s = lo
        if e > hi:
            e = hi
        if s <= e:
            items.append((s, e, i))
    items.sort()
    groups, reaches = _chain(items)
    if not groups:
        return [(cell, full, full)]
    if len(groups) == 1 and groups[0][0][0] == lo and reaches[0] == hi:
        return _classes(items, lo, hi, full)  # one chain over the whole cell: one piece
    pieces: list[tuple[int, int, int, int]] = []  # first atom, atoms, rules, every
    covered = 0
    for group, b in zip(groups, reaches):
        a = group[0][0]
        atoms = _range(a, b)
        covered |= atoms
        sig = mask_of([i for _, _, i in group])
        every = mask_of([i for s, e, i in group if s <= a and e >= b])
        pieces.append((a, atoms, sig, every))
    rest = cell & ~covered
    if rest:
        pieces.append(((rest & -rest).bit_length() - 1, rest, 0, 0))
    if len(pieces) > 1:
        pieces.sort(key=lambda p: p[0])
        return [(atoms, sig | full, every | full) for _, atoms, sig, every in pieces]
    return _classes(items, lo, hi, full)


def _chain(items: list[tuple[int, int, int]]
           ) -> tuple[list[list[tuple[int, int, int]]], list[int]]:
    """The sorted runs in groups that overlap, and the last atom each group reaches."""
    groups: list[list[tuple[int, int, int]]] = []
    reaches: list[int] = []
    reach = -1
    for item in items:
        if groups and item[0] <= reach:
            groups[-1].append(item)
            if item[1] > reach:
                reach = reaches[-1] = item[1]
        else:
            groups.append([item])
            reach = item[1]
            reaches.append(reach)
    return groups, reaches


def _range(a: int, b: int) -> int:
    return ((1 << (b - a + 1)) - 1) << a


def _classes(items: list[tuple[int, int, int]], lo: int, hi: int, full: int
             ) -> list[tuple[int, int, int]]:
    """One chained run: the classes of atoms no rule tells apart when there are at most three,
    else two halves cut where the most rules start or end, nearest the middle."""
    starts: defaultdict[int, list[int]] = defaultdict(list)  # no new list per item
    stops: defaultdict[int, list[int]] = defaultdict(list)
    for s, e, i in items:
        starts[s].append(i)
        stops[e + 1].append(i)
    bounds = sorted({lo, hi + 1, *starts, *stops})
    sig = 0
    classes: dict[int, int] = {}
    for a, b in zip(bounds, bounds[1:]):
        for i in stops.get(a, ()):
            sig &= ~(1 << i)
        for i in starts.get(a, ()):
            sig |= 1 << i
        if a <= hi:
            classes[sig] = classes.get(sig, 0) | _range(a, b - 1)
        if len(classes) > 3:
            break
    if len(classes) == 1 or len(classes) <= 3:
        return [(atoms, s | full, s | full) for s, atoms in classes.items()]
    middle = (hi - lo) / 2
    count = {t: len(v) for t, v in starts.items()}
    for t, v in stops.items():
        count[t] = count.get(t, 0) + len(v)
    # the most rules start or end here (lo < t <= hi), then nearest the middle, then lowest
    most = max((n for t, n in count.items() if lo < t <= hi), default=None)
    best = lo
    if most is not None:
        best = min((t for t, n in count.items() if n == most and lo < t <= hi),
                   key=lambda t: (abs(t - 1 - lo - middle), t))
    cut = best - 1  # the last atom of the low half
    # the runs are clipped to the cell: lo <= s <= e <= hi
    low = [i for s, e, i in items if s <= cut]
    high = [i for s, e, i in items if e > cut]
    return [(_range(lo, cut), mask_of(low) | full,
             mask_of([i for s, e, i in items if s <= lo and e >= cut]) | full),
            (_range(cut + 1, hi), mask_of(high) | full,
             mask_of([i for s, e, i in items if s <= cut + 1 and e >= hi]) | full)]


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
