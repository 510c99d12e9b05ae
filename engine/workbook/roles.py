"""Sheets that almost have a role, and the workbook's language: no silent pass.

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
from ..core.problems import Problems
from .layout import ABOUT, GLOSSARY, TESTS, keyword
from .xlsx import Sheet, cell_name

# The spelling a hint shows for each role keyword (the keyword sets are lower case).
SHOWN = {"glossary": "Glossary", "ordliste": "Ordliste", "tests": "Tests",
         "testtilfeller": "Testtilfeller", "test cases": "Test cases", "testcases": "Testcases",
         "about": "About", "om": "Om"}
ROLE_WORDS = {**{w: "glossary" for w in GLOSSARY}, **{w: "tests" for w in TESTS},
              **{w: "about" for w in ABOUT}}
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
    if word.startswith("test"):
        return "tests", next(k for _r, k in scored if ROLE_WORDS[k] == "tests")
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
            "about": _("the About sheet")}[role]


def use_language(about: Sheet | None, problems: Problems) -> None:
    """Install the About sheet's language (unless `--lang` or GUIDELINE_LANG chose one); a word
    that names no language we have is a warning at its cell, and English is used."""
    word, cell = None, ""
    if about is not None:
        for row in range(1, about.max_row + 1):
            if keyword(about.get(row, 1)) in LANGUAGE_KEYS and about.get(row, 2) is not None:
                word, cell = str(about.get(row, 2)), cell_name(about.name, row, 2)
                break
    code = i18n.use_workbook_language(word)
    if word is not None and code is None:
        problems.add("structure", _("the language {word!r} is not one the messages come in: "
                                    "write nb (norsk bokmål) or en (English)").format(word=word),
                     cell, severity="warning")
