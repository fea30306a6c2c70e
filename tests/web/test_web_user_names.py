"""User names that look the same, on the pages and their JSON twins: creating or renaming
an account to a look-alike of another is a clear refusal (en and ru), never a 500; signing
in folds the name; its look-alikes share one sign-in counter."""

from __future__ import annotations

from tests.web.conftest import HTML, JSON, PASSWORDS, login

CYRILLIC_A = "\u0430"


def _new_user(client, csrf, username: str, headers):
    return client.post(
        "/users",
        data={
            "username": username,
            "password": "new-pass-123",
            "role": "therapist",
            "full_name": "New Person",
            "csrf_token": csrf(client, "/users"),
        },
        headers=headers,
        follow_redirects=False,
    )


def test_a_look_alike_user_name_is_refused_on_the_page_and_in_json(world, signed_in, csrf) -> None:
    admin = signed_in("admin")
    page = _new_user(admin, csrf, f"THER{CYRILLIC_A}PIST", HTML)
    assert page.status_code == 422
    assert "looks the same as the user name &#39;therapist&#39;" in page.text
    answer = _new_user(admin, csrf, "Therapist", JSON)
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"]["code"] == "invalid_input"
    assert body["error"]["details"][0]["field"] == "username"
    assert "looks the same as the user name 'therapist'" in body["error"]["details"][0]["message"]
    # another clinic's account is taken, without its name
    answer = _new_user(admin, csrf, "OTHER-therapist", JSON)
    assert answer.status_code == 422
    assert "is taken" in answer.json()["error"]["details"][0]["message"]
    assert _new_user(admin, csrf, "new.person", JSON).status_code == 201
    _speaks_russian(world, "admin")
    page = _new_user(admin, csrf, "ADMIN", HTML)
    assert page.status_code == 422
    assert "выглядит так же, как имя пользователя «admin»" in page.text
    answer = _new_user(admin, csrf, "NEW.PERSON", JSON)
    assert "выглядит так же" in answer.json()["error"]["details"][0]["message"]


def _speaks_russian(world, username: str) -> None:
    from sqlalchemy import update

    from spinecare.store.models import User

    with world.app.state.db.session() as session:
        session.execute(update(User).where(User.username == username).values(language="ru"))


def test_renaming_an_account(world, signed_in, csrf) -> None:
    from sqlalchemy import select

    from spinecare.store.models import User

    admin = signed_in("admin")
    with world.app.state.db.session() as session:
        physician = session.scalar(select(User).where(User.username == "physician"))
        assert physician is not None
    path = f"/users/{physician.id}"

    def rename(name: str):
        fields = {"username": name, "csrf_token": csrf(admin, path)}
        return admin.post(path, data=fields, headers=JSON)

    login(world.client(), "physician", PASSWORDS["physician"])  # under the old name
    refused = rename(f"{CYRILLIC_A}dmin")
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "username"
    assert rename("doctor.ivanova").json()["user"]["username"] == "doctor.ivanova"
    login(world.client(), "Doctor.Ivanova", PASSWORDS["physician"])  # folded at sign-in
    log = admin.get("/audit?action=rename", headers=JSON).json()
    assert [e["detail"] for e in log["entries"]] == ["physician; doctor.ivanova"]
    # the log's user filter by name finds the account, under both names, however written
    logins = admin.get("/audit?action=login&user=DOCTOR.IVANOVA", headers=JSON).json()
    assert [e["user"] for e in logins["entries"]] == ["doctor.ivanova", "physician"]
    # a name no account has now is matched as the entries wrote it
    old = admin.get("/audit?action=login&user=physician", headers=JSON).json()
    assert [e["user"] for e in old["entries"]] == ["physician"]
    page = admin.get(path, headers=HTML)
    assert 'name="username" value="doctor.ivanova"' in page.text


def test_sign_in_folds_the_name_and_its_look_alikes_share_one_counter(world, csrf) -> None:
    from spinecare.clinic.logins import FREE_FAILURES

    login(world.client(), "ADMIN", PASSWORDS["admin"])
    login(world.client(), f"{CYRILLIC_A}dmin", PASSWORDS["admin"])
    throttle = world.app.state.login_throttle
    for name in ("admin", "Admin", "ADMIN", f"{CYRILLIC_A}DMIN")[: FREE_FAILURES + 1]:
        throttle.failed(name, None)
    assert throttle.wait("аdmin", "elsewhere") > 0  # one account, however it is written
    assert throttle.wait("therapist", "elsewhere") == 0
