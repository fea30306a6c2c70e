"""Matching record codings against the KB's code sets.

ICD-10 (WHO and ICD-10-CM spellings are one family here) matches by prefix with the dot
removed, and ranges cover three-character categories; other systems match exactly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from spinecare.kb.schema import Code, Concept, ZoneMap

ICD10_FAMILY = frozenset({"icd10", "icd10cm"})

# Where each system name comes from in FHIR. The KB lists the canonical URIs in kb.yaml;
# these are the other spellings seen in real data.
SYSTEM_ALIASES: dict[str, str] = {
    "http://hl7.org/fhir/sid/icd-10": "icd10",
    "http://hl7.org/fhir/sid/icd-10-cm": "icd10cm",
    "urn:oid:2.16.840.1.113883.6.3": "icd10",
    "urn:oid:2.16.840.1.113883.6.90": "icd10cm",
    "http://snomed.info/sct": "snomed",
    "urn:oid:2.16.840.1.113883.6.96": "snomed",
    "http://loinc.org": "loinc",
    "urn:oid:2.16.840.1.113883.6.1": "loinc",
    "http://www.nlm.nih.gov/research/umls/rxnorm": "rxnorm",
    "urn:oid:2.16.840.1.113883.6.88": "rxnorm",
}


def system_name(uri: str | None, extra: dict[str, str] | None = None) -> str:
    """The KB's short name for a code system URI (the URI itself when unknown)."""
    if uri is None:
        return "unknown"
    if extra and uri in extra:
        return extra[uri]
    return SYSTEM_ALIASES.get(uri, SYSTEM_ALIASES.get(uri.rstrip("/"), uri))


def normalize_icd10(code: str) -> str:
    return code.replace(".", "").replace(" ", "").upper()


def icd10_categories(start: str, end: str) -> list[str]:
    """Every three-character category from ``start`` to ``end`` inclusive (C00..C97)."""
    start, end = normalize_icd10(start)[:3], normalize_icd10(end)[:3]
    out: list[str] = []
    for letter in range(ord(start[0]), ord(end[0]) + 1):
        lo = int(start[1:]) if chr(letter) == start[0] else 0
        hi = int(end[1:]) if chr(letter) == end[0] else 99
        out.extend(f"{chr(letter)}{n:02d}" for n in range(lo, hi + 1))
    return out


@dataclass(frozen=True, slots=True)
class Hit:
    """One KB code that a record coding matched."""

    concept: str
    set: str | None
    zone: str | None
    code: Code


class CodeIndex:
    """All concept codes, ready for fast lookups (one dict probe per prefix length)."""

    def __init__(self, concepts: list[Concept], zone_map: ZoneMap) -> None:
        self.exact: dict[tuple[str, str], list[Hit]] = defaultdict(list)
        self.icd10: dict[str, list[Hit]] = defaultdict(list)
        for concept in concepts:
            for code in concept.codes:
                hit = Hit(concept.id, code.set, code.zone, code)
                if code.system in ICD10_FAMILY:
                    if code.to:
                        for category in icd10_categories(code.code, code.to):
                            self.icd10[category].append(hit)
                    else:
                        self.icd10[normalize_icd10(code.code)].append(hit)
                else:
                    self.exact[(code.system, code.code)].append(hit)
        self.spine_categories = frozenset(
            icd10_categories(zone_map.categories_from, zone_map.categories_to)
        )
        self.site_character = zone_map.site_character

    def lookup(self, system: str, code: str) -> list[Hit]:
        if system in ICD10_FAMILY:
            norm = normalize_icd10(code)
            hits: list[Hit] = []
            for length in range(3, len(norm) + 1):
                hits.extend(self.icd10.get(norm[:length], ()))
            return hits
        return self.exact.get((system, code), [])

    def icd10_zone(self, code: str) -> str | None:
        """The zone an ICD-10 spine code names in its site character.

        WHO ICD-10 puts the site in the fifth character (M42.16, lumbar); ICD-10-CM's
        longer codes put it last (M47.816), so the last character is read.
        """
        norm = normalize_icd10(code)
        if norm[:3] in self.spine_categories and len(norm) >= 5:
            return self.site_character.get(norm[-1])
        return None
