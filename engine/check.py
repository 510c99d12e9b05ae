"""Prove each table complete and consistent, exactly, over the declared domains.

Each analysis has the shape `check_x(ctx, out)` and appends findings to one list. Findings
carry rule ids, cells, the region as S-FEEL cells (the row to add or inspect) and an example.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .atoms import Atoms, bits
from .compiled import CompiledTable, compile_table
from .errors import Finding
from .model import SINGLE_HIT, Model, Rule, Table
from .regions import Box, contains, example, intersect, merge_boxes, render, uncovered
from .sfeel import Value, literal_text

ORDERED_HITS = ("F", "P")  # where a rule can be hidden behind rules that take precedence
MAX_GAPS_SHOWN = 50


@dataclass
class Context:
    model: Model
    table: Table
    ct: CompiledTable
    boxes: list[Box]
    active: int  # rules that take part: readable, with a non-empty region
    domain: Box
    adjacent: list[int] = field(default_factory=list)  # per rule: rules overlapping it

    @property
    def atoms(self) -> list[Atoms]:
        return self.ct.atoms

    def rule(self, i: int) -> Rule:
        return self.table.rules[i]

    def region(self, box: Box) -> dict[str, str]:
        return dict(zip(self.table.input_names, render(self.atoms, box)))

    def example(self, box: Box) -> dict[str, Any]:
        return dict(zip(self.table.input_names, example(self.atoms, box)))

    def finding(self, kind: str, severity: str, message: str, rules: list[int],
                box: Box | None = None, cells: tuple[str, ...] | None = None) -> Finding:
        if cells is None:
            cells = tuple(self.rule(i).cell for i in rules) or (self.table.cell,)
        return Finding(kind, severity, message, self.table.name,
                       tuple(self.rule(i).id for i in rules), cells,
                       self.example(box) if box is not None else None,
                       self.region(box) if box is not None else None)


def check_model(model: Model) -> list[Finding]:
    out = list(model.problems)
    check_glossary_use(model, out)
    for table in model.tables.values():
        check_table(model, table, out)
    return out


def check_glossary_use(model: Model, out: list[Finding]) -> None:
    used = {c.name for t in model.tables.values() for c in (*t.inputs, *t.outputs)}
    for var in model.variables.values():
        if var.name not in used:
            out.append(Finding("graph", "info", f"{var.name} is in the glossary but no table "
                                                "uses it", cells=(var.cell,)))


def possible_outputs(model: Model, table: Table) -> dict[str, list[Value]]:
    """An input fed by another decision ranges over what that decision can answer."""
    restrict: dict[str, list[Value]] = {}
    for col in table.inputs:
        up = model.producer(col.name)
        if up is None:
            continue
        k = up.output_names.index(col.name)
        values = [r.outputs[k] for r in up.rules if r.readable and r.outputs[k] is not None]
        if up.default is not None and up.default[k] is not None:  # DMN: no default is null
            values.append(up.default[k])
        restrict[col.name] = values
    return restrict


def build_context(model: Model, table: Table) -> Context:
    ct = compile_table(table, model.variables, possible_outputs(model, table))
    domain = tuple(a.domain for a in ct.atoms)
    boxes: list[Box] = []
    active = 0
    for i, rule in enumerate(table.rules):
        box = tuple(a.mask(t) & d for a, t, d in zip(ct.atoms, rule.inputs, domain))
        boxes.append(box)
        if rule.readable and all(box):
            active |= 1 << i
    return Context(model, table, ct, boxes, active, domain)


def check_table(model: Model, table: Table, out: list[Finding]) -> None:
    if not table.inputs:
        return
    ctx = build_context(model, table)
    check_unreadable(ctx, out)
    check_unreachable(ctx, out)
    ctx.adjacent = overlap_graph(ctx)
    check_gaps(ctx, out)
    check_overlaps(ctx, out)
    check_masked(ctx, out)
    check_redundant(ctx, out)


def check_unreadable(ctx: Context, out: list[Finding]) -> None:
    broken = [i for i, r in enumerate(ctx.table.rules) if not r.readable]
    if broken:
        ids = ", ".join(ctx.rule(i).id for i in broken)
        out.append(ctx.finding(
            "not_analysed", "error", f"rule(s) {ids} could not be read (see the cell errors) and "
            "are left out of the analysis; gaps below may be where they belong", broken))


def check_unreachable(ctx: Context, out: list[Finding]) -> None:
    for i, rule in enumerate(ctx.table.rules):
        if not rule.readable:
            continue
        empty = [k for k, m in enumerate(ctx.boxes[i]) if m == 0]
        if not empty:
            continue
        k = empty[0]
        col = ctx.table.inputs[k]
        up = ctx.model.producer(col.name)
        why = (f"no value {up.name} can give for {col.name} satisfies it" if up else
               "no allowed value of the variable satisfies it")
        out.append(ctx.finding(
            "unreachable", "error", f"rule {rule.id} can never apply: its condition "
            f"{rule.inputs[k].text if rule.inputs[k] else ''} on {col.name} is empty ({why})",
            [i], cells=(rule.input_cells[k],)))


def overlap_graph(ctx: Context) -> list[int]:
    """For every rule, the rules whose regions share at least one point with it."""
    n = len(ctx.table.rules)
    adjacent = [0] * n
    for i in bits(ctx.active):
        cand = ctx.active & ~(1 << i)
        for k, (m, d) in enumerate(zip(ctx.boxes[i], ctx.domain)):
            if not cand:
                break
            if m == d:
                continue
            acc = 0
            cov = ctx.ct.cover[k]
            for atom in bits(m):
                acc |= cov[atom]
            cand &= acc
        adjacent[i] = cand
    return adjacent


def check_gaps(ctx: Context, out: list[Finding]) -> None:
    table = ctx.table
    gaps = merge_boxes(uncovered(ctx.domain, ctx.boxes, ctx.ct.cover, ctx.active))
    if not gaps:
        return
    if table.default is not None:
        out.append(ctx.finding("gap", "info", f"{len(gaps)} region(s) match no rule; the "
                                              "table's default answer covers them", []))
        return
    single = table.hit_policy in SINGLE_HIT
    severity = "error" if single else "info"
    meaning = ("no rule gives an answer there" if single else
               "the answer there is empty (allowed for this hit policy)")
    for n, box in enumerate(gaps):
        if n == MAX_GAPS_SHOWN:
            out.append(ctx.finding("gap", severity, f"... and {len(gaps) - n} more gaps", []))
            break
        row = "; ".join(f"{k}: {v}" for k, v in ctx.region(box).items())
        out.append(ctx.finding("gap", severity, f"cases match no rule: {meaning}. Add a rule "
                                                f"with {row}", [], box,
                               cells=(table.cell,)))


def check_overlaps(ctx: Context, out: list[Finding]) -> None:
    policy = ctx.table.hit_policy
    if policy not in ("U", "A"):
        return
    covered: set[tuple[int, int]] = set()
    for i in bits(ctx.active):
        for j in bits(ctx.adjacent[i] & ~((1 << (i + 1)) - 1)):
            if (i, j) in covered:
                continue
            group, box = grow_group(ctx, [i, j])
            for a in group:
                for b in group:
                    if a < b:
                        covered.add((a, b))
            answers = {ctx.ct.outputs[r] for r in group}
            ids = ", ".join(ctx.rule(r).id for r in group)
            row = "; ".join(f"{k}: {v}" for k, v in ctx.region(box).items())
            if policy == "U":
                msg = (f"rules {ids} all match the same cases ({row}); hit policy Unique allows "
                       "one rule per case")
                out.append(ctx.finding("overlap", "error", msg, group, box))
            elif len(answers) > 1:
                shown = " vs ".join("/".join(literal_text(v) for v in a) for a in answers)
                msg = (f"rules {ids} match the same cases ({row}) but answer differently "
                       f"({shown}); hit policy Any needs them to agree")
                out.append(ctx.finding("overlap", "error", msg, group, box))
            else:
                out.append(ctx.finding("overlap", "info", f"rules {ids} overlap ({row}) with the "
                                                          "same answer", group, box))


def grow_group(ctx: Context, group: list[int]) -> tuple[list[int], Box]:
    """Add every rule that still shares a point with all of the group: one witness region."""
    box = intersect(ctx.boxes[group[0]], ctx.boxes[group[1]])
    assert box is not None
    cand = ctx.adjacent[group[0]] & ctx.adjacent[group[1]]
    for r in bits(cand):
        if r in group:
            continue
        smaller = intersect(box, ctx.boxes[r])
        if smaller is not None:
            group.append(r)
            box = smaller
    return sorted(group), box


def precedence(ctx: Context, i: int) -> int:
    """The overlapping rules that win over rule i under F or P."""
    before = ctx.adjacent[i]
    if ctx.table.hit_policy == "F":
        return before & ((1 << i) - 1)
    mine = ctx.ct.priority[i]
    wins = 0
    for j in bits(before):
        theirs = ctx.ct.priority[j]
        if theirs < mine or (theirs == mine and j < i):
            wins |= 1 << j
    return wins


def check_masked(ctx: Context, out: list[Finding]) -> None:
    if ctx.table.hit_policy not in ORDERED_HITS:
        return
    for i in bits(ctx.active):
        wins = precedence(ctx, i)
        if wins and not uncovered(ctx.boxes[i], ctx.boxes, ctx.ct.cover, wins):
            ids = ", ".join(ctx.rule(j).id for j in bits(wins))
            why = "come first" if ctx.table.hit_policy == "F" else "have higher priority"
            out.append(ctx.finding(
                "masked", "warning", f"rule {ctx.rule(i).id} never decides: rules {ids} {why} "
                "and cover every case it matches", [i, *bits(wins)], ctx.boxes[i],
                cells=(ctx.rule(i).cell,)))


def check_redundant(ctx: Context, out: list[Finding]) -> None:
    outputs = ctx.ct.outputs
    masked = {f.rules[0] for f in out if f.kind == "masked" and f.decision == ctx.table.name}
    for i in bits(ctx.active):
        for j in bits(ctx.adjacent[i]):
            if outputs[i] != outputs[j] or not contains(ctx.boxes[j], ctx.boxes[i]):
                continue
            rid, other = ctx.rule(i).id, ctx.rule(j).id
            if ctx.boxes[i] == ctx.boxes[j]:
                if i > j:
                    out.append(ctx.finding("redundant", "warning", f"rule {rid} repeats rule "
                                           f"{other} (same conditions, same answer): delete one",
                                           [i, j], ctx.boxes[i]))
            elif rid not in masked:
                out.append(ctx.finding("redundant", "warning", f"rule {rid} is contained in rule "
                                       f"{other}, which gives the same answer: {rid} can be "
                                       "deleted", [i, j], ctx.boxes[i]))
    if ctx.table.hit_policy in ("U", "A"):
        suggest_merges(ctx, out)


def suggest_merges(ctx: Context, out: list[Finding]) -> None:
    """Two rules that differ in one column only and give the same answer could be one row."""
    n_cols = len(ctx.table.inputs)
    for k in range(n_cols):
        seen: dict[tuple[Any, ...], int] = {}
        for i in bits(ctx.active):
            box = ctx.boxes[i]
            key = (ctx.ct.outputs[i], box[:k], box[k + 1:])
            j = seen.get(key)
            if j is None:
                seen[key] = i
                continue
            if ctx.boxes[j][k] & box[k]:
                continue  # overlapping: reported as such
            merged = box[:k] + (box[k] | ctx.boxes[j][k],) + box[k + 1:]
            a, b = ctx.rule(j), ctx.rule(i)
            if any(x != y for x, y in zip(a.annotations, b.annotations)):
                continue  # different sources or notes: keeping both rows keeps the trace
            row = "; ".join(f"{c}: {v}" for c, v in ctx.region(merged).items())
            out.append(ctx.finding("mergeable", "info", f"rules {a.id} and {b.id} differ only "
                                   f"in {ctx.table.inputs[k].name} and give the same answer: "
                                   f"they could be one rule with {row}", [j, i], merged))
            seen[key] = i
