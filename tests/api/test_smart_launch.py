"""SMART App Launch end to end: a local EHR (authorisation server, JWK Set, FHIR server
over a Synthea patient) launches spinecare; the screening page shows the CLI's verdict.
Bad launches show a page and store nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from conftest import AS_OF, BASE, CONTRAINDICATED, cli_verdict
from smart_ehr import CLIENT_ID, PRACTITIONER, StubEHR
from sqlalchemy import func, select


@pytest.fixture
def ehr(synthea) -> Iterator[StubEHR]:
    pid, resources = synthea(CONTRAINDICATED)
    stub = StubEHR(pid, resources)
    yield stub
    stub.close()


@pytest.fixture
def app_client(ehr, tmp_path):
    from argon2 import PasswordHasher
    from fastapi.testclient import TestClient

    from spinecare.app import create_app
    from spinecare.clinic import accounts
    from spinecare.settings import Settings

    hasher = accounts._hasher
    accounts.use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    ehrs = tmp_path / "smart-ehrs.json"
    ehrs.write_text(
        json.dumps(
            {
                "ehrs": [
                    {
                        "iss": f"{ehr.url}/fhir",
                        "client_id": CLIENT_ID,
                        "clinic": "Demo clinic",
                        "users": {PRACTITIONER: "therapist", "Practitioner/doc-1": "physician"},
                    }
                ]
            }
        )
    )
    settings = Settings(
        environment="test",
        db_url=f"sqlite:///{tmp_path / 'app.sqlite'}",
        base_url=BASE,
        demo=True,
        smart_ehrs=str(ehrs),
    )
    app = create_app(settings)
    yield TestClient(app, raise_server_exceptions=False)
    app.state.db.dispose()
    accounts.use_password_hasher(hasher)


def counts(client) -> tuple[int, int, int]:
    from spinecare.store.models import Intake, PatientRow, SmartLaunch

    with client.app.state.db.session() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model))
            for model in (PatientRow, Intake, SmartLaunch)
        )


def launch(client, ehr: StubEHR, **params: str):
    """The browser's path: /launch -> the EHR's authorize -> /launch/callback."""
    import httpx

    response = client.get(
        "/launch", params={"iss": f"{ehr.url}/fhir", **params}, follow_redirects=False
    )
    assert response.status_code == 302, response.text
    at_ehr = httpx.get(response.headers["location"], follow_redirects=False)
    assert at_ehr.status_code == 302
    back = urlsplit(at_ehr.headers["location"])
    assert f"{back.scheme}://{back.netloc}" == BASE
    return client.get(
        f"{back.path}?{back.query}", follow_redirects=False, headers={"accept": "text/html"}
    )


def test_ehr_launch_opens_the_patients_screening(app_client, ehr, synthea):
    before = counts(app_client)
    response = launch(app_client, ehr, launch="launch-ctx-1")
    assert response.status_code == 303, response.text
    target = response.headers["location"]
    assert target.startswith("/patients/") and target.endswith("/screening")
    request = ehr.authorize_requests[-1]
    assert request["launch"] == "launch-ctx-1" and request["aud"] == f"{ehr.url}/fhir"
    assert request["code_challenge_method"] == "S256" and "launch" in request["scope"].split()
    page = app_client.get(f"{target}?as_of={AS_OF}", headers={"accept": "application/json"})
    assert page.status_code == 200, page.text
    assert page.json()["screening"]["verdict"] == cli_verdict(
        synthea.folder / CONTRAINDICATED, AS_OF
    )
    patients, intakes, launches = counts(app_client)
    assert (patients, intakes, launches) == (before[0] + 1, before[1] + 1, 0)
    # a second launch for the same EHR patient adds an intake to the same patient
    again = launch(app_client, ehr, launch="launch-ctx-2")
    assert again.headers["location"] == target
    assert counts(app_client)[0] == patients


def test_the_launched_patient_is_linked_for_cds_hooks_cards(app_client, ehr):
    from spinecare.store.ehr import find_ehr_patient

    response = launch(app_client, ehr, launch="x")
    patient_id = int(response.headers["location"].split("/")[2])
    with app_client.app.state.db.session() as session:
        assert find_ehr_patient(session, [f"{ehr.url}/fhir"], ehr.patient_id) == patient_id


def test_standalone_launch_asks_the_ehr_for_a_patient(app_client, ehr):
    response = launch(app_client, ehr)
    assert response.status_code == 303
    scope = ehr.authorize_requests[-1]["scope"].split()
    assert "launch/patient" in scope and "launch" not in scope
    assert "launch" not in ehr.authorize_requests[-1]


def test_an_unknown_ehr_shows_a_page_and_stores_nothing(app_client):
    before = counts(app_client)
    response = app_client.get(
        "/launch",
        params={"iss": "https://stranger.example.net/fhir", "launch": "x"},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert "not set up to be opened from this EHR" in response.text
    assert "Traceback" not in response.text
    assert counts(app_client) == before


@pytest.mark.parametrize(
    "query", ["code=abc&state=forged", "code=abc", "error=access_denied&state=x"]
)
def test_a_bad_state_shows_a_page_and_stores_nothing(app_client, query):
    before = counts(app_client)
    response = app_client.get(f"/launch/callback?{query}", headers={"accept": "text/html"})
    assert response.status_code == 400
    assert "open spinecare from the EHR again" in response.text
    assert counts(app_client) == before


def test_a_state_is_used_once(app_client, ehr):
    import httpx

    response = app_client.get(
        "/launch", params={"iss": f"{ehr.url}/fhir", "launch": "x"}, follow_redirects=False
    )
    back = urlsplit(
        httpx.get(response.headers["location"], follow_redirects=False).headers["location"]
    )
    first = app_client.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert first.status_code == 303
    replay = app_client.get(f"{back.path}?{back.query}", headers={"accept": "text/html"})
    assert replay.status_code == 400


def test_a_token_without_patient_context_stores_nothing(app_client, ehr):
    ehr.give_patient = False
    before = counts(app_client)
    response = launch(app_client, ehr, launch="x")
    assert response.status_code == 400
    assert "no patient" in response.text
    assert counts(app_client)[:2] == before[:2]
    assert "spinecare_session" not in response.headers.get("set-cookie", "")


def test_an_ehr_user_without_an_account_is_refused(app_client, ehr):
    ehr.fhir_user = "Practitioner/unknown"
    before = counts(app_client)
    response = launch(app_client, ehr, launch="x")
    assert response.status_code == 403
    assert "not linked to a spinecare account" in response.text
    assert counts(app_client)[:2] == before[:2]
