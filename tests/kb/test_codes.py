"""Matching record codings against the KB's codes (spinecare.kb.codes): the spellings and
shapes real records write codes in."""

from __future__ import annotations

import pytest

from spinecare.kb.codes import (
    icd10_decades,
    icd10_remission,
    is_foreign_system,
    snomed_expression,
    system_name,
)
from spinecare.kb.loader import KB


def concepts(hits) -> set[str]:
    return {hit.concept for hit in hits}


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("C4A.9", {"oncology"}),  # Merkel cell carcinoma
        ("C7A.1", {"oncology"}),  # malignant poorly differentiated neuroendocrine tumours
        ("C7A", {"oncology"}),
        ("c7b.8", {"oncology"}),  # other secondary neuroendocrine tumours
        ("C7B.03", {"oncology", "spinal_malignancy"}),  # secondary carcinoid tumours of bone
        ("O9A.111", {"pregnancy"}),
        ("D3A.00", set()),  # benign neuroendocrine tumour: D37-D48 does not cover D30-D39
        ("M1A.00X0", set()),
    ],
)
def test_icd10cm_categories_with_a_letter_in_the_third_place(
    kb: KB, code: str, expected: set[str]
) -> None:
    assert concepts(kb.codes.lookup("icd10cm", code)) == expected
    assert concepts(kb.codes.lookup_unplaced("unknown", code)) == expected


def test_a_range_covers_the_tens_it_covers_whole() -> None:
    assert icd10_decades("C00", "C97") == [f"C{n}" for n in range(9)]  # C90-C99 is not whole
    assert icd10_decades("D00", "D09") == ["D0"]
    assert icd10_decades("D37", "D48") == []  # D3A stands among the benign D30-D36
    assert icd10_decades("A00", "B17") == [*(f"A{n}" for n in range(10)), "B0"]


@pytest.mark.parametrize(
    "uri",
    [
        "http://snomed.info/sct/32506021000036107",  # the Australian edition
        "http://snomed.info/sct/900000000000207008/version/20240101",  # an international release
        "https://snomed.info/sct/83821000000107/",
    ],
)
def test_snomed_ct_edition_and_version_uris_are_snomed_ct(uri: str) -> None:
    assert system_name(uri) == "snomed"


def test_loinc_and_icd10_uris_with_a_version_are_their_systems() -> None:
    assert system_name("http://loinc.org|2.77") == "loinc"
    assert system_name("http://hl7.org/fhir/sid/icd-10-cm|2024") == "icd10cm"
    assert system_name("http://hl7.org/fhir/sid/icd-10-cm/2024") == "icd10cm"
    assert system_name("http://example.org/codes/12") == "http://example.org/codes/12"


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        # the Russian MKB-10 register's pages, as records copy them from the address bar
        (
            "https://nsi.rosminzdrav.ru/dictionaries/1.2.643.5.1.13.13.11.1005/passport/latest",
            "icd10",
        ),
        ("https://nsi.rosminzdrav.ru/#!/refbook/1.2.643.5.1.13.13.11.1005", "icd10"),
        # an OID written bare, as CDA and HL7 v2 converters write a code system
        ("1.2.643.5.1.13.13.11.1005", "icd10"),
        ("2.16.840.1.113883.6.96", "snomed"),
        ("2.16.840.1.113883.6.90", "icd10cm"),
        ("2.16.840.1.113883.6.88", "rxnorm"),
    ],
)
def test_a_uri_naming_a_known_oid_is_that_system(uri: str, expected: str) -> None:
    assert system_name(uri) == expected


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        # national editions by their registers' OIDs: Sweden, Norway, Finland
        ("urn:oid:1.2.752.116.1.1.1.1.3", "icd10"),
        ("urn:oid:2.16.578.1.12.4.1.1.7110", "icd10"),
        ("1.2.246.537.6.1.1999", "icd10"),
        # an address that names ICD-10 (France, Belgium, a clinic's own)
        ("https://mos.esante.gouv.fr/NOS/TRE_R48-CIM10ATIH/FHIR/TRE-R48-CIM10ATIH", "icd10"),
        ("https://smt.esante.gouv.fr/terminologie-cim-10/", "icd10"),
        ("http://hl7.org/fhir/sid/icd-10-be", "icd10"),
        ("http://clinic.example.org/fhir/CodeSystem/mkb-10", "icd10"),
        ("http://clinic.example.org/fhir/CodeSystem/ICD10CM", "icd10cm"),
        # never ICD-10-PCS, ICD-9 or ICD-11, nor a word that holds "icd10" in it
        (
            "http://clinic.example.org/fhir/CodeSystem/icd-10-pcs",
            "http://clinic.example.org/fhir/CodeSystem/icd-10-pcs",
        ),
        ("http://clinic.example.org/icd-9", "http://clinic.example.org/icd-9"),
        ("http://id.who.int/icd/release/11/mms", "http://id.who.int/icd/release/11/mms"),
        ("http://clinic.example.org/picd100", "http://clinic.example.org/picd100"),
        ("urn:oid:1.2.208.176.2.4", "sks"),
        # procedures, another KB system's host, CMS's pages (CM and PCS alike): not by name
        (
            "http://clinic.example.org/icd10-procedures",
            "http://clinic.example.org/icd10-procedures",
        ),
        ("http://clinic.example.org/icd-10-p", "http://clinic.example.org/icd-10-p"),
        ("http://loinc.org/icd10", "http://loinc.org/icd10"),
        (
            "https://www.cms.gov/medicare/coding-billing/icd-10-codes",
            "https://www.cms.gov/medicare/coding-billing/icd-10-codes",
        ),
    ],
)
def test_national_icd10_editions_are_icd10(uri: str, expected: str) -> None:
    assert system_name(uri) == expected


@pytest.mark.parametrize(
    ("system", "code", "expected"),
    [
        ("urn:oid:1.2.208.176.2.4", "DG834", {"cauda_equina"}),
        ("urn:oid:1.2.208.176.2.4.12", "DC795", {"oncology", "spinal_malignancy"}),
        ("urn:oid:1.2.208.176.2.4", "DM511A", {"disc_herniation"}),
        ("urn:oid:1.2.208.176.2.4", "KNAG40", set()),  # a procedure: no KB code
        ("urn:oid:1.2.208.176.2.4", "ALCA00", set()),  # administrative
    ],
)
def test_a_danish_sks_diagnosis_is_its_icd10_code(
    kb: KB, system: str, code: str, expected: set[str]
) -> None:
    from spinecare.kb.codes import prefixed_code

    name, written = prefixed_code(system_name(system), code)
    assert concepts(kb.codes.lookup(name, written)) == expected
    assert concepts(kb.codes.lookup_unplaced(name, written)) <= expected
    # in no system: by its shape, to be confirmed
    assert concepts(kb.codes.lookup_unplaced("unknown", code)) == expected


@pytest.mark.parametrize(
    ("code", "certain", "to_confirm"),
    [
        # an ICD-10 code sent under SKS without its D: read by its shape, to confirm
        ("G83.4", set(), {"cauda_equina"}),
        ("ICD10:G83.4", {"cauda_equina"}, set()),  # a code named by its system in front
        # several diagnoses in one field: each
        ("DM49.5* DC79.5", {"vertebral_fracture", "oncology", "spinal_malignancy"}, set()),
        ("DM51.1 DC79.5", {"disc_herniation", "oncology", "spinal_malignancy"}, set()),
    ],
)
def test_an_sks_field_never_hides_a_red_flag(
    kb: KB, code: str, certain: set[str], to_confirm: set[str]
) -> None:
    from spinecare.kb.codes import prefixed_code

    name, written = prefixed_code(system_name("urn:oid:1.2.208.176.2.4"), code)
    assert concepts(kb.codes.lookup(name, written)) == certain
    assert concepts(kb.codes.lookup_unplaced(name, written)) >= to_confirm


def test_a_longer_oid_or_a_version_number_is_no_known_oid() -> None:
    assert system_name("1.2.643.5.1.13.13.11.1005.2") == "1.2.643.5.1.13.13.11.1005.2"
    assert system_name("http://example.org/cs/1.0.0") == "http://example.org/cs/1.0.0"


def test_a_known_other_system_written_by_its_bare_oid_is_still_another_system() -> None:
    assert is_foreign_system("2.16.840.1.113883.6.103")  # ICD-9-CM
    assert not is_foreign_system("2.16.840.1.113883.6.96")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("128053003:363698007=61685007", {"coagulation_disorder"}),  # DVT, finding site
        ("84114007:246112005=24484000", {"heart_disease"}),  # heart failure, severe
        (
            "128053003 |Deep venous thrombosis| : 363698007 |Finding site| = 61685007 |Lower limb|",
            {"coagulation_disorder"},
        ),
        ("=== 84114007 + 49601007 : 246112005 = 24484000", {"heart_disease"}),
        ("84114007 |Heart failure|", {"heart_disease"}),
    ],
)
def test_a_snomed_ct_expression_matches_its_focus_concepts(
    kb: KB, code: str, expected: set[str]
) -> None:
    assert concepts(kb.codes.lookup("snomed", code)) == expected
    assert kb.codes.lookup_unplaced("snomed", code) == []


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("84114007:408729009=410590009", {"heart_disease"}),  # finding context: suspected
        ("128053003:408731000=410513005", {"coagulation_disorder"}),  # temporal context: past
        ("84114007:408732007=72705000", {"heart_disease"}),  # subject relationship: mother
        (  # a finding wrapped in its context: known present
            "413350009 |Finding with explicit context| :"
            " 246090004 = 84114007, 408729009 = 410515003",
            {"heart_disease"},
        ),
        (
            "413350009:{246090004=(128053003:363698007=61685007),408731000=410512000}",
            {"coagulation_disorder"},
        ),
    ],
)
def test_a_snomed_ct_expression_in_context_is_to_be_confirmed(
    kb: KB, code: str, expected: set[str]
) -> None:
    assert kb.codes.lookup("snomed", code) == []
    assert concepts(kb.codes.lookup_unplaced("snomed", code)) == expected


def test_a_snomed_ct_expression_without_a_system_is_read_by_its_shape(kb: KB) -> None:
    assert concepts(kb.codes.lookup_unplaced("unknown", "128053003:363698007=61685007")) == {
        "coagulation_disorder"
    }
    assert snomed_expression("C50.9") is None


@pytest.mark.parametrize(
    ("system", "code"),
    [
        ("http://read.info/readv2", "B34.."),  # Read v2: breast cancer, not ICD-10 B34
        ("urn:oid:2.16.840.1.113883.6.29", "B58.."),  # Read v2: bone secondaries
        ("urn:oid:2.16.840.1.113883.2.1.6.2", "B34.."),
        ("http://read.info/ctv3", "X78Y5"),
        ("urn:oid:2.16.840.1.113883.2.1.3.2.4.14", "B34.."),
        ("http://hl7.org/fhir/sid/icpc-2", "K77"),  # ICPC-2 heart failure, not ICD-10 K77
        ("urn:oid:2.16.578.1.12.4.1.1.7170", "L86"),
        ("http://hl7.org/fhir/sid/icd-9-cm", "V10.3"),
        ("http://www.cms.gov/Medicare/Coding/ICD10", "B030ZZZ"),  # ICD-10-PCS imaging
        ("urn:oid:2.16.840.1.113883.6.285", "J1644"),  # HCPCS heparin injection
    ],
)
def test_a_code_of_a_known_other_system_is_not_read_as_an_icd10_look_alike(
    kb: KB, system: str, code: str
) -> None:
    assert is_foreign_system(system)
    assert kb.codes.lookup_unplaced(system, code) == []


def test_a_code_of_an_unknown_system_is_still_read_by_its_shape(kb: KB) -> None:
    assert concepts(kb.codes.lookup_unplaced("http://example.org/local", "C50.9")) == {"oncology"}
    assert concepts(kb.codes.lookup_unplaced("unknown", "B34..")) == {"infectious_disease"}


@pytest.mark.parametrize(
    ("code", "holds"),
    [
        ("B01A", True),  # antithrombotic agents: blood thinners and aspirin
        ("b01ac", True),  # platelet aggregation inhibitors: clopidogrel and aspirin
        ("B01", True),
        ("B", True),
        ("B01AF", False),  # listed: a match, not a group to confirm
        ("B01AF02", False),
        ("B01AC06", False),  # aspirin, deliberately not listed
        ("B03", False),  # antianaemic preparations: no listed code under it
        ("C09AA02", False),
    ],
)
def test_an_atc_group_above_listed_codes_is_told_apart(kb: KB, code: str, holds: bool) -> None:
    assert kb.codes.holds_listed("atc", code) is holds
    assert not kb.codes.holds_listed("rxnorm", code)


@pytest.mark.parametrize(
    ("code", "said"),
    [
        ("C9101", True),  # ICD-10-CM: in remission
        ("C9001", True),  # ICD-10-GM: in kompletter Remission
        ("C92A1", True),
        ("C9100", False),  # not in remission
        ("C9002", False),  # in relapse
        ("C900", None),  # WHO: no fifth character
        ("C501", None),  # no leukaemia or myeloma
        ("M5101", None),
    ],
)
def test_an_icd10_code_of_remission_is_told(code: str, said: bool | None) -> None:
    assert icd10_remission(code) is said
