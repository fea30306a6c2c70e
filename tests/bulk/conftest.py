"""Fixtures for bulk screening: the Synthea set as a Bulk export, a Spark session."""

from __future__ import annotations

import os
import shutil
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


@pytest.fixture(scope="session")
def spark():
    """One local SparkSession for the whole test session.

    Without Java or PySpark the Spark tests are skipped, except on CI (CI=true), where
    they fail: CI must run them.
    """
    why = _spark_available()
    if why is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Spark tests cannot run on CI: {why}")
        pytest.skip(f"Spark unavailable: {why}")
    from spinecare.bulk.spark import get_session

    session = get_session("local[2]", small=True)
    yield session
    session.stop()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "spark: runs on a local Apache Spark session")
