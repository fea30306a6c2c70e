"""A day as people and files write it: ``YYYY-MM-DD``, and nothing else.

``date.fromisoformat`` reads more than that since Python 3.11: the basic form
(``20261201``) and week dates (``2026-W49-6``, ``0001W011``). Those forms passed by
the app's check of dates (1900-01-01 to 2200-12-31, :mod:`spinecare.clinic.limits`),
which knows ``YYYY-MM-DD`` only, so a screening asked for year 1 was an internal error
and one for year 9999 was answered. Every date typed by a user, sent in a query or
written in a file is read here."""

from __future__ import annotations

import re
from datetime import date

from spinecare.messages import Message

__all__ = ["ISO_DATE", "date_problem", "iso_date"]

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
"""The one form a date is read in: the digits 0 to 9 (``\\d`` would match full-width
``２０２６`` and Arabic-Indic ``٢٠٢٦`` too, which ``int`` reads, so such a date was said
to be a day the month does not have)."""
_ANY_DIGITS = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_date(text: object) -> date:
    """``text`` (``YYYY-MM-DD``) as a date; ValueError for any other form, however
    ``date.fromisoformat`` would read it, and for a day no calendar has."""
    if not isinstance(text, str) or not ISO_DATE.fullmatch(text):
        raise ValueError(text)
    return date.fromisoformat(text)


def date_problem(text: object) -> Message:
    """What is wrong with ``text``, which :func:`iso_date` refused: a day no calendar has,
    said as the field's fix (``2026-02-30``: the month has no such day; ``2026-13-01``: the
    month is from 1 to 12), other digits than 0 to 9 (``２０２６-１１-２０``), or another form
    than ``YYYY-MM-DD``. A form or an address that
    said "a date in the form YYYY-MM-DD" of a date written in that form left the reader
    nothing to correct."""
    if isinstance(text, str) and ISO_DATE.fullmatch(text):
        year, month = int(text[:4]), int(text[5:7])
        if year == 0:
            return Message("there is no year 0")
        if not 1 <= month <= 12:
            return Message("the month is from 1 to 12")
        return Message("the month has no such day")
    if isinstance(text, str) and _ANY_DIGITS.fullmatch(text):
        return Message("only the digits 0 to 9 are read: a date in the form YYYY-MM-DD")
    return Message("a date in the form YYYY-MM-DD")
