"""What a format-v2 workbook declares beside its rules — which inputs may be unknown, which
combinations cannot occur — said for the committee: each is a choice it must confirm."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.model import Model


def declared_items(model: Model, bold: Callable[[str], Any], code: Callable[[str], Any],
                   t: Callable[..., Any]) -> list[Any]:
    """One question item per unknown-allowed input and per constraint, in workbook order."""
    items = []
    for var in model.variables.values():
        if var.unknown is True and model.producer(var.name) is None:
            items.append(t(bold(f"Ordliste {var.name}"), " (", code(var.cell), "): ",
                           f"{var.label or var.name} kan være ukjent (tom). Kontrollen krever et "
                           "svar også da, og evalueringen godtar en tom verdi. Spørsmål: riktig "
                           "at opplysningen kan mangle?"))
    for con in model.constraints:
        shown = "; ".join(f"{_label(model, name)} = {test.text}" for name, test in con.tests)
        about = f" {con.description}" if con.description else ""
        items.append(t(bold(f"Begrensning {con.id}"), " (", code(con.cell), "): ",
                       f"kan ikke forekomme: {shown}.{about} Kontrollen krever ikke svar her, "
                       "og evalueringen avviser et slikt tilfelle. Spørsmål: riktig at "
                       "kombinasjonen er umulig?"))
    return items


def _label(model: Model, name: str) -> str:
    var = model.variables.get(name)
    return var.label if var is not None and var.label else name
