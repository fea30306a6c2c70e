"""The engine screens every Synthea patient and every fixture exactly as the golden file
says (tests/fixtures/engine-golden.json.gz, written by tools/make_engine_golden.py): the
same verdict, findings, evidence, sources, gaps, missing items and course plan, in
English and Russian. A change of speed must change none of it."""

from __future__ import annotations

import difflib
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from tools.make_engine_golden import GOLDEN, digest, dump, screenings


@pytest.mark.slow
def test_screenings_are_exactly_the_golden_ones(shared_data: Path) -> None:
    golden: dict[str, Any] = json.loads(gzip.decompress(GOLDEN.read_bytes()))
    seen: set[str] = set()
    changed: list[str] = []
    for key, (doc, plan) in screenings(shared_data.parent):
        seen.add(key)
        if key not in golden["hashes"]:
            changed.append(f"{key}: not in the golden file")
            continue
        if digest(doc) != golden["hashes"][key]:
            changed.append(_diff(key, golden["docs"].get(key), doc))
        if plan is not None and digest(plan) != golden["plans"].get(key):
            changed.append(f"{key}: the course plan differs")
    missing = sorted(set(golden["hashes"]) - seen)
    assert not missing, f"{len(missing)} golden screenings no longer made: {missing[:5]}"
    assert not changed, f"{len(changed)} screenings differ:\n" + "\n".join(changed[:5])
    assert len(seen) > 3000  # every Synthea patient on two dates, every fixture


def _diff(key: str, before: dict[str, Any] | None, after: dict[str, Any]) -> str:
    if before is None:  # only the hash is kept (the Russian texts)
        return f"{key}: differs; now:\n{dump(after)[:4000]}"
    lines = difflib.unified_diff(
        dump(before).splitlines(), dump(after).splitlines(), "golden", "now", lineterm="", n=2
    )
    return f"{key}:\n" + "\n".join(list(lines)[:80])
