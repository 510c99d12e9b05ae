"""The HTTP API as an integrator meets it: the README case, the schema, errors, batches, OpenAPI.

Everything goes through the ASGI app in process (FastAPI's TestClient); the served workbook is
a copy in tmp_path, so nothing here can touch tables/.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import warnings
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import engine
from engine.serve import schemas
from engine.serve.app import create_app
from engine.serve.state import Guideline

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx as the test transport
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
CASE: dict[str, Any] = json.loads((ROOT / "docs" / "example-case.json").read_text())
EVALUATE = "/decisions/bisphosphonate/evaluate"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> tuple[TestClient, Path]:
    path = tmp_path_factory.mktemp("serve") / "nbcg.xlsx"
    shutil.copy(NBCG, path)
    holder = Guideline(str(path))
    holder.reload()
    return TestClient(create_app(holder)), path


@pytest.fixture(scope="module")
def client(served: tuple[TestClient, Path]) -> TestClient:
    return served[0]


def test_the_readme_case_answers_observe_by_b3_with_the_files_hash(
        served: tuple[TestClient, Path]) -> None:
    client, path = served
    r = client.post(EVALUATE, json=CASE)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["decision"] == "bisphosphonate"
    assert body["outputs"]["recommendation"] == "observe"
    assert body["rules"] == ["B3"]
    assert body["guideline"] == {"version": "0.1", "status": "draft",
                                 "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    assert [s["decision"] for s in body["trace"]] == ["pathway", "bisphosphonate"]
    assert body["trace"][1]["cells"] == ["Bisfosfonat!A6"]
    assert "B3" in body["explanation"] and "N1" in body["explanation"]
    assert any("draft" in w for w in body["warnings"])
    schemas.EvaluateResponse.model_validate(body)  # the documented shape is the real one


def test_the_answer_is_the_librarys_answer(client: TestClient) -> None:
    model = engine.load(str(NBCG))
    for case in model.tests:
        given = {k: v for k, v in case.inputs.items()}
        needed = schemas.needed_inputs(model, "bisphosphonate")
        body = {n: given.get(n) for n in needed}
        r = client.post(EVALUATE, json=body)
        try:
            expected = model.evaluate(body, "bisphosphonate")
        except engine.CaseError as exc:
            assert r.status_code == 422 and r.json()["error"]["message"] == str(exc)
            continue
        assert r.status_code == 200
        assert r.json()["outputs"] == dict(expected.outputs)
        assert r.json()["rules"] == list(expected.rules)


def test_the_schema_validates_the_case_and_rejects_a_misspelt_value(client: TestClient) -> None:
    r = client.get("/decisions/bisphosphonate/schema")
    assert r.status_code == 200
    schema = r.json()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    validator.validate(CASE)
    misspelt = {**CASE, "hormone_receptor_status": "negativ"}
    errors = list(validator.iter_errors(misspelt))
    assert [list(e.path) for e in errors] == [["hormone_receptor_status"]]
    assert set(schema["required"]) == set(CASE)
    assert schema["properties"]["chemotherapy_line"]["minimum"] == 1
    # null only where the glossary allows unknown: response must be given, the line may not be
    assert schema["properties"]["response"]["enum"] == ["not_evaluated", "CR", "PR", "SD", "PD"]
    assert schema["properties"]["chemotherapy_line"]["type"] == ["integer", "null"]


CANDIDATES: list[Any] = [None, True, False, 0, 1, 2, 1.5, -1, "negative", "negativ", "CR", "cr",
                         "chemotherapy", "other", [], {}, "1", 1e300]


@pytest.mark.parametrize("decision", ["bisphosphonate", "continuation", "pathway"])
def test_schema_and_engine_agree_on_every_value_of_every_input(client: TestClient,
                                                              decision: str) -> None:
    """For each input, each candidate value: the schema accepts it exactly when the API does
    not refuse it as InvalidInput (any other answer or error is about rules, not values)."""
    validator = jsonschema.Draft202012Validator(client.get(f"/decisions/{decision}/schema").json())
    model = engine.load(str(NBCG))
    base = {n: None for n in schemas.needed_inputs(model, decision)}
    for name in base:
        for value in CANDIDATES:
            case = {**base, name: value}
            r = client.post(f"/decisions/{decision}/evaluate", json=case)
            refused = r.status_code == 422 and r.json()["error"]["kind"] == "InvalidInput"
            assert validator.is_valid(case) is not refused, (name, value, r.json())


@pytest.mark.parametrize(("change", "status", "kind", "variable"), [
    ({"hormone_receptor_status": "negativ"}, 422, "InvalidInput", "hormone_receptor_status"),
    ({"chemotherapy_line": 0}, 422, "InvalidInput", "chemotherapy_line"),
    ({"chemotherapy_line": "1"}, 422, "InvalidInput", "chemotherapy_line"),
    ({"therapies": "chemotherapy"}, 422, "InvalidInput", "therapies"),
    ({"months_on_bisphosphonate": 3}, 422, "InvalidInput", "months_on_bisphosphonate"),
    ({"pathway": "uncontrolled_pain"}, 422, "InvalidInput", "pathway"),
    ({"therapy": "endocrine"}, 422, "InvalidInput", "therapy"),  # constraint C1
])
def test_a_case_error_is_422_with_kind_and_variable(client: TestClient, change: dict[str, Any],
                                                    status: int, kind: str,
                                                    variable: str | None) -> None:
    r = client.post(EVALUATE, json={**CASE, **change})
    assert r.status_code == status
    error = r.json()["error"]
    assert error["kind"] == kind and error.get("variable") == variable and error["message"]


def test_a_missing_input_is_named(client: TestClient) -> None:
    case = {k: v for k, v in CASE.items() if k != "response"}
    r = client.post(EVALUATE, json=case)
    assert r.status_code == 422
    assert r.json()["error"] == {"kind": "MissingInput", "variable": "response",
                                 "message": r.json()["error"]["message"]}
    assert "response" in r.json()["error"]["message"]


@pytest.mark.parametrize(("path", "kwargs", "status", "kind"), [
    (EVALUATE, {"content": b"{not json", "headers": {"content-type": "application/json"}},
     400, "MalformedRequest"),
    (EVALUATE, {"content": b'{"a": NaN}', "headers": {"content-type": "application/json"}},
     400, "MalformedRequest"),
    (EVALUATE, {"content": b'{"response": "CR", "response": "PD"}',
                "headers": {"content-type": "application/json"}}, 400, "MalformedRequest"),
    (EVALUATE, {"content": b"", "headers": {"content-type": "application/json"}},
     400, "MalformedRequest"),
    (EVALUATE, {"content": json.dumps(CASE).encode(), "headers": {"content-type": "text/plain"}},
     415, "UnsupportedMediaType"),
    (EVALUATE, {"json": [CASE]}, 422, "InvalidInput"),
    ("/decisions/bisfosfonat/evaluate", {"json": CASE}, 404, "UnknownDecision"),
    ("/decisions/bisphosphonate/evaluate-batch", {"json": CASE}, 400, "MalformedRequest"),
])
def test_refusals_have_the_error_shape(client: TestClient, path: str, kwargs: dict[str, Any],
                                       status: int, kind: str) -> None:
    r = client.post(path, **kwargs)
    assert r.status_code == status, r.text
    assert r.json()["error"]["kind"] == kind
    schemas.ErrorResponse.model_validate(r.json())


def test_unknown_paths_and_methods_have_the_error_shape(client: TestClient) -> None:
    assert client.get("/nowhere").json()["error"]["kind"] == "NotFound"
    r = client.get(EVALUATE)
    assert r.status_code == 405 and r.json()["error"]["kind"] == "MethodNotAllowed"
    r = client.get("/decisions/nope/schema")
    assert r.status_code == 404 and r.json()["error"]["kind"] == "UnknownDecision"


def test_guideline_decisions_and_health(served: tuple[TestClient, Path]) -> None:
    client, path = served
    assert client.get("/health").status_code == 200
    info = client.get("/guideline").json()
    schemas.GuidelineInfo.model_validate(info)
    assert info["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert info["status"] == "draft" and info["version"] == "0.1"
    assert set(info["decisions"]) == {"pathway", "bisphosphonate", "continuation"}
    assert info["check"]["errors"] == 0 and info["check"]["stale"] is False
    assert info["check"]["tests_failed"] == 0 and info["check"]["tests_passed"] > 0
    decisions = {d["name"]: d for d in client.get("/decisions").json()}
    bis = decisions["bisphosphonate"]
    assert [i["name"] for i in bis["inputs"]] == list(
        client.get("/decisions/bisphosphonate/schema").json()["properties"])
    assert [o["name"] for o in bis["outputs"]][0] == "recommendation"


def test_batch_answers_in_order_as_single_cases_do(client: TestClient) -> None:
    model = engine.load(str(NBCG))
    needed = schemas.needed_inputs(model, "bisphosphonate")
    cases: list[Any] = [{n: t.inputs.get(n) for n in needed} for t in model.tests]
    cases += [{**CASE, "hormone_receptor_status": "negativ"},
              {k: v for k, v in CASE.items() if k != "therapy"},
              {**CASE, "chemotherapy_line": None}, "not a case", {**CASE, "extra": 1}]
    r = client.post("/decisions/bisphosphonate/evaluate-batch", json=cases)
    assert r.status_code == 200
    body = r.json()
    schemas.BatchResponse.model_validate(body)
    assert len(body["results"]) == len(cases)
    for case, got in zip(cases, body["results"]):
        single = client.post(EVALUATE, json=case).json()
        if "error" in single:
            assert got["error"]["kind"] == single["error"]["kind"]
            assert got["error"].get("variable") == single["error"].get("variable")
        else:
            assert got == {"decision": "bisphosphonate", "outputs": single["outputs"],
                           "rules": single["rules"]}
    assert sum("error" in g for g in body["results"]) >= 5


def test_a_batch_has_at_most_10000_cases(client: TestClient) -> None:
    r = client.post("/decisions/bisphosphonate/evaluate-batch", json=[CASE] * 10_001)
    assert r.status_code == 413 and r.json()["error"]["kind"] == "PayloadTooLarge"
    r = client.post("/decisions/bisphosphonate/evaluate-batch", json=[CASE] * 10_000)
    assert r.status_code == 200
    assert {tuple(x["rules"]) for x in r.json()["results"]} == {("B3",)}


def test_openapi_carries_each_decisions_case_schema(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    case = doc["components"]["schemas"]["Case_bisphosphonate"]
    jsonschema.Draft202012Validator(case).validate(CASE)
    body = doc["paths"]["/decisions/bisphosphonate/evaluate"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Case_bisphosphonate"}
    assert "/decisions/{name}/evaluate-batch" in doc["paths"]
    assert client.get("/docs").status_code == 404  # the docs page would load a CDN's scripts


def test_null_is_allowed_exactly_where_the_glossary_allows_unknown() -> None:
    model = engine.load(str(NBCG))
    for decision in model.tables:
        schema = schemas.case_schema(model, decision)
        validator = jsonschema.Draft202012Validator(schema)
        for name in schema["required"]:
            nullable = model.variables[name].unknown is not False
            null_ok = not any(list(e.path) == [name] for e in
                              validator.iter_errors({n: None for n in schema["required"]}))
            assert null_ok == nullable, (decision, name)
        assert not validator.is_valid({n: None for n in schema["required"][1:]}), decision
        assert not validator.is_valid({**{n: None for n in schema["required"]}, "x": 1})


def test_the_page_works_without_script_and_links_the_report(client: TestClient) -> None:
    page = client.get("/?decision=bisphosphonate")
    assert page.status_code == 200 and 'href="/report"' in page.text
    assert "script-src 'nonce-" in page.headers["content-security-policy"]
    form = {"skeletal_metastases": "true", "hormone_receptor_status": "negative",
            "therapy": "chemotherapy", "chemotherapy_line": "1",
            "parenchymal_metastases": "true", "osteolytic_metastases": "other",
            "skeletal_symptoms": "false", "uncontrolled_pain": "false",
            "endocrine_sensitive": "null", "response": "not_evaluated",
            "endocrine_failure": "null"}
    answered = client.post("/decisions/bisphosphonate/answer", data=form)
    assert answered.status_code == 200
    assert 'data-rules="B3"' in answered.text and "<html" in answered.text  # a whole page
    missing = client.post("/decisions/bisphosphonate/answer",
                          data={k: v for k, v in form.items() if k != "response"})
    assert 'data-kind="MissingInput"' in missing.text  # an empty field is never a default
    live = client.get("/?part=live&decision=bisphosphonate").text
    assert 'id="status"' in live and 'id="caseform"' in live and "<html" not in live
    report = client.get("/report")
    assert report.status_code == 200 and "Skjelettmetastaser" in report.text
