"""A form sent to a signed-in user's session without its security token (a forged
request from another site, or a page's form from an earlier login) is a refused attempt:
recorded in the audit log, as every other 403 is, against the session's user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.conftest import JSON, World


def _refusals(world: World) -> list[Any]:
    from spinecare.store.models import AuditEntry

    with world.app.state.db.session() as session:  # type: ignore[attr-defined]
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "refused").order_by(AuditEntry.id)
        ).all()
        session.expunge_all()
        return list(rows)


def test_a_form_without_its_token_is_recorded_as_refused(
    world: World, signed_in: Callable[[str], TestClient]
) -> None:
    therapist = signed_in("therapist")
    before = len(_refusals(world))
    for token in ("", "forged"):
        answer = therapist.post(
            "/patients",
            data={"name": "Forged Entry", "external_id": "forged-1", "csrf_token": token},
            headers={**JSON, "origin": "https://elsewhere.example"},
        )
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"]["code"] == "csrf_failed"
    refused = _refusals(world)[before:]
    assert len(refused) == 2
    assert {r.username for r in refused} == {"therapist"}
    assert all(r.entity_id == "POST /patients" for r in refused)
    assert all(r.detail.startswith("403: ") for r in refused)
    listed = therapist.get("/patients?q=forged-1", headers=JSON)
    assert listed.json()["total"] == 0
    # nobody signed in: nothing to record against anyone
    anonymous = signed_in("anonymous")
    assert anonymous.post("/login", data={"username": "x", "password": "y"}).status_code == 403
    assert len(_refusals(world)) == before + 2
