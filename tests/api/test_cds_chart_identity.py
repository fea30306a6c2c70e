"""A CDS Hooks card links the chart stored with the EHR's patient id only when that chart
is the same person as the record the EHR sent (the check a SMART launch makes)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from conftest import BASE, make_client

VIEW = "/cds-services/spinecare-patient-view"
SERVER = "https://ehr.example.org/fhir"


@pytest.fixture(scope="module")
def linked_app(tmp_path_factory):
    """An app whose database holds Ivan Petrov, born 1950, stored with the EHR's id "1"."""
    from spinecare.clinic.accounts import get_or_create_clinic
    from spinecare.clinic.patients import now
    from spinecare.store.db import open_database
    from spinecare.store.ehr import link_ehr_patient
    from spinecare.store.models import PatientRow

    db_url = f"sqlite:///{tmp_path_factory.mktemp('chart') / 'clinic.sqlite'}"
    db = open_database(db_url)
    with db.session() as session:
        clinic = get_or_create_clinic(session, "Clinic A")
        row = PatientRow(
            clinic_id=clinic.id,
            external_id="P1",
            name="Ivan Petrov",
            birth_date=date(1950, 1, 1),
            sex="male",
            created_at=now(),
            updated_at=now(),
        )
        session.add(row)
        session.flush()
        link_ehr_patient(session, row, SERVER, "1")
    db.dispose()
    return make_client(cds_jwt_required=False, db_url=db_url)


def _view(templates: dict[str, str], patient: dict[str, Any], lang: str = "en") -> dict[str, Any]:
    prefetch: dict[str, Any] = dict.fromkeys(templates)
    prefetch["patient"] = {"resourceType": "Patient", "id": "1", **patient}
    return {
        "hook": "patient-view",
        "hookInstance": "chart",
        "fhirServer": SERVER,
        "context": {"userId": "Practitioner/1", "patientId": "1"},
        "prefetch": prefetch,
        "extension": {"org.spinecare.lang": lang},
    }


def test_the_same_person_is_linked(linked_app, templates) -> None:
    same = {"name": [{"family": "Petrov", "given": ["Ivan"]}], "birthDate": "1950-01-01"}
    (card,) = linked_app.post(VIEW, json=_view(templates, same)).json()["cards"]
    assert [link["url"] for link in card["links"]] == [f"{BASE}/patients/1"]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_another_person_under_the_same_ehr_id_is_not_linked(
    linked_app, templates, lang: str
) -> None:
    other = {
        "name": [{"family": "Smith", "given": ["Maria"]}],
        "birthDate": "1995-05-05",
        "gender": "female",
    }
    response = linked_app.post(VIEW, json=_view(templates, other, lang))
    assert response.status_code == 200, response.text[:300]
    (card,) = response.json()["cards"]
    assert card["links"] == []
    assert "/patients/" not in response.text
    words = "another person" if lang == "en" else "другому человеку"
    assert words in card["detail"]
