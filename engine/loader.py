"""Turn sheet grids into the model, collecting every problem with its cell in one pass.

Sheets are found by role, never by position (format v1, docs/workbook-format.md). Nothing
here touches openpyxl: `xlsx.read_sheets` hands over plain grids.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import get_close_matches
from typing import Any

from .errors import Finding, SfeelError, WorkbookInvalid
from .graph import order_tables
from .model import HIT_POLICIES, Column, Model, Rule, Table, TestCase, Variable
from .sfeel import UnaryTest, Value, literal_text, normalise_text, parse_literal, parse_unary
from .values import TYPE_WORDS, ValueProblem, check_test, conform
from .xlsx import Sheet, cell_name, column_letter, read_sheets

GLOSSARY = {"glossary", "ordliste"}
TESTS = {"tests", "testtilfeller", "test cases", "testcases"}
ABOUT = {"about", "om"}
DECISION = {"decision", "beslutning"}
ROLES = {
    "input": "input", "inndata": "input", "output": "output", "utdata": "output",
    "annotation": "annotation", "merknad": "annotation", "expected": "expected",
    "forventet": "expected",
}
GLOSSARY_COLUMNS = {
    "name": "name", "navn": "name", "type": "type", "allowed values": "allowed",
    "tillatte verdier": "allowed", "label": "label", "etikett": "label",
    "description": "description", "beskrivelse": "description",
}
POLICY_WORDS = {
    "unique": "U", "any": "A", "priority": "P", "first": "F", "rule order": "R",
    "output order": "O", "collect": "C", "collect sum": "C+", "collect count": "C#",
    "collect min": "C<", "collect max": "C>", "sum": "C+", "count": "C#", "min": "C<",
    "max": "C>", "c+": "C+", "c#": "C#", "c<": "C<", "c>": "C>",
}
DEFAULT_IDS = {"default", "standard"}  # the rule id that marks a table's default answer
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")


def keyword(value: Any) -> str:
    return normalise_text(value).casefold() if isinstance(value, str) else ""


@dataclass
class Problems:
    """One list every reader appends to: load never stops at the first problem."""

    items: list[Finding] = field(default_factory=list)

    def add(self, kind: str, message: str, *cells: str, severity: str = "error",
            decision: str | None = None, rules: tuple[str, ...] = ()) -> None:
        self.items.append(Finding(kind, severity, message, decision, rules, tuple(cells)))


def load(path: str, strict: bool = True) -> Model:
    """Read a workbook. With `strict`, a workbook holding errors raises `WorkbookInvalid`."""
    if str(path).lower().endswith(".dmn"):
        from .dmn_read import read_dmn

        model = read_dmn(str(path))
    else:
        model = build_model(str(path), read_sheets(str(path)))
    if strict and model.errors:
        raise WorkbookInvalid(str(path), model.problems)
    return model


def build_model(path: str, sheets: list[Sheet]) -> Model:
    problems = Problems()
    by_role: dict[str, list[Sheet]] = {"glossary": [], "tests": [], "about": [], "decision": []}
    for sheet in sheets:
        role = _sheet_role(sheet)
        if role:
            by_role[role].append(sheet)
    if not by_role["glossary"]:
        problems.add("structure", "the workbook has no glossary sheet: add a sheet named "
                                  "'Glossary' or 'Ordliste' listing every variable",
                     f"{path}")
    for role in ("glossary", "tests", "about"):
        for extra in by_role[role][1:]:
            problems.add("structure", f"a second {role} sheet '{extra.name}': keep one",
                         f"{extra.name}!A1")
    variables = read_glossary(by_role["glossary"][0], problems) if by_role["glossary"] else {}
    tables: list[Table] = []
    for sheet in by_role["decision"]:
        table = read_decision(sheet, variables, problems)
        if table is not None:
            tables.append(table)
    ordered = order_tables(tables, variables, problems)
    tests = (read_tests(by_role["tests"][0], variables, ordered, problems)
             if by_role["tests"] else [])
    about = read_about(by_role["about"][0]) if by_role["about"] else {}
    for sheet in sheets:
        if sheet.truncated_at:
            problems.add("structure", f"rows after {sheet.truncated_at:,} were not read: a "
                                      "guideline table is never that long",
                         f"{sheet.name}!A{sheet.truncated_at + 1}", severity="warning")
    return Model(path, variables, {t.name: t for t in ordered}, tests, about, problems.items)


def _sheet_role(sheet: Sheet) -> str | None:
    name = keyword(sheet.name)
    if name in GLOSSARY:
        return "glossary"
    if name in TESTS:
        return "tests"
    if name in ABOUT:
        return "about"
    first = next((sheet.get(r, 1) for r in range(1, min(sheet.max_row, 50) + 1)
                  if sheet.get(r, 1) is not None), None)
    if keyword(first) in DECISION:
        return "decision"
    return None


# -- glossary -----------------------------------------------------------------------------
def read_glossary(sheet: Sheet, problems: Problems) -> dict[str, Variable]:
    header_row = _first_row(sheet)
    columns: dict[str, int] = {}
    for col in range(1, sheet.max_col + 1):
        word = GLOSSARY_COLUMNS.get(keyword(sheet.get(header_row, col)))
        if word:
            columns[word] = col
    for needed in ("name", "type"):
        if needed not in columns:
            problems.add("structure", f"the glossary has no '{needed.capitalize()}' column in "
                                      f"its header row", cell_name(sheet.name, header_row, 1))
    if "name" not in columns or "type" not in columns:
        return {}
    variables: dict[str, Variable] = {}
    for row in range(header_row + 1, sheet.max_row + 1):
        def text(word: str, r: int = row) -> str:
            col = columns.get(word)
            v = sheet.get(r, col) if col else None
            return normalise_text(str(v)) if v is not None else ""

        if not any(sheet.get(row, c) is not None for c in columns.values()):
            continue
        name_cell = cell_name(sheet.name, row, columns["name"])
        type_cell = cell_name(sheet.name, row, columns["type"])
        name, type_word = text("name"), text("type")
        if not NAME.match(name):
            problems.add("syntax", f"{name!r} is not a usable name: use letters, digits and _ "
                                   "(e.g. hormone_receptor_status)", name_cell)
            continue
        if name in variables:
            problems.add("duplicate", f"the variable {name} is defined twice "
                                      f"(also at {variables[name].cell})", name_cell)
            continue
        vtype = TYPE_WORDS.get(type_word.casefold())
        if vtype is None:
            problems.add("type", f"unknown type {type_word!r} for {name}: use boolean, string, "
                                 "number, integer or date", type_cell)
            continue
        allowed_cell = cell_name(sheet.name, row, columns.get("allowed", columns["type"]))
        allowed, values = _allowed(text("allowed"), vtype, name, allowed_cell, problems)
        variables[name] = Variable(name, vtype, allowed, values, text("label"),
                                   text("description"), name_cell)
    return variables


def _allowed(text: str, vtype: str, name: str, cell: str,
             problems: Problems) -> tuple[UnaryTest | None, tuple[Value, ...]]:
    if vtype == "boolean":
        return None, (True, False)
    if not text:
        return None, ()
    if vtype == "string":
        values = []
        for part in _split_list(text):
            word = part.strip()
            if len(word) >= 2 and word[0] == word[-1] == '"':
                word = word[1:-1]
            if not word:
                problems.add("syntax", f"an empty value in the allowed values of {name}", cell)
                continue
            if word in values:
                problems.add("duplicate", f"{word!r} is listed twice for {name}", cell)
                continue
            values.append(word)
        return None, tuple(values)
    try:
        test = parse_unary(text, numeric=vtype != "date")
        check_test(test, Variable(name, vtype))
    except SfeelError as exc:
        problems.add("syntax", f"the allowed values of {name} cannot be read: {exc.describe()}",
                     cell)
        return None, ()
    except ValueProblem as exc:
        problems.add(exc.kind, f"the allowed values of {name}: {exc.message}", cell)
        return None, ()
    return test, ()


def _split_list(text: str) -> list[str]:
    parts, current, quoted = [], "", False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


# -- decision tables ------------------------------------------------------------------------
@dataclass
class _Header:
    row: int
    role_row: int
    columns: list[tuple[int, str, str]]  # (col, header text, role)


def _first_row(sheet: Sheet, start: int = 1) -> int:
    for row in range(start, sheet.max_row + 1):
        if any(sheet.get(row, c) is not None for c in range(1, sheet.max_col + 1)):
            return row
    return start


def _read_header(sheet: Sheet, top: int, problems: Problems,
                 roles: tuple[str, ...]) -> _Header | None:
    header_row = _first_row(sheet, top + 1)
    role_row = header_row + 1
    columns = []
    for col in range(2, sheet.max_col + 1):
        head, role_raw = sheet.get(header_row, col), sheet.get(role_row, col)
        if head is None and role_raw is None:
            continue
        cell = cell_name(sheet.name, role_row, col)
        role = ROLES.get(keyword(role_raw))
        if head is None:
            problems.add("structure", "this column has a role but no name in the row above",
                         cell_name(sheet.name, header_row, col))
            continue
        if role not in roles:
            shown = " / ".join(sorted(k for k, v in ROLES.items() if v in roles))
            problems.add("structure", f"the role {role_raw!r} is not one of: {shown}", cell)
            continue
        columns.append((col, normalise_text(str(head)), role))
    if not columns:
        problems.add("structure", "the table has no columns: row "
                                  f"{header_row} should name the variables and row {role_row} "
                                  "their roles", cell_name(sheet.name, header_row, 1))
        return None
    rank = {r: i for i, r in enumerate(roles)}
    for (_, _, a), (col, _, b) in zip(columns, columns[1:]):
        if rank[b] < rank[a]:
            problems.add("structure", f"{b} columns must come before {a} columns "
                                      f"(in this order: {', '.join(roles)})",
                         cell_name(sheet.name, role_row, col))
    return _Header(header_row, role_row, columns)


def _variable(head: str, variables: dict[str, Variable], cell: str,
              problems: Problems) -> Variable | None:
    if head in variables:
        return variables[head]
    folded = head.casefold()
    by_label = [v for v in variables.values() if v.label and v.label.casefold() == folded]
    if len(by_label) == 1:
        return by_label[0]
    if len(by_label) > 1:
        problems.add("unknown", f"the label {head!r} belongs to several variables "
                                f"({', '.join(v.name for v in by_label)}): write the name", cell)
        return None
    names = list(variables) + [v.label for v in variables.values() if v.label]
    close = get_close_matches(head, names, n=1, cutoff=0.6)
    hint = f' (did you mean "{close[0]}"?)' if close else ""
    problems.add("unknown", f"{head!r} is not a variable in the glossary{hint}: add it to the "
                            "glossary or correct the name", cell)
    return None


def _policy(raw: Any) -> str | None:
    word = keyword(raw)
    if word.upper() in HIT_POLICIES:
        return word.upper()
    return POLICY_WORDS.get(word)


def read_decision(sheet: Sheet, variables: dict[str, Variable],
                  problems: Problems) -> Table | None:
    top = _first_row(sheet)
    name_cell = cell_name(sheet.name, top, 2)
    name = normalise_text(str(sheet.get(top, 2) or ""))
    if not NAME.match(name):
        problems.add("syntax", f"the decision needs a name of letters, digits and _ in this "
                               f"cell (found {name!r})", name_cell)
        return None
    title = " ".join(normalise_text(str(sheet.get(top, c))) for c in range(3, sheet.max_col + 1)
                     if sheet.get(top, c) is not None)
    header = _read_header(sheet, top, problems, ("input", "output", "annotation"))
    if header is None:
        return None
    policy_cell = cell_name(sheet.name, header.row, 1)
    policy = _policy(sheet.get(header.row, 1))
    if policy is None:
        problems.add("syntax", f"{sheet.get(header.row, 1)!r} is not a hit policy: use U, A, P, "
                               "F, R, O, C, C+, C#, C< or C>", policy_cell, decision=name)
        policy = "U"
    cols: dict[str, list[Column]] = {"input": [], "output": [], "annotation": []}
    vars_of: dict[int, Variable] = {}
    for col, head, role in header.columns:
        head_cell = cell_name(sheet.name, header.row, col)
        if role == "annotation":
            cols[role].append(Column(head, role, head_cell, column_letter(col)))
            continue
        var = _variable(head, variables, head_cell, problems)
        if var is None:
            continue
        vars_of[col] = var
        cols[role].append(Column(var.name, role, head_cell, column_letter(col)))
    if not cols["output"]:
        problems.add("structure", "the table has no output column", cell_name(
            sheet.name, header.role_row, 1), decision=name)
    _check_merged(sheet, header.row, problems, name)
    rules = _read_rules(sheet, header, vars_of, name, problems)
    default = _take_default(rules, name, problems)
    if policy in ("C+", "C#", "C<", "C>") and len(cols["output"]) > 1:
        problems.add("structure", f"hit policy {policy} aggregates one output; this table has "
                                  f"{len(cols['output'])}", policy_cell, decision=name)
    _check_policy_outputs(policy, [variables[c.name] for c in cols["output"]], policy_cell,
                          name, problems)
    return Table(name, policy, tuple(cols["input"]), tuple(cols["output"]),
                 tuple(cols["annotation"]), tuple(rules), sheet.name, name_cell, title, default)


def _check_policy_outputs(policy: str, outputs: list[Variable], cell: str, decision: str,
                          problems: Problems) -> None:
    """What the hit policy needs of the outputs: numbers to add, an order to rank by."""
    if policy == "C+" and any(v.type not in ("number", "integer") for v in outputs):
        problems.add("type", "hit policy C+ adds up the answers, so the output must be a number",
                     cell, decision=decision)
    if policy in ("C<", "C>") and any(v.type == "boolean" for v in outputs):
        problems.add("type", f"hit policy {policy} takes the smallest or largest answer; true and "
                             "false have no order", cell, decision=decision)
    if policy in ("P", "O") and outputs and not any(v.values for v in outputs):
        problems.add("structure", f"hit policy {policy} ranks answers by the order of an output's "
                                  "allowed values in the glossary; list them for at least one "
                                  "output", cell, decision=decision)


def _check_merged(sheet: Sheet, header_row: int, problems: Problems, name: str) -> None:
    for r1, c1, r2, _ in sheet.merged:
        if r2 >= header_row:
            problems.add("structure", "merged cells inside a table hide which cell holds the "
                                      "value: unmerge them and fill every cell",
                         cell_name(sheet.name, r1, c1), decision=name)


def _rule_rows(sheet: Sheet, first: int) -> list[int]:
    return sorted({r for (r, _) in sheet.cells if r >= first})


def _read_rules(sheet: Sheet, header: _Header, vars_of: dict[int, Variable], name: str,
                problems: Problems) -> list[Rule]:
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    inputs = [c for c, _, role in header.columns if role == "input" and c in vars_of]
    outputs = [c for c, _, role in header.columns if role == "output" and c in vars_of]
    notes = [c for c, _, role in header.columns if role == "annotation"]
    for row in _rule_rows(sheet, header.role_row + 1):
        id_cell = cell_name(sheet.name, row, 1)
        raw_id = sheet.get(row, 1)
        if raw_id is None:
            problems.add("structure", "this row holds cells but no rule id in column A: give the "
                                      "rule an id, or clear the row", id_cell, decision=name)
            continue
        rule_id = _id_text(raw_id)
        if rule_id in seen:
            problems.add("duplicate", f"rule id {rule_id} is used twice (also {seen[rule_id]}); "
                                      "ids must be unique in a table", id_cell, decision=name,
                         rules=(rule_id,))
            rule_id = f"{rule_id}@{row}"
        seen[rule_id] = id_cell
        if row in sheet.hidden_rows:
            problems.add("hidden", f"rule {rule_id} is on a hidden row: it still counts; unhide "
                                   "it so that the committee can see it", id_cell,
                         severity="warning", decision=name, rules=(rule_id,))
        tests = []
        for col in inputs:
            tests.append(_input_cell(sheet, row, col, vars_of[col], name, rule_id, problems))
        outs = []
        for col in outputs:
            outs.append(_output_cell(sheet, row, col, vars_of[col], name, rule_id, problems))
        notes_text = tuple(_note(sheet.get(row, c)) for c in notes)
        rules.append(Rule(rule_id, row, tuple(tests), tuple(outs), notes_text,
                          tuple(cell_name(sheet.name, row, c) for c in inputs),
                          tuple(cell_name(sheet.name, row, c) for c in outputs), id_cell,
                          row in sheet.hidden_rows or sheet.hidden))
    if sheet.hidden and rules:
        problems.add("hidden", f"the sheet {sheet.name} is hidden but holds {len(rules)} rules: "
                               "they still count; unhide the sheet", f"{sheet.name}!A1",
                     severity="warning", decision=name)
    return rules


def _take_default(rules: list[Rule], decision: str, problems: Problems) -> tuple[Value, ...] | None:
    """A row with the id `default` is the answer when no rule matches (DMN's
    defaultOutputEntry), not a rule: it must leave every condition `-`."""
    defaults = [r for r in rules if r.id.casefold() in DEFAULT_IDS]
    if not defaults:
        return None
    for extra in defaults[1:]:
        problems.add("duplicate", "a table has one default row; this is a second one",
                     extra.cell, decision=decision)
    row = defaults[0]
    for test, cell in zip(row.inputs, row.input_cells):
        if test is not None and not test.any:
            problems.add("structure", f"the default row answers when no rule matches, so its "
                                      f"conditions are all '-' (found {test.text})", cell,
                         decision=decision)
    rules[:] = [r for r in rules if r.id.casefold() not in DEFAULT_IDS]
    return row.outputs


def _note(raw: Any) -> str:
    """Annotation text is kept as typed (quotes and all), only trimmed."""
    return str(raw).replace("\u00a0", " ").strip() if raw is not None else ""


def _id_text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return normalise_text(str(raw))


def _formula_problem(sheet: Sheet, row: int, col: int, problems: Problems,
                     decision: str | None, rule_id: str | None) -> bool:
    if (row, col) in sheet.formulas:
        problems.add("formula", f"this cell holds a formula ({sheet.get(row, col)}) with no saved "
                                "result: open and save the file in Excel or LibreOffice, or type "
                                "the value", cell_name(sheet.name, row, col), decision=decision,
                     rules=(rule_id,) if rule_id else ())
        return True
    return False


def cell_test(raw: Any, var: Variable) -> UnaryTest:
    """One input cell as a test: raises `SfeelError` or `ValueProblem`."""
    raw = _bool_text(raw, var)
    if isinstance(raw, str):
        test = parse_unary(raw, **_reading(var))
    else:
        value = _native(raw)
        test = UnaryTest(points=frozenset({value}), text=literal_text(value),
                         ordered_points=(value,))
    check_test(test, var)
    return test


def cell_value(raw: Any, var: Variable) -> Value:
    """One output or expected cell as a value: raises `SfeelError` or `ValueProblem`."""
    raw = _bool_text(raw, var)
    value = parse_literal(raw, **_reading(var)) if isinstance(raw, str) else _native(raw)
    return conform(value, var)


def _reading(var: Variable) -> dict[str, Any]:
    """How a cell of this variable is read: its allowed words bare, numbers with a comma refused."""
    return {"words": var.values if var.type == "string" else None,
            "numeric": var.type in ("number", "integer")}


def _bool_text(raw: Any, var: Variable) -> Any:
    """TRUE / False typed as text in a boolean column: what Excel shows for a boolean."""
    if var.type == "boolean" and isinstance(raw, str):
        word = normalise_text(raw).casefold()
        if word in ("true", "false"):
            return word == "true"
    return raw


def _native(raw: Any) -> Value:
    if isinstance(raw, dt.datetime):
        return raw.date() if raw.time() == dt.time(0) else raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    return raw


def _read_cell(read: Callable[[], Any], what: str, cell: str, problems: Problems,
               decision: str | None = None, rules: tuple[str, ...] = ()) -> Any:
    """Read one cell; what cannot be read becomes a finding at that cell, never an exception."""
    try:
        return read()
    except SfeelError as exc:
        problems.add("syntax", f"{what} cannot be read: {exc.describe()}", cell,
                     decision=decision, rules=rules)
    except ValueProblem as exc:
        problems.add(exc.kind, exc.message, cell, decision=decision, rules=rules)
    return None


def _input_cell(sheet: Sheet, row: int, col: int, var: Variable, decision: str,
                rule_id: str, problems: Problems) -> UnaryTest | None:
    cell = cell_name(sheet.name, row, col)
    if _formula_problem(sheet, row, col, problems, decision, rule_id):
        return None
    raw = sheet.get(row, col)
    if raw is None:
        problems.add("empty", f"rule {rule_id} has an empty condition for {var.title()}: write - "
                              "if any value will do", cell, decision=decision, rules=(rule_id,))
        return None
    return _read_cell(lambda: cell_test(raw, var), f"the condition for {var.title()}", cell,
                      problems, decision, (rule_id,))


def _output_cell(sheet: Sheet, row: int, col: int, var: Variable, decision: str,
                 rule_id: str, problems: Problems) -> Value:
    cell = cell_name(sheet.name, row, col)
    if _formula_problem(sheet, row, col, problems, decision, rule_id):
        return None
    raw = sheet.get(row, col)
    if raw is None:
        problems.add("empty", f"rule {rule_id} gives no value for {var.title()}: fill in the "
                              "answer", cell, decision=decision, rules=(rule_id,))
        return None
    return _read_cell(lambda: cell_value(raw, var), f"the answer for {var.title()}", cell,
                      problems, decision, (rule_id,))


# -- tests and about --------------------------------------------------------------------------
def read_tests(sheet: Sheet, variables: dict[str, Variable], tables: list[Table],
               problems: Problems) -> list[TestCase]:
    header = _read_header(sheet, _first_row(sheet) - 1 if _is_header_first(sheet) else
                          _first_row(sheet), problems, ("input", "expected", "annotation"))
    if header is None:
        return []
    produced = {n: t for t in tables for n in t.output_names}
    columns: list[tuple[int, str, Variable | None]] = []
    for col, head, role in header.columns:
        head_cell = cell_name(sheet.name, header.row, col)
        if role == "annotation":
            columns.append((col, role, None))
            continue
        var = _variable(head, variables, head_cell, problems)
        if var is None:
            continue
        if role == "input" and var.name in produced:
            problems.add("structure", f"{var.name} is decided by {produced[var.name].name}, not "
                                      "given by a case: make it an expected column", head_cell)
            continue
        if role == "expected" and var.name not in produced:
            problems.add("structure", f"no decision gives {var.name}, so it cannot be expected",
                         head_cell)
            continue
        columns.append((col, role, var))
    cases: list[TestCase] = []
    seen: set[str] = set()
    for row in _rule_rows(sheet, header.role_row + 1):
        id_cell = cell_name(sheet.name, row, 1)
        if sheet.get(row, 1) is None:
            problems.add("structure", "this test row has no case id in column A", id_cell)
            continue
        case_id = _id_text(sheet.get(row, 1))
        if case_id in seen:
            problems.add("duplicate", f"test case {case_id} is listed twice", id_cell)
        seen.add(case_id)
        inputs: dict[str, Value] = {}
        expected: dict[str, Any] = {}
        cells: dict[str, str] = {}
        description = []
        for col, role, var in columns:
            raw = sheet.get(row, col)
            cell = cell_name(sheet.name, row, col)
            if role == "annotation" or var is None:
                if raw is not None:
                    description.append(normalise_text(str(raw)))
                continue
            cells[var.name] = cell
            if _formula_problem(sheet, row, col, problems, None, None):
                continue
            if role == "input":
                value = _test_value(raw, var, cell, problems)
                inputs[var.name] = value
            elif raw is not None:
                expected[var.name] = _expected_value(raw, var, produced[var.name], cell, problems)
        cases.append(TestCase(case_id, row, inputs, expected, " ".join(description), cells,
                              id_cell))
    return cases


def _is_header_first(sheet: Sheet) -> bool:
    """A test sheet may start right with its header row, or with a title row above it."""
    row = _first_row(sheet)
    return any(ROLES.get(keyword(sheet.get(row + 1, c))) for c in range(2, sheet.max_col + 1))


def _test_value(raw: Any, var: Variable, cell: str, problems: Problems) -> Value:
    if raw is None or keyword(raw) == "null":
        return None
    return _read_cell(lambda: cell_value(raw, var), f"the value of {var.title()}", cell,
                      problems)


def _expected_value(raw: Any, var: Variable, table: Table, cell: str,
                    problems: Problems) -> Any:
    from .sfeel import parse_literal_list

    def read() -> Any:
        if table.hit_policy in ("R", "O", "C") and not isinstance(raw, str):
            return [cell_value(raw, var)]  # one number or boolean typed in: a list of one
        if table.hit_policy in ("R", "O", "C") and isinstance(raw, str):
            text = normalise_text(raw)
            if text.startswith("[") and text.endswith("]"):  # a FEEL list; [] = nothing matched
                text = text[1:-1]
            values = parse_literal_list(text, **_reading(var))
            return [conform(v, var) for v in values]
        if keyword(raw) == "null":
            return None
        if table.hit_policy == "C#":  # a count, whatever the output's type
            return cell_value(raw, Variable(var.name, "integer"))
        if table.hit_policy == "C+":
            return cell_value(raw, Variable(var.name, "number"))
        return cell_value(raw, var)

    return _read_cell(read, f"the expected {var.title()}", cell, problems)


def read_about(sheet: Sheet) -> dict[str, str]:
    about = {}
    for row in range(1, sheet.max_row + 1):
        key, value = sheet.get(row, 1), sheet.get(row, 2)
        if key is not None and value is not None:
            value = _native(value)  # a date cell at midnight: the date, not a date-time
            shown = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value
            about[keyword(key)] = normalise_text(str(shown))
    return about
