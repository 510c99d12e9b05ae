"""Compile once at load: every table becomes atom look-ups and bit sets of rules.

`evaluate` never sees cell text: per input column it looks the value up to its atom and ANDs
the bit set of the rules that accept that atom. The checker builds on the same `Atoms`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.model import Model, Rule, Table, Variable
from ..core.sfeel import UnaryTest, Value
from ..domain.atoms import Atoms


@dataclass
class CompiledTable:
    table: Table
    variables: list[Variable]  # per input column
    atoms: list[Atoms]  # per input column
    cover: list[list[int]]  # per input column, per atom: the rules (bit set) that accept it
    null_cover: list[int]  # per input column: the rules that accept null
    everyone: int  # every readable rule
    outputs: list[tuple[Value, ...]]  # per rule
    priority: list[tuple[int, ...]]  # per rule: smaller is higher priority (P and O)
    ids: tuple[str, ...] = ()  # per rule, for traces
    cells: tuple[str, ...] = ()
    # per input column, per rule: the atoms its cell accepts (`Atoms.mask`, None for an
    # unreadable cell), read from the runs the cover is built from; the check's boxes
    masks: list[list[int | None]] = field(default_factory=list, repr=False)
    output_variables: tuple[Variable, ...] = ()  # per output column
    # explanation lines already written for a step (see explain.step_lines): this table of this
    # version of the model gives the same words for the same rules, inputs and outputs
    explained: dict[tuple[Any, ...], list[str]] = field(default_factory=dict, repr=False)

    def match(self, values: list[Value]) -> int:
        m = self.everyone
        for c, v in enumerate(values):
            m &= self.null_cover[c] if v is None else self.cover[c][self.atoms[c].locate(v)]
            if not m:
                break
        return m

    def rule(self, index: int) -> Rule:
        return self.table.rules[index]


def column_cover(atoms: Atoms, tests: Sequence[UnaryTest | None],
                 masks: list[int | None] | None = None,
                 found: dict[int, Any] | None = None) -> tuple[list[int], int]:
    """Per atom, the rules (bit set, by position in `tests`) that accept it; and those that
    accept null. A `-` is added to every atom at the end, not atom by atom. Each rule's atoms
    are taken as runs: a rule toggles in where a run starts and out after it ends, and one
    sweep over the atoms gives every set (setting bits atom by atom in sets of thousands of
    rules cost rules x atoms x rules). `masks`, when given, receives each test's atoms; `found`
    holds each test's ranges by id, as `Atoms.build` worked them out."""
    toggles: defaultdict[int, list[int]] = defaultdict(list)  # no new list per bound
    anyone = nulls = 0
    for i, test in enumerate(tests):
        if test is None:
            if masks is not None:
                masks.append(None)
            continue
        if test.any:
            anyone |= 1 << i
            nulls |= 1 << i
            if masks is not None:
                masks.append(atoms.full)
            continue
        if test.null and not test.negated:
            nulls |= 1 << i
        mask = 0
        for start, end in atoms.spans(test, found.get(id(test)) if found else None):
            toggles[start].append(i)
            toggles[end].append(i)
            mask |= (1 << end) - (1 << start)
        if masks is not None:
            masks.append(mask)
    size = atoms.size
    per_atom = [0] * size
    current = 0
    where = sorted(toggles)
    for at, end in zip(where, [*where[1:], size]):
        if at >= size:
            break
        ids = toggles[at]
        current ^= 1 << ids[0] if len(ids) == 1 else _bits_of(ids)
        if end == at + 1:  # most atoms start where a bound lies
            per_atom[at] = current
        else:
            end = min(end, size)
            per_atom[at:end] = [current] * (end - at)
    return [m | anyone for m in per_atom] if anyone else per_atom, nulls


def _bits_of(indices: list[int]) -> int:
    """One bit set from many indices (an index twice cancels, as a toggle should)."""
    if len(indices) == 1:  # most bounds start or end one rule
        return 1 << indices[0]
    flags = bytearray(max(indices) // 8 + 1)
    for i in indices:
        flags[i >> 3] ^= 1 << (i & 7)
    return int.from_bytes(flags, "little")


def compile_table(table: Table, variables: dict[str, Variable],
                  restrict: Mapping[str, Iterable[Value]] | None = None) -> CompiledTable:
    """`restrict` narrows an input's domain to what an upstream decision can produce."""
    rules = table.rules
    vars_ = [variables[c.name] for c in table.inputs]
    atoms, cover, null_cover = [], [], []
    masks: list[list[int | None]] = []
    for c, var in enumerate(vars_):
        tests = [r.inputs[c] for r in rules]
        found: dict[int, Any] = {}  # each test's ranges, while `tests` holds them
        a = Atoms.build(var, tests, (restrict or {}).get(var.name), found)
        masks.append([])
        per_atom, nulls = column_cover(a, tests, masks[-1], found)
        atoms.append(a)
        cover.append(per_atom)
        null_cover.append(nulls)
    readable = [i for i, r in enumerate(rules) if r.readable]
    everyone = _bits_of(readable) if readable else 0  # one bit set, not a sum of thousands
    ranked = [variables[c.name] for c in table.outputs]
    priority = []
    for r in rules:
        key = []
        for var, value in zip(ranked, r.outputs):
            if var.ranking:
                rank = var.ranking
                key.append(rank.index(value) if value in rank else len(rank))
        priority.append(tuple(key))
    return CompiledTable(table, vars_, atoms, cover, null_cover, everyone,
                         [r.outputs for r in rules], priority, tuple(r.id for r in rules),
                         tuple(r.cell for r in rules), masks=masks,
                         output_variables=tuple(ranked))


def compile_model(model: Model) -> dict[str, CompiledTable]:
    """Every table compiled once and kept on the model (refused if the model holds errors)."""
    if model._compiled is None:
        model.require_valid()
        model._compiled = {name: compile_table(t, model.variables)
                           for name, t in model.tables.items()}
    compiled: dict[str, CompiledTable] = model._compiled
    return compiled
