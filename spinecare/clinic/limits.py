"""What input the clinic accepts: one check, before any handler runs, for every path
parameter, query parameter and form field.

- a form field (``application/x-www-form-urlencoded`` or ``multipart/form-data``) is
  UTF-8 text: a field that is not is refused, rather than read with replacement
  characters (a JSON body that is not UTF-8 is refused as a whole by its reader);

- ids and versions fit the store's integer columns, offsets and limits 64 bits;
- dates (``YYYY-MM-DD``) lie between :data:`DATE_MIN` and :data:`DATE_MAX`, and a query
  parameter's date is a calendar date;
- a list's ``page`` is a whole number from 1;
- numbers are finite (no NaN or infinity) in every field but free text;
- no text carries a NUL character (PostgreSQL cannot store it).

A value outside these limits is a :class:`~spinecare.store.errors.FormError` (422) naming
the field, never an internal error. Finer limits (pain 0 to 10, minutes within the KB's
ranges, dates not in the future) are the use cases' own, checked where they are decided.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from urllib.parse import unquote_to_bytes

from fastapi import Request
from fastapi.exceptions import RequestValidationError

from spinecare.dates import date_problem
from spinecare.errors import InputError
from spinecare.i18n import typed_number
from spinecare.messages import N_, Day, Message, Quantity
from spinecare.store.errors import FormError

__all__ = [
    "DATE_MAX",
    "DATE_MIN",
    "ID_TOO_LARGE",
    "MAX_ID",
    "MAX_INT",
    "check_body",
    "check_fields",
    "check_request",
    "not_utf8_field",
    "upload_name",
]

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
        "user",  # the audit log's filter: a user's name or number
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
OWN_CHECK = frozenset({"birth_date", "day", "start"})
OWN_CHECK_PREFIXES = ("cond_onset_",)
"""Fields whose form checks them itself, beside the field, in the words of what they are
(a birth date "before 1900; check the year"; a visit's or a diary's day in the future or
more than a year ago; a course's start in the past or more than a year ahead; a
diagnosis's onset in the future or before 1900): here only NUL is refused, so that the
form is shown again with what was typed rather than an error page."""
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")
_DATE = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})\s*")


ID_TOO_LARGE = N_("too large: no record has a number this large")
"""An id or a version beyond the store's integer columns, said without the limit (a number
of ten digits that means nothing to the reader)."""


def _largest(name: str) -> int | None:
    if name.endswith("id") or name == "version":
        return MAX_ID
    return MAX_INT if name in {"offset", "limit"} else None


def _beyond(value: str, largest: int) -> bool:
    """Whether the whole number ``value`` (``_INTEGER``'s form) is beyond ``largest``: told
    by its length first, since ``int()`` refuses a number of more than 4,300 digits."""
    digits = value.strip().lstrip("+-").lstrip("0")
    return len(digits) > len(str(largest)) or abs(int(value)) > largest


def _problem(name: str, value: str) -> str | Message | None:
    if "\x00" in value:
        return N_("must not contain a NUL character")
    if name in FREE_TEXT or name.endswith(FREE_TEXT_ENDINGS) or name.startswith("reason"):
        return None
    if name in OWN_CHECK or name.startswith(OWN_CHECK_PREFIXES):
        return None
    largest = _largest(name)
    if largest is not None and _INTEGER.fullmatch(value) and _beyond(value, largest):
        if largest == MAX_ID:
            return ID_TOO_LARGE
        return Message("a whole number up to %(n)s", n=Quantity(largest, None))
    if _INTEGER.fullmatch(value) and len(value.strip().lstrip("+-").lstrip("0")) > 300:
        return N_("a finite number")  # 309 digits and more read as infinity
    match = _DATE.fullmatch(value)
    if match:
        try:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None  # not a calendar date: the field's own check says so
        if not DATE_MIN <= day <= DATE_MAX:
            return Message(
                "a date from %(low)s to %(high)s",
                low=Day(DATE_MIN),
                high=Day(DATE_MAX),
            )
        return None
    if not _INTEGER.fullmatch(value):
        try:
            number = typed_number(value)
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


SEARCHED = frozenset({"q", "patient", "user", "to"})
"""Query parameters that are searched for (a patient's name, a user's): the database's
pattern matching refuses a very long one."""
SEARCH_MAX = 200
"""The longest text searched for, in characters (as the REST API's ``q``)."""


PAGE_NUMBER = N_("a page number: a whole number from 1")
OWN_QUERY_CHECK = frozenset({"from", "to", "as_of"})
"""Query parameters a page or a route checks itself (the audit log's dates, beside its
filter's field; the screening date, which the REST API refuses with its 400): here only
the limits every field has."""


def _query_problem(name: str, value: str) -> str | None:
    """What is wrong with a query parameter of an address, beside the limits of every
    field: a list's ``page`` that is no page number (``abc``, ``-1``), a date that is no
    calendar date (``2026-99-01``); never ignored in silence."""
    if name == "page":
        digits = value.strip()
        return None if digits.isascii() and digits.isdigit() and int(digits) >= 1 else PAGE_NUMBER
    if name in OWN_QUERY_CHECK or name in FREE_TEXT or name in SEARCHED:
        return None
    match = _DATE.fullmatch(value)
    if match:
        try:
            date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return date_problem(value.strip())  # the month has no such day, ...
    return None


def check_request(request: Request) -> None:
    """The app-wide dependency: the path and query parameters of every request. A query
    parameter is UTF-8 text as a form field is: one that is not is refused, rather than
    read (searched for, recorded in the audit log) with replacement characters."""
    not_text = _urlencoded_problem(request.scope.get("query_string", b""))
    if not_text is not None:
        raise FormError({not_text: NOT_UTF8})
    query = request.query_params.multi_items()
    long = {n: v for n, v in query if n in SEARCHED and len(v) > SEARCH_MAX}
    if long:
        raise FormError({n: Message("at most %(n)s characters", n=SEARCH_MAX) for n in long})  # type: ignore[misc]
    path = request.path_params
    _refuse_numbers_written_otherwise(
        [("path", n, path.get(n, "")) for n in _whole_number_params(request, "path")], _ID
    )
    check_fields([*path.items(), *query])
    wrong = {n: p for n, v in query if (p := _query_problem(n, v)) is not None}
    if wrong:
        raise FormError(wrong)
    numbers = set(_whole_number_params(request, "query"))
    _refuse_numbers_written_otherwise(
        [("query", n, v) for n, v in query if n in numbers], _WHOLE_NUMBER
    )


_ID = re.compile("0|[1-9][0-9]*")
"""An id in a path: plain digits, no leading zero (``/patients/01`` is no second address
of patient 1)."""
_WHOLE_NUMBER = re.compile("-?(?:0|[1-9][0-9]*)")
"""A whole number in a query (``limit``, ``offset``): its range is the route's to check."""


def _refuse_numbers_written_otherwise(
    values: list[tuple[str, str, str]], written: re.Pattern[str]
) -> None:
    """Refuse each ``(where, name, value)`` whose value is not written as ``written``, as
    the framework refuses ``/patients/abc`` or ``limit=abc``: a page says there is no page
    at that address (a path) or that the address is not valid (a query), the API names
    the parameter ("must be a whole number"). The number reader would also take ``1.0``,
    ``0_1``, ``+1``, `` 1`` or ``01`` for 1, so that one record had many addresses and
    one query many spellings."""
    wrong = [(where, name, v) for where, name, v in values if not written.fullmatch(v)]
    if wrong:
        raise RequestValidationError(
            [
                {"type": "int_parsing", "loc": (where, name), "msg": "not plain digits", "input": v}
                for where, name, v in wrong
            ]
        )


def _whole_number_params(request: Request, where: str) -> list[str]:
    """The ``path`` or ``query`` parameters the route reads as whole numbers (the ids of
    ``/patients/{id}``, a list's ``limit``), in the pages, the REST API and the FHIR API
    alike."""
    names: list[str] = []
    todo = [getattr(request.scope.get("route"), "dependant", None)]
    while todo:
        dependant = todo.pop()
        if dependant is None:
            continue
        params = dependant.path_params if where == "path" else dependant.query_params
        names += [f.alias for f in params if f.field_info.annotation in (int, int | None)]
        todo += dependant.dependencies
    return names


NOT_UTF8 = N_("not valid text: characters that cannot be read (UTF-8); type or paste it again")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_FORM_FIELDS = 1000
"""The most fields a form may send: the form reader's own limit (Starlette's
``max_fields``), checked before any field is read, so that a body of a million empty fields
is refused at once rather than read field by field."""
TOO_MANY_FIELDS = N_(
    "the form has too many fields (at most %(limit)s); open its page again and fill it in"
)


def _text(encoded: bytes) -> str:
    """A urlencoded name or value as the text it stands for (UnicodeDecodeError if it is
    not UTF-8, or carries bytes that are not percent-encoded)."""
    if not encoded.isascii():
        raise UnicodeDecodeError("ascii", encoded, 0, len(encoded), "not percent-encoded")
    return unquote_to_bytes(encoded.replace(b"+", b" ")).decode("utf-8")


def _loose(encoded: bytes) -> str:
    return unquote_to_bytes(encoded.replace(b"+", b" ")).decode("utf-8", "replace")


def _urlencoded_problem(body: bytes) -> str | None:
    for pair in body.split(b"&"):
        name, _, value = pair.partition(b"=")
        try:
            field = _text(name)
        except UnicodeDecodeError:
            return _loose(name)
        try:
            _text(value)
        except UnicodeDecodeError:
            return field
    return None


def _multipart_problem(body: bytes, boundary: bytes) -> str | None:
    """The first part whose name, file name or (for a field, not a file) value is not
    UTF-8; the file's content is the file's own."""
    from python_multipart.multipart import MultipartParser, parse_options_header

    found: list[str] = []
    part: dict[str, bytes] = {}
    data = bytearray()
    kept: dict[str, object] = {}

    def on_header_field(chunk: bytes, start: int, end: int) -> None:
        part["field"] = part.get("field", b"") + chunk[start:end]

    def on_header_value(chunk: bytes, start: int, end: int) -> None:
        part["value"] = part.get("value", b"") + chunk[start:end]

    def on_header_end() -> None:
        if part.pop("field", b"").lower() == b"content-disposition":
            part["disposition"] = part.get("value", b"")
        part.pop("value", None)

    def on_headers_finished() -> None:
        _kind, options = parse_options_header(part.get("disposition", b""))
        raw_name = options.get(b"name", b"")
        name = raw_name.decode("utf-8", "replace")
        kept["name"], kept["file"] = name, b"filename" in options
        for raw in (raw_name, options.get(b"filename", b"")):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                found.append(name)
        data.clear()

    def on_part_data(chunk: bytes, start: int, end: int) -> None:
        if not kept.get("file"):
            data.extend(chunk[start:end])

    def on_part_end() -> None:
        if not kept.get("file"):
            try:
                bytes(data).decode("utf-8")
            except UnicodeDecodeError:
                found.append(str(kept.get("name", "")))
        part.clear()

    try:
        parser = MultipartParser(
            boundary,
            {  # type: ignore[arg-type]
                "on_header_field": on_header_field,
                "on_header_value": on_header_value,
                "on_header_end": on_header_end,
                "on_headers_finished": on_headers_finished,
                "on_part_data": on_part_data,
                "on_part_end": on_part_end,
            },
        )
        parser.write(body)
        parser.finalize()
    except Exception:  # a malformed body or boundary: the form's own reading refuses it (400)
        return None
    return found[0] if found else None


def not_utf8_field(content_type: str, body: bytes) -> str | None:
    """The first form field in ``body`` that is not UTF-8 text, or None."""
    from python_multipart.multipart import parse_options_header

    kind, options = parse_options_header(content_type)
    if kind == b"application/x-www-form-urlencoded":
        if body.count(b"&") >= MAX_FORM_FIELDS:
            raise InputError(Message(TOO_MANY_FIELDS, limit=MAX_FORM_FIELDS))
        return _urlencoded_problem(body)
    if kind == b"multipart/form-data" and options.get(b"boundary"):
        if body.count(b"--" + options[b"boundary"]) > MAX_FORM_FIELDS + 1:
            raise InputError(Message(TOO_MANY_FIELDS, limit=MAX_FORM_FIELDS))
        return _multipart_problem(body, options[b"boundary"])
    return None


async def check_body(request: Request) -> None:
    """The app-wide dependency for form bodies: every field is UTF-8 text (FormError,
    422, naming the first that is not). The body is read once: the handler's
    ``request.form()`` reads it from there."""
    content_type = request.headers.get("content-type", "")
    if request.method in ("GET", "HEAD") or not content_type.lower().startswith(FORM_TYPES):
        return
    field = not_utf8_field(content_type, await request.body())
    if field is not None:
        raise FormError({field or "form": NOT_UTF8})


UPLOAD_NAME_CHARS = 200
"""The longest name of an uploaded file kept (an intake's label)."""


def upload_name(sent: str | None, default: str) -> str:
    """The name of an uploaded file as it is kept (an intake's label) and shown: its last
    part only (a browser may send the folders it came from, ``C:\\Users\\...\\x.json``,
    and any client ``../../etc/passwd``), without control, direction or line-breaking
    characters (the line and paragraph separators U+2028, U+2029), on one line, at
    most :data:`UPLOAD_NAME_CHARS` characters; ``default`` when nothing is left (or the
    last part is ``.`` or ``..``)."""
    last = re.split(r"[/\\]", sent or "")[-1]
    kept = "".join(
        c for c in last if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp")
    ).strip()
    if kept in ("", ".", ".."):
        return default
    return kept[:UPLOAD_NAME_CHARS]
