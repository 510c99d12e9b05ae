"""Rules that never decide on their own: unreachable, masked, redundant, or mergeable ones."""

from __future__ import annotations

from typing import Any

from ..core.errors import Finding
from ..core.i18n import _
from ..core.sfeel import Value, literal_text
from .context import CONTRIBUTE_ALL, MASK_STEPS, MASKING, MERGEABLE, Context
from .regions import (
    members,
    uncovered,
)


def check_unreachable(ctx: Context, out: list[Finding]) -> set[int]:
    """Rules whose own cells leave no value; returns the rules it reported (or passed on:
    a rule that applies only to unknown values is the graph check's to judge)."""
    told: set[int] = set()
    for i, rule in enumerate(ctx.table.rules):
        if not rule.readable or ctx.active >> i & 1:
            continue
        empty = [k for k, m in enumerate(ctx.boxes[i]) if m == 0]
        cells = tuple(rule.input_cells[k] for k in empty)
        k = empty[0]
        test, col = rule.inputs[k], ctx.table.inputs[k]
        assert test is not None
        name = ctx.label(col.name)
        if all(ctx.ct.null_cover[c] >> i & 1 for c in empty):  # empty but for null
            required = [c for c in empty if ctx.model.producer(ctx.table.inputs[c].name) is None
                        and ctx.model.variables[ctx.table.inputs[c].name].unknown is not True]
            if not required:
                continue  # unknown is a value here: the graph check says if it occurs
            told.add(i)
            var = ctx.model.variables[ctx.table.inputs[required[0]].name]
            if var.unknown is None:  # a DMN input: evaluation accepts null, the check does not
                out.append(ctx.finding(
                    "unreachable", "info", _("rule {id} applies only when {name} is "
                      "unknown (null); the check covers known values only").format(
                        id=rule.id, name=var.title()), [i], cells=cells))
            else:
                out.append(ctx.finding(
                    "unreachable", "warning",
                    _("rule {id} can never apply: it asks for {name} to be unknown (null), "
                      "but the glossary says it must be known").format(
                        id=rule.id, name=var.title()), [i], cells=cells))
            continue
        told.add(i)
        up = ctx.model.producer(col.name)
        if ctx.atoms[k].mask(test) == 0:
            why = _("no value at all satisfies it")
        elif col.name in ctx.restrict:
            shown = ", ".join(literal_text(v) for v in ctx.restrict[col.name])
            why = _("decision {name} never answers so (it can give {shown})").format(
                      name=up.name if up else '', shown=shown)
        else:
            var = ctx.model.variables[col.name]
            why = _("no allowed value satisfies it") + (
                _(" (allowed: {allowed})").format(allowed=var.allowed.text)
                if var.allowed is not None else "")
        out.append(
            ctx.finding(
                "unreachable",
                "warning",
                _(
                    "rule {id} can never apply: its condition {text} on {name} is empty: {why}"
                ).format(id=rule.id, text=test.text, name=name, why=why),
                [i],
                cells=cells,
            )
        )
    return told


def winners(ctx: Context, i: int) -> int:
    """The overlapping rules that win over rule i under F or P."""
    near = ctx.adjacent[i]
    if ctx.table.hit_policy == "F":
        return near & ((1 << i) - 1)
    mine = (ctx.ct.priority[i], i)
    return sum(1 << j for j in members(near) if (ctx.ct.priority[j], j) < mine)


def check_masked(ctx: Context, out: list[Finding], unreachable: set[int] | None = None) -> None:
    policy = ctx.table.hit_policy
    if policy not in MASKING:
        return
    gave_up = []
    cover = ctx.cover_with_null()  # a null case reaches a rule whose cell allows null
    for i in members(ctx.active):
        wins = winners(ctx, i)
        if not wins or (unreachable and i in unreachable):
            continue
        left = uncovered(ctx.with_null(i), cover, wins, 1, MASK_STEPS, ctx.ordered)
        if not left.complete and not left.boxes:
            gave_up.append(i)
        if left.boxes or not left.complete:
            continue
        ctx.masked.add(i)
        rule = ctx.table.rules[i]
        if policy == "F":
            text = _("rule {id} never decides: rules {ids} {why} and match every case it "
                     "matches (hit policy {policy}); delete it or move it up").format(
                         id=rule.id, ids=ctx.ids(members(wins)), why=_("come before it"),
                         policy=policy)
        else:  # P: priority comes from the output values, wherever they are kept
            text = _("rule {id} never decides: rules {ids} give an output that ranks at least "
                     "as high (by the order of the output values) and match every case it "
                     "matches (hit policy {policy}, where the order of the rules does not "
                     "matter); delete it, or change its conditions or its output").format(
                         id=rule.id, ids=ctx.ids(members(wins)), policy=policy)
        out.append(
            ctx.finding(
                "masked",
                "warning",
                text,
                [i, *members(wins)],
                ctx.boxes[i],
                must=1 << i,
            )
        )
    if gave_up:
        out.append(ctx.finding(
            "not_analysed", "warning", _("could not work out within {mask_steps:,} "
                                         "steps whether rule(s) {ids} ever decide: the "
                                         "rules before them overlap too intricately").format(
                                           mask_steps=MASK_STEPS, ids=ctx.ids(gave_up)), gave_up))


def check_redundant(ctx: Context, out: list[Finding]) -> None:
    outputs = ctx.ct.outputs
    policy = ctx.table.hit_policy
    answer: dict[tuple[Value, ...], int] = {}
    known = ctx.active & ~ctx.unknown_answers
    for i in members(known):
        answer[outputs[i]] = answer.get(outputs[i], 0) | 1 << i
    for i in members(known):
        if i in ctx.masked:
            continue
        for j in members(ctx.containers[i] & answer[outputs[i]]):
            if ctx.null_columns(i) & ~ctx.null_columns(j):
                continue  # i answers an unknown value that j does not: not redundant
            rid, other = ctx.table.rules[i].id, ctx.table.rules[j].id
            same = ctx.boxes[i] == ctx.boxes[j] and ctx.null_columns(i) == ctx.null_columns(j)
            if same and j > i:
                continue  # the later of two equal rules is the one reported
            if same and policy in CONTRIBUTE_ALL:
                msg = _("rule {rid} repeats rule {other} (the same cases, the same "
                         "answer): under hit policy {policy} both add to the answer, "
                         "so it counts twice; delete one unless that is meant").format(
                           rid=rid, other=other, policy=policy)
            elif same:
                msg = _("rule {rid} repeats rule {other} (the same cases, the same "
                         "answer): delete one").format(rid=rid, other=other)
            elif policy in CONTRIBUTE_ALL or not safe_to_delete(ctx, i, j):
                continue
            else:
                msg = _("rule {rid} lies inside rule {other}, which gives the same "
                         "answer: {rid} can be deleted").format(rid=rid, other=other)
            out.append(ctx.finding("redundant", "warning", msg, [i, j], ctx.boxes[i],
                                   must=1 << i | 1 << j))
            break


def safe_to_delete(ctx: Context, i: int, j: int) -> bool:
    """Would deleting rule i (inside rule j, same answer) leave every answer as it was?"""
    policy = ctx.table.hit_policy
    same = ctx.ct.outputs[i]
    if policy == "F":  # j comes first: i is masked; j later: no rule between answers otherwise
        between = ctx.adjacent[i] & ((1 << j) - 1) & ~((1 << (i + 1)) - 1)
        return j > i and all(ctx.ct.outputs[k] == same for k in members(between))
    if policy == "P":  # a rule as high as i with another answer could take over
        rank = ctx.ct.priority[i]
        return all(ctx.ct.outputs[k] == same for k in members(ctx.adjacent[i])
                   if ctx.ct.priority[k] == rank)
    return True


def suggest_merges(ctx: Context, out: list[Finding]) -> None:
    """Rules that differ in one column only and give the same answer could be one row."""
    if ctx.table.hit_policy not in MERGEABLE:
        return
    seen: set[int] = set()
    rules_in = members(ctx.active & ~ctx.unknown_answers)
    # each column's cells as small numbers, equal for equal cells: a key of thousands of rules
    # then hashes a few small numbers, not cells of thousands of atoms over and over
    named = [_numbered([ctx.boxes[i][k] for i in rules_in]) for k in range(len(ctx.domain))]
    for k in range(len(ctx.table.inputs)):
        groups: dict[tuple[Any, ...], list[int]] = {}
        for n, i in enumerate(rules_in):
            if i in seen:
                continue
            rule = ctx.table.rules[i]
            key = (ctx.ct.outputs[i], rule.annotations,
                   tuple(column[n] for c, column in enumerate(named) if c != k))
            groups.setdefault(key, []).append(i)
        for rules in groups.values():
            if len(rules) < 2:
                continue
            cells = [ctx.boxes[i][k] for i in rules]
            if sum(c.bit_count() for c in cells) != _or(cells).bit_count():
                continue  # they overlap in this column: reported as overlaps
            first = ctx.boxes[rules[0]]
            merged = first[:k] + (_or(cells),) + first[k + 1:]
            seen.update(rules)
            cell = ctx.region(merged)[ctx.table.inputs[k].name]
            out.append(
                ctx.finding(
                    "mergeable",
                    "info",
                    _(
                        "rules {ids} differ only in {label} and give "
                        "the same answer: they could be one rule with "
                        "{label} = {cell}"
                    ).format(
                        ids=ctx.ids(rules), label=ctx.label(ctx.table.inputs[k].name), cell=cell
                    ),
                    rules,
                    merged,
                )
            )


def _numbered(cells: list[int]) -> list[int]:
    """Per cell, the number of the first equal cell met."""
    seen: dict[int, int] = {}
    return [seen.setdefault(c, len(seen)) for c in cells]


def _or(masks: list[int]) -> int:
    acc = 0
    for m in masks:
        acc |= m
    return acc
