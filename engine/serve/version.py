"""One version of the workbook as the server reads it: the file's bytes read once, bounded,
hashed, and loaded, checked and tested from exactly those bytes.

The loader opens a workbook by path, several times (container check, sheets, formulas), so a
save arriving during a reload could give it some parts of one file and some of another while
the hash names a third (an ABA: save X, then B, then X again). Here the file is read once
(`files.read_bounded`: a regular file, at most `MAX_WORKBOOK` bytes, never blocking), the
sha256 is of those bytes, and the loader reads a private copy of them in a temporary folder
(not beside the workbook: the server never writes there; in the Docker image /tmp is a
tmpfs). The guideline text beside the workbook is read in the same go, and the report takes
the sheet order from the same bytes, so that no request ever reads a file on the disk.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..core import i18n
from ..core.errors import EngineError, Finding, UsageError
from ..core.i18n import _
from ..core.model import Model
from ..review.paragraphs import default_paragraphs, parse_paragraphs
from ..verify.check import check_model
from ..verify.testing import Outcome, describe_failure, run_tests
from ..workbook.loader import load
from ..workbook.xlsx import read_sheets
from .files import MAX_TEXT_FILE, MAX_WORKBOOK, Signature, Unreadable, read_bounded, signature


@dataclass(frozen=True)
class Version:
    """One workbook as read from disk, with everything the API and the page show about it."""

    path: str
    sha256: str
    model: Model
    findings: tuple[Finding, ...]  # load problems (warnings) and the check's findings
    outcomes: tuple[Outcome, ...]  # the workbook's own test cases
    loaded_at: float
    signature: Signature | None = None  # of the file whose bytes these are
    paragraphs: dict[str, Any] = field(default_factory=dict)  # the guideline text, by id
    paragraphs_note: str = ""  # why the text is not quoted, when it is not
    data: bytes = field(default=b"", repr=False)  # the bytes loaded (for the sheet order)
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    locks: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
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
        """A value computed once per version (schemas, the report, the page's form), however
        many requests ask for it at once: the others wait for the first one's result."""
        if key in self.cache:
            return self.cache[key]
        lock = self.locks.setdefault(key, threading.Lock())  # setdefault is atomic
        with lock:
            if key not in self.cache:
                self.cache[key] = make()
        return self.cache[key]

    def __getstate__(self) -> dict[str, Any]:  # sent from the reload worker: no caches, locks
        return {**self.__dict__, "cache": {}, "locks": {}}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


@dataclass(frozen=True)
class Rejected:
    """A file on disk that is not served, and why (shown as `stale` beside the last good one)."""

    path: str
    sha256: str | None
    findings: tuple[Finding, ...]
    failures: tuple[str, ...]  # failing test cases, described for a person
    reason: str
    seen_at: float
    signature: Signature | None = None  # of what was looked at, so the watcher waits for a save
    lang: str = field(default_factory=i18n.language)  # the language of its messages


def read_version(path: str, lang: str | None = None) -> Version | Rejected:
    """Load, check and test the workbook at `path` from one bounded read of its bytes.

    `lang`: the language `--lang` chose (the reload worker is a fresh process that would
    otherwise take the workbook's own or the environment's)."""
    if lang is not None:
        i18n.set_explicit(lang)
    try:
        snap = read_bounded(path, MAX_WORKBOOK)
    except Unreadable as exc:
        return Rejected(path, None, (), (), str(exc), time.time(), signature(path))
    sha = hashlib.sha256(snap.data).hexdigest()
    with private_copy(path, snap.data) as copy:
        got = _read(copy, path, sha, snap.signature)
    if isinstance(got, Version):
        text, note = read_text(path)
        got = dataclasses.replace(got, paragraphs=text, paragraphs_note=note, data=snap.data)
    return got


@contextmanager
def private_copy(path: str, data: bytes) -> Iterator[str]:
    """`data` as a file named like `path` in a private temporary folder, removed after."""
    with tempfile.TemporaryDirectory(prefix="guideline-serve-") as folder:
        copy = os.path.join(folder, os.path.basename(path) or "workbook.xlsx")
        with open(copy, "wb") as fh:
            fh.write(data)
        yield copy


def sheet_order(version: Version) -> list[str]:
    """The workbook's sheets in order, which the report sorts decisions by: read from the
    bytes that were loaded, when the report is first built (never from the disk again)."""
    if not version.path.lower().endswith((".xlsx", ".xlsm")) or not version.data:
        return []
    with private_copy(version.path, version.data) as copy:
        try:
            return [s.name for s in read_sheets(copy)]
        except EngineError:
            return []


def _read(copy: str, path: str, sha: str, sig: Signature) -> Version | Rejected:
    try:
        model = load(copy, strict=False)
    except EngineError as exc:  # not a workbook at all
        return Rejected(path, sha, (), (), str(exc).replace(copy, path), time.time(), sig)
    model.path, model.sha256 = path, sha
    model.problems[:] = [_renamed(f, copy, path) for f in model.problems]
    findings = tuple(model.problems)
    if model.errors:
        return Rejected(path, sha, findings, (), _("the workbook holds errors"), time.time(), sig)
    findings = tuple(check_model(model))  # the load's problems and the check's findings
    errors = sum(f.severity == "error" for f in findings)
    if errors:
        return Rejected(path, sha, findings, (), _("the check found {n} error(s)").format(
            n=errors), time.time(), sig)
    outcomes = tuple(run_tests(model))
    failed = [o for o in outcomes if not o.ok]
    if failed:
        lines = tuple("\n".join(describe_failure(o)) for o in failed)
        return Rejected(path, sha, findings, lines, _("{n} of the workbook's test cases "
                                                      "fail").format(n=len(failed)),
                        time.time(), sig)
    return Version(path, sha, model, findings, outcomes, time.time(), sig,
                   lang=i18n.language())


def _renamed(finding: Finding, copy: str, path: str) -> Finding:
    """A finding that names the private copy names the workbook instead."""
    if copy not in finding.message and not any(copy in c for c in finding.cells):
        return finding
    return dataclasses.replace(finding, message=finding.message.replace(copy, path),
                               cells=tuple(c.replace(copy, path) for c in finding.cells))


def read_text(path: str) -> tuple[dict[str, Any], str]:
    """The guideline text beside the workbook (`name.paragraphs.md`), bounded like the
    workbook, and a note for the report when it is missing or unreadable."""
    source = default_paragraphs(path)
    try:
        snap = read_bounded(str(source), MAX_TEXT_FILE)
    except Unreadable as exc:
        if not os.path.lexists(source):
            return {}, _("the guideline text ({name}) is not beside the workbook, so the "
                         "sources are not quoted.").format(name=source.name)
        return {}, _("cannot read the guideline text {path}: {value}").format(path=source,
                                                                              value=exc)
    try:
        return parse_paragraphs(snap.data.decode("utf-8").splitlines(), source), ""
    except UnicodeDecodeError:
        return {}, _("cannot read the guideline text {path}: {value}").format(
            path=source, value=_("it is not UTF-8 text"))
    except UsageError as exc:
        return {}, str(exc)
