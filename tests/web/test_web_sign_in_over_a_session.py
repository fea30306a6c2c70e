"""Signing in over a login still open in the browser (the next person at a shared ward
computer, or a user switching accounts) ends that login: its token, wherever else it was
kept, signs nobody in any more."""

from __future__ import annotations

from tests.web.conftest import JSON, PASSWORDS, World, csrf_of, login


def test_a_sign_in_ends_the_login_it_replaces(world: World) -> None:
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    before = client.cookies.get("spinecare_session")
    assert before
    token = csrf_of(client, "/patients")
    switched = client.post(
        "/login",
        data={"username": "admin", "password": PASSWORDS["admin"], "csrf_token": token},
        follow_redirects=False,
    )
    assert switched.status_code == 303, switched.text
    after = client.cookies.get("spinecare_session")
    assert after and after != before
    assert client.get("/users", headers=JSON).status_code == 200  # the admin's login
    kept = world.client()
    kept.cookies.set("spinecare_session", before)
    refused = kept.get("/patients", headers=JSON)
    assert refused.status_code == 401, refused.text
    # a failed sign-in over a login ends nothing
    again = login(world.client(), "physician", PASSWORDS["physician"])
    open_login = again.cookies.get("spinecare_session")
    token = csrf_of(again, "/clearances")
    wrong = again.post(
        "/login",
        data={"username": "admin", "password": "not-the-password", "csrf_token": token},
        follow_redirects=False,
    )
    assert wrong.status_code == 401
    assert again.cookies.get("spinecare_session") == open_login
    assert again.get("/clearances", headers=JSON).status_code == 200
