"""The intake-file reader: one small test per feature, each named for what it shows."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from spinecare.demo import demo_files
from spinecare.errors import RecordError, UnitError
from spinecare.record.intake import (
    ZONE_SYSTEM,
    intake_lookups,
    looks_like_intake,
    parse_yaml,
    read_intake,
)
from spinecare.record.model import Coding, PatientRecord

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "intake"

# DESIGN.md section 3: the exact concept ids (recent_spinal_surgery is among them).
CONCEPTS = frozenset(
    {
        "degenerative_disc_disease",
        "disc_herniation",
        "scoliosis",
        "spinal_pain",
        "muscle_tension",
        "headache",
        "neuralgia",
        "sleep_disturbance",
        "mild_hypertension",
        "cauda_equina",
        "myelopathy",
        "vertebral_fracture",
        "spinal_infection",
        "spinal_malignancy",
        "vertebrobasilar_insufficiency",
        "oncology",
        "organ_decompensation",
        "heart_disease",
        "coagulation_disorder",
        "significant_hypertension",
        "fever",
        "infectious_disease",
        "acute_pain",
        "moderate_hypertension",
        "anticoagulant_therapy",
        "pregnancy",
        "history_of_cancer",
        "recent_spinal_surgery",
        "dermatitis",
        "osteoporosis",
    }
)
ZONES = frozenset({"collar_zone", "thoracic", "lumbosacral"})  # DESIGN.md section 3, Plans


@pytest.fixture(scope="module")
def lookups() -> dict[str, Any]:
    """The KB's lookups, as every entry point hands them to the intake reader."""
    from spinecare.kb import load_kb

    return dict(intake_lookups(load_kb()))


def test_the_lookups_hold_designs_concepts_and_zones(lookups: dict[str, Any]) -> None:
    assert set(lookups["concepts"]) >= CONCEPTS
    assert set(lookups["zones"]) == ZONES


def read(name: str, lookups: dict[str, Any]) -> PatientRecord:
    return read_intake(FIXTURES / name, **lookups)


def refused(name: str, lookups: dict[str, Any]) -> str:
    """The one-line message for a fixture that must be refused (never a traceback)."""
    with pytest.raises(RecordError) as caught:
        read(name, lookups)
    assert caught.value.source == name
    line = caught.value.one_line()
    assert "\n" not in line
    return line


def minimal(**extra: Any) -> dict[str, Any]:
    return {"format": "spinecare-intake/1", "patient": {"id": "p1"}, "date": "2026-11-20", **extra}


# --- reading ---------------------------------------------------------------------------------


def test_minimal_file_reads_with_empty_lists(lookups: dict[str, Any]) -> None:
    record = read("minimal.yaml", lookups)
    assert record.patient.id == "minimal"
    assert record.source == "minimal.yaml"
    assert (record.conditions, record.observations, record.answers) == ([], [], [])


def test_json_file_reads(lookups: dict[str, Any]) -> None:
    record = read("minimal.json", lookups)
    assert record.patient.id == "minimal-json"
    assert [o.measure for o in record.observations] == ["systolic_bp", "diastolic_bp"]


def test_mapping_reads_with_source_name(lookups: dict[str, Any]) -> None:
    record = read_intake(minimal(pain={"score": 1}), **lookups, source="mem.yaml")
    assert record.observations[0].ref == "mem.yaml#pain"


def test_shorthand_blood_pressure_gives_systolic_and_diastolic(lookups: dict[str, Any]) -> None:
    systolic, diastolic = read("bp-shorthand.yaml", lookups).observations
    assert (systolic.measure, systolic.value, systolic.unit) == ("systolic_bp", 135, "mm[Hg]")
    assert (diastolic.measure, diastolic.value) == ("diastolic_bp", 85)
    assert systolic.when == diastolic.when == date(2026, 11, 18)
    assert systolic.ref == diastolic.ref == "bp-shorthand.yaml#vitals[0]"


def test_readings_of_one_day_keep_the_list_order(lookups: dict[str, Any], kb: Any) -> None:
    from spinecare.engine.screening import screen_record

    record = read("same-day-readings.yaml", lookups)
    systolic = [o for o in record.observations if o.measure == "systolic_bp"]
    assert [o.value for o in systolic] == [190, 122]
    assert all(o.in_order and o.instant is None for o in record.observations)
    # the later in the list, 122/78, decides: not unknown, not the 190/115 listed first
    assert screen_record(record, kb, date(2026, 11, 20)).verdict == "allowed"
    text = (FIXTURES / "same-day-readings.yaml").read_text(encoding="utf-8")
    swapped = text.replace("190/115", "X").replace("122/78", "190/115").replace("X", "122/78")
    turned = read_intake(yaml.safe_load(swapped), **lookups)
    assert screen_record(turned, kb, date(2026, 11, 20)).verdict == "defer"


def test_fahrenheit_converted_to_celsius(lookups: dict[str, Any]) -> None:
    (temperature,) = read("fahrenheit.yaml", lookups).observations
    assert temperature.unit == "Cel"
    assert temperature.value == pytest.approx(37.5)
    assert temperature.original == "99.5 [degF]"
    assert temperature.when == date(2026, 11, 20)  # the intake date


def test_pain_score_becomes_pain_measure(lookups: dict[str, Any]) -> None:
    (pain,) = read_intake(minimal(pain={"score": 3}), **lookups).observations
    assert (pain.measure, pain.value, pain.unit, pain.ref) == (
        "pain_score",
        3,
        "{score}",
        "intake#pain",
    )


def test_coded_condition_keeps_statuses_and_zone(lookups: dict[str, Any]) -> None:
    record = read("coded.yaml", lookups)
    (condition,) = record.conditions
    assert condition.codings[0].system == "icd10cm"
    assert condition.codings[0].code == "M51.16"
    assert condition.clinical_status == "active"
    assert condition.verification_status == "confirmed"
    assert condition.onset == date(2026, 3, 1)
    assert condition.recorded == date(2026, 11, 20)
    assert condition.body_sites == (Coding(system=ZONE_SYSTEM, code="lumbosacral"),)
    assert condition.ref == "coded.yaml#conditions[0]"
    assert record.patient.birth_date == date(1968, 4, 2)


def test_named_condition_carries_concept(lookups: dict[str, Any]) -> None:
    data = minimal(conditions=[{"concept": "disc_herniation", "zone": "lumbosacral"}])
    (condition,) = read_intake(data, **lookups).conditions
    assert condition.concept == "disc_herniation"
    assert condition.codings == ()


def test_medications_coded_and_named(lookups: dict[str, Any]) -> None:
    coded, named = read("coded.yaml", lookups).medications
    assert coded.codings == (Coding("rxnorm", "855332", "warfarin 5 mg"),)  # bare number read
    assert coded.start == date(2025, 6, 1)
    assert named.concept == "anticoagulant_therapy"
    assert named.text == "warfarin"


def test_procedure_defaults_to_completed(lookups: dict[str, Any]) -> None:
    (procedure,) = read("coded.yaml", lookups).procedures
    assert procedure.concept == "recent_spinal_surgery"
    assert procedure.performed == date(2026, 10, 1)
    assert procedure.status == "completed"


def test_clearance_read(lookups: dict[str, Any]) -> None:
    (clearance,) = read("clearance.yaml", lookups).clearances
    assert clearance.concepts == ("disc_herniation",)
    assert clearance.decision == "cleared"
    assert clearance.when == date(2026, 11, 10)
    assert clearance.by == "Dr. P. Petrov, neurologist"
    assert clearance.valid_until == date(2027, 5, 10)
    assert clearance.ref == "clearance.yaml#clearances[0]"


def test_answers_with_dates(lookups: dict[str, Any]) -> None:
    answers = {a.question: a for a in read("answers-with-dates.yaml", lookups).answers}
    assert answers["fever_today"].value is False
    assert answers["fever_today"].when == date(2026, 11, 21)  # answered_on
    assert answers["saddle_anaesthesia"].value is False  # YAML "no"
    assert answers["saddle_anaesthesia"].when == date(2026, 11, 20)  # the intake date
    assert answers["herniation_phase"].value == "recovery"
    assert answers["fever_today"].ref == "answers-with-dates.yaml#answers.fever_today"


def test_missing_answer_stays_missing(lookups: dict[str, Any]) -> None:
    record = read("minimal.yaml", lookups)
    assert record.answers == []  # never filled in as "no"


def test_blank_answer_is_not_answered(lookups: dict[str, Any]) -> None:
    record = read_intake(minimal(answers={"fever_today": None, "pregnant": False}), **lookups)
    assert [a.question for a in record.answers] == ["pregnant"]


def test_blank_sections_read_as_empty(lookups: dict[str, Any]) -> None:
    record = read_intake(minimal(conditions=None, answers=None), **lookups)
    assert record.conditions == [] and record.answers == []


def test_dates_already_parsed_are_accepted(lookups: dict[str, Any]) -> None:
    # yaml.safe_load (used by other readers) turns dates into date objects.
    record = read_intake({**minimal(), "date": date(2026, 11, 20)}, **lookups)
    assert record.patient.id == "p1"


def test_parse_yaml_keeps_dates_as_text() -> None:
    assert parse_yaml("date: 2026-02-30\n", "x.yaml") == {"date": "2026-02-30"}


def test_looks_like_intake() -> None:
    assert looks_like_intake({"format": "spinecare-intake/1"})
    assert looks_like_intake({"format": "spinecare-intake/2"})
    assert not looks_like_intake({"resourceType": "Bundle"})
    assert not looks_like_intake(["format", "spinecare-intake/1"])


def test_intake_lookups_from_kb() -> None:
    kb = SimpleNamespace(
        concepts={"fever": None},
        measures={
            "pain_score": SimpleNamespace(
                id="pain_score", unit="{score}", plausible=SimpleNamespace(low=0, high=10)
            )
        },
        questions={
            "herniation_phase": SimpleNamespace(
                id="herniation_phase", type="choice", choices=[SimpleNamespace(value="surgery")]
            )
        },
        zones={"thoracic": None},
    )
    out = intake_lookups(kb)  # type: ignore[arg-type]
    assert out["measures"] == {"pain_score": "{score}"}
    assert out["plausible"] == {"pain_score": (0, 10)}
    assert out["questions"] == {"herniation_phase": ("choice", ("surgery",))}
    assert set(out["concepts"]) == {"fever"} and set(out["zones"]) == {"thoracic"}


@pytest.mark.parametrize("path", demo_files(), ids=lambda p: p.name)
def test_every_demo_file_reads(path: Path, lookups: dict[str, Any]) -> None:
    assert path.read_text(encoding="utf-8").startswith("#")  # says what it shows
    record = read_intake(path, **lookups)
    assert record.patient.id.startswith("demo-")
    assert record.conditions


def test_demo_files_cover_the_situations() -> None:
    assert len(demo_files()) >= 8


# --- errors ----------------------------------------------------------------------------------


def test_unknown_key_lists_allowed_keys(lookups: dict[str, Any]) -> None:
    message = refused("unknown-key.yaml", lookups)
    assert "vitals[1]: unknown key temprature" in message
    assert "allowed: blood_pressure, date, measure, unit, value" in message


def test_unknown_top_level_key_lists_allowed_keys(lookups: dict[str, Any]) -> None:
    with pytest.raises(RecordError, match="unknown key notes; allowed: answered_on, answers"):
        read_intake(minimal(notes="x"), **lookups)


def test_unknown_concept(lookups: dict[str, Any]) -> None:
    message = refused("unknown-concept.yaml", lookups)
    assert "conditions[0].concept: unknown concept 'disc_hernia'" in message
    assert "did you mean disc_herniation" in message


def test_unknown_zone(lookups: dict[str, Any]) -> None:
    data = minimal(conditions=[{"concept": "disc_herniation", "zone": "neck"}])
    with pytest.raises(RecordError, match=r"conditions\[0\]\.zone: unknown zone 'neck'"):
        read_intake(data, **lookups)


def test_unknown_question(lookups: dict[str, Any]) -> None:
    with pytest.raises(RecordError, match=r"answers\.fevr_today: unknown question"):
        read_intake(minimal(answers={"fevr_today": True}), **lookups)


def test_bad_choice_value(lookups: dict[str, Any]) -> None:
    message = refused("bad-choice.yaml", lookups)
    assert "answers.herniation_phase: expected one of conservative, surgery, recovery" in message


def test_boolean_question_needs_true_or_false(lookups: dict[str, Any]) -> None:
    with pytest.raises(RecordError, match=r"answers\.fever_today: a yes/no question"):
        read_intake(minimal(answers={"fever_today": "maybe"}), **lookups)


def test_pain_14_refused(lookups: dict[str, Any]) -> None:
    assert "pain.score: should be less than or equal to 10 (got 14)" in refused(
        "pain-14.yaml", lookups
    )


def test_implausible_blood_pressure_refused(lookups: dict[str, Any]) -> None:
    data = minimal(vitals=[{"measure": "systolic_bp", "value": 400, "unit": "mmHg"}])
    with pytest.raises(RecordError, match=r"vitals\[0\]\.value: .*plausible range 50-300"):
        read_intake(data, **lookups)


@pytest.mark.parametrize(("measure", "value"), [("egfr", 450), ("egfr", -5), ("inr", 35)])
def test_a_measure_the_intake_table_does_not_hold_is_refused_outside_the_kbs_range(
    lookups: dict[str, Any], measure: str, value: float
) -> None:
    """An eGFR of 450 (a creatinine in umol/L typed into the eGFR) was screened allowed: a
    measure without a range of the intake's own is held to the KB measure's plausible one."""
    data = minimal(vitals=[{"measure": measure, "value": value}])
    with pytest.raises(RecordError, match=r"vitals\[0\]\.value: .*plausible range"):
        read_intake(data, **lookups)


def test_fahrenheit_without_unit_refused_with_hint(lookups: dict[str, Any]) -> None:
    data = minimal(vitals=[{"measure": "body_temperature", "value": 98.6}])
    with pytest.raises(RecordError, match=r"vitals\[0\]\.value: .*\[degF\]"):
        read_intake(data, **lookups)


def test_unknown_unit_refused(lookups: dict[str, Any]) -> None:
    data = minimal(vitals=[{"measure": "body_temperature", "value": 37, "unit": "kg"}])
    with pytest.raises(UnitError, match=r"vitals\[0\]\.unit: "):
        read_intake(data, **lookups)


def test_unknown_measure(lookups: dict[str, Any]) -> None:
    data = minimal(vitals=[{"measure": "heart_rate", "value": 70}])
    with pytest.raises(RecordError, match=r"vitals\[0\]\.measure: unknown measure 'heart_rate'"):
        read_intake(data, **lookups)


def test_blood_pressure_written_backwards_refused(lookups: dict[str, Any]) -> None:
    with pytest.raises(RecordError, match="systolic 80 is not above diastolic 120"):
        read_intake(minimal(vitals=[{"blood_pressure": "80/120"}]), **lookups)


def test_malformed_date(lookups: dict[str, Any]) -> None:
    message = refused("malformed-date.yaml", lookups)
    assert "conditions[0].onset: expected a date YYYY-MM-DD, got '20.11.2026'" in message


@pytest.mark.parametrize("written", ["2026-11", "2026"])
def test_a_reading_dated_by_a_month_or_a_year_is_refused(
    lookups: dict[str, Any], written: str
) -> None:
    # an intake file takes whole dates only: a reading's day is never guessed from a month
    data = minimal(vitals=[{"blood_pressure": "190/115", "date": written}])
    with pytest.raises(RecordError, match=r"vitals\[0\]\.date: expected a date YYYY-MM-DD"):
        read_intake(data, **lookups)


def test_impossible_date(lookups: dict[str, Any]) -> None:
    with pytest.raises(RecordError, match="date: not a real date: '2026-02-30'"):
        read_intake(minimal(date="2026-02-30"), **lookups)


def test_not_yaml(lookups: dict[str, Any]) -> None:
    assert "not-yaml.yaml: not valid YAML: line " in refused("not-yaml.yaml", lookups)


def test_not_json(lookups: dict[str, Any]) -> None:
    assert "not-json.json: not valid JSON: line 1, column " in refused("not-json.json", lookups)


def test_duplicate_key_refused(lookups: dict[str, Any]) -> None:
    assert "the key 'answers' is written twice" in refused("duplicate-key.yaml", lookups)


def test_missing_file(lookups: dict[str, Any]) -> None:
    with pytest.raises(RecordError, match="file not found"):
        read("nowhere.yaml", lookups)


def test_format_required(lookups: dict[str, Any]) -> None:
    with pytest.raises(RecordError, match="format: required"):
        read_intake({"patient": {"id": "p1"}}, **lookups)


def test_other_format_version_refused(lookups: dict[str, Any]) -> None:
    with pytest.raises(RecordError, match="'spinecare-intake/2' is not supported"):
        read_intake({**minimal(), "format": "spinecare-intake/2"}, **lookups)


def test_patient_id_required(lookups: dict[str, Any]) -> None:
    with pytest.raises(RecordError, match=r"patient\.id: required"):
        read_intake({**minimal(), "patient": {"name": "Anna"}}, **lookups)


def test_code_needs_system(lookups: dict[str, Any]) -> None:
    with pytest.raises(RecordError, match=r"conditions\[0\]: code M51.16 needs its system"):
        read_intake(minimal(conditions=[{"code": "M51.16"}]), **lookups)


def test_answered_on_without_answer(lookups: dict[str, Any]) -> None:
    data = minimal(answered_on={"fever_today": "2026-11-20"})
    with pytest.raises(RecordError, match=r"answered_on\.fever_today: no answer"):
        read_intake(data, **lookups)


def test_clearance_needs_physician(lookups: dict[str, Any]) -> None:
    data = minimal(clearances=[{"concepts": ["disc_herniation"], "decision": "cleared"}])
    with pytest.raises(RecordError, match=r"clearances\[0\]\.by: required"):
        read_intake(data, **lookups)


def test_a_file_with_several_problems_names_each(lookups: dict[str, Any]) -> None:
    """The author sees every problem of the file at once (it said the first and "and one
    more problem"), the rest counted past five."""
    bad = {
        "format": "spinecare-intake/1",
        "patient": {},
        "date": "2026-11-20",
        "vitals": [{"date": "2026-11-20", "systolic": "high", "diastolic": 80}],
    }
    with pytest.raises(RecordError) as caught:
        read_intake(bad, **lookups, source="two.yaml")
    line = caught.value.one_line()
    assert "patient.id" in line and "systolic" in line and "more problem" not in line


def test_a_plausible_range_is_written_as_the_readers_language_writes_numbers(
    lookups: dict[str, Any],
) -> None:
    from spinecare.i18n import translate

    with pytest.raises(RecordError) as refused:
        read_intake(minimal(vitals=[{"measure": "inr", "value": 0.4}]), **lookups)
    assert "0,4" in translate(refused.value.message, "ru")
    assert "0,5–20" in translate(refused.value.message, "ru")
    assert "0.5-20" in translate(refused.value.message, "en")
