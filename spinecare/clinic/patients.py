"""What the clinic app does with its data, role- and clinic-scoped.

Every function takes the acting :class:`~spinecare.store.models.User` and checks what
that user may see or change: admins and therapists see their own clinic's patients,
a physician the patients referred to them for clearance, a patient only their own
record. Another clinic's patient is answered as not found (404); a role that may not do
something gets :class:`AccessDenied` (403). Each read and change is audited.

Screening is computed on read by the library (:func:`spinecare.engine.screening.screen_record`)
from the stored rows, so every change re-screens automatically.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from spinecare.clinic.audit import detail_text
from spinecare.clinic.audit import record as audit
from spinecare.clinic.models import (
    ClearanceQueueItemOut,
    ClearanceRequestOut,
    CurrentUser,
    IntakeOut,
    IntakeRecordOut,
    PatientDetailOut,
    PatientListItemOut,
    PatientOut,
    PatientPageOut,
    PatientScreeningOut,
    PhysicianOut,
    PlanOut,
)
from spinecare.clinic.permissions import (
    STAFF,
    acting,
    check_charts,
    check_clearance_queue,
    check_clearance_request,
    check_may_decide,
    check_patient,
    check_referral,
    check_staff,
    decides_clearances,
    is_clinic_physician,
    sees_clearance_requests,
    visible_patients,
)
from spinecare.clinic.verdicts import list_verdicts, screen_for_list
from spinecare.dates import date_problem, iso_date
from spinecare.engine.planning import CoursePlan, plan_course
from spinecare.engine.screening import Screening, screen_record
from spinecare.errors import NotFoundError
from spinecare.i18n import languages
from spinecare.kb.loader import KB
from spinecare.messages import N_, Message, Names
from spinecare.record.model import Clearance, PatientRecord
from spinecare.store.ehr import link_ehr_patient
from spinecare.store.errors import FormError, VersionConflict
from spinecare.store.models import (
    ClearanceRequest,
    ClearanceRow,
    Intake,
    PatientRow,
    User,
)
from spinecare.store.records import (
    fact_intakes,
    not_read_of,
    record_of,
    records_of,
    store_record,
)
from spinecare.store.search import like_pattern, parse_query, spellings
from spinecare.wording import SEX_WORDS, LanguageNames, WordNames

__all__ = [
    "CLINIC_STAFF",
    "AnotherPerson",
    "ImportRead",
    "IntakeView",
    "PatientInput",
    "add_intake",
    "another_person",
    "clearance_queue",
    "create_patient",
    "decide_clearance",
    "fact_intakes_of",
    "get_clearance_request",
    "get_intake",
    "get_patient",
    "import_record",
    "intakes_of",
    "list_patients",
    "patient_detail",
    "patient_page",
    "patient_screening",
    "physicians",
    "read_import",
    "referral_screening",
    "request_clearance",
    "requests_of",
    "screen_patient",
    "screen_patients",
    "update_patient",
]

CLINIC_STAFF = STAFF
WRITERS = STAFF


def now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------------------------------
# Visibility


_visible = visible_patients


def _patient_row(
    session: Session,
    user: User,
    patient_id: int,
    *,
    write: bool = False,
    audit_as: str | None = "read",
    chart: bool = False,
) -> PatientRow:
    """The patient, if ``user`` may see it (and change it, with ``write``; read its chart,
    with ``chart``), the read audited as ``audit_as``. A patient's account asking for
    another patient's chart finds nothing (404); its own chart is refused (403)."""
    patient = check_patient(session, user, patient_id, write=write)
    if chart:
        check_charts(user)
    if audit_as:
        audit(session, user, audit_as, "patient", str(patient.id), patient_id=patient.id)
    return patient


def get_patient(
    session: Session,
    who: CurrentUser,
    patient_id: int,
    *,
    write: bool = False,
    audit_as: str | None = "read",
) -> PatientOut:
    """The patient if ``user`` may see it (and change it, with ``write``); the read is
    audited as ``audit_as`` (None: not at all, the use case that follows records it)."""
    user = acting(session, who)
    return PatientOut.model_validate(
        _patient_row(session, user, patient_id, write=write, audit_as=audit_as)
    )


def search_condition(q: str | None) -> Any:
    """The SQL condition for a patient search ``q`` (None for an empty query)."""
    parsed = parse_query(q or "")
    if parsed is None:
        return None
    terms: list[Any] = [
        PatientRow.search.like(like_pattern(fragment), escape="\\")
        for fragment in (*parsed.texts, *parsed.digits)
    ]
    if parsed.born is not None:
        terms.append(PatientRow.birth_date == parsed.born)
    return or_(*terms)


def _patient_rows(
    session: Session, user: User, *, q: str | None, limit: int, offset: int
) -> tuple[list[PatientRow], int]:
    check_charts(user)  # the list is the clinic's; a patient reads their own pages
    query = _visible(select(PatientRow), user)
    matches = search_condition(q)
    if matches is not None:
        query = query.where(matches)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(PatientRow.name, PatientRow.id).limit(limit).offset(offset)
    ).all()
    audit(
        session, user, "list", "patient", None, detail=f"q={detail_text(q or '')} offset={offset}"
    )
    return list(rows), total


def list_patients(
    session: Session, who: CurrentUser, *, q: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[PatientOut], int]:
    """The patients ``who`` may see, by name, with the total; ``q`` finds a part of the
    name in any script and case, the patient id, a phone or a birth date
    (:mod:`spinecare.store.search`)."""
    user = acting(session, who)
    rows, total = _patient_rows(session, user, q=q, limit=limit, offset=offset)
    return [PatientOut.model_validate(p) for p in rows], total


def patient_page(
    session: Session,
    who: CurrentUser,
    kb: KB,
    as_of: date,
    *,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> PatientPageOut:
    """One page of the patients ``user`` may see, each with its verdict on ``as_of``."""
    user = acting(session, who)
    rows, total = _patient_rows(session, user, q=q, limit=limit, offset=offset)
    verdicts = list_verdicts(session, rows, kb, as_of)
    items = [
        PatientListItemOut.model_validate(
            {**PatientOut.model_validate(p).model_dump(), "verdict": verdicts[p.id]}
        )
        for p in rows
    ]
    after = offset + len(items)
    return PatientPageOut(
        patients=items,
        total=total,
        limit=limit,
        offset=offset,
        next_offset=after if after < total else None,
        q=q or "",
        as_of=as_of,
    )


def patient_detail(session: Session, who: CurrentUser, patient_id: int, kb: KB) -> PatientDetailOut:
    """What the patient page (the patient's chart) shows, if ``who`` may see the patient and
    read the clinic's charts (the read is audited); ``kb``: the app's knowledge base, which
    says how long a clearance holds (:func:`requests_of`)."""
    from spinecare.clinic.courses import course_summaries

    user = acting(session, who)
    patient = PatientOut.model_validate(_patient_row(session, user, patient_id, chart=True))
    return PatientDetailOut(
        patient=patient,
        intakes=intakes_of(session, patient.id),
        clearance_requests=requests_of(session, patient.id, who, kb),
        courses=course_summaries(session, patient.id),
    )


# ---------------------------------------------------------------------------------------
# Patients


SEXES = ("female", "male", "other", "unknown")
LANGUAGES = tuple(languages())


def birth_date_problem(born: date, today: date) -> str | None:
    """Why ``born`` is no birth date a patient's details may hold (in the future, before
    1900), or None: the patient form's rule, and an imported record's."""
    if born > today:
        return N_("this date has not come yet")
    if born.year < 1900:
        return N_("before 1900; check the year")
    return None


@dataclass
class PatientInput:
    """A patient's details as typed in a form (strings), validated by :meth:`clean`."""

    name: str = ""
    external_id: str = ""
    birth_date: str = ""
    sex: str = ""
    language: str = ""
    notes: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    emergency_name: str = ""
    emergency_phone: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def clean(self, today: date) -> dict[str, Any]:
        errors: dict[str, str] = {}
        name = " ".join(self.name.split())
        if not name:
            errors["name"] = N_("required")
        elif len(name) > NAME_MAX:
            errors["name"] = N_("at most 200 characters")
        ext = self.external_id.strip()
        if len(ext) > EXTERNAL_ID_MAX:
            errors["external_id"] = N_("at most 100 characters")
        born: date | None = None
        if self.birth_date.strip():
            try:
                born = iso_date(self.birth_date.strip())
            except ValueError:
                errors["birth_date"] = date_problem(self.birth_date.strip())
            else:
                problem = birth_date_problem(born, today)
                if problem is not None:
                    errors["birth_date"] = problem
        if self.sex and self.sex not in SEXES:
            errors["sex"] = Message("one of %(choices)s", choices=WordNames(SEX_WORDS))
        if self.language and self.language not in LANGUAGES:
            errors["language"] = Message("one of %(choices)s", choices=LanguageNames(*LANGUAGES))
        if len(self.notes) > 5000:
            errors["notes"] = N_("at most 5000 characters")
        contact = clean_contact(self, errors)
        if errors:
            raise FormError(errors)
        return {
            "name": name,
            "external_id": ext,
            "birth_date": born,
            "sex": self.sex or None,
            "language": self.language or None,
            "notes": self.notes.strip() or None,
            **contact,
        }


PHONE_CHARACTERS = re.compile(r"^\+?[\d\s().\-]+$")
_DOMAIN_PART = r"[^@\s.?&,;:<>\"'()\[\]\\/]+"
EMAIL = re.compile(rf"^[^@\s?&,;:<>\"'()\[\]\\/]+@{_DOMAIN_PART}(\.{_DOMAIN_PART})+$")
"""One address: no ``?``, ``&``, ``,`` or ``;``, which in the page's ``mailto:`` link would
add recipients, a subject or a body."""
CONTACT_FIELDS = ("phone", "email", "address", "emergency_name", "emergency_phone")


def _phone(raw: str, name: str, errors: dict[str, str]) -> str | None:
    value = " ".join(raw.split())
    if not value:
        return None
    digits = sum(ch.isdigit() for ch in value)
    if not PHONE_CHARACTERS.match(value) or not 5 <= digits <= 15 or len(value) > 40:
        errors[name] = Message(
            "a phone number: digits, spaces, '+', '-' and brackets, 5 to 15 digits "
            "(for example +7 912 345-67-89)"
        )
        return None
    return value


def clean_contacts(
    errors: dict[str, str], *, phone: str, email: str, address: str
) -> dict[str, str | None]:
    """A phone number, an e-mail address and a postal address (a patient's, a clinic's),
    tidied, None where empty; each wrong one named in ``errors``."""
    email = email.strip()
    if email and (len(email) > 254 or not EMAIL.match(email)):
        errors["email"] = Message("an e-mail address such as name@example.org")
    address = " ".join(address.split())
    if len(address) > 500:
        errors["address"] = Message("at most 500 characters")
    return {
        "phone": _phone(phone, "phone", errors),
        "email": email or None,
        "address": address or None,
    }


def clean_contact(data: PatientInput, errors: dict[str, str]) -> dict[str, str | None]:
    """The contact details of ``data``, tidied; each wrong one named in ``errors``."""
    contacts = clean_contacts(errors, phone=data.phone, email=data.email, address=data.address)
    emergency_phone = _phone(data.emergency_phone, "emergency_phone", errors)
    emergency_name = " ".join(data.emergency_name.split())
    if len(emergency_name) > 200:
        errors["emergency_name"] = N_("at most 200 characters")
    elif emergency_name and not data.emergency_phone.strip():
        errors["emergency_phone"] = Message("give the emergency contact's phone number")
    return {
        **contacts,
        "emergency_name": emergency_name or None,
        "emergency_phone": emergency_phone,
    }


def lock_patient(session: Session, patient_id: int) -> None:
    """Hold the patient's row until the transaction ends, so that decisions about the
    patient that must be made one at a time (a course starts only when none is running)
    are, on one server or several on one database (PostgreSQL: a row lock; SQLite: the
    write lock, which the first write of a transaction takes). Reads after it see what
    the decisions before it committed."""
    session.execute(update(PatientRow).where(PatientRow.id == patient_id).values(id=PatientRow.id))


def _external_taken(session: Session, clinic_id: int, ext: str, exclude: int | None) -> bool:
    query = select(PatientRow.id).where(
        PatientRow.clinic_id == clinic_id, PatientRow.external_id == ext
    )
    if exclude is not None:
        query = query.where(PatientRow.id != exclude)
    return session.scalar(query) is not None


def create_patient(session: Session, who: CurrentUser, data: PatientInput) -> PatientOut:
    user = acting(session, who)
    check_staff(user, "create_patient")
    values = data.clean(date.today())
    if values["external_id"] and _external_taken(
        session, user.clinic_id, values["external_id"], None
    ):
        raise FormError(
            {
                "external_id": Message(
                    "'%(id)s' is already a patient of this clinic", id=values["external_id"]
                )
            }
        )
    moment = now()
    patient = PatientRow(
        clinic_id=user.clinic_id,
        created_at=moment,
        updated_at=moment,
        **{**values, "external_id": values["external_id"] or "pending"},
    )
    session.add(patient)
    session.flush()
    if not values["external_id"]:
        patient.external_id = f"P{patient.id:06d}"
        session.flush()
    audit(session, user, "create", "patient", str(patient.id), patient_id=patient.id)
    return PatientOut.model_validate(patient)


def update_patient(
    session: Session, who: CurrentUser, patient_id: int, data: PatientInput, version: int
) -> PatientOut:
    """Save changed details if ``version`` is still the stored one, else VersionConflict."""
    user = acting(session, who)
    patient = _patient_row(session, user, patient_id, write=True, audit_as=None)
    values = data.clean(date.today())
    if values["external_id"] and _external_taken(
        session, user.clinic_id, values["external_id"], patient.id
    ):
        raise FormError(
            {
                "external_id": Message(
                    "'%(id)s' is already a patient of this clinic", id=values["external_id"]
                )
            }
        )
    if patient.version != version:
        raise VersionConflict(
            Message(
                "patient %(id)s was changed by someone else (version %(current)s, your form had "
                "%(yours)s); reload the page to see the changes, then save again",
                id=patient.id,
                current=patient.version,
                yours=version,
            )
        )
    if values["birth_date"] != patient.birth_date:
        patient.birth_first = None  # a whole date typed: no longer a year or a month
    for key, value in values.items():
        if key == "external_id" and not value:
            continue
        setattr(patient, key, value)
    patient.updated_at = now()
    try:
        session.flush()
    except StaleDataError:
        session.rollback()  # the session is unusable until rolled back; nothing was saved
        raise VersionConflict(
            Message(
                "patient %(id)s was changed by someone else while you saved; reload",
                id=patient.id,
            )
        ) from None
    audit(session, user, "update", "patient", str(patient.id), patient_id=patient.id)
    return PatientOut.model_validate(patient)


@dataclass(frozen=True)
class IntakeView:
    """One past intake as its page shows it: the patient, the intake (with who recorded
    it) and the facts it brought."""

    patient: PatientOut
    intake: IntakeRecordOut
    facts: PatientRecord


def get_intake(session: Session, who: CurrentUser, patient_id: int, intake_id: int) -> IntakeView:
    """One past intake of the patient, if ``user`` may see the patient and read the
    clinic's charts (the read is audited): the intake, the facts it brought, and the full
    name of who recorded it."""
    user = acting(session, who)
    patient = _patient_row(session, user, patient_id, chart=True)
    intake = session.get(Intake, intake_id)
    if intake is None or intake.patient_id != patient.id:
        raise NotFoundError(Message("this intake was not found", id=intake_id))
    facts = records_of(session, [patient], intake_id=intake.id)[patient.id]
    recorder = session.get(User, intake.recorded_by) if intake.recorded_by else None
    return IntakeView(
        PatientOut.model_validate(patient),
        IntakeRecordOut.model_validate(
            {
                "id": intake.id,
                "day": intake.day,
                "source": intake.source,
                "label": intake.label,
                "recorded_by": recorder.full_name if recorder else None,
            }
        ),
        facts,
    )


@dataclass(frozen=True)
class ImportRead:
    """What an uploaded file holds (:func:`read_import`)."""

    record: PatientRecord
    ehr_ids: list[tuple[str, str]]
    source: str
    """``fhir`` for a FHIR resource (plain or gzip), ``file`` for an intake file."""


def read_import(raw: bytes, name: str, kb: KB) -> ImportRead:
    """An uploaded FHIR Bundle or intake file: the record it holds, the patient's
    ``(EHR, id)`` pairs it names and what kind of file it was (for
    :func:`import_record`). CPU work: run it in a worker."""
    from spinecare.core import load_record, read_document
    from spinecare.store.ehr import ehr_ids_in_bundle

    document = read_document(raw, name)
    source_doc = document if isinstance(document, dict) else raw
    fhir = isinstance(document, dict) and "resourceType" in document
    return ImportRead(
        load_record(source_doc, kb, name=name),
        list(ehr_ids_in_bundle(document)),
        "fhir" if fhir else "file",
    )


def import_record(
    session: Session,
    who: CurrentUser,
    record: PatientRecord,
    *,
    label: str,
    source: str = "fhir",
    day: date | None = None,
    ehr_ids: Sequence[tuple[str, str]] = (),
    kb: KB | None = None,
    not_read: tuple[str, Sequence[str]] | None = None,
) -> PatientOut:
    """Store a record read from a FHIR Bundle or intake file (a new patient, or a new intake
    for the clinic's patient with the same external id, refused where it is another
    person's: :func:`another_person`, whatever else links them: an EHR launch of a patient
    linked to the EHR's is checked as well, :func:`spinecare.clinic.launches.open_ehr_patient`).

    ``kb``: the conditions the record's coded Observations record (a pregnancy status), and
    the diagnoses its orders' names give, are stored as conditions, so the stored record
    screens as the file does.

    ``ehr_ids``: the patient's ``(EHR, id)`` pairs the document gave
    (:func:`spinecare.store.ehr.ehr_ids_in_bundle`), stored so CDS Hooks cards from that
    EHR link to this patient.

    ``not_read``: a SMART launch's record, from this EHR, which did not give these kinds
    of record (:func:`spinecare.store.records.not_read_of`)."""
    user = acting(session, who)
    check_staff(user, "import_record")
    if kb is not None and (record.coded_observations or record.orders):
        # what they say is kept as conditions: the clinic keeps no coded observations and no
        # orders (an order's name may give a diagnosis: engine.evaluate.order_diagnoses)
        from dataclasses import replace

        from spinecare.engine.evaluate import Facts, observed_conditions, order_diagnoses
        from spinecare.record.model import Patient, PatientRecord

        index = Facts(PatientRecord(Patient("-")), kb, date.max)
        found = [
            *observed_conditions(record, kb),
            *order_diagnoses(record, kb, index.procedure_concepts),
        ]
        record = replace(record, conditions=[*record.conditions, *found], coded_observations=[])
    ext = record.patient.id.replace("\x00", "") or "imported"  # no NUL: PostgreSQL
    # the patient's id finds the chart the record is added to: never shortened to fit (two
    # records of ids that begin alike would go to one chart); refused, as the form does
    if len(ext) > EXTERNAL_ID_MAX:
        raise FormError({"file": Message(IMPORT_ID_TOO_LONG, limit=EXTERNAL_ID_MAX)})  # type: ignore[dict-item]
    patient = session.scalar(
        select(PatientRow).where(
            PatientRow.clinic_id == user.clinic_id, PatientRow.external_id == ext
        )
    )
    moment = now()
    if patient is None:
        p = record.patient
        patient = PatientRow(
            clinic_id=user.clinic_id,
            external_id=ext,
            name=((p.name or "").replace("\x00", "") or ext)[:200],
            # the details keep a birth date the form would take; the record (the intake)
            # keeps what it says, and screening asks for a birth date it cannot use
            birth_date=(
                p.birth_date
                if p.birth_date is not None
                and birth_date_problem(p.birth_date, date.today()) is None
                else None
            ),
            # a birth date given only as a year or a month is shown so ("1970")
            birth_first=(
                p.birth_first
                if p.birth_date is not None
                and birth_date_problem(p.birth_date, date.today()) is None
                else None
            ),
            sex=p.sex if p.sex in SEXES else None,
            language=p.language if p.language in LANGUAGES else None,
            created_at=moment,
            updated_at=moment,
        )
        session.add(patient)
        session.flush()
    else:
        conflict = another_person(patient, record)
        if conflict is not None:
            raise AnotherPerson({"file": conflict})  # type: ignore[dict-item]
        patient.updated_at = moment
    intake = store_record(
        session,
        patient,
        record,
        day=day or date.today(),
        source=source,
        label=label[:300],
        user_id=user.id,
        now=moment,
        clearances_confirmed=decides_clearances(user),
        not_read=not_read,
    )
    for system, value in ehr_ids:
        link_ehr_patient(session, patient, system, value)
    audit(
        session,
        user,
        "import",
        "intake",
        str(intake.id),
        patient_id=patient.id,
        detail=detail_text(label),
    )
    return PatientOut.model_validate(patient)


class AnotherPerson(FormError):
    """A record of another person under the id of the clinic's patient: nothing saved."""

    code = "conflict"


EXTERNAL_ID_MAX = 100
NAME_MAX = 200
IMPORT_ID_TOO_LONG = N_(
    "the record's patient id is longer than %(limit)s characters, the longest a patient id"
    " may be: nothing was saved"
)

ANOTHER_PERSON = N_(
    "this record is of another person than the clinic's patient %(name)s, who has the same"
    " patient id (a name or a birth date that differs): nothing was saved; check that the"
    " record is this patient's"
)


def another_person(patient: PatientRow, record: PatientRecord) -> Message | None:
    """Why ``record``, of the clinic's patient's id, is another person's: a birth date the
    stored one cannot be (a date, or a month or a year, that does not hold it), or a name
    that shares no word with the stored one in any spelling (Cyrillic or Latin, ё or е,
    with or without accents: "Пётр Семёнов" is "Petr Semenov", "Müller" is "Mueller").
    None where nothing says so (a record without a name or a birth date, a chart named
    only by its id, is the patient's)."""
    p = record.patient
    other = False
    if patient.birth_date is not None and p.birth_date is not None:
        stored_first = patient.birth_first or patient.birth_date
        born = p.birth_first or p.birth_date
        other = p.birth_date < stored_first or born > patient.birth_date  # never overlap
    if patient.name != patient.external_id:  # a chart named by the record's id has no name
        words, given = _name_words(patient.name), _name_words(p.name or "")
        other = other or bool(words and given and not words & given)
    return Message(ANOTHER_PERSON, name=patient.name) if other else None


_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _name_words(name: str) -> set[str]:
    """The words of a name in every spelling the clinic's search knows (:func:`spellings`),
    with and without its accents."""
    import unicodedata

    out: set[str] = set()
    for spelled in spellings(name):
        for variant in (spelled, spelled.translate(_GERMAN)):
            bare = "".join(
                c for c in unicodedata.normalize("NFKD", variant) if not unicodedata.combining(c)
            )
            out.update(w for w in re.split(r"[\W\d_]+", bare) if len(w) > 1)
    # and each word's consonants, as transliterations agree on them: "Pyotr" and "Petr",
    # "Yulia Schukina" and "Iuliia Shchukina", "Alexander" and "Aleksandr", "Łukasz" and
    # "Lukasz" (a skeleton of three consonants at least)
    out.update(k for w in list(out) if len(k := _consonants(w)) >= 3)
    return out


_LOOSE = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "æ": "ae", "œ": "oe", "þ": "th"})


def _consonants(word: str) -> str:
    """A word's consonants as Latin spellings of one name share them (a key of its own:
    "~" first, never equal to a word)."""
    w = word.casefold().translate(_LOOSE).replace("shch", "sh").replace("sch", "sh")
    w = w.replace("x", "ks").replace("kh", "h")
    return "~" + re.sub(r"[aeiouyj]", "", w)


def add_intake(
    session: Session,
    who: CurrentUser,
    patient_id: int,
    facts: PatientRecord,
    day: date,
    *,
    version: int | None = None,
) -> IntakeOut:
    """Record one intake (vitals, pain, answers, conditions, medications) for the patient."""
    user = acting(session, who)
    patient = _patient_row(session, user, patient_id, write=True, audit_as=None)
    if version is not None and patient.version != version:
        raise VersionConflict(
            Message("patient %(id)s was changed by someone else; reload", id=patient.id)
        )
    intake = store_record(
        session,
        patient,
        facts,
        day=day,
        source="form",
        label="intake form",
        user_id=user.id,
        now=now(),
    )
    patient.updated_at = now()
    audit(session, user, "intake", "intake", str(intake.id), patient_id=patient.id)
    return IntakeOut.model_validate(intake)


def fact_intakes_of(session: Session, patient: PatientOut) -> dict[str, IntakeOut]:
    """The intake each of ``patient``'s facts was recorded in, keyed by the fact's
    reference (for a patient the caller has already been let see)."""
    return {
        ref: IntakeOut.model_validate(intake)
        for ref, intake in fact_intakes(session, patient.id).items()
    }


def intakes_of(session: Session, patient_id: int, limit: int = 20) -> list[IntakeOut]:
    """The patient's newest intakes (for a patient the caller has already been let see)."""
    rows = session.scalars(
        select(Intake)
        .where(Intake.patient_id == patient_id)
        .order_by(Intake.day.desc(), Intake.id.desc())
        .limit(limit)
    )
    return [IntakeOut.model_validate(i) for i in rows]


# ---------------------------------------------------------------------------------------
# Screening (computed on read)


@dataclass(frozen=True)
class PatientScreening:
    """A stored patient's screening and plan on a date, with the record they read and the
    kinds of record the EHR did not give to the patient's latest SMART launch
    (:func:`spinecare.store.records.not_read_of`)."""

    patient: PatientOut
    record: PatientRecord
    screening: Screening
    plan: CoursePlan
    not_read: tuple[str, ...] = ()

    def out(self) -> tuple[PatientScreeningOut, PlanOut]:
        """The screening and plan contract (DESIGN.md section 4) as ``spinecare
        screen|plan FILE --format json`` print them for the same record and date: the
        patient is named as the record names it (its external id), not by the store's
        number; the screening adds what the latest SMART launch did not read
        (``not_read``). ``/api/`` and the screening page's JSON twin both answer these."""
        named = {"patient": self.patient.external_id}
        stored = named | {"not_read": list(self.not_read)}
        return (
            PatientScreeningOut.model_validate(self.screening.to_json() | stored),
            PlanOut.model_validate(self.plan.to_json() | named),
        )


def screen_patient(
    session: Session, who: CurrentUser, patient_id: int, kb: KB, as_of: date, lang: str = "en"
) -> PatientScreening:
    """The patient's screening and plan on ``as_of``, from the stored rows."""
    user = acting(session, who)
    patient = _patient_row(session, user, patient_id, audit_as=None)
    record = record_of(session, patient)
    screening = screen_record(record, kb, as_of, lang)
    plan = plan_course(screening, record, kb, lang)
    audit(
        session,
        user,
        "screen",
        "patient",
        str(patient.id),
        patient_id=patient.id,
        detail=f"as_of={as_of.isoformat()} verdict={screening.verdict}",
    )
    return PatientScreening(
        PatientOut.model_validate(patient),
        record,
        screening,
        plan,
        tuple(not_read_of(session, patient.id)),
    )


def referral_screening(
    session: Session, who: CurrentUser, patient_id: int, kb: KB, as_of: date, lang: str = "en"
) -> PatientScreening:
    """The screening an urgent referral letter is written from: the staff's and the
    physicians' (:func:`~spinecare.clinic.permissions.check_referral`), never a patient's
    account, decided before the patient is looked up."""
    check_referral(acting(session, who))
    return screen_patient(session, who, patient_id, kb, as_of, lang)


def patient_screening(
    session: Session, who: CurrentUser, patient_id: int, kb: KB, as_of: date, lang: str = "en"
) -> tuple[PatientScreeningOut, PlanOut]:
    """The stored patient's screening and plan (:meth:`PatientScreening.out`); for an
    account that does not see clearance requests (the patient's own), without what the
    physician and the therapist wrote to each other (a clearance's note, who wrote it and
    the request it came from): the decision and its date stay."""
    screening, plan = screen_patient(session, who, patient_id, kb, as_of, lang).out()
    if sees_clearance_requests(acting(session, who)):
        return screening, plan
    shown = screening.model_dump(mode="json")
    for finding in shown.get("findings") or []:
        clearance = finding.get("clearance")
        if isinstance(clearance, dict):
            finding["clearance"] = {
                k: v for k, v in clearance.items() if k not in PRIVATE_CLEARANCE
            }
    return PatientScreeningOut.model_validate(shown), plan


PRIVATE_CLEARANCE = frozenset({"note", "by", "ref"})
"""What a clearance on a screening says that is the physician's and the therapist's alone."""


def screen_patients(
    session: Session, patients: list[PatientRow], kb: KB, as_of: date, lang: str = "en"
) -> dict[int, Screening]:
    """Screenings of already-visible patients (a list page), read in six queries: of
    the readings and answers, only those a screening on ``as_of`` reads."""
    screened = screen_for_list(session, patients, kb, as_of, lang)
    return {pid: screening for pid, (_record, screening) in screened.items()}


# ---------------------------------------------------------------------------------------
# Physician clearance


def physicians(session: Session, clinic_id: int) -> list[PhysicianOut]:
    """The clinic's active physicians, by name (to address a request or review a course)."""
    rows = session.scalars(
        select(User)
        .where(User.clinic_id == clinic_id, User.role == "physician", User.active.is_(True))
        .order_by(User.full_name)
    )
    return [PhysicianOut.model_validate(u) for u in rows]


def clearable(screening: Screening) -> list[str]:
    """Concepts of present ``needs_clearance`` findings that no clearance settles yet, and
    of those a physician declined: a no holds until a physician decides again, so the
    therapist may ask again (after the examination the physician asked for, say)."""
    out: list[str] = []
    for f in screening.findings:
        open_one = f.effect == "needs_clearance" and f.settled is None
        declined = f.settled is not None and f.settled.decision == "declined"
        if (open_one or declined) and f.certainty == "present" and f.concept not in out:
            out.append(f.concept)
    return out


def request_clearance(
    session: Session,
    who: CurrentUser,
    patient_id: int,
    *,
    physician_id: int | None,
    concepts: list[str],
    message: str,
    kb: KB,
    as_of: date,
) -> ClearanceRequestOut:
    """Send the named findings to a physician of the clinic."""
    user = acting(session, who)
    patient = _patient_row(session, user, patient_id, write=True, audit_as=None)
    errors: dict[str, str] = {}
    doctor = session.get(User, physician_id) if physician_id else None
    if not is_clinic_physician(doctor, user.clinic_id):
        errors["physician_id"] = N_("choose a physician of this clinic")
    screening = screen_record(record_of(session, patient), kb, as_of)
    open_ones = clearable(screening)
    if screening.verdict == "refer_urgently":
        errors["concepts"] = Message(
            "a red flag needs a same-day medical assessment, not a clearance: give the "
            "patient the referral letter"
        )
    elif not concepts:
        errors["concepts"] = N_("name at least one finding to clear")
    elif any(c not in open_ones for c in concepts):
        # named in the reader's words: a finding cleared since the page was opened, or one
        # the screening no longer finds; a name the KB does not know is not echoed
        bad = [kb.concepts[c].label for c in concepts if c not in open_ones and c in kb.concepts]
        errors["concepts"] = (
            Message(
                "%(concepts)s: not a finding that needs clearance now (a physician has "
                "decided it since the page was opened, or the screening no longer finds it)",
                concepts=Names(*bad),
            )
            if bad
            else N_("not a finding of this patient's screening")
        )
    if len(message) > 2000:
        errors["message"] = N_("at most 2000 characters")
    if errors:
        raise FormError(errors)
    assert doctor is not None
    # the same request sent again (a double click, a form sent twice) is the one open
    for same in session.scalars(
        select(ClearanceRequest).where(
            ClearanceRequest.patient_id == patient.id,
            ClearanceRequest.physician_id == doctor.id,
            ClearanceRequest.status == "open",
        )
    ):
        if sorted(same.concepts) == sorted(concepts) and same.message == (message.strip() or None):
            return ClearanceRequestOut.model_validate(same)
    req = ClearanceRequest(
        patient_id=patient.id,
        clinic_id=user.clinic_id,
        physician_id=doctor.id,
        requested_by=user.id,
        concepts=list(concepts),
        message=message.strip() or None,
        status="open",
        created_at=now(),
    )
    session.add(req)
    session.flush()
    audit(
        session,
        user,
        "clearance_request",
        "clearance_request",
        str(req.id),
        patient_id=patient.id,
        detail=f"to={doctor.username} concepts={','.join(concepts)}",
    )
    return ClearanceRequestOut.model_validate(req)


def clearance_queue(
    session: Session, who: CurrentUser, status: str | None, kb: KB
) -> list[ClearanceQueueItemOut]:
    """A physician's requests (staff: the clinic's), newest first; a clearance lapsed today
    says so (:func:`_held`)."""
    user = acting(session, who)
    query = (
        select(ClearanceRequest, PatientRow)
        .join(PatientRow, PatientRow.id == ClearanceRequest.patient_id)
        .where(ClearanceRequest.clinic_id == user.clinic_id)
    )
    check_clearance_queue(user)
    if user.role == "physician":
        query = query.where(ClearanceRequest.physician_id == user.id)
    if status:
        query = query.where(ClearanceRequest.status == status)
    rows = session.execute(query.order_by(ClearanceRequest.id.desc()).limit(200)).all()
    audit(session, user, "list", "clearance_request", None, detail=f"status={status}")
    held = _held(session, [r for r, _ in rows], kb, date.today())
    return [
        ClearanceQueueItemOut.model_validate(r).model_copy(
            update={"patient_name": p.name, **held.get(r.id, {})}
        )
        for r, p in rows
    ]


def _held(
    session: Session, requests: Sequence[ClearanceRequest], kb: KB, as_of: date
) -> dict[int, dict[str, Any]]:
    """For each cleared request of ``requests``, the last day the physician's clearance
    holds (:meth:`~spinecare.record.model.Clearance.until`: its end, or KB threshold
    ``clearance_fresh_days`` after it was given) and whether that day is past on ``as_of``,
    the day the page shows (a screening's): a list that said "cleared" of a clearance that
    had lapsed told the therapist massage was cleared when the screening asked for a
    clearance again.

    ``kb``: the app's knowledge base (the pages' and the API's, which answer 503 when it
    cannot be read)."""
    ids = [r.id for r in requests if r.status == "cleared"]
    if not ids:
        return {}
    open_days = int(kb.threshold("clearance_fresh_days"))
    rows = session.scalars(
        select(ClearanceRow).where(
            ClearanceRow.request_id.in_(ids), ClearanceRow.decision == "cleared"
        )
    )
    out: dict[int, dict[str, Any]] = {}
    for row in rows:
        given = Clearance(row.ref, tuple(row.concepts), when=row.day, valid_until=row.valid_until)
        until = given.until(open_days)
        if until is not None and row.request_id is not None:
            out[row.request_id] = {"holds_until": until, "lapsed": until < as_of}
    return out


def _request_out(request: ClearanceRequest, held: dict[int, dict[str, Any]]) -> ClearanceRequestOut:
    return ClearanceRequestOut.model_validate(request).model_copy(update=held.get(request.id, {}))


def requests_of(
    session: Session,
    patient_id: int,
    who: CurrentUser,
    kb: KB,
    as_of: date | None = None,
) -> list[ClearanceRequestOut]:
    """The patient's clearance requests, newest first (for a patient the caller has
    already been let see), none for an account that may not see them
    (:func:`~spinecare.clinic.permissions.sees_clearance_requests`); a clearance lapsed on
    ``as_of`` (the screening's day; default today) says so (:func:`_held`)."""
    user = acting(session, who)
    if not sees_clearance_requests(user):
        return []
    query = select(ClearanceRequest).where(ClearanceRequest.patient_id == patient_id)
    if user.role == "physician":  # their own, as each request's page allows
        query = query.where(ClearanceRequest.physician_id == user.id)
    rows = list(session.scalars(query.order_by(ClearanceRequest.id.desc())))
    held = _held(session, rows, kb, as_of or date.today())
    return [_request_out(r, held) for r in rows]


def get_clearance_request(
    session: Session, who: CurrentUser, request_id: int, kb: KB
) -> ClearanceRequestOut:
    """The request if ``user`` may see it (the addressed physician, the clinic's staff); a
    clearance lapsed today says so (:func:`_held`)."""
    user = acting(session, who)
    req = check_clearance_request(session, user, request_id)
    return _request_out(req, _held(session, [req], kb, date.today()))


DECISIONS = ("cleared", "declined")


def decide_clearance(
    session: Session,
    who: CurrentUser,
    request_id: int,
    *,
    decision: str,
    note: str,
    version: int,
    day: date | None = None,
) -> ClearanceRequestOut:
    """The addressed physician clears or declines; adds a Clearance naming the concepts."""
    user = acting(session, who)
    req = check_may_decide(session, user, request_id)
    errors: dict[str, str] = {}
    if decision not in DECISIONS:
        errors["decision"] = N_("choose cleared or declined")
    if decision == "declined" and not note.strip():
        errors["note"] = N_("say why massage is declined")
    if len(note) > 2000:
        errors["note"] = N_("at most 2000 characters")
    if errors:
        raise FormError(errors)
    if req.status != "open":
        raise VersionConflict(
            Message(
                "clearance request %(id)s was already decided (%(status)s); nothing was changed",
                id=req.id,
                status=req.status,
            )
        )
    if req.version != version:  # changed since the page was opened, still open
        raise VersionConflict(
            Message(
                "clearance request %(id)s changed since this page was opened; nothing was"
                " changed: reload the page and decide again",
                id=req.id,
            )
        )
    moment = now()
    req.status = decision
    req.decision_note = note.strip() or None
    req.decided_at = moment
    try:
        session.flush()
    except StaleDataError:
        session.rollback()  # the session is unusable until rolled back; nothing was saved
        raise VersionConflict(
            Message("clearance request %(id)s was decided meanwhile", id=req.id)
        ) from None
    session.add(
        ClearanceRow(
            ref=f"ClearanceRequest/{req.id}",
            patient_id=req.patient_id,
            intake_id=None,
            request_id=req.id,
            concepts=list(req.concepts),
            decision=decision,
            day=day or date.today(),
            by=user.full_name,
            note=note.strip() or None,
        )
    )
    session.flush()
    audit(
        session,
        user,
        "clearance_decision",
        "clearance_request",
        str(req.id),
        patient_id=req.patient_id,
        detail=f"{decision}: {','.join(req.concepts)}",
    )
    return ClearanceRequestOut.model_validate(req)
