"""REST API (/api/screen, /api/plan) and the same verdict through CLI, REST and CDS Hooks."""

from __future__ import annotations

import gzip
import re

import pytest
from conftest import AS_OF, CONTRAINDICATED, DEFER, NEEDS_CLEARANCE, NEEDS_DATA, cli_verdict

SCREEN_KEYS = {"verdict", "indicated", "indications", "findings", "missing", "kb_version"}
PLAN_KEYS = {
    "status",
    "verdict",
    "zones",
    "modalities",
    "course",
    "avoid",
    "home_program",
    "sources",
}


def test_screen_a_fhir_bundle(client, shared_data):
    raw = (shared_data / "synthea/r4-bundles-2019" / CONTRAINDICATED).read_bytes()
    import gzip

    response = client.post(
        f"/api/screen?as_of={AS_OF}",
        content=gzip.decompress(raw),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    data = response.json()
    assert set(data) >= SCREEN_KEYS
    assert data["verdict"] == "contraindicated"
    assert data["as_of"] == AS_OF


def test_plan_an_intake_document(client):
    intake = {"format": "spinecare-intake/1", "patient": {"id": "rest-1"}, "date": "2026-11-20"}
    response = client.post("/api/plan?as_of=2026-11-20&lang=ru", json=intake)
    assert response.status_code == 200, response.text
    assert set(response.json()) >= PLAN_KEYS


@pytest.mark.parametrize(
    ("url", "body", "status", "text"),
    [
        ("/api/screen", b"{oops", 400, "not valid JSON"),
        ("/api/screen", b"", 400, "empty request body"),
        ("/api/screen", b"[1]", 400, "JSON object"),
        ("/api/screen", b'{"resourceType": "Patient"}', 400, "not a Bundle"),
        ("/api/screen", b'{"hello": 1}', 400, "neither an EHR record"),
        ("/api/screen?as_of=yesterday", b"{}", 400, "as_of"),
        ("/api/plan?lang=de", b'{"format": "spinecare-intake/1"}', 400, "lang"),
        ("/api/plan", b"{" + b" " * 2_100_000 + b"}", 413, "limit"),
    ],
)
def test_bad_input_gets_one_error_envelope(client, url, body, status, text):
    response = client.post(url, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status
    error = response.json()["error"]
    assert error["status"] == status
    assert text in error["message"]


def test_a_broken_document_is_said_in_the_requests_language(client):
    """The envelope's shape and code are the same; its message follows ``lang``."""
    body = b'{"resourceType": "Bundle", "resourceType": "Bundle"}'
    headers = {"Content-Type": "application/json"}
    english = client.post("/api/screen", content=body, headers=headers).json()["error"]
    russian = client.post("/api/screen?lang=ru", content=body, headers=headers).json()["error"]
    assert english["message"] == (
        "request body: not valid JSON: the key 'resourceType' is written twice in one object"
    )
    assert russian["message"] == (
        "тело запроса: неверный JSON: ключ «resourceType» записан дважды в одном объекте"
    )
    assert {k: v for k, v in russian.items() if k != "message"} == {
        k: v for k, v in english.items() if k != "message"
    }
    assert russian["code"] == "invalid_record"


def test_openapi_is_served(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/api/screen",
        "/api/plan",
        "/cds-services",
        "/cds-services/{service_id}",
        "/cds-services/{service_id}/feedback",
    } <= set(paths)


@pytest.mark.parametrize("name", [CONTRAINDICATED, NEEDS_CLEARANCE, NEEDS_DATA, DEFER])
def test_same_verdict_through_cli_rest_and_cds_hooks(client, shared_data, hook_request, name):
    path = shared_data / "synthea/r4-bundles-2019" / name
    expected = cli_verdict(path, AS_OF)

    import gzip

    rest = client.post(
        f"/api/screen?as_of={AS_OF}",
        content=gzip.decompress(path.read_bytes()),
        headers={"Content-Type": "application/json"},
    ).json()
    cds = client.post(
        "/cds-services/spinecare-patient-view", json=hook_request("patient-view", name)
    ).json()
    (card,) = cds["cards"]
    assert rest["verdict"] == expected
    from spinecare.wording import verdict_text

    assert f"**Verdict:** {verdict_text(expected, 'en')} ·" in card["detail"]


def test_rest_refuses_a_key_written_twice_and_a_gzip_bomb(
    client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one document loader: the same words as the CLI, and a cap on inflated bytes."""
    body = b'{"resourceType": "Bundle", "type": "collection", "type": "searchset"}'
    answer = client.post("/api/screen", content=body)
    assert answer.status_code == 400, answer.text
    assert "the key 'type' is written twice in one object" in answer.text
    monkeypatch.setenv("SPINECARE_MAX_INFLATED_BYTES", str(1024 * 1024))
    bomb = gzip.compress(b" " * (8 * 1024 * 1024))
    answer = client.post("/api/screen", content=bomb)
    assert answer.status_code == 400, answer.text
    assert "inflates to more than 1 MB" in answer.text


def test_a_body_over_the_limit_names_the_limit_as_the_reader_writes_numbers(client):
    """The limit in the refusal of a body too large: "2,097,152 bytes" in English,
    "2 097 152 байт" in Russian, never the bare 2097152."""
    body = b"{" + b" " * 2_100_000 + b"}"
    headers = {"Content-Type": "application/json"}
    for lang, number in (("en", r"\d{1,3}(,\d{3})+ bytes"), ("ru", r"\d{1,3}(\xa0\d{3})+ байт")):
        r = client.post("/api/plan", content=body, headers={**headers, "accept-language": lang})
        assert r.status_code == 413
        assert re.search(number, r.json()["error"]["message"]), r.json()


@pytest.mark.parametrize(
    ("url", "encoding"),
    [("/api/screen", "deflate"), ("/api/plan", "br"), ("/fhir/$massage-screening", "compress")],
)
def test_a_body_in_an_encoding_not_read_is_refused_naming_it(client, url, encoding):
    """A deflate or Brotli body was read as text that is not UTF-8 ("byte 1"); it is
    refused naming its encoding; gzip (and none) are read."""
    import zlib

    body = zlib.compress(b'{"resourceType": "Bundle", "type": "collection", "entry": []}')
    response = client.post(
        url,
        content=body,
        headers={"Content-Type": "application/json", "Content-Encoding": encoding},
    )
    assert response.status_code == 415, response.text
    assert f"'{encoding}'" in response.text and "gzip" in response.text


def test_a_gzip_body_is_read(client):
    import gzip

    intake = b'{"format": "spinecare-intake/1", "patient": {"id": "gz"}, "date": "2026-11-20"}'
    response = client.post(
        "/api/plan?as_of=2026-11-20",
        content=gzip.compress(intake),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("media", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_said_to_be_json_is_refused_naming_what_it_is(client, media):
    """The REST API read any body as JSON whatever its type said; a body sent as another
    type is refused naming it (415); JSON, a ``+json`` type, or no type named, is read."""
    intake = b'{"format": "spinecare-intake/1", "patient": {"id": "t"}, "date": "2026-11-20"}'
    refused = client.post(
        "/api/plan?as_of=2026-11-20", content=intake, headers={"Content-Type": media}
    )
    assert refused.status_code == 415, refused.text
    assert f"'{media}'" in refused.json()["error"]["message"]
    for fine in (
        {"Content-Type": "application/json; charset=utf-8"},
        {"Content-Type": "application/json+fhir"},  # DSTU2's FHIR type
        {"Content-Type": "text/json"},
        {},
    ):
        assert (
            client.post("/api/plan?as_of=2026-11-20", content=intake, headers=fine).status_code
            == 200
        )


def test_a_cds_call_sent_as_another_type_than_json_is_refused_naming_it(client):
    """A CDS Hooks call sent as text or as a form was answered with cards; the
    specification's calls are JSON: refused naming the type (415)."""
    for media in ("text/plain", "application/x-www-form-urlencoded"):
        answer = client.post(
            "/cds-services/spinecare-patient-view",
            content=b'{"hook": "patient-view"}',
            headers={"Content-Type": media},
        )
        assert answer.status_code == 415, answer.text
        assert f"'{media}'" in answer.json()["error"]["message"]
