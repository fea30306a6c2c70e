"""FHIR R4 in: a Bundle (or resources one at a time) -> :class:`PatientRecord`.

Two layers:

- per-resource conversion functions (``patient_from_fhir``, ``condition_from_fhir``,
  ``observations_from_fhir``, ``medication_from_fhir``, ``procedure_from_fhir``,
  ``order_from_fhir``): plain dict in, record dataclass out, no state. They raise
  :class:`RecordError` (or :class:`UnitError`) whose message starts with the resource's
  ``ref``.
- :class:`RecordBuilder` collects one patient's resources, one :meth:`RecordBuilder.add`
  at a time (a Bundle reader and a Bulk NDJSON reader feed it alike), and
  :meth:`RecordBuilder.build` returns the record. :func:`read_bundle` reads a Bundle from
  a path (JSON or gzip JSON), bytes or an already-parsed dict.

Parsing is orjson plus hand-written dict access: no per-resource model validation, so a
Bulk export of millions of resources stays cheap. Unexpected shapes never escape as
KeyError or TypeError: they become a :class:`RecordError` naming the resource.

Dates keep the local date as written (``2012-09-17T23:30:00-05:00`` is 2012-09-17). A
partial date (``2012``, ``2012-09``) is read as its first day, except for ends
(abatement, medication end), which are read as its last day: a condition or a drug then
counts for the whole period it may cover. A reading's, a procedure's or an answer's partial
date keeps its last day beside it (``Observation.last``, ``Procedure.performed_last``,
``Answer.last``): it was taken, done or given on some day of the period.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import codecs
import html
import itertools
import math
import os
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from functools import lru_cache, wraps
from typing import Any, ClassVar, Concatenate, ParamSpec, TypeVar

from spinecare.errors import RecordError, UnitError
from spinecare.kb.codes import (
    ICD10_FAMILY,
    KNOWN_SYSTEMS,
    code_fits,
    cpt_of_hcpcs,
    icd10_codes,
    icd10_remission,
    normalize_icd10,
    prefixed_code,
    snomed_expression,
    system_name,
)
from spinecare.kb.text import TEXT_CHARS, fold
from spinecare.messages import N_, Day, Message, Quantity, kind_words, located
from spinecare.record.model import (
    BIRTH_DATE_ITEM,
    DOCUMENT_IN_PART,
    DOCUMENT_LINKED,
    DOCUMENT_NAMED,
    DOCUMENT_NOT_READ,
    ENTRY_UNREADABLE,
    NOTED_ELSEWHERE,
    PLANNED_ELSEWHERE,
    RECORD_INCOMPLETE,
    RECORD_INCOMPLETE_UNSAID,
    RECORD_PAGED,
    RECORD_PAGED_UNCOUNTED,
    SITE_WORDS,
    STATED_ELSEWHERE,
    TEXT_IN_PART,
    UNWORDED_YES,
    VISIT_DIAGNOSIS,
    VISIT_KIND,
    Answer,
    CodedObservation,
    Coding,
    Condition,
    Ignored,
    Medication,
    Observation,
    Order,
    Patient,
    PatientRecord,
    Procedure,
    days_after,
)
from spinecare.record.standing import (
    MEDICATION_ENDED,
    MEDICATION_IN_FORCE,
    REMOVED_VERIFICATION,
    STATUS_CONTRADICTORY,
)
from spinecare.record.units import CANONICAL, UNITLESS, canonical_unit, convert

__all__ = [
    "BUNDLE_TYPES",
    "MeasureTable",
    "Measures",
    "RecordBuilder",
    "bundle_resources",
    "condition_from_fhir",
    "is_family_history",
    "linked_patients",
    "medication_from_fhir",
    "observations_from_fhir",
    "order_from_fhir",
    "parse_date",
    "patient_from_fhir",
    "procedure_from_fhir",
    "read_as",
    "read_bundle",
    "resource_ref",
]

Resource = Mapping[str, Any]
# (system short name, code) -> (measure id, canonical unit, plausible low, plausible high)
Measures = Mapping[tuple[str, str], tuple[str, str, float | None, float | None]]
# Resolves a reference string (``Medication/x``, ``urn:uuid:...``) to a resource in scope.
Resolver = Callable[[str], Resource | None]

BUNDLE_TYPES = frozenset(
    {
        "collection",
        "transaction",
        "searchset",
        "batch",
        "document",
        "message",
        "history",
        # the EHR's answer to a batch of reads and searches: each entry a resource, a
        # search's Bundle, or a request that failed (:func:`_failed_request`)
        "batch-response",
        "transaction-response",
    }
)
SEARCH_OUTCOME = "outcome"
"""The search mode of an entry about the search, not the patient (an OperationOutcome);
any other entry is read (``match``, ``include``, or a mode written otherwise: ``Match``)."""

# Statuses under which an Observation is not a measurement.
OBSERVATION_VOID = frozenset({"cancelled", "entered-in-error"})
ENTERED_IN_ERROR = "entered-in-error"

FAMILY_HISTORY = Message("family history, not the patient's condition")
# How a Condition says it is family history: by a code or a category, never by words in
# the patient's own text ("breast cancer; family history of diabetes" is the patient's
# cancer). The FHIR example (Condition-family-history) marks it only by its code, SNOMED
# 312824007 "Family history of cancer of colon": SNOMED's family-history situations all
# carry "Family history" or "FH:" at the start of their terms, so a coding whose display
# starts so is one. ICD-10 puts family history in Z80-Z84. The SNOMED roots below: family
# history of clinical finding, with explicit context, of disorder.
FAMILY_HISTORY_SNOMED = frozenset({"416471007", "57177007", "281666001"})
FAMILY_HISTORY_ICD10 = ("Z80", "Z81", "Z82", "Z83", "Z84")
FAMILY_HISTORY_WORDS = ("family history", "fh:")
ICD10_SYSTEMS = frozenset({"icd10", "icd10cm"})


# A time of day as FHIR's dateTime writes it: hours 00-23, minutes 00-59, seconds 00-59 (60
# for a leap second), a zone of at most 14 hours; "T25:00" or "T99:99" is no time.
_DATE = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})"
    r"(?:T(?:[01]\d|2[0-3]):[0-5]\d(?::(?:[0-5]\d|60)(?:\.\d+)?)?"
    r"(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))?)?)?)?"
)
_TIME = re.compile(r"T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?$")
_NUMBER_AND_UNIT = re.compile(r"\s*([-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+))\s*([^\d\s.,].*?)\s*")
_LOINC_SHAPE = re.compile(r"\d{1,7}-\d")
_SCTID = re.compile(r"\s*[1-9]\d{5,17}\s*")
_BOUND_TEXT = re.compile(
    r"\s*(<=|>=|<|>)\s*((?:\d+(?:[.,]\d*)?|[.,]\d+))(?:\s*([^\d\s.,].*?)|\s+(\S.*?))?\s*"
)
_NUMBER_TEXT = re.compile(r"\s*[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)\s*")
_VALUE_KEYS = {
    "valueCodeableConcept": N_("a code"),
    "valueString": N_("a text"),
    "valueBoolean": N_("yes or no"),
    "valueRange": N_("a range"),
    "valueRatio": N_("a ratio"),
    "valueSampledData": N_("a series of samples"),
    "valueTime": N_("a time"),
    "valueDateTime": N_("a date"),
    "valuePeriod": N_("a period"),
}
"""The values of an Observation that are not a number, by what they hold."""

DATA_ABSENT = {
    "unknown": N_("unknown"),
    "asked-unknown": N_("asked, not known"),
    "temp-unknown": N_("not known yet"),
    "not-asked": N_("not asked"),
    "asked-declined": N_("the patient declined to answer"),
    "masked": N_("withheld"),
    "not-applicable": N_("not applicable"),
    "unsupported": N_("not supported by the sending system"),
    "as-text": N_("given as text"),
    "error": N_("an error"),
    "not-a-number": N_("not a number"),
    "negative-infinity": N_("below the measuring range"),
    "positive-infinity": N_("above the measuring range"),
    "not-performed": N_("not performed"),
    "not-permitted": N_("not permitted"),
}
"""Why a value is absent (FHIR data-absent-reason), as a clinician says it."""

NOT_MEASURED = {
    "cancelled": N_("cancelled: not a measurement"),
    "entered-in-error": N_("entered in error: not a measurement"),
}
"""An Observation that is not a measurement, by its status (:data:`OBSERVATION_VOID`)."""

ENTERED_IN_ERROR_NOTE = Message("entered in error")
REGISTERED = Message("registered, no result yet: its value is not a result")
UNREADABLE = Message(ENTRY_UNREADABLE)


class _Bad(Exception):
    """An unexpected shape inside one resource; becomes a RecordError naming the resource."""


P = ParamSpec("P")
R = TypeVar("R")


def _guarded(
    func: Callable[Concatenate[Resource, str, P], R],
) -> Callable[Concatenate[Resource, str, P], R]:
    """Turn any failure inside a per-resource function into a RecordError naming ``ref``."""

    @wraps(func)
    def wrapper(res: Resource, ref: str, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(res, ref, *args, **kwargs)
        except UnitError as err:
            raise UnitError(located(ref, err.message), source=err.source) from None
        except RecordError:
            raise
        except _Bad as err:
            raise RecordError(located(ref, err.args[0])) from None
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
            unexpected = Message(
                "unexpected content (%(error)s)", error=f"{type(err).__name__}: {err}"
            )
            raise RecordError(located(ref, unexpected)) from None

    return wrapper


# ---------------------------------------------------------------------------------------
# Small typed accessors


_kind = kind_words  # what kind of JSON value was found, in the reader's words


NOT_AN_OBJECT = N_("%(field)s should be an object, not %(kind)s")
NOT_A_LIST = N_("%(field)s should be a list, not %(kind)s")
NOT_A_STRING = N_("%(field)s should be a string, not %(kind)s")


def _obj(node: Resource, key: str, where: str = "") -> Resource | None:
    value = node.get(key)
    if value is None or isinstance(value, dict):
        return value
    raise _Bad(Message(NOT_AN_OBJECT, field=f"{where}{key}", kind=_kind(value)))


def _list(node: Resource, key: str, where: str = "") -> list[Any]:
    value = node.get(key)
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise _Bad(Message(NOT_A_LIST, field=f"{where}{key}", kind=_kind(value)))


def _str(node: Resource, key: str, where: str = "") -> str | None:
    value = node.get(key)
    if value is None or isinstance(value, str):
        return value
    raise _Bad(Message(NOT_A_STRING, field=f"{where}{key}", kind=_kind(value)))


def _list_or_one(node: Resource, key: str, where: str = "") -> list[Any]:
    """A list; one object written where FHIR has a list (``"bodySite": {...}``,
    ``"category": {...}``, as converters from other formats and STU3 write some fields)
    is a list of that one: its meaning is the same."""
    value = node.get(key)
    return [value] if isinstance(value, dict) else _list(node, key, where)


def _objects(node: Resource, key: str, where: str = "") -> list[Resource]:
    items = _list_or_one(node, key, where)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise _Bad(Message(NOT_AN_OBJECT, field=f"{where}{key}[{index}]", kind=_kind(item)))
    return items


_SYSTEMS: dict[str, str] = {}


def _system(uri: object) -> str:
    if uri is None:
        return system_name(None)
    if not isinstance(uri, str):
        raise _Bad(Message(NOT_A_STRING, field="coding system", kind=_kind(uri)))
    name = _SYSTEMS.get(uri)
    if name is None:
        name = _SYSTEMS[uri] = system_name(uri)
    return name


# Codings already read, by (system, code, display) as written (all strings, or no system
# or display): a record repeats its codes, and a Coding is an immutable value. Bounded.
_CODINGS: dict[tuple[str | None, str, str | None], Coding] = {}
_CODINGS_KEPT = 65536


def _plain_coding(raw: object) -> Coding | None:
    """The Coding of a coding written plainly: an object whose code is a string and whose
    system and display are strings or absent (read once, then kept); None for any other
    shape, which :func:`_coding_checked` reads with every check."""
    if type(raw) is dict:
        code = raw.get("code")
        if type(code) is str:
            system = raw.get("system")
            display = raw.get("display")
            if (system is None or type(system) is str) and (
                display is None or type(display) is str
            ):
                key = (system, code, display)
                found = _CODINGS.get(key)
                if found is None:
                    found = Coding(*prefixed_code(_system(system), code), display)
                    if len(_CODINGS) >= _CODINGS_KEPT:
                        _CODINGS.clear()
                    _CODINGS[key] = found
                return found
    return None


def _coding(raw: object, where: str) -> Coding | None:
    return _plain_coding(raw) or _coding_checked(raw, where)


def _coding_checked(raw: object, where: str) -> Coding | None:
    """:func:`_coding` for any shape: every check, and the reason of a malformed one."""
    if not isinstance(raw, dict):
        raise _Bad(Message(NOT_AN_OBJECT, field=where, kind=_kind(raw)))
    code = raw.get("code")
    if code is None:
        return None
    if isinstance(code, int) and not isinstance(code, bool):
        code = str(code)  # a SNOMED CT code written as a JSON number: 84114007
    if not isinstance(code, str):
        raise _Bad(Message(NOT_A_STRING, field=f"{where}.code", kind=_kind(code)))
    display = raw.get("display")
    if display is not None and not isinstance(display, str):
        raise _Bad(Message(NOT_A_STRING, field=f"{where}.display", kind=_kind(display)))
    return Coding(*prefixed_code(_system(raw.get("system")), code), display)


def _coding_list(concept: Resource, where: str) -> list[Any]:
    """A CodeableConcept's ``coding``: a list, or one coding written as an object (real
    EHRs send ``"coding": {...}``; its meaning is the same)."""
    value = concept.get("coding")
    if isinstance(value, dict):
        return [value]
    return _list(concept, "coding", where)


def _concept(node: Resource, key: str, where: str = "") -> Resource | None:
    """A CodeableConcept field; one written as a bare string (``"code": "I26.9"``,
    ``"code": "Pulmonary embolism"``) is read as its text and as a code of no system, so
    that the words are read as text and a code's shape is read as a code (certainty
    unknown either way)."""
    value = node.get(key)
    if isinstance(value, str):
        return {"text": value, "coding": [{"code": value.strip()}]} if value.strip() else None
    return _obj(node, key, where)


def _codings(concept: Resource | None, where: str) -> tuple[Coding, ...]:
    """The codings of a CodeableConcept (those without a code are skipped)."""
    if concept is None:
        return ()
    out: list[Coding] = []
    raws = concept.get("coding")
    if type(raws) is not list:
        raws = _coding_list(concept, f"{where}.")
    for index, raw in enumerate(raws):
        coding = _plain_coding(raw) or _coding_checked(raw, f"{where}.coding[{index}]")
        if coding is not None:
            out.append(coding)
        if type(raw) is dict and "extension" in raw:
            out.extend(_carried_codes(raw, f"{where}.coding[{index}]"))
    return tuple(out)


_CARRIED_CODES = (
    "icd-10-gm-manifestationscode",
    "icd-10-gm-primaercode",
    "icd-10-gm-ausrufezeichen",
)
"""Codes a coding carries in extensions: the German ICD-10-GM profile writes a cross-star
pair's codes (A18.0† M49.0*) and an exclamation mark code each in an extension of the
coding (``http://fhir.de/StructureDefinition/icd-10-gm-manifestationscode``, ...)."""


def _carried_codes(raw: Resource, where: str) -> list[Coding]:
    """The codes a coding carries in its extensions (:data:`_CARRIED_CODES`), of the
    coding's system where they name none."""
    out: list[Coding] = []
    for index, extension in enumerate(_list(raw, "extension", where)):
        if not isinstance(extension, dict):
            continue
        url = extension.get("url")
        value = extension.get("valueCoding")
        if not isinstance(url, str) or not url.endswith(_CARRIED_CODES):
            continue
        if not isinstance(value, dict):
            continue
        if value.get("system") is None and isinstance(raw.get("system"), str):
            value = {**value, "system": raw["system"]}
        try:  # an extension written wrong leaves the coding it is on as it is
            coding = _coding(value, f"{where}.extension[{index}].valueCoding")
        except _Bad:
            continue
        if coding is not None:
            out.append(coding)
    return out


def _concepts_codings(node: Resource, key: str) -> tuple[Coding, ...]:
    """The codings of a list of CodeableConcepts (``bodySite``), flattened; a site's text
    that no coding of it displays is kept too, as words (:data:`SITE_WORDS`): "L1
    vertebra" says where a fracture is."""
    out: list[Coding] = []
    value = node.get(key)
    for index, concept in enumerate([value] if isinstance(value, str) else _list_or_one(node, key)):
        where = f"{key}[{index}]"
        if isinstance(concept, str):  # a site written as a bare string: its words
            if concept.strip():
                out.append(Coding(SITE_WORDS, "", concept.strip()))
            continue
        if not isinstance(concept, dict):
            raise _Bad(Message(NOT_AN_OBJECT, field=where, kind=_kind(concept)))
        codings = _codings(concept, where)
        out.extend(codings)
        text = _text(concept, where)
        if text and text.strip() and all(c.display != text for c in codings):
            out.append(Coding(SITE_WORDS, "", text.strip()))
    return tuple(out)


# The statuses a Condition may carry (FHIR R4 condition-clinical and condition-ver-status).
_CONDITION_STATUSES = {
    "clinicalStatus": frozenset(
        {"active", "recurrence", "relapse", "inactive", "remission", "resolved"}
    ),
    "verificationStatus": frozenset(
        {"unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error"}
    ),
}
# The statuses that say a condition does not hold: ended, or not the patient's.
_STATUS_ENDS = {
    "clinicalStatus": frozenset({"inactive", "remission", "resolved"}),
    "verificationStatus": REMOVED_VERIFICATION,
}
# Problem statuses written as SNOMED CT codes, as C-CDA documents (and FHIR converted from
# them) write them: the HITSP Problem Status value set (2.16.840.1.113883.3.88.12.80.68).
_SNOMED_STATUSES = {"55561003": "active", "73425007": "inactive", "413322009": "resolved"}


def _status_code(node: Resource, key: str) -> str | None:
    """The code of a status (clinicalStatus, verificationStatus), compared without case.

    The first coding that names a FHIR status (or its SNOMED CT equivalent) decides; a
    status written as a plain string (FHIR STU3: ``"clinicalStatus": "active"``), or in
    the concept's text alone (``{"text": "Resolved"}``), is read too. A status no coding
    names (``unknown``, a local code) is read as no status, so the condition counts as
    recorded (never dropped because its status is not understood).
    """
    value = node.get(key)
    if isinstance(value, str):
        code = "-".join(value.lower().split())  # "entered in error" as the code is written
        return code if code in _CONDITION_STATUSES[key] else None
    concept = _obj(node, key)
    if concept is None:
        return None
    raws = concept.get("coding")
    if type(raws) is not list:
        raws = _coding_list(concept, f"{key}.")
    named = _STATUS_OF[key]
    found: list[str] = []
    for index, raw in enumerate(raws):  # every coding is read: a malformed one is said
        coding = _plain_coding(raw) or _coding_checked(raw, f"{key}.coding[{index}]")
        if coding is not None:
            status = named.get(coding.code)
            if status is None:
                status = _status_of(key, coding.code)
            if status:
                found.append(status)
    text = concept.get("text")
    if isinstance(text, str):  # a status in words: "Resolved"
        words = "-".join(text.strip().lower().split())
        if words in _CONDITION_STATUSES[key]:
            found.append(words)
    if not found:
        return None
    # codings (or words) that disagree on whether the condition holds: neither is taken
    holds = {status not in _STATUS_ENDS[key] for status in found}
    return STATUS_CONTRADICTORY if len(holds) > 1 else found[0]


# The FHIR status each status code names ("" for none), by field and code as written: a
# record repeats the same few. Bounded.
_STATUS_OF: dict[str, dict[str, str]] = {key: {} for key in _CONDITION_STATUSES}


def _status_of(key: str, code: str) -> str:
    """The status of ``key`` a status code names, compared without case ("" for none)."""
    named = _SNOMED_STATUSES.get(code.strip(), code).strip().lower()
    status = named if named in _CONDITION_STATUSES[key] else ""
    table = _STATUS_OF[key]
    if len(table) >= _CODINGS_KEPT:
        table.clear()
    table[code] = status
    return status


def _status(node: Resource) -> str | None:
    """A resource's ``status`` code, compared without case (``Active`` is ``active``)."""
    value = _str(node, "status")
    return value.strip().lower() if value is not None else None


def _stated_status(res: Resource) -> str | None:
    """The status of a resource read for what it says: its ``status``; a Goal's
    ``lifecycleStatus`` (one rejected says nothing, as one cancelled; one planned is the
    patient's all the same)."""
    if res.get("resourceType") != "Goal":
        return _status(res)
    value = (_str(res, "lifecycleStatus") or "").strip().lower()
    return {"rejected": "cancelled", "planned": None}.get(value, value or None)


def _text(concept: Resource | None, where: str) -> str | None:
    """A CodeableConcept's text; failing it, the display of a coding that has no code (a
    coding written with its words only is read as text, never dropped)."""
    if concept is None:
        return None
    text = _str(concept, "text", f"{where}.")
    if text is None:
        raws = concept.get("coding")
        for raw in raws if type(raws) is list else _coding_list(concept, f"{where}."):
            if isinstance(raw, dict) and raw.get("code") is None:
                display = raw.get("display")
                if isinstance(display, str) and display.strip():
                    return display
    return text


def parse_date(value: object, field: str, *, end: bool = False) -> date | None:
    """The date part of a FHIR date, dateTime or instant, as written (no timezone shift).

    A partial date is its first day, or its last day with ``end``. Raises on malformed text.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Bad(
            Message(
                "%(field)s should be a date string, not %(kind)s", field=field, kind=_kind(value)
            )
        )
    key = (value, end)
    found = _DATES.get(key)
    if found is not None:
        return found
    day = _parse_date(value, field, end)
    if len(_DATES) >= _DATES_KEPT:
        _DATES.clear()
    _DATES[key] = day
    return day


# Dates already read (a record repeats its encounters' dates), bounded.
_DATES: dict[tuple[str, bool], date] = {}
_DATES_KEPT = 65536


MALFORMED_DATE = N_("malformed date in %(field)s: %(value)s")


def _parse_date(value: str, field: str, end: bool) -> date:
    match = _DATE.fullmatch(value)
    if match is None:
        raise _Bad(Message(MALFORMED_DATE, field=field, value=repr(value)))
    year_text, month_text, day_text = match.groups()
    try:
        if day_text:  # a whole date: date() checks the month and the day
            return date(int(year_text), int(month_text), int(day_text))
        year = int(year_text)
        month = int(month_text) if month_text else (12 if end else 1)
        last_day = calendar.monthrange(year, month)[1]
        day = int(day_text) if day_text else (last_day if end else 1)
        return date(year, month, day)
    except (ValueError, calendar.IllegalMonthError):
        raise _Bad(Message(MALFORMED_DATE, field=field, value=repr(value))) from None


def _instant(value: object, day: date) -> float | None:
    """POSIX seconds of a dateTime or instant with a time (a time without a zone is read
    as UTC: only its order within a record matters); None for a date alone."""
    if not isinstance(value, str):
        return None
    key = (value, day)
    if key in _INSTANTS:
        return _INSTANTS[key]
    found = _instant_of(value, day)
    if len(_INSTANTS) >= _DATES_KEPT:
        _INSTANTS.clear()
    _INSTANTS[key] = found
    return found


# Instants already read (the readings of one visit share theirs), bounded as dates are.
_INSTANTS: dict[tuple[str, date], float | None] = {}


def _instant_of(value: str, day: date) -> float | None:
    match = _TIME.search(value)
    if match is None:
        return None
    hour, minute, second, fraction, zone = match.groups()
    seconds = float(int(hour) * 3600 + int(minute) * 60 + int(second or 0))
    if fraction:
        seconds += float("0." + fraction)
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        seconds -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    return (day.toordinal() - 719163) * 86400.0 + seconds


def _first_raw(node: Resource, fields: Sequence[tuple[str, str | None]]) -> object:
    for key, sub in fields:
        if sub is None:
            if node.get(key) is not None:
                return node.get(key)
        else:
            period = node.get(key)
            if isinstance(period, dict) and period.get(sub) is not None:
                return period.get(sub)
    return None


def _first_date(node: Resource, fields: Sequence[tuple[str, str | None]]) -> date | None:
    """The first present date among ``(field, subfield)``: ``("onsetPeriod", "start")``;
    ``(field, "-end")``: a field read as an end (a partial date is its last day)."""
    for key, sub in fields:
        if sub is None or sub == "-end":
            value = node.get(key)
            if value is not None:
                return parse_date(value, key, end=sub == "-end")
        else:
            period = _obj(node, key)
            if period is not None and period.get(sub) is not None:
                found = parse_date(period.get(sub), f"{key}.{sub}", end=sub == "end")
                if sub == "start" and period.get("end") is not None:
                    # a period whose end cannot be read is of no known span: its start
                    # alone would say it is long over ("2026-09-01" to "28.11.2026")
                    parse_date(period.get("end"), f"{key}.end", end=True)
                return found
    return None


def _date_or_none(node: Resource, fields: Sequence[tuple[str, str | None]]) -> date | None:
    """:func:`_first_date`, or None when the date is malformed ("2025/03/01", "20.11.2026"):
    a Condition's or a drug's date written so is set aside (the condition or drug is then
    undated, so known and in force), never the reason the whole record is refused."""
    try:
        return _first_date(node, fields)
    except _Bad:
        return None


_PARTIAL_DATE = re.compile(r"\d{4}(?:-\d{2})?")


def _partial_last(raw: object, field: str) -> date | None:
    """The last day of a date written only as a year or a month ("2026", "2026-11"), whose
    first day is the date read; None for a whole date (or none)."""
    if isinstance(raw, str) and _PARTIAL_DATE.fullmatch(raw):
        return parse_date(raw, field, end=True)
    return None


def _partial_first(raw: object, field: str) -> date | None:
    """The first day of a date written only as a year or a month, read as its last day
    (an end, a birth date); None for a whole date (or none)."""
    if isinstance(raw, str) and _PARTIAL_DATE.fullmatch(raw):
        return parse_date(raw, field)
    return None


def _span_last(
    node: Resource, fields: Sequence[tuple[str, str | None]], first: date | None
) -> date | None:
    """The last day of the date :func:`_first_date` read as ``first`` from ``fields``,
    where the record gives it only as a year or a month; None for a whole date (or
    none, or one set aside as malformed)."""
    return None if first is None else _partial_last(_first_raw(node, fields), "date")


def _span_first(node: Resource, key: str, sub: str | None, last: date | None) -> date | None:
    """The first day of the end ``last`` read from ``key`` (``sub`` of it), where the
    record gives it only as a year or a month; None for a whole date (or none)."""
    if last is None:
        return None
    return _partial_first(_first_raw(node, ((key, sub),)), "date")


# ---------------------------------------------------------------------------------------
# Per-resource conversion


@_guarded
def patient_from_fhir(res: Resource, ref: str) -> Patient:
    """Patient: id, name (first official, else first), birth date, sex, language, and
    whether (or when) the patient died."""
    pid = _str(res, "id") or ref
    name: str | None = None
    names = _objects(res, "name")
    if names:
        chosen = next((n for n in names if n.get("use") == "official"), names[0])
        given = [g for g in _list(chosen, "given", "name.") if isinstance(g, str)]
        family = _str(chosen, "family", "name.")
        parts = [*given, family] if family else given
        name = " ".join(parts) if parts else _str(chosen, "text", "name.")
    language: str | None = None
    comms = _objects(res, "communication")
    if comms:
        chosen = next((c for c in comms if c.get("preferred") is True), comms[0])
        concept = _obj(chosen, "language", "communication.")
        codings = _codings(concept, "communication.language")
        language = codings[0].code if codings else _text(concept, "communication.language")
    return Patient(
        id=pid,
        name=name,
        # a partial birth date (a year, a month) is read as its last day: the youngest the
        # patient may be, so that an age limit (spinal pain before 20) is never missed
        birth_date=parse_date(res.get("birthDate"), "birthDate", end=True),
        birth_first=_partial_first(res.get("birthDate"), "birthDate"),
        sex=_str(res, "gender"),
        language=language,
        deceased=res.get("deceasedBoolean") is True,
        deceased_on=parse_date(res.get("deceasedDateTime"), "deceasedDateTime"),
    )


def _mentions_family_history(display: str | None) -> bool:
    """A code's display that names a family-history situation (its term starts so)."""
    if not display:
        return False
    found = _FAMILY_DISPLAYS.get(display)
    if found is None:
        found = display.strip().casefold().startswith(FAMILY_HISTORY_WORDS)
        if len(_FAMILY_DISPLAYS) >= _CODINGS_KEPT:
            _FAMILY_DISPLAYS.clear()
        _FAMILY_DISPLAYS[display] = found
    return found


# Displays already looked at (a record repeats its codes), bounded as codings are.
_FAMILY_DISPLAYS: dict[str, bool] = {}


@_guarded
def is_family_history(res: Resource, ref: str) -> bool:
    """True when a Condition records a relative's condition, not the patient's own."""
    for index, category in enumerate(_objects(res, "category")):
        for coding in _codings(category, f"category[{index}]"):
            if "family" in coding.code.casefold() or _mentions_family_history(coding.display):
                return True
    concept = _concept(res, "code")
    for coding in _codings(concept, "code"):
        if coding.system == "snomed" and coding.code in FAMILY_HISTORY_SNOMED:
            return True
        if coding.system in ICD10_SYSTEMS and normalize_icd10(coding.code).startswith(
            FAMILY_HISTORY_ICD10
        ):
            return True
        if _mentions_family_history(coding.display):
            return True
    return False


# The certainty of a German diagnosis (KBV Diagnosesicherheit, the de.basisprofil extension
# on an ICD-10-GM coding): G confirmed, V suspected, A ruled out, Z status after. What the
# profile says each one means for the Condition's statuses, where the record gives none.
_CERTAINTY_EXTENSION = "fhir.de/structuredefinition/icd-10-gm-diagnosesicherheit"
_CERTAINTY_VERIFICATION = {"G": "confirmed", "V": "provisional", "A": "refuted"}
_CERTAINTY_CLINICAL = {"Z": "resolved"}
# The same letter written after the code in its field ("C79.5 A", "M51.1 G", with a side
# marker R, L or B before or after it), as German systems export it. Only after a space and
# a code of at most five characters: an ICD-10-CM seventh character is written joined to a
# longer code (S32.010A).
_CERTAINTY_SUFFIX = re.compile(
    r"^\s*([^\s]{3,7})(?:\s+[RLB])?\s+([AGVZ])(?:\s+[RLB])?\s*$", re.IGNORECASE
)


def _diagnosis_certainty(concept: Resource | None) -> str | None:
    """The one diagnosis certainty (G, V, A or Z) the ICD-10 codings of a Condition's code
    give, by the German extension or a letter after the code; None when none is given or
    they differ."""
    found: set[str] = set()
    raws = concept.get("coding") if concept is not None else None
    for raw in raws if isinstance(raws, list) else ():
        if not isinstance(raw, dict):
            continue
        for extension in raw.get("extension") or ():  # most codings have none
            url = extension.get("url") if isinstance(extension, dict) else None
            if isinstance(url, str) and url.casefold().endswith(_CERTAINTY_EXTENSION):
                value = extension.get("valueCoding")
                code = value.get("code") if isinstance(value, dict) else extension.get("valueCode")
                if isinstance(code, str) and code.strip().upper() in "GVAZ":
                    found.add(code.strip().upper())
        code = raw.get("code")
        uri = raw.get("system")
        if isinstance(code, str) and " " in code.strip() and (uri is None or isinstance(uri, str)):
            match = _CERTAINTY_SUFFIX.match(code)
            if match and _system(uri) == "icd10" and len(normalize_icd10(match.group(1))) <= 5:
                found.add(match.group(2).upper())
    return found.pop() if len(found) == 1 else None


def _coded_remission(codings: tuple[Coding, ...]) -> bool:
    """An ICD-10 coding says the disease is in remission (:func:`icd10_remission`) and no
    ICD-10 coding of the condition says it is not."""
    said = {
        icd10_remission(code)
        for c in codings
        if system_name(c.system) in ICD10_FAMILY
        for code in icd10_codes(c.code)
    }
    return True in said and False not in said


@_guarded
def condition_from_fhir(res: Resource, ref: str) -> Condition:
    """Condition: codes as written (ICD-10 with or without the dot), statuses, dates, sites.

    An abatement without a date (abatementString with a date in it, an abatementPeriod
    with neither start nor end, R3's abatementBoolean true) marks the condition resolved
    when it carries no clinicalStatus; an abatementPeriod with a start only ends it from
    that day; an abatementAge or abatementRange (an age the patient may not have come to),
    or an abatementString of words alone ("ongoing"), leaves its status unknown, to
    confirm.
    """
    concept = _concept(res, "code")
    clinical = _status_code(res, "clinicalStatus")
    abatement = res.get("abatementDateTime")
    abated_on = None
    abated_from = None  # where given only as a year or a month, its first day
    if abatement is not None:
        abated_on = _date_or_none(res, (("abatementDateTime", "-end"),))
        abated_from = _span_first(res, "abatementDateTime", None, abated_on)
    # abatement[x] choices that say the condition abated without giving a date
    undated = res.get("abatementString") is not None or res.get("abatementBoolean") is True
    # an age: on a day the record does not give here (the patient's age may not have come
    # to it: "at 60" in a patient of 56): to confirm, never ended in silence
    aged = res.get("abatementAge") is not None or res.get("abatementRange") is not None
    period = _obj(res, "abatementPeriod")
    if period is not None:
        if period.get("end") is not None:
            abated_on = _date_or_none(res, (("abatementPeriod", "end"),))
            abated_from = _span_first(res, "abatementPeriod", "end", abated_on)
        elif period.get("start") is not None:
            # abating from its start: ended from then (a start after the screening date
            # has not come yet)
            try:  # a start given as a month or a year: any day of it
                abated_on = parse_date(period["start"], "abatementPeriod.start", end=True)
            except _Bad:
                abated_on = None
            abated_from = _partial_first(period["start"], "date") if abated_on else None
            undated = abated_on is None
        else:
            undated = True
    if aged and abated_on is None and clinical is None and not undated:
        clinical = STATUS_CONTRADICTORY
    elif undated and abated_on is None and clinical is None:
        said = res.get("abatementString")
        if isinstance(said, str):
            # an abatement in words: a year or a date in them is when it ended ("2019",
            # "03/2021", "planned 2027": the screening date decides whether that is past);
            # other words ("ongoing", "not resolved"), or a number that is no date ("in 6
            # weeks", "at age 60"), do not say whether it ended: to confirm, never ended in
            # silence (words of the past alone end it: _ended_in_words)
            span = _year_in_words(said)
            if span is not None:
                abated_from, abated_on = span
            else:
                clinical = STATUS_CONTRADICTORY
        else:
            clinical = "resolved"
    verification = _status_code(res, "verificationStatus")
    if verification == STATUS_CONTRADICTORY:  # refuted and confirmed: it may hold
        clinical, verification = STATUS_CONTRADICTORY, None
    certainty = _diagnosis_certainty(concept)
    if certainty is not None:
        clinical = clinical or _CERTAINTY_CLINICAL.get(certainty)
        verification = verification or _CERTAINTY_VERIFICATION.get(certainty)
    onset = _date_or_none(res, _ONSET)
    recorded = _date_or_none(res, _RECORDED)
    codings = _codings(concept, "code")
    if clinical in (None, "active") and _coded_remission(codings):
        # a leukaemia or a myeloma coded "in remission" (ICD-10-CM C91.01, ICD-10-GM C90.01):
        # the code gives the status the record's clinicalStatus would (a cancer in
        # remission is a history of cancer, as its SNOMED CT code is); a relapse stands
        clinical = "remission"
    return Condition(
        ref=ref,
        codings=codings,
        # no words in its code: the words of its narrative, to confirm ("Cauda equina
        # syndrome" as the resource's text.div only)
        text=_text(concept, "code") or _narrative(res.get("text")),
        clinical_status=clinical,
        verification_status=verification,
        onset=onset,
        abatement=abated_on,
        recorded=recorded,
        body_sites=_sites(res, concept),
        onset_last=_span_last(res, _ONSET, onset),
        recorded_last=_span_last(res, _RECORDED, recorded),
        abatement_first=abated_from,
    )


_ISO_IN_WORDS = re.compile(r"(?<!\d)((?:19|20)\d\d)-(\d\d)(?:-(\d\d))?(?!\d)")
_YEAR_IN_WORDS = re.compile(r"(?<!\d)((?:19|20)\d\d)(?![\d.,]\d|-\d)")


def _year_in_words(said: str) -> tuple[date, date] | None:
    """The first and last day of the latest date written in an abatement's words: a day
    (``2021-03-04``, ``04.03.2021``, ``3/4/2021``: read either way where the day and the
    month may be swapped, the later taken), a month (``2021-03``, ``03/2021``, ``March
    2021``, ``März 2021``, ``марта 2021``) or a year (``2019``, ``im Jahr 2019``), or None."""
    spans: list[tuple[date, date]] = []

    def month_of(year: int, month: int) -> None:
        if 1 <= month <= 12:
            spans.append(
                (date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))
            )

    def day_of(year: int, month: int, day: int) -> bool:
        if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]:
            spans.append((date(year, month, day), date(year, month, day)))
            return True
        return False

    for found in _ISO_IN_WORDS.finditer(said):
        year, month = int(found.group(1)), int(found.group(2))
        if not (found.group(3) and day_of(year, month, int(found.group(3)))):
            month_of(year, month)
    for found in _DAY_MONTH_YEAR.finditer(said):
        first, second, year = int(found.group(1)), int(found.group(2)), int(found.group(3))
        dotted = found.group(0)[len(found.group(1))] == "."
        day_of(year, second, first)  # 04.03.2021, 15/10/2026
        if not dotted:
            day_of(year, first, second)  # 10/15/2026, as the United States write it
    for found in _MONTH_YEAR.finditer(said):
        month_of(int(found.group(2)), int(found.group(1)))
    for found in _NAMED_MONTH_YEAR.finditer(said):
        word = found.group(1).casefold()
        named = next((n for stem, n in _MONTH_STEMS if word.startswith(stem)), None)
        if named is not None:
            month_of(int(found.group(2)), named)
    if not spans:
        spans = [(date(int(y), 1, 1), date(int(y), 12, 31)) for y in _YEAR_IN_WORDS.findall(said)]
    return max(spans, key=lambda span: span[1]) if spans else None


_DAY_MONTH_YEAR = re.compile(r"(?<![\d./])(\d{1,2})[./](\d{1,2})[./]((?:19|20)\d\d)(?!\d)")
_MONTH_YEAR = re.compile(r"(?<![\d./])(\d{1,2})[./]((?:19|20)\d\d)(?!\d)")
_NAMED_MONTH_YEAR = re.compile(r"(?<![^\W\d_])([^\W\d_]{3,})\.?\s+((?:19|20)\d\d)(?!\d)")
# The beginnings of the months' names, in English, German and Russian ("mär" of "März",
# "мая" of "май").
_MONTH_STEMS: tuple[tuple[str, int], ...] = tuple(
    (stem, number)
    for number, stems in enumerate(
        (
            ("jan", "янв"),
            ("feb", "фев"),
            ("mar", "mär", "maer", "мар"),
            ("apr", "апр"),
            ("may", "mai", "мая", "май"),
            ("jun", "июн"),
            ("jul", "июл"),
            ("aug", "авг"),
            ("sep", "сен"),
            ("oct", "okt", "окт"),
            ("nov", "ноя"),
            ("dec", "dez", "дек"),
        ),
        start=1,
    )
    for stem in stems
)


_ONSET: tuple[tuple[str, str | None], ...] = (("onsetDateTime", None), ("onsetPeriod", "start"))
_RECORDED: tuple[tuple[str, str | None], ...] = (("recordedDate", None),)


MeasureHit = tuple[str, str, float | None, float | None]


def _ended_in_words(res: Resource, found: Condition, measures: Measures) -> Condition:
    """A condition whose only end is an ``abatementString`` (and no status): of words that
    say it is over ("resolved", "in childhood", "ausgeheilt": the KB's words of the past,
    text.yaml ``history_after``), resolved, as an end with a date is; other words
    ("ongoing") leave it unknown (:func:`condition_from_fhir`). Words that deny the end or
    say it goes on (the KB's negation, ``pseudo``, ``ongoing`` and ``history_end`` cues:
    "nicht abgeheilt", "ongoing since 2019", "not resolved as of 2025") leave it unknown,
    whatever year they give."""
    said = res.get("abatementString")
    if not isinstance(said, str) or res.get("clinicalStatus") is not None:
        return found
    denied: frozenset[str] = getattr(measures, "not_ended_words", None) or frozenset()
    dated = res.get("abatementDateTime") is not None or _period_end(res) is not None
    if found.clinical_status is None and found.abatement is not None and not dated:
        # a year read from the words: not where they deny it, say it goes on or ask
        if _names_any(said, denied) or "?" in said:
            return replace(
                found, clinical_status=STATUS_CONTRADICTORY, abatement=None, abatement_first=None
            )
        return found
    words: frozenset[str] = getattr(measures, "ended_words", None) or frozenset()
    if found.clinical_status != STATUS_CONTRADICTORY or not words:
        return found
    if _names_any(said, words) and not _names_any(said, denied):
        return replace(found, clinical_status="resolved")
    return found


def _period_end(res: Resource) -> object:
    period = res.get("abatementPeriod")
    return period.get("end") if isinstance(period, dict) else None


def _checks(measures: Measures) -> Mapping[str, Sequence[tuple[str, float]]]:
    """The comparisons the KB makes of each measure ((op, threshold) in the measure's unit),
    when ``measures`` carries them (:class:`MeasureTable`); none for a plain mapping."""
    return getattr(measures, "comparisons", None) or {}


class MeasureTable(dict[tuple[str, str], tuple[str, str, float | None, float | None]]):
    """:data:`Measures` with the comparisons the KB's expressions make of each measure,
    so that a bound ("> 38") that decides all of them is read as a reading."""

    def __init__(
        self,
        entries: Mapping[tuple[str, str], tuple[str, str, float | None, float | None]],
        comparisons: Mapping[str, Sequence[tuple[str, float]]],
        *,
        findings: Iterable[tuple[str, str]] = (),
        concept_codes: Iterable[tuple[str, str]] = (),
        answer_words: Mapping[str, bool] | None = None,
        time_questions: Iterable[str] = (),
        ended_words: Iterable[str] = (),
        not_ended_words: Iterable[str] = (),
        no_diagnosis_words: Iterable[str] = (),
        encounter_days: float | None = None,
        panels: Mapping[tuple[str, str], tuple[str, ...]] | None = None,
        questions: Iterable[str] | None = None,
        names: Mapping[str, str] | None = None,
        panel_names: Mapping[str, str] | None = None,
        question_names: Mapping[str, str] | None = None,
        pair_names: Mapping[str, str] | None = None,
        unit_names: Mapping[str, str] | None = None,
        long_names: Mapping[str, Iterable[str]] | None = None,
        choice_questions: Iterable[str] = (),
        choice_words: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        super().__init__(entries)
        # what records call a measure under a local code (see measure_key) -> the measure,
        # and the code such a reading is read under (the measure's first LOINC code)
        self.names = dict(names or {})
        # measure -> the kinds of its own LOINC codes' long names (property, specimens): a
        # long name under another code is the measure's only where its kind is one of these
        self.long_kinds = {
            measure: frozenset(k for k in map(loinc_kind, said) if k is not None)
            for measure, said in (long_names or {}).items()
        }
        # the words before the property of the measure's own long names name it too
        # ("Glomerular filtration rate/1.73 sq M.predicted", whose long names differ only in
        # their method: "... in Serum or Plasma by Cystatin C-based formula" is an eGFR)
        for measure, kinds in self.long_kinds.items():
            for head, *_ in kinds:
                self.names.setdefault(measure_key(head), measure)
        # what records call a panel under a local code -> the code of the panel (LOINC)
        # such a reading is read under ("BP", "АД": the blood-pressure panel)
        self.panel_names = {
            name: {"system": "http://loinc.org", "code": code}
            for name, code in (panel_names or {}).items()
        }
        # names read as a panel only in a note's words before a pair of values ("RR")
        self.pair_names = {
            name: {"system": "http://loinc.org", "code": code}
            for name, code in (pair_names or {}).items()
        }
        # short names read as a measure only before a value in its unit or with a degree
        # sign, or written with one ("T° 39,2", "t 39,2 °C"; a bare "T 37" is no reading)
        self.unit_names = dict(unit_names or {})
        # the words another form asks an intake question in (see _asked_elsewhere)
        self.question_names = dict(question_names or {})
        self.named_codes: dict[str, Resource] = {}
        for (system, code), (measure, *_) in entries.items():
            if system == "loinc" and measure not in self.named_codes:
                self.named_codes[measure] = {"system": "http://loinc.org", "code": code}
        # the intake questions' ids (None: not known, every answer is taken as the intake's)
        self.questions = None if questions is None else frozenset(questions)
        # the intake questions answered by a choice, not by yes or no (herniation_phase)
        self.choice_questions = frozenset(choice_questions)
        # each choice question's choices by their value and labels, folded
        # (:func:`_choice_key`): "Surgery planned or just done", "SURGERY" -> "surgery"
        self.choice_words = {q: dict(w) for q, w in (choice_words or {}).items()}
        # panel code -> the measures it carries (a blood-pressure panel: both pressures)
        self.panels = dict(panels or {})
        self.comparisons = {m: tuple(c) for m, c in comparisons.items()}
        # the (system, code) of Observations whose value records a condition (KB findings)
        self.findings = frozenset(findings)
        # the (system, code) of every KB code matched code by code (SNOMED CT, LOINC): an
        # Observation under one of them records that concept whatever its value's shape
        self.concept_codes = frozenset(concept_codes)
        # the words that clearly say yes or no (KB text.yaml, answer_words), folded
        self.answer_words = dict(answer_words or {})
        # the words of a question that asks for an age, a year, a date or a length of
        # time (KB text.yaml time_questions), folded: a number answering it names nothing
        self.time_questions = frozenset(measure_name(w) for w in time_questions)
        # the words that say a condition is over (KB text.yaml history_after), folded: an
        # abatementString of them ends it
        self.ended_words = frozenset(measure_name(w) for w in ended_words)
        # the words that deny it (KB negation and pseudo cues: "nicht abgeheilt", "not
        # resolved"): such words do not end it
        self.not_ended_words = frozenset(measure_name(w) for w in not_ended_words)
        # the words of a visit's kind that say it looks for or prevents what it names (KB
        # text.yaml procedure_no_diagnosis: "Flu shot clinic", "DVT prophylaxis review")
        self.no_diagnosis_words = frozenset(measure_name(w) for w in no_diagnosis_words)
        # how long a diagnosis given only in an Encounter counts from the visit (KB
        # threshold encounter_diagnosis_days)
        self.encounter_days = encounter_days


def _finding_codes(measures: Measures) -> frozenset[tuple[str, str]]:
    return getattr(measures, "findings", None) or frozenset()


def _concept_codes(measures: Measures) -> frozenset[tuple[str, str]]:
    return getattr(measures, "concept_codes", None) or frozenset()


def _answer_words(measures: Measures) -> Mapping[str, bool]:
    return getattr(measures, "answer_words", None) or {}


def _intake_questions(measures: Measures) -> frozenset[str] | None:
    return getattr(measures, "questions", None)


def _choice_questions(measures: Measures) -> frozenset[str]:
    return getattr(measures, "choice_questions", None) or frozenset()


def choice_key(text: str) -> str:
    """A choice's value or label as compared: folded, ё as е, without the stop or the
    spaces around it ("Surgery.", " SURGERY " and "surgery" are one)."""
    return " ".join(text.casefold().replace("ё", "е").strip().rstrip(".!").split())


def _choice_of(
    link: str, answer: Resource, value: bool | str | float | Resource, measures: Measures
) -> bool | str | float | Resource:
    """An answer to a choice question as the choice it names: its code, its display or its
    words, compared with the choices' values and labels (:func:`choice_key`); any other
    answer as it is (the engine reads one that names no choice as unknown)."""
    choices = (getattr(measures, "choice_words", None) or {}).get(link)
    if not choices:
        return value
    coding = answer.get("valueCoding")
    said: list[object] = [value]
    if isinstance(coding, dict):
        said += [coding.get("code"), coding.get("display")]
    for text in said:
        if isinstance(text, str) and (found := choices.get(choice_key(text))) is not None:
            return str(found)
    return value


_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_NAME_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=65536)
def measure_name(text: str) -> str:
    """A measure's name as compared: lower case, ё as е, a Latin letter with an accent as
    that letter, what brackets add left out, words only ("Temperature (°C)" and
    "temperature" are "temperature", "Température" and "Tension artérielle" "temperature"
    and "tension arterielle"; "Pain score 0-10" is "pain score 0 10")."""
    folded = fold(_BRACKETED.sub(" ", text))  # also a letter with an accent as that letter
    return " ".join(_NAME_WORD.findall(folded))


# Words a flowsheet adds to a measure's name to say how or where it was taken: position,
# side, site, time of day ("BP right arm", "АД сидя", "Blutdruck links", "Temperatur
# axillär", "Температура в подмышечной впадине", "Температура тела утром"). Left out of
# the name as looked up, as long as a word remains.
_TAKEN_HOW = frozenset(
    {
        *("sitting", "seated", "standing", "supine", "lying", "left", "right", "l", "r"),
        *("arm", "wrist", "oral", "axillary", "rectal", "tympanic", "ear", "forehead"),
        *("morning", "evening", "am", "pm", "manual", "automated", "cuff"),
        *("сидя", "лежа", "стоя", "на", "в", "правой", "левой", "руке", "рука", "справа"),
        *("слева", "пр", "лев", "подмышечная", "подмышечной", "подмышкой", "впадине"),
        *("аксиллярная", "ректальная", "оральная", "утром", "вечером"),
        *("sitzend", "liegend", "stehend", "links", "rechts", "re", "li", "arm", "am"),
        *("axillär", "axillaer", "axillar", "rektal", "tympanal", "sublingual"),
        *("morgens", "abends"),
        # French and Spanish, as folded (without accents)
        *("assis", "couche", "couchee", "debout", "droit", "droite", "gauche", "bras"),
        *("axillaire", "buccale", "rectale", "tympanique", "auriculaire", "frontale"),
        *("matin", "soir", "sentado", "sentada", "acostado", "acostada", "derecho"),
        *("derecha", "izquierdo", "izquierda", "brazo", "axilar", "bucal", "timpanica"),
        *("manana", "noche"),
        # when, and the words of a question that asks for it ("What is your temperature
        # today?", "Current BP", "Температура сегодня", "Aktuelle Temperatur")
        *("today", "now", "current", "currently", "latest", "last", "recent", "measured"),
        *("taken", "your", "what", "is", "was", "the", "at", "rest", "resting", "home"),
        *("сегодня", "сейчас", "текущая", "текущее", "ваша", "ваше", "последняя", "дома"),
        *("heute", "aktuell", "aktuelle", "aktueller", "jetzt", "ihre", "ihr", "zuhause"),
    }
)


@lru_cache(maxsize=65536)
def measure_key(text: str) -> str:
    """A measure's name as looked up: its words (:func:`measure_name`) in any order, a
    scale's numbers left out ("Temperature Oral", "Oral temp", "Temperature, axillary" and
    "NRS pain score 0-10" are found as "temp oral", "axillary temperature", "nrs pain
    score" are)."""
    return " ".join(sorted(w for w in measure_name(text).split() if not w.isdigit()))


@lru_cache(maxsize=65536)
def taken_key(text: str) -> str:
    """:func:`measure_key` without the words of how or where it was taken
    (:data:`_TAKEN_HOW`), as long as a word remains: "АД сидя", "BP right arm",
    "Температура в подмышечной впадине" are found as "ад", "bp", "температура" are."""
    said = measure_key(text).split()
    return " ".join([w for w in said if w not in _TAKEN_HOW] or said)


SITED_NOT = frozenset({"pain_score"})
"""Measures never named with a site: "Pain left wrist" is that site's pain, not the
patient's pain score."""


def _named_measure(concept: object, measures: Measures) -> tuple[str, str] | None:
    """The measure a code names by its words alone (its text or a coding's display, the
    whole of it a measure's name, or a LOINC long name of the measure's own kind), and
    those words: a local flowsheet row or laboratory code, or a code the KB does not list
    ("Temperature" under an unlisted SNOMED CT code). Called only for codes that are no
    measure's."""
    found = _named_in(
        concept, getattr(measures, "names", None), getattr(measures, "long_kinds", None)
    )
    return None if found is None else (str(found[0]), found[1])


def _words_of(concept: Resource) -> list[object]:
    """A CodeableConcept's text and its codings' displays (one coding written as an object
    read as a list of one)."""
    codings = concept.get("coding")
    codings = [codings] if isinstance(codings, dict) else codings
    codings = [c for c in codings if isinstance(c, dict)] if isinstance(codings, list) else []
    return [concept.get("text"), *(raw.get("display") for raw in codings)]


def _named_in(
    concept: object,
    names: Mapping[str, Any] | None,
    kinds: Mapping[str, frozenset[LoincKind]] | None = None,
) -> tuple[Any, str] | None:
    """What ``names`` (by :func:`measure_key`) gives for a code's text or a coding's
    display, the whole of it, and those words; with ``kinds`` (measure -> the kinds of
    its own LOINC codes, :func:`loinc_kind`), also for a LOINC long name by the words
    before its property, where its property and specimen are the measure's own
    ("Platelets [#/volume] in Blood collected in sodium citrate" is a platelet count;
    "Platelets [Morphology] in Blood" and "Platelets [#/volume] in Platelet poor plasma"
    are not)."""
    if not names or not isinstance(concept, dict):
        return None
    for text in _words_of(concept):
        if not isinstance(text, str):
            continue
        kind = loinc_kind(text) if kinds else None
        for name in (text, kind[0] if kind else None):
            if not name:
                continue
            found = names.get(measure_key(name))
            if found is None:
                found = names.get(taken_key(name))
                found = None if isinstance(found, str) and found in SITED_NOT else found
            if found is not None and name is not text and not _own_kind(kind, found, kinds):
                found = None
            if found is not None:
                return found, text.strip()
    return None


LoincKind = tuple[str, str, frozenset[str]]
"""A LOINC long name's component, property and specimens, folded ("Platelets [#/volume]
in Serum or Plasma by Automated count": "platelets", "#/volume", {"serum", "plasma"})."""

_LOINC_LONG = re.compile(
    r"\s*(?P<head>[^\[\]]+?)\s*(?:\[(?P<prop>[^\[\]]+)\])?\s*"
    r"(?:\b(?:in|of)\s+(?P<spec>.*?))?\s*(?:\b(?:by|collected)\b.*)?",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def loinc_kind(text: str) -> LoincKind | None:
    """What a name written as a LOINC long name measures, its property and its specimens
    (:data:`LoincKind`), or None where it is no such name: a property in brackets, or a
    specimen after "in" (a long common name may leave the property out: "INR in Platelet
    poor plasma by Coagulation assay"; its property is then "")."""
    found = _LOINC_LONG.fullmatch(text)
    if found is None or (found["prop"] is None and found["spec"] is None):
        return None
    spec = (found["spec"] or "").strip().casefold()
    parts = frozenset(p.strip() for p in re.split(r",|\bor\b|\band\b", spec) if p.strip())
    return found["head"].strip(), (found["prop"] or "").strip().casefold(), parts


def _own_kind(
    kind: LoincKind | None, measure: object, kinds: Mapping[str, frozenset[LoincKind]] | None
) -> bool:
    """Whether a LOINC long name's property and specimen may be those of one of the
    measure's own LOINC codes (none where the KB lists no long name for it): the same
    property (a count per volume however a lab writes it: "#/volume", "#/vol",
    "10*3/uL"), and a specimen that names one of the measure's ("in Capillary blood",
    "in Blood or Plasma") or none, but never one named after what is measured ("Platelets
    [#/volume] in Platelet poor plasma": what is left after they were taken out)."""
    if kind is None or not kinds or not isinstance(measure, str):
        return False
    head, prop, specimens = kind
    stems = {w[:6] for w in re.findall(r"[^\W\d_]+", head.casefold()) if len(w) >= 6}
    if any(w[:6] in stems for part in specimens for w in re.findall(r"[^\W\d_]+", part)):
        return False
    return any(
        _same_property(prop, p) and _same_specimen(specimens, s)
        for _, p, s in kinds.get(measure, ())
    )


_COUNT_PER_VOLUME = re.compile(
    r"(?:#|n|count|cnt)\s*/\s*vol(?:ume)?|ncnc|(?:10\s*[*^]\s*\d+|\d*)\s*/\s*(?:[uµnm]?l|mm3|cmm)"
)
"""A count per volume as a lab writes it in a name's property ("#/volume", "#/vol",
"Count/volume", "10*3/uL", "10^9/L", "/mm3")."""


def _same_property(written: str, own: str) -> bool:
    """The same property, or one left out on either side ("INR in Blood", "INR [Relative
    time] in Blood"): a reading of another property is still checked by its unit, and set
    aside where that is none of the measure's."""
    if written == own or not written or not own:
        return True
    return bool(_COUNT_PER_VOLUME.fullmatch(written) and _COUNT_PER_VOLUME.fullmatch(own))


def _same_specimen(written: frozenset[str], own: frozenset[str]) -> bool:
    """A specimen named by one of the measure's specimens' words ("capillary blood",
    "blood --2nd specimen", "whole blood"), or none named."""
    if not written:
        return True
    words = {w for part in written for w in re.findall(r"[^\W\d_]+", part)}
    return any(w in words for part in own for w in re.findall(r"[^\W\d_]+", part))


def _as_named(
    res: Resource, measures: Measures, *, paired: bool = False
) -> tuple[Resource, dict[str, str]] | None:
    """A copy of an Observation whose codes that name a measure by their words alone (see
    :func:`_named_measure`) are written as the measure's code, for the reading to be read
    as any other, and the words of each measure so named; None when no code of it does.
    ``paired``: a reading of a note's words valued by a pair, which a panel's
    ``pair_names`` name too ("RR 190/110")."""
    codes: Mapping[str, Resource] = getattr(measures, "named_codes", None) or {}
    out: Resource | None = None
    said: dict[str, str] = {}
    found = _named_measure(res.get("code"), measures)
    panel_words = getattr(measures, "panel_names", None) or {}
    if paired:
        panel_words = {**(getattr(measures, "pair_names", None) or {}), **panel_words}
    panel = None if found else _named_in(res.get("code"), panel_words)
    if found is None and panel is None:
        found, res = _unit_named(res, measures)
    if found is not None and found[0] in codes:
        out = {**res, "code": {"coding": [codes[found[0]]]}}
        said[found[0]] = found[1]
    elif panel is not None:  # a panel by its words: "BP 150/95", its parts named or not
        coding, words = panel
        out = {**res, "code": {"coding": [coding]}}
        panels: Mapping[tuple[str, str], tuple[str, ...]] = getattr(measures, "panels", {})
        said.update(dict.fromkeys(panels.get(("loinc", coding["code"]), ()), words))
    components = res.get("component")
    if isinstance(components, list):
        written: list[Any] = []
        for component in components:
            named = (
                _named_measure(component.get("code"), measures)
                if isinstance(component, dict)
                else None
            )
            if named is not None and named[0] in codes:
                written.append({**component, "code": {"coding": [codes[named[0]]]}})
                said[named[0]] = named[1]
            else:
                written.append(component)
        if said.keys() - ({found[0]} if found else set()):
            out = {**(out or res), "component": written}
    return None if out is None else (out, said)


DEGREE_SIGNS = frozenset("°º˚ª")
"""What a record writes for a degree, or for the abbreviation of a temperature ("Tª")."""


def _unit_named(res: Resource, measures: Measures) -> tuple[tuple[str, str] | None, Resource]:
    """The measure a short name names ("T°", "Tª", "t": KB ``unit_names``) and its words,
    with the reading, only where the name is written with a degree sign or the value in a
    unit of the measure or with a degree sign ("T 39.2 C", "t 39,2°"): a bare "T 37" or
    "t" in a table says nothing of what it measures. A value so named with a degree sign
    and no other unit ("T° 38.5", "t 39,2°") is in the measure's own unit, where that is a
    temperature (a number outside its plausible range is then set aside, to confirm: "t
    101°", "Cobb angle T 25°"). A name with its degree sign names the measure whatever its
    value ("T°": "> 38.5 °C"), to confirm."""
    found = _named_in(res.get("code"), getattr(measures, "unit_names", None))
    if found is None:
        return None, res
    measure, name = str(found[0]), found[1]
    codes: Mapping[str, Resource] = getattr(measures, "named_codes", None) or {}
    hit = measures.get(("loinc", codes[measure]["code"])) if measure in codes else None
    if hit is None:
        return None, res
    target = hit[1]
    signed = any(c in DEGREE_SIGNS for c in name)
    named = ((measure, name), res) if signed else (None, res)
    value, unit = _value_and_unit(res)
    if value is None:
        # a name with its degree sign ("T°") names the measure whatever its value says
        # ("> 38.5 °C", a code, "36.6 morning 39.5 evening"): a reading to confirm; a bare
        # "t" names nothing alone
        return named
    degree = unit is not None and unit.strip() in DEGREE_SIGNS
    if unit and not degree:
        try:
            convert(1.0, unit, target)
        except UnitError:
            return named
    elif not (signed or degree) or not _temperature(target):
        return None, res
    elif _one_value(res):  # a degree sign alone: the measure's own temperature unit
        # (a number outside its plausible range is then set aside, to confirm)
        res = {k: v for k, v in res.items() if k not in _VALUE_FIELDS}
        res["valueQuantity"] = {"value": value, "unit": target}
    return (measure, name), res


def _one_value(res: Resource) -> bool:
    """Whether a reading's value is one number alone, with its unit at most ("39,2°"), not
    a text that goes on ("36.6° morning 39.5° evening": read as written, to confirm)."""
    text = res.get("valueString")
    return not isinstance(text, str) or (
        bool(_NUMBER_TEXT.fullmatch(text) or _NUMBER_AND_UNIT.fullmatch(text))
        and not _LEADING_TEMPERATURE.match(text)
    )


def _temperature(unit: str) -> bool:
    """Whether a unit is one of temperature (a degree sign alone may stand for it)."""
    scale = CANONICAL.get(canonical_unit(unit) or "")
    return scale is not None and scale.dimension == "temperature"


_VALUE_FIELDS = ("valueQuantity", "valueString", "valueInteger", "valueDecimal")

_LEADING_TEMPERATURE = re.compile(
    r"\s*([-+]?\d+(?:[.,]\d+)?)\s*([°º˚]\s*[CFcf]?|[CFcf])(?=\s+[^\W\d_])"
)
"""A temperature's number and unit at the start of a text that goes on with other readings
("39.2 °C P 76 R 18", "39,2° FC 88")."""


def _value_and_unit(res: Resource) -> tuple[float | None, str | None]:
    """A reading's number and the unit written with it (a valueQuantity, a number, or a
    text "39,2 °C", "39,2°", "38.5", "39.2 °C P 76 R 18" with the readings after it);
    (None, None) for any other value."""
    quantity = res.get("valueQuantity")
    if isinstance(quantity, dict):
        number = quantity.get("value")
        unit = quantity.get("code") or quantity.get("unit")
        if isinstance(number, int | float) and not isinstance(number, bool):
            return float(number), unit if isinstance(unit, str) else None
        return None, None
    for key in ("valueInteger", "valueDecimal"):
        number = res.get(key)
        if isinstance(number, int | float) and not isinstance(number, bool):
            return float(number), None
    text = res.get("valueString")
    if not isinstance(text, str):
        return None, None
    leading = _LEADING_TEMPERATURE.match(text)
    if leading is not None:
        return float(leading.group(1).replace(",", ".")), leading.group(2)
    return _number_in_text(text) or (None, None)


def _number_in_text(text: str) -> tuple[float, str | None] | None:
    """A text that is a number ("38,1": (38.1, None)) or a number and its unit ("38,5 °C":
    (38.5, "°C")); None for any other text."""
    if _NUMBER_TEXT.fullmatch(text):
        return float(text.strip().replace(",", ".")), None
    with_unit = _NUMBER_AND_UNIT.fullmatch(text)
    if with_unit is None:
        return None
    return float(with_unit.group(1).replace(",", ".")), with_unit.group(2)


def _ratio_as_pair(res: Resource) -> Resource:
    """An Observation valued as a ratio of two quantities of one unit (a blood pressure
    panel written ``valueRatio`` 195 mm[Hg] / 118 mm[Hg]), as the pair of numbers it
    says ("195/118 mm[Hg]"), read as such a pair is; any other ratio as it is."""
    ratio = res.get("valueRatio")
    if not isinstance(ratio, dict):
        return res
    top, bottom = ratio.get("numerator"), ratio.get("denominator")
    if not (isinstance(top, dict) and isinstance(bottom, dict)):
        return res
    numbers = top.get("value"), bottom.get("value")
    if not all(isinstance(n, int | float) and not isinstance(n, bool) for n in numbers):
        return res
    units = {
        u.strip()
        for q in (top, bottom)
        for u in (q.get("code") if isinstance(q.get("code"), str) else q.get("unit"),)
        if isinstance(u, str) and u.strip()
    }
    if len(units) != 1 or any(
        isinstance(q.get("comparator"), str) for q in (top, bottom)
    ):  # two units, none, or a bound: not a pair of readings
        return res
    written = f"{numbers[0]:g}/{numbers[1]:g} {units.pop()}"
    return {**{k: v for k, v in res.items() if k != "valueRatio"}, "valueString": written}


def _pair_valued(res: Resource) -> bool:
    """Whether an Observation's value is written as a pair of numbers ("192/118 mmHg")."""
    value = res.get("valueString")
    return isinstance(value, str) and _PAIR.fullmatch(value) is not None


_HAS_DIGIT = re.compile(r"\d")
_CLAUSES = re.compile(r"[;\n]|[,:](?=\s*[^\W\d_])")
"""Where a text of several readings parts them: a semicolon, a new line, a comma or a
colon before a word (not the decimal comma of "38,9", not the colon of "Temp: 38.9"; a
heading's, "Assessment: Temp 38.9 C", is)."""


def _number_word(word: str) -> bool:
    """A word that starts a value: a number ("192/118", "38,9", "-2")."""
    return word[:1].isdigit() or (word[:1] in "+-" and word[1:2].isdigit())


def _value_ends(words: list[str], at: int) -> bool:
    """Whether the words before ``words[at]`` end a reading: a number ("BP 192/118"), or a
    unit after one ("Temp 38.9 °C", "BP 192/118 mm Hg")."""
    if any(c.isdigit() for c in words[at - 1]):
        return True
    return any(
        at - width > 0
        and any(c.isdigit() for c in words[at - width - 1])
        and canonical_unit(" ".join(words[at - width : at])) is not None
        for width in (1, 2)
    )


def _reading_parts(clause: str, names: Mapping[str, Any]) -> list[str]:
    """A clause of readings written one after another with nothing between them ("T 37.1
    P 76 R 18 BP 192/118 SpO2 98%", "HR 96 Temp 38.9"), each reading apart: one starts at
    a word after a reading's value (or its unit) that is followed by its own value: the
    words of a measure's name ("BP: 192/118", "Blood pressure 192/118") or a word of
    another reading ("HR 96", "SpO2 98%"); never a word that may go on the reading before
    it ("BP 128/82 repeat 185/112", "190/110 standing 185/112", a single letter: "L", "R",
    "P"), which stays with it; a clause of one reading as it is."""
    words = clause.split()
    if len(words) < 4:
        return [clause]
    starts = [0]
    at = 1
    while at < len(words) - 1:
        if words[at][:1].isalpha() and _value_ends(words, at):
            word = words[at].casefold().rstrip(":=")
            if _number_word(words[at + 1]):
                if measure_key(word) in names or (
                    len(word) > 1 and word not in _READING_FILLERS and word not in _TAKEN_HOW
                ):
                    starts.append(at)
            else:
                for width in (2, 3):
                    if at + width < len(words) and _number_word(words[at + width]):
                        if measure_key(" ".join(words[at : at + width]).rstrip(":=")) in names:
                            starts.append(at)
                        break
        at += 1
    if len(starts) == 1:
        return [clause]
    return [" ".join(words[a:b]) for a, b in itertools.pairwise([*starts, len(words)])]


_NAMED_VALUE = re.compile(
    r"\s*([^\W\d_](?:(?![-+]\d)[^\d:=\s]|\s+(?=[^\d:=\s])(?![-+]\d))*)"
    r"\s*[:=]?\s*([-+]?\d.*?)\s*"
)
"""A reading written as its name, then its value: "BP 192/118", "Temp: 38.9 °C"."""


def _readings_in_text(res: Resource, measures: Measures) -> list[Resource]:
    """The readings an Observation under a code no measure has gives in its text value,
    each named by a measure's or a panel's words ("Vitals": "BP 192/118, Temp 38.9"): each
    as an Observation of its own, named by those words and valued by the text after them,
    for :func:`_as_named` (never used as measured: to confirm)."""
    text = res.get("valueString")
    if not isinstance(text, str) or not any(c.isdigit() for c in text):
        return []
    names = {
        **(getattr(measures, "names", None) or {}),
        **(getattr(measures, "panel_names", None) or {}),
    }
    pairs = getattr(measures, "pair_names", None) or {}
    units = getattr(measures, "unit_names", None) or {}
    kept = {key: res[key] for key in _PART_KEEPS if key in res}
    out: list[Resource] = []
    parts = {**names, **units}  # a short name starts a reading too ("HR 88 T 39.2 C")
    for clause in (part for whole in _CLAUSES.split(text) for part in _reading_parts(whole, parts)):
        found = _named_in_clause(clause, names) or _named_in_clause(clause, pairs)
        if found and measure_key(found[0]) not in names and not _PAIR.fullmatch(found[1]):
            found = None  # a name read only before a pair of values ("RR 18": a rate)
        if found is None:  # a short name, only with its unit ("T° 39,2", "t 39,2 °C")
            found = _named_in_clause(clause, units)
            if found is None or _unit_named(_named_part(found), measures)[0] is None:
                continue
        out.append({**kept, **_named_part(found)})
    return out


def _named_part(found: tuple[str, str]) -> Resource:
    """A reading of a text as (the words naming it, its value), as an Observation's."""
    return {"code": {"text": found[0]}, "valueString": found[1]}


_READING_FILLERS = frozenset(
    {
        *("was", "is", "were", "of", "today", "now", "on", "recheck", "repeat", "at", "rest"),
        *("rated", "reading", "this", "morning", "evening", "tonight", "measured", "taken"),
        *("повторно", "при", "повторном", "измерении", "сегодня", "было", "была"),
        *("утром", "вечером", "измерена", "измерено"),
        *("war", "ist", "bei", "heute", "kontrolle", "gemessen", "morgens", "abends"),
        *("axillär", "axillaer", "rektal", "sublingual", "tympanal"),
    }
)
"""Words a note writes between a measure's name and its value ("BP was 200/120", "Temp of
38.9", "BP on recheck 200/120", "АД при повторном измерении 200/120"): a reading still.
Any other word there ("back pain for 10 years") makes the number no reading."""
_VALUE_START = re.compile(r"(?<![^\s:=])[-+]?\d")
"""Where a clause's value starts: a number standing as a word ("T 37.9", not "T12")."""


def _named_in_clause(clause: str, names: Mapping[str, Any]) -> tuple[str, str] | None:
    """A clause's reading as (the words naming its measure, its value): the whole clause
    a name and a value ("BP 192/118"), or a name followed by its value with only
    :data:`_READING_FILLERS` between ("Repeat BP was 200/120"); None for any other."""
    found = _NAMED_VALUE.fullmatch(clause)
    if found and measure_key(found[1]) in names:
        return found[1], found[2]
    start = _VALUE_START.search(clause)
    if start is None:
        return None
    words = re.split(r"[\s:=]+", clause[: start.start()].strip())
    end = len(words)
    while end and words[end - 1].casefold() in _READING_FILLERS:
        end -= 1
    for first in range(max(0, end - 4), end):
        named = " ".join(words[first:end])
        if measure_key(named) in names:
            return named, clause[start.start() :].strip()
    return None


def _may_decide(value: float, checks: Sequence[tuple[str, float]]) -> bool:
    """Whether a reading meets one of the comparisons the KB makes of its measure."""
    return any(
        (op == "<" and value < limit)
        or (op == "<=" and value <= limit)
        or (op == ">" and value > limit)
        or (op == ">=" and value >= limit)
        for op, limit in checks
    )


NAMED_ONLY = N_(
    "%(value)s recorded as '%(name)s' under a code the screening does not list: confirm the"
    " reading, or measure again"
)
ANSWERED_ONLY = N_(
    "%(value)s answered to '%(name)s' on a form other than the intake: confirm the reading,"
    " or measure again"
)


def _named_only(
    reading: Observation | Ignored, name: str, measures: Measures, why: str = NAMED_ONLY
) -> Ignored | None:
    """What a reading named only by its words (see :func:`_as_named`) leaves: never used as
    measured; set aside, named, when it may raise a finding (it meets a comparison the KB
    makes of its measure) or cannot be read; nothing otherwise."""
    if isinstance(reading, Ignored):
        return reading
    if not _may_decide(reading.value, _checks(measures).get(reading.measure, ())):
        return None
    # as the record wrote it, its number as the reader's language writes numbers
    shown = (
        Quantity.as_recorded(reading.original)
        if reading.original
        else Quantity(reading.value, reading.unit)
    )
    reason = Message(why, value=shown, name=name)
    return Ignored(reading.ref, reason, reading.measure, reading.when)


def _named_readings(
    named: Resource, said: Mapping[str, str], ref: str, measures: Measures
) -> list[Ignored]:
    """A reading under a local code that names a measure by its words (see
    :func:`_as_named`): never used as measured; one that may raise a finding (it meets a
    comparison the KB makes of its measure), or cannot be read, leaves the measure
    unknown, with the reading named for the clinician to confirm."""
    observations, ignored = observations_from_fhir(named, ref, measures)
    kept = (
        _named_only(reading, said.get(reading.measure, ""), measures) for reading in observations
    )
    return [*(k for k in kept if k is not None), *ignored]


def _text_readings(res: Resource, ref: str, measures: Measures) -> list[Ignored]:
    """The readings a text value gives, each named by a measure's words
    (:func:`_readings_in_text`), read as readings so named (:func:`_named_readings`)."""
    out: list[Ignored] = []
    for part in _readings_in_text(res, measures):
        named = _as_named(part, measures, paired=True)
        if named is not None:
            out.extend(_named_readings(*named, ref, measures))
    return out


def _readings_answered(
    item: Resource, value: object, form: Resource, ref: str, measures: Measures
) -> list[Ignored]:
    """Another form's question that names a measure by its words, answered in words that
    hold a number ("Temperature": "38,5"; "Blood pressure": "185/115"): read as a reading
    so named (:func:`_named_readings`), of the form's date; nothing for any other."""
    text = item.get("text")
    if not (isinstance(value, str) and isinstance(text, str) and any(c.isdigit() for c in value)):
        return []
    reading: dict[str, Any] = {"code": {"text": text}, "valueString": value}
    if form.get("authored") is not None:
        reading["effectiveDateTime"] = form.get("authored")
    named = _as_named(reading, measures)
    return [] if named is None else _named_readings(*named, ref, measures)


def _named_hit(concept: object, measures: Measures) -> tuple[MeasureHit, str] | None:
    """The measure (its reader entry) a code or a question names by its words alone, and
    those words."""
    found = _named_measure(concept, measures)
    codes: Mapping[str, Resource] = getattr(measures, "named_codes", None) or {}
    if found is None or found[0] not in codes:
        return None
    hit = measures.get(("loinc", codes[found[0]]["code"]))
    return None if hit is None else (hit, found[1])


def _measure_of(
    concept: object, measures: Measures, where: str
) -> tuple[MeasureHit, Resource] | None:
    """(the measure, raw coding) of the first coding that is a measure."""
    if isinstance(concept, str):
        concept = {"coding": [{"code": concept}]}  # a bare code: "8310-5"
    if not isinstance(concept, dict):
        if concept is None:
            return None
        raise _Bad(Message(NOT_AN_OBJECT, field=where, kind=_kind(concept)))
    codings = concept.get("coding")
    if isinstance(codings, dict):
        codings = [codings]  # one coding written as an object
    if not isinstance(codings, list):
        if codings is None:
            return None
        raise _Bad(Message(NOT_A_LIST, field=f"{where}.coding", kind=_kind(codings)))
    for raw in codings:
        if isinstance(raw, dict):
            code = raw.get("code")
            if isinstance(code, str):
                hit = _coded_measure(_system(raw.get("system")), code, measures)
                if hit is not None:
                    return hit, raw
    return None


# Dashes a copy from a word processor writes for a LOINC code's hyphen ("8310–5").
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212", "-"))


def _coded_measure(system: str, code: str, measures: Measures) -> MeasureHit | None:
    """The measure a code names: as filed; a LOINC code (number, dash, check digit; any
    dash) written without its system, under a national or local one (an Epic flowsheet
    row coded 8462-4 under a national OID) or under a KB system whose codes never look so
    (8310-5 under ICD-10); a SNOMED CT id written without its system (386725007 body
    temperature): the KB's measure codes are no other system's ids."""
    code = code.strip()
    hit = measures.get((system, code))
    if hit is not None:
        return hit
    if system in KNOWN_SYSTEMS and code_fits(system, code):
        return None
    loinc = code.translate(_DASHES)
    if _LOINC_SHAPE.fullmatch(loinc):
        return measures.get(("loinc", loinc))
    if system not in KNOWN_SYSTEMS and _SCTID.fullmatch(code):
        return measures.get(("snomed", code))
    return None


def _number_text(value: float) -> str:
    return str(int(value)) if isinstance(value, int) else str(value)


def _number(node: Resource, measure: str, where: str) -> float | tuple[float, str] | Ignored | None:
    """valueInteger, or a valueString holding a number ("38.1", "38,1") or a number and its
    unit ((38.5, "°C") from "38,5 °C"), or a valueCodeableConcept whose text or display is a
    number (a pain score picked from an answer list: "8"); None: no value."""
    if "valueInteger" in node:
        value = node["valueInteger"]
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Bad(
                Message(
                    "%(field)s of %(measure)s is not a number (%(value)s)",
                    field=f"{where}valueInteger",
                    measure=measure,
                    value=repr(value),
                )
            )
        return value
    text = node.get("valueString")
    if isinstance(text, str):
        found = _number_in_text(text)
        if found is None:
            return Ignored("", Message("the value '%(text)s' is not a number", text=text), measure)
        number, unit = found
        return number if unit is None else (number, unit)
    concept = node.get("valueCodeableConcept")
    if isinstance(concept, dict):
        shown = [concept.get("text")] + [
            c.get("display") for c in _objects(concept, "coding", f"{where}valueCodeableConcept.")
        ]
        for candidate in shown:
            if isinstance(candidate, str) and _NUMBER_TEXT.fullmatch(candidate):
                return float(candidate.strip().replace(",", "."))
    return None


WrittenValue = tuple[float, str | None, tuple[str | None, ...]]
"""A value as written: the number, its comparator (a bound), the units it may be in."""


def _written_value(node: Resource, ref: str, measure: str, where: str) -> WrittenValue | Ignored:
    """The number a value holds, as written (:data:`WrittenValue`), or why there is none:
    a valueQuantity, a bound written as text ("<50", "> 38.5 Cel", as laboratories report
    one), or a number given otherwise (:func:`_number`)."""
    quantity = _obj(node, "valueQuantity", where)
    if quantity is not None:
        raw_value = quantity.get("value")
        if (
            raw_value is None
            or isinstance(raw_value, bool)
            or not isinstance(raw_value, int | float)
        ):
            reason = (
                _no_value(_obj(node, "dataAbsentReason", where), where)
                if raw_value is None
                else Message("the value '%(text)s' is not a number", text=str(raw_value))
            )
            return Ignored(ref, reason, measure)
        comparator = _str(quantity, "comparator", f"{where}valueQuantity.")
        code = _str(quantity, "code", f"{where}valueQuantity.")
        unit = _str(quantity, "unit", f"{where}valueQuantity.")
        return raw_value, comparator, ((code, unit) if code is not None else (unit,))
    text = node.get("valueString")
    bound = _BOUND_TEXT.fullmatch(text) if isinstance(text, str) else None
    if bound is not None:
        value = float(bound.group(2).replace(",", "."))
        return value, bound.group(1), (bound.group(3) or bound.group(4) or None,)
    number = _number(node, measure, where)
    if isinstance(number, Ignored):
        return Ignored(ref, number.reason, measure)
    if number is None:
        for key in _VALUE_KEYS:
            if key in node:
                kind = Message(_VALUE_KEYS[key])
                return Ignored(
                    ref, Message("the value is %(kind)s, not a number", kind=kind), measure
                )
        return Ignored(ref, _no_value(_obj(node, "dataAbsentReason", where), where), measure)
    if isinstance(number, tuple):
        return number[0], None, (number[1],)
    return number, None, (None,)


def _measurement(
    node: Resource,
    ref: str,
    hit: MeasureHit,
    raw_coding: Resource,
    when: date,
    instant: float | None,
    where: str,
    checks: Sequence[tuple[str, float]] = (),
    last: date | None = None,
) -> Observation | Ignored:
    """One value (of an Observation or of one of its components) as an Observation
    (``last``: the last day of a date given only as a year or a month).

    A value that cannot be used (no number, a unit that cannot be converted, outside the
    measure's plausible range) is set aside with the reason: that measurement is unknown,
    the rest of the record stands.
    """
    measure, target, low, high = hit
    coding = _coding(raw_coding, f"{where}code.coding")
    found = _written_value(node, ref, measure, where)
    if isinstance(found, Ignored):
        return found
    value, comparator, unit_candidates = found
    written = unit_candidates[0]
    converted: float | None = None
    for candidate in unit_candidates:
        try:
            converted = convert(float(value), candidate, target)
        except UnitError:
            continue
        written = candidate
        break
    if converted is None and not comparator:
        either = _read_two_ways(float(value), unit_candidates, target, low, high, checks)
        if either is not None:
            converted, written = either
    if converted is None:
        if not any(unit_candidates):
            # Real data (4 Synthea patients) writes blood-pressure components without any
            # unit: the number cannot be read safely, so it is set aside, not guessed.
            return Ignored(
                ref,
                Message("value %(value)s has no unit", value=Quantity(value, None)),
                measure,
            )
        as_written = next((u for u in reversed(unit_candidates) if u is not None), "")
        return Ignored(
            ref,
            Message(
                "value %(value)s in '%(unit)s' cannot be converted to %(target)s",
                value=Quantity(value, None),
                unit=as_written,
                target=Quantity(None, target),
            ),
            measure,
        )
    # the unit as written, named by its code where the unit table knows the spelling
    # ("mmHg", "кПа"), so that it is said in the reader's language
    # (a number with no unit, "1" as UCUM writes it, is the measure's own: an INR)
    unitless = written is None or written.strip() in UNITLESS
    unit = target if unitless else (canonical_unit(written) or written)
    # the value as written, when its unit is another than the measure's (a spelling of
    # the same unit, "мм рт. ст." for mm[Hg], is the same value: shown once, not twice)
    original = (
        None
        if unitless or written == target or canonical_unit(written) == canonical_unit(target)
        else f"{_number_text(value)} {written}"
    )
    if not math.isfinite(converted):  # NaN or infinity (a YAML ".nan", a caller's float)
        return Ignored(ref, Message(NOT_FINITE), measure)
    if (low is not None and converted < low) or (high is not None and converted > high):
        shown = Quantity(value, unit)
        return Ignored(ref, Message("%(value)s is not a plausible value", value=shown), measure)
    if comparator:
        standing = _bound_decides(comparator, converted, checks)
        if standing is None:
            bound = Message(
                "the value is a bound (%(comparator)s %(value)s), not a measurement",
                comparator=comparator,
                value=Quantity(value, unit),
            )
            return Ignored(ref, bound, measure)
        # the bound decides every comparison the KB makes of the measure
        original = f"{comparator} {_number_text(value)} {written or target}"
        converted = standing
    return Observation(
        ref=ref,
        measure=measure,
        value=converted,
        unit=target,
        when=when,
        coding=coding,
        original=original,
        instant=instant,
        last=last,
    )


_READ_TWO_WAYS: dict[str, tuple[str, ...]] = {"ml/s": ("mL/s/{1.73_m2}", "mL/min/{1.73_m2}")}
"""Units written so that the number may be read more than one way (folded: no case, no
spaces), with the units it may be in: an eGFR in "mL/s" alone is per second per 1.73 m²
(as "mL/min" alone is per minute per 1.73 m²: KB policy_egfr) or a slip for "mL/min",
sixty times lower ("4 mL/s" may be 240 or 4)."""


def _read_two_ways(
    value: float,
    units: Sequence[str | None],
    target: str,
    low: float | None,
    high: float | None,
    checks: Sequence[tuple[str, float]],
) -> tuple[float, str] | None:
    """A value in a unit it may be read in more than one way (:data:`_READ_TWO_WAYS`),
    read where each of its plausible readings gives the same answer to every comparison
    the KB makes of its measure ("0.3 mL/s": 18 or 0.3, both below 30; "5 mL/s": 300 is no
    plausible eGFR, 5 is): the first of those readings, and the unit as written. None
    where the readings disagree ("1 mL/s": 60 or 1), none is plausible, or the KB makes no
    comparison: the value is then set aside, unknown."""
    if not checks:
        return None
    for written in units:
        readings = _READ_TWO_WAYS.get("".join((written or "").split()).casefold())
        if readings is None:
            continue
        values: list[float] = []
        for unit in readings:
            try:
                read = convert(value, unit, target)
            except UnitError:
                return None
            if (
                math.isfinite(read)
                and (low is None or read >= low)
                and (high is None or read <= high)
            ):
                values.append(read)
        agree = all(len({_OPS[op](v, limit) for v in values}) == 1 for op, limit in checks)
        return (values[0], written or "") if values and agree else None
    return None


def _bound_decides(
    comparator: str, value: float, checks: Sequence[tuple[str, float]]
) -> float | None:
    """Does a bound ("> 38", "< 10", "< 50" at the threshold itself) decide each comparison
    the KB makes of its measure? Then the value to stand for it, one that gives the same
    answers (the bound's own value, or for a strict bound at a threshold the nearest number
    on its side: "< 50" is below 50): a temperature above 38 is a fever at the threshold
    37.5, platelets below 50 are below 50. Otherwise (a temperature above 35, "<= 50" for
    "< 50") None: the reading is set aside as unknown."""
    if comparator not in (">", ">=", "<", "<=") or not checks:
        return None
    above = comparator in (">", ">=")  # the true value is at least (above) or at most
    strict = comparator in (">", "<")
    answers: list[tuple[str, float, bool]] = []
    for op, limit in checks:
        if above:
            # true value x >= value (x > value when strict)
            if op in (">=", ">"):
                decided = value > limit or (value == limit and (op == ">=" or strict))
                answer = True if decided else None
            else:  # "<", "<="
                decided = value > limit or (value == limit and (op == "<" or strict))
                answer = False if decided else None
        elif op in ("<", "<="):
            decided = value < limit or (value == limit and (op == "<=" or strict))
            answer = True if decided else None
        else:  # ">", ">=" with the true value at most (below) ``value``
            decided = value < limit or (value == limit and (op == ">" or strict))
            answer = False if decided else None
        if answer is None:
            return None
        answers.append((op, limit, answer))
    candidates = [value]
    if strict:
        candidates.append(math.nextafter(value, math.inf if above else -math.inf))
    for candidate in candidates:
        if all(_OPS[op](candidate, limit) == answer for op, limit, answer in answers):
            return candidate
    return None


_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
}


NO_DATE = Message("no date of measurement")
"""Why a reading of no known day is set aside (it may be the latest)."""
_HOLDER_DATES = ("effectiveDateTime", "effectivePeriod", "effectiveInstant", "issued")
"""The fields that date an Observation or a report (:data:`_OBSERVATION_DATES`)."""

_OBSERVATION_DATES: tuple[tuple[str, str | None], ...] = (
    ("effectiveDateTime", None),
    ("effectivePeriod", "start"),
    ("effectivePeriod", "end"),  # a period given only by its end: taken by then
    ("effectiveInstant", None),
    ("issued", None),
)


def _spanned_last(
    res: Resource, key: str, raw_when: object, when: date | None, field: str
) -> date | None:
    """The last day of what is dated ``when`` (read from ``raw_when``): of a date written
    only as a year or a month, its last day; of a period (``key``) that runs over more than
    one day, its end's (last) day; None for one day. Read as a date of a month is (clinic
    policy policy_partial_date_reading): any day of it may be the day."""
    last = _partial_last(raw_when, field)
    period = res.get(key)
    if when is None or type(period) is not dict or raw_when is not period.get("start"):
        return last
    end = _partial_last(period.get("end"), f"{key}.end") or _date_or_none(period, (("end", None),))
    return end if end is not None and end > (last or when) else last


def _no_value(absent: Resource | None, where: str) -> Message:
    """No value, with the reason the record gives (FHIR data-absent-reason), if any."""
    codes = _codings(absent, f"{where}dataAbsentReason")
    code = codes[0].code if codes else None
    if code in DATA_ABSENT:
        return Message("no value (%(reason)s)", reason=Message(DATA_ABSENT[code]))
    text = _text(absent, f"{where}dataAbsentReason") or code  # as recorded
    return Message("no value ('%(text)s')", text=text) if text else Message("no value")


@_guarded
def observations_from_fhir(
    res: Resource, ref: str, measures: Measures
) -> tuple[list[Observation], list[Ignored]]:
    """The measures an Observation carries: its own value and its components' values.

    A blood-pressure panel (85354-9, 55284-4) gives one Observation per component that
    is a measure, each with the panel's ``ref``. Observations of codes that are not
    measures give nothing (their units are never looked at).
    """
    hits: list[tuple[MeasureHit, Resource, Resource, str]] = []
    modified: list[str] = []
    top = _measure_of(res.get("code"), measures, "code")
    if top is not None:
        hits.append((*top, res, ""))
    for index, component in enumerate(_list(res, "component")):
        if not isinstance(component, dict):
            raise _Bad(Message(NOT_AN_OBJECT, field=f"component[{index}]", kind=_kind(component)))
        where = f"component[{index}]."
        hit = _measure_of(component.get("code"), measures, f"{where}code")
        if hit is not None and component.get("modifierExtension"):
            modified.append(hit[0][0])  # its meaning changed in a way not read: set aside
        elif hit is not None:
            hits.append((*hit, component, where))
    carried = _panel_value(res, measures) if not hits else ()
    if modified:
        when = _date_or_none(res, _OBSERVATION_DATES)
        last = _spanned_last(
            res, "effectivePeriod", _first_raw(res, _OBSERVATION_DATES), when, "effectiveDateTime"
        )
        kept, aside = (
            observations_from_fhir({**res, "component": _plain_parts(res)}, ref, measures)
            if hits
            else ([], [])
        )
        return kept, [*aside, *(Ignored(ref, MODIFIED, m, when, last) for m in modified)]
    if not hits and not carried:
        return [], _no_reading(res, ref, measures)
    status = _status(res)
    if status in OBSERVATION_VOID:
        return [], [Ignored(ref, Message(NOT_MEASURED[status]))]
    try:
        when = _first_date(res, _OBSERVATION_DATES)
    except _Bad:
        unreadable = Message("the date of measurement cannot be read")
        return [], [Ignored(ref, unreadable, found[0]) for found, *_ in hits]
    raw_when = _first_raw(res, _OBSERVATION_DATES)
    last = _spanned_last(res, "effectivePeriod", raw_when, when, "effectiveDateTime")
    # a reading of no known day may be the latest: the measure is unknown (never dropped,
    # and never left to an older reading); FHIR's registered is "no result yet": a value
    # written there is no result, set aside
    if when is None or status == "registered":
        reason = NO_DATE if when is None else REGISTERED
        named = dict.fromkeys([found[0] for found, *_ in hits] or list(carried))
        return [], [Ignored(ref, reason, measure, when, last) for measure in named]
    if carried:  # a panel's readings written as its own value ("190/115 mmHg")
        pair = _panel_pair(res, ref, carried, measures, when)
        if pair is not None:
            return pair
        reason = _panel_unread(res)
        return [], [Ignored(ref, reason, measure, when, last) for measure in carried]
    instant = _instant(raw_when, when)
    observations: list[Observation] = []
    ignored: list[Ignored] = []
    checks = _checks(measures)
    for found, raw_coding, node, where in hits:
        result = _measurement(
            node, ref, found, raw_coding, when, instant, where, checks.get(found[0], ()), last
        )
        if isinstance(result, Observation):
            observations.append(result)
        else:
            ignored.append(replace(result, when=when, last=last))
    return observations, ignored


def _measures_named(res: Resource, measures: Measures) -> list[str]:
    """The measures an Observation's code names: its own, or a panel's (a blood-pressure
    panel's systolic and diastolic), and its components'; read from what can be read."""
    found: list[str] = []
    try:
        hit = _measure_of(res.get("code"), measures, "code")
    except _Bad:
        hit = None
    if hit is not None:
        found.append(hit[0][0])
    found.extend(_panel_of(res, measures))
    components = res.get("component")
    for part in components if isinstance(components, list) else ():
        try:
            hit = (
                _measure_of(part.get("code"), measures, "code") if isinstance(part, dict) else None
            )
        except _Bad:
            hit = None
        if hit is not None:
            found.append(hit[0][0])
    return list(dict.fromkeys(found))


def _plain_parts(res: Resource) -> list[Any]:
    """An Observation's components without those a modifier extension changes."""
    return [
        c
        for c in _list(res, "component")
        if not (isinstance(c, dict) and c.get("modifierExtension"))
    ]


def _panel_value(res: Resource, measures: Measures) -> tuple[str, ...]:
    """The measures of a panel (a blood-pressure panel) whose readings are written as the
    panel's own value, with no components: "85354-9: '190/115'"; () for any other."""
    if "component" in res or not any(k.startswith("value") for k in res):
        return ()
    return _panel_of(res, measures)


def _no_reading(res: Resource, ref: str, measures: Measures) -> list[Ignored]:
    """A panel that gives no reading at all (a blood-pressure panel flagged "critical high",
    no numbers): its measures were taken, their values unknown (set aside, on its day);
    nothing for a void one, one not yet resulted (registered) or any other Observation."""
    empty = _empty_panel(res, measures)
    if not empty or _status(res) in OBSERVATION_VOID or _status(res) == "registered":
        return []
    when = _date_or_none(res, _OBSERVATION_DATES)
    raw_when = _first_raw(res, _OBSERVATION_DATES)
    last = _spanned_last(res, "effectivePeriod", raw_when, when, "effectiveDateTime")
    reason = _no_value(res, "")
    return [Ignored(ref, reason, measure, when, last) for measure in empty]


def _empty_panel(res: Resource, measures: Measures) -> tuple[str, ...]:
    """The measures of a panel that gives no reading at all: no value, no components and
    no members (only a flag such as "critical high", or a reason for no value); ()
    for any other."""
    if "component" in res or "hasMember" in res or any(k.startswith("value") for k in res):
        return ()
    return _panel_of(res, measures)


def _panel_of(res: Resource, measures: Measures) -> tuple[str, ...]:
    """The measures of the panel an Observation's code names; () for no panel."""
    panels = getattr(measures, "panels", None)
    if not panels:
        return ()
    concept = res.get("code")
    codings = concept.get("coding") if isinstance(concept, dict) else None
    for raw in codings if isinstance(codings, list) else ():
        if isinstance(raw, dict) and isinstance(raw.get("code"), str):
            uri = raw.get("system")
            if uri is not None and not isinstance(uri, str):
                continue  # a system of another shape names no panel (the resource is set aside)
            found = panels.get((_system(uri), raw["code"].strip()))
            if found:
                return found  # type: ignore[no-any-return]
    return ()


_PAIR = re.compile(r"\s*(\d+(?:[.,]\d+)?)\s*/\s*(\d+(?:[.,]\d+)?)\s*(\S.*?)?\s*")


def _panel_pair(
    res: Resource, ref: str, carried: tuple[str, ...], measures: Measures, when: date
) -> tuple[list[Observation], list[Ignored]] | None:
    """A two-measure panel's readings written as its own value, "150/95 mmHg" (as a
    ``valueString``): each number a reading of the panel's measures in the KB's order
    (systolic, then diastolic), with the unit written after them, read and checked as any
    reading (a number outside the plausible range is set aside). None for a value of
    another shape or with no unit (it is then set aside whole)."""
    text = res.get("valueString")
    pair = _PAIR.fullmatch(text) if isinstance(text, str) and len(carried) == 2 else None
    named = getattr(measures, "named_codes", {})
    if pair is None or not pair.group(3) or any(m not in named for m in carried):
        return None  # no unit written: set aside whole, as a component with no unit is
    unit = pair.group(3)
    raw_when = _first_raw(res, _OBSERVATION_DATES)
    instant = _instant(raw_when, when)
    last = _spanned_last(res, "effectivePeriod", raw_when, when, "effectiveDateTime")
    checks = _checks(measures)
    observations: list[Observation] = []
    ignored: list[Ignored] = []
    for measure, number in zip(carried, pair.group(1, 2), strict=True):
        code = named[measure]
        hit = measures.get((_system(code["system"]), code["code"]))
        if hit is None:
            return None
        node = {"valueString": f"{number} {unit}".strip()}
        result = _measurement(
            node, ref, hit, code, when, instant, "", checks.get(measure, ()), last
        )
        if isinstance(result, Observation):
            observations.append(result)
        else:
            ignored.append(replace(result, when=when, last=last))
    return observations, ignored


def _panel_unread(res: Resource) -> Message:
    """Why a panel's own value (see :func:`_panel_pair`) is set aside, in the clinician's
    words: a pair with no unit, one number for the panel's readings, or no number."""
    shown = _value_as_written(res)
    text = res.get("valueString")
    if isinstance(text, str) and _PAIR.fullmatch(text):
        return Message("the value '%(text)s' gives no unit", text=shown)
    if isinstance(res.get("valueQuantity"), dict) or _NUMBER_TEXT.fullmatch(shown):
        return Message(
            "the value '%(text)s' is one number, not a pair of readings such as 150/95 mm Hg",
            text=shown,
        )
    return Message("the value '%(text)s' is not a number", text=shown)


def _value_as_written(res: Resource) -> str:
    """An Observation's value as the record writes it, for a message."""
    for key, value in res.items():
        if key.startswith("value"):
            if isinstance(value, dict):
                value = value.get("value", value.get("text", ""))
            return str(value)[:40]
    return ""


# The codes a yes or a no stands for in a coded Observation's value (SNOMED CT Yes, No).
_YES = Coding("snomed", "373066001", "Yes")
_NO = Coding("snomed", "373067005", "No")


@_guarded
def coded_observation_from_fhir(
    res: Resource, ref: str, words: Mapping[str, bool] | None = None
) -> CodedObservation | None:
    """An Observation with a coded value (its code and value codings, its date, None where
    the record gives none: what it records is then to be confirmed); None when it is void.

    A value written as yes or no (``valueBoolean``, a code for yes or no or present or
    absent, or a ``valueString`` or a value's text among ``words``, the KB's clear yes and
    no words: "positive", "да") gets the SNOMED CT code for yes or no besides its own:
    "Patient currently pregnant: true", "hCG: Positive", "Saddle anaesthesia: Present".
    An Observation with no value at all (no reason for its absence, and not merely
    ``registered``: no result yet) records the finding of its code as observed; any other
    value (an answer neither yes nor no, a reason for a missing value) is kept as written,
    without a yes or a no; so is a no that the Observation's interpretation calls positive
    or abnormal, or a value coded both yes and no (to confirm, never a no). No value with
    an interpretation of positive or abnormal is a yes ("Pregnancy test: POS").
    """
    status = _status(res)
    if status in OBSERVATION_VOID:
        return None
    # a date that cannot be read ("30.11.2026") leaves the finding undated, to confirm,
    # never the reason it is set aside
    when = _date_or_none(res, _OBSERVATION_DATES)
    named = _concept(res, "code")
    code = _codings(named, "code")
    # no words in its code: the words of its narrative ("Saddle anaesthesia present" as
    # the Observation's text.div only), as a diagnosis's
    name = _text(named, "code") or _narrative(res.get("text"))
    if not code and name is None:
        return None
    concept = _concept(res, "valueCodeableConcept")
    value = _codings(concept, "valueCodeableConcept")
    said: object = res.get("valueBoolean")
    if not isinstance(said, bool):
        said = _coded_yes_no(value) if value else _flag_number(res)
    text: str | None = None
    if said is None:
        text = _str(res, "valueString") or (
            _text(concept, "valueCodeableConcept") if not value else None
        )
        said = _said(text, words or {}) if text else None
    if said is None and not value and text is None and _flagged_positive(res):
        said = True  # no value, but the interpretation says positive ("hCG: POS")
    elif (said is False and _flagged_positive(res)) or _says_both(value):
        # a no the record's own interpretation calls positive or abnormal, or a value
        # coded both yes and no: neither, to confirm (never a no)
        said, text = None, None
        value = tuple(c for c in value if c.code.strip().casefold() not in _YES_NO_CODES)
    # the words of the code, and of a value that is neither a yes nor a no: its text, or
    # the names of its codes ("Clinical finding": "Foot drop" under a code the KB does not
    # list names the foot drop)
    if not isinstance(said, bool) and text is None and value:
        text = (
            _text(concept, "valueCodeableConcept")
            or "; ".join(
                dict.fromkeys(c.display.strip() for c in value if c.display and c.display.strip())
            )
            or None
        )
    written = [name, None if isinstance(said, bool) else text]
    if isinstance(said, bool):
        value = (*value, _YES if said else _NO)
    observed = (
        not value
        and not any(k.startswith("value") for k in res)
        and "dataAbsentReason" not in res
        and status != "registered"  # registered: no result yet
    )
    words_of = "; ".join(w.strip() for w in written if w and w.strip()) or None
    sites = _concepts_codings(res, "bodySite")
    return CodedObservation(ref, code, value, when, observed, words_of, sites)


# An Observation's interpretation that calls it positive, detected or abnormal (HL7
# v3 ObservationInterpretation POS, DET, A, AA).
_POSITIVE_FLAGS = frozenset({"pos", "det", "a", "aa"})


def _flagged_positive(res: Resource) -> bool:
    """Whether the Observation's ``interpretation`` calls it positive or abnormal (one
    that cannot be read calls it nothing: the value decides, as before it was read)."""
    try:
        flags = _concepts_codings(res, "interpretation")
    except _Bad:
        return False
    return any(c.code.strip().casefold() in _POSITIVE_FLAGS for c in flags)


def _flag_number(res: Resource) -> bool | None:
    """A flowsheet's check box written as a number: ``valueInteger`` 1 (or a
    ``valueQuantity`` of 1 with no unit) is a yes, 0 a no; None for any other value."""
    number = res.get("valueInteger")
    if number is None:
        quantity = res.get("valueQuantity")
        if type(quantity) is dict and not any(
            isinstance(quantity.get(k), str) and quantity[k].strip() for k in ("unit", "code")
        ):
            number = quantity.get("value")
    if isinstance(number, bool) or not isinstance(number, int | float):
        return None
    return True if number == 1 else False if number == 0 else None


def _says_both(value: Sequence[Coding]) -> bool:
    """Whether a coded value holds a code for yes and one for no."""
    return {True, False} <= {_YES_NO_CODES.get(c.code.strip().casefold()) for c in value}


def _coded_yes_no(value: Sequence[Coding]) -> bool | None:
    """True or False for coded answers that clearly say yes (present) or no (absent), and
    only that; None for any other."""
    found = {_YES_NO_CODES.get(c.code.strip().casefold()) for c in value}
    return found.pop() if len(found) == 1 and None not in found else None


def _said(text: str, words: Mapping[str, bool]) -> bool | None:
    """True or False for a text that clearly says yes or no (``words``), else None."""
    return words.get(text.strip().rstrip(".!").casefold().replace("ё", "е"))


# Answers that say yes or no by a code: HL7 Y/N, LOINC LA33-6 and LA32-8, SNOMED CT 373066001
# Yes and 373067005 No, 52101004 Present and 2667000 Absent, a finding's result Positive or
# Negative (SNOMED CT 10828004 and 260385009, LOINC LA6576-8 and LA6577-6: "Fever:
# Negative"), or Detected or Not detected, as laboratories report presence (SNOMED CT
# 260373001 and 260415000, LOINC LA11882-0 and LA11883-8) (the words that say so are the
# KB's, text.yaml answer_words).
_YES_NO_CODES = {
    "y": True,
    "la33-6": True,
    "373066001": True,
    "52101004": True,
    "10828004": True,
    "la6576-8": True,
    "260373001": True,
    "la11882-0": True,
    "n": False,
    "la32-8": False,
    "373067005": False,
    "2667000": False,
    "260385009": False,
    "la6577-6": False,
    "260415000": False,
    "la11883-8": False,
}


def _yes_no(text: str, words: Mapping[str, bool]) -> bool | str:
    """True or False for an answer that clearly says yes or no, else the text as written
    (an answer the screening cannot read as yes or no: "maybe", "не знаю", "1-2 times")."""
    key = text.strip().rstrip(".!").casefold().replace("ё", "е")
    found = _YES_NO_CODES.get(key)
    if found is None:
        found = words.get(key)
    return text if found is None else found


def _yes_first(value: bool | str | float | Resource, words: Mapping[str, bool]) -> Any:
    """An intake answer in words that begins with a clear yes and goes on with its details
    ("yes, 38.2", "Да - 38"): a yes; any other answer as it is. Only a yes is so read: a no
    with details ("no, but 38 yesterday") may take itself back, and stays unclear."""
    if isinstance(value, str):
        # a yes is a short word first: its head only, never the whole of a long answer
        head = _ANSWER_HEAD.match(value.strip()[:ANSWER_HEAD_CHARS].casefold().replace("ё", "е"))
        if head is not None:
            word = head.group(1).strip()
            if (_YES_NO_CODES.get(word) or words.get(word)) is True:
                return True
    return value


ANSWER_HEAD_CHARS = 80
_ANSWER_HEAD = re.compile(r"([^,;:()\u2013\u2014-]+?)\s*(?:[,;:(\u2013\u2014]|\s-\s)")


# QuestionnaireResponse statuses whose answers stand; any other but entered-in-error (in
# progress, stopped) is a form not finished, read for what it raises (clinic policy
# policy_unfinished_form, see _answer_given).
_ANSWERED = frozenset({"completed", "amended"})
NOT_FINAL = N_("the answers are not final")
UNDATED_FORM = N_("the date the form was filled in cannot be read: its answers are of no known day")
NOT_FINAL_YES = N_("yes, on a form not finished: confirm")
NOT_FINAL_READING = N_(
    "%(value)s given on a form not finished: confirm the reading, or measure again"
)
_ANSWER_VALUES = ("valueBoolean", "valueCoding", "valueString", "valueDecimal", "valueInteger")


def _items(node: Resource, where: str, group: str = "") -> list[tuple[Resource, str]]:
    """Every item of a QuestionnaireResponse, nested groups flattened, with its path. An
    item of a group is read with the group's words before its own ("Saddle numbness:
    Present?"): a form may name the finding only in the group's text."""
    out: list[tuple[Resource, str]] = []
    for index, item in enumerate(_objects(node, "item", where)):
        path = f"{where}item[{index}]"
        own = item.get("text")
        own = own.strip() if isinstance(own, str) else ""
        text = own
        if group and group.casefold() not in own.casefold():
            text = f"{group}: {own}" if own else group
            item = {**item, "text": text}
        out.append((item, path))
        out.extend(_items(item, f"{path}.", text))
        for a_index, answer in enumerate(_objects(item, "answer", f"{path}.")):
            out.extend(_items(answer, f"{path}.answer[{a_index}]."))
    return out


def _answer_value(
    answer: Resource, where: str, words: Mapping[str, bool]
) -> bool | str | float | Resource | None:
    if "valueQuantity" in answer:
        return _obj(answer, "valueQuantity", where)
    for key in _ANSWER_VALUES:
        if key not in answer:
            continue
        value = answer[key]
        if key == "valueCoding":
            coding = _coding(value, f"{where}{key}")
            if coding is None:  # a coding with its words only: "Yes"
                display = value.get("display") if isinstance(value, dict) else None
                return _yes_no(display, words) if isinstance(display, str) and display else None
            # a yes/no question answered from a coded list is a yes or a no, by its code
            # or, under a local code ("1"), by its words ("Yes", "Да")
            answer_code = _yes_no(coding.code, words)
            if not isinstance(answer_code, bool) and isinstance(coding.display, str):
                answer_code = _yes_no(coding.display, words)
            return answer_code if isinstance(answer_code, bool) else coding.code
        if key == "valueBoolean" and isinstance(value, bool):
            return value
        if key == "valueString" and isinstance(value, str):
            return _yes_no(value, words)  # "Да", "Yes", "nein": a yes or a no
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if key in ("valueDecimal", "valueInteger") and numeric:
            return float(value)
        raise _Bad(
            Message(
                "%(field)s is not a %(type)s (%(kind)s)",
                field=f"{where}{key}",
                type=key[5:].lower(),
                kind=_kind(value),
            )
        )
    if any(key.startswith("value") for key in answer):
        # a date, a time, an attachment, a reference: an answer, but none that says yes,
        # no, a choice or a number (unknown, never a no)
        return Message(UNREADABLE_ANSWER)
    return None


UNREADABLE_ANSWER = N_("an answer that cannot be read as it is written")


def _answers_read(
    res: Resource, ref: str, words: Mapping[str, bool], ignored: list[Ignored]
) -> Iterator[tuple[Resource, str, Resource, str, str, bool | str | float | Resource]]:
    """(item, its path, answer, linkId, the answer's path, value) of each answer of a
    QuestionnaireResponse. One item or answer written wrong is set aside (added to
    ``ignored``), never the whole form: an answer not of its type ("3,5" as a decimal,
    "true" as a boolean) is read for its words, else is an answer that cannot be read
    (never a no)."""
    for item, path in _items(res, ""):
        try:
            link = _str(item, "linkId", f"{path}.")
            given = _objects(item, "answer", f"{path}.")
        except _Bad as bad:
            ignored.append(Ignored(ref, located(ref, bad.args[0])))
            continue
        if not link:
            continue
        for index, answer in enumerate(given):
            where = f"{path}.answer[{index}]."
            try:
                value = _answer_value(answer, where, words)
            except _Bad as bad:
                ignored.append(Ignored(ref, located(ref, bad.args[0])))
                value = _as_written(answer, words)
            if value is not None:
                yield item, path, answer, link, where, value


def _as_written(answer: Resource, words: Mapping[str, bool]) -> bool | str:
    """An answer whose value is not of its type: its words where it is text (a yes or a
    no where they say so), else an answer that cannot be read."""
    raw = next((answer[key] for key in _ANSWER_VALUES if key in answer), None)
    if isinstance(raw, str) and raw.strip():
        return _yes_no(raw, words)
    return Message(UNREADABLE_ANSWER)


_LINK_SEPARATORS = re.compile(r"[-_.\s]+")


def _link_key(link: str) -> str:
    """A linkId as compared with the intake's: folded, each run of hyphens, underscores,
    stops or spaces as one underscore."""
    return _LINK_SEPARATORS.sub("_", link.strip().casefold())


@lru_cache(maxsize=8)
def _links_by_key(questions: frozenset[str]) -> dict[str, str | None]:
    """The intake questions' ids by :func:`_link_key`; None where two share one."""
    out: dict[str, str | None] = {}
    for question in questions:
        key = _link_key(question)
        out[key] = None if key in out else question
    return out


def _intake_link(link: str, questions: frozenset[str] | None, measures: Measures) -> str:
    """The intake question a linkId names, written in another case or with other
    separators ("Saddle-Anaesthesia", "SADDLE_ANAESTHESIA", "saddle anaesthesia"), where
    exactly one question's id is so written; else the linkId as written (another form's
    question, read for its words)."""
    if questions is None or link in questions or ("questionnaire-item", link) in measures:
        return link
    return _links_by_key(questions).get(_link_key(link)) or link


@_guarded
def questionnaire_response_from_fhir(
    res: Resource, ref: str, measures: Measures
) -> tuple[list[Answer], list[Observation], list[Ignored], list[Condition]]:
    """The answers of a QuestionnaireResponse, dated ``authored``.

    An item whose ``linkId`` names a measure (``measures`` keyed by
    ``("questionnaire-item", linkId)``) gives a reading in the measure's unit (a
    ``valueQuantity`` is converted); any other item with an answer gives an answer to the
    intake question of that id. An answer to a question of another form (a clinic's own
    red-flag screen: a ``linkId`` that is no intake question) is read for what its words
    name, to confirm (see :func:`_answered_yes`). A response entered in error gives
    nothing; one not finished (in progress, stopped) is read for what it raises, never for
    what it rules out (see :func:`_answer_given`).
    """
    status = _status(res)
    if status == ENTERED_IN_ERROR:
        return [], [], [Ignored(ref, Message(NOT_FINAL))], []
    final = status is None or status in _ANSWERED
    ignored: list[Ignored] = [] if final else [Ignored(ref, Message(NOT_FINAL))]
    try:
        when = _first_date(res, (("authored", None),))
    except _Bad:
        # a date written otherwise ("20.11.2026", "2026-11-20 09:15:00"): the answers are
        # of no known day (to confirm), never dropped with it
        when = None
        ignored.append(Ignored(ref, Message(UNDATED_FORM)))
    instant = _instant(res.get("authored"), when) if when is not None else None
    last = _partial_last(res.get("authored"), "authored")
    answers: list[Answer] = []
    observations: list[Observation] = []
    words = _answer_words(measures)
    questions = _intake_questions(measures)
    stated: list[Condition] = []
    for item, path, answer, written, where, value in _answers_read(res, ref, words, ignored):
        link = _intake_link(written, questions, measures)
        hit = measures.get(("questionnaire-item", link))
        if hit is None and questions is not None and link not in questions:
            in_words = _readings_answered(item, value, res, ref, measures)
            if in_words:  # a reading answered in words: set aside where it may decide
                ignored.extend(in_words)
                continue
            if isinstance(value, bool | str | float):
                answers.append(Answer(f"{ref}#{link}", link, value, when, last, instant, False))
            answers.extend(_asked_elsewhere(item, value, ref, when, measures, last))
            found = _answered_elsewhere(item, path, answer, value, ref, when, instant, measures)
            if isinstance(found, Ignored):
                ignored.append(found)
            elif found is not None:
                stated.append(found)
            elif _says_yes(value, words) and not _str(item, "text", f"{path}."):
                # a yes to a question the record gives no words for (its form not sent):
                # shown, never dropped
                ignored.append(Ignored(ref, Message(UNWORDED_YES, question=link)))
            continue
        if hit is not None and when is None:
            # a reading on a form of no date: of no known day, it may be the latest
            ignored.append(Ignored(ref, NO_DATE, hit[0]))
        elif hit is not None and when is not None:
            read = _intake_reading(value, ref, hit, link, when, instant, where, measures, last)
            # on a form not finished, never used as measured: set aside where it may decide
            reading = read if final else _named_only(read, link, measures, NOT_FINAL_READING)
            if isinstance(reading, Observation):
                observations.append(reading)
            elif reading is not None:
                # set aside, of the form's day: it may be the reading that decides
                dated = reading.when is not None
                ignored.append(reading if dated else replace(reading, when=when, last=last))
        elif (
            given := _answer_given(
                link, _choice_of(link, answer, _yes_first(value, words), measures), final, measures
            )
        ) is not None:
            answers.append(Answer(f"{ref}#{link}", link, given, when, last, instant, False))
    return answers, observations, ignored, stated


def _intake_reading(
    value: bool | str | float | Resource,
    ref: str,
    hit: MeasureHit,
    link: str,
    when: date,
    instant: float | None,
    where: str,
    measures: Measures,
    last: date | None = None,
) -> Observation | Ignored:
    """An intake reading item's answer as a reading in the measure's unit (a
    ``valueQuantity`` converted, a bare number in the measure's unit), or set aside."""
    if isinstance(value, bool | str):
        return Ignored(ref, Message("the answer is not a number"), hit[0])
    node: dict[str, Any] = (
        {"valueQuantity": {"value": value, "code": hit[1]}}
        if isinstance(value, float)
        else {"valueQuantity": value}
    )
    checks = _checks(measures).get(hit[0], ())
    return _measurement(node, ref, hit, {"code": link}, when, instant, where, checks, last)


def _answer_given(
    link: str, value: bool | str | float | Resource, final: bool, measures: Measures
) -> bool | str | float | None:
    """An answer to an intake question as given on a final form; on a form not finished (in
    progress, stopped), what it leaves (clinic policy policy_unfinished_form): a yes is to
    confirm (an answer neither yes nor no: the question unknown, never absent); an answer
    in words that is neither yes nor no stays so; a no, a choice or a number other than 1
    settles nothing (None: the question stays unanswered; 1 is a yes); a quantity (to a
    question no measure reads) is an answer that cannot be read on a finished form, none
    on one not finished."""
    if not isinstance(value, bool | str | float):
        # a quantity to a question no measure reads: an answer that cannot be read as
        # one, on a finished form (unknown, never a no); nothing on one not finished
        return Message(UNREADABLE_ANSWER) if final else None
    choice = link in _choice_questions(measures)
    if final:
        return _flag(value, choice)
    if value is True or (not choice and _one(value)):
        return Message(NOT_FINAL_YES)  # 1: a yes as a form tool exports it
    if isinstance(value, str) and not choice:
        return value
    return None


def _answered_elsewhere(
    item: Resource,
    path: str,
    answer: Resource,
    value: bool | str | float | Resource,
    ref: str,
    when: date | None,
    instant: float | None,
    measures: Measures,
) -> Condition | Ignored | None:
    """An answer to a question of another form than the intake: a reading its question
    names by its words ("Temperature", 38.6), never used as measured (see
    :func:`_named_only`); a coded choice (a symptom, a drug, a diagnosis) as its code; a
    question answered yes, or an answer in words, as those words (:func:`_answered_yes`);
    each to confirm."""
    link = f"{ref}#{item.get('linkId')}"
    where = f"{path}.answer."
    question = _str(item, "text", f"{path}.")
    if not isinstance(value, bool | str):
        named = _named_hit({"text": item.get("text")}, measures)
        if named is None:
            # a count or an amount, not a reading ("Episodes of incontinence this week": 3,
            # "Weight lost without trying, kg": 8): a number other than none says what
            # the question names, to confirm (0 says nothing)
            amount = value.get("value") if isinstance(value, dict) else value
            if not question or not isinstance(amount, int | float) or amount == 0:
                return None
            if _asks_time(question, measures):
                return None  # an age, a year, a length of time: a number of no finding
            return Condition(ref=link, text=question, onset=when, confirm=ANSWERED_ELSEWHERE)
        if when is None:
            return None
        node = {"valueQuantity": value if isinstance(value, dict) else {"value": value}}
        reading = _measurement(node, ref, named[0], {"code": link}, when, instant, where)
        kept = _named_only(reading, named[1], measures, ANSWERED_ONLY)
        return None if kept is None else replace(kept, when=when)
    coded = answer.get("valueCoding") if isinstance(value, str) else None
    choice = _coding(coded, f"{where}valueCoding") if coded is not None else None
    if choice is not None:
        # its words with the question's, as an answer in words is read (a local code
        # "Constant" to "Night pain"); a choice that says no, its own words alone
        return Condition(
            ref=link,
            codings=(choice,),
            text=_answered_yes(question, choice.display, _answer_words(measures))
            if choice.display
            else None,
            onset=when,
            confirm=ANSWERED_ELSEWHERE,
        )
    if isinstance(value, str) and question and _asks_time(question, measures):
        question = None  # a date or an age in words: the answer's words alone
    said = _answered_yes(question, value, _answer_words(measures))
    if not said:
        return None
    return Condition(ref=link, text=said, onset=when, confirm=ANSWERED_ELSEWHERE)


def _asked_elsewhere(
    item: Resource,
    value: bool | str | float | Resource,
    ref: str,
    when: date | None,
    measures: Measures,
    last: date | None = None,
) -> list[Answer]:
    """The intake questions another form's question answered yes asks in other words (its
    text holds one of a question's KB ``names``: "Numbness in the groin/saddle area?"),
    each answered with that text: an answer neither yes nor no, so the question is
    unknown, to confirm, never taken as not reported (``last``: the last day of a date
    given only as a month or a year)."""
    names: Mapping[str, str] = getattr(measures, "question_names", None) or {}
    text = item.get("text")
    if not names or not isinstance(text, str) or not _says_yes(value, _answer_words(measures)):
        return []
    said = f" {measure_name(text)} "
    asked = sorted({question for name, question in names.items() if f" {name} " in said})
    link = f"{ref}#{item.get('linkId')}"
    return [Answer(link, question, text.strip(), when, last) for question in asked]


def _observed_asked(res: Resource, ref: str, measures: Measures) -> list[Answer]:
    """An Observation that says yes under a code named in the words of an intake question,
    the whole name ("Слабость в ногах": true, "Leg weakness": Yes), as a flowsheet records
    a red flag: that question answered on another form, to confirm
    (:func:`_asked_elsewhere`), never dropped because its code is no KB finding's."""
    if _status(res) in OBSERVATION_VOID:
        return []
    concept = res.get("code")
    name = _text(concept, "code") if isinstance(concept, dict) else None
    if name is None and isinstance(concept, dict):
        name = next((c.display for c in _codings(concept, "code") if c.display), None)
    if not name:
        return []
    value: Any = res.get("valueBoolean")
    if not isinstance(value, bool):
        coded = _codings(_concept(res, "valueCodeableConcept"), "valueCodeableConcept")
        said = _coded_yes_no(coded)
        value = said if said is not None else res.get("valueString")
    names: Mapping[str, str] = getattr(measures, "question_names", None) or {}
    if value is None or measure_name(name) not in names:
        return []  # no answer, or a name that only holds a question's words ("Weight loss
        # program enrolled", "Incontinence care")
    when = _date_or_none(res, _OBSERVATION_DATES)
    return _asked_elsewhere({"text": name, "linkId": "value"}, value, ref, when, measures)


def _one(value: object) -> bool:
    """The number 1 (not True), or "1": a yes as a form tool exports it (REDCap, a
    spreadsheet)."""
    if isinstance(value, str):
        return value.strip() == "1"
    return isinstance(value, float) and value == 1


def _flag(value: bool | str | float, choice: bool) -> bool | str | float:
    """An answer to a yes/no question written "1" or "0", as form tools export one: the
    number (1 a yes, 0 a no); any other as it is."""
    if choice or not isinstance(value, str) or value.strip() not in ("0", "1"):
        return value
    return float(value.strip())


def _asks_time(question: str, measures: Measures) -> bool:
    """Whether a question asks for an age, a year, a date or a length of time ("Age at
    cancer diagnosis", "Months since spinal surgery", "Дата операции"): its answer says
    when, not whether."""
    words: frozenset[str] = getattr(measures, "time_questions", None) or frozenset()
    return _names_any(question, words)


def _names_any(text: str, words: Iterable[str]) -> bool:
    """Whether ``text``, folded as a measure's name (:func:`measure_name`), holds one of
    ``words`` (folded so) as whole words."""
    said = f" {measure_name(text)} "
    return any(f" {w} " in said for w in words)


_FIRST_WORD = re.compile(r"[^\w]*([\w'/.-]+)")


def _first_word(value: str) -> str:
    """The first word of an answer written in words ("yes, Xarelto" -> "yes"; ", nothing
    else" -> "nothing"); "" for one of no word (",", "-")."""
    found = _FIRST_WORD.match(value)
    return found.group(1) if found else ""


def _says_yes(value: bool | str | float | Resource, words: Mapping[str, bool]) -> bool:
    """A yes, or words that start with one ("yes, Xarelto", "да, с понедельника"), or the
    number 1 (a yes as form tools export one: REDCap, a spreadsheet)."""
    if value is True or _one(value):
        return True
    if not isinstance(value, str) or not value.strip():
        return False
    return _said(_first_word(value), words) is True


def _answered_yes(
    question: str | None, value: bool | str | float, words: Mapping[str, bool]
) -> str | None:
    """The words to read of an answer to a question of another form than the intake: the
    question answered yes ("Numbness in the saddle area?" true, "Да"), the question with
    the answer written in words that is no no ("yes, Xarelto"; "Weight loss without
    trying?" "about 8 kg in 2 months"; "Pain at night" "Constant, wakes me every night":
    the question names what the answer qualifies), an answer that starts with a no alone
    ("No, but ..."); None for a no alone, a number or a choice that is neither yes nor no
    (1 is a yes)."""
    if value is True or _one(value):
        return question
    if not isinstance(value, str) or not value.strip() or value.strip() == "0":
        return None  # "0": a no as form tools export one
    if question and False not in (_said(_first_word(value), words), _said(value, words)):
        return f"{question} {value}"
    return value


def _contained(res: Resource, local_id: str) -> Resource | None:
    for item in _objects(res, "contained"):
        if item.get("id") == local_id:
            return item
    return None


def _ingredients(
    medication: Resource, resolve: Resolver | None = None, holder: Resource | None = None
) -> tuple[tuple[Coding, ...], list[str]]:
    """The codes and the names of a Medication's ingredients (``ingredient.item[x]``): a
    product coded locally or named by its form only ("Tablette") is known by its substances
    (RxNorm ingredient, ATC, SNOMED, or a substance named in words). An ingredient given
    by reference (``itemReference``) is the Substance or Medication it names, held in
    ``contained`` (its own, or the drug entry's that holds it: ``holder``) or, with
    ``resolve``, in the record: its code and words."""
    out: list[Coding] = []
    names: list[str] = []
    for index, item in enumerate(_objects(medication, "ingredient", "Medication.")):
        where = f"Medication.ingredient[{index}].itemCodeableConcept"
        concept = _obj(item, "itemCodeableConcept", f"{where}.")
        codes = _codings(concept, where)
        name = _text(concept, where)
        if concept is None:
            reference = _obj(item, "itemReference", f"Medication.ingredient[{index}].")
            held = _ingredient_held(medication, reference, resolve, holder)
            if held is not None:
                code = _concept(held, "code", "ingredient.")
                codes = _codings(code, "ingredient.code")
                name = name or _text(code, "ingredient.code")
            if name is None:
                name = _str(reference, "display", "itemReference.") if reference else None
        out.extend(codes)
        # named as its coding names it where no words are given ("warfarin"), so that the
        # drug is shown by its substance, not by its form alone ("Tablet")
        name = name or next((c.display for c in codes if c.display), None)
        if name is not None and name.strip():
            names.append(name.strip())
    return tuple(out), names


def _ingredient_held(
    medication: Resource,
    reference: Resource | None,
    resolve: Resolver | None,
    holder: Resource | None = None,
) -> Resource | None:
    """The Substance or Medication an ingredient names by reference: held in the
    Medication's ``contained`` ("#s1"), else in the record (``resolve``); never the
    Medication itself."""
    target = reference.get("reference") if reference is not None else None
    if not isinstance(target, str) or not target.strip():
        return None
    if target.startswith("#"):
        held = _contained(medication, target[1:])
        if held is None and holder is not None:
            held = _contained(holder, target[1:])
    else:
        held = resolve(target) if resolve is not None else None
    return held if held is not None and held is not medication else None


# Dispense and administration statuses that say the drug reached the patient.
_GIVEN = frozenset({"completed", "in-progress", "preparation", "on-hold"})

_MEDICATION_STARTS: tuple[tuple[str, str | None], ...] = (
    ("authoredOn", None),
    ("effectiveDateTime", None),
    ("effectivePeriod", "start"),
    ("whenHandedOver", None),
    ("whenPrepared", None),
)


# The statuses FHIR R4 defines for each kind of medication record.
_MEDICATION_STATUSES: dict[str, frozenset[str]] = {
    "MedicationRequest": frozenset(
        {
            "active",
            "on-hold",
            "cancelled",
            "completed",
            "entered-in-error",
            "stopped",
            "draft",
            "unknown",
        }
    ),
    "MedicationStatement": frozenset(
        {
            "active",
            "completed",
            "entered-in-error",
            "intended",
            "stopped",
            "on-hold",
            "unknown",
            "not-taken",
        }
    ),
    "MedicationDispense": frozenset(
        {
            "preparation",
            "in-progress",
            "cancelled",
            "on-hold",
            "completed",
            "entered-in-error",
            "stopped",
            "declined",
            "unknown",
        }
    ),
    "MedicationAdministration": frozenset(
        {
            "in-progress",
            "not-done",
            "on-hold",
            "completed",
            "entered-in-error",
            "stopped",
            "unknown",
        }
    ),
}
# The code systems of drugs a bill's items name (its other items are services).
_DRUG_SYSTEMS = frozenset({"ndc", "rxnorm", "atc"})
# The code systems of a bill's lines that name procedures (HCPCS Level I: cpt_of_hcpcs).
_PROCEDURE_SYSTEMS = frozenset({"cpt", "icd10pcs", "ops"})
# A Claim's or ExplanationOfBenefit's ``use`` for care not yet given.
_PLANNED_USES = frozenset({"preauthorization", "predetermination"})


def _billed_operation(coding: Coding) -> bool:
    return coding.system in _PROCEDURE_SYSTEMS or cpt_of_hcpcs(coding.system, coding.code)


def _billed_procedure(
    concept: Resource,
    status: str,
    entry: Resource,
    dates: tuple[tuple[str, str], ...],
    billed: Resource,
) -> Resource:
    """A Procedure of what a bill's entry names, dated as :func:`_billed_dates` says."""
    return {
        "resourceType": "Procedure",
        "status": status,
        "code": concept,
        **_billed_dates(entry, dates, billed),
    }


def _billed_dates(
    entry: Resource, dates: tuple[tuple[str, str], ...], billed: Resource
) -> Resource:
    """A Procedure's ``performed[x]`` for a bill's entry: the entry's own date fields
    (``dates``: the entry's name, the Procedure's), failing them the bill's."""
    for field, performed in dates:
        if entry.get(field) is not None:
            return {performed: entry[field]}
    if isinstance(billed.get("billablePeriod"), dict):
        return {"performedPeriod": billed["billablePeriod"]}
    if billed.get("created") is not None:
        return {"performedDateTime": billed["created"]}
    return {}


# Units of a supply duration (UCUM, as FHIR's Duration writes them), in days.
NOT_FINITE = N_("the value is not a finite number")


def duration_days(quantity: object, unit_missing: str | None = None) -> int | None:
    """The whole days a FHIR Duration or Quantity covers (``expectedSupplyDuration``,
    ``daysSupply``), rounded up: its UCUM ``code`` or its ``unit`` in days, weeks, months,
    years or hours as the unit table spells them ("4 wk" is 28 days, "1 mo" 31). A quantity
    with neither is in ``unit_missing`` (days for a dispense's ``daysSupply``, as FHIR
    defines it; none for a Duration, which must name its unit). None when it gives no
    length that can be read: no number, none above zero or past a hundred years, or a unit
    that is not a length of time; the course's end is then unknown (the drug counts from
    its start, never dropped)."""
    if not isinstance(quantity, dict):
        return None
    value = quantity.get("value")
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    written = [u for u in (quantity.get("code"), quantity.get("unit")) if isinstance(u, str)]
    units = [u.strip() for u in written if u.strip()]
    for unit in units or ([unit_missing] if unit_missing else []):
        try:
            length = convert(float(value), unit, "d")
        except (UnitError, OverflowError):
            continue
        if not math.isfinite(length):  # a number too large for any length ("5e307 wk")
            return None
        days = math.ceil(length)
        return days if 0 < days < 36500 else None
    return None


def _r5_medication(res: Resource) -> Resource:
    """A resource whose drug is written as R5 writes it (``medication``, a reference or a
    concept: ``{"concept": {...}}``) as R4 writes it; any other as it is."""
    held = res.get("medication")
    if type(held) is not dict or "medicationCodeableConcept" in res or "medicationReference" in res:
        return res
    out = dict(res)
    if isinstance(held.get("concept"), dict):
        out["medicationCodeableConcept"] = held["concept"]
    if isinstance(held.get("reference"), dict):
        out["medicationReference"] = held["reference"]
    return out


def _taken_until(res: Resource, ref: str) -> tuple[date | None] | None:
    """The last day a drug's course goes on, for the reasons it was given for to count as
    long ("Heart failure" for a drug taken since last year): its end, or none (``(None,)``)
    while it is taken with no end; None for a course over with no end written, or one
    whose dates cannot be read (its reasons count from its date, as a visit's)."""
    try:
        status, _, end, _, _ = _drug_course(_r5_medication(res))
    except (_Bad, KeyError, TypeError, ValueError):
        return None  # the drug itself is set aside, naming what cannot be read
    if end is not None:
        return (end,)
    return (None,) if status is None or status in MEDICATION_IN_FORCE else None


@_guarded
def medication_from_fhir(res: Resource, ref: str, resolve: Resolver | None = None) -> Medication:
    """MedicationRequest, MedicationStatement, MedicationDispense or MedicationAdministration.

    The drug is medicationCodeableConcept, or the code of the Medication that
    medicationReference names: contained (``#id``) or found by ``resolve``; R5's
    ``medication`` (its ``concept`` or ``reference``) is read as those.
    """
    res = _r5_medication(res)
    concept = _concept(res, "medicationCodeableConcept")
    text = _text(concept, "medicationCodeableConcept")
    codings = _codings(concept, "medicationCodeableConcept")
    reference = _obj(res, "medicationReference")
    if concept is None and reference is not None:
        target = _str(reference, "reference", "medicationReference.")
        text = _str(reference, "display", "medicationReference.")
        medication: Resource | None = None
        if target and target.startswith("#"):
            medication = _contained(res, target[1:])
        elif target and resolve is not None:
            medication = resolve(target)
        if medication is not None:
            code = _concept(medication, "code", "Medication.")
            substances, names = _ingredients(medication, resolve, res)
            codings = _codings(code, "Medication.code") + substances
            text = _text(code, "Medication.code") or text
            if names:
                text = "; ".join(dict.fromkeys(n for n in (text, *names) if n))
    if text is None and codings:
        text = codings[0].display
    text = _drug_words(res, text, codings)
    status, start, end, start_last, end_first = _drug_course(res)
    return Medication(
        ref=ref,
        codings=codings,
        text=text,
        status=status,
        start=start,
        end=end,
        start_last=start_last,
        end_first=end_first,
    )


# STU3's MedicationStatement.taken (R4 folded it into the status): "n", not taken, is R4's
# not-taken, "na" (not applicable) is no drug either; "unk", not known whether taken, is
# R4's unknown (to confirm); "y" leaves the status as written.
_TAKEN = {"n": "not-taken", "na": "not-taken", "unk": "unknown"}


def _taken_status(res: Resource, status: str | None) -> str | None:
    """A MedicationStatement's status with STU3's ``taken`` read: a statement that says the
    drug was not taken is not taken, whatever its status, and one whose taking is unknown
    stands as R4's ``unknown`` status does, unless its status says not taken or written in
    error."""
    taken = res.get("taken")
    said = _TAKEN.get(taken.strip().lower()) if isinstance(taken, str) else None
    if said == "not-taken" or (said and status not in ("not-taken", "entered-in-error")):
        return said
    return status


def _drug_course(
    res: Resource,
) -> tuple[str | None, date | None, date | None, date | None, date | None]:
    """A drug's course as :func:`medication_from_fhir` reads it (whatever the drug): its
    status, start, end, and the other day of a start or an end given only as a month or a
    year (``Medication.start_last``, ``end_first``)."""
    # a malformed date is set aside (the drug then counts from and to any date), never the
    # reason the drug is dropped
    start = _date_or_none(res, _MEDICATION_STARTS)
    # A request's dispenseRequest.validityPeriod says how long the prescription may be
    # filled, not when the therapy ends: it is not read as an end.
    end = given_end = _date_or_none(res, (("effectivePeriod", "end"),))
    status = _status(res)
    kind = res.get("resourceType")
    if status is not None and status not in _MEDICATION_STATUSES.get(str(kind), ()):
        # a status FHIR does not define for this resource ("ongoing", "активный"): not
        # understood, so read as no status, and the drug counts (never dropped for it)
        status = None
    if kind == "MedicationRequest" and status == "draft":
        # an order being written: the drug is about to be started (a blood thinner drafted
        # before a massage is one the patient will take), read as one intended, never as
        # one not taken
        status = "intended"
    if kind == "MedicationStatement":
        status = _taken_status(res, status)
    if kind == "MedicationRequest" and res.get("doNotPerform") is True:
        status = "not-taken"  # an order not to take the drug (or to stop it)
    start, end = _course(res, start, end or _dosing_end(res, start, status), status)
    if kind == "MedicationRequest" and status in MEDICATION_ENDED and end is None and start:
        # a prescription whose actions have all occurred (dispensed) is taken for the
        # supply it gave (dispenseRequest.expectedSupplyDuration, with its refills); one
        # stopped on a day it does not give was taken up to that day, at the latest to the
        # end of its supply (a 90-day supply stopped some day since it was written may have
        # been taken yesterday); an active one stands until it is ended, whatever one fill
        # covers
        dispense = res.get("dispenseRequest")
        supply = dispense.get("expectedSupplyDuration") if isinstance(dispense, dict) else None
        days = duration_days(supply)
        repeats = dispense.get("numberOfRepeatsAllowed") if isinstance(dispense, dict) else None
        if days is not None:
            # each refill allowed supplies as much again ("3 refills" of 30 days: 120 days),
            # from the latest day the start may be (written "2026-10": from October 31)
            fills = 1 + (repeats if type(repeats) is int and 0 < repeats < 100 else 0)
            end = days_after(_span_last(res, _MEDICATION_STARTS, start) or start, days * fills)
        elif isinstance(supply, dict) and supply.get("value") is not None and status == "stopped":
            # a stopped one whose supply cannot be read ("3", no unit) was taken up to a day
            # the record does not give: undated, so when it was last taken is to confirm (as
            # :func:`_course`), never taken today
            start = end = None
        elif isinstance(supply, dict) and supply.get("value") is not None:
            # a completed one (all dispensed) whose supply cannot be read: its end is
            # unknown, so it is not taken as over; read as no status, the drug counts
            status = None
    if kind == "MedicationStatement" and given_end is not None and status in MEDICATION_IN_FORCE:
        # taken by its status, over by its period (an "active" statement whose period
        # ended): the record says both; in force until that end, to confirm after it
        status = STATUS_CONTRADICTORY
    if kind in ("MedicationDispense", "MedicationAdministration") and status in _GIVEN:
        # A drug handed over (or being given) is being taken: in force from then on, for
        # the days supplied when the dispense says so; a completed administration on its
        # day(s), one in progress until it ends.
        if kind == "MedicationAdministration" and end is None and status == "completed":
            end = _date_or_none(res, (("effectiveDateTime", None),))
        status = "active"
        days = duration_days(res.get("daysSupply"), "d")
        if kind == "MedicationDispense" and start is not None and days is not None:
            end = days_after(start, days)
    return (
        status,
        start,
        end,
        _span_last(res, _MEDICATION_STARTS, start),
        _span_first(res, "effectivePeriod", "end", end) if end == given_end else None,
    )


def _course(
    res: Resource, start: date | None, end: date | None, status: str | None
) -> tuple[date | None, date | None]:
    """A course's (start, end); a course over (completed, stopped) with no end but a
    dosage's period (``timing.repeat.boundsPeriod``) whose end cannot be read ended on a
    day the record does not say: undated, so when it was last taken is to confirm."""
    if end is not None or status not in MEDICATION_ENDED:
        return start, end
    for dosage in _dosages(res):
        timing = dosage.get("timing")
        repeat = timing.get("repeat") if isinstance(timing, dict) else None
        bounds = repeat.get("boundsPeriod") if isinstance(repeat, dict) else None
        if (
            isinstance(bounds, dict)
            and bounds.get("end") is not None
            and _date_or_none(bounds, (("end", None),)) is None
        ):
            return None, None
    return start, end


def _dosing_end(res: Resource, start: date | None, status: str | None) -> date | None:
    """For a course stopped or completed with no end of its own, the end of its dosing: the
    latest end of the periods it gives (``dosageInstruction`` or ``dosage``:
    ``timing.repeat.boundsPeriod.end``), the last day it was to be taken. None for another
    status, where it gives none or one that cannot be read, or one before the start (never a
    reason to count the drug over sooner)."""
    if status not in MEDICATION_ENDED:
        return None
    ends: list[date] = []
    for dosage in _dosages(res):
        timing = dosage.get("timing")
        repeat = timing.get("repeat") if isinstance(timing, dict) else None
        if isinstance(repeat, dict):
            found = _date_or_none(repeat, (("boundsPeriod", "end"),))
            if found is not None:
                ends.append(found)
    last = max(ends, default=None)
    return last if last is not None and (start is None or last >= start) else None


def _evidence_of(res: Resource, ref: str, found: Condition) -> list[Condition]:
    """The evidence a diagnosis rests on ("Low back pain", evidence "Retention of urine"):
    each code of ``Condition.evidence`` (and the words of a ``detail`` that names no
    resource, only words) a finding of the record too, with the diagnosis's
    statuses and dates, to be confirmed, never dropped. Evidence of another shape is passed
    over: never the reason the diagnosis itself is set aside."""
    out: list[Condition] = []
    evidences = res.get("evidence")
    for index, evidence in enumerate(evidences if isinstance(evidences, list) else ()):
        concepts = evidence.get("code") if isinstance(evidence, dict) else None
        for n, concept in enumerate(concepts if isinstance(concepts, list) else ()):
            where = f"evidence[{index}].code[{n}]"
            codings, text = _said_by(concept, where)
            if codings or text:
                out.append(
                    replace(
                        found, ref=f"{ref}#{where}", codings=codings, text=text, confirm=EVIDENCE_OF
                    )
                )
    return out


def _evidence_named(
    res: Resource, ref: str, found: Condition
) -> list[tuple[str | None, Condition]]:
    """The words of what a diagnosis rests on named by reference (``evidence.detail``,
    ``stage.assessment``: "MRI: L2 metastasis"), each with the resource it names (None: only
    words): read with the diagnosis's statuses and dates, to be confirmed, where the record
    does not hold that resource (:meth:`RecordBuilder._not_held`)."""
    out: list[tuple[str | None, Condition]] = []
    held = _contained_ids(res)
    for path in (("evidence", "detail"), ("stage", "assessment")):
        if path[0] not in res:
            continue
        for where, item in _named_references(res, path, ""):
            named = _finding_named(item, held)
            if named is not None:
                target, shown = named
                evidence = replace(
                    found, ref=f"{ref}#{where}", codings=(), text=shown, confirm=EVIDENCE_OF
                )
                out.append((target, evidence))
    return out


def _said_by(concept: object, where: str) -> tuple[tuple[Coding, ...], str | None]:
    """A CodeableConcept's codes and words; none where it is of another shape (a part of
    an entry passed over, never the reason the entry is set aside)."""
    if not isinstance(concept, dict):
        return (), None
    try:
        return _codings(concept, where), _text(concept, where)
    except _Bad:
        return (), None


def _staged(res: Resource, found: Condition) -> tuple[Condition, list[Condition]]:
    """A diagnosis with its stage (``Condition.stage.summary``): the stage's codes are the
    diagnosis's too ("Chronic kidney disease, unspecified" staged SNOMED CT 433146000
    "Chronic kidney disease stage 5"); its words, after the diagnosis's name, an entry of
    their own with the diagnosis's statuses and dates, to confirm ("Chronic kidney disease
    Stage 5"). A stage of another shape is passed over."""
    stages = res.get("stage")
    if not isinstance(stages, list):
        return found, []
    codes: list[Coding] = []
    words: list[Condition] = []
    name = found.text or next((c.display for c in found.codings if c.display), None) or ""
    name = name.split(",")[0].strip()  # "Chronic kidney disease, unspecified"
    for index, stage in enumerate(stages):
        where = f"stage[{index}].summary"
        codings, text = _said_by(stage.get("summary") if isinstance(stage, dict) else None, where)
        codes.extend(codings)
        if text and name:
            words.append(
                replace(found, ref=f"{found.ref}#{where}", codings=(), text=f"{name} {text}")
            )
    return (replace(found, codings=(*found.codings, *codes)) if codes else found), words


# A period with no start is dated by its end: the procedure went on until that day.
_PERFORMED = (("performedDateTime", None), ("performedPeriod", "start"), ("performedPeriod", "end"))


def _sites(res: Resource, concept: Resource | None) -> tuple[Coding, ...]:
    """Where a diagnosis or a procedure is: its ``bodySite``, and the site a SNOMED CT
    post-coordinated code names in its refinement ("125605004:363698007=122496007", a
    fracture of bone whose finding site is the lumbar spine)."""
    sites = _concepts_codings(res, "bodySite")
    named = [
        Coding("snomed", site)
        for coding in _codings(concept, "code")
        if coding.system in ("snomed", "unknown")
        and ":" in coding.code
        and (expression := snomed_expression(coding.code)) is not None
        for site in expression.sites
    ]
    return (*sites, *named) if named else sites


@_guarded
def procedure_from_fhir(res: Resource, ref: str) -> Procedure:
    """Procedure: codes (and the text), status, performed date, body sites. A date given
    only as a year or a month ("2026", "2026-08", as a surgical history often writes it)
    is its first day with its last day beside it (``performed_last``): when within it the
    procedure was done is not known; so is a ``performedPeriod`` that runs over more than
    one day (from its start's day to its end's, :func:`_spanned_last`)."""
    concept = _concept(res, "code")
    # a date that cannot be read leaves the procedure undated (to confirm where its date
    # decides), never the reason it is set aside
    performed = _date_or_none(res, _PERFORMED)
    raw = _first_raw(res, _PERFORMED) if performed is not None else None
    last = _spanned_last(res, "performedPeriod", raw, performed, "performed")
    return Procedure(
        ref=ref,
        codings=_codings(concept, "code"),
        text=_text(concept, "code") or _narrative(res.get("text")),  # as a Condition's
        status=_status(res),
        performed=performed,
        body_sites=_sites(res, concept),
        performed_last=last,
    )


ANSWERED_ELSEWHERE = Message("answered on a form other than the intake, not a diagnosis: confirm")
# What a diagnosis, a reading or an assessment may hold in ``contained`` that is read as
# the patient's: the findings and readings it names ("#id").
_HELD = ("Condition", "Observation")
EVIDENCE_OF = Message("recorded as the evidence of another diagnosis: confirm")
ABOUT_ANOTHER = Message("recorded about someone other than the patient: not the patient's")
MODIFIED = Message("marked in a way that changes its meaning, which the screening cannot read")


# What an Observation's ``focus`` may name that is the patient's own: a diagnosis, a
# procedure, another reading, a drug, a visit, a part of the body (what the reading is
# about, on the patient).
_OWN_FOCUS = frozenset(
    {
        "Condition",
        "Procedure",
        "Observation",
        "DiagnosticReport",
        "MedicationRequest",
        "MedicationStatement",
        "MedicationAdministration",
        "MedicationDispense",
        "Encounter",
        "EpisodeOfCare",
        "ServiceRequest",
        "CarePlan",
        "BodyStructure",
        "ImagingStudy",
        "QuestionnaireResponse",
    }
)


def _about_another(res: Resource) -> bool:
    """An Observation whose ``focus`` names what it is about other than its subject (FHIR:
    "when it is not about the subject of record": a fetus, a newborn, a donor): a
    relative, a group, a person, another Patient, or someone named without a reference.
    A focus that is the subject itself, however the reference is written (a full URL, a
    version, a ``urn:uuid:`` the record does not say is another), or one of the patient's
    own diagnoses, procedures or readings (:data:`_OWN_FOCUS`) is the patient's."""
    focus = res.get("focus")
    if not isinstance(focus, list) or not focus:
        return False
    subject = res.get("subject")
    own = subject.get("reference") if isinstance(subject, dict) else None
    own_id = _patient_named(own) if isinstance(own, str) else None
    held = {
        f"#{part['id']}": part.get("resourceType")
        for part in _objects(res, "contained")
        if isinstance(part.get("id"), str)
    }
    return any(_focus_another(item, own, own_id, held) for item in focus)


def _focus_another(item: object, own: object, own_id: str | None, held: Mapping[str, Any]) -> bool:
    reference = item.get("reference") if isinstance(item, dict) else None
    if not isinstance(reference, str) or not reference.strip():
        return True  # someone named only by words or an identifier
    reference = reference.strip()
    if reference in held:  # "#fetus": what the Observation holds says what it is
        return held[reference] not in _OWN_FOCUS
    if reference == own or reference.startswith(("urn:", "#")):
        return False  # the subject, or an entry of the record not said to be another
    kind = _local_ref(reference).split("/")[0]
    if kind == "Patient":
        return own_id is None or _patient_named(reference) != own_id
    return kind not in _OWN_FOCUS


_NOT_STATED = frozenset({"cancelled", ENTERED_IN_ERROR})
_STATED_DATES: dict[str, tuple[tuple[str, str | None], ...]] = {
    "Flag": (("period", "start"),),
    "DiagnosticReport": (
        ("effectiveDateTime", None),
        ("effectivePeriod", "start"),
        ("issued", None),
    ),
    "ClinicalImpression": (
        ("effectiveDateTime", None),
        ("effectivePeriod", "start"),
        ("date", None),
    ),
    "DocumentReference": (("date", None),),
    "Composition": (("date", None),),
    "DetectedIssue": (("identifiedDateTime", None), ("identifiedPeriod", "start")),
    "ImagingStudy": (("started", None),),
    "AdverseEvent": (("date", None), ("detected", None), ("recordedDate", None)),
    "EpisodeOfCare": (("period", "start"),),
    "Communication": (("sent", None), ("received", None)),
    "RiskAssessment": (("occurrenceDateTime", None), ("occurrencePeriod", "start")),
    "CarePlan": (("period", "start"), ("created", None)),
    "Task": (("executionPeriod", "start"), ("authoredOn", None)),
    "CareTeam": (("period", "start"),),
    "DeviceUseStatement": (
        ("timingDateTime", None),
        ("timingPeriod", "start"),
        ("recordedOn", None),
    ),
    "Immunization": (("occurrenceDateTime", None), ("recorded", None)),
    "Appointment": (("start", None), ("created", None)),
    "Goal": (("startDate", None), ("statusDate", None)),
    "DeviceRequest": (
        ("occurrenceDateTime", None),
        ("occurrencePeriod", "start"),
        ("authoredOn", None),
    ),
    "CommunicationRequest": (
        ("occurrenceDateTime", None),
        ("occurrencePeriod", "start"),
        ("authoredOn", None),
    ),
    "BodyStructure": (),
    "Specimen": (("collection", "collectedDateTime"), ("receivedTime", None)),
    "Media": (("createdDateTime", None), ("createdPeriod", "start"), ("issued", None)),
    "Basic": (("created", None),),
    "NutritionOrder": (("dateTime", None),),
    "Device": (),  # a device implanted or in use, of no date here: in use now
    "GuidanceResponse": (("occurrenceDateTime", None),),
    "RequestGroup": (("authoredOn", None),),
}
# Kinds whose ``period.end`` (once past) ends what they say, and the statuses that say it is
# over (an alert made inactive, an episode of care finished, a care plan completed).
_ALLERGY_DATES: tuple[tuple[str, str | None], ...] = (
    ("lastOccurrence", None),
    ("onsetDateTime", None),
    ("onsetPeriod", "start"),
    ("recordedDate", None),
)
"""An allergy's dates, the latest reaction's first: from when its reactions count."""
_STATED_ENDS = frozenset({"Flag", "EpisodeOfCare", "CarePlan"})
_STATED_OVER = frozenset({"inactive", "finished", "completed", "revoked"})
# Statuses of an episode, a message or a plan that say nothing happened.
_NOT_SAID = frozenset({"not-done", "planned", "waitlist", "draft"})
# The date of a procedure, an order or a drug record, for the diagnoses it gives as reasons.
_REASON_DATES: tuple[tuple[str, str | None], ...] = (
    ("performedDateTime", None),
    ("performedPeriod", "start"),
    ("occurrenceDateTime", None),
    ("occurrencePeriod", "start"),
    ("authoredOn", None),
    ("effectiveDateTime", None),
    ("effectivePeriod", "start"),
    ("whenHandedOver", None),
    ("dateAsserted", None),
    ("started", None),
    ("sent", None),
    ("executionPeriod", "start"),  # a task
    ("timingDateTime", None),  # a device used
    ("timingPeriod", "start"),
    ("recordedOn", None),
    ("recorded", None),  # an immunization
    ("period", "start"),  # a care team
)
# A document that has been replaced says nothing more than the one replacing it.
_SUPERSEDED = frozenset({"superseded"})
REPLACED = "replaced:"
"""The name a document that replaces another makes the record hold (``replaced:`` and the
replaced document's reference): a superseded document is read only where it is not held."""
ATTACHMENT_CHARS = TEXT_CHARS
"""How much of one attached text is read (as of any text)."""
_TAG = re.compile(r"<[^<>]*>")  # [^<>]: an unclosed "<" never makes it scan to the end
# Tags that end a line of a narrative or an HTML note (a paragraph, an item of a list, a
# line break, a row, a heading; a CDA document's paragraph, item, caption, title, text,
# entry and section), and the end of a table's cell (a row "Urinary retention | No" reads
# as "Urinary retention: No").
_BLOCK_TAG = re.compile(
    r"<\s*/?\s*(?:\w+:)?(?:p|li|br|div|tr|h[1-6]|ul|ol|table|thead|tbody|section|blockquote"
    r"|pre|dd|dt|hr|paragraph|item|list|caption|title|text|entry|component)"
    r"\b[^<>]*>",
    re.IGNORECASE,
)
_CELL_END = re.compile(r"<\s*/\s*t[dh]\s*>", re.IGNORECASE)


# The sections of a clinical document that are not the patient's own findings: family
# history (LOINC 10157-6) and immunizations (11369-6: "Influenza, seasonal" is a vaccine,
# not an infection), by their code or their title.
_OTHERS_SECTIONS = frozenset({"10157-6", "11369-6"})
_OTHERS_TITLES = frozenset(
    {
        "family history",
        "immunizations",
        "immunization history",
        "history of immunization",
        "history of immunizations",
        "immunisations",
        "vaccinations",
        "vaccination history",
        "impfstatus",
        "familienanamnese",
        "impfungen",
        "семейный анамнез",
        "прививки",
        "вакцинация",
    }
)
_SECTION_TAG = re.compile(r"<(/?)(?:\w+:)?section\b[^<>]*>", re.IGNORECASE)
_SECTION_CODE = re.compile(
    r"""<(?:\w+:)?code\b[^<>]*\bcode\s*=\s*["']([^"']+)["']""", re.IGNORECASE
)
_SECTION_TITLE = re.compile(r"<(?:\w+:)?title\b[^>]*>([^<]*)<", re.IGNORECASE)


def _others_sections_out(text: str) -> str:
    """A clinical document (CDA) without the sections that are not the patient's own
    findings (:data:`_OTHERS_SECTIONS`): what they name is a relative's or a vaccine."""
    if "section" not in text and "SECTION" not in text:
        return text
    spans: list[tuple[int, int]] = []
    opened: list[tuple[int, int]] = []  # (start of the tag, end of the tag)
    for tag in _SECTION_TAG.finditer(text):
        if not tag.group(1):
            opened.append((tag.start(), tag.end()))
            continue
        if not opened:
            continue
        start, head = opened.pop()
        # the section's own heading: its code and title, before its text or an inner one
        body = text[head : min(tag.start(), head + 2000)]  # its heading comes first
        cut = min((i for i in (body.find("<text"), body.find("<section")) if i >= 0), default=-1)
        heading = body[:cut] if cut >= 0 else body
        code = _SECTION_CODE.search(heading)
        title = _SECTION_TITLE.search(heading)
        if (code and code.group(1).strip() in _OTHERS_SECTIONS) or (
            title and " ".join(title.group(1).split()).casefold() in _OTHERS_TITLES
        ):
            spans.append((start, tag.end()))
    if not spans:
        return text
    kept: list[str] = []
    at = 0
    for start, end in sorted(spans):
        if start < at:
            continue  # inside a section already taken out
        kept.append(text[at:start])
        at = end
    kept.append(text[at:])
    return "\n".join(kept)


def _markup_words(text: str) -> str:
    """The words of HTML or XHTML, its lines (paragraphs, items, rows, and its source's
    lines) kept apart. A line break of the source is kept as one: many records' "HTML" is
    plain text in a body, and a denial must not reach the next line's finding ("No fever,
    no chills" / "Cauda equina syndrome suspected"); a phrase an editor wrapped is read
    joined too where the text is wrapped at a fixed width (the matcher's soft wraps)."""
    text = _CELL_END.sub(": ", _BLOCK_TAG.sub("\n", text))
    return html.unescape(_TAG.sub(" ", text))


def _lines(text: str) -> str:
    """A text's spaces made one, its line breaks kept (each line ends a clause)."""
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


# RTF's control words (``\\par``, ``\\f0``, ``\\'e9``) and groups' braces: what is left is its text.
_RTF_CONTROL = re.compile(r"\\'[0-9a-fA-F]{2}|\\([a-zA-Z]+)-?\d* ?|\\([^a-zA-Z])|[{}]")
# What RTF's control words and symbols stand for in the text: a tab or a dash a space, a
# quote a quote, an escaped brace or backslash itself; any other (bold, a font, a
# destination) and a brace nothing, so a word split by its formatting stays one word
# ("Urinary {\b reten}tion": "Urinary retention").
_RTF_SPACED = frozenset({"tab", "emdash", "endash", "bullet", "emspace", "enspace", "qmspace"})
# a line, column or page break shown as one (a paragraph's end is read before: a new line)
_RTF_BREAKS = frozenset({"softline", "lbr", "column", "softcol", "softpage"})
_RTF_SYMBOLS = {"~": " ", "_": "-", "\\": "\\", "{": "{", "}": "}", "\n": "\n", "\r": "\n"}
_RTF_QUOTES = {"lquote": "'", "rquote": "'", "ldblquote": '"', "rdblquote": '"'}


def _rtf_control(found: re.Match[str]) -> str:
    word, symbol = found.group(1), found.group(2)
    if word is not None:
        if word in _RTF_BREAKS:
            return "\n"
        return " " if word in _RTF_SPACED else _RTF_QUOTES.get(word, "")
    if symbol is not None:
        return _RTF_SYMBOLS.get(symbol, "")
    return "" if found.group(0) in "{}" else " "


_RTF_KINDS = frozenset({"text/rtf", "application/rtf"})


def held_binary(binary: Resource) -> Resource:
    """A Binary as much as a reader of its content needs it (kept by every reader of a
    Bulk export, :data:`spinecare.fhir.ndjson.SHARED_KINDS`): the data a document's words
    are read from (:data:`ATTACHMENT_CHARS`, and a character more, so that a longer one is
    still said to be read in part); of a kind that is not read (a PDF, an image), a mark in
    place of its data, which says what it is (never a link the record does not hold)."""
    data = binary.get("data")
    if not isinstance(data, str):
        return binary
    declared = binary.get("contentType")
    kind = declared.split(";", 1)[0].strip().casefold() if isinstance(declared, str) else ""
    kept = data[: ATTACHMENT_CHARS * 2 + 8] if _readable_kind(kind) else "AA=="
    return binary if kept is data else {**binary, "data": kept}


def _readable_kind(kind: str) -> bool:
    """Attachments whose words the reader can take out: any text (plain, HTML, Markdown,
    RTF, XML such as a CDA document) or XHTML/XML; no content type at all (most often
    text). PDFs, images and word-processor files are not read."""
    return (
        kind == ""
        or kind.startswith("text/")
        or kind in _RTF_KINDS
        or kind.endswith(("/xml", "+xml"))
    )


_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decoded(raw: bytes, content_type: str) -> str:
    """An attachment's bytes as text, in the encoding they declare: a byte order mark, the
    ``charset`` of its content type ("text/plain; charset=windows-1251"), an XML
    declaration's ``encoding``; else UTF-8. A byte the encoding cannot read is replaced,
    never the reason the text is lost."""
    encoding = next((name for bom, name in _BOMS if raw.startswith(bom)), None)
    if encoding is None:
        found = (
            _CHARSET.search(content_type)
            or _XML_ENCODING.match(raw[:200])
            or _META_CHARSET.search(raw[:2048])
        )
        if found is not None:
            name = found.group(1)
            encoding = name.decode("ascii") if isinstance(name, bytes) else name
    if encoding is None:
        encoding = _undeclared(raw)
    try:
        return raw.decode(encoding, errors="replace")
    except LookupError:  # an encoding Python does not know: read as UTF-8
        return raw.decode("utf-8", errors="replace")


# An HTML document's own declaration of its charset (<meta charset="windows-1251">, or its
# http-equiv Content-Type).
_META_CHARSET = re.compile(rb"""<meta[^>]*charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)


_CYRILLIC_PAGES = ("windows-1251", "koi8-r", "cp866")
"""The code pages Russian text is written in by older systems: Windows, Unix, DOS."""
_RUSSIAN_LETTERS = dict(
    zip(
        "оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъё",
        (
            10.97,
            8.45,
            8.01,
            7.35,
            6.70,
            6.26,
            5.47,
            4.73,
            4.54,
            4.40,
            3.49,
            3.21,
            2.98,
            2.81,
            2.62,
            2.01,
            1.90,
            1.74,
            1.70,
            1.65,
            1.59,
            1.44,
            1.21,
            0.97,
            0.94,
            0.73,
            0.64,
            0.48,
            0.36,
            0.32,
            0.26,
            0.04,
            0.04,
        ),
        strict=True,
    )
)
"""How often each letter stands in Russian text, in percent (the common published
frequency table): text read in its own code page scores high, in another one low, in
small letters or in capitals alike."""
_HIGH_RUN = re.compile(rb"[\xc0-\xff]{2,}")
_LETTER_SHARE = 3.5
"""The mean frequency (percent) a byte above ASCII must reach, read as a Russian letter,
for text to be read as Russian (a German umlaut read so is a rare letter: "ь")."""


def _undeclared(raw: bytes) -> str:
    """The encoding of text that declares none: UTF-8 where it reads as UTF-8; else the
    code page its letters fit, as records exported from older systems write them: the
    Cyrillic one (windows-1251, KOI8-R or DOS 866) in which its bytes above ASCII read as
    the most Russian letters by how often each stands in Russian text (so capitals,
    "ТЭЛА", and small letters alike), where they are most of its letters and run together
    as words do or read as such letters; else Western (windows-1252), whose accented
    letters stand alone among Latin ones ("R\xfccken", "El niño está aquí")."""
    wide = _utf16_order(raw)
    if wide is not None:
        return wide
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        high = sum(1 for b in raw if b >= 0x80)
        scores = {
            page: sum(_RUSSIAN_LETTERS.get(c, 0.0) for c in raw.decode(page, "replace").casefold())
            for page in _CYRILLIC_PAGES
        }
        page = max(_CYRILLIC_PAGES, key=scores.__getitem__)  # the first of equal ones
        upper = sum(1 for b in raw if b >= 0xC0)
        in_runs = sum(len(run) for run in _HIGH_RUN.findall(raw))
        words = upper and in_runs * 2 > upper
        # Russian words are letters above ASCII all through; Western words are ASCII
        # letters with an accented one here and there ("El niño está aquí")
        latin = sum(1 for b in raw if 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A)
        russian = high >= latin and (words or scores[page] >= _LETTER_SHARE * high)
        return page if high and russian else "windows-1252"
    return "utf-8"


def _utf16_order(raw: bytes) -> str | None:
    """UTF-16 written without a byte order mark, as some Windows systems export notes:
    every other byte zero in the Latin text of the note ("A\\0s\\0s\\0"), read through as
    UTF-8 it is letters and NUL characters and names nothing. The byte order whose high
    bytes are the zeros, where the text reads in it; None for any other text (UTF-8 text
    holds no NUL)."""
    sample = raw[:4096].rstrip(b"\0")  # a C string's closing zero says nothing of it
    if b"\0" not in sample or len(sample) < 16:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    order, zeros, others = ("utf-16-le", odd, even) if odd >= even else ("utf-16-be", even, odd)
    if zeros < 4 or zeros * 10 < len(sample) // 2 or others * 10 > zeros:
        return None  # zeros scattered, or a few: binary data, not text in two bytes a letter
    try:
        raw[: len(raw) // 2 * 2].decode(order)
    except UnicodeDecodeError:
        return None
    return order


_NOT_TEXT = re.compile(r"[\x00-\x08\x0e-\x1f\ufffd]")
"""Characters no written note holds: control characters (tab and line ends aside) and
the replacement of bytes that read as nothing."""


def _not_text(text: str) -> bool:
    """Whether decoded content is not words but a file's bytes (a compressed or binary
    file labelled as text): more than one character in ten no note holds."""
    sample = text[:4096].rstrip("\0")
    return len(sample) >= 64 and len(_NOT_TEXT.findall(sample)) * 10 > len(sample)


# RTF's escaped bytes ("\'e0\'e1"), read in the code page of the font in force: a font
# switch (``\f1``) holds to the end of its group (a brace), and a font's character set
# (``{\f1\fswiss\fcharset204 Arial;}``: Cyrillic) gives its code page, else the document's
# (``\ansicpg1251``); an escaped brace or backslash (``\{``, ``\}``, ``\\``) is text. Its
# characters written by number (``\u1057?``: "С", then ``\ucN`` characters for older
# readers, skipped); its paragraphs, lines, rows and cells.
_RTF_SCOPE = re.compile(r"(?:\\'[0-9a-fA-F]{2})+|\\f(\d+)(?![0-9a-zA-Z])|\\[\\{}]|[{}]")
_RTF_CODEPAGE = re.compile(r"\\ansicpg(\d+)")
_RTF_FONT_CHARSET = re.compile(r"\\f(\d+)(?:\\[a-zA-Z]+-?\d* ?){0,8}?\\fcharset(\d+)")
_RTF_DEFAULT_FONT = re.compile(r"\\deff(\d+)")
_RTF_SKIP_COUNT = re.compile(r"\\uc(\d+)")
_RTF_LINE_END = re.compile(r"\\(?:par|line|row|sect|page)(?![a-zA-Z])(?:-?\d+)? ?")
_RTF_CELL_END = re.compile(r"\\cell(?![a-zA-Z]) ?")
# RTF's groups that hold no text of the document: its tables of fonts, colours and styles,
# its properties, pictures and the destinations a reader may skip (``{\*\generator ...}``).
_RTF_NO_TEXT = re.compile(r"\{\\(?:\*|fonttbl|colortbl|stylesheet|info|pict|listtable|themedata)")


_RTF_BRACES = re.compile(r"\\.|[{}]", re.DOTALL)
# A paragraph's end, which a table of fonts, colours or styles never holds.
_RTF_PARAGRAPH = re.compile(r"\\par(?![a-zA-Z])")


def _rtf_text_groups(text: str) -> str:
    """RTF without its groups that hold no text (:data:`_RTF_NO_TEXT`). A group never
    closed, or one that holds a paragraph's end (a font table left open, closed only with
    the document, swallows the text after it), keeps its words. One pass over the braces,
    however they nest."""
    if _RTF_NO_TEXT.search(text) is None:
        return text
    closes: dict[int, int] = {}
    opened: list[int] = []
    for brace in _RTF_BRACES.finditer(text):
        if brace.group(0) == "{":
            opened.append(brace.start())
        elif brace.group(0) == "}" and opened:
            closes[opened.pop()] = brace.end()
    paragraphs = [found.start() for found in _RTF_PARAGRAPH.finditer(text)]
    out: list[str] = []
    at = 0
    for found in _RTF_NO_TEXT.finditer(text):
        start = found.start()
        end = closes.get(start)
        if start < at or end is None:
            continue
        if bisect_left(paragraphs, start) < bisect_left(paragraphs, end):
            continue  # a paragraph's end inside: not a table, its words kept
        out.append(text[at:start])
        at = end
    out.append(text[at:])
    return "".join(out)


# RTF's character sets by number (0, ANSI: the document's code page).
_RTF_CHARSETS = {
    128: "cp932",
    129: "cp949",
    134: "gbk",
    136: "big5",
    161: "cp1253",
    162: "cp1254",
    163: "cp1258",
    177: "cp1255",
    178: "cp1256",
    186: "cp1257",
    204: "cp1251",
    222: "cp874",
    238: "cp1250",
}


def _rtf_words(text: str) -> str:
    """The words of RTF: its escaped bytes read in the code page of the font they are
    written in (its character set), else the document's (windows-1252 unless it declares
    another); its characters written by number; its control words and braces taken out."""
    page = _RTF_CODEPAGE.search(text)
    document = f"cp{page.group(1)}" if page else "cp1252"
    fonts = {
        found.group(1): _RTF_CHARSETS.get(int(found.group(2)))
        for found in _RTF_FONT_CHARSET.finditer(text)
    }
    first = _RTF_DEFAULT_FONT.search(text)
    text = _rtf_text_groups(text)

    def decoded(raw: bytes, font: str | None) -> str:
        codec = fonts.get(font) if font is not None else None
        try:
            return raw.decode(codec or document, errors="replace")
        except LookupError:
            return raw.decode("cp1252", errors="replace")

    if "\\'" in text:
        # the font in force where each run of bytes stands: set by \fN, kept to its group
        out: list[str] = []
        at, font = 0, first.group(1) if first else None
        fonts_around: list[str | None] = []
        for found in _RTF_SCOPE.finditer(text):
            token = found.group(0)
            if token == "{":
                fonts_around.append(font)
            elif token == "}":
                font = fonts_around.pop() if fonts_around else font
            elif found.group(1) is not None:
                font = found.group(1)
            elif token.startswith("\\'"):
                raw = bytes.fromhex(token.replace("\\'", ""))
                out.append(text[at : found.start()])
                out.append(decoded(raw, font))
                at = found.end()
        out.append(text[at:])
        text = "".join(out)

    written = text
    if "\\u" in written:
        # \ucN: how many characters for older readers follow each one by number (1 unless
        # said; the first said is taken for the whole text)
        count = _RTF_SKIP_COUNT.search(written)
        skipped = int(count.group(1)) if count else 1
        fallback = re.compile(
            r"\\u(-?\d+) ?((?:\\'[0-9a-fA-F]{2}|[^\\{}])" + f"{{0,{min(skipped, 4)}}})"
        )

        def character(found: re.Match[str]) -> str:
            number = int(found.group(1))
            number += 65536 if number < 0 else 0
            return chr(number) if 0 < number < 0x110000 else " "

        written = fallback.sub(character, written)
        # a character beyond the first plane is written as two halves ("\\u-10179?\\u-8704?",
        # an emoji): joined; a half alone is a character that cannot be read
        written = written.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    # a paragraph, a line or a table's row ends a line (a denial does not reach the next);
    # a table's cell ends as an HTML one does ("Urinary retention | No": "...: No")
    written = _RTF_LINE_END.sub("\n", written)
    written = _RTF_CELL_END.sub(": ", written)
    return _RTF_CONTROL.sub(_rtf_control, written)


def _base64(data: str) -> bytes:
    """Base64 as records write it: with line breaks, without its padding, or in its
    URL-safe alphabet ("-" and "_" for "+" and "/")."""
    data = "".join(data.split())
    if ("-" in data or "_" in data) and "+" not in data and "/" not in data:
        data = data.replace("-", "+").replace("_", "/")
    return base64.b64decode(data + "=" * (-len(data) % 4), validate=False)


def _attachment_text(attachment: object) -> str | None:
    """The words of an attachment written into the record (``data``, base64): text, with
    the markup of HTML, XML (a CDA document) or RTF taken out, and its ``title`` (a file
    that is not read, a PDF, may still be named "MRI: cauda equina compression"). A link
    (``url``) is not fetched (one to a Binary of the same Bundle was given its content:
    :func:`with_binaries`); other kinds (PDF, images) are not read."""
    if not isinstance(attachment, dict):
        return None
    title = attachment.get("title")
    title = title.strip() if isinstance(title, str) else ""
    declared = attachment.get("contentType")
    declared = declared if isinstance(declared, str) else ""
    kind = declared.split(";", 1)[0].strip().casefold()
    data = attachment.get("data")
    if not isinstance(data, str) or not _readable_kind(kind):
        return title or None
    try:
        raw = _base64(data[: ATTACHMENT_CHARS * 2])
    except (ValueError, binascii.Error):
        return title or None
    text = _decoded(raw, declared)[:ATTACHMENT_CHARS]
    if _not_text(text):
        return title or None  # set aside by _unread_attachment
    text = text.replace("\0", "")  # a C string's closing zero: no letter of the note
    if kind in _RTF_KINDS or text.lstrip().startswith("{\\rtf"):
        text = _rtf_words(text)
    elif kind != "text/plain" and ("<" in text or "&" in text):
        # markup, or HTML with no tags but its entities ("Saddle&nbsp;anaesthesia")
        text = _markup_words(_others_sections_out(text))
    text = _lines(text)
    return "; ".join(w for w in (title, text) if w) or None


def _unread_attachment(attachment: object) -> str | None:
    """Why an attachment's content is not read (see :func:`_attachment_text`): only a link
    the record does not include, or a kind of file (or data) that cannot be read; None
    for content that is read, and for an attachment that gives none."""
    if not isinstance(attachment, dict):
        return None
    data = attachment.get("data")
    if not isinstance(data, str) or not data.strip():
        url = attachment.get("url")
        return DOCUMENT_LINKED if isinstance(url, str) and url.strip() else None
    declared = attachment.get("contentType")
    kind = declared.split(";", 1)[0].strip().casefold() if isinstance(declared, str) else ""
    if not _readable_kind(kind):
        return DOCUMENT_NOT_READ
    try:
        raw = _base64(data[: ATTACHMENT_CHARS * 2])  # as much as is read (_attachment_text)
    except (ValueError, binascii.Error):
        return DOCUMENT_NOT_READ
    if _not_text(_decoded(raw[:8192], declared if isinstance(declared, str) else "")):
        return DOCUMENT_NOT_READ  # a file's bytes labelled as text (a gzip, a binary)
    if len(data) > ATTACHMENT_CHARS and (
        len(data) > ATTACHMENT_CHARS * 2
        or len(_decoded(raw, declared if isinstance(declared, str) else "")) > ATTACHMENT_CHARS
    ):
        return DOCUMENT_IN_PART
    return None


@_guarded
def unread_documents(res: Resource, ref: str) -> list[Ignored]:
    """The documents of a DocumentReference (``content``) or a report (``presentedForm``)
    whose content is not read: set aside, each with why, dated as the resource, to be
    shown beside the screening (never dropped), deciding nothing."""
    kind = str(res.get("resourceType"))
    if _withdrawn(res):
        return []
    if kind == "DocumentReference":
        attachments = [c.get("attachment") for c in _objects(res, "content")]
    elif kind == "DiagnosticReport":
        attachments = list(_list(res, "presentedForm"))
    else:
        return []
    day = _date_or_none(res, _STATED_DATES[kind])
    last = _span_last(res, _STATED_DATES[kind], day)
    unread = {
        (_document_name(res, a), why): None
        for a in attachments
        if (why := _unread_attachment(a)) is not None
    }
    return [
        Ignored(
            ref,
            Message(DOCUMENT_NAMED, document=name, why=Message(why)) if name else Message(why),
            None,
            day,
            last,
        )
        for name, why in unread
    ]


def _document_name(res: Resource, attachment: object) -> str | None:
    """What a document not read is, in the record's words, so that two notes of one day
    are told apart: the attachment's title, else the document's description, else its
    type (a report's code): text, or a coding's display."""
    named: list[object] = [attachment.get("title") if isinstance(attachment, dict) else None]
    named.append(res.get("description"))
    concept = res.get("type" if res.get("resourceType") == "DocumentReference" else "code")
    if isinstance(concept, dict):
        named.append(concept.get("text"))
        codings = concept.get("coding")
        for coding in codings if isinstance(codings, list) else ():
            named.append(coding.get("display") if isinstance(coding, dict) else None)
    for words in named:
        if isinstance(words, str) and words.strip():
            return " ".join(words.split())[:80]
    return None


def _drug_words(res: Resource, text: str | None, codings: Sequence[Coding]) -> str | None:
    """The words a drug entry is read by. A drug named by words (or by a code of no system
    the KB knows: a national drug register's) is read by every word written of it: its
    name, and the drug its dosage text or note names where the name is only a form
    ("Tablette", dosage "Eliquis 5 mg 1-0-1"). A drug coded in a KB system is read by its
    code; a drug of no name stays one (to confirm what it is): its dosage text is not its
    name."""
    if text is None or any(c.system in KNOWN_SYSTEMS for c in codings):
        return text
    said = _dosage_texts(res) + [words for _, words in _annotations(res)]
    if not said:
        return text
    return "; ".join(dict.fromkeys(w.strip() for w in (text, *said) if w and w.strip()))


def _dosage_texts(res: Resource) -> list[str]:
    """The free-text dosage a drug entry carries: ``dosageInstruction`` (a request, a
    dispense) or ``dosage`` (a statement; an administration's single one), each ``text``
    and ``patientInstruction``; another shape is passed over."""
    out: list[str] = []
    for dosage in _dosages(res):
        for field in ("text", "patientInstruction"):
            words = dosage.get(field)
            if isinstance(words, str) and words.strip():
                out.append(words)
    return out


def _dosages(res: Resource) -> list[Resource]:
    """The dosages a drug entry gives: ``dosageInstruction`` (a request, a dispense) or
    ``dosage`` (a statement; an administration's single one); another shape is passed
    over."""
    out: list[Resource] = []
    for key in ("dosageInstruction", "dosage"):
        given = res.get(key)
        out.extend(
            d for d in (given if isinstance(given, list) else [given]) if isinstance(d, dict)
        )
    return out


def _annotations(res: Resource) -> list[tuple[int, str]]:
    """(index, words) of each note (``note``, Annotation) a resource carries; a note of
    another shape is passed over (it never sets the resource aside)."""
    notes = res.get("note")
    if not isinstance(notes, list):
        return []
    return [
        (i, text)
        for i, note in enumerate(notes)
        if isinstance(note, dict) and isinstance(text := note.get("text"), str) and text.strip()
    ]


def _named_reasons(res: Resource, ref: str) -> list[tuple[Resource, str]]:
    """The reasons a resource names by reference with words (``reasonReference`` with a
    ``display``, whether or not it points to a resource), as concepts in words: the
    Condition named may not be in the record (a prefetch or an export without it); where
    it is and names the same concept, it decides (as for a visit's ``diagnosis``)."""
    return [
        ({"text": shown}, f"{ref}{VISIT_DIAGNOSIS}reason-ref[{i}]")
        for i, shown in _displays(res.get("reasonReference"), pointing=True)
    ]


def _displays(items: object, *, pointing: bool = False) -> list[tuple[int, str]]:
    """(index, display) of each Reference of a list that names what it stands for only in
    words (``{"display": "Spinal metastases"}``, no ``reference``). One that points to a
    resource is read where that resource stands, as Synthea's and most EHRs' references to
    a Condition of the record are (its display only repeats the Condition's name); with
    ``pointing``, its words are read too (a reason read as a visit's diagnosis, which a
    Condition of the record naming the same concept sets aside)."""
    if not isinstance(items, list):
        return []
    return [
        (i, shown)
        for i, item in enumerate(items)
        if isinstance(item, dict)
        and (pointing or not item.get("reference"))
        and isinstance(shown := item.get("display"), str)
        and shown.strip()
    ]


def _narrative(node: object) -> str | None:
    """The words of a narrative (``text.div``, XHTML) with its markup taken out."""
    div = node.get("div") if isinstance(node, dict) else None
    if not isinstance(div, str):
        return None
    return _lines(_markup_words(div[:ATTACHMENT_CHARS])) or None


_REPORT_CONTENT = ("result", "conclusion", "conclusionCode", "presentedForm")


def _narrative_is_report(res: Resource) -> bool:
    """Whether a DiagnosticReport's narrative (``text.div``) is its report: said to hold
    more than its data (status ``additional``), or the report has nothing else (no results,
    conclusion or attached form), as a radiology report sent as narrative alone. A narrative
    made from the report's data (``generated``) says again what is read from it."""
    text = res.get("text")
    status = text.get("status") if isinstance(text, dict) else None
    return status == "additional" or not any(res.get(field) for field in _REPORT_CONTENT)


def _report_said(res: Resource, ref: str) -> Iterator[tuple[tuple[Coding, ...], str | None, str]]:
    """What a DiagnosticReport says: its conclusion, its presented forms, and its narrative
    where that is the report (:func:`_narrative_is_report`)."""
    yield _concepts_codings(res, "conclusionCode"), _str(res, "conclusion"), ref
    for i, form in enumerate(_list(res, "presentedForm")):
        yield (), _attachment_text(form), f"{ref}#presentedForm[{i}]"
    if _narrative_is_report(res):
        yield (), _narrative(res.get("text")), f"{ref}#text"


def _others_section(section: Resource) -> bool:
    """A Composition's section that is not the patient's own findings (family history,
    immunizations: :data:`_OTHERS_SECTIONS`), by its code or its title."""
    concept = section.get("code")
    codings = concept.get("coding") if isinstance(concept, dict) else None
    for raw in codings if isinstance(codings, list) else ():
        if isinstance(raw, dict) and str(raw.get("code", "")).strip() in _OTHERS_SECTIONS:
            return True
    title = section.get("title")
    return isinstance(title, str) and " ".join(title.split()).casefold() in _OTHERS_TITLES


# A document's allergies section (LOINC 48765-2): its entries name what the patient must not
# take ("Heparin-induced thrombocytopenia" to heparin), not what the patient has or takes.
_ALLERGY_SECTION = "48765-2"
_ALLERGY_TITLES = frozenset(
    {
        "allergies",
        "allergies and intolerances",
        "allergies and adverse reactions",
        "allergies, adverse reactions, alerts",
        "allergien",
        "allergien und unverträglichkeiten",
        "аллергии",
        "аллергологический анамнез",
    }
)


def _patients_sections(sections: object) -> list[Resource]:
    """A Composition's sections whose entries are the patient's own findings: not a
    relative's or a vaccine's (:func:`_others_section`), nor the allergies'; the sections
    they hold so too."""
    out: list[Resource] = []
    for section in sections if isinstance(sections, list) else ():
        if not isinstance(section, dict) or _others_section(section):
            continue
        concept = section.get("code")
        codings = concept.get("coding") if isinstance(concept, dict) else None
        coded = {
            str(raw.get("code", "")).strip()
            for raw in (codings if isinstance(codings, list) else ())
            if isinstance(raw, dict)
        }
        title = section.get("title")
        named = " ".join(title.split()).casefold() if isinstance(title, str) else ""
        if _ALLERGY_SECTION in coded or named in _ALLERGY_TITLES:
            continue
        if "section" in section:
            section = {**section, "section": _patients_sections(section["section"])}
        out.append(section)
    return out


def _sections(sections: list[Resource], ref: str) -> Iterator[tuple[str, str]]:
    """(words, name) of each section of a Composition and of the sections it holds."""
    for i, section in enumerate(sections):
        name = f"{ref}#section[{i}]"
        if _others_section(section):
            continue  # a relative's or a vaccine's
        text = _narrative(section.get("text"))
        if text:
            title = section.get("title")
            yield (f"{title}: {text}" if isinstance(title, str) else text), name
        inner = section.get("section")
        if isinstance(inner, list):
            yield from _sections([x for x in inner if isinstance(x, dict)], name)


# The fields of other clinical resources that say something of the patient, read as an
# alert's words are (to confirm): a CodeableConcept or a string.
_OTHER_SAID: dict[str, tuple[str, ...]] = {
    "ImagingStudy": ("description",),
    "AdverseEvent": ("event",),
    "EpisodeOfCare": ("type",),
    "Communication": (),
    # what lowers the risk, in words ("vertebral fracture L1: brace, no manipulation")
    "RiskAssessment": ("mitigation",),
    "CarePlan": ("description", "title"),
    "Task": ("description", "statusReason"),
    "CareTeam": (),
    "DeviceUseStatement": (),
    "Immunization": (),
    "Appointment": ("description", "comment"),
    "Goal": ("description",),
    "DeviceRequest": (),
    "CommunicationRequest": (),
    "BodyStructure": ("description", "morphology", "location"),
    "Specimen": ("type",),
    "Media": ("reasonCode",),
    "Basic": ("code",),
    "NutritionOrder": (),
    # a device's kind: "Left ventricular assist device"
    "Device": ("type",),
    # a decision support's answer and a group of orders: their reasons, and what each of
    # a group's actions says ("Suspected cauda equina syndrome: urgent MRI")
    "GuidanceResponse": (),
    "RequestGroup": (),
}


def _other_said(
    res: Resource, kind: str, ref: str
) -> Iterator[tuple[tuple[Coding, ...], str | None, str]]:
    """What an imaging study, an adverse event, an episode of care, a message, a risk
    assessment or a care plan says in codes or words (its reasons are read as a
    visit's diagnoses, by RecordBuilder._reasons)."""
    for key in _OTHER_SAID[kind]:
        value = res.get(key)
        if isinstance(value, dict):
            yield _codings(value, key), _text(value, key), f"{ref}#{key}"
        elif isinstance(value, str):
            yield (), value, f"{ref}#{key}"
        elif isinstance(value, list):  # a list of concepts (an episode of care's types)
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    where = f"{key}[{i}]"
                    yield _codings(item, where), _text(item, where), f"{ref}#{where}"
    for key in ("addresses", "resultingCondition"):
        for i, shown in _displays(res.get(key)):
            yield (), shown, f"{ref}#{key}[{i}]"
    for i, item in enumerate(_objects(res, "diagnosis")):  # EpisodeOfCare
        for _, shown in _displays([item.get("condition")]):
            yield (), shown, f"{ref}#diagnosis[{i}]"
    yield from _parts_said(res, ref)


def _parts_said(res: Resource, ref: str) -> Iterator[tuple[tuple[Coding, ...], str | None, str]]:
    """What the parts of a message, an imaging study, a device or a care plan say
    (:func:`_other_said`)."""
    for i, item in enumerate(_objects(res, "payload")):  # Communication
        content = item.get("contentString")
        words = content if isinstance(content, str) else None
        yield (), words or _attachment_text(item.get("contentAttachment")), f"{ref}#payload[{i}]"
    for i, series in enumerate(_objects(res, "series")):  # ImagingStudy
        yield (), _str(series, "description", f"series[{i}]."), f"{ref}#series[{i}]"
    for i, named in enumerate(_objects(res, "deviceName")):  # Device
        yield (), _str(named, "name", f"deviceName[{i}]."), f"{ref}#deviceName[{i}]"
    for i, action in enumerate(_objects(res, "action")):  # RequestGroup
        for key in ("title", "description"):
            yield (), _str(action, key, f"action[{i}]."), f"{ref}#action[{i}].{key}"
        for j, concept in enumerate(_objects(action, "code", f"action[{i}].")):
            where = f"action[{i}].code[{j}]"
            yield _codings(concept, where), _text(concept, where), f"{ref}#{where}"
    activities = res.get("activity")  # CarePlan
    for i, activity in enumerate(activities if isinstance(activities, list) else ()):
        if isinstance(activity, dict):
            yield from _activity_said(activity, f"{ref}#activity[{i}]")


# A care plan activity that says nothing of the patient (FHIR R4 CarePlan.activity.detail
# status): called off, or written in error.
_ACTIVITY_VOID = frozenset({"cancelled", "entered-in-error", "stopped"})


def _as_list(value: object) -> list[object]:
    """A list as it is; anything else as no items."""
    return value if isinstance(value, list) else []


def _activity_said(
    activity: Resource, name: str
) -> Iterator[tuple[tuple[Coding, ...], str | None, str]]:
    """What a care plan's activity says in codes or words: what it does (``detail.code``,
    a drug as ``detail.productCodeableConcept``, ``detail.description``), why
    (``detail.reasonCode``, reasons and a ``reference`` named in words) and to what end
    (``outcomeCodeableConcept``): a plan "Apixaban 5 mg twice daily" or one for "Secondary
    malignant neoplasm of bone". An activity called off or written in error says nothing."""
    detail = activity.get("detail")
    detail = detail if isinstance(detail, dict) else {}
    status = detail.get("status")
    if isinstance(status, str) and status.strip().lower() in _ACTIVITY_VOID:
        return
    reasons, outcomes = detail.get("reasonCode"), activity.get("outcomeCodeableConcept")
    concepts = [("code", detail.get("code")), ("product", detail.get("productCodeableConcept"))]
    concepts += [(f"reason[{n}]", c) for n, c in enumerate(_as_list(reasons))]
    concepts += [(f"outcome[{n}]", c) for n, c in enumerate(_as_list(outcomes))]
    for key, concept in concepts:
        codings, text = _said_by(concept, key)  # one of another shape is passed over
        if codings or text:
            yield codings, text, f"{name}.{key}"
    description = detail.get("description")
    if isinstance(description, str):
        yield (), description, f"{name}.description"
    named = [*_displays([activity.get("reference")], pointing=True)]
    named += _displays(detail.get("reasonReference"), pointing=True)
    named += _displays(activity.get("outcomeReference"), pointing=True)
    for n, shown in enumerate(words for _, words in named):
        yield (), shown, f"{name}.named[{n}]"


def _withdrawn(res: Resource) -> bool:
    """Whether a resource that states something says nothing: cancelled, entered in error
    or superseded, or a document whose own status (``docStatus``) is so."""
    status = _stated_status(res)
    written = (_str(res, "docStatus") or "").strip().lower()  # a document's own status
    return status in _NOT_STATED or status in _SUPERSEDED or written in _NOT_STATED


@_guarded
def statements_from_fhir(res: Resource, ref: str) -> list[Condition]:
    """What a clinical alert (Flag), a report's conclusion (DiagnosticReport
    ``conclusionCode`` and ``conclusion``) or an assessment's findings (ClinicalImpression
    ``finding``) say of the patient, read as conditions with certainty unknown (to
    confirm): a finding recorded there asks a question, never is dropped. An inactive
    Flag is an inactive condition, one whose period has ended has abated; a cancelled or
    entered-in-error resource says nothing."""
    kind = str(res.get("resourceType"))
    status = _stated_status(res)
    if _withdrawn(res):
        return []
    if status in _NOT_SAID or (kind == "AdverseEvent" and _str(res, "actuality") == "potential"):
        return []  # nothing happened yet (a planned episode, a message not sent, a near miss)
    said: list[tuple[tuple[Coding, ...], str | None, str]] = []
    if kind in ("Flag", "DetectedIssue"):
        concept = _concept(res, "code")
        said.append((_codings(concept, "code"), _text(concept, "code"), ref))
        if kind == "DetectedIssue":
            said.append(((), _str(res, "detail"), f"{ref}#detail"))
    elif kind == "DiagnosticReport":
        said.extend(_report_said(res, ref))
    elif kind == "DocumentReference":
        said.append(((), _str(res, "description"), f"{ref}#description"))
        for i, content in enumerate(_objects(res, "content")):
            said.append(((), _attachment_text(content.get("attachment")), f"{ref}#content[{i}]"))
    elif kind == "Composition":
        said.append(((), _narrative(res.get("text")), f"{ref}#text"))
        said.extend(((), text, name) for text, name in _sections(_objects(res, "section"), ref))
    elif kind in _OTHER_SAID:
        said.extend(_other_said(res, kind, ref))
    else:
        for i, finding in enumerate(_objects(res, "finding")):
            where = f"finding[{i}].itemCodeableConcept"
            concept = _obj(finding, "itemCodeableConcept", f"finding[{i}].")
            said.append((_codings(concept, where), _text(concept, where), f"{ref}#finding-{i}"))
            for _, shown in _displays([finding.get("itemReference")]):
                said.append(((), shown, f"{ref}#finding-{i}-item"))
            item = finding.get("item")  # R5: a CodeableReference
            if isinstance(item, dict):
                where = f"finding[{i}].item.concept"
                concept = _obj(item, "concept", f"finding[{i}].item.")
                said.append((_codings(concept, where), _text(concept, where), f"{ref}#finding-{i}"))
                for _, shown in _displays([item.get("reference")]):
                    said.append(((), shown, f"{ref}#finding-{i}-item"))
            basis = finding.get("basis")  # words only: another shape sets nothing aside
            if isinstance(basis, str):
                said.append(((), basis, f"{ref}#finding-{i}-basis"))
        said.append(((), _str(res, "summary"), f"{ref}#summary"))
        said.append(((), _str(res, "description"), f"{ref}#description"))
        problems = _displays(res.get("problem"))
        said.extend(((), shown, f"{ref}#problem[{i}]") for i, shown in problems)
    said.extend(((), text, f"{ref}#note[{i}]") for i, text in _annotations(res))
    start = _date_or_none(res, _STATED_DATES[kind])
    start_last = _span_last(res, _STATED_DATES[kind], start)
    end = _date_or_none(res, (("period", "end"),)) if kind in _STATED_ENDS else None
    end_first = _span_first(res, "period", "end", end)
    clinical = "inactive" if kind in _STATED_ENDS and status in _STATED_OVER else None
    return [
        Condition(
            ref=name,
            codings=codings,
            text=text if text and text.strip() else None,
            clinical_status=clinical,
            onset=start,
            abatement=end,
            confirm=PLANNED_ELSEWHERE
            if kind == "Goal" or "#activity[" in name
            else STATED_ELSEWHERE,
            onset_last=start_last,
            abatement_first=end_first,
        )
        for codings, text, name in said
        if codings or (text and text.strip())
    ]


@_guarded
def list_entries(res: Resource, ref: str) -> list[Resource]:
    """The resources a List (a problem or medication list) holds in ``contained`` and
    names as its entries (``entry.item`` ``#id``), to be read as if they stood in the
    Bundle (entries it names by reference are read where they stand). An entry marked
    deleted is not; a contained Patient never is."""
    if _voided(res) or "contained" not in res:
        return []
    named: set[str] = set()
    for index, entry in enumerate(_objects(res, "entry")):
        item = _obj(entry, "item", f"entry[{index}].")
        target = _str(item, "reference", f"entry[{index}].item.") if item else None
        if target and target.startswith("#") and entry.get("deleted") is not True:
            named.add(target[1:])
    return [
        item
        for item in _objects(res, "contained")
        if item.get("id") in named and item.get("resourceType") != "Patient"
    ]


@_guarded
def order_from_fhir(res: Resource, ref: str) -> Order:
    """ServiceRequest: codes, words, status, intent, authored date."""
    concept = _concept(res, "code")
    return Order(
        ref=ref,
        codings=_codings(concept, "code"),
        status=_status(res),
        intent=_str(res, "intent"),
        authored=parse_date(res.get("authoredOn"), "authoredOn"),
        text=_text(concept, "code"),
    )


# ---------------------------------------------------------------------------------------
# One patient's resources -> PatientRecord


def resource_ref(res: Resource, full_url: str | None = None, fallback: str = "?") -> str:
    """``ResourceType/id``; without an id, the Bundle entry's fullUrl (``urn:uuid:...``)."""
    kind = res.get("resourceType")
    rid = res.get("id")
    if isinstance(rid, str) and rid:
        return f"{kind}/{rid}"
    if full_url:
        return full_url
    return f"{kind}/{fallback}"


def _local_ref(reference: str) -> str:
    """``Medication/x`` from ``https://server/base/Medication/x/_history/2``."""
    parts = reference.split("/")
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    return "/".join(parts[-2:]) if len(parts) >= 2 else reference


_EMPTY_KINDS = (list, dict, str)


def _read_in_part(
    facts: Iterable[Condition | Medication | Procedure], listed: Iterable[Ignored]
) -> list[Ignored]:
    """A text longer than is read (its first :data:`TEXT_CHARS` characters: a report's
    conclusion, a note), listed once per entry: what follows is not read. Not an entry
    whose documents are listed already (an attachment read in part says so itself,
    :func:`_unread_attachment`)."""
    documents = {i.ref for i in listed if getattr(i.reason, "msgid", None) in _DOCUMENT_REASONS}
    long = dict.fromkeys(
        f.ref.split("#", 1)[0] for f in facts if f.text is not None and len(f.text) > TEXT_CHARS
    )
    return [Ignored(ref, Message(TEXT_IN_PART)) for ref in long if ref not in documents]


_DOCUMENT_REASONS = frozenset({DOCUMENT_IN_PART, DOCUMENT_NAMED})


def _is_empty(value: Any) -> bool:
    """JSON null, or an empty list, object or string: FHIR writes no such element (an
    element has a value or children), a record that does means nothing by it."""
    return value is None or (not value and type(value) in _EMPTY_KINDS)


def _without_empty(res: Resource) -> Resource:
    """A resource without its empty elements (``"component": []``, ``"note": null``): read
    as if they were not written, never as a panel of no parts or a field of the wrong
    shape (a blood-pressure panel with ``"component": []`` and its value in words)."""
    for value in res.values():  # a loop, not a call for each value: every resource passes here
        if value is None or (not value and type(value) in _EMPTY_KINDS):
            return {key: value for key, value in res.items() if not _is_empty(value)}
    return res


def _voided(res: Resource) -> bool:
    status = res.get("status")
    return isinstance(status, str) and status.strip().lower() == ENTERED_IN_ERROR


def _of_no_measure(res: Resource, measures: Measures) -> bool:
    """True for a well-formed Observation that gives nothing: its code is no measure, it has
    no components and no coded value (most Observations of a record). Anything else, or
    any unexpected shape, is left to :func:`observations_from_fhir`, which reads or
    reports it."""
    if "component" in res or "valueCodeableConcept" in res:
        return False
    findings = _finding_codes(measures)
    if findings and (_may_record_finding(res) or _of_finding_code(res, findings)):
        return False  # perhaps a finding written as yes or no, or observed: "pregnant: true"
    if _of_finding_code(res, _concept_codes(measures)):
        return False  # a KB concept's code: "Retention of urine" with a volume
    concept = res.get("code")
    if concept is None:
        return True
    if type(concept) is not dict:
        return False
    codings = concept.get("coding")
    if codings is None:
        return True
    if type(codings) is not list:
        return False
    for raw in codings:
        if type(raw) is not dict:
            continue
        code = raw.get("code")
        if type(code) is not str:
            continue
        uri = raw.get("system")
        name = _SYSTEMS.get(uri) if type(uri) is str else None
        if name is None:
            return False  # a system not seen yet, or not a string: the full reading
        if _coded_measure(name, code, measures) is not None:
            return False
        if (name, code.strip()) in getattr(measures, "panels", ()):
            return False  # a panel: its readings may be written as its value
    return True


def _of_finding_code(res: Resource, findings: frozenset[tuple[str, str]]) -> bool:
    """Whether an Observation's code is that of a KB finding (whatever its value: an
    expected delivery date records a pregnancy)."""
    concept = res.get("code")
    codings = concept.get("coding") if isinstance(concept, dict) else None
    return any(
        isinstance(raw, dict)
        and isinstance(raw.get("code"), str)
        and (_system(raw.get("system")), raw["code"].strip()) in findings
        for raw in (codings if isinstance(codings, list) else ())
    )


# What an Observation's component does not carry of its own: the status, dates and sites of
# the Observation it is part of.
_PART_KEEPS = ("resourceType", "status", "bodySite", *(k for k, _ in _OBSERVATION_DATES))


def _finding_parts(res: Resource) -> list[Resource]:
    """The components of an Observation that no measure reads, each as an Observation of its
    own with the whole's status, date and sites: a findings panel or a symptom checklist
    whose parts are findings answered each ("Numbness of saddle area: Present",
    ``valueBoolean`` true). A component with no value and no reason for its absence says
    nothing (it is not a finding observed, as a whole Observation with no value is)."""
    parts = res.get("component")
    if not isinstance(parts, list):
        return []
    kept = {key: res[key] for key in _PART_KEEPS if key in res}
    out: list[Resource] = []
    for part in parts:
        if not isinstance(part, dict) or not isinstance(part.get("code"), dict):
            continue
        given = {k: v for k, v in part.items() if k.startswith("value") or k == "dataAbsentReason"}
        if given:
            out.append({**kept, "code": part["code"], **given})
    return out


def _may_record_finding(res: Resource) -> bool:
    """An Observation whose value is a yes or no (``valueBoolean``, ``valueString``, a
    flowsheet's check box as ``valueInteger``), or that has no value and no parts (no
    ``component``, no ``hasMember``): perhaps a finding recorded as present, absent or
    observed ("Saddle anaesthesia: present", "Saddle anaesthesia: 1")."""
    if "valueBoolean" in res or "valueString" in res or "valueInteger" in res:
        return True
    if "component" in res or "hasMember" in res:
        return False
    if "valueQuantity" in res:
        return False  # a value, and not a yes or no (most Observations)
    return not any(key.startswith("value") for key in res)


_SALVAGE_KEYS = ("code", "medicationCodeableConcept", "medicationReference")
_SALVAGE_DEFAULT = tuple((key, key) for key in _SALVAGE_KEYS)
# (field, read as): a report's conclusion, not the kind of report it is; an assessment's
# findings
_SALVAGE_FIELDS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "DiagnosticReport": (("conclusionCode", None), ("conclusion", "text")),
    "ClinicalImpression": (("finding", None),),
    "Encounter": (("reasonCode", "text"), ("diagnosis", "text")),
    # a finding recorded as an Observation (a red flag answered yes, its value a finding)
    "Observation": (("code", "code"), ("valueCodeableConcept", "code"), ("valueString", "text")),
}


def _salvage(res: Resource, kind: str, ref: str) -> Condition | Medication | Procedure | None:
    """What can still be read of a Condition, a drug, a Procedure, an alert, a report's
    conclusion, an assessment's findings (:func:`statements_from_fhir`) or an Observation
    of a finding (not a reading) set aside for its shape: the codes and words under its
    code, as an entry of no known system, to be confirmed (a code's shape, or the words,
    name the KB concept with certainty unknown). Its statuses and dates are not trusted:
    the entry counts as current."""
    codes: list[Coding] = []
    words: list[str] = []

    def walk(node: object, key: str | None) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and node.strip():
            if key == "code":
                codes.append(Coding("unknown", node.strip()))
            # words written where a code stands ("code": ["Heart failure"]) are words too
            if key in ("text", "display") or (key == "code" and " " in node.strip()):
                words.append(node.strip())
        elif isinstance(node, int) and not isinstance(node, bool) and key == "code":
            codes.append(Coding("unknown", str(node)))

    for field, key in _SALVAGE_FIELDS.get(kind, _SALVAGE_DEFAULT):
        walk(res.get(field), key)
    if not codes and not words:
        return None
    text = "; ".join(dict.fromkeys(words)) or None
    if kind in ("Condition", "Encounter", "Observation") or kind in _STATED_DATES:
        confirm = STATED_ELSEWHERE if kind in _STATED_DATES else None
        return Condition(ref=ref, codings=tuple(codes), text=text, confirm=confirm)
    if kind in (
        "MedicationRequest",
        "MedicationStatement",
        "MedicationDispense",
        "MedicationAdministration",
    ):
        return Medication(ref=ref, codings=tuple(codes), text=text, status="active")
    if kind == "Procedure":
        return Procedure(ref=ref, codings=tuple(codes), text=text)
    return None


def _patient_named(reference: str) -> str | None:
    """The patient id a reference names (``Patient/3``, ``Patient/3/_history/2``,
    ``https://ehr.example.org/fhir/Patient/3``, with spaces around it), or None (another
    resource type, a ``urn:uuid:``, a contained ``#id``)."""
    reference = reference.strip()
    if reference.startswith("Patient/"):
        rest = reference[8:]
    elif "://" in reference and "/Patient/" in reference:
        rest = reference.split("/Patient/", 1)[1]
    else:
        return None
    return rest.split("/", 1)[0] or None


def linked_patients(res: Resource) -> list[str]:
    """The ids of the other patient records a Patient links (``Patient.link``: replaces,
    replaced-by, refer, seealso): a record merged into this one keeps the references of
    its resources to the other record's id, and they are read as this patient's."""
    out: list[str] = []
    links = res.get("link")
    for link in links if type(links) is list else ():
        other = link.get("other") if type(link) is dict else None
        value = other.get("reference") if type(other) is dict else None
        linked = _patient_named(value) if type(value) is str else None
        if linked is not None:
            out.append(linked)
    return out


# An Encounter still going (FHIR R4 Encounter.status): without an end, its diagnoses are
# in force, never ended with its first day.
_OPEN_VISIT = frozenset({"in-progress", "arrived", "triaged", "onleave"})


# Reference fields whose words (``display``) name a finding, a result or an entry of the
# record ("MRI lumbar spine: cauda equina compression", a report's result; "Cauda equina
# syndrome", a summary's entry), per resource type, each a path of fields down to the
# References (a list at any step). Where the record holds the resource named, it is read where
# it stands; where it does not (a search without ``_include``, a document sent without its
# entries), the words are read as written beside another entry, to confirm (see
# :meth:`RecordBuilder._named_by_reference`). A Condition's evidence is read with the
# Condition (:func:`_evidence_of`).
_NAMED_BY_REFERENCE: dict[str, tuple[tuple[str, ...], ...]] = {
    "Observation": (("hasMember",), ("derivedFrom",)),
    "DiagnosticReport": (("result",), ("imagingStudy",)),
    "Composition": (("section", "entry"),),
    "ServiceRequest": (("supportingInfo",),),
    "MedicationRequest": (("supportingInformation",),),
    "ClinicalImpression": (("investigation", "item"),),
    "DetectedIssue": (("implicated",),),
    "Procedure": (("complicationDetail",),),
    "MedicationStatement": (("derivedFrom",),),
    "MedicationAdministration": (("request",),),
    "CarePlan": (("supportingInfo",),),
}
# What a Reference to one of these names is a person, a place, a team, a visit, a vaccine or
# an allergy, not what the patient has: its words are never read ("Cancer Center", "Dr
# Saddle", "Yellow fever vaccine", "Heparin-induced thrombocytopenia").
_NAMES_NO_FINDING = frozenset(
    {
        "Patient",
        "Practitioner",
        "PractitionerRole",
        "Organization",
        "Location",
        "RelatedPerson",
        "Person",
        "CareTeam",
        "HealthcareService",
        "Group",
        "Device",
        "Endpoint",
        "Encounter",
        "Schedule",
        "Slot",
        "Questionnaire",
        "Binary",
        # a vaccine given or due, an allergy (to heparin: what the patient must not take)
        "Immunization",
        "ImmunizationRecommendation",
        "AllergyIntolerance",
    }
)
_SAYS_NOTHING = frozenset({"cancelled", ENTERED_IN_ERROR, "not-done", "revoked"})


def _named_references(node: object, path: tuple[str, ...], where: str) -> Iterator[tuple[str, Any]]:
    """(where, Reference) of each object found down ``path`` from ``node`` (a list at any
    step; a Composition's sections inside sections too)."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _named_references(item, path, f"{where}[{i}]")
        return
    if not isinstance(node, dict):
        return
    if not path:
        yield where, node
        return
    key = path[0]
    yield from _named_references(node.get(key), path[1:], f"{where}.{key}" if where else key)
    if key == "section" and isinstance(node.get("section"), list):
        # a section's sections: the same path again from each
        for i, inner in enumerate(node["section"]):
            yield from _named_references(
                inner, path, f"{where}.section[{i}]" if where else f"section[{i}]"
            )


def _contained_ids(res: Resource) -> frozenset[str]:
    """How a resource names what it holds in ``contained`` (``#o1``)."""
    return frozenset(
        f"#{part['id']}" for part in _objects(res, "contained") if isinstance(part.get("id"), str)
    )


def _finding_named(
    item: Any, held: set[str] | frozenset[str] = frozenset()
) -> tuple[str | None, str] | None:
    """(the resource a Reference points to, or None, and its words) where its ``display``
    may name a finding: not one the resource holds (``#x`` of ``held``: read as what it is),
    nor one whose type is a person, a place or a visit (:data:`_NAMES_NO_FINDING`)."""
    shown = item.get("display")
    if not isinstance(shown, str) or not shown.strip():
        return None
    target = item.get("reference")
    kind = item.get("type")
    if isinstance(target, str) and target.strip():
        if target.startswith("#"):
            # held by the resource: read as what it is; one it does not hold, by its words
            return None if target.strip() in held else (None, shown)
        local = _local_ref(target.strip())
        if "/" in local and not isinstance(kind, str):
            kind = local.split("/")[0]
    else:
        target = None
    if isinstance(kind, str) and kind.rsplit("/", 1)[-1] in _NAMES_NO_FINDING:
        return None
    return target, shown


class RecordBuilder:
    """Collects one patient's FHIR resources and builds the :class:`PatientRecord`."""

    def __init__(self, measures: Measures, source: str, patient: Patient | None = None) -> None:
        """``patient``: the record's patient, known already (a bulk export's line of
        another resource type): the builder starts as if its Patient had been added."""
        self.measures = measures
        self.source = source
        self._patients: dict[str, Patient] = {}
        self._conditions: list[Condition] = []
        self._observations: list[Observation] = []
        self._medication_orders: list[tuple[Resource, str]] = []
        self._medications: dict[str, Resource] = {}
        self._procedures: list[Procedure] = []
        self._orders: list[Order] = []
        self._ignored: list[Ignored] = []
        self._answers: list[Answer] = []
        self._coded: list[CodedObservation] = []
        self._salvaged_medications: list[Medication] = []
        self.unreadable: list[str] = []
        """Why each resource set aside could not be read (``ref: shape``), in order."""
        self._encounter_reasons: list[Condition] = []
        self._held: set[str] = set()
        """What the resources added may be named by (``Observation/x``, a fullUrl)."""
        self._by_reference: list[tuple[str | None, str, str, str, Resource]] = []
        """The words of each Reference that may name a finding, as ``(target, ref, where,
        words, resource)``: read in :meth:`build` where the record does not hold the target
        (:meth:`_named_by_reference`)."""
        self._evidence_named: list[tuple[str | None, Condition]] = []
        self._replaced: list[tuple[str, Condition]] = []
        self._replaced_urls: list[tuple[str, str]] = []
        self._replacing: list[str] = []
        """What a superseded document says, with the name a document that replaces it makes
        the record hold (:meth:`_superseded`)."""
        """A Condition's evidence named by reference with words, read so in :meth:`build`
        where the record does not hold it."""
        self._seen: dict[str, int] = {}
        self._count = 0
        self._nesting = 0  # Bundles inside the record's Bundle being read
        self._about: list[tuple[str, str, str]] | None = None
        """With :meth:`check_subjects`: each resource that names its patient, as
        ``(ref, reference, patient id)``; :meth:`build` refuses one about another patient."""
        self._patient_keys: set[str] = set()
        self._births: dict[str, set[date | None]] = {}
        """The birth dates of a patient written more than once (two versions of one
        Patient): two that differ leave the birth date unknown (:meth:`_born`)."""
        if patient is not None:
            self._patients[patient.id] = patient
            self._seen["Patient"] = self._count = 1

    def add(self, resource: Resource, full_url: str | None = None) -> None:
        """Take one resource (``full_url``: its Bundle entry's fullUrl, if any).

        Resource types the record has no use for are counted and otherwise ignored.
        """
        self._count += 1
        if not isinstance(resource, dict):
            raise RecordError(
                Message(
                    "resource #%(n)s is not a JSON object but %(kind)s",
                    n=self._count,
                    kind=_kind(resource),
                ),
                source=self.source,
            )
        kind = resource.get("resourceType")
        if not isinstance(kind, str):
            raise RecordError(
                Message("resource #%(n)s is not a FHIR resource (no resourceType)", n=self._count),
                source=self.source,
            )
        seen = self._seen
        seen[kind] = seen.get(kind, 0) + 1
        handler = self._handlers.get(kind)
        if handler is None:
            # an earlier FHIR version's name of a resource R4 reads (DSTU2's MedicationOrder,
            # STU3's ProcedureRequest), or a type written in another case or with spaces
            # ("condition", " Condition"): read as that resource
            same = read_as(kind)
            if same == kind or same == "Patient":
                return
            handler = self._handlers[same]
            resource = {**resource, "resourceType": same}
        resource = _without_empty(resource)
        if "contained" in resource:
            resource = _with_own_binaries(resource)
        rid = resource.get("id")
        if type(rid) is str and rid:
            ref = f"{kind}/{rid}"  # resource_ref's first choice, its fallback not built
        else:
            ref = resource_ref(resource, full_url, f"#{self._count}")
        if (self._about is not None or self._nesting) and kind != "Patient":
            self._note_subject(resource, ref)
        if kind != "Patient" and resource.get("modifierExtension"):
            # FHIR: data under a modifier extension not understood must not be read as if it
            # were not there; set aside (what can be read of it kept, to confirm)
            self._set_aside(resource, kind, ref, located(ref, MODIFIED))
            return
        held = self._held
        held.add(ref)
        if full_url:
            held.add(full_url)
            held.add(_local_ref(full_url))
        paths = _NAMED_BY_REFERENCE.get(resource["resourceType"])
        if paths is not None:
            self._named_by_reference(resource, ref, paths)
        try:
            handler(self, resource, ref, full_url)
        except RecordError as err:
            if kind == "Patient":  # without its patient there is no record to screen
                err.source = err.source or self.source
                raise
            # One resource of an unexpected shape is set aside and listed, never the reason
            # the whole patient is refused; what can still be read of it (its words, its
            # codes) is kept, to be confirmed (see _salvage).
            self._set_aside(resource, kind, ref, err.message)
        except _Bad as bad:  # a field a handler reads itself (Encounter, DiagnosticReport)
            self._set_aside(resource, kind, ref, located(ref, bad.args[0]))

    def check_subjects(self) -> None:
        """Refuse, in :meth:`build`, a resource whose subject (or patient) is another
        patient than the record's: a Bundle that mixes two patients' data must not be
        screened as one (another patient's blood pressure would stand in for a missing
        one). A reference the Bundle cannot tell (``urn:uuid:...``, an identifier, a
        contained resource) is not refused. The resources of a Bundle inside the
        record's are checked whoever reads the record (the CDS Hooks prefetch checks its
        own entries, not what a Bundle among them holds)."""
        self._about = []

    def _note_subject(self, res: Resource, ref: str) -> None:
        about = self._about
        if about is None:
            about = self._about = []
        for field in ("subject", "patient"):
            node = res.get(field)
            value = node.get("reference") if type(node) is dict else None
            if type(value) is str:
                named = _patient_named(value)
                if named is not None:
                    about.append((ref, value, named))
                    return

    def _check_subjects(self) -> None:
        if not self._about or not self._patient_keys:
            return  # nothing names a patient, or the Patient has no id to compare with
        for ref, value, named in self._about:
            if named not in self._patient_keys:
                (patient,) = self._patients.values()
                raise RecordError(
                    Message(
                        "%(resource)s belongs to another patient (%(other)s) than the "
                        "record's Patient/%(patient)s; a record holds one patient",
                        resource=ref,
                        other=value,
                        patient=patient.id,
                    ),
                    source=self.source,
                )

    def _set_aside(self, res: Resource, kind: str, ref: str, detail: str) -> None:
        # the reason as a clinician reads it; the shape at fault, which names FHIR's
        # fields, is kept for the operator's tally of a bulk run (:attr:`unreadable`)
        self.unreadable.append(detail)
        reason = UNREADABLE
        named: list[str | None] = []
        if kind == "Observation":
            named.extend(_measures_named(res, self.measures))
        for measure in named or [None]:
            self._ignored.append(Ignored(ref, reason, measure))
        # a reading set aside is missing (listed above); a finding is kept, to be confirmed
        salvaged = None if named else _salvage(res, kind, ref)
        if isinstance(salvaged, Condition):
            self._conditions.append(salvaged)
        elif isinstance(salvaged, Medication):
            self._salvaged_medications.append(salvaged)
        elif isinstance(salvaged, Procedure):
            self._procedures.append(salvaged)

    def holds_facts(self) -> bool:
        """Whether the resources added so far gave the record anything but its patient: a
        fact, a reading or a resource set aside, or a resource that could not be read. A
        builder that holds none builds a record with no facts (bulk reading skips it)."""
        return self.holds_more() or bool(
            self._by_reference or self._evidence_named or self._replaced
        )

    def named_words(self) -> list[str] | None:
        """Where all the resources added so far gave is the words of References (a report's
        results named, :meth:`_named_by_reference`), those words: bulk reading skips a
        resource none of whose words names anything (most reports' laboratory results);
        None where they gave more."""
        if self.holds_more() or self._replaced:
            return None
        return [shown for _, _, _, shown, _ in self._by_reference] + [
            c.text for _, c in self._evidence_named if c.text
        ]

    def holds_more(self) -> bool:
        """:meth:`holds_facts` but for the words of References."""
        return bool(
            self._conditions
            or self._observations
            or self._medication_orders
            or self._procedures
            or self._orders
            or self._ignored
            or self._answers
            or self._coded
            or self._salvaged_medications
            or self._encounter_reasons
            or self.unreadable
        )

    def build(self) -> PatientRecord:
        """The record; exactly one Patient (by id) must have been added."""
        if not self._patients:
            counts = Counter(self._seen).most_common(4)
            seen = ", ".join(f"{n} {kind}" for kind, n in counts)
            found = f"{seen}{', ...' if len(self._seen) > 4 else ''}"
            no_patient = (
                Message("no Patient resource (found %(found)s)", found=found)
                if seen
                else Message("no Patient resource")
            )
            raise RecordError(no_patient, source=self.source)
        if len(self._patients) > 1:
            ids = ", ".join(self._patients)
            raise RecordError(
                Message(
                    "%(n)s Patient resources (%(ids)s); a record holds one patient",
                    n=len(self._patients),
                    ids=ids,
                ),
                source=self.source,
            )
        self._check_subjects()
        medications: list[Medication] = []
        for res, ref in self._medication_orders:
            try:
                medications.append(medication_from_fhir(res, ref, self._resolve_medication))
            except RecordError as err:
                self._set_aside(res, str(res.get("resourceType")), ref, err.message)
        medications.extend(self._salvaged_medications)
        (patient,) = self._patients.values()
        conditions = [*self._conditions, *self._visit_diagnoses(), *self._not_held()]
        procedures = list(self._procedures)
        return PatientRecord(
            patient=self._born(patient),
            source=self.source,
            conditions=conditions,
            observations=list(self._observations),
            medications=medications,
            procedures=procedures,
            orders=list(self._orders),
            answers=list(self._answers),
            ignored=[
                *self._ignored,
                *self._prose_readings(),
                *_read_in_part((*conditions, *medications, *procedures), self._ignored),
            ],
            coded_observations=list(self._coded),
        )

    def _holds(self, target: str | None) -> bool:
        held = self._held
        return target is not None and (target in held or _local_ref(target) in held)

    @property
    def replacing(self) -> list[str]:
        """The names the documents added so far make the record hold by replacing another
        (``replaced:DocumentReference/x``: :meth:`_superseded`); bulk reading keeps them in
        its ``held`` table."""
        return self._replacing

    def named_targets(self) -> dict[str, str]:
        """The entries :meth:`build` reads from the words of a Reference to a resource this
        builder does not hold: ``{entry ref: the resource named}`` (``Observation/x``).
        Bulk reading, which reads one resource at a time, keeps them only where the export
        holds no such resource (:func:`~spinecare.bulk.duckdb.held_targets`)."""
        out = {
            c.ref: _local_ref(t)
            for t, c in (*self._evidence_named, *self._replaced)
            if t and not self._holds(t)
        }
        for target, ref, where, _, _ in self._by_reference:
            if target and not self._holds(target):
                out[f"{ref}#{where}"] = _local_ref(target)
        return out

    def _named_by_reference(
        self, res: Resource, ref: str, paths: tuple[tuple[str, ...], ...]
    ) -> None:
        """Keep the words of the References of ``paths`` (:data:`_NAMED_BY_REFERENCE`) that
        may name a finding, to be read in :meth:`build` where the record does not hold
        what they name. Not those of an entry entered in error, cancelled or not done."""
        if "section" in res:  # a document's: not a relative's, a vaccine's, an allergy's
            res = {**res, "section": _patients_sections(res["section"])}
        held = _contained_ids(res)
        found = [
            (named[0], where, named[1])
            for path in paths
            if path[0] in res
            for where, item in _named_references(res, path, "")
            if (named := _finding_named(item, held)) is not None
        ]
        if found and _status(res) not in _SAYS_NOTHING:
            self._by_reference.extend(
                (target, ref, where, shown, res) for target, where, shown in found
            )

    def _not_held(self) -> list[Condition]:
        """The words of References to what the record does not hold (or to nothing, only
        words): each a statement beside another entry, to confirm, from that entry's date
        (a Condition's evidence with the Condition's statuses and dates)."""
        for by_url, by_ref in self._replaced_urls:
            if by_url in self._held:
                self._held.add(by_ref)
        out = [
            c for target, c in (*self._evidence_named, *self._replaced) if not self._holds(target)
        ]
        for target, ref, where, shown, res in self._by_reference:
            if self._holds(target):
                continue
            kind = str(res.get("resourceType"))
            dates = _STATED_DATES.get(kind, _REASON_DATES)
            try:
                start = _date_or_none(res, dates)
                start_last = _span_last(res, dates, start)
            except _Bad:
                start = start_last = None
            out.append(
                Condition(
                    ref=f"{ref}#{where}",
                    text=shown,
                    onset=start,
                    confirm=NOTED_ELSEWHERE,
                    onset_last=start_last,
                )
            )
        return out

    def _prose_readings(self) -> list[Ignored]:
        """Readings written in the words of a note, a report or an assessment the record
        dates ("Temp 38.9 this morning", "BP 210/118"), each named by a measure's words:
        never used as measured; one that may raise a finding leaves the measure unknown, to
        confirm (as such a reading in an Observation's text value is)."""
        out: list[Ignored] = []
        for c in (*self._conditions, *self._encounter_reasons):
            text = c.text
            day = c.onset or c.recorded  # a diagnosis dated only by when it was recorded
            if day is None or not text or not _HAS_DIGIT.search(text):
                continue
            prose = {
                "code": {"text": "-"},
                "valueString": text,
                "effectiveDateTime": day.isoformat(),
            }
            out.extend(_text_readings(prose, c.ref, self.measures))
        return out

    def _born(self, patient: Patient) -> Patient:
        """The patient, whose birth date is unknown where two of its Patients give two
        (a corrected version beside the first): which is right is to confirm, and a rule
        of age then asks for it. The same rule as bulk's (``FIRST_PATIENTS``)."""
        births = sorted(b for b in self._births.get(patient.id, ()) if b is not None)
        if len(births) < 2:
            return patient
        said = Message(TWO_BIRTH_DATES, first=Day(births[0]), other=Day(births[-1]))
        self._ignored.append(Ignored(f"Patient/{patient.id}", said, measure=BIRTH_DATE_ITEM))
        return replace(patient, birth_date=None, birth_first=None)

    # handlers ----------------------------------------------------------------------

    def _patient(self, res: Resource, ref: str, full_url: str | None) -> None:
        patient = patient_from_fhir(res, ref)
        first = self._patients.setdefault(patient.id, patient)
        if first is not patient and patient.birth_date is not None:
            self._births.setdefault(patient.id, {first.birth_date}).add(patient.birth_date)
        rid = res.get("id")
        if type(rid) is str and rid:  # what references to the patient may name
            self._patient_keys.add(rid)
        named = _patient_named(full_url) if full_url else None
        if named is not None:
            self._patient_keys.add(named)
        self._patient_keys.update(linked_patients(res))

    def _condition(self, res: Resource, ref: str, full_url: str | None) -> None:
        if is_family_history(res, ref):
            self._ignored.append(Ignored(ref, FAMILY_HISTORY))
            return
        found, staged = _staged(
            res, _ended_in_words(res, condition_from_fhir(res, ref), self.measures)
        )
        self._conditions.append(found)
        # A note on the condition ("metastases to L3 found on MRI") is read as text, with
        # the condition's statuses and dates: what it names is to be confirmed.
        for index, note in enumerate(_objects(res, "note")):
            text = note.get("text")
            if isinstance(text, str) and text.strip():
                self._conditions.append(
                    replace(found, ref=f"{ref}#note[{index}]", codings=(), text=text)
                )
        self._conditions.extend(_evidence_of(res, ref, found))
        if "evidence" in res or "stage" in res:
            self._evidence_named.extend(_evidence_named(res, ref, found))
        self._conditions.extend(staged)
        if "contained" in res:
            # the findings it rests on, held in it (``evidence.detail``: "#o1")
            self._read_contained(res, ref, _HELD)

    def _encounter(self, res: Resource, ref: str, full_url: str | None) -> None:
        """An Encounter's diagnoses: Conditions it holds in ``contained`` are read as
        Conditions; a diagnosis or reason given only as a code or words in the Encounter
        (``reasonCode``, ``diagnosis.condition`` with a concept or a display) is a
        condition from the encounter's start until ``encounter_days`` after its end (KB
        threshold encounter_diagnosis_days; clinic policy policy_encounter_diagnosis); the
        engine sets it aside where a Condition of the record names the same concept (see
        :attr:`Condition.from_visit`)."""
        if (
            "reasonCode" not in res
            and "diagnosis" not in res
            and "contained" not in res
            and "reasonReference" not in res
            and "type" not in res
            and "serviceType" not in res
        ):
            return  # a visit and nothing more
        if _voided(res) or _status(res) == "cancelled":
            return
        if "contained" in res:
            self._read_contained(res, ref, ("Condition", "Procedure"))
        start = _date_or_none(res, (("period", "start"),))
        end = _date_or_none(res, (("period", "end"),))
        if end is None and _status(res) not in _OPEN_VISIT:
            end = start  # a visit of one day
        reasons: list[tuple[Resource, str]] = [
            (concept, f"{ref}{VISIT_DIAGNOSIS}reason[{i}]")
            for i, concept in enumerate(_objects(res, "reasonCode"))
        ]
        for i, diagnosis in enumerate(_objects(res, "diagnosis") if "diagnosis" in res else ()):
            target = diagnosis.get("condition")
            if not isinstance(target, dict):
                continue
            reference = target.get("reference")
            display = target.get("display")
            if isinstance(reference, str) and reference and not isinstance(display, str):
                continue  # a Condition read where it stands (in the Bundle, or contained)
            # with its words too: the Condition named may not be in the record (a search
            # without _include); where it is and names the same concept, it decides
            concept = target.get("concept")  # R5: a CodeableReference
            if not isinstance(concept, dict):
                concept = {"text": display} if isinstance(display, str) else None
            if concept is not None:
                reasons.append((concept, f"{ref}{VISIT_DIAGNOSIS}diagnosis[{i}]"))
        reasons.extend(_named_reasons(res, ref))
        self._visit_reasons(reasons, start, end)
        # the kind of visit ("Chemotherapy infusion visit", "Prenatal visit", a dialysis
        # service): what it names, to confirm; a kind that names nothing is not listed
        kinds: list[tuple[Resource, str]] = [
            (concept, f"{ref}{VISIT_DIAGNOSIS}type[{i}]")
            for i, concept in enumerate(_objects(res, "type"))
        ]
        service = res.get("serviceType")
        if isinstance(service, dict):
            kinds.append((service, f"{ref}{VISIT_DIAGNOSIS}serviceType"))
        looks_for: frozenset[str] = getattr(self.measures, "no_diagnosis_words", frozenset())
        kinds = [
            (concept, name)
            for concept, name in kinds
            if not any(
                isinstance(said, str) and _names_any(said, looks_for) for said in _words_of(concept)
            )
        ]
        self._visit_reasons(kinds, start, end, VISIT_KIND)

    def _visit_reasons(
        self,
        reasons: list[tuple[Resource, str]],
        start: date | None,
        end: date | None,
        confirm: str | None = None,
    ) -> None:
        """Diagnoses given as a visit's (or an order's) reasons, each a condition from
        ``start`` until ``encounter_days`` after ``end`` (no end: a visit still going,
        in force). ``confirm``: why each is to confirm (a visit's kind)."""
        days = getattr(self.measures, "encounter_days", None)
        until = days_after(end, int(days)) if end is not None and days else None
        for concept, name in reasons:
            codings = _codings(concept, name)
            text = _text(concept, name)
            if codings or text:
                self._encounter_reasons.append(
                    Condition(
                        ref=name,
                        codings=codings,
                        text=text,
                        onset=start,
                        abatement=until,
                        confirm=confirm,
                    )
                )

    def _read_contained(self, res: Resource, ref: str, kinds: tuple[str, ...]) -> None:
        """The resources of ``kinds`` a resource holds in ``contained``, read as if they
        stood in the Bundle, each named after its holder (``Encounter/e#c1``)."""
        # a result held by a report or a panel with no date of its own was measured when
        # they were (the platelet count of a dated blood count): it takes their date
        holds_results = res.get("resourceType") in ("DiagnosticReport", "Observation")
        dated = (
            {key: res[key] for key in _HOLDER_DATES if key in res}
            # a holder cancelled or entered in error dates nothing
            if holds_results and _status(res) not in OBSERVATION_VOID
            else {}
        )
        for index, item in enumerate(_objects(res, "contained")):
            kind = item.get("resourceType")
            if kind in kinds:
                if dated and kind == "Observation" and not any(k in item for k in _HOLDER_DATES):
                    item = {**item, **dated}
                local = item.get("id")
                name = f"{ref}#{local}" if isinstance(local, str) else f"{ref}#contained[{index}]"
                self._handlers[kind](self, item, name, None)

    def _visit_diagnoses(self) -> list[Condition]:
        """The encounters' diagnoses, less those a Condition of the record writes with the
        same codes (and no other words), not ended before the visit began: the engine
        would set them aside anyway (the
        problem list decides, :attr:`Condition.from_visit`), so they are not indexed. Bulk
        reads resources one at a time and leaves this to its SQL, with the same result."""
        if not self._encounter_reasons:
            return []
        written: dict[frozenset[Coding], list[Condition]] = {}
        for c in self._conditions:
            if c.codings:
                written.setdefault(frozenset(c.codings), []).append(c)

        def said(visit: Condition) -> bool:  # and not ended before the visit began
            return any(
                (visit.text is None or c.text == visit.text)
                and not (c.abatement and visit.onset and c.abatement < visit.onset)
                for c in written.get(frozenset(visit.codings), ())
            )

        return [c for c in self._encounter_reasons if not said(c)]

    def _of_another(self, res: Resource, ref: str) -> bool:
        """Whether an Observation is about someone other than the patient (a reading of the
        fetus, a newborn, a donor: not the patient's; its measure stays missing where
        nothing else gives it); else the readings and findings it holds are read
        (``contained``, named by ``hasMember`` or ``derivedFrom``: "#m1")."""
        if _about_another(res):
            self._ignored.append(Ignored(ref, ABOUT_ANOTHER))
            return True
        if "contained" in res:
            self._read_contained(res, ref, _HELD)
        return False

    def _observation(self, res: Resource, ref: str, full_url: str | None) -> None:
        if self._of_another(res, ref):
            return
        res = self._as_written(res, ref)
        # a value that is a pair of numbers ("192/118 mmHg") is a blood pressure by the
        # panel's pair names too (the German "RR": before one number, a respiratory rate)
        paired = _pair_valued(res)
        if _of_no_measure(res, self.measures):
            named = _as_named(res, self.measures, paired=paired)
            if named is not None:
                self._named_reading(*named, ref)
            return
        observations, ignored = observations_from_fhir(res, ref, self.measures)
        self._observations.extend(observations)
        self._ignored.extend(ignored)
        if not observations and ignored:
            self._valued_in_words(res, ref)
        if not observations and not ignored:
            named = _as_named(res, self.measures, paired=paired)
            if named is not None:
                self._named_reading(*named, ref)
                return
            self._ignored.extend(_text_readings(res, ref, self.measures))
        if not observations and not ignored and self._of_finding(res):
            coded = coded_observation_from_fhir(res, ref, _answer_words(self.measures))
            if coded is not None:
                self._coded.append(coded)
            measures = self.measures
            if not (
                _of_finding_code(res, _finding_codes(measures))
                or _of_finding_code(res, _concept_codes(measures))
            ):  # a KB finding's code says it already
                self._answers.extend(_observed_asked(res, ref, measures))
        if not observations and not ignored:
            for part in _finding_parts(res):
                if self._of_finding(part):
                    coded = coded_observation_from_fhir(part, ref, _answer_words(self.measures))
                    if coded is not None:
                        self._coded.append(coded)

    def _as_written(self, res: Resource, ref: str) -> Resource:
        """An Observation's notes read (:meth:`_noted`), and the Observation as its value
        says it: a ratio of two readings as their pair (:func:`_ratio_as_pair`)."""
        if "note" in res and _status(res) not in OBSERVATION_VOID:
            self._noted(res, ref)
        return _ratio_as_pair(res) if "valueRatio" in res else res

    def _valued_in_words(self, res: Resource, ref: str) -> None:
        """A measurement given as a code or in words ("Body temperature": Fever), set
        aside as a number: read as the finding it names."""
        if "valueCodeableConcept" in res or "valueString" in res:
            coded = coded_observation_from_fhir(res, ref, _answer_words(self.measures))
            if coded is not None:
                self._coded.append(coded)

    def _named_reading(self, named: Resource, said: Mapping[str, str], ref: str) -> None:
        self._ignored.extend(_named_readings(named, said, ref, self.measures))

    def _of_finding(self, res: Resource) -> bool:
        """An Observation whose value may record a condition: a coded value, a yes or no
        (``valueBoolean``, ``valueString``, ``valueInteger``), or no value at all (the
        finding of its code observed); and one under the code of a KB finding or concept
        whatever it holds (a quantity, a date, parts that qualify it: "Retention of
        urine" 800 mL, "Numbness of saddle area" with its severity). The engine decides
        which of them name a KB concept, and how surely."""
        return (
            "valueCodeableConcept" in res
            or _may_record_finding(res)
            or _of_finding_code(res, _finding_codes(self.measures))
            or _of_finding_code(res, _concept_codes(self.measures))
        )

    def _questionnaire_response(self, res: Resource, ref: str, full_url: str | None) -> None:
        answers, observations, ignored, stated = questionnaire_response_from_fhir(
            res, ref, self.measures
        )
        self._conditions.extend(stated)
        self._answers.extend(answers)
        self._observations.extend(observations)
        self._ignored.extend(ignored)

    def _bundle(self, res: Resource, ref: str, full_url: str | None) -> None:
        """A Bundle inside the record's Bundle (a document or a search result carried in a
        collection): its resources are read as if they stood in the record's, at most
        :data:`NESTED_BUNDLES` deep."""
        if self._nesting >= NESTED_BUNDLES:
            self._ignored.append(Ignored(ref, Message("a Bundle nested too deep is not read")))
            return
        self._nesting += 1
        part = _in_part(res)
        if part is not None:  # a search's Bundle, one page of it (a batch's answer)
            self.set_aside(ref, part)
        binaries = bundle_binaries(res)  # a document Bundle's own Binaries, linked to
        try:
            for resource, url in _entries(res, self.source):
                self.add(with_binaries(resource, binaries) if binaries else resource, url)
        finally:
            self._nesting -= 1

    def _list(self, res: Resource, ref: str, full_url: str | None) -> None:
        for item in list_entries(res, ref):
            self.add(item)
        self._listed(res, ref)
        if "note" in res and not (_voided(res) or _status(res) == "retired"):
            self._noted(res, ref)  # "DVT left leg on rivaroxaban" written on a problem list

    def _listed(self, res: Resource, ref: str) -> None:
        """The words of a List's entries that it does not hold (a problem or drug list that
        gives each entry by its ``display``, "Cauda equina syndrome", with or without a
        reference): read as a visit's diagnoses from the List's date, as the words of a
        reference are (:meth:`_pointed`): the entry may not be in the record; where it is
        and names the same concept, it decides. Not those of a deleted entry, nor of a
        retired or void List."""
        if _voided(res) or _status(res) == "retired":
            return
        reasons: list[tuple[Resource, str]] = []
        for index, entry in enumerate(_objects(res, "entry")):
            item = entry.get("item")
            if entry.get("deleted") is True or not isinstance(item, dict):
                continue
            target = item.get("reference")
            shown = item.get("display")
            if isinstance(target, str) and target.startswith("#"):
                continue  # held: read as the resource it is
            if isinstance(shown, str) and shown.strip():
                reasons.append(({"text": shown}, f"{ref}{VISIT_DIAGNOSIS}entry[{index}].item"))
        if reasons:
            start = _date_or_none(res, (("date", None),))
            self._visit_reasons(reasons, start, start)

    def _statements(self, res: Resource, ref: str, full_url: str | None) -> None:
        if not (
            res.get("resourceType") == "DocumentReference" and self._superseded(res, ref, full_url)
        ):
            self._conditions.extend(statements_from_fhir(res, ref))
        self._ignored.extend(unread_documents(res, ref))
        self._pointed(res, ref)
        if res.get("resourceType") == "ClinicalImpression" and "contained" in res:
            # the problems and findings an assessment holds (``problem``: "#c1")
            self._read_contained(res, ref, _HELD)

    def _superseded(self, res: Resource, ref: str, full_url: str | None) -> bool:
        """A document that says it replaces another (``relatesTo`` code ``replaces``) makes
        the record hold that one's replacement; a document superseded (``status``) is read,
        to confirm, where the record holds no document that replaces it (the newer version
        not sent: its words are the only ones the record has). True: ``res`` so kept."""
        withdrawn = _status(res) in _NOT_STATED  # entered in error: it replaces nothing
        for link in () if withdrawn else _objects(res, "relatesTo"):
            code = link.get("code")
            codes = [code] if isinstance(code, str) else [c.code for c in _said_by(code, "")[0]]
            target = link.get("target")
            named = target.get("reference") if isinstance(target, dict) else None
            if isinstance(named, str) and any(c.strip().lower() == "replaces" for c in codes):
                name = f"{REPLACED}{_local_ref(named.strip())}"
                self._held.add(name)
                self._replacing.append(name)
        if _stated_status(res) not in _SUPERSEDED:
            return False
        current = {**res, "status": "current"}
        if _withdrawn(current):
            return False  # the document itself entered in error
        self._replaced.extend(
            (f"{REPLACED}{ref}", said) for said in statements_from_fhir(current, ref)
        )
        if full_url:  # a document that replaces it may name it by its fullUrl
            self._replaced_urls.append((f"{REPLACED}{_local_ref(full_url)}", f"{REPLACED}{ref}"))
        return True

    def _other_statements(self, res: Resource, ref: str, full_url: str | None) -> None:
        """An imaging study, an adverse event, an episode of care, a message, a risk
        assessment or a care plan: what it says (see :func:`statements_from_fhir`),
        its notes, and the reasons it gives (a study's or a message's ``reasonCode``), read
        as a visit's diagnoses are."""
        conditions = statements_from_fhir(res, ref)
        if not conditions and _stated_status(res) in _NOT_SAID | _NOT_STATED:
            return
        self._conditions.extend(conditions)
        self._reasons(res, ref)
        self._pointed(res, ref)

    def _allergy(self, res: Resource, ref: str, full_url: str | None) -> None:
        """An allergy or intolerance in force: its reactions (a heparin-induced
        thrombocytopenia recorded as an allergy to heparin), never its substance, and its
        notes, each as a visit's diagnosis is read: from the reaction's (else the allergy's)
        latest date for ``encounter_days`` (clinic policy policy_encounter_diagnosis). A
        reaction is what happened at an exposure, not a state that lasts: a rash after
        penicillin in 2012 says nothing of today. One refuted, written in error, inactive or
        resolved says nothing; so do the reactions of an allergy of no date."""
        if _status_code(res, "verificationStatus") in ("refuted", ENTERED_IN_ERROR):
            return
        if _status_code(res, "clinicalStatus") in ("inactive", "resolved"):
            return
        said: list[tuple[Resource, str]] = []
        days: list[date] = []
        for i, reaction in enumerate(_objects(res, "reaction")):
            where = f"{ref}{VISIT_DIAGNOSIS}reaction[{i}]"
            for j, shown in enumerate(_as_list(reaction.get("manifestation"))):
                if isinstance(shown, dict):
                    said.append((shown, f"{where}.manifestation[{j}]"))
            description = reaction.get("description")
            if isinstance(description, str) and description.strip():
                said.append(({"text": description}, f"{where}.description"))
            onset = _date_or_none(reaction, (("onset", None),))
            if onset is not None:
                days.append(onset)
        said.extend(
            ({"text": text}, f"{ref}{VISIT_DIAGNOSIS}note[{i}]") for i, text in _annotations(res)
        )
        known = _date_or_none(res, _ALLERGY_DATES)
        latest = max([*days, *([known] if known else [])], default=None)
        if said and latest is not None:
            self._visit_reasons(said, latest, latest)

    def _device(self, res: Resource, ref: str, full_url: str | None) -> None:
        """A device of the patient's (``patient``: a pacemaker, an assist device), in use
        now unless inactive or written in error: its kind, names and notes, to confirm. A
        device of no patient (the monitor a reading was taken with) says nothing of one."""
        if res.get("patient") is None or _status(res) in ("inactive", ENTERED_IN_ERROR):
            return
        self._conditions.extend(statements_from_fhir(res, ref))

    def _pointed(self, res: Resource, ref: str) -> None:
        """The words of the diagnoses a care plan addresses, an adverse event resulted in,
        an episode of care or an assessment names by reference (with a ``display``): read
        as a visit's diagnoses from the resource's date, as a reason given by reference is
        (see :func:`_named_reasons`): the Condition may not be in the record; where it is
        and names the same concept, it decides. Those named only in words are read as what
        the resource says (:func:`statements_from_fhir`)."""
        kind = str(res.get("resourceType"))
        if kind not in _STATED_DATES or _stated_status(res) in _NOT_SAID | _NOT_STATED:
            return
        lists = [(key, res.get(key)) for key in ("addresses", "resultingCondition", "problem")]
        for i, item in enumerate(_objects(res, "diagnosis") if kind == "EpisodeOfCare" else ()):
            lists.append((f"diagnosis[{i}].condition", [item.get("condition")]))
        for i, item in enumerate(_objects(res, "finding") if kind == "ClinicalImpression" else ()):
            lists.append((f"finding[{i}].itemReference", [item.get("itemReference")]))
        reasons: list[tuple[Resource, str]] = [
            ({"text": shown}, f"{ref}{VISIT_DIAGNOSIS}{key}[{n}]")
            for key, items in lists
            for n, shown in _displays(items, pointing=True)
            if isinstance(items, list) and isinstance(items[n], dict) and items[n].get("reference")
        ]
        if reasons:
            start = _date_or_none(res, _STATED_DATES[kind])
            self._visit_reasons(reasons, start, start)

    def _diagnostic_report(self, res: Resource, ref: str, full_url: str | None) -> None:
        """Observations a report holds in ``contained`` (those it names by reference
        are read where they stand in the Bundle); its conclusion (see
        :func:`statements_from_fhir`)."""
        if any(field in res for field in _REPORT_CONTENT[1:]) or _narrative_is_report(res):
            self._statements(res, ref, full_url)
        self._read_contained(res, ref, ("Observation",))

    def _medication_order(self, res: Resource, ref: str, full_url: str | None) -> None:
        if _voided(res):
            self._ignored.append(Ignored(ref, ENTERED_IN_ERROR_NOTE))
        else:
            # converted in build(): the Medication it names may come later
            self._medication_orders.append((res, ref))
            self._reasons(res, ref, lasting=_taken_until)
            if "note" in res and _status(res) not in ("cancelled", "entered-in-error"):
                # "Pt also takes warfarin from outside cardiologist", on another drug
                self._noted(res, ref)

    def _medication(self, res: Resource, ref: str, full_url: str | None) -> None:
        self._medications[ref] = res
        if full_url:
            self._medications[full_url] = res
            self._medications.setdefault(_local_ref(full_url), res)

    def _resolve_medication(self, reference: str) -> Resource | None:
        found = self._medications.get(reference)
        if found is None:
            found = self._medications.get(_local_ref(reference))
        return found

    def _procedure(self, res: Resource, ref: str, full_url: str | None) -> None:
        if _voided(res):
            self._ignored.append(Ignored(ref, ENTERED_IN_ERROR_NOTE))
        else:
            self._procedures.append(procedure_from_fhir(res, ref))
            self._reasons(res, ref)
            if "note" in res or "complication" in res or "outcome" in res:
                self._noted(res, ref)

    def _outcome(self, res: Resource, ref: str, full_url: str | None) -> None:
        """What the EHR says it left out of the record or could not give (an
        OperationOutcome beside a search's results: "Access to Condition denied",
        "sensitive diagnoses withheld"): listed as not read, never dropped; it decides
        nothing (as a document not read: docs/screening.md)."""
        issues = res.get("issue")
        for issue in (issues if isinstance(issues, list) else [])[:5]:
            if not isinstance(issue, dict) or issue.get("severity") not in _SAYS_MISSING:
                continue
            details = issue.get("details")
            said = issue.get("diagnostics")
            if not (isinstance(said, str) and said.strip()) and isinstance(details, dict):
                said = _text(details, "issue.details") or next(
                    (c.display for c in _codings(details, "issue.details") if c.display), None
                )
            if isinstance(said, str) and said.strip():
                words = " ".join(said.split())[:160]
                self._ignored.append(Ignored(ref, Message(RECORD_INCOMPLETE, said=words)))
            else:
                self._ignored.append(Ignored(ref, Message(RECORD_INCOMPLETE_UNSAID)))

    def set_aside(self, ref: str, reason: Message) -> None:
        """What the record says of itself that is not read (``reason``: one of
        :data:`~spinecare.record.model.NOT_READ_REASONS`), shown beside the screening."""
        self._ignored.append(Ignored(ref, reason))

    def _order(self, res: Resource, ref: str, full_url: str | None) -> None:
        if _voided(res):
            self._ignored.append(Ignored(ref, ENTERED_IN_ERROR_NOTE))
        else:
            self._orders.append(order_from_fhir(res, ref))
            self._reasons(res, ref)
            if ("note" in res or "patientInstruction" in res) and _status(res) not in (
                "revoked",
                "entered-in-error",
            ):
                self._noted(res, ref)

    def _reasons(
        self,
        res: Resource,
        ref: str,
        lasting: Callable[[Resource, str], tuple[date | None] | None] | None = None,
    ) -> None:
        """Why a procedure was done or a drug or service ordered: a diagnosis a Condition
        it holds in ``contained`` gives (read as any Condition), or one written in its
        ``reasonCode`` (or an R5 ``reason`` concept), which counts as a visit's diagnosis
        does: from the resource's date for ``encounter_days`` (clinic policy
        policy_encounter_diagnosis), set aside where the problem list names the same
        concept. ``lasting``: the last day the resource goes on (a drug: its course's end,
        none while it is taken with no end), for its reasons to count as long, where it
        gives one (:func:`_taken_until`)."""
        if (
            "reasonCode" not in res
            and "reason" not in res
            and "contained" not in res
            and "reasonReference" not in res
        ):
            return  # most of them: Synthea and most EHRs name a Condition of the record
        if _status(res) in ("cancelled", "not-done", "revoked"):
            return
        self._read_contained(res, ref, ("Condition",))
        concepts = list(_objects(res, "reasonCode"))
        for reason in _objects(res, "reason"):  # R5: CodeableReference
            concept = reason.get("concept")
            if isinstance(concept, dict):
                concepts.append(concept)
        reasons = [(c, f"{ref}{VISIT_DIAGNOSIS}reason[{i}]") for i, c in enumerate(concepts)]
        reasons.extend(_named_reasons(res, ref))
        if not reasons:
            return
        start = _date_or_none(res, _REASON_DATES)
        until = lasting(res, ref) if lasting is not None else None
        self._visit_reasons(reasons, start, until[0] if until is not None else start)

    def _noted(self, res: Resource, ref: str) -> None:
        """What a note on a reading, a procedure or an order says (``note``), and a
        procedure's complications and outcome, read as a statement of the patient's
        condition to confirm (as an alert's or a report's words are), from the resource's
        date: "Patient reports saddle anaesthesia" written on a temperature reading, or a
        vertebral fracture as the complication of a fall, is not dropped. A note or a
        complication of another shape is passed over, never the reason the resource is set
        aside."""
        said: list[tuple[str, tuple[Coding, ...], str | None]] = [
            (f"{ref}#note[{i}]", (), text) for i, text in _annotations(res)
        ]
        instruction = res.get("patientInstruction")  # an order's words to the patient
        if isinstance(instruction, str):
            said.append((f"{ref}#patientInstruction", (), instruction))
        if res.get("resourceType") == "Procedure":
            complications = res.get("complication")
            concepts = [
                (f"complication[{i}]", concept)
                for i, concept in enumerate(
                    complications if isinstance(complications, list) else ()
                )
            ]
            concepts.append(("outcome", res.get("outcome")))
            for where, concept in concepts:
                if not isinstance(concept, dict):
                    continue
                try:
                    said.append((f"{ref}#{where}", _codings(concept, where), _text(concept, where)))
                except _Bad:
                    continue
        if not said:
            return
        try:
            start = _date_or_none(res, _REASON_DATES)
            start_last = _span_last(res, _REASON_DATES, start)
        except _Bad:
            start = start_last = None
        self._conditions.extend(
            Condition(
                ref=name,
                codings=codings,
                text=text,
                onset=start,
                confirm=NOTED_ELSEWHERE,
                onset_last=start_last,
            )
            for name, codings, text in said
            if codings or (text and text.strip())
        )

    def _claim(self, res: Resource, ref: str, full_url: str | None) -> None:
        """The diagnoses a bill gives (Claim, ExplanationOfBenefit: ``diagnosis`` with
        ``diagnosisCodeableConcept``), the codes of the visit billed: each counts as a visit's
        diagnosis does, from the billed period (or the date of the bill) for
        ``encounter_days`` after it (clinic policy policy_encounter_diagnosis). A diagnosis
        given by reference is read where the Condition stands."""
        if not ("diagnosis" in res or "item" in res or "procedure" in res) or _voided(res):
            return
        if _status(res) == "cancelled":
            return
        if "contained" in res:  # a diagnosis given by reference to a Condition it holds
            self._read_contained(res, ref, ("Condition",))
        start = _date_or_none(res, (("billablePeriod", "start"), ("created", None)))
        end = _date_or_none(res, (("billablePeriod", "end"),)) or start
        self._filled(res, ref, start)
        self._billed_procedures(res, ref)
        reasons: list[tuple[Resource, str]] = [
            (concept, f"{ref}{VISIT_DIAGNOSIS}diagnosis[{i}]")
            for i, diagnosis in enumerate(_objects(res, "diagnosis"))
            if isinstance(concept := diagnosis.get("diagnosisCodeableConcept"), dict)
        ]
        self._visit_reasons(reasons, start, end)

    def _filled(self, res: Resource, ref: str, billed: date | None) -> None:
        """The drugs a pharmacy bill gives (an item whose ``productOrService`` is an NDC,
        RxNorm or ATC code), each read as the dispense it bills: handed over on the item's
        date (or the billed date) for the days supplied (CARIN Blue Button
        ``supportingInfo`` category ``dayssupply``)."""
        days = None
        for info in _objects(res, "supportingInfo"):
            category = _codings(_obj(info, "category"), "supportingInfo.category")
            if any(c.code.strip().casefold() == "dayssupply" for c in category):
                days = info.get("valueQuantity")
        for i, item in enumerate(_objects(res, "item")):
            product = _obj(item, "productOrService")
            codings = _codings(product, f"item[{i}].productOrService")
            if not any(c.system in _DRUG_SYSTEMS for c in codings):
                continue
            when = _date_or_none(item, (("servicedDate", None), ("servicedPeriod", "start")))
            dispense: dict[str, Any] = {
                "resourceType": "MedicationDispense",
                "status": "completed",
                "medicationCodeableConcept": product,
            }
            day = when or billed
            if day is not None:
                dispense["whenHandedOver"] = day.isoformat()
            if isinstance(days, dict):
                dispense["daysSupply"] = days
            self._medication_orders.append((dispense, f"{ref}#item[{i}]"))

    def _charge_item(self, res: Resource, ref: str, full_url: str | None) -> None:
        """A charge for a service (ChargeItem): a procedure code (CPT, ICD-10-PCS, OPS) is
        the operation billed, done on the charge's ``occurrence[x]`` (planned: in
        preparation); its ``reason`` is read as a bill's diagnosis is, from that date for
        ``encounter_days``. One aborted or written in error says nothing."""
        status = _status(res)
        if _voided(res) or status == "aborted":
            return
        dates = (
            ("occurrenceDateTime", "performedDateTime"),
            ("occurrencePeriod", "performedPeriod"),
            ("enteredDate", "performedDateTime"),
        )
        product = _obj(res, "code")
        codings = _codings(product, "code")
        if product is not None and any(_billed_operation(c) for c in codings):
            done = _billed_procedure(
                product, "preparation" if status == "planned" else "completed", res, dates, {}
            )
            self._procedures.append(procedure_from_fhir(done, f"{ref}#code"))
        occurred = (("occurrenceDateTime", None), ("occurrencePeriod", "start"))
        start = _date_or_none(res, (*occurred, ("enteredDate", None)))
        end = _date_or_none(res, (("occurrencePeriod", "end"),)) or start
        reasons = [
            (concept, f"{ref}{VISIT_DIAGNOSIS}reason[{i}]")
            for i, concept in enumerate(_objects(res, "reason"))
        ]
        self._visit_reasons(reasons, start, end)

    def _billed_procedures(self, res: Resource, ref: str) -> None:
        """The operations a bill gives, each read as a Procedure: its ``procedure`` entries
        (``procedureCodeableConcept``, on their ``date``) and the lines whose
        ``productOrService`` is a procedure code (CPT, also as HCPCS Level I; ICD-10-PCS;
        OPS), on the line's date; failing a date, over the billed period. Those of a
        preauthorization or predetermination (``use``) are planned, not done: read as in
        preparation. A procedure given by reference is read where the Procedure stands (one
        the bill holds in ``contained`` too); one the record may not hold, by its display's
        words."""
        status = "preparation" if res.get("use") in _PLANNED_USES else "completed"
        billed = {k: res[k] for k in ("billablePeriod", "created") if k in res}
        dated = (("date", "performedDateTime"),)
        held = {
            f"#{part['id']}": part
            for part in _objects(res, "contained")
            if part.get("resourceType") == "Procedure" and isinstance(part.get("id"), str)
        }
        for i, entry in enumerate(_objects(res, "procedure")):
            concept = entry.get("procedureCodeableConcept")
            pointed = entry.get("procedureReference")
            target = pointed.get("reference") if isinstance(pointed, dict) else None
            if not isinstance(concept, dict) and isinstance(target, str) and target in held:
                # one the bill holds: read as it is, dated by the entry where it has no date
                part = held.pop(target)
                name = f"{ref}{target}"
                if not any(key.startswith("performed") for key in part):
                    part = {"status": status, **_billed_dates(entry, dated, billed), **part}
                self._procedures.append(procedure_from_fhir(part, name))
                continue
            if not isinstance(concept, dict) and isinstance(pointed, dict):
                # one the record may not hold: by the words of its display
                shown = pointed.get("display")
                if isinstance(shown, str) and shown.strip():
                    concept = {"text": shown}
            if isinstance(concept, dict):
                done = _billed_procedure(concept, status, entry, dated, billed)
                self._procedures.append(procedure_from_fhir(done, f"{ref}#procedure[{i}]"))
        for target, part in held.items():  # held, named by no entry
            self._procedures.append(procedure_from_fhir(part, f"{ref}{target}"))
        served = (("servicedDate", "performedDateTime"), ("servicedPeriod", "performedPeriod"))
        for i, item in enumerate(_objects(res, "item")):
            product = _obj(item, "productOrService")
            codings = _codings(product, f"item[{i}].productOrService")
            if product is not None and any(_billed_operation(c) for c in codings):
                done = _billed_procedure(product, status, item, served, billed)
                self._procedures.append(procedure_from_fhir(done, f"{ref}#item[{i}]"))

    def _family_member_history(self, res: Resource, ref: str, full_url: str | None) -> None:
        self._ignored.append(Ignored(ref, FAMILY_HISTORY))

    # The handler of each resource type the record reads. A class table of plain functions
    # (called with the builder), not bound methods kept on each builder: those would tie
    # every builder into a reference cycle that only the cyclic collector frees (bulk
    # screening makes one builder per resource).
    _handlers: ClassVar[dict[str, Callable[[RecordBuilder, Resource, str, str | None], None]]] = {
        "Patient": _patient,
        "Condition": _condition,
        "Observation": _observation,
        "MedicationRequest": _medication_order,
        "MedicationStatement": _medication_order,
        "MedicationDispense": _medication_order,
        "MedicationAdministration": _medication_order,
        "DiagnosticReport": _diagnostic_report,
        "QuestionnaireResponse": _questionnaire_response,
        "Medication": _medication,
        "Substance": _medication,  # an ingredient a Medication names by reference
        "Procedure": _procedure,
        "ServiceRequest": _order,
        "FamilyMemberHistory": _family_member_history,
        "Encounter": _encounter,
        "Claim": _claim,
        "ExplanationOfBenefit": _claim,
        "ChargeItem": _charge_item,
        "Flag": _statements,
        "ClinicalImpression": _statements,
        "DetectedIssue": _statements,
        "DocumentReference": _statements,
        "Composition": _statements,
        "ImagingStudy": _other_statements,
        "AdverseEvent": _other_statements,
        "EpisodeOfCare": _other_statements,
        "Communication": _other_statements,
        "RiskAssessment": _other_statements,
        "CarePlan": _other_statements,
        "Task": _other_statements,
        "CareTeam": _other_statements,
        "DeviceUseStatement": _other_statements,
        "Immunization": _other_statements,
        "Appointment": _other_statements,
        "Goal": _other_statements,
        "DeviceRequest": _other_statements,
        "CommunicationRequest": _other_statements,
        "BodyStructure": _other_statements,
        "Specimen": _other_statements,
        "Media": _other_statements,
        "Basic": _other_statements,
        "NutritionOrder": _other_statements,
        "GuidanceResponse": _other_statements,
        "RequestGroup": _other_statements,
        "AllergyIntolerance": _allergy,
        "Device": _device,
        "List": _list,
        "Bundle": _bundle,
        "OperationOutcome": _outcome,
    }


_KIND_ALIASES = {
    "MedicationOrder": "MedicationRequest",  # DSTU2
    "DiagnosticOrder": "ServiceRequest",  # DSTU2
    "ProcedureRequest": "ServiceRequest",  # STU3
    "ReferralRequest": "ServiceRequest",  # STU3
    "MedicationUsage": "MedicationStatement",  # R5
    "DeviceUsage": "DeviceUseStatement",  # R5
}
"""Resources of other FHIR versions that R4 names otherwise, read as the R4 resource."""
_KINDS = {kind.casefold(): kind for kind in RecordBuilder._handlers}
"""The resource types the reader reads, by their names without case."""


def read_as(kind: str) -> str:
    """The resource type a resource of type ``kind`` is read as: an earlier FHIR version's
    name of a resource R4 renamed (:data:`_KIND_ALIASES`), or a type the reader reads
    written in another case or with spaces ("condition", " Condition"), as that type;
    any other as itself."""
    if kind in RecordBuilder._handlers:
        return kind
    return _KIND_ALIASES.get(kind) or _KINDS.get(kind.strip().casefold()) or kind


# ---------------------------------------------------------------------------------------
# Bundles


def _load(data_or_path: str | os.PathLike[str] | bytes, source: str) -> Any:
    from spinecare.documents import load_document

    return load_document(data_or_path, source, yaml_allowed=False)


def _about_the_search(entry: Resource) -> bool:
    """An entry about the search, not the patient (``search.mode`` outcome), other than an
    OperationOutcome, which is read (the EHR saying it left something out:
    :meth:`RecordBuilder._outcome`)."""
    search = entry.get("search")
    mode = search.get("mode") if isinstance(search, dict) else None
    if not (isinstance(mode, str) and mode.strip().lower() == SEARCH_OUTCOME):
        return False
    resource = entry.get("resource")
    return not (isinstance(resource, dict) and resource.get("resourceType") == "OperationOutcome")


def _history_key(entry: Resource, index: int) -> str:
    """Which resource a history Bundle's entry is a version of."""
    resource = entry.get("resource")
    full_url = entry.get("fullUrl")
    full_url = full_url if isinstance(full_url, str) else None
    request = entry.get("request")
    url = request.get("url") if isinstance(request, dict) else None
    if isinstance(resource, dict):
        return resource_ref(resource, full_url, f"#{index}")
    if isinstance(url, str):
        return _local_ref(url)
    return full_url or f"#{index}"


def _newest_versions(entries: list[Any]) -> dict[str, int]:
    """For each resource a history Bundle holds in several versions, the index of its
    newest: FHIR lists the newest first, but where every version gives when it was made
    (``meta.lastUpdated``, a deletion's ``response.lastModified``) or its number
    (``meta.versionId``), those decide (a history written oldest first)."""
    versions: dict[str, list[tuple[int, Any, Any]]] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        resource = entry.get("resource")
        meta = resource.get("meta") if isinstance(resource, dict) else None
        meta = meta if isinstance(meta, dict) else {}
        response = entry.get("response")
        made = meta.get("lastUpdated") or (
            response.get("lastModified") if isinstance(response, dict) else None
        )
        number = meta.get("versionId")
        count = (
            int(number)
            if isinstance(number, str) and number.isascii() and number.isdigit()
            else None
        )
        versions.setdefault(_history_key(entry, index), []).append((index, _made_at(made), count))
    out: dict[str, int] = {}
    for key, found in versions.items():
        if len(found) < 2:
            continue
        if all(made is not None for _, made, _ in found):
            out[key] = max(found, key=lambda v: (v[1], -v[0]))[0]
        elif all(number is not None for _, _, number in found):
            out[key] = max(found, key=lambda v: (v[2], -v[0]))[0]
    return out


def _made_at(value: object) -> float | None:
    """A FHIR instant as POSIX seconds (None when it is none or cannot be read)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.timestamp() if moment.tzinfo is not None else None


_SAYS_MISSING = frozenset({"fatal", "error", "warning"})
"""The severities of an OperationOutcome's issue that may say part of the record is missing."""


def _failed_request(entry: Mapping[str, Any]) -> Resource | None:
    """What an entry of a batch's answer says of a request that failed (``response.status``
    4xx or 5xx: "404 Not Found", "403"), as the OperationOutcome the EHR sent with it, else
    one naming the status: the part of the record it asked for is missing, listed as the
    EHR's warnings are (:meth:`RecordBuilder._outcome`). None for any other entry (a
    success, "304 Not Modified")."""
    response = entry.get("response")
    status = response.get("status") if isinstance(response, dict) else None
    if isinstance(status, int) and not isinstance(status, bool):
        status = str(status)  # written as a number: 404
    if not isinstance(status, str) or status.strip()[:1] not in ("4", "5"):
        return None
    said = " ".join(status.split())[:80]
    issues: list[Any] = [{"severity": "error", "diagnostics": said}]
    outcome = response.get("outcome") if isinstance(response, dict) else None
    if isinstance(outcome, dict) and outcome.get("resourceType") == "OperationOutcome":
        told = outcome.get("issue")
        told = told if isinstance(told, list) else []
        if any(isinstance(i, dict) and i.get("severity") in _SAYS_MISSING for i in told):
            return outcome  # its own words say what failed
        issues = [*told, *issues]  # its words say nothing of a failure: the status too
    return {"resourceType": "OperationOutcome", "issue": issues}


def _entries(bundle: Resource, source: str) -> list[tuple[Resource, str | None]]:
    """The resources a Bundle holds, with their fullUrls, in order."""
    entries = bundle.get("entry")
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise RecordError(
            Message(NOT_A_LIST, field="Bundle.entry", kind=_kind(entries)), source=source
        )
    history = bundle.get("type") == "history"
    newest = _newest_versions(entries) if history else {}
    seen: set[str] = set()
    out: list[tuple[Resource, str | None]] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise RecordError(
                Message(NOT_AN_OBJECT, field=f"Bundle.entry[{index}]", kind=_kind(entry)),
                source=source,
            )
        if _about_the_search(entry):
            continue
        full_url = entry.get("fullUrl")
        if full_url is not None and not isinstance(full_url, str):
            raise RecordError(
                Message(NOT_A_STRING, field=f"Bundle.entry[{index}].fullUrl", kind=_kind(full_url)),
                source=source,
            )
        resource = entry.get("resource")
        if history:
            # the newest version (first, as FHIR orders a history, unless the versions'
            # dates or numbers say otherwise); a DELETE removes the resource
            key = _history_key(entry, index)
            if key in seen or newest.get(key, index) != index:
                continue
            seen.add(key)
        if resource is None:  # a request without a body (DELETE, GET), or one that failed
            failed = _failed_request(entry)
            if failed is not None:
                out.append((failed, None))
            continue
        if not isinstance(resource, dict):
            raise RecordError(
                Message(
                    NOT_AN_OBJECT, field=f"Bundle.entry[{index}].resource", kind=_kind(resource)
                ),
                source=source,
            )
        out.append((resource, full_url))
    return out


def bundle_resources(bundle: Resource, source: str) -> list[Resource]:
    """The resources a Bundle holds (a document or a search result carried as one line of
    an export), those of a Bundle inside it in their place, read as
    :meth:`RecordBuilder.add` reads a Bundle inside the record's: at most
    :data:`NESTED_BUNDLES` deep, a history's older versions and deleted resources left
    out. Raises :class:`RecordError` for an entry of another shape."""
    out: list[Resource] = []

    def walk(node: Resource, level: int) -> None:
        binaries = bundle_binaries(node)
        for resource, _ in _entries(node, source):
            if resource.get("resourceType") != "Bundle":
                out.append(with_binaries(resource, binaries) if binaries else resource)
            elif level + 1 < NESTED_BUNDLES:
                walk(resource, level + 1)

    walk(bundle, 0)
    return out


def read_bundle(
    data_or_path: str | os.PathLike[str] | bytes | Mapping[str, Any],
    measures: Measures,
    source: str | None = None,
) -> PatientRecord:
    """Read one patient's FHIR R4 Bundle.

    ``data_or_path``: a path (a ``str`` is always a path) to JSON or gzip JSON (told apart
    by the gzip magic bytes, not the extension), the file's bytes, or the parsed dict.
    ``source`` names the input in errors and in the record (default: the path as given).
    Raises :class:`RecordError` (or :class:`UnitError`) with a one-line message.
    """
    if isinstance(data_or_path, Mapping):
        return _read_bundle(data_or_path, measures, source or "<memory>")
    if isinstance(data_or_path, bytes | bytearray | memoryview):
        name = source or "<memory>"
    else:
        name = source or os.fspath(data_or_path)
    from spinecare.documents import collector_held

    # the parsed Bundle is read and let go before the collector runs again: it never walks it
    with collector_held():
        data = _load(data_or_path, name)
        try:
            return _read_bundle(data, measures, name)
        finally:
            del data


TWO_BIRTH_DATES = N_(
    "the patient's details are written twice with two birth dates, %(first)s and %(other)s:"
    " confirm the date of birth"
)

NESTED_BUNDLES = 3
"""How deep Bundles inside a record's Bundle are read."""


def _read_bundle(data: Any, measures: Measures, name: str) -> PatientRecord:
    if not isinstance(data, Mapping):
        raise RecordError(
            Message("JSON but not a FHIR resource (the top level is %(kind)s)", kind=_kind(data)),
            source=name,
        )
    kind = data.get("resourceType")
    if not isinstance(kind, str):
        raise RecordError(Message("JSON but not a FHIR resource (no resourceType)"), source=name)
    if kind != "Bundle":
        raise RecordError(
            Message("not a Bundle: the file holds a %(kind)s resource", kind=kind), source=name
        )
    bundle_type = data.get("type")
    if bundle_type is not None and (
        not isinstance(bundle_type, str) or bundle_type not in BUNDLE_TYPES
    ):
        allowed = ", ".join(sorted(BUNDLE_TYPES))
        raise RecordError(
            Message(
                "Bundle type %(type)s does not hold a patient record (expected %(allowed)s)",
                type=repr(bundle_type),
                allowed=allowed,
            ),
            source=name,
        )
    return _read_entries(data, measures, name, bundle_type)


def bundle_binaries(data: Mapping[str, Any]) -> dict[str, Resource]:
    """The Binary resources of a Bundle, by the references an attachment's ``url`` may
    give them (``Binary/b1``, the entry's full URL): a document's content is often a link
    to a Binary in the same Bundle (``$everything``, a document Bundle)."""
    out: dict[str, Resource] = {}
    entries = data.get("entry")
    for entry in entries if isinstance(entries, list) else ():
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or resource.get("resourceType") != "Binary":
            continue
        rid = resource.get("id")
        if isinstance(rid, str) and rid:
            out[f"Binary/{rid}"] = resource
        full_url = entry.get("fullUrl")
        if isinstance(full_url, str) and full_url:
            out[full_url] = resource
            parts = full_url.rstrip("/").split("/")
            if len(parts) >= 2 and parts[-2] == "Binary":  # "https://ehr/fhir/Binary/b1"
                out.setdefault("/".join(parts[-2:]), resource)  # linked as "Binary/b1"
    return out


def bundle_questionnaires(data: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The words of each question of the Questionnaires a Bundle holds (its ``text``, else
    the names of its codes), by ``linkId``, under every name a response may give the form
    (its ``url``, with a ``|version`` or without, ``Questionnaire/id``, the entry's full
    URL): a response sent beside its form often answers by ``linkId`` alone."""
    entries = data.get("entry")
    return forms_by_name(
        (entry.get("resource"), entry.get("fullUrl"))
        for entry in (entries if isinstance(entries, list) else ())
        if isinstance(entry, dict)
    )


def forms_by_name(forms: Iterable[tuple[object, object]]) -> dict[str, dict[str, str]]:
    """The words of each question of ``forms`` (``(Questionnaire, its full URL)``; any
    other resource passed over), as :func:`bundle_questionnaires` gives them: those of a
    Bundle, or of a Bulk export's Questionnaire file."""
    out: dict[str, dict[str, str]] = {}
    for form, full_url in forms:
        if not isinstance(form, dict) or form.get("resourceType") != "Questionnaire":
            continue
        asked: dict[str, str] = {}
        _questions(form.get("item"), asked)
        if not asked:
            continue
        names = [form.get("url"), full_url]
        if isinstance(form.get("id"), str):
            names.append(f"Questionnaire/{form['id']}")
        if isinstance(form.get("url"), str) and isinstance(form.get("version"), str):
            names.append(f"{form['url']}|{form['version']}")
        for name in names:
            if isinstance(name, str) and name.strip():
                out[name.strip()] = asked
    return out


def _questions(items: object, asked: dict[str, str]) -> None:
    """Each question's words by its ``linkId``, groups inside groups too."""
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict):
            continue
        link, text = item.get("linkId"), item.get("text")
        if not (isinstance(text, str) and text.strip()):
            codes = item.get("code")
            names = [c.get("display") for c in _as_list(codes) if isinstance(c, dict)]
            text = "; ".join(n.strip() for n in names if isinstance(n, str) and n.strip())
        if isinstance(link, str) and text:
            asked[link] = text.strip()
        _questions(item.get("item"), asked)


def with_questions(res: Resource, questionnaires: Mapping[str, Mapping[str, str]]) -> Resource:
    """A QuestionnaireResponse whose items give no words of their own holding those of
    its form's questions (:func:`bundle_questionnaires`), as if written in place: an answer
    to "Numbness in the saddle area?" is read as that question's answer, never dropped
    for its ``linkId``. Any other resource as it is."""
    if res.get("resourceType") != "QuestionnaireResponse" or not questionnaires:
        return res
    named = res.get("questionnaire")
    if not isinstance(named, str):
        return res
    written = named.strip().split("|")[0]
    # by its address as written, else by its last two parts ("https://ehr/fhir/Questionnaire/
    # q1" is Questionnaire/q1: a Bulk export's forms carry no full URL), as a Binary is
    asked = (
        questionnaires.get(named.strip())
        or questionnaires.get(written)
        or questionnaires.get(_local_ref(written))
    )
    if not asked:
        return res
    return {**res, "item": _worded(res.get("item"), asked)}


def _worded(items: object, asked: Mapping[str, str]) -> object:
    if not isinstance(items, list):
        return items
    out: list[object] = []
    for item in items:
        if isinstance(item, dict):
            item = dict(item)
            text = item.get("text")
            link = item.get("linkId")
            worded = isinstance(text, str) and text.strip()
            if not worded and isinstance(link, str) and link in asked:
                item["text"] = asked[link]
            if "item" in item:
                item["item"] = _worded(item["item"], asked)
            answers = item.get("answer")
            if isinstance(answers, list):
                item["answer"] = [
                    {**a, "item": _worded(a["item"], asked)}
                    if isinstance(a, dict) and "item" in a
                    else a
                    for a in answers
                ]
        out.append(item)
    return out


def in_bundle(
    res: Resource,
    binaries: Mapping[str, Resource],
    questionnaires: Mapping[str, Mapping[str, str]],
) -> Resource:
    """A resource with what the Bundle around it gives it: the content of the Binaries its
    attachments link to, the words of the questions it answers."""
    if binaries:
        res = with_binaries(res, binaries)
    return with_questions(res, questionnaires)


def _linked_binary(url: str, binaries: Mapping[str, Resource]) -> Resource | None:
    """The Binary ``url`` names: as written, or by its last two parts
    (``https://ehr.example/fhir/Binary/b1``, ``Binary/b1/_history/2``)."""
    found = binaries.get(url)
    if found is None:
        parts = url.split("/_history/", 1)[0].rstrip("/").split("/")
        found = binaries.get("/".join(parts[-2:])) if len(parts) >= 2 else None
    return found


def _with_own_binaries(res: Resource) -> Resource:
    """``res`` with each attachment that links to a Binary it holds itself (``url``
    "#b1", the Binary in ``contained``) holding that Binary's content, as
    :func:`with_binaries` does for a Binary of the Bundle."""
    contained = res.get("contained")
    own = {
        f"#{item['id']}": item
        for item in (contained if isinstance(contained, list) else ())
        if isinstance(item, dict)
        and item.get("resourceType") == "Binary"
        and isinstance(item.get("id"), str)
    }
    return with_binaries(res, own) if own else res


def with_binaries(node: Any, binaries: Mapping[str, Resource]) -> Any:
    """``node`` with each attachment that links to a Binary of the Bundle (``url``, no
    ``data``) holding that Binary's content, as if written in place: read as one."""
    if isinstance(node, list):
        return [with_binaries(item, binaries) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: with_binaries(value, binaries) for key, value in node.items()}
    url = out.get("url")
    if out.get("data") is None and isinstance(url, str) and url:
        binary = _linked_binary(url, binaries)
        if binary is not None and isinstance(binary.get("data"), str):
            out["data"] = binary["data"]
            if isinstance(binary.get("contentType"), str):
                out["contentType"] = binary["contentType"]
    return out


def next_page(bundle: Mapping[str, Any]) -> str | None:
    """The address of a search Bundle's next page (its ``link`` of relation ``next``)."""
    links = bundle.get("link")
    for link in links if isinstance(links, list) else ():
        if isinstance(link, dict) and link.get("relation") == "next":
            url = link.get("url")
            return url if isinstance(url, str) and url.strip() else None
    return None


def _in_part(data: Mapping[str, Any]) -> Message | None:
    """Why a search Bundle holds only part of what was found (a ``next`` page not sent, a
    ``total`` above the entries it holds: "$everything" answered page by page); None for
    a whole one. Only a search's Bundle (``searchset``, ``history``) is paged (FHIR
    bdl-1): a ``collection``, a ``document`` or a ``transaction`` that carries a ``next``
    link or a ``total`` is whole."""
    if data.get("type") not in ("searchset", "history", None):
        return None
    entries = data.get("entry")
    held = sum(
        1
        for e in (entries if isinstance(entries, list) else ())
        if isinstance(e, dict) and isinstance(e.get("resource"), dict)
    )
    total = data.get("total")
    counted = isinstance(total, int) and not isinstance(total, bool) and total > held
    if counted:
        return Message(RECORD_PAGED, held=held, total=total)
    return Message(RECORD_PAGED_UNCOUNTED) if next_page(data) is not None else None


def _read_entries(
    data: Mapping[str, Any], measures: Measures, name: str, bundle_type: object
) -> PatientRecord:
    builder = RecordBuilder(measures, name)
    builder.check_subjects()
    entries = data.get("entry")
    binaries = bundle_binaries(data)
    questionnaires = bundle_questionnaires(data)
    add = builder.add
    if binaries or questionnaires:  # attachments read with their content, answers with
        # their questions' words

        def add(resource: Resource, full_url: str | None = None) -> None:
            builder.add(in_bundle(resource, binaries, questionnaires), full_url)

    part = _in_part(data)
    if part is not None:  # a search or a history sent page by page
        builder.set_aside("Bundle", part)
    if bundle_type == "history" or not isinstance(entries, list):
        for resource, full_url in _entries(data, name):
            add(resource, full_url)
        return builder.build()
    # the usual Bundle: each entry checked as _entries does, and added as it is met
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise RecordError(
                Message(NOT_AN_OBJECT, field=f"Bundle.entry[{index}]", kind=_kind(entry)),
                source=name,
            )
        if "search" in entry and _about_the_search(entry):
            continue
        full_url = entry.get("fullUrl")
        if full_url is not None and type(full_url) is not str:
            raise RecordError(
                Message(NOT_A_STRING, field=f"Bundle.entry[{index}].fullUrl", kind=_kind(full_url)),
                source=name,
            )
        item = entry.get("resource")
        if item is None:
            failed = _failed_request(entry)
            if failed is not None:
                add(failed)
            continue
        if not isinstance(item, dict):
            raise RecordError(
                Message(NOT_AN_OBJECT, field=f"Bundle.entry[{index}].resource", kind=_kind(item)),
                source=name,
            )
        add(item, full_url)
    return builder.build()
