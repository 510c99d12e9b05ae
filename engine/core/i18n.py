"""The one place that chooses the language and installs the translations.

Messages are English msgids wrapped in `_()` and translated when they are made, with the
gettext catalog `engine/locale/<lang>/LC_MESSAGES/guideline.mo` (Babel extracts, updates and
compiles it from the `.po` next to it; the compiled `.mo` is kept in the repository so that a
plain `pip install .` ships it and no build step or runtime dependency is needed, and a test
fails when it is not what Babel compiles from the `.po`).

The language is, in order: `--lang` (`set_explicit`), the `GUIDELINE_LANG` environment
variable, the workbook's About row `language` / `språk` (`use_workbook_language`, called by
the loader before it reads anything else), else English. Severity and `kind` codes stay
English in every format a program reads; only the words a person reads are translated.
"""

from __future__ import annotations

import gettext as _gettext
import os
import string
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

DOMAIN = "guideline"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
ENV = "GUIDELINE_LANG"
LANGUAGES = ("en", "nb")

# Every spelling a committee might write in the About sheet or the environment, by language.
_SPELLINGS = {
    "en": ("en", "eng", "english", "engelsk", "en-gb", "en-us", "en_gb", "en_us"),
    "nb": ("nb", "no", "nob", "nor", "norsk", "bokmål", "bokmal", "norwegian", "nb-no",
           "nb_no", "no-nb", "norsk bokmål", "norwegian bokmål"),
}
_WORDS = {word: lang for lang, words in _SPELLINGS.items() for word in words}


class LanguageError(ValueError):
    """A language the package has no catalog for was asked for by name (`--lang`, or the
    environment: `engine.load` raises it as a `UsageError`, the CLI exits 2). Said in English:
    no language can be chosen to say it in."""

    def __str__(self) -> str:
        return f"{self.args[0]} is not a language the messages come in: use nb or en"


_explicit: str | None = None
_active_lang = "en"
_active: _gettext.NullTranslations = _gettext.NullTranslations()
_catalogs: dict[str, _gettext.NullTranslations] = {}
# One request's language (the server's Accept-Language), over the installed one: a context
# variable, so that concurrent requests (tasks, worker threads) never see each other's.
_request: ContextVar[tuple[str, _gettext.NullTranslations] | None] = ContextVar(
    "guideline_request_language", default=None)


def language_code(word: str | None) -> str | None:
    """The catalog code (`en`, `nb`) a written language name means; None if it means none."""
    if word is None:
        return None
    text = " ".join(str(word).replace("\u00a0", " ").split()).casefold()
    return _WORDS.get(text)


def catalog(lang: str) -> _gettext.NullTranslations:
    """The catalog of `lang` (English: the msgids themselves), loaded once."""
    if lang not in LANGUAGES:
        raise LanguageError(lang)
    if lang not in _catalogs:
        if lang == "en":  # the msgids are English
            _catalogs[lang] = _gettext.NullTranslations()
        else:
            _catalogs[lang] = _gettext.translation(DOMAIN, str(LOCALE_DIR), languages=[lang])
    return _catalogs[lang]


def install(lang: str) -> None:
    """Make `lang` the language of every message made from now on."""
    global _active, _active_lang
    if lang not in LANGUAGES:
        raise LanguageError(lang)
    _active, _active_lang = catalog(lang), lang


def set_explicit(word: str | None) -> None:
    """The language the user asked for (`--lang`); None leaves it to the environment."""
    global _explicit
    if word is None:
        _explicit = None
        return
    code = language_code(word)
    if code is None:
        raise LanguageError(word)
    _explicit = code
    install(code)


def _from_environment() -> str | None:
    word = os.environ.get(ENV, "").strip()
    if not word:
        return None
    code = language_code(word)
    if code is None:
        raise LanguageError(f"{ENV}={word}")
    return code


SYSTEM = ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")


def system_language() -> str | None:
    """The language of the machine (`LANG=nb_NO.UTF-8`), if it is one the messages come in:
    after the workbook's own, before English (a committee member's machine speaks Norwegian)."""
    for name in SYSTEM:
        value = os.environ.get(name, "").strip()
        if value:
            return language_code(value.split(".")[0].split("_")[0].split(":")[0])
    return None


def chosen() -> str | None:
    """The language fixed by `--lang` or `GUIDELINE_LANG`, if any: it beats the workbook's."""
    return _explicit or _from_environment()


def use_workbook_language(word: str | None) -> str | None:
    """Install the workbook's About language unless one was chosen; return the code it names
    (None when `word` names no language we have, which the loader reports)."""
    code = language_code(word)
    install(chosen() or code or system_language() or "en")
    return code


def start() -> str:
    """Install the chosen language (or English) before anything is read; return it."""
    lang = chosen() or system_language() or "en"
    install(lang)
    return lang


@contextmanager
def speaking(word: str) -> Iterator[None]:
    """Messages in `word`'s language inside the block, as if `--lang` had said it; the choice
    before is restored after (for a library caller, or a test of the Norwegian text)."""
    global _explicit
    before, lang = _explicit, _active_lang
    set_explicit(word)
    try:
        yield
    finally:
        _explicit = before
        install(lang)


def for_request(lang: str | None) -> object:
    """Messages in `lang` for the rest of this request's context (None: the installed
    language); returns the token `end_request` takes."""
    return _request.set((lang, catalog(lang)) if lang in LANGUAGES else None)


def end_request(token: object) -> None:
    _request.reset(token)  # type: ignore[arg-type]


def language() -> str:
    """The code of the language messages are made in now."""
    request = _request.get()
    return request[0] if request is not None else _active_lang


def translations() -> _gettext.NullTranslations:
    """The installed catalog, for Jinja2's `install_gettext_translations`."""
    request = _request.get()
    return request[1] if request is not None else _active


class _Grouped(str):
    """A translated message whose numbers are grouped as its language writes them: `{n:,}`
    gives 20 000 in Norwegian, not the English 20,000 (Python's `,` knows one separator)."""

    def format(self, *args: object, **kwargs: object) -> str:
        return _GROUPING.vformat(self, args, kwargs)


class _Grouping(string.Formatter):
    def format_field(self, value: object, spec: str) -> str:
        text = format(value, spec)
        if "," in spec and isinstance(value, (int, float)):
            text = text.replace(",", "\u00a0")  # a no-break space, as Norwegian groups digits
        return text


_GROUPING = _Grouping()


def _(message: str) -> str:
    """The message in the installed language (the msgid is the English text)."""
    request = _request.get()
    lang, active = request if request is not None else (_active_lang, _active)
    text = active.gettext(message)
    if lang != "en" and text and ":," in text:
        return _Grouped(text)
    return text


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the installed language."""
    return translations().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a message for extraction whose translation happens later (`_(word)`)."""
    return message
