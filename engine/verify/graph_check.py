"""Gaps and overlaps over the cases that really reach a table (see `reaching`).

A gap is a region of allowed cases (original inputs in their domains, unknown where the
glossary allows it, outside every constraint that applies) on which every decision the table
reads answers, yet no rule of the table matches; an overlap is such a region where two rules
match. One search runs over the table's space (`reaching.View`): its original inputs and the
decided inputs it reads, where the impossible combinations — a decided value its decision does
not give for those inputs, a case that decision does not answer, a constraint — count as
covered. What it finds is said in the table's own terms (its own columns), merged into the few
rows a person would add, and each comes with a whole case of original inputs that `evaluate`
is asked about before it is shown.
"""

from __future__ import annotations

from typing import Any

from ..core.errors import ConflictingRules, EngineError, Finding, NoRuleMatched
from ..core.i18n import N_, _
from ..core.model import SINGLE_HIT
from ..core.sfeel import Value, literal_text
from ..domain.words import cell_words
from ..evaluation.evaluate import evaluate
from .context import GAP_SEARCH_LIMIT, MAX_GAPS_SHOWN, MAX_OVERLAPS_SHOWN, MAX_STEPS, Context
from .projected import unapplied_finding
from .reaching import Reaching, View
from .regions import (
    Box,
    accepting,
    contains,
    held_spans,
    intersect,
    members,
    merge_boxes,
    uncovered,
)

GAP_MEANING = {
    "R": N_("the answer there is an empty list"), "O": N_("the answer there is an empty list"),
    "C": N_("the answer there is an empty list"), "C#": N_("the count there is 0"),
    "C+": N_("the sum there is empty (null)"), "C<": N_("the minimum there is empty (null)"),
    "C>": N_("the maximum there is empty (null)"),
}


class Terms:
    """How a box of the table's space is said in the table's own columns."""

    def __init__(self, ctx: Context, view: View) -> None:
        self.ctx, self.view = ctx, view
        pos = view.space.pos
        self.columns = [pos[n] for n in view.table.input_names]
        self.axes = [view.space.axes[k] for k in self.columns]

    def of(self, box: Box) -> Box:
        return tuple(box[k] for k in self.columns)

    def region(self, box: Box) -> dict[str, str]:
        return {name: axis.render(m)
                for name, axis, m in zip(self.view.table.input_names, self.axes, box)}

    def row(self, box: Box) -> str:
        """The region in words: `Spor i flytskjemaet er Vurdering ved kjemoterapi; …`."""
        model = self.ctx.model
        parts = [_("{name} is {words}").format(
                     name=self.ctx.label(k),
                     words=cell_words(model.variables.get(k), v, model.value_labels.get(k)))
                 for k, v in self.region(box).items() if v != "-"]
        return "; ".join(parts) or _("every case")


def verified(ctx: Context, case: dict[str, Value], expect: type[EngineError] | None,
             group: list[int]) -> dict[str, Any] | None:
    """The case, if evaluating the decision does what the finding says (a workbook with load
    errors is never evaluated: then the case is shown as found)."""
    model, table = ctx.model, ctx.table
    if model.errors:
        return case
    ids = {table.rules[i].id for i in group}
    try:
        result = evaluate(model, dict(case), table.name)
    except (NoRuleMatched, ConflictingRules) as exc:
        ok = expect is not None and isinstance(exc, expect) and exc.decision == table.name
        return case if ok else None
    except EngineError:
        return None
    if expect is not None:
        return None
    return case if set(result.trace[-1].matched) == ids else None


def finding(ctx: Context, terms: Terms, kind: str, severity: str, message: str,
            rules: list[int], box: Box | None = None,
            case: dict[str, Any] | None = None) -> Finding:
    table = ctx.table
    cells = tuple(table.rules[i].cell for i in rules) or (table.cell,)
    return Finding(kind, severity, message, table.name, tuple(table.rules[i].id for i in rules),
                   cells, case, terms.region(box) if box is not None else None)


def check_gaps(ctx: Context, reach: Reaching, out: list[Finding]) -> None:
    table = ctx.table
    view = reach.view(table, ctx.ct, ctx.boxes)
    terms = Terms(ctx, view)
    if not all(view.space.domain):
        return  # no case reaches the table: the decisions before it never answer
    active = view.readable | view.ruled_out
    spans = [held_spans(view.held[k], active) if line else None
             for k, line in enumerate(view.space.ordered)]  # a line of runs: cut by the runs
    found = uncovered(view.space.domain, view.cover, active, GAP_SEARCH_LIMIT, MAX_STEPS,
                      view.space.ordered, spans)
    raw = [(b, terms.of(b)) for b in found.boxes]
    complete, steps = found.complete, found.steps
    by_steps = not complete and len(raw) < GAP_SEARCH_LIMIT
    gaps = merge_boxes(list(dict.fromkeys(t for _, t in raw)))
    if by_steps:  # unproven: for a table that must answer every case, that fails the check
        proof_needed = table.hit_policy in SINGLE_HIT and table.default is None
        out.append(finding(
            ctx, terms, "not_analysed", "error" if proof_needed else "warning",
            _("the search for gaps in decision {name} was stopped after {steps:,} "
              "steps: the rules overlap too intricately to prove the table complete; "
              "the gaps listed (if any) are real, others may remain").format(
                name=table.name, steps=steps), []))
    if not gaps:
        return

    def example(region: Box, expect: type[EngineError] | None) -> dict[str, Any] | None:
        for b, t in raw:
            if contains(region, t):
                return verified(ctx, view.space.case(b), expect, [])
        return None  # pragma: no cover - every merged region holds a gap it was made of

    if table.default is None:
        maybe = [unread_region(view, terms, i) for i in range(view.n_rules)
                 if not table.rules[i].readable]
        kept = [g for g in gaps if not any(intersect(g, m) is not None for m in maybe)]
        ctx.folded, gaps = len(gaps) - len(kept), kept  # said with the unreadable cell
        if not gaps:
            return
    count = f"{len(gaps)}" if complete else _("at least {n_gaps}").format(n_gaps=len(gaps))
    if table.default is not None:
        said = ", ".join(literal_text(v) for v in table.default)
        out.append(finding(
            ctx, terms, "default", "info",
            _("no rule matches {count} region(s) of cases (the first: {row}); the table's "
              "default answer {answer} applies there, so the table has no gap").format(
                count=count, row=terms.row(gaps[0]), answer=said),
            [], gaps[0], example(gaps[0], None)))
        return
    single = table.hit_policy in SINGLE_HIT
    severity = "error" if single else "info"
    for n, region in enumerate(gaps):
        if n == MAX_GAPS_SHOWN:
            left = f"{len(gaps) - n}" if complete else _("at least {n_gaps}").format(
                n_gaps=len(gaps) - n)
            out.append(finding(ctx, terms, "gap", severity,
                               _("... and {count} more region(s) that no rule matches (fix the "
                                 "ones above first)").format(count=left), []))
            break
        if single:
            msg = _("no rule matches these cases, so they get no answer: add a rule "
                    "where {row}").format(row=terms.row(region))
        else:
            msg = _("no rule matches where {row}: {gap_meaning} (allowed under hit policy "
                    "{hit_policy})").format(row=terms.row(region),
                                             gap_meaning=_(GAP_MEANING[table.hit_policy]),
                                             hit_policy=table.hit_policy)
        expect = NoRuleMatched if single else None
        case = example(region, expect) if single else example_any(ctx, view, raw, region)
        out.append(finding(ctx, terms, "gap", severity, msg, [], region, case))
    if not complete and len(gaps) <= MAX_GAPS_SHOWN:
        out.append(finding(ctx, terms, "gap", severity,
                           _("... and more regions that no rule matches: the search stopped "
                             "here (fix the ones above first)"), []))


def unread_region(view: View, terms: Terms, i: int) -> Box:
    """Where an unreadable rule may apply, in the table's columns: its readable cells as they
    stand, every value where a cell could not be read. A gap there may be where it belongs."""
    box = list(view.boxes[i])
    for k, test in enumerate(view.table.rules[i].inputs):
        if test is None:
            box[terms.columns[k]] = view.space.domain[terms.columns[k]]
    return terms.of(tuple(box))


def example_any(ctx: Context, view: View, raw: list[tuple[Box, Box]],
                region: Box) -> dict[str, Any] | None:
    """For a multiple-hit table: a case in the region, checked to match no rule."""
    for b, t in raw:
        if contains(region, t):
            return verified(ctx, view.space.case(b), None, [])
    return None  # pragma: no cover


def check_overlaps(ctx: Context, reach: Reaching, out: list[Finding]) -> None:
    policy = ctx.table.hit_policy
    if policy not in ("U", "A"):
        return
    view = reach.view(ctx.table, ctx.ct, ctx.boxes)
    terms = Terms(ctx, view)
    if not all(view.space.domain):
        return  # no case reaches the table
    n = view.n_rules
    covered = [0] * n  # per rule: the rules already reported with it
    shown = 0
    if plain(ctx, view):  # the table's own boxes: the overlaps the rule checks found already
        here, adjacent = ctx.active, {i: ctx.adjacent[i] for i in members(ctx.active)}
    else:
        here = view.readable
        for k, d in enumerate(view.space.domain):
            here &= accepting(view.cover[k], d, here)[1]
        adjacent = {i: near_rules(view, i, here) for i in members(here)}
    for i in members(here):
        for j in members(adjacent[i] >> (i + 1) << (i + 1) & ~covered[i]):
            if covered[i] >> j & 1:
                continue
            pair = intersect(view.boxes[i], view.boxes[j])
            real = view.outside(pair) if pair is not None else []
            if not real:
                continue  # they share only impossible cases
            if shown == MAX_OVERLAPS_SHOWN:
                more_overlaps(ctx, terms, view, adjacent, covered, out)
                return
            group, witness = grow(view, adjacent, i, j, real[0])
            mask = sum(1 << r for r in group)
            for r in group:
                covered[r] |= mask
            shown += 1
            region = overlap_region(view, terms, group, witness)
            out.append(overlap_finding(ctx, terms, view, group, witness, region))


def plain(ctx: Context, view: View) -> bool:
    """A table read on its own: no decided input, nothing ruled out, no unknown values."""
    return (not any(ctx.model.producer(n) for n in view.table.input_names)
            and not view.ruled_out and not any(a.null for a in view.space.axes))


def near_rules(view: View, i: int, here: int) -> int:
    """The rules of `here` that share a point of the domain with rule i."""
    near = here & ~(1 << i)
    for k, (m, d) in enumerate(zip(view.boxes[i], view.space.domain)):
        near &= accepting(view.cover[k], m & d, near)[1]
        if not near:
            break
    return near


def grow(view: View, adjacent: dict[int, int], i: int, j: int,
         witness: Box) -> tuple[list[int], Box]:
    """Add every rule that still shares a point with all of the group: one witness region."""
    group = [i, j]
    for r in members(adjacent[i] & adjacent[j]):
        smaller = intersect(witness, view.boxes[r])
        if smaller is not None:
            group.append(r)
            witness = smaller
    return sorted(group), witness


def overlap_region(view: View, terms: Terms, group: list[int], witness: Box) -> Box:
    """Every real case the group's rules share, said in the table's columns: the smallest row
    holding them all (a rule copied over two tracks overlaps on both, not only on the first
    found). It lies inside every rule of the group, so each real case in it is an overlap;
    what else it holds is impossible (a constraint, an answer no decision gives)."""
    common: Box | None = view.space.domain
    for r in group:
        common = intersect(common, view.boxes[r]) if common is not None else None
    pieces = [terms.of(p) for p in view.outside(common, GAP_SEARCH_LIMIT)] if common else []
    hull = terms.of(witness)
    for piece in pieces:
        hull = tuple(a | b for a, b in zip(hull, piece))
    return hull


def overlap_finding(ctx: Context, terms: Terms, view: View, group: list[int],
                    witness: Box, region: Box) -> Finding:
    policy = ctx.table.hit_policy
    outputs = [ctx.table.rules[r].outputs for r in group]
    answers = list(dict.fromkeys(outputs))
    ids = _("{ids} and {last}").format(ids=ctx.ids(group[:-1]),
                                        last=ctx.table.rules[group[-1]].id)
    where = terms.row(region)
    if where != _("every case"):
        where = _("the cases where {where}").format(where=where)
    both = _("rules {ids} both match {where}") if len(group) == 2 else \
        _("rules {ids} all match {where}")
    matched = both.format(ids=ids, where=where)
    expect: type[EngineError] | None = ConflictingRules
    if policy == "U":
        severity, msg = "error", _("{matched}; hit policy U allows one rule "
                                   "per case").format(matched=matched)
    elif len(answers) > 1:
        said = " vs ".join(", ".join(literal_text(v) for v in a) for a in answers)
        severity = "error"
        msg = _("{matched} but answer differently ({said}): hit policy A needs "
                "agreement").format(matched=matched, said=said)
    else:
        severity, expect = "info", None
        msg = _("{matched}, with the same answer (allowed under A)").format(matched=matched)
    case = verified(ctx, view.space.case(witness), expect, group)
    return finding(ctx, terms, "overlap", severity, msg, group, region, case)


def more_overlaps(ctx: Context, terms: Terms, view: View, adjacent: dict[int, int],
                  covered: list[int], out: list[Finding]) -> None:
    """One closing finding for the overlaps not listed: how many pairs, how many disagree."""
    answer: dict[tuple[Value, ...], int] = {}
    for r in adjacent:
        answer[ctx.table.rules[r].outputs] = answer.get(ctx.table.rules[r].outputs, 0) | 1 << r
    left = differ = 0
    for r, near in adjacent.items():
        rest = near >> (r + 1) << (r + 1) & ~covered[r]
        left += rest.bit_count()
        differ += (rest & ~answer[ctx.table.rules[r].outputs]).bit_count()
    if ctx.table.hit_policy == "U" or differ:
        severity = "error"
        what = _("pairs of overlapping rules") if ctx.table.hit_policy == "U" else (
            _("pairs of overlapping rules ({differ:,} of them answer differently)").format(
                differ=differ))
    else:
        severity, what = "info", _("pairs of overlapping rules (all with the same answer)")
    out.append(finding(ctx, terms, "overlap", severity,
                       _("... and {left:,} more {what} (some may share only impossible "
                         "cases); fix the ones above first").format(left=left, what=what), []))


def check_reach(ctx: Context, reach: Reaching, out: list[Finding], told: set[int]) -> set[int]:
    """Rules that match some case of their own columns, yet no allowed case that reaches the
    table: every case they match is ruled out by a constraint, or never gets this far
    (`told`: rules already reported as unreachable from their own cells)."""
    view = reach.view(ctx.table, ctx.ct, ctx.boxes)
    if view.unapplied:
        out.append(unapplied_finding(ctx.table, view.unapplied))
    live: set[int] = set()
    if plain(ctx, view):
        return set(members(ctx.active))  # every rule with a case of its own applies
    for i in members(view.readable):
        if i in told:
            continue
        if reached(view, i):
            live.add(i)
            continue
        rule = ctx.table.rules[i]
        blocked = list(dict.fromkeys(
            c.id for why, cbox in zip(view.constraints, view.constraint_boxes)
            if intersect(cbox, view.boxes[i]) is not None for c in why))
        if not blocked and reached_through_null(ctx, reach, i):
            out.append(Finding("unreachable", "info",
                               _("rule {id} applies only to cases with an unknown (null) "
                                 "input; the check covers known values only").format(id=rule.id),
                               ctx.table.name, (rule.id,), (rule.cell,)))
            continue
        why = (_("the constraint(s) {ids} rule out every case it matches").format(
                   ids=", ".join(blocked))
               if blocked else _("no case that reaches this decision matches it (the "
                                 "decisions it reads never answer so for the cases it "
                                 "matches)"))
        out.append(Finding("unreachable", "warning",
                           _("rule {id} can never apply: {why}").format(id=rule.id, why=why),
                           ctx.table.name, (rule.id,), (rule.cell,)))
    return live


def reached_through_null(ctx: Context, reach: Reaching, i: int) -> bool:
    """Whether rule i is reached once inputs that do not say they may be unknown (a v1
    glossary, a DMN file) are null: a rule evaluation can still fire, not a dead one."""
    lenient = reach.lenient()
    if lenient is None:
        return False
    return reached(lenient.view(ctx.table, ctx.ct, ctx.boxes), i)


def reached(view: View, i: int) -> bool:
    """Whether some real case (inside the domain, outside every constraint) reaches rule i."""
    inside = intersect(view.boxes[i], view.space.domain)
    return inside is not None and bool(view.outside(inside))
