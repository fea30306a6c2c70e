"""Finding KB concepts in text: abbreviations as written, yes/no words (KB text.yaml)."""

from __future__ import annotations

import pytest

from spinecare.kb import load_kb


@pytest.mark.parametrize(
    ("text", "concepts"),
    [
        ("PE", {"coagulation_disorder"}),
        ("P.E. on CT", {"coagulation_disorder"}),
        ("Pulmonary embolism (PE), on apixaban", {"coagulation_disorder", "anticoagulant_therapy"}),
        ("TB spine", {"spinal_infection"}),
        ("CA", {"oncology"}),
        ("pe", set()),
        ("Works as a PE teacher", set()),
        ("PE tubes placed in 2001", set()),
        ("no PE", set()),
        ("PEG tube", set()),
        ("Paroxysmal AF", {"heart_disease"}),
        ("ФП, постоянная форма", {"heart_disease"}),
        ("СКХ", {"cauda_equina"}),
        ("HCC", {"oncology"}),
        ("Ca. breast", {"oncology"}),
        ("CA. prostate, on ADT", {"oncology"}),
        ("No AF", set()),
        ("af", set()),
        ("Ca. 3 cm lesion of the left kidney", set()),  # circa
        ("Serum Ca 2.4 mmol/L", set()),
    ],
)
def test_abbreviations_are_matched_as_written(text: str, concepts: set[str]) -> None:
    found = {m.concept for m in load_kb().text_matcher.find(text)}
    assert found == concepts


@pytest.mark.parametrize(
    ("text", "concepts"),
    [
        ("Mamma-Ca links", {"oncology"}),
        ("DLBCL", {"oncology"}),
        ("Secondary malignant neoplasm of bone", {"spinal_malignancy", "oncology"}),
        ("Osteomyelitis of the spine", {"spinal_infection"}),
        ("New bowel and bladder incontinence", {"cauda_equina"}),
        ("Stress urinary incontinence", set()),
        ("CKD 5D", {"organ_decompensation"}),
        ("Leberzirrhose dekompensiert", {"organ_decompensation"}),
        ("Decompression of lumbar spinal cord", {"recent_spinal_surgery", "spinal_pain"}),
        (
            "Fusion of Lumbar Vertebral Joint with Autologous Tissue Substitute,"
            " Posterior Approach, Posterior Column, Open Approach",
            {"recent_spinal_surgery", "spinal_pain"},
        ),
        (
            "Excision of Lumbar Vertebral Disc, Open Approach",
            {"recent_spinal_surgery", "spinal_pain"},
        ),
        ("Удаление грыжи межпозвонкового диска", {"recent_spinal_surgery", "disc_herniation"}),
        ("Decompression sickness", set()),
    ],
)
def test_common_names_of_a_concept_are_found(text: str, concepts: set[str]) -> None:
    found = {m.concept for m in load_kb().text_matcher.find(text)}
    assert found == concepts


def test_a_mention_of_an_abbreviation_shows_it_as_written() -> None:
    (mention,) = load_kb().text_matcher.find("P.E. on CT")
    assert mention.words == "P.E."


def test_yes_and_no_words_are_clear_and_never_both() -> None:
    words = load_kb().model.text_cues.answer_words()
    assert words["да"] is True and words["нет"] is False and words["positive"] is True
    assert "maybe" not in words and "не знаю" not in words
