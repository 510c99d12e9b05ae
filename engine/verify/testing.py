"""Run a workbook's own test cases: each expected output is compared with what the engine says."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..core.errors import CaseError, MissingInput
from ..core.graph import required
from ..core.i18n import _
from ..core.model import Model, TestCase
from ..evaluation.evaluate import evaluate
from ..evaluation.explain import shown


@dataclass
class Outcome:
    case: TestCase
    failures: list[tuple[str, Any, Any]] = field(default_factory=list)  # output, expected, got
    error: str | None = None
    rules: dict[str, tuple[str, ...]] = field(default_factory=dict)  # decision -> rules fired
    fired: dict[str, tuple[str, ...]] = field(default_factory=dict)  # every step's rules
    missing: tuple[str, ...] = ()  # inputs the case has no value for (MissingInput)

    @property
    def ok(self) -> bool:
        return not self.failures and self.error is None


def same(expected: Any, actual: Any, unordered: bool) -> bool:
    if isinstance(expected, list) and isinstance(actual, list):
        if unordered:  # each expected value pairs off with one equal answer, in any order
            left = list(actual)
            for e in expected:
                hit = next((i for i, a in enumerate(left) if same(e, a, False)), None)
                if hit is None:
                    return False
                left.pop(hit)
            return not left
        return len(expected) == len(actual) and all(
            same(e, a, False) for e, a in zip(expected, actual))
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)) \
            and not isinstance(expected, bool) and not isinstance(actual, bool):
        return abs(expected - actual) <= 1e-9 * max(1.0, abs(expected))
    return type(expected) is type(actual) and expected == actual or (
        expected is None and actual is None)


def run_case(model: Model, case: TestCase) -> Outcome:
    outcome = Outcome(case)
    if not case.expected:
        outcome.error = _("the case states no expected answer")
        return outcome
    decisions = list(dict.fromkeys(
        t.name for t in model.tables.values() for o in t.output_names if o in case.expected))
    for decision in decisions:
        try:
            result = evaluate(model, case.inputs, decision)
        except CaseError as exc:
            outcome.error = f"{decision}: {exc}"
            if isinstance(exc, MissingInput):
                outcome.missing = exc.inputs
            return outcome
        outcome.rules[decision] = result.rules
        for step in result.trace:
            outcome.fired[step.decision] = step.decided
        unordered = model.tables[decision].hit_policy == "C"
        for name in model.tables[decision].output_names:
            if name in case.expected and not same(case.expected[name], result[name], unordered):
                outcome.failures.append((name, case.expected[name], result[name]))
    return outcome


def run_tests(model: Model) -> list[Outcome]:
    model.require_valid()
    return [run_case(model, case) for case in model.tests]


def unreadable(model: Model) -> dict[str, list[str]]:
    """The decisions holding a cell that cannot be read (an error in their table), with the
    cells; "" holds the errors found nowhere else (the glossary, a constraint)."""
    sheets = {t.sheet: t.name for t in model.tables.values()}
    out: dict[str, list[str]] = {}
    for p in model.errors:
        for cell in p.cells or ("",):
            name = p.decision if p.decision in model.tables else sheets.get(cell.rpartition("!")[0])
            out.setdefault(name or "", []).append(cell)
    return out


def run_readable(model: Model) -> tuple[list[Outcome], list[tuple[TestCase, str]]]:
    """With errors in the workbook, every case that can still be trusted is run: its own cells
    could be read, and so could every table it goes through. The others come back with the
    cells that keep them from running (errors outside the tables and cases stop every case)."""
    broken = unreadable(model)
    cases_at = {c for case in model.tests for c in (case.cell, *case.cells.values())}
    elsewhere = [c for c in broken.pop("", []) if c not in cases_at]
    bad_cells = {c for p in model.errors for c in p.cells}
    # the tables that could be read, as a model of their own: evaluation refuses a model with
    # errors, and no case below goes through a table that holds one
    readable = replace(model, tables={n: t for n, t in model.tables.items() if n not in broken},
                       problems=[p for p in model.problems if p.severity != "error"],
                       _compiled=None, _plans={}) if model.errors else model
    ran, held = [], []
    for case in model.tests:
        own = [c for c in (case.cell, *case.cells.values()) if c in bad_cells]
        through = [c for d in _decisions(model, case) for n in required(model.tables, d)
                   for c in broken.get(n, ())]
        blocked = list(dict.fromkeys(own + through + elsewhere))
        if blocked:
            held.append((case, ", ".join(blocked)))
        else:
            ran.append(run_case(readable, case))
    return ran, held


def _decisions(model: Model, case: TestCase) -> list[str]:
    return [t.name for t in model.tables.values()
            if any(o in case.expected for o in t.output_names)]


def describe_failure(outcome: Outcome) -> list[str]:
    """A failed case in lines a person reads: the case, what was expected and what came out."""
    case = outcome.case
    about = f": {case.description}" if case.description else ""
    lines = [_("FAIL {id} ({cell}){about}").format(id=case.id, cell=case.cell, about=about)]
    if outcome.error:
        lines.append("  " + _("error: {message}").format(message=outcome.error))
    for name, expected, actual in outcome.failures:
        lines.append(_("  {name}: expected {expected}, got {actual}  [{get}]").format(
                         name=name, expected=shown(expected), actual=shown(actual),
                         get=case.cells.get(name, '')))
    for decision, rules in outcome.fired.items():
        lines.append(_("  {decision}: rule {value} fired").format(
                         decision=decision, value=', '.join(rules) or _('none')))
    return lines


def missing_columns(model: Model, outcomes: list[Outcome]) -> list[str]:
    """Inputs some case lacks because the tests sheet has no column for them at all (a new
    input column in a table): one line each, instead of the same failure for every case."""
    columns = {name for case in model.tests for name in case.inputs}
    absent = {name for o in outcomes for name in o.missing if name not in columns}
    return sorted(absent)


def describe_missing_columns(model: Model, names: list[str], outcomes: list[Outcome]) -> list[str]:
    sheet = model.tests[0].cell.rpartition("!")[0] if model.tests else ""
    lines = []
    for name in names:
        var = model.variables.get(name)
        label = f"{var.label} ({name})" if var is not None and var.label else name
        readers = sorted({t.name for t in model.tables.values() if name in t.input_names})
        cases = sum(name in o.missing for o in outcomes)
        lines.append(_("the tests sheet {sheet} has no column for {label}, which decision "
                       "{decisions} reads: add a column {name} to {sheet} (an empty cell "
                       "means unknown); {cases} case(s) cannot run until then").format(
                         sheet=sheet, label=label, decisions=", ".join(readers), name=name,
                         cases=cases))
    return lines
