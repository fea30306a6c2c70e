"""Web test helpers: an app on its own temporary SQLite database per test, seeded with
the demo clinic (fixed passwords) and a second clinic, and clients signed in by role."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

FIXTURES = Path(__file__).parent / "fixtures"
PASSWORDS = {
    "admin": "admin-pass-1",
    "therapist": "therapist-pass-1",
    "physician": "physician-pass-1",
    "patient": "patient-pass-1",
}
OTHER = {"username": "other-therapist", "password": "other-pass-12"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HTML = {"accept": "text/html"}
JSON = {"accept": "application/json"}
PROGRAM = {"x-requested-with": "tests"}
"""What a program reading the REST API with the login cookie sends."""


@dataclass
class World:
    """The app and the ids tests need."""

    app: object
    demo_patient: int  # a demo patient (needs_clearance: disc herniation, no clearance)
    own_patient: int  # the demo patient account's own record
    other_patient: int  # a patient of the other clinic
    physician_id: int

    def client(self) -> TestClient:
        """A client of the app: a program, which says so when it sends the login cookie to
        the REST API (``X-Requested-With``, docs/security.md); a test of a browser's
        requests from another site sends what the browser says (``Sec-Fetch-Site``)."""
        return TestClient(self.app, raise_server_exceptions=False, headers=PROGRAM)  # type: ignore[arg-type]


def app_routes(app: Any) -> list[tuple[str, str]]:
    """Every (method, path) ``app`` answers, routers included however deep (FastAPI keeps
    an included router as one entry of ``app.routes``; its routes are its candidates)."""

    def walk(routes: Any) -> Any:
        for route in routes:
            candidates = getattr(route, "effective_candidates", None)
            if candidates is not None:
                yield from walk(candidates())
            else:
                yield route

    found = []
    for route in walk(app.routes):
        path = getattr(route, "path", None)
        methods = getattr(route, "methods", None) or {"*"}  # a mount: every method
        if path:
            found += [(method, path) for method in sorted(methods) if method != "HEAD"]
    return found


def csrf_of(client: TestClient, path: str = "/login") -> str:
    response = client.get(path, headers=HTML)
    assert response.status_code == 200, response.text[:500]
    match = CSRF.search(response.text)
    assert match, f"no csrf token on {path}"
    return match.group(1)


def login(client: TestClient, username: str, password: str) -> TestClient:
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:500]
    return client


def _settings(db_url: str) -> Any:
    from spinecare.settings import Settings

    return Settings.from_env(
        environment="test", db_url=db_url, demo=True, secret_key="test-secret-key"
    )


def _build_world(db_url: str) -> World:
    """The demo clinic (fixed passwords) and the other clinic with its patient, on a new
    database."""
    from sqlalchemy import select

    from spinecare.app import create_app
    from spinecare.clinic.accounts import create_user, get_or_create_clinic
    from spinecare.clinic.patients import import_record
    from spinecare.core import load_record
    from spinecare.store.models import PatientRow, User

    app = create_app(_settings(db_url), seed_passwords=PASSWORDS)
    db = app.state.db
    with db.session() as session:
        clinic = get_or_create_clinic(session, "Other clinic")
        other = create_user(
            session,
            clinic=clinic,
            username=OTHER["username"],
            password=OTHER["password"],
            role="therapist",
        )
        record = load_record(FIXTURES / "bundle-herniation.json")
        other_patient = import_record(session, other, record, label="bundle")
        demo = session.scalar(select(PatientRow).where(PatientRow.external_id == "demo-kuznetsova"))
        own = session.scalar(select(PatientRow).where(PatientRow.external_id == "demo-sokolova"))
        doctor = session.scalar(select(User).where(User.username == "physician"))
        assert demo and own and doctor
        return World(app, demo.id, own.id, other_patient.id, doctor.id)


_TEMPLATE: dict[date, tuple[Path, World]] = {}
"""The template database of each day: the demo records are dated the day they are loaded."""


def make_world(tmp_path: Path, db_url: str | None = None) -> World:
    """A world on ``db_url``, or on its own SQLite file in ``tmp_path``: a copy of one built
    once per test process (the migrations and the demo seeding cost about a second), opened
    as the app opens any database (migrated, the demo logins' passwords set afresh)."""
    if db_url is not None:
        return _build_world(db_url)
    import shutil
    import tempfile

    from spinecare.app import create_app

    today = date.today()
    if today not in _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="spinecare-world-"))
        built = _build_world(f"sqlite:///{folder / 'app.sqlite'}")
        built.app.state.db.dispose()  # type: ignore[attr-defined]
        _TEMPLATE[today] = (folder / "app.sqlite", built)
    template, built = _TEMPLATE[today]
    shutil.copyfile(template, tmp_path / "app.sqlite")
    app = create_app(_settings(f"sqlite:///{tmp_path / 'app.sqlite'}"), seed_passwords=PASSWORDS)
    return replace(built, app=app)


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> None:
    """argon2id with tiny parameters: the tests check the flow, not the hash's cost."""
    from argon2 import PasswordHasher

    from spinecare.clinic.accounts import use_password_hasher

    use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def csrf() -> Callable[[TestClient, str], str]:
    return csrf_of


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = make_world(tmp_path)
    yield w
    w.app.state.db.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def signed_in(world: World) -> Callable[[str], TestClient]:
    """``signed_in("therapist")`` -> a client signed in as that demo user ("other" for the
    other clinic's therapist, "anonymous" for nobody)."""

    def make(who: str) -> TestClient:
        client = world.client()
        if who == "anonymous":
            return client
        if who == "other":
            return login(client, OTHER["username"], OTHER["password"])
        return login(client, who, PASSWORDS[who])

    return make


def _rows_in(value: object, where: str, seen: set[int]) -> list[str]:
    """Where ``value`` holds a store row (an ORM object), as ``context['x'][0].y``."""
    from dataclasses import fields, is_dataclass

    from pydantic import BaseModel

    from spinecare.store.models import Base

    if id(value) in seen or isinstance(value, str | bytes | int | float | bool | None):
        return []
    seen.add(id(value))
    if isinstance(value, Base):
        return [f"{where}: {type(value).__name__}"]
    if isinstance(value, dict):
        items = [(f"{where}[{k!r}]", v) for k, v in value.items()]
    elif isinstance(value, list | tuple | set | frozenset):
        items = [(f"{where}[{i}]", v) for i, v in enumerate(value)]
    elif isinstance(value, BaseModel):
        items = [(f"{where}.{k}", v) for k, v in value.__dict__.items()]
    elif is_dataclass(value) and not isinstance(value, type):
        items = [(f"{where}.{f.name}", getattr(value, f.name)) for f in fields(value)]
    else:
        return []
    return [found for w, v in items for found in _rows_in(v, w, seen)]


@pytest.fixture(autouse=True)
def _no_store_rows_on_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every page a web test renders is given plain models, never a store row, the acting
    user (``user``, whom the page header names) included (see
    ``tests/store/test_clinic_boundary.py`` for the same check on the clinic's
    functions)."""
    from spinecare.web.deps import TEMPLATES

    original = TEMPLATES.TemplateResponse

    def checked(request: object, name: str, context: dict[str, object], **kw: object) -> object:
        shown = {k: v for k, v in context.items() if k != "request"}
        rows = _rows_in(shown, "context", set())
        assert not rows, f"{name} was given store rows: {rows}"
        return original(request, name, context, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(TEMPLATES, "TemplateResponse", checked)


def clearance_request(world: Any, message: str = "pain 2/10") -> int:
    """The therapist asks the physician to clear the demo patient's disc herniation; the
    request's id."""
    therapist = login(world.client(), "therapist", PASSWORDS["therapist"])
    page = f"/patients/{world.demo_patient}/screening"
    r = therapist.post(
        f"/patients/{world.demo_patient}/clearance-requests",
        data={
            "csrf_token": csrf_of(therapist, page),
            "concepts": ["disc_herniation"],
            "physician_id": str(world.physician_id),
            "message": message,
        },
        headers=JSON,
    )
    assert r.status_code == 201, r.text[:300]
    return int(r.json()["id"])
