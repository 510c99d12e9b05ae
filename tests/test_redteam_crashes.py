"""Red team, round two (issue 17): inputs that crashed, or raised something other than CaseError.

Each test builds its own small file; every command must answer in one sentence, never with
"internal error", and the library must raise only `CaseError` for a bad case.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from pathlib import Path

import pandas as pd
import pytest
from redteam_files import GOOD_CASE, date_workbook, good, run_cli

import engine
from engine import CaseError


@pytest.mark.parametrize("first,last", [("0001-01-01", "9999-12-31"),
                                        ("0001-01-02", "9999-12-30")])
def test_dates_at_the_calendar_ends_are_checked_rendered_and_evaluated(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], first: str, last: str) -> None:
    wb = date_workbook(tmp_path, first, last)
    other = date_workbook(tmp_path, "1990-01-01", "2100-01-01", "other.xlsx")
    complete = first == "0001-01-01"
    code, text = run_cli(["check", str(wb)], capsys)
    assert code == (0 if complete else 1), text
    if not complete:  # the gaps are the calendar's first and last day, nothing beyond
        assert 'date("0001-01-01")' in text and "9999-12-31" in text
    for argv in (["render", str(wb)], ["report", str(wb), "-o", str(tmp_path / "r.html")],
                 ["diff", str(other), str(wb)]):
        code, text = run_cli(argv, capsys)
        assert code == 0, (argv, text)
    cases = tmp_path / "d.csv"
    cases.write_text("d\n0001-01-01\n9999-12-31\n1999-12-31\n", encoding="utf-8")
    code, text = run_cli(["eval", str(wb), "--input", str(cases), "--output",
                          str(tmp_path / "o.csv")], capsys)
    assert code == (0 if complete else 1), text
    model = engine.load(str(wb))
    frame = model.evaluate_frame(pd.DataFrame({"d": [dt.date.min, dt.date.max,
                                                     dt.date(1999, 12, 31)]}))
    assert frame["out"].tolist()[2] == "a"
    if complete:
        assert frame["out"].tolist() == ["a", "b", "a"]
        assert model.evaluate({"d": dt.date.max})["out"] == "b"
    assert [f.kind for f in model.check() if f.severity == "error"] == ([] if complete
                                                                          else ["gap"])


def test_a_case_nested_fifty_thousand_deep_is_refused(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    case = tmp_path / "deep.json"
    case.write_text('{"age": ' + "[" * 50_000 + "]" * 50_000 + "}", encoding="utf-8")
    code, text = run_cli(["eval", str(good(tmp_path)), "--case", f"@{case}"], capsys)
    assert code == 2 and "nested too deeply" in text


def test_a_case_number_of_five_thousand_digits(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    wb = good(tmp_path)
    code, text = run_cli(["eval", str(wb), "--case", '{"age": ' + "9" * 5000 + "}"], capsys)
    assert code == 2 and "5,000 digits" in text
    with pytest.raises(CaseError, match="5,000 digits"):
        engine.load(str(wb)).evaluate({**GOOD_CASE, "age": 10**4999 * 9})


def test_a_lone_surrogate_in_a_case_is_shown_not_a_crash(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wb = good(tmp_path)
    case = '{"receptor": "\\ud800", "age": 5, "pain": true}'
    code, text = run_cli(["eval", str(wb), "--case", case, "--format", "json"], capsys)
    assert code == 1
    doc = json.loads(text.split("\n", 1)[0])  # stdout first; stderr then warns: no status
    assert doc["ok"] is False and "\\ud800" in doc["error"]
    code, text = run_cli(["eval", str(wb), "--case", case], capsys)
    assert code == 1 and "\\ud800" in text


def test_a_csv_quote_never_closed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "q.csv"
    cases.write_text('receptor,age,pain\n"negative,70,true\n', encoding="utf-8")
    code, text = run_cli(["eval", str(good(tmp_path)), "--input", str(cases), "--output",
                          str(tmp_path / "o.csv")], capsys)
    assert code == 2 and "cannot be read as CSV" in text
    assert not (tmp_path / "o.csv").exists()


def test_odd_python_values_raise_case_errors(tmp_path: Path) -> None:
    model = engine.load(str(good(tmp_path)))
    with pytest.raises(CaseError, match="not by int 123"):
        model.evaluate(GOOD_CASE, decision=123)  # type: ignore[arg-type]
    deep: list[object] = []
    inner = deep
    for _ in range(100_000):
        inner.append([])
        inner = inner[0]  # type: ignore[assignment]
    with pytest.raises(CaseError, match=r"\(age\) must be a whole number"):
        model.evaluate({**GOOD_CASE, "age": deep})
    huge = pd.DataFrame({"receptor": ["negative"], "pain": [True],
                         "age": pd.Series([10**5000], dtype=object)})
    assert "digits" in model.evaluate_frame(huge)["error"][0]
    multi = pd.DataFrame([["negative", 70, True]],
                         columns=pd.MultiIndex.from_tuples([("receptor", "x"), ("age", "y"),
                                                            ("pain", "z")]))
    with pytest.raises(CaseError, match="MultiIndex"):
        model.evaluate_frame(multi)


def test_a_decimal_whole_number_is_a_whole_number(tmp_path: Path) -> None:
    model = engine.load(str(good(tmp_path)))
    assert model.evaluate({**GOOD_CASE, "age": decimal.Decimal("70")})["advice"] == "treat"
    frame = pd.DataFrame({"receptor": ["negative"] * 3, "pain": [True] * 3,
                          "age": [decimal.Decimal("70"), decimal.Decimal("70.5"),
                                  decimal.Decimal("Infinity")]})
    out = model.evaluate_frame(frame)
    assert out["advice"][0] == "treat"
    assert "whole number" in out["error"][1] and "finite" in out["error"][2]


def test_whole_numbers_beyond_two_to_the_53_are_refused_alike_everywhere(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Past 2**53 a float64 key would round: evaluate, evaluate_frame and batch all refuse."""
    glossary = [("n", "integer", None, "N"), ("out", "string", '"a", "b"', "Out")]
    from workbooks import TableSpec, WorkbookSpec, write
    table = TableSpec("out", "U", [("n", "input"), ("out", "output")],
                      [["1", "<= 9007199254740992", '"a"'], ["2", "> 9007199254740992", '"b"']])
    wb = write(WorkbookSpec(glossary, [table]), tmp_path / "n.xlsx")  # type: ignore[arg-type]
    model = engine.load(str(wb))
    near = 2**53 + 1
    with pytest.raises(CaseError) as caught:
        model.evaluate({"n": near})
    frame = model.evaluate_frame(pd.DataFrame({"n": [near, 2**53, -near]}))
    assert frame["error"][0] == str(caught.value)
    assert frame["out"][1] == "a" and frame["error"][2]
    cases = tmp_path / "n.csv"
    cases.write_text(f"n\n{near}\n", encoding="utf-8")
    code, text = run_cli(["eval", str(wb), "--input", str(cases), "--output",
                          str(tmp_path / "o.csv")], capsys)
    assert code == 1 and str(caught.value) in text
