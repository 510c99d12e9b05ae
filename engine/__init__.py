"""Guideline decision tables kept in spreadsheets: load, check, evaluate, explain.

`load`, `Model` and `Result` come from `engine.api`, imported on first use (PEP 562): the
package's one lazy import at its face, so that the `guideline` command, which lives under
`engine.cli`, starts without paying for pandas.
"""

import logging
from typing import TYPE_CHECKING, Any

from .core import VERSION
from .core.errors import (
    CaseError,
    ConflictingRules,
    DraftWarning,
    EngineError,
    Finding,
    InvalidInput,
    MissingInput,
    NoRuleMatched,
    SfeelError,
    WorkbookError,
    WorkbookInvalid,
)

if TYPE_CHECKING:
    from .api import Model, load
    from .evaluation.evaluate import Result

__all__ = [
    "CaseError", "ConflictingRules", "DraftWarning", "EngineError", "Finding", "InvalidInput",
    "MissingInput", "Model", "NoRuleMatched", "Result", "SfeelError", "WorkbookError",
    "WorkbookInvalid", "load",
]
__version__ = VERSION
# The package logs (logger "engine": loads, check summaries, reloads) and never prints; until
# the application configures logging, nothing is shown.
logging.getLogger(__name__).addHandler(logging.NullHandler())
_FACE = {"Model": "api", "load": "api", "Result": "evaluation.evaluate"}


def __getattr__(name: str) -> Any:
    if name in _FACE:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_FACE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
