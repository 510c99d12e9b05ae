"""The `guideline` command. Exit codes: 0 ok, 1 problems or failures found, 2 unusable input.

No traceback ever reaches the user: every error this package raises on purpose becomes one
clear sentence, and anything else is reported as an internal error, still without a trace.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from .errors import CaseError, EngineError, WorkbookError, WorkbookInvalid
from .model import Model
from .safe_io import OutputError

OK, FOUND, UNUSABLE = 0, 1, 2
EXTRA_COMMANDS: tuple[str, ...] = ("cmd_dmn", "cmd_review")


class UsageError(EngineError):
    """Bad arguments or an unreadable case file: exit 2."""


def _load(path: str, strict: bool = True) -> Model:
    from .loader import load

    return load(path, strict=strict)


def _parse_case(text: str) -> dict[str, Any]:
    source = "the case"
    if text.startswith("@"):
        source = text[1:]
        try:
            with open(source, encoding="utf-8") as fh:
                text = fh.read()
        except OSError as exc:
            raise UsageError(f"cannot read the case file {source}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise UsageError(f"cannot read the case file {source}: it is not UTF-8 text; "
                             "save it as UTF-8") from None

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise UsageError(f"{source}: the input {key!r} is given twice")
            out[key] = value
        return out

    def no_constant(name: str) -> Any:
        raise UsageError(f"{source}: {name} is not a value a case may hold")

    try:
        case = json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constant)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{source} is not valid JSON: {exc.msg} at line {exc.lineno}, "
                         f"column {exc.colno}") from None
    if not isinstance(case, dict):
        raise UsageError(f"{source} must be a JSON object of input names and values")
    return case


def _json_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else value


def cmd_eval(args: argparse.Namespace) -> int:
    if args.input or args.output:
        from .batch import run_batch

        return run_batch(args)
    if args.case is None:
        raise UsageError("give a case with --case '{...}' or --case @case.json, "
                         "or a file of cases with --input")
    model = _load(args.workbook)
    case = _parse_case(args.case)
    try:
        result = model.evaluate(case, args.decision)
    except CaseError as exc:
        if args.format == "json":
            print(json.dumps({"ok": False, "error": str(exc)}, ensure_ascii=False))
        else:
            print(f"error: {exc}", file=sys.stderr)
        return FOUND
    if args.format == "json":
        doc: dict[str, Any] = {
            "ok": True, "decision": result.decision,
            "outputs": {k: _json_value(v) for k, v in result.outputs.items()},
            "rules": list(result.rules),
            "trace": [{"decision": s.decision, "rules": list(s.decided),
                       "matched": list(s.matched), "cells": list(s.cells),
                       "outputs": {k: _json_value(v) for k, v in s.outputs.items()}}
                      for s in result.trace],
        }
        if args.explain:
            doc["explanation"] = result.explain()
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return OK
    from .explain import shown

    if args.explain:
        print(result.explain(), end="")
    else:
        for key, value in result.outputs.items():
            print(f"{key} = {shown(value)}")
        print(f"(rule {', '.join(result.rules) or 'none'} of {result.decision})")
    return OK


def cmd_test(args: argparse.Namespace) -> int:
    from .testing import describe_failure, run_tests

    model = _load(args.workbook)
    outcomes = run_tests(model)
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        print("\n".join(describe_failure(o)))
    status = OK if not failed else FOUND
    if getattr(args, "coverage", False) or getattr(args, "min_coverage", None) is not None:
        from .coverage import report_coverage

        status = max(status, report_coverage(model, outcomes, args.min_coverage))
    if not model.tests:
        print("the workbook has no test cases (add a 'Tests' / 'Testtilfeller' sheet)")
    print(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    return status


def cmd_check(args: argparse.Namespace) -> int:
    from .report_check import render_check

    if getattr(args, "annotate", None):
        from .safe_io import refuse_overwrite

        refuse_overwrite(args.annotate, args.workbook)  # before any work is done
    model = _load(args.workbook, strict=False)
    findings = model.check()
    text = render_check(model, findings, args.format)
    sys.stdout.write(text)
    if getattr(args, "annotate", None):
        from .annotate import annotate

        annotate(model, findings, args.workbook, args.annotate)
    return FOUND if any(f.severity == "error" for f in findings) else OK


def _optional(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        return int(getattr(importlib.import_module(f"engine.{module}"), name)(args))

    return run


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="guideline", description="Check, test and evaluate "
                                "clinical guideline decision tables kept in .xlsx workbooks.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    e = sub.add_parser("eval", help="evaluate a case (or a file of cases) against a workbook")
    e.add_argument("workbook")
    e.add_argument("--decision", help="the decision to evaluate (needed if there are several)")
    e.add_argument("--case", help="the case as JSON, or @file.json")
    e.add_argument("--explain", action="store_true", help="say which rules decided and why")
    e.add_argument("--format", choices=("text", "json"), default="text")
    e.add_argument("--input", help="a file of cases: .csv, .xlsx or .parquet")
    e.add_argument("--output", help="where to write the answers: .csv, .xlsx or .parquet")
    e.add_argument("--chunk-size", type=int, default=200_000, help=argparse.SUPPRESS)
    e.set_defaults(run=cmd_eval)

    t = sub.add_parser("test", help="run the workbook's own test cases")
    t.add_argument("workbook")
    t.add_argument("--coverage", action="store_true", help="report which rules the cases fire")
    t.add_argument("--min-coverage", type=float, default=None, metavar="N",
                   help="fail when fewer than N percent of the rules are fired")
    t.set_defaults(run=cmd_test)

    c = sub.add_parser("check", help="prove every table complete and consistent")
    c.add_argument("workbook")
    c.add_argument("--format", choices=("text", "json", "junit"), default="text")
    c.add_argument("--annotate", metavar="OUT.xlsx",
                   help="write a copy of the workbook with every finding marked")
    c.set_defaults(run=cmd_check)

    d = sub.add_parser("dump", help="print every sheet as stable plain text (for git diff)")
    d.add_argument("workbook")
    d.set_defaults(run=_optional("dump", "cmd_dump"))

    r = sub.add_parser("render", help="write a review document of the workbook")
    r.add_argument("workbook")
    r.add_argument("--format", choices=("markdown", "html"), default="markdown")
    r.add_argument("-o", "--output", help="the file to write (default: standard output)")
    r.add_argument("--guideline", help="the guideline README with the paragraph texts")
    r.set_defaults(run=_optional("render", "cmd_render"))
    for module in EXTRA_COMMANDS:  # commands kept in modules of their own
        importlib.import_module(f"engine.{module}").register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except WorkbookInvalid as exc:
        print(str(exc), file=sys.stderr)
        return FOUND
    except (WorkbookError, UsageError, OutputError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return UNUSABLE
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return FOUND
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return OK
    except OSError as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return UNUSABLE
    except Exception as exc:  # the promise: never a traceback
        print(f"internal error ({type(exc).__name__}: {exc}); please report it with the "
              "workbook that caused it", file=sys.stderr)
        return UNUSABLE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
