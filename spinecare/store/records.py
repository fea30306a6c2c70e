"""Rows <-> :class:`~spinecare.record.model.PatientRecord`.

:func:`store_record` writes a record (from a FHIR Bundle, an intake file or the intake
form) as one dated intake with its facts; :func:`records_of` reads the rows of many
patients back into records in six queries, for screening on read; :func:`not_read_of`
names the kinds of record the EHR did not give to the patient's latest SMART launch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from spinecare.messages import Message, message_data, message_of
from spinecare.record.model import (
    Answer,
    Clearance,
    Coding,
    Condition,
    Ignored,
    Medication,
    Observation,
    Patient,
    PatientRecord,
    Procedure,
)
from spinecare.store.models import (
    AnswerRow,
    ClearanceRow,
    ConditionRow,
    DiaryEntry,
    Intake,
    MedicationRow,
    ObservationRow,
    PatientRow,
    ProcedureRow,
)

__all__ = [
    "fact_intakes",
    "later_fact_days",
    "not_read_of",
    "record_of",
    "records_of",
    "store_record",
]

FACT_ROWS = (ConditionRow, ObservationRow, MedicationRow, ProcedureRow, AnswerRow, ClearanceRow)

SET_ASIDE_UNIT = ""
"""The unit of an observation row that keeps a reading set aside (no stored reading has
it: readings are kept in their measure's unit). Its ``reason`` holds why, as a message (its
id and parameters), and ``original`` the English text (all a row stored before has)."""
SET_ASIDE_DAY = date.min
"""The day of such a row: a reading set aside is known whatever the screening date, as the
engine reads it (the measure was taken, its value is unknown)."""
NO_MEASURE = ""
"""The measure of such a row that keeps what was set aside of no measure (a document the
screening cannot read): shown beside the screening, deciding nothing."""


def fact_intakes(session: Session, patient_id: int) -> dict[str, Intake]:
    """The intake that brought each of the patient's facts, keyed by the fact's reference
    (a reference recorded twice: its latest intake)."""
    intakes = {
        i.id: i for i in session.scalars(select(Intake).where(Intake.patient_id == patient_id))
    }
    out: dict[str, Intake] = {}
    for model in FACT_ROWS:
        query = select(model.ref, model.intake_id).where(model.patient_id == patient_id)
        for ref, intake_id in session.execute(query.order_by(model.id)):
            if intake_id in intakes:
                out[ref] = intakes[intake_id]
    return out


def not_read_of(session: Session, patient_id: int) -> list[str]:
    """The kinds of record (FHIR resource types) the EHR did not give to the patient's
    latest SMART launch import, as the launch named them; none when that launch read them
    all, or when no launch imported the patient's record.

    A launch reads the whole chart its EHR gives again, so a later launch from the same
    EHR replaces what an earlier one did not read (a kind it did read is read now; one it
    did not read either is still named). A patient whose record came from more than one
    EHR keeps the latest launch of each (the latest one's kinds first): one EHR's full read
    says nothing of another's.
    An intake form, a file or an uploaded FHIR document neither names nor clears a kind:
    only a launch knows what the EHR did not give."""
    kept = session.scalars(
        select(Intake.not_read)
        .where(Intake.patient_id == patient_id, Intake.not_read.is_not(None))
        .order_by(Intake.id.desc())
    )
    ehrs: set[str] = set()
    kinds: list[str] = []
    for launch in kept:
        if not isinstance(launch, dict) or str(launch.get("ehr")) in ehrs:
            continue
        ehrs.add(str(launch.get("ehr")))
        for kind in launch.get("kinds") or ():
            if isinstance(kind, str) and kind not in kinds:
                kinds.append(kind)
    return kinds


def _codings_json(codings: Iterable[Coding]) -> list[Any]:
    return [[c.system, c.code, c.display] for c in codings]


def _codings(data: Sequence[Any] | None) -> tuple[Coding, ...]:
    return tuple(Coding(system=s, code=c, display=d) for s, c, d in (data or ()))


def store_record(
    session: Session,
    patient: PatientRow,
    record: PatientRecord,
    *,
    day: date,
    source: str,
    label: str | None = None,
    user_id: int | None = None,
    now: datetime,
    clearances_confirmed: bool = True,
    not_read: tuple[str, Sequence[str]] | None = None,
) -> Intake:
    """Add ``record``'s facts to ``patient`` as one intake dated ``day``.

    ``clearances_confirmed=False``: the record's clearances are held as a document says
    them, in force only once a physician of the clinic decides.

    ``not_read``: the record is a SMART launch's, read from this EHR (its FHIR base URL),
    which did not give these kinds of record (FHIR resource types; none: it gave them
    all); kept with the intake for :func:`not_read_of`."""
    from spinecare.store.ehr import normalize_system  # it imports the database, which this

    intake = Intake(
        patient_id=patient.id,
        day=day,
        source=source,
        label=label,
        recorded_by=user_id,
        created_at=now,
        not_read=(
            None
            if not_read is None
            else {"ehr": normalize_system(not_read[0]), "kinds": list(not_read[1])}
        ),
    )
    session.add(intake)
    session.flush()
    common = {"patient_id": patient.id, "intake_id": intake.id}
    rows: list[Any] = []
    for c in record.conditions:
        rows.append(
            ConditionRow(
                ref=c.ref,
                concept=c.concept,
                codings=_codings_json(c.codings),
                text=c.text,
                clinical_status=c.clinical_status,
                verification_status=c.verification_status,
                onset=c.onset,
                abatement=c.abatement,
                recorded=c.recorded,
                body_sites=_codings_json(c.body_sites),
                confirm=None if c.confirm is None else message_data(c.confirm),
                onset_last=c.onset_last,
                recorded_last=c.recorded_last,
                abatement_first=c.abatement_first,
                **common,
            )
        )
    # in the order they were taken (rows are read back in this order), with the time of
    # day and whether the order of a day's readings without a time is known
    for o in sorted(record.observations, key=Observation.order_key):
        rows.append(
            ObservationRow(
                ref=o.ref,
                measure=o.measure,
                value=o.value,
                unit=o.unit,
                day=o.when,
                day_last=o.last,
                instant=o.instant,
                in_order=o.in_order,
                coding=_codings_json([o.coding])[0] if o.coding else None,
                original=o.original,
                **common,
            )
        )
    # a reading set aside (a unit that cannot be converted, an implausible value): screened
    # again, the measure still counts as taken with an unknown value, never as not taken
    for ignored in record.ignored:
        if ignored.measure is not None or ignored.not_read:
            rows.append(
                ObservationRow(
                    ref=ignored.ref,
                    measure=ignored.measure or NO_MEASURE,
                    value=0.0,
                    unit=SET_ASIDE_UNIT,
                    day=ignored.when or SET_ASIDE_DAY,
                    day_last=ignored.last,
                    original=ignored.reason[:100],
                    reason=message_data(ignored.reason),
                    **common,
                )
            )
    for m in record.medications:
        rows.append(
            MedicationRow(
                ref=m.ref,
                concept=m.concept,
                codings=_codings_json(m.codings),
                text=m.text,
                status=m.status,
                start=m.start,
                end=m.end,
                start_last=m.start_last,
                end_first=m.end_first,
                **common,
            )
        )
    for p in record.procedures:
        rows.append(
            ProcedureRow(
                ref=p.ref,
                concept=p.concept,
                codings=_codings_json(p.codings),
                status=p.status,
                performed=p.performed,
                body_sites=_codings_json(p.body_sites),
                text=p.text,
                performed_last=p.performed_last,
                **common,
            )
        )
    for a in record.answers:
        rows.append(
            AnswerRow(
                ref=a.ref,
                question=a.question,
                value=a.value,
                day=a.when,
                day_last=a.last,
                instant=a.instant,
                in_order=a.in_order,
                **common,
            )
        )
    for k in record.clearances:
        rows.append(
            ClearanceRow(
                ref=k.ref,
                concepts=list(k.concepts),
                decision=k.decision,
                day=k.when,
                by=k.by,
                note=k.note,
                valid_until=k.valid_until,
                confirmed=k.confirmed and clearances_confirmed,
                **common,
            )
        )
    for row in rows:
        _without_nul(row)
    session.add_all(rows)
    session.flush()
    return intake


def _nul_free(value: Any) -> Any:
    """``value`` with NUL characters taken out of its text, however deep (PostgreSQL
    cannot store them; a record's text has no use for them)."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, list):
        return [_nul_free(v) for v in value]
    if isinstance(value, dict):
        return {_nul_free(k): _nul_free(v) for k, v in value.items()}
    return value


def _without_nul(row: Any) -> None:
    """Every column of the fact row ``row`` without NUL characters."""
    for column in row.__table__.columns:
        value = getattr(row, column.key, None)
        if isinstance(value, str | list | dict):
            cleaned = _nul_free(value)
            if cleaned != value:
                setattr(row, column.key, cleaned)


def _patient(row: PatientRow) -> Patient:
    return Patient(
        id=str(row.id),
        name=row.name,
        birth_date=row.birth_date,
        birth_first=row.birth_first,
        sex=row.sex,
        language=row.language,
    )


def records_of(
    session: Session,
    patients: Sequence[PatientRow],
    *,
    intake_id: int | None = None,
    screening_on: tuple[date, int] | None = None,
) -> dict[int, PatientRecord]:
    """The engine's record of each patient, read from the rows (six queries in all); with
    ``intake_id``, only the facts that intake brought.

    With ``screening_on`` (a date and the longest freshness window of a reading in days),
    only the readings and answers a screening on that date reads: the readings of each
    measure within the window and on the day of its latest reading, and the answers to
    each question on the day of its latest answer (and any undated), none after the date.
    A list of patients then reads a few rows per patient instead of their whole history;
    the screening is the same (the engine decides on the latest reading in a window, or
    the highest within it, on the latest reading at all when none is fresh, and on the
    latest answer)."""
    out = {p.id: PatientRecord(patient=_patient(p), source=f"patient/{p.id}") for p in patients}
    if not out:
        return out
    ids = list(out)

    def rows(model: Any) -> Any:
        # Plain rows, not ORM objects: a list page reads thousands of facts.
        table = model.__table__
        query = select(table).where(table.c.patient_id.in_(ids))
        if intake_id is not None:
            query = query.where(table.c.intake_id == intake_id)
        if screening_on is not None and model in _LATEST_BY:
            return session.execute(
                _screened_rows(query, table, _LATEST_BY[model], *screening_on)
            ).all()
        return session.execute(query.order_by(table.c.id)).all()

    for c in rows(ConditionRow):
        out[c.patient_id].conditions.append(
            Condition(
                ref=c.ref,
                codings=_codings(c.codings),
                concept=c.concept,
                text=c.text,
                clinical_status=c.clinical_status,
                verification_status=c.verification_status,
                onset=c.onset,
                abatement=c.abatement,
                recorded=c.recorded,
                body_sites=_codings(c.body_sites),
                confirm=None if c.confirm is None else message_of(c.confirm),
                onset_last=c.onset_last,
                recorded_last=c.recorded_last,
                abatement_first=c.abatement_first,
            )
        )
    for o in rows(ObservationRow):
        if o.unit == SET_ASIDE_UNIT:
            # the reason as a message, in the reader's language; a row stored before the
            # message was kept has its English text only
            reason = (
                message_of(o.reason) if o.reason is not None else Message(o.original or "set aside")
            )
            when = None if o.day == SET_ASIDE_DAY else o.day  # undated, or stored before
            measure = None if o.measure == NO_MEASURE else o.measure
            out[o.patient_id].ignored.append(Ignored(o.ref, reason, measure, when, o.day_last))
            continue
        out[o.patient_id].observations.append(
            Observation(
                ref=o.ref,
                measure=o.measure,
                value=o.value,
                unit=o.unit,
                when=o.day,
                coding=_codings([o.coding])[0] if o.coding else None,
                original=o.original,
                instant=o.instant,
                in_order=bool(o.in_order),
                last=o.day_last,
            )
        )
    for m in rows(MedicationRow):
        out[m.patient_id].medications.append(
            Medication(
                ref=m.ref,
                codings=_codings(m.codings),
                concept=m.concept,
                text=m.text,
                status=m.status,
                start=m.start,
                end=m.end,
                start_last=m.start_last,
                end_first=m.end_first,
            )
        )
    for p in rows(ProcedureRow):
        out[p.patient_id].procedures.append(
            Procedure(
                ref=p.ref,
                codings=_codings(p.codings),
                concept=p.concept,
                status=p.status,
                performed=p.performed,
                body_sites=_codings(p.body_sites),
                text=p.text,
                performed_last=p.performed_last,
            )
        )
    for a in rows(AnswerRow):
        out[a.patient_id].answers.append(
            Answer(
                ref=a.ref,
                question=a.question,
                value=a.value,
                when=a.day,
                last=a.day_last,
                instant=a.instant,
                in_order=a.in_order,
            )
        )
    if intake_id is None:
        _diary_answers(session, out, screening_on[0] if screening_on is not None else None)
    for k in rows(ClearanceRow):
        out[k.patient_id].clearances.append(
            Clearance(
                ref=k.ref,
                concepts=tuple(k.concepts),
                decision=k.decision,
                when=k.day,
                by=k.by,
                note=k.note,
                valid_until=k.valid_until,
                confirmed=k.confirmed,
            )
        )
    return out


_LATEST_BY: dict[Any, str] = {ObservationRow: "measure", AnswerRow: "question"}
"""The fact rows a screening reads only the latest of, and what "the latest" is per."""


def _screened_rows(query: Any, table: Any, per: str, as_of: date, window: int) -> Any:
    """``query`` cut to the rows of ``table`` a screening on ``as_of`` reads: on or before
    the date, and within ``window`` days or on the latest day (per patient and ``per``),
    or dated only by a month or a year that reaches either; undated rows (answers) are all
    kept."""
    day = table.c.day
    latest = func.max(day).over(partition_by=(table.c.patient_id, table.c[per]))
    inner = query.where(or_(day.is_(None), day <= as_of)).add_columns(latest.label("latest"))
    cut = inner.subquery()
    keep = or_(cut.c.day.is_(None), cut.c.day == cut.c.latest)
    if window > 0:
        keep = or_(keep, cut.c.day >= as_of - timedelta(days=window))
    # a reading or an answer dated only by a month or a year whose span reaches the
    # latest day or the window: it may be the latest one, or within the window
    reach = cut.c.day_last >= cut.c.latest
    if window > 0:
        reach = or_(reach, cut.c.day_last >= as_of - timedelta(days=window))
    keep = or_(keep, reach)
    kept = select(*(cut.c[c.name] for c in table.columns)).where(keep)
    # and the readings and answers dated the day after, which may have been taken or given
    # on the day (the engine's Facts.ahead and _answers_maybe_later)
    both = kept.union_all(query.where(day == as_of + timedelta(days=1))).subquery()
    return select(both).order_by(both.c.id)


DIARY_REF = "diary:{day}#{entry}"
"""The reference of a warning sign the patient reported in the home-routine diary."""


def _diary_answers(session: Session, out: dict[int, PatientRecord], until: date | None) -> None:
    """The warning signs patients reported in their home-routine diary (weak or clumsy
    hands, numbness in the saddle area: each an intake question's id) as answers yes to
    those questions, of the diary's day: the screening reads them as it reads the same
    answer on an intake, never only the course's stop message (``until``: none after it)."""
    query = select(DiaryEntry.patient_id, DiaryEntry.id, DiaryEntry.day, DiaryEntry.symptoms).where(
        DiaryEntry.patient_id.in_(list(out))
    )
    if until is not None:
        # as the answers of an intake are kept (_screened_rows): to the day after the date,
        # which a screening reads too
        query = query.where(DiaryEntry.day <= until + timedelta(days=1))
    for pid, entry, day, symptoms in session.execute(query.order_by(DiaryEntry.id)):
        for question in symptoms or ():
            if isinstance(question, str):
                ref = DIARY_REF.format(day=day.isoformat(), entry=entry)
                out[pid].answers.append(Answer(ref=ref, question=question, value=True, when=day))


def later_fact_days(session: Session, patient_ids: Sequence[int], as_of: date) -> dict[int, date]:
    """The earliest date after ``as_of`` of each patient's readings, answers and diary days
    (those ``records_of(..., screening_on=...)`` leaves out), for the patients that have
    one."""
    out: dict[int, date] = {}
    if not patient_ids:
        return out
    for model in (*_LATEST_BY, DiaryEntry):
        table = model.__table__
        query = (
            select(table.c.patient_id, func.min(table.c.day))
            .where(table.c.patient_id.in_(list(patient_ids)), table.c.day > as_of)
            .group_by(table.c.patient_id)
        )
        for pid, day in session.execute(query):
            out[pid] = min(day, out.get(pid, day))
    return out


def record_of(session: Session, patient: PatientRow) -> PatientRecord:
    """The engine's record of one patient."""
    return records_of(session, [patient])[patient.id]
