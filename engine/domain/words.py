"""Values and input cells in the words a clinician reads: the Values sheet's label for a code,
ja/nei for a boolean, «ukjent» for null, numbers, dates and ranges as written.

Codes stay where programs read them (JSON, cases, tests, dump, the cells themselves); the
committee's page, explanations, the diff and the report say values through here, so a value
never reads `true` in one place and «ja» in another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ..core.errors import SfeelError
from ..core.i18n import _, language
from ..core.model import Model, Variable
from ..core.sfeel import UnaryTest, literal_text, parse_unary

Labels = Mapping[Any, str]  # one variable's value labels (code -> words)
NO_LABELS: Labels = {}


def value_words(value: Any, labels: Labels | None = None) -> str:
    """One value as a person reads it: its label, else ja/nei, «ukjent», the text, the number."""
    if isinstance(value, list):
        return ", ".join(value_words(v, labels) for v in value) or _("nothing")
    if labels and isinstance(value, str | bool | int) and value in labels:
        return labels[value]
    if value is None:
        return _("unknown")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return literal_text(value)


def test_words(test: UnaryTest | None, labels: Labels | None = None) -> str:
    """An input cell as a person reads it: «alle verdier» for `-`, the values' words joined by
    «eller», ranges and comparisons as written, «ikke …» for not(…)."""
    if test is None:
        return _("(cannot be read)")
    if test.any:
        return _("any value")
    parts = [value_words(v, labels) for v in test.ordered_points]
    parts += [iv.to_text() for iv in test.intervals]
    if test.null:
        parts.append(_("unknown"))
    inner = _(" or ").join(parts)
    return _("not {values}").format(values=inner) if test.negated else inner


def approval_words(model: Model) -> str:
    """The About sheet's status in a sentence: approved for use with patients, or not. Only
    `godkjent` / `approved` approves (fail closed): `høringsutkast`, a typo, nothing do not."""
    status = (model.about.get("status") or "").strip()
    if model.approved:
        return _("approved for use with patients")
    if not status:
        return _("no status: not approved for use with patients")
    return _("{status}: not approved for use with patients").format(status=status)


def cell_words(var: Variable | None, text: str, labels: Labels | None = None) -> str:
    """A cell written in S-FEEL (a region's row, a constraint) said in words, as `test_words`;
    a text that does not parse is shown as it is."""
    if var is None:
        return text
    words = tuple(str(v) for v in var.values) if var.type == "string" and var.values else None
    try:
        test = parse_unary(text, words=words, numeric=var.type in ("number", "integer"))
    except SfeelError:
        return text
    return test_words(test, labels)


def boolean_cell(value: bool) -> str:
    """A boolean as the committee types it in a cell, in their language: ja/nei in Norwegian
    (the loader reads both), true/false in English (where "yes" would not be read)."""
    if language() == "nb":
        return "ja" if value else "nei"
    return "true" if value else "false"
