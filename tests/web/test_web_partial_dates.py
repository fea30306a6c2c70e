"""Readings and answers the record dates only by a month or a year ("2021-03", "2020"):
the pages that list them (the intake view, the screening page, the course plan page, the
referral letter) show the date as the record gives it, "March 2021" or "2020" in the
reader's language, never its first day as if the day were known."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import HTML, PASSWORDS, csrf_of, login

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ehr"
SAID = {
    # the month, the year; then what a page must never show for them (the first days)
    "en": ("March 2021", "2020", ("1 Mar 2021", "1 Jan 2020")),
    "ru": ("март 2021", "2020 г.", ("1 мар. 2021", "1 янв. 2020")),
}
ANSWER = {"en": "November 2026", "ru": "ноябрь 2026"}
LATEST = {"en": "(latest March 2021)", "ru": "(последние — март 2021"}


def _client(world: Any, lang: str) -> Any:
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    data = {"csrf_token": csrf_of(client, "/login"), "language": lang, "next": "/"}
    assert client.post("/language", data=data, headers=HTML).status_code == 200
    return client


def _upload(client: Any, bundle: dict[str, Any]) -> str:
    """The patient page of the uploaded record."""
    r = client.post(
        "/patients/import",
        data={"csrf_token": csrf_of(client, "/patients/import")},
        files={"file": ("record.json", json.dumps(bundle).encode(), "application/json")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:300]
    return re.sub(r"/screening$", "", str(r.headers["location"]))


def _partly_dated() -> dict[str, Any]:
    """A lumbar osteochondrosis with a temperature of 2026-11-20, a blood pressure dated
    only "2021-03", a pain score dated only "2020" and an operation the screening does not
    use (an appendectomy) dated only "2020"."""
    bundle = json.loads((FIXTURES / "bp_month_only_high_alone.json").read_text())
    for entry in bundle["entry"]:
        resource = entry["resource"]
        code = resource.get("code", {}).get("coding", [{}])[0].get("code")
        if code == "85354-9":
            resource["effectiveDateTime"] = "2021-03"
        elif code == "72514-3":
            resource["effectiveDateTime"] = "2020"
    operation = {
        "resourceType": "Procedure",
        "id": "appendectomy",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "code": {"text": "Appendectomy"},
        "performedDateTime": "2020",
    }
    bundle["entry"].append({"fullUrl": "urn:uuid:appendectomy", "resource": operation})
    return bundle


def _shown(page: str) -> str:
    """The page's words, without its markup (the dates of the facts among them)."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_readings_of_a_month_or_a_year_are_shown_as_the_record_dates_them(
    world: Any, lang: str
) -> None:
    month, year, never = SAID[lang]
    client = _client(world, lang)
    patient = _upload(client, _partly_dated())
    # the intake view: the readings' dates
    page = client.get(patient, headers=HTML).text
    (intake,) = set(re.findall(rf"{patient}/intakes/\d+", page))
    r = client.get(intake, headers=HTML)
    assert r.status_code == 200
    shown = _shown(r.text)
    assert month in shown and f">{year}</td>" in " ".join(r.text.split())  # "2020 г."
    assert re.search(rf"Appendectomy ?, {re.escape(year)}(?!\d)", shown), shown  # then the year
    # the screening page: the readings that decided (too old), and what is missing
    r = client.get(f"{patient}/screening?as_of=2026-11-20", headers=HTML)
    assert r.status_code == 200
    screening = _shown(r.text)
    assert f"({month}" in screening
    # an operation the screening does not use, listed beside it
    assert re.search(rf"Appendectomy ?\({re.escape(year)}\)", screening), screening
    assert LATEST[lang] in screening
    # the course plan page (today's plan): why it is not ready names the reading's month
    r = client.get(f"{patient}/course/new", headers=HTML)
    assert r.status_code == 200
    plan = _shown(r.text)
    assert LATEST[lang] in plan
    for text in (shown, screening, plan):
        for first_day in never:
            assert first_day not in text, first_day
    # the JSON twins keep the dates whole: the first and the last day
    twin = client.get(
        f"{patient}/screening?as_of=2026-11-20", headers={"accept": "application/json"}
    )
    evidence = [e for f in twin.json()["screening"]["findings"] for e in f["evidence"]]
    assert {"date": "2021-03-01", "last": "2021-03-31"}.items() <= next(
        e for e in evidence if e.get("date") == "2021-03-01"
    ).items()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_an_answer_of_a_month_is_shown_as_the_record_dates_it(world: Any, lang: str) -> None:
    """A form authored only "2026-11" with a red-flag yes: the screening page and the
    referral letter show the answer of November 2026, not of 1 November."""
    client = _client(world, lang)
    bundle = json.loads((FIXTURES / "questionnaire_month_only_yes_alone.json").read_text())
    patient = _upload(client, bundle)
    for address in (
        f"{patient}/screening?as_of=2026-11-20",
        f"{patient}/referral?as_of=2026-11-20",
    ):
        r = client.get(address, headers=HTML)
        assert r.status_code == 200, address
        shown = _shown(r.text)
        assert f"({ANSWER[lang]}" in shown, address
        assert "1 Nov 2026" not in shown and "1 нояб. 2026" not in shown, address


@pytest.mark.parametrize(
    ("lang", "origin"),
    [
        ("en", "(the patient's record: observation of March 2021)"),
        ("ru", "(карта пациента: наблюдение за март 2021\u202fг.)"),
    ],
)
def test_a_fact_in_words_says_the_month_it_is_dated_by(lang: str, origin: str) -> None:
    """The CLI's text, the handout and the CDS Hooks cards say a fact in words
    (``evidence_text``): a reading of a month is of that month."""
    from datetime import date

    from spinecare.engine.evaluate import Evidence
    from spinecare.wording import evidence_text

    reading = Evidence(
        ref="Observation/bp",
        kind="observation",
        label="BP",
        value=190.0,
        unit="mm[Hg]",
        date=date(2021, 3, 1),
        last=date(2021, 3, 31),
    )
    assert evidence_text(reading, lang).endswith(origin)
    whole = Evidence(
        ref="Observation/bp", kind="observation", label="BP", value=1.0, date=date(2021, 3, 1)
    )
    assert "2021" in evidence_text(whole, lang) and "March" not in evidence_text(whole, lang)


def _conditions_drugs_born() -> dict[str, Any]:
    """The record above with a deep vein thrombosis since "2021-03", a rhinitis since
    "2020" (not used by the screening), warfarin prescribed "2020" and a birth date
    given only as "1970"."""
    bundle = json.loads((FIXTURES / "bp_month_only_high_alone.json").read_text())
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "Patient":
            entry["resource"]["birthDate"] = "1970"
    active = {
        "coding": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": "active",
            }
        ]
    }
    subject = {"reference": "Patient/p1"}
    icd10 = "http://hl7.org/fhir/sid/icd-10"
    added = [
        {
            "resourceType": "Condition",
            "id": "dvt",
            "subject": subject,
            "clinicalStatus": active,
            "code": {"coding": [{"system": icd10, "code": "I80.2", "display": "Phlebitis"}]},
            "onsetDateTime": "2021-03",
        },
        {
            "resourceType": "Condition",
            "id": "rhinitis",
            "subject": subject,
            "clinicalStatus": active,
            "code": {"text": "Seasonal allergic rhinitis"},
            "onsetDateTime": "2020",
        },
        {
            "resourceType": "MedicationRequest",
            "id": "warf",
            "status": "active",
            "intent": "order",
            "subject": subject,
            "medicationCodeableConcept": {
                "coding": [
                    {
                        "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                        "code": "855332",
                        "display": "Warfarin Sodium 5 MG Oral Tablet",
                    }
                ]
            },
            "authoredOn": "2020",
        },
    ]
    bundle["entry"].extend({"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in added)
    return bundle


SHOWN = {
    # born, the intake view's conditions, the screening page's evidence and entries not
    # used; then what a page must never show (first or last days)
    "en": (
        "Born 1970",
        ("Phlebitis , since March 2021", "Seasonal allergic rhinitis , since 2020"),
        ("Phlebitis (March 2021)", "Warfarin Sodium 5 MG Oral Tablet (2020)", "rhinitis (2020)"),
        ("31 Dec 1970", "1 Jan 1970", "1 Mar 2021", "1 Jan 2020"),
    ),
    "ru": (
        "Дата рождения 1970 г.",
        ("Phlebitis , с марта 2021 г.", "Seasonal allergic rhinitis , с 2020 г."),
        (
            "Phlebitis (март 2021 г.)",
            "Warfarin Sodium 5 MG Oral Tablet (2020 г.)",
            "rhinitis (2020 г.)",
        ),
        ("31 дек. 1970", "1 янв. 1970", "1 мар. 2021", "1 янв. 2020"),
    ),
}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_conditions_drugs_and_a_birth_year_are_shown_as_the_record_dates_them(
    world: Any, lang: str
) -> None:
    born, intake_says, screening_says, never = SHOWN[lang]
    client = _client(world, lang)
    patient = _upload(client, _conditions_drugs_born())
    page = client.get(patient, headers=HTML).text
    texts = [_shown(page)]
    assert born in texts[0]
    (intake,) = set(re.findall(rf"{patient}/intakes/\d+", page))
    texts.append(_shown(client.get(intake, headers=HTML).text))
    for said in intake_says:
        assert said in texts[-1], said
    r = client.get(f"{patient}/screening?as_of=2026-11-20", headers=HTML)
    assert r.status_code == 200
    texts.append(_shown(r.text))
    for said in screening_says:
        assert said in texts[-1], said
    for text in texts:
        for day in never:
            assert day not in text, day
    # the details: a whole birth date typed in replaces the year
    path = f"{patient}/edit"
    details = client.get(path, headers={"accept": "application/json"}).json()
    assert (details["birth_date"], details["birth_first"]) == ("1970-12-31", "1970-01-01")
    form = {
        "csrf_token": csrf_of(client, path),
        "name": details["name"],
        "version": str(details["version"]),
    }
    saved = client.post(path, headers={"accept": "application/json"}, data=form).json()
    assert saved["birth_first"] == "1970-01-01"  # left as it was: still the year
    form = {**form, "version": str(saved["version"]), "birth_date": "1970-05-02"}
    saved = client.post(path, headers={"accept": "application/json"}, data=form).json()
    assert (saved["birth_date"], saved["birth_first"]) == ("1970-05-02", None)
