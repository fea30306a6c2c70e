"""Failed sign-ins, and SMART launches per client address, are counted in the database:
with several server processes on one database, or after a restart, a guesser gets no more
attempts than with one (each process kept its own counters, which a restart emptied)."""

from __future__ import annotations

import hashlib
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


def test_launches_from_one_address_are_counted_by_every_worker(any_world: World) -> None:
    """A SMART launch's limit per client address, kept in the database: two workers give
    an address its burst once, not once each; another address has its own."""
    from spinecare.clinic.launches import LAUNCH_BURST, launch_rate

    world = any_world
    db = world.app.state.db  # type: ignore[attr-defined]
    workers = [launch_rate(db), launch_rate(db)]
    for rate in workers:
        rate.clock = lambda: 1000.0  # no refill while the test runs, however slowly
    for i in range(LAUNCH_BURST):
        assert workers[i % 2].take("203.0.113.7") == 0
    assert workers[0].take("203.0.113.7") > 0
    assert workers[1].take("203.0.113.7") > 0
    assert workers[1].take("203.0.113.8") == 0
    restarted = launch_rate(db)
    restarted.clock = lambda: 1000.0
    assert restarted.take("203.0.113.7") > 0
    # once it has had time to refill, it is forgotten: the table keeps recent addresses
    restarted.clock = lambda: 1000.0 + 3600
    assert restarted.take("198.51.100.1") == 0
    from spinecare.store.models import RateBucket

    with db.session() as session:
        kept = session.scalars(select(RateBucket.key)).all()
    assert kept == [hashlib.sha256(b"198.51.100.1").hexdigest()]  # no address as sent


def test_failures_at_the_same_moment_on_a_new_counter_are_each_counted(any_world: World) -> None:
    """Servers failing the same new account at once: each failure counted (PostgreSQL's
    driver does not say whether an insert that may conflict made its row: every racing
    server took the first failure as its own, and eight counted as one)."""
    import threading

    from spinecare.clinic.logins import LoginThrottle, _key, username_key
    from spinecare.store.models import LoginFailure

    db = any_world.app.state.db  # type: ignore[attr-defined]
    throttle = LoginThrottle(db, clock=lambda: 1000.0)
    start = threading.Barrier(8)

    def fail(i: int) -> None:
        start.wait()
        with db.session() as session:
            throttle.failed("nobody-yet", f"10.0.0.{i}", session)

    threads = [threading.Thread(target=fail, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with db.session() as session:
        stored = session.scalar(
            select(LoginFailure.failures).where(
                LoginFailure.key == _key("account", username_key("nobody-yet"))
            )
        )
    assert stored == 8
