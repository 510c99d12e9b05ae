"""What goes on the wire: JSON that is always valid, HTML that always encodes, HEAD as GET.

Every JSON body the server sends is made by `json_bytes`: never `NaN` or `Infinity` (invalid
JSON that half the world's parsers refuse or misread; a body holding one is answered as an
error instead), and a lone surrogate from a workbook cell (`_xD800_`) is written as the JSON
escape `\\ud800` rather than failing to encode as UTF-8 (requests holding one are refused
before they are read: `answers.parse_json`). The page is encoded the same way
(`backslashreplace`), so no text anywhere can turn an answer into a plain-text 500.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi.responses import HTMLResponse, JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..core.i18n import _
from .refusals import NOT_JSON

log = logging.getLogger("engine.serve")


class NotJSON(ValueError):
    """A body JSON cannot carry (NaN or infinity): a bug upstream, never sent."""


def json_bytes(body: Any) -> bytes:
    """`body` as compact UTF-8 JSON; `NotJSON` when it holds NaN or infinity."""
    try:
        text = _dumps(body, ascii_only=False)
    except ValueError as exc:
        raise NotJSON(str(exc)) from None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: JSON writes it as an escape, validly
        return _dumps(body, ascii_only=True).encode("ascii")


def _dumps(body: Any, ascii_only: bool) -> str:
    """Compact JSON. An answer is a tree the server built, so the encoder does not look for
    cycles (a fifth of its cost); if it recurses too deep (a cycle, a bug), the checking
    encoder says what it always said: ValueError for a cycle."""
    try:
        return json.dumps(body, ensure_ascii=ascii_only, allow_nan=False, separators=(",", ":"),
                          check_circular=False)
    except RecursionError:
        return json.dumps(body, ensure_ascii=ascii_only, allow_nan=False, separators=(",", ":"))


def error_body(kind: str, message: str) -> dict[str, Any]:
    return {"error": {"kind": kind, "message": message}}




def encode(status: int, body: Any) -> tuple[int, bytes]:
    """The status and bytes to send for `body`: a 500 in the error shape if it is not JSON."""
    try:
        return status, json_bytes(body)
    except NotJSON:
        log.error("an answer held NaN or infinity and was not sent (status %d)", status)
        return 500, json_bytes(error_body("InternalError", _(NOT_JSON)))


class JSONReply(JSONResponse):
    """Starlette's JSONResponse through `encode`: always valid JSON, or the error shape."""

    def render(self, content: Any) -> bytes:
        self.status_code, data = encode(self.status_code, content)
        return data


class HTMLReply(HTMLResponse):
    """The page, encoded so that no character in a workbook can fail it."""

    def render(self, content: Any) -> bytes:
        if isinstance(content, str):
            return content.encode("utf-8", "backslashreplace")
        return bytes(content)


class HeadAsGet:
    """ASGI middleware: `HEAD` is answered wherever `GET` is, with the same status and
    headers and no body (RFC 9110: a server that answers GET answers HEAD)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
