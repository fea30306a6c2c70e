"""Pages in states a crawl of the links does not reach, in English and in Russian: an ended
course's end page, an address with a bad page number, the audit log's export, a patient's
contact details written in another alphabet."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

import pytest

from tests.web.conftest import HTML, JSON
from tests.web.pagescan import text_problems, visible_texts
from tests.web.test_web_courses import _post, _start
from tests.web.test_web_wording import _speaks, _words

ENDED = {
    "en": ("This course has already ended.", "Confirm to end it"),
    "ru": ("Этот курс уже завершён.", "Подтвердите завершение"),
}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_an_ended_courses_end_page_says_it_ended_and_asks_nothing(
    world: Any, signed_in: Any, lang: str
) -> None:
    """Opened again after the course ended (a bookmark, the back button), the page says it
    has ended: no warning to confirm an ending that is done, no button."""
    course = _start(world, world.own_patient)
    client = _speaks(signed_in("therapist"), lang)
    running = client.get(f"/courses/{course}/complete", headers=HTML)
    assert running.status_code == 200
    said, asked = ENDED[lang]
    assert asked in _words(running.text) and said not in _words(running.text)
    assert _post(client, f"/courses/{course}/complete", {"confirm": "yes"}).status_code == 200
    ended = client.get(f"/courses/{course}/complete", headers=HTML)
    assert ended.status_code == 200
    page = _words(ended.text)
    assert said in page
    assert asked not in page and 'role="alert"' not in page and "<main" in page
    assert f'action="/courses/{course}/complete"' not in page
    assert not text_problems(visible_texts(ended.text, lang), lang)


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "<strong>Page of the list</strong>: a page number: a whole number from 1"),
        ("ru", "<strong>Страница списка</strong>: номер страницы: целое число от 1"),
    ],
)
def test_a_bad_page_number_in_the_address_is_named_in_words(
    world: Any, signed_in: Any, lang: str, said: str
) -> None:
    """The error page names the part of the address at fault as a reader does (not the
    handout's abbreviation "Стр.")."""
    client = _speaks(signed_in("therapist"), lang)
    page = client.get("/patients?page=abc", headers=HTML)
    assert page.status_code == 422
    assert said in _words(page.text)


@pytest.mark.parametrize(("lang", "name"), [("en", None), ("ru", "журнал-аудита")])
def test_the_audit_export_is_named_in_the_readers_language(
    world: Any, signed_in: Any, lang: str, name: str | None
) -> None:
    """A Russian name as ``filename*`` (RFC 6266), beside the English one for a client that
    reads no other."""
    client = _speaks(signed_in("admin"), lang)
    response = client.get("/audit/export.csv")
    assert response.status_code == 200
    day = date.today().isoformat()
    expected = f'attachment; filename="audit-log-{day}.csv"'
    if name:
        expected += f"; filename*=UTF-8''{quote(name)}-{day}.csv"
    assert response.headers["content-disposition"] == expected


CONTACT = {
    "name": "Margaret Hughes-Smith",
    "address": "ул. Ленина, д. 5, кв. 12",
    "emergency_name": "Анна Петрова (дочь)",
    "emergency_phone": "+7 912 345 67 89",
    "email": "anna@example.org",
    "notes": "Предпочитает утренние визиты",
}


def test_contact_details_are_shown_as_written_in_either_language(
    world: Any, signed_in: Any, csrf: Any
) -> None:
    """An address, an emergency contact and notes are the record's words: an English page
    shows a Russian address as written (and a Russian page an English name), never as text
    in the page's language."""
    client = signed_in("therapist")
    token = csrf(client, "/patients/new")
    created = client.post("/patients", headers=JSON, data={"csrf_token": token, **CONTACT})
    assert created.status_code in (200, 201), created.text[:300]
    pid = created.json()["id"]
    for lang in ("en", "ru"):
        _speaks(client, lang)
        for path in (f"/patients/{pid}", f"/patients/{pid}/edit"):
            page = client.get(path, headers=HTML)
            assert page.status_code == 200
            assert CONTACT["address"] in page.text
            assert not text_problems(visible_texts(page.text, lang), lang), (lang, path)


SAID = {
    "en": (
        "Nothing was saved. Please correct the fields marked below.",
        "Please correct the fields marked below.",
    ),
    "ru": (
        "Ничего не сохранено. Исправьте отмеченные ниже поля.",
        "Исправьте отмеченные ниже поля.",
    ),
}


def _first_alert(page: str) -> str:
    """The text of the page's first alert, which a phone shows before the form."""
    start = page.index('role="alert">') + len('role="alert">')
    return _words(page[start : page.index("</p>", start)])


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_course_form_sent_with_errors_says_so_before_the_form(
    world: Any, signed_in: Any, lang: str
) -> None:
    """A plan, a day's check or a home program sent with a wrong value says first that it
    was not saved (on a phone the fields at fault are screens below a green banner)."""
    client = _speaks(signed_in("therapist"), lang)
    nothing, correct = SAID[lang]
    plan = _post(
        client,
        f"/patients/{world.own_patient}/courses",
        {"zones": "collar_zone", "modalities": "classical", "sessions": "999"},
        headers=HTML,
    )
    assert plan.status_code == 422
    assert _first_alert(plan.text) == nothing
    course = _start(world, world.own_patient)
    check = _post(client, f"/courses/{course}/check", {"day": "", "systolic": "abc"}, headers=HTML)
    assert check.status_code == 422
    assert _first_alert(check.text) == correct
    assert check.text.index(correct) < check.text.index('class="field-error"')
    home = _post(
        client, f"/courses/{course}/home-program", {"home_minutes_collar_zone": "abc"}, headers=HTML
    )
    assert home.status_code == 422
    assert home.text.index('role="alert"') < home.text.index('<div class="columns">')


@pytest.mark.parametrize(
    ("how", "lang"),
    [
        ({"cookie": "ru"}, "ru"),
        ({"accept-language": "ru-RU,ru;q=0.9,en;q=0.5"}, "ru"),
        ({"cookie": "en"}, "en"),
    ],
)
def test_a_first_sign_in_keeps_the_language_of_the_sign_in_page(
    world: Any, how: dict[str, str], lang: str
) -> None:
    """A physician who never chose a language, signing in from a Russian sign-in page (the
    switch's cookie, or a Russian browser), goes on in Russian (the pages after sign-in
    were English until the switch was found); the choice is kept for the next sign-in."""
    from tests.web.conftest import PASSWORDS, login

    client = world.client()
    if "cookie" in how:
        client.cookies.set("spinecare_lang", how["cookie"])
    else:
        client.headers["accept-language"] = how["accept-language"]
    assert f'<html lang="{lang}">' in client.get("/login").text
    login(client, "physician", PASSWORDS["physician"])
    page = client.get("/clearances", headers=HTML)
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text
    again = login(world.client(), "physician", PASSWORDS["physician"])  # no cookie, no header
    assert f'<html lang="{lang}">' in again.get("/clearances", headers=HTML).text


def test_a_language_chosen_is_not_changed_by_the_sign_in_page(world: Any, signed_in: Any) -> None:
    from tests.web.conftest import PASSWORDS, login

    _speaks(signed_in("therapist"), "en")
    client = world.client()
    client.cookies.set("spinecare_lang", "ru")
    login(client, "therapist", PASSWORDS["therapist"])
    assert '<html lang="en">' in client.get("/patients", headers=HTML).text


ADDRESS_WORDS = {
    "en": (
        "There is no page at this address.",
        "A form is sent to this address",
        "Open the page of the form",
    ),
    "ru": ("По этому адресу нет страницы.", "Сюда отправляется форма", "Открыть страницу с формой"),
}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_an_address_with_no_page_says_so_and_a_forms_address_leads_to_its_page(
    world: Any, signed_in: Any, lang: str
) -> None:
    """An unknown address says there is no page there (it showed only its title); the
    address a form is sent to, opened as a page (a bookmark, a tab a phone reopened after a
    day's check), leads to the page the form is on."""
    course = _start(world, world.own_patient)
    client = _speaks(signed_in("therapist"), lang)
    nowhere, form_address, form_page = ADDRESS_WORDS[lang]
    missing = client.get("/nothing-here", headers=HTML)
    assert missing.status_code == 404
    assert nowhere in _words(missing.text)
    check = client.get(f"/courses/{course}/check", headers=HTML)
    assert check.status_code == 405
    page = _words(check.text)
    assert form_address in page
    assert f'<a class="button" href="/courses/{course}">{form_page}</a>' in page
    assert not text_problems(visible_texts(check.text, lang), lang)


OPTIONS = {
    "en": ("Ways to continue", "Cost options", "What it needs from you"),
    "ru": ("Как продолжать", "Варианты по стоимости", "Что требуется от вас"),
}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_patients_routine_names_the_options_as_her_handout_does(
    world: Any, signed_in: Any, lang: str
) -> None:
    """The ways to go on after the course are one thing to the patient: the home page names
    them as the printed handout does, with the same words for what each asks of her."""
    course = _start(world, world.own_patient)
    client = _speaks(signed_in("patient"), lang)
    page = client.get(f"/courses/{course}/home", headers=HTML)
    assert page.status_code == 200
    named, staff, asks = OPTIONS[lang]
    words = _words(page.text)
    assert f"<summary>{named}</summary>" in words and staff not in words
    assert f"<em>{asks}:</em>" in words
    assert not text_problems(visible_texts(page.text, lang), lang)


@pytest.mark.parametrize(("lang", "number"), [("en", "No."), ("ru", "№")])
def test_the_sessions_are_numbered_in_the_readers_words(
    world: Any, signed_in: Any, lang: str, number: str
) -> None:
    course = _start(world, world.own_patient)
    client = _speaks(signed_in("therapist"), lang)
    page = client.get(f"/courses/{course}", headers=HTML)
    assert page.status_code == 200
    assert f'<table class="list sessions"><thead><tr><th>{number}</th>' in page.text


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_session_with_nothing_of_the_day_says_once_that_nothing_was_saved(
    world: Any, signed_in: Any, lang: str
) -> None:
    """A session sent without any reading of the day says what is missing, and that nothing
    was saved, once (not "not saved ... correct the fields marked below ... nothing was
    saved", with no field marked)."""
    course = _start(world, world.own_patient)
    client = _speaks(signed_in("therapist"), lang)
    day = date.today().isoformat()
    page = _post(client, f"/courses/{course}/sessions", {"day": day}, headers=HTML)
    assert page.status_code == 422
    alert = _first_alert(page.text)
    nothing, correct = SAID[lang]
    assert alert.startswith(nothing.split(". ")[0] + ".")
    assert alert.count(nothing.split(". ")[0]) == 1 and correct not in alert


@pytest.mark.parametrize(
    ("role", "path", "lang", "said"),
    [
        ("therapist", "/patients?q=", "en", "<strong>Patient search</strong>: at most 200"),
        ("therapist", "/patients?q=", "ru", "<strong>Поиск пациента</strong>: не более 200"),
        ("admin", "/audit?user=", "ru", "<strong>Пользователь</strong>: не более 200"),
        ("admin", "/audit?patient=", "ru", "<strong>Пациент</strong>: не более 200"),
    ],
)
def test_a_search_too_long_names_the_box_it_was_typed_in(
    world: Any, signed_in: Any, role: str, path: str, lang: str, said: str
) -> None:
    """A search pasted too long is refused naming the box, as a wrong date or page number is
    (the page said only "at most 200 characters", of nothing it named)."""
    client = _speaks(signed_in(role), lang)
    page = client.get(path + "я" * 201, headers=HTML)
    assert page.status_code == 422
    assert said in _words(page.text)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_form_sent_with_errors_says_first_that_nothing_was_saved(
    world: Any, signed_in: Any, lang: str
) -> None:
    """A physician's decision, a patient's details, a password, a user: sent with a wrong
    field, each says first, as the intake and the plan do, that nothing was saved (the
    physician was left to guess whether the decline had gone through)."""
    from tests.web.conftest import clearance_request

    nothing, _ = SAID[lang]
    request = clearance_request(world)
    physician = _speaks(signed_in("physician"), lang)
    decided = _post(physician, f"/clearances/{request}", {"decision": "declined"}, HTML)
    therapist = _speaks(signed_in("therapist"), lang)
    patient = _post(therapist, "/patients", {"name": "", "birth_date": "1970-13-40"}, HTML)
    password = _post(therapist, "/password", {"current": "x", "new": "1", "repeat": "2"}, HTML)
    admin = _speaks(signed_in("admin"), lang)
    user = _post(admin, "/users", {"username": "", "role": "therapist"}, HTML)
    for page in (decided, patient, password, user):
        assert page.status_code == 422, page.text[:300]
        assert _first_alert(page.text) == nothing


@pytest.mark.parametrize(
    ("lang", "said"), [("en", "Urgent referral"), ("ru", "Срочное направление")]
)
def test_a_red_flag_on_the_session_day_offers_the_referral_letter(
    world: Any, signed_in: Any, lang: str, said: str
) -> None:
    """Saddle numbness answered on the day of a session: the page says, as the screening
    page does, that the patient needs a physician today and offers the letter (it said only
    "No session today", in the colour of a mild delay, with nothing to hand over)."""
    course = _start(world, world.own_patient)
    client = _speaks(signed_in("therapist"), lang)
    day = date.today().isoformat()
    page = _post(
        client,
        f"/courses/{course}/check",
        {"day": day, "pain": "2", "q_saddle_anaesthesia": "yes"},
        headers=HTML,
    )
    assert page.status_code == 200
    assert 'class="banner v-refer_urgently"' in page.text
    assert f"<h2>{said}</h2>" in page.text
    letter = f"/patients/{world.own_patient}/referral?as_of={day}"
    assert f'href="{letter}"' in page.text
    assert client.get(letter, headers=HTML).status_code == 200
    assert not text_problems(visible_texts(page.text, lang), lang)


def test_a_question_is_never_named_as_a_search_box() -> None:
    """The search boxes' words name their own fields only: an intake question ``q_fever``
    sent with "nan" was "Patient search: a finite number"."""
    from spinecare.web.forms import field_label

    assert str(field_label("q")) == "Patient search"
    for name in ("q_fever", "q_saddle_anaesthesia", "patient_note", "user_role"):
        label = field_label(name)
        assert label is None or str(label) not in ("Patient search", "Patient", "User"), name
    assert str(field_label("home_minutes_cervical")) == "Minutes a day"
