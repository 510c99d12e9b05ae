"""The check on random-interval tables (issue 17): the shortcuts for columns of runs (sorted
run ends instead of atom by atom) give exactly what the atom-by-atom way gives — the same
gap boxes in the same order, the same neighbours and containers, the same cover."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.core.model import Variable
from engine.core.sfeel import parse_unary
from engine.domain.atoms import Atoms, bits
from engine.evaluation.compiled import column_cover
from engine.verify.check import check_table
from engine.verify.reaching import Reaching
from engine.verify.regions import (
    accepting,
    column_spans,
    cover_spans,
    held_spans,
    interval_neighbours,
    members,
    span,
    uncovered,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import check_bench  # noqa: E402
import graph_bench  # noqa: E402
import random_interval_bench  # noqa: E402

import engine  # noqa: E402

Table = tuple[list[Atoms], list[list[int]], tuple[int, ...], list[tuple[int, ...]]]


def _table(seed: int, rules: int, columns: int, width: int) -> Table:
    rng = random.Random(seed)
    var = Variable("x", rng.choice(["number", "integer"]), parse_unary("[0..100]"))
    tests = [[parse_unary(_cell(rng, width)) for _ in range(rules)] for _ in range(columns)]
    atoms = [Atoms.build(var, col) for col in tests]
    cover = [column_cover(a, col)[0] for a, col in zip(atoms, tests)]
    domain = tuple(a.domain for a in atoms)
    boxes = [tuple(a.mask(tests[k][i]) & d for k, (a, d) in enumerate(zip(atoms, domain)))
             for i in range(rules)]
    return atoms, cover, domain, boxes


def _cell(rng: random.Random, width: int) -> str:
    lo = rng.randint(-5, 100)
    hi = min(lo + rng.randint(0, width), 105)
    return rng.choice([f"[{lo}..{hi}]", f"({lo}..{hi}]", f"[{lo}..{hi})", f"< {hi}",
                       f">= {lo}", "-", str(lo)])


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 40), st.integers(1, 3), st.integers(1, 60))
def test_runs_give_the_same_gaps_in_the_same_order(seed: int, rules: int, columns: int,
                                                   width: int) -> None:
    atoms, cover, domain, boxes = _table(seed, rules, columns, width)
    active = sum(1 << i for i, b in enumerate(boxes) if all(b))
    ordered = [True] * columns
    spans = [column_spans(boxes, active, k) for k in range(columns)]
    slow = uncovered(domain, cover, active, None, None, ordered)
    fast = uncovered(domain, cover, active, None, None, ordered, spans)
    assert fast.boxes == slow.boxes and fast.complete == slow.complete


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 40), st.integers(1, 60))
def test_runs_give_the_same_neighbours_and_containers(seed: int, rules: int, width: int) -> None:
    atoms, cover, domain, boxes = _table(seed, rules, 1, width)
    active = sum(1 << i for i, b in enumerate(boxes) if all(b))
    spans = column_spans(boxes, active, 0)
    assert spans is not None  # every cell above is one run
    near, hold = interval_neighbours(spans, active)
    for i in members(active):
        every, some = accepting(cover[0], boxes[i][0], active)
        assert near[i] & active == some and hold[i] & active == every


def test_a_list_or_a_negation_takes_the_atom_by_atom_way() -> None:
    var = Variable("x", "number", parse_unary("[0..100]"))
    tests = [parse_unary(t) for t in ("[1..5]", "1, 50", "not([10..20])")]
    atoms = Atoms.build(var, tests)
    boxes = [(atoms.mask(t) & atoms.domain,) for t in tests]
    assert column_spans(boxes, 0b001, 0) is not None
    assert column_spans(boxes, 0b011, 0) is None and column_spans(boxes, 0b101, 0) is None


def _held_from_cover(column: list[int], bits: int) -> list[int]:
    """Per bit of a cover column, the atoms that hold it, read atom by atom (the slow way)."""
    return [sum(1 << a for a, c in enumerate(column) if c >> i & 1) for i in range(bits)]


@pytest.mark.parametrize("build", [
    lambda: check_bench.build_model(*random_interval_bench.random_table(120, 9), "U"),
    lambda: check_bench.build_model(*check_bench.tree_table(80, 5, seed=3)),
    lambda: graph_bench.graph(12, seed=5),
    lambda: engine.load(str(ROOT / "tables" / "nbcg-bisfosfonat.xlsx"), strict=False),
], ids=["random", "tree", "graph", "nbcg"])
def test_each_bit_of_a_views_cover_is_held_by_the_atoms_it_is_told(build: Any) -> None:
    """The gap search reads each rule's runs from `View.held`, not by sweeping the cover:
    both must name the same atoms for every rule, constraint and impossible region."""
    model = build()
    reaching, reach = Reaching(model), {}  # type: ignore[var-annotated]
    for table in model.tables.values():
        check_table(model, table, [], reach, reaching)  # views as the check builds them
    assert any(view.held[0] is not None for view in reaching.views.values())
    for table in model.tables.values():
        view = reaching.view(table)
        bits = max((c.bit_length() for column in view.cover for c in column), default=0)
        active = view.readable | view.ruled_out
        for k, column in enumerate(view.cover):
            held = [*view.held[k], *[0] * (bits - len(view.held[k]))]
            assert held[:bits] == _held_from_cover(column, bits), (table.name, k)
            fast, slow = held_spans(view.held[k], active), cover_spans(column, active)
            assert (fast is None) == (slow is None)
            if fast is not None and slow is not None:
                assert all(fast[i] == (slow[i] if i < len(slow) else None)
                           for i in members(active))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32), st.integers(0, 3000))
def test_members_are_the_set_bits_lowest_first(seed: int, width: int) -> None:
    rng = random.Random(seed)
    density = rng.random()
    mask = sum(1 << i for i in range(width) if rng.random() < density)
    assert members(mask) == bits(mask) == [i for i in range(width) if mask >> i & 1]


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 3000), st.integers(0, 3000), st.integers(-1, 3000))
def test_span_is_the_one_run_a_mask_holds(a: int, b: int, extra: int) -> None:
    lo, hi = min(a, b), max(a, b)
    mask = ((1 << (hi - lo + 1)) - 1) << lo
    if extra >= 0:
        mask ^= 1 << extra
    set_bits = [i for i in range(mask.bit_length()) if mask >> i & 1]
    one_run = bool(set_bits) and set_bits == list(range(set_bits[0], set_bits[-1] + 1))
    assert span(mask) == ((set_bits[0], set_bits[-1]) if one_run else None)
