"""How `check` grows on tables of random intervals (issues 17 and 25): rules x 3 number inputs,
each cell a random closed range, hit policy U.

    python benchmarks/random_interval_bench.py [--sizes 1000 2000 5000 10000]   # --quick: CI

Unlike the committee-shaped trees of check_bench.py, nothing lines up here: every rule brings
its own bounds, so each column is cut into ~2n atoms, rules overlap in scattered pairs and the
table is full of gaps. The red team measured 2,000 rules at 14.5 s and 10,000 at 6 min 25 s;
the targets: 10,000 rules checked in under 2 s, and growth near n log n (the exponent of the
time between the smallest and the largest size is reported: n log n from 1,000 to 10,000 rules
is about 1.1). Widths are drawn so that a rule covers a few percent of each column (most rules
overlap a few others, not all of them). The time to build the model is the floor. Times are
the process's CPU seconds (`time.process_time`): one thread, and on a machine shared with
other jobs the wall clock also counts the time others held the cores.
"""

from __future__ import annotations

import math
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import harness  # noqa: E402
from check_bench import Col, build_model  # noqa: E402

from engine.verify.check import check_model  # noqa: E402

DOMAIN = 100_000


def random_table(n_rules: int, seed: int = 17) -> tuple[list[Col], list[list[str]]]:
    rng = random.Random(seed)
    cols = [Col(f"x{k}", "number", lo=0, hi=DOMAIN) for k in range(3)]
    rows = []
    for n in range(1, n_rules + 1):
        cells = []
        for _ in cols:
            width = rng.randint(DOMAIN // 50, DOMAIN // 5)
            start = rng.randint(0, DOMAIN - width)
            cells.append(f"[{start}..{start + width}]")
        rows.append([f"R{n}", *cells, f'"{rng.choice(("start", "stop", "observe"))}"'])
    return cols, rows


def measure(n_rules: int) -> tuple[float, float, dict[str, int]]:
    cols, rows = random_table(n_rules)
    start = time.process_time()
    model = build_model(cols, rows)
    built = time.process_time() - start
    start = time.process_time()
    findings = check_model(model)
    seconds = time.process_time() - start
    kinds: dict[str, int] = {}
    for f in findings:
        kinds[f.kind] = kinds.get(f.kind, 0) + 1
    return seconds, built, kinds


def main(args: Any) -> harness.Report:
    sizes = [150, 300, 600] if args.quick else args.sizes
    report = harness.Report("random_interval", args.quick)
    times = []
    for n in sizes:
        seconds, built, kinds = measure(n)
        times.append(seconds)
        found = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
        target = "< 2 s" if n == 10_000 else ""
        report.add(f"check, {n:,} random 3-input interval rules",
                   f"{seconds:.2f} CPU s ({1000 * seconds / n:.2f} ms per rule); {found}",
                   f"{seconds / built:.1f}× building the model ({built:.2f} s)", target,
                   seconds, harness.met(seconds, target) if target else None)
    exponent = math.log(times[-1] / times[0]) / math.log(sizes[-1] / sizes[0])
    nlogn = math.log(sizes[-1] * math.log(sizes[-1]) / (sizes[0] * math.log(sizes[0]))) \
        / math.log(sizes[-1] / sizes[0])
    report.add(f"growth, {sizes[0]:,} → {sizes[-1]:,} rules", f"time ∝ n^{exponent:.2f}",
               f"n log n would be n^{nlogn:.2f}", f"≤ {nlogn + 0.15:.2f}", exponent,
               harness.met(exponent, f"≤ {nlogn + 0.15:.2f}"))
    if not args.quick:
        (ROOT / "benchmarks" / "results-random-intervals.md").write_text(
            "# check on random-interval tables (3 number inputs, hit policy U)\n\n"
            f"Machine: {harness.machine()}. `python benchmarks/random_interval_bench.py`\n\n"
            + report.table() + "\n", encoding="utf-8")
    return report


if __name__ == "__main__":
    cli = harness.parser(__doc__)
    cli.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 5000, 10000])
    sys.exit(harness.run(main, cli.parse_args()))
