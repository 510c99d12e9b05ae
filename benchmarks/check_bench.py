"""How fast `guideline check` proves big tables: the growth curve and the issue's targets.

Run: `python benchmarks/check_bench.py [--quick] [--results benchmarks/results-check.md]`
(`--quick`: three small tables, for CI; figures as JSON in `--out DIR`, see harness.py).

The tables are generated, not sampled from life, but shaped like the tables a committee writes:

- **complete tables** (`tree_table`): a decision tree flattened into rows, the way a guideline
  is written — split the cases on one finding (an enumerated value, or a numeric threshold
  taken from a small per-column pool of clinically round cut-offs), then split each branch
  again on another finding, until there are N leaves. Each leaf is one rule; a column the
  path never split on is `-`. Numeric cells come out as `< 12`, `[12..24)`, `>= 40`;
  enumerated cells as one value or a list; integer columns as `[2..4]`, `3`, `>= 5`. The table
  is complete and free of overlaps by construction (hit policy U), so the check must prove
  exactly that — the slow path: nothing is found early. Rules keep the depth-first order
  of the tree, as people write them. The inputs cycle through text (3-6 allowed values),
  number, integer, text, boolean, number; numeric domains are `[0..120]`, `[0..200]` or
  `[0..500]` with a pool of 4 cut-offs per column (up to 1,000 rules) or 40 (10,000 rules).
  A rule constrains 8 of 10 inputs on average (a deep tree: the harder case). Outputs are
  drawn at random from 6 answers, so neighbouring rules sometimes agree (mergeable notes).
- **first-hit with a catch-all** (`catch_all`): the 1,000-rule tree under hit policy F with a
  last row of `-` everywhere, as committees write "otherwise": the check must prove that
  the catch-all never decides (masked) — a full completeness proof of the other rules.
- **heavily overlapping** (`overlap_table`): 100 rules x 5 number columns, each cell a random
  closed range covering 40-90 % of the column's domain `[0..1000]`, hit policy U: most pairs
  of rules overlap, and the 200 distinct bounds per column cut it into ~400 atoms, so a
  cell-enumerating sweep meets 400^5 elementary cells. The union of the ranges leaves many
  small gaps near the corners of the domain. `overlap-complete` adds the 32 rules that split
  every column at 500 (`< 500` / `>= 500`, all combinations): the same overlaps, but now the
  check must *prove* that no gap is left, which no single rule shows.

Tables up to 1,000 rules are written as real .xlsx files (openpyxl) and loaded with
`engine.load`, so that the time to check can be compared with the time to load; the 10,000
rule tables are also built as `Model` objects directly (their load time is measured too).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations, product
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import harness  # noqa: E402

from engine import Model, load  # noqa: E402
from engine.core.model import Column, Rule, Table, Variable  # noqa: E402
from engine.core.sfeel import literal_text, parse_unary  # noqa: E402
from engine.workbook.cells import cell_test  # noqa: E402

OUTPUT_VALUES = ("start", "consider", "observe", "defer", "stop", "refer")
OTHERWISE = "not_covered"  # the catch-all's answer


@dataclass
class Col:
    name: str
    type: str  # string, number, integer, boolean
    values: tuple[str, ...] = ()  # string
    lo: int = 0  # number / integer domain [lo..hi]
    hi: int = 0
    cuts: tuple[int, ...] = ()  # the thresholds the committee uses

    def glossary_row(self) -> tuple[Any, ...]:
        if self.type == "string":
            return (self.name, "string", ", ".join(f'"{v}"' for v in self.values))
        if self.type == "boolean":
            return (self.name, "boolean", None)
        return (self.name, self.type, f"[{self.lo}..{self.hi}]")


def make_columns(n: int, rng: random.Random, n_cuts: int) -> list[Col]:
    """Mixed inputs: about half enumerations (2-6 values), half numbers and integers."""
    cols = []
    for k in range(n):
        kind = ("string", "number", "integer", "string", "boolean", "number")[k % 6]
        if kind == "string":
            size = rng.randint(3, 6)
            cols.append(Col(f"finding_{k}", "string", tuple(f"v{k}_{i}" for i in range(size))))
        elif kind == "boolean":
            cols.append(Col(f"flag_{k}", "boolean"))
        else:
            hi = rng.choice((120, 200, 500))
            step = hi // (n_cuts + 1)
            cuts = tuple(sorted({step * (i + 1) + rng.randint(-step // 3, step // 3)
                                 for i in range(n_cuts)}))
            cols.append(Col(f"{kind}_{k}", kind, lo=0, hi=hi, cuts=cuts))
    return cols


# -- complete tables: a decision tree flattened into rows --------------------------------------
Cell = Any  # frozenset of values (enumerations) or (lo_cut_index, hi_cut_index) (ordered)


def _full(col: Col) -> Cell:
    if col.type == "string":
        return frozenset(col.values)
    if col.type == "boolean":
        return frozenset((True, False))
    return (0, len(col.cuts) + 1)  # between cut index 0 (domain low) and len+1 (domain high)


def _split(col: Col, cell: Cell, rng: random.Random) -> list[Cell] | None:
    if col.type in ("string", "boolean"):
        vals = sorted(cell, key=str)
        if len(vals) < 2:
            return None
        rng.shuffle(vals)
        parts = rng.randint(2, min(3, len(vals)))
        cut = sorted(rng.sample(range(1, len(vals)), parts - 1))
        return [frozenset(vals[a:b]) for a, b in zip([0, *cut], [*cut, len(vals)])]
    lo, hi = cell
    if hi - lo < 2:
        return None
    mid = rng.randint(lo + 1, hi - 1)
    return [(lo, mid), (mid, hi)]


def _text(col: Col, cell: Cell) -> str:
    if cell == _full(col):
        return "-"
    if col.type in ("string", "boolean"):
        return ", ".join(literal_text(v) for v in sorted(cell, key=str))
    bounds = (col.lo, *col.cuts, col.hi)
    lo, hi = cell
    a, b = bounds[lo], bounds[hi]
    top = hi == len(bounds) - 1
    if col.type == "integer":
        last = b if top else b - 1
        if lo == 0:
            return f"<= {last}" if not top else "-"
        if top:
            return f">= {a}"
        return str(a) if a == last else f"[{a}..{last}]"
    if lo == 0:
        return f"< {b}"
    if top:
        return f">= {a}"
    return f"[{a}..{b})"


def tree_table(n_rules: int, n_inputs: int, seed: int = 1) -> tuple[list[Col], list[list[Any]]]:
    """A complete Unique table of exactly `n_rules` rules (rows: id, input cells, output)."""
    rng = random.Random(seed)
    cols = make_columns(n_inputs, rng, n_cuts=max(4, min(40, n_rules // 250)))
    root = tuple(_full(c) for c in cols)
    leaves: list[tuple[Cell, ...]] = [root]
    while len(leaves) < n_rules:
        i = rng.randrange(len(leaves))
        leaf = leaves[i]
        for _ in range(20):
            k = rng.randrange(len(cols))
            parts = _split(cols[k], leaf[k], rng)
            if parts and len(leaves) - 1 + len(parts) <= n_rules:
                break
        else:
            continue
        children = [leaf[:k] + (p,) + leaf[k + 1:] for p in parts]
        leaves[i:i + 1] = children  # keep depth-first order
    rows = []
    for n, leaf in enumerate(leaves, 1):
        rows.append([f"R{n}", *(_text(c, x) for c, x in zip(cols, leaf)),
                     f'"{rng.choice(OUTPUT_VALUES)}"'])
    return cols, rows


def catch_all(table: tuple[list[Col], list[list[Any]]]) -> tuple[list[Col], list[list[Any]]]:
    """The same rules under hit policy F, with the catch-all row committees often add last."""
    cols, rows = table
    return cols, [*rows, ["ELSE", *("-" for _ in cols), f'"{OTHERWISE}"']]


def overlap_complete_table() -> tuple[list[Col], list[list[Any]]]:
    cols, rows = overlap_table()
    for n, signs in enumerate(product((0, 1), repeat=len(cols))):
        rows.append([f"Q{n}", *("< 500" if s == 0 else ">= 500" for s in signs), '"stop"'])
    return cols, rows


def overlap_table(n_rules: int = 100, n_inputs: int = 5,
                  seed: int = 7) -> tuple[list[Col], list[list[Any]]]:
    rng = random.Random(seed)
    cols = [Col(f"number_{k}", "number", lo=0, hi=1000) for k in range(n_inputs)]
    rows = []
    for n in range(1, n_rules + 1):
        cells = []
        for _ in cols:
            width = rng.randint(400, 900)
            start = rng.randint(0, 1000 - width)
            cells.append(f"[{start}..{start + width}]")
        rows.append([f"R{n}", *cells, f'"{rng.choice(OUTPUT_VALUES)}"'])
    return cols, rows


# -- as a workbook, or as a model --------------------------------------------------------------
def write_workbook(cols: list[Col], rows: list[list[Any]], path: Path, policy: str = "U") -> None:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    gl = wb.create_sheet("Glossary")
    gl.append(["Name", "Type", "Allowed values"])
    for c in cols:
        gl.append(list(c.glossary_row()))
    gl.append(["advice", "string", ", ".join(f'"{v}"' for v in (*OUTPUT_VALUES, OTHERWISE))])
    sh = wb.create_sheet("Table")
    sh.append(["Decision", "advice"])
    sh.append([policy, *(c.name for c in cols), "advice"])
    sh.append([None, *("input" for _ in cols), "output"])
    for row in rows:
        sh.append(row)
    wb.save(path)


def build_model(cols: list[Col], rows: list[list[Any]], policy: str = "U") -> Model:
    """The model `engine.load` would give, built without a file (for the biggest tables)."""
    variables: dict[str, Variable] = {}
    for c in cols:
        if c.type == "string":
            variables[c.name] = Variable(c.name, "string", None, c.values)
        elif c.type == "boolean":
            variables[c.name] = Variable(c.name, "boolean", None, (True, False))
        else:
            variables[c.name] = Variable(c.name, c.type, parse_unary(f"[{c.lo}..{c.hi}]"))
    variables["advice"] = Variable("advice", "string", None, (*OUTPUT_VALUES, OTHERWISE))
    letters = [chr(66 + i) if i < 25 else f"A{chr(65 + i - 25)}" for i in range(len(cols) + 1)]
    rules = []
    for r, row in enumerate(rows, 4):
        tests = tuple(cell_test(text, variables[c.name]) for c, text in zip(cols, row[1:-1]))
        rules.append(Rule(row[0], r, tests, (row[-1].strip('"'),), (),
                          tuple(f"Table!{x}{r}" for x in letters[:-1]),
                          (f"Table!{letters[-1]}{r}",), f"Table!A{r}"))
    table = Table("advice", policy,
                  tuple(Column(c.name, "input", f"Table!{x}2", x) for c, x in zip(cols, letters)),
                  (Column("advice", "output", f"Table!{letters[-1]}2", letters[-1]),), (),
                  tuple(rules), "Table", "Table!B1")
    return Model("generated", variables, {"advice": table})


# -- measuring -----------------------------------------------------------------------------------
def timed(fn: Any, *args: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def summary(findings: list[Any]) -> str:
    kinds: dict[str, int] = {}
    for f in findings:
        key = f"{f.kind}/{f.severity}"
        kinds[key] = kinds.get(key, 0) + 1
    return ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())) or "none"


def run_case(label: str, cols: list[Col], rows: list[list[Any]], tmp: Path,
             xlsx: bool, policy: str) -> dict[str, Any]:
    if xlsx:
        path = tmp / f"{label}.xlsx"
        t_write, _ = timed(write_workbook, cols, rows, path, policy)
        t_load, model = timed(load, str(path))
    else:
        t_write = 0.0
        t_load, model = timed(build_model, cols, rows, policy)
    t_check, findings = timed(model.check)
    overlaps = [f for f in findings if f.kind == "overlap"]
    pairs = {p for f in overlaps for p in combinations(f.rules, 2)}
    return {"label": label, "rules": len(rows), "inputs": len(cols), "xlsx": xlsx,
            "write": t_write, "load": t_load, "check": t_check, "findings": summary(findings),
            "overlap": f"{len(pairs):,} pairs in {len(overlaps)} findings" if pairs else "-"}


def main(args: argparse.Namespace) -> harness.Report:
    Maker = Callable[[], tuple[list[Col], list[list[Any]]]]
    cases: list[tuple[str, Maker, bool, str]]
    if args.quick:
        cases = [("complete-100x10", lambda: tree_table(100, 10), True, "U"),
                 ("complete-1000x10", lambda: tree_table(1000, 10), False, "U"),
                 ("overlap-100x5", overlap_table, False, "U")]
    else:
        cases = [("complete-100x10", lambda: tree_table(100, 10), True, "U"),
                 ("complete-1000x10", lambda: tree_table(1000, 10), True, "U"),
                 ("complete-1000x10-F", lambda: catch_all(tree_table(1000, 10)), True, "F"),
                 ("complete-10000x10", lambda: tree_table(10000, 10), False, "U"),
                 ("complete-10000x12", lambda: tree_table(10000, 12), False, "U"),
                 ("complete-10000x12-xlsx", lambda: tree_table(10000, 12), True, "U"),
                 ("overlap-100x5", overlap_table, True, "U"),
                 ("overlap-complete-132x5", overlap_complete_table, True, "U")]
    out = harness.Report("check", args.quick)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, make, xlsx, policy in cases:
            cols, rows = make()
            results.append(run_case(label, cols, rows, Path(tmp), xlsx, policy))
            r = results[-1]
            ratio = r["check"] / r["load"] if r["load"] else float("nan")
            out.add(f"check {label}", f"{r['check']:.2f} s; findings: {r['findings']}",
                    f"{ratio:.2f}× loading it ({r['load']:.2f} s)", "", ratio)
    if args.results:
        Path(args.results).write_text(report(results), encoding="utf-8")
    return out


def _line(r: dict[str, Any]) -> str:
    ratio = r["check"] / r["load"] if r["load"] else float("nan")
    return (f"{r['label']:24} load {r['load']:7.2f}s  check {r['check']:7.2f}s  "
            f"check/load {ratio:5.2f}  findings: {r['findings']}  overlaps: {r['overlap']}")


NOTES = """
Gaps are found by a recursive split (`engine/regions.py`, `uncovered`): a region that one
rule covers whole is done in one step; otherwise the column where most rules still
discriminate is split, first into the coarsest pieces no rule straddles (the branches of the
tree the committee wrote), else — where the rules chain everything together — into the
classes of atoms no rule tells apart, or in two halves at the bound most rules share. The
search stops after 2,000 uncovered boxes (then merged; 50 are listed) and gives up with a
warning after 1,000,000 steps. Overlaps come from one bit-set pass per rule (the rules
sharing an atom in every column), and are reported as groups of rules with one witness
region. The first version of the check (a fixed-order column sweep over classes of atoms,
the Calvanese et al. baseline) did not finish overlap-100x5 in 10 minutes, nor
complete-10000x12 in 7 minutes under the profiler (both stopped unfinished).

Since issue 11 the gap and overlap searches run over the cases that really reach a table
(`engine/verify/reaching.py`, `graph_check.py`): its original inputs and the decided inputs it
reads, with the combinations an upstream decision never gives, the cases it does not answer
and the constraints counted as covered. A one-table workbook has none of these, and its
columns reuse the table's compiled atoms, so the search above is unchanged; what was added
is building that view. `benchmarks/graph_bench.py` times a three-level graph.
"""


def report(results: list[dict[str, Any]]) -> str:
    by = {r["label"]: r for r in results}
    lines = [
        "# `guideline check` benchmark",
        "",
        "Written by `python benchmarks/check_bench.py --results benchmarks/results-check.md`.",
        "",
        f"Machine: {os.cpu_count()} cores (`nproc`), Python {platform.python_version()}, "
        f"{platform.machine()}, {platform.system()}; the cores were shared with other jobs "
        "while measuring, so single figures vary by about ±30 %. One process, one core used.",
        "",
        "## Results",
        "",
        "\"load\" is `engine.load` of the .xlsx file (openpyxl parsing included) or, for tables "
        "built in memory, parsing every cell into the model. \"check\" is `Model.check()` on "
        "the loaded model: every analysis (gaps, overlaps, unreachable, masked, redundant, "
        "mergeable) on every table, compiling included.",
        "",
        "| table | rules | inputs | built from | load (s) | check (s) | check / load | findings "
        "| overlapping pairs |",
        "|---|---:|---:|---|---:|---:|---:|---|---|",
    ]
    for r in results:
        ratio = r["check"] / r["load"] if r["load"] else float("nan")
        src = ".xlsx (engine.load)" if r["xlsx"] else "Model in memory"
        lines.append(f"| {r['label']} | {r['rules']:,} | {r['inputs']} | {src} | "
                     f"{r['load']:.2f} | {r['check']:.2f} | {ratio:.2f} | {r['findings']} | "
                     f"{r['overlap']} |")
    lines += ["", "## The issue's targets", ""]
    if "complete-1000x10" in by:
        r = by["complete-1000x10"]
        verdict = "met" if r["check"] < r["load"] else "MISSED"
        lines.append(f"- 1,000 rules x 10 inputs fully checked in less time than loading its "
                     f"workbook: check {r['check']:.2f} s vs load {r['load']:.2f} s "
                     f"(ratio {r['check'] / r['load']:.2f}): **{verdict}**.")
    for label in ("complete-10000x12", "complete-10000x12-xlsx"):
        if label in by:
            r = by[label]
            verdict = "met" if r["check"] < 30 else "MISSED"
            lines.append(f"- 10,000 rules x 12 inputs under 30 s ({label}): check "
                         f"{r['check']:.2f} s: **{verdict}**.")
    curve = [by[k] for k in ("complete-100x10", "complete-1000x10", "complete-10000x10")
             if k in by]
    if curve:
        shown = " / ".join(f"{r['check']:.2f} s" for r in curve)
        lines.append(f"- growth curve, 100 / 1,000 / 10,000 rules x 10 inputs: {shown}.")
    if "overlap-100x5" in by:
        r = by["overlap-100x5"]
        lines.append(f"- 100 heavily overlapping rules x 5 columns: {r['check']:.2f} s; the "
                     f"overlaps are reported as groups of rules with one witness region each "
                     f"({r['overlap']}), never as elementary cells.")
    lines += ["", "## How", "", *NOTES.strip().splitlines()]
    lines += ["", "## The generated tables", "", *(__doc__ or "").split("\n\n", 2)[2].splitlines()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    cli = harness.parser(__doc__)
    cli.add_argument("--results", help="write the results as Markdown to this file")
    sys.exit(harness.run(main, cli.parse_args()))
