"""Who may call the CDS services: the JWT suite (CDS Hooks 2.0 "Trusting CDS Clients"), the
loopback rule without `--jwks`, and CORS for listed origins. Keys are made here."""

from __future__ import annotations

import base64
import json
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fhir_workbooks import write_fhir

from engine.core.errors import UsageError
from engine.serve.app import create_app
from engine.serve.cds import CdsOptions
from engine.serve.cds_auth import Trust, read_trust
from engine.serve.state import Guideline

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ISSUER = "https://ehr.example.org"
URL = "http://testserver/cds-services/advice"
BODY = {"hook": "patient-view", "hookInstance": "h1", "context": {"patientId": "p1"},
        "prefetch": {"conditions": {"resourceType": "Bundle", "entry": []},
                     "questionnaire": {"resourceType": "Bundle", "entry": []}}}


def jwks(*keys: tuple[Any, str]) -> dict[str, Any]:
    out = []
    for key, kid in keys:
        if isinstance(key, rsa.RSAPrivateKey):
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        else:
            jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
        out.append(jwk | {"kid": kid})
    return {"keys": out}


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    return {"rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "ec": ec.generate_private_key(ec.SECP256R1()),
            "stranger": rsa.generate_private_key(public_exponent=65537, key_size=2048)}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, keys: dict[str, Any]) -> TestClient:
    folder = tmp_path_factory.mktemp("auth")
    path = write_fhir(folder / "advice.xlsx")
    (folder / "ehr.jwks").write_text(json.dumps(jwks((keys["rsa"], "k1"), (keys["ec"], "k2"))))
    holder = Guideline(str(path))
    holder.reload()
    trust = Trust(read_trust([f"{ISSUER}={folder / 'ehr.jwks'}"]))
    app = create_app(holder, cds=CdsOptions(trust), cors=("https://ehr.example.org",))
    return TestClient(app)


def token(key: Any, kid: str = "k1", alg: str = "RS256", **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "sub": "ehr-client", "aud": URL, "iat": now, "exp": now + 300,
            "jti": str(uuid.uuid4())} | claims
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, key, algorithm=alg, headers={"kid": kid})


def call(client: TestClient, bearer: str | None, path: str = "/cds-services/advice") -> Any:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer is not None else {}
    return client.post(path, json=BODY, headers=headers)


def unsigned(**claims: Any) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    now = int(time.time())
    body = {"iss": ISSUER, "sub": "s", "aud": URL, "iat": now, "exp": now + 300,
            "jti": str(uuid.uuid4())} | claims
    return f"{part({'alg': 'none', 'typ': 'JWT', 'kid': 'k1'})}.{part(body)}."


def test_a_valid_token_is_answered(client: TestClient, keys: dict[str, Any]) -> None:
    assert call(client, token(keys["rsa"])).status_code == 200
    assert call(client, token(keys["ec"], kid="k2", alg="ES256")).status_code == 200


def test_feedback_needs_a_token_too(client: TestClient, keys: dict[str, Any]) -> None:
    path = "/cds-services/advice/feedback"
    body = {"feedback": []}
    assert client.post(path, json=body).status_code == 401
    bearer = token(keys["rsa"], aud=URL + "/feedback")
    assert client.post(path, json=body,
                       headers={"Authorization": f"Bearer {bearer}"}).status_code == 200


@pytest.mark.parametrize("case", [
    "none", "not a jwt", "untrusted key", "unknown kid", "untrusted issuer", "wrong aud",
    "aud of another service", "expired", "no exp", "no iat", "no jti", "no sub",
    "valid for a day", "alg none", "hmac with the public key", "replayed"])
def test_the_jwt_suite_is_401(client: TestClient, keys: dict[str, Any], case: str) -> None:
    now = int(time.time())
    bearer: str | None
    if case == "none":
        bearer = None
    elif case == "not a jwt":
        bearer = "abc.def"
    elif case == "untrusted key":
        bearer = token(keys["stranger"])
    elif case == "unknown kid":
        bearer = token(keys["rsa"], kid="k9")
    elif case == "untrusted issuer":
        bearer = token(keys["rsa"], iss="https://other.example.org")
    elif case == "wrong aud":
        bearer = token(keys["rsa"], aud="http://testserver/cds-services")
    elif case == "aud of another service":
        bearer = token(keys["rsa"], aud="http://testserver/cds-services/other")
    elif case == "expired":
        bearer = token(keys["rsa"], iat=now - 900, exp=now - 600)
    elif case in ("no exp", "no iat", "no jti", "no sub"):
        bearer = token(keys["rsa"], **{case[3:]: None})
    elif case == "valid for a day":
        bearer = token(keys["rsa"], exp=now + 86400)
    elif case == "alg none":
        bearer = unsigned()
    elif case == "hmac with the public key":  # the classic algorithm confusion
        public = jwks((keys["rsa"], "k1"))["keys"][0]["n"]
        bearer = jwt.encode({"iss": ISSUER, "sub": "s", "aud": URL, "iat": now,
                             "exp": now + 300, "jti": str(uuid.uuid4())}, public,
                            algorithm="HS256", headers={"kid": "k1"})
    else:
        bearer = token(keys["rsa"])
        assert call(client, bearer).status_code == 200
    answer = call(client, bearer)
    assert answer.status_code == 401, (case, answer.text)
    assert answer.json()["error"]["kind"] == "Unauthorized"


def test_discovery_is_open_to_the_ehr_without_a_token(client: TestClient) -> None:
    assert client.get("/cds-services").status_code == 200


def test_cors_preflight_and_post_for_a_listed_origin(client: TestClient,
                                                     keys: dict[str, Any]) -> None:
    origin = "https://ehr.example.org"
    for path in ("/cds-services", "/cds-services/advice", "/decisions/advice/evaluate"):
        pre = client.options(path, headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"})
        assert pre.status_code == 200, path
        assert pre.headers["access-control-allow-origin"] == origin
        assert "authorization" in pre.headers["access-control-allow-headers"].lower()
    posted = client.post("/cds-services/advice", json=BODY, headers={
        "Origin": origin, "Authorization": f"Bearer {token(keys['rsa'])}"})
    assert posted.status_code == 200
    assert posted.headers["access-control-allow-origin"] == origin
    listed = client.get("/cds-services", headers={"Origin": origin})
    assert listed.headers["access-control-allow-origin"] == origin


def test_cors_refuses_an_origin_not_listed(client: TestClient) -> None:
    pre = client.options("/cds-services/advice", headers={
        "Origin": "https://evil.example.org", "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 400
    got = client.get("/cds-services", headers={"Origin": "https://evil.example.org"})
    assert "access-control-allow-origin" not in got.headers


def test_without_jwks_only_loopback_is_answered(tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    holder = Guideline(str(write_fhir(tmp_path / "advice.xlsx")))
    holder.reload()
    with caplog.at_level("WARNING", logger="engine.serve.cds"):
        app = create_app(holder, cds=CdsOptions())
    assert "only on loopback" in caplog.text
    far = TestClient(app, client=("192.0.2.7", 4000))
    assert far.post("/cds-services/advice", json=BODY).status_code == 403
    near = TestClient(app, client=("127.0.0.1", 4000))
    assert near.post("/cds-services/advice", json=BODY).status_code == 200
    assert TestClient(app, client=("::1", 4000)).post(
        "/cds-services/advice", json=BODY).status_code == 200


def test_a_jwks_file_that_is_not_one_stops_the_start(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jwks"
    bad.write_text("{}")
    with pytest.raises(UsageError):
        read_trust([f"{ISSUER}={bad}"])
    with pytest.raises(UsageError):
        read_trust(["no-equals-sign"])


def test_the_command_refuses_cds_options_without_cds_hooks_and_a_bad_jwks(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from engine.cli.main import main
    path = write_fhir(tmp_path / "advice.xlsx")
    assert main(["serve", str(path), "--jwks", f"{ISSUER}={tmp_path / 'x.jwks'}"]) == 2
    assert "--cds-hooks" in capsys.readouterr().err
    bad = tmp_path / "bad.jwks"
    bad.write_text("not json")
    assert main(["serve", str(path), "--cds-hooks", "--jwks", f"{ISSUER}={bad}"]) == 2
    assert "JWK Set" in capsys.readouterr().err
