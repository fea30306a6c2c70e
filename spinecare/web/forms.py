"""The health-history intake form: typed text in, record facts out.

Every KB question is asked (grouped: red flags, contraindications, screening, history);
a question left unanswered stays missing (no row), never "no". Units and ranges are
checked with the intake reader's plausibility ranges and unit conversion, so a form and
an intake file accept the same values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from spinecare.errors import UnitError
from spinecare.kb.loader import KB
from spinecare.record.intake import PLAUSIBLE
from spinecare.record.model import (
    Answer,
    Coding,
    Condition,
    Medication,
    Observation,
    Patient,
    PatientRecord,
)
from spinecare.record.units import convert
from spinecare.store.errors import FormError
from spinecare.web.i18n import Text

ZONE_SYSTEM = "spinecare-zone"
CONDITION_ROWS = 3
MEDICATION_ROWS = 2
TEMPERATURE_UNITS = {"Cel": "°C", "[degF]": "°F"}
UNIT_WORDS = {
    "mm[Hg]": Text("mm Hg"),
    "Cel": "°C",
    "[degF]": "°F",
    "{score}": Text("of 10"),
    "10*9/L": "×10⁹/L",
    "{session}": Text("sessions"),
    "/wk": Text("a week"),
    "min": Text("min"),
}
"""How a stored unit is written for people (never the code)."""
EMPTY_INTAKE = Text(
    "The intake is empty: nothing was saved. Record at least one measurement, answer, "
    "diagnosis or medication."
)
GROUPS = ("red_flag", "contraindication", "screening", "history")
GROUP_TITLES = {
    "red_flag": Text("Red-flag symptoms"),
    "contraindication": Text("Contraindications and precautions"),
    "screening": Text("Today"),
    "history": Text("History"),
}
KIND_WORDS = {
    "context": Text("context"),
    "contraindication": Text("contraindication"),
    "indication": Text("indication"),
    "precaution": Text("precaution"),
    "red_flag": Text("red flag"),
}


@dataclass
class IntakeForm:
    """The submitted fields (kept to re-render) and the errors beside them."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def medication_concepts(kb: KB) -> list[str]:
    """Concepts the rules read from the medication list."""
    from spinecare.kb.expressions import HasMedication, walk

    out: list[str] = []
    for rule in kb.model.rules:
        for node in walk(rule.when):
            if isinstance(node, HasMedication) and node.medication not in out:
                out.append(node.medication)
    return out


def condition_concepts(kb: KB, lang: str = "en") -> list[tuple[str, str, str]]:
    """(id, label in ``lang``, kind) of every concept a condition may name, by kind."""
    meds = set(medication_concepts(kb))
    return [(c.id, c.label.get(lang), c.kind) for c in kb.model.concepts if c.id not in meds]


def questions_by_group(kb: KB) -> list[tuple[str, str, list[Any]]]:
    return [(g, GROUP_TITLES[g], [q for q in kb.model.questions if q.group == g]) for g in GROUPS]


def _number(raw: str, name: str, errors: dict[str, str]) -> float | None:
    raw = raw.strip().replace(",", ".")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        errors[name] = Text("a number, for example 120")
        return None


def _date(raw: str, name: str, errors: dict[str, str], today: date) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        errors[name] = Text("a date in the form YYYY-MM-DD")
        return None
    if value > today:
        errors[name] = Text("is in the future")
        return None
    return value


def parse_intake(fields: dict[str, str], kb: KB, today: date) -> tuple[date, PatientRecord]:
    """The intake's date and facts; raises :class:`FormError` with one message per field."""
    errors: dict[str, str] = {}
    day = _date(fields.get("day", ""), "day", errors, today)
    if day is None and "day" not in errors:
        errors["day"] = Text("required: the date of the intake")
    if day is not None and day < today - timedelta(days=366):
        errors["day"] = Text("more than a year ago; check the year")
    when = day or today
    ref = f"intake-form/{when.isoformat()}#"
    facts = PatientRecord(patient=Patient(id="form"), source="intake form")

    def plausible(measure: str, value: float, name: str, shown: str) -> bool:
        low, high = PLAUSIBLE[measure]
        if not low <= value <= high:
            errors[name] = Text(
                "%(value)s is outside the plausible range %(low)s-%(high)s",
                value=shown,
                low=f"{low:g}",
                high=f"{high:g}",
            )
            return False
        return True

    sys_v = _number(fields.get("systolic", ""), "systolic", errors)
    dia_v = _number(fields.get("diastolic", ""), "diastolic", errors)
    if (sys_v is None) != (dia_v is None) and not {"systolic", "diastolic"} & errors.keys():
        missing = "diastolic" if dia_v is None else "systolic"
        errors[missing] = Text("give both numbers of the blood pressure, or neither")
    elif sys_v is not None and dia_v is not None:
        ok = plausible("systolic_bp", sys_v, "systolic", Text("%(n)s mm Hg", n=f"{sys_v:g}"))
        ok = (
            plausible("diastolic_bp", dia_v, "diastolic", Text("%(n)s mm Hg", n=f"{dia_v:g}"))
            and ok
        )
        if ok and sys_v <= dia_v:
            errors["systolic"] = Text("systolic must be above diastolic")
        elif ok:
            for measure, number in (("systolic_bp", sys_v), ("diastolic_bp", dia_v)):
                facts.observations.append(
                    Observation(
                        ref=ref + "blood_pressure",
                        measure=measure,
                        value=number,
                        unit=kb.measures[measure].unit,
                        when=when,
                    )
                )

    temp = _number(fields.get("temperature", ""), "temperature", errors)
    unit = fields.get("temperature_unit", "Cel") or "Cel"
    if unit not in TEMPERATURE_UNITS:
        errors["temperature_unit"] = Text("°C or °F")
    elif temp is not None:
        target = kb.measures["body_temperature"].unit
        try:
            celsius = convert(temp, unit, target)
        except UnitError as exc:
            errors["temperature"] = exc.message
        else:
            shown = f"{temp:g} {TEMPERATURE_UNITS[unit]}"
            if plausible("body_temperature", celsius, "temperature", shown):
                facts.observations.append(
                    Observation(
                        ref=ref + "temperature",
                        measure="body_temperature",
                        value=round(celsius, 2),
                        unit=target,
                        when=when,
                        original=None if unit == target else shown,
                    )
                )

    pain_raw = fields.get("pain", "").strip()
    if pain_raw:
        if not pain_raw.isdigit() or not 0 <= int(pain_raw) <= 10:
            errors["pain"] = Text("a whole number from 0 (no pain) to 10 (worst imaginable)")
        else:
            facts.observations.append(
                Observation(
                    ref=ref + "pain",
                    measure="pain_score",
                    value=float(pain_raw),
                    unit=kb.measures["pain_score"].unit,
                    when=when,
                )
            )

    for q in kb.model.questions:
        name = f"q_{q.id}"
        raw = fields.get(name, "").strip()
        if not raw:
            continue  # unanswered stays missing
        value: bool | str
        if q.type == "boolean":
            if raw not in ("yes", "no"):
                errors[name] = Text("yes, no, or leave unanswered")
                continue
            value = raw == "yes"
        else:
            choices = [c.value for c in q.choices]
            if raw not in choices:
                errors[name] = Text("one of %(choices)s", choices=", ".join(choices))
                continue
            value = raw
        facts.answers.append(
            Answer(ref=ref + f"answers.{q.id}", question=q.id, value=value, when=when)
        )

    meds = set(medication_concepts(kb))
    conditions = {c for c, _, _ in condition_concepts(kb)}
    for i in range(CONDITION_ROWS):
        concept = fields.get(f"cond_concept_{i}", "").strip()
        zone = fields.get(f"cond_zone_{i}", "").strip()
        onset = _date(fields.get(f"cond_onset_{i}", ""), f"cond_onset_{i}", errors, when)
        note = fields.get(f"cond_text_{i}", "").strip()[:500] or None
        if not concept:
            if zone or onset or note:
                errors[f"cond_concept_{i}"] = Text("choose the condition (or clear the row)")
            continue
        if concept not in conditions:
            errors[f"cond_concept_{i}"] = Text("choose a condition from the list")
            continue
        if zone and zone not in kb.zones:
            errors[f"cond_zone_{i}"] = Text("one of %(choices)s", choices=", ".join(kb.zones))
            continue
        facts.conditions.append(
            Condition(
                ref=ref + f"conditions[{i}]",
                concept=concept,
                text=note,
                onset=onset,
                recorded=when,
                body_sites=(Coding(ZONE_SYSTEM, zone),) if zone else (),
            )
        )
    for i in range(MEDICATION_ROWS):
        concept = fields.get(f"med_concept_{i}", "").strip()
        text = fields.get(f"med_text_{i}", "").strip()[:500]
        if not concept and not text:
            continue
        if concept and concept not in meds:
            errors[f"med_concept_{i}"] = Text("choose a medication group from the list")
            continue
        if not concept:
            errors[f"med_concept_{i}"] = Text(
                "choose the medication group (the screening reads the group, not the name)"
            )
            continue
        facts.medications.append(
            Medication(
                ref=ref + f"medications[{i}]",
                concept=concept,
                text=text or None,
                status="active",
                start=when,
            )
        )
    if errors:
        raise FormError(errors)
    if not (facts.observations or facts.answers or facts.conditions or facts.medications):
        raise FormError({"form": EMPTY_INTAKE})
    assert day is not None
    return day, facts
