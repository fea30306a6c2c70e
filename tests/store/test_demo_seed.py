"""The demo clinic keeps its stories on any day: the demo files' dates are moved so that
the latest reading falls on the day the demo is seeded."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from spinecare.clinic.seed import demo_records
from spinecare.core import load_record, screen
from spinecare.demo import demo_files
from spinecare.kb import load_kb
from spinecare.record.model import shift_dates

KB = load_kb()
FILE_DAY = date(2026, 11, 20)  # the demo files' intake date


def test_shift_dates_moves_every_fact_and_keeps_the_birth_date() -> None:
    path = next(p for p in demo_files() if "volkov" in p.name)
    record = load_record(path, KB)
    moved = shift_dates(record, timedelta(days=10))
    assert moved.patient == record.patient
    pairs = [(a.when, b.when) for a, b in zip(record.observations, moved.observations, strict=True)]
    pairs += [(a.onset, b.onset) for a, b in zip(record.conditions, moved.conditions, strict=True)]
    pairs += [(a.when, b.when) for a, b in zip(record.clearances, moved.clearances, strict=True)]
    assert pairs and all(b == a + timedelta(days=10) for a, b in pairs if a is not None)
    assert all(b is None for a, b in pairs if a is None)


@pytest.mark.parametrize("today", [FILE_DAY, date(2026, 11, 30), date(2031, 2, 28)])
def test_demo_records_are_dated_as_of_today_and_keep_their_verdicts(today: date) -> None:
    records = demo_records(KB, today)
    assert len(records) == len(demo_files())
    latest = max(o.when for _, r in records for o in r.observations)
    assert latest == today
    for path, record in records:
        as_written = screen(load_record(path, KB), FILE_DAY)
        seeded = screen(record, today)
        assert seeded.verdict == as_written.verdict, path.name
        assert seeded.present_concepts == as_written.present_concepts, path.name
        assert [m.item for m in seeded.missing] == [m.item for m in as_written.missing]
