"""One decision compiled into one generated Python function: per-table dispatch over atom codes.

`evaluate` asks this function first. It reads each input once, as the glossary types it (a
boolean by identity, a listed text by a dict look-up, a number by one bisection over the cuts
of every cell that reads it), turns the codes of a table's inputs into one index into a table
of outcomes built here once per model and decision (every combination of atoms, each set of
matching rules resolved by `run_table` itself), and builds the result and its steps from the
outcome; the explanation stays lazy, as before.

It answers only cases it is sure of: a value of another type, a missing or unknown key, a
null the glossary refuses, a value outside the allowed ones, a case inside a constraint, a
table with no rule or conflicting rules for the case: it returns None and `evaluate` takes
its general path, which says why. So both paths give the same answers, rules and errors
(tests/test_dispatch.py compares them on random valid and invalid cases). Nothing is cached
by case: the outcome tables are fixed at compile time, one entry per combination of atoms.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..core.errors import CaseError
from ..core.model import Model, Variable
from ..core.sfeel import UnaryTest, Value
from ..core.text import MAX_TEXT
from ..domain.atoms import OTHER, Atoms
from ..domain.values import EXACT
from .compiled import CompiledTable

DENSE_LIMIT = 1 << 16  # most combinations of atoms a table tabulates; larger ones match bit sets
MEMO_LIMIT = 4096  # outcomes kept per bit-set table (by set of matching rules, not by case)
MISSING = object()

RunTable = Callable[..., Any]  # evaluate.run_table(ct, known, guard) -> Step


class Compiled:
    """The generated function, its source (for reading and tests), and its first part alone
    (reading and checking the inputs), for timing. (Plain classes here, not dataclasses:
    this module is imported by every command, and a dataclass costs ~1 ms to create.)"""

    __slots__ = ("answer", "read", "source")

    def __init__(self, answer: Callable[[Mapping[str, Any]], Any],
                 read: Callable[[Mapping[str, Any]], Any], source: str) -> None:
        self.answer, self.read, self.source = answer, read, source


class _Outcome:
    """What a table answers for one set of matching rules, as a step holds it. `lists`: an
    output holds a list, copied per answer as the general path makes a new one."""

    __slots__ = ("outputs", "matches", "decided", "default", "lists")

    def __init__(self, outputs: dict[str, Any], matches: list[int], decided: list[int],
                 default: bool, lists: bool) -> None:
        self.outputs, self.matches, self.decided = outputs, matches, decided
        self.default, self.lists = default, lists


class _Table:
    """One table's dispatch: codes in, an outcome index out (-1: not answered here)."""

    def __init__(self, ct: CompiledTable, run_table: RunTable) -> None:
        self.ct = ct
        self.run_table = run_table
        self.sizes = [a.size + 1 for a in ct.atoms]  # the last code of each column: null
        self.strides = [math.prod(self.sizes[c + 1:]) for c in range(len(self.sizes))]
        self.outcomes: list[_Outcome] = []
        self.by_mask: dict[int, int] = {}
        self.dense = math.prod(self.sizes) <= DENSE_LIMIT
        self.lut: list[int] = []
        if self.dense:
            self.lut = self._tabulate()

    def column_mask(self, c: int, code: int) -> int:
        ct = self.ct
        return ct.null_cover[c] if code == self.sizes[c] - 1 else ct.cover[c][code]

    def _tabulate(self) -> list[int]:
        """The outcome of every combination of codes, column by column (prefix masks shared)."""
        masks = [self.ct.everyone]
        for c, size in enumerate(self.sizes):
            per_code = [self.column_mask(c, code) for code in range(size)]
            masks = [m & p for m in masks for p in per_code]
        seen: dict[int, int] = {}
        lut = []
        for flat, mask in enumerate(masks):
            found = seen.get(mask)
            if found is None:
                found = seen[mask] = self.resolve(mask, self.example(flat))
            lut.append(found)
        return lut

    def example(self, flat: int) -> list[Value]:
        values = []
        for c, stride in enumerate(self.strides):
            code = flat // stride % self.sizes[c]
            values.append(None if code == self.sizes[c] - 1 else self.ct.atoms[c].example(code))
        return values

    def resolve(self, mask: int, values: Sequence[Value]) -> int:
        """The outcome for one set of matching rules, by `run_table` on values that give it."""
        known = self.by_mask.get(mask)
        if known is not None:
            return known
        ct = self.ct
        if ct.match(list(values)) != mask:  # pragma: no cover - atoms disagreeing with themselves
            raise AssertionError(f"atom examples of {ct.table.name} do not match their atoms")
        try:
            step = self.run_table(ct, dict(zip(ct.table.input_names, values)), False)
        except CaseError:  # no rule, conflicting rules: the general path says so
            index = -1
        else:
            outputs = step.outputs
            self.outcomes.append(_Outcome(outputs, step._matches, step._decided, step.default,
                                          any(type(v) is list for v in outputs.values())))
            index = len(self.outcomes) - 1
        if len(self.by_mask) >= MEMO_LIMIT and not self.dense:
            self.by_mask.clear()
        self.by_mask[mask] = index
        return index


class _Input:
    """One case input: its codes over the cuts of every cell (and constraint) that reads it."""

    def __init__(self, k: int, var: Variable, tests: list[UnaryTest],
                 atoms: Atoms | None = None) -> None:
        self.k, self.var = k, var
        self.atoms = atoms if atoms is not None else Atoms.build(var, tests)
        self.null = self.atoms.size  # the code of null
        self.text_index: dict[Any, int] = dict(self.atoms.index)
        self.other = len(self.atoms.values) - 1 if OTHER in self.atoms.values else None

    def example(self, code: int) -> Value:
        if code == self.null:
            return None
        value = self.atoms.values[code] if self.atoms.discrete else self.atoms.example(code)
        return None if value is OTHER else value

    def table_code(self, atoms: Atoms, code: int) -> int:
        """The atom of a table's column that holds this input's atom (a coarser cut)."""
        if code == self.null:
            return atoms.size
        if self.atoms.discrete:
            value = self.atoms.values[code]
            if value is OTHER:
                return atoms.size - 1 if OTHER in atoms.values else -1
            return atoms.index.get(value, atoms.size - 1)
        return bisect_right(atoms.starts, self.atoms.starts[code]) - 1


def compile_decision(model: Model, tables: Sequence[CompiledTable],
                     needed: Sequence[tuple[str, Variable]], case_inputs: frozenset[str],
                     constraints: Sequence[Any], target: str, run_table: RunTable,
                     step: type, result: type) -> Compiled | None:
    """The generated function for one decision, or None when it would not pay (DMN input
    values on a column, a decided value a later table cannot look up)."""
    if any(ct.table.guards for ct in tables):
        return None
    position = {name: k for k, (name, _) in enumerate(needed)}
    tests: dict[str, list[UnaryTest]] = {name: [] for name in position}
    readers: dict[str, list[Atoms | None]] = {name: [] for name in position}
    for ct in tables:
        for c, name in enumerate(ct.table.input_names):
            if name in tests:
                tests[name] += [u for r in ct.table.rules if (u := r.inputs[c]) is not None]
                readers[name].append(ct.atoms[c])
    for constraint in constraints:
        for name, test in constraint.tests:
            tests[name].append(test)
            readers[name].append(None)  # a constraint's cuts too: built below
    # an input one table alone reads is cut as that table cuts it: its atoms serve as they are
    inputs = [_Input(k, var, tests[name], readers[name][0] if len(readers[name]) == 1 else None)
              for k, (name, var) in enumerate(needed)]
    g: dict[str, Any] = {"CASE_INPUTS": case_inputs, "MISSING": MISSING, "Step": step,
                         "Result": result, "MODEL": model, "TARGET": target,
                         "bisect_right": bisect_right, "date": dt.date, "EXACT": EXACT,
                         "INF": math.inf, "MAX_TEXT": MAX_TEXT, "copy_lists": copy_lists}
    read = ["    if type(case) is not dict or not CASE_INPUTS.issuperset(case):",
            "        return None"]
    for i in inputs:
        read += _read_input(i, g)
    for n, constraint in enumerate(constraints):
        terms = []
        for name, test in constraint.tests:
            i = inputs[position[name]]
            g[f"K{n}_{i.k}"] = [test.matches(i.example(code)) for code in range(i.null + 1)]
            terms.append(f"K{n}_{i.k}[c{i.k}]")
        read += [f"    if {' and '.join(terms)}:", "        return None"]
    body: list[str] = []
    made: dict[str, int] = {}  # decided variable -> the table (index) that made it
    for t, ct in enumerate(tables):
        tab = _Table(ct, run_table)
        g[f"CT{t}"], g[f"OUT{t}"] = ct, tab.outcomes
        index, values = [], []
        for c, name in enumerate(ct.table.input_names):
            stride = tab.strides[c] if tab.dense else 1
            if name in position:
                i = inputs[position[name]]
                if i.atoms is ct.atoms[c]:  # the table's own cut: the codes are its atoms
                    codes = list(range(i.null + 1))
                else:
                    codes = [i.table_code(ct.atoms[c], code) for code in range(i.null + 1)]
                if min(codes) < 0:
                    return None
                g[f"T{t}_{c}"] = [code * stride for code in codes]
                index.append(f"T{t}_{c}[c{i.k}]")
                values.append(f"v{i.k}")
            else:
                up = made[name]
                g[f"U{t}_{c}"] = _Upstream(g[f"OUT{up}"], name, ct.atoms[c], stride)
                index.append(f"U{t}_{c}[o{up}]")
                values.append(f"out{up}[{name!r}]")
        lists = not tab.dense or any(o.lists for o in tab.outcomes)
        copy = "copy_lists" if lists else "dict"
        if tab.dense:
            g[f"LUT{t}"] = tab.lut
            body.append(f"    o{t} = LUT{t}[{' + '.join(index) or '0'}]")
        else:
            g[f"TAB{t}"] = tab
            g[f"C{t}"] = [[tab.column_mask(c, code) for code in range(size)]
                          for c, size in enumerate(tab.sizes)]
            masks = " & ".join([f"{ct.everyone}"] + [
                f"C{t}[{c}][{x}]" for c, x in enumerate(index)])
            body += [f"    m{t} = {masks}",
                     f"    o{t} = TAB{t}.by_mask.get(m{t})",
                     f"    if o{t} is None:",
                     f"        o{t} = TAB{t}.resolve(m{t}, [{', '.join(values)}])"]
        body += [f"    if o{t} < 0:", "        return None",
                 f"    r{t} = OUT{t}[o{t}]",
                 f"    out{t} = {copy}(r{t}.outputs)",
                 f"    s{t} = Step(CT{t}, [{', '.join(values)}], r{t}.matches, r{t}.decided, "
                 f"out{t}, r{t}.default)"]
        for name in ct.table.output_names:
            made[name] = t
        if any(u.broken for u in g.values() if isinstance(u, _Upstream)):
            return None
    last = len(tables) - 1
    steps = ", ".join(f"s{t}" for t in range(len(tables)))
    body.append(f"    return Result(TARGET, out{last}, ({steps},), MODEL)")
    source = "def answer(case):\n" + "\n".join(read + body) + "\n"
    source += "\ndef read(case):\n" + "\n".join(read) + "\n    return True\n"
    exec(compile(source, f"<dispatch {target}>", "exec"), g)  # noqa: S102 - our own source
    return Compiled(g["answer"], g["read"], source)


class _Upstream:
    """A decided input's code × stride, by the outcome of the table that decided it; looked up
    lazily since that table's outcomes may grow (bit-set tables resolve on first sight)."""

    def __init__(self, outcomes: list[_Outcome], name: str, atoms: Atoms, stride: int) -> None:
        self.outcomes, self.name, self.atoms, self.stride = outcomes, name, atoms, stride
        self.codes: list[int] = []
        self.broken = False
        self._extend()

    def _extend(self) -> None:
        for o in self.outcomes[len(self.codes):]:
            value = o.outputs.get(self.name)
            try:
                code = self.atoms.size if value is None else self.atoms.locate(value)
            except TypeError:  # a list, say: not a value a table reads
                self.broken = True
                code = 0
            self.codes.append(code * self.stride)

    def __getitem__(self, outcome: int) -> int:
        if outcome >= len(self.codes):
            self._extend()
        return self.codes[outcome]


def copy_lists(outputs: dict[str, Any]) -> dict[str, Any]:
    """A fresh answer whose lists are fresh too (the general path builds new ones)."""
    return {k: (v.copy() if type(v) is list else v) for k, v in outputs.items()}


def _read_input(i: _Input, g: dict[str, Any]) -> list[str]:
    """The lines that read input k into `v{k}` (its value) and `c{k}` (its code), or give up."""
    k, var = i.k, i.var
    null = ""
    if var.unknown is not False:
        null = f"    elif v{k} is None:\n        c{k} = {i.null}\n"
    head = f"    v{k} = case.get({var.name!r}, MISSING)\n"
    if var.type == "boolean":
        g[f"B{k}"] = (i.text_index[True], i.text_index[False])
        return [head + f"    if v{k} is True:\n        c{k} = {i.text_index[True]}\n"
                f"    elif v{k} is False:\n        c{k} = {i.text_index[False]}\n" + null
                + "    else:\n        return None"]
    if var.type == "string":
        g[f"I{k}"] = i.text_index
        if var.values:
            found = (f"        c{k} = I{k}.get(v{k}, -1)\n        if c{k} < 0:\n"
                     "            return None\n")
        else:  # open text: what conform would change (not NFC, too long) goes the long way
            found = (f"        if len(v{k}) > MAX_TEXT or not v{k}.isascii():\n"
                     f"            return None\n        c{k} = I{k}.get(v{k}, {i.other})\n")
        return [head + f"    if type(v{k}) is str:\n" + found + null
                + "    else:\n        return None"]
    g[f"S{k}"] = i.atoms.starts
    inside = format(i.atoms.domain, f"0{i.null}b")[::-1] if i.null else ""
    g[f"D{k}"] = [flag == "1" for flag in inside[:i.null]]
    if var.type == "date":
        test = f"type(v{k}) is date"
        position = f"v{k}.toordinal()"
    elif var.type == "integer":
        test = f"type(v{k}) is int and -EXACT <= v{k} <= EXACT"
        position = f"v{k}"
    else:
        test = (f"(type(v{k}) is float and -INF < v{k} < INF) or "
                f"(type(v{k}) is int and -EXACT <= v{k} <= EXACT)")
        position = f"v{k}"
    return [head + f"    if {test}:\n        c{k} = bisect_right(S{k}, ({position}, 0)) - 1\n"
            f"        if not D{k}[c{k}]:\n            return None\n" + null
            + "    else:\n        return None"]
