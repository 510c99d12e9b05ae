"""Write a model as a workbook in format v1, styled the way the committee's workbook is.

`write_workbook(model, path)` is the one entry point (used by `guideline import`, and meant
for `guideline init`): About, Glossary, one sheet per decision table, Tests. Headers are bold
and coloured by role, panes frozen below the headers, columns sized to their text, and cells
offer drop-down lists of the allowed values (as a warning, so that `"CR", "PR"` or `>= 3` can
still be typed). Cells hold what a person would type: `TRUE`, `-`, `negative`, `>= 3`. Text
is always stored as text, so nothing is ever run as a formula. Names that are not workbook
identifiers (DMN allows `Approval Status`) become `Approval_Status`, with the original name
kept as the label.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.errors import SfeelError
from ..core.i18n import _
from ..core.model import Model, Table, Variable
from ..core.safe_io import write_with
from ..core.sfeel import UnaryTest, Value, parse_literal
from ..dmn.export import feel_literal, unary_text
from .print_setup import apply_print_setup
from .write_sheets import constraints_sheet, questions_sheet, values_sheet

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
SAFE_WORD = re.compile(r"[^\s,()\[\]<>=\"]+$")  # a text the loader reads back unquoted
NOT_SHEET = re.compile(r"[\[\]:*?/\\]")
ROLE_SHEETS = {"glossary", "ordliste", "tests", "testtilfeller", "test cases", "testcases",
               "about", "om", "values", "verdier", "constraints", "begrensninger", "questions",
               "spørsmål"}
@dataclass(frozen=True)
class Words:
    """The role keywords of format v1 in one language (the loader reads both)."""

    about: str
    glossary: str
    tests: str
    decision: str
    input: str
    output: str
    annotation: str
    expected: str
    description: str
    columns: tuple[str, ...]
    unknown: str  # the glossary's column saying whether a value may be unknown
    yes_no: tuple[str, str]

    def role(self, role: str) -> str:
        return str(getattr(self, role))


WORDS = {
    "en": Words("About", "Glossary", "Tests", "Decision", "input", "output", "annotation",
                "expected", "description",
                ("Name", "Type", "Allowed values", "Label", "Description"), "Unknown allowed",
                ("yes", "no")),
    "no": Words("Om", "Ordliste", "Testtilfeller", "Beslutning", "inndata", "utdata", "merknad",
                "forventet", "beskrivelse",
                ("Navn", "Type", "Tillatte verdier", "Etikett", "Beskrivelse"), "Kan være ukjent",
                ("ja", "nei")),
}
FILL = {"input": "DDEBF7", "output": "E2EFDA", "expected": "E2EFDA", "annotation": "F2F2F2"}
SPARE_ROWS = 30  # rows below the rules that keep the drop-down lists, for new rules
MAX_WIDTH = 60


@dataclass
class _Names:
    """Model names -> workbook identifiers, unique, the same for one name everywhere."""

    taken: set[str] = field(default_factory=set)
    mapped: dict[str, str] = field(default_factory=dict)

    def __call__(self, name: str) -> str:
        if name not in self.mapped:
            base = name if NAME.match(name) else re.sub(r"[^A-Za-z0-9_]+", "_", _ascii(name)
                                                        ).strip("_") or "x"
            if not NAME.match(base):
                base = "_" + base
            candidate, n = base, 2
            while candidate.casefold() in self.taken:
                candidate, n = f"{base}_{n}", n + 1
            self.taken.add(candidate.casefold())
            self.mapped[name] = candidate
        return self.mapped[name]


_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "đ": "d",
                          "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "Th"})


def _ascii(name: str) -> str:
    """A name in the letters a workbook name may hold (`å` -> `a`, `ø` -> `o`), since the
    glossary reads names of A-Z, digits and _ only: a name with `å` would not load back."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def write_workbook(model: Model, path: str | os.PathLike[str],
                   language: str | None = None, every_sheet: bool = False) -> None:
    """Write the model as an .xlsx workbook, atomically (see safe_io).

    `language` ("en" or "no") chooses the sheet names and role words; by default a model read
    from a Norwegian workbook (its glossary on `Ordliste`) is written in Norwegian again.
    `every_sheet`: the values, constraints and questions sheets even when empty (`init`).
    """
    wb = build_workbook(model, language, every_sheet)
    write_with(path, wb.save)


def workbook_language(model: Model) -> str:
    first = next(iter(model.variables.values()), None)
    sheet = first.cell.partition("!")[0] if first is not None and "!" in first.cell else ""
    return "no" if sheet.casefold() == "ordliste" else "en"


def renamed(model: Model) -> dict[str, str]:
    """The variable and decision names the workbook writes differently (`Approval Status` ->
    `Approval_Status`), so that a caller knows which names to use with the workbook."""
    names, table_names = _Names(), _Names()
    out = {n: m for v in model.variables.values() if (m := names(n := v.name)) != n}
    for table in model.tables.values():
        if (m := table_names(table.name)) != table.name:
            out.setdefault(table.name, m)
    return out


def build_workbook(model: Model, language: str | None = None,
                   every_sheet: bool = False) -> Workbook:
    """The workbook in memory: what `write_workbook` saves."""
    import openpyxl

    lang = language or workbook_language(model)
    words = WORDS[lang]
    names = _Names()
    for var in model.variables.values():
        names(var.name)
    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    if model.about:
        first.title = words.about
        _about(first, model.about)
        glossary = wb.create_sheet(words.glossary)
    else:
        first.title = words.glossary
        glossary = first
    _glossary(glossary, model, names, words)
    head = FILL["annotation"]
    if model.value_labels or every_sheet:
        values_sheet(wb, model, lang, _put, head)
    if model.constraints or every_sheet:
        constraints_sheet(wb, model, lang, _put, head)
    sheet_names: set[str] = {ws.title.casefold() for ws in wb.worksheets}
    table_names = _Names()  # decisions and variables may share a name (pathway)
    for table in model.tables.values():
        title = _sheet_name(table, sheet_names)
        _decision(wb.create_sheet(title), table, model, names, table_names(table.name), words)
    if model.questions or every_sheet:
        questions_sheet(wb, model, lang, _put, head)
    if model.tests:
        _tests(wb.create_sheet(words.tests), model, names, words)
    apply_print_setup(wb)
    return wb


# -- cells ----------------------------------------------------------------------------------------
def _put(ws: Worksheet, row: int, col: int, value: Any, bold: bool = False,
         fill: str | None = None) -> None:
    from openpyxl.styles import Font, PatternFill

    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text stays text: never a formula, whatever it starts with
    if bold:
        cell.font = Font(bold=True)
    if fill:
        cell.fill = PatternFill("solid", fgColor=fill)


def _bare(var: Variable) -> tuple[str, ...]:
    """The allowed texts that can be written without quotes and read back the same."""
    return tuple(v for v in var.values if isinstance(v, str) and SAFE_WORD.match(v)
                 and v != "-" and _reads_back(v, var.values))


def _reads_back(word: str, words: tuple[Value, ...]) -> bool:
    try:
        return parse_literal(word, words=[w for w in words if isinstance(w, str)]) == word
    except SfeelError:
        return False


def value_cell(value: Value, var: Variable) -> Any:
    """An output, expected or case value as a person types it: TRUE, 12, negative."""
    if isinstance(value, list):
        return ", ".join(feel_literal(v, _bare(var)) for v in value)
    if value is None:
        return "null"
    if isinstance(value, (bool, int, float, dt.date)):
        return value
    return feel_literal(value, _bare(var))


def test_cell(test: UnaryTest, var: Variable) -> Any:
    """An input cell: `-`, a native value for one literal, or the S-FEEL text."""
    if not test.any and not test.negated and not test.null and not test.intervals \
            and len(test.points) == 1:
        (value,) = tuple(test.points)
        return value_cell(value, var)
    return unary_text(test, _bare(var))


def allowed_cell(var: Variable) -> str | None:
    if var.type == "string" and var.values:
        bare = _bare(var)
        return ", ".join(feel_literal(v) if v not in bare else v for v in var.values)
    if var.allowed is not None and var.type != "boolean":
        return unary_text(var.allowed)
    return None


# -- sheets ---------------------------------------------------------------------------------------
def _about(ws: Worksheet, about: dict[str, str]) -> None:
    for row, (key, value) in enumerate(about.items(), 1):
        _put(ws, row, 1, key, bold=True)
        _put(ws, row, 2, value)
    _widths(ws)


def _glossary(ws: Worksheet, model: Model, names: _Names, words: Words) -> None:
    declared = any(v.unknown is not None for v in model.variables.values())  # format v2
    heads = (*words.columns, words.unknown) if declared else words.columns
    for col, head in enumerate(heads, 1):
        _put(ws, 1, col, head, bold=True, fill=FILL["annotation"])
    for row, var in enumerate(model.variables.values(), 2):
        name = names(var.name)
        label = var.label or (var.name if name != var.name else "")
        unknown = None if not declared or model.producer(var.name) is not None else \
            words.yes_no[0] if var.unknown else words.yes_no[1]
        for col, value in enumerate((name, var.type, allowed_cell(var), label or None,
                                     var.description or None, unknown), 1):
            if value is not None:
                _put(ws, row, col, value)
    if declared:
        _validate(ws, 2, max(len(model.variables) + 1, 2) + SPARE_ROWS, len(heads),
                  words.yes_no, strict=True)
    ws.freeze_panes = "B2"
    _validate(ws, 2, max(len(model.variables) + 1, 2) + SPARE_ROWS, 2,
              ("boolean", "string", "number", "integer", "date"), strict=True)
    _widths(ws)


def _sheet_name(table: Table, used: set[str]) -> str:
    base = NOT_SHEET.sub("_", table.sheet or table.name).strip().strip("'")[:31] or "Decision"
    if base.casefold() in ROLE_SHEETS:
        base = NOT_SHEET.sub("_", table.name)[:31] or "Decision"
    candidate, n = base, 2
    while candidate.casefold() in used or candidate.casefold() in ROLE_SHEETS:
        suffix = f" ({n})"
        candidate, n = base[:31 - len(suffix)] + suffix, n + 1
    used.add(candidate.casefold())
    return candidate


def _decision(ws: Worksheet, table: Table, model: Model, names: _Names, name: str,
              words: Words) -> None:
    variables = model.variables
    _put(ws, 1, 1, words.decision, bold=True)
    _put(ws, 1, 2, name, bold=True)
    if table.title:
        _put(ws, 1, 3, table.title)
    _put(ws, 2, 1, table.hit_policy, bold=True)
    _put(ws, 3, 1, "id", bold=True)
    columns = ([(c.name, "input") for c in table.inputs] +
               [(c.name, "output") for c in table.outputs] +
               [(c.name, "annotation") for c in table.annotations])
    for col, (head, role) in enumerate(columns, 2):
        shown = names(head) if role != "annotation" else head
        _put(ws, 2, col, shown, bold=True, fill=FILL[role])
        _put(ws, 3, col, words.role(role), bold=True, fill=FILL[role])
    rules = list(table.rules)
    row = 3
    for row, rule in enumerate(rules, 4):
        _put(ws, row, 1, rule.id)
        cells = [test_cell(t, variables[c.name]) if t is not None else None
                 for c, t in zip(table.inputs, rule.inputs)]
        cells += [value_cell(v, variables[c.name]) for c, v in zip(table.outputs, rule.outputs)]
        cells += [text or None for text in rule.annotations]
        for col, value in enumerate(cells, 2):
            if value is not None:
                _put(ws, row, col, value)
    if table.default is not None:  # the default row (format: rule id `default`)
        row += 1
        _put(ws, row, 1, "default")
        for col in range(2, 2 + len(table.inputs)):
            _put(ws, row, col, "-")
        for col, (c, v) in enumerate(zip(table.outputs, table.default), 2 + len(table.inputs)):
            _put(ws, row, col, value_cell(v, variables[c.name]))
    ws.freeze_panes = "B4"
    last = row + SPARE_ROWS
    for col, (head, role) in enumerate(columns, 2):
        if role == "annotation":
            continue
        choices = _choices(variables[head])
        if choices:
            _validate(ws, 4, last, col, [*choices, "-"] if role == "input" else choices)
    if columns:  # a table without columns has no role row to offer choices in
        _validate(ws, 3, 3, 2, (words.input, words.output, words.annotation), strict=True,
                  end_col=len(columns) + 1)
    _widths(ws)


def _tests(ws: Worksheet, model: Model, names: _Names, words: Words) -> None:
    variables = model.variables
    given = {n for case in model.tests for n in case.inputs}
    expected = {n for case in model.tests for n in case.expected}
    inputs = [v for v in variables if v in given]
    outputs = [v for v in variables if v in expected]
    described = any(case.description for case in model.tests)
    _put(ws, 1, 1, words.tests, bold=True)
    columns = [(n, "input") for n in inputs] + [(n, "expected") for n in outputs]
    if described:
        columns.append((words.description, "annotation"))
    _put(ws, 2, 1, "id", bold=True)
    for col, (head, role) in enumerate(columns, 2):
        _put(ws, 2, col, names(head) if role != "annotation" else head, bold=True,
             fill=FILL[role])
        _put(ws, 3, col, words.role(role), bold=True, fill=FILL[role])
    for row, case in enumerate(model.tests, 4):
        _put(ws, row, 1, case.id)
        for col, (head, role) in enumerate(columns, 2):
            if role == "annotation":
                value: Any = case.description or None
            elif role == "input":
                value = case.inputs.get(head)
                value = value_cell(value, variables[head]) if value is not None else None
            else:
                value = (value_cell(case.expected[head], variables[head])
                         if head in case.expected else None)
            if value is not None:
                _put(ws, row, col, value)
    ws.freeze_panes = "B4"
    last = len(model.tests) + 3 + SPARE_ROWS
    for col, (head, role) in enumerate(columns, 2):
        if role != "annotation" and (choices := _choices(variables[head])):
            _validate(ws, 4, last, col, choices)
    _widths(ws)


# -- styling --------------------------------------------------------------------------------------
def _choices(var: Variable) -> list[str]:
    if var.type == "boolean":
        return ["TRUE", "FALSE"]
    bare = _bare(var)
    if var.type == "string" and var.values and len(bare) == len(var.values):
        return list(bare)
    return []


def _validate(ws: Worksheet, first: int, last: int, col: int, choices: Iterable[str],
              strict: bool = False, end_col: int | None = None) -> None:
    """A drop-down list; as a warning, so that other S-FEEL can still be typed."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    formula = '"' + ",".join(choices) + '"'
    if len(formula) > 255 or any("," in c or '"' in c for c in choices):
        return  # Excel cannot hold this list inline
    dv = DataValidation(type="list", formula1=formula, allow_blank=True,
                        errorStyle="stop" if strict else "warning", showErrorMessage=True)
    if not strict:  # the list is a copy of the glossary's values, made when the file was
        dv.errorTitle = _("Not in the list")  # written: say how to go past it
        dv.error = _("The list was made from the glossary when the workbook was written: a "
                     "value added to the glossary later, and S-FEEL such as \"CR\", \"PR\" "
                     "or >= 3, is typed in and kept (choose Yes). guideline check reads "
                     "every cell.")
    dv.add(f"{get_column_letter(col)}{first}:{get_column_letter(end_col or col)}{last}")
    ws.add_data_validation(dv)


def _widths(ws: Worksheet) -> None:
    from openpyxl.utils import get_column_letter

    widest: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                size = len(str(cell.value))
                col = cell.column if isinstance(cell.column, int) else 1
                widest[col] = max(widest.get(col, 0), size)
    for col, size in widest.items():
        ws.column_dimensions[get_column_letter(col)].width = min(max(size + 2, 6), MAX_WIDTH)
