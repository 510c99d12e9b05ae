"""What a collecting table really answers: its counts, sums, minima and maxima, checked
against its output's type and allowed values.

A C# table counts the rules that match, a C+ table adds up their answers: the answer is no
cell of the table, so no cell check sees it. A count of 2 into an output allowed `[0..1]`, a
sum past its output's allowed values or past float range, would reach the next table as a
value the glossary forbids (and evaluation refuses it, `ConflictingRules`). Here each value
the table gives for some real case (outside every constraint, each decision it reads giving
what it really gives: `reaching`) is checked, with a whole case that gives it; when the cases
cannot be followed exactly, the values it could give are.
"""

from __future__ import annotations

from typing import Any

from ..core.errors import ConflictingRules, Finding
from ..core.i18n import _
from ..core.sfeel import Value, literal_text
from ..evaluation.hitpolicy import AGGREGATES, aggregate_problem
from .context import Context
from .graph_check import verified
from .reaching import PARTITION_STEPS, Reaching, answer, partition

MAX_SHOWN = 5  # values reported per table (each with its case)


def check_aggregates(ctx: Context, reach: Reaching, out: list[Finding],
                     possible: list[Value] | None) -> None:
    """`possible`: the values the table could give, worked out without following the cases
    (a superset), for when its answers cannot be followed exactly."""
    table = ctx.table
    if table.hit_policy not in AGGREGATES or len(table.outputs) != 1:
        return
    name = table.output_names[0]
    leaves = None
    if reach.exact(table):
        view = reach.view(table)
        leaves = partition(view.space.domain, view.cover, view.readable | view.ruled_out,
                           view.space.ordered, [PARTITION_STEPS])
    if leaves is not None:
        found: dict[Any, tuple[str, dict[str, Any]]] = {}
        for box, matched in leaves:
            if matched & view.ruled_out:
                continue  # inside a constraint, or a value a decision read does not give
            outs = answer(ctx.ct, matched & view.readable)
            if outs is None:
                continue  # no answer at all: the gap and overlap checks say so
            value = outs[name]
            key = (type(value), value)
            why = aggregate_problem(ctx.ct, value)
            if why is not None and key not in found and len(found) < MAX_SHOWN:
                found[key] = (why, view.space.case(box))
        for (_type, value), (why, case) in found.items():
            out.append(Finding(
                "domain", "error",
                _("decision {name} (hit policy {policy}) answers {value} for some cases, which "
                  "it may not: {why}; such a case is refused when evaluated: widen the allowed "
                  "values of {output} in the glossary, or change the rules").format(
                    name=table.name, policy=table.hit_policy, value=literal_text(value),
                    why=why, output=name),
                table.name, (), (table.cell,), verified(ctx, case, ConflictingRules, [])))
        return
    outside = [v for v in possible or () if aggregate_problem(ctx.ct, v) is not None]
    if outside:
        out.append(Finding(
            "not_analysed", "warning",
            _("decision {name} (hit policy {policy}) could answer {values}, which {output} may "
              "not take, and its cases are too intricate to tell whether any does: widen the "
              "allowed values of {output}, or simplify the rules").format(
                name=table.name, policy=table.hit_policy,
                values=", ".join(literal_text(v) for v in outside[:MAX_SHOWN]), output=name),
            table.name, (), (table.cell,)))
