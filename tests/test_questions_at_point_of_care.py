"""Issue 22, item 8: the committee's open questions reach the point of care.

A question in the questions sheet that is tied to a rule is shown wherever that rule decides
an answer: `eval --explain` (text, and `--format json`), the committee's page, and the rule's
card and notes in the report and the review document. A small workbook shows the mechanism;
the NBCG workbook shows the case the issue names (new pain during observation: B3, Q5).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from workbooks import TableSpec, WorkbookSpec, write

from engine import load
from engine.cli.main import main
from engine.core import i18n
from engine.evaluation.explain import questions_behind
from engine.review.render import render
from engine.review.report import build_report
from engine.serve import page
from engine.serve.state import Guideline

ROOT = Path(__file__).resolve().parent.parent
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
PARAGRAPHS = """Column one:

| id | text | English |
|---|---|---|
| N1 | Første. | First. |
| N2 | Andre. | Second. |
"""
QUESTIONS = [["Nr", "Spørsmål", "Avsnitt", "Regler", "Lesning inntil videre"],
             ["Q1", "Er 5 lavt eller høyt?", "N1, N2", "Grad G2", "Høyt inntil videre."],
             ["Q2", "Gjelder N1 også for 0?", "N1", "G1, Bånd R1", "Ja."],
             ["Q3", "Et spørsmål ingen regel bærer?", "N2", None, "Ingen."]]


def _book(tmp_path: Path) -> Path:
    spec = WorkbookSpec(
        glossary=[("x", "integer", ">= 0"), ("band", "string", '"low", "high"'),
                  ("grade", "string", '"mild", "severe"')],
        tables=[TableSpec("band", "U", [("x", "input"), ("band", "output"),
                                        ("sources", "annotation")],
                          [["R1", "< 5", '"low"', "N1"], ["R2", ">= 5", '"high"', "N2"]],
                          sheet="Bånd"),
                TableSpec("grade", "U", [("band", "input"), ("grade", "output"),
                                         ("sources", "annotation")],
                          [["G1", '"low"', '"mild"', "N1"], ["G2", '"high"', '"severe"', "N2"]],
                          sheet="Grad")])
    path = write(spec, tmp_path / "q.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("Spørsmål")
    for row in QUESTIONS:
        ws.append(row)
    wb.save(path)
    (tmp_path / "q.paragraphs.md").write_text(PARAGRAPHS, encoding="utf-8")
    return path


def test_the_questions_on_the_deciding_rules_of_every_step_once_in_sheet_order(
        tmp_path: Path) -> None:
    model = load(str(_book(tmp_path)))
    low = model.evaluate({"x": 1}, "grade")  # R1 then G1: Q2 is on both, said once
    assert [(q.id, rules) for q, rules in questions_behind(low)] == \
        [("Q2", ("Bånd R1", "Grad G1"))]
    high = model.evaluate({"x": 7}, "grade")  # R2 then G2: only Q1, on G2
    assert [(q.id, rules) for q, rules in questions_behind(high)] == [("Q1", ("Grad G2",))]
    assert questions_behind(model.evaluate({"x": 7}, "band")) == []  # R2 carries none


def test_explain_lists_them_with_the_reading_followed_meanwhile(tmp_path: Path) -> None:
    model = load(str(_book(tmp_path)))
    with i18n.speaking("en"):
        text = model.evaluate({"x": 7}, "grade").explain()
    block = text[text.index("Open questions for the committee behind this answer:"):]
    assert "  Q1 (Spørsmål!A2), rules Grad G2: Er 5 lavt eller høyt?" in block
    assert "    reading meanwhile: Høyt inntil videre." in block
    assert "Q2" not in block and "Q3" not in text  # only the deciding rules' questions
    assert "Open questions" not in model.evaluate({"x": 7}, "band").explain()


def test_the_block_is_written_once_per_language_and_rules(tmp_path: Path) -> None:
    """The block is remembered per model, language and deciding rules (a server writes it
    for every answer): another language or other rules never get a remembered block."""
    model = load(str(_book(tmp_path)))
    with i18n.speaking("en"):
        english = model.evaluate({"x": 7}, "grade").explain()
        assert model.evaluate({"x": 8}, "grade").explain().count("Open questions") == 1
    with i18n.speaking("nb"):
        norwegian = model.evaluate({"x": 7}, "grade").explain()
    assert "Open questions for the committee" in english
    assert "Open questions" not in norwegian and "Q1 (Spørsmål!A2)" in norwegian
    with i18n.speaking("en"):
        low = model.evaluate({"x": 1}, "grade").explain()  # R1, G1: Q2, not Q1
        assert model.evaluate({"x": 7}, "grade").explain() == english
    assert "Q2 (Spørsmål!A3)" in low and "Q1 (" not in low


def test_eval_json_carries_them_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _book(tmp_path)
    assert main(["eval", str(path), "--decision", "grade", "--case", '{"x": 1}',
                 "--format", "json", "--explain", "--lang", "nb"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["questions"] == [{"id": "Q2", "text": "Gjelder N1 også for 0?",
                                 "paragraphs": ["N1"], "rules": ["band:R1", "grade:G1"],
                                 "reading": "Ja.", "cell": "Spørsmål!A3"}]
    assert "Åpne spørsmål til faggruppen bak dette svaret:" in doc["explanation"]
    assert "lesning inntil videre: Ja." in doc["explanation"]


def test_the_report_and_the_review_show_them_on_the_rule(tmp_path: Path) -> None:
    path = _book(tmp_path)
    with i18n.speaking("nb"):
        markdown = render(str(path), "markdown")
        html = build_report(load(str(path)))
    notes = markdown[markdown.index("**Regel G2**"):]
    notes = notes[:notes.index("\n## ")]  # G2's notes, up to the next section
    assert "**Åpent spørsmål Q1:** Er 5 lavt eller høyt?" in notes and "Q2" not in notes
    assert html.count('<p class="asked">') == 3  # R1 (Q2), G1 (Q2), G2 (Q1)
    assert re.search(r'<p class="asked"><span class="k">Åpne spørsmål:</span> Q1</p>', html)


def test_the_nbcg_names_them_where_the_issue_says() -> None:
    """Q2 on F1, Q3 on F4, Q5 on B2 and B3, Q9 on B12, Q16 on B9 and B23."""
    model = load(str(NBCG))
    for qid, decision, rules in [("Q2", "continuation", ("F1",)),
                                 ("Q3", "continuation", ("F4",)),
                                 ("Q5", "bisphosphonate", ("B2", "B3")),
                                 ("Q9", "bisphosphonate", ("B12",)),
                                 ("Q16", "bisphosphonate", ("B9", "B23"))]:
        for rule in rules:
            assert qid in [q.id for q in model.questions_on(decision, (rule,))], (qid, rule)


NEW_PAIN: dict[str, Any] = {  # the README's case: observing on first-line chemotherapy
    **json.loads((ROOT / "docs" / "example-case.json").read_text(encoding="utf-8"))}


def test_new_pain_during_observation_is_flagged_on_the_page_and_in_the_explanation() -> None:
    """The issue's example: «observe, should» from B3, and Q5 (pain after the start) with it."""
    holder = Guideline(str(NBCG))
    holder.reload()
    version = holder.current
    assert version is not None
    view = page.answer_view(version, "bisphosphonate", NEW_PAIN)
    assert view["rules"] == ["B3"]
    assert [q["id"] for q in view["questions"]][:2] == ["Q5", "Q7"]
    q5 = view["questions"][0]
    assert q5["rules"] == "Bisfosfonat B3" and "på tidspunktet for oppstart" in q5["text"]
    html = page.render_page(holder, "bisphosphonate", view, fragment="answer")
    assert 'id="questions"' in html and 'data-question="Q5"' in html
    first_step = version.model.tables["pathway"]
    assert html.index('id="questions"') < html.index(  # before the steps
        f"<h3>{first_step.title or first_step.sheet}")
    assert "Q5 (Spørsmål!A6), rules Bisfosfonat B3" in view["explanation"] or \
        "Q5 (Spørsmål!A6), regler Bisfosfonat B3" in view["explanation"]
