"""Reload on save: a thread that polls the workbook's stat and reloads when it changes.

Why polling and not inotify (`watchfiles`): Excel and LibreOffice save by writing a new file
and renaming it over the old one, committees keep workbooks on network shares and Docker bind
mounts where inotify events do not arrive, and one `stat()` of one file four times a second
costs nothing. A change is acted on once the stat has stayed the same for one more poll, so
a save in progress is not read half-written (and `read_version` re-reads if it was anyway).
"""

from __future__ import annotations

import logging
import os
import threading

from .state import Guideline

log = logging.getLogger("engine.serve")

INTERVAL = 0.25  # seconds between polls: a good save is served well within 2 s


def signature(path: str) -> tuple[int, int, int] | None:
    """What changes when the file is saved: inode (rename-over), size and mtime."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class Watcher:
    """Polls `guideline.path` on a daemon thread until `stop()`."""

    def __init__(self, guideline: Guideline, interval: float = INTERVAL) -> None:
        self.guideline = guideline
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="guideline-watch", daemon=True)
        self._seen = signature(guideline.path)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        pending: tuple[int, int, int] | None = None
        while not self._stop.wait(self.interval):
            now = signature(self.guideline.path)
            if now == self._seen:
                pending = None
                continue
            if now != pending:  # changed since the last poll: wait until it holds still
                pending = now
                continue
            self._seen, pending = now, None
            try:
                self.guideline.reload()
            except Exception:  # a bug in a reload must not end reloading
                log.exception("reloading %s failed", self.guideline.path)
