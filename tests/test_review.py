"""The committee's review tools: coverage, semantic diff, annotated copy, HTML report, init.

Expected answers are worked out by hand from the NBCG rules (tables/README.md lists them) or
from the small workbooks built here; the diff's exactness is also checked against plain
evaluation of both versions on sampled cases, inside and outside every reported region.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import workbooks as wbs

import engine
from engine.cli.main import main
from engine.core.errors import CaseError
from engine.review.coverage import measure
from engine.review.diff import diff_models
from engine.verify.testing import run_tests
from engine.workbook.cells import cell_test

pytest_plugins = ["pytester"]
Capture = pytest.CaptureFixture[str]
NBCG = Path(__file__).resolve().parent.parent / "tables" / "nbcg-bisfosfonat.xlsx"
IN, OUT, EXP, NOTE = "input", "output", "expected", "annotation"
# columns of the NBCG sheets (A is the rule id)
BIS = {"pathway": 2, "line": 3, "parenchymal": 4, "osteolytic": 5, "symptoms": 6,
       "endocrine": 7, "response": 8, "recommendation": 9}
SPOR = {"pathway": 9}


def run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def edited(tmp_path: Path, name: str, edits: list[tuple[str, str, int, Any]]) -> Path:
    """A copy of the NBCG workbook with cells of rules (sheet, rule id, column) replaced."""
    wb = openpyxl.load_workbook(NBCG)
    for sheet, rule, col, value in edits:
        ws = wb[sheet]
        rows = [r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == rule]
        assert rows, f"{sheet} has no rule {rule}"
        ws.cell(rows[0], col).value = value
    path = tmp_path / name
    wb.save(path)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def small(tmp_path: Path, name: str = "small.xlsx", cut: str = "50",
          extra_value: bool = False, tests: list[list[Any]] | None = None) -> Path:
    """Age and symptoms to a plan: R1 symptoms -> treat; R2/R3 split at `cut` years."""
    plans = '"treat", "watch", "refer"'
    rules: list[list[Any]] = [["R1", "-", True, '"treat"'], ["R2", f"< {cut}", False, '"watch"'],
                              ["R3", f">= {cut}", False, '"treat"']]
    glossary: list[tuple[Any, ...]] = [("age", "integer", "[0..120]", "Alder"),
                                       ("symptoms", "boolean", None, "Symptomer"),
                                       ("plan", "string", plans, "Plan")]
    if extra_value:
        glossary.append(("site", "string", '"bone", "liver"', "Sted"))
    cases = tests if tests is not None else [["t1", 30, True, "treat"],
                                             ["t2", 20, False, "watch"]]
    spec = wbs.WorkbookSpec(
        glossary=glossary,
        tables=[wbs.TableSpec("plan", "U", [("age", IN), ("symptoms", IN), ("plan", OUT)],
                              rules)],
        tests=wbs.TestSpec([("age", IN), ("symptoms", IN), ("plan", EXP)], cases))
    return wbs.write(spec, tmp_path / name)


# -- coverage ---------------------------------------------------------------------------------
def test_nbcg_reaches_full_rule_coverage(capsys: Capture) -> None:
    model = engine.load(str(NBCG))
    cov = measure(model, run_tests(model))
    assert (cov.rules, cov.rules_fired, cov.percent) == (51, 51, 100.0)
    assert [d.decision for d in cov.decisions] == ["pathway", "continuation", "bisphosphonate"]
    # N7 without symptoms (B10): T26, on a new endocrine line after failure T69, with SD T75;
    # SD after observation (B7): T20, and T66 after endocrine failure (P4)
    bis = next(d for d in cov.decisions if d.decision == "bisphosphonate")
    assert bis.fired["B10"] == ["T26", "T69", "T75"] and bis.fired["B7"] == ["T20", "T66"]
    code, out, _ = run(capsys, "test", str(NBCG), "--coverage", "--min-coverage", "100")
    assert code == 0
    assert "Rule coverage: 51 of 51 rules fired by 108 test case(s) (100 %)" in out
    assert out.rstrip().endswith("108 passed, 0 failed")


def test_coverage_names_unfired_rules_unexpected_answers_unused_values(
        tmp_path: Path, capsys: Capture) -> None:
    path = small(tmp_path)  # t1 fires R1, t2 fires R2; nobody fires R3
    model = engine.load(str(path))
    cov = measure(model, run_tests(model))
    d = cov.decisions[0]
    assert d.fired == {"R1": ["t1"], "R2": ["t2"], "R3": []}
    assert d.unfired == ["R3"]
    assert d.outputs_unexpected == {"plan": ["refer"]}  # treat and watch are expected
    assert d.inputs_unused == {}  # symptoms true (t1) and false (t2) both used
    code, out, _ = run(capsys, "test", str(path), "--coverage", "--min-coverage", "70")
    assert code == 1
    assert "2 of 3 rules fired" in out and "no case fires: R3 (plan!A6)" in out
    assert 'no case expects plan = "refer"' in out
    assert "below the required 70 %" in out
    assert run(capsys, "test", str(path), "--min-coverage", "60")[0] == 0


def test_coverage_counts_unused_input_values(tmp_path: Path) -> None:
    path = small(tmp_path, tests=[["t1", 30, True, "treat"]])
    model = engine.load(str(path))
    d = measure(model, run_tests(model)).decisions[0]
    assert d.inputs_unused == {"symptoms": [False]}
    assert d.outputs_unexpected == {"plan": ["watch", "refer"]}


def test_coverage_counts_helper_decisions(examples: dict[str, Path]) -> None:
    model = engine.load(str(examples["chain"]))
    cov = measure(model, run_tests(model))
    stage = next(d for d in cov.decisions if d.decision == "ckd_stage")
    # t1 egfr 25 -> K1; t2, t3, t8 45 and t7 30 -> K2; t4, t5 90 and t6 60 -> K3 (each case
    # is counted once per decision, though it expects five outputs downstream)
    assert {k: len(v) for k, v in stage.fired.items()} == {"K1": 1, "K2": 4, "K3": 3}


def test_pytest_plugin_reports_coverage(tmp_path: Path, pytester: pytest.Pytester) -> None:
    tables = pytester.path / "tables"
    tables.mkdir()
    small(tables, "plan.xlsx")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)  # check + two cases
    result.stdout.fnmatch_lines(["*guideline rule coverage*",
                                 "tables/plan.xlsx: 2/3 rules fired (67 %); not fired: plan:R3"])


# -- diff: the done-when of the issue ------------------------------------------------------------
def test_diff_of_identical_workbooks(tmp_path: Path, capsys: Capture) -> None:
    copy = tmp_path / "same.xlsx"
    shutil.copy(NBCG, copy)
    code, out, _ = run(capsys, "diff", str(NBCG), str(copy), "--fail-on-change")
    assert code == 0
    assert "no change in any answer" in out.splitlines()[-1]
    assert "Rule edits" not in out


B10_REGION = {  # worked out by hand: the cases that reach rule B10
    "skeletal_metastases": "true",  # S5/S6: inside the guideline's scope
    "uncontrolled_pain": "false",  # else S2 (pain first)
    "therapy": '"chemotherapy"',  # chemotherapy_assessment
    "parenchymal_metastases": "false",
    "osteolytic_metastases": '"first_detected_observable"',
    "skeletal_symptoms": "false",
    "response": 'not("PD")',  # PD ends the deferral (B21)
}  # hormone_receptor_status (S5, S6): any value (the glossary requires one);
# chemotherapy_line, endocrine_sensitive, endocrine_failure: any value, unknown too
B10_P4_REGION = {  # and after earlier endocrine failure, P4 (Spor S14)
    "skeletal_metastases": "true", "uncontrolled_pain": "false", "therapy": '"endocrine"',
    "hormone_receptor_status": '"positive"', "endocrine_failure": "true",
    "parenchymal_metastases": "false", "osteolytic_metastases": '"first_detected_observable"',
    "skeletal_symptoms": "false", "response": 'not("PD")',
    "chemotherapy_line": "null",  # C1: a line with endocrine therapy cannot occur
}


def test_diff_names_one_rule_and_exactly_its_region(tmp_path: Path, capsys: Capture) -> None:
    new = edited(tmp_path, "new.xlsx", [("Bisfosfonat", "B10", BIS["recommendation"],
                                         "consider")])
    result = diff_models(engine.load(str(NBCG)), engine.load(str(new)))
    assert [(e.decision, e.rule, e.kind) for e in result.edits] == [
        ("bisphosphonate", "B10", "changed")]
    assert [(c.column, c.old, c.new) for c in result.edits[0].changes] == [
        ("recommendation", '"defer"', '"consider"')]
    assert not result.glossary and not result.tables and not result.about
    assert [a.region for a in result.answers] == [B10_REGION, B10_P4_REGION]
    change = result.answers[0]
    assert change.decision == "bisphosphonate"
    assert change.changed == ["recommendation"]
    assert change.old.get("recommendation") == "defer"
    assert change.new.get("recommendation") == "consider"
    assert change.old_rules[0] == "B10" and change.new_rules[0] == "B10"
    assert_exact(engine.load(str(NBCG)), engine.load(str(new)), result, samples=600)

    code, out, _ = run(capsys, "diff", str(NBCG), str(new))
    assert code == 0  # a change is not a failure unless asked
    assert "bisphosphonate rule B10 changed" in out
    labels = engine.load(str(NBCG)).value_labels["recommendation"]  # said in words
    assert (f'was Anbefaling: {labels["defer"]}, now Anbefaling: {labels["consider"]}'
            in out)
    assert run(capsys, "diff", str(NBCG), str(new), "--fail-on-change")[0] == 1
    code, out, _ = run(capsys, "diff", str(NBCG), str(new), "--format", "json")
    doc = json.loads(out)
    assert doc["changed"] is True and len(doc["answers"]) == 2
    assert doc["answers"][0]["region"] == B10_REGION
    assert doc["answers"][0]["old"]["outputs"]["recommendation"] == "defer"
    example = doc["answers"][0]["example"]
    assert engine.load(str(new)).evaluate(example, "bisphosphonate")["recommendation"] == \
        "consider"
    code, out, _ = run(capsys, "diff", str(NBCG), str(new), "--format", "markdown")
    assert "| bisphosphonate | B10 (Bisfosfonat!A13) | changed |" in out
    assert "### Changed answers" in out


def test_diff_edits_that_change_no_answer(tmp_path: Path, capsys: Capture) -> None:
    # B4 (line 2) and B5 (line >= 3) give the same answers: moving line 3 from B5 to B4
    # edits two rules and changes no answer
    new = edited(tmp_path, "new.xlsx", [("Bisfosfonat", "B4", BIS["line"], "[2..3]"),
                                        ("Bisfosfonat", "B5", BIS["line"], ">= 4")])
    result = diff_models(engine.load(str(NBCG)), engine.load(str(new)))
    assert sorted(e.rule for e in result.edits) == ["B4", "B5"]
    assert result.answers == []
    code, out, _ = run(capsys, "diff", str(NBCG), str(new), "--fail-on-change")
    assert code == 0 and "no change in any answer" in out


def test_diff_through_the_helper_decision(tmp_path: Path) -> None:
    # S4: HR-negative on endocrine therapy with pain back to the pain rule (as before issue 14)
    new = edited(tmp_path, "new.xlsx", [("Spor", "S4", SPOR["pathway"], "uncontrolled_pain")])
    old_m, new_m = engine.load(str(NBCG)), engine.load(str(new))
    result = diff_models(old_m, new_m)
    assert [(e.decision, e.rule) for e in result.edits] == [("pathway", "S4")]
    assert len(result.answers) == 1
    change = result.answers[0]
    assert change.region == {"skeletal_metastases": "true", "uncontrolled_pain": "true",
                             "therapy": '"endocrine"', "hormone_receptor_status": '"negative"',
                             "chemotherapy_line": "null"}  # C1: no line on endocrine therapy
    # B18 (not_covered ...) before, B2 (consider_now ...) after
    assert change.changed == ["pathway", "recommendation", "observation_period", "strength",
                              "treatment_duration"]
    assert change.old.get("recommendation") == "not_covered"
    assert change.new.get("recommendation") == "consider_now"
    assert change.old_rules == ["B18", "pathway:S4"] and change.new_rules == ["B2", "pathway:S4"]
    assert_exact(old_m, new_m, result, samples=400)


def test_diff_of_a_threshold(tmp_path: Path) -> None:
    old = engine.load(str(small(tmp_path, "old.xlsx", cut="50")))
    new = engine.load(str(small(tmp_path, "new.xlsx", cut="60")))
    result = diff_models(old, new)
    assert sorted(e.rule for e in result.edits) == ["R2", "R3"]
    assert [(a.region, a.old.get("plan"), a.new.get("plan")) for a in result.answers] == [
        ({"age": "[50..59]", "symptoms": "false"}, "treat", "watch")]


def test_diff_of_a_removed_rule_and_an_added_value(tmp_path: Path) -> None:
    old = small(tmp_path, "old.xlsx")
    wb = openpyxl.load_workbook(old)
    wb["Glossary"]["C4"] = '"treat", "watch", "refer", "unsure"'
    wb["plan"].delete_rows(6)  # R3: >= 50 without symptoms -> treat
    wb["plan"].append(["R4", "-", "null", '"unsure"'])  # symptoms unknown
    wb.save(tmp_path / "new.xlsx")
    old_m, new_m = engine.load(str(old)), engine.load(str(tmp_path / "new.xlsx"))
    result = diff_models(old_m, new_m)
    assert [(e.rule, e.kind) for e in result.edits] == [("R3", "removed"), ("R4", "added")]
    assert result.glossary == ['plan: allowed values "treat", "watch", "refer" -> "treat", '
                               '"watch", "refer", "unsure"']
    rows = {(tuple(a.region.items()), a.old.error is None, a.new.error is None): a
            for a in result.answers}
    # >= 50 without symptoms: R3 gone, nothing answers; unknown symptoms: R4 now answers
    gap = rows[((("age", ">= 50"), ("symptoms", "false")), True, False)]
    assert gap.old.get("plan") == "treat" and "no rule" in (gap.new.error or "")
    new_rule = rows[((("symptoms", "null"),), False, True)]
    assert new_rule.new.get("plan") == "unsure"
    assert len(result.answers) == 2
    assert_exact(old_m, new_m, result, samples=300)


def test_diff_of_a_chain_with_numbers_and_a_diamond(examples: dict[str, Path],
                                                     tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(examples["chain"])
    wb["Stage"]["B5"] = "[30..50)"  # K2 moderate
    wb["Stage"]["B6"] = ">= 50"  # K3 normal: eGFR 50 to 60 moves from moderate to normal
    wb.save(tmp_path / "new.xlsx")
    old_m, new_m = engine.load(str(examples["chain"])), engine.load(str(tmp_path / "new.xlsx"))
    result = diff_models(old_m, new_m)
    assert sorted(result.compared) == ["referral", "statin"]
    assert result.answers and all(a.region["egfr"] == "[50..60)" for a in result.answers)
    assert_exact(old_m, new_m, result, samples=500)


def test_diff_reports_moved_rules_where_order_matters(examples: dict[str, Path],
                                                      tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(examples["chain"])
    ws = wb["Risk"]  # hit policy F: G5 (anything -> low) moved to the top wins everywhere
    rows = [[c.value for c in ws[r]] for r in range(4, 9)]
    for r, row in enumerate([rows[4], *rows[:4]], 4):
        for c, value in enumerate(row, 1):
            ws.cell(r, c).value = value
    wb.save(tmp_path / "new.xlsx")
    old_m, new_m = engine.load(str(examples["chain"])), engine.load(str(tmp_path / "new.xlsx"))
    result = diff_models(old_m, new_m)
    assert [(e.rule, e.kind) for e in result.edits] == [("G5", "moved")]
    assert result.answers
    # wherever the new version answers, G5 decides: low (with age unknown, follow_up has no
    # rule for low, so there is no answer at all)
    assert all(a.new.get("risk_group") == "low" for a in result.answers if a.new.error is None)
    assert all("follow_up" in (a.new.error or "follow_up") for a in result.answers)
    assert_exact(old_m, new_m, result, samples=300)


def test_diff_against_a_git_revision(tmp_path: Path, capsys: Capture) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    (repo / "tables").mkdir(parents=True)
    wb = repo / "tables" / "g.xlsx"
    shutil.copy(NBCG, wb)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "v1"], check=True)
    edited(tmp_path, "v2.xlsx", [("Bisfosfonat", "B10", BIS["recommendation"], "consider")])
    shutil.copy(tmp_path / "v2.xlsx", wb)
    code, out, _ = run(capsys, "diff", str(wb), "--rev", "HEAD")
    assert code == 0
    assert f"Comparing {wb}@HEAD (old) with {wb} (new)" in out
    assert "bisphosphonate rule B10 changed" in out
    code, _, err = run(capsys, "diff", str(wb), "--rev", "no-such-rev")
    assert code == 2 and "git has no tables/g.xlsx at revision no-such-rev" in err
    code, _, err = run(capsys, "diff", str(tmp_path / "v2.xlsx"), "--rev", "HEAD")
    assert code == 2 and "not inside a git repository" in err


def test_diff_counts_a_cohort(tmp_path: Path, capsys: Capture,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd

    model = engine.load(str(NBCG))
    cohort = pd.DataFrame([dict(t.inputs, patient=t.id) for t in model.tests])
    cohort.to_csv(tmp_path / "cohort.csv", index=False)
    new = edited(tmp_path, "new.xlsx", [("Bisfosfonat", "B10", BIS["recommendation"],
                                         "consider")])
    code, out, _ = run(capsys, "diff", str(NBCG), str(new), "--cases",
                       str(tmp_path / "cohort.csv"))
    # T26, T69, T75 (first detected, observable, no symptoms, no parenchymal metastases,
    # no progression) use B10
    assert "3 of 108 case(s) change answer" in out
    words = model.value_labels["recommendation"]  # the committee's words; JSON keeps codes
    assert f'Anbefaling: {words["defer"]} -> {words["consider"]}: 3' in out
    monkeypatch.setattr("engine.review.diff.has_bulk", lambda: False)
    code, out, _ = run(capsys, "diff", str(NBCG), str(new), "--cases",
                       str(tmp_path / "cohort.csv"), "--format", "json")
    doc = json.loads(out)["cohort"]
    assert (doc["rows"], doc["changed"], doc["method"]) == (108, 3, "per-row")


def test_diff_usage_errors(tmp_path: Path, capsys: Capture) -> None:
    assert run(capsys, "diff", str(NBCG))[0] == 2
    code, _, err = run(capsys, "diff", str(NBCG), str(tmp_path / "missing.xlsx"))
    assert code == 2 and "missing.xlsx" in err


def answers(model: engine.Model, case: dict[str, Any], target: str) -> Any:
    try:
        result = model.evaluate(case, target)
    except CaseError:
        return "no answer"
    return {k: v for step in result.trace for k, v in step.outputs.items()}


def candidates(var: engine.Variable) -> list[Any]:
    if var.type == "boolean":
        return [True, False, None]
    if var.type == "string":
        return [*var.values, None]
    if var.type == "integer":
        return [0, 1, 2, 3, 4, 17, 18, 39, 40, 49, 50, 59, 60, 69, 70, 120, None]
    return [0, 11.5, 12, 24, 24.5, 29.9, 30, 45, 50, 59.99, 60, 90, 200, None]


def test_diff_shows_constraint_edits_and_the_cases_they_refuse(tmp_path: Path,
                                                                capsys: Capture) -> None:
    wb = openpyxl.load_workbook(NBCG)
    ws = wb["Begrensninger"]
    assert ws["A3"].value == "C2" and ws["E3"].value == (
        '"progressive", "first_detected_observable", "first_detected_not_observable", '
        '"known_stable", "osteoblastic_or_mixed"')
    ws["E3"] = '"progressive"'  # a newly found lesion without skeletal metastases: possible now
    ws.append(["C3", "chemotherapy", "-", False, "-", "a test: no chemotherapy without them"])
    new = tmp_path / "new.xlsx"
    wb.save(new)
    old_m, new_m = engine.load(str(NBCG)), engine.load(str(new))
    result = diff_models(old_m, new_m)
    assert [g for g in result.glossary if g.startswith("constraint")] == [
        'constraint C2: skeletal_metastases = false; osteolytic_metastases = "progressive", '
        '"first_detected_observable", "first_detected_not_observable", "known_stable", '
        '"osteoblastic_or_mixed" -> skeletal_metastases = false; osteolytic_metastases = '
        '"progressive"',
        "constraint C3 added: therapy = chemotherapy; skeletal_metastases = false"]
    # chemotherapy without skeletal metastases: was answered (out of scope), now refused (C3)
    refused = [a for a in result.answers if a.new.error]
    assert refused and all("(constraint C3)" in str(a.new.error) and a.old.get(
        "recommendation") == "not_applicable" for a in refused)
    assert {a.region["therapy"] for a in refused} == {'"chemotherapy"'}
    # the states C2 no longer names, without skeletal metastases: were refused, now answered
    allowed = [a for a in result.answers if a.old.error]
    assert allowed and all(a.region["osteolytic_metastases"] == (
        '"first_detected_observable", "first_detected_not_observable", "known_stable", '
        '"osteoblastic_or_mixed"') and a.new.get("recommendation") == "not_applicable"
        for a in allowed)
    for change in result.answers:  # each example really is answered as the region says
        before = answers(old_m, change.example, "bisphosphonate")
        after = answers(new_m, change.example, "bisphosphonate")
        assert (before == "no answer") == bool(change.old.error)
        assert (after == "no answer") == bool(change.new.error)
    assert_exact(old_m, new_m, result, samples=600)
    code, out, _ = run(capsys, "diff", str(NBCG), str(new))
    assert code == 0 and "constraint C3 added" in out and "(constraint C3)" in out


def assert_exact(old: engine.Model, new: engine.Model, result: Any, samples: int) -> None:
    """Every sampled case inside a reported region changes answer as reported, and every case
    that changes answer lies inside a reported region; half the samples come from regions."""
    rng = random.Random(8)
    for target in result.compared:
        regions = [a for a in result.answers if a.decision == target]
        names = list(regions[0].example) if regions else []
        if not names:
            continue
        variables = {n: new.variables.get(n) or old.variables[n] for n in names}
        tests = [{n: cell_test(text, variables[n]) for n, text in a.region.items()}
                 for a in regions]
        for k in range(samples):
            pools = {n: [v for v in candidates(var) if (v is None and var.unknown is not False)
                         or (v is not None and (var.allowed is None or var.allowed.matches(v)))]
                     for n, var in variables.items()}
            if k % 2 and regions:
                chosen = rng.randrange(len(regions))
                for n, test in tests[chosen].items():
                    pools[n] = [v for v in pools[n] if test.matches(v)] or pools[n]
            case = {n: rng.choice(pool) for n, pool in pools.items()}
            inside = [i for i, t in enumerate(tests) if all(x.matches(case[n])
                                                            for n, x in t.items())]
            before = answers(old, {n: case[n] for n in names if n in old.variables}, target)
            after = answers(new, {n: case[n] for n in names if n in new.variables}, target)
            assert len(inside) <= 1, f"regions overlap at {case}"
            if before == after or (before == "no answer" and after == "no answer"):
                assert not inside, f"reported as changed but is not: {case}"
                continue
            assert inside, f"changed but not reported: {case}: {before} -> {after}"
            change = regions[inside[0]]
            for name in change.changed:
                assert before[name] == change.old.get(name) and after[name] == \
                    change.new.get(name)


# -- annotated workbook ---------------------------------------------------------------------------
def broken_nbcg(tmp_path: Path) -> Path:
    # line 3 leaves B5 (gaps), B6 keeps only CR (gap at PR, on the chemotherapy path and on
    # P4's after endocrine failure), "other" joins B9 (overlap B12)
    return edited(tmp_path, "broken.xlsx", [
        ("Bisfosfonat", "B5", BIS["line"], ">= 4"), ("Bisfosfonat", "B6", BIS["response"], '"CR"'),
        ("Bisfosfonat", "B9", BIS["osteolytic"], "progressive, other")])


def test_annotated_copy_marks_findings_and_suggests_rules(tmp_path: Path,
                                                          capsys: Capture) -> None:
    broken = broken_nbcg(tmp_path)
    before = digest(broken)
    out = tmp_path / "annotated.xlsx"
    code, _, err = run(capsys, "check", str(broken), "--annotate", str(out))
    assert code == 1  # the check's own verdict: errors found
    assert digest(broken) == before  # the input is never touched
    assert "3 suggested rule(s)" in err
    wb = openpyxl.load_workbook(out)
    ws = wb["Bisfosfonat"]
    # the overlap names rules B9 (row 12) and B12 (row 15); gaps are marked on the table name
    for coord in ("A12", "A15", "B1"):
        assert ws[coord].fill.start_color.rgb.endswith("FFC7CE"), coord
        assert "ERROR" in ws[coord].comment.text
    assert "overlap" in ws["A12"].comment.text and "gap" in ws["B1"].comment.text
    assert ws["A4"].comment is None
    suggested = [r for r in range(4, ws.max_row + 1)
                 if str(ws.cell(r, 1).value or "").startswith("FORSLAG-")]
    assert [ws.cell(r, 1).value for r in suggested] == ["FORSLAG-1", "FORSLAG-2", "FORSLAG-3"]
    assert suggested[0] == 36  # right under B32
    model = engine.load(str(broken))
    gaps = [f.region for f in model.check() if f.kind == "gap"]
    names = model.tables["bisphosphonate"].input_names
    rows = [dict(zip(names, (ws.cell(r, c).value for c in range(2, 9)))) for r in suggested]
    assert rows == gaps  # the check's regions, cell for cell
    # by hand: on the chemotherapy path with parenchymal metastases, line 3 is no longer in
    # B5 before the response is known, and PR is no longer in B6 on any line; on P4's path
    # (no chemotherapy line: constraint C1) PR is no longer in B6 either
    tests = [{n: cell_test(text, model.variables[n]) for n, text in row.items()} for row in rows]
    for pathway, line in [("chemotherapy_assessment", n) for n in (1, 2, 3, 4)] + [
            ("endocrine_failure_assessment", None)]:
        for response in model.variables["response"].values:
            case = {"pathway": pathway, "chemotherapy_line": line,
                    "parenchymal_metastases": True, "osteolytic_metastases": "other",
                    "skeletal_symptoms": False, "endocrine_sensitive": None,
                    "response": response}
            hit = any(all(x.matches(case[n]) for n, x in row.items()) for row in tests)
            assert hit == ((line == 3 and response == "not_evaluated") or response == "PR")
    assert all(ws.cell(r, c).value is None for r in suggested for c in range(9, 13))
    assert "Findings from the check" in wb.sheetnames

    # filling in the suggested rows closes the gaps: only the overlap is left
    for r in suggested:
        for c in range(9, 13):
            ws.cell(r, c).value = ws.cell(8, c).value  # B5's answers
    wb.save(tmp_path / "filled.xlsx")
    model = engine.load(str(tmp_path / "filled.xlsx"), strict=False)
    errors = [f for f in model.check() if f.severity == "error"]
    assert [f.kind for f in errors] == ["overlap"]


def test_annotate_refuses_the_input_and_non_xlsx(tmp_path: Path, capsys: Capture) -> None:
    broken = broken_nbcg(tmp_path)
    before = digest(broken)
    code, _, err = run(capsys, "check", str(broken), "--annotate", str(broken))
    assert code != 0 and "refusing to write over the input" in err
    assert digest(broken) == before
    code, _, err = run(capsys, "check", str(broken), "--annotate", str(tmp_path / "x.csv"))
    assert code != 0 and ".xlsx" in err
    assert not (tmp_path / "x.csv").exists()


def test_annotated_copy_of_a_clean_workbook(tmp_path: Path, capsys: Capture) -> None:
    out = tmp_path / "clean.xlsx"
    assert run(capsys, "check", str(NBCG), "--annotate", str(out))[0] == 0
    wb = openpyxl.load_workbook(out)
    assert wb["Findings from the check"]["E2"].value.startswith("No findings")
    assert engine.load(str(out)).check() == []  # the extra sheet is ignored by the loader


def test_spreadsheet_program_opens_the_written_files(tmp_path: Path, capsys: Capture) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    annotated = tmp_path / "annotated.xlsx"
    run(capsys, "check", str(broken_nbcg(tmp_path)), "--annotate", str(annotated))
    fresh = tmp_path / "fresh.xlsx"
    assert run(capsys, "init", str(fresh))[0] == 0
    outdir = tmp_path / "converted"
    proc = subprocess.run([soffice, "--headless", "--norestore",
                           f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                           "--convert-to", "xlsx", "--outdir", str(outdir), str(annotated),
                           str(fresh)], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    wb = openpyxl.load_workbook(outdir / "annotated.xlsx")
    assert wb["Bisfosfonat"]["A36"].value == "FORSLAG-1"
    assert "overlap" in wb["Bisfosfonat"]["A12"].comment.text
    assert engine.load(str(outdir / "fresh.xlsx")).check() == []


# -- report ---------------------------------------------------------------------------------------
def test_report_is_one_self_contained_page(tmp_path: Path, capsys: Capture) -> None:
    old = edited(tmp_path, "old.xlsx", [("Bisfosfonat", "B10", BIS["recommendation"],
                                         "consider")])
    out = tmp_path / "report.html"
    code, _, _ = run(capsys, "report", str(NBCG), "-o", str(out), "--diff", str(old),
                     "--lang", "nb")
    assert code == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Skjelettmetastaser og bruk av bisfosfonater ved metastatisk brystkreft" \
           "</title>" in page
    for absent in ("<script", "src=", "url(", "@import"):
        assert absent not in page
    links = re.findall(r'href="([^"]*)"', page)
    assert links and all(link.startswith("#") for link in links)  # the contents, in the page
    assert "Funn fra kontrollen" in page and "Ingen funn" in page
    assert "51 av 51 regler" in page and "108 tilfeller består, 0 feiler" in page
    assert "Endringer siden" in page and "B10" in page
    assert "1 regelendring(er); endrede svar i 2 område(r)" in page  # B10_REGION, B10_P4_REGION
    assert "Spørsmål til faggruppen" in page and "Dårlig kontrollerte smerter" in page
    # the decisions come after the review sections, with labels and sources
    assert page.index("Funn fra kontrollen") < page.index("Beslutning <code>pathway</code>")
    assert "N1, P1" in page


def test_report_of_a_workbook_with_errors(tmp_path: Path, capsys: Capture) -> None:
    out = tmp_path / "report.html"
    assert run(capsys, "report", str(broken_nbcg(tmp_path)), "-o", str(out),
               "--lang", "nb")[0] == 0
    page = out.read_text(encoding="utf-8")
    assert "4 feil må rettes" in page  # three gaps, one overlap; the cases still run
    assert "108 tilfeller består" not in page and "51 regler" in page
    unreadable = edited(tmp_path, "empty.xlsx", [("Bisfosfonat", "B10", BIS["response"], None)])
    assert run(capsys, "report", str(unreadable), "-o", str(tmp_path / "r2.html"),
               "--lang", "nb")[0] == 0
    page = (tmp_path / "r2.html").read_text(encoding="utf-8")
    assert "Bisfosfonat!H13" in page  # the empty cell, located
    assert "kan ikke kjøres før feilene" in page


def test_report_refuses_its_input(tmp_path: Path, capsys: Capture) -> None:
    copy = tmp_path / "g.xlsx"
    shutil.copy(NBCG, copy)
    before = digest(copy)
    code, _, err = run(capsys, "report", str(copy), "-o", str(copy))
    assert code == 2 and "refusing" in err
    assert digest(copy) == before


# -- init -----------------------------------------------------------------------------------------
def test_init_creates_a_workbook_that_passes_check_and_test(tmp_path: Path,
                                                            capsys: Capture) -> None:
    path = tmp_path / "ny.xlsx"
    code, out, _ = run(capsys, "init", str(path), "--title", "Prøve på ny retningslinje")
    assert code == 0 and "created" in out
    code, out, _ = run(capsys, "check", str(path))
    assert code == 0 and "0 error(s), 0 warning(s), 0 note(s)" in out
    code, out, _ = run(capsys, "test", str(path), "--coverage", "--min-coverage", "100")
    assert code == 0 and out.rstrip().endswith("3 passed, 0 failed")
    model = engine.load(str(path))
    assert model.about["title"] == "Prøve på ny retningslinje"
    assert model.about["status"] == "draft" and model.about["version"] == "0.1"
    assert list(model.tables) == ["anbefaling"]
    assert [v for v in model.variables] == ["alder", "symptomer", "anbefaling"]
    # R1 symptoms -> behandling; R2 < 50 -> kontroll; R3 >= 50 -> behandling
    assert model.evaluate({"alder": 49, "symptomer": False})["anbefaling"] == "kontroll"
    assert model.evaluate({"alder": 50, "symptomer": False})["anbefaling"] == "behandling"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Om", "Ordliste", "Verdier", "Begrensninger", "Anbefaling",
                            "Spørsmål", "Testtilfeller"]
    assert wb["Anbefaling"].data_validations.dataValidation  # dropdowns
    assert wb["Anbefaling"].freeze_panes == "B4"


def test_init_never_overwrites(tmp_path: Path, capsys: Capture) -> None:
    path = tmp_path / "ny.xlsx"
    path.write_bytes(b"mine")
    code, _, err = run(capsys, "init", str(path))
    assert code == 2 and "already exists" in err
    assert path.read_bytes() == b"mine"
    assert run(capsys, "init", str(tmp_path / "ny.csv"))[0] == 2


# -- diff: exactness on random tables --------------------------------------------------------------
CELLS = {  # per input: cells a person might write (null included)
    "x0": ["< 3", ">= 6", "[2..7]", "4", "null", "not(5)"],
    "x1": ['"p"', '"q"', '"p", "q"', 'not("r")', "null", '"r", null'],
    "x2": [True, False, "null"],
    "x3": ["< 2.5", ">= 2.5", "[1..3]", "(1..3)", "> 0", "0"],
}
POINTS = {"x0": [0, 2, 3, 4, 5, 6, 7, 8, 10, None], "x1": ["p", "q", "r", None],
          "x2": [True, False, None], "x3": [0, 0.5, 1, 2, 2.5, 3, 3.5, None]}


def random_spec(seed: int, edit: bool) -> wbs.WorkbookSpec:
    """A table of random rules under a random hit policy feeding a second decision; `edit`
    changes one thing (an answer, a cell, a rule removed, added or moved)."""
    r = random.Random(seed)
    policy = r.choice(["U", "A", "F", "P"])
    names = list(CELLS)

    def cell(name: str, rr: random.Random) -> Any:
        return "-" if rr.random() < 0.45 else rr.choice(CELLS[name])

    rules = [[f"R{k}", *(cell(n, r) for n in names), r.choice(['"a"', '"b"', '"c"'])]
             for k in range(r.randint(3, 8))]
    zrules = [[f"Z{k}", r.choice(['"a"', '"b"', "-", 'not("a")']), r.choice(["-", "< 5", "null"]),
               r.choice(['"u"', '"v"'])] for k in range(r.randint(2, 4))]
    zrules.append(["Z9", "-", "-", '"w"'])
    if edit:
        e = random.Random(seed * 7 + 1)
        i = e.randrange(len(rules))
        kind = e.choice(["answer", "cell", "remove", "add", "move"])
        if kind == "answer":
            rules[i][-1] = e.choice([v for v in ('"a"', '"b"', '"c"') if v != rules[i][-1]])
        elif kind == "cell":
            j = e.randrange(len(names))
            rules[i][1 + j] = e.choice([v for v in ["-", *CELLS[names[j]]] if v != rules[i][1 + j]])
        elif kind == "remove" and len(rules) > 1:
            del rules[i]
        elif kind == "add":
            rules.insert(i, ["N1", *(cell(n, e) for n in names), '"b"'])
        else:
            rules.insert(e.randrange(len(rules)), rules.pop(i))
    return wbs.WorkbookSpec(
        glossary=[("x0", "integer", "[0..10]"), ("x1", "string", '"p", "q", "r"'),
                  ("x2", "boolean", None), ("x3", "number", ">= 0"),
                  ("y", "string", '"a", "b", "c"'), ("z", "string", '"u", "v", "w"')],
        tables=[wbs.TableSpec("y", policy, [*((n, IN) for n in names), ("y", OUT)], rules),
                wbs.TableSpec("z", r.choice(["F", "U"]), [("y", IN), ("x0", IN), ("z", OUT)],
                              zrules)])


@pytest.mark.parametrize("seed", range(16))
def test_diff_is_exact_on_random_edits(seed: int, tmp_path: Path) -> None:
    """Every combination of the sample values (which include every boundary the cells name)
    changes answer exactly when it lies in a reported region."""
    import itertools

    wbs.write(random_spec(seed, False), tmp_path / "old.xlsx")
    wbs.write(random_spec(seed, True), tmp_path / "new.xlsx")
    old = engine.load(str(tmp_path / "old.xlsx"))
    new = engine.load(str(tmp_path / "new.xlsx"))
    result = diff_models(old, new)
    assert result.compared == ["z"] and not result.skipped
    regions = [{n: cell_test(text, old.variables[n]) for n, text in a.region.items()}
               for a in result.answers]
    for values in itertools.product(*POINTS.values()):
        case = dict(zip(POINTS, values))
        before, after = answers(old, case, "z"), answers(new, case, "z")
        inside = [i for i, reg in enumerate(regions)
                  if all(t.matches(case[n]) for n, t in reg.items())]
        assert len(inside) <= 1, case
        assert bool(inside) == (before != after), (case, before, after)
