"""Reload on save: a good save is served within 2 s, a broken one is not served and says why.

A copy of the NBCG workbook in tmp_path is replaced the way spreadsheet programs save (a new
file renamed over the old one) with: a good edit, a broken edit, the original again.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
import shutil
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import engine
from engine.core import i18n
from engine.evaluation.evaluate import evaluate
from engine.review.report import build_report
from engine.serve.app import create_app
from engine.serve.files import MAX_WORKBOOK, signature
from engine.serve.state import Guideline, Rejected, read_version
from engine.serve.worker import ReloadWorker

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
    col = next(c for c in range(1, sheet.max_column + 1)
               if sheet.cell(2, c).value == "recommendation")
    for row in range(1, sheet.max_row + 1):
        if sheet.cell(row, col).value == "not_applicable":  # an expected recommendation
            sheet.cell(row, col).value = "observe"
            return


def save_over(source: Path, target: Path) -> float:
    """As Excel saves: write beside, then rename over. Returns when the rename happened."""
    temp = target.with_name(target.name + ".tmp")
    shutil.copyfile(source, temp)
    os.replace(temp, target)
    return time.monotonic()


def wait_for(client: TestClient, ok: Callable[[dict[str, Any]], bool],
             limit: float = 60.0) -> dict[str, Any]:
    """The guideline's state once `ok` holds. `limit` guards against a hang, it times nothing:
    how soon a save is served is measured in benchmarks/serve_bench.py (a shared machine)."""
    start = time.monotonic()
    while True:
        info = client.get("/guideline").json()
        if ok(info):
            return info
        if time.monotonic() - start > limit:
            pytest.fail(f"no change after {limit} s: {info}")
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
        info = wait_for(client, lambda i: i["sha256"] == sha(good2))
        assert info["version"] == "0.2" and info["check"]["stale"] is False

        save_over(broken, served)
        info = wait_for(client, lambda i: i["check"]["stale"])
        assert info["sha256"] == sha(good2)  # the last good version is still served
        assert info["check"]["reason"] and info["check"]["findings"]
        cells = [c for f in info["check"]["findings"] for c in f["cells"]]
        assert "Bisfosfonat!I6" in cells
        r = client.post("/decisions/bisphosphonate/evaluate", json=CASE)
        assert r.status_code == 200 and r.json()["guideline"]["sha256"] == sha(good2)
        page = client.get("/").text
        assert "Bisfosfonat!I6" in page and "not served" in page

        save_over(NBCG, served)
        info = wait_for(client, lambda i: i["sha256"] == sha(NBCG) and not i["check"]["stale"])
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
            assert time.monotonic() - start < 60, "the fixed workbook was not served (a hang)"
            time.sleep(0.05)
        assert client.post("/decisions/bisphosphonate/evaluate", json=CASE).json()[
            "rules"] == ["B3"]


def test_a_dead_reload_worker_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "nbcg.xlsx"
    shutil.copyfile(NBCG, path)
    holder = Guideline(str(path), isolate=True)
    try:
        assert holder.reload() is True
        worker = holder._worker
        assert worker is not None and worker._proc is not None
        os.kill(worker._proc.pid, 9)  # as the OOM killer would
        worker._proc.join()
        save_over(variant(tmp_path, "good2.xlsx", new_version), path)
        assert holder.reload() is True
        assert holder.current is not None and holder.current.about["version"] == "0.2"
        assert evaluate(holder.current.model, CASE, "bisphosphonate").rules == ("B3",)
    finally:
        holder.close()


# -- issue 26: the hash names the bytes loaded; the watcher compares with what was read ------
def test_the_hash_names_the_bytes_that_were_loaded(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Save B then A again while A is being read (an ABA): the loader, which opens the file
    several times, read B, while the hash taken before and after named A. Now the file is
    read once and the loader reads a private copy of exactly those bytes."""
    served = tmp_path / "nbcg.xlsx"
    shutil.copyfile(NBCG, served)
    good2 = variant(tmp_path, "good2.xlsx", new_version)
    module = importlib.import_module(read_version.__module__)
    real = module.load

    def saved_during_the_read(path: str, strict: bool = True) -> Any:
        save_over(good2, served)  # B lands while the reload reads...
        try:
            return real(path, strict)
        finally:
            save_over(NBCG, served)  # ...and A again before it ends

    monkeypatch.setattr(module, "load", saved_during_the_read)
    got = read_version(str(served))
    assert not isinstance(got, Rejected), got.reason
    assert got.sha256 == sha(NBCG) and got.about["version"] == "0.1"  # A's bytes, A's content
    assert got.model.sha256 == got.sha256 and got.model.path == str(served)


def test_a_save_before_the_watcher_starts_is_served(tmp_path: Path) -> None:
    """A save between the first load and the watcher's start was never served, while
    `stale` said false: the watcher took the disk as it found it for what was loaded."""
    served = tmp_path / "nbcg.xlsx"
    shutil.copyfile(NBCG, served)
    holder = Guideline(str(served))
    holder.reload()
    assert holder.current is not None and holder.current.sha256 == sha(NBCG)
    good2 = variant(tmp_path, "good2.xlsx", new_version)
    save_over(good2, served)  # before the app (and its watcher) starts
    with TestClient(create_app(holder, watch=True)) as client:
        info = wait_for(client, lambda i: i["sha256"] == sha(good2))
        assert info["version"] == "0.2" and info["check"]["stale"] is False


def fifo(path: Path) -> None:
    os.mkfifo(path)


def sparse(size: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with open(path, "wb") as fh:
            fh.truncate(size)
    return make


def link_to(target: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.symlink_to(target)
    return make


UNREADABLE: dict[str, tuple[Callable[[Path], None], str]] = {
    "a FIFO": (fifo, "named pipe (FIFO)"),
    "a symlink to /dev/zero": (link_to("/dev/zero"), "character device"),
    "a 6 GB sparse file": (sparse(6 * 1024 ** 3), "6,442,450,944 bytes"),
    "one byte over the bound": (sparse(MAX_WORKBOOK + 1), f"{MAX_WORKBOOK + 1:,} bytes"),
    "a folder": (lambda p: p.mkdir(), "folder"),
}


@pytest.mark.parametrize("what", list(UNREADABLE))
def test_a_workbook_replaced_by_what_cannot_be_read(tmp_path: Path, what: str) -> None:
    """A FIFO hung the reload for ever (later saves never served, `stale` false); /dev/zero
    and a 6 GB sparse file were read whole for the sha256. Each is refused by its type or
    size before a byte is read, said in `stale`, and the next good save is served."""
    make, said = UNREADABLE[what]
    served = tmp_path / "nbcg.xlsx"
    shutil.copyfile(NBCG, served)
    holder = Guideline(str(served))
    holder.reload()
    good2 = variant(tmp_path, "good2.xlsx", new_version)
    with TestClient(create_app(holder, watch=True)) as client:
        served.unlink()
        make(served)
        info = wait_for(client, lambda i: i["check"]["stale"])
        assert said in info["check"]["reason"], info["check"]["reason"]
        assert info["sha256"] == sha(NBCG)  # the last good version still answers
        assert client.post("/decisions/bisphosphonate/evaluate", json=CASE).status_code == 200
        if served.is_dir():
            served.rmdir()
        else:
            served.unlink()
        save_over(good2, served)
        info = wait_for(client, lambda i: i["sha256"] == sha(good2))
        assert info["check"]["stale"] is False


def test_the_guideline_text_beside_it_is_read_bounded_with_the_workbook(tmp_path: Path) -> None:
    """`name.paragraphs.md` as a FIFO was opened by the page's first answer, in the event
    loop: the whole server hung. It is read with the workbook now, bounded and typed, and
    a FIFO is a note, not a hang."""
    served = tmp_path / "nbcg.xlsx"
    shutil.copyfile(NBCG, served)
    os.mkfifo(served.with_suffix(".paragraphs.md"))
    holder = Guideline(str(served))
    holder.reload()
    assert holder.current is not None and holder.current.paragraphs == {}
    assert "named pipe (FIFO)" in holder.current.paragraphs_note
    served.unlink()
    os.mkfifo(served)  # the workbook too, after it was read: the report needs its sheet order
    client = TestClient(create_app(holder))
    answers: list[Any] = []

    def ask() -> None:
        form = {k: "null" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
                for k, v in CASE.items()}
        answers.append(client.post("/decisions/bisphosphonate/answer", data=form))
        answers.append(client.get("/report"))

    asking = threading.Thread(target=ask, daemon=True)
    asking.start()
    asking.join(timeout=120)  # a hang, not a speed: the old code never returned
    assert not asking.is_alive(), "a request read a FIFO"
    page, report = answers
    assert page.status_code == 200 and 'data-rules="B3"' in page.text
    assert report.status_code == 200 and "named pipe (FIFO)" in report.text
    decisions = re.compile(r'<h2 id="[^"]*">[^<]*<code>(\w+)</code>')
    order = decisions.findall(report.text)  # the workbook's sheet order, from the bytes read
    assert order == ["pathway", "bisphosphonate", "continuation"] != list(
        holder.current.model.tables)
    assert order == decisions.findall(build_report(engine.load(str(NBCG))))


def test_the_guideline_text_is_quoted_from_what_was_read(tmp_path: Path) -> None:
    served = tmp_path / "nbcg.xlsx"
    shutil.copyfile(NBCG, served)
    shutil.copyfile(NBCG.with_suffix(".paragraphs.md"), served.with_suffix(".paragraphs.md"))
    holder = Guideline(str(served))
    holder.reload()
    assert holder.current is not None and "N1" in holder.current.paragraphs
    served.with_suffix(".paragraphs.md").unlink()  # gone after the read: still quoted
    form = {k: "null" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in CASE.items()}
    page = TestClient(create_app(holder)).post("/decisions/bisphosphonate/answer", data=form)
    assert holder.current.paragraphs["N1"].text in page.text


def test_a_broken_save_is_reported_in_the_language_of_lang(tmp_path: Path) -> None:
    """`--watch --lang en` reported a broken save in Norwegian (the workbook's language):
    the reload worker is a fresh process and never heard `--lang`."""
    served = tmp_path / "nbcg.xlsx"
    shutil.copyfile(variant(tmp_path, "broken.xlsx", misspelt_output), served)
    for lang, reason in (("en", "the workbook holds errors"),
                         ("nb", "arbeidsboken har feil")):
        holder = Guideline(str(served), isolate=True)
        try:
            with i18n.speaking(lang):
                assert holder.reload() is False
            assert holder.stale is not None and holder.stale.reason == reason
        finally:
            holder.close()


def stuck(conn: Any) -> None:
    """A reload worker whose read never ends (a hung network share, a pathological check)."""
    conn.recv()
    time.sleep(3600)


def test_stopping_the_server_kills_a_stuck_reload(tmp_path: Path) -> None:
    """SIGTERM while a reload was stuck left the server running: shutting the reload pool
    down waited for the reload. Stopping now kills the worker and returns."""
    served = tmp_path / "nbcg.xlsx"
    shutil.copyfile(NBCG, served)
    holder = Guideline(str(served))
    holder.reload()
    worker = ReloadWorker(target=stuck)
    stuck_holder = Guideline(str(served), worker=worker)
    stuck_holder.current, stuck_holder.seen = holder.current, holder.seen
    client = TestClient(create_app(stuck_holder, watch=True))
    client.__enter__()
    save_over(variant(tmp_path, "good2.xlsx", new_version), served)
    while not stuck_holder._lock.locked():  # the watcher has begun the reload
        time.sleep(0.05)
    time.sleep(0.3)
    process = worker._proc
    assert process is not None and process.is_alive()
    stopping = threading.Thread(target=client.__exit__, args=(None, None, None), daemon=True)
    stopping.start()
    stopping.join(timeout=60)  # a hang, not a speed
    assert not stopping.is_alive(), "the server did not stop while a reload was stuck"
    assert not process.is_alive() and not stuck_holder._lock.locked()
    assert stuck_holder.current is holder.current  # nothing half-read was served


def test_the_reload_that_overruns_its_time_is_stopped_and_said(tmp_path: Path) -> None:
    served = tmp_path / "nbcg.xlsx"
    shutil.copyfile(NBCG, served)
    holder = Guideline(str(served), worker=ReloadWorker(timeout=1.0, target=stuck))
    try:
        assert holder.reload() is False
        assert holder.stale is not None and "longer than 1 s" in holder.stale.reason
        assert holder.seen == signature(str(served))  # the same file is not retried at once
    finally:
        holder.close()


def test_the_report_is_built_once_per_version(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """16 concurrent cold requests for /report built it 16 times."""
    served = tmp_path / "nbcg.xlsx"
    shutil.copyfile(NBCG, served)
    holder = Guideline(str(served))
    holder.reload()
    app_module = importlib.import_module("engine.serve.app")
    real, built = app_module._report, []

    def slow_report(version: Any) -> str:
        built.append(version.sha256)
        time.sleep(0.5)  # long enough for all 16 to ask while it is being built
        return str(real(version))

    monkeypatch.setattr(app_module, "_report", slow_report)
    client = TestClient(create_app(holder))
    start = threading.Barrier(16)
    pages: list[str] = []

    def ask() -> None:
        start.wait()
        pages.append(client.get("/report").text)

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert built == [sha(NBCG)] and len(pages) == 16 and len(set(pages)) == 1
