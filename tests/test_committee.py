"""What a committee member meets when editing a workbook by hand (issue 12): no silent pass,
notes where they write them, hints that lead to the fix, an annotated copy that reads well."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from workbooks import TableSpec, TestSpec, WorkbookSpec, write

import engine
from engine.cli.main import main
from engine.review.render import render

ROOT = Path(__file__).resolve().parents[1]
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
Capture = pytest.CaptureFixture[str]


def nbcg_copy(tmp_path: Path, edit: Callable[[Any], None], name: str = "copy.xlsx") -> Path:
    wb = openpyxl.load_workbook(NBCG)
    edit(wb)
    path = tmp_path / name
    wb.save(path)
    return path


def run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def rename(old: str, new: str) -> Callable[[Any], None]:
    def edit(wb: Any) -> None:
        wb[old].title = new
    return edit


# -- no silent pass ------------------------------------------------------------------------------
@pytest.mark.parametrize(("old", "new", "meant"), [
    ("Testtilfeller", "Tester", "Tests"), ("Testtilfeller", "Testtilfelle", "Testtilfeller"),
    ("Ordliste", "Ordlister", "Ordliste"), ("Ordliste", "Glosary", "Glossary"),
])
def test_a_misspelt_role_sheet_is_one_error_with_did_you_mean(
        tmp_path: Path, old: str, new: str, meant: str) -> None:
    model = engine.load(str(nbcg_copy(tmp_path, rename(old, new))), strict=False)
    errors = [f for f in model.check() if f.severity == "error"]
    assert len(errors) == 1, [str(f) for f in errors]  # a renamed glossary: no cascade
    assert errors[0].cells == (f"{new}!A1",)
    assert f"did you mean '{meant}'" in errors[0].message


def test_renamed_tests_sheet_fails_check_and_test(tmp_path: Path, capsys: Capture) -> None:
    path = str(nbcg_copy(tmp_path, rename("Testtilfeller", "Tester")))
    code, out, _ = run(capsys, "check", path)
    assert code == 1 and "Tester!A1" in out and "did you mean 'Tests'" in out
    code, _, err = run(capsys, "test", path)
    assert code == 1 and "Tester" in err


def test_a_sheet_close_to_a_role_that_is_taken_is_a_warning(tmp_path: Path) -> None:
    def edit(wb: Any) -> None:
        wb.create_sheet("Tester").append(["notes of the meeting"])
    model = engine.load(str(nbcg_copy(tmp_path, edit)), strict=False)
    near = [f for f in model.check() if f.cells == ("Tester!A1",)]
    assert [f.severity for f in near] == ["warning"]


def without_tests(wb: Any) -> None:
    del wb["Testtilfeller"]


def test_nothing_tested_exits_1_unless_allowed(tmp_path: Path, capsys: Capture) -> None:
    path = str(nbcg_copy(tmp_path, without_tests))
    code, out, _ = run(capsys, "test", path)
    assert code == 1 and "nothing was tested" in out and out.rstrip().endswith("0 failed")
    code, out, _ = run(capsys, "test", path, "--allow-empty")
    assert code == 0 and "nothing was tested" not in out


def test_pytest_plugin_fails_a_workbook_with_nothing_tested(tmp_path: Path) -> None:
    (tmp_path / "tables").mkdir()
    nbcg_copy(tmp_path / "tables", without_tests, "guideline.xlsx")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly",
                           "-p", "no:cacheprovider", "tables"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout
    assert "nothing was tested" in proc.stdout and "1 failed" in proc.stdout


# -- notes ---------------------------------------------------------------------------------------
def small(tmp_path: Path, rules: list[list[Any]], tests: TestSpec | None = None,
          glossary: list[tuple[Any, ...]] | None = None) -> Path:
    spec = WorkbookSpec(
        glossary=glossary or [("age", "integer", "[0..120]", "Alder"),
                              ("pain", "boolean", "", "Smerte"),
                              ("advice", "string", '"treat", "wait"', "Råd")],
        tables=[TableSpec("advice", "U", [("age", "input"), ("pain", "input"),
                                          ("advice", "output")], rules, sheet="Advice")],
        tests=tests)
    return write(spec, tmp_path / "small.xlsx")


RULES = [["R1", ">= 18", "true", '"treat"'], ["R2", ">= 18", "false", '"wait"'],
         ["R3", "< 18", "-", '"wait"']]


def test_hash_rows_are_notes_kept_with_the_table(tmp_path: Path) -> None:
    path = small(tmp_path, [RULES[0], ["# R2 was split after the meeting", None, None, None],
                            RULES[1], RULES[2], [None], ["#", "children", "see", "P4"]])
    model = engine.load(str(path))
    table = model.tables["advice"]
    assert [r.id for r in table.rules] == ["R1", "R2", "R3"]
    assert [(n.text, n.cell) for n in table.notes] == [
        ("R2 was split after the meeting", "Advice!A5"), ("children see P4", "Advice!A9")]
    assert [f.kind for f in model.check()] == ["untested"]  # small() writes no test sheet
    assert "R2 was split after the meeting" in render(str(path), "markdown")


def test_a_note_without_hash_is_one_finding_saying_how(tmp_path: Path) -> None:
    path = small(tmp_path, [*RULES, ["Remember to ask the committee about children", None]])
    model = engine.load(str(path), strict=False)
    errors = [f for f in model.check() if f.severity == "error"]
    assert len(errors) == 1 and errors[0].cells == ("Advice!A7",)
    assert "start it with #" in errors[0].message


# -- hints that lead to the fix ------------------------------------------------------------------
def first_error(path: Path) -> str:
    errors = [f for f in engine.load(str(path), strict=False).check() if f.severity == "error"]
    assert errors
    return str(errors[0])


def test_a_dash_between_numbers_says_write_a_range(tmp_path: Path) -> None:
    path = small(tmp_path, [["R1", "12-17", "-", '"wait"'], *RULES])
    assert "Advice!B4" in first_error(path) and "[12..17]" in first_error(path)


@pytest.mark.parametrize(("yes", "no"), [("ja", "nei"), ("JA", "Nei"), ("sann", "usann"),
                                         ("TRUE", "false"), ("True", "FALSE")])
def test_boolean_words_are_read_in_boolean_cells(tmp_path: Path, yes: str, no: str) -> None:
    path = small(tmp_path, [["R1", ">= 18", yes, '"treat"'], ["R2", ">= 18", no, '"wait"'],
                            RULES[2]])
    model = engine.load(str(path))
    assert [f.kind for f in model.check()] == ["untested"]  # small() writes no test sheet
    assert model.evaluate({"age": 40, "pain": True})["advice"] == "treat"


def test_a_quoted_boolean_says_write_it_without_quotes(tmp_path: Path) -> None:
    path = small(tmp_path, [["R1", ">= 18", '"true"', '"treat"'], *RULES[1:]])
    message = first_error(path)
    assert "Advice!C4" in message and "without quotes" in message
    assert "Smerte (pain)" in message  # the label a person reads, and the name


def test_another_word_in_a_boolean_cell_names_the_words_that_work(tmp_path: Path) -> None:
    path = small(tmp_path, [["R1", ">= 18", "kanskje", '"treat"'], *RULES[1:]])
    assert "write ja or nei" in first_error(path)


def test_a_new_output_value_says_add_it_to_the_glossary_first(tmp_path: Path) -> None:
    path = small(tmp_path, [["R1", ">= 18", "true", "refer"], *RULES[1:]])
    message = first_error(path)
    assert "Advice!D4" in message and "glossary first" in message


def test_an_excel_date_in_a_number_cell_says_excel_made_it(tmp_path: Path) -> None:
    path = small(tmp_path, [["R1", dt.datetime(2026, 3, 2), "-", '"wait"'], *RULES])
    message = first_error(path)
    assert "Advice!B4" in message and "into a date" in message and "[2..3]" in message


def test_a_new_input_without_a_tests_column_is_one_line(tmp_path: Path,
                                                        capsys: Capture) -> None:
    tests = TestSpec([("age", "input"), ("advice", "expected")],
                     [[f"T{i}", 20 + i, "treat"] for i in range(6)])
    path = small(tmp_path, RULES, tests)
    code, out, _ = run(capsys, "test", str(path))
    assert code == 1
    assert out.count("Smerte (pain)") == 1 and "6 case(s) cannot run" in out
    assert "FAIL" not in out and out.rstrip().endswith("0 passed, 6 failed")


# -- the annotated copy --------------------------------------------------------------------------
def test_annotated_copy_speaks_norwegian_and_proposes_no_rule_a_typo_may_cover(
        tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GUIDELINE_LANG")

    def edit(wb: Any) -> None:
        wb["Om"].append(["språk", "nb"])  # the first språk row counts: harmless if NBCG has one
        ws = wb["Bisfosfonat"]
        ws["B5"] = "uncontroled_pain"  # rule B2's pathway: now a gap where B2 belongs
    path = nbcg_copy(tmp_path, edit)
    out = tmp_path / "sjekk.xlsx"
    code, _, err = run(capsys, "check", str(path), "--annotate", str(out))
    assert code == 1 and "0 foreslått(e) regel(er)" in err
    wb = openpyxl.load_workbook(out)
    assert "Funn fra sjekken" in wb.sheetnames
    comment = wb["Bisfosfonat"]["B5"].comment.text
    assert comment.startswith("FEIL (syntaks)") and "mente du" in comment
    assert not any(str(c.value or "").startswith("FORSLAG") for c in wb["Bisfosfonat"]["A"])
    ws = wb["Spor"]
    booleans = [c for row in ws.iter_rows() for c in row if isinstance(c.value, bool)]
    assert booleans and all(c.number_format == '"TRUE";"TRUE";"FALSE"' for c in booleans)
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert wb["Bisfosfonat"].print_title_rows == "$1:$3"


def test_annotated_copy_prints_booleans_as_booleans_in_libreoffice(tmp_path: Path,
                                                                   capsys: Capture) -> None:
    soffice = shutil.which("soffice")
    if soffice is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice and poppler-utils are needed to print the copy")
    out = tmp_path / "copy.xlsx"
    run(capsys, "check", str(NBCG), "--annotate", str(out))
    proc = subprocess.run([soffice, "--headless", "--norestore",
                           f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    pdf = tmp_path / "copy.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, timeout=60).stdout
    spor = [line for line in text.splitlines() if line.strip().startswith("S2")]
    assert spor and "TRUE" in spor[0], spor
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert int(pages.split("Pages:")[1].split()[0]) <= 16  # was 48; issue 22 made it 15
