"""The REST API's clinic routes: /api/patients, one patient, its screening and plan.

Through the full app (tests/web's world: the demo clinic with fixed passwords and another
clinic), every route against every role, another clinic's user and nobody; session cookie
and personal API tokens; the screening JSON equal to the CLI's; errors as envelopes;
audit entries; the standalone CDS app answering 404.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import cli_json
from tests.web.conftest import OTHER, PASSWORDS, World, login, make_world

ROLES = ("admin", "therapist", "physician", "patient", "other", "anonymous")
AS_OF = "2026-11-20"
"""The date of the demo files (spinecare/demo/), for the CLI and records read from them."""
TODAY = date.today().isoformat()
"""The demo clinic's patients are dated as of the day they are seeded: today."""
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True, scope="module")
def _cheap_password_hashing() -> Iterator[None]:
    from argon2 import PasswordHasher

    from spinecare.clinic import accounts

    before = accounts._hasher
    accounts.use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    accounts.use_password_hasher(before)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = make_world(tmp_path)
    yield w
    w.app.state.db.dispose()  # type: ignore[attr-defined]


def _db(world: World) -> Any:
    return world.app.state.db  # type: ignore[attr-defined]


def _user(session: Any, username: str) -> Any:
    from sqlalchemy import select

    from spinecare.store.models import User

    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    return user


def _who(session: Any, username: str) -> Any:
    """The account as the adapters hold the signed-in user."""
    from spinecare.clinic.accounts import current_user

    return current_user(session, _user(session, username))


def _refer(world: World) -> int:
    """A clearance request for the demo patient to the demo physician (so they see it)."""
    from spinecare.clinic.patients import request_clearance
    from spinecare.kb import load_kb

    with _db(world).session() as session:
        req = request_clearance(
            session,
            _who(session, "therapist"),
            world.demo_patient,
            physician_id=world.physician_id,
            concepts=["disc_herniation"],
            message="please clear",
            kb=load_kb(),
            as_of=date.today(),
        )
        return req.id


@pytest.fixture
def signed_in(world: World) -> Callable[[str], TestClient]:
    def make(who: str) -> TestClient:
        client = world.client()
        if who == "anonymous":
            return client
        if who == "other":
            return login(client, OTHER["username"], OTHER["password"])
        return login(client, who, PASSWORDS[who])

    return make


def _token(world: World, username: str, days: int = 30) -> str:
    from spinecare.clinic.tokens import issue_token

    with _db(world).session() as session:
        return issue_token(session, _who(session, username), days)


def _assert_envelope(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert error["status"] == status
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    return error


# ---------------------------------------------------------------------------------------
# The authorization matrix

# "{demo}": a demo-clinic patient referred to the physician; "{own}": the demo patient
# account's record; "{other}": a patient of the other clinic.
S = {"admin": 200, "therapist": 200}
MATRIX: list[tuple[str, dict[str, int]]] = [
    # the patient list and a patient's card are the clinic's charts: a patient's account
    # reads its own screening and plan, and nothing of another patient (404, as no one)
    ("/api/patients", {**S, "physician": 200, "patient": 403, "other": 200, "anonymous": 401}),
    (
        "/api/patients/{demo}",
        {**S, "physician": 200, "patient": 404, "other": 404, "anonymous": 401},
    ),
    (
        "/api/patients/{own}",
        {**S, "physician": 403, "patient": 403, "other": 404, "anonymous": 401},
    ),
    (
        "/api/patients/{other}",
        {
            "admin": 404,
            "therapist": 404,
            "physician": 404,
            "patient": 404,
            "other": 200,
            "anonymous": 401,
        },
    ),
]
for _suffix in ("screening", "plan"):
    MATRIX += [
        (
            "/api/patients/{demo}/" + _suffix,
            {**S, "physician": 200, "patient": 404, "other": 404, "anonymous": 401},
        ),
        (
            "/api/patients/{own}/" + _suffix,
            {**S, "physician": 403, "patient": 200, "other": 404, "anonymous": 401},
        ),
        (
            "/api/patients/{other}/" + _suffix,
            {
                "admin": 404,
                "therapist": 404,
                "physician": 404,
                "patient": 404,
                "other": 200,
                "anonymous": 401,
            },
        ),
    ]


def _path(world: World, template: str) -> str:
    return template.format(
        demo=world.demo_patient, own=world.own_patient, other=world.other_patient
    )


@pytest.mark.parametrize("auth", ["cookie", "bearer"])
def test_every_route_for_every_role(
    world: World, signed_in: Callable[[str], TestClient], auth: str
) -> None:
    _refer(world)
    usernames = {"other": OTHER["username"]}
    for who in ROLES:
        if auth == "cookie" or who == "anonymous":
            client = signed_in(who)
        else:
            client = world.client()
            token = _token(world, usernames.get(who, who))
            client.headers["Authorization"] = f"Bearer {token}"
        for template, expected in MATRIX:
            path = _path(world, template) + f"?as_of={TODAY}"
            response = client.get(path)
            want = expected[who]
            if want == 200:
                assert response.status_code == 200, (who, path, response.text[:300])
            else:
                error = _assert_envelope(response, want)
                assert error["code"] == {401: "unauthorized", 403: "forbidden"}.get(
                    want, "not_found"
                ), (who, path, error)
                if want == 401:
                    assert response.headers["www-authenticate"].startswith("Bearer")


def test_physician_without_referral_sees_nobody(world: World) -> None:
    """A physician of the clinic whom nobody asked to clear a patient (the demo physician
    decided the demo letters' requests)."""
    from spinecare.clinic.accounts import create_user
    from spinecare.store.models import Clinic

    with _db(world).session() as session:
        clinic = session.get(Clinic, _user(session, "physician").clinic_id)
        create_user(
            session,
            clinic=clinic,
            username="second-physician",
            password="a long enough passphrase 42",
            role="physician",
            full_name="Dr. Second",
        )
        session.commit()
    client = login(world.client(), "second-physician", "a long enough passphrase 42")
    body = client.get("/api/patients").json()
    assert body["patients"] == [] and body["total"] == 0


# ---------------------------------------------------------------------------------------
# What the routes answer


def test_patient_list_paginates_with_verdicts(
    world: World, signed_in: Callable[[str], TestClient]
) -> None:
    from spinecare.demo import demo_files

    client = signed_in("therapist")
    first = client.get(f"/api/patients?limit=4&as_of={TODAY}")
    assert first.status_code == 200
    body = first.json()
    total = len(demo_files())
    assert body["total"] == total
    assert (body["limit"], body["offset"], body["next_offset"]) == (4, 0, 4)
    assert body["as_of"] == TODAY
    assert len(body["patients"]) == 4
    seen = [p["id"] for p in body["patients"]]
    offset = body["next_offset"]
    while offset is not None:
        page = client.get(f"/api/patients?limit=4&offset={offset}&as_of={TODAY}").json()
        seen += [p["id"] for p in page["patients"]]
        offset = page["next_offset"]
    assert len(seen) == len(set(seen)) == total
    assert world.other_patient not in seen
    kuznetsova = client.get(f"/api/patients?q=kuznetsova&as_of={TODAY}").json()
    assert kuznetsova["total"] == 1
    assert kuznetsova["patients"][0]["id"] == world.demo_patient
    assert kuznetsova["patients"][0]["verdict"] == "needs_clearance"
    # today's verdict by default
    today = client.get("/api/patients?q=kuznetsova").json()
    assert today["as_of"] == date.today().isoformat()
    assert today["patients"][0]["verdict"] in {
        "refer_urgently",
        "contraindicated",
        "defer",
        "needs_clearance",
        "needs_data",
        "allowed_with_precautions",
        "allowed",
    }


def test_a_patient_account_reads_its_own_screening_not_the_clinic_list(
    signed_in: Callable[[str], TestClient], world: World
) -> None:
    client = signed_in("patient")
    error = _assert_envelope(client.get("/api/patients"), 403)
    assert error["code"] == "forbidden"
    own = client.get(f"/api/patients/{world.own_patient}/screening?as_of={TODAY}")
    assert own.status_code == 200


def test_patient_detail(world: World, signed_in: Callable[[str], TestClient]) -> None:
    req = _refer(world)
    body = signed_in("therapist").get(f"/api/patients/{world.demo_patient}").json()
    assert body["patient"]["id"] == world.demo_patient
    assert body["patient"]["external_id"] == "demo-kuznetsova"
    assert body["intakes"] and body["intakes"][0]["source"] == "demo"
    assert [r["id"] for r in body["clearance_requests"]] == [req]
    assert body["clearance_requests"][0]["concepts"] == ["disc_herniation"]
    assert body["courses"] == []


def test_patient_detail_is_one_shape_on_the_api_and_the_page(
    world: World, signed_in: Callable[[str], TestClient]
) -> None:
    _refer(world)
    client = signed_in("therapist")
    api = client.get(f"/api/patients/{world.demo_patient}").json()
    page = client.get(
        f"/patients/{world.demo_patient}", headers={"Accept": "application/json"}
    ).json()
    assert api == page


@pytest.mark.parametrize("who", ["therapist", "physician", "other"])
def test_every_patient_twin_is_the_api_object(
    world: World, signed_in: Callable[[str], TestClient], who: str
) -> None:
    """For the same patient and date, each page's JSON twin gives what /api/ gives: the
    list page is the API's page object, the screening page carries the API's screening and
    plan, the patient page is the API's patient."""
    _refer(world)
    client = signed_in(who)
    as_json = {"Accept": "application/json"}
    patient = world.other_patient if who == "other" else world.demo_patient
    listed = client.get("/api/patients", params={"limit": 25, "offset": 0}).json()
    twin = client.get("/patients", headers=as_json).json()
    assert twin == listed
    assert any(p["id"] == patient for p in twin["patients"])
    searched = client.get("/patients", params={"q": "a"}, headers=as_json).json()
    assert searched == client.get("/api/patients", params={"q": "a", "limit": 25}).json()
    username = OTHER["username"] if who == "other" else who
    for lang in ("en", "ru"):
        with _db(world).session() as session:
            _user(session, username).language = lang  # the screening page's language
        page = client.get(
            f"/patients/{patient}/screening", params={"as_of": TODAY}, headers=as_json
        ).json()
        query = {"as_of": TODAY, "lang": lang}
        assert (
            page["screening"]
            == client.get(f"/api/patients/{patient}/screening", params=query).json()
        )
        assert page["plan"] == client.get(f"/api/patients/{patient}/plan", params=query).json()
        assert page["patient"] == client.get(f"/api/patients/{patient}").json()["patient"]


def _cli(command: str, path: Path, *extra: str) -> dict[str, Any]:
    return cli_json(command, path, "--format", "json", "--as-of", AS_OF, *extra)  # type: ignore[no-any-return]


def _import_demo(world: World, path: Path) -> int:
    """The demo file stored as a patient of the other clinic (read from ``path``, as the CLI
    reads it, so the evidence references are the same)."""
    from spinecare.clinic.patients import import_record
    from spinecare.core import load_record

    record = load_record(path)
    with _db(world).session() as session:
        row = import_record(
            session, _who(session, OTHER["username"]), record, label=path.name, source="file"
        )
        return row.id


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_screening_and_plan_equal_the_cli(
    world: World, signed_in: Callable[[str], TestClient], lang: str
) -> None:
    from spinecare.demo import demo_files

    source = next(p for p in demo_files() if "kuznetsova" in p.name)
    pid = _import_demo(world, source)
    client = signed_in("other")
    screening = client.get(f"/api/patients/{pid}/screening?as_of={AS_OF}&lang={lang}")
    assert screening.status_code == 200, screening.text[:500]
    plan = client.get(f"/api/patients/{pid}/plan?as_of={AS_OF}&lang={lang}")
    assert plan.status_code == 200, plan.text[:500]
    cli_screen = _cli("screen", source, "--lang", lang)
    cli_plan = _cli("plan", source, "--lang", lang)
    # the CLI's object, with the one key a stored record adds: nothing a launch missed
    assert screening.json() == cli_screen | {"not_read": []}
    assert cli_screen["verdict"] == "needs_clearance"
    assert cli_screen["patient"] == "demo-kuznetsova"
    assert plan.json() == cli_plan


def test_seeded_demo_patient_screening_equals_the_library(
    world: World, signed_in: Callable[[str], TestClient]
) -> None:
    """The demo clinic's own copy (seeded from spinecare/demo/, dated as of the seeding
    day) answers what the library answers for the same record, byte for byte as JSON."""
    from spinecare.clinic.seed import demo_records
    from spinecare.core import screen
    from spinecare.kb import load_kb

    record = next(
        r for _, r in demo_records(load_kb(), date.today()) if r.patient.id == "demo-kuznetsova"
    )
    api = signed_in("therapist").get(f"/api/patients/{world.demo_patient}/screening?as_of={TODAY}")
    assert api.status_code == 200
    assert api.json() == screen(record, TODAY).to_json() | {"not_read": []}
    assert api.json()["verdict"] == "needs_clearance"


def test_screening_is_audited(world: World, signed_in: Callable[[str], TestClient]) -> None:
    from sqlalchemy import select

    from spinecare.store.models import AuditEntry

    client = signed_in("therapist")
    assert client.get("/api/patients").status_code == 200
    assert client.get(f"/api/patients/{world.demo_patient}").status_code == 200
    assert client.get(f"/api/patients/{world.demo_patient}/screening").status_code == 200
    assert client.get(f"/api/patients/{world.demo_patient}/plan?as_of={TODAY}").status_code == 200
    with _db(world).session() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        actions = [(r.action, r.entity, r.patient_id) for r in rows if r.action != "login"]
    assert ("list", "patient", None) in actions
    assert ("read", "patient", world.demo_patient) in actions
    screens = [a for a in actions if a[0] == "screen" and a[2] == world.demo_patient]
    assert len(screens) == 2


# ---------------------------------------------------------------------------------------
# Errors


def test_bad_parameters_are_envelopes(world: World, signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("therapist")
    pid = world.demo_patient
    error = _assert_envelope(client.get(f"/api/patients/{pid}/screening?as_of=tomorrow"), 400)
    assert "as_of" in error["message"]
    error = _assert_envelope(client.get(f"/api/patients/{pid}/plan?lang=fr"), 400)
    assert "lang" in error["message"]
    _assert_envelope(client.get("/api/patients?as_of=2026-13-01"), 400)
    _assert_envelope(client.get("/api/patients?limit=0"), 422)
    _assert_envelope(client.get("/api/patients?limit=1000"), 422)
    _assert_envelope(client.get("/api/patients?offset=-1"), 422)
    _assert_envelope(client.get("/api/patients/abc"), 422)
    _assert_envelope(client.get("/api/patients/999999"), 404)
    _assert_envelope(client.get("/api/patients/999999/screening"), 404)
    _assert_envelope(client.post("/api/patients"), 405)
    # a browser asking for HTML still gets the envelope under /api
    _assert_envelope(client.get("/api/patients/999999", headers={"accept": "text/html"}), 404)
    anonymous = signed_in("anonymous")
    _assert_envelope(anonymous.get("/api/patients", headers={"accept": "text/html"}), 401)


def test_bearer_tokens(world: World) -> None:
    from spinecare.clinic.tokens import revoke_token

    client = world.client()
    token = _token(world, "therapist")
    assert token.startswith("spc_")
    ok = client.get("/api/patients", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.json()["total"] > 0
    for header in ("Bearer nonsense", f"Bearer {token}x", "Basic dGhlcmFwaXN0OnB3", "Bearer "):
        response = client.get("/api/patients", headers={"Authorization": header})
        _assert_envelope(response, 401)
        assert "error=" in response.headers["www-authenticate"]
    # said in the request's language (lang, else Accept-Language); the same code and challenge
    for path, headers, words in (
        ("/api/patients?lang=ru", {"Authorization": "Bearer nonsense"}, "токен Bearer не"),
        (
            "/api/patients",
            {"Authorization": "Basic eDp5", "Accept-Language": "ru"},
            "Authorization: принимается только «Bearer <личный API-токен>»",
        ),
        ("/api/patients", {"Accept-Language": "ru-RU,ru;q=0.9"}, "сначала войдите"),
        ("/api/patients", {"Accept-Language": "de"}, "sign in first"),
    ):
        response = client.get(path, headers=headers)
        error = _assert_envelope(response, 401)
        assert error["code"] == "unauthorized" and error["message"].startswith(words)
        assert response.headers["www-authenticate"].startswith("Bearer")
    # a web login session's token is not an API token
    signed = login(world.client(), "therapist", PASSWORDS["therapist"])
    raw = signed.cookies.get("spinecare_session")
    assert raw
    response = client.get(
        "/api/patients", headers={"Authorization": f"Bearer {raw.rsplit('.', 1)[0]}"}
    )
    _assert_envelope(response, 401)
    # a bad Authorization header is refused even with a good cookie
    response = signed.get("/api/patients", headers={"Authorization": "Bearer nonsense"})
    _assert_envelope(response, 401)
    with _db(world).session() as session:
        assert revoke_token(session, token)
    _assert_envelope(client.get("/api/patients", headers={"Authorization": f"Bearer {token}"}), 401)


def test_token_of_deactivated_user_is_refused(world: World) -> None:
    token = _token(world, "therapist")
    with _db(world).session() as session:
        _user(session, "therapist").active = False
    response = world.client().get("/api/patients", headers={"Authorization": f"Bearer {token}"})
    _assert_envelope(response, 401)


def test_expired_token_is_refused(world: World) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from spinecare.store.models import LoginSession

    token = _token(world, "therapist")
    with _db(world).session() as session:
        session.execute(
            update(LoginSession).values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    response = world.client().get("/api/patients", headers={"Authorization": f"Bearer {token}"})
    _assert_envelope(response, 401)


def test_token_command(world: World) -> None:
    """``spinecare user token`` (registered by spinecare.commands.api in the user group)."""
    import typer
    from typer.testing import CliRunner

    from spinecare.commands import api as api_commands
    from spinecare.commands import web as web_commands

    app = typer.Typer()
    web_commands.register(app)
    api_commands.register(app)
    url = str(_db(world).engine.url)
    runner = CliRunner()
    issued = runner.invoke(app, ["user", "token", "physician", "--days", "7", "--db", url])
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip().splitlines()[0]
    assert token.startswith("spc_")
    client = world.client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/patients", headers=headers).status_code == 200
    wrong = runner.invoke(app, ["user", "token", "therapist", "--revoke", token, "--db", url])
    assert wrong.exit_code == 1
    revoked = runner.invoke(app, ["user", "token", "physician", "--revoke", token, "--db", url])
    assert revoked.exit_code == 0, revoked.output
    _assert_envelope(client.get("/api/patients", headers=headers), 401)
    unknown = runner.invoke(app, ["user", "token", "nobody", "--db", url])
    assert unknown.exit_code == 1
    too_long = runner.invoke(app, ["user", "token", "physician", "--days", "1000", "--db", url])
    assert too_long.exit_code == 2


def test_cookie_name_matches_the_web_app() -> None:
    from spinecare.api.rest import _cookie
    from spinecare.clinic.accounts import SESSION_COOKIE

    assert _cookie.model.name == SESSION_COOKIE


# ---------------------------------------------------------------------------------------
# The standalone CDS app and OpenAPI


def test_standalone_cds_app_has_no_clinic_routes() -> None:
    from spinecare.api.cds_app import create_cds_app
    from spinecare.settings import Settings

    client = TestClient(
        create_cds_app(Settings(environment="test", cds_jwt_required=False)),
        raise_server_exceptions=False,
    )
    for path in (
        "/api/patients",
        "/api/patients/1",
        "/api/patients/1/screening",
        "/api/patients/1/plan",
    ):
        error = _assert_envelope(client.get(path), 404)
        assert error["code"] == "no_clinic_app"
        assert "spinecare serve" in error["message"]
    # the posted-document routes still work there
    assert client.post("/api/screen", content=b"[]").status_code == 400


def test_openapi_documents_the_clinic_routes(world: World) -> None:
    spec = world.client().get("/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/patients",
        "/api/patients/{patient_id}",
        "/api/patients/{patient_id}/screening",
        "/api/patients/{patient_id}/plan",
    ):
        get = paths[path]["get"]
        assert get["summary"] and get["description"]
        assert {"200", "401", "403", "404"} <= set(get["responses"])
        assert get["security"]
    schemes = spec["components"]["securitySchemes"]
    assert schemes["apiToken"]["scheme"] == "bearer"
    assert schemes["sessionCookie"]["in"] == "cookie"
    params = {p["name"] for p in paths["/api/patients"]["get"]["parameters"]}
    assert {"q", "limit", "offset", "as_of"} <= params


def test_openapi_schemas_are_generated_from_the_models(world: World) -> None:
    """The verdicts in the OpenAPI come from the KB schema's list, not a copy of it."""
    from spinecare.kb.schema import VERDICTS

    spec = world.client().get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert schemas["ScreeningOut"]["properties"]["verdict"]["enum"] == list(VERDICTS)
    assert schemas["PatientListItemOut"]["properties"]["verdict"]["enum"] == list(VERDICTS)
    assert schemas["PlanOut"]["properties"]["status"]["enum"] == ["ready", "pending", "blocked"]
    # a stored patient's screening: the contract's keys, and what a launch did not read
    stored = schemas["PatientScreeningOut"]["properties"]
    assert set(schemas["ScreeningOut"]["properties"]) < set(stored)
    assert stored["not_read"] == {
        "type": "array",
        "items": {"type": "string"},
        "title": "Not Read",
        "description": stored["not_read"]["description"],
    }
    for path, model in (
        ("/api/patients", "PatientPageOut"),
        ("/api/patients/{patient_id}", "PatientDetailOut"),
        ("/api/patients/{patient_id}/screening", "PatientScreeningOut"),
        ("/api/patients/{patient_id}/plan", "PlanOut"),
    ):
        ok = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert ok["schema"]["$ref"].endswith("/" + model)
        refused = spec["paths"][path]["get"]["responses"]["403"]["content"]["application/json"]
        assert refused["schema"]["$ref"].endswith("/ErrorOut")


def test_credentials_are_checked_before_parameters(
    signed_in: Callable[[str], TestClient], world: World
) -> None:
    anonymous = signed_in("anonymous")
    _assert_envelope(anonymous.get("/api/patients?as_of=nonsense"), 401)
    _assert_envelope(anonymous.get(f"/api/patients/{world.demo_patient}/plan?lang=fr"), 401)
