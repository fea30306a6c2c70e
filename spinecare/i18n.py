"""Every interface text in the reader's language: one gettext catalogue per language.

The catalogues are the ``.po`` files in ``spinecare/locale/<lang>/LC_MESSAGES/messages.po``,
one domain (``messages``) for every interface: the CLI's text output, the handout, the
charts and the calendar, the CDS Hooks cards, the error messages and the web pages.
English is the source language (its catalogue has empty translations). The ``.po`` files
are the source and are edited by translators; ``make messages`` extracts the texts from
the code and the templates (``pybabel extract``, ``babel.cfg``) and updates every
catalogue (``pybabel update``). No compiled ``.mo`` is kept: on first use a catalogue is
parsed with Babel and compiled in memory. The languages are the catalogues found
(:func:`languages`): adding a language is adding its ``.po`` file (and the KB's clinical
texts in it), not code.

Clinical texts (reasons, concept, zone, modality and technique names, stop rules) are
in the KB, in every language, and never in these catalogues.

Code marks a text with ``_`` (``_ = translator(lang)``; ``_("Zones")``), a text whose
translation is looked up later with :func:`N_`, and a message with parameters with
:class:`~spinecare.messages.Message` (``Message("%(n)s sessions", n=3)``): all three are
keywords of the extraction (``make messages``).
"""

from __future__ import annotations

import calendar
import io
import math
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from spinecare.messages import N_, Message, Shown

if TYPE_CHECKING:
    from babel.support import NullTranslations

__all__ = [
    "DOMAIN",
    "LOCALE_DIR",
    "N_",
    "SOURCE_LANGUAGE",
    "after_label",
    "as_value",
    "catalog",
    "date_precision",
    "dates_locale",
    "day_text",
    "gettext",
    "in_catalogue",
    "is_language",
    "language_codes",
    "language_of",
    "languages",
    "moment_text",
    "plural",
    "quantity",
    "translate",
    "translator",
    "unit_text",
    "yes_no",
]

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"


def typed_number(text: str) -> float:
    """A number as a person types it in a form, in either language: a decimal point or a
    decimal comma ("7.5", "7,5"; a page in Russian writes it back with a comma, and must
    read it so), spaces around it. A comma before three digits ("1,000") is a thousands
    separator in English and a decimal comma in Russian: which is meant is unknown, and it
    is refused as any other text that is not a number. Raises ValueError."""
    typed = text.strip()
    if _THOUSANDS.fullmatch(typed):
        raise ValueError(typed)
    return float(typed.replace(",", "."))


_THOUSANDS = re.compile(r"[+-]?\d{1,3},\d{3}")


@cache
def language_codes() -> tuple[str, ...]:
    """The codes of the languages with a catalogue, the source language first."""
    codes = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return tuple(sorted(codes, key=lambda c: c != SOURCE_LANGUAGE))


@cache
def languages() -> dict[str, str]:
    """The languages with a catalogue, the source language first: code -> own name."""
    from babel import Locale

    out = {}
    for code in language_codes():
        name = Locale.parse(code).get_display_name(code) or code
        out[code] = name[:1].upper() + name[1:]
    return out


def is_language(lang: str | None) -> bool:
    return bool(lang) and lang in language_codes()


def accepted_language(header: str | None) -> str | None:
    """The language an ``Accept-Language`` header prefers among those with a catalogue
    (``ru-RU,ru;q=0.9,en;q=0.8`` -> ``ru``; a region matches its language), or None."""
    if not header:
        return None
    ranked = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        code = tag.strip().lower().split("-")[0]
        if quality > 0 and is_language(code):
            ranked.append((-quality, position, code))
    return min(ranked)[2] if ranked else None


def language_of(lang: str | None) -> str | None:
    """The app's language a code (``ru``, ``RU-ru``) names, or None."""
    if not lang:
        return None
    code = lang.strip().lower()[:2]
    return code if code in language_codes() else None


@cache
def catalog(lang: str) -> NullTranslations:
    """The compiled catalogue of ``lang`` (no translation for the source or an unknown one).

    The source language's catalogue has empty translations (a test holds it so): it is
    not parsed, which spares every English command and page its 20 ms."""
    from babel.support import NullTranslations

    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == SOURCE_LANGUAGE or not po.exists():
        return NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    with po.open("rb") as fh:
        parsed = read_po(fh, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, parsed)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def gettext(lang: str, message: str) -> str:
    if lang == SOURCE_LANGUAGE:  # its catalogue is empty: the text as written
        return message
    return catalog(lang).gettext(message)


def in_catalogue(text: str) -> bool:
    """Whether ``text`` is one of the catalogue's texts (one the app says), not words of a
    record (an answer as the patient wrote it)."""
    return any(gettext(lang, text) != text for lang in language_codes() if lang != SOURCE_LANGUAGE)


def _as_written(message: str) -> str:
    return message


def plural(lang: str, singular: str, many: str, n: float) -> str:
    """The form of a text for the number ``n`` in ``lang`` (Russian has three: 1 раз, 2 раза,
    5 раз); a keyword of the extraction (``plural:2,3``). A fraction takes the form of 2
    (``2.5 times``, ``2,5 раза``)."""
    count = int(n) if float(n).is_integer() else 2
    if lang == SOURCE_LANGUAGE:
        return singular if count == 1 else many
    return catalog(lang).ngettext(singular, many, count)


def times_a_week(value: float, lang: str) -> str:
    """How often a week, as ``lang`` says it: ``3 times a week``, ``3 раза в неделю``."""
    text = plural(lang, "%(n)s time a week", "%(n)s times a week", value)
    return text % {"n": quantity(value, None, lang)}


def sessions_count(value: int, lang: str) -> str:
    """A number of sessions, as ``lang`` says it: ``10 sessions``, ``10 сеансов``."""
    text = plural(lang, "%(n)s session", "%(n)s sessions", value)
    return text % {"n": quantity(value, None, lang)}


def after_label(label: str, value: str) -> str:
    """``value`` said after its ``label``: ``How much: about 1 minute``, ``Сколько: около 1
    минуты`` (the value as :func:`as_value` writes it)."""
    return f"{label}: {as_value(value)}"


def as_value(text: str) -> str:
    """A text written to stand alone (a dose, how often, as the KB gives them), said as the
    value after a label's colon: its capital is a small letter where its first word is an
    ordinary one (a capital, then small letters or nothing); an abbreviation (``NICE``), a
    number or a code (``C7``) stays as written. For the KB's texts, not for names."""
    first = text.split(" ", 1)[0]
    rest = first[1:]
    ordinary = (
        first[:1].isupper()
        and not any(ch.isupper() for ch in rest)
        and (not rest or any(ch.islower() for ch in rest))
    )
    return text[:1].lower() + text[1:] if ordinary else text


def translator(lang: str) -> Callable[[str], str]:
    """``_`` for one language: ``_ = translator("ru"); _("Zones")``."""
    if lang == SOURCE_LANGUAGE:  # its catalogue is empty: the text as written
        return _as_written
    return catalog(lang).gettext


def translate(message: Any, lang: str) -> str:
    """``message`` in ``lang``: a :class:`Message` with its parameters (those that are
    Messages translated too, a value or a date written as ``lang`` writes it); any
    other string as the catalogue has it, else as is."""
    if message is None or message == "":
        return ""
    if isinstance(message, Message):
        text = gettext(lang, message.msgid)
        if not message.params:
            return text
        return text % {k: _parameter(v, lang) for k, v in message.params.items()}
    return gettext(lang, str(message))


def _parameter(value: Any, lang: str) -> Any:
    if isinstance(value, Message):
        return translate(value, lang)
    if isinstance(value, Shown):
        return value.in_language(lang)
    return value


UNIT_WORDS: dict[str, str] = {
    "mm[Hg]": N_("mm Hg"),
    "kPa": N_("kPa"),
    "cm[Hg]": N_("cm Hg"),
    "Cel": "°C",
    "[degF]": "°F",
    "K": "K",
    "10*9/L": N_("×10⁹/L"),
    "10*3/uL": N_("×10³/µL"),
    "/uL": N_("/µL"),
    "{score}": "/10",
    "{INR}": "",  # a ratio: the number alone ("INR 3.4")
    # an eGFR: the number alone ("eGFR 24"), as an INR; the KB's texts name its unit
    "mL/min/{1.73_m2}": "",
    "mL/s/{1.73_m2}": N_("mL/s/1.73 m²"),  # an eGFR as recorded per second, converted
    "{session}": N_("sessions"),
    "/wk": N_("per week"),
    "min": N_("min"),
    "d": N_("days"),
    "a": N_("years"),
}
"""How a stored (UCUM) unit is written for people: never the code."""


def unit_text(unit: str | None, lang: str) -> str:
    """A unit as people write it in ``lang`` (``mm[Hg]`` -> ``mm Hg`` / ``мм рт. ст.``)."""
    if not unit:
        return ""
    word = UNIT_WORDS.get(unit)
    if word is None:
        return unit.replace("[", "").replace("]", "").strip("{}")
    return gettext(lang, word) if word else ""


NUMBER_ALONE = N_("a number without a unit")
"""A unit said on its own that people write as no unit at all (an INR)."""


SPOKEN_ALONE: dict[str, str] = {
    "mL/min/{1.73_m2}": N_("mL/min/1.73 m²"),
}
"""A unit a reading shows as its number alone ("eGFR 24") but that is a unit when said on
its own ("cannot be converted to mL/min/1.73 m²")."""


def unit_alone(unit: str | None, lang: str) -> str:
    """A unit said on its own (``mm Hg``; an eGFR's ``mL/min/1.73 m²``; an INR's: "a number
    without a unit")."""
    word = unit_text(unit, lang)
    if word or not unit:
        return word
    spoken = SPOKEN_ALONE.get(unit)
    return gettext(lang, spoken if spoken is not None else NUMBER_ALONE)


READING_DECIMALS: dict[str, int] = {
    "mm[Hg]": 0,
    "kPa": 1,
    "cm[Hg]": 1,
    "Cel": 1,
    "[degF]": 1,
    "K": 1,
    "{score}": 1,
    "{INR}": 2,
    "mL/min/{1.73_m2}": 0,
    "10*9/L": 0,
    "10*3/uL": 0,
    "/uL": 0,
}
"""How many decimals a reading in this unit is shown with (a record may write
``37.77777777777778``, a value converted from Fahrenheit, or a pain score of
``3.4961958350963034``): the precision the measure is taken with. The value is cut,
never rounded up, to that many decimals, so that a shown reading is on the same side
of every threshold as the reading the screening used (``37.46 °C`` is shown as
``37.4 °C``, never as a fever's ``37.5 °C``). The reading itself is kept unchanged."""

HUGE = 1e15
"""From here on a value is written in scientific notation (no plausible reading is this
large; a typing mistake can be, and is shown as one)."""


def signed(value: float | int, lang: str) -> str:
    """A change with its sign, the minus as a minus sign: ``+2``, ``−1``, ``0``."""
    shown = quantity(abs(value), None, lang)
    return f"+{shown}" if value > 0 else f"\u2212{shown}" if value < 0 else shown


@lru_cache(maxsize=4096, typed=True)
def quantity(value: float | int | str, unit: str | None, lang: str) -> str:
    """A value with its unit as people write it: ``140 mm Hg``, ``37.5 °C``, ``7/10``."""
    from babel.numbers import format_decimal, format_scientific

    if isinstance(value, bool):
        return yes_no(value, lang)
    if not isinstance(value, int | float):
        shown = str(value)
    elif abs(value) < HUGE:
        shown = format_decimal(_cut(value, READING_DECIMALS.get(unit or "")), locale=lang)
    else:  # a mistyped value: babel cannot round it at full length (1.2E30)
        shown = format_scientific(value, format="#.##E0", locale=lang)
    word = unit_text(unit, lang)
    if not word:
        return shown
    return f"{shown}{word}" if word.startswith("/") else f"{shown} {word}"


def _cut(value: float | int, decimals: int | None) -> float | int | Decimal:
    """``value`` cut (toward minus infinity) to ``decimals`` places (None: as it is)."""
    if decimals is None or isinstance(value, int) or not math.isfinite(value):
        return value
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_FLOOR)


def date_precision(first: date, last: date | None) -> str:
    """How the record dates a fact whose date runs from ``first`` to ``last`` (the last
    day of a date given only as a month or a year: :attr:`Observation.last`): ``"day"``
    (a whole date: no last day, or the same day), ``"month"``, ``"year"``, or
    ``"period"`` (any other span)."""
    if last is None or last == first:
        return "day"
    if first.year == last.year and (first.month, first.day, last.month, last.day) == (1, 1, 12, 31):
        return "year"
    if (
        first.day == 1
        and (first.year, first.month) == (last.year, last.month)
        and last.day == calendar.monthrange(last.year, last.month)[1]
    ):
        return "month"
    return "period"


DATES_LOCALES = {"en": "en_GB"}
"""The locale a language's dates are written in, where it is not the language's own:
English pages, handouts, calendars and cards write the day before the month (``7 Dec
2026``, ``7 December 2026``), as they spell the words (British ``recognised``); Babel's
``en`` wrote ``Dec 7, 2026`` beside them."""


def dates_locale(lang: str) -> str:
    """The locale :func:`day_text` and :func:`moment_text` write ``lang``'s dates in."""
    return DATES_LOCALES.get(lang, lang)


@cache
def _month_patterns(lang: str) -> tuple[str, str, str]:
    """How ``lang`` writes a month of a year alone (``November 2026``, ``ноябрь 2026 г.``),
    the same inside a phrase, as a whole date writes the month (``ноября 2026 г.``, as in
    ``с 3 ноября``), and a year alone, the same without the month (``2026``,
    ``2026 г.``): from the locale's month-and-year form."""
    from babel import Locale

    pattern = str(Locale.parse(dates_locale(lang)).datetime_skeletons.get("yMMMM") or "MMMM y")
    year = re.sub(r"\s*[LM]{3,5}\s*", " ", pattern).strip(" ,") or "y"
    return pattern, pattern.replace("L", "M"), year


@lru_cache(maxsize=4096, typed=True)
def day_text(
    day: date | str | None,
    lang: str,
    last: date | str | None = None,
    *,
    since: bool = False,
    width: Literal["medium", "long"] = "medium",
) -> str:
    """A date as the reader's language writes it (``20 Nov 2026``, ``20 нояб. 2026 г.``;
    ``width="long"``, as a handout writes it: ``20 November 2026``, ``20 ноября 2026 г.``).
    Every date a page, a handout, a chart, a calendar, a card or the command line shows
    is written here (:data:`DATES_LOCALES`).

    ``last``: the last day of a date the record gives only as a month or a year (a
    reading's, an answer's, a procedure's, a condition's onset or a drug's start ``last``;
    ``day`` is then its first day): the date as the record gives it, ``November 2026``
    (``ноябрь 2026 г.``) or ``2026`` (``2026 г.``), never its first day as if the day were
    known. A date the record reads as its last day (a partial birth date, an abatement, a
    drug's end) is shown so with its first day as ``day`` and the day read as ``last``.
    ``since``: the date follows "since" ("since %(day)s": Russian ``с ноября 2026 г.``,
    the month as a whole date writes it, ``с 3 ноября``)."""
    if day is None or day == "":
        return ""
    from babel.dates import format_date

    value = date.fromisoformat(day[:10]) if isinstance(day, str) else day
    end = date.fromisoformat(last[:10]) if isinstance(last, str) and last else last
    precision = date_precision(value, end if isinstance(end, date) else None)
    if precision in ("year", "month"):
        alone, within, year = _month_patterns(lang)
        pattern = year if precision == "year" else within if since else alone
        return format_date(value, format=pattern, locale=dates_locale(lang))
    if precision == "period":
        return f"{day_text(value, lang, width=width)} – {day_text(end, lang, width=width)}"
    return format_date(value, format=width, locale=dates_locale(lang))


def moment_text(moment: datetime, lang: str) -> str:
    """A date and time as the reader's language writes it, in the day order of
    :func:`day_text` (``7 Dec 2026, 22:05:00``, ``7 дек. 2026 г., 22:05:00``)."""
    from babel.dates import format_datetime

    return str(format_datetime(moment, "medium", locale=dates_locale(lang)))


def yes_no(value: bool | None, lang: str) -> str:
    """``yes``/``no`` (``unknown`` for None) in ``lang``: never True/False."""
    if value is None:
        return gettext(lang, N_("unknown"))
    return gettext(lang, N_("yes") if value else N_("no"))
