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

from ..core.errors import Finding, UsageError, kind_word, severity_word
from ..core.i18n import _
from ..core.model import Model
from ..core.sfeel import literal_text
from ..domain.words import approval_words
from ..verify.check import check_model
from ..verify.testing import Outcome, run_readable
from . import render as r
from .coverage import measure, values_said
from .diff import shown_value
from .diff_text import EDIT_WORDS, edit_cells, new_value_lines
from .paragraphs import default_paragraphs, read_paragraphs

RANK = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Status:
    """One mark of the status line under the title: `level` is ok, warning or error."""

    level: str
    text: str


def build_report(model: Model, change: Any = None, guideline: str | None = None,
                 text: tuple[dict[str, Any], str] | None = None,
                 order: list[str] | None = None) -> str:
    """The page as HTML text; `change` is an engine.diff.Diff or None; `guideline` the text
    to quote (default: `name.paragraphs.md` beside the workbook). `text` (the paragraphs and
    a note) and `order` (the sheets) are given by the server, which read them with the
    workbook's bytes."""
    paragraphs, note = text if text is not None else _paragraphs(
        guideline or str(default_paragraphs(model.path)))
    blocks: list[Any] = r.build(model, Path(model.path).name, paragraphs, note,
                                order if order is not None else _order(model))
    findings = check_model(model)
    outcomes, held = run_readable(model)  # with errors: the cases that can still be trusted
    extra = [r.Heading(2, r.t(_("Check, test coverage and changes")))]
    extra += findings_blocks(model, findings)
    extra += coverage_blocks(model, outcomes, len(held))
    if change is not None:
        extra += diff_blocks(change, model)
    at = next((i for i, b in enumerate(blocks) if isinstance(b, r.Heading) and b.level == 2
               and "".join(s for _k, s in b.text).startswith(_("Decision"))), len(blocks))
    return r.to_html(blocks[:at] + extra + blocks[at:], "report.html",
                     status=status_line(model, findings, outcomes, change, len(held)))


def status_line(model: Model, findings: list[Finding], outcomes: list[Outcome],
                change: Any, held: int = 0) -> list[Status]:
    """What the committee must know first: errors, failing tests, open questions, changes."""
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    level = "error" if errors else "warning" if warnings else "ok"
    out = [Status("ok" if model.approved else "warning",
                  _("Status: {words}").format(words=approval_words(model))),
           Status(level, _("Check: {errors} error(s), {warnings} warning(s)").format(
               errors=errors, warnings=warnings))]
    if held:
        out.append(Status("error", _("Tests: {passed} pass, {failed} fail, {held} cannot run "
                                     "until the errors are fixed").format(
            passed=sum(o.ok for o in outcomes), failed=sum(not o.ok for o in outcomes),
            held=held)))
    elif not outcomes:
        out.append(Status("warning", _("No test cases")))
    else:
        failed = sum(not o.ok for o in outcomes)
        out.append(Status("error" if failed else "ok", _("Tests: {passed} pass, {failed} fail")
                          .format(passed=len(outcomes) - failed, failed=failed)))
    asked = len(r.questions(model))
    if asked:
        out.append(Status("warning", _("{n} question(s) for the committee").format(n=asked)))
    if change is not None:
        out.append(Status("warning" if change.answers or change.skipped else "ok",
                          verdict(change)))
    return out


def _paragraphs(text: str) -> tuple[dict[str, Any], str]:
    source = Path(text)
    if not source.exists():
        return {}, _("the guideline text ({name}) is not beside the workbook, so the sources "
                     "are not quoted.").format(name=source.name)
    try:
        return read_paragraphs(source), ""
    except UsageError as exc:
        return {}, str(exc)


def _order(model: Model) -> list[str]:
    """Sheet order as in the workbook (render sorts the decisions by it), kept by the loader."""
    return model.sheets


def findings_blocks(model: Model, findings: list[Finding]) -> list[Any]:
    errors = sum(f.severity == "error" for f in findings)
    head = r.Heading(3, r.t(_("Findings of the check") + " (", r.code("guideline check"), ")"))
    if not findings:
        return [head, r.Para(r.t(_("No findings: every table is complete and without "
                                   "contradictions.")))]
    rows, marks = [], []
    for f in sorted(findings, key=lambda f: RANK[f.severity]):
        marks.append(f.severity if f.severity in ("error", "warning") else "")
        region = "; ".join(f"{k} = {v}" for k, v in (f.region or {}).items())
        rows.append((r.t(r.bold(severity_word(f.severity)) if f.severity == "error"
                         else severity_word(f.severity)),
                     r.t(kind_word(f.kind)), r.t(f.decision or "–"),
                     r.t(r.code(", ".join(f.cells) or "–")),
                     r.t(f.message), r.t(r.code(region) if region else "–")))
    verdict = (_("{errors} error(s) must be fixed before the workbook can be approved.").format(
        errors=errors) if errors else _("No errors; warnings and notes should be reviewed."))
    return [head, r.Para(r.t(verdict)), r.Grid(
        (r.t(_("Severity")), r.t(_("Kind")), r.t(_("Decision")), r.t(_("Cell")),
         r.t(_("Message")), r.t(_("Region"))), tuple(rows), tuple(marks))]


def coverage_blocks(model: Model, outcomes: list[Outcome], held: int = 0) -> list[Any]:
    head = r.Heading(3, r.t(_("Rule coverage") + " (", r.code("guideline test --coverage"), ")"))
    if held and not outcomes:
        return [head, r.Para(r.t(_("The test cases cannot run until the errors above are "
                                   "fixed.")))]
    cov = measure(model, outcomes)
    failed = [o for o in outcomes if not o.ok]
    lines = [head, r.Para(r.t(
        r.bold(_("{fired} of {rules} rules").format(fired=cov.rules_fired, rules=cov.rules)),
        _(" are used by at least one of {cases} test cases ({percent:.0f} %). ").format(
            cases=cov.cases, percent=cov.percent),
        _("{passed} case(s) pass, {failed} fail.").format(passed=len(outcomes) - len(failed),
                                                        failed=len(failed)),
        _(" {held} case(s) cannot run until the errors above are fixed.").format(held=held)
        if held else ""))]
    rows, marks = [], []
    for d in cov.decisions:
        marks.append("warning" if d.unfired else "")
        counts = ", ".join(f"{rule}: {len(cases)}" for rule, cases in d.fired.items())
        unexpected = "; ".join(f"{model.label(k)}: {values_said(model, k, vs)}"
                               for k, vs in d.outputs_unexpected.items())
        unused = "; ".join(f"{model.label(k)}: {values_said(model, k, vs)}"
                           for k, vs in d.inputs_unused.items())
        rows.append((r.t(r.code(d.decision)), r.t(f"{d.n_fired}/{len(d.fired)}"),
                     r.t(", ".join(d.unfired) or "–"), r.t(counts),
                     r.t(unexpected or "–"), r.t(unused or "–")))
    lines.append(r.Grid((r.t(_("Decision")), r.t(_("Rules used")), r.t(_("No case uses")),
                         r.t(_("Cases per rule")), r.t(_("Answers no case expects")),
                         r.t(_("Input values no case uses"))), tuple(rows),
                        tuple(marks)))
    if failed:
        lines.append(r.Items(tuple(r.t(r.bold(o.case.id), f" ({o.case.cell}): ",
                                       o.error or "; ".join(
                                           _("{name}: expected {expected}, got {actual}").format(
                                               name=n, expected=literal_text(e),
                                               actual=literal_text(a))
                                           for n, e, a in o.failures))
                                   for o in failed), mark="failures"))
    return lines


def diff_blocks(change: Any, model: Model) -> list[Any]:
    """The changes since the other version, in the committee's words (as the rule cards)."""
    w = change.wording
    out: list[Any] = [r.Heading(3, r.t(_("Changes since "), r.code(change.old))),
                      r.Para(r.t(r.bold(verdict(change))))]
    empty = _("(empty)")
    notes = [f"{c.column}: {c.old or empty} → {c.new or empty}" for c in change.about]
    notes += [*change.glossary, *change.reading, *change.tables]
    if notes:
        out.append(r.Items(tuple(r.t(n) for n in notes)))
    if change.edits:
        rows = []
        for e in change.edits:
            rows.append((r.t(w.sheets.get(e.decision, e.decision)),
                         r.t(r.bold(e.rule), f" ({e.cell})"),
                         r.t(_(EDIT_WORDS.get(e.kind, e.kind))),
                         r.t("; ".join(edit_cells(w, e, "→")))))
        out.append(r.Grid((r.t(_("Decision")), r.t(_("Rule")), r.t(_("Edit")), r.t(_("Cells"))),
                          tuple(rows)))
    if change.listed:
        answer_rows = []
        for n, a in enumerate(change.listed, 1):
            example = ", ".join(f"{k}={shown_value(v)}" for k, v in a.example.items())
            answer_rows.append((r.t(str(n)), r.t(w.sheets.get(a.decision, a.decision)),
                                r.t(w.conditions(a.region) or _("always")),
                                r.t(w.answer(a, "old")), r.t(r.bold(w.answer(a, "new"))),
                                r.t(w.rules(a.old_rules), " → ", w.rules(a.new_rules)),
                                r.t(example)))
        out.append(r.Grid((r.t("#"), r.t(_("Decision")), r.t(_("When")), r.t(_("Before")),
                           r.t(_("Now")), r.t(_("Rules")), r.t(_("Example"))),
                          tuple(answer_rows), wide=True))
    said = new_value_lines(change, "")
    if said:
        out.append(r.Items(tuple(r.t(line.strip()) for line in said)))
    for name, why in change.skipped.items():
        out.append(r.Para(r.t(_("{name}: not compared: {why}").format(name=name, why=why))))
    return out


def verdict(change: Any) -> str:
    """The diff's summary line, for the status line and the changes section."""
    parts = [_("{n} rule edit(s)").format(n=len(change.edits))] if change.edits else []
    parts.append(_("changed answers in {n} region(s)").format(n=len(change.answers))
                 if change.answers else _("no changed answers"))
    if change.skipped:
        parts.append(_("{n} decision(s) not compared").format(n=len(change.skipped)))
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]
