"""The demo's passwords are set afresh on every start: each signs in as printed, also for
an account an administrator reset before the restart (its one-time password's state was
kept, so the printed password signed in once, to a forced change, then never)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import demo_database
from tests.web.conftest import JSON, csrf_of, login

PASSWORDS = {
    "admin": "demo-admin-1",
    "therapist": "demo-therapist-1",
    "physician": "demo-physician-1",
    "patient": "demo-patient-1",
}


def _start(url: str) -> TestClient:
    from spinecare.app import create_app
    from spinecare.settings import Settings

    app = create_app(Settings(environment="test", db_url=url, demo=True), seed_passwords=PASSWORDS)
    return TestClient(app, raise_server_exceptions=False)


def test_a_reset_account_signs_in_with_the_demo_password_after_a_restart(tmp_path: Path) -> None:
    url = demo_database(tmp_path)
    first = _start(url)
    admin = login(first, "admin", PASSWORDS["admin"])
    users = admin.get("/users", headers=JSON).json()["users"]
    therapist = next(u["id"] for u in users if u["username"] == "therapist")
    reset = admin.post(
        f"/users/{therapist}/password",
        data={"csrf_token": csrf_of(admin, f"/users/{therapist}")},
        headers=JSON,
    )
    assert reset.status_code == 200, reset.text
    first.app.state.db.dispose()  # type: ignore[attr-defined]
    again = _start(url)
    for _ in range(2):
        client = TestClient(again.app, raise_server_exceptions=False)
        signed_in = login(client, "therapist", PASSWORDS["therapist"])
        assert signed_in.get("/patients", headers=JSON).status_code == 200
    again.app.state.db.dispose()  # type: ignore[attr-defined]
