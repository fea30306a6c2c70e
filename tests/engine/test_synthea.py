"""All 585 Synthea patients read whole and screen without error; their verdict counts are
reported."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from spinecare.core import load_record
from spinecare.engine.planning import plan_course
from spinecare.engine.screening import VERDICTS, screen_record
from spinecare.errors import RecordError
from tests.conftest import OUTPUT

TODAY = date(2026, 11, 22)


@pytest.mark.slow
def test_all_synthea_patients_screen_and_plan(shared_data: Path, kb) -> None:
    files = sorted((shared_data / "synthea" / "r4-bundles-2019").glob("*.json.gz"))
    at_last_visit: Counter[str] = Counter()
    today: Counter[str] = Counter()
    concepts: Counter[str] = Counter()
    providers = 0
    patients = 0
    ids: set[str] = set()
    measured = 0
    for path in files:
        try:
            record = load_record(path, kb)
        except RecordError as exc:  # the two provider bundles hold no Patient
            assert "no Patient" in str(exc), exc
            providers += 1
            continue
        patients += 1
        # each read whole: a patient of their own, born on a day, with their readings
        assert record.patient.birth_date is not None, path.name
        ids.add(record.patient.id)
        measured += len(record.observations)
        last = max((o.when for o in record.observations), default=TODAY)
        for day, counts in ((last, at_last_visit), (TODAY, today)):
            if record.patient.deceased_by(day):
                # a patient recorded as deceased is refused, with a message saying so
                with pytest.raises(RecordError, match="recorded as deceased"):
                    screen_record(record, kb, day)
                counts["deceased (not screened)"] += 1
                continue
            screening = screen_record(record, kb, day)
            counts[screening.verdict] += 1
            if day == last:
                concepts.update(screening.present_concepts)
                plan = plan_course(screening, record, kb)
                assert plan.status in {"ready", "pending", "blocked"}
            else:
                # nine years after the data, vital signs are stale: never allowed
                assert screening.verdict not in {"allowed", "allowed_with_precautions"}
                assert screening.missing
    assert patients == 585 and providers == 2
    assert len(ids) == 585 and measured > 15000
    assert sum(at_last_visit.values()) == sum(today.values()) == 585
    rows = [*VERDICTS, "deceased (not screened)"]
    lines = [
        f"{patients} Synthea patients screened ({providers} provider bundles skipped)",
        "verdict                   at last observation   on " + TODAY.isoformat(),
        *(f"{v:<25} {at_last_visit[v]:>19}   {today[v]:>13}" for v in rows),
        "present concepts at last observation: "
        + ", ".join(f"{c} {n}" for c, n in concepts.most_common()),
    ]
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "synthea-verdicts.report.txt").write_text("\n".join(lines) + "\n")
    (OUTPUT / "synthea-verdicts.json").write_text(
        json.dumps(
            {"at_last_observation": at_last_visit, "today": today, "concepts": concepts}, indent=2
        )
    )
