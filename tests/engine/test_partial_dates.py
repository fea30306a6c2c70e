"""Readings dated only by a month or a year: taken on some day of that period (cut at the
screening day), which is not known. One that may be the latest reading, or within the
window, makes a comparison that does not hold unknown where it would hold it, never one
that holds (clinic policy policy_partial_date_reading, docs/screening.md)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from spinecare.engine.screening import screen_record
from spinecare.fhir.questionnaire import reader_measures
from spinecare.fhir.reader import observations_from_fhir, questionnaire_response_from_fhir
from spinecare.i18n import translate
from spinecare.kb import load_kb
from spinecare.messages import Message
from spinecare.record.model import Ignored, Observation, Patient, PatientRecord
from tests.bulk.helpers import bulk_mismatches
from tests.conftest import AS_OF

KB = load_kb()
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
YEAR = (date(2026, 1, 1), date(2026, 12, 31))
OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))


def reading(
    ref: str, measure: str, value: float, when: date | tuple[date, date] = AS_OF
) -> Observation:
    unit = {"body_temperature": "Cel", "pain_score": "{score}", "platelets": "10*9/L"}.get(
        measure, "mm[Hg]"
    )
    if isinstance(when, tuple):
        return Observation(ref, measure, value, unit, when[0], last=when[1])
    return Observation(ref, measure, value, unit, when)


def bp(
    ref: str, systolic: float, diastolic: float, when: date | tuple[date, date] = AS_OF
) -> list[Observation]:
    return [
        reading(f"{ref}s", "systolic_bp", systolic, when),
        reading(f"{ref}d", "diastolic_bp", diastolic, when),
    ]


def aside(ref: str, measure: str, when: tuple[date, date]) -> Ignored:
    """A reading set aside (its unit cannot be converted) dated only by a month or a year."""
    reason = Message("unit '%(unit)s' cannot be converted", unit="?")
    return Ignored(ref, reason, measure, when[0], when[1])


def record(
    *readings: Observation | list[Observation], pid: str = "p", ignored: tuple[Ignored, ...] = ()
) -> PatientRecord:
    observations: list[Observation] = []
    for r in readings:
        observations.extend(r if isinstance(r, list) else [r])
    measures = {o.measure for o in observations}
    if "body_temperature" not in measures:
        observations.append(reading("t", "body_temperature", 36.6))
    if "pain_score" not in measures:
        observations.append(reading("pain", "pain_score", 2))
    return PatientRecord(
        Patient(pid, birth_date=date(1970, 3, 14)),
        observations=observations,
        ignored=list(ignored),
    )


def screened(
    *readings: Observation | list[Observation],
    lang: str = "en",
    on: date = AS_OF,
    ignored: tuple[Ignored, ...] = (),
):
    return screen_record(record(*readings, ignored=ignored), KB, on, lang).to_json()


def _finding(out: dict, rule: str) -> dict:
    return next(f for f in out["findings"] if f["rule"] == rule)


def _missing(out: dict, item: str) -> dict:
    (found,) = [m for m in out["missing"] if m["item"] == item]
    return found


@pytest.mark.parametrize("period", [NOVEMBER, YEAR], ids=["month", "year"])
def test_a_high_reading_of_the_month_or_year_may_be_the_latest(period) -> None:
    out = screened(bp("exact", 120, 80), bp("month", 190, 115, period))
    assert out["verdict"] == "needs_data"
    why = _missing(out, "blood_pressure")["why"]
    assert "dated only by its month or year may be the latest, or within 30 days" in why
    grade3 = _finding(out, "significant_hypertension")
    assert grade3["certainty"] == "unknown"
    shown = {(e["value"], e.get("note")) for e in grade3["evidence"]}
    kind = "month" if period == NOVEMBER else "year"
    assert (190, f"dated only by the {kind}: the day it was taken is not known") in shown
    assert (120, None) in shown


def test_a_normal_reading_of_the_month_never_makes_a_high_one_milder() -> None:
    out = screened(bp("exact", 190, 115), bp("month", 120, 80, NOVEMBER))
    assert out["verdict"] == "defer"
    grade3 = _finding(out, "significant_hypertension")
    assert grade3["certainty"] == "present"
    assert sorted(e["value"] for e in grade3["evidence"]) == [115, 190]


def test_a_month_that_ended_before_the_reading_used_changes_nothing() -> None:
    out = screened(bp("exact", 120, 80), bp("month", 190, 115, OCTOBER))
    assert out["verdict"] == "allowed"
    assert out["missing"] == []


def test_a_reading_of_the_month_alone_is_the_latest_and_decides() -> None:
    out = screened(bp("month", 190, 115, NOVEMBER))
    assert out["verdict"] == "defer"
    (shown,) = {e.get("note") for e in _finding(out, "significant_hypertension")["evidence"]}
    assert shown == "dated only by the month: the day it was taken is not known"
    assert screened(bp("month", 120, 80, NOVEMBER))["verdict"] == "allowed"


def test_a_reading_of_the_month_alone_that_may_be_stale_is_unknown() -> None:
    # blood pressure of October on 20 November: it may be within 30 days, or not
    out = screened(bp("month", 120, 80, OCTOBER))
    assert out["verdict"] == "needs_data"
    why = _missing(out, "blood_pressure")["why"]
    assert "dated only by its month or year may be the latest, or within 30 days" in why
    notes = {e.get("note") for f in out["findings"] for e in f["evidence"]}
    assert "dated only by the month: the day it was taken is not known" in notes


def test_a_higher_temperature_of_the_month_may_be_within_the_window() -> None:
    out = screened(
        reading("t", "body_temperature", 36.6), reading("m", "body_temperature", 38.9, NOVEMBER)
    )
    assert out["verdict"] == "needs_data"
    why = _missing(out, "body_temperature")["why"]
    assert "dated only by its month or year may be the latest, or within 3 days" in why
    # lower than the reading used: the highest stays the reading used
    out = screened(
        reading("t", "body_temperature", 38.2), reading("m", "body_temperature", 36.6, NOVEMBER)
    )
    assert out["verdict"] == "defer"


def test_a_temperature_of_the_month_alone_is_not_known_to_be_current() -> None:
    out = screened(reading("m", "body_temperature", 36.6, NOVEMBER))
    assert out["verdict"] == "needs_data"
    # within the window from its first day: used as it is
    out = screened(reading("m", "body_temperature", 38.9, NOVEMBER), on=date(2026, 11, 2))
    assert out["verdict"] == "defer"


AHEAD_MONTH = {
    "en": "A reading dated only by its month or year (December 2026), which begins the day after",
    "ru": "датированное только месяцем или годом (декабрь 2026\u202fг.), который начинается",
}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_month_that_begins_the_day_after_counts_as_the_day_after(lang: str) -> None:
    """190/115 dated only "2026-12", screened on 30 November: weighed as a reading of the
    day after (the verdict as before); the missing item names the month as its cause, not
    its first day as if the reading were of 1 December, and no note says it is dated the
    day after."""
    on = date(2026, 11, 30)
    december = (date(2026, 12, 1), date(2026, 12, 31))
    for exact in ([bp("exact", 120, 80, on)], []):
        out = screened(*exact, bp("month", 190, 115, december), on=on, lang=lang)
        assert out["verdict"] == "needs_data"
        why = _missing(out, "blood_pressure")["why"]
        assert AHEAD_MONTH[lang] in why, why
        assert "1 Dec" not in why and "1 дек." not in why, why
        notes = " ".join(
            translate(e["note"], lang)
            for f in out["findings"]
            for e in f["evidence"]
            if e.get("note") and e["ref"].startswith("month")
        )
        assert "day after" not in notes and "следующ" not in notes, notes
    # with a reading of 1 December too, that one names the day after
    out = screened(
        bp("exact", 120, 80, on),
        bp("next", 124, 82, date(2026, 12, 1)),
        bp("month", 190, 115, december),
        on=on,
        lang=lang,
    )
    assert out["verdict"] == "needs_data"
    assert AHEAD_MONTH[lang] not in _missing(out, "blood_pressure")["why"]
    january = (date(2027, 1, 1), date(2027, 1, 31))
    out = screened(bp("exact", 120, 80, on), bp("month", 190, 115, january), on=on)
    assert "blood_pressure" not in {m["item"] for m in out["missing"]}


def test_the_missing_item_and_the_note_say_it_in_russian() -> None:
    out = screened(bp("exact", 120, 80), bp("month", 190, 115, NOVEMBER), lang="ru")
    why = _missing(out, "blood_pressure")["why"]
    assert "указаны только месяц или год, может быть последним" in why
    notes = {e.get("note") for e in _finding(out, "significant_hypertension")["evidence"]}
    assert "указан только месяц: день измерения неизвестен" in {
        translate(n, "ru") for n in notes if n
    }


PARTIAL_WHY = {
    "en": "A reading dated only by its month or year may be the latest, or within 30 days",
    "ru": "Измерение, у которого указаны только месяц или год, может быть последним",
}
UNTIMED_WHY = {
    "en": "were recorded without the time they were taken and disagree",
    "ru": "записаны без времени измерения и расходятся",
}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_reading_of_the_month_beside_a_day_in_no_known_order_is_named_as_the_cause(
    lang: str,
) -> None:
    """190/115 of November, and 118/76 and 124/82 of 20 November without a time: whichever
    of the day's two is the later, both are normal; what leaves blood pressure unknown is
    the reading of the month, and the missing item says so (it blamed the day's readings)."""
    day = [bp("a", 118, 76), bp("b", 124, 82)]
    for extra, ignored in (
        ([bp("month", 190, 115, NOVEMBER)], ()),
        ([], (aside("x", "systolic_bp", NOVEMBER),)),  # set aside, its value not known
    ):
        out = screened(*day, *extra, ignored=ignored, lang=lang)
        assert out["verdict"] == "needs_data"
        why = _missing(out, "blood_pressure")["why"]
        assert PARTIAL_WHY[lang] in why and UNTIMED_WHY[lang] not in why, why
    # the day's readings disagree on grade 3 hypertension: they leave it unknown, named
    out = screened(bp("a", 120, 80), bp("b", 185, 112), bp("m", 190, 115, NOVEMBER), lang=lang)
    assert out["verdict"] == "needs_data"
    assert UNTIMED_WHY[lang] in _missing(out, "blood_pressure")["why"]


def test_a_reading_of_the_month_beside_one_of_the_day_after_is_named_as_the_cause() -> None:
    """120/80 of the day and 124/82 dated the day after agree; 190/115 of November may be
    the latest: the month's reading is the cause."""
    on = AS_OF
    out = screened(
        bp("e", 120, 80), bp("next", 124, 82, on + timedelta(days=1)), bp("m", 190, 115, NOVEMBER)
    )
    assert out["verdict"] == "needs_data"
    why = _missing(out, "blood_pressure")["why"]
    assert PARTIAL_WHY["en"] in why and "the day after" not in why, why


@pytest.mark.parametrize(
    ("fixture", "cause"),
    [
        ("bp_month_only_high_untimed_day_agree.json", PARTIAL_WHY),
        ("bp_month_only_high_untimed_day_disagree.json", UNTIMED_WHY),
    ],
)
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_ehr_records_of_both_name_the_cause(fixture: str, cause: dict, lang: str) -> None:
    from spinecare.core import load_record
    from tests.conftest import ROOT

    out = screen_record(load_record(ROOT / "tests/fixtures/ehr" / fixture), KB, AS_OF, lang)
    why = _missing(out.to_json(), "blood_pressure")["why"]
    other = UNTIMED_WHY if cause is PARTIAL_WHY else PARTIAL_WHY
    assert cause[lang] in why and other[lang] not in why, why


def test_a_reading_set_aside_of_the_month_may_be_the_latest() -> None:
    # a blood pressure of November whose unit cannot be read: it may have been taken after
    # the normal reading of 20 November, unknown; it never undoes a high one
    out = screened(bp("exact", 120, 80), ignored=(aside("x", "systolic_bp", NOVEMBER),))
    assert out["verdict"] == "needs_data"
    why = _missing(out, "blood_pressure")["why"]
    assert "dated only by its month or year may be the latest" in why
    assert "Set aside: unit '?' cannot be converted." in why
    out = screened(bp("exact", 190, 115), ignored=(aside("x", "systolic_bp", NOVEMBER),))
    assert out["verdict"] == "defer"
    out = screened(bp("exact", 120, 80), ignored=(aside("x", "systolic_bp", OCTOBER),))
    assert out["verdict"] == "allowed"
    # a temperature set aside of November may be of the last 3 days: fever unknown
    temperature = (aside("x", "body_temperature", NOVEMBER),)
    assert screened(ignored=temperature)["verdict"] == "needs_data"


def _fhir_bp(when: object, key: str = "effectiveDateTime") -> dict:
    def part(code: str, value: float) -> dict:
        return {
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "valueQuantity": {"value": value, "unit": "mm[Hg]", "code": "mm[Hg]"},
        }

    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
        key: when,
        "component": [part("8480-6", 190), part("8462-4", 115)],
    }


@pytest.mark.parametrize(
    ("when", "key", "first", "last"),
    [
        ("2026-11", "effectiveDateTime", date(2026, 11, 1), date(2026, 11, 30)),
        ("2024-02", "effectiveDateTime", date(2024, 2, 1), date(2024, 2, 29)),
        ("2026", "effectiveDateTime", date(2026, 1, 1), date(2026, 12, 31)),
        ({"start": "2026-11"}, "effectivePeriod", date(2026, 11, 1), date(2026, 11, 30)),
        ("2026-11-20", "effectiveDateTime", date(2026, 11, 20), None),
        ("2026-11-20T10:00:00Z", "effectiveDateTime", date(2026, 11, 20), None),
    ],
)
def test_the_reader_keeps_the_last_day_of_a_month_or_a_year(when, key, first, last) -> None:
    found, ignored = observations_from_fhir(
        _fhir_bp(when, key), "Observation/x", reader_measures(KB)
    )
    assert not ignored
    assert {(o.when, o.last) for o in found} == {(first, last)}


def test_a_form_authored_on_a_month_gives_its_readings_the_month() -> None:
    measures = reader_measures(KB)
    link = next(
        k[1] for k, v in measures.items() if k[0] == "questionnaire-item" and v[0] == "pain_score"
    )
    response = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "authored": "2026-11",
        "item": [{"linkId": link, "answer": [{"valueInteger": 8}]}],
    }
    _, observations, _, _ = questionnaire_response_from_fhir(response, "QR/1", measures)
    assert [(o.when, o.last) for o in observations] == [(date(2026, 11, 1), date(2026, 11, 30))]


def _records() -> list[PatientRecord]:
    """Records of readings of a month or a year, for the bulk SQL to agree on."""
    cases: list[list[Observation | list[Observation]]] = [
        [bp("e", 120, 80), bp("m", 190, 115, NOVEMBER)],
        [bp("e", 120, 80), bp("y", 190, 115, YEAR)],
        [bp("e", 190, 115), bp("m", 120, 80, NOVEMBER)],
        [bp("e", 170, 80), bp("m", 120, 80, NOVEMBER)],
        [bp("e", 170, 80), bp("m", 190, 80, NOVEMBER)],
        [bp("e", 120, 80), bp("m", 190, 115, OCTOBER)],
        [bp("m", 190, 115, NOVEMBER)],
        [bp("m", 120, 80, OCTOBER)],
        [bp("m", 120, 80, OCTOBER), bp("e", 130, 80, date(2026, 10, 15))],
        [bp("a", 120, 80), bp("b", 190, 115), bp("m", 150, 95, NOVEMBER)],
        [bp("m", 120, 80, NOVEMBER), bp("n", 190, 115, NOVEMBER)],
        [bp("m", 120, 80, NOVEMBER), bp("e", 190, 115, date(2026, 11, 1))],
        [bp("e", 120, 80), bp("m", 190, 115, (date(2026, 12, 1), date(2026, 12, 31)))],
        [reading("t", "body_temperature", 36.6), reading("m", "body_temperature", 38.9, NOVEMBER)],
        [reading("t", "body_temperature", 38.2), reading("m", "body_temperature", 36.6, NOVEMBER)],
        [reading("m", "body_temperature", 38.9, NOVEMBER)],
        [reading("m", "body_temperature", 36.6, NOVEMBER)],
        [reading("p", "pain_score", 2), reading("m", "pain_score", 8, NOVEMBER)],
        [reading("p", "platelets", 250), reading("m", "platelets", 30, YEAR)],
        [reading("p", "platelets", 30), reading("m", "platelets", 250, YEAR)],
    ]
    out = [record(*readings, pid=f"p{i}") for i, readings in enumerate(cases)]
    set_aside: list[tuple[list[Observation | list[Observation]], Ignored]] = [
        ([bp("e", 120, 80)], aside("x", "systolic_bp", NOVEMBER)),
        ([bp("e", 190, 115)], aside("x", "systolic_bp", NOVEMBER)),
        ([bp("e", 120, 80)], aside("x", "systolic_bp", OCTOBER)),
        ([bp("e", 120, 80)], aside("x", "diastolic_bp", YEAR)),
        ([], aside("x", "body_temperature", NOVEMBER)),
        ([reading("t", "body_temperature", 38.2)], aside("x", "body_temperature", NOVEMBER)),
        ([reading("p", "platelets", 250)], aside("x", "platelets", YEAR)),
    ]
    for i, (readings, ignored) in enumerate(set_aside):
        out.append(record(*readings, pid=f"x{i}", ignored=(ignored,)))
    return out


@pytest.mark.parametrize("offset", [0, -19, -3, 2, 10, 11, 40])
def test_bulk_sql_gives_the_engine_screening(offset) -> None:
    on = AS_OF + timedelta(days=offset)
    differ = bulk_mismatches(_records(), KB, on)
    assert not differ, differ
