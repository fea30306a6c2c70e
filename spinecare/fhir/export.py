"""A patient's screening and plan as FHIR R4: one ``collection`` Bundle.

- ``Patient`` (id, name, birth date, gender as recorded);
- ``CarePlan``: status from the plan (ready -> active, pending -> draft, blocked ->
  on-hold), one activity per proposed modality and per home program, with the course's
  sessions, frequency and minutes as a Timing; what to avoid and the stop rules as notes;
- ``DetectedIssue`` per blocking finding (a present finding that still limits massage:
  refer_urgently, contraindicated, defer, needs_clearance), implicating its evidence;
- ``Procedure`` per massage session given, and an ``Observation`` (LOINC 72514-3) per
  pain score recorded before or after a session.

Sessions are plain mappings (the clinic app's session log)::

    {"id": "s1", "date": "2026-11-21", "minutes": 20, "zones": ["collar_zone"],
     "pain_before": 5, "pain_after": 3, "note": "..."}
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from spinecare.engine.planning import CoursePlan
from spinecare.engine.screening import BLOCKING, Screening
from spinecare.i18n import date_precision, day_text, translator
from spinecare.record.model import PatientRecord
from spinecare.wording import (
    FHIR_REF,
    clearance_text,
    fact_text,
    note_text,
    plan_status_text,
    verdict_text,
    zone_name,
)

__all__ = ["PAIN_LOINC", "export_bundle", "screening_result_bundle"]

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
MASSAGE_CODING = {"system": SNOMED, "code": "387854002", "display": "Massage"}
PAIN_LOINC = {
    "system": LOINC,
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}
CONCEPT_SYSTEM = "urn:spinecare:concept"
SOURCE_SYSTEM = "urn:spinecare:source"
VERDICT_SYSTEM = "urn:spinecare:verdict"
CAREPLAN_STATUS = {"ready": "active", "pending": "draft", "blocked": "on-hold"}
ISSUE_SEVERITY = {
    "refer_urgently": "high",
    "contraindicated": "high",
    "defer": "moderate",
    "needs_clearance": "low",
    "allowed_with_precautions": "low",
}
GENDERS = {"male", "female", "other", "unknown"}


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _iso(value: date | str | None) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def _patient(record: PatientRecord) -> dict[str, Any]:
    p = record.patient
    out: dict[str, Any] = {"resourceType": "Patient", "id": p.id}
    if p.name:
        out["name"] = [{"text": p.name}]
    if p.birth_date:
        # a birth date given only as a year or a month: so ("1970"), never its last day
        first = p.birth_first
        out["birthDate"] = (
            p.birth_date.isoformat() if first is None else _fhir_date(first, p.birth_date)
        )
    if p.sex and p.sex.lower() in GENDERS:
        out["gender"] = p.sex.lower()
    return out


def _timing(course: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not course:
        return None
    repeat: dict[str, Any] = {}
    sessions = course.get("sessions")
    if isinstance(sessions, int) and sessions > 0:
        repeat["count"] = sessions
    frequency = course.get("frequency") or {}
    per_week = frequency.get("value") if isinstance(frequency, Mapping) else None
    if isinstance(per_week, int | float) and per_week > 0:
        if float(per_week).is_integer():
            repeat.update(frequency=int(per_week), period=1, periodUnit="wk")
        else:
            repeat.update(frequency=1, period=round(7 / per_week, 2), periodUnit="d")
    minutes = course.get("minutes_per_session")
    if isinstance(minutes, int | float) and minutes > 0:
        repeat.update(duration=minutes, durationUnit="min")
    return {"repeat": repeat} if repeat else None


def _activity(
    description: str, status: str, timing: dict[str, Any] | None, code_text: str
) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "kind": "ServiceRequest",
        "code": {"coding": [MASSAGE_CODING], "text": code_text},
        "status": status,
        "description": description,
    }
    if timing:
        detail["scheduledTiming"] = timing
    return {"detail": detail}


def _careplan(
    record: PatientRecord,
    screening: Screening,
    plan: CoursePlan,
    patient_ref: str,
    issue_refs: list[str],
) -> dict[str, Any]:
    status = CAREPLAN_STATUS.get(plan.status, "draft")
    activity_status = {"active": "not-started", "draft": "on-hold", "on-hold": "on-hold"}[status]
    timing = _timing(plan.course)
    activities = []
    techniques = []
    if plan.course:
        techniques = [t.get("label") or t.get("id") for t in plan.course.get("techniques", [])]
    _ = translator(screening.lang)
    kb = screening.kb
    zones = ", ".join(zone_name(kb, z, screening.lang) for z in plan.zones)
    for modality in plan.modalities:
        text = str(modality.get("label") or modality.get("id"))
        text += f" ({zones})" if zones else ""
        if modality.get("id") != "self_massage" and techniques:
            text += ": " + ", ".join(str(t) for t in techniques)
        activities.append(
            _activity(
                text,
                activity_status,
                timing if modality.get("id") != "self_massage" else None,
                str(modality.get("label") or modality.get("id")),
            )
        )
    for program in plan.home_program:
        steps = "; ".join(str(s.get("text")) for s in program.get("steps", []))
        text = f"{program.get('title')} ({program.get('frequency')}): {steps}"
        activities.append(_activity(text, activity_status, None, str(program.get("title"))))
    said = {
        "avoid": _("Avoid: %(what)s"),
        "stop": _("Stop and call: %(what)s"),
        "reason": _("Reason: %(what)s"),
    }
    notes = [{"text": said["avoid"] % {"what": a["text"]}} for a in plan.avoid if a.get("text")]
    notes += [
        {"text": said["stop"] % {"what": r["text"]}} for r in plan.stop_rules if r.get("text")
    ]
    notes += [{"text": str(n)} for n in plan.notes]
    notes += [
        {"text": said["reason"] % {"what": r["reason"]}} for r in plan.reasons if r.get("reason")
    ]
    title = _("Therapeutic massage course")
    description = _(
        "Course plan: %(status)s. Screening of %(day)s: %(verdict)s (guidance version %(version)s)."
    ) % {
        "status": plan_status_text(plan.status, screening.lang),
        "day": day_text(screening.as_of, screening.lang),
        "verdict": verdict_text(screening.verdict, screening.lang),
        "version": screening.kb_version,
    }
    careplan: dict[str, Any] = {
        "resourceType": "CarePlan",
        "language": screening.lang,
        "text": _narrative(f"{title}. {description}"),
        "status": status,
        "intent": "plan",
        "category": [{"coding": [MASSAGE_CODING], "text": title}],
        "title": title,
        "description": description,
        "subject": {"reference": patient_ref},
        "created": screening.as_of.isoformat(),
    }
    if issue_refs:
        careplan["supportingInfo"] = [{"reference": ref} for ref in issue_refs]
    if activities:
        careplan["activity"] = activities
    if notes:
        careplan["note"] = notes
    return careplan


def _narrative(text: str) -> dict[str, str]:
    """A resource's human-readable narrative (``text.div``): its words, escaped."""
    return {
        "status": "generated",
        "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{html.escape(text)}</p></div>',
    }


def _reference(ref: str) -> str | None:
    """A fact's reference as FHIR writes one (``Condition/c1``): the resource, without the
    part of it a fragment names; None where the fact is no resource of the record (an
    intake file's line)."""
    if not FHIR_REF.match(ref):
        return None
    return ref.split("#", 1)[0]


def _fhir_date(first: date, last: date | None) -> str:
    """A fact's date as a FHIR date: the month (``2026-11``) or the year (``2026``) where
    the record gives only that (``last``: its last day), never its first day as if the
    day were known."""
    precision = date_precision(first, last)
    if precision == "year":
        return f"{first.year:04d}"
    if precision == "month":
        return f"{first.year:04d}-{first.month:02d}"
    if precision == "period" and last is not None:
        return f"{first.isoformat()}/{last.isoformat()}"
    return first.isoformat()


def _detected_issue(screening: Screening, finding: Any, patient_ref: str) -> dict[str, Any]:
    """One finding: its concept and effect, the facts that decided it (``evidence``, each
    pointing at the record's resource where it has one) and its sources (``evidence``
    coded ``urn:spinecare:source``; the first URL also in ``reference``)."""
    issue: dict[str, Any] = {
        "resourceType": "DetectedIssue",
        "status": "final" if finding.certainty == "present" else "preliminary",
        "code": {
            "coding": [
                {"system": CONCEPT_SYSTEM, "code": finding.concept},
                {"system": VERDICT_SYSTEM, "code": finding.effect},
            ],
            "text": finding.reason,
        },
        "severity": ISSUE_SEVERITY.get(finding.effect, "low"),
        "patient": {"reference": patient_ref},
        "identifiedDateTime": screening.as_of.isoformat(),
        "detail": finding.reason,
        "language": screening.lang,
        "text": _narrative(finding.reason),
    }
    implicated: list[dict[str, Any]] = []
    evidence: list[dict[str, Any]] = []
    for e in finding.evidence:
        words = fact_text(e, screening.lang)
        if e.date and e.kind in {"observation", "answer"}:  # said by the record's day
            words += ", " + day_text(e.date, screening.lang, e.last)
        if e.note:  # what the value is ("the mean of this day's readings; ...")
            words += " — " + note_text(e.note, screening.lang)
        item: dict[str, Any] = {"code": [{"text": words}]}
        ref = _reference(e.ref)
        if ref is not None:
            if all(i["reference"] != ref for i in implicated):
                implicated.append({"reference": ref, "display": e.label})
            item["detail"] = [{"reference": ref, "display": e.label}]
        evidence.append(item)
    sources = screening.source_json(list(finding.sources))
    for src in sources:
        coding = {"system": SOURCE_SYSTEM, "code": src["id"]}
        # the source's title in the screening's language, as a card names it
        title = screening.kb.sources[src["id"]].title_in(screening.lang) or src["title"]
        evidence.append({"code": [{"coding": [coding], "text": str(title)}]})
    if implicated:
        issue["implicated"] = implicated
    if evidence:
        issue["evidence"] = evidence
    url = next((s["url"] for s in sources if s.get("url")), None)
    if url:
        issue["reference"] = url
    if finding.settled is not None:
        clearance = finding.settled.clearance
        _ = translator(screening.lang)
        action = _("Physician clearance: %(decision)s") % {
            "decision": clearance_text(finding.settled.decision, screening.lang)
        }
        if clearance.by:
            action += ", " + clearance.by
        mitigation: dict[str, Any] = {"action": {"text": action}}
        if clearance.when:
            mitigation["date"] = clearance.when.isoformat()
        issue["mitigation"] = [mitigation]
    return issue


def _sessions(
    sessions: Sequence[Mapping[str, Any]], patient_ref: str
) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for session in sessions:
        when = _iso(session.get("date"))
        proc_url = _urn()
        procedure: dict[str, Any] = {
            "resourceType": "Procedure",
            "status": session.get("status", "completed"),
            "code": {"coding": [MASSAGE_CODING], "text": "Therapeutic massage session"},
            "subject": {"reference": patient_ref},
        }
        if session.get("id"):
            procedure["id"] = str(session["id"])
        if when:
            procedure["performedDateTime"] = when
        zones = session.get("zones") or []
        if zones:
            procedure["bodySite"] = [{"text": str(z)} for z in zones]
        notes = []
        if session.get("minutes"):
            notes.append({"text": f"{session['minutes']} minutes"})
        if session.get("note"):
            notes.append({"text": str(session["note"])})
        if notes:
            procedure["note"] = notes
        out.append((proc_url, procedure))
        for key, label in (
            ("pain_before", "before the session"),
            ("pain_after", "after the session"),
        ):
            score = session.get(key)
            if score is None:
                continue
            observation: dict[str, Any] = {
                "resourceType": "Observation",
                "status": "final",
                "category": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                "code": "survey",
                                "display": "Survey",
                            }
                        ]
                    }
                ],
                "code": {"coding": [PAIN_LOINC], "text": "Pain severity (0-10)"},
                "subject": {"reference": patient_ref},
                "partOf": [{"reference": proc_url}],
                "valueQuantity": {
                    "value": score,
                    "unit": "{score}",
                    "system": UCUM,
                    "code": "{score}",
                },
                "note": [{"text": f"Pain {label}"}],
            }
            if when:
                observation["effectiveDateTime"] = when
            out.append((_urn(), observation))
    return out


def export_bundle(
    record: PatientRecord,
    screening: Screening,
    plan: CoursePlan,
    sessions: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The screening and plan (and sessions given, if any) as a FHIR R4 collection Bundle."""
    patient = _patient(record)
    patient_url = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'Patient/' + record.patient.id)}"
    entries: list[tuple[str, dict[str, Any]]] = [(patient_url, patient)]
    issue_refs = []
    for finding in screening.findings:
        if (
            finding.certainty == "present"
            and finding.counts
            and finding.effect in (BLOCKING | {"needs_clearance"})
        ):
            url = _urn()
            issue_refs.append(url)
            entries.append((url, _detected_issue(screening, finding, patient_url)))
    entries.insert(1, (_urn(), _careplan(record, screening, plan, patient_url, issue_refs)))
    entries.extend(_sessions(sessions, patient_url))
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "entry": [{"fullUrl": url, "resource": res} for url, res in entries],
    }


GUIDANCE_STATUS = {"needs_data": "data-required"}
TOPIC_SYSTEM = "urn:spinecare:cds-hooks:topic"


def _data_requirements(screening: Screening) -> list[dict[str, Any]]:
    """What the screening misses, as DataRequirements (a measure's codes, else an intake
    answer)."""
    kb = screening.kb
    systems = kb.model.systems
    measures = {m.item: m for m in kb.model.measures} | {m.id: m for m in kb.model.measures}
    out: list[dict[str, Any]] = []
    for item in screening.missing:
        measure = measures.get(item.item)
        if measure is None:
            answer = {"type": "QuestionnaireResponse"}  # an intake answer (named in outputs)
            if answer not in out:
                out.append(answer)
            continue
        codes = [
            {"system": systems.get(c.system, c.system), "code": c.code, "display": c.display}
            for c in (*measure.codes, *measure.panels)
        ]
        out.append({"type": "Observation", "codeFilter": [{"path": "code", "code": codes}]})
    return out


def _outputs(screening: Screening, plan: CoursePlan) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": "verdict", "valueCode": screening.verdict},
        {"name": "asOf", "valueDate": screening.as_of.isoformat()},
        {"name": "kbVersion", "valueString": screening.kb_version},
        {"name": "planStatus", "valueCode": plan.status},
    ]
    indicated = screening.indicated.to_optional()
    if indicated is not None:
        parameters.insert(1, {"name": "indicated", "valueBoolean": indicated})
    for concept in screening.indications:
        parameters.append(
            {"name": "indication", "valueCoding": {"system": CONCEPT_SYSTEM, "code": concept}}
        )
    for item in screening.missing:
        parameters.append({"name": "missing", "valueString": f"{item.label}: {item.why}"})
    return {"resourceType": "Parameters", "parameter": parameters}


def screening_result_bundle(
    record: PatientRecord, screening: Screening, plan: CoursePlan
) -> dict[str, Any]:
    """The answer of ``Patient/$massage-screening``: a ``collection`` Bundle with the
    Patient, a GuidanceResponse (the verdict; its output Parameters carry the verdict
    code, ``indicated``, the indications and what is missing), one DetectedIssue per
    finding that limits massage or could not be decided, and, when a plan exists (status
    ready or pending), the CarePlan."""
    patient = _patient(record)
    patient_url = _urn()
    outputs_url = _urn()
    entries: list[tuple[str, dict[str, Any]]] = [(patient_url, patient)]
    issue_refs: list[str] = []
    issues: list[tuple[str, dict[str, Any]]] = []
    for finding in screening.findings:
        if finding.effect == "allowed":
            continue
        url = _urn()
        issue_refs.append(url)
        issues.append((url, _detected_issue(screening, finding, patient_url)))
    guidance: dict[str, Any] = {
        "resourceType": "GuidanceResponse",
        "identifier": [{"system": "urn:ietf:rfc:3986", "value": _urn()}],
        "moduleCodeableConcept": {
            "coding": [
                {
                    "system": TOPIC_SYSTEM,
                    "code": "massage-screening",
                    "display": "Massage screening",
                }
            ],
            "text": f"Massage screening (guidance version {screening.kb_version})",
        },
        "status": GUIDANCE_STATUS.get(screening.verdict, "success"),
        "subject": {"reference": patient_url},
        "occurrenceDateTime": screening.as_of.isoformat(),
        "reasonCode": [{"coding": [{"system": VERDICT_SYSTEM, "code": screening.verdict}]}],
        "outputParameters": {"reference": outputs_url},
    }
    if issue_refs:
        guidance["reasonReference"] = [{"reference": ref} for ref in issue_refs]
    requirements = _data_requirements(screening)
    if requirements:
        guidance["dataRequirement"] = requirements
    careplan_entry: list[tuple[str, dict[str, Any]]] = []
    if plan.status in ("ready", "pending"):
        careplan_url = _urn()
        guidance["result"] = {"reference": careplan_url}
        careplan = _careplan(record, screening, plan, patient_url, issue_refs)
        careplan_entry.append((careplan_url, careplan))
    entries.append((_urn(), guidance))
    entries.append((outputs_url, _outputs(screening, plan)))
    entries.extend(issues)
    entries.extend(careplan_entry)
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "entry": [{"fullUrl": url, "resource": res} for url, res in entries],
    }
