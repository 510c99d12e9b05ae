"""`Accept-Language` really chooses the language of what `guideline serve` says to a program:
the JSON API's refusals of the request itself (not JSON, no body, wrong type, too large, an
unknown decision, path or method, a version no longer served), a case it refuses, the CDS
services' refusals and the request guard's, in Norwegian for `nb` and in English for `en`,
with the same English `kind` codes in both. And the S-FEEL reader's messages to the committee
are in the catalog too (digits other than 0-9)."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path
from typing import Any

import pytest
from test_serve_guard import answer, connect, serving

from engine.core import i18n
from engine.core.errors import SfeelError
from engine.core.sfeel import parse_unary
from engine.core.text import safe_str
from engine.serve.app import create_app
from engine.serve.cds import CdsOptions
from engine.serve.state import Guideline
from engine.serve.wire import encode

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
CASE: dict[str, Any] = json.loads((ROOT / "docs" / "example-case.json").read_text())
ONE = "/decisions/bisphosphonate/evaluate"
JSON = {"content-type": "application/json"}
CDS = {"hook": "patient-view", "hookInstance": "h1", "context": {"patientId": "p1"}}

# request, then (kind, words only in the English message, words only in the Norwegian one)
REFUSALS: list[tuple[str, str, dict[str, Any], int, str, str, str]] = [
    ("NaN", "POST", {"url": ONE, "content": b'{"age": NaN}', "headers": JSON}, 400,
     "MalformedRequest", "is not JSON", "er ikke JSON"),
    ("no body", "POST", {"url": ONE, "content": b"", "headers": JSON}, 400,
     "MalformedRequest", "has no body", "har ikke noe innhold"),
    ("key twice", "POST", {"url": ONE, "content": b'{"a": 1, "a": 2}', "headers": JSON}, 400,
     "MalformedRequest", "appears twice", "står to ganger"),
    ("not JSON", "POST", {"url": ONE, "content": b"{", "headers": JSON}, 400,
     "MalformedRequest", "is not valid JSON", "er ikke gyldig JSON"),
    ("a list", "POST", {"url": ONE, "json": [CASE]}, 422,
     "InvalidInput", "a case is a JSON object of input names to values, not a list",
     "et tilfelle er et JSON-objekt med inndatanavn og verdier, ikke en liste"),
    ("batch", "POST", {"url": ONE + "-batch", "json": CASE}, 400,
     "MalformedRequest", "a batch is a JSON list of cases, not an object",
     "en bunke er en JSON-liste med tilfeller, ikke et objekt"),
    ("type", "POST", {"url": ONE, "content": b"{}", "headers": {"content-type": "text/plain"}},
     415, "UnsupportedMediaType", "send application/json, not text/plain",
     "send application/json, ikke text/plain"),
    ("size", "POST", {"url": ONE, "content": b" " * 70_000, "headers": JSON}, 413,
     "PayloadTooLarge", "is larger than", "er større enn"),
    ("decision", "POST", {"url": "/decisions/bisfosfonat/evaluate", "json": CASE}, 404,
     "UnknownDecision", "there is no decision", "det finnes ingen beslutning"),
    ("schema", "GET", {"url": "/decisions/nope/schema"}, 404,
     "UnknownDecision", "the decisions are", "beslutningene er"),
    ("path", "GET", {"url": "/nowhere"}, 404, "NotFound", "there is nothing at /nowhere",
     "det finnes ingenting på /nowhere"),
    ("method", "GET", {"url": ONE}, 405, "MethodNotAllowed", "it answers POST",
     "den svarer på POST"),
    ("method, FastAPI", "DELETE", {"url": "/guideline"}, 405, "MethodNotAllowed",
     "does not answer this method", "svarer ikke på denne metoden"),
    ("version", "GET", {"url": "/decisions?version=0000"}, 409, "VersionConflict",
     "is not served", "serveres ikke"),
    ("missing", "POST", {"url": ONE, "json": {k: v for k, v in CASE.items() if k != "therapy"}},
     422, "MissingInput", "lacks therapy", "mangler therapy"),
    ("CDS hook", "POST", {"url": "/cds-services/bisphosphonate", "json": {**CDS, "hook": "x"}},
     400, "MalformedRequest", "this service answers the patient-view hook",
     "denne tjenesten svarer på hooken patient-view"),
    ("CDS prefetch", "POST", {"url": "/cds-services/bisphosphonate", "json": CDS}, 412,
     "PrefetchMissing", "the prefetch lacks", "forhåndshentingen mangler"),
    ("CDS service", "POST", {"url": "/cds-services/pathway", "json": CDS}, 404,
     "UnknownService", "there is no CDS service", "det finnes ingen CDS-tjeneste"),
    ("CDS feedback", "POST", {"url": "/cds-services/bisphosphonate/feedback",
                              "json": {"feedback": 1}}, 400,
     "MalformedRequest", "feedback is a list of objects", "feedback er en liste med objekter"),
]


@pytest.fixture(scope="module")
def holder(tmp_path_factory: pytest.TempPathFactory) -> Guideline:
    folder = tmp_path_factory.mktemp("language")
    shutil.copy(NBCG, folder / "nbcg.xlsx")
    got = Guideline(str(folder / "nbcg.xlsx"))
    got.reload()
    return got


@pytest.fixture(scope="module")
def client(holder: Guideline) -> TestClient:
    return TestClient(create_app(holder, cds=CdsOptions()), client=("127.0.0.1", 50000))


@pytest.mark.parametrize(("label", "method", "request_", "status", "kind", "en", "nb"),
                         REFUSALS, ids=[r[0] for r in REFUSALS])
def test_every_refusal_speaks_the_language_asked_for(
        client: TestClient, label: str, method: str, request_: dict[str, Any], status: int,
        kind: str, en: str, nb: str) -> None:
    said = {}
    for lang in ("nb", "en"):
        headers = {**request_.get("headers", {}), "Accept-Language": lang}
        got = client.request(method, **{**request_, "headers": headers})
        assert got.status_code == status, got.text
        assert got.json()["error"]["kind"] == kind  # codes stay English
        said[lang] = got.json()["error"]["message"]
    assert en in said["en"] and nb not in said["en"], said
    assert nb in said["nb"] and en not in said["nb"], said


def test_the_cds_discovery_is_in_each_callers_language(client: TestClient) -> None:
    """It is made once per version and language: the first caller's language is not kept."""
    first = client.get("/cds-services", headers={"Accept-Language": "nb"}).json()
    then = client.get("/cds-services", headers={"Accept-Language": "en"}).json()
    assert "the recommendation of" in then["services"][0]["description"]
    assert "the recommendation of" not in first["services"][0]["description"]


def test_a_cds_refusal_from_another_machine_in_both_languages(holder: Guideline) -> None:
    remote = TestClient(create_app(holder, cds=CdsOptions()), client=("192.0.2.7", 50000))
    said = {lang: remote.post("/cds-services/bisphosphonate", json=CDS,
                              headers={"Accept-Language": lang}).json()["error"]
            for lang in ("nb", "en")}
    assert said["en"]["kind"] == said["nb"]["kind"] == "Forbidden"
    assert "answer only on this machine" in said["en"]["message"]
    assert "svarer bare på denne maskinen" in said["nb"]["message"]


def test_the_guards_timeout_speaks_the_requests_language(holder: Guideline) -> None:
    """A body that never ends is refused by the guard, before the app: in the language its
    headers asked for."""
    said = {}
    with serving(holder, body_timeout=0.3) as port:
        for lang in ("nb", "en"):
            with connect(port, (f"POST {ONE} HTTP/1.1\r\nHost: x\r\nAccept-Language: {lang}\r\n"
                                "Content-Type: application/json\r\nContent-Length: 400\r\n\r\n"
                                '{"a"').encode()) as s:
                status, _headers, body = answer(s)
                assert status == 408
                said[lang] = json.loads(body)["error"]["message"]
    assert "did not arrive" in said["en"] and "kom ikke innen" in said["nb"]


def test_foreign_digits_are_refused_in_the_committees_language() -> None:
    for lang, words, hint in (("nb", "andre sifre enn 0-9", "skriv tall og datoer"),
                              ("en", "digits other than 0-9", "type numbers and dates")):
        with i18n.speaking(lang), pytest.raises(SfeelError) as refused:
            parse_unary("< ٥0", numeric=True)
        assert words in refused.value.describe() and hint in refused.value.describe()


def test_sfeel_hints_are_in_the_committees_language() -> None:
    with i18n.speaking("nb"), pytest.raises(SfeelError) as refused:
        parse_unary("[1.5]", numeric=True)
    assert "f.eks. [12..24]" in refused.value.describe()


def test_a_message_kept_as_a_constant_is_translated_when_sent() -> None:
    """NaN in an answer is refused with a message kept as a module constant: it must come in
    the language of the request that is answered, not the one installed at import."""
    said = {}
    for lang in ("nb", "en"):
        token = i18n.for_request(lang)
        try:
            status, data = encode(200, {"x": float("nan")})
        finally:
            i18n.end_request(token)
        assert status == 500
        said[lang] = json.loads(data)["error"]["message"]
    assert "cannot carry" in said["en"] and "ikke kan bære" in said["nb"]


def test_a_long_key_is_cut_in_the_language_asked_for(client: TestClient) -> None:
    """The count after a quoted cut is words too: `… (300 tegn)` in Norwegian."""
    said = {lang: client.post(ONE, json={**CASE, "x" * 300: 1},
                              headers={"Accept-Language": lang}).json()["error"]["message"]
            for lang in ("nb", "en")}
    assert "… (300 characters)" in said["en"] and "… (300 tegn)" in said["nb"]
    with i18n.speaking("nb"):
        # the number grouped as Norwegian writes it, with a no-break space
        assert safe_str(10**5000) == "et heltall med omtrent 5\u00a0000 sifre"
