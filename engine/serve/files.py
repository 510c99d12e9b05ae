"""Bounded reads of the files the server serves from: the workbook and its guideline text.

The server reads files a committee may replace at any moment, with anything: a named pipe
(FIFO) whose `read()` never returns, a symlink to `/dev/zero`, a sparse file of 6 GB. Each file
is opened without blocking (`O_NONBLOCK`: opening a FIFO does not wait for a writer), its type
and size are checked on the open descriptor (`fstat`, so a rename in between cannot swap in
another file), and at most `limit` bytes are ever read. What is read is one snapshot: the
sha256 the server reports and the bytes it parses are the same bytes.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

from ..core.i18n import _

MAX_WORKBOOK = 64 * 1024 * 1024  # a guideline workbook is ~40 KB; 20,000 rows are a few MB
MAX_TEXT_FILE = 4 * 1024 * 1024  # the guideline text beside it (NBCG's: 5 KB)
CHUNK = 1 << 20

# What a file has changed into when it is saved: device and inode (a save renames a new file
# over the old one), size, and the modification and change times in nanoseconds.
Signature = tuple[int, int, int, int, int]


class Unreadable(Exception):
    """A file that cannot be used, and why, in one sentence for the committee."""


@dataclass(frozen=True)
class Snapshot:
    """The bytes of a file as read once, and the signature of what was read."""

    data: bytes
    signature: Signature


def signature_of(st: os.stat_result) -> Signature:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def signature(path: str) -> Signature | None:
    """The signature of what is at `path` now (None when nothing is): one `stat()`."""
    try:
        return signature_of(os.stat(path))
    except (OSError, ValueError):
        return None


def kind(mode: int) -> str | None:
    """What a file that is not a regular file is, in words (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return _("a folder")
    if stat.S_ISFIFO(mode):
        return _("a named pipe (FIFO)")
    if stat.S_ISCHR(mode):
        return _("a character device")
    if stat.S_ISBLK(mode):
        return _("a block device")
    if stat.S_ISSOCK(mode):
        return _("a socket")
    return _("not a regular file")


def not_a_file(path: str) -> str | None:
    """Why `path` cannot be served, or None when it is a regular file (for the command's
    first look: 'no such file' only when there is none)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return _("{path}: no such file").format(path=path)
    except (OSError, ValueError) as exc:
        return _("{path}: cannot be read: {why}").format(path=path, why=_why(exc))
    what = kind(st.st_mode)
    if what is None:
        return None
    return _("{path}: is {what}, not a file").format(path=path, what=what)


def read_bounded(path: str, limit: int) -> Snapshot:
    """The bytes at `path`, read once, refused unless it is a regular file of at most
    `limit` bytes. Never blocks on a FIFO and never reads more than `limit` + 1 bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) |
                     getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0) |
                     getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise Unreadable(_("the file cannot be read: it is not there (deleted, or being "
                           "saved)")) from None
    except (OSError, ValueError) as exc:
        raise Unreadable(_("the file cannot be read: {why}").format(why=_why(exc))) from None
    try:
        st = os.fstat(fd)
        what = kind(st.st_mode)
        if what is not None:
            raise Unreadable(_("the file is {what}, not a regular file, so it is not "
                               "read").format(what=what))
        if st.st_size > limit:
            raise Unreadable(_("the file is {size:,} bytes, more than the {limit:,} the "
                               "server reads, so it is not read").format(size=st.st_size,
                                                                        limit=limit))
        parts, size = [], 0
        while True:
            block = os.read(fd, min(CHUNK, limit + 1 - size))
            if not block:
                break
            parts.append(block)
            size += len(block)
            if size > limit:
                raise Unreadable(_("the file grew past {limit:,} bytes while it was read, so "
                                   "it is not read").format(limit=limit))
        return Snapshot(b"".join(parts), signature_of(st))
    except OSError as exc:
        raise Unreadable(_("the file cannot be read: {why}").format(why=_why(exc))) from None
    finally:
        os.close(fd)


def _why(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc)
