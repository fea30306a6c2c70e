"""``spinecare bulk screen``: outputs by suffix, summary, exit codes."""

from __future__ import annotations

import csv

import duckdb
import orjson
from typer.testing import CliRunner

from spinecare.cli import app
from tests.bulk.test_ndjson import export  # noqa: F401  (fixture)

runner = CliRunner()


def test_screen_writes_parquet_csv_ndjson(export, tmp_path):  # noqa: F811
    for name in ("out.parquet", "out.csv", "out.ndjson"):
        out = tmp_path / name
        result = runner.invoke(
            app, ["bulk", "screen", str(export), "--out", str(out), "--as-of", "2024-06-15"]
        )
        assert result.exit_code == 0, result.output
        assert "patients screened" in result.stdout
        assert "malformed lines skipped" in result.stdout
        assert out.exists()
    parquet = tmp_path / "out.parquet"
    assert duckdb.connect().execute(f"SELECT count(*) FROM '{parquet}'").fetchone()[0] == 3
    with open(tmp_path / "out.csv", newline="") as handle:
        rows = {row["patient_id"]: row for row in csv.DictReader(handle)}
    assert rows["a"]["verdict"] == "defer"
    assert "significant_hypertension" in rows["a"]["present"].split(";")
    lines = (tmp_path / "out.ndjson").read_bytes().splitlines()
    assert {orjson.loads(line)["patient_id"] for line in lines} == {"a", "b", "c"}


def test_json_summary(export, tmp_path):  # noqa: F811
    result = runner.invoke(
        app,
        [
            "bulk",
            "screen",
            str(export),
            "--out",
            str(tmp_path / "o.parquet"),
            "--as-of",
            "2024-06-15",
            "--json",
        ],
    )
    assert result.exit_code == 0
    summary = orjson.loads(result.stdout)
    assert summary["patients"] == 3
    assert summary["input"]["malformed_lines"] == 2
    assert summary["input"]["unknown_patient"] == 1


def test_exit_codes(export, tmp_path):  # noqa: F811
    out = str(tmp_path / "o.parquet")
    strict = runner.invoke(app, ["bulk", "screen", str(export), "--out", out, "--strict"])
    assert strict.exit_code == 1
    assert "ndjson" in strict.output and ": line " in strict.output
    missing = runner.invoke(app, ["bulk", "screen", str(tmp_path / "nope"), "--out", out])
    assert missing.exit_code == 1
    assert runner.invoke(app, ["bulk", "screen", str(export), "--out", "o.txt"]).exit_code == 2
    assert (
        runner.invoke(
            app, ["bulk", "screen", str(export), "--out", out, "--as-of", "June"]
        ).exit_code
        == 2
    )
    assert runner.invoke(app, ["bulk", "screen", str(export)]).exit_code == 2
