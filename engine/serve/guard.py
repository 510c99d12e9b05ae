"""Bounds on connections, before any request reaches the app: slowloris and huge headers.

uvicorn (0.29-0.55) waits for a request's headers for as long as the client likes, buffers
them without a limit on its `httptools` parser, and accepts connections until the process
runs out of file descriptors: 1,100 clients each sending half a request were enough to make
`/health` unreachable. Its own `limit_concurrency` answers 503 to new *requests* but still
accepts and keeps the connections. This protocol is uvicorn's, with four bounds added:

- a request's headers must arrive within `HEADER_TIMEOUT` s of its first byte, and its body
  within `BODY_TIMEOUT` s of its headers: past either, 408 and the connection is closed;
- a request's headers (request line included) may hold `MAX_HEADER_BYTES`; past it, 431;
- at most `max_connections()` connections are open; one more, and the connection that has
  waited longest without a request in progress (half-sent headers, or idle keep-alive) is
  closed to make room; when every connection has a request in progress, the new one is
  answered 503 and closed;
- what uvicorn would answer in plain text (an unknown method, a request that is not HTTP)
  is answered in the API's error shape.

Every refusal here is the API's JSON error shape with `Connection: close`, its message in the
server's language (no request's headers are read yet), except the body's 408, which speaks
the language its headers asked for (`wrap.request_language`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ..core import i18n
from ..core.i18n import _
from .wrap import request_language

try:
    import resource
except ImportError:  # pragma: no cover - Windows has no descriptor limit to respect
    resource = None  # type: ignore[assignment]

log = logging.getLogger("engine.serve")

HEADER_TIMEOUT = 10.0  # seconds for a request line and headers (a client sends them at once)
BODY_TIMEOUT = 60.0  # seconds for a body after its headers: 8 MiB at 1.1 Mbit/s
MAX_HEADER_BYTES = 32 * 1024  # request line and headers (nginx: 4 x 8 KiB; h11: 16 KiB)
MAX_CONNECTIONS = 1000  # open connections at once, below the descriptors the process has
RESERVED_FDS = 64  # descriptors kept for the workbook, the reload worker, logs, threads
LOG_EVERY = 10.0  # seconds between log lines about refused connections
GRACE = 5  # seconds a stopping server waits for requests in progress before cancelling them

REASONS = {400: b"Bad Request", 408: b"Request Timeout", 431: b"Request Header Fields Too Large",
           503: b"Service Unavailable"}


def max_connections() -> int:
    """`MAX_CONNECTIONS`, or fewer when the process may open fewer files than that."""
    if resource is None:  # pragma: no cover
        return MAX_CONNECTIONS
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(16, min(MAX_CONNECTIONS, soft - RESERVED_FDS))


def refusal(status: int, kind: str, message: str) -> bytes:
    """A complete HTTP response in the API's error shape, closing the connection."""
    body = json.dumps({"error": {"kind": kind, "message": message}}).encode("ascii")
    return b"".join([b"HTTP/1.1 %d %s\r\n" % (status, REASONS[status]),
                     b"content-type: application/json\r\n",
                     b"content-length: %d\r\n" % len(body), b"connection: close\r\n\r\n", body])


class GuardedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with deadlines, a header bound and a connection bound."""

    limit = MAX_CONNECTIONS
    header_timeout, body_timeout, max_header_bytes = HEADER_TIMEOUT, BODY_TIMEOUT, MAX_HEADER_BYTES
    # connections without a request in progress, oldest first: the first to go at the limit
    idle: OrderedDict[GuardedHttpTools, None]
    closed: Counter[str]  # connections closed by a bound since the log last said so
    said_at: float

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._in_headers = False
        self._header_bytes = 0

    # -- the connection -----------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limit and not self._make_room():
            self._refuse(503, "TooManyConnections", _(
                "the server has as many connections as it serves at once, each with a request "
                "in progress; try again shortly"))
            return
        self.idle[self] = None
        self._start_request()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        self.idle.pop(self, None)
        super().connection_lost(exc)

    def _make_room(self) -> bool:
        """Close the connection idle longest (never this one); False when none is idle."""
        for other in self.idle:
            if other is not self:
                if other._in_headers:
                    other._refuse(503, "TooManyConnections", _(
                        "the server needed this connection for another: send the request at "
                        "once"))
                else:
                    other._close()
                return True
        return False

    # -- one request --------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        if not self._in_headers and (self.cycle is None or self.cycle.response_complete):
            self._start_request()  # the first bytes of the next request on this connection
        if self._in_headers:
            self._header_bytes += len(data)
        super().data_received(data)
        if self._in_headers and self._header_bytes > self.max_header_bytes:
            self._refuse(431, "HeadersTooLarge", _(
                "the request line and headers are larger than {most:,} bytes").format(
                    most=self.max_header_bytes))

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self._in_headers:  # a pipelined request
            self._start_request()

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self.idle.pop(self, None)  # a request in progress: not closed to make room
        self._arm(self.body_timeout, self._body_late)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._cancel()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and (self.cycle is None or
                                                self.cycle.response_complete):
            self.idle[self] = None  # keep-alive: idle again, newest last
            self.idle.move_to_end(self)

    def send_400_response(self, msg: str) -> None:
        """uvicorn's plain-text 400 (an unknown method, not HTTP at all), in the error shape."""
        self._refuse(400, "MalformedRequest", _(
            "the request is not valid HTTP/1.1 (an unknown method, or a malformed request line "
            "or header)"))

    # -- deadlines and refusals ---------------------------------------------------------------
    def _start_request(self) -> None:
        self._in_headers, self._header_bytes = True, 0
        self._arm(self.header_timeout, self._headers_late)

    def _headers_late(self) -> str:
        return _("the request's headers did not arrive within {seconds:g} s").format(
            seconds=self.header_timeout)

    def _body_late(self) -> str:
        """Said in the language the request's headers asked for (made only if it is late)."""
        spoken = i18n.for_request(request_language(
            self.url.decode("latin-1").partition("?")[0], dict(self.headers or ())))
        try:
            return _("the request's body did not arrive within {seconds:g} s of its "
                     "headers").format(seconds=self.body_timeout)
        finally:
            i18n.end_request(spoken)

    def _arm(self, seconds: float, why: Callable[[], str]) -> None:
        """Refuse the request 408 after `seconds`, saying `why()` (the words are made only
        then: most requests are in time)."""
        self._cancel()
        self._deadline = self.loop.call_later(seconds, self._too_slow, why)

    def _cancel(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self, why: Callable[[], str]) -> None:
        self._deadline = None
        if self.cycle is not None and self.cycle.response_started:
            self._close()  # an answer already began: nothing more can be said on it
        else:
            self._refuse(408, "RequestTimeout", why())

    def _refuse(self, status: int, kind: str, message: str) -> None:
        self._note(kind)
        self._cancel()
        self.idle.pop(self, None)
        if not self.transport.is_closing():
            self.transport.write(refusal(status, kind, message))
        self._close()

    def _note(self, kind: str) -> None:
        """Count a refusal; say the counts at most once every `LOG_EVERY` seconds (an attack
        must not write a log line per connection)."""
        cls = type(self)
        cls.closed[kind] += 1
        now = self.loop.time()
        if now - cls.said_at >= LOG_EVERY:
            log.warning("connections refused or closed by the server's bounds: %s (%d open)",
                        ", ".join(f"{n} {k}" for k, n in sorted(cls.closed.items())),
                        len(self.connections))
            cls.closed.clear()
            cls.said_at = now

    def _close(self) -> None:
        self._cancel()
        self.idle.pop(self, None)
        self._in_headers = False
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        if not self.transport.is_closing():
            self.transport.close()


def protocol(limit: int | None = None, **bounds: float) -> type[GuardedHttpTools]:
    """The protocol class for one server, with its own table of idle connections (`bounds`:
    other `header_timeout`, `body_timeout` or `max_header_bytes`, for tests)."""
    unknown = set(bounds) - {"header_timeout", "body_timeout", "max_header_bytes"}
    if unknown:
        raise TypeError(f"no such bound: {', '.join(sorted(unknown))}")
    return type("GuardedHttpTools", (GuardedHttpTools,),
                {"limit": max_connections() if limit is None else limit, "idle": OrderedDict(),
                 "closed": Counter(), "said_at": 0.0, **bounds})
