"""Record types. Value classes (:func:`fact`, or frozen dataclasses): cheap to build by the
hundred thousand.

Every fact carries ``ref``: where it came from (``Condition/123`` for a FHIR resource,
``intake.yaml#conditions[0]`` for an intake file). Findings quote it as evidence.

Code systems are kept as the KB's short names where known (``icd10``, ``icd10cm``,
``snomed``, ``loinc``, ``rxnorm``), else as the system URI.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from typing import Any, TypeVar, dataclass_transform

from spinecare.messages import N_, Message
from spinecare.record.standing import (
    CONDITION_STANDING,
    CONDITION_START,
    CONTRADICTORY,
    ENDED,
    IN_FORCE,
    IN_FORCE_CLINICAL,
    MEDICATION_IN_FORCE,
    MEDICATION_IN_FORCE_ON,
    MEDICATION_RECENT_ON,
    NOT_HELD,
    REMOVED_VERIFICATION,
    python_function,
)

__all__ = [
    "CONTRADICTORY",
    "ENDED",
    "IN_FORCE",
    "IN_FORCE_CLINICAL",
    "MEDICATION_IN_FORCE",
    "NOT_HELD",
    "REMOVED_VERIFICATION",
]

PLANNED_ELSEWHERE = Message("named in a care plan or a goal, not as a diagnosis: confirm")
VISIT_KIND = Message("named as the kind of visit, not as a diagnosis: confirm")
"""Why an entry read from a visit's type or service ("Chemotherapy infusion visit",
"Prenatal visit") is to confirm; one that names no KB concept is not listed (most visits'
types name none: "Encounter for check up")."""
NOT_LISTED = frozenset({PLANNED_ELSEWHERE, VISIT_KIND})
STATED_ELSEWHERE = Message(
    "recorded in an alert, a report or an assessment, not as a diagnosis: confirm"
)
NOTED_ELSEWHERE = Message(
    "written in a note or beside another entry of the record, not as a diagnosis: confirm"
)
IN_A_NOTE = frozenset({STATED_ELSEWHERE, NOTED_ELSEWHERE})
"""What a note, a report, an alert or an assessment says, read as a condition: listed,
where it names nothing, as a note's words, not as a diagnosis."""
"""Why an entry read from a care plan's activity or a goal is to confirm (``confirm``): a
plan names what is done and why, not a diagnosis; where it names no KB concept it is not
listed among the entries the screening did not use (a goal "HbA1c < 7.0" is no diagnosis)."""


_V = TypeVar("_V")


@dataclass_transform(frozen_default=True, eq_default=True, field_specifiers=(field,))
def fact(cls: type[_V]) -> type[_V]:
    """A fact of a record: a dataclass with slots, compared and hashed by value, and
    read-only by type (mypy refuses an assignment to a field, as for a frozen dataclass).

    At run time an assignment is not stopped: a frozen dataclass sets each field of each
    new fact through ``object.__setattr__``, about 0.85 us a fact, some 4% of a CDS Hooks
    call, which builds about 30 of them. What is shared between records (a
    :class:`Coding`, which the reader keeps) stays a frozen dataclass."""
    return dataclass(slots=True, unsafe_hash=True)(cls)


@dataclass(frozen=True, slots=True)
class Coding:
    system: str
    code: str
    display: str | None = None

    def __str__(self) -> str:
        label = f" {self.display}" if self.display else ""
        return f"{self.system}|{self.code}{label}"


@fact
class Patient:
    """``deceased``: recorded as deceased without a date; ``deceased_on``: the date."""

    id: str
    name: str | None = None
    birth_date: date | None = None
    sex: str | None = None
    language: str | None = None
    deceased: bool = False
    deceased_on: date | None = None
    birth_first: date | None = None
    """Where the record gives the birth date only as a year or a month ("1970",
    "1970-05"), its first day (``birth_date`` is its last day, the youngest the patient may
    be): shown as the record gives it; None for a whole date."""

    def deceased_by(self, as_of: date) -> bool:
        """Recorded as deceased on or before ``as_of``."""
        return self.deceased or (self.deceased_on is not None and self.deceased_on <= as_of)


# Which statuses and dates keep a fact in force: one definition, for the engine and for
# bulk screening (spinecare.record.standing).
_condition_start = python_function(CONDITION_START)
_condition_standing = python_function(CONDITION_STANDING)
_medication_in_force = python_function(MEDICATION_IN_FORCE_ON)
_medication_recent = python_function(MEDICATION_RECENT_ON)


SITE_WORDS = "text"
"""The system of a body site given only in words (``bodySite.text``: "L1 vertebra"), held
as ``Coding(SITE_WORDS, "", words)``."""
VISIT_DIAGNOSIS = "#visit-"
"""The mark in the ref of a condition given only in an Encounter
(``Encounter/x#visit-reason[0]``)."""


@fact
class Condition:
    """A problem-list entry, or a named concept from an intake file (``concept`` set)."""

    ref: str
    codings: tuple[Coding, ...] = ()
    concept: str | None = None
    text: str | None = None
    clinical_status: str | None = None
    verification_status: str | None = None
    onset: date | None = None
    abatement: date | None = None
    recorded: date | None = None
    body_sites: tuple[Coding, ...] = ()
    confirm: str | None = None
    """Why the entry is read with certainty unknown whatever its codes (a finding recorded
    as an Observation whose answer is neither a clear yes nor a clear no); None: as coded."""
    onset_last: date | None = None
    """Where the record gives the onset only as a year or a month ("2021", "2021-03":
    ``onset`` is its first day), its last day; None for a whole date. So
    ``recorded_last`` for ``recorded``; ``abatement_first``: the first day of an abatement
    so given (``abatement`` is its last day). Shown as the record gives the date
    ("March 2021"), never as a day."""
    recorded_last: date | None = None
    abatement_first: date | None = None

    def start(self, as_of: date) -> date | None:
        """The date the condition is known from, on ``as_of``.

        The onset, unless it lies after ``as_of`` while the condition was already recorded
        (or carries no recorded date): an onset in the future is a slip of the record, so
        the recorded date is used instead (None: undated, known).
        """
        start: date | None = _condition_start(self, as_of)
        return start

    def start_last(self, start: date | None) -> date | None:
        """The last day of ``start`` (:meth:`start`) where the record gives it only as a
        month or a year (the onset's, or the recorded date's): shown so, never as a day."""
        if start is None:
            return None
        if start == self.onset:
            return self.onset_last
        return self.recorded_last if start == self.recorded else None

    def future_onset(self, as_of: date) -> bool:
        """The onset lies after ``as_of`` and was set aside (see :meth:`start`)."""
        return self.onset is not None and self.onset > as_of and self.start(as_of) != self.onset

    @property
    def from_visit(self) -> bool:
        """A diagnosis given only in an Encounter (its reason or diagnosis, the reader's
        ref ``Encounter/x#reasonCode[0]``): the problem list decides where it names the
        same concept (clinic policy policy_encounter_diagnosis)."""
        return VISIT_DIAGNOSIS in self.ref

    def recorded_by(self, as_of: date) -> bool:
        """Known on ``as_of``: its start (:meth:`start`) not after it."""
        start = self.start(as_of)
        return start is None or start <= as_of

    def standing(self, as_of: date) -> int:
        """How the condition stands on ``as_of``: :data:`NOT_HELD` (refuted, entered in
        error, or not yet recorded), :data:`CONTRADICTORY` (an explicit active status with
        an abatement on or before ``as_of``), :data:`IN_FORCE`, :data:`ENDED` or
        :data:`AHEAD` (known from the day after ``as_of``: it may be of ``as_of``)."""
        standing: int = _condition_standing(self, as_of)
        return standing

    def in_force(self, as_of: date) -> bool:
        """In force on ``as_of`` (DESIGN.md section 3: status, verification, abatement)."""
        return self.standing(as_of) == IN_FORCE

    def contradicts_itself(self, as_of: date) -> bool:
        """An explicit active status with an abatement on or before ``as_of``.

        The record says both "in force" and "ended": neither is taken, the condition is
        unknown (to be confirmed), never absent.
        """
        return self.standing(as_of) == CONTRADICTORY

    def ever(self, as_of: date) -> bool:
        """Ever held by the patient on or before ``as_of`` (for history-of rules)."""
        return self.standing(as_of) != NOT_HELD


@fact
class Observation:
    """One measured value of a KB measure, already converted to the measure's unit.

    ``when`` is the local date as written; ``instant`` (POSIX seconds, None for a date
    without a time) orders readings of one day by the time they were taken.
    ``in_order``: the record lists the day's readings in the order they were taken (the
    clinic entered them one after another: an intake file, a form, a course session), so
    one listed later was taken later. Not so by default: the order of a FHIR Bundle or an
    export says nothing about time, and readings of one day without a time whose values
    disagree leave the measure unknown (:mod:`spinecare.engine.evaluate`).
    ``last``: where the record dates the reading only by a month or a year ("2026-11",
    "2026"), the last day of it (``when`` is its first day): it was taken on some day of
    that span, which day is not known; None for a whole date.
    ``taken``: where ``value`` is the mean of the day's readings, higher than this
    reading's own (a measure the KB grades so, ``Measure.day_mean``), the value taken;
    None for a reading that counts as it was taken.
    """

    ref: str
    measure: str
    value: float
    unit: str
    when: date
    coding: Coding | None = None
    original: str | None = None  # the value and unit as written, when converted
    instant: float | None = None
    in_order: bool = False
    last: date | None = None
    taken: float | None = None

    def order_key(self) -> tuple[date, float]:
        """Readings in time order: by date, then time (a date without a time first)."""
        return (self.when, float("-inf") if self.instant is None else self.instant)


@fact
class Medication:
    ref: str
    codings: tuple[Coding, ...] = ()
    concept: str | None = None
    text: str | None = None
    status: str | None = None
    start: date | None = None
    end: date | None = None
    start_last: date | None = None
    """Where the record gives the start only as a year or a month ("2020", "2020-10":
    ``start`` is its first day), its last day; ``end_first``: the first day of an end so
    given (``end`` is its last day); None for a whole date. Shown as the record gives the
    date ("October 2020"), never as a day."""
    end_first: date | None = None

    def in_force(self, as_of: date) -> bool:
        """Taken on ``as_of`` (:data:`~spinecare.record.standing.MEDICATION_IN_FORCE_ON`)."""
        return bool(_medication_in_force(self, as_of))

    def recently_taken(self, as_of: date, since: date) -> bool:
        """Not taken on ``as_of`` by the record, but taken up to a day from ``since`` on
        (:data:`~spinecare.record.standing.MEDICATION_RECENT_ON`): to confirm."""
        return bool(_medication_recent(self, as_of, since))


@fact
class Procedure:
    ref: str
    codings: tuple[Coding, ...] = ()
    concept: str | None = None
    status: str | None = None
    performed: date | None = None
    body_sites: tuple[Coding, ...] = ()
    text: str | None = None
    performed_last: date | None = None
    """The last day ``performed`` can stand for where the record gives only a year or a
    month ("2026", "2026-08": ``performed`` is its first day); None for a whole date."""


@fact
class Order:
    """A service request (for instance a massage order), for integration and bulk."""

    ref: str
    codings: tuple[Coding, ...] = ()
    status: str | None = None
    intent: str | None = None
    authored: date | None = None
    text: str | None = None


@fact
class Answer:
    """An answer to a KB intake question (``value``: bool, choice string or number).

    ``last``: where the record dates the answer only by a month or a year ("2026-11",
    "2026": a form's ``authored``), the last day of it (``when`` is its first day): it was
    given on some day of that span, which day is not known; None for a whole date.
    ``instant``: the time it was given (POSIX seconds), None where the record gives none;
    ``in_order``: the record lists the answers of a day in the order given (the clinic's
    forms, an intake file); answers of one FHIR form and another are in no known order
    but by their times."""

    ref: str
    question: str
    value: bool | str | float
    when: date | None = None
    last: date | None = None
    instant: float | None = None
    in_order: bool = True


@dataclass(frozen=True, slots=True)
class Clearance:
    """A physician's decision on named ``needs_clearance`` findings (concept ids).

    ``confirmed`` is false for a decision the clinic holds only as a document says it (an
    imported intake file's clearance, recorded by staff who are not physicians): it is
    shown, and settles nothing until a physician of the clinic decides
    (docs/intake.md "Clearances in the clinic")."""

    ref: str
    concepts: tuple[str, ...]
    decision: str = "cleared"  # cleared | declined
    when: date | None = None
    by: str | None = None
    note: str | None = None
    valid_until: date | None = None
    confirmed: bool = True

    def in_force_until(self, open_days: int) -> date | None:
        """The last day this decision is in force, the one definition the engine and the
        bulk screening's SQL (``clearances.in_force_until``) both follow: its ``valid_until``;
        for a clearance that gives no end, ``open_days`` after the day it was given (KB
        threshold ``clearance_fresh_days``); ``date.max`` for a decline that gives no end (a
        physician's no stays a no until a physician decides again); None for a decision that
        is in force on no day: one the clinic holds only as a document says it
        (``confirmed`` false), or an undated clearance that gives no end."""
        if not self.confirmed:
            return None
        if self.valid_until is not None:
            return self.valid_until
        if self.decision == "declined":
            return date.max
        if self.when is None:
            return None
        try:
            return self.when + timedelta(days=open_days)
        except OverflowError:
            return date.max

    def until(self, open_days: int) -> date | None:
        """The last day this decision is in force, as shown: :meth:`in_force_until`, None
        where it gives no last day (a decline that holds until a physician decides again)."""
        end = self.in_force_until(open_days)
        return None if end == date.max else end

    def valid_on(self, as_of: date, open_days: int) -> bool:
        """In force on ``as_of``: given on or before it and not past its end
        (:meth:`in_force_until`). A clearance is a decision about the patient as the
        physician saw them that day, not about what came later."""
        if self.when is not None and self.when > as_of:
            return False
        end = self.in_force_until(open_days)
        return end is not None and end >= as_of


@fact
class CodedObservation:
    """An Observation whose value is a code (pregnancy status: pregnant), a yes or a no
    (read as the SNOMED CT codes for yes and no), an answer of neither kind (no code), or
    no value at all (``observed``), as recorded; the KB's ``findings`` and concepts say
    which of them name a condition (:func:`spinecare.engine.evaluate.observed_conditions`)."""

    ref: str
    code: tuple[Coding, ...]
    value: tuple[Coding, ...]
    when: date | None
    """The day it was observed; None where the record gives none (what it records is then
    to be confirmed, never dropped)."""
    observed: bool = False
    """No value at all: the Observation records the finding of its code as observed."""
    text: str | None = None
    """The words of its code (its text) and of a value written as words that is neither a
    yes nor a no: what a finding recorded with no code the KB knows says
    ("Saddle anaesthesia: present")."""
    body_sites: tuple[Coding, ...] = ()
    """Where it was observed (``bodySite``: "Perineum" for a numbness)."""


ENTRY_UNREADABLE = N_("the entry cannot be read as it is written")
DOCUMENT_LINKED = N_(
    "a document whose content is a link the record does not include: read it in the chart"
)
DOCUMENT_NOT_READ = N_(
    "a document the screening cannot read (a PDF, an image or another file): read it in the chart"
)
DOCUMENT_IN_PART = N_(
    "a document too long to read in full: only its beginning was read; read the rest in the chart"
)
TEXT_IN_PART = N_(
    "a text too long to read in full: only its beginning was read; read the rest in the chart"
)
RECORD_INCOMPLETE = N_(
    "the EHR sent a warning or an error with the record ('%(said)s'): parts of it may be"
    " missing, read the chart"
)
RECORD_INCOMPLETE_UNSAID = N_(
    "the EHR sent a warning or an error with the record: parts of it may be missing, read the chart"
)
RECORD_PAGED = N_(
    "the record is one page of a search: %(held)s of the %(total)s entries found were sent,"
    " the others were not; read the chart"
)
RECORD_PAGED_UNCOUNTED = N_(
    "the record is the first page of a search and its next pages were not sent: read the chart"
)
DOCUMENT_NAMED = N_("%(document)s: %(why)s")
"""A document not read, named by its title or type: ``why`` one of the three above."""
UNWORDED_YES = N_(
    "a yes to a question of another form that the record names only as '%(question)s' (its"
    " form was not sent): what it asks is not known"
)
NOT_READ_REASONS = frozenset(
    {
        ENTRY_UNREADABLE,
        UNWORDED_YES,
        DOCUMENT_LINKED,
        DOCUMENT_NOT_READ,
        DOCUMENT_IN_PART,
        TEXT_IN_PART,
        DOCUMENT_NAMED,
        RECORD_INCOMPLETE,
        RECORD_INCOMPLETE_UNSAID,
        RECORD_PAGED,
        RECORD_PAGED_UNCOUNTED,
    }
)
"""The reasons of what the reader set aside of no measure that is shown beside the
screening, as not read (``Screening.not_used``): an entry or a document whose content it
could not read. What it set aside on purpose (entered in error, a relative's, a form not
final) is not: it was read."""

BIRTH_DATE_ITEM = "birth_date"
"""The missing item of a rule on the patient's age when the record gives no date of birth
(an :class:`Ignored` of this ``measure`` says why it is missing)."""


@fact
class Ignored:
    """A fact the reader saw and set aside, with the reason.

    ``reason``: a :class:`~spinecare.messages.Message` (its value the English text, its
    id and parameters kept), translated where it is shown; never words built in the
    reader. ``measure``: the KB measure a set-aside reading was of (its reason is then
    shown where that measure is missing). ``when``: the day it was taken, where the
    record gives it (a reading whose value cannot be used, of that day or newer than the
    one that would decide, leaves the measure unknown). ``last``: where the record dates
    the reading only by a month or a year, the last day of it (``when`` its first day).
    """

    ref: str
    reason: Message
    measure: str | None = None
    when: date | None = None
    last: date | None = None

    @property
    def not_read(self) -> bool:
        """Whether this is what the reader could not read, of no measure (a document, an
        entry written so that it cannot be read): shown beside the screening and kept by
        the clinic's store (:data:`NOT_READ_REASONS`)."""
        return self.measure is None and getattr(self.reason, "msgid", None) in NOT_READ_REASONS


@dataclass
class PatientRecord:
    patient: Patient
    source: str = "<memory>"
    conditions: list[Condition] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    medications: list[Medication] = field(default_factory=list)
    procedures: list[Procedure] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    clearances: list[Clearance] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)
    coded_observations: list[CodedObservation] = field(default_factory=list)
    index_cache: Any = field(default=None, init=False, repr=False, compare=False)
    """The engine's index of the facts for one KB (``spinecare.engine.evaluate``): built
    on the first screening, kept while the facts stay the same. Never copied."""

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("index_cache", None)
        return state


_Fact = TypeVar("_Fact")


def days_after(day: date, days: float) -> date:
    """``day`` plus ``days``, or the last day a date can hold where that is beyond it:
    records write 9999-12-31 for "no end", and a day counted on from it stays open."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max


def _moved(fact: _Fact, delta: timedelta) -> _Fact:
    changes: dict[str, Any] = {}
    for item in fields(fact):  # type: ignore[arg-type]
        value = getattr(fact, item.name)
        if isinstance(value, date):
            changes[item.name] = value + delta
    return replace(fact, **changes) if changes else fact  # type: ignore[type-var]


def shift_dates(record: PatientRecord, delta: timedelta) -> PatientRecord:
    """The record with the date of every fact moved by ``delta``; the birth date stays.

    The demo clinic uses it so that its patients' readings are as fresh on the day the
    demo is seeded as on the day their intake files were written.
    """
    return replace(
        record,
        conditions=[_moved(x, delta) for x in record.conditions],
        observations=[_moved(x, delta) for x in record.observations],
        medications=[_moved(x, delta) for x in record.medications],
        procedures=[_moved(x, delta) for x in record.procedures],
        orders=[_moved(x, delta) for x in record.orders],
        answers=[_moved(x, delta) for x in record.answers],
        clearances=[_moved(x, delta) for x in record.clearances],
        coded_observations=[_moved(x, delta) for x in record.coded_observations],
    )
