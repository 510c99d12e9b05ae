"""S-FEEL unary tests and literals: one table row per (cell text, value, expected match).

The expectations follow DMN 1.5 (S-FEEL unary tests), except where the format deliberately
differs: an unknown value (`None`) matches only `-` and `null` (also under `not(...)`).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import SfeelError
from engine.core.sfeel import literal_text, parse_literal, parse_literal_list, parse_unary

D = dt.date
WORDS = ("positive", "negative", "unknown_status")

# (cell text, value, matches?)
MATCH_ROWS: list[tuple[str, Any, bool]] = [
    # any
    ("-", 5, True), ("-", "x", True), ("-", None, True), ("-", False, True),
    # numbers: ints, decimals, negatives
    ("5", 5, True), ("5", 5.0, True), ("5", 6, False), ("5", None, False),
    ("2.5", 2.5, True), ("2.5", 2, False), (".5", 0.5, True),
    ("-3", -3, True), ("-3", 3, False), ("-0.25", -0.25, True),
    ("1e3", 1000, True),
    # strings
    ('"positive"', "positive", True), ('"positive"', "negative", False),
    ('"positive"', "Positive", False),  # case matters inside quotes
    ('"a,b"', "a,b", True),  # a comma inside quotes is text, not a list
    ('"say \\"hi\\""', 'say "hi"', True),
    # booleans
    ("true", True, True), ("true", False, False), ("false", False, True),
    ("true", None, False),
    # dates
    ('date("2026-01-31")', D(2026, 1, 31), True), ('date("2026-01-31")', D(2026, 2, 1), False),
    ('date( "2026-01-31" )', D(2026, 1, 31), True),
    # null
    ("null", None, True), ("null", 0, False), ("null", "", False), ("null", False, False),
    # comparisons
    ("< 5", 4.99, True), ("< 5", 5, False), ("<5", -100, True),
    ("<= 5", 5, True), ("<= 5", 5.01, False),
    ("> 5", 5, False), ("> 5", 5.01, True),
    (">= 5", 5, True), (">= 5", 4.99, False),
    ("< 5", None, False), (">= 5", None, False),
    ('< date("2025-01-01")', D(2024, 12, 31), True), ('< date("2025-01-01")', D(2025, 1, 1),
                                                       False),
    ('>= date("2025-01-01")', D(2025, 1, 1), True),
    ('> "m"', "n", True), ('> "m"', "a", False),  # strings order as text
    # intervals, every bracket form: [ ] closed; ( ) and outward ] [ open
    ("[1..5]", 1, True), ("[1..5]", 5, True), ("[1..5]", 0.99, False), ("[1..5]", 5.01, False),
    ("(1..5)", 1, False), ("(1..5)", 5, False), ("(1..5)", 3, True),
    ("]1..5[", 1, False), ("]1..5[", 5, False), ("]1..5[", 1.01, True),
    ("[1..5)", 1, True), ("[1..5)", 5, False),
    ("(1..5]", 1, False), ("(1..5]", 5, True),
    ("]1..5]", 1, False), ("]1..5]", 5, True),
    ("[1..5[", 1, True), ("[1..5[", 5, False), ("[1..5[", 4.999, True),
    ("[1 .. 5]", 3, True), ("[-5..-1]", -3, True), ("[-5..-1]", 0, False),
    ("[1..5]", None, False),
    ('[date("2026-01-01")..date("2026-12-31")]', D(2026, 12, 31), True),
    ('[date("2026-01-01")..date("2026-12-31")]', D(2027, 1, 1), False),
    # comma lists
    ('"positive", "negative"', "negative", True), ('"positive", "negative"', "x", False),
    ("1, 3, 5", 3, True), ("1, 3, 5", 2, False),
    ("< 0, [10..20], > 100", -1, True), ("< 0, [10..20], > 100", 15, True),
    ("< 0, [10..20], > 100", 50, False), ("< 0, [10..20], > 100", 101, True),
    ("[1..5],[7..9]", 8, True), ("[1..5],[7..9]", 6, False),
    ("1, null", None, True), ("1, null", 1, True), ("1, null", 2, False),
    # not(...)
    ("not(5)", 5, False), ("not(5)", 6, True),
    ('not("positive")', "negative", True), ('not("positive")', "positive", False),
    ('not("positive", "negative")', "unknown_status", True),
    ("not([1..5])", 3, False), ("not([1..5])", 6, True), ("not(< 5)", 5, True),
    ("not( 1 )", 1, False),
    ("not(null)", 3, True), ("not(null)", None, False),
    ("not(1, null)", None, False), ("not(1, null)", 2, True),
    # unknown: None matches only `-` and `null`, even under not(...)
    ("not(5)", None, False), ('not("positive")', None, False),
]


@pytest.mark.parametrize(("text", "value", "expected"), MATCH_ROWS)
def test_match(text: str, value: Any, expected: bool) -> None:
    assert parse_unary(text, words=WORDS).matches(value) is expected


# Text as spreadsheets and word processors write it: (cell text, what it means)
MESSY_ROWS: list[tuple[str, str]] = [
    ("\u201cpositive\u201d", '"positive"'),  # curly quotes
    ("\u201epositive\u201c", '"positive"'),  # German-style quotes
    ("\u00abpositive\u00bb", '"positive"'),  # guillemets
    ("positive", '"positive"'),  # a bare allowed word
    ("positive, negative", '"positive", "negative"'),
    ("not(positive)", 'not("positive")'),
    ("5 ", "5"), ("  5", "5"), ("5\u00a0", "5"), ("\u00a0>=\u00a05", ">= 5"),  # spaces, NBSP
    ("5\u202f", "5"), ("\u2007-", "-"),  # narrow and figure spaces
    ("\u22125", "-5"), ("< \u22122.5", "< -2.5"),  # unicode minus
    ("\u20135", "-5"), ("[\u20135..\u20131]", "[-5..-1]"), ("< \u20132", "< -2"),  # en dash sign
    ("\u2013", "-"), (" \u2013 ", "-"),  # an en dash alone: Excel's autocorrected "-"
    ("\u2265 5", ">= 5"), ("\u22645", "<= 5"),  # the symbols >= and <=
    ("2 ,5", "2, 5"), ("2, 5", "2, 5"),  # with a space a comma is a list, even in numbers
]


@pytest.mark.parametrize(("messy", "clean"), MESSY_ROWS)
def test_messy_text_is_read_as_written_cleanly(messy: str, clean: str) -> None:
    got = parse_unary(messy, words=WORDS, numeric=not any(w in clean for w in WORDS))
    want = parse_unary(clean, words=WORDS)
    assert (got.any, got.points, got.intervals, got.null, got.negated) == (
        want.any, want.points, want.intervals, want.null, want.negated)


def test_messy_literals() -> None:
    assert parse_literal("\u201cnegative\u201d") == "negative"
    assert parse_literal(" negative\u00a0", words=WORDS) == "negative"
    assert parse_literal("\u22121.5", numeric=True) == -1.5
    assert parse_literal("\u20134", numeric=True) == -4


# (cell text, numeric column?, position of the problem, a word the message or hint holds)
REJECTED_ROWS: list[tuple[str, bool, int, str]] = [
    ("[1..5", True, 5, "]"),  # unbalanced brackets
    ("(1..5", True, 5, "]"),
    ("[1..5]]", True, 6, "]"),
    ("not(1", True, 5, ")"),
    ("1)", True, 1, ")"),
    ("not(1))", True, 6, ")"),
    ("[1..]", True, 4, "]"),  # a range without its upper end
    ("[1...5]", True, 4, "two dots"),  # three dots: never [1..0.5]
    ("[1,5]", True, 2, "1.5"),  # the hint uses the cell's own number
    ('"abc', False, 0, 'closing "'),  # unclosed quote
    ('"a", "b', False, 5, 'closing "'),
    ("2,5", True, 1, "2.5"),  # decimal comma or list? never guess
    ("[1,5..2]", True, 2, "1.5"),
    ("1 2", True, 2, "commas"),
    ("1..5", True, 1, "commas"),
    ("<", True, 1, "missing"),
    ("> null", True, 6, "null"),
    ('date("2026-02-30")', False, 0, "calendar"),
    ("", True, 0, "-"),  # an empty cell: write -
    ('"a", "b",', False, 9, "missing"),
    ("TRUE", False, 0, "true or false"),  # text, not an Excel boolean cell
    ("positiv", False, 0, "positive"),  # unknown bare word: closest allowed value
    ("negatve", False, 0, "negative"),
]


@pytest.mark.parametrize(("text", "numeric", "pos", "hint"), REJECTED_ROWS)
def test_rejected(text: str, numeric: bool, pos: int, hint: str) -> None:
    words = WORDS if text.startswith(("positiv", "negatve")) else None
    with pytest.raises(SfeelError) as err:
        parse_unary(text, words=words, numeric=numeric)
    assert err.value.pos == pos
    assert hint in f"{err.value.message} {err.value.hint}"
    assert err.value.text == text.strip()  # the message quotes the cell


def test_unknown_word_hint_names_the_closest_allowed_value() -> None:
    with pytest.raises(SfeelError) as err:
        parse_unary("postive", words=WORDS)
    assert 'did you mean "positive"' in err.value.hint
    assert "negative" in err.value.hint  # and lists what is allowed
    with pytest.raises(SfeelError) as bare:
        parse_unary("yes")  # no word list: say how to write a value
    assert '"positive"' in bare.value.hint or "quotes" in bare.value.message


def test_decimal_comma_only_refused_in_number_columns() -> None:
    assert parse_unary("2,5").points == frozenset({2, 5})  # elsewhere a list of two
    assert parse_unary("2, 5", numeric=True).points == frozenset({2, 5})
    assert parse_unary('"2,5"', numeric=True).points == frozenset({"2,5"})  # inside quotes
    with pytest.raises(SfeelError):
        parse_literal("2,5", numeric=True)


def test_parsed_form_is_canonical() -> None:
    """`>= 5` and `[5..` are the same interval object; points keep their written order."""
    assert parse_unary(">= 5").intervals == parse_unary("≥ 5").intervals
    ge = parse_unary(">= 5").intervals[0]
    assert (ge.lo, ge.hi, ge.lo_closed, ge.hi_closed) == (5, None, True, False)
    assert parse_unary('"b", "a"').ordered_points == ("b", "a")
    assert parse_unary("-").any and not parse_unary("null").any
    assert list(parse_unary("[1..5], 7, < 0").literals()) == [7, 1, 5, 0]


def test_parse_literal_list() -> None:
    assert parse_literal_list('"a", "b", "a"') == ["a", "b", "a"]
    assert parse_literal_list("1, 2.5, null") == [1, 2.5, None]
    assert parse_literal_list("") == []
    with pytest.raises(SfeelError):
        parse_literal_list('"a" "b"')


ROUND_TRIP = [None, True, False, 0, 7, -3, 2.5, -0.125, 1e20, 1.5e-7, "", "positive",
              "with space", 'say "hi"', "back\\slash", "a,b", "ø æ å", "-", "null", "true",
              D(2026, 1, 31), D(1900, 2, 28)]


@pytest.mark.parametrize("value", ROUND_TRIP, ids=repr)
def test_literal_text_round_trips(value: Any) -> None:
    back = parse_literal(literal_text(value))
    assert back == value and type(back) is type(value)


@given(st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Zs", "Cc"),
                          exclude_characters="\u201c\u201d\u201e\u00ab\u00bb\u2212\u2264"
                                             "\u2265\u2013"), max_size=20)
    .filter(lambda t: unicodedata.normalize("NFC", t) == t),  # texts are kept composed (NFC)
    st.dates()))
def test_literal_text_round_trips_any_value(value: Any) -> None:
    assert parse_literal(literal_text(value)) == value


def test_unary_text_is_kept_normalised() -> None:
    assert parse_unary("\u2265\u00a05 ").text == ">= 5"


# -- issue 21, item 17: a comparison holds one number, so its comma is a decimal comma -------
@pytest.mark.parametrize(("text", "reads"), [
    ("< 2,1", "< 2.1"), ("<2,1", "< 2.1"), (">= 12,5", ">= 12.5"), ("<= -0,5", "<= -0.5"),
    ("not(> 2,1)", "not(> 2.1)"),
])
def test_a_decimal_comma_in_a_comparison_is_read_as_a_decimal(text: str, reads: str) -> None:
    assert parse_unary(text, numeric=True) == parse_unary(reads, numeric=True)
    assert parse_unary(text, numeric=True).text == reads  # what DMN export and dump write


@pytest.mark.parametrize(("text", "hint"), [
    ("2,5", "write 2.5 for a decimal number, or 2, 5"),
    ("12,75", "write 12.75 for a decimal number, or 12, 75"),
    ("[40..64,5]", "write 64.5"),
    ("< 2,1, 5", "write 2.1"),  # a list after all: which comma is which?
    ("not(< 3,7", "write 3.7"),
])
def test_an_ambiguous_comma_is_refused_with_the_cells_own_number(text: str, hint: str) -> None:
    with pytest.raises(SfeelError) as err:
        parse_unary(text, numeric=True)
    assert hint in err.value.hint
    assert text[err.value.pos] == ","
