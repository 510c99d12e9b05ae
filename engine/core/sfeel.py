"""S-FEEL unary tests and literals, parsed once into one canonical value-set form.

Evaluation matches values against `UnaryTest`; the checker cuts domains into atoms from the
very same `Interval` and point objects, so both always agree on what a cell means.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import get_close_matches
from typing import Any

from .errors import SfeelError
from .i18n import _
from .text import candidates, has_foreign_digits, listed, looks_like, nfc, visible

Value = Any  # bool | int | float | str | datetime.date | None


@dataclass(frozen=True)
class Interval:
    """An ordered range; `None` as a bound means unbounded on that side."""

    lo: Value
    hi: Value
    lo_closed: bool
    hi_closed: bool

    def contains(self, x: Value) -> bool:
        try:
            if self.lo is not None and (x < self.lo or (x == self.lo and not self.lo_closed)):
                return False
            if self.hi is not None and (x > self.hi or (x == self.hi and not self.hi_closed)):
                return False
        except TypeError:  # incomparable types: FEEL's null, never a match
            return False
        return True

    def is_empty(self) -> bool:
        if self.lo is None or self.hi is None:
            return False
        if self.lo > self.hi:
            return True
        return bool(self.lo == self.hi and not (self.lo_closed and self.hi_closed))

    def to_text(self) -> str:
        if self.lo is None and self.hi is None:
            return "-"
        if self.lo is None:
            return f"{'<=' if self.hi_closed else '<'} {literal_text(self.hi)}"
        if self.hi is None:
            return f"{'>=' if self.lo_closed else '>'} {literal_text(self.lo)}"
        if self.lo == self.hi and self.lo_closed and self.hi_closed:
            return literal_text(self.lo)
        left = "[" if self.lo_closed else "("
        right = "]" if self.hi_closed else ")"
        return f"{left}{literal_text(self.lo)}..{literal_text(self.hi)}{right}"


@dataclass(frozen=True)
class UnaryTest:
    """One input cell: any, or a (possibly negated) union of points, intervals and null."""

    any: bool = False
    points: frozenset[Value] = frozenset()
    intervals: tuple[Interval, ...] = ()
    null: bool = False
    negated: bool = False
    text: str = "-"
    # points in the order written, for rendering and for error messages
    ordered_points: tuple[Value, ...] = field(default=(), compare=False)

    def matches(self, x: Value) -> bool:
        if self.any:
            return True
        if x is None:
            return self.null and not self.negated
        hit = x in self.points or any(iv.contains(x) for iv in self.intervals)
        return hit != self.negated

    def literals(self) -> Iterable[Value]:
        """Every value written in the cell (points and interval bounds), for type checks."""
        yield from self.ordered_points
        for iv in self.intervals:
            if iv.lo is not None:
                yield iv.lo
            if iv.hi is not None:
                yield iv.hi


ANY = UnaryTest(any=True)

MAX_NUMBER = 400  # characters of a number: a float's whole range written out (FEEL has no 1e300)
_DATE = re.compile(r'date\(\s*"([0-9]{4}-[0-9]{2}-[0-9]{2})"\s*\)')
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_TOKEN = re.compile(r'date\(\s*"[^"]*"\s*\)|[^\s,()\[\]<>=]+')
_WORD = re.compile(r"[^\s,()\[\]<>=\"]+")
_AMBIGUOUS_COMMA = re.compile(r"(\d+),(\d+)")


QUOTES = {"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'}
OUTSIDE_QUOTES = {"\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2212": "-", "\u2264": "<=",
                  "\u2265": ">="}
# every character normalise_text changes (the en dash only as a sign)
_TYPOGRAPHIC = re.compile("[" + "".join(QUOTES) + "".join(OUTSIDE_QUOTES) + "\u2013]")


def normalise_text(text: str) -> str:
    """Undo what spreadsheets and word processors do to typed text (documented in the format).

    Curly quotes become straight ones; the rest is changed only outside quoted text, so that
    a value such as "≥2" stays as written. Letters are composed (NFC), so "på" is one text
    however it was typed. Plain ASCII has none of these characters: only its ends are trimmed
    (most cells, and the load's hottest path).
    """
    if text.isascii():
        return text.strip()
    text = nfc(text)
    if _TYPOGRAPHIC.search(text) is None:  # Norwegian words, no typographer's marks
        return text.strip()
    for src, dst in QUOTES.items():
        text = text.replace(src, dst)
    parts = re.split(r'("(?:[^"\\]|\\.)*"?)', text)  # quoted texts, escapes and all, at odd places
    for i in range(0, len(parts), 2):  # even parts lie outside quotes
        for src, dst in OUTSIDE_QUOTES.items():
            parts[i] = parts[i].replace(src, dst)
        # en dash as a sign right before a number, where no range could be meant
        parts[i] = re.sub(r"(^|[\s,(\[\]<>=]|\.\.)\u2013(?=\d|\.\d)", r"\1-", parts[i])
    text = "".join(parts).strip()
    if text == "\u2013":  # an en dash alone: Excel's autocorrect of "-"
        return "-"
    return text


class _Reader:
    """A hand-written recursive-descent reader: the grammar is twelve productions."""

    def __init__(self, text: str, words: tuple[str, ...] | None, numeric: bool) -> None:
        self.src = text
        self.pos = 0
        self.words = words
        self.numeric = numeric

    def error(self, message: str, hint: str = "") -> SfeelError:
        return SfeelError(message, self.src, self.pos, hint)

    def skip(self) -> None:
        while self.pos < len(self.src) and self.src[self.pos].isspace():
            self.pos += 1

    def peek(self, s: str) -> bool:
        self.skip()
        return self.src.startswith(s, self.pos)

    def take(self, s: str) -> bool:
        if self.peek(s):
            self.pos += len(s)
            return True
        return False

    def at_end(self) -> bool:
        self.skip()
        return self.pos >= len(self.src)

    def literal(self) -> tuple[Value, bool]:
        """Read one literal; the flag says it was `null`."""
        self.skip()
        s, p = self.src, self.pos
        if p >= len(s):
            raise self.error(_("a value is missing here"))
        if s[p] == '"':
            end = p + 1
            chars: list[str] = []
            while end < len(s) and s[end] != '"':
                if s[end] == "\\" and end + 1 < len(s):
                    end += 1
                chars.append(s[end])
                end += 1
            if end >= len(s):
                raise self.error(_("a text in quotes is not closed"), _('add the closing "'))
            self.pos = end + 1
            return "".join(chars), False
        self.refuse_foreign_digits()
        m = _DATE.match(s, p)
        if m:
            try:
                value = dt.date.fromisoformat(m.group(1))
            except ValueError:
                raise self.error(_("{group} is not a real calendar date").format(
                                     group=m.group(1))) from None
            self.pos = m.end()
            return value, False
        m = _NUMBER.match(s, p)
        if m and not (m.end() < len(s) and (s[m.end()].isalpha() or s[m.end()] == "_")):
            text = m.group(0)
            if len(text) > MAX_NUMBER or float(text) in (float("inf"), float("-inf")):
                raise self.error(_("the number {text} is too long or too large").format(
                                     text=text[:20]))
            self.pos = m.end()
            if re.fullmatch(r"-?\d+", text):
                return int(text), False
            return float(text), False
        if s.startswith("date(", p):
            raise self.error(_('a date is written date("YYYY-MM-DD")'),
                             _('e.g. {example}').format(example='date("2026-01-31")'))
        m = _WORD.match(s, p)
        if not m:
            raise self.error(_("unexpected {text!r}").format(text=s[p]))
        word = m.group(0)
        if word in ("true", "false"):
            self.pos = m.end()
            return word == "true", False
        if word == "null":
            self.pos = m.end()
            return None, True
        if self.words is not None and word in self.words:
            self.pos = m.end()
            return word, False
        if self.words:
            words = list(self.words)
            close = get_close_matches(word, candidates(word, words), n=1, cutoff=0.5) \
                if len(word) < 200 else []
            allowed = listed(words)
            hint = _("allowed: {listed}").format(listed=allowed)
            if close and looks_like(word, close[0]):  # the difference cannot be seen: show it
                hint = _('it looks like "{match}" but is written "{written}"; retype it. '
                         'Allowed: {listed}').format(match=close[0], listed=allowed,
                                                     written=visible(word, combining=True))
            elif close:
                hint = _('did you mean "{close}"? Allowed: {allowed}').format(
                           close=close[0], allowed=allowed)
            hint += _("; a new value is added to the allowed values in the glossary first")
            raise self.error(_("{word!r} is not an allowed value").format(
                                 word=visible(word, 80)), hint)
        raise self.error(_("{word!r} is not a value: write text in quotes, a number, "
                           "true or false").format(word=word),
                         _('e.g. "positive", 12, true'))

    def refuse_foreign_digits(self) -> None:
        """Only 0-9 are digits here, in numbers and dates alike: `٥0` is never read as 50."""
        m = _TOKEN.match(self.src, self.pos)
        if m and has_foreign_digits(m.group(0)) and not (self.words and m.group(0) in self.words):
            raise self.error(_("{text!r} is written with digits other than 0-9").format(
                                 text=visible(m.group(0))),
                             _("type numbers and dates with the digits 0-9"))

    def endpoint(self) -> Value:
        value, is_null = self.literal()
        if is_null:
            raise self.error(_("null cannot be the end of a range"))
        return value

    def positive(self) -> tuple[list[Value], list[Interval], bool]:
        """A comma list of simple positive unary tests."""
        points: list[Value] = []
        intervals: list[Interval] = []
        null = False
        while True:
            self.skip()
            if self.take("<="):
                intervals.append(Interval(None, self.endpoint(), False, True))
            elif self.take(">="):
                intervals.append(Interval(self.endpoint(), None, True, False))
            elif self.take("<"):
                intervals.append(Interval(None, self.endpoint(), False, False))
            elif self.take(">"):
                intervals.append(Interval(self.endpoint(), None, False, False))
            elif self.peek("[") or self.peek("(") or self.peek("]"):
                intervals.append(self.interval())
            else:
                value, is_null = self.literal()
                if is_null:
                    null = True
                else:
                    points.append(value)
            if not self.take(","):
                return points, intervals, null

    def interval(self) -> Interval:
        opener = self.src[self.pos]
        self.pos += 1
        lo = self.endpoint()
        if not self.take(".."):
            raise self.error(_("a range needs two dots between its ends"),
                             _("e.g. {example}").format(example="[12..24]"))
        if self.src.startswith(".", self.pos):  # [1...5]: never read it as [1..0.5]
            raise self.error(_("a range has two dots between its ends, not three"),
                             _("e.g. {example}").format(example="[12..24]"))
        hi = self.endpoint()
        self.skip()
        if self.pos >= len(self.src) or self.src[self.pos] not in "])[":
            raise self.error(_("the range is not closed"), _("end it with ] or )"))
        closer = self.src[self.pos]
        self.pos += 1
        return Interval(lo, hi, opener == "[", closer == "]")


DASH_RANGE = re.compile(r"\s*(-?\d+(?:\.\d+)?)\s*[-\u2013]\s*(\d+(?:\.\d+)?)\s*")


def parse_unary(text: str, words: Iterable[str] | None = None, numeric: bool = False) -> UnaryTest:
    """Parse one input cell. `words` are the bare words allowed unquoted (a string domain)."""
    text = normalise_text(text)
    if numeric:
        text = _comparison_comma(text)
    _refuse_decimal_comma(text, numeric)
    if text == "-":
        return ANY
    if not text:
        raise SfeelError(_("the cell is empty"), text, 0, _("write - for any value"))
    reader = _Reader(text, tuple(words) if words is not None else None, numeric)
    negated = False
    if reader.take("not("):
        negated = True
    points, intervals, null = reader.positive()
    if negated and not reader.take(")"):
        raise reader.error(_("not( is not closed"), _("end it with )"))
    if not reader.at_end():
        if reader.peek(")"):
            raise reader.error(_("there is a ) without a matching ("))
        dash = DASH_RANGE.fullmatch(text)
        if dash:  # 12-18: a range or a typo? never read it as either
            raise reader.error(_("a dash between two numbers is not a range"),
                               _("write [{low}..{high}]").format(low=dash.group(1),
                                                                 high=dash.group(2)))
        raise reader.error(_("unexpected {text!r} after the test").format(text=text[reader.pos:]),
                           _("separate several values with commas"))
    return UnaryTest(points=frozenset(points), intervals=tuple(intervals), null=null,
                     negated=negated, text=text, ordered_points=tuple(points))


def parse_literal(text: str, words: Iterable[str] | None = None, numeric: bool = False) -> Value:
    """Parse one output or expected value: a single literal."""
    text = normalise_text(text)
    _refuse_decimal_comma(text, numeric)
    reader = _Reader(text, tuple(words) if words is not None else None, numeric)
    value, _null = reader.literal()
    if not reader.at_end():
        raise reader.error(_("unexpected {text!r} after the value").format(
                               text=text[reader.pos:]),
                           _("this cell holds one value"))
    return value


def parse_literal_list(text: str, words: Iterable[str] | None = None,
                       numeric: bool = False) -> list[Value]:
    """A comma list of literals: the allowed values of a string, or a collect table's answer."""
    text = normalise_text(text)
    _refuse_decimal_comma(text, numeric)
    if not text:
        return []
    reader = _Reader(text, tuple(words) if words is not None else None, numeric)
    out: list[Value] = []
    while True:
        value, _null = reader.literal()
        out.append(value)
        if not reader.take(","):
            break
    if not reader.at_end():
        raise reader.error(_("unexpected {text!r}").format(text=visible(text[reader.pos:])),
                           _("separate values with commas"))
    return out


# one comparison, alone in the cell (or alone inside not(...)), with a decimal comma: `< 2,1`
_COMPARISON_COMMA = re.compile(r"(not\(\s*)?(<=|>=|<|>)\s*(-?\d+),(\d+)(\s*\))?")


def _comparison_comma(text: str) -> str:
    """`< 2,1` is 2.1: a comparison holds one number, so its comma cannot separate a list.
    Anything else with a comma between digits stays ambiguous (`_refuse_decimal_comma`)."""
    m = _COMPARISON_COMMA.fullmatch(text)
    if m is None or bool(m.group(1)) != bool(m.group(5)):
        return text
    return f"{m.group(1) or ''}{m.group(2)} {m.group(3)}.{m.group(4)}{')' if m.group(5) else ''}"


def _refuse_decimal_comma(text: str, numeric: bool) -> None:
    """`2,5` in a number column is a decimal comma or a list of two: never guess which."""
    if not numeric:
        return
    m = _AMBIGUOUS_COMMA.search(re.sub(r'"[^"]*"', lambda q: " " * len(q.group(0)), text))
    if m:
        raise SfeelError(_("a comma between digits is ambiguous: it may be a decimal "
                           "comma or a list"),
                         text, m.end(1),
                         _("write {decimal} for a decimal number, or {items} (with a space) "
                           "for a list").format(decimal=f"{m.group(1)}.{m.group(2)}",
                                                items=f"{m.group(1)}, {m.group(2)}"))


def literal_text(value: Value) -> str:
    """The S-FEEL spelling of a value: the inverse of `parse_literal`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.date):
        return f'date("{value.isoformat()}")'
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
