"""The test-case sheet and the About sheet: what the workbook promises about itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..core.i18n import _
from ..core.model import Table, TestCase, Variable, producers
from ..core.problems import Problems
from ..core.sfeel import (
    Value,
    normalise_text,
    parse_literal_list,
)
from ..core.text import visible
from ..domain.values import conform
from .cells import cell_value, formula_problem, id_text, native_value, read_cell, reading
from .layout import (
    ROLES,
    first_filled,
    first_row,
    header_variable,
    keyword,
    once,
    read_header,
    rule_rows,
)
from .xlsx import Sheet, cell_name


# -- tests and about --------------------------------------------------------------------------
def read_tests(sheet: Sheet, variables: dict[str, Variable], tables: list[Table],
               problems: Problems) -> list[TestCase]:
    header = read_header(sheet, first_row(sheet) - 1 if is_header_first(sheet) else
                          first_row(sheet), problems, ("input", "expected", "annotation"))
    if header is None:
        return []
    produced = producers(tables)
    columns: list[tuple[int, str, Variable | None]] = []
    column_of: dict[str, str] = {}
    for col, head, role in header.columns:
        head_cell = cell_name(sheet.name, header.row, col)
        if role == "annotation":
            columns.append((col, role, None))
            continue
        var = header_variable(head, variables, head_cell, problems)
        if var is None or not once(var, head_cell, column_of, problems, conditions=False):
            continue
        if role == "input" and var.name in produced:
            problems.add("structure", _("{name} is decided by {name2}, not given by a "
                                        "case: make it an expected column").format(
                                          name=var.name, name2=produced[var.name].name), head_cell)
            continue
        if role == "expected" and var.name not in produced:
            problems.add("structure", _("no decision gives {name}, so it cannot be "
                                        "expected").format(name=var.name),
                         head_cell)
            continue
        columns.append((col, role, var))
    cases: list[TestCase] = []
    seen: set[str] = set()
    for row in rule_rows(sheet, header.role_row + 1):
        id_cell = cell_name(sheet.name, row, 1)
        first = sheet.get(row, 1)
        if isinstance(first, str) and normalise_text(first).startswith("#"):
            continue  # a note among the cases
        if first is None:
            problems.add("structure", _("this test row has no case id in column A"),
                         first_filled(sheet, row))
            continue
        case_id = id_text(sheet.get(row, 1))
        if case_id in seen:
            problems.add("duplicate", _("test case {case_id} is listed twice").format(
                                          case_id=case_id), id_cell)
        seen.add(case_id)
        inputs: dict[str, Value] = {}
        expected: dict[str, Any] = {}
        cells: dict[str, str] = {}
        description = []
        for col, role, var in columns:
            raw = sheet.get(row, col)
            cell = cell_name(sheet.name, row, col)
            if role == "annotation" or var is None:
                if raw is not None:
                    description.append(normalise_text(str(raw)))
                continue
            cells[var.name] = cell
            if formula_problem(sheet, row, col, problems, None, None):
                continue
            if role == "input":
                value = test_value(raw, var, cell, problems)
                inputs[var.name] = value
            elif raw is not None:
                expected[var.name] = expected_value(raw, var, produced[var.name], cell, problems)
        cases.append(TestCase(case_id, row, inputs, expected, " ".join(description), cells,
                              id_cell))
    return cases


def is_header_first(sheet: Sheet) -> bool:
    """A test sheet may start right with its header row, or with a title row above it."""
    row = first_row(sheet)
    return any(ROLES.get(keyword(sheet.get(row + 1, c))) for c in range(2, sheet.max_col + 1))


def test_value(raw: Any, var: Variable, cell: str, problems: Problems) -> Value:
    if raw is None or keyword(raw) == "null":
        return None
    return read_cell(lambda: cell_value(raw, var), _("the value of {title}").format(
                                                       title=var.title()), cell,
                      problems)


def expected_value(raw: Any, var: Variable, table: Table, cell: str,
                    problems: Problems) -> Any:
    def read() -> Any:
        if table.hit_policy in ("R", "O", "C") and not isinstance(raw, str):
            return [cell_value(raw, var)]  # one number or boolean typed in: a list of one
        if table.hit_policy in ("R", "O", "C") and isinstance(raw, str):
            text = normalise_text(raw)
            if text.startswith("[") and text.endswith("]"):  # a FEEL list; [] = nothing matched
                text = text[1:-1]
            values = parse_literal_list(text, **reading(var))
            return [conform(v, var) for v in values]
        if keyword(raw) == "null":
            return None
        if table.hit_policy == "C#":  # a count, whatever the output's type
            return cell_value(raw, Variable(var.name, "integer"))
        if table.hit_policy == "C+":
            return cell_value(raw, Variable(var.name, "number"))
        return cell_value(raw, var)

    return read_cell(read, _("the expected {title}").format(title=var.title()), cell, problems)


def read_about(sheet: Sheet, problems: Problems) -> dict[str, str]:
    """Each row a key and its value; a key given twice is a finding (language from one row and
    the version from another was possible): an error when the values differ."""
    about: dict[str, str] = {}
    where: dict[str, str] = {}  # key (language for språk too) -> its cell
    said: dict[str, str] = {}
    for row in range(1, sheet.max_row + 1):
        key, value = sheet.get(row, 1), sheet.get(row, 2)
        if key is not None and value is not None:
            value = native_value(value)  # a date cell at midnight: the date, not a date-time
            shown = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value
            word, text = keyword(key), normalise_text(str(shown))
            cell = cell_name(sheet.name, row, 1)
            same = SAME_KEY.get(word, word)
            if same in where:
                differs = said[same] != text
                problems.add("duplicate", _("{key} is given twice in the About sheet (also "
                                            "{cell}){hint}: keep one row").format(
                                              key=repr(visible(str(key).strip(), 40)),
                                              cell=where[same],
                                              hint=_(", with another value") if differs else ""),
                             cell, severity="error" if differs else "warning")
                continue
            where[same], said[same] = cell, text
            about[word] = text
    return about


SAME_KEY = {"språk": "language", "sprak": "language", "tittel": "title"}  # one key, two words
