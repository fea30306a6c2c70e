"""The web interface in the reader's language (the catalogues of :mod:`spinecare.i18n`).

Templates call ``_("...")`` (Jinja2's i18n extension, new-style gettext: ``%(name)s``
placeholders, auto-escaped). The language of a request is the signed-in user's
(``users.language``; a patient without one gets the language of their patient record),
else the ``spinecare_lang`` cookie, else English. ``render`` sets it for the template.

Messages made in Python (form errors) are :class:`Text`: their value is the English text
(JSON answers, logs), and pages show them in the user's language with the ``tr`` filter
(:func:`translate`), which also looks up plain strings in the catalogue. ``Text(...)``
is a keyword of the extraction (``make messages``), so these are in the catalogues too.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date
from typing import Any
from urllib.parse import quote

from spinecare import i18n
from spinecare.clinic.readers import LANG_COOKIE
from spinecare.messages import Message

__all__ = [
    "LANGUAGES",
    "LANG_COOKIE",
    "Text",
    "attachment",
    "current",
    "format_day",
    "gettext",
    "ngettext",
    "set_language",
    "translate",
]

LANGUAGES = i18n.languages()
LOCALE_DIR = i18n.LOCALE_DIR
translations = i18n.catalog

_lang: ContextVar[str] = ContextVar("spinecare_lang", default=i18n.SOURCE_LANGUAGE)


def normalize(lang: str | None) -> str | None:
    return i18n.language_of(lang)


def set_language(lang: str | None) -> str:
    code = normalize(lang) or i18n.SOURCE_LANGUAGE
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
id and parameters kept so that a page shows it translated (:func:`translate`)."""


def attachment(name: str, day: date, extension: str, lang: str | None = None) -> dict[str, str]:
    """The header of a file to save: ``name`` (a message: lower-case words joined by
    hyphens, ``N_("home-program")``) in ``lang`` (default the page's), then ``day``
    (``домашняя-программа-2026-12-07.pdf``). A name in another alphabet is sent as
    ``filename*`` (RFC 6266), beside the English one for a client that reads no other."""
    tail = f"-{day.isoformat()}.{extension}"
    english = name + tail
    own = i18n.translator(lang or current())(name) + tail
    disposition = f'attachment; filename="{english}"'
    if own != english:
        disposition += f"; filename*=UTF-8''{quote(own)}"
    return {"content-disposition": disposition}


PAGE_WORDS = {
    "patient %(id)s was changed by someone else (version %(current)s, your form had "
    "%(yours)s); reload the page to see the changes, then save again": Text(
        "someone else changed this patient's details after you opened the form; reload "
        "the page to see the changes, then save again"
    ),
    "patient %(id)s was changed by someone else while you saved; reload": Text(
        "someone else changed this patient's details while you saved; reload the page"
    ),
    "patient %(id)s was changed by someone else; reload": Text(
        "someone else changed this patient's record; reload the page"
    ),
    "clearance request %(id)s was already decided (%(status)s); nothing was changed": Text(
        "this request was already decided; nothing was changed"
    ),
    "clearance request %(id)s changed since this page was opened; nothing was changed: "
    "reload the page and decide again": Text(
        "this request changed since the page was opened; nothing was changed: reload the "
        "page and decide again"
    ),
    "clearance request %(id)s was decided meanwhile": Text(
        "someone else decided this request meanwhile; reload the page to see the decision"
    ),
    "course %(id)s has already ended": Text("this course has already ended"),
    "course %(id)s was changed meanwhile; reload": Text(
        "someone else changed this course meanwhile; nothing was saved: reload the page and "
        "enter it again"
    ),
    # a value refused beside its field, in plain words (the field's label names it)
    "pain must be from 0 to 10 (got %(value)s)": Text("pain is a number from 0 to 10"),
    "must be more than 0 (got %(value)s)": Text("a number above 0"),
}
"""What the library says with a record's database number and version, or as a check
states it ("(got 12)"), in the JSON answer, as a page says it: the reader is looking at
that record, and at the value beside its field."""


def translate(message: Any) -> str:
    """``message`` in the current language (:func:`spinecare.i18n.translate`); a
    library message that names a record by its number in the words of :data:`PAGE_WORDS`."""
    if isinstance(message, Message) and message.msgid in PAGE_WORDS:
        message = PAGE_WORDS[message.msgid]
    return i18n.translate(message, _lang.get())


def format_day(
    value: date | str | None, last: date | str | None = None, since: bool = False
) -> str:
    """A date as the reader's language writes it (``3 Dec 2026``, ``3 дек. 2026 г.``);
    with ``last``, one the record gives only as a month or a year (``November 2026``,
    ``2026``; ``since``: after "since", ``с ноября 2026 г.``:
    :func:`spinecare.i18n.day_text`)."""
    # a template's ``e.last`` where the fact has none is undefined: a whole date
    shown = last if isinstance(last, date | str) else None
    return i18n.day_text(value, current(), shown, since=since)


def format_born(patient: Any) -> str:
    """A patient's birth date (the details, a dict of them, or a record's patient) as
    :func:`format_day` writes it; one the record gives only as a year or a month
    (``birth_first`` its first day, ``birth_date`` its last) as such: ``1970``."""
    if isinstance(patient, dict):
        born, first = patient.get("birth_date"), patient.get("birth_first")
    else:
        born = getattr(patient, "birth_date", None)
        first = getattr(patient, "birth_first", None)
    return format_day(first or born, born if first else None)
