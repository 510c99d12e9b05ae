"""Writing files without ever losing what a user wrote.

Every file goes to a temporary name in the target folder first and is renamed into place, so
a crash leaves the old file whole; no command may write over its own input; text that a
spreadsheet would run as a formula is escaped.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .errors import EngineError, WorkbookError
from .i18n import _

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class OutputError(EngineError):
    """The output path is unusable, or is the input itself (exit code 2)."""


def refuse_overwrite(output: str | os.PathLike[str], *inputs: str | os.PathLike[str]) -> None:
    out = Path(output)
    for source in inputs:
        src = Path(source)
        if out.exists() and src.exists() and os.path.samefile(out, src):
            raise OutputError(_("refusing to write over the input {source}: choose "
                                "another output file").format(source=source))
        if out.resolve() == src.resolve():
            raise OutputError(_("refusing to write over the input {source}: choose "
                                "another output file").format(source=source))


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[str]:
    """Yield a temporary path beside `target`; rename it into place only if all went well."""
    target = Path(target)
    try:
        mode: int | None = os.stat(target).st_mode  # through any symlink
    except OSError:
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise OutputError(_("cannot write {target}: it is a folder; give a file name").format(
                              target=target))
    if mode is not None and not stat.S_ISREG(mode):
        yield str(target)  # a FIFO, /dev/stdout, a terminal: written as it is, never replaced
        return
    if mode is not None and target.is_symlink():  # write beside the real file, keep the link
        target = Path(os.path.realpath(target))
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(_("cannot write {target}: the folder {folder} does not exist").format(
                              target=target, folder=folder))
    # the temporary name must fit where the target's does: a legal 255-byte name is cut
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:64]}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give what open() would
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(target: str | os.PathLike[str], text: str) -> None:
    with atomic_path(target) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def write_with(target: str | os.PathLike[str], writer: Callable[[str], Any]) -> None:
    """Let `writer(path)` write the whole file at a temporary path, then move it into place."""
    with atomic_path(target) as tmp:
        writer(tmp)


def escape_formula(value: Any) -> Any:
    """A text starting with = + - @ would run as a formula in a spreadsheet: prefix a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def input_size(path: str, what: str) -> int:
    """The size of an input file, or a `WorkbookError` saying why it cannot be read at all."""
    if not os.path.exists(path):
        raise WorkbookError(_("{path}: no such file").format(path=path))
    if os.path.isdir(path):
        raise WorkbookError(_("{path}: is a folder, not {what}").format(path=path, what=what))
    size = os.path.getsize(path)
    if size == 0:
        raise WorkbookError(_("{path}: the file is empty (0 bytes)").format(path=path))
    return size
