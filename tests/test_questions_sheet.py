"""The questions sheet: read into Model.questions with every problem located, and listed by
render and report before the rule-derived questions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from workbooks import TableSpec, WorkbookSpec, write

from engine.core import i18n
from engine.core.errors import WorkbookInvalid
from engine.review.open_questions import committee_questions
from engine.review.render import render
from engine.review.report import build_report
from engine.workbook.loader import load

PARAGRAPHS = """Column one:

| id | text | English |
|---|---|---|
| N1 | Første. | First. |
| N2 | Andre. | Second. |
"""


def _book(tmp_path: Path, sheet: str, rows: list[list[Any]]) -> Path:
    spec = WorkbookSpec(
        glossary=[("x", "integer", ">= 0"), ("band", "string", '"low", "high"')],
        tables=[TableSpec("band", "U", [("x", "input"), ("band", "output"),
                                        ("sources", "annotation"), ("tolkning", "annotation")],
                          [["R1", "< 5", '"low"', "N1", None],
                           ["R2", ">= 5", '"high"', "N2", "5 er tolket som høy."]],
                          sheet="Bånd")])
    path = write(spec, tmp_path / "q.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet(sheet)
    for row in rows:
        ws.append(row)
    wb.save(path)
    (tmp_path / "q.paragraphs.md").write_text(PARAGRAPHS, encoding="utf-8")
    return path


NORWEGIAN = [["Nr", "Spørsmål", "Avsnitt", "Regler", "Lesning inntil videre", "Svar"],
             ["Q1", "Hvor lenge varer avventingen?", "N1, N2", "R1; Bånd R2", "Ingen frist.",
              None],
             [2, "Hva er en respons?", None, None, None, "ubesvart"]]


def test_norwegian_sheet_is_read_with_rules_resolved_and_cells_kept(tmp_path: Path) -> None:
    model = load(str(_book(tmp_path, "Spørsmål", NORWEGIAN)))
    q1, q2 = model.questions
    assert (q1.id, q1.text, q1.paragraphs, q1.reading) == (
        "Q1", "Hvor lenge varer avventingen?", ("N1", "N2"), "Ingen frist.")
    assert q1.rules == (("band", "R1"), ("band", "R2"))
    assert q1.cell == "Spørsmål!A2" and q1.cells["rules"] == "Spørsmål!D2"
    assert (q2.id, q2.paragraphs, q2.rules, q2.reading) == ("2", (), (), "")


def test_english_headers_in_any_order(tmp_path: Path) -> None:
    rows = [["Reading", "Rules", "Question", "id"], ["meanwhile low", "R1", "Is 5 high?", "E1"]]
    (q,) = load(str(_book(tmp_path, "Questions", rows))).questions
    assert (q.id, q.text, q.rules, q.reading) == ("E1", "Is 5 high?", (("band", "R1"),),
                                                  "meanwhile low")


@pytest.mark.parametrize(("row", "kind", "cell", "words"), [
    (["Q9", "Spørsmål?", "N1–N2", None], "syntax", "Spørsmål!C2", "not a paragraph id"),
    (["Q9", None, "N1", None], "empty", "Spørsmål!B2", "has no text"),
    ([None, "Spørsmål?", "N1", None], "structure", "Spørsmål!A2", "no id"),
])
def test_each_problem_names_its_cell(tmp_path: Path, row: list[Any], kind: str, cell: str,
                                     words: str) -> None:
    rows = [["Nr", "Spørsmål", "Avsnitt", "Regler"], row]
    model = load(str(_book(tmp_path, "Spørsmål", rows)), strict=False)
    found = [(p.kind, p.cells) for p in model.errors if words in p.message]
    assert found == [(kind, (cell,))]


def test_duplicate_id_and_missing_header(tmp_path: Path) -> None:
    rows = [["Nr", "Spørsmål"], ["Q1", "a?"], ["Q1", "b?"]]
    model = load(str(_book(tmp_path, "Spørsmål", rows)), strict=False)
    assert [(p.kind, p.cells) for p in model.errors] == [("duplicate", ("Spørsmål!A3",))]
    model = load(str(_book(tmp_path, "Spørsmål", [["Regler", "Avsnitt"], ["R1", "N1"]])),
                 strict=False)
    assert [(p.kind, p.cells) for p in model.errors] == [("structure", ("Spørsmål!A1",))]


def test_listing_puts_sheet_questions_before_rule_questions(tmp_path: Path) -> None:
    model = load(str(_book(tmp_path, "Spørsmål", NORWEGIAN)))
    listed = [(q.question.id if q.question else q.rule.id if q.rule else "default")
              for q in committee_questions(model)]
    assert listed == ["Q1", "2", "R2"]  # R1 neither interprets nor answers not_covered


def test_render_lists_them_in_markdown_and_html(tmp_path: Path) -> None:
    path = str(_book(tmp_path, "Spørsmål", NORWEGIAN))
    with i18n.speaking("nb"):
        md = render(path, "markdown")
    section = md.split("## Spørsmål til faggruppen")[1].split("\n## ")[0]
    lines = [line for line in section.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert lines[0].startswith("1. **Spørsmål Q1** (`Spørsmål!A2`): Hvor lenge varer")
    assert "Avsnitt: N1, N2. Regler: Bånd R1, Bånd R2." in lines[0]
    assert "**Lesning inntil videre:** Ingen frist." in lines[0]
    assert lines[1].startswith("2. **Spørsmål 2**") and lines[2].startswith("3. **Bånd R2**")
    assert section.index("Spørsmålene i arbeidsbokens spørsmålsark") < section.index("1. ")
    english = render(path, "markdown")
    assert "1. **Question Q1** (`Spørsmål!A2`): Hvor lenge varer" in english
    assert "Paragraphs: N1, N2. Rules: Bånd R1, Bånd R2. **Reading meanwhile:**" in english
    page = render(path, "html")
    assert page.index("Question Q1") < page.index("Bånd R2</strong>")
    assert "Question Q1" in build_report(load(path))


def test_render_refuses_a_paragraph_the_text_lacks(tmp_path: Path) -> None:
    rows = [["Nr", "Spørsmål", "Avsnitt"], ["Q1", "a?", "N1, N9"]]
    path = str(_book(tmp_path, "Spørsmål", rows))
    with pytest.raises(WorkbookInvalid) as caught:
        render(path, "markdown")
    (finding,) = caught.value.findings
    assert finding.cells == ("Spørsmål!C2",) and "N9" in finding.message


def test_without_questions_sheet_nothing_changes(tmp_path: Path) -> None:
    path = str(_book(tmp_path, "Notater", [["Fri tekst"]]))
    assert load(path).questions == []
    assert "Question Q" not in render(path, "markdown")


def test_dump_has_one_line_per_question_keyed_by_id(tmp_path: Path) -> None:
    from engine.workbook.dump import dump_workbook

    lines = dump_workbook(str(_book(tmp_path, "Spørsmål", NORWEGIAN))).splitlines()
    assert "== Spørsmål [questions] ==" in lines
    assert ("Spørsmål Q1 | Spørsmål: Hvor lenge varer avventingen? | Avsnitt: N1, N2 | "
            "Regler: R1; Bånd R2 | Lesning inntil videre: Ingen frist.") in lines


def test_without_a_glossary_the_questions_echo_nothing(tmp_path: Path) -> None:
    path = _book(tmp_path, "Spørsmål", NORWEGIAN)
    wb = openpyxl.load_workbook(path)
    wb["Glossary"].title = "Glosary"  # one misspelt sheet is one error, not one per rule cited
    wb.save(path)
    errors = load(str(path), strict=False).errors
    assert [e.cells for e in errors] == [("Glosary!A1",)]


# -- issue 21, item 14: a question naming a rule that is gone is a warning, with no guess ------
@pytest.mark.parametrize(("named", "what"), [("R7", "rule R7"), ("R2, R3", "rule R3"),
                                             ("Spor R1", "the decision or sheet «Spor»")])
def test_a_stale_rule_reference_is_a_warning_without_a_guess(tmp_path: Path, named: str,
                                                            what: str) -> None:
    rows = [["Nr", "Spørsmål", "Avsnitt", "Regler"], ["Q9", "Spørsmål?", None, named]]
    model = load(str(_book(tmp_path, "Spørsmål", rows)), strict=False)
    assert model.errors == []
    (found,) = [p for p in model.problems if p.cells == ("Spørsmål!D2",)]
    assert found.severity == "warning" and f"question Q9 names {what}," in found.message
    assert "did you mean" not in found.message
