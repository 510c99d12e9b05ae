"""A new allowed value that no rule names: said once, not as a region per rule.

Adding `"NE"` to `response` made every case with `response = "NE"` answerable, where before it
was refused as not an allowed value: every rule with `-` or `not(…)` in that column now answers
it. The walk finds each such region exactly (18 for NBCG, with ~90 lines); the committee reads
one summary with a line per region, each with the rules that answer it there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.errors import SfeelError
from ..core.model import Model
from ..core.sfeel import Value, parse_unary
from .answers import AnswerChange


@dataclass
class NewValue:
    """Values newly allowed for an input, and the changed regions that are only that."""

    variable: str
    values: tuple[Value, ...]
    changes: list[AnswerChange] = field(default_factory=list)


def new_values(old: Model, new: Model, answers: list[AnswerChange]) -> list[NewValue]:
    """Regions whose only change is a value the old version did not allow, by variable."""
    groups: list[NewValue] = []
    for name, var in new.variables.items():
        was = old.variables.get(name)
        if was is None or var.type != "string" or not var.values or not was.values:
            continue
        added = tuple(v for v in var.values if v not in was.value_set)
        if not added:
            continue
        group = NewValue(name, added)
        for change in answers:
            if change.old.error is not None and change.new.error is None \
                    and _only(change.region.get(name), added, var.values):
                group.changes.append(change)
        if group.changes:
            groups.append(group)
    return groups


def _only(cell: str | None, added: tuple[Value, ...], words: Any) -> bool:
    """Whether a region's cell holds nothing but newly allowed values."""
    if cell is None:
        return False
    try:
        test = parse_unary(cell, words=tuple(str(w) for w in words))
    except SfeelError:
        return False
    return (not test.negated and not test.null and not test.intervals
            and bool(test.points) and set(test.points) <= set(added))
