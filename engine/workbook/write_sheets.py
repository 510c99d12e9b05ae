"""The optional sheets of the current format, written: `Verdier` (the words for codes),
`Begrensninger` (combinations that cannot occur) and `Spørsmål` (the committee's questions).

`guideline init` writes all three, empty ones with their header, so that a new guideline starts
in the format the check proves (with `Kan være ukjent` in the glossary) and the committee sees
where each thing goes; a model that has labels, constraints or questions gets them written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.model import Model
from ..core.sfeel import literal_text

if TYPE_CHECKING:
    from openpyxl import Workbook

HEADERS = {
    "en": {"values": ("Values", ["Variable", "Value", "Label"]),
           "constraints": ("Constraints", ["id", "Description"]),
           "questions": ("Questions", ["id", "Question", "Paragraphs", "Rules", "Reading"])},
    "no": {"values": ("Verdier", ["Variabel", "Verdi", "Etikett"]),
           "constraints": ("Begrensninger", ["Nr", "Beskrivelse"]),
           "questions": ("Spørsmål", ["Nr", "Spørsmål", "Avsnitt", "Regler",
                                      "Lesning inntil videre"])},
}


def values_sheet(wb: Workbook, model: Model, language: str, put: Any, fill: str) -> None:
    title, head = HEADERS[language]["values"]
    ws = wb.create_sheet(title)
    _header(ws, head, put, fill)
    row = 2
    for name, labels in model.value_labels.items():
        for value, label in labels.items():
            for col, cell in enumerate((name, _plain(value), label), 1):
                put(ws, row, col, cell)
            row += 1


def constraints_sheet(wb: Workbook, model: Model, language: str, put: Any, fill: str) -> None:
    """One column per variable a constraint names (all the case inputs while there are none)."""
    title, head = HEADERS[language]["constraints"]
    ws = wb.create_sheet(title)
    names = list(dict.fromkeys(n for c in model.constraints for n in c.names)) or [
        n for n in model.variables if model.producer(n) is None]
    _header(ws, [head[0], *names, head[1]], put, fill)
    for row, con in enumerate(model.constraints, 2):
        tests = dict(con.tests)
        put(ws, row, 1, con.id)
        for col, name in enumerate(names, 2):
            put(ws, row, col, tests[name].text if name in tests else "-")
        if con.description:
            put(ws, row, len(names) + 2, con.description)


def questions_sheet(wb: Workbook, model: Model, language: str, put: Any, fill: str) -> None:
    title, head = HEADERS[language]["questions"]
    ws = wb.create_sheet(title)
    _header(ws, head, put, fill)
    for row, q in enumerate(model.questions, 2):
        cells = (q.id, q.text, ", ".join(q.paragraphs),
                 ", ".join(rule for _decision, rule in q.rules), q.reading)
        for col, cell in enumerate(cells, 1):
            if cell:
                put(ws, row, col, cell)


def _header(ws: Any, head: list[str], put: Any, fill: str) -> None:
    for col, text in enumerate(head, 1):
        put(ws, 1, col, text, bold=True, fill=fill)
    ws.freeze_panes = "A2"


def _plain(value: Any) -> Any:
    """A value as the values sheet reads it: the bare word, a number, a boolean."""
    return value if isinstance(value, (str, bool, int, float)) else literal_text(value)
