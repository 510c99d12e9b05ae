"""Red team, round two (issue 17): every input path has a bound on size, length and count,
checked before the expensive work (docs/hostile-input.md has the table of limits)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from redteam_files import GOOD_CASE, edit_part, good, run_cli

import engine
from engine import CaseError
from engine.core.text import MAX_COLUMNS, MAX_NAME, MAX_TEXT
from engine.evaluation.case_files import MAX_LINE

DMN13 = "https://www.omg.org/spec/DMN/20191111/MODEL/"


@pytest.mark.parametrize("formula", [False, True])  # calamine's fast path, openpyxl's streaming
def test_a_sheet_name_of_300000_characters_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], formula: bool) -> None:
    src = good(tmp_path)
    if formula:
        src = edit_part(src, tmp_path / "f.xlsx", "xl/worksheets/sheet2.xml",
                        lambda xml: xml.replace(b'<c r="F4" t="inlineStr"><is><t>N1</t></is></c>',
                                                b'<c r="F4"><f>1+1</f><v>2</v></c>'))
    path = edit_part(src, tmp_path / "long.xlsx", "xl/workbook.xml",
                     lambda xml: xml.replace(b'name="Advice"', b'name="' + b"A" * 300_000 + b'"'))
    code, text = run_cli(["check", str(path)], capsys)
    assert code == 2 and "300,000 characters" in text and len(text) < 1000


def test_a_huge_cell_text_is_cut_and_located(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = edit_part(good(tmp_path), tmp_path / "big.xlsx", "xl/worksheets/sheet2.xml",
                     lambda xml: xml.replace(b"<t>N1</t>", b"<t>" + os.urandom(1_000_000).hex()
                                             .encode() + b"</t>"))  # 2 MB that do not compress
    code, text = run_cli(["check", str(path)], capsys)
    assert code == 1 and "Advice!F4" in text and "2,000,000 characters" in text
    assert len(text) < 5000
    code, text = run_cli(["render", str(path)], capsys)
    assert code == 1 and len(text) < 5000


def test_a_dmn_id_of_two_million_characters_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dmn = tmp_path / "long.dmn"
    dmn.write_text(f'<definitions xmlns="{DMN13}" id="d" name="d" namespace="x"><decision '
                   f'id="{"b" * 2_000_000}" name="x"/></definitions>', encoding="utf-8")
    code, text = run_cli(["check", str(dmn)], capsys)
    assert code == 2 and f"at most {MAX_NAME}" in text and len(text) < 1000


def test_a_thirty_megabyte_case_string_is_refused_without_difflib(tmp_path: Path) -> None:
    model = engine.load(str(good(tmp_path)))
    with pytest.raises(CaseError) as caught:
        model.evaluate({**GOOD_CASE, "receptor": "x" * 30_000_000})
    assert f"at most {MAX_TEXT:,}" in str(caught.value) and len(str(caught.value)) < 300


def test_a_case_file_beyond_ten_megabytes_is_refused(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    case = tmp_path / "case.json"
    case.write_text('{"receptor": "' + "x" * 11_000_000 + '"}', encoding="utf-8")
    code, text = run_cli(["eval", str(good(tmp_path)), "--case", f"@{case}"], capsys)
    assert code == 2 and "is longer than 10,485,760 characters, the most one case" in text


def _batch(tmp_path: Path, cases: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    out = tmp_path / "out.csv"
    result = run_cli(["eval", str(good(tmp_path)), "--input", str(cases), "--output", str(out)],
                     capsys)
    assert not out.exists()
    return result


def test_a_csv_header_of_fifty_thousand_columns(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "wide.csv"
    names = ["receptor", "age", "pain"] + [f"c{i}" for i in range(50_000)]
    cases.write_text(",".join(names) + "\n" + ",".join(["negative", "70", "true"]
                                                       + [""] * 50_000) + "\n", encoding="utf-8")
    code, text = _batch(tmp_path, cases, capsys)
    assert code == 2 and f"at most {MAX_COLUMNS:,}" in text


@pytest.mark.parametrize("body", [
    b"receptor,age,pain\n" + b"\0" * 3_000_000,
    b"receptor,age,pain\nnegative,70,true\n" + b"x" * (MAX_LINE + 10)])
def test_nul_bytes_or_an_endless_line_in_a_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               body: bytes) -> None:
    cases = tmp_path / "bad.csv"
    cases.write_bytes(body)
    code, text = _batch(tmp_path, cases, capsys)
    assert code == 2 and ("NUL bytes" in text or "line longer than" in text)


def test_a_cases_workbook_zip_bomb_has_the_guideline_guards(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = good(tmp_path)
    bomb = tmp_path / "cases.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * 5_000_000)
            zout.writestr(info.filename, data)
    code, text = _batch(tmp_path, bomb, capsys)
    assert code == 2 and "zip bomb" in text
