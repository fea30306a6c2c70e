"""Bulk screening on Spark, on a local cluster of two workers: the export is read on the
executors, and the results equal the in-process engine's; bad input is counted as the
Python flattener counts it.

One Spark session for this module (tests/bulk/conftest.py; ``--dist loadfile`` runs the
module on one test worker, so one cluster is started, and stopped after it); few, large
examples, as a Spark query costs seconds. Skipped without Java or PySpark, except on CI.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings

from spinecare.bulk import spark as spark_module
from spinecare.bulk.flatten import flatten_export
from spinecare.bulk.spark import TaskRecord, screen_export_spark, screen_records_spark
from spinecare.core import reader_measures
from spinecare.engine.screening import screen_record
from spinecare.errors import InputError
from spinecare.fhir.ndjson import iter_records
from spinecare.kb import load_kb
from tests.bulk.helpers import bulk_row, engine_row
from tests.bulk.strategies import AS_OF, populations
from tests.bulk.test_ndjson import bp, condition, patient, write

KB = load_kb()
AS_OF_BROKEN = date(2024, 6, 15)
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


def executors_of(spark, tasks: list[TaskRecord]) -> set[str]:
    """The executors Spark's own task records name for the tasks that read the export."""
    tracker = spark.sparkContext.statusTracker()
    store = spark.sparkContext._jsc.sc().statusStore()
    found = set()
    for stage in {t.stage for t in tasks}:
        info = tracker.getStageInfo(stage)
        listed = store.taskList(stage, info.currentAttemptId, 100_000)
        done = {}
        for i in range(listed.size()):
            task = listed.apply(i)
            if task.status() == "SUCCESS":
                done[task.index()] = task.executorId()
        found |= {done[t.partition] for t in tasks if t.stage == stage}
    return found


def test_two_workers_read_the_export_and_results_equal_the_engine(
    spark, synthea_export, synthea_records, tmp_path
):
    as_of = date(2019, 6, 1)
    out = tmp_path / "spark.parquet"
    result = screen_export_spark(synthea_export, out, KB, as_of, spark=spark)
    # every line range was read by a task outside this process, on both executors
    files = {t.file for t in result.tasks}
    assert {Path(f).name for f in files} >= {"Patient.ndjson", "Observation.ndjson"}
    assert len(result.tasks) > len(files)  # the large files were cut into ranges
    assert all(t.pid != os.getpid() for t in result.tasks)
    executors = executors_of(spark, result.tasks)
    assert len(executors) == 2 and "driver" not in executors
    # the results are the in-process engine's, patient by patient
    everyone, tally = synthea_records
    records = [r for r in everyone if not r.patient.deceased_by(as_of)]
    assert len(everyone) == 585
    assert result.patients == len(records) and result.deceased == 585 - len(records)
    rows = {r["patient_id"]: r for r in pq.read_table(out).to_pylist()}
    assert set(rows) == {r.patient.id for r in records}
    mismatches = []
    for record in records:
        expected = engine_row(screen_record(record, KB, as_of))
        if bulk_row(rows[record.patient.id]) != expected:
            mismatches.append((record.patient.id, expected, rows[record.patient.id]))
    assert not mismatches, mismatches[:3]
    assert result.tally.resources == tally.resources  # neither counts Medication resources
    assert result.tally.malformed == result.tally.bad_resources == 0


@pytest.fixture
def broken_export(tmp_path: Path) -> Path:
    """Malformed lines, unknown patients, an unreadable resource, a resource naming no
    patient, a Medication named by reference (one whose ingredient is a Substance of the
    export), plain and gzip files."""
    folder = tmp_path / "broken"
    folder.mkdir()
    write(folder / "Patient.000.ndjson", [patient(f"p{i}") for i in range(30)] + [b"{oops"])
    write(folder / "Patient.001.ndjson.gz", [patient("c")], gz=True)
    observations: list = []
    for i in range(30):
        observations += [bp(f"p{i}", f"o{i}", 150 + i), bp(f"p{i}", f"late{i}", 120 + i)]
    observations[7:7] = [b"{not json", b"", bp("ghost", "g", 150), b"[1, 2]"]
    observations.append({"resourceType": "Observation", "id": "nobody", "status": "final"})
    write(folder / "Observation.ndjson", observations)
    write(
        folder / "Condition.ndjson.gz",
        [
            condition("p1", "c1", "M51.16"),
            condition("c", "c2", "C50.9"),
            {
                "resourceType": "Condition",
                "id": "bad",
                "subject": {"reference": "Patient/p2"},
                "onsetDateTime": "yesterday",
                "bodySite": [3],
                "code": {"coding": [{"code": "C50"}]},
            },
        ],
        gz=True,
    )
    write(
        folder / "Medication.ndjson",
        [
            {
                "resourceType": "Medication",
                "id": "m1",
                "code": {
                    "coding": [
                        {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "855332"}
                    ]
                },
            },
            {
                "resourceType": "Medication",
                "id": "m2",
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "385055001"}]},
                "ingredient": [{"itemReference": {"reference": "Substance/s1"}}],
            },
        ],
    )
    rxnorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
    write(
        folder / "Substance.ndjson",
        [
            {
                "resourceType": "Substance",
                "id": "s1",
                "code": {"coding": [{"system": rxnorm, "code": "11289"}]},
            }
        ],
    )
    write(
        folder / "MedicationRequest.ndjson",
        [
            {
                "resourceType": "MedicationRequest",
                "id": "mr1",
                "status": "active",
                "intent": "order",
                "subject": {"reference": "Patient/p3"},
                "medicationReference": {"reference": "Medication/m1"},
                "authoredOn": "2024-06-01",
            },
            {
                "resourceType": "MedicationRequest",
                "id": "mr2",
                "status": "active",
                "intent": "order",
                "subject": {"reference": "Patient/p4"},
                "medicationReference": {"reference": "Medication/m2"},
                "authoredOn": "2024-06-01",
            },
        ],
    )
    return folder


def test_bad_input_is_tallied_as_the_python_flattener_tallies_it(
    spark, broken_export, tmp_path, monkeypatch
):
    monkeypatch.setattr(spark_module, "RANGE_MIN", 256)  # ranges of a few lines each
    result = screen_export_spark(
        broken_export, tmp_path / "out.ndjson", KB, AS_OF_BROKEN, spark=spark, workers=30
    )
    assert len(result.tasks) > 8
    flat = flatten_export(broken_export, tmp_path / "facts", KB, workers=1)
    assert result.tally.to_json() == flat.tally.to_json()
    assert result.tally.malformed == 3 and result.tally.unknown_patient == 1
    assert result.tally.bad_resources == 1 and result.tally.no_patient == 1
    assert any("Observation.ndjson: line 8: not valid JSON" in p for p in result.tally.problems)
    rows = [orjson.loads(line) for line in (tmp_path / "out.ndjson").read_bytes().splitlines()]
    by_id = {row["patient_id"]: row for row in rows}
    records = list(iter_records(broken_export, reader_measures(KB)))
    assert result.patients == len(records) == len(by_id) == 31
    for record in records:
        expected = engine_row(screen_record(record, KB, AS_OF_BROKEN))
        assert {k: by_id[record.patient.id][k] for k in expected} == expected, record.patient.id
    assert "anticoagulant_therapy" in by_id["p4"]["present"]  # its ingredient, a Substance


def test_strict_stops_at_the_first_bad_line_as_the_python_flattener(spark, broken_export, tmp_path):
    with pytest.raises(InputError) as python:
        flatten_export(broken_export, tmp_path / "facts", KB, strict=True, workers=1)
    with pytest.raises(InputError) as err:
        screen_export_spark(broken_export, None, KB, AS_OF_BROKEN, strict=True, spark=spark)
    assert err.value.one_line() == python.value.one_line()
    assert "Patient.000.ndjson: line 31: not valid JSON" in err.value.one_line()


def test_cli_screens_on_spark_an_export_without_patients_and_stops_at_a_bad_line(
    spark, broken_export, tmp_path
):
    """The CLI on Spark: an export without patients screens no one (its results: the
    header alone) and counts its malformed line; ``--strict`` stops at the first bad line,
    named, without a traceback."""
    from typer.testing import CliRunner

    from spinecare.cli import app

    folder = tmp_path / "empty"
    folder.mkdir()
    write(folder / "Medication.ndjson", [{"resourceType": "Medication", "id": "m"}])
    write(folder / "Patient.ndjson", [b"{oops"])  # a malformed line: counted, said
    out = tmp_path / "out.csv"
    args = ["bulk", "screen", str(folder), "--out", str(out), "--engine", "spark"]
    result = CliRunner().invoke(app, [*args, "--as-of", "2024-06-15", "--json"])
    assert result.exit_code == 0, result.output
    summary = orjson.loads(result.stdout)
    assert summary["engine"] == "spark" and summary["patients"] == 0
    assert summary["input"]["malformed_lines"] == 1
    assert out.read_text().splitlines() == [
        "patient_id,verdict,indicated,indications,present,unknown,missing"
    ]
    args = ["bulk", "screen", str(broken_export), "--out", str(out), "--engine", "spark"]
    strict = CliRunner().invoke(app, [*args, "--strict"])
    assert strict.exit_code == 1
    assert "Patient.000.ndjson: line 31: not valid JSON" in strict.output
    assert "Traceback" not in strict.output


@pytest.fixture
def named_and_shared_export(named_export, shared_export, tmp_path) -> Path:
    """The two small exports of tests/bulk/conftest.py as one (their patients' ids differ;
    a file both have holds the lines of each): one Spark screening reads both."""
    folder = tmp_path / "both"
    folder.mkdir()
    for source in (named_export, shared_export[0]):
        for path in sorted(source.iterdir()):
            with open(folder / path.name, "ab") as joined:
                joined.write(path.read_bytes())
    return folder


def test_spark_reads_references_words_a_documents_binary_and_a_responses_form(
    spark, named_and_shared_export, tmp_path
):
    """As on DuckDB (tests/bulk/test_ndjson.py): the words of a report's result count only
    for the patients whose record does not hold the Observation named (p2, p3); and
    Binary.ndjson and Questionnaire.ndjson are read by the executors, so a note's Binary (a)
    and a form's questions (b) count."""
    folder = named_and_shared_export
    screen_export_spark(folder, tmp_path / "out.ndjson", KB, AS_OF, spark=spark)
    rows = [orjson.loads(line) for line in (tmp_path / "out.ndjson").read_bytes().splitlines()]
    by_id = {row["patient_id"]: row for row in rows}
    records = list(iter_records(folder, reader_measures(KB)))
    assert len(records) == len(by_id) == 7
    for record in records:
        expected = engine_row(screen_record(record, KB, AS_OF))
        assert {k: by_id[record.patient.id][k] for k in expected} == expected, record.patient.id
    named = {pid for pid, row in by_id.items() if "cauda_equina" in row["unknown"]}
    assert named == {"p2", "p3", "a", "b"}
    assert "oncology" not in by_id["p4"]["unknown"]  # the superseded note, replaced
