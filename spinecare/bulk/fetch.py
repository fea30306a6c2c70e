"""Pull a FHIR Bulk Data export from a FHIR server into a folder that ``spinecare bulk
screen`` reads (HL7 FHIR Bulk Data Access IG 2.0).

1. Authorisation (optional): SMART Backend Services. The token endpoint comes from the
   server's ``.well-known/smart-configuration`` (or is given); the client authenticates
   with a client assertion, a JWT signed with its private key (RS384 or ES384, PyJWT).
   The token is fetched again when it expires or a request answers 401.
2. Kick-off: ``GET [base]/Patient/$export`` (or ``[base]/Group/[id]/$export``, or the
   system-level ``[base]/$export``) with ``Prefer: respond-async``,
   ``_outputFormat=application/fhir+ndjson``, the resource types bulk screening reads
   (``_type``) and ``_since``. The server answers 202 with ``Content-Location``.
3. Polling: 202 is "in progress" (``X-Progress`` is shown, ``Retry-After`` honoured),
   429 waits as ``Retry-After`` says, a 5xx whose OperationOutcome says ``transient``
   (or has no OperationOutcome) is tried again a few times; any other error stops
   with the server's diagnostics. 200 carries the manifest.
4. Download: the manifest's files, several at a time, each to ``Type.N.ndjson`` (the
   names ``bulk screen`` reads). A file on a host other than the FHIR server's is
   refused unless that host is allow-listed. The access token is sent only when the
   manifest says ``requiresAccessToken``.

Resume: the folder keeps ``.bulk-fetch.json`` (the request, the status URL, the
manifest, the files done). Run the same command again after an interruption: it polls
the same export, skips the files already complete, and continues a partial file with
an HTTP ``Range`` request when the server allows it. An expired file (404 or 410) stops
the run with advice to start a new export (``--restart``).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import jwt

from spinecare.errors import InputError
from spinecare.fhir.ndjson import RESOURCE_TYPES
from spinecare.messages import Message

__all__ = [
    "BackendServicesAuth",
    "BulkFetchError",
    "ExportRequest",
    "FetchResult",
    "fetch_export",
    "load_private_key",
]

STATE_FILE = ".bulk-fetch.json"
NDJSON = "application/fhir+ndjson"
DEFAULT_TYPES: tuple[str, ...] = RESOURCE_TYPES  # what bulk screening reads
DEFAULT_WAIT = 5.0  # seconds between polls when the server gives no Retry-After
MAX_WAIT = 600.0  # never wait longer than this between two polls
MAX_TRANSIENT = 5  # transient errors tolerated in a row
CHUNK = 1 << 16

Sleep = Callable[[float], Awaitable[None]]


MANIFEST_FILE = Message("the manifest names a file that")
"""What :meth:`_check_host` names by default: a file of the export's manifest."""


class BulkFetchError(InputError):
    """The export cannot be fetched (the message names the problem)."""

    code = "bulk_fetch_failed"


def load_private_key(path: Path) -> Any:
    """A PEM private key (RSA or EC) for the client assertion."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        return load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise InputError(
            Message("cannot read the private key: %(reason)s", reason=exc.strerror),
            source=str(path),
        ) from None
    except (ValueError, TypeError) as exc:
        raise InputError(
            Message("not a PEM private key without password (%(reason)s)", reason=str(exc)),
            source=str(path),
        ) from None


@dataclass
class BackendServicesAuth:
    """SMART Backend Services: a client id and its private key."""

    client_id: str
    private_key: Any
    kid: str | None = None
    scope: str = "system/*.read"
    token_url: str | None = None
    _token: str | None = None
    _expires: float = 0.0

    @property
    def algorithm(self) -> str:
        from cryptography.hazmat.primitives.asymmetric import ec, rsa

        if isinstance(self.private_key, rsa.RSAPrivateKey):
            return "RS384"
        if isinstance(self.private_key, ec.EllipticCurvePrivateKey):
            return "ES384"
        raise BulkFetchError(Message("the private key must be an RSA or EC key"))

    def assertion(self, token_url: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": token_url,
            "iat": now,
            "exp": now + 300,
            "jti": str(uuid.uuid4()),
        }
        headers = {"typ": "JWT", **({"kid": self.kid} if self.kid else {})}
        return jwt.encode(claims, self.private_key, algorithm=self.algorithm, headers=headers)

    def invalidate(self) -> None:
        self._token = None

    async def header(self, client: httpx.AsyncClient, base: str) -> dict[str, str]:
        if self._token is None or time.time() > self._expires - 30:
            await self._request_token(client, base)
        return {"Authorization": f"Bearer {self._token}"}

    async def _request_token(self, client: httpx.AsyncClient, base: str) -> None:
        if self.token_url is None:
            self.token_url = await _token_endpoint(client, base)
        form = {
            "grant_type": "client_credentials",
            "scope": self.scope,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": self.assertion(self.token_url),
        }
        response = await _send(client, "POST", self.token_url, data=form)
        body = _json(response)
        if response.status_code != 200 or not isinstance(body.get("access_token"), str):
            detail = body.get("error_description") or body.get("error") or response.status_code
            raise BulkFetchError(
                Message("the authorisation server refused the client: %(reason)s", reason=detail)
            )
        self._token = body["access_token"]
        expires_in = body.get("expires_in")
        self._expires = time.time() + (
            float(expires_in) if isinstance(expires_in, int | float) else 300.0
        )


async def _token_endpoint(client: httpx.AsyncClient, base: str) -> str:
    url = f"{base}/.well-known/smart-configuration"
    response = await _send(client, "GET", url, headers={"Accept": "application/json"})
    body = _json(response)
    endpoint = body.get("token_endpoint")
    if response.status_code != 200 or not isinstance(endpoint, str):
        raise BulkFetchError(
            Message("%(url)s names no token_endpoint; give the token URL (--token-url)", url=url)
        )
    return endpoint


@dataclass(frozen=True)
class ExportRequest:
    """What to export: from ``base``, one Group's patients, all patients, or the system."""

    base: str
    group: str | None = None
    system: bool = False
    since: datetime | None = None
    types: tuple[str, ...] = DEFAULT_TYPES

    def kickoff_url(self) -> str:
        base = self.base.rstrip("/")
        if self.group:
            path = f"{base}/Group/{self.group}/$export"
        elif self.system:
            path = f"{base}/$export"
        else:
            path = f"{base}/Patient/$export"
        params = {"_outputFormat": NDJSON, "_type": ",".join(self.types)}
        if self.since is not None:
            params["_since"] = self.since.isoformat()
        return f"{path}?{urlencode(params)}"

    def key(self) -> dict[str, Any]:
        return {"kickoff": self.kickoff_url()}


@dataclass
class FetchResult:
    folder: Path
    files: list[Path]
    errors: list[Path]
    transaction_time: str | None
    resumed: bool = False


@dataclass
class _State:
    path: Path
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path, request: ExportRequest, restart: bool) -> _State:
        """The state of this request's export in ``folder``; a fresh one with ``restart``
        (the previous export's files removed). A folder holding another export, or NDJSON
        files of unknown origin, is refused: screening would mix two exports."""
        path = folder / STATE_FILE
        state = cls(path)
        old: dict[str, Any] = {}
        if path.exists():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                loaded = {}
            old = loaded if isinstance(loaded, dict) else {}
        if old and not restart and old.get("request") == request.key():
            state.data = old
            return state
        if restart:
            done = old.get("done")
            root = folder.resolve()
            for name in done if isinstance(done, dict) else {}:
                target = (folder / str(name)).resolve()
                if target.is_relative_to(root):  # only files this folder's export wrote
                    target.unlink(missing_ok=True)
            for part in folder.rglob("*.ndjson.part"):
                part.unlink()
        elif old or any(folder.glob("*.ndjson*")):
            raise BulkFetchError(
                Message(
                    "%(folder)s already holds another export; fetch into an empty folder, or "
                    "start again there with --restart",
                    folder=str(folder),
                )
            )
        state.data = {"request": request.key(), "done": {}}
        return state

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1), encoding="utf-8")
        tmp.replace(self.path)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _diagnostics(response: httpx.Response) -> str:
    body = _json(response)
    texts = []
    for issue in body.get("issue") or []:
        if isinstance(issue, dict):
            details = issue.get("details") if isinstance(issue.get("details"), dict) else {}
            text = issue.get("diagnostics") or (details or {}).get("text") or issue.get("code")
            if text:
                texts.append(str(text))
    return "; ".join(texts) or f"HTTP {response.status_code}"


def _transient(response: httpx.Response) -> bool:
    issues = _json(response).get("issue")
    if not isinstance(issues, list) or not issues:
        return True  # a bare 5xx (a proxy, a restart): try again
    return any(isinstance(i, dict) and i.get("code") == "transient" for i in issues)


def _retry_after(response: httpx.Response, default: float) -> float:
    value = response.headers.get("retry-after")
    if value is None:
        return default
    try:
        return min(max(float(value), 0.0), MAX_WAIT)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return default
        return min(max(when.timestamp() - time.time(), 0.0), MAX_WAIT)


async def _send(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    try:
        return await client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise BulkFetchError(
            Message(
                "%(url)s: the server cannot be reached (%(reason)s)",
                url=url,
                reason=type(exc).__name__,
            )
        ) from None


RESOURCE_TYPE = re.compile(r"[A-Z][A-Za-z]{0,63}")
"""A FHIR resource type, which names the file written (``Patient.1.ndjson``)."""


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


class _Fetcher:
    def __init__(
        self,
        request: ExportRequest,
        folder: Path,
        client: httpx.AsyncClient,
        auth: BackendServicesAuth | None,
        *,
        allowed_hosts: frozenset[str],
        parallel: int,
        sleep: Sleep,
        on_status: Callable[[str], None],
        on_file: Callable[[Path], None],
        on_files: Callable[[int], None],
    ) -> None:
        self.request = request
        self.base = request.base.rstrip("/")
        self.folder = folder
        self.client = client
        self.auth = auth
        self.allowed_hosts = allowed_hosts
        self.parallel = max(1, parallel)
        self.sleep = sleep
        self.on_status = on_status
        self.on_file = on_file
        self.on_files = on_files

    async def _headers(self, accept: str, authorised: bool = True) -> dict[str, str]:
        headers = {"Accept": accept}
        if self.auth is not None and authorised:
            headers.update(await self.auth.header(self.client, self.base))
        return headers

    async def _get(
        self, url: str, accept: str, *, authorised: bool = True, extra: dict[str, str] | None = None
    ) -> httpx.Response:
        """GET with the access token, fetching a new token once on a 401."""
        headers = {**(await self._headers(accept, authorised)), **(extra or {})}
        response = await _send(self.client, "GET", url, headers=headers)
        if response.status_code == 401 and self.auth is not None and authorised:
            self.auth.invalidate()
            headers = {**(await self._headers(accept, authorised)), **(extra or {})}
            response = await _send(self.client, "GET", url, headers=headers)
        return response

    async def kickoff(self) -> str:
        url = self.request.kickoff_url()
        headers = {**(await self._headers("application/fhir+json")), "Prefer": "respond-async"}
        for _ in range(MAX_TRANSIENT):
            response = await _send(self.client, "GET", url, headers=headers)
            if response.status_code == 401 and self.auth is not None:
                self.auth.invalidate()
                headers.update(await self._headers("application/fhir+json"))
                continue
            if response.status_code == 429 or (
                response.status_code >= 500 and _transient(response)
            ):
                await self.sleep(_retry_after(response, DEFAULT_WAIT))
                continue
            break
        if response.status_code != 202:
            raise BulkFetchError(
                Message(
                    "the export was not started (%(status)s): %(reason)s",
                    status=response.status_code,
                    reason=_diagnostics(response),
                )
            )
        location = response.headers.get("content-location")
        if not location:
            raise BulkFetchError(
                Message("the server started the export but gave no Content-Location")
            )
        status_url = str(httpx.URL(url).join(location))
        # the status is polled with the access token: only where that token may go
        self._check_host(status_url, Message("the export's status (Content-Location)"))
        return status_url

    async def poll(self, status_url: str) -> dict[str, Any]:
        transient = 0
        while True:
            response = await self._get(status_url, "application/json")
            status = response.status_code
            if status == 200:
                manifest = _json(response)
                if not isinstance(manifest.get("output"), list):
                    raise BulkFetchError(Message("the export's manifest has no 'output' list"))
                return manifest
            if status == 202:
                transient = 0
                progress = response.headers.get("x-progress")
                self.on_status(
                    Message("export in progress: %(progress)s", progress=progress)
                    if progress
                    else Message("export in progress")
                )
                await self.sleep(_retry_after(response, DEFAULT_WAIT))
                continue
            if status == 429 or (status >= 500 and _transient(response)):
                transient += 1
                if transient > MAX_TRANSIENT:
                    raise BulkFetchError(
                        Message(
                            "the export's status keeps failing (%(status)s): %(reason)s",
                            status=status,
                            reason=_diagnostics(response),
                        )
                    )
                self.on_status(Message("server busy (%(status)s); waiting", status=status))
                await self.sleep(_retry_after(response, DEFAULT_WAIT * transient))
                continue
            if status in (404, 410):
                raise BulkFetchError(
                    Message(
                        "the export is gone from the server (expired or cancelled); "
                        "start a new one with --restart"
                    )
                )
            raise BulkFetchError(
                Message(
                    "the export failed (%(status)s): %(reason)s",
                    status=status,
                    reason=_diagnostics(response),
                )
            )

    def _check_host(self, url: str, what: Message = MANIFEST_FILE) -> None:
        scheme, netloc = _origin(url)
        if scheme not in ("https", "http"):
            raise BulkFetchError(
                Message("%(what)s is not an http(s) URL: %(url)s", what=what, url=url)
            )
        host = urlsplit(url).hostname or ""
        if (scheme, netloc) == _origin(self.base) or host.lower() in self.allowed_hosts:
            return
        raise BulkFetchError(
            Message(
                "%(what)s is on another host (%(host)s); allow it with "
                "--allow-host if that is the server's file store",
                what=what,
                host=host,
            )
        )

    def plan_files(self, manifest: dict[str, Any]) -> list[tuple[str, str]]:
        """``(file name, url)`` for every output and error file, every URL checked first."""
        out: list[tuple[str, str]] = []
        counters: dict[str, int] = {}
        for section in ("output", "error"):
            entries = manifest.get(section) or []
            if not isinstance(entries, list):
                raise BulkFetchError(
                    Message("the manifest's '%(section)s' is not a list", section=section)
                )
            for index, entry in enumerate(entries):
                if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
                    raise BulkFetchError(
                        Message(
                            "the manifest's %(section)s[%(index)s] has no url",
                            section=section,
                            index=index,
                        )
                    )
                kind = entry.get("type")
                if not isinstance(kind, str) or not RESOURCE_TYPE.fullmatch(kind):
                    raise BulkFetchError(
                        Message(
                            "the manifest's %(section)s[%(index)s] has no resource type",
                            section=section,
                            index=index,
                        )
                    )
                self._check_host(entry["url"])
                counters[kind] = counters.get(kind, 0) + 1
                prefix = "" if section == "output" else "errors/"
                out.append((f"{prefix}{kind}.{counters[kind]}.ndjson", entry["url"]))
        return out

    async def download(
        self, name: str, url: str, authorised: bool, state: _State, lock: asyncio.Lock
    ) -> Path:
        target = self.folder / name
        if state.data["done"].get(name) == url and target.exists():
            self.on_file(target)
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + ".part")
        have = part.stat().st_size if part.exists() else 0
        extra = {"Range": f"bytes={have}-"} if have else {}
        headers = {**(await self._headers(NDJSON, authorised)), **extra}
        for attempt in range(MAX_TRANSIENT + 1):
            try:
                async with self.client.stream("GET", url, headers=headers) as response:
                    if response.status_code == 401 and self.auth is not None and authorised:
                        self.auth.invalidate()
                        headers = {**(await self._headers(NDJSON, authorised)), **extra}
                        continue
                    if response.status_code in (404, 410):
                        raise BulkFetchError(
                            Message(
                                "%(file)s: the file has expired on the server; start a new "
                                "export with --restart",
                                file=name,
                            )
                        )
                    if response.status_code == 429 or response.status_code >= 500:
                        if attempt == MAX_TRANSIENT:
                            raise BulkFetchError(
                                Message(
                                    "%(file)s: the server keeps failing (%(status)s)",
                                    file=name,
                                    status=response.status_code,
                                )
                            )
                        await self.sleep(_retry_after(response, DEFAULT_WAIT))
                        continue
                    if response.status_code not in (200, 206):
                        raise BulkFetchError(
                            Message(
                                "%(file)s: download refused (%(status)s)",
                                file=name,
                                status=response.status_code,
                            )
                        )
                    mode = "ab" if response.status_code == 206 and have else "wb"
                    with open(part, mode) as handle:
                        async for chunk in response.aiter_bytes(CHUNK):
                            handle.write(chunk)
                break
            except httpx.HTTPError as exc:
                raise BulkFetchError(
                    Message(
                        "%(file)s: the download was interrupted (%(reason)s); run the "
                        "same command again to resume",
                        file=name,
                        reason=type(exc).__name__,
                    )
                ) from None
        else:
            raise BulkFetchError(
                Message("%(file)s: the download could not be completed", file=name)
            )
        part.replace(target)
        async with lock:
            state.data["done"][name] = url
            state.save()
        self.on_file(target)
        return target

    async def run(self, state: _State) -> FetchResult:
        resumed = bool(state.data.get("status_url"))
        if not state.data.get("manifest"):
            if not state.data.get("status_url"):
                state.data["status_url"] = await self.kickoff()
                state.save()
            state.data["manifest"] = await self.poll(state.data["status_url"])
            state.save()
        manifest = state.data["manifest"]
        files = self.plan_files(manifest)
        self.on_files(len(files))
        authorised = bool(manifest.get("requiresAccessToken"))
        semaphore = asyncio.Semaphore(self.parallel)
        lock = asyncio.Lock()

        async def one(name: str, url: str) -> Path:
            async with semaphore:
                return await self.download(name, url, authorised, state, lock)

        paths = await asyncio.gather(*(one(name, url) for name, url in files))
        return FetchResult(
            folder=self.folder,
            files=[
                p for p, (n, _) in zip(paths, files, strict=True) if not n.startswith("errors/")
            ],
            errors=[p for p, (n, _) in zip(paths, files, strict=True) if n.startswith("errors/")],
            transaction_time=manifest.get("transactionTime"),
            resumed=resumed,
        )


async def fetch_export_async(
    request: ExportRequest,
    folder: Path,
    *,
    auth: BackendServicesAuth | None = None,
    allowed_hosts: frozenset[str] = frozenset(),
    parallel: int = 4,
    restart: bool = False,
    timeout: float = 60.0,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep = asyncio.sleep,
    on_status: Callable[[str], None] = lambda _: None,
    on_file: Callable[[Path], None] = lambda _: None,
    on_files: Callable[[int], None] = lambda _: None,
) -> FetchResult:
    """Fetch the export ``request`` into ``folder`` (resuming one left there)."""
    if not request.base.startswith(("https://", "http://")):
        raise BulkFetchError(
            Message("FHIR_BASE must be an http(s) URL, not '%(url)s'", url=request.base)
        )
    folder.mkdir(parents=True, exist_ok=True)
    state = _State.load(folder, request, restart)
    async with httpx.AsyncClient(timeout=timeout, transport=transport) as client:
        fetcher = _Fetcher(
            request,
            folder,
            client,
            auth,
            allowed_hosts=frozenset(h.lower() for h in allowed_hosts),
            parallel=parallel,
            sleep=sleep,
            on_status=on_status,
            on_file=on_file,
            on_files=on_files,
        )
        return await fetcher.run(state)


def fetch_export(request: ExportRequest, folder: Path, **kwargs: Any) -> FetchResult:
    """:func:`fetch_export_async` for synchronous callers (the CLI)."""
    return asyncio.run(fetch_export_async(request, folder, **kwargs))
