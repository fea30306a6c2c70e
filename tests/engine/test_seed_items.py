"""One test per item of the two seed articles, named for the item.

Seed 000 (osteochondrosis): 7 indications, 8 contraindications, collar-zone massage for
the cervical spine, vacuum massage for lumbar and sacral degenerative changes, daily
self-massage taught by the therapist, cost options. Seed 004 (disc herniation): phases of
treatment, massage only with absent or weak pain, the physician decides. Both: the
classical technique sequence.
"""

from __future__ import annotations

from typing import Any

import pytest

from spinecare import plan, screen
from tests.conftest import AS_OF


def intake(
    *conditions: dict[str, Any],
    bp: str = "120/80",
    temp: float | None = 36.6,
    pain: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A small intake document measured today (blood pressure and temperature)."""
    vitals: list[dict[str, Any]] = [{"blood_pressure": bp}]
    if temp is not None:
        vitals.append({"measure": "body_temperature", "value": temp, "unit": "Cel"})
    doc: dict[str, Any] = {
        "format": "spinecare-intake/1",
        "patient": {"id": "seed-test", "birth_date": "1970-03-14"},
        "date": AS_OF.isoformat(),
        "conditions": list(conditions),
        "vitals": vitals,
    }
    if pain is not None:
        doc["pain"] = {"score": pain}
    doc.update(extra)
    return doc


def icd(code: str) -> dict[str, str]:
    return {"code": code, "system": "icd10"}


# --- seed 000: indications ----------------------------------------------------------------

INDICATIONS = {
    "muscle_tension_at_the_end_of_the_day": ({"concept": "muscle_tension"}, "muscle_tension"),
    "headaches": (icd("G44.2"), "headache"),
    "plexitis_neuritis_neuralgia": (icd("G54.0"), "neuralgia"),
    "sleep_disturbance": (icd("G47.0"), "sleep_disturbance"),
    "degenerative_disc_disease_and_spondylosis": (icd("M42.1"), "degenerative_disc_disease"),
    "lateral_curvature_scoliosis": (icd("M41.2"), "scoliosis"),
}


@pytest.mark.parametrize("item", sorted(INDICATIONS))
def test_seed_indication(item: str, kb) -> None:
    condition, concept = INDICATIONS[item]
    result = screen(intake(condition), AS_OF, kb=kb)
    assert concept in result.indications
    assert result.indicated.to_optional() is True
    assert result.verdict == "allowed"


def test_seed_indication_slight_increase_in_blood_pressure(kb) -> None:
    result = screen(intake(bp="138/86"), AS_OF, kb=kb)
    assert result.indications == ["mild_hypertension"]
    assert result.verdict == "allowed"


# --- seed 000: contraindications --------------------------------------------------------------

CONTRAINDICATIONS = {
    "oncology": (intake(icd("C18.9")), "oncology", "contraindicated"),
    "decompensation_of_the_kidney": (
        intake(icd("N18.5")),
        "organ_decompensation",
        "contraindicated",
    ),
    "decompensation_of_the_liver": (
        intake(icd("K72.1")),
        "organ_decompensation",
        "contraindicated",
    ),
    "heart_disease": (intake(icd("I50.0")), "heart_disease", "contraindicated"),
    "blood_clotting_problems": (intake(icd("D66")), "coagulation_disorder", "contraindicated"),
    "significant_increase_of_pressure": (intake(bp="190/115"), "significant_hypertension", "defer"),
    "infectious_disease": (intake(icd("A09")), "infectious_disease", "defer"),
    "dermatitis": (intake(icd("L30.9")), "dermatitis", "allowed_with_precautions"),
    "disease_with_constant_temperature_increase": (intake(icd("R50.9")), "fever", "defer"),
}


@pytest.mark.parametrize("item", sorted(CONTRAINDICATIONS))
def test_seed_contraindication(item: str, kb) -> None:
    document, concept, verdict = CONTRAINDICATIONS[item]
    result = screen(document, AS_OF, kb=kb)
    assert result.verdict == verdict
    assert concept in result.present_concepts
    finding = next(f for f in result.findings if f.concept == concept)
    assert "article_osteochondrosis" in finding.sources


# --- seed 000: zones, modalities, home program, costs ---------------------------------------


def test_seed_collar_zone_massage_for_cervical_osteochondrosis(kb) -> None:
    result = plan(intake(icd("M42.12")), AS_OF, kb=kb)
    assert result.status == "ready"
    assert result.zones == ["collar_zone"]
    assert [m["id"] for m in result.modalities] == ["classical", "self_massage"]
    assert result.course is not None and result.course["sessions"] >= 1
    by_zone = result.course["by_zone"][0]
    assert by_zone["zone"] == "collar_zone" and by_zone["sessions"]["sources"]


def test_seed_vacuum_massage_for_lumbar_and_sacral_degenerative_changes(kb) -> None:
    for code in ("M42.16", "M42.17", "M42.18"):
        result = plan(intake(icd(code)), AS_OF, kb=kb)
        assert result.zones == ["lumbosacral"], code
        assert "vacuum" in [m["id"] for m in result.modalities], code
    cervical = plan(intake(icd("M42.12")), AS_OF, kb=kb)
    assert "vacuum" not in [m["id"] for m in cervical.modalities]


def test_seed_daily_self_massage_taught_by_the_therapist(kb) -> None:
    result = plan(intake(icd("M42.12")), AS_OF, kb=kb)
    [program] = result.home_program
    assert program["zone"] == "collar_zone"
    assert program["steps"] and all(step["text"] and step["dose"] for step in program["steps"])
    assert "daily" in program["frequency"].lower() or "day" in program["frequency"].lower()
    assert "article_osteochondrosis" in program["sources"]
    ru = plan(intake(icd("M42.12")), AS_OF, kb=kb, lang="ru")
    assert any("\u0400" <= ch <= "\u04ff" for ch in ru.home_program[0]["steps"][0]["text"])


def test_seed_cost_options_therapist_course_self_massage_massager(kb) -> None:
    result = plan(intake(icd("M42.12")), AS_OF, kb=kb)
    ids = [c["id"] for c in result.cost_options]
    assert len(ids) == 3
    assert all(c["needs"] for c in result.cost_options)
    assert not any(
        ch.isdigit() and "$" in c["description"]
        for c in result.cost_options
        for ch in c["description"]
    )


def test_seed_classical_technique_sequence(kb) -> None:
    result = plan(intake(icd("M42.12")), AS_OF, kb=kb)
    assert result.course is not None
    assert [t["id"] for t in result.course["techniques"]] == [
        "stroking",
        "rubbing",
        "kneading",
        "vibration",
        "stroking",
    ]


# --- seed 004: disc herniation ----------------------------------------------------------------

CLEARED = [
    {
        "concepts": ["disc_herniation"],
        "decision": "cleared",
        "date": "2026-11-10",
        "by": "Dr. Petrov, neurologist",
    }
]


def test_seed_herniation_massage_only_when_pain_is_absent_or_weak(kb) -> None:
    weak = screen(intake(icd("M51.1"), pain=2, clearances=CLEARED), AS_OF, kb=kb)
    assert weak.verdict == "allowed"
    strong = screen(intake(icd("M51.1"), pain=5, clearances=CLEARED), AS_OF, kb=kb)
    assert strong.verdict == "defer"
    finding = next(f for f in strong.findings if f.concept == "acute_pain")
    assert "article_herniation" in finding.sources


def test_seed_herniation_the_physician_decides(kb) -> None:
    result = screen(intake(icd("M51.1"), pain=1), AS_OF, kb=kb)
    assert result.verdict == "needs_clearance"
    finding = next(f for f in result.findings if f.rule == "disc_herniation_clearance")
    assert "article_herniation" in finding.sources


@pytest.mark.parametrize("phase", ["conservative", "surgery", "recovery"])
def test_seed_herniation_treatment_phases(phase: str, kb) -> None:
    document = intake(icd("M51.1"), pain=1, clearances=CLEARED, answers={"herniation_phase": phase})
    result = plan(document, AS_OF, kb=kb)
    if phase == "surgery":  # spine surgery needs its own clearance
        assert result.status == "pending"
        assert "recent_spinal_surgery" in {r.get("concept") for r in result.reasons}
    else:
        assert result.status == "ready"
    assert result.herniation_phase is not None
    assert result.herniation_phase["id"] == phase
    assert result.herniation_phase["massage"]
