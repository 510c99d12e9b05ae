"""How a guideline workbook prints and shows: one place for the committee's page setup.

A decision table is wider than it is long, and a committee prints it for the meeting: so each
sheet prints landscape on A4, scaled to the page width (never split by column), with its title,
header and role rows repeated on every page, and every column wide enough that its header is
not cut ("Beslutning" must not print as "Beslu"). Used by the annotated copy (`--annotate`),
`guideline init` and `guideline import`; apply it to a committee's own workbook with
`apply_print_setup(wb)` once, then save it.

`show_booleans` gives boolean cells a number format that reads TRUE / FALSE in LibreOffice too
(it shows a boolean written by a program as 1 / 0). Only for copies people read, such as the
annotated copy: LibreOffice saves a cell so formatted as the number 1 or 0, which a workbook
the engine reads must not hold (a number is not a boolean).
"""

from __future__ import annotations

from typing import Any

from .layout import ABOUT, DECISION, GLOSSARY, TESTS, keyword
from .xlsx import column_letter

BOOLEAN_FORMAT = '"TRUE";"TRUE";"FALSE"'
MIN_WIDTH, MAX_WIDTH = 8.0, 60.0
HEADER_ROWS = 3  # decision row, header row, role row
SAMPLE_ROWS = 60  # rows looked at for a column's width


def column_widths(ws: Any, header_rows: int = HEADER_ROWS) -> dict[str, float]:
    """Width per column letter: the widest header word, or the widest short value, plus room.

    Headers must show whole; long free text (notes, sources) wraps instead of widening the
    column past `MAX_WIDTH`."""
    widths: dict[str, float] = {}
    for col in range(1, (ws.max_column or 0) + 1):
        longest = 0.0
        for row in range(1, min(ws.max_row or 0, SAMPLE_ROWS) + 1):
            value = ws.cell(row, col).value
            if value is None:
                continue
            text = str(value)
            if row == 1 and col > 2:
                continue  # a table's title spills over the columns to its right
            if row <= header_rows:
                longest = max(longest, max(len(word) for word in text.split() or [""]) + 2.0,
                              min(len(text), 24) + 2.0)
            else:
                longest = max(longest, min(len(text), 40) + 2.0)
        widths[column_letter(col)] = max(MIN_WIDTH, min(MAX_WIDTH, longest))
    return widths


def header_rows_of(ws: Any) -> int:
    """The rows to repeat on every printed page: a decision table's decision, header and role
    rows; the tests sheet's (title,) header and role rows; the glossary's header row."""
    name, first = keyword(ws.title), keyword(ws.cell(1, 1).value)
    if first in DECISION:
        return HEADER_ROWS
    if name in TESTS:
        title_row = ws.cell(1, 2).value is None and ws.cell(1, 1).value is not None
        return 3 if title_row else 2
    if name in GLOSSARY:
        return 1
    return 0 if name in ABOUT else 1


def apply_print_setup(wb: Any, booleans: bool = False) -> None:
    """Landscape A4, fit to one page wide, repeated header rows and widths that do not cut
    headers, for every sheet of `wb` (an openpyxl workbook); with `booleans`, boolean cells
    shown as TRUE / FALSE (see the module's note)."""
    for ws in wb.worksheets:
        setup_sheet(ws, header_rows_of(ws))
        if booleans:
            show_booleans(ws)


def setup_sheet(ws: Any, header_rows: int = HEADER_ROWS) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages long as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    rows = min(header_rows, ws.max_row or 0)
    if rows:
        ws.print_title_rows = f"1:{rows}"
    for letter, width in column_widths(ws, header_rows).items():
        current = ws.column_dimensions[letter].width
        if not current or current < width:
            ws.column_dimensions[letter].width = width


def show_booleans(ws: Any) -> None:
    """Give every boolean cell a format that reads TRUE / FALSE, not 1 / 0."""
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, bool):
                cell.number_format = BOOLEAN_FORMAT
