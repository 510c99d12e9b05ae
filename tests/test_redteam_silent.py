"""Red team, round two (issue 17): what was passed over in silence is now said, with its cell.

The worst kind of defect: a table not read, hidden content not reported, a damaged file read
as if whole, while `check` says OK.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from redteam_files import edit_part, good, run_cli, with_shared_strings

import engine


def test_a_decision_keyword_formula_with_no_saved_result_is_not_passed_over(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wb_path = good(tmp_path)
    wb = openpyxl.load_workbook(wb_path)
    sheet = wb.copy_worksheet(wb["Advice"])
    sheet.title = "Second"
    sheet["A1"] = '=IF(TRUE,"Decision","")'  # openpyxl saves no result for it
    sheet["B1"] = "second"
    wb.save(wb_path)
    code, text = run_cli(["check", str(wb_path)], capsys)
    assert code == 1 and "Second!A1" in text and "no saved result" in text
    assert "OK" not in text


def test_strict_open_xml_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    strict = edit_part(good(tmp_path), tmp_path / "strict.xlsx", "xl/workbook.xml",
                       lambda xml: xml.replace(
                           b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                           b"http://purl.oclc.org/ooxml/spreadsheetml/main"))
    code, text = run_cli(["check", str(strict)], capsys)
    assert code == 2 and "Strict Open XML is not supported" in text
    assert "glossary" not in text


def test_a_negative_shared_string_index_is_damage_not_the_last_string(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = good(tmp_path)
    cell = b'<c r="F4" t="inlineStr"><is><t>N1</t></is></c>'
    whole = with_shared_strings(src, tmp_path / "shared.xlsx", cell,
                                b'<c r="F4" t="s"><v>0</v></c>')
    assert engine.load(str(whole)).tables["advice"].rules[0].annotations == ("N1",)
    broken = with_shared_strings(src, tmp_path / "neg.xlsx", cell,
                                 b'<c r="F4" t="s"><v>-1</v></c>')
    code, text = run_cli(["check", str(broken)], capsys)
    assert code == 2 and "Advice!F4" in text and "shared string '-1', which is not an index" in text


ROW5 = re.compile(rb'<row r="5"')


@pytest.mark.parametrize("row_tag", [
    b'<row r="5" hidden="&#49;"',  # an entity for "1"
    b'<row r="5" hidden=" true "',
    b'<row r="5" ht="0" customHeight="1"',  # zero height: as hidden as hidden
    b'<row r="5" spans="1:6" customFormat="a>b" hidden="1"',  # a '>' inside an attribute
])
def test_every_spelling_of_a_hidden_row_is_reported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], row_tag: bytes) -> None:
    path = edit_part(good(tmp_path), tmp_path / "hidden.xlsx", "xl/worksheets/sheet2.xml",
                     lambda xml: ROW5.sub(row_tag, xml))
    code, text = run_cli(["check", str(path)], capsys)
    assert code == 0 and "Advice!A5" in text and "hidden row" in text, text


def test_a_hidden_input_column_is_reported(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    wb_path = good(tmp_path)
    wb = openpyxl.load_workbook(wb_path)
    wb["Advice"].column_dimensions["C"].hidden = True
    wb.save(wb_path)
    code, text = run_cli(["check", str(wb_path)], capsys)
    assert code == 0 and "Advice!C2" in text and "column age is hidden" in text


def test_glossary_cells_merged_across_two_variables(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    wb_path = good(tmp_path)
    wb = openpyxl.load_workbook(wb_path)
    wb["Glossary"].merge_cells("C2:C3")  # receptor's allowed values, and age's is lost
    wb.save(wb_path)
    code, text = run_cli(["check", str(wb_path)], capsys)
    assert code == 1 and "Glossary!C2" in text and "merged cells in the glossary" in text


def test_a_cases_workbook_formula_with_no_saved_result_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = openpyxl.Workbook()
    ws = cases.active
    ws.title = "Cases"
    ws.append(["receptor", "age", "pain"])
    ws.append(["negative", 70, True])
    ws.append(["negative", "=60+10", True])
    cases.save(tmp_path / "cases.xlsx")
    out = tmp_path / "out.csv"
    code, text = run_cli(["eval", str(good(tmp_path)), "--input", str(tmp_path / "cases.xlsx"),
                          "--output", str(out)], capsys)
    assert code == 2 and "Cases!B3" in text and "no saved result" in text
    assert not out.exists()
