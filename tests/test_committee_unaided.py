"""The committee, unaided (issue 21): a member edits the NBCG workbook and runs the commands.
No false alarm on a correct file, no silent pass on a wrong one, one mistake one message.

Expectations are read from the workbook (which rule a question names, which test case runs
through which rule), never hard-coded counts, so they hold when the guideline's content
changes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_committee import NBCG, Capture, nbcg_copy, run  # the committee's helpers

import engine


def rule_cell(rule_id: str, decision: str | None = None) -> tuple[str, str]:
    """The sheet and id cell of a rule of NBCG, as loaded."""
    model = engine.load(str(NBCG))
    for table in model.tables.values():
        for rule in table.rules:
            if rule.id == rule_id and decision in (None, table.name):
                sheet, ref = rule.cell.split("!")
                return sheet, ref
    raise LookupError(rule_id)


# -- item 14: a question naming a deleted rule ----------------------------------------------
def test_a_question_naming_a_deleted_rule_is_a_warning_and_blocks_nothing(
        tmp_path: Path, capsys: Capture) -> None:
    model = engine.load(str(NBCG))
    question = next(q for q in model.questions if q.rules)
    decision, rule_id = question.rules[0]
    sheet, ref = rule_cell(rule_id, decision)

    def renumber(wb: Any) -> None:  # the rule's id is gone from the table, as if deleted
        wb[sheet][ref] = f"{rule_id}x"
    path = str(nbcg_copy(tmp_path, renumber))
    stale = [f for f in engine.load(path, strict=False).check()
             if f.cells == (question.cells["rules"],)]
    assert [f.severity for f in stale] == ["warning"], stale
    assert f"rule {rule_id}," in stale[0].message and "did you mean" not in stale[0].message
    code, out, err = run(capsys, "test", path)
    assert code == 0 and "failed" in out, err
    code, out, err = run(capsys, "diff", str(NBCG), path)
    assert code == 0 and f"{rule_id}x" in out, err


# -- item 15: a copied rule -------------------------------------------------------------------
def _copied_rule(tmp_path: Path) -> tuple[Path, Any, Any]:
    """NBCG with a rule of bisphosphonate copied, id and all, to the first free row: a rule
    whose cells list several values in a column (it spans several tracks)."""
    model = engine.load(str(NBCG))
    table = model.tables["bisphosphonate"]
    rule = next(r for r in table.rules if any(len(t.points) > 1 for t in r.inputs if t))

    def copy(wb: Any) -> None:
        ws = wb[table.sheet]
        free = next(r for r in range(rule.row, ws.max_row + 2) if ws.cell(r, 1).value is None)
        for col in range(1, ws.max_column + 1):
            ws.cell(free, col).value = ws.cell(rule.row, col).value
    return nbcg_copy(tmp_path, copy), table, rule


def test_a_copied_rule_is_named_by_its_row_and_its_overlap_covers_every_track(
        tmp_path: Path, capsys: Capture) -> None:
    path, table, rule = _copied_rule(tmp_path)
    found = engine.load(str(path), strict=False).check()
    code, out, _ = run(capsys, "check", str(path))
    assert "@" not in out and not any("@" in r for f in found for r in f.rules)
    (overlap,) = [f for f in found if f.kind == "overlap"]
    copy_id = overlap.rules[1]
    assert overlap.rules[0] == rule.id and copy_id.startswith(f"{rule.id} (row ")
    for name, test in zip(table.input_names, rule.inputs):
        if test is not None and len(test.points) > 1:  # every track the rule spans
            assert all(f'"{v}"' in overlap.region[name] for v in test.points), overlap.region


# -- item 5: a citation of a paragraph the text does not have ---------------------------------
def test_a_citation_of_a_paragraph_the_text_lacks_is_a_check_finding(tmp_path: Path) -> None:
    from engine.workbook.paragraphs import default_paragraphs, read_paragraphs
    known = read_paragraphs(default_paragraphs(str(NBCG)))
    missing = next(f"N{n}" for n in range(1, 999) if f"N{n}" not in known)
    model = engine.load(str(NBCG))
    table = model.tables["bisphosphonate"]
    (sources,) = [c for c in table.annotations if c.name.casefold() in ("sources", "kilder")]
    rule = table.rules[0]
    question = model.questions[0]

    def cite(wb: Any) -> None:
        wb[table.sheet][f"{sources.letter}{rule.row}"] = f"N1, {missing}"
        sheet, ref = question.cells["paragraphs"].split("!")
        wb[sheet][ref] = f"{missing}"
    path = nbcg_copy(tmp_path, cite)
    (tmp_path / "copy.paragraphs.md").write_text(
        default_paragraphs(str(NBCG)).read_text(encoding="utf-8"), encoding="utf-8")
    found = [f for f in engine.load(str(path)).check() if missing in f.message]
    assert sorted((f.severity, f.cells) for f in found) == sorted([
        ("error", (f"{table.sheet}!{sources.letter}{rule.row}",)),
        ("error", (question.cells["paragraphs"],))])
    assert f"rule {rule.id} cites {missing}" in found[0].message + found[1].message


# -- item 3: a workbook whose test sheet is gone --------------------------------------------
def test_a_workbook_whose_tests_sheet_is_gone_is_untested_not_clean(tmp_path: Path,
                                                                   capsys: Capture) -> None:
    from engine.core import i18n
    from engine.serve.page import render_page
    from engine.serve.state import Guideline

    path = nbcg_copy(tmp_path, lambda wb: setattr(wb["Testtilfeller"], "title", "Eksempler"))
    found = engine.load(str(path), strict=False).check()
    assert [(f.kind, f.severity) for f in found] == [("untested", "warning")]
    code, out, _ = run(capsys, "check", str(path))
    assert "no test cases" in out and "nothing is tested" in out
    holder = Guideline(str(path))
    with i18n.speaking("nb"):
        holder.reload()
    page = render_page(holder, None)
    assert holder.current is not None and holder.current.counts()["warnings"] == 1
    assert 'id="untested"' in page and "ingen testtilfeller: ingenting er testet" in page
    assert "tester: 0 bestått" not in page and "Kontrollen finner ingenting" not in page


def test_a_decision_no_test_case_reaches_is_untested(tmp_path: Path) -> None:
    model = engine.load(str(NBCG))
    table = model.tables["continuation"]
    (expected,) = table.output_names

    def drop(wb: Any) -> None:  # the cases of continuation lose their expected answer
        ws = wb["Testtilfeller"]
        for case in model.tests:
            if expected in case.expected:
                for row in ws.iter_rows(min_row=case.row, max_row=case.row):
                    for cell in row[1:]:
                        cell.value = None
                ws.cell(case.row, 1).value = None
    found = engine.load(str(nbcg_copy(tmp_path, drop)), strict=False).check()
    untested = [f for f in found if f.kind == "untested"]
    assert [(f.severity, f.cells) for f in untested] == [("warning", (table.cell,))]
    assert "continuation" in untested[0].message


# -- item 4: a test case inside a constraint ------------------------------------------------
def test_a_test_case_inside_a_constraint_is_a_check_error(tmp_path: Path) -> None:
    from engine.core.graph import required
    model = engine.load(str(NBCG))
    ws_name = "Begrensninger"

    def constrain(wb: Any) -> None:  # "chemotherapy cannot occur": rules out most cases
        ws = wb[ws_name]
        headers = [c.value for c in ws[1]]
        row = ["C99"] + ["-"] * (len(headers) - 2) + ["kjemoterapi kan ikke forekomme"]
        row[headers.index("Systemisk behandling")] = "chemotherapy"
        ws.append(row)

    def reads_therapy(case: Any) -> bool:
        decisions = [t.name for t in model.tables.values()
                     if any(o in case.expected for o in t.output_names)]
        return any("therapy" in model.tables[n].input_names
                   for d in decisions for n in required(model.tables, d))
    impossible = {c.id for c in model.tests
                  if c.inputs.get("therapy") == "chemotherapy" and reads_therapy(c)}
    assert impossible  # NBCG tests the chemotherapy track
    found = engine.load(str(nbcg_copy(tmp_path, constrain)), strict=False).check()
    errors = [f for f in found if f.kind == "impossible"]
    assert all(f.severity == "error" and "C99" in f.message for f in errors)
    named = {f.message.split("test case ")[1].split(" ")[0] for f in errors}
    assert named == impossible
    assert all(len(f.cells) == 2 and f.cells[1].startswith(f"{ws_name}!A") for f in errors)


# -- item 2: every status but an approval warns, in render and report too --------------------
def with_status(tmp_path: Path, status: str) -> Path:
    def edit(wb: Any) -> None:
        for row in wb["Om"].iter_rows():
            if str(row[0].value).strip().casefold() == "status":
                row[1].value = status or None
    return nbcg_copy(tmp_path, edit, f"status-{status or 'none'}.xlsx")


@pytest.mark.parametrize("status", ["høringsutkast", "drat", "", "under revisjon"])
def test_render_and_report_say_a_status_that_is_not_approval_is_not_approved(
        tmp_path: Path, status: str) -> None:
    from engine.core import i18n
    from engine.review.render import render
    from engine.review.report import build_report
    path = with_status(tmp_path, status)
    with i18n.speaking("nb"):
        markdown = render(str(path), "markdown")
        report = build_report(engine.load(str(path)))
    said = f"{status}: ikke godkjent for bruk på pasienter" if status else \
        "ingen status: ikke godkjent for bruk på pasienter"
    assert said in markdown
    line = report.split('<ul class="status"')[1].split("</ul>")[0]
    assert f'<li class="warning">Status: {said}</li>' in line


def test_render_and_report_say_an_approved_status_is_approved(tmp_path: Path) -> None:
    from engine.core import i18n
    from engine.review.render import render
    from engine.review.report import build_report
    path = with_status(tmp_path, "godkjent")
    with i18n.speaking("nb"):
        markdown = render(str(path), "markdown")
        report = build_report(engine.load(str(path)))
    assert "godkjent for bruk på pasienter" in markdown and "ikke godkjent" not in markdown
    assert '<li class="ok">Status: godkjent for bruk på pasienter</li>' in report


# -- item 13: one typo, one message; test, diff and report work on what can be read ----------
def _typo(tmp_path: Path) -> tuple[Path, Any, Any]:
    """NBCG with one typo in a decided input of bisphosphonate (a pathway cell of one rule)."""
    model = engine.load(str(NBCG))
    table = model.tables["bisphosphonate"]
    k = table.input_names.index("pathway")
    rule = next(r for r in table.rules if len(r.inputs[k].points) == 1)
    (value,) = rule.inputs[k].points
    typo = str(value)[:3] + str(value)[4:]  # one letter dropped, as in uncontroled_pain

    def edit(wb: Any) -> None:
        sheet, ref = rule.input_cells[k].split("!")
        wb[sheet][ref] = typo
    return nbcg_copy(tmp_path, edit, "typo.xlsx"), rule.input_cells[k], typo


def test_one_typo_is_one_finding_that_does_not_repeat_itself(tmp_path: Path,
                                                             capsys: Capture) -> None:
    path, cell, typo = _typo(tmp_path)
    found = engine.load(str(path), strict=False).check()
    assert [(f.severity, f.cells) for f in found] == [("error", (cell,))]
    assert found[0].message.count(typo) == 1, found[0].message  # no "'x' ... in 'x'"
    assert "left out of the check" in found[0].message
    code, out, _ = run(capsys, "check", str(path))
    assert code == 1 and "=None" not in out and out.count("ERROR") == 1


def test_test_diff_and_report_work_on_what_can_be_read(tmp_path: Path, capsys: Capture) -> None:
    from engine.core.graph import required
    path, cell, _typo_text = _typo(tmp_path)
    model = engine.load(str(NBCG))
    through = {c.id for c in model.tests
               if any("bisphosphonate" in required(model.tables, t.name)
                      for t in model.tables.values()
                      if any(o in c.expected for o in t.output_names))}
    runnable = len(model.tests) - len(through)
    assert through and runnable
    code, out, _ = run(capsys, "test", str(path))
    assert code == 1
    assert out.rstrip().endswith(f"{runnable} passed, 0 failed, {len(through)} cannot run")
    assert f"until {cell} is fixed" in out
    code, out, err = run(capsys, "diff", str(NBCG), str(path))
    assert code == 2 and "bisphosphonate: not compared" in out and cell in out
    assert "1 error(s)" in err
    report = tmp_path / "report.html"
    code, _, err = run(capsys, "report", str(path), "-o", str(report), "--diff", str(NBCG))
    assert code == 0, err
    status = report.read_text(encoding="utf-8").split('<ul class="status"')[1].split("</ul>")[0]
    assert f"{len(through)} cannot run" in status


def test_a_gap_example_says_null_as_the_committee_writes_it(tmp_path: Path,
                                                            capsys: Capture) -> None:
    model = engine.load(str(NBCG))
    table = model.tables["bisphosphonate"]
    rule = next(r for r in table.rules if any(t is not None and t.null and not t.any
                                              for t in r.inputs))

    def delete(wb: Any) -> None:
        wb[table.sheet].delete_rows(rule.row)
    code, out, _ = run(capsys, "check", str(nbcg_copy(tmp_path, delete)))
    assert code == 1 and "gap" in out
    assert "=None" not in out and "=null" in out


# -- items 10-12: the review of changes -------------------------------------------------------
def _nbcg_with(tmp_path: Path, name: str, edit: Callable[[Any], None]) -> Path:
    return nbcg_copy(tmp_path, edit, name)


def test_diff_lists_reworded_labels_questions_and_descriptions(tmp_path: Path,
                                                               capsys: Capture) -> None:
    model = engine.load(str(NBCG))
    variable, labels = next((n, ls) for n, ls in model.value_labels.items() if ls)
    code, words = next(iter(labels.items()))
    question = model.questions[0]
    described = next(v for v in model.variables.values() if v.description)

    def reword(wb: Any) -> None:
        for row in wb["Verdier"].iter_rows(min_row=2):
            if row[0].value == variable and str(row[1].value) == str(code):
                row[2].value = f"{words} (omformulert)"
        sheet, ref = question.cells["question"].split("!")
        wb[sheet][ref] = question.text + " Og hva da?"
        ws = wb["Spørsmål"]
        ws.append(["Q99", "Et nytt spørsmål?", None, None, None])
        for row in wb["Ordliste"].iter_rows(min_row=2):
            if row[0].value == described.name:
                row[4].value = "Ny beskrivelse."
    path = _nbcg_with(tmp_path, "reworded.xlsx", reword)
    for fmt in ("text", "markdown"):
        code_, out, err = run(capsys, "diff", str(NBCG), str(path), "--format", fmt)
        assert code_ == 0, err
        assert f"«{words} (omformulert)»" in out and f"«{words}»" in out
        assert f"question {question.id}:" in out and "Og hva da?" in out
        assert "question Q99 added: Et nytt spørsmål?" in out
        name = described.name if fmt == "text" else described.name.replace("_", "\\_")
        assert f"{name}: description" in out and "Ny beskrivelse." in out
    report = tmp_path / "report.html"
    run(capsys, "report", str(path), "-o", str(report), "--diff", str(NBCG))
    html = report.read_text(encoding="utf-8")
    assert "question Q99 added" in html and "(omformulert)" in html


def test_diff_and_report_say_answers_in_labels_and_words(tmp_path: Path,
                                                         capsys: Capture) -> None:
    model = engine.load(str(NBCG))
    table = model.tables["bisphosphonate"]
    k = table.output_names.index("recommendation")
    rule = next(r for r in table.rules if r.outputs[k] == "defer")
    labels = model.value_labels["recommendation"]

    def change(wb: Any) -> None:
        sheet, ref = rule.output_cells[k].split("!")
        wb[sheet][ref] = "consider"
    path = _nbcg_with(tmp_path, "changed.xlsx", change)
    for fmt in ("text", "markdown"):
        code_, out, _ = run(capsys, "diff", str(NBCG), str(path), "--format", fmt, "--lang", "nb")
        assert code_ == 0
        assert labels["defer"] in out and labels["consider"] in out
        answers = out.split("Endrede svar")[1]
        assert '"defer"' not in answers.split("eksempel")[0] and "not(" not in answers
        assert not any(f" {w} " in answers for w in ("true", "false"))
    report = tmp_path / "report.html"
    run(capsys, "report", str(path), "-o", str(report), "--diff", str(NBCG), "--lang", "nb")
    changes = report.read_text(encoding="utf-8").split('<h3 id="endringer-siden')[1]
    changes = changes.split("<h2")[0]
    assert labels["consider"] in changes and "&#34;consider&#34;" not in changes
    assert "not(" not in changes


def test_a_new_value_used_nowhere_is_said_once_with_the_rules_of_each_region(
        tmp_path: Path, capsys: Capture) -> None:
    import itertools

    from engine.core.sfeel import parse_unary
    from engine.review.diff import diff_models

    def allow_ne(wb: Any) -> None:
        for row in wb["Ordliste"].iter_rows(min_row=2):
            if row[0].value == "response":
                row[2].value = f'{row[2].value}, "NE"'
    path = _nbcg_with(tmp_path, "ne.xlsx", allow_ne)
    code, out, _ = run(capsys, "diff", str(NBCG), str(path))
    assert code == 0
    answers = out.split("Changed answers")[1]
    assert answers.count('new value «NE»') == 1 and "example:" not in answers
    assert len(answers.splitlines()) < 30
    old, new = engine.load(str(NBCG)), engine.load(str(path))
    result = diff_models(old, new)
    (group,) = result.new_values
    assert group.changes and len(group.changes) == len(result.answers)
    # the rules listed for each region are exactly those that answer its cases
    names = list(new.variables)
    inputs = [n for n in names if new.producer(n) is None and n in
              {c for t in new.tables.values() for c in t.input_names}]
    values = {n: (list(new.variables[n].values) or ([True, False] if new.variables[n].type
              == "boolean" else [1, 2, 3])) + ([None] if new.variables[n].unknown else [])
              for n in inputs}
    fired: dict[int, set[str]] = {i: set() for i in range(len(group.changes))}
    tests = [{k: parse_unary(v, words=tuple(map(str, new.variables[k].values)) or None,
                             numeric=new.variables[k].type in ("number", "integer"))
              for k, v in a.region.items()} for a in group.changes]
    for combo in itertools.product(*(values[n] for n in inputs)):
        case = dict(zip(inputs, combo))
        if case["response"] != "NE":
            continue
        for i, a in enumerate(group.changes):
            if all(t.matches(case[k]) for k, t in tests[i].items()):
                try:
                    res = new.evaluate({n: case[n] for n in inputs
                                        if n in _reads(new, a.decision)}, decision=a.decision)
                except engine.CaseError:
                    continue
                fired[i] |= {r if s.decision == a.decision else f"{s.decision}:{r}"
                             for s in res.trace for r in s.decided}
    for i, a in enumerate(group.changes):
        assert set(a.new_rules) == fired[i], (a.region, a.new_rules, fired[i])


def _reads(model: Any, decision: str) -> set[str]:
    from engine.core.graph import required
    return {c for n in required(model.tables, decision) for c in model.tables[n].input_names}


# -- item 18: a note where it is written; a report without the guideline text says so -------
def test_a_note_in_another_column_is_reported_where_it_is(tmp_path: Path) -> None:
    model = engine.load(str(NBCG))
    table = model.tables["bisphosphonate"]
    row = max(r.row for r in table.rules) + 2
    (notes,) = [c for c in table.annotations if c.name.casefold() == "merknad"]

    def note(wb: Any) -> None:
        wb[table.sheet][f"{notes.letter}{row}"] = "Husk å spørre faggruppen"
    found = engine.load(str(nbcg_copy(tmp_path, note)), strict=False).check()
    (error,) = [f for f in found if f.severity == "error"]
    assert error.cells == (f"{table.sheet}!{notes.letter}{row}",)
    assert "start it with #" in error.message and "(# Husk å spørre faggruppen)" in error.message


def test_a_report_of_a_copy_under_another_name_says_it_quotes_nothing(
        tmp_path: Path, capsys: Capture) -> None:
    import shutil

    from engine.workbook.paragraphs import read_paragraphs
    copy = tmp_path / "kopi-til-møtet.xlsx"
    shutil.copyfile(NBCG, copy)
    code, _, err = run(capsys, "report", str(copy), "-o", str(tmp_path / "r.html"))
    assert code == 0 and "kopi-til-møtet.paragraphs.md is not there" in err
    assert "--guideline" in err
    text = NBCG.with_suffix(".paragraphs.md")
    code, _, err = run(capsys, "report", str(copy), "-o", str(tmp_path / "r2.html"),
                       "--guideline", str(text))
    assert code == 0 and err == ""
    first = next(iter(read_paragraphs(text).values()))
    assert first.text[:40] in (tmp_path / "r2.html").read_text(encoding="utf-8")


# -- item 6: init writes the current format ---------------------------------------------------
def test_init_writes_the_current_format_and_keeps_its_promise(tmp_path: Path,
                                                              capsys: Capture) -> None:
    import openpyxl as xl
    from libreoffice import saved
    path = tmp_path / "ny.xlsx"
    assert run(capsys, "init", str(path))[0] == 0
    model = engine.load(str(path))
    inputs = [v for n, v in model.variables.items() if model.producer(n) is None]
    assert inputs and all(v.unknown is not None for v in inputs)  # v2: said, not left open
    assert model.value_labels and model.questions and model.sheets[:4] == [
        "Om", "Ordliste", "Verdier", "Begrensninger"]
    assert [f for f in model.check() if f.severity != "info"] == []
    # the promise of a clean check: an unknown value is refused, never "no rule matches"
    case = {v.name: None for v in inputs}
    for name in case:
        known = {n: (30 if model.variables[n].type == "integer" else False) for n in case}
        with pytest.raises(engine.CaseError) as refused:
            model.evaluate({**known, name: None})
        assert type(refused.value).__name__ == "InvalidInput"
    wb = xl.load_workbook(path)
    table = next(iter(model.tables.values()))
    lists = [dv for dv in wb[table.sheet].data_validations.dataValidation
             if dv.errorStyle == "warning"]
    assert lists and all("guideline check" in (dv.error or "") for dv in lists)  # go past
    lo = saved(path, tmp_path / "lo")  # as the committee saves it
    assert [f for f in engine.load(str(lo)).check() if f.severity != "info"] == []
