"""Read an .xlsx file into plain grids: the only module that imports openpyxl.

Everything a clinician's spreadsheet program (or an attacker) may have done to the file is
caught here, before any XML is parsed: not a zip, a legacy or encrypted file, a zip bomb, an
XML entity bomb. Sheets are read in openpyxl's streaming mode and only up to `MAX_ROWS`, so a
sheet of a million rows costs a second, not minutes and gigabytes. The loader then works on
`Sheet` grids and never on openpyxl objects, so it can be tested without files.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import WorkbookError
from ..core.i18n import _
from ..core.safe_io import input_size
from .xml_attrs import attributes, bound_sheet, is_true, is_zero

MAX_MEMBER_BYTES = 64 * 1024 * 1024  # one part of the zip, uncompressed
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # the whole workbook, uncompressed
MAX_RATIO = 200  # a real sheet compresses ~10x; a bomb, thousands of times
MAX_MEMBERS = 10_000  # parts in the zip; a workbook has tens
MAX_ROWS = 20_000  # rows read per sheet; a table ends long before this
MAX_COLS = 16_384  # Excel's last column (XFD)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
XML_PARTS = (".xml", ".rels", ".vml")
PROLOG_BYTES = 64 * 1024  # where a DOCTYPE would have to be: before the first element
CHUNK = 1 << 20
STRICT_NAMESPACE = b"http://purl.oclc.org/ooxml/spreadsheetml/main"  # ISO 29500 Strict
FAST_BYTES = 4 * 1024 * 1024  # sheet XML a workbook may hold and still be read whole by calamine


@dataclass
class Sheet:
    name: str
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)  # (row, col) -> value
    formulas: set[tuple[int, int]] = field(default_factory=set)  # formulas with no cached value
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    too_long: dict[tuple[int, int], int] = field(default_factory=dict)  # cut texts: length
    hidden: bool = False
    truncated_at: int | None = None  # rows beyond MAX_ROWS were not read

    @property
    def max_row(self) -> int:
        return max((r for r, _ in self.cells), default=0)

    @property
    def max_col(self) -> int:
        return max((c for _, c in self.cells), default=0)

    def get(self, row: int, col: int) -> Any:
        return self.cells.get((row, col))

    def row_values(self, row: int, upto: int) -> list[Any]:
        return [self.cells.get((row, c)) for c in range(1, upto + 1)]


def cell_name(sheet: str, row: int, col: int) -> str:
    return f"{sheet}!{column_letter(col)}{row}"


def column_letter(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


# -- the container: refused before openpyxl sees it -------------------------------------------
def check_container(path: str) -> None:
    """Refuse what is not a sane .xlsx before any XML is parsed."""
    input_size(path, "a workbook")
    with open(path, "rb") as fh:
        head = fh.read(512)
    if head.startswith(OLE_MAGIC):
        raise WorkbookError(_ole_message(path))
    if not zipfile.is_zipfile(path):
        raise WorkbookError(_not_zip_message(path, head))
    try:
        with zipfile.ZipFile(path) as zf:
            _check_members(path, zf)
            bad = zf.testzip()  # reads every part once: CRC and deflate errors show here
            if bad is not None:
                raise WorkbookError(_("{path}: the file is damaged (part {bad} is "
                                      "corrupt); ask for a fresh copy").format(
                                        path=path, bad=bad))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError,
            NotImplementedError, ValueError) as exc:
        raise WorkbookError(
            _("{path}: the file is damaged or truncated ({reason}); ask for a fresh copy").format(
                path=path, reason=_reason(exc)
            )
        ) from None


def _ole_message(path: str) -> str:
    """OLE2 holds both legacy .xls files and password-protected .xlsx: tell which."""
    with open(path, "rb") as fh:
        data = fh.read(MAX_MEMBER_BYTES)
    if "EncryptedPackage".encode("utf-16-le") in data:
        return _("{path}: the workbook is password-protected (encrypted), so it "
                  "cannot be read; open it in Excel, remove the password, save it and "
                  "try again").format(path=path)
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return _("{path}: this is an old Excel 97-2003 .xls file; open it and save it "
                  "as an Excel Workbook (.xlsx)").format(path=path)
    return _("{path}: a Microsoft compound file, not an .xlsx workbook (an old .xls "
              "or a password-protected workbook?); save it as an Excel Workbook (.xlsx)").format(
                path=path)


def _not_zip_message(path: str, head: bytes) -> str:
    if head.startswith(b"PK"):
        return _("{path}: the workbook is damaged or truncated (its zip directory is "
                  "missing); ask for a fresh copy").format(path=path)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if text and all(ch.isprintable() or ch in "\t\r\n" for ch in text[:-4]):
        return _("{path}: not an .xlsx workbook: the file holds plain text (a CSV or "
                  "text file named .xlsx?)").format(path=path)
    return _("{path}: not an .xlsx workbook (the file is not a zip archive)").format(path=path)


def _check_members(path: str, zf: zipfile.ZipFile) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise WorkbookError(_("{path}: refused: the zip holds {n_infos:,} parts, far "
                              "beyond any guideline workbook").format(
                                path=path, n_infos=len(infos)))
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_MEMBER_BYTES or (info.file_size > 1_000_000
                                                 and ratio > MAX_RATIO):
            raise WorkbookError(
                _("{path}: refused: part {filename} unpacks to {file_size:,} bytes "
                  "({ratio:,.0f} times its packed size), far beyond any guideline "
                  "workbook (a zip bomb?)").format(
                    path=path, filename=info.filename, file_size=info.file_size, ratio=ratio))
        if info.flag_bits & 0x1:
            raise WorkbookError(_("{path}: part {filename} of the zip is encrypted; "
                                  "save the workbook without a password").format(
                                    path=path, filename=info.filename))
    if total > MAX_TOTAL_BYTES:
        raise WorkbookError(_("{path}: refused: unpacks to {total:,} bytes in all, far "
                              "beyond any guideline workbook (a zip bomb?)").format(
                                path=path, total=total))
    names = set(zf.namelist())
    if "EncryptedPackage" in names:
        raise WorkbookError(_("{path}: the workbook is password-protected").format(path=path))
    if "xl/workbook.xml" not in names:
        raise WorkbookError(f"{path}: {_other_zip(zf, names)}")
    for info in infos:
        if info.filename.lower().endswith(XML_PARTS):
            _refuse_doctype(path, zf, info)
    with zf.open("xl/workbook.xml") as fh:
        if STRICT_NAMESPACE in fh.read(PROLOG_BYTES):
            raise WorkbookError(f"{path}: Strict Open XML is not supported: open it and save it "
                                "as an Excel Workbook (.xlsx), not a Strict Open XML "
                                "Spreadsheet")


def _other_zip(zf: zipfile.ZipFile, names: set[str]) -> str:
    if "mimetype" in names and b"opendocument" in zf.read("mimetype")[:200]:
        return _("an OpenDocument spreadsheet (.ods), not an .xlsx workbook; save it "
                  "as an Excel Workbook (.xlsx)")
    if "xl/workbook.bin" in names:
        return _("an Excel binary workbook (.xlsb), not an .xlsx workbook; save it as "
                  "an Excel Workbook (.xlsx)")
    return _("a zip file, but not an .xlsx workbook (no xl/workbook.xml inside)")


def _refuse_doctype(path: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """No spreadsheet program writes a DOCTYPE: one in a part is an entity bomb, refused here.

    defusedxml (in force for openpyxl) would refuse the entities too; this says it clearly.
    """
    with zf.open(info) as fh:
        head = fh.read(PROLOG_BYTES)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    first = re.search(rb"<[A-Za-z_]", head)
    prolog = (head[: first.start()] if first else head).lower()
    if b"<!doctype" in prolog or b"<!entity" in prolog:
        raise WorkbookError(
            _("{path}: refused: the part {filename} declares a DOCTYPE with entities, "
              "which no spreadsheet program writes (an XML entity bomb?)").format(
                path=path, filename=info.filename))


# -- the sheets -----------------------------------------------------------------------------------
def read_sheets(path: str) -> list[Sheet]:
    """Every worksheet as a grid of cell values (formulas replaced by their cached values)."""
    check_container(path)
    fast = _read_plain(path)
    sheets = fast if fast is not None else _read_streaming(path)
    for sheet in sheets:
        bound_sheet(path, sheet)
    return sheets


# -- the fast path: a plain workbook of values, read by calamine ------------------------------
def _read_plain(path: str) -> list[Sheet] | None:
    """A small workbook without formulas or error cells, read in a few milliseconds.

    calamine (Rust) reads cell values about 20 times faster than openpyxl and needs no
    slow import, which is most of `guideline check`'s time on a guideline. It cannot tell a
    formula without a saved result, or an error cell, from an empty cell, and it reads a sheet
    whole: so a workbook with a formula or an error cell, or larger than `FAST_BYTES` of sheet
    XML, goes the streaming openpyxl way, as does anything calamine cannot open (openpyxl then
    says what is wrong). Both ways give the same grids (tests/test_xlsx_readers.py).
    """
    try:
        with zipfile.ZipFile(path) as zf:
            parts = _sheet_parts(zf)
            if parts is None or sum(zf.getinfo(p).file_size for p in parts.values()) > FAST_BYTES:
                return None
            layouts: dict[str, Sheet] = {}
            for name, part in parts.items():
                sheet = Sheet(name)
                if _read_layout(zf, part, sheet):
                    return None  # a formula or an error cell: openpyxl knows what it holds
                layouts[name] = sheet
        from python_calamine import CalamineWorkbook  # fast to import, unlike openpyxl

        book = CalamineWorkbook.from_path(path)
        sheets = []
        for meta in book.sheets_metadata:
            if str(meta.typ).rsplit(".", 1)[-1] != "WorkSheet":
                continue  # chart and macro sheets hold no cells (openpyxl skips them too)
            found = layouts.get(meta.name)
            if found is None:
                return None
            sheet = found
            sheet.hidden = str(meta.visible).rsplit(".", 1)[-1] != "Visible"
            rows = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            for r, row in enumerate(rows, start=1):
                if r > MAX_ROWS:
                    if any(_kept(v) for rest in rows[r - 1:] for v in rest):
                        sheet.truncated_at = MAX_ROWS
                    break
                for c, value in enumerate(row, start=1):
                    if _kept(value):
                        sheet.cells[(r, c)] = _plain(_as_openpyxl(value))
            sheets.append(sheet)
        return sheets if len(sheets) == len(parts) else None
    except Exception:  # calamine or the parts could not be read: openpyxl will say why
        return None


def _kept(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _as_openpyxl(value: Any) -> Any:
    """The value as openpyxl gives it, so that both readers give one grid: a whole number as
    an int, a date cell as a datetime at midnight."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str] | None:
    """Sheet name -> the zip part holding it, in workbook order; None if anything is unusual."""
    from defusedxml.ElementTree import fromstring

    book = fromstring(zf.read("xl/workbook.xml"))
    rels = fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_NS}Relationship")}
    names = set(zf.namelist())
    parts: dict[str, str] = {}
    for node in book.iter():
        if node.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        target = targets.get(node.get(f"{_REL_NS}id"))
        if not target:
            return None
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if part not in names or not part.startswith("xl/worksheets/"):
            return None
        parts[node.get("name", "")] = part
    return parts or None


# -- the streaming path: openpyxl, bounded ------------------------------------------------------
def _read_streaming(path: str) -> list[Sheet]:
    import openpyxl  # slow to import: only when a workbook needs it
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:  # pragma: no cover - defusedxml is a hard dependency
        raise WorkbookError(_("refusing to read workbooks without defusedxml installed"))
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise WorkbookError(_("{path}: cannot be read as a workbook ({reason})").format(
                                path=path, reason=_reason(exc))) from None
    try:
        sheets: list[Sheet] = []
        pending: dict[str, list[tuple[int, int]]] = {}
        with zipfile.ZipFile(path) as zf:
            for ws in wb.worksheets:
                sheet = Sheet(ws.title, hidden=ws.sheet_state != "visible")
                formulas = _read_cells(ws, sheet)
                part = getattr(ws, "_worksheet_path", None)
                if isinstance(part, str) and part in zf.namelist():
                    _read_layout(zf, part, sheet)
                    if sheet.truncated_at is not None and not _values_beyond(zf, part):
                        sheet.truncated_at = None  # only empty rows down there
                if formulas:
                    pending[sheet.name] = formulas
                sheets.append(sheet)
        if pending:
            _fill_cached(path, sheets, pending)
        return sheets
    except WorkbookError as exc:
        if str(exc).startswith(path):
            raise
        raise WorkbookError(f"{path}: {exc}") from None
    except Exception as exc:  # a sheet's XML is parsed only now, in streaming mode
        raise WorkbookError(_("{path}: cannot be read as a workbook ({reason})").format(
                                path=path, reason=_reason(exc))) from None
    finally:
        wb.close()


def _read_cells(ws: Any, sheet: Sheet) -> list[tuple[int, int]]:
    """Cell values up to MAX_ROWS; returns the formula cells, whose cached values come later."""
    ws.reset_dimensions()  # the stored size may be stale or absent: read what is there
    formulas: list[tuple[int, int]] = []
    for r, row in enumerate(ws.iter_rows(), start=1):
        if r > 2 * MAX_ROWS:  # thousands of empty rows past the limit: stop looking here
            sheet.truncated_at = MAX_ROWS  # (kept only if `_values_beyond` finds a value)
            break
        for cell in row:
            value = cell.value
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            if r > MAX_ROWS:
                sheet.truncated_at = MAX_ROWS
                return formulas
            pos = (cell.row, cell.column)
            if cell.data_type == "f":
                formulas.append(pos)
                value = str(value)
            sheet.cells[pos] = _plain(value)
    return formulas


# a cell with a value (not `<c r="A9" s="3"/>`, a styled empty cell): its row number
_VALUED_CELL = re.compile(rb"<(?:[\w.-]+:)?c\s[^>]*?\br\s*=\s*[\"']\$?[A-Za-z]{1,3}(\d+)[\"']"
                          rb"[^>]*?(?<!/)>\s*<(?:[\w.-]+:)?(?:v|is|f)[\s>/]")


_OVERLAP = 4096  # bytes: longer than a cell's tag and the start of its value


def _values_beyond(zf: zipfile.ZipFile, part: str) -> bool:
    """Whether a cell past `MAX_ROWS` holds a value: empty rows are no content, whatever their
    number (LibreOffice writes an empty `<row r="1048576">` after a row is deleted)."""
    carry = b""
    with zf.open(part) as fh:
        while True:
            chunk = fh.read(CHUNK)
            buf = carry + chunk  # the chunks overlap: a cell cut in two is whole in one
            if any(int(m.group(1)) > MAX_ROWS for m in _VALUED_CELL.finditer(buf)):
                return True
            if not chunk:
                return False
            carry = buf[-_OVERLAP:]


def _plain(value: Any) -> Any:
    if not isinstance(value, (str, int, float, bool, dt.date, dt.datetime, dt.time)):
        return str(value)  # array formulas, durations and the like: keep their text
    return value


# A tag with its attributes; a quoted value may hold '>' (only '<' is barred in XML).
_ATTRS = rb"""(?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>"""
_ROW_TAG = re.compile(rb"<(?:[\w.-]+:)?row" + _ATTRS)
_COL_TAG = re.compile(rb"<(?:[\w.-]+:)?col" + _ATTRS)
_SPECIAL_CELL = re.compile(rb"<(?:[\w.-]+:)?f[\s>/]|\st\s*=\s*[\"']e[\"']")  # formula, error
_MERGE = re.compile(rb"<(?:[\w.-]+:)?mergeCell\s[^>]*?\bref\s*=\s*[\"']\$?([A-Za-z]+)\$?(\d+)"
                    rb"(?::\$?([A-Za-z]+)\$?(\d+))?[\"']")
# a shared-string cell whose index is negative: openpyxl would read the last string
_NEGATIVE_SHARED = re.compile(
    rb"<(?:[\w.-]+:)?c\s[^>]*?\bt\s*=\s*[\"']s[\"'][^>]*>\s*<(?:[\w.-]+:)?v>\s*-")


def _read_layout(zf: zipfile.ZipFile, part: str, sheet: Sheet) -> bool:
    """Merged ranges and hidden rows, from the sheet's XML text in one streaming pass; True if
    the sheet holds a formula or an error cell (which only openpyxl reads faithfully).

    openpyxl's streaming mode does not report them. Tags cannot contain '<', so each chunk is
    cut at its last '<' and the rest carried over: no tag is ever split.
    """
    carry = b""
    special = False
    with zf.open(part) as fh:
        while True:
            chunk = fh.read(CHUNK)
            buf = carry + chunk
            cut = buf.rfind(b"<") if chunk else len(buf)
            if cut <= 0 and chunk:
                carry = buf
                continue
            special = _scan_layout(buf[:cut], sheet) or special
            carry = buf[cut:]
            if not chunk:
                break
    return special


def _scan_layout(text: bytes, sheet: Sheet) -> bool:
    special = _SPECIAL_CELL.search(text) is not None
    if not any(word in text for word in (b"hidden", b"mergeCell", b"customHeight", b"<v>-",
                                         b":v>-")):
        return special  # the usual chunk: fast out
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
    bad = _NEGATIVE_SHARED.search(text)
    if bad is not None:
        ref = attributes(bad.group(0).split(b">", 1)[0] + b">").get("r", "")
        raise WorkbookError(f"{sheet.name}!{ref}: this text cell points at a negative "
                            "shared-string index, so the file is damaged; open it in Excel, "
                            "let it repair the file, and save it")
    return special


def _fill_cached(path: str, sheets: list[Sheet], pending: dict[str, list[tuple[int, int]]]
                 ) -> None:
    """A formula's value as last saved by Excel or LibreOffice; none saved: left as an error."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in sheets:
            wanted = set(pending.get(sheet.name, ()))
            if not wanted:
                continue
            found: dict[tuple[int, int], Any] = {}
            ws = wb[sheet.name]
            ws.reset_dimensions()
            for row in ws.iter_rows(max_row=max(r for r, _ in wanted)):
                for cell in row:
                    if cell.value is not None and (cell.row, cell.column) in wanted:
                        found[(cell.row, cell.column)] = cell.value
            for pos in wanted:
                value = found.get(pos)
                if value is None:
                    sheet.formulas.add(pos)  # the formula text stays in the grid for the message
                elif isinstance(value, str) and not value.strip():
                    del sheet.cells[pos]  # a formula that shows nothing: an empty cell
                else:
                    sheet.cells[pos] = _plain(value)
    finally:
        wb.close()


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]
