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
from typing import Any

from ..core.errors import WorkbookError
from ..core.i18n import _
from ..core.safe_io import input_size
from .grid import Sheet, cell_name, column_letter, column_number
from .number_formats import DATE, DURATION, Styles, read_styles
from .sheet_scan import EXACT, MAX_ROWS, Scan, missing_string, scan_sheet
from .texts import XML_SPACE, shared_strings, unescape
from .xml_attrs import bound_sheet

__all__ = ["Sheet", "cell_name", "column_letter", "column_number", "check_container",
           "read_sheets"]

MAX_MEMBER_BYTES = 64 * 1024 * 1024  # one part of the zip, uncompressed
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # the whole workbook, uncompressed
MAX_RATIO = 200  # a real sheet compresses ~10x; a bomb, thousands of times
MAX_MEMBERS = 10_000  # parts in the zip; a workbook has tens
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
XML_PARTS = (".xml", ".rels", ".vml")
PROLOG_BYTES = 64 * 1024  # where a DOCTYPE would have to be: before the first element
STRICT_NAMESPACE = b"http://purl.oclc.org/ooxml/spreadsheetml/main"  # ISO 29500 Strict
FAST_BYTES = 4 * 1024 * 1024  # sheet XML a workbook may hold and still be read whole by calamine


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


def cell_value(value: Any, decode: bool = False) -> Any:
    """One value as both readers hand it over: a whole number as an int, a date as a datetime
    at midnight, a text with `_x000D_` escapes decoded and without the spaces, tabs and line
    breaks around it (calamine drops them unless the XML says `xml:space="preserve"`, openpyxl
    keeps them; every reader of a cell trims them anyway), anything else exotic as its text."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= EXACT:
        return int(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):  # calamine decodes escapes itself: `decode` for openpyxl's text
        return (unescape(value) if decode else value).strip(XML_SPACE)
    if value is not None and not isinstance(value, (int, float, bool, dt.datetime, dt.time)):
        return str(value)  # array formulas, durations and the like: keep their text
    return value


# -- the fast path: a plain workbook of values, read by calamine ------------------------------
def _read_plain(path: str) -> list[Sheet] | None:
    """A small workbook without formulas or error cells, read in a few milliseconds.

    calamine (Rust) reads cell values about 20 times faster than openpyxl and needs no
    slow import, which is most of `guideline check`'s time on a guideline. It cannot tell a
    formula without a saved result, or an error cell, from an empty cell, it reads a sheet
    whole, and it reads some number formats its own way: so a workbook with a formula or an
    error cell, a number format it may read differently, or more than `FAST_BYTES` of sheet
    XML goes the streaming openpyxl way, as does anything calamine cannot open. Both ways give
    the same grids (tests/test_xlsx_readers.py, over generated sheet XML too).
    """
    try:
        with zipfile.ZipFile(path) as zf:
            parts = _sheet_parts(zf)
            if parts is None or sum(zf.getinfo(p).file_size for p in parts.values()) > FAST_BYTES:
                return None
            styles = read_styles(zf)
            layouts: dict[str, Sheet] = {}
            for name, part in parts.items():
                sheet = Sheet(name)
                scan = scan_sheet(zf, part, sheet, styles, fast=True)
                if scan.special or not scan.plain or not all(map(styles.is_plain, scan.styles)):
                    return None  # openpyxl knows what a formula holds; ours, what a format means
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
                    value = cell_value(value)
                    if _kept(value):
                        sheet.cells[(r, c)] = value
            sheets.append(sheet)
        return sheets if len(sheets) == len(parts) else None
    except WorkbookError as exc:  # a cell no spreadsheet writes: refused on either path
        raise WorkbookError(f"{path}: {exc}") from None
    except Exception:  # calamine or the parts could not be read: openpyxl will say why
        return None


def _kept(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


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
        with zipfile.ZipFile(path) as zf:
            styles = read_styles(zf)
            strings = shared_strings(zf)
            for ws in wb.worksheets:
                sheet = Sheet(ws.title, hidden=ws.sheet_state != "visible")
                part = getattr(ws, "_worksheet_path", None)
                if not isinstance(part, str) or part not in zf.namelist():
                    raise WorkbookError(_("the sheet {name} has no part in the file").format(
                                            name=ws.title))
                scan = scan_sheet(zf, part, sheet, styles)  # refuses odd cells first
                reader = _Cells(zf, part, ws, styles, scan, strings)
                formulas = reader.read(sheet)
                if formulas:
                    reader.cached(sheet, formulas)
                sheets.append(sheet)
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


class _Cells:
    """A sheet's cells through openpyxl's own sheet parser, placed by their coordinates.

    `ReadOnlyWorksheet.iter_rows` drops a row written after a later one, and a cell written
    before an earlier one of its row; the parser underneath yields every cell with its
    coordinates, as calamine reads them. The number formats are ours (number_formats.py).
    """

    def __init__(self, zf: zipfile.ZipFile, part: str, ws: Any, styles: Styles,
                 scan: Scan, strings: list[str]) -> None:
        self.zf, self.part, self.ordered, self.beyond = zf, part, scan.ordered, scan.beyond
        self.strings, self.epoch = strings, ws.parent.epoch
        self.name: str = ws.title
        self.dates = styles.ids(DATE) | styles.ids(DURATION)
        self.durations = styles.ids(DURATION)

    def rows(self, data_only: bool) -> Any:
        from openpyxl.worksheet._reader import WorkSheetParser

        with self.zf.open(self.part) as src:
            parser = WorkSheetParser(src, self.strings, data_only=data_only, epoch=self.epoch,
                                     date_formats=self.dates, timedelta_formats=self.durations)
            try:
                for number, cells in parser.parse():
                    yield number, cells
                    if number > 2 * MAX_ROWS and self.ordered:
                        return  # thousands of rows past the limit, in order: stop looking
            except IndexError:  # a shared-string index the file does not have
                where = f"{self.name}!{missing_string(self.zf, self.part, len(self.strings))}"
                raise WorkbookError(_("{where}: this text cell points at a shared string the "
                                      "file does not have, so the file is damaged; open it in "
                                      "Excel, let it repair the file, and save it").format(
                                        where=where)) from None

    def read(self, sheet: Sheet) -> list[tuple[int, int]]:
        """Cell values up to MAX_ROWS; returns the formula cells, whose values come later."""
        formulas: list[tuple[int, int]] = []
        seen: set[tuple[int, int]] = set()
        for number, cells in self.rows(data_only=False):
            for cell in cells:
                formula = cell["data_type"] == "f"
                value = cell["value"] if formula else cell_value(cell["value"], decode=True)
                pos = (cell["row"], cell["column"])
                if pos in seen:
                    raise WorkbookError(_("{cell}: this cell is written twice in the file, so "
                                          "which value it holds cannot be told; the file was "
                                          "written by another program or is damaged: open it "
                                          "in Excel or LibreOffice and save it").format(
                                            cell=cell_name(sheet.name, *pos)))
                if pos[0] <= MAX_ROWS:
                    seen.add(pos)
                if not _kept(value):
                    continue
                if cell["row"] > MAX_ROWS or number > MAX_ROWS:
                    sheet.truncated_at = MAX_ROWS
                    if self.ordered:
                        return formulas  # later rows lie further out still
                    continue
                if formula:
                    formulas.append(pos)
                    sheet.cells[pos] = str(value)
                else:
                    sheet.cells[pos] = value
            if number > 2 * MAX_ROWS and self.beyond:  # rows() stops looking at this row:
                sheet.truncated_at = MAX_ROWS  # the scan saw a value further down
        return formulas

    def cached(self, sheet: Sheet, formulas: list[tuple[int, int]]) -> None:
        """A formula's value as last saved by Excel or LibreOffice; none saved: an error."""
        wanted = set(formulas)
        last = max(r for r, _ in wanted)
        found: dict[tuple[int, int], Any] = {}
        for number, cells in self.rows(data_only=True):
            if number > last and self.ordered:
                break
            for cell in cells:
                pos = (cell["row"], cell["column"])
                if cell["value"] is not None and pos in wanted:
                    found[pos] = cell_value(cell["value"], decode=True)
        for pos in wanted:
            value = found.get(pos)
            if value is None:
                sheet.formulas.add(pos)  # the formula text stays in the grid for the message
            elif not _kept(value):
                del sheet.cells[pos]  # a formula that shows nothing: an empty cell
            else:
                sheet.cells[pos] = value


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]
