"""A sheet as a plain grid of cell values: what both readers hand the loader, and cell names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Sheet:
    name: str
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)  # (row, col) -> value
    formulas: set[tuple[int, int]] = field(default_factory=set)  # formulas with no cached value
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    too_long: dict[tuple[int, int], int] = field(default_factory=dict)  # cut texts: length
    hidden: bool = False
    truncated_at: int | None = None  # rows beyond MAX_ROWS were not read

    @property
    def max_row(self) -> int:
        return max((r for r, _ in self.cells), default=0)

    @property
    def max_col(self) -> int:
        return max((c for _, c in self.cells), default=0)

    def get(self, row: int, col: int) -> Any:
        return self.cells.get((row, col))

    def row_values(self, row: int, upto: int) -> list[Any]:
        return [self.cells.get((row, c)) for c in range(1, upto + 1)]


def cell_name(sheet: str, row: int, col: int) -> str:
    return f"{sheet}!{column_letter(col)}{row}"


def column_letter(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number
