"""Write N synthetic patients as a FHIR Bulk export by resampling the Synthea patients.

    python benchmarks/make_population.py N OUTDIR [--source DIR] [--seed 20261122]

Each new patient copies one Synthea patient (drawn with a fixed seed) under a new id,
with every date shifted by the same random number of days (-365..+365). It keeps the
Patient, its Conditions, MedicationRequests / MedicationStatements and the vital-sign
and pain Observations of its last two years (about 20 to 40 resources per patient).
Output: ``Type.NNN.ndjson`` files of at most 250,000 patients each.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "synthea" / "r4-bundles-2019"
KEEP = ("Patient", "Condition", "MedicationRequest", "MedicationStatement", "Observation")
PAIN = "72514-3"
PER_FILE = 250_000
MARK = "@@PID@@"
DATE = re.compile(rb"\b(\d{4})-(\d{2})-(\d{2})\b")


def _is_kept_observation(res: dict) -> bool:
    for category in res.get("category") or []:
        for coding in category.get("coding") or []:
            if coding.get("code") == "vital-signs":
                return True
    return any(c.get("code") == PAIN for c in (res.get("code") or {}).get("coding") or [])


def _obs_date(res: dict) -> date | None:
    text = res.get("effectiveDateTime") or (res.get("effectivePeriod") or {}).get("start")
    return date.fromisoformat(text[:10]) if isinstance(text, str) else None


def load_templates(source: Path) -> list[list[tuple[str, bytes]]]:
    """Per Synthea patient: (type, resource JSON with the patient id replaced by MARK)."""
    sys.path.insert(0, str(ROOT))
    import tempfile

    from spinecare.fhir.ndjson import bundles_to_ndjson, iter_resources, patient_id_of

    with tempfile.TemporaryDirectory() as tmp:
        bundles_to_ndjson([source], Path(tmp))
        by_patient: dict[str, list[dict]] = {}
        for res, _ in iter_resources(Path(tmp), types=KEEP):
            pid = patient_id_of(res)
            if pid is not None:
                by_patient.setdefault(pid, []).append(res)
    templates = []
    for pid, resources in sorted(by_patient.items()):
        if not any(r["resourceType"] == "Patient" for r in resources):
            continue
        obs_dates = [
            d
            for r in resources
            if r["resourceType"] == "Observation"
            and _is_kept_observation(r)
            and (d := _obs_date(r)) is not None
        ]
        since = max(obs_dates) - timedelta(days=730) if obs_dates else date.max
        kept = []
        for k, res in enumerate(resources):
            kind = res["resourceType"]
            if kind == "Observation":
                when = _obs_date(res)
                if not _is_kept_observation(res) or when is None or when < since:
                    continue
            res = dict(res)
            res.pop("text", None)  # the generated narrative: bulk, not facts
            res["id"] = MARK if kind == "Patient" else f"{MARK}-{k}"
            text = orjson.dumps(res).replace(pid.encode(), MARK.encode())
            kept.append((kind, text))
        templates.append(kept)
    return templates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int)
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args(argv)
    templates = load_templates(args.source)
    rng = random.Random(args.seed)
    args.outdir.mkdir(parents=True, exist_ok=True)
    handles: dict[tuple[str, int], object] = {}
    mark = MARK.encode()
    shift_cache: dict[tuple[bytes, int], bytes] = {}

    def shifted(match: re.Match[bytes], days: int) -> bytes:
        key = (match.group(0), days)
        out = shift_cache.get(key)
        if out is None:
            try:
                moved = date(*map(int, match.groups())) + timedelta(days=days)
                out = moved.isoformat().encode()
            except ValueError:
                out = match.group(0)
            if len(shift_cache) < 2_000_000:
                shift_cache[key] = out
        return out

    resources = 0
    try:
        for i in range(args.n):
            template = templates[rng.randrange(len(templates))]
            days = rng.randint(-365, 365)
            pid = str(uuid.UUID(int=rng.getrandbits(128), version=4)).encode()
            part = i // PER_FILE
            for kind, text in template:
                handle = handles.get((kind, part))
                if handle is None:
                    handle = handles[(kind, part)] = open(  # noqa: SIM115
                        args.outdir / f"{kind}.{part:03d}.ndjson", "wb"
                    )
                line = DATE.sub(lambda m, d=days: shifted(m, d), text.replace(mark, pid))
                handle.write(line + b"\n")  # type: ignore[attr-defined]
                resources += 1
    finally:
        for handle in handles.values():
            handle.close()  # type: ignore[attr-defined]
    print(f"{args.n:,} patients, {resources:,} resources in {args.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
