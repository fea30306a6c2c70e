"""What a hospital deploys, attacked over HTTP: the cookies of an HTTPS deployment are
``__Host-`` cookies that another host of the hospital's domain cannot set; a request for a
host the deployment does not serve reaches nothing (DNS rebinding, a forged ``Host``); no
address the app sends is built from the ``Host`` header."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import served_app
from tests.web.conftest import HTML, JSON, PASSWORDS, PROGRAM, World, csrf_of, login

PUBLIC = "https://spinecare.hospital.example"
SESSION, NONCE = "__Host-spinecare_session", "__Host-spinecare_csrf"


def _app(world: World, **settings: Any) -> Any:
    """The world's database served with other settings (the public address, ...)."""
    from spinecare.app import create_app
    from spinecare.settings import Settings

    db_url = world.app.state.settings.db_url  # type: ignore[attr-defined]
    values: dict[str, Any] = {
        "environment": "test",
        "db_url": db_url,
        "demo": True,
        "secret_key": "test-secret-key",
        **settings,
    }
    return create_app(Settings.from_env(**values), seed_passwords=PASSWORDS)


@pytest.fixture
def https_app(world: World) -> Iterator[Any]:
    app = _app(world, base_url=PUBLIC)
    yield app
    app.state.db.dispose()


def _client(app: Any, base: str = PUBLIC) -> TestClient:
    return TestClient(app, base_url=base, raise_server_exceptions=False, headers=PROGRAM)


def _attributes(header: str) -> dict[str, str]:
    parts = [part.strip() for part in header.split(";")]
    return {p.partition("=")[0].lower(): p.partition("=")[2] for p in parts[1:]}


def _set_cookie(response: Any, name: str) -> str:
    return next(c for c in response.headers.get_list("set-cookie") if c.startswith(name + "="))


# -- cookies ------------------------------------------------------------------------------


def test_an_https_deployment_sets_host_only_secure_cookies(https_app: Any) -> None:
    client = _client(https_app)
    page = client.get("/login", headers=HTML)
    nonce = _attributes(_set_cookie(page, NONCE))
    signed = client.post(
        "/login",
        data={
            "username": "therapist",
            "password": PASSWORDS["therapist"],
            "csrf_token": _csrf(page),
        },
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text[:300]
    session = _attributes(_set_cookie(signed, SESSION))
    for attributes in (nonce, session):
        # what browsers require of a __Host- cookie: Secure, Path=/ and no Domain
        assert "secure" in attributes and attributes["path"] == "/"
        assert "domain" not in attributes
        assert "httponly" in attributes and attributes["samesite"].lower() == "lax"
    assert not [
        c for c in signed.headers.get_list("set-cookie") if c.startswith("spinecare_session=s")
    ]
    assert client.get("/patients", headers=JSON).status_code == 200
    assert client.get("/api/patients").status_code == 200
    # signing out removes it as a browser removes a __Host- cookie: with Secure and Path=/
    out = client.post(
        "/logout", data={"csrf_token": csrf_of(client, "/patients")}, follow_redirects=False
    )
    removed = _attributes(_set_cookie(out, SESSION))
    assert "secure" in removed and removed["path"] == "/" and removed["max-age"] == "0"


def _csrf(page: Any) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text[:300]
    return match.group(1)


def test_a_login_under_the_plain_name_signs_nobody_in(https_app: Any) -> None:
    """A page on another host of the hospital's domain can set ``spinecare_session`` with
    ``Domain=hospital.example`` (to a login of its author's); under HTTPS spinecare reads
    only ``__Host-spinecare_session``, which no other host can set. So is a login kept
    from before the upgrade: the user signs in again."""
    author = login(_client(https_app), "other-therapist", "other-pass-12")
    planted = author.cookies.get(SESSION)
    assert planted
    victim = _client(https_app)
    victim.cookies.set("spinecare_session", planted, domain="hospital.example")
    assert victim.get("/patients", headers=JSON).status_code == 401
    assert victim.get("/api/patients").status_code == 401
    page = victim.get("/patients", headers=HTML, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    # the victim's own sign-in works beside it, and takes off a plain cookie of this host
    victim.cookies.clear()
    victim.cookies.set("spinecare_session", planted, domain="spinecare.hospital.example")
    login(victim, "therapist", PASSWORDS["therapist"])
    assert victim.get("/api/patients").status_code == 200
    assert victim.cookies.get("spinecare_session") is None


def test_a_nonce_planted_by_another_host_signs_nobody_in(https_app: Any) -> None:
    """Login CSRF from another host of the domain, in a browser that sends neither
    ``Sec-Fetch-Site`` nor ``Origin``: the author plants the sign-in page's nonce whose
    token they read, under the plain name a ``Domain=`` cookie can have; the token is not
    the one of the nonce spinecare reads (``__Host-spinecare_csrf``), so the forged
    sign-in is refused and the browser stays signed out."""
    author = _client(https_app)
    page = author.get("/login", headers=HTML)
    nonce, token = author.cookies.get(NONCE), _csrf(page)
    assert nonce
    victim = _client(https_app)
    victim.cookies.set("spinecare_csrf", nonce, domain="hospital.example")
    forged = victim.post(
        "/login",
        data={"username": "other-therapist", "password": "other-pass-12", "csrf_token": token},
        headers=JSON,
        follow_redirects=False,
    )
    assert forged.status_code == 403, forged.text
    assert forged.json()["error"]["code"] == "csrf_failed"
    assert not victim.cookies.get(SESSION)


def test_a_plain_http_local_run_keeps_its_plain_cookies(world: World) -> None:
    """``make run``: development settings, the default public address, plain HTTP on
    loopback. Cookies keep their names, not Secure (a browser would not send a Secure one
    over plain HTTP), and signing in works."""
    app = _app(world, environment="development")
    try:
        client = _client(app, "http://127.0.0.1:8000")
        login(client, "therapist", PASSWORDS["therapist"])
        assert client.cookies.get("spinecare_session") and not client.cookies.get(SESSION)
        assert client.get("/patients", headers=JSON).status_code == 200
        page = _client(app, "http://127.0.0.1:8000").get("/login", headers=HTML)
        assert "secure" not in _attributes(_set_cookie(page, "spinecare_csrf"))
        # any host is answered where nothing is configured (a first try on a laptop)
        assert (
            client.get("/login", headers={**HTML, "host": "my-laptop.local:8000"}).status_code
            == 200
        )
    finally:
        app.state.db.dispose()


def test_the_api_description_names_the_cookie_the_deployment_sets(
    https_app: Any, world: World
) -> None:
    """A client generated from the OpenAPI description sent ``spinecare_session``, which
    an HTTPS deployment does not read."""
    from spinecare.api.cds_app import create_cds_app
    from spinecare.settings import Settings

    def named(app: Any, base: str) -> str:
        schema = _client(app, base).get("/openapi.json").json()
        return str(schema["components"]["securitySchemes"]["sessionCookie"]["name"])

    assert named(https_app, PUBLIC) == SESSION
    assert named(world.app, "http://testserver") == "spinecare_session"
    standalone = create_cds_app(Settings.from_env(environment="test", base_url=PUBLIC))
    assert named(standalone, PUBLIC) == SESSION


# -- the Host header ----------------------------------------------------------------------

ROUTES = [
    ("GET", "/login"),
    ("GET", "/"),
    ("GET", "/patients/1"),
    ("GET", "/static/style.css"),
    ("GET", "/no-such-page"),
    ("POST", "/login"),
    ("GET", "/api/patients"),
    ("POST", "/api/screen"),
    ("GET", "/cds-services"),
    ("GET", "/launch?iss=https://ehr.example"),
    ("GET", "/docs"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize(
    "host",
    ["evil.example", "spinecare.hospital.example.evil.example", "10.0.0.7", "[fe80::1]:8000"],
)
def test_a_request_for_a_host_not_served_reaches_nothing(
    https_app: Any, method: str, path: str, host: str
) -> None:
    """DNS rebinding: a page in a clinician's browser points its own name at the server and
    reads what it answers (its Origin is then "the same"); a forged ``Host`` too."""
    client = _client(https_app)
    answer = client.request(method, path, headers={"host": host, "accept": "application/json"})
    assert answer.status_code == 400, answer.text[:300]
    error = answer.json()["error"]
    assert error["code"] == "wrong_host"
    assert PUBLIC in error["message"]
    assert "evil" not in answer.text and "10.0.0.7" not in answer.text
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert not answer.headers.get_list("set-cookie")


def test_the_refusal_is_a_page_for_a_browser_and_an_outcome_under_fhir(https_app: Any) -> None:
    client = _client(https_app)
    page = client.get("/patients", headers={**HTML, "host": "evil.example"})
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    assert "does not serve the address the request was sent to" in page.text
    assert "evil.example" not in page.text
    # no cookie for the refused host (the sign-in nonce of the page's forms): it has none
    assert not page.headers.get_list("set-cookie")
    assert "csrf_token" not in page.text
    russian = client.get(
        "/login", headers={**HTML, "host": "evil.example", "accept-language": "ru"}
    )
    assert russian.status_code == 400 and '<html lang="ru"' in russian.text
    assert not russian.headers.get_list("set-cookie")
    outcome = client.get("/fhir/metadata", headers={"host": "evil.example"})
    assert outcome.status_code == 400
    assert outcome.json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize(
    "host",
    [
        "spinecare.hospital.example",
        "SpineCare.Hospital.Example:443",
        "spinecare.hospital.example.",
        "localhost:8000",
        "127.0.0.1",
        "[::1]:8000",
        "app-internal",
    ],
)
def test_the_public_host_loopback_and_allowed_hosts_are_served(world: World, host: str) -> None:
    app = _app(world, base_url=PUBLIC, allowed_hosts="App-Internal, monitor.lan")
    try:
        answer = _client(app).get("/login", headers={**HTML, "host": host})
        assert answer.status_code == 200, answer.text[:300]
    finally:
        app.state.db.dispose()


def test_allowed_hosts_alone_turn_the_check_on(world: World) -> None:
    app = _app(world, allowed_hosts="clinic.lan")
    try:
        client = _client(app, "http://clinic.lan")
        assert client.get("/login", headers=HTML).status_code == 200
        refused = client.get("/api/patients", headers={"host": "evil.example"})
        assert refused.status_code == 400
        assert refused.json()["error"]["message"] == (
            "this server does not serve the address the request was sent to; open spinecare "
            "at its own address"
        )
    finally:
        app.state.db.dispose()


@pytest.mark.parametrize(
    "value", ["https://clinic.lan", "clinic.lan:8443", "clinic.lan/app", "a b"]
)
def test_an_allowed_host_that_is_no_host_name_is_refused_naming_the_setting(value: str) -> None:
    from spinecare.errors import InputError
    from spinecare.settings import Settings

    with pytest.raises(InputError, match="SPINECARE_ALLOWED_HOSTS"):
        Settings.from_env(environment="test", allowed_hosts=value)


def test_smart_launches_and_signed_cds_calls_need_the_public_address(tmp_path: Any) -> None:
    """The EHR sends the browser back to ``SPINECARE_BASE_URL``: left at its default, every
    launch would end at ``http://127.0.0.1:8000`` (and no host would be checked)."""
    from spinecare.errors import InputError
    from spinecare.settings import Settings

    ehrs = tmp_path / "ehrs.json"
    ehrs.write_text('{"ehrs": []}')
    with pytest.raises(InputError, match="SPINECARE_SMART_EHRS needs SPINECARE_BASE_URL"):
        Settings.from_env(environment="test", smart_ehrs=str(ehrs))
    assert Settings.from_env(environment="test", smart_ehrs=str(ehrs), base_url=PUBLIC).https
    with pytest.raises(InputError, match="SPINECARE_CDS_ISSUERS needs SPINECARE_BASE_URL"):
        Settings.from_env(environment="test", cds_issuers=str(ehrs))


@pytest.mark.parametrize("host", ["good.example:80@evil.example", "evil.example/x", "a b"])
def test_a_host_header_that_is_no_host_is_refused_even_unconfigured(
    world: World, host: str
) -> None:
    """``good.example:80@evil.example`` is read by a URL built from it as the host
    ``evil.example``: refused wherever the app runs."""
    client = world.client()
    answer = client.get("/patients/", headers={**JSON, "host": host}, follow_redirects=False)
    assert answer.status_code == 400, answer.text[:300]
    assert "location" not in answer.headers


@pytest.mark.parametrize("path", ["/patients/", "/login/", "/api/patients/", "/cds-services/"])
def test_the_slash_redirect_is_a_path_never_an_address_from_the_host(
    world: World, path: str
) -> None:
    """Unconfigured, any host is answered: the framework's redirect of ``/patients/`` to
    ``/patients`` was ``http://evil.example/patients``, an address from the ``Host``."""
    client = world.client()
    answer = client.get(path, headers={"host": "evil.example"}, follow_redirects=False)
    assert answer.status_code == 307
    assert answer.headers["location"] == path.rstrip("/")


def test_addresses_the_app_builds_come_from_its_public_address(https_app: Any) -> None:
    """The FHIR CapabilityStatement's addresses (as the CDS cards' links and the SMART
    launch's return address) are the configured public address, whatever host, among
    those served, the request names."""
    client = _client(https_app)
    statement = client.get("/fhir/metadata", headers={"host": "localhost:8000"}).json()
    assert statement["implementation"]["url"] == f"{PUBLIC}/fhir"
    assert "localhost" not in json.dumps(statement)


# -- a real server --------------------------------------------------------------------------


def test_a_real_server_refuses_a_rebound_host(world: World) -> None:
    """Over a socket, as a browser whose DNS answer was rebound sends it: the name the
    page was loaded from in ``Host``, its ``Origin`` the same."""
    from spinecare.app import server_options

    app = _app(world, base_url=PUBLIC)
    try:
        with served_app(app, **server_options()) as address:
            answers = {}
            for host in ("attacker.example", "spinecare.hospital.example"):
                with socket.create_connection(address, timeout=20) as conn:
                    conn.sendall(
                        b"GET /login HTTP/1.1\r\nhost: " + host.encode() + b"\r\n"
                        b"origin: http://" + host.encode() + b"\r\naccept: application/json\r\n"
                        b"connection: close\r\n\r\n"
                    )
                    answer = b""
                    while chunk := conn.recv(65_536):
                        answer += chunk
                answers[host] = answer
    finally:
        app.state.db.dispose()
    refused = answers["attacker.example"]
    assert refused.startswith(b"HTTP/1.1 400"), refused[:300]
    body = json.loads(refused.partition(b"\r\n\r\n")[2])
    assert body["error"]["code"] == "wrong_host"
    assert answers["spinecare.hospital.example"].startswith(b"HTTP/1.1 200")
