"""The library's front door: read a record, screen it, plan a course.

Every adapter (CLI, REST, CDS Hooks, web, bulk) calls these functions, so the same
patient and date give the same verdict everywhere.

>>> from spinecare import screen
>>> screen("patient.json", as_of="2026-11-20").verdict  # doctest: +SKIP
'needs_clearance'
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spinecare.dates import date_problem, iso_date
from spinecare.engine.screening import Screening, screen_record
from spinecare.errors import InputError, RecordError, TooMuchText
from spinecare.fhir.questionnaire import reader_measures
from spinecare.kb.loader import KB, load_kb
from spinecare.kb.text import TEXT_CHARS
from spinecare.messages import Message, Quantity
from spinecare.record.model import PatientRecord

if TYPE_CHECKING:
    from spinecare.engine.planning import CoursePlan

__all__ = [
    "load_kb",
    "load_record",
    "parse_date",
    "plan",
    "read_document",
    "reader_measures",
    "screen",
]

RecordSource = PatientRecord | str | Path | bytes | dict[str, Any]


def parse_date(value: str | date | None, *, what: str = "--as-of") -> date:
    """A date from ``YYYY-MM-DD`` (today for None)."""
    if value is None:
        return date.today()
    if isinstance(value, date):
        return value
    try:
        return iso_date(value)
    except ValueError:
        # what to correct: a day no calendar has, other digits, or another form
        raise InputError(
            Message(
                "%(what)s: '%(value)s': %(problem)s",
                what=what,
                value=value,
                problem=date_problem(value),
            )
        ) from None


def read_document(source: str | Path | bytes, name: str | None = None) -> Any:
    """Parse a file's content: JSON (plain or gzip) or YAML. Errors name the file."""
    from spinecare.documents import load_document

    return load_document(source, name)


def load_record(
    source: RecordSource, kb: KB | None = None, *, name: str | None = None
) -> PatientRecord:
    """A patient record from a FHIR R4 Bundle or a spinecare intake file (path, bytes or dict)."""
    if isinstance(source, PatientRecord):
        return source
    kb = kb or load_kb()
    if isinstance(source, dict):
        return _record_of(source, kb, name or "<input>")
    from spinecare.documents import collector_held

    label = name or (str(source) if not isinstance(source, bytes) else "<input>")
    # the parsed document is read and let go before the collector runs again
    with collector_held():
        data = read_document(source, label)
        try:
            return _record_of(data, kb, label)
        finally:
            del data


def _record_of(data: Any, kb: KB, label: str) -> PatientRecord:
    if isinstance(data, dict) and "resourceType" in data:
        from spinecare.fhir.reader import read_bundle

        return read_bundle(data, reader_measures(kb), source=label)
    from spinecare.record.intake import intake_lookups, looks_like_intake, read_intake

    if looks_like_intake(data):
        return read_intake(data, **intake_lookups(kb), source=label)
    raise RecordError(
        Message("neither an EHR record (a FHIR R4 Bundle) nor a spinecare intake file"),
        source=label,
    )


RECORD_TEXT_CHARS = 1_000_000
"""How many characters of words a record posted without signing in may hold in all
(:func:`words_read`; ``/api/screen``, ``/api/plan``, ``$massage-screening``): five texts
read to their limit (:data:`~spinecare.kb.text.TEXT_CHARS`), a few seconds of reading. A
longer one is refused, never read in part: the clinic app and the CLI read every record
whole."""


def words_read(record: PatientRecord) -> int:
    """The characters of words a screening of ``record`` reads: each entry's text, to its
    limit (:data:`~spinecare.kb.text.TEXT_CHARS`)."""
    return sum(
        min(len(e.text), TEXT_CHARS)
        for group in (record.conditions, record.medications, record.procedures)
        for e in group
        if e.text
    )


def posted_record(source: RecordSource, kb: KB, name: str) -> PatientRecord:
    """A record posted without signing in (``/api/screen``, ``/api/plan``,
    ``$massage-screening``), refused where it holds more words than such a screening reads
    (:data:`RECORD_TEXT_CHARS`): reading words costs time, and
    forty notes of 200,000 characters, twenty kilobytes of gzip, held a worker for
    minutes. The clinic app and the CLI read every record whole."""
    record = load_record(source, kb, name=name)
    held = words_read(record)
    if held > RECORD_TEXT_CHARS:
        raise TooMuchText(
            Message(
                "the record holds %(held)s characters of notes and other words, more than a"
                " screening posted without signing in reads (%(limit)s): import it into the"
                " clinic app, or screen it with the command line, where it is read in full",
                held=Quantity(held, None),
                limit=Quantity(RECORD_TEXT_CHARS, None),
            ),
            source=name,
        )
    return record


def screen(
    record: RecordSource,
    as_of: str | date | None = None,
    *,
    kb: KB | None = None,
    lang: str = "en",
) -> Screening:
    """Is massage safe and indicated for this patient on this date, and why?"""
    kb = kb or load_kb()
    return screen_record(load_record(record, kb), kb, parse_date(as_of), lang)


def plan(
    record: RecordSource,
    as_of: str | date | None = None,
    *,
    kb: KB | None = None,
    lang: str = "en",
) -> CoursePlan:
    """The course plan (zones, modalities, sessions, techniques, what to avoid, home program)."""
    from spinecare.engine.planning import plan_course

    kb = kb or load_kb()
    patient = load_record(record, kb)
    screening = screen_record(patient, kb, parse_date(as_of), lang)
    return plan_course(screening, patient, kb, lang)
