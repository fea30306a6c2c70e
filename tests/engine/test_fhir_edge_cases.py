"""Screening edge cases built from the official FHIR R4 examples (shared/data/fhir-examples)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from spinecare import screen
from spinecare.core import load_record
from tests.fhir.test_reader import same_patient

PATIENT = {"resourceType": "Patient", "id": "edge"}


def example(data: Path, name: str) -> dict[str, Any]:
    resource: dict[str, Any] = json.loads((data / "fhir-examples" / name).read_text())
    return resource


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return same_patient(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": r} for r in (PATIENT, *resources)],
        }
    )


def vitals(day: str) -> list[dict[str, Any]]:
    """A normal blood pressure panel and temperature on ``day``."""
    loinc = "http://loinc.org"
    return [
        {
            "resourceType": "Observation",
            "id": "bp",
            "status": "final",
            "code": {"coding": [{"system": loinc, "code": "85354-9"}]},
            "effectiveDateTime": day,
            "component": [
                {
                    "code": {"coding": [{"system": loinc, "code": "8480-6"}]},
                    "valueQuantity": {"value": 118, "unit": "mmHg", "code": "mm[Hg]"},
                },
                {
                    "code": {"coding": [{"system": loinc, "code": "8462-4"}]},
                    "valueQuantity": {"value": 76, "unit": "mmHg", "code": "mm[Hg]"},
                },
            ],
        },
        {
            "resourceType": "Observation",
            "id": "temp",
            "status": "final",
            "code": {"coding": [{"system": loinc, "code": "8310-5"}]},
            "effectiveDateTime": day,
            "valueQuantity": {"value": 36.7, "unit": "C", "code": "Cel"},
        },
    ]


def test_family_history_is_not_the_patients_condition(shared_data: Path, kb) -> None:
    family = example(shared_data, "Condition-family-history.json")
    result = screen(bundle(family, *vitals("2026-11-20")), "2026-11-20", kb=kb)
    assert result.verdict == "allowed"
    record = load_record(bundle(family), kb)
    assert record.ignored and "family" in record.ignored[0].reason.lower()


def test_resolved_fever_does_not_count(shared_data: Path, kb) -> None:
    fever = example(shared_data, "Condition-f201.json")  # resolved, abatementString
    assert fever["clinicalStatus"]["coding"][0]["code"] == "resolved"
    result = screen(bundle(fever, *vitals("2026-11-20")), "2026-11-20", kb=kb)
    assert "fever" not in result.present_concepts
    assert result.verdict == "allowed"
    active = dict(fever, clinicalStatus={"coding": [{"code": "active"}]})
    active.pop("abatementString", None)
    result = screen(bundle(active, *vitals("2026-11-20")), "2026-11-20", kb=kb)
    assert result.verdict == "defer" and "fever" in result.present_concepts


def test_resolved_malignancy_is_a_history_of_cancer(shared_data: Path, kb) -> None:
    cancer = example(shared_data, "Condition-f202.json")  # resolved malignant neoplasm
    result = screen(bundle(cancer, *vitals("2026-11-20")), "2026-11-20", kb=kb)
    assert "oncology" not in result.present_concepts
    assert result.verdict == "needs_clearance"
    assert "history_of_cancer" in result.present_concepts


def test_active_lung_cancer_example_is_contraindicated(shared_data: Path, kb) -> None:
    cancer = example(shared_data, "Condition-f002.json")
    result = screen(bundle(cancer, *vitals("2026-11-20")), "2026-11-20", kb=kb)
    assert result.verdict == "contraindicated"


@pytest.mark.parametrize("name", ["Observation-blood-pressure-cancel.json"])
def test_cancelled_blood_pressure_is_ignored_and_stays_missing(
    shared_data: Path, kb, name: str
) -> None:
    cancelled = example(shared_data, name)
    assert cancelled["status"] == "cancelled"
    day = cancelled.get("effectiveDateTime", "2012-09-17")[:10]
    result = screen(bundle(cancelled), day, kb=kb)
    assert "blood_pressure" in [m.item for m in result.missing]
    assert result.verdict == "needs_data"


def test_entered_in_error_observation_is_ignored(shared_data: Path, kb) -> None:
    good = example(shared_data, "Observation-blood-pressure.json")
    wrong = dict(good, id="wrong", status="entered-in-error")
    day = good["effectiveDateTime"][:10]
    only_wrong = screen(bundle(wrong), day, kb=kb)
    assert "blood_pressure" in [m.item for m in only_wrong.missing]
    with_good = screen(bundle(good, wrong), day, kb=kb)
    assert "blood_pressure" not in [m.item for m in with_good.missing]


def test_body_temperature_example_decides_the_fever_rule(shared_data: Path, kb) -> None:
    temperature = example(shared_data, "Observation-body-temperature.json")
    day = temperature["effectiveDateTime"][:10]
    result = screen(bundle(temperature), day, kb=kb)
    assert "body_temperature" not in [m.item for m in result.missing]
    fever = next((f for f in result.findings if f.concept == "fever"), None)
    value = temperature["valueQuantity"]["value"]
    assert (fever is not None) == (value >= 37.5)


def test_blood_pressure_panel_example_is_read(shared_data: Path, kb) -> None:
    panel = example(shared_data, "Observation-blood-pressure.json")
    day = panel["effectiveDateTime"][:10]
    result = screen(bundle(panel), day, kb=kb)
    assert "blood_pressure" not in [m.item for m in result.missing]


def test_refuted_and_entered_in_error_conditions_do_not_count(kb) -> None:
    cancer = {
        "resourceType": "Condition",
        "id": "c",
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "C50.9"}]},
    }
    for status in ("refuted", "entered-in-error"):
        refuted = dict(cancer, verificationStatus={"coding": [{"code": status}]})
        result = screen(bundle(refuted, *vitals("2026-11-20")), "2026-11-20", kb=kb)
        assert result.verdict == "allowed", status
    active = screen(bundle(cancer, *vitals("2026-11-20")), "2026-11-20", kb=kb)
    assert active.verdict == "contraindicated"


def test_icd10_with_and_without_dot_in_fhir(kb) -> None:
    for code in ("M51.16", "M5116"):
        hernia = {
            "resourceType": "Condition",
            "id": "h",
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code}]},
        }
        result = screen(bundle(hernia, *vitals("2026-11-20")), "2026-11-20", kb=kb)
        assert "disc_herniation" in result.indications, code
