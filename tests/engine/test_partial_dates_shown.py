"""A condition's onset and abatement, a drug's start and end and a patient's birth date
that the record gives only as a month or a year ("2021-03", "1970") are shown as the
record gives them ("March 2021", "с марта 2021 г.", "1970", "1970 г."), never as one
day: in the evidence, its notes, the entries not used and the texts of the CLI and the
cards. What the screening decides is unchanged (the dates it reads are as before)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from spinecare.engine.notes import condition_note, recent_medication_note
from spinecare.engine.screening import screen_record
from spinecare.fhir.reader import condition_from_fhir, medication_from_fhir, patient_from_fhir
from spinecare.i18n import date_precision, day_text, translate
from spinecare.kb import load_kb
from spinecare.messages import Day, Message, message_data, message_of
from spinecare.record.model import (
    Coding,
    Condition,
    Medication,
    Observation,
    Patient,
    PatientRecord,
)
from spinecare.wording import evidence_text, note_text
from tests.conftest import AS_OF

KB = load_kb()
MARCH = (date(2021, 3, 1), date(2021, 3, 31))
YEAR = (date(2020, 1, 1), date(2020, 12, 31))


def test_a_year_alone_reads_as_russian_writes_it() -> None:
    assert day_text(date(2026, 1, 1), "en", date(2026, 12, 31)) == "2026"
    assert day_text(date(2026, 1, 1), "ru", date(2026, 12, 31)) == "2026\u202fг."
    assert day_text(date(2026, 11, 1), "ru", date(2026, 11, 30)) == "ноябрь 2026\u202fг."
    # after "since" ("с"), the month as a whole date writes it
    assert day_text(date(2026, 11, 1), "ru", date(2026, 11, 30), since=True) == (
        "ноября 2026\u202fг."
    )
    assert day_text(date(2026, 11, 1), "en", date(2026, 11, 30), since=True) == "November 2026"


def test_a_span_of_part_of_a_month_is_no_month() -> None:
    assert date_precision(date(2026, 11, 1), date(2026, 11, 15)) == "period"
    assert date_precision(date(2026, 11, 1), date(2026, 11, 30)) == "month"


def test_a_day_of_a_month_keeps_its_span_when_kept() -> None:
    note = Message("ended %(period)s", period=Day(*MARCH))
    again = message_of(message_data(note))
    assert translate(again, "en") == "ended March 2021"
    assert translate(again, "ru") == "окончание — март 2021\u202fг."


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (
            {"onsetDateTime": "2021-03", "recordedDate": "2021", "abatementDateTime": "2026"},
            {
                "onset": date(2021, 3, 1),
                "onset_last": date(2021, 3, 31),
                "recorded": date(2021, 1, 1),
                "recorded_last": date(2021, 12, 31),
                "abatement": date(2026, 12, 31),  # read as its last day, as before
                "abatement_first": date(2026, 1, 1),
            },
        ),
        (
            {"onsetPeriod": {"start": "2020"}, "abatementPeriod": {"end": "2026-11"}},
            {
                "onset": date(2020, 1, 1),
                "onset_last": date(2020, 12, 31),
                "abatement": date(2026, 11, 30),
                "abatement_first": date(2026, 11, 1),
            },
        ),
        (
            {"onsetDateTime": "2021-03-04", "abatementDateTime": "2026-11-02"},
            {"onset_last": None, "abatement_first": None, "recorded_last": None},
        ),
    ],
)
def test_the_reader_keeps_a_condition_s_month_or_year(resource: dict, expected: dict) -> None:
    c = condition_from_fhir({"resourceType": "Condition", "code": {"text": "x"}, **resource}, "C")
    for key, value in expected.items():
        assert getattr(c, key) == value, key


def test_the_reader_keeps_a_drug_s_and_a_birth_date_s_month_or_year() -> None:
    m = medication_from_fhir(
        {
            "resourceType": "MedicationStatement",
            "status": "completed",
            "medicationCodeableConcept": {"text": "Warfarin"},
            "effectivePeriod": {"start": "2020", "end": "2026-10"},
        },
        "M",
    )
    assert (m.start, m.start_last) == YEAR
    assert (m.end_first, m.end) == (date(2026, 10, 1), date(2026, 10, 31))
    p = patient_from_fhir({"resourceType": "Patient", "id": "p", "birthDate": "1970"}, "P")
    assert (p.birth_first, p.birth_date) == (date(1970, 1, 1), date(1970, 12, 31))
    whole = patient_from_fhir(
        {"resourceType": "Patient", "id": "p", "birthDate": "1970-05-02"}, "P"
    )
    assert whole.birth_first is None


DVT = Coding("icd10", "I80.2", "Phlebitis of deep vessels")
WARFARIN = Coding("rxnorm", "855332", "Warfarin Sodium 5 MG Oral Tablet")


def _record(birth: tuple[date, date] = (date(1970, 3, 14), date(1970, 3, 14))) -> PatientRecord:
    first, last = birth
    return PatientRecord(
        Patient("p", birth_date=last, birth_first=first if first != last else None),
        conditions=[
            Condition(
                "Condition/dvt",
                (DVT,),
                clinical_status="active",
                onset=MARCH[0],
                onset_last=MARCH[1],
            ),
            Condition(
                "Condition/rhinitis",
                text="Seasonal allergic rhinitis",
                clinical_status="active",
                onset=YEAR[0],
                onset_last=YEAR[1],
            ),
            Condition("Condition/pain", (Coding("icd10", "M54.5", "Low back pain"),), onset=AS_OF),
        ],
        medications=[
            Medication(
                "MedicationRequest/warf",
                (WARFARIN,),
                status="active",
                start=YEAR[0],
                start_last=YEAR[1],
            )
        ],
        observations=[
            Observation("t", "body_temperature", 36.6, "Cel", AS_OF),
            Observation("s", "systolic_bp", 120, "mm[Hg]", AS_OF),
            Observation("d", "diastolic_bp", 80, "mm[Hg]", AS_OF),
        ],
    )


def _evidence(out, ref: str):
    return next(e for f in out.findings for e in f.evidence if e.ref == ref)


@pytest.mark.parametrize(
    ("lang", "since", "drug", "unused"),
    [
        ("en", "since March 2021", ", 2020 (the patient's record: prescription of 2020)", "(2020)"),
        (
            "ru",
            "с марта 2021\u202fг.",
            ", 2020\u202fг. (карта пациента: назначение препарата за 2020\u202fг.)",
            "(2020 г.)",
        ),
    ],
)
def test_a_condition_and_a_drug_are_dated_as_the_record_dates_them(
    lang: str, since: str, drug: str, unused: str
) -> None:
    record = _record()
    out = screen_record(record, KB, AS_OF, lang)
    dvt = _evidence(out, "Condition/dvt")
    assert (dvt.date, dvt.last) == MARCH
    assert since in evidence_text(dvt, lang)
    assert "1 Mar" not in evidence_text(dvt, lang) and "1 мар." not in evidence_text(dvt, lang)
    warfarin = _evidence(out, "MedicationRequest/warf")
    assert (warfarin.date, warfarin.last) == YEAR
    assert evidence_text(warfarin, lang).endswith(drug), evidence_text(warfarin, lang)
    # the entry the screening does not use is dated so too
    (rhinitis,) = [n for n in out.not_used() if n.ref == "Condition/rhinitis"]
    assert (rhinitis.date, rhinitis.last) == YEAR
    # the CLI's text output
    import io

    from rich.console import Console

    from spinecare.render import render_screening

    console = Console(file=io.StringIO(), width=200)
    render_screening(out, console)
    text = " ".join(console.file.getvalue().split())
    assert re.search(rf"Seasonal allergic rhinitis\W+{re.escape(unused)}", text), text


def test_the_verdict_is_as_for_the_first_day() -> None:
    """The dates read are as before: the screening decides the same with or without the
    last days kept (they change only how the date is shown)."""
    record = _record()
    plain = PatientRecord(
        record.patient,
        conditions=[
            Condition(c.ref, c.codings, c.concept, c.text, c.clinical_status, onset=c.onset)
            for c in record.conditions
        ],
        medications=[
            Medication(m.ref, m.codings, status=m.status, start=m.start) for m in record.medications
        ],
        observations=record.observations,
    )
    a = screen_record(record, KB, AS_OF, "en").to_json()
    b = screen_record(plain, KB, AS_OF, "en").to_json()
    assert a["verdict"] == b["verdict"]
    assert [f["rule"] for f in a["findings"]] == [f["rule"] for f in b["findings"]]


@pytest.mark.parametrize(
    ("lang", "born"), [("en", "(born 2010)"), ("ru", "рождения 2010\u202fг.)")]
)
def test_a_birth_year_is_shown_as_a_year(lang: str, born: str) -> None:
    record = _record(birth=(date(2010, 1, 1), date(2010, 12, 31)))
    out = screen_record(record, KB, AS_OF, lang)
    age = next(e for f in out.findings for e in f.evidence if e.kind == "patient")
    assert (age.date, age.last) == (date(2010, 1, 1), date(2010, 12, 31))
    assert born in evidence_text(age, lang), evidence_text(age, lang)


@pytest.mark.parametrize(
    ("lang", "ended", "ahead", "recent"),
    [
        (
            "en",
            "currently active; ended November 2026",
            "onset March 2021 lies ahead",
            "last recorded 2026, within",
        ),
        (
            "ru",
            "в активной фазе; окончание — ноябрь 2026\u202fг.",
            "начало (март 2021\u202fг.) ещё не наступило",
            "последняя запись — 2026\u202fг., в пределах",
        ),
    ],
)
def test_the_notes_name_a_month_or_a_year_as_such(
    lang: str, ended: str, ahead: str, recent: str
) -> None:
    note = condition_note(
        "active",
        date(2026, 11, 30),
        contradictory=False,
        onset_ahead=None,
        match=None,
        abatement_first=date(2026, 11, 1),
    )
    assert note_text(note, lang) == ended
    note = condition_note(
        None, None, contradictory=False, onset_ahead=MARCH[0], match=None, onset_last=MARCH[1]
    )
    assert ahead in note_text(note, lang)
    note = recent_medication_note(date(2026, 1, 1), date(2026, 12, 31), 14)
    assert note_text(note, lang).startswith(recent)
    # a whole date, as before
    whole = condition_note(
        "active", date(2026, 11, 2), contradictory=False, onset_ahead=None, match=None
    )
    assert "2 Nov 2026" in note_text(whole, "en")
