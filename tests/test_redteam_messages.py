"""Red team, round three (issue 26): crashes and messages of the library and the CLI.

A bad GUIDELINE_LANG escaped `engine.load` as a bare ValueError; pandas.NaT, numpy arrays and
durations crashed `evaluate`; `20260131` was taken for a date; `diff` named a deleted
temporary file, exited 1 ("changed") when a version did not load, and exited 0 with
`--fail-on-change` when a decision could not be compared; `not(ja)` was refused with a hint
leading to another refusal; NoRuleMatched echoed a 10,000-character or invisible value whole;
glossary values differing by a zero-width space were two codes.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from redteam_files import run_cli
from workbooks import TableSpec, WorkbookSpec, write

import engine
from engine import InvalidInput, NoRuleMatched
from engine.core.errors import EngineError

ROOT = Path(__file__).resolve().parents[1]
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"


def small(folder: Path, glossary: list[tuple[Any, ...]], cells: list[list[Any]],
          name: str = "wb.xlsx") -> Path:
    inputs = [g[0] for g in glossary[:-1]]
    table = TableSpec("out", "U", [*((n, "input") for n in inputs), ("out", "output")], cells)
    return write(WorkbookSpec(glossary, [table]), folder / name)


def test_a_bad_guideline_lang_is_one_clear_error_from_the_library(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GUIDELINE_LANG", "xx")
    with pytest.raises(EngineError, match="GUIDELINE_LANG=xx is not a language the messages "
                                          "come in: use nb or en"):
        engine.load(str(NBCG))
    code, text = run_cli(["check", str(NBCG)], capsys)
    assert code == 2 and text.count("GUIDELINE_LANG=xx is not a language") == 1


@pytest.fixture(scope="module")
def typed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    glossary = [("d", "date", None, "D"), ("n", "number", None, "N"),
                ("out", "string", '"a", "b"', "Out")]
    wb = small(tmp_path_factory.mktemp("typed"), glossary,
               [["1", "-", "< 5", '"a"'], ["2", "-", ">= 5", '"b"']])
    return engine.load(str(wb))


@pytest.mark.parametrize("case, said", [
    ({"d": pd.NaT, "n": 1}, "D (d) is NaT (not a time)"),
    ({"d": np.datetime64("NaT"), "n": 1}, "D (d) is NaT (not a time)"),
    ({"d": np.array(["2024-01-02", "2024-01-03"]), "n": 1}, "not an array of 2 values"),
    ({"d": None, "n": np.array([1, 2])}, "N (n) must be a number, not an array of 2 values"),
    ({"d": None, "n": np.timedelta64(5, "D")}, "N (n) must be a number, not the duration"),
    ({"d": None, "n": dt.time(12, 30)}, "N (n) must be a number, not the time of day 12:30"),
    ({"d": "20260131", "n": 1}, "D (d) must be a date written YYYY-MM-DD, not '20260131'"),
    ({"d": "2026-W05-6", "n": 1}, "must be a date written YYYY-MM-DD, not '2026-W05-6'"),
])
def test_numpy_pandas_and_odd_dates_are_refused_in_words(typed: Any, case: dict[str, Any],
                                                         said: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        typed.evaluate(case)
    assert said in str(caught.value)
    frame = typed.evaluate_frame(pd.DataFrame({k: pd.Series([v], dtype=object)
                                               for k, v in case.items()}))
    if "NaT" not in said:  # a frame's NaT is an empty cell: unknown, as documented
        assert said in str(frame["error"][0])


@pytest.mark.parametrize("value", [np.datetime64("2024-01-02"), pd.Timestamp("2024-01-02"),
                                   np.datetime64("2024-01-02T00:00:00.000000000")])
def test_a_numpy_or_pandas_date_is_a_date(typed: Any, value: Any) -> None:
    result = typed.evaluate({"d": value, "n": np.array(3)})
    assert result["out"] == "a" and result.trace[0].inputs["d"] == dt.date(2024, 1, 2)


def test_a_csv_date_is_read_only_as_yyyy_mm_dd(typed: Any, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text("d,n\n2026-01-31,1\n20260131,1\n2026-W05-6,1\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    code, text = run_cli(["eval", typed.path, "--input", str(cases), "--output", str(out)],
                         capsys)
    assert code == 1 and "2 with an error" in text
    answers = pd.read_csv(out, dtype=str)
    assert answers["out"].tolist()[0] == "a" and answers["error"].notna().tolist()[1:] == [1, 1]


def test_no_rule_matched_quotes_a_long_or_invisible_value_bounded(tmp_path: Path) -> None:
    glossary = [("t", "string", None, "T"), ("out", "string", '"a", "b"', "Out")]
    model = engine.load(str(small(tmp_path, glossary, [["1", '"x"', '"a"']])))
    for value, shown in (("y" * 10_000, "… (10,002 characters)"), ("x\u200b", "x\\u200b")):
        with pytest.raises(NoRuleMatched) as caught:
            model.evaluate({"t": value})
        message = str(caught.value)
        assert shown in message and len(message) < 300 and "\u200b" not in message


@pytest.mark.parametrize("cell", ["not(ja)", "ja, nei", "not(nei)", "Ja", "not(ja, nei)"])
def test_norwegian_truth_words_are_read_inside_a_test(tmp_path: Path, cell: str) -> None:
    """Before: `not(ja)` was refused with the hint `(e.g. "positive", 12, true)`, and a quoted
    "positive" in a boolean column is refused too."""
    glossary = [("p", "boolean", None, "P"), ("out", "string", '"a", "b"', "Out")]
    model = engine.load(str(small(tmp_path, glossary, [["1", cell, '"a"']])), strict=False)
    assert [p for p in model.problems if p.kind != "untested"] == []
    test = model.tables["out"].rules[0].inputs[0]
    assert test is not None and test.matches(True) == cell.casefold().startswith(("ja", "not(n"))


def test_a_bare_word_in_a_boolean_test_gets_the_boolean_hint(tmp_path: Path) -> None:
    glossary = [("p", "boolean", None, "P"), ("out", "string", '"a", "b"', "Out")]
    model = engine.load(str(small(tmp_path, glossary, [["1", "ja, kanskje", '"a"']])),
                        strict=False)
    [problem] = [p for p in model.problems if p.kind != "untested"]
    assert "P is yes or no: write ja or nei" in problem.message and "'kanskje'" in \
        problem.message and "positive" not in problem.message


@pytest.mark.parametrize("twins", [("a", "a\u200b"), ("neg", "ne\u00adg")])
def test_glossary_values_that_differ_only_invisibly_are_one_finding(
        tmp_path: Path, twins: tuple[str, str]) -> None:
    glossary = [("t", "string", f'"{twins[0]}", "{twins[1]}"', "T"),
                ("out", "string", '"a", "b"', "Out")]
    model = engine.load(str(small(tmp_path, glossary, [["1", "-", '"a"']])), strict=False)
    [problem] = [p for p in model.problems if p.kind == "duplicate"]
    assert problem.cells == ("Glossary!C2",) and "look alike" in problem.message
    assert "\\u" in problem.message and model.variables["t"].values == (twins[0],)


# -- diff ---------------------------------------------------------------------------------------
def _git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "PATH": "/usr/bin:/bin",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x", "HOME": "/tmp"})


GOOD = [("z", "integer", "[0..10]", "Z"), ("out", "string", '"a", "b"', "Out")]
RULES = [["1", "< 5", '"a"'], ["2", ">= 5", '"b"']]


def test_diff_rev_names_the_revision_that_does_not_load(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    _git(tmp_path, "init", "-q")
    wb = small(tmp_path, GOOD, [["1", "< five", '"a"'], ["2", ">= 5", '"b"']])
    _git(tmp_path, "add", "wb.xlsx")
    _git(tmp_path, "commit", "-qm", "broken")
    small(tmp_path, GOOD, RULES)
    code, text = run_cli(["diff", str(wb), "--rev", "HEAD"], capsys)
    assert code == 1 and f"{wb}@HEAD: 1 error(s)" in text and "guideline-diff-" not in text, text


def test_diff_compares_what_can_be_read_and_exits_1_when_a_version_has_errors(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A version with an unreadable cell is not proven unchanged: the diff says what it could
    compare and what not (issue 21: diff works on what can be read), and exits 1, never 0."""
    old = small(tmp_path, GOOD, [["1", "< five", '"a"'], ["2", ">= 5", '"b"']], "old.xlsx")
    new = small(tmp_path, GOOD, RULES, "new.xlsx")
    code, text = run_cli(["diff", str(old), str(new)], capsys)
    assert code == 1 and "not compared: out!B4" in text and "old.xlsx: 1 error(s)" in text


def test_fail_on_change_fails_when_a_decision_could_not_be_compared(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = small(tmp_path, GOOD, RULES, "old.xlsx")
    new = small(tmp_path, [("z", "number", "[0..10]", "Z"), GOOD[1]], RULES, "new.xlsx")
    code, text = run_cli(["diff", str(old), str(new), "--format", "json"], capsys)
    doc = json.loads(text[text.index("{"):text.rindex("}") + 1])
    assert code == 0 and doc["skipped"] and doc["changed"] is None
    code, text = run_cli(["diff", str(old), str(new), "--fail-on-change"], capsys)
    assert code == 1 and "not proven unchanged: 1 decision(s) could not be compared (out)" \
        in text, text
    same = small(tmp_path, GOOD, RULES, "same.xlsx")
    assert run_cli(["diff", str(old), str(same), "--fail-on-change"], capsys)[0] == 0


def test_the_server_says_a_decided_value_is_not_an_input() -> None:
    import warnings

    from engine.serve.app import create_app
    from engine.serve.state import Guideline

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    holder = Guideline(str(NBCG))
    holder.reload()
    case = json.loads((ROOT / "docs" / "example-case.json").read_text(encoding="utf-8"))
    assert engine.load(str(NBCG)).producer("pathway") is not None  # decided, and read
    body = TestClient(create_app(holder)).post("/decisions/bisphosphonate/evaluate",
                                               json={**case, "pathway": "x"}).json()
    assert "is decided by the guideline" in json.dumps(body) and "not read by" not in \
        json.dumps(body)



def test_an_example_with_an_unknown_value_says_null(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from workbooks_v2 import Workbook2, write2

    glossary = [("z", "integer", "[0..10]", "Z", "yes"), ("out", "string", '"a", "b"', "Out")]
    table = TableSpec("out", "U", [("z", "input"), ("out", "output")], [["1", "< 5", '"a"'],
                                                                       ["2", ">= 5", '"b"']])
    code, text = run_cli(["check", str(write2(Workbook2(glossary, [table]),
                                              tmp_path / "null.xlsx"))], capsys)
    assert code == 1 and "example: z=null" in text and "=None" not in text
