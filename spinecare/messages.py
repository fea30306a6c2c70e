"""Messages for users that can be shown in their language.

A :class:`Message` is a ``str`` whose value is the English text (``msgid % params``), so
logs, JSON errors and tests see plain English. It keeps its message id and parameters,
so an adapter that knows the reader's language (the web pages) can translate it with
the gettext catalogs (``spinecare.i18n.translate``). The library and the store raise
errors with Messages; they never depend on the web layer.

A parameter that is itself a Message is translated too; a :class:`Quantity` (a value
with its unit) is written as the reader's language writes it (``1,200 mm Hg``,
``1 200 мм рт. ст.``), never with its UCUM code.
"""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Mark ``message`` for extraction into the catalogues; it is translated where shown."""
    return message


class Message(str):
    """An English message with its id and parameters kept for translation."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> Message:
        self = super().__new__(cls, msgid % params if params else msgid)
        self.msgid = msgid
        self.params = params
        return self


class Quantity(str):
    """A value with its unit, as a parameter of a :class:`Message`: its value is the English
    text (``1,200 mm Hg``); :func:`spinecare.i18n.translate` writes it in the reader's
    language. ``value`` None: the unit alone (``°C``)."""

    value: float | None
    unit: str | None

    def __new__(cls, value: float | None, unit: str | None) -> Quantity:
        self = super().__new__(cls, _written(value, unit, "en"))
        self.value = value
        self.unit = unit
        return self

    def in_language(self, lang: str) -> str:
        return _written(self.value, self.unit, lang)


def _written(value: float | None, unit: str | None, lang: str) -> str:
    from spinecare.i18n import quantity, unit_text

    return unit_text(unit, lang) if value is None else quantity(value, unit, lang)
