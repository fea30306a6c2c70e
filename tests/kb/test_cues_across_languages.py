"""A record's words are read in several languages at once (text.yaml): a cue of one
language must not change words of another ("nie" is French "denies" but German "never";
"son" is English "son" but Spanish "are" and French "his"), a cue's look-alike must not
deny ("sans doute", "sin duda": probably; "without delay"; "triple négatif": a kind of
cancer), and a relative who came with the patient makes no finding the relative's."""

from __future__ import annotations

import pytest

from spinecare import screen
from tests.kb.test_red_team_words import DAY, _in_words, _named_reading, _unknown

TO_CONFIRM = [
    ("Nie zuvor aufgetretener Harnverhalt seit gestern", "cauda_equina"),
    ("Seit gestern ein nie zuvor erlebter Harnverhalt", "cauda_equina"),
    ("Nie gekannte Reithosenanästhesie", "cauda_equina"),
    ("Cáncer de mama triple negativo", "oncology"),
    ("Carcinome mammaire triple négatif", "oncology"),
    ("Adénocarcinome pulmonaire EGFR négatif", "oncology"),
    ("Cáncer de mama HER2 negativo", "oncology"),
    ("Sans doute métastases vertébrales", "spinal_malignancy"),
    ("Sin duda metástasis vertebrales", "spinal_malignancy"),
    ("Sans aucun doute syndrome de la queue de cheval", "cauda_equina"),
    ("Sin duda fractura vertebral L1", "vertebral_fracture"),
    ("Adresser aux urgences sans délai pour syndrome de la queue de cheval", "cauda_equina"),
    ("Derivar a urgencias sin demora por síndrome de cola de caballo", "cauda_equina"),
    ("Refer to A&E without delay for cauda equina syndrome", "cauda_equina"),
    ("Notaufnahme ohne Verzögerung wegen Cauda-equina-Syndrom", "cauda_equina"),
    ("Направлен без промедления: синдром конского хвоста", "cauda_equina"),
    ("Hallazgos son compatibles con metástasis vertebrales", "spinal_malignancy"),
    ("Amenée par son père pour syndrome de la queue de cheval", "cauda_equina"),
    ("Patient accompanied by her mother for acute urinary retention", "cauda_equina"),
    ("Patient brought in by his mother for acute urinary retention", "cauda_equina"),
    ("Begleitet von der Mutter wegen akutem Harnverhalt", "cauda_equina"),
    ("Acude acompañada de su madre por retención aguda de orina", "cauda_equina"),
    ("Accompanied by her mother and sister for acute urinary retention", "cauda_equina"),
    ("Accompanied by her 80 year old mother for acute urinary retention", "cauda_equina"),
    ("Accompanied by her husband and mother for saddle anaesthesia", "cauda_equina"),
    ("Begleitet von Mutter und Schwester wegen akutem Harnverhalt", "cauda_equina"),
    ("Son: leukemia", "oncology"),
]


@pytest.mark.parametrize(("text", "concept"), TO_CONFIRM)
def test_the_finding_stays_the_patients_to_confirm(kb, text: str, concept: str) -> None:
    result = screen(_in_words(text), DAY, kb=kb)
    assert concept in _unknown(result), (text, result.verdict)


@pytest.mark.parametrize(
    "text",
    [
        "Lumbago. Ascii form",
        "Low back pain since February",
        "Rückenschmerzen seit Februar",
        "Gripping pain in the lower back",
        "Her son has leukemia",
        "Mother had breast cancer",
        "Patient accompanied by her mother. Mother had breast cancer",
        "Pas de fièvre",
        "Sin fiebre",
        "Kein Fieber",
    ],
)
def test_other_words_and_relatives_leave_the_screening_allowed(kb, text: str) -> None:
    result = screen(_in_words(text), DAY, kb=kb)
    assert result.verdict == "allowed", (text, [f.concept for f in result.findings])


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Tension", {"valueInteger": 3}),  # a muscle's tension, not the French blood pressure
        ("Tension", {"valueString": "moderate"}),
    ],
)
def test_a_word_that_only_looks_like_a_measures_name_names_none(kb, name: str, value: dict) -> None:
    assert screen(_named_reading(name, **value), DAY, kb=kb).verdict == "allowed"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Tension artérielle", "190/115 mmHg"),
        ("TA", "190/115 mmHg"),
        ("Presión arterial", "190/115 mmHg"),
        # a pair's name, read before a pair of values only ("Tension 3" names none): the
        # French and Spanish "PA" and the French "tension" (a pulmonary artery's "PA 45/22"
        # is to confirm too, the safe side)
        ("Note", "PA 190/115 mmHg, FC 88"),
        ("Note", "PA: 190/115 mmHg"),
        ("Note", "Tension 190/115"),
    ],
)
def test_a_blood_pressure_named_in_french_or_spanish_is_to_confirm(
    kb, name: str, value: str
) -> None:
    result = screen(_named_reading(name, valueString=value), DAY, kb=kb)
    assert "significant_hypertension" in _unknown(result), result.verdict
