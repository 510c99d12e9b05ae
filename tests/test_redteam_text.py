"""Red team, round two (issue 17): look-alike text. One Unicode form (NFC) at every comparison,
invisible characters shown in messages, only the digits 0-9 read as numbers and dates."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from redteam_files import run_cli
from workbooks import TableSpec, WorkbookSpec, write

import engine
from engine import CaseError
from engine.core.sfeel import parse_literal, parse_unary
from engine.core.text import looks_like, visible
from engine.workbook.layout import keyword

NFC = unicodedata.normalize("NFC", "på")
NFD = unicodedata.normalize("NFD", "på")


def spelled(form: str, tmp_path: Path) -> Path:
    """A workbook whose label, allowed values, header and cells spell "på" as `form`."""
    word = unicodedata.normalize(form, "på")
    glossary = [("where", "string", f'"{word}", "av"', f"Står {word}"),
                ("out", "string", '"a", "b"', "Out")]
    table = TableSpec("out", "U", [(f"Står {word}", "input"), ("out", "output")],
                      [["1", f'"{word}"', '"a"'], ["2", '"av"', '"b"']])
    return write(WorkbookSpec(glossary, [table]), tmp_path / f"{form}.xlsx")  # type: ignore[arg-type]


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_decomposed_letters_are_the_same_text_in_every_place(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], form: str) -> None:
    assert NFC != NFD
    wb = spelled(form, tmp_path)
    code, text = run_cli(["check", str(wb)], capsys)
    assert code == 0, text  # the label matched the header, the cell is an allowed value
    model = engine.load(str(wb))
    assert model.variables["where"].values == (NFC, "av")
    for case_word in (NFC, NFD):
        assert model.evaluate({"where": case_word})["out"] == "a"
        assert model.evaluate({unicodedata.normalize("NFD", "where"): case_word})["out"] == "a"
    frame = model.evaluate_frame(pd.DataFrame({"where": [NFC, NFD, "av"]}))
    assert frame["out"].tolist() == ["a", "a", "b"]
    cases = tmp_path / "cases.csv"
    cases.write_text(f"where\n{NFD}\n{NFC}\n", encoding="utf-8")
    code, text = run_cli(["eval", str(wb), "--input", str(cases), "--output",
                          str(tmp_path / "o.csv")], capsys)
    assert code == 0, text


def test_the_sfeel_reader_and_keywords_compose_letters() -> None:
    assert parse_literal(f'"{NFD}"') == NFC
    assert parse_unary(NFD, words=(NFC,)).points == frozenset({NFC})
    assert keyword(unicodedata.normalize("NFD", "Beslutning")) == "beslutning"


def test_a_zero_width_space_is_shown_in_the_message(tmp_path: Path) -> None:
    model = engine.load(str(spelled("NFC", tmp_path)))
    with pytest.raises(CaseError) as caught:
        model.evaluate({"where": "a\u200bv"})
    message = str(caught.value)
    assert "a\\u200bv" in message and "\u200b" not in message
    assert 'looks like "av"' in message


def test_a_look_alike_cell_names_its_difference(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    glossary = [("where", "string", '"av", "på"', "Where"), ("out", "string", '"a", "b"', "Out")]
    table = TableSpec("out", "U", [("where", "input"), ("out", "output")],
                      [["1", "a\u200bv", '"a"'], ["2", '"på"', '"b"']])
    wb = write(WorkbookSpec(glossary, [table]), tmp_path / "zw.xlsx")  # type: ignore[arg-type]
    code, text = run_cli(["check", str(wb)], capsys)
    assert code == 1 and "out!B4" in text and "a\\u200bv" in text and "looks like" in text


def test_visible_and_looks_like() -> None:
    assert visible("x\u200b\u00ady") == "x\\u200b\\u00ady"
    assert visible("e\u0301", combining=True) == "e\\u0301"
    assert visible("x" * 100).endswith("(100 characters)")
    assert looks_like("a\u200bv", "av") and looks_like("e\u0301", "é")
    assert not looks_like("av", "av") and not looks_like("av", "au")


@pytest.mark.parametrize("text", ["\u0665" + "0", "[1..\u0665]", "\uff15\uff10", "< \u0966",
                                  'date("\u0662\u0660\u0662\u0660-01-01")'])
def test_only_the_digits_0_to_9_are_numbers_and_dates(text: str) -> None:
    from engine.core.errors import SfeelError
    with pytest.raises(SfeelError, match="digits other than 0-9"):
        parse_unary(text, numeric=True)


def test_foreign_digits_in_a_case_are_refused_alike(tmp_path: Path) -> None:
    glossary = [("n", "integer", None, "N"), ("d", "date", None, "D"),
                ("out", "string", '"a", "b"', "Out")]
    table = TableSpec("out", "U", [("n", "input"), ("d", "input"), ("out", "output")],
                      [["1", "< 50", "-", '"a"'], ["2", ">= 50", "-", '"b"']])
    model = engine.load(str(write(WorkbookSpec(glossary, [table]),  # type: ignore[arg-type]
                                  tmp_path / "n.xlsx")))
    with pytest.raises(CaseError, match="must be a whole number"):
        model.evaluate({"n": "\u0665" + "0", "d": "2020-01-01"})
    with pytest.raises(CaseError, match="YYYY-MM-DD"):
        model.evaluate({"n": 5, "d": "\u0662\u0660\u0662\u0660-01-01"})
