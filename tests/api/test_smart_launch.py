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

from tests.conftest import demo_database

SESSION, LAUNCH = "__Host-spinecare_session", "__Host-spinecare_launch"
"""The login and launch cookies of the test app, served over HTTPS (``BASE``)."""

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
        db_url=demo_database(tmp_path),
        base_url=BASE,
        demo=True,
        smart_ehrs=str(ehrs),
    )
    app = create_app(settings)
    # https: the launch cookies are Secure (a cookie jar sends them over https only); the
    # public address's host (another is refused), whose https makes them ``__Host-``
    yield TestClient(app, base_url=BASE, raise_server_exceptions=False)
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


@pytest.mark.parametrize("sent", ["{iss}/", " {iss}"])
def test_aud_is_the_launchs_iss_as_the_ehr_sent_it(app_client, ehr, sent):
    """SMART App Launch: "this aud value is the same as the launch's iss value". The EHR is
    found whatever its trailing slash, but aud repeats what it sent: an EHR may compare
    the strings."""
    iss = sent.format(iss=ehr.iss)
    response = app_client.get(
        "/launch",
        params={"iss": iss, "launch": ehr.new_launch(ehr.patient_id)},
        follow_redirects=False,
    )
    assert response.status_code == 302, response.text
    query = dict(parse_qsl(urlsplit(response.headers["location"]).query))
    assert query["aud"] == iss.strip()
    assert query["code_challenge_method"] == "S256"


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


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (None, "not set up to be opened from this EHR"),
        (
            "ru-RU,ru;q=0.9,en;q=0.5",
            "spinecare не настроен для открытия из этой медицинской системы",
        ),
    ],
)
def test_an_unknown_ehr_shows_a_page_and_stores_nothing(app_client, language, words):
    """Before sign-in the page is in the browser's language (Accept-Language)."""
    before = counts(app_client)
    response = app_client.get(
        "/launch",
        params={"iss": "https://stranger.example.net/fhir", "launch": "x"},
        headers={"accept": "text/html", **({"accept-language": language} if language else {})},
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert words in response.text
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
    for name in (f"{SESSION}=", f"{LAUNCH}="):
        cookie = next(c for c in cookies if c.startswith(name) and "Max-Age=0" not in c)
        attributes = {a.strip().lower() for a in cookie.split(";")}
        assert {"samesite=none", "secure", "partitioned", "httponly"} <= attributes
    page = app_client.get(response.headers["location"], headers={"accept": "text/html"})
    assert page.status_code == 200
    assert frame_ancestors(page) == f"frame-ancestors {EHR_PAGES}"
    assert "x-frame-options" not in page.headers
    # a forged launch cookie (another EHR, same login) gets no framing, and neither does
    # the genuine one with another login
    session = app_client.cookies.get(SESSION)
    genuine = app_client.cookies.get(LAUNCH)
    forged = base64.urlsafe_b64encode(b"https://evil.example").decode() + "." + "0" * 64
    login = app_client.app.state.demo_logins
    assert session and genuine and login
    for cookies in ({SESSION: session, LAUNCH: forged}, {}):
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
            cookies = {LAUNCH: genuine}
        for name, value in cookies.items():
            app_client.cookies.set(name, value, domain=urlsplit(BASE).hostname)
        page = app_client.get("/patients", headers={"accept": "text/html"})
        assert frame_ancestors(page) == "frame-ancestors 'none'"
        assert page.headers["x-frame-options"] == "DENY"


EHR_FRAME = {
    "accept": "text/html",
    "sec-fetch-site": "cross-site",
    "sec-fetch-mode": "navigate",
    "sec-fetch-dest": "iframe",
}
"""What a browser says of a page opened in the EHR's frame (another site's page)."""


def test_the_ehrs_frame_opens_the_launchs_pages_and_no_other_frame_does(app_client, ehr):
    """Inside the EHR's frame every request is another site's (docs/security.md,
    "Requests another site makes a browser send"): the launch, its answer and the pages of
    the login it started open there; a login made on the sign-in page is opened in no
    frame of another site, and the REST API answers neither."""
    app_client.cookies.clear()
    response = launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id))
    assert response.status_code == 303, response.text
    page = app_client.get(response.headers["location"], headers=EHR_FRAME)
    assert page.status_code == 200 and frame_ancestors(page) == f"frame-ancestors {EHR_PAGES}"
    assert app_client.get("/patients", headers=EHR_FRAME).status_code == 200
    api = app_client.get("/api/patients", headers={**EHR_FRAME, "sec-fetch-dest": "empty"})
    assert api.status_code == 403 and api.json()["error"]["code"] == "cross_site"
    app_client.cookies.clear()
    form = app_client.get("/login", headers={"accept": "text/html"}).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    password = next(d.password for d in app_client.app.state.demo_logins if d.username == "admin")
    signed_in = app_client.post(
        "/login",
        data={"username": "admin", "password": password, "csrf_token": token[1]},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    assert app_client.get("/patients", headers=EHR_FRAME).status_code == 403
    link = {**EHR_FRAME, "sec-fetch-dest": "document"}  # a link from the EHR's page
    assert app_client.get("/patients", headers=link).status_code == 200


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


@pytest.mark.parametrize("again", ["https://e/fhir", "https://e/fhir/", "https://e/fhir// "])
def test_an_ehr_listed_twice_is_refused(tmp_path, again):
    """Two clinics listing one EHR: the second entry would take every launch of the first
    into its own clinic, unsaid."""
    from spinecare.errors import InputError
    from spinecare.fhir.smart import load_smart_ehrs

    path = tmp_path / "ehrs.json"
    first = {"iss": "https://e/fhir", "client_id": "c", "clinic": "A"}
    second = {"iss": again, "client_id": "c", "clinic": "B"}
    path.write_text(json.dumps({"ehrs": [first, second]}))
    with pytest.raises(InputError, match=r"ehrs\[1\].*listed already") as refused:
        load_smart_ehrs(path)
    assert "https://e/fhir" in refused.value.one_line()


def test_an_ehrs_file_listing_an_ehr_twice_stops_the_start(tmp_path, monkeypatch):
    """Found when the app starts, in one line, never at the first launch of every EHR (a
    JSON answer naming the file's path on the server)."""
    from typer.testing import CliRunner

    from spinecare.cli import app

    path = tmp_path / "ehrs.json"
    first = {"iss": "https://e/fhir", "client_id": "c", "clinic": "A"}
    path.write_text(json.dumps({"ehrs": [first, {**first, "clinic": "B"}]}))
    monkeypatch.setenv("SPINECARE_SMART_EHRS", str(path))
    monkeypatch.setenv("SPINECARE_BASE_URL", BASE)
    monkeypatch.setenv("SPINECARE_ENVIRONMENT", "test")
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: None)  # started: no server
    db = f"sqlite:///{tmp_path / 'spinecare.sqlite'}"
    result = CliRunner().invoke(app, ["serve", "--db", db], env={"COLUMNS": "4000"})
    assert result.exit_code != 0
    said = result.output.strip()
    assert "listed already" in said and "https://e/fhir" in said
    assert len(said.splitlines()) == 1 and "Traceback" not in said


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


# -- attacks on the launch ---------------------------------------------------------------


def _callback_address(client, ehr) -> str:
    """Start a launch in ``client`` and let the EHR answer: the callback address."""
    import httpx

    response = client.get(
        "/launch",
        params={"iss": ehr.iss, "launch": ehr.new_launch(ehr.patient_id)},
        follow_redirects=False,
    )
    assert response.status_code == 302, response.text
    back = urlsplit(
        httpx.get(response.headers["location"], follow_redirects=False).headers["location"]
    )
    return f"{back.path}?{back.query}"


def test_a_callback_taken_to_another_browser_is_refused(app_client, ehr):
    """Login CSRF: an attacker's own callback address (their code and state) sent to a
    victim must not sign the victim's browser in as the attacker's account."""
    from fastapi.testclient import TestClient

    address = _callback_address(app_client, ehr)
    victim = TestClient(app_client.app, base_url=BASE)
    before = counts(app_client)
    response = victim.get(address, headers={"accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 400
    assert "started in another browser" in response.text
    assert "spinecare_session" not in response.headers.get("set-cookie", "")
    assert counts(app_client)[:2] == before[:2]
    # the browser that started it still completes it
    assert app_client.get(address, follow_redirects=False).status_code == 303


def test_the_ehrs_refusal_text_is_shown_as_text(app_client, ehr):
    address = _callback_address(app_client, ehr)
    state = dict(parse_qsl(urlsplit(address).query))["state"]
    response = app_client.get(
        "/launch/callback",
        params={
            "state": state,
            "error": "access_denied",
            "error_description": '<script>alert("x")</script>',
        },
        headers={"accept": "text/html"},
    )
    assert response.status_code == 400
    assert '<script>alert("x")</script>' not in response.text
    assert "&lt;script&gt;" in response.text


def _configuration_naming(monkeypatch, **changes: str) -> None:
    """The EHR's SMART configuration with ``changes`` to its endpoints."""
    from dataclasses import replace

    from spinecare.fhir import smart as smart_client
    from spinecare.web import smart as smart_web

    real = smart_client.discover

    async def discover(ehr_config):
        return replace(await real(ehr_config), **changes)

    monkeypatch.setattr(smart_web, "discover", discover)


def _refusals(monkeypatch) -> list[str]:
    """The addresses the outbound policy refuses, as they are refused."""
    from spinecare.fhir.outbound import AddressPolicy, BlockedAddress

    refused: list[str] = []
    real = AddressPolicy.check

    async def check(self, url):
        try:
            return await real(self, url)
        except BlockedAddress:
            refused.append(str(url))
            raise

    monkeypatch.setattr(AddressPolicy, "check", check)
    return refused


@pytest.mark.parametrize("field", ["token", "jwks_uri"])
def test_the_configuration_cannot_name_another_internal_host(app_client, ehr, monkeypatch, field):
    """SSRF through the SMART configuration: a token or key endpoint on an internal host
    other than the EHR's own (a loopback address, a metadata service, the LAN) is never
    called."""
    parts = urlsplit(ehr.iss)
    target = f"http://127.0.0.2:{parts.port}/{field}"
    _configuration_naming(monkeypatch, **{field: target})
    refused = _refusals(monkeypatch)
    before = counts(app_client)
    response = launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id))
    assert response.status_code == 400, response.text
    assert refused == [target]
    assert "spinecare_session" not in response.headers.get("set-cookie", "")
    assert counts(app_client)[:2] == before[:2]


def test_the_ehrs_own_host_is_reached(app_client, ehr, monkeypatch):
    refused = _refusals(monkeypatch)
    assert launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id)).status_code == 303
    assert refused == []


@pytest.mark.parametrize(
    "endpoint", ["javascript:alert(1)", "data:text/html,x", "//evil.example/authorize", "x"]
)
def test_the_browser_is_sent_to_a_web_address_only(tmp_path, endpoint):
    import asyncio

    import httpx

    from spinecare.fhir import smart as smart_client

    ehr_config = smart_client.SmartEhr(
        iss="https://ehr.example.org/fhir", client_id="c", clinic="x"
    )

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"authorization_endpoint": endpoint, "token_endpoint": "t"})

    class Client(httpx.AsyncClient):
        def __init__(self, **kwargs):
            super().__init__(transport=httpx.MockTransport(answer))

        async def request(self, method, url, **kwargs):
            kwargs.pop("withhold_token", None)
            return await super().request(method, url, **kwargs)

    original = smart_client.AsyncOAuth2Client
    smart_client.AsyncOAuth2Client = Client  # type: ignore[misc]
    try:
        with pytest.raises(smart_client.LaunchError):
            asyncio.run(smart_client.discover(ehr_config))
    finally:
        smart_client.AsyncOAuth2Client = original  # type: ignore[misc]


def test_a_launch_cannot_open_a_patient_the_account_may_not_see(app_client, ehr):
    """A physician mapped in the EHR launches on a patient spinecare knows but who was
    never referred to them: refused, no session, nothing recorded as opened."""
    assert launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id)).status_code == 303
    app_client.cookies.clear()
    ehr.fhir_user = "Practitioner/doc-1"
    response = launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id))
    assert response.status_code == 403, response.text
    assert "spinecare_session" not in response.headers.get("set-cookie", "")
    from spinecare.store.models import AuditEntry

    with app_client.app.state.db.session() as session:
        launches = session.scalars(select(AuditEntry.username).where(AuditEntry.action == "launch"))
        assert list(launches) == ["therapist"]


@pytest.mark.parametrize(
    "iss",
    [
        "http://127.0.0.1:1/fhir",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.5/fhir",
        "http://[::1]/fhir",
        "file:///etc/passwd",
    ],
)
def test_an_iss_that_is_not_configured_is_never_fetched(app_client, monkeypatch, iss):
    """SSRF through /launch: only the configured EHRs' SMART configuration is read; any
    other iss, loopback and private addresses included, is refused before any request."""
    from spinecare.web import smart as smart_web

    async def discover(ehr_config):
        raise AssertionError(f"fetched {ehr_config.iss}")

    monkeypatch.setattr(smart_web, "discover", discover)
    before = counts(app_client)
    response = app_client.get(
        "/launch", params={"iss": iss, "launch": "x"}, headers={"accept": "text/html"}
    )
    assert response.status_code == 400
    assert "not set up to be opened from this EHR" in response.text
    assert counts(app_client) == before


def test_a_record_the_ehr_cannot_give_is_refused_in_the_browsers_language(
    app_client, ehr, monkeypatch
):
    """The reason inside "cannot be read from the EHR (...)" is a message too."""
    from spinecare.fhir import prefetch
    from spinecare.messages import Message

    async def unavailable(*args, **kwargs):
        raise prefetch.PrefetchUnavailable(
            Message("%(key)s: the FHIR server answered %(status)s", key="conditions", status=503)
        )

    monkeypatch.setattr(prefetch, "resolve_prefetch", unavailable)
    app_client.headers["accept-language"] = "ru-RU,ru;q=0.9"
    before = counts(app_client)
    response = launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id))
    assert response.status_code == 400
    assert "conditions: сервер FHIR ответил 503" in response.text
    assert "the FHIR server" not in response.text
    assert counts(app_client)[:2] == before[:2]


# -- the EHR's statement of who the user is (id_token) -------------------------------------


def _signed(key, claims, header=None) -> str:
    from joserfc import jwt

    return jwt.encode(header or {"alg": "ES384", "kid": "ehr-1"}, claims, key, algorithms=["ES384"])


def _unsigned(claims) -> str:
    def part(data) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'kid': 'ehr-1'})}.{part(claims)}."


def _id_token_cases(ehr):
    import time

    from joserfc.jwk import ECKey

    stranger = ECKey.generate_key("P-384", parameters={"kid": "ehr-1", "alg": "ES384"})
    past = int(time.time()) - 7200
    return {
        "another audience": lambda c: _signed(ehr.key, {**c, "aud": "another-app"}),
        "another issuer": lambda c: _signed(ehr.key, {**c, "iss": "https://evil.example/fhir"}),
        "expired": lambda c: _signed(ehr.key, {**c, "iat": past, "exp": past + 300}),
        "no expiry": lambda c: _signed(ehr.key, {k: v for k, v in c.items() if k != "exp"}),
        "another key, same kid": lambda c: _signed(stranger, c),
        "unsigned (alg none)": _unsigned,
        "another kid": lambda c: _signed(ehr.key, c, {"alg": "ES384", "kid": "other"}),
        "no nonce": lambda c: _signed(ehr.key, {k: v for k, v in c.items() if k != "nonce"}),
        "another nonce": lambda c: _signed(ehr.key, {**c, "nonce": "x" + str(c.get("nonce"))}),
        "no subject": lambda c: _signed(ehr.key, {k: v for k, v in c.items() if k != "sub"}),
    }


@pytest.mark.parametrize(
    "case",
    [
        "another audience",
        "another issuer",
        "expired",
        "no expiry",
        "another key, same kid",
        "unsigned (alg none)",
        "another kid",
        "no nonce",
        "another nonce",
        "no subject",
    ],
)
def test_an_id_token_that_does_not_verify_signs_nobody_in(app_client, ehr, case):
    """The EHR's answer names the user in a signed id_token: one for another app, from
    another issuer, expired, without an expiry, signed with another key or not signed
    at all, without a subject, or without the nonce the request sent (OpenID Connect)
    signs nobody in and stores nothing."""
    ehr.rewrite_id_token = _id_token_cases(ehr)[case]
    before = counts(app_client)
    response = launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id))
    assert response.status_code == 400, (case, response.text[:300])
    assert "who you are" in response.text
    assert "spinecare_session" not in response.headers.get("set-cookie", "")
    assert counts(app_client)[:2] == before[:2]
    ehr.rewrite_id_token = None  # the same EHR with a good token signs in
    assert launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id)).status_code == 303


def test_each_launch_sends_its_own_nonce(app_client, ehr):
    """OpenID Connect: the authorisation request carries a nonce, a new one each launch,
    and the EHR's id_token must carry it back."""
    for _ in range(2):
        assert launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id)).status_code == 303
    first, second = (request.get("nonce") for request in ehr.authorize_requests[-2:])
    assert first and second and first != second and len(first) >= 32


def test_an_id_token_of_an_earlier_launch_signs_nobody_in(app_client, ehr):
    """An id_token captured from one sign-in (valid signature, audience and expiry) put
    in the answer to another launch is refused: its nonce is the earlier launch's."""
    kept: list[str] = []

    def keep(claims) -> str:
        token = _signed(ehr.key, claims)
        kept.append(token)
        return token

    ehr.rewrite_id_token = keep
    assert launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id)).status_code == 303
    ehr.rewrite_id_token = lambda claims: kept[0]
    before = counts(app_client)
    response = launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id))
    assert response.status_code == 400, response.text[:300]
    assert "who you are" in response.text
    assert "spinecare_session" not in response.headers.get("set-cookie", "")
    assert counts(app_client)[:2] == before[:2]


@pytest.mark.parametrize(
    ("granted", "unreadable"),
    [
        ("launch openid fhirUser patient/Patient.read", "diagnosis"),
        ("launch openid fhirUser patient/*.r", "diagnosis"),  # SMART 2: read, no search
        ("launch openid fhirUser patient/Observation.rs?category=laboratory", "observation"),
        ("launch openid fhirUser", "patient details"),
    ],
)
def test_a_token_that_cannot_read_the_whole_record_opens_nothing(
    app_client, ehr, granted, unreadable
):
    """The EHR granted less than spinecare needs: its searches would answer empty, which
    would look as if nothing were recorded. The launch says so, reads and stores
    nothing."""
    ehr.granted_scope = granted
    before = counts(app_client)
    reads = len(ehr.fhir_reads)
    response = launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id))
    assert response.status_code == 400, response.text[:300]
    assert unreadable in response.text and "administrator" in response.text
    assert "spinecare_session" not in response.headers.get("set-cookie", "")
    assert counts(app_client)[:2] == before[:2] and len(ehr.fhir_reads) == reads


@pytest.mark.parametrize(
    "granted",
    [
        "launch openid fhirUser patient/*.read",
        "launch openid fhirUser patient/*.rs",
        "openid fhirUser user/*.cruds",
        "openid fhirUser patient/*.* patient/Observation.rs?category=laboratory",
    ],
)
def test_scopes_that_read_the_whole_record_open_it(app_client, ehr, granted):
    ehr.granted_scope = granted
    assert launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id)).status_code == 303


def test_the_refusal_of_scopes_is_said_in_russian(app_client, ehr):
    ehr.granted_scope = "launch openid fhirUser patient/Patient.read"
    app_client.cookies.set("__Host-spinecare_lang", "ru")
    response = launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id))
    assert response.status_code == 400
    assert "диагноз" in response.text and "Condition" not in response.text


def test_an_error_in_place_of_the_diagnoses_opens_nothing(app_client, ehr):
    """The EHR answers the search of diagnoses with an OperationOutcome: read as nothing
    recorded, the patient would screen without them. The launch says so and stores
    nothing."""
    ehr.failing = {"Condition"}
    before = counts(app_client)
    try:
        response = launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id))
    finally:
        ehr.failing = set()
    assert response.status_code == 400, response.text[:300]
    assert "diagnosis" in response.text and "administrator" in response.text
    assert "Condition" not in response.text and "OperationOutcome" not in response.text
    assert counts(app_client)[:2] == before[:2]


def launch_without(client, ehr: EHR, kinds: set[str], patient: str | None = None) -> str:
    """Launch on ``patient`` (the EHR's first) while the EHR answers the searches of
    ``kinds`` with an error: the page the launch opens."""
    ehr.failing = kinds
    try:
        response = launch(client, ehr, launch=ehr.new_launch(patient or ehr.patient_id))
    finally:
        ehr.failing = set()
    assert response.status_code == 303, response.text[:300]
    return str(response.headers["location"])


NOT_READ = {
    "en": ("Not read", "The EHR did not give these parts of the record", "alert, adverse event"),
    "ru": ("Не прочитано", "не передала эти части записи", "предупреждение, нежелательное явление"),
}


def not_read_section(page: str) -> str | None:
    """The words of the screening page's "Not read" section (None: it has none)."""
    found = re.search(r'<p class="alert notice not-read">([^<]*)</p>', page)
    return found[1] if found else None


@pytest.mark.parametrize("language", ["en", "ru"])
def test_an_error_for_kinds_many_ehrs_do_not_offer_still_opens_the_patient(
    app_client, ehr, language
):
    """Alerts and adverse events the EHR cannot give are not read; the rest is. The
    screening page the launch opens names them under "Not read", in the words and the
    reader's language of the CDS Hooks card (one helper), never by their FHIR names."""
    from datetime import date

    from spinecare.fhir.cards import detail_markdown

    target = launch_without(app_client, ehr, {"Flag", "AdverseEvent"})
    # the page's address names nothing: the list is kept with the record
    assert re.fullmatch(r"/patients/\d+/screening", target), target
    # the launched user reads in ``language``
    form = app_client.get("/patients", headers={"accept": "text/html"}).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    chosen = {"csrf_token": token[1], "language": language, "next": "/"}
    assert app_client.post("/language", data=chosen, follow_redirects=False).status_code < 400
    page = app_client.get(target, headers={"accept": "text/html"})
    assert page.status_code == 200, page.text[:300]
    heading, sentence, kinds = NOT_READ[language]
    assert f"<h2>{heading}</h2>" in page.text
    said = not_read_section(page.text)
    assert said is not None and sentence in said and kinds in said, said
    assert "Flag" not in said and "AdverseEvent" not in said
    # the card says the same of the same kinds
    twin = app_client.get(target, headers={"accept": "application/json"}).json()
    assert twin["not_read"] == ["Flag", "AdverseEvent"]
    from spinecare.engine.screening import screen_record
    from spinecare.kb import load_kb
    from spinecare.record.model import Patient, PatientRecord

    kb = load_kb()
    empty = screen_record(PatientRecord(Patient(id="p")), kb, date.fromisoformat(AS_OF), language)
    card = detail_markdown(empty, ["Flag", "AdverseEvent"])
    assert f"### {heading}" in card and said in card.replace("\\", "")
    # a list in the address is no longer read: the page names what the launch stored
    forged = app_client.get(f"{target}?not_read=Condition", headers={"accept": "text/html"})
    assert not_read_section(forged.text) == said


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found[1]


def _switch_language(client, page: str, language: str) -> str:
    """The page's language form, sent as the browser sends it: the page it goes back to."""
    back = re.search(r'name="next" value="([^"]+)"', page)
    assert back is not None
    chosen = {"csrf_token": _csrf(page), "language": language, "next": back[1]}
    response = client.post("/language", data=chosen, follow_redirects=False)
    assert response.status_code == 303, response.text[:300]
    return response.headers["location"]


def _html(client, path: str) -> str:
    page = client.get(path, headers={"accept": "text/html"})
    assert page.status_code == 200, page.text[:300]
    return page.text


def _second_user(client, username: str = "admin"):
    """Another user of the clinic (its administrator), signed in with a password in
    another browser."""
    from fastapi.testclient import TestClient

    other = TestClient(client.app, base_url=BASE, raise_server_exceptions=False)
    logins = client.app.state.demo_logins
    password = next(d.password for d in logins if d.username == username)
    form = {"username": username, "password": password, "csrf_token": _csrf(_html(other, "/login"))}
    assert other.post("/login", data=form, follow_redirects=False).status_code == 303
    return other


def test_what_a_launch_did_not_read_stays_on_every_page_of_its_record(app_client, ehr):
    """The kinds the EHR did not give are kept with the record the launch imported: the
    screening page names them after a language switch, its JSON twin, the course plan and
    the pages another user opens later say them too, until a later launch reads them."""
    screening = launch_without(app_client, ehr, {"Flag", "DocumentReference"})
    patient = screening.removesuffix("/screening")
    page = _html(app_client, screening)
    said = not_read_section(page)
    assert said is not None and "clinical note" in said and "alert" in said, said
    # the reader switches to Russian on the page: the same page, in Russian, still says it
    back = _switch_language(app_client, page, "ru")
    assert back == screening
    russian = _html(app_client, back)
    said_ru = not_read_section(russian)
    assert said_ru is not None and NOT_READ["ru"][1] in said_ru and "предупреждение" in said_ru
    # the footer's "This page as JSON"
    json_link = re.search(r'href="([^"]+\.json)"', russian)
    assert json_link is not None
    twin = app_client.get(json_link[1])
    assert twin.status_code == 200 and set(twin.json()["not_read"]) == {
        "Flag",
        "DocumentReference",
    }
    # the REST API's screening says it too, as the twin's screening object does
    # (from a page of spinecare's own, as a browser says: docs/security.md)
    own_page = {"sec-fetch-site": "same-origin"}
    api = app_client.get(f"/api{screening}", params={"lang": "ru"}, headers=own_page).json()
    assert set(api["not_read"]) == {"Flag", "DocumentReference"}
    assert twin.json()["screening"] == api
    # the patient opened again from the list, and the course plan
    assert patient in _html(app_client, "/patients")
    assert f'href="{screening}"' in _html(app_client, patient)
    assert not_read_section(_html(app_client, screening)) == said_ru
    plan = _html(app_client, f"{patient}/course/new")
    assert not_read_section(plan) == said_ru
    plan_twin = app_client.get(f"{patient}/course/new", headers={"accept": "application/json"})
    assert set(plan_twin.json()["not_read"]) == {"Flag", "DocumentReference"}
    # a colleague opening the patient later, in English
    colleague = _second_user(app_client)
    assert not_read_section(_html(colleague, screening)) == said
    assert not_read_section(_html(colleague, f"{patient}/course/new")) == said
    # a form intake says nothing of the EHR's alerts and notes: still named
    from datetime import date

    intake = _html(app_client, f"{patient}/intake")
    version = re.search(r'name="version" value="(\d+)"', intake)
    readings = {"day": date.today().isoformat(), "systolic": "120", "diastolic": "80"}
    added = app_client.post(
        f"{patient}/intake",
        data={**readings, "csrf_token": _csrf(intake), "version": version[1] if version else ""},
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text[:300]
    assert not_read_section(_html(colleague, screening)) == said
    # a later launch that reads everything clears it, for everyone
    again = launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id))
    assert again.headers["location"] == screening
    for client in (app_client, colleague):
        assert not_read_section(_html(client, screening)) is None
        assert not_read_section(_html(client, f"{patient}/course/new")) is None
        twin = client.get(screening, headers={"accept": "application/json"}).json()
        assert twin["not_read"] == []
        assert client.get(f"/api{screening}", headers=own_page).json()["not_read"] == []


def test_the_referral_letter_names_what_the_launch_did_not_read(app_client, ehr):
    """A red flag found in what the EHR gave: the letter to the physician names the notes
    the launch could not read, in both languages, until a launch reads them."""
    from pathlib import Path

    fixture = Path(__file__).parents[1] / "fixtures" / "ehr" / "snomed_bone_metastasis.json"
    resources = [e["resource"] for e in json.loads(fixture.read_text())["entry"]]
    pid = next(r["id"] for r in resources if r["resourceType"] == "Patient")
    ehr.patients[pid] = resources
    ehr.resources.extend(resources)
    letter = launch_without(app_client, ehr, {"DocumentReference"}, pid)
    letter = letter.replace("/screening", "/referral")
    page = _html(app_client, letter)
    said = not_read_section(page)
    assert said is not None and NOT_READ["en"][1] in said and "clinical note" in said, said
    assert app_client.get(letter, headers={"accept": "application/json"}).json()["not_read"] == [
        "DocumentReference"
    ]
    _switch_language(app_client, page, "ru")
    said_ru = not_read_section(_html(app_client, letter))
    assert said_ru is not None and NOT_READ["ru"][1] in said_ru
    assert launch(app_client, ehr, launch=ehr.new_launch(pid)).status_code == 303
    assert not_read_section(_html(app_client, letter)) is None


def test_a_launch_that_reads_every_kind_names_nothing_not_read(app_client, ehr):
    response = launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id))
    assert response.status_code == 303 and response.headers["location"].endswith("/screening")
    page = app_client.get(response.headers["location"], headers={"accept": "text/html"})
    assert page.status_code == 200
    assert not_read_section(page.text) is None and "<h2>Not read</h2>" not in page.text


def test_a_kind_the_grant_does_not_cover_is_not_searched_and_named_not_read(app_client, ehr):
    """The EHR grants every kind but alerts (Flag): a search it does not let spinecare
    make could answer empty, as if the patient had no alerts. It is not made, and the
    screening page names alerts as not read."""
    from spinecare.fhir.prefetch import kb_templates, template_kind
    from spinecare.kb import load_kb

    kinds = sorted({template_kind(t) for t in kb_templates(load_kb()).values()} - {"Flag"})
    ehr.granted_scope = "launch openid fhirUser " + " ".join(f"patient/{k}.rs" for k in kinds)
    reads = len(ehr.fhir_reads)
    response = launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id))
    assert response.status_code == 303, response.text[:300]
    searched = {query.split("?")[0] for _, query in ehr.fhir_reads[reads:]}
    assert "Flag" not in searched and "Condition" in searched
    page = app_client.get(response.headers["location"], headers={"accept": "text/html"})
    said = not_read_section(page.text)
    assert said is not None and ": alert." in said, said


def test_the_physician_deciding_a_clearance_reads_what_the_launch_did_not_read(app_client, ehr):
    """The physician asked to clear massage for a launched patient sees the screening with
    the kinds the EHR did not give, signed in with a password, in another browser."""
    pid = next(p for p in ehr.patients if p != ehr.patient_id)
    screening = launch_without(app_client, ehr, {"Flag"}, pid)
    page = _html(app_client, screening)
    concepts = re.findall(r'name="concepts" value="([^"]+)"', page)
    doctor = re.search(r'<select name="physician_id">.*?value="(\d+)"', page, re.S)
    assert concepts and doctor is not None, "no clearance to ask for"
    asked = app_client.post(
        f"{screening.removesuffix('/screening')}/clearance-requests",
        data={"csrf_token": _csrf(page), "concepts": concepts, "physician_id": doctor[1]},
        headers={"accept": "application/json"},
    )
    assert asked.status_code == 201, asked.text[:300]
    decide = _html(_second_user(app_client, "physician"), f"/clearances/{asked.json()['id']}")
    said = not_read_section(decide)
    assert said is not None and ": alert." in said, said


def _link_wrongly(client, ehr) -> tuple[int, int]:
    """The EHR's patient linked to the chart of another person of the clinic (as an import
    of a record without a name or birth date could link it); (that chart, its intakes)."""
    from spinecare.store.ehr import link_ehr_patient
    from spinecare.store.models import Intake, PatientRow

    with client.app.state.db.session() as session:
        chart = session.scalar(
            select(PatientRow).where(PatientRow.external_id == "demo-kuznetsova")
        )
        assert chart is not None and chart.birth_date is not None
        assert link_ehr_patient(session, chart, ehr.iss, ehr.patient_id)
        intakes = session.scalar(
            select(func.count()).select_from(Intake).where(Intake.patient_id == chart.id)
        )
        return chart.id, intakes


@pytest.mark.parametrize("who", ["therapist", "physician"])
def test_a_link_to_another_persons_chart_opens_and_stores_nothing(app_client, ehr, who):
    """The EHR's patient is checked against the linked chart's name and birth date, as a
    record for a chart of the same id is: a wrong link (made by an import) never adds one
    person's EHR record to another's chart, nor opens that chart for them."""
    from spinecare.store.models import AuditEntry, Intake

    chart, intakes = _link_wrongly(app_client, ehr)
    before = counts(app_client)
    if who == "physician":
        ehr.fhir_user = "Practitioner/doc-1"
    response = launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id))
    assert response.status_code == 403, response.text
    text = " ".join(response.text.split())
    assert "is another person than the patient of the clinic linked to them" in text
    assert "Kuznetsova" not in text  # a physician may not see that chart: never named
    assert "spinecare_session" not in response.headers.get("set-cookie", "")
    assert counts(app_client) == before
    with app_client.app.state.db.session() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(Intake).where(Intake.patient_id == chart)
            )
            == intakes
        )
        refused = session.scalars(select(AuditEntry).where(AuditEntry.action == "refused")).all()
        assert [entry.username for entry in refused] == [who]
        assert "another person" in (refused[0].detail or "")
        assert not session.scalars(select(AuditEntry).where(AuditEntry.action == "launch")).all()


def test_the_refusal_of_a_wrong_link_is_said_in_russian(app_client, ehr):
    _link_wrongly(app_client, ehr)
    app_client.cookies.set("__Host-spinecare_lang", "ru")
    response = launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id))
    assert response.status_code == 403
    assert "другой человек" in " ".join(response.text.split())


def test_a_launch_ends_the_browsers_ordinary_login(app_client, ehr):
    """The launch removes the browser's ordinary login cookie; the login itself ends too,
    so its token, kept elsewhere, signs nobody in any more."""
    form = app_client.get("/login", headers={"accept": "text/html"}).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    password = next(d.password for d in app_client.app.state.demo_logins if d.username == "admin")
    signed_in = app_client.post(
        "/login",
        data={"username": "admin", "password": password, "csrf_token": token[1]},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    ordinary = app_client.cookies.get(SESSION)
    assert ordinary
    before = app_client.get("/patients", headers={"accept": "application/json"})
    assert before.status_code == 200, before.text
    response = launch(app_client, ehr, launch=ehr.new_launch(ehr.patient_id))
    assert response.status_code == 303, response.text
    app_client.cookies.clear()
    kept = {"accept": "application/json", "cookie": f"{SESSION}={ordinary}"}
    refused = app_client.get("/patients", headers=kept)
    assert refused.status_code == 401, refused.text


@pytest.mark.parametrize(
    ("lang", "title"),
    [
        ("en", "spinecare could not be opened from the EHR"),
        ("ru", "Не удалось открыть spinecare из медицинской системы"),
    ],
)
def test_a_launch_that_cannot_go_on_is_titled_so(app_client, lang, title):
    """A launch from an EHR that is not set up was titled "The request could not be read"
    ("Запрос не удалось прочитать"): the request was read well; the launch cannot go on."""
    response = app_client.get(
        "/launch",
        params={"iss": "https://unknown-ehr.example/fhir", "launch": "x"},
        headers={"accept": "text/html", "accept-language": lang},
    )
    assert response.status_code == 400
    assert f"<h1>{title}</h1>" in response.text
    assert "could not be read" not in response.text and "не удалось прочитать" not in response.text
