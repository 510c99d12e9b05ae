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
  exact repeats are reported, as likely double counting. Both are judged again across the
  graph (`graph_rules`), over the cases that really reach the table. **mergeable** (info):
  rules that differ in one column only, give the same answer and carry the same notes.
- the loader's problems (syntax, type, domain, unknown names, cycles) come first; a glossary
  variable no table uses is a note. A table whose header could not be read is not analysed,
  and one finding names the cells that prevent it.

An input fed by another decision ranges over the answers that decision can give (the outputs of
its rules that can decide, and its default). Each column is treated on its own: the check does
not follow how the upstream answer depends on inputs this table also reads. Examples are whole
cases where one can be found and verified (verify/examples.py), else points in the table's own
inputs (the decided values included).
"""

from __future__ import annotations

import logging
import re

from ..core.collecting import collector_held
from ..core.errors import Finding
from ..core.i18n import _
from ..core.model import SINGLE_HIT, Model, Table
from ..core.sfeel import Value
from ..evaluation.compiled import compile_model, compile_table
from .aggregates import check_aggregates
from .citations import check_citations
from .context import (
    Context,
    Reach,
)
from .folding import fold
from .graph_check import check_gaps, check_overlaps, check_reach
from .graph_rules import masked_across_graph, redundant_across_graph
from .reaching import Reaching
from .regions import (
    Box,
    accepting,
    column_spans,
    interval_neighbours,
    mask_of,
    members,
)
from .rule_checks import check_masked, check_redundant, check_unreachable, suggest_merges
from .test_sheet import check_test_sheet

log = logging.getLogger(__name__)


def check_model(model: Model) -> list[Finding]:
    out = list(model.problems)
    check_glossary_use(model, out)
    check_citations(model, out)
    check_test_sheet(model, out)
    with collector_held():  # many objects, all alive, few cycles: see core/collecting.py
        check_tables(model, out)  # what it built is freed before the collector is back
    out = fold(out)
    log.info("checked %s: %d error(s), %d warning(s), %d note(s)", model.path,
             *(sum(f.severity == s for f in out) for s in ("error", "warning", "info")))
    return out


def check_tables(model: Model, out: list[Finding]) -> None:
    reach: Reach = {}
    reaching = Reaching(model)
    for table in model.tables.values():
        check_table(model, table, out, reach, reaching)


def check_glossary_use(model: Model, out: list[Finding]) -> None:
    if any(header_blockers(model, t) for t in model.tables.values()):
        return  # a header that cannot be read may be where the variable is used
    used = {c.name for t in model.tables.values() for c in (*t.inputs, *t.outputs)}
    for var in model.variables.values():
        if var.name not in used:
            out.append(
                Finding(
                    "graph",
                    "info",
                    _("{title} ({name}) is in the glossary but no table uses it").format(
                        title=var.title(), name=var.name
                    ),
                    cells=(var.cell,),
                )
            )


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
    if not restrict and not model.errors:  # the very tables evaluation compiled: shared
        ct = compile_model(model)[table.name]
    else:
        ct = compile_table(table, model.variables, restrict)
    domain = tuple(a.domain for a in ct.atoms)
    masks = ct.masks  # each cell's atoms, as compiling found them (Atoms.mask of the cell)
    # a column whose domain is all its atoms leaves every cell as it is (no copy to AND)
    inside = [m if d == a.full else [(c or 0) & d for c in m]
              for m, d, a in zip(masks, domain, ct.atoms)]
    boxes: list[Box] = [tuple(c or 0 for c in cells) for cells in zip(*inside)] if inside \
        else [() for _ in table.rules]
    active = mask_of([i for i, (rule, box) in enumerate(zip(table.rules, boxes))
                      if rule.readable and all(box)])
    return Context(model, table, ct, boxes, active, domain, restrict)


def check_table(model: Model, table: Table, out: list[Finding], reach: Reach,
                reaching: Reaching) -> None:
    blockers = header_blockers(model, table)
    if blockers:
        out.append(Finding("not_analysed", "error",
                           _("until the header is fixed, decision {name} is not checked "
                             "(columns may be missing)").format(name=table.name),
                           table.name, (), tuple(blockers)))
        for name in table.output_names:
            reach[name] = None
        return
    ctx = build_context(model, table, reach)
    told = check_unreachable(ctx, out)
    overlap_graph(ctx)
    live = check_reach(ctx, reaching, out, told)
    check_gaps(ctx, reaching, out)
    check_unreadable(ctx, out)
    check_overlaps(ctx, reaching, out)
    if len(table.outputs) == 1:
        check_aggregates(ctx, reaching, out, produced(table, table.output_names[0], None))
    check_masked(ctx, out, set(members(ctx.active)) - live)  # unreachable: not also masked
    masked_across_graph(ctx, reaching, out, live)
    check_redundant(ctx, out)
    redundant_across_graph(ctx, reaching, out, live)
    suggest_merges(ctx, out)
    # a rule can decide if some case reaches it: known values, or null where its cell allows
    reachable = {i for i, r in enumerate(table.rules) if r.readable
                 and all(b or ctx.null_columns(i) >> k & 1 for k, b in enumerate(ctx.boxes[i]))}
    deciding = (set(members(ctx.active)) | reachable) - ctx.masked
    for name in table.output_names:
        reach[name] = produced(table, name, deciding)


# -- the analyses ------------------------------------------------------------------------------
def check_unreadable(ctx: Context, out: list[Finding]) -> None:
    """One finding per rule left out for a cell that cannot be read, with the gaps where it
    may belong (not listed apart: they are that one mistake); `fold` says it at the cell."""
    for i, rule in enumerate(ctx.table.rules):
        bad = tuple(c for c, t in zip(rule.input_cells, rule.inputs) if t is None)
        if bad:
            gaps = _("; {n} region(s) of cases that no rule answers are not listed, because "
                     "this rule may be meant for them").format(n=ctx.folded) \
                if ctx.folded else ""
            out.append(ctx.finding(
                "not_analysed", "warning", _("until it is fixed, rule {id} is left out of the "
                                             "check{gaps}").format(id=rule.id, gaps=gaps),
                [i], cells=bad))
            ctx.folded = 0  # said once per table


def overlap_graph(ctx: Context) -> None:
    """For every rule, the rules whose regions share a point with it (`adjacent`) and those
    whose regions hold all of it (`containers`): per column, the rules accepting some atom of
    its cell (OR) and those accepting every atom (AND), without comparing rules pairwise. A
    column where every cell is one run of atoms (ranges, `<`, `-`) is answered from the
    sorted runs instead (`interval_neighbours`), in n log n rather than rules x atoms."""
    n = len(ctx.table.rules)
    ctx.adjacent, ctx.containers = [0] * n, [0] * n
    # per column, the rules accepting all of its domain: read only where some cell is all of it
    whole = [any(box[k] == d for box in ctx.boxes) for k, d in enumerate(ctx.domain)]
    everywhere = [accepting(cov, d, ctx.active)[0] if w else 0
                  for cov, d, w in zip(ctx.ct.cover, ctx.domain, whole)]
    by_runs = []
    for k in range(len(ctx.domain)):
        spans = column_spans(ctx.boxes, ctx.active, k) if ctx.ordered[k] else None
        by_runs.append(interval_neighbours(spans, ctx.active) if spans is not None else None)
    for i in members(ctx.active):
        near = hold = ctx.active & ~(1 << i)
        for k, (m, d) in enumerate(zip(ctx.boxes[i], ctx.domain)):
            if m == d:
                hold &= everywhere[k]
                continue
            runs = by_runs[k]
            if runs is not None:
                every, some = runs[1][i], runs[0][i]
            else:
                every, some = accepting(ctx.ct.cover[k], m, near)
            near &= some
            hold &= every
            if not near:
                break
        ctx.adjacent[i] = near
        ctx.containers[i] = hold & near
