"""The CDS Hooks service says of every real-EHR-shaped record (tests/fixtures/ehr) what the
CLI says: its prefetch asks for every kind of resource the reader reads, and a small search
over the record's resources answers it as an EHR's FHIR server would (a status filter, a
code filter or a count of one would lose what the record says)."""

from __future__ import annotations

import json
from typing import Any

import yaml
from fhir_search import prefetch_for

from spinecare import screen
from spinecare.engine.screening import screen_record
from spinecare.fhir.prefetch import build_record
from spinecare.wording import verdict_text
from tests.conftest import AS_OF, FIXTURES

EHR = FIXTURES / "ehr"
VIEW = "/cds-services/spinecare-patient-view"
NOT_SEARCHED = {
    "nested_bundle_bone_metastasis": "a Bundle kept inside the record is not searched by patient",
    "document_links_to_binary_in_bundle": "a Binary names no patient: not searched by patient",
    "report_form_links_to_binary_by_full_url": "a Binary names no patient: not searched",
    "dstu2_medication_order_warfarin": "an earlier FHIR version's resource: no R4 search",
    "stu3_referral_request_reason_cauda_equina": "an earlier FHIR version's resource",
    "resource_type_lower_case_condition": "a type no search of the type's name returns",
    "r5_medication_usage_warfarin": "a later FHIR version's resource: no R4 search",
}
"""Records a patient's searches cannot bring, with why (docs/cds-hooks.md)."""


def _cases() -> list[str]:
    cases = yaml.safe_load((EHR / "expected.yaml").read_text(encoding="utf-8"))["cases"]
    return sorted(set(cases) - set(NOT_SEARCHED))


def _resources(name: str) -> list[dict[str, Any]]:
    bundle = json.loads((EHR / f"{name}.json").read_text(encoding="utf-8"))
    return [{"id": f"r{i}", **e["resource"]} for i, e in enumerate(bundle["entry"])]


def _card_request(name: str, templates: dict[str, str]) -> dict[str, Any]:
    """A patient-view call whose prefetch is the fixture ``name``'s record, searched."""
    return {
        "hook": "patient-view",
        "hookInstance": f"ehr-{name}",
        "context": {"userId": "Practitioner/1", "patientId": "p1"},
        "prefetch": prefetch_for(_resources(name), templates, "p1"),
        "extension": {"org.spinecare.as-of": AS_OF.isoformat()},
    }


def _said(result: dict[str, Any]) -> tuple[Any, ...]:
    findings = sorted(
        (f["concept"], f["rule"], f["effect"], f["certainty"]) for f in result["findings"]
    )
    return result["verdict"], findings, sorted(m["item"] for m in result["missing"])


def test_every_ehr_record_gets_the_clis_screening_from_its_prefetch(kb, templates) -> None:
    """The record built from the prefetch screens as the file does: verdict, findings and
    missing items."""
    differ = []
    for name in _cases():
        expected = _said(screen(EHR / f"{name}.json", as_of=AS_OF).to_json())
        prefetch = prefetch_for(_resources(name), templates, "p1")
        record = build_record(prefetch, "p1", kb, "cds-hooks:test")
        got = _said(screen_record(record, kb, AS_OF, "en").to_json())
        if got != expected:
            differ.append((name, expected, got))
    assert not differ, differ


def test_every_ehr_record_gets_the_clis_verdict_on_its_card(client, templates) -> None:
    """Through the service over HTTP: the card's verdict is the CLI's."""
    differ = []
    for name in _cases():
        expected = screen(EHR / f"{name}.json", as_of=AS_OF).verdict
        body = _card_request(name, templates)
        response = client.post(VIEW, json=body)
        assert response.status_code == 200, (name, response.text[:300])
        (card,) = response.json()["cards"]
        if f"**Verdict:** {verdict_text(expected, 'en')} ·" not in card["detail"]:
            differ.append((name, expected, card["detail"][:120]))
    assert not differ, differ


def test_a_binary_sent_beside_its_document_is_read(kb) -> None:
    """A client that sends the Binary a document links to in the same prefetch Bundle: the
    card reads the document's words, as the CLI reads the fixture's."""
    resources = _resources("document_links_to_binary_in_bundle")
    documents = [r for r in resources if r["resourceType"] in ("DocumentReference", "Binary")]
    prefetch = {
        "documents": {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": r} for r in documents],
        }
    }
    record = build_record(prefetch, "p1", kb, "cds-hooks:test")
    got = _said(screen_record(record, kb, AS_OF, "en").to_json())
    assert "vertebral_fracture" in {f[0] for f in got[1]}


def test_a_card_lists_what_the_record_holds_that_could_not_be_read(client, templates) -> None:
    """A note whose content is only a link (or a PDF) cannot be read: the card lists it
    under what was not read, as the CLI does ("read it in the chart"); it said nothing."""
    for name in ("document_link_not_included", "document_pdf_not_read"):
        listed = [
            n.label
            for n in screen(EHR / f"{name}.json", as_of=AS_OF).not_used()
            if n.kind == "set_aside"
        ]
        assert listed, name
        body = _card_request(name, templates)
        (card,) = client.post(VIEW, json=body).json()["cards"]
        assert "read it in the chart" in card["detail"], (name, card["detail"][-400:])
