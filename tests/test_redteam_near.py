"""Red team, round three (issue 26): names typed almost right were passed over in silence.

A misnamed constraints or values sheet turned every constraint or label off; a misspelt
`Unknown allowed` header made the workbook format v1 (null accepted everywhere, the check
proving known values only); `Allowed value` dropped every domain; a sheet whose first cell
was `Decisions` (or whose `Decision` cell lay below row 50) was not a table, so its errors
vanished and check said OK. Each now gets "did you mean …?" at its cell, as the tests sheet
already did.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from redteam_files import run_cli
from workbooks import TableSpec
from workbooks_v2 import Workbook2, write2

GLOSSARY: list[tuple[Any, ...]] = [("z", "integer", "[0..10]", "Z", "no"),
                                   ("kind", "string", '"p", "q"', "Kind", "yes"),
                                   ("out", "string", '"a", "b"', "Out", "no")]
TABLE = TableSpec("out", "U", [("z", "input"), ("kind", "input"), ("out", "output")],
                  [["1", "< 5", "-", '"a"'], ["2", ">= 5", "-", '"b"']])


def workbook(folder: Path, edit: Any = None, name: str = "wb.xlsx") -> Path:
    path = write2(Workbook2(GLOSSARY, [TABLE], ["z", "kind"], [["C1", "0", '"p"', "never"]]),
                  folder / name)
    wb = openpyxl.load_workbook(path)
    values = wb.create_sheet("Values")
    values.append(["Variable", "Value", "Label"])
    values.append(["kind", '"p"', "Pe"])
    if edit is not None:
        edit(wb)
    wb.save(path)
    return path


def check(folder: Path, edit: Any, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    return run_cli(["check", str(workbook(folder, edit)), "--lang", "en"], capsys)


def test_the_plain_workbook_is_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    code, text = check(tmp_path, None, capsys)
    assert code == 0 and "did you mean" not in text, text


@pytest.mark.parametrize("sheet, name, meant", [
    ("Constraints", "Constraint", "Constraints"), ("Constraints", "Begrensning", "Begrensninger"),
    ("Constraints", "Begrensinger", "Begrensninger"), ("Values", "Value", "Values"),
    ("Values", "Verdi", "Verdier"),
])
def test_a_misnamed_constraints_or_values_sheet_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], sheet: str, name: str,
        meant: str) -> None:
    def rename(wb: Any) -> None:
        wb[sheet].title = name

    code, text = check(tmp_path, rename, capsys)
    assert code == 1 and f"{name}!A1: the sheet '{name}' is not read: did you mean " \
                         f"'{meant}'?" in text, text


@pytest.mark.parametrize("header, meant", [
    ("Unknown-allowed", "unknown allowed"), ("Unknown alowed", "unknown allowed"),
    ("Kan vaere ukjent", "kan være ukjent"), ("Allowed value", "allowed values"),
    ("Tillatt verdi", "tillatte verdier"), ("Types", "type"),
])
def test_a_misspelt_glossary_header_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             header: str, meant: str) -> None:
    column = "C" if "llow" in header or "illat" in header else "B" if header == "Types" \
        else "E"

    def misspell(wb: Any) -> None:
        wb["Glossary"][f"{column}1"] = header

    code, text = check(tmp_path, misspell, capsys)
    assert code == 1 and f"Glossary!{column}1: the column '{header}' is not read: did you " \
                         f"mean '{meant}'?" in text, text


def test_a_header_with_two_spaces_is_the_header(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Invisible in Excel, so not a near miss: the same words (and format v2 stays v2)."""
    def spaced(wb: Any) -> None:
        wb["Glossary"]["E1"] = "Unknown  allowed"

    code, text = check(tmp_path, spaced, capsys)
    assert code == 0 and "did you mean" not in text, text
    code, text = run_cli(["eval", str(workbook(tmp_path, spaced, "s.xlsx")), "--case",
                          '{"z": null, "kind": "q"}'], capsys)
    assert code == 1 and "must be known" in text  # v1 would have accepted null


@pytest.mark.parametrize("first", ["Decisions", "Beslutninger", "Decision:", "Desicion",
                                   "Decision table", "decision table 2"])
def test_a_near_miss_of_decision_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          first: str) -> None:
    def second(wb: Any) -> None:
        sheet = wb.copy_worksheet(wb["out"])
        sheet.title = "Second"
        sheet["A1"] = first
        sheet["B1"] = "second"
        sheet["C5"] = "< fifty"  # an error that vanished with the table

    code, text = check(tmp_path, second, capsys)
    assert code == 1 and "ERROR    structure    Second!A1: this sheet is not read as a " \
                         f"decision table: its first cell says '{first}'" in text, text


@pytest.mark.parametrize("first", ["Revision", "Precision", "Division", "Decisions"])
def test_a_sheet_that_is_no_table_gets_at_most_a_warning(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], first: str) -> None:
    """A change log headed `Revision` is no near miss; `Decisions` over notes is a warning."""
    def notes(wb: Any) -> None:
        sheet = wb.create_sheet("Notes")
        sheet.append([first, "what changed"])
        sheet.append(["2024-01-02", "first version"])

    code, text = check(tmp_path, notes, capsys)
    assert code == 0 and ("Notes!A1" in text) == (first == "Decisions"), text


def test_a_decision_cell_below_row_50_is_found(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    def low(wb: Any) -> None:
        sheet = wb.create_sheet("Low")
        for r, row in enumerate([["Decision", "low"], ["U", "z", "low_out"],
                                 [None, "input", "output"], ["1", "< fifty", '"a"']], start=60):
            for c, value in enumerate(row, start=1):
                sheet.cell(r, c, value)

    code, text = check(tmp_path, low, capsys)
    assert code == 1 and "Low!B63" in text, text  # read as a table: its bad cell is found


def test_decision_further_down_column_a_is_named(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    def titled(wb: Any) -> None:
        sheet = wb.copy_worksheet(wb["out"])
        sheet.title = "Titled"
        sheet.insert_rows(1)
        sheet["A1"] = "NBCG: the second table"
        sheet["B2"] = "second"

    code, text = check(tmp_path, titled, capsys)
    assert code == 1 and "Titled!A2: this sheet is not read as a decision table: Titled!A2 " \
                         "says 'Decision'" in text, text


@pytest.mark.parametrize("role, said", [
    ("Input:", 'the role \'Input:\' is not one of: annotation / inndata / input / merknad / '
               'output / utdata (did you mean "input"?)'),
    (None, "the column 'kind' has no role: write annotation / inndata / input"),
])
def test_a_role_typed_almost_right_or_left_empty(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 role: str | None, said: str) -> None:
    def retype(wb: Any) -> None:
        wb["out"]["C3"] = role

    code, text = check(tmp_path, retype, capsys)
    assert code == 1 and f"out!C3: {said}" in text and "the role None" not in text, text


@pytest.mark.parametrize("cells, whole", [
    (['"p", "q", null', "-"], True), (["-", "[0..10]"], True),
    (['"p", "q"', "-"], False),  # kind may be unknown: a null kind escapes it
    (['"p", "q", null', "< 10"], False),
])
def test_a_constraint_row_that_rules_out_every_case_is_an_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], cells: list[str], whole: bool
        ) -> None:
    """Before: check passed (with warnings) while every case was refused."""
    def constrain(wb: Any) -> None:
        sheet = wb["Constraints"]
        sheet["B2"], sheet["C2"] = cells[1], cells[0]

    code, text = check(tmp_path, constrain, capsys)
    assert (code == 1 and "Constraints!A2: constraint C1 rules out every case" in text) == whole
