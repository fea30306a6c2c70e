"""How the Spark driver cuts an export into line ranges (no Spark needed): every line is
read once, by one range, with its number in its file."""

from __future__ import annotations

import gzip

import pytest

from spinecare.bulk import spark as spark_module
from spinecare.bulk.spark import plan_ranges, range_lines
from spinecare.fhir.ndjson import iter_lines


def lines_of(parts: list[spark_module.LineRange]) -> list[tuple[str, int, bytes]]:
    counts = {}
    for i, part in enumerate(parts):  # what the executors count
        if part.end >= 0:
            with open(part.path, "rb") as handle:
                handle.seek(part.start)
                counts[i] = handle.read(part.end - part.start).count(b"\n")
        else:
            counts[i] = 0
    return [
        (part.file, number, raw)
        for part in spark_module._numbered(parts, counts)
        for number, raw in range_lines(part)
    ]


@pytest.mark.parametrize("parts", [1, 2, 3, 7, 50, 1000])
@pytest.mark.parametrize("trailing", [True, False])
def test_ranges_cover_every_line_once_with_its_number(tmp_path, monkeypatch, parts, trailing):
    monkeypatch.setattr(spark_module, "RANGE_MIN", 1)
    folder = tmp_path / "export"
    folder.mkdir()
    body = [b'{"resourceType":"Patient","id":"p%d"}' % i + b"x" * (i * 7 % 53) for i in range(40)]
    body[5] = b""  # blank lines are numbered, never read
    body[6] = b"   "
    body[17] = b"{not json"
    data = b"\n".join(body) + (b"\n" if trailing else b"")
    (folder / "Patient.000.ndjson").write_bytes(data)
    (folder / "Patient.001.ndjson.gz").write_bytes(gzip.compress(data))
    (folder / "Observation.ndjson").write_bytes(b"\n" * 3 + data)
    (folder / "Medication.ndjson").write_bytes(data)
    plan = plan_ranges(folder, parts)
    expected = [
        (str(path), number, raw)
        for path in (
            folder / "Patient.000.ndjson",
            folder / "Patient.001.ndjson.gz",
            folder / "Observation.ndjson",
            folder / "Medication.ndjson",
        )
        for number, raw in iter_lines(path)
    ]
    assert lines_of(plan) == expected
    plain = [p for p in plan if p.file.endswith("Patient.000.ndjson")]
    if parts == 1:
        assert len(plain) == 1
    elif parts >= 7:
        assert len(plain) > 1
    gz = [p for p in plan if p.file.endswith(".gz")]
    assert len(gz) == 1 and gz[0].end == -1  # a gzip file is read whole
    assert {p.ordinal for p in plan if p.kind == "Medication"} == {-1}


def test_ranges_of_an_empty_folder(tmp_path):
    assert plan_ranges(tmp_path, 4) == []


def test_ranges_start_at_line_starts(tmp_path, monkeypatch):
    monkeypatch.setattr(spark_module, "RANGE_MIN", 1)
    path = tmp_path / "Condition.ndjson"
    path.write_bytes(b"a" * 100 + b"\n" + b"b\n" + b"c" * 10)
    starts = [p.start for p in plan_ranges(tmp_path, 20)]
    data = path.read_bytes()
    assert starts[0] == 0
    assert all(data[s - 1 : s] == b"\n" for s in starts[1:])
    assert sorted(set(starts)) == starts
