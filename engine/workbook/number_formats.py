"""Which number cells hold dates: one reading of the workbook's number formats for both readers.

A number cell is a date (or a time, or a duration) only through its number format. openpyxl
and calamine each decide that with rules of their own, and they differ (`0*d` is a time to
one and the number 0 to the other; built-in format 30 a date to one, a number to the other).
Here the formats are read once from `xl/styles.xml` by the rules of ECMA-376 (18.8.31): the
first section only; quoted text, `\\x` escapes, `_x` spaces, `*x` fills and bracketed colours,
conditions and locales are not format letters; `[h]`, `[mm]`, `[ss]` count elapsed time. The
openpyxl path is given these kinds; the fast path is taken only when every format in use is so
plain that calamine cannot read it differently (tests/test_xlsx_readers.py checks both).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field

NUMBER, DATE, DURATION = "number", "date", "duration"

# ECMA-376 18.8.30: the built-in formats every reader knows (openpyxl lists exactly these)
BUILTIN = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%",
    11: "0.00E+00", 12: "# ?/?", 13: "# ??/??", 14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm",
    17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss",
    22: "m/d/yy h:mm", 37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)",
    39: "#,##0.00;(#,##0.00)", 40: "#,##0.00;[Red](#,##0.00)", 45: "mm:ss",
    46: "[h]:mm:ss", 47: "mmss.0", 48: "##0.0E+0", 49: "@",
}
# 27-36 and 50-58: dates and times in East Asian locales, written without a definition
ASIAN_DATES = frozenset(range(27, 37)) | frozenset(range(50, 59))
# what calamine and openpyxl both read alike: digits, separators and the date letters only
PLAIN = re.compile(r"[0#?.,%E+\- /:dmyhsDMYHS]*")
PLAIN_BUILTIN = frozenset(range(0, 23)) | frozenset({37, 38, 39, 40, 48, 49})
_NOT_LETTERS = re.compile(r'"[^"]*"?|\\.|_.|\*.|\[(?![hms]+\])[^\]]*\]?', re.IGNORECASE)
_ELAPSED = re.compile(r"\[[hms]+\]", re.IGNORECASE)
_DATE_LETTERS = re.compile(r"[dmyhs]|a/p", re.IGNORECASE)  # AM/PM holds m


def first_section(code: str) -> str:
    """The format for positive numbers: up to the first `;` outside quotes and escapes."""
    quoted = escaped = False
    for i, ch in enumerate(code):
        if escaped:
            escaped = False
        elif ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch in "\\_*":
            escaped = True
        elif ch == ";":
            return code[:i]
    return code


def format_kind(code: str) -> str:
    """NUMBER, DATE (a date, a time of day, or both) or DURATION for one format code."""
    section = first_section(code)
    stripped = _NOT_LETTERS.sub("", section)
    if _ELAPSED.search(stripped):
        return DURATION
    if stripped.strip().casefold() == "general":
        return NUMBER
    without_exponent = re.sub(r"[eE][+-]", "", stripped)  # 0.00E+00 is a number
    return DATE if _DATE_LETTERS.search(without_exponent) else NUMBER


@dataclass
class Styles:
    """Per cell style (the `s` of a cell): its kind, and whether calamine reads it as we do."""

    kinds: list[str] = field(default_factory=list)
    plain: list[bool] = field(default_factory=list)
    date1904: bool = False

    def kind(self, style: int) -> str:
        return self.kinds[style] if 0 <= style < len(self.kinds) else NUMBER

    def is_plain(self, style: int) -> bool:
        return self.plain[style] if 0 <= style < len(self.plain) else style == 0

    def ids(self, kind: str) -> set[int]:
        return {i for i, k in enumerate(self.kinds) if k == kind}


def read_styles(zf: zipfile.ZipFile) -> Styles:
    """The cell styles of `xl/styles.xml` (none: every cell is General)."""
    from defusedxml.ElementTree import fromstring

    styles = Styles(date1904=_date1904(zf))
    name = next((n for n in ("xl/styles.xml", "xl/Styles.xml") if n in zf.namelist()), None)
    if name is None:
        return styles
    root = fromstring(zf.read(name))
    custom: dict[int, str] = {}
    xfs = None
    for node in root:
        tag = node.tag.rsplit("}", 1)[-1]
        if tag == "numFmts":
            for fmt in node:
                number = _int(fmt.get("numFmtId"))
                if number is not None:
                    custom[number] = fmt.get("formatCode") or ""
        elif tag == "cellXfs":
            xfs = node
    for xf in xfs if xfs is not None else ():
        number = _int(xf.get("numFmtId")) or 0
        if number in custom:
            code = custom[number]
            styles.kinds.append(format_kind(code))
            styles.plain.append(PLAIN.fullmatch(code) is not None)
        elif number in BUILTIN:
            styles.kinds.append(format_kind(BUILTIN[number]))
            styles.plain.append(number in PLAIN_BUILTIN)
        else:
            styles.kinds.append(DATE if number in ASIAN_DATES else NUMBER)
            styles.plain.append(False)
    return styles


def _date1904(zf: zipfile.ZipFile) -> bool:
    from defusedxml.ElementTree import fromstring

    for node in fromstring(zf.read("xl/workbook.xml")).iter():
        if node.tag.rsplit("}", 1)[-1] == "workbookPr":
            return (node.get("date1904") or "").strip().lower() in ("1", "true")
    return False


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None
