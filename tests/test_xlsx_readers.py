"""The two workbook readers give one grid.

A plain workbook is read by calamine (fast), anything with a formula or an error cell, or too
large to read whole, by openpyxl in streaming mode. Both must hand the loader the very same
`Sheet`s, or a committee's workbook would mean one thing in the edit–check loop and another
elsewhere. Every readable workbook of the test corpora is read both ways and compared.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from build_bad_workbooks import CORPUS, build
from build_examples import EXAMPLES
from build_examples import build as build_example

from engine.core.errors import WorkbookError
from engine.workbook import xlsx

ROOT = Path(__file__).resolve().parents[1]
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"


def both(path: Path) -> tuple[list[xlsx.Sheet] | None, list[xlsx.Sheet]]:
    return xlsx._read_plain(str(path)), xlsx._read_streaming(str(path))


def test_the_guideline_takes_the_fast_path_and_reads_the_same() -> None:
    fast, slow = both(NBCG)
    assert fast is not None, "NBCG has no formula: calamine should read it"
    assert fast == slow


@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_example_workbooks_read_the_same(key: str, tmp_path: Path) -> None:
    fast, slow = both(build_example(key, tmp_path))
    assert fast is not None
    assert fast == slow


@pytest.mark.parametrize("bad", [b for b in CORPUS if not b.slow], ids=lambda b: b.name)
def test_bad_workbooks_read_the_same_or_go_the_streaming_way(bad: object,
                                                             tmp_path: Path) -> None:
    path = build(bad, tmp_path)  # type: ignore[arg-type]
    try:
        xlsx.check_container(str(path))
        slow = xlsx._read_streaming(str(path))
    except (WorkbookError, OSError):
        return  # unusable input: the container checks refuse it before either reader runs
    fast = xlsx._read_plain(str(path))
    assert fast is None or fast == slow


def test_values_of_every_kind_read_the_same(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Values"
    values = [1, -7, 2.5, 1e20, 0.1, True, False, dt.datetime(2024, 1, 2), dt.date(2024, 3, 4),
              dt.datetime(2024, 1, 2, 13, 5), "  text ", " ", "", "12", "2,5", "æøå", "\u00a0x"]
    for i, v in enumerate(values, start=1):
        ws.cell(i, 2, v)
    ws.cell(30, 7, "far away")
    ws.row_dimensions[3].hidden = True
    ws.merge_cells("D1:E2")
    wb.create_sheet("Hidden").sheet_state = "hidden"
    wb["Hidden"]["A1"] = "x"
    path = tmp_path / "values.xlsx"
    wb.save(path)
    fast, slow = both(path)
    assert fast is not None
    assert fast == slow
    assert fast[0].hidden_rows == {3} and fast[0].merged == [(1, 4, 2, 5)] and fast[1].hidden


@pytest.mark.parametrize("cell", ["=1+1", "#DIV/0!"])
def test_a_formula_or_an_error_cell_goes_the_streaming_way(cell: str, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = cell
    path = tmp_path / "special.xlsx"
    wb.save(path)
    assert xlsx._read_plain(str(path)) is None
    assert xlsx.read_sheets(str(path)) == xlsx._read_streaming(str(path))


def test_a_large_workbook_goes_the_streaming_way(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "FAST_BYTES", 10)
    assert xlsx._read_plain(str(NBCG)) is None
