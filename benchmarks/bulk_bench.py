"""Cohort-scale benchmark: every figure from one run, as ratios (the machine is shared and noisy).

    /work/venv/bin/python benchmarks/bulk_bench.py            # 1,000,000 NBCG cases, peers too
    python benchmarks/bulk_bench.py --rows 100000 --no-peers   # a quick look

Measures, on the same generated NBCG cases:
- `evaluate_frame` against `pandas.factorize` of each input column (the least any evaluator
  must do: read each column once), and its peak memory against the input frame's size;
- one `evaluate` call on the NBCG decision graph (median latency);
- the peers, each in its own virtual environment under benchmarks/.venvs/ (made on first use):
  GoRules zen-engine (`ZenEngine` with a static loader: `evaluate` per case and
  `evaluate_batch`) and pyDMNrules (`decide` per case), on an equivalent graph built from the
  same model (benchmarks/peers/export.py), after checking they give the same answers;
- `guideline eval --input cases.csv --output results.csv` on a 1,000,000-row CSV: time,
  peak RSS (against a run on a fifth of the rows: bounded memory), and its progress bar on a
  pseudo-terminal.
Writes benchmarks/results-bulk.md (the table and the machine) unless --no-write.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"  # git-ignored: generated cases, exported peer tables, results
VENVS = HERE / ".venvs"  # git-ignored
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
DECISION = "bisphosphonate"
PEERS = {"zen": "zen-engine==2.1.3", "pydmnrules": "pydmnrules==1.4.5"}
ZEN_CASES = 200_000  # zen's throughput on this many of the cases (its rate does not depend on n)
PYDMN_CASES = 2_000  # pyDMNrules is slow: a sample
AGREE_CASES = 2_000

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE / "peers"))

import engine  # noqa: E402
from engine import Model  # noqa: E402
from engine.evaluation.bulk import bulk_plan  # noqa: E402
from engine.evaluation.evaluate import plan_for  # noqa: E402


# -- the cases ----------------------------------------------------------------------------------
def make_frame(model: Model, rows: int, seed: int = 2024, null_rate: float = 0.01) -> pd.DataFrame:
    """NBCG-like cases: every input drawn over its domain and the tables' bounds, a few nulls.

    Typed as a registry extract usually is: text as pandas' text, booleans as pandas' nullable
    boolean, whole numbers with gaps as Int64.
    """
    rng = np.random.default_rng(seed)
    columns: dict[str, Any] = {}
    for name, var in plan_for(model, DECISION).needed:
        null = rng.random(rows) < null_rate
        if var.type == "boolean":
            columns[name] = pd.arrays.BooleanArray(rng.random(rows) < 0.5, null)
        elif var.type == "string":
            picks = np.asarray(var.values, dtype=object)[rng.integers(0, len(var.values), rows)]
            picks[null] = None
            columns[name] = pd.array(picks, dtype="str")
        else:
            lo, hi = _span(model, name)
            if var.type == "integer":
                columns[name] = pd.arrays.IntegerArray(rng.integers(lo, hi + 1, rows), null)
            else:
                columns[name] = pd.arrays.FloatingArray(rng.uniform(lo, hi, rows), null)
    return pd.DataFrame(columns)


def _span(model: Model, name: str) -> tuple[int, int]:
    """Whole numbers from the domain's floor to a little past the tables' last bound."""
    bounds = [v for t in model.tables.values() if name in t.input_names for r in t.rules
              for v in r.inputs[t.input_names.index(name)].literals()]  # type: ignore[union-attr]
    var = model.variables[name]
    floor = min(v for v in range(-5, 1000) if var.allowed is None or var.allowed.matches(v))
    return floor, int(max(bounds, default=floor)) + 3


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as `evaluate` and the peers take them: plain Python values, None for missing."""
    plain = frame.astype(object).where(frame.notna(), None)
    return plain.to_dict("records")


# -- timing -------------------------------------------------------------------------------------
def best_of(times: int, work: Any) -> float:
    """The median of `times` runs (seconds): the machine is shared, one run can be unlucky."""
    seconds = []
    for _ in range(times):
        gc.collect()
        start = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def factorize_all(frame: pd.DataFrame) -> None:
    for name in frame.columns:
        pd.factorize(frame[name])


def single_latency(model: Model, cases: list[dict[str, Any]]) -> float:
    """Median µs of one `Model.evaluate` call on answered NBCG cases."""
    good = []
    for case in cases:
        try:
            model.evaluate(case, DECISION)
            good.append(case)
        except engine.CaseError:
            continue
    for case in good[:1000]:
        model.evaluate(case, DECISION)
    samples = []
    clock = time.perf_counter_ns
    for _ in range(10):
        for case in good:
            start = clock()
            model.evaluate(case, DECISION)
            samples.append(clock() - start)
    return statistics.median(samples) / 1000


def latency_parts(model: Model, case: dict[str, Any]) -> str:
    """Where one `evaluate` spends its time: median µs of each step it takes, in order."""
    from engine.domain.values import conform
    from engine.evaluation.evaluate import run_table

    plan = plan_for(model, DECISION)
    known = {n: conform(case[n], v) for n, v in plan.needed}
    parts = [("whole call", lambda: model.evaluate(case, DECISION)),
             (f"conform {len(plan.needed)} inputs",
              lambda: {n: conform(case[n], v) for n, v in plan.needed})]
    after = dict(known)
    for ct in plan.tables:
        before = dict(after)
        values = [before[n] for n in ct.table.input_names]
        parts.append((f"run_table {ct.table.name}",
                      lambda ct=ct, before=before: run_table(ct, dict(before))))
        parts.append((f"of which matching ({len(values)} inputs)",
                      lambda ct=ct, values=values: ct.match(values)))
        run_table(ct, after)
    found = []
    for label, work in parts:
        for _ in range(1000):
            work()
        samples = []
        for _ in range(10000):
            start = time.perf_counter_ns()
            work()
            samples.append(time.perf_counter_ns() - start)
        found.append(f"{label} {statistics.median(samples) / 1000:.1f} µs")
    return "; ".join(found)


# -- memory, in a fresh process -----------------------------------------------------------------
def memory_probe(rows: int) -> dict[str, float]:
    """Peak memory of one `evaluate_frame` call, in this (fresh) process."""
    import tracemalloc

    model = engine.load(str(NBCG))
    frame = make_frame(model, rows)
    model.evaluate_frame(frame.head(100), DECISION)  # the plan is built once per model
    gc.collect()
    size = float(frame.memory_usage(deep=True).sum())
    resettable = _reset_peak()
    before = _status("VmRSS")
    model.evaluate_frame(frame, DECISION)
    rss_peak = _status("VmHWM") - before if resettable else float("nan")
    gc.collect()
    tracemalloc.start()
    model.evaluate_frame(frame, DECISION)
    traced = float(tracemalloc.get_traced_memory()[1])
    tracemalloc.stop()
    return {"input_bytes": size, "rss_growth_bytes": rss_peak, "traced_peak_bytes": traced}


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        return True
    except OSError:
        return False


def _status(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return float(line.split()[1]) * 1024
    return float("nan")


# -- the peers ------------------------------------------------------------------------------------
def peer_python(name: str) -> Path:
    """The peer's own venv (made and filled on first use; it is no project dependency)."""
    python = VENVS / name / "bin" / "python"
    if not python.exists():
        print(f"setting up benchmarks/.venvs/{name} ({PEERS[name]}) ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENVS / name)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", PEERS[name]], check=True)
    return python


def run_peer(name: str, *argv: str) -> dict[str, Any]:
    done = subprocess.run([str(peer_python(name)), str(HERE / "peers" / f"{name}_driver.py"),
                           *argv], capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def agreement(ours: pd.DataFrame, theirs: list[dict[str, Any] | None],
              outputs: list[str]) -> dict[str, int]:
    """Same answer, both without an answer, or a disagreement, case by case."""
    counts = {"same": 0, "neither answers": 0, "differ": 0}
    for position, answer in enumerate(theirs):
        row = ours.iloc[position]
        answered = row["error"] is None
        mine = {o: row[o] for o in outputs} if answered else None
        given = {o: (answer or {}).get(o) for o in outputs}
        if mine is None:
            counts["neither answers" if not any(given.values()) else "differ"] += 1
        else:
            counts["same" if mine == given else "differ"] += 1
    return counts


# -- the batch command ---------------------------------------------------------------------------
def run_cli(cases: Path, results: Path, tty: bool) -> dict[str, Any]:
    """`guideline eval` as a user runs it; stderr on a pseudo-terminal shows the progress bar."""
    import fcntl
    import pty
    import struct
    import termios

    argv = [str(Path(sys.executable).parent / "guideline"), "eval", str(NBCG), "--decision",
            DECISION, "--input", str(cases), "--output", str(results)]
    master = None
    stderr: Any = subprocess.PIPE
    if tty:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
        stderr = slave
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=stderr)
    if tty:
        os.close(slave)
    screen = b""
    if master is not None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:
                break
            if not data:
                break
            screen += data
    stdout = child.stdout.read() if child.stdout else b""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    frames = [f.strip() for f in re.split(rb"[\r\n]", screen) if f.strip()]
    return {"seconds": seconds, "peak_rss_bytes": usage.ru_maxrss * 1024,
            "exit": child.returncode, "stdout": stdout.decode().strip(),
            "progress": frames[-1].decode(errors="replace") if frames else "",
            "progress_updates": len(frames)}


# -- the report -----------------------------------------------------------------------------------
def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = _meminfo_gib()
    return (f"{cpu}, {os.cpu_count()} cores visible, {memory:.0f} GiB RAM, "
            f"{platform.system()} {platform.release()}; Python {platform.python_version()}, "
            f"numpy {np.__version__}, pandas {pd.__version__}")


def _meminfo_gib() -> float:
    try:
        with open("/proc/meminfo") as fh:
            return float(fh.readline().split()[1]) / 2**20
    except OSError:
        return float("nan")


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--no-peers", action="store_true", help="skip zen-engine and pyDMNrules")
    p.add_argument("--no-cli", action="store_true", help="skip the batch command runs")
    p.add_argument("--no-write", action="store_true", help="do not write results-bulk.md")
    p.add_argument("--probe-memory", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.probe_memory:
        print(json.dumps(memory_probe(args.probe_memory)))
        return 0
    OUT.mkdir(exist_ok=True)
    rows: list[tuple[str, str, str, str]] = []  # (what, figure, ratio, target)
    model = engine.load(str(NBCG))
    start = time.perf_counter()
    bulk_plan(model, DECISION)
    compile_ms = (time.perf_counter() - start) * 1000
    frame = make_frame(model, args.rows)
    print(f"{args.rows:,} cases, columns: {dict(frame.dtypes.astype(str))}", file=sys.stderr)

    base = best_of(3, lambda: factorize_all(frame))
    ours = best_of(3, lambda: model.evaluate_frame(frame, DECISION))
    answers = model.evaluate_frame(frame, DECISION)
    errors = int(answers["error"].notna().sum())
    rate = args.rows / ours
    rows.append(("evaluate_frame, all cases", f"{ours:.3f} s ({rate:,.0f} cases/s)",
                 f"{ours / base:.2f}× factorize ({base:.3f} s)", "≤ 3×"))

    cases = records(frame.head(ZEN_CASES))
    latency = single_latency(model, cases[:2000])
    rows.append(("one `evaluate` (NBCG graph), median", f"{latency:.1f} µs", "", "< 20 µs"))
    example = json.loads((ROOT / "docs" / "example-case.json").read_text(encoding="utf-8"))
    breakdown = latency_parts(model, example)

    probe = json.loads(subprocess.run([sys.executable, __file__, "--probe-memory",
                                       str(args.rows)], capture_output=True, text=True,
                                      check=True).stdout)
    size = probe["input_bytes"]
    rows.append(("evaluate_frame peak memory (RSS growth)", mib(probe["rss_growth_bytes"]),
                 f"{probe['rss_growth_bytes'] / size:.2f}× input ({mib(size)})", "< 2×"))
    rows.append(("evaluate_frame peak memory (tracemalloc)", mib(probe["traced_peak_bytes"]),
                 f"{probe['traced_peak_bytes'] / size:.2f}× input", "< 2×"))

    notes: list[str] = [f"plan built once per model and decision: {compile_ms:.0f} ms",
                        f"{errors:,} of {args.rows:,} cases get an error (nulls where a rule "
                        "needs a value): they are part of the work timed",
                        f"where one `evaluate` spends its time (docs/example-case.json, medians): "
                        f"{breakdown}; the rest: the hit policy and the (lazy) trace record"]
    if not args.no_peers:
        rows += peers(model, frame, answers, cases, rate, latency, notes)
    if not args.no_cli:
        rows += cli_runs(frame, notes)
    table = ["| what | figure | ratio | target | met |", "|---|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | {d} | {met(b, c, d)} |" for a, b, c, d in rows]
    text = "\n".join(table)
    print(text)
    print("\n".join(f"- {n}" for n in notes))
    if not args.no_write:
        write_report(args, text, notes)
    return 0


def peers(model: Model, frame: pd.DataFrame, answers: pd.DataFrame,
          cases: list[dict[str, Any]], rate: float, latency: float,
          notes: list[str]) -> list[tuple[str, str, str, str]]:
    import export

    outputs = list(model.tables[DECISION].output_names)
    graph = OUT / "nbcg.jdm.json"
    graph.write_text(json.dumps(export.zen_graph(model, DECISION)), encoding="utf-8")
    workbook = export.pydmnrules_workbook(model, DECISION, OUT / "nbcg-pydmnrules.xlsx")
    zen_cases = OUT / "cases-zen.jsonl"
    with open(zen_cases, "w", encoding="utf-8") as fh:
        for case in cases[:ZEN_CASES]:
            fh.write(json.dumps({k: v for k, v in case.items() if v is not None}) + "\n")
    pyd_cases = OUT / "cases-pydmnrules.jsonl"
    with open(pyd_cases, "w", encoding="utf-8") as fh:
        for case in cases[:PYDMN_CASES]:
            fh.write(json.dumps(case) + "\n")
    zen = run_peer("zen", str(graph), str(zen_cases), str(AGREE_CASES))
    pyd = run_peer("pydmnrules", str(workbook), str(pyd_cases))
    out: list[tuple[str, str, str, str]] = []
    zen_rate = zen["cases"] / zen["evaluate_seconds"]
    batch_rate = zen["cases"] / zen["evaluate_batch_seconds"]
    pyd_rate = pyd["cases"] / pyd["decide_seconds"]
    out.append(("zen-engine `evaluate`, per case in a loop", f"{zen_rate:,.0f} cases/s",
                f"evaluate_frame {rate / zen_rate:,.1f}× faster", "≥ 10×"))
    out.append(("zen-engine `evaluate_batch`", f"{batch_rate:,.0f} cases/s",
                f"evaluate_frame {rate / batch_rate:,.1f}× faster", ""))
    out.append(("zen-engine `evaluate`, median latency", f"{zen['median_latency_us']:.1f} µs",
                f"our `evaluate` {latency / zen['median_latency_us']:.2f}× its latency", "≤ 3×"))
    out.append(("pyDMNrules `decide`", f"{pyd_rate:,.0f} cases/s",
                f"evaluate_frame {rate / pyd_rate:,.0f}× faster", ""))
    z = agreement(answers, zen["answers"], outputs)
    d = agreement(answers, pyd["answers"], outputs)
    notes.append(f"agreement on the first {AGREE_CASES:,} cases: zen-engine {z}; first "
                 f"{PYDMN_CASES:,} cases: pyDMNrules {d}")
    notes.append(f"zen-engine {PEERS['zen'].split('==')[1]} timed on the first {zen['cases']:,} "
                 f"cases, pyDMNrules {PEERS['pydmnrules'].split('==')[1]} on the first "
                 f"{pyd['cases']:,}; both run the graph exported from the same workbook "
                 "(benchmarks/peers/export.py); Unique tables become zen's first-hit tables")
    return out


def cli_runs(frame: pd.DataFrame, notes: list[str]) -> list[tuple[str, str, str, str]]:
    small_rows = max(len(frame) // 5, 1)
    full = OUT / f"cases-{len(frame)}.csv"
    small = OUT / f"cases-{small_rows}.csv"
    frame.to_csv(full, index=False)
    frame.head(small_rows).to_csv(small, index=False)
    big = run_cli(full, OUT / "results-full.csv", tty=True)
    little = run_cli(small, OUT / "results-small.csv", tty=False)
    said = big["stdout"].splitlines()[0].replace(f"{ROOT}/", "") if big["stdout"] else ""
    notes.append(f"batch command: `{said}` "
                 f"(exit {big['exit']}); last progress line on the terminal: "
                 f"`{big['progress']}` ({big['progress_updates']} updates)")
    return [
        (f"`guideline eval` CSV → CSV, {len(frame):,} rows", f"{big['seconds']:.1f} s "
         f"({len(frame) / big['seconds']:,.0f} rows/s)", "", ""),
        ("its peak RSS", mib(big["peak_rss_bytes"]),
         f"{big['peak_rss_bytes'] / little['peak_rss_bytes']:.2f}× the run on {small_rows:,} "
         f"rows ({mib(little['peak_rss_bytes'])})", "bounded: ≈ 1×"),
    ]


def met(figure: str, ratio: str, target: str) -> str:
    """Whether the row meets its target, read back from the texts it shows."""
    goal = re.match(r"([<≤≥]) ([\d.]+)", target)
    if not goal:
        return ""
    text = figure if "µs" in target else ratio
    found = re.search(r"([\d.,]+)[× ]", text)
    if not found:
        return ""
    value, bound = float(found.group(1).replace(",", "")), float(goal.group(2))
    ok = value >= bound if goal.group(1) == "≥" else value <= bound
    return "yes" if ok else "**no**"


def write_report(args: argparse.Namespace, table: str, notes: list[str]) -> None:
    command = "python benchmarks/bulk_bench.py" + (f" --rows {args.rows}"
                                                   if args.rows != 1_000_000 else "")
    text = f"""# Cohort-scale benchmark (issue 6)

Reproduce with one command (peers are set up in benchmarks/.venvs/ on first use):

    {command}

Machine: {machine()}. The machine is shared with other jobs, so absolute times wander from run
to run; the ratios are taken within one run. Cases: {args.rows:,} NBCG cases generated over every
input's domain and the tables' bounds, with 1% nulls (benchmarks/bulk_bench.py `make_frame`).

{table}

{chr(10).join(f"- {n}" for n in notes)}
"""
    (HERE / "results-bulk.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
