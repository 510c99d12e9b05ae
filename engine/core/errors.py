"""Findings and exceptions: every problem is a record with a kind and a cell, never only prose."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .i18n import N_, _

SEVERITIES = ("error", "warning", "info")

# What a person reads for a severity or kind; the codes themselves stay English in JSON/JUnit.
_SEVERITY_WORDS = {"error": N_("error"), "warning": N_("warning"), "info": N_("info")}
_KIND_WORDS = {
    "gap": N_("gap"), "overlap": N_("overlap"), "unreachable": N_("unreachable"),
    "masked": N_("masked"), "redundant": N_("redundant"), "mergeable": N_("mergeable"),
    "default": N_("default"), "not_analysed": N_("not analysed"), "syntax": N_("syntax"),
    "type": N_("type"), "domain": N_("domain"), "graph": N_("graph"),
    "structure": N_("structure"), "empty": N_("empty"), "unknown": N_("unknown"),
    "duplicate": N_("duplicate"), "formula": N_("formula"), "hidden": N_("hidden"),
    "unsupported": N_("unsupported"), "constant": N_("constant"), "note": N_("note"),
    "lenient": N_("lenient"),
    "untested": N_("untested"), "impossible": N_("impossible"),
}


def severity_word(severity: str) -> str:
    """The severity in the installed language (`feil`, `advarsel`, `merknad`)."""
    return _(_SEVERITY_WORDS[severity]) if severity in _SEVERITY_WORDS else severity


def kind_word(kind: str) -> str:
    """The kind in the installed language; an unlisted kind shows as its code."""
    return _(_KIND_WORDS[kind]) if kind in _KIND_WORDS else kind


@dataclass(frozen=True)
class Finding:
    """One problem found in a workbook, located down to the cell."""

    kind: str  # gap, overlap, unreachable, masked, redundant, syntax, type, domain, graph, ...
    severity: str  # error, warning, info
    message: str
    decision: str | None = None
    rules: tuple[str, ...] = ()
    cells: tuple[str, ...] = ()
    example: dict[str, Any] | None = None
    region: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "decision": self.decision,
            "rules": list(self.rules),
            "cells": list(self.cells),
            "message": self.message,
            "example": _jsonable(self.example),
            "region": dict(self.region) if self.region is not None else None,
        }

    def __str__(self) -> str:
        where = ", ".join(self.cells)
        return f"{where}: {self.message}" if where else self.message


def _jsonable(case: dict[str, Any] | None) -> dict[str, Any] | None:
    if case is None:
        return None
    out: dict[str, Any] = {}
    for key, value in case.items():
        out[key] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


class EngineError(Exception):
    """Base of every error this package raises on purpose."""


class SfeelError(EngineError):
    """A cell's text is not a valid S-FEEL test or literal; `pos` is the character offset."""

    def __init__(self, message: str, text: str = "", pos: int = 0, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.text = text
        self.pos = pos
        self.hint = hint

    def describe(self) -> str:
        said = self.text.strip() and self.text.strip() in self.message  # no "'x' ... in 'x'"
        text = _("{message} in {text!r}").format(message=self.message, text=self.text) \
            if self.text and not said else self.message
        return f"{text} ({self.hint})" if self.hint else text


class UsageError(EngineError):
    """Bad arguments, or an input file that cannot be used as given (exit 2)."""


class WorkbookError(EngineError):
    """The file cannot be read as a workbook at all (exit code 2)."""


@dataclass
class WorkbookInvalid(EngineError):
    """The workbook was read, but holds errors; `findings` lists every one."""

    path: str
    findings: list[Finding] = field(default_factory=list)

    def __str__(self) -> str:
        errors = [f for f in self.findings if f.severity == "error"]
        lines = [_("{path}: {n_errors} problem(s) must be fixed before it can be used:").format(
                     path=self.path, n_errors=len(errors))]
        lines += [f"  {f}" for f in errors]
        return "\n".join(lines)


class DraftWarning(UserWarning):
    """The guideline evaluated is a draft (About sheet `status`): its answers are not approved.
    A warning, not an error: drafts are evaluated, tested and served while they are written."""


class CaseError(EngineError):
    """A case cannot be evaluated: never answered with a default."""

    def __init__(self, message: str, decision: str | None = None, inputs: tuple[str, ...] = ()):
        super().__init__(message)
        self.decision = decision
        self.inputs = inputs


class MissingInput(CaseError):
    """An input the decision reads is absent from the case."""


class InvalidInput(CaseError):
    """An input has the wrong type, is NaN, or lies outside its allowed values."""


class NoRuleMatched(CaseError):
    """A single-hit table has no rule for this case."""


class ConflictingRules(CaseError):
    """Several rules matched under Unique, or matches disagree under Any."""
