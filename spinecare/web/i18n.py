"""The interface in English and Russian: gettext catalogs read with Babel.

The catalogs are the ``.po`` files in ``spinecare/locale/{en,ru}/LC_MESSAGES/``
(no compiled ``.mo`` is kept in the repository): on first use each is parsed with
:func:`babel.messages.pofile.read_po`, compiled in memory with
:func:`babel.messages.mofile.write_mo` and loaded as :class:`babel.support.Translations`.
Templates call ``_("...")`` (Jinja2's i18n extension, new-style gettext: ``%(name)s``
placeholders, auto-escaped). The language of a request is the signed-in user's
(``users.language``; a patient without one gets the language of their patient record),
else the ``spinecare_lang`` cookie, else English. ``render`` sets it for the template.

Messages made in Python (form errors) are :class:`Text`: their value is the English text
(JSON answers, logs), and pages show them in the user's language with the ``tr`` filter
(:func:`translate`), which also looks up plain strings in the catalog.

``python tools/ru_messages.py`` extracts the strings (``babel.cfg``) and rewrites both
catalogs from its Russian table; the catalogs are plain text and reviewed like code.
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from spinecare.messages import Message

__all__ = [
    "LANGUAGES",
    "LANG_COOKIE",
    "Text",
    "current",
    "format_day",
    "gettext",
    "ngettext",
    "set_language",
    "translate",
]

LANGUAGES = {"en": "English", "ru": "Русский"}
LANG_COOKIE = "spinecare_lang"
LOCALE_DIR = Path(str(resources.files("spinecare"))) / "locale"

_lang: ContextVar[str] = ContextVar("spinecare_lang", default="en")


def normalize(lang: str | None) -> str | None:
    if not lang:
        return None
    code = lang.strip().lower()[:2]
    return code if code in LANGUAGES else None


@cache
def translations(lang: str) -> NullTranslations:
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def set_language(lang: str | None) -> str:
    code = normalize(lang) or "en"
    _lang.set(code)
    return code


def current() -> str:
    return _lang.get()


def gettext(message: str) -> str:
    return translations(_lang.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_lang.get()).ngettext(singular, plural, n)


Text = Message
"""A message for users (:class:`spinecare.messages.Message`): English as its value, its
id and parameters kept so that a page shows it translated (:func:`translate`). Message
ids are listed in ``RUNTIME`` of ``tools/ru_messages.py``."""


def translate(message: Any) -> str:
    """``message`` in the current language: a :class:`Text` with its parameters (those that
    are :class:`Text` translated too); any other string as the catalog has it, else as is."""
    if message is None or message == "":
        return ""
    if isinstance(message, Text):
        text = gettext(message.msgid)
        if not message.params:
            return text
        params = {k: translate(v) if isinstance(v, Text) else v for k, v in message.params.items()}
        return text % params
    return gettext(str(message))


def format_day(value: date | str | None) -> str:
    """A date as the reader's language writes it (``3 Dec 2026``, ``3 дек. 2026 г.``)."""
    if value is None or value == "":
        return ""
    day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return format_date(day, format="medium", locale=current())
