"""Files of cases are hostile input too: what is refused before pandas or openpyxl reads them.

A CSV of NUL bytes or of one endless line would be held whole in memory; a cases workbook's
formula with no saved result would be read as null (unknown) without a word.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import Any

from ..core.errors import UsageError
from ..core.i18n import _
from ..workbook.xlsx import column_letter

MAX_LINE = 1 << 20  # bytes in one line of a CSV of cases: a case is a few hundred


def check_text_file(path: str) -> None:
    """A CSV of cases is text in lines of sane length: NUL bytes or a line of megabytes is
    refused here, in one pass of 1 MB blocks, before pandas would hold it all in memory."""
    run = 0  # bytes since the last newline
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            if b"\0" in block:
                raise UsageError(_("{path} holds NUL bytes: it is not a text CSV file (save it "
                                   "as CSV UTF-8)").format(path=path))
            last = block.rfind(b"\n")
            if last < 0:
                run += len(block)
            else:
                longest = max(len(line) for line in block[:last].split(b"\n"))
                if run + block.find(b"\n") > MAX_LINE or longest > MAX_LINE:
                    run = MAX_LINE + 1
                else:
                    run = len(block) - last - 1
            if run > MAX_LINE:
                raise UsageError(_("{path} has a line longer than {most:,} bytes; a line of a "
                                   "CSV file holds one case").format(path=path, most=MAX_LINE))


def refuse_unsaved(path: str, sheet: str, number: int, row: tuple[Any, ...],
                   texts: tuple[Any, ...]) -> None:
    """A formula with no saved result is refused, as in a guideline workbook: never null."""
    for col, (value, text) in enumerate(zip(row, texts), start=1):
        if value is None and isinstance(text, str) and text.startswith("="):
            cell = f"{sheet}{column_letter(col)}{number}"
            raise UsageError(_("{path}: {cell} holds a formula ({formula}) with no saved "
                               "result: open and save the file in Excel or LibreOffice, or "
                               "type the value").format(path=path, cell=cell,
                                                        formula=text[:80]))


def formula_rows(path: str, sheet: Any) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows as written (formulas as text), only if it has formulas at all."""
    import openpyxl

    part = getattr(sheet, "_worksheet_path", None)
    with zipfile.ZipFile(path) as zf:
        if not isinstance(part, str) or part not in zf.namelist():
            return
        with zf.open(part) as fh:
            found = False
            while block := fh.read(1 << 20):
                if b"<f>" in block or b"<f " in block or b":f>" in block or b":f " in block:
                    found = True
                    break
    if not found:
        return
    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        yield from book.worksheets[0].iter_rows(values_only=True)
    finally:
        book.close()
