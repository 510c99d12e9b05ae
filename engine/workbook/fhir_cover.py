"""Whether the FHIR sheet can give every input each value the tables read.

A value no row can produce is a patient the service can never answer: it would ask every time,
and the clinician's answer could never reach the tables through the EHR. So every case input a
decision reads needs a row, and for booleans and listed strings each allowed value needs a row
that gives it (a row without codes and value reads any value from the data).
"""

from __future__ import annotations

from ..core.fhir_map import VALUE, FhirRow
from ..core.i18n import _
from ..core.model import Table, Variable
from ..core.problems import Problems
from ..core.sfeel import Value, literal_text


def check_cover(rows: list[FhirRow], variables: dict[str, Variable], tables: list[Table],
                header_cell: str, problems: Problems) -> None:
    decided = {n for t in tables for n in t.output_names}
    read = dict.fromkeys(c.name for t in tables for c in t.inputs if c.name not in decided)
    by_variable: dict[str, list[FhirRow]] = {}
    for row in rows:
        by_variable.setdefault(row.variable, []).append(row)
    for name in read:
        var = variables.get(name)
        if var is None:
            continue
        mine = by_variable.get(name, [])
        if not mine:
            problems.add("unknown", _("no row of the FHIR sheet reads {title} ({name}), which "
                                      "the tables read: the service would ask for it every "
                                      "time; add a row").format(title=var.title(), name=name),
                         header_cell, var.cell)
            continue
        lacking = [v for v in _values(var) if not any(_gives(r, v) for r in mine)]
        if lacking:
            problems.add("domain", _("no row of the FHIR sheet gives {title} the value(s) "
                                     "{values}: a patient with it could never be answered; add "
                                     "a row (or a questionnaire row without codes)").format(
                                         title=var.title(),
                                         values=", ".join(literal_text(v) for v in lacking)),
                         mine[0].cell)


def _values(var: Variable) -> tuple[Value, ...]:
    if var.type == "boolean":
        return (True, False)
    if var.type == "string" and var.values:
        return var.values
    return ()


def _gives(row: FhirRow, value: Value) -> bool:
    if row.absent == VALUE and _same(row.absent_value, value):
        return True
    if row.has_value:
        return _same(row.value, value)
    return not row.codes  # reads whatever value the data holds


def _same(a: Value, b: Value) -> bool:
    return type(a) is type(b) and a == b
