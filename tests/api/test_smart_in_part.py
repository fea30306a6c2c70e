"""A SMART launch whose EHR gives a search only in part (its next page on another host)
stores the record with what was not read named, never as a whole record; one whose EHR
sends another patient's entry stores nothing and says so in the launch's own words."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import AS_OF, BASE, CONTRAINDICATED
from smart_ehr import CLIENT_ID, EHR, PRACTITIONER
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.conftest import demo_database


class PagingEHR(EHR):
    """An EHR whose Condition search gives one page, its next on another host (or, with
    ``leak``, an entry of another patient beside the patient's)."""

    leak = False

    async def fhir(self, request: Request) -> Response:
        response = await super().fhir(request)
        if request.path_params["path"] != "Condition":
            return response
        bundle: dict[str, Any] = json.loads(bytes(response.body))
        entries = bundle.get("entry") or []
        if self.leak:
            other = {"reference": "Patient/someone-else"}
            leaked = {"resourceType": "Condition", "id": "x", "subject": other}
            bundle["entry"] = [*entries, {"resource": {**leaked, "code": {"text": "Migraine"}}}]
            return JSONResponse(bundle)
        bundle["total"] = len(entries) + 5
        bundle["link"] = [
            {"relation": "next", "url": "https://ehr-proxy.example.org/fhir/Condition?page=2"}
        ]
        return JSONResponse(bundle)


@pytest.fixture
def ehr(synthea) -> Iterator[EHR]:
    pid, resources = synthea(CONTRAINDICATED)
    server = PagingEHR({pid: resources})
    server.patient_id = pid  # type: ignore[attr-defined]
    server.redirect_uri = f"{BASE}/launch/callback"
    server.start()
    yield server
    server.close()


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
                        "iss": ehr.iss,
                        "client_id": CLIENT_ID,
                        "clinic": "Demo clinic",
                        "users": {PRACTITIONER: "therapist"},
                    }
                ]
            }
        )
    )
    settings = Settings(
        environment="test",
        db_url=demo_database(tmp_path),
        base_url=BASE,
        demo=True,
        smart_ehrs=str(ehrs),
    )
    app = create_app(settings)
    yield TestClient(app, base_url=BASE, raise_server_exceptions=False)
    app.state.db.dispose()
    accounts.use_password_hasher(hasher)


def _launch(app_client, ehr):
    import httpx

    response = app_client.get(
        "/launch",
        params={"iss": ehr.iss, "launch": ehr.new_launch(ehr.patient_id)},
        follow_redirects=False,
    )
    at_ehr = httpx.get(response.headers["location"], follow_redirects=False)
    back = urlsplit(at_ehr.headers["location"])
    return app_client.get(
        f"{back.path}?{back.query}", follow_redirects=False, headers={"accept": "text/html"}
    )


def test_a_search_read_in_part_is_named_on_the_patients_pages(app_client, ehr) -> None:
    opened = _launch(app_client, ehr)
    assert opened.status_code == 303, opened.text[:300]
    page = opened.headers["location"]
    data = app_client.get(f"{page}?as_of={AS_OF}", headers={"accept": "application/json"}).json()
    assert "Condition" in data["screening"]["not_read"]
    html = app_client.get(f"{page}?as_of={AS_OF}", headers={"accept": "text/html"}).text
    assert "first page of a search" in html


def test_another_patients_entry_is_refused_in_the_launchs_words(app_client, ehr) -> None:
    ehr.leak = True  # type: ignore[attr-defined]
    page = _launch(app_client, ehr)
    assert page.status_code != 303
    assert "another patient" in page.text and "nothing was stored" in page.text
    for internal in ("prefetch", "context.patientId", "entry["):
        assert internal not in page.text
