"""The patient list reads only the readings and answers a screening reads; its verdicts,
findings and missing items are those of the whole records."""

from __future__ import annotations

import random
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from spinecare.clinic.patients import screen_patients
from spinecare.engine.screening import screen_record
from spinecare.store.db import open_database
from spinecare.store.models import AnswerRow, Intake, ObservationRow, PatientRow
from spinecare.store.records import records_of

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))


@pytest.fixture
def clinic_db(db_target):
    import web  # benchmarks/web.py: a clinic of patients with many dated intakes

    url, schema = db_target
    db = open_database(url, schema=schema)
    web.seed(db, 120, 1500, random.Random(7))
    today = date.today()
    now = datetime.now(UTC)
    with db.engine.begin() as conn:  # the edge cases: same day, no date, after the date
        conn.execute(
            insert(Intake),
            [{"id": 5000, "patient_id": 1, "day": today, "source": "form", "created_at": now}],
        )
        common = {"patient_id": 1, "intake_id": 5000, "unit": "mm[Hg]"}
        conn.execute(
            insert(ObservationRow),
            [
                {"ref": "x1", "measure": "systolic_bp", "value": 190, "day": today, **common},
                {"ref": "x2", "measure": "systolic_bp", "value": 120, "day": today, **common},
                {
                    "ref": "x3",
                    "measure": "systolic_bp",
                    "value": 200,
                    "day": today + timedelta(days=5),
                    **common,
                },
            ],
        )
        # dated only by a month or a year: its first day long before the window, its last
        # day within it (it may be the latest reading, or within the window)
        conn.execute(
            insert(ObservationRow),
            [
                {
                    "ref": "x4",
                    "measure": "systolic_bp",
                    "value": 210,
                    "day": today - timedelta(days=300),
                    "day_last": today + timedelta(days=60),
                    **{**common, "patient_id": 4},
                },
                {
                    "ref": "x5",
                    "measure": "body_temperature",
                    "value": 39.5,
                    "day": today - timedelta(days=40),
                    "day_last": today - timedelta(days=1),
                    **{**common, "patient_id": 5, "unit": "Cel"},
                },
            ],
        )
        conn.execute(
            insert(AnswerRow),
            [
                {
                    "ref": "a1",
                    "patient_id": 2,
                    "intake_id": 5000,
                    "question": "pregnant",
                    "value": True,
                    "day": None,
                },
                {
                    "ref": "a2",
                    "patient_id": 3,
                    "intake_id": 5000,
                    "question": "fever_today",
                    "value": True,
                    "day": today,
                },
                {
                    "ref": "a3",
                    "patient_id": 3,
                    "intake_id": 5000,
                    "question": "fever_today",
                    "value": False,
                    "day": today,
                },
            ],
        )
        # a yes dated only by a month or a year, its first day long before a no of an
        # exact day that its period reaches: it may be the latest answer (rows of one
        # insert name the same columns)
        conn.execute(
            insert(AnswerRow),
            [
                {
                    "ref": "a4",
                    "patient_id": 6,
                    "intake_id": 5000,
                    "question": "saddle_anaesthesia",
                    "value": True,
                    "day": today - timedelta(days=300),
                    "day_last": today + timedelta(days=60),
                },
                {
                    "ref": "a5",
                    "patient_id": 6,
                    "intake_id": 5000,
                    "question": "saddle_anaesthesia",
                    "value": False,
                    "day": today - timedelta(days=100),
                    "day_last": None,
                },
            ],
        )
    yield db
    db.dispose()


@pytest.mark.parametrize("days_back", [0, 2, 30, 200, 500])
def test_list_screenings_equal_those_of_whole_records(clinic_db, kb, days_back: int) -> None:
    as_of = date.today() - timedelta(days=days_back)
    with clinic_db.session() as session:
        patients = list(session.scalars(select(PatientRow).order_by(PatientRow.id)))
        listed = screen_patients(session, patients, kb, as_of)
        whole = records_of(session, patients)
        cut = records_of(session, patients, screening_on=(as_of, 30))
    assert len(listed) == len(patients)
    for pid, record in whole.items():
        expected = screen_record(record, kb, as_of).to_json()
        assert listed[pid].to_json() == expected, pid
    # the list reads a few readings per patient, not the whole history
    read = sum(len(r.observations) + len(r.answers) for r in whole.values())
    kept = sum(len(r.observations) + len(r.answers) for r in cut.values())
    assert kept < read / 3
