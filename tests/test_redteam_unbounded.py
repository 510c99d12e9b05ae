"""Red team, round three (issue 26): reads and messages without a bound.

`eval --case @/dev/zero` and a CSV of one endless line were read whole (MemoryError, an
"internal error"): the documented limits now bound the read itself. An .xlsx of answers for a
Parquet file of more rows than a sheet holds was refused only after every row was evaluated:
now at once, from the row count Parquet records. 3,000 constraint rows naming a value outside
a 1,000-value list each quoted all 1,000 values, after a difflib search over them all (19,000
rows: minutes and ~150 MB of findings): now a bounded quote and a count, and difflib compares
at most `MAX_CANDIDATES` values.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from redteam_files import good, run_cli

import engine
from engine.core import text as text_module
from engine.domain import values as values_module
from engine.evaluation import batch as batch_module


def test_a_case_file_without_end_is_refused_after_the_limit(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run_cli(["eval", str(good(tmp_path)), "--case", "@/dev/zero"], capsys)
    assert code == 2 and "/dev/zero is longer than 10,485,760 characters" in text


def test_a_cases_input_that_is_no_regular_file_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run_cli(["eval", str(good(tmp_path)), "--input", "/dev/zero.csv", "--output",
                          str(tmp_path / "o.csv")], capsys)
    assert code == 2 and "does not exist" in text


@pytest.mark.parametrize("command", ["eval", "diff"])
def test_a_csv_line_without_end_is_refused_before_it_is_held(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    """A 6 MB line read in 1 MB blocks: the memory it takes stays far below the line (a 4 GB
    line was read whole by `readline` first, then refused)."""
    wb = good(tmp_path)
    cases = tmp_path / "cases.csv"
    cases.write_bytes(b"receptor" + b"x" * 6_000_000)
    argv = (["eval", str(wb), "--input", str(cases), "--output", str(tmp_path / "o.csv")]
            if command == "eval" else ["diff", str(wb), str(wb), "--cases", str(cases)])
    tracemalloc.start()
    try:
        code, text = run_cli(argv, capsys)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 2 and "has a line longer than 1,048,576 bytes" in text
    assert peak < 6_000_000, peak  # less than the line: never held whole


def test_an_xlsx_of_answers_too_long_for_a_sheet_is_refused_before_evaluating(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    rows = 1_100_000
    table = pa.table({"receptor": pa.array(["negative"] * rows), "age": pa.array([70] * rows),
                      "pain": pa.array([True] * rows)})
    cases = tmp_path / "cases.parquet"
    pq.write_table(table, cases)

    def never(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a case was evaluated")

    monkeypatch.setattr(batch_module, "evaluate_frame", never)
    code, text = run_cli(["eval", str(good(tmp_path)), "--input", str(cases), "--output",
                          str(tmp_path / "out.xlsx")], capsys)
    assert code == 2 and "at most 1,048,575 rows of cases and the input has 1,100,000" in text
    assert not (tmp_path / "out.xlsx").exists()


def test_a_value_outside_a_long_list_is_quoted_bounded_with_few_comparisons(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[int] = []
    real = values_module.get_close_matches

    def counted(word: str, choices: list[str], **kwargs: Any) -> list[str]:
        compared.append(len(choices))
        return real(word, choices, **kwargs)

    monkeypatch.setattr(values_module, "get_close_matches", counted)
    wb = openpyxl.Workbook()
    glossary = wb.active
    glossary.title = "Glossary"
    glossary.append(["Name", "Type", "Allowed values", "Label", "Unknown allowed"])
    glossary.append(["s", "string", ", ".join(f'"v{i:03d}"' for i in range(1000)), "S", "no"])
    glossary.append(["out", "string", '"a", "b"', "Out", "no"])
    table = wb.create_sheet("T")
    for row in (["Decision", "out"], ["U", "s", "out"], [None, "input", "output"],
                ["1", "-", '"a"']):
        table.append(row)
    constraints = wb.create_sheet("Constraints")
    constraints.append(["id", "s"])
    for i in range(300):
        constraints.append([f"C{i}", f'"w{i:03d}x"'])
    path = tmp_path / "long.xlsx"
    wb.save(path)
    model = engine.load(str(path), strict=False)
    refused = [p for p in model.problems if p.cells[0].startswith("Constraints!B")]
    assert len(refused) == 300
    assert all(len(p.message) < 400 and "… (1,000 values)" in p.message for p in refused)
    assert compared and max(compared) <= text_module.MAX_CANDIDATES


def test_a_long_list_is_listed_bounded() -> None:
    shown = text_module.listed([f'"{i}"' for i in range(1000)])
    assert shown.endswith("… (1,000 values)") and len(shown) < 120
    assert text_module.listed(['"a"', '"b"']) == '"a", "b"'
