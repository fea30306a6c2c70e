"""SMART App Launch (HL7 SMART App Launch 2.x), spinecare as the app: EHR launch and
standalone launch, authorisation code flow with PKCE (S256) by Authlib's OAuth 2 client.

The EHRs spinecare may be launched from are configured in a JSON file
(``Settings.smart_ehrs``)::

    {"ehrs": [
      {"iss": "https://ehr.example.org/fhir",
       "client_id": "spinecare",
       "client_secret": "...",                       (optional: a confidential client)
       "scope": "launch openid fhirUser patient/*.read",   (optional; this default)
       "clinic": "Riverside Spine Clinic",
       "users": {"Practitioner/123": "anna"},       (the EHR user -> the clinic account)
       "frame_origins": ["https://ehr.example.org"]}  (optional: who may frame the pages)
    ]}

The flow: :func:`authorize_url` after reading the EHR's
``.well-known/smart-configuration`` (:func:`discover`), then :func:`exchange_code` for
the EHR's answer: the access token, the patient in context and the signed ``id_token``
whose ``fhirUser`` claim names the EHR user (checked against the EHR's JWK Set).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2
import jwt
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from spinecare.errors import InputError
from spinecare.messages import Message, located

__all__ = [
    "DEFAULT_SCOPE",
    "LaunchError",
    "SmartEhr",
    "SmartEndpoints",
    "TokenResult",
    "authorize_url",
    "discover",
    "exchange_code",
    "load_smart_ehrs",
    "new_code_verifier",
    "unreadable_types",
    "user_reference",
]

DEFAULT_SCOPE = "launch openid fhirUser patient/*.read"
TIMEOUT = 10.0
ID_TOKEN_ALGORITHMS = ("RS256", "RS384", "ES256", "ES384")


class LaunchError(InputError):
    """A launch that cannot go on (the message is shown to the user)."""

    code = "smart_launch_failed"


@dataclass(frozen=True)
class SmartEhr:
    """One EHR spinecare may be launched from."""

    iss: str
    client_id: str
    clinic: str
    users: Mapping[str, str] = field(default_factory=dict)
    scope: str = DEFAULT_SCOPE
    client_secret: str | None = None
    frame_origins: tuple[str, ...] = ()
    """The origins of the EHR's pages that may show spinecare in a frame."""


def _normal(url: str) -> str:
    return url.strip().rstrip("/")


def _origin(value: Any) -> str | None:
    """``scheme://host[:port]`` when ``value`` is exactly an http(s) origin, else None
    (a path, a wildcard, a quote or a space could change the content security policy)."""
    if not isinstance(value, str):
        return None
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return None
    host = parts.hostname or ""
    if (
        parts.scheme not in ("https", "http")
        or not host
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
        or not all(c.isalnum() or c in "-.[]:" for c in host)
    ):
        return None
    return f"{parts.scheme}://{parts.netloc.lower()}"


def load_smart_ehrs(path: str | Path) -> dict[str, SmartEhr]:
    """Read the EHRs file; raises :class:`InputError` naming the problem."""
    from spinecare.documents import load_document

    file = Path(path)
    data = load_document(file, str(file), yaml_allowed=False)
    entries = data.get("ehrs") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise InputError(Message("the SMART EHRs file needs an 'ehrs' list"), source=str(file))
    out: dict[str, SmartEhr] = {}
    for index, entry in enumerate(entries):
        where = f"ehrs[{index}]"
        if not isinstance(entry, dict):
            raise InputError(Message("%(where)s must be an object", where=where), source=str(file))
        for name in ("iss", "client_id", "clinic"):
            if not isinstance(entry.get(name), str) or not entry[name].strip():
                raise InputError(
                    located(where, Message("needs a '%(name)s' string", name=name)),
                    source=str(file),
                )
        if not entry["iss"].startswith(("https://", "http://")):
            raise InputError(
                located(where, Message("'iss' must be the EHR's FHIR base URL")), source=str(file)
            )
        users = entry.get("users", {})
        if not isinstance(users, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in users.items()
        ):
            raise InputError(
                located(
                    where, Message("'users' must map EHR users (Practitioner/123) to usernames")
                ),
                source=str(file),
            )
        secret = entry.get("client_secret")
        if secret is not None and not isinstance(secret, str):
            raise InputError(
                located(where, Message("'client_secret' must be a string")), source=str(file)
            )
        frames = entry.get("frame_origins", [])
        origins = [_origin(o) for o in frames] if isinstance(frames, list) else [None]
        if not all(origins):
            raise InputError(
                located(
                    where,
                    Message(
                        "'frame_origins' must list origins such as https://ehr.example.org "
                        "(scheme, host and port only)"
                    ),
                ),
                source=str(file),
            )
        ehr = SmartEhr(
            iss=_normal(entry["iss"]),
            client_id=entry["client_id"],
            clinic=entry["clinic"],
            users={user_reference(k): v for k, v in users.items()},
            scope=str(entry.get("scope") or DEFAULT_SCOPE),
            client_secret=secret,
            frame_origins=tuple(dict.fromkeys(o for o in origins if o)),
        )
        if ehr.iss in out:
            # one EHR launches into one clinic: a second entry would silently take the
            # first one's launches (its clinic, its users) without either being told
            raise InputError(
                located(
                    where,
                    Message("'iss' %(iss)s is listed already: an EHR is listed once", iss=ehr.iss),
                ),
                source=str(file),
            )
        out[ehr.iss] = ehr
    return out


def user_reference(fhir_user: str) -> str:
    """``Practitioner/123`` from a ``fhirUser`` claim (relative or absolute URL)."""
    parts = [p for p in fhir_user.strip().rstrip("/").split("/") if p]
    return "/".join(parts[-2:]) if len(parts) >= 2 else fhir_user.strip()


@dataclass(frozen=True)
class SmartEndpoints:
    authorize: str
    token: str
    jwks_uri: str | None = None
    issuer: str | None = None


def _client(ehr: SmartEhr, redirect_uri: str | None = None) -> AsyncOAuth2Client:
    """Authlib's OAuth 2 client for ``ehr``: PKCE S256; a public client sends its
    ``client_id`` in the token request, a confidential one authenticates with HTTP Basic.

    Every request passes the outbound address policy with the EHR's own host allowed: the
    endpoints its SMART configuration names (token, keys) cannot send spinecare to
    another internal address (a loopback or private host, a cloud metadata service), and
    each goes to the address that was checked."""
    from spinecare.fhir.outbound import AddressPolicy, guarded_transport

    policy = AddressPolicy.from_entries([urlsplit(ehr.iss).hostname or ""])
    return AsyncOAuth2Client(
        transport=guarded_transport(policy, httpx2.AsyncHTTPTransport(trust_env=False)),
        trust_env=False,
        client_id=ehr.client_id,
        client_secret=ehr.client_secret,
        token_endpoint_auth_method="client_secret_basic" if ehr.client_secret else "none",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=TIMEOUT,
    )


async def discover(ehr: SmartEhr) -> SmartEndpoints:
    """The EHR's endpoints from its ``.well-known/smart-configuration``."""
    url = f"{ehr.iss}/.well-known/smart-configuration"
    try:
        async with _client(ehr) as client:
            response = await client.request(
                "GET", url, headers={"Accept": "application/json"}, withhold_token=True
            )
        body = response.json() if response.status_code == 200 else None
    except Exception:  # the EHR unreachable or answering something that is not JSON
        body = None
    if not isinstance(body, dict):
        raise LaunchError(Message("the EHR's SMART configuration cannot be read; try again later"))
    authorize = body.get("authorization_endpoint")
    token = body.get("token_endpoint")
    if not _web_url(authorize) or not _web_url(token):
        raise LaunchError(Message("the EHR's SMART configuration names no authorisation endpoints"))
    methods = body.get("code_challenge_methods_supported")
    if isinstance(methods, list) and "S256" not in methods:
        raise LaunchError(Message("the EHR does not support PKCE (S256), which spinecare requires"))
    jwks_uri = body.get("jwks_uri")
    issuer = body.get("issuer")
    assert isinstance(authorize, str) and isinstance(token, str)
    return SmartEndpoints(
        authorize,
        token,
        jwks_uri if _web_url(jwks_uri) else None,
        issuer if isinstance(issuer, str) else None,
    )


def _web_url(value: Any) -> bool:
    """An absolute http(s) URL with a host (the browser is sent to the authorisation
    endpoint: never a ``javascript:`` or ``data:`` address)."""
    if not isinstance(value, str) or any(ord(c) < 0x21 for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("https", "http") and bool(parts.hostname)


def new_code_verifier() -> str:
    """A PKCE code verifier (RFC 7636: 43 to 128 unreserved characters)."""
    return generate_token(64)


def authorize_url(
    ehr: SmartEhr,
    endpoints: SmartEndpoints,
    *,
    redirect_uri: str,
    state: str,
    verifier: str,
    launch: str | None,
    nonce: str,
    aud: str | None = None,
) -> str:
    """Where to send the browser: the EHR's authorisation endpoint with the request and
    the verifier's S256 challenge. A standalone launch (no ``launch``) asks the EHR to pick
    a patient (``launch/patient``). ``aud`` is the launch's ``iss`` exactly as the EHR sent
    it (SMART: "this aud value is the same as the launch's iss value"; an EHR may compare
    the strings), else the configured ``iss``. ``nonce`` goes with the request (OpenID
    Connect: the EHR puts it in the ``id_token``, which :func:`exchange_code` checks), so
    an ``id_token`` made for another sign-in, or replayed, signs nobody in."""
    scopes = ehr.scope.split()
    if launch is None:
        scopes = ["launch/patient" if s == "launch" else s for s in scopes]
        if "launch/patient" not in scopes:
            scopes.insert(0, "launch/patient")
    extra = {"aud": aud or ehr.iss, "nonce": nonce}
    if launch is not None:
        extra["launch"] = launch
    client = _client(ehr, redirect_uri)
    url, _ = client.create_authorization_url(
        endpoints.authorize, state=state, code_verifier=verifier, scope=" ".join(scopes), **extra
    )
    return str(url)


@dataclass(frozen=True)
class TokenResult:
    access_token: str
    patient: str
    fhir_user: str
    scope: str = DEFAULT_SCOPE
    """The scopes the EHR granted (its answer's ``scope``; the requested ones when it
    names none, as OAuth 2.0 says)."""


_SCOPE = re.compile(
    r"(?P<context>patient|user|system)/(?P<type>[A-Za-z]+|\*)\.(?P<access>read|write|\*|[cruds]+)"
)


def unreadable_types(granted: str, searches: Iterable[str]) -> list[str]:
    """The resource types of ``searches`` (FHIR queries such as ``Condition?patient=1`` or
    reads such as ``Patient/1``) that no scope of ``granted`` lets the app read in full:
    SMART 1 ``.read`` or ``.*``, SMART 2 ``r`` (and ``s`` for a search); a scope narrowed
    by a query (``patient/Observation.rs?category=laboratory``) reads part of them only.
    What the EHR does not let the app read would look like nothing recorded."""
    grants: dict[str, set[str]] = {}
    for scope in granted.split():
        hit = _SCOPE.fullmatch(scope)
        if hit is None:
            continue
        access = hit["access"]
        letters = {"r", "s"} if access in ("read", "*") else set(access)
        grants.setdefault(hit["type"], set()).update(letters)
    missing: list[str] = []
    for search in searches:
        kind = search.split("?", 1)[0].split("/", 1)[0]
        needed = {"r", "s"} if "?" in search else {"r"}
        if not needed <= grants.get(kind, set()) | grants.get("*", set()) and kind not in missing:
            missing.append(kind)
    return missing


async def exchange_code(
    ehr: SmartEhr,
    endpoints: SmartEndpoints,
    *,
    code: str,
    redirect_uri: str,
    verifier: str,
    nonce: str,
) -> TokenResult:
    """The access token, the patient in context and the EHR user (from a verified
    ``id_token`` carrying the ``nonce`` the authorisation request sent);
    :class:`LaunchError` when any is missing or wrong."""
    try:
        async with _client(ehr, redirect_uri) as client:
            try:
                body = await client.fetch_token(
                    endpoints.token,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=verifier,
                    redirect_uri=redirect_uri,
                )
            except OAuthError:
                raise LaunchError(
                    Message("the EHR refused to give spinecare access; open it from the EHR again")
                ) from None
            token = body.get("access_token")
            if not isinstance(token, str) or not token:
                raise LaunchError(Message("the EHR gave no access token"))
            patient = body.get("patient")
            if not isinstance(patient, str) or not patient:
                raise LaunchError(
                    Message(
                        "the EHR gave no patient to open; launch spinecare from a patient's chart"
                    )
                )
            id_token = body.get("id_token")
            if not isinstance(id_token, str):
                raise LaunchError(Message("the EHR did not say who you are (no id_token)"))
            jwks = await _jwks(client, endpoints)
    except LaunchError:
        raise
    except Exception:  # the EHR unreachable, or answering something that is not JSON
        raise LaunchError(Message("the EHR cannot be reached; try again later")) from None
    claims = _verify_id_token(ehr, endpoints, id_token, jwks, nonce)
    fhir_user = claims.get("fhirUser") or claims.get("profile")
    if not isinstance(fhir_user, str) or not fhir_user:
        raise LaunchError(Message("the EHR did not say who you are (no fhirUser)"))
    granted = body.get("scope")
    return TokenResult(
        token, patient, fhir_user, granted if isinstance(granted, str) else ehr.scope
    )


async def _jwks(client: AsyncOAuth2Client, endpoints: SmartEndpoints) -> Any:
    if endpoints.jwks_uri is None:
        raise LaunchError(Message("the EHR publishes no keys (jwks_uri) to check who you are"))
    response = await client.request(
        "GET", endpoints.jwks_uri, headers={"Accept": "application/json"}, withhold_token=True
    )
    return response.json()


def _verify_id_token(
    ehr: SmartEhr, endpoints: SmartEndpoints, id_token: str, jwks: Any, nonce: str
) -> dict[str, Any]:
    """The claims of ``id_token`` signed by the EHR's key for this app, unexpired, naming
    a subject and carrying ``nonce`` (OpenID Connect Core 3.1.3.7: a nonce sent in the
    request must come back in the token; one made for another sign-in, or none, is
    refused)."""
    try:
        header = jwt.get_unverified_header(id_token)
        keys = jwks.get("keys") if isinstance(jwks, dict) else None
        candidates = [
            k for k in keys or [] if isinstance(k, dict) and k.get("kid") == header.get("kid")
        ]
        if len(candidates) != 1 or header.get("alg") not in ID_TOKEN_ALGORITHMS:
            raise LaunchError(Message("the EHR's statement of who you are cannot be checked"))
        key = jwt.PyJWK(candidates[0], algorithm=header["alg"]).key
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key=key,
            algorithms=[header["alg"]],
            audience=ehr.client_id,
            issuer=endpoints.issuer or ehr.iss,
            options={"require": ["exp", "iat", "aud", "iss", "sub"]},
            leeway=30,
        )
    except jwt.PyJWTError:
        raise LaunchError(Message("the EHR's statement of who you are does not verify")) from None
    sent = claims.get("nonce")
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), nonce.encode()):
        raise LaunchError(Message("the EHR's statement of who you are does not verify"))
    return claims
