"""Cohort-scale and single-case speed on NBCG, against zen-engine and pyDMNrules, as ratios.

    python benchmarks/bulk_bench.py              # 1,000,000 cases; writes results-bulk.md
    python benchmarks/bulk_bench.py --quick      # seconds: every step on small sizes (CI)
    python benchmarks/bulk_bench.py --rows 200000 --zen 20000 --pydmnrules 300

On one cohort generated from the glossary and the constraints (benchmarks/cohort.py, all
valid; a second with a stated share of invalid rows times the error path):
- `evaluate_frame` against `pandas.factorize` of each input column (the least any evaluator
  must do: read each column once), alternated, and its peak memory against the input's size;
- one `Model.evaluate` call against one zen-engine `evaluate` call: median latencies over the
  same cases, rounds alternated with the zen process; and where our call spends its time;
- `evaluate_frame`'s rate against zen-engine's `evaluate` in a loop and `evaluate_batch`, and
  pyDMNrules' `decide`;
- `guideline eval --input cases.csv --output results.csv`: time and bounded peak memory.
Before any figure counts, every case the peers ran must get the answer the engine gives (or
both refuse): the first that differs stops the benchmark (exit 3). `evaluate_frame` must give
`evaluate`'s answer on every case it is compared on, too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "peers"))

import export  # noqa: E402
import harness  # noqa: E402
from cohort import Cohort, cohort  # noqa: E402
from harness import Disagreement, Report, agree, alternate, met  # noqa: E402

import engine  # noqa: E402
from engine import DraftWarning, Model  # noqa: E402
from engine.evaluation import evaluate as evaluate_module  # noqa: E402

NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
DECISION = "bisphosphonate"
FULL = {"rows": 1_000_000, "zen": 100_000, "pydmnrules": 2_000, "rounds": 7, "cli": True,
        "parts": 20_000}
QUICK = {"rows": 5_000, "zen": 500, "pydmnrules": 40, "rounds": 3, "cli": True,
         "parts": 1_000}
INVALID = 0.05  # the share of invalid rows in the cohort that times the error path


def answers_of(model: Model, cases: list[dict[str, Any]]) -> list[dict[str, Any] | None]:
    """`evaluate`'s answer to each case (its outputs), None where it refuses the case."""
    out: list[dict[str, Any] | None] = []
    for case in cases:
        try:
            out.append(dict(model.evaluate(case, DECISION).outputs))
        except engine.CaseError:
            out.append(None)
    return out


def frame_agrees(model: Model, group: Cohort, ours: list[dict[str, Any] | None]) -> None:
    """`evaluate_frame` must answer every row as `evaluate` answers that case."""
    frame = model.evaluate_frame(group.frame().head(len(ours)), DECISION)
    outputs = model.tables[DECISION].output_names
    for i, mine in enumerate(ours):
        row = frame.iloc[i]
        given = None if row["error"] is not None else {o: row[o] for o in outputs}
        if given is not None:
            given = {k: (None if pd.isna(v) else v) for k, v in given.items()}
        if given != mine:
            raise Disagreement(f"evaluate_frame and evaluate differ on case {i}: "
                               f"{group.cases[i]}: {given} vs {mine}")


# -- one evaluate against one zen evaluate ------------------------------------------------------
class Zen:
    """The zen driver as a process beside us: answers first, then timed rounds on request."""

    def __init__(self, graph: Path, cases: Path) -> None:
        self.proc = subprocess.Popen([str(harness.peer_python("zen")),
                                      str(HERE / "peers" / "zen_driver.py"), str(graph),
                                      str(cases)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.first = self._read()

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise Disagreement(f"the zen driver failed: {err.strip()[-3000:]}")
        data: dict[str, Any] = json.loads(line)
        return data

    def ask(self, command: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def our_latency(model: Model, cases: list[dict[str, Any]]) -> float:
    """One round: the median ns of one `Model.evaluate` call over the cases (as zen's round)."""
    clock = time.perf_counter_ns
    samples = []
    evaluate = model.evaluate
    for case in cases:
        start = clock()
        evaluate(case, DECISION)
        samples.append(clock() - start)
    return float(statistics.median(samples))


def latency_parts(model: Model, case: dict[str, Any], runs: int) -> str:
    """Where one `evaluate` spends its time: median µs of each part, in the order it runs."""
    parts = [("whole `Model.evaluate`", lambda: model.evaluate(case, DECISION))]
    parts += engine_parts(model, case)
    found = []
    for label, work in parts:
        for _ in range(runs // 5):
            work()
        samples = []
        for _ in range(runs):
            start = time.perf_counter_ns()
            work()
            samples.append(time.perf_counter_ns() - start)
        found.append(f"{label} {statistics.median(samples) / 1000:.2f} µs")
    return "; ".join(found)


def engine_parts(model: Model, case: dict[str, Any]) -> list[tuple[str, Any]]:
    """The parts of one call, in the order they run, and the general path for comparison."""
    plan = evaluate_module.plan_for(model, DECISION)
    parts: list[tuple[str, Any]] = [
        ("the draft warning (filtered)", lambda: model.draft and warnings.warn(
            model._draft_said(), DraftWarning, stacklevel=2))
        if hasattr(model, "_draft_said") else ("the draft check", lambda: model.draft),
        ("the plan's look-up", lambda: evaluate_module.plan_for(model, DECISION))]
    fast = getattr(plan, "fast", None)
    if fast is not None:
        parts += [("reading and checking the 11 inputs (generated)", lambda: fast.read(case)),
                  ("the whole generated function (inputs, 2 tables, result)",
                   lambda: fast.answer(case))]
    general = getattr(evaluate_module, "evaluate_reference", None)
    if general is not None:
        parts.append(("the general path alone (the path before issue 25)",
                      lambda: general(model, case, DECISION)))
    result = model.evaluate(case, DECISION)
    parts += [("`Result.to_dict(explanation=False)` (not part of evaluate)",
               lambda: result.to_dict(explanation=False)),
              ("`Result.explain()` (lazy; memoised per table)", result.explain)]
    return parts


# -- the run ----------------------------------------------------------------------------------
def main(args: Any) -> Report:
    size = dict(QUICK if args.quick else FULL)
    for key in ("rows", "zen", "pydmnrules"):
        if getattr(args, key, None):
            size[key] = getattr(args, key)
    report = Report("bulk", args.quick)
    out = (args.out or harness.OUT) / "bulk-work"
    out.mkdir(parents=True, exist_ok=True)
    warnings.simplefilter("ignore", DraftWarning)  # NBCG is a draft: said once, here
    model = engine.load(str(NBCG))
    report.note(f"NBCG status {model.about.get('status')!r}: `Model.evaluate` warns "
                "(DraftWarning, filtered here as a user would) on every call")
    start = time.perf_counter()
    group = cohort(model, DECISION, size["rows"])
    report.note(f"{group.stated()}; made in {time.perf_counter() - start:.1f} s")
    frame = group.frame()
    cases = [dict(c) for c in group.cases[:size["zen"]]]
    ours = answers_of(model, cases)
    frame_agrees(model, group, ours[:5000])

    # the peers: agreement first
    graph = out / "nbcg.jdm.json"
    graph.write_text(json.dumps(export.zen_graph(model, DECISION)), encoding="utf-8")
    zen_cases = out / "cases-zen.jsonl"
    zen_cases.write_text("".join(json.dumps({k: v for k, v in c.items() if v is not None}) + "\n"
                                 for c in cases), encoding="utf-8")
    outputs = list(model.tables[DECISION].output_names)
    zen = None
    try:
        zen = Zen(graph, zen_cases)
        counts = agree("zen-engine", cases, ours, zen.first["answers"], outputs)
        report.peers["zen-engine"] = {"version": zen.first["version"], "cases": len(cases),
                                      **counts}
        pyd = peer_pydmnrules(model, cases[:size["pydmnrules"]], ours, outputs, out)
        if pyd is not None:
            report.peers["pyDMNrules"] = pyd
    except harness.PeerUnavailable as exc:
        report.peers["skipped"] = str(exc)
        report.note(f"peers skipped: {exc}")
        zen = None

    # evaluate_frame against factorize, alternated
    a, b, ratio = alternate(lambda: model.evaluate_frame(frame, DECISION),
                            lambda: factorize_all(frame), size["rounds"])
    rate = len(frame) / a
    report.add("`evaluate_frame`, all valid cases", f"{a:.3f} s ({rate:,.0f} cases/s)",
               f"{ratio:.2f}× factorize ({b:.3f} s)", "≤ 2×", ratio, met(ratio, "≤ 2×"))
    spoilt = cohort(model, DECISION, size["rows"], invalid=INVALID).frame()
    a2, b2, ratio2 = alternate(lambda: model.evaluate_frame(spoilt, DECISION),
                               lambda: factorize_all(spoilt), size["rounds"])
    report.add(f"`evaluate_frame`, {INVALID:.0%} invalid rows", f"{a2:.3f} s",
               f"{ratio2:.2f}× factorize ({b2:.3f} s)", "", ratio2)

    # one evaluate against one zen evaluate, rounds alternated
    for case in cases[:2000]:
        model.evaluate(case, DECISION)
    if zen is not None:
        mine, theirs, pairs = [], [], []
        for _ in range(size["rounds"]):
            m = our_latency(model, cases)
            z = zen.ask("latency")["median_ns"]
            mine.append(m)
            theirs.append(z)
            pairs.append(m / z)
        r = statistics.median(pairs)
        report.add("one `evaluate` on NBCG, median latency",
                   f"{statistics.median(mine) / 1000:.2f} µs",
                   f"{r:.2f}× zen-engine's {statistics.median(theirs) / 1000:.2f} µs", "≤ 0.5×",
                   r, met(r, "≤ 0.5×"))
        loops, batches, frames = [], [], []
        for _ in range(max(3, size["rounds"] // 2)):
            loops.append(len(cases) / zen.ask("loop")["seconds"])
            frames.append(len(frame) / harness.median_time(
                lambda: model.evaluate_frame(frame, DECISION), 1))
            batches.append(len(cases) / zen.ask("batch")["seconds"])
        speed = statistics.median([f / z for f, z in zip(frames, loops)])
        report.add("zen-engine `evaluate`, per case in a loop",
                   f"{statistics.median(loops):,.0f} cases/s",
                   f"`evaluate_frame` {speed:,.1f}× faster", "≥ 50×", speed, met(speed, "≥ 50×"))
        batch = statistics.median([f / z for f, z in zip(frames, batches)])
        report.add("zen-engine `evaluate_batch`", f"{statistics.median(batches):,.0f} cases/s",
                   f"`evaluate_frame` {batch:,.1f}× faster", "", batch)
        zen.close()
    else:
        m = our_latency(model, cases)
        report.add("one `evaluate` on NBCG, median latency", f"{m / 1000:.2f} µs",
                   "(no peer)", "≤ 0.5×")
    if "pyDMNrules" in report.peers:
        pyd_rate = report.peers["pyDMNrules"]["cases per s"]
        report.add("pyDMNrules `decide`", f"{pyd_rate:,.0f} cases/s",
                   f"`evaluate_frame` {rate / pyd_rate:,.0f}× faster", "", rate / pyd_rate)
    example = json.loads((ROOT / "docs" / "example-case.json").read_text(encoding="utf-8"))
    report.note("where one `evaluate` spends its time (docs/example-case.json, medians): "
                + latency_parts(model, example, size["parts"]))

    probe = json.loads(subprocess.run(
        [sys.executable, __file__, "--probe-memory", str(size["rows"])], capture_output=True,
        text=True, check=True).stdout)
    growth = probe["rss_growth_bytes"] / probe["input_bytes"]
    report.add("`evaluate_frame` peak memory (RSS growth)", mib(probe["rss_growth_bytes"]),
               f"{growth:.2f}× the input ({mib(probe['input_bytes'])})", "< 2×", growth,
               met(growth, "< 2×"))
    if size["cli"]:
        cli_runs(frame, out, report)
    if not args.quick:
        write_results(report, group)
    return report


def peer_pydmnrules(model: Model, cases: list[dict[str, Any]],
                    ours: list[dict[str, Any] | None], outputs: list[str],
                    out: Path) -> dict[str, Any] | None:
    workbook = export.pydmnrules_workbook(model, DECISION, out / "nbcg-pydmnrules.xlsx")
    path = out / "cases-pydmnrules.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    pyd = harness.run_peer("pydmnrules", str(workbook), str(path))
    counts = agree("pyDMNrules", cases, ours[:len(cases)], pyd["answers"], outputs)
    return {"version": pyd["version"], "cases": len(cases), **counts,
            "cases per s": pyd["cases"] / pyd["decide_seconds"]}


def factorize_all(frame: pd.DataFrame) -> None:
    for name in frame.columns:
        pd.factorize(frame[name])


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


# -- memory, in a fresh process -----------------------------------------------------------------
def memory_probe(rows: int) -> dict[str, float]:
    """RSS growth during one `evaluate_frame` call, in this fresh process."""
    warnings.simplefilter("ignore", DraftWarning)
    model = engine.load(str(NBCG))
    frame = cohort(model, DECISION, rows).frame()
    model.evaluate_frame(frame.head(100), DECISION)  # the plan is built once per model
    size = float(frame.memory_usage(deep=True).sum())
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
    except OSError:
        return {"input_bytes": size, "rss_growth_bytes": float("nan")}
    before = _status("VmRSS")
    model.evaluate_frame(frame, DECISION)
    return {"input_bytes": size, "rss_growth_bytes": _status("VmHWM") - before}


def _status(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return float(line.split()[1]) * 1024
    return float("nan")


# -- the batch command ---------------------------------------------------------------------------
def cli_runs(frame: pd.DataFrame, out: Path, report: Report) -> None:
    """`guideline eval` CSV -> CSV as a user runs it; peak RSS against a run on a fifth."""
    small_rows = max(len(frame) // 5, 1)
    full, small = out / "cases-full.csv", out / "cases-small.csv"
    frame.to_csv(full, index=False)
    frame.head(small_rows).to_csv(small, index=False)
    big = run_cli(full, out / "results-full.csv")
    little = run_cli(small, out / "results-small.csv")
    if big["exit"] != 0:
        raise Disagreement(f"`guideline eval` on valid cases exited {big['exit']}: "
                           f"{big['stdout']} {big['stderr']}")
    report.add(f"`guideline eval` CSV → CSV, {len(frame):,} rows",
               f"{big['seconds']:.1f} s ({len(frame) / big['seconds']:,.0f} rows/s)")
    growth = big["peak_rss_bytes"] / little["peak_rss_bytes"]
    report.add("its peak RSS", mib(big["peak_rss_bytes"]),
               f"{growth:.2f}× the run on {small_rows:,} rows", "bounded: ≈ 1×", growth)


def run_cli(cases: Path, results: Path) -> dict[str, Any]:
    """One run of the command; its own peak RSS from the kernel's accounting of the child."""
    argv = [sys.executable, "-m", "engine.cli.main", "eval", str(NBCG), "--decision",
            DECISION, "--input", str(cases), "--output", str(results)]
    said = results.with_suffix(".said")
    start = time.perf_counter()
    with open(said, "w+b") as log:
        child = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                                 env={**os.environ, "PYTHONPATH": str(ROOT)})
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        text = log.read().decode(errors="replace").strip()
    return {"seconds": seconds, "peak_rss_bytes": usage.ru_maxrss * 1024,
            "exit": child.returncode, "stdout": text[:300], "stderr": text[-300:]}


def write_results(report: Report, group: Cohort) -> None:
    shown = [a for a, before in zip(sys.argv[1:], ["", *sys.argv[1:]])
             if a != "--out" and before != "--out"]
    command = " ".join(["python benchmarks/bulk_bench.py", *shown])
    text = f"""# Cohort-scale and single-case speed on NBCG (issues 6 and 25)

Reproduce with one command (the peers' environments are built in benchmarks/.venvs/ from
benchmarks/peers/requirements-*.txt on first use):

    {command}

Machine: {harness.machine()}. The machine is shared with other jobs, so absolute times
wander from run to run; every ratio is taken within one run, the two sides alternated.
Cases: {group.stated()}.

{report.table()}

{chr(10).join(f"- {n}" for n in report.notes)}
- peers: {json.dumps(report.peers, ensure_ascii=False)}
"""
    (HERE / "results-bulk.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    cli = harness.parser(__doc__)
    cli.add_argument("--rows", type=int, help="cases in the cohort (default 1,000,000)")
    cli.add_argument("--zen", type=int, help="cases zen-engine answers and is timed on")
    cli.add_argument("--pydmnrules", type=int, help="cases pyDMNrules answers")
    cli.add_argument("--probe-memory", type=int, help=argparse.SUPPRESS)
    parsed = cli.parse_args()
    if parsed.probe_memory:
        print(json.dumps(memory_probe(parsed.probe_memory)))
        sys.exit(0)
    sys.exit(harness.run(main, parsed))
