"""The check against brute force: random small tables, every verdict recomputed point by point.

The brute force never uses atoms or regions: it evaluates each rule's cells (`UnaryTest.matches`,
the evaluation semantics) on representative points of every column — both values of a
boolean, every allowed text, every whole number around the bounds, and for numbers every bound
and a point strictly between and beyond each pair of bounds (bounds are multiples of 0.5 and
the points multiples of 0.25, so open and closed ends are told apart exactly). A third of the
tables read the answer of a first-hit table: there the brute force takes as the domain what
that table answers at its own points, masked rules and all.
"""

from __future__ import annotations

from itertools import combinations, product
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Model
from engine.core.errors import Finding, SfeelError
from engine.core.graph import required
from engine.core.model import Column, Rule, Table, Variable
from engine.core.sfeel import UnaryTest, parse_unary
from engine.domain.values import ValueProblem
from engine.verify.check import check_model
from engine.workbook.cells import cell_test

POLICIES = ("U", "A", "F", "P", "C")
ANSWERS = ("yes", "no")  # priority order for P: "yes" ranks higher
TEXTS = ("a", "b", "c", "d")


# -- random tables -----------------------------------------------------------------------------
@st.composite
def variables(draw: Any, k: int) -> Variable:
    kind = draw(st.sampled_from(("boolean", "string", "integer", "number")))
    name = f"x{k}"
    if kind == "boolean":
        return Variable(name, "boolean", None, (True, False))
    if kind == "string":
        n = draw(st.integers(2, 4))
        return Variable(name, "string", None, TEXTS[:n])
    allowed = draw(st.sampled_from((None, "[0..10]", ">= 0", "(0..10]" if kind == "number"
                                    else "[1..8]")))
    return Variable(name, kind, parse_unary(allowed) if allowed else None)


def bound(draw: Any, var: Variable) -> str:
    whole = draw(st.integers(-1, 11))
    if var.type == "number" and draw(st.booleans()):
        return f"{whole}.5"
    return str(whole)


@st.composite
def simple_test(draw: Any, var: Variable) -> str:
    if var.type == "boolean":
        return draw(st.sampled_from(("true", "false")))
    if var.type == "string":
        chosen = draw(st.lists(st.sampled_from(var.values), min_size=1, max_size=3, unique=True))
        return ", ".join(f'"{v}"' for v in chosen)
    form = draw(st.sampled_from(("cmp", "range", "point", "list")))
    if form == "cmp":
        return f"{draw(st.sampled_from(('<', '<=', '>', '>=')))} {bound(draw, var)}"
    if form == "range":
        lo, hi = sorted((bound(draw, var), bound(draw, var)), key=float)
        return (f"{draw(st.sampled_from(('[', '(', ']')))}{lo}..{hi}"
                f"{draw(st.sampled_from((']', ')', '[')))}")
    point = str(draw(st.integers(-1, 11)))
    if form == "point":
        return point
    return f"{point}, {draw(simple_test(var))}"


@st.composite
def cell(draw: Any, var: Variable) -> str:
    choice = draw(st.integers(0, 9))
    if choice < 3:
        return "-"
    text = draw(simple_test(var))
    if choice == 9 and var.type != "boolean":
        return f"not({text})"
    return text


def make_table(draw: Any, name: str, vars_: list[Variable], output: Variable, policy: str,
               n_rules: int) -> Table:
    rules = []
    letters = [chr(66 + c) for c in range(len(vars_) + 1)]
    for r in range(n_rules):
        tests = []
        for var in vars_:
            text = draw(cell(var))
            try:
                tests.append(cell_test(text, var))
            except (SfeelError, ValueProblem):  # e.g. a whole number outside the domain
                tests.append(cell_test("-", var))
        answer = draw(st.sampled_from(output.values) if output.values else st.integers(0, 6))
        row = 4 + r
        rules.append(Rule(f"R{r + 1}", row, tuple(tests), (answer,), (),
                          tuple(f"{name}!{x}{row}" for x in letters[:-1]),
                          (f"{name}!{letters[-1]}{row}",), f"{name}!A{row}"))
    cols = tuple(Column(v.name, "input", f"{name}!{x}2", x) for v, x in zip(vars_, letters))
    out = Column(output.name, "output", f"{name}!{letters[-1]}2", letters[-1])
    return Table(name, policy, cols, (out,), (), tuple(rules), name, f"{name}!B1")


@st.composite
def tables(draw: Any) -> Model:
    """One table `t`; a third of them read `mid`, the answer of a first-hit table `u`."""
    n_inputs = draw(st.integers(1, 3))
    vars_ = [draw(variables(k)) for k in range(n_inputs)]
    answer = Variable("answer", "string", None, ANSWERS)
    upstream: list[Table] = []
    variables_ = {"answer": answer}
    if draw(st.integers(0, 2)) == 0:
        z = Variable("z", "integer", parse_unary("[0..5]"), unknown=True)  # null is a value
        mid = draw(st.sampled_from((Variable("mid", "integer"),
                                    Variable("mid", "string", None, TEXTS))))
        upstream = [make_table(draw, "u", [z], mid, "F", draw(st.integers(1, 4)))]
        vars_ = [mid, *vars_[:2]]
        variables_["z"] = z
    table = make_table(draw, "t", vars_, answer, draw(st.sampled_from(POLICIES)),
                       draw(st.integers(1, 8)))
    variables_.update((v.name, v) for v in vars_)
    return Model("random", variables_, {t.name: t for t in [*upstream, table]})


# -- brute force -------------------------------------------------------------------------------
def points(var: Variable, tests: list[UnaryTest | None]) -> list[Any]:
    """One point in every piece the bounds of the column cut its line into, and each bound."""
    if var.type == "boolean":
        return [True, False]
    if var.type == "string":
        return list(var.values)
    literals = {float(v) for t in [*tests, var.allowed] if t is not None for v in t.literals()}
    literals |= {-1.0, 11.0}
    if var.type == "integer":
        near = {int(b) + d for b in literals for d in (-2, -1, 0, 1, 2)}
        candidates: list[Any] = sorted(near)
    else:  # bounds are multiples of 0.5: a quarter beside each lies strictly between two
        candidates = sorted({b + d for b in literals for d in (-0.25, 0.0, 0.25)}
                            | {min(literals) - 1, max(literals) + 1})
    return [v for v in candidates if var.allowed is None or var.allowed.matches(v)]


def matching(tests: tuple[UnaryTest | None, ...], point: tuple[Any, ...]) -> bool:
    return all(t is not None and t.matches(v) for t, v in zip(tests, point))


def first_hit_answers(table: Table, var: Variable) -> set[Any]:
    """Every answer a first-hit table gives over its one input."""
    tests = [r.inputs[0] for r in table.rules]
    out = set()
    for v in [*points(var, tests), None]:  # an unknown z reaches the rules whose cell allows null
        hits = [r for r in table.rules if matching(r.inputs, (v,))]
        if hits:
            out.add(hits[0].outputs[0])
    return out


class Brute:
    def __init__(self, model: Model) -> None:
        self.model = model
        self.table = model.tables["t"]
        self.vars = [model.variables[c.name] for c in self.table.inputs]
        axes = [points(v, [r.inputs[k] for r in self.table.rules])
                for k, v in enumerate(self.vars)]
        if "u" in model.tables and self.vars[0].name == "mid":
            given = first_hit_answers(model.tables["u"], model.variables["z"])
            # what u answers is the domain of mid (nothing: no case reaches t)
            axes[0] = sorted(given, key=str)
        self.points = list(product(*axes))
        self.hits = {p: [i for i, r in enumerate(self.table.rules) if matching(r.inputs, p)]
                     for p in self.points}

    def at(self, p: tuple[Any, ...]) -> list[int]:
        """The rules matching any point (an example need not be one of the points)."""
        return [i for i, r in enumerate(self.table.rules) if matching(r.inputs, p)]

    def gaps(self) -> set[tuple[Any, ...]]:
        return {p for p, h in self.hits.items() if not h}

    def pairs(self) -> set[tuple[int, int]]:
        return {pair for h in self.hits.values() for pair in combinations(h, 2)}

    def inside(self, region: dict[str, str],
               among: list[tuple[Any, ...]] | None = None) -> set[tuple[Any, ...]]:
        """The points of a region, read back from its S-FEEL cells."""
        tests = tuple(cell_test(region[v.name], v) for v in self.vars)
        return {p for p in (self.points if among is None else among) if matching(tests, p)}

    def index(self, rule_id: str) -> int:
        return next(i for i, r in enumerate(self.table.rules) if r.id == rule_id)

    def winner(self, p: tuple[Any, ...], skip: int | None = None) -> Any:
        """What the table answers at p (F and P), optionally without one rule."""
        hits = [i for i in self.hits[p] if i != skip]
        if not hits:
            return None
        rules = self.table.rules
        if self.table.hit_policy == "P":
            return min(hits, key=lambda i: (ANSWERS.index(rules[i].outputs[0]), i))
        return hits[0]

    def answer(self, p: tuple[Any, ...], skip: int | None = None) -> Any:
        rules = self.table.rules
        hits = [i for i in self.hits[p] if i != skip]
        if self.table.hit_policy in ("F", "P"):
            w = self.winner(p, skip)
            return None if w is None else rules[w].outputs
        if self.table.hit_policy == "C":
            return sorted(rules[i].outputs for i in hits)
        return sorted({rules[i].outputs for i in hits})


def decider(table: Table, hits: list[int]) -> int | None:
    """The rule that decides under F or P among the matching rules."""
    if not hits:
        return None
    if table.hit_policy == "P":
        return min(hits, key=lambda i: (ANSWERS.index(table.rules[i].outputs[0]), i))
    return hits[0]


def point_of(example: dict[str, Any], brute: Brute) -> tuple[Any, ...]:
    """The example in the table's own inputs; a whole case's upstream answers are evaluated."""
    model = brute.model
    values = []
    for v in brute.vars:
        up = model.producer(v.name)
        if v.name in example or up is None:
            values.append(example[v.name])
            continue
        needed = {c.name for t in required(model.tables, up.name)
                  for c in model.tables[t].inputs if model.producer(c.name) is None}
        values.append(model.evaluate({n: example.get(n) for n in needed}, up.name)[v.name])
    return tuple(values)


# -- the properties ------------------------------------------------------------------------------
def table_findings(model: Model) -> list[Finding]:
    return [f for f in check_model(model) if f.decision == "t"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_gaps_and_overlaps_agree_with_brute_force(model: Model) -> None:
    findings = table_findings(model)
    brute = Brute(model)
    policy = model.tables["t"].hit_policy

    gap_findings = [f for f in findings if f.kind == "gap"]
    gaps = brute.gaps()
    assert bool(gap_findings) == bool(gaps)
    expected = "error" if policy in ("U", "A", "F", "P") else "info"
    assert all(f.severity == expected for f in gap_findings)
    regions = [f for f in gap_findings if f.region is not None]
    shown: set[tuple[Any, ...]] = set()
    for f in regions:
        assert f.region is not None and f.example is not None
        inside = brute.inside(f.region)
        assert inside, f"an empty gap region {f.region}"
        assert inside <= gaps, f"region {f.region} holds matched points"
        assert not brute.at(point_of(f.example, brute)), f"example {f.example} is matched"
        assert brute.inside(f.region, [point_of(f.example, brute)])
        shown |= inside
    if len(regions) == len(gap_findings):  # nothing left out: the regions are every gap
        assert shown == gaps

    overlaps = [f for f in findings if f.kind == "overlap"]
    if policy not in ("U", "A"):
        assert not overlaps
        return
    reported = set()
    for f in overlaps:
        group = [brute.index(r) for r in f.rules]
        assert len(group) >= 2 and f.region is not None and f.example is not None
        reported |= set(combinations(sorted(group), 2))
        p = point_of(f.example, brute)
        assert set(group) <= set(brute.at(p)), f"example {f.example} misses a rule"
        assert brute.inside(f.region, [p])
        inside = brute.inside(f.region)
        assert inside and all(set(group) <= set(brute.hits[q]) for q in inside)
        answers = {model.tables["t"].rules[i].outputs for i in group}
        if policy == "U" or len(answers) > 1:
            assert f.severity == "error"
        else:
            assert f.severity == "info"
    assert reported == brute.pairs()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_unreachable_masked_and_redundant_are_true(model: Model) -> None:
    findings = table_findings(model)
    brute = Brute(model)
    table = model.tables["t"]
    empty = {i for i in range(len(table.rules))
             if not any(i in h for h in brute.hits.values())}
    assert {brute.index(f.rules[0]) for f in findings if f.kind == "unreachable"} == empty

    if table.hit_policy in ("F", "P"):
        # masked = never decides for any case, unknown (null) values included where a case
        # can hold one: any input (as the check counts it), not `mid`, which u never answers
        # null (across the graph, the check follows what u answers)
        axes = [sorted({p[k] for p in brute.points}, key=repr)
                + ([] if brute.vars[k].name == "mid" else [None])
                for k in range(len(brute.vars))]
        hits = {p: [i for i, r in enumerate(table.rules) if matching(r.inputs, p)]
                for p in product(*axes)}
        masked = set()
        for i in range(len(table.rules)):
            if not any(i in h for h in brute.hits.values()):
                continue  # unreachable over known values: reported as such, not as masked
            mine = [p for p, h in hits.items() if i in h]
            if all(decider(table, hits[p]) != i for p in mine):
                masked.add(i)
        assert {brute.index(f.rules[0]) for f in findings if f.kind == "masked"} == masked
    else:
        assert not [f for f in findings if f.kind == "masked"]

    for f in findings:
        if f.kind == "redundant" and ("lies inside" in f.message or "only cases" in f.message):
            i = brute.index(f.rules[0])
            assert all(brute.answer(p) == brute.answer(p, skip=i) for p in brute.points), \
                f"deleting {f.rules[0]} changes an answer"
        if f.kind == "mergeable":
            group = [brute.index(r) for r in f.rules]
            assert f.region is not None
            assert brute.inside(f.region) == {p for p in brute.points
                                              if any(i in brute.hits[p] for i in group)}


# -- the region search itself, on random boxes of atoms ------------------------------------
@st.composite
def box_sets(draw: Any) -> tuple[list[int], list[tuple[int, ...]], list[bool]]:
    """Columns of 1-12 atoms; 0-10 rules, each any subset of atoms per column (not only runs)."""
    sizes = draw(st.lists(st.integers(1, 12), min_size=1, max_size=4))
    ordered = [draw(st.booleans()) for _ in sizes]
    n_rules = draw(st.integers(0, 10))
    boxes = []
    for _ in range(n_rules):
        box = []
        for size in sizes:
            if draw(st.integers(0, 3)) == 0:
                box.append((1 << size) - 1)
            elif draw(st.booleans()):  # a run, as intervals give
                a = draw(st.integers(0, size - 1))
                b = draw(st.integers(a, size - 1))
                box.append(((1 << (b + 1)) - 1) ^ ((1 << a) - 1))
            else:
                box.append(draw(st.integers(1, (1 << size) - 1)))
        boxes.append(tuple(box))
    return sizes, boxes, ordered


@settings(max_examples=300, deadline=None)
@given(box_sets(), st.data())
def test_uncovered_is_exactly_what_no_box_covers(case: Any, data: Any) -> None:
    from engine.verify.regions import merge_boxes, uncovered

    sizes, boxes, ordered = case
    region = tuple(data.draw(st.integers(1, (1 << s) - 1)) for s in sizes)
    cover = [[sum(1 << r for r, b in enumerate(boxes) if b[k] >> a & 1) for a in range(size)]
             for k, size in enumerate(sizes)]
    active = (1 << len(boxes)) - 1
    found = uncovered(region, cover, active, ordered=ordered)
    assert found.complete

    def cells(box: tuple[int, ...]) -> set[tuple[int, ...]]:
        axes = [[a for a in range(s) if m >> a & 1] for s, m in zip(sizes, box)]
        return set(product(*axes))

    expected = {p for p in cells(region)
                if not any(all(b[k] >> a & 1 for k, a in enumerate(p)) for b in boxes)}
    pieces = [cells(b) for b in found.boxes]
    assert sum(len(p) for p in pieces) == len(expected)  # disjoint ...
    assert set().union(*pieces) == expected  # ... and exactly the uncovered points
    merged = [cells(b) for b in merge_boxes(found.boxes)]
    assert set().union(*merged) == expected and sum(len(p) for p in merged) == len(expected)
    one = uncovered(region, cover, active, limit=1, ordered=ordered)
    assert bool(one.boxes) == bool(expected) and (one.complete or len(one.boxes) == 1)
