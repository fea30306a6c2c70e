"""Every page leads somewhere and says what it says as a reader reads it: a patient without a
course is told so, not sent round to the same page; a diary day's routine is "done" in
words that agree with it. In English and in Russian."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.web.conftest import HTML, JSON, csrf_of
from tests.web.test_web_courses import TODAY, _post, _start
from tests.web.test_web_wording import _pdf_text, _speaks, _words

NO_COURSE = {
    "en": "You have no home program yet: your therapist sets it up with you",
    "ru": "Домашней программы у вас пока нет: массажист составит её вместе с вами",
}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_patient_without_a_course_is_told_so_not_sent_back_to_the_same_page(
    world: Any, signed_in: Any, lang: str
) -> None:
    """ "My home program" of a patient with no course opens their screening: the screening
    offered it as its way on, a link that led back to itself."""
    patient = _speaks(signed_in("patient"), lang)
    page = patient.get(f"/patients/{world.own_patient}/screening", headers=HTML)
    assert page.status_code == 200
    assert NO_COURSE[lang] in _words(page.text)
    assert 'class="button" href="/me/home"' not in page.text
    _start(world, world.own_patient)
    page = patient.get(f"/patients/{world.own_patient}/screening", headers=HTML)
    assert 'class="button" href="/me/home"' in page.text
    assert NO_COURSE[lang] not in _words(page.text)


@pytest.mark.parametrize(
    ("lang", "done", "not_done"), [("en", "Done", "Not done"), ("ru", "Выполнена", "Не выполнена")]
)
def test_a_diary_day_says_the_routine_was_done_in_words_that_agree(
    world: Any, signed_in: Any, lang: str, done: str, not_done: str
) -> None:
    """Russian "Программа: не выполнено" (a neuter past participle for a feminine noun)."""
    course = _start(world, world.own_patient)
    patient = _speaks(signed_in("patient"), lang)
    for key, ticked in (("k1", "yes"), ("k2", "")):
        entry = {"day": TODAY, "key": key, "pain": "2", "minutes": "10", "done": ticked}
        assert _post(patient, f"/courses/{course}/diary", entry).status_code in (200, 201)
    page = _words(patient.get(f"/courses/{course}/home", headers=HTML).text)
    assert f">{done}, 10 " in page and f">{not_done}, 10 " in page


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_sign_in_page_offers_no_json(world: Any, lang: str) -> None:
    """Nobody signed in yet (a patient, as often as not): the page says nothing of JSON."""
    page = world.client().get("/login", headers={**HTML, "accept-language": lang})
    assert page.status_code == 200
    assert "JSON" not in page.text and 'href="/login.json"' not in page.text


TABS = {
    "en": ["Open", "Cleared", "Declined", "All"],
    "ru": ["Открытые", "Одобренные", "Отклонённые", "Все"],
}
EMPTY = {
    ("physician", "en"): "A therapist's request for you to clear massage appears here.",
    ("physician", "ru"): "Здесь появляются запросы массажистов, которым нужен ваш допуск",
    ("therapist", "en"): "A screening that needs a physician's clearance offers to send",
    ("therapist", "ru"): "Запрос отправляется со страницы скрининга, когда для массажа нужен",
}


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("role", ["physician", "therapist"])
def test_the_clearance_queue_names_its_tabs_and_says_where_requests_come_from(
    world: Any, signed_in: Any, role: str, lang: str
) -> None:
    """A tab names the requests it lists ("Открытые", not the one request's "открыт"); an
    empty list says where a request comes from."""
    client = _speaks(signed_in(role), lang)
    page = _words(client.get("/clearances?status=declined", headers=HTML).text)
    for tab in TABS[lang]:
        assert f">{tab}</a>" in page, tab
    assert EMPTY[role, lang] in page


def test_a_clearance_tab_no_page_names_is_refused_never_shown_as_another(signed_in: Any) -> None:
    client = signed_in("physician")
    for tab in ("open", "cleared", "declined", "all"):
        assert client.get(f"/clearances?status={tab}", headers=JSON).json()["status"] == tab
    refused = client.get("/clearances?status=closed", headers=JSON)
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "status"
    assert client.get("/clearances?status=closed", headers=HTML).status_code == 422


def test_a_handout_and_a_calendar_are_named_by_the_course_start(world: Any, signed_in: Any) -> None:
    """A download is named as the pages name a course, by its start, never its number, in
    the language of its text: a Russian name as ``filename*`` (RFC 6266), beside the
    English one for a client that reads no other."""
    course = _start(world, world.own_patient)
    client = signed_in("patient")
    russian = "filename*=UTF-8''" + quote("домашняя-программа")
    for path, name in (
        (f"/courses/{course}/handout.pdf?lang=en", f'filename="home-program-{TODAY}.pdf"'),
        (f"/courses/{course}/calendar.ics?lang=en", f'filename="home-program-{TODAY}.ics"'),
        (
            f"/courses/{course}/handout.pdf?lang=ru",
            f'filename="home-program-{TODAY}.pdf"; {russian}-{TODAY}.pdf',
        ),
        (
            f"/courses/{course}/calendar.ics?lang=ru",
            f'filename="home-program-{TODAY}.ics"; {russian}-{TODAY}.ics',
        ),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-disposition"] == f"attachment; {name}", path


@pytest.mark.parametrize(("lang", "kinds"), [("en", "Kinds of massage"), ("ru", "Виды массажа")])
def test_the_handout_names_the_kinds_of_massage_in_the_number_they_are(
    world: Any, signed_in: Any, lang: str, kinds: str
) -> None:
    """Classical massage and self-massage are kinds, not "Вид массажа"."""
    course = _start(world, world.own_patient)
    pdf = signed_in("patient").get(f"/courses/{course}/handout.pdf?lang={lang}")
    assert pdf.status_code == 200
    assert kinds in _pdf_text(pdf.content)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_an_error_page_keeps_the_products_name_as_it_is_spelled(world: Any, lang: str) -> None:
    """A message begun with the product's name is a sentence as written: "spinecare", never
    "Spinecare"."""
    page = world.client().get("/launch", headers={**HTML, "accept-language": lang})
    assert page.status_code == 400
    assert '<p class="message">spinecare ' in page.text and "Spinecare" not in page.text


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "Wrong user name or password."), ("ru", "Неверное имя пользователя или пароль.")],
)
def test_a_refused_sign_in_says_why_in_a_sentence(world: Any, lang: str, said: str) -> None:
    """An alert above a form is a sentence of its own (it read "wrong user name or
    password"), as an error page's message is."""
    client = world.client()
    headers = {**HTML, "accept-language": lang}
    token = csrf_of(client)
    data = {"csrf_token": token, "username": "therapist", "password": "wrong"}
    page = client.post("/login", data=data, headers=headers)
    assert page.status_code == 401
    assert f'<p class="alert" role="alert">{said}</p>' in page.text


@pytest.mark.parametrize(("lang", "said"), [("en", "for example 80"), ("ru", "например 80")])
def test_a_diastolic_pressure_that_is_no_number_is_shown_a_diastolic_example(
    world: Any, signed_in: Any, lang: str, said: str
) -> None:
    """ "a number, for example 120" beside the lower number of a blood pressure misled."""
    client = _speaks(signed_in("therapist"), lang)
    data = {"day": TODAY, "systolic": "120", "diastolic": "abc"}
    page = _post(client, f"/patients/{world.demo_patient}/intake", data, HTML)
    assert page.status_code == 422
    error = page.text.split('id="err-diastolic"', 1)[1].split("</span>", 1)[0]
    assert said in error and "120" not in error


@pytest.mark.parametrize(
    ("lang", "out", "first"),
    [
        ("en", "You have signed out.", "Please sign in to open that page."),
        ("ru", "Вы вышли из приложения.", "Войдите, чтобы открыть эту страницу."),
    ],
)
def test_the_sign_in_page_says_why_it_is_shown(
    world: Any, signed_in: Any, lang: str, out: str, first: str
) -> None:
    """Signing out ends on the sign-in page saying so; a page asked for without signing in
    says that signing in opens it (the bare form said neither)."""
    client = _speaks(signed_in("therapist"), lang)
    token = csrf_of(client, "/patients")
    page = client.post("/logout", data={"csrf_token": token}, headers=HTML)
    assert page.status_code == 200 and out in page.text and first not in page.text
    headers = {**HTML, "accept-language": lang}
    page = world.client().get(f"/patients/{world.demo_patient}", headers=headers)
    assert page.status_code == 200 and first in page.text and out not in page.text
    page = world.client().get("/login", headers=headers)
    assert out not in page.text and first not in page.text
