"""`guideline report`: one self-contained HTML page for the committee's meeting.

The decision tables, their labels and quoted sources come from the review document
(review/render.py, reused block for block); this module adds what the committee decides on:
the check's findings, the test cases' rule coverage and, optionally, what changed since an
earlier version, with a status line at the top and the findings and failing tests marked.
The page is templates/report.html: inline CSS only, no script, no external resource, so it
works offline and from an e-mail attachment, and prints on A4.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import Finding, UsageError
from ..core.model import Model
from ..core.sfeel import literal_text
from ..verify.check import check_model
from ..verify.testing import Outcome, run_tests
from ..workbook.xlsx import read_sheets
from . import render as r
from .coverage import measure
from .diff import shown_value
from .diff_text import answer_words
from .paragraphs import default_paragraphs, read_paragraphs
from .render import label

SEVERITY = {"error": "feil", "warning": "advarsel", "info": "merknad"}
RANK = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Status:
    """One mark of the status line under the title: `level` is ok, warning or error."""

    level: str
    text: str


def build_report(model: Model, change: Any = None) -> str:
    """The page as HTML text; `change` is an engine.diff.Diff or None."""
    paragraphs, note = _paragraphs(model.path)
    blocks: list[Any] = r.build(model, Path(model.path).name, paragraphs, note, _order(model))
    findings = check_model(model)
    outcomes = [] if model.errors else run_tests(model)
    extra = [r.Heading(2, r.t("Kontroll, testdekning og endringer"))]
    extra += findings_blocks(model, findings)
    extra += coverage_blocks(model, outcomes)
    if change is not None:
        extra += diff_blocks(change, model)
    at = next((i for i, b in enumerate(blocks) if isinstance(b, r.Heading) and b.level == 2
               and "".join(s for _, s in b.text).startswith("Beslutning")), len(blocks))
    return r.to_html(blocks[:at] + extra + blocks[at:], "report.html",
                     status=status_line(model, findings, outcomes, change))


def status_line(model: Model, findings: list[Finding], outcomes: list[Outcome],
                change: Any) -> list[Status]:
    """What the committee must know first: errors, failing tests, open questions, changes."""
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    level = "error" if errors else "warning" if warnings else "ok"
    out = [Status(level, f"Kontroll: {errors} feil, {warnings} advarsler")]
    if model.errors:
        out.append(Status("error", "Testene kan ikke kjøres"))
    elif not outcomes:
        out.append(Status("warning", "Ingen testtilfeller"))
    else:
        failed = sum(not o.ok for o in outcomes)
        out.append(Status("error" if failed else "ok",
                          f"Tester: {len(outcomes) - failed} består, {failed} feiler"))
    asked = len(r.questions(model))
    if asked:
        out.append(Status("warning", f"{asked} spørsmål til faggruppen"))
    if change is not None:
        out.append(Status("warning" if change.answers else "ok", verdict(change)))
    return out


def _paragraphs(path: str) -> tuple[dict[str, Any], str]:
    source = default_paragraphs(path)
    if not source.exists():
        return {}, (f"retningslinjeteksten ({source.name}) ligger ikke ved siden av "
                    "arbeidsboken, så kildene er ikke sitert.")
    try:
        return read_paragraphs(source), ""
    except UsageError as exc:
        return {}, str(exc)


def _order(model: Model) -> list[str]:
    """Sheet order as in the workbook (render sorts the decisions by it)."""
    if not model.path.lower().endswith((".xlsx", ".xlsm")):
        return []
    return [s.name for s in read_sheets(model.path)]


def findings_blocks(model: Model, findings: list[Finding]) -> list[Any]:
    errors = sum(f.severity == "error" for f in findings)
    head = r.Heading(3, r.t("Funn fra kontrollen (", r.code("guideline check"), ")"))
    if not findings:
        return [head, r.Para(r.t("Ingen funn: hver tabell er fullstendig og uten motsigelser."))]
    rows, marks = [], []
    for f in sorted(findings, key=lambda f: RANK[f.severity]):
        marks.append(f.severity if f.severity in ("error", "warning") else "")
        region = "; ".join(f"{k} = {v}" for k, v in (f.region or {}).items())
        rows.append((r.t(r.bold(SEVERITY[f.severity]) if f.severity == "error"
                         else SEVERITY[f.severity]),
                     r.t(f.kind), r.t(f.decision or "–"), r.t(r.code(", ".join(f.cells) or "–")),
                     r.t(f.message), r.t(r.code(region) if region else "–")))
    verdict = (f"{errors} feil må rettes før arbeidsboken kan godkjennes." if errors else
               "Ingen feil; advarsler og merknader bør vurderes.")
    return [head, r.Para(r.t(verdict)), r.Grid(
        (r.t("Alvorlighet"), r.t("Type"), r.t("Beslutning"), r.t("Celle"), r.t("Melding"),
         r.t("Område")), tuple(rows), tuple(marks))]


def coverage_blocks(model: Model, outcomes: list[Outcome]) -> list[Any]:
    head = r.Heading(3, r.t("Regeldekning (", r.code("guideline test --coverage"), ")"))
    if model.errors:
        return [head, r.Para(r.t("Testtilfellene kan ikke kjøres før feilene over er rettet."))]
    cov = measure(model, outcomes)
    failed = [o for o in outcomes if not o.ok]
    lines = [head, r.Para(r.t(r.bold(f"{cov.rules_fired} av {cov.rules} regler"),
                        f" brukes av minst ett av {cov.cases} testtilfeller "
                        f"({cov.percent:.0f} %). ",
                        f"{len(outcomes) - len(failed)} tilfeller består, {len(failed)} feiler."))]
    rows, marks = [], []
    for d in cov.decisions:
        marks.append("warning" if d.unfired else "")
        counts = ", ".join(f"{rule}: {len(cases)}" for rule, cases in d.fired.items())
        unexpected = "; ".join(f"{k}: {', '.join(literal_text(v) for v in vs)}"
                               for k, vs in d.outputs_unexpected.items())
        unused = "; ".join(f"{k}: {', '.join(literal_text(v) for v in vs)}"
                           for k, vs in d.inputs_unused.items())
        rows.append((r.t(r.code(d.decision)), r.t(f"{d.n_fired}/{len(d.fired)}"),
                     r.t(", ".join(d.unfired) or "–"), r.t(counts),
                     r.t(unexpected or "–"), r.t(unused or "–")))
    lines.append(r.Grid((r.t("Beslutning"), r.t("Regler brukt"), r.t("Ingen tilfelle bruker"),
                         r.t("Tilfeller per regel"), r.t("Svar ingen tilfelle forventer"),
                         r.t("Inndataverdier ingen tilfelle bruker")), tuple(rows),
                        tuple(marks)))
    if failed:
        lines.append(r.Items(tuple(r.t(r.bold(o.case.id), f" ({o.case.cell}): ",
                                       o.error or "; ".join(
                                           f"{n}: forventet {literal_text(e)}, fikk "
                                           f"{literal_text(a)}" for n, e, a in o.failures))
                                   for o in failed), mark="failures"))
    return lines


def diff_blocks(change: Any, model: Model) -> list[Any]:
    out: list[Any] = [r.Heading(3, r.t("Endringer siden ", r.code(change.old))),
                      r.Para(r.t(r.bold(verdict(change))))]
    notes = [f"{c.column}: {c.old or '(tom)'} → {c.new or '(tom)'}" for c in change.about]
    notes += [*change.glossary, *change.tables]
    if notes:
        out.append(r.Items(tuple(r.t(n) for n in notes)))
    if change.edits:
        rows = []
        for e in change.edits:
            cells = "; ".join(f"{c.column}: {c.old} → {c.new}" for c in e.changes) or \
                "; ".join(f"{k}: {v}" for k, v in e.row.items() if v)
            rows.append((r.t(r.code(e.decision)), r.t(r.bold(e.rule), f" ({e.cell})"),
                         r.t(e.kind), r.t(cells)))
        out.append(r.Grid((r.t("Beslutning"), r.t("Regel"), r.t("Endring"), r.t("Celler")),
                          tuple(rows)))
    if change.answers:
        answer_rows = []
        for n, a in enumerate(change.answers, 1):
            when = "; ".join(f"{label(model, k)} = {v}" for k, v in a.region.items()) or \
                "alltid"
            example = ", ".join(f"{k}={shown_value(v)}" for k, v in a.example.items())
            answer_rows.append((r.t(str(n)), r.t(r.code(a.decision)), r.t(when),
                         r.t(answer_words(a, "old")), r.t(r.bold(answer_words(a, "new"))),
                         r.t(", ".join(a.old_rules), " → ", ", ".join(a.new_rules)),
                         r.t(example)))
        out.append(r.Grid((r.t("#"), r.t("Beslutning"), r.t("Når"), r.t("Før"), r.t("Nå"),
                           r.t("Regler"), r.t("Eksempel")), tuple(answer_rows), wide=True))
    for name, why in change.skipped.items():
        out.append(r.Para(r.t(f"{name}: ikke sammenlignet: {why}")))
    return out


def verdict(change: Any) -> str:
    """The diff's summary line in Norwegian."""
    parts = [f"{len(change.edits)} regelendring(er)"] if change.edits else []
    parts.append(f"endrede svar i {len(change.answers)} område(r)" if change.answers
                 else "ingen endrede svar")
    if change.skipped:
        parts.append(f"{len(change.skipped)} beslutning(er) ikke sammenlignet")
    return "; ".join(parts).capitalize()
