"""The REST API, the FHIR operation and CDS Hooks cards answer in the language the request
asks for (``lang``, else ``Accept-Language``, as their errors); the FHIR operation takes
the parameters its OperationDefinition declares, refuses a body of another FHIR version,
and names its sources in the answer's language."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import make_client

OP = "/fhir/Patient/$massage-screening"
FHIR = {"Content-Type": "application/fhir+json"}
CANCER_RECORD: dict[str, Any] = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [
        {
            "resource": {
                "resourceType": "Patient",
                "id": "p1",
                "birthDate": "1970-01-01",
                "gender": "female",
                "name": [{"family": "Test", "given": ["Ann"]}],
            }
        },
        {
            "resource": {
                "resourceType": "Condition",
                "id": "c1",
                "subject": {"reference": "Patient/p1"},
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
        },
    ],
}


def _cyrillic(text: str) -> bool:
    return any("а" <= ch.lower() <= "я" for ch in text)


@pytest.fixture(scope="module")
def api():
    return make_client(cds_jwt_required=False)


def _issues(response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text[:300]
    entries = response.json()["entry"]
    return [e["resource"] for e in entries if e["resource"]["resourceType"] == "DetectedIssue"]


def test_the_rest_api_answers_in_the_accepted_language(api) -> None:
    russian = {"Accept-Language": "ru-RU,ru;q=0.9"}
    found = api.post("/api/screen?as_of=2026-12-01", json=CANCER_RECORD, headers=russian).json()
    assert _cyrillic(found["findings"][0]["reason"])
    asked = api.post(
        "/api/screen?as_of=2026-12-01&lang=en", json=CANCER_RECORD, headers=russian
    ).json()
    assert not _cyrillic(asked["findings"][0]["reason"])


def test_the_fhir_operation_answers_in_the_accepted_language(api) -> None:
    headers = {**FHIR, "Accept-Language": "ru"}
    (issue, *_) = _issues(api.post(f"{OP}?asOf=2026-12-01", json=CANCER_RECORD, headers=headers))
    assert issue["language"] == "ru" and _cyrillic(issue["detail"])
    (issue, *_) = _issues(
        api.post(f"{OP}?asOf=2026-12-01&lang=en", json=CANCER_RECORD, headers=headers)
    )
    assert issue["language"] == "en" and not _cyrillic(issue["detail"])


def test_a_card_answers_in_the_accepted_language(api, templates) -> None:
    prefetch: dict[str, Any] = dict.fromkeys(templates)
    prefetch["patient"] = CANCER_RECORD["entry"][0]["resource"]
    prefetch["conditions"] = {"resourceType": "Bundle", "entry": [CANCER_RECORD["entry"][1]]}
    body = {
        "hook": "patient-view",
        "hookInstance": "lang",
        "context": {"userId": "Practitioner/1", "patientId": "p1"},
        "prefetch": prefetch,
        "extension": {"org.spinecare.as-of": "2026-12-01"},
    }
    (card,) = api.post(
        "/cds-services/spinecare-patient-view", json=body, headers={"Accept-Language": "ru"}
    ).json()["cards"]
    assert _cyrillic(card["summary"])
    body["extension"]["org.spinecare.lang"] = "en"
    (card,) = api.post(
        "/cds-services/spinecare-patient-view", json=body, headers={"Accept-Language": "ru"}
    ).json()["cards"]
    assert not _cyrillic(card["summary"])


def test_the_declared_parameters_are_taken(api) -> None:
    definition = api.get("/fhir/OperationDefinition/massage-screening").json()
    declared = {p["name"] for p in definition["parameter"] if p["use"] == "in"}
    assert declared == {"resource", "asOf", "lang"}
    for query in ("?asOf=2026-12-01", "?as_of=2026-12-01", "?asOf=2026-12-01&as_of=2026-12-01"):
        response = api.post(f"{OP}{query}", json=CANCER_RECORD, headers=FHIR)
        assert response.status_code == 200, (query, response.text[:300])
    disagree = api.post(f"{OP}?asOf=2026-12-01&as_of=2026-01-01", json=CANCER_RECORD, headers=FHIR)
    assert disagree.status_code == 400
    assert disagree.json()["resourceType"] == "OperationOutcome"
    parameters = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "resource", "resource": CANCER_RECORD},
            {"name": "asOf", "valueDate": "2026-12-01"},
            {"name": "lang", "valueCode": "ru"},
        ],
    }
    (issue, *_) = _issues(api.post(OP, json=parameters, headers=FHIR))
    assert issue["language"] == "ru"
    parameters["parameter"][2] = {"name": "lang", "valueString": "ru"}  # not a code
    refused = api.post(OP, json=parameters, headers=FHIR)
    assert refused.status_code == 422
    assert "'lang' needs a valueCode" in refused.json()["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    ("version", "status"), [("3.0", 415), ("1.0.2", 415), ("4.0", 200), ("4.0.0", 200)]
)
def test_a_body_of_another_fhir_version_is_refused(api, version: str, status: int) -> None:
    headers = {"Content-Type": f"application/fhir+json; fhirVersion={version}"}
    response = api.post(f"{OP}?asOf=2026-12-01", json=CANCER_RECORD, headers=headers)
    assert response.status_code == status, response.text[:300]
    if status == 415:
        body = response.json()
        assert body["resourceType"] == "OperationOutcome"
        assert body["issue"][0]["code"] == "not-supported"


def test_sources_are_named_in_the_answers_language(api) -> None:
    for lang in ("en", "ru"):
        issues = _issues(
            api.post(f"{OP}?asOf=2026-12-01&lang={lang}", json=CANCER_RECORD, headers=FHIR)
        )
        titles = [
            code["text"]
            for issue in issues
            for item in issue.get("evidence", [])
            for code in item["code"]
            if code.get("coding", [{}])[0].get("system") == "urn:spinecare:source"
        ]
        assert titles
        if lang == "en":
            assert not any(_cyrillic(t) for t in titles), titles
