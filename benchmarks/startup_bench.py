"""The edit–check loop: `guideline check` on NBCG as a whole process, against `python -c pass`.

    python benchmarks/startup_bench.py [WORKBOOK] [--runs 21]   # --quick: 5 runs (CI)

The two commands are run in turn (A B A B ...) in the same interpreter and the ratio is taken
pair by pair, so a neighbour's burst slows both; CPU seconds (the kernel's accounting of each
child) and wall seconds are both reported, CPU being the one an oversubscribed machine does
not distort. Then, in one process: what the command
imports (`python -X importtime`: the heaviest modules, and whether pandas, numpy, openpyxl,
FastAPI or Jinja2 came in: a plain workbook needs none of them) and where its time goes
(imports, reading the workbook, building the model, the check, the report).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import harness  # noqa: E402

NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
HEAVY = ("pandas", "numpy", "openpyxl", "fastapi", "starlette", "uvicorn", "jinja2", "pydantic",
         "tqdm", "defusedxml")
# as a user's machine runs it: compiled bytecode cached (the first run writes it)
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
       "PYTHONPATH": str(ROOT)}

SPLIT = """
import time, statistics
t0 = time.perf_counter()
from engine.cli import cmd_check
t1 = time.perf_counter()
from engine.workbook import xlsx
from engine.workbook.loader import build_model
from engine.verify.check import check_model
from engine.verify.findings_report import render_check
path = {path!r}
read, build, check, report = [], [], [], []
for _ in range({runs}):
    a = time.perf_counter(); sheets = xlsx.read_sheets(path); b = time.perf_counter()
    model = build_model(path, sheets); c = time.perf_counter()
    findings = check_model(model); d = time.perf_counter()
    render_check(model, findings, "text"); e = time.perf_counter()
    read.append(b - a); build.append(c - b); check.append(d - c); report.append(e - d)
m = statistics.median
print(f"{{t1 - t0:.4f}} {{m(read):.4f}} {{m(build):.4f}} {{m(check):.4f}} {{m(report):.4f}}")
"""


def imports(workbook: str) -> tuple[list[tuple[int, str]], list[str]]:
    """The modules `guideline check` imports: (cumulative µs, name) of the heaviest top-level
    packages, and which of the heavy libraries came in."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "engine.cli.main", "check",
                           workbook], capture_output=True, text=True, env=ENV, cwd=ROOT)
    rows = []
    for line in done.stderr.splitlines():
        found = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if found and not found.group(2).strip(" ") and len(found.group(2)) == 1:
            rows.append((int(found.group(1)), found.group(3)))
    names = {name for _, name in rows} | {
        m.group(1) for m in re.finditer(r"\|\s+(\S+)$", done.stderr, re.M)}
    heavy = sorted(h for h in HEAVY if h in names)
    return sorted(rows, reverse=True)[:8], heavy


def main(args: argparse.Namespace) -> harness.Report:
    runs = 5 if args.quick else args.runs
    report = harness.Report("startup", args.quick)
    check = [sys.executable, "-m", "engine.cli.main", "check", args.workbook]
    floor = [sys.executable, "-c", "pass"]
    t = harness.alternate_processes(check, floor, runs, env=ENV)
    report.add("`guideline check` on NBCG, whole process, CPU (user + system)",
               f"{t['cpu_a']:.3f} s (median of {runs})",
               f"{t['cpu_ratio']:.2f}× `python -c pass` ({t['cpu_b']:.3f} s)", "≤ 5×",
               t["cpu_ratio"], harness.met(t["cpu_ratio"], "≤ 5×"))
    report.add("the same, wall clock", f"{t['wall_a']:.3f} s",
               f"{t['wall_ratio']:.2f}× `python -c pass` ({t['wall_b']:.3f} s)", "≤ 5×",
               t["wall_ratio"], harness.met(t["wall_ratio"], "≤ 5×"))
    heaviest, heavy = imports(args.workbook)
    report.add("heavy libraries imported by `guideline check`", ", ".join(heavy) or "none",
               "", "none")
    report.note("heaviest top-level imports (cumulative ms): " + ", ".join(
        f"{name} {us / 1000:.1f}" for us, name in heaviest))
    split = subprocess.run([sys.executable, "-c", SPLIT.format(path=args.workbook, runs=runs)],
                           capture_output=True, text=True, env=ENV, cwd=ROOT, check=True)
    first, read, build, checked, said = (float(x) for x in split.stdout.split())
    report.note(f"inside one process (medians): the command's imports {first * 1000:.0f} ms "
                f"(first run), reading the workbook {read * 1000:.0f} ms, building the model "
                f"{build * 1000:.0f} ms, the check {checked * 1000:.0f} ms, the report "
                f"{said * 1000:.0f} ms")
    return report


if __name__ == "__main__":
    cli = harness.parser(__doc__)
    cli.add_argument("workbook", nargs="?", default=str(NBCG))
    cli.add_argument("--runs", type=int, default=21)
    sys.exit(harness.run(main, cli.parse_args()))
