"""Evaluating rule expressions against one patient record on one date.

:class:`Facts` indexes a record once (conditions by concept, latest values by measure,
answers by question); :func:`evaluate` walks an expression and returns an
:class:`Outcome`: the truth value, the facts that decided it, and what was missing.
"""

from __future__ import annotations

import operator
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from spinecare.engine.truth import BY_RANK, FALSE, TRUE, UNKNOWN, Truth, all_of, any_of
from spinecare.kb.expressions import (
    AgeUnder,
    AllOf,
    Answered,
    AnyOf,
    Compare,
    Either,
    HadProcedure,
    HasCondition,
    HasMedication,
    NotExpr,
)
from spinecare.kb.loader import KB
from spinecare.record.model import (
    Answer,
    Coding,
    Condition,
    Medication,
    Observation,
    PatientRecord,
    Procedure,
)

ZONE_SYSTEM = "spinecare-zone"
"""Coding system of a zone named directly (intake files): ``Coding(ZONE_SYSTEM, 'lumbosacral')``."""

PROCEDURE_NOT_DONE = frozenset({"not-done", "entered-in-error", "preparation", "stopped"})


@dataclass(frozen=True, slots=True)
class Evidence:
    """One fact that decided a finding (or was checked and found stale)."""

    ref: str
    kind: str  # condition | observation | medication | procedure | answer | clearance
    label: str
    value: str | float | bool | None = None
    unit: str | None = None
    date: date | None = None
    code: str | None = None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ref": self.ref, "kind": self.kind, "label": self.label}
        for key in ("value", "unit", "code", "note"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.date is not None:
            out["date"] = self.date.isoformat()
        return out


@dataclass(frozen=True, slots=True)
class Gap:
    """Something missing that left an expression UNKNOWN.

    ``window_days``: how recent a value must be (None for an unanswered question);
    ``latest``: the date of the latest value found, too old to count.
    """

    item: str
    window_days: float | None = None
    latest: date | None = None
    alternatives: tuple[str, ...] = ()
    note: str | None = None


@dataclass(slots=True)
class Outcome:
    truth: Truth
    evidence: list[Evidence] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)


HIT_CACHE_SIZE = 200_000
"""How many codings-and-texts answers a KB keeps (see :meth:`Facts.hits`)."""

CONFIRM_ITEM = "record_to_confirm"
"""The missing item of an entry read with certainty unknown (text, unknown code system)."""


@dataclass(frozen=True, slots=True)
class ConditionEntry:
    """A condition matched to a concept. ``certain`` is False when only its text or a
    code in an unknown system named the concept (``note`` says which words or code)."""

    condition: Condition
    concept: str
    set: str | None
    zones: frozenset[str]
    code: str | None
    certain: bool = True
    note: str | None = None


@dataclass(frozen=True, slots=True)
class MedicationEntry:
    medication: Medication
    certain: bool = True
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ProcedureEntry:
    procedure: Procedure
    certain: bool = True
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ConceptHit:
    """A concept a coded fact names: through a code, an unplaced code or its text."""

    concept: str
    set: str | None
    zone: str | None
    code: str | None
    certain: bool
    note: str | None = None


class RecordIndex:
    """What a record says, indexed for one KB, whatever the date: conditions, medications
    and procedures by concept, readings by measure and answers by question in time
    order. Built once per record (kept in :attr:`PatientRecord.index_cache` while the
    record's facts stay the same); :class:`Facts` reads it on a date."""

    def __init__(self, record: PatientRecord, kb: KB) -> None:
        self.kb = kb
        # the facts indexed: the index holds while the record's lists hold the same facts
        self.sources = _indexed_lists(record)
        self.conditions: dict[str, list[ConditionEntry]] = defaultdict(list)
        self.medications: dict[str, list[MedicationEntry]] = defaultdict(list)
        self.procedures: dict[str, list[ProcedureEntry]] = defaultdict(list)
        for condition in (*record.conditions, *observed_conditions(record, kb)):
            self.index_condition(condition)
        for medication in record.medications:
            for concept, (certain, note) in self.medication_concepts(medication).items():
                self.medications[concept].append(MedicationEntry(medication, certain, note))
        for procedure in record.procedures:
            for concept, (certain, note) in self.procedure_concepts(procedure).items():
                self.procedures[concept].append(ProcedureEntry(procedure, certain, note))
        # readings of each measure in time order (a date's readings are a prefix),
        # with their dates for bisection
        readings: dict[str, list[Observation]] = defaultdict(list)
        for obs in record.observations:
            readings[obs.measure].append(obs)
        self.observations: dict[str, tuple[list[Observation], list[date]]] = {}
        for measure, values in readings.items():
            values.sort(key=Observation.order_key)
            self.observations[measure] = (values, [o.when for o in values])
        replies: dict[str, list[Answer]] = defaultdict(list)
        for answer in record.answers:
            replies[answer.question].append(answer)
        self.answers: dict[str, tuple[list[Answer], list[date]]] = {}
        for question, answers in replies.items():
            answers.sort(key=_answer_day)
            self.answers[question] = (answers, [_answer_day(a) for a in answers])

    @classmethod
    def of(cls, record: PatientRecord, kb: KB) -> RecordIndex:
        """The record's index for ``kb``: the one kept on the record while its facts are
        unchanged (compared fact by fact), else a new one."""
        index = record.index_cache
        if (
            isinstance(index, RecordIndex)
            and index.kb is kb
            and index.sources == _indexed_lists(record)
        ):
            return index
        index = cls(record, kb)
        record.index_cache = index
        return index

    def concepts_of(self, codings: tuple[Coding, ...], named: str | None) -> set[str]:
        concepts = {named} if named else set()
        for coding in codings:
            concepts.update(hit.concept for hit in self.kb.codes.lookup(coding.system, coding.code))
        return concepts

    def hits(self, codings: tuple[Coding, ...], texts: tuple[str | None, ...]) -> list[ConceptHit]:
        """The concepts codings name; failing any, those named by a code of an unknown or
        missing system (by its shape) or by the texts, uncertain. A code wins over text.

        Answers are kept per KB (records repeat the same codings and texts), up to
        :data:`HIT_CACHE_SIZE` of them.
        """
        # by identity first (the same record screened again: no hashing of its codings),
        # then by value (another record naming the same codes)
        same = self.kb.hit_cache_by_id.get(id(codings))
        if same is not None and same[0] is codings and same[1] == texts:
            return same[2]  # type: ignore[no-any-return]
        cache = self.kb.hit_cache
        key = (codings, texts)
        found = cache.get(key)
        if found is None:
            found = self._hits(codings, texts)
            if len(cache) >= HIT_CACHE_SIZE:
                cache.clear()
            cache[key] = found
        by_id = self.kb.hit_cache_by_id
        if len(by_id) >= HIT_CACHE_SIZE:
            by_id.clear()
        by_id[id(codings)] = (codings, texts, found)  # the entry keeps ``codings`` alive
        return found

    def _hits(self, codings: tuple[Coding, ...], texts: tuple[str | None, ...]) -> list[ConceptHit]:
        codes = self.kb.codes
        found = [
            ConceptHit(hit.concept, hit.set, hit.zone, f"{c.system}|{c.code}", True)
            for c in codings
            for hit in codes.lookup(c.system, c.code)
        ]
        if found:
            return found
        for c in codings:
            for hit in codes.lookup_unplaced(c.system, c.code):
                shown = c.code if c.system == "unknown" else f"{c.system}|{c.code}"
                note = f"code {shown} in no known code system: confirm"
                found.append(ConceptHit(hit.concept, hit.set, hit.zone, shown, False, note))
        if found:
            return found
        seen: set[tuple[str, str | None]] = set()
        for text in (*texts, *(c.display for c in codings)):
            for mention in self.kb.text_matcher.find(text):
                if (mention.concept, mention.set) in seen:
                    continue
                seen.add((mention.concept, mention.set))
                note = f"found in text: '{mention.words}': confirm"
                found.append(ConceptHit(mention.concept, mention.set, None, None, False, note))
        return found

    def procedure_concepts(self, procedure: Procedure) -> dict[str, tuple[bool, str | None]]:
        """Concept -> (certain, note) of one procedure (a certain hit wins)."""
        out: dict[str, tuple[bool, str | None]] = {}
        if procedure.concept:
            out[procedure.concept] = (True, None)
        for hit in self.hits(procedure.codings, (procedure.text,)):
            if hit.concept not in out or (hit.certain and not out[hit.concept][0]):
                out[hit.concept] = (hit.certain, hit.note)
        return out

    def medication_concepts(self, medication: Medication) -> dict[str, tuple[bool, str | None]]:
        """Concept -> (certain, note) of one medication (a certain hit wins)."""
        out: dict[str, tuple[bool, str | None]] = {}
        if medication.concept:
            out[medication.concept] = (True, None)
        for hit in self.hits(medication.codings, (medication.text,)):
            if hit.concept not in out or (hit.certain and not out[hit.concept][0]):
                out[hit.concept] = (hit.certain, hit.note)
        return out

    def _site_zones(self, condition: Condition) -> set[str]:
        zones: set[str] = set()
        for site in condition.body_sites:
            if site.system == ZONE_SYSTEM:
                zones.add(site.code)
            else:
                zone = self.kb.zone_by_site.get((site.system, site.code))
                if zone:
                    zones.add(zone)
        return zones

    def index_condition(self, condition: Condition) -> None:
        site_zones = self._site_zones(condition)
        if condition.concept:
            self.conditions[condition.concept].append(
                ConditionEntry(condition, condition.concept, None, frozenset(site_zones), None)
            )
        if condition.concept and not condition.codings:
            return
        for hit in self.hits(condition.codings, (condition.text,)):
            zones = set(site_zones)
            if hit.zone:
                zones.add(hit.zone)
            elif not zones and hit.code is not None and hit.certain:
                system, _, code = hit.code.partition("|")
                if system in {"icd10", "icd10cm"}:
                    zone = self.kb.codes.icd10_zone(code)
                    if zone:
                        zones.add(zone)
            self.conditions[hit.concept].append(
                ConditionEntry(
                    condition,
                    hit.concept,
                    hit.set,
                    frozenset(zones),
                    hit.code,
                    hit.certain,
                    hit.note,
                )
            )


def _indexed_lists(record: PatientRecord) -> tuple[list[Any], ...]:
    """Copies of the record's lists an index is made of (compared at C speed: the same
    fact objects compare by identity)."""
    return (
        list(record.conditions),
        list(record.coded_observations),
        list(record.medications),
        list(record.procedures),
        list(record.observations),
        list(record.answers),
    )


def _answer_day(answer: Answer) -> date:
    return answer.when or date.min


class Facts:
    """A record indexed for one screening date (the date-free part, :class:`RecordIndex`,
    is built once per record)."""

    def __init__(self, record: PatientRecord, kb: KB, as_of: date, lang: str = "en") -> None:
        self.record = record
        self.kb = kb
        self.as_of = as_of
        self.lang = lang
        self.index = index = RecordIndex.of(record, kb)
        self.conditions = index.conditions
        self.medications = index.medications
        self.procedures = index.procedures
        self._answers: dict[str, list[Answer]] | None = None
        self._set_aside: dict[str, list[str]] | None = None

    @property
    def observations(self) -> dict[str, list[Observation]]:
        """Readings by measure taken on or before the date, in time order."""
        out: dict[str, list[Observation]] = {}
        for measure, (values, days) in self.index.observations.items():
            n = bisect_right(days, self.as_of)
            if n:
                out[measure] = values[:n]
        return out

    @property
    def answers(self) -> dict[str, list[Answer]]:
        """Answers by question given on or before the date (or undated), oldest first."""
        if self._answers is None:
            self._answers = {}
            for question, (answers, days) in self.index.answers.items():
                n = bisect_right(days, self.as_of)
                if n:
                    self._answers[question] = answers[:n]
        return self._answers

    def concepts_of(self, codings: tuple[Coding, ...], named: str | None) -> set[str]:
        return self.index.concepts_of(codings, named)

    def hits(self, codings: tuple[Coding, ...], texts: tuple[str | None, ...]) -> list[ConceptHit]:
        return self.index.hits(codings, texts)

    def procedure_concepts(self, procedure: Procedure) -> dict[str, tuple[bool, str | None]]:
        return self.index.procedure_concepts(procedure)

    def medication_concepts(self, medication: Medication) -> dict[str, tuple[bool, str | None]]:
        return self.index.medication_concepts(medication)

    def index_condition(self, condition: Condition) -> None:
        self.index.index_condition(condition)

    def conditions_in_force(self, concept: str) -> list[ConditionEntry]:
        return [e for e in self.conditions.get(concept, ()) if e.condition.in_force(self.as_of)]

    def latest(
        self, measure: str, fresh_days: float, aggregate: str = "latest"
    ) -> tuple[Observation | None, Observation | None]:
        """The value that decides within the window (the latest reading by date and time,
        or with ``max`` the highest), and the latest value at all."""
        return self.reading(measure, timedelta(days=fresh_days), aggregate == "max")

    def reading(
        self, measure: str, window: timedelta, highest: bool
    ) -> tuple[Observation | None, Observation | None]:
        """:meth:`latest` with the window as a timedelta (``highest``: ``max``)."""
        found = self.index.observations.get(measure)
        if found is None:
            return None, None
        values, days = found
        as_of = self.as_of
        n = bisect_right(days, as_of)
        if not n:
            return None, None
        last = values[n - 1]
        since = as_of - window
        if last.when < since:
            return None, last
        if highest:
            fresh = values[bisect_left(days, since, 0, n) : n]
            # the highest; among equal values the latest, as the compiled SQL takes it
            return max(reversed(fresh), key=_value), last
        return last, last

    def set_aside_note(self, measure: str) -> str | None:
        """Why readings of ``measure`` were not used (a unit, an implausible value)."""
        if self._set_aside is None:
            self._set_aside = defaultdict(list)
            for ignored in self.record.ignored:
                if ignored.measure is not None:
                    self._set_aside[ignored.measure].append(ignored.reason.split(": ", 1)[-1])
        reasons = self._set_aside.get(measure, [])
        return "; ".join(dict.fromkeys(reasons)) or None


def _value(obs: Observation) -> float:
    return obs.value


def observed_conditions(record: PatientRecord, kb: KB) -> list[Condition]:
    """The conditions the record's coded Observations record (KB ``findings``): in force
    from the observation's date for the finding's ``fresh_days``."""
    out: list[Condition] = []
    if not record.coded_observations:
        return out
    by_code = kb.finding_by_code
    for obs in record.coded_observations:
        candidates = {f.id: f for c in obs.code for f in by_code.get((c.system, c.code), ())}
        if not candidates:
            continue
        values = {(c.system, c.code) for c in obs.value}
        for finding in candidates.values():
            if values & {(c.system, c.code) for c in finding.values}:
                days = kb.threshold(finding.fresh_days)
                out.append(
                    Condition(
                        ref=obs.ref,
                        concept=finding.concept,
                        text=next((c.display for c in obs.value if c.display), None),
                        onset=obs.when,
                        abatement=obs.when + timedelta(days=days),
                    )
                )
    return out


def _condition_evidence(entry: ConditionEntry, as_of: date) -> Evidence:
    c = entry.condition
    status = c.clinical_status or "no status"
    if c.abatement is not None:
        status += f", abated {c.abatement.isoformat()}"
    if c.contradicts_itself(as_of):
        status += ": recorded as active and ended, confirm"
    if c.future_onset(as_of):
        status += f"; onset {c.onset.isoformat() if c.onset else ''} lies ahead, recorded date used"
    if entry.note:
        status += f"; {entry.note}"
    label = c.text or next((x.display for x in c.codings if x.display), None) or entry.concept
    return Evidence(
        ref=c.ref,
        kind="condition",
        label=label,
        code=entry.code,
        date=c.start(as_of),
        note=status,
    )


def _has_condition(node: HasCondition, facts: Facts) -> Outcome:
    as_of = facts.as_of
    entries = facts.conditions.get(node.condition, [])
    matched: list[tuple[ConditionEntry, Truth]] = []
    for entry in entries:
        # an uncertain mention without a set may be any of the concept's sets
        if (
            node.set is not None
            and entry.set != node.set
            and (entry.certain or entry.set is not None)
        ):
            continue
        if node.zone is not None and entry.zones and node.zone not in entry.zones:
            continue
        truth = _condition_truth(entry, node.status, as_of)
        if truth is not FALSE:
            matched.append((entry, truth))
    if not matched:
        return Outcome(FALSE)
    decided = [e for e, t in matched if t is TRUE]
    truth = TRUE if decided else UNKNOWN
    seen: set[str] = set()
    evidence = []
    for entry, _ in matched if truth is UNKNOWN else [(e, TRUE) for e in decided]:
        if entry.condition.ref not in seen:
            seen.add(entry.condition.ref)
            evidence.append(_condition_evidence(entry, as_of))
    return Outcome(truth, evidence, [] if truth is TRUE else [Gap(CONFIRM_ITEM)])


def _condition_truth(entry: ConditionEntry, status: str, as_of: date) -> Truth:
    return BY_RANK[_condition_rank(entry, status, as_of)]


def _condition_rank(entry: ConditionEntry, status: str, as_of: date) -> int:
    """Does this entry satisfy ``status`` (in_force, ever, past) on ``as_of``? As a rank
    (0 FALSE, 1 UNKNOWN, 2 TRUE).

    UNKNOWN for an uncertain entry (text, unknown code system) that would, and for a
    condition recorded as both active and ended (never FALSE: it may be in force).
    """
    cond = entry.condition
    if status == "ever":
        truth = 2 if cond.ever(as_of) else 0
    elif cond.contradicts_itself(as_of):
        truth = 1
    elif status == "in_force":
        truth = 2 if cond.in_force(as_of) else 0
    else:
        truth = 2 if cond.ever(as_of) and not cond.in_force(as_of) else 0
    if truth == 2 and not entry.certain:
        return 1
    return truth


def _has_medication(node: HasMedication, facts: Facts) -> Outcome:
    entries = [
        e for e in facts.medications.get(node.medication, ()) if e.medication.in_force(facts.as_of)
    ]
    if not entries:
        return Outcome(FALSE)
    certain = [e for e in entries if e.certain]
    shown = certain or entries
    evidence = []
    for entry in shown:
        m = entry.medication
        note = m.status
        if entry.note:
            note = f"{note}; {entry.note}" if note else entry.note
        evidence.append(
            Evidence(
                ref=m.ref,
                kind="medication",
                label=m.text
                or next((c.display for c in m.codings if c.display), None)
                or node.medication,
                code=next((f"{c.system}|{c.code}" for c in m.codings), None),
                date=m.start,
                note=note,
            )
        )
    if certain:
        return Outcome(TRUE, evidence)
    return Outcome(UNKNOWN, evidence, [Gap(CONFIRM_ITEM)])


def _had_procedure(node: HadProcedure, facts: Facts) -> Outcome:
    days = facts.kb.threshold(node.within_days)
    since = facts.as_of - timedelta(days=days)
    hits = [
        e
        for e in facts.procedures.get(node.procedure, ())
        if isinstance(e, ProcedureEntry)
        and e.procedure.status not in PROCEDURE_NOT_DONE
        and e.procedure.performed is not None
        and since <= e.procedure.performed <= facts.as_of
    ]
    if not hits:
        return Outcome(FALSE)
    certain = [e for e in hits if e.certain]
    evidence = [
        Evidence(
            ref=e.procedure.ref,
            kind="procedure",
            label=e.procedure.text
            or next((c.display for c in e.procedure.codings if c.display), None)
            or node.procedure,
            date=e.procedure.performed,
            note=f"within {days:g} days" + (f"; {e.note}" if e.note else ""),
        )
        for e in certain or hits
    ]
    if certain:
        return Outcome(TRUE, evidence)
    return Outcome(UNKNOWN, evidence, [Gap(CONFIRM_ITEM)])


def years_before(day: date, years: int) -> date:
    """The date ``years`` years before ``day`` (29 February: the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _age_under(node: AgeUnder, facts: Facts) -> Outcome:
    born = facts.record.patient.birth_date
    years = int(facts.kb.threshold(node.age_under))
    if born is None or born <= years_before(facts.as_of, years):
        return Outcome(FALSE)
    age = (
        facts.as_of.year
        - born.year
        - ((facts.as_of.month, facts.as_of.day) < (born.month, born.day))
    )
    return Outcome(
        TRUE,
        [
            Evidence(
                ref=f"Patient/{facts.record.patient.id}",
                kind="patient",
                label="Age",
                value=float(age),
                date=born,
                note=f"{age} years old: younger than {years}",
            )
        ],
    )


OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}


def _observation_evidence(obs: Observation, label: str, note: str | None = None) -> Evidence:
    return Evidence(
        ref=obs.ref,
        kind="observation",
        label=label,
        value=obs.value,
        unit=obs.unit,
        date=obs.when,
        code=f"{obs.coding.system}|{obs.coding.code}" if obs.coding else None,
        note=note if note is not None else obs.original,
    )


def _compare(node: Compare, facts: Facts) -> Outcome:
    kb = facts.kb
    measure = kb.measures[node.measure]
    days = kb.threshold(measure.fresh_days)
    current, last = facts.latest(node.measure, days, measure.aggregate)
    label = measure.label.get(facts.lang)
    if current is None:
        # Never measured: absent where the KB says so. Measured, but too long ago: always
        # unknown (a stale value says nothing about today, it is never "not present").
        if last is None and measure.when_missing == "absent":
            return Outcome(FALSE)
        evidence = []
        if last is not None:
            evidence.append(_observation_evidence(last, label, f"stale: older than {days:g} days"))
        gap = Gap(
            measure.item,
            days,
            last.when if last is not None else None,
            note=facts.set_aside_note(node.measure),
        )
        return Outcome(UNKNOWN, evidence, [gap])
    limit = kb.threshold(node.threshold)
    truth = TRUE if OPS[node.op](current.value, limit) else FALSE
    return Outcome(truth, [_observation_evidence(current, label)])


def _answered(node: Answered, facts: Facts) -> Outcome:
    kb = facts.kb
    question = kb.questions[node.answer]
    answers = facts.answers.get(node.answer, [])
    current = answers[-1] if answers else None
    if current is not None and question.fresh_days is not None and current.when is not None:
        days = kb.threshold(question.fresh_days)
        if current.when < facts.as_of - timedelta(days=days):
            current = None
    if current is None:
        if question.when_missing == "absent":
            return Outcome(FALSE)
        return Outcome(UNKNOWN, [], [Gap(question.id)])
    truth = TRUE if current.value == node.equals else FALSE
    return Outcome(
        truth,
        [
            Evidence(
                ref=current.ref,
                kind="answer",
                label=question.label.get(facts.lang),
                value=current.value,
                date=current.when,
            )
        ],
    )


def _all(node: AllOf, facts: Facts) -> Outcome:
    parts = [evaluate(child, facts) for child in node.all]
    truth = all_of(p.truth for p in parts)
    return _combine(truth, parts, decisive=FALSE)


def _any(node: AnyOf, facts: Facts) -> Outcome:
    parts = [evaluate(child, facts) for child in node.any]
    truth = any_of(p.truth for p in parts)
    return _combine(truth, parts, decisive=TRUE)


def _unique(values: list[Any]) -> list[Any]:
    """Drop repeats (the same fact read by two leaves), keeping the first order."""
    return list(dict.fromkeys(values))


def _combine(truth: Truth, parts: list[Outcome], decisive: Truth) -> Outcome:
    """Keep the evidence that decided ``truth``; gaps only when it stayed UNKNOWN."""
    if truth is decisive:
        return Outcome(
            truth, _unique([e for p in parts if p.truth is decisive for e in p.evidence])
        )
    evidence = _unique([e for p in parts for e in p.evidence])
    gaps = (
        _unique([g for p in parts if p.truth is UNKNOWN for g in p.gaps])
        if truth is UNKNOWN
        else []
    )
    return Outcome(truth, evidence, gaps)


def _either(node: Either, facts: Facts) -> Outcome:
    parts = [evaluate(child, facts) for child in node.either]
    if any(p.truth is TRUE for p in parts):
        return Outcome(TRUE, [e for p in parts if p.truth is TRUE for e in p.evidence])
    if any(p.truth is FALSE for p in parts):
        return Outcome(FALSE, [e for p in parts if p.truth is FALSE for e in p.evidence])
    gaps = [g for p in parts for g in p.gaps]
    items = tuple(dict.fromkeys(g.item for g in gaps))
    merged = (
        [
            Gap(
                items[0],
                gaps[0].window_days,
                gaps[0].latest,
                alternatives=items[1:],
                note=gaps[0].note,
            )
        ]
        if gaps
        else []
    )
    return Outcome(UNKNOWN, [e for p in parts for e in p.evidence], merged)


def _not(node: NotExpr, facts: Facts) -> Outcome:
    inner = evaluate(node.not_, facts)
    return Outcome(~inner.truth, inner.evidence, inner.gaps)


EVALUATORS: dict[type, Callable[[Any, Facts], Outcome]] = {
    HasCondition: _has_condition,
    HasMedication: _has_medication,
    HadProcedure: _had_procedure,
    AgeUnder: _age_under,
    Compare: _compare,
    Answered: _answered,
    AllOf: _all,
    AnyOf: _any,
    Either: _either,
    NotExpr: _not,
}


def evaluate(expr: Any, facts: Facts) -> Outcome:
    """The truth of one expression for the indexed record, with its trace."""
    return EVALUATORS[type(expr)](expr, facts)


# Truth first -----------------------------------------------------------------------------
#
# Each expression compiled once per KB into a function of the Facts that returns only its
# truth, as a rank (0 FALSE, 1 UNKNOWN, 2 TRUE), with the KB's thresholds, measures and
# questions already looked up. A screening runs these for every rule and builds the trace
# (:func:`evaluate`) only for the rules that are not FALSE. Each must give exactly the
# truth :func:`evaluate` gives (tests/engine/test_compiled_truth.py checks it).

TruthTest = Callable[[Facts], int]


def compile_truth(expr: Any, kb: KB) -> TruthTest:
    """The truth of ``expr`` for the indexed record, without a trace (see above)."""
    return COMPILERS[type(expr)](expr, kb)


def _compile_condition(node: HasCondition, kb: KB) -> TruthTest:
    concept, wanted_set, zone, status = node.condition, node.set, node.zone, node.status

    def test(facts: Facts) -> int:
        entries = facts.conditions.get(concept)
        if not entries:
            return 0
        as_of = facts.as_of
        result = 0
        for entry in entries:
            if (
                wanted_set is not None
                and entry.set != wanted_set
                and (entry.certain or entry.set is not None)
            ):
                continue
            if zone is not None and entry.zones and zone not in entry.zones:
                continue
            rank = _condition_rank(entry, status, as_of)
            if rank == 2:
                return 2
            if rank:
                result = 1
        return result

    return test


def _compile_medication(node: HasMedication, kb: KB) -> TruthTest:
    concept = node.medication

    def test(facts: Facts) -> int:
        entries = facts.medications.get(concept)
        if not entries:
            return 0
        result = 0
        for entry in entries:
            if entry.medication.in_force(facts.as_of):
                if entry.certain:
                    return 2
                result = 1
        return result

    return test


def _compile_procedure(node: HadProcedure, kb: KB) -> TruthTest:
    concept = node.procedure
    window = timedelta(days=kb.threshold(node.within_days))

    def test(facts: Facts) -> int:
        entries = facts.procedures.get(concept)
        if not entries:
            return 0
        as_of = facts.as_of
        since = as_of - window
        result = 0
        for e in entries:
            p = e.procedure
            if (
                p.status not in PROCEDURE_NOT_DONE
                and p.performed is not None
                and since <= p.performed <= as_of
            ):
                if e.certain:
                    return 2
                result = 1
        return result

    return test


def _compile_age(node: AgeUnder, kb: KB) -> TruthTest:
    years = int(kb.threshold(node.age_under))

    def test(facts: Facts) -> int:
        born = facts.record.patient.birth_date
        if born is None or born <= years_before(facts.as_of, years):
            return 0
        return 2

    return test


def _compile_compare(node: Compare, kb: KB) -> TruthTest:
    measure = kb.measures[node.measure]
    measure_id = node.measure
    window = timedelta(days=kb.threshold(measure.fresh_days))
    highest = measure.aggregate == "max"
    absent = measure.when_missing == "absent"
    limit = kb.threshold(node.threshold)
    holds = OPS[node.op]

    def test(facts: Facts) -> int:
        current, last = facts.reading(measure_id, window, highest)
        if current is None:
            return 0 if last is None and absent else 1
        return 2 if holds(current.value, limit) else 0

    return test


def _compile_answer(node: Answered, kb: KB) -> TruthTest:
    question = kb.questions[node.answer]
    question_id = node.answer
    window = (
        timedelta(days=kb.threshold(question.fresh_days))
        if question.fresh_days is not None
        else None
    )
    absent = question.when_missing == "absent"
    equals = node.equals

    def test(facts: Facts) -> int:
        answers = facts.answers.get(question_id)
        current = answers[-1] if answers else None
        if (
            current is not None
            and window is not None
            and current.when is not None
            and current.when < facts.as_of - window
        ):
            current = None
        if current is None:
            return 0 if absent else 1
        return 2 if current.value == equals else 0

    return test


def _compile_all(node: AllOf, kb: KB) -> TruthTest:
    tests = [compile_truth(child, kb) for child in node.all]

    def test(facts: Facts) -> int:
        result = 2
        for part in tests:
            rank = part(facts)
            if rank == 0:
                return 0
            if rank < result:
                result = rank
        return result

    return test


def _compile_any(node: AnyOf, kb: KB) -> TruthTest:
    tests = [compile_truth(child, kb) for child in node.any]

    def test(facts: Facts) -> int:
        result = 0
        for part in tests:
            rank = part(facts)
            if rank == 2:
                return 2
            if rank > result:
                result = rank
        return result

    return test


def _compile_either(node: Either, kb: KB) -> TruthTest:
    tests = [compile_truth(child, kb) for child in node.either]

    def test(facts: Facts) -> int:
        known = False
        for part in tests:
            rank = part(facts)
            if rank == 2:
                return 2
            if rank == 0:
                known = True
        return 0 if known else 1

    return test


def _compile_not(node: NotExpr, kb: KB) -> TruthTest:
    inner = compile_truth(node.not_, kb)

    def test(facts: Facts) -> int:
        return 2 - inner(facts)

    return test


COMPILERS: dict[type, Callable[[Any, KB], TruthTest]] = {
    HasCondition: _compile_condition,
    HasMedication: _compile_medication,
    HadProcedure: _compile_procedure,
    AgeUnder: _compile_age,
    Compare: _compile_compare,
    Answered: _compile_answer,
    AllOf: _compile_all,
    AnyOf: _compile_any,
    Either: _compile_either,
    NotExpr: _compile_not,
}
