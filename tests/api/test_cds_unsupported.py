"""A search the EHR's FHIR server does not support (an OperationOutcome "not-supported")
leaves that part of the record not read, said in the clinician's words; a contraindication
found in what was read is still shown, and nothing is allowed on the part not read."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import CONTRAINDICATED

VIEW = "/cds-services/spinecare-patient-view"


def _with_server(body: dict[str, Any], stub_fhir) -> dict[str, Any]:
    body["fhirServer"] = f"{stub_fhir.url}/fhir"
    body["fhirAuthorization"] = {
        "access_token": "t",
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/*.read",
        "subject": "x",
    }
    return body


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_an_unsupported_search_hides_no_contraindication(
    client, hook_request, synthea, stub_fhir, lang: str
) -> None:
    _, resources = synthea(CONTRAINDICATED)
    stub_fhir.resources = resources
    stub_fhir.unsupported = {"MedicationStatement"}
    try:
        body = _with_server(
            hook_request("patient-view", CONTRAINDICATED, prefetch=False), stub_fhir
        )
        body.setdefault("extension", {})["org.spinecare.lang"] = lang
        response = client.post(VIEW, json=body)
    finally:
        stub_fhir.unsupported = set()
    assert response.status_code == 200, response.text[:300]
    (card,) = response.json()["cards"]
    assert card["indicator"] == "critical"
    detail = card["detail"]
    said = {
        "en": "The EHR did not give these parts of the record",
        "ru": "Медицинская система не передала эти части записи",
    }[lang]
    assert said in detail
    for internal in ("medicationStatements", "not-supported", "CDS client", "OperationOutcome"):
        assert internal not in detail


def test_an_unsupported_search_never_allows(client, templates) -> None:
    """A record whose read part allows massage is not allowed with a part not read."""
    prefetch: dict[str, Any] = dict.fromkeys(templates)
    prefetch["patient"] = {"resourceType": "Patient", "id": "p1", "birthDate": "1970-01-01"}
    prefetch["medicationStatements"] = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "not-supported"}],
    }
    body = {
        "hook": "patient-view",
        "hookInstance": "unsupported",
        "context": {"userId": "Practitioner/1", "patientId": "p1"},
        "prefetch": prefetch,
    }
    (card,) = client.post(VIEW, json=body).json()["cards"]
    assert card["indicator"] != "info"
    assert "Needs data" in card["summary"]
