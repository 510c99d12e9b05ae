"""A small v2 guideline with a FHIR sheet, for the FHIR sheet and CDS Hooks tests.

`pain` (boolean) is read from an active Condition coded ICD-10 R52 (or Norwegian R52), or a
questionnaire; `risk` (low/high) and `line` (integer, may be unknown) from the questionnaire
only. Plain openpyxl, no engine code; each test changes one cell of `FHIR_ROWS` to make one
mistake.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from workbooks import TableSpec, TestSpec
from workbooks_v2 import Workbook2, write2

ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10_NO = "urn:oid:2.16.578.1.12.4.1.1.7110"
Q = "http://example.org/Questionnaire/advice"
QR_PATH = ("QuestionnaireResponse.where(questionnaire.startsWith('" + Q + "'))"
           ".repeat(item).where(linkId = '{name}').answer.value")
CONDITION = ("Condition.where(clinicalStatus.coding.exists(code = 'active')).code.coding")

SPEC = Workbook2(
    glossary=[("pain", "boolean", None, "Smerter", "nei"),
              ("risk", "string", '"low", "high"', "Risiko", "nei"),
              ("line", "integer", ">= 1", "Linje", "ja"),
              ("advice", "string", '"watch", "treat"', "Råd", "")],
    tables=[TableSpec("advice", "U", [("pain", "input"), ("risk", "input"), ("line", "input"),
                                      ("advice", "output"), ("sources", "annotation")],
                      [["R1", True, "-", "-", "treat", "P1"],
                       ["R2", False, "high", "-", "treat", "P2"],
                       ["R3", False, "low", "null", "watch", "P3"],
                       ["R4", False, "low", 1, "watch", "P3, P4"],
                       ["R5", False, "low", ">= 2", "treat", "P4"]],
                      sheet="Advice", title="What to advise")],
    tests=TestSpec([("pain", "input"), ("risk", "input"), ("line", "input"),
                    ("advice", "expected")],
                   [["T1", True, "low", 1, "treat"], ["T2", False, "high", None, "treat"],
                    ["T3", False, "low", None, "watch"], ["T4", False, "low", 1, "watch"],
                    ["T5", False, "low", 3, "treat"]]),
)
HEADER = ["Variable", "Prefetch", "Query", "FHIRPath", "Codes", "Match", "Value", "Absent",
          "Max age", "Question"]
FHIR_ROWS: list[list[Any]] = [
    ["pain", "conditions", "Condition?patient={{context.patientId}}", CONDITION,
     f"{ICD10}|R52, {ICD10_NO}|R52", None, "true", "ask", None, "Has the patient pain?"],
    ["pain", "questionnaire", "QuestionnaireResponse?patient={{context.patientId}}",
     QR_PATH.format(name="pain"), None, None, None, None, "30 d", None],
    ["risk", "questionnaire", None, QR_PATH.format(name="risk"), None, None, None, None,
     "30 d", "Which risk?"],
    ["line", "questionnaire", None, QR_PATH.format(name="line"), None, None, None, None,
     "30 d", "Which line?"],
]
ABOUT = [("title", "Advice"), ("version", "1.0"), ("status", "approved"), ("language", "en")]
VALUES = [("Variable", "Value", "Label"), ("advice", "watch", "Watch and wait"),
          ("advice", "treat", "Treat now")]


def write_fhir(path: Path, rows: list[list[Any]] | None = None, header: list[str] | None = None,
               about: list[tuple[str, str]] | None = None, sheet: str = "FHIR") -> Path:
    write2(SPEC, path)
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet(sheet)
    ws.append(header or HEADER)
    for row in FHIR_ROWS if rows is None else rows:
        ws.append(list(row))
    ab = wb.create_sheet("About")
    for key, value in ABOUT if about is None else about:
        ab.append([key, value])
    vs = wb.create_sheet("Values")
    for row in VALUES:
        vs.append(list(row))
    wb.save(path)
    return path


def paragraphs(path: Path) -> Path:
    """The guideline text beside the workbook, as `render` and the server read it."""
    text = ("| id | text | English |\n|---|---|---|\n"
            "| P1 | Pain comes first. | Pain comes first. |\n"
            "| P2 | High risk is treated. | High risk is treated. |\n"
            "| P3 | Low risk is watched. | Low risk is watched. |\n"
            "| P4 | From the second line, treat. | From the second line, treat. |\n")
    target = path.with_suffix(".paragraphs.md")
    target.write_text(text, encoding="utf-8")
    return target
