"""The FHIR sheet (`FHIR`): where each case input is found in an EHR's FHIR R4 data.

One row a way of reading a variable: the prefetch key and the FHIR search the EHR runs for it,
a FHIRPath run on each resource found, codes (`system|code`, `L01*` for every code under
L01) and the value the row gives when it finds them, or no codes and the value found is the
answer (a questionnaire's answer). What absence means (`ask` unless the committee writes
`unknown` or a value), how old the data may be, and the question put to the clinician are
written on a variable's rows. The header is the first non-empty row; columns in any order,
English or Norwegian; any other column is a note. Every mistake is a finding at its cell.
"""

from __future__ import annotations

import re
from difflib import get_close_matches
from functools import partial
from typing import Any

from ..core.fhir_map import ASK, UNKNOWN, VALUE, FhirCode, FhirRow, MaxAge
from ..core.i18n import _
from ..core.model import Table, Variable
from ..core.problems import Problems
from ..core.sfeel import Value
from .cells import cell_value, note_text, read_cell
from .fhir_cover import check_cover
from .fhirpath_syntax import problems as fhirpath_problems
from .layout import first_row, keyword, rule_rows
from .xlsx import Sheet, cell_name

SHEETS = {"fhir", "fhir-mapping", "fhir mapping", "fhir-kobling", "fhir kobling"}
COLUMNS = {
    "variable": "variable", "variabel": "variable",
    "prefetch": "prefetch", "prefetch key": "prefetch", "forhåndshenting": "prefetch",
    "query": "query", "fhir search": "query", "search": "query", "søk": "query",
    "fhir-søk": "query",
    "fhirpath": "path",
    "codes": "codes", "code": "codes", "koder": "codes", "kode": "codes",
    "match": "match", "treff": "match",
    "value": "value", "verdi": "value",
    "absent": "absent", "if absent": "absent", "mangler": "absent", "hvis det mangler": "absent",
    "max age": "max_age", "maximum age": "max_age", "maks alder": "max_age",
    "høyeste alder": "max_age",
    "question": "question", "spørsmål": "question",
}
REQUIRED = ("variable", "prefetch", "path")
ASK_WORDS = {"ask", "spør", "spor"}
UNKNOWN_WORDS = {"unknown", "ukjent", "null"}
ANY_WORDS = {"any", "one", "minst én", "minst en", "én", "en"}
ALL_WORDS = {"all", "alle"}
KEY = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}$")
QUERY = re.compile(r"[A-Z][A-Za-z]{1,63}([?/].*)?$")
TOKEN = re.compile(r"\{\{\s*([^}]*?)\s*\}\}")
TOKENS = {"context.patientId", "context.userId", "context.encounterId", "userPractitionerId",
          "userPractitionerRoleId", "userPatientId", "userRelatedPersonId"}
AGE = re.compile(r"(\d{1,5})\s*([^\d\s]+)$")
UNITS = {"d": "d", "day": "d", "days": "d", "dag": "d", "dager": "d", "døgn": "d",
         "w": "w", "wk": "w", "week": "w", "weeks": "w", "u": "w", "uke": "w", "uker": "w",
         "m": "m", "mo": "m", "month": "m", "months": "m", "mnd": "m", "md": "m",
         "måned": "m", "måneder": "m",
         "y": "y", "year": "y", "years": "y", "a": "y", "år": "y"}
CODE_SPLIT = re.compile(r"\s*[,;\n]\s*")


def is_fhir_sheet(sheet: Sheet) -> bool:
    return keyword(sheet.name) in SHEETS


def read_fhir(sheet: Sheet, variables: dict[str, Variable], tables: list[Table],
              problems: Problems) -> list[FhirRow]:
    """Every row of the FHIR sheet, each mistake located; then whether every input a decision
    reads can be given each of its values by some row (`fhir_cover`)."""
    header = first_row(sheet)
    columns: dict[str, int] = {}
    for col in range(1, sheet.max_col + 1):
        role = COLUMNS.get(keyword(sheet.get(header, col)))
        if role is None:
            continue  # any other column is a note for people
        if role in columns:
            problems.add("structure", _("a second {head!r} column: keep one").format(
                head=sheet.get(header, col)), cell_name(sheet.name, header, col))
            continue
        columns[role] = col
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        problems.add("structure", _("the FHIR sheet starts with a header row naming at least "
                                    "the columns Variable, Prefetch and FHIRPath (or Variabel, "
                                    "Forhåndshenting, FHIRPath); missing: {missing}").format(
                                        missing=", ".join(missing)),
                     cell_name(sheet.name, header, 1))
        return []
    decided = {n for t in tables for n in t.output_names}
    rows = []
    for row in rule_rows(sheet, header + 1):
        found = _read_row(sheet, row, columns, variables, decided, problems)
        if found is not None:
            rows.append(found)
    _check_queries(rows, problems)
    _check_shared(rows, problems)
    check_cover(rows, variables, tables, cell_name(sheet.name, header, 1), problems)
    return rows


def _read_row(sheet: Sheet, row: int, columns: dict[str, int], variables: dict[str, Variable],
              decided: set[str], problems: Problems) -> FhirRow | None:
    raw = {role: sheet.get(row, col) for role, col in columns.items()}
    cells = {role: cell_name(sheet.name, row, col) for role, col in columns.items()}
    if all(v is None for v in raw.values()):
        return None
    var = _variable(note_text(raw["variable"]), variables, decided, cells["variable"], problems)
    if var is None:
        return None
    key = note_text(raw["prefetch"])
    if not KEY.match(key):
        problems.add("syntax", _("{key!r} is not a prefetch key: letters, digits, _ and -, "
                                 "starting with a letter (conditions, questionnaire)").format(
                                     key=key), cells["prefetch"])
    path = _path(note_text(raw["path"]), cells["path"], problems)
    codes = _codes(note_text(raw.get("codes")), cells.get("codes", ""), problems)
    match_all = _match(note_text(raw.get("match")), bool(codes), cells.get("match", ""),
                       problems)
    value, has_value = _value(raw.get("value"), var, bool(codes), cells.get("value", ""),
                              problems)
    absent, absent_value = _absent(raw.get("absent"), var, cells.get("absent", ""), problems)
    return FhirRow(var.name, key, note_text(raw.get("query")), path, codes, match_all, value,
                   has_value, absent, absent_value,
                   _max_age(note_text(raw.get("max_age")), cells.get("max_age", ""), problems),
                   note_text(raw.get("question")), cells["variable"], cells)


def _variable(name: str, variables: dict[str, Variable], decided: set[str], cell: str,
              problems: Problems) -> Variable | None:
    if not name:
        problems.add("empty", _("the row names no variable: write its glossary name, or "
                                "clear the row"), cell)
        return None
    var = variables.get(name) or next((v for v in variables.values()
                                       if v.label and v.label.casefold() == name.casefold()),
                                      None)
    if var is None:
        close = get_close_matches(name, list(variables), n=1, cutoff=0.6)
        hint = _(' (did you mean "{close}"?)').format(close=close[0]) if close else ""
        problems.add("unknown", _("{name!r} is not a variable in the glossary{hint}").format(
            name=name, hint=hint), cell)
        return None
    if var.name in decided:
        problems.add("structure", _("{name} is decided by the guideline, not read from the "
                                    "patient's record: only case inputs have FHIR rows").format(
                                        name=var.name), cell)
        return None
    return var


def _path(text: str, cell: str, problems: Problems) -> str:
    if not text:
        problems.add("empty", _("the FHIRPath is empty: write the expression that finds the "
                                "data in each resource"), cell)
        return ""
    for why in fhirpath_problems(text):
        problems.add("syntax", _("the FHIRPath {text!r} cannot be read: {why}").format(
            text=text, why=why), cell)
    return text


def _codes(text: str, cell: str, problems: Problems) -> tuple[FhirCode, ...]:
    found = []
    for item in (i for i in CODE_SPLIT.split(text) if i):
        system, bar, code = item.partition("|")
        system, code = system.strip(), code.strip()
        if not bar or not system or not code or " " in system or "*" in code[:-1]:
            problems.add("syntax", _("{item!r} is not a code: write system|code "
                                     "(http://hl7.org/fhir/sid/icd-10|C79.5), with * only at "
                                     "the end (http://www.whocc.no/atc|L01*)").format(item=item),
                         cell)
            continue
        found.append(FhirCode(system, code))
    return tuple(found)


def _match(text: str, has_codes: bool, cell: str, problems: Problems) -> bool:
    word = keyword(text)
    if not word:
        return False
    if word not in ANY_WORDS | ALL_WORDS:
        problems.add("syntax", _("{text!r} is not a match: write any (minst én) or all "
                                 "(alle)").format(text=text), cell)
        return False
    if not has_codes:
        problems.add("structure", _("a match says how many of the row's codes must be found; "
                                    "this row lists no codes"), cell)
    return word in ALL_WORDS


def _value(raw: Any, var: Variable, has_codes: bool, cell: str,
           problems: Problems) -> tuple[Value, bool]:
    if raw is None or not str(raw).strip():
        if has_codes:
            problems.add("empty", _("the row lists codes but no value: write the value of "
                                    "{title} these codes mean").format(title=var.title()), cell)
        return None, False
    before = len(problems.items)
    value = read_cell(partial(cell_value, raw, var),
                      _("the value of {title}").format(title=var.title()), cell, problems)
    if value is None and len(problems.items) == before:
        problems.add("syntax", _("null is not a value a row gives: leave the cell empty, or "
                                 "write unknown in the absent column"), cell)
    return value, value is not None


def _absent(raw: Any, var: Variable, cell: str, problems: Problems) -> tuple[str, Value]:
    word = keyword(raw) if isinstance(raw, str) else ""
    if raw is None or (isinstance(raw, str) and not word):
        return "", None
    if word in ASK_WORDS:
        return ASK, None
    if word in UNKNOWN_WORDS:
        if var.unknown is False:
            problems.add("domain", _("absent data cannot mean unknown for {title}: the "
                                     "glossary says it must be known (write ask)").format(
                                         title=var.title()), cell)
        return UNKNOWN, None
    before = len(problems.items)
    value = read_cell(partial(cell_value, raw, var),
                      _("what absence means for {title}").format(title=var.title()), cell,
                      problems)
    if value is None:
        if len(problems.items) == before:
            problems.add("syntax", _("write ask, unknown or a value of {title}").format(
                title=var.title()), cell)
        return "", None
    return VALUE, value


def _max_age(text: str, cell: str, problems: Problems) -> MaxAge | None:
    if not text:
        return None
    match = AGE.match(text.strip())
    unit = UNITS.get(match.group(2).casefold().rstrip(".")) if match else None
    if match is None or unit is None or int(match.group(1)) == 0:
        problems.add("syntax", _("{text!r} is not a maximum age: write a whole number and a "
                                 "unit, as 30 d, 12 w, 6 mnd or 2 år").format(text=text), cell)
        return None
    return MaxAge(int(match.group(1)), unit, text.strip())


def _check_queries(rows: list[FhirRow], problems: Problems) -> None:
    """Each prefetch key has one FHIR search, written on one of its rows (or the same on
    several), that the EHR can run for the patient in view."""
    given: dict[str, FhirRow] = {}
    for row in rows:
        if not row.query:
            continue
        cell = row.cells.get("query", row.cell)
        first = given.setdefault(row.prefetch, row)
        if first is not row and first.query != row.query:
            problems.add("structure", _("the prefetch key {key} has another search at {cell}: "
                                        "one key, one search").format(
                                            key=row.prefetch, cell=first.cells.get("query")),
                         cell)
            continue
        if not QUERY.match(row.query):
            problems.add("syntax", _("{query!r} is not a FHIR search: write it relative to the "
                                     "FHIR server, as Condition?patient={{{{context.patientId}}}}"
                                     ).format(query=row.query), cell)
        for token in TOKEN.findall(row.query):
            if token not in TOKENS:
                problems.add("syntax", _("{{{{{token}}}}} is not a prefetch token of the "
                                         "patient-view hook (use {{{{context.patientId}}}})"
                                         ).format(token=token), cell)
    for row in rows:
        if row.prefetch and KEY.match(row.prefetch) and row.prefetch not in given:
            given[row.prefetch] = row
            problems.add("empty", _("no row gives the FHIR search of the prefetch key {key}: "
                                    "write it in the query column").format(key=row.prefetch),
                         row.cells.get("query", row.cells["prefetch"]))


def _check_shared(rows: list[FhirRow], problems: Problems) -> None:
    """What absence means and the question belong to the variable: written once, or the same."""
    for column, attr in (("absent", "absent"), ("question", "question")):
        first: dict[str, FhirRow] = {}
        for row in rows:
            if not getattr(row, attr):
                continue
            seen = first.setdefault(row.variable, row)
            if seen is not row and (getattr(seen, attr), seen.absent_value) != (
                    getattr(row, attr), row.absent_value):
                problems.add("structure", _("{name} already has its {column} at {cell}, and "
                                            "it says otherwise: write it once").format(
                                                name=row.variable, column=column,
                                                cell=seen.cells.get(column)),
                             row.cells.get(column, row.cell))
