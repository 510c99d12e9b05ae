"""Constraints on inputs a decision does not read (issue 24, issue 26): a case of a decision is
impossible when every completion of it to all glossary inputs lies inside some constraint.
`evaluate`, `evaluate_frame` and the check say so alike; the cover question underneath is
held to brute force."""

from __future__ import annotations

from itertools import product
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from workbooks import TableSpec
from workbooks_v2 import Workbook2, write2

import engine
from engine.core.errors import InvalidInput, NoRuleMatched
from engine.evaluation import possible
from engine.verify import projected, reaching


def load(spec: Workbook2, tmp_path: Path) -> Any:
    return engine.load(str(write2(spec, tmp_path / "wb.xlsx")), strict=False)


def kinds(model: Any, severity: str = "error") -> list[tuple[str, str | None]]:
    return [(f.kind, f.decision) for f in model.check() if f.severity == severity]


def issue_example(constraints: list[list[Any]], v3_unknown: str = "") -> Workbook2:
    """The issue's graph: `d` reads v0 only; v3, whose whole domain is [0..3], is read by none."""
    return Workbook2(
        glossary=[("v0", "string", '"a", "b", "c"'), ("v3", "integer", "[0..3]", "", v3_unknown),
                  ("d", "string", '"p", "q"')],
        tables=[TableSpec("d", "U", [("v0", "input"), ("d", "output")],
                          [["R1", '"b"', '"p"']])],
        constraint_columns=["v3", "v0"], constraints=constraints)


def test_a_constraint_on_an_unread_input_rules_out_what_it_leaves_no_value_for(
        tmp_path: Path) -> None:
    # v3 <= 3 holds for every v3, so v0 in ("c", "a") never occurs: no gap there (main
    # reported "add a rule for v0 = not("b")" and evaluate answered NoRuleMatched)
    model = load(issue_example([["C1", "<= 3", '"c", "a"', "never"]]), tmp_path)
    assert kinds(model) == []
    with pytest.raises(InvalidInput) as err:
        model.evaluate({"v0": "a"}, "d")
    assert "C1 (never)" in str(err.value) and "v3" in str(err.value)
    assert err.value.inputs == ("v0",)
    assert model.evaluate({"v0": "b"}, "d")["d"] == "p"
    frame = model.evaluate_frame(pd.DataFrame({"v0": ["a", "b", "c"]}), "d")
    assert frame["error_kind"].tolist() == ["InvalidInput", None, "InvalidInput"]
    assert frame["error"][0] == str(err.value)


def test_a_value_left_for_the_unread_input_keeps_the_case_possible(tmp_path: Path) -> None:
    # v3 <= 2 leaves v3 = 3: v0 = "a" can occur (with v3 = 3) and must be answered
    model = load(issue_example([["C1", "<= 2", '"c", "a"', ""]]), tmp_path)
    gaps = [f for f in model.check() if f.kind == "gap"]
    assert [f.region for f in gaps] == [{"v0": 'not("b")'}]
    with pytest.raises(NoRuleMatched):
        model.evaluate({"v0": "a"}, "d")
    # an unknown v3 is a value too, where the glossary allows it: no row rules it out here
    model = load(issue_example([["C1", "<= 3", '"c", "a"', ""]], v3_unknown="yes"), tmp_path)
    assert [f.kind for f in model.check() if f.severity == "error"] == ["gap"]
    # ... until a row does
    model = load(issue_example([["C1", "<= 3", '"c", "a"', ""], ["C2", "null", '"a", "c"', ""]],
                               v3_unknown="yes"), tmp_path)
    assert kinds(model) == []
    with pytest.raises(InvalidInput, match="one of the constraints C1, C2"):
        model.evaluate({"v0": "c"}, "d")


def test_constraints_rule_a_case_out_together(tmp_path: Path) -> None:
    # neither row alone covers u, both together do: x = 1 cannot occur; x = 2 can (u = false)
    spec = Workbook2(
        glossary=[("x", "integer", "[0..3]"), ("u", "boolean"), ("d", "string", '"p", "q"')],
        tables=[TableSpec("d", "U", [("x", "input"), ("d", "output")],
                          [["R1", "0", '"p"'], ["R2", "3", '"q"'], ["R3", "1", '"q"']])],
        constraint_columns=["x", "u"],
        constraints=[["C1", "1, 2", "true", "one"], ["C2", "[1..2)", "false", "two"],
                     ["C3", "2", "true", "three"]])
    model = load(spec, tmp_path)
    found = model.check()
    gaps = [f for f in found if f.kind == "gap"]
    assert [f.region for f in gaps] == [{"x": "2"}]  # x = 1 is not a gap: it cannot occur
    unreachable = [f for f in found if f.kind == "unreachable"]
    assert [(f.rules, f.severity) for f in unreachable] == [(("R3",), "warning")]
    assert "C1, C2" in unreachable[0].message
    with pytest.raises(InvalidInput) as err:
        model.evaluate({"x": 1}, "d")
    assert "C1 (one), C2 (two)" in str(err.value)  # the two that do it, not C3
    with pytest.raises(NoRuleMatched):
        model.evaluate({"x": 2}, "d")


def test_constraints_on_inputs_two_decisions_read_apart_apply_to_each(tmp_path: Path) -> None:
    # issue 26: rows on a and b, which no single table reads together; together they say a is
    # never 2. `da` (reading a) has no rule for a = 2: that is no gap (main reported one)
    spec = Workbook2(
        glossary=[("a", "integer", "[0..2]"), ("b", "integer", "[0..2]"),
                  ("da", "string", '"hi", "lo"'), ("db", "string", '"hi", "lo"'),
                  ("top", "string", '"p", "q"')],
        tables=[TableSpec("da", "U", [("a", "input"), ("da", "output")],
                          [["1", "< 2", '"lo"']]),
                TableSpec("db", "U", [("b", "input"), ("db", "output")],
                          [["1", "2", '"hi"'], ["2", "< 2", '"lo"']]),
                TableSpec("top", "U", [("da", "input"), ("db", "input"), ("top", "output")],
                          [["1", '"lo"', '"hi"', '"q"'], ["2", '"lo"', '"lo"', '"p"']])],
        constraint_columns=["a", "b"],
        constraints=[["C1", "2", "2", "not both"], ["C2", "2", "< 2", "nor this"]])
    model = load(spec, tmp_path)
    assert kinds(model) == []
    with pytest.raises(InvalidInput, match="C1 .not both., C2 .nor this."):
        model.evaluate({"a": 2}, "da")
    assert model.evaluate({"b": 2}, "db")["db"] == "hi"  # with a = 0 or 1
    with pytest.raises(InvalidInput, match="constraint C1"):
        model.evaluate({"a": 2, "b": 2}, "top")


def test_a_projection_cut_short_is_a_located_warning(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(projected, "PROJECTION_WORK", 1)
    model = load(issue_example([["C1", "<= 3", '"c", "a"', "never"]]), tmp_path)
    found = model.check()
    cut = [f for f in found if f.kind == "not_analysed"]
    assert [(f.severity, f.decision, f.cells) for f in cut] == [
        ("warning", "d", ("d!B1", "Constraints!A2"))]
    assert "C1" in cut[0].message
    # conservative: the cases it could not rule out are reported, never the other way round
    assert [f.kind for f in found if f.severity == "error"] == ["gap"]


# -- issue 26: the conservative fallback and null -------------------------------------------
def band_null(advice: list[list[Any]]) -> Workbook2:
    return Workbook2(
        glossary=[("x", "integer", "[0..9]"), ("band", "string", '"low", "high"'),
                  ("advice", "string", '"a", "b"')],
        tables=[TableSpec("band", "F", [("x", "input"), ("band", "output")],
                          [["1", "< 3", '"low"'], ["2", "[3..5]", "null"],
                           ["3", "> 5", '"high"']]),
                TableSpec("advice", "U", [("band", "input"), ("advice", "output")], advice)])


@pytest.mark.parametrize("budget", [reaching.PARTITION_STEPS, 1])
def test_a_decision_answering_null_feeds_null_also_when_not_followed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, budget: int) -> None:
    # with a budget of 1 split, band's answer map is left inexact and advice reads band as a
    # free input: it used to range over "low", "high" only, so no gap, and x = 4 got
    # NoRuleMatched in advice
    monkeypatch.setattr(reaching, "PARTITION_STEPS", budget)
    model = load(band_null([["1", '"low"', '"a"'], ["2", '"high"', '"b"']]), tmp_path)
    gaps = [f for f in model.check() if f.kind == "gap"]
    assert [(f.decision, f.region, f.severity) for f in gaps] == [
        ("advice", {"band": "null"}, "error")]
    with pytest.raises(NoRuleMatched):
        model.evaluate({"x": 4}, "advice")
    closed = load(band_null([["1", '"low"', '"a"'], ["2", '"high"', '"b"'],
                             ["3", "null", '"b"']]), tmp_path)
    assert kinds(closed) == []


def test_a_decision_that_never_answers_null_feeds_no_null_when_not_followed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reaching, "PARTITION_STEPS", 1)
    spec = band_null([["1", '"low"', '"a"'], ["2", '"high"', '"b"']])
    spec.tables[0].rules[1] = ["2", "[3..5]", '"low"']
    assert kinds(load(spec, tmp_path)) == []  # no false gap at null


def test_an_aggregate_not_followed_feeds_null_only_if_it_can_collect_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reaching, "PARTITION_STEPS", 1)

    def spec(cells: list[str]) -> Workbook2:
        return Workbook2(
            glossary=[("x", "integer", "[0..9]"), ("n", "integer"), ("y", "string", '"a", "b"')],
            tables=[TableSpec("n", "C+", [("x", "input"), ("n", "output")],
                              [[str(i + 1), c, "1"] for i, c in enumerate(cells)]),
                    TableSpec("y", "U", [("n", "input"), ("y", "output")],
                              [["1", "< 2", '"a"'], ["2", ">= 2", '"b"']])])

    gaps = [f for f in load(spec(["< 5", ">= 3"]), tmp_path).check() if f.kind == "gap"]
    assert [(f.decision, f.region) for f in gaps if f.decision == "y"] == []
    gaps = [f for f in load(spec(["< 5", "> 6"]), tmp_path).check() if f.kind == "gap"]
    assert [(f.decision, f.region) for f in gaps if f.decision == "y"] == [
        ("y", {"n": "null"})]  # x = 5 or 6: no rule, the sum is null


# -- the cover question, against brute force ------------------------------------------------
@st.composite
def boxes(draw: Any) -> tuple[list[int], list[tuple[int, ...]]]:
    sizes = draw(st.lists(st.integers(1, 5), min_size=1, max_size=4))
    out = []
    for _ in range(draw(st.integers(0, 12))):
        out.append(tuple(draw(st.integers(1, (1 << s) - 1)) if draw(st.integers(0, 2))
                         else (1 << s) - 1 for s in sizes))
    return sizes, out


@settings(max_examples=300, deadline=None)
@given(boxes())
def test_covers_is_exactly_whether_every_point_lies_in_a_box(case: Any) -> None:
    sizes, found = case
    region = tuple((1 << s) - 1 for s in sizes)
    points = product(*(range(s) for s in sizes))
    expected = all(any(all(b[k] >> a & 1 for k, a in enumerate(p)) for b in found)
                   for p in points)
    assert possible.covers(region, found, [10**9]) == expected
    maps = [possible._bitmap(b, region) for b in found]
    full = possible._bitmap(region, region)
    acc = 0
    for m in maps:
        acc |= m
    assert (acc == full) == expected


def test_covers_runs_out_of_work_rather_than_running_long() -> None:
    region = (0b1111, 0b1111)
    diagonal = [(1 << i, 1 << i) for i in range(4)]
    with pytest.raises(possible._OutOfSteps):
        possible.covers(region, diagonal, [3])


def test_diff_sees_a_change_in_an_unread_input_that_constraints_name(tmp_path: Path) -> None:
    # only v3's allowed values change (no table reads v3): v0 = "a" could not occur before
    # (v3 <= 3 held for every v3), now it can (v3 = 4) and is answered
    def spec(v3: str) -> Workbook2:
        wb = issue_example([["C1", "<= 3", '"c", "a"', "never"]])
        wb.glossary[1] = ("v3", "integer", v3)
        wb.tables[0].rules.append(["R2", '"a"', '"q"'])
        return wb

    from engine.review.diff import diff_models
    old = engine.load(str(write2(spec("[0..3]"), tmp_path / "old.xlsx")), strict=False)
    new = engine.load(str(write2(spec("[0..4]"), tmp_path / "new.xlsx")), strict=False)
    result = diff_models(old, new)
    changes = {tuple(sorted(a.region.items())): (a.old.error is not None, a.new.outputs)
               for a in result.answers}
    assert changes == {(("v0", '"a"'),): (True, (("d", "q"),))}  # "c": no answer in both
    assert "constraint C1" in next(a.old.error for a in result.answers)
