"""`guideline dump` (stable text for git diff) and `guideline render` (the review document)."""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
import workbooks as wbs
from workbooks import TableSpec, WorkbookSpec, write

from engine.cli.main import main
from engine.core import i18n
from engine.review.render import read_paragraphs
from engine.review.render import render as render_any
from engine.workbook.dump import dump_workbook, value_text


def render(*args: str) -> str:
    """The review document as the committee reads it: in Norwegian (`språk` = nb)."""
    with i18n.speaking("nb"):
        return render_any(*args)

ROOT = Path(__file__).resolve().parents[1]
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"


@functools.cache
def nbcg_dump() -> str:
    return dump_workbook(str(NBCG))


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    removed = [d[2:] for d in diff if d.startswith("- ")]
    return removed, [d[2:] for d in diff if d.startswith("+ ")]


def edit(src: Path, dst: Path, sheet: str, cell: str, value: object) -> Path:
    wb = openpyxl.load_workbook(src)
    wb[sheet][cell] = value
    wb.save(dst)
    return dst


# -- dump ----------------------------------------------------------------------------------------
def test_dump_is_the_same_on_every_load() -> None:
    assert dump_workbook(str(NBCG)) == dump_workbook(str(NBCG))


def test_dump_is_the_same_after_openpyxl_saves_the_workbook_again(tmp_path: Path) -> None:
    copy = tmp_path / "resaved.xlsx"
    openpyxl.load_workbook(NBCG).save(copy)
    assert copy.read_bytes() != NBCG.read_bytes()
    assert dump_workbook(str(copy)) == nbcg_dump()


def test_dump_has_one_line_per_rule_keyed_by_sheet_and_id() -> None:
    lines = nbcg_dump().splitlines()
    b3 = [line for line in lines if line.startswith("Bisfosfonat B3 |")]
    assert b3 == [
        "Bisfosfonat B3 | pathway=chemotherapy_assessment | chemotherapy_line=1 | "
        "parenchymal_metastases=true | osteolytic_metastases=- | skeletal_symptoms=- | "
        "endocrine_sensitive=- | response=not_evaluated => recommendation=observe | "
        "observation_period=2_3_months | strength=should | treatment_duration=not_applicable | "
        "sources: N1, N2 | merknad: Parenchym- og skjelettmetastaser, 1. linje kjemoterapi: bør "
        "observeres for respons i 2–3 mnd før det tas stilling til bisfosfonat."]
    # the boundary cases of the tests sheet, numbers in their canonical spelling
    assert "Testtilfeller T45 | months_on_bisphosphonate=11.9 | skeletal_event=false => " \
           "continuation=continue | beskrivelse: Grense: 11,9 mnd: fortsett (F2)." in lines
    assert "Om status | draft" in lines
    assert sum(line.startswith("Fortsettelse F") for line in lines) == 4


@pytest.mark.parametrize(("sheet", "cell", "value", "line_start"), [
    ("Bisfosfonat", "I6", "defer", "Bisfosfonat B3 |"),  # an output
    ("Bisfosfonat", "C8", ">= 4", "Bisfosfonat B5 |"),  # an input
    ("Fortsettelse", "G6", "ny tolkning", "Fortsettelse F3 |"),  # an annotation
    ("Ordliste", "D3", "Hormonstatus", "Ordliste hormone_receptor_status |"),
    ("Testtilfeller", "L48", 11.95, "Testtilfeller T45 |"),
    ("Om", "B2", "0.2", "Om version |"),
])
def test_a_changed_cell_changes_exactly_one_line(tmp_path: Path, sheet: str, cell: str,
                                                 value: object, line_start: str) -> None:
    changed = edit(NBCG, tmp_path / "changed.xlsx", sheet, cell, value)
    removed, added = changed_lines(nbcg_dump(), dump_workbook(str(changed)))
    assert len(removed) == 1 and len(added) == 1
    assert removed[0].startswith(line_start) and added[0].startswith(line_start)


def test_inserting_a_rule_adds_one_line_and_moves_no_other(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(NBCG)
    ws = wb["Fortsettelse"]
    ws.insert_rows(6)
    for col, value in zip("ABCDE", ["F9", "[12..13]", False, "may_stop", "N9"]):
        ws[f"{col}6"] = value
    wb.save(tmp_path / "inserted.xlsx")
    removed, added = changed_lines(nbcg_dump(), dump_workbook(str(tmp_path / "inserted.xlsx")))
    assert removed == []
    assert added == ["Fortsettelse F9 | months_on_bisphosphonate=[12..13] | skeletal_event=false "
                     "=> continuation=may_stop | sources: N9"]


@pytest.mark.parametrize(("value", "text"), [
    (12, "12"), (12.0, "12"), (11.9, "11.9"), (24.1, "24.1"), (0.1 + 0.2, "0.30000000000000004"),
    (-3, "-3"), (True, "true"), (False, "false"), (dt.datetime(2024, 1, 2), "2024-01-02"),
    (dt.datetime(2024, 1, 2, 8, 30), "2024-01-02T08:30:00"), (dt.date(2024, 1, 2), "2024-01-02"),
    ("  positive ", "positive"), ("two\nlines", "two\\nlines"), ('"CR", "PR"', '"CR", "PR"'),
])
def test_values_are_printed_canonically_on_one_line(value: object, text: str) -> None:
    assert value_text(value) == text


def broken_workbook(path: Path) -> Path:
    """A workbook the loader rejects: an empty condition, an unknown value, an unknown column."""
    spec = WorkbookSpec(
        glossary=[("status", "string", '"positive", "negative"'), ("answer", "string", '"a", "b"')],
        tables=[TableSpec("d", "U", [("status", "input"), ("nosuch", "input"), ("answer", "output"),
                                     ("sources", "annotation")],
                          [["R1", None, "-", "a", "N1"], ["R2", "positiv", "-", "b", "N2"],
                           [None, "negative", "-", "a", ""]])],
        tests=wbs.TestSpec([("status", "input"), ("answer", "expected")],
                           [["T1", "positive", "a"]]),
        about={"title": "Broken", "version": "1"})
    return write(spec, path)


def test_dump_works_on_a_workbook_with_errors(tmp_path: Path) -> None:
    path = broken_workbook(tmp_path / "broken.xlsx")
    assert main(["check", str(path)]) == 1
    lines = dump_workbook(str(path)).splitlines()
    assert "d R1 | status=(empty) | nosuch=- => answer=a | sources: N1" in lines
    assert "d R2 | status=positiv | nosuch=- => answer=b | sources: N2" in lines
    assert "d (no id, row 6) | status=negative | nosuch=- => answer=a" in lines
    assert "Tests T1 | status=positive => answer=a" in lines
    assert "About title | Broken" in lines


def test_dump_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dump", str(NBCG)]) == 0
    assert capsys.readouterr().out == nbcg_dump()
    not_a_workbook = tmp_path / "notes.xlsx"
    not_a_workbook.write_text("just text", encoding="utf-8")
    assert main(["dump", str(not_a_workbook)]) == 2
    err = capsys.readouterr().err
    assert "not an .xlsx workbook" in err and "Traceback" not in err


def test_git_diff_shows_the_changed_rule(tmp_path: Path) -> None:
    attributes = (ROOT / ".gitattributes").read_text(encoding="utf-8")
    assert "*.xlsx diff=guideline" in attributes.splitlines()
    assert 'git config diff.guideline.textconv "guideline dump"' in \
        (ROOT / "tables" / "README.md").read_text(encoding="utf-8")
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(ROOT / ".gitattributes", repo / ".gitattributes")
    shutil.copy(NBCG, repo / "wb.xlsx")

    def run(*args: str) -> str:
        return subprocess.run([git, "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                              cwd=repo, check=True, capture_output=True, text=True).stdout

    run("init", "-q")
    run("add", ".")
    run("commit", "-qm", "start")
    edit(repo / "wb.xlsx", repo / "wb.xlsx", "Bisfosfonat", "I6", "defer")
    textconv = f'"{sys.executable}" -m engine.cli.main dump'
    diff = run("-c", f"diff.guideline.textconv={textconv}", "diff")
    changed = [line for line in diff.splitlines()
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert [line[:18] for line in changed] == ["-Bisfosfonat B3 | ", "+Bisfosfonat B3 | "]
    assert "recommendation=defer" in changed[1]


# -- render ----------------------------------------------------------------------------------------
PARAGRAPHS = """# Paragraphs

Column "Left":

| id | text (verbatim) | English |
|---|---|---|
| N1 | Pasienter bør <observeres> i 2-3 måneder. | Patients should be observed for 2-3 months. |
| N2 | Dette gjelder spesielt ved 1. linje. | This applies especially to first line. |
"""


def small_workbook(path: Path, note: str = "Vanlig regel.") -> Path:
    spec = WorkbookSpec(
        glossary=[("line", "integer", ">= 1", "Kjemoterapilinje"),
                  ("advice", "string", '"observe", "start", "not_covered"', "Anbefaling|råd")],
        tables=[TableSpec("advice", "U", [("line", "input"), ("advice", "output"),
                                          ("sources", "annotation"), ("merknad", "annotation"),
                                          ("tolkning", "annotation")],
                          [["R1", 1, "observe", "N1, N2", note, None],
                           ["R2", 2, "start", "N1", "Andre linje.", "Tolket slik <b>her</b>."],
                           ["R3", ">= 3", "not_covered", "N9", "Ikke omtalt.", None]],
                          sheet="Råd", title="Råd om oppfølging")],
        tests=wbs.TestSpec([("line", "input"), ("advice", "expected")], [["T1", 1, "observe"]]),
        about={"title": "Liten retningslinje", "version": "2.1", "status": "draft",
               "date": "2026-01-31", "source": "Testkilde"})
    return write(spec, path)


@pytest.fixture()
def small(tmp_path: Path) -> tuple[Path, Path]:
    guideline = tmp_path / "paragraphs.md"
    guideline.write_text(PARAGRAPHS, encoding="utf-8")
    return small_workbook(tmp_path / "small.xlsx"), guideline


def section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start:] if end < 0 else text[start:end]


def test_markdown_review_document(small: tuple[Path, Path]) -> None:
    workbook, guideline = small
    md = render(str(workbook), "markdown", str(guideline))
    assert md.startswith("# Liten retningslinje\n")
    for row in ("| Versjon | 2.1 |", "| Status | draft: ikke godkjent for bruk på pasienter |",
                "| Dato | 2026-01-31 |", "| Kilde | Testkilde |"):
        assert row in md
    assert "## Beslutning `advice`: Råd om oppfølging" in md
    assert "Treffregel U (unik): for hvert tilfelle skal nøyaktig én regel passe." in md
    assert "| Regel | Kjemoterapilinje | ⇒ Anbefaling\\|råd | Kilder |" in md  # label, escaped
    assert "| **R1** | 1 | `observe` | N1, N2 |" in md
    assert "| **R3** | `>= 3` | `not_covered` | N9 |" in md
    # sources quoted verbatim with the English reading; an unknown id is said to be unknown
    assert "> **N1** – «Pasienter bør \\<observeres\\> i 2-3 måneder.»" in md
    assert "> *Engelsk: Patients should be observed for 2-3 months.*" in md
    assert "> **N9** – (avsnittet finnes ikke i retningslinjeteksten)" in md
    questions = section(md, "## Spørsmål til faggruppen")
    assert "**Råd R2**" in questions
    assert "**Tolkning:** Tolket slik \\<b\\>her\\</b\\>." in questions
    assert "**Råd R3**" in questions and "Ikke dekket av teksten." in questions
    assert "R1" not in questions
    index = section(md, "## Avsnittene i retningslinjen")
    assert "| **N2** | Dette gjelder spesielt ved 1. linje. | This applies especially to first " \
           "line. | Råd R1 |" in index
    assert "Ukjente kilder:** N9 (Råd R3)" in index


def test_markdown_tables_keep_their_columns(small: tuple[Path, Path]) -> None:
    workbook, guideline = small
    md = render(str(workbook), "markdown", str(guideline))
    lines = md.splitlines()
    for n, line in enumerate(lines):
        if line.startswith("|---"):
            cells = line.count("|")
            header = lines[n - 1]
            body = []
            for row in lines[n + 1:]:
                if not row.startswith("|"):
                    break
                body.append(row)
            for row in [header, *body]:
                assert row.replace("\\|", "").count("|") == cells, row


def test_render_is_deterministic(small: tuple[Path, Path]) -> None:
    workbook, guideline = small
    for fmt in ("markdown", "html"):
        assert render(str(workbook), fmt, str(guideline)) == render(str(workbook), fmt,
                                                                    str(guideline))


class TagChecker(HTMLParser):
    VOID = {"meta", "br", "hr", "img", "link", "input", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs += attrs
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (tag, self.open[-3:])
        self.open.pop()


def test_html_is_one_escaped_self_contained_file(tmp_path: Path) -> None:
    guideline = tmp_path / "p.md"
    guideline.write_text(PARAGRAPHS, encoding="utf-8")
    workbook = small_workbook(tmp_path / "x.xlsx",
                              note='<script>alert("x")</script> & <img src="http://evil">')
    page = render(str(workbook), "html", str(guideline))
    assert page.startswith("<!DOCTYPE html>")
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;img" in page  # markupsafe
    assert "&lt;observeres&gt;" in page
    checker = TagChecker()
    checker.feed(page)
    checker.close()
    assert checker.open == []
    assert not checker.tags & {"script", "img", "link", "iframe"}
    assert all(name != "src" for name, _ in checker.attrs)
    links = [value or "" for name, value in checker.attrs if name == "href"]
    assert links and all(link.startswith("#") for link in links)  # the contents, in the page
    assert "<style>" in page and '<h2 id="sporsmal-til-faggruppen">Spørsmål til faggruppen</h2>' \
        in page


def test_render_command_writes_atomically_and_never_over_its_inputs(
        small: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    workbook, guideline = small
    before = workbook.read_bytes()
    out = workbook.parent / "review.html"
    assert main(["render", str(workbook), "--format", "html", "-o", str(out),
                 "--guideline", str(guideline), "--lang", "nb"]) == 0
    assert out.read_text(encoding="utf-8") == render(str(workbook), "html", str(guideline))
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []  # no temp left
    assert main(["render", str(workbook), "-o", str(workbook)]) == 2
    assert main(["render", str(workbook), "--guideline", str(guideline), "-o",
                 str(guideline)]) == 2
    assert workbook.read_bytes() == before and guideline.read_text(encoding="utf-8") == PARAGRAPHS
    assert "refusing to write over the input" in capsys.readouterr().err
    assert main(["render", str(workbook), "--guideline", str(workbook.parent / "none.md")]) == 2
    assert "cannot read the guideline text" in capsys.readouterr().err


def test_render_without_a_guideline_text_says_so(tmp_path: Path) -> None:
    workbook = small_workbook(tmp_path / "alone.xlsx")
    md = render(str(workbook))
    assert "retningslinjeteksten ble ikke funnet (alone.paragraphs.md" in md
    assert "| **R1** | 1 | `observe` | N1, N2 |" in md
    (tmp_path / "alone.paragraphs.md").write_text(PARAGRAPHS, encoding="utf-8")
    assert "«Dette gjelder spesielt ved 1. linje.»" in render(str(workbook))


def test_render_refuses_a_workbook_with_errors(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = broken_workbook(tmp_path / "broken.xlsx")
    assert main(["render", str(path)]) == 1
    err = capsys.readouterr().err
    assert "problem(s) must be fixed" in err and "Traceback" not in err


def test_paragraph_tables_are_read_from_the_guideline_readme_format(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_text(PARAGRAPHS + "\n| name | type |\n|---|---|\n| `x` | boolean |\n",
                    encoding="utf-8")
    paragraphs = read_paragraphs(path)
    assert list(paragraphs) == ["N1", "N2"]
    assert paragraphs["N2"].english == "This applies especially to first line."
    assert paragraphs["N1"].group == 'Column "Left"'
