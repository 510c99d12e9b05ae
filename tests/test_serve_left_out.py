"""`guideline serve` on a DMN file whose reader left a decision out (a FEEL literal
expression): asking for it answers 404 naming it and why, as `guideline eval` does, and the
list of decisions that can be evaluated is never an empty sentence ("none")."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from test_dmn_findings import table, write
from test_dmn_tools import GREETING

from engine.cli.main import main
from engine.serve.app import create_app
from engine.serve.cds import CdsOptions
from engine.serve.state import Guideline

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

GATE = table("gate", "Gate", [("x", "number", None)], [("open", "string", None)],
             [(["> 1"], ['"yes"']), (["<= 1"], ['"no"'])])


def _client(path: str) -> TestClient:
    holder = Guideline(path)
    holder.reload()
    assert holder.current is not None, holder.stale  # a warning, not an error: it is served
    return TestClient(create_app(holder))


@pytest.mark.parametrize("name", ["GreetingMessage", "greeting"])  # its name, or its id
@pytest.mark.parametrize("route", ["evaluate", "schema", "evaluate-batch"])
def test_a_decision_left_out_is_a_404_that_says_why(tmp_path: Path, name: str,
                                                     route: str) -> None:
    client = _client(write(tmp_path, GATE, GREETING))
    path = f"/decisions/{name}/{route}"
    answer = client.get(path) if route == "schema" else client.post(
        path, json=[{"x": 2}] if route == "evaluate-batch" else {"x": 2})
    assert answer.status_code == 404
    error = answer.json()["error"]
    assert error["kind"] == "UnknownDecision"
    message = error["message"]
    assert f"decision {name!r}" in message and "left out" in message
    assert "FEEL literal expression" in message and '"Hello " + name' in message
    assert message.endswith("the decisions that can be evaluated are: Gate")


def test_the_same_words_as_eval(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GATE, GREETING)
    served = _client(path).post("/decisions/GreetingMessage/evaluate", json={"x": 2})
    assert main(["eval", path, "--decision", "GreetingMessage", "--case", '{"x": 2}',
                 "--lang", "en"]) == 1
    said = capsys.readouterr().err
    assert served.json()["error"]["message"] in said


def test_a_file_whose_every_decision_was_left_out_says_none(tmp_path: Path) -> None:
    client = _client(write(tmp_path, GREETING))
    left_out = client.post("/decisions/GreetingMessage/evaluate", json={}).json()["error"]
    assert left_out["message"].endswith("the decisions that can be evaluated are: none")
    unknown = client.post("/decisions/Nothing/evaluate", json={}).json()["error"]
    assert unknown["kind"] == "UnknownDecision"
    assert unknown["message"] == "there is no decision 'Nothing'; the decisions are: none"
    assert "are: \n" not in unknown["message"] + "\n"


def test_a_cds_service_left_out_is_a_404_that_says_why(tmp_path: Path) -> None:
    holder = Guideline(write(tmp_path, GATE, GREETING))
    holder.reload()
    client = TestClient(create_app(holder, cds=CdsOptions()), client=("127.0.0.1", 50000))
    body = {"hook": "patient-view", "hookInstance": "h1", "context": {"patientId": "p"}}
    left_out = client.post("/cds-services/GreetingMessage", json=body)
    assert left_out.status_code == 404 and left_out.json()["error"]["kind"] == "UnknownService"
    assert "left out" in left_out.json()["error"]["message"]
    unknown = client.post("/cds-services/Nothing", json=body).json()["error"]["message"]
    assert unknown == "there is no CDS service 'Nothing'; the services are: Gate"
