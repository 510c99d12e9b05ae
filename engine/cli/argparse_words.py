"""`guideline --help`, usage errors and argparse's own words in the committee's language.

argparse says "usage:", "positional arguments", "options", "the following arguments are
required" through the module-level gettext functions it imported (`argparse._`,
`argparse.ngettext`), which read the process-wide `messages` domain: never our catalog. Its
msgids are listed below (Python 3.11's spelling) so that Babel extracts them into the catalog,
and `speaking_argparse` points argparse at the package's translations while the command line
is parsed.

The language has to be known before the parser is built (its help texts and group titles are
made then): `argv_language` takes `--lang` from the command line, else `GUIDELINE_LANG`, else
(only for `--help`, the one place it is worth a read) the About sheet of a workbook named on the
command line, else the system's language (`LC_ALL`, `LC_MESSAGES`, `LANG`, `LANGUAGE`).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..core import i18n
from ..core.errors import EngineError
from ..core.i18n import N_
from ..workbook.roles import about_language

# argparse's messages (Python 3.11), for the catalog; translated through `i18n._`
ARGPARSE_WORDS = (
    N_("usage: "), N_("positional arguments"), N_("options"),
    N_("show this help message and exit"), N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"), N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"), N_("expected one argument"),
    N_("expected at most one argument"), N_("expected at least one argument"),
    N_("invalid %(type)s value: %(value)r"), N_("%(prog)s: error: %(message)s\n"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"), N_("ignored explicit argument %r"),
    N_("one of the arguments %s is required"), N_("unexpected option string: %s"),
    N_("can't open '%(filename)s': %(error)s"),
)
HELP = ("-h", "--help")
WORKBOOKS = (".xlsx", ".xlsm")


def asked_language(argv: Sequence[str]) -> str | None:
    """`--lang WORD` (or `--lang=WORD`) anywhere on the command line, as written."""
    for k, arg in enumerate(argv):
        if arg == "--lang" and k + 1 < len(argv):
            return argv[k + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def argv_language(argv: Sequence[str]) -> str | None:
    """The language to parse the command line in (its help and usage errors); None: the one
    `--lang` / GUIDELINE_LANG chose, else English. Only `--lang` and GUIDELINE_LANG go on to
    the command: the workbook's own `språk` beats the system's language there."""
    if asked_language(argv) is not None or os.environ.get(i18n.ENV, "").strip():
        return None
    if any(arg in HELP for arg in argv):
        for arg in argv:
            if arg.lower().endswith(WORKBOOKS) and Path(arg).is_file():
                found = _workbook_language(arg)
                if found:
                    return found
    return None  # the system's language: i18n.start() reads it


def _workbook_language(path: str) -> str | None:
    """The About sheet's `språk` / `language` of a workbook, if it can be read."""
    try:
        return about_language(path)
    except (EngineError, OSError):
        return None


@contextmanager
def speaking_argparse() -> Iterator[None]:
    """argparse's words through the package's catalog while the command line is parsed."""
    before = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._ = i18n._  # type: ignore[attr-defined]
    argparse.ngettext = i18n.ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = before  # type: ignore[attr-defined]
