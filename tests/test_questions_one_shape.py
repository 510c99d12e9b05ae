"""One shape for the open questions behind an answer: `guideline eval --format json` and the
API's `/evaluate` give the very same `questions` for the same case (`explain.questions_json`),
and the OpenAPI document describes that shape."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from engine.cli.main import main
from engine.serve.app import create_app
from engine.serve.state import Guideline

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
CASE = ROOT / "docs" / "example-case.json"
KEYS = {"id", "text", "reading", "paragraphs", "rules", "cell"}


@pytest.fixture(scope="module")
def api_answer() -> dict[str, Any]:
    holder = Guideline(str(NBCG))
    holder.reload()
    client = TestClient(create_app(holder))
    answer = client.post("/decisions/bisphosphonate/evaluate",
                         json=json.loads(CASE.read_text(encoding="utf-8")))
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    body["openapi"] = client.get("/openapi.json").json()
    return body


def test_cli_and_api_give_identical_questions(api_answer: dict[str, Any],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(NBCG), "--decision", "bisphosphonate", "--case", f"@{CASE}",
                 "--format", "json", "--lang", "en"]) == 0
    cli = json.loads(capsys.readouterr().out)["questions"]
    assert len(cli) >= 2 and cli == api_answer["questions"]
    for question in cli:
        assert set(question) == KEYS
        assert question["cell"].startswith("Spørsmål!A")
    q5 = next(q for q in cli if q["id"] == "Q5")
    # the deciding rule that ties Q5 to this answer, not every rule Q5 names (B2, S2, ...)
    assert q5["rules"] == ["bisphosphonate:B3"]
    assert any(r.startswith("pathway:") for q in cli for r in q["rules"])  # the earlier step


def test_openapi_describes_that_shape(api_answer: dict[str, Any]) -> None:
    question = api_answer["openapi"]["components"]["schemas"]["OpenQuestion"]
    assert set(question["properties"]) == KEYS
    assert "decision:rule" in question["properties"]["rules"]["description"]
