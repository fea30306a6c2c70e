"""Failed sign-ins are counted in the database: with several server processes on one
database, or after a restart, a guesser gets no more attempts than with one (each process
kept its own counters, which a restart emptied)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.web import test_web_security
from tests.web.conftest import PASSWORDS, World, csrf_of

any_world = test_web_security.any_world  # SQLite, and PostgreSQL where it is reachable


def _worker(world: World) -> Any:
    """Another server process on the world's database: an app of its own, with its own
    throttle, whose clock stands still (a slow run cannot outwait a wait)."""
    from spinecare.app import create_app
    from spinecare.clinic.logins import LoginThrottle

    app = create_app(world.app.state.settings, seed_passwords=PASSWORDS)  # type: ignore[attr-defined]
    app.state.login_throttle = LoginThrottle(app.state.db, clock=lambda: 1000.0)
    return app


def _try(app: Any, username: str, password: str) -> int:
    client = TestClient(app)
    token = csrf_of(client)
    answer = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return answer.status_code


def test_several_workers_and_a_restart_count_the_same_failures(any_world: World) -> None:
    from spinecare.clinic.logins import FREE_FAILURES

    world = any_world
    workers = [_worker(world), _worker(world)]
    for attempt in range(FREE_FAILURES):
        assert _try(workers[attempt % 2], "therapist", f"guess-{attempt}") == 401
    # each worker now slows the account down, the right password too
    for app in workers:
        assert _try(app, "therapist", PASSWORDS["therapist"]) == 429
    # a server started again on the same database goes on counting
    for app in workers:
        app.state.db.dispose()
    restarted = _worker(world)
    assert _try(restarted, "therapist", PASSWORDS["therapist"]) == 429
    assert _try(restarted, "admin", PASSWORDS["admin"]) == 429  # the same address too
    restarted.state.db.dispose()


def test_the_owner_is_kept_out_a_minute_at_most(any_world: World) -> None:
    """Failures from many addresses, on every worker: the account waits at most
    ``ACCOUNT_CAP`` seconds after the last one; then its owner signs in."""
    from spinecare.clinic.logins import ACCOUNT_CAP, LoginThrottle

    world = any_world
    clock = [1000.0]
    workers = [LoginThrottle(world.app.state.db, clock=lambda: clock[0]) for _ in range(2)]  # type: ignore[attr-defined]
    for i in range(40):
        clock[0] += ACCOUNT_CAP + 1
        workers[i % 2].failed("therapist", f"10.0.{i}.1")
    assert 0 < workers[0].wait("therapist", "10.1.1.1") <= ACCOUNT_CAP
    clock[0] += ACCOUNT_CAP
    assert workers[1].wait("therapist", "10.1.1.1") == 0


def test_the_counters_are_bounded_and_keep_no_typed_name(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counters quiet for half an hour are forgotten, past ``MAX_COUNTERS`` the oldest,
    and a counter's key is a hash (a password typed in the name's field is not kept)."""
    from spinecare.clinic import logins
    from spinecare.store.models import LoginFailure

    clock = [1000.0]
    throttle = logins.LoginThrottle(world.app.state.db, clock=lambda: clock[0])  # type: ignore[attr-defined]
    throttle.failed("my-secret-password-1", "10.0.0.1")
    db = world.app.state.db  # type: ignore[attr-defined]
    with db.session() as session:
        rows = session.scalars(select(LoginFailure)).all()
        assert len(rows) == 3 and not any("secret" in row.key for row in rows)
    clock[0] += logins.QUIET + 1
    throttle.failed("someone", None)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(LoginFailure)) == 1
    monkeypatch.setattr(logins, "MAX_COUNTERS", 5)
    for i in range(20):
        clock[0] += 1
        throttle.failed(f"name-{i}", None)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(LoginFailure)) <= 5
    assert throttle.wait("name-19", None) == 0  # its latest failure is still counted:
    throttle.failed("name-19", None)
    throttle.failed("name-19", None)
    assert throttle.wait("name-19", None) > 0
