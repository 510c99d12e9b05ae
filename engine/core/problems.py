"""The one list every reader appends its findings to: a load never stops at the first problem."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import Finding


@dataclass
class Problems:
    """One list every reader appends to: load never stops at the first problem."""

    items: list[Finding] = field(default_factory=list)

    def add(self, kind: str, message: str, *cells: str, severity: str = "error",
            decision: str | None = None, rules: tuple[str, ...] = ()) -> None:
        self.items.append(Finding(kind, severity, message, decision, rules, tuple(cells)))
