"""Records written the way real EHRs write them (tests/fixtures/ehr, made by
tools/make_ehr_fixtures.py): each gets the verdict DESIGN.md section 3 implies, never a
milder one, and the CLI and bulk screening (DuckDB) give the same screening."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from spinecare import screen
from spinecare.engine.screening import SEVERITY
from spinecare.wording import evidence_text
from tests.bulk.helpers import bulk_row, engine_row
from tests.conftest import AS_OF, FIXTURES, as_patient, cli_json

EHR = FIXTURES / "ehr"
EXPECTED: dict[str, dict[str, str]] = yaml.safe_load(
    (EHR / "expected.yaml").read_text(encoding="utf-8")
)["cases"]


def test_there_are_at_least_a_hundred_cases_each_with_its_file() -> None:
    assert len(EXPECTED) >= 100
    assert {p.stem for p in EHR.glob("*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_verdict_is_the_one_design_implies(name: str) -> None:
    expected = EXPECTED[name]["verdict"]
    result = screen(EHR / f"{name}.json", as_of=AS_OF)
    assert result.verdict == expected, (EXPECTED[name]["why"], result.to_json()["findings"])
    # and never milder, for the record
    assert SEVERITY[result.verdict] <= SEVERITY[expected]


def test_unknown_findings_say_what_to_confirm() -> None:
    result = screen(EHR / "text_metastatic_breast_cancer.json", as_of=AS_OF).to_json()
    (finding,) = [f for f in result["findings"] if f["concept"] == "oncology"]
    assert finding["certainty"] == "unknown"
    assert "found in text: 'metastatic breast cancer': confirm" in finding["evidence"][0]["note"]
    assert [m["item"] for m in result["missing"]] == ["record_to_confirm"]
    coded = screen(EHR / "icd10_shaped_code_without_system.json", as_of=AS_OF).to_json()
    notes = [e["note"] for f in coded["findings"] for e in f["evidence"]]
    assert any("code 'C50.9' in no known code system: confirm" in n for n in notes)


def test_a_reading_set_aside_is_named_where_the_measure_is_missing() -> None:
    result = screen(EHR / "temperature_degf_implausible.json", as_of=AS_OF).to_json()
    why = {m["item"]: m["why"] for m in result["missing"]}
    assert "Set aside: 38.1 °F is not a plausible value." in why["body_temperature"]


@pytest.mark.parametrize(
    "name",
    [
        "snomed_congestive_heart_failure",
        "mkb10_oid_breast_cancer",
        "text_russian_breast_cancer",
        "two_bp_same_day_later_high",
        "temperature_unconvertible_unit",
        "active_with_past_abatement",
        "mkb10_cyrillic_letter_breast_cancer",
        "medication_bundled_branded_drug",
        "text_russian_metastases_without_deficit",
        "platelets_unconvertible_unit",
        "temperature_malformed_date",
        "questionnaire_in_progress_saddle_yes",
        "questionnaire_stopped_bladder_yes",
        "questionnaire_in_progress_temperature_high",
        "dispense_days_supply_4_weeks",
        "dispense_days_supply_unreadable_unit",
    ],
)
def test_the_cli_gives_the_library_screening(name: str) -> None:
    printed = cli_json(
        "screen", EHR / f"{name}.json", "--as-of", AS_OF.isoformat(), "--format", "json"
    )
    assert printed == json.loads(json.dumps(screen(EHR / f"{name}.json", as_of=AS_OF).to_json()))


def test_a_yes_on_a_form_not_finished_is_a_red_flag_to_confirm() -> None:
    result = screen(EHR / "questionnaire_in_progress_saddle_yes.json", as_of=AS_OF).to_json()
    (finding,) = [f for f in result["findings"] if f["concept"] == "cauda_equina"]
    assert finding["certainty"] == "unknown"
    assert finding["evidence"][0]["value"] == "yes, on a form not finished: confirm"
    assert [m["item"] for m in result["missing"]] == ["saddle_anaesthesia"]
    screening = screen(EHR / "questionnaire_in_progress_saddle_yes.json", as_of=AS_OF)
    shown = evidence_text(screening.findings[0].evidence[0], "ru")
    assert "да, в незаконченной анкете: подтвердите" in shown


def _export(tmp: Path) -> Path:
    """The fixtures as one Bulk export, each patient named after its case."""
    from spinecare.fhir.ndjson import bundles_to_ndjson

    bundles = tmp / "bundles"
    bundles.mkdir()
    for name in EXPECTED:
        text = (EHR / f"{name}.json").read_text(encoding="utf-8")
        (bundles / f"{name}.json").write_text(as_patient(text, name), encoding="utf-8")
    out = tmp / "export"
    bundles_to_ndjson([bundles], out)
    return out


def test_bulk_screening_gives_the_engine_screening_for_every_case(tmp_path: Path) -> None:
    from spinecare.bulk.duckdb import screen_export
    from spinecare.kb import load_kb

    kb = load_kb()
    out = tmp_path / "results.parquet"
    result = screen_export(_export(tmp_path), out, kb, AS_OF, workers=1)
    assert result.patients == len(EXPECTED)
    con = duckdb.connect()
    cursor = con.execute(f"SELECT * FROM read_parquet('{out}')")
    names = [d[0] for d in cursor.description]
    rows: dict[str, dict[str, Any]] = {
        r[0]: dict(zip(names, r, strict=True)) for r in cursor.fetchall()
    }
    differ = []
    for name in EXPECTED:
        expected = engine_row(screen(EHR / f"{name}.json", as_of=AS_OF))
        got = bulk_row(rows[name])
        if got != expected:
            differ.append((name, expected, got))
    assert not differ, differ[:3]
