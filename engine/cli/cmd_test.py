"""`guideline test`: the workbook's own test cases, with rule coverage on request."""

from __future__ import annotations

import argparse
import sys

from ..core.errors import WorkbookInvalid
from ..core.i18n import _
from ..review.coverage import report_coverage
from ..verify.testing import (
    describe_failure,
    describe_missing_columns,
    missing_columns,
    run_readable,
)
from ..workbook.loader import load

OK, FOUND = 0, 1


def cmd_test(args: argparse.Namespace) -> int:
    model = load(args.workbook, strict=False)
    outcomes, held = run_readable(model)
    if model.errors:  # run what can be read, and say what cannot
        print(str(WorkbookInvalid(model.path, model.problems)), file=sys.stderr)
        print(_("{path}: {n} error(s) (run guideline check): the cases that can be read are "
                "run; {held} case(s) cannot run until the cells named are fixed").format(
                  path=model.path, n=len(model.errors), held=len(held)))
    waiting: dict[str, list[str]] = {}
    for case, cells in held:  # one line per mistake, not one per case
        waiting.setdefault(cells, []).append(case.id)
    for cells, ids in waiting.items():
        print(_("CANNOT RUN {n} case(s) until {cells} is fixed (see guideline check): "
                "{ids}").format(n=len(ids), cells=cells, ids=", ".join(ids)))
    failed = [o for o in outcomes if not o.ok]
    absent = missing_columns(model, outcomes)
    for line in describe_missing_columns(model, absent, outcomes):
        print(line)
    for o in failed:
        if o.missing and set(o.missing) <= set(absent) and not o.failures:
            continue  # said once above, for the whole sheet
        print("\n".join(describe_failure(o)))
    status = OK if not failed and not model.errors else FOUND
    if getattr(args, "coverage", False) or getattr(args, "min_coverage", None) is not None:
        code, text = report_coverage(model, outcomes, args.min_coverage)
        sys.stdout.write(text)
        status = max(status, code)
    if not model.tests and model.tables and not getattr(args, "allow_empty", False):
        print(_("nothing was tested: the workbook has decision tables but no test cases; add "
                "a 'Testtilfeller' (or 'Tests') sheet, or pass --allow-empty"))
        status = FOUND
    elif not model.tests:
        print(_("the workbook has no test cases (add a 'Tests' / 'Testtilfeller' sheet)"))
    if held:
        print(_("{n_outcomes} passed, {n_failed} failed, {n_held} cannot run").format(
                  n_outcomes=len(outcomes) - len(failed), n_failed=len(failed),
                  n_held=len(held)))
        return FOUND
    print(_("{n_outcomes} passed, {n_failed} failed").format(
              n_outcomes=len(outcomes) - len(failed), n_failed=len(failed)))
    return status
