"""Readings beyond the letter of DMN that real modelers need, each one a located warning.

Old Camunda modelers wrote `typeRef="string"` on every input and output, whatever the cells
hold (`> 60`, `22`); Camunda and dmn-scala ignore such a typeRef. In a file Camunda's modeler
wrote, where every cell of a column holds literals of one other type, the cells say what the
column is: it is read as that type, with one warning per column (kind `lenient`). An empty
output entry is null, as Camunda, Flowable and dmn-eval-js read it (cells.py). In strict mode
each such warning is an error (`strictly`): the file is read by the letter of the standard or
refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from xml.etree.ElementTree import Element

from ..core.errors import Finding, SfeelError
from ..core.i18n import _
from ..core.problems import Problems
from ..core.sfeel import parse_literal, parse_unary
from .cells import kind_of

LENIENT = "lenient"  # the kind of every finding a lenient reading makes
CAMUNDA = "http://camunda.org/schema/1.0/dmn"
RETYPED = ("number", "boolean", "date")  # what a column's cells may say it is instead


def camunda_written(root: Element) -> bool:
    """Camunda's modeler wrote the file (its namespace, an attribute of its own, or its name
    as the exporter): only such a file's typeRef is read leniently, as Camunda reads it.
    Flowable refuses the same contradiction (its COLLECT MAX over a "string" output fails)."""
    return (root.get("namespace") == CAMUNDA
            or "camunda" in (root.get("exporter") or "").casefold()
            or any(key.startswith(f"{{{CAMUNDA}}}") for node in root.iter() for key in node.attrib))


def cell_kind(declared: str | None, texts: Iterable[str], inputs: bool,
              listed: str = "") -> str | None:
    """The one type every non-empty cell's literals have, and the column's listed input or
    output values too, when it is not `declared` (None when a cell cannot be read, holds no
    literal, or the cells disagree)."""
    kinds: set[str | None] = set()
    for text in [*texts, listed]:
        if not text or text == "-":
            continue
        try:
            values = parse_unary(text).literals() if inputs or text is listed else \
                [parse_literal(text)]
        except SfeelError:
            return None
        kinds.update(kind_of(v) for v in values if v is not None)
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    same = {declared, kind} <= {"number", "integer"} or kind == declared
    return kind if kind in RETYPED and not same else None


def retyped(problems: Problems, name: str, declared: str, kind: str, cell: str,
            decision: str) -> None:
    problems.add(LENIENT, _("the typeRef of {name} says {declared}, but every cell of the "
                            "column holds a {kind}: read as {kind}, as Camunda and dmn-scala "
                            "read it (give the column typeRef=\"{kind}\")").format(
                              name=name, declared=declared, kind=kind), cell,
                 severity="warning", decision=decision)


def strictly(findings: list[Finding]) -> list[Finding]:
    """Strict mode: a lenient reading is an error, as the standard has it."""
    return [replace(f, severity="error") if f.kind == LENIENT else f for f in findings]
