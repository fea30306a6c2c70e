"""Unit conversion: the spellings real data uses, and refusals for everything else."""

from __future__ import annotations

import pytest

from spinecare.errors import UnitError
from spinecare.i18n import translate
from spinecare.messages import Quantity
from spinecare.record.units import convert


@pytest.mark.parametrize("unit", ["mm[Hg]", "mmHg", "mm Hg", "MMHG"])
def test_pressure_spellings_are_millimetres_of_mercury(unit: str) -> None:
    assert convert(120.0, unit, "mm[Hg]") == 120.0


@pytest.mark.parametrize("unit", ["Cel", "°C", "C", "degC", "degrees C"])
def test_celsius_spellings_need_no_conversion(unit: str) -> None:
    assert convert(36.6, unit, "Cel") == 36.6


@pytest.mark.parametrize("unit", ["[degF]", "°F", "degF", "F"])
def test_fahrenheit_spellings_convert_to_celsius(unit: str) -> None:
    assert convert(98.6, unit, "Cel") == 37.0


def test_fahrenheit_threshold_lands_exactly_on_the_celsius_threshold() -> None:
    # 99.5 [degF] is 37.5 Cel; float noise must not make it 37.49999999999999
    assert convert(99.5, "[degF]", "Cel") == 37.5


def test_kelvin_and_celsius_to_fahrenheit() -> None:
    assert convert(310.15, "K", "Cel") == 37.0
    assert convert(37.0, "Cel", "[degF]") == 98.6
    assert convert(0.0, "Cel", "K") == 273.15


@pytest.mark.parametrize(
    "unit",
    [
        "10*9/L",
        "10^9/L",
        "10*3/uL",
        "x10E3/uL",
        "K/uL",
        "10*3/mm3",
        "k/ul",
        "thou/mm3",
        "K/mm3",
        "x10(3)/mcL",
        "x10(9)/L",
        "10^3/µL",
        "10^3/μL",
    ],
)
def test_thousand_per_microlitre_spellings_equal_giga_per_litre(unit: str) -> None:
    assert convert(250.0, unit, "10*9/L") == 250.0


def test_per_microlitre_is_divided_by_a_thousand() -> None:
    assert convert(250000.0, "/uL", "10*9/L") == 250.0
    assert convert(30000.0, "/mm³", "10*9/L") == 30.0
    assert convert(30000.0, "/cumm", "10*9/L") == 30.0


def test_per_litre_is_divided_by_a_thousand_million() -> None:
    assert convert(30.0e9, "/L", "10*9/L") == 30.0
    assert convert(45.0, "10*9/L", "/uL") == 45000.0


@pytest.mark.parametrize(
    "unit", ["{score}", "1", "{Score}", "score", "", None, "/10", "of 10", "out of 10", "из 10"]
)
def test_score_spellings_and_no_unit_are_scores(unit: str | None) -> None:
    assert convert(4.0, unit, "{score}") == 4.0


@pytest.mark.parametrize("unit", ["{INR}", "INR", "inr", "1", "", None, "ratio", "{ratio}", "МНО"])
def test_inr_spellings_and_no_unit_are_the_ratio(unit: str | None) -> None:
    assert convert(3.4, unit, "{INR}") == 3.4


@pytest.mark.parametrize("unit", ["s", "sec", "%", "{score}", "/10", "mmol/L", "points"])
def test_an_inr_is_never_a_time_a_percentage_or_a_score(unit: str) -> None:
    with pytest.raises(UnitError) as caught:
        convert(14.2, unit, "{INR}")
    assert translate(caught.value.message, "en").endswith("to a number without a unit")
    assert translate(caught.value.message, "ru").endswith("в число без единиц измерения")


@pytest.mark.parametrize("unit", ["kPa", "KPA", "кПа"])
def test_kilopascal_is_converted_to_millimetres_of_mercury(unit: str) -> None:
    # 1 mm[Hg] is 133.322387415 Pa: 24 kPa is just over 180 mm[Hg], 13.3 kPa just under 100
    assert round(convert(24.0, unit, "mm[Hg]"), 2) == 180.01
    assert round(convert(13.3, unit, "mm[Hg]"), 2) == 99.76
    assert convert(180.0, "mm[Hg]", "kPa") == pytest.approx(23.998, abs=1e-3)


@pytest.mark.parametrize("unit", ["mL/s/{1.73_m2}", "mL/s/1.73m2", "mL/s/1.73 m²", "ml/s/1,73 m²"])
def test_an_egfr_per_second_is_sixty_per_minute(unit: str) -> None:
    assert convert(0.3, unit, "mL/min/{1.73_m2}") == 18.0


def test_millilitres_per_second_alone_are_no_egfr_unit() -> None:
    # a value mis-labelled "mL/s" (4) would pass as 240 mL/min/1.73 m2
    with pytest.raises(UnitError):
        convert(4.0, "mL/s", "mL/min/{1.73_m2}")


def test_a_unit_written_as_the_target_always_converts_to_itself() -> None:
    assert convert(70.0, "kg", "kg") == 70.0


@pytest.mark.parametrize(
    ("unit", "target"),
    [
        ("furlongs", "mm[Hg]"),
        ("cmH2O", "mm[Hg]"),  # not in the tables: refused, never guessed
        ("psi", "mm[Hg]"),  # not in the tables: refused, never guessed
        ("mm[Hg]", "Cel"),  # another dimension
        ("Cel", "{score}"),
        (None, "mm[Hg]"),  # no unit is only a score
        ("", "Cel"),
        ("/uL", "kg"),  # unknown target
    ],
)
def test_anything_else_raises_unit_error_naming_unit_and_target(
    unit: str | None, target: str
) -> None:
    with pytest.raises(UnitError) as caught:
        convert(1.0, unit, target)
    shown = Quantity(None, target)
    assert caught.value.message == f"unit '{unit or ''}' cannot be converted to {shown}"
    assert "cannot be converted" not in translate(caught.value.message, "ru")
