"""CDS Hooks order-sign in one process: CPU time per request of the service and of the
framework floor, the same requests, called as ASGI apps with no server and no network.

What the HTTP load test (``benchmarks/cds_hooks.py``) cannot show on a busy machine: the
application's own cost, apart from the server's and the load tool's. The requests are
those of the load test (Synthea patients with full prefetch, a draft massage order);
rounds alternate the two apps; the median and the least CPU time per request of each
are printed, and the ratio floor / spinecare.

    .venv/bin/python benchmarks/cds_inprocess.py [--rounds 25] [--patients 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from typing import Any

from cds_hooks import build_requests  # benchmarks/ is the script's folder

PATH = "/cds-services/spinecare-order-sign"


async def call(app: Any, body: bytes) -> int:
    """One POST of ``body`` to ``app``; its status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": PATH,
        "raw_path": PATH.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)  # never: the app has its body
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def measure(apps: dict[str, Any], bodies: list[bytes], rounds: int) -> dict[str, list[float]]:
    """CPU microseconds per request of each app, one figure per round."""
    for name, app in apps.items():
        for body in bodies:  # warm-up, and every answer must be a 200
            if (status := await call(app, body)) != 200:
                raise SystemExit(f"{name} answered {status}")
    results: dict[str, list[float]] = {name: [] for name in apps}
    for _ in range(rounds):
        for name, app in apps.items():
            started = time.process_time()
            for body in bodies:
                await call(app, body)
            results[name].append((time.process_time() - started) / len(bodies) * 1e6)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--patients", type=int, default=40)
    args = parser.parse_args()

    # the same settings as the load test's server (benchmarks/cds_hooks.py: serve)
    db_url = f"sqlite:///{tempfile.mkdtemp(prefix='spinecare-bench-')}/cds.sqlite"
    os.environ.update(
        SPINECARE_ENVIRONMENT="development",
        SPINECARE_DB_URL=db_url,
        SPINECARE_CDS_JWT_REQUIRED="false",
        SPINECARE_MAX_BODY_BYTES="20000000",
    )
    from cds_floor import create_app

    from spinecare.api.cds_app import create_cds_app
    from spinecare.store.db import open_database

    open_database(db_url).dispose()
    bodies = build_requests(args.patients)
    apps = {"floor": create_app(), "spinecare": create_cds_app()}
    results = asyncio.run(measure(apps, bodies, args.rounds))
    print(
        f"order-sign in process, {len(bodies)} Synthea patients, {args.rounds} rounds "
        "alternating; CPU time per request:"
    )
    for name, figures in results.items():
        print(
            f"  {name:<9} median {statistics.median(figures):7.0f} us  least {min(figures):7.0f} us"
        )
    median = statistics.median(results["floor"]) / statistics.median(results["spinecare"])
    least = min(results["floor"]) / min(results["spinecare"])
    print(f"floor / spinecare: {median:.2f}x (medians), {least:.2f}x (least)")


if __name__ == "__main__":
    main()
