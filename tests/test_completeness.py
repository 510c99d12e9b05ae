"""The exact promise of `check`: every allowed case gets exactly one answer — across chained
decisions, over unknown values the glossary allows, outside impossible combinations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from workbooks import TableSpec, TestSpec, WorkbookSpec, write
from workbooks_v2 import Workbook2, band_advice, write2

import engine
from engine.core.errors import ConflictingRules, InvalidInput, NoRuleMatched


def load(spec: Workbook2, tmp_path: Path, strict: bool = True) -> Any:
    return engine.load(str(write2(spec, tmp_path / "wb.xlsx")), strict=strict)


def errors(model: Any) -> list[Any]:
    return [f for f in model.check() if f.severity == "error"]


# -- chained decisions -----------------------------------------------------------------------
def test_band_and_advice_check_clean(tmp_path: Path) -> None:
    model = load(band_advice([["1", '"low"', "< 5", '"a"'], ["2", '"high"', ">= 5", '"b"']]),
                 tmp_path)
    assert errors(model) == []
    assert model.evaluate({"x": 7}, "advice")["advice"] == "b"


def test_a_real_gap_downstream_is_one_gap_with_a_whole_case(tmp_path: Path) -> None:
    model = load(band_advice([["1", '"low"', "< 3", '"a"'], ["2", '"high"', "-", '"b"']]),
                 tmp_path)
    found = errors(model)
    assert [(f.kind, f.decision) for f in found] == [("gap", "advice")]
    gap = found[0]
    assert gap.example in ({"x": 3}, {"x": 4})
    assert gap.region == {"band": '"low"', "x": "[3..4]"}
    with pytest.raises(NoRuleMatched) as err:
        model.evaluate(gap.example, "advice")
    assert err.value.decision == "advice"


def test_a_gap_upstream_is_reported_there_once(tmp_path: Path) -> None:
    spec = band_advice([["1", '"low"', "-", '"a"'], ["2", '"high"', "-", '"b"']])
    spec.tables[0].rules = [["1", "< 5", '"low"'], ["2", "> 5", '"high"']]  # x = 5: no band
    model = load(spec, tmp_path)
    found = errors(model)
    assert [(f.kind, f.decision, f.example) for f in found] == [("gap", "band", {"x": 5})]


def test_overlap_examples_really_conflict(tmp_path: Path) -> None:
    model = load(band_advice([["1", '"low"', "< 5", '"a"'], ["2", "-", ">= 3", '"b"'],
                              ["3", '"high"', "-", '"b"']]), tmp_path)
    found = [f for f in errors(model) if f.kind == "overlap"]
    assert {f.rules for f in found} == {("1", "2"), ("2", "3")}
    for f in found:
        with pytest.raises(ConflictingRules):
            model.evaluate(f.example, "advice")
    low = next(f for f in found if f.rules == ("1", "2"))
    assert low.region == {"band": '"low"', "x": "[3..4]"}


def test_rule_for_impossible_answer_combination_is_unreachable(tmp_path: Path) -> None:
    model = load(band_advice([["1", '"low"', "< 5", '"a"'], ["2", '"high"', ">= 5", '"b"'],
                              ["3", '"high"', "< 2", '"a"']]), tmp_path)
    found = model.check()
    assert errors(model) == []
    assert [(f.kind, f.rules) for f in found if f.kind == "unreachable"] == [("unreachable",
                                                                             ("3",))]


# -- unknown values ---------------------------------------------------------------------------
def unknown_spec(unknown: str, rules: list[list[Any]]) -> Workbook2:
    return Workbook2(
        glossary=[("x", "boolean", None, "", unknown), ("y", "boolean"),
                  ("z", "string", '"p", "q"')],
        tables=[TableSpec("t", "U", [("x", "input"), ("y", "input"), ("z", "output")], rules)])


def test_an_unknown_value_the_glossary_allows_must_be_answered(tmp_path: Path) -> None:
    model = load(unknown_spec("yes", [["1", "true", "-", '"p"'], ["2", "false", "-", '"q"']]),
                 tmp_path)
    found = errors(model)
    assert [(f.kind, f.region) for f in found] == [("gap", {"x": "null", "y": "-"})]
    assert found[0].example is not None and found[0].example["x"] is None
    with pytest.raises(NoRuleMatched):
        model.evaluate(found[0].example)


def test_a_null_rule_closes_the_unknown_gap(tmp_path: Path) -> None:
    model = load(unknown_spec("ja", [["1", "true", "-", '"p"'], ["2", "false, null", "-", '"q"']]),
                 tmp_path)
    assert errors(model) == []
    assert model.evaluate({"x": None, "y": True})["z"] == "q"


def test_null_is_refused_where_the_glossary_requires_a_value(tmp_path: Path) -> None:
    model = load(unknown_spec("", [["1", "true", "-", '"p"'], ["2", "false", "-", '"q"']]),
                 tmp_path)
    assert errors(model) == []
    with pytest.raises(InvalidInput) as err:
        model.evaluate({"x": None, "y": True})
    assert err.value.inputs == ("x",) and "known" in str(err.value)
    with pytest.raises(InvalidInput) as err:
        model.evaluate({"x": True, "y": None})
    assert err.value.inputs == ("y",)
    frame = model.evaluate_frame(pd.DataFrame({"x": [True, None], "y": [False, True]}))
    assert frame["z"].iloc[0] == "p" and pd.isna(frame["z"].iloc[1])
    assert "x" in frame["error"].iloc[1] and "known" in frame["error"].iloc[1]


def test_a_null_only_rule_on_a_required_variable_never_applies(tmp_path: Path) -> None:
    model = load(unknown_spec("no", [["1", "true", "-", '"p"'], ["2", "false", "-", '"q"'],
                                     ["3", "null", "-", '"q"']]), tmp_path)
    found = model.check()
    assert [(f.kind, f.severity) for f in found if f.rules == ("3",)] == [
        ("unreachable", "warning")]


@pytest.mark.parametrize("word", ["maybe", "2"])
def test_an_unreadable_unknown_allowed_cell_is_located(tmp_path: Path, word: str) -> None:
    model = load(unknown_spec(word, [["1", "-", "-", '"p"']]), tmp_path, strict=False)
    assert [(f.kind, f.cells) for f in model.errors] == [("syntax", ("Glossary!E2",))]


# -- constraints ------------------------------------------------------------------------------
def therapy_spec(language: str = "en") -> Workbook2:
    return Workbook2(
        glossary=[("therapy", "string", '"chemo", "endocrine"', "Behandling"),
                  ("line", "integer", ">= 1", "Linje", "yes"),
                  ("advice", "string", '"observe", "skip", "n/a"')],
        tables=[TableSpec("advice", "U", [("therapy", "input"), ("line", "input"),
                                          ("advice", "output")],
                          [["1", '"chemo"', "1", '"observe"'], ["2", '"chemo"', ">= 2", '"skip"'],
                           ["3", '"chemo"', "null", '"observe"'],
                           ["4", '"endocrine"', "null", '"n/a"']])],
        constraint_columns=["therapy", "Linje"],
        constraints=[["C1", '"endocrine"', "not(null)",
                      "a chemotherapy line means nothing on endocrine therapy"]],
        language=language)


@pytest.mark.parametrize("language", ["en", "no"])
def test_constraints_remove_impossible_cases_from_the_check(tmp_path: Path,
                                                            language: str) -> None:
    model = load(therapy_spec(language), tmp_path)
    assert errors(model) == []
    without = therapy_spec(language)
    without.constraints = []
    gaps = [f for f in errors(load(without, tmp_path)) if f.kind == "gap"]
    assert [f.region for f in gaps] == [{"therapy": '"endocrine"', "line": "not(null)"}]


def test_evaluate_refuses_a_case_inside_a_constraint(tmp_path: Path) -> None:
    model = load(therapy_spec(), tmp_path)
    with pytest.raises(InvalidInput) as err:
        model.evaluate({"therapy": "endocrine", "line": 2})
    assert "C1" in str(err.value) and "means nothing on endocrine" in str(err.value)
    assert set(err.value.inputs) == {"therapy", "line"}
    frame = model.evaluate_frame(pd.DataFrame({"therapy": ["endocrine", "chemo"], "line": [2, 2]}))
    assert "C1" in frame["error"].iloc[0] and frame["advice"].iloc[1] == "skip"


def test_a_rule_answering_only_impossible_cases_is_reported(tmp_path: Path) -> None:
    spec = therapy_spec()
    spec.tables[0].rules.append(["5", '"endocrine"', ">= 3", '"skip"'])
    found = load(spec, tmp_path).check()
    hit = [f for f in found if f.rules == ("5",)]
    assert [(f.kind, f.severity) for f in hit] == [("unreachable", "warning")]
    assert "C1" in hit[0].message


def test_test_cases_are_refused_inside_constraints_and_for_nulls(tmp_path: Path) -> None:
    spec = therapy_spec()
    spec.tests = TestSpec([("therapy", "input"), ("line", "input"), ("advice", "expected")],
                          [["T1", '"endocrine"', 3, '"n/a"'], ["T2", None, 1, '"observe"'],
                           ["T3", '"chemo"', 1, '"observe"']])
    from engine.verify.testing import run_tests

    outcomes = run_tests(load(spec, tmp_path))
    assert [o.ok for o in outcomes] == [False, False, True]
    assert "C1" in (outcomes[0].error or "")
    assert "therapy" in (outcomes[1].error or "") and "known" in (outcomes[1].error or "")


@pytest.mark.parametrize("cells, kind, where", [
    (['"endocrine"', "[1..", "x"], "syntax", "Constraints!C2"),
    (['"endocrin"', "-", "x"], "domain", "Constraints!B2"),
    (["-", "-", "x"], "structure", "Constraints!A2"),
    ([None, "1", "x"], "empty", "Constraints!B2"),
])
def test_bad_constraint_cells_are_located(tmp_path: Path, cells: list[Any], kind: str,
                                          where: str) -> None:
    spec = therapy_spec()
    spec.constraints = [["C1", *cells]]
    model = load(spec, tmp_path, strict=False)
    assert [(f.kind, f.cells) for f in model.errors] == [(kind, (where,))]


def test_a_constraint_naming_a_decided_variable_is_refused(tmp_path: Path) -> None:
    spec = therapy_spec()
    spec.constraint_columns = ["therapy", "advice"]
    spec.constraints = [["C1", '"chemo"', '"skip"', "x"]]
    model = load(spec, tmp_path, strict=False)
    assert [(f.kind, f.cells) for f in model.errors] == [("structure", ("Constraints!C1",))]


# -- a v1 glossary (no Unknown-allowed column): the check proves known values only ------------
def v1_chain(advice_rules: list[list[Any]]) -> WorkbookSpec:
    """`kind` reads x and answers "unknown" only for null x; `advice` reads kind."""
    return WorkbookSpec(
        glossary=[("x", "boolean"), ("kind", "string", '"yes", "no", "unknown"'),
                  ("advice", "string", '"a", "b"')],
        tables=[TableSpec("kind", "U", [("x", "input"), ("kind", "output")],
                          [["K1", "true", '"yes"'], ["K2", "false", '"no"'],
                           ["K3", "null", '"unknown"']]),
                TableSpec("advice", "U", [("kind", "input"), ("advice", "output")],
                          advice_rules)])


def test_a_rule_reached_only_through_null_upstream_is_a_note_in_v1(tmp_path: Path) -> None:
    # A3 fires for x = null (evaluation accepts null in v1), yet known values never reach it
    model = engine.load(str(write(v1_chain([["A1", '"yes"', '"a"'], ["A2", '"no"', '"b"'],
                                            ["A3", '"unknown"', '"b"']]), tmp_path / "a.xlsx")))
    assert model.evaluate({"x": None})["advice"] == "b"
    found = [(f.kind, f.severity, f.rules) for f in model.check() if f.kind == "unreachable"]
    assert found == [("unreachable", "info", ("K3",)), ("unreachable", "info", ("A3",))]


def test_a_rule_no_case_reaches_is_still_a_warning_in_v1(tmp_path: Path) -> None:
    spec = v1_chain([])
    spec.tables[1] = TableSpec("advice", "U", [("kind", "input"), ("x", "input"),
                                               ("advice", "output")],
                               [["A1", '"yes"', "-", '"a"'], ["A2", '"no", "unknown"', "-", '"b"'],
                                ["A3", '"yes"', "false", '"b"']])  # kind yes means x is true
    model = engine.load(str(write(spec, tmp_path / "b.xlsx")))
    found = [(f.kind, f.severity, f.rules) for f in model.check() if f.kind == "unreachable"]
    assert found == [("unreachable", "info", ("K3",)), ("unreachable", "warning", ("A3",))]
