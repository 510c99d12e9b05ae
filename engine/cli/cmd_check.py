"""`guideline check`: what CI and the committee run after every edit, so it starts fast: the
annotated copy's module is loaded only when `--annotate` asks for it."""

from __future__ import annotations

import argparse
import sys

from ..core.safe_io import refuse_overwrite
from ..verify.check import check_model
from ..verify.findings_report import render_check
from ..workbook.loader import load
from .main import run_command

OK, FOUND = 0, 1


def cmd_check(args: argparse.Namespace) -> int:
    if getattr(args, "annotate", None):
        refuse_overwrite(args.annotate, args.workbook)  # before any work is done
    model = load(args.workbook, strict=False, dmn_strict=args.strict)
    findings = check_model(model)
    text = render_check(model, findings, args.format)
    sys.stdout.write(text)
    if getattr(args, "annotate", None):  # the annotated copy's module (openpyxl) only then
        print(run_command("cli.cmd_annotate:annotated_copy", (model, findings, args)),
              file=sys.stderr)
    return FOUND if any(f.severity == "error" for f in findings) else OK
