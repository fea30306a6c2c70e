"""The folded key of a user name: two names that look the same have the same key.

``admin`` and ``ADMIN``, or ``ivan`` written with a Cyrillic ``а``, would be different
accounts that read the same in the user list and the audit log. The store keeps each
account's key in ``users.username_key`` (a unique index: the database refuses a second
account with the same key) and finds an account at sign-in by it.

The key follows the steps of a Unicode TR39 "skeleton", with a mapping of our own:

1. NFKC (compatibility forms: fullwidth ``ａｄｍｉｎ``, ligatures, superscripts), then
   :meth:`str.casefold` (``ADMIN`` is ``admin``), then NFKC again;
2. canonical decomposition (NFD), so that an accent is kept on its letter and only the
   letter is mapped (Cyrillic ``ё`` reads as Latin ``ë``);
3. each Cyrillic and Greek letter that looks like a Latin letter, in its capital or small
   form, becomes that Latin letter (:data:`LOOK_ALIKE`); the digits ``0`` and ``1`` and
   the small ``i`` and ``l`` likewise (``I``, ``l`` and ``1`` look the same in many
   fonts, and ``I`` folds to ``i``), and ``rn`` reads as ``m``, ``vv`` as ``w``;
4. NFC.

The mapping is a short table kept here rather than the whole TR39 data of a library: a
key is stored, so it must not change when a dependency is upgraded. It covers the scripts
a clinic's user names are written in (Latin, Cyrillic, Greek). Changing it changes stored
keys: that takes a migration that computes them again (and refuses, as
``0020_username_key`` does, where two accounts come to share a key).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

__all__ = ["LOOK_ALIKE", "look_alike_groups", "username_key"]

LOOK_ALIKE: dict[str, str] = {
    # Cyrillic (small letters: a capital is folded to its small letter first)
    "а": "a", "б": "6", "в": "b", "г": "r", "е": "e", "з": "3", "к": "k", "м": "m",
    "н": "h", "о": "o", "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x",
    "ь": "b", "ѕ": "s", "і": "l", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h",
    "ӏ": "l", "ү": "y", "ѡ": "w", "ԍ": "g",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "ζ": "z", "η": "n", "ι": "l", "κ": "k",
    "μ": "m", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ϲ": "c",
    "ϳ": "j",
    # Latin and digits that read as one another
    "ı": "l", "i": "l", "1": "l", "0": "o", "ɡ": "g", "ɑ": "a",
}  # fmt: skip
"""Look-alike letters and digits, each to the one letter that stands for all of them."""

_TABLE = str.maketrans(LOOK_ALIKE)
_SEQUENCES = (("rn", "m"), ("vv", "w"))


def username_key(name: str) -> str:
    """The folded key of a user name (see the module's text); leading and trailing
    spaces are not part of it."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name.strip()).casefold())
    mapped = unicodedata.normalize("NFD", folded).translate(_TABLE)
    for sequence, letter in _SEQUENCES:
        mapped = mapped.replace(sequence, letter)
    return unicodedata.normalize("NFC", mapped)


def look_alike_groups(names: Iterable[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """The accounts (id, user name) whose names share a key, in groups of two or more,
    each by id (the first made first)."""
    by_key: dict[str, list[tuple[int, str]]] = {}
    for user_id, name in names:
        by_key.setdefault(username_key(name), []).append((user_id, name))
    return [sorted(group) for group in by_key.values() if len(group) > 1]
