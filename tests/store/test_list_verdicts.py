"""The patient list's stored verdicts: a verdict is kept only for the days on which the
screening is sure to say the same, and the list shows the verdict the patient's own
screening gives, after every kind of write and on every day."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

from spinecare.clinic.verdicts import _offsets, holds_until, screened_with
from spinecare.engine.screening import screen_record

ROOT = Path(__file__).resolve().parents[2]
RECORDS = [
    path
    for folder, pattern in (
        ("tests/fixtures/ehr", "*.json"),
        ("tests/fixtures/rules", "*.yaml"),
        ("tests/fixtures/intake", "*.*"),
        ("spinecare/demo", "*.yaml"),
    )
    for path in sorted((ROOT / folder).glob(pattern))
]
DAYS = 45
"""How many days after the screening date each record is screened again."""


def _records(kb):
    from spinecare.core import load_record
    from spinecare.errors import SpinecareError

    for path in RECORDS:
        try:
            yield path.name, load_record(path, kb, name=path.name)
        except SpinecareError:
            continue


def test_every_day_thresholds_are_days_or_ages(kb) -> None:
    """The change days are read from the thresholds in days and from birthdays: every
    threshold a rule or measure uses as a number of days has the unit of days."""
    named = {m.fresh_days for m in kb.model.measures}
    named |= {q.fresh_days for q in kb.model.questions if q.fresh_days}
    units = {t.id: t.unit for t in kb.model.thresholds}
    assert named and all(units[t] == "d" for t in named)
    assert {t.id for t in kb.model.thresholds if t.id.endswith("_days")} <= {
        t.id for t in kb.model.thresholds if t.unit == "d"
    }


def test_a_verdict_holds_on_every_day_until_it_may_change(kb) -> None:
    offsets = _offsets(kb)
    windows = sorted({math.ceil(t.value) for t in kb.model.thresholds if t.unit == "d"})
    checked = held = 0
    for name, record in _records(kb):
        # the golden files' dates, and a few days before each fact's window closes
        dates = {date(2026, 11, 20), date(2027, 3, 1)}
        facts = [o.when for o in record.observations[:3]]
        facts += [p.performed for p in record.procedures[:2] if p.performed]
        facts += [a.when for a in record.answers[:2] if a.when]
        dates |= {day + timedelta(days=k - 3) for day in facts for k in windows}
        for as_of in sorted(dates):
            verdict = screen_record(record, kb, as_of).verdict
            until = holds_until(record, as_of, offsets)
            assert until is None or until >= as_of, name
            last = min(until or date.max, as_of + timedelta(days=DAYS))
            day = as_of
            while day <= last:
                assert screen_record(record, kb, day).verdict == verdict, (name, as_of, day)
                day += timedelta(days=1)
            checked += 1
            held += (last - as_of).days
    assert checked > 1000
    assert held > checked * 3  # a stored verdict lasts: days, not one day each


def test_the_kb_and_code_the_verdicts_were_screened_with_are_named(kb) -> None:
    from spinecare.kb.loader import KB

    assert screened_with(kb) == screened_with(kb)
    meta = kb.model.meta.model_copy(update={"version": kb.model.meta.version + "-changed"})
    other = KB(kb.model.model_copy(update={"meta": meta}), kb.path)
    assert screened_with(other) != screened_with(kb)


D = date(2026, 11, 20)
DAY = timedelta(days=1)


def _facts(*observations, answers=(), conditions=()):
    from spinecare.record.model import Answer, Condition, Observation, Patient, PatientRecord

    return PatientRecord(
        patient=Patient(id="x"),
        observations=[
            Observation(f"o{i}", m, v, u, w) for i, (m, v, u, w) in enumerate(observations)
        ],
        answers=[Answer(f"a{i}", q, v, w) for i, (q, v, w) in enumerate(answers)],
        conditions=[
            Condition(f"c{i}", concept=c, recorded=w) for i, (c, w) in enumerate(conditions)
        ],
    )


def _vitals(day, systolic=120, temperature=36.6, pain=2):
    return (
        ("systolic_bp", systolic, "mm[Hg]", day),
        ("diastolic_bp", 80, "mm[Hg]", day),
        ("body_temperature", temperature, "Cel", day),
        ("pain_score", pain, "{score}", day),
    )


def _stored(db, pid):
    from spinecare.store.models import PatientVerdict

    with db.session() as session:
        row = session.get(PatientVerdict, pid)
        return None if row is None else (row.stamp, row.verdict, row.valid_until)


@dataclass
class Clinic:
    db: Any
    kb: Any
    anna: Any
    doc: Any
    ids: list[int]

    def same(self, day):
        """The list's verdicts on ``day`` (shown twice: screened, then stored) are each
        patient's own screening's (the patient page's)."""
        from spinecare.clinic import patients as service

        for _ in range(2):
            with self.db.session() as session:
                page = service.patient_page(session, self.anna, self.kb, day)
                listed = {p.id: p.verdict for p in page.patients}
                own = {
                    pid: service.screen_patient(
                        session, self.anna, pid, self.kb, day
                    ).screening.verdict
                    for pid in self.ids
                }
            assert listed == own, day
        return listed

    def intake(self, pid, record, day=D):
        from spinecare.clinic import patients as service

        with self.db.session() as session:
            service.add_intake(session, self.anna, pid, record, day)


HERNIATION = (("disc_herniation", D),)
NO_FEVER = (("fever_today", False, D),)


@pytest.fixture
def clinic(db_target, kb):
    """Three patients of one clinic, a therapist and a physician."""
    from spinecare.clinic import patients as service
    from spinecare.clinic.accounts import create_user, current_user, get_or_create_clinic
    from spinecare.store.db import open_database

    url, schema = db_target
    db = open_database(url, schema=schema)
    with db.session() as session:
        place = get_or_create_clinic(session, "Clinic A")
        anna, doc = (
            current_user(
                session,
                create_user(
                    session, clinic=place, username=name, password=f"{name}-pass-12", role=role
                ),
            )
            for name, role in (("anna", "therapist"), ("doc", "physician"))
        )
        ids = [
            service.create_patient(
                session,
                anna,
                service.PatientInput(name=name, external_id=ext, birth_date="1970-01-01"),
            ).id
            for name, ext in (("Alla Ivanova", "pa"), ("Boris Belov", "pb"), ("Vera Orlova", "pc"))
        ]
    yield Clinic(db, kb, anna, doc, ids)
    db.dispose()


def test_an_intake_and_a_clearance_clear_the_stored_verdict(clinic):
    from spinecare.clinic import patients as service

    db, (pa, pb, _pc) = clinic.db, clinic.ids
    assert clinic.same(D)[pa] == "needs_data"
    assert _stored(db, pa)[1] == "needs_data"
    clinic.intake(pa, _facts(*_vitals(D), answers=NO_FEVER, conditions=HERNIATION))
    assert _stored(db, pa)[1] is None  # cleared in the intake's own transaction
    assert _stored(db, pb)[1] == "needs_data"  # another patient's stays
    assert clinic.same(D)[pa] == "needs_clearance"
    assert _stored(db, pa)[1] == "needs_clearance"
    with db.session() as session:
        request = service.request_clearance(
            session,
            clinic.anna,
            pa,
            physician_id=clinic.doc.id,
            concepts=["disc_herniation"],
            message="",
            kb=clinic.kb,
            as_of=D,
        )
    with db.session() as session:
        service.decide_clearance(
            session,
            clinic.doc,
            request.id,
            decision="cleared",
            note="",
            version=request.version,
            day=D,
        )
    assert _stored(db, pa)[1] is None
    assert clinic.same(D)[pa] in ("allowed", "allowed_with_precautions")


def test_the_days_pass_and_a_verdict_is_never_shown_stale(clinic):
    from spinecare.record.model import Clearance

    db, (pa, _pb, pc) = clinic.db, clinic.ids
    clinic.intake(pa, _facts(*_vitals(D), answers=NO_FEVER))
    clearance = Clearance("k1", ("disc_herniation",), "cleared", D, "Dr Who", None, D + DAY * 2)
    record = _facts(*_vitals(D), answers=NO_FEVER, conditions=HERNIATION)
    record.clearances.append(clearance)
    clinic.intake(pc, record)
    clinic.same(D)
    _stamp, _verdict, until = _stored(db, pa)
    assert until is not None and until >= D
    assert D <= _stored(db, pc)[2] <= D + DAY * 2  # not past the clearance's last day
    for day in (until, until + DAY, until + DAY * 5, D + DAY * 2, D + DAY * 3, D + DAY * 400):
        clinic.same(day)
    assert clinic.same(D + DAY * 3)[pc] == "needs_clearance"
    assert clinic.same(D + DAY * 400)[pa] == "needs_data"


def test_an_import_a_change_of_details_and_a_removed_fact_clear_it(clinic):
    from spinecare.clinic import patients as service
    from spinecare.record.model import Patient, PatientRecord
    from spinecare.store.models import ObservationRow

    db, (_pa, pb, pc) = clinic.db, clinic.ids
    clinic.intake(pb, _facts(*_vitals(D), answers=NO_FEVER))
    clinic.same(D)
    with db.session() as session:  # a FHIR Bundle or intake file for the same patient id
        service.import_record(
            session,
            clinic.anna,
            PatientRecord(
                patient=Patient(id="pb"),
                observations=_facts(*_vitals(D, temperature=38.4)).observations,
            ),
            label="bundle",
            day=D,
        )
    assert clinic.same(D)[pb] == "defer"
    before = _stored(db, pc)[0]
    with db.session() as session:  # the birth date decides an age limit
        patient = service.get_patient(session, clinic.anna, pc, write=True)
        service.update_patient(
            session,
            clinic.anna,
            pc,
            service.PatientInput(name="Vera Orlova", external_id="pc", birth_date="2010-05-05"),
            patient.version,
        )
    assert _stored(db, pc)[0] > before and _stored(db, pc)[1] is None
    clinic.same(D)
    with db.session() as session:  # the fever reading removed
        session.delete(
            session.scalars(
                select(ObservationRow).where(
                    ObservationRow.patient_id == pb,
                    ObservationRow.measure == "body_temperature",
                    ObservationRow.value > 38,
                )
            ).one()
        )
    assert _stored(db, pb)[1] is None
    assert clinic.same(D)[pb] != "defer"


def test_a_verdict_screened_before_a_write_is_not_kept(db_target, kb):
    """A list screened from the record as it was before a write that committed meanwhile
    does not store its verdict over the write's."""
    from spinecare.clinic.accounts import get_or_create_clinic
    from spinecare.clinic.patients import now
    from spinecare.store.db import open_database
    from spinecare.store.models import ObservationRow, PatientRow, PatientVerdict
    from spinecare.store.verdicts import save_verdicts, stored_verdicts

    url, schema = db_target
    db = open_database(url, schema=schema)
    with db.session() as session:
        clinic = get_or_create_clinic(session, "Clinic A")
        patient = PatientRow(
            clinic_id=clinic.id, external_id="p", name="P", created_at=now(), updated_at=now()
        )
        session.add(patient)
        session.flush()
        pid = patient.id
    for first_read in ("absent", "present"):
        if first_read == "absent":  # a patient stored before verdicts were (or by a bulk load)
            with db.session() as session:
                session.execute(delete(PatientVerdict))
        with db.session() as session:
            read = stored_verdicts(session, [pid])
        assert (read[pid].stamp is None) == (first_read == "absent")
        with db.session() as session:  # the write, committed before the list saves
            from spinecare.store.models import Intake

            intake = Intake(patient_id=pid, day=D, source="form", created_at=now())
            session.add(intake)
            session.flush()
            session.add(
                ObservationRow(
                    ref="o",
                    measure="systolic_bp",
                    value=200,
                    unit="mm[Hg]",
                    day=D,
                    patient_id=pid,
                    intake_id=intake.id,
                )
            )
        with db.session() as session:
            save_verdicts(session, read, {pid: ("allowed", D, None)}, "kb")
        assert _stored(db, pid)[1] is None
    with db.session() as session:
        read = stored_verdicts(session, [pid])
        save_verdicts(session, read, {pid: ("defer", D, None)}, "kb")
    assert _stored(db, pid)[1] == "defer"
    db.dispose()
