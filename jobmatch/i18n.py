"""French and English: the gettext catalogues of every label, message and generated sentence,
and dates and numbers written the way each language writes them (Babel).

Source strings are English and marked with :func:`_` (or :func:`N_` where a string is only
declared, to be translated when shown). Translations live in standard gettext catalogues,
``jobmatch/locales/<language>/LC_MESSAGES/*.po`` (one file per part of the app, merged at
load), compiled in memory by Babel: no binary file to keep in step. ``pybabel extract`` /
``update`` keep them current (see docs/i18n.md).

The language is per thread of execution (a :class:`contextvars.ContextVar`): each Streamlit
session's script run sets its own with :func:`set_language`; the command line and the tests
read ``JOBMATCH_LANGUAGE``. Default: French, the users' first language.
"""

from __future__ import annotations

import gettext as gettext_module
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from babel.dates import LOCALTZ, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

#: Languages of the interface, French first (the default).
LANGUAGES = ("fr", "en")
#: Each language's name, in that language (for the switch).
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}
#: Where the catalogues are.
LOCALES_DIR = Path(__file__).resolve().parent / "locales"


def default_language() -> str:
    """``JOBMATCH_LANGUAGE`` when it names a supported language, else French."""
    value = os.environ.get("JOBMATCH_LANGUAGE", "").strip().lower()
    return value if value in LANGUAGES else LANGUAGES[0]


_language: ContextVar[str | None] = ContextVar("jobmatch_language", default=None)


def current_language() -> str:
    """The language of this thread of execution (see :func:`set_language`)."""
    return _language.get() or default_language()


def set_language(language: str) -> str:
    """Use ``language`` (``"fr"`` or ``"en"``; anything else: the default) from now on in this
    thread of execution; returns the language used."""
    chosen = language if language in LANGUAGES else default_language()
    _language.set(chosen)
    return chosen


@contextmanager
def language(code: str) -> Iterator[str]:
    """Use ``code`` inside the ``with`` block only."""
    token = _language.set(code if code in LANGUAGES else default_language())
    try:
        yield current_language()
    finally:
        _language.reset(token)


@lru_cache(maxsize=len(LANGUAGES))
def translations(code: str) -> gettext_module.NullTranslations:
    """The merged catalogues of ``code`` (English, the source language, has none)."""
    folder = LOCALES_DIR / code / "LC_MESSAGES"
    files = sorted(folder.glob("*.po")) if folder.is_dir() else []
    if not files:
        return gettext_module.NullTranslations()
    catalogues = []
    for path in files:
        with path.open("rb") as handle:
            catalogues.append(read_po(handle, locale=code))
    merged = catalogues[0]  # its header (Plural-Forms) is the merged catalogue's
    for catalogue in catalogues[1:]:
        for message in catalogue:
            if message.id:
                merged[message.id] = message
    for message in list(merged):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.id and (message.fuzzy or not all(strings)):
            del merged[message.id]  # untranslated: the English source is shown
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return gettext_module.GNUTranslations(buffer)


def _(message: str) -> str:
    """``message`` (an English source string) in the current language."""
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for ``count``, in the current language."""
    return translations(current_language()).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it now (translate when shown)."""
    return message


def short_datetime(moment: datetime) -> str:
    """A date and time in local time as people write them, e.g. ``"4 déc. 14:02"`` /
    ``"4 Dec 14:02"``."""
    return format_datetime(moment, "d MMM HH:mm", tzinfo=LOCALTZ, locale=current_language())


def number(value: float, digits: int = 1) -> str:
    """A number rounded to ``digits`` decimals, written the language's way (``"45,5"``)."""
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=current_language())
