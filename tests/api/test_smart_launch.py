"""SMART App Launch end to end: a local EHR (Authlib's authorisation server, its JWK Set,
a FHIR server over Synthea patients, served by uvicorn) launches spinecare; the screening
page shows the CLI's verdict. Bad launches show a page and store nothing. Framing: the
launched session's pages may be framed by that EHR's origins, everything else by none."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import pytest
from conftest import AS_OF, BASE, CONTRAINDICATED, NEEDS_CLEARANCE, cli_verdict
from smart_ehr import CLIENT_ID, EHR, PRACTITIONER
from sqlalchemy import func, select

EHR_PAGES = "https://ehr.example.org"


@pytest.fixture
def ehr(synthea) -> Iterator[EHR]:
    pid, resources = synthea(CONTRAINDICATED)
    other, others = synthea(NEEDS_CLEARANCE)
    server = EHR({pid: resources, other: others})
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
                        "users": {PRACTITIONER: "therapist", "Practitioner/doc-1": "physician"},
                        "frame_origins": [EHR_PAGES],
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
    # https: the launch cookies are Secure (a cookie jar sends them over https only)
    yield TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
    app.state.db.dispose()
    accounts.use_password_hasher(hasher)


def counts(client) -> tuple[int, int, int]:
    from spinecare.store.models import Intake, PatientRow, SmartLaunch

    with client.app.state.db.session() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model))
            for model in (PatientRow, Intake, SmartLaunch)
        )


def launch(client, ehr: EHR, *, standalone: str | None = None, **params: str):
    """The browser's path: /launch -> the EHR's authorize (for a standalone launch, the
    EHR's patient picker, where ``standalone`` is chosen) -> /launch/callback."""
    import httpx

    response = client.get("/launch", params={"iss": ehr.iss, **params}, follow_redirects=False)
    assert response.status_code == 302, response.text
    at_ehr = httpx.get(response.headers["location"], follow_redirects=False)
    if standalone is not None:
        assert at_ehr.status_code == 200 and "Choose a patient" in at_ehr.text
        query = dict(parse_qsl(urlsplit(response.headers["location"]).query))
        at_ehr = httpx.post(response.headers["location"], data={**query, "patient": standalone})
    assert at_ehr.status_code == 302, at_ehr.text
    back = urlsplit(at_ehr.headers["location"])
    assert f"{back.scheme}://{back.netloc}" == BASE
    return client.get(
        f"{back.path}?{back.query}", follow_redirects=False, headers={"accept": "text/html"}
    )


def test_ehr_launch_opens_the_patients_screening(app_client, ehr, synthea):
    before = counts(app_client)
    context = ehr.new_launch(ehr.patient_id)
    response = launch(app_client, ehr, launch=context)
    assert response.status_code == 303, response.text
    target = response.headers["location"]
    assert target.startswith("/patients/") and target.endswith("/screening")
    request = ehr.authorize_requests[-1]
    assert request["launch"] == context and request["aud"] == ehr.iss
    assert request["code_challenge_method"] == "S256" and "launch" in request["scope"].split()
    # the record was read from the EHR's FHIR server with the token, for that patient only
    assert ehr.fhir_reads and {p for p, _ in ehr.fhir_reads} == {ehr.patient_id}
    page = app_client.get(f"{target}?as_of={AS_OF}", headers={"accept": "application/json"})
    assert page.status_code == 200, page.text
    assert page.json()["screening"]["verdict"] == cli_verdict(
        synthea.folder / CONTRAINDICATED, AS_OF
    )
    patients, intakes, launches = counts(app_client)
    assert (patients, intakes, launches) == (before[0] + 1, before[1] + 1, 0)
    # a second launch for the same EHR patient adds an intake to the same patient
    again = launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id))
    assert again.headers["location"] == target
    assert counts(app_client)[0] == patients


def test_the_launched_user_is_the_mapped_clinic_account(app_client, ehr):
    response = launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id))
    assert response.status_code == 303
    me = app_client.get("/patients", headers={"accept": "text/html"}, follow_redirects=False)
    assert me.status_code == 200
    from spinecare.store.models import AuditEntry

    with app_client.app.state.db.session() as session:
        entry = session.scalar(
            select(AuditEntry).where(AuditEntry.action == "launch").order_by(AuditEntry.id.desc())
        )
        assert entry is not None and entry.username == "therapist"


def test_the_launched_patient_is_linked_for_cds_hooks_cards(app_client, ehr):
    from spinecare.store.ehr import find_ehr_patient

    response = launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id))
    patient_id = int(response.headers["location"].split("/")[2])
    with app_client.app.state.db.session() as session:
        assert find_ehr_patient(session, [ehr.iss], ehr.patient_id) == patient_id


def test_standalone_launch_asks_the_ehr_for_a_patient(app_client, ehr, synthea):
    other = next(p for p in ehr.patients if p != ehr.patient_id)
    response = launch(app_client, ehr, standalone=other)
    assert response.status_code == 303, response.text
    scope = ehr.authorize_requests[-1]["scope"].split()
    assert "launch/patient" in scope and "launch" not in scope
    assert "launch" not in ehr.authorize_requests[-1]
    # the patient picked in the EHR is the one opened
    assert {p for p, _ in ehr.fhir_reads} == {other}
    page = app_client.get(
        f"{response.headers['location']}?as_of={AS_OF}", headers={"accept": "application/json"}
    )
    assert page.json()["screening"]["verdict"] == cli_verdict(
        synthea.folder / NEEDS_CLEARANCE, AS_OF
    )


def test_the_ehr_refuses_a_wrong_code_verifier(app_client, ehr, monkeypatch):
    """PKCE is checked by the EHR: a launch whose verifier was swapped is refused."""
    from spinecare.store.models import SmartLaunch

    response = app_client.get(
        "/launch",
        params={"iss": ehr.iss, "launch": ehr.new_launch(ehr.patient_id)},
        follow_redirects=False,
    )
    with app_client.app.state.db.session() as session:
        for row in session.scalars(select(SmartLaunch)):
            row.code_verifier = "x" * 64
    import httpx

    back = urlsplit(
        httpx.get(response.headers["location"], follow_redirects=False).headers["location"]
    )
    before = counts(app_client)
    answer = app_client.get(f"{back.path}?{back.query}", headers={"accept": "text/html"})
    assert answer.status_code == 400
    assert "refused to give spinecare access" in answer.text
    assert counts(app_client)[:2] == before[:2]


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
        "/launch",
        params={"iss": ehr.iss, "launch": ehr.new_launch(ehr.patient_id)},
        follow_redirects=False,
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
    response = launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id))
    assert response.status_code == 400
    assert "no patient" in response.text
    assert counts(app_client)[:2] == before[:2]
    assert "spinecare_session" not in response.headers.get("set-cookie", "")


def test_an_ehr_user_without_an_account_is_refused(app_client, ehr):
    ehr.fhir_user = "Practitioner/unknown"
    before = counts(app_client)
    response = launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id))
    assert response.status_code == 403
    assert "not linked to a spinecare account" in response.text
    assert counts(app_client)[:2] == before[:2]


# -- framing by the EHR ------------------------------------------------------------------


def frame_ancestors(response) -> str:
    policy = response.headers["content-security-policy"]
    return next(p.strip() for p in policy.split(";") if "frame-ancestors" in p)


def test_the_launch_session_can_be_framed_by_its_ehr_only(app_client, ehr):
    response = launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id))
    cookies = response.headers.get_list("set-cookie")
    for name in ("spinecare_session=", "spinecare_launch="):
        cookie = next(c for c in cookies if c.startswith(name) and "Max-Age=0" not in c)
        attributes = {a.strip().lower() for a in cookie.split(";")}
        assert {"samesite=none", "secure", "partitioned", "httponly"} <= attributes
    page = app_client.get(response.headers["location"], headers={"accept": "text/html"})
    assert page.status_code == 200
    assert frame_ancestors(page) == f"frame-ancestors {EHR_PAGES}"
    assert "x-frame-options" not in page.headers
    # a forged launch cookie (another EHR, same login) gets no framing, and neither does
    # the genuine one with another login
    session = app_client.cookies.get("spinecare_session")
    genuine = app_client.cookies.get("spinecare_launch")
    forged = base64.urlsafe_b64encode(b"https://evil.example").decode() + "." + "0" * 64
    login = app_client.app.state.demo_logins
    assert session and genuine and login
    for cookies in ({"spinecare_session": session, "spinecare_launch": forged}, {}):
        app_client.cookies.clear()
        if not cookies:
            form = app_client.get("/login", headers={"accept": "text/html"}).text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form)
            password = next(d.password for d in login if d.username == "admin")
            signed_in = app_client.post(
                "/login",
                data={"username": "admin", "password": password, "csrf_token": token[1]},
                follow_redirects=False,
            )
            assert signed_in.status_code == 303
            cookies = {"spinecare_launch": genuine}
        for name, value in cookies.items():
            app_client.cookies.set(name, value, domain="testserver")
        page = app_client.get("/patients", headers={"accept": "text/html"})
        assert frame_ancestors(page) == "frame-ancestors 'none'"
        assert page.headers["x-frame-options"] == "DENY"


def test_a_password_login_is_never_framed(app_client):
    app_client.cookies.clear()
    login = app_client.get("/login", headers={"accept": "text/html"})
    assert frame_ancestors(login) == "frame-ancestors 'none'"
    assert login.headers["x-frame-options"] == "DENY"
    for cookie in login.headers.get_list("set-cookie"):
        assert "samesite=lax" in cookie.lower()


def test_the_launch_pages_may_be_framed_by_configured_ehrs(app_client, ehr):
    unknown = app_client.get(
        "/launch",
        params={"iss": "https://stranger.example.net/fhir"},
        headers={"accept": "text/html"},
    )
    # the page saying so can be shown inside a configured EHR's frame; no other origin
    assert frame_ancestors(unknown) == f"frame-ancestors {EHR_PAGES}"
    assert "x-frame-options" not in unknown.headers
    api = app_client.get("/api/patients")
    assert frame_ancestors(api) == "frame-ancestors 'none'"


@pytest.mark.parametrize(
    "origins",
    [
        ["https://ehr.example.org/chart"],
        ["https://*.example.org"],
        ["'self'"],
        ["https://ehr.example.org; script-src *"],
        ["ftp://ehr.example.org"],
        "https://ehr.example.org",
    ],
)
def test_frame_origins_must_be_plain_origins(tmp_path, origins):
    from spinecare.errors import InputError
    from spinecare.fhir.smart import load_smart_ehrs

    path = tmp_path / "ehrs.json"
    entry = {"iss": "https://e/fhir", "client_id": "c", "clinic": "C", "frame_origins": origins}
    path.write_text(json.dumps({"ehrs": [entry]}))
    with pytest.raises(InputError, match="frame_origins"):
        load_smart_ehrs(path)


def test_frame_origins_are_read(tmp_path):
    from spinecare.fhir.smart import load_smart_ehrs

    path = tmp_path / "ehrs.json"
    entry = {
        "iss": "https://e/fhir",
        "client_id": "c",
        "clinic": "C",
        "frame_origins": ["https://EHR.example.org/", "http://localhost:8080"],
    }
    path.write_text(json.dumps({"ehrs": [entry]}))
    ehr = load_smart_ehrs(path)["https://e/fhir"]
    assert ehr.frame_origins == ("https://ehr.example.org", "http://localhost:8080")
