"""A data frame column as atom codes: each distinct value located once, refused values named."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..core.model import Variable
from ..core.sfeel import Value
from ..domain.atoms import Atoms
from ..domain.values import EXACT, ValueProblem, conform

DAY_ZERO = 719163  # datetime.date(1970, 1, 1).toordinal(): numpy's day 0 on the ordinal line


# pandas.infer_dtype kinds whose values factorize can tell apart as `evaluate` would
# (`True == 1 == 1.0` for a hash, so mixed kinds go value by value instead)
SAFE_KINDS = frozenset({"string", "boolean", "integer", "floating", "mixed-integer-float",
                        "date", "datetime", "empty"})


# -- reading one input column ----------------------------------------------------------------
class Column:
    """One input column read once: which rows are null, which invalid and why, and their atoms."""

    bad: np.ndarray  # per row: `conform` refuses the value (type, whole number, domain, ...)

    def atom_codes(self, atoms: Atoms, scale: int = 1) -> np.ndarray:
        """Per row: the atom × scale (int32); `atoms.size` for null, 0 for an invalid row."""
        raise NotImplementedError

    def messages(self, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """What `conform` says about these (invalid) rows: per row an index into the texts."""
        raise NotImplementedError

    def values(self, rows: np.ndarray) -> list[Value]:
        """The conformed values of these (valid) rows, None for null."""
        raise NotImplementedError

    def ids(self) -> np.ndarray:
        """Per row a number that differs wherever the value differs (for grouping rows)."""
        raise NotImplementedError

    def nulls(self) -> np.ndarray:
        """Per row: the value is null (None, NaN, NA, NaT)."""
        raise NotImplementedError


class Distinct(Column):
    """A column as codes into its distinct values, each conformed once."""

    def __init__(self, codes: np.ndarray, uniques: Sequence[Any], var: Variable) -> None:
        self.values_ = []
        self.errors: list[str | None] = []
        for u in uniques:
            try:
                self.values_.append(conform(u, var))
                self.errors.append(None)
            except ValueProblem as exc:
                self.values_.append(None)
                self.errors.append(exc.message)
        self.codes = codes.astype(small_int(len(uniques)), copy=False)
        if any(e is not None for e in self.errors):
            flags = np.array([e is not None for e in self.errors] + [False], dtype=bool)
            self.bad = flags[self.codes]  # code -1 (null) picks the final False
        else:
            self.bad = np.zeros(len(self.codes), dtype=bool)

    def atom_codes(self, atoms: Atoms, scale: int = 1) -> np.ndarray:
        lut = [atoms.locate(v) if e is None else 0 for v, e in zip(self.values_, self.errors)]
        return (np.asarray([*lut, atoms.size], dtype=np.int32) * np.int32(scale))[self.codes]

    def messages(self, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
        return self.codes[rows], [e or "" for e in self.errors]

    def values(self, rows: np.ndarray) -> list[Value]:
        return [self.values_[c] if c >= 0 else None for c in self.codes[rows].tolist()]

    def ids(self) -> np.ndarray:
        return self.codes

    def nulls(self) -> np.ndarray:
        return np.asarray(self.codes < 0)


class Ordered(Column):
    """A numeric or date column as positions on the atoms' line; messages from the raw values."""

    def __init__(self, keys: np.ndarray, null: np.ndarray, bad: np.ndarray, raw: pd.Series,
                 var: Variable, domain: Atoms | None, exact: np.ndarray | None = None) -> None:
        if domain is not None:
            inside = np.array([bool(domain.domain >> i & 1) for i in range(domain.size)])
            bad = bad | (~null & ~bad & ~inside[np.clip(locate(domain, keys), 0, None)])
        self.keys, self.null, self.bad, self.raw, self.var = keys, null, bad, raw, var
        self.exact = keys if exact is None else exact  # tells apart values with one message

    def atom_codes(self, atoms: Atoms, scale: int = 1) -> np.ndarray:
        codes = locate(atoms, self.keys).astype(np.int32)
        codes[self.null] = atoms.size
        codes[self.bad] = 0
        return codes * np.int32(scale) if scale != 1 else codes

    def messages(self, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
        _, first, which = np.unique(self.exact[rows], return_index=True, return_inverse=True)
        out = []
        for value in self.raw.iloc[rows[first]].tolist():
            try:
                conform(value, self.var)
                out.append("")  # pragma: no cover - a row is only bad if conform refuses it
            except ValueProblem as exc:
                out.append(exc.message)
        return which.reshape(-1), out

    def values(self, rows: np.ndarray) -> list[Value]:
        raw = self.raw.iloc[rows].tolist()
        return [None if n else conform(v, self.var) for v, n in zip(raw, self.null[rows])]

    def ids(self) -> np.ndarray:
        return self.keys

    def nulls(self) -> np.ndarray:
        return self.null


def locate(atoms: Atoms, keys: np.ndarray) -> np.ndarray:
    """`Atoms.locate` for an array of keys: #{starts <= (x, 0)} - 1, one side at a time."""
    side0 = np.array([v for v, s in atoms.starts if s == 0], dtype=np.float64)
    side1 = np.array([v for v, s in atoms.starts if s == 1], dtype=np.float64)
    found = np.searchsorted(side0, keys, "right") + np.searchsorted(side1, keys, "left") - 1
    return np.asarray(found)


def encode(series: pd.Series, var: Variable, domain: Atoms | None = None) -> Column:
    """Read one column for `var`: null is None, NaN, NA or NaT; all else as `conform` sees it."""
    dtype = series.dtype
    numeric = var.type in ("number", "integer")  # a date is never a plain number
    if numeric and _is_number(dtype):
        if pd.api.types.is_integer_dtype(dtype):  # counts, lines, years: few distinct values
            codes, uniques = pd.factorize(series)
            if len(uniques) <= max(1000, len(series) // 10):
                return Distinct(np.asarray(codes), uniques.tolist(), var)
        return _numbers(series, series, var, domain)
    if var.type == "date" and isinstance(dtype, np.dtype) and dtype.kind == "M":
        return _dates(series, var, domain)
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        return Distinct((~series.to_numpy()).view(np.int8), [True, False], var)
    if isinstance(dtype, pd.BooleanDtype):  # True is code 0, False 1, NA -1
        flags, missing = series.array._data, series.array._mask  # the data under NA is any
        return Distinct(np.where(missing, np.int8(-1), (~flags).view(np.int8)), [True, False],
                        var)
    if isinstance(dtype, pd.CategoricalDtype):
        categories = dtype.categories
        if pd.api.types.infer_dtype(categories, skipna=True) in SAFE_KINDS:
            return Distinct(series.cat.codes.to_numpy(), categories.tolist(), var)
        return _one_by_one(series, var)
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        kind = pd.api.types.infer_dtype(series, skipna=True)
        if kind not in SAFE_KINDS:
            return _one_by_one(series, var)
        if numeric and kind in ("integer", "floating", "mixed-integer-float"):
            try:
                numbers = pd.to_numeric(series)
            except (OverflowError, ValueError):  # a whole number beyond 64 bits: one by one
                return _one_by_one(series, var)
            if kind != "floating" and not pd.api.types.is_integer_dtype(numbers.dtype) and \
                    bool((numbers.abs() >= EXACT).any()):
                return _one_by_one(series, var)  # 2**53 + 1 beside 1.0: exact, as `evaluate`
            return _numbers(numbers, series, var, domain)
        if kind == "boolean":  # only booleans and nulls: two comparisons beat factorize
            arr = series.to_numpy()
            truth, false = arr == True, arr == False  # noqa: E712 - elementwise
            return Distinct(np.where(truth, 0, np.where(false, 1, -1)), [True, False], var)
    codes, uniques = pd.factorize(series)
    return Distinct(np.asarray(codes), uniques.tolist(), var)


def _is_number(dtype: Any) -> bool:
    return (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
            and not isinstance(dtype, pd.CategoricalDtype))


def _numbers(numeric: pd.Series, raw: pd.Series, var: Variable, domain: Atoms | None) -> Column:
    keys = numeric.to_numpy(dtype=np.float64, na_value=np.nan)
    null = np.isnan(keys)
    with np.errstate(invalid="ignore"):
        bad = np.isinf(keys)
        if var.type == "integer" and pd.api.types.is_integer_dtype(numeric.dtype):  # exact
            bad |= ((numeric > EXACT) | (numeric < -EXACT)).to_numpy(dtype=bool, na_value=False)
        if var.type == "integer":
            bad |= ~null & ~bad & (keys != np.floor(keys))
            if not pd.api.types.is_integer_dtype(numeric.dtype):  # a float past 2**53 stands
                bad |= ~null & (np.abs(keys) >= EXACT)  # for several whole numbers: refused
    return Ordered(keys, null, bad, raw, var, domain)


def _dates(series: pd.Series, var: Variable, domain: Atoms | None) -> Column:
    stamps = series.to_numpy()
    null = np.isnat(stamps)
    days = stamps.astype("datetime64[D]")
    bad = ~null & (days != stamps)  # a time of day
    keys = days.astype(np.int64).astype(np.float64) + DAY_ZERO
    keys[null] = np.nan
    return Ordered(keys, null, bad, series, var, domain, stamps.view(np.int64))


def _one_by_one(series: pd.Series, var: Variable) -> Column:
    """Mixed kinds of values: tell them apart by type as well as value (True is not 1)."""
    arr = series.to_numpy(dtype=object)
    null = pd.isna(arr)
    rows = np.flatnonzero(~null)
    index: dict[Any, int] = {}
    uniques: list[Any] = []
    found = []
    for value in arr[rows].tolist():
        try:
            code = index.setdefault((type(value), value), len(uniques))
        except TypeError:  # unhashable: a value of its own
            code = len(uniques)
        if code == len(uniques):
            uniques.append(value)
        found.append(code)
    codes = np.full(len(arr), -1, dtype=np.int64)
    codes[rows] = found
    return Distinct(codes, uniques, var)


def small_int(count: int) -> type[np.signedinteger[Any]]:
    for kind in (np.int8, np.int16, np.int32):
        if count < np.iinfo(kind).max:
            return kind
    return np.int64
