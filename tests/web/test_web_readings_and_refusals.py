"""What a reader sees of a record's readings (rounded as the measure is taken, in the
reader's language, the record's value kept) and of the refusals the web framework makes
before a form reaches the app (too many fields, a malformed multipart body): the one
error envelope or error page, in the reader's language."""

from __future__ import annotations

import gzip
import json
import re
from typing import Any

import pytest

from tests.conftest import DATA
from tests.web.conftest import HTML, JSON, PASSWORDS, csrf_of, login
from tests.web.pagescan import text_problems, visible_texts

SYNTHEA = DATA / "synthea" / "r4-bundles-2019"
HARTMANN = "Adalberto_Hartmann_44ec4447-9e2c-4eb9-bd4f-0bdb416b806e.json.gz"
"""A Synthea patient whose readings carry a dozen decimals (pain 0.6350274169362726,
platelets 247.22010304664067 in 10*3/uL)."""
LONG_NUMBER = re.compile(r"\d[.,]\d{4,}")
FORM = {"content-type": "application/x-www-form-urlencoded"}
TOO_MANY_FIELDS = "&".join(f"f{i}=1" for i in range(1_100))
NO_FIELD_NAME = b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n"
"""A multipart part without its field's name."""
EMPTY_FIELDS = "&" * 2_000_000
"""Two million empty fields: refused before any is read (each read took the server's
time: 4.5 s for one anonymous post of 5 MB)."""
MANY_PARTS = b"--b\r\n" * 5_000 + b"--b--\r\n"
REFUSALS: list[tuple[str, dict[str, str], bytes | str]] = [
    ("/patients", FORM, TOO_MANY_FIELDS),
    ("/login", FORM, TOO_MANY_FIELDS),
    ("/login", FORM, EMPTY_FIELDS),
    ("/patients/import", {"content-type": "multipart/form-data; boundary=b"}, MANY_PARTS),
    ("/patients/import", {"content-type": "multipart/form-data; boundary=b"}, NO_FIELD_NAME),
    ("/patients/import", {"content-type": "multipart/form-data"}, b"no boundary"),
]
SAID = {
    "en": ("too many fields", "incomplete or malformed"),
    "ru": ("слишком много полей", "неполной или повреждённой"),
}
STARLETTE = re.compile(r"Too many fields\.|Content-Disposition|multipart|boundary")


def _words(lang: str, path: str, body: bytes | str) -> str:
    return SAID[lang][0] if path != "/patients/import" or body is MANY_PARTS else SAID[lang][1]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_form_the_framework_refuses_is_said_in_the_readers_language(
    world: Any, lang: str
) -> None:
    """Starlette refuses a form of over 1,000 fields and a multipart body it cannot parse
    with English words of its own ("Too many fields. Maximum number of fields is 1000.",
    "Missing boundary in multipart."): the page and the JSON envelope say it in the
    reader's words and language."""
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    chosen = {"csrf_token": csrf_of(client, "/login"), "language": lang}
    assert client.post("/language", data=chosen, headers=JSON).status_code == 200
    header = {"accept-language": "en" if lang == "ru" else "ru"}  # the user's choice decides
    for path, kind, body in REFUSALS:
        sent = body.encode() if isinstance(body, str) else body
        r = client.post(path, content=sent, headers={**JSON, **header, **kind})
        assert r.status_code == 400, (path, r.text[:300])
        error = r.json()["error"]
        assert set(error) == {"status", "code", "message"} and error["status"] == 400
        assert _words(lang, path, body) in error["message"], (path, error)
        assert not STARLETTE.search(error["message"]), error
        r = client.post(path, content=sent, headers={**HTML, **header, **kind})
        assert r.status_code == 400, (path, r.text[:300])
        assert f'<html lang="{lang}">' in r.text
        assert _words(lang, path, body) in r.text, path
        assert not STARLETTE.search(r.text), path
        assert text_problems(visible_texts(r.text, lang), lang) == []


def test_a_bare_framework_refusal_is_said_in_the_readers_language(world: Any) -> None:
    """An address that is not one, or a method it does not take: the framework's English
    status phrase ("Not Found", "Method Not Allowed") is said in the request's language."""
    client = world.client()
    ru = {**JSON, "accept-language": "ru"}
    r = client.get("/no-such-page", headers=ru)
    assert r.status_code == 404
    assert r.json()["error"] == {
        "status": 404,
        "code": "not_found",
        "message": "по этому адресу ничего не найдено",
    }
    r = client.put("/login", headers=ru)
    assert r.status_code == 405
    assert r.json()["error"]["message"] == "этот адрес не принимает такой запрос"
    r = client.put("/login", headers=JSON)
    assert r.json()["error"]["message"] == "this address does not take this kind of request"


def _import_synthea(client: Any) -> str:
    """The Synthea patient, with a temperature recorded in Fahrenheit; its patient page."""
    with gzip.open(SYNTHEA / HARTMANN) as f:
        bundle = json.loads(f.read())
    patient = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    bundle["entry"].append(
        {
            "fullUrl": "urn:uuid:temperature-1",
            "resource": {
                "resourceType": "Observation",
                "id": "temperature-1",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]},
                "subject": {"reference": f"urn:uuid:{patient['id']}"},
                "effectiveDateTime": "2021-03-31",
                "valueQuantity": {
                    "value": 100.0,
                    "unit": "degF",
                    "system": "http://unitsofmeasure.org",
                    "code": "[degF]",
                },
            },
        }
    )
    r = client.post(
        "/patients/import",
        data={"csrf_token": csrf_of(client, "/patients/import")},
        files={"file": ("synthea.json", json.dumps(bundle).encode(), "application/json")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:300]
    return re.sub(r"/screening$", "", str(r.headers["location"]))


@pytest.mark.parametrize(
    ("lang", "temperature", "pain", "platelets"),
    [
        ("en", "37.7 °C", "0.6/10", "278 ×10⁹/L"),
        ("ru", "37,7 °C", "0,6/10", "278 ×10⁹/л"),
    ],
)
def test_an_imported_reading_is_shown_as_its_measure_is_taken(
    world: Any, lang: str, temperature: str, pain: str, platelets: str
) -> None:
    """Synthea writes a pain score as 0.6350274169362726 and platelets as
    278.94435052757353: the intake view shows them with the decimals the measure is taken
    with, in the reader's way of writing numbers, the record's value kept whole beside it
    (``<data value>``, the JSON twin) and a converted unit's value as recorded."""
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    token = csrf_of(client, "/login")
    data = {"csrf_token": token, "language": lang, "next": "/"}
    assert client.post("/language", data=data, headers=HTML).status_code == 200
    patient = _import_synthea(client)
    page = client.get(patient, headers=HTML).text
    (intake,) = set(re.findall(rf"{patient}/intakes/\d+", page))
    r = client.get(intake, headers=HTML)
    assert r.status_code == 200
    texts = visible_texts(r.text, lang)
    assert not [t for t in texts if LONG_NUMBER.search(t)]
    assert text_problems(texts, lang) == []
    shown = " ".join(texts)
    for value in (temperature, pain, platelets):
        assert value in shown, value
    assert "100 °F" in shown  # the temperature as the record wrote it
    assert 'value="0.6350274169362726"' in r.text  # the record's value, whole
    twin = client.get(intake, headers=JSON).json()
    readings = twin["facts"]["observations"]
    assert {"measured": 0.6350274169362726, "value": pain}.items() <= next(
        o for o in readings if o["measured"] == 0.6350274169362726
    ).items()
    for address in (patient, f"{patient}/screening"):
        r = client.get(address, headers=HTML)
        assert r.status_code == 200, address
        assert not [t for t in visible_texts(r.text, lang) if LONG_NUMBER.search(t)], address


@pytest.mark.parametrize(
    ("lang", "said"), [("en", ["12.5", "2.5", "17.5"]), ("ru", ["12,5", "2,5", "17,5"])]
)
def test_a_course_writes_its_numbers_as_the_reader_does(
    world: Any, lang: str, said: list[str]
) -> None:
    """A course of 2.5 sessions a week and 17.5 minutes, a session of 12.5 minutes: the
    course page wrote them with a decimal point (``%g``) in Russian too."""
    from tests.web.test_web_courses import DAY, _start

    course = _start(world, world.own_patient, sessions_per_week="2.5", minutes_per_session="17.5")
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    data = {"csrf_token": csrf_of(client, "/login"), "language": lang, "next": "/"}
    assert client.post("/language", data=data, headers=HTML).status_code == 200
    session = {**DAY, "pre_pain": "4", "post_pain": "3", "minutes": "12.5"}
    session["csrf_token"] = csrf_of(client, f"/courses/{course}")
    r = client.post(f"/courses/{course}/sessions", data=session, headers=HTML)
    assert r.status_code == 200, r.text[:300]
    r = client.get(f"/courses/{course}", headers=HTML)
    texts = visible_texts(r.text, lang)
    assert text_problems(texts, lang) == []
    shown = " ".join(texts)
    for number in said:
        assert number in shown, number


ANSWERS = [
    "questionnaire_in_progress_saddle_yes.json",  # a yes on a form not finished
    "questionnaire_pregnant_unsure.json",  # "not sure", as the patient wrote it
    "questionnaire_other_form_in_progress.json",  # another form's item, "rf3"
    "questionnaire_saddle_maybe.json",  # "maybe"
]


def test_answers_are_said_in_russian_and_the_records_words_kept_as_written(world: Any) -> None:
    """An answer the app words ("yes, on a form not finished: confirm") was shown in
    English on a Russian intake page; an answer as the patient wrote it ("not sure") and
    another form's item name ("rf3") were shown as if they were the page's own words. Now
    the first is in Russian, the others are marked as the record's (``translate="no"``)."""
    from tests.web.test_web_i18n_pages import _import

    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    data = {"csrf_token": csrf_of(client, "/login"), "language": "ru", "next": "/"}
    assert client.post("/language", data=data, headers=HTML).status_code == 200
    shown: list[str] = []
    for name in ANSWERS:
        screening = _import(client, name)
        patient = re.sub(r"/screening$", "", screening)
        page = client.get(patient, headers=HTML).text
        intakes = sorted(set(re.findall(rf"{patient}/intakes/\d+", page)))
        for address in [screening, f"{patient}/referral", *intakes]:
            r = client.get(address, headers=HTML)
            if address.endswith("/referral") and r.status_code == 404:
                continue  # no red flag: no referral letter
            assert r.status_code == 200, address
            texts = visible_texts(r.text, "ru")
            assert text_problems(texts, "ru") == [], (name, address)
            shown += texts
    said = " ".join(shown)
    assert "да, в незаконченной анкете: подтвердите" in said
    assert "Вопрос другой анкеты" in said


@pytest.mark.parametrize(
    ("lang", "title"),
    [
        ("en", "This address does not open as a page"),
        ("ru", "Этот адрес не открывается как страница"),
    ],
)
def test_an_address_that_only_takes_a_form_says_so_when_opened(
    world: Any, lang: str, title: str
) -> None:
    """A form's address opened as a page (a link copied from the address bar after
    sending the form) said "Something went wrong"."""
    from tests.web.test_web_courses import _start

    course = _start(world, world.own_patient)
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    data = {"csrf_token": csrf_of(client, "/login"), "language": lang, "next": "/"}
    assert client.post("/language", data=data, headers=HTML).status_code == 200
    r = client.get(f"/courses/{course}/home-program", headers=HTML)
    assert r.status_code == 405
    assert f"<h1>{title}</h1>" in r.text
    assert text_problems(visible_texts(r.text, lang), lang) == []
