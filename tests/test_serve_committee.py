"""The committee's page as the committee starts it (issue 21): `guideline serve WB --watch`,
no `--lang`, no GUIDELINE_LANG, so the workbook's About language (`språk = nb`) decides. The
page speaks that language on every path, shows the Verdier labels where a person reads (codes
stay in the JSON), opens on the main decision and offers "unknown" only where it is allowed.

Expectations are read from the workbook (labels, which inputs may be unknown), so they hold
when the guideline's content changes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from test_serve_page import stop  # a server process ended, killed if it hangs

import engine

ROOT = Path(__file__).resolve().parent.parent
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
CASE: dict[str, Any] = json.loads((ROOT / "docs" / "example-case.json").read_text())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(workbook: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    """`guideline serve WB --watch`, as the committee runs it: the language is the workbook's."""
    env = {k: v for k, v in os.environ.items() if k != "GUIDELINE_LANG"}
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli.main", "serve", str(workbook),
                             "--port", str(port), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/health", timeout=1):
                return proc, url
        except urllib.error.HTTPError:
            return proc, url  # up, but nothing served (503)
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"the server did not start: {proc.communicate()[0]}")
            time.sleep(0.1)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("served")
    workbook = folder / NBCG.name
    shutil.copyfile(NBCG, workbook)
    shutil.copyfile(NBCG.with_suffix(".paragraphs.md"), workbook.with_suffix(".paragraphs.md"))
    proc, url = start(workbook, "--watch")
    try:
        yield url
    finally:
        stop(proc)


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as r:
        return str(r.read().decode("utf-8"))


def answer(url: str, decision: str, case: dict[str, Any]) -> str:
    pairs = [(k, "null" if v is None else str(v).lower() if isinstance(v, bool) else str(v))
             for k, v in case.items()]
    req = urllib.request.Request(f"{url}/decisions/{decision}/answer",
                                 data=urllib.parse.urlencode(pairs).encode(),
                                 headers={"X-Fragment": "answer"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return str(r.read().decode("utf-8"))


def text_of(html: str) -> str:
    """What a person reads: the page without tags, scripts, styles and attribute values."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


# -- item 7: the language rule on every path ------------------------------------------------
def test_with_watch_the_page_speaks_the_workbooks_language(served: str) -> None:
    html = get(served + "/")
    assert '<html lang="nb">' in html
    assert "Prøv et tilfelle" in html and "Try a case" not in html
    shown = answer(served, "bisphosphonate", CASE)
    assert "Svar" in text_of(shown) and "Answer" not in text_of(shown)
    assert "Forklaring som tekst" in shown
    explanation = shown.split("<pre>")[1].split("</pre>")[0]
    assert "Beslutning" in explanation and "Decision" not in explanation


# -- item 8: labels where a person reads, codes in the JSON ------------------------------------
def options(html: str, name: str) -> dict[str, str]:
    """A select field's options: value -> the words shown."""
    select = re.search(rf'<select id="in-{name}" name="{name}">(.*?)</select>', html, re.S)
    assert select, name
    return {v: unescape(w) for v, w in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)<',
                                                 select.group(1)) if v}


def test_the_form_and_the_answer_show_labels_codes_stay_in_json(served: str) -> None:
    model = engine.load(str(NBCG))
    decision = model.main_decision()
    html = get(f"{served}/?decision={decision}")
    labelled = [n for n, v in model.variables.items() if model.value_labels.get(n) and v.values
                and f'name="{n}"' in html]
    assert labelled
    for name in labelled:
        shown = options(html, name)
        for code, words in model.value_labels[name].items():
            assert shown[code] == words  # the value sent stays the code
    shown = answer(served, decision, CASE)
    text = text_of(shown)
    result = model.evaluate(CASE, decision=decision)
    said = dict(re.findall(r'data-output="(\w+)">[^<]*<strong>([^<]*)</strong>', shown))
    for output, value in result.outputs.items():
        words = model.value_labels.get(output, {}).get(value)
        assert unescape(said[output]) == (words or str(value))
    assert "satisfies" not in text and "oppfyller" not in text
    assert not re.search(r"\b(true|false)\b", text), text
    assert "ja" in text
    req = urllib.request.Request(f"{served}/decisions/{decision}/evaluate",
                                 data=json.dumps(CASE).encode(),
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        body = json.loads(r.read())
    assert body["outputs"] == result.outputs  # the JSON keeps the codes


# -- item 9: the main decision, "unknown" only where allowed, the status in words -------------
def test_the_page_opens_on_the_main_decision_and_offers_unknown_only_where_allowed(
        served: str) -> None:
    model = engine.load(str(NBCG))
    tops = set(model.top_decisions())
    main = next(t.name for t in model.in_sheet_order() if t.name in tops)
    html = get(served + "/")
    assert f'data-decision="{main}"' in html
    assert re.search(rf'<option value="{main}" selected>', html)
    form = html.split('id="caseform"')[1].split("</form>")[0]
    fields = re.split(r'<div class="field">', form)[1:]
    assert fields
    for field in fields:
        name = re.search(r'name="([^"]+)"', field).group(1)  # type: ignore[union-attr]
        may_be_unknown = model.variables[name].unknown is not False
        assert ('value="null"' in field) == may_be_unknown, name


@pytest.mark.parametrize("status", ["høringsutkast", "drat", "", "draft"])
def test_a_status_that_is_not_approval_is_said_as_not_approved(tmp_path: Path,
                                                              status: str) -> None:
    from engine.core import i18n
    from engine.serve.page import render_page
    from engine.serve.state import Guideline
    path = _with_status(tmp_path, status)
    holder = Guideline(str(path))
    with i18n.speaking("nb"):
        holder.reload()
    badge = re.search(BADGE, render_page(holder, None))
    assert badge is not None
    assert badge.group(1) == "draft" and "ikke godkjent for bruk på pasienter" in badge.group(2)
    assert (status in badge.group(2)) if status else "ingen status" in badge.group(2)


def test_an_approved_status_is_said_as_approved(tmp_path: Path) -> None:
    from engine.core import i18n
    from engine.serve.page import render_page
    from engine.serve.state import Guideline
    holder = Guideline(str(_with_status(tmp_path, "Godkjent")))
    with i18n.speaking("nb"):
        holder.reload()
    badge = re.search(BADGE, render_page(holder, None))
    assert badge is not None and badge.groups() == ("ok", "godkjent for bruk på pasienter")


BADGE = r'<span class="badge (\w+)" id="approval">([^<]*)<'


def _with_status(tmp_path: Path, status: str) -> Path:
    import openpyxl
    wb = openpyxl.load_workbook(NBCG)
    ws = wb["Om"]
    for row in ws.iter_rows():
        if str(row[0].value).strip().casefold() == "status":
            row[1].value = status or None
    path = tmp_path / f"status-{status or 'none'}.xlsx"
    wb.save(path)
    return path


def test_nothing_is_called_clean_under_a_save_that_is_not_served(tmp_path: Path) -> None:
    import openpyxl

    from engine.core import i18n
    from engine.serve.page import render_page
    from engine.serve.state import Guideline
    path = tmp_path / "nbcg.xlsx"
    shutil.copyfile(NBCG, path)
    holder = Guideline(str(path))
    with i18n.speaking("nb"):
        holder.reload()
        assert "Kontrollen finner ingenting" in render_page(holder, None)
        model = engine.load(str(NBCG))
        case = model.tests[0]
        wb = openpyxl.load_workbook(NBCG)
        (name, value), = list(case.expected.items())[:1]
        sheet, ref = case.cells[name].split("!")
        other = next(v for v in model.variables[name].values if v != value)
        wb[sheet][ref] = other  # a test case now fails: the save is not served
        wb.save(path)
        holder.reload()
        page = render_page(holder, None)
    assert holder.stale is not None and 'class="stale"' in page
    assert "Kontrollen finner ingenting" not in page


# -- item 9 in a browser: the sha256 stays in its box --------------------------------------------
CHROMIUM = "/usr/bin/chromium"


def test_in_a_browser_the_sha256_fits_its_box_and_the_page_is_norwegian(served: str) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
    from playwright.sync_api import sync_playwright

    model = engine.load(str(NBCG))
    main = model.tables[model.main_decision() or ""]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM,
                                     args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(served + "/")
            assert page.get_attribute("html", "lang") == "nb"
            boxes = page.eval_on_selector_all(
                ".sha", "es => es.map(e => [e.scrollWidth, e.clientWidth])")
            assert boxes and all(scroll <= client + 1 for scroll, client in boxes), boxes
            chosen = page.eval_on_selector("#pick", "e => e.options[e.selectedIndex].text")
            assert chosen == (main.title or main.sheet)
        finally:
            browser.close()
