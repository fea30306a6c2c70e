"""What input the clinic accepts: one check, before any handler runs, for every path
parameter, query parameter and form field.

- ids and versions fit the store's integer columns, offsets and limits 64 bits;
- dates (``YYYY-MM-DD``) lie between :data:`DATE_MIN` and :data:`DATE_MAX`;
- numbers are finite (no NaN or infinity) in every field but free text;
- no text carries a NUL character (PostgreSQL cannot store it).

A value outside these limits is a :class:`~spinecare.store.errors.FormError` (422) naming
the field, never an internal error. Finer limits (pain 0 to 10, minutes within the KB's
ranges, dates not in the future) are the use cases' own, checked where they are decided.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date

from fastapi import Request

from spinecare.messages import N_, Message
from spinecare.store.errors import FormError

__all__ = ["DATE_MAX", "DATE_MIN", "MAX_ID", "MAX_INT", "check_fields", "check_request"]

MAX_INT = 2**63 - 1
"""Offsets and limits: a 64-bit integer."""
MAX_ID = 2**31 - 1
"""Ids and versions: the store's integer columns."""
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2200, 12, 31)
FREE_TEXT = frozenset(
    {
        "name",
        "full_name",
        "username",
        "password",
        "notes",
        "note",
        "message",
        "decision_note",
        "adverse_event",
        "q",
        "external_id",
        "next",
        "csrf_token",
        "key",
    }
)
"""Fields whose value is text even when it reads as a number, a date or a large number
("Nan" is a name, a record number may have 20 digits): only NUL is refused in them."""
FREE_TEXT_ENDINGS = ("_text", "_note", "_notes")
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")
_DATE = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})\s*")


def _largest(name: str) -> int | None:
    if name.endswith("id") or name == "version":
        return MAX_ID
    return MAX_INT if name in {"offset", "limit"} else None


def _problem(name: str, value: str) -> str | Message | None:
    if "\x00" in value:
        return N_("must not contain a NUL character")
    if name in FREE_TEXT or name.endswith(FREE_TEXT_ENDINGS) or name.startswith("reason"):
        return None
    largest = _largest(name)
    if largest is not None and _INTEGER.fullmatch(value) and abs(int(value)) > largest:
        return Message("a whole number up to %(n)s", n=largest)
    match = _DATE.fullmatch(value)
    if match:
        try:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None  # not a calendar date: the field's own check says so
        if not DATE_MIN <= day <= DATE_MAX:
            return Message(
                "a date from %(low)s to %(high)s",
                low=DATE_MIN.isoformat(),
                high=DATE_MAX.isoformat(),
            )
        return None
    if not _INTEGER.fullmatch(value):
        try:
            number = float(value.strip().replace(",", "."))
        except ValueError:
            return None
        if not math.isfinite(number):
            return N_("a finite number")
    return None


def check_fields(fields: Iterable[tuple[str, str]]) -> None:
    """Refuse the first field outside the limits (FormError, 422, naming it)."""
    errors: dict[str, str | Message] = {}
    for name, value in fields:
        if name in errors or not isinstance(value, str):
            continue
        problem = _problem(name, value)
        if problem is not None:
            errors[name] = problem
    if errors:
        raise FormError(errors)  # type: ignore[arg-type]


def check_request(request: Request) -> None:
    """The app-wide dependency: the path and query parameters of every request."""
    check_fields([*request.path_params.items(), *request.query_params.multi_items()])
