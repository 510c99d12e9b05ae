"""Lift a check example from a table's own inputs to a whole case a clinician could enter.

A chained table reads answers of other decisions (`pathway = "chemotherapy_assessment"`); a
committee member wants the patient behind it. For each such answer, a rule of the deciding
table that gives it is taken, its conditions are filled with values they accept, and the
result is kept only if evaluating the case really gives those answers.
"""

from __future__ import annotations

from typing import Any

from ..core.errors import EngineError
from ..core.graph import required
from ..core.model import Model, Table
from ..core.sfeel import UnaryTest, Value
from ..domain.atoms import Atoms
from ..evaluation.evaluate import evaluate

MAX_TRIES = 50  # rules tried per upstream answer: an example is a courtesy, not a search


def lift(model: Model, table: Table, example: dict[str, Any]) -> dict[str, Any] | None:
    """The whole case behind `example`, or None when it cannot be found and verified."""
    derived = [n for n in table.input_names if model.producer(n) is not None]
    if not derived or model.errors:  # a workbook with errors is not evaluated at all
        return None
    case = {k: v for k, v in example.items() if k not in derived}
    for name in derived:
        if not _give(model, name, example[name], case, depth=0):
            return None
    for name in derived:
        up = model.producer(name)
        assert up is not None
        needed = {c.name for t in required(model.tables, up.name)
                  for c in model.tables[t].inputs if model.producer(c.name) is None}
        try:
            got = evaluate(model, {n: case.get(n) for n in needed}, up.name)[name]
        except EngineError:  # CaseError, or anything else: then the table's own inputs serve
            return None
        if got != example[name]:
            return None
    return case


def _give(model: Model, name: str, value: Value, case: dict[str, Any], depth: int) -> bool:
    """Fill `case` so that the decision producing `name` answers `value`."""
    up = model.producer(name)
    if up is None or depth > len(model.tables):
        return False
    k = up.output_names.index(name)
    tries = 0
    for rule in up.rules:
        if not rule.readable or rule.outputs[k] != value:
            continue
        tries += 1
        if tries > MAX_TRIES:
            return False
        trial = dict(case)
        if all(_fill(model, col, test, trial, depth)
               for col, test in zip(up.input_names, rule.inputs)):
            case.update(trial)
            return True
    return False


def _fill(model: Model, name: str, test: UnaryTest | None, case: dict[str, Any],
          depth: int) -> bool:
    if test is None:
        return False
    if name in case:
        return test.matches(case[name])
    up = model.producer(name)
    if up is not None:  # another decision's answer: any answer it gives that the test accepts
        k = up.output_names.index(name)
        answers = dict.fromkeys(r.outputs[k] for r in up.rules if r.readable)
        return any(test.matches(v) and _give(model, name, v, case, depth + 1)
                   for v in answers)
    var = model.variables[name]
    atoms = Atoms.build(var, [test])
    accepted = atoms.mask(test) & atoms.domain
    if not accepted:
        return False
    case[name] = atoms.example((accepted & -accepted).bit_length() - 1)
    return True
