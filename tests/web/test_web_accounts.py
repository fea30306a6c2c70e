"""Sign-in, slowing down after failures, sign-out, CSRF, and the audit log."""

from __future__ import annotations

import re

HTML = {"accept": "text/html"}
JSON = {"accept": "application/json"}


def _token(client) -> str:
    response = client.get("/login")
    assert response.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)


def _try(client, username: str, password: str):
    return client.post(
        "/login",
        headers=HTML,
        follow_redirects=False,
        data={"username": username, "password": password, "csrf_token": _token(client)},
    )


def test_wrong_password_rerenders_login_with_username_kept(world) -> None:
    client = world.client()
    response = _try(client, "therapist", "wrong-password")
    assert response.status_code == 401
    assert "Wrong user name or password." in response.text
    assert 'value="therapist"' in response.text


def test_failures_slow_down_sign_in_but_never_lock_the_owner_out(world) -> None:
    from spinecare.clinic.logins import ACCOUNT_CAP, FREE_FAILURES

    clock = [1000.0]
    throttle = world.app.state.login_throttle = _throttle(clock, world)
    client = world.client()
    for _ in range(FREE_FAILURES):
        assert _try(client, "therapist", "wrong-password").status_code == 401
    # now every attempt waits, the right password too, and says how long
    slowed = _try(client, "therapist", "therapist-pass-1")
    assert slowed.status_code == 429 and slowed.headers["retry-after"] == "1"
    assert "try again in 1 second" in slowed.text
    assert _try(client, "admin", "admin-pass-1").status_code == 429  # the same address
    # many more failures: the account's wait stops growing at its cap
    for _ in range(30):
        clock[0] += ACCOUNT_CAP + 1
        throttle.failed("therapist", "elsewhere")
    assert throttle.wait("therapist", "another-address") <= ACCOUNT_CAP
    clock[0] += ACCOUNT_CAP + 1000
    assert throttle.wait("therapist", "another-address") == 0
    throttle.succeeded("admin", "testclient")  # the test client's address
    assert _try(client, "therapist", "therapist-pass-1").status_code == 303


def test_unknown_and_throttled_names_are_answered_alike(world) -> None:
    """An unknown name is slowed down exactly like a real one (nothing to enumerate)."""
    from spinecare.clinic.logins import FREE_FAILURES

    answers = {}
    for i, name in enumerate(("therapist", "no-such-user")):
        # each name hours after the other: the address's failures are forgotten by then
        world.app.state.login_throttle = _throttle([i * 10_000.0], world)
        client = world.client()
        for _ in range(FREE_FAILURES):
            assert _try(client, name, "wrong-password").status_code == 401
        answers[name] = _try(client, name, "wrong-password")
    assert {r.status_code for r in answers.values()} == {429}


def test_an_own_sign_in_does_not_clear_the_guesses_at_other_accounts(world) -> None:
    """An attacker with an account of their own signing in between guesses at another's
    used to clear their address's counter; a user's own typo is still forgiven by their
    right password."""
    from spinecare.clinic.logins import FREE_FAILURES

    throttle = world.app.state.login_throttle = _throttle([0.0], world)
    client = world.client()
    # the owner's typo, then the right password: the address starts again from zero
    assert _try(client, "admin", "wrong-password").status_code == 401
    assert _try(world.client(), "admin", "admin-pass-1").status_code == 303
    assert throttle.wait("someone", "testclient") == 0
    # guesses at the therapist's account, each followed by a sign-in of one's own
    for _ in range(FREE_FAILURES - 1):
        assert _try(client, "therapist", "guess").status_code == 401
        assert _try(world.client(), "admin", "admin-pass-1").status_code == 303
    assert _try(client, "therapist", "guess").status_code == 401
    assert throttle.wait("someone-else", "testclient") > 0  # the address is slowed down
    assert _try(client, "physician", "guess").status_code == 429
    assert _try(world.client(), "admin", "admin-pass-1").status_code == 429
    assert throttle.wait("someone-else", "another-address") == 0


def test_the_failures_of_a_shared_address_do_not_add_up_over_a_day(world) -> None:
    """Typos that are never forgiven (a name mistyped, an account never signed in after)
    used to add up for as long as the server ran, until one more blocked the whole clinic
    for 15 minutes: a counter quiet for 30 minutes starts again from zero."""
    from spinecare.clinic.logins import FREE_FAILURES, QUIET

    clock = [0.0]
    throttle = _throttle(clock, world)
    for i in range(14):
        clock[0] += 8 * 3600
        throttle.failed(f"nobody-{i}", "10.0.0.1")
    clock[0] += 8 * 3600
    throttle.failed("bob", "10.0.0.1")
    assert throttle.wait("carol", "10.0.0.1") == 0
    for _ in range(FREE_FAILURES + 1):  # failures close together still slow it down
        clock[0] += QUIET / 10
        throttle.failed("bob", "10.0.0.1")
    assert throttle.wait("carol", "10.0.0.1") > 0


def _throttle(clock: list[float], world):
    """The app's throttle, counting in the world's database, on a clock the test moves."""
    from spinecare.clinic.logins import LoginThrottle

    return LoginThrottle(world.app.state.db, clock=lambda: clock[0])


def test_login_without_csrf_token_is_refused(world) -> None:
    client = world.client()
    client.get("/login")
    response = client.post(
        "/login", headers=JSON, data={"username": "admin", "password": "admin-pass-1"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"


def test_form_post_with_wrong_csrf_token_is_refused(world, signed_in) -> None:
    client = signed_in("therapist")
    response = client.post(
        "/patients", headers=JSON, data={"name": "Forged", "csrf_token": "forged"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"


def test_logout_ends_the_session(world, signed_in, csrf) -> None:
    client = signed_in("therapist")
    cookie = client.cookies.get("spinecare_session")
    token = csrf(client, "/patients")
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    stale = world.client()
    stale.cookies.set("spinecare_session", cookie)
    assert stale.get("/patients", headers=JSON).status_code == 401


def test_tampered_session_cookie_is_rejected(world, signed_in) -> None:
    client = signed_in("admin")
    token, sig = client.cookies.get("spinecare_session").rsplit(".", 1)
    forged = world.client()
    forged.cookies.set("spinecare_session", f"{token}.{'0' * len(sig)}")
    assert forged.get("/patients", headers=JSON).status_code == 401


def test_passwords_are_stored_as_argon2id(world) -> None:
    from sqlalchemy import select

    from spinecare.store.models import User

    with world.app.state.db.session() as session:
        hashes = session.scalars(select(User.password_hash)).all()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)


def test_reads_and_changes_are_audited_and_admin_can_filter(world, signed_in, csrf) -> None:
    therapist = signed_in("therapist")
    assert therapist.get(f"/patients/{world.demo_patient}/screening").status_code == 200
    path = f"/patients/{world.demo_patient}/edit"
    version = therapist.get(path, headers=JSON).json()["version"]
    response = therapist.post(
        path,
        headers=JSON,
        data={"csrf_token": csrf(therapist, path), "name": "Audited", "version": str(version)},
    )
    assert response.status_code == 200
    admin = signed_in("admin")
    response = admin.get(f"/audit.json?user=therapist&patient_id={world.demo_patient}")
    assert response.status_code == 200
    actions = {e["action"] for e in response.json()["entries"]}
    assert {"screen", "update", "read"} <= actions
    assert all(e["user"] == "therapist" for e in response.json()["entries"])
    response = admin.get("/audit?action=login", headers=HTML)
    assert response.status_code == 200 and "login" in response.text


def test_audit_log_cannot_be_changed(world) -> None:
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    engine = world.app.state.db.engine
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError), engine.begin() as connection:
            connection.execute(text(statement))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_log")).scalar() > 0


def test_audit_log_has_no_edit_route(world, signed_in, csrf) -> None:
    client = signed_in("admin")
    token = csrf(client, "/audit")
    for method in ("post", "put", "delete"):
        response = getattr(client, method)("/audit", headers={**JSON, "x-csrf-token": token})
        assert response.status_code == 405


def test_every_sign_in_answer_does_one_password_hash(world) -> None:
    """Unknown, deactivated, slowed down, wrong or right: each answer costs one argon2
    operation, so its time says nothing about the account."""
    from argon2 import PasswordHasher
    from sqlalchemy import select

    from spinecare.clinic import accounts
    from spinecare.clinic.logins import FREE_FAILURES
    from spinecare.store.models import User

    calls: list[str] = []

    class Counting(PasswordHasher):
        def hash(self, password, *, salt=None):
            calls.append("hash")
            return super().hash(password, salt=salt)

        def verify(self, hash, password):
            calls.append("verify")
            return super().verify(hash, password)

    previous = accounts._hasher
    accounts.use_password_hasher(Counting(time_cost=1, memory_cost=1024, parallelism=1))
    try:
        with world.app.state.db.session() as session:
            session.scalar(select(User).where(User.username == "physician")).active = False
        world.app.state.login_throttle = _throttle([0.0], world)
        client = world.client()
        cases = [
            ("no-such-user", "whatever-1", 401),
            ("physician", "physician-pass-1", 401),  # deactivated
            ("therapist", "wrong-password", 401),
        ]
        for name, password, status in cases:
            calls.clear()
            assert _try(client, name, password).status_code == status
            assert len(calls) == 1, (name, calls)
        for _ in range(FREE_FAILURES):
            _try(client, "therapist", "wrong-password")
        calls.clear()
        assert _try(client, "therapist", "therapist-pass-1").status_code == 429
        assert len(calls) == 1
    finally:
        accounts.use_password_hasher(previous)


def test_sessions_at_sign_in_and_after_a_password_change(world, signed_in, csrf) -> None:
    """A cookie set before signing in is not the login (fixation): signing in makes a new
    one. A password change ends the account's other sessions and keeps this one. A name
    that is no account and a wrong password get the same answer."""
    from tests.web.conftest import PASSWORDS

    client = world.client()
    planted = signed_in("patient").cookies.get("spinecare_session")  # a login it knows
    client.cookies.set("spinecare_session", planted)
    response = client.post(
        "/login",
        data={
            "username": "patient",
            "password": PASSWORDS["patient"],
            "csrf_token": csrf(client),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    issued = response.cookies.get("spinecare_session")
    assert issued and issued != planted
    client.cookies.clear()
    client.cookies.set("spinecare_session", issued)
    other = signed_in("patient")  # the same account in another browser
    assert other.get("/me/home", headers=JSON).status_code == 200
    response = client.post(
        "/password",
        data={
            "current": PASSWORDS["patient"],
            "new": "patient-pass-2",
            "repeat": "patient-pass-2",
            "csrf_token": csrf(client, "/password"),
        },
        headers=JSON,
    )
    assert response.status_code == 200, response.text
    assert other.get("/me/home", headers=JSON).status_code == 401
    assert client.get("/me/home", headers=JSON).status_code == 200
    answers = []
    for name in ("therapist", "no-such-account"):
        stranger = world.client()
        answers.append(
            stranger.post(
                "/login",
                data={"username": name, "password": "wrong-pass-12", "csrf_token": csrf(stranger)},
                headers=JSON,
            )
        )
    assert [a.status_code for a in answers] == [401, 401]
    assert answers[0].json() == answers[1].json()


def test_an_administrators_reset_lifts_the_accounts_slowdown(world, signed_in, csrf) -> None:
    """After a reset the one-time password signs in at once, as the docs say (it was
    answered 429 while the account's failures still counted)."""
    from spinecare.clinic.logins import FREE_FAILURES

    clock = [1000.0]
    throttle = world.app.state.login_throttle = _throttle(clock, world)
    for _ in range(FREE_FAILURES + 5):
        throttle.failed("therapist", "elsewhere")
    assert throttle.wait("therapist", None) > 0
    admin = signed_in("admin")
    uid = next(
        u["id"]
        for u in admin.get("/users", headers=JSON).json()["users"]
        if u["username"] == "therapist"
    )
    r = admin.post(
        f"/users/{uid}/password", headers=JSON, data={"csrf_token": csrf(admin, f"/users/{uid}")}
    )
    assert r.status_code == 200
    assert throttle.wait("therapist", None) == 0
    assert _try(world.client(), "therapist", r.json()["temporary_password"]).status_code != 429


def test_a_user_name_longer_than_any_is_cut_before_it_is_folded(world) -> None:
    """A sign-in name of a character that folds to eighteen (U+FDFA), repeated: answered as
    a wrong name, its folding bounded (it took seconds and kept megabytes a name)."""
    import time

    client = world.client()
    start = time.perf_counter()
    response = _try(client, "\ufdfa" * 50_000, "x")
    assert response.status_code == 401
    assert time.perf_counter() - start < 30  # no timing claim: only that it ends
    from sqlalchemy import select

    from spinecare.store.models import LoginFailure

    with world.app.state.db.session() as session:
        keys = session.scalars(select(LoginFailure.key)).all()
    # the account's, the address's and the two together: hashes, no typed name kept
    assert len(keys) == 3 and all(len(k) == 64 for k in keys)


def test_a_password_change_without_the_current_password_says_it_is_required(
    world, signed_in, csrf
) -> None:
    """An empty current password is missing, not wrong (it said "this is not your current
    password"), and nothing is changed."""
    client = signed_in("therapist")
    response = client.post(
        "/password",
        data={
            "current": "",
            "new": "a-new-pass-2026",
            "repeat": "a-new-pass-2026",
            "csrf_token": csrf(client, "/password"),
        },
        headers=JSON,
    )
    assert response.status_code == 422
    details = {d["field"]: d["message"] for d in response.json()["error"]["details"]}
    assert details == {"current": "required"}
