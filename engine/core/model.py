"""The model a workbook (or a DMN file) is read into: plain dataclasses that remember cells.

Data only: evaluating and checking live in the rooms above (`evaluation`, `verify`); the
package face (`engine.Model`) adds them as methods for callers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .errors import Finding, WorkbookInvalid
from .fhir_map import FhirRow
from .sfeel import UnaryTest, Value

TYPES = ("boolean", "string", "number", "integer", "date")
# Fail closed: only these words in the About sheet's `status` approve a guideline for use with
# patients; anything else (draft, utkast, høringsutkast, a typo, nothing) warns on every answer.
APPROVAL_WORDS = ("approved", "godkjent")
SINGLE_HIT = ("U", "A", "P", "F")
HIT_POLICIES = ("U", "A", "P", "F", "R", "O", "C", "C+", "C#", "C<", "C>")


@dataclass(frozen=True)
class Variable:
    """A glossary entry: a case input, or the output of a decision."""

    name: str
    type: str
    allowed: UnaryTest | None = None  # the domain as a test; None = the whole type
    values: tuple[Value, ...] = ()  # enumerated values in priority order (strings, booleans)
    label: str = ""
    description: str = ""
    cell: str = ""
    # may the value be unknown (null)? True: null is one of its values, the check covers it;
    # False: a case must give a value (glossary `Unknown allowed` empty or no); None: DMN
    # semantics, null is accepted by evaluation and left out of what the check proves
    unknown: bool | None = False

    @cached_property
    def value_set(self) -> frozenset[Value]:
        return frozenset(self.values)

    @cached_property
    def ranking(self) -> tuple[Value, ...]:
        """The order hit policies P and O rank this output's values by: its enumerated values,
        or the list a number's or date's allowed values give (`3, 1, 2`, first highest)."""
        if self.values:
            return self.values
        a = self.allowed
        if a is not None and a.points and not (a.any or a.negated or a.intervals):
            return a.ordered_points
        return ()

    @property
    def ordered(self) -> bool:
        return self.type in ("number", "integer", "date")

    def title(self) -> str:
        return self.label or self.name


@dataclass(frozen=True)
class Constraint:
    """A combination of case inputs that cannot occur (the constraints sheet): cells ANDed."""

    id: str
    tests: tuple[tuple[str, UnaryTest], ...]  # the variables it names, each with its cell
    description: str = ""
    cell: str = ""  # the id cell
    cells: tuple[str, ...] = ()  # per test

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n, _ in self.tests)

    def matches(self, case: Any) -> bool:
        """Whether a case (a mapping holding every variable named) lies inside."""
        return all(test.matches(case[name]) for name, test in self.tests)

    def said(self) -> str:
        """The constraint as a person reads it: id, and description when there is one."""
        return f"{self.id} ({self.description})" if self.description else self.id


@dataclass(frozen=True)
class Column:
    name: str  # the variable's name, or an annotation's header text
    role: str  # input, output, annotation
    cell: str  # the header cell, "Sheet!C2"
    letter: str  # the spreadsheet column, "C"
    allowed: UnaryTest | None = None  # DMN inputValues of this column: a value outside errs


@dataclass(frozen=True)
class Rule:
    id: str
    row: int
    inputs: tuple[UnaryTest | None, ...]  # None: the cell could not be read
    outputs: tuple[Value, ...]
    annotations: tuple[str, ...]
    input_cells: tuple[str, ...]
    output_cells: tuple[str, ...]
    cell: str  # the id cell
    hidden: bool = False

    @cached_property  # asked per rule by every analysis of a table of thousands of rules
    def readable(self) -> bool:
        return all(t is not None for t in self.inputs)


@dataclass(frozen=True)
class Note:
    """A row of a table whose first cell starts with `#`: the committee's note, not a rule."""

    text: str
    cell: str


@dataclass(frozen=True)
class Table:
    """One decision: a DMN decision table."""

    name: str
    hit_policy: str
    inputs: tuple[Column, ...]
    outputs: tuple[Column, ...]
    annotations: tuple[Column, ...]
    rules: tuple[Rule, ...]
    sheet: str
    cell: str
    title: str = ""
    default: tuple[Value, ...] | None = None  # DMN defaultOutputEntry: the answer when none match
    notes: tuple[Note, ...] = ()  # `#` rows inside or under the table, in row order

    @cached_property
    def input_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.inputs)

    @cached_property
    def output_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.outputs)

    @cached_property
    def guards(self) -> tuple[tuple[int, Column, UnaryTest], ...]:
        """Input columns that admit only some values (DMN inputValues), by position."""
        return tuple((k, c, c.allowed) for k, c in enumerate(self.inputs)
                     if c.allowed is not None)

    def annotation(self, rule: Rule, header: str) -> str:
        for col, text in zip(self.annotations, rule.annotations):
            if col.name.casefold() == header.casefold():
                return text
        return ""


@dataclass(frozen=True)
class TestCase:
    id: str
    row: int
    inputs: dict[str, Value]
    expected: dict[str, Any]
    description: str = ""
    cells: dict[str, str] = field(default_factory=dict)  # variable -> "Sheet!C7"
    cell: str = ""


@dataclass(frozen=True)
class Question:
    """An open question to the committee, kept in the workbook's questions sheet: what the text
    leaves open, the paragraphs and rules it touches, and the reading used until it is answered."""

    id: str
    text: str
    paragraphs: tuple[str, ...] = ()  # paragraph ids as cited in `sources` (N1, P4)
    rules: tuple[tuple[str, str], ...] = ()  # (decision name, rule id)
    reading: str = ""  # the reading the workbook follows meanwhile
    cell: str = ""  # the id cell
    cells: dict[str, str] = field(default_factory=dict)  # column (question, rules ...) -> cell


def producers(tables: Iterable[Table]) -> dict[str, Table]:
    """Each decided variable and the decision that decides it (the first, if two claim it:
    the loader reports that as an error)."""
    out: dict[str, Table] = {}
    for table in tables:
        for name in table.output_names:
            out.setdefault(name, table)
    return out


@dataclass
class Model:
    """A loaded guideline: glossary, decision tables in dependency order, test cases."""

    path: str
    variables: dict[str, Variable]
    tables: dict[str, Table]  # in evaluation order: required decisions first
    tests: list[TestCase] = field(default_factory=list)
    about: dict[str, str] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)  # the committee's open questions
    # the Values / Verdier sheet: variable -> code -> the words people read (cases keep codes)
    value_labels: dict[str, dict[Value, str]] = field(default_factory=dict)
    sha256: str = ""  # of the file's bytes when loaded: names the exact version that answered
    constraints: list[Constraint] = field(default_factory=list)
    fhir: list[FhirRow] = field(default_factory=list)  # the FHIR sheet: inputs from an EHR
    sheets: list[str] = field(default_factory=list)  # the workbook's sheets, in their order
    _compiled: Any = field(default=None, repr=False, compare=False)
    _plans: dict[str | None, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def errors(self) -> list[Finding]:
        return [p for p in self.problems if p.severity == "error"]

    def provenance(self) -> dict[str, str | None]:
        """Which guideline answered: the About sheet's version and status, the file's hash."""
        return {"version": self.about.get("version"), "status": self.about.get("status"),
                "sha256": self.sha256 or None}

    @property
    def approved(self) -> bool:
        """The About sheet's status is an explicit approval word (`approved`, `godkjent`)."""
        return (self.about.get("status") or "").strip().casefold() in APPROVAL_WORDS

    @property
    def draft(self) -> bool:
        """Not approved for use with patients: any status but an approval word, or none."""
        return not self.approved

    def questions_on(self, decision: str, rules: Iterable[str]) -> list[Question]:
        """The committee's open questions tied to these rules of a decision (the questions
        sheet's rules column), in sheet order: what a clinician should know behind an answer."""
        wanted = {(decision, r) for r in rules}
        return [q for q in self.questions if wanted.intersection(q.rules)]

    @cached_property
    def producers(self) -> dict[str, Table]:
        """Each decided variable and its decision, worked out once (the check, examples and
        evaluation plans ask for it over and over)."""
        return producers(self.tables.values())

    def label(self, name: str) -> str:
        """The words a person reads for a variable: its glossary label, else its name."""
        var = self.variables.get(name)
        return var.label if var is not None and var.label else name

    def producer(self, variable: str) -> Table | None:
        """The decision whose output this variable is, if any."""
        return self.producers.get(variable)

    def top_decisions(self) -> list[str]:
        """Decisions that no other decision requires."""
        required = {
            p.name for t in self.tables.values() for n in t.input_names
            if (p := self.producer(n)) is not None
        }
        return [name for name in self.tables if name not in required]

    def in_sheet_order(self) -> list[Table]:
        """The decisions as the committee sees them: in the order of their sheets (a DMN file,
        or a sheet order not known: the evaluation order)."""
        names = list(self.tables)
        at = {name: k for k, name in enumerate(self.sheets)}
        return sorted(self.tables.values(), key=lambda t: (at.get(t.sheet, len(at)),
                                                           names.index(t.name)))

    def main_decision(self) -> str | None:
        """The decision a person asks about first: the first, in sheet order, that no other
        decision reads (NBCG: bisphosphonate, not the helper pathway nor continuation)."""
        tops = set(self.top_decisions())
        return next((t.name for t in self.in_sheet_order() if t.name in tops), None)

    def require_valid(self) -> None:
        if self.errors:
            raise WorkbookInvalid(self.path, list(self.problems))
