"""What every benchmark shares: `--quick` and `--out`, figures as ratios taken in one run, the
peers' pinned virtual environments, and failing loudly when a peer disagrees.

A benchmark is a file `benchmarks/<name>_bench.py` (that is how `tests/test_benchmarks.py`
finds it). Run with `--quick --out DIR` it must finish in seconds, exit 0, and write
`DIR/<name>.json`: `{"figures": [...], "peers": {...}}` with at least one figure. It exits
non-zero when a peer gives another answer than the engine on a valid case (printing the first
such case) or when anything fails. Without `--quick` it also writes its `results-*.md`.

The machine is shared, so a figure is never judged against an absolute time: each is a ratio
to a peer or a floor measured in the same run, the two alternated (A B A B ...) so that a
neighbour's burst slows both.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENVS = HERE / ".venvs"  # git-ignored: the peers' own environments
OUT = HERE / "out"  # git-ignored: generated inputs, exported peer tables, quick figures
PEERS_DIR = HERE / "peers"
# each peer's environment is built from its requirements file: every package pinned
PEER_REQUIREMENTS = {"zen": PEERS_DIR / "requirements-zen.txt",
                     "pydmnrules": PEERS_DIR / "requirements-pydmnrules.txt"}
DISAGREE = 3  # exit status when a peer answers a valid case differently


class Disagreement(Exception):
    """A peer answered a valid case differently: the benchmark's figures mean nothing."""


class PeerUnavailable(Exception):
    """The peer's environment cannot be built because the package registry is unreachable."""


@dataclass
class Figure:
    what: str
    figure: str
    ratio: str = ""  # to its peer or floor, measured in the same run
    target: str = ""
    met: str = ""  # yes / no / "" (no target)
    value: float = math.nan  # the ratio (or figure) as a number, for the JSON


@dataclass
class Report:
    """The figures and notes of one run, written as JSON (always) and as a results file."""

    name: str
    quick: bool
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    peers: dict[str, Any] = field(default_factory=dict)

    def add(self, what: str, figure: str, ratio: str = "", target: str = "",
            value: float = math.nan, met: bool | None = None) -> Figure:
        row = Figure(what, figure, ratio, target, "" if met is None else ("yes" if met
                                                                           else "**no**"), value)
        self.figures.append(row)
        print(f"{what}: {figure}" + (f" — {ratio}" if ratio else "")
              + (f" (target {target}: {row.met or '-'})" if target else ""), flush=True)
        return row

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"- {text}", flush=True)

    def table(self) -> str:
        lines = ["| what | figure | ratio | target | met |", "|---|---|---|---|---|"]
        lines += [f"| {f.what} | {f.figure} | {f.ratio} | {f.target} | {f.met} |"
                  for f in self.figures]
        return "\n".join(lines)

    def write_json(self, out: Path) -> Path:
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{self.name}.json"
        data = {"benchmark": self.name, "quick": self.quick, "machine": machine(),
                "figures": [asdict(f) for f in self.figures], "notes": self.notes,
                "peers": self.peers}
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n",
                        encoding="utf-8")
        return path


def parser(doc: str | None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="a few seconds: small sizes, every step still taken (CI runs this)")
    p.add_argument("--out", type=Path, default=None,
                   help="folder for the figures as JSON (default benchmarks/out/)")
    return p


def run(main: Callable[[argparse.Namespace], Report], args: argparse.Namespace) -> int:
    """Run a benchmark: its figures to JSON; exit 3 on a disagreeing peer, 1 on a failure."""
    try:
        report = main(args)
    except Disagreement as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return DISAGREE
    path = report.write_json(args.out or OUT)
    print(f"figures written to {path}")
    return 0


# -- timing ---------------------------------------------------------------------------------
# In-process work is timed in CPU seconds of this process (all its threads): on a machine
# whose two cores are shared by many jobs, the wall clock also counts the time others held them.
clock = time.process_time


def median_time(work: Callable[[], Any], runs: int) -> float:
    """The median of `runs` runs in CPU seconds: one unlucky run moves nothing."""
    seconds = []
    for _ in range(runs):
        gc.collect()
        start = clock()
        work()
        seconds.append(clock() - start)
    return statistics.median(seconds)


def alternate(a: Callable[[], Any], b: Callable[[], Any], runs: int
              ) -> tuple[float, float, float]:
    """A and B in turn, `runs` times each: (median A s, median B s, median of the pair ratios),
    in CPU seconds."""
    ta, tb, ratios = [], [], []
    for _ in range(runs):
        gc.collect()
        start = clock()
        a()
        mid = clock()
        b()
        end = clock()
        ta.append(mid - start)
        tb.append(end - mid)
        ratios.append((mid - start) / (end - mid))
    return statistics.median(ta), statistics.median(tb), statistics.median(ratios)


def alternate_processes(a: Sequence[str], b: Sequence[str], runs: int,
                        env: dict[str, str] | None = None) -> dict[str, float]:
    """Two commands as whole processes, alternated: start-up, imports and exit included.
    Medians of wall and CPU seconds (user + system, the kernel's accounting of the child) and
    of the pair ratios: on a machine whose cores are oversubscribed the wall clock also counts
    the time a process waited for a core, which the short command suffers most; CPU does not."""
    def one(argv: Sequence[str]) -> tuple[float, float]:
        start = time.perf_counter()
        child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(child.pid, 0)
        return time.perf_counter() - start, usage.ru_utime + usage.ru_stime

    one(a)  # warm the file cache (and write the bytecode) for both
    one(b)
    wa, wb, ca, cb, wr, cr = [], [], [], [], [], []
    for _ in range(runs):
        (w1, c1), (w2, c2) = one(a), one(b)
        wa.append(w1)
        wb.append(w2)
        ca.append(c1)
        cb.append(c2)
        wr.append(w1 / w2)
        cr.append(c1 / c2 if c2 else math.nan)
    m = statistics.median
    return {"wall_a": m(wa), "wall_b": m(wb), "wall_ratio": m(wr), "cpu_a": m(ca),
            "cpu_b": m(cb), "cpu_ratio": m(cr)}


def met(value: float, target: str) -> bool | None:
    """Whether a value meets a target written `≤ 0.5×`, `< 2 s`, `≥ 50×`."""
    words = target.split()
    if len(words) < 2:
        return None
    try:
        bound = float(words[1].rstrip("×").replace(",", ""))
    except ValueError:
        return None
    return {"≤": value <= bound, "<": value < bound, "≥": value >= bound,
            ">": value > bound}.get(words[0])


# -- the peers ------------------------------------------------------------------------------
def peer_python(name: str) -> Path:
    """The peer's own environment, built from its pinned requirements on first use (and again
    when the pins change). Raises PeerUnavailable only when the registry cannot be reached."""
    requirements = PEER_REQUIREMENTS[name]
    pins = requirements.read_text(encoding="utf-8")
    home = VENVS / name
    python = home / "bin" / "python"
    stamp = home / "pinned.txt"
    if python.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == pins:
        return python
    print(f"setting up benchmarks/.venvs/{name} from {requirements.name} ...",
          file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(home)], check=True)
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                           "-r", str(requirements)], capture_output=True, text=True)
    if done.returncode != 0:
        if not registry_reachable(python):
            raise PeerUnavailable(f"{name}: the package registry cannot be reached, so its "
                                  f"pinned environment cannot be built ({requirements.name})")
        raise RuntimeError(f"{name}: pip could not install {requirements.name}:\n"
                           f"{done.stderr[-2000:]}")
    stamp.write_text(pins, encoding="utf-8")
    return python


def registry_reachable(python: Path) -> bool:
    """Whether pip can reach its package index at all (asked about pip itself, which is there
    whenever the index answers): a failed install with a reachable index is a real failure."""
    probe = subprocess.run([str(python), "-m", "pip", "index", "versions", "pip",
                            "--disable-pip-version-check"], capture_output=True, text=True,
                           timeout=120)
    return probe.returncode == 0


def run_peer(name: str, *argv: str) -> dict[str, Any]:
    """Run `peers/<name>_driver.py` in the peer's environment; its stdout is one JSON object."""
    done = subprocess.run([str(peer_python(name)), str(PEERS_DIR / f"{name}_driver.py"), *argv],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise Disagreement(f"the {name} driver failed (exit {done.returncode}):\n"
                           f"{done.stderr.strip()[-3000:]}")
    try:
        result: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise Disagreement(f"the {name} driver printed no JSON: {done.stdout[:500]!r}") from None
    if "error" in result:
        raise Disagreement(f"{name} refused the exported tables: {result['error']}")
    return result


def same_answer(ours: dict[str, Any] | None, theirs: dict[str, Any] | None,
                outputs: Sequence[str]) -> bool:
    """One case: the same outputs, or neither answers (a refusal, or no output at all)."""
    mine = None if ours is None else {o: ours.get(o) for o in outputs}
    given = None if theirs is None else {o: theirs.get(o) for o in outputs}
    if mine is None or not any(v is not None for v in mine.values()):
        return given is None or not any(v is not None for v in given.values())
    return mine == given


def agree(peer: str, cases: Sequence[dict[str, Any]], ours: Sequence[dict[str, Any] | None],
          theirs: Sequence[dict[str, Any] | None], outputs: Sequence[str]) -> dict[str, int]:
    """Every case the peer ran must get the same answer (or both refuse); else Disagreement
    naming the first case that differs."""
    if len(theirs) != len(cases):
        raise Disagreement(f"{peer} answered {len(theirs):,} of {len(cases):,} cases")
    counts = {"same answer": 0, "both refuse": 0}
    for i, (case, mine, given) in enumerate(zip(cases, ours, theirs)):
        if not same_answer(mine, given, outputs):
            raise Disagreement(
                f"{peer} disagrees with the engine on case {i} of {len(cases):,}:\n"
                f"  case:   {json.dumps(case, default=str, ensure_ascii=False)}\n"
                f"  engine: {json.dumps(mine, default=str, ensure_ascii=False)}\n"
                f"  {peer}: {json.dumps(given, default=str, ensure_ascii=False)}")
        counts["same answer" if mine is not None else "both refuse"] += 1
    return counts


# -- the machine ----------------------------------------------------------------------------
def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}; load average {load:.1f} at the end")
