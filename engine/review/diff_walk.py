"""The exact region walk behind `guideline diff`: which answers change, and where.

Kept apart from review/diff.py (rule edits, cohort, the report's records) because it is the
one part with an algorithm of its own. Changed answers are found with the check's region
algebra: for each final decision, every input it reads (through its helper decisions too) is
cut into atoms over the tests of BOTH versions, so that a box of atoms gets one answer in each
version. The walk splits one input at a time, only where a rule of either version that can
still decide tells atoms apart. A decision is answered (by `evaluate.run_table` itself, on a
value of the box) as soon as its answer is settled, which narrows the decisions that read its
output; a branch where both versions can only use the same rules (same id, same cells) is
dropped unexplored. Null (unknown) is one more atom of every input: it matches only `-` and
`null` cells, so a change there changes answers too. Boxes with the same pair of answers are
merged into rows a clinician reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.errors import CaseError
from ..core.graph import required
from ..core.i18n import _
from ..core.model import Model, Table, Variable
from ..core.sfeel import UnaryTest, Value
from ..domain.atoms import Atoms, bits
from ..evaluation.compiled import CompiledTable, compile_model
from ..evaluation.compiled import column_cover as compiled_cover
from ..evaluation.evaluate import run_table
from ..verify.regions import Box, contains, merge_boxes
from .answers import (
    Answer,
    AnswerChange,
    answer_key,
    freeze,
    ordered_rules,
    render_mask,
    same_answer,
    same_value,
    shown_value,
)
from .diff_limits import limit_boxes, refine, refused

# -- the walk --------------------------------------------------------------------------------
MAX_NODES = 2_000_000  # steps of the walk: a guideline's tables take a few thousand
MAX_REGIONS = 20_000  # changed regions before merging


class Incomparable(Exception):
    """The two versions read a decision's inputs too differently to compare region by region."""


@dataclass
class Side:
    """One version's part in the walk: the decisions on the way to the target, and for each
    (decision, input) the rules accepting each shared atom (the last index is null)."""

    model: Model
    order: list[str]
    compiled: dict[str, CompiledTable]
    cover: dict[tuple[str, str], list[int]]
    reads: dict[str, list[str]]  # input -> decisions reading it
    level: dict[str, int]  # decision -> the walk column after which it can be answered
    domain: list[int]  # per walk column: the atoms (and null bit) in this version's domain
    full: dict[tuple[str, str], int] = field(default_factory=dict)  # rules taking any value
    # the constraints on the way (those naming only walk columns), each a box over the columns
    limits: list[tuple[str, Box]] = field(default_factory=list)


@dataclass
class State:
    """Where one version stands in a branch of the walk."""

    active: dict[str, int]
    steps: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def copy(self) -> State:
        return State(dict(self.active), dict(self.steps), self.error)

    def done(self, side: Side) -> bool:
        return self.error is not None or len(self.steps) == len(side.order)


@dataclass
class Walk:
    target: str
    columns: list[str]  # the inputs a case gives, in walk order
    atoms: dict[str, Atoms]  # every input read anywhere on the way, shared by both versions
    sides: tuple[Side, Side]
    outputs: list[str]  # outputs both versions give on the way, in evaluation order
    spans: list[int] = field(default_factory=list)  # per column: atoms either version allows
    exact_from: list[bool] = field(default_factory=list)  # both domains take the spans from k
    same_from: list[bool] = field(default_factory=list)  # the two domains agree from k on
    pairs: dict[str, dict[int, int]] = field(default_factory=dict)  # same rule: old -> new
    limits_differ: bool = False  # the versions rule out different cases: never prune
    leaves: list[tuple[Box, Answer, Answer, list[str], list[str]]] = field(default_factory=list)
    nodes: int = 0


def answer_changes(old: Model, new: Model, target: str) -> list[AnswerChange]:
    if same_logic(old, new, target):
        return []  # nothing an answer depends on differs: no need to walk
    walk = build_walk(old, new, target)
    descend(walk, 0, (), *(State({t: s.compiled[t].everyone for t in s.order})
                           for s in walk.sides))
    return summarise(walk)


def same_table(a: Table, b: Table) -> bool:
    return (a.hit_policy, a.input_names, a.output_names, a.default) == \
        (b.hit_policy, b.input_names, b.output_names, b.default)


def same_logic(old: Model, new: Model, target: str) -> bool:
    """Every table on the way to `target`, and every variable they use, reads the same."""
    order = required(new.tables, target)
    if order != required(old.tables, target):
        return False
    for name in order:
        a, b = old.tables[name], new.tables[name]
        if not same_table(a, b) or [(r.inputs, r.outputs) for r in a.rules] != \
                [(r.inputs, r.outputs) for r in b.rules]:
            return False
        for var in (*a.input_names, *a.output_names):
            if not _same_variable(old, new, var):
                return False
    named = {n for m in (old, new) for c in m.constraints for n in c.names}
    return _constraint_texts(old) == _constraint_texts(new) and all(
        _same_variable(old, new, n) for n in named)  # unread inputs bound what can occur


def _same_variable(old: Model, new: Model, var: str) -> bool:
    x, y = old.variables.get(var), new.variables.get(var)
    return x is not None and y is not None and (x.type, x.allowed, x.values, x.unknown) == \
        (y.type, y.allowed, y.values, y.unknown)


def _constraint_texts(model: Model) -> set[tuple[tuple[str, str], ...]]:
    return {tuple((n, t.text) for n, t in c.tests) for c in model.constraints}


def build_walk(old: Model, new: Model, target: str) -> Walk:
    orders = [required(m.tables, target) for m in (old, new)]
    produced = [{o: t for t in order for o in m.tables[t].output_names}
                for m, order in zip((old, new), orders)]
    columns: list[str] = []
    read: list[str] = []
    for m, order, prod in zip((new, old), orders[::-1], produced[::-1]):
        for t in order:
            for name in m.tables[t].input_names:
                read.append(name)
                if name not in prod and name not in columns:
                    columns.append(name)
    for name in columns:
        for prod in produced:
            if name in prod:
                raise Incomparable(_("{name} is a case input in one version and "
                                     "decided by {prod} in the other").format(
                                       name=name, prod=prod[name]))
    atoms = {name: shared_atoms(old, new, orders, name) for name in dict.fromkeys(read)}
    sides = (make_side(old, orders[0], atoms, columns, produced[0]),
             make_side(new, orders[1], atoms, columns, produced[1]))
    both = [{o for t in order for o in m.tables[t].output_names}
            for m, order in zip((old, new), orders)]
    outputs = [o for t in orders[1] for o in new.tables[t].output_names if o in both[0]]
    walk = Walk(target, columns, atoms, sides, outputs)
    n = len(columns)
    for k, name in enumerate(columns):
        a = atoms[name]
        walk.spans.append((sides[0].domain[k] | sides[1].domain[k]) & (a.domain | 1 << a.size))
    walk.exact_from = [all(s.domain[j] & walk.spans[j] == walk.spans[j] for s in sides
                           for j in range(k, n)) for k in range(n + 1)]
    walk.same_from = [all(sides[0].domain[j] & walk.spans[j] == sides[1].domain[j] & walk.spans[j]
                          for j in range(k, n)) for k in range(n + 1)]
    for side in sides:
        reads = {c.name for t in side.order for c in side.model.tables[t].inputs}
        side.limits = limit_boxes(side.model, columns, atoms,
                                  [n for n in columns if n in reads], side.domain)
    walk.limits_differ = [b for _, b in sides[0].limits] != [b for _, b in sides[1].limits]
    for side, prod in zip(sides, produced):
        for t in side.order:
            for name in side.model.tables[t].input_names:
                cover = side.cover[(t, name)]
                if name in prod:  # a decided input: only '-' takes whatever comes
                    k = side.model.tables[t].input_names.index(name)
                    side.full[(t, name)] = sum(1 << i for i, r in enumerate(
                        side.model.tables[t].rules) if (test := r.inputs[k]) and test.any)
                    continue
                acc = -1
                for atom in bits(walk.spans[columns.index(name)]):
                    acc &= cover[atom]
                side.full[(t, name)] = acc & side.compiled[t].everyone
    for t in orders[0]:
        if t in new.tables and same_table(old.tables[t], new.tables[t]):
            ids = {r.id: j for j, r in enumerate(new.tables[t].rules)}
            walk.pairs[t] = {i: ids[r.id] for i, r in enumerate(old.tables[t].rules)
                             if r.id in ids and (r.inputs, r.outputs) == (
                                 new.tables[t].rules[ids[r.id]].inputs,
                                 new.tables[t].rules[ids[r.id]].outputs)}
    return walk


def shared_atoms(old: Model, new: Model, orders: list[list[str]], name: str) -> Atoms:
    a, b = old.variables.get(name), new.variables.get(name)
    present = [v for v in (a, b) if v is not None]
    if len({v.type for v in present}) > 1:
        raise Incomparable(_("the type of {name} changed").format(name=name))
    if len(present) == 2 and a is not None and b is not None and a.type == "string" \
            and bool(a.values) != bool(b.values):
        raise Incomparable(_("{name} has a list of allowed values in one version only").format(
                               name=name))
    base = present[0]
    values = tuple(dict.fromkeys(v for var in present for v in var.values))
    merged = Variable(name, base.type, None, values, base.label)
    tests: list[UnaryTest | None] = []
    for m, order in zip((old, new), orders):
        for t in order:
            table = m.tables[t]
            if name in table.input_names:
                k = table.input_names.index(name)
                tests.extend(r.inputs[k] for r in table.rules)
    tests.extend(v.allowed for v in present if v.allowed is not None)
    tests.extend(test for m in (old, new) for c in m.constraints for n, test in c.tests
                 if n == name)  # so that a constraint's edge is an atom's edge
    atoms = Atoms.build(merged, tests)
    atoms.domain = 0
    for var in present:
        atoms.domain |= domain_mask(atoms, var)
    return atoms


def domain_mask(atoms: Atoms, var: Variable) -> int:
    """The shared atoms inside one version's domain of the variable (null not included)."""
    if atoms.discrete and var.type == "string" and var.values:
        return sum(1 << atoms.index[v] for v in var.values if v in atoms.index)
    if not atoms.discrete and var.allowed is not None:
        return atoms.mask(var.allowed)
    return atoms.full


def column_cover(atoms: Atoms, table: Table, name: str) -> list[int]:
    """Per shared atom, and for null last, the rules of `table` accepting it."""
    k = table.input_names.index(name)
    per_atom, nulls = compiled_cover(atoms, [rule.inputs[k] for rule in table.rules])
    return [*per_atom, nulls]


def make_side(model: Model, order: list[str], atoms: dict[str, Atoms], columns: list[str],
              produced: dict[str, str]) -> Side:
    cover: dict[tuple[str, str], list[int]] = {}
    reads: dict[str, list[str]] = {}
    level: dict[str, int] = {}
    for t in order:
        table = model.tables[t]
        lvl = -1
        for name in table.input_names:
            cover[(t, name)] = column_cover(atoms[name], table, name)
            reads.setdefault(name, []).append(t)
            lvl = max(lvl, level[produced[name]] if name in produced else columns.index(name))
        level[t] = lvl
    domain = []
    for name in columns:
        a = atoms[name]
        var = model.variables.get(name)
        inside = domain_mask(a, var) if var is not None and name in reads else a.full
        refused = var is not None and name in reads and var.unknown is False  # null refused
        domain.append(inside | (0 if refused else 1 << a.size))
    return Side(model, order, compile_model(model), cover, reads, level, domain)


def value_of(atoms: Atoms, mask: int) -> Value:
    first = (mask & -mask).bit_length() - 1
    return None if first == atoms.size else atoms.example(first)


def settled(walk: Walk, side: Side, state: State, t: str, k: int) -> bool:
    """Whether decision t answers the same everywhere in the rest of the branch: its inputs
    are all split, or the rules that still can match already decide (hit policy aware)."""
    if side.level[t] < k:
        return True
    active = state.active[t]
    if not active:
        return True
    tail = tail_rules(walk, side, state, t, k)
    if active & ~tail == 0:
        return True
    ct = side.compiled[t]
    policy = side.model.tables[t].hit_policy
    if policy == "F":
        return bool(active & -active & tail)
    if policy == "P":
        best = min(bits(active), key=lambda i: (ct.priority[i], i))
        return bool(tail >> best & 1)
    if policy == "U":
        return (active & tail).bit_count() >= 2  # a conflict wherever the branch goes
    if policy == "A":
        return len({ct.outputs[i] for i in bits(active & tail)}) >= 2
    return False


def tail_rules(walk: Walk, side: Side, state: State, t: str, k: int) -> int:
    """The still-active rules of t that match everywhere in the rest of the branch."""
    tail = state.active[t]
    for name in side.model.tables[t].input_names:
        if name in walk.columns:
            if walk.columns.index(name) >= k:
                tail &= side.full[(t, name)]
        elif not any(name in step.outputs for step in state.steps.values()):
            tail &= side.full[(t, name)]
    return tail


def deciding(walk: Walk, side: Side, state: State, t: str, k: int) -> int:
    """The active rules that can still decide: under F and P, a rule that matches everywhere
    in the branch hides every rule after it (F) or of lower priority (P)."""
    active = state.active[t]
    policy = side.model.tables[t].hit_policy
    if policy not in ("F", "P"):
        return active
    tail = tail_rules(walk, side, state, t, k)
    if not tail:
        return active
    if policy == "F":
        first = tail & -tail
        return active & ((first << 1) - 1)
    ct = side.compiled[t]
    best = min((ct.priority[i], i) for i in bits(tail))
    return sum(1 << i for i in bits(active) if (ct.priority[i], i) <= best)


def settle(walk: Walk, side: Side, state: State, k: int, prefix: Box) -> None:
    """Answer every decision that is settled once `prefix` (k columns) is fixed."""
    for t in side.order:
        if t in state.steps or state.error is not None or not settled(walk, side, state, t, k):
            continue
        known: dict[str, Value] = {}
        outputs = state_outputs(state)
        for name in side.model.tables[t].input_names:
            if name in walk.columns:
                j = walk.columns.index(name)
                known[name] = value_of(walk.atoms[name], prefix[j] if j < k else walk.spans[j])
            else:
                known[name] = outputs.get(name)  # not decided yet: only '-' rules remain
        try:
            step = run_table(side.compiled[t], known)
        except CaseError as exc:
            state.error = str(exc)
            continue
        state.steps[t] = step
        for out_name, value in step.outputs.items():
            a = walk.atoms.get(out_name)
            if a is None or isinstance(value, list):
                continue
            atom = a.size if value is None else a.locate(value)
            for d in side.reads.get(out_name, []):
                state.active[d] &= side.cover[(d, out_name)][atom]


def state_outputs(state: State) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for step in state.steps.values():
        out.update(step.outputs)
    return out


def same_rest(walk: Walk, k: int, old: State, new: State) -> bool:
    """Both versions will answer alike everywhere in the rest of the branch: the same rules
    (by id and content) can still match, and what is decided so far agrees."""
    if not walk.same_from[k] or walk.limits_differ:
        return False
    if old.error is not None or new.error is not None:
        return old.error is not None and new.error is not None
    a, b = walk.sides
    if a.order != b.order:
        return False
    for t in a.order:
        if (t in old.steps) != (t in new.steps):
            return False
        if t in old.steps:
            x, y = old.steps[t].outputs, new.steps[t].outputs
            if any(n not in y or not same_value(freeze(v), freeze(y[n])) for n, v in x.items()):
                return False
            continue
        pairs = walk.pairs.get(t)
        if pairs is None:
            return False
        mapped = [pairs.get(i, -1) for i in bits(deciding(walk, a, old, t, k))]
        if -1 in mapped or sum(1 << j for j in mapped) != deciding(walk, b, new, t, k):
            return False
        if a.model.tables[t].hit_policy not in ("U", "A", "C+", "C#", "C<", "C>") and \
                mapped != sorted(mapped):
            return False
    return True


@dataclass
class Splitter:
    """How one version tells the atoms of column k apart: per still-open decision reading the
    column, the rules each atom leaves possible. Under F and P a rule that matches everywhere
    after this column hides the rules it wins over, so they do not split the branch."""

    tables: list[str]
    covers: list[list[int]]
    active: list[int]
    tails: list[int]
    keys: list[list[tuple[Any, ...]] | None]  # per table: rule precedence (F, P) or None

    def sig(self, atom: int, inside: int) -> tuple[int, ...]:
        out = [inside]
        for cover, active, tail, keys in zip(self.covers, self.active, self.tails, self.keys):
            m = cover[atom] & active
            hit = m & tail
            if keys is not None and hit:
                best = min(keys[i] for i in bits(hit))
                m = sum(1 << i for i in bits(m) if keys[i] <= best)
            out.append(m)
        return tuple(out)


def splitter(walk: Walk, side: Side, state: State, k: int) -> Splitter | None:
    if state.error is not None:
        return None
    name = walk.columns[k]
    tables = [t for t in side.reads.get(name, []) if t not in state.steps]
    keys: list[list[tuple[Any, ...]] | None] = []
    for t in tables:
        ct = side.compiled[t]
        policy = side.model.tables[t].hit_policy
        keys.append([(i,) for i in range(len(ct.outputs))] if policy == "F" else
                    [(ct.priority[i], i) for i in range(len(ct.outputs))] if policy == "P"
                    else None)
    return Splitter(tables, [side.cover[(t, name)] for t in tables],
                    [state.active[t] for t in tables],
                    [tail_rules(walk, side, state, t, k + 1) for t in tables], keys)


def descend(walk: Walk, k: int, prefix: Box, old: State, new: State) -> None:
    """Split column k where a rule that can still decide tells atoms apart; stop as soon as
    both versions' answers are settled, or certain to agree."""
    walk.nodes += 1
    if walk.nodes > MAX_NODES or len(walk.leaves) > MAX_REGIONS:
        raise Incomparable(_("the answers differ in more than {max_regions:,} separate "
                             "regions (or the tables are too entangled to list them): "
                             "compare smaller steps, or count the cases that change "
                             "with --cases").format(max_regions=MAX_REGIONS))
    for side, state in zip(walk.sides, (old, new)):
        settle(walk, side, state, k, prefix)
    n = len(walk.columns)
    if k == n or (old.done(walk.sides[0]) and new.done(walk.sides[1]) and walk.exact_from[k]):
        leaf(walk, prefix + tuple(walk.spans[k:]), old, new)
        return
    if same_rest(walk, k, old, new):
        return
    name = walk.columns[k]
    a = walk.atoms[name]
    split = [splitter(walk, side, state, k) for side, state in zip(walk.sides, (old, new))]
    groups: dict[tuple[tuple[int, ...], ...], int] = {}
    for atom in bits(walk.spans[k]):
        sig = tuple(sp.sig(atom, side.domain[k] >> atom & 1) if sp is not None else ()
                    for sp, side in zip(split, walk.sides))
        groups[sig] = groups.get(sig, 0) | 1 << atom
    for sig, mask in groups.items():
        states = []
        for side, state, sp, part in zip(walk.sides, (old, new), split, sig):
            s = state.copy()
            if sp is not None and not part[0]:
                s.error = _("{name} = {shown_value} is not an allowed value").format(
                              name=side.model.label(name),
                              shown_value=shown_value(value_of(a, mask)))
            elif sp is not None:
                s.active.update(zip(sp.tables, part[1:]))
            states.append(s)
        descend(walk, k + 1, prefix + (mask,), states[0], states[1])


def leaf(walk: Walk, box: Box, old: State, new: State) -> None:
    """Record where the two answers differ; a part of the box inside a constraint of one
    version is refused there (an impossible case), whatever its rules would say."""
    answers = answer(old, walk.outputs), answer(new, walk.outputs)
    rules = [[f"{t}:{r}" if t != walk.target else r for t, step in s.steps.items()
              for r in step.decided] for s in (old, new)]
    cuts = [b for side in walk.sides for _, b in side.limits]
    for piece in refine(box, cuts) if cuts else [box]:
        why = [refused(side.limits, piece) for side in walk.sides]
        a, b = (Answer((), w) if w else given for w, given in zip(why, answers))
        if not same_answer(a, b):
            walk.leaves.append((piece, a, b, [] if why[0] else rules[0],
                                [] if why[1] else rules[1]))


def summarise(walk: Walk) -> list[AnswerChange]:
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, (_box, a, b, _old, _new) in enumerate(walk.leaves):
        groups.setdefault((answer_key(a), answer_key(b)), []).append(i)
    atoms = [walk.atoms[n] for n in walk.columns]
    out = []
    for members in groups.values():
        first = walk.leaves[members[0]]
        a, b = first[1], first[2]
        changed = [] if a.error or b.error else [
            n for (n, x), (_, y) in zip(a.outputs, b.outputs) if not same_value(x, y)]
        for box in merge_boxes([walk.leaves[i][0] for i in members]):
            inside = [i for i in members if contains(box, walk.leaves[i][0])]  # this region's
            old_rules = ordered_rules(r for i in inside for r in walk.leaves[i][3])
            new_rules = ordered_rules(r for i in inside for r in walk.leaves[i][4])
            region = {n: render_mask(at, m, bool(span >> at.size & 1))
                      for n, at, m, span in zip(walk.columns, atoms, box, walk.spans)}
            example = {n: value_of(at, m) for n, at, m in zip(walk.columns, atoms, box)}
            out.append(AnswerChange(walk.target, {n: t for n, t in region.items() if t != "-"},
                                    a, b, changed, example, old_rules, new_rules))
    return out


def answer(state: State, names: list[str]) -> Answer:
    if state.error is not None:
        return Answer((), state.error)
    outputs = state_outputs(state)
    return Answer(tuple((n, freeze(outputs[n])) for n in names))
