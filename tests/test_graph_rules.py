"""Masked and redundant rules across the decision graph (issue 24: they were judged table by
table only): a rule that never decides, or can be deleted, once the decisions it reads and
the constraints are followed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbooks import TableSpec
from workbooks_v2 import Workbook2, band_advice, write2

import engine


def load(spec: Workbook2, tmp_path: Path) -> Any:
    return engine.load(str(write2(spec, tmp_path / "wb.xlsx")))


def advice(policy: str, rules: list[list[Any]]) -> Workbook2:
    """band is "high" exactly when x >= 5; advice reads band and x."""
    spec = band_advice(rules)
    spec.tables[1].policy = policy
    return spec


def test_a_rule_the_decision_it_reads_always_shadows_never_decides(tmp_path: Path) -> None:
    # under F, rule 2 (x >= 5) comes after rule 1 (band = "high"): the table alone would let
    # it decide for band "low" and x >= 5, but no case gives that
    model = load(advice("F", [["1", '"high"', "-", '"a"'], ["2", "-", ">= 5", '"b"'],
                              ["3", "-", "-", '"a"']]), tmp_path)
    found = [f for f in model.check() if f.decision == "advice"]
    assert [(f.kind, f.severity, f.rules) for f in found] == [("masked", "warning", ("2", "1"))]
    assert "following the decisions it reads" in found[0].message
    case = found[0].example
    assert case is not None and case["x"] >= 5
    assert model.evaluate(case, "advice").rules == ("1",)


def test_a_rule_an_equal_one_covers_once_followed_is_redundant_once(tmp_path: Path) -> None:
    # under A, rules 1 and 2 match the same cases (band "high" is x >= 5), with one answer:
    # one of them (the later) can go, not both
    model = load(advice("A", [["1", '"high"', "-", '"a"'], ["2", "-", ">= 5", '"a"'],
                              ["3", "-", "< 5", '"b"']]), tmp_path)
    redundant = [f for f in model.check() if f.kind == "redundant"]
    assert [(f.rules, f.severity) for f in redundant] == [(("2", "1"), "warning")]
    assert "2 can be deleted" in redundant[0].message


def test_a_constraint_can_leave_a_rule_nothing_to_decide(tmp_path: Path) -> None:
    spec = Workbook2(
        glossary=[("x", "integer", "[0..9]"), ("flag", "boolean"),
                  ("y", "string", '"a", "b"')],
        tables=[TableSpec("y", "F", [("x", "input"), ("flag", "input"), ("y", "output")],
                          [["1", "< 5, null", "-", '"a"'], ["2", "-", "true", '"b"'],
                           ["3", "-", "-", '"a"']])],
        constraint_columns=["x", "flag"], constraints=[["C1", ">= 5", "true", "never"]])
    found = load(spec, tmp_path).check()
    masked = [f for f in found if f.kind == "masked"]
    # flag true means x < 5 (or x unknown, as the table-by-table checks count it): rule 1
    assert [f.rules for f in masked] == [("2", "1")]


def test_nothing_new_where_the_table_reads_only_its_own_inputs(tmp_path: Path) -> None:
    spec = Workbook2(
        glossary=[("x", "integer", "[0..9]"), ("y", "string", '"a", "b"')],
        tables=[TableSpec("y", "F", [("x", "input"), ("y", "output")],
                          [["1", "< 5", '"a"'], ["2", ">= 3", '"b"'], ["3", "-", '"a"']])])
    found = load(spec, tmp_path).check()
    assert [f.kind for f in found if f.kind not in ("graph", "untested")] == []
