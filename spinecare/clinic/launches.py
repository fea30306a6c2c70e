"""SMART App Launch, the clinic's side: the launches under way (a ``state`` used once,
with its EHR and PKCE verifier; at most :data:`LAUNCH_BURST` at once from one address,
then one every ``1 / LAUNCH_PER_SECOND`` seconds, and at most :data:`LIVE_LAUNCHES` under
way in all), and opening the EHR's patient for the EHR user's
account: the account must be active and of the clinic the EHR belongs to; staff store
the EHR's record (a new patient the first time) with the kinds of record the EHR did not
give, other roles only open a patient the clinic already has; the launch is audited and
starts a login session."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from spinecare.clinic.accounts import current_user, find_user, start_session
from spinecare.clinic.audit import ActorRef
from spinecare.clinic.audit import record as audit
from spinecare.clinic.patients import WRITERS, another_person, import_record
from spinecare.clinic.permissions import check_patient
from spinecare.clinic.rates import RateLimit
from spinecare.messages import N_, Message, Wait
from spinecare.record.model import PatientRecord
from spinecare.store.db import Database, prune
from spinecare.store.ehr import clinic_ehr_patient, free_external_id
from spinecare.store.errors import AccessDenied, TooManyRequests
from spinecare.store.models import Clinic, SmartLaunch, as_utc

__all__ = [
    "LAUNCH_BURST",
    "LAUNCH_PER_SECOND",
    "LIVE_LAUNCHES",
    "NOT_LINKED",
    "AnotherEhrPatient",
    "begin_launch",
    "check_launch_rate",
    "launch_rate",
    "open_ehr_patient",
    "take_launch",
]

LAUNCH_BURST = 30
"""Launches one client address may start at once (a clinic behind one address)."""
LAUNCH_PER_SECOND = 0.5
"""Then one every two seconds from that address."""
LIVE_LAUNCHES = 2000
"""Launches under way (started, not yet answered by the EHR nor expired) in all."""
NOT_LINKED = Message("your EHR account is not linked to a spinecare account")
LINKED_TO_ANOTHER = N_(
    "the EHR's patient is another person than the patient of the clinic linked to them (a"
    " name or a birth date that differs): nothing was opened or saved; ask the clinic's"
    " administrator to check which patient this EHR record belongs to"
)


class AnotherEhrPatient(AccessDenied):
    """The EHR's patient is not the person of the clinic's patient linked to them: the
    launch opens and stores nothing (recorded as a refusal of ``actor``)."""

    code = "another_person"

    def __init__(self, actor: ActorRef) -> None:
        super().__init__(Message(LINKED_TO_ANOTHER))
        self.actor = actor


def _too_many(wait: float) -> TooManyRequests:
    seconds = max(1, math.ceil(wait))
    return TooManyRequests(
        Message("too many launches at once; try again %(wait)s", wait=Wait(seconds)), seconds
    )


def launch_rate(db: Database | None = None) -> RateLimit:
    """The limit of launches started by one client address, counted in ``db`` (the app's
    database: every server process on it counts the same launches)."""
    return RateLimit(burst=LAUNCH_BURST, per_second=LAUNCH_PER_SECOND, db=db)


def check_launch_rate(rate: RateLimit, address: str | None) -> None:
    """:class:`TooManyRequests` when ``address`` starts launches faster than the limit."""
    wait = rate.take(address or "")
    if wait > 0:
        raise _too_many(wait)


def begin_launch(
    session: Session, *, state_hash: str, iss: str, verifier: str, moment: datetime, ttl: timedelta
) -> None:
    """Keep a launch under way (and forget those older than ``ttl``). With
    :data:`LIVE_LAUNCHES` under way already, the oldest are forgotten to make room: launches
    started from many addresses (each within its own rate) never keep a clinician's new
    launch out; one of theirs is forgotten only after that many others started since it."""
    prune(session, SmartLaunch.state_hash, SmartLaunch.created_at, moment - ttl, LIVE_LAUNCHES)
    session.add(
        SmartLaunch(state_hash=state_hash, iss=iss, code_verifier=verifier, created_at=moment)
    )


def take_launch(session: Session, state_hash: str) -> tuple[str, str, datetime] | None:
    """The EHR, PKCE verifier and start (aware) of the launch with this state, removed
    (a state is used once); None if there is none."""
    row = session.get(SmartLaunch, state_hash)
    if row is None:
        return None
    found = (row.iss, row.code_verifier, row.created_at)
    session.delete(row)
    iss, verifier, created = found
    return iss, verifier, as_utc(created)


def open_ehr_patient(
    session: Session,
    *,
    clinic: str,
    iss: str,
    username: str,
    record: PatientRecord,
    ehr_patient: str,
    not_read: Sequence[str] = (),
    idle: timedelta,
    replacing: str | None = None,
) -> tuple[int, str]:
    """The clinic's patient with this EHR id (never one that merely shares the number),
    refused where the EHR's patient is another person than that patient
    (:class:`AnotherEhrPatient`: a name or a birth date that differs), its record stored
    when ``username`` is staff, with the kinds of record the EHR did not
    give (``not_read``, FHIR resource types: :func:`spinecare.store.records.not_read_of`);
    with a new login session's token. Another role's launch stores nothing: the pages it
    opens show the record stored before and what its launch did not read. The session
    ends as a sign-in's does, once unused for ``idle``; the browser's login it replaces
    (``replacing``) ends (:func:`spinecare.clinic.accounts.start_session`)."""
    user = find_user(session, username)
    place = session.get(Clinic, user.clinic_id) if user is not None else None
    if user is None or not user.active or place is None or place.name != clinic:
        raise AccessDenied(NOT_LINKED)
    who = current_user(session, user)
    linked = clinic_ehr_patient(session, user.clinic_id, iss, ehr_patient)
    # a link is where a record goes, not proof of whose it is: it may have been made by an
    # import of a record without a name or birth date, or for the wrong chart. The EHR's
    # patient is checked against the linked chart as any record for a chart is, for every
    # role (a physician would read, and clear, another person's chart); the chart is not
    # named, as the launching account may not be allowed to see it
    if linked is not None and another_person(linked, record) is not None:
        raise AnotherEhrPatient(ActorRef.of(who))
    if user.role in WRITERS:
        external = (
            linked.external_id
            if linked is not None
            else free_external_id(session, user.clinic_id, ehr_patient, iss)
        )
        patient = import_record(
            session,
            who,
            replace(record, patient=replace(record.patient, id=external)),
            label=f"EHR launch ({iss})",
            source="fhir",
            ehr_ids=[(iss, ehr_patient)],
            not_read=(iss, not_read),
        )
        patient_id = patient.id
    elif linked is not None:
        patient_id = linked.id
    else:
        raise AccessDenied(
            Message("this patient is not in spinecare yet; a therapist opens them first")
        )
    check_patient(session, user, patient_id)  # the account may open this patient
    audit(session, user, "launch", "patient", str(patient_id), patient_id=patient_id)
    return patient_id, start_session(session, who, idle=idle, replacing=replacing)
