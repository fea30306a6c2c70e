"""The patient list's verdicts: stored ones while they hold, the others screened again.

A list page shows each listed patient's verdict on a date, the same one the screening
page gives. The verdict is kept (:mod:`spinecare.store.verdicts`) with the days it holds
on: from the day it was screened on up to the day before the earliest day on which the
screening could read the record differently (:func:`holds_until`). Every write to the
patient's record clears it in the same transaction; a KB or engine other than the one it
was screened with (:func:`screened_with`) does not use it.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

import spinecare
from spinecare.engine.screening import Screening, screen_record
from spinecare.kb.loader import KB, files_digest
from spinecare.record.model import PatientRecord
from spinecare.store.models import PatientRow
from spinecare.store.records import later_fact_days, records_of
from spinecare.store.verdicts import save_verdicts, stored_verdicts

__all__ = ["holds_until", "list_verdicts", "screen_for_list", "screened_with"]

DAY_UNIT = "d"
"""The unit of the KB thresholds that are numbers of days (freshness windows, how recent
a procedure must be): the screening compares the date with a fact's date plus one of
them."""
AGE_UNIT = "a"
"""The unit of the KB thresholds that are ages in years: they change on birthdays."""

_SCREENED_WITH: dict[int, tuple[KB, str]] = {}
_CODE = ("engine", "record", "kb")
"""The packages whose code decides a screening, besides the KB data."""


@functools.cache
def _code_digest() -> bytes:
    root = Path(spinecare.__file__).parent
    sources = [s for package in _CODE for s in sorted((root / package).rglob("*.py"))]
    sources += [root / "store" / "records.py", root / "clinic" / "verdicts.py"]
    return files_digest(sources, spinecare.__version__)


def screened_with(kb: KB) -> str:
    """What decides a stored verdict besides the record: the KB's content and the code
    that screens with it (a stored verdict screened with another is not used)."""
    known = _SCREENED_WITH.get(id(kb))
    if known is not None and known[0] is kb:
        return known[1]
    digest = hashlib.sha256(_code_digest())
    digest.update(kb.model.model_dump_json().encode())
    value = digest.hexdigest()[:40]
    if len(_SCREENED_WITH) >= 16:
        _SCREENED_WITH.clear()
    _SCREENED_WITH[id(kb)] = (kb, value)
    return value


def _window(kb: KB) -> int:
    """The longest freshness window of a reading, in whole days."""
    return max((math.ceil(kb.threshold(m.fresh_days)) for m in kb.model.measures), default=0)


def screen_for_list(
    session: Session, patients: Sequence[PatientRow], kb: KB, as_of: date, lang: str = "en"
) -> dict[int, tuple[PatientRecord, Screening]]:
    """Each patient's record as a screening on ``as_of`` reads it (six queries: of the
    readings and answers only those it reads) and their screening."""
    records = records_of(session, patients, screening_on=(as_of, _window(kb)))
    return {pid: (rec, screen_record(rec, kb, as_of, lang)) for pid, rec in records.items()}


def _offsets(kb: KB) -> list[int]:
    # 1: a reading dated the day after the screening date counts on it (Facts.ahead)
    days: set[int] = {0, 1}
    for threshold in kb.model.thresholds:
        if threshold.unit == DAY_UNIT:
            days.update((math.floor(threshold.value), math.ceil(threshold.value)))
    return sorted({sign * d for d in days for sign in (1, -1)})


def _fact_days(record: PatientRecord) -> set[int]:
    """The days (as ordinals) of every date of every fact of ``record`` (any kind, any
    field), and of the patient's death."""
    days: set[int] = set()
    if record.patient.deceased_on is not None:
        days.add(record.patient.deceased_on.toordinal())
    for name in _fact_lists():
        for fact in getattr(record, name):
            kind: type = type(fact)
            for value in _date_fields(kind)(fact):
                if isinstance(value, date):
                    days.add(value.toordinal())
    return days


@functools.cache
def _fact_lists() -> tuple[str, ...]:
    """The fields of a record that list facts."""
    return tuple(f.name for f in fields(PatientRecord) if "list[" in str(f.type))


@functools.cache
def _date_fields(kind: type) -> Callable[[object], tuple[object, ...]]:
    """The values of the fields of a kind of fact that may hold a date."""
    names = tuple(f.name for f in fields(kind) if "date" in str(f.type))
    return lambda fact: tuple(getattr(fact, name) for name in names)


def _birthdays(born: date, as_of: date) -> Iterable[date]:
    for year in (as_of.year, as_of.year + 1):
        try:
            yield born.replace(year=year)
        except ValueError:  # 29 February
            yield date(year, 2, 28)
            yield date(year, 3, 1)


_LAST = date.max.toordinal()


def holds_until(
    record: PatientRecord, as_of: date, offsets: Sequence[int], later: date | None = None
) -> date | None:
    """The last day from ``as_of`` on which a screening of ``record`` is sure to read it as
    on ``as_of`` (None: every later day).

    A screening compares its date only with a fact's date, that date plus or minus a KB
    number of days (``offsets``, in ascending order), or a birthday (an age limit): so it
    can change only on such a day or the day after. ``later``: the earliest date of a
    reading or answer after ``as_of`` (the record read for a list leaves those out)."""
    today = as_of.toordinal()
    days = _fact_days(record)
    if later is not None:
        days.add(later.toordinal())
    first = _LAST + 1
    for day in days:
        for k in offsets:
            point = day + k
            if point >= today:  # the first such point, or the day after it
                first = min(first, point if point > today else point + 1)
                break
    if record.patient.birth_date is not None:
        for birthday in _birthdays(record.patient.birth_date, as_of):
            point = birthday.toordinal() - 1
            if point >= today:
                first = min(first, point if point > today else point + 1)
    return None if first > _LAST else date.fromordinal(first - 1)


def list_verdicts(
    session: Session, patients: Sequence[PatientRow], kb: KB, as_of: date
) -> dict[int, str]:
    """The verdict on ``as_of`` of each of the already-visible ``patients``: the stored one
    where it holds, else screened again (and stored, unless a write came in meanwhile)."""
    key = screened_with(kb)
    stored = stored_verdicts(session, [p.id for p in patients])
    out = {pid: s.verdict for pid, s in stored.items() if s.holds(key, as_of) and s.verdict}
    again = [p for p in patients if p.id not in out]
    if not again:
        return out
    screened = screen_for_list(session, again, kb, as_of)
    later = later_fact_days(session, [p.id for p in again], as_of)
    offsets = _offsets(kb)
    fresh: dict[int, tuple[str, date | None, date | None]] = {}
    for pid, (record, screening) in screened.items():
        out[pid] = screening.verdict
        fresh[pid] = (screening.verdict, as_of, holds_until(record, as_of, offsets, later.get(pid)))
    save_verdicts(session, stored, fresh, key)
    return out
