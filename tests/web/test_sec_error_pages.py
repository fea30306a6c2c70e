"""Error pages name no file of the server: a knowledge base that cannot be loaded (its
problems name its files) is said on a page as unavailable, in the reader's words; the
operator's log names the problem."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

import pytest

from tests.web.conftest import FIXTURES, HTML, JSON, PASSWORDS, World, login

WHERE = "/srv/spinecare/kb/data/contraindications.yaml"


def _break_kb(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on the server cannot read its KB, however a route loads it (the app's
    state, the library's ``load_kb``)."""
    from spinecare.errors import KnowledgeBaseError, Problem
    from spinecare.kb import loader

    def load(folder: object) -> object:
        raise KnowledgeBaseError([Problem(WHERE, "'severity' is missing")])

    monkeypatch.setattr(loader, "_load_cached", load)
    world.app.state.web._kb = None  # type: ignore[attr-defined]


@pytest.fixture
def broken_kb(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _break_kb(world, monkeypatch)


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "Screening is not available now"), ("ru", "Скрининг сейчас недоступен")],
)
def test_a_knowledge_base_that_cannot_be_loaded_names_no_file_on_a_page(
    world: World,
    broken_kb: None,
    caplog: pytest.LogCaptureFixture,
    lang: str,
    said: str,
) -> None:
    therapist = world.client()
    therapist.headers["accept-language"] = lang  # signs in on a page in that language
    login(therapist, "therapist", PASSWORDS["therapist"])
    with caplog.at_level(logging.ERROR, logger="spinecare.web"):
        page = therapist.get(
            f"/patients/{world.demo_patient}/screening",
            headers=HTML,
        )
    assert page.status_code == 503
    assert said in page.text
    assert WHERE not in page.text and "contraindications" not in page.text
    assert any(WHERE in message for message in caplog.messages)
    answer = therapist.get(f"/patients/{world.demo_patient}/screening.json")
    assert answer.status_code == 503 and WHERE not in answer.text


SAID = {"en": "screening is not available now", "ru": "скрининг сейчас недоступен"}


def _unavailable(answer: Any, lang: str) -> None:
    """503 in the one error envelope, in ``lang``, naming no file of the server."""
    assert answer.status_code == 503, answer.text[:300]
    error = answer.json()["error"]
    assert (error["status"], error["code"]) == (503, "unavailable")
    assert error["message"].startswith(SAID[lang]), error["message"]
    assert WHERE not in answer.text and "contraindications" not in answer.text


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_page_that_lists_clearances_says_screening_is_unavailable(
    world: World, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    """The chart, the queue and a request's page judge a clearance's last day by the KB:
    when it cannot be read they say so as the screening page does (503), never with the
    path of the KB's file (400)."""
    from tests.web.test_web_clearance_lapsed import _cleared_on

    rid = _cleared_on(world, date.today())
    _break_kb(world, monkeypatch)
    therapist = world.client()
    therapist.headers["accept-language"] = lang
    login(therapist, "therapist", PASSWORDS["therapist"])
    physician = world.client()
    physician.headers["accept-language"] = lang
    login(physician, "physician", PASSWORDS["physician"])
    for client, address in [
        (therapist, f"/patients/{world.demo_patient}"),
        (physician, f"/clearances/{rid}"),
        (physician, "/clearances?status=all"),
    ]:
        page = client.get(address, headers=HTML)
        assert page.status_code == 503, (address, page.text[-600:])
        assert SAID[lang].capitalize() in page.text, address
        assert WHERE not in page.text and "contraindications" not in page.text, address
        _unavailable(client.get(address, headers=JSON), lang)
    _unavailable(therapist.get(f"/api/patients/{world.demo_patient}"), lang)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_posted_record_is_not_screened_and_no_file_is_named(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    lang: str,
) -> None:
    """Screening or planning a posted record without signing in: 503 in the one error
    shape (it was 400 ``invalid_kb`` with the KB's file); the log names the problem."""
    _break_kb(world, monkeypatch)
    anonymous = world.client()
    anonymous.headers["accept-language"] = lang
    bundle = json.loads((FIXTURES / "bundle-herniation.json").read_text())
    with caplog.at_level(logging.ERROR, logger="spinecare.api"):
        for address in ("/api/screen", "/api/plan"):
            _unavailable(anonymous.post(address, json=bundle), lang)
    assert any(WHERE in message for message in caplog.messages)


def test_the_fhir_operation_names_no_file(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _break_kb(world, monkeypatch)
    bundle = json.loads((FIXTURES / "bundle-herniation.json").read_text())
    outcome = world.client().post(
        "/fhir/Patient/$massage-screening",
        json={
            "resourceType": "Parameters",
            "parameter": [{"name": "resource", "resource": bundle}],
        },
    )
    assert outcome.status_code == 503, outcome.text[:300]
    assert outcome.json()["resourceType"] == "OperationOutcome"
    assert WHERE not in outcome.text and "contraindications" not in outcome.text
