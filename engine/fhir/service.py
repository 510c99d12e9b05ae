"""One CDS Hooks call, without HTTP: the request checked, the prefetch mapped, the cards made.

`discovery` lists one service per final decision (hook `patient-view`) with the prefetch
templates of the FHIR sheet; `call` answers `POST /cds-services/{id}` as (status, body,
issued cards). A prefetch key the request lacks is 412: this service reads only what the EHR
prefetched (it does not query `fhirServer`), and never answers from part of the data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..core.errors import CaseError, InvalidInput
from ..core.i18n import _
from ..core.model import Model
from ..core.text import safe_str
from ..evaluation.evaluate import evaluate, impossible, plan_for
from ..review.paragraphs import Paragraph
from .cards import Issued, Where, answer_card, ask_card, refused_card
from .mapping import Mapper
from .resources import resources

HOOK = "patient-view"
MAX_RESOURCES = 2_000  # every row's FHIRPath runs on each: a bound on one call's work


def discovery(model: Model, mapper: Mapper) -> dict[str, Any]:
    services = []
    for name in model.top_decisions():
        table = model.tables[name]
        title = table.title or name
        services.append({
            "hook": HOOK, "id": name, "title": title,
            "description": _("{title}: the recommendation of {guideline} for the patient in "
                             "view, from the data the EHR prefetches; asks for what is "
                             "missing").format(title=title,
                                               guideline=model.about.get("title") or name),
            "prefetch": mapper.prefetch(name),
            "usageRequirements": _("Register the prefetch templates; the service answers 412 "
                                   "when one is not sent."),
        })
    return {"services": services}


def problem(status: int, kind: str, message: str) -> tuple[int, dict[str, Any], list[Issued]]:
    return status, {"error": {"kind": kind, "message": message}}, []


def call(model: Model, mapper: Mapper, decision: str, request: Any,
         paragraphs: dict[str, Paragraph], base: str,
         now: dt.datetime) -> tuple[int, dict[str, Any], list[Issued]]:
    """The cards for one request, or the refusal of a request that cannot be used."""
    if not isinstance(request, dict):
        return problem(400, "MalformedRequest", _("a CDS Hooks request is a JSON object"))
    hook, instance = request.get("hook"), request.get("hookInstance")
    context, prefetch = request.get("context"), request.get("prefetch", {})
    if hook != HOOK:
        return problem(400, "MalformedRequest", _(
            "this service answers the {hook} hook, not {given!r}").format(
                hook=HOOK, given=safe_str(hook)))
    if not isinstance(instance, str) or not instance:
        return problem(400, "MalformedRequest", _("hookInstance is missing"))
    if not isinstance(context, dict) or not isinstance(context.get("patientId"), str):
        return problem(400, "MalformedRequest", _("context.patientId is missing"))
    if prefetch is None:
        prefetch = {}
    if not isinstance(prefetch, dict):
        return problem(400, "MalformedRequest", _("prefetch is an object of prefetch keys"))
    wanted = mapper.prefetch(decision)
    lacking = [key for key in wanted if prefetch.get(key) is None]
    if lacking:
        fetchable = request.get("fhirServer") and request.get("fhirAuthorization")
        why = (_("this service reads only prefetched data and does not query fhirServer")
               if fetchable else _("and no fhirServer with fhirAuthorization was given"))
        return problem(412, "PrefetchMissing", _(
            "the prefetch lacks {keys} ({why}): register the service's prefetch "
            "templates").format(keys=", ".join(lacking), why=why))
    count = sum(len(resources(prefetch.get(key))) for key in wanted)
    if count > MAX_RESOURCES:
        return problem(413, "PayloadTooLarge", _(
            "the prefetch holds {n:,} resources; at most {most:,} are read in one "
            "call").format(n=count, most=MAX_RESOURCES))
    mapped = mapper.case_for(decision, prefetch, now)
    where = Where(base, instance)
    if mapped.asked:
        card, issued = ask_card(model, decision, mapped, where)
        return 200, {"cards": [card]}, [issued]
    plan = plan_for(model, decision)
    inside = next((c for c in plan.constraints if c.matches(mapped.case)), None)
    try:
        if inside is not None:
            raise InvalidInput(impossible(inside), decision, inside.names)
        result = evaluate(model, mapped.case, decision)
    except CaseError as exc:
        card, issued = refused_card(model, decision, mapped, exc, inside, where)
        return 200, {"cards": [card]}, [issued]
    card, issued = answer_card(model, result, mapped, paragraphs, where)
    return 200, {"cards": [card]}, [issued]
