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

from spinecare.clinic import FormError
from spinecare.clinic.limits import DATE_MIN
from spinecare.dates import date_problem, iso_date
from spinecare.errors import UnitError
from spinecare.i18n import typed_number
from spinecare.kb.loader import KB
from spinecare.messages import Day, Quantity
from spinecare.record.intake import PLAUSIBLE, PLAUSIBLE_RANGE
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
from spinecare.web.i18n import Text
from spinecare.wording import ChoiceNames

ZONE_SYSTEM = "spinecare-zone"
CONDITION_ROWS = 3
MEDICATION_ROWS = 2
TEMPERATURE_UNITS = {"Cel": "°C", "[degF]": "°F"}
EMPTY_INTAKE = Text(
    "The intake is empty: nothing was saved. Record at least one measurement, answer, "
    "diagnosis or medication."
)
EMPTY_DAY = Text(
    "Nothing was saved. Record at least one of: blood pressure, body temperature, pain, or "
    "an answer."
)
NUMBER_EXAMPLES = {
    "diastolic": Text("a number, for example 80"),
    "temperature": Text("a number, for example 36.6"),
}
"""What a number field that is no number says, by field (else "for example 120", a
systolic pressure)."""
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


FIELD_LABELS = {
    "day": Text("Date"),
    "start": Text("Start"),
    "from": Text("From"),
    "to": Text("To"),
    "birth_date": Text("Date of birth"),
    "systolic": Text("Blood pressure: systolic (mm Hg)"),
    "diastolic": Text("Diastolic (mm Hg)"),
    "temperature": Text("Body temperature"),
    "pain": Text("Pain now (0–10)"),
    "pre_pain": Text("Pain before (0–10)"),
    "post_pain": Text("Pain after (0–10)"),
    "minutes": Text("Minutes"),
    "sessions": Text("Number of sessions"),
    "sessions_per_week": Text("Sessions a week"),
    "minutes_per_session": Text("Minutes per session"),
    "home_minutes": Text("Minutes a day"),
    "cond_onset": Text("Onset"),
    # the parts of a page's address (its path and query) a reader may have typed or kept
    "patient_id": Text("Patient"),
    "course_id": Text("Course"),
    "intake_id": Text("Intake"),
    "request_id": Text("Clearance request"),
    "user_id": Text("User"),
    "as_of": Text("Date of the screening"),
    "lang": Text("Language"),
    "page": Text("Page of the list"),
    "since": Text("From"),
}
"""The words a form puts beside its fields, for an answer that is not the form itself (a
value every form refuses, such as "nan" or a date in 2300, is refused before the form
reads it): the page says which field, in the form's own words; and the words for the
parts of a page's address, which the error page of an address names the same way. A
field of several parts (``home_minutes_cervical``) is named by its first."""

SEARCH_LABELS: dict[str, Text] = {
    "q": Text("Patient search"),
    "patient": Text("Patient"),
    "user": Text("User"),
}
"""The search boxes' words: each names its own field only (``q_fever``, an intake
question, is no patient search)."""


def field_label(name: str) -> Text | None:
    """The form's words for the field ``name`` (``home_minutes_cervical``: "Minutes a
    day"), None for a field the user does not type (a hidden version, a choice)."""
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    if name in SEARCH_LABELS:
        return SEARCH_LABELS[name]
    return next((v for k, v in FIELD_LABELS.items() if name.startswith(k + "_")), None)


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
    if not raw.strip():
        return None
    try:
        return typed_number(raw)
    except ValueError:
        errors[name] = NUMBER_EXAMPLES.get(name) or Text("a number, for example 120")
        return None


def _typed(value: float, unit: str) -> str:
    """A number typed into a field, with its unit, as the reader's language writes it
    (``46,5 °C``, ``2 147 483 648 мм рт. ст.``): never cut to the reading's precision, so
    that the value refused is the one typed, nor in Python's notation (``2.14748e+09``)."""
    return Text("%(n)s %(unit)s", n=Quantity(value, None), unit=Quantity(None, unit))


def _date(raw: str, name: str, errors: dict[str, str], today: date) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = iso_date(raw)
    except ValueError:
        errors[name] = date_problem(raw)
        return None
    if value > today:
        errors[name] = Text("this date has not come yet")
        return None
    if value < DATE_MIN:
        errors[name] = Text("before %(day)s; check the year", day=Day(DATE_MIN))
        return None
    return value


def parse_intake(
    fields: dict[str, str], kb: KB, today: date, *, empty: Text = EMPTY_INTAKE
) -> tuple[date, PatientRecord]:
    """The intake's date and facts; raises :class:`FormError` with one message per field
    (``empty``: what a form with nothing in it says)."""
    form = _IntakeForm(fields, kb, today)
    form.blood_pressure()
    form.temperature()
    form.pain()
    form.answers()
    form.conditions()
    form.medications()
    facts = form.facts
    if form.errors:
        raise FormError(form.errors)
    if not (facts.observations or facts.answers or facts.conditions or facts.medications):
        raise FormError({"form": empty})
    assert form.day is not None
    return form.day, facts


class _IntakeForm:
    """The intake form's fields read part by part into ``facts``; each wrong field named
    in ``errors``."""

    def __init__(self, fields: dict[str, str], kb: KB, today: date) -> None:
        self.fields = fields
        self.kb = kb
        self.errors: dict[str, str] = {}
        self.day = _date(fields.get("day", ""), "day", self.errors, today)
        if self.day is None and "day" not in self.errors:
            self.errors["day"] = Text("required: the date of the visit")
        if self.day is not None and self.day < today - timedelta(days=366):
            self.errors["day"] = Text("more than a year ago; check the year")
        self.when = self.day or today
        self.ref = f"intake-form/{self.when.isoformat()}#"
        self.facts = PatientRecord(patient=Patient(id="form"), source="intake form")

    def plausible(self, measure: str, value: float, name: str, shown: str) -> bool:
        """``value`` (in the measure's unit) within the plausible range, else the field's
        error naming what was typed (``shown``) and the range with its unit."""
        low, high = PLAUSIBLE[measure]
        if not low <= value <= high:
            unit = self.kb.measures[measure].unit
            self.errors[name] = Text(
                PLAUSIBLE_RANGE, value=shown, low=Quantity(low, None), high=Quantity(high, unit)
            )
            return False
        return True

    def observe(self, part: str, measure: str, value: float, original: str | None = None) -> None:
        self.facts.observations.append(
            Observation(
                ref=self.ref + part,
                measure=measure,
                value=value,
                unit=self.kb.measures[measure].unit,
                when=self.when,
                original=original,
                in_order=True,  # entered one after another
            )
        )

    def blood_pressure(self) -> None:
        errors = self.errors
        sys_v = _number(self.fields.get("systolic", ""), "systolic", errors)
        dia_v = _number(self.fields.get("diastolic", ""), "diastolic", errors)
        if (sys_v is None) != (dia_v is None) and not {"systolic", "diastolic"} & errors.keys():
            missing = "diastolic" if dia_v is None else "systolic"
            errors[missing] = Text("give both numbers of the blood pressure, or neither")
            return
        # each number checked whatever the other is (one unreadable, the other out of
        # range: both said at once)
        ok_s = sys_v is not None and self.plausible(
            "systolic_bp", sys_v, "systolic", _typed(sys_v, "mm[Hg]")
        )
        ok_d = dia_v is not None and self.plausible(
            "diastolic_bp", dia_v, "diastolic", _typed(dia_v, "mm[Hg]")
        )
        if sys_v is None or dia_v is None or not (ok_s and ok_d):
            return
        if sys_v <= dia_v:
            errors["systolic"] = Text("systolic must be above diastolic")
        else:
            self.observe("blood_pressure", "systolic_bp", sys_v)
            self.observe("blood_pressure", "diastolic_bp", dia_v)

    def temperature(self) -> None:
        temp = _number(self.fields.get("temperature", ""), "temperature", self.errors)
        unit = self.fields.get("temperature_unit", "Cel") or "Cel"
        if unit not in TEMPERATURE_UNITS:
            self.errors["temperature_unit"] = Text("°C or °F")
            return
        if temp is None:
            return
        target = self.kb.measures["body_temperature"].unit
        try:
            celsius = convert(temp, unit, target)
        except UnitError as exc:
            self.errors["temperature"] = exc.message
            return
        if self.plausible("body_temperature", celsius, "temperature", _typed(temp, unit)):
            original = None if unit == target else f"{temp:g} {TEMPERATURE_UNITS[unit]}"
            self.observe("temperature", "body_temperature", round(celsius, 2), original)

    def pain(self) -> None:
        pain_raw = self.fields.get("pain", "").strip()
        if not pain_raw:
            return
        # two digits 0-9 at most: ``isdigit`` also takes ``²``, and ``int`` refuses both
        # it and a number of more than 4,300 digits
        whole = pain_raw.isascii() and pain_raw.isdigit() and len(pain_raw) <= 2
        if not whole or not 0 <= int(pain_raw) <= 10:
            self.errors["pain"] = Text("a whole number from 0 (no pain) to 10 (worst imaginable)")
            return
        self.observe("pain", "pain_score", float(pain_raw))

    def answers(self) -> None:
        for q in self.kb.model.questions:
            name = f"q_{q.id}"
            raw = self.fields.get(name, "").strip()
            if not raw:
                continue  # unanswered stays missing
            value: bool | str
            if q.type == "boolean":
                if raw not in ("yes", "no"):
                    self.errors[name] = Text("yes, no, or leave unanswered")
                    continue
                value = raw == "yes"
            else:
                choices = [c.value for c in q.choices]
                if raw not in choices:
                    self.errors[name] = Text(
                        "one of %(choices)s",
                        choices=ChoiceNames({c.value: c.label for c in q.choices}),
                    )
                    continue
                value = raw
            self.facts.answers.append(
                Answer(ref=self.ref + f"answers.{q.id}", question=q.id, value=value, when=self.when)
            )

    def conditions(self) -> None:
        known = {c for c, _, _ in condition_concepts(self.kb)}
        for i in range(CONDITION_ROWS):
            self.condition(i, known)

    def condition(self, i: int, known: set[str]) -> None:
        fields, errors, kb = self.fields, self.errors, self.kb
        concept = fields.get(f"cond_concept_{i}", "").strip()
        zone = fields.get(f"cond_zone_{i}", "").strip()
        onset = _date(fields.get(f"cond_onset_{i}", ""), f"cond_onset_{i}", errors, self.when)
        note = fields.get(f"cond_text_{i}", "").strip()[:500] or None
        if not concept:
            if zone or onset or note:
                errors[f"cond_concept_{i}"] = Text("choose the condition (or clear the row)")
            return
        if concept not in known:
            errors[f"cond_concept_{i}"] = Text("choose a condition from the list")
            return
        if zone and zone not in kb.zones:
            errors[f"cond_zone_{i}"] = Text(
                "one of %(choices)s",
                choices=ChoiceNames({z: zone.label for z, zone in kb.zones.items()}),
            )
            return
        self.facts.conditions.append(
            Condition(
                ref=self.ref + f"conditions[{i}]",
                concept=concept,
                text=note,
                onset=onset,
                recorded=self.when,
                body_sites=(Coding(ZONE_SYSTEM, zone),) if zone else (),
            )
        )

    def medications(self) -> None:
        meds = set(medication_concepts(self.kb))
        for i in range(MEDICATION_ROWS):
            concept = self.fields.get(f"med_concept_{i}", "").strip()
            text = self.fields.get(f"med_text_{i}", "").strip()[:500]
            if not concept and not text:
                continue
            if concept and concept not in meds:
                self.errors[f"med_concept_{i}"] = Text("choose a medication group from the list")
                continue
            if not concept:
                self.errors[f"med_concept_{i}"] = Text(
                    "choose the medication group (the screening reads the group, not the name)"
                )
                continue
            self.facts.medications.append(
                Medication(
                    ref=self.ref + f"medications[{i}]",
                    concept=concept,
                    text=text or None,
                    status="active",
                    start=self.when,
                )
            )
