"""The PDF handout: text extracted and checked in English and Russian."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from spinecare.engine.course import apply_stop_rules, home_routine
from spinecare.errors import InputError
from spinecare.reports.handout import Clinic, handout_data, render_handout
from tests.reports.conftest import make_course

DAY = date(2026, 11, 23)
CLINIC_RU = Clinic(
    "Клиника «Здоровая спина»",
    phone="+7 495 123-45-67",
    address="Москва, ул. Лесная, 5",
    email="spina@example.org",
    doctor="Невролог Петров И. И.",
)
CLINIC_EN = Clinic("Back Care Clinic", phone="+44 20 7946 0000", address="1 High St, London")


def _text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split())


@pytest.fixture(scope="module")
def ru_text(kb):
    course = make_course(kb)
    pdf = render_handout(
        course, kb, lang="ru", patient_name="Елена Соколова", clinic=CLINIC_RU, day=DAY
    )
    return _text(pdf)


@pytest.fixture(scope="module")
def en_text(kb):
    course = make_course(kb, "02-hughes-lumbar-osteochondrosis-osteoporosis")
    pdf = render_handout(
        course, kb, lang="en", patient_name="Margaret Hughes", clinic=CLINIC_EN, day=DAY
    )
    return _text(pdf)


def test_russian_handout_text(ru_text, kb):
    t = ru_text
    assert re.search("[а-яё]{5,}", t)
    assert "Ваша домашняя программа самомассажа" in t
    assert "Пациент: Елена Соколова" in t
    assert "23 ноября 2026" in t
    assert "Самомассаж шеи и надплечий (воротниковая зона)" in t
    # a value after its label's colon starts in lower case (the KB writes it to stand alone)
    assert "Как часто: ежедневно" in t and "10 минут в день" in t
    assert "Сколько: 3–4 раза с каждой стороны" in t
    assert "Сколько: около 1 минуты" in t and "Сколько: Около" not in t
    # Every step, warning and stop rule from the KB, in Russian.
    course = make_course(kb)
    for routine in home_routine(course, kb, "ru"):
        for step in routine["steps"]:
            assert " ".join(step["text"].split()) in t
        for warning in routine["warnings"]:
            assert " ".join(warning.split()) in t
    assert "Прекратите и позвоните врачу" in t
    for rule in kb.model.plans.stop_rules:
        assert " ".join(rule.text.ru.split()) in t
    # The course, the cost options (no prices), the contacts.
    assert "Ваш курс у массажиста" in t and "3 раза в неделю" in t
    assert "Поглаживание → Растирание → Разминание" in t
    assert "Курс массажа у специалиста" in t and "Массажёр" in t
    assert "Клиника «Здоровая спина»" in t and "+7 495 123-45-67" in t
    assert "Невролог Петров И. И." in t
    assert "₽" not in t and "руб" not in t
    # No English left in the Russian handout's own labels.
    assert "Patient" not in t and "Stop and call" not in t


def test_english_handout_text(en_text, kb):
    t = en_text
    # one spelling of "program" in English, as the pages write it
    assert "Your home self-massage program " in t and "programme" not in t
    assert "How often: every day." in t and "How often: Every" not in t
    assert "Patient: Margaret Hughes" in t
    assert "23 November 2026" in t
    assert "Self-massage of the lower back" in t
    assert "Put a tennis ball in a sock." in t
    assert "Stop and call your doctor" in t
    assert " ".join(kb.model.plans.stop_rules[0].text.en.split()) in t
    assert "Vacuum (cupping) massage" in t
    assert "A massage device (massager)" in t
    assert "Back Care Clinic" in t and "+44 20 7946 0000" in t
    assert not re.search("[а-яё]", t.replace("ул.", ""))  # no Russian in the English text


def test_markup_in_names_is_printed_as_text(kb):
    course = make_course(kb)
    name = 'Anna "#set page(width: 1cm)" *bold* $x^2$ [link] <lbl> @ref \\ _u_'
    pdf = render_handout(
        course,
        kb,
        lang="en",
        patient_name=name,
        clinic=Clinic("Clinic #1 $ ] [", phone="#1 // not a comment"),
        day=DAY,
    )
    t = _text(pdf)
    assert "*bold* $x^2$ [link] <lbl> @ref" in t
    assert "#set page(width: 1cm)" in t
    assert "Clinic #1 $ ] [" in t and "#1 // not a comment" in t


def test_paused_course_and_no_home_program(kb):
    course = make_course(kb, modalities=["classical"])
    apply_stop_rules(course, [], {"gait_disturbance": True}, kb)
    t = _text(render_handout(course, kb, lang="en", patient_name="X", clinic=CLINIC_EN, day=DAY))
    assert "No home self-massage was taught in this course." in t
    assert "Paused: your doctor reviews the course" in t


def test_handout_data_is_language_complete(kb):
    course = make_course(kb)
    data = handout_data(course, kb, lang="ru", patient_name="A", clinic=CLINIC_RU, day=DAY)
    assert data["routines"][0]["figure"].startswith("<svg")
    assert data["lang"] == "ru"
    with pytest.raises(InputError, match="lang"):
        handout_data(course, kb, lang="de", patient_name="A", clinic=CLINIC_RU, day=DAY)


def test_handout_is_deterministic(kb):
    """The same course gives the same PDF bytes (its time: benchmarks/reports.py)."""
    course = make_course(kb)
    args = {"lang": "ru", "patient_name": "Елена", "clinic": CLINIC_RU, "day": DAY}
    first = render_handout(course, kb, **args)
    assert render_handout(course, kb, **args) == first


@pytest.mark.parametrize(
    ("per_week", "minutes", "ru", "en"),
    [
        (5, 17.5, ("5 раз в неделю", "17,5"), ("5 times a week", "17.5")),
        (2.5, 15, ("2,5 раза в неделю", "15"), ("2.5 times a week", "15")),
    ],
)
def test_handout_says_counts_and_numbers_as_its_language_does(
    kb, per_week: float, minutes: float, ru: tuple[str, str], en: tuple[str, str]
) -> None:
    """A course of 5 sessions a week read "5 раза в неделю", one of 2.5 "2.5 раза" (the
    decimal point of ``%g``): each count takes its plural form, each number the reader's
    decimal sign."""
    course = make_course(kb, sessions_per_week=per_week, minutes_per_session=minutes)
    for lang, (often, long) in (("ru", ru), ("en", en)):
        clinic = CLINIC_RU if lang == "ru" else CLINIC_EN
        data = handout_data(course, kb, lang=lang, patient_name="A", clinic=clinic, day=DAY)
        rows = {str(k): str(v) for k, v in data["course"]["rows"]}
        assert often in rows.values(), rows
        assert long in rows.values(), rows


def test_a_clinic_with_no_phone_leaves_a_line_to_write_it_on(kb):
    """The handout says "call your doctor": with no phone kept, the line is printed blank
    for the therapist to write the number on, never left out."""
    course = make_course(kb)
    pdf = render_handout(
        course, kb, lang="en", patient_name="A Patient", clinic=Clinic("Back Care Clinic"), day=DAY
    )
    assert "Phone: ____" in _text(pdf)
    assert "Phone: +44" in _text(
        render_handout(course, kb, lang="en", patient_name="A", clinic=CLINIC_EN, day=DAY)
    )
