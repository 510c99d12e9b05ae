"""Masked and redundant rules across the decision graph, which a table-by-table reading misses.

`rule_checks` judges a rule over the table's own columns: every value of each, and for a
decided input every answer its decision can give. A rule can still never decide because of
how the decisions it reads answer, or because of the constraints: under F, `band = "high"`
first and `x >= 5` after it, the second never decides when `band` is "high" exactly when
`x >= 5`. Each rule the table-by-table checks left alone is searched here over the cases that
reach the table (`reaching`), with every input allowed to be unknown: more cases than can
occur, so what is claimed holds for every case evaluation accepts, and a `null` reaches a rule
whose cell allows it, as the table-by-table checks count it.
"""

from __future__ import annotations

from typing import Any

from ..core.errors import EngineError, Finding
from ..core.i18n import _
from ..evaluation.evaluate import evaluate
from .context import CONTRIBUTE_ALL, MASK_STEPS, MASKING, Context
from .graph_check import Terms, finding, plain
from .reaching import Reaching, View
from .regions import Box, contains, intersect, members, uncovered
from .rule_checks import safe_to_delete, winners

ACROSS = (*MASKING, "A", "C<", "C>")  # where a rule can be masked, or deleted as redundant
PARTS = 64  # pieces of a rule's real cases kept to compare with other rules at once
TABLE_STEPS = 200_000  # search steps per table and question (masked, redundant); past them
# the rules left are not judged across the graph (what is claimed is still proven)


def masked_across_graph(ctx: Context, reach: Reaching, out: list[Finding],
                        live: set[int]) -> None:
    """Rules (F, P) reached by some real case (`live`) that never decide, once followed: run
    after the table-by-table `check_masked`, before `check_redundant` (which skips them)."""
    found = _setting(ctx, reach, out, live, MASKING)
    if found is None:
        return
    view, real, terms, candidates = found
    budget = [TABLE_STEPS]
    for i in sorted(candidates):
        box = intersect(view.boxes[i], view.space.domain)
        ahead = winners(ctx, i)
        if box and ahead and inside(view, box, ahead, budget):
            wins = [j for j in members(ahead) if shares(view, box, j)]  # those taking part
            ctx.masked.add(i)
            out.append(finding(ctx, terms, "masked", "warning", masked_text(ctx, i, wins),
                               [i, *wins], None, example(ctx, real, i, wins, True)))


def redundant_across_graph(ctx: Context, reach: Reaching, out: list[Finding],
                           live: set[int]) -> None:
    """Rules (A, C<, C>, F, P) whose every real case another rule with the same answer
    matches too, once followed, where deleting them changes no answer (`safe_to_delete`)."""
    found = _setting(ctx, reach, out, live, tuple(p for p in ACROSS if p not in CONTRIBUTE_ALL))
    if found is None:
        return
    view, real, terms, candidates = found
    table, outputs = ctx.table, ctx.ct.outputs
    budget = [TABLE_STEPS]
    ids = {r.id: k for k, r in enumerate(table.rules)}
    deleted = {ids[f.rules[0]] for f in out if f.decision == table.name and f.rules
               and f.kind == "redundant" and f.rules[0] in ids}  # they hold no other
    for i in sorted(candidates, reverse=True):  # of two equal rules, the later is reported
        box = intersect(view.boxes[i], view.space.domain)
        if box is None:
            continue
        parts = real_parts(view, box, budget)  # the cases of the rule that can occur
        for j in members(ctx.adjacent[i]):
            if (j in ctx.masked or j in deleted or outputs[j] != outputs[i]
                    or ctx.unknown_answers >> j & 1):
                continue
            held = (all(contains(view.boxes[j], p) for p in parts) if parts is not None
                    else inside(view, box, 1 << j, budget))
            if held and safe_to_delete(ctx, i, j):
                deleted.add(i)
                out.append(finding(
                    ctx, terms, "redundant", "warning",
                    _("rule {rid} matches only cases that rule {other} also matches, with the "
                      "same answer, once the decisions it reads and the constraints are "
                      "followed: {rid} can be deleted").format(rid=table.rules[i].id,
                                                               other=table.rules[j].id),
                    [i, j], None, example(ctx, real, i, [j], False)))
                break


def _setting(ctx: Context, reach: Reaching, out: list[Finding], live: set[int],
             policies: tuple[str, ...]) -> tuple[View, View, Terms, list[int]] | None:
    """The table's cases with every input allowed to be unknown, its real cases, and the
    rules left to judge: live, readable, not yet reported; None when nothing is left."""
    table = ctx.table
    if table.hit_policy not in policies:
        return None
    real = reach.view(table, ctx.ct, ctx.boxes)
    if plain(ctx, real):
        return None  # the table read on its own: the table-by-table checks were exact
    told = {f.rules[0] for f in out if f.decision == table.name and f.rules
            and f.kind in ("unreachable", "masked", "redundant")}
    candidates = [i for i in live if i not in ctx.masked and table.rules[i].id not in told
                  and ctx.active >> i & 1 and not ctx.unknown_answers >> i & 1]
    if not candidates:
        return None
    return reach.conservative().view(table), real, Terms(ctx, real), candidates


def shares(view: View, box: Box, j: int) -> bool:
    """Whether rule j matches some case of the box (outside what is ruled out)."""
    pair = intersect(box, view.boxes[j])
    return pair is not None and bool(view.outside(pair))


def real_parts(view: View, box: Box, budget: list[int]) -> list[Box] | None:
    """The box's cases outside what is ruled out, as at most `PARTS` disjoint boxes; None
    when they take more (then each question is searched on its own)."""
    if budget[0] <= 0:
        return None
    left = uncovered(box, view.cover, view.ruled_out, PARTS + 1, min(MASK_STEPS, budget[0]),
                     view.space.ordered)
    budget[0] -= left.steps
    return left.boxes if left.complete else None


def inside(view: View, box: Box, rules: int, budget: list[int]) -> bool:
    """Whether these rules match every case of the box that is not ruled out (proven within
    `MASK_STEPS` and what is left of the table's `budget`, which it counts down)."""
    if budget[0] <= 0:
        return False
    left = uncovered(box, view.cover, rules | view.ruled_out, 1, min(MASK_STEPS, budget[0]),
                     view.space.ordered)
    budget[0] -= left.steps
    return left.complete and not left.boxes


def masked_text(ctx: Context, i: int, wins: list[int]) -> str:
    rule, policy = ctx.table.rules[i], ctx.table.hit_policy
    if policy == "F":
        return _("rule {id} never decides: for every case that can reach it (following the "
                 "decisions it reads and the constraints), rules {ids} come before it and "
                 "match too (hit policy {policy}); delete it or move it up").format(
                     id=rule.id, ids=ctx.ids(wins), policy=policy)
    return _("rule {id} never decides: for every case that can reach it (following the "
             "decisions it reads and the constraints), rules {ids} match too and give an "
             "output that ranks at least as high (hit policy {policy}); delete it, or change "
             "its conditions or its output").format(id=rule.id, ids=ctx.ids(wins),
                                                    policy=policy)


def example(ctx: Context, real: View, i: int, others: list[int],
            masked: bool) -> dict[str, Any] | None:
    """A real case rule i matches, checked by evaluating it: i matches with the others, and
    (masked) does not decide."""
    box = intersect(real.boxes[i], real.space.domain)
    parts = real.outside(box) if box is not None else []
    if not parts or ctx.model.errors:
        return None
    case = real.space.case(parts[0])
    try:
        step = evaluate(ctx.model, dict(case), ctx.table.name).trace[-1]
    except EngineError:
        return None
    ids = {ctx.table.rules[k].id for k in (i, *others)}
    if ctx.table.rules[i].id not in step.matched or (masked and ctx.table.rules[i].id
                                                    in step.decided):
        return None
    return case if masked or ids <= set(step.matched) else None
