"""`guideline eval`: one case (with its explanation), or a file of cases in chunks."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..core.errors import CaseError, UsageError
from ..evaluation.batch import run_batch
from ..evaluation.evaluate import evaluate
from ..evaluation.explain import shown
from ..workbook.loader import load

OK, FOUND = 0, 1


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
        return run_batch(args)
    if args.case is None:
        raise UsageError("give a case with --case '{...}' or --case @case.json, "
                         "or a file of cases with --input")
    model = load(args.workbook)
    case = _parse_case(args.case)
    try:
        result = evaluate(model, case, args.decision)
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
    if args.explain:
        print(result.explain(), end="")
    else:
        for key, value in result.outputs.items():
            print(f"{key} = {shown(value)}")
        print(f"(rule {', '.join(result.rules) or 'none'} of {result.decision})")
    return OK
