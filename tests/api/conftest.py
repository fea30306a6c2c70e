"""Fixtures for the HTTP adapters: apps, signing keys, a stub FHIR server, Synthea data."""

from __future__ import annotations

import copy
import json
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fhir_search import load_patient, prefetch_for, search  # noqa: E402

from tests.conftest import cli_json  # noqa: E402

ISSUER = "https://ehr.example.org"
JKU_ISSUER = "https://jku-ehr.example.org"
BASE = "https://spinecare.example.org"  # Settings.base_url of the test apps
MASSAGE = {"system": "http://snomed.info/sct", "code": "387854002", "display": "Massage"}
AS_OF = "2019-06-01"

# Synthea patients with known verdicts on AS_OF (see test_same_verdict_everywhere)
CONTRAINDICATED = "Adolfo_Marquardt_50635536-8051-4085-bfd4-511a05062ac2.json.gz"
NEEDS_CLEARANCE = "Adalberto_Hartmann_44ec4447-9e2c-4eb9-bd4f-0bdb416b806e.json.gz"
NEEDS_DATA = "Abdul_Koepp_e925b0f3-8006-43f6-aa31-94bd215e55e7.json.gz"
DEFER = "Chrissy_Weimann_f924096c-b40b-423d-8e60-c27a25dc8d24.json.gz"


class StubFHIR:
    """A real HTTP server on loopback: FHIR reads/searches over a resource list, and a JWKS."""

    def __init__(self) -> None:
        self.resources: list[dict[str, Any]] = []
        self.jwks: dict[str, Any] = {"keys": []}
        self.requests: list[tuple[str, str | None]] = []
        self.jwks_hits = 0
        self.unsupported: set[str] = set()  # resource types it answers 400 "not-supported"
        self.open_now = 0  # requests being answered at this moment
        self.open_most = 0  # the most answered at once
        self.delay = 0.0  # seconds each search takes
        lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                with lock:
                    stub.open_now += 1
                    stub.open_most = max(stub.open_most, stub.open_now)
                try:
                    self._answer()
                finally:
                    with lock:
                        stub.open_now -= 1

            def _answer(self) -> None:
                stub.requests.append((self.path, self.headers.get("Authorization")))
                if self.path == "/jwks.json":
                    stub.jwks_hits += 1
                    self._send(200, stub.jwks)
                    return
                query = self.path.removeprefix("/fhir/")
                if query.split("?")[0] in stub.unsupported:
                    issue = {"severity": "error", "code": "not-supported"}
                    self._send(400, {"resourceType": "OperationOutcome", "issue": [issue]})
                    return
                time.sleep(stub.delay)
                result = search(stub.resources, query)
                if result is None:
                    self._send(
                        404,
                        {
                            "resourceType": "OperationOutcome",
                            "issue": [{"severity": "error", "code": "not-found"}],
                        },
                    )
                else:
                    self._send(200, result)

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def stub_fhir():
    stub = StubFHIR()
    yield stub
    stub.close()


@pytest.fixture(scope="session")
def kb():
    from spinecare.kb import load_kb

    return load_kb()


@pytest.fixture(scope="session")
def templates(kb) -> dict[str, str]:
    from spinecare.api.cds_hooks import prefetch_templates

    return prefetch_templates(kb)


@pytest.fixture(scope="session")
def synthea(shared_data):
    folder = shared_data / "synthea" / "r4-bundles-2019"
    cache: dict[str, tuple[str, list[dict[str, Any]]]] = {}

    def get(name: str) -> tuple[str, list[dict[str, Any]]]:
        if name not in cache:
            cache[name] = load_patient(folder / name)
        return cache[name]

    get.folder = folder  # type: ignore[attr-defined]
    return get


@pytest.fixture(scope="session")
def cds_examples(shared_data) -> dict[str, Any]:
    folder = shared_data / "cds-hooks"
    return {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")}


class Keys:
    def __init__(self) -> None:
        self.ec = ec.generate_private_key(ec.SECP384R1())
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_ec = ec.generate_private_key(ec.SECP384R1())
        ec_jwk = jwt.algorithms.ECAlgorithm.to_jwk(self.ec.public_key(), as_dict=True)
        rsa_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa.public_key(), as_dict=True)
        other = jwt.algorithms.ECAlgorithm.to_jwk(self.other_ec.public_key(), as_dict=True)
        self.jwks = {
            "keys": [
                {**ec_jwk, "kid": "ec-1", "alg": "ES384", "use": "sig"},
                {**rsa_jwk, "kid": "rsa-1", "alg": "RS384", "use": "sig"},
            ]
        }
        self.jku_jwks = {"keys": [{**other, "kid": "jku-1", "alg": "ES384", "use": "sig"}]}

    def token(
        self,
        aud: str,
        *,
        iss: str = ISSUER,
        alg: str = "ES384",
        kid: str = "ec-1",
        exp_in: int = 300,
        jti: str | None = None,
        jku: str | None = None,
        drop: tuple[str, ...] = (),
    ) -> str:
        now = int(time.time())
        claims = {
            "iss": iss,
            "aud": aud,
            "iat": now,
            "exp": now + exp_in,
            "jti": jti or str(uuid.uuid4()),
        }
        for name in drop:
            claims.pop(name, None)
        headers = {"kid": kid, "typ": "JWT"}
        if jku:
            headers["jku"] = jku
        key = {"ES384": self.ec, "RS384": self.rsa}[alg]
        if kid == "jku-1":
            key = self.other_ec
        return jwt.encode(claims, key, algorithm=alg, headers=headers)


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys()


@pytest.fixture(scope="session")
def issuers_file(tmp_path_factory, keys, stub_fhir) -> Path:
    stub_fhir.jwks = keys.jku_jwks
    folder = tmp_path_factory.mktemp("cds")
    path = folder / "issuers.json"
    path.write_text(
        json.dumps(
            {
                "issuers": [
                    {"iss": ISSUER, "jwks": keys.jwks},
                    {"iss": JKU_ISSUER, "jku": [f"{stub_fhir.url}/jwks.json"]},
                ]
            }
        )
    )
    return path


def cli_verdict(path: Path, as_of: str) -> str:
    """The verdict ``spinecare screen FILE --as-of DATE --format json`` prints."""
    return str(cli_json("screen", path, "--as-of", as_of, "--format", "json")["verdict"])


def make_client(**overrides: Any):
    from fastapi.testclient import TestClient

    from spinecare.api.cds_app import create_cds_app
    from spinecare.settings import Settings

    values: dict[str, Any] = {
        "environment": "test",
        "base_url": BASE,
        "db_url": f"sqlite:///{tempfile.mkdtemp(prefix='spinecare-cds-')}/cds.sqlite",
    }
    values.update(overrides)
    # the public address is configured: requests name its host (another is refused)
    return TestClient(create_cds_app(Settings(**values)), base_url=str(values["base_url"]))


@pytest.fixture(scope="session")
def client():
    """JWT check off (development/test setting): for hook behaviour tests."""
    return make_client(
        cds_jwt_required=False,
        cors_origins=["https://ehr-ui.example.org"],
        max_body_bytes=2_000_000,
        cds_fhir_allowed_hosts=["127.0.0.1"],  # the stub FHIR server runs on loopback
    )


@pytest.fixture(scope="session")
def secure_client(issuers_file):
    return make_client(cds_issuers=str(issuers_file))


def massage_order(pid: str, rid: str = "massage-1", coding: dict | None = None) -> dict:
    return {
        "resourceType": "ServiceRequest",
        "id": rid,
        "status": "draft",
        "intent": "order",
        "code": {"coding": [coding or MASSAGE], "text": "Therapeutic massage"},
        "subject": {"reference": f"Patient/{pid}"},
    }


@pytest.fixture(scope="session")
def hook_request(cds_examples, synthea, templates):
    """A spec example request for a hook, completed for a Synthea patient."""

    def build(
        hook: str, name: str, *, massage: bool = True, prefetch: bool = True, as_of: str = AS_OF
    ) -> dict[str, Any]:
        pid, resources = synthea(name)
        if hook == "patient-view":
            body = copy.deepcopy(cds_examples["spec-request-patient-view"])
            body.pop("prefetch", None)
            body.pop("fhirServer", None)
            body.pop("fhirAuthorization", None)
        else:
            example = cds_examples[f"hook-{hook}-context-r4"]
            body = {
                "hook": hook,
                "hookInstance": str(uuid.uuid4()),
                "context": copy.deepcopy(example["context"]),
            }
        context = body["context"]
        context["patientId"] = pid
        if hook != "patient-view":
            for entry in context["draftOrders"]["entry"]:
                resource = entry["resource"]
                resource.get("patient" if "patient" in resource else "subject", {})["reference"] = (
                    f"Patient/{pid}"
                )
            if massage:
                context["draftOrders"]["entry"].append({"resource": massage_order(pid)})
                if hook == "order-select":
                    context["selections"].append("ServiceRequest/massage-1")
        if prefetch:
            body["prefetch"] = prefetch_for(resources, templates, pid, as_of)
        body["extension"] = {"org.spinecare.as-of": as_of}
        return body

    return build
