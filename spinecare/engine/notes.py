"""What the screening says beside a fact: a condition's status, a text or a code to
confirm, a reading too old, a value as the record wrote it.

Each note is a :class:`~spinecare.messages.Message` (its value the English text, its id
and parameters kept): the adapters show it in the reader's language. A status the
record gives in words of its own is kept as recorded.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from spinecare.i18n import date_precision
from spinecare.messages import N_, Day, Message, Quantity
from spinecare.record.model import Observation
from spinecare.record.standing import IN_FORCE_CLINICAL, STATUS_CONTRADICTORY
from spinecare.record.units import canonical_unit

_NUMBER_AND_UNIT = re.compile(
    r"\s*(?P<bound>[<>]=?)?\s*(?P<number>[-+]?\d+(?:[.,]\d+)?)\s*(?P<unit>\S.*?)?\s*"
)

__all__ = [
    "CONDITION_STATUS",
    "MEDICATION_STATUS",
    "age_note",
    "ahead_answer_note",
    "ahead_note",
    "code_to_confirm",
    "condition_note",
    "contradictory_medication_note",
    "crossed_note",
    "joined",
    "medication_note",
    "partial_answer_note",
    "partial_reading_note",
    "recorded_as",
    "stale_note",
    "stopped_early_note",
    "text_to_confirm",
    "unclear_answer_note",
    "undated_medication_note",
    "undated_procedure_note",
    "untimed_note",
    "within_note",
]

CONDITION_STATUS = {
    # not the "active" of a course or a drug: in Russian a condition's status is said in
    # forms that need no agreement with the diagnosis's gender ("в активной фазе")
    "active": N_("currently active"),
    "recurrence": N_("recurrence"),
    "relapse": N_("relapse"),
    "inactive": N_("inactive"),
    "remission": N_("in remission"),
    "resolved": N_("resolved"),
}
"""A condition's clinical status (FHIR condition-clinical) in words."""

MEDICATION_STATUS = {
    # not the "active" of a course, nor the "completed" of a course or the "declined" of a
    # clearance: in Russian a drug's status is said in forms that need no agreement with
    # the drug's gender ("назначение действует", not "активный")
    "active": N_("current"),
    "on-hold": N_("on hold"),
    "intended": N_("intended"),
    "unknown": N_("status unknown"),
    "completed": N_("finished"),
    "stopped": N_("stopped"),
    "cancelled": N_("cancelled"),
    "not-taken": N_("not taken"),
    "entered-in-error": N_("entered in error"),
    "draft": N_("draft"),
    "in-progress": N_("in progress"),
    "not-done": N_("not done"),
    "preparation": N_("in preparation"),
    "declined": N_("dispense declined"),
}
"""A medication's status (statement, request, administration, dispense) in words."""


def joined(*notes: str | None) -> str | None:
    """Notes about one fact, one after the other (``active; ended 3 Dec 2026``)."""
    out: str | None = None
    for note in notes:
        if note:
            out = note if out is None else Message("%(first)s; %(then)s", first=out, then=note)
    return out


def _status(status: str, words: dict[str, str]) -> str:
    return Message(words[status]) if status in words else status  # else as recorded


def _dated(day_msgid: str, period_msgid: str, first: date, last: date | None, **params: Any) -> str:
    """A note naming a date: ``day_msgid`` with ``%(day)s`` for a whole date,
    ``period_msgid`` with ``%(period)s`` for one the record gives only as a month or a
    year (``first`` to ``last``: "ended November 2026", Russian "окончание — ноябрь
    2026 г.", the month as it is named alone)."""
    if last is None or date_precision(first, last) == "day":
        return Message(day_msgid, day=Day(first), **params)
    return Message(period_msgid, period=Day(first, last), **params)


def condition_note(
    status: str | None,
    abatement: date | None,
    *,
    contradictory: bool,
    onset_ahead: date | None,
    match: str | None,
    abatement_first: date | None = None,
    onset_last: date | None = None,
    next_day: bool = False,
) -> str | None:
    """``abatement_first``: the first day of an abatement the record gives only as a
    month or a year (``abatement`` its last day); ``onset_last``: the last day of such an
    onset (``onset_ahead`` its first); ``next_day``: known from the day after the date."""
    return joined(
        None
        if status == STATUS_CONTRADICTORY
        else _status(status, CONDITION_STATUS)
        if status
        else Message("no status recorded"),
        _dated(
            N_("ended %(day)s"),
            N_("ended %(period)s"),
            abatement_first or abatement,
            abatement if abatement_first else None,
        )
        if abatement is not None
        else None,
        _contradiction(status) if contradictory else None,
        _dated(
            N_("onset %(day)s lies ahead: the date recorded is used"),
            N_("onset %(period)s lies ahead: the date recorded is used"),
            onset_ahead,
            onset_last,
        )
        if onset_ahead is not None
        else None,
        dated_ahead_note() if next_day else None,
        match,
    )


def _contradiction(status: str | None) -> str:
    """Why a condition's status and its abatement disagree on the date: an active status
    with an end on or before it, or an ended status with an end after it."""
    if status == STATUS_CONTRADICTORY:
        return Message(
            "its statuses disagree (in force and ended, or confirmed and refuted): confirm"
        )
    if status in IN_FORCE_CLINICAL:
        return Message("recorded as in force and as ended: confirm")
    return Message("recorded as ended, on a day after this one: confirm")


def medication_note(status: str | None, match: str | None) -> str | None:
    if status == STATUS_CONTRADICTORY:  # said by its own note (contradictory_medication_note)
        return joined(match)
    return joined(_status(status, MEDICATION_STATUS) if status else None, match)


def contradictory_medication_note(end: date, end_last: date | None = None) -> str:
    """Beside a drug recorded as taken (its status) whose recorded period ended before the
    date: whether it is still taken is not known."""
    return _dated(
        N_("recorded as taken and as ended %(day)s: confirm whether it is still taken"),
        N_("recorded as taken and as ended %(period)s: confirm whether it is still taken"),
        end,
        end_last,
    )


def code_to_confirm(code: str) -> str:
    return Message("code '%(code)s' in no known code system: confirm", code=code)


def code_may_name(code: str) -> str:
    """A KB code that may name the concept but need not (``confirm``)."""
    return Message("code '%(code)s' may or may not name it: confirm", code=code)


def unnamed_drug_note(code: str) -> str:
    return Message(
        "a drug given only by its code %(code)s, with no name: confirm what it is", code=code
    )


def nameless_drug_note() -> str:
    return Message("a drug recorded with neither name nor code: confirm what it is")


def undated_procedure_note() -> str:
    return Message("recorded with no date it was done: confirm when it was done")


def partial_date_note(days: float, first: date | None = None, last: date | None = None) -> str:
    """Beside a procedure dated only by its year or month, or done over a period of days
    (its ``first`` and ``last`` day), which may fall within a rule's window or before it."""
    if first is not None and last is not None and date_precision(first, last) == "period":
        return Message(
            "done over a period of days, which may fall within %(days)s days: confirm"
            " when it was done",
            days=Quantity(days, None),
        )
    return Message(
        "dated only by its year or month, which may fall within %(days)s days: confirm"
        " when it was done",
        days=Quantity(days, None),
    )


def partial_reading_note(first: date, last: date) -> str:
    """Beside a reading dated only by a month or a year (its first and last day): which
    day of it the reading was taken is not known."""
    precision = date_precision(first, last)
    if precision == "year":
        return Message("dated only by the year: the day it was taken is not known")
    if precision == "period":
        return Message("taken over a period of days: the day it was taken is not known")
    return Message("dated only by the month: the day it was taken is not known")


def partial_answer_note(first: date, last: date) -> str:
    """Beside an answer dated only by a month or a year (its first and last day): which
    day of it the answer was given is not known."""
    if date_precision(first, last) == "year":
        return Message("dated only by the year: the day it was given is not known")
    return Message("dated only by the month: the day it was given is not known")


def undated_medication_note() -> str:
    """Beside a drug recorded as ended or stopped with no day at all."""
    return Message("recorded as ended with no date: confirm when it was last taken")


def stopped_early_note(planned_end: date) -> str:
    """Beside a drug stopped before the end it was planned to run to, after the date."""
    return Message(
        "stopped before its planned end (%(day)s): confirm when it was last taken",
        day=Day(planned_end),
    )


def recent_medication_note(first: date, last: date | None, days: float) -> str:
    """Beside a drug recorded as ended, stopped or given within ``days`` before the date
    (clinic policy policy_recent_medication), last recorded on ``first`` (to ``last``: a
    date the record gives only as a month or a year)."""
    return _dated(
        N_(
            "last recorded %(day)s, within %(days)s days: it may still be taken or still"
            " act; confirm"
        ),
        N_(
            "last recorded %(period)s, within %(days)s days: it may still be taken or still"
            " act; confirm"
        ),
        first,
        last,
        days=Quantity(days, None),
    )


def procedure_as_diagnosis_note() -> str:
    return Message("recorded as a diagnosis, not as a procedure with its date: confirm")


def diagnosis_as_procedure_note() -> str:
    return Message("named in a procedure's name, not as a diagnosis: confirm")


def diagnosis_as_drug_note() -> str:
    return Message("named by a drug given for it, not as a diagnosis: confirm")


def unclear_answer_note() -> str:
    return Message("recorded as an observation whose answer is neither yes nor no: confirm")


def observed_value_note() -> str:
    return Message("recorded as the value of an observation, not as a diagnosis: confirm")


def undated_observation_note() -> str:
    return Message("recorded as an observation with no date: confirm")


def text_to_confirm(words: str) -> str:
    return Message("found in text: '%(words)s': confirm", words=words)


def site_to_confirm(words: str, site: str) -> str:
    return Message("found in text: '%(words)s' at '%(site)s': confirm", words=words, site=site)


def within_note(days: float, match: str | None) -> str | None:
    return joined(Message("within %(days)s days", days=Quantity(days, None)), match)


def age_note(age: int, years: int) -> str:
    return Message("%(age)s years old: younger than %(years)s", age=age, years=years)


def implausible_age_note(age: int, oldest: int) -> str:
    """Why a date of birth was set aside: the age it gives is older than anyone is (a
    placeholder such as 1900-01-01 written where the date was not known)."""
    return Message(
        "the date of birth gives an age of %(age)s, over %(oldest)s: confirm it",
        age=age,
        oldest=oldest,
    )


def ahead_note() -> str:
    """Beside a reading dated the day after the screening day (its time may be written in
    another time zone than the clinic's)."""
    return Message("dated the day after: it may have been taken on this day")


def dated_ahead_note() -> str:
    """Beside a diagnosis, a drug or a procedure dated the day after the screening day (its
    time may be written in another time zone than the clinic's)."""
    return Message("dated the day after: it may be of this day; confirm")


def ahead_answer_note() -> str:
    """Beside an answer dated the day after the screening day (as :func:`ahead_note`)."""
    return Message("dated the day after: it may have been given on this day")


def crossed_note() -> str:
    """Beside a reading taken, by its time, after one dated a later day (its time written in
    another time zone)."""
    return Message(
        "taken after a reading dated the next day: their times are written in different time zones"
    )


def untimed_note() -> str:
    """Beside a reading of a day whose readings disagree and whose order is not known."""
    return Message("the time of day it was taken is not recorded")


def day_mean_note(obs: Observation) -> str | None:
    """Beside a reading that counts as the mean of its day's readings (``taken``)."""
    if obs.taken is None:
        return None
    return Message(
        "the mean of this day's readings; this reading: %(value)s",
        value=Quantity(obs.taken, obs.unit),
    )


def stale_note(days: float) -> str:
    return Message("too old to count: older than %(days)s days", days=Quantity(days, None))


def recorded_as(original: str | None) -> str | None:
    """The value as the record wrote it, when its unit is not the measure's."""
    if not original:
        return None
    written = _NUMBER_AND_UNIT.fullmatch(original)
    if written is None:
        return Message("recorded as %(value)s", value=Quantity.as_recorded(original))
    # the unit as people write it in the reader's language: a spelling the record used
    # ("Tsd/µl", "/nl") is named by its UCUM code, which the unit words know
    unit = (written["unit"] or "").strip() or None
    value = Quantity(
        float(written["number"].replace(",", ".")), (unit and canonical_unit(unit)) or unit
    )
    if written["bound"]:  # a bound that decides the measure's every comparison
        return Message("recorded as %(bound)s %(value)s", bound=written["bound"], value=value)
    return Message("recorded as %(value)s", value=value)
