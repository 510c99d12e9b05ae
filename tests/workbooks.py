"""Build small workbooks in format v1 for the tests: plain openpyxl, no engine code."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl


@dataclass
class TableSpec:
    name: str
    policy: str
    columns: list[tuple[str, str]]  # (header, role)
    rules: list[list[Any]]  # each: [id, cell, cell, ...]
    sheet: str = ""
    title: str = ""


@dataclass
class TestSpec:
    __test__ = False  # a test sheet's description, not a pytest class
    columns: list[tuple[str, str]]
    rows: list[list[Any]]


@dataclass
class WorkbookSpec:
    glossary: list[tuple[Any, ...]]  # (name, type, allowed, label?)
    tables: list[TableSpec]
    tests: TestSpec | None = None
    about: dict[str, str] = field(default_factory=dict)


def write(spec: WorkbookSpec, path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Glossary"
    ws.append(["Name", "Type", "Allowed values", "Label"])
    for row in spec.glossary:
        ws.append(list(row))
    for t in spec.tables:
        sh = wb.create_sheet(t.sheet or t.name[:31])
        sh.append(["Decision", t.name, t.title or None])
        sh.append([t.policy] + [h for h, _ in t.columns])
        sh.append([None] + [r for _, r in t.columns])
        notes = {i + 2 for i, (_, role) in enumerate(t.columns) if role == "annotation"}
        for rule in t.rules:
            sh.append(rule)
            for cell in sh[sh.max_row]:  # a note "=SUM(A1)" stays text, as a person typed it
                if cell.column in notes and isinstance(cell.value, str) and \
                        cell.value.startswith("="):
                    cell.data_type = "s"
    if spec.tests is not None:
        sh = wb.create_sheet("Tests")
        sh.append(["Tests"])
        sh.append(["id"] + [h for h, _ in spec.tests.columns])
        sh.append([None] + [r for _, r in spec.tests.columns])
        for row in spec.tests.rows:
            sh.append(row)
    if spec.about:
        sh = wb.create_sheet("About")
        for k, v in spec.about.items():
            sh.append([k, v])
    wb.save(path)
    return path
