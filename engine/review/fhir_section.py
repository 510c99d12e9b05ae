"""The FHIR sheet in the review document and the report: how each input is read from the EHR,
so that the committee (and a terminology team) reviews the mapping beside the rules."""

from __future__ import annotations

from typing import Any

from ..core.fhir_map import ASK, UNKNOWN, FhirRow
from ..core.i18n import _
from ..core.model import Model
from ..domain.words import value_words


def fhir_blocks(model: Model, heading: Any, items: Any, para: Any, t: Any, code: Any,
                bold: Any) -> list[Any]:
    """A heading, a sentence and one item per FHIR row (a list, not a table: FHIRPath is long
    and must wrap on a printed page); nothing without the sheet."""
    if not model.fhir:
        return []
    shown = []
    for r in model.fhir:
        parts = [bold(model.label(r.variable)), " ← ", code(r.prefetch), ": ", code(r.path)]
        if r.codes:
            parts += [_("; codes "), code(", ".join(str(c) for c in r.codes))]
            parts += [_(" (all)")] if r.match_all else []
        labels = model.value_labels.get(r.variable, {})
        parts += [_("; value "), _value(r, labels)]
        if r.absent:
            parts += [_("; if absent: "), _absent(r, labels)]
        if r.max_age:
            parts += [_("; max age "), r.max_age.text]
        if r.question:
            parts += [_("; question: "), r.question]
        shown.append(t(*parts))
    searches = {r.prefetch: r.query for r in model.fhir if r.query}
    lines = tuple(t(code(k), ": ", code(q)) for k, q in searches.items())
    return [heading(2, t(_("Read from the patient's record (FHIR)"))),
            para(t(_("How the CDS Hooks service reads each input from the EHR. Data that are "
                     "missing, too old or contradictory are asked for, never taken as "
                     "no."))),
            items(tuple(shown)), para(t(_("Prefetch searches:"))), items(lines)]


def _value(row: FhirRow, labels: dict[Any, str] | None = None) -> str:
    """The value in the committee's words (ja/nei, its label), as the rule cards say it."""
    return value_words(row.value, labels) if row.has_value else _("the value found")


def _absent(row: FhirRow, labels: dict[Any, str] | None = None) -> str:
    if row.absent == UNKNOWN:
        return _("unknown")
    if row.absent and row.absent != ASK:
        return value_words(row.absent_value, labels)
    return _("ask") if row.absent == ASK else ""


def fhir_changes(old: Model, new: Model) -> list[str]:
    """FHIR rows added, removed or changed (by variable and prefetch key, in order): a change
    here changes what the EHR's data mean, so `diff` and the report list it."""
    def keyed(model: Model) -> dict[tuple[str, str, int], str]:
        seen: dict[tuple[str, str], int] = {}
        out = {}
        for row in model.fhir:
            n = seen[(row.variable, row.prefetch)] = seen.get((row.variable, row.prefetch), 0) + 1
            out[(row.variable, row.prefetch, n)] = _said(row)
        return out

    a, b = keyed(old), keyed(new)
    changes = []
    for key in dict.fromkeys([*a, *b]):
        name, prefetch, _n = key
        if key not in b:
            changes.append(_("FHIR: {name} from {prefetch} removed (was: {text})").format(
                name=name, prefetch=prefetch, text=a[key]))
        elif key not in a:
            changes.append(_("FHIR: {name} from {prefetch} added: {text}").format(
                name=name, prefetch=prefetch, text=b[key]))
        elif a[key] != b[key]:
            changes.append(_("FHIR: {name} from {prefetch}: {old} -> {new}").format(
                name=name, prefetch=prefetch, old=a[key], new=b[key]))
    return changes


def _said(row: FhirRow) -> str:
    parts = [row.path, ", ".join(str(c) for c in row.codes), _value(row), _absent(row),
             row.max_age.text if row.max_age else "", row.query, row.question]
    return " | ".join(p for p in parts if p)
