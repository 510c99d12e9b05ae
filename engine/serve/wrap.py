"""What every request gets, whichever route answers it (an ASGI layer around the whole app):

- `X-Request-ID`: the caller's (letters, digits, `._:-`, at most 128) or a new one, echoed in
  the response and named in the log line of every refused request;
- the served version, taken once at the start (`pinned.PINNED`, which `fast.served` reads), its
  sha256 as the response's `ETag`; `If-Match: "<sha256>"` or `?version=<sha256>` requires that
  version and is answered `409 VersionConflict` once a reload has replaced it;
- `Accept-Language`: `nb` or `en`, the language of the messages the API and the CDS services
  make for this request (the committee's page keeps the workbook's language);
- CORS for the origins `--cors-origin` lists (preflight included), outermost.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any
from urllib.parse import parse_qs

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..core import i18n
from ..core.i18n import _
from .pinned import PINNED
from .state import Guideline

log = logging.getLogger("engine.serve")

HEADERS = ["authorization", "content-type", "x-request-id", "if-match", "accept-language"]
EXPOSED = ["etag", "x-request-id"]
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
PAGES = ("/", "/report")  # and the page's form, /decisions/{name}/answer
LANGUAGE = re.compile(r"\s*([A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*|\*)\s*"
                      r"(?:;\s*q\s*=\s*([0-9.]+))?")


def wrap(app: ASGIApp, holder: Guideline, cors: tuple[str, ...]) -> ASGIApp:
    app = RequestContext(app, holder)
    if cors:
        app = CORSMiddleware(app, allow_origins=list(cors), allow_methods=["GET", "POST"],
                             allow_headers=HEADERS, expose_headers=EXPOSED, max_age=600)
    return app


def accepted_language(header: str) -> str | None:
    """The first language of `Accept-Language` (by q) that the messages come in, or None."""
    ranked = []
    for k, part in enumerate(header.split(",")[:20]):
        match = LANGUAGE.fullmatch(part)
        if match is None:
            continue
        try:
            q = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        ranked.append((-q, k, match.group(1)))
    for _q, _k, word in sorted(ranked):
        code = i18n.language_code(word) or i18n.language_code(word.split("-")[0])
        if code is not None and _q < 0:
            return code
    return None


def _wanted(scope: Scope, headers: dict[bytes, bytes]) -> set[str] | None:
    """The versions (sha256) the request requires, or None when it requires none."""
    wanted: set[str] = set()
    if_match = headers.get(b"if-match")
    if if_match is not None:
        for tag in if_match.decode("latin-1").split(","):
            tag = tag.strip().removeprefix("W/").strip('"')
            if tag == "*":
                return None
            wanted.add(tag)
    query = scope.get("query_string", b"").decode("latin-1")
    if "version=" in query:
        wanted.update(parse_qs(query).get("version", []))
    return wanted or None


class RequestContext:
    def __init__(self, app: ASGIApp, holder: Guideline) -> None:
        self.app, self.holder = app, holder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        version = self.holder.current
        extra = [(b"x-request-id", request_id.encode("latin-1"))]
        if version is not None:
            extra.append((b"etag", f'"{version.sha256}"'.encode("latin-1")))
        spoken = i18n.for_request(request_language(scope["path"], headers))
        wanted = _wanted(scope, headers)
        if wanted is not None and (version is None or version.sha256 not in wanted):
            served = version.sha256 if version is not None else _("none")
            try:
                message = _("the version asked for is not served (now: {served}); read "
                            "/guideline and ask again").format(served=served)
            finally:
                i18n.end_request(spoken)
            await _answer(send, 409, {"error": {"kind": "VersionConflict", "message": message}},
                          extra)
            log.info("request %s %s %s: 409 (version %s not served)", request_id,
                     scope["method"], scope["path"], ",".join(sorted(wanted))[:80])
            return
        status: list[int] = []

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        pinned = PINNED.set(version)
        try:
            await self.app(scope, receive, sending)
        finally:
            i18n.end_request(spoken)
            PINNED.reset(pinned)
            if status and status[0] >= 400:
                log.info("request %s %s %s: %d", request_id, scope["method"], scope["path"],
                         status[0])


def request_language(path: str, headers: dict[bytes, bytes]) -> str | None:
    """The language of the messages made for a request: the caller's (`Accept-Language`) for
    the JSON API and the CDS services; None (the installed one, the workbook's) for the
    committee's page, its form and the report (a browser always sends Accept-Language)."""
    if path in PAGES or path.endswith("/answer"):
        return None
    return accepted_language(headers.get(b"accept-language", b"").decode("latin-1"))


async def _answer(send: Send, status: int, body: dict[str, Any],
                  extra: list[tuple[bytes, bytes]]) -> None:
    data = json.dumps(body).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(data)).encode()), *extra]})
    await send({"type": "http.response.body", "body": data})
