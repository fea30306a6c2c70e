"""A needs_clearance card proposes the request that fits the findings to clear: a neurology
consultation for a disc herniation alone, a physician's review for anything else."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import massage_order

SIGN = "/cds-services/spinecare-order-sign"
ACTIVE = {
    "coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}
    ]
}


def _condition(rid: str, system: str, code: str, display: str) -> dict[str, Any]:
    return {
        "resource": {
            "resourceType": "Condition",
            "id": rid,
            "subject": {"reference": "Patient/p1"},
            "clinicalStatus": ACTIVE,
            "code": {"coding": [{"system": system, "code": code, "display": display}]},
            "onsetDateTime": "2026-01-10",
        }
    }


def _reading(rid: str, code: str, value: float, unit: str) -> dict[str, Any]:
    return {
        "resource": {
            "resourceType": "Observation",
            "id": rid,
            "status": "final",
            "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "effectiveDateTime": "2026-11-20",
            "valueQuantity": {
                "value": value,
                "unit": unit,
                "system": "http://unitsofmeasure.org",
                "code": unit,
            },
        }
    }


HERNIATION = _condition("h", "http://hl7.org/fhir/sid/icd-10", "M51.2", "Lumbar disc herniation")
HEART = _condition(
    "af", "http://hl7.org/fhir/sid/icd-10", "I48.0", "Paroxysmal atrial fibrillation"
)


def _sign(templates: dict[str, str], *conditions: dict[str, Any]) -> dict[str, Any]:
    prefetch: dict[str, Any] = dict.fromkeys(templates)
    prefetch["patient"] = {"resourceType": "Patient", "id": "p1", "birthDate": "1970-01-01"}
    prefetch["conditions"] = {"resourceType": "Bundle", "entry": list(conditions)}
    bp = {
        "resourceType": "Observation",
        "id": "bp",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
        "effectiveDateTime": "2026-11-20",
        "component": [
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                "valueQuantity": {"value": 120, "unit": "mm[Hg]", "code": "mm[Hg]"},
            },
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
                "valueQuantity": {"value": 80, "unit": "mm[Hg]", "code": "mm[Hg]"},
            },
        ],
    }
    prefetch["systolic_bp"] = prefetch["diastolic_bp"] = {
        "resourceType": "Bundle",
        "entry": [{"resource": bp}],
    }
    prefetch["body_temperature"] = {
        "resourceType": "Bundle",
        "entry": [_reading("t", "8310-5", 36.6, "Cel")],
    }
    prefetch["pain_score"] = {
        "resourceType": "Bundle",
        "entry": [_reading("pain", "72514-3", 2, "{score}")],
    }
    return {
        "hook": "order-sign",
        "hookInstance": "referral",
        "context": {
            "userId": "Practitioner/1",
            "patientId": "p1",
            "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": massage_order("p1")}]},
        },
        "prefetch": prefetch,
        "extension": {"org.spinecare.as-of": "2026-11-20"},
    }


def _proposed(client, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(SIGN, json=body)
    assert response.status_code == 200, response.text[:300]
    (card,) = response.json()["cards"]
    assert card["summary"].startswith("Needs physician clearance"), card["summary"]
    (suggestion,) = card["suggestions"]
    (action,) = suggestion["actions"]
    return dict(action["resource"])


@pytest.mark.parametrize(
    ("conditions", "neurology"),
    [
        pytest.param((HERNIATION,), True, id="herniation"),
        pytest.param((HEART,), False, id="heart"),
        pytest.param((HERNIATION, HEART), False, id="both"),
    ],
)
def test_the_proposed_request_fits_the_findings(
    client, templates, conditions: tuple[dict[str, Any], ...], neurology: bool
) -> None:
    request = _proposed(client, _sign(templates, *conditions))
    codes = [c["code"] for c in request["code"].get("coding", [])]
    if neurology:
        assert codes == ["306206005"]
    else:
        assert codes == [] and "physician" in request["code"]["text"].lower()
    assert request["reasonCode"]
