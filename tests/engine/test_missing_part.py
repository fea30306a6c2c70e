"""A missing item that groups several measures (a blood pressure's systolic and diastolic)
names the one missing where the other was measured: "Nothing recorded within 30 days"
beside a systolic reading of yesterday contradicted the facts shown."""

from __future__ import annotations

from datetime import date
from typing import Any

from spinecare.core import reader_measures
from spinecare.engine.screening import screen_record
from spinecare.fhir.reader import read_bundle

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def _reading(code: str, value: float, unit: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-12-06",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
    }


def _why(kb: Any, *readings: dict[str, Any], lang: str = "en") -> str:
    patient = {"resourceType": "Patient", "id": "p1", "birthDate": "1970-03-14"}
    data = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in (patient, _reading("8310-5", 36.6, "Cel"), *readings)],
    }
    screening = screen_record(read_bundle(data, reader_measures(kb)), kb, date(2026, 12, 7), lang)
    (item,) = [m for m in screening.missing if m.item == "blood_pressure"]
    return item.why


def test_a_systolic_reading_alone_names_the_diastolic_as_missing(kb: Any) -> None:
    systolic = _reading("8480-6", 120, "mm[Hg]")
    assert "Diastolic blood pressure: nothing recorded within 30 days." in _why(kb, systolic)
    assert "Диастолическое давление: нет данных" in _why(kb, systolic, lang="ru")
    diastolic = _reading("8462-4", 80, "mm[Hg]")
    assert "Systolic blood pressure: nothing recorded within 30 days." in _why(kb, diastolic)


def test_no_reading_at_all_names_no_part(kb: Any) -> None:
    why = _why(kb)
    assert "Nothing recorded within 30 days." in why
    assert "Systolic blood pressure:" not in why and "Diastolic blood pressure:" not in why
