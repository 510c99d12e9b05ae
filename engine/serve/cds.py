"""`guideline serve --cds-hooks`: the CDS Hooks 2.0 endpoints, beside the JSON API.

`GET /cds-services` (discovery), `POST /cds-services/{id}` (cards), `POST
/cds-services/{id}/feedback` (logged with the card it is about). The same process and the same
served version as the JSON API: a request takes `holder.current` once. The mapping of each
version (its FHIRPath compiled once) and the guideline text beside the workbook are kept with
the version. Authentication: `cds_auth`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ..core.errors import CaseError
from ..core.i18n import _, language
from ..core.text import visible
from ..evaluation.evaluate import left_out
from ..fhir.cards import Issued
from ..fhir.mapping import Mapper
from ..fhir.service import call, discovery
from .answer_extras import paragraphs
from .answers import RequestProblem, parse_json
from .cds_auth import Trust, Unauthorized, loopback, read_trust
from .fast import JSON_TYPES, receive_body, served
from .state import Guideline, Version
from .wire import JSONReply as JSONResponse  # never NaN or Infinity, never a failed encoding

log = logging.getLogger("engine.serve.cds")

BODY_LIMIT = 8 * 1024 * 1024  # a prefetch of a long record: bundles of a few hundred resources
KEPT = 10_000  # cards remembered for feedback


@dataclass
class CdsOptions:
    """What `--cds-hooks` was started with."""

    trust: Trust | None = None  # None: loopback only
    public_url: str | None = None  # the service's URL as the EHR calls it (aud, links)
    issued: OrderedDict[str, Issued] = field(default_factory=OrderedDict)

    def remember(self, cards: list[Issued]) -> None:
        for card in cards:
            self.issued[card.card] = card
        while len(self.issued) > KEPT:
            self.issued.popitem(last=False)


def mapper(version: Version) -> Mapper:
    found: Mapper = version.memo("fhir-mapper", lambda: Mapper(version.model))
    return found


def base_url(request: Request, options: CdsOptions) -> str:
    if options.public_url:
        return options.public_url.rstrip("/")
    return str(request.base_url).rstrip("/")


def _authorize(request: Request, options: CdsOptions) -> None:
    if options.trust is None:
        client = request.client.host if request.client else None
        if not loopback(client):
            raise RequestProblem(403, "Forbidden", _(
                "the CDS services answer only on this machine unless the server trusts an "
                "EHR's keys (--jwks ISSUER=PATH)"))
        return
    audience = base_url(request, options) + request.url.path
    try:
        issuer = options.trust.check(request.headers.get("authorization"), audience)
    except Unauthorized as exc:
        log.warning("CDS call to %s refused: %s", request.url.path, exc)
        raise RequestProblem(401, "Unauthorized", str(exc)) from None
    request.state.issuer = issuer


def add_cds_routes(app: FastAPI, holder: Guideline, options: CdsOptions) -> None:
    if options.trust is None:
        log.warning("CDS Hooks without --jwks: the CDS services answer only on loopback, and "
                    "without authentication")

    @app.get("/cds-services", include_in_schema=False)
    async def services(request: Request) -> Response:
        version = served(holder)
        return JSONResponse(version.memo(f"cds-discovery:{language()}", lambda: discovery(
            version.model, mapper(version))))  # its descriptions are in the caller's language

    @app.post("/cds-services/{service}", include_in_schema=False)
    async def service(service: str, request: Request) -> Response:
        _authorize(request, options)
        version = served(holder)
        if service not in version.model.top_decisions():
            raise RequestProblem(404, "UnknownService", unknown_service(version, service))
        body = parse_json(await read(request))
        status, answer, issued = await run_in_threadpool(
            call, version.model, mapper(version), service, body, paragraphs(version),
            base_url(request, options), dt.datetime.now(dt.UTC))
        options.remember(issued)
        for card in issued:
            log.info("CDS %s card %s for %s (hookInstance %s, rules %s, sha256 %s)", card.kind,
                     card.card, service, card.hook_instance, ",".join(card.rules) or "-",
                     card.sha256[:12])
        return JSONResponse(answer, status_code=status)

    @app.post("/cds-services/{service}/feedback", include_in_schema=False)
    async def feedback(service: str, request: Request) -> Response:
        _authorize(request, options)
        body = parse_json(await read(request))
        items = body.get("feedback") if isinstance(body, dict) else None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise RequestProblem(400, "MalformedRequest", _("feedback is a list of objects"))
        for item in items:
            card = options.issued.get(str(item.get("card")))
            about = (f"{card.kind} card of {card.decision} (rules {','.join(card.rules) or '-'},"
                     f" sha256 {card.sha256[:12]}, hookInstance {card.hook_instance})"
                     if card else "a card this server does not remember")
            log.info("CDS feedback on %s: card %s, %s, outcome %s, override %s", service,
                     item.get("card"), about, item.get("outcome"),
                     item.get("overrideReason"))
        return JSONResponse({}, status_code=200)


def unknown_service(version: Version, service: str) -> str:
    """Why no service answers at `service`: a decision the reader left out (named, with why),
    else the services there are ("none" when there are none)."""
    try:
        left_out(version.model, service)
    except CaseError as exc:
        return str(exc)
    return _("there is no CDS service {service!r}; the services are: {services}").format(
        service=visible(service), services=", ".join(version.model.top_decisions()) or _("none"))


async def read(request: Request) -> bytes:
    return await receive_body(request.headers.get("content-type", ""),
                              request.headers.get("content-length", ""), request.stream(),
                              BODY_LIMIT, JSON_TYPES)


def options_from(args: Any) -> CdsOptions | None:
    """The CDS options `serve` was started with, or None without `--cds-hooks`."""
    if not getattr(args, "cds_hooks", False):
        return None
    trust = Trust(read_trust(args.jwks)) if args.jwks else None
    return CdsOptions(trust, args.public_url)
