"""Text as people type it and as messages show it: one Unicode form, invisible characters seen.

"på" typed with a combining ring (macOS, some editors) is the same word as "på" typed with the
single letter; every text a workbook, a DMN file or a case gives is put in NFC before it is
compared, so both are one value. A message that shows text shows what is really there: a
zero-width space or a stray combining mark is written as `\\u200b`, and a huge text is cut.
The limits on what any input may hold are here too, in one place (docs/hostile-input.md).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from .i18n import _

# -- limits on every input path (docs/hostile-input.md has the table) ------------------------
MAX_TEXT = 10_000  # characters in one value: a cell, a case value, a name
MAX_SHOWN = 80  # characters of a value a message echoes
MAX_CASE_BYTES = 10 * 1024 * 1024  # a case given as JSON (one case, or --case @file)
MAX_DEPTH = 32  # nesting of [ and { in a case's JSON (a case is one flat object)
MAX_DIGITS = 400  # digits of an integer in a case (a float's range is 309 digits)
MAX_COLUMNS = 2_000  # columns of a batch file of cases
MAX_NAME = 255  # characters of a sheet, decision or variable name, or a DMN id

INVISIBLE = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
COMBINING = ("Mn", "Me")


def nfc(text: str) -> str:
    """The one form every compared text is kept in (composed letters)."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def nfc_value(value: Any) -> Any:
    return nfc(value) if type(value) is str else value


def visible(text: str, limit: int = MAX_SHOWN, combining: bool = False) -> str:
    """`text` with what cannot be seen written out (`\\u200b`), cut to `limit` characters.

    `combining` also writes out combining marks: when two texts look alike, the mark is the
    difference.
    """
    cut = len(text) > limit
    out = []
    for ch in text[:limit]:
        cat = unicodedata.category(ch)
        if ch == " ":
            out.append(ch)
        elif cat in INVISIBLE or cat.startswith("Z") or (combining and cat in COMBINING):
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    shown = "".join(out)
    return _("{shown}… ({n:,} characters)").format(shown=shown, n=len(text)) if cut else shown


# What a terminal acts on (ESC starts erase and hide sequences, OSC sets titles and links, BEL,
# CR returns to the line's start, bidirectional overrides reorder what is shown) and what no
# XML 1.0 document may hold: written out as `\u001b`, which JSON and XML both take as text.
_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def terminal(text: str) -> str:
    """Text for a terminal: every control character but line feed and tab written out, so that
    no workbook or case text can erase, hide or rewrite a line (cli/main.py applies it to
    everything the commands print)."""
    return _TERMINAL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def xml_safe(text: str) -> str:
    """Text for an XML file (JUnit, DMN, .xlsx): what XML 1.0 cannot hold written out."""
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


MAX_CANDIDATES = 100  # values difflib compares a mistyped one with (it costs ~30 µs a pair)


def listed(items: list[str], limit: int = MAX_SHOWN) -> str:
    """Values as a message lists them: as many as fit in `limit` characters, then a count
    (1,000 allowed values once made every message of a refused value 8 KB)."""
    out: list[str] = []
    size = 0
    for item in items:
        size += len(item) + 2
        if out and size > limit:
            return f"{', '.join(out)}, … ({len(items):,} values)"
        out.append(visible(item, limit))
    return ", ".join(out)


def candidates(word: str, choices: list[str]) -> list[str]:
    """The values worth comparing with a mistyped one: all of a short list; of a long one,
    those of about its length that start alike, at most `MAX_CANDIDATES`, so that a
    workbook of thousands of mistyped cells is read in seconds, not minutes."""
    if len(choices) <= MAX_CANDIDATES:
        return choices
    near = [c for c in choices if abs(len(c) - len(word)) <= 3 and c[:1].casefold() ==
            word[:1].casefold()]
    return near[:MAX_CANDIDATES]


def seen(text: str) -> str:
    """The text without what cannot be seen (zero-width spaces, soft hyphens, controls)."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) not in INVISIBLE)


def looks_like(a: str, b: str) -> bool:
    """Two different texts a reader cannot tell apart on screen."""
    return a != b and _skeleton(a) == _skeleton(b)


def _skeleton(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if unicodedata.category(ch) not in (*INVISIBLE, *COMBINING))


def has_foreign_digits(text: str) -> bool:
    """Digits other than 0-9 (Arabic-Indic, Devanagari, full-width...): never read as numbers."""
    return not text.isascii() and any(ch.isdecimal() and not ch.isascii() for ch in text)


def safe_str(value: Any) -> str:
    """`str(value)` that never fails and never runs long: huge ints, deep lists, surrogates."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 1_300:
        return _("a whole number of about {n:,} digits").format(
            n=int(value.bit_length() * 0.30103))
    try:
        text = value if isinstance(value, str) else repr(value)
    except (RecursionError, ValueError):
        return _("a {kind} too deeply nested or too large to show").format(
            kind=type(value).__name__)
    return visible(text)
