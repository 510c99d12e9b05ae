"""The theorem, against brute force: on random chained workbooks (2-3 tables, small domains,
variables that may be unknown, constraint rows — also on inputs no table reads, and mixes of
read and unread ones), every allowed case is enumerated and evaluated. A case of a decision
gives the inputs it reads; it is allowed when some completion of it to every glossary input
lies inside no constraint (cases over all variables are what "allowed" is said of), and
`evaluate` must refuse exactly the others. The check must report a gap (an overlap) in a table
exactly when some allowed case that reaches it gets no rule (two rules); every example must be
a whole case that `evaluate` answers as the finding says; and a check without errors means
every allowed case evaluates without a `CaseError`.

The brute force never uses atoms, regions or the check: it walks every combination of values
(each variable's domain is a handful of values; an integer's bounds lie inside it), asks
`Model.evaluate` for the upstream answers and matches the table's cells with
`UnaryTest.matches`, the evaluation semantics.
"""

from __future__ import annotations

from itertools import combinations, product
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.api import Model
from engine.core.errors import (
    CaseError,
    ConflictingRules,
    EngineError,
    Finding,
    InvalidInput,
    NoRuleMatched,
    SfeelError,
)
from engine.core.model import Column, Constraint, Rule, Table, Variable
from engine.core.sfeel import parse_unary
from engine.domain.values import ValueProblem
from engine.workbook.cells import cell_test

ANSWERS = ("p", "q", "r")
TEXTS = ("a", "b", "c")


@st.composite
def input_variable(draw: Any, k: int) -> Variable:
    kind = draw(st.sampled_from(("boolean", "string", "integer")))
    unknown = draw(st.integers(0, 2)) == 0
    name = f"x{k}"
    if kind == "boolean":
        return Variable(name, "boolean", None, (True, False), unknown=unknown)
    if kind == "string":
        return Variable(name, "string", None, TEXTS[:draw(st.integers(2, 3))], unknown=unknown)
    return Variable(name, "integer", parse_unary("[0..4]"), unknown=unknown)


def domain(var: Variable) -> list[Any]:
    values: list[Any] = [True, False] if var.type == "boolean" else (
        list(var.values) if var.type == "string" else list(range(5)))
    return values + ([None] if var.unknown else [])


@st.composite
def cell_text(draw: Any, var: Variable) -> str:
    choice = draw(st.integers(0, 11))
    if choice < 3:
        return "-"
    if choice == 3:
        return "null"
    if choice == 4:
        return "not(null)"
    if var.type == "boolean":
        text = draw(st.sampled_from(("true", "false")))
    elif var.type == "string":
        chosen = draw(st.lists(st.sampled_from(var.values), min_size=1, max_size=2, unique=True))
        text = ", ".join(f'"{v}"' for v in chosen)
    else:
        form = draw(st.sampled_from(("cmp", "range", "point")))
        b = draw(st.integers(0, 4))
        if form == "cmp":
            text = f"{draw(st.sampled_from(('<', '<=', '>', '>=')))} {b}"
        elif form == "range":
            text = f"[{min(b, 2)}..{max(b, 2)}]"
        else:
            text = str(b)
    if choice == 10 and var.type != "boolean":
        return f"not({text})"
    if choice == 11:
        return f"{text}, null"
    return text


def read_cell(text: str, var: Variable) -> Any:
    try:
        return cell_test(text, var)
    except (SfeelError, ValueProblem):
        return cell_test("-", var)


def make_table(draw: Any, name: str, ins: list[Variable], out: Variable, policy: str) -> Table:
    rules = []
    letters = [chr(66 + c) for c in range(len(ins) + 1)]
    for r in range(draw(st.integers(1, 6))):
        tests = tuple(read_cell(draw(cell_text(v)), v) for v in ins)
        answer = draw(st.sampled_from(out.values)) if draw(st.integers(0, 7)) else None
        row = 4 + r
        rules.append(Rule(f"R{r + 1}", row, tests, (answer,), (),
                          tuple(f"{name}!{x}{row}" for x in letters[:-1]),
                          (f"{name}!{letters[-1]}{row}",), f"{name}!A{row}"))
    cols = tuple(Column(v.name, "input", f"{name}!{x}2", x) for v, x in zip(ins, letters))
    outc = Column(out.name, "output", f"{name}!{letters[-1]}2", letters[-1])
    default = (draw(st.sampled_from(out.values)),) if draw(st.integers(0, 9)) == 0 else None
    return Table(name, policy, cols, (outc,), (), tuple(rules), name, f"{name}!B1",
                 default=default)


@st.composite
def whole_domain(draw: Any, var: Variable) -> str:
    """A cell accepting every known value of the variable (and null, sometimes), written as a
    person would: with another row on the variable, it can rule out all of it."""
    if var.type == "boolean":
        text = "true, false"
    elif var.type == "string":
        text = ", ".join(f'"{v}"' for v in var.values)
    else:
        text = draw(st.sampled_from(("[0..4]", ">= 0", "<= 4", "not(null)")))
    return f"{text}, null" if draw(st.booleans()) and text != "not(null)" else text


@st.composite
def constraint_cell(draw: Any, var: Variable) -> str:
    return draw(whole_domain(var) if draw(st.integers(0, 2)) == 0 else cell_text(var))


@st.composite
def graphs(draw: Any) -> Model:
    """t1 reads inputs; t2 reads d1 and inputs; t3 (half the time) reads d2, maybe d1. Up to
    two more inputs no table reads; constraints name read and unread inputs alike."""
    inputs = [draw(input_variable(k)) for k in range(draw(st.integers(2, 4)))]
    unread = [draw(input_variable(k)) for k in range(len(inputs),
                                                     len(inputs) + draw(st.integers(0, 2)))]
    decided = [Variable(f"d{k}", "string", None, ANSWERS) for k in (1, 2, 3)]
    variables = {v.name: v for v in [*inputs, *unread, *decided]}
    policies = st.sampled_from(("U", "A", "F", "P"))

    def some_inputs() -> list[Variable]:
        return draw(st.lists(st.sampled_from(inputs), min_size=1, max_size=2, unique_by=id))

    tables = [make_table(draw, "t1", some_inputs(), decided[0], draw(policies))]
    tables.append(make_table(draw, "t2", [decided[0], *draw(st.lists(
        st.sampled_from(inputs), max_size=2, unique_by=id))], decided[1], draw(policies)))
    if draw(st.booleans()):
        reads = [decided[1], *([decided[0]] if draw(st.booleans()) else []), *draw(st.lists(
            st.sampled_from(inputs), max_size=1, unique_by=id))]
        tables.append(make_table(draw, "t3", reads, decided[2], draw(policies)))
    else:
        del variables["d3"]
    constraints = []
    for c in range(draw(st.integers(0, 3))):
        named = draw(st.lists(st.sampled_from([*inputs, *unread]), min_size=1, max_size=3,
                              unique_by=id))
        tests = tuple((v.name, read_cell(draw(constraint_cell(v)), v)) for v in named)
        tests = tuple(t for t in tests if not t[1].any)
        if tests:
            constraints.append(Constraint(f"C{c + 1}", tests, f"impossible {c + 1}",
                                          f"Constraints!A{c + 2}",
                                          tuple(f"Constraints!B{c + 2}" for _ in tests)))
    return Model("random", variables, {t.name: t for t in tables}, constraints=constraints)


# -- brute force --------------------------------------------------------------------------------
class Brute:
    """Every allowed case of each decision, what reaches each table and what matches there."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.reaching: dict[str, list[tuple[dict[str, Any], list[int]]]] = {}
        self.failures: dict[str, int] = {}  # decision -> allowed cases evaluate refuses
        allowed = allowed_cases(model)
        for name, table in model.tables.items():
            needed = sorted(needed_inputs(model, name))
            possible = {tuple(case[n] for n in needed) for case in allowed}
            rows = []
            refused = 0
            for values in product(*(domain(model.variables[n]) for n in needed)):
                case = dict(zip(needed, values))
                if values not in possible:  # every completion lies inside some constraint
                    try:
                        model.evaluate(case, name)
                    except InvalidInput:
                        continue
                    raise AssertionError(f"{case} cannot occur yet {name} answers it")
                known = dict(case)
                try:
                    for up in upstream(model, name):
                        known.update(model.evaluate(case, up).outputs)
                except CaseError:
                    continue  # the case stops before this table: not its gap
                hits = [i for i, r in enumerate(table.rules)
                        if all(t.matches(known[c]) for t, c in zip(r.inputs, table.input_names))]
                rows.append((case, hits))
                try:
                    model.evaluate(case, name)
                except InvalidInput as exc:
                    raise AssertionError(f"{case} can occur yet {name} refuses it: {exc}") \
                        from exc
                except CaseError:
                    refused += 1
            self.reaching[name] = rows
            self.failures[name] = refused


def allowed_cases(model: Model) -> list[dict[str, Any]]:
    """Every case over all glossary inputs (not only those a decision reads) that lies inside
    no constraint."""
    names = sorted(n for n in model.variables if model.producer(n) is None)
    cases = (dict(zip(names, values))
             for values in product(*(domain(model.variables[n]) for n in names)))
    return [case for case in cases if not any(c.matches(case) for c in model.constraints)]


def needed_inputs(model: Model, decision: str) -> set[str]:
    from engine.core.graph import required

    return {c.name for t in required(model.tables, decision) for c in model.tables[t].inputs
            if model.producer(c.name) is None}


def upstream(model: Model, decision: str) -> list[str]:
    from engine.core.graph import required

    return [t for t in required(model.tables, decision) if t != decision]


def own_terms(model: Model, table: Table, case: dict[str, Any]) -> dict[str, Any]:
    values = dict(case)
    for up in upstream(model, table.name):
        values.update(model.evaluate(case, up).outputs)
    return {n: values[n] for n in table.input_names}


def in_region(region: dict[str, str], model: Model, point: dict[str, Any]) -> bool:
    return all(cell_test(region[n], model.variables[n]).matches(v) for n, v in point.items())


GRAPHS = {"graphs": 0, "cases": 0}  # how much was compared (read by benchmarks/brute_count)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_gaps_and_overlaps_are_exactly_the_cases_that_get_none_or_two(model: Model) -> None:
    findings = model.check()
    brute = Brute(model)
    GRAPHS["graphs"] += 1
    GRAPHS["cases"] += sum(len(r) for r in brute.reaching.values())
    for name, table in model.tables.items():
        mine = [f for f in findings if f.decision == name]
        rows = brute.reaching[name]
        must_answer = table.hit_policy in ("U", "A", "F", "P") and table.default is None
        gap_cases = [case for case, hits in rows if not hits]
        gaps = [f for f in mine if f.kind == "gap"]
        if must_answer:
            assert bool(gaps) == bool(gap_cases), (name, gap_cases[:3], gaps)
            check_gap_regions(model, table, gaps, rows)
        pairs = {p for _, hits in rows for p in combinations(hits, 2)}
        overlaps = [f for f in mine if f.kind == "overlap"]
        if table.hit_policy in ("U", "A"):
            reported = {p for f in overlaps
                        for p in combinations(sorted(index(table, r) for r in f.rules), 2)}
            assert reported == pairs, (name, reported, pairs)
            for f in overlaps:
                check_overlap_example(model, table, f)
        else:
            assert not overlaps
        check_never_decides(table, mine, rows)
    if not [f for f in findings if f.severity == "error"]:
        assert all(n == 0 for n in brute.failures.values()), brute.failures


def decides(table: Table, hits: list[int], skip: int | None = None) -> Any:
    """What the table answers when these rules match (without rule `skip`): the deciding
    rule's output under F and P, the set of outputs under U and A."""
    hits = [i for i in hits if i != skip]
    if not hits:
        return None
    outs = [table.rules[i].outputs for i in hits]
    if table.hit_policy == "F":
        return outs[0]
    if table.hit_policy == "P":
        return outs[min(range(len(hits)), key=lambda k: (rank(outs[k][0]), k))]
    return frozenset(outs)


def rank(value: Any) -> int:
    """Priority under P: the order of the output's values; null (not among them) last."""
    return ANSWERS.index(value) if value in ANSWERS else len(ANSWERS)


def check_never_decides(table: Table, mine: list[Finding],
                        rows: list[tuple[dict[str, Any], list[int]]]) -> None:
    """A rule said to never decide (masked) never decides for any allowed case that reaches
    the table; one said deletable (redundant) changes no answer of those cases if deleted."""
    for f in mine:
        i = index(table, f.rules[0]) if f.rules else None
        if f.kind == "masked":
            for case, hits in rows:
                if i in hits and table.hit_policy == "F":
                    assert hits[0] != i, (f.message, case)
                elif i in hits:  # P: another rule decides
                    best = min(hits, key=lambda k: (rank(table.rules[k].outputs[0]), k))
                    assert best != i, (f.message, case)
        elif f.kind == "redundant" and table.hit_policy != "U":
            for case, hits in rows:
                assert decides(table, hits) == decides(table, hits, i), (f.message, case)


def index(table: Table, rule_id: str) -> int:
    return next(i for i, r in enumerate(table.rules) if r.id == rule_id)


def check_gap_regions(model: Model, table: Table, gaps: list[Finding],
                      rows: list[tuple[dict[str, Any], list[int]]]) -> None:
    regions = [f.region for f in gaps if f.region is not None]
    for f in gaps:
        if f.region is None:
            continue
        assert f.example is not None, f"no verified example for {f}"
        with_error(model, f.example, table.name, NoRuleMatched)
    if len(regions) < len(gaps):
        return  # some left out (a cap): the listed ones were checked above
    for case, hits in rows:
        point = own_terms(model, table, case)
        inside = any(in_region(r, model, point) for r in regions)
        assert inside == (not hits), (case, point, regions)


def check_overlap_example(model: Model, table: Table, f: Finding) -> None:
    assert f.example is not None and f.region is not None
    answers = {table.rules[index(table, r)].outputs for r in f.rules}
    if table.hit_policy == "U" or len(answers) > 1:
        with_error(model, f.example, table.name, ConflictingRules)
    else:
        result = model.evaluate(f.example, table.name)
        assert set(result.trace[-1].matched) == set(f.rules)


def with_error(model: Model, case: dict[str, Any], decision: str,
               kind: type[EngineError]) -> None:
    try:
        model.evaluate(case, decision)
    except kind as exc:
        assert getattr(exc, "decision", decision) == decision
        return
    raise AssertionError(f"{case} does not raise {kind.__name__} in {decision}")
