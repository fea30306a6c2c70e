"""Readings of one day without the time they were taken: where their order is not known
and their values disagree, the measure is unknown (never ``allowed``); where they agree,
or the order is known, the latest decides as before (docs/screening.md)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from spinecare.engine.screening import screen_record
from spinecare.kb import load_kb
from spinecare.record.model import Observation, Patient, PatientRecord
from tests.conftest import AS_OF

KB = load_kb()

DAY = date(2026, 11, 19)
BASE = [
    Observation("t", "body_temperature", 36.6, "Cel", AS_OF),
    Observation("pain", "pain_score", 2, "{score}", AS_OF),
]


def bp(
    ref: str,
    systolic: float,
    diastolic: float,
    *,
    when: date = DAY,
    instant: float | None = None,
    in_order: bool = False,
) -> list[Observation]:
    return [
        Observation(
            f"{ref}s", "systolic_bp", systolic, "mm[Hg]", when, instant=instant, in_order=in_order
        ),
        Observation(
            f"{ref}d", "diastolic_bp", diastolic, "mm[Hg]", when, instant=instant, in_order=in_order
        ),
    ]


def record(*readings: list[Observation]) -> PatientRecord:
    observations = [o for pair in readings for o in pair] + BASE
    return PatientRecord(Patient("p", birth_date=date(1970, 3, 14)), observations=observations)


def screened(*readings: list[Observation], lang: str = "en") -> dict:
    return screen_record(record(*readings), KB, AS_OF, lang).to_json()


def _finding(out: dict, rule: str) -> dict:
    return next(f for f in out["findings"] if f["rule"] == rule)


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_untimed_readings_that_disagree_are_unknown_in_either_order(order) -> None:
    pairs = [bp("a", 190, 115), bp("b", 120, 80)]
    out = screened(*(pairs[i] for i in order))
    assert out["verdict"] == "needs_data"
    (missing,) = [m for m in out["missing"] if m["item"] == "blood_pressure"]
    assert "recorded without the time they were taken and disagree" in missing["why"]
    grade3 = _finding(out, "significant_hypertension")
    assert grade3["certainty"] == "unknown"
    shown = sorted((e["label"], e["value"]) for e in grade3["evidence"])
    # the lower counts as the day's mean (policy_blood_pressure): 155, said beside it
    assert ("Systolic blood pressure", 190) in shown and ("Systolic blood pressure", 155) in shown
    assert all(
        e["note"].startswith("the time of day it was taken is not recorded")
        for e in grade3["evidence"]
    )
    assert any(
        e["note"].endswith("the mean of this day's readings; this reading: 120 mm Hg")
        for e in grade3["evidence"]
    )


def test_the_missing_item_says_it_in_russian() -> None:
    out = screened(bp("a", 190, 115), bp("b", 120, 80), lang="ru")
    (missing,) = [m for m in out["missing"] if m["item"] == "blood_pressure"]
    assert "записаны без времени измерения и расходятся" in missing["why"]


def test_untimed_readings_that_agree_show_the_reading_shown_before() -> None:
    out = screened(bp("a", 118, 76), bp("b", 124, 82))
    assert out["verdict"] == "allowed"
    assert out["missing"] == []
    # the comparison is decided as before: by the last listed, the same evidence
    before = screen_record(
        record(bp("a", 118, 76, in_order=True), bp("b", 124, 82, in_order=True)), KB, AS_OF
    ).to_json()
    assert out["findings"] == before["findings"]


def test_both_high_defers_whichever_is_later() -> None:
    assert screened(bp("a", 185, 112), bp("b", 195, 118))["verdict"] == "defer"


LATE, EARLY = 1_795_000_000.0, 1_794_990_000.0


@pytest.mark.parametrize(
    ("first", "then", "verdict"),
    [
        # entered one after another: the one listed last is the later
        ({"in_order": True}, {"in_order": True}, "allowed"),
        # with their times: the later time decides whatever the listing
        ({"instant": EARLY}, {"instant": LATE}, "allowed"),
    ],
)
def test_a_known_order_decides_by_the_latest(first, then, verdict) -> None:
    assert screened(bp("a", 190, 115, **first), bp("b", 120, 80, **then))["verdict"] == verdict
    assert screened(bp("b", 120, 80, **then), bp("a", 190, 115, **first))["verdict"] == (
        verdict if "instant" in first else "defer"
    )


def test_an_untimed_reading_may_be_later_than_a_timed_one() -> None:
    out = screened(bp("a", 120, 80, instant=1_795_000_000.0), bp("b", 190, 115))
    assert out["verdict"] == "needs_data"
    # an untimed reading in a known order sorts before the timed ones, as before
    kept = screened(bp("a", 120, 80, instant=1_795_000_000.0), bp("b", 190, 115, in_order=True))
    assert kept["verdict"] == "allowed"


def test_a_newer_day_decides_over_an_earlier_day_that_disagrees() -> None:
    out = screened(bp("a", 190, 115), bp("b", 120, 80), bp("c", 122, 78, when=AS_OF))
    assert out["verdict"] == "allowed"


def test_the_highest_reading_is_found_whatever_the_order() -> None:
    fever = [
        Observation("t1", "body_temperature", 38.2, "Cel", AS_OF),
        Observation("t2", "body_temperature", 36.6, "Cel", AS_OF),
    ]
    rec = PatientRecord(
        Patient("p", birth_date=date(1970, 3, 14)),
        observations=[*bp("a", 120, 80, when=AS_OF), *fever, BASE[1]],
    )
    assert screen_record(rec, KB, AS_OF).verdict == "defer"


# A day's readings graded by their mean (KB policy_blood_pressure: ESC/ESH grade by the
# mean of two or more readings): a reading lower than the day's mean counts as the mean;
# the latest still decides where it is higher.


def test_a_raised_pressure_measured_again_lower_counts_as_the_days_mean() -> None:
    out = screened(bp("a", 190, 115, instant=EARLY), bp("b", 135, 85, instant=LATE))
    assert out["verdict"] == "needs_clearance"  # 162.5/100: grade 2, not the 135/85 alone
    grade2 = _finding(out, "moderate_hypertension")
    assert grade2["certainty"] == "present"
    shown = {e["label"]: (e["value"], e["note"]) for e in grade2["evidence"]}
    assert shown["Systolic blood pressure"] == (
        162.5,
        "the mean of this day's readings; this reading: 135 mm Hg",
    )
    assert shown["Diastolic blood pressure"][0] == 100


def test_a_pressure_that_rose_later_in_the_day_counts_as_its_latest_reading() -> None:
    out = screened(bp("a", 120, 80, instant=EARLY), bp("b", 190, 115, instant=LATE))
    assert out["verdict"] == "defer"
    evidence = _finding(out, "significant_hypertension")["evidence"]
    assert {e["value"] for e in evidence} == {190, 115}
    assert all(e.get("note") is None for e in evidence)


def test_only_the_days_own_readings_make_its_mean() -> None:
    yesterday = DAY - timedelta(days=1)
    out = screened(bp("a", 190, 115, when=yesterday), bp("b", 135, 85))
    assert out["verdict"] == "allowed"  # the latest day's one reading decides


def test_a_reading_dated_only_by_its_month_is_in_no_days_mean() -> None:
    month = [
        Observation("ms", "systolic_bp", 200, "mm[Hg]", date(2026, 11, 1), last=date(2026, 11, 30)),
        Observation(
            "md", "diastolic_bp", 120, "mm[Hg]", date(2026, 11, 1), last=date(2026, 11, 30)
        ),
    ]
    out = screened(month, bp("a", 130, 80, when=date(2026, 11, 1)))
    for finding in out["findings"]:
        for e in finding["evidence"]:
            assert "mean of this day" not in (e.get("note") or "")


def test_the_days_mean_is_said_in_russian() -> None:
    from spinecare.i18n import translate

    result = screen_record(
        record(bp("a", 190, 115, instant=EARLY), bp("b", 135, 85, instant=LATE)), KB, AS_OF, "ru"
    )
    notes = [translate(e.note, "ru") for f in result.findings for e in f.evidence if e.note]
    assert "среднее из измерений этого дня; само это измерение: 135 мм рт. ст." in notes


def test_a_days_mean_is_the_same_whatever_the_order_of_adding() -> None:
    # 160.1 and 159.9 average 160.0, grade 2: not 159.99999999999997, below it
    out = screened(bp("a", 160.1, 85, instant=EARLY), bp("b", 159.9, 85, instant=LATE))
    assert out["verdict"] == "needs_clearance"
    (shown,) = [e["value"] for e in _finding(out, "moderate_hypertension")["evidence"]]
    assert shown == 160.0
