"""CDS Hooks JWT keys as real EHRs use them: key rotation, jwks_url and jwks_file, and
replay detection shared by every app on the database."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
from conftest import BASE, ISSUER, make_client
from cryptography.hazmat.primitives.asymmetric import ec

DISCOVERY = f"{BASE}/cds-services"
JWKS_URL = "https://ehr.example.org/.well-known/jwks.json"


class Signer:
    """An EHR's signing keys, each with its kid."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {}

    def add(self, kid: str) -> None:
        self.keys[kid] = ec.generate_private_key(ec.SECP384R1())

    def jwks(self, *kids: str) -> dict[str, Any]:
        out = []
        for kid in kids:
            jwk = jwt.algorithms.ECAlgorithm.to_jwk(self.keys[kid].public_key(), as_dict=True)
            out.append({**jwk, "kid": kid, "alg": "ES384", "use": "sig"})
        return {"keys": out}

    def token(self, kid: str, *, iss: str = ISSUER, jku: str | None = None) -> str:
        now = int(time.time())
        claims = {
            "iss": iss,
            "aud": DISCOVERY,
            "iat": now,
            "exp": now + 60,
            "jti": str(uuid.uuid4()),
        }
        headers = {"kid": kid, **({"jku": jku} if jku else {})}
        return jwt.encode(claims, self.keys[kid], algorithm="ES384", headers=headers)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class JwksServer:
    """The EHR's JWKS endpoint, as an httpx mock transport that counts its hits."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        self.jwks = jwks
        self.hits: list[str] = []
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.hits.append(str(request.url))
        return httpx.Response(200, json=self.jwks)


def verifier(issuers: dict[str, Any], server: JwksServer | None = None, clock: Clock | None = None):
    from spinecare.api.security import JWTVerifier

    return JWTVerifier(
        issuers,
        transport=server.transport if server else None,
        clock=clock or Clock(),
        refresh_interval=30.0,
    )


def verify(v, token: str) -> dict[str, Any]:
    return asyncio.run(v.verify(token, [DISCOVERY]))


@pytest.fixture
def signer() -> Signer:
    s = Signer()
    for kid in ("k1", "k2", "k3"):
        s.add(kid)
    return s


def test_rotated_key_is_fetched_again_once(signer):
    from spinecare.api.security import IssuerConfig

    server = JwksServer(signer.jwks("k1"))
    clock = Clock()
    v = verifier({ISSUER: IssuerConfig(ISSUER, jwks_url=JWKS_URL)}, server, clock)
    assert verify(v, signer.token("k1"))["iss"] == ISSUER
    assert server.hits == [JWKS_URL]
    clock.now += 31  # later, the EHR rotates to k2
    server.jwks = signer.jwks("k1", "k2")
    assert verify(v, signer.token("k2"))["iss"] == ISSUER
    assert len(server.hits) == 2  # the unknown kid made one new fetch
    verify(v, signer.token("k2"))
    verify(v, signer.token("k1"))
    assert len(server.hits) == 2  # known kids: the cached set


def test_unknown_kid_refetch_is_rate_limited(signer):
    from spinecare.api.security import AuthError, IssuerConfig

    server = JwksServer(signer.jwks("k1"))
    clock = Clock()
    v = verifier({ISSUER: IssuerConfig(ISSUER, jwks_url=JWKS_URL)}, server, clock)
    verify(v, signer.token("k1"))
    clock.now += 31
    for _ in range(5):  # a stream of tokens with a kid the EHR never published
        with pytest.raises(AuthError, match="kid"):
            verify(v, signer.token("k3"))
    assert len(server.hits) == 2  # one refetch, not five
    clock.now += 31
    server.jwks = signer.jwks("k1", "k3")
    assert verify(v, signer.token("k3"))["iss"] == ISSUER  # after the interval: fetched again
    assert len(server.hits) == 3


def test_allow_listed_jku_is_fetched_and_others_are_ignored(signer):
    from spinecare.api.security import AuthError, IssuerConfig

    allowed = "https://ehr.example.org/sandbox-jwks.json"
    server = JwksServer(signer.jwks("k2"))
    issuer = IssuerConfig(ISSUER, jwks=signer.jwks("k1"), jku=(allowed,))
    v = verifier({ISSUER: issuer}, server)
    # an allow-listed jku is fetched, as the token asks
    assert verify(v, signer.token("k2", jku=allowed))["iss"] == ISSUER
    assert server.hits == [allowed]
    # a jku that is not allow-listed is ignored (never fetched): the configured set decides
    assert verify(v, signer.token("k1", jku="https://attacker.example.net/jwks"))
    with pytest.raises(AuthError):
        verify(v, signer.token("k2", jku="https://attacker.example.net/jwks"))
    assert server.hits == [allowed]


def test_jwks_file_is_read_again_on_an_unknown_kid(signer, tmp_path):
    from spinecare.api.security import load_issuers

    (tmp_path / "ehr.jwks.json").write_text(json.dumps(signer.jwks("k1")))
    path = tmp_path / "issuers.json"
    path.write_text(json.dumps({"issuers": [{"iss": ISSUER, "jwks_file": "ehr.jwks.json"}]}))
    clock = Clock()
    v = verifier(load_issuers(path), clock=clock)
    verify(v, signer.token("k1"))
    clock.now += 31
    (tmp_path / "ehr.jwks.json").write_text(json.dumps(signer.jwks("k2")))  # rotated on disk
    assert verify(v, signer.token("k2"))["iss"] == ISSUER


def test_issuers_file_takes_a_jwks_url(tmp_path):
    from spinecare.api.security import load_issuers
    from spinecare.errors import InputError

    path = tmp_path / "issuers.json"
    path.write_text(json.dumps({"issuers": [{"iss": ISSUER, "jwks_url": JWKS_URL}]}))
    assert load_issuers(path)[ISSUER].jwks_url == JWKS_URL
    path.write_text(json.dumps({"issuers": [{"iss": ISSUER, "jwks_url": "ftp://x"}]}))
    with pytest.raises(InputError, match="jwks_url"):
        load_issuers(path)


def test_a_jti_is_refused_by_every_app_on_the_same_database(issuers_file, keys, tmp_path):
    db_url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    first = make_client(cds_issuers=str(issuers_file), db_url=db_url)
    second = make_client(cds_issuers=str(issuers_file), db_url=db_url)
    token = keys.token(DISCOVERY, jti=f"shared-{uuid.uuid4()}")
    headers = {"Authorization": f"Bearer {token}"}
    assert first.get("/cds-services", headers=headers).status_code == 200
    replay = second.get("/cds-services", headers=headers)
    assert replay.status_code == 401 and replay.content == b""
