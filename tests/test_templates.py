"""The HTML templates: shipped in the wheel, escaped, their words extractable for Babel."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

from engine.review import pages
from engine.review.render import Heading, Para, Rules, t, to_html

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "engine" / "review" / "templates"


def test_every_template_is_package_data() -> None:
    """A non-editable install finds the templates only if pyproject ships each of them."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["engine.review"]
    files = sorted(p.relative_to(TEMPLATES.parent).as_posix() for p in TEMPLATES.iterdir())
    assert files
    for name in files:
        assert any(fnmatch.fnmatch(name, g) for g in globs), f"{name} is not shipped"


def test_every_message_is_a_literal_for_babel() -> None:
    """`_()` in a template takes a constant English msgid, or Babel cannot extract it."""
    env = pages.environment()
    found = []
    for path in sorted(TEMPLATES.glob("*.html")):
        for _, func, message in env.extract_translations(path.read_text(encoding="utf-8")):
            assert func == "_" and isinstance(message, str), (path.name, func, message)
            found.append(message)
    assert "Contents" in found and "When" in found


def test_workbook_text_is_escaped_everywhere() -> None:
    """Autoescape: a heading, a cell or a card made of workbook text never becomes markup."""
    evil = '<img src=x onerror="alert(1)">'
    blocks = [Heading(1, t(evil)), Heading(2, t("A ", evil)), Para(t(("b", evil))),
              Rules((t("Regel"), *[t(f"c{n}") for n in range(9)], t("⇒ ", evil), t("Kilder")),
                    ((t(evil), *[t(evil)] * 9, t(evil), t(evil)),), ("question",),
                    conditions=tuple(t(evil) for _ in range(9)), answers=(t(evil),))]
    page = to_html(blocks)
    assert "<img" not in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page
    assert 'class="cards"' in page  # more than nine columns: shown as rule cards


def test_anchors_are_unique_and_readable() -> None:
    taken: set[str] = set()
    assert pages.slug("Spørsmål til faggruppen", taken) == "sporsmal-til-faggruppen"
    assert pages.slug("Spørsmål til faggruppen", taken) == "sporsmal-til-faggruppen-2"
    assert pages.slug("Ærlig «svar»", taken) == "aerlig-svar"
    assert pages.slug("–", taken) == "del"
