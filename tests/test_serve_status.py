"""The page's status badge is green exactly when the guideline is approved (`Model.approved`),
on the page and in the live fragment the page swaps in after a save: `utkast` was shown green
while every answer warned that it is a draft."""

from __future__ import annotations

import json
import re
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
BADGE = re.compile(r'Status\s*<span class="badge (\w+)"[^>]*>([^<]*)</span>')
APPROVED = "approved for use with patients"  # the status in a sentence (tests speak English)
NOT_APPROVED = "not approved for use with patients"
STATUSES = ["approved", "godkjent", "Godkjent", "GODKJENT ", "utkast", "draft", "Utkast",
            "godkjent?", "ikke godkjent", "approved-ish", "til høring", None]


def with_status(tmp: Path, status: str | None) -> Path:
    wb = openpyxl.load_workbook(NBCG)
    about = wb["Om"]
    row = next(r for r in range(1, about.max_row + 1) if about.cell(r, 1).value == "status")
    about.cell(row, 2).value = status
    path = tmp / "nbcg.xlsx"
    wb.save(path)
    return path


def badges(html: str) -> list[tuple[str, str]]:
    return [(kind, text.strip()) for kind, text in BADGE.findall(html)]


@pytest.mark.parametrize("status", STATUSES)
def test_the_badge_is_green_exactly_when_approved(tmp_path: Path, status: str | None) -> None:
    holder = Guideline(str(with_status(tmp_path, status)))
    holder.reload()
    assert holder.current is not None, holder.stale
    approved = holder.current.model.approved
    assert approved is (status is not None and status.strip().casefold() in
                        ("approved", "godkjent"))
    client = TestClient(create_app(holder))
    said = (status or "").strip()
    shown = (APPROVED if approved else f"{said}: {NOT_APPROVED}" if said
             else f"no status: {NOT_APPROVED}")
    expected = [("ok" if approved else "draft", shown)]
    assert badges(client.get("/").text) == expected
    assert badges(client.get("/?part=live").text) == expected
    warned = client.post("/decisions/bisphosphonate/evaluate", json=CASE).json()["warnings"]
    assert bool(warned) is not approved  # the badge and the answers say the same


def test_the_live_fragment_follows_a_save_that_changes_the_status(tmp_path: Path) -> None:
    served = tmp_path / "served" / "nbcg.xlsx"
    served.parent.mkdir()
    shutil.copyfile(with_status(tmp_path, "godkjent"), served)
    holder = Guideline(str(served))
    holder.reload()
    client = TestClient(create_app(holder))
    assert badges(client.get("/?part=live").text) == [("ok", APPROVED)]
    shutil.copyfile(with_status(tmp_path, "utkast"), served)
    assert holder.reload() is True
    assert badges(client.get("/?part=live").text) == [("draft", f"utkast: {NOT_APPROVED}")]
    assert 'id="head"' in client.get("/").text  # what the page's script replaces
