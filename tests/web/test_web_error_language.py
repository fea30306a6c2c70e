"""Errors in the signed-in user's language: the JSON envelope (and its details), the FHIR
API's OperationOutcome and the error pages follow the account's language, whether the
request is signed in with the login cookie or a personal API token, also where no
handler looked at the user (an unknown address, a field refused before any handler).
Before sign-in: the language switch's cookie, else ``Accept-Language``."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.conftest import HTML, PASSWORDS, World, csrf_of, login

ENGLISH_BROWSER = {"accept": "application/json", "accept-language": "en-GB,en;q=0.9"}
CYRILLIC = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")


def _russian(text: str) -> bool:
    return bool(CYRILLIC & set(text.lower()))


def _speaks_russian(world: World, username: str) -> None:
    from sqlalchemy import update

    from spinecare.store.models import User

    with world.app.state.db.session() as session:  # type: ignore[attr-defined]
        session.execute(update(User).where(User.username == username).values(language="ru"))


def _token(world: World, username: str) -> str:
    from sqlalchemy import select

    from spinecare.clinic.accounts import current_user
    from spinecare.clinic.tokens import issue_token
    from spinecare.store.models import User

    with world.app.state.db.session() as session:  # type: ignore[attr-defined]
        user = session.scalar(select(User).where(User.username == username))
        return issue_token(session, current_user(session, user))


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:300]
    body = response.json()
    assert set(body) == {"error"} and body["error"]["status"] == status, body
    return body["error"]  # type: ignore[no-any-return]


def _requests(world: World) -> list[tuple[str, str, int]]:
    """(method, path, status): refusals from every stage of a request."""
    return [
        ("GET", "/no/such/address", 404),  # no route: no handler saw the user
        ("GET", "/api/patients/999999", 404),
        ("GET", "/api/patients/abc", 422),  # the framework's own validation
        ("GET", "/api/patients?limit=-5", 422),
        ("GET", "/api/patients?q=%00", 422),  # the app-wide limits, before any handler
        ("GET", "/api/patients?offset=" + "9" * 30, 422),
        ("GET", f"/api/patients/{world.other_patient}", 404),  # another clinic's
        ("GET", "/audit", 403),  # a role the page is not for
        ("DELETE", "/api/patients", 405),
    ]


@pytest.mark.parametrize("credentials", ["cookie", "token"])
def test_json_errors_follow_the_signed_in_users_language(world: World, credentials: str) -> None:
    """A therapist who chose Russian, with a browser (or client) asking for English, is
    answered in Russian: messages and each detail."""
    _speaks_russian(world, "therapist")
    client = world.client()
    headers = dict(ENGLISH_BROWSER)
    if credentials == "cookie":
        login(client, "therapist", PASSWORDS["therapist"])
    else:
        headers["authorization"] = f"Bearer {_token(world, 'therapist')}"
    for method, path, status in _requests(world):
        if credentials == "token" and not path.startswith("/api/"):
            continue  # a personal API token signs in to the REST API only
        error = _error(client.request(method, path, headers=headers), status)
        assert _russian(error["message"]), (path, error)
        for detail in error.get("details", []):
            assert _russian(detail["message"]), (path, detail)


def test_the_same_refusals_in_english_for_an_english_user(world: World) -> None:
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    russian_browser = {"accept": "application/json", "accept-language": "ru"}
    for method, path, status in _requests(world):
        error = _error(client.request(method, path, headers=russian_browser), status)
        assert not _russian(error["message"]), (path, error)
        # pydantic's own words, which name Python types, never reach the reader
        assert "Input should" not in error["message"], (path, error)


def test_a_form_refused_field_by_field_is_in_the_users_language(world: World) -> None:
    _speaks_russian(world, "therapist")
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    token = csrf_of(client, "/patients/new")
    response = client.post(
        "/patients",
        data={"csrf_token": token, "external_id": "x1", "name": "A\x00B"},
        headers=ENGLISH_BROWSER,
    )
    error = _error(response, 422)
    assert _russian(error["message"]) and error["message"].startswith("name: ")
    assert all(_russian(d["message"]) for d in error["details"])


def test_before_sign_in_the_language_switch_then_the_browser(world: World) -> None:
    client = world.client()
    assert _russian(
        _error(client.get("/api/patients/abc", headers={"accept-language": "ru"}), 422)["message"]
    )
    client.cookies.set("spinecare_lang", "ru")
    error = _error(client.get("/api/patients/abc", headers=ENGLISH_BROWSER), 422)
    assert _russian(error["message"])


def test_an_explicit_lang_of_the_request_still_decides(world: World) -> None:
    """``?lang=`` asks for the answer in a language: its errors come in it too."""
    _speaks_russian(world, "therapist")
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    error = _error(client.get("/api/patients/999999?lang=en", headers=ENGLISH_BROWSER), 404)
    assert not _russian(error["message"])


def test_an_unknown_address_is_a_page_in_the_users_language(world: World) -> None:
    _speaks_russian(world, "therapist")
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    page = client.get("/no/such/page", headers={**HTML, "accept-language": "en"})
    assert page.status_code == 404
    assert 'lang="ru"' in page.text


def test_a_fhir_outcome_is_in_the_users_language(world: World) -> None:
    _speaks_russian(world, "therapist")
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    response = client.get("/fhir/NoSuchType", headers={"accept-language": "en"})
    assert response.status_code == 404
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert _russian(outcome["issue"][0]["diagnostics"])


def test_the_json_twin_of_a_refused_form_is_in_the_users_language(world: World) -> None:
    """The pages' forms answer JSON with the same envelope, said as every other error: a
    patient form, a wrong current password, a course's end to confirm, an account form."""
    from tests.web.test_web_courses import _start

    _speaks_russian(world, "therapist")
    _speaks_russian(world, "admin")
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    token = csrf_of(client, "/patients/new")
    answers = [
        (client.post("/patients", data={"csrf_token": token}, headers=ENGLISH_BROWSER), 422),
        (
            client.post(
                "/password",
                data={"csrf_token": token, "current": "wrong", "new": "x", "again": "y"},
                headers=ENGLISH_BROWSER,
            ),
            422,
        ),
        (
            client.get(
                f"/courses/{_start(world, world.own_patient)}/complete", headers=ENGLISH_BROWSER
            ),
            422,
        ),
    ]
    admin = login(world.client(), "admin", PASSWORDS["admin"])
    answers.append(
        (
            admin.post(
                "/users",
                data={"csrf_token": csrf_of(admin, "/users"), "username": ""},
                headers=ENGLISH_BROWSER,
            ),
            422,
        )
    )
    for response, status in answers:
        error = _error(response, status)
        assert _russian(error["message"]), error
        assert error["details"] and all(_russian(d["message"]) for d in error["details"]), error


def test_a_refused_sign_in_is_in_the_browsers_language(world: World) -> None:
    client = world.client()
    data = {"csrf_token": csrf_of(client), "username": "therapist", "password": "wrong"}
    response = client.post(
        "/login", data=data, headers={"accept": "application/json", "accept-language": "ru"}
    )
    assert _russian(_error(response, 401)["message"])


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "There is no page at this address."), ("ru", "По этому адресу нет страницы.")],
)
def test_an_address_a_page_cannot_read_is_not_found_not_a_form_to_check(
    world: World, lang: str, words: str
) -> None:
    """``/patients/abc`` in a browser: a page titled "Not found", not "Please check the
    form" (there is no form); the JSON API keeps its 422 naming the address's field."""
    if lang == "ru":
        _speaks_russian(world, "therapist")
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    page = client.get("/patients/abc", headers=HTML)
    assert page.status_code == 404
    assert words in page.text
    assert ("Please check the form" not in page.text) and ("Проверьте форму" not in page.text)
    assert client.get("/api/patients/abc", headers=ENGLISH_BROWSER).status_code == 422


def test_the_language_switch_works_from_an_error_page(world: World) -> None:
    """An error page's own forms carry a valid token: switching the language from a page
    not found works (it answered "the form's security token is missing")."""
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    page = client.get("/no/such/page", headers=HTML)
    assert page.status_code == 404
    (token,) = set(re.findall(r'name="csrf_token" value="([^"]*)"', page.text))
    assert token
    switched = client.post(
        "/language",
        data={"csrf_token": token, "language": "ru", "next": "/patients"},
        headers=HTML,
        follow_redirects=False,
    )
    assert switched.status_code == 303, switched.text[:300]
