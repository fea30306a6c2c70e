"""Attacks on the user administration, the audit log page and its export, the forced
password change and the patient search: each a regression test (on SQLite, and on
PostgreSQL where the storage decides)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest

from tests.web import test_web_security
from tests.web.conftest import (
    HTML,
    JSON,
    PASSWORDS,
    World,
    clearance_request,
    csrf_of,
    login,
)

any_world = test_web_security.any_world  # SQLite, and PostgreSQL where it is reachable


def _post(client: Any, path: str, data: dict[str, Any], headers: dict[str, str] = JSON) -> Any:
    return client.post(
        path, data={**data, "csrf_token": csrf_of(client, "/login")}, headers=headers
    )


def _sign_in(client: Any, username: str, **extra: str) -> Any:
    """``POST /login`` with the demo user's password, answered as JSON."""
    data = {"username": username, "password": PASSWORDS[username], "csrf_token": csrf_of(client)}
    return client.post("/login", data={**data, **extra}, headers=JSON)


def _user_id(world: World, username: str) -> int:
    from sqlalchemy import select

    from spinecare.store.models import User

    with world.app.state.db.session() as session:  # type: ignore[attr-defined]
        return int(session.scalar(select(User.id).where(User.username == username)))


@pytest.mark.parametrize(
    "query",
    [
        "user=%C2%B2",  # a digit to str.isdigit, not to int()
        "user=" + "9" * 30,  # beyond any integer column
        "user=" + "9" * 5000,  # beyond int()'s digit limit
        "tz=America",  # a folder of the time zone database
        "tz=" + "a" * 3000,  # a file name too long
        "tz=../../../../etc/passwd",
        "tz=zone.tab",
    ],
)
def test_audit_filters_that_cannot_be_read_are_never_an_internal_error(
    any_world: World, query: str
) -> None:
    admin = login(any_world.client(), "admin", PASSWORDS["admin"])
    # a search longer than any (5,000 digits) is refused by name; the others are read
    refused = len(query) > 200 and query.startswith("user=")
    for path in ("/audit", "/audit/export.csv"):
        response = admin.get(f"{path}?{query}", headers=JSON)
        assert response.status_code == (422 if refused else 200), (path, query, response.text)
        if refused:
            assert response.json()["error"]["details"][0]["field"] == "user"
    page = admin.get(f"/audit?{query}", headers=HTML)
    assert page.status_code == (422 if refused else 200)
    assert "Traceback" not in page.text


def test_a_patient_id_filter_in_another_script_is_a_form_error(any_world: World) -> None:
    admin = login(any_world.client(), "admin", PASSWORDS["admin"])
    for path in ("/audit", "/audit/export.csv"):
        response = admin.get(f"{path}?patient_id=%C2%B2", headers=JSON)
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["field"] == "patient_id"


def test_a_search_that_looks_like_a_date_does_not_break_the_audit_page(world: World) -> None:
    """The audit page writes days of details in words: a search for ``2026-13-01`` (or a
    date filter that is no date) is recorded as typed and must stay readable."""
    admin = login(world.client(), "admin", PASSWORDS["admin"])
    assert admin.get("/patients?q=2026-13-01", headers=JSON).status_code == 200
    assert admin.get("/audit?from=2026-02-30", headers=JSON).status_code == 200
    for headers in (HTML, JSON):
        response = admin.get("/audit", headers=headers)
        assert response.status_code == 200, response.text[:300]
    assert "2026-13-01" in admin.get("/audit", headers=HTML).text


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.parametrize(
    "typed",
    [
        '=HYPERLINK("http://x")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1)",
        "\t=1+1",
        "\r=1+1",
        " =1+1",
        "\n=1+1",
        "\uff1d1+1",  # a full-width equals sign, which some spreadsheets read as "="
    ],
)
def test_audit_export_neutralises_formulas(world: World, typed: str) -> None:
    """Whatever a user typed that the log keeps (here a search, and a full name) never
    reaches a spreadsheet as a formula."""
    admin = login(world.client(), "admin", PASSWORDS["admin"])
    assert admin.get("/patients", params={"q": typed}, headers=JSON).status_code == 200
    uid = _user_id(world, "therapist")
    response = _post(admin, f"/users/{uid}", {"full_name": typed + " x", "role": "therapist"})
    assert response.status_code in (200, 422), response.text[:300]
    export = admin.get("/audit/export.csv")
    assert export.status_code == 200
    for row in _csv_rows(export.text)[1:]:
        for cell in row:
            first = cell.lstrip(" \t\r\n")[:1]
            assert first not in ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20") or (
                cell.startswith("'")
            ), row
            assert not cell.startswith(("\t", "\r", "\n")), row


def test_forced_password_change_holds_on_the_rest_api(any_world: World) -> None:
    """After a reset, the one-time password's session may only choose a new password: the
    REST API refuses it like the pages do."""
    admin = login(any_world.client(), "admin", PASSWORDS["admin"])
    uid = _user_id(any_world, "therapist")
    temporary = _post(admin, f"/users/{uid}/password", {}).json()["temporary_password"]
    forced = login(any_world.client(), "therapist", temporary)
    for path in ("/patients", "/api/patients", f"/api/patients/{any_world.demo_patient}"):
        response = forced.get(path, headers=JSON)
        assert response.status_code == 403, (path, response.text[:300])
        assert response.json()["error"]["code"] == "password_change_required"
    assert forced.get("/password", headers=JSON).status_code == 200
    changed = _post(
        forced,
        "/password",
        {"current": temporary, "new": "a-new-password-1", "repeat": "a-new-password-1"},
    )
    assert changed.status_code == 200, changed.text[:300]
    assert forced.get("/api/patients", headers=JSON).status_code == 200


def test_forced_password_change_holds_for_api_tokens(any_world: World) -> None:
    from sqlalchemy import select

    from spinecare.clinic.tokens import issue_token
    from spinecare.store.models import User

    db = any_world.app.state.db  # type: ignore[attr-defined]
    with db.session() as session:
        user = session.scalar(select(User).where(User.username == "therapist"))
        user.must_change_password = True
        token = issue_token(session, user)
    response = any_world.client().get(
        "/api/patients", headers={**JSON, "authorization": f"Bearer {token}"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "password_change_required"


def test_a_deactivated_users_session_and_token_stop_at_once(any_world: World) -> None:
    from sqlalchemy import select

    from spinecare.clinic.tokens import issue_token
    from spinecare.store.models import User

    db = any_world.app.state.db  # type: ignore[attr-defined]
    with db.session() as session:
        token = issue_token(
            session, session.scalar(select(User).where(User.username == "therapist"))
        )
    therapist = login(any_world.client(), "therapist", PASSWORDS["therapist"])
    bearer = {**JSON, "authorization": f"Bearer {token}"}
    assert therapist.get("/patients", headers=JSON).status_code == 200
    assert any_world.client().get("/api/patients", headers=bearer).status_code == 200
    admin = login(any_world.client(), "admin", PASSWORDS["admin"])
    uid = _user_id(any_world, "therapist")
    assert _post(admin, f"/users/{uid}/active", {"active": "no"}).status_code == 200
    assert therapist.get("/patients", headers=JSON).status_code == 401
    assert therapist.get("/api/patients", headers=JSON).status_code == 401
    assert any_world.client().get("/api/patients", headers=bearer).status_code == 401
    # reactivating does not bring the old session back
    assert _post(admin, f"/users/{uid}/active", {"active": "yes"}).status_code == 200
    assert therapist.get("/patients", headers=JSON).status_code == 401


def test_an_admin_cannot_reach_or_escalate_across_clinics(world: World) -> None:
    admin = login(world.client(), "admin", PASSWORDS["admin"])
    other = _user_id(world, "other-therapist")
    assert admin.get(f"/users/{other}", headers=JSON).status_code == 404
    for path, data in (
        (f"/users/{other}", {"full_name": "x", "role": "admin"}),
        (f"/users/{other}/active", {"active": "no"}),
        (f"/users/{other}/password", {}),
    ):
        assert _post(admin, path, data).status_code == 404, path
    # a patient account tied to another clinic's patient record
    response = _post(
        admin,
        "/users",
        {
            "username": "cross-patient",
            "password": "long-enough-1",
            "role": "patient",
            "patient_id": str(world.other_patient),
        },
    )
    assert response.status_code == 422
    uid = _user_id(world, "patient")
    response = _post(
        admin,
        f"/users/{uid}",
        {"full_name": "P", "role": "patient", "patient_id": str(world.other_patient)},
    )
    assert response.status_code == 422
    # a therapist cannot make themselves an administrator
    therapist = login(world.client(), "therapist", PASSWORDS["therapist"])
    me = _user_id(world, "therapist")
    assert _post(therapist, f"/users/{me}", {"full_name": "T", "role": "admin"}).status_code == 403


@pytest.mark.parametrize("target", ["/\\evil.example", "/\\/evil.example", "/\t/evil.example"])
def test_next_never_leaves_the_site(world: World, target: str) -> None:
    client = world.client()
    response = _sign_in(client, "admin", next=target)
    assert response.status_code == 200
    assert response.json()["next"] == "/patients"
    response = _post(client, "/language", {"language": "en", "next": target}, headers=HTML)
    assert response.history and response.history[0].headers["location"] == "/"


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "https://evil.example"])
def test_a_failed_sign_in_keeps_only_a_next_page_of_this_site(world: World, target: str) -> None:
    """The sign-in page shown again after a wrong password carries on only a page of this
    site, as the first sign-in page does: never another site's address in its form."""
    client = world.client()
    for next_page, kept in ((target, ""), ("/patients?q=ivanova", "/patients?q=ivanova")):
        response = _post(
            client,
            "/login",
            {"username": "admin", "password": "wrong-pass-12", "next": next_page},
            headers=HTML,
        )
        assert response.status_code == 401
        assert f'name="next" value="{kept}"' in response.text
        assert "evil.example" not in response.text


FHIR_OP = "/fhir/Patient/$massage-screening"
FHIR = {"content-type": "application/fhir+json"}


def _bundle() -> dict[str, Any]:
    import json

    from tests.web.conftest import FIXTURES

    return json.loads((FIXTURES / "bundle-herniation.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _outcome(response: Any, status: int) -> str:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("application/fhir+json")
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return str(body["issue"][0]["diagnostics"])


@pytest.mark.parametrize(
    "query", ["as_of=0001-01-01", "as_of=9999-12-31", "as_of=nan", "lang=%00", "x=%00"]
)
def test_fhir_input_refused_by_the_app_wide_check_is_an_operation_outcome(
    world: World, query: str
) -> None:
    import json

    response = world.client().post(
        f"{FHIR_OP}?{query}", content=json.dumps(_bundle()), headers=FHIR
    )
    _outcome(response, 422)
    _outcome(world.client().get(f"/fhir/metadata?{query}"), 422)


def _screening_as_of(world: World, day: Any) -> Any:
    parameters = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "asOf", "valueDate": day},
            {"name": "resource", "resource": _bundle()},
        ],
    }
    return world.client().post(FHIR_OP, json=parameters)


@pytest.mark.parametrize(
    "day", ["0001-01-01", "9999-12-31", "20260101", 20260101, None, "2026-02-30"]
)
def test_fhir_as_of_parameter_outside_the_screened_days(world: World, day: Any) -> None:
    """``asOf`` in Parameters is held to the same days as every date of the app: a day
    the screening cannot count back from was an internal error."""
    assert "valueDate" in _outcome(_screening_as_of(world, day), 400)


def test_fhir_as_of_at_the_edges_is_screened(world: World) -> None:
    for day in ("1900-01-01", "2200-12-31"):
        response = _screening_as_of(world, day)
        assert response.status_code == 200, response.text[:300]


MARK = "Ёжиков <script>alert(1)</script>\"'><img src=x onerror=alert(2)>"
RAW = ("<script>alert", "<img src=x")


def _start_course(world: World, patient_id: int) -> int:
    from tests.web.test_web_courses import _start

    return _start(world, patient_id)


def _patient(world: World, external: str) -> tuple[int, int]:
    from sqlalchemy import select

    from spinecare.store.models import PatientRow

    with world.app.state.db.session() as session:  # type: ignore[attr-defined]
        row = session.scalar(select(PatientRow).where(PatientRow.external_id == external))
        return row.id, row.version


def test_stored_text_is_shown_as_text_on_every_page(world: World) -> None:
    """Names in Cyrillic with markup, contact details, notes, reasons, clearance text and
    a user's full name, each stored and then shown on every page that shows it (the
    referral letter and the printable pages included): never as markup, never a 500."""
    from datetime import date

    from sqlalchemy import select

    from spinecare.store.models import ClearanceRequest, Intake
    from tests.web.test_web_courses import DAY

    therapist = login(world.client(), "therapist", PASSWORDS["therapist"])
    admin = login(world.client(), "admin", PASSWORDS["admin"])
    details = {
        "external_id": "x-" + MARK,
        "birth_date": "1970-01-01",
        "sex": "male",
        "language": "ru",
        "notes": MARK,
        "phone": "+7 (912) 345-67-89",
        "email": "ivan@example.org",
        "address": MARK,
        "emergency_name": MARK,
        "emergency_phone": "8 912 000 00 00",
    }
    created = _post(therapist, "/patients", {"name": "Иван " + MARK, **details})
    assert created.status_code == 201, created.text[:300]
    new_id = created.json()["id"]
    urgent, version = _patient(world, "demo-turner")
    edited = _post(
        therapist,
        f"/patients/{urgent}/edit",
        {"name": "Turner " + MARK, **details, "external_id": "u-" + MARK, "version": str(version)},
    )
    assert edited.status_code == 200, edited.text[:300]
    request = _post(
        therapist,
        f"/patients/{world.demo_patient}/clearance-requests",
        {"concepts": "disc_herniation", "physician_id": str(world.physician_id), "message": MARK},
    )
    assert request.status_code == 201, request.text[:300]
    with world.app.state.db.session() as session:  # type: ignore[attr-defined]
        clearance = session.scalar(
            select(ClearanceRequest).where(
                ClearanceRequest.patient_id == world.demo_patient,
                ClearanceRequest.status == "open",
            )
        )
        rid, rversion = clearance.id, clearance.version
    physician = login(world.client(), "physician", PASSWORDS["physician"])
    decided = _post(
        physician, f"/clearances/{rid}", {"decision": "declined", "note": MARK, "version": rversion}
    )
    assert decided.status_code == 200, decided.text[:300]
    course = _start_course(world, world.own_patient)
    taught = _post(
        therapist,
        f"/courses/{course}/home-program",
        {
            "home_collar_zone": "knead_shoulder",
            "home_minutes_collar_zone": "99",
            "reason_home": MARK,
        },
    )
    assert taught.status_code == 200, taught.text[:300]
    first = {**DAY, "pre_pain": "3", "post_pain": "2", "minutes": "15", "notes": MARK}
    assert _post(therapist, f"/courses/{course}/sessions", first).status_code == 201
    second = {**first, "adverse_event": MARK, "same_day_reason": MARK}
    assert _post(therapist, f"/courses/{course}/sessions", second).status_code == 201
    patient = login(world.client(), "patient", PASSWORDS["patient"])
    today = date.today().isoformat()
    diary = {"day": today, "done": "yes", "pain": "2", "key": "d1", "notes": MARK}
    assert _post(patient, f"/courses/{course}/diary", diary).status_code == 201
    uid = _user_id(world, "therapist")
    assert (
        _post(admin, f"/users/{uid}", {"full_name": MARK, "role": "therapist"}).status_code == 200
    )
    assert admin.get("/patients", params={"q": MARK}, headers=JSON).status_code == 200
    with world.app.state.db.session() as session:  # type: ignore[attr-defined]
        intake = session.scalar(select(Intake.id).where(Intake.patient_id == urgent))
    pages = {
        "admin": [
            "/patients",
            f"/patients/{new_id}",
            f"/patients/{new_id}/edit",
            f"/patients/{urgent}",
            f"/patients/{urgent}/screening",
            f"/patients/{urgent}/referral",
            f"/patients/{urgent}/intakes/{intake}",
            f"/patients/{world.demo_patient}",
            f"/clearances/{rid}",
            "/clearances?status=all",
            f"/courses/{course}",
            f"/courses/{course}/progress",
            f"/courses/{course}/home",
            f"/courses/{course}/complete",
            "/reviews",
            "/audit",
            "/users",
            f"/users/{uid}",
        ],
        "physician": [f"/clearances/{rid}", "/clearances?status=all", f"/courses/{course}"],
        "patient": [
            "/me/home",
            f"/courses/{course}/home",
            f"/patients/{world.own_patient}/screening",
        ],
    }
    clients = {"admin": admin, "physician": physician, "patient": patient}
    shown = 0
    for who, paths in pages.items():
        for path in paths:
            response = clients[who].get(path, headers=HTML)
            assert response.status_code == 200, (who, path, response.status_code)
            assert not any(raw in response.text for raw in RAW), (who, path)
            shown += "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert shown >= 10  # the text is there, as text


@pytest.mark.parametrize(
    "email",
    ["x@example.org?body=hi", "a@example.org,b", "a@example.org;b@example.org", "a@b.c&cc=d"],
)
def test_an_email_cannot_add_to_the_mailto_link(world: World, email: str) -> None:
    therapist = login(world.client(), "therapist", PASSWORDS["therapist"])
    response = _post(therapist, "/patients", {"name": "Mail Test", "email": email})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "email"


def test_what_a_user_types_cannot_forge_parts_of_an_audit_entry(world: World) -> None:
    """A search is recorded in the entry's detail; typed ``x action=deactivate user=admin``
    it must read as one search, not as an action and a user of the entry."""
    from spinecare.web.admin import detail_names, detail_words

    admin = login(world.client(), "admin", PASSWORDS["admin"])
    typed = "ivan petrov verdict=allowed to=admin;x,y 50%"
    assert admin.get("/patients", params={"q": typed}, headers=JSON).status_code == 200
    entries = admin.get("/audit?action=list", headers=JSON).json()["entries"]
    detail = next(e["detail"] for e in entries if e["entity"] == "patient")
    assert detail.endswith(" offset=0") and len(detail.split()) == 2
    from urllib.parse import unquote

    assert unquote(detail.split()[0].removeprefix("q=")) == typed
    page = admin.get("/audit?action=list", headers=HTML).text
    assert "ivan petrov verdict=allowed to=admin;x,y 50%" in page
    from spinecare.clinic.audit_log import AuditNames

    people = AuditNames(users={}, usernames={"admin": "Clinic Admin"}, patients={})
    names = detail_names(people, world.app.state.web.kb(), "en")  # type: ignore[attr-defined]
    words = str(detail_words(detail, names))
    assert "Verdict" not in words and "verdict:" not in words


def test_a_new_users_long_full_name_is_a_form_error(any_world: World) -> None:
    """The column holds 200 characters: PostgreSQL refused the longer name with an
    internal error."""
    admin = login(any_world.client(), "admin", PASSWORDS["admin"])
    new = {"username": "long-name", "password": "long-enough-1", "role": "therapist"}
    response = _post(admin, "/users", {**new, "full_name": "Я" * 201})
    assert response.status_code == 422, response.text[:300]
    assert response.json()["error"]["details"][0]["field"] == "full_name"
    page = _post(admin, "/users", {**new, "full_name": "Я" * 201}, headers=HTML)
    assert page.status_code == 422 and "at most 200 characters" in page.text
    ok = _post(admin, "/users", {**new, "full_name": " Я " * 100})
    assert ok.status_code == 201 and ok.json()["full_name"] == " ".join(["Я"] * 100)


def test_like_wildcards_in_a_search_are_literal_text(any_world: World) -> None:
    therapist = login(any_world.client(), "therapist", PASSWORDS["therapist"])
    for name in ("Anna 50% Smith", "Anna 50x Smith", "Bob_Jones", "Bob Jones", "Carl \\ Back"):
        assert _post(therapist, "/patients", {"name": name}).status_code == 201

    def found(q: str) -> set[str]:
        page = therapist.get("/patients", params={"q": q}, headers=JSON).json()
        api = therapist.get("/api/patients", params={"q": q}, headers=JSON).json()
        names = {p["name"] for p in page["patients"]}
        assert names == {p["name"] for p in api["patients"]}
        return names

    assert found("50%") == {"Anna 50% Smith"}
    assert found("%") == {"Anna 50% Smith"}
    assert found("b_j") == {"Bob_Jones"}
    assert found("_") == {"Bob_Jones"}
    assert found("\\") == {"Carl \\ Back"}
    assert found("%%%%") == set()


@pytest.mark.parametrize("path", ["/%2F%2Fevil.example", "/%2F%2F%2Fevil.example/x"])
def test_a_page_never_links_to_another_host(world: World, path: str) -> None:
    """The footer's JSON link and the language form's ``next`` repeat the address: a path
    written ``//evil.example`` must not become a link to that host."""
    import re

    for client in (world.client(), login(world.client(), "admin", PASSWORDS["admin"])):
        response = client.get(path, headers=HTML)
        assert response.status_code == 404
        for target in re.findall(r'(?:href|value)="(/[^"]*)"', response.text):
            assert not target.startswith("//"), target


def test_guessing_the_current_password_is_slowed_like_sign_in(world: World) -> None:
    """A borrowed session cannot guess its owner's password through ``/password`` faster
    than through the sign-in page: the failures count for the account and the address."""
    from spinecare.clinic.logins import LoginThrottle

    # the throttle's clock stands still, so a slow run cannot outwait the backoff
    world.app.state.login_throttle = LoginThrottle(clock=lambda: 1000.0)  # type: ignore[attr-defined]
    therapist = login(world.client(), "therapist", PASSWORDS["therapist"])
    wrong = {"current": "guess", "new": "a-new-password-1", "repeat": "a-new-password-1"}
    statuses = [_post(therapist, "/password", wrong).status_code for _ in range(5)]
    assert statuses[:3] == [422, 422, 422] and statuses[-1] == 429, statuses
    slowed = _post(therapist, "/password", {**wrong, "current": PASSWORDS["therapist"]})
    assert slowed.status_code == 429 and int(slowed.headers["retry-after"]) >= 1
    assert slowed.json()["error"]["code"] == "too_many_attempts"
    # the sign-in page counts the same failures
    response = _sign_in(world.client(), "therapist")
    assert response.status_code == 429


def test_a_deactivated_or_other_clinics_physician_cannot_be_addressed(world: World) -> None:
    from spinecare.clinic.accounts import create_user, get_or_create_clinic

    with world.app.state.db.session() as session:  # type: ignore[attr-defined]
        elsewhere = create_user(
            session,
            clinic=get_or_create_clinic(session, "Other clinic"),
            username="other-physician",
            password="long-enough-1",
            role="physician",
        ).id
    admin = login(world.client(), "admin", PASSWORDS["admin"])
    assert _post(admin, f"/users/{world.physician_id}/active", {"active": "no"}).status_code == 200
    for physician in (world.physician_id, elsewhere):
        response = _post(
            admin,
            f"/patients/{world.demo_patient}/clearance-requests",
            {"concepts": "disc_herniation", "physician_id": str(physician)},
        )
        assert response.status_code == 422, response.text[:300]
        assert response.json()["error"]["details"][0]["field"] == "physician_id"
        response = _post(
            admin,
            f"/patients/{world.own_patient}/courses",
            {"sessions": "10", "physician_id": str(physician)},
        )
        assert response.status_code == 422, response.text[:300]
        fields = [d["field"] for d in response.json()["error"]["details"]]
        assert "physician_id" in fields


def test_a_one_time_password_expires(any_world: World) -> None:
    """An administrator's one-time password signs in once, until its expiry (a setting),
    then is refused with a message to ask for a new one; a new reset works again."""
    from datetime import UTC, datetime, timedelta

    from spinecare.store.models import User

    admin = login(any_world.client(), "admin", PASSWORDS["admin"])
    uid = _user_id(any_world, "therapist")
    reset = _post(admin, f"/users/{uid}/password", {}).json()
    expires = datetime.fromisoformat(reset["temporary_password_expires_at"])
    hours = any_world.app.state.web.settings.reset_password_hours  # type: ignore[attr-defined]
    assert timedelta(hours=hours - 1) < expires - datetime.now(UTC) <= timedelta(hours=hours)
    with any_world.app.state.db.session() as session:  # type: ignore[attr-defined]
        session.get(User, uid).password_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    client = any_world.client()
    data = {"username": "therapist", "password": reset["temporary_password"]}
    refused = _post(client, "/login", data)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "password_expired"
    client.cookies.set("spinecare_lang", "ru")
    page = _post(client, "/login", data, headers=HTML)
    assert page.status_code == 401 and "администратор" in page.text
    assert not client.cookies.get("spinecare_session")  # not signed in
    assert [e.entity_id for e in test_web_security._audit(any_world, "password_expired")] == [
        str(uid)
    ] * 2
    again = _post(admin, f"/users/{uid}/password", {}).json()["temporary_password"]
    forced = login(any_world.client(), "therapist", again)  # still a new password first
    assert forced.get("/patients", headers=JSON).json()["error"]["code"] == (
        "password_change_required"
    )
    # it signs in once: a second sign-in with it (someone who read it over a shoulder) is
    # refused, while the session it opened can still choose the new password
    data = {"username": "therapist", "password": again}
    used = _post(any_world.client(), "/login", data)
    assert used.status_code == 401 and used.json()["error"]["code"] == "password_expired"
    changed = _post(
        forced, "/password", {"current": again, "new": "n3w-pass-1", "repeat": "n3w-pass-1"}
    )
    assert changed.status_code == 200
    with any_world.app.state.db.session() as session:  # type: ignore[attr-defined]
        assert session.get(User, uid).password_expires_at is None


def test_a_password_an_administrator_gives_a_new_account_is_for_one_sign_in(
    any_world: World,
) -> None:
    """The password an administrator types for a new account is known to the
    administrator: it signed in for good, so the administrator could act as that physician
    or therapist in the log unseen. It is a one-time password, as a reset's: the owner
    chooses their own at the first sign-in, and nobody signs in with it a second time."""
    from datetime import UTC, datetime, timedelta

    from spinecare.store.models import User

    admin = login(any_world.client(), "admin", PASSWORDS["admin"])
    new = {"username": "dr-new", "password": "given-pass-1", "role": "physician"}
    made = _post(admin, "/users", new)
    assert made.status_code == 201, made.text[:300]
    assert made.json()["must_change_password"] is True
    with any_world.app.state.db.session() as session:  # type: ignore[attr-defined]
        expires = session.get(User, made.json()["id"]).password_expires_at
    hours = any_world.app.state.web.settings.reset_password_hours  # type: ignore[attr-defined]
    left = expires.replace(tzinfo=expires.tzinfo or UTC) - datetime.now(UTC)
    assert timedelta(hours=hours - 1) < left <= timedelta(hours=hours)
    owner = login(any_world.client(), "dr-new", "given-pass-1")
    assert owner.get("/patients", headers=JSON).json()["error"]["code"] == (
        "password_change_required"
    )
    data = {"username": "dr-new", "password": "given-pass-1"}
    again = _post(any_world.client(), "/login", data)  # the administrator, later
    assert again.status_code == 401 and again.json()["error"]["code"] == "password_expired"
    chosen = {"current": "given-pass-1", "new": "own-pass-12", "repeat": "own-pass-12"}
    assert _post(owner, "/password", chosen).status_code == 200
    assert owner.get("/reviews", headers=JSON).status_code == 200


def test_a_number_of_thousands_of_digits_is_a_form_error(world: World) -> None:
    """An id, offset, limit or version longer than ``int()`` reads (4,300 digits) is
    refused naming it, in a path, a query and a form, never an internal error."""
    field = test_web_security._field
    digits = "9" * 5000
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    assert field(client.get(f"/patients/{digits}", headers=JSON)) == "patient_id"
    assert field(client.get(f"/api/patients?offset={digits}")) == "offset"
    assert field(client.get(f"/api/patients?limit={'0' * 5000}1{digits}")) == "limit"
    assert field(client.get(f"/api/patients?offset={'٩' * 5000}")) == "offset"
    edit = {"name": "A Name", "version": digits}
    assert field(_post(client, f"/patients/{world.demo_patient}/edit", edit)) == "version"
    # a number field (not an id) of 309 digits or more reads as infinity: not finite
    day = {"day": date.today().isoformat(), "systolic": "9" * 400, "diastolic": "80"}
    assert field(_post(client, f"/patients/{world.own_patient}/intake", day)) == "systolic"
    start = {"physician_id": digits}
    assert field(_post(client, f"/patients/{world.own_patient}/courses", start)) == ("physician_id")


@pytest.mark.parametrize("pain", ["²", "9" * 5000, "٣"])
def test_a_pain_score_in_other_digits_is_a_form_error(world: World, pain: str) -> None:
    """``str.isdigit`` takes ``²`` (which ``int()`` refuses), other scripts' digits and a
    number too long for ``int()``: the pain score is the digits 0-9, else a form error."""
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    day = {"day": date.today().isoformat(), "pain": pain}
    r = _post(client, f"/patients/{world.own_patient}/intake", day)
    assert r.status_code == 422 and "pain" in r.json()["error"]["message"], r.text
    course = test_web_security._start_course(world, world.own_patient, None)
    r = _post(client, f"/courses/{course}/check", day)
    assert r.status_code == 422 and "pain" in r.json()["error"]["message"], r.text


def test_a_physician_written_in_other_digits_is_no_physician(world: World) -> None:
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    r = _post(client, f"/patients/{world.own_patient}/courses", {"physician_id": "²"})
    # read as no physician chosen (the course then goes to the clinic's physician)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("boundary", ["a" * 300, "a" * 10000])
def test_a_multipart_boundary_too_long_is_a_bad_request(world: World, boundary: str) -> None:
    """python-multipart refuses a boundary over 256 characters when it is given one: the
    UTF-8 check of every form route let that escape as an internal error."""
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    kind = f"multipart/form-data; boundary={boundary}"
    body = f'--{boundary}\r\nContent-Disposition: form-data; name="x"\r\n\r\ny\r\n--{boundary}--'
    for path in ("/patients/import", "/patients", "/login"):
        r = client.post(path, content=body.encode(), headers={**JSON, "content-type": kind})
        assert r.status_code == 400, (path, r.status_code, r.text[:200])
        assert r.json()["error"]["status"] == 400


def test_a_bundle_mixing_two_patients_is_refused_everywhere(world: World) -> None:
    """Another patient's readings in a patient's Bundle would stand in for the patient's
    own missing ones (blood pressure, temperature, pain: ``needs_data`` read as decided):
    the Bundle is refused by the REST API, the FHIR operation and the import, and the
    import stores nothing."""
    import json

    from sqlalchemy import func, select

    from spinecare.store.models import Intake, PatientRow
    from tests.web.conftest import FIXTURES

    bundle = json.loads((FIXTURES / "bundle-herniation.json").read_text(encoding="utf-8"))
    bundle["entry"][2]["resource"]["subject"] = {"reference": "Patient/someone-else"}
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    for path in ("/api/screen", "/api/plan"):
        r = client.post(path, json=bundle)
        assert r.status_code == 400, r.text
        assert "Observation/bp1" in r.json()["error"]["message"]
    r = client.post("/fhir/Patient/$massage-screening", json=bundle)
    assert r.status_code == 400 and r.json()["resourceType"] == "OperationOutcome"
    db = world.app.state.db  # type: ignore[attr-defined]
    with db.session() as session:
        before = (
            session.scalar(select(func.count(PatientRow.id))),
            session.scalar(select(func.count(Intake.id))),
        )
    token = csrf_of(client, "/patients/import")
    sent = json.dumps(bundle).encode()
    r = client.post(
        "/patients/import",
        data={"csrf_token": token},
        files={"file": ("mixed.json", sent, "application/json")},
        headers=JSON,
    )
    assert r.status_code == 400, r.text
    with db.session() as session:
        after = (
            session.scalar(select(func.count(PatientRow.id))),
            session.scalar(select(func.count(Intake.id))),
        )
    assert after == before
    # the same reading written as the EHR writes it (its full address) is the patient's
    bundle["entry"][2]["resource"]["subject"] = {
        "reference": "https://ehr.example.org/fhir/Patient/fhir-web-1"
    }
    assert client.post("/api/screen", json=bundle).status_code == 200


def test_a_body_nested_past_the_limit_is_refused_on_every_reader(world: World) -> None:
    """A JSON body nested 255 to 1,024 levels deep was an internal error on the REST API
    and the FHIR operation, and an import refused with a Python error's name."""
    body = b'{"resourceType": "Bundle", "x": ' + b"[" * 300 + b"]" * 300 + b"}"
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    sent = {"content-type": "application/json"}
    for path in ("/api/screen", "/api/plan"):
        r = client.post(path, content=body, headers=sent)
        assert r.status_code == 400 and "254" in r.json()["error"]["message"], r.text
    r = client.post("/fhir/Patient/$massage-screening", content=body, headers=sent)
    assert r.status_code == 400 and "254" in r.json()["issue"][0]["diagnostics"], r.text
    token = csrf_of(client, "/patients/import")
    r = client.post(
        "/patients/import",
        data={"csrf_token": token},
        files={"file": ("deep.json", body, "application/json")},
        headers=JSON,
    )
    assert r.status_code == 400 and "254" in r.json()["error"]["message"], r.text
    assert "Error" not in r.json()["error"]["message"]


def test_a_client_going_away_mid_body_is_no_internal_error(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """A client that drops the connection while its form is read was logged as an
    unexpected error with a traceback; it is one line at info level."""
    import asyncio
    import logging

    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/patients/import",
        "raw_path": b"/patients/import",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"multipart/form-data; boundary=b"),
            (b"cookie", cookie.encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    messages = [
        {
            "type": "http.request",
            "body": b"--b\r\nContent-Disposition: form-data",
            "more_body": True,
        },
        {"type": "http.disconnect"},
    ]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        pass

    with caplog.at_level(logging.INFO):
        asyncio.run(world.app(scope, receive, send))  # type: ignore[operator]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert "went away" in caplog.text


def test_a_record_with_long_words_and_nul_characters_is_stored_whole(any_world: World) -> None:
    """On PostgreSQL a record whose note, drug, procedure or id was longer than its column
    (or held a NUL) could not be imported (an internal error); on SQLite a procedure's
    words were cut at 500 characters, so "discectomy" after them was lost and the stored
    patient screened unlike the file. Now both keep it whole and screen as the file does."""
    import json

    from tests.web.conftest import FIXTURES

    bundle = json.loads((FIXTURES / "bundle-herniation.json").read_text(encoding="utf-8"))
    own = {"reference": "Patient/fhir-web-1"}
    bundle["entry"] += [
        {
            "resource": {
                "resourceType": "Condition",
                "id": "n" * 400,
                "subject": own,
                "code": {"text": "x " * 400 + "vertebral fracture\x00"},
            }
        },
        {
            "resource": {
                "resourceType": "Procedure",
                "id": "pr1",
                "status": "completed",
                "subject": own,
                "performedDateTime": "2026-11-01",
                "code": {"text": "y " * 400 + "lumbar discectomy"},
            }
        },
        {
            "resource": {
                "resourceType": "MedicationStatement",
                "id": "m1",
                "status": "s" * 60,
                "subject": own,
                "medicationCodeableConcept": {"text": "z " * 400 + "warfarin"},
            }
        },
    ]
    client = login(any_world.client(), "therapist", PASSWORDS["therapist"])
    day = "as_of=2026-11-21"
    expected = client.post(f"/api/screen?{day}", json=bundle).json()
    token = csrf_of(client, "/patients/import")
    r = client.post(
        "/patients/import",
        data={"csrf_token": token},
        files={"file": ("long.json", json.dumps(bundle).encode(), "application/json")},
        headers=JSON,
    )
    assert r.status_code == 201, r.text
    stored = client.get(f"/api/patients/{r.json()['id']}/screening?{day}").json()
    found = {f["concept"] for f in expected["findings"]}
    assert {"vertebral_fracture", "recent_spinal_surgery", "anticoagulant_therapy"} <= found
    assert stored["verdict"] == expected["verdict"]
    assert {f["concept"] for f in stored["findings"]} == found
    page = client.get(f"/patients/{r.json()['id']}/screening", headers=HTML)
    assert page.status_code == 200 and "\x00" not in page.text


def test_a_diary_pain_of_hundreds_of_digits_is_a_form_error(world: World) -> None:
    """``9`` written 400 times passes as a whole number and reads as infinity: the
    patient's diary answered it with an internal error."""
    course = test_web_security._start_course(world, world.own_patient, None)
    patient = login(world.client(), "patient", PASSWORDS["patient"])
    for pain in ("9" * 400, "9" * 5000):
        r = _post(patient, f"/courses/{course}/diary", {"key": f"k-{len(pain)}", "pain": pain})
        assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "pain", r.text


SELF_CLEARED = b"""format: spinecare-intake/1
patient: {id: self-cleared, name: Self Cleared, birth_date: 1970-01-01, sex: male}
date: %(day)s
conditions:
  - {concept: disc_herniation, onset: 2026-01-10}
vitals:
  - {blood_pressure: 120/80}
  - {measure: body_temperature, value: 36.6}
pain: {score: 2}
answers: {fever_today: false, herniation_phase: recovery}
clearances:
  - concepts: [disc_herniation]
    decision: cleared
    by: Dr. Nobody, neurologist
    note: massage allowed
"""


def test_an_imported_file_cannot_clear_massage_without_a_physician(any_world: World) -> None:
    """A therapist (or admin) who imported an intake file with ``clearances`` cleared
    massage for a finding that needs a physician, with no physician: the file's clearance
    was in force at once. It is kept and shown as the document's, and settles nothing
    until a physician of the clinic decides a request for it."""
    day = date.today().isoformat()
    for who in ("therapist", "admin"):
        client = login(any_world.client(), who, PASSWORDS[who])
        body = SELF_CLEARED.replace(b"self-cleared", f"self-cleared-{who}".encode())
        r = client.post(
            "/patients/import",
            data={"csrf_token": csrf_of(client, "/patients/import")},
            files={"file": ("letter.yaml", body % {b"day": day.encode()}, "application/yaml")},
            headers=JSON,
        )
        assert r.status_code == 201, r.text[:300]
        pid = r.json()["id"]
        page = client.get(f"/patients/{pid}/screening", headers=JSON).json()
        assert page["screening"]["verdict"] == "needs_clearance", (who, page["screening"])
        assert page["clearable"] == ["disc_herniation"]
        shown = page["clearances_to_decide"]
        assert [(k["decision"], k["concepts"], k["by"]) for k in shown] == [
            ("cleared", ["disc_herniation"], "Dr. Nobody, neurologist")
        ]
        html = client.get(f"/patients/{pid}/screening", headers=HTML).text
        assert "Clearances from documents" in html and "Dr. Nobody" in html
        intake = client.get(f"/patients/{pid}", headers=JSON).json()["intakes"][0]["id"]
        facts = client.get(f"/patients/{pid}/intakes/{intake}", headers=JSON).json()["facts"]
        assert [k["in_force"] for k in facts["clearances"]] == [False]
        sent = _post(
            client,
            f"/patients/{pid}/clearance-requests",
            {"concepts": "disc_herniation", "physician_id": str(any_world.physician_id)},
        )
        assert sent.status_code == 201, sent.text[:300]
        physician = login(any_world.client(), "physician", PASSWORDS["physician"])
        request = sent.json()
        decided = _post(
            physician,
            f"/clearances/{request['id']}",
            {"decision": "cleared", "note": "as the letter says", "version": request["version"]},
        )
        assert decided.status_code == 200, decided.text[:300]
        page = client.get(f"/patients/{pid}/screening", headers=JSON).json()
        assert page["screening"]["verdict"] == "allowed", page["screening"]
        # the letter's clearance is decided: no longer listed as one to decide
        assert page["clearances_to_decide"] == []
        html = client.get(f"/patients/{pid}/screening", headers=HTML).text
        assert "Clearances from documents" not in html
        listed = client.get(f"/patients?q=self-cleared-{who}", headers=JSON).json()
        assert [p["verdict"] for p in listed["patients"]] == ["allowed"], listed


@pytest.mark.parametrize("born", ["9999-12-31", "2200-01-01", "1850-01-01"])
def test_an_imported_birth_date_the_form_would_refuse_is_not_kept_in_the_details(
    world: World, born: str
) -> None:
    """A record born in year 9999 (or 1850) was stored as the patient's birth date, which
    the patient form refuses ("this date has not come yet"): the details keep no birth date, the
    intake keeps the record as it came, and screening asks for a birth date."""
    import json

    from tests.web.conftest import FIXTURES

    bundle = json.loads((FIXTURES / "bundle-herniation.json").read_text(encoding="utf-8"))
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "Patient":
            entry["resource"]["birthDate"] = born
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    r = client.post(
        "/patients/import",
        data={"csrf_token": csrf_of(client, "/patients/import")},
        files={"file": ("b.json", json.dumps(bundle).encode(), "application/json")},
        headers=JSON,
    )
    assert r.status_code == 201, r.text
    assert r.json()["birth_date"] is None
    patient = r.json()["id"]
    screening = client.get(f"/patients/{patient}/screening", headers=JSON).json()["screening"]
    assert screening["verdict"] != "allowed"
    assert "birth_date" in {m["item"] for m in screening["missing"]}
    form = {"csrf_token": csrf_of(client, "/patients/new"), "name": "A", "birth_date": born}
    refused = client.post("/patients", data=form, headers=JSON)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["details"][0]["field"] == "birth_date"


def test_an_imported_plausible_birth_date_is_kept(world: World) -> None:
    import json

    from tests.web.conftest import FIXTURES

    raw = (FIXTURES / "bundle-herniation.json").read_bytes()
    born = next(
        e["resource"].get("birthDate")
        for e in json.loads(raw)["entry"]
        if e["resource"]["resourceType"] == "Patient"
    )
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    r = client.post(
        "/patients/import",
        data={"csrf_token": csrf_of(client, "/patients/import")},
        files={"file": ("b.json", raw, "application/json")},
        headers=JSON,
    )
    assert r.status_code == 201 and born and r.json()["birth_date"] == born


@pytest.mark.parametrize(
    ("lang", "fields", "said"),
    [
        ("ru", {"temperature": "46.5"}, "46,5 °C вне правдоподобного диапазона 30–45 °C"),
        (
            "ru",
            {"temperature": "2147483648"},
            "2\xa0147\xa0483\xa0648 °C вне правдоподобного диапазона 30–45 °C",
        ),
        (
            "ru",
            {"systolic": "300.5", "diastolic": "80"},
            "300,5 мм рт. ст. вне правдоподобного диапазона 50–300 мм рт. ст.",
        ),
        ("en", {"systolic": "120", "diastolic": "1e300"}, "1E300 mm Hg is outside"),
        ("en", {"temperature": "120", "temperature_unit": "[degF]"}, "120 °F is outside"),
    ],
)
def test_an_implausible_reading_is_said_as_the_reader_writes_numbers(
    world: World, lang: str, fields: dict[str, str], said: str
) -> None:
    """A reading typed far out of range on the intake form is named as typed, in the
    reader's way of writing numbers (``46,5``, not ``46.5`` on a Russian page; never
    Python's ``2.14748e+09``), and the range with its unit."""
    from tests.web.pagescan import text_problems, visible_texts

    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    assert _post(client, "/language", {"language": lang}).status_code == 200
    page = _post(
        client,
        f"/patients/{world.demo_patient}/intake",
        {"day": date.today().isoformat(), **fields},
        headers=HTML,
    )
    assert page.status_code == 422
    assert said in page.text
    assert "e+" not in page.text
    shown = [t for t in visible_texts(page.text, lang) if "°" in t or "мм рт" in t]
    assert shown and text_problems(shown, lang) == []


@pytest.mark.parametrize("day", ["00010101", "0001W011", "99991231", "9999-W52-7", "2026W496"])
def test_a_date_in_another_iso_form_is_refused_everywhere(world: World, day: str) -> None:
    """A date written in the basic (``00010101``) or week (``0001W011``) form of ISO 8601,
    which Python reads but the app's check of dates (1900 to 2200) did not know: a
    screening as of year 1, an audit filter or a course start in year 9999 were internal
    errors, and a screening as of year 9999 was answered. Every date is ``YYYY-MM-DD``."""
    from tests.web.test_web_courses import DAY

    field = test_web_security._field
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    for path in ("/api/patients", "/api/patients/{p}/screening", "/api/patients/{p}/plan"):
        response = client.get(path.format(p=world.own_patient), params={"as_of": day})
        assert response.status_code == 400, (path, response.text[:300])
        assert "YYYY-MM-DD" in response.json()["error"]["message"]
    for path in ("/api/screen", "/api/plan"):
        response = client.post(path, params={"as_of": day}, json=_bundle())
        assert response.status_code == 400, (path, response.text[:300])
    referral = client.get(
        f"/patients/{world.demo_patient}/referral", params={"as_of": day}, headers=JSON
    )
    assert field(referral) == "as_of"
    page = client.get(f"/patients/{world.own_patient}/screening", params={"as_of": day})
    assert page.status_code == 422 and "YYYY-MM-DD" in page.text  # said, not today's
    forms = [
        (f"/patients/{world.own_patient}/courses", {"start": day}, "start"),
        ("/patients", {"name": "Ivan Datov", "birth_date": day}, "birth_date"),
        (f"/patients/{world.demo_patient}/intake", {**DAY, "day": day}, "day"),
    ]
    for path, data, name in forms:
        assert field(_post(client, path, data)) == name, path
    admin = login(world.client(), "admin", PASSWORDS["admin"])
    export = admin.get("/audit/export.csv", params={"to": day}, headers=JSON)
    assert field(export) == "to"
    assert admin.get("/audit", params={"from": day, "to": day}).status_code == 200


def test_a_diary_day_in_another_iso_form_is_a_form_error(world: World) -> None:
    from tests.web.test_web_courses import _start

    course = _start(world, world.own_patient)
    client = login(world.client(), "patient", PASSWORDS["patient"])
    data = {"day": "99991231", "done": "yes", "pain": "2", "key": "iso-basic"}
    assert test_web_security._field(_post(client, f"/courses/{course}/diary", data)) == "day"


def test_a_signature_with_a_character_outside_ascii_is_only_wrong(world: World) -> None:
    """A login cookie, a launch cookie or a CSRF token (form field or header) holding a
    character outside ASCII: ``hmac.compare_digest`` refuses to compare such text, and the
    error escaped even the error handler (which reads the login to choose the language),
    so the server dropped the answer. Now it is a wrong signature like any other."""
    import base64

    client = world.client()
    for accept in (JSON, HTML):
        response = client.get(
            "/patients",
            headers={**accept, "cookie": b"spinecare_session=abc.\xff"},
            follow_redirects=False,
        )
        assert response.status_code == (401 if accept is JSON else 303), response.text[:300]
    response = client.get("/api/patients", headers={"cookie": b"spinecare_session=abc.\xd1\x8f"})
    assert response.status_code == 401
    callback = client.get(
        "/launch/callback?state=abc&code=x",
        headers={**HTML, "cookie": b"spinecare_launch_state=\xff"},
    )
    assert callback.status_code == 400
    data = {"username": "therapist", "password": PASSWORDS["therapist"]}
    for sent in ({"csrf_token": "токен"}, {}):
        headers = {**JSON, "x-csrf-token": b"\xd1\x82"} if not sent else JSON
        response = client.post("/login", data={**data, **sent}, headers=headers)
        assert response.status_code == 403, response.text[:300]
        assert response.json()["error"]["code"] == "csrf_failed"
    signed_in = login(world.client(), "therapist", PASSWORDS["therapist"])
    session = signed_in.cookies.get("spinecare_session")
    iss = base64.urlsafe_b64encode(b"https://ehr.example.org").decode().rstrip("=")
    cookie = f"spinecare_session={session}; spinecare_launch={iss}.\u0434".encode()
    page = world.client().get("/patients", headers={**HTML, "cookie": cookie})
    assert page.status_code == 200
    assert page.headers["x-frame-options"] == "DENY"  # no EHR's frame for a forged cookie


def test_a_date_in_a_refusal_is_written_as_the_reader_writes_it(world: World) -> None:
    """The referral letter of a patient without a red flag, and a course start in the
    past, named their day as a machine writes it (``2026-12-05``) on a Russian page."""
    from datetime import timedelta

    from spinecare.i18n import day_text

    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    assert _post(client, "/language", {"language": "ru"}).status_code == 200
    today, yesterday = date.today(), date.today() - timedelta(days=1)
    letter = client.get(f"/patients/{world.own_patient}/referral", headers=HTML)
    assert letter.status_code == 404
    assert day_text(today, "ru") in letter.text and today.isoformat() not in letter.text
    start = _post(
        client,
        f"/patients/{world.own_patient}/courses",
        {"start": yesterday.isoformat()},
        headers=HTML,
    )
    assert start.status_code == 422
    assert f"дата начала {day_text(yesterday, 'ru')} уже прошла" in start.text


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/patients?limit=0", "limit"),
        ("/api/patients?limit=abc", "limit"),
        ("/api/patients?q=" + "x" * 201, "q"),
        ("/api/patients/0x10", "patient_id"),
        ("/patients/0x10", "patient_id"),
        ("/api/patients?offset=" + "9" * 30, "offset"),  # the app's own limit
    ],
)
def test_every_refused_field_is_named_in_one_shape(world: World, path: str, field: str) -> None:
    """A field the framework refuses (a non-numeric id, ``limit`` out of range) was named
    as ``{"loc": ["query", "limit"]}``, the app's own refusals as ``{"field": "limit"}``;
    docs/api.md promises ``details[0].field`` for both."""
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    error = client.get(path, headers=JSON).json()["error"]
    assert error["status"] == 422 and error["code"] == "invalid_input"
    assert error["details"][0]["field"] == field
    assert all(set(d) == {"field", "message"} for d in error["details"])
    assert error["message"].startswith(f"{field}: ")


@pytest.mark.parametrize("path", ["/patients", "/audit", "/audit/export.csv"])
def test_a_search_too_long_is_a_form_error(world: World, path: str) -> None:
    """A search of 60,000 characters (past the database's pattern limit) is refused by
    name, never an internal error."""
    client = login(world.client(), "admin", PASSWORDS["admin"])
    name = "q" if path == "/patients" else "patient"
    r = client.get(path, params={name: "x" * 60_000}, headers=JSON)
    assert r.status_code == 422, r.text[:200]
    assert "200" in r.json()["error"]["message"]


def test_a_launch_cookie_not_in_ascii_is_no_launch(world: World, monkeypatch: Any) -> None:
    """A launch cookie with a byte outside ASCII beside a real session is no launch (it
    made every page a 500: the base64 reader raised on it)."""
    from starlette.requests import Request

    from spinecare.web import deps, smart

    monkeypatch.setattr(deps, "session_token", lambda request: "a-session")
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/patients",
        "headers": [(b"cookie", b"spinecare_launch=\xff.x; spinecare_session=s")],
        "app": world.app,
    }
    assert smart._launched_from(Request(scope)) is None


def test_a_clearance_request_sent_twice_is_one_request(world: World) -> None:
    """The same request sent again (a double click) is the one already open, never a
    second in the physician's queue; another message is another request."""
    first = clearance_request(world, "pain 2/10")
    assert clearance_request(world, "pain 2/10") == clearance_request(world, "pain 2/10") == first
    assert clearance_request(world, "pain 1/10 today") != first


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "multipart/form-data; boundary=b"],
)
def test_a_compressed_form_is_refused_naming_its_encoding(signed_in, csrf, content_type) -> None:
    """A gzip-compressed form was read as text: its bytes (a NUL, replacement characters)
    came back as a field's name. A form is refused in any encoding, naming it (415),
    nothing saved; the same form sent plain is read."""
    import gzip

    therapist = signed_in("therapist")
    token = csrf(therapist, "/patients/new")
    body = gzip.compress(b"name=Gz+Test&external_id=gz-1&csrf_token=" + token.encode())
    answer = therapist.post(
        "/patients",
        content=body,
        headers={
            "Content-Type": content_type,
            "Content-Encoding": "gzip",
            "X-CSRF-Token": token,
            "Accept": "application/json",
        },
    )
    assert answer.status_code == 415, answer.text
    message = answer.json()["error"]["message"]
    assert "'gzip'" in message and "form" in message and "\x00" not in answer.text
    listed = therapist.get("/patients?q=gz-1", headers={"Accept": "application/json"})
    assert "Gz Test" not in listed.text


def test_a_body_of_another_kind_than_the_page_reads_is_refused_naming_it(signed_in, csrf) -> None:
    """JSON posted to a page was read as an empty form ("name: required"): refused naming
    what was sent (415), nothing saved; a form without a type named is read as before."""
    therapist = signed_in("therapist")
    token = csrf(therapist, "/patients/new")
    answer = therapist.post(
        "/patients",
        content=b'{"name": "Json Test"}',
        headers={
            "Content-Type": "application/json",
            "X-CSRF-Token": token,
            "Accept": "application/json",
        },
    )
    assert answer.status_code == 415, answer.text
    assert "'application/json'" in answer.json()["error"]["message"]
    anonymous = signed_in("anonymous")
    said = anonymous.post(
        "/login",
        content=b"username=x",
        headers={"Content-Type": "text/plain", "Accept-Language": "ru"},
    )
    assert said.status_code == 415
    assert said.json()["error"]["message"] == (
        "эта страница принимает форму, как её отправляет браузер, а не «text/plain»"
    )
