"""Reading one cell: what a committee may type in it, or the located problem when it cannot."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from ..core.errors import SfeelError
from ..core.i18n import _
from ..core.model import Variable
from ..core.problems import Problems
from ..core.sfeel import (
    UnaryTest,
    Value,
    literal_text,
    normalise_text,
    parse_literal,
    parse_unary,
)
from ..core.text import visible
from ..domain.values import BOOLEAN_WORDS, ValueProblem, check_test, conform
from .xlsx import Sheet, cell_name


def note_text(raw: Any) -> str:
    """Annotation text is kept as typed (quotes and all), only trimmed."""
    return str(raw).replace("\u00a0", " ").strip() if raw is not None else ""


def id_text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return normalise_text(str(raw))


def formula_problem(sheet: Sheet, row: int, col: int, problems: Problems,
                     decision: str | None, rule_id: str | None) -> bool:
    if (row, col) in sheet.formulas:
        problems.add(
            "formula",
            _(
                "this cell holds a formula ({get}) with no saved "
                "result: open and save the file in Excel or "
                "LibreOffice, or type the value"
            ).format(get=sheet.get(row, col)),
            cell_name(sheet.name, row, col),
            decision=decision,
            rules=(rule_id,) if rule_id else (),
        )
        return True
    return False


def cell_test(raw: Any, var: Variable) -> UnaryTest:
    """One input cell as a test: raises `SfeelError` or `ValueProblem`."""
    raw = bool_text(raw, var)
    if isinstance(raw, str):
        test = parse_unary(raw, **reading(var))
    else:
        value = native_value(raw)
        test = UnaryTest(points=frozenset({value}), text=literal_text(value),
                         ordered_points=(value,))
    check_test(test, var)
    return test


def cell_value(raw: Any, var: Variable) -> Value:
    """One output or expected cell as a value: raises `SfeelError` or `ValueProblem`."""
    raw = bool_text(raw, var)
    value = parse_literal(raw, **reading(var)) if isinstance(raw, str) else native_value(raw)
    return conform(value, var)


def reading(var: Variable) -> dict[str, Any]:
    """How a cell of this variable is read: its allowed words bare, numbers with a comma refused."""
    return {"words": var.values if var.type == "string" else None,
            "numeric": var.type in ("number", "integer")}


def bool_text(raw: Any, var: Variable) -> Any:
    """A boolean word typed as text in a boolean column (TRUE, ja, Nei, sann, usann): in such a
    column it can mean nothing else. Another bare word there gets a hint that says so."""
    if var.type == "boolean" and isinstance(raw, str):
        word = normalise_text(raw).casefold()
        if word in BOOLEAN_WORDS:
            return BOOLEAN_WORDS[word]
        parts = re.split(r'("[^"]*"?)', normalise_text(raw))  # words inside quotes are text
        for i in range(0, len(parts), 2):  # `not(ja)`, `ja, nei`: the words in a test too
            for bare in re.findall(r"[^\W\d_]+", parts[i]):
                if bare.casefold() not in (*BOOLEAN_WORDS, "null", "not"):
                    raise ValueProblem("syntax", _("{name} is yes or no: write ja or nei "
                                                   "(also true, false, sann, usann, or a "
                                                   "spreadsheet's TRUE/FALSE, SANN/USANN), or - "
                                                   "for either; {word!r} is not one of "
                                                   "them").format(
                                                     name=var.title(), word=visible(bare, 40)))
            parts[i] = re.sub(r"[^\W\d_]+", lambda m: _truth(m.group(0)), parts[i])
        return "".join(parts)
    return raw


def _truth(word: str) -> str:
    """A boolean word as S-FEEL writes it (`ja` is `true`); `not` and `null` as they are."""
    value = BOOLEAN_WORDS.get(word.casefold())
    return word.casefold() if value is None else "true" if value else "false"


def native_value(raw: Any) -> Value:
    if isinstance(raw, dt.datetime):
        return raw.date() if raw.time() == dt.time(0) else raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    return raw


def read_cell(read: Callable[[], Any], what: str, cell: str, problems: Problems,
               decision: str | None = None, rules: tuple[str, ...] = ()) -> Any:
    """Read one cell; what cannot be read becomes a finding at that cell, never an exception."""
    try:
        return read()
    except SfeelError as exc:
        problems.add("syntax", _("{what} cannot be read: {exc}").format(
                                   what=what, exc=exc.describe()), cell,
                     decision=decision, rules=rules)
    except ValueProblem as exc:
        problems.add(exc.kind, exc.message, cell, decision=decision, rules=rules)
    return None


def input_cell(sheet: Sheet, row: int, col: int, var: Variable, decision: str,
               rule_id: str, problems: Problems) -> UnaryTest | None:
    empty = _("rule {rule_id} has an empty condition for {title}: write - if any value will "
              "do")
    test: UnaryTest | None = _rule_cell(sheet, row, col, var, decision, rule_id, problems,
                                        empty, _("the condition for {title}"), cell_test)
    return test


def output_cell(sheet: Sheet, row: int, col: int, var: Variable, decision: str,
                rule_id: str, problems: Problems) -> Value:
    empty = _("rule {rule_id} gives no value for {title}: fill in the answer")
    value: Value = _rule_cell(sheet, row, col, var, decision, rule_id, problems, empty,
                              _("the answer for {title}"), cell_value)
    return value


def _rule_cell(sheet: Sheet, row: int, col: int, var: Variable, decision: str, rule_id: str,
               problems: Problems, empty: str, what: str,
               read: Callable[[Any, Variable], Any]) -> Any:
    """One cell of a rule, read or its problem located: an empty cell is never read as `-`."""
    cell = cell_name(sheet.name, row, col)
    if formula_problem(sheet, row, col, problems, decision, rule_id):
        return None
    raw = sheet.get(row, col)
    if raw is None:
        problems.add("empty", empty.format(rule_id=rule_id, title=var.title()), cell,
                     decision=decision, rules=(rule_id,))
        return None
    return read_cell(lambda: read(raw, var), what.format(title=var.title()), cell, problems,
                     decision, (rule_id,))
