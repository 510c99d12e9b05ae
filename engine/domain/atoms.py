"""Cut one column's domain into atoms: the pieces no test in the column can tell apart.

The checker reasons over sets of atoms (Python ints used as bit sets) and evaluation looks a
value up to its atom, so both use this one partition. Ordered values live on a line of
positions `(v, 0)` "just before v" and `(v, 1)` "just after v"; every interval becomes a
half-open range of positions, which makes open and closed bounds exact. Integers and dates
use whole steps, so `1` and `>= 2` leave nothing between them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..core.i18n import _
from ..core.model import Variable
from ..core.sfeel import Interval, UnaryTest, Value, literal_text

Pos = tuple[float, int]
LOW: Pos = (-math.inf, 0)
HIGH: Pos = (math.inf, 0)
# the calendar's ends: a date line starts at the first day and its last atom ends at the last,
# so no atom (and no gap, example or region) lies beyond them
DATE_FIRST: Pos = (dt.date.min.toordinal(), 0)
DATE_END: Pos = (dt.date.max.toordinal() + 1, 0)
ANY_DATE = dt.date(2000, 1, 1).toordinal()  # the example of a date column no cell bounds


class _Other:
    """Any text a string column with no allowed values does not name."""

    def __repr__(self) -> str:
        return "<other>"


OTHER = _Other()


def bits(mask: int) -> list[int]:
    """Indices of the set bits, lowest first. A sparse mask bit by bit from the top (each step
    costs the length of what is left, and what is left shrinks); a dense one through its
    binary text, since each step on a big integer costs its whole length."""
    if mask.bit_count() < 64:
        out = []
        while mask:
            top = mask.bit_length() - 1
            out.append(top)
            mask ^= 1 << top
        out.reverse()
        return out
    text = bin(mask)[:1:-1]
    out = []
    at = text.find("1")
    while at >= 0:
        out.append(at)
        at = text.find("1", at + 1)
    return out


@dataclass
class Atoms:
    var: Variable
    discrete: bool
    values: list[Any]  # discrete: the value of each atom
    starts: list[Pos]  # ordered: where each atom starts; it ends where the next starts
    domain: int  # the atoms that lie in the variable's domain
    index: dict[Any, int]

    @property
    def size(self) -> int:
        return len(self.values) if self.discrete else len(self.starts)

    @property
    def full(self) -> int:
        return (1 << self.size) - 1

    # -- building -------------------------------------------------------------------------
    @classmethod
    def build(cls, var: Variable, tests: Iterable[UnaryTest | None],
              restrict: Iterable[Value] | None = None,
              found: dict[int, list[tuple[Pos, Pos]]] | None = None) -> Atoms:
        """`found`, when given, receives each test's ranges by `id` (ordered values only), for
        `spans` to read again while the tests are held (never kept on the atoms)."""
        present = [t for t in tests if t is not None]
        if var.type in ("boolean", "string"):
            return cls._build_discrete(var, present, restrict)
        return cls._build_ordered(var, present, restrict, {} if found is None else found)

    @classmethod
    def _build_discrete(cls, var: Variable, tests: list[UnaryTest],
                        restrict: Iterable[Value] | None) -> Atoms:
        if var.type == "boolean":
            values: list[Any] = [True, False]
        elif var.values:
            values = list(var.values)
        else:  # open text: the values the tests name, and one atom for all other text
            named = {p for t in tests for p in t.points if isinstance(p, str)}
            values = sorted(named) + [OTHER]
        index = {v: i for i, v in enumerate(values) if v is not OTHER}
        allowed = set(restrict) if restrict is not None else None
        domain = 0
        for i, v in enumerate(values):
            if allowed is None or (v is not OTHER and v in allowed):
                domain |= 1 << i
        return cls(var, True, values, [], domain, index)

    @classmethod
    def _build_ordered(cls, var: Variable, tests: list[UnaryTest],
                       restrict: Iterable[Value] | None,
                       found: dict[int, list[tuple[Pos, Pos]]]) -> Atoms:
        cuts: set[Pos] = {LOW}
        points = [key(var, v) for v in restrict] if restrict is not None else []
        for test in tests:
            found[id(test)] = ranges(var, test)
        for test in [*tests, *([var.allowed] if var.allowed else [])]:
            for start, end in found.get(id(test)) or ranges(var, test):
                cuts.add(start)
                cuts.add(end)
        for p in points:
            cuts.update(point_range(var, p))
        cuts.discard(HIGH)
        if var.type == "date":
            cuts = {c for c in cuts if DATE_FIRST < c < DATE_END} | {DATE_FIRST}
        starts = sorted(cuts)
        atoms = cls(var, False, [], starts, 0, {})
        domain = atoms.mask(var.allowed) if var.allowed else atoms.full
        if restrict is not None:
            wanted = 0
            for p in points:
                wanted |= 1 << (bisect_right(starts, (p, 0)) - 1)
            domain &= wanted
        atoms.domain = domain
        return atoms

    @cached_property
    def _cut(self) -> dict[Pos, int]:
        """Each cut's atom: a test's bounds are cuts, found without a search (see `spans`)."""
        return {p: i for i, p in enumerate(self.starts)}

    # -- tests and values ----------------------------------------------------------------
    def mask(self, test: UnaryTest | None) -> int:
        """The atoms a test accepts (null aside: null is never part of a domain)."""
        if test is None:
            return 0
        if test.any:
            return self.full
        if self.discrete:
            m = 0
            for i, v in enumerate(self.values):
                hit = v in test.points if v is not OTHER else False
                if not hit and v is not OTHER:
                    hit = any(iv.contains(v) for iv in test.intervals)
                if hit != test.negated:
                    m |= 1 << i
            return m
        m = 0
        for start, end in ranges(self.var, test):
            lo = bisect_left(self.starts, start)
            hi = bisect_left(self.starts, end)
            if hi > lo:
                m |= ((1 << (hi - lo)) - 1) << lo
        return self.full ^ m if test.negated else m

    def spans(self, test: UnaryTest, found: list[tuple[Pos, Pos]] | None = None
              ) -> list[tuple[int, int]]:
        """The atoms `mask(test)` holds, as half-open runs (start, end): on a line of thousands
        of atoms, read from the test's ranges, never from the mask's bits."""
        if self.discrete or test.any:
            text = bin(self.mask(test))[:1:-1]
            return [(m.start(), m.end()) for m in re.finditer("1+", text)]
        runs = []
        cut = self._cut
        for start, end in ranges(self.var, test) if found is None else found:
            lo, hi = cut.get(start), cut.get(end)
            if lo is None:
                lo = bisect_left(self.starts, start)
            if hi is None:
                hi = bisect_left(self.starts, end)
            if hi > lo:
                runs.append((lo, hi))
        runs.sort()
        merged: list[tuple[int, int]] = []
        for lo, hi in runs:
            if merged and lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
            else:
                merged.append((lo, hi))
        if not test.negated:
            return merged
        out, at = [], 0
        for lo, hi in merged:
            if lo > at:
                out.append((at, lo))
            at = hi
        if at < self.size:
            out.append((at, self.size))
        return out

    def locate(self, value: Value) -> int:
        """The atom a (valid, non-null) value falls in."""
        if self.discrete:
            i = self.index.get(value)
            if i is None:
                return len(self.values) - 1  # OTHER: validation has ruled out the rest
            return i
        return bisect_right(self.starts, (key(self.var, value), 0)) - 1

    def example(self, atom: int) -> Value:
        """One concrete value inside the atom, as round as possible."""
        if self.discrete:
            v = self.values[atom]
            return _("(any other text)") if v is OTHER else v
        start = self.starts[atom]
        end = self.starts[atom + 1] if atom + 1 < len(self.starts) else HIGH
        k = _inside(start, end, self.var.type != "number")
        if self.var.type == "date" and start <= DATE_FIRST and end[0] == math.inf:
            k = ANY_DATE  # no cell names a date: 0 is no day at all
        return from_key(self.var, k)

    def render(self, mask: int) -> str:
        """The mask as the S-FEEL cell a person would write. What lies outside the domain does
        not matter, so bounds the domain already implies are left out (`< 12` for a count that
        cannot be negative), and a single value is written as itself (`2`, not `[2..2]`)."""
        m = mask & self.domain
        if m == self.domain:
            return "-"
        rest = self.domain & ~m
        if self.discrete:
            chosen = [self.values[i] for i in bits(m)]
            left = [self.values[i] for i in bits(rest)]
            if OTHER in chosen:  # open text including "any other text": name what is left out
                return f"not({', '.join(literal_text(v) for v in left)})"
            if len(left) == 1 and len(chosen) > 1:
                return f"not({literal_text(left[0])})"
            return ", ".join(literal_text(v) for v in chosen)
        if m and rest & (rest - 1) == 0 and self._is_point(rest):
            return f"not({literal_text(self.example(rest.bit_length() - 1))})"
        parts = []
        for first, last in self.runs(m):
            inside = (self.domain >> first) & ((1 << (last - first + 1)) - 1)  # domain atoms
            one = first + inside.bit_length() - 1
            if inside and inside & (inside - 1) == 0 and self._is_point(1 << one):
                parts.append(literal_text(self.example(one)))
            else:
                parts.append(self._interval(first, last).to_text())
        return ", ".join(parts)

    def intervals(self, mask: int) -> list[Interval]:
        """The mask as maximal intervals, bridging atoms outside the domain."""
        return [self._interval(first, last) for first, last in self.runs(mask)]

    def runs(self, mask: int) -> list[tuple[int, int]]:
        """Maximal runs (first, last atom) of the mask, bridging atoms outside the domain.

        A run ends only at an atom of the domain that the mask leaves out: between two such
        breaks, the run is the mask's first to last atom. Found with string searches over the
        masks' binary text, linear in the atoms (shifting a big integer per atom was not)."""
        size = self.size
        inside = mask & self.full
        if not inside:
            return []
        first = (inside & -inside).bit_length() - 1
        run = inside >> first
        if run & (run + 1) == 0:  # one run holds no break: the common cell, without the text
            return [(first, first + run.bit_length() - 1)]
        breaks = self.domain & ~mask & self.full
        text = format(inside, f"0{size}b")[::-1] if size else ""
        stops = format(breaks, f"0{size}b")[::-1] if size else ""
        out: list[tuple[int, int]] = []
        first = text.find("1")
        while first >= 0:
            end = stops.find("1", first)  # the break after this run's first atom
            if end < 0:
                end = size
            out.append((first, text.rfind("1", first, end)))
            first = text.find("1", end)
        return out

    def is_point(self, single: int) -> bool:
        """Whether the one atom in `single` is a single value (not a stretch of the line)."""
        return self._is_point(single)

    def _is_point(self, single: int) -> bool:
        i = single.bit_length() - 1
        iv = self._interval(i, i, extend=False)
        return iv.lo is not None and iv.lo == iv.hi

    def _interval(self, first: int, last: int, extend: bool = True) -> Interval:
        start = self.starts[first]
        end = self.starts[last + 1] if last + 1 < len(self.starts) else HIGH
        if extend and not (self.domain & ((1 << first) - 1)):
            start = LOW  # nothing of the domain lies below: leave the bound open
        if extend and not (self.domain >> (last + 1)):
            end = HIGH
        whole = self.var.type != "number"
        lo = None if start[0] == -math.inf else from_key(self.var, start[0])
        hi: Value
        if end[0] == math.inf:
            hi, hi_closed = None, False
        elif whole:
            hi, hi_closed = from_key(self.var, end[0] - 1), True
        else:
            hi, hi_closed = from_key(self.var, end[0]), end[1] == 1
        return Interval(lo, hi, start[1] == 0, hi_closed)


# -- the position line ----------------------------------------------------------------------
def key(var: Variable, value: Value) -> float:
    if isinstance(value, dt.date):
        return value.toordinal()
    return value


def from_key(var: Variable, k: float) -> Value:
    if var.type == "date":  # within the calendar, whatever the bounds of the column
        return dt.date.fromordinal(min(max(int(k), 1), dt.date.max.toordinal()))
    if var.type == "integer" or (isinstance(k, float) and k.is_integer()):
        return int(k)
    return k


def point_range(var: Variable, k: float) -> tuple[Pos, Pos]:
    if var.type == "number":
        return (k, 0), (k, 1)
    return (k, 0), (k + 1, 0)


def ranges(var: Variable, test: UnaryTest) -> list[tuple[Pos, Pos]]:
    """The positive part of a test as half-open ranges of positions (negation not applied)."""
    if test.any:
        return [(LOW, HIGH)]
    out = []
    whole = var.type != "number"
    for p in test.points:
        if isinstance(p, bool) or not isinstance(p, (int, float, dt.date)):
            continue
        k = key(var, p)
        if whole and k != int(k):
            continue  # 2.5 is never an integer
        out.append(point_range(var, k))
    for iv in test.intervals:
        r = _interval_range(var, iv, whole)
        if r is not None:
            out.append(r)
    return out


def _interval_range(var: Variable, iv: Interval, whole: bool) -> tuple[Pos, Pos] | None:
    try:
        lo = None if iv.lo is None else key(var, iv.lo)
        hi = None if iv.hi is None else key(var, iv.hi)
    except TypeError:
        return None
    if whole:
        start = LOW if lo is None else (math.ceil(lo) if iv.lo_closed else math.floor(lo) + 1, 0)
        last = None if hi is None else (math.floor(hi) if iv.hi_closed else math.ceil(hi) - 1)
        end = HIGH if last is None else (last + 1, 0)
    else:
        start = LOW if lo is None else (lo, 0 if iv.lo_closed else 1)
        end = HIGH if hi is None else (hi, 1 if iv.hi_closed else 0)
    if start >= end:
        return None
    return start, end


def _inside(start: Pos, end: Pos, whole: bool) -> float:
    lo, hi = start[0], end[0]
    if lo == -math.inf and hi == math.inf:
        return 0
    if whole:
        return lo if lo != -math.inf else hi - 1
    if start[1] == 0 and lo != -math.inf:
        return lo
    if lo == -math.inf:
        return hi - 1 if hi != math.inf else 0
    if hi == math.inf:
        return math.floor(lo) + 1
    candidate = math.floor(lo) + 1
    if candidate < hi or (candidate == hi and end[1] == 1):
        return candidate
    return (lo + hi) / 2
