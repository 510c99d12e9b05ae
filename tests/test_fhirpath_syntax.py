"""The FHIR sheet's FHIRPath check (engine/workbook/fhirpath_syntax.py) refuses exactly what
fhirpathpy's ANTLR parser refuses (tests/fhirpath_antlr.py, the check it replaced so that
`guideline check` imports no ANTLR), and finds the same unknown functions, word for word."""

from __future__ import annotations

import sys
from pathlib import Path

import fhirpath_antlr
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.workbook.fhirpath_syntax import FUNCTIONS, problems

ROOT = Path(__file__).resolve().parent.parent

ATOMS = ["a", "Patient", "code", "`x y`", "`where`", "'s'", "'a\\'b'", "'a\\\\'b'", "''", "1",
         "2.5", "0", "@2020", "@2020-01", "@2020-01-02", "@2020-01-02T10:00:00.5+01:00",
         "@2020-01-02T10ZZ", "@T10", "@T10:30Z", "true", "false", "{}", "{ }", "$this",
         "$index", "$total", "%resource", "%'k'", "%in", "in", "is", "as", "contains",
         "5 days", "4 'mg'", "3 year", "/* c */ a", "a // c\n"]
FUNCS = ["where", "exists", "exist", "first", "iif", "round", "coalesce", "ofType", "as", "is",
         "contains", "foo", "containsOp", "`where`", "in", "trace", "substring", "today"]
MEMBERS = ["b", "value", "`q`", "$this", "day", "in", "is", "div", "true", "1"]
BINARY = ["*", "/", "div", "mod", "+", "-", "&", "|", "<=", "<", ">", ">=", "=", "~", "!=", "!~",
          "in", "contains", "and", "or", "xor", "implies"]
TYPES = ["T", "FHIR.Quantity", "System.String", "in", "T.x", "(T)"]
# characters and pieces that break an expression, for mutations and raw texts
PIECES = [*"ab.()[]'`\\@TZ01:-+*/|&<>=!~,%${} \n\t#\"ø\f", "/*", "*/", "//", "div", "is", "in",
          "$this", "days", "\\u00e9", "\\x"]


def _call(parts: tuple[str, str, list[str]]) -> str:
    on, name, args = parts
    return f"{on}{name}({', '.join(args)})"


EXPRESSIONS = st.recursive(
    st.sampled_from(ATOMS),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(BINARY), inner).map(" ".join),
        st.tuples(inner, st.sampled_from(MEMBERS)).map(".".join),
        st.tuples(st.one_of(st.just(""), inner.map(lambda e: e + ".")),
                  st.sampled_from(FUNCS), st.lists(inner, max_size=3)).map(_call),
        st.tuples(inner, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
        st.tuples(st.sampled_from(["-", "+", "- -"]), inner).map("".join),
        st.tuples(inner, st.sampled_from(["is", "as"]), st.sampled_from(TYPES)).map(" ".join),
        inner.map(lambda e: f"({e})")),
    max_leaves=10)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A grammatical expression with a few pieces inserted, deleted or cut out."""
    text = draw(EXPRESSIONS)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        how = draw(st.sampled_from(["insert", "delete", "cut"]))
        if how == "insert":
            text = text[:at] + draw(st.sampled_from(PIECES)) + text[at:]
        elif how == "delete":
            text = text[:at] + text[at + 1:]
        else:
            end = draw(st.integers(at, len(text)))
            text = text[:at] + text[end:]
    return text


def _agree(text: str) -> None:
    old, new = fhirpath_antlr.problems(text), problems(text)
    syntax_old = bool(old) and old[0].startswith("at character")
    syntax_new = bool(new) and new[0].startswith("at character")
    assert syntax_new == syntax_old, (text, old, new)
    if not syntax_old:
        assert new == old, text  # the same functions, in the same order, in the same words


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS)
def test_grammatical_expressions_agree_with_antlr(text: str) -> None:
    _agree(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_broken_expressions_agree_with_antlr(text: str) -> None:
    _agree(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
def test_any_text_agrees_with_antlr(text: str) -> None:
    _agree(text)


@pytest.mark.parametrize("text", [
    "Condition.code.coding.where(system = 'http://x').code", "a is T.x(1)", "a is T.x",
    "1.abs()", "5 'mg'", "5 days", "'a\\\\'b'", "in in in", "is is is", "contains contains c",
    "%`x`", "-a is T", "{}", "a // x", "a /* c */ + b", "x.as(Quantity)", "$this", "1.5.abs()",
    "@2020-01-01T10:00Z", "@T10:00", "f(a).g(b).h()", "`where`(a)", "a.round()",
    "coalesce(a, b)", "iif(a, b)", "iif(a)", "a.where(b.exists(c.foo()))", "containsOp(a, b)",
    "x.day", "@2020T", "'abc", "`abc", "#", "a ø", "@T1", "a and", "(a", "a)", "a[]", "1..2",
    "a /* b", "$thisx", "f(,)", "f(a,)", "(a, b)", "a[b)", "%", "%1", "{", "a is", "a is 1",
    "Condition.where(code", "Condition.exist()", "a\u00a0b", "'\\'", "''''",
])
def test_known_cases_agree_with_antlr(text: str) -> None:
    _agree(text)


@pytest.mark.parametrize("text, words", [
    ("Condition.where(code", "at character 21: the expression ends too early"),
    ("a ø", "at character 3: 'ø' is not part of FHIRPath"),
    ("a = 'abc", "at character 5: the quote ' is not closed"),
    ("x.day", "at character 3: 'day' cannot stand here"),
    ("a\n  or )", "at character 8: ')' cannot stand here"),  # counted over lines
])
def test_a_syntax_error_says_where_and_what(text: str, words: str) -> None:
    assert problems(text) == [words]


def test_no_depth_is_too_deep() -> None:
    """The open brackets are a list, not Python's stack (ANTLR's parser fails at ~500)."""
    assert problems("(" * 5000 + "a" + ")" * 5000) == []
    assert problems("a" + "[a" * 5000 + "]" * 5000) == []
    assert problems("where(" * 3000 + "a" + ")" * 3000) == []
    assert problems("(" * 5000 + "a" + ")" * 4999)[0].endswith("the expression ends too early")


def test_the_functions_are_fhirpathpys() -> None:
    """The copied table is the installed fhirpathpy's: an upgrade that adds or changes a
    function fails here, not at a patient's bedside."""
    from fhirpathpy.engine.invocations import invocation_registry

    theirs = {name: tuple(entry.get("arity", {})) for name, entry in invocation_registry.items()}
    assert theirs == FUNCTIONS


def test_every_fhirpath_written_in_the_repository_agrees() -> None:
    import engine

    model = engine.load(str(ROOT / "tables" / "nbcg-bisfosfonat.xlsx"), strict=False)
    sys.path.insert(0, str(ROOT / "tests"))
    from fhir_workbooks import FHIR_ROWS

    paths = [row.path for row in model.fhir] + [row[3] for row in FHIR_ROWS]
    assert len(paths) > 10
    for text in paths:
        assert problems(text) == [] == fhirpath_antlr.problems(text), text
