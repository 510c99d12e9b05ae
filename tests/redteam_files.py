"""Small hostile files for the red-team regression tests, each built from code in a few lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from build_bad_workbooks import write_good
from workbooks import TableSpec, WorkbookSpec, write

from engine.cli.main import main

GOOD_CASE = {"receptor": "negative", "age": 70, "pain": True}


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Exit code and everything printed; an internal error is always a test failure."""
    code = main(argv)
    out = capsys.readouterr()
    text = out.out + out.err
    assert "internal error" not in text and "Traceback" not in text, text
    return code, text


def good(folder: Path) -> Path:
    return write_good(folder / "good.xlsx")


def date_workbook(folder: Path, first: str, last: str, name: str = "dates.xlsx") -> Path:
    """One date input split at 2000-01-01, its rules reaching `first` and `last`."""
    glossary: list[tuple[Any, ...]] = [("d", "date", None, "D"),
                                       ("out", "string", '"a", "b"', "Out")]
    table = TableSpec("out", "U", [("d", "input"), ("out", "output")],
                      [["1", f'[date("{first}")..date("2000-01-01"))', '"a"'],
                       ["2", f'[date("2000-01-01")..date("{last}")]', '"b"']])
    return write(WorkbookSpec(glossary, [table]), folder / name)


def one_string_workbook(folder: Path, allowed: str, name: str = "words.xlsx",
                        header: str = "word", cell: str = '"på"') -> Path:
    """A string input with `allowed` values; one rule on `cell`, one on the rest."""
    glossary: list[tuple[Any, ...]] = [("word", "string", allowed, "Word"),
                                       ("out", "string", '"a", "b"', "Out")]
    table = TableSpec("out", "U", [(header, "input"), ("out", "output")],
                      [["1", cell, '"a"'], ["2", f"not({cell})", '"b"']])
    return write(WorkbookSpec(glossary, [table]), folder / name)
