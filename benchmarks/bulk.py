"""Bulk screening benchmark: patients per second and peak memory.

    python benchmarks/bulk.py [--workdir /tmp/spinecare-bench] [--sizes 100000 1000000]
                              [--python-n 100000] [--spark-n 10000] [--as-of 2020-01-01]
                              [--read-floor]

Prints the lines of reading code first (every module from FHIR bytes to facts). For each
size: makes the population (benchmarks/make_population.py, cached in workdir), screens it
with DuckDB (the one reader in worker processes, then the compiled rules); screens the
``--python-n`` population with the in-process engine streaming the same NDJSON; checks
that Spark agrees with DuckDB on the ``--spark-n`` population. ``--read-floor`` also
times DuckDB reading only ``resourceType`` and ``subject.reference`` of the largest
population: the least any DuckDB reader of these files costs. Each run is a
subprocess; peak memory is the largest sum of resident memory over the run's process
tree, sampled every 0.1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            pid, ppid = int(entry), int(fields[1])
            rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            children.setdefault(ppid, []).append(pid)
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def measured(cmd: list[str]) -> tuple[float, int, str]:
    """(seconds, peak bytes, stdout) of a command."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, _ = proc.communicate()
    done.set()
    thread.join()
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}")
    return time.perf_counter() - start, peak, out


def population(workdir: Path, n: int) -> Path:
    folder = workdir / f"pop-{n}"
    if not (folder / ".done").exists():
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "make_population.py"), str(n), str(folder)],
            check=True,
        )
        (folder / ".done").write_text("ok")
    return folder


def run_one(engine: str, folder: str, out: str, as_of: str) -> None:
    """Child process: screen ``folder`` with ``engine`` and print a JSON line."""
    from datetime import date

    from spinecare.kb import load_kb

    kb = load_kb()
    day = date.fromisoformat(as_of)
    if engine == "duckdb":
        from spinecare.bulk.duckdb import screen_export

        result = screen_export(Path(folder), Path(out), kb, day)
        print(
            json.dumps(
                {
                    "patients": result.patients,
                    "verdicts": result.verdicts,
                    "seconds": result.seconds,
                }
            )
        )
    elif engine == "spark":
        from spinecare.bulk.spark import screen_export_spark

        result = screen_export_spark(Path(folder), Path(out), kb, day, master="local[2]")
        print(
            json.dumps(
                {
                    "patients": result.patients,
                    "verdicts": result.verdicts,
                    "seconds": result.seconds,
                }
            )
        )
    else:
        from collections import Counter

        from spinecare.core import reader_measures
        from spinecare.engine.screening import screen_record
        from spinecare.fhir.ndjson import iter_records

        verdicts: Counter[str] = Counter()
        for record in iter_records(Path(folder), reader_measures(kb)):
            if record.patient.deceased_by(day):
                continue  # refused, as bulk screening leaves them out
            verdicts[screen_record(record, kb, day).verdict] += 1
        print(json.dumps({"patients": sum(verdicts.values()), "verdicts": dict(verdicts)}))


READING_MODULES = (
    "spinecare/documents.py",
    "spinecare/fhir/reader.py",
    "spinecare/fhir/ndjson.py",
    "spinecare/bulk/facts.py",
    "spinecare/bulk/flatten.py",
)
"""Every module that turns FHIR bytes into facts (the reader and its bulk drivers)."""


def reading_lines() -> None:
    """Lines of reading code: every path from FHIR bytes to facts."""
    counts = {name: len((ROOT / name).read_text().splitlines()) for name in READING_MODULES}
    print(json.dumps({"reading_code_lines": sum(counts.values()), "modules": counts}), flush=True)


def read_floor(folder: Path) -> None:
    """Seconds DuckDB takes to read two fields of every resource of the export."""
    import duckdb

    files = sorted(str(p) for p in folder.glob("*.ndjson"))
    start = time.perf_counter()
    resources = (
        duckdb.connect()
        .execute(
            f"SELECT count(*), count(subject.reference) FROM read_ndjson({files}, columns="
            "{'resourceType': 'VARCHAR', 'subject': 'STRUCT(reference VARCHAR)'})"
        )
        .fetchone()[0]
    )
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {"read_floor": str(folder), "resources": resources, "seconds": round(seconds, 1)}
        ),
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/spinecare-bench"))
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--python-n", type=int, default=100_000)
    parser.add_argument("--spark-n", type=int, default=10_000)
    parser.add_argument("--as-of", default="2020-01-01")
    parser.add_argument(
        "--read-floor", action="store_true", help="time DuckDB reading two fields only"
    )
    parser.add_argument("--run", nargs=3, metavar=("ENGINE", "DIR", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        run_one(*args.run, args.as_of)
        return 0
    reading_lines()
    args.workdir.mkdir(parents=True, exist_ok=True)
    me = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--as-of",
        args.as_of,
        "--run",
    ]
    rows = []

    def bench(engine: str, n: int) -> dict:
        folder = population(args.workdir, n)
        out = args.workdir / f"{engine}-{n}.parquet"
        seconds, peak, stdout = measured([*me, engine, str(folder), str(out)])
        info = json.loads(stdout.strip().splitlines()[-1])
        row = {
            "engine": engine,
            "patients": info["patients"],
            "seconds": round(seconds, 1),
            "patients_per_s": round(info["patients"] / seconds),
            "patients_per_min": round(60 * info["patients"] / seconds),
            "peak_mb": round(peak / 2**20),
            "verdicts": info["verdicts"],
            "phases": info.get("seconds"),
        }
        print(json.dumps(row), flush=True)
        rows.append(row)
        return row

    for n in args.sizes:
        bench("duckdb", n)
    if args.read_floor and args.sizes:
        read_floor(population(args.workdir, max(args.sizes)))
    if args.python_n:
        py = bench("python", args.python_n)
        duck = next(
            (r for r in rows if r["engine"] == "duckdb" and r["patients"] == py["patients"]), None
        )
        if duck:
            print(
                f"DuckDB / in-process speed-up at {py['patients']:,}: "
                f"{duck['patients_per_s'] / py['patients_per_s']:.1f}x"
                f"; verdict counts equal: {duck['verdicts'] == py['verdicts']}"
            )
    if args.spark_n:
        duck = bench("duckdb", args.spark_n)
        spark = bench("spark", args.spark_n)
        import duckdb

        a = args.workdir / f"duckdb-{args.spark_n}.parquet"
        b = args.workdir / f"spark-{args.spark_n}.parquet"
        differing = (
            duckdb.connect()
            .execute(
                f"SELECT count(*) FROM '{a}' d FULL JOIN '{b}' s USING (patient_id)"
                " WHERE d.verdict IS DISTINCT FROM s.verdict"
                " OR d.present IS DISTINCT FROM s.present"
                " OR d.unknown IS DISTINCT FROM s.unknown OR d.missing IS DISTINCT FROM s.missing"
                " OR d.indicated IS DISTINCT FROM s.indicated"
            )
            .fetchone()[0]
        )
        print(
            f"Spark local vs DuckDB on {spark['patients']:,} patients: "
            f"{differing} rows differ; verdict counts equal: "
            f"{duck['verdicts'] == spark['verdicts']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
