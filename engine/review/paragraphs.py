"""The guideline's paragraphs, read in `workbook/paragraphs.py` (the check needs them too);
named here as well for the review modules and for callers that import them from here."""

from __future__ import annotations

from ..workbook.paragraphs import (
    SOURCES,
    Paragraph,
    default_paragraphs,
    parse_paragraphs,
    read_paragraphs,
    source_ids,
)

__all__ = ["SOURCES", "Paragraph", "default_paragraphs", "parse_paragraphs",
           "read_paragraphs", "source_ids"]
