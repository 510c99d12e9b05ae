"""Turn sheet grids into the model, collecting every problem with its cell in one pass.

Sheets are found by role, never by position (format v1, docs/workbook-format.md). Nothing
here touches openpyxl: `xlsx.read_sheets` hands over plain grids.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
from typing import Any

from ..core import i18n
from ..core.errors import UsageError, WorkbookInvalid
from ..core.graph import order_tables
from ..core.i18n import _
from ..core.model import HIT_POLICIES, Column, Model, Note, Rule, Table, Variable
from ..core.problems import Problems
from ..core.sfeel import (
    Value,
    normalise_text,
)
from ..core.text import MAX_TEXT, terminal, visible
from .cases import read_about, read_tests
from .cells import formula_problem, id_text, input_cell, note_text, output_cell
from .constraints import CONSTRAINTS, read_constraints
from .fhir_sheet import is_fhir_sheet, read_fhir
from .glossary import NAME, read_glossary
from .labels import is_values_sheet, read_value_labels
from .layout import (
    ABOUT,
    DECISION,
    DEFAULT_IDS,
    GLOSSARY,
    POLICY_WORDS,
    TESTS,
    Header,
    first_filled,
    first_row,
    header_variable,
    keyword,
    once,
    read_header,
    rule_rows,
)
from .near import decision_hint
from .questions import QUESTIONS, read_questions
from .roles import near_role, note_row, report_near_misses, use_language
from .xlsx import Sheet, cell_name, column_letter, read_sheets

log = logging.getLogger(__name__)


def load(path: str, strict: bool = True, dmn_strict: bool = False) -> Model:
    """Read a workbook. With `strict`, a workbook holding errors raises `WorkbookInvalid`;
    with `dmn_strict`, a DMN file is read by the letter of the standard (dmn/lenient.py)."""
    try:
        i18n.chosen()  # GUIDELINE_LANG=xx: one clear error, before any work
    except i18n.LanguageError as exc:
        raise UsageError(str(exc)) from None
    if str(path).lower().endswith(".dmn"):  # the DMN reader only for DMN: a lazy import
        dmn = importlib.import_module("engine.dmn.read")  # (docs/architecture.md)
        model = dmn.read_dmn(str(path), strict=dmn_strict)
    else:
        model = build_model(str(path), read_sheets(str(path)))
    model.sha256 = file_sha256(str(path))
    log.info("loaded %s (sha256 %s): %d decision(s), %d variable(s), %d error(s)", path,
             model.sha256[:12], len(model.tables), len(model.variables), len(model.errors))
    if strict and model.errors:
        raise WorkbookInvalid(str(path), model.problems)
    return model


def file_sha256(path: str) -> str:
    """The hex SHA-256 of a file's bytes ("" if it is gone): which version of it was read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return ""
    return digest.hexdigest()


def build_model(path: str, sheets: list[Sheet]) -> Model:
    problems = Problems()
    by_role: dict[str, list[Sheet]] = {"glossary": [], "tests": [], "about": [], "decision": [],
                                       "questions": [], "values": [], "constraints": [], "fhir": []}
    unread: list[Sheet] = []
    for sheet in sheets:
        for (row, col), length in sheet.too_long.items():
            problems.add("structure", _("this cell holds {n:,} characters; at most {most:,} "
                                        "are read: shorten it").format(n=length, most=MAX_TEXT),
                         cell_name(sheet.name, row, col))
        role = _sheet_role(sheet)
        if role:
            by_role[role].append(sheet)
        else:
            unread.append(sheet)
            _unsaved_role(sheet, problems)
    use_language(by_role["about"][0] if by_role["about"] else None, problems)  # before any word
    filled = {role for role, found in by_role.items() if found}
    suggested = report_near_misses(unread, filled, problems)
    for sheet in unread:
        if near_role(sheet.name) is None:
            decision_hint(sheet, problems)
    if not by_role["glossary"] and "glossary" not in suggested:
        problems.add("structure", _("the workbook has no glossary sheet: add a sheet "
                                    "named 'Glossary' or 'Ordliste' listing every "
                                    "variable"),
                     f"{path}")
    if by_role["decision"] and not by_role["tests"] and "tests" not in suggested:
        problems.add("untested", _("the workbook has decision tables but no test cases, so "
                                   "nothing is tested: add a sheet named 'Testtilfeller' (or "
                                   "'Tests') with a case for every rule"),
                     f"{path}", severity="warning")
    for role in ("glossary", "tests", "about", "questions", "values", "constraints", "fhir"):
        for extra in by_role[role][1:]:
            problems.add("structure", _("a second {role} sheet '{name}': keep one").format(
                                          role=role, name=extra.name),
                         f"{extra.name}!A1")
    variables = read_glossary(by_role["glossary"][0], problems) if by_role["glossary"] else {}
    if not by_role["glossary"]:  # every header would echo the one missing sheet
        by_role["decision"], by_role["tests"], by_role["constraints"] = [], [], []
        by_role["values"], by_role["questions"], by_role["fhir"] = [], [], []
    tables: list[Table] = []
    for sheet in by_role["decision"]:
        table = read_decision(sheet, variables, problems)
        if table is not None:
            tables.append(table)
    ordered = order_tables(tables, variables, problems)
    decided = {n for t in ordered for n in t.output_names}
    constraints = (read_constraints(by_role["constraints"][0], variables, decided, problems)
                   if by_role["constraints"] else [])
    tests = (read_tests(by_role["tests"][0], variables, ordered, problems)
             if by_role["tests"] else [])
    about = read_about(by_role["about"][0], problems) if by_role["about"] else {}
    questions = (read_questions(by_role["questions"][0], ordered, problems)
                 if by_role["questions"] else [])
    labels = (read_value_labels(by_role["values"][0], variables, problems)
              if by_role["values"] else {})
    fhir = (read_fhir(by_role["fhir"][0], variables, ordered, problems)
            if by_role["fhir"] else [])
    _unsaved_formulas(by_role, problems)
    _control_characters(by_role, problems)
    for sheet in sheets:
        if sheet.truncated_at:
            problems.add("structure", _("rows after {truncated_at:,} were not read: a "
                                        "guideline table is never that long").format(
                                          truncated_at=sheet.truncated_at),
                         f"{sheet.name}!A{sheet.truncated_at + 1}", severity="warning")
    return Model(path, variables, {t.name: t for t in ordered}, tests, about, problems.items,
                 questions=questions, value_labels=labels, constraints=constraints,
                 fhir=fhir, sheets=[s.name for s in sheets])


def _sheet_role(sheet: Sheet) -> str | None:
    name = keyword(sheet.name)
    if name in GLOSSARY:
        return "glossary"
    if name in TESTS:
        return "tests"
    if name in ABOUT:
        return "about"
    if name in QUESTIONS:
        return "questions"
    if is_values_sheet(sheet):
        return "values"
    if name in CONSTRAINTS:
        return "constraints"
    if is_fhir_sheet(sheet):
        return "fhir"
    column = [r for r, c in sheet.cells if c == 1]  # its Decision cell: column A's first
    if column and keyword(sheet.get(min(column), 1)) in DECISION:
        return "decision"
    return None


def _unsaved_role(sheet: Sheet, problems: Problems) -> None:
    """A sheet whose first cell is a formula never saved with a result may be a decision
    table nobody can see: say so, rather than pass it over in silence."""
    column = [r for r, c in sheet.cells if c == 1]
    first = (min(column), 1) if column else None
    if first is not None and first in sheet.formulas:
        problems.add("formula", _("this cell holds a formula ({formula}) with no saved result, "
                                  "so whether the sheet is a decision table cannot be told: "
                                  "open and save the file in Excel or LibreOffice, or type the "
                                  "word").format(formula=sheet.get(*first)),
                     cell_name(sheet.name, *first))


def _unsaved_formulas(by_role: dict[str, list[Sheet]], problems: Problems) -> None:
    """A formula with no saved result on a sheet that is read is reported wherever it is, not
    only in rule and test cells: in the About sheet (`status ="draft"` was read as its formula
    text), a label, a title, a question, a header. Each cell once."""
    said = {c for p in problems.items if p.kind == "formula" for c in p.cells}
    for found in by_role.values():
        for sheet in found:
            for pos in sorted(sheet.formulas):
                cell = cell_name(sheet.name, *pos)
                if cell not in said:
                    said.add(cell)
                    formula_problem(sheet, *pos, problems, None, None)


def _control_characters(by_role: dict[str, list[Sheet]], problems: Problems) -> None:
    """A control character in a read cell (Excel writes ESC as `_x001B_`) is a warning at the
    cell: it is invisible in Excel, and everything that shows it writes it out (\\u001b)."""
    for found in by_role.values():
        for sheet in found:
            for pos, value in sorted(sheet.cells.items()):
                if isinstance(value, str) and terminal(value.replace("\r", "")) != \
                        value.replace("\r", ""):
                    problems.add("syntax", _("this cell holds an invisible control character: "
                                             "{text}; delete it").format(
                                               text=visible(terminal(value), 80)),
                                 cell_name(sheet.name, *pos), severity="warning")


def _policy(raw: Any) -> str | None:
    word = keyword(raw)
    if word.upper() in HIT_POLICIES:
        return word.upper()
    return POLICY_WORDS.get(word)


def read_decision(sheet: Sheet, variables: dict[str, Variable],
                  problems: Problems) -> Table | None:
    top = first_row(sheet)
    name_cell = cell_name(sheet.name, top, 2)
    name = normalise_text(str(sheet.get(top, 2) or ""))
    if not NAME.match(name):
        problems.add("syntax", _("the decision needs a name of letters, digits and _ "
                                 "in this cell (found {name!r})").format(name=name), name_cell)
        return None
    title = " ".join(normalise_text(str(sheet.get(top, c))) for c in range(3, sheet.max_col + 1)
                     if sheet.get(top, c) is not None)
    header = read_header(sheet, top, problems, ("input", "output", "annotation"))
    if header is None:
        return None
    policy_cell = cell_name(sheet.name, header.row, 1)
    policy = _policy(sheet.get(header.row, 1))
    if policy is None:
        problems.add(
            "syntax",
            _("{get!r} is not a hit policy: use U, A, P, F, R, O, C, C+, C#, C< or C>").format(
                get=sheet.get(header.row, 1)
            ),
            policy_cell,
            decision=name,
        )
        policy = "U"
    cols: dict[str, list[Column]] = {"input": [], "output": [], "annotation": []}
    vars_of: dict[int, Variable] = {}
    seen: dict[str, str] = {}
    for col, head, role in header.columns:
        head_cell = cell_name(sheet.name, header.row, col)
        if role == "annotation":
            cols[role].append(Column(head, role, head_cell, column_letter(col)))
            continue
        var = header_variable(head, variables, head_cell, problems)
        if var is None or not once(var, head_cell, seen, problems, role == "input"):
            continue
        vars_of[col] = var
        cols[role].append(Column(var.name, role, head_cell, column_letter(col)))
    if not cols["output"]:
        problems.add("structure", _("the table has no output column"), cell_name(
            sheet.name, header.role_row, 1), decision=name)
    _check_merged(sheet, header.row, problems, name)
    for col, head, _role in header.columns:
        if col in sheet.hidden_cols:
            problems.add("hidden", _("the column {head} is hidden: it still counts; unhide it "
                                     "so that the committee can see it").format(head=head),
                         cell_name(sheet.name, header.row, col), severity="warning",
                         decision=name)
    rules, notes = _read_rules(sheet, header, vars_of, name, problems)
    default = _take_default(rules, name, problems)
    if policy in ("C+", "C#", "C<", "C>") and len(cols["output"]) > 1:
        problems.add(
            "structure",
            _("hit policy {policy} aggregates one output; this table has {n_cols}").format(
                policy=policy, n_cols=len(cols["output"])
            ),
            policy_cell,
            decision=name,
        )
    _check_policy_outputs(policy, [variables[c.name] for c in cols["output"]], policy_cell,
                          name, problems)
    return Table(name, policy, tuple(cols["input"]), tuple(cols["output"]),
                 tuple(cols["annotation"]), tuple(rules), sheet.name, name_cell, title, default,
                 tuple(notes))


def _check_policy_outputs(policy: str, outputs: list[Variable], cell: str, decision: str,
                          problems: Problems) -> None:
    """What the hit policy needs of the outputs: numbers to add, an order to rank by."""
    if policy == "C+" and any(v.type not in ("number", "integer") for v in outputs):
        problems.add("type", _("hit policy C+ adds up the answers, so the output must "
                               "be a number"),
                     cell, decision=decision)
    if policy == "C#" and any(v.type not in ("number", "integer") for v in outputs):
        problems.add("type", _("hit policy C# counts the matching rules, so the output must "
                               "be an integer (found {types})").format(
                                 types=", ".join(f"{v.name}: {v.type}" for v in outputs)),
                     cell, decision=decision)
    if policy in ("C<", "C>") and any(v.type == "boolean" for v in outputs):
        problems.add(
            "type",
            _(
                "hit policy {policy} takes the smallest or largest "
                "answer; true and false have no order"
            ).format(policy=policy),
            cell,
            decision=decision,
        )
    if policy in ("P", "O") and outputs and not any(v.ranking for v in outputs):
        problems.add(
            "structure",
            _(
                "hit policy {policy} ranks answers by the order of "
                "an output's allowed values in the glossary; list "
                "them for at least one output"
            ).format(policy=policy),
            cell,
            decision=decision,
        )


def _row_without_id(sheet: Sheet, row: int, name: str, problems: Problems) -> None:
    """A row with cells but no id, said at the cell the committee wrote in: a lone text is a
    note that belongs in column A after a #, anything else a rule that needs its id."""
    filled = [c for c in range(2, sheet.max_col + 1) if sheet.get(row, c) is not None]
    where = first_filled(sheet, row)
    only = sheet.get(row, filled[0]) if len(filled) == 1 else None
    if isinstance(only, str):
        problems.add("structure", _("this row holds only the text in {cell} and no rule id, so "
                                    "it is not a rule: to keep it as a note, move it to column "
                                    "A and start it with # (# {text}); for a rule, give it an "
                                    "id in column A").format(cell=where, text=only.strip()),
                     where, decision=name)
        return
    problems.add("structure", _("this row holds cells but no rule id in column A: give the rule "
                                "an id, start column A with # to keep the row as a note, or "
                                "clear the row"), where, decision=name)


def _check_merged(sheet: Sheet, header_row: int, problems: Problems, name: str) -> None:
    for r1, c1, r2, _c2 in sheet.merged:
        if r2 >= header_row:
            problems.add("structure", _("merged cells inside a table hide which cell "
                                        "holds the value: unmerge them and fill every "
                                        "cell"),
                         cell_name(sheet.name, r1, c1), decision=name)


def _read_rules(sheet: Sheet, header: Header, vars_of: dict[int, Variable], name: str,
                problems: Problems) -> tuple[list[Rule], list[Note]]:
    rules: list[Rule] = []
    found_notes: list[Note] = []
    seen: dict[str, str] = {}
    inputs = [c for c, _, role in header.columns if role == "input" and c in vars_of]
    outputs = [c for c, _, role in header.columns if role == "output" and c in vars_of]
    notes = [c for c, _, role in header.columns if role == "annotation"]
    for row in rule_rows(sheet, header.role_row + 1):
        id_cell = cell_name(sheet.name, row, 1)
        raw_id = sheet.get(row, 1)
        note = note_row(sheet, row, header, id_cell, name, problems)
        if note is not None:
            if note.text:
                found_notes.append(note)
            continue
        if raw_id is None:
            _row_without_id(sheet, row, name, problems)
            continue
        rule_id = id_text(raw_id)
        if rule_id in seen:
            problems.add(
                "duplicate",
                _(
                    "rule id {rule_id} is used twice (also {seen}); ids must be unique in a table"
                ).format(rule_id=rule_id, seen=seen[rule_id]),
                id_cell,
                decision=name,
                rules=(rule_id,),
            )
            rule_id = _("{rule_id} (row {row})").format(rule_id=rule_id, row=row)  # a copy
        seen[rule_id] = id_cell
        if row in sheet.hidden_rows:
            problems.add("hidden", _("rule {rule_id} is on a hidden row: it still "
                                     "counts; unhide it so that the committee can see "
                                     "it").format(rule_id=rule_id), id_cell,
                         severity="warning", decision=name, rules=(rule_id,))
        tests = []
        for col in inputs:
            tests.append(input_cell(sheet, row, col, vars_of[col], name, rule_id, problems))
        outs = []
        for col in outputs:
            outs.append(output_cell(sheet, row, col, vars_of[col], name, rule_id, problems))
        notes_text = tuple(note_text(sheet.get(row, c)) for c in notes)
        rules.append(Rule(rule_id, row, tuple(tests), tuple(outs), notes_text,
                          tuple(cell_name(sheet.name, row, c) for c in inputs),
                          tuple(cell_name(sheet.name, row, c) for c in outputs), id_cell,
                          row in sheet.hidden_rows or sheet.hidden))
    if sheet.hidden and rules:
        problems.add("hidden", _("the sheet {name} is hidden but holds {n_rules} "
                                 "rules: they still count; unhide the sheet").format(
                                   name=sheet.name, n_rules=len(rules)), f"{sheet.name}!A1",
                     severity="warning", decision=name)
    return rules, found_notes


def _take_default(rules: list[Rule], decision: str, problems: Problems) -> tuple[Value, ...] | None:
    """A row with the id `default` is the answer when no rule matches (DMN's
    defaultOutputEntry), not a rule: it must leave every condition `-`."""
    defaults = [r for r in rules if r.id.casefold() in DEFAULT_IDS]
    if not defaults:
        return None
    for extra in defaults[1:]:
        problems.add("duplicate", _("a table has one default row; this is a second one"),
                     extra.cell, decision=decision)
    row = defaults[0]
    for test, cell in zip(row.inputs, row.input_cells):
        if test is not None and not test.any:
            problems.add("structure", _("the default row answers when no rule matches, "
                                        "so its conditions are all '-' (found {text})").format(
                                          text=test.text), cell,
                         decision=decision)
    rules[:] = [r for r in rules if r.id.casefold() not in DEFAULT_IDS]
    return row.outputs


