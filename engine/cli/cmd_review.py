"""The committee's review commands: `render`, `dump`, `diff`, `report`, `init`.

`diff` prints what changed between two versions as text, markdown (for a pull request) or
JSON; the computing is review/diff.py. Exit codes as everywhere: 0, 1 for findings (here: an
answer changed, with --fail-on-change), 2 for unusable input.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from ..core.errors import UsageError, WorkbookError
from ..core.i18n import _
from ..core.safe_io import OutputError, refuse_overwrite, write_text
from ..review.diff import cohort_changes, diff_models
from ..review.diff_text import render_json, render_markdown, render_text
from ..review.render import default_paragraphs, render
from ..review.report import build_report
from ..workbook.loader import load
from ..workbook.template import create

OK, FOUND = 0, 1


# -- diff ------------------------------------------------------------------------------------
def committed_copy(path: str, rev: str, folder: str) -> str:
    """`git show REV:path` into a file in `folder`; the path is taken relative to the repository."""
    if not rev or rev.startswith("-") or any(ch.isspace() or ord(ch) < 32 for ch in rev):
        raise UsageError(_("{rev!r} is not a git revision (a commit, branch or tag such as "
                           "HEAD~1 or main)").format(rev=rev))
    target = Path(path).resolve()
    top = subprocess.run(["git", "-C", str(target.parent), "rev-parse", "--show-toplevel"],
                         capture_output=True, text=True)
    if top.returncode != 0:
        raise UsageError(_("{path} is not inside a git repository, so --rev cannot be "
                           "used").format(path=path))
    rel = target.relative_to(Path(top.stdout.strip()).resolve()).as_posix()
    shown = subprocess.run(["git", "-C", top.stdout.strip(), "show", f"{rev}:{rel}"],
                           capture_output=True)
    if shown.returncode != 0:
        reason = shown.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(_("git has no {rel} at revision {rev}{value}").format(
                             rel=rel, rev=rev, value=': ' + reason[0] if reason else ''))
    out = Path(folder) / f"{re.sub(r'[^A-Za-z0-9._~^-]', '_', rev)[:60]}-{target.name}"
    out.write_bytes(shown.stdout)
    return str(out)


def load_pair(workbooks: list[str], rev: str | None, folder: str) -> tuple[Any, Any]:
    if rev is not None:
        if len(workbooks) != 1:
            raise UsageError(_("with --rev give one workbook: it is compared with its "
                               "version at that revision"))
        old_path, new_path = committed_copy(workbooks[0], rev, folder), workbooks[0]
    else:
        if len(workbooks) != 2:
            raise UsageError(_("give two workbooks, OLD.xlsx NEW.xlsx (or one with "
                               "--rev GITREV)"))
        old_path, new_path = workbooks
    shown = f"{workbooks[0]}@{rev}" if rev is not None else old_path
    old, new = _readable(old_path, shown), _readable(new_path, new_path)
    old.path = shown
    return old, new


def _readable(path: str, shown: str) -> Any:
    """What can be read of a version (its errors are said after the diff), a revision named
    as such, not by the temporary file it was copied to."""
    try:
        return load(path, strict=False)
    except WorkbookError as exc:
        raise WorkbookError(str(exc).replace(path, shown)) from None


def compute(workbooks: list[str], rev: str | None, cases: str | None) -> Any:
    with tempfile.TemporaryDirectory(prefix="guideline-diff-") as folder:
        old, new = load_pair(workbooks, rev, folder)
        result = diff_models(old, new)
    if cases:
        result.cohort = cohort_changes(old, new, cases, result.compared)
    return result


def cmd_diff(args: argparse.Namespace) -> int:
    if args.output:  # refused before any work: the workbooks and the cohort are inputs
        refuse_overwrite(args.output, *args.workbooks, *([args.cases] if args.cases else []))
    result = compute(args.workbooks, args.rev, args.cases)
    render = {"text": render_text, "markdown": render_markdown, "json": render_json}
    text = render[args.format](result)
    if args.output:
        write_text(args.output, text)
    else:
        sys.stdout.write(text)
    for path, n in result.errors.items():  # compared what could be read: say what could not
        print(_("{path}: {n} error(s) (run guideline check): answers through the cells that "
                "cannot be read are not compared").format(path=path, n=n), file=sys.stderr)
    if result.errors:
        return FOUND
    if args.fail_on_change and result.skipped and not result.answers_changed:
        print(_("not proven unchanged: {n} decision(s) could not be compared ({names}), so "
                "--fail-on-change fails").format(n=len(result.skipped),
                                                  names=", ".join(result.skipped)),
              file=sys.stderr)
        return FOUND  # not comparable is not unchanged
    return FOUND if args.fail_on_change and result.answers_changed else OK


# -- report and init -------------------------------------------------------------------------------
def cmd_report(args: argparse.Namespace) -> int:
    if args.diff and args.rev:
        raise UsageError(_("give --diff OLD.xlsx or --rev GITREV, not both"))
    source = args.guideline or default_paragraphs(args.workbook)
    refuse_overwrite(args.output, args.workbook, source, *([args.diff] if args.diff else []))
    model = load(args.workbook, strict=False)
    unquoted(source)  # after the workbook is read: in its language
    change = None
    if args.diff or args.rev:  # what can be read is compared; the report says what could not
        change = compute([args.diff, args.workbook] if args.diff else [args.workbook],
                         None if args.diff else args.rev, None)
    write_text(args.output, build_report(model, change, args.guideline))
    print(_("wrote {path}").format(path=args.output))
    return OK


def unquoted(source: str | Path) -> None:
    """Say on the command line when the guideline text is missing: the document is written,
    but quotes no source (a copy saved under another name has no `NAME.paragraphs.md`)."""
    if not Path(source).exists():
        print(_("note: the guideline text {name} is not there, so no source is quoted: copy "
                "it beside the workbook, or give it with --guideline FILE").format(
                  name=source), file=sys.stderr)


def cmd_init(args: argparse.Namespace) -> int:
    create(args.output, args.title)
    print(_("created {output}: edit it in Excel or LibreOffice, then run `guideline "
            "check {output}`").format(output=args.output))
    return OK



def cmd_render(args: argparse.Namespace) -> int:
    try:
        source = args.guideline or default_paragraphs(args.workbook)
        if args.output:
            refuse_overwrite(args.output, args.workbook, source)
        text = render(args.workbook, args.format, args.guideline)
        if not args.guideline:  # a FILE named but missing is refused by render itself
            unquoted(source)  # (after the workbook is read: in its language)
        if args.output:
            write_text(args.output, text)
        else:
            sys.stdout.write(text)
    except OutputError as exc:
        raise UsageError(str(exc)) from None
    return 0
