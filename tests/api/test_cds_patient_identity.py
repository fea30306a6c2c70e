"""Whose data a CDS Hooks prefetch holds: the patient's (its own id, a version of it, a
record merged into it), read; another patient's, refused."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conftest import make_client

VIEW = "/cds-services/spinecare-patient-view"
CANCER = {
    "resourceType": "Condition",
    "id": "c1",
    "clinicalStatus": {
        "coding": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": "active",
            }
        ]
    },
    "code": {
        "coding": [
            {
                "system": "http://snomed.info/sct",
                "code": "363346000",
                "display": "Malignant neoplastic disease",
            }
        ]
    },
}
PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "birthDate": "1970-01-01",
    "gender": "female",
    "name": [{"family": "Test", "given": ["Ann"]}],
}


@pytest.fixture(scope="module")
def api():
    return make_client(cds_jwt_required=False)


def _view(templates: dict[str, str], patient: dict[str, Any], *entries: Any) -> dict[str, Any]:
    prefetch: dict[str, Any] = dict.fromkeys(templates)
    prefetch["patient"] = patient
    prefetch["conditions"] = {"resourceType": "Bundle", "type": "searchset", "entry": list(entries)}
    return {
        "hook": "patient-view",
        "hookInstance": "identity",
        "context": {"userId": "Practitioner/1", "patientId": "p1"},
        "prefetch": prefetch,
        "extension": {"org.spinecare.as-of": "2026-12-01"},
    }


def _cancer(subject: str) -> dict[str, Any]:
    return {"resource": {**copy.deepcopy(CANCER), "subject": {"reference": subject}}}


@pytest.mark.parametrize(
    ("patient", "subject"),
    [
        pytest.param(PATIENT, "Patient/p1/_history/1", id="versioned"),
        pytest.param(PATIENT, "https://ehr.example.org/fhir/Patient/p1/_history/3", id="full"),
        pytest.param(
            {**PATIENT, "link": [{"other": {"reference": "Patient/old"}, "type": "replaces"}]},
            "Patient/old",
            id="merged",
        ),
    ],
)
def test_the_patients_own_references_are_read(
    api, templates, patient: dict[str, Any], subject: str
) -> None:
    response = api.post(VIEW, json=_view(templates, patient, _cancer(subject)))
    assert response.status_code == 200, response.text[:300]
    (card,) = response.json()["cards"]
    assert card["summary"].startswith("Contraindicated")


def test_another_patients_reference_is_refused(api, templates) -> None:
    response = api.post(VIEW, json=_view(templates, PATIENT, _cancer("Patient/p2/_history/1")))
    assert response.status_code == 400
    assert "another patient" in response.json()["error"]["message"]


def test_a_second_patient_in_the_prefetch_is_refused(api, templates) -> None:
    """An entry that names another Patient of the prefetch by its fullUrl would be read as
    the patient's (a normal blood pressure hiding the patient's 190/120): refused."""
    other = {
        "fullUrl": "urn:uuid:aaaaaaaa-0000-0000-0000-000000000001",
        "resource": {"resourceType": "Patient", "id": "p2", "name": [{"family": "Other"}]},
        "search": {"mode": "include"},
    }
    theirs = _cancer("urn:uuid:aaaaaaaa-0000-0000-0000-000000000001")
    response = api.post(VIEW, json=_view(templates, PATIENT, theirs, other))
    assert response.status_code == 400
    assert "Patient/p2" in response.json()["error"]["message"]
    # the patient itself, included beside its entries, is not another patient
    own = {"resource": PATIENT, "search": {"mode": "include"}}
    response = api.post(VIEW, json=_view(templates, PATIENT, _cancer("Patient/p1"), own))
    assert response.status_code == 200, response.text[:300]


def test_a_second_patient_without_an_id_is_refused(api, templates) -> None:
    """A Patient with no id whose fullUrl other entries name is someone else: refused, as
    one with another id is (its entries were read as the patient's)."""
    stranger = {
        "fullUrl": "urn:uuid:aaaaaaaa-0000-0000-0000-000000000002",
        "resource": {"resourceType": "Patient", "name": [{"family": "Stranger"}]},
    }
    theirs = _cancer("urn:uuid:aaaaaaaa-0000-0000-0000-000000000002")
    response = api.post(VIEW, json=_view(templates, PATIENT, theirs, stranger))
    assert response.status_code == 400
    assert "another patient" in response.json()["error"]["message"]
    # with no fullUrl, or one naming the patient, it is the patient
    own = {
        "fullUrl": "https://ehr.example.org/fhir/Patient/p1",
        "resource": {"resourceType": "Patient"},
    }
    response = api.post(VIEW, json=_view(templates, PATIENT, _cancer("Patient/p1"), own))
    assert response.status_code == 200, response.text[:300]
