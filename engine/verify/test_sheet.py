"""What the check says of the test cases themselves: a decision no case evaluates is untested,
and a case inside a constraint can never occur.

A workbook whose every test case is impossible checked "OK" while only `test` noticed; a table
that no case reaches passed without a word. Both are the committee's to see in `check`, at the
cell to fix. (A workbook with tables and no test cases at all gets one warning when it is
loaded, where a misspelt tests sheet is told apart.)
"""

from __future__ import annotations

from ..core.errors import Finding
from ..core.graph import required
from ..core.i18n import _
from ..core.model import Model, TestCase


def check_test_sheet(model: Model, out: list[Finding]) -> None:
    if not model.tests:
        return
    reached: set[str] = set()
    for case in model.tests:
        for decision in _decisions(model, case):
            reached.update(required(model.tables, decision))
        _inside_constraints(model, case, out)
    for table in model.in_sheet_order():
        if table.name not in reached:
            out.append(Finding(
                "untested", "warning",
                _("no test case evaluates decision {name} (sheet {sheet}): it is untested; "
                  "add a case that expects its answer").format(name=table.name,
                                                                sheet=table.sheet),
                table.name, (), (table.cell,)))


def _decisions(model: Model, case: TestCase) -> list[str]:
    """The decisions a case is run through: those its expected columns belong to."""
    return [t.name for t in model.tables.values()
            if any(o in case.expected for o in t.output_names)]


def _inside_constraints(model: Model, case: TestCase, out: list[Finding]) -> None:
    """A case lying inside a constraint that applies to a decision it is run through."""
    read: set[str] = set()
    for decision in _decisions(model, case):
        for name in required(model.tables, decision):
            read.update(model.tables[name].input_names)
    for constraint in model.constraints:
        names = constraint.names
        if not all(n in read and n in case.inputs for n in names):
            continue
        if constraint.matches(case.inputs):
            out.append(Finding(
                "impossible", "error",
                _("test case {id} can never occur: it lies inside constraint {constraint}; "
                  "correct the case or the constraint").format(
                    id=case.id, constraint=constraint.said()),
                None, (), tuple(c for c in (case.cell, constraint.cell) if c)))
