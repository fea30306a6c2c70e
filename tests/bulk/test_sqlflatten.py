"""The DuckDB-native flattener builds the Python flattener's fact tables, exactly.

Random exports (tests/bulk/fhir_strategies.py) go through both flatteners; the fact tables
(as multisets of rows) and the tallies must be equal, and screening with either equals the
in-process engine reading the same export.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings

from spinecare.bulk.facts import TABLES
from spinecare.bulk.flatten import flatten_export
from spinecare.bulk.sqlflatten import flatten_to_duckdb
from spinecare.core import reader_measures
from spinecare.kb import load_kb
from tests.bulk.fhir_strategies import exports, write_export

KB = load_kb()
MEASURES = reader_measures(KB)


def _key(row: tuple) -> tuple:
    return tuple("" if x is None else repr(x) for x in row)


def fact_tables_of_both(folder: Path, scratch: Path) -> tuple[dict, dict, dict, dict]:
    py = flatten_export(folder, scratch / "facts", KB, workers=1)
    con = duckdb.connect()
    sql = flatten_to_duckdb(folder, con, KB)
    a: dict[str, Counter] = {}
    b: dict[str, Counter] = {}
    for table in TABLES:
        parts = sorted(str(p) for p in (scratch / "facts" / table).glob("*.parquet"))
        rows = con.execute(f"SELECT * FROM read_parquet({parts})").fetchall() if parts else []
        a[table] = Counter(map(_key, rows))
        b[table] = Counter(map(_key, con.execute(f"SELECT * FROM {table}").fetchall()))
    ta, tb = py.tally.to_json(), sql.tally.to_json()
    ta.pop("problems")
    tb.pop("problems")
    return a, b, ta, tb


def test_sql_facts_equal_python_facts_on_synthea(synthea_export, tmp_path):
    a, b, ta, tb = fact_tables_of_both(synthea_export, tmp_path)
    assert ta == tb
    for table in TABLES:
        assert a[table] == b[table], table


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(exports(KB, MEASURES))
def test_sql_facts_equal_python_facts_on_random_exports(files):
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_export(files, Path(tmp) / "export")
        a, b, ta, tb = fact_tables_of_both(folder, Path(tmp))
        assert ta == tb
        for table in TABLES:
            assert a[table] == b[table], (table, a[table] - b[table], b[table] - a[table])


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(exports(KB, MEASURES))
def test_screening_equals_engine_on_random_exports_with_both_flatteners(files):
    from spinecare.bulk.duckdb import screen_export
    from spinecare.engine.screening import screen_record
    from spinecare.fhir.ndjson import iter_records
    from tests.bulk.fhir_strategies import AS_OF
    from tests.bulk.helpers import bulk_row, engine_row

    # the in-process reader stops at a Patient it cannot read (bulk counts it): none here
    patients = [line.replace(b"1970-13-01", b"1970-12-01") for line in files["Patient.ndjson"]]
    files = {**files, "Patient.ndjson": patients}
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_export(files, Path(tmp) / "export")
        records = list(iter_records(folder, MEASURES))
        expected = {r.patient.id: engine_row(screen_record(r, KB, AS_OF)) for r in records}
        for flatten in ("python", "sql"):
            out = Path(tmp) / f"{flatten}.parquet"
            screen_export(folder, out, KB, AS_OF, workers=1, flatten=flatten)
            cursor = duckdb.connect().execute(f"SELECT * FROM read_parquet('{out}')")
            names = [d[0] for d in cursor.description]
            rows = {r[0]: bulk_row(dict(zip(names, r, strict=True))) for r in cursor.fetchall()}
            assert rows == expected, flatten
