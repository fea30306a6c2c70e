"""Forms: field errors beside the field with the input kept; conflicts; broken uploads."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
HTML = {"accept": "text/html"}
JSON = {"accept": "application/json"}


def _count(world: Any, model_name: str) -> int:
    from sqlalchemy import func, select

    from spinecare.store import models

    model = getattr(models, model_name)
    with world.app.state.db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_new_patient_form_rerenders_with_errors_and_keeps_input(signed_in, csrf) -> None:
    client = signed_in("therapist")
    token = csrf(client, "/patients/new")
    response = client.post(
        "/patients",
        headers=HTML,
        data={
            "csrf_token": token,
            "name": "Vera Typed",
            "birth_date": "1990-13-45",
            "sex": "alien",
            "notes": "kept note",
        },
    )
    assert response.status_code == 422
    assert 'id="err-birth_date"' in response.text
    assert "the month is from 1 to 12" in response.text  # what to correct in it
    assert 'value="Vera Typed"' in response.text  # what was typed is kept
    assert 'value="1990-13-45"' in response.text
    assert "kept note" in response.text
    assert "Traceback" not in response.text


def test_new_patient_json_twin_error_shape(signed_in, csrf) -> None:
    client = signed_in("therapist")
    response = client.post(
        "/patients", headers={**JSON, "x-csrf-token": csrf(client, "/patients")}, data={"name": ""}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert {"field": "name", "message": "required"} in error["details"]


def test_create_and_edit_patient(signed_in, csrf) -> None:
    client = signed_in("therapist")
    token = csrf(client, "/patients/new")
    response = client.post(
        "/patients",
        data={
            "csrf_token": token,
            "name": "Olga New",
            "birth_date": "1980-02-03",
            "phone": "+7 912 345-67-89",
            "notes": "prefers mornings",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = response.headers["location"]
    response = client.get(page + ".json")
    assert response.status_code == 200
    patient = response.json()["patient"]
    assert patient["name"] == "Olga New" and patient["external_id"].startswith("P")
    response = client.post(
        page + "/edit",
        headers=JSON,
        data={"csrf_token": token, "name": "Olga Renamed", "version": str(patient["version"])},
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Olga Renamed"
    assert response.json()["version"] == patient["version"] + 1
    # the details the request left out keep their values; one sent empty is cleared
    assert response.json()["birth_date"] == "1980-02-03"
    assert response.json()["phone"] == "+7 912 345-67-89"
    assert response.json()["notes"] == "prefers mornings"
    response = client.post(
        page + "/edit",
        headers=JSON,
        data={"csrf_token": token, "notes": "", "version": str(patient["version"] + 1)},
    )
    assert response.status_code == 200
    assert response.json()["notes"] is None and response.json()["name"] == "Olga Renamed"


def test_second_save_gets_version_conflict_and_nothing_is_overwritten(
    world, signed_in, csrf
) -> None:
    first, second = signed_in("therapist"), signed_in("admin")
    path = f"/patients/{world.demo_patient}/edit"
    version = first.get(path, headers=JSON).json()["version"]
    token1, token2 = csrf(first, path), csrf(second, path)
    response = first.post(
        path,
        headers=HTML,
        follow_redirects=False,
        data={"csrf_token": token1, "name": "First Save", "version": str(version)},
    )
    assert response.status_code == 303
    response = second.post(
        path,
        headers=HTML,
        data={"csrf_token": token2, "name": "Second Save", "version": str(version)},
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.text
    assert 'value="Second Save"' in response.text  # the second user's typing is kept
    response = second.get(f"/patients/{world.demo_patient}.json")
    assert response.status_code == 200
    assert response.json()["patient"]["name"] == "First Save"


def test_broken_fhir_upload_shows_error_page_and_stores_nothing(world, signed_in, csrf) -> None:
    client = signed_in("therapist")
    token = csrf(client, "/patients/import")
    before = {m: _count(world, m) for m in ("PatientRow", "Intake", "ObservationRow")}
    raw = (FIXTURES / "bundle-truncated.json").read_bytes()
    response = client.post(
        "/patients/import",
        headers=HTML,
        data={"csrf_token": token},
        files={"file": ("broken.json", raw, "application/json")},
    )
    assert response.status_code == 400
    assert "Nothing was stored." in response.text
    # the file's problem is said once, beside the file (the banner points to it)
    assert response.text.count("broken.json: not valid JSON") == 1
    assert '<span class="field-error" id="err-file" role="alert">broken.json: not valid JSON' in (
        response.text
    )
    assert "Traceback" not in response.text
    assert {m: _count(world, m) for m in before} == before


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("role", ["admin", "therapist"])
def test_an_upload_of_another_kind_is_said_once_in_the_apps_words(
    signed_in, csrf, role: str, lang: str
) -> None:
    """A file that is neither a FHIR Bundle nor an intake file, and a FHIR resource that
    is no Bundle: what is wrong is said once, beside the file (it was said in the banner
    too), and an intake file is called what the rest of the app calls it."""
    client = signed_in(role)
    token = csrf(client, "/login")
    assert (
        client.post(
            "/language", data={"language": lang, "csrf_token": token}, headers=JSON
        ).status_code
        == 200
    )
    token = csrf(client, "/patients/import")
    said = {
        "en": ("x.txt: neither an EHR record", "p.json: not a Bundle", "Nothing was stored."),
        "ru": ("x.txt: ни запись медицинской системы", "p.json: не Bundle", "Ничего не сохранено."),
    }[lang]
    for name, raw, words in (
        ("x.txt", b"just some notes", said[0]),
        ("p.json", b'{"resourceType": "Patient", "id": "p1"}', said[1]),
    ):
        response = client.post(
            "/patients/import",
            headers=HTML,
            data={"csrf_token": token},
            files={"file": (name, raw, "text/plain")},
        )
        assert response.status_code == 400, name
        assert said[2] in response.text
        assert response.text.count(words) == 1, (name, response.text[-2000:])
        assert f'id="err-file" role="alert">{words}' in response.text
        assert "файл приёма" not in response.text


def test_an_upload_is_named_by_what_it_holds_gzipped_or_not(signed_in, csrf) -> None:
    """A FHIR Bundle, plain or gzip-compressed, is a FHIR import on the patient's page and
    where a finding's facts were recorded; an intake file is an intake file."""
    import gzip

    client = signed_in("therapist")
    bundle = (FIXTURES / "bundle-herniation.json").read_bytes()
    intake = (Path(__file__).parents[1] / "fixtures" / "intake" / "minimal.yaml").read_bytes()
    for name, raw, said in (
        ("bundle.json", bundle, "FHIR import"),
        ("bundle.json.gz", gzip.compress(bundle), "FHIR import"),
        ("minimal.yaml", intake, "intake file"),
    ):
        response = client.post(
            "/patients/import",
            data={"csrf_token": csrf(client, "/patients/import")},
            files={"file": (name, raw, "application/octet-stream")},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        patient = response.headers["location"].removesuffix("/screening")
        intakes = client.get(patient, headers=JSON).json()["intakes"]  # newest first
        assert intakes[0]["source"] == ("file" if said == "intake file" else "fhir"), name
        page = client.get(f"{patient}/intakes/{intakes[0]['id']}", headers=HTML).text
        assert f"<dd>{said} (" in page, name


def test_fhir_upload_creates_patient_and_screens(signed_in, csrf) -> None:
    client = signed_in("therapist")
    token = csrf(client, "/patients/import")
    raw = (FIXTURES / "bundle-herniation.json").read_bytes()
    response = client.post(
        "/patients/import",
        data={"csrf_token": token},
        files={"file": ("bundle.json", raw, "application/json")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    response = client.get(response.headers["location"] + "?as_of=2026-11-20", headers=JSON)
    assert response.status_code == 200
    assert response.json()["patient"]["name"] == "Boris Bundle"
    assert response.json()["screening"]["verdict"] in {"needs_clearance", "needs_data"}


def _intake_fields(token: str, **extra: str) -> dict[str, str]:
    return {"csrf_token": token, "day": date.today().isoformat(), **extra}


def test_intake_form_validates_units_and_ranges_and_keeps_input(world, signed_in, csrf) -> None:
    client = signed_in("therapist")
    path = f"/patients/{world.demo_patient}/intake"
    token = csrf(client, path)
    before = _count(world, "Intake")
    response = client.post(
        path,
        headers=HTML,
        data=_intake_fields(
            token,
            systolic="80",
            diastolic="120",
            temperature="98.6",
            temperature_unit="Cel",
            pain="11",
            q_fever_today="maybe",
            cond_zone_0="collar_zone",
            day=(date.today() + timedelta(days=2)).isoformat(),
        ),
    )
    assert response.status_code == 422
    text = response.text
    assert "systolic must be above diastolic" in text
    assert "98.6 °C is outside the plausible range" in text
    assert "a whole number from 0" in text
    assert "yes, no, or leave unanswered" in text
    assert "choose the condition" in text
    assert "this date has not come yet" in text
    assert 'value="98.6"' in text and 'value="11"' in text
    assert _count(world, "Intake") == before


def test_intake_fahrenheit_is_converted(world, signed_in, csrf) -> None:
    client = signed_in("therapist")
    path = f"/patients/{world.demo_patient}/intake"
    response = client.post(
        path,
        headers=JSON,
        data=_intake_fields(csrf(client, path), temperature="100.4", temperature_unit="[degF]"),
    )
    assert response.status_code == 201
    response = client.get(f"/patients/{world.demo_patient}/screening.json")
    assert response.status_code == 200
    fever = [f for f in response.json()["screening"]["findings"] if f["concept"] == "fever"]
    assert fever and fever[0]["certainty"] == "present"  # 100.4 °F = 38 °C


def test_unanswered_questions_stay_missing(world, signed_in, csrf) -> None:
    """A new patient with only blood pressure: fever is not answered, so needs_data."""
    client = signed_in("therapist")
    token = csrf(client, "/patients/new")
    response = client.post("/patients", headers=JSON, data={"csrf_token": token, "name": "Unasked"})
    assert response.status_code == 201
    pid = response.json()["id"]
    path = f"/patients/{pid}/intake"
    response = client.post(
        path,
        headers=JSON,
        data=_intake_fields(token, systolic="120", diastolic="80", q_pregnant="no"),
    )
    assert response.status_code == 201
    response = client.get(f"/patients/{pid}/screening.json")
    assert response.status_code == 200
    screening = response.json()["screening"]
    assert screening["verdict"] == "needs_data"
    assert "body_temperature" in {m["item"] for m in screening["missing"]}
    from sqlalchemy import select

    from spinecare.store.models import AnswerRow

    with world.app.state.db.session() as session:
        answers = session.scalars(select(AnswerRow).where(AnswerRow.patient_id == pid)).all()
        assert {(a.question, a.value) for a in answers} == {("pregnant", False)}


def test_user_form_errors_keep_input_but_not_password(signed_in, csrf) -> None:
    client = signed_in("admin")
    token = csrf(client, "/users")
    response = client.post(
        "/users",
        headers=HTML,
        data={
            "csrf_token": token,
            "username": "therapist",
            "password": "short",
            "role": "therapist",
            "full_name": "Kept Name",
        },
    )
    assert response.status_code == 422
    assert "is taken" in response.text and "at least 8 characters" in response.text
    assert 'value="Kept Name"' in response.text
    assert 'value="short"' not in response.text


def test_fhir_upload_from_an_ehr_keeps_the_patients_ehr_id(world, signed_in, csrf) -> None:
    import json

    from sqlalchemy import select

    from spinecare.store.models import PatientIdentifier

    bundle = json.loads((FIXTURES / "bundle-herniation.json").read_bytes())
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "Patient":
            entry["resource"]["id"] = "3"
            entry["fullUrl"] = "https://EHR.example.org/fhir/Patient/3"
        else:  # about that patient (another patient's data would refuse the Bundle)
            entry["resource"]["subject"] = {"reference": "Patient/3"}
    client = signed_in("therapist")
    token = csrf(client, "/patients/import")
    response = client.post(
        "/patients/import",
        data={"csrf_token": token},
        files={"file": ("bundle.json", json.dumps(bundle).encode(), "application/json")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    patient_id = int(response.headers["location"].split("/")[2])
    with world.app.state.db.session() as session:
        rows = session.scalars(select(PatientIdentifier)).all()
        assert [(r.system, r.value, r.patient_id) for r in rows] == [
            ("https://ehr.example.org/fhir", "3", patient_id)
        ]


def test_a_past_intake_shows_the_readings_it_set_aside(world, signed_in, csrf) -> None:
    """An imported record's temperature in a unit that cannot be converted showed as
    "Measurements: none recorded" on its intake page, while the screening said why it was
    set aside: the intake lists it, set aside, with the reason."""
    import json

    day = date.today().isoformat()
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "Patient",
                    "id": "furlong-1",
                    "name": [{"text": "Ada Furlong"}],
                }
            },
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "subject": {"reference": "Patient/furlong-1"},
                    "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]},
                    "effectiveDateTime": day,
                    "valueQuantity": {"value": 37.2, "unit": "furlong"},
                }
            },
        ],
    }
    client = signed_in("therapist")
    token = csrf(client, "/patients/import")
    r = client.post(
        "/patients/import",
        headers=JSON,
        data={"csrf_token": token},
        files={"file": ("ada.json", json.dumps(bundle).encode(), "application/json")},
    )
    assert r.status_code == 201, r.text[:300]
    pid = r.json()["id"]
    intake = client.get(f"/patients/{pid}", headers=JSON).json()["intakes"][0]["id"]
    page = client.get(f"/patients/{pid}/intakes/{intake}", headers=HTML).text
    assert "None recorded." not in page.split("<h2>Answers")[0]
    assert "Set aside" in page and "furlong" in page


@pytest.mark.parametrize(
    ("field", "typed", "said"),
    [
        ("day", "0226-11-20", "check the year"),
        ("day", "9999-01-01", "this date has not come yet"),
        ("cond_onset_0", "1899-05-01", "check the year"),
    ],
)
def test_a_date_with_a_wrong_year_is_said_beside_its_field(
    world, signed_in, csrf, field: str, typed: str, said: str
) -> None:
    """A year typed wrong (0226, 1899, 9999) is said beside the field on the form, with
    the rest of what was typed kept (it was an error page that lost the form)."""
    client = signed_in("therapist")
    path = f"/patients/{world.demo_patient}/intake"
    fields = _intake_fields(csrf(client, path), systolic="135", diastolic="85")
    if field.startswith("cond_"):
        fields |= {"cond_concept_0": "osteoporosis"}
    response = client.post(path, headers=HTML, data={**fields, field: typed})
    assert response.status_code == 422
    assert said in response.text and 'value="135"' in response.text
    assert '<form method="post"' in response.text  # the form, not an error page


def test_a_course_start_years_ahead_is_refused_beside_the_field(world, signed_in, csrf) -> None:
    client = signed_in("therapist")
    path = f"/patients/{world.own_patient}/courses"
    token = csrf(client, f"/patients/{world.own_patient}/course/new")
    response = client.post(path, headers=JSON, data={"csrf_token": token, "start": "9999-01-01"})
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["error"]["details"]] == ["start"]
