"""Swedish first: the web page's and the report's words through gettext catalogues (Babel).

The words are written in English in the code and the templates (``_("Inbox")``, ``{% trans %}``) and
translated through ``discharge/locale/<language>/LC_MESSAGES/messages.po``; Swedish is the default and
English the source language, so English needs no catalogue. The catalogue is compiled in memory on first
use (Babel's ``write_mo``), so no compiled ``.mo`` is committed or can go stale: docs/translations.md.

Which language a request speaks is a context variable, set once per request by the web page's middleware
(or by ``discharge report --language``), so ``_()`` in Python and in every template agree without passing
a translator around.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.dates import format_date as _format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal as _format_decimal, format_percent as _format_percent
from babel.support import Translations

from workflows.policy import STOCKHOLM

LOCALE_DIR = Path(__file__).parent / "locale"
#: The languages a person may choose, the default first; English is the source language of the strings.
LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = LANGUAGES[0]
#: Each language's own name, as its speakers write it (the language choice shows these).
LANGUAGE_NAMES = {"sv": "Svenska", "en": "English"}

_language: ContextVar[str] = ContextVar("discharge_language", default=DEFAULT_LANGUAGE)


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalogue of ``language`` (English: the strings as written)."""
    if language == "en":
        return _gettext.NullTranslations()
    with catalogue_path(language).open("rb") as po:
        catalogue = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled)


def chosen(code: str | None) -> str:
    """A language code from a cookie or an option, or the default when it is none of ours."""
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def current_language() -> str:
    return _language.get()


def set_language(code: str | None) -> None:
    """This request's (task's) language; contexts copied later (tasks, threads) inherit it."""
    _language.set(chosen(code))


@contextmanager
def language(code: str | None) -> Iterator[str]:
    token = _language.set(chosen(code))
    try:
        yield _language.get()
    finally:
        _language.reset(token)


def gettext(message: str) -> str:
    return translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return translations(_language.get()).ngettext(singular, plural, count)


_ = gettext


def N_(message: str) -> str:
    """Marks a string for the catalogue where it is defined (a table); it is translated where it is shown."""
    return message


def local_time(moment: datetime | None) -> str:
    """Stockholm wall-clock time, ``2026-03-02 14:05`` (ISO-like: the same in both languages, so no locale's
    formatting: babel's was a third of the inbox's rendering, which shows hundreds of times; issue 26)."""
    if moment is None:
        return "–"
    if moment.tzinfo is None:  # as babel read a naive time: UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def long_date(day: date) -> str:
    """``2 mars 2026`` / ``March 2, 2026``."""
    return _format_date(day, "long", locale=_language.get())


def number(value: float | int) -> str:
    """``1 234,5`` in Swedish, ``1,234.5`` in English."""
    return _format_decimal(value, locale=_language.get())


def percent(value: float) -> str:
    return _format_percent(value, locale=_language.get())
