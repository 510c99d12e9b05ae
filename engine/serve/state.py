"""The served version of a guideline: loaded, checked and tested once, then swapped in whole.

A `Version` is immutable once built; the `Guideline` holder points at the current one and
replaces that pointer in one assignment. A request reads `holder.current` once and works on
that version to the end, so a reload never changes an answer half-way. A file that does not
load, whose check finds errors or whose own test cases fail is never served: the last good
version stays and `holder.stale` says why.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from ..core import i18n
from ..core.errors import EngineError, Finding
from ..core.i18n import _
from ..core.model import Model
from ..verify.check import check_model
from ..verify.testing import Outcome, describe_failure, run_tests
from ..workbook.loader import load

log = logging.getLogger("engine.serve")

ATTEMPTS = 3  # reads of a file that keeps changing under us before we call it unreadable


@dataclass(frozen=True)
class Version:
    """One workbook as read from disk, with everything the API and the page show about it."""

    path: str
    sha256: str
    model: Model
    findings: tuple[Finding, ...]  # load problems (warnings) and the check's findings
    outcomes: tuple[Outcome, ...]  # the workbook's own test cases
    loaded_at: float
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    lang: str = "en"  # the language its messages were made in: the page and answers use it

    @property
    def about(self) -> dict[str, str]:
        return self.model.about

    @property
    def provenance(self) -> dict[str, str | None]:
        """What every answer carries: which guideline, in which state, from which bytes."""
        return self.model.provenance()

    def counts(self) -> dict[str, int]:
        return {"errors": sum(f.severity == "error" for f in self.findings),
                "warnings": sum(f.severity == "warning" for f in self.findings),
                "tests_passed": sum(o.ok for o in self.outcomes),
                "tests_failed": sum(not o.ok for o in self.outcomes)}

    def memo(self, key: str, make: Any) -> Any:
        """A value computed once per version (schemas, the report, the page's form)."""
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]


@dataclass(frozen=True)
class Rejected:
    """A file on disk that is not served, and why (shown as `stale` beside the last good one)."""

    path: str
    sha256: str | None
    findings: tuple[Finding, ...]
    failures: tuple[str, ...]  # failing test cases, described for a person
    reason: str
    seen_at: float
    lang: str = field(default_factory=i18n.language)  # the language of its messages


def file_sha256(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_version(path: str, lang: str | None = None) -> Version | Rejected:
    """Load, check and test the workbook at `path` as one consistent reading of its bytes.

    The hash is taken before and after loading; if the file changed in between (a save in
    progress), it is read again, so the sha256 always names the bytes that were loaded.
    `lang`: the language `--lang` chose, passed to the reload worker (a process of its own).
    """
    if lang is not None:
        i18n.set_explicit(lang)
    for _attempt in range(ATTEMPTS):
        try:
            before = file_sha256(path)
        except OSError as exc:
            return Rejected(path, None, (), (), _("the file cannot be read: {why}").format(
                why=exc.strerror or exc), time.time())
        outcome = _read(path, before)
        try:
            after = file_sha256(path)
        except OSError:
            after = None
        if after == before:
            return outcome
    return Rejected(path, None, (), (), _("the file kept changing while it was read"),
                    time.time())


def _read(path: str, sha: str) -> Version | Rejected:
    try:
        model = load(path, strict=False)
    except EngineError as exc:  # not a workbook at all
        return Rejected(path, sha, (), (), str(exc), time.time())
    findings = tuple(model.problems)
    if model.errors:
        return Rejected(path, sha, findings, (), _("the workbook holds errors"), time.time())
    findings = tuple(check_model(model))  # the load's problems and the check's findings
    errors = sum(f.severity == "error" for f in findings)
    if errors:
        return Rejected(path, sha, findings, (), _("the check found {n} error(s)").format(
            n=errors), time.time())
    outcomes = tuple(run_tests(model))
    failed = [o for o in outcomes if not o.ok]
    if failed:
        lines = tuple("\n".join(describe_failure(o)) for o in failed)
        return Rejected(path, sha, findings, lines, _("{n} of the workbook's test cases "
                                                      "fail").format(n=len(failed)), time.time())
    return Version(path, sha, model, findings, outcomes, time.time(), lang=i18n.language())


def _ready() -> None:
    """Run in the reload worker to start it: importing this module there is the work."""


class Guideline:
    """The holder of the served version; reloads swap it in one assignment.

    With `isolate`, a reload's load, check and tests run in a worker process and only the
    finished version (~75 KB pickled) comes back: in a thread they would hold the GIL for
    as long as the check takes (seconds for a large workbook) and stall every request.
    """

    def __init__(self, path: str, isolate: bool = False) -> None:
        self.path = path
        self.current: Version | None = None
        self.stale: Rejected | None = None
        self._lock = threading.Lock()  # one reload at a time
        self._isolate = isolate
        self._pool: ProcessPoolExecutor | None = None

    def warm(self) -> None:
        """Start the reload worker now, so that the first save does not wait for its imports."""
        if self._isolate:
            self._worker().submit(_ready)

    def _worker(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(1, mp_context=get_context("spawn"))
        return self._pool

    def _read(self) -> Version | Rejected:
        if not self._isolate:
            return read_version(self.path)
        for _attempt in range(2):  # a worker that died (killed, out of memory) is replaced once
            try:
                return self._worker().submit(read_version, self.path, i18n.chosen()).result()
            except BrokenProcessPool:
                self.close()
        log.warning("the reload worker keeps failing; reading %s in this process", self.path)
        return read_version(self.path)

    def close(self) -> None:
        """End the reload worker, if one was started."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def reload(self) -> bool:
        """Read the file again; True when a new good version is now served."""
        with self._lock:
            got = self._read()
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
