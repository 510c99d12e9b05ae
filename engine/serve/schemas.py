"""What the API sends and takes: pydantic models for OpenAPI, and each decision's case schema.

The case schema (JSON Schema 2020-12) is built from the glossary: one required property per
input the decision reads, with its type, the allowed values as an `enum`, numeric bounds from
the allowed-values test, and `null` for unknown. Every input accepts null, because the workbook
format has no way to say that a value must be known (docs/workbook-format.md: "Give null when a
value is unknown"); the schema says exactly what the engine accepts, no more and no less.
"""

from __future__ import annotations

import unicodedata
from typing import Any, Literal

from pydantic import BaseModel, Field

from ..core.model import Model
from ..domain.values import EXACT
from ..evaluation.evaluate import plan_for

DIALECT = "https://json-schema.org/draft/2020-12/schema"
JSON_TYPES = {"boolean": "boolean", "string": "string", "number": "number",
              "integer": "integer", "date": "string"}


# -- the case schema ---------------------------------------------------------------------------
def needed_inputs(model: Model, decision: str) -> list[str]:
    """The case inputs `decision` reads, through the decisions it requires, each once."""
    return [name for name, _ in plan_for(model, decision).needed]


def case_schema(model: Model, decision: str) -> dict[str, Any]:
    """The JSON Schema of a case for `decision`."""
    inputs = needed_inputs(model, decision)
    table = model.tables[decision]
    return {
        "$schema": DIALECT,
        "title": f"A case for {decision}" + (f" ({table.title})" if table.title else ""),
        "type": "object",
        "properties": {name: variable_schema(model.variables[name]) for name in inputs},
        "required": inputs,
        "additionalProperties": False,
    }


def variable_schema(var: Any) -> dict[str, Any]:
    """One input: its JSON type or null, its allowed values or bounds, its label."""
    schema: dict[str, Any] = {"title": var.label or var.name}
    if var.description:
        schema["description"] = var.description
    json_type = JSON_TYPES[var.type]
    nullable = var.unknown is not False  # null only where the glossary allows unknown
    if var.type == "string" and var.values:
        listed = [*var.values, None] if nullable else [*var.values]
        decomposed = [d for v in var.values if (d := unicodedata.normalize("NFD", v)) != v]
        if not decomposed:
            schema["enum"] = listed
            return schema
        schema["anyOf"] = [{"enum": listed}, {  # the API puts text in NFC (docs/serve.md)
            "enum": decomposed, "description": "the same values with their accented letters "
            "decomposed (Unicode NFD, as macOS may type them)"}]
        return schema
    schema["type"] = [json_type, "null"] if nullable else json_type
    if var.type == "date":
        schema["format"] = "date"
        schema["pattern"] = r"^\d{4}-\d{2}-\d{2}$"
        if var.allowed is not None and not var.allowed.any:
            schema["description"] = (schema.get("description", "") +
                                     f" Allowed: {var.allowed.text}").strip()
        return schema
    if var.type in ("number", "integer") and var.allowed is not None and not var.allowed.any:
        schema.update(_numeric(var.allowed))
    if var.type == "integer":  # past 2**53 whole numbers are not exact, and are refused
        schema.setdefault("minimum", -EXACT)
        schema.setdefault("maximum", EXACT)
    return schema


def _numeric(test: Any) -> dict[str, Any]:
    """An allowed-values test (`>= 1`, `[0..120]`, `1, 3, [5..9]`, `not(0)`) as keywords."""
    parts = [{"const": p} for p in test.ordered_points]
    parts += [_interval(iv) for iv in test.intervals]
    if not parts:
        return {}
    if test.negated:  # numeric keywords let null through, so `not` would refuse it: say null
        return {"anyOf": [{"type": "null"}, {"not": {"anyOf": parts}}]}
    if len(parts) == 1 and "const" not in parts[0]:
        return parts[0]  # bounds alone, which null passes as it should
    return {"anyOf": [{"type": "null"}, *parts]}


def outputs_schema(model: Model, decision: str) -> dict[str, Any]:
    """The `outputs` of an answer of `decision`, typed from the glossary (a list for R, O, C)."""
    table = model.tables[decision]
    props = {}
    for name in table.output_names:
        one = variable_schema(model.variables[name])
        if table.hit_policy in ("R", "O", "C"):
            one = {"title": one.get("title"), "type": "array",
                   "items": {k: v for k, v in one.items() if k != "title"}}
        props[name] = one
    return {"type": "object", "properties": props, "required": list(table.output_names),
            "additionalProperties": False}


def _interval(iv: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if iv.lo is not None:
        out["minimum" if iv.lo_closed else "exclusiveMinimum"] = iv.lo
    if iv.hi is not None:
        out["maximum" if iv.hi_closed else "exclusiveMaximum"] = iv.hi
    return out


# -- request and response models (for OpenAPI and for checking our own answers) ---------------
class Provenance(BaseModel):
    """Which guideline gave the answer: its About version and status, and its file's hash."""

    version: str | None
    status: str | None
    sha256: str = Field(description="SHA-256 of the workbook file's bytes, hex")


Kind = Literal["MissingInput", "InvalidInput", "NoRuleMatched", "ConflictingRules",
               "MalformedRequest", "UnsupportedMediaType", "PayloadTooLarge", "UnknownDecision",
               "UnknownService", "NotFound", "MethodNotAllowed", "NoGuideline",
               "VersionConflict", "Unauthorized", "Forbidden", "PrefetchMissing", "BadRequest",
               "InternalError"]


class ErrorItem(BaseModel):
    kind: Kind
    message: str
    variable: str | None = None
    constraint: str | None = Field(None, description="the id of the constraint the case lies "
                                                     "inside (Begrensninger / Constraints)")
    variables: list[str] | None = None


class ErrorBody(ErrorItem):
    """The first problem; `errors` lists every problem of the case (a 422), the first too."""

    errors: list[ErrorItem] | None = None


class ErrorResponse(BaseModel):
    error: ErrorItem
    errors: list[ErrorItem] | None = Field(None, description="every problem of the case")


class Step(BaseModel):
    decision: str
    inputs: dict[str, Any]
    matched: list[str]
    rules: list[str]
    cells: list[str] = Field(description="the id cells of the deciding rules, Sheet!A7")
    outputs: dict[str, Any]
    default: bool


class Paragraph(BaseModel):
    id: str
    text: str | None = Field(description="verbatim, from the guideline text beside the workbook")
    english: str | None = None
    rules: list[str] = Field(description="decision:rule that cite it")


class OpenQuestion(BaseModel):
    """The shape `guideline eval --format json` gives too (`explain.questions_json`)."""

    id: str
    text: str
    reading: str = Field(description="the reading followed until the committee answers")
    paragraphs: list[str]
    rules: list[str] = Field(description="decision:rule: the deciding rules of this answer "
                                         "the question is tied to")
    cell: str = Field(description="where the committee wrote it, Sheet!A7")


class EvaluateResponse(BaseModel):
    decision: str
    outputs: dict[str, Any]
    rules: list[str]
    trace: list[Step]
    explanation: str
    guideline: Provenance
    warnings: list[str] = []
    paragraphs: list[Paragraph] = []
    questions: list[OpenQuestion] = []


class BatchItem(BaseModel):
    decision: str | None = None
    outputs: dict[str, Any] | None = None
    rules: list[str] | None = None
    error: ErrorItem | None = None
    errors: list[ErrorItem] | None = None


class BatchResponse(BaseModel):
    guideline: Provenance
    results: list[BatchItem]
    warnings: list[str] = []


class Check(BaseModel):
    errors: int
    warnings: int
    tests_passed: int
    tests_failed: int
    stale: bool
    reason: str | None = None
    findings: list[dict[str, Any]] = []
    failures: list[str] = []


class DecisionInfo(BaseModel):
    name: str
    title: str
    hit_policy: str
    inputs: list[dict[str, Any]]
    outputs: list[dict[str, Any]]


class GuidelineInfo(BaseModel):
    title: str | None
    version: str | None
    status: str | None
    date: str | None
    sha256: str
    decisions: list[str]
    check: Check
