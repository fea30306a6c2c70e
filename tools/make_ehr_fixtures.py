"""Write the real-EHR-shaped fixtures: tests/fixtures/ehr/<case>.json and expected.yaml.

    python tools/make_ehr_fixtures.py

Each case is one FHIR R4 Bundle written the way real EHRs write records (SNOMED CT
children, ICD-10-CM combination and 7th-character codes, national ICD-10 systems, text-only
entries, product-level drug codes, coded red-flag symptoms, several readings a day, odd
statuses and dates), with the verdict DESIGN.md section 3 implies and why. Every case
starts from the same patient: a woman of 56 with lumbar osteochondrosis, blood pressure
120/80, temperature 36.6 Cel and pain 2 of 10 measured on the screening day
(2026-11-20), which alone is ``allowed``; a case adds or replaces resources.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "ehr"
DAY = "2026-11-20"

SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
NDC = "http://hl7.org/fhir/sid/ndc"
MKB10 = "urn:oid:1.2.643.5.1.13.13.11.1005"
ICD10GM = "http://fhir.de/CodeSystem/bfarm/icd-10-gm"
ICD10AM = "http://hl7.org/fhir/sid/icd-10-am"
ICD10CA = "http://hl7.org/fhir/sid/icd-10-ca"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"

Resource = dict[str, Any]
CASES: list[tuple[str, str, str, list[Resource], set[str]]] = []
"""(name, expected verdict, why, resources, kinds of the base record to leave out)."""


def case(
    name: str, verdict: str, why: str, *resources: Resource, without: set[str] | None = None
) -> None:
    CASES.append((name, verdict, why, list(resources), without or set()))


def dropped(res: Resource, *keys: str) -> Resource:
    """``res`` without ``keys``."""
    return {k: v for k, v in res.items() if k not in keys}


def coding(system: str | None, code: str, display: str | None = None) -> dict[str, str]:
    out = {"code": code}
    if system is not None:
        out["system"] = system
    if display:
        out["display"] = display
    return out


def condition(
    system: str | None = None,
    code: str | None = None,
    display: str | None = None,
    *,
    text: str | None = None,
    clinical: str | None = "active",
    verification: str | None = None,
    onset: str | None = "2026-01-10",
    recorded: str | None = None,
    abatement: str | None = None,
    category: dict[str, Any] | None = None,
) -> Resource:
    res: Resource = {"resourceType": "Condition", "subject": {"reference": "Patient/p1"}}
    concept: dict[str, Any] = {}
    if code is not None:
        concept["coding"] = [coding(system, code, display)]
    if text is not None:
        concept["text"] = text
    res["code"] = concept
    if clinical is not None:
        res["clinicalStatus"] = {"coding": [{"system": CLINICAL, "code": clinical}]}
    if verification is not None:
        res["verificationStatus"] = {"coding": [{"system": VERIFICATION, "code": verification}]}
    if onset is not None:
        res["onsetDateTime"] = onset
    if recorded is not None:
        res["recordedDate"] = recorded
    if abatement is not None:
        res["abatementDateTime"] = abatement
    if category is not None:
        res["category"] = [category]
    return res


def medication(
    kind: str = "MedicationRequest",
    system: str | None = RXNORM,
    code: str | None = None,
    display: str | None = None,
    *,
    text: str | None = None,
    status: str = "active",
    start: str = "2026-10-01",
    extra: dict[str, Any] | None = None,
) -> Resource:
    res: Resource = {"resourceType": kind, "status": status, "subject": {"reference": "Patient/p1"}}
    concept: dict[str, Any] = {}
    if code is not None:
        concept["coding"] = [coding(system, code, display)]
    if text is not None:
        concept["text"] = text
    res["medicationCodeableConcept"] = concept
    if kind == "MedicationRequest":
        res["intent"] = "order"
        res["authoredOn"] = start
    elif kind == "MedicationDispense":
        res["whenHandedOver"] = start
    else:
        res["effectiveDateTime"] = start
    res.update(extra or {})
    return res


def observation(
    code: str,
    value: Any = None,
    unit: str | None = None,
    *,
    when: str = DAY,
    system: str = LOINC,
    status: str = "final",
    key: str = "valueQuantity",
    components: list[dict[str, Any]] | None = None,
    rid: str | None = None,
) -> Resource:
    res: Resource = {
        "resourceType": "Observation",
        "status": status,
        "code": {"coding": [coding(system, code)]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": when,
    }
    if rid is not None:
        res["id"] = rid
    if key == "valueQuantity" and value is not None:
        quantity: dict[str, Any] = {"value": value}
        if unit is not None:
            quantity.update({"unit": unit, "system": "http://unitsofmeasure.org", "code": unit})
        res["valueQuantity"] = quantity
    elif value is not None:
        res[key] = value
    if components is not None:
        res["component"] = components
    return res


def bp(systolic: float, diastolic: float, when: str = DAY) -> Resource:
    def part(code: str, value: float) -> dict[str, Any]:
        return {
            "code": {"coding": [coding(LOINC, code)]},
            "valueQuantity": {"value": value, "unit": "mm[Hg]", "code": "mm[Hg]"},
        }

    return observation(
        "85354-9", when=when, components=[part("8480-6", systolic), part("8462-4", diastolic)]
    )


def base(without: set[str]) -> list[Resource]:
    out: list[Resource] = [
        {
            "resourceType": "Patient",
            "id": "p1",
            "name": [{"family": "Fixture", "given": ["Anna"]}],
            "gender": "female",
            "birthDate": "1970-03-14",
        },
        condition(ICD10, "M42.16", "Spinal osteochondrosis, lumbar region", onset="2024-05-01"),
    ]
    if "bp" not in without:
        out.append(bp(120, 80))
    if "temperature" not in without:
        out.append(observation("8310-5", 36.6, "Cel"))
    if "pain" not in without:
        out.append(observation("72514-3", 2, "{score}"))
    return out


def bundle(resources: list[Resource]) -> dict[str, Any]:
    entries = []
    for i, res in enumerate(resources):
        res = dict(res)
        res.setdefault("id", f"{res['resourceType'].lower()}-{i}")
        entries.append({"fullUrl": f"urn:uuid:00000000-0000-4000-8000-{i:012d}", "resource": res})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


# ---------------------------------------------------------------------------------------
# SNOMED CT children of listed concepts

case(
    "snomed_congestive_heart_failure",
    "contraindicated",
    "SNOMED 42343007 congestive heart failure is a child of heart failure (decompensated heart disease)",
    condition(SNOMED, "42343007", "Congestive heart failure"),
)
case(
    "snomed_acute_chf",
    "contraindicated",
    "SNOMED 10633002 acute congestive heart failure: decompensated heart disease",
    condition(SNOMED, "10633002", "Acute congestive heart failure"),
)
case(
    "snomed_dvt_lower_extremity",
    "contraindicated",
    "SNOMED 404223003 DVT of the lower extremity, a child of deep venous thrombosis: coagulation disorder",
    condition(SNOMED, "404223003", "Deep venous thrombosis of lower extremity"),
)
case(
    "snomed_dvt_femoral",
    "contraindicated",
    "SNOMED 132291000119106 acute DVT of the femoral vein: coagulation disorder",
    condition(SNOMED, "132291000119106", "Acute deep venous thrombosis of femoral vein"),
)
case(
    "snomed_ckd_stage_5",
    "contraindicated",
    "SNOMED 433146000 CKD stage 5: organ decompensation",
    condition(SNOMED, "433146000", "Chronic kidney disease stage 5"),
)
case(
    "snomed_bone_metastasis",
    "refer_urgently",
    "SNOMED 94222008 secondary malignant neoplasm of bone: a possible spinal malignancy is a red flag",
    condition(SNOMED, "94222008", "Secondary malignant neoplasm of bone"),
)
case(
    "snomed_saddle_numbness",
    "refer_urgently",
    "SNOMED 449813001 numbness of the saddle area: a cauda equina red flag coded as a finding",
    condition(SNOMED, "449813001", "Numbness of saddle area"),
)
case(
    "snomed_cauda_equina_neurogenic_bladder",
    "refer_urgently",
    "SNOMED 12454008 cauda equina syndrome with neurogenic bladder, a child of cauda equina syndrome",
    condition(SNOMED, "12454008", "Cauda equina syndrome with neurogenic bladder"),
)
case(
    "snomed_unexplained_weight_loss",
    "refer_urgently",
    "SNOMED 422868009 unexplained weight loss: the intake's weight-loss red flag, coded",
    condition(SNOMED, "422868009", "Unexplained weight loss"),
)
case(
    "snomed_urinary_retention",
    "refer_urgently",
    "SNOMED 267064002 retention of urine: the intake's bladder red flag (cauda equina), coded",
    condition(SNOMED, "267064002", "Retention of urine"),
)

# ---------------------------------------------------------------------------------------
# ICD-10-CM combination and 7th-character codes

case(
    "icd10cm_i11_0_hypertensive_heart_failure",
    "contraindicated",
    "ICD-10-CM I11.0 hypertensive heart disease with heart failure carries heart failure",
    condition(ICD10CM, "I11.0", "Hypertensive heart disease with heart failure"),
)
case(
    "icd10cm_i13_2_heart_failure_ckd5",
    "contraindicated",
    "ICD-10-CM I13.2 carries heart failure and stage 5 CKD",
    condition(
        ICD10CM,
        "I13.2",
        "Hypertensive heart and chronic kidney disease with heart failure and with stage 5 chronic kidney disease",
    ),
)
case(
    "icd10cm_i12_0_hypertensive_ckd5",
    "contraindicated",
    "ICD-10-CM I12.0 hypertensive CKD with stage 5 CKD or ESRD: organ decompensation",
    condition(
        ICD10CM,
        "I12.0",
        "Hypertensive chronic kidney disease with stage 5 chronic kidney disease or end stage renal disease",
    ),
)
case(
    "icd10cm_n18_6_esrd",
    "contraindicated",
    "ICD-10-CM N18.6 end stage renal disease: organ decompensation (N18 stage 5 and beyond)",
    condition(ICD10CM, "N18.6", "End stage renal disease"),
)
case(
    "icd10cm_m84_58xa_neoplastic_fracture",
    "refer_urgently",
    "ICD-10-CM M84.58XA pathological fracture in neoplastic disease (vertebrae): spinal malignancy and fracture",
    condition(
        ICD10CM,
        "M84.58XA",
        "Pathological fracture in neoplastic disease, other specified site, initial encounter",
    ),
)
case(
    "icd10cm_s32_010a_lumbar_fracture",
    "refer_urgently",
    "ICD-10-CM S32.010A wedge compression fracture of L1, initial encounter (7th character): vertebral fracture",
    condition(
        ICD10CM,
        "S32.010A",
        "Wedge compression fracture of first lumbar vertebra, initial encounter",
    ),
)
case(
    "icd10cm_i82_401_dvt_leg",
    "contraindicated",
    "ICD-10-CM I82.401 acute DVT of the right lower extremity: coagulation disorder",
    condition(
        ICD10CM,
        "I82.401",
        "Acute embolism and thrombosis of unspecified deep veins of right lower extremity",
    ),
)
case(
    "icd10cm_c79_51_bone_metastasis",
    "refer_urgently",
    "ICD-10-CM C79.51 secondary malignant neoplasm of bone: spinal malignancy red flag",
    condition(ICD10CM, "C79.51", "Secondary malignant neoplasm of bone"),
)
case(
    "icd10cm_i77_74_vertebral_dissection",
    "refer_urgently",
    "ICD-10-CM I77.74 dissection of vertebral artery: vertebrobasilar red flag",
    condition(ICD10CM, "I77.74", "Dissection of vertebral artery"),
)
case(
    "icd10cm_a18_01_spinal_tuberculosis",
    "refer_urgently",
    "ICD-10-CM A18.01 tuberculosis of spine: spinal infection",
    condition(ICD10CM, "A18.01", "Tuberculosis of spine"),
)
case(
    "icd10cm_r33_9_urinary_retention",
    "refer_urgently",
    "ICD-10-CM R33.9 retention of urine: the cauda equina bladder red flag coded in the R chapter",
    condition(ICD10CM, "R33.9", "Retention of urine, unspecified"),
)
case(
    "icd10cm_r63_4_weight_loss",
    "refer_urgently",
    "ICD-10-CM R63.4 abnormal weight loss: the malignancy red flag coded in the R chapter",
    condition(ICD10CM, "R63.4", "Abnormal weight loss"),
)
case(
    "icd10cm_m48_50xa_collapsed_vertebra",
    "refer_urgently",
    "ICD-10-CM M48.50XA collapsed vertebra, initial encounter: vertebral fracture",
    condition(
        ICD10CM,
        "M48.50XA",
        "Collapsed vertebra, not elsewhere classified, site unspecified, initial encounter",
    ),
)
case(
    "icd10cm_i50_22_chronic_systolic_hf",
    "contraindicated",
    "ICD-10-CM I50.22 chronic systolic heart failure (prefix I50)",
    condition(ICD10CM, "I50.22", "Chronic systolic (congestive) heart failure"),
)

# ---------------------------------------------------------------------------------------
# ICD-10 under national systems, in any case, without the dot, with no system

case(
    "mkb10_oid_heart_failure",
    "contraindicated",
    "Russian MKB-10 register OID with I50.0: ICD-10",
    condition(MKB10, "I50.0", "Застойная сердечная недостаточность"),
)
case(
    "mkb10_oid_breast_cancer",
    "contraindicated",
    "MKB-10 C50.4: an active malignant neoplasm",
    condition(MKB10, "C50.4", "Злокачественное новообразование молочной железы"),
)
case(
    "mkb10_oid_cauda_equina",
    "refer_urgently",
    "MKB-10 G83.4 cauda equina syndrome",
    condition(MKB10, "G83.4", "Синдром конского хвоста"),
)
case(
    "icd10gm_breast_cancer",
    "contraindicated",
    "ICD-10-GM (BfArM URI) C50.9",
    condition(ICD10GM, "C50.9", "Bösartige Neubildung: Brustdrüse, nicht näher bezeichnet"),
)
case(
    "icd10gm_dimdi_uri_dvt",
    "contraindicated",
    "ICD-10-GM under the older DIMDI URI, I80.2 thrombophlebitis of deep leg veins",
    condition(
        "http://fhir.de/CodeSystem/dimdi/icd-10-gm",
        "I80.2",
        "Thrombose, Phlebitis und Thrombophlebitis tiefer Gefäße der unteren Extremitäten",
    ),
)
case(
    "icd10am_heart_failure",
    "contraindicated",
    "ICD-10-AM I50.9",
    condition(ICD10AM, "I50.9", "Heart failure, unspecified"),
)
case(
    "icd10ca_ckd_stage_5",
    "contraindicated",
    "ICD-10-CA N18.5",
    condition(ICD10CA, "N18.5", "Chronic kidney disease, stage 5"),
)
case(
    "icd10_lower_case",
    "contraindicated",
    "c50.9 in lower case is C50.9",
    condition(ICD10, "c50.9", "Malignant neoplasm of breast"),
)
case(
    "icd10_no_dot",
    "contraindicated",
    "C509 without the dot is C50.9",
    condition(ICD10CM, "C509", "Malignant neoplasm of breast"),
)
case(
    "icd10_who_oid",
    "contraindicated",
    "WHO ICD-10 by OID 2.16.840.1.113883.6.3",
    condition("urn:oid:2.16.840.1.113883.6.3", "I50.1", "Left ventricular failure"),
)
case(
    "icd10cm_oid_dvt",
    "contraindicated",
    "ICD-10-CM by OID 2.16.840.1.113883.6.90",
    condition(
        "urn:oid:2.16.840.1.113883.6.90",
        "I82.402",
        "Acute embolism and thrombosis of unspecified deep veins of left lower extremity",
    ),
)
case(
    "icd10_system_upper_case_uri",
    "contraindicated",
    "the ICD-10 URI written in capitals with a trailing slash",
    condition("HTTP://HL7.ORG/FHIR/SID/ICD-10/", "C50.9"),
)
case(
    "icd10_shaped_code_without_system",
    "needs_data",
    "C50.9 with no system: read as ICD-10 with certainty unknown, to confirm (never allowed)",
    condition(None, "C50.9", "Malignant neoplasm of breast"),
)
case(
    "icd10_shaped_code_local_system",
    "needs_data",
    "I50.9 in a local code system: shaped like ICD-10, unknown, to confirm",
    condition("http://hospital.example.org/codes/diagnoses", "I50.9"),
)
case(
    "snomed_code_without_system",
    "needs_data",
    "84114007 (heart failure) with no system: the code of a KB concept, unknown, to confirm",
    condition(None, "84114007"),
)
case(
    "icd10_shaped_red_flag_without_system",
    "needs_data",
    "G83.4 with no system: a red flag to confirm",
    condition(None, "G83.4"),
)

# ---------------------------------------------------------------------------------------
# Conditions and medications with text only

case(
    "text_metastatic_breast_cancer",
    "needs_data",
    "Condition with text only 'metastatic breast cancer': found in text, confirm",
    condition(text="Metastatic breast cancer"),
)
case(
    "text_russian_breast_cancer",
    "needs_data",
    "Russian diagnosis text 'Рак молочной железы': found in text, confirm",
    condition(text="Рак молочной железы, T2N1M0"),
)
case(
    "text_russian_heart_failure",
    "needs_data",
    "Russian 'Хроническая сердечная недостаточность IIА стадии': found in text",
    condition(text="Хроническая сердечная недостаточность IIА стадии"),
)
case(
    "text_dvt", "needs_data", "text 'DVT left calf': found in text", condition(text="DVT left calf")
)
case(
    "text_pregnancy",
    "needs_data",
    "text 'Pregnancy, 12 weeks': found in text (pregnancy needs clearance: unknown gives needs_data)",
    condition(text="Pregnancy, 12 weeks"),
)
case(
    "text_local_code_with_display",
    "needs_data",
    "a local code with display 'Congestive heart failure': the display names heart failure",
    condition("http://hospital.example.org/codes", "HF-01", "Congestive heart failure"),
)
case(
    "text_unlisted_snomed_display",
    "needs_data",
    "a SNOMED code the KB does not list whose display names cancer: found in its display",
    condition(SNOMED, "1000000000000", "Carcinoma of pancreas"),
)
case(
    "text_negated_cancer",
    "allowed",
    "'No evidence of malignancy': negated, nothing to confirm",
    condition(text="No evidence of malignancy"),
)
case(
    "text_denies_chest_pain_and_cancer",
    "allowed",
    "'Denies cancer': negated",
    condition(text="Patient denies cancer"),
)
case(
    "text_russian_negated",
    "allowed",
    "'Онкологии нет': negated in Russian",
    condition(text="Онкологии нет"),
)
case(
    "text_family_history_only",
    "allowed",
    "'Family history of breast cancer': a relative's condition",
    condition(text="Family history of breast cancer"),
)
case(
    "text_russian_family",
    "allowed",
    "'у матери рак молочной железы': a relative's condition",
    condition(text="У матери рак молочной железы"),
)
case(
    "text_coded_wins_over_text",
    "contraindicated",
    "a coded cancer with the text 'history of'-style words still counts as coded",
    condition(ICD10, "C50.9", "Malignant neoplasm of breast", text="breast cancer, follow-up"),
)
case(
    "medication_text_eliquis",
    "needs_data",
    "MedicationStatement with text 'Eliquis 5 mg' only: an anticoagulant found in text, confirm",
    medication("MedicationStatement", code=None, text="Eliquis 5 mg twice daily"),
)
case(
    "medication_text_russian_warfarin",
    "needs_data",
    "text 'Варфарин 5 мг': an anticoagulant found in text",
    medication("MedicationStatement", code=None, text="Варфарин 5 мг 1 раз в день"),
)
case(
    "medication_text_xarelto",
    "needs_data",
    "text 'Xarelto 20mg': found in text",
    medication(code=None, text="Xarelto 20mg daily"),
)
case(
    "medication_ndc_with_display",
    "needs_data",
    "an NDC product the KB does not list, displayed 'Eliquis 5 MG Oral Tablet': found in its display",
    medication(system=NDC, code="0003-0894-21", display="Eliquis 5 MG Oral Tablet"),
)

# ---------------------------------------------------------------------------------------
# Anticoagulants at product level, other resources, ended validity periods

case(
    "rxnorm_scd_warfarin_4mg",
    "needs_clearance",
    "RxNorm clinical drug 855324 warfarin 4 MG oral tablet",
    medication(code="855324", display="warfarin sodium 4 MG Oral Tablet"),
)
case(
    "rxnorm_scd_dalteparin",
    "needs_clearance",
    "RxNorm 978725 dalteparin prefilled syringe",
    medication(code="978725", display="0.2 ML dalteparin sodium 12500 UNT/ML Prefilled Syringe"),
)
case(
    "rxnorm_pack_rivaroxaban",
    "needs_clearance",
    "RxNorm pack 1549682 rivaroxaban starter pack",
    medication(code="1549682", display="rivaroxaban starter pack"),
)
case(
    "rxnorm_pack_apixaban",
    "needs_clearance",
    "RxNorm pack 1992427 apixaban",
    medication(code="1992427", display="{74 (apixaban 5 MG Oral Tablet) } Pack"),
)
case(
    "rxnorm_ingredient_ticagrelor",
    "needs_clearance",
    "RxNorm ingredient 1116632 ticagrelor",
    medication(code="1116632", display="ticagrelor"),
)
case(
    "atc_apixaban",
    "needs_clearance",
    "ATC B01AF02 apixaban (prefix B01AF)",
    medication(system=ATC, code="B01AF02", display="apixaban"),
)
case(
    "atc_warfarin",
    "needs_clearance",
    "ATC B01AA03 warfarin (prefix B01AA)",
    medication(system=ATC, code="B01AA03", display="warfarin"),
)
case(
    "atc_enoxaparin",
    "needs_clearance",
    "ATC B01AB05 enoxaparin (prefix B01AB)",
    medication(system=ATC, code="B01AB05", display="enoxaparin"),
)
case(
    "atc_aspirin_not_anticoagulant",
    "allowed",
    "ATC B01AC06 acetylsalicylic acid: the KB leaves aspirin out (clinic policy)",
    medication(system=ATC, code="B01AC06", display="acetylsalicylic acid"),
)
case(
    "dispense_only_warfarin",
    "needs_clearance",
    "warfarin recorded only as a MedicationDispense",
    medication(
        "MedicationDispense",
        code="855332",
        display="Warfarin Sodium 5 MG Oral Tablet",
        status="completed",
        start="2026-11-01",
    ),
)
case(
    "administration_heparin",
    "needs_clearance",
    "heparin recorded as a MedicationAdministration in progress",
    medication(
        "MedicationAdministration",
        code="314659",
        display="heparin sodium, porcine",
        status="in-progress",
        start="2026-11-19",
    ),
)
case(
    "request_validity_period_ended",
    "needs_clearance",
    "a warfarin request whose dispense validity period ended in 2026-06 while the therapy goes on",
    medication(
        code="855332",
        display="Warfarin Sodium 5 MG Oral Tablet",
        start="2026-01-05",
        extra={"dispenseRequest": {"validityPeriod": {"start": "2026-01-05", "end": "2026-06-30"}}},
    ),
)
case(
    "medication_status_capitalised",
    "needs_clearance",
    "status 'Active' in capitals is active",
    medication(code="855332", display="Warfarin Sodium 5 MG Oral Tablet", status="Active"),
)
case(
    "medication_stopped",
    "allowed",
    "a stopped warfarin request no longer counts",
    medication(code="855332", display="Warfarin Sodium 5 MG Oral Tablet", status="stopped"),
)

# ---------------------------------------------------------------------------------------
# Readings as they are recorded

case(
    "two_bp_same_day_later_normal",
    "allowed",
    "190/115 at 08:00 then 120/80 at 18:00: the later reading decides (order by time, not Bundle order), or the day's mean where higher: 155/97.5, grade 1",
    observation("85354-9", when="2026-11-20T18:00:00+03:00", components=bp(120, 80)["component"]),
    observation("85354-9", when="2026-11-20T08:00:00+03:00", components=bp(190, 115)["component"]),
    without={"bp"},
)
case(
    "two_bp_same_day_later_high",
    "defer",
    "120/80 at 08:00 then 190/115 at 18:00, the high one written first: the later (high) reading decides",
    observation("85354-9", when="2026-11-20T18:00:00+03:00", components=bp(190, 115)["component"]),
    observation("85354-9", when="2026-11-20T08:00:00+03:00", components=bp(120, 80)["component"]),
    without={"bp"},
)
case(
    "fever_two_days_ago_then_normal",
    "defer",
    "38.2 Cel two days ago, 36.6 today: any reading in the 3-day window that reaches 37.5 counts",
    observation("8310-5", 38.2, "Cel", when="2026-11-18"),
)
case(
    "temperature_degf_implausible",
    "needs_data",
    "38.1 labelled [degF] is 3.4 Cel: implausible, set aside; no usable temperature",
    observation("8310-5", 38.1, "[degF]"),
    without={"temperature"},
)
case(
    "temperature_degf_fever",
    "defer",
    "100.4 [degF] is 38 Cel: a fever",
    observation("8310-5", 100.4, "[degF]"),
    without={"temperature"},
)
case(
    "temperature_tympanic_fever",
    "defer",
    "tympanic temperature 8333-7 of 38.5 Cel",
    observation("8333-7", 38.5, "Cel"),
    without={"temperature"},
)
case(
    "temperature_rectal_fever",
    "defer",
    "rectal temperature 8332-9 of 38.0 Cel",
    observation("8332-9", 38.0, "Cel"),
    without={"temperature"},
)
case(
    "temperature_temporal_fever",
    "defer",
    "temporal artery temperature 75539-7 of 38.3 Cel",
    observation("75539-7", 38.3, "Cel"),
    without={"temperature"},
)
case(
    "temperature_core_fever",
    "defer",
    "core temperature 8329-5 of 38.4 Cel",
    observation("8329-5", 38.4, "Cel"),
    without={"temperature"},
)
case(
    "temperature_as_string_without_unit",
    "needs_data",
    "valueString '38.5' for temperature: a number without a unit is set aside",
    observation("8310-5", "38.5", key="valueString"),
    without={"temperature"},
)
case(
    "temperature_data_absent",
    "needs_data",
    "temperature with a dataAbsentReason only: no value",
    observation("8310-5", {"coding": [{"code": "not-performed"}]}, key="dataAbsentReason"),
    without={"temperature"},
)
case(
    "temperature_unconvertible_unit",
    "needs_data",
    "temperature in an unknown unit: that reading is unknown, the record still screens",
    observation("8310-5", 3, "furlongs"),
    without={"temperature"},
)
case(
    "bp_issued_only",
    "allowed",
    "a blood pressure with only 'issued' as its date is still dated",
    {**bp(118, 76), "effectiveDateTime": None, "issued": "2026-11-20T09:00:00Z"},
    without={"bp"},
)
case(
    "bp_effective_period",
    "defer",
    "a blood pressure dated by effectivePeriod: 185/100",
    {
        **bp(185, 100),
        "effectiveDateTime": None,
        "effectivePeriod": {"start": "2026-11-20T10:00:00Z"},
    },
    without={"bp"},
)
case(
    "bp_implausible",
    "needs_data",
    "systolic 1200 mm Hg is a slip of the record: set aside, blood pressure unknown",
    bp(1200, 80),
    without={"bp"},
)
case(
    "bp_stale",
    "needs_data",
    "the latest blood pressure is 40 days old: unknown",
    bp(130, 85, when="2026-10-10"),
    without={"bp"},
)
case(
    "pain_other_loinc_code_herniation",
    "defer",
    "disc herniation with pain 7 recorded under LOINC 38208-5",
    condition(ICD10, "M51.1", "Lumbar disc disorder with radiculopathy"),
    observation("38208-5", 7, "{score}"),
    without={"pain"},
)
case(
    "pain_as_string_herniation",
    "defer",
    "disc herniation with pain '6' written as text",
    condition(ICD10, "M51.1", "Lumbar disc disorder with radiculopathy"),
    observation("72514-3", "6", key="valueString"),
    without={"pain"},
)
case(
    "pain_out_of_scale_herniation",
    "needs_clearance",
    "disc herniation (needs clearance) with pain 65 on a 0-10 scale: implausible, set aside; pain unknown (listed as missing)",
    condition(ICD10, "M51.1", "Lumbar disc disorder with radiculopathy"),
    observation("72514-3", 65, "{score}"),
    without={"pain"},
)
case(
    "platelets_in_diagnostic_report",
    "contraindicated",
    "platelets 30 x10*9/L inside a DiagnosticReport (contained): below 50",
    {
        "resourceType": "DiagnosticReport",
        "status": "final",
        "code": {"coding": [coding(LOINC, "58410-2", "CBC panel")]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": DAY,
        "contained": [{**observation("777-3", 30, "10*9/L"), "id": "plt"}],
        "result": [{"reference": "#plt"}],
    },
)
case(
    "platelets_low_today",
    "contraindicated",
    "platelets 40 x10*9/L today",
    observation("777-3", 40, "10*9/L"),
)
case(
    "platelets_stale_low",
    "needs_data",
    "platelets 30 measured 200 days ago: stale, unknown (never 'not low')",
    observation("777-3", 30, "10*9/L", when="2026-05-04"),
)
case(
    "platelets_stale_normal",
    "needs_data",
    "platelets 250 measured 200 days ago: stale, unknown",
    observation("777-3", 250, "10*9/L", when="2026-05-04"),
)
case(
    "platelets_unconvertible_unit",
    "needs_data",
    "a platelet count in an unknown unit is set aside, not the record: the count was taken,"
    " its value is unknown (DESIGN.md section 3), so low platelets cannot be ruled out",
    observation("777-3", 250, "bananas"),
)
case(
    "platelets_manual_count_low",
    "contraindicated",
    "platelets by manual count 778-1: 35",
    observation("778-1", 35, "10*9/L"),
)
case(
    "observation_cancelled_fever",
    "allowed",
    "a cancelled temperature reading is not a measurement",
    observation("8310-5", 39.0, "Cel", status="cancelled"),
)
case(
    "observation_entered_in_error_capitalised",
    "allowed",
    "status 'Entered-In-Error' in capitals voids the reading",
    observation("8310-5", 39.0, "Cel", status="Entered-In-Error"),
)

# ---------------------------------------------------------------------------------------
# Statuses and dates

case(
    "clinical_status_capitalised",
    "contraindicated",
    "clinicalStatus 'Active' in capitals",
    condition(ICD10, "C50.9", "Malignant neoplasm of breast", clinical="Active"),
)
case(
    "verification_refuted_capitalised",
    "allowed",
    "verificationStatus 'Refuted' in capitals removes the condition",
    condition(ICD10, "C50.9", "Malignant neoplasm of breast", verification="Refuted"),
)
case(
    "future_onset_recorded_past",
    "contraindicated",
    "an onset in 2027 on a condition recorded in 2026-10: the onset is set aside, the recorded date used",
    condition(
        ICD10, "C50.9", "Malignant neoplasm of breast", onset="2027-03-01", recorded="2026-10-02"
    ),
)
case(
    "active_with_past_abatement",
    "needs_data",
    "clinicalStatus active and an abatement date in the past: contradictory, unknown (never absent)",
    condition(ICD10, "I50.9", "Heart failure", abatement="2026-05-01"),
)
case(
    "resolved_with_abatement",
    "needs_clearance",
    "a resolved heart failure with an abatement date: not in force, a past heart failure, a"
    " heart disease to clear",
    condition(ICD10, "I50.9", "Heart failure", clinical="resolved", abatement="2026-05-01"),
)
case(
    "own_text_mentions_family_history",
    "contraindicated",
    "the patient's own coded cancer whose text also mentions a family history: not family history",
    condition(
        ICD10,
        "C50.9",
        "Malignant neoplasm of breast",
        text="Breast cancer; family history of diabetes",
    ),
)
case(
    "family_member_history_resource",
    "allowed",
    "a FamilyMemberHistory of cancer is a relative's",
    {
        "resourceType": "FamilyMemberHistory",
        "status": "completed",
        "patient": {"reference": "Patient/p1"},
        "relationship": {"coding": [{"code": "MTH"}]},
        "condition": [{"code": {"coding": [coding(ICD10, "C50.9")]}}],
    },
)
case(
    "family_history_code",
    "allowed",
    "SNOMED 312824007 family history of cancer of colon (a family-history situation)",
    condition(SNOMED, "312824007", "Family history of cancer of colon"),
)
case(
    "family_history_category",
    "allowed",
    "a Condition in a family-history category",
    condition(
        ICD10,
        "C50.9",
        "Malignant neoplasm of breast",
        category={"coding": [{"code": "family-history"}]},
    ),
)
case(
    "entered_in_error_medication",
    "allowed",
    "a warfarin statement entered in error",
    medication("MedicationStatement", code="855332", display="Warfarin", status="entered-in-error"),
)
case(
    "no_clinical_status_active_code",
    "contraindicated",
    "a cancer with no clinicalStatus at all counts as in force",
    condition(ICD10, "C50.9", "Malignant neoplasm of breast", clinical=None),
)
case(
    "pregnancy_z33_1",
    "needs_clearance",
    "ICD-10-CM Z33.1 pregnant state",
    condition(ICD10CM, "Z33.1", "Pregnant state, incidental"),
)
case(
    "pregnancy_snomed",
    "needs_clearance",
    "SNOMED 72892002 normal pregnancy",
    condition(SNOMED, "72892002", "Normal pregnancy"),
)
case(
    "osteoporosis_coded_gm",
    "allowed_with_precautions",
    "ICD-10-GM M81.0 osteoporosis: precautions",
    condition(ICD10GM, "M81.0", "Postmenopausale Osteoporose"),
)
case(
    "spinal_tb_who",
    "refer_urgently",
    "WHO M49.0 tuberculosis of spine",
    condition(ICD10, "M49.0", "Tuberculosis of spine"),
)
case(
    "myelopathy_m50_0_lower",
    "refer_urgently",
    "m50.0 (lower case) cervical disc disorder with myelopathy",
    condition(ICD10, "m50.0", "Cervical disc disorder with myelopathy"),
)


def response(status: str = "completed", **answers: Any) -> Resource:
    """A QuestionnaireResponse to the intake Questionnaire (spinecare fhir questionnaire)."""
    items = []
    for link, value in answers.items():
        key = "valueBoolean" if isinstance(value, bool) else "valueDecimal"
        items.append({"linkId": link, "answer": [{key: value}]})
    return {
        "resourceType": "QuestionnaireResponse",
        "status": status,
        "questionnaire": "https://spinecare.example.org/fhir/Questionnaire/massage-intake",
        "subject": {"reference": "Patient/p1"},
        "authored": "2026-11-20T09:15:00+03:00",
        "item": [{"linkId": "answers", "item": items}],
    }


case(
    "questionnaire_saddle_anaesthesia",
    "refer_urgently",
    "an intake QuestionnaireResponse answering yes to saddle anaesthesia",
    response(saddle_anaesthesia=True),
)
case(
    "questionnaire_readings_high_bp",
    "defer",
    "blood pressure 190/115 given as answers of the intake QuestionnaireResponse",
    response(systolic_bp=190, diastolic_bp=115),
    without={"bp"},
)
case(
    "questionnaire_fever_answer_instead_of_temperature",
    "allowed",
    "no temperature measured, the intake answer says no fever today",
    response(fever_today=False),
    without={"temperature"},
)
case(
    "questionnaire_in_progress_saddle_yes",
    "needs_data",
    "a response still in progress answering yes to saddle anaesthesia: an answer given is an"
    " answer, the red flag to confirm (policy_unfinished_form), never allowed",
    response("in-progress", saddle_anaesthesia=True),
)
case(
    "questionnaire_temperature_reading",
    "defer",
    "a temperature of 38.2 given in the intake QuestionnaireResponse",
    response(body_temperature=38.2),
    without={"temperature"},
)


case(
    "pregnancy_status_observation",
    "needs_clearance",
    "pregnancy recorded as an Observation: LOINC 82810-3 pregnancy status, answer LA15173-0 pregnant",
    observation(
        "82810-3", {"coding": [coding(LOINC, "LA15173-0", "Pregnant")]}, key="valueCodeableConcept"
    ),
)
case(
    "pregnancy_status_snomed_answer",
    "needs_clearance",
    "pregnancy status 11449-6 answered with SNOMED 77386006 pregnant",
    observation(
        "11449-6", {"coding": [coding(SNOMED, "77386006", "Pregnant")]}, key="valueCodeableConcept"
    ),
)
case(
    "pregnancy_status_not_pregnant",
    "allowed",
    "pregnancy status answered 'not pregnant' (LA26683-5)",
    observation(
        "82810-3",
        {"coding": [coding(LOINC, "LA26683-5", "Not pregnant")]},
        key="valueCodeableConcept",
    ),
)
case(
    "pregnancy_status_two_years_ago",
    "allowed",
    "a status of pregnant recorded two years ago no longer counts (42 weeks)",
    observation(
        "82810-3",
        {"coding": [coding(LOINC, "LA15173-0", "Pregnant")]},
        key="valueCodeableConcept",
        when="2024-10-01",
    ),
)


case(
    "child_with_back_pain",
    "refer_urgently",
    "a 12-year-old with low back pain: spinal pain before 20 is a red flag for a serious cause (NICE CKS)",
    {"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "2014-06-02"},
    condition(ICD10, "M54.5", "Low back pain"),
)


def local_procedure(code: str, text: str, performed: str) -> Resource:
    """A completed procedure under a hospital's own code, named in words."""
    return {
        "resourceType": "Procedure",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "code": {
            "coding": [coding("http://hospital.example.org/procedures", code)],
            "text": text,
        },
        "performedDateTime": performed,
    }


case(
    "procedure_text_spinal_fusion",
    "needs_data",
    "a procedure coded locally, text 'Lumbar spinal fusion L4-L5' last month: recent spinal surgery found in text, confirm",
    local_procedure("P-1234", "Lumbar spinal fusion L4-L5", "2026-10-25"),
)


def microdiscectomy(status: str | None = "completed", **performed: Any) -> Resource:
    """A lumbar microdiscectomy (SNOMED CT 178625001) with the given performed[x]."""
    res: Resource = {
        "resourceType": "Procedure",
        "status": status,
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [coding(SNOMED, "178625001", "Primary lumbar microdiscectomy")]},
    }
    res.update(performed)
    return res


case(
    "spinal_surgery_performed_string",
    "needs_data",
    "a completed lumbar microdiscectomy done 'spring 2026' (performedString): whether it is"
    " recent cannot be decided; confirm when it was done",
    microdiscectomy(performedString="spring 2026"),
)
case(
    "spinal_surgery_performed_age",
    "needs_data",
    "a completed lumbar microdiscectomy done at age 56 (performedAge): no date, so whether it"
    " is recent cannot be decided; confirm when it was done",
    microdiscectomy(
        performedAge={"value": 56, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"}
    ),
)
case(
    "spinal_surgery_no_date_no_status",
    "needs_data",
    "a lumbar microdiscectomy with neither status nor performed[x]: whether it is recent"
    " cannot be decided; confirm when it was done",
    microdiscectomy(None),
)
case(
    "spinal_surgery_no_date_not_done",
    "allowed",
    "a lumbar microdiscectomy with status not-done and no date: it was not done",
    microdiscectomy("not-done"),
)
case(
    "spinal_surgery_dated_long_ago",
    "allowed",
    "a completed lumbar microdiscectomy done in 2019: not recent",
    microdiscectomy(performedDateTime="2019-06-01"),
)


case(
    "no_birth_date_osteochondrosis",
    "needs_data",
    "lumbar osteochondrosis and a Patient with no birthDate: spinal pain before the age of 20"
    " is a red flag, so whether it applies cannot be decided; record the date of birth",
    {
        "resourceType": "Patient",
        "id": "p1",
        "name": [{"family": "Fixture", "given": ["Anna"]}],
        "gender": "female",
    },
)
case(
    "birth_date_after_screening_day",
    "needs_data",
    "lumbar osteochondrosis and a birthDate after the screening day (a typing error): the"
    " age is not plausible, so whether spinal pain began before the age of 20 cannot be"
    " decided; record the date of birth",
    {
        "resourceType": "Patient",
        "id": "p1",
        "name": [{"family": "Fixture", "given": ["Anna"]}],
        "gender": "female",
        "birthDate": "2027-03-15",
    },
)
case(
    "young_patient_osteochondrosis",
    "refer_urgently",
    "lumbar osteochondrosis in a patient born 2010-01-15 (16 years old): spinal pain before the"
    " age of 20, a red flag",
    {
        "resourceType": "Patient",
        "id": "p1",
        "name": [{"family": "Fixture", "given": ["Anna"]}],
        "gender": "female",
        "birthDate": "2010-01-15",
    },
)


# ---------------------------------------------------------------------------------------
# Second round: shapes seen in Epic, Cerner, Russian MIS and German systems


def quantity(
    code: str,
    value: Any,
    unit: str | None = None,
    ucum: str | None = None,
    *,
    comparator: str | None = None,
) -> Resource:
    """An Observation whose valueQuantity is written as given: a ``unit`` without a system
    or ``code``, a ``code`` without a ``unit``, a comparator."""
    res = observation(code)
    written: dict[str, Any] = {"value": value}
    if comparator is not None:
        written["comparator"] = comparator
    if unit is not None:
        written["unit"] = unit
    if ucum is not None:
        written.update({"system": "http://unitsofmeasure.org", "code": ucum})
    res["valueQuantity"] = written
    return res


def bp_as_written(
    systolic: float, diastolic: float, unit: dict[str, str], *, system: str | None = LOINC
) -> Resource:
    """A blood-pressure panel whose components' units and codes are written as given."""
    return {
        **bp(systolic, diastolic),
        "component": [
            {
                "code": {"coding": [coding(system, code)]},
                "valueQuantity": {"value": value, **unit},
            }
            for code, value in (("8480-6", systolic), ("8462-4", diastolic))
        ],
    }


def by_reference(target: str, kind: str = "MedicationRequest", **extra: Any) -> Resource:
    """A medication resource naming its drug by medicationReference."""
    res = medication(kind, code=None)
    del res["medicationCodeableConcept"]
    res["medicationReference"] = {"reference": target}
    res.update(extra)
    return res


ELIQUIS_SBD = coding(RXNORM, "1364447", "apixaban 5 MG Oral Tablet [Eliquis]")
HERNIATION = condition(ICD10, "M51.1", "Lumbar disc disorder with radiculopathy")

case(
    "mkb10_cyrillic_letter_herniation",
    "needs_clearance",
    "MKB-10 'М51.1' typed with the Cyrillic letter М: disc herniation (no clearance recorded)",
    condition(
        MKB10, "М51.1", "Поражение межпозвоночного диска поясничного отдела с радикулопатией"
    ),
)
case(
    "mkb10_cyrillic_letter_breast_cancer",
    "contraindicated",
    "MKB-10 'С50.4' typed with the Cyrillic letter С: an active malignant neoplasm",
    condition(MKB10, "С50.4", "Злокачественное новообразование молочной железы"),
)
case(
    "mkb10_space_inside_code",
    "needs_clearance",
    "MKB-10 'M 51.1' with a space: disc herniation",
    condition(MKB10, "M 51.1", "Грыжа межпозвонкового диска"),
)
case(
    "icd10_dagger_asterisk_spinal_tuberculosis",
    "refer_urgently",
    "dual coding A18.0† M49.0* (tuberculosis of spine): the asterisk code names the spine",
    {
        **condition(ICD10, "A18.0†", "Tuberculosis of bones and joints"),
        "code": {
            "coding": [
                coding(MKB10, "A18.0†", "Туберкулез костей и суставов"),
                coding(MKB10, "M49.0*", "Туберкулез позвоночника"),
            ]
        },
    },
)
case(
    "icd10cm_category_with_dash",
    "refer_urgently",
    "'M48.5-' (collapsed vertebra, the category written with its dash): vertebral fracture",
    condition(ICD10CM, "M48.5-", "Collapsed vertebra, not elsewhere classified"),
)
case(
    "icd10_code_with_spaces_around",
    "contraindicated",
    "' C50.9' with a leading space and a trailing no-break space: breast cancer",
    condition(ICD10, " C50.9\u00a0", "Malignant neoplasm of breast"),
)
case(
    "icd10cm_s22_000a_thoracic_fracture",
    "refer_urgently",
    "ICD-10-CM S22.000A wedge compression fracture of a thoracic vertebra: vertebral fracture",
    condition(
        ICD10CM,
        "S22.000A",
        "Wedge compression fracture of unspecified thoracic vertebra, initial encounter",
    ),
)
case(
    "icd10cm_m80_08xa_osteoporotic_vertebral_fracture",
    "refer_urgently",
    "ICD-10-CM M80.08XA age-related osteoporosis with a current vertebral fracture",
    condition(
        ICD10CM,
        "M80.08XA",
        "Age-related osteoporosis with current pathological fracture, vertebra(e)",
    ),
)
case(
    "icd10cm_c7951_lower_case_no_dot",
    "refer_urgently",
    "'c7951' (C79.51 in lower case, no dot): bone metastasis",
    condition(ICD10CM, "c7951", "Secondary malignant neoplasm of bone"),
)
case(
    "icd10cm_user_selected_after_local_code",
    "contraindicated",
    "an Epic-style Condition: a local code first, the ICD-10-CM code marked userSelected second",
    {
        **condition(text="Breast ca"),
        "code": {
            "coding": [
                coding("urn:oid:1.2.840.114350.1.13.0.1.7.2.728286", "12345", "Breast cancer left"),
                {
                    **coding(ICD10CM, "C50.912", "Malignant neoplasm of left female breast"),
                    "userSelected": True,
                },
            ],
            "text": "Breast ca",
        },
    },
)
case(
    "icd10cm_z34_supervision_of_pregnancy",
    "needs_clearance",
    "ICD-10-CM Z34.00 supervision of normal first pregnancy: the patient is pregnant",
    condition(ICD10CM, "Z34.00", "Encounter for supervision of normal first pregnancy"),
)
case(
    "snomed_pregnant_as_condition",
    "needs_clearance",
    "SNOMED 77386006 (patient currently pregnant) recorded as a Condition",
    condition(SNOMED, "77386006", "Pregnant"),
)
case(
    "snomed_child_german_display",
    "contraindicated",
    "SNOMED 703272007 heart failure with reduced ejection fraction, displayed in German only",
    condition(SNOMED, "703272007", "Herzinsuffizienz mit reduzierter Ejektionsfraktion"),
)
case(
    "verification_provisional",
    "contraindicated",
    "verificationStatus provisional: only refuted and entered-in-error remove a condition",
    condition(ICD10, "C50.9", "Malignant neoplasm of breast", verification="provisional"),
)
case(
    "verification_differential",
    "contraindicated",
    "verificationStatus differential: still the patient's recorded condition",
    condition(ICD10, "C50.9", "Malignant neoplasm of breast", verification="differential"),
)
case(
    "condition_malformed_onset",
    "contraindicated",
    "onsetDateTime '2025/03/01' is malformed: set aside, the cancer counts (never the record refused)",
    condition(ICD10, "C50.9", "Malignant neoplasm of breast", onset="2025/03/01"),
)
case(
    "text_russian_spinal_metastases_inflected",
    "needs_data",
    "'Метастатическое поражение позвонков Th10-L2': spinal metastases found in text, confirm",
    condition(text="Метастатическое поражение позвонков Th10-L2"),
)
case(
    "text_russian_vertebral_body_fracture",
    "needs_data",
    "'Перелом тела позвонка L1': a vertebral fracture found in text, confirm",
    condition(text="Перелом тела позвонка L1"),
)
case(
    "text_russian_dvt_shin",
    "needs_data",
    "'Тромбоз глубоких вен левой голени': DVT found in text, confirm",
    condition(text="Тромбоз глубоких вен левой голени"),
)
case(
    "text_russian_ckd_c5_dialysis",
    "needs_data",
    "'ХБП С5, программный гемодиализ': stage 5 CKD found in text, confirm",
    condition(text="ХБП С5, программный гемодиализ"),
)
case(
    "text_russian_metastases_without_deficit",
    "needs_data",
    "'Метастазы в позвоночник без неврологического дефицита': 'без' negates what follows it only",
    condition(text="Метастазы в позвоночник без неврологического дефицита"),
)
case(
    "text_metastases_without_cord_compression",
    "needs_data",
    "'Metastatic breast cancer without spinal cord compression': 'without' negates what follows",
    condition(text="Metastatic breast cancer without spinal cord compression"),
)
case(
    "text_cancer_with_prior_radiotherapy",
    "needs_data",
    "'Breast cancer with prior radiotherapy': 'prior' puts the radiotherapy in the past, not the cancer",
    condition(text="Breast cancer with prior radiotherapy"),
)
case(
    "text_russian_fracture_not_united",
    "needs_data",
    "'Перелом позвонка L1 не консолидирован': 'не' after the fracture does not negate it",
    condition(text="Перелом позвонка L1 не консолидирован"),
)
case(
    "text_collapsed_vertebra_nec",
    "needs_data",
    "'Collapsed vertebra not elsewhere classified': a pseudo-negation, the fracture stands",
    condition(text="Collapsed vertebra not elsewhere classified"),
)
case(
    "text_russian_cancer_not_excluded",
    "needs_data",
    "'Рак поджелудочной железы не исключен' (cancer not ruled out): a pseudo-negation",
    condition(text="Рак поджелудочной железы не исключен"),
)
case(
    "text_metastases_not_ruled_out",
    "needs_data",
    "'Spinal metastases not ruled out': a pseudo-negation",
    condition(text="Spinal metastases not ruled out"),
)
case(
    "text_no_fever_but_bone_metastases",
    "needs_data",
    "'No fever but bone metastases on MRI': 'but' ends what 'no' negates",
    condition(text="No fever but bone metastases on MRI"),
)
case(
    "text_russian_no_fever",
    "allowed",
    "'Нет лихорадки': negated",
    condition(text="Нет лихорадки"),
)
case(
    "text_denies_fever",
    "allowed",
    "'Denies fever or chills': negated",
    condition(text="Denies fever or chills"),
)
case(
    "text_russian_cancer_excluded",
    "allowed",
    "'Рак молочной железы исключен' (ruled out): negated by the cue after it",
    condition(text="Рак молочной железы исключен"),
)
case(
    "text_history_of_breast_cancer",
    "needs_data",
    "'History of breast cancer': a history of cancer (needs clearance) found in text, confirm",
    condition(text="History of breast cancer"),
)
case(
    "text_russian_cancer_in_history",
    "needs_data",
    "'Рак молочной железы в анамнезе': a history of cancer found in text, confirm",
    condition(text="Рак молочной железы в анамнезе"),
)
case(
    "procedure_text_russian_status_post_discectomy",
    "needs_data",
    "a Procedure last month with text 'Состояние после микродискэктомии': a spinal operation",
    {
        "resourceType": "Procedure",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "code": {"text": "Состояние после микродискэктомии L5-S1"},
        "performedDateTime": "2026-10-25",
    },
)
case(
    "medication_contained_branded_drug",
    "needs_clearance",
    "medicationReference to a contained Medication coded RxNorm SBD 'apixaban 5 MG Oral Tablet"
    " [Eliquis]': the listed clinical drug with its brand",
    by_reference(
        "#m1",
        contained=[{"resourceType": "Medication", "id": "m1", "code": {"coding": [ELIQUIS_SBD]}}],
    ),
)
case(
    "medication_bundled_branded_drug",
    "needs_clearance",
    "medicationReference to a Medication elsewhere in the Bundle, coded as a branded drug",
    {"resourceType": "Medication", "id": "med1", "code": {"coding": [ELIQUIS_SBD]}},
    by_reference("Medication/med1"),
)
case(
    "medication_reference_absolute_url",
    "needs_clearance",
    "medicationReference by the server's absolute URL (Epic): the Bundle's Medication/abc",
    {"resourceType": "Medication", "id": "abc", "code": {"coding": [ELIQUIS_SBD]}},
    by_reference("https://fhir.example.org/api/FHIR/R4/Medication/abc"),
)
case(
    "rxnorm_sbd_xarelto",
    "needs_clearance",
    "RxNorm SBD 'rivaroxaban 20 MG Oral Tablet [Xarelto]': the listed clinical drug",
    medication(code="1232088", display="rivaroxaban 20 MG Oral Tablet [Xarelto]"),
)
case(
    "rxnorm_bpck_eliquis_starter_pack",
    "needs_clearance",
    "RxNorm BPCK '{74 (apixaban 5 MG Oral Tablet [Eliquis]) } Pack [Eliquis 30-Day Starter"
    " Pack]': the listed generic pack with its brands",
    medication(
        code="1992428",
        display="{74 (apixaban 5 MG Oral Tablet [Eliquis]) } Pack [Eliquis 30-Day Starter Pack]",
    ),
)
case(
    "medication_ingredient_rxnorm",
    "needs_clearance",
    "a contained Medication with a local code and its ingredient RxNorm 1364430 apixaban",
    by_reference(
        "#m1",
        contained=[
            {
                "resourceType": "Medication",
                "id": "m1",
                "code": {"coding": [coding("urn:oid:1.2.840.114350.1.13.0.1.7.2.698288", "99")]},
                "ingredient": [
                    {"itemCodeableConcept": {"coding": [coding(RXNORM, "1364430", "apixaban")]}}
                ],
            }
        ],
    ),
)
case(
    "medication_ingredient_atc_phenprocoumon",
    "needs_clearance",
    "a German-style Medication known only by its ingredient ATC B01AA04 phenprocoumon",
    {
        "resourceType": "Medication",
        "id": "m2",
        "code": {"text": "Präparat 1"},
        "ingredient": [
            {"itemCodeableConcept": {"coding": [coding(ATC, "B01AA04", "Phenprocoumon")]}}
        ],
    },
    by_reference("Medication/m2", "MedicationStatement"),
)
case(
    "medication_reference_display_only",
    "needs_data",
    "medicationReference that resolves to nothing, with display 'Eliquis 5 mg tablet': text",
    by_reference("Medication/unknown")
    | {
        "medicationReference": {"reference": "Medication/unknown", "display": "Eliquis 5 mg tablet"}
    },
)
case(
    "medication_ndc_capital_display",
    "needs_data",
    "an unlisted NDC displayed 'XARELTO 20 MG PO TABS': an anticoagulant found in its display",
    medication(system=NDC, code="50458057930", display="XARELTO 20 MG PO TABS"),
)
case(
    "medication_text_russian_inflected",
    "needs_data",
    "'Приём варфарина 2,5 мг' (warfarin inflected): found in text",
    medication("MedicationStatement", code=None, text="Приём варфарина 2,5 мг"),
)
case(
    "atc_code_in_local_system",
    "needs_data",
    "B01AF01 (rivaroxaban) in a local code system: shaped like ATC, unknown, to confirm",
    medication(system="urn:oid:1.2.3.4.5.6.7", code="B01AF01"),
)
case(
    "temperature_cyrillic_celsius",
    "defer",
    "38.4 '°С' written with the Cyrillic letter Es: a fever",
    quantity("8310-5", 38.4, "°С"),
    without={"temperature"},
)
case(
    "temperature_degf_101_3",
    "defer",
    "101.3 [degF] is 38.5 Cel: a fever",
    quantity("8310-5", 101.3, "degF", "[degF]"),
    without={"temperature"},
)
case(
    "temperature_code_without_unit",
    "defer",
    "valueQuantity with code Cel and no unit: 38.4 Cel",
    quantity("8310-5", 38.4, ucum="Cel"),
    without={"temperature"},
)
case(
    "temperature_vital_signs_panel_component",
    "defer",
    "a vital-signs panel 85353-1 with the temperature as a component: 38.5 Cel",
    observation(
        "85353-1",
        components=[
            {
                "code": {"coding": [coding(LOINC, "8310-5")]},
                "valueQuantity": {"value": 38.5, "unit": "Cel", "code": "Cel"},
            }
        ],
    ),
    without={"temperature"},
)
case(
    "temperature_value_string_in_quantity",
    "needs_data",
    "valueQuantity.value '38.4' as a string: that reading is set aside, not the whole record",
    quantity("8310-5", "38.4", "Cel", "Cel"),
    without={"temperature"},
)
case(
    "temperature_malformed_date",
    "needs_data",
    "effectiveDateTime '20.11.2026': that reading is set aside (no temperature), not the record",
    {**quantity("8310-5", 36.6, "Cel", "Cel"), "effectiveDateTime": "20.11.2026"},
    without={"temperature"},
)
case(
    "bp_russian_unit",
    "defer",
    "190/115 in 'мм рт.ст.' (a Russian MIS): significant hypertension",
    bp_as_written(190, 115, {"unit": "мм рт.ст."}),
    without={"bp"},
)
case(
    "bp_separate_observations_high",
    "defer",
    "systolic 8480-6 and diastolic 8462-4 as two Observations: 185/112",
    quantity("8480-6", 185, "mmHg", "mm[Hg]"),
    quantity("8462-4", 112, "mmHg", "mm[Hg]"),
    without={"bp"},
)
case(
    "pain_russian_points_unit_herniation",
    "defer",
    "disc herniation with pain 7 in 'балл' (points)",
    HERNIATION,
    quantity("72514-3", 7, "балл"),
    without={"pain"},
)
case(
    "pain_answer_list_herniation",
    "defer",
    "disc herniation with pain picked from an answer list (valueCodeableConcept, text '8')",
    HERNIATION,
    observation(
        "72514-3",
        {"coding": [coding(LOINC, "LA6119-7", "8")], "text": "8"},
        key="valueCodeableConcept",
    ),
    without={"pain"},
)
for name, unit, why in (
    ("platelets_per_mcl", "10*3/mcL", "'10*3/mcL'"),
    ("platelets_micro_sign", "10^3/µL", "'10^3/µL' with the micro sign"),
    ("platelets_giga_per_litre", "G/L", "'G/L' (giga per litre, French and German reports)"),
    ("platelets_per_nanolitre", "/nl", "'/nl' (per nanolitre)"),
    ("platelets_german_thousand", "Tsd/µl", "'Tsd/µl' (Tausend per microlitre)"),
    ("platelets_russian_superscript", "×10⁹/л", "'×10⁹/л' (a Russian laboratory)"),
    ("platelets_russian_thousand", "тыс/мкл", "'тыс/мкл' (thousand per microlitre)"),
):
    case(
        name,
        "contraindicated",
        f"platelets 30 in {why}: below 50 x10*9/L",
        quantity("777-3", 30, unit),
    )
case(
    "birth_year_only_may_be_nineteen",
    "refer_urgently",
    "birthDate '2006' with low back pain: the patient may be 19 (read as the last day of 2006)",
    {"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "2006"},
    condition(ICD10, "M54.5", "Low back pain"),
)
case(
    "medication_statement_period_ended",
    "needs_data",
    "an active warfarin statement whose effectivePeriod ended in 2025: taken by its status,"
    " over by its period: whether it is still taken is to confirm (it was read as over:"
    " allowed)",
    medication(
        "MedicationStatement",
        code="855332",
        display="Warfarin Sodium 5 MG Oral Tablet",
        extra={"effectivePeriod": {"start": "2025-01-01", "end": "2025-06-01"}},
    ),
)


BREAST_CANCER = condition(ICD10, "C50.9", "Malignant neoplasm of breast")
case(
    "clinical_status_snomed_active",
    "contraindicated",
    "clinicalStatus coded SNOMED 55561003 Active (C-CDA problem status): in force, not ended",
    {
        **BREAST_CANCER,
        "clinicalStatus": {"coding": [coding(SNOMED, "55561003", "Active")]},
    },
)
case(
    "clinical_status_stu3_string",
    "contraindicated",
    "an STU3-style Condition: clinicalStatus 'active' and verificationStatus 'confirmed' as"
    " strings are read, not the record refused",
    {**BREAST_CANCER, "clinicalStatus": "active", "verificationStatus": "confirmed"},
)
case(
    "clinical_status_not_understood",
    "contraindicated",
    "clinicalStatus 'unknown': a status not understood is no status, so the condition counts",
    {**BREAST_CANCER, "clinicalStatus": {"coding": [{"code": "unknown"}]}},
)
case(
    "clinical_status_russian_local_code",
    "contraindicated",
    "clinicalStatus in a local Russian code system ('1', 'Активное'): no FHIR status, counts",
    {
        **BREAST_CANCER,
        "clinicalStatus": {"coding": [coding("urn:oid:1.2.643.5.1.13.13.99.2.1", "1", "Активное")]},
    },
)
case(
    "condition_coding_display_without_code",
    "needs_data",
    "a coding with a display and no code ('Malignant neoplasm of breast'): read as text, confirm",
    {
        **condition(),
        "code": {"coding": [{"system": ICD10, "display": "Malignant neoplasm of breast"}]},
    },
)
case(
    "snomed_code_with_term",
    "contraindicated",
    "SNOMED written with its term, '84114007 |Heart failure|': heart failure",
    condition(SNOMED, "84114007 |Heart failure|"),
)
case(
    "medication_coding_display_without_code",
    "needs_data",
    "a medication coding with display 'apixaban 5 MG Oral Tablet' and no code: found in text",
    {
        **medication(code=None),
        "medicationCodeableConcept": {
            "coding": [{"system": RXNORM, "display": "apixaban 5 MG Oral Tablet"}]
        },
    },
)
case(
    "bp_components_without_system",
    "defer",
    "BP panel whose components carry LOINC 8480-6 and 8462-4 without a system: 190/115",
    bp_as_written(190, 115, {"unit": "mm[Hg]", "code": "mm[Hg]"}, system=None),
    without={"bp"},
)
case(
    "questionnaire_coded_yes",
    "refer_urgently",
    "saddle anaesthesia answered from a coded list (LOINC LA33-6 Yes), not valueBoolean",
    {
        **response(),
        "item": [
            {
                "linkId": "saddle_anaesthesia",
                "answer": [{"valueCoding": coding(LOINC, "LA33-6", "Yes")}],
            }
        ],
    },
)


case(
    "snomed_code_as_json_number",
    "contraindicated",
    "SNOMED 84114007 written as a JSON number, not a string: heart failure (read, not refused)",
    {**condition(), "code": {"coding": [{"system": SNOMED, "code": 84114007}]}},
)
case(
    "temperature_string_with_unit",
    "defer",
    "valueString '38,5 °C' (a number and its unit in one string): a fever",
    observation("8310-5", "38,5 °C", key="valueString"),
    without={"temperature"},
)
case(
    "snomed_fracture_code_with_other_display",
    "refer_urgently",
    "SNOMED 207938004 closed fracture of a thoracic vertebra displayed 'Closed fracture of lumbar"
    " vertebra': the code is listed and wins over its display",
    condition(SNOMED, "207938004", "Closed fracture of lumbar vertebra"),
)
case(
    "text_ckd_stage_roman",
    "needs_data",
    "'CKD stage IV': stage 4 chronic kidney disease found in text, confirm",
    condition(text="CKD stage IV"),
)
case(
    "text_ca_breast_abbreviation",
    "needs_data",
    "'Ca breast, on tamoxifen': breast cancer written the short way, found in text",
    condition(text="Ca breast, on tamoxifen"),
)


case(
    "text_unlisted_snomed_german_display",
    "needs_data",
    "an unlisted SNOMED code displayed only in German, 'Chronische Herzinsuffizienz': heart"
    " failure found in its display, confirm",
    condition(SNOMED, "85928008", "Chronische Herzinsuffizienz"),
)
case(
    "text_german_breast_cancer_compound",
    "needs_data",
    "'Mammakarzinom links, ED 2025' (a German diagnosis text): cancer found in text",
    condition(text="Mammakarzinom links, ED 2025"),
)
case(
    "text_german_bone_metastases",
    "needs_data",
    "'Ossäre Metastasen LWK 2-4': spinal metastases found in text",
    condition(text="Ossäre Metastasen LWK 2-4"),
)
case(
    "text_german_vertebral_fracture",
    "needs_data",
    "'Osteoporotische Wirbelkörperfraktur LWK 1': a vertebral fracture found in text",
    condition(text="Osteoporotische Wirbelkörperfraktur LWK 1"),
)
case(
    "text_german_no_fever",
    "allowed",
    "'Kein Fieber': negated",
    condition(text="Kein Fieber"),
)
case(
    "text_german_metastases_not_excluded",
    "needs_data",
    "'Metastasen nicht ausgeschlossen' (not ruled out): a pseudo-negation",
    condition(text="Metastasen nicht ausgeschlossen"),
)
case(
    "medication_text_german_phenprocoumon_brand",
    "needs_data",
    "'Falithrom 3 mg nach INR' (phenprocoumon, a German brand): an anticoagulant in text",
    medication("MedicationStatement", code=None, text="Falithrom 3 mg nach INR"),
)

for name, words, what in (
    (
        "swedish_warfarin_brand",
        "Waran 2,5 mg tablett enligt ordination",
        "Waran (warfarin, Sweden)",
    ),
    ("finnish_warfarin_brand", "Orfarin 3 mg INR:n mukaan", "Orfarin (warfarin, Finland)"),
    (
        "german_phenprocoumon_phenprogamma",
        "Phenprogamma 3 mg nach INR",
        "Phenprogamma (phenprocoumon)",
    ),
    ("heparin_calcium_brand", "Calciparine 5000 UI SC x2/j", "Calciparine (heparin calcium)"),
    ("russian_clopidogrel_brand", "Агрегаль 75 мг 1 раз в день", "Агрегаль (clopidogrel, Russia)"),
):
    case(
        f"medication_text_{name}",
        "needs_data",
        f"'{words}': {what}, a blood thinner named by its brand only (it was allowed)",
        medication("MedicationStatement", code=None, text=words),
    )


case(
    "bp_loinc_under_national_oid",
    "defer",
    "an Epic flowsheet BP whose components carry LOINC 8480-6 and 8462-4 under a national OID"
    " (urn:oid:1.2.246.537.6.96): 190/115",
    {
        **bp_as_written(
            190,
            115,
            {"unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"},
            system="urn:oid:1.2.246.537.6.96",
        ),
        "code": {
            "coding": [coding("urn:oid:1.2.840.114350.1.13.0.1.7.2.707679", "5", "BP")],
            "text": "BP",
        },
    },
    without={"bp"},
)
case(
    "temperature_loinc_under_local_system",
    "defer",
    "a temperature coded 8310-5 under a laboratory's own system: 38.6 Cel",
    {
        **observation("8310-5", 38.6, "Cel"),
        "code": {"coding": [coding("http://lab.example.org/codes", "8310-5")]},
    },
    without={"temperature"},
)


case(
    "questionnaire_string_da_fever",
    "defer",
    "fever today answered with the word 'Да' (valueString), no temperature: a yes",
    {**response(), "item": [{"linkId": "fever_today", "answer": [{"valueString": "Да"}]}]},
    without={"temperature"},
)
case(
    "questionnaire_string_yes_saddle",
    "refer_urgently",
    "saddle anaesthesia answered with the word 'Yes' (valueString): a yes",
    {**response(), "item": [{"linkId": "saddle_anaesthesia", "answer": [{"valueString": "Yes"}]}]},
)
case(
    "questionnaire_coding_words_only",
    "refer_urgently",
    "saddle anaesthesia answered with a coding that has only its words, 'Yes'",
    {
        **response(),
        "item": [{"linkId": "saddle_anaesthesia", "answer": [{"valueCoding": {"display": "Yes"}}]}],
    },
)
case(
    "questionnaire_string_net_fever",
    "allowed",
    "fever today answered 'нет' (no), no temperature: the answer stands for the temperature",
    {**response(), "item": [{"linkId": "fever_today", "answer": [{"valueString": "нет"}]}]},
    without={"temperature"},
)


case(
    "text_ckd_stage_after_comma",
    "needs_data",
    "'Chronic kidney disease, stage 5' (the ICD-10-CM title as text): the stage belongs to the"
    " words before the comma; stage 5 CKD found in text",
    condition(text="Chronic kidney disease, stage 5"),
)
case(
    "text_ckd_stage_3_after_comma",
    "allowed",
    "'Chronic kidney disease, stage 3 (moderate)': not stage 4-5, nothing to confirm",
    condition(text="Chronic kidney disease, stage 3 (moderate)"),
)
case(
    "text_russian_ckd_stage_c5",
    "needs_data",
    "'Хроническая болезнь почек, стадия С5': stage 5 CKD found in text",
    condition(text="Хроническая болезнь почек, стадия С5"),
)


case(
    "temperature_bound_above_threshold",
    "defer",
    "temperature '> 38 Cel' (valueQuantity.comparator): above 38 is a fever at 37.5 whatever it is",
    quantity("8310-5", 38, "Cel", "Cel", comparator=">"),
    without={"temperature"},
)
case(
    "temperature_bound_undecided",
    "needs_data",
    "temperature '> 35 Cel': may or may not reach 37.5; set aside, unknown",
    quantity("8310-5", 35, "Cel", "Cel", comparator=">"),
    without={"temperature"},
)
case(
    "platelets_bound_below_threshold",
    "contraindicated",
    "platelets '< 10 x10*9/L' (below the laboratory's range): below 50 whatever it is",
    quantity("777-3", 10, "10*9/L", "10*9/L", comparator="<"),
)
case(
    "platelets_bound_undecided",
    "needs_data",
    "platelets '< 100 x10*9/L': may or may not be below 50; set aside, unknown (never absent)",
    quantity("777-3", 100, "10*9/L", "10*9/L", comparator="<"),
)


# ---------------------------------------------------------------------------------------
# Product-level drug codes with no words; drugs the engine cannot place


def coded_only(system: str, code: str, kind: str = "MedicationRequest", **kw: Any) -> Resource:
    """A drug given by one code with no display and no text, as some EHRs send it."""
    return medication(kind, system, code, **kw)


for name, code, why in [
    ("rxnorm_sbd_eliquis_code_only", "1364447", "apixaban 5 MG Oral Tablet [Eliquis] (SBD)"),
    ("rxnorm_sbd_eliquis_2_5_code_only", "1364441", "apixaban 2.5 MG Oral Tablet [Eliquis] (SBD)"),
    ("rxnorm_sbd_xarelto_code_only", "1232088", "rivaroxaban 20 MG Oral Tablet [Xarelto] (SBD)"),
    ("rxnorm_sbd_xarelto_15_code_only", "1232084", "rivaroxaban 15 MG Oral Tablet [Xarelto] (SBD)"),
    ("rxnorm_sbd_pradaxa_code_only", "1037049", "dabigatran 150 MG Oral Capsule [Pradaxa] (SBD)"),
    ("rxnorm_sbd_savaysa_code_only", "1599557", "edoxaban 60 MG Oral Tablet [Savaysa] (SBD)"),
    ("rxnorm_scd_warfarin_0_5_code_only", "855350", "warfarin sodium 0.5 MG Oral Tablet (SCD)"),
]:
    case(
        name,
        "needs_clearance",
        f"RxNorm {code}, {why}, with no display or text: a blood thinner by its product code",
        coded_only(RXNORM, code),
    )
case(
    "rxnorm_unlisted_code_no_name",
    "needs_data",
    "an active drug given only by an RxNorm code the KB does not list (2592409), no display,"
    " no text: it may be a blood thinner; confirm (clinic policy policy_unplaced_drug)",
    coded_only(RXNORM, "2592409"),
)
case(
    "ndc_unlisted_code_no_name",
    "needs_data",
    "an active drug given only by an NDC code (0003-0894-21), no name: confirm what it is",
    coded_only(NDC, "0003-0894-21", "MedicationStatement"),
)
case(
    "snomed_product_code_no_name",
    "needs_data",
    "an active drug given only by a SNOMED CT product code the KB does not list, no name:"
    " confirm what it is",
    coded_only(SNOMED, "1145423002", "MedicationStatement"),
)
case(
    "drug_reference_not_in_bundle",
    "needs_data",
    "an active MedicationRequest whose medicationReference names a Medication the Bundle does"
    " not hold, with no display: a drug with neither name nor code; confirm what it is"
    " (clinic policy policy_unplaced_drug)",
    by_reference("Medication/absent"),
)
case(
    "drug_empty_codeable_concept",
    "needs_data",
    "an active MedicationStatement whose medicationCodeableConcept is empty: a drug with"
    " neither name nor code; confirm what it is",
    medication("MedicationStatement", code=None),
)
case(
    "drug_reference_display_warfarin",
    "needs_data",
    "an active MedicationRequest naming its drug only by medicationReference.display"
    " 'Warfarin 5 mg' (the Medication not in the Bundle): read by that name, an anticoagulant"
    " found in text, confirm",
    by_reference(
        "Medication/absent-warfarin",
        medicationReference={"reference": "Medication/absent-warfarin", "display": "Warfarin 5 mg"},
    ),
)
case(
    "drug_no_name_no_code_stopped",
    "allowed",
    "a drug with neither name nor code, stopped: not in force, nothing to confirm",
    medication("MedicationStatement", code=None, status="stopped"),
)
case(
    "unnamed_drug_stopped",
    "allowed",
    "a drug given only by an unknown code but stopped: not in force, nothing to confirm",
    coded_only(RXNORM, "2592409", status="stopped", extra={"authoredOn": "2025-01-01"}),
)
case(
    "named_ordinary_drug",
    "allowed",
    "amlodipine 5 MG Oral Tablet (RxNorm 197361 with its display): a named drug that is no"
    " blood thinner",
    medication("MedicationRequest", RXNORM, "197361", "amlodipine 5 MG Oral Tablet"),
)
case(
    "atc_ordinary_drug_code_only",
    "allowed",
    "ATC C09AA02 (enalapril) with no name: an ATC code names its own class, not B01",
    coded_only(ATC, "C09AA02", "MedicationStatement"),
)
case(
    "atc_antithrombotic_code_only",
    "needs_clearance",
    "ATC B01AF02 (apixaban) with no name: the B01A group",
    coded_only(ATC, "B01AF02", "MedicationStatement"),
)
case(
    "snomed_apixaban_substance",
    "needs_clearance",
    "SNOMED CT 698090000 apixaban (substance) as the drug's code",
    medication("MedicationStatement", SNOMED, "698090000"),
)
case(
    "snomed_warfarin_substance",
    "needs_clearance",
    "SNOMED CT 372756006 warfarin (substance) as the drug's code",
    medication("MedicationStatement", SNOMED, "372756006"),
)
case(
    "snomed_anticoagulant_product_class",
    "needs_clearance",
    "SNOMED CT 81839001 medicinal product acting as anticoagulant agent (the GECCO class)",
    medication("MedicationStatement", SNOMED, "81839001"),
)

# ---------------------------------------------------------------------------------------
# Pregnancy recorded as an Observation; a positive hCG test

case(
    "pregnancy_snomed_observation_boolean",
    "needs_clearance",
    "Observation SNOMED 77386006 'Patient currently pregnant', valueBoolean true",
    {
        **observation("77386006", system=SNOMED, key="valueBoolean", value=True),
        "code": {"coding": [coding(SNOMED, "77386006", "Patient currently pregnant")]},
    },
)
case(
    "pregnancy_snomed_observation_false",
    "allowed",
    "Observation SNOMED 77386006 'Patient currently pregnant', valueBoolean false: not pregnant",
    observation("77386006", system=SNOMED, key="valueBoolean", value=False),
)
case(
    "pregnancy_snomed_observation_yes_code",
    "needs_clearance",
    "Observation SNOMED 77386006 'Pregnancy' with valueCodeableConcept SNOMED 373066001 Yes",
    observation(
        "77386006",
        system=SNOMED,
        key="valueCodeableConcept",
        value={"coding": [coding(SNOMED, "373066001", "Yes")]},
    ),
)
case(
    "pregnancy_status_string_pregnant",
    "needs_clearance",
    "LOINC 82810-3 pregnancy status with valueString 'Pregnant'",
    observation("82810-3", key="valueString", value="Pregnant"),
)
case(
    "pregnancy_status_text_only_answer",
    "needs_clearance",
    "LOINC 82810-3 pregnancy status whose answer has only the text 'Pregnant'",
    observation("82810-3", key="valueCodeableConcept", value={"text": "Pregnant"}),
)
for name, code, answer, why in [
    ("hcg_urine_positive_snomed", "2106-3", coding(SNOMED, "10828004", "Positive"), "urine hCG"),
    (
        "hcg_serum_positive_loinc_answer",
        "2118-8",
        coding(LOINC, "LA6576-8", "Positive"),
        "serum hCG",
    ),
    ("hcg_beta_serum_positive", "2110-5", coding(SNOMED, "10828004", "Positive"), "serum beta-hCG"),
]:
    case(
        name,
        "needs_clearance",
        f"{why} pregnancy test (LOINC {code}) positive: pregnancy",
        observation(code, key="valueCodeableConcept", value={"coding": [answer]}),
    )
case(
    "hcg_urine_positive_string",
    "needs_clearance",
    "urine hCG pregnancy test (LOINC 2106-3) with valueString 'Positive'",
    observation("2106-3", key="valueString", value="Positive"),
)
case(
    "hcg_urine_negative",
    "allowed",
    "urine hCG pregnancy test negative (SNOMED 260385009): no pregnancy",
    observation(
        "2106-3",
        key="valueCodeableConcept",
        value={"coding": [coding(SNOMED, "260385009", "Negative")]},
    ),
)
case(
    "hcg_rapid_serum_positive",
    "needs_clearance",
    "serum hCG by rapid immunoassay (LOINC 80385-8) positive",
    observation(
        "80385-8", key="valueCodeableConcept", value={"coding": [coding(LOINC, "LA6576-8")]}
    ),
)

# ---------------------------------------------------------------------------------------
# Diagnoses held in an Encounter; a Condition's note


def encounter(**extra: Any) -> Resource:
    res: Resource = {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "2026-11-18T10:00:00+03:00", "end": "2026-11-18T10:30:00+03:00"},
    }
    res.update(extra)
    return res


case(
    "encounter_contained_condition",
    "contraindicated",
    "a Condition contained in an Encounter (PE, SNOMED 59282003), referenced by its diagnosis",
    encounter(
        contained=[condition(SNOMED, "59282003", "Pulmonary embolism") | {"id": "c1"}],
        diagnosis=[{"condition": {"reference": "#c1"}}],
    ),
)
case(
    "encounter_reason_code_only",
    "contraindicated",
    "a heart failure given only as the Encounter's reasonCode (ICD-10 I50.9)",
    encounter(reasonCode=[{"coding": [coding(ICD10, "I50.9", "Heart failure, unspecified")]}]),
)
case(
    "encounter_diagnosis_display_only",
    "needs_data",
    "an Encounter.diagnosis naming 'metastatic prostate cancer' by display only: found in"
    " text, confirm",
    encounter(diagnosis=[{"condition": {"display": "metastatic prostate cancer"}}]),
)
case(
    "encounter_diagnosis_r5_concept",
    "refer_urgently",
    "an Encounter.diagnosis written as an R5 CodeableReference: cauda equina syndrome G83.4",
    encounter(diagnosis=[{"condition": {"concept": {"coding": [coding(ICD10, "G83.4")]}}}]),
)
case(
    "encounter_reason_named_by_resolved_condition",
    "allowed",
    "an old encounter's reason (acute bronchitis) that a resolved Condition of the record"
    " also names: the Condition's status decides",
    condition(SNOMED, "10509002", "Acute bronchitis", clinical="resolved", abatement="2025-03-01"),
    encounter(
        period={"start": "2025-02-10"},
        reasonCode=[{"coding": [coding(SNOMED, "10509002", "Acute bronchitis")]}],
    ),
)
case(
    "encounter_cancelled_reason",
    "allowed",
    "a cancelled Encounter's reason is no diagnosis",
    encounter(status="cancelled", reasonCode=[{"coding": [coding(ICD10, "I50.9")]}]),
)
case(
    "condition_note_metastases",
    "needs_data",
    "a lumbago Condition whose note says 'MRI: metastases in L3 vertebral body': found in"
    " text, confirm",
    condition(ICD10, "M54.5", "Low back pain")
    | {"note": [{"text": "MRI: metastases in L3 vertebral body"}]},
)
case(
    "condition_note_negated",
    "allowed",
    "a note 'no signs of metastases': negated",
    condition(ICD10, "M54.5", "Low back pain") | {"note": [{"text": "No signs of metastases"}]},
)
case(
    "condition_note_resolved",
    "allowed",
    "a resolved Condition's note naming a DVT: the note has the condition's status",
    condition(ICD10, "I80.2", "DVT", clinical="resolved", abatement="2024-01-01")
    | {"note": [{"text": "DVT of the left calf"}]},
)

# ---------------------------------------------------------------------------------------
# Odd shapes: read leniently, or one resource set aside, never the whole patient refused

case(
    "code_as_bare_string_icd10",
    "needs_data",
    "a Condition whose code is the bare string 'I26.9' (pulmonary embolism): read as a code of"
    " no system, to confirm",
    {**condition(), "code": "I26.9"},
)
case(
    "code_as_bare_string_words",
    "needs_data",
    "a Condition whose code is the bare string 'Metastatic breast cancer': read as text",
    {**condition(), "code": "Metastatic breast cancer"},
)
case(
    "coding_as_object",
    "contraindicated",
    "a Condition whose code.coding is one object, not a list: ICD-10 I50.9",
    {**condition(), "code": {"coding": coding(ICD10, "I50.9", "Heart failure")}},
)
case(
    "medication_coding_as_object",
    "needs_clearance",
    "a MedicationStatement whose medicationCodeableConcept.coding is one object (warfarin 855332)",
    {
        **medication("MedicationStatement"),
        "medicationCodeableConcept": {"coding": coding(RXNORM, "855332")},
    },
)
case(
    "odd_condition_set_aside_words_kept",
    "needs_data",
    "a Condition whose code.coding[0].display is a number (unreadable shape): set aside and"
    " listed; its text 'Pulmonary embolism' is still read, to confirm",
    {
        **condition(),
        "code": {
            "coding": [{"system": SNOMED, "code": "59282003", "display": 7}],
            "text": "Pulmonary embolism",
        },
    },
)
case(
    "odd_ordinary_resource_set_aside",
    "allowed",
    "a Procedure whose status is a number: set aside, the rest of the record screens",
    {
        "resourceType": "Procedure",
        "status": 5,
        "subject": {"reference": "Patient/p1"},
        "code": {"text": "Physiotherapy session"},
    },
)
case(
    "odd_observation_platelets_set_aside",
    "needs_data",
    "a platelet count whose effectiveDateTime is a number: set aside, platelets unknown",
    observation("777-3", 40, "10*9/L") | {"effectiveDateTime": 20261120},
)

# ---------------------------------------------------------------------------------------
# Intake answers that are neither yes nor no

for name, link, word in [
    ("questionnaire_saddle_maybe", "saddle_anaesthesia", "maybe"),
    ("questionnaire_saddle_ne_znayu", "saddle_anaesthesia", "не знаю"),
    ("questionnaire_pregnant_unsure", "pregnant", "not sure"),
    ("questionnaire_anticoagulant_sometimes", "takes_anticoagulant", "sometimes"),
]:
    case(
        name,
        "needs_data",
        f"'{link}' answered '{word}': neither yes nor no, unknown (never a no)",
        {**response(), "item": [{"linkId": link, "answer": [{"valueString": word}]}]},
    )
case(
    "questionnaire_fever_unclear",
    "needs_data",
    "fever today answered 'a little' with no temperature: unknown, measure first",
    {**response(), "item": [{"linkId": "fever_today", "answer": [{"valueString": "a little"}]}]},
    without={"temperature"},
)
case(
    "questionnaire_saddle_net_dot",
    "allowed",
    "saddle anaesthesia answered 'Нет.': a no",
    {**response(), "item": [{"linkId": "saddle_anaesthesia", "answer": [{"valueString": "Нет."}]}]},
)
case(
    "questionnaire_pregnant_da",
    "needs_clearance",
    "pregnant answered 'да': a yes",
    {**response(), "item": [{"linkId": "pregnant", "answer": [{"valueString": "да"}]}]},
)

# ---------------------------------------------------------------------------------------
# Bounds at the threshold

case(
    "platelets_bound_at_threshold",
    "contraindicated",
    "platelets '< 50 x10*9/L': below 50 whatever it is (the bound at the threshold itself)",
    quantity("777-3", 50, "10*9/L", "10*9/L", comparator="<"),
)
case(
    "platelets_bound_at_threshold_inclusive",
    "needs_data",
    "platelets '<= 50 x10*9/L': may be 50, not below 50; set aside, unknown",
    quantity("777-3", 50, "10*9/L", "10*9/L", comparator="<="),
)
case(
    "temperature_bound_at_threshold",
    "defer",
    "temperature '>= 37.5 Cel': a fever at the threshold 37.5",
    quantity("8310-5", 37.5, "Cel", "Cel", comparator=">="),
    without={"temperature"},
)
case(
    "temperature_bound_below_38_string",
    "needs_data",
    "temperature written as the text '<38': may or may not reach 37.5; unknown",
    observation("8310-5", key="valueString", value="<38"),
    without={"temperature"},
)
case(
    "temperature_bound_below_threshold_text",
    "allowed",
    "temperature '< 37 Cel' as text: below 37.5 whatever it is",
    observation("8310-5", key="valueString", value="< 37 Cel"),
    without={"temperature"},
)
case(
    "platelets_bound_string_below_threshold",
    "contraindicated",
    "platelets written as the text '<20 10*9/L': below 50",
    observation("777-3", key="valueString", value="<20 10*9/L"),
)

# ---------------------------------------------------------------------------------------
# Clinical abbreviations in text

for name, text, verdict, why in [
    ("text_abbrev_pe", "PE", "needs_data", "'PE' (pulmonary embolism)"),
    ("text_abbrev_pe_dots", "P.E. on CT 11/2026", "needs_data", "'P.E.' (pulmonary embolism)"),
    ("text_abbrev_dvt_caps", "L DVT", "needs_data", "'DVT' (deep vein thrombosis)"),
    ("text_abbrev_ca_breast", "CA breast", "needs_data", "'CA breast' (breast cancer)"),
    ("text_abbrev_mets", "lung ca with bone mets", "needs_data", "'mets' (metastases)"),
    ("text_abbrev_tb_spine", "TB spine", "needs_data", "'TB spine' (spinal tuberculosis)"),
    ("text_abbrev_tela", "ТЭЛА", "needs_data", "'ТЭЛА' (Russian: pulmonary embolism)"),
    ("text_abbrev_pe_teacher", "Works as a PE teacher", "allowed", "'PE teacher': no embolism"),
    ("text_abbrev_pe_lowercase", "pe", "allowed", "lower-case 'pe' is no abbreviation"),
]:
    case(name, verdict, f"Condition text {why}", condition(text=text))


# ---------------------------------------------------------------------------------------
# More probes, as EHRs write them

case(
    "snomed_pulmonary_thromboembolism",
    "contraindicated",
    "SNOMED 233935004 pulmonary thromboembolism, a child of pulmonary embolism",
    condition(SNOMED, "233935004", "Pulmonary thromboembolism"),
)
case(
    "icd10cm_i26_99_pe",
    "contraindicated",
    "ICD-10-CM I26.99 other pulmonary embolism without acute cor pulmonale",
    condition(ICD10CM, "I26.99", "Other pulmonary embolism without acute cor pulmonale"),
)
case(
    "mkb10_pe_russian_display",
    "contraindicated",
    "MKB-10 I26.9 with the Russian display 'Легочная эмболия без упоминания об остром"
    " легочном сердце'",
    condition(MKB10, "I26.9", "Легочная эмболия без упоминания об остром легочном сердце"),
)
case(
    "condition_recurrence_status_cancer",
    "contraindicated",
    "breast cancer C50.9 with clinicalStatus 'recurrence'",
    condition(ICD10, "C50.9", "Malignant neoplasm of breast", clinical="recurrence"),
)
case(
    "condition_provisional_dvt",
    "contraindicated",
    "DVT I80.2 with verificationStatus provisional: in force (not refuted)",
    condition(ICD10, "I80.2", "DVT", verification="provisional"),
)
case(
    "medication_text_warfarin_coumadin",
    "needs_data",
    "MedicationStatement text 'Warfarin (Coumadin) 5mg PO daily': found in text, confirm",
    medication("MedicationStatement", code=None, text="Warfarin (Coumadin) 5mg PO daily"),
)
case(
    "medication_text_aspirin_only",
    "allowed",
    "'ASA 81 mg daily': low-dose aspirin, not listed as a blood thinner (KB remark)",
    medication("MedicationStatement", code=None, text="ASA 81 mg daily"),
)
case(
    "platelets_k_per_ul",
    "contraindicated",
    "platelets 45 K/uL (thousand per microlitre, 45 x10*9/L): below 50",
    quantity("777-3", 45, "K/uL"),
)
case(
    "temperature_degf_101_5",
    "defer",
    "temperature 101.5 [degF] (38.6 Cel): a fever",
    observation("8310-5", 101.5, "[degF]"),
    without={"temperature"},
)
case(
    "bp_separate_observations_systolic_high",
    "defer",
    "systolic 185 and diastolic 95 as two Observations (8480-6, 8462-4), no panel",
    observation("8480-6", 185, "mm[Hg]"),
    observation("8462-4", 95, "mm[Hg]"),
    without={"bp"},
)
case(
    "encounter_diagnosis_contained_reference_only",
    "refer_urgently",
    "an Encounter whose diagnosis names a contained Condition of cauda equina (G83.4) by #id",
    encounter(
        contained=[condition(ICD10, "G83.4", "Cauda equina syndrome") | {"id": "dx"}],
        diagnosis=[{"condition": {"reference": "#dx"}, "rank": 1}],
    ),
)
case(
    "encounter_reason_recent_text_only",
    "needs_data",
    "an Encounter two days ago whose reasonCode has only the text 'suspected DVT left leg'",
    encounter(reasonCode=[{"text": "suspected DVT left leg"}]),
)
case(
    "condition_code_coding_object_text_pe",
    "needs_data",
    "a Condition whose coding object has only the display 'PE' (no code)",
    {**condition(), "code": {"coding": {"display": "PE"}}},
)


# ---------------------------------------------------------------------------------------
# Red flags and contraindications recorded as coded Observations (the finding as the
# Observation's code; a yes or present, or no value at all: present; a no or absent: not
# present; any other answer: to confirm)

HL7_YES_NO = "http://terminology.hl7.org/CodeSystem/v2-0136"


def finding(system: str, code: str, display: str, **kw: Any) -> Resource:
    res = observation(code, system=system, **kw)
    res["code"]["coding"][0]["display"] = display
    return res


SADDLE = (SNOMED, "449813001", "Numbness of saddle area")
for name, verdict, why, extra in [
    (
        "observed_saddle_numbness_present",
        "refer_urgently",
        "an Observation of SNOMED 449813001 numbness of the saddle area valued 52101004 Present",
        {"key": "valueCodeableConcept", "value": {"coding": [coding(SNOMED, "52101004")]}},
    ),
    (
        "observed_saddle_numbness_no_value",
        "refer_urgently",
        "an Observation of SNOMED 449813001 numbness of the saddle area with no value: observed",
        {},
    ),
    (
        "observed_saddle_numbness_absent",
        "allowed",
        "numbness of the saddle area valued SNOMED 2667000 Absent: not present",
        {"key": "valueCodeableConcept", "value": {"coding": [coding(SNOMED, "2667000")]}},
    ),
    (
        "observed_saddle_numbness_false",
        "allowed",
        "numbness of the saddle area with valueBoolean false: not present",
        {"key": "valueBoolean", "value": False},
    ),
    (
        "observed_saddle_numbness_unclear",
        "needs_data",
        "numbness of the saddle area with valueString 'possibly': a red flag to confirm",
        {"key": "valueString", "value": "possibly"},
    ),
    (
        "observed_saddle_numbness_entered_in_error",
        "allowed",
        "numbness of the saddle area present, but the Observation was entered in error",
        {
            "key": "valueCodeableConcept",
            "value": {"coding": [coding(SNOMED, "52101004")]},
            "status": "entered-in-error",
        },
    ),
    (
        "observed_saddle_numbness_registered",
        "needs_data",
        "an Observation of numbness of the saddle area registered, no result yet: to confirm",
        {"status": "registered"},
    ),
    (
        "observed_saddle_numbness_cancelled",
        "allowed",
        "an Observation of numbness of the saddle area with no value, cancelled",
        {"status": "cancelled"},
    ),
]:
    case(name, verdict, why, finding(*SADDLE, **extra))
case(
    "observed_urinary_incontinence_true",
    "refer_urgently",
    "an Observation of ICD-10-CM R32 urinary incontinence with valueBoolean true",
    finding(ICD10CM, "R32", "Unspecified urinary incontinence", key="valueBoolean", value=True),
)
case(
    "observed_faecal_incontinence_hl7_yes",
    "refer_urgently",
    "an Observation of ICD-10-CM R15.9 full incontinence of feces answered HL7 Y",
    finding(
        ICD10CM,
        "R15.9",
        "Full incontinence of feces",
        key="valueCodeableConcept",
        value={"coding": [coding(HL7_YES_NO, "Y", "Yes")]},
    ),
)
case(
    "observed_weight_loss_snomed_yes",
    "refer_urgently",
    "an Observation of SNOMED 422868009 unexplained weight loss answered 373066001 Yes",
    finding(
        SNOMED,
        "422868009",
        "Unexplained weight loss",
        key="valueCodeableConcept",
        value={"coding": [coding(SNOMED, "373066001", "Yes")]},
    ),
)
case(
    "observed_weight_loss_loinc_no",
    "allowed",
    "an Observation of SNOMED 422868009 unexplained weight loss answered LOINC LA32-8 No",
    finding(
        SNOMED,
        "422868009",
        "Unexplained weight loss",
        key="valueCodeableConcept",
        value={"coding": [coding(LOINC, "LA32-8", "No")]},
    ),
)
case(
    "observed_cauda_equina_la33_yes",
    "refer_urgently",
    "an Observation of ICD-10 G83.4 cauda equina syndrome answered LOINC LA33-6 Yes",
    finding(
        ICD10,
        "G83.4",
        "Cauda equina syndrome",
        key="valueCodeableConcept",
        value={"coding": [coding(LOINC, "LA33-6", "Yes")]},
    ),
)
case(
    "observed_fever_finding_present",
    "defer",
    "an Observation of SNOMED 386661006 fever as a finding, present: a fever despite 36.6 today",
    finding(
        SNOMED,
        "386661006",
        "Fever",
        key="valueCodeableConcept",
        value={"coding": [coding(SNOMED, "52101004", "Present")]},
    ),
)
case(
    "observed_fever_finding_value_absent",
    "needs_data",
    "an Observation of SNOMED 386661006 fever whose value is absent (dataAbsentReason): confirm",
    finding(
        SNOMED,
        "386661006",
        "Fever",
        key="dataAbsentReason",
        value={"coding": [{"code": "unknown"}]},
    ),
)
case(
    "observed_vertebral_artery_coded_answer_other",
    "needs_data",
    "an Observation of ICD-10 G45.0 vertebro-basilar artery syndrome answered 'Mild' (neither"
    " yes nor no): a red flag to confirm",
    finding(
        ICD10,
        "G45.0",
        "Vertebro-basilar artery syndrome",
        key="valueCodeableConcept",
        value={"coding": [coding(SNOMED, "255604002", "Mild")]},
    ),
)
case(
    "observed_pregnancy_no_value",
    "needs_clearance",
    "an Observation of SNOMED 77386006 pregnancy with no value: pregnancy observed",
    finding(SNOMED, "77386006", "Pregnancy"),
)
case(
    "observed_pregnancy_absent",
    "allowed",
    "an Observation of SNOMED 77386006 pregnancy valued 2667000 Absent: not pregnant",
    finding(
        SNOMED,
        "77386006",
        "Pregnancy",
        key="valueCodeableConcept",
        value={"coding": [coding(SNOMED, "2667000", "Absent")]},
    ),
)


# ---------------------------------------------------------------------------------------
# Findings stated outside the problem list: a clinical alert (Flag), a report's conclusion
# (DiagnosticReport), an assessment's findings (ClinicalImpression): to confirm


def flag(text: str, status: str = "active", **extra: Any) -> Resource:
    return {
        "resourceType": "Flag",
        "status": status,
        "subject": {"reference": "Patient/p1"},
        "code": {"text": text},
        **extra,
    }


def report(
    conclusion: str | None = None, *codes: dict[str, str], status: str = "final"
) -> Resource:
    res: Resource = {
        "resourceType": "DiagnosticReport",
        "status": status,
        "subject": {"reference": "Patient/p1"},
        "code": {"text": "MRI lumbar spine"},
        "effectiveDateTime": "2026-11-10",
    }
    if conclusion is not None:
        res["conclusion"] = conclusion
    if codes:
        res["conclusionCode"] = [{"coding": [c]} for c in codes]
    return res


case(
    "flag_anticoagulated_alert",
    "needs_data",
    "an active Flag (clinical alert) 'Patient on anticoagulants - bleeding risk': what an alert"
    " says is read, to confirm (blood thinners need clearance once confirmed)",
    flag("Patient on anticoagulants - bleeding risk", period={"start": "2026-01-01"}),
)
case(
    "flag_russian_warfarin_alert",
    "needs_data",
    "an active Flag 'Принимает варфарин' (takes warfarin): to confirm",
    flag("Принимает варфарин"),
)
case(
    "flag_inactive_alert",
    "allowed",
    "an inactive Flag 'On warfarin': no longer in force",
    flag("On warfarin", status="inactive"),
)
case(
    "flag_period_ended",
    "allowed",
    "a Flag 'On warfarin' whose period ended in 2025: no longer in force",
    flag("On warfarin", period={"start": "2025-01-01", "end": "2025-06-01"}),
)
case(
    "report_conclusion_code_bone_metastases",
    "needs_data",
    "a DiagnosticReport with conclusionCode ICD-10 C79.5 (secondary malignant neoplasm of"
    " bone): a red flag stated in a report, to confirm",
    report(None, coding(ICD10, "C79.5", "Secondary malignant neoplasm of bone and bone marrow")),
)
case(
    "report_conclusion_snomed_lumbar_fracture",
    "needs_data",
    "an MRI report concluding SNOMED 207957008 fracture of lumbar vertebra: to confirm",
    report(None, coding(SNOMED, "207957008", "Fracture of lumbar vertebra")),
)
case(
    "report_conclusion_text_compression_fracture",
    "needs_data",
    "an MRI report whose conclusion reads 'Acute compression fracture of L1 vertebral body':"
    " to confirm",
    report("Acute compression fracture of L1 vertebral body"),
)
case(
    "report_conclusion_negated",
    "allowed",
    "a report concluding 'No evidence of metastatic disease. Degenerative changes L4-L5.':"
    " the negation is read",
    report("No evidence of metastatic disease. Degenerative changes L4-L5."),
)
case(
    "report_cancelled_conclusion",
    "allowed",
    "a cancelled report: what it concludes says nothing",
    report("Multiple vertebral metastases", status="cancelled"),
)
case(
    "clinical_impression_finding_dvt",
    "needs_data",
    "a ClinicalImpression whose finding reads 'Deep vein thrombosis left leg': to confirm",
    {
        "resourceType": "ClinicalImpression",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "date": "2026-11-18",
        "finding": [{"itemCodeableConcept": {"text": "Deep vein thrombosis left leg"}}],
    },
)


# ---------------------------------------------------------------------------------------
# Vital signs coded in SNOMED CT (UK, IPS) or by position


def snomed_bp(systolic: float, diastolic: float) -> Resource:
    def part(code: str, display: str, value: float) -> dict[str, Any]:
        return {
            "code": {"coding": [coding(SNOMED, code, display)]},
            "valueQuantity": {"value": value, "unit": "mm Hg"},
        }

    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [coding(SNOMED, "75367002", "Blood pressure")]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": DAY,
        "component": [
            part("271649006", "Systolic blood pressure", systolic),
            part("271650006", "Diastolic blood pressure", diastolic),
        ],
    }


case(
    "bp_snomed_panel_high",
    "defer",
    "blood pressure 185/115 'mm Hg' today coded in SNOMED CT (75367002 with components"
    " 271649006 and 271650006): significant hypertension",
    snomed_bp(185, 115),
    without={"bp"},
)
case(
    "bp_snomed_panel_normal",
    "allowed",
    "blood pressure 120/80 today coded in SNOMED CT: the blood pressure is measured",
    snomed_bp(120, 80),
    without={"bp"},
)
case(
    "temperature_snomed_fever",
    "defer",
    "body temperature 38.4 Cel today coded SNOMED CT 386725007: fever",
    {
        **observation("8310-5", 38.4, "Cel"),
        "code": {"coding": [coding(SNOMED, "386725007", "Body temperature")]},
    },
    without={"temperature"},
)
case(
    "bp_diastolic_sitting_high",
    "defer",
    "systolic 150 (8480-6) and diastolic sitting 112 (LOINC 8453-3) today: diastolic >= 110",
    observation("8480-6", 150, "mm[Hg]"),
    observation("8453-3", 112, "mm[Hg]"),
    without={"bp"},
)


# ---------------------------------------------------------------------------------------
# Problem and medication lists sent as a List resource holding its entries in `contained`


def contained_list(code: str, display: str, *items: Resource, deleted: bool = False) -> Resource:
    held = [dict(item, id=f"item{i}") for i, item in enumerate(items)]
    entries: list[dict[str, Any]] = [{"item": {"reference": f"#{i['id']}"}} for i in held]
    if deleted:
        for entry in entries:
            entry["deleted"] = True
    return {
        "resourceType": "List",
        "status": "current",
        "mode": "snapshot",
        "code": {"coding": [coding(LOINC, code, display)]},
        "subject": {"reference": "Patient/p1"},
        "contained": held,
        "entry": entries,
    }


case(
    "list_problem_list_contained_heart_failure",
    "contraindicated",
    "a problem list (List, LOINC 11450-4) holding an active Condition I50.0 heart failure in"
    " contained: read as a Condition",
    contained_list("11450-4", "Problem list", condition(ICD10, "I50.0", "Heart failure")),
)
case(
    "list_medication_list_contained_warfarin",
    "needs_clearance",
    "a medication list (List, LOINC 10160-0) holding an active MedicationStatement of warfarin"
    " (RxNorm 11289) in contained: a blood thinner",
    contained_list(
        "10160-0",
        "History of Medication use Narrative",
        medication("MedicationStatement", RXNORM, "11289", "warfarin"),
    ),
)
case(
    "list_entry_deleted",
    "allowed",
    "a problem list whose only entry, a contained heart failure, is marked deleted",
    contained_list(
        "11450-4", "Problem list", condition(ICD10, "I50.0", "Heart failure"), deleted=True
    ),
)


# ---------------------------------------------------------------------------------------
# Procedures under a national classification the KB does not hold, named by its title


def coded_procedure(system: str | None, code: str, performed: str, display: str = "") -> Resource:
    return {
        "resourceType": "Procedure",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [coding(system, code, display)]},
        "performedDateTime": performed,
    }


def ops_procedure(code: str, display: str, performed: str) -> Resource:
    return coded_procedure("http://fhir.de/CodeSystem/bfarm/ops", code, performed, display)


case(
    "ops_code_in_no_system",
    "needs_data",
    "a procedure coded '5-836.30' (OPS spondylodesis) with no code system and no words,"
    " 2026-11-10: a code of OPS's shape is looked up as OPS, a spine operation to confirm",
    coded_procedure(None, "5-836.30", "2026-11-10"),
)


case(
    "procedure_ops_disc_excision_german",
    "needs_clearance",
    "OPS 5-831.0 'Exzision von erkranktem Bandscheibengewebe' (German disc excision) last"
    " month: the OPS group 5-831 is a spine operation, recent",
    ops_procedure("5-831.0", "Exzision von erkranktem Bandscheibengewebe", "2026-10-01"),
)
case(
    "procedure_ops_code_only_recent",
    "needs_clearance",
    "OPS 5-836.30 (spondylodesis) on 1 October with no title: recent spine surgery by its"
    " OPS group (the code alone gave allowed)",
    ops_procedure("5-836.30", "", "2026-10-01"),
)
case(
    "procedure_cpt_lumbar_discectomy_code_only",
    "needs_clearance",
    "CPT 63030 (lumbar laminotomy with disc excision) on 20 October, the code alone, as a"
    " claim-derived record writes it: recent spine surgery (it gave allowed)",
    coded_procedure("http://www.ama-assn.org/go/cpt", "63030", "2026-10-20"),
)
case(
    "procedure_cpt_lumbar_fusion_old",
    "allowed",
    "CPT 22612 (lumbar posterolateral fusion) in 2024: not recent",
    coded_procedure("urn:oid:2.16.840.1.113883.6.12", "22612", "2024-02-01"),
)
case(
    "procedure_icd10pcs_lumbar_fusion_code_only",
    "needs_clearance",
    "ICD-10-PCS 0SG00AJ (fusion of a lumbar vertebral joint) on 1 November, the code"
    " alone: recent spine surgery by its table and body part 0SG0",
    coded_procedure("http://www.cms.gov/Medicare/Coding/ICD10", "0SG00AJ", "2026-11-01"),
)
case(
    "procedure_icd10pcs_imaging_not_surgery",
    "allowed",
    "ICD-10-PCS B030ZZZ (an imaging procedure) yesterday: not a spine operation, and never"
    " read as ICD-10 B03",
    coded_procedure("http://hl7.org/fhir/sid/icd-10-pcs", "B030ZZZ", "2026-11-19"),
)
case(
    "procedure_ops_spine_operation_old",
    "allowed",
    "OPS 5-839 'Andere Operationen an der Wirbelsäule' in 2019: not recent",
    ops_procedure("5-839.x", "Andere Operationen an der Wirbelsäule", "2019-03-01"),
)

case(
    "text_german_without_umlauts_cancer",
    "needs_data",
    "a condition coded locally, text 'Boesartige Neubildung der Brustdruese' (German written"
    " without umlauts, as ASCII feeds send it): cancer found in text, confirm",
    condition(
        "http://praxis.example.de/diagnosen", "D-17", text="Boesartige Neubildung der Brustdruese"
    ),
)
case(
    "text_german_without_umlauts_spinal_cord_compression",
    "needs_data",
    "text 'Rueckenmarkskompression Th12' with no code: a red flag found in text, confirm",
    condition(text="Rueckenmarkskompression Th12"),
)


# ---------------------------------------------------------------------------------------
# Canonical code systems written with https


case(
    "snomed_https_system_heart_failure",
    "contraindicated",
    "SNOMED 84114007 heart failure under 'https://snomed.info/sct' (https for the canonical"
    " http URI): the same code system",
    condition("https://snomed.info/sct", "84114007", "Heart failure"),
)
case(
    "rxnorm_https_system_warfarin",
    "needs_clearance",
    "warfarin (RxNorm 11289) under 'https://www.nlm.nih.gov/research/umls/rxnorm': a blood thinner",
    medication(
        "MedicationStatement", "https://www.nlm.nih.gov/research/umls/rxnorm", "11289", "warfarin"
    ),
)


# ---------------------------------------------------------------------------------------
# Drug names joined by a hyphen to a salt or a maker's name (German generics)


case(
    "medication_text_german_heparin_natrium",
    "needs_data",
    "an active drug with text 'Heparin-Natrium 5000 I.E.' only (the German salt name joined"
    " by a hyphen): heparin found in text, confirm",
    medication("MedicationStatement", text="Heparin-Natrium 5000 I.E."),
)
case(
    "medication_text_generic_with_maker_suffix",
    "needs_data",
    "an active drug with text 'Apixaban-ratiopharm 5 mg' only (a generic named with its"
    " maker): apixaban found in text, confirm",
    medication("MedicationStatement", text="Apixaban-ratiopharm 5 mg"),
)
case(
    "medication_text_hyphenated_ordinary_drug",
    "allowed",
    "an active drug with text 'Metoprolol-ratiopharm 47.5 mg' only: a named drug that is no"
    " blood thinner",
    medication("MedicationStatement", text="Metoprolol-ratiopharm 47.5 mg"),
)


# ---------------------------------------------------------------------------------------
# Odd shapes in resources read field by field: the resource set aside, its words kept


case(
    "odd_encounter_reason_as_string",
    "needs_data",
    "an Encounter whose reasonCode is a bare string 'Metastatic cancer' (not a list): the"
    " Encounter is set aside (the patient is still screened) and its words read, to confirm",
    {
        "resourceType": "Encounter",
        "status": "finished",
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "2026-11-18"},
        "reasonCode": "Metastatic cancer",
    },
)
case(
    "odd_list_entry_as_string",
    "allowed",
    "a List whose entry is a bare string: the List is set aside, the patient still screened",
    {
        "resourceType": "List",
        "status": "current",
        "mode": "snapshot",
        "subject": {"reference": "Patient/p1"},
        "entry": ["Problem list"],
        "contained": [{"resourceType": "Basic", "id": "x"}],
    },
)

case(
    "odd_condition_code_list_of_words",
    "needs_data",
    "a Condition whose code is a list of bare strings ['Metastatic breast cancer']: set aside,"
    " its words read, to confirm",
    {
        "resourceType": "Condition",
        "subject": {"reference": "Patient/p1"},
        "code": ["Metastatic breast cancer"],
    },
)


# The words of a coded entry, for what its codes do not say -------------------------------

case(
    "coded_lumbago_text_adds_saddle_anaesthesia",
    "needs_data",
    "a Condition coded M54.5 (low back pain) whose text adds new saddle anaesthesia and"
    " urinary retention: the code names the indication, the text a red flag, to confirm",
    condition(
        ICD10,
        "M54.5",
        "Low back pain",
        text="Low back pain with new saddle anaesthesia and urinary retention",
    ),
)
case(
    "coded_herniation_second_local_coding_cauda_equina",
    "needs_clearance",
    "a disc herniation coded M51.1 (a physician clears it) with a second, local coding whose"
    " display names cauda equina syndrome: the local coding's words are read, and the"
    " urgent red flag is listed to confirm",
    {
        "resourceType": "Condition",
        "subject": {"reference": "Patient/p1"},
        "clinicalStatus": {"coding": [{"system": CLINICAL, "code": "active"}]},
        "onsetDateTime": "2026-11-20",
        "code": {
            "coding": [
                coding(ICD10, "M51.1", "Lumbar and other intervertebral disc disorders"),
                coding("urn:oid:1.2.3.4.5", "BACK-7", "Cauda equina syndrome"),
            ]
        },
    },
)
case(
    "coded_report_conclusion_text_metastasis",
    "needs_data",
    "an MRI report whose conclusion code is disc degeneration (M51.3) and whose conclusion"
    " says a lytic lesion suspicious for metastasis with a pathological fracture: to confirm",
    {
        "resourceType": "DiagnosticReport",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": {"text": "MRI lumbar spine"},
        "effectiveDateTime": "2026-11-25",
        "conclusion": "Disc degeneration L4-5. Lytic lesion of the L2 vertebral body suspicious"
        " for metastasis; pathological compression fracture of L2.",
        "conclusionCode": [{"coding": [coding(ICD10, "M51.3")]}],
    },
)
case(
    "coded_text_repeats_display",
    "allowed",
    "a lumbago Condition whose text only repeats its code's display: nothing more is read",
    condition(ICD10, "M54.5", "Low back pain", text="Low back pain"),
)
case(
    "read_code_looks_like_icd10_display_breast_cancer",
    "needs_data",
    "a Read v2 code B34.. (shaped like ICD-10 B34, a viral infection) displayed as malignant"
    " neoplasm of the female breast: the display is read as well as the code's shape",
    condition("http://example.org/fhir/local-read", "B34..", "Malignant neoplasm of female breast"),
)
case(
    "open_ended_visit_9999",
    "allowed",
    "an Encounter for low back pain whose period ends 9999-12-31 (a record's 'no end'): read,"
    " not refused",
    {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"code": "AMB"},
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "2026-11-28", "end": "9999-12-31"},
        "reasonCode": [{"text": "Low back pain"}],
    },
)
case(
    "dispense_handed_over_9999",
    "allowed",
    "paracetamol dispensed with a handing-over date of 9999-12-31 and 30 days' supply: read,"
    " not refused",
    medication(
        "MedicationDispense",
        None,
        text="paracetamol",
        start="9999-12-31",
        extra={"daysSupply": {"value": 30}},
    ),
)


# A reading set aside that may decide: newer than, or of the day of, the one used ----------

NO_UNIT: dict[str, str] = {}
case(
    "set_aside_bp_newer_than_the_one_used",
    "needs_data",
    "120/80 on Nov 10, then 200/120 written without a unit on Nov 18: the newer reading"
    " cannot be used, so the older one does not decide; blood pressure is unknown",
    bp(120, 80, when="2026-11-10"),
    {**bp_as_written(200, 120, NO_UNIT), "effectiveDateTime": "2026-11-18"},
    without={"bp"},
)
case(
    "set_aside_bp_older_than_the_one_used",
    "allowed",
    "200/120 written without a unit on Nov 10, then 120/80 on Nov 18: the newer reading decides",
    {**bp_as_written(200, 120, NO_UNIT), "effectiveDateTime": "2026-11-10"},
    bp(120, 80, when="2026-11-18"),
    without={"bp"},
)
case(
    "set_aside_bp_same_day_as_the_one_used",
    "needs_data",
    "120/80 and, the same day, 200/120 written without a unit: a day's reading"
    " that cannot be used leaves the day's blood pressure unknown",
    bp_as_written(200, 120, NO_UNIT),
)
case(
    "set_aside_platelets_newer_as_text",
    "needs_data",
    "platelets 250 x10^9/L on Nov 1, then '30' written as text on Nov 18: the newer count"
    " cannot be used, so the count is unknown",
    observation("777-3", 250, "10*9/L", when="2026-11-01"),
    observation("777-3", "30", key="valueString", when="2026-11-18"),
)
case(
    "set_aside_fever_as_text_same_window",
    "needs_data",
    "36.6 °C and, the same day, '39,2' written as text: the highest temperature of the"
    " window decides, and one of them cannot be read",
    observation("8310-5", "39,2", key="valueString"),
)
case(
    "set_aside_temperature_does_not_undo_a_fever",
    "defer",
    "38.9 °C and, the same day, a temperature without a unit: the highest can only be"
    " higher, so fever stands",
    observation("8310-5", 38.9, "Cel"),
    observation("8310-5", 36.0),
)


# Notes, documents and the reasons of orders and procedures -------------------------------


def b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


case(
    "note_document_reference_cauda_equina",
    "needs_data",
    "a progress note (DocumentReference, plain text) saying new saddle anaesthesia, suspected"
    " cauda equina syndrome and apixaban: what a note names is read, to confirm",
    {
        "resourceType": "DocumentReference",
        "status": "current",
        "subject": {"reference": "Patient/p1"},
        "date": "2026-11-19T10:00:00Z",
        "type": {"text": "Progress note"},
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "data": b64(
                        "New saddle anaesthesia and urinary retention since yesterday."
                        " Suspected cauda equina syndrome. On apixaban 5 mg bid."
                    ),
                }
            }
        ],
    },
)
case(
    "note_superseded_document_reference",
    "needs_data",
    "a note replaced by a newer version (status superseded) that the record does not hold:"
    " its words, the only ones the record has, are read, to confirm (dropped: allowed)",
    {
        "resourceType": "DocumentReference",
        "status": "superseded",
        "subject": {"reference": "Patient/p1"},
        "content": [
            {"attachment": {"contentType": "text/plain", "data": b64("Metastatic cancer")}}
        ],
    },
)
case(
    "note_report_presented_form_html",
    "needs_data",
    "an MRI report given only as its HTML form: 'L2 vertebral body metastasis with"
    " pathological fracture' is read, to confirm",
    {
        "resourceType": "DiagnosticReport",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": {"text": "MRI lumbar spine"},
        "effectiveDateTime": "2026-11-18",
        "presentedForm": [
            {
                "contentType": "text/html",
                "data": b64(
                    "<p><b>Impression:</b> L2 vertebral body metastasis with"
                    " pathological fracture.</p>"
                ),
            }
        ],
    },
)
case(
    "note_composition_section_narrative",
    "needs_data",
    "a clinical document (Composition) whose sections are narrative only: 'Rivaroxaban 20 mg"
    " once daily' in its medication section is read, to confirm",
    {
        "resourceType": "Composition",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "date": "2026-11-15",
        "title": "Patient summary",
        "section": [
            {
                "title": "Medication summary",
                "text": {
                    "status": "generated",
                    "div": '<div xmlns="http://www.w3.org/1999/xhtml">Rivaroxaban 20 mg once'
                    " daily</div>",
                },
            }
        ],
    },
)
case(
    "note_detected_issue_anticoagulated",
    "needs_data",
    "a clinical warning (DetectedIssue) 'patient anticoagulated with warfarin': to confirm",
    {
        "resourceType": "DetectedIssue",
        "status": "final",
        "patient": {"reference": "Patient/p1"},
        "identifiedDateTime": "2026-11-18",
        "detail": "Patient anticoagulated with warfarin, INR 3.1",
    },
)
case(
    "note_assessment_summary_metastases",
    "needs_data",
    "a clinical assessment whose summary says suspected spinal metastases: to confirm",
    {
        "resourceType": "ClinicalImpression",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "date": "2026-11-18",
        "summary": "Suspected spinal metastases",
    },
)
case(
    "reason_of_procedure_bone_metastasis",
    "refer_urgently",
    "radiotherapy done 4 days ago for secondary malignancy of bone (ICD-10 C79.5 as its"
    " reasonCode): the reason is a diagnosis of that day",
    {
        "resourceType": "Procedure",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "code": {"text": "Radiotherapy"},
        "performedDateTime": "2026-11-16",
        "reasonCode": [{"coding": [coding(ICD10, "C79.5")]}],
    },
)
case(
    "reason_of_drug_order_contained_heart_failure",
    "contraindicated",
    "furosemide ordered for a heart failure written as a Condition inside the order"
    " (contained, named by reasonReference)",
    medication(
        system=None,
        text="furosemide 40 mg",
        start="2026-11-10",
        extra={
            "contained": [
                {
                    "resourceType": "Condition",
                    "id": "dx",
                    "subject": {"reference": "Patient/p1"},
                    "clinicalStatus": {"coding": [{"system": CLINICAL, "code": "active"}]},
                    "code": {"coding": [coding(SNOMED, "84114007", "Heart failure")]},
                }
            ],
            "reasonReference": [{"reference": "#dx"}],
        },
    ),
)
case(
    "reason_of_old_order_listed_as_resolved",
    "allowed",
    "a drug ordered in 2019 for a DVT, the DVT on the problem list resolved since 2020: the"
    " problem list decides",
    condition(
        SNOMED,
        "128053003",
        "Deep venous thrombosis",
        clinical="resolved",
        onset="2019-05-01",
        abatement="2020-01-10",
    ),
    medication(
        system=None,
        text="paracetamol",
        start="2019-05-02",
        status="completed",
        extra={"reasonCode": [{"coding": [coding(SNOMED, "128053003")]}]},
    ),
)
case(
    "visit_diagnosis_named_but_not_in_the_record",
    "needs_data",
    "a visit whose diagnosis names a Condition the record does not hold (a search without"
    " _include), with its words 'Cauda equina syndrome': the words are read, to confirm",
    {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"code": "EMER"},
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "2026-11-18", "end": "2026-11-18"},
        "diagnosis": [
            {"condition": {"reference": "Condition/not-here", "display": "Cauda equina syndrome"}}
        ],
    },
)
case(
    "visit_contained_spine_operation",
    "needs_clearance",
    "a hospital stay holding its laminectomy of Nov 10 in contained: recent spinal surgery",
    {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"code": "IMP"},
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "2026-11-09", "end": "2026-11-12"},
        "contained": [
            {
                "resourceType": "Procedure",
                "id": "op",
                "status": "completed",
                "subject": {"reference": "Patient/p1"},
                "code": {"coding": [coding(SNOMED, "387731002", "Laminectomy")]},
                "performedDateTime": "2026-11-10",
            }
        ],
    },
)


# A visit diagnosis newer than the problem list's end of the same diagnosis ---------------

case(
    "visit_new_dvt_after_listed_dvt_resolved",
    "contraindicated",
    "a deep vein thrombosis on the problem list resolved in 2020, and a hospital stay for"
    " an acute one that ended 3 days ago: the old entry says nothing of the new visit",
    condition(
        SNOMED,
        "128053003",
        "Deep venous thrombosis",
        clinical="resolved",
        onset="2019-05-01",
        abatement="2020-01-10",
    ),
    {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"code": "IMP"},
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "2026-11-14", "end": "2026-11-17"},
        "reasonCode": [{"coding": [coding(SNOMED, "128053003", "Deep venous thrombosis")]}],
    },
)
case(
    "visit_dvt_during_listed_dvt_later_resolved",
    "allowed",
    "a visit for a deep vein thrombosis in October, the problem list's entry for it resolved"
    " on November 5: the problem list decides",
    condition(
        SNOMED,
        "128053003",
        "Deep venous thrombosis",
        clinical="resolved",
        onset="2026-10-01",
        abatement="2026-11-05",
    ),
    {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"code": "AMB"},
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "2026-10-28", "end": "2026-10-28"},
        "reasonCode": [{"coding": [coding(SNOMED, "128053003", "Deep venous thrombosis")]}],
    },
)


# ---------------------------------------------------------------------------------------
# Codes the KB did not recognise: ICD-10-CM letter categories, SNOMED CT expressions and
# edition URIs, Read codes and ICPC read as ICD-10 look-alikes, vital-sign codes of UK and
# device records, and common names of spine surgery and of red flags


case(
    "icd10cm_c7a_code_only",
    "contraindicated",
    "ICD-10-CM C7A.1 malignant poorly differentiated neuroendocrine tumour, code alone: C00-C97"
    " covers ICD-10-CM's letter categories C4A, C7A and C7B",
    condition(ICD10CM, "C7A.1"),
)
case(
    "icd10cm_c4a_merkel_cell",
    "contraindicated",
    "ICD-10-CM C4A.9 Merkel cell carcinoma: a malignant neoplasm, coded",
    condition(ICD10CM, "C4A.9", "Merkel cell carcinoma, unspecified"),
)
case(
    "icd10cm_c7b_03_carcinoid_bone",
    "refer_urgently",
    "ICD-10-CM C7B.03 secondary carcinoid tumours of bone, code alone: bone metastases, a"
    " spinal malignancy red flag as C79.5 is",
    condition(ICD10CM, "C7B.03"),
)
case(
    "icd10cm_d3a_benign_neuroendocrine_code_only",
    "allowed",
    "ICD-10-CM D3A.00 benign carcinoid tumour, code alone: benign, and D37-D48 (uncertain"
    " behaviour) does not cover D30-D39, where D3A stands",
    condition(ICD10CM, "D3A.00"),
)
case(
    "snomed_postcoordinated_dvt_code_only",
    "contraindicated",
    "SNOMED CT expression 128053003:363698007=61685007 (DVT, finding site lower limb), no"
    " display: its focus concept is deep venous thrombosis",
    condition(SNOMED, "128053003:363698007=61685007"),
)
case(
    "snomed_postcoordinated_with_terms",
    "contraindicated",
    "SNOMED CT expression with terms and spaces, 84114007 |Heart failure| : 246112005"
    " |Severity| = 24484000 |Severe|: heart failure",
    condition(SNOMED, "84114007 |Heart failure| : 246112005 |Severity| = 24484000 |Severe|"),
)
case(
    "snomed_postcoordinated_suspected_dvt",
    "needs_data",
    "SNOMED CT situation 413350009:246090004=128053003,408729009=415684004 (DVT, finding"
    " context suspected): a context attribute leaves the DVT to confirm",
    condition(SNOMED, "413350009:246090004=128053003,408729009=415684004"),
)
case(
    "snomed_edition_uri_heart_failure",
    "contraindicated",
    "SNOMED CT 84114007 heart failure under the Australian edition's URI"
    " http://snomed.info/sct/32506021000036107: SNOMED CT, coded",
    condition("http://snomed.info/sct/32506021000036107", "84114007"),
)
case(
    "snomed_version_uri_dvt",
    "contraindicated",
    "SNOMED CT 128053003 DVT under an edition and version URI"
    " (.../sct/900000000000207008/version/20240101): SNOMED CT, coded",
    condition("http://snomed.info/sct/900000000000207008/version/20240101", "128053003"),
)
case(
    "readv2_breast_cancer",
    "needs_data",
    "Read v2 B34.. 'Malignant neoplasm of female breast': not ICD-10 B34 (a viral infection);"
    " the display names a cancer, to confirm",
    condition("http://read.info/readv2", "B34..", "Malignant neoplasm of female breast"),
)
case(
    "readv2_oid_bone_secondaries",
    "needs_data",
    "Read v2 B58.. under its HL7 OID, 'Secondary malignant neoplasm of bone': not ICD-10 B58"
    " (toxoplasmosis); the display names bone metastases, to confirm",
    condition("urn:oid:2.16.840.1.113883.6.29", "B58..", "Secondary malignant neoplasm of bone"),
)
case(
    "icpc2_malignancy",
    "needs_data",
    "ICPC-2 A79 'Malignancy NOS': not ICD-10 A79 (a rickettsiosis); the display names a"
    " cancer, to confirm",
    condition("http://hl7.org/fhir/sid/icpc-2", "A79", "Malignancy NOS"),
)
case(
    "bp_loinc_noninvasive_high",
    "defer",
    "BP 200/120 as LOINC 76534-7/76535-4 (non-invasive systolic and diastolic pressure, a"
    " monitor's reading): significant hypertension",
    observation("76534-7", 200, "mm[Hg]"),
    observation("76535-4", 120, "mm[Hg]"),
    without={"bp"},
)
case(
    "bp_snomed_uk_oe_readings_high",
    "defer",
    "BP 190/115 as SNOMED CT 163030003/163031004 (O/E systolic and diastolic BP reading, UK"
    " GP systems): significant hypertension",
    observation("163030003", 190, "mm[Hg]", system=SNOMED),
    observation("163031004", 115, "mm[Hg]", system=SNOMED),
    without={"bp"},
)
case(
    "temperature_snomed_oral_fever",
    "defer",
    "oral temperature 39.2 Cel coded SNOMED CT 415945006 beside a normal 36.6: the highest"
    " reading of the window counts, fever",
    observation("415945006", 39.2, "Cel", system=SNOMED),
)
case(
    "pain_snomed_score_herniation",
    "defer",
    "disc herniation with pain 8 coded SNOMED CT 225908003 'Pain score': acute pain",
    condition(ICD10, "M51.1", "Lumbar and other intervertebral disc disorders with radiculopathy"),
    observation("225908003", 8, "{score}", system=SNOMED),
    without={"pain"},
)
case(
    "procedure_pcs_title_lumbar_fusion",
    "needs_data",
    "a procedure last month with only the ICD-10-PCS title 'Fusion of Lumbar Vertebral Joint"
    " with Autologous Tissue Substitute, Posterior Approach, Posterior Column, Open Approach':"
    " recent spinal surgery found in text, confirm",
    {
        "resourceType": "Procedure",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "code": {
            "text": "Fusion of Lumbar Vertebral Joint with Autologous Tissue Substitute,"
            " Posterior Approach, Posterior Column, Open Approach"
        },
        "performedDateTime": "2026-10-25",
    },
)
case(
    "procedure_text_decompression_spinal_cord",
    "needs_data",
    "a procedure last month, text 'Decompression of lumbar spinal cord': recent spinal"
    " surgery found in text, confirm",
    {
        "resourceType": "Procedure",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "code": {"text": "Decompression of lumbar spinal cord"},
        "performedDateTime": "2026-10-25",
    },
)
case(
    "procedure_russian_hernia_removal",
    "needs_data",
    "a procedure last month, text 'Удаление грыжи межпозвонкового диска L5-S1': recent"
    " spinal surgery found in text, confirm",
    {
        "resourceType": "Procedure",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "code": {"text": "Удаление грыжи межпозвонкового диска L5-S1"},
        "performedDateTime": "2026-10-25",
    },
)
case(
    "text_german_mamma_ca",
    "needs_data",
    "text 'Mamma-Ca links' (the German abbreviation of breast cancer): a cancer, to confirm",
    condition(text="Mamma-Ca links"),
)
case(
    "text_ca_dot_breast",
    "needs_data",
    "text 'Ca. breast': a cancer, to confirm",
    condition(text="Ca. breast"),
)
case(
    "text_ca_dot_circa",
    "allowed",
    "text 'Lipoma ca. 3 cm, right flank': 'ca.' is circa, no cancer",
    condition(text="Lipoma ca. 3 cm, right flank"),
)
case(
    "text_dlbcl",
    "needs_data",
    "text 'DLBCL' (diffuse large B-cell lymphoma): a cancer, to confirm",
    condition(text="DLBCL"),
)
case(
    "text_paroxysmal_af",
    "needs_data",
    "text 'Paroxysmal AF': atrial fibrillation, to confirm",
    condition(text="Paroxysmal AF"),
)
case(
    "text_russian_fp_abbreviation",
    "needs_data",
    "text 'ФП, постоянная форма' (permanent atrial fibrillation): to confirm",
    condition(text="ФП, постоянная форма"),
)
case(
    "text_osteomyelitis_of_the_spine",
    "needs_data",
    "text 'Osteomyelitis of the spine': a spinal infection, to confirm",
    condition(text="Osteomyelitis of the spine"),
)
case(
    "text_bowel_and_bladder_incontinence",
    "needs_data",
    "text 'New bowel and bladder incontinence': a cauda equina red flag, to confirm",
    condition(text="New bowel and bladder incontinence", onset="2026-11-18"),
)


# A blood-pressure panel whose readings are written as its own value -----------------------

case(
    "bp_panel_value_as_text_newer",
    "needs_data",
    "120/80 on Nov 10, then a blood-pressure panel on Nov 18 whose value is the text"
    " '200/120' (as some flowsheet exports write it): not read as a reading, and not hidden"
    " behind the older one",
    bp(120, 80, when="2026-11-10"),
    {**observation("85354-9", "200/120", key="valueString"), "effectiveDateTime": "2026-11-18"},
    without={"bp"},
)
case(
    "bp_panel_value_as_text_with_unit",
    "defer",
    "120/80 on Nov 10, then a blood-pressure panel on Nov 18 whose value is the text"
    " '190/115 mmHg': read as systolic 190 and diastolic 115 (it was set aside): significant"
    " hypertension",
    bp(120, 80, when="2026-11-10"),
    {
        **observation("85354-9", "190/115 mmHg", key="valueString"),
        "effectiveDateTime": "2026-11-18",
    },
    without={"bp"},
)
case(
    "bp_panel_value_as_text_russian_normal",
    "allowed",
    "a blood-pressure panel today whose value is '125/80 мм рт. ст.': read, normal",
    observation("85354-9", "125/80 мм рт. ст.", key="valueString"),
    without={"bp"},
)
case(
    "bp_panel_value_as_text_implausible",
    "needs_data",
    "a blood-pressure panel today whose value is '120/800 mmHg' (a typing slip): the"
    " diastolic value is outside the plausible range and set aside, so whether the pressure"
    " is high is unknown",
    observation("85354-9", "120/800 mmHg", key="valueString"),
    without={"bp"},
)
case(
    "bp_in_kilopascals",
    "defer",
    "a blood-pressure panel today with components in kPa, 25.3 and 15.3 (190/115 mmHg):"
    " converted, significant hypertension (kPa could not be converted)",
    bp_as_written(
        25.3, 15.3, {"unit": "kPa", "system": "http://unitsofmeasure.org", "code": "kPa"}
    ),
    without={"bp"},
)


# A pregnancy written as its expected delivery date or gestational age --------------------

case(
    "pregnancy_expected_delivery_date",
    "needs_data",
    "an expected delivery date (LOINC 11778-8, the IPS pregnancy section) recorded a week"
    " ago: a pregnancy to confirm",
    observation("11778-8", "2027-03-15", key="valueDateTime", when="2026-11-13"),
)
case(
    "pregnancy_gestational_age",
    "needs_data",
    "a gestational age of 24 weeks (LOINC 18185-9) recorded a week ago: a pregnancy to confirm",
    observation("18185-9", 24, "wk", when="2026-11-13"),
)
case(
    "pregnancy_expected_delivery_date_years_ago",
    "allowed",
    "an expected delivery date recorded in 2019: that pregnancy is long over",
    observation("11778-8", "2019-08-01", key="valueDateTime", when="2019-02-01"),
)


# A spine operation written as a diagnosis ("status post") --------------------------------

case(
    "operation_as_diagnosis_status_post_recent",
    "needs_data",
    "a problem-list entry 'S/P lumbar microdiscectomy L4-5' with onset Nov 10: a recent spine"
    " operation, dated by the entry, to confirm",
    condition(text="S/P lumbar microdiscectomy L4-5", onset="2026-11-10"),
)
case(
    "operation_as_diagnosis_german_recent",
    "needs_data",
    "'Z.n. Bandscheiben-OP L4/5' recorded on Nov 10 (no onset): a recent spine operation, to"
    " confirm",
    condition(text="Z.n. Bandscheiben-OP L4/5", onset=None, recorded="2026-11-10"),
)
case(
    "operation_as_diagnosis_years_ago",
    "allowed",
    "'Status post laminectomy' with onset 2015: the operation is not recent",
    condition(text="Status post laminectomy", onset="2015-03-01"),
)
case(
    "operation_as_diagnosis_onset_year_only",
    "needs_data",
    "'S/P lumbar microdiscectomy L4-5' with onset '2026' only: the year reaches into the 90"
    " days, so the operation may be recent; confirm (it was read as of 1 January: allowed)",
    condition(text="S/P lumbar microdiscectomy L4-5", onset="2026"),
)
case(
    "operation_as_diagnosis_onset_month_before_window",
    "allowed",
    "'S/P lumbar microdiscectomy L4-5' with onset '2026-03' only: all of March is before"
    " the 90 days, not recent",
    condition(text="S/P lumbar microdiscectomy L4-5", onset="2026-03"),
)


# A Bundle inside the record's Bundle -------------------------------------------------------

case(
    "nested_bundle_bone_metastasis",
    "refer_urgently",
    "a collection holding a search result Bundle whose Condition is a secondary malignant"
    " neoplasm of bone (C79.5): the inner Bundle's resources are read",
    {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {
                "fullUrl": "urn:uuid:6f1d2c4e-0000-4000-8000-0000000000c1",
                "resource": condition(ICD10, "C79.5", "Secondary malignant neoplasm of bone"),
                "search": {"mode": "match"},
            }
        ],
    },
)


# ICD-10 code fields as national systems write them ----------------------------------------

case(
    "icd10gm_dual_coding_pair_in_one_field",
    "refer_urgently",
    "one ICD-10-GM code field holding a dual-coding pair 'M49.5* C79.5†' (collapsed"
    " vertebra in a disease classified elsewhere, bone metastasis): each code is read",
    condition(ICD10GM, "M49.5* C79.5†", "Wirbelkörperkompression bei Knochenmetastasen"),
)
case(
    "icd10_decimal_comma",
    "refer_urgently",
    "'C79,5' written with the decimal comma of a European keyboard is C79.5 (bone"
    " metastasis), not only the category C79",
    condition(MKB10, "C79,5"),
)
case(
    "icd10_full_width_characters",
    "refer_urgently",
    "'Ｃ７９．５' typed in full-width characters is C79.5",
    condition(ICD10, "Ｃ７９．５"),
)


# A finding recorded as an Observation named only in words or under a local code ----------


def named_finding(name: str, *, local: str | None = None, **value: Any) -> Resource:
    concept: dict[str, Any] = {"text": name}
    if local is not None:
        concept = {"coding": [coding("http://clinic.example/findings", local, name)]}
    return {
        "resourceType": "Observation",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": DAY,
        "code": concept,
        **value,
    }


case(
    "observed_saddle_anaesthesia_text_only_present",
    "needs_data",
    "an Observation named only 'Saddle anaesthesia' with the value 'present': a cauda equina"
    " red flag found in words, to confirm",
    named_finding("Saddle anaesthesia", valueString="present"),
)
case(
    "observed_local_code_urinary_retention_true",
    "needs_data",
    "an Observation under a local code named 'Urinary retention', value true: the words name"
    " the bladder red flag, to confirm",
    named_finding("Urinary retention", local="RF-07", valueBoolean=True),
)
case(
    "observed_text_only_saddle_anaesthesia_absent",
    "allowed",
    "an Observation named only 'Saddle anaesthesia' with the value false: recorded as absent",
    named_finding("Saddle anaesthesia", valueBoolean=False),
)
case(
    "observed_red_flags_value_names_cauda_equina",
    "needs_data",
    "an Observation 'Red flags' whose value is the words 'new bladder incontinence since"
    " yesterday': the value names a cauda equina red flag, to confirm",
    named_finding("Red flags", valueString="new bladder incontinence since yesterday"),
)
case(
    "observed_red_flags_value_none",
    "allowed",
    "an Observation 'Red flags' whose value is 'none': nothing is named",
    named_finding("Red flags", valueString="none"),
)


# A drug named with its dose run together, or by its substance in words ------------------

case(
    "medication_text_brand_run_together_with_dose",
    "needs_data",
    "a drug written 'Xarelto20mg 1-0-0' (the brand and the dose with no space): rivaroxaban,"
    " a blood thinner named in text, to confirm",
    medication(text="Xarelto20mg 1-0-0"),
)
case(
    "medication_contained_ingredient_named_in_words",
    "needs_data",
    "a prescription of a contained Medication named 'Filmtablette' whose ingredient is the"
    " words 'Rivaroxaban 20 mg' (no code): a blood thinner named in text, to confirm",
    {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "authoredOn": "2026-10-01",
        "contained": [
            {
                "resourceType": "Medication",
                "id": "med1",
                "code": {"text": "Filmtablette"},
                "ingredient": [{"itemCodeableConcept": {"text": "Rivaroxaban 20 mg"}}],
            }
        ],
        "medicationReference": {"reference": "#med1"},
    },
)


# Red flags under a WHO ICD-10 category, or named in Russian or German words ----------------

case(
    "mkb10_r33_urinary_retention",
    "refer_urgently",
    "MKB-10 R33 retention of urine (the WHO category, no fourth character): the cauda"
    " equina bladder red flag",
    condition(MKB10, "R33", onset="2026-11-18"),
)
case(
    "text_russian_unexplained_weight_loss",
    "needs_data",
    "text 'Немотивированное похудание на 8 кг за 3 месяца' (unexplained weight loss): the"
    " malignancy red flag named in words, to confirm",
    condition(text="Немотивированное похудание на 8 кг за 3 месяца", onset="2026-11-01"),
)
case(
    "text_german_unintended_weight_loss",
    "needs_data",
    "text 'Ungewollter Gewichtsverlust' (unintended weight loss): the malignancy red flag, to"
    " confirm",
    condition(text="Ungewollter Gewichtsverlust", onset="2026-11-01"),
)
case(
    "text_no_unexplained_weight_loss",
    "allowed",
    "text 'No unexplained weight loss': negated",
    condition(text="No unexplained weight loss", onset="2026-11-01"),
)


# A course recorded as completed that ends later --------------------------------------------


def warfarin(kind: str = "MedicationRequest", **kw: Any) -> Resource:
    return medication(kind, code="855332", display="Warfarin Sodium 5 MG Oral Tablet", **kw)


def supply(days: int) -> dict[str, Any]:
    return {
        "dispenseRequest": {
            "expectedSupplyDuration": {
                "value": days,
                "unit": "days",
                "system": "http://unitsofmeasure.org",
                "code": "d",
            }
        }
    }


case(
    "medication_statement_completed_period_ends_later",
    "needs_clearance",
    "a warfarin statement with status completed whose period ends on 2027-01-01: taken until"
    " then, so on the screening day",
    warfarin(
        "MedicationStatement",
        status="completed",
        extra={"effectivePeriod": {"start": "2026-10-01", "end": "2027-01-01"}},
    ),
)
case(
    "medication_request_completed_with_supply_left",
    "needs_clearance",
    "a warfarin prescription completed (dispensed) on Nov 1 with a 90-day supply: taken"
    " until the end of January",
    warfarin(
        status="completed",
        start="2026-11-01",
        extra=supply(90),
    ),
)
case(
    "medication_request_completed_supply_used_up",
    "allowed",
    "a warfarin prescription completed in June with a 30-day supply: over by July",
    warfarin(
        status="completed",
        start="2026-06-01",
        extra=supply(30),
    ),
)
case(
    "medication_request_active_one_fill_long_ago",
    "needs_clearance",
    "an active warfarin prescription of June with a 30-day supply per fill: active until it"
    " is ended, whatever one fill covers",
    warfarin(
        start="2026-06-01",
        extra=supply(30),
    ),
)


def warfarin_statement(status: str, start: str, end: str) -> Resource:
    """A warfarin MedicationStatement over a period."""
    return warfarin(
        "MedicationStatement",
        status=status,
        extra={"effectivePeriod": {"start": start, "end": end}},
    )


def enoxaparin_given(status: str, day: str) -> Resource:
    """An enoxaparin injection (MedicationAdministration) on ``day``."""
    return medication(
        "MedicationAdministration",
        code="854235",
        display="0.4 ML enoxaparin sodium 100 MG/ML Prefilled Syringe",
        status=status,
        start=day,
    )


# A blood thinner recorded as ended, stopped or given within 30 days may still be taken or
# still act: to confirm (clinic policy policy_recent_medication), never allowed in silence
case(
    "administration_anticoagulant_yesterday",
    "needs_data",
    "enoxaparin given (MedicationAdministration completed) yesterday: over by the record,"
    " but given within 30 days: confirm (it gave allowed)",
    enoxaparin_given("completed", "2026-11-19T08:00:00Z"),
)
case(
    "administration_anticoagulant_long_ago",
    "allowed",
    "the same injection given on 1 October: more than 30 days ago",
    enoxaparin_given("completed", "2026-10-01"),
)
case(
    "administration_anticoagulant_not_done",
    "allowed",
    "the same injection yesterday, not done: it was never given",
    enoxaparin_given("not-done", "2026-11-19"),
)
case(
    "medication_statement_stopped_last_week",
    "needs_data",
    "a warfarin statement stopped, its period ending on 15 November: within 30 days, may"
    " still act: confirm",
    warfarin_statement("stopped", "2026-06-01", "2026-11-15"),
)
case(
    "medication_statement_completed_ended_long_ago",
    "allowed",
    "a warfarin statement completed, its period ending on 1 August: over long before",
    warfarin_statement("completed", "2026-05-01", "2026-08-01"),
)
case(
    "medication_request_completed_no_supply_recent",
    "needs_data",
    "a warfarin prescription completed (dispensed), written on 5 November, with neither an end"
    " nor a supply: how long it lasts is not recorded: confirm (it was read as over and not"
    " shown)",
    warfarin(status="completed", start="2026-11-05"),
)
case(
    "medication_request_completed_no_supply_old",
    "allowed",
    "the same prescription written in March: more than 30 days before",
    warfarin(status="completed", start="2026-03-05"),
)
case(
    "medication_request_cancelled_recent",
    "allowed",
    "a warfarin prescription written on 5 November and cancelled: never taken",
    warfarin(status="cancelled", start="2026-11-05"),
)


# The certainty of a German diagnosis (Diagnosesicherheit G, V, A, Z) ----------------------

CERTAINTY = "http://fhir.de/StructureDefinition/icd-10-gm-diagnosesicherheit"
CERTAINTY_CODES = "https://fhir.kbv.de/CodeSystem/KBV_CS_SFHIR_ICD_DIAGNOSESICHERHEIT"


def certain(code: str, display: str, certainty: str, **kw: Any) -> Resource:
    res = condition(ICD10GM, code, display, **kw)
    res["code"]["coding"][0]["extension"] = [
        {"url": CERTAINTY, "valueCoding": {"system": CERTAINTY_CODES, "code": certainty}}
    ]
    return res


case(
    "icd10gm_certainty_ruled_out_letter",
    "allowed",
    "ICD-10-GM 'C79.5 A' (the code with the certainty A, ausgeschlossen): bone metastases"
    " ruled out, as verificationStatus refuted",
    condition(ICD10GM, "C79.5 A", "Sekundäre bösartige Neubildung des Knochens", clinical=None),
)
case(
    "icd10gm_certainty_ruled_out_extension",
    "allowed",
    "ICD-10-GM C79.5 with the Diagnosesicherheit extension A (ruled out) and no"
    " verificationStatus: refuted",
    certain("C79.5", "Sekundäre bösartige Neubildung des Knochens", "A", clinical=None),
)
case(
    "icd10gm_certainty_suspected_extension",
    "refer_urgently",
    "ICD-10-GM C79.5 with the Diagnosesicherheit V (suspected): provisional, which still counts",
    certain("C79.5", "Sekundäre bösartige Neubildung des Knochens", "V", clinical=None),
)
case(
    "icd10gm_certainty_status_after_extension",
    "needs_clearance",
    "ICD-10-GM C50.9 with the Diagnosesicherheit Z (Zustand nach) and no clinicalStatus: a"
    " cancer in the past (history of cancer)",
    certain(
        "C50.9", "Bösartige Neubildung: Brustdrüse, nicht näher bezeichnet", "Z", clinical=None
    ),
)
case(
    "icd10gm_certainty_ruled_out_but_confirmed",
    "refer_urgently",
    "the extension says A (ruled out) but verificationStatus says confirmed: the record's"
    " own status is read, the condition counts",
    certain(
        "C79.5",
        "Sekundäre bösartige Neubildung des Knochens",
        "A",
        verification="confirmed",
    ),
)
case(
    "icd10cm_seventh_character_after_space",
    "refer_urgently",
    "ICD-10-CM 'S32.010 A' (the seventh character, initial encounter, written after a"
    " space): a lumbar fracture, not a German certainty",
    condition(ICD10CM, "S32.010 A", "Wedge compression fracture of first lumbar vertebra"),
)


# An order not to give a drug -------------------------------------------------------------

case(
    "medication_request_do_not_perform",
    "allowed",
    "a MedicationRequest for warfarin with doNotPerform true (an order not to start it):"
    " the drug is not taken",
    warfarin(extra={"doNotPerform": True}),
)


# Words typed partly on the other keyboard, or with invisible characters inside ------------

case(
    "text_cyrillic_letter_in_english_word",
    "needs_data",
    "text 'Сauda equina syndrome' whose first letter is the Cyrillic С (typed on a Russian"
    " keyboard): read as 'cauda equina syndrome', a red flag to confirm",
    condition(text="\u0421auda equina syndrome", onset="2026-11-18"),
)
case(
    "text_latin_letters_in_russian_words",
    "needs_data",
    "text 'Синдром кoнского хвoста' with Latin o's among the Cyrillic letters: read as the"
    " Russian words, a cauda equina red flag to confirm",
    condition(text="Синдром к\u006fнского хв\u006fста", onset="2026-11-18"),
)
case(
    "text_soft_hyphen_inside_word",
    "needs_data",
    "text 'Knochen\u00admetastasen' with a soft hyphen inside the word (copied from a"
    " formatted letter): bone metastases, to confirm",
    condition(text="Knochen\u00admetastasen"),
)


# An ICD-10 code written in the words of an entry ------------------------------------------

case(
    "text_icd10_code_only",
    "needs_data",
    "a diagnosis whose only words are 'C79.5' (no coding): the code of bone metastases, in no"
    " code system, to confirm",
    condition(text="C79.5"),
)
case(
    "text_icd10_code_with_russian_words",
    "needs_data",
    "a diagnosis written 'С79.5 Вторичное ЗНО костей' (the code, with a Cyrillic С, and"
    " abbreviated words): the code of bone metastases, to confirm",
    condition(text="\u042179.5 Вторичное ЗНО костей"),
)
case(
    "text_spine_levels_are_not_codes",
    "allowed",
    "a diagnosis 'Osteochondrosis L4-L5, L5-S1, C5-C6': spine levels, not ICD-10 codes",
    condition(text="Osteochondrosis L4-L5, L5-S1, C5-C6"),
)


# A diagnosis written only on a bill (Claim, ExplanationOfBenefit) ---------------------------


def bill(kind: str, code: str, display: str, start: str, **extra: Any) -> Resource:
    return {
        "resourceType": kind,
        "status": "active",
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/claim-type",
                    "code": "professional",
                }
            ]
        },
        "use": "claim",
        "patient": {"reference": "Patient/p1"},
        "billablePeriod": {"start": start, "end": start},
        "created": start,
        "diagnosis": [
            {
                "sequence": 1,
                "diagnosisCodeableConcept": {"coding": [coding(ICD10CM, code, display)]},
            }
        ],
        **extra,
    }


case(
    "claim_diagnosis_bone_metastasis",
    "refer_urgently",
    "an ExplanationOfBenefit (a payer's claim export) billed on Nov 2 with ICD-10-CM C79.51"
    " secondary malignant neoplasm of bone: a visit's diagnosis, current for a month",
    bill(
        "ExplanationOfBenefit",
        "C79.51",
        "Secondary malignant neoplasm of bone",
        "2026-11-02",
        outcome="complete",
    ),
)
case(
    "claim_diagnosis_heart_failure",
    "contraindicated",
    "a Claim of Nov 10 with ICD-10-CM I50.23 acute on chronic systolic heart failure",
    bill(
        "Claim",
        "I50.23",
        "Acute on chronic systolic (congestive) heart failure",
        "2026-11-10",
        priority={"coding": [{"code": "normal"}]},
    ),
)
case(
    "claim_diagnosis_years_ago",
    "allowed",
    "an ExplanationOfBenefit of 2019 with I80.2 (deep vein thrombosis): an old visit's"
    " diagnosis says nothing of today",
    bill(
        "ExplanationOfBenefit",
        "I80.299",
        "Phlebitis and thrombophlebitis of other deep vessels of unspecified lower extremity",
        "2019-03-01",
        outcome="complete",
    ),
)
case(
    "claim_cancelled_diagnosis",
    "allowed",
    "a cancelled Claim with C79.51: not read",
    bill(
        "Claim", "C79.51", "Secondary malignant neoplasm of bone", "2026-11-10", status="cancelled"
    ),
)


def pharmacy_bill(system: str, code: str, display: str | None, day: str, days: int) -> Resource:
    return {
        "resourceType": "ExplanationOfBenefit",
        "status": "active",
        "type": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "pharmacy"}
            ]
        },
        "use": "claim",
        "patient": {"reference": "Patient/p1"},
        "billablePeriod": {"start": day},
        "created": day,
        "outcome": "complete",
        "supportingInfo": [
            {
                "sequence": 1,
                "category": {
                    "coding": [
                        {
                            "system": "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType",
                            "code": "dayssupply",
                        }
                    ]
                },
                "valueQuantity": {"value": days},
            }
        ],
        "item": [
            {
                "sequence": 1,
                "productOrService": {"coding": [coding(system, code, display)]},
                "servicedDate": day,
                "quantity": {"value": days},
            }
        ],
    }


case(
    "pharmacy_claim_rxnorm_apixaban",
    "needs_clearance",
    "a pharmacy claim (ExplanationOfBenefit) for RxNorm 1364445 apixaban 5 MG Oral Tablet"
    " filled on Nov 5 for 30 days: a blood thinner taken, as a dispense",
    pharmacy_bill(RXNORM, "1364445", "apixaban 5 MG Oral Tablet", "2026-11-05", 30),
)
case(
    "pharmacy_claim_ndc_warfarin_named",
    "needs_data",
    "a pharmacy claim for an NDC the KB does not list, named 'Warfarin Sodium 5 MG Oral"
    " Tablet', filled on Nov 2 for 30 days: a blood thinner named in words, to confirm",
    pharmacy_bill(NDC, "31722-0531-01", "Warfarin Sodium 5 MG Oral Tablet", "2026-11-02", 30),
)
HCPCS = "https://bluebutton.cms.gov/resources/codesystem/hcpcs"
PCS = "http://www.cms.gov/Medicare/Coding/ICD10"


def operation_bill(start: str, end: str, **extra: Any) -> Resource:
    """A payer's claim with no diagnosis of the spine, only what was done."""
    return {
        "resourceType": "ExplanationOfBenefit",
        "status": "active",
        "use": "claim",
        "patient": {"reference": "Patient/p1"},
        "billablePeriod": {"start": start, "end": end},
        "created": end,
        "outcome": "complete",
        **extra,
    }


case(
    "claim_line_hcpcs_laminotomy",
    "needs_clearance",
    "a carrier claim (CMS Blue Button) whose line is HCPCS 63030, a lumbar laminotomy with"
    " disc excision (HCPCS Level I is CPT), served on Nov 10, beside an office visit 99213:"
    " a recent spine operation",
    operation_bill(
        "2026-11-10",
        "2026-11-10",
        item=[
            {
                "sequence": 1,
                "productOrService": {"coding": [coding(HCPCS, "63030")]},
                "servicedDate": "2026-11-10",
            },
            {
                "sequence": 2,
                "productOrService": {"coding": [coding(HCPCS, "99213")]},
                "servicedDate": "2026-11-10",
            },
        ],
    ),
)
case(
    "claim_procedure_pcs_fusion",
    "needs_clearance",
    "an inpatient claim whose procedure is ICD-10-PCS 0SG00AJ (fusion of a lumbar vertebral"
    " joint) on Nov 11: a recent spine operation",
    operation_bill(
        "2026-11-10",
        "2026-11-14",
        procedure=[
            {
                "sequence": 1,
                "date": "2026-11-11T08:00:00Z",
                "procedureCodeableConcept": {"coding": [coding(PCS, "0SG00AJ")]},
            }
        ],
    ),
)
case(
    "claim_procedure_undated_stay",
    "needs_clearance",
    "an inpatient claim for a stay of Nov 1-5 with CPT 22612 (lumbar arthrodesis) and no date"
    " of its own: done on some day of the stay, recent on any",
    operation_bill(
        "2026-11-01",
        "2026-11-05",
        procedure=[
            {
                "sequence": 1,
                "procedureCodeableConcept": {
                    "coding": [coding("http://www.ama-assn.org/go/cpt", "22612")]
                },
            }
        ],
    ),
)
case(
    "claim_procedure_years_ago",
    "allowed",
    "a claim of 2019 with ICD-10-PCS 0SG00AJ (lumbar fusion): not a recent operation",
    operation_bill(
        "2019-03-01",
        "2019-03-04",
        procedure=[
            {
                "sequence": 1,
                "date": "2019-03-02",
                "procedureCodeableConcept": {"coding": [coding(PCS, "0SG00AJ")]},
            }
        ],
    ),
)
case(
    "claim_preauthorization_fusion",
    "allowed",
    "a preauthorization for ICD-10-PCS 0SG00AJ (lumbar fusion) on Nov 25: planned, not done",
    operation_bill(
        "2026-11-25",
        "2026-11-25",
        use="preauthorization",
        procedure=[
            {
                "sequence": 1,
                "date": "2026-11-25",
                "procedureCodeableConcept": {"coding": [coding(PCS, "0SG00AJ")]},
            }
        ],
    ),
)
case(
    "claim_line_hcpcs_level_two",
    "allowed",
    "a claim line HCPCS J1644 (a heparin injection, Level II): no CPT code, no operation",
    operation_bill(
        "2026-11-10",
        "2026-11-10",
        item=[
            {
                "sequence": 1,
                "productOrService": {"coding": [coding(HCPCS, "J1644")]},
                "servicedDate": "2026-11-10",
            }
        ],
    ),
)

case(
    "pharmacy_claim_supply_used_up",
    "allowed",
    "a pharmacy claim for apixaban filled in June for 30 days: over by July",
    pharmacy_bill(RXNORM, "1364445", "apixaban 5 MG Oral Tablet", "2026-06-01", 30),
)


# A code written with its code system in front, or in quotes ------------------------------

case(
    "code_with_system_prefix_no_system",
    "refer_urgently",
    "a coding with no system whose code is 'ICD10CM:C79.51' (the way i2b2 and OMOP exports"
    " write concept codes): the prefix names the system, C79.51 bone metastasis",
    condition(None, "ICD10CM:C79.51"),
)
case(
    "code_with_sct_prefix_local_system",
    "contraindicated",
    "a coding in a local system whose code is 'SCT:42343007' (congestive heart failure): the"
    " prefix names SNOMED CT",
    condition("http://clinic.example/problems", "SCT:42343007"),
)
case(
    "code_with_prefix_in_its_own_system",
    "refer_urgently",
    "an ICD-10 coding whose code repeats its system, 'ICD10:C79.5'",
    condition(ICD10, "ICD10:C79.5"),
)
case(
    "code_in_quotes",
    "refer_urgently",
    "an ICD-10 code written in quotes, \"'C79.5'\" (a spreadsheet export)",
    condition(ICD10, "'C79.5'"),
)


# A medication status FHIR does not define ------------------------------------------------

case(
    "medication_status_not_fhir_ongoing",
    "needs_clearance",
    "a warfarin prescription with status 'ongoing' (not a FHIR status): not understood, so"
    " read as no status, and the drug counts",
    warfarin(status="ongoing"),
)
case(
    "medication_statement_status_russian",
    "needs_clearance",
    "a warfarin statement with status 'активный' (a Russian system's own word): not a FHIR"
    " status, read as no status, the drug counts",
    warfarin(
        "MedicationStatement",
        status="активный",
    ),
)


# Blood thinners by brand names of other countries -----------------------------------------

case(
    "medication_text_marcoumar",
    "needs_data",
    "a drug written 'Marcoumar 3 mg' (phenprocoumon as sold in Switzerland): a blood thinner"
    " named in text, to confirm",
    medication(text="Marcoumar 3 mg"),
)
case(
    "medication_text_sinthrome",
    "needs_data",
    "a drug written 'Sinthrome 1mg' (acenocoumarol, UK brand): a blood thinner named in text,"
    " to confirm",
    medication(text="Sinthrome 1mg"),
)
case(
    "medication_text_iscover",
    "needs_data",
    "a drug written 'Iscover 75 mg' (clopidogrel, EU brand): an antiplatelet named in text, to"
    " confirm",
    medication(text="Iscover 75 mg"),
)

# A QuestionnaireResponse of another form than the intake ------------------------------------


def other_form(*items: Resource, status: str = "completed") -> Resource:
    """A response to a clinic's own form (no intake ``questionnaire``, its own linkIds)."""
    return {
        "resourceType": "QuestionnaireResponse",
        "status": status,
        "questionnaire": "https://clinic.example.org/fhir/Questionnaire/back-pain-red-flags",
        "subject": {"reference": "Patient/p1"},
        "authored": "2026-11-20T08:40:00+03:00",
        "item": list(items),
    }


def asked(
    link: str, text: str, *answers: Resource, nested: list[Resource] | None = None
) -> Resource:
    item: Resource = {"linkId": link, "text": text, "answer": list(answers)}
    if nested:
        item["item"] = nested
    return item


LOINC_YES = {"valueCoding": {"system": LOINC, "code": "LA33-6", "display": "Yes"}}

case(
    "questionnaire_other_form_saddle_yes",
    "needs_data",
    "a clinic's own red-flag form: 'Saddle anaesthesia?' answered LOINC Yes (linkId rf2, not"
    " the intake's): the question's words name cauda equina, to confirm (never dropped)",
    other_form(asked("rf2", "Saddle anaesthesia?", LOINC_YES)),
)
case(
    "questionnaire_other_form_bladder_in_group",
    "needs_data",
    "a red-flag group whose nested item 'New bladder or bowel incontinence?' is answered with"
    " the HL7 code Y: cauda equina named, to confirm",
    other_form(
        {
            "linkId": "rf",
            "text": "Red flags",
            "item": [
                asked(
                    "rf.1",
                    "New bladder or bowel incontinence?",
                    {"valueCoding": {"code": "Y", "display": "Yes"}},
                )
            ],
        }
    ),
)
case(
    "questionnaire_other_form_blood_thinner_named",
    "needs_data",
    "'Are you taking blood thinners?' answered 'yes, Xarelto' in words: a blood thinner to"
    " confirm (a physician clears massage)",
    other_form(asked("med3", "Are you taking blood thinners?", {"valueString": "yes, Xarelto"})),
)
case(
    "questionnaire_other_form_russian_blood_thinner_da",
    "needs_data",
    "a Russian form: 'Принимаете ли вы препараты, разжижающие кровь?' answered 'Да': a blood"
    " thinner to confirm",
    other_form(
        asked("m1", "Принимаете ли вы препараты, разжижающие кровь?", {"valueString": "Да"})
    ),
)
case(
    "questionnaire_other_form_fever_true",
    "needs_data",
    "'Do you have a fever today?' answered true on another form, beside a normal temperature:"
    " the fever is to confirm, never dropped",
    other_form(asked("f1", "Do you have a fever today?", {"valueBoolean": True})),
)
case(
    "questionnaire_other_form_answered_no",
    "allowed",
    "'Loss of bladder control?' answered false on another form: a no names nothing",
    other_form(asked("rf3", "Loss of bladder control?", {"valueBoolean": False})),
)
case(
    "questionnaire_other_form_in_progress",
    "needs_data",
    "a response still in progress answering yes to 'Loss of bladder control?': cauda equina to"
    " confirm, as on a finished form (policy_unfinished_form)",
    other_form(
        asked("rf3", "Loss of bladder control?", {"valueBoolean": True}), status="in-progress"
    ),
)


# Platelet counts in the units and codes laboratories write --------------------------------

case(
    "platelets_snomed_platelet_count_low",
    "contraindicated",
    "platelets 30 x10*9/L coded SNOMED CT 61928009 (platelet count), no LOINC code: below 50",
    observation("61928009", 30, "10*9/L", system=SNOMED),
)
case(
    "platelets_thousand_per_cubic_millimetre_low",
    "contraindicated",
    "platelets 30 thou/mm3 (thousand per cubic millimetre, 30 x10*9/L): below 50",
    quantity("777-3", 30, "thou/mm3"),
)
case(
    "platelets_cerner_x10_3_per_mcl_low",
    "contraindicated",
    "platelets 30 x10(3)/mcL, as Cerner writes thousand per microlitre: below 50",
    quantity("777-3", 30, "x10(3)/mcL"),
)
case(
    "platelets_per_cubic_millimetre_superscript_low",
    "contraindicated",
    "platelets 30000 /mm³ (per cubic millimetre, the superscript three): 30 x10*9/L, below 50",
    quantity("777-3", 30000, "/mm³"),
)
case(
    "platelets_snomed_platelet_count_normal",
    "allowed",
    "platelets 250 x10*9/L coded SNOMED CT 61928009: not low",
    observation("61928009", 250, "10*9/L", system=SNOMED),
)


# Readings under a local code, named by their words -----------------------------------------

EPIC_ROW = "urn:oid:1.2.840.114350.1.13.0.1.7.2.707679"


def local_reading(name: str, value: float, unit: str, code: str = "5") -> Resource:
    """A reading under a flowsheet row or laboratory code of the clinic's own system."""
    return {
        **observation(code, system=EPIC_ROW),
        "code": {"coding": [coding(EPIC_ROW, code)], "text": name},
        "valueQuantity": {"value": value, "unit": unit},
    }


case(
    "local_flowsheet_bp_newer_high",
    "needs_data",
    "120/80 (LOINC) two days ago, then a flowsheet row 'BP' whose components 'BP Systolic' 190"
    " and 'BP Diastolic' 115 carry only local codes: the newer reading is never used as"
    " measured nor dropped; blood pressure is unknown until it is confirmed",
    bp(120, 80, when="2026-11-18"),
    {
        **observation("5", system=EPIC_ROW),
        "code": {"coding": [coding(EPIC_ROW, "5")], "text": "BP"},
        "component": [
            {
                "code": {"coding": [coding(EPIC_ROW, "5.1")], "text": "BP Systolic"},
                "valueQuantity": {"value": 190, "unit": "mm[Hg]"},
            },
            {
                "code": {"coding": [coding(EPIC_ROW, "5.2")], "text": "BP Diastolic"},
                "valueQuantity": {"value": 115, "unit": "mm[Hg]"},
            },
        ],
    },
    without={"bp"},
)


def named_panel(name: str, value: dict[str, Any], code: str = "5") -> Resource:
    """A blood-pressure reading under a flowsheet row named as the panel, its value the
    panel's own ("192/118 mmHg") rather than components."""
    return {
        **observation(code, system=EPIC_ROW),
        "code": {"coding": [coding(EPIC_ROW, code)], "text": name},
        **value,
    }


case(
    "local_flowsheet_bp_pair_high",
    "needs_data",
    "120/80 (LOINC) two days ago, then a flowsheet row 'BP' valued '192/118 mmHg' as one text:"
    " a grade 3 pressure if confirmed, never used as measured; blood pressure is unknown"
    " (before, the row was not read at all: allowed)",
    bp(120, 80, when="2026-11-18"),
    named_panel("BP", {"valueString": "192/118 mmHg"}),
    without={"bp"},
)
case(
    "local_flowsheet_bp_pair_russian_high",
    "needs_data",
    "a Russian flowsheet row 'АД' valued '192/118 мм рт. ст.' after a coded 120/80: unknown"
    " until confirmed (before, allowed)",
    bp(120, 80, when="2026-11-18"),
    named_panel("АД", {"valueString": "192/118 мм рт. ст."}),
    without={"bp"},
)
case(
    "local_flowsheet_bp_one_number",
    "needs_data",
    "a flowsheet row 'Blood pressure' valued 192 mm[Hg], one number for two readings, after a"
    " coded 120/80: set aside, blood pressure unknown (before, allowed)",
    bp(120, 80, when="2026-11-18"),
    named_panel("Blood pressure", {"valueQuantity": {"value": 192, "unit": "mm[Hg]"}}),
    without={"bp"},
)
case(
    "local_flowsheet_bp_pair_normal",
    "needs_data",
    "a flowsheet row 'BP' valued '124/78 mmHg' after a coded 120/80: the newer reading, named"
    " only by its words, is never used as measured; as the latest it would decide (the"
    " knowledge base grades every pressure), so it is to confirm, as its components named"
    " 'BP Systolic' and 'BP Diastolic' are",
    bp(120, 80, when="2026-11-18"),
    named_panel("BP", {"valueString": "124/78 mmHg"}),
    without={"bp"},
)
case(
    "local_flowsheet_rr_is_not_bp",
    "allowed",
    "a flowsheet row 'RR' valued 18 /min (the respiratory rate in English records) beside a"
    " coded 120/80 of today: not read as a blood pressure",
    bp(120, 80),
    named_panel("RR", {"valueQuantity": {"value": 18, "unit": "/min"}}),
    without={"bp"},
)


def vitals_text(name: str, text: str) -> Resource:
    """A flowsheet row named for several readings ("Vitals"), valued by one text of them."""
    return {
        **observation("9", system=EPIC_ROW),
        "code": {"coding": [coding(EPIC_ROW, "9")], "text": name},
        "valueString": text,
    }


case(
    "vitals_text_bp_high",
    "needs_data",
    "120/80 (LOINC) two days ago, then a flowsheet row 'Vitals' valued 'BP 192/118 mmHg, HR 88,"
    " Temp 36.7 °C': the pressure named in the text is a grade 3 pressure if confirmed, never"
    " used as measured; blood pressure is unknown (before, the text was not read: allowed)",
    bp(120, 80, when="2026-11-18"),
    vitals_text("Vitals", "BP 192/118 mmHg, HR 88, Temp 36.7 °C"),
    without={"bp"},
)
case(
    "vitals_text_russian_bp_high",
    "needs_data",
    "a Russian row 'Витальные показатели' valued 'АД 190/115 мм рт. ст.; ЧСС 84; температура"
    " 36,6' after a coded 120/80: blood pressure unknown until confirmed (before, allowed)",
    bp(120, 80, when="2026-11-18"),
    vitals_text("Витальные показатели", "АД 190/115 мм рт. ст.; ЧСС 84; температура 36,6"),
    without={"bp"},
)
case(
    "vitals_text_fever",
    "needs_data",
    "a row 'Vital signs' valued 'Temp 39.1 °C, pulse 96' beside a normal coded temperature:"
    " a fever if confirmed; fever is unknown (before, allowed)",
    vitals_text("Vital signs", "Temp 39.1 °C, pulse 96"),
)
case(
    "vitals_text_names_no_reading_screened",
    "allowed",
    "a row 'Vitals' valued 'RR 18, SpO2 98 %, HR 72' beside today's coded 120/80: it names no"
    " reading the screening uses ('RR' is the respiratory rate), and changes nothing",
    bp(120, 80),
    vitals_text("Vitals", "RR 18, SpO2 98 %, HR 72"),
    without={"bp"},
)
case(
    "local_lab_platelets_low",
    "needs_data",
    "a laboratory's own code named 'Platelet count', 30 x10*9/L: below 50 if confirmed; the"
    " count is unknown, never dropped (before, allowed)",
    local_reading("Platelet count", 30, "10*9/L", code="PLT"),
)
case(
    "local_lab_platelets_russian_low",
    "needs_data",
    "a Russian laboratory's own code named 'Тромбоциты (PLT)', 30 ×10⁹/л: unknown until confirmed",
    local_reading("Тромбоциты (PLT)", 30, "10⁹/л", code="PLT"),
)
case(
    "local_lab_platelets_normal",
    "allowed",
    "a laboratory's own code named 'Platelet count', 250 x10*9/L: meets no comparison the"
    " knowledge base makes (below 50), so it changes nothing",
    local_reading("Platelet count", 250, "10*9/L", code="PLT"),
)
case(
    "local_flowsheet_temperature_fever",
    "needs_data",
    "36.6 (LOINC) and a flowsheet row 'Temp' of 38.9 °C the same day under a local code: the"
    " possible fever is to confirm, the temperature unknown",
    local_reading("Temp", 38.9, "°C", code="6"),
)
case(
    "local_flowsheet_skin_temperature",
    "allowed",
    "a flowsheet row 'Skin temperature' 33 °C under a local code: not the name of a body"
    " temperature, left out",
    local_reading("Skin temperature", 33, "°C", code="7"),
)


case(
    "pain_russian_of_ten_string_herniation",
    "defer",
    "disc herniation and the pain score written '8 из 10' (8 of 10, valueString): 8 is strong"
    " pain (4 or more), a deferral",
    HERNIATION,
    observation("72514-3", "8 из 10", key="valueString"),
    without={"pain"},
)
case(
    "pain_out_of_ten_quantity_herniation",
    "defer",
    "disc herniation and a pain score 7 with the unit 'out of 10': 7 of 10, a deferral",
    HERNIATION,
    quantity("72514-3", 7, "out of 10"),
    without={"pain"},
)


case(
    "questionnaire_other_form_temperature_reading",
    "needs_data",
    "36.6 measured, and another form's question 'Temperature' answered 38.6 Cel: a reading"
    " named only by the question's words is never used as measured; a possible fever, to confirm",
    other_form(asked("t", "Temperature", {"valueQuantity": {"value": 38.6, "unit": "Cel"}})),
)
case(
    "questionnaire_other_form_temperature_normal",
    "allowed",
    "another form's question 'Temperature' answered 36.8 Cel: meets no threshold, changes nothing",
    other_form(asked("t", "Temperature", {"valueQuantity": {"value": 36.8, "unit": "Cel"}})),
)
case(
    "questionnaire_other_form_symptom_coded",
    "needs_data",
    "another form's 'Symptoms' answered with SNOMED CT 449813001 (numbness of saddle area):"
    " the coded answer is read as its code, cauda equina to confirm",
    other_form(asked("sym", "Symptoms", {"valueCoding": coding(SNOMED, "449813001")})),
)
case(
    "questionnaire_other_form_medication_coded",
    "needs_data",
    "another form's 'Current medications' answered with RxNorm 855332 (warfarin 5 mg): a"
    " blood thinner to confirm",
    other_form(
        asked(
            "meds",
            "Current medications",
            {"valueCoding": coding(RXNORM, "855332", "Warfarin Sodium 5 MG Oral Tablet")},
        )
    ),
)


case(
    "snomed_unlisted_temperature_code_fever",
    "needs_data",
    "36.6 measured, and 38.9 Cel under a SNOMED CT code the KB does not list for body"
    " temperature, shown as 'Temperature': named by its words, a possible fever to confirm",
    {
        **observation("703421000", 38.9, "Cel", system=SNOMED),
        "code": {"coding": [coding(SNOMED, "703421000", "Temperature")]},
    },
)


case(
    "questionnaire_other_form_saddle_in_other_words",
    "needs_data",
    "another form's 'Numbness in the groin/saddle area?' answered true: the intake's saddle"
    " anaesthesia question asked in other words (KB names), unknown until confirmed",
    other_form(asked("rf1", "Numbness in the groin/saddle area?", {"valueBoolean": True})),
)
case(
    "questionnaire_other_form_russian_saddle_da",
    "needs_data",
    "a Russian form's 'Онемение в области промежности?' answered 'да': saddle anaesthesia to"
    " confirm",
    other_form(asked("1.3", "Онемение в области промежности?", {"valueString": "да"})),
)
case(
    "questionnaire_other_form_fall_yes",
    "needs_data",
    "another form's 'Recent fall or injury to the back?' answered yes: the trauma red flag"
    " (vertebral fracture) to confirm",
    other_form(asked("t1", "Recent fall or injury to the back?", {"valueString": "Yes"})),
)
case(
    "questionnaire_other_form_leg_weakness_no",
    "allowed",
    "another form's 'Progressive weakness in the legs?' answered false: a no asks nothing",
    other_form(asked("n2", "Progressive weakness in the legs?", {"valueBoolean": False})),
)

# A child concept's code the KB does not list, with its display only: a synonym with a gap
# ("fracture of * vertebra") finds the red flag in the display's words, to confirm.
for name, display, what in [
    ("l1_fracture", "Closed fracture of L1 vertebra", "a vertebral fracture"),
    ("odontoid_fracture", "Fracture of odontoid process", "a vertebral fracture"),
    ("spine_tuberculosis", "Tuberculosis of spine", "a spinal infection"),
    ("lumbar_osteomyelitis", "Osteomyelitis of lumbar spine", "a spinal infection"),
    ("spine_metastasis", "Metastasis to spine", "spinal metastases"),
    ("cord_compression", "Compression of spinal cord", "cord compression (myelopathy)"),
    ("ru_l1_body_fracture", "Перелом тела L1 позвонка", "a vertebral fracture"),
    (
        "ru_lumbar_osteomyelitis",
        "Остеомиелит поясничного отдела позвоночника",
        "a spinal infection",
    ),
    ("ru_spine_metastases", "Метастазы в позвоночник", "spinal metastases"),
    ("ru_cord_compression", "Компрессия спинного мозга", "cord compression (myelopathy)"),
    ("de_l1_fracture", "LWK-1-Fraktur", "a vertebral fracture"),
]:
    case(
        f"text_child_code_{name}",
        "needs_data",
        f"a SNOMED code the KB does not list displayed '{display}': {what} found in its"
        " display, a red flag to confirm (never allowed)",
        condition(SNOMED, "1000000000000", display),
    )
for name, display, why in [
    ("negated_l1_fracture", "No fracture of L1 vertebra", "negated"),
    ("ru_negated_fracture", "Перелом позвонка исключен", "negated after"),
    ("fracture_ruled_out", "Suspected vertebral fracture, ruled out", "ruled out after a comma"),
    ("old_l1_fracture", "Old fracture of L1 vertebra", "in the past"),
    ("family_myeloma", "Family history: multiple myeloma", "a relative's"),
    ("radius_fracture", "Fracture of lower end of radius", "not of the spine"),
    ("spinal_stenosis", "Lumbar spinal stenosis", "a back condition, not a STEMI"),
]:
    case(
        f"text_child_code_{name}",
        "allowed",
        f"a SNOMED code the KB does not list displayed '{display}': {why}, no red flag",
        condition(SNOMED, "1000000000000", display),
    )


# QuestionnaireResponses not finished (in progress, stopped) ---------------------------------

RED_FLAGS_NO: dict[str, Any] = {
    q: False
    for q in (
        "bladder_bowel_dysfunction",
        "saddle_anaesthesia",
        "progressive_leg_weakness",
        "gait_disturbance",
        "hand_clumsiness",
        "major_trauma",
        "unexplained_weight_loss",
        "night_pain",
        "dizziness_on_neck_movement",
    )
}

case(
    "questionnaire_in_progress_red_flags_no",
    "allowed",
    "a response in progress answering no to every red flag: a no on a form not finished"
    " settles nothing, the questions stay unanswered, as before (policy_unfinished_form)",
    response("in-progress", **RED_FLAGS_NO),
)
case(
    "questionnaire_stopped_bladder_yes",
    "needs_data",
    "a response stopped before it was finished, answering yes to loss of bladder or bowel"
    " control: the red flag to confirm",
    response("stopped", **{**RED_FLAGS_NO, "bladder_bowel_dysfunction": True}),
)
case(
    "questionnaire_entered_in_error_saddle_yes",
    "allowed",
    "a response entered in error answering yes to saddle anaesthesia: never the patient's,"
    " not read",
    response("entered-in-error", saddle_anaesthesia=True),
)
case(
    "questionnaire_amended_saddle_yes",
    "refer_urgently",
    "an amended response answering yes to saddle anaesthesia: final, the red flag stands",
    response("amended", saddle_anaesthesia=True),
)
case(
    "questionnaire_completed_red_flags_no",
    "allowed",
    "a completed response answering no to every red flag",
    response(**RED_FLAGS_NO),
)
case(
    "questionnaire_in_progress_fever_no_without_temperature",
    "needs_data",
    "no temperature measured; a response in progress says no fever today: a no on a form not"
    " finished settles nothing, so fever stays unknown (a completed one would allow)",
    response("in-progress", fever_today=False),
    without={"temperature"},
)
case(
    "questionnaire_in_progress_temperature_high",
    "needs_data",
    "a temperature of 38.4 given on a response in progress, the day of a normal reading: set"
    " aside, to confirm or measure again (never used as measured, never dropped)",
    response("in-progress", body_temperature=38.4),
)
case(
    "questionnaire_in_progress_no_after_completed_yes",
    "refer_urgently",
    "a completed response answering yes to saddle anaesthesia, then a later one in progress"
    " answering no: the no settles nothing, the yes stands",
    {**response(saddle_anaesthesia=True), "authored": "2026-11-19T09:00:00+03:00"},
    response("in-progress", saddle_anaesthesia=False),
)
case(
    "questionnaire_in_progress_other_form_fall_yes",
    "needs_data",
    "another form in progress: 'Recent fall or injury to the back?' answered yes, the trauma"
    " red flag to confirm",
    other_form(
        asked("t1", "Recent fall or injury to the back?", {"valueString": "Yes"}),
        status="in-progress",
    ),
)
case(
    "questionnaire_in_progress_herniation_phase_choice",
    "allowed",
    "a response in progress choosing conservative treatment for the herniation phase: a choice"
    " on a form not finished settles nothing (no herniation recorded, nothing asks it)",
    {
        **response("in-progress"),
        "item": [
            {
                "linkId": "answers",
                "item": [
                    {
                        "linkId": "herniation_phase",
                        "answer": [{"valueCoding": {"code": "conservative"}}],
                    }
                ],
            }
        ],
    },
)


# A course's length in its unit (daysSupply, expectedSupplyDuration) ----------------------

UCUM = "http://unitsofmeasure.org"


def days_supply(value: float, unit: str | None = None, code: str | None = None) -> Resource:
    quantity: dict[str, Any] = {"value": value}
    if unit is not None:
        quantity["unit"] = unit
    if code is not None:
        quantity.update({"system": UCUM, "code": code})
    return {"daysSupply": quantity}


def dispensed(quantity: Resource, start: str = "2026-11-10") -> Resource:
    return warfarin("MedicationDispense", status="completed", start=start, extra=quantity)


def prescribed(supply: Resource, start: str) -> Resource:
    """A completed warfarin prescription with its expected supply as written."""
    extra = {"dispenseRequest": {"expectedSupplyDuration": supply}}
    return warfarin(status="completed", start=start, extra=extra)


case(
    "dispense_days_supply_4_weeks",
    "needs_clearance",
    "warfarin dispensed 10 days ago for '4 wk' (UCUM wk): 28 days, still taken (before, read as"
    " 4 days and over)",
    dispensed(days_supply(4, "wk", "wk")),
)
case(
    "dispense_days_supply_4_weeks_in_words",
    "needs_clearance",
    "warfarin dispensed 10 days ago for 4 'weeks' (the unit in words, no code): 28 days",
    dispensed(days_supply(4, "weeks")),
)
case(
    "dispense_days_supply_28_days",
    "needs_clearance",
    "warfarin dispensed 10 days ago for 28 d: still taken",
    dispensed(days_supply(28, "days", "d")),
)
case(
    "dispense_days_supply_no_unit",
    "needs_clearance",
    "warfarin dispensed 10 days ago, daysSupply 28 with no unit: days, as FHIR defines it",
    dispensed(days_supply(28)),
)
case(
    "dispense_days_supply_5_days_over",
    "needs_data",
    "warfarin dispensed 10 days ago for 5 days: over before the screening day by the record,"
    " but within 30 days, so it may still be taken or still act: confirm (clinic policy"
    " policy_recent_medication; it gave allowed)",
    dispensed(days_supply(5, "d", "d")),
)
case(
    "dispense_days_supply_over_long_ago",
    "allowed",
    "warfarin dispensed on 1 September for 30 days: over more than 30 days before the"
    " screening day",
    dispensed(days_supply(30, "d", "d"), start="2026-09-01"),
)
case(
    "dispense_days_supply_unreadable_unit",
    "needs_clearance",
    "warfarin dispensed 10 days ago for '2 packs': not a length of time, so the end is"
    " unknown and the drug counts from its dispensing (never dropped)",
    dispensed(days_supply(2, "packs")),
)
case(
    "dispense_days_supply_1_month_long_ago",
    "allowed",
    "warfarin dispensed in August for 1 mo: over by the screening day",
    dispensed(days_supply(1, "month", "mo"), start="2026-08-01"),
)
case(
    "medication_request_completed_supply_4_weeks",
    "needs_clearance",
    "a warfarin prescription completed on Nov 10 with an expected supply of 4 wk: taken until"
    " Dec 8",
    prescribed({"value": 4, "code": "wk"}, start="2026-11-10"),
)
case(
    "medication_request_completed_supply_unreadable_unit",
    "needs_clearance",
    "a warfarin prescription completed in June with an expected supply of '3 refills': no"
    " length of time, so no end can be read and the drug counts (never dropped)",
    prescribed({"value": 3, "unit": "refills"}, start="2026-06-01"),
)


# ---------------------------------------------------------------------------------------
# Readings of one day without the time they were taken (a Bundle's order says nothing)

case(
    "two_bp_same_day_untimed_high_first",
    "needs_data",
    "190/115 and 120/80 both dated 2026-11-20 without a time, the high one listed first:"
    " either may be the later reading, they disagree, blood pressure to measure again",
    bp(190, 115),
    bp(120, 80),
    without={"bp"},
)
case(
    "two_bp_same_day_untimed_high_last",
    "needs_data",
    "120/80 and 190/115 both dated 2026-11-20 without a time, the high one listed last:"
    " the order of a Bundle says nothing, unknown as in the other order",
    bp(120, 80),
    bp(190, 115),
    without={"bp"},
)
case(
    "two_bp_same_day_untimed_agree",
    "allowed",
    "118/76 and 124/82 both dated 2026-11-20 without a time: whichever is the later, both"
    " are normal, as before",
    bp(118, 76),
    bp(124, 82),
    without={"bp"},
)
case(
    "two_bp_same_day_untimed_both_high",
    "defer",
    "185/112 and 195/118 both dated 2026-11-20 without a time: whichever is the later,"
    " grade 3 hypertension defers massage",
    bp(185, 112),
    bp(195, 118),
    without={"bp"},
)
case(
    "two_bp_same_day_timed_and_untimed",
    "needs_data",
    "120/80 at 18:00 and 190/115 dated the same day without a time: the reading without a"
    " time may have been taken after 18:00, they disagree",
    observation("85354-9", when="2026-11-20T18:00:00+03:00", components=bp(120, 80)["component"]),
    bp(190, 115),
    without={"bp"},
)
case(
    "two_bp_earlier_day_untimed_newer_day_decides",
    "allowed",
    "190/115 and 120/80 on 2026-11-18 without a time disagree, but 122/78 on 2026-11-20 is"
    " the latest reading: the newer day decides, as before",
    bp(190, 115, when="2026-11-18"),
    bp(120, 80, when="2026-11-18"),
    bp(122, 78),
    without={"bp"},
)


# ---------------------------------------------------------------------------------------
# Readings dated only by a month or a year: taken on some day of it, which is not known

case(
    "bp_month_only_high_exact_normal",
    "needs_data",
    "190/115 dated only '2026-11' and 120/80 on 2026-11-20: the month's reading may have been"
    " taken on the screening day after the normal one, blood pressure to measure again",
    bp(190, 115, when="2026-11"),
)
case(
    "temperature_month_only_high",
    "needs_data",
    "38.9 Cel dated only '2026-11' and 36.6 on 2026-11-20: the highest temperature of the last"
    " 3 days decides, and the month's reading may be of those days, temperature unknown",
    observation("8310-5", 38.9, "Cel", when="2026-11"),
)
case(
    "bp_year_only_high_exact_normal",
    "needs_data",
    "190/115 dated only '2026' and 120/80 on 2026-11-20: the year's reading may have been"
    " taken after the normal one, blood pressure to measure again",
    bp(190, 115, when="2026"),
)
case(
    "bp_month_only_older_than_exact",
    "allowed",
    "190/115 dated only '2026-10' and 120/80 on 2026-11-20: the month ended before the exact"
    " reading, which is the latest and decides, as before",
    bp(190, 115, when="2026-10"),
)
case(
    "bp_month_only_normal_exact_high",
    "defer",
    "120/80 dated only '2026-11' and 190/115 on 2026-11-20: a reading of the month may be the"
    " later one, but a normal one never makes the grade 3 reading milder (clinic policy),"
    " grade 3 hypertension defers massage as before",
    bp(120, 80, when="2026-11"),
    bp(190, 115),
    without={"bp"},
)
case(
    "bp_month_only_high_alone",
    "defer",
    "190/115 dated only '2026-11', no other reading: whichever day of November 2026 (within"
    " the 30 days) it was taken on, it is the latest: grade 3 hypertension defers massage",
    bp(190, 115, when="2026-11"),
    without={"bp"},
)
case(
    "temperature_month_only_high_alone",
    "needs_data",
    "38.9 Cel dated only '2026-11', no other temperature: it may be older than 3 days, so no"
    " temperature is known to be current, temperature to measure",
    observation("8310-5", 38.9, "Cel", when="2026-11"),
    without={"temperature"},
)
case(
    "bp_month_only_high_untimed_day_agree",
    "needs_data",
    "190/115 dated only '2026-11', and 118/76 and 124/82 both dated 2026-11-20 without a"
    " time: whichever of the day's two is the later, both are normal, but the month's reading"
    " may be the latest: blood pressure to measure again, because of the month's reading",
    bp(190, 115, when="2026-11"),
    bp(118, 76),
    bp(124, 82),
    without={"bp"},
)
case(
    "bp_month_only_high_untimed_day_disagree",
    "needs_data",
    "190/115 dated only '2026-11', and 120/80 and 185/112 both dated 2026-11-20 without a"
    " time: the day's two readings disagree on grade 3 hypertension, blood pressure to"
    " measure again",
    bp(190, 115, when="2026-11"),
    bp(120, 80),
    bp(185, 112),
    without={"bp"},
)
case(
    "bp_month_only_set_aside_exact_normal",
    "needs_data",
    "200/120 written without a unit and dated only '2026-11', and 120/80 on 2026-11-20: the"
    " reading that cannot be used may be the later one, blood pressure unknown",
    {**bp_as_written(200, 120, NO_UNIT), "effectiveDateTime": "2026-11"},
)
case(
    "pain_month_only_high_exact_low",
    "needs_clearance",
    "disc herniation (to clear) with pain 8 of 10 dated only '2026-11' and 2 on 2026-11-20:"
    " the month's score may be the latest, so acute pain is unknown and the pain score listed"
    " to ask, never the low score taken as current",
    HERNIATION,
    observation("72514-3", 8, "{score}", when="2026-11"),
)


# --- an unclear answer after a clear one ---------------------------------------------------


def response_on(status: str, authored: str, **answers: Any) -> Resource:
    """:func:`response` given on another day."""
    return {**response(status, **answers), "authored": authored}


case(
    "questionnaire_yes_then_unfinished_yes",
    "refer_urgently",
    "saddle anaesthesia answered yes on a finished form, then yes again on a form still in"
    " progress: the later answer, to confirm, does not overturn the clear yes before it",
    response_on("completed", "2026-11-19T10:00:00+03:00", saddle_anaesthesia=True),
    response_on("in-progress", "2026-11-20T09:15:00+03:00", saddle_anaesthesia=True),
)
case(
    "questionnaire_no_then_unfinished_yes",
    "needs_data",
    "saddle anaesthesia answered no on a finished form, then yes on a form still in"
    " progress: the red flag is to confirm, the earlier no no longer rules it out",
    response_on("completed", "2026-11-19T10:00:00+03:00", saddle_anaesthesia=False),
    response_on("in-progress", "2026-11-20T09:15:00+03:00", saddle_anaesthesia=True),
)
case(
    "questionnaire_yes_then_finished_no",
    "allowed",
    "saddle anaesthesia answered yes, then no on a later finished form: the later clear"
    " answer decides",
    response_on("completed", "2026-11-19T10:00:00+03:00", saddle_anaesthesia=True),
    response_on("completed", "2026-11-20T09:15:00+03:00", saddle_anaesthesia=False),
)

# --- answers dated only by a month or a year: given on some day of it, which is not known

case(
    "questionnaire_month_only_yes_exact_no",
    "needs_data",
    "saddle anaesthesia answered yes on a form authored only '2026-11' and no on a form of"
    " 2026-11-10: the month's yes may be the later answer, the red flag is to confirm, never"
    " ruled out",
    response_on("completed", "2026-11", saddle_anaesthesia=True),
    response_on("completed", "2026-11-10", saddle_anaesthesia=False),
)
case(
    "questionnaire_month_only_no_exact_yes",
    "refer_urgently",
    "saddle anaesthesia answered no on a form authored only '2026-11' and yes on a form of"
    " 2026-11-10: a no of the month may be the later answer, but it never makes the yes"
    " milder (clinic policy), urgent referral as before",
    response_on("completed", "2026-11", saddle_anaesthesia=False),
    response_on("completed", "2026-11-10", saddle_anaesthesia=True),
)
case(
    "questionnaire_year_only_yes_exact_no",
    "needs_data",
    "saddle anaesthesia answered yes on a form authored only '2026' and no on a form of"
    " 2026-11-10: the year's yes may be the later answer, the red flag is to confirm",
    response_on("completed", "2026", saddle_anaesthesia=True),
    response_on("completed", "2026-11-10", saddle_anaesthesia=False),
)
case(
    "questionnaire_month_only_yes_alone",
    "refer_urgently",
    "saddle anaesthesia answered yes on a form authored only '2026-11', no other answer:"
    " the month's answer is the latest and decides as before, urgent referral",
    response_on("completed", "2026-11", saddle_anaesthesia=True),
)
case(
    "questionnaire_month_only_yes_before_exact_no",
    "allowed",
    "saddle anaesthesia answered yes on a form authored only '2026-10' and no on a form of"
    " 2026-11-10: October ended before the later no, which decides as before",
    response_on("completed", "2026-10", saddle_anaesthesia=True),
    response_on("completed", "2026-11-10", saddle_anaesthesia=False),
)

# Units and words as laboratories and clinicians type them: an asterisk or Cyrillic kha for
# the multiplication sign, Cyrillic giga, cubic millimetres with a power sign, the ordinal
# indicator or the ring above for the degree sign; the German spelling with K.
for name, unit, why in (
    ("platelets_asterisk_power", "*10^9/л", "'*10^9/л' (an asterisk for the multiplication sign)"),
    (
        "platelets_cyrillic_kha_power",
        "х10^9/л",
        "'х10^9/л' (Cyrillic kha for the multiplication sign)",
    ),
    ("platelets_cyrillic_giga", "Г/л", "'Г/л' (giga per litre, with the Cyrillic letter)"),
    (
        "platelets_cubic_millimetre_power",
        "10^3/mm^3",
        "'10^3/mm^3' (thousand per cubic millimetre)",
    ),
    ("platelets_russian_thousand_cubic_mm", "тыс/мм3", "'тыс/мм3' (thousand per cubic millimetre)"),
):
    case(
        name,
        "contraindicated",
        f"platelets 30 in {why}: below 50 x10*9/L",
        quantity("777-3", 30, unit),
    )
for name, unit, value, why in (
    ("temperature_ordinal_indicator_celsius", "ºC", 38.4, "'ºC' typed with the ordinal indicator"),
    ("temperature_ring_above_celsius", "˚C", 38.4, "'˚C' typed with the ring above"),
    (
        "temperature_ordinal_indicator_fahrenheit",
        "ºF",
        101.3,
        "'ºF' typed with the ordinal indicator",
    ),
):
    case(
        name,
        "defer",
        f"{value} {why}: a fever",
        quantity("8310-5", value, unit),
        without={"temperature"},
    )
case(
    "text_german_kauda_equina_spelling",
    "needs_data",
    "'Kauda-equina-Syndrom', the German spelling with K: cauda equina found in text, confirm",
    condition(text="Kauda-equina-Syndrom"),
)

# Loss of bladder or bowel control coded in SNOMED CT: the same finding as ICD-10-CM R32
# and R15.9, which the KB lists for cauda equina syndrome.
case(
    "snomed_urinary_incontinence",
    "refer_urgently",
    "SNOMED 165232002 urinary incontinence: the finding ICD-10-CM R32 names (cauda equina)",
    condition(SNOMED, "165232002", "Urinary incontinence"),
)
case(
    "snomed_incontinence_of_feces",
    "refer_urgently",
    "SNOMED 72042002 incontinence of feces: the finding ICD-10-CM R15.9 names (cauda equina)",
    condition(SNOMED, "72042002", "Incontinence of feces"),
)
case(
    "text_incontinence_of_feces",
    "needs_data",
    "'Incontinence of feces' written as text only: cauda equina found in text, confirm",
    condition(text="Incontinence of feces"),
)

# Cancer written with the Latin genitive, as German and Russian notes write it.
for name, text in (
    ("text_latin_ca_mammae", "Ca mammae links"),
    ("text_latin_ca_recti", "Ca recti, Z.n. Radiatio"),
    ("text_latin_ca_ventriculi_dot", "Ca. ventriculi"),
    ("text_german_nierenzell_ca", "Nierenzell-Ca rechts"),
):
    case(name, "needs_data", f"'{text}': a cancer found in text, confirm", condition(text=text))

# Readings dated the day after the screening day: a time written in UTC or in another zone
# than the clinic's (20:00 in New York is 01:00Z the next day) may be the screening day's.
NEXT_DAY_UTC = "2026-11-21T01:00:00Z"
case(
    "bp_next_day_in_utc_high",
    "needs_data",
    "120/80 in the morning and 190/115 written 01:00 UTC the next day: it may have been taken"
    " on the screening day in the clinic's time, and the two disagree",
    bp(120, 80, when=f"{DAY}T09:00:00-05:00"),
    bp(190, 115, when=NEXT_DAY_UTC),
    without={"bp"},
)
case(
    "bp_next_day_in_utc_agrees",
    "allowed",
    "120/80 in the morning and 124/82 written the next day in UTC: whichever is the latest,"
    " blood pressure is normal",
    bp(120, 80, when=f"{DAY}T09:00:00-05:00"),
    bp(124, 82, when=NEXT_DAY_UTC),
    without={"bp"},
)
case(
    "bp_two_days_ahead_not_read",
    "allowed",
    "120/80 on the screening day and 190/115 two days later: not yet taken, not read",
    bp(120, 80),
    bp(190, 115, when="2026-11-22T01:00:00Z"),
    without={"bp"},
)
case(
    "temperature_next_day_fever",
    "needs_data",
    "36.6 Cel on the screening day and 38.4 Cel dated the next day: it may be a fever of the"
    " screening day",
    observation("8310-5", 36.6, "Cel"),
    observation("8310-5", 38.4, "Cel", when=NEXT_DAY_UTC),
    without={"temperature"},
)
case(
    "platelets_next_day_only_low",
    "needs_data",
    "platelets 30 dated the next day and no count before: the count may be of the screening"
    " day, so platelets are unknown, never absent",
    observation("777-3", 30, "10*3/uL", when=NEXT_DAY_UTC),
)

# ---------------------------------------------------------------------------------------
# Words of the record outside the problem list: an assessment's description, problems and
# notes, notes on readings and orders, a procedure's complications and outcome, reasons
# named only in words, a bill's own Condition, documents in RTF, Markdown or XML


def assessment(**extra: Any) -> Resource:
    return {
        "resourceType": "ClinicalImpression",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "date": "2026-11-18",
        **extra,
    }


def mri_order(**extra: Any) -> Resource:
    return {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "code": {"text": "MRI lumbar spine"},
        "authoredOn": "2026-11-18",
        **extra,
    }


def done(name: str, **extra: Any) -> Resource:
    return {
        "resourceType": "Procedure",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "code": {"text": name},
        "performedDateTime": "2026-11-12",
        **extra,
    }


def document(kind: str, text: str, **attachment: Any) -> Resource:
    return {
        "resourceType": "DocumentReference",
        "status": "current",
        "subject": {"reference": "Patient/p1"},
        "date": "2026-11-18",
        "content": [{"attachment": {"contentType": kind, "data": b64(text), **attachment}}],
    }


case(
    "assessment_description_cauda_equina",
    "needs_data",
    "a clinical assessment whose description says 'Red flags: saddle anaesthesia, new"
    " urinary retention': to confirm",
    assessment(description="Red flags: saddle anaesthesia, new urinary retention"),
)
case(
    "assessment_problem_display_metastases",
    "needs_data",
    "an assessment's problem named only in words ({'display': 'Spinal metastases'}): to confirm",
    assessment(problem=[{"display": "Spinal metastases"}]),
)
case(
    "assessment_note_vertebral_fracture",
    "needs_data",
    "an assessment's note 'Query osteoporotic vertebral fracture T12': to confirm",
    assessment(note=[{"text": "Query osteoporotic vertebral fracture T12"}]),
)
case(
    "assessment_finding_reference_display",
    "needs_data",
    "an assessment's finding given as a reference with words only ('Cauda equina"
    " syndrome'): to confirm",
    assessment(finding=[{"itemReference": {"display": "Cauda equina syndrome"}}]),
)
case(
    "order_note_saddle_anaesthesia",
    "needs_data",
    "an urgent MRI order whose note says '?cauda equina - saddle anaesthesia since"
    " yesterday': to confirm",
    mri_order(note=[{"text": "?cauda equina - saddle anaesthesia since yesterday"}]),
)
case(
    "order_reason_reference_display_only",
    "needs_data",
    "an order whose reason names a condition only in words (reasonReference display"
    " 'Spinal metastases', no reference): to confirm, as a visit's diagnosis",
    mri_order(reasonReference=[{"display": "Spinal metastases"}]),
)
case(
    "order_reason_reference_to_condition_read_there",
    "allowed",
    "an order whose reason points to the record's Condition (lumbar osteochondrosis) with"
    " its display: read where the Condition stands, nothing more",
    mri_order(
        reasonReference=[
            {
                "reference": "urn:uuid:00000000-0000-4000-8000-000000000001",
                "display": "Spinal osteochondrosis, lumbar region",
            }
        ]
    ),
)
case(
    "reading_note_saddle_anaesthesia",
    "needs_data",
    "a temperature reading (36.6, normal) whose note says 'Patient reports saddle"
    " anaesthesia': the note is read, to confirm",
    observation("8310-5", 36.6, "Cel") | {"note": [{"text": "Patient reports saddle anaesthesia"}]},
    without={"temperature"},
)
case(
    "reading_note_negated_stays_allowed",
    "allowed",
    "a temperature reading whose note says 'No saddle anaesthesia, no urinary retention':"
    " a negation",
    observation("8310-5", 36.6, "Cel")
    | {"note": [{"text": "No saddle anaesthesia, no urinary retention"}]},
    without={"temperature"},
)
case(
    "encounter_reason_reference_display_only",
    "needs_data",
    "a visit whose reason is named only in words (reasonReference display 'Suspected"
    " vertebral fracture after fall'): to confirm",
    encounter(reasonReference=[{"display": "Suspected vertebral fracture after fall"}]),
)
case(
    "procedure_complication_vertebral_fracture",
    "needs_data",
    "a fall assessment whose complication is 'Compression fracture L1': to confirm",
    done("Fall assessment", complication=[{"text": "Compression fracture L1"}]),
)
case(
    "procedure_outcome_metastatic",
    "needs_data",
    "a bone biopsy whose outcome is 'Metastatic adenocarcinoma in L3 vertebral body': to confirm",
    done("CT-guided biopsy L3", outcome={"text": "Metastatic adenocarcinoma in L3 vertebral body"}),
)
case(
    "claim_diagnosis_contained_condition",
    "refer_urgently",
    "a bill whose diagnosis points to a Condition it holds (contained, SNOMED CT 192970008"
    " cauda equina syndrome): read as any Condition",
    {
        "resourceType": "Claim",
        "status": "active",
        "use": "claim",
        "patient": {"reference": "Patient/p1"},
        "billablePeriod": {"start": "2026-11-12", "end": "2026-11-12"},
        "created": "2026-11-12",
        "contained": [
            condition(SNOMED, "192970008", "Cauda equina syndrome", onset="2026-11-12")
            | {"id": "d1"}
        ],
        "diagnosis": [{"sequence": 1, "diagnosisReference": {"reference": "#d1"}}],
    },
)
case(
    "document_rtf_cauda_equina",
    "needs_data",
    "a letter written into the record as RTF: its words are read ('cauda equina"
    " syndrome'), to confirm",
    document("text/rtf", r"{\rtf1\ansi\deff0 {\b Impression:} cauda equina syndrome.\par}"),
)
case(
    "document_markdown_metastases",
    "needs_data",
    "a note written as Markdown ('## Impression: spinal metastases'): to confirm",
    document("text/markdown", "## Impression\n\n- spinal metastases\n"),
)
case(
    "document_cda_xml_vertebral_fracture",
    "needs_data",
    "a CDA document (application/xml) whose narrative names a vertebral fracture: its"
    " words are read, to confirm",
    document(
        "application/xml",
        "<ClinicalDocument xmlns='urn:hl7-org:v3'><component><section><text>"
        "Osteoporotic vertebral fracture L1</text></section></component></ClinicalDocument>",
    ),
)
case(
    "document_pdf_title_cauda_equina",
    "needs_data",
    "a PDF (not read) whose title is 'MRI: cauda equina compression': the title is read,"
    " to confirm",
    {
        "resourceType": "DocumentReference",
        "status": "current",
        "subject": {"reference": "Patient/p1"},
        "date": "2026-11-18",
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "url": "https://ehr.example.org/docs/17.pdf",
                    "title": "MRI: cauda equina compression",
                }
            }
        ],
    },
)


# ---------------------------------------------------------------------------------------
# A red flag to be ruled out is suspected, not absent (NegEx: "rule out", "be ruled out"
# are cues of possibility; "ruled out", "was ruled out" of negation)

case(
    "rule_out_cauda_equina_problem",
    "needs_data",
    "a problem-list entry 'Rule out cauda equina syndrome' (no code): a suspected red flag,"
    " to confirm, never read as absent",
    condition(text="Rule out cauda equina syndrome"),
)
case(
    "rule_out_order_reason_metastases",
    "needs_data",
    "an MRI order whose reason is 'rule out spinal metastases' (text only): to confirm",
    mri_order(reasonCode=[{"text": "rule out spinal metastases"}]),
)
case(
    "to_be_ruled_out_vertebral_fracture",
    "needs_data",
    "'Vertebral fracture to be ruled out': 'be ruled out' is a question, not the negation"
    " 'ruled out'",
    condition(text="Vertebral fracture to be ruled out"),
)
case(
    "should_be_ruled_out_cauda_equina_visit",
    "needs_data",
    "a visit's reason 'Cauda equina syndrome should be ruled out': to confirm",
    encounter(reasonCode=[{"text": "Cauda equina syndrome should be ruled out"}]),
)
case(
    "ru_isklyuchit_cauda_equina",
    "needs_data",
    "'Исключить синдром конского хвоста' (to rule out cauda equina): the infinitive is a"
    " question, not the negation 'исключен'",
    condition(text="Исключить синдром конского хвоста"),
)
case(
    "ru_dlya_isklyucheniya_metastases",
    "needs_data",
    "'МРТ для исключения метастазов в позвоночник' (MRI to exclude spinal metastases): to confirm",
    condition(text="МРТ для исключения метастазов в позвоночник"),
)
case(
    "de_zum_ausschluss_cauda_equina",
    "needs_data",
    "'zum Ausschluss Kauda-equina-Syndrom' (to rule out): to confirm",
    condition(text="zum Ausschluss Kauda-equina-Syndrom"),
)
case(
    "ruled_out_cauda_equina_stays_negated",
    "allowed",
    "'Cauda equina syndrome was ruled out': a negation, as before (the entry is listed as"
    " not used)",
    condition(text="Cauda equina syndrome was ruled out"),
)
case(
    "ru_isklyuchen_fracture_stays_negated",
    "allowed",
    "'Перелом позвонка исключён' (vertebral fracture ruled out): a negation, as before",
    condition(text="Перелом позвонка исключён"),
)


# ---------------------------------------------------------------------------------------
# A finding recorded as an Observation with no date: to confirm, never dropped


def undated(res: Resource) -> Resource:
    return {k: v for k, v in res.items() if k != "effectiveDateTime"}


case(
    "undated_saddle_numbness_present",
    "needs_data",
    "an Observation of SNOMED 449813001 numbness of the saddle area, valueBoolean true, with"
    " no date: cauda equina syndrome to confirm (it was dropped unread)",
    undated(finding(*SADDLE, value=True, key="valueBoolean")),
)
case(
    "saddle_numbness_date_unreadable",
    "needs_data",
    "an Observation of SNOMED 449813001 numbness of the saddle area, valueBoolean true,"
    " dated '30.11.2026' (a date written the Russian or German way, which FHIR does not"
    " allow): undated, cauda equina syndrome to confirm (it was set aside whole)",
    {
        **undated(finding(*SADDLE, value=True, key="valueBoolean")),
        "effectiveDateTime": "30.11.2026",
    },
)
case(
    "undated_saddle_numbness_no_value",
    "needs_data",
    "the same finding with no value and no date (observed): to confirm",
    undated(finding(*SADDLE)),
)
case(
    "undated_saddle_numbness_absent",
    "allowed",
    "the same finding valued false with no date: a clear no records nothing",
    undated(finding(*SADDLE, value=False, key="valueBoolean")),
)
case(
    "undated_finding_in_words",
    "needs_data",
    "an Observation 'Urinary retention' (text only) valued 'present', with no date: to confirm",
    {
        "resourceType": "Observation",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": {"text": "Urinary retention"},
        "valueString": "present",
    },
)
case(
    "undated_pregnancy_status_pregnant",
    "needs_data",
    "a pregnancy status (LOINC 82810-3) answered SNOMED 77386006 Pregnant, with no date: a"
    " pregnancy to confirm",
    undated(
        observation(
            "82810-3",
            {"coding": [coding(SNOMED, "77386006", "Pregnant")]},
            key="valueCodeableConcept",
        )
    ),
)


# ---------------------------------------------------------------------------------------
# A spine operation dated only by its year or month (a surgical history): recent is
# unknown where the year or month reaches into the 90-day window, never "not recent"

case(
    "spinal_surgery_year_only",
    "needs_data",
    "a lumbar microdiscectomy (SNOMED CT 178625001) performed '2026': it may have been"
    " within 90 days; confirm when it was done (it was read as 1 January and gave allowed)",
    microdiscectomy(performedDateTime="2026"),
)
case(
    "spinal_surgery_month_reaching_window",
    "needs_data",
    "the same operation performed '2026-08': the window starts on 22 August, so August may"
    " be inside it; confirm",
    microdiscectomy(performedDateTime="2026-08"),
)
case(
    "spinal_surgery_month_inside_window",
    "needs_clearance",
    "the same operation performed '2026-10': every day of October is within 90 days: recent",
    microdiscectomy(performedDateTime="2026-10"),
)
case(
    "spinal_surgery_period_start_year_only",
    "needs_data",
    "the same operation with performedPeriod.start '2026': confirm when it was done",
    microdiscectomy(performedPeriod={"start": "2026"}),
)
case(
    "spinal_surgery_year_before_window",
    "allowed",
    "the same operation performed '2025': the whole year is before the window, not recent",
    microdiscectomy(performedDateTime="2025"),
)


# ---------------------------------------------------------------------------------------
# A drug given only by an ATC group above the blood thinners; blood pressure in kilopascal;
# WHO asterisk codes of a spine disease kept without their dagger code; shingles in SNOMED CT

case(
    "atc_antithrombotic_group_code_only",
    "needs_data",
    "ATC B01A (antithrombotic agents) with no name: the group holds every blood thinner and"
    " aspirin; confirm which drug it is (it read as an ordinary drug's class and gave allowed)",
    coded_only(ATC, "B01A", "MedicationStatement"),
)
case(
    "atc_platelet_inhibitor_group_code_only",
    "needs_data",
    "ATC B01AC (platelet aggregation inhibitors) with no name: clopidogrel or aspirin; confirm",
    coded_only(ATC, "B01AC"),
)
case(
    "atc_antithrombotic_group_named_aspirin",
    "allowed",
    "ATC B01A with the name 'Aspirin 100 mg': the name says which drug of the group it is,"
    " and low-dose aspirin is not a blood thinner here (clinic policy)",
    medication("MedicationStatement", ATC, "B01A", "Aspirin 100 mg"),
)
case(
    "bp_kilopascal_high",
    "defer",
    "blood pressure 25.3/15.3 kPa (European records): 190/115 mm Hg, grade 3 hypertension (a"
    " unit that could not be converted left it unknown)",
    bp_as_written(
        25.3, 15.3, {"unit": "kPa", "system": "http://unitsofmeasure.org", "code": "kPa"}
    ),
    without={"bp"},
)
case(
    "bp_kilopascal_normal",
    "allowed",
    "blood pressure 16/10.6 kPa: 120/80 mm Hg, normal",
    bp_as_written(16, 10.6, {"unit": "kPa", "system": "http://unitsofmeasure.org", "code": "kPa"}),
    without={"bp"},
)
case(
    "bp_kilopascal_russian_unit",
    "needs_clearance",
    "blood pressure 22.7/13.7 in 'кПа' (a Russian record): 170/103 mm Hg, grade 2",
    bp_as_written(22.7, 13.7, {"unit": "кПа"}),
    without={"bp"},
)
case(
    "icd10_asterisk_only_enterobacterial_spondylitis",
    "refer_urgently",
    "WHO ICD-10 M49.2* (enterobacterial spondylitis) kept without its dagger code and with no"
    " display: a spinal infection",
    condition(ICD10, "M49.2*"),
)
case(
    "mkb10_asterisk_only_collapsed_vertebra",
    "refer_urgently",
    "MKB-10 М49.5* (collapsed vertebra in diseases classified elsewhere, Cyrillic М) with no"
    " display: a vertebral fracture",
    condition(MKB10, "М49.5*"),
)
case(
    "snomed_lumbar_herpes_zoster_code_only",
    "defer",
    "SNOMED CT 240471009 lumbar herpes zoster infection with no display: an active acute"
    " infection (the B02 code deferred, the SNOMED CT code gave allowed)",
    condition(SNOMED, "240471009"),
)
case(
    "snomed_herpes_zoster_resolved",
    "allowed",
    "SNOMED CT 4740000 herpes zoster, clinical status resolved: not in force",
    condition(SNOMED, "4740000", clinical="resolved", abatement="2026-06-01"),
)

case(
    "snomed_psoriasis_code_only",
    "allowed_with_precautions",
    "SNOMED CT 9014002 psoriasis with no display: a skin lesion, massage not over it (ICD-10 L40"
    " gave the precaution, the SNOMED CT code gave allowed)",
    condition(SNOMED, "9014002"),
)
case(
    "snomed_eczema_russian_display",
    "allowed_with_precautions",
    "SNOMED CT 43116000 eczema with the Russian display 'Экзема': the code names dermatitis",
    condition(SNOMED, "43116000", "Экзема"),
)


# ---------------------------------------------------------------------------------------
# Other clinical resources real EHRs export: what they say in codes or words is read, to
# confirm, never dropped

PATIENT = {"reference": "Patient/p1"}


case(
    "imaging_study_reason_fracture",
    "needs_data",
    "an ImagingStudy (MRI, 18 November) whose reasonCode is 'Compression fracture of L1': a"
    " vertebral fracture to confirm (the study was not read at all and gave allowed)",
    {
        "resourceType": "ImagingStudy",
        "status": "available",
        "subject": PATIENT,
        "started": "2026-11-18T09:30:00Z",
        "reasonCode": [{"text": "Compression fracture of L1"}],
        "description": "MRI lumbar spine",
    },
)
case(
    "imaging_study_description_metastases",
    "needs_data",
    "an ImagingStudy described 'CT: lytic metastases T12' (no reason given): the malignancy"
    " to confirm",
    {
        "resourceType": "ImagingStudy",
        "status": "available",
        "subject": PATIENT,
        "started": "2026-11-18",
        "description": "CT: lytic metastases T12",
    },
)
case(
    "imaging_study_entered_in_error",
    "allowed",
    "the same fracture study entered in error: it says nothing",
    {
        "resourceType": "ImagingStudy",
        "status": "entered-in-error",
        "subject": PATIENT,
        "started": "2026-11-18",
        "reasonCode": [{"text": "Compression fracture of L1"}],
    },
)
case(
    "adverse_event_dvt",
    "needs_data",
    "an AdverseEvent (actual) whose event is ICD-10 I80.2 deep vein thrombosis: the"
    " coagulation disorder to confirm (an adverse event was not read)",
    {
        "resourceType": "AdverseEvent",
        "actuality": "actual",
        "subject": PATIENT,
        "date": "2026-11-15",
        "event": {"coding": [coding(ICD10, "I80.2", "Phlebitis of deep vessels of lower limb")]},
    },
)
case(
    "adverse_event_potential",
    "allowed",
    "the same event recorded as potential (a near miss): it did not happen to the patient",
    {
        "resourceType": "AdverseEvent",
        "actuality": "potential",
        "subject": PATIENT,
        "date": "2026-11-15",
        "event": {"coding": [coding(ICD10, "I80.2", "Phlebitis of deep vessels of lower limb")]},
    },
)
case(
    "episode_of_care_cancer",
    "needs_data",
    "an active EpisodeOfCare whose diagnosis names 'Metastatic breast cancer' only in words:"
    " cancer to confirm",
    {
        "resourceType": "EpisodeOfCare",
        "status": "active",
        "patient": PATIENT,
        "diagnosis": [{"condition": {"display": "Metastatic breast cancer"}}],
        "period": {"start": "2026-10-01"},
    },
)
case(
    "communication_saddle_numbness",
    "needs_data",
    "a Communication (a phone message) 'Patient called: new numbness in the saddle area and"
    " cannot pass urine': cauda equina to confirm (the message was not read, and neither"
    " wording was known)",
    {
        "resourceType": "Communication",
        "status": "completed",
        "subject": PATIENT,
        "sent": "2026-11-19T16:40:00+03:00",
        "payload": [
            {
                "contentString": "Patient called: new numbness in the saddle area and cannot"
                " pass urine"
            }
        ],
    },
)
case(
    "communication_russian_note",
    "needs_data",
    "a Communication whose payload is 'Звонила пациентка: онемение в области промежности,"
    " не может помочиться': cauda equina to confirm",
    {
        "resourceType": "Communication",
        "status": "completed",
        "subject": PATIENT,
        "sent": "2026-11-19",
        "payload": [
            {
                "contentString": "Звонила пациентка: онемение в области промежности, не может"
                " помочиться"
            }
        ],
    },
)
case(
    "care_plan_addresses_metastases",
    "needs_data",
    "an active CarePlan that addresses 'Metastatic prostate cancer' in words and is"
    " described 'Palliative radiotherapy for bone metastases': malignancy to confirm",
    {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "subject": PATIENT,
        "period": {"start": "2026-09-01"},
        "addresses": [{"display": "Metastatic prostate cancer"}],
        "description": "Palliative radiotherapy for bone metastases",
    },
)
case(
    "risk_assessment_reason_osteoporosis",
    "needs_data",
    "a RiskAssessment made for 'Osteoporosis' (reasonCode):"
    " osteoporosis to confirm; its predicted outcome is a risk, not read as a diagnosis",
    {
        "resourceType": "RiskAssessment",
        "status": "final",
        "subject": PATIENT,
        "occurrenceDateTime": "2026-11-10",
        "reasonCode": [{"text": "Osteoporosis"}],
        "prediction": [{"outcome": {"text": "Hip fracture"}, "probabilityDecimal": 0.12}],
    },
)
# ---------------------------------------------------------------------------------------
# Red flags in the words real records use: a vertebra named by its level, a pregnancy by
# its gestation

case(
    "text_level_fracture_en",
    "needs_data",
    "a condition in words 'L1 fracture' (a level and the word fracture): vertebral fracture"
    " to confirm",
    condition(text="L1 fracture"),
)
case(
    "text_level_fracture_ru",
    "needs_data",
    "a condition in words 'перелом L1': vertebral fracture to confirm",
    condition(text="перелом L1"),
)
case(
    "text_osteoporotic_level_fracture_ru",
    "needs_data",
    "a condition in words 'остеопоротический перелом Th12': vertebral fracture to confirm",
    condition(text="остеопоротический перелом Th12"),
)
case(
    "text_level_no_fracture",
    "allowed",
    "a condition in words 'no L1 fracture': negated, nothing found",
    condition(text="no L1 fracture"),
)
case(
    "text_gravida_para_weeks",
    "needs_data",
    "a condition in words 'G2P1 at 20 wks' (obstetric shorthand): pregnancy to confirm",
    condition(text="G2P1 at 20 wks"),
)
case(
    "text_weeks_gestation",
    "needs_data",
    "a condition in words '20 wks gestation': pregnancy to confirm",
    condition(text="20 wks gestation"),
)


# ---------------------------------------------------------------------------------------
# Words that begin like a term but are other words

case(
    "text_cervical_myelopathy_not_myeloma",
    "needs_data",
    "'cervical myelopathy' in words: myelopathy to confirm, not a myeloma (a cancer)",
    condition(text="Cervical myelopathy"),
)
case(
    "text_russian_myelopathy_not_myeloma",
    "needs_data",
    "'шейная миелопатия' in words: myelopathy to confirm, not a myeloma",
    condition(text="Шейная миелопатия"),
)
case(
    "text_russian_spondylodiscitis_not_fusion",
    "needs_data",
    "'спондилодисцит' in words: a spinal infection to confirm, not a spinal fusion",
    condition(text="Спондилодисцит L4-L5"),
)

case(
    "text_compression_fx_short_form",
    "needs_data",
    "'Compression fx T12' in words: 'fx' is the short form of fracture; a vertebral fracture to confirm",
    condition(text="Compression fx T12"),
)
case(
    "text_hx_of_cancer_short_form",
    "needs_data",
    "'Hx of breast ca, s/p mastectomy 2015': a history of cancer (a clearance), not an active cancer",
    condition(text="Hx of breast ca, s/p mastectomy 2015"),
)


# ---------------------------------------------------------------------------------------
# Red flags and fever coded only in SNOMED CT (no display, no text), as records that send
# the bare code carry them; and bladder incontinence written in words in each language

for name, verdict, code, why in [
    (
        "snomed_only_closed_fracture_lumbar_vertebra",
        "refer_urgently",
        "207957008",
        "SNOMED 207957008 closed fracture of a lumbar vertebra, the code alone: vertebral fracture",
    ),
    (
        "snomed_only_fracture_spine_with_cord_injury",
        "refer_urgently",
        "1734006",
        "SNOMED 1734006 fracture of the vertebral column with spinal cord injury, the code"
        " alone: vertebral fracture",
    ),
    (
        "snomed_only_wedge_fracture_thoracic_vertebra",
        "refer_urgently",
        "281922000",
        "SNOMED 281922000 wedge fracture of a thoracic vertebra, the code alone: vertebral"
        " fracture",
    ),
    (
        "snomed_only_closed_fracture_coccyx",
        "refer_urgently",
        "766775007",
        "SNOMED 766775007 closed fracture of the coccyx, the code alone: vertebral fracture",
    ),
    (
        "snomed_only_discitis",
        "refer_urgently",
        "2304001",
        "SNOMED 2304001 discitis, the code alone: spinal infection",
    ),
    (
        "snomed_only_pyogenic_disc_infection",
        "refer_urgently",
        "202756004",
        "SNOMED 202756004 pyogenic infection of an intervertebral disc (spondylodiscitis), the"
        " code alone: spinal infection",
    ),
    (
        "snomed_only_acute_osteomyelitis_lumbar_spine",
        "refer_urgently",
        "203159006",
        "SNOMED 203159006 acute osteomyelitis of the lumbar spine, the code alone: spinal"
        " infection",
    ),
    (
        "snomed_only_spinal_epidural_abscess",
        "refer_urgently",
        "63627007",
        "SNOMED 63627007 spinal epidural abscess, the code alone: spinal infection",
    ),
    (
        "snomed_only_hyperpyrexia",
        "defer",
        "409702008",
        "SNOMED 409702008 hyperpyrexia, an active condition with the code alone: fever",
    ),
    (
        "snomed_only_postoperative_fever",
        "defer",
        "248450003",
        "SNOMED 248450003 postoperative fever, an active condition with the code alone: fever",
    ),
    (
        "snomed_only_pyrexia_of_unknown_origin",
        "defer",
        "7520000",
        "SNOMED 7520000 pyrexia (fever) of unknown origin, an active condition with the code"
        " alone: fever",
    ),
    (
        "snomed_only_saddle_numbness",
        "refer_urgently",
        "449813001",
        "SNOMED 449813001 numbness of the saddle area, the code alone: cauda equina",
    ),
]:
    case(name, verdict, why, condition(SNOMED, code))

case(
    "snomed_only_observed_fever",
    "defer",
    "an Observation of SNOMED 271897009 'O/E - fever' with no value and no display, made on"
    " the screening day: fever",
    observation("271897009", system=SNOMED),
)
case(
    "icd10cm_fracture_coccyx",
    "refer_urgently",
    "ICD-10-CM S32.2XXA fracture of the coccyx, initial encounter: vertebral fracture",
    condition(ICD10CM, "S32.2XXA"),
)
for name, text in [
    ("text_urinary_incontinence_en", "Urinary incontinence"),
    ("text_urinary_incontinence_ru", "Недержание мочи"),
    ("text_urinary_incontinence_de", "Harninkontinenz"),
    ("text_stress_urinary_incontinence_en", "Stress urinary incontinence"),
    ("text_stress_urinary_incontinence_ru", "Стрессовое недержание мочи"),
]:
    case(
        name,
        "needs_data",
        f"a condition in words '{text}': loss of bladder control is a cauda equina sign, as"
        " its codes R32 and SNOMED 165232002 say; text cannot tell its kind or onset: to"
        " confirm, the same in every language",
        condition(text=text),
    )

case(
    "text_progressive_weakness_both_legs",
    "needs_data",
    "'Progressive weakness in both legs' in words: a cauda equina sign to confirm (NICE CKS, GIRFT)",
    condition(text="Progressive weakness in both legs"),
)
case(
    "text_russian_gait_disturbance",
    "needs_data",
    "'Нарушение походки' in words: gait disturbance, a cauda equina sign to confirm (NICE CKS)",
    condition(text="Нарушение походки"),
)
case(
    "text_foot_drop",
    "needs_data",
    "'Foot drop, left' in words: a severe neurological deficit in the leg, a cauda equina sign to confirm",
    condition(text="Foot drop, left"),
)

case(
    "text_history_then_presents_with_red_flag",
    "needs_data",
    "'Pt with hx of DDD presents with urinary retention and saddle anaesthesia': the history "
    "ends where the note says what the patient presents with; cauda equina to confirm",
    condition(text="Pt with hx of DDD presents with urinary retention and saddle anaesthesia"),
)

case(
    "text_russian_lower_paraparesis",
    "needs_data",
    "'Нижний вялый парапарез' in words: weakness of both legs, a cauda equina sign to confirm",
    condition(text="Нижний вялый парапарез"),
)

case(
    "text_primary_breast_cancer",
    "needs_data",
    "'Primary breast cancer' in words: an active cancer to confirm ('primary' is no 'prior': it "
    "was read as a history of cancer)",
    condition(text="Primary breast cancer"),
)
case(
    "text_healthy_pregnancy",
    "needs_data",
    "'Healthy pregnancy, 20 weeks' in words: a pregnancy to confirm ('healthy' is no 'healed': "
    "it was read as over, and allowed)",
    condition(text="Healthy pregnancy, 20 weeks"),
)

case(
    "text_denies_then_reports_red_flag",
    "needs_data",
    "'Denies fever and reports urinary retention': the denial ends where the patient reports "
    "something; cauda equina to confirm (the retention was read as denied: allowed)",
    condition(text="Denies fever and reports urinary retention"),
)

case(
    "text_spinal_fusion_by_level_recent",
    "needs_data",
    "'s/p L4-5 fusion' in words, 19 days ago: a spine operation within 90 days to confirm "
    "(a fusion named by its level was not read)",
    condition(text="s/p L4-5 fusion", onset="2026-11-01"),
)
case(
    "text_osteomyelitis_by_level",
    "needs_data",
    "'Osteomyelitis L3' in words: a vertebral osteomyelitis, a spinal infection to confirm",
    condition(text="Osteomyelitis L3"),
)
case(
    "text_recent_mi_abbreviated",
    "needs_data",
    "'MI 2 wks ago' in words: a recent myocardial infarction to confirm",
    condition(text="MI 2 wks ago", onset="2026-11-06"),
)

case(
    "text_russian_recent_mi_abbreviated",
    "needs_data",
    "'ИМ 2 недели назад' in words: a recent myocardial infarction to confirm",
    condition(text="ИМ 2 недели назад", onset="2026-11-06"),
)
case(
    "text_russian_disc_herniation_abbreviated",
    "needs_data",
    "'МГД L5-S1' in words: a disc herniation (межпозвонковая грыжа диска) to confirm",
    condition(text="МГД L5-S1"),
)

case(
    "text_russian_metastatic_lesion_of_vertebrae",
    "needs_data",
    "'Метастатическое поражение грудного отдела позвоночника' in words: a spinal malignancy"
    " to confirm (only a cancer was read)",
    condition(text="Метастатическое поражение грудного отдела позвоночника"),
)
case(
    "text_mets_to_vertebral_level_with_coded_cancer",
    "contraindicated",
    "a coded breast cancer and 'Mets to T12' in words: the cancer bars massage and the"
    " spinal metastasis is named, to confirm (it was not read)",
    condition(ICD10, "C50.9", "Malignant neoplasm of breast, unspecified"),
    condition(text="Mets to T12"),
)
case(
    "text_russian_leg_weakness_progressing",
    "needs_data",
    "'Слабость в ногах нарастает' in words: progressive weakness of the legs, a cauda equina"
    " sign to confirm (it was allowed)",
    condition(text="Слабость в ногах нарастает"),
)
case(
    "text_russian_loss_of_bladder_control",
    "needs_data",
    "'Потеря контроля над мочеиспусканием' in words: loss of bladder control, a cauda equina"
    " sign to confirm (it was allowed)",
    condition(text="Потеря контроля над мочеиспусканием"),
)
case(
    "text_legs_getting_weaker",
    "needs_data",
    "'Legs getting weaker' in the patient's words: progressive weakness of the legs, a cauda"
    " equina sign to confirm (it was allowed)",
    condition(text="Legs getting weaker"),
)

case(
    "icd10cm_pressure_ulcer_sacral",
    "allowed_with_precautions",
    "ICD-10-CM L89.154 pressure ulcer of the sacral region: an open skin lesion, not to be"
    " massaged or cupped over (it was allowed with no word of it)",
    condition(ICD10CM, "L89.154", "Pressure ulcer of sacral region, stage 4"),
)
case(
    "text_russian_pressure_sore",
    "needs_data",
    "'Пролежень крестца' in words: a pressure sore, a skin lesion to confirm (it was allowed)",
    condition(text="Пролежень крестца"),
)
case(
    "text_bowel_bladder_incontinence_abbreviated",
    "needs_data",
    "'B/B incontinence' (bowel and bladder) in words: a cauda equina sign to confirm (it was"
    " allowed)",
    condition(text="B/B incontinence"),
)
case(
    "text_dizziness_when_turning_head",
    "needs_data",
    "'Dizziness when turning her head' in words: vertebrobasilar insufficiency to confirm (it"
    " was allowed)",
    condition(text="Dizziness when turning her head"),
)

case(
    "text_german_eczema",
    "needs_data",
    "'Ekzem' in a German record: a skin lesion to confirm (no German word for a skin lesion"
    " was read: it was allowed)",
    condition(text="Ekzem"),
)
case(
    "text_german_spinal_metastases_by_level",
    "needs_data",
    "'BWK-12-Metastase' in a German record: a spinal malignancy to confirm (only a cancer"
    " was read)",
    condition(text="BWK-12-Metastase"),
)

case(
    "text_russian_clopidogrel_brand",
    "needs_data",
    "'Тромбонет 75 мг' (a brand of clopidogrel) in words: a drug that raises bleeding risk,"
    " to confirm (it was allowed)",
    medication("MedicationStatement", None, None, text="Тромбонет 75 мг"),
)
case(
    "text_russian_low_dose_aspirin_brand_in_a_note",
    "allowed",
    "'Принимает ТромбоАСС' (low-dose aspirin) in a note: no clotting disorder (the brand was"
    " read as 'тромбоз'), and low-dose aspirin is not a blood thinner here (clinic policy)",
    condition(text="Принимает ТромбоАСС"),
)

case(
    "text_russian_cancer_abbreviated_cr",
    "needs_data",
    "'Cr прямой кишки' (cancer of the rectum, the Latin abbreviation Russian records use) in"
    " words: a cancer to confirm (it was allowed)",
    condition(text="Cr прямой кишки"),
)

case(
    "text_russian_ckd_stage_5_dialysis",
    "needs_data",
    "'ХБП С5д' (chronic kidney disease stage 5 on dialysis) in words: kidney failure to"
    " confirm (it was allowed; 'ХБП С5' was read)",
    condition(text="ХБП С5д"),
)

case(
    "text_estimated_due_date",
    "needs_data",
    "'EDD by LMP 03/2027' (an estimated due date) in a note: a pregnancy to confirm (it was"
    " allowed)",
    condition(text="EDD by LMP 03/2027"),
)
case(
    "text_russian_gestational_age",
    "needs_data",
    "'Гестационный срок 12 недель' in words: a pregnancy to confirm (it was allowed)",
    condition(text="Гестационный срок 12 недель"),
)

case(
    "text_pulmonary_tuberculosis",
    "needs_data",
    "'Туберкулез легких' (pulmonary tuberculosis) in words: an infectious disease to"
    " confirm, as its ICD-10 codes (A15) are (it was allowed)",
    condition(text="Туберкулез легких"),
)
case(
    "text_scabies",
    "needs_data",
    "'Scabies' in words: an infectious disease to confirm, as its ICD-10 code (B86) is (it"
    " was allowed)",
    condition(text="Scabies"),
)

case(
    "text_russian_myelopathy_signs",
    "needs_data",
    "'Неустойчивость походки, неловкость в руках' (unsteady gait, clumsy hands) in words:"
    " myelopathy signs to confirm, as 'clumsy hands' in English (it was allowed)",
    condition(text="Неустойчивость походки, неловкость в руках"),
)
case(
    "text_russian_vertebral_artery_dissection_abbreviated",
    "needs_data",
    "'Диссекция ВА' (vertebral artery dissection) in words: vertebrobasilar insufficiency"
    " to confirm (it was allowed)",
    condition(text="Диссекция ВА"),
)

case(
    "text_wedge_deformity_of_vertebra",
    "needs_data",
    "'Wedge deformity of L1' in a report: a vertebral fracture to confirm, as 'клиновидная"
    " деформация позвонка' was (it was allowed)",
    condition(text="Wedge deformity of L1"),
)
case(
    "text_decreased_rectal_tone",
    "needs_data",
    "'Decreased rectal tone' in an examination note: a cauda equina sign to confirm (it was"
    " allowed)",
    condition(text="Decreased rectal tone"),
)
case(
    "text_epidural_phlegmon",
    "needs_data",
    "'Epidural phlegmon' in words: a spinal infection to confirm (it was allowed)",
    condition(text="Epidural phlegmon"),
)

case(
    "text_lytic_lesion_of_vertebral_body",
    "needs_data",
    "'Lytic lesion in L3 vertebral body' in an imaging report: a warning sign of a spinal"
    " tumour, to confirm (it was allowed)",
    condition(text="Lytic lesion in L3 vertebral body"),
)
case(
    "text_russian_destruction_of_vertebral_body",
    "needs_data",
    "'Деструкция тела позвонка L3' in an imaging report: a warning sign of a spinal tumour,"
    " to confirm (it was allowed)",
    condition(text="Деструкция тела позвонка L3"),
)
case(
    "text_russian_wedge_deformity_of_vertebral_body",
    "needs_data",
    "'Клиновидная деформация тела L1' in an imaging report: a vertebral fracture to confirm"
    " (it was allowed)",
    condition(text="Клиновидная деформация тела L1"),
)

case(
    "text_paravertebral_abscess",
    "needs_data",
    "'Paravertebral abscess' in words: a spinal infection to confirm, as 'paraspinal abscess'"
    " was (it was allowed)",
    condition(text="Paravertebral abscess"),
)

case(
    "text_russian_admission_lice_scabies_line",
    "allowed",
    "'Педикулез, чесотка: нет' (the admission check of every Russian inpatient record): the"
    " answer after the colon is both items', no infection",
    condition(text="Педикулез, чесотка: нет"),
)
case(
    "text_echo_end_diastolic_dimension",
    "allowed",
    "'LV EDD 52 mm, EF 60%' (an echocardiogram's end-diastolic dimension): no due date, no"
    " pregnancy",
    condition(text="LV EDD 52 mm, EF 60%"),
)
case(
    "text_pressure_ulcer_risk",
    "allowed",
    "'At risk of pressure ulcer' (a nursing risk score): no lesion yet",
    condition(text="At risk of pressure ulcer"),
)
case(
    "text_russian_degenerative_destructive_changes",
    "allowed",
    "'Дегенеративно-деструктивные изменения тел позвонков L4-L5' (the Russian report's words"
    " for degenerative changes): osteochondrosis, no spinal tumour",
    condition(text="Дегенеративно-деструктивные изменения тел позвонков L4-L5"),
)


# ---------------------------------------------------------------------------------------
# A condition that ended, by its status, on a day after the screening day


case(
    "resolved_dvt_abatement_after_screening_day",
    "needs_data",
    "a deep vein thrombosis (I80.2) resolved, its abatement on 2026-12-15, after the screening day: on that day it had not yet ended by its date; to confirm (it was read as over)",
    condition(
        ICD10,
        "I80.2",
        "Phlebitis and thrombophlebitis of deep vessels of lower extremities",
        clinical="resolved",
        abatement="2026-12-15",
    ),
)
case(
    "resolved_dvt_abatement_on_screening_day",
    "allowed",
    "the same thrombosis resolved on the screening day itself: over, as before",
    condition(
        ICD10,
        "I80.2",
        "Phlebitis and thrombophlebitis of deep vessels of lower extremities",
        clinical="resolved",
        abatement=DAY,
    ),
)


# ---------------------------------------------------------------------------------------
# A diagnosis of no site of its own, its site (bodySite) the spine


def at_site(res: Resource, text: str | None = None, code: str | None = None) -> Resource:
    """``res`` with one bodySite: words, or a SNOMED CT body-structure code alone."""
    site: dict[str, Any] = {}
    if code is not None:
        site["coding"] = [coding(SNOMED, code)]
    if text is not None:
        site["text"] = text
    return {**res, "bodySite": [site]}


case(
    "site_fracture_unspecified_region_at_l1",
    "needs_data",
    "ICD-10 T14.2 (fracture of unspecified body region) with the site 'L1 vertebra': a vertebral fracture to confirm (it gave allowed)",
    at_site(condition(ICD10, "T14.2", "Fracture of unspecified body region"), text="L1 vertebra"),
)
case(
    "site_osteomyelitis_at_lumbar_spine_code_only",
    "defer",
    "ICD-10 M86.9 (osteomyelitis, unspecified) whose site is SNOMED CT 122496007 (lumbar spine structure) given by its code alone: a spinal infection to confirm (it gave allowed), and an osteomyelitis in force, an infection: not now",
    at_site(condition(ICD10, "M86.9", "Osteomyelitis, unspecified"), code="122496007"),
)
case(
    "site_osteoporotic_fracture_code_only_at_th12",
    "needs_data",
    "SNOMED CT 443165006 (pathological fracture due to osteoporosis) with no display and the site 'Th12': the code's title names a fracture, the site the spine; a vertebral fracture to confirm (it gave allowed_with_precautions)",
    at_site(condition(SNOMED, "443165006"), text="Th12"),
)
case(
    "site_russian_osteomyelitis_at_spine",
    "defer",
    "MKB-10 M86.9 'Остеомиелит неуточненный' with the site 'поясничный отдел позвоночника': a spinal infection to confirm, and an osteomyelitis in force, an infection: not now",
    at_site(
        condition(MKB10, "M86.9", "Остеомиелит неуточненный"), text="Поясничный отдел позвоночника"
    ),
)
case(
    "site_fracture_at_femur_not_spine",
    "allowed",
    "ICD-10 T14.2 with the site 'Left femur': not the spine, no red flag",
    at_site(condition(ICD10, "T14.2", "Fracture of unspecified body region"), text="Left femur"),
)
case(
    "site_osteoporosis_without_fracture_at_lumbar_spine",
    "allowed_with_precautions",
    "ICD-10 M81.0 (postmenopausal osteoporosis) with the site 'Lumbar spine' (where bone density is measured): 'without pathological fracture' names no fracture, the precaution only",
    at_site(
        condition(ICD10, "M81.0", "Postmenopausal osteoporosis without pathological fracture"),
        text="Lumbar spine",
    ),
)

case(
    "site_skin_anaesthesia_at_perineum",
    "needs_data",
    "ICD-10 R20.0 (anaesthesia of skin) with the site 'Perineum': saddle anaesthesia, a cauda equina sign to confirm (it gave allowed)",
    at_site(condition(ICD10, "R20.0", "Anaesthesia of skin"), text="Perineum"),
)
case(
    "site_paraesthesia_at_perianal_region",
    "needs_data",
    "ICD-10-CM R20.2 (paresthesia of skin) with the site 'Perianal region': altered perianal sensation (GIRFT), cauda equina to confirm",
    at_site(condition(ICD10CM, "R20.2", "Paresthesia of skin"), text="Perianal region"),
)
case(
    "site_skin_anaesthesia_at_foot",
    "allowed",
    "ICD-10 R20.0 with the site 'Left foot': not the saddle area, no red flag",
    at_site(condition(ICD10, "R20.0", "Anaesthesia of skin"), text="Left foot"),
)
case(
    "text_perianal_hypoaesthesia_en",
    "needs_data",
    "'Perianal hypoaesthesia' in words: altered perianal sensation, cauda equina to confirm",
    condition(text="Perianal hypoaesthesia"),
)
case(
    "text_perineal_hypoaesthesia_ru",
    "needs_data",
    "'Гипестезия в области промежности' in words: cauda equina to confirm",
    condition(text="Гипестезия в области промежности"),
)

case(
    "site_procedure_arthrodesis_at_lumbar_spine",
    "needs_data",
    "a procedure on 5 November under a local code displayed 'Arthrodesis', its site SNOMED CT 122496007 (lumbar spine structure) by code alone: a spine operation within 90 days to confirm (it gave allowed)",
    at_site(
        {
            "resourceType": "Procedure",
            "status": "completed",
            "subject": {"reference": "Patient/p1"},
            "code": {
                "coding": [coding("http://hospital.example.org/procedures", "OR-7", "Arthrodesis")]
            },
            "performedDateTime": "2026-11-05",
        },
        code="122496007",
    ),
)
case(
    "site_procedure_russian_decompression_at_spine",
    "needs_data",
    "a procedure on 30 October written 'Декомпрессия' under a local code, its site 'Поясничный отдел позвоночника': a spine operation to confirm",
    at_site(
        local_procedure("OR-8", "Декомпрессия", "2026-10-30"), text="Поясничный отдел позвоночника"
    ),
)
case(
    "site_procedure_arthrodesis_at_spine_long_ago",
    "allowed",
    "the same 'Arthrodesis' at the lumbar spine done in 2019: not recent",
    at_site(local_procedure("OR-7", "Arthrodesis", "2019-05-01"), text="Lumbar spine"),
)


def numbness_at(site: str, present: bool) -> Resource:
    """A finding 'Numbness' under a clinic's own code, valued yes or no, at ``site``."""
    res = observation(
        "N-1", present, key="valueBoolean", system="http://hospital.example.org/findings"
    )
    res["code"]["text"] = "Numbness"
    res["bodySite"] = {"text": site}  # Observation.bodySite: one CodeableConcept
    return res


case(
    "observed_numbness_at_perineum",
    "needs_data",
    "an Observation 'Numbness' (a clinic's code) valued true, its bodySite 'Perineum': saddle anaesthesia, cauda equina to confirm (it gave allowed)",
    numbness_at("Perineum", True),
)
case(
    "observed_no_numbness_at_perineum",
    "allowed",
    "the same Observation valued false: a clear no records nothing",
    numbness_at("Perineum", False),
)


def temperature_in(value: float, unit: str) -> Resource:
    """A body temperature whose unit is written as a flowsheet exports it (no UCUM code)."""
    return {**observation("8310-5"), "valueQuantity": {"value": value, "unit": unit}}


case(
    "temperature_unit_celsius_in_words",
    "defer",
    "38.9 with the unit 'Celsius' in words: a fever (the unit was not understood: needs_data)",
    temperature_in(38.9, "Celsius"),
    without={"temperature"},
)
case(
    "temperature_unit_fahrenheit_in_words",
    "defer",
    "102.2 'degrees Fahrenheit' (39 Cel): a fever (the unit was not understood: needs_data)",
    temperature_in(102.2, "degrees Fahrenheit"),
    without={"temperature"},
)
case(
    "temperature_unit_letter_o_for_degree",
    "defer",
    "38.6 'oC' (a letter o for the degree sign): a fever",
    temperature_in(38.6, "oC"),
    without={"temperature"},
)


# ---------------------------------------------------------------------------------------
# A list written as one object (bodySite, category), a site as a bare string


case(
    "condition_body_site_as_object_bone_metastasis",
    "refer_urgently",
    "ICD-10 C79.5 whose bodySite is one object, not a list ({'text': 'L3'}): read as a list of one; bone metastases (the Condition was set aside: needs_data)",
    {
        **condition(ICD10, "C79.5", "Secondary malignant neoplasm of bone and bone marrow"),
        "bodySite": {"text": "L3"},
    },
)
case(
    "condition_category_as_object_dvt",
    "contraindicated",
    "ICD-10 I80.2 whose category is one object, not a list: read as a list of one; a deep vein thrombosis (the Condition was set aside: needs_data)",
    {
        **condition(
            ICD10, "I80.2", "Phlebitis and thrombophlebitis of deep vessels of lower extremities"
        ),
        "category": {
            "coding": [
                coding(
                    "http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item"
                )
            ]
        },
    },
)
case(
    "condition_body_site_as_string_dvt",
    "contraindicated",
    "ICD-10 I80.2 whose bodySite is a bare string ['Left leg']: the site's words; a deep vein thrombosis (the Condition was set aside: needs_data)",
    {
        **condition(
            ICD10, "I80.2", "Phlebitis and thrombophlebitis of deep vessels of lower extremities"
        ),
        "bodySite": ["Left leg"],
    },
)


# ---------------------------------------------------------------------------------------
# A diagnosis written in the words of a KB code's title, with no code or a local one


case(
    "title_text_chondrosarcoma_vertebral_column",
    "needs_data",
    "the words 'Chondrosarcoma of vertebral column' (the title of SNOMED CT 1153427006) with no code: a spinal malignancy to confirm (it gave allowed)",
    condition(text="Chondrosarcoma of vertebral column"),
)
case(
    "title_local_code_infection_of_vertebra",
    "needs_data",
    "a local code displayed 'Infection of vertebra' (the title of SNOMED CT 721273004): a spinal infection to confirm",
    condition("http://hospital.example.org/diagnoses", "D-77", "Infection of vertebra"),
)
case(
    "title_text_dissection_of_vertebral_artery",
    "needs_data",
    "the words 'Dissection of vertebral artery' (the title of ICD-10-CM I77.74): vertebrobasilar insufficiency to confirm (it gave allowed)",
    condition(text="Dissection of vertebral artery"),
)
case(
    "title_procedure_excision_of_intervertebral_disc",
    "needs_data",
    "a procedure on 5 November written 'Excision of intervertebral disc' (the title of SNOMED CT 42515009) under a local code: a recent spine operation to confirm (it gave allowed)",
    local_procedure("P-88", "Excision of intervertebral disc", "2026-11-05"),
)
case(
    "title_inside_other_words_fracture_of_neck_of_femur",
    "allowed",
    "the words 'Fracture of neck of femur' (a hip fracture): WHO S12's title 'Fracture of neck' is read only as the whole text, not inside other words",
    condition(text="Fracture of neck of femur"),
)


# ---------------------------------------------------------------------------------------
# Red flags the intake asks about, and bladder and leg signs, in a record's words


case(
    "text_night_pain_en",
    "needs_data",
    "'Night pain' in words: the intake's night-pain red flag (a possible tumour of the spine) to confirm",
    condition(text="Night pain"),
)
case(
    "text_night_pain_ru",
    "needs_data",
    "'Ночные боли в спине' in words: night pain to confirm",
    condition(text="Ночные боли в спине"),
)
case(
    "text_night_pain_de",
    "needs_data",
    "'Nächtliche Rückenschmerzen' in words: night pain to confirm",
    condition(text="Nächtliche Rückenschmerzen"),
)
case(
    "text_no_night_pain",
    "allowed",
    "'Нет ночных болей' (no night pain): negated",
    condition(text="Нет ночных болей"),
)
case(
    "text_spinal_trauma_ru",
    "needs_data",
    "'Травма позвоночника' in words: the intake's trauma red flag (a possible vertebral fracture) to confirm",
    condition(text="Травма позвоночника", onset="2026-11-15"),
)
case(
    "text_back_injury_en",
    "needs_data",
    "'Back injury after a fall' in words: the trauma red flag to confirm",
    condition(text="Back injury after a fall", onset="2026-11-15"),
)
case(
    "text_pathological_fracture",
    "needs_data",
    "'Pathological fracture' in words: no site, as ICD-10 M84.4 (a red flag in the KB); a vertebral fracture to confirm",
    condition(text="Pathological fracture"),
)
case(
    "text_paraplegia_ru",
    "needs_data",
    "'Нижняя параплегия' in words: the most severe neurological deficit in the legs, a cauda equina sign to confirm",
    condition(text="Нижняя параплегия"),
)
case(
    "text_retention_of_urination_ru",
    "needs_data",
    "'Острая задержка мочеиспускания' in words: urinary retention, a cauda equina sign to confirm",
    condition(text="Острая задержка мочеиспускания"),
)
case(
    "text_bladder_bowel_dysfunction_de",
    "needs_data",
    "'Blasen- und Mastdarmstörung' in words: bladder and bowel dysfunction, a cauda equina sign to confirm",
    condition(text="Blasen- und Mastdarmstörung"),
)
case(
    "icd10cm_s34_3xxa_cauda_equina_injury",
    "refer_urgently",
    "ICD-10-CM S34.3XXA injury of cauda equina, initial encounter (WHO S34.3): cauda equina, as its SNOMED CT code 230614002 (it gave allowed)",
    condition(ICD10CM, "S34.3XXA"),
)

case(
    "text_inverted_title_angina_unstable",
    "needs_data",
    "'Angina, unstable' (an inverted title) in a problem list: an unstable angina, the heart"
    " disease that bars massage, to confirm (it was read as a stable angina only)",
    condition(text="Angina, unstable"),
)
case(
    "text_inverted_title_cirrhosis_decompensated",
    "needs_data",
    "'Cirrhosis, decompensated' in words: a decompensated liver disease to confirm (it was"
    " allowed)",
    condition(text="Cirrhosis, decompensated"),
)
case(
    "text_inverted_title_fracture_vertebral",
    "needs_data",
    "'Fracture, vertebral, L1' in words: a vertebral fracture to confirm (it was allowed)",
    condition(text="Fracture, vertebral, L1"),
)

# A site written after a comma in the diagnosis's own words ---------------------------------
case(
    "text_site_after_comma_osteomyelitis_lumbar_spine",
    "needs_data",
    "'Osteomyelitis, lumbar spine' in a problem list: osteomyelitis at the spine, a spinal"
    " infection to confirm (the comma lost the site and it was allowed)",
    condition(text="Osteomyelitis, lumbar spine"),
)
case(
    "text_site_after_comma_fracture_level_ru",
    "needs_data",
    "'Перелом, L1' in words: a fracture at L1, a vertebral fracture to confirm (it was allowed)",
    condition(text="Перелом, L1"),
)
case(
    "text_site_after_comma_osteomyelitis_lumbar_part_ru",
    "needs_data",
    "'Остеомиелит, поясничный отдел' in words: osteomyelitis of the lumbar part of the spine,"
    " a spinal infection to confirm (it was allowed)",
    condition(text="Остеомиелит, поясничный отдел"),
)
case(
    "text_site_after_comma_metastasis_thoracic_spine",
    "needs_data",
    "'Metastasis, thoracic spine' in words: a spinal metastasis to confirm (it was read as a"
    " cancer elsewhere only)",
    condition(text="Metastasis, thoracic spine"),
)
case(
    "text_site_after_comma_fracture_lws_de",
    "needs_data",
    "'Fraktur, LWS' in words: a fracture of the lumbar spine, a vertebral fracture to confirm"
    " (it was allowed)",
    condition(text="Fraktur, LWS"),
)
case(
    "text_inverted_title_abscess_paravertebral",
    "needs_data",
    "'Abscess, paravertebral' (an inverted title) in words: a paravertebral abscess, a spinal"
    " infection to confirm (it was allowed)",
    condition(text="Abscess, paravertebral"),
)
case(
    "text_hip_fracture_then_lumbar_spine_oa",
    "allowed",
    "'Hip fracture 2019, lumbar spine OA': the fracture is the hip's; the words after the comma"
    " are more than a site, so they give the fracture no site at the spine",
    condition(text="Hip fracture 2019, lumbar spine OA", onset="2019-05-01"),
)
case(
    "text_wrist_fracture_then_low_back_pain",
    "allowed",
    "'Fracture of wrist, low back pain': a wrist fracture and back pain, no vertebral fracture",
    condition(text="Fracture of wrist, low back pain", onset="2019-05-01"),
)
case(
    "text_site_after_comma_belongs_to_the_clause_before",
    "allowed",
    "'Hip fracture 2019, low back pain, L1': the site after the last comma is the back pain's,"
    " not the hip fracture's",
    condition(text="Hip fracture 2019, low back pain, L1", onset="2019-05-01"),
)

# A brand of low-dose aspirin written with a space or a hyphen ------------------------------
case(
    "text_russian_low_dose_aspirin_brand_spaced",
    "allowed",
    "'Тромбо АСС 100 мг' (low-dose aspirin, the brand written apart) in a problem list: no"
    " clotting disorder (the first half was read as 'тромбоз')",
    condition(text="Тромбо АСС 100 мг"),
)
case(
    "text_german_low_dose_aspirin_brand_hyphen",
    "allowed",
    "'Thrombo-ASS 100' (low-dose aspirin) in a problem list: no clotting disorder (it was read"
    " as a thrombus)",
    condition(text="Thrombo-ASS 100"),
)

# German "Z.n." (status post) ---------------------------------------------------------------
case(
    "text_german_zn_breast_cancer_is_history",
    "needs_data",
    "'Z.n. Mammakarzinom' (status post breast cancer): a history of cancer, as 'status post"
    " breast cancer' and 'Zustand nach Mammakarzinom' are read (it was read as an active cancer)",
    condition(text="Z.n. Mammakarzinom"),
)
case(
    "text_german_zn_spaced_vertebral_fracture_as_zustand_nach",
    "allowed",
    "'Z. n. Wirbelkörperfraktur' (status post a vertebral fracture, onset 2015): a past"
    " fracture, read as 'Zustand nach Wirbelkörperfraktur' and 'status post vertebral"
    " fracture' are",
    condition(text="Z. n. Wirbelkörperfraktur", onset="2015-03-01"),
)

# A doubt written with a negation word, short forms ---------------------------------------
case(
    "text_doubt_cauda_equina_not_yet_ruled_out",
    "needs_data",
    "'Cauda equina syndrome not yet ruled out': a suspicion, to confirm (the words 'ruled out'"
    " made it absent and the record allowed)",
    condition(text="Cauda equina syndrome not yet ruled out"),
)
case(
    "text_doubt_russian_fracture_cannot_be_excluded",
    "needs_data",
    "'Перелом позвонка не может быть исключен' (a vertebral fracture cannot be excluded): a"
    " suspicion, to confirm (it was read as excluded and allowed)",
    condition(text="Перелом позвонка не может быть исключен"),
)
case(
    "text_doubt_not_certain_if_cauda_equina",
    "needs_data",
    "'Not certain if cauda equina' (NegEx's pseudo-negation 'not certain if'): a suspicion, to"
    " confirm (it was read as absent)",
    condition(text="Not certain if cauda equina"),
)
case(
    "text_latin_ca_with_full_stop",
    "needs_data",
    "'Ca. ovarii' (ovarian cancer, the short form with its full stop): a cancer to confirm (the"
    " stop cut it in two and it was allowed)",
    condition(text="Ca. ovarii"),
)
case(
    "text_on_chemo",
    "needs_data",
    "'On chemo' in a problem list: chemotherapy, a cancer treated now, to confirm (it was allowed)",
    condition(text="On chemo"),
)

case(
    "text_mets_short_form_at_level",
    "needs_data",
    "'Mets L2' in words: a metastasis at L2, the spinal malignancy red flag to confirm (the"
    " short form was read as a cancer elsewhere only)",
    condition(text="Mets L2"),
)
case(
    "text_russian_mts_short_form_at_level",
    "needs_data",
    "'МТС в L1' (metastases to L1, the short form Russian records use): the spinal malignancy"
    " red flag to confirm (it was read as a cancer elsewhere only)",
    condition(text="МТС в L1"),
)


# Injuries of the spinal cord and dislocations of a vertebra, coded -----------------------
case(
    "icd10_s14_1_cervical_cord_injury",
    "refer_urgently",
    "WHO ICD-10 S14.1 other and unspecified injuries of cervical spinal cord: spinal trauma, the"
    " vertebral-fracture red flag (it gave allowed)",
    condition(ICD10, "S14.1", "Other and unspecified injuries of cervical spinal cord"),
)
case(
    "icd10cm_s24_101a_thoracic_cord_injury",
    "refer_urgently",
    "ICD-10-CM S24.101A (under WHO S24.1, injury of thoracic spinal cord), initial encounter:"
    " the vertebral-fracture red flag (it gave allowed)",
    condition(ICD10CM, "S24.101A"),
)
case(
    "icd10gm_s34_1_lumbar_cord_injury",
    "refer_urgently",
    "ICD-10-GM S34.1 other injury of lumbar spinal cord, with the German certainty letter"
    " 'G': the vertebral-fracture red flag (it gave allowed)",
    condition(ICD10GM, "S34.1G"),
)
case(
    "mkb10_t09_3_cord_injury_level_unspecified",
    "refer_urgently",
    "MKB-10 T09.3 injury of spinal cord, level unspecified: the vertebral-fracture red flag (it"
    " gave allowed)",
    condition(MKB10, "T09.3", "Травма спинного мозга на неуточненном уровне"),
)
case(
    "icd10_s14_0_cord_concussion",
    "refer_urgently",
    "WHO ICD-10 S14.0 concussion and oedema of cervical spinal cord: the vertebral-fracture red"
    " flag (it gave allowed)",
    condition(ICD10, "S14.0"),
)
case(
    "icd10cm_s33_101a_lumbar_dislocation",
    "refer_urgently",
    "ICD-10-CM S33.101A under WHO S33.1 dislocation of lumbar vertebra: spinal trauma, the"
    " vertebral-fracture red flag (it gave allowed)",
    condition(ICD10CM, "S33.101A"),
)
case(
    "icd10_s33_5_lumbar_sprain",
    "allowed",
    "WHO ICD-10 S33.5 sprain and strain of lumbar spine: not a fracture, a dislocation or a"
    " cord injury",
    condition(ICD10, "S33.5"),
)
case(
    "snomed_711150003_long_term_anticoagulant",
    "needs_clearance",
    "SNOMED CT 711150003 long-term current use of anticoagulant on the problem list (as the"
    " Austrian Patient Summary codes it): blood thinners, as its ICD-10-CM Z79.01 (it gave"
    " allowed)",
    condition(
        SNOMED,
        "711150003",
        "Long-term current use of anticoagulant",
        category={
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                    "code": "problem-list-item",
                }
            ]
        },
    ),
)


# A code system written as its OID alone, or as a register's page that names the OID ------
case(
    "mkb10_nsi_passport_url_bone_metastasis",
    "refer_urgently",
    "MKB-10 C79.5 under the NSI register's page for MKB-10"
    " (https://nsi.rosminzdrav.ru/dictionaries/1.2.643.5.1.13.13.11.1005/passport/latest): a"
    " spinal malignancy, as under the register's OID (it gave needs_data, a code of no known"
    " system)",
    condition(
        "https://nsi.rosminzdrav.ru/dictionaries/1.2.643.5.1.13.13.11.1005/passport/latest",
        "C79.5",
        "Вторичное злокачественное новообразование костей и костного мозга",
    ),
)
case(
    "mkb10_nsi_refbook_url_cauda_equina",
    "refer_urgently",
    "MKB-10 G83.4 under the NSI portal's older address"
    " (https://nsi.rosminzdrav.ru/#!/refbook/1.2.643.5.1.13.13.11.1005): cauda equina (it gave"
    " needs_data)",
    condition("https://nsi.rosminzdrav.ru/#!/refbook/1.2.643.5.1.13.13.11.1005", "G83.4"),
)
case(
    "snomed_bare_oid_dvt",
    "contraindicated",
    "SNOMED CT 128053003 deep venous thrombosis under the bare OID 2.16.840.1.113883.6.96 (as"
    " CDA converters write the system): a coagulation disorder (it gave needs_data)",
    condition("2.16.840.1.113883.6.96", "128053003", "Deep venous thrombosis"),
)
case(
    "icd9cm_bare_oid_not_icd10",
    "allowed",
    "ICD-9-CM V10.3 (history of breast cancer) under the bare OID 2.16.840.1.113883.6.103:"
    " ICD-9-CM, never read as the ICD-10 look-alike V10 (a transport accident); its words"
    " name no concept that limits massage today",
    condition("2.16.840.1.113883.6.103", "V10.3"),
)


# A finding given as the value of an Observation, or as a part of one ---------------------


def finding_part(code: str, display: str, **value: Any) -> dict[str, Any]:
    return {"code": {"coding": [coding(SNOMED, code, display)]}, **value}


PRESENT = {"valueCodeableConcept": {"coding": [coding(SNOMED, "52101004", "Present")]}}
ABSENT = {"valueCodeableConcept": {"coding": [coding(SNOMED, "2667000", "Absent")]}}
case(
    "observed_symptom_value_saddle_numbness",
    "needs_data",
    "an Observation of LOINC 75325-1 (a symptom) whose value is SNOMED 449813001 numbness of"
    " the saddle area: cauda equina to confirm (the value was not read: allowed)",
    observation(
        "75325-1",
        system=LOINC,
        key="valueCodeableConcept",
        value={"coding": [coding(SNOMED, "449813001", "Numbness of saddle area")]},
    ),
)
case(
    "observed_clinical_finding_value_dvt",
    "needs_data",
    "an Observation of SNOMED 404684003 (clinical finding) whose value is 128053003 deep"
    " venous thrombosis: a coagulation disorder to confirm (it gave allowed)",
    observation(
        "404684003",
        system=SNOMED,
        key="valueCodeableConcept",
        value={"coding": [coding(SNOMED, "128053003", "Deep venous thrombosis")]},
    ),
)
case(
    "observed_finding_value_only_yes",
    "allowed",
    "an Observation of LOINC 75325-1 whose value is only SNOMED 373066001 Yes: it names no finding",
    observation(
        "75325-1",
        system=LOINC,
        key="valueCodeableConcept",
        value={"coding": [coding(SNOMED, "373066001", "Yes")]},
    ),
)
case(
    "observed_panel_component_saddle_present",
    "refer_urgently",
    "a symptom panel whose component SNOMED 449813001 numbness of the saddle area is valued"
    " 52101004 Present: cauda equina (the components were not read: allowed)",
    observation(
        "75325-1",
        system=LOINC,
        components=[
            finding_part("449813001", "Numbness of saddle area", **PRESENT),
            finding_part("386661006", "Fever", **ABSENT),
        ],
    ),
)
case(
    "observed_panel_component_fever_true",
    "defer",
    "a symptom panel whose component SNOMED 386661006 fever is valueBoolean true: a fever"
    " (it gave allowed)",
    observation(
        "75325-1",
        system=LOINC,
        components=[finding_part("386661006", "Fever", valueBoolean=True)],
    ),
)
case(
    "observed_panel_component_saddle_absent",
    "allowed",
    "a symptom panel whose component numbness of the saddle area is valued 2667000 Absent:"
    " not present",
    observation(
        "75325-1",
        system=LOINC,
        components=[finding_part("449813001", "Numbness of saddle area", **ABSENT)],
    ),
)
case(
    "observed_panel_component_saddle_unclear",
    "needs_data",
    "a symptom panel whose component numbness of the saddle area is valued 'possibly': cauda"
    " equina to confirm",
    observation(
        "75325-1",
        system=LOINC,
        components=[finding_part("449813001", "Numbness of saddle area", valueString="possibly")],
    ),
)
case(
    "observed_panel_component_no_value",
    "allowed",
    "a symptom panel whose component numbness of the saddle area has no value and no reason:"
    " a part with no answer says nothing",
    observation(
        "75325-1",
        system=LOINC,
        components=[finding_part("449813001", "Numbness of saddle area")],
    ),
)
case(
    "observed_panel_component_entered_in_error",
    "allowed",
    "a symptom panel entered in error whose component numbness of the saddle area is Present",
    observation(
        "75325-1",
        system=LOINC,
        status="entered-in-error",
        components=[finding_part("449813001", "Numbness of saddle area", **PRESENT)],
    ),
)


# A drug named only by its form, with the drug in its dosage text or note -----------------
case(
    "medication_form_name_dosage_text_eliquis",
    "needs_data",
    "a MedicationRequest named 'Tablette' (a form) whose dosageInstruction text is 'Eliquis 5"
    " mg 1-0-1': blood thinners to confirm (it was read as a drug that is none: allowed)",
    medication(
        "MedicationRequest",
        None,
        None,
        text="Tablette",
        extra={"dosageInstruction": [{"text": "Eliquis 5 mg 1-0-1"}]},
    ),
)
case(
    "medication_national_code_dosage_text_xarelto",
    "needs_data",
    "a MedicationStatement under the Austrian ASP list, displayed 'FTBL 20MG', whose dosage"
    " text is 'Xarelto 1x täglich': blood thinners to confirm (it gave allowed)",
    medication(
        "MedicationStatement",
        "https://termgit.elga.gv.at/CodeSystem/asp-liste",
        "0000000",
        "FTBL 20MG",
        extra={"dosage": [{"text": "Xarelto 1x täglich"}]},
    ),
)
case(
    "medication_form_name_note_warfarin",
    "needs_data",
    "a MedicationStatement named 'Tabletten' whose note is 'Warfarin nach INR': blood"
    " thinners to confirm (it gave allowed)",
    medication(
        "MedicationStatement",
        None,
        None,
        text="Tabletten",
        extra={"note": [{"text": "Warfarin nach INR"}]},
    ),
)
case(
    "medication_named_drug_dosage_text_plain",
    "allowed",
    "a MedicationStatement of 'Paracetamol 500 mg' whose dosage text is '1 tablet up to three"
    " times daily': names no blood thinner",
    medication(
        "MedicationStatement",
        None,
        None,
        text="Paracetamol 500 mg",
        extra={"dosage": [{"text": "1 tablet up to three times daily"}]},
    ),
)
case(
    "medication_rxnorm_dosage_text_not_read",
    "allowed",
    "RxNorm 860975 (metformin) whose dosage text names warfarin: a drug of a code the KB"
    " knows is read by its code, not by its instructions",
    medication(
        "MedicationStatement",
        RXNORM,
        "860975",
        "24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet",
        extra={"dosage": [{"text": "Take with food; separate from warfarin dose"}]},
    ),
)


# ---------------------------------------------------------------------------------------
# Readings of no known day, dosing that ended, yes answers with details, and codes and words
# of the knowledge base's own definitions


def undated(res: Resource) -> Resource:
    """The reading as a record gives it without any date of measurement."""
    return {k: v for k, v in res.items() if k != "effectiveDateTime"}


case(
    "bp_dated_by_period_end_high",
    "defer",
    "120/80 two days ago, then 192/118 dated only by the end of its period (effectivePeriod.end,"
    " no start) today: the latest reading, a grade 3 pressure (before, not read: allowed)",
    bp(120, 80, when="2026-11-18"),
    {**undated(bp(192, 118)), "effectivePeriod": {"end": "2026-11-20T10:00:00+03:00"}},
    without={"bp"},
)
case(
    "temperature_undated_fever",
    "needs_data",
    "today's 36.6 and a temperature of 38.9 with no date of measurement at all: it may be the"
    " latest, so the temperature is unknown (before, dropped in silence: allowed)",
    undated(observation("8310-5", 38.9, "Cel")),
)
case(
    "platelets_undated_low",
    "needs_data",
    "a platelet count of 30 x10*9/L with no date of measurement: the count is unknown, never"
    " dropped (before, allowed)",
    undated(observation("777-3", 30, "10*9/L")),
)
case(
    "questionnaire_temperature_as_text_high",
    "needs_data",
    "an intake form gives the temperature as the text '38.5' the day of a normal reading: set"
    " aside on the form's day, so the temperature is unknown (before, the normal reading stood)",
    {
        **response(),
        "item": [{"linkId": "body_temperature", "answer": [{"valueString": "38.5"}]}],
    },
)
case(
    "questionnaire_fever_yes_with_reading",
    "defer",
    "fever today answered 'yes, 38.2' beside a normal reading: a yes with its details is a yes"
    " (before, an unclear answer, and the normal reading decided: allowed)",
    {
        **response(),
        "item": [{"linkId": "fever_today", "answer": [{"valueString": "yes, 38.2"}]}],
    },
)
case(
    "questionnaire_fever_yes_russian_with_reading",
    "defer",
    "fever today answered 'Да, 38' beside a normal reading: a yes",
    {**response(), "item": [{"linkId": "fever_today", "answer": [{"valueString": "Да, 38"}]}]},
)
case(
    "questionnaire_fever_no_with_details_unclear",
    "allowed",
    "fever today answered 'no, but 38 yesterday' beside today's normal reading: a no with"
    " details may take itself back, so it is no clear answer, and the measured temperature"
    " decides (either settles the fever rule)",
    {
        **response(),
        "item": [{"linkId": "fever_today", "answer": [{"valueString": "no, but 38 yesterday"}]}],
    },
)
case(
    "rivaroxaban_stopped_dosing_ended_last_week",
    "needs_data",
    "rivaroxaban prescribed in September, stopped, its dosing bounded to end 2026-11-13"
    " (dosageInstruction.timing.repeat.boundsPeriod): taken within 30 days, to confirm"
    " (before, the prescription's date counted: not recent, allowed)",
    medication(
        code="1114195",
        display="rivaroxaban",
        status="stopped",
        start="2026-09-01",
        extra={
            "dosageInstruction": [
                {
                    "timing": {
                        "repeat": {"boundsPeriod": {"start": "2026-09-01", "end": "2026-11-13"}}
                    }
                }
            ]
        },
    ),
)
case(
    "myelopathy_snomed_definition_root",
    "refer_urgently",
    "SNOMED CT 48522003 with no display: myelopathy (spinal cord disorder), the root of the"
    " knowledge base's own definition of myelopathy (before, allowed)",
    condition(SNOMED, "48522003"),
)
case(
    "icd10cm_coronary_disease_with_unstable_angina",
    "contraindicated",
    "ICD-10-CM I25.110, atherosclerotic heart disease with unstable angina: decompensated heart"
    " disease, not the stable chronic ischaemic disease its category I25 names",
    condition(ICD10CM, "I25.110"),
)
case(
    "snomed_acute_coronary_syndrome",
    "contraindicated",
    "SNOMED CT 394659003 acute coronary syndrome, code only",
    condition(SNOMED, "394659003"),
)
case(
    "snomed_ckd5_on_dialysis",
    "contraindicated",
    "SNOMED CT 714152005 chronic kidney disease stage 5 on dialysis, code only",
    condition(SNOMED, "714152005"),
)
case(
    "snomed_haemophilia_a",
    "contraindicated",
    "SNOMED CT 28293008 hereditary factor VIII deficiency (haemophilia A), code only",
    condition(SNOMED, "28293008"),
)
case(
    "snomed_old_myocardial_infarction",
    "needs_clearance",
    "SNOMED CT 1755008 old myocardial infarction, code only: stable heart disease",
    condition(SNOMED, "1755008"),
)
for name, text in (
    ("text_saddle_paresthesia", "Saddle paresthesia"),
    ("text_conus_medullaris_syndrome", "Conus medullaris syndrome"),
    ("text_german_unspecified_cauda_equina", "Nicht näher bezeichnetes Cauda-equina-Syndrom"),
    ("text_positive_hoffmann_sign", "Positive Hoffmann sign"),
    ("text_spondylodiskitis", "Spondylodiskitis L4-L5"),
    ("text_sacral_insufficiency_fracture", "Sacral insufficiency fracture"),
    ("text_stage_iv_ckd", "Stage IV CKD"),
    ("text_end_stage_liver_disease", "End-stage liver disease"),
):
    case(
        name,
        "needs_data",
        f"a diagnosis written only as '{text}': found in text, to confirm (before, allowed)",
        condition(text=text),
    )
for name, text in (
    ("procedure_text_alif", "ALIF L5-S1"),
    ("procedure_text_russian_sequestrectomy", "Удаление секвестра грыжи диска L5-S1"),
    ("procedure_text_german_fenestration", "Interlaminäre Fensterung L4/5"),
):
    case(
        name,
        "needs_data",
        f"a procedure last month coded locally, text '{text}': recent spinal surgery found in"
        " text, to confirm (before, allowed)",
        local_procedure("P-77", text, "2026-10-25"),
    )

case(
    "atc_vorapaxar",
    "needs_clearance",
    "ATC B01AC26 vorapaxar, an antiplatelet drug (platelet aggregation inhibitor), code only:"
    " blood thinners (before, allowed)",
    medication(system=ATC, code="B01AC26"),
)
case(
    "text_german_certoparin_brand",
    "needs_data",
    "a German drug named only 'Mono-Embolex 3000 IE Fertigspritze' (certoparin, a low molecular"
    " weight heparin): a blood thinner to confirm (before, allowed)",
    medication(system=None, text="Mono-Embolex 3000 IE Fertigspritze"),
)
case(
    "platelets_by_estimate_low",
    "contraindicated",
    "LOINC 49497-1 platelets in blood by estimate, 30 x10*9/L today: below 50 (before, not"
    " read: allowed)",
    observation("49497-1", 30, "10*9/L"),
)

for name, verdict, systolic, diastolic, why in (
    (
        "bp_times_in_two_zones_disagree",
        "needs_data",
        192,
        118,
        "192/118 at 22:00 New York time dated 2026-11-19 (03:00 UTC on the 20th) and 122/78 at"
        " 01:00 UTC dated the 20th: by date 122/78 is the latest, by the times written 192/118"
        " is; times in two zones are often a device clock set to the wrong zone, so which is"
        " the latest is asked, never guessed (before, 122/78 decided: allowed)",
    ),
    (
        "bp_times_in_two_zones_agree",
        "allowed",
        128,
        82,
        "128/82 dated 2026-11-19 at 22:00 New York time and 122/78 dated the 20th at 01:00 UTC:"
        " which is the latest is not known, but both are normal, so it does not matter",
    ),
):
    case(
        name,
        verdict,
        why,
        bp(systolic, diastolic, when="2026-11-19T22:00:00-05:00"),
        bp(122, 78, when="2026-11-20T01:00:00Z"),
        without={"bp"},
    )

case(
    "mkb10_n18_0_end_stage_renal_disease",
    "contraindicated",
    "Russian MKB-10 N18.0 'Терминальная стадия поражения почек' (end-stage renal disease, as"
    " ICD-10 editions before 2010 code it), code and title: organ failure (before, allowed)",
    condition(MKB10, "N18.0", "Терминальная стадия поражения почек"),
)
case(
    "icd10cm_infected_spinal_fixation_device",
    "refer_urgently",
    "ICD-10-CM T84.63XA, infection of an internal fixation device of the spine: a spinal"
    " infection (before, allowed)",
    condition(ICD10CM, "T84.63XA"),
)

for name, system, code, what in (
    (
        "cpt_lumbar_transpedicular_decompression",
        "http://www.ama-assn.org/go/cpt",
        "63056",
        "CPT 63056, transpedicular decompression, lumbar",
    ),
    (
        "cpt_cervical_laminoplasty",
        "http://www.ama-assn.org/go/cpt",
        "63050",
        "CPT 63050, cervical laminoplasty",
    ),
    (
        "cpt_lumbar_kyphoplasty",
        "http://www.ama-assn.org/go/cpt",
        "22514",
        "CPT 22514, percutaneous vertebral augmentation (kyphoplasty), lumbar",
    ),
    (
        "icd10pcs_thoracic_fusion",
        "http://hl7.org/fhir/sid/icd-10-pcs",
        "0RG7071",
        "ICD-10-PCS 0RG7071, fusion of 2 to 7 thoracic vertebral joints",
    ),
    (
        "icd10pcs_lumbar_nerve_release",
        "http://hl7.org/fhir/sid/icd-10-pcs",
        "01NB0ZZ",
        "ICD-10-PCS 01NB0ZZ, release of a lumbar nerve (decompression of a root)",
    ),
    (
        "ops_dynamic_stabilisation",
        "http://fhir.de/CodeSystem/bfarm/ops",
        "5-83b.51",
        "OPS 5-83b.51, dynamic stabilisation of the spine",
    ),
):
    case(
        name,
        "needs_clearance",
        f"{what}, code only, last month: recent spine surgery (before, allowed)",
        coded_procedure(system, code, "2026-10-25"),
    )

case(
    "condition_evidence_urinary_retention",
    "needs_data",
    "a 'Low back pain' diagnosis whose evidence is SNOMED CT 267064002 'Retention of urine':"
    " the evidence is a finding of the record, the cauda equina red flag to confirm (before,"
    " the evidence was not read: allowed)",
    {
        **condition(SNOMED, "279039007", "Low back pain"),
        "evidence": [{"code": [{"coding": [coding(SNOMED, "267064002", "Retention of urine")]}]}],
    },
)

SADDLE = coding(SNOMED, "449813001", "Numbness of saddle area")
HELD_SADDLE = {
    "resourceType": "Observation",
    "id": "sad",
    "status": "final",
    "code": {"coding": [SADDLE]},
    "valueBoolean": True,
    "effectiveDateTime": DAY,
}
case(
    "condition_contained_evidence_saddle_numbness",
    "refer_urgently",
    "lumbar osteochondrosis whose evidence is an Observation it holds in 'contained'"
    " ('#sad', numbness of the saddle area: true): the held finding is the patient's"
    " (before, not read: allowed)",
    {
        **condition(ICD10, "M42.16", "Spinal osteochondrosis, lumbar region"),
        "contained": [HELD_SADDLE],
        "evidence": [{"detail": [{"reference": "#sad"}]}],
    },
)
case(
    "observation_has_contained_member_saddle_numbness",
    "refer_urgently",
    "a 'Neurological examination' Observation whose member (hasMember '#sad') it holds in"
    " 'contained': numbness of the saddle area, true (before, not read: allowed)",
    {
        **observation("x", when=DAY),
        "code": {"text": "Neurological examination"},
        "contained": [HELD_SADDLE],
        "hasMember": [{"reference": "#sad"}],
    },
)
case(
    "temperature_of_a_newborn",
    "needs_data",
    "the only temperature is about someone else (focus: 'Newborn child'): not the patient's,"
    " so the patient's own temperature is missing (before, used as the patient's: allowed)",
    {**observation("8310-5", 36.6, "Cel"), "focus": [{"display": "Newborn child"}]},
    without={"temperature"},
)
case(
    "bp_with_unknown_modifier_extension",
    "needs_data",
    "the only blood pressure carries a modifier extension the screening cannot read: FHIR"
    " forbids reading it as if the extension were not there, so it is set aside and the"
    " pressure unknown (before, used: allowed)",
    {
        **bp(120, 80),
        "modifierExtension": [
            {"url": "http://example.org/fhir/StructureDefinition/invalid", "valueBoolean": True}
        ],
    },
    without={"bp"},
)
case(
    "bp_component_with_unknown_modifier_extension",
    "needs_data",
    "the systolic component of the only blood pressure carries a modifier extension: that"
    " reading is set aside, the pressure unknown (before, used: allowed)",
    {
        **bp(120, 80),
        "component": [
            {
                **bp(120, 80)["component"][0],
                "modifierExtension": [
                    {"url": "http://example.org/fhir/ext/estimated", "valueBoolean": True}
                ],
            },
            bp(120, 80)["component"][1],
        ],
    },
    without={"bp"},
)
case(
    "document_in_windows_1251",
    "needs_data",
    "a note attached as text/plain; charset=windows-1251 saying 'Синдром конского хвоста':"
    " read in the charset it declares, cauda equina to confirm (before, read as UTF-8,"
    " garbled: allowed)",
    {
        "resourceType": "DocumentReference",
        "status": "current",
        "subject": {"reference": "Patient/p1"},
        "date": "2026-11-19T10:00:00Z",
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain; charset=windows-1251",
                    "data": "0ejt5PDu7CDq7u3x6u7j7iD14u7x8uA=",
                }
            }
        ],
    },
)
case(
    "task_description_cauda_equina",
    "needs_data",
    "a Task 'Urgent MRI L-spine: suspected cauda equina syndrome': to confirm (before, Tasks"
    " were not read: allowed)",
    {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "description": "Urgent MRI L-spine: suspected cauda equina syndrome",
        "for": {"reference": "Patient/p1"},
        "authoredOn": "2026-11-19",
    },
)
case(
    "care_team_for_spinal_metastases",
    "refer_urgently",
    "a CareTeam whose reason is ICD-10 C79.5 (secondary malignant neoplasm of bone), formed"
    " this month: its reason counts as a visit's diagnosis (before, not read: allowed)",
    {
        "resourceType": "CareTeam",
        "status": "active",
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "2026-11-10"},
        "reasonCode": [{"coding": [coding(ICD10, "C79.5")]}],
    },
)
case(
    "device_use_for_deep_vein_thrombosis",
    "contraindicated",
    "a DeviceUseStatement (an IVC filter) whose reason is ICD-10 I80.2, last week (before,"
    " not read: allowed)",
    {
        "resourceType": "DeviceUseStatement",
        "status": "active",
        "subject": {"reference": "Patient/p1"},
        "device": {"display": "IVC filter"},
        "reasonCode": [{"coding": [coding(ICD10, "I80.2")]}],
        "timingDateTime": "2026-11-13",
    },
)
case(
    "immunization_for_pregnancy",
    "needs_clearance",
    "a Tdap vaccination given last week for ICD-10 Z33.1 (pregnant state): pregnancy (before,"
    " Immunizations were not read: allowed)",
    {
        "resourceType": "Immunization",
        "status": "completed",
        "vaccineCode": {"coding": [coding("http://hl7.org/fhir/sid/cvx", "115", "Tdap")]},
        "patient": {"reference": "Patient/p1"},
        "occurrenceDateTime": "2026-11-13",
        "reasonCode": [{"coding": [coding(ICD10, "Z33.1", "Pregnant state, incidental")]}],
    },
)
case(
    "assessment_r5_finding_item_cauda_equina",
    "needs_data",
    "a ClinicalImpression written as R5 does (finding.item.concept: SNOMED CT 192970008): the"
    " finding to confirm (before, not read: allowed)",
    {
        "resourceType": "ClinicalImpression",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "date": "2026-11-19",
        "finding": [{"item": {"concept": {"coding": [coding(SNOMED, "192970008")]}}}],
    },
)
for name, text in (
    ("text_russian_metastases_not_excluded_plural", "не исключены мтс в позвонки"),
    ("text_german_cauda_syndrome_hyphen", "V.a. Cauda-Syndrom"),
    ("text_german_unstable_angina_abbreviated", "instabile AP"),
    ("text_russian_cirrhosis_child_pugh_c", "Цирроз печени, класс С по Чайлд-Пью"),
):
    case(
        name,
        "needs_data",
        f"a diagnosis written only as '{text}': found in text, to confirm (before, allowed)",
        condition(text=text),
    )

for name, kind, extra in (
    ("order_reason_reference_absent_cauda_equina", "ServiceRequest", {}),
    ("procedure_reason_reference_absent_cauda_equina", "Procedure", {}),
):
    case(
        name,
        "needs_data",
        f"a {kind} whose reason points to a Condition the record does not hold"
        " (reasonReference 'Condition/zzz', display 'Cauda equina syndrome'): the words are"
        " read as the reason's, to confirm (before, dropped: allowed)",
        {
            "resourceType": kind,
            "status": "completed" if kind == "Procedure" else "active",
            **({"intent": "order"} if kind == "ServiceRequest" else {}),
            "code": {"text": "MRI lumbar spine"},
            "subject": {"reference": "Patient/p1"},
            ("performedDateTime" if kind == "Procedure" else "authoredOn"): "2026-11-19",
            "reasonReference": [{"reference": "Condition/zzz", "display": "Cauda equina syndrome"}],
            **extra,
        },
    )

case(
    "care_plan_addresses_absent_spinal_metastases",
    "needs_data",
    "a care plan begun this month addressing 'Condition/zzz', displayed 'Spinal metastases',"
    " a Condition the record does not hold: the words are read, to confirm (before, dropped:"
    " allowed)",
    {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "2026-11-12"},
        "addresses": [{"reference": "Condition/zzz", "display": "Spinal metastases"}],
    },
)
case(
    "episode_of_care_diagnosis_absent_cauda_equina",
    "needs_data",
    "an episode of care begun yesterday whose diagnosis points to a Condition the record does"
    " not hold, displayed 'Cauda equina syndrome': to confirm (before, dropped: allowed)",
    {
        "resourceType": "EpisodeOfCare",
        "status": "active",
        "patient": {"reference": "Patient/p1"},
        "period": {"start": "2026-11-19"},
        "diagnosis": [
            {"condition": {"reference": "Condition/zzz", "display": "Cauda equina syndrome"}}
        ],
    },
)

case(
    "bp_panel_flagged_critical_without_numbers",
    "needs_data",
    "today's 120/80 and a blood-pressure panel of the same day with no numbers, only the"
    " flag 'critical high' (interpretation HH): taken, its values unknown, so the pressure is"
    " unknown (before, dropped: allowed)",
    {
        **observation("85354-9"),
        "interpretation": [
            {
                "coding": [
                    coding(
                        "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "HH"
                    )
                ]
            }
        ],
    },
)

case(
    "who_r15_faecal_incontinence",
    "refer_urgently",
    "WHO ICD-10 R15 'Faecal incontinence': loss of bowel control, a sign of cauda equina syndrome",
    condition(ICD10, "R15", "Faecal incontinence", onset="2026-11-18"),
)
case(
    "gm_r15_stuhlinkontinenz_confirmed",
    "refer_urgently",
    "ICD-10-GM 'R15 G' (confirmed): the German R15 is faecal incontinence too",
    condition(ICD10GM, "R15 G", None, onset="2026-11-18"),
)
case(
    "cm_r15_2_fecal_urgency",
    "allowed",
    "ICD-10-CM R15.2 'Fecal urgency': a subdivision of R15 that is no loss of bowel control",
    condition(ICD10CM, "R15.2", "Fecal urgency", onset="2026-11-18"),
)

for name, words, why in (
    (
        "de_ausschluss_question",
        "Ausschluss Cauda-Syndrom",
        "a referral's question 'Ausschluss Cauda-Syndrom' (rule out): to confirm, not negated",
    ),
    (
        "de_ausschluss_not_possible",
        "Ausschluss Wirbelkörperfraktur nicht möglich",
        "'Ausschluss ... nicht möglich' (cannot be excluded): to confirm",
    ),
    (
        "de_kein_sicherer_ausschluss",
        "Kein sicherer Ausschluss eines Cauda-Syndroms",
        "'Kein sicherer Ausschluss' (no certain exclusion): a doubt, to confirm",
    ),
    (
        "en_not_excluding",
        "MRI findings not excluding cauda equina syndrome",
        "'not excluding': a doubt holding a negation word, to confirm",
    ),
    (
        "ru_could_not_exclude",
        "Не удалось исключить синдром конского хвоста",
        "'не удалось исключить' (could not be excluded): to confirm",
    ),
):
    case(name, "needs_data", why, condition(text=words))
case(
    "de_ausgeschlossen_result",
    "allowed",
    "'Wirbelkörperfraktur ausgeschlossen' (excluded): a result, negated",
    condition(text="Wirbelkörperfraktur ausgeschlossen"),
)


def answered_on(day: str, **answers: Any) -> Resource:
    """An intake QuestionnaireResponse authored on ``day``."""
    return {**response(**answers), "authored": day}


case(
    "questionnaire_saddle_yes_day_after",
    "needs_data",
    "saddle anaesthesia answered yes on a form dated the day after: it may have been given"
    " on the screening day (its time in another zone), so the red flag is unknown",
    answered_on("2026-11-21T01:30:00Z", saddle_anaesthesia=True),
)
case(
    "questionnaire_saddle_no_then_yes_day_after",
    "needs_data",
    "no on the screening day, yes on a form dated the day after: the yes may be the latest",
    response(saddle_anaesthesia=False),
    answered_on("2026-11-21", saddle_anaesthesia=True),
)
case(
    "questionnaire_saddle_yes_then_no_day_after",
    "refer_urgently",
    "yes on the screening day, no dated the day after: a later answer never makes a red flag"
    " milder than the answer used",
    response(saddle_anaesthesia=True),
    answered_on("2026-11-21", saddle_anaesthesia=False),
)
case(
    "questionnaire_saddle_yes_two_days_after",
    "allowed",
    "a yes dated two days after the screening day is not yet given (as readings are)",
    answered_on("2026-11-22", saddle_anaesthesia=True),
)


def intake_items(*items: Resource, **extra: Any) -> Resource:
    """An intake QuestionnaireResponse holding ``items`` as written."""
    form = response(**extra)
    form["item"][0]["item"].extend(items)
    return form


undated_no_fever = response(fever_today=False)
del undated_no_fever["authored"]
case(
    "questionnaire_fever_no_undated",
    "needs_data",
    "'no fever today' on a form of no date, no temperature: an answer of no known day is"
    " not within the fever question's 3 days, so fever is unknown",
    undated_no_fever,
    without={"temperature"},
)
case(
    "questionnaire_yes_no_answered_by_a_number",
    "needs_data",
    "saddle anaesthesia answered 2 (a number, neither yes nor no): unknown, never a no",
    response(saddle_anaesthesia=2),
)
case(
    "questionnaire_one_item_written_wrong",
    "refer_urgently",
    "a yes to saddle anaesthesia beside another item whose decimal is written as text"
    " ('3,5'): the item written wrong is set aside, not the whole form",
    intake_items({"linkId": "q9", "answer": [{"valueDecimal": "3,5"}]}, saddle_anaesthesia=True),
)
case(
    "questionnaire_yes_no_value_unreadable",
    "needs_data",
    "saddle anaesthesia answered with a boolean that is an object: an answer that cannot be"
    " read is unknown, never a no",
    intake_items({"linkId": "saddle_anaesthesia", "answer": [{"valueBoolean": {}}]}),
)
case(
    "questionnaire_boolean_written_as_text",
    "refer_urgently",
    'saddle anaesthesia answered valueBoolean "true" (text, not a boolean): read for its words',
    intake_items({"linkId": "saddle_anaesthesia", "answer": [{"valueBoolean": "true"}]}),
)
case(
    "bp_impossible_time_after_high",
    "needs_data",
    "185/115 at 10:00 and 120/80 'at 99:99' the same day: a time that is no time is a date"
    " that cannot be read, so the normal reading does not decide",
    bp(185, 115, "2026-11-20T10:00:00Z"),
    bp(120, 80, "2026-11-20T99:99:00Z"),
    without={"bp"},
)

for name, system, code, why in (
    (
        "icd_greek_letter",
        ICD10,
        "\u039c51.0",
        "M51.0 typed with a Greek capital Mu (a disc disorder with myelopathy)",
    ),
    ("icd_byte_order_mark", ICD10, "\ufeffG83.4", "G83.4 after a byte order mark a copy left"),
    ("icd_zero_width_space", ICD10, "C\u200b79.5", "C79.5 with a zero-width space inside"),
    (
        "snomed_sctid_prefix",
        SNOMED,
        "SCTID: 192970008",
        "SNOMED CT cauda equina written 'SCTID: ...'",
    ),
    (
        "snomed_fullwidth_digits",
        SNOMED,
        "\uff11\uff19\uff12\uff19\uff17\uff10\uff10\uff10\uff18",
        "SNOMED CT 192970008 in full-width digits",
    ),
    ("system_named_icd10", "ICD-10", "G83.4", "the system written by its name 'ICD-10'"),
    ("system_hl7v2_i10", "I10", "G83.4", "the system written by its HL7 v2 name 'I10'"),
    (
        "system_snomed_version_query",
        SNOMED + "?version=" + SNOMED + "/900000000000207008/version/20240101",
        "192970008",
        "SNOMED CT with its version as a query",
    ),
    (
        "system_who_icd_api",
        "http://id.who.int/icd/release/10/2019",
        "G83.4",
        "WHO's ICD-10 2019 URI",
    ),
):
    case(
        name, "refer_urgently", why + ": the code as the KB lists it", condition(system, code, None)
    )
for name, system, code, why in (
    (
        "atc_bfarm_uri",
        "http://fhir.de/CodeSystem/bfarm/atc",
        "B01AF01",
        "rivaroxaban under the German ATC URI (BfArM)",
    ),
    (
        "atc_dimdi_uri",
        "http://fhir.de/CodeSystem/dimdi/atc",
        "B01AA04",
        "phenprocoumon under the German ATC URI (DIMDI)",
    ),
    (
        "atc_cyrillic_letters",
        ATC,
        "\u041201\u0410F02",
        "apixaban's ATC typed with Cyrillic V and A",
    ),
    ("atc_with_space", ATC, "B01A F02", "apixaban's ATC with a space inside"),
):
    case(
        name,
        "needs_clearance",
        why + ": an anticoagulant",
        medication(system=ATC if system == ATC else system, code=code),
    )
case(
    "temperature_russian_degrees",
    "defer",
    "38.6 'гр.С' (градусов Цельсия as Russian records shorten it): a fever",
    observation("8310-5", 38.6, "гр.С"),
    without={"temperature"},
)

# WHO ICD-10 (and national editions) codes whose ICD-10-CM children the KB lists: the
# parent a WHO, German or Russian record writes means the same
for code, verdict, why in (
    ("G95.1", "refer_urgently", "vascular myelopathies"),
    ("G37.3", "refer_urgently", "acute transverse myelitis: a myelopathy"),
    ("M43.3", "refer_urgently", "recurrent atlantoaxial subluxation with myelopathy"),
    ("I60.5", "refer_urgently", "subarachnoid haemorrhage from the vertebral artery"),
    ("I49.0", "contraindicated", "ventricular fibrillation and flutter"),
    ("O22.3", "contraindicated", "deep phlebothrombosis in pregnancy"),
    ("Z49.1", "contraindicated", "extracorporeal dialysis"),
    ("Z32.1", "needs_clearance", "pregnancy confirmed"),
    ("C72.1", "refer_urgently", "malignant neoplasm of the cauda equina"),
    ("Z51.1", "contraindicated", "a chemotherapy session for a neoplasm: a cancer under treatment"),
    ("Z08", "needs_clearance", "follow-up after treatment for a malignant neoplasm"),
    ("U07.2", "defer", "COVID-19, the virus not identified"),
    ("G00.9", "defer", "bacterial meningitis: an acute infection"),
    ("N10", "defer", "acute pyelonephritis: an acute infection"),
):
    case(
        f"who_{code.replace('.', '_').lower()}",
        verdict,
        f"WHO ICD-10 {code}, {why}",
        condition(ICD10, code, None),
    )

case(
    "bp_same_instant_disagree",
    "needs_data",
    "185/115 and 120/80 both at 10:00Z on the screening day (the normal one written last): the"
    " record's order says nothing of time, so which is the latest is not known",
    bp(185, 115, "2026-11-20T10:00:00Z"),
    bp(120, 80, "2026-11-20T10:00:00Z"),
    without={"bp"},
)
case(
    "bp_same_instant_two_zones_disagree",
    "needs_data",
    "185/115 at 12:00+02:00 and 120/80 at 10:00Z: the same instant written in two zones",
    bp(185, 115, "2026-11-20T12:00:00+02:00"),
    bp(120, 80, "2026-11-20T10:00:00Z"),
    without={"bp"},
)
case(
    "bp_same_instant_agree",
    "allowed",
    "122/80 and 120/80 at the same instant: they agree, nothing is unknown",
    bp(122, 80, "2026-11-20T10:00:00Z"),
    bp(120, 80, "2026-11-20T10:00:00Z"),
    without={"bp"},
)


def over(reading: Resource, start: str, end: str | None = None) -> Resource:
    """``reading`` dated by an ``effectivePeriod`` instead of its day."""
    out = {k: v for k, v in reading.items() if k != "effectiveDateTime"}
    out["effectivePeriod"] = {"start": start, **({"end": end} if end else {})}
    return out


case(
    "bp_period_reaching_screening_day",
    "needs_data",
    "185/115 over a period from 1 October to the screening day, 120/80 on 15 November: the"
    " period's reading may have been taken after it (as a reading dated by its month)",
    over(bp(185, 115), "2026-10-01", "2026-11-20"),
    bp(120, 80, "2026-11-15"),
    without={"bp"},
)
case(
    "bp_24_hour_period_over_the_day",
    "needs_data",
    "a 24-hour blood pressure of 185/115 from 08:00 on the 19th to 08:00 on the screening"
    " day, and 120/80 at 09:00 on the 19th: the 24-hour reading runs past it",
    over(bp(185, 115), "2026-11-19T08:00:00Z", "2026-11-20T08:00:00Z"),
    bp(120, 80, "2026-11-19T09:00:00Z"),
    without={"bp"},
)
case(
    "temperature_period_into_window",
    "needs_data",
    "38.2 over 10 to 20 November, 36.6 today: the period reaches into the 3 days of fever",
    over(observation("8310-5", 38.2, "Cel"), "2026-11-10", "2026-11-20"),
)


def at_site(system: str, code: str, site: str, site_display: str | None = None) -> Resource:
    """A diagnosis given by its code alone, with its site apart (``Condition.bodySite``)."""
    res = condition(system, code, None)
    res["bodySite"] = [{"coding": [coding(SNOMED, site, site_display)]}]
    return res


case(
    "fracture_code_alone_at_lumbar_spine",
    "needs_data",
    "SNOMED CT 125605004 (fracture of bone) with no words, its site the lumbar spine"
    " (122496007, no words): a vertebral fracture to confirm",
    at_site(SNOMED, "125605004", "122496007"),
)
case(
    "icd_t14_2_alone_at_vertebral_column",
    "needs_data",
    "ICD-10 T14.2 (fracture of an unspecified region) with no words, at 'Vertebral column"
    " structure': a vertebral fracture to confirm",
    at_site(ICD10, "T14.2", "421060004", "Vertebral column structure"),
)
case(
    "icd_r20_2_alone_at_perineum",
    "needs_data",
    "ICD-10 R20.2 (paraesthesia of skin) with no words, at the perineum: saddle"
    " paraesthesia, cauda equina to confirm",
    at_site(ICD10, "R20.2", "38864007", "Perineal structure"),
)

case(
    "questionnaire_answers_ordered_by_time",
    "refer_urgently",
    "yes to saddle anaesthesia at 10:00Z written first, no at 08:00Z written after it: the"
    " later answer by its time is the yes (the record's order says nothing of time)",
    answered_on("2026-11-20T10:00:00Z", saddle_anaesthesia=True),
    answered_on("2026-11-20T08:00:00Z", saddle_anaesthesia=False),
)
case(
    "questionnaire_answers_of_a_day_without_times_disagree",
    "needs_data",
    "yes then no to saddle anaesthesia on two forms of the screening day with no time:"
    " which was given last is not known, and the yes may be the latest",
    answered_on("2026-11-20", saddle_anaesthesia=True),
    answered_on("2026-11-20", saddle_anaesthesia=False),
)
case(
    "questionnaire_later_no_by_time",
    "allowed",
    "yes at 08:00Z, no at 10:00Z the same day: the later clear no decides, as an answer does",
    answered_on("2026-11-20T08:00:00Z", saddle_anaesthesia=True),
    answered_on("2026-11-20T10:00:00Z", saddle_anaesthesia=False),
)


def flowsheet(display: str, value: float, unit: str) -> Resource:
    """A reading under a local flowsheet code, named by its display alone."""
    reading = observation("TMP1", value, unit, system="http://hospital.example/flowsheet")
    reading["code"]["coding"][0]["display"] = display
    return reading


for name, display in (
    ("flowsheet_oral_temp", "Oral temp"),
    ("flowsheet_temperature_oral", "Temperature Oral"),
    ("flowsheet_temperature_comma_axillary", "Temperature, axillary"),
    ("flowsheet_german_temperature_axillary", "Temperatur axillär"),
    ("flowsheet_german_ear_temperature", "Ohrtemperatur"),
    ("flowsheet_russian_temperature_armpit", "Температура в подмышечной впадине"),
    ("flowsheet_russian_temperature_morning", "Температура тела утром"),
):
    case(
        name,
        "needs_data",
        f"38.5 under a local code named '{display}' beside today's 36.6: a temperature named"
        " by its words (in another order), to confirm",
        flowsheet(display, 38.5, "Cel"),
    )
case(
    "flowsheet_nibp_systolic",
    "needs_data",
    "'NIBP systolic' 185 under a local code, today, after 120/80 on the 15th: a systolic"
    " pressure named by its words, to confirm",
    flowsheet("NIBP systolic", 185, "mm[Hg]"),
    bp(120, 80, "2026-11-15"),
    without={"bp"},
)
for name, display in (
    ("flowsheet_russian_leg_weakness_yes", "Слабость в ногах"),
    ("flowsheet_german_gait_unsteady_yes", "Gangunsicherheit"),
    ("flowsheet_weight_loss_yes", "Weight loss"),
):
    case(
        name,
        "needs_data",
        f"'{display}': true under a local flowsheet code, as a nursing form records a red"
        " flag: the intake question of those words answered on another form, to confirm"
        " (it was dropped: the code is no KB finding's)",
        {
            **dropped(flowsheet(display, 0, "1"), "valueQuantity"),
            "valueBoolean": True,
        },
    )
for name, display in (
    ("flowsheet_russian_bp_sitting", "АД сидя"),
    ("flowsheet_german_bp_left", "Blutdruck links"),
    ("flowsheet_bp_right_arm", "BP right arm"),
):
    case(
        name,
        "needs_data",
        f"185/110 under a local code named '{display}' (the pressure with where or how it was"
        " taken) today, after 120/80 on the 15th: a pressure named by its words, to confirm",
        {
            **dropped(flowsheet(display, 0, "mm[Hg]"), "valueQuantity"),
            "valueString": "185/110 mmHg",
        },
        bp(120, 80, "2026-11-15"),
        without={"bp"},
    )
case(
    "questionnaire_one_item_yes_and_no",
    "needs_data",
    "saddle anaesthesia answered [true, false] in one item: two answers in no known order",
    intake_items(
        {
            "linkId": "saddle_anaesthesia",
            "answer": [{"valueBoolean": True}, {"valueBoolean": False}],
        }
    ),
)

snomed_temperature = observation("386725007", 38.2, "Cel", system=None)
case(
    "temperature_snomed_code_without_system",
    "defer",
    "38.2 Cel under SNOMED CT 386725007 (body temperature) written without its system:"
    " a measure's SNOMED CT id is read as such",
    snomed_temperature,
)
registered_bp = bp(120, 80)
registered_bp["status"] = "registered"
case(
    "bp_status_registered",
    "needs_data",
    "the only blood pressure has status 'registered' (FHIR: no result yet) with values:"
    " no result, set aside",
    registered_bp,
    without={"bp"},
)

case(
    "questionnaire_other_form_temperature_in_words",
    "needs_data",
    "a clinic's own form asks 'Temperature', answered in words '38,5': a reading named by"
    " its question, set aside to confirm (it was read as a diagnosis's words)",
    other_form(asked("q1", "Temperature", {"valueString": "38,5"})),
)
case(
    "questionnaire_other_form_bp_in_words",
    "needs_data",
    "a clinic's own form asks 'Blood pressure', answered '185/115', after 120/80 on the 15th",
    other_form(asked("q2", "Blood pressure", {"valueString": "185/115"})),
    bp(120, 80, "2026-11-15"),
    without={"bp"},
)

for name, system, code, why in (
    ("icd_code_under_snomed_system", SNOMED, "G83.4", "ICD-10 G83.4 filed under SNOMED CT"),
    ("snomed_id_under_icd_system", ICD10, "192970008", "SNOMED CT 192970008 filed under ICD-10"),
    ("icd_code_under_loinc_system", LOINC, "C79.5", "ICD-10 C79.5 filed under LOINC"),
):
    case(
        name,
        "needs_data",
        why + ": a code that cannot be of its system is read by its shape, to confirm",
        condition(system, code, None),
    )


def surgery(status: str = "completed", **performed: Any) -> Resource:
    """A lumbar microdiscectomy (SNOMED CT 178625001) with the status and dates given."""
    return {
        "resourceType": "Procedure",
        "status": status,
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [coding(SNOMED, "178625001", "Primary lumbar microdiscectomy")]},
        **performed,
    }


case(
    "procedure_stopped_was_begun",
    "needs_clearance",
    "a lumbar microdiscectomy with status 'stopped' on 1 November: FHIR's stopped was begun"
    " (terminated after some of the main activity), so an operation was done",
    surgery("stopped", performedDateTime="2026-11-01"),
)
case(
    "procedure_period_ending_in_window",
    "needs_data",
    "a microdiscectomy performed over 1 July to 1 November: any day of the period may be the"
    " day, and it ends within 90 days",
    surgery(performedPeriod={"start": "2026-07-01", "end": "2026-11-01"}),
)

for name, words, why in (
    (
        "text_age_old_is_no_history",
        "56 year old woman with urinary retention since yesterday",
        "'old' of an age is no history cue",
    ),
    (
        "text_old_lady_new_fracture",
        "Old lady with new L1 compression fracture after minor fall",
        "'old' describing the patient is no history cue",
    ),
    (
        "text_prior_imaging_current_abscess",
        "Prior imaging and today's MRI both show epidural abscess L3-4",
        "'prior imaging' is no history cue",
    ),
    (
        "text_sp_fall_with_fracture",
        "s/p fall 3 days ago w/ L1 compression fx",
        "a fracture after a fall 3 days ago is not past because the fall is 's/p'",
    ),
    (
        "text_zn_sturz_mit_fraktur",
        "Z.n. Sturz vor 3 Tagen mit LWK-1-Fraktur",
        "German: 'Z.n. Sturz' (after a fall) with a fracture",
    ),
    (
        "text_ru_after_fall_fracture",
        "Состояние после падения 3 дня назад с компрессионным переломом L1",
        "Russian: after a fall, with a compression fracture",
    ),
    (
        "text_anamnestisch_harnverhalt",
        "Anamnestisch Harnverhalt seit gestern",
        "German 'anamnestisch' is 'as the patient reports', not 'in the past'",
    ),
    (
        "text_denies_fever_and_has_retention",
        "Denies fever and has urinary retention since this morning",
        "a denial ends where the note goes on 'and has'",
    ),
    (
        "text_despite_weakness",
        "Walking without aid despite progressive leg weakness",
        "'despite' ends a negation's scope",
    ),
    (
        "text_no_nsaids_due_to_ckd",
        "No NSAIDs due to CKD stage 4",
        "'due to' ends a negation's scope",
    ),
    (
        "text_retention_with_negative_slr",
        "Urinary retention with negative straight leg raise",
        "a negative test after 'with' does not reach back",
    ),
    (
        "text_brought_in_by_daughter",
        "Brought in by daughter with urinary retention since this morning",
        "a relative who brings the patient is no family history",
    ),
    (
        "text_relative_contraindication_warfarin",
        "Relative contraindication to NSAIDs because of warfarin",
        "'relative' as an adjective is no family cue",
    ),
    (
        "text_not_only_but_saddle",
        "Not only back pain and also saddle numbness",
        "'not only' is no negation",
    ),
):
    case(name, "needs_data", f"'{words}': {why}; the finding is to confirm", condition(text=words))

for name, system, code, why in (
    (
        "cpt_63012_gill_procedure",
        "http://www.ama-assn.org/go/cpt",
        "63012",
        "CPT 63012 (Gill procedure, lumbar laminectomy)",
    ),
    (
        "cpt_22586_presacral_fusion",
        "http://www.ama-assn.org/go/cpt",
        "22586",
        "CPT 22586 (presacral L5-S1 arthrodesis)",
    ),
    (
        "pcs_0sr2_lumbar_disc_replacement",
        "http://www.cms.gov/Medicare/Coding/ICD10",
        "0SR20JZ",
        "ICD-10-PCS 0SR20JZ (replacement of a lumbar disc)",
    ),
    (
        "pcs_0qb0_lumbar_vertebra_excision",
        "http://www.cms.gov/Medicare/Coding/ICD10",
        "0QB00ZZ",
        "ICD-10-PCS 0QB00ZZ (excision of a lumbar vertebra, a laminectomy)",
    ),
):
    case(
        name,
        "needs_clearance",
        why + " on 1 November: a recent spine operation",
        coded_procedure(system, code, "2026-11-01"),
    )
case(
    "text_german_noak",
    "needs_data",
    "'NOAK' (a German record's direct oral anticoagulant) in a drug's words: to confirm",
    medication(system=None, text="NOAK"),
)


def warfarin_said(status: str, **dates: Any) -> Resource:
    """A warfarin MedicationStatement (RxNorm 855332) with the status and dates given."""
    return {
        "resourceType": "MedicationStatement",
        "status": status,
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {"coding": [coding(RXNORM, "855332")]},
        **dates,
    }


case(
    "medication_stopped_no_dates",
    "needs_data",
    "warfarin recorded as stopped with no date at all: when it was last taken is not known",
    warfarin_said("stopped"),
)
case(
    "medication_stopped_before_planned_end",
    "needs_data",
    "warfarin from 1 November, stopped, planned to run to 31 December: stopped on some day"
    " up to the screening day, within 30 days",
    warfarin_said("stopped", effectivePeriod={"start": "2026-11-01", "end": "2026-12-31"}),
)
case(
    "medication_stopped_dated_by_year",
    "needs_data",
    "warfarin stopped, dated only '2026': any day of 2026 up to today may be the last",
    warfarin_said("stopped", effectiveDateTime="2026"),
)

case(
    "ops_written_without_dash",
    "needs_clearance",
    "OPS '5831.0' (disc excision, 5-831.0) written without the dash after its chapter",
    coded_procedure("http://fhir.de/CodeSystem/bfarm/ops", "5831.0", "2026-11-01"),
)
case(
    "medication_text_misspelt_xarelto",
    "needs_data",
    "'Xeralto 20 mg daily' in a drug's words (a misspelt Xarelto): to confirm",
    medication(system=None, text="Xeralto 20 mg daily"),
)

case(
    "report_conclusion_with_readings",
    "needs_data",
    "a report's conclusion 'Temp 38.9 C, BP 210/118' (readings in prose): each named by its"
    " words, to confirm, never dropped",
    {
        "resourceType": "DiagnosticReport",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": {"text": "Clinical note"},
        "effectiveDateTime": DAY,
        "conclusion": "Temp 38.9 C, BP 210/118",
    },
)
case(
    "diagnosis_words_with_a_temperature",
    "needs_data",
    "a diagnosis written 'Temp 38.9 C' on the screening day: a reading named by its words",
    condition(text="Temp 38.9 C", onset=DAY),
)

case(
    "text_history_of_pe_on_apixaban",
    "needs_data",
    "'h/o PE on apixaban 5 mg bid': the history's words hold a blood thinner taken now;"
    " a blood thinner named in the past stays a drug to confirm",
    condition(text="h/o PE on apixaban 5 mg bid"),
)

case(
    "medication_stopped_end_dated_by_year",
    "needs_data",
    "warfarin from January, stopped, its end written '2026': it was last taken on some day of"
    " 2026 up to today (the end is the year it ended, not an end planned after today)",
    warfarin_said("stopped", effectivePeriod={"start": "2026-01-01", "end": "2026"}),
)

case(
    "text_family_clause_then_patient",
    "needs_data",
    "'Mother had breast ca and pt now has urinary retention': the family cue's clause ends"
    " where the note turns to the patient; the retention is the patient's, to confirm",
    condition(text="Mother had breast ca and pt now has urinary retention"),
)
case(
    "text_patient_then_family_clause",
    "needs_data",
    "'Pt has urinary retention and mother had breast ca': the relative named after the"
    " patient's retention has the cancer, not the retention",
    condition(text="Pt has urinary retention and mother had breast ca"),
)
case(
    "text_family_clause_ru_patient",
    "needs_data",
    "'Мать: рак молочной железы, у пациентки задержка мочи': the retention is the patient's",
    condition(text="Мать: рак молочной железы, у пациентки задержка мочи"),
)
case(
    "text_family_clause_whole",
    "allowed",
    "'Mother with breast cancer and urinary retention': both the mother's",
    condition(text="Mother with breast cancer and urinary retention"),
)

case(
    "bp_pair_text_over_a_period",
    "needs_data",
    "a blood pressure written '185/115 mmHg' (valueString) over 10 to 20 November, beside a"
    " normal reading of 15 November: the high one may be of any day up to the 20th, the"
    " latest; unknown",
    over(observation("85354-9", "185/115 mmHg", key="valueString"), "2026-11-10", DAY),
    bp(120, 80, when="2026-11-15"),
    without={"bp"},
)
case(
    "bp_flag_only_over_a_period",
    "needs_data",
    "a blood-pressure panel with no numbers, flagged critical high, over 10 to 20 November,"
    " beside a normal reading of 15 November: taken on some day up to the 20th, its value"
    " unknown",
    {
        **over(observation("85354-9"), "2026-11-10", DAY),
        "interpretation": [
            {
                "coding": [
                    coding(
                        "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "HH"
                    )
                ]
            }
        ],
    },
    bp(120, 80, when="2026-11-15"),
    without={"bp"},
)


SEVERE = {
    "code": {"coding": [coding(SNOMED, "246112005", "Severity")]},
    "valueCodeableConcept": {"coding": [coding(SNOMED, "24484000", "Severe")]},
}
case(
    "finding_observed_with_severity_part",
    "refer_urgently",
    "an Observation 'Numbness of saddle area' (SNOMED 449813001) with no value of its own"
    " and a part giving its severity (severe): observed, as with no part",
    observation("449813001", system=SNOMED, components=[SEVERE]),
)
case(
    "finding_observed_with_member",
    "refer_urgently",
    "an Observation 'Retention of urine' (SNOMED 267064002) with no value, grouping a pain"
    " score by hasMember: observed",
    {
        **observation("267064002", system=SNOMED),
        "hasMember": [{"reference": "Observation/pain1"}],
    },
)
case(
    "finding_with_a_volume",
    "needs_data",
    "an Observation 'Retention of urine' (SNOMED 267064002) whose value is a volume (800 mL):"
    " neither a yes nor a no, the retention to confirm",
    observation("267064002", 800, "mL", system=SNOMED),
)
case(
    "finding_with_an_onset_date",
    "needs_data",
    "an Observation 'Numbness of saddle area' whose value is a date (valueDateTime, its"
    " onset): to confirm",
    observation("449813001", "2026-11-19", system=SNOMED, key="valueDateTime"),
)
case(
    "finding_fever_with_a_temperature",
    "needs_data",
    "an Observation 'Fever' (SNOMED 386661006) valued 38.9 Cel beside a normal temperature:"
    " the fever to confirm",
    observation("386661006", 38.9, "Cel", system=SNOMED),
)


def focused(reading: Resource, reference: str) -> Resource:
    return {**reading, "focus": [{"reference": reference}]}


case(
    "focus_patient_full_url",
    "defer",
    "a temperature of 39.2 whose focus is the patient by full URL"
    " (https://ehr.example.org/fhir/Patient/p1) while its subject is Patient/p1: the"
    " patient's own",
    focused(observation("8310-5", 39.2, "Cel"), "https://ehr.example.org/fhir/Patient/p1"),
)
case(
    "focus_patient_version",
    "defer",
    "a temperature of 39.2 whose focus is Patient/p1/_history/2: the patient's own",
    focused(observation("8310-5", 39.2, "Cel"), "Patient/p1/_history/2"),
)
case(
    "focus_own_condition",
    "refer_urgently",
    "saddle numbness observed (SNOMED 449813001, no value) with focus the patient's back"
    " condition (Condition/c1): about that condition, on the patient",
    focused(observation("449813001", system=SNOMED), "Condition/c1"),
)
case(
    "focus_related_person",
    "allowed",
    "a temperature of 39.2 whose focus is a RelatedPerson: someone else's, not the patient's",
    focused(observation("8310-5", 39.2, "Cel"), "RelatedPerson/r1"),
)
case(
    "focus_contained_patient",
    "allowed",
    "a temperature of 39.2 whose focus is a Patient it holds ('#baby'): someone else's",
    {
        **focused(observation("8310-5", 39.2, "Cel"), "#baby"),
        "contained": [{"resourceType": "Patient", "id": "baby"}],
    },
)

case(
    "temperature_loinc_under_icd10",
    "defer",
    "a temperature of 39.2 Cel coded 8310-5 (LOINC's shape) under the ICD-10 system, no"
    " display: a code that cannot be ICD-10's is read by its shape, a body temperature",
    observation("8310-5", 39.2, "Cel", system=ICD10),
)
case(
    "temperature_loinc_en_dash",
    "defer",
    "a temperature of 39.2 Cel coded '8310–5' (an en dash for the hyphen, as a word"
    " processor writes it): the LOINC code",
    observation("8310–5", 39.2, "Cel"),
)

for name, verdict, system, code, display in (
    ("snomed_influenza", "defer", SNOMED, "6142004", "Influenza"),
    ("snomed_urinary_tract_infection", "defer", SNOMED, "68566005", None),
    ("snomed_viral_sepsis", "defer", SNOMED, "770349000", "Sepsis caused by virus"),
    ("icd10_cystitis_unspecified", "defer", ICD10, "N30.9", None),
    ("snomed_hfnef", "contraindicated", SNOMED, "446221000", None),
    ("icd10cm_postprocedural_heart_failure", "contraindicated", ICD10CM, "I97.131", None),
    ("snomed_mitral_stenosis", "needs_clearance", SNOMED, "79619009", None),
    ("snomed_thrombosis", "contraindicated", SNOMED, "439127006", None),
    ("snomed_itp", "contraindicated", SNOMED, "32273002", None),
    ("icd10_arterial_thrombosis_leg", "contraindicated", ICD10, "I74.3", None),
    ("icd10_cerebral_venous_thrombosis", "contraindicated", ICD10, "I67.6", None),
    ("snomed_renal_failure", "contraindicated", SNOMED, "42399005", None),
    ("icd10_multiple_fractures_lumbar_pelvis", "refer_urgently", ICD10, "S32.7", None),
    ("icd10_fatigue_fracture_vertebra", "refer_urgently", ICD10, "M48.46", None),
    ("icd10gm_osteoporosis_fracture_other_site", "refer_urgently", ICD10GM, "M80.98", None),
    ("snomed_syringomyelia", "refer_urgently", SNOMED, "111496009", None),
):
    case(
        f"code_{name}",
        verdict,
        f"a diagnosis coded {code}{f' ({display})' if display else ''} alone: the concept's"
        " own code, as the KB lists its parent or its ICD-10 or SNOMED CT twin",
        condition(system, code, display),
    )
case(
    "text_syringomyelia",
    "needs_data",
    "'Syringomyelia C4-C7' in a diagnosis's words: a disease of the spinal cord, to confirm",
    condition(text="Syringomyelia C4-C7"),
)
for brand in ("Zyllt 75 mg", "Sulodexide 250 LSU", "Phenindione 50 mg", "Inhixa 40 mg sc"):
    case(
        f"medication_text_{brand.split()[0].lower()}",
        "needs_data",
        f"'{brand}' taken, in a drug's words only: a blood thinner named, to confirm",
        medication(system=None, text=brand),
    )
case(
    "medication_text_ace_inhibitor",
    "allowed",
    "'ACE inhibitor' taken, in a drug's words: no blood thinner (Inhixa is no 'inhibitor')",
    medication(system=None, text="ACE inhibitor"),
)

case(
    "rxnorm_uri_without_www",
    "needs_clearance",
    "warfarin (RxNorm 855332) under 'http://nlm.nih.gov/research/umls/rxnorm', RxNorm's URI"
    " without its 'www.': RxNorm",
    medication(system="http://nlm.nih.gov/research/umls/rxnorm", code="855332"),
)

case(
    "medication_r5_concept",
    "needs_clearance",
    "a MedicationStatement written as R5 writes it: warfarin in 'medication.concept' (a"
    " CodeableReference), taken: a blood thinner",
    {
        "resourceType": "MedicationStatement",
        "status": "active",
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-09-01",
        "medication": {
            "concept": {"coding": [coding(RXNORM, "855332", "Warfarin Sodium 5 MG Oral Tablet")]}
        },
    },
)


def problem_list(*entries: dict[str, Any], status: str = "current") -> Resource:
    return {
        "resourceType": "List",
        "status": status,
        "mode": "working",
        "title": "Problem list",
        "subject": {"reference": "Patient/p1"},
        "date": "2026-11-18",
        "entry": list(entries),
    }


case(
    "list_entry_display_only",
    "needs_data",
    "a problem List whose entry names 'Cauda equina syndrome' only by its display (the"
    " Condition it points to is not in the record): the list's words, to confirm",
    problem_list({"item": {"reference": "Condition/ces-1", "display": "Cauda equina syndrome"}}),
)
case(
    "list_entry_words_without_reference",
    "needs_data",
    "a problem List whose entry is words alone, 'Metastatic breast cancer to spine': to confirm",
    problem_list({"item": {"display": "Metastatic breast cancer to spine"}}),
)
case(
    "list_entry_display_deleted",
    "allowed",
    "a problem List whose only entry, 'Cauda equina syndrome', is marked deleted",
    problem_list({"deleted": True, "item": {"display": "Cauda equina syndrome"}}),
)
case(
    "list_retired",
    "allowed",
    "a retired problem List naming 'Cauda equina syndrome': no longer kept",
    problem_list({"item": {"display": "Cauda equina syndrome"}}, status="retired"),
)

case(
    "medication_snomed_warfarin_product",
    "needs_clearance",
    "a MedicationStatement coded SNOMED CT 48603004 'Product containing warfarin', taken: a"
    " blood thinner (the KB's definition: any product with warfarin as active ingredient)",
    medication("MedicationStatement", SNOMED, "48603004"),
)

case(
    "questionnaire_authored_unreadable",
    "refer_urgently",
    "saddle anaesthesia answered yes on a form whose date is written '20.11.2026' (not FHIR's"
    " form): the answers are of no known day, never dropped with the date",
    {**response(saddle_anaesthesia=True), "authored": "20.11.2026"},
)
case(
    "questionnaire_yes_as_string_one",
    "refer_urgently",
    "saddle anaesthesia answered valueString '1', as REDCap exports a yes: a yes",
    intake_items({"linkId": "saddle_anaesthesia", "answer": [{"valueString": "1"}]}),
)
case(
    "questionnaire_yes_local_code_with_words",
    "needs_clearance",
    "'takes a blood thinner' answered with a local code '1' whose display is 'Yes': a yes",
    intake_items(
        {
            "linkId": "takes_anticoagulant",
            "answer": [{"valueCoding": {"system": "urn:local:yn", "code": "1", "display": "Yes"}}],
        }
    ),
)
case(
    "questionnaire_unfinished_yes_as_one",
    "needs_data",
    "saddle anaesthesia answered valueInteger 1 on a form still in progress: a yes on a form"
    " not finished, to confirm",
    {
        **response("in-progress"),
        "item": [
            {
                "linkId": "answers",
                "item": [{"linkId": "saddle_anaesthesia", "answer": [{"valueInteger": 1}]}],
            }
        ],
    },
)
case(
    "questionnaire_yes_no_answered_with_a_date",
    "needs_data",
    "the saddle anaesthesia question answered with a date (valueDate): an answer, but no yes"
    " or no; unknown, never a no",
    intake_items({"linkId": "saddle_anaesthesia", "answer": [{"valueDate": "2026-11-18"}]}),
)
case(
    "questionnaire_phase_by_label",
    "needs_clearance",
    "the herniation stage answered with the choice's words, 'Surgery planned or just done'"
    " (valueString), not its code: the surgery choice",
    intake_items(
        {"linkId": "herniation_phase", "answer": [{"valueString": "Surgery planned or just done"}]}
    ),
)
case(
    "questionnaire_phase_by_russian_label",
    "needs_clearance",
    "the herniation stage answered 'Операция запланирована или только что проведена' (the"
    " choice's Russian words) under a local code: the surgery choice",
    intake_items(
        {
            "linkId": "herniation_phase",
            "answer": [
                {
                    "valueCoding": {
                        "system": "urn:local:phase",
                        "code": "2",
                        "display": "Операция запланирована или только что проведена",
                    }
                }
            ],
        }
    ),
)
case(
    "questionnaire_phase_unreadable",
    "needs_data",
    "the herniation stage answered 'just had an operation', none of the choices: unknown,"
    " never read as another stage",
    intake_items(
        {"linkId": "herniation_phase", "answer": [{"valueString": "just had an operation"}]}
    ),
)
case(
    "questionnaire_other_form_yes_as_one",
    "needs_data",
    "a clinic's own form: 'Saddle anaesthesia?' answered 1 (valueInteger, a yes as REDCap"
    " exports it): the red flag to confirm",
    other_form(asked("rf1", "Saddle anaesthesia?", {"valueInteger": 1})),
)

case(
    "document_plain_lines_negation_ends",
    "needs_data",
    "a plain-text note 'No fever' and, on the next line, 'Urinary retention': the line ends"
    " the negation; the retention is to confirm",
    document("text/plain", "Review of systems\nNo fever\nUrinary retention since Monday"),
)
case(
    "document_html_items_negation_ends",
    "needs_data",
    "an HTML note listing '<li>No fever</li><li>Saddle anaesthesia</li>': each item is a"
    " clause of its own; the saddle anaesthesia is to confirm",
    document("text/html", "<ul><li>No fever</li><li>Saddle anaesthesia</li></ul>"),
)
case(
    "document_html_table_answered_no",
    "allowed",
    "an HTML note whose table row reads 'Urinary retention | No': the row's answer is a no",
    document(
        "text/html",
        "<table><tr><td>Urinary retention</td><td>No</td></tr>"
        "<tr><td>Saddle anaesthesia</td><td>No</td></tr></table>",
    ),
)
case(
    "text_bullets_negation_ends",
    "needs_data",
    "'Red flags: • No fever • Saddle anaesthesia' in a diagnosis's words: a bullet ends"
    " the negation",
    condition(text="Red flags: • No fever • Saddle anaesthesia"),
)

case(
    "text_previously_well_then_retention",
    "needs_data",
    "'Previously well until 3 days ago when developed urinary retention': 'previously well' is no history cue: the retention is current, to confirm",
    condition(text="Previously well until 3 days ago when developed urinary retention"),
)
case(
    "text_lives_with_daughter_retention",
    "needs_data",
    "'Lives with daughter and has urinary retention since Monday': a daughter the patient lives with is no family history: the retention is the patient's",
    condition(text="Lives with daughter and has urinary retention since Monday"),
)
case(
    "text_ces_cant_be_excluded",
    "needs_data",
    "'CES can't be excluded': a doubt written with 'can't' is no negation: cauda equina to confirm",
    condition(text="CES can't be excluded"),
)
case(
    "text_hx_of_fall_and_fracture",
    "needs_data",
    "'Hx of fall yesterday and L1 compression fracture on CT': the history of a fall is no history of the fracture it brought",
    condition(text="Hx of fall yesterday and L1 compression fracture on CT"),
)
case(
    "text_retention_nil",
    "allowed",
    "'Urinary retention: nil': 'nil' after the finding is a no",
    condition(text="Urinary retention: nil"),
)
case(
    "text_family_mum_breast_cancer",
    "allowed",
    "'Mum had breast cancer': 'Mum' is a relative: her cancer is no finding of the patient's",
    condition(text="Mum had breast cancer"),
)
case(
    "text_unable_to_pass_water",
    "needs_data",
    "'Unable to pass water since this morning': urinary retention in everyday words, to confirm",
    condition(text="Unable to pass water since this morning"),
)
case(
    "text_deckplatteneinbruch",
    "needs_data",
    "'Deckplatteneinbruch BWK 12': a collapse of a vertebral end plate (German): a vertebral fracture to confirm",
    condition(text="Deckplatteneinbruch BWK 12"),
)
case(
    "text_spinal_deposits",
    "needs_data",
    "'Secondary deposits in the spine': spinal metastases in British words, to confirm",
    condition(text="Secondary deposits in the spine"),
)
case(
    "text_back_op_two_weeks",
    "needs_data",
    "'Recent back op 2 weeks ago' written on 6 Nov: a recent spine operation in everyday"
    " words, to confirm",
    condition(text="Recent back op 2 weeks ago", onset="2026-11-06"),
)
case(
    "text_pelvic_organ_dysfunction_ru",
    "needs_data",
    "'Дисфункция тазовых органов': bladder and bowel dysfunction (Russian), to confirm",
    condition(text="Дисфункция тазовых органов"),
)

CPT = "http://www.ama-assn.org/go/cpt"
case(
    "procedure_cpt_with_modifier",
    "needs_clearance",
    "CPT '63030-LT' (a lumbar laminotomy with its side modifier, as claims write it) on 10"
    " November: the CPT code 63030, a recent spine operation",
    coded_procedure(CPT, "63030-LT", "2026-11-10"),
)
case(
    "procedure_period_end_only",
    "needs_clearance",
    "a lumbar microdiscectomy whose performedPeriod gives only its end, 15 October: done by"
    " that day, a recent operation",
    surgery(performedPeriod={"end": "2026-10-15"}),
)
case(
    "claim_procedure_reference_contained",
    "needs_clearance",
    "a claim whose procedure entry (dated 20 October) points to a Procedure it holds"
    " (CPT 22612, no date of its own): that operation, on the entry's day",
    operation_bill(
        "2026-10-20",
        "2026-10-22",
        procedure=[
            {"sequence": 1, "date": "2026-10-20", "procedureReference": {"reference": "#pr1"}}
        ],
        contained=[
            {
                "resourceType": "Procedure",
                "id": "pr1",
                "status": "completed",
                "subject": {"reference": "Patient/p1"},
                "code": {"coding": [coding(CPT, "22612")]},
            }
        ],
    ),
)
case(
    "claim_procedure_reference_display",
    "needs_data",
    "a claim whose procedure entry points to a Procedure the record does not hold, shown as"
    " 'Lumbar fusion L4-5': its words, to confirm",
    operation_bill(
        "2026-10-20",
        "2026-10-22",
        procedure=[
            {
                "sequence": 1,
                "date": "2026-10-20",
                "procedureReference": {
                    "reference": "Procedure/zzz",
                    "display": "Lumbar fusion L4-5",
                },
            }
        ],
    ),
)
case(
    "procedure_text_pedicle_screw_fixation",
    "needs_data",
    "a Procedure named only 'Pedicle screw fixation L4-L5' on 1 November: a spine operation"
    " in words, to confirm",
    {
        "resourceType": "Procedure",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "code": {"text": "Pedicle screw fixation L4-L5"},
        "performedDateTime": "2026-11-01",
    },
)

case(
    "prose_temperature_diagnosis_recorded_only",
    "needs_data",
    "a diagnosis written 'Temp 38.9 C', dated only by when it was recorded (today): a"
    " reading named by its words, to confirm",
    condition(text="Temp 38.9 C", onset=None, recorded=DAY),
)
case(
    "prose_temperature_visit_reason",
    "needs_data",
    "a visit today whose reason is written 'Temp 38.9 C': a reading named by its words",
    encounter(period={"start": "2026-11-20T10:00:00+03:00"}, reasonCode=[{"text": "Temp 38.9 C"}]),
)
case(
    "prose_temperature_after_a_heading",
    "needs_data",
    "a clinic letter of today whose section reads 'Assessment: Temp 38.9 C': the reading"
    " after the heading, named by its words",
    {
        "resourceType": "Composition",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "date": DAY,
        "type": {"text": "Clinic letter"},
        "title": "Clinic letter",
        "author": [{"display": "Dr X"}],
        "section": [
            {
                "title": "Assessment",
                "text": {"status": "generated", "div": "<div>Temp 38.9 C</div>"},
            }
        ],
    },
)

case(
    "other_form_difficulty_walking",
    "needs_data",
    "a clinic's own form asks 'Difficulty walking / balance problems?', answered yes: a new unsteadiness when walking (gait disturbance) to confirm",
    other_form(asked("q1", "Difficulty walking / balance problems?", {"valueBoolean": True})),
)
case(
    "other_form_pain_wakes_at_night",
    "needs_data",
    "a clinic's own form asks 'Pain that wakes you at night?', answered yes: night pain to confirm",
    other_form(asked("q1", "Pain that wakes you at night?", {"valueBoolean": True})),
)
case(
    "other_form_bowel_bladder_changes",
    "needs_data",
    "a clinic's own form asks 'Bowel/bladder changes?', answered yes: bladder or bowel dysfunction to confirm",
    other_form(asked("q1", "Bowel/bladder changes?", {"valueBoolean": True})),
)
case(
    "other_form_numbness_groin_buttocks",
    "needs_data",
    "a clinic's own form asks 'Numbness in groin or buttocks?', answered yes: saddle anaesthesia to confirm",
    other_form(asked("q1", "Numbness in groin or buttocks?", {"valueBoolean": True})),
)
case(
    "other_form_blasen_darmkontrolle",
    "needs_data",
    "a clinic's own form asks 'Haben Sie Probleme mit der Blasen- oder Darmkontrolle?', answered yes: bladder or bowel dysfunction (German) to confirm",
    other_form(
        asked(
            "q1", "Haben Sie Probleme mit der Blasen- oder Darmkontrolle?", {"valueBoolean": True}
        )
    ),
)
case(
    "other_form_clumsy_hands",
    "needs_data",
    "a clinic's own form asks 'Clumsy or weak hands?', answered yes: clumsy hands (myelopathy) to confirm",
    other_form(asked("q1", "Clumsy or weak hands?", {"valueBoolean": True})),
)

case(
    "text_declined_spinal_surgery",
    "allowed",
    "'Declined spinal surgery' (written on 10 Nov): an operation refused is none done",
    condition(text="Declined spinal surgery", onset="2026-11-10"),
)


def document_bytes(kind: str, raw: bytes) -> Resource:
    """A DocumentReference whose attachment holds ``raw`` as it is (an older system's code
    page, no charset declared)."""
    import base64

    return {
        **document(kind, ""),
        "content": [{"attachment": {"contentType": kind, "data": base64.b64encode(raw).decode()}}],
    }


case(
    "document_cp1251_without_charset",
    "needs_data",
    "a plain-text note in windows-1251 ('Жалобы: задержка мочи') with no charset declared, as"
    " older Russian systems export it: read in the code page its letters fit, to confirm",
    document_bytes("text/plain", "Жалобы: задержка мочи".encode("cp1251")),
)
case(
    "document_rtf_cyrillic_escapes",
    "needs_data",
    "an RTF letter (\\ansicpg1251) whose Cyrillic words are escaped bytes ('\\'e7...'):"
    " 'задержка мочи' read, to confirm",
    document_bytes(
        "text/rtf",
        b"{\\rtf1\\ansi\\ansicpg1251 "
        + "".join(f"\\'{b:02x}" for b in "задержка мочи".encode("cp1251")).encode()
        + b"}",
    ),
)
case(
    "document_html_meta_charset",
    "needs_data",
    "an HTML note declaring windows-1251 only in its <meta charset>: 'Задержка мочи' read",
    document_bytes(
        "text/html",
        '<html><head><meta charset="windows-1251"></head><body><p>Задержка мочи</p></body></html>'.encode(
            "cp1251"
        ),
    ),
)
case(
    "document_base64_url_safe",
    "needs_data",
    "a note whose base64 uses the URL-safe alphabet without padding: 'Saddle anaesthesia"
    " since Monday??' read",
    {
        **document("text/plain", ""),
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain",
                    "data": b64("Saddle anaesthesia since Monday??")
                    .replace("+", "-")
                    .replace("/", "_")
                    .rstrip("="),
                }
            }
        ],
    },
)

case(
    "questionnaire_undated_yes_then_dated_no",
    "needs_data",
    "saddle anaesthesia answered yes on a form of no date, and no on a form of today: the"
    " yes, of no known day, may be the later answer; unknown, to confirm",
    {k: v for k, v in response(saddle_anaesthesia=True).items() if k != "authored"},
    answered_on("2026-11-20T09:15:00+03:00", saddle_anaesthesia=False),
)

case(
    "claim_procedure_reference_malformed",
    "allowed",
    "a claim whose procedure reference is written as a list (['x'], not text): it names"
    " nothing the reader can follow; the rest of the record is read, never refused",
    operation_bill(
        "2026-11-10",
        "2026-11-10",
        procedure=[{"sequence": 1, "procedureReference": {"reference": ["x"]}}],
    ),
)


for name, verdict, system, code, display in (
    ("icd10_reflex_neuropathic_bladder", "refer_urgently", ICD10, "N31.1", None),
    ("icd10gm_flaccid_neuropathic_bladder", "refer_urgently", ICD10GM, "N31.2", None),
    ("icd10cm_other_neuromuscular_bladder", "refer_urgently", ICD10CM, "N31.8", None),
    ("icd10_neurogenic_bowel", "refer_urgently", ICD10, "K59.2", None),
    ("snomed_neurogenic_bladder", "refer_urgently", SNOMED, "398064005", None),
    ("snomed_spinal_cord_compression", "refer_urgently", SNOMED, "71286001", None),
):
    case(
        f"code_{name}",
        verdict,
        f"a diagnosis coded {code} alone: a loss of bladder or bowel control of nervous"
        " cause, or a compressed spinal cord, the red flag's own code",
        condition(system, code, display),
    )
for lang, words in (
    ("en", "Neurogenic bladder"),
    ("ru", "Нейрогенный мочевой пузырь"),
    ("de", "Neurogene Blasenstörung"),
):
    case(
        f"text_neurogenic_bladder_{lang}",
        "needs_data",
        f"'{words}' in a diagnosis's words: a loss of bladder control of nervous cause, to confirm",
        condition(text=words),
    )


case(
    "questionnaire_other_form_group_names_the_flag",
    "needs_data",
    "a clinic's form whose group 'Numbness in the saddle area' holds one item 'Present?'"
    " answered yes: the finding is named by the group's words, to confirm",
    other_form(
        {
            "linkId": "g1",
            "text": "Numbness in the saddle area",
            "item": [asked("g1.1", "Present?", {"valueBoolean": True})],
        }
    ),
)
case(
    "questionnaire_other_form_group_names_the_flag_answered_no",
    "allowed",
    "the same group's 'Present?' answered no: nothing found",
    other_form(
        {
            "linkId": "g1",
            "text": "Numbness in the saddle area",
            "item": [asked("g1.1", "Present?", {"valueBoolean": False})],
        }
    ),
)
case(
    "questionnaire_other_form_group_ru_names_the_flag",
    "needs_data",
    "a group 'Задержка мочи' whose item 'Есть?' is answered 'Да': the group's words name"
    " the finding, to confirm",
    other_form(
        {
            "linkId": "g1",
            "text": "Задержка мочи",
            "item": [asked("g1.1", "Есть?", {"valueString": "Да"})],
        }
    ),
)


CES_CODE = {"coding": [{"system": ICD10, "code": "G83.4", "display": "Cauda equina syndrome"}]}
for status in ("in-progress", "onleave"):
    case(
        f"encounter_open_{status}_reason_after_30_days",
        "refer_urgently",
        f"an admission '{status}' since 1 October (no end) for cauda equina syndrome: a visit"
        " still going, its diagnosis in force (not ended with its first day)",
        encounter(status=status, period={"start": "2026-10-01"}, reasonCode=[CES_CODE]),
    )
case(
    "encounter_finished_without_end_reason_after_30_days",
    "allowed",
    "a finished visit of 1 October with no end, for cauda equina syndrome: a visit of one"
    " day, its diagnosis counts 30 days",
    encounter(period={"start": "2026-10-01"}, reasonCode=[CES_CODE]),
)
staged = condition(ICD10CM, "N18.9", "Chronic kidney disease, unspecified")
case(
    "condition_stage_coded_ckd5",
    "contraindicated",
    "'Chronic kidney disease, unspecified' staged SNOMED CT 433146000 (CKD stage 5) in"
    " Condition.stage.summary: the stage's code is the diagnosis's",
    {
        **staged,
        "stage": [
            {"summary": {"coding": [coding(SNOMED, "433146000", "Chronic kidney disease stage 5")]}}
        ],
    },
)
case(
    "condition_stage_text_ckd5",
    "needs_data",
    "'Chronic kidney disease, unspecified' staged in words 'Stage 5': 'Chronic kidney disease"
    " Stage 5', to confirm",
    {**staged, "stage": [{"summary": {"text": "Stage 5"}}]},
)
case(
    "condition_evidence_detail_display",
    "needs_data",
    "low back pain whose evidence is named only in words, 'MRI: L2 vertebral metastasis':"
    " the evidence's words, to confirm",
    {
        **condition(ICD10CM, "M54.50", "Low back pain, unspecified"),
        "evidence": [{"detail": [{"display": "MRI: L2 vertebral metastasis"}]}],
    },
)


def care_plan(*activities: Resource, status: str = "active") -> Resource:
    return {
        "resourceType": "CarePlan",
        "status": status,
        "intent": "plan",
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "2026-11-01"},
        "activity": list(activities),
    }


APIXABAN = coding(RXNORM, "1364445", "apixaban 5 MG Oral Tablet")
case(
    "careplan_activity_product_apixaban",
    "needs_data",
    "an active care plan whose activity gives apixaban (productCodeableConcept): a blood"
    " thinner named by the plan, to confirm",
    care_plan(
        {"detail": {"status": "in-progress", "productCodeableConcept": {"coding": [APIXABAN]}}}
    ),
)
case(
    "careplan_activity_cancelled_product_apixaban",
    "allowed",
    "the same activity cancelled: it says nothing",
    care_plan(
        {"detail": {"status": "cancelled", "productCodeableConcept": {"coding": [APIXABAN]}}}
    ),
)
case(
    "careplan_activity_reason_bone_metastases",
    "needs_data",
    "a care plan activity done for 'Secondary malignant neoplasm of bone' (detail.reasonCode"
    " C79.51): to confirm",
    care_plan(
        {
            "detail": {
                "status": "scheduled",
                "description": "Palliative radiotherapy",
                "reasonCode": [
                    {"coding": [coding(ICD10CM, "C79.51", "Secondary malignant neoplasm of bone")]}
                ],
            }
        }
    ),
)
case(
    "careplan_activity_reference_display",
    "needs_data",
    "a care plan activity that names its order only in words: 'Xarelto 20 mg daily'",
    care_plan({"reference": {"display": "Xarelto 20 mg daily"}}),
)
case(
    "careplan_completed_activity_description",
    "allowed",
    "a completed care plan (ended) whose activity says 'Weekly INR check while on warfarin': past",
    {
        **care_plan({"detail": {"description": "Weekly INR check while on warfarin"}}),
        "status": "completed",
        "period": {"start": "2025-01-01", "end": "2025-03-01"},
    },
)
case(
    "appointment_reason_dvt",
    "contraindicated",
    "an Appointment booked for deep venous thrombosis (reasonCode SNOMED CT 128053003): a"
    " visit's diagnosis",
    {
        "resourceType": "Appointment",
        "status": "booked",
        "start": "2026-11-21T09:00:00+03:00",
        "created": "2026-11-19",
        "reasonCode": [{"coding": [coding(SNOMED, "128053003", "Deep venous thrombosis")]}],
        "participant": [{"actor": {"reference": "Patient/p1"}, "status": "accepted"}],
    },
)
case(
    "appointment_reason_text_cauda_equina",
    "needs_data",
    "an Appointment 'Urgent: suspected cauda equina' (reasonCode text): to confirm",
    {
        "resourceType": "Appointment",
        "status": "booked",
        "start": "2026-11-20T15:00:00+03:00",
        "reasonCode": [{"text": "Urgent: suspected cauda equina"}],
        "participant": [{"actor": {"reference": "Patient/p1"}, "status": "accepted"}],
    },
)
case(
    "appointment_cancelled_reason_dvt",
    "allowed",
    "a cancelled Appointment for deep venous thrombosis: it says nothing",
    {
        "resourceType": "Appointment",
        "status": "cancelled",
        "start": "2026-11-21T09:00:00+03:00",
        "reasonCode": [{"coding": [coding(SNOMED, "128053003", "Deep venous thrombosis")]}],
        "participant": [{"actor": {"reference": "Patient/p1"}, "status": "declined"}],
    },
)
case(
    "goal_description_chemotherapy",
    "needs_data",
    "a Goal 'Complete chemotherapy for metastatic breast cancer' (active): to confirm",
    {
        "resourceType": "Goal",
        "lifecycleStatus": "active",
        "startDate": "2026-10-01",
        "subject": {"reference": "Patient/p1"},
        "description": {"text": "Complete chemotherapy for metastatic breast cancer"},
    },
)
case(
    "goal_rejected_description_chemotherapy",
    "allowed",
    "the same Goal rejected: it says nothing",
    {
        "resourceType": "Goal",
        "lifecycleStatus": "rejected",
        "startDate": "2026-10-01",
        "subject": {"reference": "Patient/p1"},
        "description": {"text": "Complete chemotherapy for metastatic breast cancer"},
    },
)
case(
    "device_request_reason_c2_fracture",
    "refer_urgently",
    "a cervical collar ordered for a fracture of the second cervical vertebra (DeviceRequest"
    " reasonCode ICD-10-CM S12.100A)",
    {
        "resourceType": "DeviceRequest",
        "status": "active",
        "intent": "order",
        "authoredOn": "2026-11-19",
        "subject": {"reference": "Patient/p1"},
        "codeCodeableConcept": {"text": "Cervical collar"},
        "reasonCode": [
            {"coding": [coding(ICD10CM, "S12.100A", "Unspecified displaced fracture of C2")]}
        ],
    },
)
case(
    "communication_request_payload_saddle",
    "needs_data",
    "a CommunicationRequest 'New saddle anaesthesia, suspected cauda equina - please call':"
    " to confirm",
    {
        "resourceType": "CommunicationRequest",
        "status": "active",
        "authoredOn": "2026-11-20",
        "subject": {"reference": "Patient/p1"},
        "payload": [
            {"contentString": "New saddle anaesthesia, suspected cauda equina - please call"}
        ],
    },
)
case(
    "medication_request_note_names_warfarin",
    "needs_data",
    "ondansetron ordered with the note 'Pt also takes warfarin from outside cardiologist':"
    " a blood thinner named, to confirm",
    {
        **medication(code="312087", display="ondansetron 4 MG Oral Tablet"),
        "note": [{"text": "Pt also takes warfarin from outside cardiologist"}],
    },
)


for name, codes, text in (
    ("snomed_no_display", [coding(SNOMED, "60001007")], None),
    ("loinc_no_display", [coding(LOINC, "LA26683-5")], None),
    ("us_core", [coding(SNOMED, "60001007", "Not pregnant")], "Not pregnant"),
):
    case(
        f"pregnancy_status_not_pregnant_{name}",
        "allowed",
        "pregnancy status answered 'not pregnant' by its code (SNOMED CT 60001007 or LOINC"
        " LA26683-5, as US Core sends it): no pregnancy",
        observation(
            "82810-3",
            {"coding": codes, **({"text": text} if text else {})},
            key="valueCodeableConcept",
        ),
    )
case(
    "pregnancy_status_unknown_answer",
    "needs_data",
    "pregnancy status answered 'unknown' (SNOMED CT 261665006): to confirm",
    observation("82810-3", {"coding": [coding(SNOMED, "261665006")]}, key="valueCodeableConcept"),
)
case(
    "pregnancy_test_negative_snomed",
    "allowed",
    "a urine hCG test (2106-3) answered SNOMED CT 260385009 Negative, no display: no pregnancy",
    observation("2106-3", {"coding": [coding(SNOMED, "260385009")]}, key="valueCodeableConcept"),
)
case(
    "fever_finding_negative",
    "allowed",
    "fever recorded as a finding (SNOMED CT 386661006) answered LOINC LA6577-6 Negative, a"
    " temperature taken: no fever",
    observation(
        "386661006",
        {"coding": [coding(LOINC, "LA6577-6")]},
        key="valueCodeableConcept",
        system=SNOMED,
    ),
)
for name, verdict, made in (
    (
        "coded_icd10cm",
        "allowed",
        condition(ICD10CM, "D12.6", "Benign neoplasm of colon, unspecified"),
    ),
    ("text_en", "allowed", condition(text="Benign neoplasm of colon (tubular adenoma)")),
    ("text_ru", "allowed", condition(text="Доброкачественное новообразование ободочной кишки")),
    ("text_de", "allowed", condition(text="Gutartige Neubildung des Dickdarms")),
):
    case(
        f"benign_neoplasm_{name}",
        verdict,
        "a benign neoplasm in words (a colon polyp): no cancer (KB text_cues not_named; it"
        " asked to confirm one); 'benign' alone is still no negation ('thought benign now"
        " metastatic carcinoma of spine')",
        made,
    )
case(
    "text_prevent_does_not_hide_the_finding",
    "needs_data",
    "'Apixaban to prevent recurrence of DVT' in a diagnosis's words: the deep vein"
    " thrombosis is the patient's, to confirm",
    condition(text="Apixaban to prevent recurrence of DVT"),
)
case(
    "malignant_neoplasm_text_still_read",
    "needs_data",
    "'Malignant neoplasm of colon' in words: a cancer to confirm",
    condition(text="Malignant neoplasm of colon"),
)


case(
    "next_day_condition_recorded_utc",
    "needs_data",
    "cauda equina syndrome recorded 2026-11-21T01:30:00Z (20:30 in New York on the screening"
    " day) with no onset: dated the day after, it may be of this day, to confirm",
    {
        **condition(ICD10, "G83.4", "Cauda equina syndrome", onset=None),
        "recordedDate": "2026-11-21T01:30:00Z",
    },
)
case(
    "two_days_ahead_condition_recorded",
    "allowed",
    "cauda equina syndrome recorded two days after the screening day: not yet recorded",
    {
        **condition(ICD10, "G83.4", "Cauda equina syndrome", onset=None),
        "recordedDate": "2026-11-22",
    },
)
case(
    "next_day_medication_authored_utc",
    "needs_data",
    "apixaban ordered 2026-11-21T01:30:00Z, no earlier start: dated the day after, it may"
    " be of this day, to confirm",
    {
        **medication(code="1364445", display="apixaban 5 MG Oral Tablet", start="2026-11-21"),
        "authoredOn": "2026-11-21T01:30:00Z",
    },
)
case(
    "next_day_procedure_utc",
    "needs_data",
    "a lumbar fusion (CPT 22612) performed 2026-11-21T01:30:00Z: dated the day after, a"
    " recent spinal operation to confirm",
    {
        "resourceType": "Procedure",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [coding(CPT, "22612", "Lumbar spinal fusion")]},
        "performedDateTime": "2026-11-21T01:30:00Z",
    },
)


case(
    "text_ru_finding_then_not_noted",
    "allowed",
    "'Задержка мочи: не отмечает' (urinary retention: does not report) in a diagnosis's"
    " words: denied, though 'отмечает' (reports) ends a cue's reach elsewhere",
    condition(text="Задержка мочи: не отмечает"),
)
case(
    "text_ru_notes_the_finding",
    "needs_data",
    "'Пациентка отмечает задержку мочи' (the patient reports urinary retention): to confirm",
    condition(text="Пациентка отмечает задержку мочи"),
)


for name, words in (
    ("thoracic", "Brustwirbelfraktur"),
    ("cervical", "Halswirbelfraktur"),
    ("lumbar_body", "Lendenwirbelkörperfraktur"),
    ("lumbar_level", "Lendenwirbelfraktur LWK 1"),
):
    case(
        f"text_de_vertebral_fracture_compound_{name}",
        "needs_data",
        f"'{words}' in a diagnosis's words (ISiK's free-text diagnosis): a vertebral fracture"
        " in one German compound, to confirm",
        condition(text=words),
    )
case(
    "average_blood_pressure_us_core_high",
    "needs_data",
    "US Core's Average Blood Pressure (LOINC 96607-7, mean pressures 96608-5 186 and 96609-3"
    " 114 over three days) and no other reading: an average decides nothing by itself, but"
    " a high one is never dropped: the pressure is to confirm, the average named",
    {
        "resourceType": "Observation",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": {
            "text": "Avg Blood pressure systolic and diastolic",
            "coding": [
                coding(LOINC, "96607-7", "Blood pressure panel mean systolic and mean diastolic")
            ],
        },
        "effectivePeriod": {"start": "2026-11-16T01:06:52Z", "end": "2026-11-19T13:07:01Z"},
        "component": [
            {
                "code": {
                    "text": "Average systolic blood pressure",
                    "coding": [coding(LOINC, "96608-5", "Systolic blood pressure mean")],
                },
                "valueQuantity": {"value": 186, "unit": "mm[Hg]", "code": "mm[Hg]"},
            },
            {
                "code": {
                    "text": "Average diastolic blood pressure",
                    "coding": [coding(LOINC, "96609-3", "Diastolic blood pressure mean")],
                },
                "valueQuantity": {"value": 114, "unit": "mm[Hg]", "code": "mm[Hg]"},
            },
        ],
    },
    without={"bp"},
)
CCD_SECTION = (
    '<section><code code="{code}" codeSystem="2.16.840.1.113883.6.1" displayName="{title}"/>'
    "<title>{title}</title><text><table><tr><td>{row}</td></tr></table></text></section>"
)


def ccd(*sections: str) -> str:
    body = "".join(f"<component>{part}</component>" for part in sections)
    return (
        '<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3"><component>'
        f"<structuredBody>{body}</structuredBody></component></ClinicalDocument>"
    )


FAMILY = CCD_SECTION.format(
    code="10157-6", title="Family History", row="Father (deceased): Myocardial Infarction"
)
VACCINES = CCD_SECTION.format(
    code="11369-6", title="Immunizations", row="Influenza, seasonal, IM: completed"
)
case(
    "ccd_family_history_and_immunizations_sections",
    "allowed",
    "a CDA summary (DocumentReference, text/xml) holding only a family history section"
    " (father died of a myocardial infarction) and an immunizations section (seasonal"
    " influenza vaccine): a relative's and a vaccine's, not the patient's findings",
    document("text/xml", ccd(FAMILY, VACCINES)),
)
case(
    "ccd_problem_section_read_beside_family_history",
    "needs_data",
    "the same CDA summary with a problems section naming saddle anaesthesia: the patient's,"
    " to confirm",
    document(
        "text/xml",
        ccd(
            FAMILY,
            CCD_SECTION.format(code="11450-4", title="Problems", row="Saddle anaesthesia"),
        ),
    ),
)
case(
    "composition_family_history_section",
    "allowed",
    "a Composition whose Family history section (LOINC 10157-6) says 'Mother: breast cancer;"
    " brother: DVT': a relative's",
    {
        "resourceType": "Composition",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "date": "2026-11-18",
        "type": {"text": "Discharge summary"},
        "title": "Discharge summary",
        "section": [
            {
                "title": "Family history",
                "code": {"coding": [coding(LOINC, "10157-6", "History of family member diseases")]},
                "text": {
                    "status": "generated",
                    "div": '<div xmlns="http://www.w3.org/1999/xhtml">Mother: breast cancer;'
                    " brother: DVT at 40</div>",
                },
            }
        ],
    },
)


case(
    "snomed_haemophilia_code_only",
    "contraindicated",
    "a Condition coded SNOMED CT 90935002 (Haemophilia), a child of 64779008 (blood"
    " coagulation disorder), with no display: a coagulation disorder",
    condition(SNOMED, "90935002"),
)
case(
    "icd10gm_manifestation_code_in_extension",
    "refer_urgently",
    "ICD-10-GM A18.0 (tuberculosis of bones and joints) carrying its star code M49.0"
    " (tuberculosis of the spine) in the coding's icd-10-gm-manifestationscode extension, as"
    " the German base profile writes a cross-star pair: a spinal infection",
    {
        **condition(ICD10GM, "A18.0"),
        "code": {
            "coding": [
                {
                    **coding(ICD10GM, "A18.0"),
                    "extension": [
                        {
                            "url": "http://fhir.de/StructureDefinition/icd-10-gm-manifestationscode",
                            "valueCoding": coding(ICD10GM, "M49.0"),
                        }
                    ],
                }
            ]
        },
    },
)


def vitals_text(text: str) -> Resource:
    """An Observation under a local code whose text value holds readings in words."""
    return {
        "resourceType": "Observation",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": {"text": "Vitals"},
        "effectiveDateTime": DAY,
        "valueString": text,
    }


case(
    "vitals_text_bp_was_high",
    "needs_data",
    "no blood pressure Observation; a vitals note 'BP was 200/120, Temp of 36.6': a reading"
    " in words, the pressure to confirm (words between the name and the value)",
    vitals_text("BP was 200/120, Temp of 36.6"),
    without={"bp"},
)
case(
    "vitals_text_repeat_bp_on_recheck",
    "needs_data",
    "'Repeat BP on recheck 200/120' beside a normal reading of the day: to confirm",
    vitals_text("Repeat BP on recheck 200/120"),
)
case(
    "vitals_text_tmax_fever",
    "needs_data",
    "'Tmax 38.9' in a vitals note beside a normal temperature: the fever to confirm",
    vitals_text("Tmax 38.9"),
)
for name, verdict, words, why in (
    (
        "vitals_text_b_slash_p",
        "needs_data",
        "B/P: 185/112",
        "'B/P' is the blood pressure, the pressure to confirm",
    ),
    (
        "vitals_text_bp_reading",
        "needs_data",
        "BP reading 185/112",
        "a word such as 'reading' between the name and the value: a reading still",
    ),
    (
        "vitals_text_german_rr_pair",
        "needs_data",
        "RR 190/110 mmHg, Puls 88",
        "the German 'RR' (Riva-Rocci) before a pair of values is the blood pressure",
    ),
    (
        "vitals_text_rr_rate_is_no_pressure",
        "allowed",
        "RR 18, SpO2 97 %",
        "'RR' before one number is a respiratory rate, no blood pressure",
    ),
    (
        "vitals_text_temperature_this_morning",
        "needs_data",
        "Temperature this morning 38.4",
        "'this morning' between the name and the value: the fever to confirm",
    ),
    (
        "vitals_text_russian_latin_t",
        "needs_data",
        "t тела 38,5°C",
        "'t тела' written with a Latin t is the body temperature: the fever to confirm",
    ),
    (
        "vitals_text_german_axillary",
        "needs_data",
        "Temp. axillär 38,4 °C",
        "a temperature with its site between the name and the value: the fever to confirm",
    ),
):
    case(
        name, verdict, f"a vitals note '{words}' beside normal readings: {why}", vitals_text(words)
    )


case(
    "text_pain_for_years_is_no_reading",
    "allowed",
    "'Back pain for 10 years' in a diagnosis's words: ten is no pain score (only a few words"
    " such as 'was' or 'of' may stand between a measure's name and its value)",
    condition(text="Back pain for 10 years, BP meds increased 2 days ago", onset=DAY),
)


case(
    "status_in_words_resolved",
    "allowed",
    "a deep venous thrombosis (I82.4) whose clinicalStatus is given only in words,"
    " {'text': 'Resolved'}: resolved, not in force",
    {**condition(ICD10, "I82.4", clinical=None), "clinicalStatus": {"text": "Resolved"}},
)
case(
    "verification_in_words_entered_in_error",
    "allowed",
    "bone metastases (C79.5) whose verificationStatus is given only in words, 'Entered in"
    " error': not the patient's",
    {
        **condition(ICD10, "C79.5"),
        "verificationStatus": {"text": "Entered in error"},
    },
)


for name, verdict, words, why in (
    (
        "report_no_interval_change_of_fracture",
        "needs_data",
        "No interval change of T12 compression fracture.",
        "what is denied is the change: the fracture is there, to confirm",
    ),
    (
        "report_no_bleeding_on_apixaban",
        "needs_data",
        "No bleeding on apixaban.",
        "the bleeding is denied, not the anticoagulant: to confirm",
    ),
    (
        "report_ru_no_negative_dynamics_of_metastases",
        "needs_data",
        "Нет отрицательной динамики метастазов в позвоночник.",
        "'нет отрицательной динамики' denies a change, not the metastases: to confirm",
    ),
    (
        "report_de_no_change_of_metastasis",
        "needs_data",
        "Keine Befundänderung der bekannten Wirbelkörpermetastase LWK 2.",
        "'keine Befundänderung' denies a change, not the metastasis: to confirm",
    ),
    (
        "report_negation_before_comparison_with_previous",
        "needs_data",
        "No acute fracture compared with previous MRI showing vertebral metastases.",
        "the negation ends at 'with': the metastases are the patient's, to confirm",
    ),
    (
        "report_lytic_lesions_from_level_to_level",
        "needs_data",
        "Lytic lesions from T10 to T12.",
        "lesions over a span of levels: a malignancy to confirm",
    ),
    (
        "report_no_signs_of_progression_of_metastases",
        "needs_data",
        "No signs of progression of the vertebral metastases.",
        "the progression is denied, not the metastases: to confirm",
    ),
    (
        "report_no_interval_increase_in_size_of_metastasis",
        "needs_data",
        "No interval increase in size of the L3 vertebral metastasis.",
        "the growth is denied, not the metastasis: to confirm",
    ),
    (
        "report_ru_no_data_for_progression_after",
        "needs_data",
        "Данных за прогрессирование метастазов в позвоночник нет.",
        "'данных за прогрессирование ... нет' denies the progression, not the metastases:"
        " to confirm",
    ),
    (
        "report_ru_no_data_for_progression_before",
        "needs_data",
        "Нет данных за прогрессирование метастатического поражения позвоночника.",
        "the progression is denied, not the metastases: to confirm",
    ),
    (
        "report_ru_no_signs_of_progression_not_found",
        "needs_data",
        "Признаков прогрессирования метастазов в тела позвонков не выявлено.",
        "'признаков прогрессирования ... не выявлено' denies the progression: to confirm",
    ),
    (
        "report_de_no_sign_of_progression",
        "needs_data",
        "Kein Hinweis auf Progression der Wirbelkörpermetastasen.",
        "the progression is denied, not the metastases: to confirm",
    ),
    (
        "report_ru_no_data_for_fracture",
        "allowed",
        "Данных за перелом нет. Без отрицательной динамики дегенеративных изменений.",
        "a fracture denied stays denied",
    ),
    (
        "report_no_evidence_of_fracture",
        "allowed",
        "No evidence of fracture. No progression of the degenerative changes.",
        "a fracture denied stays denied",
    ),
):
    case(name, verdict, f"an MRI report concluding '{words}': {why}", report(words))


def narrative_report(words: str, status: str = "generated", **more: Any) -> Resource:
    """An MRI report whose words are its narrative (``text.div``) alone."""
    res = report()
    res["text"] = {
        "status": status,
        "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p><b>MRI lumbar spine</b></p>'
        f"<p>{words}</p></div>",
    }
    return {**res, **more}


case(
    "report_narrative_only_fracture",
    "needs_data",
    "an MRI report sent as narrative alone (text.div, no conclusion, results or attached"
    " form), 'Impression: pathological compression fracture of L2, suspicious for"
    " metastatic disease': the narrative is the report, read; a fracture to confirm",
    narrative_report(
        "Impression: Pathological compression fracture of L2 vertebral body, suspicious for"
        " metastatic disease."
    ),
)
case(
    "report_narrative_only_no_fracture",
    "allowed",
    "an MRI report sent as narrative alone, 'No evidence of fracture. Mild degenerative"
    " changes.': read, the fracture denied",
    narrative_report("No evidence of fracture. Mild degenerative changes."),
)
case(
    "report_narrative_additional_cauda_equina",
    "needs_data",
    "a report with a result whose narrative is marked as saying more than its data"
    " (status additional): 'Large central disc extrusion at L4-5 compressing the cauda"
    " equina': read, to confirm",
    narrative_report(
        "Large central disc extrusion at L4-5 compressing the cauda equina.",
        status="additional",
        result=[{"reference": "Observation/bp1", "display": "Blood pressure"}],
    ),
)


for name, words in (
    ("note_denies_chest_pain_and_takes_apixaban", "Denies chest pain and takes apixaban daily."),
    ("note_de_no_pain_nimmt_eliquis", "Keine Brustschmerzen, nimmt Eliquis 5 mg zweimal täglich."),
):
    case(
        name,
        "needs_data",
        f"a clinical note '{words}': the negation ends where the note says what the patient"
        " takes; the blood thinner is to confirm",
        document("text/plain", words),
    )


for name, verdict, words, why in (
    (
        "note_no_radiotherapy_for_l2_metastasis",
        "needs_data",
        "No radiotherapy yet for L2 metastasis.",
        "what is denied is the treatment, not the metastasis it is for: to confirm",
    ),
    (
        "note_refused_surgery_for_fracture",
        "needs_data",
        "Refused surgery for L1 burst fracture.",
        "the operation is refused, the fracture stands: to confirm",
    ),
    (
        "note_compared_to_prior_study_new_fracture",
        "needs_data",
        "Compared to prior study there is a new compression fracture of L1.",
        "'prior' of the earlier study is no history of the fracture: to confirm",
    ),
    (
        "note_history_then_now_metastatic",
        "needs_data",
        "h/o breast ca now metastatic to L3.",
        "the history ends at 'now': the spinal metastasis is current, to confirm",
    ),
    (
        "note_reduced_perineal_sensation",
        "needs_data",
        "Reduced sensation in the perineum since yesterday.",
        "saddle sensory loss in everyday words: cauda equina to confirm",
    ),
    (
        "note_breast_cancer_er_negative",
        "needs_data",
        "Metastatic breast cancer, ER negative, HER2 neg.",
        "a tumour marker's 'negative' is not the cancer's: to confirm",
    ),
    (
        "note_return_if_saddle_numbness",
        "allowed",
        "Advised to return if saddle numbness or urinary retention develops.",
        "advice for later names no finding of today",
    ),
    (
        "note_ros_denies_list_of_red_flags",
        "allowed",
        "ROS: Denies saddle anaesthesia, urinary retention, faecal incontinence, leg weakness.",
        "the denial reaches every finding of the list",
    ),
    (
        "note_ru_list_denied_at_its_end",
        "allowed",
        "Онемения в промежности, задержки мочи и недержания кала нет.",
        "'нет' after a list whose last item is a list of findings denies each of them",
    ),
    (
        "note_denies_fever_then_retention_since",
        "needs_data",
        "Denies fever, urinary retention since yesterday.",
        "an item of more than a finding's name is not the denial's: the retention to confirm",
    ),
    (
        "note_ru_husband_has_lung_cancer",
        "allowed",
        "У мужа рак лёгкого; пациентка ухаживает за ним.",
        "a husband's illness ('у мужа') is not the patient's",
    ),
    (
        "note_husband_reports_saddle_numbness",
        "needs_data",
        "Husband states she has saddle numbness and urinary retention.",
        "what a spouse reports of the patient is the patient's: to confirm",
    ),
):
    case(name, verdict, f"a clinical note '{words}': {why}", document("text/plain", words))


case(
    "condition_snomed_postcoordinated_fracture_site",
    "needs_data",
    "a diagnosis coded as a SNOMED CT expression, fracture of bone with finding site lumbar"
    " spine (125605004:363698007=122496007): the site of the refinement is the diagnosis's"
    " site, a vertebral fracture to confirm, as with bodySite",
    condition(SNOMED, "125605004:363698007=122496007"),
)
case(
    "condition_snomed_gestational_diabetes_display",
    "needs_clearance",
    "an active diagnosis 'Gestational diabetes mellitus' by its SNOMED CT code 11687002 (ICD-10"
    " O24.4): a pregnancy",
    condition(SNOMED, "11687002", "Gestational diabetes mellitus (disorder)"),
)


def status_codings(key: str, *statuses: tuple[str, str], text: str | None = None) -> Resource:
    """A cauda equina syndrome whose ``key`` status carries several codings."""
    res = condition(ICD10, "G83.4", "Cauda equina syndrome", clinical=None)
    res[key] = {"coding": [{"system": system, "code": code} for system, code in statuses]}
    if text is not None:
        res[key]["text"] = text
    return res


case(
    "status_codings_resolved_then_active",
    "needs_data",
    "cauda equina syndrome whose clinicalStatus carries two codings, resolved then active:"
    " the statuses disagree, neither is taken; the red flag to confirm (not dropped by the"
    " order of the codings)",
    status_codings("clinicalStatus", (CLINICAL, "resolved"), (CLINICAL, "active")),
)
case(
    "status_codings_hl7_resolved_snomed_active",
    "needs_data",
    "cauda equina syndrome whose clinicalStatus is HL7 resolved and SNOMED CT 55561003"
    " Active (a C-CDA conversion's double coding): the statuses disagree, to confirm",
    status_codings("clinicalStatus", (CLINICAL, "resolved"), (SNOMED, "55561003")),
)
case(
    "status_codings_refuted_then_confirmed",
    "needs_data",
    "cauda equina syndrome whose verificationStatus carries refuted then confirmed: it may"
    " be the patient's, to confirm",
    status_codings("verificationStatus", (VERIFICATION, "refuted"), (VERIFICATION, "confirmed")),
)
case(
    "status_code_resolved_text_active",
    "needs_data",
    "cauda equina syndrome whose clinicalStatus code is resolved and its text 'Active': the"
    " code and the words disagree, to confirm",
    status_codings("clinicalStatus", (CLINICAL, "resolved"), text="Active"),
)
case(
    "status_codings_active_and_recurrence",
    "refer_urgently",
    "cauda equina syndrome whose clinicalStatus carries active and recurrence: both say it holds",
    status_codings("clinicalStatus", (CLINICAL, "active"), (CLINICAL, "recurrence")),
)


case(
    "encounter_period_end_unreadable_cauda_equina",
    "refer_urgently",
    "a finished stay for cauda equina syndrome (G83.4) from 2026-09-01 whose period end is"
    " written '28.11.2026': the end cannot be read, so the stay is of no known end and its"
    " diagnosis counts (its start alone would say it is long over)",
    encounter(
        period={"start": "2026-09-01", "end": "28.11.2026"},
        reasonCode=[{"coding": [coding(ICD10, "G83.4", "Cauda equina syndrome")]}],
    ),
)
case(
    "statement_completed_end_unreadable_warfarin",
    "needs_data",
    "warfarin taken from 2026-06-01, completed, its period's end written '28.11.2026': when"
    " it was last taken is not known (it may still act), to confirm",
    dropped(
        medication(
            "MedicationStatement",
            RXNORM,
            "11289",
            "warfarin",
            status="completed",
            extra={"effectivePeriod": {"start": "2026-06-01", "end": "28.11.2026"}},
        ),
        "effectiveDateTime",
    ),
)
case(
    "request_stopped_bounds_end_unreadable_warfarin",
    "needs_data",
    "warfarin ordered 2026-06-01, stopped, its dosage's period ending '2026-11-31' (no such"
    " day): when it was last taken is not known, to confirm",
    medication(
        "MedicationRequest",
        RXNORM,
        "11289",
        "warfarin",
        status="stopped",
        start="2026-06-01",
        extra={
            "dosageInstruction": [
                {
                    "timing": {
                        "repeat": {"boundsPeriod": {"start": "2026-06-01", "end": "2026-11-31"}}
                    }
                }
            ]
        },
    ),
)
case(
    "temperature_period_end_unreadable",
    "needs_data",
    "a temperature of 38.5 Cel over a period from 2026-11-10 whose end is written '19.11.2026'"
    " (and 36.6 on the screening day): the high reading is of no known day and may be the"
    " latest, to measure again",
    dropped(
        {
            **observation("8310-5", 38.5, "Cel"),
            "effectivePeriod": {"start": "2026-11-10", "end": "19.11.2026"},
        },
        "effectiveDateTime",
    ),
)
case(
    "procedure_period_end_unreadable_fusion",
    "needs_data",
    "a lumbar fusion (CPT 22612) performed from 2026-06-01 to '15.11.2026': the day it ended"
    " cannot be read, so whether it is recent is to confirm",
    dropped(
        {
            **coded_procedure(CPT, "22612", "2026-06-01"),
            "performedPeriod": {"start": "2026-06-01", "end": "15.11.2026"},
        },
        "performedDateTime",
    ),
)
case(
    "procedure_date_unreadable_fusion",
    "needs_data",
    "a lumbar fusion (CPT 22612) performed '15.11.2026': the date cannot be read, so the"
    " operation is undated and whether it is recent is to confirm (it was set aside whole)",
    coded_procedure(CPT, "22612", "15.11.2026"),
)


TABLET = {"coding": [coding(SNOMED, "385055001", "Tablet")]}
case(
    "medication_ingredient_contained_substance",
    "needs_clearance",
    "an active order whose Medication (held in the order) is coded only as 'Tablet' and"
    " names its ingredient by reference to a Substance held beside it, RxNorm 11289"
    " warfarin: the ingredient is the drug's (it was read as a tablet of nothing known)",
    {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "authoredOn": "2026-10-01",
        "contained": [
            {
                "resourceType": "Medication",
                "id": "m1",
                "code": TABLET,
                "ingredient": [{"itemReference": {"reference": "#s1"}}],
            },
            {
                "resourceType": "Substance",
                "id": "s1",
                "code": {"coding": [coding(RXNORM, "11289", "warfarin")]},
            },
        ],
        "medicationReference": {"reference": "#m1"},
    },
)


def warfarin_tablet(tab_id: str, kind: str, ingredient_id: str) -> list[Resource]:
    """An active order of a Medication coded only as 'Tablet' whose ingredient, RxNorm 11289
    warfarin, is another resource of the record (``kind``: Medication or Substance) named
    by reference."""
    return [
        {
            "resourceType": "MedicationRequest",
            "status": "active",
            "intent": "order",
            "subject": {"reference": "Patient/p1"},
            "authoredOn": "2026-10-01",
            "medicationReference": {"reference": f"Medication/{tab_id}"},
        },
        {
            "resourceType": "Medication",
            "id": tab_id,
            "code": TABLET,
            "ingredient": [{"itemReference": {"reference": f"{kind}/{ingredient_id}"}}],
        },
        {
            "resourceType": kind,
            "id": ingredient_id,
            "code": {"coding": [coding(RXNORM, "11289", "warfarin")]},
        },
    ]


case(
    "medication_ingredient_another_medication",
    "needs_clearance",
    "an active order of a Medication coded only as 'Tablet' whose ingredient is another"
    " Medication of the record, RxNorm 11289 warfarin, named by reference: read",
    *warfarin_tablet(tab_id="tab1", kind="Medication", ingredient_id="warf1"),
)
case(
    "medication_ingredient_substance_of_the_record",
    "needs_clearance",
    "an active order of a Medication coded only as 'Tablet' whose ingredient is a"
    " Substance of the record (not held in the Medication), RxNorm 11289 warfarin, named by"
    " reference: read, in a Bundle and in a Bulk export's Substance file alike",
    *warfarin_tablet(tab_id="tab2", kind="Substance", ingredient_id="warf2"),
)
case(
    "dstu2_medication_order_warfarin",
    "needs_clearance",
    "an active DSTU2 MedicationOrder (the name R4 gave MedicationRequest) for warfarin,"
    " as an older EHR interface sends it: read as the request it is",
    {
        "resourceType": "MedicationOrder",
        "status": "active",
        "patient": {"reference": "Patient/p1"},
        "dateWritten": "2026-10-01",
        "medicationCodeableConcept": {"coding": [coding(RXNORM, "11289", "warfarin")]},
    },
)
case(
    "stu3_referral_request_reason_cauda_equina",
    "refer_urgently",
    "an STU3 ReferralRequest whose reason is cauda equina syndrome (G83.4): read as the"
    " order it is (R4 ServiceRequest), its reason a visit's diagnosis",
    {
        "resourceType": "ReferralRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "authoredOn": "2026-11-18",
        "reasonCode": [{"coding": [coding(ICD10, "G83.4", "Cauda equina syndrome")]}],
    },
)
case(
    "body_structure_metastatic_lesion",
    "needs_data",
    "a BodyStructure 'Metastatic lesion T12 vertebral body' (morphology: metastatic"
    " neoplasm): what it says is read, to confirm",
    {
        "resourceType": "BodyStructure",
        "patient": {"reference": "Patient/p1"},
        "description": "Metastatic lesion T12 vertebral body",
        "morphology": {"text": "Neoplasm, metastatic"},
    },
)
case(
    "specimen_note_metastatic_adenocarcinoma",
    "needs_data",
    "a Specimen noted 'Bone biopsy T12: metastatic adenocarcinoma': its note is read, to confirm",
    {
        "resourceType": "Specimen",
        "subject": {"reference": "Patient/p1"},
        "collection": {"collectedDateTime": "2026-11-12"},
        "note": [{"text": "Bone biopsy T12: metastatic adenocarcinoma"}],
    },
)
case(
    "resource_type_lower_case_condition",
    "contraindicated",
    "an active diagnosis of breast cancer (C50.9) whose resourceType is written 'condition':"
    " read as the Condition it is, never dropped for the case of its type",
    {**condition(ICD10, "C50.9", "Malignant neoplasm of breast"), "resourceType": "condition"},
)


case(
    "document_link_not_included",
    "allowed",
    "a clinical note whose content is only a link to the EHR's server (no data, no Binary in"
    " the Bundle): not read, listed beside the screening as a document to read in the chart;"
    " it decides nothing (clinic policy: docs/screening.md)",
    {
        **document("text/plain", ""),
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain",
                    "url": "https://ehr.example.org/fhir/Binary/note-778",
                }
            }
        ],
    },
)
case(
    "document_pdf_not_read",
    "allowed",
    "a discharge letter as a PDF: not read, listed beside the screening as a document to"
    " read in the chart; it decides nothing",
    {
        **document("text/plain", ""),
        "content": [{"attachment": {"contentType": "application/pdf", "data": "JVBERi0xLjQK"}}],
    },
)


case(
    "episode_of_care_type_oncology",
    "needs_data",
    "an active EpisodeOfCare whose type says 'Oncology - chemotherapy for metastatic breast"
    " cancer' (no diagnosis listed): a malignancy in words, to confirm",
    {
        "resourceType": "EpisodeOfCare",
        "status": "active",
        "patient": PATIENT,
        "type": [{"text": "Oncology - chemotherapy for metastatic breast cancer"}],
        "period": {"start": "2026-10-01"},
    },
)
for name, words in (
    ("text_dvt_not_resolved", "DVT left leg not resolved"),
    ("text_fracture_partially_healed", "Partially healed T12 compression fracture"),
    ("text_ru_osteomyelitis_not_cured", "Остеомиелит L3 не излечен"),
    (
        "text_previously_noted_fracture_unchanged",
        "Previously noted L2 compression fracture is unchanged",
    ),
):
    case(
        name,
        "needs_data",
        f"'{words}' in a diagnosis's words: a resolution or an earlier mention denied or"
        " qualified is no history: to confirm",
        condition(text=words, onset=DAY),
    )


def binary(rid: str, kind: str, text: str) -> Resource:
    return {"resourceType": "Binary", "id": rid, "contentType": kind, "data": b64(text)}


case(
    "document_links_to_binary_in_bundle",
    "needs_data",
    "a DocumentReference whose attachment is only a link, 'Binary/b1', to a Binary of the"
    " same Bundle holding 'Acute L1 compression fracture' (text/plain; the shape of"
    " $everything): its words are read, a fracture to confirm",
    {
        **document("text/plain", ""),
        "content": [{"attachment": {"contentType": "text/plain", "url": "Binary/b1"}}],
    },
    binary("b1", "text/plain", "Acute L1 compression fracture"),
)
case(
    "report_form_links_to_binary_by_full_url",
    "needs_data",
    "a DiagnosticReport whose presentedForm links by full URL to a Binary of the Bundle"
    " holding 'Metastases in T10 vertebral body': to confirm",
    {
        **report(None),
        "presentedForm": [
            {"contentType": "text/plain", "url": "https://ehr.example/fhir/Binary/b2"}
        ],
    },
    binary("b2", "text/plain", "Metastases in T10 vertebral body"),
)


def write() -> int:
    names = [name for name, *_ in CASES]
    repeated = sorted({n for n in names if names.count(n) > 1})
    assert not repeated, f"case names used twice: {repeated}"
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.json"):
        old.unlink()
    lines = [
        "# Real-EHR-shaped records (tools/make_ehr_fixtures.py writes them): for each, the",
        "# verdict DESIGN.md section 3 implies and why. Each starts from an allowed patient",
        "# (lumbar osteochondrosis, fresh normal readings) and adds what the case names.",
        "cases:",
    ]
    for name, verdict, why, resources, without in CASES:
        own_patient = any(r.get("resourceType") == "Patient" for r in resources)
        records = base(without)[1 if own_patient else 0 :] + [
            {k: v for k, v in r.items() if v is not None} for r in resources
        ]
        (OUT / f"{name}.json").write_text(
            json.dumps(bundle(records), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        lines.append(
            f"  {name}: {{verdict: {verdict}, why: {json.dumps(why, ensure_ascii=False)}}}"
        )
    (OUT / "expected.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(CASES)


# Words and codes real records use that the KB did not know ---------------------------------

case(
    "questionnaire_german_genital_numbness_ja",
    "needs_data",
    "a German clinic's form: 'Taubheitsgefühl im Genital- oder Analbereich?' answered 'ja'"
    " (saddle numbness named by the region): cauda equina, to confirm (it was read as a"
    " diagnosis of the question's words and the answer dropped: allowed)",
    other_form(
        asked("rf4", "Taubheitsgefühl im Genital- oder Analbereich?", {"valueString": "ja"})
    ),
)
for name, words in (
    ("osteosarcoma", "Osteosarcoma"),
    ("mesothelioma", "Mesothelioma"),
    ("cholangiokarzinom", "Cholangiokarzinom"),
    ("ductal_carcinoma_in_situ_abbreviated", "DCIS"),
    ("myelodysplastic_syndrome", "Myelodysplastic syndrome"),
    ("ependymoma_russian", "Эпендимома"),
):
    case(
        f"text_only_{name}",
        "needs_data",
        f"an active Condition written only as '{words}' (a malignant, in-situ or uncertain"
        " neoplasm): oncology, to confirm (it was allowed)",
        condition(text=words),
    )
case(
    "snomed_thrombophilia_code_only",
    "contraindicated",
    "an active Condition coded only SNOMED CT 234467004 Thrombophilia, no words: a"
    " coagulation disorder (ICD-10 D68.5-D68.6; it was allowed)",
    condition(SNOMED, "234467004"),
)
case(
    "text_only_thrombophilia",
    "needs_data",
    "an active Condition written only 'Hereditary thrombophilia': a coagulation disorder,"
    " to confirm (it was allowed)",
    condition(text="Hereditary thrombophilia"),
)
case(
    "snomed_right_heart_failure_code_only",
    "contraindicated",
    "an active Condition coded only SNOMED CT 128404006 Right heart failure: heart failure"
    " (ICD-10 I50; it was allowed)",
    condition(SNOMED, "128404006"),
)
case(
    "snomed_pyelonephritis_code_only",
    "defer",
    "an active Condition coded only SNOMED CT 45816000 Pyelonephritis: an acute infection"
    " (it was allowed)",
    condition(SNOMED, "45816000", onset="2026-11-17"),
)
case(
    "text_only_bilateral_pes",
    "needs_data",
    "an active Condition written 'Bilateral PEs' (the plural abbreviation): a pulmonary"
    " embolism, to confirm (it was allowed)",
    condition(text="Bilateral PEs"),
)
case(
    "text_only_b_symptoms_weight_loss",
    "needs_data",
    "an active Condition written 'B symptoms: night sweats, weight loss': the weight loss of"
    " a malignancy, to confirm (it was allowed)",
    condition(text="B symptoms: night sweats, weight loss"),
)
case(
    "text_only_weight_loss_kg_russian",
    "needs_data",
    "an active Condition written 'Похудел на 10 кг за 2 месяца': unintentional weight loss,"
    " to confirm (it was allowed)",
    condition(text="Похудел на 10 кг за 2 месяца"),
)
case(
    "text_only_fall_from_height_russian",
    "needs_data",
    "an active Condition written 'Падение с высоты 3 м 15.11.2026': major trauma, a fracture"
    " to exclude, to confirm (it was allowed)",
    condition(text="Падение с высоты 3 м 15.11.2026", onset="2026-11-15"),
)
case(
    "text_only_diplopia_on_neck_extension",
    "needs_data",
    "an active Condition written 'Diplopia and dysarthria on neck extension': vertebrobasilar"
    " insufficiency, to confirm (it was allowed)",
    condition(text="Diplopia and dysarthria on neck extension"),
)

case(
    "pcs_release_lumbar_vertebral_joint_code_only",
    "needs_clearance",
    "an inpatient operation coded only ICD-10-PCS 0SN00ZZ (release of a lumbar vertebral"
    " joint, open), a month ago: a recent spine operation (it was allowed)",
    coded_procedure(PCS, "0SN00ZZ", "2026-10-20"),
)
case(
    "cpt_spinal_cord_stimulator_electrodes_code_only",
    "needs_clearance",
    "CPT 63650 (percutaneous epidural neurostimulator electrodes) a month ago, code only: a"
    " recent spine operation (it was allowed)",
    coded_procedure(CPT, "63650", "2026-10-20"),
)

case(
    "questionnaire_other_form_incontinence_count",
    "needs_data",
    "a clinic's form: 'Number of episodes of urinary incontinence this week' answered 3 (an"
    " integer): the question names incontinence, to confirm (the number was dropped: allowed)",
    other_form(
        asked("rf5", "Number of episodes of urinary incontinence this week", {"valueInteger": 3})
    ),
)
case(
    "questionnaire_other_form_incontinence_count_none",
    "allowed",
    "the same question answered 0: says nothing of incontinence",
    other_form(
        asked("rf5", "Number of episodes of urinary incontinence this week", {"valueInteger": 0})
    ),
)
case(
    "questionnaire_other_form_weight_loss_in_words",
    "needs_data",
    "a clinic's form: 'Weight loss without trying?' answered 'about 8 kg in 2 months': the"
    " question with its answer, unintentional weight loss, to confirm (only the answer was"
    " read: allowed)",
    other_form(
        asked("rf6", "Weight loss without trying?", {"valueString": "about 8 kg in 2 months"})
    ),
)


def local_choice(code: str, display: str) -> Resource:
    """An answer coded by an EHR's own list of choices (an Epic OID)."""
    system = "urn:oid:1.2.840.114350.1.13.0.1.7.4.698084.10000"
    return {"valueCoding": {"system": system, "code": code, "display": display}}


case(
    "questionnaire_other_form_night_pain_local_choice",
    "needs_data",
    "a clinic's form: 'Night pain' answered by a local code 'Constant': the question with its"
    " choice names night pain, to confirm (only the choice's word was read: allowed)",
    other_form(asked("rf7", "Night pain", local_choice("3", "Constant"))),
)

case(
    "questionnaire_other_form_comment_starting_with_comma",
    "needs_data",
    "a clinic's form: 'Loss of bladder control?' yes, and a comment ', nothing else' (begun"
    " with a comma): the form is read, the red flag to confirm (the comment's first word"
    " could not be taken and the whole form was set aside: allowed)",
    other_form(
        asked("rf8", "Loss of bladder control?", {"valueBoolean": True}),
        asked("rf9", "Comments", {"valueString": ", nothing else"}),
    ),
)
case(
    "questionnaire_other_form_age_at_cancer_diagnosis",
    "allowed",
    "a clinic's form: 'Age at cancer diagnosis' answered 45: a number that says when, not"
    " whether (KB time_questions): no finding",
    other_form(asked("rf10", "Age at cancer diagnosis", {"valueInteger": 45})),
)
case(
    "questionnaire_other_form_night_pain_not_at_all",
    "allowed",
    "a clinic's form: 'Night pain' answered by a local code 'Not at all': a no",
    other_form(asked("rf7", "Night pain", local_choice("0", "Not at all"))),
)

case(
    "note_wrapped_inside_a_red_flag",
    "needs_data",
    "a dictated note sent as plain text wrapped at a fixed width: '... new saddle' /"
    " 'anaesthesia ...' / '... urinary' / 'retention': the phrases broken by the line ends"
    " are read (each line was a clause of its own: allowed)",
    document(
        "text/plain",
        "Seen today in the clinic for review of back pain. Pt reports new saddle\n"
        "anaesthesia since last night, and on questioning some urinary\n"
        "retention; no fever.",
    ),
)
case(
    "note_wrapped_russian_red_flag",
    "needs_data",
    "the same in Russian: 'онемение в' / 'промежности, задержка' / 'мочи'",
    document(
        "text/plain",
        "Осмотрен повторно. Жалобы на боль в пояснице, сегодня онемение в\n"
        "промежности с утра, со вчерашнего вечера задержка\n"
        "мочи.",
    ),
)
case(
    "condition_abatement_in_words_ongoing",
    "needs_data",
    "a DVT (I80.2) with no clinicalStatus and abatementString 'ongoing': words that give no"
    " end leave its status unknown, to confirm (any abatementString read as resolved:"
    " allowed)",
    {
        **condition(ICD10, "I80.2", "Deep vein thrombosis", clinical=None),
        "abatementString": "ongoing",
    },
)

case(
    "ckd_staged_g4_in_words",
    "needs_data",
    "N18.9 chronic kidney disease staged 'KDIGO G4A2' in words (stage.summary.text): a"
    " stage 4 kidney disease, to confirm (only 'Stage 4' was read: allowed)",
    {
        **condition(ICD10, "N18.9", "Chronic kidney disease, unspecified"),
        "stage": [{"summary": {"text": "KDIGO G4A2"}}],
    },
)

case(
    "condition_abatement_in_words_resolved",
    "allowed",
    "a DVT (I80.2) with no clinicalStatus and abatementString 'resolved in childhood': words"
    " of the past (KB history_after) end it, as a date does",
    {
        **condition(ICD10, "I80.2", "Deep vein thrombosis", clinical=None),
        "abatementString": "resolved in childhood",
    },
)


def report_naming(*results: Resource, held: Resource | None = None) -> list[Resource]:
    """An MRI report whose results are References with words; ``held``: the one result the
    record holds (Observation/o1)."""
    report = {
        "resourceType": "DiagnosticReport",
        "id": "mri1",
        "status": "final",
        "code": {"text": "MRI lumbar spine"},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-11-18",
        "result": list(results),
    }
    return [report, held] if held is not None else [report]


case(
    "report_result_named_not_held",
    "needs_data",
    "an MRI report (sent without its results) whose result is a reference to an Observation"
    " the record does not hold, with the words 'Cauda equina compression at L4-L5': read as"
    " written beside another entry, to confirm (dropped: allowed)",
    *report_naming({"reference": "Observation/o9", "display": "Cauda equina compression at L4-L5"}),
)
case(
    "report_result_named_russian",
    "needs_data",
    "the same in Russian: a result named 'Синдром конского хвоста' that the record does not hold",
    *report_naming({"reference": "Observation/o9", "display": "Синдром конского хвоста"}),
)
case(
    "report_result_named_and_held",
    "allowed",
    "a result the record holds (Observation/o1, 'no abnormality') is read where it stands: the"
    " words of the reference to it ('Spinal metastasis?', the question asked) are not read"
    " again",
    *report_naming(
        {"reference": "Observation/o1", "display": "Spinal metastasis?"},
        held={
            "resourceType": "Observation",
            "id": "o1",
            "status": "final",
            "code": {"text": "MRI finding"},
            "subject": {"reference": "Patient/p1"},
            "effectiveDateTime": "2026-11-18",
            "valueString": "No abnormality",
        },
    ),
)
case(
    "composition_entry_named_not_held",
    "needs_data",
    "a patient summary (Composition) sent without its entries: a problem section's entry"
    " {'reference': 'Condition/c7', 'display': 'Metastatic carcinoma of spine'}: to confirm",
    {
        "resourceType": "Composition",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "date": "2026-11-15",
        "title": "Patient summary",
        "author": [{"reference": "Practitioner/d1", "display": "Dr A. Smith"}],
        "section": [
            {
                "title": "Problems",
                "section": [
                    {
                        "title": "Active problems",
                        "entry": [
                            {
                                "reference": "Condition/c7",
                                "display": "Metastatic carcinoma of spine",
                            }
                        ],
                    }
                ],
            }
        ],
    },
)
case(
    "observation_derived_from_named",
    "needs_data",
    "an Observation derived from another the record does not hold, named 'Duplex scan: DVT"
    " left popliteal vein': to confirm",
    {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "Vascular assessment"},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-11-19",
        "derivedFrom": [
            {"reference": "Observation/duplex", "display": "Duplex scan: DVT left popliteal vein"}
        ],
    },
)
case(
    "condition_evidence_named_not_held",
    "needs_data",
    "low back pain whose evidence is a reference to an Observation the record does not hold,"
    " named 'New urinary retention': to confirm (only evidence with no reference was read)",
    {
        **condition(SNOMED, "279039007", "Low back pain"),
        "evidence": [
            {"detail": [{"reference": "Observation/x1", "display": "New urinary retention"}]}
        ],
    },
)
case(
    "order_supporting_place_named",
    "allowed",
    "an order whose supporting information names a place and a person ('Regional Cancer"
    " Center', 'Dr Tumour'): a Location's and a Practitioner's names say nothing of the patient",
    {
        "resourceType": "ServiceRequest",
        "status": "completed",
        "intent": "order",
        "code": {"text": "Physiotherapy referral"},
        "subject": {"reference": "Patient/p1"},
        "authoredOn": "2026-11-10",
        "supportingInfo": [
            {"reference": "Location/l1", "display": "Regional Cancer Center"},
            {"type": "Practitioner", "display": "Dr Tumour"},
        ],
    },
)


def rtf_unicode(words: str) -> str:
    """``words`` as RTF writes characters by number (``\u1079?``)."""
    return "".join(f"\\u{ord(c)}?" if ord(c) > 127 else c for c in words)


case(
    "document_rtf_unicode_escapes",
    "needs_data",
    "an RTF letter whose Russian words are written as characters by number ('\\u1079?...',"
    " as Word and WordPad write them): 'задержка мочи' read, to confirm (read as question"
    " marks: allowed)",
    document(
        "text/rtf",
        "{\\rtf1\\ansi\\ansicpg1252\\uc1\\deff0{\\fonttbl{\\f0\\fnil Calibri;}}\\f0 "
        + rtf_unicode("Жалобы: задержка мочи с утра")
        + "\\par}",
    ),
)
case(
    "document_rtf_font_charset_cyrillic",
    "needs_data",
    "an RTF letter declaring windows-1252 whose Russian words are escaped bytes in a font of"
    " the Cyrillic character set (\\fcharset204): 'онемение в промежности' read in that"
    " font's code page, to confirm (read as Latin letters: allowed)",
    document_bytes(
        "text/rtf",
        b"{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fnil\\fcharset0 Calibri;}"
        b"{\\f1\\fswiss\\fcharset204 Arial;}}{\\*\\generator Riched20 10.0.19041}"
        b"\\f0 Exam: \\f1 "
        + "".join(f"\\'{b:02x}" for b in "онемение в промежности".encode("cp1251")).encode()
        + b"\\par}",
    ),
)
case(
    "document_html_denial_stays_on_its_line",
    "needs_data",
    "an 'HTML' note that is plain text in a body: 'No fever, no chills' / 'Cauda equina"
    " syndrome suspected': a line of the source is a line, the denial does not reach the"
    " next one (to confirm)",
    document(
        "text/html",
        "<html><body>No fever, no chills\nCauda equina syndrome suspected</body></html>",
    ),
)
case(
    "document_html_preformatted_lines_kept",
    "allowed",
    "an HTML note whose preformatted block lists findings a line each ('Saddle anaesthesia:"
    " no' / 'Urinary retention: no'): its lines kept, each answered no",
    document(
        "text/html",
        "<p>Red flags screen</p><pre>Saddle anaesthesia: no\nUrinary retention: no\n"
        "Leg weakness: no</pre>",
    ),
)


def superseded_note(text: str) -> Resource:
    return {
        "resourceType": "DocumentReference",
        "id": "old1",
        "status": "superseded",
        "subject": {"reference": "Patient/p1"},
        "date": "2026-11-10",
        "content": [{"attachment": {"contentType": "text/plain", "data": b64(text)}}],
    }


case(
    "note_superseded_replacement_held",
    "allowed",
    "a note superseded ('Metastatic cancer?') beside its newer version, which replaces it"
    " (relatesTo replaces DocumentReference/old1) and says 'No malignancy': the newer is read,"
    " the superseded not",
    superseded_note("Metastatic cancer?"),
    {
        **document("text/plain", "Review: no malignancy."),
        "relatesTo": [{"code": "replaces", "target": {"reference": "DocumentReference/old1"}}],
    },
)
case(
    "note_superseded_replacement_elsewhere",
    "needs_data",
    "a note superseded ('Metastatic cancer') beside a newer note that replaces another"
    " document (DocumentReference/other): the superseded one's replacement is not in the"
    " record, its words are read, to confirm",
    superseded_note("Metastatic cancer"),
    {
        **document("text/plain", "Review of back pain."),
        "relatesTo": [{"code": "replaces", "target": {"reference": "DocumentReference/other"}}],
    },
)


def procedure_named(
    text: str, performed: str = "2026-11-10", status: str = "completed"
) -> Resource:
    return {
        "resourceType": "Procedure",
        "status": status,
        "subject": {"reference": "Patient/p1"},
        "code": {"text": text},
        "performedDateTime": performed,
    }


case(
    "procedure_names_spinal_metastasis",
    "needs_data",
    "a procedure 'Radiotherapy to L3 metastasis 20 Gy/5 fx' ten days ago: the diagnosis its"
    " name gives is read as a visit's diagnosis, to confirm (only procedures were looked"
    " for in it, and it was listed nowhere: allowed)",
    procedure_named("Radiotherapy to L3 metastasis 20 Gy/5 fx"),
)
case(
    "procedure_names_urinary_retention",
    "needs_data",
    "a procedure 'Urinary catheterisation for acute urinary retention' ten days ago: to confirm",
    procedure_named("Urinary catheterisation for acute urinary retention"),
)
case(
    "procedure_chemotherapy_cpt",
    "needs_data",
    "chemotherapy by its CPT code (96413) ten days ago: a cancer under treatment, to confirm",
    coded_procedure(CPT, "96413", "2026-11-10", "Chemotherapy administration, IV infusion"),
)
case(
    "procedure_names_diagnosis_not_done",
    "allowed",
    "a radiotherapy to a metastasis not done (status not-done) names no diagnosis",
    procedure_named("Radiotherapy to L3 metastasis", status="not-done"),
)
case(
    "procedure_names_diagnosis_beside_resolved_problem",
    "allowed",
    "a drainage of a paravertebral abscess ten days ago, beside the abscess on the problem"
    " list resolved two days ago: the problem list decides, as for a visit's diagnosis",
    procedure_named("CT-guided drainage of paravertebral abscess"),
    condition(
        text="Paravertebral abscess",
        clinical="resolved",
        onset="2026-11-05",
        abatement="2026-11-18",
    ),
)
case(
    "condition_abatement_year_ahead",
    "contraindicated",
    "a DVT (SNOMED CT 128053003) with no status and abatementString 'planned 2027': a year"
    " after the screening date is no end (any abatementString with a number was read as"
    " resolved: allowed)",
    {
        **condition(SNOMED, "128053003", "Deep venous thrombosis", clinical=None),
        "abatementString": "planned 2027",
    },
)
case(
    "condition_abatement_in_weeks",
    "needs_data",
    "a DVT with abatementString 'expected in 6 weeks': a number that is no date does not say"
    " it ended, to confirm",
    {
        **condition(SNOMED, "128053003", "Deep venous thrombosis", clinical=None),
        "abatementString": "expected in 6 weeks",
    },
)
case(
    "condition_abatement_denied_german",
    "needs_data",
    "a DVT with abatementString 'nicht abgeheilt' (not healed): a denied word of the past"
    " does not end it, to confirm",
    {
        **condition(SNOMED, "128053003", "Deep venous thrombosis", clinical=None),
        "abatementString": "nicht abgeheilt",
    },
)
case(
    "condition_abatement_past_year",
    "allowed",
    "a DVT with abatementString 'resolved 2019': ended in 2019",
    {
        **condition(
            SNOMED, "128053003", "Deep venous thrombosis", clinical=None, onset="2019-01-10"
        ),
        "abatementString": "resolved 2019",
    },
)
case(
    "cellulitis_icd10_l03",
    "defer",
    "cellulitis of the back by ICD-10 (L03.3): an acute bacterial infection as its name and"
    " SNOMED CT code are (read only as a skin lesion at its site: allowed with precautions)",
    condition(ICD10, "L03.3", "Cellulitis of trunk", onset="2026-11-15"),
)
case(
    "pregnancy_gestational_age_estimated",
    "needs_data",
    "a gestational age recorded under LOINC 11884-4 (Gestational age Estimated) today: a"
    " pregnancy to confirm",
    observation("11884-4", 22, "wk"),
)
case(
    "form_temperature_today_quantity",
    "needs_data",
    "another form's question 'Temperature today' answered 38.6 °C as a quantity: a reading"
    " named in words, set aside where it may decide (the temperature unknown, never normal)",
    other_form(
        {
            "linkId": "t",
            "text": "Temperature today",
            "answer": [{"valueQuantity": {"value": 38.6, "unit": "°C"}}],
        }
    ),
)
case(
    "note_inferior_endplate",
    "allowed",
    "an MRI note 'Mild inferior endplate irregularity at L4; myelogram not required': neither"
    " an infection ('infer...') nor a myeloma ('myelo...')",
    document("text/plain", "Mild inferior endplate irregularity at L4; myelogram not required."),
)
case(
    "note_sarcoidosis_lymphedema",
    "allowed",
    "'Pulmonary sarcoidosis, stable. Lymphedema left arm.': neither a sarcoma nor a lymphoma",
    document("text/plain", "Pulmonary sarcoidosis, stable. Lymphedema left arm."),
)


def visit_of_kind(*kinds: Resource, service: Resource | None = None) -> Resource:
    visit: Resource = {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "type": list(kinds),
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "2026-11-12T09:00:00Z", "end": "2026-11-12T13:00:00Z"},
    }
    if service is not None:
        visit["serviceType"] = service
    return visit


case(
    "encounter_type_chemotherapy",
    "needs_data",
    "a visit of the kind 'Chemotherapy infusion visit' eight days ago: a cancer under"
    " treatment, to confirm (the kind of visit was not read: allowed)",
    visit_of_kind({"text": "Chemotherapy infusion visit"}),
)
case(
    "encounter_type_prenatal",
    "needs_data",
    "a prenatal visit (SNOMED CT 424441002 'Prenatal initial visit') eight days ago: a"
    " pregnancy to confirm",
    visit_of_kind({"coding": [coding(SNOMED, "424441002", "Prenatal initial visit")]}),
)
case(
    "encounter_type_checkup",
    "allowed",
    "a visit of the kind 'General examination of patient' names nothing and is not listed",
    visit_of_kind({"coding": [coding(SNOMED, "162673000", "General examination of patient")]}),
)


case(
    "task_status_reason_saddle_anaesthesia",
    "needs_data",
    "a physiotherapy task put on hold with the reason 'New saddle anaesthesia reported':"
    " to confirm (a task's reason for its status was not read: allowed)",
    {
        "resourceType": "Task",
        "status": "on-hold",
        "intent": "order",
        "description": "Physiotherapy for low back pain",
        "statusReason": {"text": "New saddle anaesthesia reported"},
        "for": {"reference": "Patient/p1"},
        "authoredOn": "2026-11-18",
    },
)


case(
    "document_rtf_font_table_left_open",
    "needs_data",
    "an RTF letter whose font table is never closed (closed only with the document): its"
    " words are kept, 'New saddle anaesthesia and urinary retention' read, to confirm",
    document(
        "text/rtf",
        "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0\\fcharset0 Arial;}{\\f1 Times;}\\f0 New saddle"
        " anaesthesia and urinary retention\\par}",
    ),
)
case(
    "document_rtf_emoji_and_font_group",
    "needs_data",
    "an RTF letter with an emoji written in two halves ('\\u-10179?\\u-8704?') and a Cyrillic"
    " word in a font of its own inside a group, then German 'Sattelanästhesie' in the"
    " document's font: read (it crashed, or the umlaut came out Cyrillic)",
    document_bytes(
        "text/rtf",
        b"{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss\\fcharset0 Arial;}"
        b"{\\f1\\fswiss\\fcharset204 Arial;}}\\f0 {\\f1 \\'cf\\'e0\\'f6\\'e8\\'e5\\'ed\\'f2}"
        b" \\u-10179?\\u-8704? Sattelan\\'e4sthesie seit gestern\\par}",
    ),
)
case(
    "condition_abatement_ongoing_since_year",
    "needs_data",
    "a DVT with no status and abatementString 'ongoing since 2019': words that say it goes"
    " on leave it unknown, whatever year they give (read as ended in 2019: allowed)",
    {
        **condition(
            SNOMED, "128053003", "Deep venous thrombosis", clinical=None, onset="2019-01-10"
        ),
        "abatementString": "ongoing since 2019",
    },
)
case(
    "note_superseded_replacement_entered_in_error",
    "needs_data",
    "a note superseded ('Metastatic cancer') whose replacement was entered in error: an entry"
    " in error replaces nothing, the superseded note is read, to confirm",
    superseded_note("Metastatic cancer"),
    {
        **document("text/plain", "Review: no malignancy."),
        "status": "entered-in-error",
        "relatesTo": [{"code": "replaces", "target": {"reference": "DocumentReference/old1"}}],
    },
)


case(
    "medication_liquemin_text",
    "needs_data",
    "a German record's drug 'Liquemin 5000 IE s.c.' (heparin) in words: a blood thinner, to"
    " confirm (the brand was not known: allowed)",
    {
        "resourceType": "MedicationStatement",
        "status": "active",
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-11-15",
        "medicationCodeableConcept": {"text": "Liquemin 5000 IE s.c."},
    },
)


case(
    "document_rtf_paragraph_ends_denial",
    "needs_data",
    "an RTF note 'No fever, no chills\\par Cauda equina syndrome suspected': a paragraph ends"
    " a line, the denial does not reach the next (the whole letter was one line: allowed)",
    document(
        "text/rtf",
        "{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}\\f0 No fever, no chills\\par Cauda equina"
        " syndrome suspected\\par}",
    ),
)
case(
    "document_html_entities_without_tags",
    "needs_data",
    "an HTML note with no tags but its entities ('Saddle&nbsp;anaesthesia and"
    " urinary&nbsp;retention'): the entities are read as the spaces they are",
    document("text/html", "Saddle&nbsp;anaesthesia and urinary&nbsp;retention"),
)
case(
    "condition_abatement_with_question_mark",
    "needs_data",
    "a DVT with no status and abatementString 'resolved? 2019': a question is no end, to confirm",
    {
        **condition(
            SNOMED, "128053003", "Deep venous thrombosis", clinical=None, onset="2019-01-10"
        ),
        "abatementString": "resolved? 2019",
    },
)
case(
    "condition_abatement_full_date_past",
    "allowed",
    "a DVT with no status and abatementString '15.10.2026': ended on that day, before the"
    " screening (read as the year 2026, not yet over: contraindicated)",
    {
        **condition(
            SNOMED, "128053003", "Deep venous thrombosis", clinical=None, onset="2026-08-01"
        ),
        "abatementString": "15.10.2026",
    },
)
case(
    "procedure_teleradiotherapy_snomed",
    "needs_data",
    "SNOMED CT 33195004 'Teleradiotherapy procedure' ten days ago (as Synthea writes it): a"
    " cancer under treatment, to confirm",
    coded_procedure(SNOMED, "33195004", "2026-11-10", "Teleradiotherapy procedure"),
)
case(
    "procedure_influenza_vaccine",
    "allowed",
    "SNOMED CT 86198006 'Administration of influenza vaccine' ten days ago: a vaccine"
    " prevents what it names (it was read as an infection to confirm)",
    coded_procedure(SNOMED, "86198006", "2026-11-10", "Administration of influenza vaccine"),
)
case(
    "encounter_type_dvt_prophylaxis",
    "allowed",
    "a visit of the kind 'DVT prophylaxis review': it prevents a thrombosis, it names none",
    visit_of_kind({"text": "DVT prophylaxis review"}),
)
case(
    "order_names_radiotherapy_to_metastasis",
    "needs_data",
    "an active order 'Radiotherapy to L3 metastasis': the diagnosis its name gives, to confirm"
    " (read only as an order: allowed)",
    {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "code": {"text": "Radiotherapy to L3 metastasis"},
        "subject": {"reference": "Patient/p1"},
        "authoredOn": "2026-11-01",
    },
)
case(
    "report_result_contained_missing",
    "needs_data",
    "a report's result '#missing' (a contained resource the report does not hold) with the"
    " words 'Compression fracture L1': read by its words, to confirm",
    *report_naming({"reference": "#missing", "display": "Compression fracture L1"}),
)
case(
    "composition_immunization_section_entry",
    "allowed",
    "a patient summary's section 'History of Immunization' whose entry names 'Yellow fever"
    " vaccine' (Immunization/zz, not in the record): a vaccine, no fever",
    {
        "resourceType": "Composition",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "date": "2026-11-10",
        "title": "Patient summary",
        "section": [
            {
                "title": "History of Immunization",
                "entry": [{"reference": "Immunization/zz", "display": "Yellow fever vaccine"}],
            }
        ],
    },
)


case(
    "encounter_type_radiation_oncology",
    "needs_data",
    "a visit of the kind 'Radiation oncology visit' eight days ago: a cancer under treatment,"
    " to confirm (the speciality was no word for a cancer: allowed)",
    visit_of_kind({"text": "Radiation oncology visit"}),
)
case(
    "procedure_coronary_bypass_recent",
    "needs_data",
    "a coronary artery bypass graft ten days ago: a coronary heart disease, to confirm",
    procedure_named("Coronary artery bypass graft x3"),
)

case(
    "icd10_heart_transplant_status",
    "needs_clearance",
    "ICD-10 Z94.1 heart transplant status, code only: a heart condition a physician clears "
    "(it was allowed)",
    condition(ICD10, "Z94.1"),
)
case(
    "icd10cm_heart_assist_device",
    "needs_clearance",
    "ICD-10-CM Z95.811 presence of heart assist device: a heart condition a physician clears "
    "(it was allowed)",
    condition(ICD10CM, "Z95.811", "Presence of heart assist device"),
)
case(
    "icd10gm_pacemaker_status",
    "needs_clearance",
    "ICD-10-GM Z95.0 (a cardiac pacemaker) in a German record: a heart condition a physician "
    "clears (it was allowed)",
    condition(ICD10GM, "Z95.0", "Vorhandensein eines kardialen elektronischen Geräts"),
)
case(
    "text_pacemaker_in_situ",
    "needs_data",
    "'Permanent pacemaker in situ' in words only: a heart condition, to confirm (it was allowed)",
    condition(text="Permanent pacemaker in situ"),
)
case(
    "procedure_lvad_implantation",
    "needs_data",
    "an LVAD implanted ten days ago, named in words: a heart condition, to confirm",
    procedure_named("Implantation of left ventricular assist device (LVAD)"),
)
case(
    "text_russian_pacemaker",
    "needs_data",
    "'ЭКС (2021)' in a Russian problem list: a pacemaker, a heart condition to confirm",
    condition(text="ЭКС (2021)"),
)
case(
    "text_german_heart_transplant",
    "needs_data",
    "'Z. n. Herztransplantation 2019' in a German problem list: a heart condition to confirm",
    condition(text="Z. n. Herztransplantation 2019"),
)

case(
    "icd10cm_benign_lipomatous_neoplasm",
    "allowed",
    "ICD-10-CM D17.1 'Benign lipomatous neoplasm of skin and subcutaneous tissue of trunk': "
    "no cancer (a word between 'benign' and 'neoplasm')",
    condition(
        ICD10CM,
        "D17.1",
        "Benign lipomatous neoplasm of skin and subcutaneous tissue of trunk",
    ),
)
case(
    "text_benign_tumour_and_metastases",
    "needs_data",
    "'Benign tumour of the skin; metastatic carcinoma of spine' in words: the benign tumour "
    "names no cancer, the metastases do (to confirm)",
    condition(text="Benign tumour of the skin; metastatic carcinoma of spine"),
)
case(
    "text_benign_and_malignant_neoplasms",
    "needs_data",
    "'Benign and malignant neoplasms of bone': a malignant neoplasm among them, to confirm",
    condition(text="Benign and malignant neoplasms of bone"),
)

for name, text in (
    ("english", "Does not deny urinary incontinence."),
    ("russian", "Не отрицает недержание мочи."),
    ("german", "Harninkontinenz wird nicht verneint."),
):
    case(
        f"note_denial_denied_incontinence_{name}",
        "needs_data",
        f"'{text}' (a denial denied: the patient admits it): a cauda equina sign, to confirm"
        " (it was read as denied: allowed)",
        document("text/plain", text),
    )
for name, text in (
    ("perianal_sensation_absent", "PR: perianal sensation absent, lax sphincter."),
    ("not_passed_urine", "Has not passed urine for 12 hours."),
    ("one_leg_weakness", "Progressive weakness of the right leg."),
    ("one_leg_weakness_russian", "Нарастающая слабость в правой ноге."),
    ("one_leg_weakness_german", "Zunehmende Schwäche im rechten Bein."),
    ("weight_loss_kg", "Lost 8 kg in 2 months without trying."),
    ("night_pain_wakes", "Pain wakes her at night."),
    ("night_pain_german", "Schmerzen vor allem nachts."),
):
    case(
        f"note_red_flag_{name}",
        "needs_data",
        f"'{text}' in a note: a red flag written as clinicians write it, to confirm (it was"
        " allowed)",
        document("text/plain", text),
    )
case(
    "assessment_finding_basis_cauda_equina",
    "needs_data",
    "an assessment's finding whose basis says 'new urinary retention, saddle anaesthesia': "
    "to confirm (the basis was not read: allowed)",
    {
        **assessment(),
        "finding": [
            {
                "itemCodeableConcept": {"text": "Low back pain"},
                "basis": "new urinary retention, saddle anaesthesia",
            }
        ],
    },
)
case(
    "document_rtf_word_split_by_formatting",
    "needs_data",
    "RTF with a word split by its formatting ('Urinary {\\b reten}tion'): one word, a cauda"
    " equina sign to confirm (it was read as 'reten tion': allowed)",
    document("text/rtf", "{\\rtf1\\ansi Urinary {\\b reten}tion since yesterday.\\par}"),
)
case(
    "observation_no_interpreted_positive",
    "needs_data",
    "saddle numbness answered LOINC 'No' with the interpretation POS: the record contradicts"
    " itself, to confirm (it was read as no: allowed)",
    {
        **observation(
            "449813001",
            {"coding": [coding(LOINC, "LA32-8", "No")]},
            key="valueCodeableConcept",
            system=SNOMED,
        ),
        "interpretation": [
            {
                "coding": [
                    coding(
                        "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "POS"
                    )
                ]
            }
        ],
    },
)
case(
    "observation_yes_and_no_codings",
    "needs_data",
    "saddle numbness whose value is coded both Yes (LOINC) and No (SNOMED CT): to confirm, "
    "whatever the order (it was read as no: allowed)",
    observation(
        "449813001",
        {"coding": [coding(LOINC, "LA33-6", "Yes"), coding(SNOMED, "373067005", "No")]},
        key="valueCodeableConcept",
        system=SNOMED,
    ),
)
case(
    "pregnancy_test_positive_by_interpretation",
    "needs_clearance",
    "a urine pregnancy test (LOINC 2106-3) with no value and the interpretation POS: a "
    "pregnancy (it was dropped: allowed)",
    {
        **observation("2106-3"),
        "interpretation": [
            {
                "coding": [
                    coding(
                        "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "POS"
                    )
                ]
            }
        ],
    },
)

OSTEOPOROSIS = condition(ICD10, "M81.0", "Postmenopausal osteoporosis", onset="2024-03-01")
case(
    "osteoporosis_fall_two_days_ago_icd10",
    "refer_urgently",
    "osteoporosis and a fall two days ago (ICD-10 W19): a minor trauma in osteoporosis, a "
    "possible vertebral fracture (NICE CKS; it was allowed with precautions)",
    OSTEOPOROSIS,
    condition(ICD10, "W19", "Unspecified fall", onset="2026-11-18"),
)
case(
    "osteoporosis_fall_snomed_resolved",
    "refer_urgently",
    "osteoporosis and an accidental fall (SNOMED CT 217082002) a week ago, already resolved: "
    "the fall happened within the month, a possible vertebral fracture",
    OSTEOPOROSIS,
    condition(
        SNOMED,
        "217082002",
        "Accidental fall",
        onset="2026-11-13",
        clinical="resolved",
        abatement="2026-11-14",
    ),
)
case(
    "osteoporosis_fall_last_year",
    "allowed_with_precautions",
    "osteoporosis and a fall a year ago: an old fall says nothing of a new pain (the "
    "osteoporosis precaution only)",
    OSTEOPOROSIS,
    condition(ICD10, "W01", "Fall on same level from slipping", onset="2025-11-01"),
)
case(
    "osteoporosis_fall_undated",
    "needs_data",
    "osteoporosis and a fall with no date: whether it is recent is not known, to confirm",
    OSTEOPOROSIS,
    condition(ICD10, "W19", "Unspecified fall", onset=None),
)
case(
    "osteoporosis_fall_in_words_russian",
    "needs_data",
    "osteoporosis and 'Упала дома 3 дня назад, ушиб поясницы' in a note: a minor trauma in "
    "words, to confirm",
    OSTEOPOROSIS,
    document("text/plain", "Упала дома 3 дня назад, ушиб поясницы."),
)
case(
    "fall_without_osteoporosis",
    "allowed",
    "a fall two days ago without osteoporosis: a minor trauma is no red flag by itself",
    condition(ICD10, "W19", "Unspecified fall", onset="2026-11-18"),
)

HEART_FAILURE_REASON = {
    "reasonCode": [{"coding": [coding(SNOMED, "84114007", "Heart failure")]}],
}
case(
    "drug_reason_lasts_while_taken",
    "contraindicated",
    "lisinopril taken since January 2025 (a statement, active, no end) for heart failure: the "
    "reason counts while the drug is taken (it lapsed 30 days after the start: allowed)",
    medication(
        "MedicationStatement",
        code="314076",
        display="lisinopril 10 MG Oral Tablet",
        start="2025-01-01",
        extra=HEART_FAILURE_REASON,
    ),
)
case(
    "drug_reason_ended_long_ago",
    "needs_clearance",
    "lisinopril for heart failure, stopped in March 2025: its reason counted until a month "
    "after its end, not today as in force; a past heart failure, a heart disease to clear",
    {
        key: value
        for key, value in medication(
            "MedicationStatement",
            code="314076",
            display="lisinopril 10 MG Oral Tablet",
            status="stopped",
            extra={
                **HEART_FAILURE_REASON,
                "effectivePeriod": {"start": "2025-01-01", "end": "2025-03-01"},
            },
        ).items()
        if key != "effectiveDateTime"
    },
)
case(
    "completed_prescription_with_refills",
    "needs_clearance",
    "a completed apixaban prescription of 1 August with 30 days' supply and 3 refills: "
    "taken until late November (it ended after the first 30 days: allowed)",
    medication(
        code="1364447",
        display="apixaban 5 MG Oral Tablet",
        status="completed",
        start="2026-08-01",
        extra={
            "dispenseRequest": {
                "numberOfRepeatsAllowed": 3,
                "expectedSupplyDuration": {
                    "value": 30,
                    "unit": "days",
                    "system": "http://unitsofmeasure.org",
                    "code": "d",
                },
            }
        },
    ),
)

for name, verdict, made, why in (
    (
        "icd10_copd_with_acute_infection",
        "defer",
        condition(ICD10, "J44.0", onset="2026-11-15"),
        "ICD-10 J44.0, COPD with acute lower respiratory infection: an acute infection",
    ),
    (
        "icd10cm_malignant_ascites",
        "contraindicated",
        condition(ICD10CM, "R18.0", onset="2026-10-01"),
        "ICD-10-CM R18.0 malignant ascites: a cancer now",
    ),
    (
        "icd10cm_chemotherapy_pancytopenia",
        "contraindicated",
        condition(ICD10CM, "D61.810", onset="2026-11-01"),
        "ICD-10-CM D61.810, pancytopenia from antineoplastic chemotherapy: a cancer treated now",
    ),
    (
        "icd10cm_history_of_chemotherapy",
        "needs_clearance",
        condition(ICD10CM, "Z92.21", onset="2020-01-01"),
        "ICD-10-CM Z92.21, personal history of antineoplastic chemotherapy: a history of cancer",
    ),
    (
        "snomed_fever_with_chills",
        "defer",
        condition(SNOMED, "274640006", onset="2026-11-19"),
        "SNOMED CT 274640006 fever with chills, code only, since yesterday: a fever",
    ),
):
    case(name, verdict, f"{why} (it was allowed)", made)

ATC = "http://www.whocc.no/atc"
for name, verdict, made, why in (
    (
        "drug_capecitabine_active",
        "needs_data",
        medication(code="200328", display="capecitabine 500 MG Oral Tablet", start="2026-11-10"),
        "capecitabine prescribed ten days ago, an antineoplastic drug: a cancer to confirm",
    ),
    (
        "drug_antineoplastic_atc_code_only",
        "needs_data",
        medication(system=ATC, code="L01BC06", start="2026-11-10"),
        "a drug given only as ATC L01BC06 (an antineoplastic agent): a cancer to confirm",
    ),
    (
        "drug_russian_xeloda",
        "needs_data",
        medication(
            "MedicationStatement", system=None, text="Кселода 500 мг 2 р/д", start="2026-11-01"
        ),
        "'Кселода' (capecitabine) taken now, in Russian: a cancer to confirm",
    ),
    (
        "drug_tamoxifen_long_term",
        "needs_data",
        medication("MedicationStatement", system=None, text="Tamoxifen 20 mg", start="2023-05-01"),
        "tamoxifen taken since 2023 (a hormone antagonist of breast cancer): a cancer to confirm",
    ),
    (
        "drug_capecitabine_course_over",
        "needs_data",
        {
            key: value
            for key, value in medication(
                "MedicationStatement",
                code="200328",
                display="capecitabine 500 MG Oral Tablet",
                status="completed",
                extra={"effectivePeriod": {"start": "2021-01-10", "end": "2021-06-30"}},
            ).items()
            if key != "effectiveDateTime"
        },
        "a capecitabine course that ended in 2021: the cancer it names is past, a history of "
        "cancer to confirm",
    ),
):
    case(name, verdict, f"{why} (it was allowed)", made)

case(
    "osteoporosis_fall_month_only",
    "needs_data",
    "osteoporosis and a fall dated only 'October 2026': it may have been within the month, "
    "to confirm (its first day alone read it as old: allowed with precautions)",
    OSTEOPOROSIS,
    condition(ICD10, "W19", "Unspecified fall", onset="2026-10"),
)
case(
    "text_benign_tumour_doubted",
    "needs_data",
    "'Benign tumour unlikely' and 'Possibly benign tumour': a neoplasm whose benign nature is "
    "doubted is a cancer to confirm",
    condition(text="Benign tumour unlikely"),
    condition(text="Possibly benign tumour of the spine"),
)
case(
    "document_rtf_soft_line_break",
    "needs_data",
    "RTF whose lines are soft breaks ('Patient reports\\softline urinary retention'): a "
    "break, not glued words; a cauda equina sign to confirm",
    document(
        "text/rtf",
        "{\\rtf1\\ansi Patient reports\\softline urinary retention\\softline since"
        " yesterday.\\par}",
    ),
)
case(
    "assessment_basis_not_words",
    "needs_data",
    "an assessment whose summary says 'Suspected cauda equina syndrome' and whose finding's "
    "basis is not words: the summary is read, the basis passed over",
    {
        **assessment(summary="Suspected cauda equina syndrome"),
        "finding": [{"itemCodeableConcept": {"text": "Back pain"}, "basis": {"text": "exam"}}],
    },
)
case(
    "drug_malformed_beside_others",
    "needs_data",
    "a drug whose coding is a string (set aside, named as not read) beside a fever reading: "
    "the record is screened, never an internal error",
    {
        **medication("MedicationStatement", system=None, text="x", start="2026-11-01"),
        "medicationCodeableConcept": {"coding": "x"},
    },
    condition(text="Fever since yesterday", onset="2026-11-19"),
)

case(
    "observed_finding_value_list_set_aside",
    "needs_data",
    "an Observation of ICD-10-CM R15.9 full incontinence of feces whose valueCodeableConcept is "
    "a list (set aside for its shape): cauda equina to confirm (it was listed as not read: "
    "allowed)",
    finding(
        ICD10CM,
        "R15.9",
        "Full incontinence of feces",
        key="valueCodeableConcept",
        value=[{"coding": [coding(HL7_YES_NO, "Y", "Yes")]}],
    ),
)
case(
    "observed_finding_coding_not_list",
    "refer_urgently",
    "an Observation of SNOMED 449813001 numbness of the saddle area whose code.coding is one "
    "object, not a list: read as its one coding",
    {
        **finding(SNOMED, "449813001", "Numbness of saddle area", key="valueBoolean", value=True),
        "code": {"coding": coding(SNOMED, "449813001", "Numbness of saddle area")},
    },
)
case(
    "observed_reading_set_aside_not_a_finding",
    "needs_data",
    "a body temperature whose valueQuantity is a list (set aside): the temperature is missing, "
    "and the reading is no finding to confirm",
    {
        **observation("8310-5", 39.2, "Cel"),
        "valueQuantity": [{"value": 39.2, "unit": "Cel"}],
    },
    without={"temperature"},
)


# Records a red team wrote as EHRs write them, that gave allowed or an internal error -----

DVT = (ICD10, "I80.2", "Phlebitis and thrombophlebitis of femoral vein")
case(
    "abatement_age_no_status_dvt",
    "needs_data",
    "a DVT of 2026-11-02 with no status and an abatementAge of 60 years in a patient of 56: an"
    " age the patient may not have come to, to confirm (any abatementAge was read as ended:"
    " allowed)",
    {
        **condition(*DVT, clinical=None, onset="2026-11-02"),
        "abatementAge": {
            "value": 60,
            "unit": "a",
            "system": "http://unitsofmeasure.org",
            "code": "a",
        },
    },
)
case(
    "abatement_period_start_after_screening_day",
    "needs_data",
    "a DVT recorded resolved whose abatementPeriod has only a start, 2026-12-15, after the"
    " screening day: not yet ended on it, to confirm (a period without an end was read as"
    " ended: allowed)",
    {
        **condition(*DVT, clinical="resolved", onset="2026-11-02"),
        "abatementPeriod": {"start": "2026-12-15"},
    },
)
case(
    "abatement_period_start_before_screening_day",
    "allowed",
    "a DVT with no status whose abatementPeriod has only a start, 2026-10-20: ended from then",
    {
        **condition(*DVT, clinical=None, onset="2026-09-02"),
        "abatementPeriod": {"start": "2026-10-20"},
    },
)
for name, words in (
    ("us_spelling", "Lumbar disk herniation L4-L5 with left L5 radiculopathy"),
    ("herniated_lumbar_disk", "Herniated lumbar disk"),
    ("herniation_of_intervertebral_disc", "Herniation of intervertebral disc"),
    ("prolapsed_intervertebral_disc", "Prolapsed intervertebral disc"),
    ("german_bsv", "BSV L5/S1 links"),
    ("german_sequester", "Bandscheibensequester L4/5"),
    ("swiss_diskushernie", "Diskushernie L5/S1"),
    ("russian_gmpd", "ГМПД L5-S1"),
):
    case(
        f"text_disc_herniation_{name}",
        "needs_data",
        f"an active Condition written only as '{words}': a disc herniation, to confirm (it was"
        " allowed)",
        condition(text=words),
    )
for name, words in (
    ("abnormal_gait", "Abnormal gait"),
    ("ataxic_gait", "Ataxic gait since last week"),
    ("difficulty_walking", "Difficulty walking"),
    ("german_gangbild", "Gangbildstörung"),
    ("german_fallfuss", "Fallfuß rechts"),
    ("russian_unsteady_gait", "Неустойчивая походка"),
    ("perineal_hypesthesia", "Perineal hypesthesia"),
):
    case(
        f"text_cauda_equina_sign_{name}",
        "needs_data",
        f"an active Condition written only as '{words}' (a sign of cauda equina syndrome in"
        " clinical-reference 2.1): to confirm (it was allowed)",
        condition(text=words, onset="2026-11-15"),
    )
for name, words in (
    ("klexane", "Klexane 40 mg s.c. 1x daily"),
    ("previscan_accented", "Préviscan 20 mg"),
    ("apixaban_spanish_accent", "Apixabán 5 mg c/12h"),
    ("fluxum_parnaparin", "Fluxum 3200 UI"),
    ("german_oak", "OAK seit 2019"),
    ("russian_datt", "ДАТТ до 03.2027"),
):
    case(
        f"medication_text_{name}",
        "needs_data",
        f"'{words}': a blood thinner the KB did not name (a brand, an accent, an abbreviation),"
        " to confirm (it was allowed)",
        medication("MedicationStatement", code=None, text=words),
    )
FLOWSHEET = "http://clinic.example.org/flowsheet-row"
case(
    "flowsheet_check_box_integer_one",
    "needs_data",
    "a flowsheet row 'Saddle anaesthesia' under a local code valued valueInteger 1 (a check"
    " box): a yes, cauda equina to confirm (it was allowed)",
    finding(FLOWSHEET, "RF2", "Saddle anaesthesia", key="valueInteger", value=1),
)
case(
    "flowsheet_check_box_integer_zero",
    "allowed",
    "the same row valued valueInteger 0: a no",
    finding(FLOWSHEET, "RF2", "Saddle anaesthesia", key="valueInteger", value=0),
)
case(
    "observed_value_display_foot_drop",
    "needs_data",
    "an Observation of SNOMED 404684003 'Clinical finding' whose value is SNOMED 6077001 'Foot"
    " drop' (a code the KB does not list): read by its words, to confirm (it was allowed)",
    finding(
        SNOMED,
        "404684003",
        "Clinical finding",
        key="valueCodeableConcept",
        value={"coding": [coding(SNOMED, "6077001", "Foot drop")]},
    ),
)
case(
    "document_koi8r_without_charset",
    "needs_data",
    "a plain-text note in KOI8-R ('Жалобы: задержка мочи, онемение в промежности') with no"
    " charset declared: read in the code page its letters fit, to confirm (it was read as"
    " windows-1251, nonsense: allowed)",
    document_bytes("text/plain", "Жалобы: задержка мочи, онемение в промежности.".encode("koi8-r")),
)
case(
    "document_cp866_without_charset",
    "needs_data",
    "the same note in DOS 866 with no charset declared: read, to confirm",
    document_bytes("text/plain", "Жалобы: задержка мочи, онемение в промежности.".encode("cp866")),
)
case(
    "allergy_reaction_heparin_induced_thrombocytopenia",
    "needs_data",
    "an active allergy to heparin whose reaction is SNOMED 73397007 'Heparin-induced"
    " thrombocytopenia': a clotting disorder to confirm, the heparin no drug taken (an"
    " allergy was not read: allowed)",
    {
        "resourceType": "AllergyIntolerance",
        "patient": {"reference": "Patient/p1"},
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "verificationStatus": {"coding": [{"code": "confirmed"}]},
        "code": {"coding": [coding(RXNORM, "5224", "heparin")]},
        "onsetDateTime": "2026-11-12",
        "reaction": [
            {
                "manifestation": [
                    {"coding": [coding(SNOMED, "73397007", "Heparin-induced thrombocytopenia")]}
                ]
            }
        ],
    },
)
case(
    "allergy_to_heparin_rash_only",
    "allowed",
    "an active allergy to heparin whose reaction is a rash: no finding, and no heparin taken",
    {
        "resourceType": "AllergyIntolerance",
        "patient": {"reference": "Patient/p1"},
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": {"coding": [coding(RXNORM, "5224", "heparin")]},
        "reaction": [
            {"manifestation": [{"coding": [coding(SNOMED, "271807003", "Eruption of skin")]}]}
        ],
    },
)
case(
    "allergy_refuted_heparin_induced_thrombocytopenia",
    "allowed",
    "the heparin-induced thrombocytopenia allergy, refuted: says nothing",
    {
        "resourceType": "AllergyIntolerance",
        "patient": {"reference": "Patient/p1"},
        "verificationStatus": {"coding": [{"code": "refuted"}]},
        "code": {"coding": [coding(RXNORM, "5224", "heparin")]},
        "reaction": [
            {
                "manifestation": [
                    {"coding": [coding(SNOMED, "73397007", "Heparin-induced thrombocytopenia")]}
                ]
            }
        ],
    },
)
case(
    "device_left_ventricular_assist_device",
    "needs_data",
    "an active Device of the patient's, type SNOMED 360066001 'Left ventricular assist device':"
    " a heart condition to confirm (a Device was not read: allowed)",
    {
        "resourceType": "Device",
        "status": "active",
        "patient": {"reference": "Patient/p1"},
        "type": {"coding": [coding(SNOMED, "360066001", "Left ventricular assist device")]},
    },
)
case(
    "device_of_no_patient_monitor",
    "allowed",
    "a Device that names no patient (a blood-pressure monitor): says nothing of the patient",
    {
        "resourceType": "Device",
        "status": "active",
        "type": {"text": "Blood pressure monitor, heart rate"},
        "note": [{"text": "Ward 3 monitor"}],
    },
)
case(
    "bp_coding_system_a_list_beside_a_reading",
    "needs_data",
    "a second blood pressure panel whose code.coding[0].system is a list: set aside and"
    " listed, the screening goes on (it stopped with an internal error)",
    {**bp(150, 95), "code": {"coding": [{"system": [LOINC], "code": "85354-9"}]}},
)
case(
    "dispense_days_supply_beyond_any_length",
    "needs_data",
    "a warfarin dispense whose daysSupply is 5e307 weeks: no length that can be read, the drug"
    " counts from its start (it stopped with an internal error)",
    {
        **medication("MedicationDispense", code=None, text="warfarin 5 mg", start="2026-11-01"),
        "daysSupply": {
            "value": 5e307,
            "unit": "wk",
            "system": "http://unitsofmeasure.org",
            "code": "wk",
        },
    },
)

FORM_URL = "https://clinic.example.org/fhir/Questionnaire/lbp-intake"
LOINC_YES = {"valueCoding": coding(LOINC, "LA33-6", "Yes")}
LOINC_NO = {"valueCoding": coding(LOINC, "LA32-8", "No")}


def form_and_answers(
    questions: list[dict[str, Any]], answers: list[dict[str, Any]]
) -> list[Resource]:
    """A clinic's own Questionnaire and a completed response that answers it by linkId only."""
    return [
        {
            "resourceType": "Questionnaire",
            "id": "lbp-intake",
            "url": FORM_URL,
            "status": "active",
            "item": questions,
        },
        {
            "resourceType": "QuestionnaireResponse",
            "status": "completed",
            "questionnaire": FORM_URL,
            "subject": {"reference": "Patient/p1"},
            "authored": "2026-11-20T09:00:00+01:00",
            "item": answers,
        },
    ]


case(
    "questionnaire_in_bundle_answered_by_link_id",
    "needs_data",
    "a response answering 'Numbness or tingling in the groin, buttocks or genitals (saddle"
    " area)?' Yes by its linkId only, its Questionnaire in the same Bundle: read with the"
    " question's words, cauda equina to confirm (it was dropped: allowed)",
    *form_and_answers(
        [
            {
                "linkId": "q1",
                "text": "Numbness or tingling in the groin, buttocks or genitals (saddle area)?",
                "type": "choice",
            }
        ],
        [{"linkId": "q1", "answer": [LOINC_YES]}],
    ),
)
case(
    "questionnaire_in_bundle_question_named_by_its_code",
    "needs_data",
    "the same, the form's question named only by its code (SNOMED CT 449813001 'Numbness of"
    " saddle area', no text), in a group: read by the code's name, to confirm",
    *form_and_answers(
        [
            {
                "linkId": "g1",
                "type": "group",
                "item": [
                    {
                        "linkId": "q1",
                        "type": "boolean",
                        "code": [coding(SNOMED, "449813001", "Numbness of saddle area")],
                    }
                ],
            }
        ],
        [{"linkId": "g1", "item": [{"linkId": "q1", "answer": [{"valueBoolean": True}]}]}],
    ),
)
case(
    "questionnaire_in_bundle_answered_no",
    "allowed",
    "the saddle question of the Bundle's form answered No by its linkId: a no",
    *form_and_answers(
        [{"linkId": "q1", "text": "Numbness in the saddle area?", "type": "choice"}],
        [{"linkId": "q1", "answer": [LOINC_NO]}],
    ),
)

for name, system, code, display in (
    ("bacteremia_icd10cm", ICD10CM, "R78.81", "Bacteremia"),
    ("bacteremia_snomed", SNOMED, "5758002", "Bacteremia"),
    ("osteomyelitis_of_foot_icd10", ICD10, "M86.1", "Other acute osteomyelitis"),
    ("pleural_empyema_icd10", ICD10, "J86.9", "Pyothorax without fistula"),
    ("peritonsillar_abscess_icd10", ICD10, "J36", "Peritonsillar abscess"),
    ("sepsis_after_procedure_code_only", ICD10CM, "T81.44XA", None),
    ("infected_fixation_device_code_only", ICD10CM, "T84.60XA", None),
    ("severe_sepsis_septic_shock_code_only", ICD10CM, "R65.21", None),
):
    case(
        f"acute_infection_{name}",
        "defer",
        f"an active Condition coded {code}{' ' + display if display else ' (no display)'}: an"
        " acute infection, not now (it was allowed)",
        condition(system, code, display, onset="2026-11-15"),
    )
for name, words in (
    ("erysipelas", "Erysipelas left lower leg"),
    ("urosepsis", "Urosepsis"),
    ("german_pleural_empyema", "Pleuraempyem rechts"),
    ("russian_bacteremia", "Бактериемия"),
):
    case(
        f"text_acute_infection_{name}",
        "needs_data",
        f"an active Condition written only as '{words}': an acute infection to confirm (it was"
        " allowed)",
        condition(text=words, onset="2026-11-15"),
    )
for name, system, code, verdict, why in (
    (
        "vertebral_artery_injury",
        ICD10CM,
        "S15.121A",
        "refer_urgently",
        "an injury of the vertebral artery (S15.1): a dissection's traumatic form",
    ),
    (
        "cardiogenic_shock",
        ICD10,
        "R57.0",
        "contraindicated",
        "cardiogenic shock: a decompensated heart",
    ),
    (
        "anticoagulant_adverse_effect",
        ICD10CM,
        "T45.515A",
        "needs_clearance",
        "an adverse effect of anticoagulants: the patient takes one",
    ),
    (
        "hemodialysis_encounter",
        ICD10CM,
        "Z49.31",
        "contraindicated",
        "an encounter for hemodialysis: kidney failure on dialysis",
    ),
):
    case(
        f"code_only_{name}",
        verdict,
        f"an active Condition coded only {code} (no display): {why} (it was allowed)",
        condition(system, code, None, onset="2026-11-15"),
    )
for name, words, concept in (
    ("nyha_class", "Heart failure? NYHA III-IV", "a decompensated heart"),
    ("german_kes", "V.a. KES", "cauda equina syndrome"),
    ("german_lwk_fx", "LWK 1 Fx", "a vertebral fracture"),
    ("german_dialysis", "HD-pflichtig", "kidney failure on dialysis"),
    ("russian_myelopathic_syndrome", "Миелопатический синдром", "myelopathy"),
    ("russian_pregnancy_abbreviation", "Б-ть 12 нед", "a pregnancy"),
):
    case(
        f"text_{name}",
        "needs_data",
        f"an active Condition written only as '{words}': {concept}, to confirm (it was allowed)",
        condition(text=words, onset="2026-11-15"),
    )
case(
    "bp_german_rr_pair_value",
    "needs_data",
    "an Observation named 'RR' (the German Riva-Rocci) valued '192/118 mmHg' beside an older"
    " 120/80: a blood pressure named by its words, to confirm (it was dropped and the older"
    " one decided: allowed)",
    {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [coding("urn:oid:1.2.276.0.76.3.1.999", "RR", "RR")]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-11-20T12:00:00Z",
        "valueString": "192/118 mmHg",
    },
)
case(
    "r5_medication_usage_warfarin",
    "needs_clearance",
    "an R5 MedicationUsage of warfarin (status recorded, medication.concept): read as a"
    " MedicationStatement (it was dropped: allowed)",
    {
        "resourceType": "MedicationUsage",
        "status": "recorded",
        "subject": {"reference": "Patient/p1"},
        "medication": {
            "concept": {"coding": [coding(RXNORM, "855332", "Warfarin Sodium 5 MG Oral Tablet")]}
        },
        "effectiveDateTime": "2026-10-01",
    },
)

for name, reaction, why in (
    ("rash", "Rash", "a dermatitis"),
    ("fever", "Fever", "a fever"),
    ("urticaria", "Urticaria", "a skin lesion"),
):
    case(
        f"allergy_old_reaction_{name}",
        "allowed",
        f"an active allergy to penicillin recorded in 2012 whose reaction was '{reaction}': what"
        f" happened at an exposure fourteen years ago, not {why} today",
        {
            "resourceType": "AllergyIntolerance",
            "patient": {"reference": "Patient/p1"},
            "clinicalStatus": {"coding": [{"code": "active"}]},
            "recordedDate": "2012-05-03",
            "code": {"coding": [coding(RXNORM, "7980", "penicillin G")]},
            "reaction": [{"manifestation": [{"text": reaction}]}],
        },
    )

case(
    "document_cp1251_capitals_without_charset",
    "needs_data",
    "a plain-text note in windows-1251 of capitals ('Жалобы: ТЭЛА', a pulmonary embolism)"
    " with no charset: read in windows-1251 (read as KOI8-R it named nothing: allowed)",
    document_bytes("text/plain", "Жалобы: ТЭЛА".encode("cp1251")),
)
case(
    "document_cp1252_spanish_without_charset",
    "allowed",
    "a Spanish note in windows-1252 ('El niño está aquí, señor') with no charset: Western,"
    " not Russian",
    document_bytes("text/plain", "El niño está aquí, señor".encode("cp1252")),
)


def lab_result(name: str, code: str, value: Any, unit: str | None, **kw: Any) -> Resource:
    """A laboratory result under its LOINC code, named as the laboratory prints it."""
    res = observation(code, value, unit, **kw)
    res["code"]["text"] = name
    return res


def inr(value: Any, unit: str | None = "{INR}", code: str = "6301-6", **kw: Any) -> Resource:
    """An INR result (LOINC); ``unit`` None: the value with no unit, as many laboratories
    send it."""
    return lab_result("INR", code, value, unit, **kw)


case(
    "inr_high_no_drug",
    "defer",
    "an INR of 3.8 two days ago and no blood thinner in the record: postponed until a"
    " physician has seen it (policy_inr; it was allowed)",
    inr(3.8, when="2026-11-18"),
)
case(
    "inr_high_on_warfarin",
    "defer",
    "warfarin and an INR of 4.2 without a unit (as laboratories send it): more than the"
    " clearance of the blood thinner covers (it was needs_clearance)",
    warfarin(),
    inr(4.2, None, "34714-6", when="2026-11-19"),
)
case(
    "inr_in_range_on_warfarin",
    "needs_clearance",
    "warfarin and an INR of 2.6 (within the usual range, unit '1'): the blood thinner's"
    " clearance only",
    warfarin(),
    inr(2.6, "1", "46418-0", when="2026-11-19"),
)
case(
    "inr_falls_back_in_range",
    "allowed",
    "an INR of 3.6 a month ago, then 1.1 yesterday: the latest decides",
    inr(3.6, when="2026-10-20"),
    inr(1.1, when="2026-11-19"),
)
case(
    "inr_high_local_code",
    "needs_data",
    "'PT/INR' 3.9 under a laboratory's own code: never used as measured nor dropped; the INR"
    " is to confirm",
    local_reading("PT/INR", 3.9, "", code="INR1"),
)
case(
    "inr_prothrombin_seconds",
    "needs_data",
    "a prothrombin time of 14.2 seconds sent under the INR's code: the unit cannot be"
    " converted, the INR is unknown, never taken as 14.2",
    inr(14.2, "sec", when="2026-11-19"),
)
case(
    "inr_high_old",
    "needs_data",
    "an INR of 3.4 in May: older than the laboratory window, asked for again",
    inr(3.4, when="2026-05-02"),
)


case(
    "note_short_lines_broken_inside_a_red_flag",
    "needs_data",
    "a short note typed with Enter inside a phrase: 'new onset urinary' / 'retention' (the"
    " text was no fixed-width wrap, each line was read alone: allowed)",
    document("text/plain", "Back pain review.\nnew onset urinary\nretention since Friday"),
)
case(
    "note_short_lines_broken_inside_a_denial",
    "allowed",
    "'Denies saddle' / 'anaesthesia': joined, the denial holds; alone, neither line names a"
    " finding",
    document("text/plain", "Back pain review.\nDenies saddle\nanaesthesia.\nNo fever."),
)
case(
    "note_word_broken_by_a_hyphen_at_a_line_end",
    "needs_data",
    "'known metas-' / 'tases of the spine': a word broken by a hyphen at the line's end is"
    " read whole (it was allowed)",
    document("text/plain", "Oncology letter: known metas-\ntases of the spine, on review"),
)
case(
    "bp_panel_empty_component_list_value_in_words",
    "needs_data",
    "a blood-pressure panel at 10:00 written with 'component': [] and its value in words"
    " '192/118' after 120/80 of the same day: read as if no component were written (it"
    " vanished, neither used nor listed: allowed)",
    bp(120, 80, when="2026-11-20T08:00:00Z"),
    {
        **observation("85354-9", when="2026-11-20T10:00:00Z"),
        "component": [],
        "valueString": "192/118",
    },
    without={"bp"},
)


for name, text in (
    ("vitals_line_no_marks_bp_high", "T 37.1 P 76 R 18 BP 192/118 SpO2 98%"),
    ("vitals_line_colons_bp_high", "T: 37.1 P: 76 BP: 192/118"),
    ("vitals_line_unit_then_name_bp_high", "Temp 98.2 F HR 96 BP 188/112 mm Hg"),
    ("vitals_line_no_marks_fever", "HR 96 Temp 38.9 RR 18"),
):
    case(
        name,
        "needs_data",
        f"a flowsheet row 'Vitals' valued '{text}' (readings one after another with no comma"
        " or semicolon between) after a coded reading two days ago: each reading is read"
        " apart, the one that may decide is to confirm (the line was one reading of none:"
        " allowed)",
        bp(120, 80, when="2026-11-18"),
        observation("8310-5", 36.6, "Cel", when="2026-11-18"),
        vitals_text(text),
        without={"bp", "temperature"},
    )
for code, display in (
    ("R26.81", "Unsteadiness on feet"),
    ("R26.9", "Unspecified abnormalities of gait and mobility"),
):
    case(
        f"gait_icd10cm_{code.replace('.', '_')}",
        "needs_data",
        f"ICD-10-CM {code} '{display}': a gait disturbance (a cauda equina sign), read from the"
        " code's name, to confirm (it was allowed)",
        condition(ICD10CM, code, display, onset="2026-11-10"),
    )


case(
    "medication_statement_active_period_ends_later",
    "needs_clearance",
    "an active warfarin statement whose effectivePeriod ends in December: taken until then",
    medication(
        "MedicationStatement",
        code="855332",
        display="Warfarin Sodium 5 MG Oral Tablet",
        extra={"effectivePeriod": {"start": "2026-10-01", "end": "2026-12-31"}},
    ),
)


case(
    "charge_item_cpt_laminotomy_recent",
    "needs_clearance",
    "a ChargeItem for CPT 63030 (lumbar laminotomy) on 15 October: the operation billed, read as a Procedure of that day (ChargeItem was not read: allowed)",
    {
        "resourceType": "ChargeItem",
        "status": "billed",
        "subject": {"reference": "Patient/p1"},
        "occurrenceDateTime": "2026-10-15",
        "code": {
            "coding": [
                {
                    "system": "http://www.ama-assn.org/go/cpt",
                    "code": "63030",
                    "display": "Laminotomy, lumbar",
                }
            ]
        },
    },
)
case(
    "charge_item_reason_cauda_equina",
    "refer_urgently",
    "a ChargeItem for an emergency visit five days ago whose reason is ICD-10-CM G83.4 (cauda equina syndrome): read as a bill's diagnosis (it was allowed)",
    {
        "resourceType": "ChargeItem",
        "status": "billed",
        "subject": {"reference": "Patient/p1"},
        "occurrenceDateTime": "2026-11-15",
        "code": {"text": "ED visit"},
        "reason": [{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G83.4"}]}],
    },
)
case(
    "request_group_action_cauda_equina",
    "needs_data",
    "a RequestGroup whose action says 'Suspected cauda equina syndrome': to confirm (it was allowed)",
    {
        "resourceType": "RequestGroup",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "authoredOn": "2026-11-19",
        "action": [{"title": "Urgent MRI", "description": "Suspected cauda equina syndrome"}],
    },
)
case(
    "guidance_response_reason_cauda_equina",
    "needs_data",
    "a GuidanceResponse whose reason is 'Cauda equina syndrome': to confirm (it was allowed)",
    {
        "resourceType": "GuidanceResponse",
        "status": "success",
        "subject": {"reference": "Patient/p1"},
        "occurrenceDateTime": "2026-11-19",
        "moduleUri": "http://x",
        "reasonCode": [{"text": "Cauda equina syndrome"}],
    },
)
case(
    "list_note_dvt_on_rivaroxaban",
    "needs_data",
    "a problem List's note 'DVT left leg on rivaroxaban': to confirm (it was passed over: allowed)",
    {
        "resourceType": "List",
        "status": "current",
        "mode": "snapshot",
        "subject": {"reference": "Patient/p1"},
        "date": "2026-11-19",
        "title": "Problem list",
        "note": [{"text": "DVT left leg on rivaroxaban"}],
    },
)
case(
    "risk_assessment_mitigation_fracture",
    "needs_data",
    "a RiskAssessment's mitigation 'Patient has vertebral fracture L1, avoid pressure': to confirm (it was passed over: allowed)",
    {
        "resourceType": "RiskAssessment",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "occurrenceDateTime": "2026-11-19",
        "mitigation": "Patient has vertebral fracture L1, avoid pressure",
    },
)
case(
    "order_patient_instruction_cauda_equina",
    "needs_data",
    "an MRI order's patientInstruction 'Go to ED now: suspected cauda equina syndrome': to confirm (it was passed over: allowed)",
    {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "authoredOn": "2026-11-19",
        "code": {"text": "MRI lumbar spine"},
        "patientInstruction": "Go to ED now: suspected cauda equina syndrome",
    },
)
case(
    "hcg_urine_plus",
    "needs_clearance",
    "a urine pregnancy test (LOINC 2106-3) valued '+': positive, as laboratories write it (it was allowed)",
    {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2106-3"}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-11-20",
        "valueString": "+",
    },
)
case(
    "text_marcumarisiert",
    "needs_data",
    "a German diagnosis text 'marcumarisiert' (anticoagulated with phenprocoumon): to confirm (it was allowed)",
    condition(text="marcumarisiert", onset=None, recorded="2026-11-19"),
)
case(
    "text_htn_emergency",
    "needs_data",
    "a diagnosis text 'HTN emergency': a hypertensive emergency, to confirm (it was allowed)",
    condition(text="HTN emergency", onset=None, recorded="2026-11-19"),
)


case(
    "note_no_increase_of_a_metastasis_named_at_length",
    "needs_data",
    "'No interval increase in size of the known lytic L4 vertebral body metastatic deposit':"
    " a metastasis whose size did not change, nine words after the word of change (the"
    " metastasis is to confirm, never denied)",
    document(
        "text/plain",
        "MRI lumbar spine: No interval increase in size of the known lytic L4 vertebral body"
        " metastatic deposit.",
    ),
)
case(
    "vitals_line_repeat_reading_high",
    "needs_data",
    "a flowsheet row 'Vitals' valued 'BP 128/82 mmHg repeat 185/112 mmHg': the repeat goes on"
    " the blood pressure, never a reading of its own dropped",
    bp(120, 80, when="2026-11-18"),
    vitals_text("BP 128/82 mmHg repeat 185/112 mmHg"),
    without={"bp"},
)


case(
    "condition_narrative_only_cauda_equina",
    "needs_data",
    "a Condition with no code whose narrative (text.div) says 'Cauda equina syndrome': its words, to confirm (it was listed as a condition without a name: allowed)",
    {
        "resourceType": "Condition",
        "subject": {"reference": "Patient/p1"},
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "text": {
            "status": "generated",
            "div": '<div xmlns="http://www.w3.org/1999/xhtml">Cauda equina syndrome</div>',
        },
    },
)
case(
    "procedure_narrative_only_microdiscectomy",
    "needs_data",
    "a Procedure under a code of no known system, 36 days ago, whose narrative says 'L4-5 microdiscectomy': a recent spinal operation to confirm (it was allowed)",
    {
        "resourceType": "Procedure",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "performedDateTime": "2026-10-15",
        "code": {"coding": [{"system": "urn:oid:1.2.3", "code": "123"}]},
        "text": {
            "status": "generated",
            "div": '<div xmlns="http://www.w3.org/1999/xhtml">L4-5 microdiscectomy</div>',
        },
    },
)


case(
    "observation_narrative_only_saddle_anaesthesia",
    "needs_data",
    "an Observation under LOINC 75326-9 (Problem) with no words, whose narrative says 'Saddle anaesthesia present': its words, to confirm (it was dropped, not even listed: allowed)",
    {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "75326-9"}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-11-20",
        "text": {
            "status": "generated",
            "div": '<div xmlns="http://www.w3.org/1999/xhtml">Saddle anaesthesia present</div>',
        },
    },
)

CES_NOTE = "Assessment: new saddle anaesthesia and urinary retention since yesterday."
case(
    "note_utf16le_without_byte_order_mark",
    "needs_data",
    "a progress note in UTF-16 (little-endian) with no byte order mark and no charset, as some"
    " Windows systems export one, saying saddle anaesthesia and urinary retention: read as"
    " UTF-8 it was letters between NUL characters and named nothing",
    document_bytes("text/plain", CES_NOTE.encode("utf-16-le")),
)
case(
    "note_utf16be_without_byte_order_mark",
    "needs_data",
    "the same note in big-endian UTF-16 with no byte order mark: read, to confirm",
    document_bytes("text/plain", CES_NOTE.encode("utf-16-be")),
)
case(
    "note_russian_utf16le_without_byte_order_mark",
    "needs_data",
    "a Russian note in UTF-16 (little-endian) with no byte order mark ('Синдром конского"
    " хвоста, задержка мочи'): read, to confirm",
    document_bytes(
        "text/plain", "Жалобы: синдром конского хвоста, задержка мочи.".encode("utf-16-le")
    ),
)
case(
    "note_gzip_labelled_text",
    "allowed",
    "a note whose data is a gzip file labelled text/plain: not words but a file's bytes, listed"
    " as a document the screening cannot read (it was listed as a note of binary characters)",
    document_bytes("text/plain", __import__("gzip").compress(CES_NOTE.encode(), mtime=0)),
)
case(
    "note_in_contained_binary",
    "needs_data",
    "a note whose content links to a Binary the DocumentReference holds in 'contained' ('#b1'):"
    " read as the Binary of the Bundle is (it was listed as a link the record does not include)",
    {
        **document("text/plain", ""),
        "contained": [
            {
                "resourceType": "Binary",
                "id": "b1",
                "contentType": "text/plain",
                "data": b64(CES_NOTE),
            }
        ],
        "content": [{"attachment": {"contentType": "text/plain", "url": "#b1"}}],
    },
)
case(
    "report_contained_platelets_dated_by_report",
    "contraindicated",
    "a blood count report dated the screening day holding its platelet count (22 x10*3/uL) in"
    " 'contained' with no date of its own: measured when the report was (it was set aside as"
    " undated)",
    {
        "resourceType": "DiagnosticReport",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": {"text": "Complete blood count"},
        "effectiveDateTime": DAY,
        "result": [{"reference": "#plt"}],
        "contained": [
            {
                **dropped(observation("777-3", 22, "10*3/uL"), "effectiveDateTime", "subject"),
                "id": "plt",
            }
        ],
    },
)
case(
    "panel_contained_temperature_dated_by_panel",
    "defer",
    "a vital-signs panel dated the screening day whose member temperature (39.1 Cel, in"
    " 'contained', named by hasMember) has no date of its own: measured when the panel was",
    {
        **dropped(observation("85353-1"), "valueQuantity"),
        "hasMember": [{"reference": "#t"}],
        "contained": [
            {
                **dropped(observation("8310-5", 39.1, "Cel"), "effectiveDateTime", "subject"),
                "id": "t",
            }
        ],
    },
    without={"temperature"},
)
case(
    "temperature_valued_fever_code",
    "needs_data",
    "a body temperature whose value is the SNOMED CT code of a fever (386661006) instead of a"
    " number: set aside as a temperature, and read as the fever it names, to confirm (it was"
    " only a missing temperature)",
    observation(
        "8310-5",
        {"coding": [coding(SNOMED, "386661006", "Fever")]},
        key="valueCodeableConcept",
    ),
    without={"temperature"},
)
case(
    "known_code_display_adds_saddle_anaesthesia",
    "needs_data",
    "a diagnosis coded M54.5 whose display the EHR wrote its own words into ('Low back pain"
    " with new saddle anaesthesia'): the display is read for what the code does not say, to"
    " confirm (the display of a known code was never read)",
    condition(ICD10, "M54.5", "Low back pain with new saddle anaesthesia", onset="2026-11-18"),
)
case(
    "known_code_display_adds_retention_ru",
    "needs_data",
    "a Russian diagnosis coded M42.16 in the MKB-10 system whose display adds 'задержка мочи'"
    " (urinary retention): read, to confirm",
    condition(
        MKB10, "M42.16", "Остеохондроз поясничного отдела, задержка мочи", onset="2026-11-18"
    ),
)
case(
    "known_code_display_adds_cauda_equina_to_herniation",
    "needs_clearance",
    "a disc herniation coded M51.1 whose display adds cauda equina syndrome ('Грыжа диска L4-L5"
    " с синдромом конского хвоста'): the herniation from the code (needs clearance), the cauda"
    " equina to confirm, listed (it was not read)",
    condition(MKB10, "M51.1", "Грыжа диска L4-L5 с синдромом конского хвоста", onset="2026-11-18"),
)
case(
    "known_code_display_names_its_own_site",
    "allowed",
    "a lumbar osteochondrosis coded M42.16 with the display 'Osteochondrosis of spine, lumbar,"
    " chronic' (not the KB's name of the code): what the display names of the same kind"
    " (an indication, a site) is the code's to say, nothing more is found",
    condition(ICD10, "M42.16", "Osteochondrosis of spine, lumbar, chronic", onset="2024-05-01"),
)

case(
    "bp_panel_value_ratio",
    "defer",
    "a blood pressure panel valued as a ratio (valueRatio 195 mm[Hg] / 118 mm[Hg]), as some"
    " systems write one: the pair of readings it says, read as '195/118 mm[Hg]' is (it was set"
    " aside as 'the value is not a number')",
    {
        **dropped(observation("85354-9"), "valueQuantity"),
        "valueRatio": {
            "numerator": {"value": 195, "unit": "mm[Hg]", "code": "mm[Hg]"},
            "denominator": {"value": 118, "unit": "mm[Hg]", "code": "mm[Hg]"},
        },
    },
    without={"bp"},
)
case(
    "bp_in_centimetres_of_mercury",
    "defer",
    "a blood pressure of 19/11 cm[Hg] (190/110 mm Hg), as some South American records write"
    " one: converted (it was 'cannot be converted')",
    observation(
        "85354-9",
        components=[
            {
                "code": {"coding": [coding(LOINC, "8480-6")]},
                "valueQuantity": {
                    "value": 19,
                    "unit": "cmHg",
                    "system": "http://unitsofmeasure.org",
                    "code": "cm[Hg]",
                },
            },
            {
                "code": {"coding": [coding(LOINC, "8462-4")]},
                "valueQuantity": {
                    "value": 11,
                    "unit": "cmHg",
                    "system": "http://unitsofmeasure.org",
                    "code": "cm[Hg]",
                },
            },
        ],
    ),
    without={"bp"},
)
case(
    "ratio_of_two_units_not_a_pressure",
    "allowed",
    "a titer valued as a ratio with no unit (1:160): not read as a pair of readings",
    {
        **dropped(observation("5048-4"), "valueQuantity"),
        "valueRatio": {"numerator": {"value": 1}, "denominator": {"value": 160}},
    },
)

for name, system, code, display, verdict, why in (
    (
        "code_to_confirm_s32_8_lumbar_spine_or_pelvis",
        ICD10,
        "S32.8",
        "Fracture of other and unspecified parts of lumbar spine and pelvis",
        "needs_data",
        "WHO S32.8 may be a fracture of the lumbar spine or of the pelvis alone: a vertebral"
        " fracture to confirm (it was allowed, and neither found nor listed)",
    ),
    (
        "code_to_confirm_s32_9xxa_code_only",
        ICD10CM,
        "S32.9XXA",
        None,
        "needs_data",
        "ICD-10-CM S32.9XXA (unspecified parts of lumbosacral spine and pelvis), code alone: a"
        " vertebral fracture to confirm",
    ),
    (
        "code_pelvis_fracture_icd10cm_not_spine",
        ICD10CM,
        "S32.810A",
        None,
        "allowed",
        "ICD-10-CM S32.810A, a fracture of the pelvis (ICD-10-CM's S32.8x are the pelvis's, not"
        " WHO's S32.8): no vertebral fracture",
    ),
    (
        "code_to_confirm_m80_00xa_no_site",
        ICD10CM,
        "M80.00XA",
        None,
        "needs_data",
        "ICD-10-CM M80.00XA, an osteoporotic fracture of no site, code alone: osteoporosis, and a"
        " vertebral fracture to confirm (it was allowed with precautions, needs data with its title)",
    ),
    (
        "code_to_confirm_m80_0_who_no_site_digit",
        ICD10,
        "M80.0",
        None,
        "needs_data",
        "WHO M80.0 written without its site digit: osteoporosis, and a vertebral fracture to"
        " confirm",
    ),
    (
        "code_to_confirm_snomed_postmenopausal_fracture",
        SNOMED,
        "203453001",
        None,
        "needs_data",
        "SNOMED CT 203453001 (postmenopausal osteoporosis with pathological fracture), code"
        " alone: osteoporosis, and a vertebral fracture to confirm (it was allowed)",
    ),
    (
        "code_to_confirm_g06_2_abscess_no_site",
        ICD10,
        "G06.2",
        "Extradural and subdural abscess, unspecified",
        "defer",
        "WHO G06.2, an extradural or subdural abscess of no site: an infection (defer) and a"
        " spinal infection to confirm",
    ),
):
    case(name, verdict, why, condition(system, code, display, onset="2026-11-15"))

case(
    "known_code_display_and_text_add_saddle_anaesthesia",
    "needs_data",
    "M54.5 whose display and text both say 'Low back pain with new saddle anaesthesia' (an EHR"
    " fills code.text with the display): read, to confirm (a text repeating a known code's"
    " display was never read, whatever the display said)",
    condition(
        ICD10,
        "M54.5",
        "Low back pain with new saddle anaesthesia",
        text="Low back pain with new saddle anaesthesia",
        onset="2026-11-18",
    ),
)
case(
    "panel_cancelled_lends_no_date_to_its_temperature",
    "needs_data",
    "a vital-signs panel entered in error whose contained temperature (36.6) has no date of its"
    " own: a panel entered in error dates nothing, the temperature stays undated and unused",
    {
        **dropped(observation("85353-1", status="entered-in-error"), "valueQuantity"),
        "hasMember": [{"reference": "#t"}],
        "contained": [
            {
                **dropped(observation("8310-5", 36.6, "Cel"), "effectiveDateTime", "subject"),
                "id": "t",
            }
        ],
    },
    without={"temperature"},
)
case(
    "note_ending_in_a_nul",
    "needs_data",
    "a short note ending in a NUL byte ('saddle anaesthesia' and a C string's zero): read as"
    " the text it is, to confirm (not as UTF-16)",
    document_bytes("text/plain", b"new saddle anaesthesia\0"),
)

# ---------------------------------------------------------------------------------------
# An aneurysm or a dissection of the aorta (a damaged blood vessel: clinic policy
# policy_aortic_aneurysm); each gave allowed

case(
    "icd10cm_i71_40_abdominal_aortic_aneurysm",
    "contraindicated",
    "ICD-10-CM I71.40 abdominal aortic aneurysm without rupture: a damaged blood vessel, no"
    " massage (it was allowed)",
    condition(ICD10CM, "I71.40", "Abdominal aortic aneurysm, without rupture, unspecified"),
)
case(
    "mkb10_i71_0_aortic_dissection",
    "contraindicated",
    "MKB-10 I71.0 dissection of the aorta: a damaged blood vessel, no massage (it was allowed)",
    condition(MKB10, "I71.0", "Расслоение аорты [любой части]"),
)
case(
    "snomed_abdominal_aortic_aneurysm",
    "contraindicated",
    "SNOMED CT 233985008 abdominal aortic aneurysm: no massage (it was allowed)",
    condition(SNOMED, "233985008", "Abdominal aortic aneurysm"),
)
case(
    "text_aaa_under_surveillance",
    "needs_data",
    "'Known AAA 4.2 cm, under surveillance' in words only: an aortic aneurysm to confirm (it"
    " was allowed)",
    condition(text="Known AAA 4.2 cm, under surveillance"),
)
case(
    "text_aortic_aneurysm_ru_de",
    "needs_data",
    "'Аневризма брюшного отдела аорты' and 'Aortendissektion Typ B' in words: an aortic"
    " aneurysm or dissection to confirm (each was allowed)",
    condition(text="Аневризма брюшного отдела аорты"),
    condition(text="Aortendissektion Typ B"),
)
case(
    "text_aaa_negated_de",
    "allowed",
    "'Kein Bauchaortenaneurysma' (sonography): a denied aneurysm names none",
    condition(text="Sonographie: kein Bauchaortenaneurysma"),
)

# ---------------------------------------------------------------------------------------
# Saddle paraesthesia: tingling, pins and needles, odd sensation of the saddle, perineum,
# anus or groin (NICE CKS: saddle anaesthesia or paraesthesia; GIRFT: altered perianal,
# perineal or genital sensation); each gave allowed

for name, text in (
    ("text_saddle_tingling_en", "Reports tingling in the saddle area since yesterday"),
    ("text_saddle_tingling_de", "Seit gestern Kribbeln im Reithosenbereich"),
    ("text_saddle_paraesthesia_de", "Reithosenparästhesien seit 2 Tagen"),
    ("text_saddle_tingling_ru", "Со вчерашнего дня покалывание в промежности"),
    ("text_perianal_numbness_ru", "Онемение вокруг ануса"),
):
    case(
        name,
        "needs_data",
        f"'{text}': a saddle paraesthesia, a cauda equina sign, to confirm (it was allowed)",
        condition(text=text, onset="2026-11-19"),
    )
case(
    "text_saddle_tingling_denied_de",
    "allowed",
    "'Kein Kribbeln im Reithosenbereich, Kribbeln im linken Fuß': the saddle's tingling is"
    " denied and a foot's names none",
    condition(text="Kein Kribbeln im Reithosenbereich, Kribbeln im linken Fuß", onset="2026-11-19"),
)

# ---------------------------------------------------------------------------------------
# A hypertensive crisis coded by SNOMED CT (each gave needs data, by its words only)

case(
    "snomed_hypertensive_crisis",
    "defer",
    "SNOMED CT 706882009 hypertensive crisis (ICD-10-CM I16.9's finding): a significant rise"
    " of blood pressure postpones massage (it was needs data, by its words)",
    condition(SNOMED, "706882009", "Hypertensive crisis", onset="2026-11-19"),
)
case(
    "snomed_malignant_hypertension",
    "defer",
    "SNOMED CT 78975002 malignant essential hypertension: grade 3 by its definition, defer (it"
    " was needs data: its word 'malignant' read as a cancer to confirm)",
    condition(SNOMED, "78975002", "Malignant essential hypertension", onset="2026-11-19"),
)

case(
    "snomed_dvt_upper_extremity",
    "contraindicated",
    "SNOMED CT 128054009 deep venous thrombosis of the upper extremity, a child of deep venous"
    " thrombosis: an active DVT (it was needs data, by its words)",
    condition(SNOMED, "128054009", "Deep venous thrombosis of upper extremity", onset="2026-11-12"),
)

case(
    "bp_same_day_remeasured_lower",
    "needs_clearance",
    "190/115 at 09:00, measured again 135/85 at 09:10: the day's mean 162.5/100 is grade 2 (ESC/ESH grade by the mean of two or more readings), not the 135/85 alone (was allowed)",
    observation("85354-9", when="2026-11-20T09:10:00+03:00", components=bp(135, 85)["component"]),
    observation("85354-9", when="2026-11-20T09:00:00+03:00", components=bp(190, 115)["component"]),
    without={"bp"},
)
case(
    "bp_same_day_three_readings",
    "needs_clearance",
    "150/95, 185/112 and 150/95 within ten minutes: the day's mean 161.7/100.7 is grade 2 (was allowed by the last reading)",
    observation("85354-9", when="2026-11-20T09:00:00+03:00", components=bp(150, 95)["component"]),
    observation("85354-9", when="2026-11-20T09:05:00+03:00", components=bp(185, 112)["component"]),
    observation("85354-9", when="2026-11-20T09:10:00+03:00", components=bp(150, 95)["component"]),
    without={"bp"},
)
case(
    "sks_dk_cauda_equina",
    "refer_urgently",
    "the Danish SKS writes a diagnosis as D and the ICD-10 code: DG834 is G83.4, cauda equina syndrome (was allowed)",
    condition("urn:oid:1.2.208.176.2.4", "DG834"),
)
case(
    "sks_shaped_code_no_system",
    "needs_data",
    "DC795 with no system has the shape of an SKS diagnosis (C79.5, secondary malignancy of bone): to confirm (was allowed)",
    condition(None, "DC795"),
)
case(
    "icd10se_bone_metastasis",
    "refer_urgently",
    "C79.5 under the Swedish ICD-10-SE OID is ICD-10 (was needs_data, read as a code of an unknown system)",
    condition("urn:oid:1.2.752.116.1.1.1.1.3", "C79.5"),
)
case(
    "icd10_norway_volven_bone_metastasis",
    "refer_urgently",
    "C795 under the Norwegian ICD-10 OID (Volven 7110) is ICD-10 C79.5 (was needs_data)",
    condition("urn:oid:2.16.578.1.12.4.1.1.7110", "C795"),
)
case(
    "cim10_fr_cauda_equina",
    "refer_urgently",
    "G83.4 under an address that names CIM-10 (the French ICD-10) is ICD-10 (was needs_data)",
    condition("https://smt.esante.gouv.fr/terminologie-cim-10/", "G83.4"),
)


case(
    "atc_clopidogrel_aspirin_combination",
    "needs_clearance",
    "ATC B01AC34 (clopidogrel and acetylsalicylic acid) with no name is a blood thinner (was allowed)",
    medication("MedicationStatement", ATC, "B01AC34"),
)
case(
    "atc_dipyridamole_aspirin_combination",
    "needs_clearance",
    "ATC B01AC36 (dipyridamole and acetylsalicylic acid) with no name is a blood thinner (was allowed)",
    medication("MedicationRequest", ATC, "B01AC36"),
)
case(
    "brand_asasantin_text",
    "needs_data",
    "'Asasantin retard' (dipyridamole with aspirin) in words is a blood thinner to confirm (was allowed)",
    medication(system=None, text="Asasantin retard 200 mg/25 mg 1-0-1"),
)
case(
    "snomed_ectopic_pregnancy",
    "needs_clearance",
    "SNOMED CT 34801009 ectopic pregnancy is a pregnancy (was allowed)",
    condition(SNOMED, "34801009"),
)
case(
    "icd10cm_history_in_situ_neoplasm",
    "needs_clearance",
    "ICD-10-CM Z86.000, a past in-situ neoplasm of the breast, is a history of cancer as a resolved D05 is (was allowed)",
    condition(
        ICD10CM, "Z86.000", "Personal history of in-situ neoplasm of breast", onset="2015-03-01"
    ),
)
case(
    "icd10cm_history_uncertain_neoplasm",
    "needs_clearance",
    "ICD-10-CM Z86.03, a past neoplasm of uncertain behaviour, is a history of cancer (was allowed)",
    condition(ICD10CM, "Z86.03", onset="2018-06-01"),
)
case(
    "ru_stroke_vertebrobasilar_territory",
    "needs_data",
    "'ОНМК по ишемическому типу в вертебробазилярном бассейне' names the vertebrobasilar circulation: vertebrobasilar insufficiency to confirm (was allowed)",
    condition(text="ОНМК по ишемическому типу в вертебробазилярном бассейне", onset="2026-09-14"),
)
case(
    "hcg_urine_detected_snomed",
    "needs_clearance",
    "urine hCG pregnancy test answered SNOMED CT 260373001 'Detected', as laboratories report presence (was needs data)",
    observation(
        "2106-3",
        key="valueCodeableConcept",
        value={"coding": [coding(SNOMED, "260373001", "Detected")]},
    ),
)
case(
    "hcg_serum_detected_loinc_answer",
    "needs_clearance",
    "serum hCG pregnancy test answered LOINC LA11882-0 'Detected' (was needs data)",
    observation(
        "2118-8",
        key="valueCodeableConcept",
        value={"coding": [coding(LOINC, "LA11882-0", "Detected")]},
    ),
)
case(
    "hcg_urine_not_detected",
    "allowed",
    "urine hCG pregnancy test answered SNOMED CT 260415000 'Not detected': no pregnancy",
    observation(
        "2106-3",
        key="valueCodeableConcept",
        value={"coding": [coding(SNOMED, "260415000", "Not detected")]},
    ),
)

case(
    "ru_doppler_vertebrobasilar_normal",
    "allowed",
    "a routine Doppler of the neck arteries: blood flow in the vertebrobasilar territory not impaired, names no disease",
    report(
        "УЗДГ БЦА: кровоток в вертебробазилярном бассейне не нарушен, асимметрия по позвоночным артериям 20%"
    ),
)


# French and Spanish diagnoses written in words (KB synonyms fr, es; cues after NegEx's French
# lexicon and the NUBES corpus): (name, verdict, why, the diagnosis's words, its onset) ---------

WRITTEN_IN_FRENCH_OR_SPANISH: list[tuple[str, str, str, str, str | None]] = [
    (
        "text_fr_cauda_equina",
        "needs_data",
        "'Syndrome de la queue de cheval' (French): cauda equina syndrome, to confirm (was allowed)",
        "Syndrome de la queue de cheval",
        "2026-11-18",
    ),
    (
        "text_es_cauda_equina",
        "needs_data",
        "'Síndrome de cola de caballo' (Spanish): cauda equina syndrome, to confirm (was allowed)",
        "Síndrome de cola de caballo",
        "2026-11-18",
    ),
    (
        "text_fr_urinary_retention_elided_article",
        "needs_data",
        "'Rétention aiguë d'urine' (French, the article elided before the noun): a cauda equina"
        " sign, to confirm (was allowed)",
        "Lombosciatique gauche, rétention aiguë d'urine depuis hier",
        DAY,
    ),
    (
        "text_fr_urinary_retention_typographic_apostrophe",
        "needs_data",
        "'Rétention d’urine' written with the typographic apostrophe: a cauda equina sign, to"
        " confirm",
        "Rétention d’urine",
        DAY,
    ),
    (
        "text_fr_denied_sphincter_signs",
        "allowed",
        "'pas d'incontinence, pas de trouble sphinctérien, sans anesthésie en selle': each denied",
        "Lombalgie L5, pas d'incontinence, pas de trouble sphinctérien, sans anesthésie en selle",
        None,
    ),
    (
        "text_fr_no_fever_but_retention",
        "needs_data",
        "'Pas de fièvre mais rétention urinaire': 'mais' ends the denial, the retention stays (to"
        " confirm)",
        "Pas de fièvre mais rétention urinaire",
        DAY,
    ),
    (
        "text_fr_vertebral_collapse",
        "needs_data",
        "'Tassement vertébral L1 récent' (French): a vertebral fracture, to confirm (was allowed)",
        "Tassement vertébral L1 récent",
        "2026-11-10",
    ),
    (
        "text_fr_metastases_ruled_out",
        "allowed",
        "'Métastases vertébrales éliminées' (ruled out): denied by the cue after it",
        "Métastases vertébrales éliminées",
        None,
    ),
    (
        "text_fr_cauda_equina_not_ruled_out",
        "needs_data",
        "'Syndrome de la queue de cheval non exclu' (not ruled out): a doubt, to confirm",
        "Syndrome de la queue de cheval non exclu",
        DAY,
    ),
    (
        "text_fr_history_of_cancer_elided",
        "needs_data",
        "'Antécédents d'adénocarcinome du côlon': a history of cancer, to confirm (was allowed)",
        "Antécédents d'adénocarcinome du côlon",
        "2015-01-01",
    ),
    (
        "text_fr_family_history_cancer",
        "allowed",
        "'Antécédents familiaux, cancer du sein' (family history): a relative's, not the patient's",
        "Antécédents familiaux, cancer du sein",
        None,
    ),
    (
        "text_fr_acute_pulmonary_oedema_ligature",
        "needs_data",
        "'Œdème aigu du poumon' written with the ligature Œ: decompensated heart disease, to"
        " confirm (was allowed)",
        "Œdème aigu du poumon",
        "2026-11-12",
    ),
    (
        "text_fr_disc_herniation",
        "needs_data",
        "'Hernie discale L5-S1' (French): a disc herniation, to confirm (was allowed)",
        "Hernie discale L5-S1 gauche",
        "2026-10-01",
    ),
    (
        "text_fr_pregnancy",
        "needs_data",
        "'Grossesse 12 SA' (French): a pregnancy, to confirm (was allowed)",
        "Grossesse 12 SA",
        "2026-09-01",
    ),
    (
        "text_es_denied_retention_and_incontinence",
        "allowed",
        "'Lumbociática sin retención urinaria ni incontinencia' (Spanish): denied",
        "Lumbociática sin retención urinaria ni incontinencia",
        None,
    ),
    (
        "text_es_fracture_not_ruled_out",
        "needs_data",
        "'No se descarta fractura vertebral' (not ruled out): a doubt, to confirm (was allowed)",
        "No se descarta fractura vertebral",
        DAY,
    ),
    (
        "text_es_cauda_equina_ruled_out",
        "allowed",
        "'Síndrome de cola de caballo descartado' (ruled out): denied by the cue after it",
        "Síndrome de cola de caballo descartado",
        None,
    ),
    (
        "text_es_mother_with_breast_cancer",
        "needs_data",
        "'Madre con cáncer de mama': a relative named in French or Spanish without a family"
        " history heading is not taken as the relative's (a companion is written so: 'Acude con"
        " su madre por retención urinaria'): to confirm",
        "Madre con cáncer de mama",
        None,
    ),
    (
        "text_es_family_history_heading_mother",
        "allowed",
        "'Antecedentes familiares: madre con cáncer de mama' (the family history heading): a"
        " relative's, not the patient's",
        "Antecedentes familiares: madre con cáncer de mama",
        None,
    ),
    (
        "text_es_comes_with_mother_urinary_retention",
        "needs_data",
        "'Acude con su madre por retención urinaria' (comes with her mother): the retention is"
        " the patient's, to confirm",
        "Acude con su madre por retención urinaria",
        DAY,
    ),
    (
        "text_fr_accompanied_by_mother_urinary_retention",
        "needs_data",
        "'Accompagnée de sa mère pour rétention urinaire' (accompanied by her mother): the"
        " retention is the patient's, to confirm",
        "Accompagnée de sa mère pour rétention urinaire",
        DAY,
    ),
    (
        "text_es_mother_then_patient_metastases",
        "needs_data",
        "'Madre con cáncer de mama; paciente con metástasis vertebrales': the mother's cancer,"
        " then the patient's spinal metastases, to confirm",
        "Madre con cáncer de mama; paciente con metástasis vertebrales",
        DAY,
    ),
    (
        "text_es_dvt",
        "needs_data",
        "'Trombosis venosa profunda' (Spanish): a deep vein thrombosis, to confirm (was allowed)",
        "Trombosis venosa profunda de miembro inferior izquierdo",
        "2026-11-01",
    ),
    (
        "text_es_unexplained_weight_loss",
        "needs_data",
        "'Lumbalgia con pérdida de peso inexplicada': a spinal-malignancy red flag, to confirm"
        " (was allowed)",
        "Lumbalgia con pérdida de peso inexplicada",
        "2026-11-01",
    ),
    (
        "text_es_february_is_no_fever",
        "allowed",
        "'Lumbalgia mecánica desde febrero' (since February): 'febrero' is no form of 'febril'"
        " (febrile)",
        "Lumbalgia mecánica desde febrero",
        None,
    ),
]
for name, verdict, why, words_written, onset in WRITTEN_IN_FRENCH_OR_SPANISH:
    case(name, verdict, why, condition(text=words_written, onset=onset or "2026-01-10"))
case(
    "text_fr_secondary_vertebral_lesions_in_report",
    "needs_data",
    "an MRI report concluding 'Lésions secondaires vertébrales L2 et L3' (French for spinal"
    " metastases): to confirm (was allowed)",
    {**report("Lésions secondaires vertébrales L2 et L3"), "code": {"text": "IRM du rachis"}},
)

# Readings and answers a French or Spanish system names in its own words (KB data.yaml names
# fr, es; text.yaml answer words): never used as measured, never dropped --------------------

OLDER_NORMAL_BP = bp(120, 80, when="2026-11-18")
OLDER_NORMAL_TEMPERATURE = observation("8310-5", 36.6, "Cel", when="2026-11-19")
for key, name in (
    ("french_tension_arterielle", "Tension artérielle"),
    ("spanish_presion_arterial", "Presión arterial"),
    ("french_ta", "TA"),
):
    case(
        f"named_bp_{key}",
        "needs_data",
        f"120/80 (LOINC) two days ago, then a flowsheet row '{name}' valued '190/115 mmHg': a"
        " newer grade 3 pressure if confirmed, never used as measured; blood pressure is unknown"
        " (was allowed)",
        OLDER_NORMAL_BP,
        named_panel(name, {"valueString": "190/115 mmHg"}),
        without={"bp"},
    )
for key, name in (
    ("french_axillaire", "Température axillaire"),
    ("spanish_temperatura", "Temperatura"),
):
    case(
        f"named_temperature_{key}",
        "needs_data",
        f"36.6 Cel (LOINC) yesterday, then a flowsheet row '{name}' of 39.2 °C today: a fever if"
        " confirmed, never used as measured; body temperature is unknown (was allowed)",
        OLDER_NORMAL_TEMPERATURE,
        local_reading(name, 39.2, "°C"),
        without={"temperature"},
    )
case(
    "vitals_text_french_ta_high",
    "needs_data",
    "120/80 (LOINC) two days ago, then a note's vitals 'TA 190/115 mmHg, FC 88': the pressure"
    " named by the French 'TA' is a grade 3 pressure if confirmed; blood pressure is unknown (was"
    " allowed)",
    OLDER_NORMAL_BP,
    vitals_text("TA 190/115 mmHg, FC 88"),
    without={"bp"},
)
case(
    "other_form_french_question_answered_non",
    "allowed",
    "another form asks 'Anesthésie en selle ?' and the answer is 'Non': a clear no (it was to"
    " confirm)",
    other_form(
        {"linkId": "1", "text": "Anesthésie en selle ?", "answer": [{"valueString": "Non"}]}
    ),
)
case(
    "other_form_spanish_question_answered_si",
    "needs_data",
    "another form asks '¿Anestesia en silla de montar?' and the answer is 'Sí': saddle"
    " anaesthesia, to confirm (it was to confirm as an answer not understood)",
    other_form(
        {
            "linkId": "1",
            "text": "¿Anestesia en silla de montar?",
            "answer": [{"valueString": "Sí"}],
        }
    ),
)


def egfr(
    value: Any, unit: str | None = "mL/min/{1.73_m2}", code: str = "33914-3", **kw: Any
) -> Resource:
    """An eGFR result (LOINC), as laboratories and Synthea send it."""
    return lab_result("eGFR", code, value, unit, **kw)


case(
    "egfr_g5_no_kidney_diagnosis",
    "contraindicated",
    "an eGFR of 12 mL/min/1.73 m2 two days ago and no kidney diagnosis: kidney failure (KDIGO"
    " G5), a contraindication (policy_egfr; it was allowed)",
    egfr(12, when="2026-11-18"),
)
case(
    "egfr_g4_written_ml_per_min",
    "contraindicated",
    "an eGFR (CKD-EPI 62238-1) of 24 written 'mL/min', as Synthea writes it: KDIGO G4, CKD"
    " stage 4 (it was allowed)",
    egfr(24, "mL/min", "62238-1", when="2026-11-18"),
)
case(
    "egfr_per_second_converted",
    "contraindicated",
    "an eGFR (CKD-EPI 2021) of 0.3 in 'mL/s/1.73m2' (SI): 18 mL/min/1.73 m2, KDIGO G4, CKD"
    " stage 4 (it was set aside as a unit not converted: needs_data)",
    egfr(0.3, "mL/s/1.73m2", "98979-8", when="2026-11-18"),
)
case(
    "egfr_per_second_normal",
    "allowed",
    "an eGFR of 1.5 'mL/s/1,73 m²' (SI, a decimal comma in the unit): 90 mL/min/1.73 m2, no"
    " finding",
    egfr(1.5, "mL/s/1,73 m²", "98979-8", when="2026-11-18"),
)
case(
    "egfr_other_unit_set_aside",
    "needs_data",
    "an eGFR (CKD-EPI 2021) of 1.2 in 'mg/dL' (a creatinine's unit): not an eGFR's, set aside;"
    " kidney function unknown",
    egfr(1.2, "mg/dL", "98979-8", when="2026-11-18"),
)
case(
    "egfr_at_30_not_low",
    "allowed",
    "an eGFR of 30 (KDIGO G3b, the threshold itself): not below 30, no finding",
    egfr(30, when="2026-11-18"),
)
case(
    "egfr_normal",
    "allowed",
    "an eGFR of 85 (CKD-EPI 2021): normal kidney function, no finding",
    egfr(85, code="98979-8", when="2026-11-18"),
)
case(
    "egfr_low_stale",
    "needs_data",
    "an eGFR of 12 in May: older than the laboratory window, asked for again (never read as"
    " 'not low')",
    egfr(12, when="2026-05-02"),
)
case(
    "egfr_bound_above_60",
    "allowed",
    "an eGFR written '>60 mL/min/1.73m2', as laboratories cap it: above 60 whatever it is, not"
    " below 30",
    {**dropped(egfr(None, when="2026-11-18"), "valueQuantity"), "valueString": ">60 mL/min/1.73m2"},
)
case(
    "egfr_bound_below_15",
    "contraindicated",
    "an eGFR '< 15' (a comparator): below 30 whatever it is, KDIGO G5 (it was allowed)",
    {
        **egfr(None, when="2026-11-18"),
        "valueQuantity": {
            "value": 15,
            "comparator": "<",
            "unit": "mL/min/{1.73_m2}",
            "system": "http://unitsofmeasure.org",
            "code": "mL/min/{1.73_m2}",
        },
    },
)
case(
    "egfr_local_code_named_low",
    "needs_data",
    "an eGFR of 12 under a laboratory's own code named 'eGFR (CKD-EPI)': never used as measured"
    " nor dropped; kidney failure to confirm (it was allowed)",
    local_reading("eGFR (CKD-EPI)", 12, "mL/min/1.73m2"),
)
case(
    "egfr_local_code_named_normal",
    "allowed",
    "an eGFR of 75 under a laboratory's own code named 'GFR': it cannot raise a finding",
    local_reading("GFR", 75, "mL/min/1.73m2"),
)
case(
    "egfr_russian_named_low",
    "needs_data",
    "'рСКФ' 14 мл/мин/1,73 м² under a laboratory's own code: kidney failure to confirm (it was"
    " allowed)",
    local_reading("рСКФ", 14, "мл/мин/1,73 м²"),
)
case(
    "egfr_french_named_low",
    "needs_data",
    "'DFG' 22 mL/min/1,73 m² under a laboratory's own code: CKD stage 4 to confirm (it was"
    " allowed)",
    local_reading("DFG", 22, "mL/min/1,73 m²"),
)
case(
    "egfr_spanish_named_low",
    "needs_data",
    "'TFG' 22 mL/min/1.73 m² under a laboratory's own code: CKD stage 4 to confirm (it was"
    " allowed)",
    local_reading("TFG", 22, "mL/min/1.73 m²"),
)
case(
    "creatinine_is_not_egfr",
    "allowed",
    "a serum creatinine of 5.2 mg/dL (LOINC 2160-0): a creatinine is not an eGFR and decides"
    " nothing by itself",
    observation("2160-0", 5.2, "mg/dL", when="2026-11-18"),
)
case(
    "egfr_in_creatinine_unit_set_aside",
    "needs_data",
    "an eGFR coded 33914-3 valued 450 umol/L (a creatinine sent under the eGFR's code): the"
    " value cannot be an eGFR, set aside; kidney function unknown",
    egfr(450, "umol/L", when="2026-11-18"),
)


# A temperature under a short name ("T°", "Tª", "t"), read only with a degree sign or a
# temperature unit (KB data.yaml unit_names): never used as measured, never dropped -------

WAS_ALLOWED = "was allowed"
for key, written, before in (
    ("t_degree_celsius", "T° 39,2 °C", WAS_ALLOWED),
    ("t_ordinal_spanish", "Tª 39,2 ºC", WAS_ALLOWED),
    ("t_letter_c", "T 39.2 C", WAS_ALLOWED),
    ("t_lower_degree_after_value", "t 39,2°", WAS_ALLOWED),
    ("t_degree_no_unit", "t° 38.5", "the text was to confirm only as words of fever"),
    ("t_cyrillic_degree", "Т° 39,2", WAS_ALLOWED),
):
    case(
        f"vitals_text_short_temperature_{key}",
        "needs_data",
        f"36.6 Cel (LOINC) yesterday, then a note's vitals 'HR 88, {written}': a newer"
        f" fever if confirmed, never used as measured; body temperature is unknown ({before})",
        OLDER_NORMAL_TEMPERATURE,
        vitals_text(f"HR 88, {written}"),
        without={"temperature"},
    )
case(
    "note_short_temperature_t_degree",
    "needs_data",
    "36.6 Cel (LOINC) yesterday, then a note 'Seen today. T° 39,2 °C, back pain unchanged.': a"
    " newer fever if confirmed; body temperature is unknown (was allowed)",
    OLDER_NORMAL_TEMPERATURE,
    document("text/plain", "Seen today. T° 39,2 °C, back pain unchanged."),
    without={"temperature"},
)
case(
    "named_temperature_t_degree_only",
    "needs_data",
    "36.6 Cel (LOINC) yesterday, then an Observation named only 'T°' (text, no code) of 39.2"
    " °C today: a fever if confirmed, never used as measured (was allowed)",
    OLDER_NORMAL_TEMPERATURE,
    {
        **observation("8310-5"),
        "code": {"text": "T°"},
        "valueQuantity": {"value": 39.2, "unit": "°C"},
    },
    without={"temperature"},
)
case(
    "vitals_text_short_temperature_normal",
    "allowed",
    "36.6 Cel (LOINC) yesterday, then a note's vitals 'T° 36,8 °C': a normal temperature under"
    " a short name cannot raise a finding",
    OLDER_NORMAL_TEMPERATURE,
    vitals_text("HR 88, T° 36,8 °C"),
    without={"temperature"},
)
case(
    "vitals_text_bare_t_is_no_temperature",
    "needs_data",
    "36.6 Cel (LOINC) yesterday, then a note's vitals 'T 39 P 76 R 18': a bare 'T' before a"
    " number without a unit or a degree sign is no reading (it may be a vertebra, a time or a"
    " score), but its words name a fever to confirm, as 'T 38' did (it was allowed: only 38.x"
    " was read)",
    OLDER_NORMAL_TEMPERATURE,
    vitals_text("T 39 P 76 R 18"),
    without={"temperature"},
)
case(
    "vitals_text_short_temperature_fahrenheit_degree",
    "needs_data",
    "36.6 Cel (LOINC) yesterday, then a note's vitals 't 101°': a degree sign alone is read as"
    " Celsius, 101 is no body temperature in it, set aside; body temperature is unknown",
    OLDER_NORMAL_TEMPERATURE,
    vitals_text("t 101°"),
    without={"temperature"},
)

for name, words in (
    (
        "text_accompanied_by_relatives_listed_urinary_retention",
        "Accompanied by her mother, father for acute urinary retention",
    ),
    (
        "text_brought_by_husband_daughter_saddle_anaesthesia",
        "Brought in by husband, daughter with saddle anaesthesia",
    ),
    (
        "text_accompanied_by_three_relatives_cauda_equina",
        "Accompanied by mother, sister, daughter for suspected cauda equina",
    ),
):
    case(
        name,
        "needs_data",
        f"'{words}': the relatives listed after a comma are who came with the patient; the"
        " red flag is the patient's, to confirm (it was read as a relative's: allowed)",
        condition(text=words),
    )
case(
    "text_accompanied_by_daughter_then_mother_history",
    "allowed",
    "'Accompanied by daughter. Mother had breast cancer': a new sentence names the mother's"
    " history, not the patient's",
    condition(text="Accompanied by daughter. Mother had breast cancer"),
)

RECENT_FRACTURE = (
    "a history cue, but the words date the fracture within the last weeks; a fresh vertebral"
    " fracture is a red flag, to confirm (it was read as past: allowed)"
)
for name, verdict, words, why in (
    (
        "text_sp_vertebral_fracture_last_week",
        "needs_data",
        "s/p vertebral fracture L1 last week",
        RECENT_FRACTURE,
    ),
    (
        "text_hx_l1_fracture_weeks_ago",
        "needs_data",
        "h/o L1 compression fracture 3 weeks ago",
        RECENT_FRACTURE,
    ),
    (
        "text_zn_lwk_fraktur_vor_wochen",
        "needs_data",
        "Z.n. LWK-1-Fraktur vor 2 Wochen",
        RECENT_FRACTURE,
    ),
    (
        "text_ru_after_fracture_week_ago",
        "needs_data",
        "Состояние после компрессионного перелома L1 неделю назад",
        RECENT_FRACTURE,
    ),
    (
        "text_hx_l1_fracture_years_ago",
        "allowed",
        "h/o L1 fracture 2 years ago",
        "a fracture dated years back is past",
    ),
    (
        "text_zn_lwk_fraktur_vor_jahren",
        "allowed",
        "Z.n. LWK-1-Fraktur vor 3 Jahren",
        "a fracture dated years back is past",
    ),
):
    case(name, verdict, f"'{words}': {why}", condition(text=words))
for name, code, display in (
    (
        "platelets_unlisted_loinc_citrate_long_name",
        "74464-9",
        "Platelets [#/volume] in Blood collected in sodium citrate",
    ),
    (
        "platelets_local_code_loinc_long_name",
        "PLT-AUTO",
        "Platelets [#/volume] in Blood by Automated count",
    ),
):
    case(
        name,
        "needs_data",
        f"platelets 30 x10^3/uL under a code the KB does not list ({code}) named by a LOINC"
        f" long name '{display}': a platelet count by its name, a coagulation contraindication"
        " to confirm (the name was not read: allowed)",
        {
            **observation(code, 30, "10*3/uL", when="2026-11-18"),
            "code": {
                "coding": [
                    {
                        **coding(LOINC if code[0].isdigit() else "urn:lab:local", code),
                        "display": display,
                    }
                ]
            },
        },
    )

for name, words in (
    ("text_saddle_area_numbness", "Saddle area numbness"),
    ("text_saddle_area_numbness_improving", "Saddle area numbness improving"),
    ("text_saddle_region_numbness", "Saddle region numbness since Tuesday"),
):
    case(
        name,
        "needs_data",
        f"'{words}' (the region written before what is felt there): saddle numbness, a cauda"
        " equina red flag, to confirm (it was allowed)",
        condition(text=words),
    )
case(
    "text_saddle_area_tingling",
    "needs_data",
    "'Saddle area tingling': tingling of the saddle area, a cauda equina red flag, to confirm",
    condition(text="Saddle area tingling"),
)

for name, verdict, start, days, why in (
    (
        "warfarin_request_stopped_supply_runs_to_today",
        "needs_data",
        "2026-10-01",
        90,
        "a warfarin prescription written 50 days ago for 90 days, stopped on a day it does not"
        " give: it may have been taken up to yesterday, to confirm (it was read as ended the"
        " day it was written: allowed)",
    ),
    (
        "warfarin_request_stopped_supply_ended_long_ago",
        "allowed",
        "2026-07-01",
        30,
        "a warfarin prescription written in July for 30 days, stopped: its supply ran out in"
        " July, months before the screening; nothing limits massage",
    ),
):
    case(name, verdict, why, warfarin(status="stopped", start=start, extra=supply(days)))

for name, verdict, words, why in (
    (
        "text_no_longer_on_warfarin",
        "needs_data",
        "No longer on warfarin",
        "a blood thinner stopped, as 'Warfarin stopped' is: it may still act, to confirm (it was"
        " read as denied: allowed)",
    ),
    (
        "text_de_nicht_mehr_marcumar",
        "needs_data",
        "Nicht mehr auf Marcumar",
        "German 'no longer on phenprocoumon': stopped, to confirm (it was allowed)",
    ),
    (
        "text_ru_no_longer_takes_warfarin",
        "needs_data",
        "Больше не принимает варфарин",
        "Russian 'no longer takes warfarin': stopped, to confirm (it was allowed)",
    ),
    ("text_no_longer_has_fever", "allowed", "No longer has fever", "no fever now"),
    ("text_not_on_warfarin", "allowed", "Not on warfarin", "denied: never a finding"),
):
    case(name, verdict, f"'{words}': {why}", condition(text=words))

for name, verdict, words, why in (
    (
        "text_feverfew_is_no_fever",
        "allowed",
        "Feverfew supplement",
        "a herb, not a fever (it was read as one to confirm: needs_data)",
    ),
    (
        "text_flu_vaccine_is_no_infection",
        "allowed",
        "Flu vaccine given",
        "a vaccine named after the disease it prevents names no infection (it was read as one"
        " to confirm: needs_data)",
    ),
    (
        "text_covid_19_vaccine_booster_is_no_infection",
        "allowed",
        "COVID-19 vaccine booster",
        "a vaccine names no infection (it was read as one to confirm: needs_data)",
    ),
    (
        "text_fever_after_vaccination",
        "needs_data",
        "Fever after vaccination",
        "a fever, whatever brought it, to confirm",
    ),
):
    case(name, verdict, f"'{words}': {why}", condition(text=words))

NO_CANCER_NAMED = "a screening or a susceptibility names no cancer (it was read as one to confirm)"
for name, verdict, res, why in (
    (
        "screening_mammogram_code_is_no_cancer",
        "allowed",
        condition(
            ICD10CM, "Z12.31", "Encounter for screening mammogram for malignant neoplasm of breast"
        ),
        NO_CANCER_NAMED,
    ),
    (
        "genetic_susceptibility_is_no_cancer",
        "allowed",
        condition(ICD10CM, "Z15.01", "Genetic susceptibility to malignant neoplasm of breast"),
        NO_CANCER_NAMED,
    ),
    (
        "text_breast_cancer_screening_is_no_cancer",
        "allowed",
        condition(text="Breast cancer screening"),
        NO_CANCER_NAMED,
    ),
    (
        "text_cancer_found_on_screening",
        "needs_data",
        condition(text="Breast cancer found on screening mammogram"),
        "a cancer found on a screening, to confirm",
    ),
):
    said = res["code"].get("text") or res["code"]["coding"][0]["display"]
    case(name, verdict, f"'{said}': {why}", res)

DEFICIT = "CKS's red flag of cauda equina in its own words, to confirm (it was allowed)"
for name, words in (
    ("text_progressive_neurological_deficit", "Progressive neurological deficit in the legs"),
    ("text_ru_progressive_neurological_deficit", "Прогрессирующий неврологический дефицит"),
    ("text_de_progressive_neurological_deficit", "Progrediente neurologische Ausfälle"),
    ("text_fr_progressive_neurological_deficit", "Déficit neurologique progressif"),
    ("text_es_progressive_neurological_deficit", "Déficit neurológico progresivo"),
):
    case(name, "needs_data", f"'{words}': {DEFICIT}", condition(SNOMED, "999999999999", words))

WOUND = "a wound or ulcer of the skin is a skin lesion, local, to confirm (it was allowed)"
for name, words in (
    ("text_skin_ulcer", "Skin ulcer"),
    ("text_surgical_wound", "Surgical wound"),
    ("text_laceration_of_back", "Laceration of back"),
    ("text_ru_trophic_ulcer", "Трофическая язва"),
    ("text_ru_abrasion", "Ссадина"),
    ("text_de_operation_wound", "Operationswunde"),
    ("text_fr_surgical_wound", "Plaie chirurgicale"),
    ("text_es_skin_ulcer", "Úlcera cutánea"),
):
    case(name, "needs_data", f"'{words}': {WOUND}", condition(SNOMED, "999999999999", words))
case(
    "text_gastric_ulcer_is_no_skin_lesion",
    "allowed",
    "'Gastric ulcer': an ulcer named without the skin is no skin lesion",
    condition(text="Gastric ulcer"),
)

EXCEPTION = "an exception after a denial names what the patient has, to confirm (it was allowed)"
for name, words in (
    ("note_no_complaints_other_than_retention", "No complaints other than urinary retention."),
    ("note_no_symptoms_besides_retention", "Patient has no symptoms besides urinary retention."),
    ("note_ru_no_complaints_except_retention", "Жалоб нет, за исключением задержки мочи."),
    ("note_de_no_complaints_except_retention", "Keine Beschwerden abgesehen von Harnverhalt."),
    ("note_fr_no_complaints_except_retention", "Pas de plainte sauf une rétention urinaire."),
    ("note_es_no_symptoms_except_retention", "Sin síntomas excepto retención urinaria."),
):
    case(name, "needs_data", f"a note '{words}': {EXCEPTION}", document("text/plain", words))
case(
    "note_no_fever_no_chills_stays_denied",
    "allowed",
    "a note 'No fever, no chills, other than that well.': each denial stays a denial",
    document("text/plain", "No fever, no chills, other than that well."),
)

AND_NAMED = "what the note adds after 'and' is the patient's, to confirm (it was allowed)"
for name, res in (
    (
        "text_susceptibility_to_breast_cancer_and_spinal_metastases",
        condition(text="Genetic susceptibility to breast cancer and spinal metastases"),
    ),
    (
        "text_susceptibility_to_breast_cancer_and_active_cancer",
        condition(
            text="Genetic susceptibility to breast cancer and active breast cancer on chemotherapy"
        ),
    ),
    (
        "text_susceptibility_to_thrombophilia_and_dvt",
        condition(text="Genetic susceptibility to thrombophilia and DVT"),
    ),
    (
        "text_susceptibility_to_thrombophilia_and_fever",
        condition(text="Genetic susceptibility to thrombophilia and fever 38.9"),
    ),
    (
        "text_screening_mammogram_and_spine_metastases",
        condition(
            text="Screening mammogram for malignant neoplasm of breast and metastases to spine"
        ),
    ),
    (
        "text_screening_mammogram_and_dvt",
        condition(text="Screening mammogram for breast cancer and DVT left leg"),
    ),
    (
        "text_screening_for_cancer_and_metastatic_cancer",
        condition(text="Screening for breast cancer and metastatic breast cancer"),
    ),
    (
        "susceptibility_code_display_adds_metastatic_cancer",
        condition(
            ICD10CM,
            "Z15.01",
            "Genetic susceptibility to malignant neoplasm of breast and metastatic breast cancer",
        ),
    ),
):
    said = res["code"].get("text") or res["code"]["coding"][0]["display"]
    case(name, "needs_data", f"'{said}': {AND_NAMED}", res)
case(
    "text_screening_for_breast_cancer_is_no_cancer",
    "allowed",
    "'Screening for breast cancer': a screening names no cancer",
    condition(text="Screening for breast cancer"),
)

POSITIVE_SCREEN = "a screening with a positive result: the cancer to confirm (it was allowed)"
for name, words in (
    ("text_breast_cancer_screen_positive", "breast cancer screen positive, biopsy pending"),
    ("text_cancer_screening_positive", "Cancer screening positive"),
    ("text_malignancy_screening_positive", "Malignancy screening positive"),
):
    case(name, "needs_data", f"'{words}': {POSITIVE_SCREEN}", condition(text=words))
case(
    "text_cancer_screening_negative_is_no_cancer",
    "allowed",
    "'Cancer screening negative': a negative screening names no cancer",
    condition(text="Cancer screening negative"),
)

LOW_PLATELETS = observation("777-3", 30, "10*3/uL", when="2026-11-15")


def platelet_named(code: str, display: str, **value: Any) -> Resource:
    """A reading dated after the low platelet count under a code the KB does not list,
    named by a LOINC long name."""
    return {
        **observation(code, when="2026-11-18"),
        "code": {"coding": [{**coding(LOINC, code), "display": display}]},
        **value,
    }


OTHER_KIND = (
    "platelets 30 x10^3/uL five days ago, then a reading whose LOINC long name names"
    " platelets but measures {what}: no platelet count, the low count stands, a coagulation"
    " contraindication (it made the count unknown: needs_data)"
)
for name, code, display, value, what in (
    (
        "platelets_low_then_morphology",
        "11125-2",
        "Platelets [Morphology] in Blood",
        {"valueString": "Normal"},
        "their look",
    ),
    (
        "platelets_low_then_presence",
        "9317-9",
        "Platelets [Presence] in Blood by Light microscopy",
        {"valueString": "Adequate"},
        "their presence",
    ),
    (
        "platelets_low_then_mean_volume",
        "32623-1",
        "Platelets [Entitic volume] in Blood",
        {"valueQuantity": {"value": 9.5, "unit": "fL"}},
        "their size",
    ),
    (
        "platelets_low_then_per_field",
        "9316-1",
        "Platelets [#/area] in Blood by Light microscopy",
        {"valueQuantity": {"value": 12, "unit": "/[HPF]"}},
        "a count per microscope field",
    ),
    (
        "platelets_low_then_platelet_poor_plasma",
        "74775-8",
        "Platelets [#/volume] in Platelet poor plasma",
        {"valueQuantity": {"value": 5, "unit": "10*3/uL"}},
        "what is left in platelet-poor plasma",
    ),
):
    case(
        name,
        "contraindicated",
        OTHER_KIND.format(what=what),
        LOW_PLATELETS,
        platelet_named(code, display, **value),
    )
case(
    "temperature_of_urine_is_no_body_temperature",
    "allowed",
    "39 Cel named 'Temperature [Degrees] of Urine/Specimen': the temperature of a urine"
    " sample, not the patient's (it was read as a fever)",
    {
        **observation("9999-4", 39, "Cel"),
        "code": {
            "coding": [
                {
                    **coding("urn:lab:local", "9999-4"),
                    "display": "Temperature [Degrees] of Urine/Specimen",
                }
            ]
        },
    },
)

for name, status, start, days in (
    ("warfarin_stopped_written_in_october_week_supply", "stopped", "2026-10", 7),
    ("warfarin_stopped_written_this_year_month_supply", "stopped", "2026", 30),
    ("warfarin_completed_written_in_october_week_supply", "completed", "2026-10", 7),
):
    case(
        name,
        "needs_data",
        f"a warfarin prescription {status}, written '{start}' (no day) for {days} days: it may"
        " have been written on the last day of that month or year, so taken to within the"
        " last weeks, to confirm (it was read as ended too early: allowed)",
        warfarin(status=status, start=start, extra=supply(days)),
    )
case(
    "warfarin_completed_written_this_year_month_supply",
    "needs_clearance",
    "a warfarin prescription completed, written '2026' (no day) for 30 days: it may have been"
    " written in December and still be taken, as a completed one whose supply runs past the"
    " screening is (it was read as ended in January: allowed)",
    warfarin(status="completed", start="2026", extra=supply(30)),
)
case(
    "warfarin_stopped_supply_unreadable",
    "needs_data",
    "a warfarin prescription stopped whose supply cannot be read ('3', no unit): when it was"
    " last taken is to confirm, never taken now (it was counted as taken: needs_clearance)",
    warfarin(
        status="stopped",
        start="2026-07-01",
        extra={"dispenseRequest": {"expectedSupplyDuration": {"value": 3}}},
    ),
)

case(
    "egfr_bare_ml_per_second_set_aside",
    "needs_data",
    "an eGFR of 4 'mL/s' with no '/1.73 m2': 240 per 1.73 m2, or 4 where 's' is a slip for"
    " 'min'; the readings disagree, so it is set aside, the eGFR unknown (it was read as 240"
    " mL/min/1.73 m2: allowed)",
    egfr(4, "mL/s", "98979-8", when="2026-11-18"),
)

RELATIVE_HAS = (
    "a relative who has it, named after who came with the patient: the relative's, not the"
    " patient's (it was the patient's, to confirm)"
)
for name, words in (
    (
        "text_accompanied_by_husband_mother_history_of_cancer",
        "Accompanied by her husband, mother with history of breast cancer",
    ),
    (
        "text_accompanied_by_son_father_died_of_cancer",
        "Accompanied by son, father died of colon cancer",
    ),
    (
        "text_came_with_sister_mother_was_diagnosed_with_dvt",
        "Came with her sister, mother was diagnosed with DVT",
    ),
    (
        "text_ru_came_with_daughter_mother_has_cancer",
        "Пришла с дочерью, у матери рак молочной железы",
    ),
    (
        "text_de_came_with_husband_mother_died_of_cancer",
        "Kam mit Ehemann, Mutter verstarb an Brustkrebs",
    ),
):
    case(name, "allowed", f"'{words}': {RELATIVE_HAS}", condition(text=words))

HAS_IS_NO_RELATIVES = (
    "a bare 'has', 'had', 'is' after the relative may begin what the relative saw or says of"
    " the patient ('daughter has noticed urinary retention'): the finding is the patient's,"
    " to confirm"
)
for name, words in (
    (
        "text_accompanied_by_daughter_mother_has_cancer",
        "Accompanied by daughter, mother has breast cancer",
    ),
    (
        "text_accompanied_by_husband_mother_had_cancer",
        "Accompanied by her husband, mother had breast cancer",
    ),
    ("text_came_with_sister_mother_had_dvt", "Came with her sister, mother had DVT"),
    (
        "text_accompanied_by_mother_sister_has_cauda_equina",
        "Accompanied by her mother, sister has cauda equina",
    ),
    (
        "text_accompanied_by_husband_daughter_has_noticed_retention",
        "Accompanied by her husband, daughter has noticed urinary retention",
    ),
    (
        "text_came_with_husband_mother_is_concerned_about_fever",
        "Came with husband, mother is concerned about her fever",
    ),
    (
        "text_de_came_with_husband_daughter_noticed_retention",
        "Kommt mit Ehemann, Tochter hat Harnverhalt bemerkt",
    ),
    (
        "text_accompanied_by_daughter_mother_has_saddle_anaesthesia",
        "Accompanied by daughter, mother has saddle anaesthesia",
    ),
):
    case(name, "needs_data", f"'{words}': {HAS_IS_NO_RELATIVES}", condition(text=words))


NO_LONGER_RED_FLAG = (
    "a sensation or a continence the patient no longer has is its loss now, a cauda equina red"
    " flag, to confirm (it was read as a finding over: allowed)"
)
for name, words in (
    ("text_no_longer_sensation_in_saddle_area", "no longer has sensation in saddle area"),
    ("text_no_longer_continent_of_urine", "Patient no longer continent of urine"),
    ("text_de_kann_nicht_mehr_wasser_lassen", "kann nicht mehr Wasser lassen"),
):
    case(name, "needs_data", f"'{words}': {NO_LONGER_RED_FLAG}", condition(text=words))

case(
    "text_companions_listed_before_colon_saddle_anaesthesia",
    "needs_data",
    "'Accompanied by her husband, daughter: saddle anaesthesia': the daughter is one more who"
    " came, the saddle anaesthesia the patient's, a red flag to confirm (it was read as the"
    " daughter's: allowed)",
    condition(text="Accompanied by her husband, daughter: saddle anaesthesia"),
)


COUNT_AS_LABS_WRITE_IT = (
    "platelets 30 under a local code named by a long name that is a count in blood however"
    " the lab writes it: a platelet count, to confirm (it was allowed)"
)
for name, display in (
    ("platelets_named_capillary_blood", "Platelets [#/volume] in Capillary blood by Manual count"),
    ("platelets_named_venous_blood", "Platelets [#/volume] in Venous blood"),
    ("platelets_named_blood_or_plasma", "Platelets [#/volume] in Blood or Plasma"),
    ("platelets_named_vol_property", "Platelets [#/vol] in Blood"),
    ("platelets_named_unit_property", "Platelets [10*3/uL] in Blood"),
):
    case(
        name,
        "needs_data",
        f"'{display}': {COUNT_AS_LABS_WRITE_IT}",
        {
            **observation("PLT1", 30, "10*3/uL", when="2026-11-18"),
            "code": {"coding": [{**coding("urn:lab:local", "PLT1"), "display": display}]},
        },
    )
case(
    "platelets_normal_then_low_named_capillary_blood",
    "needs_data",
    "platelets 250 (LOINC 777-3) on Nov 10, then 30 under a local code named 'Platelets"
    " [#/volume] in Capillary blood': the newer count is read, to confirm (it was allowed)",
    observation("777-3", 250, "10*3/uL", when="2026-11-10"),
    {
        **observation("PLT1", 30, "10*3/uL", when="2026-11-18"),
        "code": {
            "coding": [
                {
                    **coding("urn:lab:local", "PLT1"),
                    "display": "Platelets [#/volume] in Capillary blood",
                }
            ]
        },
    },
)

for name, words in (("text_de_brustkrebs", "Brustkrebs"), ("text_de_lungenkrebs", "Lungenkrebs")):
    case(
        name,
        "needs_data",
        f"'{words}': a German cancer named as one word with 'Krebs', to confirm (it was allowed)",
        condition(text=words),
    )

case(
    "text_screening_for_cancer_revealed_spinal_metastases",
    "needs_data",
    "'Screening for cancer revealed spinal metastases': what a test revealed ends what the"
    " screening looked for; the metastases are the patient's, to confirm (it was allowed)",
    condition(text="Screening for cancer revealed spinal metastases"),
)
case(
    "text_no_fracture_detected_stays_denied",
    "allowed",
    "'No fracture detected on CT': a denial before what a test detected stays a denial",
    condition(text="No fracture detected on CT"),
)

SCREENING_RESULT = (
    "a screening whose result is positive or abnormal names what it looks for, to confirm"
    " (clinic policy policy_screening_result; it was allowed)"
)
for name, words in (
    ("text_screening_for_cancer_positive", "Screening for cancer positive"),
    ("text_breast_cancer_screening_abnormal", "Breast cancer screening: abnormal"),
    ("text_screened_for_dvt_positive", "Screened for DVT: positive"),
    ("text_colon_cancer_screening_fit_positive", "Colon cancer screening: FIT positive"),
    ("text_screening_for_cancer_positive_in_brackets", "Screening for cancer (positive)"),
    ("text_ru_screening_for_cancer_positive", "Скрининг на рак: положительный"),
    ("text_ru_breast_cancer_screening_pathology", "Скрининг рака молочной железы: патология"),
    ("text_de_krebsvorsorge_auffaellig", "Krebsvorsorge: auffällig"),
    ("text_de_darmkrebsvorsorge_positiv", "Darmkrebsvorsorge: positiv"),
    ("text_de_screening_auf_darmkrebs_positiv", "Screening auf Darmkrebs: positiv"),
    ("text_fr_depistage_cancer_du_sein_anormal", "Dépistage du cancer du sein : anormal"),
    ("text_es_cribado_cancer_de_mama_positivo", "Cribado de cáncer de mama: positivo"),
):
    case(name, "needs_data", f"'{words}': {SCREENING_RESULT}", condition(text=words))

SCREENING_NAMES_NOTHING = (
    "a screening names only what it looks for; a negative or normal result names nothing"
    " (clinic policy policy_screening_result)"
)
for name, words in (
    ("text_screening_for_cancer_negative", "Screening for cancer negative"),
    ("text_breast_cancer_screening_normal", "Breast cancer screening: normal"),
    ("text_dvt_screening", "DVT screening"),
    ("text_ru_breast_cancer_screening_genitive", "Скрининг рака молочной железы"),
    ("text_ru_screening_for_cancer_negative", "Скрининг на рак: отрицательный"),
    ("text_de_brustkrebs_screening", "Brustkrebs-Screening"),
    ("text_de_krebsvorsorge_unauffaellig", "Krebsvorsorge: unauffällig"),
    ("text_de_screening_auf_darmkrebs", "Screening auf Darmkrebs"),
    ("text_fr_depistage_du_cancer_du_sein", "Dépistage du cancer du sein"),
    ("text_es_cribado_de_cancer_de_mama", "Cribado de cáncer de mama"),
):
    case(name, "allowed", f"'{words}': {SCREENING_NAMES_NOTHING}", condition(text=words))

SCREENING_OF_PREGNANCY = (
    "a prenatal or pregnancy screening is care of a pregnancy there is: the pregnancy, to"
    " confirm (it was allowed, cupping planned)"
)
for name, words in (
    ("text_first_trimester_screening_is_pregnancy", "First trimester screening"),
    ("text_pregnancy_screening_ultrasound", "Pregnancy screening ultrasound at 20 weeks"),
    ("text_prenatal_screening_is_pregnancy", "Prenatal screening"),
    ("text_ru_pregnancy_screening", "Скрининг беременности"),
    ("text_ru_pregnancy_then_screening", "Беременность скрининг 12 недель"),
    ("text_fr_grossesse_depistage", "Grossesse dépistage T1"),
    ("text_es_cribado_embarazo", "Cribado embarazo"),
):
    case(name, "needs_data", f"'{words}': {SCREENING_OF_PREGNANCY}", condition(text=words))

SCREENING_FOUND = (
    "a screening whose result finds what it looked for ('confirmed', 'found', 'present', a"
    " '+', 'выявлен', 'nachgewiesen') names it, to confirm (clinic policy"
    " policy_screening_result; it was allowed)"
)
for name, words in (
    ("text_dvt_screening_plus", "DVT screening +"),
    ("text_dvt_screening_plus_in_brackets", "DVT screening (+)"),
    ("text_cancer_screening_plus_ve", "Cancer screening: +ve"),
    ("text_dvt_screening_confirmed", "Screening DVT left leg confirmed"),
    ("text_screening_for_cancer_found", "Screening for cancer: found"),
    ("text_screening_for_dvt_present", "Screening for DVT: present"),
    ("text_ru_cancer_screening_found", "Скрининг рак лёгкого выявлен"),
    ("text_ru_screening_for_cancer_plus", "Скрининг на рак (+)"),
    ("text_de_darmkrebsvorsorge_nachgewiesen", "Darmkrebsvorsorge Karzinom nachgewiesen"),
):
    case(name, "needs_data", f"'{words}': {SCREENING_FOUND}", condition(text=words))

for name, words in (
    ("text_screening_for_cancer_not_found", "Screening for cancer: not found"),
    ("text_ru_cancer_screening_nothing_found", "Скрининг рака: патологии не выявлено"),
    ("text_potassium_plus_is_no_result", "K+ 4.2"),
):
    case(name, "allowed", f"'{words}': {SCREENING_NAMES_NOTHING}", condition(text=words))

TEMPERATURE_WRITTEN = (
    "a temperature after its cue written with a decimal point or comma, or in Fahrenheit,"
    " read as its degrees Celsius: 37.5 or more is a fever, to confirm (it was allowed)"
)
for name, words in (
    ("text_t_37_8_with_a_point_is_fever", "T 37.8"),
    ("text_temp_colon_38_5_is_fever", "Temp: 38.5"),
    ("text_t38_5_written_together_is_fever", "T38.5"),
    ("text_temperature_was_38_5_is_fever", "Temperature was 38.5"),
    ("text_ru_t_ra_38_2_is_fever", "Т-ра 38,2"),
    ("text_t_101_2_f_is_fever", "T 101.2F"),
    ("text_temp_100_4_f_is_fever", "Temp 100.4 F"),
):
    case(name, "needs_data", f"'{words}': {TEMPERATURE_WRITTEN}", condition(text=words))

for name, words in (
    ("text_t_40_mg_is_no_temperature", "Tramadol T 40 mg"),
    ("text_t_39_years_is_no_temperature", "T 39 years old"),
    ("text_t_38_weeks_is_no_temperature", "T 38 weeks"),
    ("text_t12_38_mm_is_no_temperature", "T12 38 mm"),
    ("text_t_37_4_is_no_fever", "T 37.4"),
    ("text_t_99_f_is_no_fever", "T 99 F"),
):
    case(
        name,
        "allowed",
        f"'{words}': a number with another unit, a vertebral level or a temperature below"
        " 37.5 is no fever",
        condition(text=words),
    )

for name, words in (
    ("text_no_bladder_control_problems", "No bladder control problems"),
    ("text_no_bowel_control_issues", "No bowel control issues"),
    ("text_without_bladder_control_problems", "Without bladder control problems"),
    ("text_ru_no_urge_without_the_bladder", "Не чувствует позывов к еде"),
):
    case(
        name,
        "allowed",
        f"'{words}': a review of systems that denies a problem, or an urge that is not the"
        " bladder's or the bowel's, is no cauda equina sign (it was a red flag to confirm)",
        condition(text=words),
    )
for name, words in (
    ("text_no_bladder_control_is_cauda_equina", "Patient has no bladder control since yesterday"),
    ("text_ru_no_urge_to_urinate_is_cauda_equina", "Не чувствует позыва к мочеиспусканию"),
):
    case(
        name,
        "needs_data",
        f"'{words}': a lost control of the bladder or its urge is a cauda equina sign, a red"
        " flag to confirm",
        condition(text=words),
    )

for code, display in (
    ("70995007", "Pulmonary hypertension"),
    ("373945007", "Pericardial effusion"),
    ("698247007", "Cardiac arrhythmia"),
    ("6456007", "Supraventricular tachycardia"),
):
    case(
        f"snomed_{code}_heart_disease_coded_only",
        "needs_clearance",
        f"SNOMED CT {code} ({display}) coded with no words: a heart disease, a physician's"
        " clearance first (it was allowed)",
        condition("http://snomed.info/sct", code),
    )
case(
    "snomed_70995007_resolved_is_over",
    "allowed",
    "SNOMED CT 70995007 (pulmonary hypertension) resolved in 2020: over, no heart disease now",
    condition("http://snomed.info/sct", "70995007", clinical="resolved", abatement="2020-05-01"),
)

for name, words in (
    ("text_l4_5_bulge_is_herniation", "L4-5 bulge"),
    ("text_broad_based_bulge_at_l4_5", "Broad-based bulge at L4-5"),
    ("text_l5_s1_extruded_disc", "L5-S1 extruded disc"),
):
    case(
        name,
        "needs_data",
        f"'{words}': a disc bulge or extrusion named with its level is a disc herniation, to"
        " confirm (it was allowed, cupping over the segment planned)",
        condition(text=words),
    )
for name, words in (
    ("text_no_bulge_at_l4_5", "No bulge at L4-5"),
    ("text_abdominal_wall_bulge_is_no_disc", "Abdominal wall bulge"),
):
    case(name, "allowed", f"'{words}': no disc herniation", condition(text=words))

for name, words in (
    ("text_tuberculosis_contact_is_no_infection", "Tuberculosis contact"),
    ("text_bcg_vaccination_is_no_infection", "BCG vaccination"),
):
    case(
        name,
        "allowed",
        f"'{words}': a contact or a vaccination is no tuberculosis (it was an infection to"
        " confirm)",
        condition(text=words),
    )
case(
    "text_tuberculosis_contact_then_active_tuberculosis",
    "needs_data",
    "'Tuberculosis contact, now active tuberculosis': the active disease named after the"
    " contact is an infection, to confirm",
    condition(text="Tuberculosis contact, now active tuberculosis"),
)

case(
    "text_ru_cancer_in_genitive",
    "needs_data",
    "'Рецидив рака молочной железы': a cancer named in the genitive ('рака'), to confirm"
    " (it was read only as 'рак')",
    condition(text="Рецидив рака молочной железы"),
)

for name, value, seen in (
    ("egfr_bare_ml_per_second_low_either_way", 0.3, "18 or 0.3"),
    ("egfr_bare_ml_per_second_only_one_plausible", 5, "300, no plausible eGFR, or 5"),
):
    case(
        name,
        "contraindicated",
        f"an eGFR of {value} 'mL/s' with no '/1.73 m2': {seen} mL/min/1.73 m2, below 30 under"
        " every plausible reading: kidney failure, a contraindication (it was set aside:"
        " needs_data)",
        egfr(value, "mL/s", "62238-1", when="2026-11-18"),
    )
case(
    "egfr_bare_ml_per_second_at_the_threshold",
    "needs_data",
    "an eGFR of 0.5 'mL/s': 30 or 0.5 mL/min/1.73 m2, the readings disagree on 'below 30':"
    " unknown, never allowed",
    egfr(0.5, "mL/s", "62238-1", when="2026-11-18"),
)

LONG_NAMED = (
    "under a local code named by a LOINC long name of the measure's own kind (the KB's, or"
    " one that differs only in its method or how it writes its property): read, to confirm"
    " (it was not read: allowed)"
)
for name, display, value, unit in (
    (
        "inr_named_platelet_poor_plasma",
        "INR in Platelet poor plasma by Coagulation assay",
        4.5,
        "{INR}",
    ),
    (
        "inr_named_relative_time",
        "INR [Relative time] in Platelet poor plasma or blood by Coagulation assay",
        4.5,
        "{INR}",
    ),
    ("inr_named_capillary_blood", "INR in Capillary blood by Coagulation assay", 4.5, "{INR}"),
    (
        "egfr_named_mdrd_long_name",
        "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum or Plasma"
        " by Creatinine-based formula (MDRD)",
        12,
        "mL/min/{1.73_m2}",
    ),
    (
        "egfr_named_cystatin_long_name",
        "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum or Plasma"
        " by Cystatin C-based formula",
        12,
        "mL/min/{1.73_m2}",
    ),
):
    case(
        name,
        "needs_data",
        f"{'an INR' if unit == '{INR}' else 'an eGFR'} of {value} named '{display}': {LONG_NAMED}",
        {
            **observation("LAB7", value, unit, when="2026-11-18"),
            "code": {"coding": [{**coding("urn:lab:local", "LAB7"), "display": display}]},
        },
    )
for name, display, value, unit in (
    ("inr_named_urine_not_read", "INR in Urine", 4.5, "{INR}"),
    (
        "creatinine_long_name_not_egfr",
        "Creatinine [Mass/volume] in Serum or Plasma",
        5,
        "mg/dL",
    ),
):
    case(
        name,
        "allowed",
        f"'{display}' under a local code: a long name of another specimen or measure, not read",
        {
            **observation("LAB7", value, unit, when="2026-11-18"),
            "code": {"coding": [{**coding("urn:lab:local", "LAB7"), "display": display}]},
        },
    )

FR_ES_ABBREVIATION = (
    "a French or Spanish clinical abbreviation of a contraindication, to confirm (it was allowed)"
)
for name, words in (
    ("text_fr_tvp", "TVP récente membre inférieur gauche"),
    ("text_fr_idm", "IDM récent"),
    ("text_fr_irc", "IRC stade 4"),
    ("text_fr_k_du_sein", "K du sein opéré en 2024"),
    ("text_fr_acfa", "ACFA sous traitement"),
    ("text_es_tvp", "TVP en pierna izquierda"),
    ("text_es_tep", "TEP hace dos semanas"),
    ("text_es_iam", "IAM reciente"),
    ("text_es_icc", "ICC descompensada"),
    ("text_es_ca_de_mama", "Ca de mama"),
):
    case(name, "needs_data", f"'{words}': {FR_ES_ABBREVIATION}", condition(text=words))
for name, words, why in (
    ("text_fr_pas_de_tvp", "Pas de TVP", "a French abbreviation denied"),
    ("text_fr_tep_scan_normal", "TEP scan normal", "the French 'TEP' of a PET scan"),
    ("text_fr_potassium_k", "K 4,2 mmol/l", "'K' of a potassium, no cancer"),
):
    case(name, "allowed", f"'{words}': {why}, names nothing", condition(text=words))

for name, words in (
    ("drug_fr_sous_avk", "Sous AVK depuis 2019"),
    ("drug_fr_hbpm", "HBPM préventive"),
    ("drug_fr_tiklyd", "Tiklyd 250 mg"),
    ("drug_es_acod", "En tratamiento con ACOD"),
    ("drug_es_disgren", "Disgren 300 mg"),
    ("drug_es_cibor", "Cibor 3500 UI"),
):
    case(
        name,
        "needs_data",
        f"'{words}': a blood thinner named as French or Spanish records name it (a brand, an"
        " abbreviation of the class), to confirm (it was allowed)",
        medication(system=None, code=None, text=words),
    )

HERNIATION_BY_LEVEL = (
    "a herniation, protrusion or extrusion named with its disc's level, as MRI conclusions"
    " and problem lists write it: a disc herniation to confirm (it was allowed)"
)
for name, words in (
    ("text_ru_hernia_l5_s1", "Грыжа L5-S1"),
    ("text_ru_protrusion_l4_l5", "Протрузия L4-L5"),
    ("text_herniation_l5_s1", "herniation L5-S1"),
    ("text_l4_5_protrusion", "broad-based protrusion at L4-5"),
    ("text_de_prolaps_l5_s1", "Prolaps L5/S1"),
    ("text_fr_hernie_l5_s1", "hernie L5-S1"),
    ("text_es_hernia_l4_l5", "hernia L4-L5"),
    ("text_extruded_fragment", "L5-S1 extruded fragment"),
):
    case(name, "needs_data", f"'{words}': {HERNIATION_BY_LEVEL}", condition(text=words))
case(
    "text_ru_hernia_l5_s1_pain_7",
    "needs_data",
    "'Грыжа L5-S1' with pain 7 of 10: a disc herniation to confirm, and with it acute pain"
    " (it was allowed)",
    condition(text="Грыжа L5-S1"),
    observation("72514-3", 7, "{score}"),
    without={"pain"},
)
for name, words in (
    ("text_inguinal_hernia", "Inguinal hernia"),
    ("text_no_herniation_at_l4_5", "No herniation at L4-5"),
):
    case(name, "allowed", f"'{words}': no disc herniation", condition(text=words))

RED_FLAG_AS_SAID = (
    "a cauda equina sign in the words clinicians and patients use (a verb form, another"
    " order): to confirm (it was allowed)"
)
for name, words in (
    ("text_lost_bladder_control", "lost bladder control"),
    ("text_no_bladder_control", "no bladder control"),
    ("text_numb_perineum", "numb perineum"),
    ("text_cannot_feel_toilet_paper", "can't feel toilet paper when wiping"),
    ("text_catheterised_for_retention", "catheterised for retention"),
    ("text_ru_anogenital_anaesthesia", "анестезия в аногенитальной зоне"),
):
    case(name, "needs_data", f"'{words}': {RED_FLAG_AS_SAID}", condition(text=words))
case(
    "text_no_loss_of_bladder_control",
    "allowed",
    "'No loss of bladder control': denied",
    condition(text="No loss of bladder control"),
)

WEIGHT_IN_KG = (
    "a weight loss given in kilograms with no time span: unexplained weight loss, a red flag"
    " of a spinal malignancy, to confirm (it was allowed)"
)
for name, words in (
    ("text_ru_lost_10_kg", "похудела на 10 кг"),
    ("text_de_gewichtsverlust_8_kg", "Gewichtsverlust 8 kg"),
    ("text_lost_10_kg", "lost 10 kg"),
    ("text_fr_perte_de_poids_8_kg", "perte de poids de 8 kg"),
):
    case(name, "needs_data", f"'{words}': {WEIGHT_IN_KG}", condition(text=words))

for name, words, why in (
    ("text_ru_cancer_prepositional", "при раке молочной железы", "a cancer in the prepositional"),
    ("text_de_cr_mammae", "Cr. mammae", "a Latin abbreviation of a breast cancer"),
    ("text_de_filiae", "Filiae LWK 3", "the German 'Filiae' (metastases)"),
    ("text_es_plaquetopenia", "plaquetopenia", "the Spanish word for low platelets"),
    ("text_fr_phlebite_profonde", "phlébite profonde", "the French word for a DVT"),
    ("text_fr_anticoagule", "Patiente anticoagulée", "the French 'anticoagulated'"),
):
    case(
        name, "needs_data", f"'{words}': {why}, to confirm (it was allowed)", condition(text=words)
    )

SHORT_FEVER = (
    "a temperature written as 'T' and a value of a fever: fever to confirm, as 'T 38.5' was"
    " (it was allowed: only 38.x was read)"
)
for name, words in (
    ("text_t_39_5", "T 39.5"),
    ("text_t_40", "T 40"),
    ("text_ru_t_39_2", "т 39,2"),
    ("text_ru_t_37_8", "Т 37,8"),
    ("text_temperature_38_5", "temperature 38.5"),
):
    case(name, "needs_data", f"'{words}': {SHORT_FEVER}", condition(text=words))
case(
    "text_t_37_2_no_fever",
    "allowed",
    "'T 37.2': below the fever threshold, names nothing",
    condition(text="T 37.2"),
)
for name, words, why in (
    ("text_thrombocytopaenia", "thrombocytopaenia", "the British spelling of thrombocytopenia"),
    ("text_myelomatosis", "myelomatosis", "the British name of multiple myeloma"),
    ("text_3rd_trimester", "3rd trimester", "a pregnancy by its trimester as a number"),
    ("text_hcg_positive", "hCG positive", "a positive pregnancy test"),
    ("text_decompensated_hf", "decompensated HF", "heart failure abbreviated"),
):
    case(
        name, "needs_data", f"'{words}': {why}, to confirm (it was allowed)", condition(text=words)
    )

for name, system, code, verdict, why in (
    ("icd10_i01_rheumatic_carditis", ICD10, "I01.2", "contraindicated", "acute rheumatic carditis"),
    (
        "icd10_i27_pulmonary_heart_disease",
        ICD10,
        "I27.0",
        "needs_clearance",
        "a pulmonary heart disease",
    ),
    (
        "icd10cm_i31_31_pericardial_effusion",
        ICD10CM,
        "I31.31",
        "needs_clearance",
        "a pericardial effusion",
    ),
    ("icd10_i47_1_svt", ICD10, "I47.1", "needs_clearance", "a supraventricular tachycardia"),
    ("icd10_i49_9_arrhythmia", ICD10, "I49.9", "needs_clearance", "an arrhythmia"),
    ("icd10cm_g04_91_myelitis", ICD10CM, "G04.91", "refer_urgently", "a myelitis, a myelopathy"),
):
    case(
        name,
        verdict,
        f"{code}, {why}: heart disease and myelopathy as clinic policy groups them (it was allowed)",
        condition(system, code),
    )

for name, words in (
    ("text_ru_lost_5_kg_on_a_diet", "похудела на 5 кг на диете"),
    ("text_lost_5_kg_on_a_diet", "lost 5 kg on a diet"),
):
    case(
        name,
        "allowed",
        f"'{words}': a weight loss a diet explains, no red flag",
        condition(text=words),
    )

for name, code, why in (
    ("icd10_d61_9_aplastic_anaemia", "D61.9", "an aplastic anaemia, whose platelets may be low"),
    ("icd10_i80_9_thrombophlebitis_no_site", "I80.9", "a thrombophlebitis of no site, maybe deep"),
):
    case(
        name,
        "needs_data",
        f"{code}, {why}: a clotting disorder to confirm (policy_codes_to_confirm; it was allowed)",
        condition(ICD10, code),
    )

for name, words in (
    ("text_tuberculosis", "Tuberculosis"),
    ("text_ru_tuberculosis", "Туберкулёз"),
    ("text_de_tuberkulose", "Tuberkulose"),
):
    case(
        name,
        "needs_data",
        f"'{words}': a tuberculosis named alone, an infection to confirm (it was allowed)",
        condition(text=words),
    )
for name, words in (
    ("text_latent_tuberculosis", "Latent tuberculosis"),
    ("text_tuberculosis_latent_inverted", "Tuberculosis, latent"),
):
    case(
        name,
        "allowed",
        f"'{words}': a latent tuberculosis is no active infection",
        condition(text=words),
    )

for name, code, display in (
    ("icd10_s31_0_open_wound_lower_back", "S31.0", "Open wound of lower back and pelvis"),
    ("icd10_s21_2_open_wound_back_of_thorax", "S21.2", "Open wound of back wall of thorax"),
    ("icd10_t14_1_open_wound", "T14.1", "Open wound of unspecified body region"),
    ("icd10_t81_3_wound_disruption", "T81.3", "Disruption of operation wound"),
):
    case(
        name,
        "allowed_with_precautions",
        f"{code} '{display}': an open wound, a skin lesion not massaged or cupped over (it was"
        " allowed, cupping proposed)",
        condition(ICD10, code, display),
    )

for name, code in (
    ("snomed_chill_no_display", "43724002"),
    ("snomed_rigor_no_display", "38880002"),
):
    case(
        name,
        "needs_data",
        f"SNOMED CT {code} (chill, rigor) with no display: a fever to confirm, as the words"
        " 'chills' and 'rigors' are (it was allowed)",
        condition(SNOMED, code),
    )

case(
    "text_ces_card_given",
    "allowed",
    "'CES card given': the cauda equina warning card a patient is given names no cauda equina"
    " (it was a red flag to confirm)",
    condition(text="CES card given"),
)
case(
    "text_saddle_anaesthesia_and_ces_card_given",
    "needs_data",
    "'New saddle anaesthesia, CES card given': the card names nothing, the saddle anaesthesia"
    " is the patient's, to confirm",
    condition(text="New saddle anaesthesia, CES card given"),
)

RADIOLOGY_WORDS = (
    "a report's conclusion in the words radiologists write: the finding to confirm (it was allowed)"
)
for name, words in (
    (
        "report_emboli_in_pulmonary_arteries",
        "Filling defects in the segmental pulmonary arteries consistent with emboli.",
    ),
    (
        "report_cord_flattening",
        "Severe cervical canal stenosis with cord flattening and T2 signal change.",
    ),
    (
        "report_loss_of_vertebral_body_height",
        "Loss of vertebral body height at L2, new since prior.",
    ),
    ("report_paraspinal_collection", "Paraspinal collection with rim enhancement."),
):
    case(name, "needs_data", f"'{words}': {RADIOLOGY_WORDS}", report(words))
case(
    "report_no_pulmonary_emboli",
    "allowed",
    "'No pulmonary emboli.': denied",
    report("No pulmonary emboli."),
)

# A weight loss in kilograms in the forms records write it: the unexplained weight loss
# red flag, to confirm; a loss the note says is intended names nothing.
for name, words in (
    ("text_lost_10kg_written_together", "Lost 10kg"),
    ("text_10_kg_weight_loss", "10 kg weight loss"),
    ("text_ru_poteryala_8_kg", "Потеряла 8 кг"),
    ("text_de_hat_8_kg_abgenommen", "Hat 8 kg abgenommen"),
    ("text_fr_a_perdu_8_kg", "A perdu 8 kg en 2 mois"),
    ("text_es_perdio_8_kg", "Perdió 8 kg"),
    ("text_lost_20lbs", "Lost 20lbs"),
):
    case(
        name,
        "needs_data",
        f"'{words}': a weight loss in kilograms or pounds, the unexplained weight loss red flag"
        " to confirm, as 'похудела на 10 кг' is (it was allowed)",
        condition(text=words),
    )
for name, words in (
    ("text_lost_10_kg_with_ozempic", "Lost 10 kg with Ozempic"),
    ("text_lost_10_kg_after_bariatric_surgery", "Lost 10 kg after bariatric surgery"),
    ("text_10_kg_weight_loss_on_semaglutide", "10 kg weight loss on semaglutide"),
    ("text_ru_poteryala_8_kg_na_diete", "Потеряла 8 кг на диете"),
    ("text_de_8_kg_durch_diaet_abgenommen", "Hat 8 kg durch Diät abgenommen"),
    ("text_fr_perdu_8_kg_apres_sleeve", "A perdu 8 kg après une sleeve"),
    ("text_es_perdio_8_kg_con_dieta", "Perdió 8 kg con dieta"),
):
    case(
        name,
        "allowed",
        f"'{words}': a weight loss the note explains by a diet, a drug or an operation for"
        " weight loss is intended, no unexplained weight loss",
        condition(text=words),
    )

# A disc herniation named by a level in the ways records write levels.
for name, words in (
    ("text_de_prolaps_lwk_4_5", "Prolaps LWK 4/5"),
    ("text_de_vorfall_hwk_5_6", "Vorfall HWK 5/6"),
    ("text_de_bsv_hwk_5_6", "BSV HWK 5/6"),
    ("text_level_heading_l5_s1_central_protrusion", "L5-S1: central protrusion"),
    ("text_ru_hernia_cyrillic_level", "грыжа Л5-С1"),
    ("text_ru_protrusion_cyrillic_cervical_level", "Протрузия С5-С6"),
):
    case(
        name,
        "needs_data",
        f"'{words}': a disc herniation at that level, to confirm (it was allowed, cupping over"
        " the segment planned)",
        condition(text=words),
    )
for name, words in (
    ("text_level_heading_l5_s1_normal", "L5-S1: normal disc height, no protrusion"),
    ("text_de_lwk_4_5_kein_prolaps", "LWK 4/5: kein Prolaps"),
    ("text_ru_cyrillic_level_without_hernia", "Л5-С1 без грыжи"),
):
    case(name, "allowed", f"'{words}': no disc herniation", condition(text=words))

# "TEP": a pulmonary embolism alone, a hernia repair, a PET scan or an endoprosthesis
# beside the words that say so.
case(
    "text_tep_alone_is_pulmonary_embolism",
    "needs_data",
    "'TEP' alone (tromboembolismo pulmonar; in a French record it may be an embolie"
    " pulmonaire): a pulmonary embolism to confirm",
    condition(text="TEP"),
)
case(
    "text_es_tep_bilateral",
    "needs_data",
    "'TEP bilateral en 2025, anticoagulado': a pulmonary embolism to confirm",
    condition(text="TEP bilateral en 2025, anticoagulado"),
)
for name, words in (
    ("text_tep_inguinal_hernia_repair", "Laparoscopic TEP inguinal hernia repair 2019"),
    ("text_tep_in_brackets_after_hernia_repair", "Inguinal hernia repair (TEP)"),
    ("text_fr_tep_au_fdg", "TEP au FDG : pas d'hyperfixation suspecte"),
    ("text_de_tep_huefte", "TEP Hüfte links 2018"),
):
    case(
        name,
        "allowed",
        f"'{words}': 'TEP' beside a hernia repair, FDG or a joint is no pulmonary embolism (it"
        " was one to confirm)",
        condition(text=words),
    )

# A positive change is an improvement, no positive result.
for name, words in (
    ("text_ru_cancer_screening_positive_dynamics", "Скрининг рака: положительная динамика"),
    (
        "text_ru_benign_tumour_positive_dynamics",
        "Доброкачественная опухоль, положительная динамика",
    ),
    ("text_cancer_screening_positive_trend", "Cancer screening: positive trend"),
):
    case(
        name,
        "allowed",
        f"'{words}': a positive change is an improvement, no positive result (it was a cancer to"
        " confirm)",
        condition(text=words),
    )
case(
    "text_ru_cancer_screening_positive",
    "needs_data",
    "'Скрининг рака: положительный': a positive screening, the cancer to confirm",
    condition(text="Скрининг рака: положительный"),
)

# A question answered no denies; a named bladder-control problem still asks.
for name, words in (
    ("text_bladder_control_lost_question_no", "Bladder control lost? no"),
    ("text_bladder_control_lost_colon_no", "Bladder control lost: no"),
):
    case(
        name,
        "allowed",
        f"'{words}': the question answered no denies it (it was a cauda equina red flag to"
        " confirm)",
        condition(text=words),
    )
case(
    "text_ru_urinary_retention_question_no",
    "allowed",
    "'Задержка мочи? нет': the question answered no denies it",
    condition(text="Задержка мочи? нет"),
)
for name, words in (
    ("text_bladder_control_lost_question_yes", "Bladder control lost? yes"),
    ("text_question_no_then_retention", "Saddle anaesthesia? no. New urinary retention"),
):
    case(
        name,
        "needs_data",
        f"'{words}': a cauda equina red flag, to confirm",
        condition(text=words),
    )

# Misses: a reactivated latent infection, what a screening presupposes, a prophylaxis.
case(
    "text_latent_tuberculosis_reactivated",
    "needs_data",
    "'Latent tuberculosis reactivated': an active tuberculosis now, to confirm (it was allowed)",
    condition(text="Latent tuberculosis reactivated"),
)
case(
    "text_ru_latent_tuberculosis_reactivation",
    "needs_data",
    "'Латентный туберкулез, реактивация': an active tuberculosis now, to confirm",
    condition(text="Латентный туберкулез, реактивация"),
)
for name, words in (
    ("text_thrombophilia_screen", "Thrombophilia screen"),
    ("text_metastases_screening", "Metastases screening"),
    ("text_screening_for_bone_metastases", "Screening for bone metastases"),
    ("text_de_thrombophilie_screening", "Thrombophilie-Screening"),
):
    case(
        name,
        "needs_data",
        f"'{words}': no screening programme looks for it; a test for it follows a clot or"
        " presupposes a cancer: named, to confirm (it was only looked for, allowed)",
        condition(text=words),
    )
for name, words in (
    ("text_metastases_screening_negative", "Metastases screening negative"),
    ("text_dvt_screening_still_looked_for", "DVT screening"),
):
    case(name, "allowed", f"'{words}': nothing found", condition(text=words))
for name, words in (
    ("text_dvt_prophylaxis_is_blood_thinner", "DVT prophylaxis"),
    ("text_de_thromboseprophylaxe", "Thromboseprophylaxe"),
    ("text_ru_profilaktika_tromboza", "Профилактика тромбоза"),
):
    case(
        name,
        "needs_data",
        f"'{words}': a prophylaxis is a blood thinner likely taken, to confirm (never milder"
        " than the clot it named before)",
        condition(text=words),
    )
case(
    "text_no_dvt_prophylaxis",
    "allowed",
    "'No DVT prophylaxis': no blood thinner, no clot",
    condition(text="No DVT prophylaxis"),
)

# An intake question's linkId written in another case or with other separators.
for name, link in (
    ("questionnaire_link_in_capitals", "SADDLE_ANAESTHESIA"),
    ("questionnaire_link_with_hyphens", "Saddle-Anaesthesia"),
):
    case(
        name,
        "refer_urgently",
        f"an intake answer yes to '{link}': the saddle anaesthesia question (it was another"
        " form's question, read for its words)",
        response(**{link: True}),
    )
case(
    "questionnaire_link_with_hyphens_answered_no",
    "allowed",
    "an intake answer no to 'Saddle-Anaesthesia': the question answered no",
    response(**{"Saddle-Anaesthesia": False}),
)

# A relative named alone before a colon: the relative's.
for name, words in (
    ("text_ru_husband_colon_cancer", "Муж: рак"),
    ("text_husband_colon_cancer", "Husband: cancer"),
    ("text_fr_mere_colon_cancer_du_sein", "Mère : cancer du sein"),
):
    case(
        name,
        "allowed",
        f"'{words}': a relative's illness, family history (it was the patient's cancer to confirm)",
        condition(text=words),
    )
case(
    "text_husband_reports_urinary_retention",
    "needs_data",
    "'Husband reports urinary retention': the patient's, to confirm",
    condition(text="Husband reports urinary retention"),
)


# A blood thinner in a draft order: about to be started, never a drug not taken.
APIXABAN = ("1364445", "apixaban 5 MG Oral Tablet")
case(
    "draft_order_of_apixaban_is_intended",
    "needs_clearance",
    "a draft MedicationRequest of apixaban: a blood thinner about to be started, read as one"
    " intended (it was dropped as a drug not taken, allowed)",
    medication(code=APIXABAN[0], display=APIXABAN[1], status="draft"),
)
case(
    "draft_order_of_warfarin_in_words",
    "needs_data",
    "a draft order of 'Warfarin 5 mg' in words only: a blood thinner to confirm (it was allowed)",
    medication(system=None, text="Warfarin 5 mg", status="draft"),
)
case(
    "draft_order_of_paracetamol",
    "allowed",
    "a draft order of paracetamol: no blood thinner, nothing to confirm",
    medication(code="161", display="acetaminophen", status="draft"),
)
case(
    "cancelled_order_of_apixaban",
    "allowed",
    "a cancelled order of apixaban: not taken",
    medication(code=APIXABAN[0], display=APIXABAN[1], status="cancelled"),
)

# STU3's MedicationStatement.taken: "n" and "na" are not taken, "unk" is R4's unknown.
for taken, verdict, why in (
    ("n", "allowed", "taken 'n': not taken, as R4's not-taken (it was a blood thinner taken)"),
    ("na", "allowed", "taken 'na': not applicable, not taken"),
    ("unk", "needs_clearance", "taken 'unk': not known whether taken, as R4's unknown"),
    ("y", "needs_clearance", "taken 'y': taken"),
):
    case(
        f"statement_taken_{taken}_apixaban",
        verdict,
        why,
        medication(
            "MedicationStatement", code=APIXABAN[0], display=APIXABAN[1], extra={"taken": taken}
        ),
    )
case(
    "statement_taken_unk_entered_in_error",
    "allowed",
    "a statement written in error stays so whatever its taken 'unk'",
    medication(
        "MedicationStatement",
        code=APIXABAN[0],
        display=APIXABAN[1],
        status="entered-in-error",
        extra={"taken": "unk"},
    ),
)

# ICD-10-CM and ICD-10-GM leukaemias and myelomas "in remission" (fifth character 1): a
# history of cancer, as their SNOMED CT codes are; "not in remission" (0) and "in relapse"
# (2) are the cancer.
for code, display, system in (
    ("C91.01", "Acute lymphoblastic leukemia, in remission", ICD10CM),
    ("C90.01", "Multiple myeloma in remission", ICD10CM),
    ("C92.01", "Acute myeloblastic leukemia, in remission", ICD10CM),
    (
        "C90.01",
        "Multiples Myelom: In kompletter Remission",
        "http://fhir.de/CodeSystem/bfarm/icd-10-gm",
    ),
    ("C9101", None, ICD10CM),
):
    case(
        f"icd10_{code.replace('.', '')}_in_remission_{'gm' if 'bfarm' in system else 'cm'}"
        + ("_no_display" if display is None else ""),
        "needs_clearance",
        f"{code} (in remission): a history of cancer, a physician clears massage (it was an active"
        " cancer, contraindicated or a spinal malignancy)",
        condition(system, code, display),
    )
for code, display, verdict in (
    ("C91.00", "Acute lymphoblastic leukemia not having achieved remission", "contraindicated"),
    ("C92.02", "Acute myeloblastic leukemia, in relapse", "contraindicated"),
    ("C90.02", "Multiple myeloma in relapse", "refer_urgently"),
):
    case(
        f"icd10_{code.replace('.', '')}_not_in_remission",
        verdict,
        f"{code}: the cancer in force (no remission)",
        condition(ICD10CM, code, display),
    )
case(
    "icd10_in_remission_with_relapse_status",
    "contraindicated",
    "C91.01 (in remission) with clinicalStatus relapse: the status stands, the cancer in force",
    condition(ICD10CM, "C91.01", "Acute lymphoblastic leukemia, in remission", clinical="relapse"),
)
case(
    "icd10_in_remission_beside_not_in_remission",
    "contraindicated",
    "C91.01 and C91.00 in one Condition: the codes disagree, the cancer in force",
    {
        **condition(ICD10CM, "C91.01", "Acute lymphoblastic leukemia, in remission"),
        "code": {
            "coding": [
                coding(ICD10CM, "C91.01", "Acute lymphoblastic leukemia, in remission"),
                coding(ICD10CM, "C91.00", "Acute lymphoblastic leukemia not in remission"),
            ]
        },
    },
)


# A Procedure of a prevention or a test gives no diagnosis, but a blood thinner it names
# was given: to confirm.
def prevention(text: str, status: str = "completed") -> Resource:
    return {
        "resourceType": "Procedure",
        "status": status,
        "subject": {"reference": "Patient/p1"},
        "code": {"text": text},
        "performedDateTime": "2026-11-15",
    }


for name, words in (
    ("procedure_dvt_prophylaxis", "DVT prophylaxis"),
    ("procedure_heparin_prophylaxis", "Heparin prophylaxis"),
    ("procedure_ru_profilaktika_tromboza", "Профилактика тромбоза"),
    ("procedure_de_thromboseprophylaxe", "Thromboseprophylaxe"),
    ("procedure_fr_prophylaxie_de_la_tvp", "Prophylaxie de la TVP"),
):
    case(
        name,
        "needs_data",
        f"a Procedure '{words}': a blood thinner given, to confirm (it was allowed)",
        prevention(words),
    )
for name, words, status in (
    ("procedure_influenza_vaccine_no_blood_thinner", "Influenza vaccine", "completed"),
    ("procedure_syphilis_test", "Syphilis infection test", "completed"),
    ("procedure_dvt_prophylaxis_not_done", "DVT prophylaxis", "not-done"),
):
    case(
        name,
        "allowed",
        f"a Procedure '{words}' ({status}): no blood thinner given, no diagnosis",
        prevention(words, status),
    )

# False alarms: an oncology nurse, a physical examination's "PE: normal", an exercise test's
# metabolic equivalents ("METs 8"); the near cases are still read.
for name, words in (
    ("text_seen_by_oncology_nurse", "Seen by oncology nurse"),
    ("text_ru_onkologicheskaya_medsestra", "Осмотрена онкологической медсестрой"),
    ("text_de_onkologische_pflegekraft", "Beratung durch onkologische Pflegekraft"),
    ("text_fr_infirmiere_en_oncologie", "Vue par l'infirmière en oncologie"),
    ("text_es_enfermera_oncologica", "Valorada por enfermera oncológica"),
    ("text_pe_normal", "PE: normal"),
    ("text_pe_wnl", "P.E. - WNL"),
    ("text_pe_unremarkable", "PE unremarkable"),
    ("text_fr_tep_normale", "TEP : normale"),
    ("text_mets_8", "METs 8"),
    ("text_achieved_mets", "Treadmill: achieved 8.5 METs"),
):
    case(
        name,
        "allowed",
        f"'{words}': names no diagnosis (it was one to confirm)",
        condition(text=words),
    )
for name, words in (
    ("text_oncology_nurse_for_chemotherapy", "Oncology nurse visit for chemotherapy"),
    ("text_pe_on_ct", "PE on CT"),
    ("text_pe_confirmed_otherwise_normal", "PE confirmed, otherwise normal"),
    ("text_mets_to_l3", "METS to L3"),
    ("text_t12_mets", "T12 METS"),
    ("text_bone_mets", "Bone mets"),
):
    case(
        name,
        "needs_data",
        f"'{words}': still names a cancer or a clot, to confirm",
        condition(text=words),
    )

# G55.1*, a root compressed by a disc (the asterisk code of M50.1/M51.1), is a disc
# herniation: with pain 7 a deferral; G55.2* (in spondylosis) is a neuralgia only.
PAIN_7 = observation("72514-3", 7, "{score}")
RU_ICD10 = "urn:oid:1.2.643.5.1.13.13.11.1005"
for name, system, code in (
    ("icd10_g55_1_asterisk_ru_herniation_pain_7", RU_ICD10, "G55.1*"),
    ("icd10_g55_1_who_herniation_pain_7", ICD10, "G55.1"),
):
    case(
        name,
        "defer",
        f"{code} (root compression in disc disorders) with pain 7: a disc herniation in acute"
        " pain (it was allowed, cupping planned)",
        condition(system, code),
        PAIN_7,
        without={"pain"},
    )
case(
    "icd10_g55_2_spondylosis_pain_7",
    "allowed",
    "G55.2 (root compression in spondylosis) with pain 7: a neuralgia, no disc herniation",
    condition(ICD10, "G55.2"),
    PAIN_7,
    without={"pain"},
)

# A disc herniation named by the ICD-10 titles of M50.1/M51.1/M51.2 or by common words and
# abbreviations: with pain 7, a herniation in acute pain to confirm.
for name, words in (
    (
        "text_title_disc_disorders_with_radiculopathy",
        "Intervertebral disc disorders with radiculopathy, lumbar region",
    ),
    ("text_title_sciatica_due_to_disc_disorder", "Sciatica due to intervertebral disc disorder"),
    (
        "text_ru_title_porazhenie_diska_s_radikulopatiey",
        "Поражение межпозвоночного диска поясничного отдела с радикулопатией",
    ),
    ("text_ru_diskogennaya_radikulopatiya", "Дискогенная радикулопатия L5"),
    ("text_ru_mpg_l5_s1", "МПГ L5-S1"),
    (
        "text_de_title_bandscheibenschaeden_mit_radikulopathie",
        "Lumbale und sonstige Bandscheibenschäden mit Radikulopathie",
    ),
    (
        "text_fr_title_disques_avec_radiculopathie",
        "Atteintes des disques lombaires et autres disques intervertébraux avec radiculopathie",
    ),
    (
        "text_es_title_trastornos_de_disco_con_radiculopatia",
        "Trastornos de disco lumbar y otros, con radiculopatía",
    ),
    ("text_pivd_l4_5", "PIVD L4-5"),
):
    case(
        name,
        "needs_data",
        f"'{words}' with pain 7: a disc herniation in acute pain, to confirm (it was allowed,"
        " cupping planned)",
        condition(text=words),
        PAIN_7,
        without={"pain"},
    )
case(
    "text_radiculopathy_alone_pain_7",
    "allowed",
    "'Radiculopathy' with pain 7: a neuralgia, no disc named",
    condition(text="Radiculopathy"),
    PAIN_7,
    without={"pain"},
)

# eGFR under the CKD-EPI race-split LOINC codes, a method not stated or cystatin C alone.
for code in ("88294-4", "88293-6", "69405-9", "50210-4"):
    slug = code.replace("-", "_")
    case(
        f"egfr_loinc_{slug}_12",
        "contraindicated",
        f"eGFR 12 under LOINC {code}: kidney failure (it was not read, allowed)",
        observation(code, 12, "mL/min/{1.73_m2}"),
    )
    case(
        f"egfr_loinc_{slug}_75",
        "allowed",
        f"eGFR 75 under LOINC {code}: no kidney failure",
        observation(code, 75, "mL/min/{1.73_m2}"),
    )

# Urinary retention in plain words: the cauda equina red flag to confirm.
for name, words in (
    ("text_urine_retention_since_yesterday", "Urine retention since yesterday"),
    ("text_cant_pee_since_yesterday", "Can't pee since yesterday"),
    ("text_difficulty_passing_urine", "Difficulty passing urine"),
    ("text_de_kann_nicht_wasser_lassen", "Kann nicht Wasser lassen"),
    ("text_fr_ne_peut_pas_uriner", "Ne peut pas uriner"),
    ("text_es_no_puede_orinar", "No puede orinar"),
):
    case(
        name,
        "needs_data",
        f"'{words}': a urinary retention, the cauda equina red flag to confirm (it was allowed)",
        condition(text=words),
    )
for name, words in (
    ("text_no_urine_retention", "No urine retention"),
    ("text_denies_difficulty_passing_urine", "Denies difficulty passing urine"),
):
    case(name, "allowed", f"'{words}': denied", condition(text=words))


# A myocardial infarction (or another acute heart disease) recorded as resolved leaves a heart
# disease behind: an old infarction needs a physician's clearance, as I25.2 does.
for name, code, display, abatement, onset in (
    (
        "resolved_mi_three_weeks_ago",
        "I21.9",
        "Acute myocardial infarction, unspecified",
        "2026-10-30",
        "2026-10-20",
    ),
    (
        "resolved_mi_years_ago",
        "I21.9",
        "Acute myocardial infarction, unspecified",
        "2024-01-01",
        "2023-12-01",
    ),
):
    case(
        name,
        "needs_clearance",
        f"{code} resolved ({abatement}): a past acute heart disease, a heart disease to clear"
        " (it was allowed)",
        condition(ICD10, code, display, clinical="resolved", abatement=abatement, onset=onset),
    )
case(
    "refuted_mi",
    "allowed",
    "I21.9 refuted: never had, nothing to clear",
    condition(ICD10, "I21.9", "Acute myocardial infarction, unspecified", verification="refuted"),
)
case(
    "resolved_stable_angina",
    "allowed",
    "I20.9 (angina, the stable set) resolved: over, as before",
    condition(
        ICD10, "I20.9", "Angina pectoris, unspecified", clinical="resolved", abatement="2020-01-01"
    ),
)


# Official ICD-10 titles in Russian, German, French and Spanish of a pulmonary embolism, a
# vertebrobasilar syndrome and a collapsed vertebra: named, to confirm.
for name, words, verdict in (
    ("text_ru_title_legochnaya_emboliya", "Лёгочная эмболия", "needs_data"),
    ("text_ru_emboliya_legochnoy_arterii", "Эмболия лёгочной артерии", "needs_data"),
    (
        "text_ru_title_vertebrobazilyarnaya_sistema",
        "Синдром вертебробазилярной артериальной системы",
        "needs_data",
    ),
    ("text_ru_vertebro_bazilyarnaya_hyphen", "Вертебро-базилярная недостаточность", "needs_data"),
    (
        "text_de_title_arteria_vertebralis_syndrom",
        "Arteria-vertebralis-Syndrom mit Basilaris-Symptomatik",
        "needs_data",
    ),
    ("text_fr_title_syndrome_vertebro_basilaire", "Syndrome vertébro-basilaire", "needs_data"),
    (
        "text_es_title_oclusion_arteria_vertebral",
        "Oclusión y estenosis de la arteria vertebral",
        "needs_data",
    ),
    (
        "text_ru_title_razrushenie_pozvonka",
        "Разрушение позвонка, не классифицированное в других рубриках",
        "needs_data",
    ),
    (
        "text_es_title_vertebra_colapsada",
        "Vértebra colapsada, no clasificada en otra parte",
        "needs_data",
    ),
    ("text_ru_net_embolii_legochnoy_arterii", "Нет эмболии лёгочной артерии", "allowed"),
    ("text_ru_emboliya_arterii_nogi_no_pe", "Эмболия артерии ноги", "allowed"),
):
    case(
        name,
        verdict,
        f"'{words}': {'named, to confirm (it was allowed)' if verdict != 'allowed' else 'names none of them'}",
        condition(text=words),
    )


# Vertebrobasilar symptoms tied to a movement of the neck, in the reader's five languages: the
# red flag to confirm; a vertigo alone, a positional vertigo or one denied is none.
for name, words in (
    ("text_vertigo_with_neck_extension", "Vertigo with neck extension"),
    ("text_fr_vertiges_a_la_rotation_de_la_tete", "Vertiges à la rotation de la tête"),
    ("text_es_mareo_al_girar_la_cabeza", "Mareo al girar la cabeza"),
    ("text_de_sturzattacken", "Sturzattacken"),
    ("text_ru_sinkopalnye_pri_povorotah_golovy", "Синкопальные состояния при поворотах головы"),
    ("text_wallenberg_syndrome", "Wallenberg syndrome"),
):
    case(
        name,
        "needs_data",
        f"'{words}': a vertebrobasilar symptom, the red flag to confirm (it was allowed)",
        condition(text=words),
    )
for name, words in (
    ("text_vertigo_alone_no_red_flag", "Vertigo"),
    ("text_bppv_no_red_flag", "Benign paroxysmal positional vertigo"),
    ("text_no_vertigo_with_neck_extension", "No vertigo with neck extension"),
):
    case(name, "allowed", f"'{words}': no vertebrobasilar red flag", condition(text=words))


# A Procedure that only follows a finding: a platelet transfusion (a platelet count too low),
# a halo vest (a cervical fracture or instability), named to confirm; a red cell transfusion
# or one long ago is none.
for name, words in (
    ("procedure_platelet_transfusion", "Platelet transfusion"),
    ("procedure_ru_perelivanie_trombotsitov", "Переливание тромбоцитов"),
    ("procedure_de_thrombozytentransfusion", "Thrombozytentransfusion"),
    ("procedure_fr_transfusion_de_plaquettes", "Transfusion de plaquettes"),
    ("procedure_es_transfusion_de_plaquetas", "Transfusión de plaquetas"),
    ("procedure_halo_vest_application", "Halo vest application"),
):
    case(
        name,
        "needs_data",
        f"a Procedure '{words}' 8 days ago: what it follows, to confirm (it was allowed)",
        prevention(words) | {"performedDateTime": "2026-11-12"},
    )
case(
    "procedure_red_cell_transfusion",
    "allowed",
    "a Procedure 'Red cell transfusion': no platelet count named",
    prevention("Red cell transfusion") | {"performedDateTime": "2026-11-12"},
)
case(
    "procedure_platelet_transfusion_2024",
    "allowed",
    "a Procedure 'Platelet transfusion' in 2024: long over",
    prevention("Platelet transfusion") | {"performedDateTime": "2024-01-01"},
)


if __name__ == "__main__":
    print(f"{write()} cases written to {OUT.relative_to(ROOT)}")
