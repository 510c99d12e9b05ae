"""Sheets that almost have a role, notes written in a table, the workbook's language.

A tests sheet renamed `Tester` used to be ignored like any other sheet, which turned every test
off without a word; a glossary renamed `Glosary` gave one error and an echo for every header.
Here a sheet whose name is close to a role keyword is an error naming the keyword (a warning
when the role already has its sheet), and the About row `language` / `språk` picks the language
of every message made after it (engine/core/i18n.py installs it).
"""

from __future__ import annotations

from difflib import SequenceMatcher

from ..core import i18n
from ..core.i18n import _
from ..core.model import Note
from ..core.problems import Problems
from ..core.sfeel import normalise_text
from ..core.text import visible
from .constraints import CONSTRAINTS
from .labels import SHEETS as VALUE_SHEETS
from .layout import ABOUT, GLOSSARY, TESTS, Header, keyword
from .questions import QUESTIONS
from .xlsx import Sheet, cell_name, read_sheets

# The spelling a hint shows for each role keyword (the keyword sets are lower case).
SHOWN = {"glossary": "Glossary", "ordliste": "Ordliste", "tests": "Tests",
         "testtilfeller": "Testtilfeller", "test cases": "Test cases", "testcases": "Testcases",
         "about": "About", "om": "Om", "questions": "Questions", "spørsmål": "Spørsmål",
         "spørsmål til faggruppen": "Spørsmål til faggruppen",
         "constraints": "Constraints", "begrensninger": "Begrensninger", "values": "Values",
         "verdier": "Verdier", "value labels": "Value labels", "verdietiketter": "Verdietiketter"}
ROLE_WORDS = {**{w: "glossary" for w in GLOSSARY}, **{w: "tests" for w in TESTS},
              **{w: "about" for w in ABOUT}, **{w: "questions" for w in QUESTIONS},
              **{w: "constraints" for w in CONSTRAINTS}, **{w: "values" for w in VALUE_SHEETS}}
LANGUAGE_KEYS = ("language", "språk", "sprak")
CUTOFF = 0.75  # Glosary, Ordlister, Testtilfelle; Tester (0.73) by its prefix


def near_role(name: str) -> tuple[str, str] | None:
    """(role, keyword) a sheet name is a near miss of, or None. `Om` is too short to guess at;
    any name starting with "test" is taken for the tests sheet (Tester, Testing, Test 2)."""
    word = keyword(name)
    if not word or word in ROLE_WORDS:
        return None
    scored = sorted(((SequenceMatcher(None, word, key).ratio(), key) for key in ROLE_WORDS
                     if len(key) >= 4), reverse=True)
    ratio, key = scored[0]
    if ratio >= CUTOFF:
        return ROLE_WORDS[key], key
    if word.startswith("test"):  # the tests sheet's name in the language the messages use
        return "tests", "testtilfeller" if i18n.language() == "nb" else "tests"
    return None


def report_near_misses(unread: list[Sheet], filled: set[str], problems: Problems) -> set[str]:
    """One finding per sheet whose name nearly names a role; returns the roles so suggested."""
    suggested: set[str] = set()
    for sheet in unread:
        near = near_role(sheet.name)
        if near is None:
            continue
        role, key = near
        if role in filled:
            problems.add("structure", _("the sheet '{name}' is not read: its name is close to "
                                        "'{keyword}', but the workbook already has that sheet; "
                                        "rename it if it is meant to be read").format(
                                          name=sheet.name, keyword=SHOWN[key]),
                         f"{sheet.name}!A1", severity="warning")
            continue
        suggested.add(role)
        message = _("the sheet '{name}' is not read: did you mean '{keyword}'? Rename the "
                    "sheet to '{keyword}' so that {what} is read")
        problems.add("structure", message.format(name=sheet.name, keyword=SHOWN[key],
                                                 what=_role_what(role)), f"{sheet.name}!A1")
    return suggested


def _role_what(role: str) -> str:
    return {"glossary": _("the glossary"), "tests": _("every test case"),
            "about": _("the About sheet"), "questions": _("every question"),
            "constraints": _("every constraint"), "values": _("every value label")}[role]


def language_word(about: Sheet | None) -> tuple[str | None, str]:
    """The About sheet's `språk` / `language` word and its cell (None, "" when it has none)."""
    if about is not None:
        for row in range(1, about.max_row + 1):
            if keyword(about.get(row, 1)) in LANGUAGE_KEYS and about.get(row, 2) is not None:
                return str(about.get(row, 2)), cell_name(about.name, row, 2)
    return None, ""


def about_language(path: str) -> str | None:
    """The language code a workbook's About sheet names (`guideline check WB --help` speaks
    it before anything else is read)."""
    about = next((s for s in read_sheets(path) if keyword(s.name) in ABOUT), None)
    return i18n.language_code(language_word(about)[0])


def use_language(about: Sheet | None, problems: Problems) -> None:
    """Install the About sheet's language (unless `--lang` or GUIDELINE_LANG chose one); a word
    that names no language we have is a warning at its cell, and English is used."""
    word, cell = language_word(about)
    code = i18n.use_workbook_language(word)
    if word is not None and code is None:
        problems.add("structure", _("the language {word!r} is not one the messages come in: "
                                    "write nb (norsk bokmål) or en (English)").format(
                                      word=visible(word, 40)),
                     cell, severity="warning")


def note_row(sheet: Sheet, row: int, header: Header, id_cell: str, decision: str,
             problems: Problems) -> Note | None:
    """A `#` row is a note (its text, without the `#`); a row with text in column A only is
    not a rule either, but one finding saying how to write a note (instead of an error for
    every empty cell). None: the row is a rule, or a row without an id."""
    first = sheet.get(row, 1)
    if first is None:
        return None
    text = normalise_text(str(first))
    last = max([c for c, _head, _role in header.columns] + [1])
    if not text.startswith("#") and (not isinstance(first, str) or any(
            sheet.get(row, c) is not None for c in range(2, last + 1))):
        return None  # a rule (sheet.max_col, a look at every cell, only when this says less)
    others = [sheet.get(row, c) for c in range(2, max(last, sheet.max_col) + 1)]
    if text.startswith("#"):
        rest = " ".join(normalise_text(str(v)) for v in others if v is not None)
        return Note(" ".join(part for part in (text.lstrip("#").strip(), rest) if part),
                    id_cell)
    if any(v is not None for v in others):
        return None
    if " " not in text and len(text) <= 20:
        return None  # an id whose cells are empty: a rule, and each empty cell says so
    problems.add("structure", _("this row holds only text in column A, so it is not a rule: "
                                "to keep it as a note, start it with # (# {text})").format(
                                  text=text), id_cell, decision=decision)
    return Note("", id_cell)  # reported, not kept: the committee writes it as a note
