"""The reload worker: one spawned process that loads, checks and tests a saved workbook.

A separate process, because in a thread the check would hold the GIL for as long as it runs
(seconds for a large workbook) and stall every request; only the finished version (~75 KB
pickled) comes back. It is our own process rather than a `ProcessPoolExecutor` so that it can
be killed: a reload that overruns `RELOAD_TIMEOUT` is stopped and reported (the next save is
read by a fresh worker), and stopping the server kills it at once instead of waiting for the
reload in progress (SIGTERM must stop the server promptly, whatever the workbook holds).
"""

from __future__ import annotations

import logging
import threading
import time
from multiprocessing import get_context
from multiprocessing.connection import Connection
from typing import Any

from ..core.i18n import _
from .files import signature
from .version import Rejected, Version, read_version

log = logging.getLogger("engine.serve")

RELOAD_TIMEOUT = 120.0  # seconds: NBCG reloads in under 1 s; a 20,000-row workbook in ~10 s


def _serve(conn: Connection) -> None:
    """The worker's loop: read the workbooks it is sent until the pipe closes."""
    while True:
        try:
            path, lang = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            got: Version | Rejected = read_version(path, lang)
        except Exception:  # a bug in a reload: logged here, reported as a refusal there
            log.exception("reading %s failed", path)
            got = Rejected(path, None, (), (), _("the reload failed on an internal error (it "
                                                 "is logged)"), time.time(), signature(path))
        conn.send(got)


class ReloadWorker:
    """One process at a time; `read` sends it a path and waits at most `timeout` seconds."""

    def __init__(self, timeout: float = RELOAD_TIMEOUT, target: Any = None) -> None:
        self.timeout = timeout
        self._target = target or _serve  # what the process runs (a test gives a stuck one)
        self._proc: Any = None
        self._conn: Connection | None = None
        self._closed = False
        self._guard = threading.Lock()  # start and kill, from the watcher and the server

    def start(self) -> None:
        with self._guard:
            if self._closed or (self._proc is not None and self._proc.is_alive()):
                return
            if self._conn is not None:  # the last worker's end of the pipe
                self._conn.close()
            ctx = get_context("spawn")
            mine, theirs = ctx.Pipe()
            self._proc = ctx.Process(target=self._target, args=(theirs,), name="guideline-reload",
                                     daemon=True)
            self._proc.start()
            theirs.close()
            self._conn = mine

    def read(self, path: str, lang: str | None) -> Version | Rejected | None:
        """The version at `path`; None when the worker died twice or the server is stopping
        (the caller then reads in its own process, or gives up)."""
        for _attempt in range(2):  # a worker that died (killed, out of memory) is replaced once
            if self._closed:
                return None
            self.start()
            conn = self._conn
            if conn is None:
                return None
            try:
                conn.send((path, lang))
                if not conn.poll(self.timeout):
                    self.kill()
                    return Rejected(path, None, (), (), _(
                        "reading the file took longer than {n:g} s, so it was stopped; save "
                        "it again to retry").format(n=self.timeout), time.time(), signature(path))
                got: Version | Rejected = conn.recv()
                return got
            except (EOFError, OSError):  # the worker died under us
                self.kill()
        return None

    def kill(self) -> None:
        """End the worker now (SIGKILL), whatever it is doing. A `read` waiting on it sees
        the pipe close; the pipe itself is closed by the next `start`."""
        with self._guard:
            proc, self._proc = self._proc, None
        if proc is not None and proc.is_alive():
            proc.kill()
            proc.join(timeout=5)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Stop for good: a `read` in progress returns None at once."""
        self._closed = True
        self.kill()
