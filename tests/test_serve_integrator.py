"""What an integrator asked of the JSON API (issue 23, item 5): the paragraphs and open
questions behind every answer, every problem of a case in one 422 with the constraint's id,
a version to pin (ETag, If-Match, ?version=) that fails with 409 after a reload, X-Request-ID,
Accept-Language, and an OpenAPI document with `kind` as an enum and typed outputs."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from engine.serve.app import create_app
from engine.serve.state import Guideline

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
CASE: dict[str, Any] = json.loads((ROOT / "docs" / "example-case.json").read_text())
ONE = "/decisions/bisphosphonate/evaluate"


@pytest.fixture()
def served(tmp_path: Path) -> tuple[TestClient, Guideline, Path]:
    path = tmp_path / "nbcg.xlsx"
    shutil.copy(NBCG, path)
    shutil.copy(NBCG.with_suffix(".paragraphs.md"), tmp_path / "nbcg.paragraphs.md")
    holder = Guideline(str(path))
    holder.reload()
    return TestClient(create_app(holder)), holder, path


def test_an_answer_carries_its_paragraphs_and_open_questions(served: Any) -> None:
    client, _holder, _path = served
    body = client.post(ONE, json=CASE).json()
    assert body["outputs"]["recommendation"] == "observe"  # the old fields are all there
    ids = [p["id"] for p in body["paragraphs"]]
    assert "N1" in ids and "N2" in ids
    n1 = next(p for p in body["paragraphs"] if p["id"] == "N1")
    assert n1["text"].startswith("Pasienter som starter kjemoterapi")
    assert "bisphosphonate:B3" in n1["rules"]
    assert any("bisphosphonate:B3" in q["rules"] for q in body["questions"])
    assert all(q["text"] for q in body["questions"])


def test_every_problem_of_a_case_in_one_422(served: Any) -> None:
    client, _holder, _path = served
    bad = {k: v for k, v in CASE.items() if k != "therapy"} | {
        "response": "XX", "uncontrolled_pain": None, "foo": 1}
    answer = client.post(ONE, json=bad)
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"]["kind"] == "InvalidInput"  # the first, as before
    found = {(e["kind"], e.get("variable")) for e in body["errors"]}
    assert found == {("InvalidInput", "foo"), ("MissingInput", "therapy"),
                     ("InvalidInput", "response"), ("InvalidInput", "uncontrolled_pain")}


def test_a_constraint_refusal_names_the_constraint(served: Any) -> None:
    client, _holder, _path = served
    case = CASE | {"therapy": "endocrine", "chemotherapy_line": 2,
                   "hormone_receptor_status": "positive", "endocrine_sensitive": True,
                   "endocrine_failure": False}
    body = client.post(ONE, json=case).json()
    assert body["error"]["constraint"] == "C1"
    assert body["error"]["variable"] == "therapy"
    assert body["errors"][0]["constraint"] == "C1"


def test_etag_and_a_pinned_version_fail_with_409_after_a_reload(served: Any) -> None:
    client, holder, path = served
    first = client.post(ONE, json=CASE)
    sha = holder.current.sha256
    assert first.headers["etag"] == f'"{sha}"'
    assert client.post(ONE, json=CASE, headers={"If-Match": f'"{sha}"'}).status_code == 200
    assert client.post(f"{ONE}?version={sha}", json=CASE).status_code == 200
    book = openpyxl.load_workbook(path)  # a save: the version changes
    book["Om"]["B2"] = "0.1.1"
    book.save(path)
    assert holder.reload()
    for answer in (client.post(ONE, json=CASE, headers={"If-Match": f'"{sha}"'}),
                   client.post(f"{ONE}?version={sha}", json=CASE),
                   client.get(f"/guideline?version={sha}")):
        assert answer.status_code == 409
        assert answer.json()["error"]["kind"] == "VersionConflict"
        assert answer.headers["etag"] == f'"{holder.current.sha256}"'
    assert client.post(ONE, json=CASE, headers={"If-Match": "*"}).status_code == 200


def test_x_request_id_is_echoed_or_made_and_logged(served: Any,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    client, _holder, _path = served
    assert client.post(ONE, json=CASE, headers={"X-Request-ID": "ehr-42"}).headers[
        "x-request-id"] == "ehr-42"
    made = client.get("/health").headers["x-request-id"]
    assert len(made) == 32
    odd = client.get("/health", headers={"X-Request-ID": "a b\tc"}).headers["x-request-id"]
    assert odd != "a b\tc"
    with caplog.at_level("INFO", logger="engine.serve"):
        client.post(ONE, json={}, headers={"X-Request-ID": "ehr-43"})
    assert "ehr-43" in caplog.text and "422" in caplog.text


def test_accept_language_chooses_the_language_of_the_messages(served: Any) -> None:
    client, _holder, _path = served
    bad = {k: v for k, v in CASE.items() if k != "therapy"}
    nb = client.post(ONE, json=bad, headers={"Accept-Language": "nb-NO,nb;q=0.9,en;q=0.5"})
    en = client.post(ONE, json=bad, headers={"Accept-Language": "en-GB, nb;q=0.1"})
    assert "mangler therapy" in nb.json()["error"]["message"]
    assert "lacks therapy" in en.json()["error"]["message"]
    assert nb.json()["error"]["kind"] == en.json()["error"]["kind"] == "MissingInput"
    answer = client.post(ONE, json=CASE, headers={"Accept-Language": "nb"}).json()
    assert "Beslutning" in answer["explanation"]


def test_openapi_has_kind_as_an_enum_and_typed_outputs(served: Any) -> None:
    client, _holder, _path = served
    doc = client.get("/openapi.json").json()
    parts = doc["components"]["schemas"]
    assert "MissingInput" in parts["ErrorItem"]["properties"]["kind"]["enum"]
    typed = parts["EvaluateResponse_bisphosphonate"]["properties"]["outputs"]
    assert "observe" in typed["properties"]["recommendation"]["enum"]
    assert set(typed["required"]) == {"recommendation", "observation_period", "strength",
                                      "treatment_duration"}
    path = doc["paths"]["/decisions/bisphosphonate/evaluate"]["post"]
    assert path["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "EvaluateResponse_bisphosphonate")
    assert "409" in path["responses"]
