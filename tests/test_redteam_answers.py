"""Red team, round three (issue 26): answers that were silently wrong.

A variable in two columns (the check read the last condition, evaluation both, a test case
the last value); an integer column of a frame holding 2**53 + 1 beside 1.0 (answered as the
float it became); an R/O/C table answered by its default row (a bare value where a list
belongs); the About sheet saying its language or version twice; a DMN export of a label with
a control character (XML no reader parses).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from redteam_files import run_cli
from workbooks import TableSpec, TestSpec, WorkbookSpec, write
from workbooks_v2 import Workbook2, write2

import engine
from engine import InvalidInput

GLOSSARY: list[tuple[Any, ...]] = [("z", "integer", "[0..10]", "Z"),
                                   ("out", "string", '"a", "b"', "Out")]


# -- a variable in two columns: refused where it is written ---------------------------------
def test_a_variable_read_in_two_columns_of_a_table_is_refused_located(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Before: the check read `> 3` only (clean), evaluation both (`NoRuleMatched` for 5..10),
    and the test case giving z twice took the last value."""
    table = TableSpec("out", "U", [("z", "input"), ("z", "input"), ("out", "output")],
                      [["1", "< 5", "> 3", '"a"'], ["2", "<= 3", "-", '"b"']])
    tests = TestSpec([("z", "input"), ("z", "input"), ("out", "expected")],
                     [["t1", 4, 7, '"a"']])
    wb = write(WorkbookSpec(GLOSSARY, [table], tests), tmp_path / "twice.xlsx")
    code, text = run_cli(["check", str(wb)], capsys)
    assert code == 1 and "OK" not in text.splitlines()[-1]
    assert "out!C2: Z has a column already (out!B2)" in text and "(3..5)" in text
    assert "Tests!C2: Z has a column already (Tests!B2)" in text and "keep one" in text
    with pytest.raises(engine.WorkbookInvalid):
        engine.load(str(wb))


def test_an_output_in_two_columns_is_refused_located(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = TableSpec("out", "U", [("z", "input"), ("out", "output"), ("out", "output")],
                      [["1", "-", '"a"', '"b"']])
    code, text = run_cli(["check", str(write(WorkbookSpec(GLOSSARY, [table]),
                                              tmp_path / "out.xlsx"))], capsys)
    assert code == 1 and "out!D2: Out has a column already (out!C2)" in text
    assert "decided by two tables" not in text


def test_a_variable_in_two_columns_of_the_constraints_sheet_is_refused_located(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Before: only the last column counted, so `z < 5` and `z > 3` ruled out z > 3."""
    glossary = [(*row, "no") for row in GLOSSARY]
    table = TableSpec("out", "U", [("z", "input"), ("out", "output")], [["1", "-", '"a"']])
    wb = write2(Workbook2(glossary, [table], ["z", "z"], [["C1", "< 5", "> 3", "x"]]),
                tmp_path / "constraint.xlsx")
    code, text = run_cli(["check", str(wb)], capsys)
    assert code == 1 and "Constraints!C1: Z has a column already (Constraints!B1)" in text


# -- a frame's integer column past 2**53: refused as `evaluate` refuses it --------------------
@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> Path:
    glossary = [("z", "integer", None, "Z"), ("out", "string", '"a", "b"', "Out")]
    table = TableSpec("out", "U", [("z", "input"), ("out", "output")],
                      [["1", "< 5", '"a"'], ["2", ">= 5", '"b"']])
    return write(WorkbookSpec(glossary, [table]), tmp_path_factory.mktemp("z") / "z.xlsx")


@pytest.mark.parametrize("column, shown", [
    (pd.Series([1.0, 2**53 + 1]), "9007199254740992.0"),  # float64: the 1 is lost already
    (pd.Series([1.0, 2**53 + 1], dtype=object), "9007199254740993"),  # to_numeric rounded it
    (pd.Series([1, 2**53 + 1]), "9007199254740993"),
    (pd.Series([1.0, float(2**53)]), "9007199254740992.0"),
], ids=["float64", "object", "int64", "float-2**53"])
def test_an_integer_column_past_2_53_is_refused_as_evaluate_refuses_it(
        whole: Path, column: pd.Series, shown: str) -> None:
    model = engine.load(str(whole))
    frame = model.evaluate_frame(pd.DataFrame({"z": column}))
    assert frame["out"][0] == "a" and frame["error"][0] is None
    assert frame["error_kind"][1] == "InvalidInput" and pd.isna(frame["out"][1])
    value = column[1]
    with pytest.raises(InvalidInput) as caught:
        model.evaluate({"z": value})
    assert frame["error"][1] == str(caught.value)
    assert f"z is {shown}," in frame["error"][1]


def test_a_csv_of_cases_keeps_a_long_whole_number_exact(
        whole: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text("z\n1.0\n9007199254740993\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    code, text = run_cli(["eval", str(whole), "--input", str(cases), "--output", str(out)],
                         capsys)
    assert code == 1 and "1 with an error" in text
    answers = pd.read_csv(out, dtype=str)
    assert answers["out"].tolist()[0] == "a" and pd.isna(answers["out"][1])
    assert "z is 9007199254740993, beyond" in answers["error"][1]  # quoted as given


def test_a_decimal_past_2_53_is_quoted_as_given(whole: Path) -> None:
    from decimal import Decimal

    with pytest.raises(InvalidInput, match="z is 9007199254740993, beyond"):
        engine.load(str(whole)).evaluate({"z": Decimal("9007199254740993")})
    with pytest.raises(InvalidInput, match=r"z is 1E\+5000, beyond"):
        engine.load(str(whole)).evaluate({"z": Decimal("1e5000")})


# -- an R/O/C table answered by its default row: a list of one ---------------------------------
@pytest.mark.parametrize("policy", ["R", "O", "C"])
def test_a_list_table_answered_by_its_default_row_gives_a_list_of_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], policy: str) -> None:
    table = TableSpec("out", policy, [("z", "input"), ("out", "output")],
                      [["1", "< 5", '"a"'], ["default", "-", '"b"']])
    tests = TestSpec([("z", "input"), ("out", "expected")], [["t1", 7, '["b"]'],
                                                            ["t2", 1, '["a"]']])
    wb = write(WorkbookSpec(GLOSSARY, [table], tests), tmp_path / f"{policy}.xlsx")
    model = engine.load(str(wb))
    result = model.evaluate({"z": 7})
    assert result["out"] == ["b"] and result.rules == ()
    frame = model.evaluate_frame(pd.DataFrame({"z": [1, 7]}))
    assert frame["out"].tolist() == [["a"], ["b"]]  # one kind of value in the column
    code, text = run_cli(["test", str(wb)], capsys)
    assert code == 0 and "2 passed, 0 failed" in text, text  # ["b"] could never pass


def test_the_batch_says_no_rules_for_a_default_answer_as_evaluate_does(tmp_path: Path) -> None:
    import warnings

    from engine.serve.app import create_app
    from engine.serve.state import Guideline

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    table = TableSpec("out", "R", [("z", "input"), ("out", "output")],
                      [["1", "< 5", '"a"'], ["default", "-", '"b"']])
    wb = write(WorkbookSpec(GLOSSARY, [table]), tmp_path / "r.xlsx")
    holder = Guideline(str(wb))
    holder.reload()
    client = TestClient(create_app(holder))
    one = client.post("/decisions/out/evaluate", json={"z": 7}).json()
    batch = client.post("/decisions/out/evaluate-batch", json=[{"z": 7}, {"z": 1}]).json()
    assert one["rules"] == [] and one["outputs"] == {"out": ["b"]}
    assert [r["rules"] for r in batch["results"]] == [[], ["1"]]
    assert [r["outputs"] for r in batch["results"]] == [{"out": ["b"]}, {"out": ["a"]}]


# -- the About sheet: a key twice, a formula never saved ----------------------------------------
def test_a_key_given_twice_in_about_is_a_finding(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Before: the language came from the first row, the version from the last, in silence."""
    from build_bad_workbooks import write_good

    def about(wb: Any) -> None:
        sheet = wb.create_sheet("About")
        for row in (["språk", "nb"], ["version", "1"], ["language", "en"], ["version", "2"],
                    ["title", "x"], ["Title", "x"]):
            sheet.append(row)

    code, text = run_cli(["check", str(write_good(tmp_path / "about.xlsx", about)),
                          "--lang", "en"], capsys)
    assert code == 1
    assert "ERROR    duplicate    About!A3: 'language' is given twice in the About sheet (also " \
           "About!A1), with another value" in text
    assert "About!A4: 'version' is given twice" in text
    assert "WARNING  duplicate    About!A6: 'Title' is given twice" in text


def test_a_formula_never_saved_is_located_wherever_it_is_read(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Before: `status ="draft"` in About, a title, a glossary label were read as formula text."""
    from build_bad_workbooks import write_good

    def formulas(wb: Any) -> None:
        wb.create_sheet("About").append(["status", '="draft"'])
        wb["Advice"]["C1"] = '="Title"'
        wb["Glossary"]["D2"] = '=UPPER("r")'

    code, text = run_cli(["check", str(write_good(tmp_path / "f.xlsx", formulas))], capsys)
    assert code == 1
    for cell in ("About!B1", "Advice!C1", "Glossary!D2"):
        assert f"{cell}: this cell holds a formula" in text, (cell, text)
