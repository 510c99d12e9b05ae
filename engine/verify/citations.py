"""Every paragraph the workbook cites is in the guideline text: a rule's sources, a question's
paragraphs. A citation of `N12` when the text ends at N9 quotes nothing to the clinician who
follows it, so the check reports it at its cell; before, only `render` noticed.

The text is the one the review documents quote: `name.paragraphs.md` beside the workbook. A
workbook without it has nothing to check against (the report says so when it is built).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..core.errors import Finding, UsageError
from ..core.i18n import _
from ..core.model import Model
from ..workbook.paragraphs import SOURCES, default_paragraphs, read_paragraphs, source_ids


def check_citations(model: Model, out: list[Finding]) -> None:
    """Findings for the citations of paragraphs the text beside the workbook does not have."""
    if not model.path:
        return
    source = default_paragraphs(model.path)
    if not source.is_file():
        return
    try:
        known = read_paragraphs(source)
    except UsageError as exc:
        out.append(Finding("structure", "warning", str(exc), cells=(Path(source).name,)))
        return
    out.extend(unknown_sources(model, known))
    out.extend(unknown_paragraphs(model, known))


def _known_ids(known: Iterable[str]) -> str:
    return ", ".join(sorted(set(known))) or "-"


def unknown_sources(model: Model, known: Iterable[str]) -> list[Finding]:
    """Rules whose sources cite a paragraph the guideline text does not have."""
    ids = set(known)
    out = []
    for table in model.tables.values():
        columns = [k for k, col in enumerate(table.annotations)
                   if col.name.casefold() in SOURCES]
        for rule in table.rules:
            for k in columns:
                wrong = [p for p in source_ids(rule.annotations[k]) if p not in ids]
                if not wrong:
                    continue
                cell = f"{table.sheet}!{table.annotations[k].letter}{rule.row}"
                out.append(Finding(
                    "unknown", "error",
                    _("rule {id} cites {wrong}, which the guideline text does not have (it "
                      "has {ids}): correct the sources").format(
                        id=rule.id, wrong=", ".join(wrong), ids=_known_ids(ids)),
                    table.name, (rule.id,), (cell,)))
    return out


def unknown_paragraphs(model: Model, known: Iterable[str]) -> list[Finding]:
    """Questions citing a paragraph the guideline text does not have, each with its cell."""
    ids = set(known)
    out = []
    for q in model.questions:
        wrong = [p for p in q.paragraphs if p not in ids]
        if wrong:
            message = _("question {id} cites {wrong}, which the guideline text does not have "
                        "(it has {ids})").format(id=q.id, wrong=", ".join(wrong),
                                                 ids=_known_ids(ids))
            out.append(Finding("unknown", "error", message,
                               cells=(q.cells.get("paragraphs", q.cell),)))
    return out
