"""FHIR export: the Bundle and each resource validate against FHIR R4B models."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ehr"
SYNTHEA = "synthea/r4-bundles-2019"
PATIENTS = {
    "contraindicated": "Adolfo_Marquardt_50635536-8051-4085-bfd4-511a05062ac2.json.gz",
    "needs_clearance": "Adalberto_Hartmann_44ec4447-9e2c-4eb9-bd4f-0bdb416b806e.json.gz",
    "needs_data": "Abdul_Koepp_e925b0f3-8006-43f6-aa31-94bd215e55e7.json.gz",
}
AS_OF = date(2019, 6, 1)


def r4b_validate(bundle: dict) -> None:
    from fhir.resources.R4B import get_fhir_model_class

    get_fhir_model_class("Bundle").model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def _export(shared_data, kb, verdict: str, sessions=()):
    from spinecare.core import load_record
    from spinecare.engine.planning import plan_course
    from spinecare.engine.screening import screen_record
    from spinecare.fhir.export import export_bundle

    record = load_record(shared_data / SYNTHEA / PATIENTS[verdict], kb)
    screening = screen_record(record, kb, AS_OF)
    assert screening.verdict == verdict
    plan = plan_course(screening, record, kb)
    return screening, plan, export_bundle(record, screening, plan, sessions)


def _by_type(bundle: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for entry in bundle["entry"]:
        out.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return out


@pytest.mark.parametrize("verdict", sorted(PATIENTS))
def test_export_validates_against_r4b(shared_data, kb, verdict):
    screening, plan, bundle = _export(shared_data, kb, verdict)
    r4b_validate(bundle)
    resources = _by_type(bundle)
    (careplan,) = resources["CarePlan"]
    assert (
        careplan["status"]
        == {"ready": "active", "pending": "draft", "blocked": "on-hold"}[plan.status]
    )
    blocking = [
        f
        for f in screening.findings
        if f.certainty == "present"
        and f.counts
        and f.effect in {"refer_urgently", "contraindicated", "defer", "needs_clearance"}
    ]
    assert len(resources.get("DetectedIssue", [])) == len(blocking)
    for issue in resources.get("DetectedIssue", []):
        assert issue["patient"]["reference"] == bundle["entry"][0]["fullUrl"]


def test_contraindication_is_a_high_severity_detected_issue(shared_data, kb):
    _, _, bundle = _export(shared_data, kb, "contraindicated")
    severities = {i["severity"] for i in _by_type(bundle)["DetectedIssue"]}
    assert "high" in severities


DEMO_AS_OF = date(2026, 11, 22)


def _demo(kb, name: str):
    from spinecare.core import load_record
    from spinecare.demo import demo_files
    from spinecare.engine.planning import plan_course
    from spinecare.engine.screening import screen_record

    path = next(p for p in demo_files() if p.name.startswith(name))
    record = load_record(path, kb)
    screening = screen_record(record, kb, DEMO_AS_OF)
    return record, screening, plan_course(screening, record, kb)


@pytest.mark.parametrize("name", ["01-", "02-", "05-", "08-", "09-"])
def test_demo_patients_export_validates(kb, name):
    from spinecare.fhir.export import export_bundle

    record, screening, plan = _demo(kb, name)
    bundle = export_bundle(record, screening, plan)
    r4b_validate(bundle)
    (careplan,) = _by_type(bundle)["CarePlan"]
    if plan.status == "ready":
        assert len(careplan["activity"]) >= len(plan.modalities)
        timing = careplan["activity"][0]["detail"]["scheduledTiming"]["repeat"]
        assert timing["count"] == plan.course["sessions"]


def test_plan_activities_and_sessions_with_pain_scores(kb):
    from spinecare.fhir.export import export_bundle

    record, screening, plan = _demo(kb, "01-")
    assert plan.status == "ready"
    sessions = [
        {
            "id": "s1",
            "date": "2026-11-21",
            "minutes": 20,
            "zones": ["collar_zone"],
            "pain_before": 5,
            "pain_after": 3,
            "note": "tolerated well",
        },
        {"id": "s2", "date": date(2026, 11, 23), "pain_before": 4},
    ]
    bundle = export_bundle(record, screening, plan, sessions)
    r4b_validate(bundle)
    resources = _by_type(bundle)
    assert resources["CarePlan"][0]["status"] == "active"
    assert [p["id"] for p in resources["Procedure"]] == ["s1", "s2"]
    pains = resources["Observation"]
    assert [o["valueQuantity"]["value"] for o in pains] == [5, 3, 4]
    assert all(o["code"]["coding"][0]["code"] == "72514-3" for o in pains)
    urls = {e["resource"].get("id"): e["fullUrl"] for e in bundle["entry"]}
    assert pains[0]["partOf"][0]["reference"] == urls["s1"]


def test_cli_fhir_export_writes_a_valid_bundle(shared_data, tmp_path):
    out = tmp_path / "bundle.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "spinecare.cli",
            "fhir",
            "export",
            str(shared_data / SYNTHEA / PATIENTS["needs_clearance"]),
            "--as-of",
            "2019-06-01",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    r4b_validate(json.loads(out.read_text()))


def test_cli_fhir_export_bad_file_is_one_line_exit_1(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    result = subprocess.run(
        [sys.executable, "-m", "spinecare.cli", "fhir", "export", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "bad.json" in result.stderr


def test_a_reading_of_a_month_is_exported_with_its_month(kb):
    """A DetectedIssue names the facts that decided it with their dates: a blood pressure
    the record dates "2026-11" is of "2026-11" (it was written as 2026-11-01, a day the
    record never gave)."""
    from spinecare.core import load_record
    from spinecare.engine.planning import plan_course
    from spinecare.engine.screening import screen_record
    from spinecare.fhir.export import export_bundle

    record = load_record(FIXTURES / "bp_month_only_high_alone.json", kb)
    screening = screen_record(record, kb, date(2026, 11, 20))
    assert screening.verdict == "defer"
    bundle = export_bundle(record, screening, plan_course(screening, record, kb), ())
    r4b_validate(bundle)
    texts = [
        code["text"]
        for issue in _by_type(bundle)["DetectedIssue"]
        for evidence in issue.get("evidence", [])
        for code in evidence.get("code", [])
    ]
    assert any(
        t.startswith("Systolic blood pressure: 190") and ", November 2026" in t for t in texts
    )
    assert not any("2026-11-01" in t or "1 Nov" in t for t in texts)


def test_cli_fhir_export_speaks_the_language_asked(tmp_path):
    """``fhir export --lang ru``: the plan and issues in Russian words with a narrative,
    units as a reader writes them, and references to the record's resources only (an
    intake file's line is no FHIR reference: it was the file's path)."""
    out = tmp_path / "ru.json"
    demo = FIXTURES.parents[2] / "spinecare" / "demo" / "04-carter-herniation-acute-pain.yaml"
    args = ["fhir", "export", str(demo), "--as-of", "2026-11-20", "--lang", "ru"]
    result = subprocess.run(
        [sys.executable, "-m", "spinecare.cli", *args, "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    bundle = json.loads(out.read_text(encoding="utf-8"))
    r4b_validate(bundle)
    by_type = _by_type(bundle)
    (careplan,) = by_type["CarePlan"]
    assert careplan["title"] == "Курс лечебного массажа"
    assert "Скрининг на 20 нояб. 2026" in careplan["description"]
    for resource in (careplan, *by_type["DetectedIssue"]):
        assert resource["language"] == "ru"
        assert resource["text"]["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
    text = json.dumps(bundle, ensure_ascii=False)
    for wrong in ("{score}", "Plan status", "knowledge base", "Reason:", ".yaml", "/work/"):
        assert wrong not in text, wrong
    refs = [i["reference"] for d in by_type["DetectedIssue"] for i in d.get("implicated", [])]
    assert all(not r.startswith("/") for r in refs)
