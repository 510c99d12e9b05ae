"""The edit–check loop: `guideline check` on NBCG from process start to exit, and its split.

Run: python benchmarks/check_startup.py [WORKBOOK] [--runs N]. Prints the median of N whole
runs of the command, of `python -c pass` in the same interpreter (the floor no command goes
under), and the median split inside one process: imports, reading the workbook (calamine's
fast path and openpyxl's streaming path, for comparison), building the model, the check.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def whole(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=False, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


SPLIT = """
import time, statistics
t0 = time.perf_counter()
from engine.cli import cmd_check
t1 = time.perf_counter()
from engine.workbook import xlsx
from engine.workbook.loader import build_model
from engine.verify.check import check_model
path = {path!r}
fast, slow, build, check = [], [], [], []
for _ in range({runs}):
    a = time.perf_counter(); sheets = xlsx.read_sheets(path); b = time.perf_counter()
    xlsx._read_streaming(path); c = time.perf_counter()
    model = build_model(path, sheets); d = time.perf_counter()
    check_model(model); e = time.perf_counter()
    fast.append(b - a); slow.append(c - b); build.append(d - c); check.append(e - d)
m = statistics.median
print(f"imports of the check command  {{t1 - t0:.3f}} s (first run)")
print(f"read workbook (fast path)     {{m(fast):.3f}} s")
print(f"read workbook (openpyxl)      {{m(slow):.3f}} s (what every check paid before)")
print(f"build the model               {{m(build):.3f}} s")
print(f"check                         {{m(check):.3f}} s")
"""


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("workbook", nargs="?", default=str(ROOT / "tables" / "nbcg-bisfosfonat.xlsx"))
    p.add_argument("--runs", type=int, default=11)
    args = p.parse_args()
    floor = whole([sys.executable, "-c", "pass"], args.runs)
    cmd = whole([sys.executable, "-m", "engine.cli.main", "check", args.workbook], args.runs)
    print(f"python -c pass                {floor:.3f} s (median of {args.runs})")
    print(f"guideline check, whole run    {cmd:.3f} s (median of {args.runs})")
    subprocess.run([sys.executable, "-c", SPLIT.format(path=args.workbook, runs=args.runs)],
                   check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
