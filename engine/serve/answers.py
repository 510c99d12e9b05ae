"""Cases in, answers out: strict JSON reading, one case or a batch, errors as records.

Nothing here knows HTTP: each function returns a status and a JSON-ready body, so the API
and the committee's page answer through the very same code.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from typing import Any

import pandas as pd

from ..core.errors import CaseError
from ..core.i18n import N_, _
from ..core.text import MAX_DIGITS, nfc, visible
from ..evaluation.bulk import evaluate_frame
from ..evaluation.evaluate import Result, evaluate, json_value, unapproved_reason
from . import answer_extras as extras
from .schemas import needed_inputs
from .state import Version

MAX_BATCH = 10_000
SURROGATE = re.compile("[\ud800-\udfff]")
MAX_DEPTH = 32  # a batch is a list of objects of values: 3 levels; anything deeper is refused
CASE_KINDS = ("MissingInput", "InvalidInput", "NoRuleMatched", "ConflictingRules")
JSON_KINDS = {list: N_("a list"), dict: N_("an object"), str: N_("a text"),
              bool: N_("a boolean"), int: N_("a number"), float: N_("a number"),
              type(None): N_("null")}  # what a request sent, in the words of its refusal


class RequestProblem(Exception):
    """A request the API refuses before any case is looked at (4xx with the error shape)."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message


def error(kind: str, message: str, variable: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": kind, "message": message}
    if variable is not None:
        body["variable"] = variable
    return {"error": body}


# -- reading JSON strictly ---------------------------------------------------------------------
def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) < len(pairs):  # a key given twice: which value is meant?
        twice = next(k for k, n in Counter(k for k, _value in pairs).items() if n > 1)
        raise RequestProblem(400, "MalformedRequest", _(
            "the key {key!r} appears twice in one object: which is meant?").format(
                key=visible(twice)))
    return out


def _no_constant(word: str) -> Any:
    raise RequestProblem(400, "MalformedRequest", _(
        "{word} is not JSON: give a number or null").format(word=word))


def _whole(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_DIGITS:  # Python itself refuses past 4,300 digits
        raise RequestProblem(400, "MalformedRequest", _(
            "a number of {n:,} digits is not a value a case may hold (at most {most})").format(
                n=len(digits), most=MAX_DIGITS))
    return int(digits)


def parse_json(body: bytes) -> Any:
    """The body as JSON, refusing what JSON parsers disagree on (duplicate keys, NaN, text
    in UTF-16 or UTF-32, which Python alone would guess from the bytes, lone surrogates)."""
    if not body.strip():
        raise RequestProblem(400, "MalformedRequest", _("the request has no body: send JSON"))
    try:
        text = body.decode("utf-8-sig")  # UTF-8 only (a UTF-8 byte order mark is allowed)
    except UnicodeDecodeError:
        raise RequestProblem(400, "MalformedRequest", _("the body is not UTF-8 text")) from None
    if "\x00" in text:  # UTF-16 and UTF-32 put NUL bytes beside every ASCII character
        raise RequestProblem(400, "MalformedRequest", _("the body is not UTF-8 text (it holds "
                                                        "NUL bytes: UTF-16 or UTF-32?)"))
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant,
                           parse_int=_whole)
    except RecursionError:
        raise RequestProblem(400, "MalformedRequest", _("the JSON is nested too deeply")) \
            from None
    except json.JSONDecodeError as exc:
        raise RequestProblem(400, "MalformedRequest", _(
            "the body is not valid JSON: {msg} at line {lineno} column {colno}").format(
                msg=exc.msg, lineno=exc.lineno, colno=exc.colno)) from None
    if not _shallow(value):
        raise RequestProblem(400, "MalformedRequest", _("the JSON is nested too deeply"))
    if "\\u" in text:  # an escape, maybe of half a surrogate pair
        _no_lone_surrogate(value)
    return value


def _no_lone_surrogate(value: Any) -> None:
    """Refuse `"\\ud800"` written alone: it is not a character, and cannot be UTF-8."""
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found = None if item.isascii() else SURROGATE.search(item)
            if found:
                raise RequestProblem(400, "MalformedRequest", _(
                    "the JSON holds {escape}, half of a surrogate pair, which is not a "
                    "character: send UTF-8 text").format(escape=f"\\u{ord(found.group()):04x}"))
        elif isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            stack += item


def _shallow(value: Any) -> bool:
    """True when no list or object lies deeper than MAX_DEPTH (walked without recursion)."""
    level: list[Any] = [value]
    for _depth in range(MAX_DEPTH):
        level = [v for item in level if isinstance(item, (list, dict))
                 for v in (item.values() if isinstance(item, dict) else item)]
        if not level:
            return True
    return not any(isinstance(v, (list, dict)) for v in level)


# -- one case ----------------------------------------------------------------------------------
def frame_value(value: Any) -> Any:
    """A cell of `evaluate_frame`'s result as JSON: numpy scalars plain, NaN (no value) null."""
    if hasattr(value, "item") and hasattr(value, "dtype"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return json_value(value)


def warnings(version: Version) -> list[str]:
    """Said with every answer: a draft's answers are not approved (the library's
    DraftWarning, in the response where an integrator's program sees it)."""
    return [unapproved_reason(version.model)] if version.model.draft else []


def result_dict(result: Result, version: Version) -> dict[str, Any]:
    """A result as JSON (`Result.to_dict`: answer, rules, steps, explanation, provenance)."""
    return {**result.to_dict(), "warnings": warnings(version)}


def case_error(exc: CaseError) -> dict[str, Any]:
    kind = type(exc).__name__
    if kind not in CASE_KINDS:
        kind = "InvalidInput"  # the base CaseError: the case as a whole cannot be used
    about_one = kind in ("MissingInput", "InvalidInput") and exc.inputs
    return error(kind, str(exc), exc.inputs[0] if about_one else None)


def check_keys(version: Version, decision: str, case: Any) -> dict[str, Any] | None:
    """The API's own rules beyond the engine's: a case carries exactly the inputs it is read
    for, so a field the decision ignores is refused instead of seeming to count; and a listed
    value is written as the schema lists it (`_spelling`). An unknown key is quoted cut to
    80 characters (`core.text.visible`), however long it is."""
    if not isinstance(case, dict):
        return error("InvalidInput", _("a case is a JSON object of input names to values, not "
                                       "{kind}").format(kind=_json_kind(case)))
    needed = version.memo(f"needed:{decision}", lambda: needed_inputs(version.model, decision))
    for key in case:
        problem = extras.key_problem(version.model, needed, decision, key)
        if problem is not None:
            return problem
    return _spelling(version, case)


def _spelling(version: Version, case: dict[str, Any]) -> dict[str, Any] | None:
    """A listed value in neither Unicode NFC (as listed) nor NFD (as macOS may type it): the
    engine would take any spelling whose NFC is listed, but the schema can list only these
    two, and the API answers exactly what its schema accepts."""
    for name, value in case.items():
        if type(value) is not str or value.isascii():
            continue
        var = version.model.variables[name]
        if var.type != "string" or not var.values or value in var.value_set:
            continue
        composed = nfc(value)
        if composed in var.value_set and unicodedata.normalize("NFD", value) != value:
            return error("InvalidInput", _(
                "{name}: '{value}' is '{composed}' written in neither Unicode NFC nor NFD: "
                "send it as the schema lists it").format(
                    name=name, value=visible(value, combining=True), composed=composed), name)
    return None


def evaluate_one(version: Version, decision: str, case: Any) -> tuple[int, dict[str, Any]]:
    refused = check_keys(version, decision, case)
    if refused is not None and not isinstance(case, dict):
        return 422, refused
    try:
        if refused is not None:
            raise LookupError
        result = evaluate(version.model, case, decision)
    except (CaseError, LookupError) as exc:
        first = refused or case_error(exc)  # type: ignore[arg-type]  # as the engine says it
        every = [e["error"] for e in extras.case_problems(version, decision, case)]
        found = next((e for e in every if e["message"] == first["error"]["message"]), None)
        if found is not None:  # the engine's words, with what the full list adds (constraint)
            first = {"error": {**found, **first["error"]}}
        else:
            every.insert(0, first["error"])
        return 422, {**first, "errors": every}
    return 200, {**result_dict(result, version), **extras.explained(version, result)}


def _json_kind(value: Any) -> str:
    word = JSON_KINDS.get(type(value))
    return _(word) if word is not None else type(value).__name__


# -- many cases, through the vectorised path ----------------------------------------------------
def evaluate_batch(version: Version, decision: str, cases: Any) -> tuple[int, dict[str, Any]]:
    if not isinstance(cases, list):
        raise RequestProblem(400, "MalformedRequest", _(
            "a batch is a JSON list of cases, not {kind}").format(kind=_json_kind(cases)))
    if len(cases) > MAX_BATCH:
        raise RequestProblem(413, "PayloadTooLarge", _(
            "a batch holds at most {most:,} cases, not {n:,}: split it").format(
                most=MAX_BATCH, n=len(cases)))
    model = version.model
    results: list[dict[str, Any] | None] = [check_keys(version, decision, c) for c in cases]
    good = [i for i, r in enumerate(results) if r is None]
    if good:
        frame = pd.DataFrame({name: pd.Series([cases[i].get(name)
                                               for i in good], dtype=object)
                              for name in needed_inputs(model, decision)})
        present = [all(n in cases[i] for n in frame.columns) for i in good]
        answers = evaluate_frame(model, frame, decision)
        outputs = model.tables[decision].output_names
        for row, i in enumerate(good):
            if not present[row]:  # a missing key must not become "unknown" in the frame
                results[i] = _single_error(version, decision, cases[i])
                continue
            rec = answers.iloc[row]
            if rec["error"] is not None and not _nan(rec["error"]):
                results[i] = _single_error(version, decision, cases[i])
                continue
            rules = rec[f"{decision}_rule"]
            results[i] = {"decision": decision,
                          "outputs": {o: frame_value(rec[o]) for o in outputs},
                          "rules": [] if rules is None or _nan(rules) or rules == ""
                          else str(rules).split(", ")}
    return 200, {"guideline": version.provenance, "results": results,
                 "warnings": warnings(version)}


def _nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _single_error(version: Version, decision: str, case: dict[str, Any]) -> dict[str, Any]:
    """The kind and variable of a row the frame refused, from the one-case path (rare)."""
    status, body = evaluate_one(version, decision, case)
    if status == 200:  # the two paths disagree: say so rather than answer either way
        return error("InvalidInput", _("this case could not be evaluated in a batch; send it "
                                       "alone to /evaluate"))
    return body
