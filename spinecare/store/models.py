"""SQLAlchemy 2 tables of the clinic app.

The patient's data is kept as dated rows, the way the engine's record model holds it:
one ``intakes`` row per intake (a form, a FHIR upload, an intake file) and the facts it
brought (conditions, observations, medications, procedures, answers, clearances), each
pointing at its intake and its patient. :func:`spinecare.store.records.record_of` turns
the rows back into a :class:`~spinecare.record.model.PatientRecord` for screening, so the
verdict is always computed on read by the same engine as the CLI.

A missing answer is a missing row, never a row saying "no". The audit log is append-only
(database triggers refuse UPDATE and DELETE on it; the app has no function that tries).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from spinecare.store.search import SEARCH_KEY_LENGTH, search_key
from spinecare.store.usernames import username_key


def as_utc(value: datetime) -> datetime:
    """A stored time with its zone: SQLite gives a ``DateTime(timezone=True)`` column back
    without it (the value is UTC); PostgreSQL keeps it."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


ROLES = ("admin", "therapist", "physician", "patient")


class Base(DeclarativeBase):
    pass


class Clinic(Base):
    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # the contacts printed for patients (the home program's handout, the referral letter)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    address: Mapped[str | None] = mapped_column(String(500), nullable=True)
    hours: Mapped[str | None] = mapped_column(String(200), nullable=True)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    username_key: Mapped[str] = mapped_column(Text)
    """The user name folded (:func:`~spinecare.store.usernames.username_key`): unique, so
    that no two accounts have names that look the same; set whenever the name is."""
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    language: Mapped[str | None] = mapped_column(String(10), nullable=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    """Set when an administrator resets the password: the user chooses a new one first."""
    password_expires_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    """When the one-time password of an administrator's reset stops signing in."""

    __table_args__ = (Index("ix_users_username_key", "username_key", unique=True),)


@event.listens_for(User.username, "set")
def _fill_username_key(target: User, value: str, _old: Any, _initiator: Any) -> None:
    """Every write path (forms, the command line, the demo seed) keeps the key current."""
    target.username_key = username_key(value)


class LoginSession(Base):
    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When a page was last opened or a form sent with a web sign-in (written at most once a
    minute). None for a personal API token, which has no idle limit."""
    idle_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """A web sign-in ends once unused for this long (``SPINECARE_SESSION_IDLE_MINUTES`` when
    it began); None for a personal API token."""


class PatientRow(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    external_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    birth_first: Mapped[date | None] = mapped_column(Date, nullable=True)
    """Where an imported record gives the birth date only as a year or a month, its first
    day (``birth_date`` its last; :attr:`~spinecare.record.model.Patient.birth_first`);
    None for a whole date, and once the birth date is changed in the details."""
    sex: Mapped[str | None] = mapped_column(String(20), nullable=True)
    language: Mapped[str | None] = mapped_column(String(10), nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    address: Mapped[str | None] = mapped_column(String(500), nullable=True)
    emergency_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    emergency_phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    search: Mapped[str] = mapped_column(String(SEARCH_KEY_LENGTH), default="")
    """Folded name, its Latin spellings, id and phone digits (:mod:`spinecare.store.search`)."""
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        Index("ix_patients_clinic_name", "clinic_id", "name"),
        Index("ix_patients_clinic_external", "clinic_id", "external_id", unique=True),
        Index("ix_patients_clinic_birth_date", "clinic_id", "birth_date"),
    )

    def refresh_search(self) -> None:
        self.search = search_key(
            self.name or "", self.external_id or "", (self.phone, self.emergency_phone)
        )


@event.listens_for(PatientRow, "before_insert")
@event.listens_for(PatientRow, "before_update")
def _fill_search_key(_mapper: Any, _connection: Any, target: PatientRow) -> None:
    """Every write path (forms, imports, the demo seed) keeps the search key current."""
    target.refresh_search()


class PatientVerdict(Base):
    """A patient's stored screening verdict, for the patient list (:mod:`spinecare.store.verdicts`):
    what the screening said (``verdict``, None: to be screened again), the KB and engine it
    was screened with (``screened_with``) and the days it holds on (``valid_from`` to
    ``valid_until``, None: open). ``stamp`` counts the changes to the patient's record:
    every write to it raises the stamp and clears the verdict in the same transaction."""

    __tablename__ = "patient_verdicts"

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    stamp: Mapped[int] = mapped_column(Integer, default=0)
    verdict: Mapped[str | None] = mapped_column(String(40), nullable=True)
    screened_with: Mapped[str | None] = mapped_column(String(64), nullable=True)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)


class Intake(Base):
    """One dated intake: what was recorded together, by whom, from where."""

    __tablename__ = "intakes"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20))  # form | fhir | file | demo
    label: Mapped[str | None] = mapped_column(String(300), nullable=True)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    not_read: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """A SMART launch's import: the EHR it read (``ehr``, its system as
    :func:`spinecare.store.ehr.normalize_system` names it) and the kinds of record (FHIR
    resource types) the EHR did not give (``kinds``, empty: it gave them all); None for
    any other intake, and for launches stored before this was kept
    (:func:`spinecare.store.records.not_read_of`)."""


class _Fact:
    """Columns every fact row has."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(Text)
    """The fact's reference in its record (``Condition/<id>``); as long as the record's,
    as are the record's words below: a stored record screens as the file does (a long
    note cut short could lose what it names)."""


class ConditionRow(_Fact, Base):
    __tablename__ = "conditions"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id"))
    concept: Mapped[str | None] = mapped_column(String(100), nullable=True)
    codings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    clinical_status: Mapped[str | None] = mapped_column(String(30), nullable=True)
    verification_status: Mapped[str | None] = mapped_column(String(30), nullable=True)
    onset: Mapped[date | None] = mapped_column(Date, nullable=True)
    abatement: Mapped[date | None] = mapped_column(Date, nullable=True)
    recorded: Mapped[date | None] = mapped_column(Date, nullable=True)
    body_sites: Mapped[list[Any]] = mapped_column(JSON, default=list)
    confirm: Mapped[Any] = mapped_column(JSON, nullable=True)
    """Why the condition is read with certainty unknown whatever its codes, as a message
    (``spinecare.messages.message_data``); None: as coded."""
    onset_last: Mapped[date | None] = mapped_column(Date, nullable=True)
    """Dates given only as a month or a year, as the record gives them
    (:attr:`~spinecare.record.model.Condition.onset_last`): the last day of the onset and
    of the recorded date, the first day of the abatement; None for a whole date."""
    recorded_last: Mapped[date | None] = mapped_column(Date, nullable=True)
    abatement_first: Mapped[date | None] = mapped_column(Date, nullable=True)


class ObservationRow(_Fact, Base):
    __tablename__ = "observations"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id"))
    measure: Mapped[str] = mapped_column(String(50))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(30))
    day: Mapped[date] = mapped_column(Date)
    instant: Mapped[float | None] = mapped_column(Float, nullable=True)
    """The time it was taken (POSIX seconds), None for a date without a time."""
    in_order: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Entered by the clinic one after another (a form, an intake file, the demo): of two
    readings of one day without a time, the later row is the later reading
    (:attr:`~spinecare.record.model.Observation.in_order`)."""
    coding: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    original: Mapped[str | None] = mapped_column(String(100), nullable=True)
    reason: Mapped[Any] = mapped_column(JSON, nullable=True)
    """A reading set aside: why, as a message (``spinecare.messages.message_data``), shown
    in the reader's language; None in rows stored before (``original`` has it in English)."""
    day_last: Mapped[date | None] = mapped_column(Date, nullable=True)
    """The last day of a date given only as a month or a year (``day`` its first day;
    :attr:`~spinecare.record.model.Observation.last`), None for a whole date."""


class MedicationRow(_Fact, Base):
    __tablename__ = "medications"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id"))
    concept: Mapped[str | None] = mapped_column(String(100), nullable=True)
    codings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str | None] = mapped_column(Text, nullable=True)
    start: Mapped[date | None] = mapped_column(Date, nullable=True)
    end: Mapped[date | None] = mapped_column(Date, nullable=True)
    start_last: Mapped[date | None] = mapped_column(Date, nullable=True)
    """Dates given only as a month or a year, as the record gives them
    (:attr:`~spinecare.record.model.Medication.start_last`): the last day of the start,
    the first day of the end; None for a whole date."""
    end_first: Mapped[date | None] = mapped_column(Date, nullable=True)


class ProcedureRow(_Fact, Base):
    __tablename__ = "procedures"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id"))
    concept: Mapped[str | None] = mapped_column(String(100), nullable=True)
    codings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[str | None] = mapped_column(Text, nullable=True)
    performed: Mapped[date | None] = mapped_column(Date, nullable=True)
    body_sites: Mapped[list[Any]] = mapped_column(JSON, default=list)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    performed_last: Mapped[date | None] = mapped_column(Date, nullable=True)


class AnswerRow(_Fact, Base):
    """An answer to a KB intake question. An unanswered question has no row."""

    __tablename__ = "answers"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id"))
    question: Mapped[str] = mapped_column(Text)
    value: Mapped[Any] = mapped_column(JSON)  # true/false, a choice string or a number
    day: Mapped[date | None] = mapped_column(Date, nullable=True)
    day_last: Mapped[date | None] = mapped_column(Date, nullable=True)
    """The last day of a date given only as a month or a year (``day`` its first day;
    :attr:`~spinecare.record.model.Answer.last`), None for a whole date."""
    instant: Mapped[float | None] = mapped_column(Float, nullable=True)
    """The time it was given (POSIX seconds), None where the record gives none."""
    in_order: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """Whether the answers of one day are in the order given (rows stored before: so the
    later row was read as the later answer); :attr:`~spinecare.record.model.Answer.in_order`."""


class ClearanceRow(_Fact, Base):
    __tablename__ = "clearances"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    intake_id: Mapped[int | None] = mapped_column(ForeignKey("intakes.id"), nullable=True)
    request_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    concepts: Mapped[list[Any]] = mapped_column(JSON)
    decision: Mapped[str] = mapped_column(String(20))
    day: Mapped[date | None] = mapped_column(Date, nullable=True)
    by: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    # false: recorded from a document by someone who is not a physician of the clinic;
    # shown, in force only once a physician of the clinic decides
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class ClearanceRequest(Base):
    """A therapist's request that a physician clear named ``needs_clearance`` findings."""

    __tablename__ = "clearance_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    physician_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    concepts: Mapped[list[Any]] = mapped_column(JSON)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open|cleared|declined
    decision_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class AuditEntry(Base):
    """Who did what to which patient's data, when. Append-only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    clinic_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    username: Mapped[str | None] = mapped_column(String(100), nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    patient_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class CourseRow(Base):
    """A started massage course: the library's :class:`~spinecare.engine.course.Course` as
    JSON (``data``), with its status mirrored in columns for the queues."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    physician_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
    started_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20))  # active | paused | completed
    needs_physician: Mapped[bool] = mapped_column(Boolean, default=False)
    start: Mapped[date] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class SessionRow(Base):
    """One massage session of a course (a :class:`~spinecare.engine.course.Session` as JSON)
    with the re-screening of that day that allowed it."""

    __tablename__ = "course_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    day_check: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HomeStepRow(Base):
    """A self-massage step the therapist taught, with how often and how long."""

    __tablename__ = "home_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    zone: Mapped[str] = mapped_column(String(40))
    step: Mapped[str] = mapped_column(String(100))
    minutes: Mapped[float] = mapped_column(Float)  # the zone's routine, minutes a day
    times_per_day: Mapped[int] = mapped_column(Integer)
    taught_on: Mapped[date] = mapped_column(Date)
    taught_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    __table_args__ = (
        UniqueConstraint("course_id", "zone", "step", name="uq_home_steps_course_zone_step"),
    )


class DiaryEntry(Base):
    """A day of the patient's home routine and pain. ``idempotency_key`` makes a retried
    (offline) submission land once."""

    __tablename__ = "diary_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean)
    steps: Mapped[list[Any]] = mapped_column(JSON, default=list)
    minutes: Mapped[float | None] = mapped_column(Float, nullable=True)
    pain: Mapped[int | None] = mapped_column(Integer, nullable=True)
    symptoms: Mapped[list[Any]] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    idempotency_key: Mapped[str] = mapped_column(String(100))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("patient_id", "idempotency_key", name="uq_diary_patient_key"),
    )


class PatientIdentifier(Base):
    """A patient's id within an EHR: ``system`` is the EHR (its FHIR base URL, or its
    CDS Hooks JWT issuer), ``value`` the id of the Patient resource there. CDS Hooks cards
    link to the spinecare patient found this way, never to a row id the EHR sent."""

    __tablename__ = "patient_identifiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    system: Mapped[str] = mapped_column(String(500))
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index(
            "ix_patient_identifiers_clinic_system_value",
            "clinic_id",
            "system",
            "value",
            unique=True,
        ),
        Index("ix_patient_identifiers_system_value", "system", "value"),
    )


class SeenToken(Base):
    """A CDS Hooks JWT already accepted (issuer and ``jti``, hashed), kept until it
    expires: replay detection shared by every app worker."""

    __tablename__ = "cds_seen_tokens"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LoginFailure(Base):
    """A counter of failed sign-ins (an account name, a client address, or the two
    together), shared by every server process on the database and kept over a restart
    (:mod:`spinecare.clinic.logins`). ``key`` is a hash: no typed name (a password typed in
    the name's field) is kept. Times are seconds since the epoch."""

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    until: Mapped[float] = mapped_column(Float, default=0.0)
    seen: Mapped[float] = mapped_column(Float, index=True)


class RateBucket(Base):
    """A rate limit's bucket for one key (a client's address, hashed), shared by every
    server process on the database (:mod:`spinecare.clinic.rates`): the requests it had
    left at the moment ``at`` (seconds since the epoch)."""

    __tablename__ = "rate_buckets"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    at: Mapped[float] = mapped_column(Float, index=True)


class SmartLaunch(Base):
    """A SMART App Launch under way: its ``state`` (hashed), the EHR and the PKCE code
    verifier, kept from the redirect to the EHR until its answer comes back (once)."""

    __tablename__ = "smart_launches"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    iss: Mapped[str] = mapped_column(String(500))
    code_verifier: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
