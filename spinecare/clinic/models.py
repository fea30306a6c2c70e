"""What the clinic layer answers: one model per thing, the same for the web pages' JSON
twins, the REST API (whose OpenAPI schemas FastAPI generates from them) and the CLI.

The screening and plan models describe the JSON contract of DESIGN.md section 4; the
verdicts and plan statuses they allow come from the knowledge base's schema and the
planner, never from a list written again here. Models of the store's rows read them by
attribute (``PatientOut.model_validate(row)``), so no adapter needs the row itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from spinecare.kb.schema import VERDICTS

__all__ = [
    "PLAN_STATUSES",
    "ClearanceQueueItemOut",
    "ClearanceRequestOut",
    "CourseOut",
    "CourseSummaryOut",
    "CurrentUser",
    "DiaryEntryOut",
    "ErrorOut",
    "FindingOut",
    "HomeStepOut",
    "IntakeOut",
    "IntakeRecordOut",
    "MissingOut",
    "PatientDetailOut",
    "PatientListItemOut",
    "PatientOut",
    "PatientPageOut",
    "PhysicianOut",
    "PlanOut",
    "PlannedCourseOut",
    "ReviewItemOut",
    "ScreeningOut",
    "UserOut",
]

PLAN_STATUSES = ("ready", "pending", "blocked")
"""A plan's status (DESIGN.md section 3, "Plans")."""


def _verdict(description: str) -> Any:
    return Field(description=description, json_schema_extra={"enum": list(VERDICTS)})


class _Out(BaseModel):
    """What a use case answers: read-only once built (inside the database session)."""

    model_config = ConfigDict(frozen=True)


class _Rows(_Out):
    """A model read from a store row (by attribute); times as ISO 8601 like ``isoformat``."""

    model_config = ConfigDict(from_attributes=True)


class _Open(_Out):
    """A contract object: the named keys are guaranteed, further keys are kept as sent."""

    model_config = ConfigDict(extra="allow")


# ---------------------------------------------------------------------------------------
# Errors


class ErrorBody(_Out):
    status: int = Field(description="The HTTP status, again.")
    code: str = Field(description="A stable, machine-readable error code.")
    message: str = Field(description="What went wrong, in one line.")
    details: list[Any] | None = Field(None, description="Per-field problems, when any.")


class ErrorOut(_Out):
    """The one error envelope of the app."""

    error: ErrorBody


# ---------------------------------------------------------------------------------------
# Patients


class PatientOut(_Rows):
    """A patient's details, as the patient page and ``/api/patients/{id}`` show them."""

    id: int
    external_id: str
    name: str
    birth_date: dt.date | None = None
    birth_first: dt.date | None = None
    """Where the record gave the birth date only as a year or a month, its first day
    (``birth_date`` its last): shown as the record gives it ("1970")."""
    sex: str | None = None
    language: str | None = None
    notes: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    emergency_name: str | None = None
    emergency_phone: str | None = None
    version: int
    updated_at: dt.datetime

    @field_serializer("updated_at")
    def _time(self, value: dt.datetime) -> str:
        return value.isoformat()


class PatientListItemOut(PatientOut):
    """A patient on a list, with the screening verdict on the list's date."""

    verdict: str = _verdict("The screening verdict on the list's date.")


class PatientPageOut(_Out):
    """One page of the patients the caller may see."""

    patients: list[PatientListItemOut]
    total: int = Field(description="Patients matching, on all pages.")
    limit: int
    offset: int
    next_offset: int | None = Field(description="null on the last page")
    q: str = ""
    as_of: dt.date


class IntakeOut(_Rows):
    """One dated intake (what was recorded, and how)."""

    id: int
    date: dt.date = Field(validation_alias="day")
    source: str
    label: str | None = None


class IntakeRecordOut(IntakeOut):
    """One dated intake with who recorded it (the intake page)."""

    recorded_by: str | None = Field(None, description="The full name of who recorded it.")


class ClearanceRequestOut(_Rows):
    """A request to a physician to clear massage for named findings, and its decision."""

    id: int
    patient_id: int
    physician_id: int
    concepts: list[str]
    message: str | None = None
    status: str
    decision_note: str | None = None
    created_at: dt.datetime
    decided_at: dt.datetime | None = None
    version: int
    holds_until: dt.date | None = Field(
        None,
        description="A cleared request: the last day the physician's clearance holds (the "
        "end it gives, or 90 days after it was given: KB threshold clearance_fresh_days).",
    )
    lapsed: bool = Field(
        False,
        description="A cleared request whose clearance has ended (holds_until is past): the "
        "findings it cleared ask for a physician's clearance again.",
    )

    @field_serializer("created_at", "decided_at")
    def _time(self, value: dt.datetime | None) -> str | None:
        return value.isoformat() if value is not None else None


class ClearanceQueueItemOut(ClearanceRequestOut):
    """A clearance request on a queue, with the name of its patient."""

    patient_name: str | None = None


class CourseSummaryOut(_Rows):
    """A course of sessions, in one line: when it started and where it stands."""

    id: int
    start: dt.date
    status: str


class CourseOut(_Rows):
    """A course as its pages' JSON twins give it: its columns and the stored course
    (DESIGN.md section 3, "Courses")."""

    id: int
    patient_id: int
    physician_id: int | None = None
    status: str
    needs_physician: bool
    version: int
    course: dict[str, Any] = Field(
        validation_alias="data", description="The course as the library keeps it."
    )


class HomeStepOut(_Rows):
    """A self-massage step taught to the patient, and how often to do it."""

    zone: str
    step: str
    minutes: float
    times_per_day: int


class DiaryEntryOut(_Rows):
    """A day of the patient's home routine, as the patient recorded it."""

    id: int
    day: dt.date
    done: bool
    steps: list[str]
    minutes: float | None = None
    pain: int | None = None
    symptoms: list[str]
    notes: str | None = None
    key: str = Field(validation_alias="idempotency_key")


class ReviewItemOut(_Out):
    """A course a stop rule paused, waiting for the physician."""

    id: int
    patient_name: str
    patient_id: int
    status: str
    rules: list[str] = Field(description="The stop rules that fired, in order.")
    last: dt.date | None = Field(description="The day of the last stop event.")


class PatientDetailOut(_Out):
    """What the patient page shows: the details, intakes, clearance requests, courses."""

    patient: PatientOut
    intakes: list[IntakeOut]
    clearance_requests: list[ClearanceRequestOut]
    courses: list[CourseSummaryOut]


# ---------------------------------------------------------------------------------------
# Accounts


class PhysicianOut(_Rows):
    """A physician of the clinic, as a form offers them."""

    id: int
    full_name: str


class CurrentUser(_Out):
    """The signed-in user, as the adapters hold them for one request (from the login
    cookie, an API token or the command line) and hand them back to each use case, which
    reads the account again from the database before it decides anything."""

    id: int
    clinic_id: int
    username: str
    full_name: str
    role: str
    patient_id: int | None = None
    language: str = Field(
        description="The interface language: the account's own choice, "
        "else (a patient's account) their record's, else the source language."
    )
    must_change_password: bool = False


class ClinicOut(_Rows):
    """The clinic's name and the contacts printed for its patients."""

    name: str
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    hours: str | None = Field(None, description="Opening hours, in the clinic's words.")


class UserOut(_Rows):
    """An account of the clinic, as its administrator sees it."""

    id: int
    username: str
    full_name: str
    role: str
    patient_id: int | None = None
    patient_name: str | None = Field(None, description="The name on the patient's record.")
    language: str | None = None
    active: bool
    must_change_password: bool
    password_expires_at: dt.datetime | None = Field(
        None, exclude=True, description="When a one-time password from a reset stops working."
    )


# ---------------------------------------------------------------------------------------
# Screening and plan (DESIGN.md section 4)


class FindingOut(_Open):
    concept: str = Field(description="The KB concept id.")
    rule: str = Field(description="The KB rule id.")
    effect: str = _verdict("What the finding does to massage.")
    certainty: str = Field(
        description="present, or unknown (data missing)",
        json_schema_extra={"enum": ["present", "unknown"]},
    )
    reason: str
    evidence: list[Any]
    sources: list[Any]


class MissingOut(_Open):
    item: str = Field(description="What to measure or ask.")
    why: str


class NotUsedOut(_Open):
    ref: str = Field(description="The entry in the record.")
    kind: str = Field(
        description="What the entry is; observation: an Observation recording a finding the"
        " screening does not use (a smoking status); note: words of a note, a report, an alert"
        " or an assessment that name nothing the screening uses; set_aside: an entry the screening"
        " could not read (a document whose content is a link the record does not include, a"
        " PDF).",
        json_schema_extra={
            "enum": ["condition", "observation", "note", "medication", "procedure", "set_aside"]
        },
    )
    label: str = Field(
        description="Its words as recorded; where it has none (named false), what it is;"
        " for an entry set aside, why, in the screening's language."
    )
    named: bool
    date: str | None = Field(None, description="Onset or start, or the day it was done.")


class ScreeningOut(_Open):
    """Is massage safe and indicated for this patient on this date, and why."""

    verdict: str = _verdict("The most severe effect among the findings.")
    indicated: bool | None = Field(description="null when it depends on missing data")
    indications: list[str]
    findings: list[FindingOut]
    missing: list[MissingOut]
    kb_version: str
    not_used: list[NotUsedOut] = Field(
        default_factory=list,
        description=(
            "Conditions and medications in force and procedures done that name nothing "
            "the screening knows and decided no finding, and entries it could not read: "
            "shown, not dropped."
        ),
    )


class PatientScreeningOut(ScreeningOut):
    """A stored patient's screening: the contract, and what the record's latest SMART
    launch did not read."""

    not_read: list[str] = Field(
        default_factory=list,
        description=(
            "The kinds of record (FHIR resource types) the EHR did not give to the "
            "patient's latest SMART launch, as the screening page names them under "
            '"Not read" and CDS Hooks cards do: the screening may miss what they hold. '
            "Empty when that launch read everything, or none imported the record."
        ),
    )


class PlannedCourseOut(_Open):
    sessions: Any
    frequency: Any
    minutes_per_session: Any
    techniques: list[Any]


class PlanOut(_Open):
    """Zones, modalities, the course and what to avoid."""

    status: str = Field(
        description="ready, pending (provisional) or blocked",
        json_schema_extra={"enum": list(PLAN_STATUSES)},
    )
    verdict: str = _verdict("The screening verdict the plan follows.")
    zones: list[str]
    modalities: list[Any]
    course: PlannedCourseOut | None
    avoid: list[Any]
    home_program: list[Any]
    sources: list[Any]
