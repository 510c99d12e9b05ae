"""Words of the layout typed almost right: "did you mean …?" instead of a column or a sheet
passed over in silence.

A glossary header `Unknown-allowed` or `Kan vaere ukjent` turned the whole workbook into
format v1 (null accepted everywhere, the check proving known values only); `Allowed value`
dropped every domain; a sheet `Begrensning` or `Verdi` turned every constraint or label off; a
sheet whose first cell said `Decisions` was no table, and its errors vanished. A word close to
one the layout knows is reported at its cell with the word meant.
"""

from __future__ import annotations

from collections.abc import Iterable
from difflib import SequenceMatcher

from ..core.i18n import _
from ..core.problems import Problems
from ..core.text import visible
from .layout import DECISION, ROLES, keyword
from .xlsx import Sheet, cell_name

CUTOFF = 0.8  # Unknown-allowed, Allowed value, Tillatt verdi, Kan vaere ukjent, Decisions


def near(word: str, known: Iterable[str], cutoff: float = CUTOFF) -> str | None:
    """The known word `word` is a near miss of (None: none, or it is one of them)."""
    choices = list(known)
    if not word or word in choices:
        return None
    plain = word.replace("-", " ").replace("_", " ").rstrip(":.")
    scored = [(SequenceMatcher(None, plain, k).ratio(), k) for k in choices if len(k) >= 3]
    best = max(scored, default=(0.0, ""))
    if best[0] >= cutoff or (len(best[1]) >= 5 and plain.startswith(best[1])):
        return best[1]
    return next((k for k in choices if len(k) >= 5 and plain.startswith(k)), None)


def header_hint(sheet: Sheet, row: int, col: int, known: dict[str, str], where: str,
                problems: Problems, weak: frozenset[str] = frozenset()) -> bool:
    """A header cell that is a near miss of a column `where` reads (`known`: word -> column):
    reported, a warning for the `weak` columns (for people only); True if so."""
    raw = sheet.get(row, col)
    meant = near(keyword(raw), known) if isinstance(raw, str) else None
    if meant is None:
        return False
    problems.add("structure", _("the column {head!r} is not read: did you mean '{meant}'? "
                                "Rename the header: {where} reads a column of that "
                                "name").format(
                                  head=visible(str(raw).strip(), 40), meant=meant,
                                  where=where), cell_name(sheet.name, row, col),
                 severity="warning" if known[meant] in weak else "error")
    return True


def decision_hint(sheet: Sheet, problems: Problems) -> None:
    """A sheet that is not a table: its first cell in column A a near miss of `Decision`
    (`Decisions`, `Desicion`, `Decision table`), or `Decision` further down column A."""
    column = sorted(r for r, c in sheet.cells if c == 1)
    if not column:
        return
    first = sheet.get(column[0], 1)
    if not isinstance(first, str) or (column[0], 1) in sheet.formulas:
        return  # a formula never saved: said by the loader
    table = _has_roles(sheet, column[0])  # a role row below: a table was meant
    meant = near(keyword(first), DECISION, 0.75 if table else 0.88)  # not Revision, Precision
    if meant is not None:
        problems.add("structure", _("this sheet is not read as a decision table: its first "
                                    "cell says {text!r}; did you mean '{meant}'? A decision "
                                    "table starts with exactly Decision (or Beslutning)").format(
                                      text=visible(first.strip(), 40), meant=meant.capitalize()),
                     cell_name(sheet.name, column[0], 1),
                     severity="error" if table else "warning")
        return
    later = next((r for r in column[1:] if keyword(sheet.get(r, 1)) in DECISION), None)
    if later is not None:
        problems.add("structure", _("this sheet is not read as a decision table: {cell} says "
                                    "{word!r}, but a table's Decision cell is the first filled "
                                    "cell of column A; delete or move what is above it").format(
                                      cell=cell_name(sheet.name, later, 1),
                                      word=str(sheet.get(later, 1)).strip()),
                     cell_name(sheet.name, later, 1))


def _has_roles(sheet: Sheet, top: int) -> bool:
    """A row of column roles (input, output...) within a few rows under `top`."""
    return any(keyword(sheet.get(row, col)) in ROLES for row in range(top + 1, top + 6)
               for col in range(2, min(sheet.max_col, 60) + 1))
