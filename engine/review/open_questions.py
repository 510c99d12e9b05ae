"""The committee's open questions in one list: the questions sheet first, then every rule that
interprets where the text is silent or answers `not_covered`.

Both review documents (render, report) list the same questions from this one function, so
Markdown, HTML and templates never disagree about what the committee is asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..core.model import Model, Question, Rule, Table

INTERPRETATION = ("tolkning", "interpretation", "tolking")
NOT_COVERED = "not_covered"


@dataclass(frozen=True)
class OpenQuestion:
    """One question: from the questions sheet (`question` set) or from a rule (`rule` set)."""

    question: Question | None = None
    table: Table | None = None
    rule: Rule | None = None
    default: bool = False  # the table's default row answers not_covered

    @property
    def from_sheet(self) -> bool:
        return self.question is not None


def interpretation(table: Table, rule: Rule) -> str:
    for col, text in zip(table.annotations, rule.annotations):
        if col.name.casefold() in INTERPRETATION and text:
            return text
    return ""


def raised_by(table: Table, rule: Rule) -> bool:
    """A rule the committee must look at: it interprets, or the text does not cover the case."""
    return bool(interpretation(table, rule)) or NOT_COVERED in rule.outputs


def committee_questions(model: Model,
                        tables: Iterable[Table] | None = None) -> Iterator[OpenQuestion]:
    """The sheet's questions in sheet order, then the rule-derived ones in table order."""
    for question in model.questions:
        yield OpenQuestion(question=question)
    for table in tables if tables is not None else model.tables.values():
        for rule in table.rules:
            if raised_by(table, rule):
                yield OpenQuestion(table=table, rule=rule)
        if table.default is not None and NOT_COVERED in table.default:
            yield OpenQuestion(table=table, default=True)
