"""Whether a FHIRPath expression parses, and calls only functions the evaluator has.

A small recogniser of fhirpathpy's own grammar (`fhirpathpy/parser/FHIRPath.g4`, the
official one), written out so that checking a workbook needs no ANTLR (~80 ms of imports and
~4 ms an expression for `guideline check` of every workbook with a FHIR sheet). It accepts
exactly what the generated ANTLR parser accepts with every error kept (fhirpathpy's own
`parse` recovers from syntax errors silently: `Condition.where(` compiles and fails only when
run): the lexer takes the longest token at each place, a keyword before an identifier of the
same length, as ANTLR's lexer does; the parser reads `prefix* term suffix* (operator …)*`,
the language the grammar's precedence levels describe. The functions called are then looked
up in a copy of fhirpathpy's table of functions and their numbers of arguments, so that a
typo (`exist()`) is found when the workbook is checked, not at a patient's bedside.
`tests/test_fhirpath_syntax.py` holds both to the ANTLR parser and fhirpathpy's table.
"""

from __future__ import annotations

import re

from ..core.i18n import _

# the grammar's literal tokens, in the grammar's order (ANTLR's T__0 … T__53): on a tie in
# length a literal wins over IDENTIFIER, so `div`, `true` and `day` are never names
LITERALS = (".", "[", "]", "+", "-", "*", "/", "div", "mod", "&", "|", "<=", "<", ">", ">=",
            "is", "as", "=", "~", "!=", "!~", "in", "contains", "and", "or", "xor", "implies",
            "(", ")", "{", "}", "true", "false", "%", "$this", "$index", "$total", ",",
            "year", "month", "week", "day", "hour", "minute", "second", "millisecond",
            "years", "months", "weeks", "days", "hours", "minutes", "seconds", "milliseconds")
_BY_FIRST: dict[str, list[str]] = {}
for _word in LITERALS:
    _BY_FIRST.setdefault(_word[0], []).append(_word)
_TIMEFORMAT = r"[0-9]{2}(?::[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?(?:Z|[+-][0-9]{2}:[0-9]{2})?"
DATETIME = re.compile(rf"@[0-9]{{4}}(?:-[0-9]{{2}}(?:-[0-9]{{2}}(?:T{_TIMEFORMAT})?)?)?Z?")
TIME = re.compile(rf"@T{_TIMEFORMAT}")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
DELIMITED = re.compile(r"`(?:\\(?:[`'\\/fnrt]|u[0-9a-fA-F]{4})|[^\\`])*`")
NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
RULES = {"@": (("DATETIME", DATETIME), ("TIME", TIME)), "`": (("DELIMITED", DELIMITED),),
         "": (("IDENTIFIER", IDENTIFIER), ("NUMBER", NUMBER))}
HIDDEN = re.compile(r"[ \r\n\t]+|/\*.*?\*/|//[^\r\n]*", re.S)

NAMES = frozenset({"IDENTIFIER", "DELIMITED", "as", "is", "contains", "in"})  # `identifier`
UNITS = frozenset(LITERALS[LITERALS.index("year"):]) | {"STRING"}
BINARY = frozenset({"*", "/", "div", "mod", "+", "-", "&", "|", "<=", "<", ">", ">=", "=",
                    "~", "!=", "!~", "in", "contains", "and", "or", "xor", "implies"})
SPECIAL = frozenset({"$this", "$index", "$total"})
LITERAL_TERMS = frozenset({"true", "false", "STRING", "DATETIME", "TIME"})

# fhirpathpy 2.2's functions with the numbers of arguments each takes (its
# `invocation_registry`; tests/test_fhirpath_syntax.py fails when the installed one differs)
FUNCTIONS: dict[str, tuple[int, ...]] = {
    "empty": (), "not": (), "exists": (0, 1), "all": (1,), "union": (1,), "exclude": (1,),
    "allTrue": (), "anyTrue": (), "allFalse": (), "anyFalse": (), "subsetOf": (1,),
    "supersetOf": (1,), "isDistinct": (), "distinct": (), "count": (), "repeat": (1,),
    "where": (1,), "extension": (1,), "select": (1,), "single": (), "first": (), "last": (),
    "ofType": (1,), "type": (0,), "is": (1,), "as": (1,), "tail": (), "take": (1,),
    "skip": (1,), "intersect": (1,), "combine": (1,), "coalesce": (), "iif": (2, 3),
    "trace": (0, 1), "toInteger": (), "toBoolean": (), "toDecimal": (), "toString": (),
    "toDate": (), "toDateTime": (), "toTime": (), "toQuantity": (0, 1), "indexOf": (1,),
    "substring": (1, 2), "startsWith": (1,), "endsWith": (1,), "contains": (1,),
    "upper": (0,), "lower": (0,), "replace": (2,), "matches": (1,), "replaceMatches": (2,),
    "length": (), "toChars": (), "join": (0, 1), "split": (1,), "trim": (), "encode": (1,),
    "decode": (1,), "abs": (), "ceiling": (), "exp": (), "floor": (), "ln": (), "log": (1,),
    "power": (1,), "round": (1,), "sqrt": (), "truncate": (), "now": (), "today": (),
    "timeOfDay": (), "children": (), "descendants": (), "|": (2,), "=": (2,), "!=": (2,),
    "~": (2,), "!~": (2,), "<": (2,), ">": (2,), "<=": (2,), ">=": (2,), "containsOp": (2,),
    "inOp": (2,), "isOp": (2,), "asOp": (2,), "&": (2,), "+": (2,), "-": (2,), "*": (2,),
    "/": (2,), "mod": (2,), "div": (2,), "or": (2,), "and": (2,), "xor": (2,),
    "implies": (2,), "avg": (), "sum": (), "min": (), "max": (), "aggregate": (1, 2),
    "convertsToBoolean": (), "convertsToInteger": (), "convertsToDecimal": (),
    "convertsToString": (), "convertsToDate": (), "convertsToDateTime": (),
    "convertsToTime": (), "convertsToQuantity": (),
}


class Token:
    """`kind` is the literal itself (`div`, `(`), or DATETIME, TIME, IDENTIFIER, DELIMITED,
    STRING, NUMBER; EOF at the end. `at`: its first character, from 0. (A plain class: a
    dataclass costs a millisecond at import, on every `guideline check`.)"""

    __slots__ = ("kind", "text", "at")

    def __init__(self, kind: str, text: str, at: int) -> None:
        self.kind, self.text, self.at = kind, text, at


class _Stop(Exception):
    def __init__(self, at: int, why: str) -> None:
        super().__init__(why)
        self.at, self.why = at, why


def problems(text: str) -> list[str]:
    """What is wrong with the expression, in words; empty when it parses and every function
    it calls exists with that many arguments."""
    tokens, bad = _tokens(text)
    calls: list[tuple[int, str, int]] = []
    try:
        _parse(tokens, calls)
        stop = None
    except _Stop as exc:
        stop = exc
    if bad is not None and (stop is None or bad.at <= stop.at):
        stop = bad
    if stop is not None:
        return [_("at character {pos}: {msg}").format(pos=stop.at + 1, msg=stop.why)]
    # fhirpathpy's tree lists a call before the calls inside it, the last one first
    return [p for _end, name, count in sorted(calls, reverse=True) if (p := _unknown(name, count))]


def _unknown(name: str, count: int) -> str:
    arity = FUNCTIONS.get(name)
    if arity is None:
        return _("{name}() is not a FHIRPath function the evaluator knows").format(name=name)
    if (count == 0 and (not arity or 0 in arity)) or count in arity:
        return ""
    return _("{name}() takes {counts} argument(s), not {count}").format(
        name=name, counts=" or ".join(str(n) for n in arity) or "0", count=count)


def _tokens(text: str) -> tuple[list[Token], _Stop | None]:
    """The tokens ANTLR's lexer makes of the text, and its first character no token starts
    with (which that lexer reports and skips)."""
    found: list[Token] = []
    bad: _Stop | None = None
    i, end = 0, len(text)
    while i < end:
        hidden = HIDDEN.match(text, i)
        if hidden:
            i = hidden.end()
            continue
        token = _longest(text, i)
        if token is None:
            if bad is None:
                bad = _Stop(i, _unlexed(text[i]))
            i += 1
            continue
        found.append(token)
        i += len(token.text)
    found.append(Token("EOF", "", end))
    return found, bad


def _longest(text: str, i: int) -> Token | None:
    """The longest token at `i`; of two as long, the rule the grammar names first."""
    best: Token | None = None
    for word in _BY_FIRST.get(text[i], ()):
        if text.startswith(word, i) and (best is None or len(word) > len(best.text)):
            best = Token(word, word, i)
    for kind, length in _matches(text, i):
        if length and (best is None or length > len(best.text)):
            best = Token(kind, text[i:i + length], i)
    return best


def _matches(text: str, i: int) -> list[tuple[str, int]]:
    first = text[i]
    if first == "'":
        return [("STRING", _string(text, i))]
    found = []
    # each optional part of a date or time starts with another character than what may
    # follow it, so the greedy match of these patterns is the longest one
    for kind, pattern in RULES.get(first, RULES[""]):
        match = pattern.match(text, i)
        if match:
            found.append((kind, match.end() - i))
    return found


def _string(text: str, i: int) -> int:
    """STRING is `'` (ESC | ~['])* `'`: a quote inside must follow a backslash (`\\'`); the
    longest such prefix."""
    length = 0
    for k in range(i + 1, len(text)):
        if text[k] == "'":
            length = k + 1 - i
            if k == i + 1 or text[k - 1] != "\\":
                break
    return length


def _unlexed(char: str) -> str:
    if char in "'`":
        return _("the quote {char} is not closed").format(char=char)
    return _("{char!r} is not part of FHIRPath").format(char=char)


def _parse(tokens: list[Token], calls: list[tuple[int, str, int]]) -> None:
    """`expression: prefix* term suffix* (operator prefix* term suffix*)*` with the grammar's
    terms, left to right with one token of look-ahead (two in a type's dotted name). The open
    brackets are kept on a list rather than on Python's stack: no depth is too deep."""
    open_: list[_Open] = []
    pos, unit = 0, True  # unit: a term is expected (at the start, after an operator, `(`, …)
    while True:
        kind = tokens[pos].kind
        if unit:
            while kind in ("+", "-"):
                pos += 1
                kind = tokens[pos].kind
            pos, unit = _term(tokens, pos, open_)
        elif kind == ".":
            pos, unit = _invocation(tokens, pos + 1, open_)
        elif kind == "[":
            open_.append(_Open("]"))
            pos, unit = pos + 1, True
        elif kind in ("is", "as"):
            pos = _type_name(tokens, pos + 1)
        elif kind in BINARY:
            pos, unit = pos + 1, True
        elif kind == "," and open_ and open_[-1].name is not None:
            open_[-1].count += 1
            pos, unit = pos + 1, True
        elif open_ and kind == open_[-1].closer:
            done = open_.pop()
            if done.name is not None:
                calls.append((tokens[pos].at, done.name, done.count))
            pos += 1
        elif kind == "EOF" and not open_:
            return
        else:
            raise _fail(tokens[pos])


class _Open:
    """An open bracket: a bracketed term or an index, or a call and its arguments so far."""

    __slots__ = ("closer", "name", "count")

    def __init__(self, closer: str, name: str | None = None, count: int = 0) -> None:
        self.closer, self.name, self.count = closer, name, count


def _term(tokens: list[Token], pos: int, open_: list[_Open]) -> tuple[int, bool]:
    """Past one term (or into its bracket); whether a term is expected next."""
    kind = tokens[pos].kind
    if kind in NAMES or kind in SPECIAL:
        return _invocation(tokens, pos, open_)
    if kind in LITERAL_TERMS:
        return pos + 1, False
    if kind == "NUMBER":  # with a unit, a quantity: 4 days, 10 'mg'
        return pos + (2 if tokens[pos + 1].kind in UNITS else 1), False
    if kind == "(":
        open_.append(_Open(")"))
        return pos + 1, True
    after = tokens[pos + 1] if kind in ("{", "%") else tokens[pos]
    if (kind == "{" and after.kind == "}") or (kind == "%" and (
            after.kind in NAMES or after.kind == "STRING")):
        return pos + 2, False
    raise _fail(after)


def _invocation(tokens: list[Token], pos: int, open_: list[_Open]) -> tuple[int, bool]:
    """A name, `$this`, or a call: past the name, or into the call's brackets."""
    kind = tokens[pos].kind
    if kind in SPECIAL:
        return pos + 1, False
    if kind not in NAMES:
        raise _fail(tokens[pos])
    if tokens[pos + 1].kind != "(":
        return pos + 1, False
    call = _Open(")", tokens[pos].text)
    open_.append(call)
    if tokens[pos + 2].kind == ")":
        return pos + 2, False  # no arguments: the `)` closes it next
    call.count = 1
    return pos + 2, True


def _type_name(tokens: list[Token], pos: int) -> int:
    """`identifier ('.' identifier)*`; a `.name(` after it is a call on the result."""
    if tokens[pos].kind not in NAMES:
        raise _fail(tokens[pos])
    pos += 1
    while (tokens[pos].kind == "." and tokens[pos + 1].kind in NAMES
           and tokens[pos + 2].kind != "("):
        pos += 2
    return pos


def _fail(token: Token) -> _Stop:
    if token.kind == "EOF":
        return _Stop(token.at, _("the expression ends too early"))
    return _Stop(token.at, _("{token!r} cannot stand here").format(token=token.text))
