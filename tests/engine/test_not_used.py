"""What a record says and the screening cannot place is shown, not dropped (Screening.not_used)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from spinecare.core import load_record
from spinecare.engine.screening import screen_record
from spinecare.record.model import Coding, Condition, Medication, Patient, PatientRecord, Procedure

DAY = date(2026, 11, 20)
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def record() -> PatientRecord:
    return PatientRecord(
        patient=Patient("p", birth_date=date(1970, 1, 1)),
        conditions=[
            Condition("Condition/sprain", text="Sprain of ankle", onset=date(2026, 11, 1)),
            Condition(
                "Condition/coded",
                codings=(Coding(SNOMED, "999999999"),),
                clinical_status="active",
            ),
            Condition(
                "Condition/old",
                text="Sprain of wrist",
                clinical_status="resolved",
                abatement=date(2025, 1, 1),
            ),
            Condition("Condition/refuted", text="Gout", verification_status="refuted"),
            Condition("Condition/later", text="Otitis media", onset=date(2027, 1, 1)),
            Condition("Condition/fever", text="fever", clinical_status="active"),
        ],
        medications=[
            Medication("MedicationRequest/lisinopril", text="Lisinopril 10 mg", status="active"),
            Medication("MedicationRequest/stopped", text="Amoxicillin", status="stopped"),
            Medication("MedicationRequest/warfarin", text="Warfarin 5 mg", status="active"),
            Medication("MedicationRequest/unnamed", codings=(Coding(RXNORM, "1"),)),
        ],
        procedures=[
            Procedure("Procedure/appendix", text="Appendectomy", performed=date(2010, 5, 2)),
            Procedure("Procedure/not-done", text="Colonoscopy", status="not-done"),
            Procedure("Procedure/planned", text="Knee X-ray", performed=date(2027, 1, 5)),
        ],
    )


@pytest.mark.parametrize(
    ("lang", "coded"),
    [("en", "a condition given only by its code"), ("ru", "диагноз, указанный только кодом")],
)
def test_entries_in_force_that_name_nothing_are_listed(kb, lang: str, coded: str) -> None:
    screening = screen_record(record(), kb, DAY, lang)
    # the fever (a text to confirm) and both drugs that may thin the blood gave findings
    decided = {e.ref for f in screening.findings for e in f.evidence}
    assert {"Condition/fever", "MedicationRequest/warfarin", "MedicationRequest/unnamed"} <= decided
    listed = [n.to_json() for n in screening.not_used()]
    assert listed == [
        {
            "ref": "Condition/sprain",
            "kind": "condition",
            "label": "Sprain of ankle",
            "named": True,
            "date": "2026-11-01",
        },
        {"ref": "Condition/coded", "kind": "condition", "label": coded, "named": False},
        {
            "ref": "MedicationRequest/lisinopril",
            "kind": "medication",
            "label": "Lisinopril 10 mg",
            "named": True,
        },
        {
            "ref": "Procedure/appendix",
            "kind": "procedure",
            "label": "Appendectomy",
            "named": True,
            "date": "2010-05-02",
        },
    ]
    assert screening.to_json()["not_used"] == listed


def test_a_synthea_patient_lists_unrelated_entries_and_not_what_decided(
    shared_data: Path, kb
) -> None:
    path = (
        shared_data
        / "synthea"
        / "r4-bundles-2019"
        / "Abdul_Koepp_e925b0f3-8006-43f6-aa31-94bd215e55e7.json.gz"
    )
    rec = load_record(path, kb)
    screening = screen_record(rec, kb, date(2026, 11, 22))
    listed = {(n.kind, n.label) for n in screening.not_used()}
    assert ("condition", "Body mass index 30+ - obesity (finding)") in listed
    assert ("procedure", "Colonoscopy") in listed
    decided = {e.ref for f in screening.findings for e in f.evidence}
    assert decided and not decided & {n.ref for n in screening.not_used()}
    # resolved conditions of the record are not listed
    resolved = {c.ref for c in rec.conditions if not c.in_force(date(2026, 11, 22))}
    assert resolved and not resolved & {n.ref for n in screening.not_used()}
