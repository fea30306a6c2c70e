"""CDS Hooks order-sign load test, held against the framework floor in the same run.

Each request carries full prefetch for a Synthea patient (patients recorded as deceased
are left out: the service refuses them) and a draft massage order. Two servers answer
the same requests on loopback, in turn, from the same load tool with the same
concurrency (20 connections by default) and one uvicorn worker each:

- ``floor``: a FastAPI endpoint that parses the same body and answers a fixed 2 KB card
  (``benchmarks/cds_floor.py``);
- ``spinecare``: the CDS Hooks service (``spinecare.api.cds_app``).

``--rounds`` rounds alternate floor and spinecare; the medians of requests per second
and p95 are printed with the ratio spinecare / floor (targets: at least 0.35x, p95 under
25 ms). With wrk, each server's CPU time per request (from ``/proc``, where there is one)
is printed too: on a busy machine it moves less than requests per second do.

The load comes from wrk (Debian package ``wrk``, a C load generator) when it is installed,
so that the client takes little of the machine's CPU; otherwise from an httpx client in
this process (``--client httpx``), which takes a large share of it on a 2-core machine.

    .venv/bin/python benchmarks/cds_hooks.py [--client wrk|httpx] [--duration 10]
        [--rounds 3] [--requests 2000] [--clients 20] [--patients 40] [--workers N]
        [--baseline ../main]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "api"))

from fhir_search import load_patient, prefetch_for  # noqa: E402

SHARED = Path(os.environ.get("SPINECARE_SHARED", ROOT.parent / "shared"))
SYNTHEA = SHARED / "data" / "synthea" / "r4-bundles-2019"
MASSAGE = {"system": "http://snomed.info/sct", "code": "387854002", "display": "Massage"}


def build_requests(count: int) -> list[bytes]:
    import orjson

    from spinecare.api.cds_hooks import prefetch_templates
    from spinecare.kb import load_kb

    templates = prefetch_templates(load_kb())
    bodies = []
    files = sorted(
        p
        for p in SYNTHEA.glob("*.json.gz")
        if "hospital" not in p.name.lower() and "practitioner" not in p.name.lower()
    )[:count]
    for path in files:
        pid, resources = load_patient(path)
        if any(
            r["resourceType"] == "Patient"
            and (r.get("deceasedDateTime") or r.get("deceasedBoolean"))
            for r in resources
        ):
            continue  # refused by the service (recorded as deceased), not screened
        order = {
            "resourceType": "ServiceRequest",
            "id": "massage-1",
            "status": "draft",
            "intent": "order",
            "code": {"coding": [MASSAGE]},
            "subject": {"reference": f"Patient/{pid}"},
        }
        body = {
            "hook": "order-sign",
            "hookInstance": f"bench-{pid}",
            "context": {
                "userId": "PractitionerRole/123",
                "patientId": pid,
                "draftOrders": {
                    "resourceType": "Bundle",
                    "type": "collection",
                    "entry": [{"resource": order}],
                },
            },
            "prefetch": prefetch_for(resources, templates, pid, "2019-06-01"),
            "extension": {"org.spinecare.as-of": "2019-06-01"},
        }
        bodies.append(orjson.dumps(body))
    return bodies


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(
    port: int, workers: int, app: str = "spinecare", checkout: str | None = None
) -> subprocess.Popen[bytes]:
    """uvicorn in its own process(es), so the load generator does not share the GIL."""
    import tempfile

    from spinecare.store.db import open_database

    # one database for every worker (the JWT ids seen, the EHR patient ids), migrated here
    # once so that the workers do not all migrate it at the same time
    db_url = f"sqlite:///{tempfile.mkdtemp(prefix='spinecare-bench-')}/cds.sqlite"
    if checkout is None:  # another checkout migrates with its own code (its schema)
        open_database(db_url).dispose()
    env = dict(
        os.environ,
        SPINECARE_ENVIRONMENT="development",
        SPINECARE_DB_URL=db_url,
        # JWT verification is covered by the tests; it is off for this local run
        SPINECARE_CDS_JWT_REQUIRED="false",
        SPINECARE_MAX_BODY_BYTES="20000000",
    )
    # the server imports spinecare from its working directory (``python -m`` puts it first
    # on sys.path, before PYTHONPATH): this checkout's, or another's (--baseline)
    if checkout is not None:
        env["PYTHONPATH"] = checkout
    factory = "cds_floor:create_app" if app == "floor" else "spinecare.api.cds_app:create_cds_app"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--app-dir",
            str(Path(__file__).parent),
            "--factory",
            factory,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=checkout or ROOT,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


async def run(port: int, bodies: list[bytes], total: int, clients: int) -> list[float]:
    import httpx

    url = f"http://127.0.0.1:{port}/cds-services/spinecare-order-sign"
    latencies: list[float] = []
    counter = iter(range(total))
    errors = 0

    async def worker() -> None:
        nonlocal errors
        async with httpx.AsyncClient(timeout=30) as client:
            for i in counter:
                body = bodies[i % len(bodies)]
                start = time.perf_counter()
                response = await client.post(
                    url, content=body, headers={"Content-Type": "application/json"}
                )
                latencies.append(time.perf_counter() - start)
                if response.status_code != 200 or "cards" not in response.json():
                    errors += 1

    await asyncio.gather(*(worker() for _ in range(clients)))
    if errors:
        print(f"ERRORS: {errors} responses were not 200 with cards")
    return latencies


def cpu_seconds(pid: int) -> float | None:
    """The CPU time (user and system) process ``pid`` has used so far, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_wrk(
    port: int, bodies: list[bytes], clients: int, duration: int
) -> tuple[float, list[float], int, int]:
    """(requests/s, [p50, p95, p99, max] in ms, errors, requests) measured by wrk."""
    import tempfile

    script = Path(__file__).with_name("cds_hooks_wrk.lua")
    url = f"http://127.0.0.1:{port}/cds-services/spinecare-order-sign"
    with tempfile.TemporaryDirectory() as folder:
        for i, body in enumerate(bodies, 1):
            Path(folder, f"{i}.json").write_bytes(body)
        out = subprocess.run(
            [
                "wrk",
                "-t",
                "2",
                "-c",
                str(clients),
                "-d",
                f"{duration}s",
                "-s",
                str(script),
                url,
                "--",
                folder,
                str(len(bodies)),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    requests, micros, p50, p95, p99, top, errors = line.split()[1:]
    return (
        int(requests) / (int(micros) / 1e6),
        [float(p50), float(p95), float(p99), float(top)],
        int(errors),
        int(requests),
    )


def measure(
    args: argparse.Namespace, app: str, bodies: list[bytes]
) -> tuple[float, list[float], int, float | None]:
    """(requests/s, [p50, p95, p99, max] in ms, errors, server CPU ms per request or None)
    of one server under the load."""
    port = free_port()
    server = serve(port, args.workers, app, args.baseline if app == "baseline" else None)
    try:
        asyncio.run(run(port, bodies, 200, args.clients))  # warm-up (every worker)
        if args.client == "wrk":
            # one worker is the server process itself; more are its children (not counted)
            before = cpu_seconds(server.pid) if args.workers == 1 else None
            rate, quantiles, errors, requests = run_wrk(port, bodies, args.clients, args.duration)
            after = cpu_seconds(server.pid) if before is not None else None
            cpu = (after - before) * 1000 / requests if after is not None and requests else None
            return rate, quantiles, errors, cpu
        started = time.perf_counter()
        latencies = asyncio.run(run(port, bodies, args.requests, args.clients))
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
    ms = sorted(x * 1000 for x in latencies)
    q = statistics.quantiles(ms, n=100)
    return len(ms) / elapsed, [q[49], q[94], q[98], ms[-1]], 0, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="per round (httpx)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--patients", type=int, default=40)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--baseline",
        metavar="CHECKOUT",
        help="also serve the service of another checkout (its folder, e.g. the main "
        "branch's), in the same rounds: a change measured against it in the same run",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--client", choices=["wrk", "httpx"], default="wrk" if shutil.which("wrk") else "httpx"
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per round (wrk)")
    args = parser.parse_args()

    bodies = build_requests(args.patients)
    sizes = sorted(len(b) for b in bodies)
    load = (
        f"{args.clients} connections from wrk, {args.duration} s per round"
        if args.client == "wrk"
        else f"{args.clients} httpx clients, {args.requests} requests per round"
    )
    print(
        f"order-sign, {len(bodies)} Synthea patients with full prefetch (median body "
        f"{sizes[len(sizes) // 2] / 1024:.0f} KiB), {load}, {args.workers} uvicorn "
        f"worker(s), {os.cpu_count()} CPUs, {args.rounds} rounds alternating"
    )
    results: dict[str, list[tuple[float, list[float], int, float | None]]] = {
        "floor": [],
        **({"baseline": []} if args.baseline else {}),
        "spinecare": [],
    }
    for round_ in range(1, args.rounds + 1):
        for app in results:
            rate, (p50, p95, p99, top), errors, cpu = measure(args, app, bodies)
            results[app].append((rate, [p50, p95, p99, top], errors, cpu))
            cpu_text = f"  server CPU {cpu:.3f} ms/request" if cpu is not None else ""
            print(
                f"  round {round_} {app:<9} {rate:8.1f} requests/s  p50 {p50:5.1f}  "
                f"p95 {p95:5.1f}  p99 {p99:5.1f}  max {top:6.1f} ms  ({errors} errors){cpu_text}"
            )
    medians = {
        app: (
            statistics.median(r[0] for r in runs),
            statistics.median(r[1][1] for r in runs),
            sum(r[2] for r in runs),
        )
        for app, runs in results.items()
    }
    for app, (rate, p95, errors) in medians.items():
        print(f"median {app:<9} {rate:8.1f} requests/s  p95 {p95:5.1f} ms  ({errors} errors)")
    cpus = {app: [r[3] for r in runs if r[3] is not None] for app, runs in results.items()}
    if all(cpus.values()):
        floor_cpu = statistics.median(cpus["floor"])
        spinecare_cpu = statistics.median(cpus["spinecare"])
        print(
            f"median server CPU per request: floor {floor_cpu:.3f} ms, spinecare "
            f"{spinecare_cpu:.3f} ms (floor / spinecare {floor_cpu / spinecare_cpu:.2f}x)"
        )
        if "baseline" in cpus:
            baseline_cpu = statistics.median(cpus["baseline"])
            print(
                f"median server CPU per request: baseline {baseline_cpu:.3f} ms "
                f"(floor / baseline {floor_cpu / baseline_cpu:.2f}x; spinecare / baseline "
                f"{spinecare_cpu / baseline_cpu:.2f}x)"
            )
    if "baseline" in medians:
        print(f"baseline / floor: {medians['baseline'][0] / medians['floor'][0]:.2f}x")
    ratio = medians["spinecare"][0] / medians["floor"][0]
    p95 = medians["spinecare"][1]
    print(
        f"spinecare / floor: {ratio:.2f}x "
        f"(target at least 0.35x: {'met' if ratio >= 0.35 else 'NOT met'})"
    )
    print(f"spinecare p95 {p95:.1f} ms (target under 25 ms: {'met' if p95 < 25 else 'NOT met'})")


if __name__ == "__main__":
    main()
