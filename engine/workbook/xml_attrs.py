"""Small readers for the workbook's XML text and its bounds, kept apart from `xlsx.py`.

Attributes are read from a tag's text with entities decoded, so `hidden="&#49;"` is seen as
`hidden="1"`; a sheet name or a cell text far beyond what a person types is refused or cut
before it is copied into every cell name and message.
"""

from __future__ import annotations

import html
import re
from typing import Any

from ..core.errors import WorkbookError
from ..core.text import MAX_NAME, MAX_TEXT, visible

_ATTR = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def attributes(tag: bytes) -> dict[str, str]:
    """A tag's attributes, entities decoded (`hidden="&#49;"` is `1`), prefixes dropped."""
    out = {}
    for m in _ATTR.finditer(tag):
        name = m.group(1).decode("utf-8", "replace").rsplit(":", 1)[-1]
        raw = m.group(2) if m.group(2) is not None else m.group(3)
        out[name] = html.unescape(raw.decode("utf-8", "replace")).strip()
    return out


def is_true(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true")


def is_zero(value: str | None) -> bool:
    try:
        return value is not None and float(value) == 0
    except ValueError:
        return False


def bound_sheet(path: str, sheet: Any) -> None:
    """A name or a text far beyond what a person types is refused or cut here, before it is
    copied into every cell name and message (a 300,000-character sheet name cost 2 GB)."""
    if len(sheet.name) > MAX_NAME:
        raise WorkbookError(f"{path}: a sheet name of {len(sheet.name):,} characters "
                            f"({visible(sheet.name, 40)}); Excel allows 31 and at most "
                            f"{MAX_NAME} are read")
    for pos, value in sheet.cells.items():
        if isinstance(value, str) and len(value) > MAX_TEXT:
            sheet.too_long[pos] = len(value)
    for pos in sheet.too_long:
        sheet.cells[pos] = sheet.cells[pos][:MAX_TEXT]
