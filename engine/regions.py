"""Region algebra over atoms: a box is one atom set per input column (a row a person could write).

`uncovered` finds every part of a box that no rule of a set covers, exactly: it walks the
columns one at a time, splitting the atoms of the current column into classes that the
still-active rules cannot tell apart (the baseline of Calvanese et al., with atoms grouped
instead of enumerated), and stops early where one rule covers the rest of the box.
"""

from __future__ import annotations

from collections.abc import Sequence

from .atoms import Atoms, bits

Box = tuple[int, ...]


def intersect(a: Box, b: Box) -> Box | None:
    out = tuple(x & y for x, y in zip(a, b))
    return None if any(x == 0 for x in out) else out


def contains(outer: Box, inner: Box) -> bool:
    return all(i & ~o == 0 for o, i in zip(outer, inner))


def uncovered(region: Box, boxes: Sequence[Box], cover: Sequence[Sequence[int]],
              active: int) -> list[Box]:
    """The parts of `region` that no rule in `active` covers; `cover[k][atom]` = rule bits."""
    n = len(region)
    if not active:
        return [region]
    # rules that accept everything of the region from column k on
    tail = [0] * (n + 1)
    tail[n] = active
    for k in range(n - 1, -1, -1):
        full_k = 0
        for r in bits(tail[k + 1]):
            if region[k] & ~boxes[r][k] == 0:
                full_k |= 1 << r
        tail[k] = full_k
    out: list[Box] = []

    def walk(k: int, rules: int, prefix: tuple[int, ...]) -> None:
        if k == n or rules & tail[k]:
            return
        groups: dict[int, int] = {}
        cov = cover[k]
        for atom in bits(region[k]):
            sig = cov[atom] & rules
            groups[sig] = groups.get(sig, 0) | (1 << atom)
        for sig, atoms in groups.items():
            if sig == 0:
                out.append(prefix + (atoms,) + region[k + 1:])
            else:
                walk(k + 1, sig, prefix + (atoms,))

    walk(0, active, ())
    return out


def merge_boxes(boxes: list[Box], limit: int = 4000) -> list[Box]:
    """Join boxes that differ in one column only, until none do: one gap, not many points."""
    if len(boxes) > limit:
        return boxes
    boxes = list(dict.fromkeys(boxes))
    changed = True
    while changed:
        changed = False
        for k in range(len(boxes[0]) if boxes else 0):
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
    return [a.render(m) for a, m in zip(atoms, box)]
