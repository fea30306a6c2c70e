"""A local EHR for SMART App Launch tests, built with Authlib's server components and
served by uvicorn:

- ``/fhir/.well-known/smart-configuration``;
- an authorisation server (Authlib's ``AuthorizationServer`` with an
  ``AuthorizationCodeGrant``, PKCE by ``CodeChallenge(required=True)`` and an OpenID
  Connect ``id_token`` carrying ``fhirUser``): an EHR launch is approved at once for the
  patient the launch was made for; a standalone launch shows a patient picker;
- its JWK Set (``/jwks``);
- a FHIR server over Synthea patients (``/fhir/...``), guarded by Authlib's
  ``ResourceProtector``: a bearer token with ``patient/*.read`` for that patient only;
- an EHR chart page (``/chart/{patient}?app=...``) showing the app in a frame, launched
  for that patient, and a page framing any address (``/frame?src=...``).
"""

from __future__ import annotations

import html
import json
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit

import uvicorn
from authlib.oauth2 import AuthorizationServer, OAuth2Error, ResourceProtector
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Request, grants
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator, BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from fhir_search import search
from joserfc import jwt
from joserfc.jwk import ECKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

CLIENT_ID = "spinecare-app"
PRACTITIONER = "Practitioner/prac-7"
READ_SCOPE = "patient/*.read"


@dataclass
class Client(ClientMixin):  # type: ignore[misc]
    """spinecare as registered in the EHR: a public client with one redirect URI."""

    client_id: str
    redirect_uri: str

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_allowed_scope(self, scope: str) -> str:
        allowed = {"launch", "launch/patient", "openid", "fhirUser", READ_SCOPE}
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret: str) -> bool:
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: str
    patient: str
    code_challenge: str | None
    code_challenge_method: str | None
    nonce: str | None = None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


@dataclass
class Token:
    access_token: str
    scope: str
    patient: str
    expires_at: float

    def is_expired(self) -> bool:
        return time.time() >= self.expires_at

    def is_revoked(self) -> bool:
        return False

    def get_scope(self) -> str:
        return self.scope


class StarletteRequest(OAuth2Request):  # type: ignore[misc]
    """A Starlette request (query and form already read) as Authlib sees it."""

    def __init__(self, request: Request, form: dict[str, str]) -> None:
        super().__init__(request.method, str(request.url), headers=dict(request.headers))
        self._args = dict(request.query_params)
        self._form = form
        self.payload = BasicOAuth2Payload({**self._args, **form})

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


class EHR:
    """The EHR's state and its Starlette app (see the module's docstring). Knobs for
    tests: ``give_patient`` (False: tokens without patient context), ``fhir_user`` (the
    EHR user named in the ``id_token``); ``authorize_requests`` records what spinecare
    asked for."""

    def __init__(self, patients: dict[str, list[dict[str, Any]]], host: str = "127.0.0.1"):
        self.patients = patients
        self.resources = [r for resources in patients.values() for r in resources]
        self.host = host
        self.url = ""  # set by start()
        self.redirect_uri = ""  # spinecare's, set by the test
        self.key = ECKey.generate_key("P-384", parameters={"kid": "ehr-1", "alg": "ES384"})
        self.launches: dict[str, str] = {}
        self.codes: dict[str, Code] = {}
        self.tokens: dict[str, Token] = {}
        self.give_patient = True
        self.rewrite_id_token: Callable[[dict[str, Any]], str] | None = None
        """When set, the ``id_token`` the EHR gives is replaced by what it makes of the
        claims it would have signed (tests of spinecare's checks of that token)."""
        self.granted_scope: str | None = None
        """When set, the token answer's ``scope``: what the EHR says it granted."""
        self.fhir_user = PRACTITIONER
        self.authorize_requests: list[dict[str, str]] = []
        self.fhir_reads: list[tuple[str, str]] = []
        self.failing: set[str] = set()
        """Resource types whose searches this EHR answers with an error (an OperationOutcome)."""
        self.server = self._authorization_server()
        self.resource_protector = ResourceProtector()
        self.resource_protector.register_token_validator(_Validator(self))
        self.app = Starlette(
            routes=[
                Route("/fhir/.well-known/smart-configuration", self.configuration),
                Route("/authorize", self.authorize, methods=["GET", "POST"]),
                Route("/token", self.token, methods=["POST"]),
                Route("/jwks", self.jwks),
                Route("/chart/{patient}", self.chart),
                Route("/frame", self.frame),
                Route("/fhir/{path:path}", self.fhir),
            ]
        )
        self._uvicorn: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # -- running ---------------------------------------------------------------------

    def start(self, port: int | None = None) -> None:
        port = port or free_port()
        self.url = f"http://{self.host}:{port}"
        config = uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning")
        self._uvicorn = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._uvicorn.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._uvicorn.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the EHR server did not start")
            time.sleep(0.02)

    def close(self) -> None:
        if self._uvicorn is not None and self._thread is not None:
            self._uvicorn.should_exit = True
            self._thread.join(timeout=10)

    @property
    def iss(self) -> str:
        return f"{self.url}/fhir"

    def new_launch(self, patient: str) -> str:
        """A launch token for ``patient``'s chart, as the EHR makes one."""
        token = secrets.token_urlsafe(12)
        self.launches[token] = patient
        return token

    # -- the authorisation server ------------------------------------------------------

    def _authorization_server(self) -> AuthorizationServer:
        ehr = self

        class Server(AuthorizationServer):  # type: ignore[misc]
            def query_client(self, client_id: str) -> Client | None:
                if client_id != CLIENT_ID:
                    return None
                return Client(CLIENT_ID, ehr.redirect_uri)

            def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
                code = request.authorization_code
                ehr.tokens[token["access_token"]] = Token(
                    token["access_token"],
                    token["scope"],
                    code.patient,
                    time.time() + token.get("expires_in", 3600),
                )

            def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
                return request

            def handle_response(
                self, status: int, body: Any, headers: list[tuple[str, str]]
            ) -> Response:
                if isinstance(body, dict):
                    return JSONResponse(body, status_code=status, headers=dict(headers))
                return Response(body or b"", status_code=status, headers=dict(headers))

            def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
                pass

        class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
            TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["none"]

            def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
                ehr.codes[code] = Code(
                    code=code,
                    client_id=request.payload.client_id,
                    redirect_uri=request.payload.redirect_uri,
                    scope=request.scope,
                    user=request.user,
                    patient=request.smart_patient,
                    code_challenge=request.payload.data.get("code_challenge"),
                    code_challenge_method=request.payload.data.get("code_challenge_method"),
                    nonce=request.payload.data.get("nonce"),
                )

            def query_authorization_code(self, code: str, client: Client) -> Code | None:
                found = ehr.codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code: Code) -> None:
                ehr.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: Code) -> str:
                return authorization_code.user

        class IdToken(OpenIDCode):  # type: ignore[misc]
            def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
                return False

            def resolve_client_private_key(self, client: Client) -> ECKey:
                return ehr.key

            def get_client_algorithm(self, client: Client) -> str:
                return "ES384"

            def get_encode_header(self, client: Client) -> dict[str, str]:
                return {"alg": "ES384", "kid": "ehr-1"}

            def get_client_claims(self, client: Client) -> dict[str, Any]:
                return {"iss": ehr.iss, "aud": [client.get_client_id()]}

            def generate_user_info(self, user: str, scope: str) -> UserInfo:
                return UserInfo(sub=user.split("/")[-1], fhirUser=f"{ehr.iss}/{user}")

        class PatientContext:
            """SMART's launch context in the token answer: the patient."""

            def __call__(self, grant: Any) -> None:
                grant.register_hook("after_create_token_response", self.add)

            def add(self, grant: Any, response: Any) -> None:
                _, token, _ = response
                if ehr.give_patient:
                    token["patient"] = grant.request.authorization_code.patient
                    token["need_patient_banner"] = False

        server = Server()
        server.register_token_generator(
            "default", BearerTokenGenerator(lambda *a, **k: secrets.token_urlsafe(32))
        )
        server.register_grant(
            CodeGrant, [CodeChallenge(required=True), IdToken(), PatientContext()]
        )
        return server

    async def _oauth_request(self, request: Request) -> StarletteRequest:
        form: dict[str, str] = {}
        if request.method == "POST":
            form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        return StarletteRequest(request, form)

    async def configuration(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.iss,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "jwks_uri": f"{self.url}/jwks",
                "grant_types_supported": ["authorization_code"],
                "token_endpoint_auth_methods_supported": ["none"],
                "scopes_supported": ["launch", "launch/patient", "openid", "fhirUser", READ_SCOPE],
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
                "capabilities": [
                    "launch-ehr",
                    "launch-standalone",
                    "client-public",
                    "context-ehr-patient",
                    "context-standalone-patient",
                    "sso-openid-connect",
                    "permission-patient",
                ],
            }
        )

    async def authorize(self, request: Request) -> Response:
        oauth = await self._oauth_request(request)
        if request.method == "GET":
            self.authorize_requests.append(dict(request.query_params))
        try:
            grant = self.server.get_consent_grant(oauth, end_user=self.fhir_user)
        except OAuth2Error as error:
            return JSONResponse(dict(error.get_body()), status_code=error.status_code)
        if oauth.payload.data.get("aud") != self.iss:
            return JSONResponse({"error": "invalid_request", "error_description": "aud"}, 400)
        launch = oauth.payload.data.get("launch")
        scopes = (oauth.payload.scope or "").split()
        if launch is not None:
            patient = self.launches.get(launch)
            if patient is None or "launch" not in scopes:
                return JSONResponse(
                    {"error": "invalid_request", "error_description": "launch"}, 400
                )
        elif "launch/patient" in scopes and "patient" not in oauth.form:
            return self._picker(oauth)
        else:
            patient = oauth.form.get("patient", "")
            if patient not in self.patients:
                return self._picker(oauth)
        grant.request.smart_patient = patient
        return self.server.create_authorization_response(
            oauth, grant_user=self.fhir_user, grant=grant
        )

    def _picker(self, oauth: StarletteRequest) -> Response:
        """The standalone launch's patient picker: the original request, and a patient."""
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in oauth.args.items()
        )
        buttons = "".join(
            f'<li><button name="patient" value="{html.escape(pid)}">{html.escape(_name(res))}'
            "</button></li>"
            for pid, res in self.patients.items()
        )
        page = (
            "<!doctype html><title>Choose a patient</title><h1>Choose a patient</h1>"
            f'<form method="post" action="/authorize?{urlencode(oauth.args)}">{hidden}'
            f"<ul>{buttons}</ul></form>"
        )
        return HTMLResponse(page)

    async def token(self, request: Request) -> Response:
        response: Response = self.server.create_token_response(await self._oauth_request(request))
        if (self.rewrite_id_token is None and self.granted_scope is None) or (
            response.status_code != 200
        ):
            return response
        body = json.loads(bytes(response.body))
        if self.granted_scope is not None:
            body["scope"] = self.granted_scope
        if "id_token" in body and self.rewrite_id_token is not None:
            claims = jwt.decode(body["id_token"], self.key, algorithms=["ES384"]).claims
            body["id_token"] = self.rewrite_id_token(dict(claims))
        return JSONResponse(body, headers={"cache-control": "no-store"})

    async def jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    async def chart(self, request: Request) -> Response:
        """The EHR's chart of a patient, with the app (``app``: its launch URL) framed."""
        patient = request.path_params["patient"]
        app = request.query_params.get("app", "")
        src = f"{app}?{urlencode({'iss': self.iss, 'launch': self.new_launch(patient)})}"
        page = (
            f"<!doctype html><title>Chart</title><h1>Chart of {html.escape(patient)}</h1>"
            f'<iframe id="app" src="{html.escape(src)}" width="1200" height="800"></iframe>'
        )
        return HTMLResponse(page)

    async def frame(self, request: Request) -> Response:
        """A page of this server showing any address (``src``) in a frame."""
        src = html.escape(request.query_params.get("src", ""))
        return HTMLResponse(f'<!doctype html><title>Frame</title><iframe id="app" src="{src}">')

    async def fhir(self, request: Request) -> Response:
        path = request.path_params["path"]
        query = f"{path}?{request.url.query}" if request.url.query else path
        try:
            token = self.resource_protector.validate_request([READ_SCOPE], request)
        except OAuth2Error as error:
            return JSONResponse(
                {"resourceType": "OperationOutcome", "issue": [{"code": "login"}]},
                status_code=error.status_code,
            )
        patient = _compartment(path, request.url.query)
        if patient != token.patient:
            return JSONResponse({"resourceType": "OperationOutcome", "issue": []}, 403)
        self.fhir_reads.append((token.patient, query))
        if path.split("/")[0] in self.failing:
            issue = {"severity": "error", "code": "exception", "diagnostics": "timeout"}
            return JSONResponse({"resourceType": "OperationOutcome", "issue": [issue]}, 500)
        result = search(self.resources, query)
        return JSONResponse(result or {}, status_code=200 if result is not None else 404)


class _Validator(BearerTokenValidator):  # type: ignore[misc]
    def __init__(self, ehr: EHR) -> None:
        super().__init__()
        self.ehr = ehr

    def authenticate_token(self, token_string: str) -> Token | None:
        return self.ehr.tokens.get(token_string)


def _compartment(path: str, query: str) -> str | None:
    """The patient a read or search is about (None: not one patient's)."""
    if path.startswith("Patient/"):
        return path.removeprefix("Patient/")
    for name, value in parse_qsl(query):
        if name in ("patient", "subject"):
            return value.split("/")[-1]
    return None


def _name(resources: list[dict[str, Any]]) -> str:
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    name = (patient.get("name") or [{}])[0]
    return " ".join([*name.get("given", []), name.get("family", "")]).strip()


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
