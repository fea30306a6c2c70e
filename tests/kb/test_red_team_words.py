"""Red flags, heart disease and abbreviations named in a record's words or coded as EHRs
code them: cauda equina signs as GIRFT and NICE CKS word them, dizziness on looking up,
heart diseases of ICD-10 I00-I52 the KB did not list, clinical abbreviations; each with its
denials (KB terminology.yaml, text.yaml, policy_heart_disease_groups)."""

from __future__ import annotations

from typing import Any

import pytest

from spinecare import screen

DAY = "2026-12-07"
LOINC = "http://loinc.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
SNOMED = "http://snomed.info/sct"
ACTIVE = {
    "coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}
    ]
}


def _condition(cid: str, code: dict[str, Any], onset: str = "2026-12-05") -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": cid,
        "subject": {"reference": "Patient/p1"},
        "clinicalStatus": ACTIVE,
        "code": code,
        "onsetDateTime": onset,
    }


def _bundle(*extra: dict[str, Any]) -> dict[str, Any]:
    """Lumbar osteochondrosis, a normal blood pressure and temperature today (alone:
    `allowed`), and ``extra``."""
    resources: list[dict[str, Any]] = [
        {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1970-03-14"},
        _condition(
            "oc",
            {
                "coding": [
                    {
                        "system": ICD10,
                        "code": "M42.16",
                        "display": "Spinal osteochondrosis, lumbar region",
                    }
                ]
            },
            "2024-05-01",
        ),
        {
            "resourceType": "Observation",
            "id": "bp",
            "status": "final",
            "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": LOINC, "code": "85354-9"}]},
            "effectiveDateTime": DAY,
            "component": [
                {
                    "code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
                    "valueQuantity": {"value": 120, "unit": "mmHg", "code": "mm[Hg]"},
                },
                {
                    "code": {"coding": [{"system": LOINC, "code": "8462-4"}]},
                    "valueQuantity": {"value": 80, "unit": "mmHg", "code": "mm[Hg]"},
                },
            ],
        },
        {
            "resourceType": "Observation",
            "id": "temp",
            "status": "final",
            "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": LOINC, "code": "8310-5"}]},
            "effectiveDateTime": DAY,
            "valueQuantity": {"value": 36.6, "unit": "C", "code": "Cel"},
        },
        *extra,
    ]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }


def _named_reading(name: str, **value: Any) -> dict[str, Any]:
    """The bundle with an Observation of today named only in words, valued ``value``."""
    return _bundle(
        {
            "resourceType": "Observation",
            "id": "named",
            "status": "final",
            "subject": {"reference": "Patient/p1"},
            "code": {"text": name},
            "effectiveDateTime": DAY,
            **value,
        }
    )


def _in_words(*texts: str) -> dict[str, Any]:
    return _bundle(*(_condition(f"t{i}", {"text": text}) for i, text in enumerate(texts)))


def _coded(system: str, code: str, display: str) -> dict[str, Any]:
    return _bundle(
        _condition("c1", {"coding": [{"system": system, "code": code, "display": display}]})
    )


def _unknown(result: Any) -> set[str]:
    return {f.concept for f in result.findings if f.certainty == "unknown"}


def test_the_record_without_these_words_is_allowed(kb) -> None:
    result = screen(_bundle(), DAY, kb=kb)
    assert result.verdict == "allowed" and not result.findings


CAUDA_EQUINA = [
    # GIRFT: difficulty starting urination, reduced sensation of urine flow
    "Difficulty starting urination, reduced sensation of urine flow; anal sphincter laxity",
    "difficulty starting urination",
    "Difficulty in starting to urinate since Monday",
    "Urinary hesitancy for two days",
    "reduced sensation of the urine flow",
    "Cannot feel the urine passing",
    # GIRFT: loss of the sensation of rectal fullness, new sexual dysfunction
    "loss of the sensation of rectal fullness",
    "Reduced rectal sensation",
    "new sexual dysfunction",
    "New-onset erectile dysfunction",
    # NICE CKS: anal sphincter laxity, as an examination writes it
    "anal sphincter laxity",
    "Laxity of the anal sphincter",
    "lax anal tone",
    "PR: anal tone lax",
    "Anal sphincter tone reduced",
    "Weak anal squeeze",
    # GIRFT: altered genital sensation
    "altered genital sensation",
    "Genital sensation reduced",
    # abbreviations and lay words
    "AUR",
    "AUR, catheterised",
    "numb bum",
    # German and Russian
    "Startschwierigkeiten beim Wasserlassen",
    "Sphinkterschwäche",
    "Verminderter Sphinktertonus",
    "затруднённое начало мочеиспускания",
    "Затруднение начала мочеиспускания",
    "слабость анального сфинктера",
    "Тонус анального сфинктера снижен",
    "онемение половых органов",
    "Онемение в области половых органов",
]


@pytest.mark.parametrize("text", CAUDA_EQUINA)
def test_cauda_equina_signs_in_words_are_to_confirm(kb, text: str) -> None:
    result = screen(_in_words(text), DAY, kb=kb)
    assert "cauda_equina" in _unknown(result), text
    assert result.verdict == "needs_data"


VERTEBROBASILAR = [
    "Dizziness on looking up, blackouts",
    "dizziness when looking up",
    "vertigo on looking up",
    "dizzy when tilting head back",
    "Dizziness when she tilts her head back",
    "Gets dizzy looking up at shelves",
    "Schwindel beim Kopf-in-den-Nacken-Legen",
    "Schwindel bei Reklination des Kopfes",
    "головокружение при запрокидывании головы",
    "Головокружение при взгляде вверх",
]


@pytest.mark.parametrize("text", VERTEBROBASILAR)
def test_dizziness_on_looking_up_is_a_vascular_flag_to_confirm(kb, text: str) -> None:
    result = screen(_in_words(text), DAY, kb=kb)
    assert "vertebrobasilar_insufficiency" in _unknown(result), text
    assert result.verdict == "needs_data"


@pytest.mark.parametrize(
    "text",
    [
        # the words alone have many causes: not read as the vascular flag
        "diplopia",
        "Doppelbilder",
        "dizziness",
        "Blackouts",
        "vertigo on standing",
        "erectile dysfunction",
        "Sexual dysfunction on sertraline",
        # denied
        "no saddle anaesthesia",
        "denies difficulty starting urination",
        "No difficulty starting urination, no anal sphincter laxity",
        "Anal tone normal, genital sensation normal",
        "Keine Startschwierigkeiten beim Wasserlassen",
        "Онемения половых органов нет",
        "нет головокружения",
        "Нет головокружения при запрокидывании головы",
        "No dizziness on looking up",
        "Denies dizziness when looking up or drop attacks",
        "Kein Schwindel beim Hochschauen",
        "No heart disease",
        "Family history of heart disease",
        "No LRTI",
        "aur",
        # the heart muscle, sac and lining are no inflammation of them
        "Гипертрофия миокарда",
        "Выпот в полости перикарда",
    ],
)
def test_denied_or_other_words_leave_the_screening_allowed(kb, text: str) -> None:
    result = screen(_in_words(text), DAY, kb=kb)
    assert result.verdict == "allowed", (text, [(f.concept, f.certainty) for f in result.findings])


@pytest.mark.parametrize(
    ("system", "code", "display", "verdict"),
    [
        (SNOMED, "56265001", "Heart disease", "needs_clearance"),
        (SNOMED, "50920009", "Myocarditis", "contraindicated"),
        (SNOMED, "3238004", "Pericarditis", "contraindicated"),
        (SNOMED, "25569003", "Ventricular tachycardia", "needs_clearance"),
        (ICD10, "I42.0", "Dilated cardiomyopathy", "needs_clearance"),
        (ICD10, "I42.1", "Obstructive hypertrophic cardiomyopathy", "needs_clearance"),
        (ICD10, "I42.9", "Cardiomyopathy, unspecified", "needs_clearance"),
        (ICD10, "I44.2", "Atrioventricular block, complete", "needs_clearance"),
        (ICD10, "I47.2", "Ventricular tachycardia", "needs_clearance"),
        (ICD10, "I51.9", "Heart disease, unspecified", "needs_clearance"),
        # as the KB already filed acute myocarditis
        (ICD10, "I40.9", "Acute myocarditis, unspecified", "contraindicated"),
    ],
)
def test_coded_heart_disease_is_acute_or_needs_clearance(
    kb, system: str, code: str, display: str, verdict: str
) -> None:
    result = screen(_coded(system, code, display), DAY, kb=kb)
    assert "heart_disease" in result.present_concepts
    assert result.verdict == verdict


@pytest.mark.parametrize(
    ("text", "effect"),
    [
        ("Heart disease", "needs_clearance"),
        ("Cardiomyopathy", "needs_clearance"),
        ("кардиомиопатия", "needs_clearance"),
        ("Kardiomyopathie", "needs_clearance"),
        ("Ventricular tachycardia", "needs_clearance"),
        ("Complete heart block", "needs_clearance"),
        ("Acute myocarditis", "contraindicated"),
        ("миокардит", "contraindicated"),
        ("Острый перикардит", "contraindicated"),
        ("Myokarditis", "contraindicated"),
    ],
)
def test_heart_disease_in_words_is_to_confirm(kb, text: str, effect: str) -> None:
    result = screen(_in_words(text), DAY, kb=kb)
    heart = {f.effect for f in result.findings if f.concept == "heart_disease"}
    assert heart == {effect}
    assert all(f.certainty == "unknown" for f in result.findings)
    assert result.verdict == "needs_data"


@pytest.mark.parametrize(
    ("text", "concept", "effect"),
    [
        ("AUR", "cauda_equina", "refer_urgently"),
        ("LRTI", "infectious_disease", "defer"),
        ("Chest infection", "infectious_disease", "defer"),
        ("MI 2019", "heart_disease", "contraindicated"),
        ("Old MI", "heart_disease", "needs_clearance"),
        ("Status post MI 10/2026", "heart_disease", "needs_clearance"),
        ("PAF", "heart_disease", "needs_clearance"),
        ("OVCF T12", "vertebral_fracture", "refer_urgently"),
        ("numb bum", "cauda_equina", "refer_urgently"),
    ],
)
def test_abbreviations_in_a_diagnosis_name_their_concept(
    kb, text: str, concept: str, effect: str
) -> None:
    result = screen(_in_words(text), DAY, kb=kb)
    assert (concept, "unknown", effect) in {
        (f.concept, f.certainty, f.effect) for f in result.findings
    }
    assert result.verdict == "needs_data"


def test_the_abbreviations_of_one_record_are_each_found(kb) -> None:
    result = screen(_in_words("AUR", "LRTI", "MI 2019", "PAF"), DAY, kb=kb)
    assert _unknown(result) == {"cauda_equina", "infectious_disease", "heart_disease"}
    assert result.verdict == "needs_data"


@pytest.mark.parametrize(
    "text",
    [
        # short forms that mean something else in spine and massage notes are not read
        "HF",
        "severe AS",
        "APS",
        "eGFR 9",
        # lower case: not the abbreviation
        "mi",
        "paf",
    ],
)
def test_ambiguous_short_forms_name_nothing(kb, text: str) -> None:
    assert not {m.concept for m in kb.text_matcher.find(text)}


ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"


def _code_only(system: str, code: str) -> dict[str, Any]:
    return _bundle(_condition("c1", {"coding": [{"system": system, "code": code}]}))


@pytest.mark.parametrize(
    ("system", "code", "concept", "verdict"),
    [
        # VSAC Cardiopulmonary Arrest: a cardiac arrest is acute heart disease
        (SNOMED, "71908006", "heart_disease", "contraindicated"),
        (SNOMED, "410430005", "heart_disease", "contraindicated"),
        (SNOMED, "397829000", "heart_disease", "contraindicated"),
        (ICD10CM, "I97.121", "heart_disease", "contraindicated"),
        # its ventricular tachycardias need clearance, as I47.2 (policy_heart_disease_groups)
        (SNOMED, "31722008", "heart_disease", "needs_clearance"),
        (SNOMED, "426525004", "heart_disease", "needs_clearance"),
        # ICD-10-CM refractory angina: chronic, as I20.9
        (ICD10CM, "I20.2", "heart_disease", "needs_clearance"),
        # VSAC Malignant Neoplasm of Colon: carcinoma by stage, and its history codes
        (SNOMED, "422985007", "oncology", "contraindicated"),
        (SNOMED, "429699009", "history_of_cancer", "needs_clearance"),
        # VSAC Upper Respiratory Infection, as J06.9 defers
        (SNOMED, "54398005", "infectious_disease", "defer"),
        # WHO G06.2, an abscess in the skull or the spinal canal, as G06.0
        (ICD10, "G06.2", "infectious_disease", "defer"),
    ],
)
def test_codes_of_the_cited_value_sets_given_alone(
    kb, system: str, code: str, concept: str, verdict: str
) -> None:
    result = screen(_code_only(system, code), DAY, kb=kb)
    assert concept in result.present_concepts
    assert result.verdict == verdict


def test_history_of_colon_cancer_is_no_active_cancer(kb) -> None:
    result = screen(_code_only(SNOMED, "429699009"), DAY, kb=kb)
    assert "oncology" not in {f.concept for f in result.findings}


def _drug(text: str) -> dict[str, Any]:
    return _bundle(
        {
            "resourceType": "MedicationStatement",
            "id": "m1",
            "status": "active",
            "subject": {"reference": "Patient/p1"},
            "medicationCodeableConcept": {"text": text},
            "effectiveDateTime": "2026-11-01",
        }
    )


@pytest.mark.parametrize(
    "text",
    [
        "Xaralto 20 mg",
        "Zarelto 15 mg",
        "Ксарэлто 20 мг",
        "Acitrom 2 mg",
        "Monoparin 5000 units",
        "Multiparin 5000 units",
        "Hepsal",
        "Crusia 40 mg",
        "Clopilet 75 mg",
        "Deplatt 75",
        "Ceruvin 75 mg",
        "Roteas 60 mg",
        "Prazaxa 150 mg",
        "Possia 90 mg",
        "Liquamar 3 mg",
    ],
)
def test_blood_thinner_brands_and_misspellings_are_to_confirm(kb, text: str) -> None:
    result = screen(_drug(text), DAY, kb=kb)
    assert ("anticoagulant_therapy", "unknown") in {
        (f.concept, f.certainty) for f in result.findings
    }
    assert result.verdict == "needs_data"


@pytest.mark.parametrize(
    "text",
    [
        "Possible muscle strain",
        "Crush injury of finger",
        "Acitretin 25 mg",
        "Multiparous",
        "Monoparesis of left arm",
        "Rotation of the neck limited",
    ],
)
def test_words_that_begin_like_those_brands_name_no_blood_thinner(kb, text: str) -> None:
    assert "anticoagulant_therapy" not in {m.concept for m in kb.text_matcher.find(text)}


CPT = "http://www.ama-assn.org/go/cpt"
PCS = "http://www.cms.gov/Medicare/Coding/ICD10"
OPS = "http://fhir.de/CodeSystem/bfarm/ops"


def _operation(system: str, code: str, day: str = "2026-11-10") -> dict[str, Any]:
    return _bundle(
        {
            "resourceType": "Procedure",
            "id": "op",
            "status": "completed",
            "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": system, "code": code}]},
            "performedDateTime": day,
        }
    )


@pytest.mark.parametrize(
    ("system", "code"),
    [
        (CPT, "22214"),
        (CPT, "22207"),
        (CPT, "22114"),
        (CPT, "22318"),
        (CPT, "22852"),
        (CPT, "0274T"),
        (CPT, "63185"),
        (CPT, "63200"),
        (CPT, "63272"),
        (CPT, "63276"),
        (CPT, "63300"),
        (CPT, "63662"),
        (CPT, "63709"),
        (PCS, "0RG00J0"),
        (PCS, "0SB00ZZ"),
        (PCS, "0SP004Z"),
        (PCS, "0SW304Z"),
        (PCS, "0QT00ZZ"),
        (PCS, "0PT40ZZ"),
        (PCS, "00CU0ZZ"),
        (PCS, "009U00Z"),
        (PCS, "00BY0ZZ"),
        (PCS, "0QH004Z"),
        (PCS, "0PH404Z"),
        (PCS, "0SS004Z"),
        (OPS, "5-035.4"),
        (OPS, "5-034.0"),
        (OPS, "5-036.0"),
        (OPS, "5-038.4"),
    ],
)
def test_spine_operations_coded_alone_need_clearance(kb, system: str, code: str) -> None:
    result = screen(_operation(system, code), DAY, kb=kb)
    assert "recent_spinal_surgery" in result.present_concepts
    assert result.verdict == "needs_clearance"
    # done long before the window, the same operation limits nothing
    old = screen(_operation(system, code, "2025-01-10"), DAY, kb=kb)
    assert old.verdict == "allowed"


def test_a_lumbar_puncture_is_no_spine_operation(kb) -> None:
    result = screen(_operation(PCS, "009U3ZX"), DAY, kb=kb)
    assert result.verdict == "allowed"


@pytest.mark.parametrize(
    "text",
    [
        "Fracture of lumbar spine and pelvis",
        "Fracture of other and unspecified parts of lumbar spine and pelvis",
        "Fracture of unspecified parts of lumbosacral spine and pelvis, initial encounter",
        "Fraktur der Lendenwirbelsäule und des Beckens",
    ],
)
def test_a_fracture_of_the_lumbar_spine_and_pelvis_in_words_is_to_confirm(kb, text: str) -> None:
    result = screen(_in_words(text), DAY, kb=kb)
    assert ("vertebral_fracture", "unknown") in {(f.concept, f.certainty) for f in result.findings}
    assert result.verdict == "needs_data"


@pytest.mark.parametrize("text", ["Fracture of pelvis", "No fracture of lumbar spine and pelvis"])
def test_a_fracture_of_the_pelvis_alone_or_denied_is_no_vertebral_fracture(kb, text: str) -> None:
    result = screen(_in_words(text), DAY, kb=kb)
    assert "vertebral_fracture" not in {f.concept for f in result.findings}


@pytest.mark.parametrize(
    ("system", "code"),
    [
        (PCS, "0RP104Z"),
        (PCS, "0RP30JZ"),
        (PCS, "0RP40AZ"),
        (PCS, "0RP634Z"),
        (PCS, "0RP90JZ"),
        (PCS, "0RPA04Z"),
        (PCS, "0RW104Z"),
        (PCS, "0RW50JZ"),
        (PCS, "0RW60AZ"),
        (PCS, "0RWB0JZ"),
        (CPT, "63302"),
        (CPT, "63304"),
        (CPT, "63307"),
        (CPT, "63308"),
        (CPT, "63101"),
        (CPT, "63103"),
        (OPS, "5-037.0"),
    ],
)
def test_upper_spine_hardware_and_corpectomy_need_clearance(kb, system: str, code: str) -> None:
    result = screen(_operation(system, code), DAY, kb=kb)
    assert "recent_spinal_surgery" in result.present_concepts
    assert result.verdict == "needs_clearance"
    old = screen(_operation(system, code, "2024-12-07"), DAY, kb=kb)
    assert old.verdict == "allowed"


@pytest.mark.parametrize("code", ["0RPC04Z", "0RWJ0JZ"])
def test_hardware_of_a_jaw_or_shoulder_joint_is_no_spine_operation(kb, code: str) -> None:
    assert screen(_operation(PCS, code), DAY, kb=kb).verdict == "allowed"
