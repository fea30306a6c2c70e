"""CDS Hooks 2.0 service: discovery, the three hooks, prefetch states, bad input, feedback."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import jsonschema_rs
import pytest
from conftest import (
    BASE,
    CONTRAINDICATED,
    DEFER,
    NEEDS_CLEARANCE,
    NEEDS_DATA,
    make_client,
    massage_order,
)

from spinecare.wording import verdict_text
from tests.conftest import FIXTURES

SCHEMA = json.loads((Path(__file__).parent / "cds_hooks_response.schema.json").read_text())
VALIDATOR = jsonschema_rs.validator_for(SCHEMA)
SIGN = "/cds-services/spinecare-order-sign"
SELECT = "/cds-services/spinecare-order-select"
VIEW = "/cds-services/spinecare-patient-view"


def _view_body(prefetch: dict, instance: str) -> dict:
    """A patient-view call for patient p1 on 20 Nov 2026 with ``prefetch``."""
    return {
        "hook": "patient-view",
        "hookInstance": instance,
        "context": {"userId": "Practitioner/1", "patientId": "p1"},
        "prefetch": prefetch,
        "extension": {"org.spinecare.as-of": "2026-11-20"},
    }


def valid(response: dict) -> dict:
    errors = [f"{e.instance_path}: {e.message}" for e in VALIDATOR.iter_errors(response)]
    assert not errors, errors
    return response


def _fhir_server(body: dict, stub_fhir, token: str = "opaque-token-1") -> dict:
    """``body`` with the stub FHIR server to fetch what it does not send from."""
    body["fhirServer"] = f"{stub_fhir.url}/fhir"
    body["fhirAuthorization"] = {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "user/*.read",
        "subject": "cds",
    }
    return body


def test_schema_accepts_the_spec_examples(cds_examples):
    for name in ("spec-response-example", "spec-response-cards-empty"):
        valid(cds_examples[name])
    # The spec's autolaunch example omits the REQUIRED indicator: the schema catches it.
    assert not VALIDATOR.is_valid(cds_examples["spec-response-autolaunchable"])


def test_discovery_lists_three_hooks_with_prefetch(client, cds_examples):
    data = client.get("/cds-services").json()
    hooks = {s["hook"]: s for s in data["services"]}
    assert set(hooks) == {"patient-view", "order-select", "order-sign"}
    for service in data["services"]:
        assert {"id", "hook", "description", "prefetch"} <= set(service)
        assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"
        assert all("{{context.patientId}}" in t for t in service["prefetch"].values())
    # the same shape as the spec's discovery example
    assert set(cds_examples["spec-discovery-response"]) == set(data)


@pytest.mark.parametrize(
    ("hook", "name", "verdict", "indicator"),
    [
        ("patient-view", CONTRAINDICATED, "contraindicated", "critical"),
        ("patient-view", NEEDS_DATA, "needs_data", "warning"),
        ("order-select", NEEDS_CLEARANCE, "needs_clearance", "warning"),
        ("order-sign", CONTRAINDICATED, "contraindicated", "critical"),
        ("order-sign", DEFER, "defer", "warning"),
    ],
)
def test_spec_requests_get_spec_valid_cards(client, hook_request, hook, name, verdict, indicator):
    body = hook_request(hook, name)
    response = client.post(f"/cds-services/spinecare-{hook}", json=body)
    assert response.status_code == 200, response.text
    data = valid(response.json())
    (card,) = data["cards"]
    assert card["indicator"] == indicator
    assert f"**Verdict:** {verdict_text(verdict, 'en')} ·" in card["detail"]
    assert len(card["summary"]) < 140
    # a patient spinecare does not know: a SMART launch link, never /patients/<EHR id>
    assert card["links"] == [
        {"label": card["links"][0]["label"], "url": f"{BASE}/launch", "type": "smart"}
    ]
    assert card["uuid"]
    assert card["overrideReasons"] and all(r["display"] for r in card["overrideReasons"])
    assert card["source"]["label"]


@pytest.mark.parametrize(
    ("hook", "name"),
    [
        ("patient-view", CONTRAINDICATED),
        ("patient-view", NEEDS_DATA),
        ("order-select", NEEDS_CLEARANCE),
        ("order-sign", NEEDS_CLEARANCE),
        ("order-sign", DEFER),
    ],
)
def test_a_russian_card_speaks_russian(client, hook_request, hook, name):
    """A card asked for in Russian: its summary, source label, links, suggestions and
    override reasons in Russian (a source's title stays as its authors wrote it)."""
    from tests.web.pagescan import text_problems

    body = hook_request(hook, name)
    body["extension"] = {**body.get("extension", {}), "org.spinecare.lang": "ru"}
    (card,) = valid(client.post(f"/cds-services/spinecare-{hook}", json=body).json())["cards"]
    label = card["source"]["label"]
    texts = [
        card["summary"],
        *([label] if not label.startswith("spinecare: ") else []),
        *(link["label"] for link in card.get("links", [])),
        *(s["label"] for s in card.get("suggestions", [])),
        *(r["display"] for r in card.get("overrideReasons", [])),
    ]
    assert text_problems(texts, "ru") == []


def test_order_sign_blocking_suggests_removing_the_draft(client, hook_request):
    data = client.post(SIGN, json=hook_request("order-sign", CONTRAINDICATED)).json()
    (card,) = data["cards"]
    (suggestion,) = card["suggestions"]
    assert card["selectionBehavior"] == "at-most-one"
    assert suggestion["actions"] == [
        {
            "type": "delete",
            "description": suggestion["actions"][0]["description"],
            "resourceId": "ServiceRequest/massage-1",
        }
    ]


def test_needs_clearance_suggests_a_physicians_review(client, hook_request):
    """This patient's findings to clear are a blood thinner and a stable heart disease: a
    physician's review, not a neurology consultation (tests/api/test_cds_referral.py)."""
    body = hook_request("order-sign", NEEDS_CLEARANCE)
    (card,) = client.post(SIGN, json=body).json()["cards"]
    (suggestion,) = card["suggestions"]
    (action,) = suggestion["actions"]
    assert action["type"] == "create"
    request = action["resource"]
    assert request["resourceType"] == "ServiceRequest"
    assert "coding" not in request["code"] and "physician" in request["code"]["text"].lower()
    assert request["subject"]["reference"] == f"Patient/{body['context']['patientId']}"


@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_orders_that_are_not_massage_get_no_cards(client, hook_request, hook):
    body = hook_request(hook, CONTRAINDICATED, massage=False)
    response = client.post(f"/cds-services/spinecare-{hook}", json=body)
    assert response.json() == {"cards": []}


DECEASED = "Max_Kris_f9120576-f949-45de-ae43-c0d902ecb249.json.gz"  # deceased 2003-04-26


@pytest.mark.parametrize("hook", ["patient-view", "order-select", "order-sign"])
def test_a_patient_recorded_as_deceased_gets_no_cards_not_an_error(client, hook_request, hook):
    """The chart of a deceased patient is opened like any other: a well-formed call, with no
    one to screen. No cards (CDS Hooks: no decision support), not a 400 on every opening."""
    body = hook_request(hook, DECEASED, as_of="2019-06-01")
    response = client.post(f"/cds-services/spinecare-{hook}", json=body)
    assert response.status_code == 200, response.text
    assert valid(response.json()) == {"cards": []}
    before = hook_request(hook, DECEASED, as_of="2003-04-25")  # alive on that day: screened
    response = client.post(f"/cds-services/spinecare-{hook}", json=before)
    assert response.status_code == 200, response.text
    assert len(valid(response.json())["cards"]) == 1


def test_order_select_ignores_massage_orders_not_selected(client, hook_request):
    body = hook_request("order-select", CONTRAINDICATED)
    body["context"]["selections"] = ["MedicationRequest/smart-MedicationRequest-103"]
    assert client.post(SELECT, json=body).json() == {"cards": []}


def test_non_massage_orders_need_no_prefetch(client, hook_request):
    body = hook_request("order-sign", CONTRAINDICATED, massage=False, prefetch=False)
    assert client.post(SIGN, json=body).json() == {"cards": []}


# ------------------------------------------------------------------ prefetch states


def test_absent_prefetch_is_fetched_from_the_fhir_server(client, hook_request, stub_fhir, synthea):
    pid, resources = synthea(CONTRAINDICATED)
    stub_fhir.resources = resources
    stub_fhir.requests.clear()
    full = client.post(SIGN, json=hook_request("order-sign", CONTRAINDICATED)).json()
    body = hook_request("order-sign", CONTRAINDICATED)
    del body["prefetch"]["conditions"], body["prefetch"]["systolic_bp"]
    _fhir_server(body, stub_fhir)
    data = valid(client.post(SIGN, json=body).json())
    assert data["cards"][0]["indicator"] == full["cards"][0]["indicator"] == "critical"
    paths = sorted(p for p, _ in stub_fhir.requests)
    assert len(paths) == 2
    assert paths[0] == f"/fhir/Condition?patient={pid}"
    assert paths[1].startswith(f"/fhir/Observation?patient={pid}&code=")
    assert "http://loinc.org|8480-6" in paths[1] and "http://loinc.org|55284-4" in paths[1]
    assert {auth for _, auth in stub_fhir.requests} == {"Bearer opaque-token-1"}


def test_a_hook_with_no_prefetch_reads_its_fhir_server_a_few_searches_at_a_time(
    client, hook_request, stub_fhir, synthea
):
    """Some thirty searches, none sent: the service keeps at most FETCH_PARALLEL open on
    the EHR's server (all at once overran a small server's backlog and timed out), and
    every one is made."""
    from spinecare.fhir.prefetch import FETCH_PARALLEL

    _, resources = synthea(CONTRAINDICATED)
    stub_fhir.resources = resources
    full = client.post(VIEW, json=hook_request("patient-view", CONTRAINDICATED)).json()
    body = _fhir_server(hook_request("patient-view", CONTRAINDICATED, prefetch=False), stub_fhir)
    stub_fhir.requests.clear()
    stub_fhir.open_most = 0
    stub_fhir.delay = 0.05
    try:
        response = client.post(VIEW, json=body)
    finally:
        stub_fhir.delay = 0.0
    assert response.status_code == 200, response.text
    assert response.json()["cards"][0]["indicator"] == full["cards"][0]["indicator"]
    assert len(stub_fhir.requests) > 2 * FETCH_PARALLEL
    assert 1 < stub_fhir.open_most <= FETCH_PARALLEL


def test_absent_prefetch_and_no_fhir_server_is_412(client, hook_request):
    body = hook_request("order-sign", CONTRAINDICATED)
    del body["prefetch"]["conditions"]
    response = client.post(SIGN, json=body)
    assert response.status_code == 412
    assert response.json()["error"]["code"] == "precondition_failed"


def test_absent_prefetch_and_unreachable_server_is_412(client, hook_request):
    body = hook_request("patient-view", CONTRAINDICATED, prefetch=False)
    body["fhirServer"] = "http://127.0.0.1:9/fhir"  # discard port: nothing listens
    body["fhirAuthorization"] = {
        "access_token": "t",
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "user/*.read",
        "subject": "cds",
    }
    response = client.post(VIEW, json=body)
    assert response.status_code == 412


def test_null_prefetch_means_searched_and_empty(client, hook_request, templates):
    body = hook_request("patient-view", CONTRAINDICATED)
    body["prefetch"] = {key: None for key in templates}
    data = valid(client.post(VIEW, json=body).json())
    (card,) = data["cards"]
    # nothing recorded: no contraindication, but blood pressure and temperature are missing
    assert f"**Verdict:** {verdict_text('needs_data', 'en')} ·" in card["detail"]
    assert card["indicator"] == "warning"


def test_operation_outcome_in_prefetch_is_not_read_and_never_allows(client, hook_request):
    """A search the EHR answered with an error is named as not read, in the clinician's
    words, and what was read is screened: never a verdict milder than needs_data."""
    body = hook_request("order-sign", CONTRAINDICATED)
    body["prefetch"]["conditions"] = {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": "timeout", "diagnostics": "Condition search timed out"}
        ],
    }
    data = valid(client.post(SIGN, json=body).json())
    (card,) = data["cards"]
    assert card["indicator"] in ("warning", "critical")
    assert "The EHR did not give these parts of the record" in card["detail"]
    assert "diagnosis" in card["detail"] and "timeout" not in card["detail"]


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b.update(hook="patient-view"), "answers the 'order-sign' hook"),
        (lambda b: b["context"].pop("patientId"), "context.patientId is missing"),
        (lambda b: b["context"].pop("draftOrders"), "context.draftOrders is missing"),
        (
            lambda b: b["context"].update(draftOrders=[]),
            "context.draftOrders must be an object, not a list",
        ),
        (lambda b: b.pop("hookInstance"), "hookInstance"),
        (lambda b: b.pop("context"), "'context' is missing"),
        (lambda b: b["prefetch"].update(patient=[1, 2]), "prefetch.patient must be a FHIR"),
        (lambda b: b["prefetch"].update(conditions="Condition?x"), "prefetch.conditions"),
        (
            lambda b: b["prefetch"].update(conditions={"resourceType": "Patient"}),
            "prefetch.conditions must be a FHIR Bundle, not Patient",
        ),
        (
            lambda b: b["prefetch"].update(patient={"resourceType": "Patient", "id": "other"}),
            "context.patientId",
        ),
        (lambda b: b.update(prefetch=[]), "'prefetch' must be an object"),
        (lambda b: b.update(fhirAuthorization={"access_token": "x"}), "without 'fhirServer'"),
        (lambda b: b.update(extension={"org.spinecare.as-of": "June"}), "not a date"),
        # a day the rest of the app does not screen on, or another ISO form
        (lambda b: b.update(extension={"org.spinecare.as-of": "0001-01-01"}), "1900-01-01"),
        (lambda b: b.update(extension={"org.spinecare.as-of": "9999-12-31"}), "2200-12-31"),
        (lambda b: b.update(extension={"org.spinecare.as-of": "2026-W49-6"}), "not a date"),
        (lambda b: b.update(extension={"org.spinecare.as-of": 20261205}), "not a date"),
    ],
)
def test_bad_requests_are_400_with_a_clear_envelope(client, hook_request, mutate, message):
    body = hook_request("order-sign", CONTRAINDICATED)
    mutate(body)
    response = client.post(SIGN, json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["status"] == 400
    assert message in error["message"]


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda b: b.update(prefetch=[]), "«prefetch» должен быть объектом, а здесь список"),
        (lambda b: b["prefetch"].update(patient=[1]), "или null, а здесь список"),
    ],
)
def test_a_json_type_is_named_in_the_requests_language(client, hook_request, mutate, words):
    """The kind of JSON value refused is said in Russian words on a Russian request, as
    the FHIR reader says it ("список", not "array")."""
    body = hook_request("order-sign", CONTRAINDICATED)
    body["extension"] = {"org.spinecare.lang": "ru"}
    mutate(body)
    response = client.post(SIGN, json=body)
    assert response.status_code == 400, response.text
    message = response.json()["error"]["message"]
    assert words in message
    assert not any(kind in message for kind in ("array", "number", "string", "object"))


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[]", b'"text"', b"\xff\xfe"])
def test_malformed_json_is_400(client, raw):
    response = client.post(SIGN, content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cds_request"


@pytest.mark.parametrize(
    ("accept", "words"),
    [
        (None, "request body: not valid JSON: line 1, column 2"),
        ("ru-RU,ru;q=0.9,en;q=0.8", "тело запроса: неверный JSON: строка 1, столбец 2"),
        ("de, en;q=0.5", "request body: not valid JSON"),
        ("de", "request body: not valid JSON"),
    ],
)
def test_an_unreadable_body_is_refused_in_the_accepted_language(client, accept, words):
    """The body's own language is not known before it is read: Accept-Language, else English."""
    headers = {"Content-Type": "application/json"}
    if accept:
        headers["Accept-Language"] = accept
    response = client.post(SIGN, content=b"{not json", headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(words)


@pytest.mark.parametrize(
    ("extension", "accept", "words"),
    [
        ({"org.spinecare.lang": "ru"}, None, "«hookInstance» не указан (строка UUID)"),
        ({"org.spinecare.lang": "ru"}, "en", "«hookInstance» не указан (строка UUID)"),
        ({"org.spinecare.lang": "en"}, "ru", "'hookInstance' is missing (a UUID string)"),
        ({"org.spinecare.lang": "xx"}, "ru-RU", "«hookInstance» не указан (строка UUID)"),
        (None, "ru-RU,ru;q=0.9", "«hookInstance» не указан (строка UUID)"),
        (None, None, "'hookInstance' is missing (a UUID string)"),
    ],
)
def test_a_request_of_the_wrong_shape_is_refused_in_its_language(
    client, hook_request, extension, accept, words
):
    """After the body is read: its org.spinecare.lang extension, else Accept-Language,
    else English; the envelope and its code are the same in every language."""
    body = hook_request("order-sign", CONTRAINDICATED)
    del body["hookInstance"]
    if extension is not None:
        body["extension"] = extension
    headers = {"Accept-Language": accept} if accept else {}
    response = client.post(SIGN, json=body, headers=headers)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["status"], error["code"], error["message"]) == (
        400,
        "invalid_cds_request",
        words,
    )


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (
            lambda b: b["context"].update(patientId=7),
            "context.patientId: нужно значение типа «строка», а здесь число",
        ),
        (lambda b: b.update(hook="patient-view"), "этот сервис отвечает на хук «order-sign»"),
        (
            lambda b: b["extension"].update({"org.spinecare.as-of": "June"}),
            "extension.org.spinecare.as-of: «June» — не дата ГГГГ-ММ-ДД",
        ),
        (
            lambda b: b["context"]["draftOrders"].update(entry=[1]),
            "в context.draftOrders.entry[0] нет объекта resource",
        ),
    ],
)
def test_request_shape_refusals_are_said_in_russian(client, hook_request, mutate, words):
    body = hook_request("order-sign", CONTRAINDICATED)
    body["extension"] = {"org.spinecare.lang": "ru"}
    mutate(body)
    response = client.post(SIGN, json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(words)


@pytest.mark.parametrize(
    ("extension", "accept", "words"),
    [
        (
            {"org.spinecare.lang": "ru"},
            "en",
            "не удаётся получить данные FHIR, нужные сервису: prefetch неполон (conditions), "
            "и нет fhirServer с fhirAuthorization, откуда его получить",
        ),
        (
            None,
            "ru",
            "не удаётся получить данные FHIR, нужные сервису: prefetch неполон (conditions), "
            "и нет fhirServer с fhirAuthorization, откуда его получить",
        ),
        (
            None,
            None,
            "cannot obtain the FHIR data the service needs: prefetch incomplete (conditions) "
            "and no fhirServer with fhirAuthorization to fetch it from",
        ),
    ],
)
def test_data_that_cannot_be_obtained_is_refused_in_the_requests_language(
    client, hook_request, extension, accept, words
):
    body = hook_request("order-sign", CONTRAINDICATED)
    del body["prefetch"]["conditions"]
    if extension is not None:
        body["extension"] = extension
    headers = {"Accept-Language": accept} if accept else {}
    response = client.post(SIGN, json=body, headers=headers)
    assert response.status_code == 412
    assert response.json()["error"] == {
        "status": 412,
        "code": "precondition_failed",
        "message": words,
    }


def test_a_prefetch_of_the_wrong_kind_is_refused_in_the_requests_language(client, hook_request):
    body = hook_request("order-sign", CONTRAINDICATED)
    body["extension"] = {"org.spinecare.lang": "ru"}
    body["prefetch"]["conditions"] = {"resourceType": "Patient"}
    response = client.post(SIGN, json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "prefetch.conditions должен быть ресурсом FHIR Bundle, а не Patient"
    )


@pytest.mark.parametrize(
    ("accept", "words"),
    [("ru", "нет сервиса CDS «nothing»"), (None, "no CDS service 'nothing'")],
)
def test_an_unknown_service_is_refused_in_the_accepted_language(client, accept, words):
    headers = {"Accept-Language": accept} if accept else {}
    response = client.post("/cds-services/nothing", json={}, headers=headers)
    assert response.status_code == 404
    assert response.json()["error"] == {"status": 404, "code": "not_found", "message": words}


def test_feedback_refusals_are_said_in_the_accepted_language(client):
    body = {"feedback": [{"card": "x", "outcome": "maybe", "outcomeTimestamp": "t"}]}
    response = client.post(f"{SIGN}/feedback", json=body, headers={"Accept-Language": "ru"})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "status": 400,
        "code": "invalid_cds_request",
        "message": "feedback[0].outcome должен быть «accepted» или «overridden»",
    }


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("ru", "ru"),
        ("en-GB,ru;q=0.9", "en"),
        ("de,ru;q=0.4,en;q=0.3", "ru"),
        ("ru;q=0, en", "en"),
        ("fr, de", None),
        ("", None),
        ("ru;q=abc", None),
    ],
)
def test_accepted_language(header, lang):
    from spinecare.i18n import accepted_language

    assert accepted_language(header) == lang


def test_data_of_another_patient_is_refused(client, hook_request, synthea):
    body = hook_request("order-sign", CONTRAINDICATED)
    other_pid, _ = synthea(DEFER)
    entry = body["prefetch"]["conditions"]["entry"][0]["resource"]
    entry["subject"] = {"reference": f"Patient/{other_pid}"}
    response = client.post(SIGN, json=body)
    assert response.status_code == 400
    assert "another patient" in response.json()["error"]["message"]


def test_a_request_nested_past_the_limit_is_a_bad_request(client):
    body = b'{"hook": "patient-view", "x": ' + b"[" * 300 + b"]" * 300 + b"}"
    response = client.post(VIEW, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "254" in response.json()["error"]["message"]


def test_a_draft_order_for_another_patient_is_refused(client, hook_request, synthea):
    """The card screens the patient in context: it must not propose to delete, or judge,
    an order the EHR drafted for someone else."""
    body = hook_request("order-sign", CONTRAINDICATED)
    other_pid, _ = synthea(DEFER)
    entries = body["context"]["draftOrders"]["entry"]
    index = next(i for i, e in enumerate(entries) if e["resource"].get("id") == "massage-1")
    entries[index]["resource"]["subject"] = {"reference": f"Patient/{other_pid}"}
    response = client.post(SIGN, json=body)
    assert response.status_code == 400
    assert f"context.draftOrders.entry[{index}]" in response.json()["error"]["message"]


def test_data_of_another_patient_inside_a_nested_bundle_is_refused(client, hook_request, synthea):
    """The prefetch's own entries are checked, and so are those of a Bundle among them:
    another patient's blood pressure carried in one turned needs_data into allowed."""
    body = hook_request("order-sign", CONTRAINDICATED)
    other_pid, _ = synthea(DEFER)
    entry = copy.deepcopy(body["prefetch"]["conditions"]["entry"][0]["resource"])
    entry["subject"] = {"reference": f"Patient/{other_pid}"}
    nested = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": entry}]}
    body["prefetch"]["conditions"]["entry"].append({"resource": nested})
    response = client.post(SIGN, json=body)
    assert response.status_code == 400
    assert "another patient" in response.json()["error"]["message"]
    own = body["context"]["patientId"]
    entry["subject"] = {"reference": f"Patient/{own}"}
    assert client.post(SIGN, json=body).status_code == 200


def test_huge_body_is_413(client):
    response = client.post(
        SIGN, content=b"{" + b" " * 2_100_000 + b"}", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_huge_chunked_body_is_413(client):
    def chunks():
        for _ in range(30):
            yield b" " * 100_000

    response = client.post(SIGN, content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_unknown_service_is_404(client):
    assert client.post("/cds-services/nope", json={}).status_code == 404


def test_cors_for_configured_browser_origins(client):
    ok = client.options(
        "/cds-services",
        headers={
            "Origin": "https://ehr-ui.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert ok.headers["access-control-allow-origin"] == "https://ehr-ui.example.org"
    other = client.options(
        "/cds-services",
        headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in other.headers


# ------------------------------------------------------------------ feedback


def test_feedback_is_stored_and_audited(client, hook_request, caplog):
    (card,) = client.post(SIGN, json=hook_request("order-sign", CONTRAINDICATED)).json()["cards"]
    suggestion = card["suggestions"][0]["uuid"]
    feedback = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "accepted",
                "acceptedSuggestions": [{"id": suggestion}],
                "outcomeTimestamp": "2026-11-20T10:00:00Z",
            },
            {
                "card": card["uuid"],
                "outcome": "overridden",
                "overrideReason": {"reason": card["overrideReasons"][0], "userComment": "cleared"},
                "outcomeTimestamp": "2026-11-20T10:01:00Z",
            },
        ]
    }
    with caplog.at_level("INFO", logger="spinecare.audit"):
        response = client.post(f"{SIGN}/feedback", json=feedback)
    assert response.status_code == 200
    assert response.json() == {"stored": 2}
    stored = list(client.app.state.cds.feedback)[-2:]
    assert [e["outcome"] for e in stored] == ["accepted", "overridden"]
    assert stored[0]["acceptedSuggestions"] == [suggestion]
    assert card["uuid"] in caplog.text


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"feedback": []},
        {"feedback": [{"card": "x"}]},
        {"feedback": [{"card": "x", "outcome": "maybe", "outcomeTimestamp": "t"}]},
        {"feedback": [{"card": "x", "outcome": "accepted", "outcomeTimestamp": "t"}]},
    ],
)
def test_bad_feedback_is_400(client, body):
    assert client.post(f"{SIGN}/feedback", json=body).status_code == 400


GOOD_FEEDBACK = {"card": "c-1", "outcome": "overridden", "outcomeTimestamp": "2026-11-20T10:01:00Z"}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"outcomeTimestamp": "t"}, "outcomeTimestamp"),
        ({"outcomeTimestamp": "2026-11-20"}, "outcomeTimestamp"),  # a date without a time
        ({"outcomeTimestamp": "0001-01-01T00:00:00Z"}, "outcomeTimestamp"),
        ({"outcomeTimestamp": "9999-12-31T23:59:59Z"}, "outcomeTimestamp"),
        ({"outcomeTimestamp": "2026-11-20T10:01:00Z" + " " * 100}, "outcomeTimestamp"),
        ({"card": "x" * 5000}, ".card"),
        ({"card": "c-1\nforged line"}, ".card"),
        ({"card": "c-1\x00"}, ".card"),
        ({"overrideReason": {"reason": "free text"}}, "overrideReason"),
        ({"overrideReason": {"userComment": "x" * 5000}}, "overrideReason"),
        ({"overrideReason": {"userComment": "a\x00b"}}, "overrideReason"),
        ({"overrideReason": {"reason": {"code": "x"}, "extra": [1] * 100}}, "overrideReason"),
        ({"acceptedSuggestions": [{"id": "s" * 5000}]}, "acceptedSuggestions"),
    ],
)
def test_feedback_that_is_not_what_cds_hooks_describes_is_refused(client, change, named):
    """Stored feedback is what the specification describes: a card's id, a date and time,
    a coded reason with a short comment; anything else is refused naming the field, and
    nothing is stored."""
    before = len(client.app.state.cds.feedback)
    response = client.post(f"{SIGN}/feedback", json={"feedback": [{**GOOD_FEEDBACK, **change}]})
    assert response.status_code == 400, response.text
    assert named in response.json()["error"]["message"]
    assert len(client.app.state.cds.feedback) == before
    ok = client.post(f"{SIGN}/feedback", json={"feedback": [GOOD_FEEDBACK]})
    assert ok.status_code == 200 and ok.json() == {"stored": 1}


def test_feedback_of_too_many_items_is_refused_in_the_requests_language(client):
    body = {"feedback": [GOOD_FEEDBACK] * 1001}
    response = client.post(f"{SIGN}/feedback", json=body, headers={"Accept-Language": "ru"})
    assert response.status_code == 400
    assert "1000" in response.json()["error"]["message"].replace("\u00a0", "").replace(" ", "")
    assert "запрос" in response.json()["error"]["message"]
    wrong_time = {"feedback": [{**GOOD_FEEDBACK, "outcomeTimestamp": "вчера"}]}
    said = client.post(f"{SIGN}/feedback", json=wrong_time, headers={"Accept-Language": "ru"})
    assert "feedback[0].outcomeTimestamp" in said.json()["error"]["message"]
    assert "дата и время" in said.json()["error"]["message"]


def test_massage_value_set_codes():
    from spinecare.fhir.cards import order_value_set

    codes = order_value_set()["codes"]
    assert ("http://snomed.info/sct", "387854002") in codes
    assert ("http://www.ama-assn.org/go/cpt", "97124") in codes
    assert {system for system, _ in codes} == {
        "http://snomed.info/sct",
        "http://www.ama-assn.org/go/cpt",
    }


def test_other_massage_codes_trigger_too(client, hook_request):
    body = hook_request("order-sign", CONTRAINDICATED, massage=False)
    pid = body["context"]["patientId"]
    order = massage_order(pid, "manip-1", {"system": "http://snomed.info/sct", "code": "46947000"})
    body["context"]["draftOrders"]["entry"].append({"resource": order})
    (card,) = client.post(SIGN, json=body).json()["cards"]
    assert card["suggestions"][0]["actions"][0]["resourceId"] == "ServiceRequest/manip-1"


def test_separate_systolic_and_diastolic_observations_are_prefetched(client, templates):
    """An EHR that stores systolic and diastolic as separate Observations (no panel):
    one prefetch search per measure brings both latest readings."""
    from fhir_search import prefetch_for

    loinc = "http://loinc.org"

    def obs(oid: str, code: str, value: float, unit: str, day: str) -> dict:
        return {
            "resourceType": "Observation",
            "id": oid,
            "status": "final",
            "subject": {"reference": "Patient/sep"},
            "effectiveDateTime": day,
            "code": {"coding": [{"system": loinc, "code": code}]},
            "valueQuantity": {"value": value, "unit": unit, "code": unit},
        }

    resources = [
        {"resourceType": "Patient", "id": "sep"},
        obs("s1", "8480-6", 185, "mm[Hg]", "2026-11-19"),
        obs("d1", "8462-4", 95, "mm[Hg]", "2026-11-20"),  # the latest reading of all
        obs("t1", "8310-5", 36.6, "Cel", "2026-11-20"),
    ]
    body = {
        "hook": "patient-view",
        "hookInstance": "6f9c3d2e-sep",
        "context": {"userId": "Practitioner/1", "patientId": "sep"},
        "prefetch": prefetch_for(resources, templates, "sep", "2026-11-20"),
        "extension": {"org.spinecare.as-of": "2026-11-20"},
    }
    assert body["prefetch"]["systolic_bp"]["entry"][0]["resource"]["id"] == "s1"
    assert body["prefetch"]["diastolic_bp"]["entry"][0]["resource"]["id"] == "d1"
    data = valid(client.post(VIEW, json=body).json())
    detail = data["cards"][0]["detail"]
    assert (
        f"**Verdict:** {verdict_text('defer', 'en')} ·" in detail
    )  # systolic 185 from its own Observation: defer, not needs_data
    assert data["cards"][0]["indicator"] == "warning"


def test_an_encounter_diagnosis_is_prefetched_and_counts(client, templates):
    """A heart failure given only as a recent visit's reasonCode: the prefetch asks for the
    latest Encounters, so the card says what the CLI says of the same record."""
    from fhir_search import prefetch_for

    from spinecare import screen

    path = Path(__file__).parents[1] / "fixtures" / "ehr" / "encounter_reason_code_only.json"
    bundle = json.loads(path.read_text(encoding="utf-8"))
    resources = [{"id": f"r{i}", **e["resource"]} for i, e in enumerate(bundle["entry"])]
    prefetch = prefetch_for(resources, templates, "p1", "2026-11-20")
    assert prefetch["encounters"]["entry"][0]["resource"]["resourceType"] == "Encounter"
    body = _view_body(prefetch, "6f9c3d2e-enc")
    expected = screen(path, as_of=date(2026, 11, 20)).verdict
    assert expected == "contraindicated"
    detail = valid(client.post(VIEW, json=body).json())["cards"][0]["detail"]
    assert f"**Verdict:** {verdict_text(expected, 'en')} ·" in detail


# ------------------------------------------------------------------ outbound fetch guard

FHIR_AUTH = {
    "access_token": "t",
    "token_type": "Bearer",
    "expires_in": 300,
    "scope": "user/*.read",
    "subject": "cds",
}


@pytest.fixture(scope="module")
def guarded_client():
    """The JWT check off, and no internal address allow-listed (the production default)."""
    return make_client(cds_jwt_required=False)


@pytest.mark.parametrize(
    "server",
    [
        "http://127.0.0.1:{port}/fhir",
        "http://localhost:{port}/fhir",
        "http://[::1]:{port}/fhir",
        "http://169.254.169.254/latest",
        "http://10.0.0.5/fhir",
        "http://192.168.1.10/fhir",
        "http://[::ffff:127.0.0.1]:{port}/fhir",
        "http://0.0.0.0:{port}/fhir",
    ],
)
def test_fhir_server_on_an_internal_address_is_refused(
    guarded_client, hook_request, stub_fhir, server
):
    stub_fhir.requests.clear()
    port = stub_fhir.url.rsplit(":", 1)[1]
    body = hook_request("patient-view", CONTRAINDICATED, prefetch=False)
    body["fhirServer"] = server.format(port=port)
    body["fhirAuthorization"] = FHIR_AUTH
    response = guarded_client.post(VIEW, json=body)
    assert response.status_code == 412
    assert "internal address" in response.json()["error"]["message"]
    assert stub_fhir.requests == []  # nothing was sent


def test_allow_listed_network_may_be_fetched(hook_request, stub_fhir, synthea):
    _, resources = synthea(CONTRAINDICATED)
    stub_fhir.resources = resources
    allowed = make_client(cds_jwt_required=False, cds_fhir_allowed_hosts=["127.0.0.0/8"])
    body = hook_request("patient-view", CONTRAINDICATED, prefetch=False)
    body["fhirServer"] = f"{stub_fhir.url}/fhir"
    body["fhirAuthorization"] = FHIR_AUTH
    response = allowed.post(VIEW, json=body)
    assert response.status_code == 200
    assert response.json()["cards"][0]["indicator"] == "critical"


def test_redirect_to_an_internal_address_is_refused():
    import asyncio

    import httpx

    from spinecare.fhir.outbound import AddressPolicy, BlockedAddress, guarded_client

    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.host == "93.184.216.34":
            return httpx.Response(302, headers={"Location": "http://127.0.0.1/secret"})
        return httpx.Response(200, json={"resourceType": "Patient"})

    async def fetch() -> None:
        async with guarded_client(AddressPolicy(), transport=httpx.MockTransport(handler)) as c:
            await c.get("http://93.184.216.34/fhir/Patient/1")

    with pytest.raises(BlockedAddress, match="internal address"):
        asyncio.run(fetch())
    assert seen == ["http://93.184.216.34/fhir/Patient/1"]  # the redirect was never followed


def test_address_policy_checks_every_resolved_address(monkeypatch):
    import asyncio
    import socket

    import httpx

    from spinecare.fhir.outbound import AddressPolicy, BlockedAddress

    async def two_addresses(host, port, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port)),
        ]

    async def check(policy: AddressPolicy) -> None:
        loop = asyncio.get_running_loop()
        monkeypatch.setattr(loop, "getaddrinfo", two_addresses)
        await policy.check(httpx.URL("https://ehr.example.org/fhir"))

    with pytest.raises(BlockedAddress):
        asyncio.run(check(AddressPolicy()))
    asyncio.run(check(AddressPolicy.from_entries(["10.1.0.0/16"])))
    asyncio.run(check(AddressPolicy.from_entries(["ehr.example.org"])))


# ------------------------------------------------------------------ card links


def _empty_prefetch(templates, pid: str) -> dict:
    prefetch: dict = {key: None for key in templates}
    prefetch["patient"] = {"resourceType": "Patient", "id": pid}
    return prefetch


@pytest.fixture
def linked_app(tmp_path):
    """An app whose database holds patients 1-4; the EHR's patient "3" is patient 1."""
    from spinecare.clinic.accounts import get_or_create_clinic
    from spinecare.clinic.patients import now
    from spinecare.store.db import open_database
    from spinecare.store.ehr import link_ehr_patient
    from spinecare.store.models import PatientRow

    db_url = f"sqlite:///{tmp_path / 'clinic.sqlite'}"
    db = open_database(db_url)
    with db.session() as session:
        clinic = get_or_create_clinic(session, "Clinic A")
        rows = []
        for n in range(1, 5):
            row = PatientRow(
                clinic_id=clinic.id,
                external_id=f"P{n}",
                name=f"Patient {n}",
                created_at=now(),
                updated_at=now(),
            )
            session.add(row)
            session.flush()
            rows.append(row)
        assert [r.id for r in rows] == [1, 2, 3, 4]
        link_ehr_patient(session, rows[0], "https://ehr.example.org/fhir", "3")
    db.dispose()
    return make_client(cds_jwt_required=False, db_url=db_url)


def test_card_links_the_patient_stored_with_the_ehr_id_not_the_same_row_id(linked_app, templates):
    body = {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "fhirServer": "https://ehr.example.org/fhir/",
        "context": {"userId": "Practitioner/1", "patientId": "3"},
        "prefetch": _empty_prefetch(templates, "3"),
    }
    (card,) = valid(linked_app.post(VIEW, json=body).json())["cards"]
    assert card["links"] == [
        {"label": card["links"][0]["label"], "url": f"{BASE}/patients/1", "type": "absolute"}
    ]
    # another EHR's patient "3", or this EHR's patient "2": not known, so no patient link
    for server, pid in (("https://other-ehr.example.org/fhir", "3"), (body["fhirServer"], "2")):
        other = {
            **body,
            "fhirServer": server,
            "context": {"userId": "Practitioner/1", "patientId": pid},
            "prefetch": _empty_prefetch(templates, pid),
        }
        (card,) = valid(linked_app.post(VIEW, json=other).json())["cards"]
        assert card["links"] == [
            {"label": card["links"][0]["label"], "url": f"{BASE}/launch", "type": "smart"}
        ]
        assert "/patients/" not in json.dumps(card)


def test_prefetch_templates_are_built_once_per_kb(kb):
    from spinecare.fhir import prefetch

    first = prefetch.kb_templates(kb)
    assert first == prefetch.prefetch_templates(kb)
    assert prefetch.kb_templates(kb) is first  # not rebuilt for the next request
    assert prefetch._measures(kb) is prefetch._measures(kb)


def test_markdown_escape_keeps_data_literal():
    from spinecare.fhir.cards import markdown_escape

    assert markdown_escape("a_b *c* [d](e) <f> #g |h| ~i~ `j` \\k\n  l") == (
        "a\\_b \\*c\\* \\[d\\](e) \\<f\\> \\#g \\|h\\| \\~i\\~ \\`j\\` \\\\k l"
    )


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("see https://evil.example/reauth now", "see https\\://evil\\.example/reauth now"),
        ("visit www.evil.com", "visit www\\.evil\\.com"),
        ("log in at evil.com/login", "log in at evil\\.com/login"),
        ("ftp://x.org", "ftp\\://x\\.org"),
        ("visit www.1evil.com", "visit www\\.1evil\\.com"),  # a digit after www. too
        ("WWW.2evil.com", "WWW\\.2evil\\.com"),
        ("T 38.5, BP 150/95 at 10:30", "T 38.5, BP 150/95 at 10:30"),  # numbers as they are
        ("\u202eevil\u202c and \u2067safe\u2069", "evil and safe"),  # nothing reordered
    ],
)
def test_markdown_escape_makes_no_link_of_an_address_in_the_record(text, escaped):
    """A card's detail is GitHub-flavoured Markdown, whose renderers make links of bare
    addresses: an address written in the record (a note, a Condition's display) must stay
    text, reading as written, on the card in the EHR."""
    import cmarkgfm

    from spinecare.fhir.cards import markdown_escape

    assert markdown_escape(text) == escaped
    # GitHub's own renderer (cmark-gfm with its autolinks), which makes a link of each
    # of these before it is escaped
    shown = cmarkgfm.github_flavored_markdown_to_html(escaped).strip()
    assert "<a " not in shown
    assert shown == "<p>" + escaped.replace("\\", "") + "</p>"


def test_the_checked_address_is_the_one_connected_to(monkeypatch):
    """DNS rebinding: the name resolves to an allowed address for the check and to a
    loopback one afterwards; the request goes to the checked address, under its name."""
    import asyncio
    import socket

    from spinecare.fhir.outbound import AddressPolicy, guarded_client

    real = socket.getaddrinfo
    answers = iter(["127.0.0.2"])  # the first answer; every later one is 127.0.0.1

    def rebinding(host, port, *args, **kwargs):
        if host in ("ehr.example.test", b"ehr.example.test"):  # anyio asks in bytes
            host = next(answers, "127.0.0.1")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    received: dict[str, list[bytes]] = {"127.0.0.1": [], "127.0.0.2": []}

    def answer(address: str):
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            received[address].append(await reader.readuntil(b"\r\n\r\n"))
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: 2\r\nConnection: close\r\n\r\n{}"
            )
            await writer.drain()
            writer.close()

        return handle

    async def fetch() -> int:
        internal = await asyncio.start_server(answer("127.0.0.1"), "127.0.0.1", 0)
        port = internal.sockets[0].getsockname()[1]
        checked = await asyncio.start_server(answer("127.0.0.2"), "127.0.0.2", port)
        async with internal, checked:
            policy = AddressPolicy.from_entries(["127.0.0.2/32"])
            async with guarded_client(policy) as client:
                response = await client.get(f"http://ehr.example.test:{port}/fhir/Patient/1")
        return response.status_code

    assert asyncio.run(fetch()) == 200
    assert received["127.0.0.1"] == []  # nothing reached the second answer
    (head,) = received["127.0.0.2"]
    assert b"GET /fhir/Patient/1 " in head
    assert b"\r\nhost: ehr.example.test:" in head.lower()


def test_tls_is_verified_for_the_name_not_the_address():
    """The pinned request carries the host's name for TLS (SNI and the certificate)."""
    import asyncio

    import httpx

    from spinecare.fhir.outbound import AddressPolicy, guarded_client

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    async def fetch() -> None:
        policy = AddressPolicy.from_entries(["127.0.0.0/8"])
        async with guarded_client(policy, transport=httpx.MockTransport(handler)) as client:
            await client.get("https://localhost/fhir/Patient/1")

    asyncio.run(fetch())
    (request,) = seen
    assert request.url.host in {"127.0.0.1", "::1"}
    assert request.extensions["sni_hostname"] == "localhost"
    assert request.headers["host"] == "localhost"


def test_routes_placed_directly_on_an_app_keep_their_paths_and_refuse_app_dependencies() -> None:
    from fastapi import APIRouter, Depends, FastAPI
    from fastapi.testclient import TestClient

    from spinecare.api.cds_app import include_directly

    router = APIRouter(tags=["x"])

    @router.post("/things/{thing}")
    async def thing(thing: str) -> dict[str, str]:
        return {"thing": thing}

    app = FastAPI()
    include_directly(app, router)
    client = TestClient(app)
    assert client.post("/things/a").json() == {"thing": "a"}
    assert client.get("/things/a").status_code == 405
    assert "/things/{thing}" in client.get("/openapi.json").json()["paths"]

    def required() -> None:
        pass

    guarded = FastAPI(dependencies=[Depends(required)])
    with pytest.raises(ValueError, match="dependencies"):
        include_directly(guarded, router)


# ------------------------------------------------------------------ kinds an EHR may not offer


@pytest.mark.parametrize(
    ("lang", "heading", "words"),
    [("en", "### Not read", "alert"), ("ru", "### Не прочитано", "предупреждение")],
)
def test_an_ehr_sending_only_the_core_prefetch_gets_its_card_naming_what_was_not_read(
    client, hook_request, lang, heading, words
):
    """An EHR configured before the prefetch asked for alerts, notes, bills and the like
    (no FHIR server to fetch them from): the record is screened from what it sent, and the
    card names the kinds of record it could not read, in the request's language."""
    from spinecare.fhir.prefetch import OPTIONAL_KEYS

    full = hook_request("patient-view", CONTRAINDICATED)
    core = hook_request("patient-view", CONTRAINDICATED)
    for body in (full, core):
        body["extension"]["org.spinecare.lang"] = lang
    for key in OPTIONAL_KEYS:
        del core["prefetch"][key]
    (expected,) = valid(client.post(VIEW, json=full).json())["cards"]
    (card,) = valid(client.post(VIEW, json=core).json())["cards"]
    assert card["indicator"] == expected["indicator"] == "critical"
    assert card["detail"].split("\n", 1)[0] == expected["detail"].split("\n", 1)[0]
    assert heading in card["detail"] and words in card["detail"]
    assert heading not in expected["detail"]
    assert "Flag" not in card["detail"] and "flags" not in card["detail"]


def test_a_kind_the_ehr_answers_with_an_error_is_not_read_not_an_error_card(client, hook_request):
    body = hook_request("patient-view", CONTRAINDICATED)
    issue = {"severity": "error", "code": "not-supported", "diagnostics": "Flag is not supported"}
    body["prefetch"]["flags"] = {"resourceType": "OperationOutcome", "issue": [issue]}
    (card,) = valid(client.post(VIEW, json=body).json())["cards"]
    assert card["indicator"] == "critical"  # screened: the contraindication stands
    assert "### Not read" in card["detail"] and "alert" in card["detail"]


def test_kinds_the_fhir_server_does_not_support_are_not_read(
    client, hook_request, stub_fhir, synthea
):
    """Fetched from the EHR's FHIR server: a search of a kind it does not support (400
    not-supported) leaves that kind not read; what it does support is read as sent."""
    from spinecare.fhir.prefetch import OPTIONAL_KEYS

    _, resources = synthea(CONTRAINDICATED)
    stub_fhir.resources = resources
    stub_fhir.unsupported = {"Flag", "AdverseEvent"}
    try:
        body = _fhir_server(hook_request("patient-view", CONTRAINDICATED), stub_fhir)
        for key in (*OPTIONAL_KEYS, "conditions"):
            del body["prefetch"][key]
        (card,) = valid(client.post(VIEW, json=body).json())["cards"]
    finally:
        stub_fhir.unsupported = set()
    assert card["indicator"] == "critical"  # the conditions were fetched and read
    not_read = card["detail"].split("### Not read", 1)[1].split("###", 1)[0]
    assert "alert" in not_read and "adverse event" in not_read
    assert "clinical note" not in not_read  # fetched (none recorded), so read


def test_a_core_kind_missing_is_still_412_when_optional_ones_are_missing_too(client, hook_request):
    from spinecare.fhir.prefetch import OPTIONAL_KEYS

    body = hook_request("patient-view", CONTRAINDICATED)
    for key in (*OPTIONAL_KEYS, "conditions"):
        del body["prefetch"][key]
    response = client.post(VIEW, json=body)
    assert response.status_code == 412
    message = response.json()["error"]["message"]
    assert "conditions" in message and "flags" not in message


WARFARIN_DRAFT = {
    "resourceType": "MedicationRequest",
    "id": "warfarin-draft",
    "status": "draft",
    "intent": "order",
    "medicationCodeableConcept": {
        "coding": [
            {
                "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                "code": "855332",
                "display": "Warfarin Sodium 5 MG Oral Tablet",
            }
        ]
    },
}


@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_a_blood_thinner_ordered_with_the_massage_counts(client, hook_request, hook):
    """A warfarin order drafted beside the massage order is signed with it: the patient will
    take it during the course. Read as a draft (not in force), it left the card at needs_data
    with no word of it."""
    url = SIGN if hook == "order-sign" else SELECT
    body = hook_request(hook, NEEDS_DATA)
    (before,) = client.post(url, json=body).json()["cards"]
    assert "Warfarin" not in before["detail"]
    pid = body["context"]["patientId"]
    drug = {**WARFARIN_DRAFT, "subject": {"reference": f"Patient/{pid}"}}
    body["context"]["draftOrders"]["entry"].append({"resource": drug})
    (card,) = valid(client.post(url, json=body).json())["cards"]
    assert card["summary"].startswith(verdict_text("needs_clearance", "en"))
    assert "'Warfarin Sodium 5 MG Oral Tablet'" in card["detail"]
    # an order cancelled in the same session stays cancelled
    drug["status"] = "cancelled"
    (cancelled,) = client.post(url, json=body).json()["cards"]
    assert "Warfarin" not in cancelled["detail"].split("### Not used")[0]


def test_a_drug_order_for_another_patient_is_refused(client, hook_request, synthea):
    body = hook_request("order-sign", NEEDS_DATA)
    other_pid, _ = synthea(DEFER)
    drug = {**WARFARIN_DRAFT, "subject": {"reference": f"Patient/{other_pid}"}}
    entries = body["context"]["draftOrders"]["entry"]
    entries.append({"resource": drug})
    response = client.post(SIGN, json=body)
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert f"context.draftOrders.entry[{len(entries) - 1}]" in message
    assert "another patient" in message


def _paged_saddle_record(templates: dict) -> tuple[list[dict], dict]:
    """A record whose saddle numbness (an Observation, 1 Nov) is older than the thirty
    laboratory results after it, and its prefetch with the observations' first page only
    (twenty, and a ``next`` link), as an EHR that pages its searches sends it."""
    from fhir_search import prefetch_for

    bundle = json.loads(
        (FIXTURES / "ehr" / "observed_saddle_numbness_present.json").read_text(encoding="utf-8")
    )
    resources = [{"id": f"r{i}", **e["resource"]} for i, e in enumerate(bundle["entry"])]
    for r in resources:
        if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == "449813001":
            r["effectiveDateTime"] = "2026-11-01"
    labs = [
        {
            "resourceType": "Observation",
            "id": f"lab{i}",
            "status": "final",
            "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]},
            "effectiveDateTime": f"2026-11-{2 + i // 2:02d}",
            "valueQuantity": {"value": 5.1, "unit": "mmol/L"},
        }
        for i in range(30)
    ]
    resources += labs
    prefetch = prefetch_for(resources, templates, "p1")
    newest = sorted(labs, key=lambda r: r["effectiveDateTime"], reverse=True)[:20]
    prefetch["observations"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in newest],
        "link": [{"relation": "next", "url": "NEXT"}],
    }
    return resources, prefetch


def test_a_prefetch_sent_one_page_at_a_time_is_read_whole(client, templates, stub_fhir) -> None:
    """CDS Hooks lets an EHR send a search's first page with a ``next`` link: the service
    reads the next pages from the EHR's FHIR server, so an older finding the first page
    leaves out still decides (the card said "allowed" where the CLI refers urgently)."""
    resources, prefetch = _paged_saddle_record(templates)
    stub_fhir.resources = resources
    stub_fhir.requests.clear()
    next_url = f"{stub_fhir.url}/fhir/Observation?patient=p1&_sort=-date&_page=2"
    prefetch["observations"]["link"][0]["url"] = next_url
    body = _view_body(prefetch, "paged-1")
    _fhir_server(body, stub_fhir)
    (card,) = valid(client.post(VIEW, json=body).json())["cards"]
    assert card["indicator"] == "critical", card["detail"][:300]
    assert any("_page=2" in path for path, _ in stub_fhir.requests)


def test_a_prefetch_read_only_in_part_says_so_on_the_card(client, templates) -> None:
    """Without a FHIR server to read the next pages from, the card names the kind of
    record read only in part and is never a card for information only."""
    _, prefetch = _paged_saddle_record(templates)
    prefetch["observations"]["link"][0]["url"] = "https://ehr.example.org/fhir/Observation?page=2"
    body = _view_body(prefetch, "paged-2")
    (card,) = valid(client.post(VIEW, json=body).json())["cards"]
    assert card["indicator"] == "warning"
    assert "only the latest entries" in card["detail"] and "observation" in card["detail"]


def test_a_next_page_is_followed_on_the_ehrs_server_only() -> None:
    """A page of the EHR's server (under its base, HAPI FHIR's ``base?_getpages=`` too)
    is followed; one of another host, scheme or port, or above the base, never is."""
    from spinecare.fhir.prefetch import on_server

    base = "https://ehr.example.org/fhir"
    assert on_server(f"{base}/Observation?patient=p1&page=2", base)
    assert on_server(f"{base}?_getpages=abc&_getpagesoffset=20", base)
    for other in (
        "https://evil.example.org/fhir/Observation",
        "http://ehr.example.org/fhir/Observation",
        "https://ehr.example.org:8443/fhir/Observation",
        "https://ehr.example.org/admin",
        "https://ehr.example.org/fhirx/Observation",
        "not a url",
    ):
        assert not on_server(other, base), other


@pytest.mark.parametrize(
    ("hook", "field", "value"),
    [
        ("patient-view", "draftOrders", "x"),
        ("patient-view", "draftOrders", {"resourceType": "Bundle", "entry": ["x"]}),
        ("patient-view", "draftOrders", {"resourceType": "Bundle", "entry": [{}]}),
        ("patient-view", "draftOrders", {"resourceType": "Bundle", "entry": "x"}),
        ("patient-view", "selections", 0),
    ],
)
def test_a_context_field_of_another_shape_is_the_requests_error(
    client, hook_request, hook: str, field: str, value: object
) -> None:
    """An optional context field a hook does not require, of a shape the service cannot
    read, is refused as the request's error (400), never an internal error."""
    body = hook_request(hook, CONTRAINDICATED)
    body["context"][field] = value
    response = client.post(VIEW, json=body)
    assert response.status_code == 400, response.text[:300]
