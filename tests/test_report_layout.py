"""The report and the review document as a committee sees them: on a 1280 px screen and on A4.

Headless Chromium (Debian's, through Playwright) lays the pages out; every table cell must be
whole: not wider than its own box, inside the window or the printed page, and not cut by a
scroll box around it. The print layout is checked at the width of an A4 page's printable
area, and the page is printed to PDF to count its pages. Skipped where /usr/bin/chromium is
missing (Playwright never downloads a browser here).

`GUIDELINE_SCREENSHOTS=docs` also writes docs/report-1280.png, docs/report-print.png and
docs/report.pdf from the same run, for the documentation.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from engine.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
CHROMIUM = Path("/usr/bin/chromium")
SCREEN = 1280
# A4 is 210 x 297 mm; page.css keeps 11 mm side margins on portrait pages and 12 mm on
# landscape ones (tables marked .landscape): the printable width at 96 px per inch.
A4_PRINTABLE = round((210 - 22) / 25.4 * 96)
A4_LANDSCAPE = round((297 - 24) / 25.4 * 96)

playwright = pytest.importorskip("playwright.sync_api", reason="the test extra installs it")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="Debian's chromium is not installed at /usr/bin/chromium")

# Every td/th that is wider than its box, sticks out of the page, or is cut by an ancestor that
# clips or scrolls (the old report's scroll box hid 114 of 547 cells at 1280 px).
CLIPPED_CELLS = """([limit, landscape]) => {
  const out = [];
  let seen = 0;
  const clips = (el) => ['hidden', 'scroll', 'auto', 'clip']
      .includes(getComputedStyle(el).overflowX);
  for (const cell of document.querySelectorAll('td, th')) {
    if (landscape !== null && !!cell.closest('.landscape') !== landscape) continue;
    seen += 1;
    const box = cell.getBoundingClientRect();
    let why = '';
    if (cell.scrollWidth > cell.clientWidth + 1) why = 'wider than its box';
    else if (box.left < -0.5 || box.right > limit + 0.5) why = 'outside the page';
    else {
      for (let el = cell.parentElement; el && el !== document.body; el = el.parentElement) {
        const r = el.getBoundingClientRect();
        if (clips(el) && (box.left < r.left - 0.5 || box.right > r.right + 0.5)) {
          why = 'cut by a scroll box'; break;
        }
      }
    }
    if (why) out.push(why + ': ' + cell.textContent.trim().slice(0, 40));
  }
  return {cells: seen, clipped: out,
          width: document.documentElement.scrollWidth};
}"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The report (with a diff, so every section is there) and the HTML review document."""
    work = tmp_path_factory.mktemp("layout")
    old = work / "old.xlsx"
    wb = openpyxl.load_workbook(NBCG)
    wb["Bisfosfonat"]["I13"] = "consider"  # rule B10 answered differently before
    wb.save(old)
    report, review = work / "report.html", work / "render.html"
    assert main(["report", str(NBCG), "-o", str(report), "--diff", str(old)]) == 0
    assert main(["render", str(NBCG), "--format", "html", "-o", str(review)]) == 0
    return {"report": report, "render": review}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield chromium
        finally:
            chromium.close()


def _open(browser: Any, page_file: Path, width: int, media: str) -> Any:
    page = browser.new_page(viewport={"width": width, "height": 1000})
    page.emulate_media(media=media)
    page.goto(page_file.as_uri())
    return page


def _keep(name: str, source: Path) -> None:
    """Copy a picture into docs/ when asked to (GUIDELINE_SCREENSHOTS=docs)."""
    if os.environ.get("GUIDELINE_SCREENSHOTS") == "docs":
        shutil.copyfile(source, ROOT / "docs" / name)


@pytest.mark.parametrize("which", ["report", "render"])
def test_no_cell_clipped_at_1280_px(browser: Any, pages: dict[str, Path], which: str,
                                    tmp_path: Path) -> None:
    page = _open(browser, pages[which], SCREEN, "screen")
    found = page.evaluate(CLIPPED_CELLS, [SCREEN, None])
    assert found["cells"] > 300  # the tables are there (NBCG alone has 30 rules)
    assert found["clipped"] == [], found["clipped"][:10]
    assert found["width"] <= SCREEN  # no horizontal scrolling of the page either
    if which == "report":
        shot = tmp_path / "report-1280.png"
        page.screenshot(path=str(shot))
        _keep("report-1280.png", shot)
    page.close()


@pytest.mark.parametrize("which", ["report", "render"])
def test_no_cell_clipped_in_print_layout(browser: Any, pages: dict[str, Path], which: str,
                                         tmp_path: Path) -> None:
    page = _open(browser, pages[which], A4_PRINTABLE, "print")
    found = page.evaluate(CLIPPED_CELLS, [A4_PRINTABLE, False])
    assert found["clipped"] == [], found["clipped"][:10]
    wide = _open(browser, pages[which], A4_LANDSCAPE, "print")  # tables on landscape pages
    found_wide = wide.evaluate(CLIPPED_CELLS, [A4_LANDSCAPE, True])
    wide.close()
    assert found_wide["clipped"] == [], found_wide["clipped"][:10]
    assert found["cells"] + found_wide["cells"] > 300
    # the headers repeat on every printed page, and a rule is never split between pages
    assert page.evaluate("getComputedStyle(document.querySelector('thead')).display") \
        == "table-header-group"
    assert page.evaluate("getComputedStyle(document.querySelector('tbody tr')).breakInside") \
        == "avoid"
    if which == "report":
        shot = tmp_path / "report-print.png"
        page.locator("table.cards").first.scroll_into_view_if_needed()
        page.screenshot(path=str(shot))
        _keep("report-print.png", shot)
    page.close()


def test_report_prints_on_a4(browser: Any, pages: dict[str, Path], tmp_path: Path) -> None:
    page = _open(browser, pages["report"], SCREEN, "print")
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    page.close()
    data = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert boxes, "no page in the PDF"
    sizes = {(round(float(w)), round(float(h))) for w, h in boxes}
    assert sizes <= {(595, 842), (842, 595)}, sizes  # A4, portrait or landscape
    assert 5 <= len(boxes) <= 30  # the old page printed on 26 pages with columns cut off
    _keep("report.pdf", pdf)


def test_report_has_contents_and_highlights(browser: Any, pages: dict[str, Path]) -> None:
    page = _open(browser, pages["report"], SCREEN, "screen")
    links = page.eval_on_selector_all("nav.toc a", "as => as.map(a => a.getAttribute('href'))")
    assert len(links) >= 8
    for href in links:  # every entry leads to a heading on the page
        assert page.locator(f"[id='{href[1:]}']").count() == 1, href
    # rules that answer not_covered or interpret the text are marked for the committee
    assert page.locator("tr.question").count() >= 5
    page.close()


def test_findings_and_failing_tests_stand_out(browser: Any, tmp_path: Path) -> None:
    """A duplicated rule (an overlap) and a wrong expectation: both are marked, nothing cut."""
    copy = tmp_path / "nbcg.xlsx"
    wb = openpyxl.load_workbook(NBCG)
    rules = wb["Bisfosfonat"]
    for col in range(1, rules.max_column + 1):  # B3 again, as B19, under the last rule
        rules.cell(22, col).value = rules.cell(6, col).value
    rules["A22"] = "B19"
    wb["Testtilfeller"]["O4"] = "observe"  # T01 expects the wrong recommendation
    wb.save(copy)
    out = tmp_path / "report.html"
    assert main(["report", str(copy), "-o", str(out)]) == 0
    page = _open(browser, out, SCREEN, "screen")
    errors = page.locator("tr.error")
    assert errors.count() >= 1
    assert "Bisfosfonat!A22" in errors.first.inner_text()
    failures = page.locator("ol.failures li, ul.failures li").all_inner_texts()
    assert failures[0].startswith("T01 (Testtilfeller!A4)")
    assert any("B3, B19" in text for text in failures)  # the overlap breaks cases too
    status = page.locator("ul.status li.error").all_inner_texts()
    assert [s.split(":")[0] for s in status] == ["Kontroll", "Tester"]
    found = page.evaluate(CLIPPED_CELLS, [SCREEN, None])
    assert found["clipped"] == [], found["clipped"][:10]
    page.close()
