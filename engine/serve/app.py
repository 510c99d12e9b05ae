"""The HTTP face of a guideline: a JSON API for integrators and the committee's page.

Every request takes `holder.current` once and answers from that version, so a reload in the
middle changes nothing for it. Every refusal has the shape `{"error": {kind, message,
variable?}}`; nothing answers with a traceback. Bodies are read by hand, with a size limit and
a strict JSON reader, because that is where hostile input arrives.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp

from ..core.i18n import _
from ..review.report import build_report
from . import schemas
from .answers import RequestProblem, error, evaluate_batch, parse_json
from .cds import CdsOptions, add_cds_routes
from .fast import CASE_LIMIT, JSON_TYPES, FastEvaluate, decision_of, receive_body, served
from .page import answer_view, case_from_form, render_page, status_view
from .refusals import FAILED, NOT_UNDERSTOOD, for_status
from .state import Guideline, Version
from .version import sheet_order
from .watch import Watcher
from .wire import HeadAsGet
from .wire import HTMLReply as HTMLResponse  # never a plain-text 500 from a character
from .wire import JSONReply as JSONResponse  # never NaN or Infinity, never a failed encoding
from .wrap import wrap

log = logging.getLogger("engine.serve")

BATCH_LIMIT = 8 * 1024 * 1024  # 10,000 cases of ~400 bytes, with room
FORM_TYPE = "application/x-www-form-urlencoded"
CSP = ("default-src 'none'; style-src 'nonce-{n}'; script-src 'nonce-{n}'; connect-src 'self'; "
       "form-action 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'")
STATUS_KINDS = {401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
                405: "MethodNotAllowed", 413: "PayloadTooLarge", 415: "UnsupportedMediaType"}


def create_app(holder: Guideline, watch: bool = False, cds: CdsOptions | None = None,
               cors: tuple[str, ...] = ()) -> ASGIApp:
    """The ASGI app serving `holder`; with `watch`, a poller reloads it when the file changes.
    The evaluate endpoint is answered in front of FastAPI (`fast.FastEvaluate`); `cds` adds
    the CDS Hooks services, `cors` the origins browsers may call from (`wrap`)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        watcher = Watcher(holder) if watch else None
        if watcher is not None:
            holder.warm()
            watcher.start()
        try:
            yield
        finally:
            if watcher is not None:
                watcher.stop()
            holder.close()

    app = FastAPI(title="guideline", version="1", lifespan=lifespan, docs_url=None,
                  redoc_url=None)  # the bundled docs pages load scripts from a CDN
    _handlers(app)
    _api(app, holder)
    _page(app, holder)
    if cds is not None:
        add_cds_routes(app, holder, cds)
    app.openapi = lambda: openapi(app, holder)  # type: ignore[method-assign]
    return wrap(HeadAsGet(FastEvaluate(app, holder)), holder, cors)


async def read_body(request: Request, limit: int, types: tuple[str, ...]) -> bytes:
    return await receive_body(request.headers.get("content-type", ""),
                              request.headers.get("content-length", ""), request.stream(),
                              limit, types)


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestProblem)
    async def problem(request: Request, exc: RequestProblem) -> Response:
        return JSONResponse(error(exc.kind, exc.message), status_code=exc.status)

    @app.exception_handler(HTTPException)
    async def http(request: Request, exc: HTTPException) -> Response:
        kind = STATUS_KINDS.get(exc.status_code, "BadRequest")
        headers = getattr(exc, "headers", None)
        message = for_status(exc.status_code, request.url.path, (headers or {}).get("Allow"),
                             str(exc.detail))
        return JSONResponse(error(kind, message), status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return JSONResponse(error("MalformedRequest", _(NOT_UNDERSTOOD)), status_code=400)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:  # a bug: logged, not shown
        log.exception("unexpected error")
        return JSONResponse(error("InternalError", _(FAILED)), status_code=500)


def _api(app: FastAPI, holder: Guideline) -> None:
    errors: dict[int | str, dict[str, Any]] = {
        c: {"model": schemas.ErrorResponse} for c in (400, 404, 409, 413, 415, 422, 503)}

    @app.get("/health")
    async def health() -> Response:
        ok = holder.current is not None
        return JSONResponse({"status": "ok" if ok else "no guideline"},
                            status_code=200 if ok else 503)

    @app.get("/guideline", response_model=schemas.GuidelineInfo, responses=errors)
    async def guideline() -> Response:
        version = served(holder)
        view = status_view(holder)
        stale = holder.stale
        check = {**version.counts(), "stale": stale is not None,
                 "reason": stale.reason if stale else None,
                 "findings": [f.to_dict() for f in view["findings"]] if stale else [],
                 "failures": list(stale.failures) if stale else []}
        about = version.about
        return JSONResponse({"title": about.get("title"), "version": about.get("version"),
                             "status": about.get("status"), "date": about.get("date"),
                             "sha256": version.sha256, "decisions": list(version.model.tables),
                             "check": check}, headers={"Cache-Control": "no-store"})

    @app.get("/decisions", response_model=list[schemas.DecisionInfo], responses=errors)
    async def decisions() -> Response:
        version = served(holder)
        return JSONResponse(version.memo("decisions", lambda: _decisions(version)))

    @app.get("/decisions/{name}/schema", responses=errors)
    async def schema(name: str) -> Response:
        version = served(holder)
        decision = decision_of(version, name)
        return JSONResponse(version.memo(f"schema:{decision}", lambda: schemas.case_schema(
            version.model, decision)), media_type="application/schema+json")

    # One case is answered by fast.FastEvaluate before FastAPI sees it; a batch is a plain
    # Starlette endpoint (it takes the raw body, nothing FastAPI would validate). Both are
    # documented by hand in `openapi`.
    async def evaluate_many(request: Request) -> Response:
        version = served(holder)
        decision = decision_of(version, request.path_params["name"])
        cases = parse_json(await read_body(request, BATCH_LIMIT, JSON_TYPES))
        status, body = await run_in_threadpool(evaluate_batch, version, decision, cases)
        return JSONResponse(body, status_code=status)

    app.add_route("/decisions/{name}/evaluate-batch", evaluate_many, methods=["POST"],
                  include_in_schema=False)


def _operation(summary: str, op_id: str, body: dict[str, Any], answer: str,
               named: bool = True) -> dict[str, Any]:
    """One POST operation of the OpenAPI document, pointing at components/schemas."""
    def ref(name: str) -> dict[str, Any]:
        return {"$ref": f"#/components/schemas/{name}"}

    def content(schema: dict[str, Any]) -> dict[str, Any]:
        return {"content": {"application/json": {"schema": schema}}}

    responses: dict[str, Any] = {"200": {"description": "the answer", **content(ref(answer))}}
    for code, why in ((400, "malformed JSON or body"), (404, "no such decision"),
                      (413, "body or batch too large"), (415, "not application/json"),
                      (409, "the version required by If-Match or ?version= is no longer "
                            "served"),
                      (422, "a case error: MissingInput, InvalidInput, NoRuleMatched, "
                            "ConflictingRules; `errors` lists every problem"),
                      (503, "no good version of the workbook")):
        responses[str(code)] = {"description": why, **content(ref("ErrorResponse"))}
    parameters = [{"name": "name", "in": "path", "required": True,
                   "schema": {"type": "string"}}] if named else []
    return {"summary": summary, "operationId": op_id, "parameters": parameters,
            "requestBody": {"required": True, **content(body)}, "responses": responses}


def _components(parts: dict[str, Any]) -> None:
    for model in (schemas.EvaluateResponse, schemas.BatchResponse, schemas.ErrorResponse):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        parts.update(schema.pop("$defs", {}))
        parts[model.__name__] = schema


def _decisions(version: Version) -> list[dict[str, Any]]:
    model = version.model
    out = []
    for table in model.tables.values():
        needed = schemas.needed_inputs(model, table.name)
        out.append({"name": table.name, "title": table.title, "hit_policy": table.hit_policy,
                    "inputs": [_variable(model, n) for n in needed],
                    "outputs": [_variable(model, n) for n in table.output_names]})
    return out


def _variable(model: Any, name: str) -> dict[str, Any]:
    var = model.variables[name]
    return {"name": name, "type": var.type, "label": var.label,
            "values": list(var.values) if var.type == "string" and var.values else None,
            "allowed": var.allowed.text if var.allowed is not None else None}


def _page(app: FastAPI, holder: Guideline) -> None:
    def html(text: str, nonce: str, status: int = 200) -> Response:
        return HTMLResponse(text, status_code=status, headers={
            "Content-Security-Policy": CSP.format(n=nonce), "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff"})

    @app.get("/", include_in_schema=False)
    async def page(decision: str | None = None, part: str | None = None) -> Response:
        """The page; `part=live` is what its script fetches after a save (status and form)."""
        nonce = secrets.token_urlsafe(16)
        fragment = "live" if part == "live" else None
        return html(render_page(holder, decision, nonce=nonce, fragment=fragment), nonce)

    @app.post("/decisions/{name}/answer", include_in_schema=False)
    async def answer(name: str, request: Request) -> Response:
        version = served(holder)
        decision = decision_of(version, name)
        body = await read_body(request, CASE_LIMIT, (FORM_TYPE,))
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False,
                              max_num_fields=1000)
        except (UnicodeDecodeError, ValueError) as exc:
            raise RequestProblem(400, "MalformedRequest", _(
                "the form cannot be read: {why}").format(why=exc)) from None
        case, problem = case_from_form(version, decision, pairs)
        view = {"error": problem["error"]} if problem else answer_view(version, decision, case)
        values: dict[str, list[str]] = {}
        for key, value in pairs:
            values.setdefault(key, []).append(value)
        nonce = secrets.token_urlsafe(16)
        fragment = "answer" if request.headers.get("x-fragment") == "answer" else None
        return html(render_page(holder, decision, view, values, nonce, fragment), nonce)

    @app.get("/report", include_in_schema=False)
    async def report() -> Response:
        version = served(holder)
        text = await run_in_threadpool(version.memo, "report", lambda: _report(version))
        return HTMLResponse(text, headers={"Cache-Control": "no-store"})


def _report(version: Version) -> str:
    """Built once per version (`memo`), from what was read with the workbook: no file is read
    by a request (a FIFO beside the workbook cannot hang it)."""
    return build_report(version.model, text=(version.paragraphs, version.paragraphs_note),
                        order=sheet_order(version))


def openapi(app: FastAPI, holder: Guideline) -> dict[str, Any]:
    """FastAPI's document plus, per decision, its case schema and a concrete evaluate path."""
    version = holder.current

    def make() -> dict[str, Any]:
        doc = get_openapi(title=app.title, version=app.version, routes=app.routes,
                          description="Evaluate the guideline's decision tables. Every answer "
                                      "names the guideline version and the workbook's sha256.")
        parts = doc.setdefault("components", {}).setdefault("schemas", {})
        _components(parts)
        paths = doc["paths"]
        paths["/decisions/{name}/evaluate"] = {"post": _operation(
            "Evaluate one case", "evaluate", {"type": "object"}, "EvaluateResponse")}
        paths["/decisions/{name}/evaluate-batch"] = {"post": _operation(
            "Evaluate up to 10,000 cases in one call", "evaluate_batch",
            {"type": "array", "maxItems": 10_000, "items": {"type": "object"}},
            "BatchResponse")}
        if version is None:
            return doc
        model = version.model
        for name in model.tables:
            case = {k: v for k, v in schemas.case_schema(model, name).items() if k != "$schema"}
            parts[f"Case_{name}"] = case
            typed = {**parts["EvaluateResponse"]}
            typed["properties"] = {**typed["properties"],
                                   "outputs": schemas.outputs_schema(model, name)}
            parts[f"EvaluateResponse_{name}"] = typed
            paths[f"/decisions/{name}/evaluate"] = {"post": _operation(
                f"Evaluate {name}", f"evaluate_{name}",
                {"$ref": f"#/components/schemas/Case_{name}"}, f"EvaluateResponse_{name}",
                named=False)}
        return doc

    if version is None:
        return make()
    result: dict[str, Any] = version.memo("openapi", make)
    return result
