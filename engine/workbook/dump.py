"""`guideline dump`: every sheet as stable plain text, one line per row, for `git diff`.

Registered as a git textconv (`*.xlsx diff=guideline`), it turns the diff of a binary
workbook into the list of rules that changed. It reads the raw grids (`xlsx.read_sheets`), not
the model, so a workbook full of errors still dumps. Only cell values are printed — no styles,
no dates of saving — with numbers and booleans in one canonical spelling. Rule and case lines
are keyed by their id rather than their row, so inserting a rule adds one line and leaves the
others alone; editing a cell changes exactly the line of its row.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from ..core.i18n import _
from ..core.sfeel import literal_text
from .constraints import CONSTRAINTS
from .fhir_sheet import SHEETS as FHIR_SHEETS
from .layout import ABOUT, DECISION, GLOSSARY, ROLES, TESTS, keyword
from .questions import QUESTIONS
from .xlsx import Sheet, column_letter, read_sheets

EMPTY = "(empty)"
FORMAT_LINE = "# guideline dump, format 1: one line per row; sheet, then id, then cells"


def cmd_dump(args: argparse.Namespace) -> int:
    sys.stdout.write(dump_workbook(args.workbook))
    return 0


def dump_workbook(path: str) -> str:
    return dump_sheets(read_sheets(path))


def dump_sheets(sheets: list[Sheet]) -> str:
    """The whole workbook as text: a heading line per sheet, then one line per non-empty row."""
    lines = [FORMAT_LINE]
    for sheet in sheets:
        kind = sheet_kind(sheet)
        flags = _(" (hidden sheet)") if sheet.hidden else ""
        lines.append("")
        lines.append(f"== {sheet.name} [{kind}]{flags} ==")
        if kind in ("decision", "tests") and (role_row := _role_row(sheet)) is not None:
            lines.extend(_table_lines(sheet, role_row, strict_inputs=kind == "decision"))
        elif kind in ("glossary", "questions", "constraints"):  # one line per key
            lines.extend(_keyed_lines(sheet, with_header=True))
        elif kind == "about":
            lines.extend(_keyed_lines(sheet, with_header=False))
        else:
            lines.extend(_grid_lines(sheet, range(1, sheet.max_row + 1)))
        if sheet.truncated_at:
            lines.append(_("{name} | (rows after {truncated_at} not read)").format(
                             name=sheet.name, truncated_at=sheet.truncated_at))
    return "\n".join(lines) + "\n"


def sheet_kind(sheet: Sheet) -> str:
    """The sheet's role, found as the loader finds it: by name, or by `Decision` in column A."""
    name = keyword(sheet.name)
    for kind, words in (("glossary", GLOSSARY), ("tests", TESTS), ("about", ABOUT),
                        ("questions", QUESTIONS), ("constraints", CONSTRAINTS),
                        ("fhir", FHIR_SHEETS)):
        if name in words:
            return kind
    first = next((sheet.get(r, 1) for r in range(1, min(sheet.max_row, 50) + 1)
                  if sheet.get(r, 1) is not None), None)
    return "decision" if keyword(first) in DECISION else "other"


def value_text(value: Any) -> str:
    """One cell's value in a canonical spelling, on one line."""
    if isinstance(value, (bool, int, float)):
        return literal_text(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    text = str(value).strip()
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _cell(sheet: Sheet, row: int, col: int) -> str | None:
    raw = sheet.get(row, col)
    if raw is None:
        return None
    text = value_text(raw)
    if (row, col) in sheet.formulas:
        text += _(" (formula with no saved value)")
    return text


def _row_suffix(sheet: Sheet, row: int) -> str:
    return _(" | (hidden row)") if row in sheet.hidden_rows else ""


def _role_row(sheet: Sheet) -> int | None:
    """The row naming each column's role (input, output, ...): the header is the row above."""
    for row in range(2, min(sheet.max_row, 50) + 1):
        cells = [sheet.get(row, c) for c in range(2, sheet.max_col + 1)]
        words = [keyword(v) for v in cells if v is not None]
        if words and all(w in ROLES for w in words):  # a header may be named `merknad` too
            return row
    return None


def _table_lines(sheet: Sheet, role_row: int, strict_inputs: bool) -> list[str]:
    """A decision table or the tests sheet: `id | in=v | ... => out=v | ... | note: text`."""
    header_row = role_row - 1
    lines = _grid_lines(sheet, range(1, header_row))
    columns: list[tuple[int, str, str]] = []  # col, name, role (input/output/expected/other)
    heads = [f"A: {_cell(sheet, header_row, 1) or ''} / {_cell(sheet, role_row, 1) or ''}"]
    for col in range(2, sheet.max_col + 1):
        name, role = _cell(sheet, header_row, col), _cell(sheet, role_row, col)
        if name is None and role is None:
            continue
        heads.append(f"{column_letter(col)}: {name or ''} / {role or ''}")
        columns.append((col, name or column_letter(col), ROLES.get(keyword(role), "other")))
    lines.append(f"{sheet.name} columns | " + " | ".join(heads))
    known = {c for c, _head, _role in columns}
    for row in sorted({r for r, _col in sheet.cells if r > role_row}):
        ident = _cell(sheet, row, 1)
        conditions, answers, notes = [], [], []
        for col, name, role in columns:
            text = _cell(sheet, row, col)
            if role == "input":
                if text is not None or strict_inputs:
                    conditions.append(f"{name}={text if text is not None else EMPTY}")
            elif role in ("output", "expected"):
                if text is not None or strict_inputs:
                    answers.append(f"{name}={text if text is not None else EMPTY}")
            elif text is not None:
                notes.append(f"{name}: {text}")
        notes += [f"{column_letter(c)}{row}: {text}" for (r, c) in sorted(sheet.cells)
                  if r == row and c > 1 and c not in known and (text := _cell(sheet, r, c))]
        key = ident if ident is not None else _("(no id, row {row})").format(row=row)
        line = f"{sheet.name} {key} | " + " | ".join(conditions) + " => " + " | ".join(answers)
        lines.append(line.replace("|  =>", "| =>") + "".join(f" | {n}" for n in notes)
                     + _row_suffix(sheet, row))
    return lines


def _keyed_lines(sheet: Sheet, with_header: bool) -> list[str]:
    """Glossary and About: each row keyed by its first cell (a variable's name, a key)."""
    rows = sorted({r for r, _ in sheet.cells})
    if not rows:
        return []
    heads: dict[int, str] = {}
    lines: list[str] = []
    if with_header:
        top = rows.pop(0)
        heads = {c: _cell(sheet, top, c) or column_letter(c) for c in range(1, sheet.max_col + 1)
                 if sheet.get(top, c) is not None}
        lines.append(f"{sheet.name} columns | " + " | ".join(
            f"{column_letter(c)}: {h}" for c, h in heads.items()))
    for row in rows:
        key = _cell(sheet, row, 1) or _("(no key, row {row})").format(row=row)
        parts = []
        for col in range(2, sheet.max_col + 1):
            text = _cell(sheet, row, col)
            if text is not None:
                parts.append(f"{heads.get(col, column_letter(col))}: {text}" if with_header
                             else text)
        lines.append(f"{sheet.name} {key} | " + " | ".join(parts) + _row_suffix(sheet, row))
    return lines


def _grid_lines(sheet: Sheet, rows: range) -> list[str]:
    """Any other content: one line per non-empty row, cells named by their column letter."""
    lines = []
    for row in rows:
        parts = [f"{column_letter(c)}: {text}" for c in range(1, sheet.max_col + 1)
                 if (text := _cell(sheet, row, c)) is not None]
        if parts:
            lines.append(f"{sheet.name} row {row} | " + " | ".join(parts)
                         + _row_suffix(sheet, row))
    return lines
