"""The committee's page in a real browser: Playwright drives Debian's headless Chromium.

The server runs as the command does (`guideline serve WB --watch`) on a free
loopback port, serving a copy of the NBCG workbook. The test fills the form with the README's
case, field by field by variable name, and reads the answer and its rule; then it saves a
broken workbook over the copy and sees the page say so without being reloaded. Skipped where
/usr/bin/chromium is missing (Debian: apt-get install -y chromium); Playwright never
downloads a browser here.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import engine

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
CASE: dict[str, Any] = json.loads((ROOT / "docs" / "example-case.json").read_text())

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} is missing (apt-get install -y chromium)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    served = tmp_path / "nbcg.xlsx"
    shutil.copyfile(NBCG, served)
    paragraphs = NBCG.with_suffix(".paragraphs.md")
    if paragraphs.exists():
        shutil.copyfile(paragraphs, served.with_suffix(".paragraphs.md"))
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli.main", "serve", str(served),
                             "--port", str(port), "--watch"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the server did not start: {proc.communicate()[0]}")
                time.sleep(0.1)
        yield url, served
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def fill_case(page: Any, case: dict[str, Any]) -> None:
    """Each value into the field named after its variable, as a person would choose it."""
    for name, value in case.items():
        field = page.locator(f'#caseform [name="{name}"]')
        kind = field.first.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if kind == "input:radio":
            word = "null" if value is None else "true" if value else "false"
            page.check(f'#caseform input[name="{name}"][value="{word}"]')
        elif kind.startswith("select"):
            page.select_option(f'#caseform select[name="{name}"]',
                               "null" if value is None else str(value))
        elif value is None:
            page.check(f'#caseform input[type=checkbox][name="{name}"]')
        else:
            page.fill(f'#caseform input[name="{name}"]:not([type=checkbox])', str(value))


def test_the_form_answers_the_readme_case_and_the_page_follows_saves(
        server: tuple[str, Path]) -> None:
    pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
    from playwright.sync_api import expect, sync_playwright

    url, served = server
    problems: list[str] = []
    labels = engine.load(str(NBCG)).value_labels.get("recommendation", {})
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM,
                                     args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(url + "/?decision=bisphosphonate")
            expect(page.locator("h1")).to_contain_text("Skjelettmetastaser")
            expect(page.locator("#status")).to_contain_text("108 passed, 0 failed")
            names = page.eval_on_selector_all("#caseform [name]", "es => es.map(e => e.name)")
            assert set(names) == set(CASE)

            fill_case(page, CASE)
            page.click("#caseform button[type=submit]")
            result = page.locator("#result")
            words = labels.get("observe", "observe")  # the Verdier label: codes stay in JSON
            expect(result.locator("[data-output=recommendation]")).to_contain_text(words)
            expect(result.locator(".rule").last).to_have_text("B3")
            expect(result).to_contain_text("Bisfosfonat!A6")
            expect(result).to_contain_text("N1")
            # the committee's open question on B3 (pain arising later, Q5) is on the answer
            expect(result.locator("#questions [data-question=Q5]")).to_be_visible()
            assert page.url.endswith("/?decision=bisphosphonate")  # answered in place
            shot = os.environ.get("SERVE_SCREENSHOT")
            if shot:
                page.screenshot(path=shot, full_page=True)

            wb = openpyxl.load_workbook(NBCG)
            wb["Bisfosfonat"]["I6"] = "observ"
            broken = served.with_name("broken.xlsx")
            wb.save(broken)
            os.replace(broken, served)
            expect(page.locator("#status .stale")).to_be_visible(timeout=5000)
            expect(page.locator("#status")).to_contain_text("Bisfosfonat!I6")
            page.click("#caseform button[type=submit]")  # the last good version still answers
            expect(page.locator("#result .rule").last).to_have_text("B3")
        finally:
            browser.close()
    assert problems == [], problems
