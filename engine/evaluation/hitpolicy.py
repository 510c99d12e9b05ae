"""DMN hit policies: small pure functions on the list of matching rules, registered by code.

Each takes the compiled table and the indices of the matching rules (rule order) and returns
the indices that decide and the outputs. They never see expressions or cells.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..core.errors import ConflictingRules
from ..core.i18n import _
from ..core.sfeel import literal_text
from ..domain.values import ValueProblem, conform
from .compiled import CompiledTable

AGGREGATES = ("C+", "C#", "C<", "C>")

Outputs = dict[str, Any]
Handler = Callable[[CompiledTable, list[int]], tuple[list[int], Outputs]]


def _single(ct: CompiledTable, i: int) -> Outputs:
    return dict(zip(ct.table.output_names, ct.outputs[i]))


def _ids(ct: CompiledTable, matches: list[int]) -> str:
    return ", ".join(ct.rule(i).id for i in matches)


def unique(ct: CompiledTable, matches: list[int]) -> tuple[list[int], Outputs]:
    if len(matches) > 1:
        raise ConflictingRules(_("decision {name} has hit policy Unique, but rules "
                                 "{ids} all match this case").format(
                                   name=ct.table.name, ids=_ids(ct, matches)), ct.table.name)
    return matches, _single(ct, matches[0])


def any_(ct: CompiledTable, matches: list[int]) -> tuple[list[int], Outputs]:
    answers = {ct.outputs[i] for i in matches}
    if len(answers) > 1:
        raise ConflictingRules(_("decision {name} has hit policy Any, but the matching "
                                 "rules {ids} give different answers").format(
                                   name=ct.table.name, ids=_ids(ct, matches)),
                               ct.table.name)
    return matches, _single(ct, matches[0])


def priority(ct: CompiledTable, matches: list[int]) -> tuple[list[int], Outputs]:
    best = min(matches, key=lambda i: ct.priority[i])  # min keeps the first of equals
    return [best], _single(ct, best)


def first(ct: CompiledTable, matches: list[int]) -> tuple[list[int], Outputs]:
    return matches[:1], _single(ct, matches[0])


def _lists(ct: CompiledTable, chosen: list[int]) -> Outputs:
    return {name: [ct.outputs[i][k] for i in chosen]
            for k, name in enumerate(ct.table.output_names)}


def rule_order(ct: CompiledTable, matches: list[int]) -> tuple[list[int], Outputs]:
    return matches, _lists(ct, matches)


def output_order(ct: CompiledTable, matches: list[int]) -> tuple[list[int], Outputs]:
    ordered = sorted(matches, key=lambda i: ct.priority[i])  # stable: rule order among equals
    return ordered, _lists(ct, ordered)


def _aggregate(fold: Callable[[list[Any]], Any]) -> Handler:
    def handler(ct: CompiledTable, matches: list[int]) -> tuple[list[int], Outputs]:
        name = ct.table.output_names[0]
        values = [ct.outputs[i][0] for i in matches if ct.outputs[i][0] is not None]
        return matches, {name: fold(values)}

    return handler


def _sum(values: list[Any]) -> Any:
    return sum(values) if values else None


def count(ct: CompiledTable, matches: list[int]) -> tuple[list[int], Outputs]:
    """FEEL count() of the collected outputs: every match counts, a null output too."""
    return matches, {ct.table.output_names[0]: len(matches)}


HANDLERS: dict[str, Handler] = {
    "U": unique, "A": any_, "P": priority, "F": first, "R": rule_order, "O": output_order,
    "C": rule_order,
    "C+": _aggregate(_sum),
    "C#": count,
    "C<": _aggregate(lambda v: min(v) if v else None),
    "C>": _aggregate(lambda v: max(v) if v else None),
}


def aggregate_problem(ct: CompiledTable, value: Any) -> str | None:
    """Why an aggregated answer (a count, a sum, a minimum) is not an answer the output may
    take: beyond float range, or outside the glossary's type and allowed values. The check
    (verify/aggregates.py) reports where it can happen; evaluation refuses it."""
    if value is None or not ct.output_variables:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return _("the sum is beyond the largest number there is (about 1.8e308)")
    try:
        conform(value, ct.output_variables[0])
    except ValueProblem as exc:
        return exc.message
    return None


def refuse_aggregate(ct: CompiledTable, matches: list[int], outputs: Outputs) -> None:
    """A count, sum, minimum or maximum the output may not take is refused, never answered."""
    value = outputs[ct.table.output_names[0]]
    why = aggregate_problem(ct, value)
    if why is not None:
        raise ConflictingRules(_("decision {name} combines the answers of rules {ids} (hit "
                                 "policy {policy}) into {value}, which it may not answer: "
                                 "{why}").format(name=ct.table.name, ids=_ids(ct, matches),
                                                 policy=ct.table.hit_policy,
                                                 value=literal_text(value), why=why),
                               ct.table.name)


def empty_answer(ct: CompiledTable) -> Outputs:
    """What a multiple-hit table answers when no rule matches: an empty list, or 0 for a count."""
    policy = ct.table.hit_policy
    if policy == "C#":
        return {ct.table.output_names[0]: 0}
    if policy in ("C+", "C<", "C>"):
        return {ct.table.output_names[0]: None}
    return {name: [] for name in ct.table.output_names}
