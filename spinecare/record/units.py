"""Unit conversion for the measurements the engine reads (UCUM and the spellings real data uses).

This is physics, not clinical knowledge: every unit the reader accepts is listed below as
data. A unit is an alias of a canonical UCUM code; each canonical code belongs to a
dimension and maps to that dimension's base unit by ``base = value * scale + offset``.

Results are rounded to :data:`DECIMALS` decimal places so that a conversion does not turn
a threshold value into its floating-point neighbour (99.5 [degF] is 37.5 Cel, not
37.49999999999999).
"""

from __future__ import annotations

from typing import NamedTuple

from spinecare.errors import UnitError
from spinecare.messages import Message, Quantity

DECIMALS = 9


class Scale(NamedTuple):
    """How a canonical unit maps to its dimension's base unit."""

    dimension: str
    scale: float
    offset: float = 0.0


# Canonical UCUM code -> (dimension, scale, offset) against the dimension's base unit
# (pressure: mm[Hg]; temperature: K; count per volume: 10*9/L; score: {score}; ratio:
# {INR}; time: d).
CANONICAL: dict[str, Scale] = {
    "mm[Hg]": Scale("pressure", 1.0),
    # kilopascal (blood pressure in some European records): 1 mm[Hg] is 133.322387415 Pa
    # (UCUM: 13.5951 g/cm3 of mercury at standard gravity 9.80665 m/s2)
    "kPa": Scale("pressure", 1000.0 / 133.322387415),
    # centimetre of mercury (UCUM cm[Hg]; blood pressure as some South American and
    # Portuguese records write it, "19/11"): ten millimetres
    "cm[Hg]": Scale("pressure", 10.0),
    "Cel": Scale("temperature", 1.0, 273.15),
    "[degF]": Scale("temperature", 5.0 / 9.0, 273.15 - 32.0 * 5.0 / 9.0),
    "K": Scale("temperature", 1.0),
    "10*9/L": Scale("count_per_volume", 1.0),
    "10*3/uL": Scale("count_per_volume", 1.0),  # 10^3 per microlitre = 10^9 per litre
    "/uL": Scale("count_per_volume", 1.0e-3),  # per microlitre: divide by 1000
    "/L": Scale("count_per_volume", 1.0e-9),  # per litre
    "{score}": Scale("score", 1.0),
    "{INR}": Scale("ratio", 1.0),  # the international normalized ratio: a number alone
    # a filtration rate per body surface (an eGFR): millilitres per minute per 1.73 m2
    "mL/min/{1.73_m2}": Scale("filtration_rate", 1.0),
    # the same per second (SI; some Nordic laboratories): 1 mL/s is 60 mL/min
    "mL/s/{1.73_m2}": Scale("filtration_rate", 60.0),
    # durations (a course's supply), in days; UCUM's month and year are the mean Julian ones
    "d": Scale("time", 1.0),
    "h": Scale("time", 1.0 / 24.0),
    "wk": Scale("time", 7.0),
    "mo": Scale("time", 30.4375),
    "a": Scale("time", 365.25),
}

# Spellings seen in real data -> canonical UCUM code. Looked up as written (stripped),
# then case-insensitively (see _FOLDED). ``None`` is the absent unit.
ALIASES: dict[str, str] = {
    # pressure
    "mm[Hg]": "mm[Hg]",
    "mmHg": "mm[Hg]",
    "mm Hg": "mm[Hg]",
    "mm_Hg": "mm[Hg]",
    "мм рт.ст.": "mm[Hg]",  # Russian records: millimetres of mercury column
    "мм рт. ст.": "mm[Hg]",
    "мм.рт.ст.": "mm[Hg]",
    "kPa": "kPa",
    "кПа": "kPa",  # Russian kilopascal
    "cm[Hg]": "cm[Hg]",
    "cmHg": "cm[Hg]",
    "cm Hg": "cm[Hg]",
    "Torr": "mm[Hg]",  # monitors: 1 Torr is 1/760 atm, equal to 1 mm Hg to 0.00001 %
    # temperature
    "Cel": "Cel",
    "°C": "Cel",
    "° C": "Cel",
    "℃": "Cel",
    "C": "Cel",
    "degC": "Cel",
    "deg C": "Cel",
    "degrees C": "Cel",
    "°С": "Cel",  # with the Cyrillic letter Es, as Russian records type it
    # Russian "градус(ов) Цельсия" shortened as records write it; "град" alone is a degree
    # of the Celsius scale, the only one Russian records measure body temperature in
    "гр.С": "Cel",
    "гр. С": "Cel",
    "град.С": "Cel",
    "град. С": "Cel",
    "градусов Цельсия": "Cel",
    "град": "Cel",
    "град.": "Cel",
    "Celsius": "Cel",  # the unit in words, as flowsheets export it
    "degrees Celsius": "Cel",
    "degree Celsius": "Cel",
    "oC": "Cel",  # a letter o for the degree sign
    "[degF]": "[degF]",
    "°F": "[degF]",
    "° F": "[degF]",
    "℉": "[degF]",
    "F": "[degF]",
    "degF": "[degF]",
    "deg F": "[degF]",
    "degrees F": "[degF]",
    "Fahrenheit": "[degF]",
    "degrees Fahrenheit": "[degF]",
    "degree Fahrenheit": "[degF]",
    "oF": "[degF]",
    "K": "K",
    # counts per volume
    "10*9/L": "10*9/L",
    "10^9/L": "10*9/L",
    "x10E9/L": "10*9/L",
    "x10^9/L": "10*9/L",
    "10*3/uL": "10*3/uL",
    "10^3/uL": "10*3/uL",
    "x10E3/uL": "10*3/uL",
    "x10^3/uL": "10*3/uL",
    "10*3/mm3": "10*3/uL",
    "10^3/mm3": "10*3/uL",
    "K/uL": "10*3/uL",
    "10*3/mcL": "10*3/uL",
    "10E3/uL": "10*3/uL",
    "10**3/uL": "10*3/uL",
    "Thousand/uL": "10*3/uL",
    "thou/uL": "10*3/uL",
    "th/uL": "10*3/uL",
    "th/mm3": "10*3/uL",
    "thou/mm3": "10*3/uL",
    "K/mm3": "10*3/uL",
    "10(3)/uL": "10*3/uL",  # Cerner: x10(3)/mcL
    "10(9)/L": "10*9/L",
    "Tsd/uL": "10*3/uL",  # German: Tausend per microlitre
    "тыс/мкл": "10*3/uL",  # Russian: thousand per microlitre
    "тыс/мм3": "10*3/uL",  # Russian: thousand per cubic millimetre
    "Г/л": "10*9/L",  # Russian: giga (Cyrillic G) per litre
    "G/L": "10*9/L",  # SI prefix giga: 10^9 per litre (French and German reports)
    "Gpt/L": "10*9/L",  # German: Gigapartikel per litre
    "/nL": "10*9/L",  # per nanolitre = 10^9 per litre
    "10E9/L": "10*9/L",
    "10^9/л": "10*9/L",  # Russian litre
    "10*9/л": "10*9/L",
    "x10^9/л": "10*9/L",
    "/uL": "/uL",
    "/mcL": "/uL",
    "/mm3": "/uL",
    "/mm^3": "/uL",  # "/mm³" with the superscript three
    "/cumm": "/uL",  # per cubic millimetre
    "/L": "/L",
    "cells/uL": "/uL",
    "cells/mm3": "/uL",
    # scores (dimensionless)
    "{score}": "{score}",
    "{Score}": "{score}",
    "score": "{score}",
    "1": "{score}",
    "/10": "{score}",
    "of 10": "{score}",  # "7 of 10", "8 out of 10"
    "out of 10": "{score}",
    "из 10": "{score}",  # Russian: "8 из 10"
    "points": "{score}",
    "балл": "{score}",  # Russian: point(s) of a score
    "балла": "{score}",
    "баллов": "{score}",
    "": "{score}",
    # ratios (the INR)
    "{INR}": "{INR}",
    "INR": "{INR}",
    "{ratio}": "{INR}",
    "ratio": "{INR}",
    "МНО": "{INR}",  # Russian: the INR's own abbreviation as its unit
    # filtration rates (an eGFR). "mL/min" alone is how laboratories and Synthea write
    # the eGFR's unit (LOINC 33914-3 with "mL/min"): the number is the one per 1.73 m2 its
    # code names (KB policy_egfr); "mL/s" alone is not read as per second per 1.73 m2 (a
    # value mis-labelled so, 4, would pass as 240); a creatinine's units (mg/dL, umol/L) are
    # none of these. A spelling that differs only by spaces, case or dots ("1.73 m2") is
    # one of these already (:func:`_folded`)
    "mL/min/{1.73_m2}": "mL/min/{1.73_m2}",
    "mL/min/1.73m2": "mL/min/{1.73_m2}",
    "mL/min/1.73m²": "mL/min/{1.73_m2}",
    "mL/min/1,73m2": "mL/min/{1.73_m2}",
    "mL/min/1,73 m²": "mL/min/{1.73_m2}",
    "mL/min/1.73m^2": "mL/min/{1.73_m2}",
    "mL/min/1.73_m2": "mL/min/{1.73_m2}",
    "mL/min/1.73 sq m": "mL/min/{1.73_m2}",
    "mL/min/{1.73m2}": "mL/min/{1.73_m2}",
    "mL/min/BSA": "mL/min/{1.73_m2}",
    "mL/min": "mL/min/{1.73_m2}",
    "мл/мин/1,73 м²": "mL/min/{1.73_m2}",  # Russian
    "мл/мин/1,73м2": "mL/min/{1.73_m2}",
    "мл/мин/1.73м2": "mL/min/{1.73_m2}",
    "мл/мин": "mL/min/{1.73_m2}",
    "mL/s/{1.73_m2}": "mL/s/{1.73_m2}",
    "mL/s/1.73m2": "mL/s/{1.73_m2}",
    "mL/s/1.73m²": "mL/s/{1.73_m2}",
    "mL/s/1,73m2": "mL/s/{1.73_m2}",
    "mL/s/1,73 m²": "mL/s/{1.73_m2}",
    "mL/s/{1.73m2}": "mL/s/{1.73_m2}",
    # durations
    "d": "d",
    "day": "d",
    "days": "d",
    "day(s)": "d",
    "дн": "d",  # Russian: day(s)
    "день": "d",
    "дня": "d",
    "дней": "d",
    "Tag": "d",  # German
    "Tage": "d",
    "Tagen": "d",
    "h": "h",
    "hr": "h",
    "hrs": "h",
    "hour": "h",
    "hours": "h",
    "wk": "wk",
    "wks": "wk",
    "week": "wk",
    "weeks": "wk",
    "week(s)": "wk",
    "нед": "wk",
    "неделя": "wk",
    "недели": "wk",
    "недель": "wk",
    "Woche": "wk",
    "Wochen": "wk",
    "mo": "mo",
    "mos": "mo",
    "month": "mo",
    "months": "mo",
    "month(s)": "mo",
    "мес": "mo",
    "месяц": "mo",
    "месяца": "mo",
    "месяцев": "mo",
    "Monat": "mo",
    "Monate": "mo",
    "a": "a",
    "yr": "a",
    "yrs": "a",
    "year": "a",
    "years": "a",
    "year(s)": "a",
    "год": "a",
    "года": "a",
    "лет": "a",
    "Jahr": "a",
    "Jahre": "a",
}

# Characters written for others in real data: the micro sign and Greek mu for "u", the
# multiplication sign, Cyrillic kha and an asterisk before the power for "x", superscript
# digits for digits, the ordinal indicator and the ring above for the degree sign.
_SAME = str.maketrans(
    {"µ": "u", "μ": "u", "×": "x", "х": "x", "⁹": "^9", "³": "^3", "º": "°", "˚": "°"}
)


def _folded(text: str) -> str:
    """A spelling without case, spaces, dots or the characters written for others
    ("10⁹/л" is "10^9/л" is "10 ^9/Л" is "*10^9/л"; "10^3/µL" is "10^3/uL"; "mcL" is "uL";
    "mm³" is "mm3"; "ºC" is "°C"; "мм рт. ст." is "мм рт ст")."""
    out = text.translate(_SAME).casefold().replace(" ", "").replace(".", "")
    if out.startswith("*10"):
        out = out[1:]
    return out.replace("mcl", "ul").replace("x10", "10").replace("mm^3", "mm3")


# Folded spellings, for data that ignores UCUM's case rules ("MMHG", "k/ul") and spacing.
_FOLDED: dict[str, str] = {_folded(alias): code for alias, code in ALIASES.items()}


UNITLESS = frozenset({"", "1"})
"""How a record writes a number that has no unit (UCUM's unity is ``1``)."""

_NUMBER_ALONE = frozenset({"score", "ratio"})
"""Dimensions whose values are numbers alone: a unitless value is one of them."""


def canonical_unit(unit: str | None) -> str | None:
    """The canonical UCUM code for a spelling, or None when the unit is not known."""
    text = "" if unit is None else unit.strip()
    code = ALIASES.get(text)
    if code is None:
        code = _FOLDED.get(_folded(text))
    return code


def convert(value: float, unit: str | None, target: str) -> float:
    """``value`` in ``unit`` expressed in ``target`` (a canonical UCUM code).

    A unit written exactly as the target always converts (to itself); ``None``, the empty
    unit and ``1`` are a number alone (a score, a ratio). Raises :class:`UnitError` for
    anything else.
    """
    if unit == target:
        return value
    source_code = canonical_unit(unit)
    target_code = canonical_unit(target)
    source = CANONICAL.get(source_code) if source_code else None
    goal = CANONICAL.get(target_code) if target_code else None
    if goal is not None and goal.dimension in _NUMBER_ALONE and (unit or "").strip() in UNITLESS:
        return value  # a number with no unit, where the target is a number alone
    if source is None or goal is None or source.dimension != goal.dimension:
        shown = "" if unit is None else unit
        raise UnitError(
            Message(
                "unit '%(unit)s' cannot be converted to %(target)s",
                unit=shown,
                target=Quantity(None, target),
            )
        )
    if source == goal:
        return value
    base = value * source.scale + source.offset
    return round((base - goal.offset) / goal.scale, DECIMALS)
