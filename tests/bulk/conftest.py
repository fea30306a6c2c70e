"""Fixtures for bulk screening: the Synthea set as a Bulk export, a Spark cluster."""

from __future__ import annotations

import os
import pickle
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from spinecare.fhir.ndjson import Tally
from spinecare.record.model import PatientRecord
from tests.conftest import DATA


@contextmanager
def shared(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[tuple[Path, bool]]:
    """A folder shared by this run's test processes (pytest-xdist's workers) under a lock:
    ``(folder, made)``, where ``made`` says another process (or an earlier test) filled it
    already. What fills it is written once per run, however many workers need it."""
    from filelock import FileLock

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, above each worker's own
    folder = root / name
    with FileLock(str(root / f"{name}.lock")):
        done = folder / ".done"
        made = done.exists()
        if not made:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
        yield folder, made
        done.touch()


@pytest.fixture(scope="session")
def synthea_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 585 Synthea patients converted into an export folder once per test run."""
    from spinecare.fhir.ndjson import bundles_to_ndjson

    source = DATA / "synthea" / "r4-bundles-2019"
    if not source.is_dir():
        pytest.fail(f"third-party test data not found at {source}")
    with shared(tmp_path_factory, "synthea-export") as (out, made):
        if not made:
            bundles_to_ndjson([source], out)
    return out


@pytest.fixture(scope="session")
def synthea_records(
    synthea_export: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[PatientRecord], Tally]:
    """The export's records as the in-process reader reads them, with its tally: read once
    per test run (about 15 seconds) and kept for the run's other test processes."""
    from spinecare.core import reader_measures
    from spinecare.fhir.ndjson import iter_records
    from spinecare.kb import load_kb

    with shared(tmp_path_factory, "synthea-records") as (folder, made):
        kept = folder / "records.pickle"
        if made:
            records, tally = pickle.loads(kept.read_bytes())
        else:
            tally = Tally()
            records = list(iter_records(synthea_export, reader_measures(load_kb()), tally))
            kept.write_bytes(pickle.dumps((records, tally), protocol=pickle.HIGHEST_PROTOCOL))
    return records, tally


def _spark_available() -> str | None:
    """Why Spark cannot run here (None when it can)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed"
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        return "no Java runtime (java on PATH or JAVA_HOME)"
    return None


_JIT = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
TEST_JVM_SETTINGS = {
    "spark.driver.extraJavaOptions": _JIT,
    "spark.executor.extraJavaOptions": _JIT,
    "spark.sql.codegen.cache.maxEntries": "2000",
}
"""How the test cluster's JVMs run (the driver and both executors): compiled by the quick
JIT compiler alone, with one garbage-collector thread, and every class generated for the
screening's queries kept for the next query (the screening's plan generates more than the
default 100, so each query compiled them all again). A test's JVM lives for minutes on two
cores: the optimising JIT compiler and parallel GC threads cost it more CPU than they save.
None of it changes a result: the same plans run, with the same generated code."""


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory):
    """One Spark session for a test module (stopped after it: its JVMs would take the
    CPU from the tests that follow), on a cluster of two worker processes
    (``local-cluster``: a master and two executors, each its own JVM), on 127.0.0.1.

    Spark's home is a scratch folder that links to the PySpark package, so the executors'
    working folders and logs stay out of the installed package. Its settings
    (:data:`TEST_JVM_SETTINGS`) make the JVMs cheap to run for the seconds a test takes;
    they change nothing that Spark computes. Without Java or PySpark the Spark tests are
    skipped, except on CI (CI=true), where they fail: CI must run them.
    """
    why = _spark_available()
    if why is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Spark tests cannot run on CI: {why}")
        pytest.skip(f"Spark unavailable: {why}")
    import pyspark

    from spinecare.bulk.spark import get_session

    package = Path(pyspark.__file__).parent
    home = tmp_path_factory.mktemp("spark-home")
    for item in package.iterdir():
        if item.name != "work":
            (home / item.name).symlink_to(item)
    (home / "conf").mkdir()
    (home / "conf" / "spark-defaults.conf").write_text(
        "".join(f"{key} {value}\n" for key, value in TEST_JVM_SETTINGS.items())
    )
    saved = {key: os.environ.get(key) for key in ("SPARK_HOME", "SPARK_CONF_DIR", "SPARK_LOCAL_IP")}
    os.environ["SPARK_HOME"] = str(home)
    os.environ["SPARK_CONF_DIR"] = str(home / "conf")
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    session = get_session("local-cluster[2,1,1024]", small=True)
    tracker = session.sparkContext._jsc.sc().statusTracker()
    deadline = time.monotonic() + 120
    while len(tracker.getExecutorInfos()) < 3:  # the driver and both executors
        if time.monotonic() > deadline:
            pytest.fail("the two Spark executors did not register")
        time.sleep(0.2)
    yield session
    session.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "spark: runs on a local Apache Spark session")


def report_naming(pid: str, rid: str, target: str) -> dict:
    """An MRI report whose result is a Reference to ``target`` with words that name a red
    flag: read, to confirm, only where the record does not hold ``target``."""
    return {
        "resourceType": "DiagnosticReport",
        "id": rid,
        "status": "final",
        "subject": {"reference": f"Patient/{pid}"},
        "code": {"text": "MRI lumbar spine"},
        "effectiveDateTime": "2024-06-10",
        "result": [{"reference": target, "display": "Cauda equina compression"}],
    }


@pytest.fixture
def named_export(tmp_path: Path) -> Path:
    """p1's report names an Observation p1 holds ("no abnormality"); p2's names one the
    export does not hold; p3's names p1's Observation, not p3's own; p4's names a document
    that another of p4's documents replaces."""
    folder = tmp_path / "named"
    folder.mkdir()
    seen = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": {"text": "MRI finding"},
        "effectiveDateTime": "2024-06-10",
        "valueString": "No abnormality",
    }
    old = {
        "resourceType": "DocumentReference",
        "id": "d1",
        "status": "superseded",
        "subject": {"reference": "Patient/p4"},
        "content": [
            {"attachment": {"contentType": "text/plain", "data": "TWV0YXN0YXRpYyBjYW5jZXI="}}
        ],
    }
    new = {
        "resourceType": "DocumentReference",
        "id": "d2",
        "status": "current",
        "subject": {"reference": "Patient/p4"},
        "relatesTo": [{"code": "replaces", "target": {"reference": "DocumentReference/d1"}}],
        "content": [{"attachment": {"contentType": "text/plain", "data": "Tm8gbWFsaWduYW5jeQ=="}}],
    }
    from tests.bulk.test_ndjson import bp, patient, write

    write(folder / "Patient.ndjson", [patient(p) for p in ("p1", "p2", "p3", "p4")])
    write(
        folder / "Observation.ndjson",
        [seen, *(bp(p, f"bp{p}", 120) for p in ("p1", "p2", "p3", "p4"))],
    )
    write(
        folder / "DiagnosticReport.ndjson",
        [
            report_naming("p1", "r1", "Observation/o1"),
            report_naming("p2", "r2", "Observation/o2"),
            report_naming("p3", "r3", "Observation/o1"),
        ],
    )
    write(folder / "DocumentReference.ndjson", [old, new])
    return folder


@pytest.fixture
def shared_export(tmp_path: Path) -> tuple[Path, dict[str, list[dict]], list[dict]]:
    """An export whose patient a has a note whose content is a Binary of Binary.ndjson,
    patient b a form's answers by linkId alone whose form is in Questionnaire.ndjson (each
    naming a cauda equina), patient c neither: (folder, each patient's resources, the
    shared resources)."""
    import base64

    from tests.bulk.test_ndjson import patient, write

    note = base64.b64encode(b"Cauda equina syndrome suspected").decode()
    binary = {"resourceType": "Binary", "id": "bin1", "contentType": "text/plain", "data": note}
    form = {
        "resourceType": "Questionnaire",
        "id": "q1",
        "status": "active",
        "item": [
            {
                "linkId": "1",
                "type": "boolean",
                "text": "Numbness in the saddle area (groin, buttocks)?",
            }
        ],
    }
    document = {
        "resourceType": "DocumentReference",
        "id": "d-a",
        "status": "current",
        "subject": {"reference": "Patient/a"},
        "date": "2026-11-19",
        "content": [{"attachment": {"contentType": "text/plain", "url": "Binary/bin1"}}],
    }
    answers = {
        "resourceType": "QuestionnaireResponse",
        "id": "r-b",
        "status": "completed",
        "subject": {"reference": "Patient/b"},
        # named by its address on the EHR's server: found by its last two parts
        "questionnaire": "https://ehr.example/fhir/Questionnaire/q1",
        "authored": "2026-11-19",
        "item": [{"linkId": "1", "answer": [{"valueBoolean": True}]}],
    }
    folder = tmp_path / "shared"
    folder.mkdir()
    write(folder / "Patient.ndjson", [patient("a"), patient("b"), patient("c")])
    write(folder / "Binary.ndjson", [binary])
    write(folder / "Questionnaire.ndjson", [form])
    write(folder / "DocumentReference.ndjson", [document])
    write(folder / "QuestionnaireResponse.ndjson", [answers])
    return folder, {"a": [document], "b": [answers], "c": []}, [binary, form]
