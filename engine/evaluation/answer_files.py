"""The answers of `guideline eval --input … --output …` written as CSV, XLSX or Parquet.

A sink takes each chunk of cases with its answers and appends them to a temporary file that
`batch` renames over the output only when every chunk went well. Text a spreadsheet would run
as a formula is escaped; lists are JSON in text files; Parquet keeps the glossary's types.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import UsageError
from ..core.i18n import _
from ..core.model import Model
from ..core.safe_io import FORMULA_STARTS, escape_formula
from ..core.text import xml_safe
from .bulk import LIST_POLICIES, BulkPlan

FORMATS = (".csv", ".xlsx", ".parquet")
EXCEL_ROWS = 1_048_576  # a sheet's last row; one of them holds the header
# every output row names the guideline that answered it (About version and status, file hash)
PROVENANCE = ("guideline_version", "guideline_status", "guideline_sha256")


@dataclass
class Chunk:
    cases: pd.DataFrame  # as read: text for CSV, typed cells for XLSX and Parquet
    arrow: Any = None  # Parquet: the record batch itself, so the output keeps its types


def file_format(path: str) -> str | None:
    suffix = Path(path).suffix.lower()
    return suffix if suffix in FORMATS else None


class Sink:
    def write(self, chunk: Chunk, answers: pd.DataFrame) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


def open_sink(output: str, tmp: str, columns: list[str], schema: Any, plan: BulkPlan,
              model: Model) -> Sink:
    """The writer for `output`'s format, into `tmp` (renamed over `output` when all went well);
    `columns` and `schema` (Parquet's, or None) are the input's, echoed before the answers."""
    kind = file_format(output)
    lists = [n for tp in plan.tables if tp.table.hit_policy in LIST_POLICIES
             for n in tp.table.output_names]
    header = [*columns, *plan.names, *PROVENANCE]  # written even with no cases
    if kind == ".csv":
        return CsvSink(tmp, lists, header)
    if kind == ".xlsx":
        return XlsxSink(tmp, output, lists, header)
    return ParquetSink(tmp, plan, model, columns, schema)


class CsvSink(Sink):
    """pandas' writer: quotes only where needed, the same with or without pyarrow."""

    def __init__(self, tmp: str, lists: list[str], header: list[str]) -> None:
        self.fh = open(tmp, "w", encoding="utf-8", newline="")  # noqa: SIM115 - see close()
        csv.writer(self.fh, lineterminator="\n").writerow([escape_formula(c) for c in header])
        self.lists = lists

    def write(self, chunk: Chunk, answers: pd.DataFrame) -> None:
        frame = pd.concat([chunk.cases, as_text(answers, self.lists, booleans=True)], axis=1)
        frame.apply(escape_column).to_csv(self.fh, header=False, index=False,
                                          lineterminator="\n")

    def close(self) -> None:
        self.fh.close()


class XlsxSink(Sink):
    def __init__(self, tmp: str, output: str, lists: list[str], header: list[str]) -> None:
        import openpyxl

        self.tmp, self.output, self.lists = tmp, output, lists
        self.book = openpyxl.Workbook(write_only=True)
        self.sheet = self.book.create_sheet("Results")
        self.sheet.append([_cell(c) for c in header])
        self.rows = 1

    def write(self, chunk: Chunk, answers: pd.DataFrame) -> None:
        frame = pd.concat([chunk.cases, as_text(answers, self.lists, booleans=False)], axis=1)
        self.rows += len(frame)
        if self.rows > EXCEL_ROWS:
            raise UsageError(_("{output}: a sheet holds at most {excel_rows:,} rows of "
                               "cases; write the answers to .csv or .parquet instead").format(
                                 output=self.output, excel_rows=EXCEL_ROWS - 1))
        columns = [[_cell(v) for v in frame[c].astype(object).tolist()] for c in frame.columns]
        for row in zip(*columns):
            self.sheet.append(row)

    def close(self) -> None:
        self.book.save(self.tmp)


def _cell(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    value = escape_formula(value)
    return xml_safe(value) if isinstance(value, str) else value  # openpyxl refuses \x01


class ParquetSink(Sink):
    def __init__(self, tmp: str, plan: BulkPlan, model: Model, columns: list[str],
                 schema: Any) -> None:
        import pyarrow as pa  # type: ignore[import-untyped]

        self.tmp = tmp
        self.types = answer_types(plan, model)
        self.writer: Any = None
        echo = schema if schema is not None else pa.schema(
            [(name, pa.string()) for name in columns])
        self.empty = pa.schema([*echo, *self.types.items()])  # the file when there are no cases

    def write(self, chunk: Chunk, answers: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        if chunk.arrow is not None:
            table = pa.Table.from_batches([chunk.arrow])
        else:  # CSV text stays text; XLSX cells are written as text too (their kinds may mix)
            table = pa.table({name: _text_array(chunk.cases[name]) for name in chunk.cases})
        for name, kind in self.types.items():
            column = answers[name]
            if isinstance(column.dtype, pd.CategoricalDtype):
                column = column.astype(object)
            table = table.append_column(name, pa.array(column, type=kind, from_pandas=True))
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.tmp, table.schema)
        self.writer.write_table(table.cast(self.writer.schema))

    def close(self) -> None:
        import pyarrow.parquet as pq

        if self.writer is None:
            self.writer = pq.ParquetWriter(self.tmp, self.empty)
        self.writer.close()


def answer_types(plan: BulkPlan, model: Model) -> dict[str, Any]:
    """Every answer column's Arrow type, fixed by the glossary so that every chunk agrees."""
    import pyarrow as pa

    scalar = {"string": pa.string(), "boolean": pa.bool_(), "integer": pa.int64(),
              "number": pa.float64(), "date": pa.date32()}
    out: dict[str, Any] = {}
    for tp in plan.tables:
        table = tp.table
        for name in table.output_names:
            kind = scalar[model.variables[name].type]
            if table.hit_policy == "C#":
                kind = pa.int64()
            elif table.hit_policy in LIST_POLICIES:
                kind = pa.list_(kind)
            out[name] = kind
        out[f"{table.name}_rule"] = pa.string()
    for name in ("error", "error_kind", *PROVENANCE):
        out[name] = pa.string()
    return out


def _text_array(column: pd.Series) -> Any:
    import pyarrow as pa

    if pd.api.types.is_string_dtype(column.dtype) and column.dtype != object:
        return pa.array(column, type=pa.string(), from_pandas=True)
    return pa.array([_text(v) for v in column.tolist()], type=pa.string())


def _text(value: Any) -> str | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        text: str = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value)


# -- text for CSV and XLSX ----------------------------------------------------------------------
def as_text(answers: pd.DataFrame, lists: list[str], booleans: bool) -> pd.DataFrame:
    """Answers for a text file: lists as JSON; booleans as true/false (as CSV input reads them)."""
    out = {}
    for name in answers.columns:
        column = answers[name]
        if booleans and isinstance(column.dtype, pd.BooleanDtype):
            flags = column.to_numpy(dtype=bool, na_value=False)
            words = np.where(flags, "true", "false").astype(object)
            words[column.isna().to_numpy()] = None
            column = pd.Series(words, index=column.index, dtype="object")
        elif name in lists:
            column = column.map(lambda v: json.dumps(v, default=_iso, ensure_ascii=False)
                                if isinstance(v, list) else v)
        out[name] = column
    return pd.DataFrame(out, index=answers.index)


def _iso(value: Any) -> str:
    return str(value.isoformat()) if hasattr(value, "isoformat") else str(value)


def escape_column(column: pd.Series) -> pd.Series:
    """Text a spreadsheet would run as a formula gets a leading quote (safe_io.escape_formula)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = [escape_formula(c) for c in column.cat.categories]
        if len(set(categories)) == len(categories):
            return column.cat.rename_categories(categories)
        column = column.astype(object)
    if not pd.api.types.is_string_dtype(column.dtype) and column.dtype != object:
        return column  # numbers, booleans, dates: nothing a spreadsheet would run
    try:
        risky = column.str.startswith(FORMULA_STARTS, na=False).astype(bool)
    except AttributeError:  # not text at all (a column of numbers read from XLSX, say)
        return column.map(escape_formula)
    if not risky.any():
        return column
    return column.where(~risky, column.map(escape_formula))
