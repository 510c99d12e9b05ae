"""One pass over a sheet's XML text, before either reader parses it: layout, and cells no
spreadsheet program writes.

openpyxl's streaming mode reports neither merged ranges nor hidden rows, so they are found
here. And both readers would read some cells, each its own way, into different grids
(`<v>1_0</v>` is 10 to openpyxl and text to calamine; `<v>NaN</v>` stops openpyxl;
`9007199254740993` is exact to one and rounded by the other; a date cell before 1900 is a
date to one and a time of day to the other): such a cell is refused here, with its cell, on
both paths, so that one workbook has one reading. The text is read in chunks cut before a
cell or a row starts, so that no cell is ever split between two chunks.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zipfile
from dataclasses import dataclass, field

from ..core.errors import WorkbookError
from ..core.i18n import _
from ..core.text import visible
from .grid import Sheet, column_number
from .number_formats import DATE, DURATION, Styles
from .xml_attrs import attributes, is_true, is_zero

MAX_ROWS = 20_000  # rows read per sheet (xlsx.py): hidden rows past it are not recorded
MAX_COLS = 16_384  # Excel's last column (XFD)
EXACT = 2**53  # whole numbers beyond it are not all exact in a spreadsheet's doubles
LAST_DAY = 2_958_466  # the serial of 10000-01-01 (1900 date system)
CHUNK = 1 << 20

_P = rb"(?:[\w.-]+:)?"  # any namespace prefix
# A tag with its attributes; a quoted value may hold '>' (only '<' is barred in XML).
_ATTRS = rb"""(?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>"""
_ROW_TAG = re.compile(rb"<" + _P + rb"row" + _ATTRS)
_COL_TAG = re.compile(rb"<" + _P + rb"col" + _ATTRS)
_CELL_TAG = re.compile(rb"<" + _P + rb"c" + _ATTRS)
_FORMULA_TAG = re.compile(rb"<" + _P + rb"f[\s>/]")
_ERROR_CELL = re.compile(rb"\st\s*=\s*[\"']e[\"']")
_MERGE = re.compile(rb"<" + _P + rb"mergeCell\s[^>]*?\bref\s*=\s*[\"']\$?([A-Za-z]+)\$?(\d+)"
                    rb"(?::\$?([A-Za-z]+)\$?(\d+))?[\"']")
# a value that is not a plain number (or empty): only these need a look at their cell's type
_NUMBER = rb"[+-]?(?:\d{1,15}|\d*\.\d+|\d+\.\d*)(?:[eE][+-]?\d{1,2})?"
_ODD_VALUE = re.compile(rb"<" + _P + rb"v>(?!(?:" + _NUMBER + rb")?(?:<|\Z))")
_FULL_NUMBER = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_FORMULA = rb"(?:<" + _P + rb"f\b[^<]*(?:</" + _P + rb"f>)?\s*)?"
# a true/false cell must hold 0 or 1, a shared-string cell an index: openpyxl reads int() of
# it (`-1` would be the last string, `1_0` the eleventh)
_TYPED_CELL = {kind: re.compile(rb"<" + _P + rb"c\s[^>]*?\bt\s*=\s*[\"']" + kind
                                + rb"[\"'][^>]*>\s*" + _FORMULA + rb"<" + _P + rb"v>(?!" + ok
                                + rb"<)")
               for kind, ok in ((b"b", rb"[01]"), (b"s", rb"\d+"))}
_CELL_TYPE = re.compile(rb"<" + _P + rb"c\s[^>]*?\bt\s*=\s*[\"'](?!(?:n|s|str|b|e|d|inlineStr)"
                        rb"[\"'])")
_TYPED_CELL_VALUE = re.compile(rb"(<" + _P + rb"c\s[^>]*?\bt\s*=\s*[\"']s[\"'][^>]*)>\s*" + _FORMULA
                               + rb"<" + _P + rb"v>(\d+)<")
_STYLE_OF = re.compile(rb"<" + _P + rb"c\s[^>]*?\bs\s*=\s*[\"'](\d+)")
_ISO_DATE = re.compile(rb"\d{4}-\d\d-\d\d(?:T\d\d:\d\d:\d\d(?:\.\d{1,6})?Z?)?")
_PLAIN_ROW = re.compile(rb'<row r="(\d+)"')
_PLAIN_CELL = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"')
_ROW_NUMBER = re.compile(rb"<" + _P + rb"row\s[^>]*?\br\s*=\s*[\"']\s*(\d+)")
_VALUE_TAG = re.compile(rb"<" + _P + rb"(?:v|is|f)[\s>/]")  # a cell's value, text or formula
_CUT = re.compile(rb"<" + _P + rb"(?:c|row)[\s>/]")
_LAYOUT_WORDS = (b"hidden", b"mergeCell", b"customHeight")


@dataclass
class Scan:
    """What the pass found besides the layout it wrote into the sheet."""

    special: bool = False  # a formula or an error cell: only openpyxl reads them faithfully
    ordered: bool = True  # rows come in ascending order (a reader may stop at MAX_ROWS)
    styles: set[int] = field(default_factory=set)  # the styles cells use (fast path only)
    last_row: int = 0
    plain: bool = True  # every row and cell names its place, all in order (fast path only)
    last_cell: tuple[int, int] = (0, 0)
    beyond: bool = False  # rows in order, and a value past MAX_ROWS (empty rows are not)


def scan_sheet(zf: zipfile.ZipFile, part: str, sheet: Sheet, styles: Styles,
               fast: bool = False) -> Scan:
    """Merged ranges and hidden rows into `sheet`; refuse a cell no spreadsheet writes."""
    scan = Scan()
    carry = b""
    least = max(4 * CHUNK, 1 << 16)  # a cell longer than this may be cut at any tag
    with zf.open(part) as fh:
        while True:
            chunk = fh.read(CHUNK)
            buf = carry + chunk
            cut = _cut(buf, least) if chunk else len(buf)
            if cut <= 0 and chunk:
                carry = buf
                continue
            _scan_text(buf[:cut], sheet, styles, scan, fast)
            carry = buf[cut:]
            if not chunk:
                break
    return scan


def _cut(buf: bytes, least: int) -> int:
    """Where to cut: before the last cell or row that starts in `buf` (0: none yet); a carry
    longer than `least` is cut at its last tag, as it cannot hold a cell of sane size."""
    end = len(buf)
    while (pos := buf.rfind(b"<", 0, end)) > 0:
        if _CUT.match(buf, pos):
            return pos
        end = pos
    return buf.rfind(b"<") if len(buf) > least else 0


def _scan_text(text: bytes, sheet: Sheet, styles: Styles, scan: Scan, fast: bool) -> None:
    checked = not scan.ordered or scan.last_row <= 2 * MAX_ROWS  # rows neither reader reads
    _row_order(text, scan)
    if scan.ordered and scan.last_row > MAX_ROWS and not scan.beyond:
        scan.beyond = _values_past_limit(text)
    if fast:  # only the fast path asks: on a large sheet these would cost seconds
        if _FORMULA_TAG.search(text) is not None or (
                _quoted(text, b"e") and _ERROR_CELL.search(text) is not None):
            scan.special = True
        scan.styles.update(int(s) for s in _STYLE_OF.findall(text))
        _cell_order(text, scan)
    if checked:
        _check_values(text, sheet, styles)
    if any(word in text for word in _LAYOUT_WORDS):
        _layout(text, sheet)


def _row_order(text: bytes, scan: Scan) -> None:
    """Whether rows come in ascending order; `<row r="` is found by a fast literal search, any
    other spelling by the slow pattern."""
    found = _PLAIN_ROW.findall(text)
    if len(found) != text.count(b"<row") or b":row" in text:
        found = _ROW_NUMBER.findall(text)
    if not found:
        return
    numbers = list(map(int, found))
    if numbers[0] <= scan.last_row or any(a >= b for a, b in zip(numbers, numbers[1:])):
        scan.ordered = False
    scan.last_row = max(scan.last_row, max(numbers))


def _values_past_limit(text: bytes) -> bool:
    """Whether a cell in a row past `MAX_ROWS` holds a value (rows in order): LibreOffice
    writes an empty `<row r="1048576">` after a row is deleted, and that is no content. A
    chunk with no such row tag lies wholly past the limit (the one before crossed it)."""
    for m in _ROW_NUMBER.finditer(text):
        if int(m.group(1)) > MAX_ROWS:
            return _VALUE_TAG.search(text, m.start()) is not None
    return _VALUE_TAG.search(text) is not None


def _cell_order(text: bytes, scan: Scan) -> None:
    """calamine places a cell by its reference, openpyxl's parser by its reference or by
    counting, and a cell written twice is the last to one and the first non-empty to the
    other: the fast path is for sheets whose rows and cells all say where they are, each
    once and in order, as spreadsheet programs write them (the rest: the streaming path)."""
    rows = text.count(b"<row")
    # a formula's text with no formula, or an escaped `_` in a cell's own text: calamine
    # decodes `_x005F_x000D_` twice there (once in shared strings, as it should); rich text
    # runs in a cell's own text: calamine trims each run, openpyxl none
    if any(word in text for word in (b'"str"', b"'str'", b"_x005F", b"_x005f", b"<r>",
                                     b"<r ", b":r>", b":r ", b"<rPh", b":rPh")):
        scan.plain = False
        return
    if b":c" in text or b":row" in text or len(_PLAIN_ROW.findall(text)) != rows:
        scan.plain = False
        return
    refs = _PLAIN_CELL.findall(text)
    if len(refs) != text.count(b"<c ") + text.count(b"<c>") + text.count(b"<c/"):
        scan.plain = False
        return
    last = scan.last_cell
    for letters, number in refs:
        cell = (int(number), column_number(letters.decode()))
        if cell <= last:
            scan.plain = False
            return
        last = cell
    scan.last_cell = last


def _layout(text: bytes, sheet: Sheet) -> None:
    for m in _ROW_TAG.finditer(text):
        attrs = attributes(m.group(0))
        hidden = is_true(attrs.get("hidden")) or (is_zero(attrs.get("ht"))
                                                and is_true(attrs.get("customHeight")))
        number = attrs.get("r", "")
        if hidden and number.isdigit() and int(number) <= MAX_ROWS:
            sheet.hidden_rows.add(int(number))
    for m in _COL_TAG.finditer(text):
        attrs = attributes(m.group(0))
        hidden = is_true(attrs.get("hidden")) or (is_zero(attrs.get("width"))
                                                and is_true(attrs.get("customWidth")))
        lo, hi = attrs.get("min", ""), attrs.get("max", "")
        if hidden and lo.isdigit() and hi.isdigit():
            sheet.hidden_cols.update(range(int(lo), min(int(hi), MAX_COLS) + 1))
    for m in _MERGE.finditer(text):
        c1, r1 = column_number(m.group(1).decode()), int(m.group(2))
        c2 = column_number(m.group(3).decode()) if m.group(3) else c1
        r2 = int(m.group(4)) if m.group(4) else r1
        sheet.merged.append((r1, c1, r2, c2))


# -- cells no spreadsheet program writes: refused, located, on both paths ---------------------
def _check_values(text: bytes, sheet: Sheet, styles: Styles) -> None:
    for m in _ODD_VALUE.finditer(text):
        attrs = _owner(text, m.start())
        if attrs is None:
            continue
        why = _odd_value(attrs.get("t", "n"), _shown(text, m.end(), strip=False).encode())
        if why:
            _refuse(sheet, attrs, why)
    for kind, pattern in _TYPED_CELL.items():
        typed = pattern.search(text) if _quoted(text, kind) else None
        if typed is not None:
            why = _odd_value(kind.decode(), _shown(text, typed.end(), strip=False).encode())
            _refuse(sheet, _tag(typed.group(0)), why or "")
    odd = _CELL_TYPE.search(text)
    if odd is not None:
        attrs = _tag(odd.group(0) + text[odd.end():text.find(b">", odd.end()) + 1])
        _refuse(sheet, attrs, _("this cell has the type {t!r}, which no spreadsheet "
                                "writes").format(t=visible(attrs.get("t", ""), 20)))
    dated = _dated(frozenset(styles.ids(DATE) | styles.ids(DURATION)))
    for m in dated.finditer(text) if dated is not None else ():
        attrs = _tag(m.group(0))
        value = _shown(text, m.end())
        if attrs.get("t", "n") != "n" or _FULL_NUMBER.fullmatch(value.encode()) is None:
            continue  # a text, or a value refused above
        serial = float(value)
        last = LAST_DAY - (1462 if styles.date1904 else 0)
        if serial < 0 or serial >= last:
            _refuse(sheet, attrs, _("this cell is formatted as a date but holds {value}, a day "
                                    "before 1900 or after 9999 that a spreadsheet cannot show "
                                    "as a date").format(value=value))


def _quoted(text: bytes, value: bytes) -> bool:
    """Whether `value` stands between quotes somewhere: the patterns asking for an attribute
    equal to it cannot match otherwise, and this literal search is many times faster than
    theirs (which try every tag)."""
    return any(a + value + b in text for a in (b'"', b"'") for b in (b'"', b"'"))


@functools.lru_cache(maxsize=64)
def _dated(ids: frozenset[int]) -> re.Pattern[bytes] | None:
    """The cells of a date or duration style that hold a value (`<v>` follows)."""
    if not ids:
        return None
    styles = b"|".join(str(i).encode() for i in sorted(ids))
    return re.compile(rb"<" + _P + rb"c\s[^>]*?\bs\s*=\s*[\"']\s*(?:" + styles
                      + rb")\s*[\"'][^>]*>\s*" + _FORMULA + rb"<" + _P + rb"v>")


def _odd_value(kind: str, value: bytes) -> str | None:
    """Why a cell of type `kind` cannot hold `value` as written (None: it can)."""
    text = value.decode("utf-8", "replace")
    shown = repr(visible(text, 40))
    if kind == "n":
        if not value:
            return None
        if _FULL_NUMBER.fullmatch(value) is None:
            return _("this number cell holds {value}, which is not a number").format(
                value=shown)
        number = float(value)
        if number in (float("inf"), float("-inf")):
            return _("this number cell holds {value}, beyond the largest number a spreadsheet "
                     "holds").format(value=shown)
        digits = value.lstrip(b"+-").lstrip(b"0")
        if digits.isdigit() and (len(digits) > 16 or int(digits) > EXACT):
            return _("this cell holds the whole number {value}, beyond 2**53 = "
                     "9,007,199,254,740,992, past which a spreadsheet cannot hold every whole "
                     "number exactly").format(value=text)
        return None
    if kind == "s" and not re.fullmatch(rb"\d+", value):
        return _("this text cell points at the shared string {value}, which is not an "
                 "index").format(value=shown)
    if kind == "b" and value not in (b"0", b"1"):
        return _("this true/false cell holds {value}, not 0 or 1").format(value=shown)
    if kind == "d" and not _iso_date(value):
        return _("this date cell holds {value}, not a date written YYYY-MM-DD").format(
            value=shown)
    return None


def missing_string(zf: zipfile.ZipFile, part: str, count: int) -> str:
    """The cell of the first shared-string index past `count` (a damaged file: rare, so the
    part is read whole, within the container's bounds)."""
    text = zf.read(part)
    for m in _TYPED_CELL_VALUE.finditer(text):
        if int(m.group(2)) >= count:
            return str(attributes(m.group(1) + b">").get("r", ""))
    return ""


def _iso_date(value: bytes) -> bool:
    if _ISO_DATE.fullmatch(value) is None:
        return False
    try:
        dt.datetime.fromisoformat(value.decode().rstrip("Z"))
    except ValueError:
        return False
    return True


def _owner(text: bytes, at: int) -> dict[str, str] | None:
    """The attributes of the cell whose `<v>` starts at `at` (behind a formula, perhaps)."""
    end = at
    for _hop in range(3):
        pos = text.rfind(b"<", 0, end)
        if pos < 0:
            return None
        m = _CELL_TAG.match(text, pos)
        if m is not None:
            return attributes(m.group(0))
        tag = text[pos:pos + 8]
        if not re.match(rb"</?" + _P + rb"f[\s>/]", tag):
            return None
        end = pos
    return None


def _tag(match: bytes) -> dict[str, str]:
    return attributes(match.split(b">", 1)[0] + b">")


def _style(attrs: dict[str, str]) -> int:
    s = attrs.get("s", "0")
    return int(s) if s.isdigit() else 0


def _shown(text: bytes, start: int, strip: bool = True) -> str:
    end = text.find(b"<", start)
    shown = text[start:end if end >= 0 else len(text)].decode("utf-8", "replace")
    return shown.strip() if strip else shown


def _refuse(sheet: Sheet, attrs: dict[str, str], why: str) -> None:
    where = f"{sheet.name}!{attrs['r']}" if attrs.get("r") else sheet.name
    raise WorkbookError(_("{where}: {why}; the file was written by another program or is "
                          "damaged: open it in Excel or LibreOffice, correct the cell and "
                          "save it").format(where=where, why=why))
