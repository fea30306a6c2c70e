"""The authorization matrix: every route against every role and another clinic's user.

Expected statuses are written out per route; 403 means "your role may not", 404 "not in
your clinic" (another clinic's data is never shown) or, for a patient's account, "not
yours" (another patient is never named), 401 "sign in first".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
JSON = {"accept": "application/json"}

ROLES = ("admin", "therapist", "physician", "patient", "other", "anonymous")


def _version(world: Any, patient_id: int) -> int:
    from spinecare.store.models import PatientRow

    with world.app.state.db.session() as session:  # type: ignore[attr-defined]
        row = session.get(PatientRow, patient_id)
        assert row is not None
        return row.version


def _open_request(world: Any) -> int:
    """A clearance request for the demo patient, addressed to the demo physician."""
    from datetime import date

    from sqlalchemy import select

    from spinecare.clinic.patients import request_clearance
    from spinecare.kb import load_kb
    from spinecare.store.models import User

    with world.app.state.db.session() as session:  # type: ignore[attr-defined]
        therapist = session.scalar(select(User).where(User.username == "therapist"))
        req = request_clearance(
            session,
            therapist,
            world.demo_patient,
            physician_id=world.physician_id,
            concepts=["disc_herniation"],
            message="please clear",
            kb=load_kb(),
            as_of=date.today(),
        )
        return req.id


# (method, path, body, expected status per role); "{demo}" is a demo-clinic patient
# referred to the physician, "{own}" the demo patient account's own record, "{req}" an open
# clearance request addressed to the physician.
S = {"admin": 200, "therapist": 200}
ROUTES: list[tuple[str, str, Any, dict[str, int]]] = [
    (
        "GET",
        "/patients",
        None,
        # the clinic's list; a patient's browser is sent to their own pages
        {**S, "physician": 200, "patient": 403, "other": 200, "anonymous": 401},
    ),
    (
        "GET",
        "/patients/new",
        None,
        {**S, "physician": 403, "patient": 403, "other": 200, "anonymous": 401},
    ),
    (
        "POST",
        "/patients",
        {"name": "Matrix Patient"},
        {
            "admin": 201,
            "therapist": 201,
            "physician": 403,
            "patient": 403,
            "other": 201,
            "anonymous": 401,
        },
    ),
    (
        "GET",
        "/patients/import",
        None,
        {**S, "physician": 403, "patient": 403, "other": 200, "anonymous": 401},
    ),
    (
        "POST",
        "/patients/import",
        "upload",
        {
            "admin": 201,
            "therapist": 201,
            "physician": 403,
            "patient": 403,
            "other": 201,
            "anonymous": 401,
        },
    ),
    (
        "GET",
        "/patients/{demo}",
        None,
        {**S, "physician": 200, "patient": 404, "other": 404, "anonymous": 401},
    ),
    (
        "GET",
        "/patients/{demo}/screening",
        None,
        {**S, "physician": 200, "patient": 404, "other": 404, "anonymous": 401},
    ),
    (
        "GET",
        "/patients/{own}",
        None,
        # the clinic's card of the patient; their own pages are their home and screening
        {**S, "physician": 403, "patient": 403, "other": 404, "anonymous": 401},
    ),
    (
        "GET",
        "/patients/{own}/screening",
        None,
        {**S, "physician": 403, "patient": 200, "other": 404, "anonymous": 401},
    ),
    (
        "GET",
        "/patients/{demo}/edit",
        None,
        {**S, "physician": 403, "patient": 403, "other": 404, "anonymous": 401},
    ),
    (
        "POST",
        "/patients/{demo}/edit",
        "edit",
        {**S, "physician": 403, "patient": 403, "other": 404, "anonymous": 401},
    ),
    (
        "GET",
        "/patients/{demo}/intake",
        None,
        {**S, "physician": 403, "patient": 403, "other": 404, "anonymous": 401},
    ),
    (
        "POST",
        "/patients/{demo}/intake",
        {"day": "today", "pain": "2"},
        {
            "admin": 201,
            "therapist": 201,
            "physician": 403,
            "patient": 403,
            "other": 404,
            "anonymous": 401,
        },
    ),
    (
        "POST",
        "/patients/{own}/intake",
        {"day": "today", "pain": "1"},
        {
            "admin": 201,
            "therapist": 201,
            "physician": 403,
            "patient": 403,
            "other": 404,
            "anonymous": 401,
        },
    ),
    (
        "POST",
        "/patients/{demo}/clearance-requests",
        "request",
        {
            "admin": 201,
            "therapist": 201,
            "physician": 403,
            "patient": 403,
            "other": 404,
            "anonymous": 401,
        },
    ),
    (
        "GET",
        "/clearances",
        None,
        {**S, "physician": 200, "patient": 403, "other": 200, "anonymous": 401},
    ),
    (
        "GET",
        "/clearances/{req}",
        None,
        {**S, "physician": 200, "patient": 403, "other": 404, "anonymous": 401},
    ),
    (
        "GET",
        "/audit",
        None,
        {
            "admin": 200,
            "therapist": 403,
            "physician": 403,
            "patient": 403,
            "other": 403,
            "anonymous": 401,
        },
    ),
    (
        "GET",
        "/users",
        None,
        {
            "admin": 200,
            "therapist": 403,
            "physician": 403,
            "patient": 403,
            "other": 403,
            "anonymous": 401,
        },
    ),
    (
        "POST",
        "/users",
        "user",
        {
            "admin": 201,
            "therapist": 403,
            "physician": 403,
            "patient": 403,
            "other": 403,
            "anonymous": 401,
        },
    ),
    (
        "POST",
        "/clearances/{req}",
        "decide",
        {
            "admin": 403,
            "therapist": 403,
            "physician": 200,
            "patient": 403,
            "other": 403,
            "anonymous": 401,
        },
    ),
]


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_role(world: Any, signed_in: Any, csrf: Any, role: str) -> None:
    from datetime import date

    client = signed_in(role)
    token = client.cookies.get("spinecare_session")
    token = csrf(client, "/patients") if token is not None else None
    req = _open_request(world)
    ids = {"demo": world.demo_patient, "own": world.own_patient, "req": req}
    failures: list[str] = []
    for method, template, body, expected in ROUTES:
        path = template.format(**ids)
        headers = {**JSON, **({"x-csrf-token": token} if token else {})}
        if method == "GET":
            response = client.get(path, headers=JSON)
        else:
            files = None
            data: dict[str, Any] | None = None
            if body == "upload":
                raw = (FIXTURES / "bundle-herniation.json").read_bytes()
                files = {"file": ("bundle.json", raw, "application/json")}
            elif body == "edit":
                data = {"name": f"Edited by {role}", "version": str(_version(world, ids["demo"]))}
            elif body == "request":
                data = {"concepts": "disc_herniation", "physician_id": str(world.physician_id)}
            elif body == "user":
                data = {"username": f"new-{role}", "password": "long-enough-1", "role": "therapist"}
            elif body == "decide":
                data = {"decision": "cleared", "note": "ok", "version": "1"}
            else:
                data = {
                    k: (date.today().isoformat() if v == "today" else v) for k, v in body.items()
                }
            response = client.post(
                path, data=data, files=files, headers=headers, follow_redirects=False
            )
        want = expected[role]
        if response.status_code != want:
            failures.append(
                f"{method} {path}: {response.status_code} (want {want}) {response.text[:160]}"
            )
        elif want >= 400:
            error = response.json()["error"]
            assert error["status"] == want
            assert "Traceback" not in response.text
    assert not failures, "\n".join(failures)


def test_anonymous_browser_is_sent_to_login(world: Any) -> None:
    client = world.client()
    response = client.get(
        f"/patients/{world.demo_patient}", headers={"accept": "text/html"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/patients/")


def test_other_clinic_patient_page_shows_no_data(world: Any, signed_in: Any) -> None:
    client = signed_in("other")
    response = client.get(
        f"/patients/{world.demo_patient}/screening", headers={"accept": "text/html"}
    )
    assert response.status_code == 404
    assert "Kuznetsova" not in response.text and "Кузнецова" not in response.text


def _records_and_accounts(world: Any) -> dict[str, int]:
    """The ids of one intake of each patient and of the accounts, for :data:`MORE_ROUTES`."""
    from sqlalchemy import select

    from spinecare.store.models import Intake, User

    with world.app.state.db.session() as session:  # type: ignore[attr-defined]

        def intake(patient: int) -> int:
            return int(session.scalar(select(Intake.id).where(Intake.patient_id == patient)))

        def user(name: str) -> int:
            return int(session.scalar(select(User.id).where(User.username == name)))

        return {
            "demo": world.demo_patient,
            "own": world.own_patient,
            "other": world.other_patient,
            "demo_intake": intake(world.demo_patient),
            "own_intake": intake(world.own_patient),
            "other_intake": intake(world.other_patient),
            "therapist_user": user("therapist"),
            "physician_user": user("physician"),
            "other_user": user("other-therapist"),
        }


ADMIN_ONLY = {
    "admin": 200,
    "therapist": 403,
    "physician": 403,
    "patient": 403,
    "other": 403,
    "anonymous": 401,
}
NOT_FOUND_BUT_OTHER = {
    "admin": 404,
    "therapist": 404,
    "physician": 404,
    "patient": 404,
    "other": 200,
    "anonymous": 401,
}
NOT_HERE = {
    "admin": 404,
    "therapist": 404,
    "physician": 403,
    "patient": 404,
    "other": 404,
    "anonymous": 401,
}
"""Nothing at this address for the clinic's staff; a physician nobody referred may not ask;
a patient's account finds nothing of another patient."""
NOT_A_PATIENTS_PAGE = {**NOT_HERE, "patient": 403}
"""As :data:`NOT_HERE`, under the patient's own record: a past intake is the clinic's chart,
refused to the patient's account whatever the intake's id."""
MORE_ROUTES: list[tuple[str, str, dict[str, int]]] = [
    (
        "GET",
        "/patients/{demo}/intakes/{demo_intake}",
        {**S, "physician": 403, "patient": 404, "other": 404, "anonymous": 401},
    ),
    # an intake of another patient, or another clinic's, under a patient one may see
    (
        "GET",
        "/patients/{demo}/intakes/{own_intake}",
        NOT_HERE,
    ),
    (
        "GET",
        "/patients/{own}/intakes/{demo_intake}",
        NOT_A_PATIENTS_PAGE,
    ),
    (
        "GET",
        "/patients/{own}/intakes/{other_intake}",
        NOT_A_PATIENTS_PAGE,
    ),
    (
        "GET",
        "/patients/{own}/intakes/{own_intake}",
        {**S, "physician": 403, "patient": 403, "other": 404, "anonymous": 401},
    ),
    ("GET", "/patients/{other}/intakes/{other_intake}", NOT_FOUND_BUT_OTHER),
    ("GET", "/audit/export.csv", ADMIN_ONLY),
    ("GET", "/clinic", ADMIN_ONLY),
    ("POST", "/clinic", ADMIN_ONLY),
    ("GET", "/users/{therapist_user}", ADMIN_ONLY),
    ("GET", "/users/{other_user}", {**ADMIN_ONLY, "admin": 404}),
    ("POST", "/users/{therapist_user}", ADMIN_ONLY),
    ("POST", "/users/{other_user}", {**ADMIN_ONLY, "admin": 404}),
    ("POST", "/users/{other_user}/active", {**ADMIN_ONLY, "admin": 404}),
    ("POST", "/users/{other_user}/password", {**ADMIN_ONLY, "admin": 404}),
    # the demo patients need no urgent referral: nobody gets a letter, nobody learns more
    (
        "GET",
        "/patients/{demo}/referral",
        {**NOT_HERE, "patient": 403},
    ),
    (
        "GET",
        "/patients/{other}/referral",
        {"admin": 404, "therapist": 404, "physician": 404, "patient": 403, "other": 404}
        | {"anonymous": 401},
    ),
    # last: they change the account
    ("POST", "/users/{physician_user}/password", ADMIN_ONLY),
    ("POST", "/users/{physician_user}/active", ADMIN_ONLY),
]


@pytest.mark.parametrize("role", ROLES)
def test_past_intakes_accounts_and_letters_for_role(
    world: Any, signed_in: Any, csrf: Any, role: str
) -> None:
    """The routes with two ids (an intake under a patient) or an account's id: an id of
    another patient's, or another clinic's, record is never answered with it."""
    client = signed_in(role)
    token = csrf(client, "/login") if client.cookies.get("spinecare_session") else "x"
    ids = _records_and_accounts(world)
    failures = []
    for method, template, expected in MORE_ROUTES:
        path = template.format(**ids)
        if method == "GET":
            response = client.get(path, headers=JSON, follow_redirects=False)
        else:
            response = client.post(
                path, data={"csrf_token": token}, headers=JSON, follow_redirects=False
            )
        if response.status_code != expected[role]:
            failures.append(f"{method} {path}: {response.status_code} (want {expected[role]})")
        elif expected[role] >= 400:
            assert response.json()["error"]["status"] == expected[role]
    assert not failures, "\n".join(failures)


NO_MATRIX = {
    ("GET", "/openapi.json"): "the API's description, public",
    ("GET", "/docs"): "the API reference page, public",
    ("*", "/static"): "stylesheets and scripts, public",
    ("*", "/static/swagger-ui"): "the API reference page's scripts (Swagger UI), public",
    ("GET", "/"): "sends each role to its start page",
    ("GET", "/login"): "signing in (test_web_accounts)",
    ("POST", "/login"): "signing in (test_web_accounts)",
    ("POST", "/logout"): "signing out (test_web_accounts)",
    ("GET", "/password"): "one's own password (test_web_accounts)",
    ("POST", "/password"): "one's own password (test_web_accounts)",
    ("GET", "/launch"): "an EHR's launch, no sign-in (tests/api/test_smart_launch)",
    ("GET", "/launch/callback"): "an EHR's launch, no sign-in (tests/api/test_smart_launch)",
    ("POST", "/api/screen"): "screens the posted document, stores and reads nothing",
    ("POST", "/api/plan"): "plans from the posted document, stores and reads nothing",
}
"""Routes outside the matrices, each with the reason; everything under ``/cds-services``
is signed by an EHR (tests/api/test_cds_security) and everything under ``/fhir/`` reads
and stores nothing of the clinic."""


def test_every_route_is_in_an_authorization_matrix(world: Any) -> None:
    """A new route, or a new method on one, is tried for every role and another clinic's
    user: it must appear in a matrix (or be named above, with the reason)."""
    import re

    from tests.api.test_clinic_api import MATRIX
    from tests.web.conftest import app_routes
    from tests.web.test_web_courses import ROUTES as COURSE_ROUTES

    def shape(path: str) -> str:
        return re.sub(r"\{[^}]*\}", "{}", path)

    tried = {(m, shape(p)) for m, p, _, _ in [*ROUTES, *COURSE_ROUTES]}
    tried |= {(m, shape(p)) for m, p, _ in MORE_ROUTES}
    tried |= {("GET", shape(p)) for p, _ in MATRIX}
    missing = sorted(
        f"{method} {path}"
        for method, path in app_routes(world.app)
        if (method, shape(path)) not in tried
        and (method, path) not in NO_MATRIX
        and not path.startswith(("/cds-services", "/fhir/"))
    )
    assert not missing, "routes no authorization matrix tries:\n" + "\n".join(missing)


def test_a_patient_never_reads_the_clearance_requests_of_their_own_record(
    world: Any, signed_in: Any
) -> None:
    """The therapist's message and the physician's note of a clearance request are written
    to each other: the patient's account reads neither its record's card (the page's JSON
    twin or the REST API, which list them) nor its screening's notes
    (``GET /clearances/{id}`` refused them already); a clinician's does."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from spinecare.store.models import ClearanceRequest, PatientRow, User

    with world.app.state.db.session() as session:  # type: ignore[attr-defined]
        therapist = session.scalar(select(User).where(User.username == "therapist"))
        row = session.get(PatientRow, world.own_patient)
        assert therapist is not None and row is not None
        session.add(
            ClearanceRequest(
                patient_id=row.id,
                clinic_id=row.clinic_id,
                physician_id=world.physician_id,
                requested_by=therapist.id,
                concepts=["disc_herniation"],
                message="between clinicians",
                status="declined",
                decision_note="a note to the therapist",
                created_at=datetime.now(UTC),
            )
        )
        session.commit()
    own = world.own_patient
    patient = signed_in("patient")
    for path in (f"/patients/{own}", f"/api/patients/{own}"):
        got = patient.get(path, headers=JSON)
        assert got.status_code == 403, (path, got.status_code)
        assert "between clinicians" not in got.text, path
    for path in (f"/patients/{own}/screening", f"/api/patients/{own}/screening"):
        got = patient.get(path, headers=JSON)
        assert got.status_code == 200, (path, got.status_code)
        assert got.json().get("clearance_requests", []) == [], path
        assert "between clinicians" not in got.text, path
    staff = signed_in("therapist").get(f"/api/patients/{own}", headers=JSON).json()
    assert [r["message"] for r in staff["clearance_requests"]] == ["between clinicians"]
