"""Evaluate one case through the decision graph, and say why: rules, cells, sources."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from difflib import get_close_matches
from typing import Any

from ..core.errors import CaseError, InvalidInput, MissingInput, NoRuleMatched
from ..core.graph import required
from ..core.model import SINGLE_HIT, Constraint, Model, Variable
from ..core.sfeel import Value, literal_text
from ..domain.atoms import bits
from ..domain.values import ValueProblem, conform
from .compiled import CompiledTable, compile_model
from .explain import explain
from .hitpolicy import HANDLERS, empty_answer


class Step:
    """One decision evaluated on the way: what it read, which rules matched, what it gave.

    Rule ids and cells are looked up only when asked for: most callers want the answer, and
    building the trace eagerly was most of the time of a single evaluation.
    """

    __slots__ = ("_ct", "_values", "_matches", "_decided", "outputs", "default")

    def __init__(self, ct: CompiledTable, values: list[Value], matches: list[int],
                 decided: list[int], outputs: dict[str, Any], default: bool = False) -> None:
        self._ct = ct
        self._values = values
        self._matches = matches
        self._decided = decided
        self.outputs = outputs
        self.default = default

    @property
    def decision(self) -> str:
        return self._ct.table.name

    @property
    def inputs(self) -> dict[str, Value]:
        return dict(zip(self._ct.table.input_names, self._values))

    @property
    def matched(self) -> tuple[str, ...]:
        return tuple(self._ct.ids[i] for i in self._matches)

    @property
    def decided(self) -> tuple[str, ...]:
        return tuple(self._ct.ids[i] for i in self._decided)

    @property
    def cells(self) -> tuple[str, ...]:
        """The id cells of the deciding rules."""
        return tuple(self._ct.cells[i] for i in self._decided)

    def __repr__(self) -> str:
        return (f"Step(decision={self.decision!r}, decided={self.decided!r}, "
                f"outputs={self.outputs!r})")


@dataclass(slots=True, eq=False)
class Result(Mapping[str, Any]):
    decision: str
    outputs: dict[str, Any]
    trace: tuple[Step, ...]
    model: Model = field(repr=False, compare=False)

    @property
    def rules(self) -> tuple[str, ...]:
        """The rules that decided the asked decision."""
        return self.trace[-1].decided

    def __getitem__(self, key: str) -> Any:
        return self.outputs[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.outputs)

    def __len__(self) -> int:
        return len(self.outputs)

    def explain(self) -> str:
        return explain(self)


def resolve_decision(model: Model, decision: str | None) -> str:
    if decision is not None:
        if decision not in model.tables:
            close = get_close_matches(decision, list(model.tables), n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            raise CaseError(f"there is no decision {decision!r}{hint}; the decisions are: "
                            f"{', '.join(model.tables)}")
        return decision
    tops = model.top_decisions()
    if len(tops) == 1:
        return tops[0]
    raise CaseError(f"this guideline has {len(tops)} final decisions; say which one: "
                    f"{', '.join(tops)}")


@dataclass(frozen=True)
class Plan:
    """What evaluating one decision needs, worked out once per decision and kept."""

    target: str
    tables: tuple[CompiledTable, ...]  # required decisions first
    needed: tuple[tuple[str, Variable], ...]  # case inputs read on the way
    case_inputs: frozenset[str]  # every name a case may give
    constraints: tuple[Constraint, ...] = ()  # those naming only inputs read on the way


def must_be_known(name: str) -> str:
    return (f"{name} is unknown (null), but the glossary says it must be known (its 'Unknown "
            "allowed' cell is empty or no): give its value")


def impossible(constraint: Constraint) -> str:
    return f"this case cannot occur: it lies inside constraint {constraint.said()}"


def plan_for(model: Model, decision: str | None) -> Plan:
    cache = model._plans
    plan: Plan | None = cache.get(decision)
    if plan is None:
        compiled: dict[str, CompiledTable] = compile_model(model)
        target = resolve_decision(model, decision)
        order = required(model.tables, target)
        produced = model.producers
        needed = dict.fromkeys(c.name for name in order for c in model.tables[name].inputs
                               if c.name not in produced)
        plan = Plan(target, tuple(compiled[n] for n in order),
                    tuple((n, model.variables[n]) for n in needed),
                    frozenset(v for v in model.variables if v not in produced),
                    tuple(c for c in model.constraints if all(n in needed for n in c.names)))
        cache[decision] = plan
    return plan


def unknown_key(model: Model, plan: Plan, case: Mapping[str, Any]) -> CaseError:
    for name in case:
        if not isinstance(name, str) or name not in model.variables:
            close = get_close_matches(str(name), sorted(plan.case_inputs), n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            return InvalidInput(f"unknown input {name!r}{hint}", inputs=(str(name),))
        if name not in plan.case_inputs:
            return InvalidInput(f"{name} is decided by the guideline, not given by a case",
                                inputs=(name,))
    raise AssertionError("unknown_key called on a valid case")  # pragma: no cover


def evaluate(model: Model, case: Mapping[str, Any], decision: str | None = None) -> Result:
    plan = plan_for(model, decision)
    if not isinstance(case, Mapping):
        raise CaseError(f"a case is a mapping of input names to values, not {type(case).__name__}")
    if not plan.case_inputs.issuperset(case.keys()):
        raise unknown_key(model, plan, case)
    known: dict[str, Value] = {}
    missing = []
    for name, var in plan.needed:
        if name not in case:
            missing.append(name)
            continue
        try:
            value = known[name] = conform(case[name], var)
        except ValueProblem as exc:
            raise InvalidInput(exc.message, plan.target, (name,)) from None
        if value is None and var.unknown is False:
            raise InvalidInput(must_be_known(name), plan.target, (name,))
    if missing:
        raise MissingInput(f"the case lacks {', '.join(sorted(missing))} (give null when "
                           "unknown)", plan.target, tuple(sorted(missing)))
    for constraint in plan.constraints:
        if constraint.matches(known):
            raise InvalidInput(impossible(constraint), plan.target, constraint.names)
    steps = tuple(run_table(ct, known) for ct in plan.tables)
    last = steps[-1]
    return Result(plan.target, last.outputs, steps, model)


def run_table(ct: CompiledTable, known: dict[str, Value]) -> Step:
    """Match one table against known values and apply its hit policy; adds its outputs."""
    table = ct.table
    names = table.input_names
    values = [known[n] for n in names]
    matches = bits(ct.match(values))
    default = False
    decided: list[int]
    if not matches and table.default is not None:
        outputs, decided, default = dict(zip(table.output_names, table.default)), [], True
    elif not matches and table.hit_policy in SINGLE_HIT:
        shown = ", ".join(f"{n} = {literal_text(v)}" for n, v in zip(table.input_names, values))
        raise NoRuleMatched(f"no rule of decision {table.name} matches {shown or 'this case'}",
                            table.name, table.input_names)
    elif not matches:
        outputs, decided = empty_answer(ct), []
    else:
        decided, outputs = HANDLERS[table.hit_policy](ct, matches)
    known.update(outputs)
    return Step(ct, values, matches, decided, outputs, default)
