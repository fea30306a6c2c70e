"""Codes real records write that the KB once did not place (tests/fixtures/ehr): the
finding each names, not only the verdict."""

from __future__ import annotations

import pytest

from spinecare import screen
from tests.conftest import AS_OF, FIXTURES

EHR = FIXTURES / "ehr"


def findings(name: str) -> dict[str, str]:
    result = screen(EHR / f"{name}.json", as_of=AS_OF).to_json()
    return {f["concept"]: f["certainty"] for f in result["findings"]}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("icd10cm_c7a_code_only", {"oncology": "present"}),
        ("icd10cm_c7b_03_carcinoid_bone", {"spinal_malignancy": "present", "oncology": "present"}),
        ("snomed_postcoordinated_dvt_code_only", {"coagulation_disorder": "present"}),
        ("snomed_postcoordinated_suspected_dvt", {"coagulation_disorder": "unknown"}),
        ("snomed_edition_uri_heart_failure", {"heart_disease": "present"}),
        # a Read or ICPC code is not read as the ICD-10 code it looks like: its words are read
        ("readv2_breast_cancer", {"oncology": "unknown"}),
        ("readv2_oid_bone_secondaries", {"spinal_malignancy": "unknown", "oncology": "unknown"}),
        ("icpc2_malignancy", {"oncology": "unknown"}),
        ("bp_snomed_uk_oe_readings_high", {"significant_hypertension": "present"}),
        ("pain_snomed_score_herniation", {"acute_pain": "present", "disc_herniation": "present"}),
        ("procedure_pcs_title_lumbar_fusion", {"recent_spinal_surgery": "unknown"}),
    ],
)
def test_the_code_names_its_finding(name: str, expected: dict[str, str]) -> None:
    assert findings(name) == expected


def test_a_snomed_ct_expression_in_context_says_which_code_to_confirm() -> None:
    result = screen(EHR / "snomed_postcoordinated_suspected_dvt.json", as_of=AS_OF).to_json()
    (finding,) = result["findings"]
    assert "413350009:246090004=128053003,408729009=415684004" in finding["evidence"][0]["note"]
