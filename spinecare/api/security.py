"""CDS Hooks client authentication: the EHR's signed JWT on every call (CDS Hooks 2.0,
"Trusting CDS Clients").

Checks, in order, all of which must pass (any failure is a bare 401; the reason is
logged at debug level, the token never):

- ``Authorization: Bearer <JWT>`` is present;
- header ``alg`` is RS384 or ES384 (never ``none``, never a symmetric HMAC algorithm);
- ``iss`` is allow-listed in the issuers file (``Settings.cds_issuers``);
- the verification key: when the header's ``jku`` is allow-listed for the issuer, from
  the JWK Set at that URL (fetched with httpx and cached); otherwise from the issuer's
  configured JWK Set (``jwks``, ``jwks_file`` or ``jwks_url``), and a ``jku`` that is not
  allow-listed is ignored, never fetched (the CDS Hooks sandbox sends its own ``jku`` on
  every token). Without either, the token is refused;
- the key named by ``kid``; when the set does not hold it (the EHR rotated its keys), the
  set is read again (URL or file), at most once per ``refresh_interval`` for that set;
- the signature verifies with that key;
- ``aud`` equals the URL of the endpoint under the configured base URL
  (``Settings.base_url``; never the address the request claims in its ``Host`` header);
  ``exp``, ``iat`` and ``jti`` are present; the token has not expired;
- ``jti`` has not been seen before (kept until the token expires; in the database, so
  shared by every worker, when the app has one).

Issuers file (JSON)::

    {"issuers": [
      {"iss": "https://ehr.example.org", "jwks": {"keys": [...]},
       "fhir_servers": ["https://ehr.example.org/fhir"]},
      {"iss": "https://other-ehr.example.org", "jwks_file": "other-ehr.jwks.json"},
      {"iss": "https://fourth.example.org",
       "jwks_url": "https://fourth.example.org/.well-known/jwks.json"},
      {"iss": "https://third.example.org",
       "jku": ["https://third.example.org/.well-known/jwks.json"]}
    ]}
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
import jwt
from fastapi import Request

from spinecare.errors import InputError
from spinecare.messages import Message, located

__all__ = [
    "ALLOWED_ALGORITHMS",
    "AuthError",
    "IssuerConfig",
    "JWTVerifier",
    "ReplayCache",
    "ReplayStore",
    "expected_audiences",
    "load_issuers",
]

log = logging.getLogger("spinecare.api.security")

ALLOWED_ALGORITHMS = ("RS384", "ES384")
REQUIRED_CLAIMS = ("iss", "aud", "exp", "iat", "jti")


class AuthError(Exception):
    """Why a token was refused (for the debug log only; the client sees a bare 401)."""


@dataclass(frozen=True)
class IssuerConfig:
    """One trusted CDS client: its JWK Set (inline, a file, or a URL), and/or the jku URLs
    it may point to; the FHIR servers (base URLs) its calls may name as ``fhirServer``."""

    iss: str
    jwks: Mapping[str, Any] | None = None
    jku: tuple[str, ...] = ()
    jwks_file: Path | None = None
    jwks_url: str | None = None
    fhir_servers: tuple[str, ...] = ()

    @property
    def configured(self) -> bool:
        """Whether the issuer's own keys are configured (then ``kid`` decides)."""
        return self.jwks is not None or self.jwks_file is not None or self.jwks_url is not None


def load_issuers(path: str | Path) -> dict[str, IssuerConfig]:
    """Read the issuers file; raises :class:`InputError` naming the problem."""
    from spinecare.documents import load_document

    file = Path(path)
    data = load_document(file, str(file), yaml_allowed=False)
    entries = data.get("issuers") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise InputError(Message("CDS issuers file needs an 'issuers' list"), source=str(file))
    out: dict[str, IssuerConfig] = {}
    for index, entry in enumerate(entries):
        where = f"issuers[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("iss"), str):
            raise InputError(located(where, Message("needs an 'iss' string")), source=str(file))
        jwks = entry.get("jwks")
        jwks_path: Path | None = None
        if "jwks_file" in entry:
            jwks_path = file.parent / str(entry["jwks_file"])
            try:
                jwks = json.loads(jwks_path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise InputError(
                    located(where, Message("cannot read jwks_file: %(reason)s", reason=str(exc))),
                    source=str(file),
                ) from None
        jwks_url = entry.get("jwks_url")
        if jwks_url is not None and not (
            isinstance(jwks_url, str) and jwks_url.startswith(("https://", "http://"))
        ):
            raise InputError(
                located(where, Message("'jwks_url' must be an http(s) URL")), source=str(file)
            )
        if jwks is not None and not (isinstance(jwks, dict) and isinstance(jwks.get("keys"), list)):
            raise InputError(
                located(where, Message("'jwks' must be a JWK Set ({'keys': [...]})")),
                source=str(file),
            )
        jku = _urls(entry.get("jku", []))
        if jku is None:
            raise InputError(
                located(where, Message("'jku' must be a URL or a list of URLs")), source=str(file)
            )
        servers = _urls(entry.get("fhir_servers", []))
        if servers is None or not all(u.startswith(("https://", "http://")) for u in servers):
            raise InputError(
                located(where, Message("'fhir_servers' must list the EHR's FHIR base URLs")),
                source=str(file),
            )
        if jwks is None and jwks_url is None and not jku:
            raise InputError(
                located(where, Message("give 'jwks', 'jwks_file', 'jwks_url' or 'jku'")),
                source=str(file),
            )
        out[entry["iss"]] = IssuerConfig(
            entry["iss"], jwks, tuple(jku), jwks_path, jwks_url, tuple(servers)
        )
    return out


def _urls(value: Any) -> list[str] | None:
    """A URL or a list of URLs as a list, or None when it is neither."""
    urls = [value] if isinstance(value, str) else value
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        return None
    return urls


class ReplayCache:
    """``jti`` values seen, each kept until its token expires (thread-safe)."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def check_and_add(self, iss: str, jti: str, expires: float, now: float) -> bool:
        """True if new (and now remembered); False if a replay."""
        key = (iss, jti)
        with self._lock:
            if len(self._seen) >= self.max_entries or len(self._seen) % 1024 == 0:
                self._prune(now)
            if key in self._seen and self._seen[key] >= now:
                return False
            if len(self._seen) >= self.max_entries:
                return False  # refuse rather than forget: a full cache cannot prove freshness
            self._seen[key] = expires
            return True

    def _prune(self, now: float) -> None:
        for key in [k for k, exp in self._seen.items() if exp < now]:
            del self._seen[key]


class ReplayStore(Protocol):
    """Where seen ``jti`` values are kept (:class:`ReplayCache` in memory, or in the
    clinic's database: :func:`spinecare.clinic.ehr.seen_tokens`)."""

    def check_and_add(self, iss: str, jti: str, expires: float, now: float) -> bool: ...


@dataclass
class _CachedJwks:
    keys: Mapping[str, Any]
    fetched: float


@dataclass
class JWTVerifier:
    """Verifies CDS Hooks client JWTs against allow-listed issuers."""

    issuers: Mapping[str, IssuerConfig]
    leeway: int = 30
    max_lifetime: int = 3600
    jwks_ttl: float = 300.0
    refresh_interval: float = 30.0
    fetch_timeout: float = 2.0
    replay: ReplayStore = field(default_factory=ReplayCache)
    transport: httpx.AsyncBaseTransport | None = None
    clock: Callable[[], float] = time.monotonic
    fetches: int = 0
    _cache: dict[str, _CachedJwks] = field(default_factory=dict)
    _refreshed: dict[str, float] = field(default_factory=dict)
    _keys: dict[tuple[int, str | None, str], tuple[Mapping[str, Any], Any]] = field(
        default_factory=dict
    )
    """The keys made from JWK Sets, by the set (its identity), ``kid`` and algorithm: a
    set read again is a new set, whose keys are made again."""
    _lock: asyncio.Lock | None = None

    async def verify(self, token: str, audiences: list[str]) -> dict[str, Any]:
        """The verified claims; raises :class:`AuthError`."""
        try:
            # header and claims read once, unverified, to find the issuer and its key
            parts = jwt.decode_complete(token, options={"verify_signature": False})
            header, unverified = parts["header"], parts["payload"]
        except jwt.PyJWTError as exc:
            raise AuthError(f"malformed token ({type(exc).__name__})") from None
        alg = header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise AuthError(f"algorithm {alg!r} not allowed")
        iss = unverified.get("iss")
        if not isinstance(iss, str) or iss not in self.issuers:
            raise AuthError("issuer not allow-listed")
        key = await self._key(self.issuers[iss], header, alg)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=audiences,
                issuer=iss,
                leeway=self.leeway,
                options={"require": list(REQUIRED_CLAIMS), "verify_aud": True},
            )
        except jwt.PyJWTError as exc:
            raise AuthError(f"token refused ({type(exc).__name__}: {exc})") from None
        aud = claims["aud"]
        aud_values = [aud] if isinstance(aud, str) else list(aud)
        if not any(a in audiences for a in aud_values):  # pragma: no cover - PyJWT checks
            raise AuthError("aud does not name this endpoint")
        now = time.time()
        exp = float(claims["exp"])
        if exp - float(claims["iat"]) > self.max_lifetime:
            raise AuthError("token lifetime too long")
        jti = claims["jti"]
        if not isinstance(jti, str) or not jti:
            raise AuthError("jti must be a non-empty string")
        new = await asyncio.to_thread(self.replay.check_and_add, iss, jti, exp + self.leeway, now)
        if not new:
            raise AuthError("jti replayed")
        return claims

    async def _key(self, issuer: IssuerConfig, header: Mapping[str, Any], alg: str) -> Any:
        """The verification key: from an allow-listed ``jku``, else the issuer's own set
        (a ``jku`` that is not allow-listed is ignored), read again once on an unknown
        ``kid``."""
        jku = header.get("jku")
        source: str | None
        if isinstance(jku, str) and jku in issuer.jku:
            source = jku
        elif issuer.configured:
            source = issuer.jwks_url or (str(issuer.jwks_file) if issuer.jwks_file else None)
        elif jku is not None:
            raise AuthError("jku not allow-listed for this issuer, and no configured JWK Set")
        else:
            raise AuthError("no jku in the token and no configured JWK Set for the issuer")
        kid = header.get("kid")
        if source is None:
            assert issuer.jwks is not None
            return self._select_key(issuer.jwks, kid, alg)
        jwks = await self._jwks(issuer, source, refresh=False)
        if kid is not None and not _holds(jwks, kid):
            jwks = await self._jwks(issuer, source, refresh=True)
        return self._select_key(jwks, kid, alg)

    async def _jwks(self, issuer: IssuerConfig, source: str, *, refresh: bool) -> Mapping[str, Any]:
        """The JWK Set at ``source`` (a URL, or the issuer's file), cached for ``jwks_ttl``;
        with ``refresh`` read again unless it was within ``refresh_interval``."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            now = self.clock()
            cached = self._cache.get(source)
            if refresh:
                last = self._refreshed.get(source)
                if cached is not None and last is not None and now - last < self.refresh_interval:
                    return cached.keys  # rate limit: an unknown kid does not hammer the EHR
                self._refreshed[source] = now
            elif cached is not None and now - cached.fetched < self.jwks_ttl:
                return cached.keys
            if issuer.jwks_file is not None and source == str(issuer.jwks_file):
                data = self._read_file(issuer.jwks_file, cached)
            else:
                data = await self._download(source)
            self.fetches += 1
            if cached is None and refresh is False:
                self._refreshed.setdefault(source, now)
            self._cache[source] = _CachedJwks(data, now)
            return data

    @staticmethod
    def _read_file(path: Path, cached: _CachedJwks | None) -> Mapping[str, Any]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            if cached is not None:
                return cached.keys  # a file being replaced: keep the keys we had
            raise AuthError(f"cannot read the JWK Set file ({type(exc).__name__})") from None
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise AuthError("the JWK Set file holds no JWK Set")
        return data

    async def _download(self, url: str) -> Mapping[str, Any]:
        try:
            async with httpx.AsyncClient(
                timeout=self.fetch_timeout, transport=self.transport
            ) as client:
                response = await client.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise AuthError(f"cannot fetch the JWK Set ({type(exc).__name__})") from None
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise AuthError("the URL does not hold a JWK Set")
        return data

    def _select_key(self, jwks: Mapping[str, Any], kid: Any, alg: str) -> Any:
        """The key of ``jwks`` for ``kid`` and ``alg``, made once per set."""
        if kid is not None and not isinstance(kid, str):
            return self._make_key(jwks, kid, alg)
        made = (id(jwks), kid, alg)
        cached = self._keys.get(made)
        if cached is not None and cached[0] is jwks:
            return cached[1]
        key = self._make_key(jwks, kid, alg)
        if len(self._keys) >= 256:
            self._keys.clear()  # sets read again leave theirs behind: bounded
        self._keys[made] = (jwks, key)
        return key

    @staticmethod
    def _make_key(jwks: Mapping[str, Any], kid: Any, alg: str) -> Any:
        keys = jwks.get("keys")
        if not isinstance(keys, list):
            raise AuthError("JWK Set without keys")
        candidates = [k for k in keys if isinstance(k, dict)]
        if kid is not None:
            candidates = [k for k in candidates if k.get("kid") == kid]
        elif len(candidates) != 1:
            raise AuthError("no kid in the token and the JWK Set has several keys")
        if not candidates:
            raise AuthError("no key with that kid")
        jwk = candidates[0]
        if jwk.get("alg") not in (None, alg):
            raise AuthError("key algorithm does not match the token")
        expected_kty = "RSA" if alg.startswith("RS") else "EC"
        if jwk.get("kty") != expected_kty:
            raise AuthError("key type does not match the algorithm")
        try:
            return jwt.PyJWK(jwk, algorithm=alg).key
        except jwt.PyJWTError as exc:
            raise AuthError(f"unusable key ({type(exc).__name__})") from None


def _holds(jwks: Mapping[str, Any], kid: Any) -> bool:
    keys = jwks.get("keys")
    return isinstance(keys, list) and any(isinstance(k, dict) and k.get("kid") == kid for k in keys)


def expected_audiences(request: Request, base_url: str) -> list[str]:
    """The URL this call may be addressed to: the endpoint under the configured public base
    URL. Never derived from the request (its ``Host`` header is the caller's to choose)."""
    return [base_url.rstrip("/") + request.url.path]
