"""Constraints on inputs a table does not read, projected onto its space as impossible boxes.

`evaluation.possible` tells, for one set of constraints, whether they rule out every value of
the unread inputs. Here the table's original inputs are searched for the regions where that
holds: a region is impossible when the constraints holding all of it cover the unread inputs;
it holds no impossible case when even every constraint touching it does not (covering only
grows with more constraints); otherwise it is split, on the column where the most constraints
touch only part of it, into the pieces no constraint straddles (`regions.split`). Each region
found is a box the check counts as ruled out, with the constraints that rule it out.

The search takes at most `PROJECTION_STEPS` steps per table, its cover questions included
(each at most `possible.COVER_STEPS`). Where it stops, the boxes found so far are applied
(each is proven impossible) and the constraints are named as not fully applied: a gap or
overlap reported may then lie in cases that cannot occur, never the other way round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ..core.errors import Finding
from ..core.i18n import _
from ..core.model import Constraint, Model, Table
from ..core.sfeel import UnaryTest
from ..domain.atoms import Atoms
from ..evaluation.possible import holders, projection_for
from .regions import Box, accepting, merge_boxes, split

PROJECTION_WORK = 1_000_000  # per table, in `possible`'s units (a split costs its atoms)
MAX_NAMED = 10  # constraints named in one finding


class _Stop(Exception):
    pass


class Axis(Protocol):  # reaching.Axis: a column's atoms, null the last
    atoms: Atoms

    @property
    def domain(self) -> int: ...

    def mask(self, test: UnaryTest | None) -> int: ...


@dataclass
class Projected:
    boxes: list[tuple[tuple[Constraint, ...], Box]]  # impossible regions, and why
    unapplied: tuple[Constraint, ...] = ()  # the search stopped: these may rule out more


def project(model: Model, names: list[str], axes: Sequence[Axis]) -> Projected:
    """The impossible regions over these columns (original inputs, each with its `Axis`:
    `mask(test)`, `domain`, `atoms.size`) that constraints naming other inputs give."""
    proj = projection_for(model, names)
    if proj is None:
        return Projected([])
    pos = {n: k for k, n in enumerate(names)}
    domain = tuple(a.domain for a in axes)
    columns: list[list[int]] = [[d] * len(proj.cross) for d in domain]
    for i, x in enumerate(proj.cross):
        for name, test in x.read:
            k = pos[name]
            columns[k][i] &= axes[k].mask(test)
    cover = [holders(masks, a.atoms.size + 1) for masks, a in zip(columns, axes)]
    found: list[tuple[Box, int]] = []
    steps = [PROJECTION_WORK]
    cells = list(domain)
    stopped = False

    def walk(rules: int, full: list[int], depth: int) -> None:
        nonlocal stopped
        steps[0] -= 1
        if steps[0] < 0 or depth > 200:
            raise _Stop
        whole = rules
        for f in full:
            whole &= f
        done = proj.covered(whole, steps)
        if done:
            found.append((tuple(cells), whole))
            return
        if rules == whole:
            stopped = stopped or done is None  # unknown, and nothing left to split
            return
        if proj.covered(rules, steps) is False:
            return
        k = max(range(len(cells)), key=lambda c: (rules & ~full[c]).bit_count())
        parent = cells[k]
        steps[0] -= parent.bit_count()
        for atoms, sub in split(cover[k], parent, rules, full[k]):
            cells[k] = atoms
            every, _ = accepting(cover[k], atoms, sub)
            walk(sub, [every if c == k else f & sub for c, f in enumerate(full)], depth + 1)
        cells[k] = parent

    rules = proj.every
    full = []
    for k, cell in enumerate(cells):
        every, some = accepting(cover[k], cell, rules)
        rules &= some
        full.append(every)
    try:
        if all(cells):
            walk(rules, [f & rules for f in full], 0)
    except _Stop:
        stopped = True
    by_reason: dict[int, list[Box]] = {}
    for box, whole in found:
        by_reason.setdefault(whole, []).append(box)
    boxes = [(proj.why(whole), box) for whole, group in by_reason.items()
             for box in merge_boxes(group)]
    unapplied = tuple(x.constraint for x in proj.cross) if stopped else ()
    return Projected(boxes, unapplied)


def unapplied_finding(table: Table, constraints: tuple[Constraint, ...]) -> Finding:
    """Constraints naming inputs the table does not read whose projection was cut short."""
    ids = ", ".join(c.id for c in constraints[:MAX_NAMED])
    if len(constraints) > MAX_NAMED:
        ids += _(" (and {count} more)").format(count=len(constraints) - MAX_NAMED)
    return Finding(
        "not_analysed", "warning",
        _("the constraint(s) {ids} name inputs decision {name} does not read; working out "
          "which of its cases they rule out together was cut short (after {steps:,} units of "
          "work), so some of those cases are treated as possible: a gap or overlap reported "
          "for this table may lie in cases that cannot occur").format(
              ids=ids, name=table.name, steps=PROJECTION_WORK),
        table.name, (), (table.cell, *(c.cell for c in constraints[:MAX_NAMED])))
