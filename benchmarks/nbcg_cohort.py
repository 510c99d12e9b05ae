"""A random NBCG cohort that respects the glossary and the constraints: does every case get an
answer? (Issue 11: "complete" means every allowed case gets exactly one answer.)

Run: `python benchmarks/nbcg_cohort.py [--rows 10000] [--seed 11]`.

Each row draws every case input uniformly from its allowed values — booleans, the listed
texts, a chemotherapy line in 1..6, months on bisphosphonate in 0..36 (in steps of 0.1) — and
unknown (null) only for the inputs the glossary says may be unknown (a quarter of the time).
Rows inside a constraint are drawn again. The cohort is evaluated with
`Model.evaluate_frame`; the script prints how many rows got which error (none is the promise).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import engine  # noqa: E402

WORKBOOK = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
RANGES = {"chemotherapy_line": [*range(1, 7)],
          "months_on_bisphosphonate": [n / 10 for n in range(0, 361)]}


def draw(var: Any, rng: random.Random) -> Any:
    if var.unknown and rng.random() < 0.25:
        return None
    if var.type == "boolean":
        return rng.random() < 0.5
    if var.type == "string":
        return rng.choice(var.values)
    return rng.choice(RANGES[var.name])


def cohort(model: Any, rows: int, seed: int) -> pd.DataFrame:
    rng = random.Random(seed)
    inputs = [v for v in model.variables.values() if model.producer(v.name) is None]
    out: list[dict[str, Any]] = []
    while len(out) < rows:
        case = {v.name: draw(v, rng) for v in inputs}
        if not any(c.matches(case) for c in model.constraints):
            out.append(case)
    return pd.DataFrame(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args(argv)
    model = engine.load(str(WORKBOOK))
    frame = cohort(model, args.rows, args.seed)
    for decision in ("bisphosphonate", "continuation"):
        result = model.evaluate_frame(frame, decision)
        errors = Counter(str(e).split(":")[0] for e in result["error"] if isinstance(e, str))
        answers = Counter(result[model.tables[decision].output_names[0]].dropna())
        print(f"{decision}: {len(frame):,} rows, {sum(errors.values()):,} with an error "
              f"{dict(errors) or ''}; answers {dict(answers)}")
        if errors:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
