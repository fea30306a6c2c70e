"""Benchmark of the clinic web app: p50/p95 latency of the patient list, a patient page
and a screening page, over a database of many patients and logged intakes.

The patient list keeps each patient's verdict once screened (until a write to the record
or the day it may change): "patient list" lists pages most of whose verdicts are screened
for the first time (the seed writes its rows directly: no verdict is stored yet, as in a
database just upgraded);
"patient list, stored" lists the same pages after every page was listed once.

    .venv/bin/python benchmarks/web.py                       # SQLite, 10,000 / 100,000
    .venv/bin/python benchmarks/web.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test

Requests go through the whole ASGI app (routing, sign-in cookie, CSRF-free GETs, the
store, the screening engine, templates) with the test client, signed in as a therapist.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

QUESTIONS = ("fever_today", "pregnant", "takes_anticoagulant", "saddle_anaesthesia")
FIRST = ("Наталья", "Дмитрий", "Елена", "Ирина", "Margaret", "James", "Robert", "Olga")
LAST = ("Кузнецова", "Волков", "Соколова", "Фёдорова", "Hughes", "Carter", "Mills", "Orlova")
CONCEPTS = (
    ("degenerative_disc_disease", "lumbosacral"),
    ("disc_herniation", "collar_zone"),
    ("muscle_tension", "collar_zone"),
    ("osteoporosis", None),
    ("spinal_pain", "thoracic"),
)


def seed(db: Any, patients: int, intakes: int, rng: random.Random) -> int:
    """Fill one clinic; returns the clinic id."""
    from sqlalchemy import insert

    from spinecare.clinic.accounts import create_user, get_or_create_clinic
    from spinecare.store.models import (
        AnswerRow,
        ConditionRow,
        Intake,
        ObservationRow,
        PatientRow,
    )
    from spinecare.store.search import search_key

    now = datetime.now(UTC)
    today = date.today()
    with db.session() as session:
        clinic = get_or_create_clinic(session, "Benchmark clinic")
        create_user(
            session, clinic=clinic, username="bench", password="bench-password", role="therapist"
        )
        clinic_id = clinic.id
    rows = []
    for i in range(1, patients + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"{first} {last} {i}"
        phone = f"+7 9{i % 100:02d} {i // 100 % 1000:03d}-{rng.randrange(100):02d}-{i % 97:02d}"
        rows.append(
            {
                "id": i,
                "clinic_id": clinic_id,
                "external_id": f"B{i:06d}",
                "name": name,
                "phone": phone,
                "search": search_key(name, f"B{i:06d}", (phone,)),
                "version": 1,
                "birth_date": date(1940 + i % 60, 1 + i % 12, 1 + i % 28),
                "created_at": now,
                "updated_at": now,
            }
        )
    with db.engine.begin() as conn:
        conn.execute(insert(PatientRow), rows)
    intake_rows: list[dict[str, Any]] = []
    obs: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    conditions: list[dict[str, Any]] = []

    def flush() -> None:
        with db.engine.begin() as conn:
            for model, rows in (
                (Intake, intake_rows),
                (ObservationRow, obs),
                (AnswerRow, answers),
                (ConditionRow, conditions),
            ):
                if rows:
                    conn.execute(insert(model), rows)
                    rows.clear()

    for n in range(1, intakes + 1):
        pid = 1 + (n - 1) % patients
        day = today - timedelta(days=rng.randrange(0, 400))
        intake_rows.append(
            {
                "id": n,
                "patient_id": pid,
                "day": day,
                "source": "form",
                "label": "bench",
                "created_at": now,
            }
        )
        ref = f"intake/{n}#"
        common = {"patient_id": pid, "intake_id": n, "day": day}
        obs += [
            {
                "ref": ref + "bp",
                "measure": "systolic_bp",
                "value": rng.randrange(100, 185),
                "unit": "mm[Hg]",
                **common,
            },
            {
                "ref": ref + "bp",
                "measure": "diastolic_bp",
                "value": rng.randrange(60, 100),
                "unit": "mm[Hg]",
                **common,
            },
            {
                "ref": ref + "t",
                "measure": "body_temperature",
                "value": round(rng.uniform(36.0, 38.2), 1),
                "unit": "Cel",
                **common,
            },
            {
                "ref": ref + "p",
                "measure": "pain_score",
                "value": rng.randrange(0, 9),
                "unit": "{score}",
                **common,
            },
        ]
        for q in rng.sample(QUESTIONS, 2):
            answers.append({"ref": ref + q, "question": q, "value": rng.random() < 0.1, **common})
        if n <= patients:  # each patient's first intake carries a diagnosis
            concept, zone = CONCEPTS[n % len(CONCEPTS)]
            conditions.append(
                {
                    "ref": ref + "c",
                    "patient_id": pid,
                    "intake_id": n,
                    "concept": concept,
                    "codings": [],
                    "recorded": day,
                    "onset": day,
                    "body_sites": [["spinecare-zone", zone, None]] if zone else [],
                }
            )
        if len(intake_rows) >= 5000:
            flush()
    flush()
    return clinic_id


def measure(client: Any, paths: list[str]) -> tuple[float, float, float, float]:
    """p50 and p95 of the wall time, then of the process's CPU time, of each request (ms);
    the CPU time counts every thread of this process (the app runs in one of them), and
    varies less than the wall time on a shared machine."""
    times, cpu = [], []
    for path in paths:
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(path, headers={"accept": "text/html"})
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}: {response.text[:300]}")

    def p95(values: list[float]) -> float:
        return sorted(values)[int(len(values) * 0.95) - 1]

    return statistics.median(times), p95(times), statistics.median(cpu), p95(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--intakes", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--only", action="append", metavar="PAGE", help="measure only this page (repeatable)"
    )
    args = parser.parse_args()

    import psycopg  # noqa: F401  (fail early for a PostgreSQL URL without the driver)
    from argon2 import PasswordHasher
    from fastapi.testclient import TestClient

    from spinecare.app import create_app
    from spinecare.clinic.accounts import use_password_hasher
    from spinecare.settings import Settings
    from spinecare.store.db import open_database

    use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    rng = random.Random(20261122)
    tmp = tempfile.TemporaryDirectory()
    schema = None
    url = args.db or f"sqlite:///{Path(tmp.name) / 'bench.sqlite'}"
    if url.startswith("postgresql"):
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        from sqlalchemy import create_engine, text

        admin = create_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url_for_app = url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
    else:
        url_for_app = url
    try:
        db = open_database(url, schema=schema)
        start = time.perf_counter()
        seed(db, args.patients, args.intakes, rng)
        with db.engine.begin() as conn:  # fresh statistics, as autovacuum would gather
            conn.exec_driver_sql("ANALYZE")
        db.dispose()
        print(
            f"database: {url.split('?')[0]}  {args.patients:,} patients, "
            f"{args.intakes:,} intakes (seeded in {time.perf_counter() - start:.1f} s)"
        )
        settings = Settings.from_env(
            environment="test", db_url=url_for_app, secret_key="bench-secret"
        )
        app = create_app(settings)
        client = TestClient(app)
        page = client.get("/login").text
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        response = client.post(
            "/login",
            data={"username": "bench", "password": "bench-password", "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        pages = max(1, args.patients // 25)
        n = args.requests
        ids = [rng.randrange(1, args.patients + 1) for _ in range(n)]
        client.get("/patients")  # warm up (templates, KB)
        listed = [f"/patients?page={rng.randrange(1, pages + 1)}" for _ in range(n)]
        cases = {
            "patient list": listed,
            "patient page": [f"/patients/{i}" for i in ids],
            "screening page": [f"/patients/{i}/screening" for i in ids],
            "search name": [
                "/patients?q=" + rng.choice(("кузнец", "KUZN", "Волков", "hughes", "fedorova"))
                for _ in range(n)
            ],
            "search phone": [f"/patients?q=8 9{i % 100:02d} {i // 100 % 1000:03d}" for i in ids],
            "search birth": [
                f"/patients?q={date(1940 + i % 60, 1 + i % 12, 1 + i % 28):%d.%m.%Y}" for i in ids
            ],
            # the same pages once every page has been listed: each verdict stored
            "patient list, stored": listed,
        }
        if args.only:
            unknown = sorted(set(args.only) - set(cases))
            if unknown:
                parser.error(f"--only: no page {', '.join(unknown)}; one of {', '.join(cases)}")
            cases = {name: paths for name, paths in cases.items() if name in args.only}
        print(
            f"{'page':<22}{'p50 ms':>9}{'p95 ms':>9}{'CPU p50':>9}{'CPU p95':>9}"
            f"   ({n} requests each)"
        )
        for name, paths in cases.items():
            if name == "patient list, stored":
                for number in range(1, pages + 1):  # not timed
                    client.get(f"/patients?page={number}", headers={"accept": "text/html"})
            p50, p95, cpu50, cpu95 = measure(client, paths)
            print(f"{name:<22}{p50:>9.1f}{p95:>9.1f}{cpu50:>9.1f}{cpu95:>9.1f}")
        app.state.db.dispose()
    finally:
        if schema:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        tmp.cleanup()


if __name__ == "__main__":
    main()
