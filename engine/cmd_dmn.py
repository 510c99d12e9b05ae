"""`guideline export` and `guideline import`: the workbook as DMN XML, and DMN as a workbook.

Both refuse to write over their input, write atomically, and refuse a model with errors
(listing them) rather than writing a file that means something else.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .errors import WorkbookError


def register(sub: Any) -> None:
    """Add this module's subcommands to the `guideline` parser."""
    e = sub.add_parser("export", help="write the workbook as a standard DMN file",
                       description="Write the workbook's glossary, decision tables and decision "
                                   "graph as one DMN file, with a diagram for modelers.")
    e.add_argument("workbook")
    e.add_argument("--to", choices=("dmn",), required=True, help="the format (dmn)")
    e.add_argument("output", metavar="OUT.dmn")
    e.add_argument("--dmn-version", choices=("1.5", "1.3"), default="1.5",
                   help="1.5 (default), or 1.3 for engines that read only 1.3 (Camunda 7)")
    e.set_defaults(run=cmd_export)

    i = sub.add_parser("import", help="write a DMN file as a workbook in our format",
                       description="Read a DMN file's decision tables and write them as a "
                                   "workbook (glossary, one sheet per table).")
    i.add_argument("model", metavar="MODEL.dmn")
    i.add_argument("--to", required=True, metavar="OUT.xlsx", help="the workbook to write")
    i.set_defaults(run=cmd_import)


def _usage(message: str) -> Exception:
    from .cli import UsageError

    return UsageError(message)


def _check_output(output: str, source: str, suffix: str) -> None:
    from .safe_io import OutputError, refuse_overwrite

    if not output.lower().endswith(suffix):
        raise _usage(f"the output {output} should end in {suffix}")
    try:
        refuse_overwrite(output, source)
    except OutputError as exc:
        raise _usage(str(exc)) from None


def cmd_export(args: argparse.Namespace) -> int:
    from .dmn_export import write_dmn
    from .loader import load

    _check_output(args.output, args.workbook, ".dmn")
    model = load(args.workbook)  # raises WorkbookInvalid (exit 1) listing every error
    _warn(model)
    _write(lambda: write_dmn(model, args.output, args.dmn_version))
    print(f"wrote {args.output}: DMN {args.dmn_version}, {len(model.tables)} decision(s), "
          f"{sum(len(t.rules) for t in model.tables.values())} rules")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .loader import load
    from .xlsx_write import write_workbook

    if not args.model.lower().endswith(".dmn"):
        raise _usage(f"{args.model}: give a .dmn file to import")
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
    from .safe_io import OutputError

    try:
        write()
    except OutputError as exc:
        raise _usage(str(exc)) from None
    except OSError as exc:
        raise WorkbookError(f"cannot write the output: {exc.strerror or exc}") from None
