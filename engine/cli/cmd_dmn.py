"""`guideline export` and `guideline import`: the workbook as DMN XML, and DMN as a workbook.

Both refuse to write over their input, write atomically, and refuse a model with errors
(listing them) rather than writing a file that means something else.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Any

from ..core.errors import Finding, UsageError, WorkbookError, WorkbookInvalid
from ..core.i18n import _
from ..core.safe_io import OutputError, refuse_overwrite
from ..dmn.export import write_dmn
from ..workbook.loader import load
from ..workbook.write import renamed, write_workbook


def _check_output(output: str, source: str, suffix: str) -> None:
    if not output.lower().endswith(suffix):
        raise UsageError(_("the output {output} should end in {suffix}").format(
                             output=output, suffix=suffix))
    try:
        refuse_overwrite(output, source)
    except OutputError as exc:
        raise UsageError(str(exc)) from None


def cmd_export(args: argparse.Namespace) -> int:
    _check_output(args.output, args.workbook, ".dmn")
    model = load(args.workbook)  # raises WorkbookInvalid (exit 1) listing every error
    _warn(model)
    _write(lambda: write_dmn(model, args.output, args.dmn_version))
    print(_("wrote {output}: DMN {dmn_version}, {n_tables} decision(s), {sum} rules").format(
              output=args.output, dmn_version=args.dmn_version, n_tables=len(model.tables),
              sum=sum(len(t.rules) for t in model.tables.values())))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    if not args.model.lower().endswith(".dmn"):
        raise UsageError(_("{model}: give a .dmn file to import").format(model=args.model))
    _check_output(args.to, args.model, ".xlsx")
    model = load(args.model, dmn_strict=args.strict)  # errors: WorkbookInvalid (exit 1)
    _warn(model)
    if not model.tables:  # a workbook of no table would check "OK": the warnings would vanish
        why = [replace(f, severity="error") for f in model.problems if f.severity == "warning"]
        raise WorkbookInvalid(args.model, why or [Finding(
            "structure", "error", _("the file holds no decision table that can be read, so the "
                                    "workbook would hold none"))])
    for table in model.tables.values():  # a workbook column has no input values of its own
        for _k, col, allowed in table.guards:
            print(_("warning: {cell}: the input values of {name} in decision {decision} "
                    "({values}) are not kept: a workbook has no place for a column's own values, "
                    "so there the rules read a value they leave out").format(
                        cell=col.cell, name=col.name, decision=table.name, values=allowed.text),
                  file=sys.stderr)
    _write(lambda: write_workbook(model, args.to))
    changed = renamed(model)
    if changed:
        print(_("names the workbook writes differently (use these with it): {names}").format(
            names=", ".join(f"{old!r} -> {new}" for old, new in changed.items())))
    print(_("wrote {to}: {n_variables} variables, {n_tables} decision(s)").format(
              to=args.to, n_variables=len(model.variables), n_tables=len(model.tables)))
    return 0


def _warn(model: Any) -> None:
    """What was read but not carried over (say, a decision DMN holds as a FEEL expression)."""
    for finding in model.problems:
        if finding.severity == "warning":
            print(_("warning: {message}").format(message=finding), file=sys.stderr)


def _write(write: Any) -> None:
    try:
        write()
    except OutputError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise WorkbookError(_("cannot write the output: {value}").format(
                                value=exc.strerror or exc)) from None
