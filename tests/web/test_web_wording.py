"""Words the pages, the handout and the calendar put together: a concept's name and what
it does, one bracket at a time; a value after its label's colon in lower case; a chart
point's tooltip that says which session; the pain scale written 0–10; one English
spelling of "home program"; the roles a page is for, joined as a sentence. In English and
in Russian."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pytest

from tests.web.conftest import HTML, JSON, csrf_of
from tests.web.test_web_courses import DAY, _patient_id, _post, _start


def _speaks(client: Any, lang: str) -> Any:
    token = csrf_of(client, "/login")
    r = client.post("/language", data={"language": lang, "csrf_token": token}, headers=JSON)
    assert r.status_code == 200, r.text[:300]
    return client


def _words(text: str) -> str:
    return " ".join(text.split())


ONCOLOGY = {
    "en": "in-situ or uncertain-behaviour neoplasm) — contraindication</option>",
    "ru": "неопределённого характера новообразование) — противопоказание</option>",
}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_concept_and_what_it_does_take_one_bracket_at_a_time(
    world: Any, signed_in: Any, lang: str
) -> None:
    therapist = _speaks(signed_in("therapist"), lang)
    form = therapist.get(f"/patients/{world.demo_patient}/intake", headers=HTML)
    assert form.status_code == 200
    assert ONCOLOGY[lang] in form.text, re.findall(r"<option[^>]*>[^<]*ncolog[^<]*<", form.text)
    assert not re.search(r"\) \([^()<]*\)</option>", form.text)
    # the referral letter lists its other findings the same way
    urgent = _patient_id(world, "demo-turner")
    letter = therapist.get(f"/patients/{urgent}/referral", headers=HTML)
    assert letter.status_code == 200
    others = letter.text[letter.text.index("<h2>", letter.text.rindex("e-refer_urgently")) :]
    items = re.findall(r"<li><strong>[^<]*</strong>[^<]*", others)
    assert items and all("</strong> — " in o for o in items), items
    assert "</strong> (" not in others


def _pdf_text(raw: bytes) -> str:
    from pypdf import PdfReader

    return _words(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(raw)).pages))


@pytest.mark.parametrize(
    ("lang", "dose", "often"),
    [
        ("en", "How much: about 1 minute", "How often: every day"),
        ("ru", "Сколько: около 1 минуты", "Как часто: ежедневно"),
    ],
    ids=["en", "ru"],
)
def test_a_value_after_its_label_starts_in_lower_case(
    world: Any, signed_in: Any, lang: str, dose: str, often: str
) -> None:
    """The KB writes a dose to stand alone ("About 1 minute"): after "How much:" on the
    handout and in the calendar it went on with its capital."""
    course = _start(world, world.own_patient)
    patient = signed_in("patient")
    ics = patient.get(f"/courses/{course}/calendar.ics?lang={lang}")
    assert ics.status_code == 200
    from icalendar import Calendar

    (event,) = Calendar.from_ical(ics.content).walk("VEVENT")
    description = str(event["DESCRIPTION"])
    assert dose in description, description
    capital = dose.split(": ")[0] + ": " + dose.split(": ")[1].capitalize()
    assert capital not in description
    pdf = patient.get(f"/courses/{course}/handout.pdf?lang={lang}")
    assert pdf.status_code == 200
    text = _pdf_text(pdf.content)
    assert dose in text and capital not in text
    assert often in text


@pytest.mark.parametrize(
    ("lang", "axis", "before", "after"),
    [
        ("en", "Pain (0–10)", "before the session", "after the session"),
        ("ru", "Боль (0–10)", "до сеанса", "после сеанса"),
    ],
    ids=["en", "ru"],
)
def test_a_chart_point_says_its_session_and_the_scale_is_0_to_10(
    world: Any, signed_in: Any, lang: str, axis: str, before: str, after: str
) -> None:
    from spinecare.wording import day_text

    course = _start(world, world.own_patient)
    session = {**DAY, "pre_pain": "3", "post_pain": "2", "minutes": "15"}
    assert _post(signed_in("therapist"), f"/courses/{course}/sessions", session).status_code == 201
    for role in ("therapist", "patient"):
        client = _speaks(signed_in(role), lang)
        page = client.get(f"/courses/{course}/progress", headers=HTML)
        assert page.status_code == 200
        day = day_text(date.today(), lang)
        session_word = "Session" if lang == "en" else "Сеанс"
        assert f"<title>{session_word} 1, {day}: 3 {before}</title>" in page.text, role
        assert f"<title>{session_word} 1, {day}: 2 {after}</title>" in page.text
        assert f"<title>1 {day}" not in page.text
        assert axis in page.text and "(0-10)" not in page.text
        assert "0-10 scale" not in page.text and "шкале 0-10" not in page.text


def test_home_program_has_one_english_spelling(world: Any, signed_in: Any) -> None:
    therapist = _speaks(signed_in("therapist"), "en")
    plan = therapist.get(f"/patients/{world.own_patient}/course/new", headers=HTML)
    assert plan.status_code == 200
    assert "Self-massage (home program)" in plan.text and "programme" not in plan.text
    course = _start(world, world.own_patient)
    for role in ("therapist", "patient"):
        client = _speaks(signed_in(role), "en")
        pdf = client.get(f"/courses/{course}/handout.pdf?lang=en")
        assert pdf.status_code == 200
        text = _pdf_text(pdf.content)
        assert "Your home self-massage program" in text and "programme" not in text
        for path in (f"/courses/{course}/home", f"/courses/{course}/progress"):
            assert "programme" not in client.get(path, headers=HTML).text, path


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "en",
            "this page is for administrators and massage therapists; you are signed in as patient",
        ),
        ("ru", "эту страницу открывают администраторы и массажисты; вы вошли как пациент"),
    ],
    ids=["en", "ru"],
)
def test_the_roles_a_page_is_for_read_as_a_sentence(
    world: Any, signed_in: Any, lang: str, said: str
) -> None:
    patient = _speaks(signed_in("patient"), lang)
    page = patient.get("/patients/new", headers=HTML)
    assert page.status_code == 403
    assert said[:1].upper() + said[1:] + "." in page.text  # a sentence of its own on the page
    assert "administrator, massage therapist" not in page.text
    error = patient.get("/patients/new", headers=JSON).json()["error"]
    assert error["message"] == said
