"""The committee's workbook as LibreOffice saves it (issue 21): what the committee did in
LibreOffice gives the same check as the same edit anywhere else, and no finding they cannot
make go away."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from libreoffice import delete_row, saved

import engine
from engine.workbook import xlsx

ROOT = Path(__file__).resolve().parents[1]
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"


def said(path: Path) -> list[tuple[str, str, str]]:
    """What `check` says of a workbook: kind, severity, message (cells differ by a row)."""
    return sorted((f.kind, f.severity, f.message)
                  for f in engine.load(str(path), strict=False).check())


# -- item 1: empty rows are not content ------------------------------------------------------
def test_a_row_deleted_in_libreoffice_checks_as_the_original(tmp_path: Path) -> None:
    wb = engine.load(str(NBCG))
    last = max(t.row for t in wb.tests)
    copy = delete_row(NBCG, tmp_path / "deleted.xlsx", "Testtilfeller", last)
    with zipfile.ZipFile(copy) as zf:  # what LibreOffice writes after a deletion
        assert any(b'<row r="1048576"' in zf.read(n) for n in zf.namelist()
                   if n.startswith("xl/worksheets/"))
    assert said(copy) == said(NBCG)
    assert len(engine.load(str(copy)).tests) == len(wb.tests) - 1


def _sheet_with(tmp_path: Path, far_row: str) -> Path:
    """A one-sheet workbook whose last row is Excel's last row, as `far_row` writes it."""
    path = tmp_path / "far.xlsx"
    with zipfile.ZipFile(NBCG) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", far_row.encode() + b"</sheetData>", 1)
            dst.writestr(info, data)
    return path


@pytest.mark.parametrize("far_row", [
    '<row r="1048576" customFormat="false" ht="12.8" hidden="false"></row>',
    '<row r="1048576"/>',
    '<row r="30001"><c r="A30001" s="1"/><c r="B30001" s="1"/></row>',  # styled, no value
])
def test_empty_rows_past_the_limit_are_not_content_for_either_reader(
        tmp_path: Path, far_row: str) -> None:
    path = _sheet_with(tmp_path, far_row)
    for sheets in (xlsx._read_streaming(str(path)), xlsx.read_sheets(str(path))):
        assert [s.name for s in sheets if s.truncated_at] == []
    assert not [f for f in engine.load(str(path), strict=False).problems
                if "not read" in f.message]


@pytest.mark.parametrize("far_row", [
    '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>',
    '<row r="40001"><c r="C40001"><v>7</v></c></row>',
])
def test_a_value_past_the_limit_is_still_said(tmp_path: Path, far_row: str) -> None:
    path = _sheet_with(tmp_path, far_row)
    for sheets in (xlsx._read_streaming(str(path)), xlsx.read_sheets(str(path))):
        assert [s.name for s in sheets if s.truncated_at] == ["Om"]


def test_a_plain_libreoffice_save_checks_as_the_original(tmp_path: Path) -> None:
    assert said(saved(NBCG, tmp_path / "lo")) == said(NBCG)


# -- item 18: the annotated copy of a workbook LibreOffice saved ---------------------------------
def _typo(path: Path, out: Path) -> Path:
    """The committee's copy with one typo (a pathway cell of a bisphosphonate rule)."""
    import openpyxl
    model = engine.load(str(NBCG))
    table = model.tables["bisphosphonate"]
    k = table.input_names.index("pathway")
    rule = next(r for r in table.rules if len(r.inputs[k].points) == 1)
    wb = openpyxl.load_workbook(path)
    sheet, ref = rule.input_cells[k].split("!")
    wb[sheet][ref] = str(next(iter(rule.inputs[k].points)))[:-1]
    wb.save(out)
    return out


@pytest.mark.parametrize("edited", [False, True], ids=["as-saved", "with-a-typo"])
def test_the_annotated_copy_of_a_libreoffice_save_checks_as_the_original(
        tmp_path: Path, edited: bool) -> None:
    from engine.cli.main import main
    source = _typo(NBCG, tmp_path / "typo.xlsx") if edited else NBCG
    original = saved(source, tmp_path / "lo")
    with zipfile.ZipFile(original) as zf:  # LibreOffice saves booleans as =TRUE() formulas
        assert any(b"TRUE()</f>" in zf.read(n) for n in zf.namelist()
                   if n.startswith("xl/worksheets/"))
    copy = tmp_path / "annotated.xlsx"
    assert main(["check", str(original), "--annotate", str(copy)]) == (1 if edited else 0)
    assert said(copy) == said(original)


def test_the_annotated_copy_of_a_libreoffice_save_shows_booleans_in_libreoffice(
        tmp_path: Path) -> None:
    import shutil
    import subprocess
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is needed to read the printed copy")
    from libreoffice import soffice

    from engine.cli.main import main
    original = saved(NBCG, tmp_path / "lo")
    copy = tmp_path / "annotated.xlsx"
    main(["check", str(original), "--annotate", str(copy)])
    proc = subprocess.run([soffice(), "--headless", "--norestore",
                           f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(copy)],
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "annotated.pdf"), "-"],
                          capture_output=True, text=True, timeout=60).stdout
    model = engine.load(str(NBCG))
    first = model.tables["pathway"].rules[1]  # a rule with boolean cells, as LibreOffice shows it
    line = next(x for x in text.splitlines() if x.strip().startswith(first.id + " "))
    assert "TRUE" in line or "FALSE" in line, line
    assert not any(x in line.split() for x in ("1", "0")), line
