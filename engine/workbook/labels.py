"""Value labels: the optional sheet `Values` / `Verdier`, the words a clinician reads for a code.

Cases, tests and DMN keep the codes (`consider_now`); the review document, the report, the
explanation and the annotated copy show the label ("Vurder umiddelbart"). One row a label:
variable, value, label. Each value is read as the variable's own cells are, so a label can
never name a value the glossary does not allow; every problem is located at its cell.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from difflib import get_close_matches
from functools import partial
from typing import Any

from ..core.i18n import _
from ..core.model import Variable
from ..core.problems import Problems
from ..core.sfeel import Value, literal_text, normalise_text
from .cells import cell_value, read_cell
from .layout import first_row, keyword
from .near import header_hint
from .xlsx import Sheet, cell_name

SHEETS = {"values", "verdier", "value labels", "verdietiketter"}
COLUMNS = {"variable": "variable", "variabel": "variable", "value": "value", "verdi": "value",
           "label": "label", "etikett": "label"}

ValueLabels = dict[str, dict[Value, str]]
QUOTED = re.compile(r'"([^"]*)"')


def is_values_sheet(sheet: Sheet) -> bool:
    return keyword(sheet.name) in SHEETS


def read_value_labels(sheet: Sheet, variables: dict[str, Variable],
                      problems: Problems) -> ValueLabels:
    """Every (variable, value) -> label row; unknown variables, values the variable does not
    allow, empty labels and a value labelled twice are errors at their cells."""
    header = first_row(sheet)
    columns: dict[str, int] = {}
    for col in range(1, sheet.max_col + 1):
        word = COLUMNS.get(keyword(sheet.get(header, col)))
        if word and word not in columns:
            columns[word] = col
        elif not word:
            header_hint(sheet, header, col, COLUMNS, _("the values sheet"), problems)
    missing = [w for w in ("variable", "value", "label") if w not in columns]
    if missing:
        problems.add("structure", _("the values sheet has no {missing} column in its "
                                    "header row: write Variable, Value, Label (or "
                                    "Variabel, Verdi, Etikett)").format(
                                      missing=', '.join(missing)), cell_name(sheet.name, header, 1))
        return {}
    labels: ValueLabels = {}
    seen: dict[tuple[str, Any], str] = {}
    for row in range(header + 1, sheet.max_row + 1):
        raw = {w: sheet.get(row, c) for w, c in columns.items()}
        if all(v is None for v in raw.values()):
            continue
        cells = {w: cell_name(sheet.name, row, c) for w, c in columns.items()}
        var = _variable(raw["variable"], variables, cells["variable"], problems)
        if var is None:
            continue
        if raw["value"] is None:
            problems.add("syntax", _("the value of {title} is empty: write the code "
                                     "this label is for").format(title=var.title()), cells["value"])
            continue
        before = len(problems.items)
        value = read_cell(
            partial(cell_value, raw["value"], var),
            _("the value of {title}").format(title=var.title()),
            cells["value"],
            problems,
        )
        if value is None:
            if len(problems.items) == before:  # null: unknown has no code to label
                problems.add("syntax", _("null cannot have a label: write a value of "
                                         "{title}").format(title=var.title()), cells["value"])
            continue
        label = normalise_text(str(raw["label"])) if raw["label"] is not None else ""
        if not label:
            problems.add(
                "syntax",
                _("the label of {literal_text} ({title}) is empty").format(
                    literal_text=literal_text(value), title=var.title()
                ),
                cells["label"],
            )
            continue
        key = (var.name, (type(value).__name__, value))  # True and 1 are different values
        if key in seen:
            problems.add("duplicate", _("{literal_text} of {title} is labelled twice "
                                        "(also at {seen})").format(
                                          literal_text=literal_text(value), title=var.title(),
                                          seen=seen[key]), cells["value"])
            continue
        seen[key] = cells["value"]
        labels.setdefault(var.name, {})[value] = label
    _same_words(labels, variables, sheet, problems)
    return labels


def _variable(raw: Any, variables: dict[str, Variable], cell: str,
              problems: Problems) -> Variable | None:
    name = normalise_text(str(raw)) if raw is not None else ""
    if name in variables:
        return variables[name]
    if not name:
        problems.add("syntax", _("the variable is empty: write its name from the "
                                 "glossary"), cell)
        return None
    close = get_close_matches(name, list(variables), n=1, cutoff=0.6)
    hint = _(' (did you mean "{close}"?)').format(close=close[0]) if close else ""
    problems.add("unknown", _("{name!r} is not a variable in the glossary{hint}").format(
                                name=name, hint=hint), cell)
    return None


def _same_words(labels: ValueLabels, variables: dict[str, Variable], sheet: Sheet,
                problems: Problems) -> None:
    """Two codes of one variable shown with the same words cannot be told apart by a reader."""
    for name, shown in labels.items():
        by_label: dict[str, list[Value]] = {}
        for value, label in shown.items():
            by_label.setdefault(label.casefold(), []).append(value)
        for values in by_label.values():
            if len(values) > 1:
                codes = ", ".join(literal_text(v) for v in values)
                problems.add(
                    "duplicate",
                    _(
                        "{codes} of {title} have the same label "
                        "{shown!r}: a reader cannot tell them apart"
                    ).format(codes=codes, title=variables[name].title(), shown=shown[values[0]]),
                    f"{sheet.name}!A1",
                    severity="warning",
                )


def shown_value(labels: ValueLabels, name: str, value: Value) -> str | None:
    """The label of `value` of variable `name`, or None when it has none."""
    return labels.get(name, {}).get(value) if isinstance(value, (str, bool, int)) else None


def in_words(labels: Mapping[Value, str], text: str) -> str:
    """A condition as written (`"CR", "PR"`) with each quoted code replaced by its label."""
    return QUOTED.sub(lambda m: labels.get(m.group(1), m.group(0)), text)
