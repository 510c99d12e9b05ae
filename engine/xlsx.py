"""Read an .xlsx file into plain grids: the only module that imports openpyxl.

Everything a clinician's spreadsheet program may have done to the file is caught here, before
openpyxl sees it: not a zip, a legacy or encrypted file, a zip bomb. The loader then works on
`Sheet` grids and never on openpyxl objects, so it can be tested without files.
"""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from dataclasses import dataclass, field
from typing import Any

from .errors import WorkbookError

MAX_MEMBER_BYTES = 64 * 1024 * 1024  # one part of the zip, uncompressed
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # the whole workbook, uncompressed
MAX_RATIO = 200  # a real sheet compresses ~10x; a bomb, thousands of times
MAX_ROWS = 20_000  # rows read per sheet; a table ends long before this
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Sheet:
    name: str
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)  # (row, col) -> value
    formulas: set[tuple[int, int]] = field(default_factory=set)  # formulas with no cached value
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    hidden_rows: set[int] = field(default_factory=set)
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


def check_container(path: str) -> None:
    """Refuse what is not a sane .xlsx before any XML is parsed."""
    if not os.path.exists(path):
        raise WorkbookError(f"{path}: no such file")
    if os.path.isdir(path):
        raise WorkbookError(f"{path}: is a folder, not a workbook")
    size = os.path.getsize(path)
    if size == 0:
        raise WorkbookError(f"{path}: the file is empty")
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head == OLE_MAGIC:
        raise WorkbookError(
            f"{path}: this is a password-protected workbook or an old .xls file; "
            "remove the password or save it as .xlsx (Excel Workbook) and try again")
    if not zipfile.is_zipfile(path):
        raise WorkbookError(f"{path}: not an .xlsx workbook (the file is not a zip archive; "
                            "it may be text, or truncated)")
    try:
        with zipfile.ZipFile(path) as zf:
            total = 0
            for info in zf.infolist():
                total += info.file_size
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > MAX_MEMBER_BYTES or (info.file_size > 1_000_000
                                                         and ratio > MAX_RATIO):
                    raise WorkbookError(
                        f"{path}: refused: part {info.filename} unpacks to {info.file_size:,} "
                        "bytes, far beyond any guideline workbook (a zip bomb?)")
            if total > MAX_TOTAL_BYTES:
                raise WorkbookError(f"{path}: refused: unpacks to {total:,} bytes in all, "
                                    "far beyond any guideline workbook (a zip bomb?)")
            names = set(zf.namelist())
            if "EncryptedPackage" in names:
                raise WorkbookError(f"{path}: the workbook is password-protected")
            if "xl/workbook.xml" not in names:
                raise WorkbookError(f"{path}: a zip file, but not an .xlsx workbook "
                                    "(no xl/workbook.xml inside)")
            bad = zf.testzip()
            if bad is not None:
                raise WorkbookError(f"{path}: the file is damaged (part {bad} is corrupt)")
    except zipfile.BadZipFile as exc:
        raise WorkbookError(f"{path}: the file is damaged or truncated ({exc})") from None


def read_sheets(path: str) -> list[Sheet]:
    """Every worksheet as a grid of cell values (formulas replaced by their cached values)."""
    check_container(path)
    import openpyxl  # slow to import: only when a workbook is read
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:  # pragma: no cover - defusedxml is a hard dependency
        raise WorkbookError("refusing to read workbooks without defusedxml installed")
    try:
        wb = openpyxl.load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise WorkbookError(f"{path}: cannot be read as a workbook ({_reason(exc)})") from None
    sheets: list[Sheet] = []
    formula_cells: list[tuple[Sheet, int, int]] = []
    for ws in wb.worksheets:
        sheet = Sheet(ws.title, hidden=ws.sheet_state != "visible")
        for rng in ws.merged_cells.ranges:
            sheet.merged.append((rng.min_row, rng.min_col, rng.max_row, rng.max_col))
        for idx, dim in ws.row_dimensions.items():
            if dim.hidden:
                sheet.hidden_rows.add(idx)
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                if v is None or (isinstance(v, str) and not v.strip()):
                    continue
                if c.row > MAX_ROWS:
                    sheet.truncated_at = MAX_ROWS
                    continue
                if c.data_type == "f":
                    formula_cells.append((sheet, c.row, c.column))
                    v = str(v)
                if not isinstance(v, (str, int, float, bool, dt.date, dt.datetime, dt.time)):
                    v = str(v)  # array formulas and the like: keep their text
                sheet.cells[(c.row, c.column)] = v
        sheets.append(sheet)
    if formula_cells:
        _fill_cached(path, formula_cells)
    return sheets


def _fill_cached(path: str, formula_cells: list[tuple[Sheet, int, int]]) -> None:
    import openpyxl

    cached = openpyxl.load_workbook(path, data_only=True)
    for sheet, r, c in formula_cells:
        v = cached[sheet.name].cell(r, c).value
        if v is None:
            sheet.formulas.add((r, c))  # the formula text stays in the grid for the message
        else:
            sheet.cells[(r, c)] = v


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]
