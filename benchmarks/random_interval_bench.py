"""How `check` grows on tables of random intervals (issue 17): 1,000 / 2,000 / 10,000 rules x 3
number inputs, each cell a random closed range, hit policy U.

Run: `python benchmarks/random_interval_bench.py [--sizes 1000 2000 10000] [--out FILE]`.

Unlike the committee-shaped trees of check_bench.py, nothing lines up here: every rule brings
its own bounds, so each column is cut into ~2n atoms, rules overlap in scattered pairs and the
table is full of gaps. The red team measured 2,000 rules at 14.5 s and 10,000 at 6 min 25 s;
the target is time per rule growing no worse than log n. Widths are drawn so that a rule
covers a few percent of each column (most rules overlap a few others, not all of them).
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

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


def measure(n_rules: int) -> tuple[float, dict[str, int]]:
    cols, rows = random_table(n_rules)
    model = build_model(cols, rows)
    start = time.perf_counter()
    findings = check_model(model)
    seconds = time.perf_counter() - start
    kinds: dict[str, int] = {}
    for f in findings:
        kinds[f.kind] = kinds.get(f.kind, 0) + 1
    return seconds, kinds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 10000])
    parser.add_argument("--out")
    args = parser.parse_args()
    lines = ["| rules | check (s) | ms per rule | findings |", "|---:|---:|---:|---|"]
    for n in args.sizes:
        seconds, kinds = measure(n)
        found = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
        lines.append(f"| {n:,} | {seconds:.2f} | {1000 * seconds / n:.2f} | {found} |")
        print(lines[-1], flush=True)
    text = (f"# check on random-interval tables (3 number inputs, hit policy U)\n\n"
            f"Python {platform.python_version()}, {platform.machine()}; "
            f"`python benchmarks/random_interval_bench.py`\n\n" + "\n".join(lines) + "\n")
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
