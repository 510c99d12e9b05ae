"""The FHIR sheet: read into the model, and every kind of mistake a finding at its cell."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from fhir_workbooks import FHIR_ROWS, write_fhir

import engine
from engine.core.fhir_map import ASK, FhirCode, MaxAge


def rows_with(row: int, column: int, value: Any) -> list[list[Any]]:
    rows = copy.deepcopy(FHIR_ROWS)
    rows[row][column] = value
    return rows


def findings(path: Path) -> list[tuple[str, str, tuple[str, ...], str]]:
    model = engine.load(str(path), strict=False)
    return [(p.kind, p.severity, p.cells, p.message) for p in model.problems]


def test_a_good_sheet_is_read_into_the_model(tmp_path: Path) -> None:
    model = engine.load(str(write_fhir(tmp_path / "wb.xlsx")))
    assert [r.variable for r in model.fhir] == ["pain", "pain", "risk", "line"]
    pain = model.fhir[0]
    assert pain.codes == (FhirCode("http://hl7.org/fhir/sid/icd-10", "R52"),
                          FhirCode("urn:oid:2.16.578.1.12.4.1.1.7110", "R52"))
    assert (pain.value, pain.has_value, pain.absent, pain.cell) == (True, True, ASK, "FHIR!A2")
    assert model.fhir[1].max_age == MaxAge(30, "d", "30 d")
    assert model.fhir[1].has_value is False
    assert engine.load(str(write_fhir(tmp_path / "wb.xlsx"))).check() == []


def test_norwegian_sheet_and_headers(tmp_path: Path) -> None:
    header = ["Variabel", "Forhåndshenting", "Søk", "FHIRPath", "Koder", "Treff", "Verdi",
              "Mangler", "Maks alder", "Spørsmål"]
    rows = rows_with(0, 7, "spør")
    rows[1][8] = "1 mnd"
    model = engine.load(str(write_fhir(tmp_path / "wb.xlsx", rows, header,
                                       sheet="FHIR-kobling")))
    assert model.fhir[1].max_age == MaxAge(1, "m", "1 mnd")
    assert model.fhir[0].absent == ASK


@pytest.mark.parametrize("row, column, value, kind, cell, words", [
    (0, 0, "pian", "unknown", "FHIR!A2", 'did you mean "pain"'),
    (0, 0, "advice", "structure", "FHIR!A2", "decided by the guideline"),
    (0, 6, "maybe", None, "FHIR!G2", "maybe"),
    (2, 6, "medium", None, "FHIR!G4", "medium"),
    (0, 3, "Condition.where(code", "syntax", "FHIR!D2", "cannot be read"),
    (0, 3, "Condition.exist()", "syntax", "FHIR!D2", "exist() is not a FHIRPath function"),
    (0, 3, "", "empty", "FHIR!D2", "FHIRPath is empty"),
    (0, 4, "R52", "syntax", "FHIR!E2", "system|code"),
    (0, 6, None, "empty", "FHIR!G2", "lists codes but no value"),
    (0, 5, "some", "syntax", "FHIR!F2", "not a match"),
    (1, 5, "all", "structure", "FHIR!F3", "lists no codes"),
    (1, 8, "thirty days", "syntax", "FHIR!I3", "not a maximum age"),
    (1, 8, "0 d", "syntax", "FHIR!I3", "not a maximum age"),
    (1, 8, "3 fortnights", "syntax", "FHIR!I3", "not a maximum age"),
    (2, 7, "unknown", "domain", "FHIR!H4", "must be known"),
    (2, 7, "perhaps", None, "FHIR!H4", "perhaps"),
    (0, 1, "my key!", "syntax", "FHIR!B2", "not a prefetch key"),
    (0, 2, "http://ehr/Condition", "syntax", "FHIR!C2", "not a FHIR search"),
    (0, 2, "Condition?patient={{context.who}}", "syntax", "FHIR!C2", "not a prefetch token"),
    (2, 2, "QuestionnaireResponse?subject=x", "structure", "FHIR!C4", "another search"),
    (1, 7, "nei", "structure", "FHIR!H3", "already has its absent"),
])
def test_each_mistake_is_a_located_finding(tmp_path: Path, row: int, column: int, value: Any,
                                           kind: str | None, cell: str, words: str) -> None:
    found = findings(write_fhir(tmp_path / "wb.xlsx", rows_with(row, column, value)))
    hits = [f for f in found if cell in f[2]]
    assert hits, found
    assert hits[0][0] == (kind or hits[0][0]) and hits[0][1] == "error"
    assert words in hits[0][3]


def test_a_value_no_row_can_produce(tmp_path: Path) -> None:
    """`pain` only from the record: the record never says `false`, so a patient without pain
    could never be answered."""
    rows = [r for r in FHIR_ROWS if r[:2] != ["pain", "questionnaire"]]
    rows[1] = [*rows[1][:2], FHIR_ROWS[1][2], *rows[1][3:]]  # the key's search moves with it
    found = findings(write_fhir(tmp_path / "wb.xlsx", rows))
    assert [(k, c) for k, _s, c, m in found] == [("domain", ("FHIR!A2",))]
    assert "false" in found[0][3]


def test_an_input_without_a_row(tmp_path: Path) -> None:
    rows = [r for r in FHIR_ROWS if r[0] != "risk"]
    found = findings(write_fhir(tmp_path / "wb.xlsx", rows))
    assert [(k, c) for k, _s, c, m in found] == [("unknown", ("FHIR!A1", "Glossary!A3"))]


def test_a_prefetch_key_without_a_search(tmp_path: Path) -> None:
    found = findings(write_fhir(tmp_path / "wb.xlsx", rows_with(1, 2, None)))
    assert [(k, c) for k, _s, c, m in found] == [("empty", ("FHIR!C3",))]


def test_missing_columns(tmp_path: Path) -> None:
    header = ["Variable", "Prefetch", "Query", "Path"]
    found = findings(write_fhir(tmp_path / "wb.xlsx", header=header))
    assert [(k, c) for k, _s, c, m in found] == [("structure", ("FHIR!A1",))]


@pytest.mark.parametrize("workbook", ["tests/golden/nbcg-bisfosfonat.xlsx",
                                      "tables/nbcg-bisfosfonat.xlsx"])
def test_loading_a_workbook_never_imports_the_fhirpath_parser(workbook: str) -> None:
    """Loading pays nothing for ANTLR, with a FHIR sheet (NBCG's) or without (the golden
    copy): the sheet's FHIRPath is checked by workbook/fhirpath_syntax.py."""
    import subprocess
    import sys
    code = (f"import sys, engine; m = engine.load({workbook!r}, strict=False);"
            "print(len(m.fhir), any(m.startswith(('fhirpathpy', 'antlr4', 'jwt')) "
            "for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent, check=True)
    rows, imported = out.stdout.split()
    assert imported == "False"
    assert (int(rows) > 0) == workbook.startswith("tables")  # NBCG's sheet was read


def test_dump_render_and_diff_show_the_sheet_and_dmn_leaves_it_out(tmp_path: Path) -> None:
    from engine.review.diff import diff_models
    from engine.review.render import build
    from engine.workbook.dump import dump_workbook

    path = write_fhir(tmp_path / "wb.xlsx")
    dumped = dump_workbook(str(path))
    assert "== FHIR [fhir] ==" in dumped and "urn:oid:2.16.578.1.12.4.1.1.7110|R52" in dumped
    model = engine.load(str(path))
    blocks = build(model, "wb.xlsx", {})
    assert any("FHIR" in "".join(text for _s, text in getattr(b, "text", ())) for b in blocks)
    changed = write_fhir(tmp_path / "wb2.xlsx", rows_with(1, 8, "14 d"))
    lines = diff_models(model, engine.load(str(changed))).glossary
    assert [line for line in lines if line.startswith("FHIR: pain from questionnaire")]
    from engine.dmn.export import export_dmn
    plain = engine.load(str(path))
    plain.fhir = []
    assert export_dmn(model) == export_dmn(plain)  # the sheet changes nothing in DMN
