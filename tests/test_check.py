"""`guideline check`: hand-made tables for every kind of finding, worked out by hand.

Tables are written as real workbooks in tmp_path (tests/workbooks.py) and read by the loader,
except where a model feature has no spreadsheet form (a DMN default output).
"""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from workbooks import TableSpec, WorkbookSpec, write

import engine
from engine import Model
from engine.cli.main import main
from engine.core.errors import ConflictingRules, Finding, NoRuleMatched

ROOT = Path(__file__).resolve().parent.parent
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"

GLOSSARY = [
    ("months", "number", ">= 0", "Måneder på behandling"),
    ("line", "integer", ">= 1", "Behandlingslinje"),
    ("event", "boolean", None, "Skjeletthendelse"),
    ("receptor", "string", '"positive", "negative"', "Reseptorstatus"),
    ("advice", "string", '"continue", "may_stop", "stop", "a", "b", "c", "d", "e"', "Råd"),
]
COLUMNS = [("months", "input"), ("line", "input"), ("event", "input"), ("receptor", "input"),
           ("advice", "output")]
# A complete Unique table: every case matches exactly one rule (worked out by hand).
COMPLETE = [
    ["R1", "< 12", "-", "false", "-", '"continue"'],
    ["R2", "[12..24]", "-", "false", "-", '"may_stop"'],
    ["R3", "> 24", "-", "false", "-", '"stop"'],
    ["R4", "-", "1", "true", '"positive"', '"a"'],
    ["R5", "-", "2", "true", '"positive"', '"b"'],
    ["R6", "-", ">= 3", "true", '"positive"', '"c"'],
    ["R7", "< 12", "-", "true", '"negative"', '"d"'],
    ["R8", ">= 12", "-", "true", '"negative"', '"e"'],
]
NAMES = ["months", "line", "event", "receptor"]


def load(tmp_path: Path, rules: list[list[Any]], policy: str = "U",
         glossary: list[tuple[Any, ...]] | None = None,
         columns: list[tuple[str, str]] | None = None,
         extra: list[TableSpec] | None = None, name: str = "wb") -> Model:
    spec = WorkbookSpec(glossary or GLOSSARY,
                        [TableSpec("advice", policy, columns or COLUMNS, rules), *(extra or [])])
    return engine.load(str(write(spec, tmp_path / f"{name}.xlsx")), strict=False)


def of(findings: list[Finding], kind: str, severity: str | None = None) -> list[Finding]:
    return [f for f in findings if f.kind == kind and (severity is None or f.severity == severity)]


def bad(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity in ("error", "warning") and f.kind != "untested"]


def row(rule: list[Any]) -> dict[str, str]:
    return {n: str(c).strip('"') if c == "-" else c for n, c in zip(NAMES, rule[1:5])}


# -- gaps ----------------------------------------------------------------------------------------
def test_complete_table_is_clean(tmp_path: Path) -> None:
    assert bad(load(tmp_path, COMPLETE).check()) == []


@pytest.mark.parametrize("k", range(len(COMPLETE)))
def test_deleting_a_rule_leaves_a_gap_where_it_was(tmp_path: Path, k: int) -> None:
    rules = COMPLETE[:k] + COMPLETE[k + 1:]
    model = load(tmp_path, rules)
    findings = model.check()
    gaps = of(findings, "gap")
    assert [(f.severity, f.rules, f.cells) for f in gaps] == [("error", (), ("advice!B1",))]
    assert gaps[0].region == row(COMPLETE[k])
    assert bad(findings) == gaps
    with pytest.raises(NoRuleMatched):  # the example is a real case in the gap
        model.evaluate(gaps[0].example or {})


def test_gap_region_is_written_as_the_rule_to_add(tmp_path: Path) -> None:
    rules = [r for r in COMPLETE if r[0] not in ("R2", "R3")]
    [gap] = of(load(tmp_path, rules).check(), "gap")
    assert gap.region == {"months": ">= 12", "line": "-", "event": "false", "receptor": "-"}
    assert gap.example == {"months": 12, "line": 1, "event": False, "receptor": "positive"}


def test_open_and_closed_bounds_are_exact(tmp_path: Path) -> None:
    rules = [["R1", "< 12", "-", "-", "-", '"continue"'],
             ["R2", "(12..24]", "-", "-", "-", '"may_stop"'],
             ["R3", "> 24", "-", "-", "-", '"stop"']]
    [gap] = of(load(tmp_path, rules).check(), "gap")
    assert gap.region == {"months": "12", "line": "-", "event": "-", "receptor": "-"}
    assert gap.example is not None and gap.example["months"] == 12


def test_whole_numbers_leave_nothing_between_them(tmp_path: Path) -> None:
    rules = [["R1", "-", "1", "-", "-", '"a"'], ["R2", "-", "2", "-", "-", '"b"'],
             ["R3", "-", ">= 3", "-", "-", '"c"']]
    assert bad(load(tmp_path, rules).check()) == []
    rules[1][2] = "[2..2.5]"  # still only the whole number 2
    assert bad(load(tmp_path, rules, name="half").check()) == []


def test_not_and_lists_are_exact(tmp_path: Path) -> None:
    rules = [["R1", "not(12, [20..30])", "-", "-", "-", '"a"'],
             ["R2", "12, [20..25)", "-", "-", "-", '"b"']]
    [gap] = of(load(tmp_path, rules).check(), "gap")
    assert gap.region is not None and gap.region["months"] == "[25..30]"


@pytest.mark.parametrize("policy,severity", [
    ("U", "error"), ("A", "error"), ("P", "error"), ("F", "error"), ("R", "info"),
    ("O", "info"), ("C", "info"), ("C+", "info"), ("C#", "info"), ("C<", "info"),
    ("C>", "info")])
def test_gap_severity_follows_the_hit_policy(tmp_path: Path, policy: str, severity: str) -> None:
    # P and O rank answers by an output's listed values, so there the output is listed text
    ranked = policy in ("P", "O")
    score = ("score", "string", '"1", "2"', "Poeng") if ranked else ("score", "number", None,
                                                                       "Poeng")
    glossary = [*GLOSSARY, score]
    columns = [*COLUMNS[:4], ("score", "output")]
    one, two = ('"1"', '"2"') if ranked else (1, 2)
    rules = [["R1", "< 12", "-", "-", "-", one], ["R2", "> 12", "-", "-", "-", two]]
    [gap] = of(load(tmp_path, rules, policy, glossary, columns).check(), "gap")
    assert (gap.severity, gap.region) == (severity, {"months": "12", "line": "-", "event": "-",
                                                     "receptor": "-"})


def test_a_default_answer_closes_every_gap(tmp_path: Path) -> None:
    model = load(tmp_path, COMPLETE[:-1])
    table = dataclasses.replace(model.tables["advice"], default=("stop",))
    model = dataclasses.replace(model, tables={"advice": table})
    findings = model.check()
    assert not of(findings, "gap")
    [note] = of(findings, "default")
    assert note.severity == "info" and "default answer" in note.message
    assert note.region == row(COMPLETE[-1])


def test_many_gaps_are_merged_into_few_regions(tmp_path: Path) -> None:
    # one rule for months < 12 and event = true: the rest is two regions, not many points
    rules = [["R1", "< 12", "-", "true", "-", '"a"']]
    gaps = of(load(tmp_path, rules).check(), "gap")
    assert [g.region for g in gaps] == [
        {"months": "< 12", "line": "-", "event": "false", "receptor": "-"},
        {"months": ">= 12", "line": "-", "event": "-", "receptor": "-"}]


# -- overlaps ------------------------------------------------------------------------------------
def test_copying_a_rule_with_another_answer_is_an_overlap(tmp_path: Path) -> None:
    for k, rule in enumerate(COMPLETE):
        copy = [f"{rule[0]}b", *rule[1:5], '"stop"' if rule[5] != '"stop"' else '"a"']
        model = load(tmp_path, [*COMPLETE, copy], name=f"copy{k}")
        findings = model.check()
        [overlap] = of(findings, "overlap")
        assert overlap.severity == "error"
        assert overlap.rules == (rule[0], copy[0])
        assert overlap.cells == (f"advice!A{4 + k}", f"advice!A{4 + len(COMPLETE)}")
        assert overlap.region == row(rule)
        with pytest.raises(ConflictingRules):
            model.evaluate(overlap.example or {})
        assert bad(findings) == [overlap]


def test_overlap_region_is_the_shared_part(tmp_path: Path) -> None:
    rules = [["R1", "<= 12", "-", "-", "-", '"a"'], ["R2", ">= 12", "-", "-", "-", '"b"']]
    [overlap] = of(load(tmp_path, rules).check(), "overlap")
    assert overlap.rules == ("R1", "R2")
    assert overlap.region == {"months": "12", "line": "-", "event": "-", "receptor": "-"}
    assert overlap.example == {"months": 12, "line": 1, "event": True, "receptor": "positive"}


def test_any_policy_tells_agreeing_from_disagreeing_overlaps(tmp_path: Path) -> None:
    rules = [["R1", "<= 12", "-", "-", "-", '"a"'], ["R2", ">= 12", "-", "-", "-", '"a"'],
             ["R3", "> 20", "-", "true", "-", '"b"']]
    findings = load(tmp_path, rules, "A").check()
    overlaps = [(f.rules, f.severity) for f in of(findings, "overlap")]
    assert overlaps == [(("R1", "R2"), "info"), (("R2", "R3"), "error")]


def test_a_group_of_overlapping_rules_is_one_finding(tmp_path: Path) -> None:
    rules = [[f"R{i}", f">= {i}", "-", "-", "-", '"a"'] for i in range(10)]
    findings = load(tmp_path, rules).check()
    [overlap] = of(findings, "overlap")
    assert overlap.rules == tuple(f"R{i}" for i in range(10))
    assert overlap.region is not None and overlap.region["months"] == ">= 9"


def test_heavy_overlaps_are_reported_as_groups_not_cells(tmp_path: Path) -> None:
    # 40 rules, each the range [i..i+60] of months and of line: every pair overlaps
    rules = [[f"R{i}", f"[{i}..{i + 60}]", f"[{i + 1}..{i + 61}]", "-", "-", '"a"']
             for i in range(40)]
    findings = load(tmp_path, rules).check()
    overlaps = of(findings, "overlap")
    pairs = {(a, b) for f in overlaps for a in f.rules for b in f.rules if a < b}
    assert len(pairs) == 40 * 39 // 2
    assert len(overlaps) == 1


def test_first_priority_and_collect_do_not_report_overlaps(tmp_path: Path) -> None:
    rules = [["R1", "<= 12", "-", "-", "-", '"a"'], ["R2", "-", "-", "-", "-", '"b"']]
    for policy in ("F", "P", "R", "O", "C"):
        assert not of(load(tmp_path, rules, policy, name=policy).check(), "overlap")


# -- unreachable, masked, redundant, mergeable ---------------------------------------------
def test_an_empty_range_is_unreachable(tmp_path: Path) -> None:
    rules = [*COMPLETE, ["R9", "[5..3]", "-", "-", "-", '"a"']]
    findings = load(tmp_path, rules).check()
    [f] = of(findings, "unreachable")
    assert (f.severity, f.rules, f.cells) == ("warning", ("R9",), ("advice!B12",))
    assert "[5..3]" in f.message and "no value at all" in f.message
    assert not of(findings, "overlap")


def test_a_range_outside_the_domain_is_unreachable(tmp_path: Path) -> None:
    rules = [*COMPLETE, ["R9", "< 0", "-", "-", "-", '"a"']]
    [f] = of(load(tmp_path, rules).check(), "unreachable")
    assert (f.rules, f.cells) == (("R9",), ("advice!B12",))
    assert ">= 0" in f.message


def test_a_value_no_upstream_decision_gives_is_unreachable(tmp_path: Path) -> None:
    glossary = [*GLOSSARY, ("stage", "string", '"early", "late", "unknown"', "Stadium")]
    stage = TableSpec("stage", "U", [("months", "input"), ("stage", "output")],
                      [["S1", "< 12", '"early"'], ["S2", ">= 12", '"late"']])
    rules = [["A1", '"early"', '"a"'], ["A2", '"late"', '"b"'], ["A3", '"unknown"', '"c"']]
    model = load(tmp_path, rules, glossary=glossary, extra=[stage],
                 columns=[("stage", "input"), ("advice", "output")])
    findings = model.check()
    [f] = of(findings, "unreachable")
    assert (f.severity, f.decision, f.rules, f.cells) == ("warning", "advice", ("A3",),
                                                          ("advice!B6",))
    assert "decision stage never answers so" in f.message
    assert not of(findings, "gap")  # "unknown" is not a gap: stage never gives it


def test_a_rule_only_for_unknown_values_is_a_note(tmp_path: Path) -> None:
    rules = [*COMPLETE, ["R9", "null", "-", "-", "-", '"a"']]
    [f] = of(load(tmp_path, rules).check(), "unreachable")
    assert (f.severity, f.rules) == ("info", ("R9",))


def test_first_masks_a_rule_behind_earlier_rules(tmp_path: Path) -> None:
    rules = [["R1", "< 12", "-", "-", "-", '"a"'], ["R2", ">= 12", "-", "-", "-", '"b"'],
             ["R3", "[5..20]", "-", "-", "-", '"c"'], ["R4", "-", "-", "-", "-", '"d"']]
    findings = load(tmp_path, rules, "F").check()
    masked = of(findings, "masked")
    # R4 ('-' everywhere) still decides when months is unknown (null): not masked
    assert [(f.severity, f.rules, f.cells) for f in masked] == [
        ("warning", ("R3", "R1", "R2"), ("advice!A6", "advice!A4", "advice!A5"))]
    assert not of(findings, "gap")


def test_priority_masks_lower_ranked_answers(tmp_path: Path) -> None:
    # "continue" ranks above "stop": it comes first in the glossary's list of allowed values
    rules = [["R1", "[0..10]", "-", "-", "-", '"stop"'], ["R2", "-", "-", "-", "-", '"continue"']]
    findings = load(tmp_path, rules, "P").check()
    assert [(f.rules, f.region) for f in of(findings, "masked")] == [
        (("R1", "R2"), {"months": "<= 10", "line": "-", "event": "-", "receptor": "-"})]


def test_rule_order_and_output_order_mask_nothing(tmp_path: Path) -> None:
    rules = [["R1", "-", "-", "-", "-", '"stop"'], ["R2", "[0..10]", "-", "-", "-", '"a"']]
    for policy in ("R", "O", "C"):
        assert not of(load(tmp_path, rules, policy, name=policy).check(), "masked")


def test_identical_rules_are_redundant(tmp_path: Path) -> None:
    rules = [*COMPLETE, ["R9", "[12..24]", "-", "false", "-", '"may_stop"']]
    findings = load(tmp_path, rules).check()
    [f] = of(findings, "redundant")
    assert (f.severity, f.rules, f.cells) == ("warning", ("R9", "R2"), ("advice!A12", "advice!A5"))
    assert "repeats rule R2" in f.message
    assert [g.rules for g in of(findings, "overlap")] == [("R2", "R9")]


def test_a_rule_inside_another_with_the_same_answer_is_redundant(tmp_path: Path) -> None:
    rules = [["R1", "-", "-", "-", "-", '"a"'], ["R2", "< 12", "1", "-", "-", '"a"']]
    findings = load(tmp_path, rules, "A").check()
    [f] = of(findings, "redundant")
    assert (f.rules, f.region) == (("R2", "R1"), {"months": "< 12", "line": "1", "event": "-",
                                                   "receptor": "-"})
    assert "R2 can be deleted" in f.message


def test_counting_policies_count_repeats_twice(tmp_path: Path) -> None:
    rules = [["R1", "-", "-", "-", "-", 1], ["R2", "< 12", "-", "-", "-", 1],
             ["R3", "< 12", "-", "-", "-", 1]]
    counted = [*GLOSSARY[:-1], ("advice", "integer", ">= 0", "Antall")]  # a count: an integer
    findings = load(tmp_path, rules, "C#", counted).check()
    assert [(f.rules, "counts twice" in f.message) for f in of(findings, "redundant")] == [
        (("R3", "R2"), True)]  # R2 inside R1 is not redundant: it adds one to the count


def test_first_keeps_a_contained_rule_when_a_rule_in_between_answers_otherwise(
        tmp_path: Path) -> None:
    rules = [["R1", "< 12", "-", "-", "-", '"a"'], ["R2", "< 24", "-", "-", "-", '"b"'],
             ["R3", "-", "-", "-", "-", '"a"']]
    assert not of(load(tmp_path, rules, "F").check(), "redundant")
    rules[1][5] = '"a"'
    found = of(load(tmp_path, rules, "F", name="same").check(), "redundant")
    assert [f.rules for f in found] == [("R1", "R2"), ("R2", "R3")]


def test_rules_differing_in_one_column_could_be_merged(tmp_path: Path) -> None:
    rules = [["R1", "< 12", "-", "-", '"positive"', '"a"'],
             ["R2", "< 12", "-", "-", '"negative"', '"a"'],
             ["R3", ">= 12", "-", "-", "-", '"b"']]
    findings = load(tmp_path, rules).check()
    [f] = of(findings, "mergeable")
    assert (f.severity, f.rules) == ("info", ("R1", "R2"))
    assert f.region == {"months": "< 12", "line": "-", "event": "-", "receptor": "-"}
    assert "Reseptorstatus = -" in f.message
    assert bad(findings) == []


# -- the workbook as a whole: loader problems, the decision graph ----------------------------
def test_a_corrupt_cell_is_an_error_naming_that_cell(tmp_path: Path) -> None:
    rules = [r[:] for r in COMPLETE]
    rules[3][2] = "[1..2"
    del rules[6]  # R7: a real gap, far from where R4 may apply
    findings = bad(load(tmp_path, rules).check())
    # one mistake, one message: R4 left out and the gap where it belongs are said at its cell
    assert [(f.kind, f.cells) for f in findings if f.kind != "gap"] == [("syntax", ("advice!C7",))]
    said = of(findings, "syntax")[0]
    assert said.rules == ("R4",) and "rule R4 is left out" in said.message
    assert "1 region(s) of cases that no rule answers are not listed" in said.message
    [gap] = of(findings, "gap")  # where R7 was: the check still covers the rest of the table
    assert gap.region == row(COMPLETE[6])


def test_a_value_outside_the_glossary_is_an_error_naming_that_cell(tmp_path: Path) -> None:
    rules = [r[:] for r in COMPLETE]
    rules[6][4] = '"negativ"'
    errors = [f for f in load(tmp_path, rules).check() if f.severity == "error"]
    assert ("advice!E10",) in [f.cells for f in errors]


def test_an_unknown_column_stops_the_analysis_with_the_cell(tmp_path: Path) -> None:
    columns = [("months", "input"), ("lines", "input"), ("advice", "output")]
    rules = [["R1", "-", "1", '"a"'], ["R2", "-", "2", '"b"']]
    findings = load(tmp_path, rules, columns=columns).check()
    assert [(f.kind, f.cells) for f in findings if f.severity == "error"] == [
        ("unknown", ("advice!C2",))]  # "decision advice is not checked" is said with it
    assert "decision advice is not checked" in of(findings, "unknown")[0].message
    assert not of(findings, "overlap")  # R1 and R2 differ in the unread column


def test_unused_glossary_variables_are_notes(tmp_path: Path) -> None:
    glossary = [*GLOSSARY, ("weight", "number", None, "Vekt")]
    findings = load(tmp_path, COMPLETE, glossary=glossary).check()
    [f] = of(findings, "graph")
    assert (f.severity, f.decision, f.cells) == ("info", None, ("Glossary!A7",))
    assert "weight" in f.message


def test_a_cycle_is_an_error(tmp_path: Path) -> None:
    glossary = [("x", "boolean", None), ("y", "boolean", None), ("z", "boolean", None)]
    a = TableSpec("a", "U", [("x", "input"), ("y", "input"), ("z", "output")],
                  [["1", "-", "-", "true"]])
    b = TableSpec("b", "U", [("z", "input"), ("y", "output")], [["1", "-", "true"]])
    spec = WorkbookSpec(glossary, [a, b])
    findings = engine.load(str(write(spec, tmp_path / "c.xlsx")), strict=False).check()
    assert [(f.kind, f.cells) for f in findings if f.severity == "error"] == [
        ("graph", ("a!B1", "b!B1"))]


def test_chained_tables_range_over_upstream_answers(tmp_path: Path) -> None:
    glossary = [*GLOSSARY, ("stage", "string", '"early", "late", "unknown"', "Stadium")]
    stage = TableSpec("stage", "U", [("months", "input"), ("stage", "output")],
                      [["S1", "< 12", '"early"'], ["S2", ">= 12", '"late"']])
    rules = [["A1", '"early"', "-", '"a"'], ["A2", '"late"', "true", '"b"']]
    columns = [("stage", "input"), ("event", "input"), ("advice", "output")]
    model = load(tmp_path, rules, glossary=glossary, extra=[stage], columns=columns)
    [gap] = of(model.check(), "gap")
    assert gap.region == {"stage": '"late"', "event": "false"}  # "unknown" is never given
    # the example is a whole case: the months behind stage "late", checked by evaluating it
    assert gap.example == {"months": 12, "event": False}
    assert model.evaluate({"months": 12}, "stage")["stage"] == "late"
    with pytest.raises(NoRuleMatched):
        model.evaluate(gap.example, "advice")


def test_to_dict_has_exactly_the_documented_keys(tmp_path: Path) -> None:
    findings = load(tmp_path, COMPLETE[1:]).check()
    d = findings[0].to_dict()
    assert list(d) == ["kind", "severity", "decision", "rules", "cells", "message", "example",
                       "region"]
    json.dumps([f.to_dict() for f in findings])


def test_nbcg_workbook_has_no_error_and_no_warning() -> None:
    findings = engine.load(str(NBCG)).check()
    assert bad(findings) == []


# -- the command -----------------------------------------------------------------------------------
def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_text_clean_and_failing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = WorkbookSpec(GLOSSARY, [TableSpec("advice", "U", COLUMNS, COMPLETE)])
    good = write(spec, tmp_path / "good.xlsx")
    code, out, err = run(capsys, str(good))
    assert code == 0 and err == "" and "OK" in out
    spec.tables[0].rules = COMPLETE[:2] + COMPLETE[3:]
    broken = write(spec, tmp_path / "broken.xlsx")
    code, out, _ = run(capsys, str(broken))
    assert code == 1
    assert "Decision advice [sheet advice]" in out
    assert "ERROR" in out and "advice!B1" in out
    assert "rule to add: Måneder på behandling (months): > 24;" in out  # labels, the region
    assert "example: months=25" in out
    assert "FAILED" in out


def test_cli_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = WorkbookSpec(GLOSSARY, [TableSpec("advice", "U", COLUMNS, COMPLETE[1:])])
    path = write(spec, tmp_path / "wb.xlsx")
    code, out, _ = run(capsys, str(path), "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["ok"] is False
    assert set(doc) == {"workbook", "ok", "language", "findings"}
    [gap] = [f for f in doc["findings"] if f["kind"] == "gap"]
    assert gap["region"] == row(COMPLETE[0]) and gap["severity"] == "error"


def test_cli_junit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = WorkbookSpec(GLOSSARY, [TableSpec("advice", "U", COLUMNS, COMPLETE[1:])])
    path = write(spec, tmp_path / "wb.xlsx")
    code, out, _ = run(capsys, str(path), "--format", "junit")
    suite = ET.fromstring(out)
    assert code == 1 and suite.tag == "testsuite" and suite.get("failures") == "1"
    failed = [c for c in suite if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["decision advice"]
    assert "advice!B1" in (failed[0].find("failure").text or "")  # type: ignore[union-attr]


def test_cli_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_text("not a workbook", encoding="utf-8")
    for path in (junk, tmp_path / "missing.xlsx"):
        code, out, err = run(capsys, str(path))
        assert code == 2 and out == "" and "error:" in err and "Traceback" not in err


def test_cli_nbcg_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    for fmt in ("text", "json", "junit"):
        code, _, _ = run(capsys, str(NBCG), "--format", fmt)
        assert code == 0


def test_very_many_overlaps_end_with_a_count(tmp_path: Path) -> None:
    # 250 values of line, each with two rules: 250 separate overlaps, 200 are listed
    rules = [[f"R{i}{c}", "-", str(i), "-", "-", '"a"'] for i in range(1, 251) for c in "ab"]
    rules.append(["R0", "-", ">= 251", "-", "-", '"a"'])
    overlaps = of(load(tmp_path, rules).check(), "overlap")
    assert len(overlaps) == 201
    assert overlaps[0].rules == ("R1a", "R1b")
    assert overlaps[-1].rules == () and overlaps[-1].severity == "error"
    assert "50 more pairs" in overlaps[-1].message


def test_a_masked_upstream_rule_gives_no_value_downstream(tmp_path: Path) -> None:
    glossary = [*GLOSSARY, ("stage", "string", '"early", "late"', "Stadium")]
    stage = TableSpec("stage", "F", [("months", "input"), ("stage", "output")],
                      [["S1", "-", '"early"'], ["S2", "< 12", '"late"']])  # S2 never decides
    rules = [["A1", '"early"', '"a"'], ["A2", '"late"', '"b"']]
    findings = load(tmp_path, rules, glossary=glossary, extra=[stage],
                    columns=[("stage", "input"), ("advice", "output")]).check()
    assert [(f.kind, f.decision, f.rules) for f in bad(findings)] == [
        ("masked", "stage", ("S2", "S1")), ("unreachable", "advice", ("A2",))]


def test_a_table_without_inputs(tmp_path: Path) -> None:
    columns = [("advice", "output")]
    findings = load(tmp_path, [["R1", '"a"'], ["R2", '"b"']], columns=columns).check()
    [overlap] = of(findings, "overlap")
    assert (overlap.rules, overlap.region, overlap.example) == (("R1", "R2"), {}, {})
    assert "match every case" in overlap.message
    [gap] = of(load(tmp_path, [], columns=columns, name="empty").check(), "gap")
    assert (gap.severity, gap.region) == ("error", {})


def test_a_search_that_runs_out_of_steps_says_so(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.verify.graph_check
    import engine.verify.rule_checks

    monkeypatch.setattr(engine.verify.graph_check, "MAX_STEPS", 3)
    monkeypatch.setattr(engine.verify.rule_checks, "MASK_STEPS", 3)
    findings = load(tmp_path, COMPLETE).check()
    # a Unique table not proven complete fails the check: CI must not pass an unproven table
    assert [(f.kind, f.severity) for f in bad(findings)] == [("not_analysed", "error")]
    assert "stopped after" in bad(findings)[0].message
    rules = [*COMPLETE, ["R9", "-", "-", "-", "-", '"a"']]  # masked, if it could be shown
    findings = load(tmp_path, rules, "F", name="first").check()
    assert [f.rules for f in of(findings, "not_analysed")] == [("R9",)]  # gaps: R9 covers all
    assert not of(findings, "masked")


def test_an_answer_given_only_for_null_still_reaches_the_next_table(tmp_path: Path) -> None:
    """mid answers "c" only when x is unknown (which the glossary allows); out must handle "c"
    or the check says so."""
    from workbooks_v2 import Workbook2, write2

    spec = Workbook2(
        glossary=[("x", "integer", ">= 0", "", "yes"), ("mid", "string", '"a", "b", "c"'),
                  ("res", "string", '"yes", "no"')],
        tables=[TableSpec("mid", "U", [("x", "input"), ("mid", "output")],
                          [["M1", "< 5", "a"], ["M2", ">= 5", "b"], ["M3", "null", "c"]]),
                TableSpec("out", "U", [("mid", "input"), ("res", "output")],
                          [["O1", "a", "yes"], ["O2", "b", "no"]])])
    model = engine.load(str(write2(spec, tmp_path / "n.xlsx")), strict=False)
    gaps = [f for f in model.check() if f.kind == "gap" and f.decision == "out"]
    assert [(f.severity, f.region) for f in gaps] == [("error", {"mid": '"c"'})]
    with pytest.raises(engine.NoRuleMatched):
        model.evaluate({"x": None}, "out")
