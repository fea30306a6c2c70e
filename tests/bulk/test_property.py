"""Random patient records: the compiled SQL (DuckDB) equals the in-process engine.

Few large populations rather than many small ones: each example is one query, and
planning the compiled query costs about as much as screening thousands of patients.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from spinecare.bulk.duckdb import screen_records
from spinecare.engine.screening import screen_record
from spinecare.kb import load_kb
from tests.bulk.helpers import bulk_row, engine_row
from tests.bulk.strategies import AS_OF, populations

KB = load_kb()


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(populations(KB, max_size=24))
def test_duckdb_equals_engine_on_random_records(population):
    rows = screen_records(population, KB, AS_OF)
    assert set(rows) == {r.patient.id for r in population}
    for record in population:
        expected = engine_row(screen_record(record, KB, AS_OF))
        assert bulk_row(rows[record.patient.id]) == expected, record
