"""A page of another site (or of another host of the hospital's domain) can make a
signed-in clinician's browser send requests to spinecare: an image, a script, a frame, a
link. The login cookie goes with them; the attacker reads nothing, but each read was
recorded under the clinician's name. With the login cookie, the REST API answers only
spinecare's own pages (or a program that says so) and a page opens from elsewhere only as
a link does; personal API tokens, the SMART launch, CDS Hooks and the FHIR API are not
concerned."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.web.conftest import HTML, JSON, PASSWORDS, World, login
from tests.web.test_web_forged_forms_audited import _refusals

SIBLING = {"sec-fetch-site": "same-site"}
"""A page of another host of the hospital's domain (``wiki.hospital.example``)."""
OTHER_SITE = {"sec-fetch-site": "cross-site"}
IMAGE = {"sec-fetch-mode": "no-cors", "sec-fetch-dest": "image"}
LINK = {"sec-fetch-mode": "navigate", "sec-fetch-dest": "document", **HTML}
FRAME = {"sec-fetch-mode": "navigate", "sec-fetch-dest": "iframe", **HTML}
OWN_PAGE = {"sec-fetch-site": "same-origin", "sec-fetch-mode": "cors", "sec-fetch-dest": "empty"}
TYPED = {"sec-fetch-site": "none", **LINK}
"""An address typed, or a bookmark."""
REFUSED = "this request came from a page of another site and is refused"


def _reads(world: World, patient: int) -> int:
    """The audit log's reads of ``patient``."""
    from spinecare.store.models import AuditEntry

    with world.app.state.db.session() as session:  # type: ignore[attr-defined]
        return int(
            session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "read", AuditEntry.patient_id == patient)
            )
            or 0
        )


@pytest.mark.parametrize("site", [SIBLING, OTHER_SITE])
@pytest.mark.parametrize("how", [IMAGE, LINK, FRAME])
@pytest.mark.parametrize("what", ["", "/screening", "/plan"])
def test_another_sites_page_reads_nothing_of_the_api_with_the_login(
    world: World,
    signed_in: Callable[[str], TestClient],
    site: dict[str, str],
    how: dict[str, str],
    what: str,
) -> None:
    therapist = signed_in("therapist")
    before = _reads(world, world.demo_patient)
    answer = therapist.get(f"/api/patients/{world.demo_patient}{what}", headers={**site, **how})
    assert answer.status_code == 403
    error = answer.json()["error"]
    assert error["code"] == "cross_site" and error["message"].startswith(REFUSED)
    assert _reads(world, world.demo_patient) == before  # nothing read in the clinician's name
    refused = _refusals(world)[-1]
    assert refused.username == "therapist" and refused.entity_id.startswith("GET /api/")
    assert refused.detail.startswith("403: this request came from a page of another site")


def test_the_list_and_the_anonymous_screening_refuse_another_sites_page_too(
    world: World, signed_in: Callable[[str], TestClient]
) -> None:
    therapist = signed_in("therapist")
    assert therapist.get("/api/patients", headers={**SIBLING, **IMAGE}).status_code == 403
    posted = therapist.post(
        "/api/screen", json={}, headers={**OTHER_SITE, "sec-fetch-mode": "cors"}
    )
    assert posted.status_code == 403 and posted.json()["error"]["code"] == "cross_site"


@pytest.mark.parametrize("headers", [OWN_PAGE, TYPED, {"x-requested-with": "script"}])
def test_spinecare_s_own_pages_a_typed_address_and_a_program_that_says_so_read_it(
    world: World, signed_in: Callable[[str], TestClient], headers: dict[str, str]
) -> None:
    therapist = signed_in("therapist")
    answer = therapist.get(f"/api/patients/{world.demo_patient}", headers=headers)
    assert answer.status_code == 200 and answer.json()["patient"]["id"] == world.demo_patient


def test_a_client_that_says_nothing_is_asked_to_say_it_with_the_login_cookie(
    world: World, signed_in: Callable[[str], TestClient]
) -> None:
    """An older browser sends no ``Sec-Fetch-Site`` (nor an ``Origin`` with a GET): a link
    or an image from another site's page looks the same as a program, so a program says
    what a page cannot send without the server's leave."""
    therapist = signed_in("therapist")
    del therapist.headers["x-requested-with"]  # the test client says it is a program
    answer = therapist.get(f"/api/patients/{world.demo_patient}")
    assert answer.status_code == 403
    message = answer.json()["error"]["message"]
    assert "Authorization: Bearer" in message and "X-Requested-With" in message
    russian = world.client()
    russian.headers["accept-language"] = "ru"  # signs in on a Russian page
    login(russian, "physician", PASSWORDS["physician"])
    del russian.headers["x-requested-with"]
    in_russian = russian.get("/api/patients").json()["error"]["message"]
    assert (
        in_russian.startswith("запрос с cookie сеанса входа") and "X-Requested-With" in in_russian
    )


def test_an_older_browser_on_another_sites_page_is_told_by_its_origin(
    world: World, signed_in: Callable[[str], TestClient]
) -> None:
    world.app.state.web.settings.base_url = "http://spinecare.hospital.example"  # type: ignore[attr-defined]
    therapist = signed_in("therapist")
    foreign = {"origin": "http://wiki.hospital.example", "x-requested-with": "x"}
    assert therapist.get("/api/patients", headers=foreign).status_code == 403
    assert therapist.get("/api/patients", headers={"origin": "null"}).status_code == 403
    own = {"origin": "http://spinecare.hospital.example"}
    assert therapist.get("/api/patients", headers=own).status_code == 200


def test_a_personal_api_token_is_judged_by_itself(
    world: World, signed_in: Callable[[str], TestClient]
) -> None:
    """A program with a token (its cookie jar holding a login too) reads as the token's
    owner; no browser sends another site's ``Authorization``."""
    from spinecare.clinic.accounts import current_user, find_user
    from spinecare.clinic.tokens import issue_token

    with world.app.state.db.session() as session:  # type: ignore[attr-defined]
        user = find_user(session, "therapist")
        assert user is not None
        token = issue_token(session, current_user(session, user), days=1)
    therapist = signed_in("therapist")
    bearer = {"authorization": f"Bearer {token}"}
    assert therapist.get("/api/patients", headers=bearer).status_code == 200
    assert therapist.get("/api/patients", headers={**bearer, **SIBLING}).status_code == 200
    plain = TestClient(world.app)  # type: ignore[arg-type]
    assert plain.get("/api/patients", headers=bearer).status_code == 200


def test_without_the_login_cookie_nothing_changes(world: World) -> None:
    anonymous = world.client()
    answer = anonymous.get("/api/patients", headers={**SIBLING, **IMAGE})
    assert answer.status_code == 401  # sign in first, as before
    assert anonymous.post("/api/screen", json={}, headers=OTHER_SITE).status_code == 400


@pytest.mark.parametrize("site", [SIBLING, OTHER_SITE])
def test_a_link_from_another_site_opens_a_page(
    world: World, signed_in: Callable[[str], TestClient], site: dict[str, str]
) -> None:
    """A link in an EHR, an e-mail or the hospital's wiki opens the patient's page,
    signed in."""
    therapist = signed_in("therapist")
    page = therapist.get(f"/patients/{world.demo_patient}", headers={**site, **LINK})
    assert page.status_code == 200 and "<form" in page.text


@pytest.mark.parametrize("site", [SIBLING, OTHER_SITE])
@pytest.mark.parametrize(
    "how",
    [
        IMAGE,
        FRAME,
        {"sec-fetch-mode": "navigate", "sec-fetch-dest": "object"},
        {"sec-fetch-mode": "cors", "sec-fetch-dest": "empty", **JSON},
    ],
)
def test_another_sites_page_reads_no_page_but_by_a_link(
    world: World,
    signed_in: Callable[[str], TestClient],
    site: dict[str, str],
    how: dict[str, str],
) -> None:
    therapist = signed_in("therapist")
    before = _reads(world, world.demo_patient)
    answer = therapist.get(f"/patients/{world.demo_patient}", headers={**site, **how})
    assert answer.status_code == 403
    assert _reads(world, world.demo_patient) == before


def test_a_link_from_another_site_opens_no_json_twin_and_no_export(
    world: World, signed_in: Callable[[str], TestClient]
) -> None:
    admin = signed_in("admin")
    twin = admin.get(f"/patients/{world.demo_patient}.json", headers={**SIBLING, **LINK})
    assert twin.status_code == 403 and twin.json()["error"]["code"] == "cross_site"
    export = admin.get("/audit/export.csv", headers={**SIBLING, **LINK})
    assert export.status_code == 403 and REFUSED.capitalize() in export.text
    own = admin.get("/audit/export.csv", headers={"sec-fetch-site": "same-origin", **LINK})
    assert own.status_code == 200


def test_the_refusal_is_a_page_in_the_readers_words_for_a_browser(
    world: World, signed_in: Callable[[str], TestClient]
) -> None:
    admin = signed_in("admin")
    answer = admin.get("/audit", headers={**OTHER_SITE, **FRAME})
    assert answer.status_code == 403
    assert "text/html" in answer.headers["content-type"]
    assert REFUSED.capitalize() in answer.text
    assert admin.get("/audit", headers={**OTHER_SITE, **LINK}).status_code == 200
