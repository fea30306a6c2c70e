"""Who may see and change what: the one place where role *and* relationship decide.

- admins and therapists (the clinic's staff) see and change their own clinic's patients;
- a physician sees the patients referred to them for clearance and those whose course
  they review; they decide the clearance requests addressed to them, and resume or end
  only the courses they review;
- a patient sees only their own record, through the pages written for them (their home
  routine, their course's progress, their screening in their own words), and writes only
  their own diary; the clinic's charts (the patient list, a patient's card, a past
  intake, a course's page with the sessions' notes and the stop events' details) are the
  staff's and the physicians';
- the urgent referral letter is opened by the staff and the physicians, never a patient;
- nobody sees another clinic's data, and a patient's account nothing of another
  patient's: it is answered as not found (404), so its existence is not revealed. A role
  or relationship that does not allow an action is
  :class:`~spinecare.store.errors.AccessDenied` (403).

Every refusal raised here is recorded in the audit log by the app's error handler
(:func:`spinecare.clinic.audit.record_refused`).
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from spinecare.clinic.models import CurrentUser
from spinecare.errors import NotFoundError
from spinecare.messages import N_, Message
from spinecare.store.errors import AccessDenied
from spinecare.store.models import ClearanceRequest, CourseRow, PatientRow, User
from spinecare.wording import RoleGroups, RoleNames

__all__ = [
    "CLINICIANS",
    "PATIENT_NOT_FOUND",
    "REFERRAL_READERS",
    "STAFF",
    "acting",
    "check_admin",
    "check_charts",
    "check_clearance_queue",
    "check_clearance_request",
    "check_course",
    "check_may_decide",
    "check_patient",
    "check_referral",
    "check_review_queue",
    "check_role",
    "check_staff",
    "decides_clearances",
    "is_clinic_physician",
    "reads_charts",
    "visible_patients",
    "writes_diary",
]

STAFF = frozenset({"admin", "therapist"})
"""The clinic's staff: they see and change every patient of their clinic."""

COURSE_ACTIONS = ("read", "chart", "change", "resume", "end", "diary")

PATIENT_NOT_FOUND = N_("this patient was not found")


def acting(session: Session, who: CurrentUser) -> User:
    """The account of ``who`` as the database holds it now: every check below reads its
    role, clinic and patient record from there, never from what an adapter kept. An
    account deactivated (or removed) since it signed in acts no more."""
    user = session.get(User, who.id)
    if user is None or not user.active or user.clinic_id != who.clinic_id:
        raise AccessDenied(N_("your account is no longer active"))
    return user


def visible_patients(query: Any, user: User) -> Any:
    """``query`` (over :class:`PatientRow`) narrowed to the patients ``user`` may see."""
    query = query.where(PatientRow.clinic_id == user.clinic_id)
    if user.role in STAFF:
        return query
    if user.role == "physician":
        referred = select(ClearanceRequest.patient_id).where(
            ClearanceRequest.physician_id == user.id
        )
        # a course paused by a stop rule that names no physician is every physician's
        reviewing = select(CourseRow.patient_id).where(
            or_(
                CourseRow.physician_id == user.id,
                and_(CourseRow.physician_id.is_(None), CourseRow.needs_physician.is_(True)),
            )
        )
        return query.where(or_(PatientRow.id.in_(referred), PatientRow.id.in_(reviewing)))
    if user.role == "patient":
        return query.where(PatientRow.id == (user.patient_id or -1))
    return query.where(PatientRow.id == -1)


def check_patient(
    session: Session,
    user: User,
    patient_id: int,
    *,
    write: bool = False,
    missing: Message | None = None,
) -> PatientRow:
    """The patient, if ``user`` may see it (and change it, with ``write``).

    Another clinic's patient is not found (404), and so is, for a patient's account,
    another patient of its own clinic: a patient learns nothing of who else the clinic
    treats. ``missing`` says what was not found where the patient was reached through
    something else of theirs (a course)."""
    no_access = Message(
        "your role (%(role)s) does not give access to this patient", role=RoleNames(user.role)
    )
    if user.role == "patient" and user.patient_id is None:
        raise AccessDenied(no_access)  # an account tied to no record opens none, whatever the id
    not_found = NotFoundError(missing or Message(PATIENT_NOT_FOUND, id=patient_id))
    patient = session.get(PatientRow, patient_id)
    if patient is None or patient.clinic_id != user.clinic_id:
        raise not_found
    visible = session.scalar(
        visible_patients(select(PatientRow.id), user).where(PatientRow.id == patient_id)
    )
    if visible is None:
        if user.role == "patient":
            raise not_found
        raise AccessDenied(no_access)
    if write and user.role not in STAFF:
        raise AccessDenied(
            Message(
                "your role (%(role)s) may not change patient records", role=RoleNames(user.role)
            )
        )
    return patient


def check_course(session: Session, user: User, course_id: int, action: str) -> CourseRow:
    """The course, if ``user`` may do ``action`` on it (one of :data:`COURSE_ACTIONS`).

    Seeing the course's patient is required for every action (another patient's course
    is not found, 404); then ``chart`` (the course's page as the clinic keeps it: the
    sessions with the therapist's notes, the stop events' details) is for those who read
    the charts (:func:`reads_charts`: the patient reads their course through their home
    routine and progress instead, 403); ``change`` is the staff's; ``resume`` is the
    reviewing physician's (or any physician who sees the patient, for a course nobody
    reviews yet); ``end`` is the staff's or the reviewing physician's; ``diary`` is the
    patient's own."""
    if action not in COURSE_ACTIONS:
        raise ValueError(f"unknown course action {action!r}")
    row = session.get(CourseRow, course_id)
    missing = Message("this course was not found", id=course_id)
    if row is None or row.clinic_id != user.clinic_id:
        raise NotFoundError(missing)
    check_patient(session, user, row.patient_id, missing=missing)
    if action == "chart":
        check_charts(user)
    if action == "change" and user.role not in STAFF:
        raise AccessDenied(
            Message("your role (%(role)s) may not change a course", role=RoleNames(user.role))
        )
    if action == "resume":
        if user.role != "physician":
            raise AccessDenied(N_("only the physician reviewing the course can resume it"))
        if row.physician_id not in (None, user.id):
            raise AccessDenied(N_("this course is reviewed by another physician"))
    if action == "end":
        if user.role == "physician":
            if row.physician_id != user.id:
                raise AccessDenied(N_("only the physician reviewing the course can end it"))
        elif user.role not in STAFF:
            raise AccessDenied(
                Message("your role (%(role)s) may not end a course", role=RoleNames(user.role))
            )
    if action == "diary" and not writes_diary(user, row.patient_id):
        raise AccessDenied(N_("only the patient writes their own diary"))
    return row


class Roled(Protocol):
    """A user as a role check reads them: a store row inside the clinic, the adapters'
    :class:`CurrentUser` outside it (never a row handed in by an adapter)."""

    @property
    def role(self) -> str: ...

    @property
    def patient_id(self) -> int | None: ...


def writes_diary(user: Roled, patient_id: int) -> bool:
    """Whether ``user`` writes the home diary of the patient ``patient_id``: only that
    patient's own account (:func:`check_course` accepts an entry by it; a page shows the
    diary form by it)."""
    return user.role == "patient" and user.patient_id == patient_id


CLINICIANS = ("admin", "therapist", "physician")
"""The clinic's staff and its physicians."""

REFERRAL_READERS = CLINICIANS
"""Who opens an urgent referral letter: the clinic's staff and its physicians."""


def reads_charts(user: Roled) -> bool:
    """Whether ``user`` reads the clinic's charts: the patient list with each one's
    verdict, a patient's card (details, intakes, clearance requests, courses), a past
    intake and a course's page (its sessions with the therapist's notes, its stop events'
    details), as the staff and the physicians keep them (:func:`check_charts`). A
    patient's account reads its own record through the pages written for it instead: its
    home routine, its diary, its course's progress, its screening in its own words (a page
    sends it there)."""
    return user.role in CLINICIANS


def check_charts(user: Roled) -> None:
    """Refuse (403) the clinic's charts to a user who does not read them
    (:func:`reads_charts`): the page, its JSON twin and ``/api/`` alike."""
    check_role(user, *CLINICIANS)


def check_referral(user: Roled) -> None:
    """The urgent referral letter is for the clinic's staff and its physicians to print
    and hand on; a patient's account reads its own screening in the patient's words."""
    check_role(user, *REFERRAL_READERS)


def check_role(user: Roled, *roles: str) -> None:
    """Refuse (403) a user whose role is none of ``roles``: what they asked for is only
    those roles' (the pages' role check, and the use cases of one role)."""
    if user.role not in roles:
        raise AccessDenied(
            Message(
                "this page is for %(roles)s; you are signed in as %(role)s",
                roles=RoleGroups(*roles),
                role=RoleNames(user.role),
            )
        )


STAFF_ACTIONS = {
    "create_patient": N_("your role (%(role)s) may not create patients"),
    "import_record": N_("your role (%(role)s) may not import records"),
}


def check_staff(user: User, action: str) -> None:
    """Clinic-wide changes (``create_patient``, ``import_record``) are the staff's."""
    if user.role not in STAFF:
        raise AccessDenied(Message(STAFF_ACTIONS[action], role=RoleNames(user.role)))


def check_admin(user: User) -> None:
    """The clinic's accounts and its audit log are the admin's."""
    check_role(user, "admin")


def check_clearance_queue(user: User) -> None:
    """The clearance queue: a physician's own requests, or the clinic's for the staff."""
    if user.role != "physician" and user.role not in STAFF:
        raise AccessDenied(
            Message("your role (%(role)s) has no clearance queue", role=RoleNames(user.role))
        )


def check_may_decide(session: Session, user: User, request_id: int) -> ClearanceRequest:
    """The request, if ``user`` is the physician it is addressed to."""
    if user.role != "physician":
        raise AccessDenied(N_("only the physician the request is addressed to can decide it"))
    return check_clearance_request(session, user, request_id)


def check_review_queue(user: User) -> None:
    """The paused-courses and clearance queues: physicians (their own) and staff."""
    if user.role != "physician" and user.role not in STAFF:
        raise AccessDenied(
            Message("your role (%(role)s) has no review queue", role=RoleNames(user.role))
        )


def check_clearance_request(session: Session, user: User, request_id: int) -> ClearanceRequest:
    """The request, if ``user`` may see it: the staff, or the physician it is addressed to."""
    req = session.get(ClearanceRequest, request_id)
    if req is None or req.clinic_id != user.clinic_id:
        raise NotFoundError(Message("this clearance request was not found", id=request_id))
    if user.role == "physician" and req.physician_id != user.id:
        raise AccessDenied(N_("this request is addressed to another physician"))
    if not sees_clearance_requests(user):
        raise AccessDenied(N_("patients cannot see clearance requests"))
    return req


def sees_clearance_requests(user: User) -> bool:
    """Whether ``user`` may see the clearance requests of a patient they may open: the
    clinicians and staff, never a patient (the therapist's message and the physician's
    note are written to each other)."""
    return user.role != "patient"


def is_clinic_physician(user: User | None, clinic_id: int) -> bool:
    """Whether ``user`` is an active physician of the clinic: the only one a clearance
    request may be addressed to or a course reviewed by (never another clinic's, nor a
    deactivated account, which could not act on it)."""
    return (
        user is not None
        and user.role == "physician"
        and user.clinic_id == clinic_id
        and bool(user.active)
    )


def decides_clearances(user: User) -> bool:
    """Whether a clearance ``user`` records is in force: only a physician of the clinic
    decides one. A clearance anyone else records (an imported intake file's, as the
    document says it) is shown and settles nothing until a physician of the clinic
    decides a clearance request for it."""
    return is_clinic_physician(user, user.clinic_id)
