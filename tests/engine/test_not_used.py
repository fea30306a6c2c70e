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


def _documents(*attachments: dict) -> dict:
    """A Bundle of an allowed patient's (the EHR fixtures' base) with a note and a report
    whose content is given by ``attachments``."""
    import json

    base = (
        Path(__file__).parents[1] / "fixtures" / "ehr" / "document_links_to_binary_in_bundle.json"
    )
    bundle = json.loads(base.read_text(encoding="utf-8"))
    kept = ("Patient", "Condition", "Observation")
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] in kept]
    for i, attachment in enumerate(attachments):
        bundle["entry"].append(
            {
                "resource": {
                    "resourceType": "DocumentReference",
                    "id": f"d{i}",
                    "status": "current",
                    "subject": {"reference": "Patient/p1"},
                    "date": "2026-11-18",
                    "content": [{"attachment": attachment}],
                }
            }
        )
    return bundle


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_document_the_screening_cannot_read_is_shown_not_dropped(tmp_path, lang) -> None:
    """A note whose content is only a link the record does not include, or a PDF, decides
    nothing and is listed, in the reader's words, dated; a note that is read is not."""
    import json

    from spinecare.i18n import translate
    from spinecare.record.model import DOCUMENT_LINKED, DOCUMENT_NOT_READ

    bundle = _documents(
        {"contentType": "text/plain", "url": "https://ehr.example.org/fhir/Binary/n1"},
        {"contentType": "application/pdf", "data": "JVBERi0xLjQK"},
        {"contentType": "text/plain", "data": "Tm8gY29tcGxhaW50cy4="},  # "No complaints."
    )
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    screening = screen_record(load_record(path), load_kb_default(), DAY, lang)
    assert screening.verdict == "allowed"
    listed = [(n.kind, n.label, n.date) for n in screening.not_used() if n.kind == "set_aside"]
    assert listed == [
        ("set_aside", translate(DOCUMENT_LINKED, lang), date(2026, 11, 18)),
        ("set_aside", translate(DOCUMENT_NOT_READ, lang), date(2026, 11, 18)),
    ]


def load_kb_default():
    from spinecare.kb import load_kb

    return load_kb()


@pytest.mark.parametrize("nested", [False, True])
def test_a_binary_the_record_holds_is_read_not_listed(tmp_path, nested: bool) -> None:
    """A note linked as "Binary/b1" to a Binary the record holds under its full URL only
    (no id), in the record's Bundle or in a document Bundle inside it: read (the fracture
    to confirm), not listed as a link the record does not include."""
    import base64
    import json

    bundle = _documents({"contentType": "text/plain", "url": "Binary/b1"})
    binary = {
        "fullUrl": "https://ehr.example.org/fhir/Binary/b1",
        "resource": {
            "resourceType": "Binary",
            "contentType": "text/plain",
            "data": base64.b64encode(b"Acute L1 compression fracture").decode(),
        },
    }
    if nested:
        note = bundle["entry"].pop()
        inner = {"resourceType": "Bundle", "type": "document", "entry": [note, binary]}
        bundle["entry"].append({"resource": inner})
    else:
        bundle["entry"].append(binary)
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    screening = screen_record(load_record(path), load_kb_default(), DAY)
    assert "vertebral_fracture" in {f.concept for f in screening.findings}
    assert not [n for n in screening.not_used() if n.kind == "set_aside"]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_what_the_ehr_says_it_left_out_is_listed_not_dropped(tmp_path, lang) -> None:
    """An OperationOutcome a search result carries ("Access to Condition denied", a
    warning that results were withheld) is listed as not read, with the EHR's words, and
    decides nothing; one of information is not listed."""
    import json

    from spinecare.i18n import translate
    from spinecare.messages import Message
    from spinecare.record.model import RECORD_INCOMPLETE

    bundle = _documents()
    bundle["type"] = "searchset"
    for severity, said in (
        ("error", "Access to Condition denied"),
        ("warning", "Some results have been suppressed"),
        ("information", "2 results"),
    ):
        bundle["entry"].append(
            {
                "resource": {
                    "resourceType": "OperationOutcome",
                    "issue": [{"severity": severity, "code": "processing", "diagnostics": said}],
                },
                "search": {"mode": "outcome"},
            }
        )
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    screening = screen_record(load_record(path), load_kb_default(), DAY, lang)
    assert screening.verdict == "allowed"
    listed = [n.label for n in screening.not_used() if n.kind == "set_aside"]
    assert listed == [
        translate(Message(RECORD_INCOMPLETE, said="Access to Condition denied"), lang),
        translate(Message(RECORD_INCOMPLETE, said="Some results have been suppressed"), lang),
    ]


def test_a_yes_to_a_question_the_record_does_not_word_is_listed(kb) -> None:
    """A response that answers a clinic form's question by its ``linkId`` alone, the form
    not sent: the yes is listed as not read (it was dropped in silence); with the form in
    the Bundle it is read by the question's words."""
    import json

    from spinecare.core import reader_measures
    from spinecare.fhir.reader import read_bundle

    fixture = Path(__file__).parents[1] / "fixtures" / "ehr"
    bundle = json.loads((fixture / "questionnaire_in_bundle_answered_by_link_id.json").read_text())
    read = screen_record(read_bundle(bundle, reader_measures(kb)), kb, date(2026, 11, 20))
    assert read.verdict == "needs_data" and not read.not_used()
    bundle["entry"] = [
        e for e in bundle["entry"] if e["resource"]["resourceType"] != "Questionnaire"
    ]
    alone = screen_record(read_bundle(bundle, reader_measures(kb)), kb, date(2026, 11, 20))
    assert alone.verdict == "allowed"
    (listed,) = alone.not_used()
    assert listed.kind == "set_aside" and "'q1'" in listed.label
