"""One mistake, one message: what follows from a cell that cannot be read is said with it.

A typo in one cell made five findings: the cell, its rule left out of the check, and every gap
where that rule belongs. The check still works all of that out (a gap elsewhere is still a gap),
but a `not_analysed` finding whose every cell already has its own error is folded into that
error, as a clause of its message: the committee reads one sentence at the cell to fix.
"""

from __future__ import annotations

from dataclasses import replace

from ..core.errors import Finding


def fold(findings: list[Finding]) -> list[Finding]:
    """The findings with each consequence of an unreadable cell said with that cell."""
    at: dict[str, int] = {}
    for k, f in enumerate(findings):
        if f.severity == "error" and f.kind != "not_analysed" and len(f.cells) == 1:
            at.setdefault(f.cells[0], k)
    out: list[Finding | None] = list(findings)
    for k, f in enumerate(findings):
        if f.kind != "not_analysed" or not f.cells or not all(c in at for c in f.cells):
            continue
        first = at[f.cells[0]]
        host = out[first]
        assert host is not None
        out[first] = replace(host, message=f"{host.message}; {f.message}",
                             decision=host.decision or f.decision,
                             rules=host.rules or f.rules)
        out[k] = None
    return [f for f in out if f is not None]
