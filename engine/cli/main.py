"""The `guideline` command. Exit codes: 0 ok, 1 problems or failures found, 2 unusable input.

No traceback ever reaches the user: every error this package raises on purpose becomes one
clear sentence, and anything else is reported as an internal error, still without a trace.
"""

from __future__ import annotations

import importlib
import signal
import sys
import threading
import warnings
from collections.abc import Sequence
from typing import Any

from ..core import i18n
from ..core.errors import EngineError, UsageError, WorkbookError, WorkbookInvalid
from ..core.i18n import _
from ..core.safe_io import OutputError
from ..core.text import terminal
from .argparse_words import argv_language, asked_language, speaking_argparse
from .parser import build_parser

OK, FOUND, UNUSABLE = 0, 1, 2


def run_command(target: str, args: Any) -> Any:
    """Import the command's module only now: the one lazy import in the package, so that a
    `guideline check` starts without loading pandas, the diff or the DMN writer."""
    module, function = target.split(":")
    return getattr(importlib.import_module(f"engine.{module}"), function)(args)


class Terminated(BaseException):
    """SIGTERM or SIGHUP: unwinds like Ctrl-C, so every temporary file is removed on the way."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, _frame: Any) -> None:
    raise Terminated(signum)


def _catch_signals() -> None:
    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread may set handlers (the CLI run inside a test thread)
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, _stop)


class Escaped:
    """A text stream that writes every control character but line feed and tab written out
    (`core.text.terminal`): a label, a title or a case value holding ESC, OSC, BEL or CR can
    neither erase nor hide a line, whichever command prints it. `raw` is the stream itself,
    for the progress bar's own carriage returns."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def write(self, text: str) -> int:
        return int(self.raw.write(terminal(text)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a lone surrogate in a value: shown, not a crash
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = Escaped(sys.stdout), Escaped(sys.stderr)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = saved


def _main(argv: Sequence[str] | None) -> int:
    _catch_signals()
    warnings.filterwarnings("ignore", module=r"openpyxl(\..*)?$")  # its notes name source paths
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        i18n.set_explicit(asked_language(words))
        i18n.start()
    except i18n.LanguageError as exc:
        print(f"error: {exc}", file=sys.stderr)  # said in English: no language was chosen
        return UNUSABLE
    try:
        parsing = argv_language(words)
        if parsing is not None:  # help and usage errors: a workbook's språk, the system's
            i18n.install(parsing)
        with speaking_argparse():
            args = build_parser().parse_args(words)
        i18n.start()  # the command itself: --lang, GUIDELINE_LANG, then the workbook's språk
        return _run(args)
    finally:  # --lang is for this command only (main may run again in the same process)
        i18n.set_explicit(None)


def _run(args: Any) -> int:
    try:
        return int(run_command(args.run, args))
    except WorkbookInvalid as exc:
        print(str(exc), file=sys.stderr)
        return FOUND
    except (WorkbookError, UsageError, OutputError) as exc:
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        return UNUSABLE
    except EngineError as exc:
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        return FOUND
    except KeyboardInterrupt:
        print(_("interrupted"), file=sys.stderr)
        return 130
    except Terminated as exc:
        print(_("stopped by signal {name}; nothing was written").format(
                  name=signal.Signals(exc.signum).name), file=sys.stderr)
        return 128 + exc.signum
    except BrokenPipeError:
        return OK
    except OSError as exc:
        print(_("error: {message}").format(message=f"{exc.filename or ''}: {exc.strerror or exc}"),
              file=sys.stderr)
        return UNUSABLE
    except Exception as exc:  # the promise: never a traceback
        print(_("internal error ({name}: {exc}); please report it with the workbook "
                "that caused it").format(name=type(exc).__name__, exc=exc), file=sys.stderr)
        return UNUSABLE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
