"""The questions sheet (`Questions` / `Spørsmål`): the committee's open questions, in the workbook.

Rules that interpret carry their question in a `tolkning` cell; what no single rule raises (how
long a deferral lasts, what counts as a response) has no rule to carry it, so it lives here:
one row a question, with the paragraphs and rules it touches and the reading the workbook
follows until the committee answers. The header is the first non-empty row; columns, in any
order: `id`/`Nr` and `Question`/`Spørsmål` (required), `Paragraphs`/`Avsnitt`,
`Rules`/`Regler`, `Reading`/`Lesning inntil videre`. Every problem is reported with its cell:
a rule that no table holds is an error, never silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..core.i18n import _
from ..core.model import Question, Table
from ..core.problems import Problems
from ..core.sfeel import normalise_text
from .cells import id_text, note_text
from .layout import first_row, keyword, rule_rows
from .near import header_hint
from .xlsx import Sheet, cell_name

QUESTIONS = {"questions", "spørsmål", "spørsmål til faggruppen"}
COLUMNS = {
    "id": "id", "nr": "id",
    "question": "question", "spørsmål": "question",
    "paragraphs": "paragraphs", "paragraph": "paragraphs", "avsnitt": "paragraphs",
    "rules": "rules", "regler": "rules",
    "reading": "reading", "reading meanwhile": "reading", "lesning": "reading",
    "lesning inntil videre": "reading", "valgt lesning": "reading",
}
PARAGRAPH = re.compile(r"[A-Z]{1,3}\d{1,3}$")  # as `sources` cells cite them: N1, P4
SEPARATOR = re.compile(r"\s*[,;]\s*")


def read_questions(sheet: Sheet, tables: list[Table], problems: Problems) -> list[Question]:
    """Every question row of the sheet, its rule references resolved against `tables`."""
    header = first_row(sheet)
    columns: dict[str, int] = {}
    for col in range(1, sheet.max_col + 1):
        head = sheet.get(header, col)
        if head is None:
            continue
        role = COLUMNS.get(keyword(head))
        if role is None:  # any other column is a note for people (status, date, answer)
            header_hint(sheet, header, col, COLUMNS, _("the questions sheet"), problems,
                        frozenset({"paragraphs", "rules", "reading"}))
            continue
        if role in columns:
            problems.add("structure", _("a second {head!r} column: keep one").format(head=head),
                         cell_name(sheet.name, header, col))
            continue
        columns[role] = col
    missing = [c for c in ("id", "question") if c not in columns]
    if missing:
        problems.add("structure", _("the questions sheet starts with a header row naming the "
                                    "columns 'id' (or 'Nr') and 'Question' (or 'Spørsmål'); "
                                    "missing: {missing}").format(missing=", ".join(missing)),
                     cell_name(sheet.name, header, 1))
        return []
    out: list[Question] = []
    seen: dict[str, str] = {}
    for row in rule_rows(sheet, header + 1):
        question = _read_row(sheet, row, columns, tables, problems)
        if question is None:
            continue
        if question.id in seen:
            problems.add("duplicate", _("question {id} is listed twice (also {other})").format(
                id=question.id, other=seen[question.id]), question.cell)
            continue
        seen[question.id] = question.cell
        out.append(question)
    return out


def _read_row(sheet: Sheet, row: int, columns: dict[str, int], tables: list[Table],
              problems: Problems) -> Question | None:
    cells = {role: cell_name(sheet.name, row, col) for role, col in columns.items()}
    raw = {role: sheet.get(row, col) for role, col in columns.items()}
    if raw["id"] is None:
        problems.add("structure", _("this question has no id in its id column: give it one, "
                                    "or clear the row"), cells["id"])
        return None
    qid = id_text(raw["id"])
    text = note_text(raw["question"])
    if not text:
        problems.add("empty", _("question {id} has no text: write the question").format(id=qid),
                     cells["question"])
    paragraphs = _paragraphs(note_text(raw.get("paragraphs")), cells.get("paragraphs", ""),
                             problems)
    rules = _rules(qid, note_text(raw.get("rules")), tables, cells.get("rules", ""), problems)
    return Question(qid, text, paragraphs, rules, note_text(raw.get("reading")),
                    cells["id"], cells)


def _items(text: str) -> list[str]:
    return [item for item in SEPARATOR.split(normalise_text(text)) if item]


def _paragraphs(text: str, cell: str, problems: Problems) -> tuple[str, ...]:
    found = []
    for item in _items(text):
        if PARAGRAPH.match(item):
            found.append(item)
        else:
            problems.add("syntax", _("{item!r} is not a paragraph id: list ids as the sources "
                                     "column cites them, with commas (N1, N2, P4)").format(
                                         item=item), cell)
    return tuple(dict.fromkeys(found))


def _rules(qid: str, text: str, tables: list[Table], cell: str,
           problems: Problems) -> tuple[tuple[str, str], ...]:
    found = []
    for item in _items(text):
        ref = resolve_rule(item, tables)
        if isinstance(ref, Stale):
            problems.add("unknown", _("question {qid} names {what}, which the workbook no "
                                      "longer has (deleted or renamed?): update the question's "
                                      "rules").format(qid=qid, what=ref.what), cell,
                         severity="warning")
        elif isinstance(ref, str):
            problems.add("unknown", ref, cell)
        else:
            found.append(ref)
    return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class Stale:
    """A question names a rule (or a sheet) that is not there: most likely deleted since, so a
    warning that changes no answer, and no guess at a look-alike id (B3 is not B23)."""

    what: str


def resolve_rule(item: str, tables: list[Table]) -> tuple[str, str] | Stale | str:
    """`B3`, or `Bisfosfonat B3` / `bisphosphonate B3` when two tables use the id: the
    (decision, rule id) it names, `Stale` if it names none that is there, or why it is not a
    rule reference."""
    words = item.split()
    if len(words) == 2:
        where = words[0].casefold()
        scope = [t for t in tables if where in (t.sheet.casefold(), t.name.casefold())]
        if not scope:
            return Stale(_("the decision or sheet «{where}»").format(where=words[0]))
        rule_id = words[1]
    elif len(words) == 1:
        scope, rule_id = tables, words[0]
    else:
        return _("{item!r} is not a rule: write its id (B3), or sheet and id "
                 "(Bisfosfonat B3)").format(item=item)
    hits = [t for t in scope if any(r.id == rule_id for r in t.rules)]
    if len(hits) == 1:
        return (hits[0].name, rule_id)
    if hits:
        return _("rule {id} is in several decisions ({sheets}): write the sheet too "
                 "({sheet} {id})").format(id=rule_id, sheets=", ".join(t.sheet for t in hits),
                                          sheet=hits[0].sheet)
    return Stale(_("rule {id}").format(id=item))
