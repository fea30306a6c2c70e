"""The public address a deployment gives (``SPINECARE_BASE_URL``) as browsers send it
back: an internationalised (Cyrillic) name arrives in its ``xn--`` form, an IPv6 address
in any of its spellings; a wrong value stops the start naming the variable; a
deployment outside development without one is told so, at start and on the
administrator's page."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import HTML, JSON, PASSWORDS, World, csrf_of

IDN = "https://спина.больница.рф"
PUNYCODE = "xn--80appgj.xn--80abvlke3d3b.xn--p1ai"  # as a browser sends it in Host/Origin
SESSION = "__Host-spinecare_session"


def _app(world: World, **settings: Any) -> Any:
    from spinecare.app import create_app
    from spinecare.settings import Settings

    values: dict[str, Any] = {
        "environment": "test",
        "db_url": world.app.state.settings.db_url,  # type: ignore[attr-defined]
        "demo": True,
        "secret_key": "test-secret-key",
        **settings,
    }
    return create_app(Settings.from_env(**values), seed_passwords=PASSWORDS)


@pytest.fixture
def idn_app(world: World) -> Iterator[Any]:
    app = _app(world, base_url=IDN, allowed_hosts="клиника.рф, 2001:db8:0::1")
    yield app
    app.state.db.dispose()


def test_a_cyrillic_public_address_is_served_and_signs_in(idn_app: Any) -> None:
    """Every request of a clinic at ``https://спина.больница.рф`` was refused 400, telling
    the user to open spinecare at the address they had opened."""
    browser = TestClient(idn_app, base_url=f"https://{PUNYCODE}", raise_server_exceptions=False)
    page = browser.get("/login", headers=HTML)
    assert page.status_code == 200, page.text[:300]
    # an older browser, which says no Sec-Fetch-Site, is judged by its Origin: its own
    signed_in = browser.post(
        "/login",
        data={
            "username": "therapist",
            "password": PASSWORDS["therapist"],
            "csrf_token": csrf_of(browser),
        },
        headers={"origin": f"https://{PUNYCODE.upper()}"},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303, signed_in.text[:300]
    assert SESSION in browser.cookies
    own_page = {"sec-fetch-site": "same-origin"}  # a read from spinecare's own page
    assert browser.get("/api/patients", headers=own_page).status_code == 200
    other = browser.get("/login", headers={**JSON, "host": "xn--80appgj.evil.example"})
    assert other.status_code == 400
    assert IDN in other.json()["error"]["message"]


@pytest.mark.parametrize(
    "host",
    [
        f"{PUNYCODE.upper()}.:443",
        "xn--80apagcdp.xn--p1ai",  # клиника.рф, of SPINECARE_ALLOWED_HOSTS
        "[2001:DB8::1]:8000",  # written another way than the setting (2001:db8:0::1)
        "[0:0:0:0:0:0:0:1]",  # ::1
    ],
)
def test_hosts_are_compared_in_one_form(idn_app: Any, host: str) -> None:
    client = TestClient(idn_app, base_url=f"https://{PUNYCODE}", raise_server_exceptions=False)
    answer = client.get("/login", headers={**HTML, "host": host})
    assert answer.status_code == 200, answer.text[:300]


def test_allowed_hosts_take_cyrillic_names_and_ipv6_spellings() -> None:
    from spinecare.settings import Settings

    settings = Settings.from_env(
        environment="test", base_url=IDN, allowed_hosts="Клиника.РФ., [2001:db8:0::1]"
    )
    assert settings.allowed_hosts == ["xn--80apagcdp.xn--p1ai", "2001:db8::1"]
    assert PUNYCODE in (settings.trusted_hosts or ())


@pytest.mark.parametrize(
    "value",
    [
        "spinecare.hospital.example",  # no scheme: every request was refused
        "",
        "https://[::1",  # it stopped the start naming a ValueError, not the variable
        "ftp://spinecare.hospital.example",
        "https://",
        "https://spinecare.hospital.example/?clinic=1",
        "https://spinecare.hospital.example/#top",
        "https://spinecare.hospital.example:99999",
        "https://admin:secret@spinecare.hospital.example",
    ],
)
def test_a_public_address_that_is_no_address_stops_the_start(value: str) -> None:
    from spinecare.errors import InputError
    from spinecare.settings import Settings

    with pytest.raises(InputError) as refused:
        Settings.from_env(environment="production", base_url=value)
    said = str(refused.value)
    assert said.startswith("SPINECARE_BASE_URL: not an address browsers can open")
    assert "\n" not in said and "Value error" not in said


def test_the_server_says_so_in_one_line_without_a_traceback(tmp_path: Any) -> None:
    env = {
        **os.environ,
        "SPINECARE_DATA_DIR": str(tmp_path),
        "SPINECARE_BASE_URL": "spinecare.hospital.example",
    }
    run = subprocess.run(
        [sys.executable, "-m", "spinecare", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode != 0
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "SPINECARE_BASE_URL" in lines[0], run.stderr
    assert "Traceback" not in run.stderr + run.stdout


def test_production_without_its_public_address_is_told_at_start_and_to_the_admin(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Outside development the cookies are Secure (HTTPS) but, without the public address,
    not ``__Host-`` cookies, and any host is answered: said, the start goes on (a first
    try with no settings at all still starts)."""
    from spinecare.app import NO_PUBLIC_ADDRESS
    from tests.web.conftest import login

    with caplog.at_level(logging.WARNING, logger="spinecare.app"):
        app = _app(world, environment="production", secret_key="s" * 40)
    try:
        assert NO_PUBLIC_ADDRESS in caplog.messages
        admin = login(TestClient(app, base_url="https://testserver"), "admin", PASSWORDS["admin"])
        for lang, words in (("en", "the address it is opened at"), ("ru", "адрес, по которому")):
            switched = admin.post(
                "/language", data={"language": lang, "csrf_token": csrf_of(admin, "/users")}
            )
            assert switched.status_code in (200, 303), switched.text[:300]
            page = admin.get("/users", headers=HTML).text
            notice = page.split('id="public-address"')[1].split("</p>")[0]
            assert words in notice and "SPINECARE_BASE_URL" in notice
    finally:
        app.state.db.dispose()


@pytest.mark.parametrize(
    "settings",
    [{"environment": "production", "base_url": IDN}, {"environment": "development"}],
)
def test_with_its_address_or_in_development_nothing_is_said(
    world: World, caplog: pytest.LogCaptureFixture, settings: dict[str, str]
) -> None:
    """``make run`` (development, no public address) starts as it did, saying nothing."""
    from spinecare.app import NO_PUBLIC_ADDRESS

    with caplog.at_level(logging.WARNING, logger="spinecare.app"):
        app = _app(world, secret_key="s" * 40, **settings)
    app.state.db.dispose()
    assert NO_PUBLIC_ADDRESS not in caplog.messages
