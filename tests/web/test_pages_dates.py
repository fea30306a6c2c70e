"""A date a page refuses says what to correct. "2026-02-30" was refused as "a date in the form
YYYY-MM-DD", the form it was written in: a day no calendar has is said as such (the month has
no such day, the month is from 1 to 12), in an address (the screening's date, the audit log's
days) and in a form's field (the intake's date), in the reader's language; another form
than YYYY-MM-DD still names the form."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import HTML, JSON, csrf_of

SAID = {
    "en": {
        "2026-02-30": "the month has no such day",
        "2026-13-01": "the month is from 1 to 12",
        "0000-01-01": "there is no year 0",
        "30.02.2026": "a date in the form YYYY-MM-DD",
    },
    "ru": {
        "2026-02-30": "в этом месяце нет такого дня",
        "2026-13-01": "месяц — от 1 до 12",
        "0000-01-01": "года 0 нет",
        "30.02.2026": "дата в формате ГГГГ-ММ-ДД",
    },
}


def _speaks(client: Any, lang: str) -> Any:
    token = csrf_of(client, "/login")
    r = client.post("/language", data={"language": lang, "csrf_token": token}, headers=JSON)
    assert r.status_code == 200, r.text[:300]
    return client


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_date_in_an_address_that_no_calendar_has_is_said_so(
    world: Any, signed_in: Any, lang: str
) -> None:
    therapist = _speaks(signed_in("therapist"), lang)
    admin = _speaks(signed_in("admin"), lang)
    for written, said in SAID[lang].items():
        page = therapist.get(
            f"/patients/{world.demo_patient}/screening", params={"as_of": written}, headers=HTML
        )
        assert page.status_code == 422, written
        assert said in page.text, (written, page.text[-1200:])
        audit = admin.get("/audit", params={"from": written}, headers=HTML)
        assert audit.status_code in (200, 422), written
        assert said in audit.text, (written, audit.text[-1200:])
    # the JSON twin names the field and says the same
    error = therapist.get(
        f"/patients/{world.demo_patient}/screening",
        params={"as_of": "2026-02-30"},
        headers=JSON,
    ).json()["error"]
    assert error["details"][0]["field"] == "as_of"
    assert error["details"][0]["message"] == SAID[lang]["2026-02-30"]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_date_in_a_form_that_no_calendar_has_is_said_beside_its_field(
    world: Any, signed_in: Any, lang: str
) -> None:
    therapist = _speaks(signed_in("therapist"), lang)
    path = f"/patients/{world.demo_patient}/intake"
    token = csrf_of(therapist, path)
    page = therapist.post(
        path,
        data={"csrf_token": token, "day": "2026-02-30", "systolic": "120", "diastolic": "80"},
        headers=HTML,
    )
    assert page.status_code == 422, page.text[-800:]
    assert SAID[lang]["2026-02-30"] in page.text
    assert SAID[lang]["30.02.2026"] not in page.text


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_clinic_layers_dates_say_what_to_correct(world: Any, signed_in: Any, lang: str) -> None:
    """The new patient's date of birth and a course's start, checked by the clinic layer,
    said "a date in the form YYYY-MM-DD" of a date written in that form."""
    therapist = _speaks(signed_in("therapist"), lang)

    def refused(path: str, form: dict[str, str], field: str) -> str:
        answer = therapist.post(
            path, data={**form, "csrf_token": csrf_of(therapist, "/patients")}, headers=JSON
        )
        assert answer.status_code == 422, answer.text[:300]
        said = {d["field"]: d["message"] for d in answer.json()["error"]["details"]}
        return str(said[field])

    for written in ("2026-02-30", "2026-13-01", "30.02.2026"):
        born = refused("/patients", {"name": "Anna Test", "birth_date": written}, "birth_date")
        assert born == SAID[lang][written]
        start = refused(f"/patients/{world.demo_patient}/courses", {"start": written}, "start")
        assert start == SAID[lang][written]


def test_a_date_of_any_address_says_what_to_correct(signed_in: Any) -> None:
    """Every address's query dates are checked (the clinic layer's limits), so a day no
    calendar has is said so there too, not as the form it was written in."""
    answer = signed_in("therapist").get("/patients", params={"day": "2026-02-30"}, headers=JSON)
    assert answer.status_code in (400, 422), answer.text[:300]
    assert SAID["en"]["2026-02-30"] in answer.text
    assert SAID["en"]["30.02.2026"] not in answer.text
