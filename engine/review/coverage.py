"""Rule coverage of a workbook's own test cases: which rules, answers and input values they reach.

A rule no test case fires is a rule nobody has seen work; an allowed answer no case expects is
an answer nobody has checked. Counts come from `Outcome.fired`, which includes the helper
decisions a case passes through on the way to the one it expects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.i18n import _
from ..core.model import Model, Table
from ..core.sfeel import Value, literal_text
from ..domain.words import value_words
from ..verify.testing import Outcome


@dataclass
class DecisionCoverage:
    decision: str
    fired: dict[str, list[str]]  # rule id -> ids of the cases that fire it, in rule order
    outputs_unexpected: dict[str, list[Value]] = field(default_factory=dict)
    inputs_unused: dict[str, list[Value]] = field(default_factory=dict)

    @property
    def unfired(self) -> list[str]:
        return [rule for rule, cases in self.fired.items() if not cases]

    @property
    def n_fired(self) -> int:
        return sum(1 for cases in self.fired.values() if cases)


@dataclass
class Coverage:
    decisions: list[DecisionCoverage]
    cases: int

    @property
    def rules(self) -> int:
        return sum(len(d.fired) for d in self.decisions)

    @property
    def rules_fired(self) -> int:
        return sum(d.n_fired for d in self.decisions)

    @property
    def percent(self) -> float:
        return 100.0 if not self.rules else 100.0 * self.rules_fired / self.rules

    def to_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases, "rules": self.rules, "rules_fired": self.rules_fired,
            "percent": round(self.percent, 2),
            "decisions": [{
                "decision": d.decision, "fired": d.fired, "unfired": d.unfired,
                "outputs_unexpected": {k: [_json(v) for v in vs]
                                       for k, vs in d.outputs_unexpected.items()},
                "inputs_unused": {k: [_json(v) for v in vs] for k, vs in d.inputs_unused.items()},
            } for d in self.decisions],
        }


def _json(value: Value) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _enumerated(model: Model, name: str) -> tuple[Value, ...]:
    var = model.variables.get(name)
    if var is None or var.type not in ("string", "boolean"):
        return ()
    return var.values


def _missing(allowed: tuple[Value, ...], seen: list[Value]) -> list[Value]:
    # `in` would take True for 1: compare type and value
    return [v for v in allowed if not any(type(s) is type(v) and s == v for s in seen)]


def measure(model: Model, outcomes: list[Outcome]) -> Coverage:
    """Coverage of every decision by the outcomes of `testing.run_tests`."""
    out = []
    for table in model.tables.values():
        out.append(_decision(model, table, outcomes))
    return Coverage(out, len(outcomes))


def _decision(model: Model, table: Table, outcomes: list[Outcome]) -> DecisionCoverage:
    fired: dict[str, list[str]] = {r.id: [] for r in table.rules}
    reached: list[Outcome] = []
    for o in outcomes:
        rules = o.fired.get(table.name)
        if rules is None:
            continue
        reached.append(o)
        for rule in rules:
            if rule in fired:
                fired[rule].append(o.case.id)
    cov = DecisionCoverage(table.name, fired)
    for name in table.output_names:
        allowed = _enumerated(model, name)
        expected: list[Value] = []
        for o in outcomes:
            if name in o.case.expected:
                value = o.case.expected[name]
                expected.extend(value if isinstance(value, list) else [value])
        missing = _missing(allowed, expected)
        if missing:
            cov.outputs_unexpected[name] = missing
    for name in table.input_names:
        if model.producer(name) is not None:
            continue  # a decided input: its values are the upstream decision's outputs
        allowed = _enumerated(model, name)
        used = [o.case.inputs[name] for o in reached if name in o.case.inputs]
        missing = _missing(allowed, used)
        if missing:
            cov.inputs_unused[name] = missing
    return cov


def render_text(model: Model, cov: Coverage) -> str:
    lines = [_("Rule coverage: {rules_fired} of {rules} rules fired by {cases} test "
               "case(s) ({percent:.0f} %)").format(
                 rules_fired=cov.rules_fired, rules=cov.rules, cases=cov.cases,
                 percent=cov.percent)]
    for d in cov.decisions:
        table = model.tables[d.decision]
        lines.append(_("  decision {decision} [{sheet}]: {n_fired}/{n_fired2} rules").format(
                         decision=d.decision, sheet=table.sheet, n_fired=d.n_fired,
                         n_fired2=len(d.fired)))
        counts = ", ".join(f"{rule} {len(cases)}" for rule, cases in d.fired.items())
        lines.append(_("    cases per rule: {counts}").format(counts=counts))
        if d.unfired:
            cells = {r.id: r.cell for r in table.rules}
            shown = ", ".join(f"{r} ({cells[r]})" for r in d.unfired)
            lines.append(_("    no case fires: {shown}").format(shown=shown))
        for name, values in d.outputs_unexpected.items():
            lines.append(_("    no case expects {name} = {join}").format(
                             name=name, join=values_said(model, name, values)))
        for name, values in d.inputs_unused.items():
            lines.append(_("    no case gives {name} = {join}").format(
                             name=name, join=values_said(model, name, values)))
    return "\n".join(lines) + "\n"


def values_said(model: Model, name: str, values: list[Value]) -> str:
    """Values as the committee reads them (labels, ja/nei), the code beside a label."""
    labels = model.value_labels.get(name, {})
    return ", ".join(f"{value_words(v, labels)} ({literal_text(v)})" if v in labels
                     else value_words(v) if isinstance(v, bool) else literal_text(v)
                     for v in values)


def summary_line(cov: Coverage) -> str:
    """One line per workbook, for the pytest summary."""
    unfired = [f"{d.decision}:{r}" for d in cov.decisions for r in d.unfired]
    tail = _("; not fired: {unfired}").format(unfired=', '.join(unfired)) if unfired else ""
    return _("{rules_fired}/{rules} rules fired ({percent:.0f} %){tail}").format(
               rules_fired=cov.rules_fired, rules=cov.rules, percent=cov.percent, tail=tail)


def report_coverage(model: Model, outcomes: list[Outcome],
                    min_coverage: float | None) -> tuple[int, str]:
    """The coverage report's text, and 1 when rule coverage is below `min_coverage` percent."""
    cov = measure(model, outcomes)
    text = render_text(model, cov)
    if min_coverage is not None and cov.percent + 1e-9 < min_coverage:
        return 1, text + _("FAILED: rule coverage is {percent:.1f} %, below the required "
                           "{min_coverage:g} %").format(percent=cov.percent,
                                                        min_coverage=min_coverage) + "\n"
    return 0, text
