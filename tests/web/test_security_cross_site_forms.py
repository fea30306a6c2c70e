"""A form the browser says was sent from another site's page (``Sec-Fetch-Site``) is
refused, its token valid or not: a page on another host of the hospital's domain can set
the sign-in page's ``spinecare_csrf`` cookie in a clinician's browser to a value whose
token it read from spinecare, and sign the clinician in to its author's account."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import JSON, OTHER, World, csrf_of
from tests.web.test_web_forged_forms_audited import _refusals

NONCE = "spinecare_csrf"
SESSION = "spinecare_session"


ELSEWHERE = "https://wiki.hospital.example"
OWN = "http://testserver"  # the address the test client sends to


def _tossed_sign_in(world: World, site: str | None, origin: str | None = ELSEWHERE) -> TestClient:
    """The other clinic's therapist reads a token from the sign-in page; the clinician's
    browser is given that page's cookie (by a page of the same domain) and sends the
    author's sign-in from a page of ``origin``, as ``site`` says (None: a browser that
    does not say; ``origin`` None: one that sends no ``Origin`` either)."""
    author = world.client()
    token = csrf_of(author)
    clinician = world.client()
    clinician.cookies.set(NONCE, author.cookies[NONCE])
    headers = {"sec-fetch-site": site} if site is not None else {}
    if origin is not None:
        headers["origin"] = origin
    clinician.post(
        "/login", data={**OTHER, "csrf_token": token}, headers=headers, follow_redirects=False
    )
    return clinician


@pytest.mark.parametrize("site", ["same-site", "cross-site", "Same-Site"])
def test_a_sign_in_sent_from_another_sites_page_signs_nobody_in(world: World, site: str) -> None:
    clinician = _tossed_sign_in(world, site)
    assert SESSION not in clinician.cookies
    assert clinician.get("/api/patients").status_code == 401


PUBLIC = "http://spinecare.hospital.example"  # the address browsers know the app by
"""Plain HTTP, so that the cookies keep the names a page of the same domain can set: an
https address makes them ``__Host-`` cookies, which no other host can set at all
(``tests/web/test_sec_hosts_and_cookies.py``)."""


def _public_address(world: World) -> None:
    """The deployment names its public address (``SPINECARE_BASE_URL``)."""
    world.app.state.web.settings.base_url = PUBLIC  # type: ignore[attr-defined]
    assert world.app.state.web.settings.base_url_configured  # type: ignore[attr-defined]


@pytest.mark.parametrize("origin", [ELSEWHERE, "null", "http://testserver.evil.example"])
def test_a_browser_that_does_not_say_its_site_is_judged_by_its_origin(
    world: World, origin: str
) -> None:
    """Older browsers send no ``Sec-Fetch-Site`` but do send ``Origin``: where the public
    address is known, another site's page (or an opaque ``null`` one) signs nobody in."""
    _public_address(world)
    clinician = _tossed_sign_in(world, None, origin)
    assert SESSION not in clinician.cookies
    assert clinician.get("/api/patients").status_code == 401
    own = _tossed_sign_in(world, None, PUBLIC)  # the page of the public address
    assert SESSION in own.cookies


def test_behind_a_proxy_with_no_public_address_the_token_decides(world: World) -> None:
    """Behind a reverse proxy the app sees ``http://internal:8000`` while the browser
    sends its public origin: with no public address configured, an older browser's own
    form is judged by its token (every form of such a browser was refused, the offline
    diary's queue included)."""
    clinician = _tossed_sign_in(world, None, PUBLIC)
    assert SESSION in clinician.cookies


@pytest.mark.parametrize(
    ("site", "origin"),
    [("same-origin", OWN), ("same-origin", None), (None, OWN), (None, "HTTP://TESTSERVER:80")],
)
def test_a_sign_in_from_the_sign_in_page_signs_in(
    world: World, site: str | None, origin: str | None
) -> None:
    """The page's own form, said so by ``Sec-Fetch-Site`` or by ``Origin``."""
    clinician = _tossed_sign_in(world, site, origin)
    assert SESSION in clinician.cookies
    assert clinician.get("/api/patients").status_code == 200


def test_a_browser_that_says_neither_is_judged_by_the_token_alone(world: World) -> None:
    clinician = _tossed_sign_in(world, None, None)
    assert SESSION in clinician.cookies


def test_the_refusal_says_where_the_form_came_from_not_to_reload(world: World) -> None:
    """Reloading the page cannot help a form sent from another site's page."""
    author = world.client()
    token = csrf_of(author)
    for lang, words in (("en", "another site"), ("ru", "другого сайта")):
        answer = author.post(
            "/login",
            data={**OTHER, "csrf_token": token},
            headers={**JSON, "sec-fetch-site": "cross-site", "accept-language": lang},
            follow_redirects=False,
        )
        assert answer.status_code == 403
        error = answer.json()["error"]
        assert error["code"] == "csrf_failed"
        assert words in error["message"] and "reload" not in error["message"]


def _new_patient(client: TestClient, token: str, pid: str, site: str) -> int:
    """The status of the new patient form sent with ``token`` from a page of ``site``."""
    fields = {"name": "Sent From A Page", "external_id": pid, "csrf_token": token}
    headers = {**JSON, "sec-fetch-site": site}
    answer = client.post("/patients", data=fields, headers=headers, follow_redirects=False)
    return answer.status_code


def test_a_signed_in_form_sent_from_another_sites_page_is_refused_and_recorded(
    world: World, signed_in: Callable[[str], TestClient]
) -> None:
    therapist = signed_in("therapist")
    token = csrf_of(therapist, "/patients/new")
    before = len(_refusals(world))
    assert _new_patient(therapist, token, "elsewhere-1", "same-site") == 403
    assert therapist.get("/patients?q=elsewhere-1", headers=JSON).json()["total"] == 0
    (refused,) = _refusals(world)[before:]
    assert (refused.username, refused.entity_id) == ("therapist", "POST /patients")
    # the same form from the page itself is taken
    assert _new_patient(therapist, token, "here-1", "same-origin") in (201, 303)
    assert therapist.get("/patients?q=here-1", headers=JSON).json()["total"] == 1
