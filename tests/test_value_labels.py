"""Value labels (sheet `Values` / `Verdier`): words for codes in what people read, codes elsewhere.

Each workbook is built in tmp_path; the NBCG labels proposed in tables/nbcg-verdier.tsv are
checked by adding them as a `Verdier` sheet to a copy of the bundled workbook.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from workbooks import TableSpec, TestSpec, WorkbookSpec, write

import engine
from engine.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
NBCG_LABELS = ROOT / "tables" / "nbcg-verdier.tsv"

SPEC = WorkbookSpec(
    glossary=[("risk", "string", '"low", "high"', "Risiko"),
              ("pain", "boolean", None, "Smerter"),
              ("advice", "string", '"watch", "treat"', "Råd")],
    tables=[TableSpec("advice", "U", [("risk", "input"), ("pain", "input"),
                                      ("advice", "output")],
                      [["R1", "low", False, "watch"], ["R2", "low", True, "treat"],
                       ["R3", "high", "-", "treat"]], sheet="Advice")],
    tests=TestSpec([("risk", "input"), ("pain", "input"), ("advice", "expected")],
                   [["T1", "low", False, "watch"], ["T2", "high", True, "treat"]]),
)
LABELS = [("Variabel", "Verdi", "Etikett"), ("advice", "watch", "Følg med"),
          ("advice", "treat", "Behandle nå"), ("risk", "high", "Høy risiko")]


def workbook(tmp_path: Path, rows: list[tuple[Any, ...]] | None = None,
             sheet: str = "Verdier") -> Path:
    path = write(SPEC, tmp_path / "wb.xlsx")
    if rows is not None:
        wb = openpyxl.load_workbook(path)
        ws = wb.create_sheet(sheet)
        for row in rows:
            ws.append(list(row))
        wb.save(path)
    return path


def problems(path: Path) -> list[tuple[str, str, tuple[str, ...]]]:
    model = engine.load(str(path), strict=False)
    return [(p.kind, p.severity, p.cells) for p in model.problems]


def test_labels_are_read_into_the_model(tmp_path: Path) -> None:
    model = engine.load(str(workbook(tmp_path, LABELS)))
    assert model.value_labels == {"advice": {"watch": "Følg med", "treat": "Behandle nå"},
                                  "risk": {"high": "Høy risiko"}}


@pytest.mark.parametrize("sheet", ["Values", "Verdier", " verdier "])
def test_the_sheet_is_found_by_either_name(tmp_path: Path, sheet: str) -> None:
    rows = [("Variable", "Value", "Label"), ("advice", '"treat"', "Behandle nå")]
    model = engine.load(str(workbook(tmp_path, rows, sheet)))
    assert model.value_labels == {"advice": {"treat": "Behandle nå"}}


def test_no_sheet_no_labels(tmp_path: Path) -> None:
    assert engine.load(str(workbook(tmp_path))).value_labels == {}


@pytest.mark.parametrize(("row", "kind", "cell"), [
    (("advise", "treat", "Behandle"), "unknown", "Verdier!A2"),  # no such variable
    (("advice", "operate", "Operer"), "syntax", "Verdier!B2"),  # a bare word not allowed
    (("advice", '"operate"', "Operer"), "domain", "Verdier!B2"),  # not an allowed value
    (("advice", "treat", None), "syntax", "Verdier!C2"),  # no label
    (("advice", None, "Behandle"), "syntax", "Verdier!B2"),  # no value
    (("advice", "null", "Ukjent"), "syntax", "Verdier!B2"),  # unknown has no code
])
def test_a_bad_row_is_an_error_at_its_cell(tmp_path: Path, row: tuple[Any, ...], kind: str,
                                           cell: str) -> None:
    found = problems(workbook(tmp_path, [LABELS[0], row]))
    assert [(k, c) for k, s, c in found if s == "error"] == [(kind, (cell,))]


def test_an_unknown_variable_gets_the_closest_name(tmp_path: Path) -> None:
    model = engine.load(str(workbook(tmp_path, [LABELS[0], ("advise", "treat", "x")])),
                        strict=False)
    assert 'did you mean "advice"' in model.problems[0].message


def test_a_value_labelled_twice_is_an_error(tmp_path: Path) -> None:
    rows = [*LABELS, ("advice", '"treat"', "Start behandling")]
    found = problems(workbook(tmp_path, rows))
    assert ("duplicate", "error", ("Verdier!B5",)) in found
    model = engine.load(str(workbook(tmp_path, rows)), strict=False)
    assert "also at Verdier!B3" in str(model.problems[0])


def test_two_codes_with_the_same_words_is_a_warning(tmp_path: Path) -> None:
    rows = [LABELS[0], ("advice", "watch", "Vent"), ("advice", "treat", "vent")]
    found = problems(workbook(tmp_path, rows))
    assert [(k, s) for k, s, _ in found] == [("duplicate", "warning")]


def test_a_header_without_its_columns_is_an_error(tmp_path: Path) -> None:
    found = problems(workbook(tmp_path, [("Variabel", "Etikett"), ("advice", "Følg med")]))
    assert found == [("structure", "error", ("Verdier!A1",))]


def test_cases_and_dmn_keep_the_codes(tmp_path: Path) -> None:
    path = workbook(tmp_path, LABELS)
    model = engine.load(str(path))
    result = model.evaluate({"risk": "high", "pain": True}, decision="advice")
    assert result["advice"] == "treat"
    dmn = tmp_path / "wb.dmn"
    assert main(["export", str(path), "--to", "dmn", str(dmn)]) == 0
    text = dmn.read_text(encoding="utf-8")
    assert '"treat"' in text and "Behandle" not in text


def test_explain_shows_the_label_beside_the_code(tmp_path: Path) -> None:
    model = engine.load(str(workbook(tmp_path, LABELS)))
    text = model.evaluate({"risk": "high", "pain": True}, decision="advice").explain()
    assert 'Råd (advice) = Behandle nå ("treat")' in text
    assert 'Risiko (risk) is Høy risiko ("high")' in text


def test_render_shows_labels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = workbook(tmp_path, LABELS)
    assert main(["render", str(path), "--format", "markdown", "--lang", "nb"]) == 0
    text = capsys.readouterr().out
    assert "| **R3** | Høy risiko | – | Behandle nå |" in text
    assert "| **R1** | `low` | nei | Følg med |" in text  # no label: the code, as before
    assert "Følg med (`watch`), Behandle nå (`treat`)" in text  # the glossary gives both
    assert main(["render", str(path), "--format", "html", "--lang", "nb"]) == 0
    assert "<td>Behandle nå</td>" in capsys.readouterr().out


def test_nbcg_labels_proposed_for_the_committee(tmp_path: Path) -> None:
    """tables/nbcg-verdier.tsv as a `Verdier` sheet: every row is read, nothing is wrong."""
    with NBCG_LABELS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    copy = tmp_path / "nbcg.xlsx"
    shutil.copyfile(NBCG, copy)
    wb = openpyxl.load_workbook(copy)
    if "Verdier" in wb.sheetnames:  # the workbook's own: the proposal takes its place
        del wb["Verdier"]
    ws = wb.create_sheet("Verdier")
    for row in rows:
        ws.append(row)
    wb.save(copy)
    model = engine.load(str(copy))
    assert model.problems == []
    assert sum(len(v) for v in model.value_labels.values()) == len(rows) - 1
    labelled = model.value_labels
    for name in ("recommendation", "observation_period", "strength", "treatment_duration",
                 "continuation", "pathway"):  # every answer the committee reads has words
        assert set(labelled[name]) == set(model.variables[name].values), name
    result = model.evaluate({
        "skeletal_metastases": True, "hormone_receptor_status": "negative",
        "therapy": "chemotherapy", "chemotherapy_line": 1, "parenchymal_metastases": True,
        "osteolytic_metastases": "other", "skeletal_symptoms": False,
        "uncontrolled_pain": True, "endocrine_sensitive": None, "response": "not_evaluated",
        "endocrine_failure": None,
    }, decision="bisphosphonate")
    assert result["recommendation"] == "consider_now"
    assert 'Vurder bisfosfonat umiddelbart ("consider_now")' in result.explain()


def test_the_annotated_copy_says_a_gap_in_words(tmp_path: Path) -> None:
    path = workbook(tmp_path, LABELS)
    wb = openpyxl.load_workbook(path)
    wb["Advice"].delete_rows(6)  # rule R3 (risk "high"): those cases get no answer
    wb.save(path)
    out = tmp_path / "annotated.xlsx"
    assert main(["check", str(path), "--annotate", str(out)]) == 1
    sheet = openpyxl.load_workbook(out)["Advice"]
    row = next(r for r in range(1, sheet.max_row + 1)
               if str(sheet.cell(r, 1).value).startswith("FORSLAG"))
    assert sheet.cell(row, 2).value == '"high"'  # the suggested rule keeps the code
    assert "These cases in words: Risiko: Høy risiko" in sheet.cell(row, 1).comment.text
