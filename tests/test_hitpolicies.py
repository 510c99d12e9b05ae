"""Every DMN hit policy and the decision graph, against answers worked out by hand.

The example workbooks come from `build_examples.py` (their Tests sheets carry the reasoning);
the direct `evaluate` asserts below add the edge cases a test sheet cannot express: errors,
empty answers, traces, and variants of the examples with one rule or one ordering changed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from build_examples import (
    EXAMPLES,
    any_,
    chain,
    collect,
    collect_count,
    first,
    output_order,
    priority,
    rule_order,
    unique,
)
from workbooks import TableSpec, WorkbookSpec, write

import engine
from engine.verify.testing import run_tests


def _variant(spec: WorkbookSpec, path: Path) -> engine.Model:
    return engine.load(str(write(spec, path)))


# -- the Tests sheets ---------------------------------------------------------------------
@pytest.mark.parametrize("key", list(EXAMPLES))
def test_example_workbook_passes_its_own_tests(examples: dict[str, Path], key: str) -> None:
    model = engine.load(str(examples[key]))
    assert model.errors == []
    outcomes = run_tests(model)
    expected_cases = len(EXAMPLES[key][1]().tests.rows)  # type: ignore[union-attr]
    assert len(outcomes) == expected_cases > 0
    failing = {o.case.id: (o.failures, o.error) for o in outcomes if not o.ok}
    assert failing == {}


def test_a_wrong_expectation_is_reported(tmp_path: Path) -> None:
    """Guards the test above: the test sheet really is compared with the engine's answers."""
    spec = unique()
    assert spec.tests is not None
    spec.tests.rows[0][3] = "high"  # hand-worked answer is "low"
    spec.tests.rows[1][3] = '"low"'  # hand-worked answer is "medium"
    outcomes = run_tests(_variant(spec, tmp_path / "wrong.xlsx"))
    bad = {o.case.id: o.failures for o in outcomes if not o.ok}
    assert bad == {"t1": [("risk", "high", "low")], "t2": [("risk", "low", "medium")]}


# -- U -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("age", "smoker", "risk", "rule"), [
    (0, False, "low", "U1"),
    (39, True, "medium", "U2"),
    (40, True, "medium", "U3"),
    (64, False, "medium", "U3"),
    (65, True, "high", "U4"),
    (120, None, "high", "U4"),
])
def test_unique(examples: dict[str, Path], age: int, smoker: bool | None, risk: str,
                rule: str) -> None:
    result = engine.load(str(examples["U"])).evaluate({"age": age, "smoker": smoker})
    assert result["risk"] == risk
    assert result.rules == (rule,)
    assert result.decision == "risk"


def test_unique_conflict_even_when_the_answers_agree(tmp_path: Path) -> None:
    spec = unique()
    spec.tables[0].rules.append(["U5", ">= 60", True, '"high"', "S4"])
    model = _variant(spec, tmp_path / "u.xlsx")
    with pytest.raises(engine.ConflictingRules) as err:  # U3 "medium" and U5 "high"
        model.evaluate({"age": 62, "smoker": True})
    assert err.value.decision == "risk"
    assert "U3" in str(err.value) and "U5" in str(err.value)
    with pytest.raises(engine.ConflictingRules):  # U4 and U5 both say "high": still two hits
        model.evaluate({"age": 70, "smoker": True})
    assert model.evaluate({"age": 62, "smoker": False})["risk"] == "medium"  # U3 alone


def test_single_hit_without_match_names_decision_and_inputs(examples: dict[str, Path]) -> None:
    model = engine.load(str(examples["U"]))
    with pytest.raises(engine.NoRuleMatched) as err:  # U1/U2 need a known smoker status
        model.evaluate({"age": 30, "smoker": None})
    assert isinstance(err.value, engine.CaseError)
    assert err.value.decision == "risk"
    assert err.value.inputs == ("age", "smoker")
    assert "risk" in str(err.value) and "age=30" in str(err.value)
    assert "smoker=null" in str(err.value)


def test_explain_names_rule_cells_conditions_and_sources(examples: dict[str, Path]) -> None:
    text = engine.load(str(examples["U"])).evaluate({"age": 50, "smoker": False}).explain()
    assert "rule U3 (risk!A6)" in text
    assert "[40..65)" in text and "risk!B6" in text
    assert "sources: S2" in text


# -- A -------------------------------------------------------------------------------------
def test_any_agreeing_matches(examples: dict[str, Path]) -> None:
    model = engine.load(str(examples["A"]))
    result = model.evaluate({"symptom_score": 8, "red_flag": True})  # A1 and A2: both true
    assert result["referral"] is True
    assert set(result.rules) <= {"A1", "A2"} and result.rules
    assert result.trace[0].matched == ("A1", "A2")
    assert model.evaluate({"symptom_score": 6.99, "red_flag": False})["referral"] is False
    with pytest.raises(engine.NoRuleMatched):  # null score: A1, A3 need a number, A2 a flag
        model.evaluate({"symptom_score": None, "red_flag": False})


def test_any_disagreeing_matches_conflict(tmp_path: Path) -> None:
    spec = any_()
    spec.tables[0].rules.append(["A4", "[5..8]", "-", False])
    model = _variant(spec, tmp_path / "a.xlsx")
    with pytest.raises(engine.ConflictingRules) as err:  # A1 true, A4 false
        model.evaluate({"symptom_score": 7.5, "red_flag": False})
    assert err.value.decision == "referral"
    assert model.evaluate({"symptom_score": 6, "red_flag": False})["referral"] is False  # A3=A4
    assert model.evaluate({"symptom_score": 8.5, "red_flag": False})["referral"] is True  # A1


# -- P -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("severity", "pain", "answer", "rule"), [
    (9, True, ("refer", "urgent", 1), "P4"),  # action ties P3/P4/P5, urgency decides
    (8, False, ("refer", "routine", 2), "P3"),
    (3, True, ("treat", "routine", 4), "P2"),
    (0, False, ("observe", "routine", 12), "P1"),
    (10, False, ("refer", "routine", 2), "P3"),  # P3 = P5 on every ranked output: rule order
])
def test_priority(examples: dict[str, Path], severity: int, pain: bool,
                  answer: tuple[str, str, int], rule: str) -> None:
    result = engine.load(str(examples["P"])).evaluate({"severity": severity, "pain": pain})
    assert (result["action"], result["urgency"], result["follow_up_weeks"]) == answer
    assert result.rules == (rule,)


def test_priority_follows_the_allowed_values_order(tmp_path: Path) -> None:
    """Reversing the action list reverses the choice: observe now outranks refer and treat."""
    spec = priority()
    spec.glossary[2] = ("action", "string", '"observe", "treat", "refer"', "Tiltak")
    model = _variant(spec, tmp_path / "p.xlsx")
    result = model.evaluate({"severity": 9, "pain": True})  # P1 matches every case
    assert (result["action"], result.rules) == ("observe", ("P1",))


def test_priority_from_the_second_output_when_the_first_has_no_list(tmp_path: Path) -> None:
    """An output without listed values takes no part; a ranked one after it still decides."""
    spec = priority()
    spec.glossary[2] = ("action", "string", None, "Tiltak")  # free text: no priority
    spec.tests = None
    model = _variant(spec, tmp_path / "p2.xlsx")
    # all five match; only urgency ranks: P4 (urgent) beats the routine rules
    assert model.evaluate({"severity": 9, "pain": True})["action"] == "refer"
    assert model.evaluate({"severity": 9, "pain": True}).rules == ("P4",)
    # P1, P2: both routine, a tie on every ranked output: the first in rule order, P1
    assert model.evaluate({"severity": 3, "pain": True}).rules == ("P1",)


# -- F -------------------------------------------------------------------------------------
def test_first_in_rule_order(examples: dict[str, Path], tmp_path: Path) -> None:
    model = engine.load(str(examples["F"]))
    result = model.evaluate({"age": 55, "family_history": True})
    assert (result["interval_years"], result.rules) == (1, ("F1",))
    assert result.trace[0].matched == ("F1", "F2", "F3", "F4")
    assert model.evaluate({"age": 49, "family_history": False}).rules == ("F3",)
    spec = first()
    spec.tables[0].rules.reverse()  # the catch-all F4 first: it now answers every case
    spec.tests = None
    reversed_model = _variant(spec, tmp_path / "f.xlsx")
    assert reversed_model.evaluate({"age": 55, "family_history": True})["interval_years"] == 5


# -- R, O, C -------------------------------------------------------------------------------
def test_rule_order(examples: dict[str, Path]) -> None:
    model = engine.load(str(examples["R"]))
    result = model.evaluate({"smoker": True, "bmi": 31, "age": 70})
    assert result["advice"] == ["stop_smoking", "diet", "exercise", "vaccinate"]
    assert result.rules == ("R1", "R2", "R3", "R4")
    empty = model.evaluate({"smoker": False, "bmi": 22, "age": 40})
    assert (empty["advice"], empty.rules) == ([], ())


def test_output_order_is_priority_then_rule_order(examples: dict[str, Path]) -> None:
    model = engine.load(str(examples["O"]))
    result = model.evaluate({"smoker": True, "bmi": 31, "age": 85})
    assert result["advice"] == ["vaccinate", "vaccinate", "stop_smoking", "exercise", "diet"]
    assert result["code"] == [4, 5, 1, 3, 2]  # O4 before O5: equal priority keeps rule order
    assert result.rules == ("O4", "O5", "O1", "O3", "O2")
    empty = model.evaluate({"smoker": False, "bmi": 20, "age": 30})
    assert (empty["advice"], empty["code"]) == ([], [])


def test_output_order_with_rules_swapped_stays_stable(tmp_path: Path) -> None:
    spec = output_order()
    rules = spec.tables[0].rules
    rules[3], rules[4] = rules[4], rules[3]  # O5 now before O4
    spec.tests = None
    model = _variant(spec, tmp_path / "o.xlsx")
    assert model.evaluate({"smoker": False, "bmi": 20, "age": 85})["code"] == [5, 4]


def test_collect(examples: dict[str, Path]) -> None:
    model = engine.load(str(examples["C"]))
    result = model.evaluate({"diabetic": True, "age": 60, "last_test": dt.date(2025, 6, 1)})
    assert sorted(result["lab_test"]) == ["hba1c", "lipids", "lipids"]  # duplicates kept
    assert set(result.rules) == {"C1", "C2", "C3"}
    by_text = model.evaluate({"diabetic": False, "age": 40, "last_test": "2024-12-31"})
    assert by_text["lab_test"] == ["full_panel"]  # an ISO date string is read as a date
    none = model.evaluate({"diabetic": False, "age": 40, "last_test": dt.date(2025, 6, 1)})
    assert none["lab_test"] == []


def test_empty_list_expectation_is_checked(tmp_path: Path) -> None:
    spec = rule_order()
    assert spec.tests is not None
    spec.tests.rows = [["e1", False, 22, 40, "[]"],  # nothing matches: right
                       ["e2", False, 27, 40, "[]"],  # R3 matches: wrong
                       ["e3", False, 27, 40, '["exercise"]']]
    outcomes = run_tests(_variant(spec, tmp_path / "r.xlsx"))
    assert [(o.case.id, o.failures) for o in outcomes] == [
        ("e1", []), ("e2", [("advice", [], ["exercise"])]), ("e3", [])]


def test_collect_test_sheet_compares_as_multiset(tmp_path: Path) -> None:
    spec = collect()
    assert spec.tests is not None
    spec.tests.rows = [["m1", True, 60, dt.date(2025, 6, 1), '"hba1c", "lipids"'],  # one short
                       ["m2", True, 60, dt.date(2025, 6, 1), '"lipids", "lipids", "hba1c"']]
    outcomes = run_tests(_variant(spec, tmp_path / "c.xlsx"))
    assert [o.ok for o in outcomes] == [False, True]


# -- aggregations -------------------------------------------------------------------------
@pytest.mark.parametrize(("key", "case", "answer"), [
    ("C+", {"age": 65, "smoker": True, "sbp": 150}, 6.5),
    ("C+", {"age": 40, "smoker": True, "sbp": 139}, 3),
    ("C+", {"age": 40, "smoker": False, "sbp": 120}, None),
    ("C#", {"age": 65, "smoker": True, "sbp": 150}, 3),
    ("C#", {"age": 65, "smoker": None, "sbp": None}, 1),
    ("C#", {"age": 40, "smoker": False, "sbp": 120}, 0),
    ("C<", {"hba1c": 9, "egfr": 30}, 4),
    ("C<", {"hba1c": 7.2, "egfr": 44.9}, 8),
    ("C<", {"hba1c": 6, "egfr": 90}, None),
    ("C>", {"weight": 90, "age": 80}, 1500),
    ("C>", {"weight": 40, "age": 80}, 750),
    ("C>", {"weight": None, "age": 30}, None),
])
def test_aggregations(examples: dict[str, Path], key: str, case: dict[str, object],
                      answer: float | None) -> None:
    result = engine.load(str(examples[key])).evaluate(case)
    value = next(iter(result.outputs.values()))
    assert value == answer and (answer is not None or value is None)
    assert not isinstance(value, list)


def test_count_of_nothing_is_zero_not_null(examples: dict[str, Path]) -> None:
    result = engine.load(str(examples["C#"])).evaluate({"age": 1, "smoker": False, "sbp": 60})
    assert result["points"] == 0 and result["points"] is not None
    assert result.rules == ()


def test_count_counts_every_match_even_a_null_output(tmp_path: Path) -> None:
    """C# is FEEL count() of the collected list, and count([null]) is 1."""
    spec = collect_count()
    spec.tables[0].rules.append(["N4", ">= 100", "-", "-", "null"])
    spec.tests = None
    model = _variant(spec, tmp_path / "count.xlsx")
    assert model.evaluate({"age": 100, "smoker": True, "sbp": 150})["points"] == 4


# -- the decision graph -------------------------------------------------------------------
def test_chain_evaluates_each_required_decision_once_in_order(
        examples: dict[str, Path]) -> None:
    model = engine.load(str(examples["chain"]))
    assert list(model.tables)[:3] == ["ckd_stage", "risk_group", "follow_up"]
    result = model.evaluate({"egfr": 45, "diabetic": True, "age": 72}, "referral")
    # moderate -> G2 high -> M1 3 months -> not severe and <= 3: R2
    assert [s.decision for s in result.trace] == ["ckd_stage", "risk_group", "follow_up",
                                                  "referral"]
    assert [s.outputs for s in result.trace] == [
        {"ckd_stage": "moderate"}, {"risk_group": "high"}, {"follow_up": 3}, {"referral": True}]
    assert result.rules == ("R2",)
    assert result.outputs == {"referral": True}
    # statin needs risk_group but not follow_up: follow_up is not evaluated at all
    statin = model.evaluate({"egfr": 45, "diabetic": True, "age": 72}, "statin")
    assert [s.decision for s in statin.trace] == ["ckd_stage", "risk_group", "statin"]


def test_chain_needs_only_the_inputs_of_the_asked_decision(examples: dict[str, Path]) -> None:
    model = engine.load(str(examples["chain"]))
    assert model.evaluate({"egfr": 95, "diabetic": False}, "risk_group")["risk_group"] == "low"
    with pytest.raises(engine.MissingInput) as err:
        model.evaluate({"egfr": 95, "diabetic": False}, "referral")
    assert err.value.inputs == ("age",) and "age" in str(err.value)


def test_chain_errors(examples: dict[str, Path]) -> None:
    model = engine.load(str(examples["chain"]))
    with pytest.raises(engine.CaseError) as err:  # two final decisions
        model.evaluate({"egfr": 45, "diabetic": True, "age": 72})
    assert "referral" in str(err.value) and "statin" in str(err.value)
    with pytest.raises(engine.NoRuleMatched) as nomatch:  # the failure is upstream
        model.evaluate({"egfr": None, "diabetic": True, "age": 72}, "referral")
    assert nomatch.value.decision == "ckd_stage" and nomatch.value.inputs == ("egfr",)
    with pytest.raises(engine.InvalidInput):  # a decided value is not a case input
        model.evaluate({"egfr": 45, "diabetic": True, "age": 72, "ckd_stage": "severe"},
                       "referral")
    with pytest.raises(engine.CaseError, match="statin"):
        model.evaluate({"egfr": 45, "diabetic": True, "age": 72}, "statins")


def test_cycle_is_a_load_error(tmp_path: Path) -> None:
    spec = WorkbookSpec(
        glossary=[("a", "boolean", None), ("x", "boolean", None), ("y", "boolean", None)],
        tables=[TableSpec("x", "U", [("a", "input"), ("y", "input"), ("x", "output")],
                          [["1", "-", "-", True]]),
                TableSpec("y", "U", [("x", "input"), ("y", "output")], [["1", "-", False]])])
    path = write(spec, tmp_path / "cycle.xlsx")
    with pytest.raises(engine.WorkbookInvalid) as err:
        engine.load(str(path))
    graph = [f for f in err.value.findings if f.kind == "graph"]
    assert len(graph) == 1 and graph[0].severity == "error"
    assert set(graph[0].cells) == {"x!B1", "y!B1"}


def test_list_output_cannot_feed_another_table(tmp_path: Path) -> None:
    spec = chain()
    spec.tables[0].policy = "C"  # ckd_stage now a list: risk_group cannot read it
    with pytest.raises(engine.WorkbookInvalid) as err:
        engine.load(str(write(spec, tmp_path / "list.xlsx")))
    assert ("graph", ("Risk!B2",)) in {(f.kind, f.cells) for f in err.value.findings}
