"""Finding KB concepts named in free text: a diagnosis or a drug written without a code.

The KB gives each concept its names and synonyms in English and Russian (and German)
(``concepts.yaml``, ``synonyms``) and the cues that change what a mention means
(``text.yaml``): negation ("no", "denies", "нет", "без"), history ("history of",
"в анамнезе") and family ("family history", "у матери"). As in NegEx, a cue changes the
words on its side of it: a negation or history cue the words after it ("no fever",
"history of cancer"), an ``_after`` cue the words before it ("cancer ruled out", "рак в
анамнезе"), up to the end of the clause or a ``scope_end`` word ("no fever but
metastases"); a pseudo-cue is no cue ("not ruled out", "не исключен"). So "metastases
without cord compression" and "cancer with prior radiotherapy" still name the cancer. A
negated mention is not the patient's condition; a mention in the past is not current, and
is the concept ``history_of`` names for it when there is one (a cancer in the past is a
history of cancer). A mention in a clause with a family cue is a relative's, whatever the
order. Every mention is reported with the words it was found in, so the reader can
confirm it: text never decides as surely as a code does.

Matching works on words, not characters: the text is folded (case, ``ё``), split into
clauses at punctuation and into words; a synonym matches a run of words, each word of
five letters or more also in an inflected form (the same word but its last two letters:
"недостаточность" and "недостаточностью", "metastasis" and "metastases"). A synonym may
hold ``*``, a gap of up to two words of any kind (:data:`GAP_WORDS`) between its words:
"fracture of * vertebra" is found in "Closed fracture of L1 vertebra", "fracture of the
vertebra" and "fracture of vertebra", within one clause. A cue among the gap's words
changes the mention as one outside it does ("metastasis to liver not spine" names no
spinal metastasis), and a scope-ending word ends the gap. This is the start of a matcher
that can grow into reading free-text referral letters (sentences, sections), without
changing what it returns.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

_WORD = re.compile(r"[0-9a-zа-яäöü]+(?:[-'][0-9a-zа-яäöü]+)*")
# A comma ends a clause, except before a stage or grade ("Chronic kidney disease, stage 5",
# the ICD-10-CM title): the stage belongs to the words before it.
# What ends a clause: a stop, a colon, a bracket, a line (also a tab, a bare carriage
# return, a Unicode line or paragraph separator), a bullet ("•", a "*" or "|" between
# items), a comma before a space (not before a stage or grade: "breast cancer, stage 2")
# or before a letter ("No fever,saddle anaesthesia"), a dash between spaces, an em dash.
_CLAUSE = re.compile(
    r"[.;:!?()\[\]\n\r\t|•\u2028\u2029—]|,\s(?!(?:stage|стади|stadium|grade|степен))"
    r"|,(?=[^\W\d_])|\s[-–]\s|(?:^|\s)\*\s"
)
# The same, keeping what ends each clause: a list before a colon ("Педикулез, чесотка:
# нет") is answered as a whole by the cue after the colon.
_CLAUSE_KEPT = re.compile(f"({_CLAUSE.pattern})")
_SOFT_WRAP = re.compile(r"(?<=[^\W\d_])[ \t]*\r?\n[ \t]*(?=[a-zа-яäöüß])")
"""A line break between two words of one phrase: after a letter (no full stop, colon or
comma), before a word in lower case ("saddle\nanaesthesia", "онемение в\nпромежности")."""
# The full stop of a German ordinal before a spine level ("Fraktur des 1. Lendenwirbels",
# "12. BWK") is no end of a clause. Only before these words: elsewhere "1." may number a
# list, whose items are clauses of their own ("Denies trauma 2. Metastases").
_LEVEL_ORDINAL = re.compile(
    r"(?:(?<=\s)|^)(\d{1,2})\.(?=\s*(?:lwk|bwk|hwk|swk|lendenwirb|brustwirb|halswirb|wirbel))"
)
STEM_FROM = 5
"""Words of at least this many letters also match with a different ending."""
TEXT_CHARS = 200_000
"""How much of one text is read: its first 200,000 characters (a clinical note is a few
kilobytes; a discharge summary some tens). Reading is linear, but a text of nothing but
findings costs about 10 ms a kilobyte: a longer one would hold a screening for seconds.
A document read in part is listed as such (``spinecare.fhir.reader``)."""
CACHE_SIZE = 100_000
"""How many texts' answers a matcher keeps."""
SCREENING_END = 7
"""The fewest letters of a word naming a screening that is read as a word of its own where
it ends a longer word ("Krebsvorsorge"; never "screen", which ends other words)."""
GAP = "*"
"""In a synonym, the place of up to :data:`GAP_WORDS` words of any kind."""
GAP_WORDS = 2
"""How many words a synonym's gap holds at most."""
_HYPHEN_WRAP = re.compile(r"(?<=[^\W\d_])-[ \t]*\r?\n[ \t]*(?=[a-zа-яäöüß])")
"""A word broken at a line's end by a hyphen ("metas-\ntases")."""


def _wrapped_joined(text: str) -> str:
    """The text with its line breaks inside a phrase taken out (:data:`_SOFT_WRAP`: after a
    letter, before a word in lower case; a word broken by a hyphen made whole), as
    dictation, HL7 v2, fixed-width exports and notes typed with Enter break them ("new
    onset urinary" / "retention", "metas-" / "tases"). Read besides the text as written
    (:meth:`TextMatcher.find` keeps what either reading finds), so a line is still a
    clause of its own ("No fever" / "saddle anaesthesia")."""
    return _SOFT_WRAP.sub(" ", _HYPHEN_WRAP.sub("", text))


# Characters a reader does not see, left inside words by web pages and word processors:
# the soft hyphen, zero-width spaces and joiners, the byte-order mark.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
# Latin and Cyrillic letters that look alike (lower case, as folded: "В" and "B" folded are
# "в" and "b"). A word typed partly on the other keyboard ("Сauda" with a Cyrillic "С",
# "пoзвоночник" with a Latin "o") is read in the script most of its letters are in.
_LATIN_LOOKALIKES = "abcehikmoptxy"
_CYRILLIC_LOOKALIKES = "авсенікмортху"
_TO_LATIN = str.maketrans(_CYRILLIC_LOOKALIKES, _LATIN_LOOKALIKES)
_TO_CYRILLIC = str.maketrans(_LATIN_LOOKALIKES, _CYRILLIC_LOOKALIKES)
_LETTERS = re.compile(r"[^\W\d_]+")
"""A word's letters (each word once: a pass in linear time, never a pattern that tries
every start of a long word again)."""
_LATIN = re.compile(r"[a-z]")
_CYRILLIC = re.compile(r"[а-яі]")


_VOWELS = frozenset("aeiouyаеиоуыэюяё")
"""The final letters an ending replaces ("саркома": "саркомы")."""
_LISTED_WORDS = 4
"""How many words a denied first item of a list may have ("denies saddle anaesthesia")."""
_RESULT_WORDS = 3
"""The most words of a result read with the clause before it ("FIT positive")."""
# A result written as a sign: "(+)", "+ve", a "+" after a space ending the text or a
# clause ("DVT screening +"); never one within or after a word ("K+ 4.2", "T2+T3").
_PLUS_SIGN = re.compile(r"\(\s*\+\s*\)|(?<![\w+])\+\s*ve\b|(?<=\s)\+(?=\s*(?:$|[.,;:)\n]))")
# A temperature written after its cue as a number ("T 37.8", "Temp: 38.5", "T38,5",
# "Т-ра 38,2", "T 101.2F"): read as "temperature" and its degrees Celsius and tenths, as
# the fever's synonyms name them ("T 37 8"); never a number with another unit
# ("T 40 mg", "T 39 years", "T 38 weeks") or one no body has (a level: "T12").
_TEMPERATURE_CUE = (
    r"(?<![\w°])(t\s*max|tmax|t°|т°|t|т|temp\.?|temperature|температура|т-ра|тем-ра|темп\.?)"
    r"(?:\s*[:=\-–]\s*|\s+of\s+|\s+was\s+|\s*)(\d{2,3}(?:[.,]\d{1,2})?)\s*"
)
_OTHER_UNIT = (
    r"(?:%|mg|mcg|µg|g\b|kg|ml|mm|cm|lb|bpm|year|yr|y\.?o|y\b|week|wk|day|month"
    r"|лет|год|нед|мг|мм|см|кг|дн)"
)
_TEMPERATURE = re.compile(
    _TEMPERATURE_CUE + r"(°\s*[cfсф]|[cfсф]\b|cel\b|°)?(?![\w.,]?\d)(?!\s*" + _OTHER_UNIT + ")",
    re.IGNORECASE,
)
# A weight written with its number and no space ("Lost 10kg", "Потеряла 8кг", "20lbs"):
# read as the number and the unit, as the synonyms name them ("lost * kg").
_NUMBER_UNIT = re.compile(r"(\d)(kg|кг|lbs?)(?![^\W\d_])", re.IGNORECASE)
# Metabolic equivalents of an exercise test, as cardiologists write them: "METs" (a
# capital MET and a small s) or "MET" beside a number ("METs 8", "METs: 10.1", "achieved
# 7 METs", "8 METS"): never metastases, which are "mets" or "METS" without a number after
# them ("METS to L3"), nor after a vertebral level ("T12 METS"). Read as the words they
# stand for.
_EXERCISE_METS = re.compile(
    r"(?<![\w.,])(\d+(?:[.,]\d+)?)\s*(?:METs|METS|MET)\b|(?<![\w.])(?:METs|MET)(?=\s*[:=]?\s*\d)"
)
# The sentence around a place of a text: what stands between the stops or lines before
# and after it.
_SENTENCE_END = re.compile(r"[.;!?\n]")
_NO_TEMPERATURE = re.compile(_TEMPERATURE_CUE + r"(?=" + _OTHER_UNIT + ")", re.IGNORECASE)
"""A number with another unit after a temperature's cue: the number alone is read."""
_TEMPERATURE_NAMED = frozenset({"t", "т", "t°", "т°", "temp", "temperature", "tmax"})
_BODY_CELSIUS = (34.0, 44.0)
"""The degrees a body's temperature may have; a number outside them after the cue is not
one (a vertebral level "T12"; 90 to 112 is read as Fahrenheit)."""


def _celsius(found: re.Match[str], unit: str = "") -> float | None:
    """The degrees Celsius of a number after a temperature's cue, or None if no body has
    them."""
    value = float(found.group(2).replace(",", "."))
    if "f" in unit or "ф" in unit or 90 <= value <= 112:
        value = (value - 32) * 5 / 9
    return value if _BODY_CELSIUS[0] <= value <= _BODY_CELSIUS[1] else None


def _exercise_read(found: re.Match[str]) -> str:
    """Metabolic equivalents written out, after their number where it stands before."""
    number = found.group(1)
    return f" {number} metabolic equivalents " if number else " metabolic equivalents "


def _temperature_unread(found: re.Match[str]) -> str:
    """A number a temperature might be, with another unit ("T 40 mg"): the number alone."""
    return found.group(0) if _celsius(found) is None else f" {found.group(2)} "


def _temperature_read(found: re.Match[str]) -> str:
    value = _celsius(found, (found.group(3) or "").casefold())
    if value is None:
        return found.group(0)
    cue = found.group(1)
    # the cue as written where the fever's synonyms name it ("T", "Temp", "t°"), else "temp"
    cue = cue if cue.casefold() in _TEMPERATURE_NAMED else "temp"
    whole, tenth = divmod(round(value * 10), 10)
    return f" {cue} {whole} {tenth} " if tenth else f" {cue} {whole} "


_RESULT_AFTER = frozenset(":(-–—,")
"""What may stand between a result and what it is the result of."""
_WITH = frozenset({"with", "mit", "avec", "con"})
"""The word "with", which ends a cue's scope but joins a loss to what explains it."""
_CONJUNCTIONS = frozenset({"and", "or", "nor", "и", "или", "а", "либо", "und", "oder", "sowie"})
"""Words that join two findings: a word of change before the first is not the second's."""
_LEVEL = re.compile(r"(?:c|t|th|l|s|hwk|bwk|lwk)\d{1,2}")
"""A vertebral level as a word of a folded text ("l3", "th12", "lwk2")."""
_LEVEL_NAMES = frozenset({"hwk", "bwk", "lwk", "swk"})


def _levels_only(said: list[str]) -> bool:
    """Whether a clause is only vertebral levels ("l5-s1", "l4-5", "lwk 4 5", "c5 c6")."""
    parts = [p for w in said for p in w.split("-")]
    return any(not p.isdigit() for p in parts) and all(
        p.isdigit() or p in _LEVEL_NAMES or _LEVEL.fullmatch(p) for p in parts
    )


_HASH_BEFORE = re.compile(r"(?<![\w#])#(?=(?:c|t|th|l|s)\d{1,2}\b(?![/-]))", re.IGNORECASE)
"""The clinicians' "#" for a fracture, written on a vertebral level ("#L1", "wedge #T12");
not a "#" of a number ("#2", "Room #12"), a bullet before a space ("# L5 radiculopathy"),
a disc level ("#L4/5") or MRI's "T2#"."""


def _one_script_word(word: re.Match[str]) -> str:
    """A word of letters of both scripts in the script most of its letters are in; any
    other word as it is."""
    text = word.group(0)
    if not (_LATIN.search(text) and _CYRILLIC.search(text)):
        return text
    return _one_script(word)


def _one_script(word: re.Match[str]) -> str:
    text = word.group(0)
    latin, cyrillic = len(_LATIN.findall(text)), len(_CYRILLIC.findall(text))
    mapped = text.translate(_TO_CYRILLIC if cyrillic > latin else _TO_LATIN)
    return mapped if not (_LATIN.search(mapped) and _CYRILLIC.search(mapped)) else text


# Latin letters with accents, as records in other languages write a drug or a diagnosis
# ("Préviscan", "Apixabán", "Dabigatrán"): read as the letter without them, one letter for
# one. Not the German umlauts (read with their "e" as well, :func:`_without_umlauts`), not
# Cyrillic ("й" is a letter of its own).
_ACCENTS = str.maketrans(
    "áàâãåāăąçćčďéèêëēėęěíìîïīłñńňóòôõøōřśšťúùûūůýÿźžż",
    "aaaaaaaacccdeeeeeeeeiiiiilnnnoooooorsstuuuuuyyzzz",
)


# The French ligatures, read as their two letters ("sœur", "œdème", "cæcum").
_LIGATURES = {ord("œ"): "oe", ord("æ"): "ae"}
# A French article or word elided before a vowel ("d'urine", "l'artère", "qu'une"): a word
# of its own, as with the typographic apostrophe ("d’urine"), so that "rétention d'urine"
# and "pas d'incontinence" are read word for word. Not an apostrophe inside a word
# ("don't", "Crohn's").
_ELISION = re.compile(r"(?<![0-9a-zа-яäöü'])(qu|[cdjlmnst])'(?=[^\W\d_])")


# A vertebral level typed in Cyrillic letters ("Л5-С1", "л4/л5", "С5-С6"): read as the
# Latin level ("l5-s1", "c5-c6"); a "С" after an "Л" is sacral (S1), any other a cervical
# "C" (the Cyrillic "С" looks like it). Only a letter run together with its number.
_CYRILLIC_LEVEL = re.compile(r"(?<![^\W\d_])([лс])(\d{1,2})(?:([-/–])([лс]?)(\d{1,2}))?(?![^\W_])")


def _latin_level(found: re.Match[str]) -> str:
    first, number, dash, second, other = found.groups()
    latin = "l" if first == "л" else "c"
    if dash is None:
        return f"{latin}{number}"
    after = {"": "", "л": "l", "с": "s" if first == "л" else "c"}[second]
    return f"{latin}{number}{dash}{after}{other}"


def fold(text: str) -> str:
    folded = text.casefold().replace("ё", "е")
    if "'" in folded:
        folded = _ELISION.sub(r"\1 ", folded)
    if folded.isascii():
        return folded
    folded = folded.translate(_INVISIBLE).translate(_ACCENTS).translate(_LIGATURES)
    folded = _CYRILLIC_LEVEL.sub(_latin_level, folded)
    if not (_LATIN.search(folded) and _CYRILLIC.search(folded)):
        return folded  # one script: no word to read in the other
    return _LETTERS.sub(_one_script_word, folded)


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def _without_umlauts(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """German words as records without umlauts write them ("Wirbelsaeule" for
    "Wirbelsäule"): a synonym is also found so."""
    return tuple(t.translate(_UMLAUTS) for t in tokens)


# A name of three letters or more run together with a number: a drug written with its dose
# and no space ("Xarelto20mg", "варфарин2,5мг"). Shorter letters before a number are part
# of a code or a stage ("C5", "T12") and are left as written.
_NAME_NUMBER = re.compile(r"(?<=[a-zа-яäöü]{3})(?=[0-9])")


CLAUSE_WORDS = 60
"""The most words of a clause read at once: a clause longer than that (a run-on text with
no stop, or words repeated on purpose) is read in windows of this many words, each
overlapping the one before by :data:`CLAUSE_OVERLAP` words (more than any synonym with
its gaps), so that reading takes time in proportion to its length. A cue in an earlier
window does not reach a later one: a finding stays, to confirm (never denied from afar)."""
CLAUSE_OVERLAP = 12
REPEATS_READ = 4
REPEATS_CAP = 16
"""How many times the same words naming the same concept are read in one clause once the
concept is found (more can only say it again)."""


def _windows(clause: list[str]) -> list[list[str]]:
    """``clause`` as it is, or, where longer than :data:`CLAUSE_WORDS`, its windows."""
    if len(clause) <= CLAUSE_WORDS:
        return [clause]
    step = CLAUSE_WORDS - CLAUSE_OVERLAP
    return [clause[i : i + CLAUSE_WORDS] for i in range(0, len(clause) - CLAUSE_OVERLAP, step)]


def _forms(clause: list[str]) -> list[list[str]]:
    """A clause's words as written and, when some are joined by hyphens or a name is run
    together with a number, also with those split: a drug or condition written with a
    suffix of its own ("Heparin-Natrium", "Apixaban-ratiopharm") or its dose
    ("Xarelto20mg") is found by its name; a synonym written with a hyphen
    ("Bandscheiben-OP") is found in the first form."""
    if not any("-" in w or _NAME_NUMBER.search(w) for w in clause):
        return [clause]
    split = [
        part
        for w in clause
        for part in (
            _NAME_NUMBER.sub(" ", w).replace("-", " ").split()
            if "-" in w or _NAME_NUMBER.search(w)
            else (w,)
        )
    ]
    return [clause, split]


def synonym_problem(phrase: str) -> str | None:
    """What is wrong with a synonym's gaps (``*``), or None: a gap stands between words,
    never at the start or the end, and one gap holds all the words it can."""
    parts = [words(part) for part in phrase.split(GAP)]
    if len(parts) == 1:
        return None
    if not parts[0]:
        return f"'{phrase}': a synonym cannot start with a gap ('{GAP}')"
    if not parts[-1]:
        return f"'{phrase}': a synonym cannot end with a gap ('{GAP}')"
    if not all(parts):
        return f"'{phrase}': two gaps ('{GAP}') in a row; one gap holds up to {GAP_WORDS} words"
    return None


def _tokens(phrase: str) -> tuple[str, ...]:
    """A synonym's words, with :data:`GAP` for each gap between them (a gap at the start
    or the end, or next to another, is left out: ``kb check`` refuses those)."""
    parts = [words(part) for part in phrase.split(GAP)]
    out: list[str] = []
    for part in parts:
        if part and out:
            out.append(GAP)
        out.extend(part)
    return tuple(out)


def _gapped_end(
    clause: list[str], at: int, tokens: tuple[str, ...], stops: frozenset[str]
) -> tuple[int, tuple[int, ...]] | None:
    """Where the match of a synonym with gaps that starts at ``clause[at]`` ends and the
    places of the words its gaps hold (the shortest gaps first), or None; a gap holds no
    word of ``stops`` (the scope-ending words)."""
    k = 0
    while k < len(tokens):
        token = tokens[k]
        if token == GAP:
            for skip in range(GAP_WORDS + 1):
                if skip and (at + skip > len(clause) or clause[at + skip - 1] in stops):
                    return None
                rest = _gapped_end(clause, at + skip, tokens[k + 1 :], stops)
                if rest is not None:
                    return rest[0], (*range(at, at + skip), *rest[1])
            return None
        if at >= len(clause) or not _same_word(clause[at], token):
            return None
        at += 1
        k += 1
    return at, ()


class _Expanded(str):
    """A short form read as the word it stands for ("fx": "fracture"), that still knows
    how it was written, to be shown so."""

    written: str

    def __new__(cls, word: str, written: str) -> _Expanded:
        self = super().__new__(cls, word)
        self.written = written
        return self


@lru_cache(maxsize=65536)
def _same_word(written: str, known: str) -> bool:
    if written == known:
        return True
    if len(known) < STEM_FROM:
        return False
    # a word of five letters keeps four ("грыжи" of "грыжа"): with only three, "prior"
    # would take "primary" (and read "Primary breast cancer" as a history), "covid"
    # "covered", "stage" "standard"
    stem = known[:-1] if len(known) == STEM_FROM else known[:-2]
    # another ending: at most one letter shorter ("метастаз" of "метастазы"), never the
    # bare stem ("fev" of "fever", left of "FEV1" when its number is split off)
    return written.startswith(stem) and len(known) - 1 <= len(written) <= len(known) + 3


@dataclass(frozen=True, slots=True)
class Mention:
    """A concept named in a text: the words as written, and the group (``set``) named."""

    concept: str
    set: str | None
    words: str


Phrases = tuple[tuple[str, ...], ...]
_Entry = tuple[tuple[str, ...], str, str | None, bool]
_Match = tuple[int, int, str, str | None, list[str], tuple[int, ...]]
_AND: Phrases = tuple((w,) for w in ("and", "и", "а", "und", "sowie", "et", "y"))
"""The words that add a second finding to a first: a narrow negation ends before it."""


@dataclass(frozen=True, slots=True)
class Cues:
    negation: Phrases
    history: Phrases
    family: Phrases
    negation_after: Phrases = ()
    history_after: Phrases = ()
    scope_end: Phrases = ()
    pseudo: Phrases = ()
    family_end: Phrases = ()
    change: Phrases = ()
    history_end: Phrases = ()
    negation_end: Phrases = ()
    companion: Phrases = ()
    recent: Phrases = ()
    ended: Phrases = ()
    negation_narrow: Phrases = ()
    relative_has: Phrases = ()


def _contains(clause: list[str], phrase: tuple[str, ...]) -> bool:
    """Whether a cue stands in the clause, word for word as listed: a cue's words are
    listed in every form they are written in ("denies", "denied"), since another ending
    often makes another word ("healed" is no "healthy", "resolved" no "resolving")."""
    first = phrase[0]
    if len(phrase) == 1:
        return first in clause
    n, wanted, at = len(phrase), list(phrase), -1
    try:
        while True:  # each place of the first word, found at C speed
            at = clause.index(first, at + 1)
            if clause[at : at + n] == wanted:
                return True
    except ValueError:
        return False


def _any_cue(gap: list[str], *cues: Phrases) -> bool:
    """Whether one of ``cues`` stands in ``gap`` (looked for only where its first word
    stands: the words are few, the cues many)."""
    said = set(gap)
    return any(
        _contains(gap, cue)
        for phrases in cues
        if phrases
        for first in (_by_first(phrases),)
        for word in said
        for cue in first.get(word, ())
    )


def _phrases(cues: Iterable[str]) -> Phrases:
    return tuple(tuple(words(c)) for c in cues if words(c))


@lru_cache(maxsize=256)
def _by_first(phrases: Phrases) -> dict[str, Phrases]:
    """``phrases`` by their first word."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        out.setdefault(phrase[0], []).append(phrase)
    return {first: tuple(found) for first, found in out.items()}


@lru_cache(maxsize=256)
def _by_last(phrases: Phrases) -> dict[str, Phrases]:
    """``phrases`` by their last word."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        out.setdefault(phrase[-1], []).append(phrase)
    return {last: tuple(found) for last, found in out.items()}


def _starts(clause: list[str], phrases: Phrases) -> list[tuple[int, int]]:
    """(start, length) of each of ``phrases`` in a clause."""
    first = _by_first(phrases)
    return [
        (i, len(phrase))
        for i, word in enumerate(clause)
        for phrase in first.get(word, ())
        if tuple(clause[i : i + len(phrase)]) == phrase
    ]


@lru_cache(maxsize=256)
def _ends_in(clause: tuple[str, ...], ends: Phrases) -> tuple[int, ...]:
    """Where each of ``ends`` stands in a clause: found once per clause, not once per
    word the clause names (a clause that names a finding many times stays linear)."""
    return tuple(i for i, _ in _starts(list(clause), ends))


def _scope(clause: list[str], start: int, n: int, ends: Phrases) -> tuple[int, int]:
    """Where the words a cue may change around ``clause[start:start + n]`` begin and end:
    after the last of ``ends`` before them, up to the first after them."""
    at = _ends_in(tuple(clause), ends)
    lo = max((e + 1 for e in at if e < start), default=0)
    hi = min((e for e in at if e >= start + n), default=len(clause))
    return lo, hi


def _masked(clause: list[str], phrases: Phrases) -> list[str]:
    """The clause with the words of ``phrases`` (pseudo-cues: "not ruled out") blanked,
    so that the cue words inside them change nothing."""
    found = _starts(clause, phrases)
    if not found:
        return clause
    out = list(clause)
    for start, n in found:
        out[start : start + n] = ["|"] * n
    return out


COMPANION_WORDS = 6
"""How many words after a companion cue may name who came ("by her 80 year old mother",
"von Mutter und Schwester"): the relatives among them are no family cue."""

_COMPANION_ENDS = frozenset({"for", "pour", "por", "para", "wegen", "по", "из-за", "because"})
"""Words after which a companion cue's words name what brings the patient, not who came
("accompanied by her mother for acute urinary retention")."""


def _companions_masked(clause: list[str], cues: Cues) -> list[str]:
    """The clause with each companion cue blanked together with the relatives named in
    the words after it, up to the last of them before what brings the patient
    ("accompanied by her mother and sister for ...", "begleitet von der Mutter wegen ..."):
    who came with the patient is no family cue, so the finding named after them stays the
    patient's."""
    found = _starts(clause, cues.companion)
    if not found:
        return clause
    relatives = _by_first(cues.family)
    ends = {p[0] for p in cues.scope_end if len(p) == 1} | _COMPANION_ENDS
    out = list(clause)
    for start, n in found:
        last = 0
        for at in range(start + n, min(start + n + COMPANION_WORDS, len(clause))):
            if clause[at] in ends:
                break
            for phrase in relatives.get(clause[at], ()):
                if tuple(clause[at : at + len(phrase)]) == phrase:
                    last = max(last, at + len(phrase))
        if last:
            out[start:last] = ["|"] * (last - start)
    return out


def _screening_words(narrow: Phrases) -> tuple[frozenset[str], re.Pattern[str] | None]:
    """The words that name a screening (the first of each ``negation_narrow`` cue:
    "screening" of "screening for", "скрининг"), which next to what it looks for name it as
    the cue does ("DVT screening", "скрининг рака", "Brustkrebs-Screening"); and the
    pattern of a longer word one of them ends ("Brustkrebsscreening", "Darmkrebsvorsorge"),
    read as two words."""
    first = frozenset(p[0] for p in narrow)
    ends = sorted((w for w in first if len(w) >= SCREENING_END), key=len)
    pattern = rf"^(\w{{4,}}?)-?({'|'.join(map(re.escape, ends))})$"
    return first, re.compile(pattern) if ends else None


class TextMatcher:
    """Synonyms of every concept, ready to be found in a text."""

    def __init__(
        self,
        synonyms: Iterable[tuple[str, str | None, str]],
        negation: Iterable[str],
        history: Iterable[str],
        family: Iterable[str],
        negation_after: Iterable[str] = (),
        history_after: Iterable[str] = (),
        scope_end: Iterable[str] = (),
        family_end: Iterable[str] = (),
        history_of: dict[str, str] | None = None,
        pseudo: Iterable[str] = (),
        companion: Iterable[str] = (),
        abbreviations: Iterable[tuple[str, str | None, str]] = (),
        not_abbreviation_before: Iterable[str] = (),
        not_abbreviation_beside: Mapping[str, Iterable[str]] | None = None,
        not_forms: Mapping[str, Iterable[str]] | None = None,
        short_words: Mapping[str, str] | None = None,
        qualifiers_after: Iterable[str] = (),
        change: Iterable[str] = (),
        change_between: Iterable[str] = (),
        history_end: Iterable[str] = (),
        negation_end: Iterable[str] = (),
        negation_narrow: Iterable[str] = (),
        relative_has: Iterable[str] = (),
        relative_heading: Iterable[str] = (),
        recent: Iterable[str] = (),
        ended: Iterable[str] = (),
        compound_heads: Iterable[str] = (),
        not_compounds: Iterable[str] = (),
        not_named: Iterable[str] = (),
        doubt: Iterable[str] = (),
        found: Iterable[str] = (),
        screened_for: Iterable[str] = (),
        screening_presupposes: Iterable[str] = (),
        improvement: Iterable[str] = (),
    ) -> None:
        # a short form -> the word it stands for ("fx" -> "fracture"); one written with
        # full stops ("Z.n.": "zustand nach") is read so before the text is cut into
        # clauses, with or without a space after each stop ("Z. n.")
        self._short = {fold(k): fold(v) for k, v in (short_words or {}).items() if "." not in k}
        # (its letters -> the words it stands for)
        self._dotted = {
            "".join(_WORD.findall(fold(k))): fold(v)
            for k, v in (short_words or {}).items()
            if "." in k
        }
        dotted_forms = [_WORD.findall(fold(k)) for k in short_words or {} if "." in k]
        dots = (r"\.\s?".join(map(re.escape, letters)) for letters in dotted_forms)
        self._dotted_re = (
            re.compile("|".join(rf"(?<![\w.]){form}(?:\.|(?!\w))" for form in dots))
            if self._dotted
            else None
        )
        # a term -> the beginnings of words that look like its forms but are not
        self._not_forms = {
            fold(term): tuple(fold(start) for start in starts)
            for term, starts in (not_forms or {}).items()
        }
        # a synonym's entry: its words, concept, set, and whether it holds a gap
        self._by_first: dict[str, list[_Entry]] = defaultdict(list)
        self._stems: dict[str, list[_Entry]] = defaultdict(list)
        for concept, group, phrase in synonyms:
            # a synonym written with a short form ("bone mets") is read as the text is
            tokens = tuple(self._short.get(t, t) for t in _tokens(phrase))
            if not tokens:
                continue
            gapped = GAP in tokens
            for form in dict.fromkeys((tokens, _without_umlauts(tokens))):
                entry = (form, concept, group, gapped)
                self._by_first[form[0]].append(entry)
                if len(form[0]) >= STEM_FROM:
                    self._stems[form[0][:3]].append(entry)
        # a head -> what the end of a longer word starts with to be it: the head, less a
        # final vowel that an ending replaces ("саркома": "саркомы", "carcinoma":
        # "carcinomas"; never a shorter stem: "myelo" is also "myelopathy")
        self._heads = tuple(
            (head, head[:-1] if head[-1] in _VOWELS else head)
            for head in dict.fromkeys(fold(h) for h in compound_heads)
            if len(head) >= STEM_FROM
        )
        self._not_compounds = tuple(fold(w) for w in not_compounds)
        self._cache: dict[str, list[Mention]] = {}
        self._candidates_of: dict[tuple[str, str], tuple[_Entry, ...]] = {}
        self._vocabulary = frozenset(
            w
            for forms in self._by_first.values()
            for tokens, *_ in forms
            for token in tokens
            for w in re.split(r"[-']", token)
            if token != GAP
        )
        self.cues = Cues(
            negation=_phrases(negation),
            history=_phrases(history),
            family=_phrases(family),
            negation_after=_phrases(negation_after),
            history_after=_phrases(history_after),
            scope_end=_phrases(scope_end),
            pseudo=_phrases(pseudo),
            family_end=_phrases(family_end),
            change=_phrases(change),
            history_end=_phrases(history_end),
            negation_end=_phrases(negation_end),
            companion=_phrases(companion),
            recent=_phrases(recent),
            ended=_phrases(ended),
            negation_narrow=_phrases(negation_narrow),
            relative_has=_phrases(relative_has),
        )
        self.history_of = dict(history_of or {})
        # a synonym's gap never holds a word that ends a cue's scope ("but", "despite");
        # the first word of a longer such phrase ("in" of "in setting of") may be any word
        self._gap_stops = frozenset(p[0] for p in self.cues.scope_end if len(p) == 1)
        # the gap of a phrase that names nothing may hold "with" ("lost 10 kg with Ozempic")
        self._unnamed_stops = self._gap_stops - _WITH
        # words that hold a synonym but name no concept ("benign * neoplasm"), unless the
        # clause doubts or denies something: then what they hold is read, to confirm
        self._not_named = tuple(t for t in map(_tokens, not_named) if t)
        self._doubt = _phrases(doubt)
        self._doubts = (
            *self.cues.negation,
            *self.cues.negation_after,
            *self.cues.pseudo,
            *self._doubt,
        )
        self._screenings, self._screening_end = _screening_words(self.cues.negation_narrow)
        # what a screening programme looks for, named beside a word naming a screening
        # ("DVT screening"), never what it presupposes ("First trimester screening"); a
        # screening's result that names what it looked for ("DVT screening confirmed")
        self._screened_for, self._found = frozenset(screened_for), _phrases(found)
        # words of a finding a screening is never for, but follows or presupposes
        # ("Metastases screening", "Thrombophilia screen"): named, to confirm
        self._presupposed = tuple(w for p in _phrases(screening_presupposes) for w in p)
        # a result's word that gives no result but an improvement ("положительная
        # динамика", "positive trend"): blanked before a result or a doubt is looked for
        self._improvement = _phrases(improvement)
        self._cue_clauses_before = frozenset(self.cues.family)
        self._relative_headings = frozenset(_phrases(relative_heading))
        # a relative named as a heading is read as the first one-word family cue
        self._relative = next((p[0] for p in self.cues.family if len(p) == 1), "")
        self._cue_clauses_after = frozenset((*self.cues.negation_after, *self.cues.history_after))
        self._qualifiers = frozenset(_phrases(qualifiers_after))
        self._between = frozenset(w for p in _phrases(change_between) for w in p)
        self._denials = frozenset(self.cues.negation)
        self._read_abbreviations(abbreviations, not_abbreviation_before, not_abbreviation_beside)

    def _read_abbreviations(
        self,
        abbreviations: Iterable[tuple[str, str | None, str]],
        not_abbreviation_before: Iterable[str],
        not_abbreviation_beside: Mapping[str, Iterable[str]] | None,
    ) -> None:
        # Abbreviations are found in the text as written (case, dots), whole words, and
        # stand in the folded text as a token of their own (four letters: never a stem).
        self._abbreviations: dict[str, str] = {}  # as written -> token
        self._written: dict[str, str] = {}  # token -> as written
        for concept, group, written in abbreviations:
            if written in self._abbreviations:
                continue
            n = len(self._abbreviations)
            token = f"qx{chr(97 + n // 26 % 26)}{chr(97 + n % 26)}"
            self._abbreviations[written] = token
            self._written[token] = written
            self._by_first[token].append(((token,), concept, group, False))
        self._abbreviation_re: re.Pattern[str] | None = None
        if self._abbreviations:
            written_forms = sorted(self._abbreviations, key=len, reverse=True)
            alternatives = "|".join(re.escape(w) for w in written_forms)
            blocked = "|".join(re.escape(w) for w in not_abbreviation_before)
            # right after it, or after a colon or a dash ("PE: normal", "P.E. - WNL")
            after = rf"(?!\s*(?:[:\-\u2013]\s*)?(?i:{blocked})\b)" if blocked else ""
            # never joined to a word by a hyphen: "MDS-UPDRS" (a Parkinson's scale) and
            # "Anti-GBM" (a kidney disease) are not the abbreviations
            self._abbreviation_re = re.compile(rf"(?<![\w.-])(?:{alternatives})(?![\w]|-\w){after}")
        # an abbreviation that means something else where these words stand in its
        # sentence ("TEP" of a hernia repair or a PET scan): as written -> their pattern
        self._beside: dict[str, re.Pattern[str]] = {
            written: re.compile(
                r"(?<![^\W_])(?:"
                + "|".join(re.escape(w) for w in map(fold, beside))
                + r")(?![^\W_])"
            )
            for written, beside in (not_abbreviation_beside or {}).items()
            if beside
        }

    @staticmethod
    def first_word(phrase: str) -> str | None:
        """A synonym's first word as the matcher keeps it (None for a phrase of none)."""
        tokens = _tokens(phrase)
        return tokens[0] if tokens else None

    def _candidates(self, word: str, after: str = "") -> tuple[_Entry, ...]:
        """The synonyms that may start at ``word``: those it starts as written, and those
        whose first word it is with another ending (:func:`_same_word`), unless the KB
        knows it as another word (``not_forms``: "myelopathy" is no "myeloma"), written
        whole, with a hyphen or a space inside it ("Тромбо АСС", "Thrombo-ASS": ``after``
        is the word that follows). Kept per word and next word (texts repeat their
        words), up to :data:`CACHE_SIZE` of them."""
        key = (word, after)
        kept = self._candidates_of.get(key)
        if kept is None:
            if len(self._candidates_of) >= CACHE_SIZE:
                self._candidates_of.clear()
            kept = self._candidates_of[key] = tuple(self._candidates_found(word, after))
        return kept

    def _candidates_found(self, word: str, after: str) -> list[_Entry]:
        found = list(self._by_first.get(word, ()))
        joined = word.replace("-", "")
        for entry in self._stems.get(word[:3], ()):
            known = entry[0][0]
            if known == word or not _same_word(word, known):
                continue
            other = self._not_forms.get(known, ())
            if not (joined.startswith(other) or (joined + after).startswith(other)):
                found.append(entry)
        return found

    def find(self, text: str | None) -> list[Mention]:
        """The concepts the text names as the patient's current condition or drug.

        Answers are kept per text (records repeat the same displays and texts), up to
        :data:`CACHE_SIZE` texts.
        """
        if not text:
            return []
        text = text[:TEXT_CHARS]
        found = self._cache.get(text)
        if found is None:
            found = self._find(text)
            joined = _wrapped_joined(text) if "\n" in text else text
            if joined != text:
                # a line broken inside a phrase, as dictation and HL7 v2 wrap it ("new
                # saddle\nanaesthesia"): read joined too, and keep what either reading
                # finds (a line is also a clause of its own: "No fever\nsaddle anaesthesia")
                kept = {(m.concept, m.set) for m in found}
                found = found + [m for m in self._find(joined) if (m.concept, m.set) not in kept]
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[text] = found
        return list(found)

    def only_names(self, text: str) -> bool:
        """Whether the text names one of the synonyms and nothing else: each of its words
        is a word of a synonym (in any form) or a number ("lumbar spine", "L4-L5",
        "поясничный отдел"; never "lumbar spine OA")."""
        said = [w for word in words(text) for w in re.split(r"[-']", word)]
        if not said or not self.find(text):
            return False
        known = self._vocabulary
        return all(w.isdigit() or w in known or any(_same_word(w, k) for k in known) for w in said)

    def at_sites(self, text: str | None, place: TextMatcher) -> list[tuple[Mention, str]]:
        """What each clause of a text names when the clause after it, after a comma, is
        only a site (``place``:  :meth:`only_names`), with that site's words: an inverted
        diagnosis ("Osteomyelitis, lumbar spine", "Перелом, L1") names its site as a
        record's ``bodySite`` does. Only the clause just before the site: in "Hip fracture,
        low back pain, L1" the fracture is the hip's."""
        if not text:
            return []
        parts = _CLAUSE_KEPT.split(text)
        out: list[tuple[Mention, str]] = []
        for i in range(0, len(parts) - 2, 2):
            site = parts[i + 2]
            if parts[i + 1].startswith(",") and place.only_names(site):
                out.extend((mention, " ".join(words(site))) for mention in self.find(parts[i]))
        return out

    def _cued(
        self,
        clause: list[str],
        start: int,
        n: int,
        before: Phrases,
        after: Phrases,
        change: Phrases = (),
        ends_before: Phrases = (),
    ) -> bool:
        """Does a cue change the words ``clause[start:start + n]``: one of ``before`` ahead
        of them, or one of ``after`` behind them, with no scope-ending word between? A cue
        behind them that begins in the scope is read whole, though its last word ends
        scopes ("Задержка мочи: не отмечает": "отмечает" ends a scope, "не отмечает"
        denies what is before it). Words governed by a word of ``change`` (a negation's:
        "progression"; see :meth:`_changed`) are changed by no cue: the change is denied,
        not the finding ("No progression of the metastases", "Данных за прогрессирование
        метастазов нет"). ``ends_before``: more words that end the scope of a cue before
        the words (a history cue's: "now", "new")."""
        if change and self._changed(clause, start, change):
            return False
        lo, hi = _scope(clause, start, n, self.cues.scope_end)
        if ends_before:
            lo = max(lo, _scope(clause, start, n, ends_before)[0])
        ahead = clause[lo:start]
        # a cue is looked for only where its first word stands (the words are few, the
        # cues many)
        words_ahead = set(ahead)
        if any(cue[0] in words_ahead and _contains(ahead, cue) for cue in before):
            return True
        words_behind = set(clause[start + n : hi])
        return any(
            cue[0] in words_behind and _contains(clause[start + n : hi + len(cue) - 1], cue)
            for cue in after
        )

    def _past(self, clause: list[str], start: int, n: int, gap: list[str]) -> bool:
        """Whether a history cue puts the words ``clause[start:start + n]`` (or their gap's
        words) in the past, where no ``recent`` word dates them within the last weeks."""
        cues = self.cues
        return (
            self._cued(
                clause, start, n, cues.history, cues.history_after, ends_before=cues.history_end
            )
            or bool(gap and _any_cue(gap, cues.history, cues.history_after))
        ) and not self._recent(clause, start, n)

    def _recent(self, clause: list[str], start: int, n: int) -> bool:
        """Whether the words ``clause[start:start + n]`` are dated within the last days
        or weeks ("s/p L1 fracture last week", "Z.n. LWK-1-Fraktur vor 2 Wochen"): what a
        history cue names then is not past."""
        recent = self.cues.recent
        if not recent:
            return False
        lo, hi = _scope(clause, start, n, self.cues.scope_end)
        return _any_cue(clause[lo:hi], recent)

    def _said_already(
        self,
        out: Mapping[tuple[str, str | None], Mention],
        concept: str,
        group: str | None,
        places: int,
    ) -> bool:
        """Whether one more mention of ``concept`` (its ``places``-th in the clause) could
        add nothing to ``out``: the concept is found and so is its history (where it has
        one); past :data:`REPEATS_CAP` places, the concept found is enough."""
        if (concept, group) not in out:
            return False
        past = self.history_of.get(concept)
        return past is None or (past, None) in out or places > REPEATS_CAP

    def _changed(self, clause: list[str], start: int, change: Phrases) -> bool:
        """Whether a word of ``change`` stands just before ``clause[start]``, with only
        ``change_between`` words ("of the", "der", "размеров") or a vertebral level between
        ("No increase in size of the L3 vertebral metastasis"): it names the finding's
        change. Another word between ("Denies worsening back pain or urinary retention")
        leaves the finding to the cues."""
        last = _by_last(change)
        at = start
        while True:  # back over the words of findings, however many (a window's at most)
            ending = last.get(clause[at - 1], ()) if at else ()
            if any(at >= len(p) and tuple(clause[at - len(p) : at]) == p for p in ending):
                return True
            if at == 0 or not self._of_finding(clause[at - 1]):
                return False
            at -= 1

    def _of_finding(self, word: str) -> bool:
        """A word that may stand between a word of change and its finding: a
        ``change_between`` word, a vertebral level, or a word of the KB's synonyms ("the
        vertebral" of "progression of the vertebral metastases", whose "metastases" alone
        names another concept), never a conjunction (what follows it is another finding)."""
        if word in _CONJUNCTIONS:
            return False
        return word in self._between or word in self._vocabulary or bool(_LEVEL.fullmatch(word))

    def _relatives(self, clause: list[str], start: int, n: int) -> bool:
        """Is the mention ``clause[start:start + n]`` a relative's: a family cue before or
        after it, with no ``family_end`` word between ("Mother had breast cancer and pt
        now has urinary retention": the retention is the patient's)?"""
        lo, hi = _scope(clause, start, n, self.cues.family_end)
        around = clause[lo:hi]
        return _any_cue(around, self.cues.family)

    def _clauses(self, folded: str) -> list[list[str]]:
        """The words of each clause of a text (a short form as the word it stands for:
        ``short_words``). A clause that is only a cue belongs to the
        clause it speaks of: a family cue to the next ("Mother: breast cancer"), a cue
        that follows its words to the one before ("Vertebral fracture, ruled out"); after a
        colon, to every item of the list before it ("Педикулез, чесотка: нет", "Fever,
        chills: no"). A qualifier alone after a comma (``qualifiers_after``) goes before the
        words of the clause it follows, as in an inverted title ("Angina, unstable")."""
        out: list[list[str]] = []
        carried: list[str] = []
        short = self._short
        if self._dotted_re is not None:
            folded = self._dotted_re.sub(
                lambda m: f" {self._dotted[''.join(_WORD.findall(m.group(0)))]} ", folded
            )
        parts = _CLAUSE_KEPT.split(_LEVEL_ORDINAL.sub(r"\1", folded))
        listed = 0  # where the clauses of a comma-separated list began
        ended = ""  # what ended the clause before
        denial: list[str] = []  # the cue of a denied list of findings going on
        for i in range(0, len(parts), 2):
            raw = parts[i]
            said = [_Expanded(short[w], w) if w in short else w for w in words(raw)]
            if said:
                if (
                    out
                    and ended.startswith((":", "?"))
                    and (tuple(said) in self._cue_clauses_after or tuple(said) in self._denials)
                ):
                    # "Педикулез, чесотка: нет", "Fever, chills: no", "Bladder control
                    # lost? no": the answer after the colon or the question is every
                    # listed item's (a cue that goes before its words, as "no", is put
                    # before each)
                    # (apart from them: "no" before "bladder control lost" is no "no bladder
                    # control")
                    before = tuple(said) not in self._cue_clauses_after
                    for k in range(listed, len(out)):
                        out[k] = [*said, "|", *out[k]] if before else out[k] + said
                elif out and self._joined(out, said, ended):
                    pass
                elif (
                    i + 1 < len(parts)
                    and parts[i + 1].startswith(":")
                    and (heading := self._heading(said))
                ):
                    carried += heading
                elif tuple(said) in self._cue_clauses_before:
                    carried += said
                elif denial and ended.startswith(",") and self._only_findings(said):
                    # "Denies saddle anaesthesia, urinary retention, leg weakness": a list
                    # of findings alone after a denied one is denied too
                    out.append(denial + said)
                else:
                    if ended.startswith((":", "?")):
                        listed = len(out)  # a list after a heading ("Жалобы: ...")
                    out.append(carried + said)
                    carried = []
                    denial = self._listed_denial(out[-1])
                    if ended.startswith(","):
                        self._deny_listed_before(out, listed)
                if out and out[-1][: len(denial)] != denial:
                    denial = []
            ended = parts[i + 1] if i + 1 < len(parts) else ""
            if not ended.startswith((",", ":", "?")):
                listed = len(out)
        if carried:
            out.append(carried)
        return out

    def _heading(self, said: list[str]) -> list[str]:
        """What a clause before a colon says of the clause after it, or nothing: a vertebral
        level is the level of what follows ("L5-S1: central protrusion", "LWK 4/5:
        Prolaps"), as radiology reports write it; a relative (``relative_heading``: "Муж:
        рак", "Husband: cancer", "Mère : cancer du sein") is whose it is, read as a family
        cue, shown as written."""
        if _levels_only(said):
            return said
        if tuple(said) in self._relative_headings:
            return [_Expanded(self._relative, " ".join(said))]
        return []

    def _headed(self, clause: list[str]) -> list[str] | None:
        """The clause with each word that no synonym starts and that ends in a compound
        head (``compound_heads``: "osteosarcoma", "Mammakarzinoms") read as that head,
        shown as written; None where it holds no such word."""
        if not self._heads:
            return None
        out: list[str] | None = None
        for i, word in enumerate(clause):
            if len(word) <= STEM_FROM + 2 or self._candidates(word):
                continue
            for head, stem in self._heads:
                at = word.find(stem, 3)  # three letters at least before the head
                end = word[at:]
                if at < 0 or len(end) > len(head) + 2:  # an ending of two letters at most
                    continue
                if end.startswith(self._not_forms.get(head, ())) or word.startswith(
                    self._not_compounds
                ):
                    continue  # a word the KB knows as another ("Pseudolymphom")
                out = out or list(clause)
                out[i] = _Expanded(head, getattr(word, "written", word))
                break
        return out

    def _joined(self, out: list[list[str]], said: list[str], ended: str) -> bool:
        """Whether a clause belongs to the one before it (``out[-1]``, then made one with
        it): a cue that follows its words ("Vertebral fracture, ruled out"), a qualifier
        alone after a comma ("Angina, unstable"), or more relatives after a comma listed
        with who came with the patient ("Accompanied by her mother, father for ...")."""
        said_ = tuple(said)
        if said_ in self._cue_clauses_after or (
            ended.strip()[:1] in _RESULT_AFTER and self._result(said)
        ):
            out[-1] = out[-1] + said
        elif not ended.startswith(","):
            return False
        elif said_ in self._qualifiers:
            out[-1] = said + out[-1]  # an inverted title ("Angina, unstable")
        elif self._companions_go_on(out[-1], said):
            out[-1] = out[-1] + said  # who came, not whose the finding is
        else:
            return False
        return True

    def _result(self, said: list[str]) -> bool:
        """Whether a clause is only a result that is positive, abnormal or in doubt ("positive",
        "FIT positive", "auffällig", "положительный"; KB ``doubt``), in a few words that name
        no finding and deny nothing: the result of what the clause before names ("Screened
        for DVT: positive", "Breast cancer screening (abnormal)")."""
        said = self._improved(said)
        return (
            0 < len(said) <= _RESULT_WORDS
            and _any_cue(said, self._doubt, self._found)
            and not _any_cue(said, self.cues.negation, self.cues.negation_after)
            and not self._matches(said)
        )

    def _improved(self, clause: list[str]) -> list[str]:
        """The clause with the words of an improvement blanked ("положительная динамика",
        "positive trend": KB ``improvement``): a result's word in them gives no result
        and doubts nothing."""
        return _masked(clause, self._improvement) if self._improvement else clause

    def _companions_go_on(self, before: list[str], said: list[str]) -> bool:
        """Whether a clause that begins with a relative goes on the list of who came with
        the patient that the clause before it ends with (a companion cue in its last few
        words) ("Accompanied by her mother,
        father for ...", "Brought in by husband, daughter with ...")."""
        if not said:
            return False
        cues = self.cues
        named = [p for p in _by_first(cues.family).get(said[0], ()) if tuple(said[: len(p)]) == p]
        if not named:
            return False
        # a relative who has what follows ("mother had breast cancer", "у матери рак")
        # begins a clause of its own: the relative's, not one more who came
        if any(
            tuple(said[len(p) : len(p) + len(has)]) == has or tuple(p[: len(has)]) == has
            for p in named
            for has in cues.relative_has
        ):
            return False
        # who came is named in the few words after the cue, up to the comma
        return any(
            len(before) - (start + n) <= COMPANION_WORDS
            for start, n in _starts(before, cues.companion)
        )

    def _only_findings(self, clause: list[str]) -> bool:
        """Whether a clause is only the names of findings (and words that join them:
        "urinary retention", "bowel or bladder incontinence")."""
        covered: set[int] = set()
        for start, n, *_ in self._matches(clause):
            covered.update(range(start, start + n))
        return bool(covered) and all(
            i in covered or word in _CONJUNCTIONS for i, word in enumerate(clause)
        )

    def _listed_denial(self, clause: list[str]) -> list[str]:
        """The negation cue a clause begins with when the names of findings alone follow
        it ("denies saddle anaesthesia", "no fever"): the start of a list that may go on
        after a comma with findings alone, denied too; else nothing ("No trauma, urinary
        retention", "No improvement, ...": what is denied is no finding)."""
        for cue in sorted(self.cues.negation, key=len, reverse=True):
            if tuple(clause[: len(cue)]) == cue:
                rest = clause[len(cue) :]
                if 0 < len(rest) <= _LISTED_WORDS and self._only_findings(rest):
                    return list(clause[: len(cue)])
                return []
        return []

    def _deny_listed_before(self, out: list[list[str]], listed: int) -> None:
        """A comma-separated list whose last item is a list of findings alone ending with a
        negation that follows its words ("Harnverhalt, Stuhlinkontinenz und
        Reithosenanästhesie werden verneint", "Онемения в промежности, недержания мочи и
        кала нет"): the items before it that are findings alone are denied too."""
        last = out[-1]
        cue = next(
            (
                c
                for c in sorted(self.cues.negation_after, key=len, reverse=True)
                if len(last) > len(c) and tuple(last[-len(c) :]) == c
            ),
            None,
        )
        if cue is None:
            return
        # only where the last item is itself a list of findings alone ("Stuhlinkontinenz
        # und Reithosenanästhesie werden verneint"): "Задержка мочи, других жалоб нет",
        # "Compression fracture L1, fever denied" name the first finding as present
        named = last[: -len(cue)]
        if not any(w in _CONJUNCTIONS for w in named) or not self._only_findings(named):
            return
        for k in range(len(out) - 2, listed - 1, -1):
            if not self._only_findings(out[k]):
                break
            out[k] = out[k] + list(cue)

    def _matches(self, clause: list[str]) -> list[_Match]:
        """Each synonym found in a clause: its start, its length (with its gaps), its
        concept and set, its words and the places of the words its gaps hold."""
        matches: list[_Match] = []
        # a compound read as its head, word for word (the places stay the same)
        clause = self._headed(clause) or clause
        for start, word in enumerate(clause):
            after = clause[start + 1] if start + 1 < len(clause) else ""
            after = fold(self._written.get(after, after))  # an abbreviation as written
            for tokens, concept, group, gapped in self._candidates(word, after):
                if gapped:
                    span = _gapped_end(clause, start, tokens, self._gap_stops)
                    if span is not None:
                        end, inner = span
                        matches.append(
                            (start, end - start, concept, group, clause[start:end], inner)
                        )
                    continue
                n = len(tokens)
                if start + n > len(clause):
                    continue
                # the first word is the synonym's (a candidate's); the others are compared
                for k in range(1, n):
                    said, known = clause[start + k], tokens[k]
                    if said != known and not _same_word(said, known):
                        break
                else:
                    matches.append((start, n, concept, group, clause[start : start + n], ()))
        return matches

    def _doubted(self, clause: list[str], text: str) -> bool:
        """Whether a clause denies or doubts something ("Benign tumour not confirmed",
        "Possibly benign tumour", a question mark in the text): then the words of a
        ``not_named`` phrase in it are read (a benign neoplasm doubted may be a cancer); a
        one-word negation just before such a phrase denies only it ("No bladder control
        problems": no cauda equina)."""
        if "?" in text:
            return True
        clause = self._improved(clause)
        unnamed = self._unnamed(clause)
        if unnamed is not clause:
            single = {p[0] for p in self.cues.negation if len(p) == 1}
            clause = [
                word
                for i, word in enumerate(clause)
                if not (word in single and unnamed[i] != "|" and unnamed[i + 1 : i + 2] == ["|"])
            ]
        return _any_cue(clause, self._doubts)

    def _unnamed(self, clause: list[str]) -> list[str]:
        """The clause with the words of the KB's ``not_named`` phrases blanked ("Benign
        lipomatous neoplasm": no cancer), or the clause itself where it holds none; a
        gap where a synonym begins is none ("benign and malignant neoplasms"); a gap may
        hold "with" ("Lost 10 kg with Ozempic")."""
        out: list[str] | None = None
        starts: set[int] | None = None
        for start, word in enumerate(clause):
            for tokens in self._not_named:
                if not _same_word(word, tokens[0]):
                    continue
                span = _gapped_end(clause, start, tokens, self._unnamed_stops)
                if span is None:
                    continue
                # a number is no synonym's word ("lost 5 kg on a diet"); a gap's other
                # words are looked at only where a synonym's word stands in it
                inner = [i for i in span[1] if not clause[i].isdigit()]
                if any(clause[i] in self._vocabulary for i in inner):
                    if starts is None:
                        starts = {found[0] for found in self._matches(clause)}
                    if starts.intersection(inner):
                        continue
                out = out or list(clause)
                out[start : span[0]] = ["|"] * (span[0] - start)
        return out or clause

    def _screened(self, clause: list[str], start: int, n: int, concept: str) -> bool:
        """Whether the words ``clause[start:start + n]`` name only what a screening looks
        for: after a ``negation_narrow`` cue ("Screening for breast cancer", up to an
        "and": "... and metastatic breast cancer" is the patient's), or next to a word that
        names a screening ("DVT screening", "скрининг рака") where the concept is what a
        screening programme looks for (``screened_for``: a cancer, a clot, osteoporosis;
        never a pregnancy, which a prenatal screening presupposes); unless the clause gives
        its result as positive, abnormal, in doubt or found (``doubt``, ``found``: "Screened
        for DVT: positive", "DVT screening (+)", "Krebsvorsorge: auffällig", "скрининг на
        рак: выявлен"), which names the finding, to confirm. A negative or normal result
        leaves it denied."""
        cues = self.cues
        if not cues.negation_narrow or self._presupposed_named(clause[start : start + n]):
            return False
        beside = concept in self._screened_for and (
            (start > 0 and clause[start - 1] in self._screenings)
            or (start + n < len(clause) and clause[start + n] in self._screenings)
        )
        if not beside and not self._cued(
            clause,
            start,
            n,
            cues.negation_narrow,
            (),
            cues.change,
            ends_before=(*cues.negation_end, *_AND),
        ):
            return False
        lo, hi = _scope(clause, start, n, cues.scope_end)
        said = self._improved(clause[lo:hi])
        # a found word may end the scope itself ("Скрининг рака выявлен"); "not found",
        # "патологии не выявлено": a found word denied is no result
        found = clause[lo : hi + 1]
        return not _any_cue(said, self._doubt) and not (
            _any_cue(found, self._found) and not _any_cue(found, cues.negation, cues.negation_after)
        )

    def _presupposed_named(self, named: list[str]) -> bool:
        """Whether the words of a mention name what no screening looks for in the well,
        but a test follows or presupposes (``screening_presupposes``: a metastasis, whose
        cancer is there; a thrombophilia): beside a screening word they are named."""
        return any(_same_word(w, known) for w in named for known in self._presupposed)

    def _screening_split(self, clause: list[str]) -> list[str]:
        """The clause with a word that ends in a word naming a screening read as two
        words ("darmkrebsvorsorge": "darmkrebs vorsorge"), or the clause itself."""
        if self._screening_end is None:
            return clause
        out: list[str] = []
        for word in clause:
            found = self._screening_end.match(word) if len(word) > SCREENING_END + 3 else None
            out.extend(found.groups() if found else (word,))
        return out if len(out) > len(clause) else clause

    def _signs_read(self, text: str) -> str:
        """The text with an abbreviation written out, a "#" before a level as "fracture" and
        a positive sign ("(+)", "+ve") as "positive", a temperature as its degrees Celsius
        ("T 101.2F": "T 38 4")."""
        if self._abbreviation_re is not None:
            text = self._abbreviation_re.sub(self._abbreviation_read, text)
        text = _NUMBER_UNIT.sub(r"\1 \2", text)
        if "MET" in text:
            text = _EXERCISE_METS.sub(_exercise_read, text)
        if "#" in text:
            text = _HASH_BEFORE.sub(" fracture ", text)
        if "+" in text:
            text = _PLUS_SIGN.sub(" positive ", text)
        text = _NO_TEMPERATURE.sub(_temperature_unread, text)
        return _TEMPERATURE.sub(_temperature_read, text)

    def _abbreviation_read(self, found: re.Match[str]) -> str:
        """An abbreviation as its token, unless its sentence holds words that give it
        another meaning (``not_abbreviation_beside``: "TEP" beside a hernia repair is a
        total extraperitoneal repair, beside FDG a PET scan; alone it is a pulmonary
        embolism, to confirm)."""
        written = found.group(0)
        beside = self._beside.get(written)
        if beside is not None:
            text = found.string
            start = max(text.rfind(stop, 0, found.start()) for stop in ".;!?\n") + 1
            end = _SENTENCE_END.search(text, found.end())
            if beside.search(fold(text[start : end.start() if end else len(text)])):
                return written
        return f" {self._abbreviations[written]} "

    def _find(self, text: str) -> list[Mention]:
        out: dict[tuple[str, str | None], Mention] = {}
        cues = self.cues
        text = self._signs_read(text)
        for whole in self._clauses(fold(text)):
            for clause in (
                form for said in _windows(whole) for form in _forms(self._screening_split(said))
            ):
                matches = self._matches(clause)
                if matches and self._not_named and not self._doubted(clause, text):
                    unnamed = self._unnamed(clause)
                    if unnamed is not clause:
                        clause, matches = unnamed, self._matches(unnamed)
                if not matches:
                    continue  # the cues are looked at only where a synonym was found
                # "accompanied by her mother", "brought in by daughter": no family cue
                clause = _masked(_companions_masked(clause, cues), cues.pseudo)
                relatives = _any_cue(clause, cues.family)
                seen: dict[tuple[str, str | None, tuple[str, ...]], set[int]] = {}
                for start, n, concept, group, window, inner in matches:
                    # the same words named again and again in one clause are read no more
                    # after the first few places once nothing they may say is left to find
                    # (words repeated on purpose cost no more); one denied each time, or
                    # one that may yet be a history, is read each time
                    places = seen.setdefault(
                        (concept, group, tuple(clause[start : start + n])), set()
                    )
                    places.add(start)
                    if len(places) > REPEATS_READ and self._said_already(
                        out, concept, group, len(places)
                    ):
                        continue
                    if relatives and self._relatives(clause, start, n):
                        continue  # a relative's condition, whatever the words
                    # a cue outside the words of the synonym itself (or in its gap)
                    # changes the mention
                    gap = [clause[i] for i in inner]
                    denied = self._cued(
                        clause,
                        start,
                        n,
                        cues.negation,
                        cues.negation_after,
                        cues.change,
                        ends_before=cues.negation_end,
                    )
                    # "no longer on warfarin": denied in words, but over, as a history is
                    ended = denied and self._cued(clause, start, n, cues.ended, ())
                    # "screening for breast cancer and metastases": up to the "and"
                    denied = denied or self._screened(clause, start, n, concept)
                    if (denied and not ended) or (
                        gap
                        and _any_cue(gap, cues.negation, cues.negation_after, cues.negation_narrow)
                    ):
                        continue
                    if ended or self._past(clause, start, n, gap):
                        past = self.history_of.get(concept)
                        if past is None:
                            continue
                        concept, group = past, None
                    key = (concept, group)
                    shown = " ".join(self._written.get(w, getattr(w, "written", w)) for w in window)
                    previous = out.get(key)
                    if previous is None or len(previous.words) < len(shown):
                        out[key] = Mention(concept, group, shown)  # the longest
        return list(out.values())
