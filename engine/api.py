"""The package face: `load` and a `Model` whose methods reach the rooms below.

The rooms never import this module; it sits on top of them, so that `engine.load(path)` and
`model.evaluate(case)` stay the two lines a caller needs while the model itself stays data.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, fields
from typing import Any

import pandas as pd

from .core import model as core
from .core.errors import DraftWarning, Finding
from .core.i18n import language
from .evaluation.bulk import evaluate_frame
from .evaluation.evaluate import Result, draft_message, evaluate
from .verify.check import check_model
from .workbook import loader


@dataclass
class Model(core.Model):
    """A loaded guideline: glossary, decision tables in dependency order, test cases."""

    def evaluate(self, case: dict[str, Any], decision: str | None = None) -> Result:
        """Evaluate one case; raises `CaseError` instead of ever answering with a default.
        A draft guideline (About `status`) answers too, with a `DraftWarning`."""
        if self.draft:
            warnings.warn(self._draft_said(), DraftWarning, stacklevel=2)
        return evaluate(self, case, decision)

    def _draft_said(self) -> str:
        """The draft warning, written once per language and status (it was a third of the
        time of one evaluation): the words depend on nothing else."""
        said: dict[tuple[str, str, str | None], str] = vars(self).setdefault("_draft_words", {})
        key = (language(), self.path, self.about.get("status"))
        text = said.get(key)
        if text is None:
            text = said[key] = draft_message(self)
        return text

    def evaluate_frame(self, frame: pd.DataFrame, decision: str | None = None) -> pd.DataFrame:
        """Evaluate every row of `frame` as a case: the outputs and deciding rules of each
        decision on the way, then `error` and `error_kind` (None on answered rows); a bad row
        never raises. See `engine.evaluation.bulk.evaluate_frame` for the columns."""
        if self.draft:
            warnings.warn(draft_message(self), DraftWarning, stacklevel=2)
        return evaluate_frame(self, frame, decision)

    def check(self) -> list[Finding]:
        """Every finding of the workbook: load problems, gaps, overlaps, unreachable rules."""
        return check_model(self)


def load(path: str, strict: bool = True, dmn_strict: bool = False) -> Model:
    """Read a workbook (.xlsx) or DMN file. With `strict`, one holding errors raises
    `WorkbookInvalid` listing every problem. With `dmn_strict`, a DMN file is read by the
    letter of the standard: what is otherwise read leniently, with a warning (a typeRef that
    every cell of its column contradicts, say), is an error."""
    data = loader.load(path, strict=strict, dmn_strict=dmn_strict)
    return Model(**{f.name: getattr(data, f.name) for f in fields(data)})
