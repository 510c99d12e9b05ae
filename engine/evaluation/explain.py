"""An answer in words a clinician reads: which rule decided, which conditions held, its sources."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.sfeel import literal_text

if TYPE_CHECKING:
    from .evaluate import Result, Step


def shown(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(literal_text(v) for v in value) + "]"
    return literal_text(value)


def explain(result: Result) -> str:
    lines = []
    for step in result.trace:
        lines.extend(_step(result, step))
        lines.append("")
    if len(result.trace) > 1:
        lines.append(f"(decisions evaluated in order: "
                     f"{' -> '.join(s.decision for s in result.trace)})")
    lines.append(provenance(result.model.provenance()))
    return "\n".join(lines).rstrip() + "\n"


def provenance(about: dict[str, str | None]) -> str:
    """One line naming the guideline that answered, for a printed or stored explanation."""
    parts = [f"version {about.get('version') or '(none)'}",
             f"status {about.get('status') or '(none)'}"]
    if about.get("sha256"):
        parts.append(f"sha256 {about['sha256']}")
    return f"(guideline {', '.join(parts)})"


def _step(result: Result, step: Step) -> list[str]:
    model = result.model
    table = model.tables[step.decision]
    title = f" ({table.title})" if table.title else ""
    answer = ", ".join(f"{_label(model, k)} = {shown(v)}" for k, v in step.outputs.items())
    lines = [f"Decision {step.decision}{title}: {answer}"]
    if step.default:
        lines.append("  no rule matched; the table's default answer applies")
        return lines
    if not step.decided:
        lines.append("  no rule matched (an empty answer is allowed for this hit policy)")
        return lines
    decided = step.decided  # built on each access, as inputs below
    rules = {r.id: r for r in table.rules if r.id in decided}
    inputs = step.inputs  # built on each access: once per step
    policy = {"U": "the only matching rule", "A": "matching rules agree",
              "P": "highest priority among matches", "F": "first matching rule"}
    if len(step.matched) > 1 and table.hit_policy in policy:
        lines.append(f"  rules matching: {', '.join(step.matched)} "
                     f"(hit policy {table.hit_policy}: {policy[table.hit_policy]})")
    for rule_id in decided:
        rule = rules[rule_id]
        lines.append(f"  rule {rule.id} ({rule.cell}) applies because:")
        held = False
        for col, test, cell in zip(table.inputs, rule.inputs, rule.input_cells):
            if test is None or test.any:
                continue
            held = True
            value = inputs.get(col.name)
            lines.append(f"    - {_label(model, col.name)} is {shown(value)}, "
                         f"which satisfies {test.text}  [{cell}]")
        if not held:
            lines.append("    - it holds for every case (all conditions are '-')")
        for col, text in zip(table.annotations, rule.annotations):
            if text:
                lines.append(f"    {col.name}: {text}")
    return lines


def _label(model: Any, name: str) -> str:
    var = model.variables.get(name)
    if var is not None and var.label and var.label != name:
        return f"{var.label} ({name})"
    return name
