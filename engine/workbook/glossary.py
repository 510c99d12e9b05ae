"""The glossary sheet: every variable, its type, its allowed values and its label."""

from __future__ import annotations

import re

from ..core.errors import SfeelError
from ..core.i18n import _
from ..core.model import Variable
from ..core.problems import Problems
from ..core.sfeel import (
    UnaryTest,
    Value,
    normalise_text,
    parse_unary,
)
from ..core.text import seen, visible
from ..domain.values import TYPE_WORDS, ValueProblem, check_test
from .layout import first_row, keyword
from .near import header_hint
from .xlsx import Sheet, cell_name

GLOSSARY_COLUMNS = {
    "name": "name", "navn": "name", "type": "type", "allowed values": "allowed",
    "tillatte verdier": "allowed", "label": "label", "etikett": "label",
    "description": "description", "beskrivelse": "description",
    "unknown allowed": "unknown", "kan være ukjent": "unknown",
}
YES_NO = {"yes": True, "ja": True, "true": True, "sann": True,  # SANN: Norwegian spreadsheets
          "no": False, "nei": False, "false": False, "usann": False}


NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")


# -- glossary -----------------------------------------------------------------------------
def read_glossary(sheet: Sheet, problems: Problems) -> dict[str, Variable]:
    header_row = first_row(sheet)
    columns: dict[str, int] = {}
    for col in range(1, sheet.max_col + 1):
        word = GLOSSARY_COLUMNS.get(keyword(sheet.get(header_row, col)))
        if word:
            columns[word] = col
        else:  # `Unknown-allowed` is not read: the whole workbook would be format v1
            header_hint(sheet, header_row, col, GLOSSARY_COLUMNS, _("the glossary"), problems,
                        frozenset({"label", "description"}))
    for needed in ("name", "type"):
        if needed not in columns:
            problems.add(
                "structure",
                _("the glossary has no '{needed}' column in its header row").format(
                    needed=needed.capitalize()
                ),
                cell_name(sheet.name, header_row, 1),
            )
    if "name" not in columns or "type" not in columns:
        return {}
    for r1, c1, r2, c2 in sheet.merged:
        if r2 > header_row and (r2 > r1 or c2 > c1):
            problems.add("structure", _("merged cells in the glossary: only the first cell of "
                                        "a merged range holds the value, so the others read "
                                        "as empty; unmerge them and fill every cell"),
                         cell_name(sheet.name, r1, c1))
    variables: dict[str, Variable] = {}
    for row in range(header_row + 1, sheet.max_row + 1):
        def text(word: str, r: int = row) -> str:
            col = columns.get(word)
            v = sheet.get(r, col) if col else None
            return normalise_text(str(v)) if v is not None else ""

        if not any(sheet.get(row, c) is not None for c in columns.values()):
            continue
        name_cell = cell_name(sheet.name, row, columns["name"])
        type_cell = cell_name(sheet.name, row, columns["type"])
        name, type_word = text("name"), text("type")
        if not NAME.match(name):
            problems.add("syntax", _("{name!r} is not a usable name: use letters, "
                                     "digits and _ (e.g. hormone_receptor_status)").format(
                                       name=name), name_cell)
            continue
        if name in variables:
            problems.add(
                "duplicate",
                _("the variable {name} is defined twice (also at {cell})").format(
                    name=name, cell=variables[name].cell
                ),
                name_cell,
            )
            continue
        vtype = TYPE_WORDS.get(type_word.casefold())
        if vtype is None:
            problems.add("type", _("unknown type {type_word!r} for {name}: use "
                                   "boolean, string, number, integer or date").format(
                                     type_word=type_word, name=name), type_cell)
            continue
        allowed_cell = cell_name(sheet.name, row, columns.get("allowed", columns["type"]))
        allowed, values = allowed_test(text("allowed"), vtype, name, allowed_cell, problems)
        unknown: bool | None = None  # no column: format v1, null accepted and not proven
        if "unknown" in columns:
            unknown = _yes_no(sheet.get(row, columns["unknown"]), name,
                              cell_name(sheet.name, row, columns["unknown"]), problems)
        variables[name] = Variable(name, vtype, allowed, values, text("label"),
                                   text("description"), name_cell, unknown)
    return variables


def _yes_no(raw: object, name: str, cell: str, problems: Problems) -> bool:
    """The `Unknown allowed` cell: yes/no, ja/nei, true/false (or a spreadsheet boolean);
    empty is no. Anything else is refused rather than guessed."""
    if raw is None or isinstance(raw, bool):
        return bool(raw)
    word = keyword(raw) if isinstance(raw, str) else ""
    if word in YES_NO:
        return YES_NO[word]
    problems.add("syntax", _("whether {name} may be unknown must be yes or no (ja/nei, "
                             "true/false, SANN/USANN, or empty for no), not {raw!r}").format(
                                 name=name, raw=raw), cell)
    return False


def allowed_test(text: str, vtype: str, name: str, cell: str,
             problems: Problems) -> tuple[UnaryTest | None, tuple[Value, ...]]:
    if vtype == "boolean":
        return None, (True, False)
    if not text:
        return None, ()
    if vtype == "string":
        values: list[str] = []
        skeletons: dict[str, str] = {}  # each value as seen -> the value
        for part in split_list(text):
            word = part.strip()
            if len(word) >= 2 and word[0] == word[-1] == '"':
                word = word[1:-1]
            if not word:
                problems.add("syntax", _("an empty value in the allowed values of "
                                         "{name}").format(name=name), cell)
                continue
            if word in values:
                problems.add("duplicate", _("{word!r} is listed twice for {name}").format(
                                              word=word, name=name), cell)
                continue
            twin = skeletons.setdefault(seen(word), word)
            if twin != word:  # "a" and "a\u200b": two codes no reader can tell apart
                problems.add("duplicate", _("{twin!r} and {word!r} in the allowed values of "
                                            "{name} look alike but differ in a character that "
                                            "cannot be seen; keep one, retyped").format(
                                              twin=visible(twin, 40, combining=True),
                                              word=visible(word, 40, combining=True),
                                              name=name), cell)
                continue
            values.append(word)
        return None, tuple(values)
    try:
        test = parse_unary(text, numeric=vtype != "date")
        check_test(test, Variable(name, vtype))
    except SfeelError as exc:
        problems.add("syntax", _("the allowed values of {name} cannot be read: {exc}").format(
                                   name=name, exc=exc.describe()),
                     cell)
        return None, ()
    except ValueProblem as exc:
        problems.add(exc.kind, _("the allowed values of {name}: {message}").format(
                                   name=name, message=exc.message), cell)
        return None, ()
    return test, ()


def split_list(text: str) -> list[str]:
    parts, current, quoted = [], "", False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts
