"""Engine benchmark: screenings per second of an already read record, and bundles read and
screened per second, on one core.

    python benchmarks/engine.py [--data ../shared/data/synthea/r4-bundles-2019] [--rounds 5]
                                [--as-of 2026-11-22] [--limit 585] [--only screen]

Reads every Synthea Bundle once (gzip), leaving out the patients recorded as deceased
(they are refused, not screened), then:

- ``screen``: ``screen_record`` over all the records, ``--rounds`` times (after one round
  that indexes each record, as its first screening does); prints the median round's
  screenings per second (a screening is one record on one date, findings, evidence and
  missing items built), by the clock and by the process's CPU time (the figure to quote
  on a shared machine), and the best round;
- ``first screening``: the same records as new record objects with the same facts,
  screened once each: the record's index is built as well (a record just read);
- ``read+screen``: reading each gzip Bundle from its bytes in memory and screening it,
  best of ``--rounds``; prints bundles per second;
- ``parse floor``: gzip + orjson of the same bytes alone, the least any reader costs.

``--only screen`` runs the first two. Runs in one process on one core; prints the load
average before and after. To compare two versions side by side, run this file against
each checkout in turn (``PYTHONPATH=<checkout>``), interleaved.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import os
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "synthea" / "r4-bundles-2019"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--as-of", default="2026-11-22")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--only", choices=["screen"], default=None)
    args = parser.parse_args()

    import orjson

    import spinecare
    from spinecare.core import load_record
    from spinecare.engine.screening import screen_record
    from spinecare.kb import load_kb

    kb = load_kb()
    day = date.fromisoformat(args.as_of)
    files = sorted(
        p
        for p in args.data.glob("*.json.gz")
        if not p.name.startswith(("hospital", "practitioner"))
    )
    if args.limit:
        files = files[: args.limit]
    blobs, kept = [], []
    for path in files:
        blob = path.read_bytes()
        # patients recorded as deceased are refused, not screened: left out of both runs
        if b'"deceased' not in gzip.decompress(blob):
            blobs.append(blob)
            kept.append(path)
    files = kept
    records = [load_record(blob, kb, name=p.name) for blob, p in zip(blobs, files, strict=True)]

    load_before = os.getloadavg()[0]

    def rounds(run: Callable[[], object]) -> tuple[list[float], list[float]]:
        """Seconds by the clock and of CPU time, one per round."""
        wall, cpu = [], []
        for _ in range(args.rounds):
            start, start_cpu = time.perf_counter(), time.process_time()
            run()
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        return wall, cpu

    def best(run: Callable[[], object]) -> float:
        return min(rounds(run)[0])

    for r in records:  # each record's first screening builds its index
        screen_record(r, kb, day)
    wall, cpu = rounds(lambda: [screen_record(r, kb, day) for r in records])
    n = len(records)
    fresh_wall: list[float] = []
    for _ in range(args.rounds):
        fresh = [dataclasses.replace(r) for r in records]  # the same facts, not indexed
        start = time.perf_counter()
        for r in fresh:
            screen_record(r, kb, day)
        fresh_wall.append(time.perf_counter() - start)
    out: dict[str, object] = {
        "code": str(Path(spinecare.__file__).resolve().parents[1]),
        "records": n,
        "as_of": day.isoformat(),
        "screenings_per_s": round(n / statistics.median(wall)),
        "screenings_per_s_cpu": round(n / statistics.median(cpu)),
        "screenings_per_s_best": round(n / min(wall)),
        "first_screenings_per_s": round(n / statistics.median(fresh_wall)),
    }
    if args.only is None:
        read_s = best(
            lambda: [
                screen_record(load_record(b, kb, name=p.name), kb, day)
                for b, p in zip(blobs, files, strict=True)
            ]
        )

        def parse_only() -> None:
            for blob in blobs:
                orjson.loads(gzip.decompress(blob))

        floor_s = best(parse_only)
        out["bundles_read_and_screened_per_s"] = round(len(blobs) / read_s, 1)
        out["parse_floor_bundles_per_s"] = round(len(blobs) / floor_s, 1)
        out["read_and_screen_over_floor"] = round(floor_s / read_s, 2)
    out["rounds"] = args.rounds
    out["load_average_before_after"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
