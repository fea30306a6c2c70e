"""A clearance request whose clearance has lapsed says so, with the last day it held: a
clearance with no end of its own holds 90 days (KB threshold clearance_fresh_days), after
which the finding asks for a clearance again, while the lists still said "cleared" (the
physician's queue, the patient's chart, the screening page, the request's page)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from spinecare.clinic import patients as service
from spinecare.i18n import day_text
from spinecare.kb import load_kb
from tests.web.conftest import HTML, JSON, PASSWORDS, csrf_of, login
from tests.web.test_web_attacks import _post
from tests.web.test_web_courses import _user

LAPSED = {"en": "lapsed: held until %(day)s", "ru": "срок истёк: допуск действовал по %(day)s"}
CLEARED = {"en": "cleared", "ru": "одобрен"}
UNTIL = {"en": "(until %(day)s)", "ru": "(по %(day)s)"}  # its last day in force


def _speaks(client: Any, lang: str) -> Any:
    token = csrf_of(client, "/login")
    r = client.post("/language", data={"language": lang, "csrf_token": token}, headers=JSON)
    assert r.status_code == 200, r.text[:300]
    return client


def _cleared_on(world: Any, day: date) -> int:
    """A request for the demo patient's herniation, cleared by the physician on ``day``."""
    therapist = login(world.client(), "therapist", PASSWORDS["therapist"])
    sent = _post(
        therapist,
        f"/patients/{world.demo_patient}/clearance-requests",
        {"concepts": "disc_herniation", "physician_id": str(world.physician_id)},
    )
    assert sent.status_code == 201, sent.text[:300]
    request = sent.json()
    with world.app.state.db.session() as session:
        physician = session.merge(_user(world, "physician"))
        service.decide_clearance(
            session,
            physician,
            request["id"],
            decision="cleared",
            note="recovery period",
            version=request["version"],
            day=day,
        )
        session.commit()
    return int(request["id"])


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_lapsed_clearance_is_listed_as_lapsed_with_its_last_day(
    world: Any, signed_in: Any, lang: str
) -> None:
    open_days = int(load_kb().threshold("clearance_fresh_days"))
    given = date.today() - timedelta(days=open_days + 10)
    rid = _cleared_on(world, given)
    last = given + timedelta(days=open_days)
    said = LAPSED[lang] % {"day": day_text(last, lang)}
    therapist = _speaks(signed_in("therapist"), lang)
    physician = _speaks(signed_in("physician"), lang)
    pages = {
        "the queue": physician.get("/clearances?status=all", headers=HTML),
        "the request": physician.get(f"/clearances/{rid}", headers=HTML),
        "the chart": therapist.get(f"/patients/{world.demo_patient}", headers=HTML),
        "the screening": therapist.get(f"/patients/{world.demo_patient}/screening", headers=HTML),
    }
    for name, page in pages.items():
        assert page.status_code == 200, (name, page.text[-600:])
        assert said in page.text, (name, page.text[-3000:])
    # the JSON twin gives the day and says it lapsed; the status stays the decision's
    (item,) = [
        r
        for r in physician.get("/clearances?status=all", headers=JSON).json()["clearance_requests"]
        if r["id"] == rid
    ]
    assert (item["status"], item["lapsed"], item["holds_until"]) == (
        "cleared",
        True,
        last.isoformat(),
    )


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_clearance_in_force_is_listed_as_cleared_until_its_last_day(
    world: Any, signed_in: Any, lang: str
) -> None:
    open_days = int(load_kb().threshold("clearance_fresh_days"))
    given = date.today() - timedelta(days=open_days)  # its last day is today
    rid = _cleared_on(world, given)
    physician = _speaks(signed_in("physician"), lang)
    page = physician.get("/clearances?status=cleared", headers=HTML)
    assert page.status_code == 200
    assert CLEARED[lang] in page.text
    assert UNTIL[lang] % {"day": day_text(date.today(), lang)} in page.text, page.text[-3000:]
    assert LAPSED[lang].split(":")[0] not in page.text
    items = physician.get("/clearances?status=cleared", headers=JSON).json()
    (item,) = [r for r in items["clearance_requests"] if r["id"] == rid]
    assert (item["lapsed"], item["holds_until"]) == (False, date.today().isoformat())


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_screening_page_judges_a_clearance_on_its_own_day(
    world: Any, signed_in: Any, lang: str
) -> None:
    """A screening page of a later day (``as_of``) whose verdict asks for a clearance again
    lists the clearance as lapsed on that day, not as cleared because it holds today; on
    its last day it is cleared until that day."""
    open_days = int(load_kb().threshold("clearance_fresh_days"))
    given = date.today() - timedelta(days=open_days - 5)
    last = given + timedelta(days=open_days)  # in five days
    _cleared_on(world, given)
    therapist = _speaks(signed_in("therapist"), lang)
    address = f"/patients/{world.demo_patient}/screening"
    later = last + timedelta(days=1)
    page = therapist.get(address, params={"as_of": later.isoformat()}, headers=HTML)
    assert page.status_code == 200, page.text[-600:]
    assert LAPSED[lang] % {"day": day_text(last, lang)} in page.text, page.text[-3000:]
    assert UNTIL[lang] % {"day": day_text(last, lang)} not in page.text
    answer = therapist.get(address, params={"as_of": later.isoformat()}, headers=JSON).json()
    assert answer["screening"]["verdict"] == "needs_clearance"
    (item,) = answer["clearance_requests"]
    assert (item["lapsed"], item["holds_until"]) == (True, last.isoformat())
    page = therapist.get(address, params={"as_of": last.isoformat()}, headers=HTML)
    assert UNTIL[lang] % {"day": day_text(last, lang)} in page.text, page.text[-3000:]
    assert LAPSED[lang].split(":")[0] not in page.text
    answer = therapist.get(address, params={"as_of": last.isoformat()}, headers=JSON).json()
    assert answer["screening"]["verdict"] != "needs_clearance"
    assert answer["clearance_requests"][0]["lapsed"] is False
