"""The hot path: `POST /decisions/{name}/evaluate` answered straight from ASGI messages.

Integrators call this one endpoint thousands of times a second; everything else is rare. It
takes nothing FastAPI's routing, dependency injection and response classes would validate
(the body is read with a limit and parsed strictly here anyway), and skipping them halves the
framework's share of a request (measured: ~180 µs of ~500 µs of server CPU per request). The
answers and refusals are the very ones the rest of the app gives: `evaluate_one`, the same
body checks, the same error shape. Everything else passes through to the FastAPI app.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..core.errors import CaseError
from ..core.i18n import _
from ..core.text import visible
from ..evaluation.evaluate import resolve_decision
from .answers import RequestProblem, error, evaluate_one, parse_json
from .pinned import PINNED
from .refusals import FAILED, not_allowed, too_large
from .state import Guideline, Version
from .wire import encode

log = logging.getLogger("engine.serve")

CASE_LIMIT = 64 * 1024  # one case is a few hundred bytes
JSON_TYPES = ("application/json",)
EVALUATE = re.compile(r"/decisions/([^/]+)/evaluate")


def served(holder: Guideline) -> Version:
    """The version this request works on, taken once: a reload cannot change it mid-way
    (`wrap.RequestContext` takes it at the request's start, and checks a pinned version)."""
    version = PINNED.get() or holder.current
    if version is None:
        reason = holder.stale.reason if holder.stale else _("not loaded yet")
        raise RequestProblem(503, "NoGuideline", _("no good version of the workbook: "
                                                   "{reason}").format(reason=reason))
    return version


def decision_of(version: Version, name: str) -> str:
    """The decision a path names, or 404 in the words `guideline eval` uses: a decision the
    reader left out (a DMN literal expression, say) is named with why; the list of decisions
    is never empty ("none")."""
    if name in version.model.tables:
        return name
    try:
        return resolve_decision(version.model, name)
    except CaseError as exc:
        raise RequestProblem(404, "UnknownDecision", str(exc)) from None


async def receive_body(content_type: str, length: str, chunks: AsyncIterator[bytes],
                       limit: int, types: tuple[str, ...]) -> bytes:
    """The body, refused early when its type is wrong or it is over `limit` bytes."""
    media = content_type.split(";")[0].strip().lower()
    if media not in types:
        raise RequestProblem(415, "UnsupportedMediaType", _("send {types}, not {media}").format(
            types=_(" or ").join(types), media=visible(media) or _("no content type")))
    if length.isdigit() and int(length) > limit:
        raise RequestProblem(413, "PayloadTooLarge", too_large(limit))
    parts, size = [], 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise RequestProblem(413, "PayloadTooLarge", too_large(limit))
        parts.append(chunk)
    return b"".join(parts)


async def _chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            raise RequestProblem(400, "MalformedRequest",
                                 _("the client left before the body ended"))
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


class FastEvaluate:
    """ASGI middleware: answers the evaluate endpoint itself, passes the rest to `app`."""

    def __init__(self, app: ASGIApp, holder: Guideline) -> None:
        self.app, self.holder = app, holder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = EVALUATE.fullmatch(scope["path"]) if scope["type"] == "http" else None
        if match is None:
            await self.app(scope, receive, send)
            return
        try:
            if scope["method"] != "POST":
                raise RequestProblem(405, "MethodNotAllowed", not_allowed("POST"))
            version = served(self.holder)
            decision = decision_of(version, match.group(1))
            headers = dict(scope["headers"])
            body = await receive_body(headers.get(b"content-type", b"").decode("latin-1"),
                                      headers.get(b"content-length", b"").decode("latin-1"),
                                      _chunks(receive), CASE_LIMIT, JSON_TYPES)
            status, answer = evaluate_one(version, decision, parse_json(body))
        except RequestProblem as exc:
            status, answer = exc.status, error(exc.kind, exc.message)
        except Exception:  # a bug: logged, answered in the error shape, never shown
            log.exception("unexpected error")
            status = 500
            answer = error("InternalError", _(FAILED))
        await _respond(send, status, answer)


async def _respond(send: Send, status: int, answer: dict[str, Any]) -> None:
    status, data = encode(status, answer)  # never NaN, never a failed encoding
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(data)).encode("latin-1"))]
    if status == 405:
        headers.append((b"allow", b"POST"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
