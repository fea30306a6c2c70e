"""Reading Bulk exports: file names, gzip, malformed lines, unknown patients, buckets."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from spinecare.bulk.duckdb import screen_export
from spinecare.core import reader_measures
from spinecare.engine.screening import screen_record
from spinecare.errors import InputError, RecordError
from spinecare.fhir.ndjson import (
    NdjsonError,
    Tally,
    bundles_to_ndjson,
    export_files,
    iter_records,
    iter_resources,
)
from spinecare.kb import load_kb
from tests.bulk.helpers import engine_row

KB = load_kb()
AS_OF = date(2024, 6, 15)


def patient(pid: str) -> dict:
    return {"resourceType": "Patient", "id": pid}


def bp(pid: str, oid: str, systolic: float, when: str = "2024-06-14") -> dict:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "subject": {"reference": f"Patient/{pid}"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
        "effectiveDateTime": when,
        "component": [
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                "valueQuantity": {"value": systolic, "unit": "mmHg", "code": "mm[Hg]"},
            },
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
                "valueQuantity": {"value": 80, "unit": "mmHg", "code": "mm[Hg]"},
            },
        ],
    }


def condition(pid: str, cid: str, code: str, system: str = "http://hl7.org/fhir/sid/icd-10"):
    return {
        "resourceType": "Condition",
        "id": cid,
        "subject": {"reference": f"Patient/{pid}"},
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": {"coding": [{"system": system, "code": code}]},
    }


def write(path: Path, lines: list, gz: bool = False) -> None:
    data = b"".join(
        (line if isinstance(line, bytes) else orjson.dumps(line)) + b"\n" for line in lines
    )
    path.write_bytes(gzip.compress(data) if gz else data)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    folder.mkdir()
    write(folder / "Patient.000.ndjson", [patient("a"), patient("b")])
    write(folder / "Patient.001.ndjson.gz", [patient("c")], gz=True)
    write(
        folder / "Observation.ndjson",
        [
            bp("a", "o1", 185),
            b"{not json",
            bp("b", "o2", 120),
            bp("ghost", "o3", 150),
            b"[1, 2]",
        ],
    )
    write(
        folder / "Condition.ndjson.gz",
        [
            condition("a", "c1", "M51.16"),
            condition("c", "c2", "C50.9"),
            {
                "resourceType": "Condition",
                "id": "bad",
                "subject": {"reference": "Patient/b"},
                "onsetDateTime": "yesterday",
                "bodySite": [3],
                "code": {"coding": [{"code": "C50"}]},
            },
        ],
        gz=True,
    )
    write(folder / "Coverage.ndjson", [{"resourceType": "Coverage", "id": "i"}])
    return folder


def test_export_files_order_and_names(export):
    names = [(kind, path.name) for kind, path in export_files(export)]
    assert names == [
        ("Patient", "Patient.000.ndjson"),
        ("Patient", "Patient.001.ndjson.gz"),
        ("Condition", "Condition.ndjson.gz"),
        ("Observation", "Observation.ndjson"),
    ]


def test_files_named_as_tools_name_them_are_read_and_others_said(tmp_path):
    """Type names in any case, parts after "_", several part numbers, JSON Lines and a
    byte order mark before the first line are an export's files; a file named otherwise
    (a compression the reader does not open, a note) is counted and said, never passed
    over in silence."""
    folder = tmp_path / "export"
    folder.mkdir()
    write(folder / "patient.ndjson", [patient("a")])
    bom = b"\xef\xbb\xbf" + orjson.dumps(condition("a", "c1", "G83.4")) + b"\n"
    (folder / "Condition_2.ndjson").write_bytes(bom)
    write(folder / "Condition.001.002.jsonl", [condition("a", "c2", "M51.16")])
    (folder / "Condition.ndjson.bz2").write_bytes(b"BZh9")
    (folder / "readme.txt").write_text("export of 2026-11-20")
    (folder / "deleted").mkdir()  # a _since export's deleted resources
    write(folder / "deleted" / "Condition.ndjson", [{"resourceType": "Bundle", "type": "batch"}])
    names = sorted(path.name for _, path in export_files(folder))
    assert names == ["Condition.001.002.jsonl", "Condition_2.ndjson", "patient.ndjson"]
    tally = Tally()
    ids = sorted(r["id"] for r, _ in iter_resources(folder, tally))
    assert ids == ["a", "c1", "c2"] and tally.malformed == 0
    result = screen_export(folder, tmp_path / "out.parquet", KB, AS_OF, workers=1)
    assert result.tally.files_not_read == 3
    said = " ".join(result.tally.problems)
    assert "Condition.ndjson.bz2" in said and "readme.txt" in said
    assert "deleted: not read: a folder" in said
    assert result.verdicts == {"refer_urgently": 1}


def test_medication_files_lines_are_counted_once_and_stop_a_strict_run(tmp_path):
    """The Medication files are read by every worker for the drugs they name; a bad line
    in them is counted and reported once, and stops a strict run, as any file's."""
    folder = tmp_path / "export"
    folder.mkdir()
    write(folder / "Patient.ndjson", [patient("a")])
    write(folder / "Medication.ndjson", [{"resourceType": "Medication", "id": "m1"}, b"{oops"])
    result = screen_export(folder, tmp_path / "out.parquet", KB, AS_OF, workers=2)
    assert result.tally.malformed == 1
    assert sum("Medication.ndjson: line 2" in p for p in result.tally.problems) == 1
    with pytest.raises(NdjsonError) as raised:
        screen_export(folder, tmp_path / "strict.parquet", KB, AS_OF, workers=2, strict=True)
    assert "Medication.ndjson" in raised.value.one_line()


def test_a_patient_reference_written_loosely_is_the_patient(tmp_path):
    """ "Patient/a/", " Patient/a", "patient/a" and a Condition's "patient" name patient a,
    as the single-patient reader reads them."""
    folder = tmp_path / "export"
    folder.mkdir()
    write(folder / "Patient.ndjson", [patient("a")])
    written = ["Patient/a/", " Patient/a", "patient/a"]
    lines = [
        {**condition("a", f"c{i}", "G83.4"), "subject": {"reference": ref}}
        for i, ref in enumerate(written)
    ]
    loose = condition("a", "c9", "G83.4")
    lines.append(
        {**{k: v for k, v in loose.items() if k != "subject"}, "patient": loose["subject"]}
    )
    write(folder / "Condition.ndjson", lines)
    result = screen_export(folder, tmp_path / "out.parquet", KB, AS_OF, workers=1)
    assert result.tally.no_patient == 0 and result.tally.unknown_patient == 0
    assert result.verdicts == {"refer_urgently": 1}


def test_a_patients_id_written_alone_is_that_patient_and_an_unknown_one_is_said(tmp_path):
    """A subject written as the patient's id alone ("a", not "Patient/a") names the export's
    Patient of that id, as the single-patient reader takes it as its patient's: the
    metastases count (the patient was allowed); an id alone that no Patient has is an
    unknown patient, counted and said."""
    folder = tmp_path / "export"
    folder.mkdir()
    write(folder / "Patient.ndjson", [patient("a"), patient("b")])
    write(
        folder / "Condition.ndjson",
        [
            {**condition("a", "c1", "C79.5"), "subject": {"reference": "a"}},
            {**condition("x", "c2", "C79.5"), "subject": {"reference": "ghost"}},
        ],
    )
    result = screen_export(folder, tmp_path / "out.ndjson", KB, AS_OF, workers=1)
    assert result.tally.no_patient == 0 and result.tally.unknown_patient == 1
    assert any("ghost" in p for p in result.tally.problems)
    rows = {
        row["patient_id"]: row
        for row in map(orjson.loads, (tmp_path / "out.ndjson").read_bytes().splitlines())
    }
    assert rows["a"]["verdict"] == "refer_urgently"
    for record in iter_records(folder, reader_measures(KB)):
        expected = engine_row(screen_record(record, KB, AS_OF))
        assert {k: rows[record.patient.id][k] for k in expected} == expected


@pytest.mark.parametrize("workers", [1, 2])
def test_a_patient_written_twice_is_its_first_line_as_the_reader_reads_it(tmp_path, workers):
    """Two Patient lines of one id: the first is the patient (the reader keeps the first
    Patient of an id), whichever process reads which line: one row each, alive or not as
    its first line says."""
    folder = tmp_path / "export"
    folder.mkdir()
    dead = {"deceasedBoolean": True}
    write(
        folder / "Patient.ndjson",
        [patient("a"), {**patient("b"), **dead}, {**patient("a"), **dead}, patient("b")]
        + [patient(f"x{i}") for i in range(50)],
    )
    write(
        folder / "Condition.ndjson", [condition("a", "c1", "G83.4"), condition("b", "c2", "G83.4")]
    )
    out = tmp_path / "out.ndjson"
    result = screen_export(folder, out, KB, AS_OF, workers=workers)
    rows = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert sorted(row["patient_id"] for row in rows if row["patient_id"] in "ab") == ["a"]
    assert len(rows) == 51 and result.deceased == 1
    records = {r.patient.id: r for r in iter_records(folder, reader_measures(KB))}
    assert records["b"].patient.deceased and not records["a"].patient.deceased


@pytest.mark.parametrize("workers", [1, 2])
def test_a_patient_written_twice_with_two_birth_dates_has_none(tmp_path, workers):
    """Two Patient lines of one id with two birth dates (a corrected version beside the
    first): the date of birth is to confirm, in bulk as in the reader (the first line's
    was used, in silence); the same date twice is that date."""
    folder = tmp_path / "export"
    folder.mkdir()
    born = [("a", "1970-03-14"), ("a", "2008-01-01"), ("b", "1950-05-05"), ("b", "1950-05-05")]
    write(
        folder / "Patient.ndjson",
        [{**patient(pid), "birthDate": day} for pid, day in born]
        + [patient("c")]
        + [{**patient("c"), "birthDate": "1950-05-05"}],
    )
    write(folder / "Condition.ndjson", [condition(p, f"c{p}", "M54.5") for p in "abc"])
    out = tmp_path / "out.ndjson"
    screen_export(folder, out, KB, AS_OF, workers=workers)
    rows = {r["patient_id"]: r for r in map(orjson.loads, out.read_bytes().splitlines())}
    records = {r.patient.id: r for r in iter_records(folder, reader_measures(KB))}
    assert records["a"].patient.birth_date is None
    assert records["b"].patient.birth_date == date(1950, 5, 5)
    assert "birth_date" in rows["a"]["missing"]
    for pid, record in records.items():
        expected = engine_row(screen_record(record, KB, AS_OF))
        assert {k: rows[pid][k] for k in expected} == expected, pid


@pytest.mark.parametrize("workers", [1, 2])
def test_resources_under_an_id_a_patient_links_are_that_patients(tmp_path, workers):
    """A record merged into another (``Patient.link``) leaves resources naming the old id:
    they are the linking patient's, as the reader reads them in a Bundle, in bulk and in
    the in-process reading alike; an id two patients link, or one that is a patient of its
    own, is not taken."""
    folder = tmp_path / "export"
    folder.mkdir()

    def linking(pid: str, *others: str) -> dict:
        links = [{"other": {"reference": f"Patient/{o}"}, "type": "replaces"} for o in others]
        return {**patient(pid), "link": links}

    write(
        folder / "Patient.ndjson",
        [linking("a", "old-a"), linking("b", "both"), linking("c", "both", "d"), patient("d")],
    )
    write(
        folder / "Condition.ndjson",
        [condition(named, f"c{i}", "G83.4") for i, named in enumerate(["old-a", "both", "d"])],
    )
    out = tmp_path / "out.ndjson"
    result = screen_export(folder, out, KB, AS_OF, workers=workers)
    rows = {
        row["patient_id"]: row["verdict"]
        for row in map(orjson.loads, out.read_bytes().splitlines())
    }
    assert rows["a"] == rows["d"] == "refer_urgently"
    assert rows["b"] != "refer_urgently" and rows["c"] != "refer_urgently"
    assert result.tally.unknown_patient == 1  # "both"
    tally = Tally()
    records = {r.patient.id: r for r in iter_records(folder, reader_measures(KB), tally)}
    assert {pid: screen_record(r, KB, AS_OF).verdict for pid, r in records.items()} == rows
    assert tally.unknown_patient == 1


def fever(pid: str, oid: str, reference: str | None = None) -> dict:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "subject": {"reference": reference or f"Patient/{pid}"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]},
        "effectiveDateTime": "2024-06-15",
        "valueQuantity": {"value": 39.2, "unit": "Cel", "code": "Cel"},
    }


@pytest.mark.parametrize("workers", [1, 2])
def test_bulk_reads_bundles_drugs_named_as_r5_does_and_says_whose_patient_is_unknown(
    tmp_path, workers
):
    """A Bundle carried in the export (a file of its own, or a line of another file) is
    read as its resources, as the reader reads a Bundle inside a record; a drug named by
    R5's ``medication.reference`` is the Medication of the export; a patient reference
    with a space after it is the patient; a resource of a patient the export does not
    hold is reported with file and line. Bulk, the in-process reading and the
    single-patient screen agree."""
    folder = tmp_path / "export"
    folder.mkdir()
    write(folder / "Patient.ndjson", [patient(p) for p in "abcd"])
    inner = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": fever("a", "f1")}],
    }
    write(
        folder / "Bundle.ndjson",
        [{"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": inner}]}],
    )
    write(
        folder / "Observation.ndjson",
        [
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": fever("b", "f2")}],
            },
            fever("c", "f3", "Patient/c "),
            fever("ghost", "f4"),
        ],
    )
    write(
        folder / "Medication.ndjson",
        [
            {
                "resourceType": "Medication",
                "id": "m1",
                "code": {
                    "coding": [
                        {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "855288"}
                    ]
                },
            }
        ],
    )
    write(
        folder / "MedicationRequest.ndjson",
        [
            {
                "resourceType": "MedicationRequest",
                "id": "r1",
                "status": "active",
                "intent": "order",
                "subject": {"reference": "Patient/d"},
                "authoredOn": "2024-06-01",
                "medication": {"reference": {"reference": "Medication/m1"}},
            }
        ],
    )
    out = tmp_path / "out.ndjson"
    result = screen_export(folder, out, KB, AS_OF, workers=workers)
    rows = {r["patient_id"]: r for r in map(orjson.loads, out.read_bytes().splitlines())}
    assert [rows[p]["verdict"] for p in "abc"] == ["defer"] * 3
    assert "anticoagulant_therapy" in rows["d"]["present"]
    assert result.tally.unknown_patient == 1
    assert any("Observation.ndjson:3" in p and "ghost" in p for p in result.tally.problems)
    tally = Tally()
    records = {r.patient.id: r for r in iter_records(folder, reader_measures(KB), tally)}
    for pid, record in records.items():
        expected = engine_row(screen_record(record, KB, AS_OF))
        assert {k: rows[pid][k] for k in expected} == expected, pid
    assert tally.unknown_patient == 1


def test_a_type_not_read_is_counted_as_such_and_a_bom_before_any_line_is_read_past(tmp_path):
    """A resource of a type bulk does not read, in a file of one it reads (an
    ``Coverage``), is counted among the other types, as the in-process reading
    counts it, never as naming no patient; a type it reads written in lower case
    (``observation``) is read as that type, as the single-patient reader reads it; parts
    of an export joined into one file keep each part's byte order mark, read past as the
    first line's."""
    folder = tmp_path / "export"
    folder.mkdir()
    write(folder / "Patient.ndjson", [patient("a")])
    bom = b"\xef\xbb\xbf"
    lines = [
        {**fever("a", "f1"), "resourceType": "observation"},
        {"resourceType": "Coverage", "id": "x", "beneficiary": {"reference": "Patient/a"}},
        bom + orjson.dumps(fever("a", "f2")),
    ]
    write(folder / "Observation.ndjson", lines)
    result = screen_export(folder, tmp_path / "out.ndjson", KB, AS_OF, workers=1)
    assert result.tally.malformed == 0 and result.tally.no_patient == 0
    assert result.tally.other_types == {"Coverage": 1}
    assert result.tally.resources["Observation"] == 2
    assert result.verdicts == {"defer": 1}
    tally = Tally()
    list(iter_records(folder, reader_measures(KB), tally))
    assert tally.other_types == result.tally.other_types


def test_the_problems_listed_are_the_first_by_file_and_line_whatever_the_workers(tmp_path):
    """The 50 problems a run lists are the first ones by file and line, with one worker
    or two (each worker reads every other line and reports its own first ones)."""
    folder = tmp_path / "export"
    folder.mkdir()
    write(folder / "Patient.ndjson", [patient("a")])
    write(folder / "Observation.ndjson", [b"{not json"] * 97)
    listed = [
        screen_export(folder, tmp_path / f"out{w}.ndjson", KB, AS_OF, workers=w).tally.problems
        for w in (1, 2)
    ]
    assert listed[0] == listed[1]
    assert [p.split(": line ")[1].split(":")[0] for p in listed[0]] == [
        str(n) for n in range(1, 51)
    ]


def test_a_gzip_cut_short_keeps_the_lines_before_it(tmp_path):
    """A gzip file damaged part way: the lines before the damage are read, the damage is
    one malformed part, said once; the other files and patients are screened (a strict
    run stops)."""
    folder = tmp_path / "export"
    folder.mkdir()
    write(folder / "Patient.ndjson", [patient("a"), patient("b")])
    lines = [condition("a", "c1", "G83.4")] + [
        condition("b", f"x{i}", "M51.16") for i in range(2000)
    ]
    data = gzip.compress(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    (folder / "Condition.ndjson.gz").write_bytes(data[: len(data) // 2])
    result = screen_export(folder, tmp_path / "out.parquet", KB, AS_OF, workers=2)
    assert result.tally.malformed == 1
    assert result.patients == 2 and result.verdicts.get("refer_urgently") == 1
    with pytest.raises(InputError):
        screen_export(folder, tmp_path / "strict.parquet", KB, AS_OF, workers=2, strict=True)


def test_malformed_lines_are_reported_with_file_and_line(export):
    tally = Tally()
    list(iter_resources(export, tally))
    assert tally.malformed == 2
    assert any("Observation.ndjson: line 2: not valid JSON" in p for p in tally.problems)
    assert any("Observation.ndjson: line 5: not a FHIR resource" in p for p in tally.problems)


def test_strict_stops_at_the_first_malformed_line(export):
    with pytest.raises(NdjsonError) as err:
        list(iter_resources(export, strict=True))
    assert "Observation.ndjson: line 2" in err.value.one_line()


def test_records_count_unknown_patients_and_bad_resources(export):
    tally = Tally()
    records = {r.patient.id: r for r in iter_records(export, reader_measures(KB), tally)}
    assert sorted(records) == ["a", "b", "c"]
    assert tally.unknown_patient == 1  # Observation o3 names Patient/ghost
    assert tally.bad_resources == 1  # Condition/bad: bodySite holds a number
    assert any("Condition.ndjson.gz:3" in p for p in tally.problems)
    assert tally.malformed == 2
    assert screen_record(records["a"], KB, AS_OF).verdict == "defer"


def test_bucketed_reading_equals_in_memory(export):
    direct = list(iter_records(export, reader_measures(KB)))
    bucketed = list(iter_records(export, reader_measures(KB), bucket_bytes=50))
    key = {r.patient.id: engine_row(screen_record(r, KB, AS_OF)) for r in direct}
    assert {r.patient.id: engine_row(screen_record(r, KB, AS_OF)) for r in bucketed} == key


def test_bulk_counts_what_it_skips_and_equals_engine(export, tmp_path):
    result = screen_export(export, tmp_path / "out.ndjson", KB, AS_OF, workers=2)
    assert result.patients == 3
    assert result.tally.malformed == 2
    assert result.tally.unknown_patient == 1
    assert result.tally.bad_resources == 1
    rows = [orjson.loads(line) for line in (tmp_path / "out.ndjson").read_bytes().splitlines()]
    by_id = {row["patient_id"]: row for row in rows}
    for record in iter_records(export, reader_measures(KB)):
        expected = engine_row(screen_record(record, KB, AS_OF))
        assert {k: by_id[record.patient.id][k] for k in expected} == expected


def test_bulk_strict_raises(export, tmp_path):
    with pytest.raises(InputError) as err:
        screen_export(export, tmp_path / "out.parquet", KB, AS_OF, strict=True, workers=1)
    # the Condition file is read before the Observation file: its bad resource stops the run
    assert "Condition.ndjson.gz: line 3: Condition/bad" in err.value.one_line()


def test_bundles_to_ndjson_rewrites_references(tmp_path):
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"fullUrl": "urn:uuid:p1", "resource": patient("p1")},
            {
                "fullUrl": "urn:uuid:c1",
                "resource": {
                    "resourceType": "Condition",
                    "id": "c1",
                    "subject": {"reference": "urn:uuid:p1"},
                    "code": {
                        "coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "M51.1"}]
                    },
                },
            },
        ],
    }
    src = tmp_path / "b.json.gz"
    src.write_bytes(gzip.compress(orjson.dumps(bundle)))
    counts = bundles_to_ndjson([src], tmp_path / "out")
    assert counts == {"Condition": 1, "Patient": 1}
    line = orjson.loads((tmp_path / "out" / "Condition.ndjson").read_bytes())
    assert line["subject"]["reference"] == "Patient/p1"
    with pytest.raises(RecordError):
        bad = tmp_path / "bad.json"
        bad.write_text('{"resourceType": "Patient"}')
        bundles_to_ndjson([bad], tmp_path / "out2")
    # a transaction's new resources have no id: each takes its full URL's uuid, and what
    # names it by that URL still finds it (the export named no patient at all)
    for entry in bundle["entry"]:
        entry["resource"] = {k: v for k, v in entry["resource"].items() if k != "id"}
    src.write_bytes(gzip.compress(orjson.dumps(bundle)))
    bundles_to_ndjson([src], tmp_path / "out3")
    written = orjson.loads((tmp_path / "out3" / "Patient.ndjson").read_bytes())
    line = orjson.loads((tmp_path / "out3" / "Condition.ndjson").read_bytes())
    assert written["id"] == "p1" and line["subject"]["reference"] == "Patient/p1"


def test_not_a_folder(tmp_path):
    with pytest.raises(InputError):
        export_files(tmp_path / "missing")


def _resources_of(path: Path) -> list[dict[str, Any]]:
    """The resources of a Bundle file (a single resource: itself), Patients left out."""
    raw = path.read_bytes()
    data = orjson.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
    if not isinstance(data, dict):
        return []
    entries = data.get("entry") if data.get("resourceType") == "Bundle" else [{"resource": data}]
    out: list[dict[str, Any]] = []
    for entry in entries or ():
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict) and resource.get("resourceType") != "Patient":
            out.append(resource)
    return out


def test_a_resource_that_gives_the_record_nothing_is_the_one_bulk_skips(kb, shared_data) -> None:
    """Bulk skips building a record of a resource when the reader's builder holds nothing
    of it: that must be exactly the resources whose record has no facts at all (every EHR
    fixture and Synthea resource)."""
    from spinecare.fhir.reader import RecordBuilder
    from spinecare.record.model import Patient

    measures = reader_measures(kb)
    paths = sorted((Path(__file__).parents[1] / "fixtures" / "ehr").glob("*.json"))
    paths += sorted((shared_data / "synthea").rglob("*.json.gz"))[:25]
    paths += sorted((shared_data / "fhir-examples").glob("*.json"))
    empty = held = 0
    for path in paths:
        for resource in _resources_of(path):
            builder = RecordBuilder(measures, "-", Patient("p"))
            builder.add(resource)
            record = builder.build()
            facts = [
                record.conditions,
                record.observations,
                record.medications,
                record.procedures,
                record.orders,
                record.answers,
                record.clearances,
                record.ignored,
                record.coded_observations,
            ]
            if builder.holds_facts():
                held += 1
            else:
                empty += 1
                assert not any(facts), (path.name, resource.get("resourceType"))
                assert not builder.unreadable
    assert empty > 1000 and held > 1000, (empty, held)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_drug_known_by_its_ingredients_of_the_export_is_read_as_in_a_bundle(tmp_path, workers):
    """A drug whose Medication is coded by its form only and names its ingredient by
    reference to a Substance or another Medication of the export (their own files) is
    known by that ingredient, in bulk and in the in-process reading, as the single-patient
    reader reads the same resources in a Bundle."""
    from spinecare.fhir.reader import read_bundle

    rxnorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
    warfarin = {"coding": [{"system": rxnorm, "code": "11289", "display": "warfarin"}]}
    tablet = {"coding": [{"system": "http://snomed.info/sct", "code": "385055001"}]}

    def tablet_of(mid: str, ingredient: str) -> dict:
        return {
            "resourceType": "Medication",
            "id": mid,
            "code": tablet,
            "ingredient": [{"itemReference": {"reference": ingredient}}],
        }

    def order(pid: str, mid: str) -> dict:
        return {
            "resourceType": "MedicationRequest",
            "id": f"r-{pid}",
            "status": "active",
            "intent": "order",
            "subject": {"reference": f"Patient/{pid}"},
            "authoredOn": "2024-06-01",
            "medicationReference": {"reference": f"Medication/{mid}"},
        }

    substance = {"resourceType": "Substance", "id": "s1", "code": warfarin}
    drug = {"resourceType": "Medication", "id": "w1", "code": warfarin}
    medications = [tablet_of("t1", "Substance/s1"), tablet_of("t2", "Medication/w1"), drug]
    folder = tmp_path / "export"
    folder.mkdir()
    write(folder / "Patient.ndjson", [patient("a"), patient("b"), patient("c")])
    write(folder / "Medication.ndjson", medications)
    write(folder / "Substance.ndjson", [substance])
    write(folder / "MedicationRequest.ndjson", [order("a", "t1"), order("b", "t2")])
    out = tmp_path / "out.ndjson"
    result = screen_export(folder, out, KB, AS_OF, workers=workers)
    rows = {r["patient_id"]: r for r in map(orjson.loads, out.read_bytes().splitlines())}
    assert "anticoagulant_therapy" in rows["a"]["present"]
    assert "anticoagulant_therapy" in rows["b"]["present"]
    assert "anticoagulant_therapy" not in rows["c"]["present"]
    assert result.tally.other_types == {}
    records = {r.patient.id: r for r in iter_records(folder, reader_measures(KB), Tally())}
    for pid in "abc":
        held = [order(pid, "t1" if pid == "a" else "t2")] if pid != "c" else []
        bundle = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": r} for r in [patient(pid), *held, *medications, substance]],
        }
        single = engine_row(screen_record(read_bundle(bundle, reader_measures(KB)), KB, AS_OF))
        assert engine_row(screen_record(records[pid], KB, AS_OF)) == single, pid
        assert {k: rows[pid][k] for k in single} == single, pid


@pytest.mark.parametrize("workers", [1, 2])
def test_a_documents_binary_and_a_responses_form_of_the_export_are_read_as_in_a_bundle(
    shared_export, tmp_path, workers
):
    """A note whose content links to a Binary of the export (Binary.ndjson), and a form's
    answers given by linkId alone with the form in Questionnaire.ndjson, are read in bulk
    and in the in-process reading as the single-patient reader reads them in a Bundle: the
    files were passed over, and bulk said allowed where the record names a cauda equina."""
    from spinecare.fhir.reader import read_bundle

    folder, held, shared = shared_export
    out = tmp_path / "out.ndjson"
    screen_export(folder, out, KB, AS_OF, workers=workers)
    rows = {r["patient_id"]: r for r in map(orjson.loads, out.read_bytes().splitlines())}
    assert {pid for pid, row in rows.items() if "cauda_equina" in row["unknown"]} == {"a", "b"}
    records = {r.patient.id: r for r in iter_records(folder, reader_measures(KB), Tally())}
    for pid in "abc":
        bundle = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": r} for r in [patient(pid), *held[pid], *shared]],
        }
        single = engine_row(screen_record(read_bundle(bundle, reader_measures(KB)), KB, AS_OF))
        assert engine_row(screen_record(records[pid], KB, AS_OF)) == single, pid
        assert {k: rows[pid][k] for k in single} == single, pid


def test_bulk_reads_a_references_words_where_the_export_does_not_hold_what_it_names(
    named_export, tmp_path
):
    """Bulk reads one resource at a time: whether the export holds what a reference names
    (another file, another patient) is found once the export is read, as the reader finds
    it in a patient's record."""
    result = screen_export(named_export, tmp_path / "out.ndjson", KB, AS_OF, workers=2)
    rows = [orjson.loads(line) for line in (tmp_path / "out.ndjson").read_bytes().splitlines()]
    by_id = {row["patient_id"]: row for row in rows}
    records = list(iter_records(named_export, reader_measures(KB)))
    assert result.patients == len(records) == 4
    for record in records:
        expected = engine_row(screen_record(record, KB, AS_OF))
        assert {k: by_id[record.patient.id][k] for k in expected} == expected, record.patient.id
    held = {pid for pid, row in by_id.items() if "cauda_equina" in row["unknown"]}
    assert held == {"p2", "p3"}
    assert "oncology" not in by_id["p4"]["unknown"]  # the superseded note, replaced


def test_two_medications_of_one_id_are_read_as_both_to_confirm(tmp_path):
    """Exports joined with a Medication id reused (warfarin, then paracetamol as med1):
    neither patient's drug is taken as the last line's in silence (the warfarin patient
    was allowed); each is read with the words of both, to confirm, and the clash is
    reported with its file and line."""
    folder = tmp_path / "export"
    folder.mkdir()
    write(folder / "Patient.ndjson", [patient("a"), patient("b")])
    write(
        folder / "MedicationStatement.ndjson",
        [
            {
                "resourceType": "MedicationStatement",
                "id": f"s-{pid}",
                "status": "active",
                "subject": {"reference": f"Patient/{pid}"},
                "medicationReference": {"reference": "Medication/med1"},
                "effectiveDateTime": "2024-06-01",
            }
            for pid in ("a", "b")
        ],
    )
    rx = "http://www.nlm.nih.gov/research/umls/rxnorm"
    write(
        folder / "Medication.ndjson",
        [
            {
                "resourceType": "Medication",
                "id": "med1",
                "code": {
                    "coding": [
                        {
                            "system": rx,
                            "code": "855332",
                            "display": "Warfarin Sodium 5 MG Oral Tablet",
                        }
                    ]
                },
            },
            {
                "resourceType": "Medication",
                "id": "med1",
                "code": {
                    "coding": [
                        {
                            "system": rx,
                            "code": "313782",
                            "display": "Acetaminophen 325 MG Oral Tablet",
                        }
                    ]
                },
            },
        ],
    )
    result = screen_export(folder, tmp_path / "out.ndjson", KB, AS_OF, workers=1)
    assert "allowed" not in result.verdicts
    assert any("Medication.ndjson:2" in p and "written twice" in p for p in result.tally.problems)
