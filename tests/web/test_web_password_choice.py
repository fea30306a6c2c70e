"""A password is not the account's user name: the first a guesser tries for every
account, one guess each, which no per-account slowdown stops."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import JSON, PASSWORDS, World, csrf_of, login


@pytest.mark.parametrize("chosen", ["physician", "PHYSICIAN", " Physician", "phys1c1an"])
def test_ones_own_password_cannot_be_the_user_name(
    world: World, signed_in: Callable[[str], TestClient], chosen: str
) -> None:
    client = signed_in("physician")
    answer = client.post(
        "/password",
        data={
            "current": PASSWORDS["physician"],
            "new": chosen,
            "repeat": chosen,
            "csrf_token": csrf_of(client, "/password"),
        },
        headers=JSON,
    )
    assert answer.status_code == 422, answer.text
    (detail,) = answer.json()["error"]["details"]
    assert detail["field"] == "new"
    assert detail["message"] == "must not be the user name"
    # the password is as it was: it signs in, the one refused does not
    login(world.client(), "physician", PASSWORDS["physician"])
    other = world.client()
    refused = other.post(
        "/login",
        data={"username": "physician", "password": chosen, "csrf_token": csrf_of(other)},
        follow_redirects=False,
    )
    assert refused.status_code == 401, refused.text[:300]


def test_a_new_accounts_password_cannot_be_its_user_name(
    world: World, signed_in: Callable[[str], TestClient]
) -> None:
    admin = signed_in("admin")
    answer = admin.post(
        "/users",
        data={
            "username": "night.nurse",
            "full_name": "Night Nurse",
            "password": "Night.Nurse",
            "role": "therapist",
            "csrf_token": csrf_of(admin, "/users"),
        },
        headers=JSON,
    )
    assert answer.status_code == 422, answer.text
    fields = {d["field"]: d["message"] for d in answer.json()["error"]["details"]}
    assert fields == {"password": "must not be the user name"}
    listed = admin.get("/users", headers=JSON).json()["users"]
    assert "night.nurse" not in {u["username"] for u in listed}
