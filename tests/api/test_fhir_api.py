"""The FHIR API: every answer validates as FHIR R4B, verdicts equal the CLI's, every error
is an OperationOutcome with the app's statuses."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from conftest import (
    AS_OF,
    CONTRAINDICATED,
    DEFER,
    NEEDS_CLEARANCE,
    NEEDS_DATA,
    cli_verdict,
    make_client,
)

OP = "/fhir/Patient/$massage-screening"
FHIR = {"Content-Type": "application/fhir+json"}


def r4b(resource: dict[str, Any]) -> None:
    """Validate a resource, and each resource of a Bundle, against the R4B models."""
    from fhir.resources.R4B import get_fhir_model_class

    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    for entry in resource.get("entry", []):
        inner = entry["resource"]
        get_fhir_model_class(inner["resourceType"]).model_validate(inner)


def by_type(bundle: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        out.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return out


def verdict_of(bundle: dict[str, Any]) -> str:
    (params,) = by_type(bundle)["Parameters"]
    return next(p["valueCode"] for p in params["parameter"] if p["name"] == "verdict")


@pytest.fixture(scope="module")
def fhir_client():
    return make_client(cds_jwt_required=False, max_body_bytes=3_000_000)


@pytest.fixture(scope="module")
def bundle_of(synthea):
    def read(name: str) -> bytes:
        return gzip.decompress((synthea.folder / name).read_bytes())

    return read


def test_metadata_is_a_capability_statement(fhir_client):
    response = fhir_client.get("/fhir/metadata")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/fhir+json; charset=utf-8"
    statement = response.json()
    r4b(statement)
    assert statement["fhirVersion"] == "4.0.1"
    (patient,) = [r for r in statement["rest"][0]["resource"] if r["type"] == "Patient"]
    (operation,) = patient["operation"]
    assert operation["name"] == "massage-screening"
    definition = fhir_client.get(operation["definition"].removeprefix(BASE_URL))
    assert definition.status_code == 200
    r4b(definition.json())
    assert definition.json()["code"] == "massage-screening"


BASE_URL = "https://spinecare.example.org"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (CONTRAINDICATED, "contraindicated"),
        (NEEDS_CLEARANCE, "needs_clearance"),
        (NEEDS_DATA, "needs_data"),
        (DEFER, "defer"),
    ],
)
def test_the_same_verdict_as_the_cli(fhir_client, bundle_of, synthea, name, expected):
    response = fhir_client.post(f"{OP}?as_of={AS_OF}", content=bundle_of(name), headers=FHIR)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/fhir+json; charset=utf-8"
    bundle = response.json()
    r4b(bundle)
    assert verdict_of(bundle) == expected == cli_verdict(synthea.folder / name, AS_OF)
    resources = by_type(bundle)
    (guidance,) = resources["GuidanceResponse"]
    assert guidance["reasonCode"][0]["coding"][0]["code"] == expected
    assert guidance["status"] == ("data-required" if expected == "needs_data" else "success")
    issues = resources.get("DetectedIssue", [])
    assert issues, "a limiting verdict comes with its findings"
    assert {r["reference"] for r in guidance["reasonReference"]} == {
        e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DetectedIssue"
    }
    for issue in issues:
        assert issue["evidence"]  # the facts and the sources behind the finding
        assert any(
            c.get("coding", [{}])[0].get("system") == "urn:spinecare:source"
            for e in issue["evidence"]
            for c in e["code"]
        )
    has_plan = expected in {"needs_clearance", "needs_data"}  # a pending plan; blocked: none
    assert ("CarePlan" in resources) == has_plan
    if has_plan:
        (careplan,) = resources["CarePlan"]
        assert careplan["status"] == "draft"  # pending: a provisional plan, not to start
        careplan_url = next(
            e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CarePlan"
        )
        assert guidance["result"]["reference"] == careplan_url


def parameters_of(record: dict[str, Any], *parts: dict[str, Any]) -> dict[str, Any]:
    """Parameters with the record as ``resource``, ``asOf`` AS_OF, and ``parts``."""
    given = [{"name": "resource", "resource": record}, {"name": "asOf", "valueDate": AS_OF}]
    return {"resourceType": "Parameters", "parameter": [*given, *parts]}


def test_parameters_with_a_resource_and_as_of(fhir_client, bundle_of):
    record = json.loads(bundle_of(CONTRAINDICATED))
    parameters = parameters_of(record)
    response = fhir_client.post(OP, json=parameters)  # application/json is accepted too
    assert response.status_code == 200, response.text
    r4b(response.json())
    assert verdict_of(response.json()) == "contraindicated"
    (params,) = by_type(response.json())["Parameters"]
    assert {"name": "asOf", "valueDate": AS_OF} in params["parameter"]


def _outcome(response, status: int, needle: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/fhir+json; charset=utf-8"
    outcome = response.json()
    r4b(outcome)
    assert outcome["resourceType"] == "OperationOutcome"
    assert needle in outcome["issue"][0]["diagnostics"]
    assert "Traceback" not in response.text


def test_errors_are_operation_outcomes(fhir_client, bundle_of):
    record = bundle_of(CONTRAINDICATED)
    _outcome(
        fhir_client.post(OP, content=record, headers={"Content-Type": "text/plain"}),
        415,
        "application/fhir+json",
    )
    _outcome(fhir_client.post(OP, content=b"{not json", headers=FHIR), 400, "not valid JSON")
    _outcome(fhir_client.post(OP, content=b"", headers=FHIR), 400, "empty request body")
    _outcome(fhir_client.post(OP, content=b"[1]", headers=FHIR), 400, "JSON object")
    _outcome(
        fhir_client.post(f"{OP}?as_of=2019-02-30", content=record, headers=FHIR),
        400,
        "not a date",
    )
    _outcome(
        fhir_client.post(OP, json={"resourceType": "Patient", "id": "p"}, headers=FHIR),
        422,
        "not Patient",
    )
    _outcome(
        fhir_client.post(
            OP,
            json={
                "resourceType": "Parameters",
                "parameter": [{"name": "asOf", "valueDate": AS_OF}],
            },
        ),
        422,
        "no 'resource' part",
    )
    parameters = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "resource", "resource": json.loads(record)},
            {"name": "asOf", "valueDate": "2019-01-01"},
        ],
    }
    _outcome(fhir_client.post(f"{OP}?as_of={AS_OF}", json=parameters), 400, "disagree")
    _outcome(
        fhir_client.post(OP, json={"resourceType": "Bundle", "type": "collection", "entry": 5}),
        400,
        "entry",
    )
    _outcome(fhir_client.get(OP), 405, "not supported")
    _outcome(fhir_client.get("/fhir/Patient/123"), 404, "not part of this FHIR API")


@pytest.mark.parametrize(
    ("query", "headers", "body", "status", "words"),
    [
        ("?lang=ru", FHIR, b"", 400, "пустое тело запроса: ожидался Bundle или Parameters"),
        ("", {**FHIR, "Accept-Language": "ru"}, b"[1]", 400, "тело запроса должно быть объектом"),
        ("?lang=ru", FHIR, b"{not json", 400, "тело запроса: неверный JSON"),
        ("?lang=ru&as_of=2019-02-30", FHIR, b"{}", 400, "as_of: «2019-02-30» — не дата"),
        ("?lang=xx", {**FHIR, "Accept-Language": "ru"}, b"{}", 400, "lang: «xx» — не один из"),
        ("?lang=ru", FHIR, b'{"resourceType": "Patient"}', 422, "операция принимает Bundle"),
        ("?lang=ru", {"Content-Type": "text/plain"}, b"{}", 415, "отправьте ресурс как"),
        ("?lang=en", {**FHIR, "Accept-Language": "ru"}, b"", 400, "empty request body"),
        ("?lang=ru&asof=2019-06-01", FHIR, b"{}", 400, "«asof» — не параметр этой операции"),
    ],
)
def test_operation_outcomes_are_said_in_the_requests_language(
    fhir_client, query, headers, body, status, words
):
    """lang, else Accept-Language, else English: the OperationOutcome's diagnostics."""
    response = fhir_client.post(f"{OP}{query}", content=body, headers=headers)
    _outcome(response, status, words)


def test_an_unsupported_fhir_path_is_refused_in_the_accepted_language(fhir_client):
    response = fhir_client.get("/fhir/Patient/123", headers={"Accept-Language": "ru"})
    _outcome(response, 404, "/fhir/Patient/123 не входит в этот FHIR API")


def test_too_large_is_an_operation_outcome(bundle_of):
    small = make_client(cds_jwt_required=False, max_body_bytes=10_000)
    record = bundle_of(CONTRAINDICATED)
    _outcome(small.post(OP, content=record, headers=FHIR), 413, "larger than the limit")

    def chunks():  # no Content-Length: the limit applies while the body is read
        for start in range(0, len(record), 4096):
            yield record[start : start + 4096]

    _outcome(small.post(OP, content=chunks(), headers=FHIR), 413, "larger than the limit")


def test_the_clinic_app_serves_the_fhir_api(tmp_path, bundle_of):
    from fastapi.testclient import TestClient

    from spinecare.app import create_app
    from spinecare.settings import Settings

    settings = Settings(
        environment="test",
        db_url=f"sqlite:///{tmp_path / 'app.sqlite'}",
        max_body_bytes=10_000,
        cds_jwt_required=False,
    )
    client = TestClient(create_app(settings))
    response = client.get("/fhir/metadata", headers={"Accept": "text/html"})
    assert response.status_code == 200
    r4b(response.json())
    _outcome(
        client.post(OP, content=bundle_of(CONTRAINDICATED), headers=FHIR),
        413,
        "larger than the limit",
    )
    _outcome(client.get("/fhir/nothing", headers={"Accept": "text/html"}), 404, "not part")


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ("", "application/fhir+xml"),
        ("", "application/xml, text/xml"),
        ("", "application/fhir+json; fhirVersion=3.0, application/fhir+xml"),
        ("", "application/fhir+json; q=0, application/fhir+xml"),
        ("?_format=xml", "application/fhir+json"),  # _format wins over Accept
        ("?_format=application/fhir%2Bxml", None),
        ("?_format=ttl", None),
    ],
)
def test_an_answer_in_another_format_than_json_is_refused_with_406(fhir_client, query, accept):
    """FHIR R4 http.html: a format the server cannot answer in is a 406, not JSON anyway."""
    headers = {"Accept": accept} if accept else {}
    for path in ("/fhir/metadata", "/fhir/OperationDefinition/massage-screening"):
        response = fhir_client.get(f"{path}{query}", headers=headers)
        _outcome(response, 406, "JSON only")
        assert response.json()["issue"][0]["code"] == "not-supported"
    response = fhir_client.post(
        f"{OP}{query}", content=b"{}", headers={**FHIR, **headers, "Accept-Language": "ru"}
    )
    _outcome(response, 406, "отвечает только в JSON")


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ("", None),
        ("", "*/*"),
        ("", "application/fhir+json"),
        ("", "application/fhir+json; fhirVersion=4.0"),
        ("", "application/fhir+json; fhirVersion=4.0.0"),
        ("", "application/json"),
        ("", "application/fhir+xml;q=1.0, application/fhir+json;q=0.9"),  # HAPI's client
        ("", "application/json+fhir"),
        ("", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),  # a browser
        ("?_format=json", "application/fhir+xml"),
        ("?_format=application/fhir+json", None),  # '+' unencoded: read as a space
        ("?_format=application/json", None),
    ],
)
def test_json_is_answered_to_every_request_that_takes_it(fhir_client, bundle_of, query, accept):
    headers = {"Accept": accept} if accept else {}
    response = fhir_client.get(f"/fhir/metadata{query}", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/fhir+json; charset=utf-8"
    assert response.json()["resourceType"] == "CapabilityStatement"
    separator = "&" if query else "?"
    response = fhir_client.post(
        f"{OP}{query}{separator}as_of={AS_OF}",
        content=bundle_of(DEFER),
        headers={**FHIR, **headers},
    )
    assert response.status_code == 200, response.text
    assert verdict_of(response.json()) == "defer"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/fhir/metadata", "GET"),
        ("DELETE", "/fhir/OperationDefinition/massage-screening", "GET"),
        ("OPTIONS", OP, "POST"),
        ("PUT", OP, "POST"),
    ],
)
def test_a_method_a_path_does_not_take_is_a_405_outcome_naming_the_one_it_does(
    fhir_client, method, path, allow
):
    response = fhir_client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.headers["content-type"] == "application/fhir+json; charset=utf-8"
    _outcome(response, 405, f"{method} is not supported")


@pytest.mark.parametrize(
    ("query", "status", "needle", "expression"),
    [
        # a misspelt date, ignored, would have screened on today's date
        ("?as-of=2019-06-01", 400, "'as-of' is not a parameter", "as-of"),
        ("?asOf=2019-06-01&asOf=2019-01-01", 400, "asOf is given more than once", "asOf"),
        ("?as_of=2019-06-01&as_of=2019-01-01", 400, "as_of is given more than once", "as_of"),
        ("?lang=ru&lang=en", 400, "lang is given more than once", "lang"),
    ],
)
def test_a_query_parameter_the_operation_does_not_take_is_refused(
    fhir_client, bundle_of, query, status, needle, expression
):
    response = fhir_client.post(f"{OP}{query}", content=bundle_of(DEFER), headers=FHIR)
    _outcome(response, status, needle)
    assert response.json()["issue"][0]["expression"] == [expression]


def test_prefer_handling_lenient_ignores_unknown_parameters(fhir_client, bundle_of):
    record = json.loads(bundle_of(DEFER))
    parameters = parameters_of(record, {"name": "note", "valueString": "from the ward"})
    lenient = {**FHIR, "Prefer": "return=representation; handling=lenient"}
    response = fhir_client.post(f"{OP}?_pretty=true&ward=3", json=parameters, headers=lenient)
    assert response.status_code == 200, response.text
    assert verdict_of(response.json()) == "defer"
    _outcome(
        fhir_client.post(OP, json=parameters, headers=FHIR),
        422,
        "Parameters.parameter[2]: 'note' is not a parameter of this operation (resource, asOf, "
        "lang)",
    )
    twice = parameters_of(record, {"name": "asOf", "valueDate": AS_OF})
    _outcome(fhir_client.post(OP, json=twice, headers=lenient), 422, "only one 'asOf' part")
    # FHIR's general parameters are let through without asking
    response = fhir_client.post(f"{OP}?as_of={AS_OF}&_pretty=true", json=record, headers=FHIR)
    assert response.status_code == 200, response.text
