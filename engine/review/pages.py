"""HTML pages from Jinja2 templates kept in the package (`engine/review/templates/`).

Every HTML page (the review document, the report, pages to come) extends one layout and
inlines one stylesheet, so a page stays a single self-contained file. Autoescape is on for
every template: text from a workbook can never become markup. Text the pages add themselves
is written in English inside `_()` (jinja2.ext.i18n), so Babel extracts it with the rest of
the program's messages; the translations are installed per page.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup, escape

CARD_COLUMNS = 9  # a decision table with more columns than this is shown as rule cards
LANDSCAPE_COLUMNS = 7  # a plain table with more columns than this prints on a landscape page
ANY_CELL = (("", "–"),)  # how render writes an input cell that holds for any value


@dataclass
class Entry:
    """One line of the table of contents: a heading and the headings under it."""

    anchor: str
    text: Any  # the heading's inline runs
    children: list[Entry] = field(default_factory=list)


@cache
def environment() -> jinja2.Environment:
    """The one template environment: package templates, autoescape, i18n, strict names."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("engine.review", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["kind"] = lambda block: type(block).__name__
    env.filters["breakable"] = breakable
    env.globals.update(card_columns=CARD_COLUMNS, landscape_columns=LANDSCAPE_COLUMNS,
                       any_cell=ANY_CELL)
    assert env.loader is not None
    css, _, _ = env.loader.get_source(env, "page.css")
    env.globals["stylesheet"] = Markup(css.strip())  # our own file, not user text
    return env


def page(template: str, translations: Any = None, **context: Any) -> str:
    """A whole page: `template` rendered with `context` and the given gettext translations."""
    env = environment()
    env.install_gettext_translations(  # type: ignore[attr-defined]
        translations or gettext.NullTranslations(), newstyle=True)
    return env.get_template(template).render(**context)


def breakable(text: str) -> Markup:
    """Text whose identifiers may wrap after each underscore (`12_24_months_or_skeletal_event`),
    so a narrow column breaks them where a reader expects instead of widening the table."""
    return Markup("<wbr>").join(escape(part) for part in re.split(r"(?<=_)(?=.)", text))


def plain(runs: Sequence[tuple[str, str]]) -> str:
    return "".join(text for _, text in runs)


def slug(text: str, taken: set[str]) -> str:
    """A stable anchor from a heading's words (ASCII, lower case), unique within the page."""
    folded = unicodedata.normalize("NFKD", text.replace("ø", "o").replace("Ø", "O")
                                   .replace("æ", "ae").replace("Æ", "AE"))
    base = re.sub(r"[^a-z0-9]+", "-", folded.encode("ascii", "ignore").decode().lower())
    base = base.strip("-") or "del"
    anchor, n = base, 1
    while anchor in taken:
        n += 1
        anchor = f"{base}-{n}"
    taken.add(anchor)
    return anchor


def contents(blocks: Sequence[Any]) -> tuple[dict[int, str], list[Entry], int]:
    """Anchors for every level-2 and level-3 heading (by block index), the table of contents
    built from them, and the index of the block after which the contents stand (the end of
    the front matter, right before the first level-2 heading)."""
    anchors: dict[int, str] = {}
    entries: list[Entry] = []
    taken: set[str] = {"toc-title"}
    first = len(blocks)
    for n, block in enumerate(blocks):
        level = getattr(block, "level", None)
        if type(block).__name__ != "Heading" or level not in (2, 3):
            continue
        anchors[n] = slug(plain(block.text), taken)
        if level == 2:
            first = min(first, n)
            entries.append(Entry(anchors[n], block.text))
        elif entries:
            entries[-1].children.append(Entry(anchors[n], block.text))
    return anchors, entries, first - 1
