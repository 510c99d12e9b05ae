"""Typed values: what a cell or a case may hold for a variable, and why not when it may not."""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import math
import numbers
import re
from difflib import get_close_matches
from typing import Any

from ..core.i18n import N_, _, language
from ..core.model import Variable
from ..core.sfeel import UnaryTest, Value, literal_text
from ..core.text import MAX_TEXT, candidates, listed, looks_like, nfc, safe_str, visible

EXACT = 2**53  # beyond this a float has gaps: a larger whole number is refused, not rounded

TYPE_WORDS = {
    "boolean": "boolean", "bool": "boolean", "boolsk": "boolean", "sannhetsverdi": "boolean",
    "string": "string", "text": "string", "tekst": "string",
    "number": "number", "tall": "number", "desimaltall": "number",
    "integer": "integer", "heltall": "integer",
    "date": "date", "dato": "date",
}

TYPE_NAMES = {  # said in a sentence: "{name} must be {type}"
    "boolean": N_("true or false"),  # (a cell also takes ja/nei: cells.bool_text says so)
    "string": N_("a text value"), "number": N_("a number"),
    "integer": N_("a whole number"), "date": N_("a date"),
}


class ValueProblem(Exception):
    """A value does not fit its variable; `kind` is `type` or `domain`."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def closest(word: str, choices: tuple[Value, ...]) -> str:
    """The hint for a text that is not allowed: the closest value (difflib, on a sane number
    of candidates and texts of a sane length), and the allowed values, listed bounded."""
    return _closest(str(word), choices, language())


@functools.lru_cache(maxsize=4096)  # a value mistyped the same way in many cells: once
def _closest(word: str, choices: tuple[Value, ...], lang: str) -> str:
    texts = [str(c) for c in choices]
    word = str(word)
    match = get_close_matches(word, candidates(word, texts), n=1, cutoff=0.4) \
        if len(word) <= 200 else []
    shown = listed([literal_text(c) for c in choices])
    if match and looks_like(word, match[0]):  # the difference cannot be seen: show it
        return _('it looks like "{match}" but is written "{written}"; retype it. Allowed: '
                 '{listed}').format(match=match[0], written=visible(word, combining=True),
                                    listed=shown)
    if match:
        return _('did you mean "{match}"? Allowed: {listed}').format(
                   match=match[0], listed=shown)
    return _("allowed: {listed}").format(listed=shown)


def shown_text(value: str) -> str:
    """A text as a message quotes it: invisible characters written out, a long one cut."""
    return visible(literal_text(value))


def conform(value: Any, var: Variable, from_text: bool = False) -> Value:
    """The value as the variable's type, or a `ValueProblem` saying what was expected."""
    if value is None:
        return None
    t = var.type
    if type(value) is str and t == "string" and value in var.value_set:
        return value  # the common case, kept fast
    if hasattr(value, "dtype") or type(value).__name__ == "NaTType":
        value = _from_numpy(value, var)  # numpy and pandas values: plain first, or refused
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise ValueProblem("type", _("the value given for {name} is {n:,} characters long; "
                                         "at most {most:,} are read").format(
                                           name=var.name, n=len(value), most=MAX_TEXT))
        value = nfc(value)
    if isinstance(value, decimal.Decimal) and t in ("number", "integer"):
        value = _from_decimal(value, var)
    if type(value) is bool and t == "boolean":
        return value
    if t == "boolean":
        if isinstance(value, bool):
            return value
        if hasattr(value, "dtype") and str(getattr(value, "dtype", "")) == "bool":
            return bool(value)
        raise _wrong(value, var)
    if t == "string":
        if not isinstance(value, str):
            raise _wrong(value, var)
        if var.values and value not in var.value_set:
            raise ValueProblem("domain", _("{literal_text} is not an allowed value of "
                                           "{name} ({closest}); a new value is added to "
                                           "the allowed values in the glossary first").format(
                                             literal_text=shown_text(value), name=_who(var),
                                             closest=closest(value, var.values)))
        return value
    if t in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise _wrong(value, var)
        number: Value = value.item() if hasattr(value, "item") else value  # numpy: plain first
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            number = float(number)
        if isinstance(number, float) and math.isnan(number):
            raise ValueProblem("type", _("{name} is NaN (not a number): give a number "
                                         "or null").format(name=_who(var)))
        if isinstance(number, float) and math.isinf(number):
            raise ValueProblem("type", _("{name} is infinite: give a finite number").format(
                                           name=_who(var)))
        if t == "integer":
            if not (isinstance(number, int) or number.is_integer()):
                raise ValueProblem("type", _("{name} must be a whole number, not "
                                             "{number}").format(name=_who(var), number=number))
            if isinstance(number, float) and abs(number) >= EXACT:  # 2**53 + 1 became 2**53
                raise ValueProblem("type", _("{name} is {number!r}, a floating-point number "
                                             "at or past 2**53 = {exact:,}, which stands for "
                                             "any of "
                                             "several whole numbers: give the whole number "
                                             "itself (below 2**53)").format(
                                               name=var.name, number=number, exact=EXACT))
            number = int(number)
        if isinstance(number, int) and abs(number) > EXACT and t == "number" \
                and number.bit_length() <= 1023:
            number = float(number)  # a number, not a count: as a float, as a frame has it
        if isinstance(number, int) and abs(number) > EXACT:
            raise ValueProblem("type", _("{name} is {number}, beyond the {exact:,} (2**53) up "
                                         "to which every whole number is exact: give a smaller "
                                         "number").format(name=var.name,
                                                          number=safe_str(number), exact=EXACT))
        _in_domain(number, var)
        return number
    if t == "date":
        if isinstance(value, dt.datetime):
            if value.time() != dt.time(0):
                raise ValueProblem("type", _("{name} is a date; {value} has a time of "
                                             "day").format(name=_who(var), value=value))
            value = value.date()
        elif isinstance(value, str):
            try:  # exactly YYYY-MM-DD, as documented and as the schema says (not 20260131)
                if not re.fullmatch(r"\d{4}-\d\d-\d\d", value):
                    raise ValueError(value)
                value = dt.date.fromisoformat(value)
            except ValueError:
                raise ValueProblem("type", _("{name} must be a date written "
                                             "YYYY-MM-DD, not {value!r}").format(
                                               name=_who(var), value=value)) from None
        if not isinstance(value, dt.date):
            raise _wrong(value, var)
        _in_domain(value, var)
        return value
    raise ValueProblem("type", _("{name} has an unknown type {t!r}").format(  # pragma: no cover
        name=_who(var), t=t))


def _in_domain(value: Value, var: Variable) -> None:
    if var.allowed is not None and not var.allowed.matches(value):
        raise ValueProblem("domain", _("{literal_text} is outside the allowed values "
                                       "of {name} ({text})").format(
                                         literal_text=literal_text(value), name=_who(var),
                                         text=var.allowed.text))


def _who(var: Variable) -> str:
    """The variable as a person and a program both recognise it: its label, and its name."""
    return f"{var.label} ({var.name})" if var.label else var.name


# Words that mean true / false in a boolean cell: English, Norwegian, any case.
BOOLEAN_WORDS = {"true": True, "false": False, "ja": True, "nei": False, "sann": True,
                 "usann": False}


def _wrong(value: Any, var: Variable) -> ValueProblem:
    if hasattr(value, "item") and hasattr(value, "dtype"):  # a numpy scalar: say it plainly
        value = value.item()
    if var.type == "boolean" and isinstance(value, str) and \
            value.strip().casefold() in BOOLEAN_WORDS:
        return ValueProblem("type", _("{name} is true or false, and a word in quotes is text: "
                                      "write true or false without quotes").format(
                                        name=_who(var)))
    if var.type in ("number", "integer") and isinstance(value, dt.date):
        low, high = sorted((value.day, value.month))
        return ValueProblem("type", _("{name} is a number, but the cell holds the date {date}: "
                                      "Excel may have turned {low}-{high} into a date; write "
                                      "[{low}..{high}] (in a cell formatted as text)").format(
                                        name=_who(var), date=value.isoformat(), low=low,
                                        high=high))
    if isinstance(value, dt.time):  # a time-of-day cell: said as Excel shows it
        return ValueProblem("type", _("{name} must be {type_names}, not the time of day "
                                      "{time}").format(name=_who(var),
                                                       type_names=TYPE_NAMES[var.type],
                                                       time=value.isoformat(timespec="minutes")))
    if isinstance(value, str):
        shown = shown_text(value)
    elif isinstance(value, (bool, float, dt.date)):
        shown = literal_text(value)
    else:
        shown = safe_str(value)
    return ValueProblem("type", _("{name} must be {type_names}, not {shown}").format(
                                    name=_who(var), type_names=_(TYPE_NAMES[var.type]),
                                    shown=shown))


def _from_numpy(value: Any, var: Variable) -> Any:
    """A numpy or pandas value as the plain one it stands for: a datetime64 as a datetime, a
    one-element array's value; NaT, a duration or an array of several values refused."""
    kind = getattr(getattr(value, "dtype", None), "kind", "")
    if type(value).__name__ == "NaTType" or (kind in "mM" and value != value):
        raise ValueProblem("type", _("{name} is NaT (not a time): give a value, or null when "
                                     "unknown").format(name=_who(var)))
    if type(value).__name__ == "ndarray" and value.ndim == 0:
        return _from_numpy(value.item(), var) if hasattr(value.item(), "dtype") else value.item()
    if getattr(value, "ndim", 0) != 0:
        raise ValueProblem("type", _("{name} must be {type_names}, not an array of {n:,} "
                                     "values").format(name=_who(var),
                                                      type_names=TYPE_NAMES[var.type],
                                                      n=getattr(value, "size", 0)))
    if kind == "m":
        raise ValueProblem("type", _("{name} must be {type_names}, not the duration "
                                     "{value}").format(name=_who(var),
                                                       type_names=TYPE_NAMES[var.type],
                                                       value=value.item()))
    if kind == "M":
        return value.astype("datetime64[us]").item()  # a datetime (a date at midnight)
    return value


def _from_decimal(value: decimal.Decimal, var: Variable) -> Value:
    """A Decimal (Python API, Parquet decimal columns) as the int or float it stands for."""
    if not value.is_finite():
        raise ValueProblem("type", _("{name} is {value} (not a finite number)").format(
                                     name=var.name, value=value))
    if abs(value) > EXACT:
        if var.type == "number" and abs(value) < decimal.Decimal("1e300"):
            return float(value)
        raise ValueProblem("type", _("{name} is {number}, beyond the {exact:,} (2**53) up to "
                                     "which every whole number is exact: give a smaller "
                                     "number").format(name=var.name, number=safe_str(str(value)),
                                                      exact=EXACT))
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def check_test(test: UnaryTest, var: Variable) -> None:
    """Every literal in an input cell must be of the column's type; named texts must be allowed."""
    for value in test.literals():
        if var.type == "number" or var.type == "integer":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise _wrong(value, var)
        elif var.type == "date":
            if not isinstance(value, dt.date):
                raise _wrong(value, var)
        elif var.type == "boolean":
            if not isinstance(value, bool):
                raise _wrong(value, var)
            if test.intervals:  # FEEL has no order on booleans: `< true` means nothing
                raise ValueProblem("type", _("{name} is true or false, which have no "
                                             "order: write true, false or -").format(
                                               name=_who(var)))
        elif not isinstance(value, str):
            raise _wrong(value, var)
        elif test.intervals and not var.values:  # which texts lie between is no clinical fact
            raise ValueProblem("type", _("{name} is free text: compare it with values "
                                         '(e.g. "x", "y"), not with < > or ranges').format(
                                           name=_who(var)))
    for value in test.ordered_points:
        conform(value, var)
