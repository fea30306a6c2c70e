"""A physician's no holds until a physician decides again: the therapist may ask again."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import JSON, PASSWORDS, login
from tests.web.test_web_attacks import _post


def _ask(world: Any, client: Any) -> dict[str, Any]:
    sent = _post(
        client,
        f"/patients/{world.demo_patient}/clearance-requests",
        {"concepts": "disc_herniation", "physician_id": str(world.physician_id)},
    )
    assert sent.status_code == 201, sent.text[:300]
    return dict(sent.json())


def _decide(world: Any, request: dict[str, Any], decision: str, note: str) -> None:
    physician = login(world.client(), "physician", PASSWORDS["physician"])
    decided = _post(
        physician,
        f"/clearances/{request['id']}",
        {"decision": decision, "note": note, "version": request["version"]},
    )
    assert decided.status_code == 200, decided.text[:300]


def _screening(world: Any, client: Any) -> dict[str, Any]:
    page = client.get(f"/patients/{world.demo_patient}/screening", headers=JSON)
    assert page.status_code == 200, page.text[:300]
    return dict(page.json())


def test_a_declined_finding_may_be_asked_about_again_and_the_new_decision_decides(
    world: Any,
) -> None:
    """Declined ("MRI first"), the finding is a contraindication; after the MRI the therapist
    asks again (it was refused: "not a finding that needs clearance now", and the patient
    stayed contraindicated for ever) and the physician's clearance settles it."""
    therapist = login(world.client(), "therapist", PASSWORDS["therapist"])
    _decide(world, _ask(world, therapist), "declined", "MRI first")
    page = _screening(world, therapist)
    assert page["screening"]["verdict"] == "contraindicated"
    assert "disc_herniation" in page["clearable"]
    _decide(world, _ask(world, therapist), "cleared", "MRI seen: recovery period")
    page = _screening(world, therapist)
    herniation = next(
        f for f in page["screening"]["findings"] if f["rule"] == "disc_herniation_clearance"
    )
    assert herniation["clearance"]["decision"] == "cleared"
    assert "valid_until" in herniation["clearance"]
    assert "disc_herniation" not in page["clearable"]


def test_the_screening_page_names_the_last_day_a_clearance_holds(world: Any) -> None:
    """A clearance the physician gave no end holds 90 days: the page says until when (only
    the page's data said it; a course started near its end learned of it at a session)."""
    from datetime import date, timedelta

    from spinecare.i18n import day_text

    therapist = login(world.client(), "therapist", PASSWORDS["therapist"])
    _decide(world, _ask(world, therapist), "cleared", "recovery period")
    last = date.today() + timedelta(days=90)
    page = therapist.get(
        f"/patients/{world.demo_patient}/screening", headers={"Accept": "text/html"}
    )
    assert page.status_code == 200
    assert f"until {day_text(last, 'en')}" in page.text
