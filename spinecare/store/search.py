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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

__all__ = [
    "PART_LENGTH",
    "SEARCH_KEY_LENGTH",
    "SearchQuery",
    "fold",
    "parse_query",
    "phone_digits",
    "search_key",
]

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
SEARCH_KEY_LENGTH = 2000
"""The length of ``patients.search``."""
PART_LENGTH = 320
"""The most characters a search key holds of one spelling of the name, of the patient id
or of a phone's digits: the three spellings, the id and two phones with their separators
fit :data:`SEARCH_KEY_LENGTH`; a query is cut the same way."""
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y")


_UNSEEN_RANGES = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul fillers (U+3164 and U+FFA0 are one of them once composed)
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian variation selectors and vowel separator
    (0x2800, 0x2800),  # the blank braille pattern, pasted as an invisible filler
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),  # variation selectors (the emoji and text presentation ones)
    (0xFFA0, 0xFFA0),
    (0xE0100, 0xE01EF),  # variation selectors supplement
)
"""Characters drawn as nothing that are neither format nor control characters (categories
``Cf`` and ``Cc``, left out as well): those of Unicode's "default ignorable" list outside
``Cf``, and the blank braille pattern."""


def _unseen(ch: str) -> bool:
    if unicodedata.category(ch) in ("Cf", "Cc") and not ch.isspace():
        return True
    code = ord(ch)
    return any(first <= code <= last for first, last in _UNSEEN_RANGES)


def fold(text: str) -> str:
    """Case-folded, single-spaced, with ``ё`` read as ``е`` (as Russian readers do).

    The text is first composed (NFKC: ``е`` and a combining diaeresis, as a record written
    on some systems holds it, is ``ё``; a full-width ``Ｉｖａｎ`` is ``Ivan``) and loses the
    characters that are never seen (:data:`_UNSEEN_RANGES`: zero-width spaces and joiners,
    direction marks and overrides, a soft hyphen, variation selectors, fillers), so that a
    name pasted with them is found by what it looks like.

    NFKC follows the Unicode tables of the Python that runs the app, so a newer Python
    may fold a character assigned since differently. That is acceptable here, unlike for
    a user name's key (:mod:`spinecare.store.usernames`): this key only finds a patient,
    nothing is unique by it, each save of a patient makes it again, and a migration that
    changes the folding makes every stored key again (``0024_search_composed``)."""
    composed = unicodedata.normalize("NFKC", text)
    seen = unicodedata.normalize("NFC", "".join(ch for ch in composed if not _unseen(ch)))
    return " ".join(seen.casefold().replace("ё", "е").split()).replace(_SEPARATOR, " ")


def _latin(folded: str, table: dict[str, str]) -> str:
    return "".join(table.get(ch, ch) for ch in folded)


def spellings(text: str, folding: Callable[[str], str] = fold) -> list[str]:
    """The folded text and its Latin spellings, each once and at most :data:`PART_LENGTH`
    characters long (none for a text that folds to nothing)."""
    folded = folding(text)
    out: list[str] = []
    for spelled in (folded, _latin(folded, _ICAO), _latin(folded, _COMMON)):
        part = spelled[:PART_LENGTH]
        if part and part not in out:
            out.append(part)
    return out


def phone_digits(phone: str | None) -> str:
    return re.sub(r"\D", "", phone or "")


def search_key(
    name: str,
    external_id: str = "",
    phones: tuple[str | None, ...] = (),
    folding: Callable[[str], str] = fold,
) -> str:
    """What ``patients.search`` holds for a patient: every spelling of the name, the folded
    patient id and the digits of each phone, separated by ``|``; each part at most
    :data:`PART_LENGTH` characters, so that the key fits the column however much the
    folding lengthens a name (one ``U+FDFA`` is 18 letters composed).

    ``folding`` is :func:`fold` but for a migration that makes the keys of another
    version (``0024_search_composed``'s downgrade)."""
    parts = [*spellings(name, folding), folding(external_id)[:PART_LENGTH]]
    parts += [d[:PART_LENGTH] for d in (phone_digits(p) for p in phones) if d]
    return _SEPARATOR + _SEPARATOR.join(p for p in parts if p) + _SEPARATOR


@dataclass(frozen=True)
class SearchQuery:
    """What a typed query may mean: name or id fragments, phone digits, a birth date."""

    texts: tuple[str, ...]
    digits: tuple[str, ...]
    born: date | None


def parse_query(raw: str) -> SearchQuery | None:
    """The meanings of ``raw`` (None for an empty query, and for one made only of
    characters that are never seen, as a clinician sees an empty search box: as though
    nothing were typed).

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
    texts = tuple(spellings(text))
    if not texts and not digits and born is None:
        return None
    return SearchQuery(texts, tuple(digits), born)


def like_pattern(fragment: str) -> str:
    """A ``LIKE`` pattern matching ``fragment`` anywhere (``%``, ``_`` and ``\\`` escaped)."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
