"""`guideline diff` where the versions differ in what cannot occur (the constraints sheet) or
in which inputs may be unknown: a case one version refuses and the other answers is a changed
answer, and the regions reported are exactly where that happens (checked on every point of a
grid that holds every boundary the cells name)."""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

import pytest
from workbooks import TableSpec
from workbooks_v2 import Workbook2, write2

import engine
from engine.core.errors import CaseError
from engine.review.diff import diff_models
from engine.workbook.cells import cell_test

CELLS = {"x0": ["< 3", ">= 6", "[2..7]", "4", "-"],
         "x1": ['"p"', '"q"', '"p", "q"', 'not("r")', "-"],
         "x2": ["true", "false", "-"]}
POINTS = {"x0": [0, 2, 3, 4, 5, 6, 7, 8, 10, None], "x1": ["p", "q", "r", None],
          "x2": [True, False, None]}


def spec(seed: int, edit: bool, unread: bool = False) -> Workbook2:
    """`unread`: the table does not read x2, which the constraints still name: they rule out
    cases of x0 and x1 only where they leave no value of x2 (issue 24)."""
    r = random.Random(seed)
    rules = [["R1", "-", "-", "-", '"a"'], ["R2", "< 5", "-", "true", '"b"'],
             ["R3", ">= 5", '"p"', "-", '"c"']]
    cons = [[f"C{k}", *(r.choice(CELLS[n]) for n in CELLS), "why"] for k in range(r.randint(1, 2))]
    unknown = ["yes" if r.random() < 0.5 else "" for _ in CELLS]
    if edit:
        e = random.Random(seed * 7 + 3)
        kind = e.choice(["cell", "add", "remove", "unknown"])
        if kind == "cell":
            row = e.choice(cons)
            j = e.randrange(len(CELLS))
            row[1 + j] = e.choice([c for c in CELLS[list(CELLS)[j]] if c != row[1 + j]])
        elif kind == "add":
            cons.append(["C9", *(e.choice(CELLS[n]) for n in CELLS), "new"])
        elif kind == "remove":
            cons.pop(e.randrange(len(cons)))
        else:
            j = e.randrange(len(unknown))
            unknown[j] = "" if unknown[j] else "yes"
    columns = [("x0", "input"), ("x1", "input"), ("x2", "input"), ("y", "output")]
    if unread:
        rules = [row[:3] + row[4:] for row in rules]
        columns = [c for c in columns if c[0] != "x2"]
        # x0 named: a row whose every cell takes every value rules out every case (an error)
        cons += [[f"C{k + 5}", r.choice([c for c in CELLS["x0"] if c != "-"]), "-",
                  r.choice(["true, false", "true, false, null", "null"]), "whole x2"]
                 for k in range(r.randint(0, 2))]
    return Workbook2(
        glossary=[("x0", "integer", "[0..10]", "", unknown[0]),
                  ("x1", "string", '"p", "q", "r"', "", unknown[1]),
                  ("x2", "boolean", None, "", unknown[2]), ("y", "string", '"a", "b", "c"')],
        tables=[TableSpec("y", "P", columns, rules)],
        constraint_columns=list(CELLS), constraints=cons)


def answer(model: engine.Model, case: dict[str, Any]) -> Any:
    try:
        return model.evaluate(case, "y")["y"]
    except CaseError:
        return "no answer"


@pytest.mark.parametrize("unread", [False, True])
@pytest.mark.parametrize("seed", range(24))
def test_diff_is_exact_when_constraints_or_unknowns_change(seed: int, unread: bool,
                                                           tmp_path: Path) -> None:
    old = engine.load(str(write2(spec(seed, False, unread), tmp_path / "old.xlsx")),
                      strict=False)
    new = engine.load(str(write2(spec(seed, True, unread), tmp_path / "new.xlsx")),
                      strict=False)
    result = diff_models(old, new)
    assert result.compared == ["y"] and not result.skipped
    regions = [{n: cell_test(text, old.variables[n]) for n, text in a.region.items()}
               for a in result.answers]
    for values in itertools.product(*POINTS.values()):
        case = dict(zip(POINTS, values))
        if any(v is None and not old.variables[n].unknown and not new.variables[n].unknown
               for n, v in case.items()):
            continue  # null where neither version allows it: not a case ('-' means known)
        before, after = answer(old, case), answer(new, case)
        inside = [i for i, reg in enumerate(regions)
                  if all(t.matches(case[n]) for n, t in reg.items())]
        assert len(inside) <= 1, case
        assert bool(inside) == (before != after), (case, before, after, result.glossary)
        if inside:
            change = result.answers[inside[0]]
            assert (before == "no answer") == bool(change.old.error)
            assert (after == "no answer") == bool(change.new.error)
