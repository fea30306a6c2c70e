"""Error pages name no file of the server: a knowledge base that cannot be loaded (its
problems name its files) is said on a page as unavailable, in the reader's words; the
operator's log names the problem."""

from __future__ import annotations

import logging

import pytest

from tests.web.conftest import HTML, PASSWORDS, World, login

WHERE = "/srv/spinecare/kb/data/contraindications.yaml"


@pytest.fixture
def broken_kb(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from spinecare.errors import KnowledgeBaseError, Problem
    from spinecare.kb import loader

    def load_kb() -> object:
        raise KnowledgeBaseError([Problem(WHERE, "'severity' is missing")])

    monkeypatch.setattr(loader, "load_kb", load_kb)
    world.app.state.web._kb = None  # type: ignore[attr-defined]


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
