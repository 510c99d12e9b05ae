"""Reload on save: a good save is served within 2 s, a broken one is not served and says why.

A copy of the NBCG workbook in tmp_path is replaced the way spreadsheet programs save (a new
file renamed over the old one) with: a good edit, a broken edit, the original again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from engine.evaluation.evaluate import evaluate
from engine.serve.app import create_app
from engine.serve.state import Guideline, Rejected, read_version

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
CASE: dict[str, Any] = json.loads((ROOT / "docs" / "example-case.json").read_text())


def variant(tmp: Path, name: str, edit: Callable[[Any], None]) -> Path:
    wb = openpyxl.load_workbook(NBCG)
    edit(wb)
    out = tmp / name
    wb.save(out)
    return out


def new_version(wb: Any) -> None:
    about = wb["Om"]
    row = next(r for r in range(1, about.max_row + 1) if about.cell(r, 1).value == "version")
    about.cell(row, 2).value = "0.2"


def misspelt_output(wb: Any) -> None:
    wb["Bisfosfonat"]["I6"] = "observ"  # B3's recommendation, not an allowed value


def wrong_test(wb: Any) -> None:
    sheet = wb["Testtilfeller"]
    for row in range(1, sheet.max_row + 1):
        if sheet.cell(row, 15).value == "not_applicable":  # an expected recommendation
            sheet.cell(row, 15).value = "observe"
            return


def save_over(source: Path, target: Path) -> float:
    """As Excel saves: write beside, then rename over. Returns when the rename happened."""
    temp = target.with_name(target.name + ".tmp")
    shutil.copyfile(source, temp)
    os.replace(temp, target)
    return time.monotonic()


def wait_for(client: TestClient, ok: Callable[[dict[str, Any]], bool],
             limit: float = 2.0) -> tuple[dict[str, Any], float]:
    start = time.monotonic()
    while True:
        info = client.get("/guideline").json()
        if ok(info):
            return info, time.monotonic() - start
        if time.monotonic() - start > limit + 3:
            pytest.fail(f"no change after {limit + 3} s: {info}")
        time.sleep(0.05)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("isolate", [False, True], ids=["thread", "worker-process"])
def test_good_broken_good(tmp_path: Path, isolate: bool) -> None:
    good2 = variant(tmp_path, "good2.xlsx", new_version)
    broken = variant(tmp_path, "broken.xlsx", misspelt_output)
    served = tmp_path / "served" / "nbcg.xlsx"
    served.parent.mkdir()
    shutil.copyfile(NBCG, served)
    holder = Guideline(str(served), isolate=isolate)
    holder.reload()
    with TestClient(create_app(holder, watch=True)) as client:
        assert client.get("/guideline").json()["sha256"] == sha(NBCG)
        time.sleep(1.0 if isolate else 0)  # the worker's start, as the server's start gives it

        save_over(good2, served)
        info, took = wait_for(client, lambda i: i["sha256"] == sha(good2))
        assert took < 2.0, f"a good save took {took:.2f} s to be served"
        assert info["version"] == "0.2" and info["check"]["stale"] is False

        save_over(broken, served)
        info, took = wait_for(client, lambda i: i["check"]["stale"])
        assert took < 2.0
        assert info["sha256"] == sha(good2)  # the last good version is still served
        assert info["check"]["reason"] and info["check"]["findings"]
        cells = [c for f in info["check"]["findings"] for c in f["cells"]]
        assert "Bisfosfonat!I6" in cells
        r = client.post("/decisions/bisphosphonate/evaluate", json=CASE)
        assert r.status_code == 200 and r.json()["guideline"]["sha256"] == sha(good2)
        page = client.get("/").text
        assert "Bisfosfonat!I6" in page and "not served" in page

        save_over(NBCG, served)
        info, took = wait_for(client,
                              lambda i: i["sha256"] == sha(NBCG) and not i["check"]["stale"])
        assert took < 2.0
        assert client.post("/decisions/bisphosphonate/evaluate", json=CASE).json()[
            "guideline"]["sha256"] == sha(NBCG)


def test_failing_test_cases_are_not_served(tmp_path: Path) -> None:
    got = read_version(str(variant(tmp_path, "wrong.xlsx", wrong_test)))
    assert isinstance(got, Rejected)
    assert "test cases fail" in got.reason and got.failures
    assert "FAIL" in got.failures[0]


def test_a_missing_file_keeps_the_last_good_version(tmp_path: Path) -> None:
    path = tmp_path / "nbcg.xlsx"
    shutil.copyfile(NBCG, path)
    holder = Guideline(str(path))
    assert holder.reload() is True
    first = holder.current
    path.unlink()
    assert holder.reload() is False
    assert holder.current is first and holder.stale is not None
    assert "cannot be read" in holder.stale.reason
    shutil.copyfile(NBCG, path)
    assert holder.reload() is False  # the same bytes: nothing new to serve, stale cleared
    assert holder.current is first and holder.stale is None


def test_a_version_in_use_is_never_changed_by_a_reload(tmp_path: Path) -> None:
    path = tmp_path / "nbcg.xlsx"
    shutil.copyfile(NBCG, path)
    holder = Guideline(str(path))
    holder.reload()
    in_flight = holder.current
    assert in_flight is not None
    save_over(variant(tmp_path, "good2.xlsx", new_version), path)
    assert holder.reload() is True
    assert holder.current is not in_flight
    assert in_flight.sha256 == sha(NBCG) and in_flight.about["version"] == "0.1"
    assert evaluate(in_flight.model, CASE, "bisphosphonate").rules == ("B3",)


def test_started_on_a_broken_workbook_it_serves_once_a_save_fixes_it(tmp_path: Path) -> None:
    served = tmp_path / "nbcg.xlsx"
    shutil.copyfile(variant(tmp_path, "broken.xlsx", misspelt_output), served)
    holder = Guideline(str(served))
    holder.reload()
    assert holder.current is None
    with TestClient(create_app(holder, watch=True)) as client:
        assert client.get("/health").status_code == 503
        r = client.post("/decisions/bisphosphonate/evaluate", json=CASE)
        assert r.status_code == 503 and r.json()["error"]["kind"] == "NoGuideline"
        page = client.get("/")
        assert page.status_code == 200 and "Bisfosfonat!I6" in page.text
        save_over(NBCG, served)
        start = time.monotonic()
        while client.get("/health").status_code != 200:
            assert time.monotonic() - start < 5, "the fixed workbook was not served"
            time.sleep(0.05)
        assert client.post("/decisions/bisphosphonate/evaluate", json=CASE).json()[
            "rules"] == ["B3"]


def test_a_dead_reload_worker_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "nbcg.xlsx"
    shutil.copyfile(NBCG, path)
    holder = Guideline(str(path), isolate=True)
    try:
        assert holder.reload() is True
        pool = holder._pool
        assert pool is not None
        for pid in list(pool._processes):  # as the OOM killer would
            os.kill(pid, 9)
        save_over(variant(tmp_path, "good2.xlsx", new_version), path)
        assert holder.reload() is True
        assert holder.current is not None and holder.current.about["version"] == "0.2"
        assert evaluate(holder.current.model, CASE, "bisphosphonate").rules == ("B3",)
    finally:
        holder.close()
