"""Messages for users that can be shown in their language.

A :class:`Message` is a ``str`` whose value is the English text (``msgid % params``), so
logs, JSON errors and tests see plain English. It keeps its message id and parameters,
so an adapter that knows the reader's language (the web pages) can translate it with
the gettext catalogs (``spinecare.i18n.translate``). The library and the store raise
errors with Messages; they never depend on the web layer.

A parameter that is itself a Message is translated too; a :class:`Shown` parameter is
written as the reader's language writes it: a :class:`Quantity` (a value with its unit:
``1,200 mm Hg``, ``1 200 мм рт. ст.``, never the UCUM code), a :class:`Day` (a date).
"""

from __future__ import annotations

import math
from datetime import date, timedelta
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

    def __getnewargs_ex__(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (self.msgid,), self.params  # pickled and copied with its id and parameters


FIELD_PROBLEM = N_("%(field)s: %(problem)s")


JSON_KINDS = {
    "object": N_("an object"),
    "array": N_("a list"),
    "string": N_("a string"),
    "boolean": N_("a boolean"),
    "number": N_("a number"),
}
"""A JSON type (as :func:`json_kind` tells it) in the reader's words."""


def json_kind(value: object) -> str:
    """The JSON type of ``value``: ``object``, ``array``, ``string``, ``boolean``,
    ``number`` or ``null`` (any other Python value: its type's name)."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "null" if value is None else type(value).__name__


def kind_words(value: object) -> str:
    """What kind of JSON value ``value`` is, said to a reader ("a list", "а здесь список"
    in Russian messages), for a message that refuses it."""
    kind = json_kind(value)
    return Message(JSON_KINDS[kind]) if kind in JSON_KINDS else kind


def field_error(field: str, problem: Message) -> Message:
    """A problem with one field of a form or a request (``minutes: must be 0 or more``):
    the English value names the field; a form shows ``problem`` beside that field, in
    the reader's language (``spinecare.clinic.courses.form_error``)."""
    return Message(FIELD_PROBLEM, field=field, problem=problem)


LOCATED = N_("%(where)s: %(problem)s")


def located(where: str, problem: str) -> Message:
    """A problem at one place inside a file (``vitals[0].unit: ...``, a FHIR resource's
    reference): the English value names the place; the problem is in the reader's
    language where it is a Message."""
    return Message(LOCATED, where=where, problem=problem)


class Shown(str):
    """A parameter of a :class:`Message` written as each language writes it: its value is
    the English text; :func:`spinecare.i18n.translate` asks :meth:`in_language`."""

    def in_language(self, lang: str) -> str:
        return str(self)


class Quantity(Shown):
    """A value with its unit (``1,200 mm Hg``; ``1 200 мм рт. ст.`` in Russian), never the
    UCUM code. ``value`` None: the unit alone (``°C``)."""

    value: float | None
    unit: str | None

    def __new__(cls, value: float | None, unit: str | None) -> Quantity:
        self = super().__new__(cls, _written(value, unit, "en"))
        self.value = value
        self.unit = unit
        return self

    def __getnewargs__(self) -> tuple[Any, ...]:
        return self.value, self.unit

    @classmethod
    def as_recorded(cls, text: str) -> str:
        """A value as a record wrote it (``101.3 [degF]``): a Quantity where it is a number
        with a unit, else the text as it is."""
        number, _, unit = text.strip().partition(" ")
        try:
            return cls(float(number), unit.strip() or None)
        except ValueError:
            return text

    def in_language(self, lang: str) -> str:
        return _written(self.value, self.unit, lang)


class Day(Shown):
    """A date as the reader's language writes it (``20 Nov 2026``, ``20 нояб. 2026 г.``);
    with ``last``, one the record gives only as a month or a year (``day`` its first day,
    ``last`` its last): ``November 2026``, ``2026`` (:func:`spinecare.i18n.day_text`)."""

    day: date
    last: date | None

    def __new__(cls, day: date, last: date | None = None) -> Day:
        self = super().__new__(cls, _day(day, "en", last))
        self.day = day
        self.last = last
        return self

    def __getnewargs__(self) -> tuple[Any, ...]:
        return (self.day, self.last)

    def in_language(self, lang: str) -> str:
        return _day(self.day, lang, self.last)


class Names(Shown):
    """Names the KB gives in every language (KB ``Text``s: zones, modalities), one after
    the other: ``Collar zone, Lumbosacral region``."""

    names: tuple[Any, ...]

    def __new__(cls, *names: Any) -> Names:
        self = super().__new__(cls, ", ".join(n.get("en") for n in names))
        self.names = names
        return self

    def __getnewargs__(self) -> tuple[Any, ...]:
        return self.names

    def in_language(self, lang: str) -> str:
        return ", ".join(n.get(lang) for n in self.names)


class Chosen(Shown):
    """A choice answer: its value the choice's id (the JSON answer, ``surgery``), said as
    the KB names the choice in each language (``Surgery planned or just done``)."""

    label: Any

    def __new__(cls, value: str, label: Any) -> Chosen:
        self = super().__new__(cls, value)
        self.label = label
        return self

    def __getnewargs__(self) -> tuple[Any, ...]:
        return (str(self), self.label)

    def in_language(self, lang: str) -> str:
        return str(self.label.get(lang))


class Wait(Shown):
    """How long to wait before trying again, as each language says it, plural and case
    included (``in 1 second``, ``in 2 minutes``; ``через 1 секунду``)."""

    seconds: int

    def __new__(cls, seconds: float) -> Wait:
        whole = max(1, math.ceil(seconds))
        self = super().__new__(cls, _wait(whole, "en"))
        self.seconds = whole
        return self

    def __getnewargs__(self) -> tuple[Any, ...]:
        return (self.seconds,)

    def in_language(self, lang: str) -> str:
        return _wait(self.seconds, lang)


def _wait(seconds: int, lang: str) -> str:
    from babel.dates import format_timedelta

    return format_timedelta(
        timedelta(seconds=seconds),
        granularity="second",
        threshold=1,
        add_direction=True,
        locale=lang,
    )


def _written(value: float | None, unit: str | None, lang: str) -> str:
    from spinecare.i18n import quantity, unit_alone

    return unit_alone(unit, lang) if value is None else quantity(value, unit, lang)


def _day(day: date, lang: str, last: date | None = None) -> str:
    from spinecare.i18n import day_text

    return day_text(day, lang, last)


def message_data(message: str) -> Any:
    """A message as JSON data, to be kept (a database column) and shown later in any
    language: ``{"id": msgid, "params": {...}}`` with every parameter that is a Message, a
    value with its unit, a date or KB names kept as such; a plain string as it is."""
    if not isinstance(message, Message):
        return str(message)
    return {"id": message.msgid, "params": {k: _value_data(v) for k, v in message.params.items()}}


def message_of(data: Any) -> Message:
    """The message :func:`message_data` kept (a plain string: a message of its text)."""
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        params = data.get("params") or {}
        return Message(data["id"], **{k: _value_of(v) for k, v in params.items()})
    return Message(str(data))


def _value_data(value: Any) -> Any:
    if isinstance(value, Message):
        return {"message": message_data(value)}
    if isinstance(value, Quantity):
        return {"quantity": [value.value, value.unit]}
    if isinstance(value, Day):
        if value.last is not None:
            return {"day": value.day.isoformat(), "last": value.last.isoformat()}
        return {"day": value.day.isoformat()}
    if isinstance(value, Wait):
        return {"wait": value.seconds}
    if isinstance(value, Names):
        from spinecare.i18n import language_codes

        return {"names": [{lang: n.get(lang) for lang in language_codes()} for n in value.names]}
    if isinstance(value, str | int | float | bool) or value is None:
        return value if not isinstance(value, str) else str(value)
    return str(value)


def _value_of(data: Any) -> Any:
    if isinstance(data, dict):
        if "message" in data:
            return message_of(data["message"])
        if "quantity" in data:
            value, unit = data["quantity"]
            return Quantity(value, unit)
        if "day" in data:
            last = data.get("last")
            return Day(date.fromisoformat(data["day"]), date.fromisoformat(last) if last else None)
        if "wait" in data:
            return Wait(data["wait"])
        if "names" in data:
            return Names(*data["names"])
    return data
