"""A stub EHR for SMART App Launch tests: SMART configuration, an authorisation server
that approves at once (with PKCE and redirect checks), its JWK Set and a FHIR server over
one patient's resources."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from fhir_search import search

CLIENT_ID = "spinecare-app"
PRACTITIONER = "Practitioner/prac-7"


class StubEHR:
    """An EHR: SMART configuration, authorisation (approves at once) and token endpoints
    with PKCE checks, its JWK Set, and a FHIR server over one patient's resources."""

    def __init__(self, patient_id: str, resources: list[dict[str, Any]]) -> None:
        self.key = ec.generate_private_key(ec.SECP384R1())
        self.patient_id = patient_id
        self.resources = resources
        self.codes: dict[str, dict[str, str]] = {}
        self.give_patient = True
        self.fhir_user = PRACTITIONER
        self.authorize_requests: list[dict[str, str]] = []
        ehr = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/fhir/.well-known/smart-configuration":
                    self._send(200, ehr.configuration())
                elif parts.path == "/authorize":
                    ehr.authorize_requests.append(query)
                    code = secrets.token_urlsafe(16)
                    ehr.codes[code] = query
                    target = (
                        query["redirect_uri"]
                        + "?"
                        + urlencode({"code": code, "state": query["state"]})
                    )
                    self._send(302, {}, {"Location": target})
                elif parts.path == "/jwks":
                    jwk = jwt.algorithms.ECAlgorithm.to_jwk(ehr.key.public_key(), as_dict=True)
                    self._send(200, {"keys": [{**jwk, "kid": "ehr-1", "alg": "ES384"}]})
                elif parts.path.startswith("/fhir/"):
                    if self.headers.get("Authorization") != "Bearer ehr-access":
                        self._send(401, {"resourceType": "OperationOutcome", "issue": []})
                        return
                    result = search(ehr.resources, self.path.removeprefix("/fhir/"))
                    self._send(200 if result is not None else 404, result or {})
                else:
                    self._send(404, {})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                request = ehr.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                challenge = (
                    base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                    .rstrip(b"=")
                    .decode()
                )
                if (
                    request is None
                    or form.get("grant_type") != "authorization_code"
                    or form.get("redirect_uri") != request["redirect_uri"]
                    or form.get("client_id") != CLIENT_ID
                    or challenge != request["code_challenge"]
                ):
                    self._send(400, {"error": "invalid_grant"})
                    return
                now = int(time.time())
                id_token = jwt.encode(
                    {
                        "iss": f"{ehr.url}/fhir",
                        "aud": CLIENT_ID,
                        "sub": "prac-7",
                        "fhirUser": f"{ehr.url}/fhir/{ehr.fhir_user}",
                        "iat": now,
                        "exp": now + 300,
                    },
                    ehr.key,
                    algorithm="ES384",
                    headers={"kid": "ehr-1"},
                )
                body = {
                    "access_token": "ehr-access",
                    "token_type": "Bearer",
                    "expires_in": 3600,
                    "scope": request["scope"],
                    "id_token": id_token,
                }
                if ehr.give_patient:
                    body["patient"] = ehr.patient_id
                self._send(200, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def configuration(self) -> dict[str, Any]:
        return {
            "issuer": f"{self.url}/fhir",
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "code_challenge_methods_supported": ["S256"],
            "capabilities": ["launch-ehr", "launch-standalone", "client-public"],
        }

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
