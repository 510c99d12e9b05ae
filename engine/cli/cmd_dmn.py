"""`guideline export` and `guideline import`: the workbook as DMN XML, and DMN as a workbook.

Both refuse to write over their input, write atomically, and refuse a model with errors
(listing them) rather than writing a file that means something else.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..core.errors import UsageError, WorkbookError
from ..core.safe_io import OutputError, refuse_overwrite
from ..dmn.export import write_dmn
from ..workbook.loader import load
from ..workbook.write import write_workbook


def _check_output(output: str, source: str, suffix: str) -> None:
    if not output.lower().endswith(suffix):
        raise UsageError(f"the output {output} should end in {suffix}")
    try:
        refuse_overwrite(output, source)
    except OutputError as exc:
        raise UsageError(str(exc)) from None


def cmd_export(args: argparse.Namespace) -> int:
    _check_output(args.output, args.workbook, ".dmn")
    model = load(args.workbook)  # raises WorkbookInvalid (exit 1) listing every error
    _warn(model)
    _write(lambda: write_dmn(model, args.output, args.dmn_version))
    print(f"wrote {args.output}: DMN {args.dmn_version}, {len(model.tables)} decision(s), "
          f"{sum(len(t.rules) for t in model.tables.values())} rules")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    if not args.model.lower().endswith(".dmn"):
        raise UsageError(f"{args.model}: give a .dmn file to import")
    _check_output(args.to, args.model, ".xlsx")
    model = load(args.model)  # errors: WorkbookInvalid (exit 1); nothing is written
    _warn(model)
    _write(lambda: write_workbook(model, args.to))
    print(f"wrote {args.to}: {len(model.variables)} variables, {len(model.tables)} decision(s)")
    return 0


def _warn(model: Any) -> None:
    """What was read but not carried over (say, a decision DMN holds as a FEEL expression)."""
    for finding in model.problems:
        if finding.severity == "warning":
            print(f"warning: {finding}", file=sys.stderr)


def _write(write: Any) -> None:
    try:
        write()
    except OutputError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise WorkbookError(f"cannot write the output: {exc.strerror or exc}") from None
