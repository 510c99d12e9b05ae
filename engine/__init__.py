"""Guideline decision tables kept in spreadsheets: load, check, evaluate, explain."""

from .errors import (
    CaseError,
    ConflictingRules,
    EngineError,
    Finding,
    InvalidInput,
    MissingInput,
    NoRuleMatched,
    SfeelError,
    WorkbookError,
    WorkbookInvalid,
)
from .evaluate import Result
from .loader import load
from .model import Model

__all__ = [
    "CaseError", "ConflictingRules", "EngineError", "Finding", "InvalidInput", "MissingInput",
    "Model", "NoRuleMatched", "Result", "SfeelError", "WorkbookError", "WorkbookInvalid", "load",
]
__version__ = "0.1.0"
