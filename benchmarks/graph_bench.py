"""How fast the check is exact across a decision graph: three chained tables of ~50 rules.

Run: `python benchmarks/graph_bench.py [--rules 50] [--repeat 5]` (`--quick`: 2 runs, for CI).

`stage` reads three inputs (a text, a number, a boolean) and answers one of 6 stages; `risk`
reads the stage and two more inputs (an integer, a text) and answers one of 5 risks; `plan`
reads the risk, the stage and a number. Each table is a decision tree flattened into rows
(`check_bench.tree_table`'s generator), so each is complete over its own columns; the check
must follow `stage` and `risk` back to the original inputs (issue 11: under 1 s). One input
may be unknown (it gets a `null` branch in `stage`) and one constraint rules out a region.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from check_bench import Col, _full, _split, _text  # noqa: E402

from engine import Model  # noqa: E402
from engine.core.model import Column, Constraint, Rule, Table, Variable  # noqa: E402
from engine.core.sfeel import parse_unary  # noqa: E402
from engine.workbook.cells import cell_test  # noqa: E402


def tree_rows(cols: list[Col], n_rules: int, answers: tuple[str, ...],
              rng: random.Random) -> list[list[str]]:
    """A complete decision tree of `n_rules` leaves over the columns, as rule rows."""
    leaves = [tuple(_full(c) for c in cols)]
    for _ in range(100 * n_rules):
        if len(leaves) >= n_rules:
            break
        i = rng.randrange(len(leaves))
        for _ in range(20):
            k = rng.randrange(len(cols))
            parts = _split(cols[k], leaves[i][k], rng)
            if parts and len(leaves) - 1 + len(parts) <= n_rules:
                break
        else:
            continue
        leaves[i:i + 1] = [leaves[i][:k] + (p,) + leaves[i][k + 1:] for p in parts]
    else:
        raise ValueError(f"the columns cannot be split into {n_rules} rules")
    return [[f"R{n}", *(_text(c, x) for c, x in zip(cols, leaf)), rng.choice(answers)]
            for n, leaf in enumerate(leaves, 1)]


def variable(col: Col, unknown: bool = False) -> Variable:
    if col.type == "string":
        return Variable(col.name, "string", None, col.values, unknown=unknown)
    if col.type == "boolean":
        return Variable(col.name, "boolean", None, (True, False), unknown=unknown)
    return Variable(col.name, col.type, parse_unary(f"[{col.lo}..{col.hi}]"), unknown=unknown)


def table(name: str, cols: list[Col], rows: list[list[str]], out: str,
          variables: dict[str, Variable]) -> Table:
    letters = [chr(66 + i) for i in range(len(cols) + 1)]
    rules = []
    for r, row in enumerate(rows, 4):
        tests = tuple(cell_test(text, variables[c.name]) for c, text in zip(cols, row[1:-1]))
        rules.append(Rule(row[0], r, tests, (row[-1],), (),
                          tuple(f"{name}!{x}{r}" for x in letters[:-1]),
                          (f"{name}!{letters[-1]}{r}",), f"{name}!A{r}"))
    return Table(name, "U", tuple(Column(c.name, "input", f"{name}!{x}2", x)
                                  for c, x in zip(cols, letters)),
                 (Column(out, "output", f"{name}!{letters[-1]}2", letters[-1]),), (),
                 tuple(rules), name, f"{name}!B1")


def graph(n_rules: int = 50, seed: int = 3) -> Model:
    rng = random.Random(seed)
    stages = tuple(f"s{i}" for i in range(6))
    risks = tuple(f"r{i}" for i in range(5))
    plans = ("start", "watch", "refer", "stop")
    kind = Col("kind", "string", ("a", "b", "c", "d"))
    size = Col("size", "number", lo=0, hi=120, cuts=(10, 20, 30, 50, 65, 80, 100))
    flag = Col("flag", "boolean")
    grade = Col("grade", "integer", lo=0, hi=10, cuts=(2, 5, 8))
    site = Col("site", "string", ("x", "y", "z"))
    dose = Col("dose", "number", lo=0, hi=200, cuts=(25, 50, 100, 150))
    stage = Col("stage", "string", stages)
    risk = Col("risk", "string", risks)
    variables = {c.name: variable(c) for c in (kind, size, grade, site, dose, stage, risk)}
    variables["flag"] = variable(flag, unknown=True)
    variables["plan"] = Variable("plan", "string", None, plans)
    rows1 = tree_rows([kind, size, flag], n_rules, stages, rng)
    rows1.append([f"R{len(rows1) + 1}", "-", "-", "null", rng.choice(stages)])  # flag unknown
    tables = [table("stage_table", [kind, size, flag], rows1, "stage", variables),
              table("risk_table", [stage, grade, site], tree_rows([stage, grade, site], n_rules,
                                                                  risks, rng), "risk", variables),
              table("plan_table", [risk, stage, dose], tree_rows([risk, stage, dose], n_rules,
                                                                 plans, rng), "plan", variables)]
    impossible = Constraint("C1", (("kind", parse_unary('"d"')), ("grade", parse_unary("> 8"))),
                            "kind d never has a grade above 8", "Constraints!A2")
    return Model("graph", variables, {t.name: t for t in tables}, constraints=[impossible])


def main(args: Any) -> harness.Report:
    repeat = 2 if args.quick else args.repeat
    times: list[float] = []
    loads: list[float] = []
    findings: list[Any] = []
    for _ in range(repeat):
        start = time.perf_counter()
        model = graph(args.rules)
        loads.append(time.perf_counter() - start)
        start = time.perf_counter()
        findings = model.check()
        times.append(time.perf_counter() - start)
    kinds: dict[str, int] = {}
    for f in findings:
        kinds[f"{f.kind}/{f.severity}"] = kinds.get(f"{f.kind}/{f.severity}", 0) + 1
    rules = sum(len(t.rules) for t in graph(args.rules).tables.values())
    check, build = statistics.median(times), statistics.median(loads)
    report = harness.Report("graph", args.quick)
    report.add(f"check, graph of 3 tables x ~{args.rules} rules ({rules} in all)",
               f"{check:.3f} s (median of {repeat}); findings: {kinds or 'none'}",
               f"{check / build:.1f}× building the model ({build:.3f} s)", "", check / build)
    return report


if __name__ == "__main__":
    cli = harness.parser(__doc__)
    cli.add_argument("--rules", type=int, default=50)
    cli.add_argument("--repeat", type=int, default=5)
    sys.exit(harness.run(main, cli.parse_args()))
