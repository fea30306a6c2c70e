"""What an intake's page says of a diagnosis: its name where the record gives only a code
(a cancer coded C50.9 with no words was "—" on the intake page while the screening named
it), and its status in words that read beside any diagnosis ("в прошлом", not
"выздоровление"); a date written in other digits than 0 to 9 says so."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import FIXTURES
from tests.web.conftest import HTML, JSON, PASSWORDS, csrf_of, login

ONCOLOGY = FIXTURES / "rules" / "oncology_resolved_is_history_of_cancer.yaml"


def _client(world: Any, lang: str) -> Any:
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    data = {"csrf_token": csrf_of(client, "/login"), "language": lang, "next": "/"}
    assert client.post("/language", data=data, headers=HTML).status_code == 200
    return client


def _intake_page(client: Any, path: Any) -> str:
    """The intake page of the uploaded file ``path``."""
    r = client.post(
        "/patients/import",
        data={"csrf_token": csrf_of(client, "/patients/import")},
        files={"file": (path.name, path.read_bytes(), "application/yaml")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:300]
    patient = re.sub(r"/screening$", "", str(r.headers["location"]))
    page = client.get(patient, headers=HTML)
    assert page.status_code == 200
    intake = re.search(r'href="(/patients/\d+/intakes/\d+)"', page.text)
    assert intake, page.text[-1500:]
    shown = client.get(intake[1], headers=HTML)
    assert shown.status_code == 200
    return str(shown.text)


@pytest.mark.parametrize(
    ("lang", "named", "status", "not_said"),
    [
        ("en", "Cancer", ", 1 Mar 2018 – 1 May 2020: resolved", "—, since"),
        ("ru", "Онкологическое заболевание", ": в прошлом", "выздоровление"),
    ],
)
def test_a_diagnosis_given_by_its_code_alone_is_named_with_its_status(
    world: Any, lang: str, named: str, status: str, not_said: str
) -> None:
    page = _intake_page(_client(world, lang), ONCOLOGY)
    item = next((li for li in re.findall(r"<li>(.*?)</li>", page, re.S) if status in li), None)
    assert item is not None, page[-2500:]
    assert item.startswith(named), item
    assert not_said not in page


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "only the digits 0 to 9 are read"),
        ("ru", "читаются только цифры от 0 до 9"),
    ],
)
@pytest.mark.parametrize("written", ["２０２６-１１-２０", "٢٠٢٦-١١-٢٠"])
def test_a_date_in_other_digits_says_which_digits_are_read(
    world: Any, lang: str, said: str, written: str
) -> None:
    """Full-width and Arabic-Indic digits were read as a date and refused as "the month has
    no such day"."""
    client = _client(world, lang)
    answer = client.get(
        f"/patients/{world.demo_patient}/screening", params={"as_of": written}, headers=JSON
    )
    assert answer.status_code == 422, answer.text[:300]
    detail = answer.json()["error"]["details"][0]
    assert detail["field"] == "as_of"
    assert detail["message"].startswith(said), detail
