"""Cases in, answers out: strict JSON reading, one case or a batch, errors as records.

Nothing here knows HTTP: each function returns a status and a JSON-ready body, so the API
and the committee's page answer through the very same code.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from difflib import get_close_matches
from typing import Any

import pandas as pd

from ..core.errors import CaseError
from ..core.text import MAX_DIGITS
from ..evaluation.bulk import evaluate_frame
from ..evaluation.evaluate import Result, evaluate, json_value, unapproved_reason
from .schemas import needed_inputs
from .state import Version

MAX_BATCH = 10_000
MAX_DEPTH = 32  # a batch is a list of objects of values: 3 levels; anything deeper is refused
CASE_KINDS = ("MissingInput", "InvalidInput", "NoRuleMatched", "ConflictingRules")


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
        twice = next(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
        raise RequestProblem(400, "MalformedRequest",
                             f"the key {twice!r} appears twice in one object: which is meant?")
    return out


def _no_constant(word: str) -> Any:
    raise RequestProblem(400, "MalformedRequest", f"{word} is not JSON: give a number or null")


def _whole(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_DIGITS:  # Python itself refuses past 4,300 digits
        raise RequestProblem(400, "MalformedRequest", f"a number of {len(digits):,} digits is "
                             f"not a value a case may hold (at most {MAX_DIGITS})")
    return int(digits)


def parse_json(body: bytes) -> Any:
    """The body as JSON, refusing what JSON parsers disagree on (duplicate keys, NaN)."""
    if not body.strip():
        raise RequestProblem(400, "MalformedRequest", "the request has no body: send JSON")
    try:
        value = json.loads(body, object_pairs_hook=_no_duplicates, parse_constant=_no_constant,
                           parse_int=_whole)
    except RecursionError:
        raise RequestProblem(400, "MalformedRequest", "the JSON is nested too deeply") from None
    except UnicodeDecodeError:
        raise RequestProblem(400, "MalformedRequest", "the body is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise RequestProblem(400, "MalformedRequest",
                             f"the body is not valid JSON: {exc.msg} at line {exc.lineno} "
                             f"column {exc.colno}") from None
    if not _shallow(value):
        raise RequestProblem(400, "MalformedRequest", "the JSON is nested too deeply")
    return value


def _shallow(value: Any) -> bool:
    """True when no list or object lies deeper than MAX_DEPTH (walked without recursion)."""
    level: list[Any] = [value]
    for _ in range(MAX_DEPTH):
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
    """The API's own rule beyond the engine's: a case carries exactly the inputs it is read
    for, so a field the decision ignores is refused instead of seeming to count."""
    if not isinstance(case, dict):
        return error("InvalidInput", "a case is a JSON object of input names to values, not "
                                     f"{_json_kind(case)}")
    needed = version.memo(f"needed:{decision}", lambda: needed_inputs(version.model, decision))
    for key in case:
        if key in needed:
            continue
        producer = version.model.producer(key)
        if producer is not None:  # decided (and maybe read on the way): never an input
            return error("InvalidInput", f"{key} is decided by the guideline (decision "
                                         f"{producer.name}), not given by a case: leave it out",
                         key)
        if key in version.model.variables:
            return error("InvalidInput", f"{key} is not read by the decision {decision}: leave it "
                                         "out", key)
        close = get_close_matches(key, needed, n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        return error("InvalidInput", f"unknown input {key!r}{hint}", key)
    return None


def evaluate_one(version: Version, decision: str, case: Any) -> tuple[int, dict[str, Any]]:
    refused = check_keys(version, decision, case)
    if refused is not None:
        return 422, refused
    try:
        result = evaluate(version.model, case, decision)
    except CaseError as exc:
        return 422, case_error(exc)
    return 200, result_dict(result, version)


def _json_kind(value: Any) -> str:
    names = {list: "a list", str: "a text", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


# -- many cases, through the vectorised path ----------------------------------------------------
def evaluate_batch(version: Version, decision: str, cases: Any) -> tuple[int, dict[str, Any]]:
    if not isinstance(cases, list):
        raise RequestProblem(400, "MalformedRequest",
                             f"a batch is a JSON list of cases, not {_json_kind(cases)}")
    if len(cases) > MAX_BATCH:
        raise RequestProblem(413, "PayloadTooLarge", f"a batch holds at most {MAX_BATCH:,} "
                                                     f"cases, not {len(cases):,}: split it")
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
        return error("InvalidInput", "this case could not be evaluated in a batch; send it "
                                     "alone to /evaluate")
    return body
