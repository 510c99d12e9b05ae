"""A faster check says exactly what the slower one said (issue 25): `check --format json` and
the text report of generated tables — the benchmarks' random intervals under each hit policy,
committee-shaped trees, a first-hit table with a catch-all, heavy overlaps, a chained graph —
and of NBCG, compared byte for byte with what the check wrote before it was made faster
(`tests/golden/findings/`). A deliberate change to the findings regenerates them:
`python tests/test_check_findings_frozen.py`.
"""

from __future__ import annotations

import gzip
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import check_bench  # noqa: E402
import graph_bench  # noqa: E402
import random_interval_bench  # noqa: E402

import engine  # noqa: E402
from engine.core.i18n import speaking  # noqa: E402
from engine.verify.check import check_model  # noqa: E402
from engine.verify.findings_report import render_check  # noqa: E402

GOLDEN = ROOT / "tests" / "golden" / "findings"


def _random(n: int, seed: int, policy: str) -> Callable[[], engine.Model]:
    return lambda: check_bench.build_model(*random_interval_bench.random_table(n, seed), policy)


CASES: dict[str, Callable[[], engine.Model]] = {
    "random-300-U": _random(300, 17, "U"),
    "random-400-A": _random(400, 5, "A"),
    "random-300-F": _random(300, 11, "F"),
    "random-250-P": _random(250, 3, "P"),
    "random-250-C": _random(250, 23, "C"),
    "random-2000-U": _random(2000, 17, "U"),
    "tree-300": lambda: check_bench.build_model(*check_bench.tree_table(300, 8, seed=2)),
    "catch-all-200": lambda: check_bench.build_model(
        *check_bench.catch_all(check_bench.tree_table(200, 6, seed=4)), "F"),
    "overlap-60": lambda: check_bench.build_model(*check_bench.overlap_table(60, 4)),
    "overlap-complete": lambda: check_bench.build_model(*check_bench.overlap_complete_table()),
    "graph-40": lambda: graph_bench.graph(40, seed=5),
    "nbcg": lambda: _load("tables/nbcg-bisfosfonat.xlsx"),
    "nbcg-golden": lambda: _load("tests/golden/nbcg-bisfosfonat.xlsx"),
}


def _load(path: str) -> engine.Model:
    model = engine.load(str(ROOT / path), strict=False)
    model.path = path  # as the report names it, wherever the repository is
    return model


def said(name: str) -> str:
    model = CASES[name]()
    with speaking("en"):
        findings = check_model(model)
        return (render_check(model, findings, "json")
                + render_check(model, findings, "text"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_findings_are_what_they_were(name: str) -> None:
    expected = gzip.decompress((GOLDEN / f"{name}.txt.gz").read_bytes()).decode("utf-8")
    assert said(name) == expected


if __name__ == "__main__":
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for case in sorted(CASES):
        text = said(case)
        (GOLDEN / f"{case}.txt.gz").write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
        print(case, len(text), "characters", text.count('"kind"'), "findings")
