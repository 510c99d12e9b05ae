"""Differential test: our unary-test semantics against feelin, the FEEL interpreter of Camunda.

Pairs of (test, value) come from the generator of tests/test_fuzz.py, seeded, type-consistent
(feelin answers `>= 5` for "abc" with true, and reads a bare word as a variable), and run in
one node process. Every deliberate difference is listed in docs/hostile-input.md and kept out
of the generator; this test asserts zero disagreements on everything else.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from test_fuzz import Gen, RandomPick, gen_test, gen_value, oracle, parse

INTEROP = Path(__file__).resolve().parent / "interop"
SCRIPT = INTEROP / "feelin_eval.mjs"
TESTS = 3_000
VALUES_PER_TEST = 4  # 12,000 pairs
SEED = 20240517


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the differential test against feelin needs it")
    if not (INTEROP / "node_modules" / "feelin" / "package.json").exists():
        pytest.skip("feelin is not installed: run `npm install` in tests/interop "
                    "(.ci/run does this when npm is present)")
    return node


def feelin_text(g: Gen) -> str:
    """The same test as feelin reads it: a leading NBSP and `–` for any are ours alone."""
    return "-" if g.any else g.text.removeprefix("\u00a0").strip()


def pairs(seed: int = SEED) -> list[tuple[Gen, Any]]:
    p = RandomPick(random.Random(seed))
    out: list[tuple[Gen, Any]] = []
    while len(out) < TESTS * VALUES_PER_TEST:
        g = gen_test(p)
        for _ in range(VALUES_PER_TEST):
            x = gen_value(p, g)
            if x is None and g.negated:
                continue  # deliberate difference: `not(...)` never matches null here
            out.append((g, x))
    return out


def as_json(g: Gen, x: Any) -> str:
    if isinstance(x, dt.date):
        return json.dumps({"e": feelin_text(g), "t": "date", "v": x.isoformat()})
    kind = "null" if x is None else g.kind
    return json.dumps({"e": feelin_text(g), "t": kind, "v": x}, ensure_ascii=False)


def run_feelin(lines: list[str]) -> list[dict[str, Any]]:
    done = subprocess.run([_node(), str(SCRIPT)], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, encoding="utf-8", cwd=INTEROP,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(answers) == len(lines)
    return answers


def test_unary_tests_agree_with_feelin() -> None:
    batch = pairs()
    assert len(batch) >= 10_000
    answers = run_feelin([as_json(g, x) for g, x in batch])
    disagreements = []
    for (g, x), answer in zip(batch, answers):
        ours = parse(g).matches(x)
        assert ours == oracle(g, x), (g.text, x)  # the engine still agrees with the oracle
        theirs = answer.get("r") is True  # null (no answer) is no match, as in DMN
        if "err" in answer or ours != theirs:
            disagreements.append((feelin_text(g), x, ours, answer))
    shown = "\n".join(f"  {t!r} with {x!r}: ours {o}, feelin {a}"
                      for t, x, o, a in disagreements[:20])
    assert not disagreements, f"{len(disagreements)} disagreements of {len(batch)}:\n{shown}"


DIFFERENCES = [  # each deliberate difference, as documented in docs/hostile-input.md
    ("not(1, 2)", None, False, True),  # null is unknown: a negation never matches it
    ("not(>= 5)", None, False, True),
    ("[5..1]", 3, False, True),  # a descending range is empty here; feelin turns it round
    (">= 5", "abc", False, True),  # mixed types: never a match here
    ('"a\\nb"', "a\nb", False, True),  # only \" and \\ are escapes in a text here
    ("1e3", 1000, True, False),  # exponent notation is read here; feelin has none
]


def test_documented_differences_are_real() -> None:
    from engine.core.sfeel import parse_unary

    lines = []
    for text, value, ours, _ in DIFFERENCES:
        assert parse_unary(text).matches(value) is ours, text
        kind = "null" if value is None else "number" if isinstance(value, int) else "string"
        lines.append(json.dumps({"e": text, "t": kind, "v": value}))
    answers = run_feelin(lines)
    assert [a.get("r") for a in answers] == [feelin for *_, feelin in DIFFERENCES]
