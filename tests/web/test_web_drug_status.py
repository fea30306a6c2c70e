"""A drug's status is said in words that need no agreement with the drug's name: Russian
"активный" agreed only with masculine names ("варфарин — активный", but a tablet or an
injection is not). A drug in force is "current" ("назначение действует"), a finished one
"finished" ("приём завершён"), on the screening page as in the engine's notes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from spinecare.engine.notes import medication_note
from spinecare.wording import note_text
from tests.conftest import AS_OF
from tests.web.conftest import HTML, JSON, csrf_of

SAID = {
    "en": {"active": "current", "completed": "finished", "declined": "dispense declined"},
    "ru": {
        "active": "назначение действует",
        "completed": "приём завершён",
        "declined": "в выдаче отказано",
    },
}
AGREED = ("активный", "активная", "завершён", "отклонён")  # the words said before, alone


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_drugs_status_needs_no_agreement(lang: str) -> None:
    for status, said in SAID[lang].items():
        note = medication_note(status, None)
        assert note is not None
        assert note_text(note, lang) == said
        assert note_text(note, lang) not in AGREED


def _bundle() -> bytes:
    entries = [
        {"resourceType": "Patient", "id": "drug", "name": [{"family": "Orlova"}]},
        {
            "resourceType": "MedicationRequest",
            "id": "warf",
            "status": "active",
            "intent": "order",
            "subject": {"reference": "Patient/drug"},
            "authoredOn": "2026-10-01",
            "medicationCodeableConcept": {
                "coding": [
                    {
                        "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                        "code": "855332",
                        "display": "Warfarin Sodium 5 MG Oral Tablet",
                    }
                ]
            },
        },
    ]
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{e['id']}", "resource": e} for e in entries],
    }
    return json.dumps(bundle).encode()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_screening_page_says_a_drug_in_force_is_current(signed_in: Any, lang: str) -> None:
    client = signed_in("therapist")
    token = csrf_of(client, "/login")
    r = client.post("/language", data={"language": lang, "csrf_token": token}, headers=JSON)
    assert r.status_code == 200, r.text[:300]
    token = csrf_of(client, "/patients/import")
    response = client.post(
        "/patients/import",
        data={"csrf_token": token},
        files={"file": ("drug.json", _bundle(), "application/json")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[-800:]
    page = client.get(f"{response.headers['location']}?as_of={AS_OF}", headers=HTML)
    assert page.status_code == 200, page.text[-800:]
    assert "Warfarin Sodium 5 MG Oral Tablet" in page.text
    assert f"— {SAID[lang]['active']}" in page.text, page.text[-3000:]
    assert not any(f"— {word}<" in page.text for word in AGREED)
