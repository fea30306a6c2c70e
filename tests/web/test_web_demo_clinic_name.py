"""The demo clinic is named in the reader's language: "Demo clinic" on an English handout,
letter or page, "Демонстрационная клиника" on a Russian one (a Russian handout said "Demo
clinic"). A clinic its administrator named is shown as written."""

from __future__ import annotations

import io
from typing import Any

import pytest

from spinecare.clinic.clinics import clinic_name
from tests.web.conftest import HTML, JSON, csrf_of
from tests.web.test_web_courses import _patient_id, _start

NAME = {"en": "Demo clinic", "ru": "Демонстрационная клиника"}


def _speaks(client: Any, lang: str) -> Any:
    token = csrf_of(client, "/login")
    r = client.post("/language", data={"language": lang, "csrf_token": token}, headers=JSON)
    assert r.status_code == 200, r.text[:300]
    return client


def _pdf_text(raw: bytes) -> str:
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(raw)).pages)
    return " ".join(text.split())


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_clinics_name_is_shown_as_written_but_the_demo_clinics(lang: str) -> None:
    assert clinic_name("Demo clinic", lang) == NAME[lang]
    assert clinic_name("Клиника «Здоровая спина»", lang) == "Клиника «Здоровая спина»"
    assert clinic_name("Back Care Clinic", lang) == "Back Care Clinic"


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_handout_names_the_demo_clinic_in_its_language(
    world: Any, signed_in: Any, lang: str
) -> None:
    course = _start(world, world.own_patient)
    handout = signed_in("patient").get(f"/courses/{course}/handout.pdf?lang={lang}")
    assert handout.status_code == 200
    text = _pdf_text(handout.content)
    assert NAME[lang] in text
    if lang == "ru":
        assert "Demo clinic" not in text


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_letter_and_the_clinic_page_name_the_demo_clinic_in_their_language(
    world: Any, signed_in: Any, lang: str
) -> None:
    urgent = _patient_id(world, "demo-turner")
    letter = _speaks(signed_in("therapist"), lang).get(f"/patients/{urgent}/referral", headers=HTML)
    assert letter.status_code == 200, letter.text[-800:]
    assert NAME[lang] in letter.text
    page = _speaks(signed_in("admin"), lang).get("/clinic", headers=HTML)
    assert page.status_code == 200, page.text[-800:]
    assert NAME[lang] in page.text
    if lang == "ru":
        assert "Demo clinic" not in letter.text and "Demo clinic" not in page.text
