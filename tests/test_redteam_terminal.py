"""Red team, round three (issue 26): control characters in workbook text and in cases.

Excel writes ESC as `_x001B_`, so a label, a title or an annotation can hold `ESC[2K` (erase
the line), `ESC[8m` (hide what follows), an OSC sequence or BEL. Every command printed them
raw, so a label could erase or hide an ERROR line; JUnit and DMN files held characters XML
cannot, which CI and DMN tools refuse to read; `eval --output .xlsx` and `check --annotate`
crashed on them (openpyxl's IllegalCharacterError). Now everything printed goes through one
function (`core.text.terminal`, applied by `cli.main` to both streams), everything written as
XML through another (`xml_safe`), and the cell gets a warning.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr as xml_quote

import openpyxl
import pytest
from build_bad_workbooks import write_good
from hypothesis import given, settings
from hypothesis import strategies as st
from redteam_files import edit_part, run_cli

import engine
from engine.core.text import terminal, xml_safe

ESC = "_x001B_[2K_x001B_[8m_x001B_]0;pwned_x0007_"  # as Excel writes them
RAW = "\x1b[2K\x1b[8m\x1b]0;pwned\x07"
CONTROL = set(chr(c) for c in range(32) if chr(c) not in "\n\t") | {"\x7f", "\x9b"}


def hostile(folder: Path) -> Path:
    """The good workbook with ESC, OSC and BEL in a label, a title, an annotation and a rule
    id; and a failing test case decided by that rule, so that `test` prints its id."""
    def titled(wb: object) -> None:
        wb["Advice"]["C1"] = "Title"  # type: ignore[index]
        wb["Tests"]["E6"] = '"treat"'  # type: ignore[index]  # t3 now fails

    src = write_good(folder / "good.xlsx", titled)
    step = edit_part(src, folder / "one.xlsx", "xl/worksheets/sheet1.xml",
                     lambda xml: xml.replace(b"<t>Hormone receptor</t>",
                                             f"<t>Hormone{ESC} receptor</t>".encode()))
    step = edit_part(step, folder / "two.xlsx", "xl/worksheets/sheet2.xml",
                     lambda xml: xml.replace(b"<t>Title</t>", f"<t>Title{ESC}</t>".encode())
                     .replace(b"<t>N1</t>", f"<t>N1{ESC}</t>".encode())
                     .replace(b'<c r="A5" t="inlineStr"><is><t>2</t>',
                              f'<c r="A5" t="inlineStr"><is><t>2{ESC}</t>'.encode()))
    return step


def clean(text: str) -> None:
    assert not CONTROL & set(text), [c for c in text if c in CONTROL][:5]


@pytest.fixture()
def wb(tmp_path: Path) -> Path:
    return hostile(tmp_path)


def test_the_workbook_reads_the_escape_and_warns_at_its_cell(wb: Path) -> None:
    model = engine.load(str(wb))
    assert model.variables["receptor"].label == f"Hormone{RAW} receptor"
    warned = [f for f in model.check() if "invisible control character" in f.message]
    assert {c for f in warned for c in f.cells} >= {"Glossary!D2", "Advice!C1", "Advice!F4"}


@pytest.mark.parametrize("argv", [
    ["check"], ["check", "--format", "json"], ["test"], ["dump"],
    ["eval", "--case", '{"receptor": "positive", "age": 30, "pain": false}', "--explain"],
    ["eval", "--case", '{"receptor": "neg\\u001b[2Kative", "age": 30, "pain": false}'],
    ["eval", "--case", '{"receptor": "positive", "age": 30, "pain": false}', "--format",
     "json", "--explain"],
])
def test_no_command_prints_a_control_character(wb: Path, argv: list[str],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run_cli([argv[0], str(wb), *argv[1:]], capsys)
    clean(text)
    assert code in (0, 1)
    if argv[0] in ("check", "test") and "json" not in argv:
        assert "\\u001b[2K" in text  # written out where the label or title is shown
    if "json" in argv:
        json.loads(text[text.index("{"):text.rindex("}") + 1])  # still JSON


def test_check_junit_is_xml_a_ci_can_parse(wb: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    model = engine.load(str(wb), strict=False)
    bad = "\x01"
    model.path = f"evil{bad}.xlsx"  # the suite's name and every case's class
    from engine.verify.check import check_model
    from engine.verify.findings_report import junit

    ET.fromstring(junit(model, check_model(model)))
    code, text = run_cli(["check", str(wb), "--format", "junit"], capsys)
    ET.fromstring(text)


def test_export_to_dmn_writes_xml_that_parses_and_imports(
        wb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "g.dmn"
    code, text = run_cli(["export", str(wb), "--to", "dmn", str(out)], capsys)
    assert code == 0, text
    ET.parse(out)
    code, text = run_cli(["check", str(out)], capsys)
    assert code in (0, 1) and "internal error" not in text
    code, text = run_cli(["import", str(out), "--to", str(tmp_path / "back.xlsx")], capsys)
    assert code == 0, text


def test_the_annotated_copy_and_an_xlsx_of_answers_are_written(
        wb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Before: IllegalCharacterError from openpyxl, reported as an internal error."""
    code, text = run_cli(["check", str(wb), "--annotate", str(tmp_path / "a.xlsx")], capsys)
    assert code == 0 and (tmp_path / "a.xlsx").exists()
    openpyxl.load_workbook(tmp_path / "a.xlsx")
    cases = tmp_path / "cases.csv"
    cases.write_bytes(b"receptor,age,pain\npositive,30,false\nneg\x01ative,30,false\n")
    code, text = run_cli(["eval", str(wb), "--input", str(cases), "--output",
                          str(tmp_path / "out.xlsx")], capsys)
    assert code == 1 and "1 with an error" in text
    rows = list(openpyxl.load_workbook(tmp_path / "out.xlsx").active.iter_rows(values_only=True))
    assert rows[2][0] == "neg\\u0001ative" and "\\u0001" in rows[2][-5]


def test_the_two_escaping_functions() -> None:
    assert terminal("a\x1b[2Kb\x07c\rd\ne\tf\x9b\u202eg") == \
        "a\\u001b[2Kb\\u0007c\\u000dd\ne\tf\\u009b\\u202eg"
    assert xml_safe("a\x01b\rc\x1b\ufffe") == "a\\u0001b\rc\\u001b\\ufffe"
    ET.fromstring(f"<a>{xml_safe(''.join(map(chr, range(32))))}</a>")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None), max_size=40))
def test_no_text_reaches_a_terminal_or_an_xml_file_with_a_control_character(text: str) -> None:
    shown = terminal(text)
    assert not CONTROL & set(shown) and "\r" not in shown and "\x1b" not in shown
    ET.fromstring(f"<a b={xml_quote(xml_safe(text))}>{xml_escape(xml_safe(text))}</a>")
