"""The served version of a guideline: loaded, checked and tested once, then swapped in whole.

A `Version` (engine/serve/version.py) is immutable once built; the `Guideline` holder points
at the current one and replaces that pointer in one assignment. A request reads
`holder.current` once and works on that version to the end, so a reload never changes an
answer half-way. A file that does not load, whose check finds errors or whose own test cases
fail is never served: the last good version stays and `holder.stale` says why.
"""

from __future__ import annotations

import logging
import threading

from ..core import i18n
from .files import Signature
from .version import Rejected, Version, read_version
from .worker import ReloadWorker

__all__ = ["Guideline", "Rejected", "Version", "read_version"]

log = logging.getLogger("engine.serve")


class Guideline:
    """The holder of the served version; reloads swap it in one assignment.

    With `isolate`, a reload's load, check and tests run in a worker process
    (`worker.ReloadWorker`) and only the finished version comes back. `seen` is the signature
    of the file as last read, which the watcher compares with the disk from the start: a save
    that lands between the first load and the watcher's start is read like any other.
    """

    def __init__(self, path: str, isolate: bool = False,
                 worker: ReloadWorker | None = None) -> None:
        self.path = path
        self.current: Version | None = None
        self.stale: Rejected | None = None
        self.seen: Signature | None = None
        self._lock = threading.Lock()  # one reload at a time
        self._worker = worker or (ReloadWorker() if isolate else None)

    def warm(self) -> None:
        """Start the reload worker now, so that the first save does not wait for its imports."""
        if self._worker is not None:
            self._worker.start()

    def _read(self) -> Version | Rejected | None:
        if self._worker is None:
            return read_version(self.path)
        got = self._worker.read(self.path, i18n.chosen())
        if got is None and not self.closing:
            log.warning("the reload worker keeps failing; reading %s in this process", self.path)
            return read_version(self.path)
        return got

    @property
    def closing(self) -> bool:
        return self._worker is not None and self._worker.closed

    def close(self) -> None:
        """End the reload worker, if one was started, even in the middle of a reload."""
        if self._worker is not None:
            self._worker.close()

    def reload(self) -> bool:
        """Read the file again; True when a new good version is now served."""
        with self._lock:
            got = self._read()
            if got is None:  # the server is stopping
                return False
            self.seen = got.signature
            if self.current is None or not isinstance(got, Rejected):
                i18n.install(got.lang)  # the workbook's language here too (--watch reads apart)
            if isinstance(got, Rejected):
                self.stale = got
                log.warning("reload of %s rejected: %s (still serving %s)", self.path,
                            got.reason, self.current.sha256[:12] if self.current else "nothing")
                return False
            changed = self.current is None or self.current.sha256 != got.sha256
            self.stale = None
            if changed:  # the same bytes again keep the version whose caches are warm
                self.current = got
                counts = got.counts()
                log.info("serving %s sha256 %s: %d warning(s), %d test case(s) pass",
                         self.path, got.sha256[:12], counts["warnings"], counts["tests_passed"])
            return changed
