"""Finding KB concepts named in free text: a diagnosis or a drug written without a code.

The KB gives each concept its names and synonyms in English and Russian
(``concepts.yaml``, ``synonyms``) and the cues that change what a mention means
(``text.yaml``): negation ("no", "denies", "нет", "без"), history ("history of",
"в анамнезе") and family ("family history", "у матери"). A mention in a clause with a
negation or family cue is not the patient's current condition; with a history cue it is
not current either (a history-of concept names the past on its own). Every mention is
reported with the words it was found in, so the reader can confirm it: text never decides
as surely as a code does.

Matching works on words, not characters: the text is folded (case, ``ё``), split into
clauses at punctuation and into words; a synonym matches a run of words, each word of
five letters or more also in an inflected form (the same word but its last two letters:
"недостаточность" and "недостаточностью", "metastasis" and "metastases"). This is the
start of a matcher that can grow into reading free-text referral letters (sentences,
sections), without changing what it returns.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

_WORD = re.compile(r"[0-9a-zа-я]+(?:[-'][0-9a-zа-я]+)*")
_CLAUSE = re.compile(r"[.;:!?()\[\]\n]|,\s|\s[-–—]\s")
STEM_FROM = 5
"""Words of at least this many letters also match with a different ending."""
CACHE_SIZE = 100_000
"""How many texts' answers a matcher keeps."""


def fold(text: str) -> str:
    return text.casefold().replace("ё", "е")


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def _same_word(written: str, known: str) -> bool:
    if written == known:
        return True
    if len(known) < STEM_FROM:
        return False
    stem = known[:-2]
    return written.startswith(stem) and len(written) <= len(known) + 3


@dataclass(frozen=True, slots=True)
class Mention:
    """A concept named in a text: the words as written, and the group (``set``) named."""

    concept: str
    set: str | None
    words: str


@dataclass(frozen=True, slots=True)
class Cues:
    negation: tuple[tuple[str, ...], ...]
    history: tuple[tuple[str, ...], ...]
    family: tuple[tuple[str, ...], ...]


def _contains(clause: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(
        all(_same_word(clause[i + k], phrase[k]) for k in range(n))
        for i in range(len(clause) - n + 1)
    )


class TextMatcher:
    """Synonyms of every concept, ready to be found in a text."""

    def __init__(
        self,
        synonyms: Iterable[tuple[str, str | None, str]],
        negation: Iterable[str],
        history: Iterable[str],
        family: Iterable[str],
    ) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], str, str | None]]] = defaultdict(list)
        self._stems: dict[str, list[tuple[tuple[str, ...], str, str | None]]] = defaultdict(list)
        for concept, group, phrase in synonyms:
            tokens = tuple(words(phrase))
            if not tokens:
                continue
            entry = (tokens, concept, group)
            self._by_first[tokens[0]].append(entry)
            if len(tokens[0]) >= STEM_FROM:
                self._stems[tokens[0][:3]].append(entry)
        self._cache: dict[str, list[Mention]] = {}
        self.cues = Cues(
            negation=tuple(tuple(words(c)) for c in negation if words(c)),
            history=tuple(tuple(words(c)) for c in history if words(c)),
            family=tuple(tuple(words(c)) for c in family if words(c)),
        )

    def _candidates(self, word: str) -> list[tuple[tuple[str, ...], str, str | None]]:
        found = list(self._by_first.get(word, ()))
        for entry in self._stems.get(word[:3], ()):
            if entry[0][0] != word and _same_word(word, entry[0][0]):
                found.append(entry)
        return found

    def find(self, text: str | None) -> list[Mention]:
        """The concepts the text names as the patient's current condition or drug.

        Answers are kept per text (records repeat the same displays and texts), up to
        :data:`CACHE_SIZE` texts.
        """
        if not text:
            return []
        found = self._cache.get(text)
        if found is None:
            found = self._find(text)
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[text] = found
        return list(found)

    def _find(self, text: str) -> list[Mention]:
        out: dict[tuple[str, str | None], Mention] = {}
        cues = (*self.cues.negation, *self.cues.history)
        for raw in _CLAUSE.split(fold(text)):
            clause = words(raw)
            matches = []
            for start, word in enumerate(clause):
                for tokens, concept, group in self._candidates(word):
                    n = len(tokens)
                    window = clause[start : start + n]
                    if len(window) == n and all(
                        _same_word(w, t) for w, t in zip(window, tokens, strict=True)
                    ):
                        matches.append((start, n, concept, group, window))
            if not matches:
                continue  # the cues are looked at only where a synonym was found
            if any(_contains(clause, cue) for cue in self.cues.family):
                continue  # a relative's condition, whatever the words
            for start, n, concept, group, window in matches:
                # a cue outside the words of the synonym itself changes the mention
                rest = [*clause[:start], "|", *clause[start + n :]]
                if any(_contains(rest, cue) for cue in cues):
                    continue
                key = (concept, group)
                previous = out.get(key)
                if previous is None or len(previous.words) < len(" ".join(window)):
                    out[key] = Mention(concept, group, " ".join(window))  # the longest
        return list(out.values())
