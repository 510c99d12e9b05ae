"""Build format-v2 workbooks for the tests: a glossary with `Unknown allowed`, and a constraints
sheet. Plain openpyxl, no engine code; English or Norwegian keywords."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from workbooks import TableSpec, TestSpec

WORDS = {
    "en": {"glossary": "Glossary", "name": "Name", "type": "Type", "allowed": "Allowed values",
           "label": "Label", "unknown": "Unknown allowed", "constraints": "Constraints",
           "id": "id", "description": "Description", "decision": "Decision",
           "input": "input", "output": "output", "expected": "expected", "tests": "Tests"},
    "no": {"glossary": "Ordliste", "name": "Navn", "type": "Type", "allowed": "Tillatte verdier",
           "label": "Etikett", "unknown": "Kan være ukjent", "constraints": "Begrensninger",
           "id": "Nr", "description": "Beskrivelse", "decision": "Beslutning",
           "input": "inndata", "output": "utdata", "expected": "forventet",
           "tests": "Testtilfeller"},
}


@dataclass
class Workbook2:
    glossary: list[tuple[Any, ...]]  # (name, type, allowed, label, unknown allowed)
    tables: list[TableSpec]
    constraint_columns: list[str] = field(default_factory=list)  # variables, then Description
    constraints: list[list[Any]] = field(default_factory=list)  # [id, cell, ..., description]
    tests: TestSpec | None = None
    language: str = "en"


def write2(spec: Workbook2, path: Path) -> Path:
    w = WORDS[spec.language]
    roles = {"input": w["input"], "output": w["output"], "expected": w["expected"]}
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = w["glossary"]
    ws.append([w["name"], w["type"], w["allowed"], w["label"], w["unknown"]])
    for row in spec.glossary:
        ws.append(list(row) + [None] * (5 - len(row)))
    for t in spec.tables:
        sh = wb.create_sheet(t.sheet or t.name[:31])
        sh.append([w["decision"], t.name, t.title or None])
        sh.append([t.policy] + [h for h, _ in t.columns])
        sh.append([None] + [roles.get(r, r) for _, r in t.columns])
        for rule in t.rules:
            sh.append(rule)
    if spec.constraint_columns:
        sh = wb.create_sheet(w["constraints"])
        sh.append([w["id"], *spec.constraint_columns, w["description"]])
        for row in spec.constraints:
            sh.append(row)
    if spec.tests is not None:
        sh = wb.create_sheet(w["tests"])
        sh.append([w["tests"]])
        sh.append(["id"] + [h for h, _ in spec.tests.columns])
        sh.append([None] + [roles.get(r, r) for _, r in spec.tests.columns])
        for row in spec.tests.rows:
            sh.append(row)
    wb.save(path)
    return path


def band_advice(advice_rules: list[list[Any]], x_unknown: str = "") -> Workbook2:
    """The issue's graph: `band` splits x at 5; `advice` reads band and x."""
    return Workbook2(
        glossary=[("x", "integer", ">= 0", "", x_unknown),
                  ("band", "string", '"low", "high"'),
                  ("advice", "string", '"a", "b"')],
        tables=[TableSpec("band", "U", [("x", "input"), ("band", "output")],
                          [["1", "< 5", '"low"'], ["2", ">= 5", '"high"']]),
                TableSpec("advice", "U", [("band", "input"), ("x", "input"),
                                          ("advice", "output")], advice_rules)])
