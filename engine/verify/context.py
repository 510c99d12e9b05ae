"""What one table's analyses share: its rules as boxes of atoms, and how findings are said."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..core.errors import Finding
from ..core.i18n import _
from ..core.model import Model, Table
from ..core.sfeel import Value
from ..domain.atoms import Atoms
from ..evaluation.compiled import CompiledTable
from .examples import lift
from .regions import (
    Box,
    example,
    render,
)

MASKING = ("F", "P")  # where a rule can be hidden behind rules that take precedence


CONTRIBUTE_ALL = ("R", "O", "C", "C+", "C#")  # every matching rule adds to the answer


MERGEABLE = ("U", "A", "C", "C+", "C#", "C<", "C>")  # merging disjoint rules keeps every answer


MAX_GAPS_SHOWN = 50


GAP_SEARCH_LIMIT = 2000  # uncovered boxes collected before the search stops (then merged)


MAX_OVERLAPS_SHOWN = 200  # overlap findings per table (each a group of rules)


MAX_STEPS = 1_000_000  # search steps for the gaps of one table before the check gives up


MASK_STEPS = 100_000  # search steps for whether one rule is masked


Reach = dict[str, list[Value] | None]  # decided variable -> the values it can take


@dataclass
class Context:
    model: Model
    table: Table
    ct: CompiledTable
    boxes: list[Box]
    active: int  # rules that take part: readable, with a non-empty region
    domain: Box
    restrict: dict[str, list[Value]]
    adjacent: list[int] = field(default_factory=list)  # per rule: rules overlapping it
    containers: list[int] = field(default_factory=list)  # per rule: rules holding all of it
    masked: set[int] = field(default_factory=set)
    folded: int = 0  # gaps not listed: they lie where an unreadable rule may belong

    @property
    def atoms(self) -> list[Atoms]:
        return self.ct.atoms

    @cached_property
    def unknown_answers(self) -> int:
        """Rules (bit set) with an output cell that could not be read: their answer is unknown,
        never the same as another rule's."""
        bad = {c for p in self.model.problems if p.severity == "error" for c in p.cells}
        return sum(1 << i for i, r in enumerate(self.table.rules)
                   if any(c in bad for c in r.output_cells))

    @property
    def ordered(self) -> list[bool]:
        return [not a.discrete for a in self.ct.atoms]

    def null_columns(self, i: int) -> int:
        """The columns (bit set) in which rule i accepts an unknown (null) value."""
        return sum(1 << k for k, nulls in enumerate(self.ct.null_cover) if nulls >> i & 1)

    def with_null(self, i: int) -> Box:
        """Rule i's region with one more atom per column for null (index: the atom count)."""
        return tuple(m | ((nulls >> i & 1) << a.size)
                     for m, nulls, a in zip(self.boxes[i], self.ct.null_cover, self.ct.atoms))

    def cover_with_null(self) -> list[list[int]]:
        return [[*cov, nulls] for cov, nulls in zip(self.ct.cover, self.ct.null_cover)]

    def label(self, name: str) -> str:
        return self.model.label(name)

    def ids(self, rules: list[int]) -> str:
        return ", ".join(self.table.rules[i].id for i in rules)

    def region(self, box: Box) -> dict[str, str]:
        return dict(zip(self.table.input_names, render(self.atoms, box)))

    def row(self, box: Box) -> str:
        """The region in words: only the inputs that matter."""
        parts = [f"{self.label(k)} {v}" if v[0] in "<>" else f"{self.label(k)} = {v}"
                 for k, v in self.region(box).items() if v != "-"]
        return "; ".join(parts) or _("every case")

    def example(self, box: Box, must: int, exact: bool) -> dict[str, Any] | None:
        """A point of the box, kept only if it is what the finding says: the rules `must` match
        it (and, if `exact`, no other rule does)."""
        values = example(self.atoms, box)
        matched = self.ct.match(values) & self.active
        if matched & must != must or (exact and matched != must):
            return None  # never show an example that is not what the finding says
        point = dict(zip(self.table.input_names, values))
        return lift(self.model, self.table, point) or point  # a whole case, where one is found

    def finding(self, kind: str, severity: str, message: str, rules: list[int],
                box: Box | None = None, cells: tuple[str, ...] | None = None,
                must: int = 0, exact: bool = False) -> Finding:
        if cells is None:
            cells = tuple(self.table.rules[i].cell for i in rules) or (self.table.cell,)
        return Finding(kind, severity, message, self.table.name,
                       tuple(self.table.rules[i].id for i in rules), cells,
                       self.example(box, must, exact) if box is not None else None,
                       self.region(box) if box is not None else None)
