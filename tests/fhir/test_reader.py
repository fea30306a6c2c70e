"""FHIR R4 reader: the official FHIR examples and the Synthea set, as they are."""

from __future__ import annotations

import copy
import gzip
import json
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from spinecare.errors import RecordError
from spinecare.fhir.reader import MeasureTable, RecordBuilder, measure_name, read_bundle
from spinecare.i18n import translate
from spinecare.messages import Message
from spinecare.record.model import Ignored, PatientRecord

MEASURES = {
    ("loinc", "8480-6"): ("systolic_bp", "mm[Hg]", None, None),
    ("loinc", "8462-4"): ("diastolic_bp", "mm[Hg]", None, None),
    ("loinc", "8310-5"): ("body_temperature", "Cel", None, None),
    ("loinc", "8331-1"): ("body_temperature", "Cel", None, None),
    ("loinc", "72514-3"): ("pain_score", "{score}", None, None),
    ("loinc", "777-3"): ("platelets", "10*9/L", None, None),
}


def data_dir() -> Path:
    """/work/shared/data next to the repository (or $SPINECARE_SHARED/data)."""
    shared = os.environ.get("SPINECARE_SHARED")
    root = Path(shared) if shared else Path(__file__).resolve().parents[3] / "shared"
    return root / "data"


EXAMPLES = data_dir() / "fhir-examples"
SYNTHEA = data_dir() / "synthea" / "r4-bundles-2019"
# The two Synthea provider Bundles (Organizations, Practitioners): no Patient in them.
PROVIDER_BUNDLES = ("hospitalInformation", "practitionerInformation")


def example(name: str) -> dict[str, Any]:
    """A fresh (mutable) copy of an official FHIR example resource."""
    resource: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return resource


def same_patient(bundle: dict[str, Any]) -> dict[str, Any]:
    """``bundle`` with every resource about its Patient: the official examples name
    several patients (``Patient/f201``, ``Patient/example``), and the reader refuses a
    Bundle that mixes them (test_a_resource_about_another_patient_is_refused)."""
    entries = [e for e in bundle["entry"] if isinstance(e.get("resource"), dict)]
    patient = next(
        e["resource"]["id"]
        for e in entries
        if e["resource"].get("resourceType") == "Patient"
        and (e.get("search") or {}).get("mode", "").strip().lower() != "outcome"
    )

    def point(node: Any) -> None:
        if isinstance(node, dict):
            for field in ("subject", "patient"):
                ref = node.get(field)
                if isinstance(ref, dict) and "Patient/" in str(ref.get("reference", "")):
                    ref["reference"] = f"Patient/{patient}"
            for value in node.values():
                point(value)
        elif isinstance(node, list):
            for value in node:
                point(value)

    for entry in entries:
        if entry["resource"].get("resourceType") != "Patient":
            point(entry["resource"])
    return bundle


def collection(*resources: dict[str, Any], patient: str = "Patient-example.json") -> dict[str, Any]:
    """A collection Bundle holding an example Patient and the given resources, about it."""
    entries = [{"resource": example(patient)}] + [{"resource": res} for res in resources]
    return same_patient({"resourceType": "Bundle", "type": "collection", "entry": entries})


def read(*resources: dict[str, Any]) -> PatientRecord:
    return read_bundle(collection(*resources), MEASURES, source="test-bundle.json")


def write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
    return path


def reasons(record: PatientRecord) -> list[str]:
    return [item.reason for item in record.ignored]


# ------------------------------------------------------------------------------ conditions


def test_family_history_condition_is_ignored_not_the_patients_condition() -> None:
    record = read(example("Condition-family-history.json"))
    assert record.conditions == []
    assert record.ignored == [
        Ignored("Condition/family-history", "family history, not the patient's condition")
    ]


def test_family_member_history_resource_is_ignored() -> None:
    relative = {
        "resourceType": "FamilyMemberHistory",
        "id": "father",
        "status": "completed",
        "patient": {"reference": "Patient/example"},
        "relationship": {"coding": [{"code": "FTH"}]},
        "condition": [{"code": {"text": "Heart attack"}}],
    }
    record = read(relative)
    assert record.conditions == []
    assert reasons(record) == ["family history, not the patient's condition"]


def test_icd10_family_history_code_is_ignored() -> None:
    condition = example("Condition-example.json")
    condition["code"] = {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "Z80.0"}]}
    record = read(condition)
    assert record.conditions == []
    assert reasons(record) == ["family history, not the patient's condition"]


def test_resolved_condition_kept_with_status_resolved() -> None:
    record = read(example("Condition-f201.json"))  # fever, resolved, abatementString
    # its evidence ("degrees C") is an entry of its own, with the fever's statuses; so the
    # words of the reading it rests on, which the record does not hold ("Temperature")
    fever, evidence, named = record.conditions
    assert (named.ref, named.text) == ("Condition/f201#evidence[0].detail[0]", "Temperature")
    assert named.clinical_status == "resolved" and named.confirm == evidence.confirm
    assert (evidence.ref, evidence.text) == ("Condition/f201#evidence[0].code[0]", None)
    assert [c.code for c in evidence.codings] == ["258710007"]
    assert evidence.clinical_status == "resolved" and evidence.confirm is not None
    assert fever.ref == "Condition/f201"
    assert fever.clinical_status == "resolved"
    assert fever.verification_status == "confirmed"
    assert fever.onset == date(2013, 4, 2)
    assert fever.recorded == date(2013, 4, 4)
    assert fever.abatement is None  # "around April 9, 2013" is not a date
    assert not fever.in_force(date(2013, 4, 3))


def test_an_abatement_in_words_with_a_year_ends_the_condition_in_that_year() -> None:
    condition = example("Condition-f201.json")  # abatementString "around April 9, 2013"
    del condition["clinicalStatus"]
    fever, _evidence, _named = read(condition).conditions
    assert fever.clinical_status is None
    assert (fever.abatement_first, fever.abatement) == (date(2013, 1, 1), date(2013, 12, 31))
    assert not fever.in_force(date(2014, 1, 1))


def test_dated_abatement_is_kept_as_a_date() -> None:
    renal, note, assessed = read(example("Condition-f204.json")).conditions
    # the assessment its stage rests on, named only in words: read, with its statuses
    assert (assessed.text, assessed.clinical_status) == (
        "Genetic analysis master panel",
        "inactive",
    )
    # the note ("The patient is anuric.") is read as text, with the condition's statuses
    assert (note.ref, note.text, note.codings) == (
        "Condition/f204#note[0]",
        "The patient is anuric.",
        (),
    )
    assert note.clinical_status == renal.clinical_status
    assert renal.abatement == date(2013, 3, 20)
    assert renal.clinical_status == "inactive"
    assert renal.verification_status == "differential"
    assert [site.code for site in renal.body_sites] == ["181414000"]


def test_condition_codings_text_and_body_site() -> None:
    (burn,) = read(example("Condition-example.json")).conditions
    assert [(c.system, c.code, c.display) for c in burn.codings] == [
        ("snomed", "39065001", "Burn of ear")
    ]
    assert burn.text == "Burnt Ear"
    assert burn.body_sites[0].display == "Left external ear structure"


def test_entered_in_error_condition_is_kept_and_not_in_force() -> None:
    condition = example("Condition-stroke.json")
    condition["verificationStatus"] = {"coding": [{"code": "entered-in-error"}]}
    (stroke,) = read(condition).conditions
    assert stroke.verification_status == "entered-in-error"
    assert not stroke.in_force(date(2020, 1, 1))


def test_icd10_codes_with_and_without_dot_are_kept_as_written() -> None:
    dotted = example("Condition-example.json")
    dotted["id"] = "dotted"
    dotted["code"] = {
        "coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "M51.1", "display": "x"}]
    }
    plain = example("Condition-example.json")
    plain["id"] = "plain"
    plain["code"] = {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M5116"}]}
    record = read(dotted, plain)
    assert [(c.ref, c.codings[0].system, c.codings[0].code) for c in record.conditions] == [
        ("Condition/dotted", "icd10", "M51.1"),
        ("Condition/plain", "icd10cm", "M5116"),
    ]


# ---------------------------------------------------------------------------- observations


def test_cancelled_blood_pressure_observation_is_ignored() -> None:
    record = read(example("Observation-blood-pressure-cancel.json"))
    assert record.observations == []
    assert record.ignored == [
        Ignored("Observation/blood-pressure-cancel", "cancelled: not a measurement")
    ]


def test_entered_in_error_observations_are_ignored() -> None:
    blood_pressure = example("Observation-blood-pressure.json")
    blood_pressure["status"] = "entered-in-error"
    temperature = example("Observation-f202.json")  # 39 Cel, entered in error
    record = read(blood_pressure, temperature)
    assert record.observations == []
    assert [item.ref for item in record.ignored] == [
        "Observation/blood-pressure",
        "Observation/f202",
    ]
    assert reasons(record) == ["entered in error: not a measurement"] * 2


def test_component_without_value_is_ignored_with_its_data_absent_reason() -> None:
    record = read(example("Observation-blood-pressure-dar.json"))
    assert [(o.measure, o.value) for o in record.observations] == [("systolic_bp", 107.0)]
    assert reasons(record) == ["no value (not performed)"]
    assert [item.measure for item in record.ignored] == ["diastolic_bp"]


def test_body_temperature_example_read_in_celsius() -> None:
    (temperature,) = read(example("Observation-body-temperature.json")).observations
    assert temperature.ref == "Observation/body-temperature"
    assert temperature.measure == "body_temperature"
    assert (temperature.value, temperature.unit) == (36.5, "Cel")
    assert temperature.when == date(1999, 7, 2)
    assert temperature.original is None
    assert temperature.coding is not None and temperature.coding.code == "8310-5"


def test_fahrenheit_temperature_converted_to_celsius() -> None:
    observation = example("Observation-body-temperature.json")
    observation["valueQuantity"] = {
        "value": 98.6,
        "unit": "F",
        "system": "http://unitsofmeasure.org",
        "code": "[degF]",
    }
    (temperature,) = read(observation).observations
    assert (temperature.value, temperature.unit) == (37.0, "Cel")
    assert temperature.original == "98.6 [degF]"


def test_unit_without_ucum_code_is_read_from_its_human_spelling() -> None:
    observation = example("Observation-body-temperature.json")
    observation["valueQuantity"] = {"value": 100.4, "unit": "°F"}
    (temperature,) = read(observation).observations
    assert temperature.value == 38.0
    assert temperature.original == "100.4 °F"


def test_fhir_example_panel_85354_9_gives_systolic_and_diastolic() -> None:
    record = read(example("Observation-blood-pressure.json"))
    assert [(o.ref, o.measure, o.value, o.unit) for o in record.observations] == [
        ("Observation/blood-pressure", "systolic_bp", 107.0, "mm[Hg]"),
        ("Observation/blood-pressure", "diastolic_bp", 60.0, "mm[Hg]"),
    ]
    assert all(o.when == date(2012, 9, 17) for o in record.observations)


def test_synthea_panel_55284_4_gives_systolic_and_diastolic() -> None:
    path = SYNTHEA / "Abdul_Koepp_e925b0f3-8006-43f6-aa31-94bd215e55e7.json.gz"
    record = read_bundle(path, MEASURES)
    panel = "Observation/f13d3b8d-0097-4b35-8d6e-31c73ac2601c"  # a 55284-4 panel in the file
    values = {o.measure: o.value for o in record.observations if o.ref == panel}
    assert values == {"diastolic_bp": 75.4364412796852, "systolic_bp": 129.73979437732424}
    assert {o.when for o in record.observations if o.ref == panel} == {date(2011, 10, 14)}


def test_observation_date_keeps_the_local_date_as_written() -> None:
    observation = example("Observation-body-temperature.json")
    observation["effectiveDateTime"] = "2012-09-17T23:30:00-05:00"  # 04:30 UTC next day
    (temperature,) = read(observation).observations
    assert temperature.when == date(2012, 9, 17)


def test_observation_dated_only_by_issued_uses_it() -> None:
    observation = example("Observation-body-temperature.json")
    del observation["effectiveDateTime"]
    observation["issued"] = "2013-04-04T13:27:00+01:00"
    (temperature,) = read(observation).observations
    assert temperature.when == date(2013, 4, 4)


def test_value_given_as_a_bound_is_ignored_not_taken_as_a_measurement() -> None:
    observation = example("Observation-body-temperature.json")
    observation["valueQuantity"]["comparator"] = ">"
    record = read(observation)
    assert record.observations == []
    assert reasons(record) == ["the value is a bound (> 36.5 °C), not a measurement"]


@pytest.mark.parametrize(
    ("comparator", "value", "read_as"),
    [
        (">", 38.0, 38.0),  # above 38: a fever at 37.5, whatever it is
        ("<", 37.0, 37.0),  # below 37: no fever
        (">", 36.5, None),  # above 36.5: may or may not be a fever
        (">=", 37.5, 37.5),
        ("<=", 37.5, None),
    ],
)
def test_a_bound_that_decides_every_comparison_is_a_reading(
    comparator: str, value: float, read_as: float | None
) -> None:
    observation = example("Observation-body-temperature.json")
    observation["valueQuantity"].update({"comparator": comparator, "value": value})
    measures = MeasureTable(MEASURES, {"body_temperature": [(">=", 37.5)]})
    record = read_bundle(collection(observation), measures)
    if read_as is None:
        assert record.observations == []
        assert "is a bound" in record.ignored[0].reason
    else:
        (reading,) = record.observations
        assert reading.value == read_as
        assert reading.original is not None and reading.original.startswith(comparator)


def test_value_without_any_unit_is_ignored_not_guessed() -> None:
    observation = example("Observation-blood-pressure.json")
    for component in observation["component"]:
        component["valueQuantity"] = {"value": component["valueQuantity"]["value"]}
    record = read(observation)
    assert record.observations == []
    assert reasons(record) == ["value 107 has no unit", "value 60 has no unit"]
    assert [item.measure for item in record.ignored] == ["systolic_bp", "diastolic_bp"]


def test_observations_of_codes_not_used_are_skipped_even_with_odd_units() -> None:
    height = example("Observation-body-height.json")
    height["valueQuantity"]["code"] = "furlongs"
    height["valueQuantity"]["unit"] = "furlongs"
    record = read(height, example("Observation-bmi.json"), example("Observation-heart-rate.json"))
    assert record.observations == []
    assert record.ignored == []


def _set_aside() -> list[dict[str, Any]]:
    """Observations set aside, one for every reason the reader gives."""
    cases = [example("Observation-blood-pressure-cancel.json"), example("Observation-f202.json")]
    cases[1]["status"] = "entered-in-error"
    cases.append(example("Observation-blood-pressure-dar.json"))
    for value in (
        {"value": 36.5, "unit": "Cel", "comparator": ">"},
        {"value": 3, "unit": "furlongs"},
        {"value": 60, "code": "Cel"},
        {"value": 1200, "code": "[degF]"},
        {"value": 38},
    ):
        temperature = example("Observation-body-temperature.json")
        temperature["valueQuantity"] = value
        cases.append(temperature)
    for key, value in (
        ("valueString", "normal"),
        ("valueString", "38,1"),
        ("valueCodeableConcept", {"text": "normal"}),
        ("dataAbsentReason", {"text": "thermometer broken"}),
        ("dataAbsentReason", {"coding": [{"code": "asked-declined"}]}),
    ):
        temperature = example("Observation-body-temperature.json")
        del temperature["valueQuantity"]
        temperature[key] = value
        cases.append(temperature)
    undated = example("Observation-body-temperature.json")
    del undated["effectiveDateTime"]
    cases.append(undated)
    return cases


def test_every_reason_to_set_a_fact_aside_is_a_message_in_every_language() -> None:
    """The reader records why (a message id with its parameters), never English words; the
    reason reads in Russian with values and units as people write them."""
    plausible = {**MEASURES, ("loinc", "8310-5"): ("body_temperature", "Cel", 30.0, 45.0)}
    facts = collection(*_set_aside(), example("Condition-family-history.json"))
    record = read_bundle(facts, plausible, source="test-bundle.json")
    assert len(record.ignored) == len(_set_aside()) + 1
    for item in record.ignored:
        assert isinstance(item.reason, Message), item
        russian = re.sub(r"«[^»]*»|°[CF]", "", translate(item.reason, "ru"))  # as recorded
        assert not re.search(r"[A-Za-z]", russian), (item.reason, russian)
        assert not re.search(r"\bCel\b|\[degF\]|mm\[Hg\]", str(item.reason)), item.reason
    shown = {translate(i.reason, "ru") for i in record.ignored}
    assert "1\xa0200 °F — неправдоподобное значение" in shown
    assert "значение «normal» — не число" in shown
    assert "нет значения (пациент отказался отвечать)" in shown


# ----------------------------------------------------------- medications, procedures, orders


def test_medication_statements_contained_medication_and_entered_in_error() -> None:
    names = [f"MedicationStatement-example00{n}.json" for n in range(1, 8)]
    record = read(*(example(name) for name in names))
    by_ref = {m.ref: m for m in record.medications}
    tylenol = by_ref["MedicationStatement/example001"]  # contained Medication #med0309
    # the product's code, then its ingredients' codes (acetaminophen, RxNorm 161 ...)
    codes = [(c.system, c.code) for c in tylenol.codings]
    assert codes[0] == ("ndc", "50580-506-02")
    assert ("rxnorm", "315266") in codes
    assert tylenol.status == "active"
    assert tylenol.start == date(2015, 1, 23)
    # a drug named by words only is read by every word written of it: its name first, then
    # its dosage text and note (a drug named only by its form is found by them)
    pill = by_ref["MedicationStatement/example003"].text
    assert pill is not None and pill.startswith("Little Pink Pill for water retention; ")
    assert "1 tablet per day" in pill and "cannot remember the name" in pill
    assert "MedicationStatement/example005" not in by_ref
    assert record.ignored == [Ignored("MedicationStatement/example005", "entered in error")]


def test_service_requests_become_orders() -> None:
    record = read(example("ServiceRequest-physiotherapy.json"))
    (order,) = record.orders
    assert order.ref == "ServiceRequest/physiotherapy"
    assert (order.status, order.intent, order.authored) == ("completed", "order", date(2017, 2, 1))
    assert order.codings[0].code == "34431008"


def test_synthea_procedures_and_medication_requests() -> None:
    record = read_bundle(
        SYNTHEA / "Abdul_Koepp_e925b0f3-8006-43f6-aa31-94bd215e55e7.json.gz", MEASURES
    )
    assert len(record.procedures) == 10
    assert all(p.status == "completed" and p.performed is not None for p in record.procedures)
    ibuprofen = next(m for m in record.medications if m.codings[0].code == "310965")
    assert (ibuprofen.status, ibuprofen.start) == ("stopped", date(2017, 3, 21))
    assert ibuprofen.codings[0].system == "rxnorm"


# ------------------------------------------------------------------------------- bundles


def test_transaction_bundle_with_urn_uuid_refs() -> None:
    patient = example("Patient-example.json")
    del patient["id"]
    condition = example("Condition-stroke.json")
    del condition["id"]
    request = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "medicationReference": {"reference": "urn:uuid:3c0c1a9a-0000-4000-8000-00000000000m"},
        "subject": {"reference": "urn:uuid:3c0c1a9a-0000-4000-8000-00000000000p"},
        "authoredOn": "2019-05-02",
    }
    medication = {
        "resourceType": "Medication",
        "code": {
            "coding": [
                {
                    "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                    "code": "855332",
                    "display": "Warfarin Sodium 5 MG Oral Tablet",
                }
            ]
        },
    }
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": f"urn:uuid:3c0c1a9a-0000-4000-8000-00000000000{suffix}",
                "resource": resource,
                "request": {"method": "POST", "url": resource["resourceType"]},
            }
            for suffix, resource in (
                ("p", patient),
                ("c", condition),
                ("r", request),
                ("m", medication),  # after the request that names it
            )
        ],
    }
    record = read_bundle(bundle, MEASURES)
    assert record.patient.id == "urn:uuid:3c0c1a9a-0000-4000-8000-00000000000p"
    assert record.patient.name == "Peter James Chalmers"
    assert record.conditions[0].ref == "urn:uuid:3c0c1a9a-0000-4000-8000-00000000000c"
    (warfarin,) = record.medications
    assert warfarin.ref == "urn:uuid:3c0c1a9a-0000-4000-8000-00000000000r"
    assert [(c.system, c.code) for c in warfarin.codings] == [("rxnorm", "855332")]
    assert warfarin.start == date(2019, 5, 2)


def test_searchset_uses_match_and_include_entries_and_skips_outcome() -> None:
    bundle = example("Bundle-bundle-example.json")  # MedicationRequest match + Medication include
    bundle["entry"].append(
        {"resource": example("Patient-example.json"), "search": {"mode": "include"}}
    )
    # an outcome entry: about the search, not the patient (a second "Patient" is ignored too)
    bundle["entry"].append(
        {"resource": example("Patient-pat1.json"), "search": {"mode": "outcome"}}
    )
    bundle["entry"] += example("Bundle-bundle-search-warning.json")["entry"]
    record = read_bundle(same_patient(bundle), MEASURES)
    assert record.patient.id == "example"
    assert [(m.ref, m.status) for m in record.medications] == [
        ("MedicationRequest/3123", "unknown")
    ]


def test_searchset_entry_with_a_mode_written_otherwise_is_read_never_dropped() -> None:
    # "Match" (or a mode of another shape) is still a result: only 'outcome' is skipped
    condition = example("Condition-f201.json")
    condition["clinicalStatus"] = {"coding": [{"code": "active"}]}
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {"resource": example("Patient-example.json"), "search": {"mode": "Include"}},
            {"resource": condition, "search": {"mode": "Match"}},
            {"resource": example("Patient-pat1.json"), "search": {"mode": " Outcome"}},
        ],
    }
    record = read_bundle(same_patient(bundle), MEASURES)
    assert record.patient.id == "example"
    assert [c.ref for c in record.conditions] == [
        "Condition/f201",
        "Condition/f201#evidence[0].code[0]",
        "Condition/f201#evidence[0].detail[0]",  # the reading it rests on, not held
    ]


def test_history_bundle_keeps_the_newest_version_and_honours_deletes() -> None:
    newest = example("Condition-f201.json")  # resolved
    older = example("Condition-f201.json")
    older["clinicalStatus"] = {"coding": [{"code": "active"}]}
    deleted = example("Condition-stroke.json")
    bundle = {
        "resourceType": "Bundle",
        "type": "history",
        "entry": [
            {"resource": example("Patient-example.json")},
            {"request": {"method": "DELETE", "url": "Condition/stroke"}},
            {"resource": newest, "request": {"method": "PUT", "url": "Condition/f201"}},
            {"resource": older, "request": {"method": "POST", "url": "Condition"}},
            {"resource": deleted, "request": {"method": "POST", "url": "Condition"}},
        ],
    }
    record = read_bundle(same_patient(bundle), MEASURES)
    assert [(c.ref, c.clinical_status) for c in record.conditions] == [
        ("Condition/f201", "resolved"),
        ("Condition/f201#evidence[0].code[0]", "resolved"),
        ("Condition/f201#evidence[0].detail[0]", "resolved"),
    ]


@pytest.mark.parametrize("meta", ["lastUpdated", "versionId"])
def test_a_history_written_oldest_first_keeps_the_version_its_dates_or_numbers_name(
    meta: str,
) -> None:
    """FHIR lists a history newest first; one written oldest first whose versions say when
    they were made (or their numbers) keeps the newest by them, not the first."""
    older = example("Condition-f201.json")
    older["clinicalStatus"] = {"coding": [{"code": "resolved"}]}
    newer = example("Condition-f201.json")
    newer["clinicalStatus"] = {"coding": [{"code": "active"}]}
    if meta == "lastUpdated":
        older["meta"] = {"lastUpdated": "2025-03-01T10:00:00Z"}
        newer["meta"] = {"lastUpdated": "2026-11-30T09:00:00+03:00"}
    else:
        older["meta"] = {"versionId": "9"}
        newer["meta"] = {"versionId": "10"}
    bundle = {
        "resourceType": "Bundle",
        "type": "history",
        "entry": [
            {"resource": example("Patient-example.json")},
            {"resource": older, "request": {"method": "POST", "url": "Condition"}},
            {"resource": newer, "request": {"method": "PUT", "url": "Condition/f201"}},
        ],
    }
    record = read_bundle(same_patient(bundle), MEASURES)
    assert [c.clinical_status for c in record.conditions if c.ref == "Condition/f201"] == ["active"]


def test_patient_demographics() -> None:
    record = read()
    assert record.patient.id == "example"
    assert record.patient.name == "Peter James Chalmers"  # the official name, not "Jim"
    assert record.patient.birth_date == date(1974, 12, 25)
    assert record.patient.sex == "male"
    synthea = read_bundle(
        SYNTHEA / "Abdul_Koepp_e925b0f3-8006-43f6-aa31-94bd215e55e7.json.gz", MEASURES
    )
    assert synthea.patient.language == "en-US"


def test_gzip_detected_by_magic_bytes_not_extension(tmp_path: Path) -> None:
    bundle = collection(example("Observation-blood-pressure.json"))
    gzipped = write(tmp_path, "bundle.json", gzip.compress(json.dumps(bundle).encode()))
    plain = write(tmp_path, "bundle.json.gz", bundle)
    for path in (gzipped, plain):
        record = read_bundle(path, MEASURES)
        assert record.source == str(path)
        assert len(record.observations) == 2


def test_bytes_and_str_paths_are_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "b.json", collection())
    assert read_bundle(path.read_bytes(), MEASURES).patient.id == "example"
    assert read_bundle(str(path), MEASURES).source == str(path)


def test_builder_takes_resources_one_at_a_time() -> None:
    builder = RecordBuilder(MEASURES, source="export/Observation.ndjson")
    builder.add(example("Observation-blood-pressure.json"))
    builder.add(example("Condition-f201.json"))
    builder.add(example("Patient-example.json"))
    builder.add({"resourceType": "Encounter", "id": "e1"})
    record = builder.build()
    assert record.source == "export/Observation.ndjson"
    # with its evidence, and the words of the reading it rests on (not held)
    assert (len(record.observations), len(record.conditions)) == (2, 3)


def test_synthea_provider_bundles_are_refused_as_holding_no_patient() -> None:
    providers = sorted(p for p in SYNTHEA.glob("*.json.gz") if p.name.startswith(PROVIDER_BUNDLES))
    assert len(providers) == 2
    for path in providers:
        with pytest.raises(RecordError) as caught:
            read_bundle(path, MEASURES)
        assert caught.value.source == str(path)
        assert "no Patient" in caught.value.message


# ----------------------------------------------------------------------------- bad input


def refused(path: Path, error: type[RecordError] = RecordError) -> RecordError:
    with pytest.raises(error) as caught:
        read_bundle(path, MEASURES)
    assert caught.value.source == str(path)
    assert path.name in caught.value.one_line()
    assert "\n" not in caught.value.one_line()
    return caught.value


def test_not_json_is_refused(tmp_path: Path) -> None:
    err = refused(write(tmp_path, "notes.json", b"Patient: Peter Chalmers\n"))
    assert err.message.startswith("not valid JSON")


def test_gzip_of_not_json_and_corrupt_gzip_are_refused(tmp_path: Path) -> None:
    assert refused(write(tmp_path, "a.gz", gzip.compress(b"<xml/>"))).message.startswith(
        "not valid JSON"
    )
    corrupt = gzip.compress(json.dumps(collection()).encode())[:40]
    assert "gzip" in refused(write(tmp_path, "b.json", corrupt)).message


@pytest.mark.parametrize("content", [[1, 2], {"patient": "x"}, "Bundle"])
def test_json_that_is_not_a_fhir_resource_is_refused(tmp_path: Path, content: Any) -> None:
    assert "not a FHIR resource" in refused(write(tmp_path, "data.json", content)).message


def test_a_resource_that_is_not_a_bundle_is_refused_naming_its_type() -> None:
    err = refused(EXAMPLES / "Patient-example.json")
    assert err.message == "not a Bundle: the file holds a Patient resource"


def test_a_bundle_with_no_patient_is_refused() -> None:
    # a search that found nothing but a warning: the warning is what it holds
    assert (
        refused(EXAMPLES / "Bundle-bundle-search-warning.json").message
        == "no Patient resource (found 1 OperationOutcome)"
    )
    assert "no Patient resource" in refused(EXAMPLES / "Bundle-bundle-example.json").message


def test_a_bundle_with_several_patients_is_refused_naming_their_ids() -> None:
    err = refused(EXAMPLES / "Bundle-bundle-transaction.json")
    assert err.message.startswith("5 Patient resources (")
    for pid in ("123", "123a", "urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a"):
        assert pid in err.message


def test_a_response_bundle_is_read_as_the_ehr_answered() -> None:
    """The official transaction-response example: its resources are read (its Patient, a
    search's Bundle); entries that only say a write or a read succeeded give nothing."""
    record = read_bundle(EXAMPLES / "Bundle-bundle-response.json", MEASURES)
    assert record.patient.id == "12423"
    assert record.ignored == []


@pytest.mark.parametrize("kind", ["searchset-response", ["collection"], 3])
def test_an_unknown_bundle_type_is_refused(tmp_path: Path, kind: Any) -> None:
    bundle = collection()
    bundle["type"] = kind
    assert "Bundle type" in refused(write(tmp_path, "kind.json", bundle)).message


def test_missing_file_is_refused(tmp_path: Path) -> None:
    assert "file not found" in refused(tmp_path / "absent.json").message


@pytest.mark.parametrize(
    ("field", "value"),
    [("onsetDateTime", "2012-13-45"), ("recordedDate", "05/24/2012"), ("onsetDateTime", 2012)],
)
def test_a_malformed_condition_date_is_set_aside_the_condition_kept(
    tmp_path: Path, field: str, value: Any
) -> None:
    condition = example("Condition-example.json")
    condition[field] = value
    record = read_bundle(write(tmp_path, "dates.json", collection(condition)), MEASURES)
    (kept,) = record.conditions
    assert kept.ref == "Condition/example"
    assert getattr(kept, "onset" if field == "onsetDateTime" else "recorded") is None


def test_a_malformed_observation_date_sets_that_reading_aside() -> None:
    observation = example("Observation-blood-pressure.json")
    observation["effectiveDateTime"] = "2012-09-17 10:00"
    record = read(observation)
    assert record.observations == []
    assert {i.measure for i in record.ignored} == {"systolic_bp", "diastolic_bp"}
    assert all(i.reason == "the date of measurement cannot be read" for i in record.ignored)


def test_unconvertible_unit_sets_that_reading_aside_not_the_record(tmp_path: Path) -> None:
    observation = example("Observation-body-temperature.json")
    observation["id"] = "abc"
    observation["valueQuantity"] = {"value": 3, "unit": "furlongs"}
    record = read_bundle(write(tmp_path, "units.json", collection(observation)), MEASURES)
    assert record.observations == []
    assert record.ignored == [
        Ignored(
            "Observation/abc",
            "value 3 in 'furlongs' cannot be converted to °C",
            "body_temperature",
            date(1999, 7, 2),  # the day it was taken: a newer reading cannot hide it
        )
    ]


@pytest.mark.parametrize(
    "value",
    [
        {"valueQuantity": {"value": "36.5", "unit": "Cel"}},
        {"valueQuantity": {"value": True, "unit": "Cel"}},
        {"valueQuantity": {"unit": "Cel"}},
    ],
)
def test_a_value_that_is_not_a_number_sets_that_reading_aside(
    tmp_path: Path, value: dict[str, Any]
) -> None:
    observation = example("Observation-body-temperature.json")
    del observation["valueQuantity"]
    observation.update(value)
    record = read_bundle(write(tmp_path, "values.json", collection(observation)), MEASURES)
    assert record.observations == []
    (ignored,) = record.ignored
    assert ignored.ref == "Observation/body-temperature"
    assert ignored.measure == "body_temperature"
    if "value" in value.get("valueQuantity", {"value": None}):
        assert "not a number" in ignored.reason
    else:  # no value at all
        assert ignored.reason == "no value"


@pytest.mark.parametrize(
    ("status", "read_as"),
    [
        ("active", "active"),  # FHIR STU3: the status as a plain string
        ({"coding": [{"system": "http://snomed.info/sct", "code": "55561003"}]}, "active"),
        ({"coding": [{"system": "http://snomed.info/sct", "code": "413322009"}]}, "resolved"),
        ({"coding": [{"code": "unknown"}]}, None),  # not understood: no status, not dropped
        ({"coding": [{"code": "1", "display": "Активное"}, {"code": "Active"}]}, "active"),
    ],
)
def test_clinical_statuses_as_records_write_them(status: Any, read_as: str | None) -> None:
    condition = example("Condition-example.json")
    condition["clinicalStatus"] = status
    (read_condition,) = read(condition).conditions
    assert read_condition.clinical_status == read_as


def test_a_coding_with_words_only_is_read_as_text() -> None:
    condition = example("Condition-example.json")
    condition["code"] = {"coding": [{"display": "Malignant neoplasm of breast"}]}
    (read_condition,) = read(condition).conditions
    assert read_condition.codings == ()
    assert read_condition.text == "Malignant neoplasm of breast"


def test_a_loinc_code_without_its_system_is_a_measure() -> None:
    observation = example("Observation-blood-pressure.json")
    for component in observation["component"]:
        for coding in component["code"]["coding"]:
            coding.pop("system", None)
    measures = {o.measure for o in read(observation).observations}
    assert measures == {"systolic_bp", "diastolic_bp"}


def test_yes_and_no_picked_from_a_coded_list_are_yes_and_no() -> None:
    response = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "authored": "2026-11-20",
        "item": [
            {"linkId": "saddle_anaesthesia", "answer": [{"valueCoding": {"code": "LA33-6"}}]},
            {"linkId": "fever_today", "answer": [{"valueCoding": {"code": "N"}}]},
        ],
    }
    answers = {a.question: a.value for a in read(response).answers}
    assert answers == {"saddle_anaesthesia": True, "fever_today": False}


def _shapes() -> list[tuple[str, dict[str, Any]]]:
    condition = example("Condition-example.json")
    observation = example("Observation-blood-pressure.json")
    cases: list[tuple[str, dict[str, Any]]] = []
    for field, value in [
        ("code", ["x"]),
        ("bodySite", [3]),
        ("clinicalStatus", 3),
    ]:
        broken = copy.deepcopy(condition)
        broken[field] = value
        cases.append(("Condition/example", broken))
    broken = copy.deepcopy(condition)
    broken["code"]["coding"][0] = "39065001"
    cases.append(("Condition/example", broken))
    broken = copy.deepcopy(observation)
    broken["component"][0] = "107 mmHg"
    cases.append(("Observation/blood-pressure", broken))
    broken = copy.deepcopy(observation)
    broken["component"][0]["valueQuantity"] = [107]
    cases.append(("Observation/blood-pressure", broken))
    patient = example("Patient-example.json")
    patient["name"] = "Peter"
    cases.append(("Patient/example", patient))
    return cases


@pytest.mark.parametrize(("ref", "resource"), _shapes())
def test_an_unexpected_shape_sets_that_resource_aside_naming_it(
    tmp_path: Path, ref: str, resource: dict[str, Any]
) -> None:
    entries = [{"resource": resource}]
    if resource["resourceType"] != "Patient":
        entries.insert(0, {"resource": example("Patient-example.json")})
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    path = write(tmp_path, "shapes.json", bundle)
    if resource["resourceType"] == "Patient":
        # without a readable patient there is no record: refused, naming the resource
        assert refused(path).message.startswith(f"{ref}: ")
        return
    # one odd resource never refuses the whole patient: it is set aside and listed
    record = read_bundle(path, MEASURES)
    # one entry, or one per measure it names (a blood-pressure panel: both readings
    # unknown where they would decide)
    asides = [i for i in record.ignored if i.ref == ref]
    assert asides
    assert {str(a.reason) for a in asides} == {"the entry cannot be read as it is written"}
    if ref == "Observation/blood-pressure":
        named = {a.measure for a in asides}
        assert named and named <= {"systolic_bp", "diastolic_bp"}
    assert not record.observations  # nothing of the odd reading is used


def test_a_list_written_as_one_object_or_a_site_as_words_is_read() -> None:
    """``"bodySite": {...}`` and ``"category": {...}`` (one object where FHIR has a list)
    mean what a list of that one means; a site written as a bare string is its words."""
    condition = example("Condition-example.json")
    condition["bodySite"] = {"text": "L1 vertebra"}
    condition["category"] = {"coding": [{"code": "problem-list-item"}]}
    (read_condition,) = read(condition).conditions
    assert [s.display for s in read_condition.body_sites] == ["L1 vertebra"]
    condition["bodySite"] = ["Lumbar spine"]
    (read_condition,) = read(condition).conditions
    assert [s.display for s in read_condition.body_sites] == ["Lumbar spine"]


def test_a_code_written_leniently_is_read() -> None:
    condition = example("Condition-example.json")
    condition["code"] = {"coding": {"system": "http://hl7.org/fhir/sid/icd-10", "code": "I50.9"}}
    bare = example("Condition-example.json") | {"id": "bare", "code": "Pulmonary embolism"}
    first, second = read(condition, bare).conditions
    assert [(c.system, c.code) for c in first.codings] == [("icd10", "I50.9")]
    assert second.text == "Pulmonary embolism"
    assert [(c.system, c.code) for c in second.codings] == [("unknown", "Pulmonary embolism")]


def test_a_set_aside_condition_keeps_its_words_to_confirm() -> None:
    condition = example("Condition-example.json")
    condition["code"]["coding"][0]["display"] = 7
    record = read(condition)
    assert [i.ref for i in record.ignored] == ["Condition/example"]
    (salvaged,) = record.conditions
    assert salvaged.text == "Burnt Ear"
    assert salvaged.clinical_status is None  # its statuses are not trusted


@pytest.mark.parametrize("entries", [{"resource": {}}, ["not an entry"], [{"resource": "Patient"}]])
def test_malformed_bundle_entries_are_refused(tmp_path: Path, entries: Any) -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    assert "entry" in refused(write(tmp_path, "entries.json", bundle)).message


def test_an_entry_resource_without_resource_type_is_refused(tmp_path: Path) -> None:
    bundle = collection({"id": "x", "status": "final"})
    assert "no resourceType" in refused(write(tmp_path, "typeless.json", bundle)).message


def test_a_number_written_as_text_is_read_and_other_values_are_set_aside(tmp_path: Path) -> None:
    observation = {
        "resourceType": "Observation",
        "id": "pain",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
        "effectiveDateTime": "2026-11-20T09:30:00+03:00",
        "valueString": "7",
    }
    record = read_bundle(write(tmp_path, "text.json", collection(observation)), MEASURES)
    assert [o.value for o in record.observations] == [7.0]
    assert record.observations[0].instant is not None
    temperature = example("Observation-body-temperature.json")
    del temperature["valueQuantity"]
    temperature["valueString"] = "38,1"  # a number, but in which unit: set aside
    record = read_bundle(write(tmp_path, "unitless.json", collection(temperature)), MEASURES)
    assert record.observations == []
    assert "has no unit" in record.ignored[0].reason
    temperature["valueString"] = "normal"
    record = read_bundle(write(tmp_path, "word.json", collection(temperature)), MEASURES)
    assert "not a number" in record.ignored[0].reason
    del temperature["valueString"]
    temperature["valueCodeableConcept"] = {"text": "normal"}
    record = read_bundle(write(tmp_path, "concept.json", collection(temperature)), MEASURES)
    assert record.observations == []
    assert record.ignored[0].measure == "body_temperature"


def test_the_intake_questionnaire_is_valid_fhir_and_its_responses_are_read(tmp_path: Path) -> None:
    from fhir.resources.R4B.questionnaire import Questionnaire

    from spinecare.core import reader_measures
    from spinecare.fhir.questionnaire import questionnaire
    from spinecare.kb import load_kb

    kb = load_kb()
    for lang in ("en", "ru"):
        form = questionnaire(kb, lang)
        Questionnaire.model_validate(form)
        links = {i["linkId"] for g in form["item"] for i in g["item"]}
        assert {q.id for q in kb.model.questions} | {m.id for m in kb.model.measures} <= links
    response = {
        "resourceType": "QuestionnaireResponse",
        "id": "qr1",
        "status": "completed",
        "authored": "2026-11-20T09:15:00Z",
        "item": [
            {
                "linkId": "red_flag",
                "item": [{"linkId": "saddle_anaesthesia", "answer": [{"valueBoolean": True}]}],
            },
            {"linkId": "systolic_bp", "answer": [{"valueDecimal": 150}]},
            {
                "linkId": "body_temperature",
                "answer": [{"valueQuantity": {"value": 100.4, "code": "[degF]"}}],
            },
        ],
    }
    record = read_bundle(collection(response), reader_measures(kb))
    assert [(a.question, a.value, str(a.when)) for a in record.answers] == [
        ("saddle_anaesthesia", True, "2026-11-20")
    ]
    assert sorted((o.measure, round(o.value, 1)) for o in record.observations) == [
        ("body_temperature", 38.0),
        ("systolic_bp", 150.0),
    ]
    # not finished: the yes is to confirm, the readings are set aside (each meets a
    # comparison the KB makes of its measure: the fever threshold, a hypertension grade)
    response["status"] = "in-progress"
    record = read_bundle(collection(response), reader_measures(kb))
    assert [(a.question, a.value) for a in record.answers] == [
        ("saddle_anaesthesia", "yes, on a form not finished: confirm")
    ]
    assert record.observations == []
    assert [i.measure for i in record.ignored] == [None, "systolic_bp", "body_temperature"]
    response["status"] = "entered-in-error"
    record = read_bundle(collection(response), reader_measures(kb))
    assert record.answers == [] and record.observations == []
    assert [i.reason for i in record.ignored] == ["the answers are not final"]


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("Temperature (°C)", "temperature"),
        ("  Platelet count ", "platelet count"),
        ("Тромбоциты (PLT)", "тромбоциты"),
        ("Pain Score 0-10", "pain score 0 10"),
        ("BP_Systolic [mm Hg]", "bp systolic"),
    ],
)
def test_a_measure_name_is_compared_without_case_brackets_or_punctuation(
    written: str, name: str
) -> None:
    assert measure_name(written) == name


@pytest.mark.parametrize(
    ("quantity", "unit_missing", "days"),
    [
        ({"value": 4, "code": "wk", "system": "http://unitsofmeasure.org"}, None, 28),
        ({"value": 4, "unit": "weeks"}, None, 28),
        ({"value": 28, "unit": "days", "code": "d"}, None, 28),
        ({"value": 2, "unit": "Wochen"}, None, 14),
        ({"value": 1, "code": "mo"}, None, 31),  # UCUM's month, 30.4375 days, rounded up
        ({"value": 1, "unit": "year"}, None, 366),
        ({"value": 72, "unit": "h"}, None, 3),
        ({"value": 2.5, "unit": "day(s)"}, None, 3),
        ({"value": 28}, "d", 28),  # daysSupply with no unit: days
        ({"value": 28}, None, None),  # a Duration must name its unit
        ({"value": 2, "unit": "packs"}, "d", None),  # no length of time
        ({"value": 30, "code": "258703001", "unit": "day"}, None, 30),  # the unit decides
        ({"value": 0, "code": "d"}, None, None),
        ({"value": "4", "code": "wk"}, None, None),
        ({"value": True, "code": "d"}, None, None),
        (None, "d", None),
        (30, "d", None),
    ],
)
def test_a_course_length_is_read_in_days_in_its_unit(
    quantity: object, unit_missing: str | None, days: int | None
) -> None:
    from spinecare.fhir.reader import duration_days

    assert duration_days(quantity, unit_missing) == days


@pytest.mark.parametrize(
    ("field", "reference"),
    [
        ("subject", "Patient/f201"),
        ("subject", "Patient/f201/_history/2"),
        ("subject", "https://ehr.example.org/fhir/Patient/f201"),
        ("patient", "Patient/f201"),
    ],
)
def test_a_resource_about_another_patient_is_refused(field: str, reference: str) -> None:
    """A Bundle holds one patient's record: a resource whose subject (or patient) is
    another patient is refused, never read as this patient's (their blood pressure would
    stand in for a missing one)."""
    temperature = example("Observation-f202.json")
    temperature["status"] = "final"
    temperature.pop("subject", None)
    temperature[field] = {"reference": reference}
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": example("Patient-example.json")}, {"resource": temperature}],
    }
    with pytest.raises(RecordError) as refused:
        read_bundle(bundle, MEASURES, source="mixed.json")
    assert "Observation/f202" in str(refused.value) and reference in str(refused.value)
    assert translate(refused.value.message, "ru") != str(refused.value.message)


@pytest.mark.parametrize(
    "reference",
    [
        "Patient/example",
        "https://ehr.example.org/fhir/Patient/example",
        "urn:uuid:7f4a3b2c-0000-4000-8000-000000000001",  # not in the Bundle: cannot tell
        "#contained",
        "Group/101",
    ],
)
def test_a_resource_about_the_patient_or_unknown_is_read(reference: str) -> None:
    temperature = example("Observation-f202.json")
    temperature["status"] = "final"
    temperature["subject"] = {"reference": reference}
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": example("Patient-example.json")}, {"resource": temperature}],
    }
    assert [o.ref for o in read_bundle(bundle, MEASURES).observations] == ["Observation/f202"]


def test_the_patient_is_known_by_its_full_url_too() -> None:
    """A Patient written without an id, whose entry's fullUrl is its address on the EHR:
    references to that address or to ``Patient/<id>`` are the patient's."""
    patient = example("Patient-example.json")
    del patient["id"]
    temperature = example("Observation-f202.json")
    temperature["status"] = "final"
    temperature["subject"] = {"reference": "Patient/3"}
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "https://ehr.example.org/fhir/Patient/3", "resource": patient},
            {"resource": temperature},
        ],
    }
    assert len(read_bundle(bundle, MEASURES).observations) == 1
    temperature["subject"] = {"reference": "Patient/4"}
    with pytest.raises(RecordError):
        read_bundle(bundle, MEASURES)


def test_a_resource_of_a_record_merged_into_the_patient_is_read() -> None:
    """After two records of one person are merged, the survivor's Patient links the
    other (``Patient.link``), and resources written before still name the other id."""
    patient = example("Patient-example.json")
    patient["link"] = [{"other": {"reference": "Patient/old-7"}, "type": "replaces"}]
    temperature = example("Observation-f202.json")
    temperature["status"] = "final"
    temperature["subject"] = {"reference": "Patient/old-7"}
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": patient}, {"resource": temperature}],
    }
    assert len(read_bundle(bundle, MEASURES).observations) == 1


def test_a_documents_sections_of_others_are_taken_out_once_nested_or_many() -> None:
    """A CDA family history section inside a problems section is taken out alone; many such
    sections, nested or not, are taken out in one pass (never a cut in the wrong place)."""
    from spinecare.fhir.reader import _others_sections_out

    text = (
        "<a><section><code code='11450-4'/><title>Problems</title><text>x</text>"
        "<section><code code='10157-6'/><text>dad MI</text></section><text>y</text></section>"
        "<section><title>Family history</title><text>mom</text></section>z</a>"
    )
    kept = _others_sections_out(text)
    assert "dad" not in kept and "mom" not in kept
    assert "<text>x</text>" in kept and "<text>y</text>" in kept and kept.endswith("z</a>")
    many = "<section><code code='10157-6'/>" * 3000 + "</section>" * 3000 + "rest"
    assert _others_sections_out(many).strip() == "rest"


@pytest.mark.parametrize(
    "activity",
    [
        "x",
        {"detail": {"code": {"coding": ["x"]}}},
        {"detail": {"status": 5}},
        {"detail": {"description": 5}},
        {"detail": {"reasonCode": "x"}},
    ],
)
def test_a_care_plan_activity_of_another_shape_is_passed_over_not_the_plan(activity) -> None:
    """A care plan whose one activity is written wrong still says what it says (its
    description naming cauda equina syndrome): the activity is passed over."""
    plan = {
        "resourceType": "CarePlan",
        "id": "cp",
        "status": "active",
        "intent": "plan",
        "subject": {"reference": "Patient/p1"},
        "description": "Management of cauda equina syndrome",
        "activity": [activity],
    }
    record = read(plan)
    assert any("cauda equina" in (c.text or "") for c in record.conditions)


def test_a_patient_written_twice_with_two_birth_dates_has_its_birth_date_to_confirm() -> None:
    """Two versions of one Patient in a Bundle giving two birth dates: none is used (the
    first was, in silence) and the screening asks for it, saying why."""
    from spinecare.core import load_kb, reader_measures
    from spinecare.engine.screening import screen_record

    kb = load_kb()
    entries = [
        {"resource": {"resourceType": "Patient", "id": "p", "birthDate": "1970-03-14"}},
        {
            "resource": {
                "resourceType": "Patient",
                "id": "p",
                "meta": {"versionId": "2"},
                "birthDate": "2008-01-01",
            }
        },
        {
            "resource": {
                "resourceType": "Condition",
                "subject": {"reference": "Patient/p"},
                "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "M54.5"}]},
            }
        },
    ]
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    record = read_bundle(bundle, reader_measures(kb))
    assert record.patient.birth_date is None
    screening = screen_record(record, kb, date(2026, 11, 20))
    (missing,) = [m for m in screening.missing if m.item == "birth_date"]
    assert "two birth dates" in missing.why and "2008" in missing.why


def test_a_history_version_number_of_another_script_is_no_number() -> None:
    """A versionId such as "²" (a digit to Python, no number to int) is read as no number
    (it stopped the reading with an internal error)."""
    older = example("Condition-f201.json")
    older["meta"] = {"versionId": "²"}
    newer = example("Condition-f201.json")
    newer["meta"] = {"versionId": "3"}
    bundle = {
        "resourceType": "Bundle",
        "type": "history",
        "entry": [
            {"resource": example("Patient-example.json")},
            {"resource": newer, "request": {"method": "PUT", "url": "Condition/f201"}},
            {"resource": older, "request": {"method": "POST", "url": "Condition"}},
        ],
    }
    record = read_bundle(same_patient(bundle), MEASURES)
    assert [c.ref for c in record.conditions if c.ref == "Condition/f201"] == ["Condition/f201"]


def test_a_reading_that_is_no_finite_number_is_set_aside_never_used(tmp_path: Path) -> None:
    """A Bundle written as YAML may hold ``.nan`` or ``.inf`` (JSON cannot): such a
    reading passed every comparison as false (no range, no threshold) and gave
    ``allowed``; it is set aside, said so, and the measure is missing."""
    from spinecare import screen

    fixture = Path(__file__).parents[1] / "fixtures/ehr/observed_saddle_numbness_absent.json"
    bundle = json.loads(fixture.read_text())
    text = (
        json.dumps(bundle)
        .replace('"value": 120', '"value": "NAN"')
        .replace('"value": 36.6', '"value": "INF"')
    )
    source = tmp_path / "bundle.yaml"
    source.write_text(text.replace('"NAN"', ".nan").replace('"INF"', ".inf"), encoding="utf-8")
    result = screen(source, as_of=date(2026, 11, 20)).to_json()
    assert result["verdict"] == "needs_data"
    assert {m["item"] for m in result["missing"]} >= {"blood_pressure", "body_temperature"}
    said = json.dumps(result, ensure_ascii=False)
    assert "the value is not a finite number" in said and "NaN" not in said


@pytest.mark.parametrize(
    ("text", "readings"),
    [
        ("T 37.1 P 76 R 18 BP 192/118 SpO2 98%", [("BP", "192/118")]),
        ("O: T: 37.1 P: 76 BP: 192/118", [("BP", "192/118")]),
        ("Temp 98.6 F HR 96 BP 150/90", [("Temp", "98.6 F"), ("BP", "150/90")]),
        ("BP 192/118 mm Hg HR 88 Temp 38.2 °C", [("BP", "192/118 mm Hg"), ("Temp", "38.2 °C")]),
        ("Blood pressure 192/118 Temp 36.6", [("Blood pressure", "192/118"), ("Temp", "36.6")]),
        ("АД 190/115 ЧСС 84 температура 36,6", [("АД", "190/115"), ("температура", "36,6")]),
        ("BP 192/118 mmHg, HR 88, Temp 36.7 °C", [("BP", "192/118 mmHg"), ("Temp", "36.7 °C")]),
        ("Fracture of T12 L1 noted 2 weeks ago", []),
        # a word that goes on the reading before it stays with it
        ("BP 128/82 mmHg repeat 185/112 mmHg", [("BP", "128/82 mmHg repeat 185/112 mmHg")]),
        ("BP 190/110 standing 185/112", [("BP", "190/110 standing 185/112")]),
    ],
)
def test_readings_written_one_after_another_are_read_apart(
    text: str, readings: list[tuple[str, str]]
) -> None:
    from spinecare.core import reader_measures
    from spinecare.fhir.reader import _readings_in_text
    from spinecare.kb import load_kb

    found = _readings_in_text({"valueString": text}, reader_measures(load_kb()))
    assert [(part["code"]["text"], part["valueString"]) for part in found] == readings


def _screened(tmp_path: Path, resource: dict[str, Any]) -> dict[str, Any]:
    """The screening (JSON) on 2026-11-20 of a patient born 1970 with one ``resource``."""
    from spinecare import screen

    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "p1", "birthDate": "1970-01-01"}},
            {"resource": {"subject": {"reference": "Patient/p1"}, **resource}},
        ],
    }
    path = tmp_path / "record.json"
    path.write_text(json.dumps(bundle))
    return screen(path, as_of="2026-11-20").to_json()


def _listed_aside(result: dict[str, Any]) -> list[str]:
    return [u["label"] for u in result["not_used"] if u["kind"] == "set_aside"]


def test_a_document_longer_than_is_read_is_listed_as_read_in_part(tmp_path: Path) -> None:
    import base64

    from spinecare.kb.text import TEXT_CHARS

    text = "Routine review, stable. " * (TEXT_CHARS // 24 + 10) + "New saddle anaesthesia."
    attachment = {"contentType": "text/plain", "title": "Clinic letter"}
    attachment["data"] = base64.b64encode(text.encode()).decode()
    document = {
        "resourceType": "DocumentReference",
        "id": "d1",
        "status": "current",
        "date": "2026-11-19T10:00:00Z",
        "content": [{"attachment": attachment}],
    }
    result = _screened(tmp_path, document)
    # what stands after the part read is not read: the document says so, in the list of
    # what the screening did not use ("read the rest in the chart")
    assert not any(f["concept"] == "cauda_equina" for f in result["findings"])
    assert _listed_aside(result) == [
        "Clinic letter: a document too long to read in full: only its beginning was read;"
        " read the rest in the chart"
    ]


def test_a_text_longer_than_is_read_is_listed_as_read_in_part(tmp_path: Path) -> None:
    from spinecare.kb.text import TEXT_CHARS

    conclusion = "Stable appearances. " * (TEXT_CHARS // 20 + 10) + "Cauda equina syndrome."
    report = {
        "resourceType": "DiagnosticReport",
        "id": "r1",
        "status": "final",
        "code": {"text": "MRI lumbar spine"},
        "effectiveDateTime": "2026-11-19",
        "conclusion": conclusion,
    }
    assert _listed_aside(_screened(tmp_path, report)) == [
        "a text too long to read in full: only its beginning was read; read the rest in the chart"
    ]


def test_an_inr_written_with_unity_is_shown_as_the_number_alone(tmp_path: Path) -> None:
    from spinecare.i18n import quantity

    reading = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "6301-6"}]},
        "effectiveDateTime": "2026-11-19",
        "valueQuantity": {"value": 3.04, "unit": "1"},
    }
    result = _screened(tmp_path, reading)
    found = next(f for f in result["findings"] if f["rule"] == "inr_above_range")
    (evidence,) = found["evidence"]
    # the number alone, never a score out of ten
    assert "/10" not in json.dumps(evidence) and not evidence.get("note")
    # shown as taken (two decimals), never cut to a value that is not above 3.0
    assert quantity(evidence["value"], evidence["unit"], "en") == "3.04"


def _lab(code: dict[str, Any], value: float, unit: str) -> dict[str, Any]:
    """A laboratory result of 2026-11-19 under ``code``."""
    quantity = {"value": value, "unit": unit}
    return {"resourceType": "Observation", "id": "o1", "status": "final", "code": code,
            "effectiveDateTime": "2026-11-19", "valueQuantity": quantity}  # fmt: skip


def _loinc(code: str) -> dict[str, Any]:
    return {"coding": [{"system": "http://loinc.org", "code": code}]}


@pytest.mark.parametrize(
    ("unit", "value", "decides"),
    [
        ("mL/min/{1.73_m2}", 12, True),
        ("mL/min", 24, True),  # as Synthea and many laboratories write an eGFR's unit
        ("mL/min/1.73m2", 29, True),
        ("ml/min/1,73 m²", 29, True),
        ("мл/мин/1,73 м²", 14, True),
        ("mL/min/{1.73_m2}", 30, False),  # the threshold itself: G3b, not below 30
        ("mL/min/{1.73_m2}", 85, False),
    ],
)
def test_an_egfr_below_30_is_kidney_failure_in_any_unit_spelling(
    tmp_path: Path, unit: str, value: float, decides: bool
) -> None:
    result = _screened(tmp_path, _lab(_loinc("33914-3"), value, unit))
    rules = {f["rule"]: f["certainty"] for f in result["findings"]}
    assert rules.get("organ_decompensation") == ("present" if decides else None)
    assert "egfr" not in [m["item"] for m in result["missing"]]


@pytest.mark.parametrize("name", ["eGFR", "GFR", "СКФ", "рСКФ", "DFG", "TFG", "eGFR (CKD-EPI)"])
def test_an_egfr_named_only_in_words_is_to_confirm(tmp_path: Path, name: str) -> None:
    local = {"coding": [{"system": "urn:oid:1.2.3.4", "code": "77"}], "text": name}
    result = _screened(tmp_path, _lab(local, 12, "mL/min/1.73m2"))
    rules = {f["rule"]: f["certainty"] for f in result["findings"]}
    assert rules.get("organ_decompensation") == "unknown"
    assert "egfr" in [m["item"] for m in result["missing"]]


def test_no_egfr_and_a_creatinine_ask_for_nothing(tmp_path: Path) -> None:
    result = _screened(tmp_path, _lab(_loinc("2160-0"), 5.2, "mg/dL"))
    assert "egfr" not in [m["item"] for m in result["missing"]]
    assert "organ_decompensation" not in {f["rule"] for f in result["findings"]}


@pytest.mark.parametrize(
    ("text", "readings"),
    [
        ("HR 88, T° 39,2 °C", [("T°", "39,2 °C")]),
        ("HR 88, Tª 39,2 ºC", [("Tª", "39,2 ºC")]),
        ("HR 88, T 39.2 C", [("T", "39.2 C")]),
        ("HR 88, t 39,2°", [("t", "39,2°")]),
        ("HR 88, t° 38.5", [("t°", "38.5")]),
        ("HR 88, Т° 39,2", [("Т°", "39,2")]),
        # a bare "T" before a number without a unit or a degree sign is no temperature
        ("T 39 P 76 R 18", []),
        ("Fracture T 12", []),
        ("t 12 mmHg", []),
    ],
)
def test_a_short_temperature_name_is_read_only_with_a_degree_or_its_unit(
    text: str, readings: list[tuple[str, str]]
) -> None:
    from spinecare.core import reader_measures
    from spinecare.fhir.reader import _readings_in_text
    from spinecare.kb import load_kb

    found = _readings_in_text({"valueString": text}, reader_measures(load_kb()))
    assert [(part["code"]["text"], part["valueString"]) for part in found] == readings
