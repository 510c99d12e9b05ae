"""Evaluate one case through the decision graph, and say why: rules, cells, sources."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from difflib import get_close_matches
from typing import Any

from .atoms import bits
from .compiled import CompiledTable
from .errors import CaseError, InvalidInput, MissingInput, NoRuleMatched
from .graph import required
from .hitpolicy import HANDLERS, SINGLE, empty_answer
from .model import Model
from .sfeel import Value, literal_text
from .values import ValueProblem, conform


@dataclass(frozen=True)
class Step:
    """One decision evaluated on the way: what it read, which rules matched, what it gave."""

    decision: str
    inputs: dict[str, Value]
    matched: tuple[str, ...]
    decided: tuple[str, ...]
    outputs: dict[str, Any]
    cells: tuple[str, ...]  # the id cells of the deciding rules
    default: bool = False


@dataclass(frozen=True)
class Result(Mapping[str, Any]):
    decision: str
    outputs: dict[str, Any]
    rules: tuple[str, ...]
    trace: tuple[Step, ...]
    model: Model = field(repr=False, compare=False)

    def __getitem__(self, key: str) -> Any:
        return self.outputs[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.outputs)

    def __len__(self) -> int:
        return len(self.outputs)

    def explain(self) -> str:
        from .explain import explain

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


def check_case_keys(model: Model, case: Mapping[str, Any]) -> None:
    if not isinstance(case, Mapping):
        raise CaseError(f"a case is a mapping of input names to values, not {type(case).__name__}")
    produced = {o for t in model.tables.values() for o in t.output_names}
    for name in case:
        if not isinstance(name, str) or name not in model.variables:
            choices = [v for v in model.variables if v not in produced]
            close = get_close_matches(str(name), choices, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            raise InvalidInput(f"unknown input {name!r}{hint}", inputs=(str(name),))
        if name in produced:
            raise InvalidInput(f"{name} is decided by the guideline, not given by a case",
                               inputs=(name,))


def evaluate(model: Model, case: Mapping[str, Any], decision: str | None = None) -> Result:
    compiled: dict[str, CompiledTable] = model.compiled()
    target = resolve_decision(model, decision)
    check_case_keys(model, case)
    order = required(model.tables, target)
    needed = [c.name for name in order for c in model.tables[name].inputs
              if model.producer(c.name) is None]
    missing = sorted({n for n in needed if n not in case})
    if missing:
        raise MissingInput(f"the case lacks {', '.join(missing)} (give null when unknown)",
                           target, tuple(missing))
    known: dict[str, Value] = {}
    for name in dict.fromkeys(needed):
        try:
            known[name] = conform(case[name], model.variables[name])
        except ValueProblem as exc:
            raise InvalidInput(exc.message, target, (name,)) from None
    steps = [run_table(compiled[name], known) for name in order]
    last = steps[-1]
    return Result(target, last.outputs, last.decided, tuple(steps), model)


def run_table(ct: CompiledTable, known: dict[str, Value]) -> Step:
    """Match one table against known values and apply its hit policy; adds its outputs."""
    table = ct.table
    values = [known[c.name] for c in table.inputs]
    matches = bits(ct.match(values))
    default = False
    if not matches and table.default is not None:
        outputs, decided, default = dict(zip(table.output_names, table.default)), [], True
    elif not matches and table.hit_policy in SINGLE:
        shown = ", ".join(f"{n} = {literal_text(v)}" for n, v in zip(table.input_names, values))
        raise NoRuleMatched(f"no rule of decision {table.name} matches {shown or 'this case'}",
                            table.name, table.input_names)
    elif not matches:
        outputs, decided = empty_answer(ct), []
    else:
        decided, outputs = HANDLERS[table.hit_policy](ct, matches)
    known.update(outputs)
    return Step(table.name, dict(zip(table.input_names, values)),
                tuple(ct.rule(i).id for i in matches), tuple(ct.rule(i).id for i in decided),
                outputs, tuple(ct.rule(i).cell for i in decided), default)
