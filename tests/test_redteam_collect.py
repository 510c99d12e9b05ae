"""Red team, round three (issue 26): a collecting table's answer is checked like any other.

A C# table counts, a C+ table adds up, C< and C> take the least or the greatest: the answer is
in no cell, so nothing checked it. A count into a boolean or a text output, a count of 2 into
`[0..1]`, a sum past the allowed values or past float range reached the next table (or JSON)
as a value the glossary forbids, while `check` said OK. Now the output's type is checked at
load, every value the table really gives is checked by `check` (with a case that gives it),
and evaluation refuses one the output may not take (`ConflictingRules`).

The property test is brute force: random aggregating tables feeding a Unique table, constraint
rows, every allowed case evaluated. A check without errors means no allowed case is refused.
"""

from __future__ import annotations

from itertools import product
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redteam_files import run_cli
from workbooks import TableSpec, WorkbookSpec, write

import engine
from engine.api import Model
from engine.core.errors import CaseError, ConflictingRules, InvalidInput
from engine.core.model import Column, Constraint, Rule, Table, Variable
from engine.core.sfeel import parse_unary
from engine.domain.values import ValueProblem
from engine.workbook.cells import cell_test


def _workbook(folder: Path, policy: str, out_type: str, allowed: str | None,
              answers: tuple[Any, Any], name: str = "wb.xlsx") -> Path:
    glossary: list[tuple[Any, ...]] = [("a", "integer", "[0..5]", "A"), ("b", "boolean", None, "B"),
                                       ("cnt", out_type, allowed, "Count"),
                                       ("res", "string", '"x", "y"', "Result")]
    down = ([["1", "true", '"x"'], ["2", "false", '"y"']] if out_type == "boolean" else
            [["1", "0", '"x"'], ["2", "not(0)", '"y"']] if out_type != "string" else
            [["1", '"p"', '"x"'], ["2", 'not("p")', '"y"']])
    tables = [TableSpec("cnt", policy, [("a", "input"), ("b", "input"), ("cnt", "output")],
                        [["1", "< 3", "-", answers[0]], ["2", "-", "true", answers[1]]]),
              TableSpec("res", "U", [("cnt", "input"), ("res", "output")], down)]
    return write(WorkbookSpec(glossary, tables), folder / name)


@pytest.mark.parametrize("out_type, allowed, answer", [("boolean", None, "true"),
                                                       ("string", '"p", "q"', '"p"'),
                                                       ("date", None, 'date("2024-01-01")')])
def test_a_count_into_anything_but_a_number_is_refused_at_load(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], out_type: str, allowed: str | None,
        answer: str) -> None:
    wb = _workbook(tmp_path, "C#", out_type, allowed, (answer, answer))
    code, text = run_cli(["check", str(wb)], capsys)
    assert code == 1 and "cnt!A2" in text and "C# counts the matching rules" in text
    with pytest.raises(engine.WorkbookInvalid):
        engine.load(str(wb))


def test_a_count_into_text_with_a_default_row_is_refused_at_load_not_in_a_frame(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Before: evaluate_frame and eval --input crashed with int('none')."""
    glossary: list[tuple[Any, ...]] = [("a", "integer", "[0..5]", "A"),
                                       ("cnt", "string", '"none", "some"', "Count")]
    table = TableSpec("cnt", "C#", [("a", "input"), ("cnt", "output")],
                      [["1", "< 3", '"some"'], ["default", "-", '"none"']])
    wb = write(WorkbookSpec(glossary, [table]), tmp_path / "count.xlsx")
    with pytest.raises(engine.WorkbookInvalid, match="C# counts the matching rules"):
        engine.load(str(wb))
    cases = tmp_path / "cases.csv"
    cases.write_text("a\n1\n4\n", encoding="utf-8")
    code, text = run_cli(["eval", str(wb), "--input", str(cases), "--output",
                          str(tmp_path / "out.csv")], capsys)
    assert code == 1 and "cnt!A2" in text and "C# counts" in text


@pytest.mark.parametrize("policy, out_type, allowed, answers, said", [
    ("C#", "integer", "[0..1]", ("1", "1"), "2 is outside the allowed values"),
    ("C+", "integer", "[0..10]", ("6", "6"), "12 is outside the allowed values"),
    ("C+", "number", None, ("1e308", "1e308"), "beyond the largest number"),
])
def test_a_collected_answer_the_output_may_not_take_is_an_error_and_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], policy: str, out_type: str,
        allowed: str | None, answers: tuple[str, str], said: str) -> None:
    wb = _workbook(tmp_path, policy, out_type, allowed, answers)
    code, text = run_cli(["check", str(wb)], capsys)
    assert code == 1 and said in text and "example: a=0, b=true" in text, text
    model = engine.load(str(wb))
    with pytest.raises(ConflictingRules, match=said):
        model.evaluate({"a": 0, "b": True}, "res")
    assert model.evaluate({"a": 4, "b": True}, "res")["res"] == "y"  # one rule: allowed
    frame = model.evaluate_frame(pd.DataFrame({"a": [0, 4], "b": [True, True]}), "res")
    assert frame["error_kind"].tolist() == ["ConflictingRules", None]
    assert said in frame["error"][0]
    code, text = run_cli(["eval", str(wb), "--decision", "res", "--format", "json",
                          "--case", '{"a": 0, "b": true}'], capsys)
    assert code == 1 and "Infinity" not in text and '"ConflictingRules"' in text


def test_a_count_that_stays_in_its_allowed_values_is_clean(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wb = _workbook(tmp_path, "C#", "integer", "[0..2]", ("1", "1"))
    code, text = run_cli(["check", str(wb)], capsys)
    assert code == 0, text
    assert engine.load(str(wb)).evaluate({"a": 0, "b": True}, "res")["res"] == "y"


# -- brute force -----------------------------------------------------------------------------
def _input(draw: st.DrawFn, k: int) -> Variable:
    unknown = draw(st.integers(0, 3)) == 0
    if draw(st.booleans()):
        return Variable(f"x{k}", "boolean", None, (True, False), unknown=unknown)
    return Variable(f"x{k}", "integer", parse_unary("[0..3]"), unknown=unknown)


def _values(var: Variable) -> list[Any]:
    known: list[Any] = [True, False] if var.type == "boolean" else [0, 1, 2, 3]
    return known + ([None] if var.unknown else [])


def _cell(draw: st.DrawFn, var: Variable) -> Any:
    if var.type == "boolean":
        text = draw(st.sampled_from(["-", "-", "true", "false", "null"]))
    else:
        text = draw(st.sampled_from(["-", "-", "< 2", ">= 2", "[1..2]", "0", "3", "null"]))
    return cell_test(text, var)


def _within(text: str, var: Variable) -> Any:
    """The cell, or `-` where it names a value outside the variable's allowed values."""
    try:
        return cell_test(text, var)
    except ValueProblem:
        return cell_test("-", var)


def _rule(name: str, r: int, tests: tuple[Any, ...], answer: Any, width: int) -> Rule:
    row = 4 + r
    letters = [chr(66 + c) for c in range(width + 1)]
    return Rule(f"R{r + 1}", row, tests, (answer,), (),
                tuple(f"{name}!{x}{row}" for x in letters[:-1]), (f"{name}!{letters[-1]}{row}",),
                f"{name}!A{row}")


def _table(name: str, policy: str, ins: list[Variable], out: Variable, rules: list[Rule]
           ) -> Table:
    letters = [chr(66 + c) for c in range(len(ins) + 1)]
    cols = tuple(Column(v.name, "input", f"{name}!{x}2", x) for v, x in zip(ins, letters))
    outc = Column(out.name, "output", f"{name}!{letters[-1]}2", letters[-1])
    return Table(name, policy, cols, (outc,), (), tuple(rules), name, f"{name}!B1")


@st.composite
def collecting(draw: st.DrawFn) -> Model:
    inputs = [_input(draw, k) for k in range(2)]
    policy = draw(st.sampled_from(["C#", "C+", "C<", "C>"]))
    top = draw(st.integers(0, 4))
    count = Variable("d1", "integer", parse_unary(f"[0..{top}]"))
    rules = [_rule("t1", r, tuple(_cell(draw, v) for v in inputs),
                   draw(st.integers(0, top)), len(inputs)) for r in range(draw(st.integers(1, 4)))]
    t1 = _table("t1", policy, inputs, count, rules)
    answer = Variable("d2", "string", None, ("p", "q"))
    down = [_rule("t2", r, (_within(draw(st.sampled_from(
        ["-", "< 2", ">= 2", "0", "1", "2", "[1..3]", "null", "not(null)"])), count),),
        draw(st.sampled_from(["p", "q"])), 1) for r in range(draw(st.integers(1, 3)))]
    t2 = _table("t2", "F", [count], answer, down)
    constraints = []
    for c in range(draw(st.integers(0, 2))):
        var = draw(st.sampled_from(inputs))
        test = _cell(draw, var)
        if not test.any:
            constraints.append(Constraint(f"C{c + 1}", ((var.name, test),), "", f"C!A{c + 2}",
                                          (f"C!B{c + 2}",)))
    variables = {v.name: v for v in [*inputs, count, answer]}
    return Model("random", variables, {"t1": t1, "t2": t2}, constraints=constraints)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(collecting())
def test_a_clean_check_means_no_collected_answer_is_ever_refused(model: Model) -> None:
    findings = model.check()
    names = ["x0", "x1"]
    refused: list[dict[str, Any]] = []
    for values in product(*(_values(model.variables[n]) for n in names)):
        case = dict(zip(names, values))
        try:
            model.evaluate(case, "t1")
        except InvalidInput:
            continue  # inside a constraint: not a case
        except ConflictingRules:
            refused.append(case)
            continue
        try:
            model.evaluate(case, "t2")
        except CaseError:
            refused.append(case)
    errors = [f for f in findings if f.severity == "error"]
    assert bool(errors) or not refused, (refused[:3], findings)
    said = [f for f in errors if f.decision == "t1" and f.kind == "domain"]
    t1_refused = []
    for case in refused:
        try:
            model.evaluate(case, "t1")
        except ConflictingRules:
            t1_refused.append(case)
    assert bool(said) == bool(t1_refused), (said, t1_refused[:3])
    for f in said:
        assert f.example is not None
        with pytest.raises(ConflictingRules):
            model.evaluate(f.example, "t1")

