"""Prove each table complete and consistent, exactly, over the declared domains.

Each analysis has the shape `check_x(ctx, out)` and appends findings to one list. A finding
carries rule ids, cells, the region as S-FEEL cells (the row to add or inspect) and an example
that is checked to lie in the region by matching the table's rules against it.

What the analyses mean, per hit policy:

- **gap** (no rule matches): an error under U, A, P, F; under R, O, C, C+, C#, C<, C> a
  legitimate empty answer, reported as info. A table with a default answer has no gaps: one
  `default` note says where the default applies.
- **overlap** (several rules match): under U every overlap is an error; under A an error when
  the answers differ, a note when they agree. Each is reported once per group of rules that
  share one witness region, never per elementary cell. P, F, R, O and C resolve overlaps by
  design, so they are not reported there.
- **unreachable** (warning): a rule whose own region is empty: a cell no value satisfies
  (`[5..3]`), no allowed value satisfies, or no answer of the decision feeding it satisfies.
- **masked** (warning), under F and P only: every case the rule matches is decided by rules
  that come first (F) or rank higher (P). Under R, O and the collect policies every matching
  rule contributes to the answer, so no rule is masked there.
- **redundant** (warning): a rule repeating another; a rule lying inside another with the same
  answer where deleting it changes no answer (U, A, C<, C>; F and P when no rule in between
  answers differently). Under R, O, C, C+, C# every matching rule adds to the answer, so only
  exact repeats are reported, as likely double counting. **mergeable** (info): rules that
  differ in one column only, give the same answer and carry the same notes: the merged row.
- the loader's problems (syntax, type, domain, unknown names, cycles) come first; a glossary
  variable no table uses is a note. A table whose header could not be read is not analysed,
  and one finding names the cells that prevent it.

An input fed by another decision ranges over the answers that decision can give (the outputs of
its rules that can decide, and its default). Each column is treated on its own: the check does
not follow how the upstream answer depends on inputs this table also reads. Examples are whole
cases where one can be found and verified (engine/examples.py), else points in the table's own
inputs (the decided values included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .atoms import Atoms
from .compiled import CompiledTable, compile_table
from .errors import Finding
from .examples import lift
from .model import SINGLE_HIT, Model, Table
from .regions import (
    Box,
    accepting,
    example,
    intersect,
    members,
    merge_boxes,
    render,
    uncovered,
)
from .sfeel import Value, literal_text

MASKING = ("F", "P")  # where a rule can be hidden behind rules that take precedence
CONTRIBUTE_ALL = ("R", "O", "C", "C+", "C#")  # every matching rule adds to the answer
MERGEABLE = ("U", "A", "C", "C+", "C#", "C<", "C>")  # merging disjoint rules keeps every answer
MAX_GAPS_SHOWN = 50
GAP_SEARCH_LIMIT = 2000  # uncovered boxes collected before the search stops (then merged)
MAX_OVERLAPS_SHOWN = 200  # overlap findings per table (each a group of rules)
MAX_STEPS = 1_000_000  # search steps for the gaps of one table before the check gives up
MASK_STEPS = 100_000  # search steps for whether one rule is masked
Reach = dict[str, list[Value] | None]  # decided variable -> the values it can take


@dataclass
class Context:
    model: Model
    table: Table
    ct: CompiledTable
    boxes: list[Box]
    active: int  # rules that take part: readable, with a non-empty region
    domain: Box
    restrict: dict[str, list[Value]]
    adjacent: list[int] = field(default_factory=list)  # per rule: rules overlapping it
    containers: list[int] = field(default_factory=list)  # per rule: rules holding all of it
    masked: set[int] = field(default_factory=set)

    @property
    def atoms(self) -> list[Atoms]:
        return self.ct.atoms

    @property
    def ordered(self) -> list[bool]:
        return [not a.discrete for a in self.ct.atoms]

    def null_columns(self, i: int) -> int:
        """The columns (bit set) in which rule i accepts an unknown (null) value."""
        return sum(1 << k for k, nulls in enumerate(self.ct.null_cover) if nulls >> i & 1)

    def with_null(self, i: int) -> Box:
        """Rule i's region with one more atom per column for null (index: the atom count)."""
        return tuple(m | ((nulls >> i & 1) << a.size)
                     for m, nulls, a in zip(self.boxes[i], self.ct.null_cover, self.ct.atoms))

    def cover_with_null(self) -> list[list[int]]:
        return [[*cov, nulls] for cov, nulls in zip(self.ct.cover, self.ct.null_cover)]

    def label(self, name: str) -> str:
        var = self.model.variables.get(name)
        return var.label if var is not None and var.label else name

    def ids(self, rules: list[int]) -> str:
        return ", ".join(self.table.rules[i].id for i in rules)

    def region(self, box: Box) -> dict[str, str]:
        return dict(zip(self.table.input_names, render(self.atoms, box)))

    def row(self, box: Box) -> str:
        """The region in words: only the inputs that matter."""
        parts = [f"{self.label(k)} {v}" if v[0] in "<>" else f"{self.label(k)} = {v}"
                 for k, v in self.region(box).items() if v != "-"]
        return "; ".join(parts) or "every case"

    def example(self, box: Box, must: int, exact: bool) -> dict[str, Any] | None:
        """A point of the box, kept only if it is what the finding says: the rules `must` match
        it (and, if `exact`, no other rule does)."""
        values = example(self.atoms, box)
        matched = self.ct.match(values) & self.active
        if matched & must != must or (exact and matched != must):
            return None  # never show an example that is not what the finding says
        point = dict(zip(self.table.input_names, values))
        return lift(self.model, self.table, point) or point  # a whole case, where one is found

    def finding(self, kind: str, severity: str, message: str, rules: list[int],
                box: Box | None = None, cells: tuple[str, ...] | None = None,
                must: int = 0, exact: bool = False) -> Finding:
        if cells is None:
            cells = tuple(self.table.rules[i].cell for i in rules) or (self.table.cell,)
        return Finding(kind, severity, message, self.table.name,
                       tuple(self.table.rules[i].id for i in rules), cells,
                       self.example(box, must, exact) if box is not None else None,
                       self.region(box) if box is not None else None)


def check_model(model: Model) -> list[Finding]:
    out = list(model.problems)
    check_glossary_use(model, out)
    reach: Reach = {}
    for table in model.tables.values():
        check_table(model, table, out, reach)
    return out


def check_glossary_use(model: Model, out: list[Finding]) -> None:
    used = {c.name for t in model.tables.values() for c in (*t.inputs, *t.outputs)}
    for var in model.variables.values():
        if var.name not in used:
            out.append(Finding("graph", "info", f"{var.title()} ({var.name}) is in the glossary "
                                                "but no table uses it", cells=(var.cell,)))


# -- set-up ----------------------------------------------------------------------------------
def upstream_values(model: Model, table: Table, reach: Reach) -> dict[str, list[Value]]:
    """An input fed by another decision ranges over what that decision can answer."""
    restrict: dict[str, list[Value]] = {}
    for col in table.inputs:
        up = model.producer(col.name)
        if up is None:
            continue
        values = reach[col.name] if col.name in reach else produced(up, col.name, None)
        if values:
            restrict[col.name] = values
    return restrict


def produced(table: Table, output: str, deciding: set[int] | None) -> list[Value] | None:
    """The values a decision can give for `output` (None: cannot say, do not restrict).

    `deciding` are the rules that can decide (reachable, not masked); None means all rules.
    The answer may be wider than what really happens, never narrower.
    """
    k = table.output_names.index(output)
    rules = [r for i, r in enumerate(table.rules) if deciding is None or i in deciding
             or not r.readable]
    values = [r.outputs[k] for r in rules]
    if any(v is None for v in values):
        return None  # an unreadable answer: it could be anything
    policy = table.hit_policy
    if policy == "C#":
        values = list(range(len(rules) + 1))
    elif policy == "C+":
        if len(rules) > 12 or not all(isinstance(v, (int, float)) for v in values):
            return None
        sums = {0}
        for v in values:
            sums |= {s + v for s in sums}
        values = sorted(sums)
    elif policy not in (*SINGLE_HIT, "C<", "C>"):
        return None  # a list: the graph check reports it
    if table.default is not None:
        values.append(table.default[k])
    return list(dict.fromkeys(v for v in values if v is not None)) or None


def header_blockers(model: Model, table: Table) -> list[str]:
    """Cells in the table's header that could not be read: without them, columns are missing."""
    rows = [_row(c.cell) for c in (*table.inputs, *table.outputs, *table.annotations)]
    header = min((r for r in rows if r), default=_row(table.cell) + 1)
    out = []
    for p in model.problems:
        for cell in p.cells:
            sheet, _, ref = cell.rpartition("!")
            if sheet != table.sheet or p.severity != "error":
                continue
            row = _row(cell)
            if header <= row <= header + 1 and not (row == header + 1 and ref == f"A{row}"):
                out.append(cell)
    return list(dict.fromkeys(out))


def _row(cell: str) -> int:
    m = re.search(r"(\d+)$", cell)
    return int(m.group(1)) if m else 0


def build_context(model: Model, table: Table, reach: Reach) -> Context:
    restrict = upstream_values(model, table, reach)
    ct = compile_table(table, model.variables, restrict)
    domain = tuple(a.domain for a in ct.atoms)
    boxes: list[Box] = []
    active = 0
    for i, rule in enumerate(table.rules):
        box = tuple(a.mask(t) & d for a, t, d in zip(ct.atoms, rule.inputs, domain))
        boxes.append(box)
        if rule.readable and all(box):
            active |= 1 << i
    return Context(model, table, ct, boxes, active, domain, restrict)


def check_table(model: Model, table: Table, out: list[Finding], reach: Reach) -> None:
    blockers = header_blockers(model, table)
    if blockers:
        out.append(Finding(
            "not_analysed", "error", f"decision {table.name} is not checked until its header is "
            f"fixed: the cell(s) {', '.join(blockers)} could not be read (see above), so columns "
            "may be missing", table.name, (), tuple(blockers)))
        for name in table.output_names:
            reach[name] = None
        return
    ctx = build_context(model, table, reach)
    check_unreadable(ctx, out)
    check_unreachable(ctx, out)
    overlap_graph(ctx)
    check_gaps(ctx, out)
    check_overlaps(ctx, out)
    check_masked(ctx, out)
    check_redundant(ctx, out)
    suggest_merges(ctx, out)
    # a rule can decide if some case reaches it: known values, or null where its cell allows
    reachable = {i for i, r in enumerate(table.rules) if r.readable
                 and all(b or ctx.null_columns(i) >> k & 1 for k, b in enumerate(ctx.boxes[i]))}
    deciding = (set(members(ctx.active)) | reachable) - ctx.masked
    for name in table.output_names:
        reach[name] = produced(table, name, deciding)


# -- the analyses ------------------------------------------------------------------------------
def check_unreadable(ctx: Context, out: list[Finding]) -> None:
    for i, rule in enumerate(ctx.table.rules):
        bad = tuple(c for c, t in zip(rule.input_cells, rule.inputs) if t is None)
        if bad:
            out.append(ctx.finding(
                "not_analysed", "warning", f"rule {rule.id} is left out of the check because "
                f"{', '.join(bad)} could not be read (see above); a gap reported for this table "
                "may be where this rule belongs", [i], cells=bad))


def check_unreachable(ctx: Context, out: list[Finding]) -> None:
    for i, rule in enumerate(ctx.table.rules):
        if not rule.readable or ctx.active >> i & 1:
            continue
        empty = [k for k, m in enumerate(ctx.boxes[i]) if m == 0]
        cells = tuple(rule.input_cells[k] for k in empty)
        k = empty[0]
        test, col = rule.inputs[k], ctx.table.inputs[k]
        assert test is not None
        name = ctx.label(col.name)
        if ctx.atoms[k].mask(test) == 0 and test.null and not test.negated:
            out.append(ctx.finding(
                "unreachable", "info", f"rule {rule.id} applies only when {name} is unknown "
                "(null); the check covers known values only", [i], cells=cells))
            continue
        up = ctx.model.producer(col.name)
        if ctx.atoms[k].mask(test) == 0:
            why = "no value at all satisfies it"
        elif col.name in ctx.restrict:
            shown = ", ".join(literal_text(v) for v in ctx.restrict[col.name])
            why = f"decision {up.name if up else ''} never answers so (it can give {shown})"
        else:
            var = ctx.model.variables[col.name]
            why = "no allowed value satisfies it" + (f" (allowed: {var.allowed.text})"
                                                     if var.allowed is not None else "")
        out.append(ctx.finding(
            "unreachable", "warning", f"rule {rule.id} can never apply: its condition "
            f"{test.text} on {name} is empty: {why}", [i], cells=cells))


def overlap_graph(ctx: Context) -> None:
    """For every rule, the rules whose regions share a point with it (`adjacent`) and those
    whose regions hold all of it (`containers`): per column, the rules accepting some atom of
    its cell (OR) and those accepting every atom (AND), without comparing rules pairwise."""
    n = len(ctx.table.rules)
    ctx.adjacent, ctx.containers = [0] * n, [0] * n
    everywhere = [accepting(cov, d, ctx.active)[0] for cov, d in zip(ctx.ct.cover, ctx.domain)]
    for i in members(ctx.active):
        near = hold = ctx.active & ~(1 << i)
        for k, (m, d) in enumerate(zip(ctx.boxes[i], ctx.domain)):
            if m == d:
                hold &= everywhere[k]
                continue
            every, some = accepting(ctx.ct.cover[k], m, near)
            near &= some
            hold &= every
            if not near:
                break
        ctx.adjacent[i] = near
        ctx.containers[i] = hold & near


GAP_MEANING = {
    "R": "the answer there is an empty list", "O": "the answer there is an empty list",
    "C": "the answer there is an empty list", "C#": "the count there is 0",
    "C+": "the sum there is empty (null)", "C<": "the minimum there is empty (null)",
    "C>": "the maximum there is empty (null)",
}


def check_gaps(ctx: Context, out: list[Finding]) -> None:
    table = ctx.table
    found = uncovered(ctx.domain, ctx.ct.cover, ctx.active, GAP_SEARCH_LIMIT, MAX_STEPS,
                      ctx.ordered)
    gaps = merge_boxes(found.boxes)
    stopped = not found.complete and len(found.boxes) < GAP_SEARCH_LIMIT
    if stopped:  # unproven: for a table that must answer every case, that fails the check
        proof_needed = table.hit_policy in SINGLE_HIT and table.default is None
        out.append(ctx.finding(
            "not_analysed", "error" if proof_needed else "warning",
            f"the search for gaps in decision {table.name} was "
            f"stopped after {found.steps:,} steps: the rules overlap too intricately to prove "
            "the table complete; the gaps listed (if any) are real, others may remain", []))
    if not gaps:
        return
    if table.default is not None:
        answer = ", ".join(literal_text(v) for v in table.default)
        out.append(ctx.finding(
            "default", "info", f"no rule matches {_count(gaps, found.complete)} region(s) of "
            f"cases (the first: {ctx.row(gaps[0])}); the table's default answer {answer} "
            "applies there, so the table has no gap", [], gaps[0], exact=True))
        return
    single = table.hit_policy in SINGLE_HIT
    severity = "error" if single else "info"
    for n, box in enumerate(gaps):
        if n == MAX_GAPS_SHOWN:
            out.append(ctx.finding(
                "gap", severity, f"... and {_count(gaps[n:], found.complete)} more region(s) "
                "that no rule matches (fix the ones above first)", []))
            break
        if single:
            msg = f"no rule matches these cases, so they get no answer: add a rule for " \
                  f"{ctx.row(box)}"
        else:
            msg = (f"no rule matches {ctx.row(box)}: {GAP_MEANING[table.hit_policy]} (allowed "
                   f"under hit policy {table.hit_policy})")
        out.append(ctx.finding("gap", severity, msg, [], box, exact=True))
    if not found.complete and len(gaps) <= MAX_GAPS_SHOWN:
        out.append(ctx.finding("gap", severity, "... and more regions that no rule matches: the "
                                                "search stopped here (fix the ones above first)",
                               []))


def _count(gaps: list[Box], complete: bool) -> str:
    return f"{len(gaps)}" if complete else f"at least {len(gaps)}"


def check_overlaps(ctx: Context, out: list[Finding]) -> None:
    policy = ctx.table.hit_policy
    if policy not in ("U", "A"):
        return
    covered = [0] * len(ctx.table.rules)  # per rule: the rules already reported with it
    shown = 0
    for i in members(ctx.active):
        for j in members(ctx.adjacent[i] >> (i + 1) << (i + 1) & ~covered[i]):
            if covered[i] >> j & 1:
                continue
            if shown == MAX_OVERLAPS_SHOWN:
                more_overlaps(ctx, covered, out)
                return
            group, box = grow_group(ctx, i, j)
            mask = sum(1 << r for r in group)
            for r in group:
                covered[r] |= mask
            shown += 1
            answers = list(dict.fromkeys(ctx.ct.outputs[r] for r in group))
            ids = ctx.ids(group[:-1]) + " and " + ctx.table.rules[group[-1]].id
            where = ctx.row(box)
            where = "every case" if where == "every case" else f"the cases with {where}"
            matched = f"rules {ids} {'both' if len(group) == 2 else 'all'} match {where}"
            if policy == "U":
                severity, msg = "error", f"{matched}; hit policy U allows one rule per case"
            elif len(answers) > 1:
                said = " vs ".join(", ".join(literal_text(v) for v in a) for a in answers)
                severity = "error"
                msg = f"{matched} but answer differently ({said}): hit policy A needs agreement"
            else:
                severity, msg = "info", f"{matched}, with the same answer (allowed under A)"
            out.append(ctx.finding("overlap", severity, msg, group, box, must=mask))


def more_overlaps(ctx: Context, covered: list[int], out: list[Finding]) -> None:
    """One closing finding for the overlaps not listed: how many pairs, how many disagree."""
    answer: dict[tuple[Value, ...], int] = {}
    for r in members(ctx.active):
        answer[ctx.ct.outputs[r]] = answer.get(ctx.ct.outputs[r], 0) | 1 << r
    left = differ = 0
    for r in members(ctx.active):
        rest = ctx.adjacent[r] >> (r + 1) << (r + 1) & ~covered[r]
        left += rest.bit_count()
        differ += (rest & ~answer[ctx.ct.outputs[r]]).bit_count()
    if ctx.table.hit_policy == "U" or differ:
        severity = "error"
        what = "pairs of overlapping rules" if ctx.table.hit_policy == "U" else (
            f"pairs of overlapping rules ({differ:,} of them answer differently)")
    else:
        severity, what = "info", "pairs of overlapping rules (all with the same answer)"
    out.append(ctx.finding("overlap", severity, f"... and {left:,} more {what}; fix the ones "
                                                "above first", []))


def grow_group(ctx: Context, i: int, j: int) -> tuple[list[int], Box]:
    """Add every rule that still shares a point with all of the group: one witness region."""
    box = intersect(ctx.boxes[i], ctx.boxes[j])
    assert box is not None
    group = [i, j]
    for r in members(ctx.adjacent[i] & ctx.adjacent[j]):
        smaller = intersect(box, ctx.boxes[r])
        if smaller is not None:
            group.append(r)
            box = smaller
    return sorted(group), box


def winners(ctx: Context, i: int) -> int:
    """The overlapping rules that win over rule i under F or P."""
    near = ctx.adjacent[i]
    if ctx.table.hit_policy == "F":
        return near & ((1 << i) - 1)
    mine = (ctx.ct.priority[i], i)
    return sum(1 << j for j in members(near) if (ctx.ct.priority[j], j) < mine)


def check_masked(ctx: Context, out: list[Finding]) -> None:
    policy = ctx.table.hit_policy
    if policy not in MASKING:
        return
    gave_up = []
    cover = ctx.cover_with_null()  # a null case reaches a rule whose cell allows null
    for i in members(ctx.active):
        wins = winners(ctx, i)
        if not wins:
            continue
        left = uncovered(ctx.with_null(i), cover, wins, 1, MASK_STEPS, ctx.ordered)
        if not left.complete and not left.boxes:
            gave_up.append(i)
        if left.boxes or not left.complete:
            continue
        ctx.masked.add(i)
        rule = ctx.table.rules[i]
        why = ("come before it" if policy == "F" else "rank at least as high (the order of "
                                                      "the output values in the glossary)")
        out.append(ctx.finding(
            "masked", "warning", f"rule {rule.id} never decides: rules {ctx.ids(members(wins))} "
            f"{why} and match every case it matches (hit policy {policy}); delete it or move it "
            "up", [i, *members(wins)], ctx.boxes[i], must=1 << i))
    if gave_up:
        out.append(ctx.finding(
            "not_analysed", "warning", f"could not work out within {MASK_STEPS:,} steps whether "
            f"rule(s) {ctx.ids(gave_up)} ever decide: the rules before them overlap too "
            "intricately", gave_up))


def check_redundant(ctx: Context, out: list[Finding]) -> None:
    outputs = ctx.ct.outputs
    policy = ctx.table.hit_policy
    answer: dict[tuple[Value, ...], int] = {}
    for i in members(ctx.active):
        answer[outputs[i]] = answer.get(outputs[i], 0) | 1 << i
    for i in members(ctx.active):
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
                msg = (f"rule {rid} repeats rule {other} (the same cases, the same answer): "
                       f"under hit policy {policy} both add to the answer, so it counts twice; "
                       "delete one unless that is meant")
            elif same:
                msg = (f"rule {rid} repeats rule {other} (the same cases, the same answer): "
                       "delete one")
            elif policy in CONTRIBUTE_ALL or not safe_to_delete(ctx, i, j):
                continue
            else:
                msg = (f"rule {rid} lies inside rule {other}, which gives the same answer: "
                       f"{rid} can be deleted")
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
    for k in range(len(ctx.table.inputs)):
        groups: dict[tuple[Any, ...], list[int]] = {}
        for i in members(ctx.active):
            if i in seen:
                continue
            box, rule = ctx.boxes[i], ctx.table.rules[i]
            key = (ctx.ct.outputs[i], rule.annotations, box[:k], box[k + 1:])
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
            out.append(ctx.finding(
                "mergeable", "info", f"rules {ctx.ids(rules)} differ only in "
                f"{ctx.label(ctx.table.inputs[k].name)} and give the same answer: they could be "
                f"one rule with {ctx.label(ctx.table.inputs[k].name)} = {cell}", rules, merged))


def _or(masks: list[int]) -> int:
    acc = 0
    for m in masks:
        acc |= m
    return acc

