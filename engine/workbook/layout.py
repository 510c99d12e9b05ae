"""The workbook's layout words: sheet roles, column roles, hit-policy names, header rows."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any

from ..core.i18n import _
from ..core.model import Variable
from ..core.problems import Problems
from ..core.sfeel import (
    normalise_text,
)
from ..core.text import visible
from .xlsx import Sheet, cell_name

GLOSSARY = {"glossary", "ordliste"}


TESTS = {"tests", "testtilfeller", "test cases", "testcases"}


ABOUT = {"about", "om"}


DECISION = {"decision", "beslutning"}


ROLES = {
    "input": "input", "inndata": "input", "output": "output", "utdata": "output",
    "annotation": "annotation", "merknad": "annotation", "expected": "expected",
    "forventet": "expected",
}


POLICY_WORDS = {
    "unique": "U", "any": "A", "priority": "P", "first": "F", "rule order": "R",
    "output order": "O", "collect": "C", "collect sum": "C+", "collect count": "C#",
    "collect min": "C<", "collect max": "C>", "sum": "C+", "count": "C#", "min": "C<",
    "max": "C>", "c+": "C+", "c#": "C#", "c<": "C<", "c>": "C>",
}


DEFAULT_IDS = {"default", "standard"}  # the rule id that marks a table's default answer


# -- decision tables ------------------------------------------------------------------------
@dataclass
class Header:
    row: int
    role_row: int
    columns: list[tuple[int, str, str]]  # (col, header text, role)


def near_word(word: str, words: list[str]) -> str | None:
    """The closest of `words` to a mistyped one (`Input:`, `ouput`, `expectd`), if close."""
    plain = word.replace("-", " ").replace("_", " ").rstrip(":.")
    close = get_close_matches(plain, words, n=1, cutoff=0.75)
    return close[0] if close else None


def first_row(sheet: Sheet, start: int = 1) -> int:
    for row in range(start, sheet.max_row + 1):
        if any(sheet.get(row, c) is not None for c in range(1, sheet.max_col + 1)):
            return row
    return start


def read_header(sheet: Sheet, top: int, problems: Problems,
                 roles: tuple[str, ...]) -> Header | None:
    header_row = first_row(sheet, top + 1)
    role_row = header_row + 1
    columns = []
    for col in range(2, sheet.max_col + 1):
        head, role_raw = sheet.get(header_row, col), sheet.get(role_row, col)
        if head is None and role_raw is None:
            continue
        cell = cell_name(sheet.name, role_row, col)
        role = ROLES.get(keyword(role_raw))
        if head is None:
            problems.add("structure", _("this column has a role but no name in the row "
                                        "above"),
                         cell_name(sheet.name, header_row, col))
            continue
        if role not in roles:
            words = sorted(k for k, v in ROLES.items() if v in roles)
            shown = " / ".join(words)
            if role_raw is None:
                problems.add("structure", _("the column {head!r} has no role: write {shown} in "
                                            "this cell").format(
                                              head=visible(str(head).strip(), 40), shown=shown),
                             cell)
                continue
            meant = next((w for w in words if w == keyword(role_raw)), None) or \
                near_word(keyword(role_raw), words)
            hint = _(' (did you mean "{close}"?)').format(close=meant) if meant else ""
            problems.add("structure", _("the role {role_raw!r} is not one of: {shown}{hint}")
                         .format(role_raw=visible(str(role_raw).strip(), 40), shown=shown,
                                 hint=hint), cell)
            continue
        columns.append((col, normalise_text(str(head)), role))
    if not columns:
        problems.add(
            "structure",
            _(
                "the table has no columns: row {header_row} should "
                "name the variables and row {role_row} their roles"
            ).format(header_row=header_row, role_row=role_row),
            cell_name(sheet.name, header_row, 1),
        )
        return None
    rank = {r: i for i, r in enumerate(roles)}
    for (_c, _h, a), (col, _h2, b) in zip(columns, columns[1:]):
        if rank[b] < rank[a]:
            problems.add("structure", _("{b} columns must come before {a} columns (in "
                                        "this order: {roles})").format(
                                          b=b, a=a, roles=', '.join(roles)),
                         cell_name(sheet.name, role_row, col))
    return Header(header_row, role_row, columns)


def header_variable(head: str, variables: dict[str, Variable], cell: str,
              problems: Problems) -> Variable | None:
    if head in variables:
        return variables[head]
    folded = head.casefold()
    by_label = [v for v in variables.values() if v.label and v.label.casefold() == folded]
    if len(by_label) == 1:
        return by_label[0]
    if len(by_label) > 1:
        problems.add("unknown", _("the label {head!r} belongs to several variables "
                                  "({join}): write the name").format(
                                    head=head, join=', '.join(v.name for v in by_label)), cell)
        return None
    names = list(variables) + [v.label for v in variables.values() if v.label]
    close = get_close_matches(head, names, n=1, cutoff=0.6)
    hint = _(' (did you mean "{close}"?)').format(close=close[0]) if close else ""
    problems.add("unknown", _("{head!r} is not a variable in the glossary{hint}: add "
                              "it to the glossary or correct the name").format(
                                head=head, hint=hint), cell)
    return None


def once(var: Variable, cell: str, seen: dict[str, str], problems: Problems,
         conditions: bool = True) -> bool:
    """A variable names one column of a table, a constraint or the test sheet: two columns
    for one variable would be two answers to one question (a test sheet's case would take the
    last, the check the last condition, evaluation both). The second is refused, located."""
    first = seen.setdefault(var.name, cell)
    if first == cell:
        return True
    if conditions:
        message = _("{name} has a column already ({first}): one variable, one column; write "
                    "both conditions in one cell (for > 3 and < 5: (3..5))")
    else:
        message = _("{name} has a column already ({first}): one variable, one column; keep "
                    "one of them")
    problems.add("duplicate", message.format(name=var.title(), first=first), cell)
    return False


def rule_rows(sheet: Sheet, first: int) -> list[int]:
    return sorted({r for (r, _) in sheet.cells if r >= first})


def first_filled(sheet: Sheet, row: int) -> str:
    """The cell to name for a row without an id: the one text it holds (a note written in
    another column), else column A, where the id is missing."""
    filled = [c for c in range(2, sheet.max_col + 1) if sheet.get(row, c) is not None]
    lone = len(filled) == 1 and isinstance(sheet.get(row, filled[0]), str)
    return cell_name(sheet.name, row, filled[0] if lone else 1)


def keyword(value: Any) -> str:
    """A layout word as compared: trimmed, one space between words, any case."""
    return " ".join(normalise_text(value).casefold().split()) if isinstance(value, str) else ""
