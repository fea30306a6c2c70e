"""Hypothesis strategies: random patient records drawn from the KB's own codes.

Codes, measures, questions and thresholds come from the KB, so random records hit the
rules (and their edges: values at thresholds, dates at freshness limits).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from spinecare.engine.evaluate import ZONE_SYSTEM, years_before
from spinecare.kb.codes import icd10_categories
from spinecare.messages import Message
from spinecare.record.model import (
    Answer,
    Clearance,
    Coding,
    Condition,
    Ignored,
    Medication,
    Observation,
    Order,
    Patient,
    PatientRecord,
    Procedure,
)

AS_OF = date(2024, 6, 15)
CLINICAL = [None, "active", "recurrence", "relapse", "inactive", "remission", "resolved"]
VERIFICATION = [None, "confirmed", "provisional", "unconfirmed", "refuted", "entered-in-error"]
MED_STATUS = [
    None,
    "active",
    "intended",
    "on-hold",
    "unknown",
    "completed",
    "stopped",
    "cancelled",
    "draft",
]
PROC_STATUS = [
    None,
    "completed",
    "in-progress",
    "not-done",
    "entered-in-error",
    "preparation",
    "stopped",
]


def kb_codings(kb: Any) -> list[Coding]:
    """One coding per KB code (ICD-10 ranges: a category inside; some with a subcode)."""
    out = []
    for concept in kb.model.concepts:
        for code in concept.codes:
            if code.to:
                for category in icd10_categories(code.code, code.to)[::7]:
                    out.append(Coding(code.system, category))
            else:
                out.append(Coding(code.system, code.code))
                if code.system in ("icd10", "icd10cm") and len(code.code.replace(".", "")) <= 4:
                    out.append(Coding(code.system, code.code + ("9" if "." in code.code else ".9")))
    out.append(Coding("snomed", "00000000"))  # matches nothing
    return out


def dates(near: date = AS_OF, days: int = 420) -> st.SearchStrategy[date]:
    return st.integers(-days, 30).map(lambda n: near + timedelta(days=n))


def near_edges(kb: Any) -> st.SearchStrategy[date]:
    """Dates at and around the freshness limits."""
    windows = sorted(
        {kb.threshold(m.fresh_days) for m in kb.model.measures}
        | {kb.threshold(q.fresh_days) for q in kb.model.questions if q.fresh_days}
        | {kb.threshold("clearance_fresh_days")}
    )
    edges = [AS_OF - timedelta(days=w) + timedelta(days=k) for w in windows for k in (-1, 0, 1)]
    return st.one_of(st.sampled_from([*edges, AS_OF, AS_OF + timedelta(days=1)]), dates())


def values(kb: Any, measure: Any) -> st.SearchStrategy[float]:
    points = [t.value for t in kb.model.thresholds if t.unit == measure.unit]
    around = [p + d for p in points for d in (-1.0, -0.1, 0.0, 0.1, 1.0)]
    if not around:
        return st.floats(0, 300, allow_nan=False)
    return st.one_of(st.sampled_from(around), st.floats(0, 300, allow_nan=False))


@st.composite
def records(draw: Any, kb: Any, pid: str) -> PatientRecord:
    codings = kb_codings(kb)
    sites = [Coding(c.system, c.code) for z in kb.model.zones for c in z.site_codes]
    sites += [Coding(ZONE_SYSTEM, z.id) for z in kb.model.zones]
    when = near_edges(kb)
    maybe_date = st.one_of(st.none(), when)
    conditions = []
    for i in range(draw(st.integers(0, 5))):
        conditions.append(
            Condition(
                ref=f"Condition/{pid}-{i}",
                codings=tuple(draw(st.lists(st.sampled_from(codings), min_size=0, max_size=2))),
                concept=draw(st.one_of(st.none(), st.sampled_from(sorted(kb.concepts)))),
                clinical_status=draw(st.sampled_from(CLINICAL)),
                verification_status=draw(st.sampled_from(VERIFICATION)),
                onset=draw(maybe_date),
                abatement=draw(st.one_of(st.none(), when)),
                recorded=draw(maybe_date),
                body_sites=tuple(draw(st.lists(st.sampled_from(sites), max_size=2))),
            )
        )
    observations = []
    # readings of one day, several of them: with and without a time, in a known order
    # or not (the engine's same-day rule), often on the same few days
    days = draw(st.lists(when, min_size=1, max_size=3))
    for i in range(draw(st.integers(0, 8))):
        measure = draw(st.sampled_from(kb.model.measures))
        day = draw(st.one_of(st.sampled_from(days), when))
        instant = draw(st.one_of(st.none(), st.sampled_from([1.0e9, 1.5e9, 2.0e9])))
        # now and then dated only by a month or a year: a span from the day, no time
        span = None if instant is not None else draw(st.sampled_from([None, None, 3, 30, 365]))
        observations.append(
            Observation(
                ref=f"Observation/{pid}-{i}",
                measure=measure.id,
                value=draw(values(kb, measure)),
                unit=measure.unit,
                when=day,
                instant=instant,
                in_order=span is None and draw(st.booleans()),
                last=None if span is None else day + timedelta(days=span),
            )
        )
    # readings set aside (a unit that cannot be converted, a bound): dated, often on the
    # readings' days or the day after the screening date, or undated
    ignored = []
    for i in range(draw(st.integers(0, 2))):
        measure = draw(st.sampled_from(kb.model.measures))
        ignored.append(
            Ignored(
                ref=f"Observation/{pid}-x{i}",
                reason=Message("unit '%(unit)s' cannot be converted", unit="?"),
                measure=measure.id,
                when=(day := draw(st.one_of(st.none(), st.sampled_from(days), when))),
                # now and then dated only by a month or a year
                last=None
                if day is None
                else draw(
                    st.sampled_from([None, day + timedelta(days=3), day + timedelta(days=365)])
                ),
            )
        )
    meds = []
    for i in range(draw(st.integers(0, 3))):
        meds.append(
            Medication(
                ref=f"MedicationRequest/{pid}-{i}",
                codings=tuple(draw(st.lists(st.sampled_from(codings), max_size=2))),
                concept=draw(st.one_of(st.none(), st.sampled_from(sorted(kb.concepts)))),
                status=draw(st.sampled_from(MED_STATUS)),
                start=draw(maybe_date),
                end=draw(maybe_date),
            )
        )
    procedures = []
    for i in range(draw(st.integers(0, 2))):
        procedures.append(
            Procedure(
                ref=f"Procedure/{pid}-{i}",
                codings=tuple(draw(st.lists(st.sampled_from(codings), max_size=2))),
                concept=draw(st.one_of(st.none(), st.sampled_from(sorted(kb.concepts)))),
                status=draw(st.sampled_from(PROC_STATUS)),
                performed=draw(maybe_date),
            )
        )
    answers = []
    # half the records answer a few questions several times (a clear answer, then one that
    # says neither yes nor no, and the like)
    asked = kb.model.questions[:3] if draw(st.booleans()) else kb.model.questions
    for i in range(draw(st.integers(0, 4))):
        question = draw(st.sampled_from(asked))
        if question.type == "choice":
            value: Any = draw(st.sampled_from([c.value for c in question.choices]))
        else:
            value = draw(st.sampled_from([True, False, True, 1.0, 0.0, "yes", "maybe"]))
        day = draw(maybe_date)
        # now and then dated only by a month or a year: a span from the day
        span = None if day is None else draw(st.sampled_from([None, None, 1, 10, 30, 365]))
        last = None if span is None or day is None else day + timedelta(days=span)
        answers.append(Answer(f"intake#{pid}-{i}", question.id, value, day, last))
    clearable = sorted(
        {r.concept for r in kb.model.rules if r.effect == "needs_clearance"}
        | {r.id for r in kb.model.rules}
    )
    clearances = []
    for i in range(draw(st.integers(0, 2))):
        clearances.append(
            Clearance(
                ref=f"clearance#{pid}-{i}",
                concepts=tuple(draw(st.lists(st.sampled_from(clearable), min_size=1, max_size=3))),
                decision=draw(st.sampled_from(["cleared", "cleared", "declined"])),
                when=draw(maybe_date),
                valid_until=draw(maybe_date),
            )
        )
    orders = [Order(ref=f"ServiceRequest/{pid}-0", status="active", intent="order")]
    # no date of birth, one at the edges of the young-age red flag and of the oldest age
    # believed (a placeholder such as 1900-01-01 is none), one after the screening day
    ages = [
        int(kb.threshold("red_flag_young_age_years")),
        int(kb.threshold("birth_date_oldest_years")),
    ]
    births = [date(1900, 1, 1), date(1970, 1, 1), AS_OF + timedelta(days=1)]
    births += [years_before(AS_OF, y) + timedelta(days=k) for y in ages for k in (-1, 0, 1)]
    return PatientRecord(
        patient=Patient(pid, birth_date=draw(st.one_of(st.none(), st.sampled_from(births)))),
        conditions=conditions,
        observations=observations,
        ignored=ignored,
        medications=meds,
        procedures=procedures,
        answers=answers,
        clearances=clearances,
        orders=orders if draw(st.booleans()) else [],
    )


def populations(kb: Any, max_size: int = 8) -> st.SearchStrategy[list[PatientRecord]]:
    return st.integers(1, max_size).flatmap(
        lambda n: st.tuples(*[records(kb, f"p{i}") for i in range(n)]).map(list)
    )
