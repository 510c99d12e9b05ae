"""What a format-v2 workbook declares beside its rules — which inputs may be unknown, which
combinations cannot occur — said for the committee: each is a choice it must confirm."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.i18n import _
from ..core.model import Model
from ..domain.words import test_words


def declared_items(model: Model, bold: Callable[[str], Any], code: Callable[[str], Any],
                   t: Callable[..., Any]) -> list[Any]:
    """One question item per unknown-allowed input and per constraint, in workbook order."""
    items = []
    for var in model.variables.values():
        if var.unknown is True and model.producer(var.name) is None:
            items.append(t(bold(_("Glossary {name}").format(name=var.name)), " (",
                           code(var.cell), "): ",
                           _("{label} may be unknown (empty). The check requires an answer then "
                             "too, and evaluation accepts an empty value. Question: is it right "
                             "that this fact may be missing?").format(label=var.label or var.name)))
    for con in model.constraints:
        shown = "; ".join(_("{name} is {words}").format(
            name=model.label(name), words=test_words(test, model.value_labels.get(name)))
            for name, test in con.tests if not test.any)
        about = f" {con.description}" if con.description else ""
        items.append(t(bold(_("Constraint {id}").format(id=con.id)), " (", code(con.cell), "): ",
                       _("cannot occur: {shown}.{about} The check requires no answer here, and "
                         "evaluation refuses such a case. Question: is it right that the "
                         "combination is impossible?").format(shown=shown, about=about)))
    return items


