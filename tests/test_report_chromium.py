"""The HTML report in a real browser: headless Chromium renders it, with no console output.

Chromium is started once per page with a throw-away profile and every network feature off;
`--dump-dom` gives the DOM after rendering, `--screenshot` a PNG, and `--enable-logging`
puts console messages (`CONSOLE`, `Uncaught ...`) on stderr. A page with a script error is
checked too, so that a silent browser cannot pass the test. Skipped where Chromium is missing
(Debian: `apt-get install -y chromium`).
"""

from __future__ import annotations

import os
import shutil
import signal
import struct
import subprocess
from pathlib import Path

import openpyxl
import pytest

from engine.cli.main import main

NBCG = Path(__file__).resolve().parent.parent / "tables" / "nbcg-bisfosfonat.xlsx"
TITLE = "Skjelettmetastaser og bruk av bisfosfonater ved metastatisk brystkreft"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--enable-logging=stderr", "--v=0", "--window-size=1280,2000")


def browser() -> str:
    found = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    if found is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install -y chromium)")
    return found


def render_page(page: Path, work: Path) -> tuple[str, str, Path]:
    """The DOM after rendering, the browser's log, and the screenshot."""
    shot = work / f"{page.stem}.png"
    argv = [browser(), *FLAGS, f"--user-data-dir={work / ('profile-' + page.stem)}",
            f"--screenshot={shot}", "--dump-dom", page.resolve().as_uri()]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        dom, log = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the browser and its helpers, nothing else
        proc.communicate()
        pytest.fail("Chromium did not finish within 90 s")
    assert proc.returncode == 0, log[-2000:]
    return dom, log, shot


def console_errors(log: str) -> list[str]:
    return [line for line in log.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("report")
    old = work / "old.xlsx"
    wb = openpyxl.load_workbook(NBCG)
    wb["Bisfosfonat"]["I13"] = "consider"  # rule B10: the report shows the change
    wb.save(old)
    out = work / "report.html"
    assert main(["report", str(NBCG), "-o", str(out), "--diff", str(old), "--lang", "nb"]) == 0
    return out


def test_report_renders_in_chromium(report: Path, tmp_path: Path) -> None:
    dom, log, shot = render_page(report, tmp_path)
    assert f"<title>{TITLE}</title>" in dom
    assert f"<h1>{TITLE}</h1>" in dom
    for word in ("Spørsmål til faggruppen", "Dårlig kontrollerte smerter",
                 "Funn fra kontrollen", "51 av 51 regler", "Endringer siden"):
        assert word in dom, word
    assert all(ch in dom for ch in "æøå"), "Norwegian letters lost on the way"
    assert "\ufffd" not in dom  # no replacement characters: the encoding was read right
    assert console_errors(log) == []
    width, height = png_size(shot)
    assert (width, height) == (1280, 2000)
    assert shot.stat().st_size > 20_000  # a blank page compresses to a few kilobytes


def test_console_errors_are_seen(tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><head><meta charset="utf-8"><title>feil</title>'
                    '</head><body><p>Blåbær</p><script>throw new Error("boom")</script>'
                    "</body></html>", encoding="utf-8")
    dom, log, _ = render_page(page, tmp_path)
    assert "Blåbær" in dom
    assert any("Uncaught Error: boom" in line for line in console_errors(log))
