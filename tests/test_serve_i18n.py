"""The page's words go through gettext: with the Norwegian catalog, the page is Norwegian."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from engine.serve import page
from engine.serve.state import Guideline

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "docs" / "i18n" / "serve.nb.po"
TEMPLATES = ROOT / "engine" / "serve" / "templates"


def test_every_word_of_the_page_has_a_norwegian_translation() -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in TEMPLATES.glob("*.html"))
    said = set(re.findall(r'(?:_|ngettext)\("([^"]*)"', text))
    catalog = PO.read_text(encoding="utf-8")
    assert said and [m for m in said if f'msgid "{m}"' not in catalog] == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_the_page_in_norwegian(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mo = tmp_path / "nb.mo"
    subprocess.run(["msgfmt", "-c", "-o", str(mo), str(PO)], check=True)
    with mo.open("rb") as fh:
        nb = gettext.GNUTranslations(fh)
    monkeypatch.setattr(page, "language", lambda version: ("nb-test", nb))
    holder = Guideline(str(ROOT / "tables" / "nbcg-bisfosfonat.xlsx"))
    holder.reload()
    html = page.render_page(holder, "bisphosphonate")
    assert 'lang="nb-test"' in html
    for words in ("Prøv et tilfelle", "Arbeidsboken slik den er lagret", "0 feil",
                  "0 advarsler", "tester: 55 bestått, 0 feilet", "— velg —", "ukjent"):
        assert words in html, words
    assert "Try a case" not in html
