"""Matching record codings against the KB's codes (spinecare.kb.codes): the spellings and
shapes real records write codes in."""

from __future__ import annotations

import pytest

from spinecare.kb.codes import icd10_decades
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
