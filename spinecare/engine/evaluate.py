"""Evaluating rule expressions against one patient record on one date.

:class:`Facts` indexes a record once (conditions by concept, latest values by measure,
answers by question); :func:`evaluate` walks an expression and returns an
:class:`Outcome`: the truth value, the facts that decided it, and what was missing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from spinecare.engine.truth import FALSE, TRUE, UNKNOWN, Truth, all_of, any_of
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


class Facts:
    """A record indexed for one screening date."""

    def __init__(self, record: PatientRecord, kb: KB, as_of: date, lang: str = "en") -> None:
        self.record = record
        self.kb = kb
        self.as_of = as_of
        self.lang = lang
        self.conditions: dict[str, list[ConditionEntry]] = defaultdict(list)
        self.medications: dict[str, list[MedicationEntry]] = defaultdict(list)
        self.procedures: dict[str, list[ProcedureEntry]] = defaultdict(list)
        self.observations: dict[str, list[Observation]] = defaultdict(list)
        self.answers: dict[str, list[Answer]] = defaultdict(list)
        self._set_aside: dict[str, list[str]] | None = None
        for condition in (*record.conditions, *observed_conditions(record, kb)):
            self.index_condition(condition)
        for medication in record.medications:
            for concept, (certain, note) in self.medication_concepts(medication).items():
                self.medications[concept].append(MedicationEntry(medication, certain, note))
        for procedure in record.procedures:
            for concept, (certain, note) in self.procedure_concepts(procedure).items():
                self.procedures[concept].append(ProcedureEntry(procedure, certain, note))
        for obs in record.observations:
            if obs.when <= as_of:
                self.observations[obs.measure].append(obs)
        for values in self.observations.values():
            values.sort(key=Observation.order_key)

        for answer in record.answers:
            if answer.when is None or answer.when <= as_of:
                self.answers[answer.question].append(answer)
        for answers in self.answers.values():
            answers.sort(key=lambda a: a.when or date.min)

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

    def conditions_in_force(self, concept: str) -> list[ConditionEntry]:
        return [e for e in self.conditions.get(concept, ()) if e.condition.in_force(self.as_of)]

    def latest(
        self, measure: str, fresh_days: float, aggregate: str = "latest"
    ) -> tuple[Observation | None, Observation | None]:
        """The value that decides within the window (the latest reading by date and time,
        or with ``max`` the highest), and the latest value at all."""
        values = self.observations.get(measure)
        if not values:
            return None, None
        last = values[-1]
        since = self.as_of - timedelta(days=fresh_days)
        if last.when < since:
            return None, last
        if aggregate == "max":
            fresh = [o for o in values if o.when >= since]
            # the highest; among equal values the latest, as the compiled SQL takes it
            return max(reversed(fresh), key=lambda o: o.value), last
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
    """Does this entry satisfy ``status`` (in_force, ever, past) on ``as_of``?

    UNKNOWN for an uncertain entry (text, unknown code system) that would, and for a
    condition recorded as both active and ended (never FALSE: it may be in force).
    """
    cond = entry.condition
    if status == "ever":
        truth = TRUE if cond.ever(as_of) else FALSE
    elif cond.contradicts_itself(as_of):
        truth = UNKNOWN
    elif status == "in_force":
        truth = TRUE if cond.in_force(as_of) else FALSE
    else:
        truth = TRUE if cond.ever(as_of) and not cond.in_force(as_of) else FALSE
    if truth is TRUE and not entry.certain:
        return UNKNOWN
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
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
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
