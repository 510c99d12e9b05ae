"""The constraints sheet: combinations of inputs that cannot occur (format v2).

Row 1 (the first non-empty row) is the header: `id` / `Nr` in column A, then variables by name
or label, then an optional `Description` / `Beskrivelse`. Each later row is one impossible
combination: its cells are S-FEEL tests, ANDed; `-` is any value. The check leaves these cases
out of what must be answered; evaluation refuses them, naming the constraint.
"""

from __future__ import annotations

from ..core.i18n import _
from ..core.model import Constraint, Variable
from ..core.problems import Problems
from ..core.sfeel import UnaryTest, normalise_text
from ..domain.atoms import Atoms
from .cells import cell_test, formula_problem, id_text, read_cell
from .layout import first_filled, first_row, header_variable, keyword, once, rule_rows
from .near import header_hint
from .xlsx import Sheet, cell_name

CONSTRAINTS = {"constraints", "begrensninger"}
ID_WORDS = {"id", "nr"}
DESCRIPTION_WORDS = {"description", "beskrivelse"}


def read_constraints(sheet: Sheet, variables: dict[str, Variable], decided: set[str],
                     problems: Problems) -> list[Constraint]:
    header = first_row(sheet)
    if keyword(sheet.get(header, 1)) not in ID_WORDS:
        if header_hint(sheet, header, 1, dict.fromkeys(ID_WORDS, "id"), _("the constraints "
                                                                           "sheet"), problems):
            return []
        problems.add("structure", _("the constraints sheet starts with a header row whose "
                                    "first cell is 'id' (or 'Nr')"),
                     cell_name(sheet.name, header, 1))
        return []
    columns: list[tuple[int, Variable]] = []
    column_of: dict[str, str] = {}
    about: int | None = None
    for col in range(2, sheet.max_col + 1):
        head = sheet.get(header, col)
        cell = cell_name(sheet.name, header, col)
        if head is None:
            continue
        text = normalise_text(str(head))
        if keyword(text) in DESCRIPTION_WORDS:
            about = col
            continue
        if text not in variables and header_hint(
                sheet, header, col, dict.fromkeys(DESCRIPTION_WORDS, "description"),
                _("the constraints sheet"), problems, frozenset({"description"})):
            continue
        var = header_variable(text, variables, cell, problems)
        if var is None or not once(var, cell, column_of, problems):
            continue
        if var.name in decided:
            problems.add("structure", _("{name} is decided by a table; a constraint names "
                                        "inputs of a case only").format(name=var.name), cell)
            continue
        columns.append((col, var))
    out: list[Constraint] = []
    seen: dict[str, str] = {}
    for row in rule_rows(sheet, header + 1):
        id_cell = cell_name(sheet.name, row, 1)
        raw_id = sheet.get(row, 1)
        if raw_id is None:
            problems.add("structure", _("this constraint row has no id in column A: give it "
                                        "one, or clear the row"), first_filled(sheet, row))
            continue
        cid = id_text(raw_id)
        if cid in seen:
            problems.add("duplicate", _("constraint {id} is listed twice (also {cell})").format(
                id=cid, cell=seen[cid]), id_cell)
            continue
        seen[cid] = id_cell
        tests: list[tuple[str, UnaryTest]] = []
        cells: list[str] = []
        readable = True
        for col, var in columns:
            test = _cell(sheet, row, col, var, cid, problems)
            if test is None:
                readable = False
            elif not test.any:
                tests.append((var.name, test))
                cells.append(cell_name(sheet.name, row, col))
        if not readable:
            continue
        if not tests:
            problems.add("structure", _("constraint {id} has '-' in every column, so it would "
                                        "rule out every case: name the combination that "
                                        "cannot occur").format(id=cid), id_cell)
            continue
        if all(_covers_all(test, variables[name]) for name, test in tests):
            problems.add("structure", _("constraint {id} rules out every case: each of its "
                                        "cells accepts every value (unknown too, where it is "
                                        "allowed), so no case could be evaluated; name the "
                                        "combination that cannot occur").format(id=cid),
                         id_cell)
            continue
        raw = sheet.get(row, about) if about else None
        description = normalise_text(str(raw)) if raw is not None else ""
        out.append(Constraint(cid, tuple(tests), description, id_cell, tuple(cells)))
    return out


def _covers_all(test: UnaryTest, var: Variable) -> bool:
    """The test accepts every allowed value of the variable, and null where null is a case."""
    atoms = Atoms.build(var, [test])
    if not atoms.domain or atoms.mask(test) & atoms.domain != atoms.domain:
        return False
    return var.unknown is False or test.matches(None)


def _cell(sheet: Sheet, row: int, col: int, var: Variable, cid: str,
          problems: Problems) -> UnaryTest | None:
    cell = cell_name(sheet.name, row, col)
    if formula_problem(sheet, row, col, problems, None, None):
        return None
    raw = sheet.get(row, col)
    if raw is None:
        problems.add("empty", _("constraint {id} has an empty cell for {name}: write - if "
                                "any value will do").format(id=cid, name=var.title()), cell)
        return None
    test: UnaryTest | None = read_cell(lambda: cell_test(raw, var),
                                       _("the condition for {name}").format(name=var.title()),
                                       cell, problems)
    if test is not None and test.null and not test.negated and var.unknown is False:
        problems.add("domain", _("{name} may not be unknown (the glossary says so), so a "
                                 "constraint on null never applies").format(name=var.title()),
                     cell, severity="warning")
    return test
