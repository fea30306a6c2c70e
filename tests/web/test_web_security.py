"""The attacks the clinic app must hold against, each a regression test, on SQLite and
PostgreSQL where storage is involved: a second physician, a lost write race, input out
of range, refused attempts in the audit log, the headers of every answer."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, text

from tests.web.conftest import HTML, JSON, PASSWORDS, World, csrf_of, login, make_world

PG_URL = os.environ.get("SPINECARE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_dsn() -> str:
    return PG_URL.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """The demo world on a SQLite file, or in a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        world = make_world(tmp_path)
        yield world
        world.app.state.db.dispose()  # type: ignore[attr-defined]
        return
    import psycopg

    try:
        with psycopg.connect(_pg_dsn(), connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except Exception as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL at {PG_URL} is not reachable: {exc}")
        pytest.skip(f"PostgreSQL at {PG_URL} is not reachable: {exc}")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_pg_dsn(), autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    world = make_world(tmp_path, f"{PG_URL}?options=-csearch_path%3D{schema}")
    try:
        yield world
    finally:
        world.app.state.db.dispose()  # type: ignore[attr-defined]
        with psycopg.connect(_pg_dsn(), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _post(client: Any, path: str, data: dict[str, Any], headers: dict[str, str] = JSON) -> Any:
    token = csrf_of(client, "/login")
    return client.post(path, data={**data, "csrf_token": token}, headers=headers)


def _db(world: World) -> Any:
    return world.app.state.db  # type: ignore[attr-defined]


def _audit(world: World, action: str) -> list[Any]:
    from spinecare.store.models import AuditEntry

    with _db(world).session() as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).all()
        session.expunge_all()
        return list(rows)


def _second_physician_sees(world: World, patient_id: int) -> None:
    """A second physician of the demo clinic who sees ``patient_id`` through a clearance
    request addressed to them."""
    from spinecare.clinic.accounts import create_user
    from spinecare.store.models import ClearanceRequest, Clinic, PatientRow, User

    with _db(world).session() as session:
        patient = session.get(PatientRow, patient_id)
        clinic = session.get(Clinic, patient.clinic_id)
        therapist = session.scalar(select(User).where(User.username == "therapist"))
        doctor = create_user(
            session,
            clinic=clinic,
            username="second-physician",
            password="second-pass-1",
            role="physician",
        )
        from datetime import UTC, datetime

        session.add(
            ClearanceRequest(
                clinic_id=clinic.id,
                patient_id=patient_id,
                physician_id=doctor.id,
                requested_by=therapist.id,
                concepts=["disc_herniation"],
                message="please review",
                status="open",
                created_at=datetime.now(UTC),
            )
        )


def _start_course(world: World, patient_id: int, physician_id: int | None) -> int:
    from spinecare.clinic import courses
    from spinecare.kb import load_kb
    from spinecare.store.models import User

    with _db(world).session() as session:
        therapist = session.scalar(select(User).where(User.username == "therapist"))
        row = courses.start(
            session,
            therapist,
            patient_id,
            load_kb(),
            start_day=date.today(),
            values={},
            reasons={},
            physician_id=physician_id,
            today=date.today(),
        )
        return int(row.id)


# ---------------------------------------------------------------------------------------
# Role and relationship


def test_a_second_physician_cannot_end_another_physicians_course(any_world: World) -> None:
    world = any_world
    course = _start_course(world, world.own_patient, world.physician_id)
    _second_physician_sees(world, world.own_patient)
    second = login(world.client(), "second-physician", "second-pass-1")
    assert second.get(f"/patients/{world.own_patient}", headers=JSON).status_code == 200
    r = _post(second, f"/courses/{course}/complete", {"confirm": "yes"})
    assert r.status_code == 403, r.text
    assert "reviewing" in r.json()["error"]["message"]
    refused = _audit(world, "refused")
    assert refused[-1].username == "second-physician"
    assert refused[-1].entity_id == f"POST /courses/{course}/complete"
    reviewer = login(world.client(), "physician", PASSWORDS["physician"])
    r = _post(reviewer, f"/courses/{course}/complete", {"confirm": "yes"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "completed"


# ---------------------------------------------------------------------------------------
# A lost write race


def test_a_real_version_conflict_answers_409(any_world: World) -> None:
    """Someone else saves between this request's read and its write: 409, their change
    kept, and the app goes on serving."""
    from sqlalchemy.orm import Session

    from spinecare.store.models import PatientRow

    world = any_world
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    patient = world.demo_patient
    page = client.get(f"/patients/{patient}/edit", headers=JSON).json()
    engine = _db(world).engine

    def someone_else_saves(session: Session, *_: Any) -> None:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE patients SET notes = 'theirs', version = version + 1 WHERE id = :id"),
                {"id": patient},
            )

    event.listen(Session, "before_flush", someone_else_saves, once=True)
    try:
        r = _post(
            client,
            f"/patients/{patient}/edit",
            {"name": page["name"], "notes": "mine", "version": str(page["version"])},
        )
    finally:
        if event.contains(Session, "before_flush", someone_else_saves):
            event.remove(Session, "before_flush", someone_else_saves)
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "conflict"
    with _db(world).session() as session:
        assert session.get(PatientRow, patient).notes == "theirs"
    assert client.get(f"/patients/{patient}", headers=JSON).status_code == 200


def test_a_write_lost_at_commit_is_a_conflict(any_world: World) -> None:
    from spinecare.store.errors import VersionConflict
    from spinecare.store.models import PatientRow

    db = _db(any_world)
    with pytest.raises(VersionConflict), db.session() as mine:
        row = mine.get(PatientRow, any_world.demo_patient)
        row.notes = "mine"
        with db.session() as theirs:
            theirs.get(PatientRow, any_world.demo_patient).notes = "theirs"
    with db.session() as session:
        assert session.get(PatientRow, any_world.demo_patient).notes == "theirs"


# ---------------------------------------------------------------------------------------
# Input out of range: 422 naming the field, never 500


HUGE = str(2**63)


def _field(r: Any) -> str:
    assert r.status_code == 422, (r.status_code, r.text[:300])
    body = r.json()["error"]
    assert body["status"] == 422
    return str(body["details"][0]["field"])


def test_ids_and_offsets_beyond_64_bits(any_world: World) -> None:
    client = login(any_world.client(), "therapist", PASSWORDS["therapist"])
    assert _field(client.get(f"/patients/{HUGE}", headers=JSON)) == "patient_id"
    assert _field(client.get(f"/api/patients/{HUGE}")) == "patient_id"
    assert _field(client.get(f"/courses/{HUGE}", headers=JSON)) == "course_id"
    assert _field(client.get(f"/patients?offset={HUGE}", headers=JSON)) == "offset"
    assert _field(client.get(f"/api/patients?offset={HUGE}")) == "offset"
    assert _field(client.get(f"/patients/{2**31}", headers=JSON)) == "patient_id"
    assert client.get(f"/patients/{2**31 - 1}", headers=JSON).status_code == 404


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_dates_out_of_range(any_world: World, day: str) -> None:
    client = login(any_world.client(), "therapist", PASSWORDS["therapist"])
    r = _post(client, "/patients", {"name": "Test Person", "birth_date": day})
    assert _field(r) == "birth_date"
    r = _post(client, f"/patients/{any_world.own_patient}/intake", {"day": day, "pain": "3"})
    assert _field(r) == "day"
    assert _field(client.get(f"/api/patients/{any_world.own_patient}/screening?as_of={day}")) == (
        "as_of"
    )
    assert _field(client.post(f"/api/screen?as_of={day}", json={"resourceType": "Bundle"})) == (
        "as_of"
    )


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-Infinity", "1e999"])
def test_numbers_must_be_finite(any_world: World, value: str) -> None:
    world = any_world
    course = _start_course(world, world.own_patient, None)
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    day = {
        "day": date.today().isoformat(),
        "systolic": "125",
        "diastolic": "80",
        "temperature": "36.6",
        "pain": "3",
        "q_fever_today": "no",
    }
    r = _post(
        client,
        f"/courses/{course}/sessions",
        {**day, "pre_pain": value, "post_pain": "2", "minutes": "15"},
    )
    assert _field(r) == "pre_pain"
    r = _post(
        client,
        f"/courses/{course}/sessions",
        {**day, "pre_pain": "3", "post_pain": "2", "minutes": value},
    )
    assert _field(r) == "minutes"
    r = _post(client, f"/patients/{world.own_patient}/intake", {**day, "pain": value})
    assert _field(r) == "pain"


def test_free_text_may_read_as_a_number(any_world: World) -> None:
    client = login(any_world.client(), "therapist", PASSWORDS["therapist"])
    r = _post(client, "/patients", {"name": "Nan", "external_id": "9" * 30, "notes": "inf"})
    assert r.status_code == 201, r.text
    assert r.json()["external_id"] == "9" * 30


def test_a_nul_byte_is_refused_naming_the_field(any_world: World) -> None:
    client = login(any_world.client(), "therapist", PASSWORDS["therapist"])
    r = _post(client, "/patients", {"name": "Anna\x00Smith"})
    assert _field(r) == "name"
    assert _field(client.get("/patients?q=a%00b", headers=JSON)) == "q"
    assert _field(client.get("/api/patients?q=a%00b")) == "q"
    assert client.get("/patients", headers=JSON).status_code == 200


FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"name=%D0%90%D0%BD%D0%BD%D0%B0&notes=a+b", None),  # Cyrillic, percent-encoded
        (b"name=%FF%FE", "name"),
        (b"name=Anna%D0", "name"),  # a character cut in half
        (b"name=%C0%AF", "name"),  # an overlong form of '/'
        (b"name=%ED%A0%80", "name"),  # a surrogate
        (b"a=1&notes=\xd0\x90", "notes"),  # bytes not percent-encoded, even UTF-8 ones
        (b"na%FFme=x", "na\ufffdme"),  # a name that is not text: named as it reads
    ],
)
def test_a_form_field_that_is_not_utf8_is_named(body: bytes, field: str | None) -> None:
    from spinecare.clinic.limits import not_utf8_field

    assert not_utf8_field(FORM, body) == field


def _multipart(name: bytes, value: bytes, filename: bytes | None = None) -> tuple[str, bytes]:
    disposition = b'form-data; name="' + name + b'"'
    if filename is not None:
        disposition += b'; filename="' + filename + b'"'
    body = b"--b\r\nContent-Disposition: " + disposition + b"\r\n\r\n" + value + b"\r\n--b--\r\n"
    return "multipart/form-data; boundary=b", body


@pytest.mark.parametrize(
    ("parts", "field"),
    [
        ((b"csrf_token", b"\xd0\x90\xd0\xbd"), None),
        ((b"csrf_token", b"\xff"), "csrf_token"),
        ((b"file", b"\xff\xfe binary content is the file's own", b"a.json"), None),
        ((b"file", b"{}", b"\xffa.json"), "file"),  # the file's name
    ],
)
def test_a_multipart_field_that_is_not_utf8_is_named(
    parts: tuple[bytes, ...], field: str | None
) -> None:
    from spinecare.clinic.limits import not_utf8_field

    assert not_utf8_field(*_multipart(*parts)) == field


def test_a_form_field_that_is_not_utf8_is_refused(any_world: World) -> None:
    """Refused (422 naming the field; the page in the reader's language), never stored
    with replacement characters; a JSON body that is not UTF-8 is refused as a whole."""
    from spinecare.store.models import PatientRow

    client = login(any_world.client(), "therapist", PASSWORDS["therapist"])
    token = csrf_of(client, "/login").encode()
    with _db(any_world).session() as session:
        before = len(session.scalars(select(PatientRow)).all())
    sent = b"csrf_token=" + token + b"&name=Anna+%FF%FE&external_id=u-1"
    r = client.post("/patients", content=sent, headers={**JSON, "content-type": FORM})
    assert _field(r) == "name"
    # the signed-in user's language (chosen with the switch), though no handler read the
    # user before the field was refused
    chosen = {"language": "ru", "csrf_token": token.decode()}
    assert client.post("/language", data=chosen, headers=JSON).status_code == 200
    client.cookies.delete("spinecare_lang")
    page = client.post("/patients", content=sent, headers={**HTML, "content-type": FORM})
    assert page.status_code == 422 and "UTF-8" in page.text and "введите" in page.text
    kind, body = _multipart(b"csrf_token", b"\xff" + token)
    assert _field(
        client.post("/patients/import", content=body, headers={**JSON, "content-type": kind})
    ) == ("csrf_token")
    with _db(any_world).session() as session:
        assert len(session.scalars(select(PatientRow)).all()) == before
    good = sent.replace(b"%FF%FE", b"%D0%90")
    r = client.post("/patients", content=good, headers={**JSON, "content-type": FORM})
    assert r.status_code == 201 and r.json()["name"] == "Anna \u0410"
    bundle = b'{"resourceType": "Bundle", "x": "\xff"}'
    for path in ("/api/screen", "/api/plan"):
        r = client.post(path, content=bundle, headers=JSON)
        assert r.status_code == 400 and "UTF-8" in r.json()["error"]["message"]
    fhir = {**JSON, "content-type": "application/fhir+json"}
    r = client.post("/fhir/Patient/$massage-screening", content=bundle, headers=fhir)
    assert r.status_code == 400 and r.json()["resourceType"] == "OperationOutcome"


# ---------------------------------------------------------------------------------------
# The audit log: lists, refusals, unknown names


def test_list_pages_and_refusals_are_recorded(any_world: World) -> None:
    world = any_world
    staff = login(world.client(), "therapist", PASSWORDS["therapist"])
    assert staff.get("/patients", headers=HTML).status_code == 200
    assert staff.get("/reviews", headers=HTML).status_code == 200
    admin = login(world.client(), "admin", PASSWORDS["admin"])
    assert admin.get("/users", headers=HTML).status_code == 200
    lists = {(e.username, e.entity) for e in _audit(world, "list")}
    assert ("therapist", "patient") in lists and ("therapist", "course") in lists
    assert ("admin", "user") in lists  # the users page names the linked patients
    linked = next(u for u in admin.get("/users", headers=JSON).json()["users"] if u["patient_id"])
    assert admin.get(f"/users/{linked['id']}", headers=HTML).status_code == 200
    opened = [e for e in _audit(world, "read") if e.entity == "user"]
    assert [(e.username, e.entity_id, e.patient_id) for e in opened] == [
        ("admin", str(linked["id"]), linked["patient_id"])
    ]
    assert staff.get(f"/patients/{world.other_patient}", headers=JSON).status_code == 404
    patient = login(world.client(), "patient", PASSWORDS["patient"])
    assert patient.get(f"/patients/{world.demo_patient}", headers=JSON).status_code == 404
    assert patient.get(f"/patients/{world.own_patient}", headers=JSON).status_code == 403
    refused = [(e.username, e.detail[:3]) for e in _audit(world, "refused")]
    assert ("therapist", "404") in refused and ("patient", "404") in refused
    assert ("patient", "403") in refused
    assert all(e.address for e in _audit(world, "refused"))


def test_failed_logins_of_unknown_names_belong_to_the_installation(any_world: World) -> None:
    client = any_world.client()
    token = csrf_of(client, "/login")
    r = client.post(
        "/login",
        data={"username": "nobody-here", "password": "guess-1234", "csrf_token": token},
        headers=JSON,
    )
    assert r.status_code == 401
    failed = [e for e in _audit(any_world, "login_failed") if e.entity_id == "nobody-here"]
    assert len(failed) == 1 and failed[0].clinic_id is None and failed[0].user_id is None


def test_the_chain_holds_after_a_working_day(any_world: World) -> None:
    from spinecare.clinic.audit import verify

    world = any_world
    staff = login(world.client(), "therapist", PASSWORDS["therapist"])
    for path in ("/patients", f"/patients/{world.own_patient}", f"/patients/{HUGE}"):
        staff.get(path, headers=HTML)
    with _db(world).session() as session:
        report = verify(session)
    assert report.intact and report.checked > 5


# ---------------------------------------------------------------------------------------
# Headers


SECURITY = ("x-content-type-options", "x-frame-options", "referrer-policy")


def test_every_answer_carries_the_security_headers_and_no_store(world: World) -> None:
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    answers = [
        client.get("/patients", headers=HTML),
        client.get(f"/patients/{world.own_patient}", headers=JSON),
        client.get(f"/patients/{world.own_patient}.json"),
        client.get("/api/patients"),
        client.get("/no-such-page", headers=HTML),
        client.get(f"/patients/{world.other_patient}", headers=JSON),
        client.post("/api/screen", content=b"{" * 10, headers={"content-length": "999999999"}),
    ]
    assert answers[-1].status_code == 413
    for r in answers:
        for name in SECURITY:
            assert name in r.headers, (r.request.url, name)
        assert r.headers["cache-control"] == "no-store", r.request.url
        assert "content-security-policy" in r.headers


def test_an_answer_over_https_tells_the_browser_to_keep_to_https(world: World) -> None:
    """Over HTTPS (the production cookies are ``Secure``) no answer said to keep to HTTPS:
    an address typed without ``https://``, or a link on a ward's intranet page, went over
    plain HTTP, where anyone on the network could answer it with a look-alike sign-in page.
    Every answer over HTTPS, errors included, carries ``Strict-Transport-Security``; one
    over plain HTTP (a development instance) does not, as browsers ignore it there."""
    from fastapi.testclient import TestClient

    secure = TestClient(world.app, base_url="https://testserver", raise_server_exceptions=False)  # type: ignore[arg-type]
    for r in (
        secure.get("/login", headers=HTML),
        secure.get("/no-such-page", headers=JSON),
        secure.get("/static/style.css"),
        secure.post("/api/screen", content=b"{" * 10, headers={"content-length": "999999999"}),
    ):
        assert r.headers.get("strict-transport-security") == "max-age=31536000", r.request.url
    assert "strict-transport-security" not in world.client().get("/login").headers


def test_an_internal_error_carries_the_headers_too(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spinecare.clinic import patients as service

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(service, "patient_page", broken)
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    for accept in (HTML, JSON):
        r = client.get("/patients", headers=accept)
        assert r.status_code == 500
        assert "a bug" not in r.text
        for name in SECURITY:
            assert name in r.headers
        assert r.headers["cache-control"] == "no-store"


def test_the_api_reference_has_a_policy_and_still_loads(world: World) -> None:
    r = world.client().get("/docs")
    assert r.status_code == 200
    policy = r.headers["content-security-policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in r.text  # the page's own inline script may run
    assert "SwaggerUIBundle" in r.text and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy


def test_the_api_reference_runs_only_the_apps_own_scripts(world: World) -> None:
    """The API reference page ran the newest ``swagger-ui-dist@5`` a CDN had, in the app's
    own origin where the staff are signed in: a bad release, or the CDN, could read every
    chart and send every form as the user who opened it, and a hospital network that
    reaches no CDN had no page. Swagger UI is served by the app itself (the
    ``swagger-ui-bundle`` package), and the policy lets no other origin's script run."""
    import re

    client = world.client()
    r = client.get("/docs")
    assert r.status_code == 200
    policy = r.headers["content-security-policy"]
    assert "http" not in policy  # no other origin at all
    sources = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', r.text)
    assert sources and all(url.startswith("/static/swagger-ui/") for url in sources), sources
    for url in sources:
        served = client.get(url)
        assert served.status_code == 200, url
        assert served.content, url


def test_api_refusals_are_recorded_for_the_token_owner(any_world: World) -> None:
    from spinecare.clinic.tokens import issue_token
    from spinecare.store.models import User

    world = any_world
    with _db(world).session() as session:
        patient = session.scalar(select(User).where(User.username == "patient"))
        token = issue_token(session, patient, days=1)
    client = world.client()
    auth = {"authorization": f"Bearer {token}"}
    own = f"/api/patients/{world.own_patient}/screening"
    assert client.get(own, headers=auth).status_code == 200
    # the clinic's card of the patient's own record (403), another patient's (404)
    for path, status in (
        (f"/api/patients/{world.own_patient}", 403),
        (f"/api/patients/{world.demo_patient}", 404),
    ):
        r = client.get(path, headers=auth)
        assert r.status_code == status
        refused = _audit(world, "refused")[-1]
        assert refused.username == "patient"
        assert refused.entity_id == f"GET {path}"
        assert r.headers["cache-control"] == "no-store"


def test_two_app_instances_editing_at_once(any_world: World) -> None:
    """Two servers on one database; several therapists save the same patient from the same
    form at once: one save wins, every other is 409, never 500, nothing half-written."""
    import threading

    from spinecare.app import create_app
    from spinecare.store.models import PatientRow

    world = any_world
    settings = world.app.state.settings  # type: ignore[attr-defined]
    second = create_app(settings.model_copy(update={"demo": False}))
    try:
        from fastapi.testclient import TestClient

        apps = [world.app, second]
        clients = [
            login(
                TestClient(apps[i % 2], raise_server_exceptions=False),
                "therapist",
                PASSWORDS["therapist"],
            )
            for i in range(6)
        ]
        patient = world.demo_patient
        form = clients[0].get(f"/patients/{patient}/edit", headers=JSON).json()
        tokens = [csrf_of(c, "/login") for c in clients]
        barrier = threading.Barrier(len(clients))
        statuses: list[int] = []

        def save(i: int) -> None:
            barrier.wait()
            r = clients[i].post(
                f"/patients/{patient}/edit",
                data={
                    "name": form["name"],
                    "notes": f"note {i}",
                    "version": str(form["version"]),
                    "csrf_token": tokens[i],
                },
                headers=JSON,
            )
            statuses.append(r.status_code)

        threads = [threading.Thread(target=save, args=(i,)) for i in range(len(clients))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(statuses) == [200] + [409] * (len(clients) - 1), statuses
        with _db(world).session() as session:
            row = session.get(PatientRow, patient)
            assert row.version == form["version"] + 1
            assert row.notes is not None and row.notes.startswith("note ")
    finally:
        second.state.db.dispose()
