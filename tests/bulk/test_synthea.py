"""Every Synthea patient: bulk (DuckDB) results equal the in-process engine's."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from spinecare.bulk.duckdb import screen_export
from spinecare.core import reader_measures
from spinecare.engine.screening import screen_record
from spinecare.fhir.reader import read_bundle
from spinecare.kb import load_kb
from tests.bulk.helpers import engine_row, mismatches
from tests.conftest import DATA

KB = load_kb()


@pytest.fixture(scope="module")
def synthea_records(synthea_records):
    records, tally = synthea_records
    assert tally.malformed == tally.bad_resources == tally.unknown_patient == 0
    return records


@pytest.mark.slow
@pytest.mark.parametrize("as_of", [date(2019, 6, 1), date(2020, 1, 1)])
def test_duckdb_equals_engine_for_every_synthea_patient(
    synthea_export, synthea_records, tmp_path, as_of
):
    out = tmp_path / "results.parquet"
    result = screen_export(synthea_export, out, KB, as_of, workers=2)
    living = [r for r in synthea_records if not r.patient.deceased_by(as_of)]
    assert len(synthea_records) == 585
    # patients recorded as deceased by the date are counted, not screened (as the engine
    # refuses them)
    assert result.deceased == 585 - len(living) > 0
    assert result.patients == len(living)
    con = duckdb.connect()
    cursor = con.execute(f"SELECT * FROM read_parquet('{out}')")
    names = [d[0] for d in cursor.description]
    rows = {r[0]: dict(zip(names, r, strict=True)) for r in cursor.fetchall()}
    assert set(rows) == {r.patient.id for r in living}
    differ = mismatches(living, rows, KB, as_of)
    assert not differ, differ[:3]
    # the data is fresh for some: not everyone is needs_data
    assert sum(result.verdicts.values()) == len(living)
    assert result.verdicts.get("needs_data", 0) < len(living)


@pytest.mark.slow
def test_ndjson_records_equal_bundle_records(synthea_export, synthea_records):
    """The export carries the Bundles' facts: screening from either gives the same."""
    as_of = date(2019, 6, 1)
    by_id = {r.patient.id: r for r in synthea_records}
    bundles = sorted((DATA / "synthea" / "r4-bundles-2019").glob("*.json.gz"))[:25]
    checked = 0
    for path in bundles:
        try:
            record = read_bundle(path, reader_measures(KB))
        except Exception:  # the provider bundles hold no patient
            continue
        if record.patient.deceased_by(as_of):
            continue
        checked += 1
        a = engine_row(screen_record(record, KB, as_of))
        b = engine_row(screen_record(by_id[record.patient.id], KB, as_of))
        assert a == b
    assert checked >= 20
