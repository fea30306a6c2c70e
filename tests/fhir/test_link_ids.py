"""An intake answer's linkId written in another case or with other separators."""

from __future__ import annotations

from spinecare.fhir.reader import _intake_link

QUESTIONS = frozenset({"saddle_anaesthesia", "night_pain", "a_b", "a-b"})


def test_a_link_in_another_case_or_with_hyphens_names_the_question() -> None:
    for written in ("SADDLE_ANAESTHESIA", "Saddle-Anaesthesia", "saddle anaesthesia"):
        assert _intake_link(written, QUESTIONS, {}) == "saddle_anaesthesia"


def test_a_link_two_questions_share_names_neither() -> None:
    assert _intake_link("A_B", QUESTIONS, {}) == "A_B"


def test_another_forms_link_stays_as_written() -> None:
    assert _intake_link("saddleanaesthesia", QUESTIONS, {}) == "saddleanaesthesia"
    assert _intake_link("Night_Pain_Ever", QUESTIONS, {}) == "Night_Pain_Ever"


def test_a_link_of_a_reading_is_left_as_written() -> None:
    measures = {("questionnaire-item", "Pain-Now"): ("pain_score", "1", 0.0, 10.0)}
    assert _intake_link("Pain-Now", QUESTIONS, measures) == "Pain-Now"
