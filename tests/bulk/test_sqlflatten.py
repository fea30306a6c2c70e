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
import pytest
from hypothesis import HealthCheck, given, settings

from spinecare.bulk import nativeread
from spinecare.bulk.facts import TABLES
from spinecare.bulk.flatten import flatten_export
from spinecare.bulk.sqlflatten import flatten_to_duckdb
from spinecare.bulk.typedread import TYPED_KINDS
from spinecare.core import reader_measures
from spinecare.kb import load_kb
from tests.bulk.fhir_strategies import exports, write_export
from tests.bulk.helpers import needs_native

KB = load_kb()
MEASURES = reader_measures(KB)


def _key(row: tuple) -> tuple:
    return tuple("" if x is None else repr(x) for x in row)


def _ranked(table: str, source: str) -> str:
    """The table's rows with ``seq`` as its rank among the patient's rows: what the
    compiled rules use it for (the typed reader numbers rows, not lines, past a blank
    line)."""
    names = [name for name, _ in TABLES[table]]
    if "seq" not in names:
        return f"SELECT * FROM {source}"
    cols = ", ".join(
        "dense_rank() OVER (PARTITION BY pid ORDER BY seq) AS seq" if n == "seq" else n
        for n in names
    )
    return f"SELECT {cols} FROM {source}"


READERS = ["typed", pytest.param("native", marks=needs_native)]
"""How --flatten sql reads whole files: DuckDB's typed reader, or the native reader."""


def fact_tables_of_both(
    folder: Path, scratch: Path, *, problems: bool = False, reader: str = "typed"
) -> tuple[dict, dict, dict, dict]:
    py = flatten_export(folder, scratch / "facts", KB, workers=1)
    con = duckdb.connect()
    sql = flatten_to_duckdb(folder, con, KB, native=reader == "native")
    a: dict[str, Counter] = {}
    b: dict[str, Counter] = {}
    for table in TABLES:
        parts = sorted(str(p) for p in (scratch / "facts" / table).glob("*.parquet"))
        source = f"read_parquet({parts})"
        rows = con.execute(_ranked(table, source)).fetchall() if parts else []
        a[table] = Counter(map(_key, rows))
        b[table] = Counter(map(_key, con.execute(_ranked(table, table)).fetchall()))
    ta, tb = py.tally.to_json(), sql.tally.to_json()
    if not problems:
        ta.pop("problems")
        tb.pop("problems")
    return a, b, ta, tb


@pytest.mark.parametrize("reader", READERS)
def test_sql_facts_equal_python_facts_on_synthea(synthea_export, tmp_path, reader):
    a, b, ta, tb = fact_tables_of_both(synthea_export, tmp_path, reader=reader)
    assert ta == tb
    for table in TABLES:
        assert a[table] == b[table], table


def test_typed_reader_reads_every_synthea_file_it_can(synthea_export):
    """The fast path is really taken: each Patient, Condition, Observation and
    MedicationRequest file is read whole, and no line goes to Python."""
    typed = [p for p in synthea_export.iterdir() if p.name.split(".")[0] in TYPED_KINDS]
    result = flatten_to_duckdb(synthea_export, duckdb.connect(), KB, native=False)
    assert result.typed_files == len(typed) == 4
    assert result.fallback == 0


def test_typed_rows_keep_the_file_order(synthea_export):
    """seq rises with the line: the typed scan keeps the file's order."""
    con = duckdb.connect()
    flatten_to_duckdb(synthea_export, con, KB, native=False)
    seqs = [row[0] for row in con.execute("SELECT seq FROM observations ORDER BY seq").fetchall()]
    # seq = ((file << 32) + line) << 6 (+ the component): the line of each fact
    obs = (synthea_export / "Observation.ndjson").read_bytes().splitlines()
    for seq in seqs[::500]:
        line = obs[((seq >> 6) & 0xFFFFFFFF) - 1]
        pid = con.execute("SELECT pid FROM observations WHERE seq = ?", [seq]).fetchone()[0]
        assert f"Patient/{pid}".encode() in line


_OBS = (
    b'{"resourceType":"Observation","id":"o%d","status":"final","subject":{"reference":'
    b'"Patient/p1"},"effectiveDateTime":"2020-01-%02d","code":{"coding":[{"system":'
    b'"http://loinc.org","code":"8310-5"}]},"valueQuantity":{"value":%s,"unit":"Cel",'
    b'"code":"Cel","system":"http://unitsofmeasure.org"}%s}'
)


def _obs(i: int, value: bytes = b"36.6", extra: bytes = b"") -> bytes:
    return _OBS % (i, i, value, extra)


@pytest.mark.parametrize(
    "odd",
    [
        pytest.param(_obs(3, extra=b',"extension":[{"valueDecimal":NaN}]'), id="nan"),
        pytest.param(_obs(3, extra=b',"note":[{"text":"x"},]'), id="trailing-comma"),
        pytest.param(_obs(3, extra=b',"x":-Infinity'), id="infinity"),
        pytest.param(_obs(3, value=b"1e400"), id="huge-number"),
        pytest.param(_obs(3, value=b'"36.6"'), id="string-value"),
        pytest.param(_obs(3, extra=b',"status":"final"'), id="duplicate-key"),
        pytest.param(_obs(3).replace(b'"status":"final"', b'"status":12'), id="number-status"),
        pytest.param(
            _obs(3).replace(b'"code":{"coding"', b'"code":"x","c":{"coding"'), id="code-text"
        ),
        pytest.param(
            _obs(3).replace(b'"code":"8310-5"', rb'"code":"8310\u002d5"'), id="escaped-code"
        ),
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"", id="blank-line"),
        pytest.param(_obs(3).replace(b"Patient/p1", b"Patient/nobody"), id="unknown-patient"),
        pytest.param(_obs(3, value=b"true"), id="boolean-value"),
    ],
)
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("reader", READERS)
def test_odd_lines_read_as_the_line_reader_reads_them(tmp_path, odd, gz, reader):
    """An odd line anywhere in a file: the facts, counts and reports (with line numbers)
    equal the Python reader's, whether the typed reader takes the file or leaves it."""
    import gzip

    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "Patient.ndjson").write_bytes(b'{"resourceType":"Patient","id":"p1"}\n')
    lines = [_obs(1), _obs(2, value=b"37.0"), odd, _obs(4, value=b"38.2"), _obs(4, b"36.9")]
    data = b"\n".join(lines) + b"\n"
    (folder / "Observation.ndjson").write_bytes(gzip.compress(data) if gz else data)
    a, b, ta, tb = fact_tables_of_both(folder, tmp_path, problems=True, reader=reader)
    assert ta == tb
    for table in TABLES:
        assert a[table] == b[table], table


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(exports(KB, MEASURES))
@pytest.mark.parametrize("reader", READERS)
def test_sql_facts_equal_python_facts_on_random_exports(reader, files):
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_export(files, Path(tmp) / "export")
        a, b, ta, tb = fact_tables_of_both(folder, Path(tmp), problems=True, reader=reader)
        # the same problems, each with its file and line (Patient files' in another order)
        ta["problems"].sort()
        tb["problems"].sort()
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
        runs = [("python", False), ("sql", False)] + [("sql", True)] * nativeread.available()
        for flatten, native in runs:
            out = Path(tmp) / f"{flatten}.parquet"
            screen_export(folder, out, KB, AS_OF, workers=1, flatten=flatten, native=native)
            cursor = duckdb.connect().execute(f"SELECT * FROM read_parquet('{out}')")
            names = [d[0] for d in cursor.description]
            rows = {r[0]: bulk_row(dict(zip(names, r, strict=True))) for r in cursor.fetchall()}
            assert rows == expected, (flatten, native)


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_lenient_json_finds_odd_values_across_block_ends(tmp_path, monkeypatch, gz):
    """The raw-bytes check sees every line whole, however lines fall across blocks."""
    import gzip

    from spinecare.bulk import typedread

    monkeypatch.setattr(typedread, "SCAN_BYTES", 64)
    clean = [b'{"a":"x, info","b":[1,2]}', b'{"long":"' + b"y" * 300 + b'"}', b'{"c":null}']
    for odd in (b'{"v": NaN}', b'{"v":[1,2 ,]}', b'{"v": -inf }', b'{"v":1.5e999}'):
        for at in range(len(clean) + 1):
            lines = [*clean[:at], odd, *clean[at:]]
            data = b"\n".join(lines) + b"\n"
            path = tmp_path / "f.ndjson"
            path.write_bytes(gzip.compress(data) if gz else data)
            assert typedread.lenient_json(path), (odd, at)
    path = tmp_path / "f.ndjson"
    data = b"\n".join(clean * 5)
    path.write_bytes(gzip.compress(data) if gz else data)
    assert not typedread.lenient_json(path)


_MED = (
    b'{"resourceType":"%s","id":"m%d","status":"%s","subject":{"reference":"Patient/p%d"},'
    b'"medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/'
    b'rxnorm","code":"%s","display":"x"}],"text":"x"}%s}'
)


def test_typed_medications_and_gzip_equal_the_python_reader(tmp_path):
    """MedicationRequest and MedicationStatement files, plain and gzip, taken whole by the
    typed reader: the facts equal the Python reader's."""
    import gzip

    folder = tmp_path / "export"
    folder.mkdir()
    patients = b"".join(b'{"resourceType":"Patient","id":"p%d"}\n' % i for i in (1, 2))
    (folder / "Patient.000.ndjson.gz").write_bytes(gzip.compress(patients))
    dated = (
        b',"authoredOn":"2024-05"',
        b',"effectivePeriod":{"start":"2023-01-02","end":"2024"}',
        b',"effectiveDateTime":"2022-03-04T10:00:00+02:00"',
        b"",
    )
    for kind in (b"MedicationRequest", b"MedicationStatement"):
        lines = [
            _MED % (kind, i, status, 1 + i % 2, code, dated[i % len(dated)])
            for i, (status, code) in enumerate(
                [
                    (b"active", b"855332"),
                    (b"stopped", b"11289"),
                    (b"entered-in-error", b"855332"),
                    (b"active", b"999999"),
                    (b"completed", b"1364430"),
                ]
            )
        ]
        data = b"\n".join(lines) + b"\n"
        name = kind.decode() + ".ndjson"
        (folder / name).write_bytes(data)
        (folder / (kind.decode() + ".001.ndjson.gz")).write_bytes(gzip.compress(data))
    result = flatten_to_duckdb(folder, duckdb.connect(), KB, native=False)
    assert result.typed_files == 5 and result.fallback == 0
    a, b, ta, tb = fact_tables_of_both(folder, tmp_path, problems=True)
    assert ta == tb
    assert sum(a["medications"].values()) > 0
    for table in TABLES:
        assert a[table] == b[table], table
