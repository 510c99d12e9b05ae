"""The `guideline` command: eval and test, exit codes 0/1/2, and never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from build_examples import unique
from workbooks import write

from engine.cli.main import main

Capture = pytest.CaptureFixture[str]


def _run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


# -- eval ---------------------------------------------------------------------------------
def test_eval_text(examples: dict[str, Path], capsys: Capture) -> None:
    code, out, _ = _run(capsys, "eval", str(examples["U"]), "--case",
                        '{"age": 50, "smoker": false}')
    assert code == 0
    assert out.splitlines() == ['risk = "medium"', "(rule U3 of risk)"]


def test_eval_json(examples: dict[str, Path], capsys: Capture) -> None:
    code, out, _ = _run(capsys, "eval", str(examples["chain"]), "--decision", "referral",
                        "--format", "json", "--case",
                        '{"egfr": 45, "diabetic": true, "age": 72}')
    assert code == 0
    doc = json.loads(out)
    assert doc["ok"] is True and doc["decision"] == "referral"
    assert doc["outputs"] == {"referral": True} and doc["rules"] == ["R2"]
    assert [(s["decision"], s["rules"]) for s in doc["trace"]] == [
        ("ckd_stage", ["K2"]), ("risk_group", ["G2"]), ("follow_up", ["M1"]),
        ("referral", ["R2"])]
    assert doc["trace"][1]["matched"] == ["G2", "G5"]  # F: G2 first of the two
    assert "explanation" not in doc


def test_eval_json_lists_and_dates(examples: dict[str, Path], capsys: Capture) -> None:
    code, out, _ = _run(capsys, "eval", str(examples["C"]), "--format", "json", "--case",
                        '{"diabetic": true, "age": 60, "last_test": "2024-06-01"}')
    assert code == 0
    # C1 hba1c, C2 and C3 lipids, C4 full_panel (before 2025)
    assert sorted(json.loads(out)["outputs"]["lab_test"]) == [
        "full_panel", "hba1c", "lipids", "lipids"]


def test_eval_explain(examples: dict[str, Path], capsys: Capture) -> None:
    code, out, _ = _run(capsys, "eval", str(examples["U"]), "--explain", "--case",
                        '{"age": 50, "smoker": false}')
    assert code == 0
    assert "rule U3 (risk!A6)" in out and "[40..65)" in out and "sources: S2" in out
    code, out, _ = _run(capsys, "eval", str(examples["U"]), "--explain", "--format", "json",
                        "--case", '{"age": 50, "smoker": false}')
    assert code == 0 and "rule U3" in json.loads(out)["explanation"]


def test_eval_case_from_file(examples: dict[str, Path], tmp_path: Path,
                             capsys: Capture) -> None:
    case = tmp_path / "case.json"
    case.write_text('{"age": 70, "smoker": null}', encoding="utf-8")
    code, out, _ = _run(capsys, "eval", str(examples["U"]), "--case", f"@{case}")
    assert code == 0 and out.startswith('risk = "high"')


# -- problems with the case: exit 1 -------------------------------------------------------
@pytest.mark.parametrize(("case", "words"), [
    ('{"age": 50}', ["lacks", "smoker"]),  # missing input, named
    ('{"age": 50, "smoker": false, "weight": 80}', ["unknown input", "weight"]),
    ('{"age": 50, "smoker": "no"}', ["smoker", "true or false"]),  # wrong type
    ('{"age": 130, "smoker": false}', ["130", "age"]),  # outside the allowed values
    ('{"age": 30, "smoker": null}', ["no rule", "risk", "smoker=null"]),  # no match (U)
])
def test_eval_case_problem_exits_1(examples: dict[str, Path], capsys: Capture, case: str,
                                   words: list[str]) -> None:
    code, out, err = _run(capsys, "eval", str(examples["U"]), "--case", case)
    assert code == 1 and out == ""
    # the example has no status, so it is not approved: said first, then the error
    warning, error = err.splitlines()[0], err.splitlines()[-1]
    assert "not approved" in warning
    assert error.startswith("error: ") and all(w in error for w in words)


def test_eval_case_problem_as_json(examples: dict[str, Path], capsys: Capture) -> None:
    code, out, _ = _run(capsys, "eval", str(examples["U"]), "--format", "json", "--case",
                        '{"age": 50}')
    assert code == 1
    doc = json.loads(out)
    assert doc["ok"] is False and "smoker" in doc["error"]


def test_eval_without_decision_names_the_choices(examples: dict[str, Path],
                                                 capsys: Capture) -> None:
    code, _, err = _run(capsys, "eval", str(examples["chain"]), "--case",
                        '{"egfr": 45, "diabetic": true, "age": 72}')
    assert code == 1 and "referral" in err and "statin" in err
    code, _, err = _run(capsys, "eval", str(examples["chain"]), "--decision", "statins",
                        "--case", '{"egfr": 45, "diabetic": true, "age": 72}')
    assert code == 1 and 'did you mean "statin"' in err


def test_invalid_workbook_exits_1_listing_every_problem(tmp_path: Path,
                                                        capsys: Capture) -> None:
    spec = unique()
    spec.tables[0].rules[0][1] = "[1..5"
    spec.tables[0].rules[1][3] = "lowish"
    path = write(spec, tmp_path / "bad.xlsx")
    for command in (["eval", str(path), "--case", '{"age": 1, "smoker": true}'],
                    ["test", str(path)]):
        code, _, err = _run(capsys, *command)
        assert code == 1
        assert "risk!B4" in err and "risk!D5" in err and "2 problem(s)" in err


# -- unusable input: exit 2 ----------------------------------------------------------------
@pytest.mark.parametrize(("case", "words"), [
    ('{"age": 50, "smoker": ', ["not valid JSON", "line 1"]),
    ('{"age": 50, "age": 51, "smoker": false}', ["'age'", "twice"]),
    ('{"age": NaN, "smoker": false}', ["NaN"]),
    ('{"age": Infinity, "smoker": false}', ["Infinity"]),
    ("[50, false]", ["JSON object"]),
    ("@/no/such/case.json", ["cannot read", "case.json"]),
])
def test_eval_unusable_case_exits_2(examples: dict[str, Path], capsys: Capture, case: str,
                                    words: list[str]) -> None:
    code, out, err = _run(capsys, "eval", str(examples["U"]), "--case", case)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and all(w in err for w in words)


def test_missing_or_broken_workbook_exits_2(tmp_path: Path, capsys: Capture) -> None:
    missing = tmp_path / "nope.xlsx"
    code, _, err = _run(capsys, "test", str(missing))
    assert code == 2 and "no such file" in err and str(missing) in err
    text = tmp_path / "text.xlsx"
    text.write_text("age,smoker\n", encoding="utf-8")
    code, _, err = _run(capsys, "eval", str(text), "--case", "{}")
    assert code == 2 and "not an .xlsx workbook" in err


def test_bad_arguments_exit_2(examples: dict[str, Path], capsys: Capture) -> None:
    with pytest.raises(SystemExit) as exc:  # argparse: usage and exit 2
        main(["eval"])
    assert exc.value.code == 2
    code, _, err = _run(capsys, "eval", str(examples["U"]))  # no case given
    assert code == 2 and "--case" in err


# -- test ------------------------------------------------------------------------------------
def test_test_passing(examples: dict[str, Path], capsys: Capture) -> None:
    code, out, _ = _run(capsys, "test", str(examples["chain"]))
    assert code == 0
    assert out.splitlines()[-1] == "8 passed, 0 failed"
    assert "FAIL" not in out


def test_test_failing_case_shows_expected_actual_and_rules(tmp_path: Path,
                                                           capsys: Capture) -> None:
    spec = unique()
    assert spec.tests is not None
    spec.tests.rows[3][3] = "high"  # t4: 64, smoker -> U3 "medium" by hand, not "high"
    path = write(spec, tmp_path / "failing.xlsx")
    code, out, _ = _run(capsys, "test", str(path))
    assert code == 1
    lines = out.splitlines()
    assert lines[-1] == "5 passed, 1 failed"
    assert lines[0].startswith("FAIL t4 (Tests!A7)")
    assert 'risk: expected "high", got "medium"' in out and "Tests!D7" in out
    assert "risk: rule U3 fired" in out


def test_test_case_that_raises_is_a_failure(tmp_path: Path, capsys: Capture) -> None:
    spec = unique()
    assert spec.tests is not None
    spec.tests.rows.append(["t7", 30, None, "low"])  # unknown smoker under 40: no rule
    code, out, _ = _run(capsys, "test", str(write(spec, tmp_path / "raises.xlsx")))
    assert code == 1
    assert "FAIL t7" in out and "no rule" in out
    assert out.splitlines()[-1] == "6 passed, 1 failed"


# -- as a real process, from another working directory --------------------------------------
def test_subprocess_from_another_directory(examples: dict[str, Path], tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "case.json").write_text('{"age": 65, "smoker": true}', encoding="utf-8")

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "engine.cli.main", *argv], cwd=elsewhere,
                              capture_output=True, text=True, timeout=120)

    done = run("eval", str(examples["U"]), "--case", "@case.json", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outputs"] == {"risk": "high"}
    done = run("test", str(examples["P"]))
    assert done.returncode == 0 and done.stdout.splitlines()[-1] == "5 passed, 0 failed"
    done = run("eval", str(examples["U"]), "--case", '{"age": NaN}')
    assert done.returncode == 2 and "Traceback" not in done.stderr
    done = run("eval", "missing.xlsx", "--case", "{}")
    assert done.returncode == 2 and "missing.xlsx" in done.stderr
    assert "Traceback" not in done.stderr
