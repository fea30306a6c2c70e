"""Finding patients by a part of the name (in any script and case), phone or birth date.

SQLite's ``LOWER`` and ``LIKE`` fold only ASCII letters, so a search for "кузнец" would
miss "Кузнецова". The app therefore keeps a search key in ``patients.search`` (filled on
every insert and update by :func:`fill_search_key`, backfilled by migrations
``0006_clinic`` and ``0024_search_composed``): the name folded with :meth:`str.casefold`
(composed, without the characters that are never seen, ``ё`` read as ``е``), the same
name in Latin letters under two common transliterations of Russian, the patient id, and
the digits of the phone numbers. A query is folded the same way, so ``KUZN``,
``кузнец`` and ``Кузнецова`` all find "Наталья Кузнецова", and ``kuznetsova`` a
patient entered as "Kuznetsova"; the comparison is a plain ``LIKE`` on that column and
behaves the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

__all__ = ["SearchQuery", "fold", "parse_query", "phone_digits", "search_key"]

# Russian -> Latin: the ICAO / passport scheme (ia, iu, i) and the common English one
# (ya, yu, y). Only the letters that differ between them are listed in the second.
_ICAO = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu",
    "я": "ia", "і": "i", "ї": "i", "є": "ie", "ґ": "g",
}  # fmt: skip
_COMMON = {**_ICAO, "й": "y", "ъ": "", "ю": "yu", "я": "ya", "є": "ye", "ї": "yi"}
_SEPARATOR = "|"
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y")


def fold(text: str) -> str:
    """Case-folded, single-spaced, with ``ё`` read as ``е`` (as Russian readers do).

    The text is first composed (NFKC: ``е`` and a combining diaeresis, as a record written
    on some systems holds it, is ``ё``; a full-width ``Ｉｖａｎ`` is ``Ivan``) and loses the
    characters that are never seen (zero-width spaces and joiners, direction marks and
    overrides, a soft hyphen), so that a name pasted with them is found by what it looks
    like."""
    composed = unicodedata.normalize("NFKC", text)
    seen = "".join(ch for ch in composed if unicodedata.category(ch) != "Cf")
    return " ".join(seen.casefold().replace("ё", "е").split()).replace(_SEPARATOR, " ")


def _latin(folded: str, table: dict[str, str]) -> str:
    return "".join(table.get(ch, ch) for ch in folded)


def spellings(text: str) -> list[str]:
    """The folded text and its Latin spellings, each once."""
    folded = fold(text)
    out = [folded]
    for table in (_ICAO, _COMMON):
        latin = _latin(folded, table)
        if latin not in out:
            out.append(latin)
    return out


def phone_digits(phone: str | None) -> str:
    return re.sub(r"\D", "", phone or "")


def search_key(name: str, external_id: str = "", phones: tuple[str | None, ...] = ()) -> str:
    """What ``patients.search`` holds for a patient: every spelling of the name, the folded
    patient id and the digits of each phone, separated by ``|``."""
    parts = [*spellings(name), fold(external_id)]
    parts += [d for d in (phone_digits(p) for p in phones) if d]
    return _SEPARATOR + _SEPARATOR.join(p for p in parts if p) + _SEPARATOR


@dataclass(frozen=True)
class SearchQuery:
    """What a typed query may mean: name or id fragments, phone digits, a birth date."""

    texts: tuple[str, ...]
    digits: tuple[str, ...]
    born: date | None


def parse_query(raw: str) -> SearchQuery | None:
    """The meanings of ``raw`` (None for an empty query).

    A date (``1968-03-14``, ``14.03.1968``, ``14/03/1968``) also matches the birth date;
    four or more digits also match a phone, with or without the leading ``8`` or ``7`` of
    a Russian number (``8 912 …`` finds ``+7 912 …``)."""
    text = raw.strip()
    if not text:
        return None
    born = None
    for fmt in _DATE_FORMATS:
        try:
            born = datetime.strptime(text, fmt).date()
            break
        except ValueError:
            continue
    digits: list[str] = []
    only = phone_digits(text)
    if len(only) >= 4 and not re.search(r"[^\d\s()+\-.]", text) and born is None:
        digits.append(only)
        if only[0] in "78" and len(only) >= 5:
            digits.append(only[1:])
    return SearchQuery(tuple(spellings(text)), tuple(digits), born)


def like_pattern(fragment: str) -> str:
    """A ``LIKE`` pattern matching ``fragment`` anywhere (``%``, ``_`` and ``\\`` escaped)."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
