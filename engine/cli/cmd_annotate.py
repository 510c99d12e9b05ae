"""`guideline check --annotate`: the marked-up copy of the workbook, kept apart from the check
so that a plain check never loads openpyxl."""

from __future__ import annotations

from typing import Any

from ..review.annotate import annotate


def annotated_copy(job: tuple[Any, Any, Any]) -> str:
    """Write the copy; returns the line that says what was written."""
    model, findings, args = job
    return str(annotate(model, findings, args.workbook, args.annotate))
