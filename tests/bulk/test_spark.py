"""The same compiled rules on Spark (local mode): equal to the engine and to DuckDB.

One SparkSession for the session (tests/bulk/conftest.py); few, large examples, as a
Spark query costs seconds. Skipped without Java or PySpark, except on CI.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings

from spinecare.bulk.duckdb import screen_export
from spinecare.bulk.spark import screen_export_spark, screen_records_spark
from spinecare.engine.screening import screen_record
from spinecare.kb import load_kb
from tests.bulk.helpers import bulk_row, engine_row
from tests.bulk.strategies import AS_OF, populations

KB = load_kb()
pytestmark = pytest.mark.spark


@settings(
    max_examples=1,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
@given(populations(KB, max_size=40))
def test_spark_equals_engine_on_random_records(spark, population):
    rows = screen_records_spark(spark, population, KB, AS_OF)
    assert set(rows) == {r.patient.id for r in population}
    for record in population:
        expected = engine_row(screen_record(record, KB, AS_OF))
        assert bulk_row(rows[record.patient.id]) == expected, record


def test_spark_equals_duckdb_on_synthea(spark, synthea_export, tmp_path):
    import duckdb

    as_of = date(2019, 6, 1)
    a = screen_export(synthea_export, tmp_path / "duck.parquet", KB, as_of, workers=2)
    b = screen_export_spark(
        synthea_export, tmp_path / "spark.parquet", KB, as_of, workers=2, spark=spark
    )
    assert a.verdicts == b.verdicts and a.patients == b.patients == 585
    con = duckdb.connect()
    differing = con.execute(
        f"SELECT count(*) FROM '{tmp_path / 'duck.parquet'}' d"
        f" FULL JOIN '{tmp_path / 'spark.parquet'}' s USING (patient_id)"
        " WHERE d.verdict IS DISTINCT FROM s.verdict"
        " OR d.indicated IS DISTINCT FROM s.indicated OR d.present IS DISTINCT FROM s.present"
        " OR d.unknown IS DISTINCT FROM s.unknown OR d.missing IS DISTINCT FROM s.missing"
        " OR d.indications IS DISTINCT FROM s.indications"
    ).fetchone()[0]
    assert differing == 0
