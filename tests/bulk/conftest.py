"""Fixtures for bulk screening: the Synthea set as a Bulk export, a Spark cluster."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import DATA


@pytest.fixture(scope="session")
def synthea_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 585 Synthea patients converted once per session into an export folder."""
    from spinecare.fhir.ndjson import bundles_to_ndjson

    source = DATA / "synthea" / "r4-bundles-2019"
    if not source.is_dir():
        pytest.fail(f"third-party test data not found at {source}")
    out = tmp_path_factory.mktemp("synthea-export")
    bundles_to_ndjson([source], out)
    return out


def _spark_available() -> str | None:
    """Why Spark cannot run here (None when it can)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed"
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        return "no Java runtime (java on PATH or JAVA_HOME)"
    return None


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory):
    """One Spark session for a test module (stopped after it: its JVMs would take the
    CPU from the tests that follow), on a cluster of two worker processes
    (``local-cluster``: a master and two executors, each its own JVM), on 127.0.0.1.

    Spark's home is a scratch folder that links to the PySpark package, so the executors'
    working folders and logs stay out of the installed package. Without Java or PySpark
    the Spark tests are skipped, except on CI (CI=true), where they fail: CI must run them.
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
    saved = {key: os.environ.get(key) for key in ("SPARK_HOME", "SPARK_LOCAL_IP")}
    os.environ["SPARK_HOME"] = str(home)
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
