"""The guideline's own words: its numbered paragraphs, which rules cite by id (N1, P3).

The text is kept beside the workbook as Markdown tables (`name.paragraphs.md`), one row a
paragraph: id, the verbatim text, an English reading. A rule's sources column names the ids;
the check proves each one is there, the review document and the report quote them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import UsageError
from ..core.i18n import _

SOURCES = ("sources", "source", "kilder", "kilde")  # the annotation column citing paragraphs
SOURCE_ID = re.compile(r"\b([A-Z]{1,3}\d{1,3})\b")
PARAGRAPH_ID = re.compile(r"[A-Z]{1,3}\d{1,3}$")


@dataclass(frozen=True)
class Paragraph:
    id: str
    text: str  # verbatim, in the guideline's language
    english: str
    group: str  # the heading of the table it stands in (the flowchart column)


def read_paragraphs(path: str | Path) -> dict[str, Paragraph]:
    """Every `| id | text | English |` row of the Markdown tables in a guideline file."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(_("cannot read the guideline text {path}: {value}").format(
                             path=path, value=getattr(exc, 'strerror', None) or exc)) from None
    return parse_paragraphs(lines, path)


def parse_paragraphs(lines: list[str], path: str | Path) -> dict[str, Paragraph]:
    """The paragraphs of a guideline text already read (the server reads it bounded)."""
    found: dict[str, Paragraph] = {}
    group = ""
    for line in lines:
        stripped = line.strip()
        if not stripped.startswith("|"):
            if stripped:
                group = stripped.rstrip(":")
            continue
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", stripped)[1:-1]]
        if len(cells) >= 2 and PARAGRAPH_ID.match(cells[0]):
            english = cells[2] if len(cells) > 2 else ""
            found[cells[0]] = Paragraph(cells[0], cells[1], english, group)
    if not found:
        raise UsageError(_("{path} holds no paragraph table: expected rows like '| N1 "
                           "| text | English |'").format(path=path))
    return found


def default_paragraphs(workbook: str) -> Path:
    """The guideline text kept beside the workbook: `name.xlsx` -> `name.paragraphs.md`."""
    return Path(workbook).with_suffix(".paragraphs.md")


def source_ids(text: str) -> list[str]:
    return list(dict.fromkeys(SOURCE_ID.findall(text)))
