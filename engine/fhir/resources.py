"""The resources of a prefetch, and how old each one is.

A prefetch value is a Bundle (a search) or one resource (a read); both are walked the same
way. A resource's date is the clinical one its type carries (a QuestionnaireResponse's
`authored`, an Observation's `effective[x]`…), else `meta.lastUpdated`. A partial date
(`2026`, `2026-03`) counts from its first day, so data is never taken for newer than it is.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ..core.fhir_map import MaxAge

DATES: dict[str, tuple[str, ...]] = {
    "QuestionnaireResponse": ("authored",),
    "Observation": ("effectiveDateTime", "effectiveInstant", "effectivePeriod.end",
                    "effectivePeriod.start", "issued"),
    "Condition": ("recordedDate", "onsetDateTime", "onsetPeriod.start"),
    "MedicationRequest": ("authoredOn",),
    "MedicationStatement": ("dateAsserted", "effectiveDateTime", "effectivePeriod.start"),
    "Procedure": ("performedDateTime", "performedPeriod.end"),
    "DiagnosticReport": ("effectiveDateTime", "issued"),
}
FHIR_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
                       r"(Z|[+-]\d{2}:\d{2})?)?)?)?$")


def resources(value: Any) -> list[dict[str, Any]]:
    """Every resource of a prefetch value: a Bundle's entries, or the resource itself."""
    if not isinstance(value, dict):
        return []
    if value.get("resourceType") == "Bundle":
        found = []
        for entry in value.get("entry") or ():
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(resource, dict) and isinstance(resource.get("resourceType"), str):
                found.append(resource)
        return found
    return [value] if isinstance(value.get("resourceType"), str) else []


def reference(resource: dict[str, Any]) -> str:
    """`Condition/123`, as a card names where a value came from."""
    rid = resource.get("id")
    return f"{resource['resourceType']}/{rid}" if isinstance(rid, str) else resource[
        "resourceType"]


def resource_date(resource: dict[str, Any]) -> dt.datetime | None:
    for path in (*DATES.get(resource["resourceType"], ()), "meta.lastUpdated"):
        value: Any = resource
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str) and (when := parse_date(value)) is not None:
            return when
    return None


def parse_date(text: str) -> dt.datetime | None:
    """A FHIR date or dateTime as an aware datetime at its earliest instant (UTC if no zone)."""
    match = FHIR_DATE.match(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        when = dt.datetime(int(year), int(month or 1), int(day or 1), int(hour or 0),
                           int(minute or 0), int(second or 0))
    except ValueError:
        return None
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        offset = dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        return when.replace(tzinfo=dt.timezone(sign * offset))
    return when.replace(tzinfo=dt.UTC)


def cutoff(now: dt.datetime, age: MaxAge) -> dt.datetime:
    """The oldest moment data may come from to be used `now`."""
    if age.unit == "d":
        return now - dt.timedelta(days=age.amount)
    if age.unit == "w":
        return now - dt.timedelta(weeks=age.amount)
    months = age.amount * (12 if age.unit == "y" else 1)
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    day = min(now.day, _days_in(year, month + 1))
    return now.replace(year=year, month=month + 1, day=day)


def _days_in(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day
