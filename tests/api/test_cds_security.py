"""CDS Hooks JWT checks: every failure is a bare 401; tokens are never logged."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from conftest import BASE, CONTRAINDICATED, ISSUER, JKU_ISSUER, make_client

DISCOVERY = f"{BASE}/cds-services"
SIGN = "/cds-services/spinecare-order-sign"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_bare_401(response) -> None:
    """No body, no reason; the challenge HTTP requires of every 401 (RFC 9110 11.6.1)."""
    assert response.status_code == 401
    assert response.content == b""
    assert response.headers["www-authenticate"] == "Bearer"


def test_valid_es384_token_on_discovery(secure_client, keys):
    response = secure_client.get("/cds-services", headers=auth(keys.token(DISCOVERY)))
    assert response.status_code == 200
    assert len(response.json()["services"]) == 3


def test_valid_rs384_token_on_a_service_call(secure_client, keys, hook_request):
    token = keys.token(f"{BASE}{SIGN}", alg="RS384", kid="rsa-1")
    body = hook_request("order-sign", CONTRAINDICATED)
    response = secure_client.post(SIGN, json=body, headers=auth(token))
    assert response.status_code == 200
    assert response.json()["cards"][0]["indicator"] == "critical"


def test_aud_is_the_configured_base_url_only(secure_client, keys):
    # the address the request arrived at (http://testserver) is not an audience
    token = keys.token("http://testserver/cds-services")
    assert_bare_401(secure_client.get("/cds-services", headers=auth(token)))


def test_aud_is_never_taken_from_the_host_header(secure_client, keys):
    # a token minted for another service cannot be replayed here by naming its host: that
    # host is not served at all (400), and a host that is (loopback) is no audience either
    token = keys.token("https://other-service.example.net/cds-services")
    response = secure_client.get(
        "https://other-service.example.net/cds-services",
        headers={**auth(token), "Host": "other-service.example.net"},
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, "wrong_host")
    token = keys.token("https://localhost/cds-services")
    response = secure_client.get(
        "https://localhost/cds-services", headers={**auth(token), "Host": "localhost"}
    )
    assert_bare_401(response)


def test_aud_may_be_a_list(secure_client, keys):
    now = int(time.time())
    token = jwt.encode(
        {"iss": ISSUER, "aud": [DISCOVERY], "iat": now, "exp": now + 60, "jti": "list-aud"},
        keys.ec,
        algorithm="ES384",
        headers={"kid": "ec-1"},
    )
    assert secure_client.get("/cds-services", headers=auth(token)).status_code == 200


def test_wrong_aud(secure_client, keys):
    token = keys.token(f"{BASE}/cds-services/other-service")
    assert_bare_401(secure_client.get("/cds-services", headers=auth(token)))


def test_expired(secure_client, keys):
    token = keys.token(DISCOVERY, exp_in=-120)
    assert_bare_401(secure_client.get("/cds-services", headers=auth(token)))


def test_replayed_jti(secure_client, keys):
    token = keys.token(DISCOVERY, jti="once-only")
    assert secure_client.get("/cds-services", headers=auth(token)).status_code == 200
    assert_bare_401(secure_client.get("/cds-services", headers=auth(token)))
    again = keys.token(DISCOVERY, jti="once-only")  # a new token, the same jti
    assert_bare_401(secure_client.get("/cds-services", headers=auth(again)))


def test_unknown_issuer(secure_client, keys):
    token = keys.token(DISCOVERY, iss="https://stranger.example.com")
    assert_bare_401(secure_client.get("/cds-services", headers=auth(token)))


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_alg_none(secure_client):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": DISCOVERY, "iat": now, "exp": now + 60, "jti": "none-1"}
    token = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': 'ec-1'})}.{_b64(claims)}."
    assert_bare_401(secure_client.get("/cds-services", headers=auth(token)))


def test_hs256_even_with_the_public_key_as_secret(secure_client, keys):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": DISCOVERY, "iat": now, "exp": now + 60, "jti": "hs-1"}
    # PyJWT refuses to sign with a public key as HMAC secret, so sign by hand (the classic
    # algorithm-confusion attack)
    secret = json.dumps(keys.jwks["keys"][0]).encode()
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': 'ec-1'})}.{_b64(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    assert_bare_401(secure_client.get("/cds-services", headers=auth(token)))


def test_wrong_signature_key(secure_client, keys):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": DISCOVERY, "iat": now, "exp": now + 60, "jti": "sig-1"}
    token = jwt.encode(claims, keys.other_ec, algorithm="ES384", headers={"kid": "ec-1"})
    assert_bare_401(secure_client.get("/cds-services", headers=auth(token)))


@pytest.mark.parametrize("claim", ["jti", "iat", "exp", "aud"])
def test_missing_required_claim(secure_client, keys, claim):
    token = keys.token(DISCOVERY, drop=(claim,))
    assert_bare_401(secure_client.get("/cds-services", headers=auth(token)))


@pytest.mark.parametrize("header", [None, "Bearer", "Basic abc", "Bearer not.a.jwt"])
def test_missing_or_malformed_authorization(secure_client, header):
    headers = {"Authorization": header} if header else {}
    assert_bare_401(secure_client.get("/cds-services", headers=headers))


def test_feedback_needs_a_token_too(secure_client, keys):
    body = {
        "feedback": [
            {"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-11-20T10:00:00Z"}
        ]
    }
    assert_bare_401(secure_client.post(f"{SIGN}/feedback", json=body))
    token = keys.token(f"{BASE}{SIGN}/feedback")
    response = secure_client.post(f"{SIGN}/feedback", json=body, headers=auth(token))
    assert response.status_code == 200
    assert secure_client.app.state.cds.feedback[-1]["client"] == ISSUER


def test_jku_allow_listed_is_fetched_and_cached(secure_client, keys, stub_fhir):
    jku = f"{stub_fhir.url}/jwks.json"
    before = stub_fhir.jwks_hits
    for _ in range(3):
        token = keys.token(DISCOVERY, iss=JKU_ISSUER, kid="jku-1", jku=jku)
        assert secure_client.get("/cds-services", headers=auth(token)).status_code == 200
    assert stub_fhir.jwks_hits - before == 1


def test_jku_not_allow_listed(secure_client, keys, stub_fhir):
    # an issuer known only by its jku list: another jku is refused, and never fetched
    before = len(stub_fhir.requests)
    token = keys.token(
        DISCOVERY, iss=JKU_ISSUER, kid="jku-1", jku=f"{stub_fhir.url}/other-jwks.json"
    )
    assert_bare_401(secure_client.get("/cds-services", headers=auth(token)))
    assert len(stub_fhir.requests) == before


def test_jku_not_allow_listed_is_ignored_when_the_issuer_has_a_jwks(secure_client, keys, stub_fhir):
    # the CDS Hooks sandbox sends its own jku on every token: with the issuer's JWKS
    # configured, kid decides and that jku is never fetched
    before = len(stub_fhir.requests)
    token = keys.token(DISCOVERY, jku=f"{stub_fhir.url}/sandbox-jwks.json")
    assert secure_client.get("/cds-services", headers=auth(token)).status_code == 200
    # ... and a key of the jku's choosing does not verify: the issuer's own keys decide
    token = keys.token(DISCOVERY, kid="jku-1", jku=f"{stub_fhir.url}/jwks.json")
    assert_bare_401(secure_client.get("/cds-services", headers=auth(token)))
    assert len(stub_fhir.requests) == before


def test_tokens_are_never_logged(secure_client, keys, caplog):
    token = keys.token(f"{BASE}/cds-services/wrong")
    with caplog.at_level("DEBUG"):
        secure_client.get("/cds-services", headers=auth(token))
    assert "refused" in caplog.text
    assert token not in caplog.text
    assert token.split(".")[2] not in caplog.text


def test_no_issuers_configured_refuses_everything(keys):
    client = make_client(cds_jwt_required=True)
    assert_bare_401(client.get("/cds-services", headers=auth(keys.token(DISCOVERY))))


def test_jwt_check_off_is_refused_outside_development():
    from spinecare.errors import InputError

    with pytest.raises(InputError, match="refused outside development"):
        make_client(environment="production", secret_key="s" * 32, cds_jwt_required=False)


def test_issuers_file_errors_name_the_problem(tmp_path):
    from spinecare.api.security import load_issuers
    from spinecare.errors import InputError

    path = tmp_path / "issuers.json"
    path.write_text('{"issuers": [{"iss": "x"}]}')
    with pytest.raises(InputError, match="jwks"):
        load_issuers(path)


def test_card_link_from_the_jwt_issuer_when_no_fhir_server(issuers_file, keys, templates, tmp_path):
    from spinecare.clinic.accounts import get_or_create_clinic
    from spinecare.clinic.patients import now
    from spinecare.store.db import open_database
    from spinecare.store.ehr import link_ehr_patient
    from spinecare.store.models import PatientRow

    db_url = f"sqlite:///{tmp_path / 'clinic.sqlite'}"
    db = open_database(db_url)
    with db.session() as session:
        clinic = get_or_create_clinic(session, "Clinic A")
        for n in (1, 2):
            session.add(
                PatientRow(
                    clinic_id=clinic.id,
                    external_id=f"P{n}",
                    name=f"Patient {n}",
                    created_at=now(),
                    updated_at=now(),
                )
            )
        session.flush()
        second = session.get(PatientRow, 2)
        link_ehr_patient(session, second, ISSUER, "1")  # the EHR's "1" is spinecare's 2
    db.dispose()
    client = make_client(cds_issuers=str(issuers_file), db_url=db_url)
    prefetch = {key: None for key in templates}
    prefetch["patient"] = {"resourceType": "Patient", "id": "1"}
    body = {
        "hook": "patient-view",
        "hookInstance": "0d5c1d36-3f5a-4a4b-9f0e-5bb0a0d0f7b1",
        "context": {"userId": "Practitioner/1", "patientId": "1"},
        "prefetch": prefetch,
    }
    view = "/cds-services/spinecare-patient-view"
    response = client.post(view, json=body, headers=auth(keys.token(f"{BASE}{view}")))
    assert response.status_code == 200
    assert response.json()["cards"][0]["links"][0]["url"] == f"{BASE}/patients/2"


@pytest.mark.parametrize("hook", ["order-sign", "patient-view"])
def test_a_signed_request_whose_body_is_not_utf8_is_refused(
    secure_client, keys, hook_request, hook
):
    """A valid token does not make a body that is not UTF-8 readable: 400 in the one error
    shape, with nothing screened."""
    path = SIGN if hook == "order-sign" else "/cds-services/spinecare-patient-view"
    body = json.dumps(hook_request(hook, CONTRAINDICATED)).encode()
    raw = body.replace(b'"hookInstance": "', b'"hookInstance": "\xff\xfe', 1)
    assert raw != body
    response = secure_client.post(
        path,
        content=raw,
        headers={**auth(keys.token(f"{BASE}{path}")), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    (error,) = response.json().values()  # {"error": {...}} and nothing else
    assert sorted(error) == ["code", "message", "status"]
    assert (error["status"], error["code"]) == (400, "invalid_cds_request")
    assert "UTF-8" in error["message"]


# ------------------------------------------------------------------ fhirServer of the EHR

OTHER_ISSUER = "https://other-ehr.example.org"
VIEW = "/cds-services/spinecare-patient-view"
FHIR_AUTH = {"access_token": "secret-ehr-token", "token_type": "Bearer", "expires_in": 300}


def _servers_client(tmp_path, keys, servers: dict[str, list[str]], db_url: str | None = None):
    """A signed-call app whose issuers list these FHIR servers (the stub FHIR server on
    loopback allowed by the address policy, as an EHR on the hospital's network is)."""
    path = tmp_path / "issuers-servers.json"
    entries = [
        {"iss": iss, "jwks": keys.jwks, "fhir_servers": urls} for iss, urls in servers.items()
    ]
    path.write_text(json.dumps({"issuers": entries}))
    extra = {"db_url": db_url} if db_url else {}
    return make_client(cds_issuers=str(path), cds_fhir_allowed_hosts=["127.0.0.1"], **extra)


def test_a_fhir_server_not_listed_for_the_issuer_gets_no_token(
    tmp_path, keys, hook_request, stub_fhir, synthea
):
    """A signed call naming a FHIR server that is not one of its EHR's: 412 and nothing is
    sent there (the call's access token would go to a host the clinic never trusted)."""
    _, resources = synthea(CONTRAINDICATED)
    stub_fhir.resources = resources
    own = f"{stub_fhir.url}/fhir"
    client = _servers_client(
        tmp_path, keys, {ISSUER: [own + "/"], OTHER_ISSUER: ["https://other-ehr.example.org/fhir"]}
    )
    body = hook_request("patient-view", CONTRAINDICATED, prefetch=False)
    body["fhirServer"] = own
    body["fhirAuthorization"] = FHIR_AUTH
    for iss, server in (
        (OTHER_ISSUER, own),  # another EHR naming this one's server
        (ISSUER, own.replace("/fhir", "/other-fhir")),  # another path on the same host
        (ISSUER, "http://localhost:" + own.rsplit(":", 1)[1]),  # another name for the host
        (ISSUER, own + "?x=1"),  # the listed server with a query: no base URL
        (ISSUER, own + "#x"),  # or a fragment
        (ISSUER, "http://[::1/fhir"),  # no URL at all
    ):
        stub_fhir.requests.clear()
        token = keys.token(f"{BASE}{VIEW}", iss=iss)
        response = client.post(VIEW, json={**body, "fhirServer": server}, headers=auth(token))
        assert response.status_code == 412, (iss, server, response.text)
        error = response.json()["error"]
        assert error["code"] == "precondition_failed"
        assert "is not a FHIR server of the calling EHR" in error["message"]
        assert "nothing was sent to it" in error["message"]
        assert stub_fhir.requests == [], (iss, server)
    # the server listed for the issuer (listed with a trailing slash, named without)
    stub_fhir.requests.clear()
    token = keys.token(f"{BASE}{VIEW}", iss=ISSUER)
    response = client.post(VIEW, json=body, headers=auth(token))
    assert response.status_code == 200, response.text
    assert response.json()["cards"][0]["indicator"] == "critical"
    assert {header for _, header in stub_fhir.requests} == {"Bearer secret-ehr-token"}


def test_an_issuer_without_fhir_servers_is_read_from_its_prefetch_only(
    secure_client, keys, hook_request, stub_fhir
):
    stub_fhir.requests.clear()
    body = hook_request("patient-view", CONTRAINDICATED, prefetch=False)
    body["fhirServer"] = f"{stub_fhir.url}/fhir"
    body["fhirAuthorization"] = FHIR_AUTH
    response = secure_client.post(VIEW, json=body, headers=auth(keys.token(f"{BASE}{VIEW}")))
    assert response.status_code == 412
    assert "is not a FHIR server of the calling EHR" in response.json()["error"]["message"]
    assert stub_fhir.requests == []
    # with the whole prefetch sent, nothing is fetched and the call is answered
    full = hook_request("patient-view", CONTRAINDICATED)
    full["fhirServer"] = body["fhirServer"]
    response = secure_client.post(VIEW, json=full, headers=auth(keys.token(f"{BASE}{VIEW}")))
    assert response.status_code == 200
    assert stub_fhir.requests == []


def test_a_call_naming_another_ehrs_server_never_links_its_patients(tmp_path, keys, templates):
    """The EHR's id of a patient is looked up under the caller's own names only: an EHR
    naming another EHR's FHIR server gets the SMART launch link, not that EHR's patient."""
    from spinecare.clinic.accounts import get_or_create_clinic
    from spinecare.clinic.patients import now
    from spinecare.store.db import open_database
    from spinecare.store.ehr import link_ehr_patient
    from spinecare.store.models import PatientRow

    other_server = "https://other-ehr.example.org/fhir"
    db_url = f"sqlite:///{tmp_path / 'clinic.sqlite'}"
    db = open_database(db_url)
    with db.session() as session:
        clinic = get_or_create_clinic(session, "Clinic A")
        row = PatientRow(
            clinic_id=clinic.id, external_id="P1", name="P", created_at=now(), updated_at=now()
        )
        session.add(row)
        session.flush()
        link_ehr_patient(session, row, other_server, "7")
        linked = row.id
    db.dispose()
    client = _servers_client(
        tmp_path, keys, {ISSUER: [], OTHER_ISSUER: [other_server]}, db_url=db_url
    )
    prefetch = {key: None for key in templates}
    prefetch["patient"] = {"resourceType": "Patient", "id": "7"}
    body = {
        "hook": "patient-view",
        "hookInstance": "0d5c1d36-3f5a-4a4b-9f0e-5bb0a0d0f7b2",
        "fhirServer": other_server,
        "context": {"userId": "Practitioner/1", "patientId": "7"},
        "prefetch": prefetch,
    }
    links = {}
    for iss in (ISSUER, OTHER_ISSUER):
        token = keys.token(f"{BASE}{VIEW}", iss=iss)
        response = client.post(VIEW, json=body, headers=auth(token))
        assert response.status_code == 200, response.text
        links[iss] = response.json()["cards"][0]["links"][0]
    assert links[OTHER_ISSUER]["url"] == f"{BASE}/patients/{linked}"
    assert links[ISSUER]["type"] == "smart"
    assert f"/patients/{linked}" not in links[ISSUER]["url"]
