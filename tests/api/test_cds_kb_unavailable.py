"""The CDS Hooks service, when the server cannot read its clinical rules: 503 in the one
error shape, in the request's language, naming no file of the server (the problem, which
names the KB's files, goes to the log)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

WHERE = "/srv/spinecare/kb/data/contraindications.yaml"
SAID = {"en": "screening is not available now", "ru": "скрининг сейчас недоступен"}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_discovery_says_screening_is_unavailable_and_names_no_file(
    client: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    lang: str,
) -> None:
    from spinecare.errors import KnowledgeBaseError, Problem
    from spinecare.kb import loader

    def load(folder: object) -> object:
        raise KnowledgeBaseError([Problem(WHERE, "'severity' is missing")])

    monkeypatch.setattr(loader, "_load_cached", load)
    with caplog.at_level(logging.ERROR, logger="spinecare.api"):
        answer = client.get("/cds-services", headers={"accept-language": lang})
    assert answer.status_code == 503, answer.text[:300]
    error = answer.json()["error"]
    assert (error["status"], error["code"]) == (503, "unavailable")
    assert error["message"].startswith(SAID[lang])
    assert WHERE not in answer.text and "contraindications" not in answer.text
    assert any(WHERE in message for message in caplog.messages)
