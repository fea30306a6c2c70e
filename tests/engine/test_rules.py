"""One small fixture per rule (tests/fixtures/rules/), named for what it shows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from spinecare import plan, screen
from tests.conftest import AS_OF, FIXTURES

RULES = FIXTURES / "rules"

# fixture name -> (verdict, concepts that must be present findings, indicated)
EXPECTED: dict[str, tuple[str, set[str], bool | None]] = {
    "cauda_equina_coded_g83_4": ("refer_urgently", {"cauda_equina"}, False),
    "cauda_equina_saddle_anaesthesia_answer": ("refer_urgently", {"cauda_equina"}, False),
    "myelopathy_coded_m50_0": ("refer_urgently", {"myelopathy"}, False),
    "vertebral_fracture_coded_s32_0": ("refer_urgently", {"vertebral_fracture"}, False),
    "spinal_infection_discitis_m46_4": ("refer_urgently", {"spinal_infection"}, False),
    "spinal_malignancy_bone_metastasis_c79_5": (
        "refer_urgently",
        {"spinal_malignancy", "oncology"},
        False,
    ),
    "vertebrobasilar_dizziness_answer": (
        "refer_urgently",
        {"vertebrobasilar_insufficiency"},
        False,
    ),
    "oncology_active_breast_cancer_c50_9": ("contraindicated", {"oncology"}, False),
    "oncology_resolved_is_history_of_cancer": ("needs_clearance", {"history_of_cancer"}, False),
    "organ_decompensation_ckd_stage_5_n18_5": ("contraindicated", {"organ_decompensation"}, False),
    "heart_failure_i50_9": ("contraindicated", {"heart_disease"}, False),
    "heart_disease_stable_atrial_fibrillation_i48": ("needs_clearance", {"heart_disease"}, False),
    "coagulation_disorder_d68_9": ("contraindicated", {"coagulation_disorder"}, False),
    "coagulation_platelets_40": ("contraindicated", {"coagulation_disorder"}, False),
    "platelets_normal_250_no_finding": ("allowed", set(), False),
    "significant_hypertension_185_over_100": (
        "defer",
        {"significant_hypertension", "moderate_hypertension"},
        False,
    ),
    "moderate_hypertension_165_over_95": ("needs_clearance", {"moderate_hypertension"}, False),
    "mild_hypertension_145_over_92_indication": ("allowed", set(), True),
    "fever_measured_37_8": ("defer", {"fever"}, False),
    "fever_fahrenheit_100_4": ("defer", {"fever"}, False),
    "fever_answer_yes_without_temperature": ("defer", {"fever"}, False),
    "no_fever_answer_instead_of_temperature": ("allowed", set(), False),
    "missing_temperature_and_fever_answer": ("needs_data", set(), False),
    "missing_blood_pressure": ("needs_data", set(), None),
    "stale_blood_pressure_40_days": ("needs_data", set(), None),
    "infectious_disease_pneumonia_j18_9": ("defer", {"infectious_disease"}, False),
    "acute_pain_herniation_pain_6": ("defer", {"acute_pain"}, True),
    "herniation_cleared_pain_missing": ("needs_data", set(), True),
    "herniation_without_clearance": ("needs_clearance", {"disc_herniation"}, True),
    "herniation_cleared_weak_pain": ("allowed", {"disc_herniation"}, True),
    "clearance_does_not_settle_a_contraindication": ("contraindicated", {"oncology"}, False),
    "clearance_declined": ("contraindicated", {"disc_herniation"}, True),
    "clearance_in_the_future_does_not_count": ("needs_clearance", {"disc_herniation"}, True),
    "anticoagulant_warfarin_rxnorm_855332": ("needs_clearance", {"anticoagulant_therapy"}, False),
    "pregnancy_z33": ("needs_clearance", {"pregnancy"}, False),
    "recent_spinal_surgery_procedure": ("needs_clearance", {"recent_spinal_surgery"}, False),
    "old_spinal_surgery_no_finding": ("allowed", set(), False),
    "dermatitis_l20_9": ("allowed_with_precautions", {"dermatitis"}, False),
    "osteoporosis_m81_0": ("allowed_with_precautions", {"osteoporosis"}, False),
    "refuted_cancer_ignored": ("allowed", set(), False),
    "future_onset_set_aside_cancer_counts": ("contraindicated", {"oncology"}, False),
    "cervical_osteochondrosis_allowed": ("allowed", set(), True),
    "lumbar_osteochondrosis_vacuum": ("allowed", set(), True),
    "lumbar_osteochondrosis_warfarin_no_vacuum": ("allowed", {"anticoagulant_therapy"}, True),
    "osteochondrosis_icd10cm_without_dot": ("allowed", set(), True),
}


def test_every_fixture_has_an_expectation() -> None:
    assert {p.stem for p in RULES.glob("*.yaml")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_rule_fixture(name: str, kb) -> None:
    verdict, concepts, indicated = EXPECTED[name]
    result = screen(RULES / f"{name}.yaml", AS_OF, kb=kb)
    assert result.verdict == verdict, result.to_json()
    present = {f.concept for f in result.findings if f.certainty == "present"}
    assert concepts <= present, result.to_json()
    assert result.indicated.to_optional() is indicated


def test_missing_blood_pressure_names_the_item_and_rules(kb) -> None:
    result = screen(RULES / "missing_blood_pressure.yaml", AS_OF, kb=kb)
    [item] = result.missing
    assert item.item == "blood_pressure"
    assert {"significant_hypertension", "moderate_hypertension"} <= set(item.rules)
    unknown = {f.concept for f in result.findings if f.certainty == "unknown"}
    assert {"significant_hypertension", "moderate_hypertension"} <= unknown


def test_stale_blood_pressure_is_reported_as_evidence(kb) -> None:
    result = screen(RULES / "stale_blood_pressure_40_days.yaml", AS_OF, kb=kb)
    finding = next(f for f in result.findings if f.rule == "significant_hypertension")
    assert finding.certainty == "unknown"
    assert finding.evidence[0].date.isoformat() == "2026-10-11"
    assert "too old to count" in (finding.evidence[0].note or "")
    assert "latest 11 Oct 2026" in result.missing[0].why


def test_missing_temperature_accepts_the_fever_answer_instead(kb) -> None:
    result = screen(RULES / "missing_temperature_and_fever_answer.yaml", AS_OF, kb=kb)
    [item] = result.missing
    assert item.item == "body_temperature"
    assert item.alternatives == ["fever_today"]


def test_evidence_names_the_resource_value_and_date(kb) -> None:
    result = screen(RULES / "fever_fahrenheit_100_4.yaml", AS_OF, kb=kb)
    finding = next(f for f in result.findings if f.concept == "fever")
    [evidence] = finding.evidence
    assert evidence.ref.endswith("#vitals[1]")
    assert evidence.value == pytest.approx(38.0)
    assert evidence.unit == "Cel"
    assert evidence.date == AS_OF


def test_settled_finding_carries_the_clearance(kb) -> None:
    result = screen(RULES / "herniation_cleared_weak_pain.yaml", AS_OF, kb=kb)
    finding = next(f for f in result.findings if f.rule == "disc_herniation_clearance")
    data = result.finding_json(finding)
    assert data["clearance"]["decision"] == "cleared"
    assert data["clearance"]["by"].startswith("Dr. Petrov")


def test_herniation_pain_missing_is_asked_only_with_herniation(kb) -> None:
    with_herniation = screen(RULES / "herniation_cleared_pain_missing.yaml", AS_OF, kb=kb)
    assert [m.item for m in with_herniation.missing] == ["pain_score"]
    without = screen(RULES / "cervical_osteochondrosis_allowed.yaml", AS_OF, kb=kb)
    assert without.missing == []


def test_missing_data_never_yields_allowed(kb) -> None:
    for name in EXPECTED:
        result = screen(RULES / f"{name}.yaml", AS_OF, kb=kb)
        if result.missing and not any(f.certainty == "present" for f in result.findings):
            assert result.verdict == "needs_data", name


def test_vacuum_proposed_for_lumbosacral_osteochondrosis(kb) -> None:
    result = plan(RULES / "lumbar_osteochondrosis_vacuum.yaml", AS_OF, kb=kb)
    assert result.zones == ["lumbosacral"]
    assert [m["id"] for m in result.modalities] == ["classical", "vacuum", "self_massage"]


def test_no_vacuum_with_anticoagulants(kb) -> None:
    result = plan(RULES / "lumbar_osteochondrosis_warfarin_no_vacuum.yaml", AS_OF, kb=kb)
    assert "vacuum" not in [m["id"] for m in result.modalities]
    assert any(a["id"] == "no_vacuum" for a in result.avoid)


def test_icd10cm_code_without_dot_gives_the_lumbosacral_zone(kb) -> None:
    result = plan(RULES / "osteochondrosis_icd10cm_without_dot.yaml", AS_OF, kb=kb)
    assert result.zones == ["lumbosacral"]


def _intake(tmp_path, name: str, extra: str, pain: int = 2) -> object:
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        "format: spinecare-intake/1\n"
        "patient: {id: p1, birth_date: 1970-03-14, sex: female}\n"
        "date: 2026-11-20\n"
        "conditions: [{code: M42.16, system: icd10}]\n"
        "vitals: [{blood_pressure: 120/80}, {measure: body_temperature, value: 36.6}]\n"
        f"pain: {{score: {pain}}}\n" + extra,
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("given", "until", "settled"),
    [
        ("2026-11-10", None, True),  # ten days ago, no end given: in force
        ("2026-08-22", None, True),  # 90 days ago: the last day it is in force
        ("2026-08-21", None, False),  # 91 days ago: a physician decides again
        ("2018-05-10", None, False),  # years ago: it did not see what came since
        ("2018-05-10", "2027-01-01", True),  # an end of its own is kept
    ],
)
def test_a_clearance_that_gives_no_end_is_in_force_for_its_window(
    kb, tmp_path, given: str, until: str | None, settled: bool
) -> None:
    """KB threshold clearance_fresh_days: a clearance from 2018 settled a pregnancy, a new
    atrial fibrillation and a new blood thinner of 2026 for ever."""
    end = f", valid_until: {until}" if until else ""
    path = _intake(
        tmp_path,
        "cleared",
        "conditions:\n"
        "  - {code: M42.16, system: icd10}\n"
        "  - {code: I48.91, system: icd10cm, display: Atrial fibrillation, onset: 2026-11-01}\n"
        "clearances:\n"
        f"  - {{concepts: [heart_disease], decision: cleared, by: Dr X, date: {given}{end}}}\n",
    )
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("conditions: [{code: M42.16, system: icd10}]\n", ""), "utf-8")
    result = screen(path, AS_OF, kb=kb)
    finding = next(f for f in result.findings if f.concept == "heart_disease")
    assert (finding.settled is not None) is settled
    assert result.verdict == ("allowed" if settled else "needs_clearance")
    if settled:
        expected = until or str(date.fromisoformat(given) + timedelta(days=90))
        assert result.finding_json(finding)["clearance"]["valid_until"] == expected


@pytest.mark.parametrize(
    ("until", "verdict"), [(None, "contraindicated"), ("2026-10-01", "needs_clearance")]
)
def test_a_physicians_no_that_gives_no_end_holds_until_a_physician_decides_again(
    kb, tmp_path, until: str | None, verdict: str
) -> None:
    """Only a clearance lapses after clearance_fresh_days; a decline with no end of its own
    stays a contraindication (one of its own ends on its day)."""
    end = f", valid_until: {until}" if until else ""
    path = _intake(
        tmp_path,
        "declined",
        "answers: {herniation_phase: recovery}\n"
        "clearances:\n"
        "  - {concepts: [disc_herniation], decision: declined, by: Dr X,"
        f" date: 2026-03-01{end}}}\n",
    )
    assert screen(path, AS_OF, kb=kb).verdict == verdict


@pytest.mark.parametrize("stage", ["conservative", "surgery", "recovery"])
def test_a_stage_of_herniation_treatment_answered_is_a_disc_herniation(
    kb, tmp_path, stage: str
) -> None:
    """The intake's herniation question answered at any stage says the patient has one:
    a physician's clearance, the pain score, no cupping over the segment."""
    weak = screen(
        _intake(tmp_path, "weak", f"answers: {{herniation_phase: {stage}}}\n"), AS_OF, kb=kb
    )
    assert "disc_herniation" in {f.concept for f in weak.findings}
    assert weak.verdict == "needs_clearance"
    strong = _intake(tmp_path, "strong", f"answers: {{herniation_phase: {stage}}}\n", pain=8)
    assert screen(strong, AS_OF, kb=kb).verdict == "defer"
    result = plan(
        _intake(tmp_path, "plan", f"answers: {{herniation_phase: {stage}}}\n"), AS_OF, kb=kb
    )
    assert "herniation_no_pressure_over_segment" in {a["id"] for a in result.avoid}


def test_no_herniation_answer_is_no_herniation(kb, tmp_path) -> None:
    result = screen(_intake(tmp_path, "none", ""), AS_OF, kb=kb)
    assert result.verdict == "allowed"
    assert "disc_herniation" not in {f.concept for f in result.findings}


@pytest.mark.parametrize(
    ("born", "verdict"),
    [
        ("1900-01-01", "needs_data"),  # the usual placeholder for a date not known: age 126
        ("0001-01-01", "needs_data"),
        ("1906-11-19", "needs_data"),  # 120 years and a day
        ("1906-11-20", "allowed"),  # 120 years old to the day: believed
        ("1970-03-14", "allowed"),
    ],
)
def test_a_date_of_birth_older_than_anyone_is_no_date_of_birth(
    kb, tmp_path, born: str, verdict: str
) -> None:
    """KB threshold birth_date_oldest_years: with spinal pain, a placeholder date of birth
    ruled out the red flag of spinal pain before 20 (`allowed`)."""
    path = _intake(tmp_path, "born", "")
    path.write_text(path.read_text(encoding="utf-8").replace("1970-03-14", born), encoding="utf-8")
    result = screen(path, AS_OF, kb=kb)
    assert result.verdict == verdict
    if verdict == "needs_data":
        [missing] = result.missing
        assert missing.item == "birth_date"
        assert "over 120" in missing.why


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_last_day_a_clearance_holds_is_shown_where_it_settles_a_finding(kb, lang: str) -> None:
    """The screening's JSON, the command line's text and the EHR's card name the day the
    clearance ends (90 days after it, as none is given), in the reader's language."""
    from rich.console import Console

    from spinecare.fhir.cards import detail_markdown
    from spinecare.render import render_screening

    result = screen(RULES / "herniation_cleared_weak_pain.yaml", AS_OF, kb=kb, lang=lang)
    finding = next(f for f in result.findings if f.rule == "disc_herniation_clearance")
    assert result.finding_json(finding)["clearance"]["valid_until"] == "2027-02-08"
    day = {"en": "8 Feb 2027", "ru": "8 февр. 2027"}[lang]
    console = Console(record=True, width=200)
    render_screening(result, console)
    assert day in console.export_text()
    assert day in detail_markdown(result)


@pytest.mark.parametrize(
    ("decisions", "verdict"),
    [
        # a no, then a clearance that has lapsed: ask again, the no does not come back
        ((("declined", "2026-01-10", ""), ("cleared", "2026-03-01", "")), "needs_clearance"),
        # a clearance, then a no that has ended on its day: ask again, the clearance does
        # not come back either
        (
            (
                ("cleared", "2026-11-01", ""),
                ("declined", "2026-11-05", ", valid_until: 2026-11-10"),
            ),
            "needs_clearance",
        ),
    ],
)
def test_the_latest_decision_decides_and_once_ended_nothing_settles(
    kb, tmp_path, decisions: tuple[tuple[str, str, str], ...], verdict: str
) -> None:
    lines = "".join(
        f"  - {{concepts: [disc_herniation], decision: {d}, by: Dr X, date: {day}{end}}}\n"
        for d, day, end in decisions
    )
    path = _intake(
        tmp_path, "latest", "answers: {herniation_phase: recovery}\nclearances:\n" + lines
    )
    result = screen(path, AS_OF, kb=kb)
    assert result.verdict == verdict
    finding = next(f for f in result.findings if f.concept == "disc_herniation")
    assert finding.settled is None
