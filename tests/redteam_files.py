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


def edit_part(src: Path, dst: Path, part: str, edit: Any, extra: dict[str, bytes] | None = None
              ) -> Path:
    """Copy a workbook with one XML part changed by `edit(bytes) -> bytes` (and parts added)."""
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == part:
                data = edit(data)
            if extra and info.filename in extra:
                continue
            zout.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return dst


SHARED_STRINGS = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxml'
                  b'formats.org/spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>N1</t>'
                  b"</si><si><t>=HIDDEN</t></si></sst>")


def with_shared_strings(src: Path, dst: Path, cell_xml: bytes, new_xml: bytes) -> Path:
    """The Advice sheet with one inline cell replaced by a shared-string cell."""
    import zipfile

    with zipfile.ZipFile(src) as zin:
        types = zin.read("[Content_Types].xml").replace(
            b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        rels = zin.read("xl/_rels/workbook.xml.rels").replace(
            b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats'
            b'.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            b"</Relationships>")
    return edit_part(src, dst, "xl/worksheets/sheet2.xml",
                     lambda xml: xml.replace(cell_xml, new_xml),
                     {"[Content_Types].xml": types, "xl/_rels/workbook.xml.rels": rels,
                      "xl/sharedStrings.xml": SHARED_STRINGS})
