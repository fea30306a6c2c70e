"""Write the engine's golden screenings: tests/fixtures/engine-golden.json.gz.

    .venv/bin/python tools/make_engine_golden.py [--shared ../shared] [--check]

For every Synthea patient in ``../shared/data`` (on the date of their last reading and on
2026-11-22) and every record among the fixtures (tests/fixtures/ehr, rules and intake, and
the demo patients in spinecare/demo, on 2026-11-20 and 2027-03-01), in English and
Russian: the screening as canonical JSON (the verdict, findings with their evidence,
sources, gaps and clearances, missing items, indications and the gaps of the
indications) and the course plan. A record that cannot be read or screened gives its
error message instead.

The file holds one SHA-256 per screening and one per plan, and the canonical JSON of the
English screenings (the plans and the Russian texts would make it tens of megabytes);
the test (tests/engine/test_engine_golden.py) compares today's engine with it and shows
a diff of what changed where it can. Regenerate only for a change of what screenings
say, never to make a speed change pass.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "fixtures" / "engine-golden.json.gz"
SYNTHEA_TODAY = date(2026, 11, 22)
FIXTURE_DATES = (date(2026, 11, 20), date(2027, 3, 1))
LANGS = ("en", "ru")


def _gap(gap: Any) -> dict[str, Any]:
    return {
        "item": gap.item,
        "window_days": gap.window_days,
        "latest": gap.latest.isoformat() if gap.latest else None,
        "alternatives": list(gap.alternatives),
        "note": "; ".join(gap.notes) or None,
    }


def canonical(
    record: Any, kb: Any, as_of: date, lang: str
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Everything a screening says, and the plan made from it (None: no screening)."""
    from spinecare.engine.planning import plan_course
    from spinecare.engine.screening import screen_record
    from spinecare.errors import SpinecareError

    try:
        screening = screen_record(record, kb, as_of, lang)
    except SpinecareError as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}, None
    return _screening(screening), plan_course(screening, record, kb, lang).to_json()


def _screening(screening: Any) -> dict[str, Any]:
    out = screening.to_json()
    out["lang"] = screening.lang
    out["indicated_truth"] = screening.indicated.name
    out["indication_gaps"] = [_gap(g) for g in screening.indication_gaps]
    for finding, shown in zip(screening.findings, out["findings"], strict=True):
        shown["gaps"] = [_gap(g) for g in finding.gaps]
        shown["source_ids"] = list(finding.sources)
        shown["counts"] = finding.counts
    out["missing_full"] = [
        {"item": m.item, "label": m.label, "why": m.why, "rules": m.rules, "alt": m.alternatives}
        for m in screening.missing
    ]
    return out


def digest(doc: dict[str, Any]) -> str:
    return hashlib.sha256(dump(doc).encode()).hexdigest()


def dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, indent=1)


def inputs(shared: Path) -> Iterator[tuple[str, Path, tuple[date, ...] | None]]:
    """(name, path, dates); dates None: the Synthea pair (last reading, 2026-11-22)."""
    synthea = shared / "data" / "synthea" / "r4-bundles-2019"
    files = sorted(synthea.glob("*.json.gz"))
    if not files:
        raise SystemExit(f"no Synthea bundles in {synthea}")
    for path in files:
        if not path.name.startswith(("hospital", "practitioner")):
            yield f"synthea/{path.name}", path, None
    for folder, pattern in (
        ("tests/fixtures/ehr", "*.json"),
        ("tests/fixtures/rules", "*.yaml"),
        ("tests/fixtures/intake", "*.*"),
        ("spinecare/demo", "*.yaml"),
    ):
        for path in sorted((ROOT / folder).glob(pattern)):
            yield f"{folder}/{path.name}", path, FIXTURE_DATES


Result = tuple[dict[str, Any], dict[str, Any] | None]


def screenings(shared: Path) -> Iterator[tuple[str, Result]]:
    """(key, (canonical screening, plan)) for every input, date and language."""
    from spinecare.core import load_record
    from spinecare.errors import SpinecareError
    from spinecare.kb import load_kb

    kb = load_kb()
    for name, path, dates in inputs(shared):
        try:
            record = load_record(path, kb, name=path.name)
        except SpinecareError as exc:
            yield name, ({"error": f"{type(exc).__name__}: {exc}"}, None)
            continue
        if dates is None:
            last = max((o.when for o in record.observations), default=SYNTHEA_TODAY)
            dates = (last, SYNTHEA_TODAY)
        for day in dates:
            for lang in LANGS:
                yield f"{name}@{day.isoformat()}/{lang}", canonical(record, kb, day, lang)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--out", type=Path, default=GOLDEN)
    args = parser.parse_args()
    results = dict(screenings(args.shared))
    golden = {
        "hashes": {key: digest(doc) for key, (doc, _) in results.items()},
        "plans": {key: digest(plan) for key, (_, plan) in results.items() if plan is not None},
        "docs": {key: doc for key, (doc, _) in results.items() if not key.endswith("/ru")},
    }
    text = json.dumps(golden, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    args.out.write_bytes(gzip.compress(text.encode(), compresslevel=9, mtime=0))
    print(f"{len(results)} screenings written to {args.out.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
