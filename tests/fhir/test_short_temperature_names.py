"""A temperature under a short name ("T", "T°", "t"), in vitals written one after another
with no commas or in an Observation of its own, is a temperature to confirm whatever form
its value takes; a vertebra or an MRI sequence under the same letter is none."""

from __future__ import annotations

import pytest

from spinecare import screen
from tests.kb.test_red_team_words import DAY, _named_reading, _unknown


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Vitals", {"valueString": "T 39.2 °C P 76 R 18"}),
        # a bare "T" and a fever's value is no reading (it may be a vertebra), but its
        # words name the fever to confirm, as "T 38" does
        ("Vitals", {"valueString": "T 39 P 76 R 18"}),
        ("Vitals", {"valueString": "T° 39,2 °C P 76"}),
        ("Vitals", {"valueString": "HR 88 T 39.2 C"}),
        ("Vitals", {"valueString": "BP 120/80 P 76 T 39.2 °C R 18"}),
        ("T°", {"valueInteger": 39}),
        ("T°", {"valueString": "> 38.5 °C"}),
        ("T°", {"valueCodeableConcept": {"text": "39"}}),
        # a number outside the body's range is set aside, to confirm, never dropped: a
        # fever typed with its comma misplaced, a hypothermia, or an angle ("Cobb angle")
        ("T", {"valueString": "3,92°"}),
        ("T°", {"valueString": "29.5°"}),
        ("Vitals", {"valueString": "Cobb angle T 25°"}),
        # a text of more readings than one is read as written, to confirm
        ("T", {"valueString": "36.6° morning 39.5° evening"}),
        ("т", {"valueString": "36,6° утром 39,5° вечером"}),
        ("T°", {"valueString": "36.6 morning 39.5 evening"}),
    ],
)
def test_a_fever_under_a_short_name_is_to_confirm(kb, name: str, value: dict) -> None:
    result = screen(_named_reading(name, **value), DAY, kb=kb)
    assert "fever" in _unknown(result), result.verdict


@pytest.mark.parametrize(
    "text",
    ["Fracture T 12", "T1 and T2 weighted images", "T2 hyperintense signal"],
)
def test_a_letter_without_a_temperature_names_none(kb, text: str) -> None:
    result = screen(_named_reading("Vitals", valueString=text), DAY, kb=kb)
    assert result.verdict == "allowed", [f.concept for f in result.findings]
