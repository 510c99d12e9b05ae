"""Where rows' FHIRPath expressions start alike, so that the start is evaluated once.

An expression that is one chain of invocations (`A.where(…).repeat(item).where(…).answer.value`,
nothing but invocations joined by `.` outside parentheses and strings, and no `%` variable) is
evaluated left to right: `A.b.c` is `c` applied to the result of `A.b`. So rows of one prefetch
key whose chains share their first steps can evaluate those steps once per resource and go on
from the result (fhirpathpy keeps the FHIR type of each node, so `answer.value` still resolves
its choice type). An expression with an operator at its top level, or any `%`, is left whole.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..core.fhir_map import FhirRow

PLAIN = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$.`")


def steps(path: str) -> list[str] | None:
    """The invocations of a pure chain, or None when the expression is not one."""
    if "%" in path:
        return None
    parts, depth, quote, start = [], 0, "", 0
    for k, ch in enumerate(path):
        if quote:
            if ch == quote and path[k - 1] != "\\":
                quote = ""
            continue
        if ch in "'`" and depth > 0:
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0:
            if ch == ".":
                parts.append(path[start:k])
                start = k + 1
            elif ch not in PLAIN:
                return None  # an operator, a space, a literal at the top level
    parts.append(path[start:])
    return parts if all(parts) and depth == 0 else None


def shared_prefixes(rows: Iterable[FhirRow]) -> dict[int, tuple[str, str]]:
    """id(row) -> (shared start, the rest of its expression), for rows of one prefetch key
    whose chains begin with the same steps (at least two rows, at least one step left)."""
    groups: dict[tuple[str, str], list[tuple[FhirRow, list[str]]]] = {}
    for row in rows:
        chain = steps(row.path) if row.path else None
        if chain is not None and len(chain) > 1:
            groups.setdefault((row.prefetch, chain[0]), []).append((row, chain))
    out: dict[int, tuple[str, str]] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        common = members[0][1]
        for _row, chain in members[1:]:
            n = 0
            while n < min(len(common), len(chain)) and common[n] == chain[n]:
                n += 1
            common = common[:n]
        n = min(len(common), *(len(chain) - 1 for _r, chain in members))
        if n < 1:
            continue
        start = ".".join(common[:n])
        for row, chain in members:
            out[id(row)] = (start, ".".join(chain[n:]))
    return out
