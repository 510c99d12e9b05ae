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


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


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
