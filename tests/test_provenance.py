"""Every answer says which guideline gave it; drafts warn; the library logs and never prints."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import engine
from engine.core.i18n import speaking
from engine.evaluation.explain import _step

ROOT = Path(__file__).resolve().parent.parent
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
CASE: dict[str, Any] = json.loads((ROOT / "docs" / "example-case.json").read_text())
SHA = hashlib.sha256(NBCG.read_bytes()).hexdigest()


def with_status(tmp_path: Path, status: str) -> Path:
    wb = openpyxl.load_workbook(NBCG)
    about = wb["Om"]
    row = next(r for r in range(1, about.max_row + 1) if about.cell(r, 1).value == "status")
    about.cell(row, 2).value = status
    path = tmp_path / f"{status}.xlsx"
    wb.save(path)
    return path


def test_result_to_dict_is_json_with_provenance() -> None:
    model = engine.load(str(NBCG))
    result = model.evaluate(CASE, "bisphosphonate")
    doc = json.loads(json.dumps(result.to_dict()))
    assert doc["guideline"] == {"version": "0.1", "status": "draft", "sha256": SHA}
    assert doc["outputs"]["recommendation"] == "observe" and doc["rules"] == ["B3"]
    assert [s["decision"] for s in doc["trace"]] == ["pathway", "bisphosphonate"]
    assert doc["trace"][0]["inputs"]["skeletal_metastases"] is True
    assert doc["explanation"] == result.explain()
    assert "explanation" not in result.to_dict(explanation=False)


def test_explain_names_the_guideline_version() -> None:
    text = engine.load(str(NBCG)).evaluate(CASE, "bisphosphonate").explain()
    assert text.rstrip().splitlines()[-1] == f"(guideline version 0.1, status draft, sha256 {SHA})"


def test_eval_json_carries_provenance_and_error_kinds() -> None:
    base = [sys.executable, "-m", "engine.cli.main", "eval", str(NBCG), "--decision",
            "bisphosphonate", "--format", "json", "--case"]
    done = subprocess.run([*base, json.dumps(CASE)], capture_output=True, text=True)
    assert done.returncode == 0
    doc = json.loads(done.stdout)
    assert doc["ok"] is True and doc["guideline"]["sha256"] == SHA and doc["rules"] == ["B3"]
    assert "draft" in done.stderr and done.stderr.startswith("warning: ")
    bad = subprocess.run([*base, json.dumps({**CASE, "therapy": "chemo"})],
                         capture_output=True, text=True)
    assert bad.returncode == 1
    doc = json.loads(bad.stdout)
    assert doc["ok"] is False and doc["kind"] == "InvalidInput" and doc["inputs"] == ["therapy"]
    assert doc["guideline"]["version"] == "0.1"


def test_a_draft_warns_and_an_approved_version_does_not(tmp_path: Path) -> None:
    model = engine.load(str(NBCG))
    assert model.draft
    with pytest.warns(engine.DraftWarning, match="draft"):
        assert model.evaluate(CASE, "bisphosphonate").rules == ("B3",)
    approved = engine.load(str(with_status(tmp_path, "approved")))
    assert not approved.draft
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        approved.evaluate(CASE, "bisphosphonate")


@pytest.mark.parametrize("status", ["høringsutkast", "under revisjon", "drat", "Utkast", ""])
def test_only_an_approval_word_approves(tmp_path: Path, status: str) -> None:
    """Fail closed (issue 21): a status that is not an explicit approval warns, a typo too."""
    model = engine.load(str(with_status(tmp_path, status or "x")))
    if not status:
        model.about.pop("status", None)
    assert model.draft and not model.approved
    with pytest.warns(engine.DraftWarning, match="not approved"):
        model.evaluate(CASE, "bisphosphonate")


@pytest.mark.parametrize("status", ["approved", "Godkjent", " godkjent "])
def test_approval_words_approve(tmp_path: Path, status: str) -> None:
    model = engine.load(str(with_status(tmp_path, status)))
    assert model.approved and not model.draft


def test_questions_on_a_rule_come_from_the_questions_sheet() -> None:
    model = engine.load(str(NBCG))
    tied = {q.id for q in model.questions_on("continuation", ["F3"])}
    assert tied and all(("continuation", "F3") in q.rules for q in model.questions
                        if q.id in tied)
    assert model.questions_on("continuation", []) == []
    assert model.questions_on("bisphosphonate", ["F3"]) == []


def test_the_library_logs_and_never_prints(caplog: pytest.LogCaptureFixture,
                                           capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    copy = tmp_path / "nbcg.xlsx"
    shutil.copyfile(NBCG, copy)
    with caplog.at_level(logging.INFO, logger="engine"):
        model = engine.load(str(copy))
        model.check()
        model.evaluate(CASE, "bisphosphonate")
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    names = {r.name for r in caplog.records}
    assert {"engine.workbook.loader", "engine.verify.check"} <= names
    text = caplog.text
    assert f"sha256 {SHA[:12]}" in text and "0 error(s)" in text


def test_the_package_ships_its_type_hints() -> None:
    assert (Path(engine.__file__).parent / "py.typed").is_file()


def test_evaluate_frame_is_documented_with_its_error_kind() -> None:
    doc = engine.Model.evaluate_frame.__doc__ or ""
    assert "error_kind" in doc and "error" in doc


def test_remembered_explanations_are_the_words_written_afresh() -> None:
    """A server explains the same kinds of case again and again, so a step's lines are kept
    per table (see explain.step_lines); what it says must not depend on that."""
    model = engine.load(str(NBCG))
    cases = [dict(case.inputs) for case in model.tests if "recommendation" in case.expected]
    for case in cases + cases:  # the second round is answered from the memo
        result = model.evaluate(case, "bisphosphonate")
        fresh = [line for step in result.trace for line in [*_step(result, step), ""]]
        assert result.explain().splitlines()[:len(fresh)] == fresh
    line = {**CASE, "chemotherapy_line": 2}  # same rule (B4), another value: other words
    assert "is 2" in model.evaluate(line, "bisphosphonate").explain()
    english = model.evaluate(CASE, "bisphosphonate").explain()
    with speaking("nb"):
        norwegian = model.evaluate(CASE, "bisphosphonate").explain()
    assert english.splitlines()[0].startswith("Decision pathway")
    assert norwegian.splitlines()[0].startswith("Beslutning pathway")
