"""Cases generated from a workbook's glossary and constraints: the cohort every benchmark uses.

    python benchmarks/cohort.py [WORKBOOK] [--rows 10000] [--seed 11]   # does every case answer?

A valid case gives every input a decision reads one of its allowed values: each listed text,
true and false, and for numbers, whole numbers and dates a value inside every atom the tables
and the glossary cut the domain into (its round example, and a second value drawn inside it),
so every rule's bounds are crossed from both sides. Unknown (null) is drawn only for inputs the
glossary lets be unknown, and a case inside a constraint is drawn again. The first rows take
every allowed value of every input in turn, so even a small cohort holds each one.

An invalid case is asked for explicitly, as a share of the rows (`invalid=0.05`), and is one
of: null where the glossary wants a value, a value outside the allowed ones, a case inside a
constraint. Each row says whether it is valid and, if not, why; a benchmark states the share.
Run as a script, it evaluates a valid cohort with `Model.evaluate_frame` and exits 1 unless
every case gets an answer (issue 11: complete means every allowed case gets exactly one).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import engine  # noqa: E402
from engine.core.model import Model, Variable  # noqa: E402
from engine.domain.atoms import Atoms, from_key  # noqa: E402
from engine.evaluation.evaluate import plan_for  # noqa: E402

NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
UNKNOWN_RATE = 0.15  # of the inputs that may be unknown, how often a case leaves one unknown
INVALID_KINDS = ("null not allowed", "value not allowed", "inside a constraint")


@dataclass
class Cohort:
    """Cases for one decision: `cases[i]` is valid when `why[i]` is None."""

    decision: str
    inputs: list[Variable]
    cases: list[dict[str, Any]]
    why: list[str | None] = field(default_factory=list)

    @property
    def valid(self) -> list[bool]:
        return [w is None for w in self.why]

    def invalid_share(self) -> float:
        return sum(w is not None for w in self.why) / max(len(self.cases), 1)

    def stated(self) -> str:
        """What the cohort is, for a results file."""
        bad = Counter(w for w in self.why if w is not None)
        said = (f"{sum(bad.values()):,} invalid by design ({self.invalid_share():.0%}: "
                + ", ".join(f"{n:,} {k}" for k, n in sorted(bad.items())) + ")") if bad \
            else "all valid"
        return (f"{len(self.cases):,} cases for `{self.decision}` generated from the glossary "
                f"and the constraints (benchmarks/cohort.py), {said}")

    def frame(self) -> Any:
        """The cases as a registry extract is typed: text as pandas' text, booleans as nullable
        booleans, whole numbers as Int64, numbers as Float64 (invalid values kept in type)."""
        columns: dict[str, Any] = {}
        for var in self.inputs:
            values = [c[var.name] for c in self.cases]
            if var.type == "boolean":
                columns[var.name] = pd.array(values, dtype="boolean")
            elif var.type == "string":
                columns[var.name] = pd.array(values, dtype="str")
            elif var.type == "integer":
                columns[var.name] = pd.array(values, dtype="Int64")
            elif var.type == "number":
                columns[var.name] = pd.array([None if v is None else float(v) for v in values],
                                             dtype="Float64")
            else:
                columns[var.name] = pd.Series(values, dtype=object)
        return pd.DataFrame(columns)


def allowed_values(model: Model, var: Variable, rng: random.Random) -> list[Any]:
    """Every allowed value of an input, one per atom for ordered types (two where there is room):
    the atoms of every cell that reads it, of the constraints and of its allowed values."""
    if var.type == "boolean":
        return [True, False]
    if var.type == "string" and var.values:
        return list(var.values)
    tests = [r.inputs[t.input_names.index(var.name)] for t in model.tables.values()
             if var.name in t.input_names for r in t.rules]
    tests += [test for c in model.constraints for name, test in c.tests if name == var.name]
    atoms = Atoms.build(var, tests)
    if var.type == "string":  # open text: the texts the cells name, and one they do not
        return [v for v in atoms.values if isinstance(v, str)] + ["any other text"]
    out: list[Any] = []
    for atom in range(atoms.size):
        if not atoms.domain >> atom & 1:
            continue
        example = atoms.example(atom)
        out.append(example)
        other = _inside(atoms, atom, rng)
        if other is not None and other != example:
            out.append(other)
    return out


def _inside(atoms: Atoms, atom: int, rng: random.Random) -> Any:
    """A second value inside an ordered atom, away from its round example, or None."""
    start = atoms.starts[atom][0]
    end = atoms.starts[atom + 1][0] if atom + 1 < len(atoms.starts) else float("inf")
    lo = start if start != float("-inf") else end - 100
    hi = end if end != float("inf") else lo + 100
    var = atoms.var
    if var.type == "number":
        value = round(rng.uniform(lo, hi), 3)
    else:
        if hi - lo < 2:
            return None
        value = rng.randrange(int(lo), int(hi))
    if atoms.locate(value) != atom and var.type != "date":
        return None
    if var.type == "date":
        value = from_key(var, value)
        return value if atoms.locate(value) == atom else None
    return value if var.allowed is None or var.allowed.matches(value) else None


def not_allowed(var: Variable, rng: random.Random) -> Any:
    """A value of the input's type that its glossary entry does not allow, or None."""
    if var.type == "string":
        return "not an allowed value" if var.values else None
    if var.type in ("integer", "number") and var.allowed is not None:
        for candidate in (-1, -1000, 10**9, 1000):
            if not var.allowed.matches(candidate):
                return candidate
    if var.type == "date" and var.allowed is not None:
        for candidate in (dt.date(1, 1, 1), dt.date(9999, 12, 31)):
            if not var.allowed.matches(candidate):
                return candidate
    return None


def cohort(model: Model, decision: str, rows: int, seed: int = 11, invalid: float = 0.0,
           unknown_rate: float = UNKNOWN_RATE) -> Cohort:
    """`rows` cases for `decision`; a share `invalid` of them invalid on purpose."""
    rng = random.Random(seed)
    plan = plan_for(model, decision)
    inputs = [var for _, var in plan.needed]
    constraints = list(plan.constraints)
    domains = {v.name: allowed_values(model, v, rng) for v in inputs}
    may_be_unknown = {v.name for v in inputs if v.unknown is not False}
    out = Cohort(plan.target, inputs, [], [])
    turn = 0
    while len(out.cases) < rows:
        case = _draw(inputs, domains, may_be_unknown, rng, turn, unknown_rate)
        turn += 1
        if any(c.matches(case) for c in constraints):
            continue
        out.cases.append(case)
        out.why.append(None)
    wanted = round(invalid * rows)
    spoilt = rng.sample(range(rows), wanted) if wanted else []
    for i in spoilt:
        out.why[i] = _spoil(out.cases[i], inputs, domains, constraints, rng)
    return out


def _draw(inputs: list[Variable], domains: dict[str, list[Any]], unknown: set[str],
          rng: random.Random, turn: int, unknown_rate: float) -> dict[str, Any]:
    """One case: on early turns every column steps through its values (all of them appear),
    then each value is drawn at random."""
    case = {}
    for k, var in enumerate(inputs):
        values = domains[var.name]
        extra = 1 if var.name in unknown else 0
        if turn < len(values) + extra:
            pick = (turn + 7 * k) % (len(values) + extra)
            case[var.name] = None if pick == len(values) else values[pick]
        elif var.name in unknown and rng.random() < unknown_rate:
            case[var.name] = None
        else:
            case[var.name] = rng.choice(values)
    return case


def _spoil(case: dict[str, Any], inputs: list[Variable], domains: dict[str, list[Any]],
           constraints: list[Any], rng: random.Random) -> str:
    """Make one valid case invalid, in one of the ways a registry extract is."""
    kinds = list(INVALID_KINDS)
    rng.shuffle(kinds)
    for kind in kinds:
        if kind == "null not allowed":
            required = [v for v in inputs if v.unknown is False]
            if required:
                case[rng.choice(required).name] = None
                return kind
        elif kind == "value not allowed":
            for var in rng.sample(inputs, len(inputs)):
                bad = not_allowed(var, rng)
                if bad is not None:
                    case[var.name] = bad
                    return kind
        elif constraints:
            constraint = rng.choice(constraints)
            for name, test in constraint.tests:
                inside = [v for v in domains[name] if test.matches(v)]
                if not inside and test.matches(None):
                    inside = [None]
                if not inside:
                    break
                case[name] = rng.choice(inside)
            else:
                return kind
    raise ValueError("no way to make this case invalid")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workbook", nargs="?", default=str(NBCG))
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args(argv)
    model = engine.load(args.workbook)
    failed = 0
    for decision in model.top_decisions():
        group = cohort(model, decision, args.rows, args.seed)
        result = model.evaluate_frame(group.frame(), decision)
        errors = Counter(str(e).split(":")[0] for e in result["error"] if isinstance(e, str))
        outputs = model.tables[decision].output_names
        answers = Counter(result[outputs[0]].dropna().astype(str))
        print(f"{decision}: {group.stated()}; {sum(errors.values()):,} with an error "
              f"{dict(errors) or ''}; answers {dict(answers)}")
        failed += sum(errors.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
