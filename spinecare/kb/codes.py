"""Matching record codings against the KB's code sets.

ICD-10 (WHO, ICD-10-CM and every national edition are one family here) matches by prefix
with the dot removed, in any case, and ranges cover three-character categories (ICD-10-CM's
categories with a letter in the third place among them, see :func:`icd10_decades`); ATC
matches by prefix too (``B01A`` covers every antithrombotic agent); other systems match
exactly, a SNOMED CT expression by its focus concepts (:func:`snomed_expression`). A coding
in no system or an unknown one is matched by the shape of its code
(:meth:`CodeIndex.lookup_unplaced`): its hits are uncertain, to be confirmed. A coding in a
code system known not to be one of the KB's (Read codes, ICPC, ICD-9-CM, ICD-10-PCS,
HCPCS) is never matched by shape: its codes look like ICD-10 codes and name other things.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from spinecare.kb.schema import Code, Concept, Terminology, ZoneMap

ICD10_FAMILY = frozenset({"icd10", "icd10cm"})
# Systems whose codes are read by their beginning: an ATC group holds its substances, an
# OPS or ICD-10-PCS code begins with the code of its group ("5-831.0" is a "5-831").
PREFIX_SYSTEMS = frozenset({"atc", "ops", "icd10pcs"})
KNOWN_SYSTEMS = frozenset(
    {"icd10", "icd10cm", "snomed", "loinc", "rxnorm", "atc", "ndc", "cpt", "ops", "icd10pcs"}
)
# The shape of an ICD-10 code (any edition, with or without the dot, CM extensions).
ICD10_SHAPE = re.compile(r"[A-Z]\d[0-9A-Z](?:\.?[0-9A-Z]{1,4})?")
# The shape of an ATC code of the chemical subgroup or substance level (B01AF, B01AF02):
# no ICD-10 code has letters in its fourth and fifth places.
ATC_SHAPE = re.compile(r"[A-Z]\d{2}[A-Z]{2}(?:\d{2})?")
# RxNorm names (technical documentation, term types): a branded drug (SBD) is named as its
# clinical drug (SCD) followed by " [Brand]", a branded pack (BPCK) as its generic pack
# (GPCK) with each component and the pack followed by their brand; a pack's components
# stand in parentheses.
_RXNORM_BRAND = re.compile(r"\s*\[[^\[\]]*\]")
_RXNORM_COMPONENT = re.compile(r"\(([^()]*)\)")

# Where each system name comes from in FHIR. The KB lists the canonical URIs in kb.yaml;
# these are the other spellings seen in real data. Every national edition of ICD-10
# shares the WHO categories (its codes extend them), so each is read as ICD-10: the
# Russian MKB-10 register (NSI 1.2.643.5.1.13.13.11.1005), ICD-10-GM (Germany), ICD-10-AM
# (Australia), ICD-10-CA (Canada), ICD-10-NL and ICD-10-SE spellings seen in FHIR profiles.
SYSTEM_ALIASES: dict[str, str] = {
    "http://hl7.org/fhir/sid/icd-10": "icd10",
    "http://hl7.org/fhir/sid/icd-10-cm": "icd10cm",
    "urn:oid:2.16.840.1.113883.6.3": "icd10",
    "urn:oid:2.16.840.1.113883.6.90": "icd10cm",
    "urn:oid:1.2.643.5.1.13.13.11.1005": "icd10",
    "urn:oid:1.2.643.5.1.13.2.1.1.641": "icd10",
    "https://nsi.rosminzdrav.ru/dictionaries/1.2.643.5.1.13.13.11.1005": "icd10",
    "http://fhir.de/CodeSystem/bfarm/icd-10-gm": "icd10",
    "http://fhir.de/CodeSystem/dimdi/icd-10-gm": "icd10",
    "http://hl7.org/fhir/sid/icd-10-gm": "icd10",
    "urn:oid:1.2.276.0.76.5.409": "icd10",
    "http://hl7.org/fhir/sid/icd-10-am": "icd10",
    "http://hl7.org.au/fhir/sid/icd-10-am": "icd10",
    "urn:oid:2.16.840.1.113883.6.135": "icd10",
    "http://hl7.org/fhir/sid/icd-10-ca": "icd10",
    "https://fhir.infoway-inforoute.ca/CodeSystem/icd10ca": "icd10",
    "urn:oid:2.16.840.1.113883.11.19436": "icd10",
    "http://hl7.org/fhir/sid/icd-10-nl": "icd10",
    "http://hl7.org/fhir/sid/icd-10-se": "icd10",
    "http://id.who.int/icd/release/10": "icd10",
    # the Nordic registers' OIDs: ICD-10-SE (Socialstyrelsen), the Norwegian ICD-10 (Volven
    # 7110; 7170 is ICPC-2), the Finnish ICD-10 (THL, and its 1999 edition)
    "urn:oid:1.2.752.116.1.1.1.1.3": "icd10",
    "https://www.icd10.se": "icd10",
    "urn:oid:2.16.578.1.12.4.1.1.7110": "icd10",
    "urn:oid:1.2.246.537.6.1": "icd10",
    "urn:oid:1.2.246.537.6.1.1999": "icd10",
    # the Danish SKS (whole, and its D hierarchy): a diagnosis is "D" and the ICD-10 code
    # ("DM511" is M51.1, :func:`prefixed_code`); its other hierarchies are not the KB's
    "urn:oid:1.2.208.176.2.4": "sks",
    "urn:oid:1.2.208.176.2.4.12": "sks",
    "http://www.whocc.no/atc": "atc",
    "urn:oid:2.16.840.1.113883.6.73": "atc",
    # the German ATC with DDD (BfArM, formerly DIMDI): the WHO codes, with national ones
    "http://fhir.de/CodeSystem/bfarm/atc": "atc",
    "http://fhir.de/CodeSystem/dimdi/atc": "atc",
    "http://hl7.org/fhir/sid/ndc": "ndc",
    "urn:oid:2.16.840.1.113883.6.69": "ndc",
    "http://snomed.info/sct": "snomed",
    "http://snomed.info/id": "snomed",
    "urn:oid:2.16.840.1.113883.6.96": "snomed",
    "http://loinc.org": "loinc",
    "urn:oid:2.16.840.1.113883.6.1": "loinc",
    "http://www.nlm.nih.gov/research/umls/rxnorm": "rxnorm",
    "urn:oid:2.16.840.1.113883.6.88": "rxnorm",
    # procedures: CPT (AMA; HL7 THO), the German OPS (BfArM, formerly DIMDI), ICD-10-PCS
    "http://www.ama-assn.org/go/cpt": "cpt",
    "urn:oid:2.16.840.1.113883.6.12": "cpt",
    "http://fhir.de/CodeSystem/bfarm/ops": "ops",
    "http://fhir.de/CodeSystem/dimdi/ops": "ops",
    "http://www.cms.gov/Medicare/Coding/ICD10": "icd10pcs",
    "http://hl7.org/fhir/sid/icd-10-pcs": "icd10pcs",
    "urn:oid:2.16.840.1.113883.6.4": "icd10pcs",
}


def _folded_uri(uri: str) -> str:
    """A URI without case, a trailing slash, the difference of http and https or a "www."
    before the host ("http://nlm.nih.gov/research/umls/rxnorm" is RxNorm's)."""
    folded = uri.strip().casefold().rstrip("/")
    if folded.startswith("https://"):
        folded = "http://" + folded[8:]
    return "http://" + folded[11:] if folded.startswith("http://www.") else folded


_FOLDED_ALIASES = {_folded_uri(uri): name for uri, name in SYSTEM_ALIASES.items()}

# Code systems that are not the KB's but whose codes have the shape of ICD-10 codes
# (a letter and two digits, or a letter, a digit and a letter): Read v2 "B34.." is a breast
# cancer, not ICD-10 B34 (a viral infection); ICPC-2 "K77" is heart failure, not ICD-10
# K77; ICD-9-CM "V10.3" is a history of breast cancer; ICD-10-PCS "B030ZZZ" is an imaging
# procedure and HCPCS "J1644" a heparin injection. A coding in one of them is never read
# by its shape (:meth:`CodeIndex.lookup_unplaced`); its words are read instead. The URIs
# are those of the HL7 terminology (THO) and FHIR's code system list, and spellings real
# exports use (CMS Blue Button's HCPCS); the OIDs of Read v2 and CTV3 as the NHS writes them
# (2.16.840.1.113883.2.1.6.2, 2.16.840.1.113883.2.1.3.2.4.14) and HL7's (2.16.840.1.113883.6.29);
# ICPC-2 also under the Norwegian Volven OID (2.16.578.1.12.4.1.1.7170).
FOREIGN_SYSTEMS: dict[str, str] = {
    "http://read.info/readv2": "Read v2",
    "urn:oid:2.16.840.1.113883.6.29": "Read v2",
    "urn:oid:2.16.840.1.113883.2.1.6.2": "Read v2",
    "http://terminology.hl7.org/CodeSystem/rcV2": "Read v2",
    "http://read.info/ctv3": "CTV3",
    "urn:oid:2.16.840.1.113883.2.1.3.2.4.14": "CTV3",
    "http://hl7.org/fhir/sid/icpc-2": "ICPC-2",
    "urn:oid:2.16.840.1.113883.6.139": "ICPC-2",
    "urn:oid:2.16.578.1.12.4.1.1.7170": "ICPC-2",
    "http://hl7.org/fhir/sid/icpc-1": "ICPC-1",
    "http://hl7.org/fhir/sid/icpc-1-nl": "ICPC-1",
    "urn:oid:2.16.840.1.113883.6.138": "ICPC-1",
    "http://terminology.hl7.org/CodeSystem/icpc": "ICPC-1",
    "http://hl7.org/fhir/sid/icd-9-cm": "ICD-9-CM",
    "urn:oid:2.16.840.1.113883.6.103": "ICD-9-CM",
    "urn:oid:2.16.840.1.113883.6.104": "ICD-9-CM",
    # ICD-10-PCS is also a KB system (spine operations, read by their group): its codes are
    # never read as ICD-10 look-alikes
    "http://www.cms.gov/Medicare/Coding/ICD10": "ICD-10-PCS",
    "http://hl7.org/fhir/sid/icd-10-pcs": "ICD-10-PCS",
    "urn:oid:2.16.840.1.113883.6.4": "ICD-10-PCS",
    "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets": "HCPCS",
    "https://bluebutton.cms.gov/resources/codesystem/hcpcs": "HCPCS",
    "urn:oid:2.16.840.1.113883.6.285": "HCPCS",
}
_FOLDED_FOREIGN = frozenset(_folded_uri(uri) for uri in FOREIGN_SYSTEMS)
_FOLDED_HCPCS = frozenset(_folded_uri(u) for u, name in FOREIGN_SYSTEMS.items() if name == "HCPCS")
# HCPCS Level I is CPT (CMS): a code of five digits, or four and the F, T or U of CPT's
# Category II and III and laboratory codes, written under HCPCS (as CMS Blue Button writes
# every line of a claim) is the CPT code; Level II codes begin with a letter (J1644). A
# CPT code may carry modifiers (two characters each) after a dash or a space, as claims
# write them: "63030-LT", "63030 59", "22612-59-RT".
_CPT_MODIFIED = re.compile(r"\s*(\d{4}[0-9FTU])(?:[-\s]+[0-9A-Z]{2})*\s*")


def _cpt_code(code: str) -> str | None:
    """A CPT code without the modifiers written after it; None for a code of no CPT shape."""
    if not code.isascii():  # full-width digits: as ASCII ones
        code = unicodedata.normalize("NFKC", code)
    found = _CPT_MODIFIED.fullmatch(code.upper())
    return found.group(1) if found else None


def cpt_of_hcpcs(system: str, code: str) -> bool:
    """Whether ``code`` filed under ``system`` is a CPT code written as HCPCS Level I (its
    modifiers aside)."""
    if _cpt_code(code) is None:
        return False
    folded = _folded_uri(system)
    return folded in _FOLDED_HCPCS or _oid_uri(folded) in _FOLDED_HCPCS


# The version a system URI may carry: "http://snomed.info/sct/900000000000207008/version/
# 20240101" (a SNOMED CT edition and release, as SNOMED's URI standard writes them), a
# canonical's "|2.77", or a query ("http://snomed.info/sct?version=...").
_URI_VERSION = re.compile(r"(?:\|[^|/]*|/version/[^/]*|/\d[\d.\-]*|\?[^?]*)$")


def _unversioned(folded: str) -> str | None:
    """The known system a folded URI names once its edition and version are taken off."""
    while True:
        shorter = _URI_VERSION.sub("", folded)
        if shorter == folded:
            return None
        folded = shorter.rstrip("/")
        found = _FOLDED_ALIASES.get(folded)
        if found is not None:
            return found


# An OID as a whole part of a URI: the URI itself ("1.2.643.5.1.13.13.11.1005", as CDA and
# HL7 v2 converters write a system), or one segment of a register's page for it (the Russian
# NSI register's "https://nsi.rosminzdrav.ru/dictionaries/1.2.643.5.1.13.13.11.1005/passport/
# latest" and "https://nsi.rosminzdrav.ru/#!/refbook/1.2.643.5.1.13.13.11.1005"). An OID
# names one code system wherever it is written (ISO/IEC 9834-1), so such a URI names the
# system its "urn:oid:" form names; a longer OID ("...1005.2") is another one.
_OID_SEGMENT = re.compile(r"(?:^|[/:#!=])([0-2](?:\.(?:0|[1-9]\d*)){3,})(?=$|[/?#|])")


def _oid_uri(folded: str) -> str | None:
    """The "urn:oid:" form of the OID a folded URI names as one of its parts, if any."""
    if folded.startswith("urn:oid:"):
        return None
    for match in _OID_SEGMENT.finditer(folded):
        uri = "urn:oid:" + match.group(1)
        if uri in _FOLDED_ALIASES or uri in _FOLDED_FOREIGN:
            return uri
    return None


def system_name(uri: str | None, extra: dict[str, str] | None = None) -> str:
    """The KB's short name for a code system URI (the URI itself when unknown).

    URIs are compared as written first, then without case, a trailing slash and the
    difference of ``http`` and ``https`` (real records write ``HTTP://SNOMED.INFO/SCT/`` and
    ``https://snomed.info/sct`` too), then without the edition or version they carry
    (``http://snomed.info/sct/32506021000036107``, the Australian edition;
    ``http://loinc.org|2.77``), then by the OID they are or hold as a whole part
    (:data:`_OID_SEGMENT`). No system at all is ``unknown``.
    """
    if uri is None or not uri.strip():
        return "unknown"
    if extra and uri in extra:
        return extra[uri]
    found = SYSTEM_ALIASES.get(uri)
    if found is None:
        folded = _folded_uri(uri)
        found = _FOLDED_ALIASES.get(folded) or _unversioned(folded) or _SYSTEM_NAMES.get(folded)
        if found is None:
            oid = _oid_uri(folded)
            found = _FOLDED_ALIASES.get(oid) if oid else _named_icd10(folded)
    return found or uri


# A system whose address names ICD-10 and no KB system gives it ("https://smt.esante.gouv.fr/
# terminologie-cim-10", "http://hl7.org/fhir/sid/icd-10-be", "http://example.org/mkb-10"):
# a national edition of ICD-10, whose codes extend the WHO categories (as SYSTEM_ALIASES'
# editions), read as ICD-10; one naming ICD-10-CM as ICD-10-CM. ICD-10-PCS names procedures
# (its known addresses are the KB's "icd10pcs"; any other is not read so).
_ICD10_NAMED = re.compile(r"(?<![a-z0-9])(?:icd|cim|mkb|мкб)[-_ ]?10(?![0-9])([-_ ]?cm(?![a-z]))?")


_NOT_ICD10_NAMED = re.compile(
    r"pcs|proc|icd[-_ ]?10[-_ ]?p(?![a-z])|(?:^|//)(?:[^/]*\.)?(?:loinc\.org|snomed\.info"
    r"|nlm\.nih\.gov|whocc\.no|ama-assn\.org|cms\.gov)(?:/|$)"
)
"""Addresses that name ICD-10 yet are no diagnosis edition: ICD-10-PCS and other procedure
lists ("icd10-procedures", "icd-10-p"), another KB system's host ("http://loinc.org/icd10"),
and CMS's pages, which publish ICD-10-CM and ICD-10-PCS alike."""


def _named_icd10(folded: str) -> str | None:
    found = _ICD10_NAMED.search(folded)
    if found is None or _NOT_ICD10_NAMED.search(folded):
        return None
    return "icd10cm" if found.group(1) else "icd10"


# A code written with its code system in front ("ICD10CM:C79.51", as i2b2 and OMOP exports
# write concept codes; "SCT:94222008", "SNOMED:94222008"), or in quotes ("'C79.5'").
_CODE_PREFIXES = {
    **dict.fromkeys(("icd10", "icd-10", "icd10gm", "icd-10-gm", "мкб10", "мкб-10"), "icd10"),
    **dict.fromkeys(("icd10cm", "icd-10-cm"), "icd10cm"),
    **dict.fromkeys(("sct", "sctid", "snomed", "snomedct", "snomed-ct", "snomed ct"), "snomed"),
    **dict.fromkeys(("rxnorm", "rxcui"), "rxnorm"),
    **dict.fromkeys(("loinc", "lnc"), "loinc"),
    "atc": "atc",
    "ndc": "ndc",
}
# A system written by its name instead of its URI ("ICD-10", "SNOMED CT"), as in front of a
# code, or by its HL7 v2 name (table 0396: I10, I10P, SCT, LN, C4).
_SYSTEM_NAMES = {
    **_CODE_PREFIXES,
    **{"i10": "icd10", "i10p": "icd10pcs", "ln": "loinc", "c4": "cpt"},
}
_PREFIXED = re.compile(r"\s*([^\W\d_][\w -]{1,11}?)\s*:\s*(\S.*)")
_QUOTES = "'\"«»“”‘’`"


def prefixed_code(system: str, code: str) -> tuple[str, str]:
    """The system and the code of a code written with its system in front or in quotes:
    the code without them, and the system the prefix names where the coding's own is
    missing or one the KB does not know (never a system known not to be the KB's). Any
    other code is given back as it is, at the cost of three character tests (the reader
    calls this for every coding it reads the first time)."""
    if code[:1] in _QUOTES or code[-1:] in _QUOTES:
        code = code.strip().strip(_QUOTES).strip()
    match = _PREFIXED.fullmatch(code) if ":" in code else None
    if match is None:
        return _sks_code(code) if system == "sks" else (system, code)
    named = _CODE_PREFIXES.get(match.group(1).casefold())
    if named is None:
        return system, code
    if system in KNOWN_SYSTEMS or is_foreign_system(system):
        return system, match.group(2).strip()
    return named, match.group(2).strip()


# Where one SKS field holds several codes: the marks of dual coding and lists, and a space
# before the next D-code ("DM51.1 DC79.5").
_SKS_SEPARATOR = re.compile(r"[\u2020\u2021*+!;,]|\s+(?=[Dd][^\W\d_])")


def _sks_code(code: str) -> tuple[str, str]:
    """A code of the Danish SKS: a diagnosis ("D" and an ICD-10 code, "DM511", "DC795A"), or
    each of several in one field ("DM49.5* DC79.5"), as the ICD-10 code; any other (a
    procedure, an administrative code, a code sent without its D) as an SKS code, which
    the KB does not list and reads by its shape, to confirm."""
    found = []
    for part in _SKS_SEPARATOR.split(code):
        norm = normalize_icd10(part)
        if norm[:1] == "D" and ICD10_SHAPE.fullmatch(norm[1:]):
            found.append(norm[1:])
    return ("icd10", ";".join(found)) if found else ("sks", code)


def is_foreign_system(system: str) -> bool:
    """A code system known not to be the KB's, whose codes look like ICD-10 codes
    (:data:`FOREIGN_SYSTEMS`), also when written by its OID alone (:func:`_oid_uri`)."""
    folded = _folded_uri(system)
    return folded in _FOLDED_FOREIGN or _oid_uri(folded) in _FOLDED_FOREIGN


# Characters of an ICD-10 code as real records write it that are not part of the code:
# the dot, spaces, the dagger and asterisk of dual coding (A18.0† M49.0*; ICD-10-GM
# writes the dagger as "+" and marks secondary codes with "!"), and the dash that marks a
# category with further characters (M48.5-). Cyrillic letters that look like Latin ones
# are read as those: Russian records type "М51.1" and "С50.9" on a Cyrillic keyboard.
# A comma is the decimal mark of European keyboards (C79,5). Full-width characters (as
# East Asian input methods type them) are read as their ASCII forms. What a copy from
# another program leaves that is no part of a code is dropped too: a byte order mark, a
# soft hyphen, zero-width spaces and joiners, a middle dot written for the dot; Greek
# capitals that look like Latin ones are read as those, as Cyrillic ones are.
_ICD10_DROP = {
    ord(c): None
    for c in ". ,\u00a0\u2020\u2021*+!-\u2010\u2011\u2013\t"
    "\ufeff\u00ad\u200b\u200c\u200d\u2060\u00b7"
}
_ICD10_LATIN = str.maketrans("АВЕКМНОРСТХІΑΒΕΖΗΙΚΜΝΟΡΤΥΧϹ", "ABEKMHOPCTXIABEZHIKMNOPTYXC")
# The letters ICD-10-GM writes after a code: certainty (G confirmed, V suspected, Z state
# after, A excluded) and side (L, R, B).
_ICD10_MARKERS = frozenset("GVZALRB")
# Where one code field holds several ICD-10 codes: after the dagger or asterisk of a
# dual-coding pair written in one field ("M49.5* C79.5†", "G55.1* M51.1+"), a "!" or a
# semicolon, a comma followed by a letter ("C50.9, C79.5"), and a space followed by a
# letter and a digit ("M49.5 C79.5"). A space before a lone letter is not a separator: it
# is a certainty or side marker ("C79.5 G", "I80.2 L"), read with the code.
_ICD10_SEPARATOR = re.compile(r"[\u2020\u2021*+!;]|,\s*(?=[^\W\d_])|\s+(?=[^\W\d_]\s*\d)")


_DIGITS = re.compile(r"\s*\d+\s*")
_LOINC_CODE = re.compile(r"\s*(?:L[AP])?\d{1,7}-\d\s*")


def code_fits(system: str, code: str) -> bool:
    """Whether ``code`` has a shape the codes of ``system`` have: SNOMED CT an id (or an
    expression), LOINC a number with its check digit, RxNorm a number, ICD-10 a letter
    and digits; any other system's codes are taken as they are filed."""
    if not code.isascii():
        code = unicodedata.normalize("NFKC", code)
    if system == "snomed":
        return bool(_DIGITS.fullmatch(code)) or any(c in code for c in "|:=")
    if system == "loinc":
        return bool(_LOINC_CODE.fullmatch(code))
    if system == "rxnorm":
        return bool(_DIGITS.fullmatch(code))
    if system in ICD10_FAMILY:
        return any(ICD10_SHAPE.fullmatch(norm) for norm in icd10_codes(code))
    return True


# An OPS code written without the dash after its chapter ("5831.0" for 5-831.0).
_OPS_UNDASHED = re.compile(r"(\d)(\d\d[0-9A-Z](?:\.?[0-9A-Z]{1,3})?)")
# The shape of an OPS code, with its dash ("5-836.30", "5-83b.51"): no other system's codes
# look so.
OPS_SHAPE = re.compile(r"\d-\d\d[0-9A-Z](?:\.[0-9A-Z]{1,3})?")


def _prefix_code(code: str, system: str | None = None) -> str:
    """An ATC, OPS or ICD-10-PCS code as compared: upper case, no spaces, the letters that
    look Latin read as Latin ("В01АF02" typed on a Cyrillic keyboard is B01AF02), an OPS
    code with the dash after its chapter ("5831.0" is 5-831.0)."""
    if not code.isascii():
        code = unicodedata.normalize("NFKC", code)
    norm = "".join(code.split()).upper().translate(_ICD10_LATIN)
    if system == "ops" and (undashed := _OPS_UNDASHED.fullmatch(norm)):
        return f"{undashed[1]}-{undashed[2]}"
    return norm


def normalize_icd10(code: str) -> str:
    if not code.isascii():
        code = unicodedata.normalize("NFKC", code)
    return code.translate(_ICD10_DROP).upper().translate(_ICD10_LATIN)


# ICD-10-CM and ICD-10-GM give the leukaemias, myelomas and plasmacytomas (C90-C95) a fifth
# character of remission: "1" in remission (CM: "in remission", GM: "in kompletter
# Remission"), "0" not in remission (or not said), "2" in relapse (CM). C94.6 has none.
_ICD10_REMISSION = re.compile(r"C9[0-5][0-9A-Z]([012])")


def icd10_remission(code: str) -> bool | None:
    """Whether a normalised ICD-10 code (:func:`normalize_icd10`) of C90-C95 says the
    disease is in remission (True) or not (False, a relapse or no remission said); None for
    any other code and for a code of those categories with no fifth character."""
    found = _ICD10_REMISSION.fullmatch(code)
    return found.group(1) == "1" if found else None


def icd10_codes(code: str) -> list[str]:
    """The ICD-10 codes one code field holds, each normalised (:func:`normalize_icd10`):
    one, or each code of a dual-coding pair or a list written in one field."""
    if not _ICD10_SEPARATOR.search(code):
        return [normalize_icd10(code)]
    return [norm for part in _ICD10_SEPARATOR.split(code) if (norm := normalize_icd10(part))]


def icd10_categories(start: str, end: str) -> list[str]:
    """Every three-character category from ``start`` to ``end`` inclusive (C00..C97)."""
    start, end = normalize_icd10(start)[:3], normalize_icd10(end)[:3]
    out: list[str] = []
    for letter in range(ord(start[0]), ord(end[0]) + 1):
        lo = int(start[1:]) if chr(letter) == start[0] else 0
        hi = int(end[1:]) if chr(letter) == end[0] else 99
        out.extend(f"{chr(letter)}{n:02d}" for n in range(lo, hi + 1))
    return out


def icd10_decades(start: str, end: str) -> list[str]:
    """The tens (``C4`` for C40-C49) that the range ``start`` to ``end`` covers whole.

    ICD-10-CM numbers some categories with a letter in the third place, within the tens of
    the categories they stand among (CMS, ICD-10-CM Tabular List): C4A Merkel cell carcinoma
    among the skin cancers C43-C44, C7A and C7B (malignant and secondary neuroendocrine
    tumours) among C70-C80, D3A (benign neuroendocrine tumours) after D36, M1A, O9A, Z3A. A
    range that covers those tens whole covers them too: C00-C97 covers C4A, C7A and C7B;
    D37-D48 does not cover D3A, whose neighbours D30-D36 are benign.
    """
    categories = icd10_categories(start, end)
    whole = set(categories)
    tens = dict.fromkeys(category[:2] for category in categories)
    return [t for t in tens if all(f"{t}{n}" in whole for n in range(10))]


# SNOMED CT compositional grammar: a term between bars, a concept id (6 to 18 digits), an
# attribute and its value ("363698007 = 61685007", the value perhaps a nested expression).
_SCT_TERM = re.compile(r"\|[^|]*\|")
_SCT_ID = re.compile(r"\d{6,18}")
_SCT_ATTRIBUTE = re.compile(r"(\d{6,18})\s*=\s*\(?\s*(\d{6,18})?")
# The attributes of SNOMED CT's situation (context) model, and those that name the finding
# or procedure a context wraps (SNOMED CT Editorial Guide, "Situation with explicit
# context"): an expression refined by one of them does not state that the patient has the
# focus concept now ("suspected", "history of", "family history of", "planned").
SNOMED_CONTEXT_ATTRIBUTES = frozenset(
    {
        "408729009",  # Finding context
        "408731000",  # Temporal context
        "408732007",  # Subject relationship context
        "408730004",  # Procedure context
    }
)
SNOMED_WRAPPED_ATTRIBUTES = frozenset(
    {
        "246090004",  # Associated finding
        "363589002",  # Associated procedure
    }
)
_SNOMED_IN_CONTEXT = SNOMED_CONTEXT_ATTRIBUTES | SNOMED_WRAPPED_ATTRIBUTES
# The attributes that give where a finding or a procedure is (SNOMED CT concept model):
# "Fracture of bone" refined by finding site "Lumbar spine structure" is a fracture there,
# read as a diagnosis's recorded site (``bodySite``) is.
SNOMED_SITE_ATTRIBUTES = frozenset(
    {
        "363698007",  # Finding site
        "363704007",  # Procedure site
        "405813007",  # Procedure site - Direct
        "405814001",  # Procedure site - Indirect
    }
)


@dataclass(frozen=True, slots=True)
class SnomedExpression:
    """What a SNOMED CT expression names: its focus concepts, and whether a context
    attribute refines it (then the concepts it names are to be confirmed, with the
    finding or procedure the context wraps)."""

    focus: tuple[str, ...]
    in_context: bool = False
    wrapped: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    """The body structures its refinement names as the finding's or procedure's site."""


def snomed_expression(code: str) -> SnomedExpression | None:
    """A SNOMED CT code as records write it: a concept id, with its term (``84114007
    |Heart failure|``) or as a post-coordinated expression (``128053003:363698007=61685007``,
    ``=== 84114007 + 49601007 : 246112005 = 24484000``). None when it is not one."""
    text = _SCT_TERM.sub(" ", code).strip()
    if text.startswith(("===", "<<<")):
        text = text[3:]
    head, _, refinement = text.partition(":")
    focus = tuple(part.strip() for part in head.split("+"))
    if not all(_SCT_ID.fullmatch(part) for part in focus):
        return None
    if not refinement:
        return SnomedExpression(focus)
    pairs = _SCT_ATTRIBUTE.findall(refinement)
    attributes = {attribute for attribute, _ in pairs}
    in_context = not attributes.isdisjoint(_SNOMED_IN_CONTEXT)
    wrapped = tuple(value for a, value in pairs if a in SNOMED_WRAPPED_ATTRIBUTES and value)
    sites = tuple(value for a, value in pairs if a in SNOMED_SITE_ATTRIBUTES and value)
    return SnomedExpression(focus, in_context, wrapped, sites)


def _rxnorm_name(display: str) -> str:
    """An RxNorm name without its brands, spacing and case (see :data:`_RXNORM_BRAND`)."""
    return " ".join(_RXNORM_BRAND.sub("", display).split()).casefold()


@dataclass(frozen=True, slots=True)
class Hit:
    """One KB code that a record coding matched."""

    concept: str
    set: str | None
    zone: str | None
    code: Code


class CodeIndex:
    """All concept codes, ready for fast lookups (one dict probe per prefix length)."""

    def __init__(
        self,
        concepts: list[Concept],
        zone_map: ZoneMap,
        terminology: Sequence[Terminology] = (),
        named: Sequence[tuple[str, Code]] = (),
    ) -> None:
        """``named``: further codes, each with what its hits name (the concept's place)."""
        self.exact: dict[tuple[str, str], list[Hit]] = defaultdict(list)
        self.icd10: dict[str, list[Hit]] = defaultdict(list)
        self.icd10_tens: dict[str, list[Hit]] = defaultdict(list)
        self.icd10_exact: dict[str, list[Hit]] = defaultdict(list)
        self.prefixes: dict[tuple[str, str], list[Hit]] = defaultdict(list)
        # the groups above the listed prefix-system codes (ATC B01A and B01 above B01AF)
        self.groups: set[tuple[str, str]] = set()
        self.by_code: dict[str, list[Hit]] = defaultdict(list)
        self.rxnorm_names: dict[str, list[Hit]] = defaultdict(list)
        pairs: list[tuple[str, Code]] = [(c.id, code) for c in concepts for code in c.codes]
        pairs += [(t.concept, code) for t in terminology for code in t.codes]
        pairs += named
        for concept_id, code in pairs:
            hit = Hit(concept_id, code.set, code.zone, code)
            if code.system in ICD10_FAMILY:
                if code.to:
                    for category in icd10_categories(code.code, code.to):
                        self.icd10[category].append(hit)
                    for tens in icd10_decades(code.code, code.to):
                        self.icd10_tens[tens].append(hit)
                elif code.exact:
                    self.icd10_exact[normalize_icd10(code.code)].append(hit)
                else:
                    self.icd10[normalize_icd10(code.code)].append(hit)
            elif code.system in PREFIX_SYSTEMS:
                listed = code.code.upper()
                self.prefixes[(code.system, listed)].append(hit)
                self.groups.update((code.system, listed[:n]) for n in range(1, len(listed)))
            else:
                self.exact[(code.system, code.code)].append(hit)
                self.by_code[code.code].append(hit)
                if code.system == "rxnorm" and code.display:
                    self.rxnorm_names[_rxnorm_name(code.display)].append(hit)
        self.spine_categories = frozenset(
            icd10_categories(zone_map.categories_from, zone_map.categories_to)
        )
        self.site_character = zone_map.site_character

    def lookup(self, system: str, code: str) -> list[Hit]:
        if system in ICD10_FAMILY:
            hits: list[Hit] = []
            for norm in icd10_codes(code):
                if len(norm) >= 3 and norm[2].isalpha():  # C7A.1: in the ranges covering C70-C79
                    hits.extend(self.icd10_tens.get(norm[:2], ()))
                for length in range(3, len(norm) + 1):
                    hits.extend(self.icd10.get(norm[:length], ()))
                # the code alone, or with a certainty or side marker (R15 G, R15 V)
                exact = norm[:-1] if norm[-1:] in _ICD10_MARKERS else norm
                hits.extend(self.icd10_exact.get(exact, ()))
            return hits
        if system in PREFIX_SYSTEMS:
            norm = _prefix_code(code, system)
            found: list[Hit] = []
            for length in range(1, len(norm) + 1):
                found.extend(self.prefixes.get((system, norm[:length]), ()))
            return found
        if system == "cpt" or (system not in KNOWN_SYSTEMS and cpt_of_hcpcs(system, code)):
            return self.exact.get(("cpt", _cpt_code(code) or code.strip()), [])
        if code.isdigit():  # a SNOMED CT or RxNorm id as written, the usual case
            if not code.isascii():  # full-width or other digits: as ASCII ones
                code = unicodedata.normalize("NFKC", code)
            return self.exact.get((system, code), [])
        if system == "snomed":
            expression = snomed_expression(code)
            if expression is not None:
                if expression.in_context:
                    return []  # to be confirmed (lookup_unplaced)
                return self._snomed_hits(expression.focus)
        if "|" in code:  # a code written with its term: "84114007 |Heart failure|"
            code = code.split("|", 1)[0]
        return self.exact.get((system, code.strip()), [])

    def holds_listed(self, system: str, code: str) -> bool:
        """Whether a code of a prefix system (ATC) names a group that holds codes the KB
        lists under it without being one of them: ATC B01A (antithrombotic agents) holds the
        listed B01AF and B01AC04 and also aspirin (B01AC06), which is not listed."""
        return system in PREFIX_SYSTEMS and (system, _prefix_code(code, system)) in self.groups

    def _snomed_hits(self, concepts: Sequence[str]) -> list[Hit]:
        return [hit for concept in concepts for hit in self.exact.get(("snomed", concept), ())]

    def lookup_coding(self, system: str, code: str, display: str | None) -> list[Hit]:
        """:meth:`lookup`, and for an RxNorm code the KB does not list, the clinical drug
        its name names: a branded drug or pack named as a listed clinical drug or generic
        pack with its brand in brackets ("apixaban 5 MG Oral Tablet [Eliquis]"), or a pack
        with a listed drug among its components. A coded match: RxNorm's names are
        normative, the brand removed leaves the clinical drug's name."""
        hits = self.lookup(system, code)
        if hits or system != "rxnorm" or not display or "[" not in display:
            return hits
        name = _rxnorm_name(display)
        found = self.rxnorm_names.get(name)
        if found:
            return list(found)
        out: list[Hit] = []
        for component in _RXNORM_COMPONENT.findall(name):
            out.extend(self.rxnorm_names.get(component.strip(), ()))
        return out

    def lookup_unplaced(self, system: str, code: str) -> list[Hit]:
        """Hits of a coding whose system is missing or unknown, by the shape of its code,
        and of a SNOMED CT expression whose context leaves it to be confirmed.

        A code shaped like ICD-10 is looked up as ICD-10, one shaped like OPS ("5-836.30") as
        OPS, one shaped like a Danish SKS diagnosis ("DG834") as its ICD-10 code; a SNOMED CT
        expression by its concepts; any other code as a code of any KB system written exactly
        so. A code of a system known not to be the KB's (:data:`FOREIGN_SYSTEMS`) gives
        nothing; one filed under a KB system whose codes never look so (:func:`code_fits`) is
        read as of none.
        A SNOMED CT expression refined by a context attribute ("suspected", "history of", "family
        history of") gives its focus concepts and the finding or procedure it wraps. The
        caller treats every hit as uncertain.
        """
        if system in KNOWN_SYSTEMS and not code_fits(system, code):
            # a code that cannot be of the system it is filed under (ICD-10's "G83.4" under
            # SNOMED CT, a SNOMED CT id under ICD-10): read as a code of no system
            return self.lookup_unplaced("unknown", code)
        if system in KNOWN_SYSTEMS:
            if ":" not in code or system != "snomed":  # no SNOMED CT expression in context
                return []
            expression = snomed_expression(code)
            if expression is None or not expression.in_context:
                return []
            return self._snomed_hits((*expression.focus, *expression.wrapped))
        if is_foreign_system(system):
            return []
        if "|" in code or ":" in code:  # "128053003:363698007=61685007" with no system
            expression = snomed_expression(code)
            if expression is not None:
                return self._snomed_hits((*expression.focus, *expression.wrapped))
        upper = code.strip().upper()
        if ATC_SHAPE.fullmatch(upper):
            hits = self.lookup("atc", upper)
            if hits:
                return hits
        if OPS_SHAPE.fullmatch(upper):  # a German operation code filed under no system
            return self.lookup("ops", upper)
        shaped = [norm for norm in icd10_codes(code) if ICD10_SHAPE.fullmatch(norm)]
        if shaped or ICD10_SHAPE.fullmatch(code.strip().upper()):
            hits = [
                hit
                for norm in shaped or [normalize_icd10(code)]
                for hit in self.lookup("icd10", norm)
            ]
            if hits:
                return hits
        sks = _sks_code(code)  # a Danish diagnosis ("DG834"): D and an ICD-10 code
        if sks[0] == "icd10":
            return self.lookup("icd10", sks[1])
        return list(self.by_code.get(code.strip(), ()))

    def icd10_zone(self, code: str) -> str | None:
        """The zone an ICD-10 spine code names in its site character.

        WHO ICD-10 puts the site in the fifth character (M42.16, lumbar); ICD-10-CM's
        longer codes put it last (M47.816), so the last character is read.
        """
        norm = normalize_icd10(code)
        if norm[:3] in self.spine_categories and len(norm) >= 5:
            return self.site_character.get(norm[-1])
        return None
