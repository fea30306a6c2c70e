"""The error page of an address that cannot be answered: a part of the address that is
wrong (a query parameter, a number in the path) is named in the reader's words, as the
address's, never as a form's field, and never with the store's integer limit; and no
error page offers "This page as JSON", whose address answers the same error."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.conftest import HTML, JSON, csrf_of

WORDS = {
    "en": {
        "title": "This address is not valid",
        "form": "Please check the form",
        "number": "<strong>Patient</strong>: must be a number",
        "large": "<strong>Patient</strong>: too large: no record has a number this large",
        "hint": "Check the address, or go back to the page you came from.",
    },
    "ru": {
        "title": "Адрес страницы указан неверно",
        "form": "Проверьте форму",
        "number": "<strong>Пациент</strong>: должно быть числом",
        "large": "<strong>Пациент</strong>: слишком большое число: такого номера нет ни у одной "
        "записи",
        "hint": "Проверьте адрес или вернитесь на страницу, с которой пришли.",
    },
}
JSON_LINK = '.json">'


def _speaks(client: Any, lang: str) -> Any:
    token = csrf_of(client, "/login")
    r = client.post("/language", data={"language": lang, "csrf_token": token}, headers=JSON)
    assert r.status_code == 200, r.text[:300]
    return client


def _no_limit(text: str) -> bool:
    """Whether the store's integer limit (2147483647, however grouped) is not in ``text``."""
    digits = re.sub(r"(?<=\d)[\s,.\u00a0\u202f](?=\d)", "", text)
    return "2147483647" not in digits


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_query_parameter_that_is_no_number_is_named_as_part_of_the_address(
    signed_in: Any, lang: str
) -> None:
    admin = _speaks(signed_in("admin"), lang)
    words = WORDS[lang]
    for query, problem in (("patient_id=abc", "number"), ("patient_id=99999999999", "large")):
        page = admin.get(f"/audit?{query}", headers=HTML)
        assert page.status_code == 422, query
        assert f"<h1>{words['title']}</h1>" in page.text, query
        assert f"<title>{words['title']} · spinecare</title>" in page.text
        assert words[problem] in page.text, (query, page.text[-1500:])
        assert words["hint"] in page.text
        assert words["form"] not in page.text
        assert _no_limit(page.text), query
    # the JSON twin names the parameter, in the same words
    error = admin.get("/audit?patient_id=abc", headers=JSON).json()["error"]
    assert error["status"] == 422
    assert error["details"][0]["field"] == "patient_id"
    assert _no_limit(str(error))


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_number_in_the_path_too_large_for_any_record(signed_in: Any, lang: str) -> None:
    therapist = _speaks(signed_in("therapist"), lang)
    page = therapist.get("/patients/99999999999", headers=HTML)
    assert page.status_code == 422
    assert WORDS[lang]["title"] in page.text and WORDS[lang]["large"] in page.text
    assert _no_limit(page.text)
    error = therapist.get("/api/patients/99999999999").json()["error"]
    assert error["details"][0]["field"] == "patient_id" and _no_limit(str(error))


def test_a_form_sent_with_a_wrong_field_is_still_the_forms(signed_in: Any) -> None:
    """A refused form (POST) keeps its title and its advice: go back to the form."""
    therapist = signed_in("therapist")
    token = csrf_of(therapist, "/patients/new")
    page = therapist.post("/patients", data={"csrf_token": token, "name": "A\x00B"}, headers=HTML)
    assert page.status_code == 422
    assert "Please check the form" in page.text
    assert "Go back to the form, correct this and send it again." in page.text
    assert WORDS["en"]["title"] not in page.text


def test_no_error_page_offers_its_json(world: Any, signed_in: Any) -> None:
    admin = signed_in("admin")
    for path, status in (
        ("/nope", 404),
        ("/audit?patient_id=abc", 422),
        (f"/patients/{world.other_patient}", 404),
    ):
        page = admin.get(path, headers=HTML)
        assert page.status_code == status, path
        assert "This page as JSON" not in page.text and JSON_LINK not in page.text, path
    refused = signed_in("therapist").get("/audit", headers=HTML)
    assert refused.status_code == 403 and "This page as JSON" not in refused.text
    # a page that answers keeps its link
    page = admin.get("/audit", headers=HTML)
    assert page.status_code == 200 and '<a href="/audit.json">This page as JSON</a>' in page.text
