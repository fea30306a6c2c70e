"""``spinecare bulk fetch`` against a local server that follows the Bulk Data Access IG:
SMART Backend Services, 202 with Content-Location, X-Progress and Retry-After, 429 and
transient 5xx, the manifest, files on another host, expired files, and a download
interrupted mid-file and resumed."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from spinecare.i18n import translate
from tests.conftest import DATA

SYNTHEA = DATA / "synthea" / "r4-bundles-2019"
PATIENTS = [
    "Adolfo_Marquardt_50635536-8051-4085-bfd4-511a05062ac2.json.gz",
    "Adalberto_Hartmann_44ec4447-9e2c-4eb9-bd4f-0bdb416b806e.json.gz",
    "Abdul_Koepp_e925b0f3-8006-43f6-aa31-94bd215e55e7.json.gz",
]
CLIENT_ID = "spinecare-bulk"
TRANSIENT = {
    "resourceType": "OperationOutcome",
    "issue": [{"severity": "error", "code": "transient", "diagnostics": "busy"}],
}


class BulkServer:
    """A FHIR server's Bulk Data endpoints, an authorisation server and a file store."""

    def __init__(self, files: dict[str, bytes], public_key: Any) -> None:
        self.files = files
        self.public_key = public_key
        self.status_script: list[tuple[int, dict[str, str], Any]] = []
        self.cut_once: set[str] = set()
        self.expired = False
        self.requires_token = True
        self.file_host: str | None = None
        self.log: list[tuple[str, str, dict[str, str]]] = []
        self.tokens_issued = 0
        self.kickoffs: list[dict[str, list[str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorised(self) -> bool:
                if self.headers.get("Authorization", "").startswith("Bearer tok-"):
                    return True
                self._send(401, {"resourceType": "OperationOutcome", "issue": []})
                return False

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = parse_qs(self.rfile.read(length).decode())
                server.log.append(("POST", self.path, dict(self.headers)))
                try:
                    claims = jwt.decode(
                        form["client_assertion"][0],
                        server.public_key,
                        algorithms=["ES384"],
                        audience=f"{server.url}/token",
                    )
                    assert claims["iss"] == claims["sub"] == CLIENT_ID and claims["jti"]
                    assert form["grant_type"] == ["client_credentials"]
                    assert form["client_assertion_type"] == [
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
                    ]
                except Exception:
                    self._send(401, {"error": "invalid_client"})
                    return
                server.tokens_issued += 1
                body = {
                    "access_token": f"tok-{server.tokens_issued}",
                    "token_type": "bearer",
                    "expires_in": 300,
                    "scope": form["scope"][0],
                }
                self._send(200, body)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                server.log.append(("GET", self.path, dict(self.headers)))
                if parts.path == "/fhir/.well-known/smart-configuration":
                    self._send(200, {"token_endpoint": f"{server.url}/token"})
                elif parts.path.endswith("/$export"):
                    if not self._authorised():
                        return
                    if self.headers.get("Prefer") != "respond-async":
                        self._send(400, {"resourceType": "OperationOutcome", "issue": []})
                        return
                    server.kickoffs.append({"path": [parts.path], **parse_qs(parts.query)})
                    self._send(202, None, {"Content-Location": "/status/job-1"})
                elif parts.path == "/status/job-1":
                    if not self._authorised():
                        return
                    if server.status_script:
                        status, headers, body = server.status_script.pop(0)
                        self._send(status, body, headers)
                    else:
                        self._send(200, server.manifest())
                elif parts.path.startswith("/files/"):
                    self._file(parts.path.removeprefix("/files/"))
                else:
                    self._send(404, {"resourceType": "OperationOutcome", "issue": []})

            def _file(self, name: str) -> None:
                if server.requires_token and not self._authorised():
                    return
                if server.expired or name not in server.files:
                    self._send(410, {"resourceType": "OperationOutcome", "issue": []})
                    return
                data = server.files[name]
                start = 0
                ranged = self.headers.get("Range", "")
                if ranged.startswith("bytes="):
                    start = int(ranged.removeprefix("bytes=").split("-")[0])
                self.send_response(206 if start else 200)
                self.send_header("Content-Type", "application/fhir+ndjson")
                self.send_header("Content-Length", str(len(data) - start))
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.end_headers()
                if name in server.cut_once:  # the connection drops halfway through
                    server.cut_once.discard(name)
                    self.wfile.write(data[start : start + (len(data) - start) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(data[start:])

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def manifest(self) -> dict[str, Any]:
        host = self.file_host or self.url
        output = []
        for name in sorted(self.files):
            kind = name.split(".")[0]
            output.append({"type": kind, "url": f"{host}/files/{name}"})
        return {
            "transactionTime": "2019-06-01T00:00:00Z",
            "request": f"{self.url}/fhir/Patient/$export",
            "requiresAccessToken": self.requires_token,
            "output": output,
            "error": [],
        }

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def export_files(tmp_path_factory) -> dict[str, bytes]:
    from spinecare.fhir.ndjson import bundles_to_ndjson

    folder = tmp_path_factory.mktemp("source-export")
    bundles_to_ndjson([SYNTHEA / name for name in PATIENTS], folder)
    # served under their own names; fetched, each is Type.1.ndjson (one file per type)
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.ndjson"))}


def fetched_name(served: str) -> str:
    return f"{served.split('.')[0]}.1.ndjson"


@pytest.fixture(scope="module")
def client_key():
    return ec.generate_private_key(ec.SECP384R1())


@pytest.fixture
def server(export_files, client_key):
    s = BulkServer(export_files, client_key.public_key())
    yield s
    s.close()


class Waits:
    """Records the waits asked for instead of sleeping (no test waits on a clock)."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        await asyncio.sleep(0)


def fetch(server: BulkServer, out: Path, client_key, waits: Waits | None = None, **kwargs: Any):
    from spinecare.bulk.fetch import BackendServicesAuth, ExportRequest, fetch_export

    statuses: list[str] = []
    request_kwargs = {k: kwargs.pop(k) for k in ("group", "since", "system") if k in kwargs}
    result = fetch_export(
        ExportRequest(f"{server.url}/fhir", **request_kwargs),
        out,
        auth=BackendServicesAuth(CLIENT_ID, client_key, kid="k1"),
        sleep=waits or Waits(),
        on_status=statuses.append,
        **kwargs,
    )
    return result, statuses


def test_an_export_is_fetched_polled_and_downloaded(server, client_key, tmp_path, export_files):
    server.status_script = [
        (202, {"X-Progress": "10% done", "Retry-After": "7"}, None),
        (429, {"Retry-After": "3"}, None),
        (503, {}, TRANSIENT),
        (202, {"X-Progress": "90% done"}, None),
    ]
    waits = Waits()
    out = tmp_path / "export"
    result, statuses = fetch(server, out, client_key, waits, group="g1", parallel=3)
    # polling honoured Retry-After (7 s, then 3 s) and showed X-Progress
    assert waits.asked[:2] == [7.0, 3.0]
    assert "export in progress: 10% done" in statuses
    assert "export in progress: 90% done" in statuses
    (kickoff,) = server.kickoffs
    assert kickoff["path"] == ["/fhir/Group/g1/$export"]
    assert kickoff["_outputFormat"] == ["application/fhir+ndjson"]
    assert "Patient" in kickoff["_type"][0].split(",")
    # every file arrived whole, under the names bulk screening reads
    assert {p.name for p in result.files} == {fetched_name(n) for n in export_files}
    for served, data in export_files.items():
        assert (out / fetched_name(served)).read_bytes() == data
    assert server.tokens_issued == 1  # one SMART Backend Services token for the whole run
    # and bulk screening reads the folder
    from spinecare.bulk.duckdb import screen_export
    from spinecare.kb import load_kb

    screened = screen_export(out, None, load_kb(), date(2019, 6, 1))
    assert screened.patients == len(PATIENTS)


def test_an_interrupted_download_resumes_with_a_range_request(
    server, client_key, tmp_path, export_files
):
    from spinecare.bulk.fetch import BulkFetchError

    big = max(export_files, key=lambda n: len(export_files[n]))
    server.cut_once = {big}
    out = tmp_path / "export"
    with pytest.raises(BulkFetchError, match="interrupted"):
        fetch(server, out, client_key, parallel=1)
    part = out / f"{fetched_name(big)}.part"
    partial = part.stat().st_size
    assert 0 < partial < len(export_files[big])
    kickoffs = len(server.kickoffs)
    result, _ = fetch(server, out, client_key, parallel=1)  # the same command again
    assert len(server.kickoffs) == kickoffs  # the same export, not a new one
    ranges = [h.get("Range") for m, p, h in server.log if p == f"/files/{big}" and h.get("Range")]
    assert ranges == [f"bytes={partial}-"]  # only the missing part was asked for
    assert not part.exists()
    assert (out / fetched_name(big)).read_bytes() == export_files[big]
    assert {p.name for p in result.files} == {fetched_name(n) for n in export_files}


def test_files_on_another_host_are_refused_unless_allowed(server, client_key, tmp_path):
    from spinecare.bulk.fetch import BulkFetchError

    server.file_host = "http://files.example.net"
    with pytest.raises(BulkFetchError, match="another host") as refused:
        fetch(server, tmp_path / "export", client_key)
    # said in --lang's language, the host as it is
    assert translate(refused.value.one_line(), "ru").startswith(
        "файл из манифеста: адрес на другом сервере (files.example.net); разрешите его с "
        "--allow-host"
    )
    assert not [p for m, p, h in server.log if p.startswith("/files/")]  # nothing fetched


def test_expired_files_stop_with_advice(server, client_key, tmp_path):
    from spinecare.bulk.fetch import BulkFetchError

    server.expired = True
    with pytest.raises(BulkFetchError, match=r"expired.*--restart"):
        fetch(server, tmp_path / "export", client_key)


def test_the_token_is_sent_to_the_file_store_only_when_required(server, client_key, tmp_path):
    server.requires_token = False
    fetch(server, tmp_path / "export", client_key)
    file_gets = [h for m, p, h in server.log if p.startswith("/files/")]
    assert file_gets and not any("authorization" in {k.lower() for k in h} for h in file_gets)


def test_a_failed_export_reports_the_servers_diagnostics(server, client_key, tmp_path):
    from spinecare.bulk.fetch import BulkFetchError

    failure = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "exception", "diagnostics": "disk full"}],
    }
    server.status_script = [(500, {}, failure)]
    with pytest.raises(BulkFetchError, match="disk full"):
        fetch(server, tmp_path / "export", client_key)


def test_a_client_the_server_does_not_know_is_refused(server, tmp_path):
    from spinecare.bulk.fetch import BulkFetchError

    stranger = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(BulkFetchError, match="refused the client"):
        fetch(server, tmp_path / "export", stranger)


def test_cli_fetch(server, client_key, tmp_path, export_files):
    import subprocess
    import sys

    key = tmp_path / "client.pem"
    key.write_bytes(
        client_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    out = tmp_path / "export"
    args = [sys.executable, "-m", "spinecare", "bulk", "fetch", f"{server.url}/fhir"]
    args += ["--out", str(out), "--client-id", CLIENT_ID, "--key", str(key)]
    proc = subprocess.run(
        [*args, "--since", "2019-01-01"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert f"{len(export_files)} files in {out}" in proc.stdout
    assert server.kickoffs[-1]["_since"] == ["2019-01-01T00:00:00"]
    bad = subprocess.run([*args, "--since", "soon"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "--since" in bad.stderr
    server.expired = True
    expired = subprocess.run([*args, "--restart"], capture_output=True, text=True, timeout=120)
    assert expired.returncode == 1
    assert "Traceback" not in expired.stderr and "expired" in expired.stderr


def test_a_folder_with_another_export_is_refused_unless_restarted(
    server, client_key, tmp_path, export_files
):
    from spinecare.bulk.fetch import BulkFetchError

    out = tmp_path / "export"
    fetch(server, out, client_key)
    with pytest.raises(BulkFetchError, match="another export"):
        fetch(server, out, client_key, group="other")  # would mix two exports
    server.files = {"Patient.ndjson": export_files["Patient.ndjson"]}
    result, _ = fetch(server, out, client_key, group="other", restart=True)
    assert sorted(p.name for p in out.glob("*.ndjson")) == ["Patient.1.ndjson"]
    assert [p.name for p in result.files] == ["Patient.1.ndjson"]
    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "Condition.ndjson").write_text("{}\n")
    with pytest.raises(BulkFetchError, match="another export"):
        fetch(server, stray, client_key)


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",
        "https://attacker.example/status",
        "//attacker.example/status",
        "file:///etc/passwd",
    ],
)
def test_the_status_is_polled_only_where_the_token_may_go(tmp_path, location):
    """A server (or whoever answers for it) naming a status address on another host would
    have the access token sent there, and spinecare reach any address: refused."""
    import httpx

    from spinecare.bulk.fetch import BulkFetchError, ExportRequest, fetch_export_async

    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        if "$export" in request.url.path:
            return httpx.Response(202, headers={"Content-Location": location})
        return httpx.Response(200, json={"output": []})

    request = ExportRequest(base="https://fhir.example.org/fhir")
    with pytest.raises(BulkFetchError, match="Content-Location"):
        asyncio.run(
            fetch_export_async(request, tmp_path / "out", transport=httpx.MockTransport(answer))
        )
    assert len(asked) == 1 and "$export" in asked[0]


@pytest.mark.parametrize("kind", ["P" * 300, "Пациент", "../Patient", "patient.ndjson"])
def test_a_manifest_type_that_is_no_resource_type_names_no_file(tmp_path, kind):
    import httpx

    from spinecare.bulk.fetch import BulkFetchError, ExportRequest, fetch_export_async

    base = "https://fhir.example.org/fhir"

    def answer(request: httpx.Request) -> httpx.Response:
        if "$export" in request.url.path:
            return httpx.Response(202, headers={"Content-Location": f"{base}/status/1"})
        if request.url.path.endswith("/status/1"):
            return httpx.Response(200, json={"output": [{"type": kind, "url": f"{base}/f/1"}]})
        return httpx.Response(200, content=b"")

    with pytest.raises(BulkFetchError, match="resource type"):
        asyncio.run(
            fetch_export_async(
                ExportRequest(base=base), tmp_path / "out", transport=httpx.MockTransport(answer)
            )
        )
    assert not list((tmp_path / "out").glob("*.ndjson*"))
