"""The generated evaluation path (engine/evaluation/dispatch.py) against the general one.

`evaluate` answers a case it is sure of by one generated function per decision, and hands
every other case to the general path. Both must give the same answer, the same rules and trace
(values with their types), the same explanation, and the same error (class, message, decision,
inputs): here on random valid and invalid cases of NBCG, of every hit policy's example
workbook, and of random chained workbooks with constraints, unknowns and default rows.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import pickle
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_completeness_property import graphs

import engine
from engine.core.errors import EngineError
from engine.core.model import Model, Variable
from engine.domain.atoms import Atoms
from engine.evaluation.evaluate import Plan, evaluate, evaluate_reference, generate, plan_for

ROOT = Path(__file__).resolve().parent.parent
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
ODD = [None, "true", 1, 0, True, 2.5, -1, 10**9, 2**60, math.nan, math.inf, "", "x",
       "2024-01-01", dt.date(2024, 1, 1), dt.datetime(2024, 1, 1, 12), np.int64(2),
       np.float64(1.5), np.bool_(True), decimal.Decimal("2"), [1], {"a": 1}, "CR\u0301"]
ABSENT = object()


def outcome(path: Any, model: Model, case: Any, decision: str | None) -> tuple[Any, ...]:
    """Everything a caller can see of one evaluation, with the types of values (repr)."""
    try:
        result = path(model, case, decision)
    except EngineError as exc:
        return ("error", type(exc).__name__, str(exc), getattr(exc, "decision", None),
                getattr(exc, "inputs", None))
    steps = [(s.decision, repr(s.inputs), s.matched, s.decided, s.cells, repr(s.outputs),
              s.default) for s in result.trace]
    return ("answer", result.decision, repr(result.outputs), result.rules, steps,
            result.explain(), repr(result.to_dict(explanation=False)))


def allowed(model: Model, var: Variable) -> list[Any]:
    """Values inside each atom of every cell that reads the variable, and its bounds."""
    if var.type == "boolean":
        return [True, False]
    if var.values:
        return list(var.values)
    tests = [r.inputs[t.input_names.index(var.name)] for t in model.tables.values()
             if var.name in t.input_names for r in t.rules]
    atoms = Atoms.build(var, tests)
    out = []
    for atom in range(atoms.size):
        value = atoms.example(atom)
        out.append(value)
        if isinstance(value, int) and not isinstance(value, bool):
            out += [value + 1, float(value) + 0.5] if var.type == "number" else [value + 1]
    return out


@st.composite
def cases(draw: Any, model: Model, decision: str) -> dict[str, Any]:
    """A case for the decision: mostly allowed values, sometimes odd ones, missing or extra keys."""
    plan = plan_for(model, decision)
    case: dict[str, Any] = {}
    for name, var in plan.needed:
        kind = draw(st.integers(0, 19))
        if kind == 0:
            value: Any = draw(st.sampled_from(ODD))
        elif kind == 1:
            value = ABSENT
        elif kind == 2:
            value = None
        else:
            value = draw(st.sampled_from(allowed(model, var)))
        if value is not ABSENT:
            case[name] = value
    extra = draw(st.integers(0, 30))
    if extra == 0:
        case["no_such_input"] = 1
    elif extra == 1 and model.producers:
        case[next(iter(model.producers))] = "x"
    elif extra == 2:
        return [case]  # type: ignore[return-value]  # not a mapping at all
    return case


def fast_plan(model: Model, decision: str) -> Plan:
    """The plan with its generated function made (evaluate makes it at its first call)."""
    plan = plan_for(model, decision)
    if not plan.compiled:
        generate(model, plan)
    return plan


def same(model: Model, case: Any, decision: str | None) -> None:
    fast = outcome(evaluate, model, case, decision)
    slow = outcome(evaluate_reference, model, case, decision)
    assert fast == slow, case


@pytest.fixture(scope="module")
def nbcg() -> engine.Model:
    return engine.load(str(NBCG))


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_nbcg_both_paths_agree(nbcg: engine.Model, data: st.DataObject) -> None:
    for decision in nbcg.top_decisions():
        same(nbcg, data.draw(cases(nbcg, decision)), decision)


def test_the_generated_path_answers_the_valid_nbcg_cases(nbcg: engine.Model) -> None:
    """The common case is the generated one (else this file compares the general path with
    itself): every valid test case of the workbook is answered by it."""
    answered = 0
    for test in nbcg.tests:
        for decision in nbcg.top_decisions():
            plan = fast_plan(nbcg, decision)
            case = {n: test.inputs.get(n) for n, _ in plan.needed}
            try:
                evaluate_reference(nbcg, case, decision)
            except engine.CaseError:
                assert plan.fast is not None and plan.fast.answer(case) is None
                continue
            assert plan.fast is not None and plan.fast.answer(case) is not None, case
            same(nbcg, case, decision)
            answered += 1
    assert answered >= 50


def test_an_answer_is_never_shared_between_calls(nbcg: engine.Model) -> None:
    """The outcome tables are built once; a caller changing its answer changes nothing else."""
    case = {n: t for n, t in nbcg.tests[0].inputs.items()
            if n in dict(plan_for(nbcg, "bisphosphonate").needed)}
    first = evaluate(nbcg, case, "bisphosphonate")
    first.outputs.clear()
    first.trace[0].outputs.clear()
    assert outcome(evaluate, nbcg, case, "bisphosphonate") == \
        outcome(evaluate_reference, nbcg, case, "bisphosphonate")


def test_a_model_that_evaluated_can_be_pickled(nbcg: engine.Model) -> None:
    """`guideline serve --watch` loads in a worker process and sends the model back pickled:
    the generated function stays behind and is made again at the first evaluate."""
    case = {n: t for n, t in nbcg.tests[0].inputs.items()
            if n in dict(plan_for(nbcg, "bisphosphonate").needed)}
    before = outcome(evaluate, nbcg, case, "bisphosphonate")
    copy = pickle.loads(pickle.dumps(nbcg))
    assert not plan_for(copy, "bisphosphonate").compiled
    assert outcome(evaluate, copy, case, "bisphosphonate")[:-2] == before[:-2]
    assert plan_for(copy, "bisphosphonate").fast is not None


@pytest.mark.parametrize("key", ["U", "A", "P", "F", "R", "O", "C", "C+", "C#", "C<", "C>",
                                 "chain"])
def test_every_hit_policy_both_paths_agree(examples: dict[str, Path], key: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = engine.load(str(examples[key]))
    decisions = [d for d in model.tables if fast_plan(model, d).fast is not None]
    assert decisions

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        for decision in decisions:
            same(model, data.draw(cases(model, decision)), decision)

    check()


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(model=graphs(), data=st.data())
def test_random_graphs_both_paths_agree(model: Model, data: st.DataObject) -> None:
    for decision in model.tables:
        for _ in range(4):
            same(model, data.draw(cases(model, decision)), decision)
