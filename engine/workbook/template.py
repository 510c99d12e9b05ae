"""`guideline init`: a new guideline workbook that another committee can start from in minutes.

The template is kept as plain grids (what a person would type), read by the very loader every
workbook goes through, so it is valid by construction: the tests run `check` and `test` on it.
It is in the current format: the glossary with two example inputs (with `Kan være ukjent`,
so the check covers unknown values) and the answer, `Verdier` with words for the answer's codes,
`Begrensninger` with its header, one example decision (hit policy U, complete and without
overlaps), `Spørsmål` with one example question, a test sheet that fires every rule, and the
About sheet with status draft. The styled workbook (colours, dropdowns, frozen headers) is
written by workbook/write.py, the writer `guideline import` uses too.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from ..core import i18n
from ..core.i18n import _
from ..core.model import Model
from ..core.safe_io import OutputError
from .loader import build_model
from .write import write_workbook
from .xlsx import Sheet

Grid = list[list[Any]]

GLOSSARY: Grid = [
    ["Navn", "Type", "Tillatte verdier", "Etikett", "Beskrivelse", "Kan være ukjent"],
    ["alder", "integer", "[0..120]", "Alder", "Pasientens alder i hele år (eksempel: erstatt "
     "med egne variabler).", "nei"],
    ["symptomer", "boolean", None, "Symptomer", "Pasienten har symptomer (eksempel).", "nei"],
    ["anbefaling", "string", '"behandling", "kontroll"', "Anbefaling",
     "Svaret på beslutningen. Rekkefølgen er prioritet (høyest først).", None],
]
VALUES: Grid = [
    ["Variabel", "Verdi", "Etikett"],
    ["anbefaling", "behandling", "Gi behandling"],
    ["anbefaling", "kontroll", "Til kontroll"],
]
CONSTRAINTS: Grid = [["Nr", "alder", "symptomer", "Beskrivelse"]]
QUESTIONS: Grid = [
    ["Nr", "Spørsmål", "Avsnitt", "Regler", "Lesning inntil videre"],
    ["Q1", "Eksempel: gjelder grensen 50 år også når alderen er ukjent?", None, "R2, R3",
     "Alderen må være kjent (Kan være ukjent: nei)."],
]
DECISION: Grid = [
    ["Beslutning", "anbefaling", "Eksempel: anbefaling etter alder og symptomer"],
    ["U", "alder", "symptomer", "anbefaling", "kilder", "merknad"],
    ["id", "inndata", "inndata", "utdata", "merknad", "merknad"],
    ["R1", "-", True, "behandling", "", "Symptomer: behandling uansett alder."],
    ["R2", "< 50", False, "kontroll", "", "Under 50 år uten symptomer: kontroll."],
    ["R3", ">= 50", False, "behandling", "", "50 år eller eldre uten symptomer: behandling."],
]
TESTS: Grid = [
    ["Testtilfeller"],
    ["id", "alder", "symptomer", "anbefaling", "beskrivelse"],
    [None, "inndata", "inndata", "forventet", "merknad"],
    ["T1", 30, True, "behandling", "Symptomer går foran alder (R1)."],
    ["T2", 49, False, "kontroll", "Rett under grensen (R2)."],
    ["T3", 50, False, "behandling", "Grensen 50 hører til R3."],
]
DECISION_SHEET = "Anbefaling"


def grids(title: str, today: dt.date | None = None) -> dict[str, Grid]:
    """Every sheet of the template, in workbook order."""
    day = (today or dt.date.today()).isoformat()
    # the template's own content is Norwegian, like the committee's workbooks (språk = nb)
    about: Grid = [["title", title or "Ny retningslinje"], ["version", "0.1"],
                   ["status", "draft"], ["date", day],
                   ["owner", "(fyll inn: faggruppen som eier teksten)"],
                   ["source", "(fyll inn: retningslinjeteksten tabellene bygger på)"],
                   ["språk", "nb"]]
    return {"Om": about, "Ordliste": GLOSSARY, "Verdier": VALUES, "Begrensninger": CONSTRAINTS,
            DECISION_SHEET: DECISION, "Spørsmål": QUESTIONS, "Testtilfeller": TESTS}


def template_model(path: str, title: str) -> Model:
    """The template read by the loader, exactly as `guideline check` will read the file."""
    sheets = []
    for name, rows in grids(title).items():
        cells = {(r, c): v for r, row in enumerate(rows, 1) for c, v in enumerate(row, 1)
                 if v is not None and v != ""}
        sheets.append(Sheet(name, cells))
    return build_model(path, sheets)


def create(path: str, title: str = "") -> None:
    """Write the template to `path`; an existing file is never overwritten."""
    if not path.lower().endswith(".xlsx"):
        raise OutputError(_("the new workbook must be an .xlsx file, not {path}").format(
                              path=path))
    if os.path.exists(path):
        raise OutputError(_("{path} already exists: choose a new file name (init never "
                            "overwrites a workbook)").format(path=path))
    model = template_model(path, title)
    model.require_valid()
    with i18n.speaking(i18n.chosen() or "nb"):  # the template's own words are Norwegian
        write_workbook(model, path, "no", every_sheet=True)
