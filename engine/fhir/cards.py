"""The answer as CDS Hooks 2.0 cards, in the caller's language (`Accept-Language`), else the
workbook's.

Three kinds of card, and never a recommendation without complete, fresh, agreeing data:
- the answer: summary = the first output's label (and the strength word when the decision has
  one), detail = the rule, its quoted paragraphs, the open questions on it, the data used, the
  version and sha256; `extension.guideline` carries the same for machines;
- ask: what is missing, stale, unreadable or contradictory, by label, with the question to
  answer and a link to the committee's form: no outputs at all;
- refused: the case lies inside a constraint (named), or the tables refuse it.
A guideline that is not approved says so on every card, whose indicator is then at least
`warning`. The summary is at most 140 characters (the spec's limit).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ..core.errors import CaseError
from ..core.i18n import _
from ..core.model import Constraint, Model
from ..core.sfeel import Value, literal_text
from ..evaluation.evaluate import Result, json_value, unapproved_reason
from ..review.markdown_safe import plain
from ..review.open_questions import INTERPRETATION, interpretation
from ..review.paragraphs import Paragraph, source_ids
from .mapping import Mapped

SUMMARY = 140
SOURCES = ("sources", "source", "kilder", "kilde")
STRENGTH = ("strength", "styrke")


@dataclass(frozen=True)
class Issued:
    """What a card said, kept so that feedback on it can be logged with its answer."""

    card: str
    decision: str
    kind: str  # answer, ask, refused
    rules: tuple[str, ...]
    sha256: str
    hook_instance: str


@dataclass(frozen=True)
class Where:
    """Where the cards point: the served report and the committee's form."""

    base: str  # the service's public URL, without a trailing slash
    hook_instance: str = ""


def _card(model: Model, summary: str, detail: list[str], indicator: str, where: Where,
          extension: dict[str, Any], links: list[dict[str, str]] | None = None) -> dict[str, Any]:
    if model.draft:
        summary = _("Draft: {summary}").format(summary=summary)
        detail = [_("**Not approved:** {reason}").format(reason=plain(unapproved_reason(model))),
                  "", *detail]
        indicator = "warning" if indicator == "info" else indicator
    if len(summary) > SUMMARY:
        summary = summary[:SUMMARY - 1].rstrip() + "…"
    title = model.about.get("title") or model.path
    version = model.about.get("version")
    label = f"{title} ({version})" if version else title
    card: dict[str, Any] = {
        "uuid": str(uuid.uuid4()), "summary": summary, "indicator": indicator,
        "detail": "\n".join(detail).strip() + "\n",
        "source": {"label": label[:SUMMARY], "url": f"{where.base}/report"},
        "extension": {"guideline": {**extension, **model.provenance()}},
    }
    if links:
        card["links"] = links
    return card


def shown(model: Model, name: str, value: Value) -> str:
    """A value as a clinician reads it: its label from the Values sheet, else its code."""
    label = model.value_labels.get(name, {}).get(value) if isinstance(
        value, (str, bool, int)) else None
    return label or literal_text(value)


def answer_card(model: Model, result: Result, mapped: Mapped, paragraphs: dict[str, Paragraph],
                where: Where) -> tuple[dict[str, Any], Issued]:
    decision = result.decision
    table = model.tables[decision]
    first = table.output_names[0]
    summary = shown(model, first, result.outputs[first])
    strength = next((n for n in table.output_names if n.casefold() in STRENGTH), None)
    if strength is not None and strength != first:
        summary += f" ({shown(model, strength, result.outputs[strength])})"
    detail = [f"**{plain(model.label(n))}:** {plain(shown(model, n, v))}"
              for n, v in result.outputs.items()]
    cited: list[str] = []
    for step in result.trace:
        step_table = model.tables[step.decision]
        for rule in (r for r in step_table.rules if r.id in step.decided):
            detail += ["", _("**Rule {id}** ({cell}) of {decision}").format(
                id=plain(rule.id), cell=plain(rule.cell), decision=plain(step.decision))]
            for col, text in zip(step_table.annotations, rule.annotations):
                if col.name.casefold() in SOURCES:
                    cited += [p for p in source_ids(text) if p not in cited]
                elif text and col.name.casefold() not in INTERPRETATION:
                    detail.append(f"- {plain(text)}")
            reading = interpretation(step_table, rule)
            if reading:
                detail.append(_("- *Reading:* {text}").format(text=plain(reading)))
    for pid in cited:
        para = paragraphs.get(pid)
        detail += ["", f"> **{pid}** {plain(para.text)}" if para else f"> **{pid}**"]
    questions = [q for step in result.trace
                 for q in model.questions_on(step.decision, step.decided)]
    if questions:
        detail += ["", _("**Open questions on this rule:**")]
        detail += [f"- **{plain(q.id)}** {plain(q.text)}" + (
            _(" (reading meanwhile: {reading})").format(reading=plain(q.reading))
            if q.reading else "") for q in questions]
    detail += ["", _("**Data used:**")]
    detail += [f"- {plain(model.label(n))}: {plain(shown(model, n, v))} "
               f"({plain(', '.join(mapped.sources.get(n, [])))})" for n, v in mapped.case.items()]
    detail += ["", _version_line(model)]
    extension = {"kind": "answer", "decision": decision,
                 "outputs": {k: json_value(v) for k, v in result.outputs.items()},
                 "rules": list(result.rules), "paragraphs": cited,
                 "questions": [q.id for q in questions],
                 "case": {k: json_value(v) for k, v in mapped.case.items()}}
    card = _card(model, summary, detail, "info", where, extension)
    return card, Issued(card["uuid"], decision, "answer", tuple(result.rules), model.sha256,
                        where.hook_instance)


def ask_card(model: Model, decision: str, mapped: Mapped,
             where: Where) -> tuple[dict[str, Any], Issued]:
    labels = [model.label(a.variable) for a in mapped.asked]
    summary = _("Needed before the guideline can answer: {labels}").format(
        labels=", ".join(labels))
    detail = [_("No recommendation is given until these are answered:"), ""]
    for asked in mapped.asked:
        detail.append(f"- **{plain(model.label(asked.variable))}**: {plain(asked.question)} "
                      f"({plain(_reason(asked.reason))}: {plain(asked.detail)})")
    detail += ["", _version_line(model)]
    form = f"{where.base}/?decision={decision}"
    extension = {"kind": "ask", "decision": decision,
                 "missing": [{"variable": a.variable, "reason": a.reason} for a in mapped.asked]}
    card = _card(model, summary, detail, "warning", where, extension,
                 [{"label": _("Answer in the committee's form"), "url": form,
                   "type": "absolute"}])
    return card, Issued(card["uuid"], decision, "ask", (), model.sha256, where.hook_instance)


def refused_card(model: Model, decision: str, mapped: Mapped, exc: CaseError,
                 constraint: Constraint | None, where: Where) -> tuple[dict[str, Any], Issued]:
    if constraint is not None:
        summary = _("The data cannot occur together (constraint {id}): check the record").format(
            id=constraint.id)
    else:
        summary = _("The guideline cannot answer this case: {kind}").format(
            kind=type(exc).__name__)
    detail = [plain(str(exc)), "", _("**Data used:**")]
    detail += [f"- {plain(model.label(n))}: {plain(shown(model, n, v))}"
               for n, v in mapped.case.items()]
    detail += ["", _version_line(model)]
    extension = {"kind": "refused", "decision": decision, "error": type(exc).__name__,
                 "constraint": constraint.id if constraint is not None else None}
    card = _card(model, summary, detail, "warning", where, extension)
    return card, Issued(card["uuid"], decision, "refused", (), model.sha256,
                        where.hook_instance)


def _reason(reason: str) -> str:
    return {"absent": _("missing"), "stale": _("too old"), "conflict": _("contradictory"),
            "invalid": _("unreadable"), "must_be_known": _("unknown")}.get(reason, reason)


def _version_line(model: Model) -> str:
    prov = model.provenance()
    return _("Guideline version {version}, status {status}, sha256 {sha256}").format(
        version=plain(prov.get("version") or "-"), status=plain(prov.get("status") or "-"),
        sha256=prov.get("sha256") or "-")
