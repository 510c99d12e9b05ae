"""Evaluate a whole frame of cases as array operations, with the same answers as `evaluate`.

Per input column the values become atom codes of the very `Atoms` that `evaluate` and the check
use: text and booleans through `pandas.factorize` and a look-up per distinct value, numbers and
dates through `numpy.searchsorted` over the atom starts. Per table the codes index a dense
table of outcomes when the product of atoms is small, or else the rules' bit sets are ANDed
row by row. Each distinct set of matching rules is answered once, by `evaluate.run_table`
itself on values taken from the atoms, so hit policies and messages cannot drift apart.
A row that `evaluate` would refuse gets the same message in the `error` column and no answer;
the other rows go on. This is the only engine module that imports pandas and numpy at the top.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import CaseError, ConflictingRules, InvalidInput, MissingInput, NoRuleMatched
from ..core.i18n import _
from ..core.model import Constraint, Model, Table, Variable
from ..core.sfeel import UnaryTest, Value
from ..core.text import nfc
from ..domain.atoms import Atoms
from .columns import Column, encode, small_int
from .compiled import CompiledTable
from .evaluate import impossible, must_be_known, outside, plan_for, run_table
from .frame_possible import impossible_rows
from .possible import Projection

DENSE_LIMIT = 1 << 18  # most combinations of atom codes a table may tabulate up front
LIST_POLICIES = ("R", "O", "C")
_LOCK = threading.Lock()  # outcomes found while evaluating (the rule-mask path) are shared


def evaluate_frame(model: Model, frame: pd.DataFrame, decision: str | None = None) -> pd.DataFrame:
    """Evaluate every row of `frame` as a case: one result row per case, on the same index.

    `frame` has a column per input the decision reads (more columns are ignored); an empty
    cell (None, NaN, NaT) is an unknown value, as null is for `evaluate`. The result has, for
    every decision evaluated on the way (required ones first): a column per output and
    `<decision>_rule` (the deciding rules' ids, joined by ", "); then `error`, the message
    `evaluate` would have raised for that row, and `error_kind`, its class name
    (`InvalidInput`, `NoRuleMatched` or `ConflictingRules`), both None on answered rows.
    A bad row never raises and has no outputs; the other rows go on. A missing input column
    raises `MissingInput` once, and anything but a DataFrame raises `CaseError`.
    """
    if not isinstance(frame, pd.DataFrame):
        raise CaseError(_("evaluate_frame takes a pandas DataFrame, not {name}").format(
                            name=type(frame).__name__))
    if isinstance(frame.columns, pd.MultiIndex):
        raise CaseError(_("the cases' columns have several levels (a MultiIndex): give one "
                          "level of input names, e.g. frame.columns = "
                          "frame.columns.get_level_values(-1)"))
    plan = bulk_plan(model, decision)
    if any(isinstance(c, str) and not c.isascii() for c in frame.columns):
        frame = frame.rename(columns=lambda c: nfc(c) if isinstance(c, str) else c)
    twice = sorted({n for n in frame.columns[frame.columns.duplicated()] if isinstance(n, str)})
    if twice:
        raise CaseError(_("the cases have more than one column named {twice}").format(
                            twice=', '.join(twice)))
    missing = [name for name, _ in plan.needed if name not in frame.columns]
    if missing:
        raise MissingInput(_("the cases lack the column{value} {missing} (add it with "
                             "empty values when unknown)").format(
                               value='s' if len(missing) > 1 else '', missing=', '.join(missing)),
                           plan.target, tuple(missing))
    run = _Run(plan, len(frame))
    for name, var in plan.needed:
        column = encode(frame[name], var, plan.domains.get(name))
        run.columns[name] = column
        run.fail(column.bad, lambda rows, c=column: c.messages(rows), InvalidInput)
        if var.unknown is False:  # the glossary requires a value: null is refused
            run.fail(column.nulls(), _said(must_be_known(name)), InvalidInput)
    for constraint in plan.constraints:
        inside = np.ones(len(frame), dtype=bool)
        for name, test in constraint.tests:
            inside &= accepted(run.columns[name], dict(plan.needed)[name], test)
        run.fail(inside, _said(impossible(constraint)), InvalidInput)
    if plan.projection is not None:
        run.fail(*impossible_rows(plan.projection, run.columns, len(frame)), InvalidInput)
    for tp in plan.tables:
        run.table(tp)
    return run.frame(frame.index)


# -- the plan: compiled once per model and decision ------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """What a table answers for one set of matching rules (`no_match`: the message needs values)."""

    outputs: dict[str, Any] | None
    decided: tuple[str, ...] = ()
    error: str | None = None
    no_match: bool = False


@dataclass
class TablePlan:
    ct: CompiledTable
    sizes: list[int]  # per input column: its atoms, then one code for null
    covers: list[np.ndarray]  # per input column: (codes, words) uint64 rule bit sets
    lut: np.ndarray | None  # dense: the outcome of every combination of codes
    strides: list[int]
    outcomes: list[Outcome] = field(default_factory=list)
    by_mask: dict[int, int] = field(default_factory=dict)

    @property
    def table(self) -> Table:
        return self.ct.table


@dataclass
class BulkPlan:
    target: str
    needed: tuple[tuple[str, Variable], ...]
    tables: list[TablePlan]
    producer: dict[str, int]  # variable -> index of the table that decides it
    domains: dict[str, Atoms]  # ordered inputs with allowed values: their domain's atoms
    names: list[str]  # the result's columns
    outputs: dict[str, Variable]  # the variables the tables decide
    constraints: tuple[Constraint, ...] = ()  # impossible combinations of the inputs read
    projection: Projection | None = None  # constraints naming others too (`possible`)


def bulk_plan(model: Model, decision: str | None = None) -> BulkPlan:
    """The plan for one decision, built at first use and kept on the model."""
    cache: dict[str | None, BulkPlan] = vars(model).setdefault("_bulk_plans", {})
    plan = cache.get(decision)
    if plan is None:
        base = plan_for(model, decision)
        tables = [_table_plan(ct) for ct in base.tables]
        producer = {o: i for i, tp in enumerate(tables) for o in tp.table.output_names}
        domains = {name: Atoms.build(var, []) for name, var in base.needed
                   if var.ordered and var.allowed is not None}
        names = [n for tp in tables for n in (*tp.table.output_names, rule_column(tp.table))]
        names += ["error", "error_kind"]
        if len(set(names)) < len(names):
            raise CaseError(_("the result columns {names} repeat a name: rename the "
                              "variable that clashes with a decision's rule column, 'error' "
                              "or 'error_kind'").format(names=', '.join(names)))
        outputs = {o: model.variables[o] for o in producer}
        plan = BulkPlan(base.target, base.needed, tables, producer, domains, names, outputs,
                        base.constraints, base.projection)
        cache[decision] = plan
    return plan


def accepted(column: Column, var: Variable, test: UnaryTest | None) -> np.ndarray:
    """Per row: the cell `test` accepts the value (None: the value is null)."""
    atoms = Atoms.build(var, [test] if test is not None else [])
    codes = column.atom_codes(atoms)
    if test is None:
        return np.asarray(codes == atoms.size)
    mask = atoms.mask(test)
    table = np.array([bool(mask >> a & 1) for a in range(atoms.size)] + [test.matches(None)])
    return np.asarray(table[codes])


def _said(message: str) -> Any:
    """A `_Run.fail` reason giving every row the same message."""
    return lambda rows: (np.zeros(len(rows), dtype=np.int32), [message])


def rule_column(table: Table) -> str:
    return f"{table.name}_rule"


def _table_plan(ct: CompiledTable) -> TablePlan:
    words = max(1, (len(ct.table.rules) + 63) // 64)
    sizes = [a.size + 1 for a in ct.atoms]
    covers = [_words([*ct.cover[c], ct.null_cover[c]], words) for c in range(len(sizes))]
    strides = [int(np.prod(sizes[c + 1:], dtype=np.int64)) for c in range(len(sizes))]
    tp = TablePlan(ct, sizes, covers, None, strides)
    total = int(np.prod(sizes, dtype=np.float64)) if sizes else 1
    if total <= DENSE_LIMIT:
        grid = _words([ct.everyone], words)
        for cover in covers:
            grid = (grid[:, None, :] & cover[None, :, :]).reshape(-1, words)
        first, inverse = _distinct(grid)
        ids = [resolve(tp, np.unravel_index(i, sizes) if sizes else ()) for i in first]
        tp.lut = np.asarray(ids, dtype=np.int32)[inverse]
    return tp


def _words(masks: Sequence[int], words: int) -> np.ndarray:
    out = np.zeros((len(masks), words), dtype=np.uint64)
    for i, m in enumerate(masks):
        for w in range(words):
            out[i, w] = (m >> (64 * w)) & 0xFFFFFFFFFFFFFFFF
    return out


def _distinct(masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first row of each distinct mask, and for every row which distinct mask it is."""
    if masks.shape[1] == 1:
        _, first, inverse = np.unique(masks[:, 0], return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(masks, axis=0, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def resolve(tp: TablePlan, codes: Sequence[Any]) -> int:
    """The outcome of one combination of codes, found by `run_table` on values from its atoms."""
    ct = tp.ct
    mask = ct.everyone
    for c, code in enumerate(codes):
        code = int(code)
        mask &= ct.null_cover[c] if code == tp.sizes[c] - 1 else ct.cover[c][code]
    with _LOCK:
        known = tp.by_mask.get(mask)
        if known is not None:
            return known
        values = [None if int(code) == tp.sizes[c] - 1 else ct.atoms[c].example(int(code))
                  for c, code in enumerate(codes)]
        if ct.match(values) != mask:  # pragma: no cover - the atoms would disagree with themselves
            raise AssertionError(f"atom examples of {ct.table.name} do not match their atoms")
        try:
            step = run_table(ct, dict(zip(ct.table.input_names, values)), guard=False)
            outcome = Outcome(step.outputs, step.decided)
        except NoRuleMatched:
            outcome = Outcome(None, no_match=True)
        except ConflictingRules as exc:
            outcome = Outcome(None, error=str(exc))  # every such error is a ConflictingRules
        tp.outcomes.append(outcome)
        tp.by_mask[mask] = len(tp.outcomes) - 1
        return len(tp.outcomes) - 1


# -- one evaluation ---------------------------------------------------------------------------
class _Run:
    """The state of one `evaluate_frame` call: codes, outcomes and the first error per row."""

    def __init__(self, plan: BulkPlan, n: int) -> None:
        self.plan, self.n = plan, n
        self.columns: dict[str, Column] = {}
        self.results: list[np.ndarray] = []  # per table: the outcome of every row
        self.error = np.full(n, -1, dtype=np.int32)
        self.messages: dict[tuple[str, str], int] = {}  # (kind, text) -> id

    def fail(self, rows_bad: np.ndarray, why: Any, kind: type[CaseError]) -> None:
        """Give rows that have no error yet a message: `why(rows)` -> (per row, texts)."""
        rows = np.flatnonzero(rows_bad & (self.error < 0))
        if len(rows):
            which, texts = why(rows)
            ids = [self.messages.setdefault((kind.__name__, m), len(self.messages))
                   for m in texts]
            self.error[rows] = np.asarray(ids, dtype=np.int32)[which]

    def codes(self, tp: TablePlan, c: int, scale: int = 1) -> np.ndarray:
        ct = tp.ct
        name = ct.table.input_names[c]
        up = self.plan.producer.get(name)
        if up is None:
            return self.columns[name].atom_codes(ct.atoms[c], scale)
        source = self.plan.tables[up]
        lut = [0 if o.outputs is None else
               ct.atoms[c].size if o.outputs[name] is None else ct.atoms[c].locate(o.outputs[name])
               for o in source.outcomes]
        return (np.asarray(lut, dtype=np.int32) * np.int32(scale)).take(self.results[up])

    def table(self, tp: TablePlan) -> None:
        for _k, col, allowed in tp.table.guards:  # rare (DMN inputValues): checked row by row
            values = self._values(col.name, np.arange(self.n))
            bad = np.array([v is not None and not allowed.matches(v) for v in values], dtype=bool)
            texts = [outside(tp.table.name, col.name, v, allowed.text) for v in values]
            self.fail(bad, lambda rows, texts=texts: (np.arange(len(rows)),
                                                      [texts[r] for r in rows]), InvalidInput)
        width = len(tp.sizes)
        if tp.lut is not None:
            index = np.zeros(self.n, dtype=np.int32)
            for c in range(width):
                index += self.codes(tp, c, tp.strides[c])
            result = tp.lut.take(index)  # take: faster than [] for a row index
        else:
            result = self._by_masks(tp, [self.codes(tp, c) for c in range(width)])
        self.results.append(result)
        error = np.array([o.error is not None for o in tp.outcomes], dtype=bool)
        conflicts = [o.error or "" for o in tp.outcomes]
        if error.any():  # no outcome a conflict: no row to look at
            self.fail(error.take(result), lambda rows: (result[rows], conflicts),
                      ConflictingRules)
        no_match = np.array([o.no_match for o in tp.outcomes], dtype=bool)
        if no_match.any():
            self.fail(no_match.take(result), lambda rows: self._no_match(tp, rows),
                      NoRuleMatched)

    def _by_masks(self, tp: TablePlan, codes: list[np.ndarray]) -> np.ndarray:
        """Too many combinations to tabulate: AND the rules' bit sets row by row."""
        masks = np.repeat(_words([tp.ct.everyone], tp.covers[0].shape[1] if tp.covers else 1),
                          self.n, axis=0)
        for cover, col in zip(tp.covers, codes):
            masks &= cover[col]
        first, inverse = _distinct(masks)
        ids = [resolve(tp, [int(col[r]) for col in codes]) for r in first.tolist()]
        return np.asarray(ids, dtype=np.int32)[inverse]

    def _no_match(self, tp: TablePlan, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """`run_table`'s own message, once per distinct combination of the rows' values."""
        table = tp.table
        groups = np.zeros(len(rows), dtype=np.int64)
        for name in table.input_names:
            up = self.plan.producer.get(name)
            ids = (self.results[up] if up is not None else self.columns[name].ids())[rows]
            codes, uniques = pd.factorize(ids, use_na_sentinel=False)
            groups = groups * (len(uniques) + 1) + codes
            groups = pd.factorize(groups)[0]  # keep the key small whatever the column count
        _, first, which = np.unique(groups, return_index=True, return_inverse=True)
        columns = [self._values(name, rows[first]) for name in table.input_names]
        texts = []
        for values in zip(*columns) if columns else [()] * len(first):
            try:
                run_table(tp.ct, dict(zip(table.input_names, values)), guard=False)
                texts.append("")  # pragma: no cover - the masks said no rule matches
            except NoRuleMatched as exc:
                texts.append(str(exc))
        return which.reshape(-1), texts

    def _values(self, name: str, rows: np.ndarray) -> list[Value]:
        up = self.plan.producer.get(name)
        if up is None:
            return self.columns[name].values(rows)
        outcomes = self.plan.tables[up].outcomes
        return [None if (o := outcomes[i].outputs) is None else o[name]
                for i in self.results[up][rows].tolist()]

    # -- the result frame ---------------------------------------------------------------------
    def frame(self, index: pd.Index) -> pd.DataFrame:
        answered = self.error < 0
        everyone = bool(answered.all())
        data: dict[str, Any] = {}
        for tp, result in zip(self.plan.tables, self.results):
            table = tp.table
            # per row its outcome; on an error row one past them all (no answer)
            taken = result if everyone else np.where(answered, result, len(tp.outcomes))
            for k, name in enumerate(table.output_names):
                values = [None if o.outputs is None else o.outputs[name] for o in tp.outcomes]
                data[name] = _output(values, taken, table, k, self._variable(name))
            rules = [", ".join(o.decided) if o.decided else None for o in tp.outcomes]
            if table.hit_policy in ("U", "P", "F"):
                data[rule_column(table)] = _categorical(rules, [r.id for r in table.rules],
                                                        taken)
            else:
                data[rule_column(table)] = _objects(rules, taken)
        bad = self.error[~answered]
        nothing = np.full(self.n, None, dtype=object) if everyone else None
        for column, part in (("error_kind", 0), ("error", 1)):
            if nothing is not None:  # both columns None throughout (the frame copies them)
                data[column] = nothing
                continue
            texts = np.array([key[part] for key in self.messages], dtype=object)
            cells = np.full(self.n, None, dtype=object)
            cells[~answered] = texts[bad]
            data[column] = cells
        # object columns stay object (None for no value) rather than pandas' inferred text
        data = {k: pd.Series(v, index=index, dtype=object, copy=False)
                if isinstance(v, np.ndarray) else v for k, v in data.items()}
        return pd.DataFrame(data, index=index, columns=self.plan.names)

    def _variable(self, name: str) -> Variable:
        return self.plan.outputs[name]


def _output(values: list[Any], taken: np.ndarray, table: Table, k: int, var: Variable) -> Any:
    """One output column: categorical for text and dates, nullable for booleans and numbers.

    `values` holds each outcome's value; `taken` each row's outcome, or len(values): no answer.
    """
    if table.hit_policy in LIST_POLICIES:
        return _objects(values, taken)
    if table.hit_policy == "C#":  # a count, whatever the output variable's type
        var = replace(var, type="integer")
    if var.type in ("string", "date"):
        choices = list(var.values) if var.values else list(dict.fromkeys(
            v for v in [*(r.outputs[k] for r in table.rules),
                        *((table.default[k],) if table.default else ())] if v is not None))
        if all(v is None or v in choices for v in values):
            return _categorical(values, choices, taken)
        return _objects(values, taken)
    mask = np.array([v is None for v in values] + [True]).take(taken)
    if var.type == "boolean":
        flags = np.array([bool(v) for v in values] + [False])
        return pd.arrays.BooleanArray(flags.take(taken), mask)
    if var.type == "integer":
        ints = np.array([0 if v is None else int(v) for v in values] + [0], dtype=np.int64)
        return pd.arrays.IntegerArray(ints.take(taken), mask)
    floats = np.array([np.nan if v is None else float(v) for v in values] + [np.nan])
    return pd.arrays.FloatingArray(floats.take(taken), mask)


def _categorical(values: list[Any], choices: list[Any], taken: np.ndarray) -> pd.Categorical:
    position = {v: i for i, v in enumerate(choices)}
    per_outcome = np.array([position.get(v, -1) if v is not None else -1 for v in values] + [-1],
                           dtype=small_int(len(choices)))
    kind = pd.CategoricalDtype(pd.Index(choices, dtype=object))
    # the codes are in range by construction: pandas need not check every row again
    return pd.Categorical.from_codes(per_outcome.take(taken), dtype=kind, validate=False)


def _objects(values: list[Any], taken: np.ndarray) -> np.ndarray:
    per_outcome = np.empty(len(values) + 1, dtype=object)
    for i, v in enumerate(values):
        per_outcome[i] = v
    per_outcome[len(values)] = None
    return per_outcome.take(taken)
