"""A signed-in session left unused on a shared ward computer ends after
``SPINECARE_SESSION_IDLE_MINUTES`` (60 by default): the next page goes to the sign-in page,
which says why and opens the page asked for once signed in. Pages and forms are activity;
the REST API read with the login cookie is not; the 12 hours of a session still hold.
On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from tests.web import test_web_security
from tests.web.conftest import HTML, JSON, PASSWORDS, World, csrf_of, login

any_world = test_web_security.any_world  # SQLite, and PostgreSQL where it is reachable

IDLE = {
    "en": "You were signed out after 60 minutes without activity.",
    "ru": "Выход из приложения выполнен после 60 минут без действий.",
}


def _db(world: World) -> Any:
    return world.app.state.db  # type: ignore[attr-defined]


def _sessions(world: World) -> list[Any]:
    from spinecare.store.models import LoginSession

    with _db(world).session() as session:
        rows = list(session.scalars(select(LoginSession).order_by(LoginSession.id)))
        session.expunge_all()
        return rows


def _age(world: World, **values: Any) -> None:
    """Set every login session's times (``last_seen_at``, ``expires_at``...) as given."""
    from spinecare.store.models import LoginSession

    with _db(world).session() as session:
        session.execute(update(LoginSession).values(**values))


def _ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_session_unused_for_longer_than_the_idle_limit_ends_and_says_so(
    any_world: World, lang: str
) -> None:
    client = login(any_world.client(), "therapist", PASSWORDS["therapist"])
    page = f"/patients/{any_world.demo_patient}"
    assert client.get(page, headers=HTML).status_code == 200
    _age(any_world, last_seen_at=_ago(minutes=61))
    headers = {**HTML, "accept-language": lang}
    gone = client.get(page, headers=headers, follow_redirects=False)
    assert gone.status_code == 303
    target = urlsplit(gone.headers["location"])
    assert target.path == "/login"
    assert parse_qs(target.query) == {"next": [page], "idle": ["60"]}
    shown = client.get(gone.headers["location"], headers=headers)
    assert shown.status_code == 200
    assert IDLE[lang] in " ".join(shown.text.split())
    # signing in again opens the page asked for
    token = csrf_of(client, gone.headers["location"])
    data = {"username": "therapist", "password": PASSWORDS["therapist"], "csrf_token": token}
    signed = client.post("/login", data={**data, "next": page}, follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == page
    assert client.get(page, headers=HTML).status_code == 200


def test_the_notice_names_the_minutes_of_the_limit(world: World) -> None:
    page = world.client().get("/login?next=/patients&idle=1", headers=HTML)
    assert "You were signed out after 1 minute without activity." in page.text
    ru = world.client().get(
        "/login?next=/patients&idle=21", headers={**HTML, "accept-language": "ru"}
    )
    assert "Выход из приложения выполнен после 21 минуты без действий." in ru.text
    for wrong in ("0", "-5", "abc", "100000"):
        page = world.client().get(f"/login?idle={wrong}", headers=HTML)
        assert "without activity" not in page.text


def test_the_idle_limit_follows_the_setting(world: World) -> None:
    world.app.state.web.settings.session_idle_minutes = 5  # type: ignore[attr-defined]
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    _age(world, last_seen_at=_ago(minutes=4))
    assert client.get("/patients", headers=HTML).status_code == 200
    _age(world, last_seen_at=_ago(minutes=6))
    gone = client.get("/patients", headers=HTML, follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == "/login?next=/patients&idle=5"


def test_a_page_used_within_the_limit_keeps_the_session_going(any_world: World) -> None:
    """Each page seen counts: a session used every 40 minutes lasts past 60 minutes."""
    client = login(any_world.client(), "therapist", PASSWORDS["therapist"])
    _age(any_world, last_seen_at=_ago(minutes=40))
    assert client.get("/patients", headers=HTML).status_code == 200
    (row,) = _sessions(any_world)
    assert _as_utc(row.last_seen_at) > _ago(minutes=1)
    _age(any_world, last_seen_at=_ago(minutes=40))
    assert client.get("/patients", headers=HTML).status_code == 200


def test_a_form_post_is_activity_and_a_post_after_the_limit_saves_nothing(
    world: World,
) -> None:
    from spinecare.store.models import Intake

    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    form = f"/patients/{world.demo_patient}/intake"
    token = csrf_of(client, "/patients")
    data = {"csrf_token": token, "day": datetime.now(UTC).date().isoformat(), "pain": "2"}
    _age(world, last_seen_at=_ago(minutes=20))
    assert client.post(form, data=data, headers=HTML, follow_redirects=False).status_code == 303
    (row,) = _sessions(world)
    assert _as_utc(row.last_seen_at) > _ago(minutes=1)
    with _db(world).session() as session:
        intakes = len(session.scalars(select(Intake)).all())
    _age(world, last_seen_at=_ago(minutes=75))
    page = f"/patients/{world.demo_patient}"
    came_from = {**HTML, "referer": f"http://testserver{page}"}
    gone = client.post(form, data=data, headers=came_from, follow_redirects=False)
    assert gone.status_code == 303
    # the page the form was on (the form's address opens no page), saying it was not saved
    assert gone.headers["location"] == f"/login?next={page}&unsaved=1&idle=60"
    shown = client.get(gone.headers["location"], headers=HTML).text
    assert "What you sent was not saved: sign in, then fill it in again." in shown
    # from another site, or without a Referer: no page to open, still said
    elsewhere = {**HTML, "referer": "https://elsewhere.example/patients/1"}
    other = client.post(form, data=data, headers=elsewhere, follow_redirects=False)
    assert other.headers["location"] == "/login?unsaved=1&idle=60"
    with _db(world).session() as session:
        assert len(session.scalars(select(Intake)).all()) == intakes
    refused = client.post(form, data=data, headers=JSON)
    assert refused.status_code == 401
    assert "60 min" in refused.json()["error"]["message"]


def test_last_seen_is_written_at_most_once_a_minute(any_world: World) -> None:
    client = login(any_world.client(), "therapist", PASSWORDS["therapist"])
    (first,) = _sessions(any_world)
    assert first.last_seen_at is not None
    for _ in range(3):
        assert client.get("/patients", headers=HTML).status_code == 200
    (row,) = _sessions(any_world)
    assert row.last_seen_at == first.last_seen_at  # no write for each page
    seen = _ago(seconds=61)
    _age(any_world, last_seen_at=seen)
    assert client.get("/patients", headers=HTML).status_code == 200
    (row,) = _sessions(any_world)
    assert _as_utc(row.last_seen_at) > seen + timedelta(seconds=30)


def test_twelve_hours_still_end_a_session_in_use(any_world: World) -> None:
    client = login(any_world.client(), "therapist", PASSWORDS["therapist"])
    _age(
        any_world,
        created_at=_ago(hours=12, minutes=1),
        expires_at=_ago(minutes=1),
        last_seen_at=_ago(seconds=10),
    )
    gone = client.get("/patients", headers=HTML, follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == "/login?next=/patients"
    # activity never moves the end of a session
    client = login(any_world.client(), "therapist", PASSWORDS["therapist"])
    _age(any_world, last_seen_at=_ago(minutes=5))
    assert client.get("/patients", headers=HTML).status_code == 200
    row = _sessions(any_world)[-1]
    assert _as_utc(row.expires_at) - _as_utc(row.created_at) == timedelta(hours=12)


def test_the_rest_api_with_the_login_cookie_is_not_activity(world: World) -> None:
    """A script (or a page left open that polls) reading the API with the browser's login
    does not keep an unattended session alive; past the limit it is refused too."""
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    _age(world, last_seen_at=_ago(minutes=20))
    assert client.get("/api/patients").status_code == 200
    (row,) = _sessions(world)
    assert _as_utc(row.last_seen_at) < _ago(minutes=19)
    _age(world, last_seen_at=_ago(minutes=61))
    assert client.get("/api/patients").status_code == 401


def test_personal_api_tokens_have_no_idle_limit(world: World) -> None:
    from spinecare.clinic.accounts import find_user
    from spinecare.clinic.tokens import issue_token

    with _db(world).session() as session:
        from spinecare.clinic.accounts import current_user

        user = find_user(session, "therapist")
        assert user is not None
        token = issue_token(session, current_user(session, user))
    _age(world, created_at=_ago(days=2))
    answer = world.client().get("/api/patients", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200


def test_the_start_address_after_the_limit_says_so_too(world: World) -> None:
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    _age(world, last_seen_at=_ago(hours=2))
    gone = client.get("/", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == "/login?idle=60"


def test_a_pages_json_twin_or_a_head_is_not_activity(world: World) -> None:
    """A script, or a page left open that polls a page's JSON twin, must not keep an
    unattended session alive: only a page opened or a form sent is use."""
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    _age(world, last_seen_at=_ago(minutes=20))
    assert client.get("/patients", headers=JSON).status_code == 200
    (row,) = _sessions(world)
    assert _as_utc(row.last_seen_at) < _ago(minutes=19), "json"
    assert client.head("/patients", headers=HTML).status_code == 200
    (row,) = _sessions(world)
    assert _as_utc(row.last_seen_at) < _ago(minutes=19), "head"
    assert client.get("/patients", headers=HTML).status_code == 200
    (row,) = _sessions(world)
    assert _as_utc(row.last_seen_at) > _ago(minutes=1)
