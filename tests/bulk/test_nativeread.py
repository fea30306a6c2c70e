"""The native reader gives the Python reader's facts, counts and reports, line for line.

Its promise is narrow: a line it takes reads exactly as spinecare.fhir.reader reads it,
and every other line goes to Python. So each test compares the fact tables (``seq``
included: the native reader numbers real lines) and the tallies of the Python flattener
with those of ``flatten_to_duckdb(native=True)`` on the same export: Synthea, odd file
layouts, every block and thread boundary, and Synthea lines mutated at random (JSON the
reader rejects, duplicate keys, odd types, dates, units, references).
"""

from __future__ import annotations

import gzip
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinecare.bulk import nativeread
from spinecare.bulk.facts import TABLES
from spinecare.bulk.flatten import flatten_export
from spinecare.bulk.sqlflatten import flatten_to_duckdb
from spinecare.kb import load_kb
from tests.bulk.helpers import needs_native

pytestmark = needs_native

KB = load_kb()


def _rows(con: Any, source: str) -> Counter:
    return Counter(
        tuple("" if x is None else repr(x) for x in row)
        for row in con.execute(f"SELECT * FROM {source}").fetchall()
    )


def both(folder: Path, scratch: Path) -> tuple[dict, dict, Any]:
    """(Python's facts and tally, the native reader's, the native run's result)."""
    py = flatten_export(folder, scratch / "facts", KB, workers=1)
    con = duckdb.connect()
    result = flatten_to_duckdb(folder, con, KB, native=True)
    a, b = {}, {}
    for table in TABLES:
        parts = sorted(str(p) for p in (scratch / "facts" / table).glob("*.parquet"))
        # one row per patient, as the bulk run reads them (register_parquet)
        distinct = "DISTINCT " if table == "patients" else ""
        query = f"(SELECT {distinct}* FROM read_parquet({parts}))"
        a[table] = _rows(con, query) if parts else Counter()
        b[table] = _rows(con, table)
    a["tally"], b["tally"] = py.tally.to_json(), result.tally.to_json()
    return a, b, result


def assert_same(a: dict, b: dict) -> None:
    assert a["tally"] == b["tally"]
    for table in TABLES:
        assert a[table] == b[table], (table, a[table] - b[table], b[table] - a[table])


def test_native_reader_is_built():
    assert nativeread.available()


def test_native_reader_reads_every_synthea_file_and_leaves_no_line(synthea_export, tmp_path):
    a, b, result = both(synthea_export, tmp_path)
    assert_same(a, b)
    kinds = [p for p in synthea_export.iterdir() if p.name.split(".")[0] in nativeread.KINDS]
    assert result.native_files == len(kinds) == 4
    assert result.typed_files == 0
    assert result.fallback == 0
    assert sum(b["observations"].values()) > 10_000


def _subset(source: Path, folder: Path, patients: int) -> Path:
    """The first ``patients`` Synthea patients with their resources (a small export)."""
    folder.mkdir()
    lines = (source / "Patient.ndjson").read_bytes().splitlines(keepends=True)[:patients]
    (folder / "Patient.ndjson").write_bytes(b"".join(lines))
    ids = [orjson.loads(line)["id"].encode() for line in lines]
    for kind in ("Condition", "Observation", "MedicationRequest"):
        kept = [
            line
            for line in (source / f"{kind}.ndjson").read_bytes().splitlines(keepends=True)
            if any(b"Patient/" + pid + b'"' in line for pid in ids)
        ]
        (folder / f"{kind}.ndjson").write_bytes(b"".join(kept))
    return folder


@pytest.mark.parametrize(("block", "threads"), [(1500, 1), (4096, 3), (50_000, 2), (1 << 20, 7)])
def test_block_and_thread_boundaries_change_nothing(
    synthea_export, tmp_path, monkeypatch, block, threads
):
    """However the file is cut into blocks (a line longer than a block included) and the
    blocks into ranges for threads, the facts and their seq are the Python reader's."""
    folder = _subset(synthea_export, tmp_path / "export", 12)
    monkeypatch.setattr(nativeread, "BLOCK_BYTES", block)
    monkeypatch.setattr(nativeread, "THREADS", threads)
    a, b, result = both(folder, tmp_path)
    assert result.fallback == 0
    assert sum(b["observations"].values()) > 100
    assert_same(a, b)


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_file_layouts(synthea_export, tmp_path, monkeypatch, gz):
    """CRLF line ends, blank and whitespace lines, a missing final line end, leading
    spaces, a byte-order mark, an empty file, a line longer than a block."""
    folder = _subset(synthea_export, tmp_path / "export", 6)
    monkeypatch.setattr(nativeread, "BLOCK_BYTES", 2048)
    for path in sorted(folder.iterdir()):
        lines = path.read_bytes().splitlines()
        odd = [
            lines[0] + b"\r",
            b"",
            b"  \t ",
            b"\x0c",
            b"   " + lines[1 % len(lines)],
            b"\xef\xbb\xbf" + lines[-1],
            *lines[2:],
        ]
        data = b"\n".join(odd)  # no final line end
        path.write_bytes(gzip.compress(data) if gz else data)
    (folder / "Observation.001.ndjson").write_bytes(b"")
    a, b, _ = both(folder, tmp_path)
    assert a["tally"]["malformed_lines"] >= 4  # the byte-order marks and the form feeds
    assert_same(a, b)


def test_codings_naming_one_concept_twice(tmp_path):
    """Two codings of one concept: a medication counts the concept once (concepts_of), a
    condition gives one row per coding (the index keeps each hit), as in Python."""
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "Patient.ndjson").write_bytes(b'{"resourceType":"Patient","id":"p1"}\n')
    drugs = [
        (c.system, c.code)
        for concept in KB.model.concepts
        if concept.id == "anticoagulant_therapy"
        for c in concept.codes
        if c.system == "rxnorm"
    ][:2]
    rxnorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
    med = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {"coding": [{"system": rxnorm, "code": c} for _, c in drugs]},
    }
    icd = "http://hl7.org/fhir/sid/icd-10"
    condition = {
        "resourceType": "Condition",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": icd, "code": "M51.1"}, {"system": icd, "code": "M51.16"}]},
    }
    (folder / "MedicationRequest.ndjson").write_bytes(orjson.dumps(med) + b"\n")
    (folder / "Condition.ndjson").write_bytes(orjson.dumps(condition) + b"\n")
    a, b, result = both(folder, tmp_path)
    assert len(drugs) == 2 and result.fallback == 0
    assert sum(b["medications"].values()) == 1
    assert sum(b["conditions"].values()) >= 2
    assert_same(a, b)


# ---------------------------------------------------------------------------------------
# Mutated Synthea lines


ODD_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    1.5,
    12345678901234567890,
    "",
    "x",
    "é",
    "2020",
    "2019-02",
    "2020-02-30",
    "0000-01-01",
    "2020-01-01T10:00:00Z",
    "2020-01-01T10:00",
    "2020-01-01 10:00",
    "Patient/",
    "Patient/x/_history/2",
    "urn:uuid:",
    "mmHg",
    "[degF]",
    "°C",
    " Cel ",
    "CEL",
    "<",
    "entered-in-error",
    "cancelled",
    "Family history of X",
    [],
    [{}],
    [1],
    {},
    {"coding": []},
    {"coding": [{"code": 1}]},
    {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]},
    {"reference": "Patient/x"},
    {"start": "2020-01"},
    {"value": "1"},
]
NEW_KEYS = [
    "category",
    "bodySite",
    "onsetPeriod",
    "abatementString",
    "abatementBoolean",
    "abatementPeriod",
    "valueInteger",
    "valueString",
    "dataAbsentReason",
    "effectivePeriod",
    "effectiveInstant",
    "issued",
    "comparator",
    "component",
    "medicationReference",
    "dispenseRequest",
    "status",
    "text",
    "display",
    "system",
    "unit",
    "use",
]
RAW_INSERTS = [b",", b"]", b"}", b'"', b"\\", b"\x00", b"\xff", b" ", b"NaN", b",}", b"\\ud800"]


def _paths(node: Any, at: tuple = ()) -> list[tuple]:
    out = [at]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*at, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_paths(value, (*at, i)))
    return out


def _at(node: Any, path: tuple) -> Any:
    for step in path:
        node = node[step]
    return node


def _odd(draw: Any) -> Any:
    """One of ODD_VALUES, a fresh copy (a later mutation must not change the list)."""
    return orjson.loads(orjson.dumps(draw(st.sampled_from(ODD_VALUES))))


@st.composite
def mutated(draw: Any, line: bytes) -> bytes:
    resource = orjson.loads(line)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(resource)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "replace", "delete", "add", "raw", "dup"]))
        if action == "replace" and path:
            _at(resource, path[:-1])[path[-1]] = _odd(draw)
        elif action == "delete" and path and isinstance(_at(resource, path[:-1]), dict):
            del _at(resource, path[:-1])[path[-1]]
        elif action == "add" and isinstance(_at(resource, path), dict):
            _at(resource, path)[draw(st.sampled_from(NEW_KEYS))] = _odd(draw)
    text = orjson.dumps(resource)
    action = draw(st.sampled_from(["none", "none", "raw", "dup"]))
    if action == "raw":
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 2))
        text = text[:at] + draw(st.sampled_from(RAW_INSERTS)) + text[at + cut :]
    elif action == "dup":  # a key written twice, in any object
        opens = [i for i, c in enumerate(text) if c == ord("{")]
        at = draw(st.sampled_from(opens)) + 1
        key = draw(st.sampled_from(["status", "code", "value", "subject", "coding", "unit"]))
        value = orjson.dumps(_odd(draw))
        text = text[:at] + b'"' + key.encode() + b'":' + value + b"," + text[at:]
    return text


def _templates(source: Path) -> dict[str, list[bytes]]:
    """Synthea lines of a few patients: observations of each kind the reader reads (and a
    height, which it does not), the patients' conditions and medications, their Patient."""
    observations = (source / "Observation.ndjson").read_bytes().splitlines()
    picked = [
        next(line for line in observations if code in line)
        for code in (b'"8480-6"', b'"72514-3"', b'"8331-1"', b'"777-3"', b'"8302-2"')
    ]
    pids = {orjson.loads(line)["subject"]["reference"].split("/")[1] for line in picked}
    out = {"Observation": picked}
    for kind in ("Patient", "Condition", "MedicationRequest"):
        lines = (source / f"{kind}.ndjson").read_bytes().splitlines()
        mine = [line for line in lines if any(pid.encode() + b'"' in line for pid in pids)]
        out[kind] = mine if kind == "Patient" else mine[:8]
    return out


@pytest.fixture(scope="module")
def templates(synthea_export) -> dict[str, list[bytes]]:
    return _templates(synthea_export)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_mutated_lines_read_as_the_python_reader_reads_them(templates, data):
    files: dict[str, list[bytes]] = {}
    for kind, lines in templates.items():
        out = list(lines)
        for _ in range(data.draw(st.integers(0, 6))):
            out.insert(
                data.draw(st.integers(0, len(out))),
                data.draw(mutated(data.draw(st.sampled_from(lines)))),
            )
        files[f"{kind}.ndjson"] = out
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "export"
        folder.mkdir()
        for name, lines in files.items():
            (folder / name).write_bytes(b"".join(line + b"\n" for line in lines))
        a, b, _ = both(folder, Path(tmp))
        assert_same(a, b)
