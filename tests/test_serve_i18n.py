"""The page's words go through gettext: in Norwegian, the page is Norwegian (the package's
catalog, engine/locale/nb; every message having a translation is tests/test_i18n.py's job)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.core import i18n
from engine.serve import page
from engine.serve.state import Guideline

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def norwegian() -> Iterator[None]:
    before = i18n.language()
    i18n.install("nb")
    yield
    i18n.install(before)


def test_the_page_in_norwegian(norwegian: None) -> None:
    holder = Guideline(str(ROOT / "tables" / "nbcg-bisfosfonat.xlsx"))
    with i18n.speaking("nb"):  # as --lang nb: the version is read, and the page made, in nb
        holder.reload()
    html = page.render_page(holder, "bisphosphonate")
    assert 'lang="nb"' in html
    for words in ("Prøv et tilfelle", "Arbeidsboken slik den er lagret", "feil: 0",
                  "advarsler: 0", "tester: 108 bestått, 0 feilet", "— velg —", "ukjent", "ja"):
        assert words in html, words
    assert "Try a case" not in html and "The workbook as saved" not in html


def test_the_page_in_english() -> None:
    before = i18n.language()
    try:
        holder = Guideline(str(ROOT / "tables" / "nbcg-bisfosfonat.xlsx"))
        with i18n.speaking("en"):
            holder.reload()
        html = page.render_page(holder, "bisphosphonate")
        assert 'lang="en"' in html and "Try a case" in html
    finally:
        i18n.install(before)
