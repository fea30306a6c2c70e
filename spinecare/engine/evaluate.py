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


@dataclass(slots=True)
class Outcome:
    truth: Truth
    evidence: list[Evidence] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ConditionEntry:
    condition: Condition
    concept: str
    set: str | None
    zones: frozenset[str]
    code: str | None


class Facts:
    """A record indexed for one screening date."""

    def __init__(self, record: PatientRecord, kb: KB, as_of: date, lang: str = "en") -> None:
        self.record = record
        self.kb = kb
        self.as_of = as_of
        self.lang = lang
        self.conditions: dict[str, list[ConditionEntry]] = defaultdict(list)
        self.medications: dict[str, list[Medication]] = defaultdict(list)
        self.procedures: dict[str, list[Procedure]] = defaultdict(list)
        self.observations: dict[str, list[Observation]] = defaultdict(list)
        self.answers: dict[str, list[Answer]] = defaultdict(list)
        for condition in record.conditions:
            self.index_condition(condition)
        for medication in record.medications:
            for concept in self.concepts_of(medication.codings, medication.concept):
                self.medications[concept].append(medication)
        for procedure in record.procedures:
            for concept in self.concepts_of(procedure.codings, procedure.concept):
                self.procedures[concept].append(procedure)
        for obs in record.observations:
            if obs.when <= as_of:
                self.observations[obs.measure].append(obs)
        for values in self.observations.values():
            values.sort(key=lambda o: o.when)
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
        for coding in condition.codings:
            for hit in self.kb.codes.lookup(coding.system, coding.code):
                zones = set(site_zones)
                if hit.zone:
                    zones.add(hit.zone)
                elif not zones and coding.system in {"icd10", "icd10cm"}:
                    zone = self.kb.codes.icd10_zone(coding.code)
                    if zone:
                        zones.add(zone)
                self.conditions[hit.concept].append(
                    ConditionEntry(
                        condition,
                        hit.concept,
                        hit.set,
                        frozenset(zones),
                        f"{coding.system}|{coding.code}",
                    )
                )

    def conditions_in_force(self, concept: str) -> list[ConditionEntry]:
        return [e for e in self.conditions.get(concept, ()) if e.condition.in_force(self.as_of)]

    def latest(
        self, measure: str, fresh_days: float
    ) -> tuple[Observation | None, Observation | None]:
        """The latest value within the window, and the latest value at all."""
        values = self.observations.get(measure)
        if not values:
            return None, None
        last = values[-1]
        if last.when >= self.as_of - timedelta(days=fresh_days):
            return last, last
        return None, last


def _condition_evidence(entry: ConditionEntry, as_of: date) -> Evidence:
    c = entry.condition
    status = c.clinical_status or "no status"
    if c.abatement is not None:
        status += f", abated {c.abatement.isoformat()}"
    label = c.text or next((x.display for x in c.codings if x.display), None) or entry.concept
    return Evidence(
        ref=c.ref,
        kind="condition",
        label=label,
        code=entry.code,
        date=c.onset or c.recorded,
        note=status,
    )


def _has_condition(node: HasCondition, facts: Facts) -> Outcome:
    as_of = facts.as_of
    entries = facts.conditions.get(node.condition, [])
    matched = []
    for entry in entries:
        if node.set is not None and entry.set != node.set:
            continue
        if node.zone is not None and entry.zones and node.zone not in entry.zones:
            continue
        cond = entry.condition
        if node.status == "in_force":
            ok = cond.in_force(as_of)
        elif node.status == "ever":
            ok = cond.ever(as_of)
        else:
            ok = cond.ever(as_of) and not cond.in_force(as_of)
        if ok:
            matched.append(entry)
    if matched:
        seen: set[str] = set()
        evidence = []
        for entry in matched:
            if entry.condition.ref not in seen:
                seen.add(entry.condition.ref)
                evidence.append(_condition_evidence(entry, as_of))
        return Outcome(TRUE, evidence)
    return Outcome(FALSE)


def _has_medication(node: HasMedication, facts: Facts) -> Outcome:
    meds = [m for m in facts.medications.get(node.medication, ()) if m.in_force(facts.as_of)]
    if not meds:
        return Outcome(FALSE)
    return Outcome(
        TRUE,
        [
            Evidence(
                ref=m.ref,
                kind="medication",
                label=m.text
                or next((c.display for c in m.codings if c.display), None)
                or node.medication,
                code=next((f"{c.system}|{c.code}" for c in m.codings), None),
                date=m.start,
                note=m.status,
            )
            for m in meds
        ],
    )


def _had_procedure(node: HadProcedure, facts: Facts) -> Outcome:
    days = facts.kb.threshold(node.within_days)
    since = facts.as_of - timedelta(days=days)
    hits = [
        p
        for p in facts.procedures.get(node.procedure, ())
        if p.status not in PROCEDURE_NOT_DONE
        and p.performed is not None
        and since <= p.performed <= facts.as_of
    ]
    if not hits:
        return Outcome(FALSE)
    return Outcome(
        TRUE,
        [
            Evidence(
                ref=p.ref,
                kind="procedure",
                label=next((c.display for c in p.codings if c.display), None) or node.procedure,
                date=p.performed,
                note=f"within {days:g} days",
            )
            for p in hits
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
    current, last = facts.latest(node.measure, days)
    label = measure.label.get(facts.lang)
    if current is None:
        if measure.when_missing == "absent":
            return Outcome(FALSE)
        evidence = []
        if last is not None:
            evidence.append(_observation_evidence(last, label, f"stale: older than {days:g} days"))
        gap = Gap(measure.item, days, last.when if last is not None else None)
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
        [Gap(items[0], gaps[0].window_days, gaps[0].latest, alternatives=items[1:])] if gaps else []
    )
    return Outcome(UNKNOWN, [e for p in parts for e in p.evidence], merged)


def _not(node: NotExpr, facts: Facts) -> Outcome:
    inner = evaluate(node.not_, facts)
    return Outcome(~inner.truth, inner.evidence, inner.gaps)


EVALUATORS: dict[type, Callable[[Any, Facts], Outcome]] = {
    HasCondition: _has_condition,
    HasMedication: _has_medication,
    HadProcedure: _had_procedure,
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
