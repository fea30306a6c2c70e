"""A posted document nested deep under a key written twice: the parser keeps the last of
two equal keys, so the deep part is gone from the parsed value, and the check that names
the key written twice read the text again with Python's own recursive reader, which ran
out of stack (a 500 on ``/api/screen``, "the file could not be read" on an import). Now
each is the loader's refusal naming the depth, on every route that reads a document."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import FIXTURES, JSON, csrf_of

DEPTH = 990
"""Under orjson's own limit (1,024), over Python's recursion limit once the app's own
frames are on the stack."""


def _hidden_deep(depth: int = DEPTH) -> bytes:
    """A Bundle whose Condition has its ``code`` written twice, the first time as lists
    nested ``depth`` deep."""
    text = (FIXTURES / "bundle-herniation.json").read_text(encoding="utf-8")
    bundle = json.dumps(json.loads(text))
    deep = '"code": {"coding": ' + "[" * depth + "]" * depth + "}, "
    marked = bundle.replace('"resourceType": "Condition"', deep + '"resourceType": "Condition"', 1)
    assert marked != bundle
    return marked.encode()


REFUSED = "nested more than 254 levels deep"


@pytest.mark.parametrize("path", ["/api/screen", "/api/plan", "/fhir/Patient/$massage-screening"])
def test_a_document_posted_without_signing_in(
    signed_in: Callable[[str], TestClient], path: str
) -> None:
    client = signed_in("anonymous")
    answer = client.post(path, content=_hidden_deep(), headers={"content-type": "application/json"})
    assert answer.status_code == 400, answer.text[:300]
    assert REFUSED in answer.text


def test_an_imported_file(signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("therapist")
    answer = client.post(
        "/patients/import",
        files={"file": ("record.json", _hidden_deep(), "application/json")},
        data={"csrf_token": csrf_of(client, "/patients/import")},
        headers=JSON,
    )
    assert answer.status_code == 400, answer.text[:300]
    (detail,) = answer.json()["error"]["details"]
    assert detail["field"] == "file" and REFUSED in detail["message"]


def test_a_key_written_twice_is_still_named_where_it_is_not_deep() -> None:
    from spinecare.documents import parse_json
    from spinecare.errors import RecordError

    with pytest.raises(RecordError, match="'code' is written twice"):
        parse_json(_hidden_deep(3), "record.json")
