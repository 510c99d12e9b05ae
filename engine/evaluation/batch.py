"""`guideline eval WB --input cases --output results`: a file of cases answered in bounded memory.

Cases are read in chunks (CSV through pandas, XLSX through openpyxl's read-only rows, Parquet
through pyarrow's record batches), each chunk is answered by `evaluate_frame`, and the input's
columns followed by the answers are appended to a temporary file that replaces the output only
when every chunk went well. Exit 0: every case answered; 1: some rows have an error (counted
and summarised); 2: the input, the output path or the arguments cannot be used.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import CaseError, UsageError, WorkbookError
from ..core.i18n import _
from ..core.model import Model, Variable
from ..core.safe_io import (
    OutputError,
    atomic_path,
    refuse_overwrite,
)
from ..core.text import MAX_COLUMNS, nfc
from ..workbook.loader import load
from ..workbook.xlsx import check_container
from .answer_files import EXCEL_ROWS, PROVENANCE, Chunk, file_format, open_sink
from .bulk import BulkPlan, bulk_plan, evaluate_frame
from .case_files import MAX_LINE, check_text_file, formula_rows, refuse_unsaved

TRUE_FALSE = {"true": True, "false": False}
KEEP_MESSAGES = 1000  # distinct error messages counted for the summary


def run_batch(args: argparse.Namespace) -> tuple[Tally, Model]:
    """Answer the file of cases; the CLI reports the tally (`summarise`)."""
    if args.case is not None:
        raise UsageError(_("give either --case (one case) or --input (a file of "
                           "cases), not both"))
    if not args.input or not args.output:
        raise UsageError(_("a file of cases needs both --input CASES and --output "
                           "RESULTS"))
    if args.explain or args.format != "text":
        raise UsageError(_("--explain and --format apply to one --case; a file of "
                           "cases gets its answers, rule ids and errors as columns"))
    if args.chunk_size < 1:
        raise UsageError(_("--chunk-size must be at least 1"))
    for path, role in ((args.input, "input"), (args.output, "output")):
        if file_format(path) is None:
            raise UsageError(_("the {role} {path} must end in .csv, .xlsx or .parquet").format(
                                 role=role, path=path))
    try:
        refuse_overwrite(args.output, args.input, args.workbook)
    except OutputError as exc:
        raise UsageError(str(exc)) from None
    model = load(args.workbook, dmn_strict=getattr(args, "strict", False))
    try:
        plan = bulk_plan(model, args.decision)
    except CaseError as exc:
        raise UsageError(str(exc)) from None
    source = open_source(args.input, args.chunk_size)
    try:
        _check_columns(plan, source.columns, args.input)
        _fits(source, args.output)
        tally = _answer_all(model, plan, source, args)
    finally:
        source.close()
    return tally, model


@dataclass
class Tally:
    rows: int = 0
    errors: int = 0
    messages: Counter[str] = field(default_factory=Counter)


def _answer_all(model: Model, plan: BulkPlan, source: Source,
                args: argparse.Namespace) -> Tally:
    from tqdm import tqdm  # type: ignore[import-untyped]

    tally = Tally()
    # tqdm: small, pure Python, already a dependency; it draws on stderr and only for a terminal
    size = shutil.get_terminal_size()  # a terminal that reports no size: 80 × 24
    stderr = getattr(sys.stderr, "raw", sys.stderr)  # the bar's own CR, not written out
    bar = tqdm(total=source.total, unit=" cases", unit_scale=True, file=stderr,
               disable=not sys.stderr.isatty(), desc="evaluating", ncols=size.columns,
               nrows=size.lines)
    try:
        with atomic_path(args.output) as tmp:
            sink = open_sink(args.output, tmp, source.columns, source.schema, plan, model)
            try:
                for chunk in source.chunks():
                    typed = type_columns(chunk.cases, plan, source.typed)
                    answers = evaluate_frame(model, typed, plan.target).assign(**dict(zip(
                        PROVENANCE, model.provenance().values())))
                    sink.write(chunk, answers)
                    _count(tally, answers["error"])
                    bar.update(len(answers))
            finally:
                sink.close()
    except OutputError as exc:
        raise UsageError(str(exc)) from None
    finally:
        bar.close()
    return tally


def _count(tally: Tally, errors: pd.Series) -> None:
    tally.rows += len(errors)
    found = errors.dropna()
    tally.errors += len(found)
    for message, count in found.value_counts().items():
        if message in tally.messages or len(tally.messages) < KEEP_MESSAGES:
            tally.messages[str(message)] += int(count)


def summarise(tally: Tally, output: str) -> tuple[int, list[str]]:
    """The exit code and the lines that tell how a file of cases went."""
    answered = tally.rows - tally.errors
    lines = [_("{rows:,} cases: {answered:,} answered, {errors:,} with an error; written "
               "to {output}").format(rows=tally.rows, answered=answered, errors=tally.errors,
                                     output=output)]
    if not tally.errors:
        return 0, lines
    lines += [f"  {count:,} × {message}" for message, count in tally.messages.most_common(5)]
    lines.append(_("each such row has no answer and says why in its error column"))
    return 1, lines


def _check_columns(plan: BulkPlan, columns: list[str], path: str) -> None:
    if len(columns) > MAX_COLUMNS:
        raise UsageError(_("{path} has {n:,} columns; at most {most:,} are read (a file of "
                           "cases names the inputs it gives)").format(
                             path=path, n=len(columns), most=MAX_COLUMNS))
    counts = Counter(columns)
    twice = sorted(c for c, n in counts.items() if n > 1)
    if twice:
        raise UsageError(_("{path}: the column name {twice} is used more than once").format(
                             path=path, twice=', '.join(twice)))
    missing = [name for name, _ in plan.needed if name not in columns]
    if missing:
        raise UsageError(_("{path} lacks the column{value} {missing} that {target} "
                           "reads (add it, with empty cells where unknown)").format(
                             path=path, value='s' if len(missing) > 1 else '',
                             missing=', '.join(missing), target=plan.target))
    clash = [c for c in (*plan.names, *PROVENANCE) if c in columns]
    if clash:
        raise UsageError(_("{path} already has a column named {clash}, which the "
                           "answers would repeat: rename it in the input").format(
                             path=path, clash=', '.join(clash)))


def _fits(source: Source, output: str) -> None:
    """An .xlsx of answers holds 1,048,575 cases: a larger input is refused before any case is
    evaluated (Parquet says its row count; a CSV's lines are counted in one fast pass)."""
    if file_format(output) != ".xlsx":
        return
    rows = source.total
    if rows is None and isinstance(source, CsvSource):
        rows = _count_lines(source.path) - 1
    if rows is not None and rows > EXCEL_ROWS - 1:
        raise UsageError(_("{output}: a sheet holds at most {excel_rows:,} rows of cases and "
                           "the input has {rows:,}; write the answers to .csv or .parquet "
                           "instead").format(output=output, excel_rows=EXCEL_ROWS - 1,
                                             rows=rows))


# -- typing text cells --------------------------------------------------------------------------
def type_columns(chunk: pd.DataFrame, plan: BulkPlan, typed: bool) -> pd.DataFrame:
    """The input columns for `evaluate_frame`; text cells (CSV) get the glossary's types."""
    columns = {name: chunk[name] if typed else typed_text(chunk[name], var)
               for name, var in plan.needed}
    return pd.DataFrame(columns, index=chunk.index)


def typed_text(text: pd.Series, var: Variable) -> pd.Series:
    """CSV text as the variable's type: true/false in any case, numbers, the rest as written.

    Text that does not fit stays text, so that its row gets the error `evaluate` gives for it.
    """
    if var.type == "boolean":  # a handful of distinct texts: read each once
        codes, uniques = pd.factorize(text)
        words = [TRUE_FALSE.get(str(u).lower()) for u in uniques]
        if all(w is not None for w in words):
            flags = np.asarray([*words, False], dtype=bool)[codes]
            return pd.Series(pd.arrays.BooleanArray(flags, codes < 0), index=text.index)
        values = np.asarray([*(u if w is None else w for u, w in zip(uniques, words)), None],
                            dtype=object)
        return pd.Series(values[codes], index=text.index, dtype="object")
    if var.type in ("number", "integer"):
        numbers = pd.to_numeric(text, errors="coerce")
        bad = numbers.isna() & text.notna()
        long = text.str.fullmatch(r"[+-]?\d{16,400}", na=False)
        if long.any():  # a whole number float64 would round: kept exact, as `evaluate` reads it
            exact = numbers.astype(object)
            exact[long] = [int(t) for t in text[long]]
            return pd.Series(np.where(bad, text.astype(object), exact), index=text.index,
                             dtype=object)
        if not bad.any():
            return numbers
        return pd.Series(np.where(bad, text.astype(object), numbers.astype(object)),
                         index=text.index, dtype=object)
    return text  # strings as written; dates as YYYY-MM-DD text, which `conform` reads


# -- sources ----------------------------------------------------------------------------------
class Source:
    columns: list[str]
    total: int | None = None
    typed = True  # cells carry their types (False: CSV text)
    schema: Any = None  # Parquet: the file's Arrow schema

    def chunks(self) -> Iterator[Chunk]:
        raise NotImplementedError

    def close(self) -> None:
        pass


def open_source(path: str, chunk_size: int) -> Source:
    if not Path(path).exists():
        raise UsageError(_("cannot read the cases: {path} does not exist").format(path=path))
    if not Path(path).is_file():  # a folder, a FIFO, /dev/zero: never read without end
        raise UsageError(_("cannot read the cases: {path} is not a regular file").format(
                             path=path))
    kind = file_format(path)
    if kind == ".csv":
        return CsvSource(path, chunk_size)
    if kind == ".xlsx":
        return XlsxSource(path, chunk_size)
    return ParquetSource(path, chunk_size)


class CsvSource(Source):
    typed = False

    def __init__(self, path: str, chunk_size: int) -> None:
        self.path, self.chunk_size = path, chunk_size
        check_text_file(path)  # before any line is read: a 4 GB line is refused, not held
        try:
            with open(path, encoding="utf-8-sig", newline="") as fh:
                first = fh.readline(MAX_LINE + 1)
        except UnicodeDecodeError:
            raise UsageError(_("{path} is not UTF-8 text: save it as CSV UTF-8").format(
                                 path=path)) from None
        if not first.strip():
            raise UsageError(_("{path} is empty: its first line must name the columns").format(
                                 path=path))
        # Excel in many European locales writes ';' between cells
        self.sep = ";" if first.count(";") > first.count(",") else ","
        self.columns = [nfc(c) for c in next(csv.reader([first], delimiter=self.sep))]
        if sys.stderr.isatty():  # only the progress bar needs the count
            self.total = _count_lines(path) - 1

    def chunks(self) -> Iterator[Chunk]:
        import pandas.errors

        try:
            reader = pd.read_csv(self.path, sep=self.sep, dtype=str, keep_default_na=False,
                                 na_values=[""], chunksize=self.chunk_size,
                                 encoding="utf-8-sig")
            with reader:
                for frame in reader:
                    yield Chunk(frame)
        except (pandas.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
            raise UsageError(_("{path} cannot be read as CSV: {exc}").format(
                                 path=self.path, exc=exc)) from None


def _count_lines(path: str) -> int:
    lines = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            lines += block.count(b"\n")
    return lines


class XlsxSource(Source):
    """The first sheet; its first row names the columns, rows with no value are skipped."""

    def __init__(self, path: str, chunk_size: int) -> None:
        import openpyxl

        self.path, self.chunk_size = path, chunk_size
        try:  # the same guards as a guideline workbook: zip bombs, entity bombs, .xls...
            check_container(path)
        except WorkbookError as exc:
            raise UsageError(str(exc)) from None
        try:
            self.book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            sheet = self.book.worksheets[0]
            self.formulas = formula_rows(path, sheet)
        except Exception as exc:  # zipfile, XML and openpyxl errors alike
            raise UsageError(_("{path} cannot be read as a workbook ({exc})").format(
                                 path=path, exc=exc)) from None
        self.sheet_name = sheet.title
        self.rows = sheet.iter_rows(values_only=True)
        header = [nfc(str(v).strip()) if v is not None else "" for v in next(self.rows, ())]
        next(self.formulas, None)
        if len(header) > MAX_COLUMNS:
            raise UsageError(_("{path} has {n:,} columns; at most {most:,} are read (a file "
                               "of cases names the inputs it gives)").format(
                                 path=path, n=len(header), most=MAX_COLUMNS))
        self.keep = [i for i, name in enumerate(header) if name]  # unnamed columns are skipped
        self.columns = [header[i] for i in self.keep]
        self.width = len(header)
        if sheet.max_row:
            self.total = max(sheet.max_row - 1, 0)

    def chunks(self) -> Iterator[Chunk]:
        batch: list[tuple[Any, ...]] = []
        for number, row in enumerate(self.rows, start=2):
            texts = next(self.formulas, None)
            if row is None or all(v is None for v in row):
                continue
            if texts is not None:
                refuse_unsaved(self.path, f"{self.sheet_name}!", number, row, texts)
            cells = tuple(row[:self.width]) + (None,) * (self.width - len(row))
            batch.append(tuple(cells[i] for i in self.keep))
            if len(batch) == self.chunk_size:
                yield Chunk(pd.DataFrame(batch, columns=self.columns, dtype=object))
                batch = []
        if batch:
            yield Chunk(pd.DataFrame(batch, columns=self.columns, dtype=object))

    def close(self) -> None:
        self.book.close()


class ParquetSource(Source):
    def __init__(self, path: str, chunk_size: int) -> None:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        self.chunk_size = chunk_size
        try:
            self.file = pq.ParquetFile(path)
        except Exception as exc:  # pyarrow's errors for a file that is not Parquet
            raise UsageError(_("{path} cannot be read as Parquet ({exc})").format(
                                 path=path, exc=exc)) from None
        self.schema = self.file.schema_arrow
        self.columns = list(self.schema.names)
        self.total = self.file.metadata.num_rows

    def chunks(self) -> Iterator[Chunk]:
        for batch in self.file.iter_batches(batch_size=self.chunk_size):
            yield Chunk(batch.to_pandas(), batch)

    def close(self) -> None:
        self.file.close()
