"""Course planning: a screening, the record and the KB give a :class:`CoursePlan`.

DESIGN.md "Plans": ``ready`` when the verdict allows massage, ``pending`` (provisional,
not to start) for ``needs_clearance`` / ``needs_data``, ``blocked`` (no plan, the reasons
instead) for ``refer_urgently``, ``contraindicated`` and ``defer``. Zones come from the
codes' site or the condition's body site; every value comes from the KB with its source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spinecare.engine.evaluate import Facts, evaluate
from spinecare.engine.screening import ALLOWED, BLOCKING, Screening
from spinecare.engine.truth import FALSE, TRUE
from spinecare.i18n import translator
from spinecare.kb.loader import KB
from spinecare.kb.schema import Dose, Plans
from spinecare.record.model import PatientRecord

ZONE_ORDER = ("collar_zone", "thoracic", "lumbosacral")


def plan_status(verdict: str) -> str:
    if verdict in ALLOWED:
        return "ready"
    if verdict in BLOCKING:
        return "blocked"
    return "pending"


@dataclass(slots=True)
class CoursePlan:
    status: str
    verdict: str
    zones: list[str]
    modalities: list[dict[str, Any]]
    course: dict[str, Any] | None
    avoid: list[dict[str, Any]]
    home_program: list[dict[str, Any]]
    sources: list[dict[str, Any]]
    reasons: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stop_rules: list[dict[str, Any]] = field(default_factory=list)
    cost_options: list[dict[str, Any]] = field(default_factory=list)
    herniation_phase: dict[str, Any] | None = None
    patient_id: str = ""
    as_of: str = ""

    def to_json(self) -> dict[str, Any]:
        """The JSON contract of DESIGN.md section 4, plus reasons, notes and extras."""
        return {
            "status": self.status,
            "verdict": self.verdict,
            "zones": self.zones,
            "modalities": self.modalities,
            "course": self.course,
            "avoid": self.avoid,
            "home_program": self.home_program,
            "sources": self.sources,
            "reasons": self.reasons,
            "notes": self.notes,
            "stop_rules": self.stop_rules,
            "cost_options": self.cost_options,
            "herniation_phase": self.herniation_phase,
            "patient": self.patient_id,
            "as_of": self.as_of,
        }


def _notes(lang: str) -> dict[str, str]:
    _ = translator(lang)
    return {
        "pending": _("Provisional plan: not to start until the findings below are settled."),
        "no_zone": _(
            "The treatment zone is not recorded: choose the zone(s) from the patient's "
            "complaints before starting."
        ),
        "not_indicated": _("No indication for massage is recorded."),
        "indication_unknown": _("Whether massage is indicated depends on missing data."),
    }


class _Sources:
    def __init__(self) -> None:
        self.ids: list[str] = []

    def add(self, ids: list[str]) -> list[str]:
        for sid in ids:
            if sid not in self.ids:
                self.ids.append(sid)
        return ids


def _dose(dose: Dose, used: _Sources) -> dict[str, Any]:
    used.add(dose.sources)
    return {
        "value": dose.value,
        "min": dose.min,
        "max": dose.max,
        "unit": dose.unit,
        "sources": dose.sources,
        "remark": dose.remark,
    }


def plan_course(
    screening: Screening, record: PatientRecord, kb: KB, lang: str = "en"
) -> CoursePlan:
    status = plan_status(screening.verdict)
    notes = _notes(lang)
    used = _Sources()
    p = kb.model.plans
    plan = CoursePlan(
        status=status,
        verdict=screening.verdict,
        zones=[],
        modalities=[],
        course=None,
        avoid=[],
        home_program=[],
        sources=[],
        patient_id=record.patient.id,
        as_of=screening.as_of.isoformat(),
    )
    if status != "ready":
        plan.reasons = _reasons(screening, status, used)
    if status == "blocked":
        plan.sources = screening.source_json(used.ids)
        return plan
    if status == "pending":
        plan.notes.append(notes["pending"])

    facts = Facts(record, kb, screening.as_of, lang)
    plan.zones = _zones(screening, facts)
    if screening.indicated is FALSE:
        plan.notes.append(notes["not_indicated"])
    elif screening.indicated is not TRUE:
        plan.notes.append(notes["indication_unknown"])
    if not plan.zones:
        plan.notes.append(notes["no_zone"])
    _add_modalities(plan, p, facts, lang, used)
    omit = _add_precautions(plan, p, facts, lang, used)
    plan.course = _course(p, plan.zones, omit, lang, used)
    plan.home_program = _home_program(p, plan.zones, lang, used)
    plan.stop_rules = [
        {"id": r.id, "kind": r.kind, "text": r.text.get(lang), "sources": used.add(list(r.sources))}
        for r in p.stop_rules
    ]
    plan.cost_options = [
        {
            "id": c.id,
            "label": c.label.get(lang),
            "description": c.description.get(lang),
            "needs": c.needs.get(lang),
            "sources": used.add(list(c.sources)),
        }
        for c in p.cost_options
    ]
    plan.herniation_phase = _herniation_phase(screening, facts, p, lang, used)
    plan.sources = screening.source_json(used.ids)
    return plan


def _reasons(screening: Screening, status: str, used: _Sources) -> list[dict[str, Any]]:
    """Why the plan is not ready: the findings that block it (``blocked``), or those that
    keep it provisional and the missing data (``pending``)."""
    reasons: list[dict[str, Any]] = []
    for f in screening.findings:
        if not f.counts:
            continue
        if status == "blocked" and f.effect not in BLOCKING:
            continue
        if status == "pending" and f.effect in {"allowed_with_precautions"}:
            continue
        reasons.append(
            {
                "concept": f.concept,
                "rule": f.rule,
                "effect": f.effect,
                "certainty": f.certainty,
                "reason": f.reason,
                "sources": used.add(list(f.sources)),
            }
        )
    if status == "pending":
        for m in screening.missing:
            reasons.append({"missing": m.item, "reason": m.why, "sources": []})
    return reasons


def _zones(screening: Screening, facts: Facts) -> list[str]:
    """The zones of the indications' conditions in force, in body order."""
    zones: set[str] = set()
    for concept in screening.indications:
        for condition in facts.conditions_in_force(concept):
            zones.update(condition.zones)
    return [z for z in ZONE_ORDER if z in zones]


def _add_modalities(plan: CoursePlan, p: Plans, facts: Facts, lang: str, used: _Sources) -> None:
    """The modalities the KB proposes for this record; one its ``unless`` does not rule
    out for certain is excluded and goes to ``avoid``."""
    for modality in p.modalities:
        proposed = modality.when is None or evaluate(modality.when, facts).truth is TRUE
        if modality.id == "vacuum":
            proposed = proposed and "lumbosacral" in plan.zones
        if not proposed:
            continue
        entry: dict[str, Any] = {
            "id": modality.id,
            "label": modality.label.get(lang),
            "description": modality.description.get(lang),
            "sources": used.add(list(modality.sources)),
        }
        if modality.unless is not None:
            excluded = evaluate(modality.unless, facts)
            if excluded.truth is not FALSE:
                entry["excluded"] = True
                entry["reason"] = modality.unless_reason.get(lang) if modality.unless_reason else ""
                entry["evidence"] = [e.to_json() for e in excluded.evidence]
                plan.avoid.append(
                    {
                        "id": f"no_{modality.id}",
                        "text": entry["reason"],
                        "sources": entry["sources"],
                    }
                )
                continue
        plan.modalities.append(entry)


def _add_precautions(
    plan: CoursePlan, p: Plans, facts: Facts, lang: str, used: _Sources
) -> set[str]:
    """The precautions that may apply go to ``avoid``; the techniques they omit."""
    omit: set[str] = set()
    for pre in p.precautions:
        applies = pre.when is None or evaluate(pre.when, facts).truth is not FALSE
        if applies:
            omit.update(pre.omit_techniques)
            plan.avoid.append(
                {"id": pre.id, "text": pre.text.get(lang), "sources": used.add(list(pre.sources))}
            )
    return omit


def _course(
    p: Plans, zones: list[str], omit: set[str], lang: str, used: _Sources
) -> dict[str, Any] | None:
    """The course for ``zones`` (none without a zone): the KB's doses and its technique
    sequence less what the precautions omit."""
    courses = [c for c in p.courses if c.zone in zones]
    if not courses:
        return None
    techniques = {t.id: t for t in p.techniques}
    used.add(list(p.sequence_sources))
    sessions = max(courses, key=lambda c: c.sessions.value)
    frequency = courses[0]
    return {
        "sessions": int(sessions.sessions.value),
        "frequency": _dose(frequency.sessions_per_week, used),
        "minutes_per_session": sum(c.minutes_per_session.value for c in courses),
        "techniques": [
            {
                "id": t,
                "label": techniques[t].label.get(lang),
                "description": techniques[t].description.get(lang),
            }
            for t in p.sequence
            if t not in omit
        ],
        "by_zone": [
            {
                "zone": c.zone,
                "sessions": _dose(c.sessions, used),
                "sessions_per_week": _dose(c.sessions_per_week, used),
                "minutes_per_session": _dose(c.minutes_per_session, used),
                "sources": used.add(list(c.sources)),
            }
            for c in courses
        ],
    }


def _home_program(p: Plans, zones: list[str], lang: str, used: _Sources) -> list[dict[str, Any]]:
    """The KB's self-massage programme for each of ``zones`` that has one."""
    out: list[dict[str, Any]] = []
    for program in p.home_programs:
        if program.zone not in zones:
            continue
        used.add(list(program.sources))
        out.append(
            {
                "zone": program.zone,
                "title": program.title.get(lang),
                "frequency": program.frequency.get(lang),
                "minutes": _dose(program.minutes, used),
                "steps": [
                    {
                        "id": s.id,
                        "text": s.text.get(lang),
                        "dose": s.dose.get(lang),
                        "sources": used.add(list(s.sources)),
                    }
                    for s in program.steps
                ],
                "warnings": [w.get(lang) for w in program.warnings],
                "sources": program.sources,
            }
        )
    return out


def _herniation_phase(
    screening: Screening, facts: Facts, p: Plans, lang: str, used: _Sources
) -> dict[str, Any] | None:
    """The herniation's phase the intake answered, with what massage it allows."""
    if "disc_herniation" not in screening.indications:
        return None
    phase_answers = facts.answers.get("herniation_phase")
    if not phase_answers:
        return None
    value = phase_answers[-1].value
    phase = next((ph for ph in p.herniation_phases if ph.id == value), None)
    if phase is None:
        return None
    return {
        "id": phase.id,
        "label": phase.label.get(lang),
        "massage": phase.massage.get(lang),
        "sources": used.add(list(phase.sources)),
    }
