"""Words and markup a reader meets: Yes / No / Not asked answers tied to their question
for a screen reader, the course form's start date marked when wrong, Russian that agrees
with what it names, an empty sign-in said as such, a stop event's date apart from its
title, the rule that has just fired said first, plain words for a value out of range,
and a list's page or a date in an address that cannot be read refused, not ignored."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.conftest import HTML, JSON, csrf_of
from tests.web.test_web_courses import DAY, TODAY, _post, _start

NEURO_RULE = {
    "en": "Stop and call your doctor the same day - or emergency services - if you get new",
    "ru": "Прекратите и в тот же день позвоните врачу — или вызовите скорую помощь, — если",
}
NOT_VALID = {"en": "This address is not valid", "ru": "Адрес страницы указан неверно"}


def _speaks(client: Any, lang: str) -> Any:
    assert _post(client, "/language", {"language": lang}).status_code == 200
    return client


@pytest.mark.parametrize("path", ["/patients/{own}/intake", "/courses/{course}"])
def test_every_yes_no_group_is_named_by_its_question(world: Any, signed_in: Any, path: str) -> None:
    course = _start(world, world.own_patient)
    url = path.format(own=world.own_patient, course=course)
    page = signed_in("therapist").get(url, headers=HTML).text
    groups = re.findall(r'<span class="choices"([^>]*)>', page)
    assert groups
    for attrs in groups:
        assert 'role="radiogroup"' in attrs
        (labelled,) = re.findall(r'aria-labelledby="([^"]+)"', attrs)
        assert re.search(rf'<span class="q" id="{labelled}">[^<]+</span>', page), labelled


def test_a_wrong_start_date_is_marked_invalid(world: Any, signed_in: Any) -> None:
    client = signed_in("therapist")
    r = _post(client, f"/patients/{world.own_patient}/courses", {"start": "2020-01-01"}, HTML)
    assert r.status_code == 422
    assert re.search(r'<input type="date" name="start"[^>]*aria-invalid="true"', r.text)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_an_empty_sign_in_says_only_what_is_required(world: Any, lang: str) -> None:
    client = world.client()
    token = csrf_of(client, "/login")
    client.cookies.set("spinecare_lang", lang)
    r = client.post("/login", data={"username": "", "password": "", "csrf_token": token})
    assert r.status_code == 422
    wrong = {"en": "wrong user name or password", "ru": "неверное имя пользователя"}
    assert wrong[lang] not in r.text
    assert r.text.count('class="field-error"') == 2
    twin = client.post(
        "/login", data={"username": "admin", "password": "", "csrf_token": token}, headers=JSON
    )
    assert twin.status_code == 422
    assert [d["field"] for d in twin.json()["error"]["details"]] == ["password"]


def test_russian_words_agree_with_what_they_name(world: Any, signed_in: Any) -> None:
    admin = _speaks(signed_in("admin"), "ru")
    users = admin.get("/users", headers=HTML).text
    assert "действует" in users and ">активно<" not in users
    from spinecare.i18n import gettext

    assert gettext("ru", "cleared by %(by)s") % {"by": "Иван Петров"} == (
        "разрешено врачом: Иван Петров"
    )
    assert gettext("ru", "contraindicated") == "противопоказано"


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_stop_events_date_stands_apart_and_the_rule_that_fired_leads(
    world: Any, signed_in: Any, lang: str
) -> None:
    course = _start(world, world.own_patient)
    rise = {**DAY, "pre_pain": "3", "post_pain": "6", "minutes": "15"}
    assert _post(signed_in("therapist"), f"/courses/{course}/sessions", rise).status_code == 201
    patient = _speaks(signed_in("patient"), lang)
    entry = {"day": TODAY, "key": "legs", "symptoms": "progressive_leg_weakness"}
    page = _post(patient, f"/courses/{course}/diary", entry, HTML)
    assert "saved=stop" in str(page.url)
    text = " ".join(page.text.split())
    stop = text[text.index('id="stop"') :]
    first = re.search(r"<p>([^<]+)</p>", stop)
    assert first and first.group(1).startswith(NEURO_RULE[lang]), stop[:400]
    course_page = _speaks(signed_in("physician"), lang).get(f"/courses/{course}", headers=HTML)
    headings = re.findall(
        r'class="finding e-defer stop-event"[^>]*><h3>([^<]*)</h3>', course_page.text
    )
    assert len(headings) == 2 and not any(re.search(r"\d{4}", h) for h in headings)
    assert course_page.text.count('class="stop-day"') == 2


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_pain_score_out_of_range_is_said_in_plain_words(
    world: Any, signed_in: Any, lang: str
) -> None:
    course = _start(world, world.own_patient)
    client = _speaks(signed_in("therapist"), lang)
    r = _post(
        client, f"/courses/{course}/sessions", {**DAY, "pre_pain": "12", "post_pain": "2"}, HTML
    )
    assert r.status_code == 422
    plain = {"en": "pain is a number from 0 to 10", "ru": "боль — это число от 0 до 10"}
    assert plain[lang] in r.text and "(got" not in r.text and "получено" not in r.text
    future = _post(client, f"/courses/{course}/check", {**DAY, "day": "2999-01-01"}, HTML)
    assert future.status_code == 422
    said = {"en": "this date has not come yet", "ru": "эта дата ещё не наступила"}
    assert said[lang] in future.text and "is in the future" not in future.text


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize(
    "path",
    ["/patients?page=abc", "/patients?page=-1", "/patients?page=0", "/audit?since=2026-99-01"],
)
def test_an_address_that_cannot_be_read_is_refused(
    world: Any, signed_in: Any, lang: str, path: str
) -> None:
    client = _speaks(signed_in("admin"), lang)
    r = client.get(path, headers=HTML)
    assert r.status_code == 422 and NOT_VALID[lang] in r.text
    twin = client.get(path, headers=JSON)
    assert twin.status_code == 422
    name = path.split("?")[1].split("=")[0]
    assert [d["field"] for d in twin.json()["error"]["details"]] == [name]
    assert client.get("/patients?page=2", headers=HTML).status_code == 200
