"""Engine benchmark: screenings per second of an already read record, and bundles read and
screened per second, on one core.

    python benchmarks/engine.py [--data ../shared/data/synthea/r4-bundles-2019] [--rounds 3]
                                [--as-of 2026-11-22] [--limit 585]

Reads every Synthea Bundle once (gzip), leaving out the patients recorded as deceased
(they are refused, not screened), then:

- ``screen``: ``screen_record`` over all the records, ``--rounds`` times; prints the best
  round's screenings per second (a screening is one record on one date, findings,
  evidence and missing items built);
- ``read+screen``: reading each gzip Bundle from its bytes in memory and screening it,
  best of ``--rounds``; prints bundles per second;
- ``parse floor``: gzip + orjson of the same bytes alone, the least any reader costs.

Runs in one process on one core. To compare two versions side by side, run this file
against each checkout in turn (``PYTHONPATH=<checkout>``), interleaved.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "synthea" / "r4-bundles-2019"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--as-of", default="2026-11-22")
    parser.add_argument("--limit", type=int, default=0)
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

    def best(run: object) -> float:
        times = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            run()  # type: ignore[operator]
            times.append(time.perf_counter() - start)
        return min(times)

    screen_s = best(lambda: [screen_record(r, kb, day) for r in records])
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
    print(
        json.dumps(
            {
                "code": str(Path(spinecare.__file__).resolve().parents[1]),
                "records": len(records),
                "screenings_per_s": round(len(records) / screen_s),
                "bundles_read_and_screened_per_s": round(len(blobs) / read_s, 1),
                "parse_floor_bundles_per_s": round(len(blobs) / floor_s, 1),
                "read_and_screen_over_floor": round(floor_s / read_s, 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
