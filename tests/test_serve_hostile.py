"""Hostile requests get a 4xx with the error shape, never a 500 and never a traceback."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

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
MANY = "/decisions/bisphosphonate/evaluate-batch"
FORM = "/decisions/bisphosphonate/answer"
JSON = "application/json"


@pytest.fixture(scope="module")
def client() -> TestClient:
    holder = Guideline(str(NBCG))
    holder.reload()
    return TestClient(create_app(holder), raise_server_exceptions=False)


HOSTILE: list[tuple[str, str, bytes, str, int]] = [
    ("truncated JSON", ONE, b'{"skeletal_metastases": tru', JSON, 400),
    ("not UTF-8", ONE, b'{"a": "\xff\xfe"}', JSON, 400),
    ("NaN", ONE, b'{"chemotherapy_line": NaN}', JSON, 400),
    ("Infinity", ONE, b'{"chemotherapy_line": -Infinity}', JSON, 400),
    ("duplicate key", ONE, b'{"response": "CR", "response": "PD"}', JSON, 400),
    ("10 MB case", ONE, b'{"x": "' + b"a" * (10 * 1024 * 1024) + b'"}', JSON, 413),
    ("10 MB batch", MANY, b"[" + b"{}," * 3_500_000 + b"{}]", JSON, 413),
    ("5,000-digit integer", ONE, json.dumps(CASE).replace(
        '"chemotherapy_line": 1', '"chemotherapy_line": ' + "9" * 5000).encode(), JSON, 400),
    ("deep arrays", ONE, b"[" * 30_000 + b"]" * 30_000, JSON, 400),
    ("deep objects", ONE, b'{"a":' * 6_000 + b"1" + b"}" * 6_000, JSON, 400),
    ("deep batch", MANY, b"[" * 30_000 + b"]" * 30_000, JSON, 400),
    ("deep value the parser still reads", ONE, json.dumps(CASE).replace(
        '"therapy": "chemotherapy"', '"therapy": ' + "[" * 900 + "]" * 900).encode(), JSON, 400),
    ("moderately deep value", ONE, json.dumps({**CASE, "therapy": [[[[["x"]]]]]}).encode(),
     JSON, 422),
    ("text/plain", ONE, json.dumps(CASE).encode(), "text/plain", 415),
    ("form to the API", ONE, b"therapy=chemotherapy", "application/x-www-form-urlencoded", 415),
    ("JSON to the form", FORM, json.dumps(CASE).encode(), JSON, 415),
    ("multipart", ONE, b"--x\r\n\r\n--x--", "multipart/form-data; boundary=x", 415),
    ("a list", ONE, b"[1, 2]", JSON, 422),
    ("null", ONE, b"null", JSON, 422),
    ("an empty body", ONE, b"", JSON, 400),
    ("whitespace", ONE, b"  \n ", JSON, 400),
    ("overflow to infinity", ONE,
     json.dumps(CASE).replace('"chemotherapy_line": 1', '"chemotherapy_line": 1e400').encode(),
     JSON, 422),
    ("a batch of non-cases", MANY, b"[1, null, \"x\", []]", JSON, 200),
    ("a form with a bad number", FORM, b"chemotherapy_line=1%2C5",
     "application/x-www-form-urlencoded", 200),
    ("a form not UTF-8", FORM, b"therapy=%FF%FE", "application/x-www-form-urlencoded", 200),
    ("a huge form", FORM, b"a=1&" * 30_000, "application/x-www-form-urlencoded", 413),
    ("unknown decision", "/decisions/%00/evaluate", json.dumps(CASE).encode(), JSON, 404),
]


@pytest.mark.parametrize(("what", "path", "body", "ctype", "status"), HOSTILE,
                         ids=[h[0] for h in HOSTILE])
def test_hostile_bodies_are_refused_with_the_error_shape(client: TestClient, what: str,
                                                         path: str, body: bytes, ctype: str,
                                                         status: int) -> None:
    r = client.post(path, content=body, headers={"content-type": ctype})
    assert r.status_code == status, r.text[:300]
    if path == FORM and status == 200:  # the page says what is wrong, in the page
        assert 'class="answer error"' in r.text and "Traceback" not in r.text
        return
    body_json = r.json()
    if status == 200:
        assert all("error" in item for item in body_json["results"])
        return
    assert set(body_json) <= {"error", "errors"}  # errors: every problem of a case (422)
    assert body_json["error"]["kind"] and body_json["error"]["message"]
    assert "Traceback" not in r.text


def test_wrong_methods_and_paths(client: TestClient) -> None:
    for method, path in (("GET", ONE), ("PUT", ONE), ("DELETE", "/guideline"),
                         ("GET", "/decisions/bisphosphonate"), ("POST", "/health")):
        r = client.request(method, path)
        assert 400 <= r.status_code < 500
        assert r.json()["error"]["kind"] in ("MethodNotAllowed", "NotFound")


def test_the_page_escapes_what_it_is_sent(client: TestClient) -> None:
    r = client.post(FORM, content=b"therapy=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200
    assert "<script>alert(1)" not in r.text and "&lt;script&gt;" in r.text
    assert "nonce-" in r.headers["content-security-policy"]
