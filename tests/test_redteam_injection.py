"""Red team, round two (issue 17): workbook text never becomes a git option, a live formula or
raw HTML in Markdown."""

from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
import pytest
from markdown_it import MarkdownIt
from redteam_files import good, run_cli

from engine.review.markdown_safe import code, plain

EVIL = '``<img src=x onerror=alert(1)>`'


@pytest.mark.parametrize("command", ["diff", "report"])
def test_a_revision_is_never_a_git_option(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          command: str) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    wb = good(tmp_path)
    target = tmp_path / "written-by-git"
    rev = f"--output={target}"
    argv = ([command, str(wb), f"--rev={rev}"] if command == "diff"
            else [command, str(wb), "-o", str(tmp_path / "r.html"), f"--rev={rev}"])
    code_, text = run_cli(argv, capsys)
    assert code_ == 2 and "is not a git revision" in text
    assert not target.exists()


def test_a_sheet_named_like_a_formula_stays_text_in_the_findings_sheet(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wb_path = good(tmp_path)
    wb = openpyxl.load_workbook(wb_path)
    evil = wb.copy_worksheet(wb["Advice"])
    evil.title = '=HYPERLINK("x.example","y")'
    evil["B1"] = "second"
    evil["C5"] = "< fifty"  # a finding located on the evil sheet
    wb.save(wb_path)
    out = tmp_path / "annotated.xlsx"
    code_, text = run_cli(["check", str(wb_path), "--annotate", str(out)], capsys)
    assert code_ == 1
    sheet = openpyxl.load_workbook(out)["Funn"] if "Funn" in openpyxl.load_workbook(
        out).sheetnames else openpyxl.load_workbook(out).worksheets[-1]
    texts = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)
             and "HYPERLINK" in c.value]
    assert texts and all(c.data_type == "s" for c in texts)


def _html_tags(markdown: str) -> list[str]:
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    found = []
    for tok in tokens:
        for child in [tok, *(tok.children or [])]:
            if child.type in ("html_inline", "html_block"):
                found.append(child.content)
    return found


@pytest.mark.parametrize("value", [EVIL, "`", "``", " a` ", "x|y", "<b>", "a\nb"])
def test_a_code_span_holds_any_text_whole(value: str) -> None:
    tokens = MarkdownIt("commonmark").parseInline(code(value))[0].children or []
    assert [t.type for t in tokens] == ["code_inline"]
    assert tokens[0].content.replace("\\|", "|") == " ".join(value.split()) or value.isspace()


@pytest.mark.parametrize("value", [EVIL, "<script>alert(1)</script>", "**x** _y_ [l](u)",
                                   "&lt;b&gt;", "# head"])
def test_plain_text_shows_exactly_its_characters(value: str) -> None:
    html = MarkdownIt("commonmark").renderInline(plain(value))
    assert _html_tags(plain(value)) == []
    assert "<script" not in html and "<img" not in html


def test_render_and_diff_markdown_carry_no_raw_html(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    old = good(tmp_path)
    wb = openpyxl.load_workbook(old)
    wb["Glossary"]["C2"] = f'"positive", "negative", "{EVIL}"'
    about = wb.create_sheet("About")
    about.append(["title", "<script>alert(1)</script>"])
    about.append(["version", EVIL])
    new = tmp_path / "new.xlsx"
    wb.save(new)
    code_, text = run_cli(["render", str(new)], capsys)
    assert code_ == 0 and _html_tags(text) == [], _html_tags(text)
    code_, text = run_cli(["diff", str(old), str(new), "--format", "markdown"], capsys)
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert "<script" not in html and "<img" not in html and _html_tags(text) == []
