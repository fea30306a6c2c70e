"""Outcomes kept per record (Node.outcome): a record screened again on other dates, its
index and kept outcomes warm, says exactly what the same facts say screened afresh."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from spinecare.core import load_record
from spinecare.engine.screening import Screening, screen_record
from spinecare.errors import SpinecareError
from tests.conftest import FIXTURES, ROOT

RECORDS = sorted(
    [
        *(FIXTURES / "ehr").glob("*.json"),
        *(FIXTURES / "rules").glob("*.yaml"),
        *(ROOT / "spinecare" / "demo").glob("*.yaml"),
    ]
)


def _dates(record: Any, kb: Any) -> list[date]:
    """The dates a fact of the record names, the day before and after, the days around
    the birthday that ends the young age of the red flags, and a few more (sixty at most,
    spread over them)."""
    days = {date(2020, 1, 1), date(2026, 11, 20), date(2027, 3, 1)}
    named: list[date] = []
    for facts in vars(record).values():
        for fact in facts if isinstance(facts, list) else ():
            for name in getattr(fact, "__slots__", ()):
                value = getattr(fact, name, None)
                if isinstance(value, date):
                    named.append(value)
    born = record.patient.birth_date
    if born is not None:
        named.append(years_after(born, int(kb.threshold("red_flag_young_age_years"))))
    for value in named:
        days.update({value - timedelta(days=1), value, value + timedelta(days=1)})
    ordered = sorted(days)
    return ordered[:: max(1, len(ordered) // 60)]


def years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _said(screening: Screening) -> tuple[object, ...]:
    return (
        screening.to_json(),
        [f.certainty for f in screening.findings],
        [(g.item, g.window_days, g.latest, g.alternatives) for g in screening.indication_gaps],
        [m.to_json() for m in screening.missing],
    )


def _screened(record: object, kb: object, day: date, lang: str) -> object:
    try:
        return _said(screen_record(record, kb, day, lang))  # type: ignore[arg-type]
    except SpinecareError as exc:
        return str(exc)


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_kept_outcomes_say_what_a_fresh_screening_says(path: Path, kb) -> None:
    record = load_record(path, kb)
    for day in _dates(record, kb):
        for lang in ("en", "ru"):
            warm = _screened(record, kb, day, lang)  # the same record, screened before
            fresh = _screened(dataclasses.replace(record), kb, day, lang)  # a new index
            assert warm == fresh, (day, lang)
