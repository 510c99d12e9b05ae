"""Reload on save: a thread that polls the workbook's stat and reloads when it changes.

Why polling and not inotify (`watchfiles`): Excel and LibreOffice save by writing a new file
and renaming it over the old one, committees keep workbooks on network shares and Docker bind
mounts where inotify events do not arrive, and one `stat()` of one file four times a second
costs nothing. A change is acted on once the stat has stayed the same for one more poll, so
a save in progress is not read half-written.

What the disk holds is compared with the signature of the file *as last read* (`holder.seen`,
taken from the descriptor the bytes came through), never with an earlier poll: a save that
lands during a reload, or between the first load and this thread's start, differs from what
was read and is read in turn.
"""

from __future__ import annotations

import logging
import threading

from .files import Signature, signature
from .state import Guideline

log = logging.getLogger("engine.serve")

INTERVAL = 0.25  # seconds between polls: a good save is served well within 2 s


class Watcher:
    """Polls `guideline.path` on a daemon thread until `stop()`."""

    def __init__(self, guideline: Guideline, interval: float = INTERVAL) -> None:
        self.guideline = guideline
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="guideline-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop polling and end a reload in progress (its worker is killed), then wait."""
        self._stop.set()
        self.guideline.close()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        pending: Signature | None = None
        while not self._stop.wait(self.interval):
            now = signature(self.guideline.path)
            if now == self.guideline.seen:
                pending = None
                continue
            if now != pending:  # changed since the last poll: wait until it holds still
                pending = now
                continue
            pending = None
            try:
                self.guideline.reload()
            except Exception:  # a bug in a reload must not end reloading, nor repeat it
                log.exception("reloading %s failed", self.guideline.path)
                self.guideline.seen = now
