"""Intake answers dated only by a month or a year: given on some day of that period,
which is not known. One that may be the latest answer makes a finding the deciding answer
rules out unknown where it would raise it, never one that it raises (clinic policy
policy_partial_date_reading, docs/screening.md)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from spinecare.engine.screening import screen_record
from spinecare.fhir.questionnaire import reader_measures
from spinecare.fhir.reader import questionnaire_response_from_fhir
from spinecare.i18n import translate
from spinecare.kb import load_kb
from spinecare.record.model import Answer, Observation, Patient, PatientRecord
from tests.bulk.helpers import bulk_mismatches
from tests.conftest import AS_OF

KB = load_kb()
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
YEAR = (date(2026, 1, 1), date(2026, 12, 31))
SADDLE = "saddle_anaesthesia"


def answer(
    ref: str, value: bool | str | float, when: date | tuple[date, date], question: str = SADDLE
) -> Answer:
    if isinstance(when, tuple):
        return Answer(ref, question, value, when[0], when[1])
    return Answer(ref, question, value, when)


def record(*answers: Answer, pid: str = "p") -> PatientRecord:
    readings = [
        Observation("s", "systolic_bp", 120, "mm[Hg]", AS_OF),
        Observation("d", "diastolic_bp", 80, "mm[Hg]", AS_OF),
        Observation("t", "body_temperature", 36.6, "Cel", AS_OF),
        Observation("pain", "pain_score", 2, "{score}", AS_OF),
    ]
    return PatientRecord(
        Patient(pid, birth_date=date(1970, 3, 14)), observations=readings, answers=list(answers)
    )


def screened(*answers: Answer, lang: str = "en", on: date = AS_OF) -> dict:
    return screen_record(record(*answers), KB, on, lang).to_json()


def _finding(out: dict, rule: str) -> dict:
    return next(f for f in out["findings"] if f["rule"] == rule)


def _missing(out: dict, item: str) -> dict:
    (found,) = [m for m in out["missing"] if m["item"] == item]
    return found


NO_ON_10 = answer("no", False, date(2026, 11, 10))


@pytest.mark.parametrize("period", [NOVEMBER, YEAR], ids=["month", "year"])
def test_a_yes_of_the_month_or_year_may_be_the_latest(period) -> None:
    out = screened(answer("yes", True, period), NO_ON_10)
    assert out["verdict"] == "needs_data"
    finding = _finding(out, "cauda_equina")
    assert finding["certainty"] == "unknown"
    kind = "month" if period == NOVEMBER else "year"
    shown = {(e["value"], e.get("note")) for e in finding["evidence"]}
    assert shown == {
        (True, f"dated only by the {kind}: the day it was given is not known"),
        (False, None),
    }
    why = _missing(out, SADDLE)["why"]
    assert "An answer dated only by its month or year may be the latest" in why


def test_a_no_of_the_month_never_makes_a_yes_milder() -> None:
    out = screened(answer("no", False, NOVEMBER), answer("yes", True, date(2026, 11, 10)))
    assert out["verdict"] == "refer_urgently"
    assert _finding(out, "cauda_equina")["certainty"] == "present"


def test_a_month_that_ended_before_the_answer_used_changes_nothing() -> None:
    out = screened(answer("yes", True, OCTOBER), NO_ON_10)
    assert out["verdict"] == "allowed"
    assert out["missing"] == []


def test_an_answer_of_the_month_alone_decides_as_before() -> None:
    assert screened(answer("yes", True, NOVEMBER))["verdict"] == "refer_urgently"
    assert screened(answer("no", False, NOVEMBER))["verdict"] == "allowed"
    # an answer of the month after the exact one: the month's begins later and decides
    later = answer("no", False, (date(2026, 11, 1), date(2026, 11, 30)))
    assert screened(answer("yes", True, date(2026, 10, 20)), later)["verdict"] == "allowed"


def test_an_unclear_answer_of_the_month_may_be_the_latest() -> None:
    out = screened(answer("maybe", "not sure", NOVEMBER), NO_ON_10)
    assert out["verdict"] == "needs_data"


def test_a_yes_of_the_month_on_the_fever_question_within_its_window() -> None:
    # five days on the temperature is too old and the fever question decides: its no of
    # the day, and a yes of November that may be of the day too
    on = AS_OF + timedelta(days=5)
    exact_no = answer("n", False, on, "fever_today")
    assert screened(exact_no, on=on)["verdict"] == "allowed"
    out = screened(answer("f", True, NOVEMBER, "fever_today"), exact_no, on=on)
    assert out["verdict"] == "needs_data"
    assert _finding(out, "fever")["certainty"] == "unknown"


def test_the_missing_item_and_the_note_say_it_in_russian() -> None:
    out = screened(answer("yes", True, NOVEMBER), NO_ON_10, lang="ru")
    why = _missing(out, SADDLE)["why"]
    assert "Ответ, у которого указаны только месяц или год, может быть последним" in why
    notes = {e.get("note") for e in _finding(out, "cauda_equina")["evidence"]}
    assert "указан только месяц: день ответа неизвестен" in {translate(n, "ru") for n in notes if n}


@pytest.mark.parametrize(
    ("authored", "last"),
    [
        ("2026-11", date(2026, 11, 30)),
        ("2026", date(2026, 12, 31)),
        ("2026-11-10", None),
        ("2026-11-10T09:15:00+03:00", None),
    ],
)
def test_the_reader_keeps_the_last_day_of_a_month_or_a_year(authored, last) -> None:
    response = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "authored": authored,
        "item": [{"linkId": SADDLE, "answer": [{"valueBoolean": True}]}],
    }
    answers, _, _, _ = questionnaire_response_from_fhir(response, "QR/1", reader_measures(KB))
    assert [(a.question, a.last) for a in answers] == [(SADDLE, last)]


def _records() -> list[PatientRecord]:
    """Records of answers of a month or a year, for the bulk SQL to agree on."""
    fever = "fever_today"
    phase = "herniation_phase"
    cases: list[list[Answer]] = [
        [answer("y", True, NOVEMBER), NO_ON_10],
        [answer("y", True, YEAR), NO_ON_10],
        [answer("n", False, NOVEMBER), answer("y", True, date(2026, 11, 10))],
        [answer("y", True, OCTOBER), NO_ON_10],
        [answer("y", True, NOVEMBER)],
        [answer("n", False, NOVEMBER)],
        [answer("u", "not sure", NOVEMBER), NO_ON_10],
        [answer("y", True, NOVEMBER), answer("n", False, NOVEMBER)],
        [answer("y", True, NOVEMBER), NO_ON_10, answer("u", "not sure", date(2026, 11, 12))],
        [answer("y", True, (date(2026, 12, 1), date(2026, 12, 31))), NO_ON_10],
        [answer("f", True, NOVEMBER, fever), answer("n", False, date(2026, 11, 20), fever)],
        [answer("f", True, NOVEMBER, fever)],
        [answer("f", False, NOVEMBER, fever)],
        [answer("f", True, OCTOBER, fever), answer("n", False, date(2026, 11, 1), fever)],
        [answer("f", True, date(2026, 11, 5), fever)],
        [answer("s", "surgery", NOVEMBER, phase), answer("r", "recovery", AS_OF, phase)],
        [answer("s", "surgery", YEAR, phase), answer("r", "recovery", OCTOBER, phase)],
    ]
    return [record(*answers, pid=f"p{i}") for i, answers in enumerate(cases)]


@pytest.mark.parametrize("offset", [0, -19, -10, -5, 2, 11, 40])
def test_bulk_sql_gives_the_engine_screening(offset) -> None:
    on = AS_OF + timedelta(days=offset)
    differ = bulk_mismatches(_records(), KB, on)
    assert not differ, differ
