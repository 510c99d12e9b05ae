"""`guideline eval`: one case (with its explanation), or a file of cases in chunks."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from typing import Any

from ..core.errors import CaseError, DraftWarning, UsageError, WorkbookError, WorkbookInvalid
from ..core.i18n import N_, _
from ..core.model import Model
from ..core.text import MAX_CASE_BYTES, MAX_DIGITS
from ..evaluation.batch import run_batch, summarise
from ..evaluation.evaluate import draft_message, evaluate
from ..evaluation.explain import questions_json, shown
from ..workbook.loader import load

OK, FOUND, UNUSABLE = 0, 1, 2


# Python's json module says what is wrong in English: the usual ones in the committee's words
JSON_PROBLEMS = {
    "Expecting value": N_("a value was expected"),
    "Expecting property name enclosed in double quotes": N_("a name in double quotes was expected"),
    "Expecting ',' delimiter": N_("a comma was expected"),
    "Expecting ':' delimiter": N_("a colon was expected"),
    "Unterminated string starting at": N_("a text is not closed with a quote"),
    "Extra data": N_("there is more after the case"),
    "Invalid control character at": N_("a text holds a control character"),
    "Invalid \\escape": N_("a text holds an unknown \\ escape"),
}


def json_problem(message: str) -> str:
    words = JSON_PROBLEMS.get(message)
    return _(words) if words else _("not JSON there")


def _parse_case(text: str) -> dict[str, Any]:
    source = _("the case")
    if text.startswith("@"):
        source = text[1:]
        try:  # read no more than the limit allows: `@/dev/zero` is endless
            with open(source, encoding="utf-8") as fh:
                text = fh.read(MAX_CASE_BYTES + 1)
        except OSError as exc:
            raise UsageError(_("cannot read the case file {source}: {strerror}").format(
                                 source=source, strerror=exc.strerror)) from None
        except UnicodeDecodeError:
            raise UsageError(_("cannot read the case file {source}: it is not UTF-8 "
                               "text; save it as UTF-8").format(source=source)) from None

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise UsageError(_("{source}: the input {key!r} is given twice").format(
                                     source=source, key=key))
            out[key] = value
        return out

    def no_constant(name: str) -> Any:
        raise UsageError(_("{source}: {name} is not a value a case may hold").format(
                             source=source, name=name))

    def whole(digits: str) -> int:  # Python refuses to read more than 4,300 digits anyway
        if len(digits.lstrip("-")) > MAX_DIGITS:
            raise UsageError(_("{source}: a number of {n:,} digits is not a value a case may "
                               "hold (at most {most})").format(source=source, n=len(digits),
                                                               most=MAX_DIGITS))
        return int(digits)

    if len(text) > MAX_CASE_BYTES:  # only so much was read: the size is not known
        raise UsageError(_("{source} is longer than {most:,} characters, the most one case "
                           "may be").format(source=source, most=MAX_CASE_BYTES))
    try:
        case = json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constant,
                          parse_int=whole)
    except json.JSONDecodeError as exc:
        raise UsageError(
            _("{source} is not valid JSON: {msg} at line {lineno}, column {colno}").format(
                source=source, msg=json_problem(exc.msg), lineno=exc.lineno, colno=exc.colno
            )
        ) from None
    except RecursionError:
        raise UsageError(_("{source} is nested too deeply: a case is one object of input "
                           "names and plain values").format(source=source)) from None
    if not isinstance(case, dict):
        raise UsageError(_("{source} must be a JSON object of input names and values").format(
                             source=source))
    return case


def _warn_if_draft(model: Model) -> None:
    """A draft is evaluated all the same; the person running it is told, on stderr."""
    if model.draft:
        print(_("warning: {message}").format(message=draft_message(model)), file=sys.stderr)


def cmd_eval(args: argparse.Namespace) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DraftWarning)  # said once, below, in our words
        if args.input or args.output:
            tally, model = run_batch(args)
            _warn_if_draft(model)
            code, lines = summarise(tally, args.output)
            print("\n".join(lines))
            return code
        return _one_case(args)


def _one_case(args: argparse.Namespace) -> int:
    if args.case is None:
        raise UsageError(_("give a case with --case '{...}' or --case @case.json, or a "
                           "file of cases with --input"))
    try:
        model = load(args.workbook, dmn_strict=args.strict)
    except (WorkbookInvalid, WorkbookError) as exc:
        if args.format != "json":
            raise
        findings = exc.findings if isinstance(exc, WorkbookInvalid) else []
        print(json.dumps({"ok": False, "error": str(exc), "kind": type(exc).__name__,
                          "problems": [f.to_dict() for f in findings
                                       if f.severity == "error"]}, ensure_ascii=False))
        return FOUND if isinstance(exc, WorkbookInvalid) else UNUSABLE
    case = _parse_case(args.case)
    _warn_if_draft(model)
    try:
        result = evaluate(model, case, args.decision)
    except CaseError as exc:
        if args.format == "json":
            doc: dict[str, Any] = {"ok": False, "error": str(exc), "kind": type(exc).__name__,
                                   "inputs": list(exc.inputs), "guideline": model.provenance()}
            print(json.dumps(doc, ensure_ascii=False))
        else:
            print(f"error: {exc}", file=sys.stderr)
        return FOUND
    if args.format == "json":  # with the committee's open questions on the deciding rules
        doc = {"ok": True, **result.to_dict(explanation=args.explain),
               "questions": questions_json(result)}
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return OK
    if args.explain:
        print(result.explain(), end="")
    else:
        for key, value in result.outputs.items():
            print(f"{key} = {shown(value)}")
        print(_("(rule {value} of {decision})").format(
                  value=', '.join(result.rules) or 'none', decision=result.decision))
    return OK
