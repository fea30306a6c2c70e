"""Ordinary requests while the server does heavy work: the p95 of a signed-in patient
page while 16 sign-ins (argon2id with the library's parameters) and a large FHIR Bundle
posted to ``/api/screen`` are in flight. Target: p95 under 250 ms.

    .venv/bin/python benchmarks/under_load.py [--logins 16] [--bundle-mb 8] [--rounds 5]

The server (uvicorn, one process, a fresh SQLite file with the demo clinic) runs in its
own process, so the load generator does not share its interpreter.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "tests" / "web" / "fixtures" / "bundle-herniation.json"
PASSWORDS = {
    "admin": "bench-admin-1",
    "therapist": "bench-therapist-1",
    "physician": "bench-physician-1",
    "patient": "bench-patient-1",
}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def serve_forever(port: int, folder: str) -> None:
    """The server process: the demo clinic with known passwords."""
    import uvicorn

    sys.path.insert(0, str(ROOT))
    from spinecare.app import create_app
    from spinecare.settings import Settings

    settings = Settings.from_env(
        environment="development",
        db_url=f"sqlite:///{folder}/bench.sqlite",
        demo=True,
        max_body_bytes=64_000_000,
    )
    app = create_app(settings, seed_passwords=PASSWORDS)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, folder: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port), folder],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


def large_bundle(megabytes: float) -> bytes:
    """The herniation Bundle with its observations repeated up to ``megabytes``."""
    bundle = json.loads(BUNDLE.read_text(encoding="utf-8"))
    observations = [
        e for e in bundle["entry"] if e.get("resource", {}).get("resourceType") == "Observation"
    ]
    size = len(json.dumps(bundle))
    n = 0
    while size < megabytes * 1_000_000:
        for entry in observations:
            copied = copy.deepcopy(entry)
            copied["resource"]["id"] = f"{copied['resource'].get('id', 'obs')}-{n}"
            copied.pop("fullUrl", None)
            bundle["entry"].append(copied)
            size += len(json.dumps(copied))
            n += 1
    return json.dumps(bundle).encode()


async def one_round(base: str, logins: int, body: bytes, page_gets: int) -> list[float]:
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        token = CSRF.search((await client.get("/login")).text).group(1)  # type: ignore[union-attr]
        r = await client.post(
            "/login",
            data={"username": "therapist", "password": PASSWORDS["therapist"], "csrf_token": token},
            headers={"accept": "application/json"},
        )
        assert r.status_code == 200, r.text

        async def login(i: int) -> None:
            async with httpx.AsyncClient(base_url=base, timeout=120) as other:
                t = CSRF.search((await other.get("/login")).text).group(1)  # type: ignore[union-attr]
                name = list(PASSWORDS)[i % 4]
                await other.post(
                    "/login",
                    data={"username": name, "password": PASSWORDS[name], "csrf_token": t},
                    headers={"accept": "application/json"},
                )

        async def screen() -> None:
            async with httpx.AsyncClient(base_url=base, timeout=120) as other:
                r = await other.post("/api/screen", content=body)
                assert r.status_code == 200, r.text[:300]

        heavy = [asyncio.create_task(login(i)) for i in range(logins)]
        heavy.append(asyncio.create_task(screen()))
        latencies = []
        for _ in range(page_gets):
            started = time.perf_counter()
            r = await client.get("/patients", headers={"accept": "application/json"})
            latencies.append((time.perf_counter() - started) * 1000)
            assert r.status_code == 200
            if all(task.done() for task in heavy):
                break
        await asyncio.gather(*heavy)
        return latencies


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve_forever(int(sys.argv[2]), sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=16)
    parser.add_argument("--bundle-mb", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--gets", type=int, default=40, help="page requests per round (at most)")
    args = parser.parse_args()
    body = large_bundle(args.bundle_mb)
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        server = start_server(port, folder)
        try:
            latencies: list[float] = []
            for _ in range(args.rounds):
                latencies += asyncio.run(
                    one_round(f"http://127.0.0.1:{port}", args.logins, body, args.gets)
                )
        finally:
            server.terminate()
            server.wait()
    latencies.sort()
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    print(
        f"{len(latencies)} patient-list requests while {args.logins} sign-ins and a "
        f"{len(body) / 1e6:.1f} MB Bundle were in flight: p50 "
        f"{statistics.median(latencies):.0f} ms, p95 {p95:.0f} ms (target < 250 ms)"
    )


if __name__ == "__main__":
    main()
