"""A Bulk export -> fact tables inside DuckDB, with DuckDB's JSON functions.

The same fact tables as :mod:`spinecare.bulk.facts` (:data:`~spinecare.bulk.facts.TABLES`),
built by SQL instead of Python, about as fast as DuckDB parses JSON. Exactness comes from a
split: SQL flattens only resources whose shape it fully understands (a *fast path* whose
test is conservative: every field it reads has the type it expects, dates match the
reader's pattern, unit spellings are plain ASCII, ...); every other line - malformed JSON,
an unexpected shape, a resource the reader would reject, an unusual reference - goes to
the Python :class:`~spinecare.bulk.facts.Flattener`, line by line, exactly as
:mod:`spinecare.bulk.flatten` reads it. Malformed lines and bad resources are therefore
reported with file and line (or stop the run with ``strict``) by the same code as before.

All knowledge is generated from the KB and the Python tables, never retyped: code tables
from the KB's concepts (:class:`~spinecare.kb.codes.CodeIndex`), system URIs from
:data:`~spinecare.kb.codes.SYSTEM_ALIASES`, measures from
:func:`spinecare.core.reader_measures`, units from :mod:`spinecare.record.units`, family
history markers and the date pattern from :mod:`spinecare.fhir.reader`.

A file is first offered to :mod:`spinecare.bulk.typedread`, which reads it whole with
DuckDB's typed JSON reader when every line fits the same conservative test. Otherwise its
lines are read in Python in large blocks (plain or gzip) and handed to DuckDB as Arrow
string arrays without copying, with their line numbers: ``seq`` is the Python flattener's.
"""

from __future__ import annotations

import contextlib
import gzip
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spinecare.bulk import nativeread, typedread
from spinecare.bulk.facts import TABLES, Flattener
from spinecare.errors import InputError, RecordError
from spinecare.fhir import reader
from spinecare.fhir.ndjson import (
    GZIP_MAGIC,
    PATIENT_FIELD,
    Line,
    NdjsonError,
    Tally,
    export_files,
    load_medications,
    parse_line,
    patient_id_of,
)
from spinecare.fhir.reader import resource_ref
from spinecare.kb.codes import ICD10_FAMILY, SYSTEM_ALIASES
from spinecare.kb.loader import KB
from spinecare.record import units

BLOCK_BYTES = 64 * 1024 * 1024
FAST_TYPES = (
    "Patient",
    "Condition",
    "Observation",
    "MedicationRequest",
    "MedicationStatement",
    "Procedure",
    "ServiceRequest",
    "FamilyMemberHistory",
)
_DATE_RE = "^" + reader._DATE.pattern + "$"


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class SqlFlattenResult:
    tally: Tally
    patients: int
    seconds: float
    fast: int
    fallback: int
    typed_files: int = 0
    native_files: int = 0


# ---------------------------------------------------------------------------------------
# KB tables and macros


def _case(expr: str, mapping: dict[str, str], default: str = "NULL") -> str:
    if not mapping:
        return default
    whens = " ".join(f"WHEN {_q(k)} THEN {_q(v)}" for k, v in mapping.items())
    return f"(CASE {expr} {whens} ELSE {default} END)"


def install_kb(con: Any, kb: KB) -> None:
    """KB tables (codes, systems, measures, units, zones) and the macros the SQL uses."""
    from spinecare.core import reader_measures

    index = kb.codes
    exact = [(s, c, h.concept, h.set, h.zone) for (s, c), hits in index.exact.items() for h in hits]
    icd = [
        (p, p[:3], h.concept, h.set, h.zone)
        for p, hits in index.icd10.items()
        for h in hits
        if len(p) >= 3
    ]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE sc_codes_exact(system VARCHAR, code VARCHAR,"
        " concept VARCHAR, cset VARCHAR, zone VARCHAR)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE sc_codes_icd(prefix VARCHAR, cat VARCHAR,"
        " concept VARCHAR, cset VARCHAR, zone VARCHAR)"
    )
    if exact:
        con.executemany("INSERT INTO sc_codes_exact VALUES (?, ?, ?, ?, ?)", exact)
    if icd:
        con.executemany("INSERT INTO sc_codes_icd VALUES (?, ?, ?, ?, ?)", icd)
    con.execute("CREATE OR REPLACE TEMP TABLE sc_spine(cat VARCHAR)")
    con.executemany("INSERT INTO sc_spine VALUES (?)", [(c,) for c in index.spine_categories])
    con.execute("CREATE OR REPLACE TEMP TABLE sc_site(ch VARCHAR, zone VARCHAR)")
    if index.site_character:
        con.executemany("INSERT INTO sc_site VALUES (?, ?)", list(index.site_character.items()))
    sites = ", ".join(f"{_q(ch)}: {_q(z)}" for ch, z in index.site_character.items())
    spine = ", ".join(_q(c) for c in sorted(index.spine_categories)) or "NULL"

    # system URI -> short name, as kb.codes.system_name
    stripped = _case("rtrim(u, '/')", SYSTEM_ALIASES, "u")
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO sc_sys(u) AS CASE WHEN u IS NULL THEN 'unknown'"
        f" ELSE {_case('u', SYSTEM_ALIASES, stripped)} END"
    )
    # measures: (system, code) -> measure id, canonical unit
    measures = reader_measures(kb)
    targets = {m: u for (m, u) in measures.values()}
    whens = " ".join(
        f"WHEN s = {_q(sy)} AND c = {_q(co)} THEN {_q(m)}" for (sy, co), (m, _) in measures.items()
    )
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO sc_measure(s, c) AS CASE {whens} END"
        if whens
        else "CREATE OR REPLACE TEMP MACRO sc_measure(s, c) AS NULL"
    )
    con.execute(f"CREATE OR REPLACE TEMP MACRO sc_target(m) AS {_case('m', targets)}")
    # units: spelling -> canonical code (as written, then case-folded), canonical -> scale
    folded = units._FOLDED
    con.execute(
        "CREATE OR REPLACE TEMP MACRO sc_canon(u) AS coalesce("
        f"{_case('coalesce(u, chr(1))', {**{k: v for k, v in units.ALIASES.items()}})}, "
        f"{_case('lower(coalesce(u, chr(1)))', folded)}, "
        f"CASE WHEN u IS NULL THEN {_q(units.ALIASES[''])} END)"
    )
    dims = {k: s.dimension for k, s in units.CANONICAL.items()}
    scales = {k: repr(float(s.scale)) for k, s in units.CANONICAL.items()}
    offsets = {k: repr(float(s.offset)) for k, s in units.CANONICAL.items()}
    con.execute(f"CREATE OR REPLACE TEMP MACRO sc_dim(c) AS {_case('c', dims)}")
    con.execute(f"CREATE OR REPLACE TEMP MACRO sc_scale(c) AS CAST({_case('c', scales)} AS DOUBLE)")
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO sc_offset(c) AS CAST({_case('c', offsets)} AS DOUBLE)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE sc_units AS SELECT * FROM (VALUES "
        + ", ".join(
            f"({_q(k)}, {_q(s.dimension)}, {float(s.scale)!r}, {float(s.offset)!r})"
            for k, s in units.CANONICAL.items()
        )
        + ") t(code, dimension, scale, off)"
    )
    # a unit spelling SQL reads as Python does: printable ASCII, no surrounding whitespace
    con.execute(
        "CREATE OR REPLACE TEMP MACRO sc_plain_unit(u) AS u IS NULL OR u = '' OR "
        "regexp_full_match(u, '[\\x21-\\x7e]([\\x20-\\x7e]*[\\x21-\\x7e])?')"
    )
    # a unit converts to target t: (ok, value)
    # does unit u (canonical cu) convert to target t (canonical ct)? and the value: SQL
    # keeps the conversions that leave the number as it is (same scale and offset); the
    # others (such as [degF] -> Cel) are left to Python, whose rounding they need
    con.execute(
        "CREATE OR REPLACE TEMP MACRO sc_conv_ok(u, cu, t, ct) AS u IS NOT DISTINCT FROM t"
        " OR (cu IS NOT NULL AND ct IS NOT NULL AND sc_dim(cu) = sc_dim(ct))"
    )
    con.execute(
        "CREATE OR REPLACE TEMP MACRO sc_conv(v, u, cu, t, ct) AS CASE"
        " WHEN u IS NOT DISTINCT FROM t THEN v"
        " WHEN sc_scale(cu) = sc_scale(ct) AND sc_offset(cu) = sc_offset(ct) THEN v END"
    )
    # dates as reader.parse_date: partial dates are the first day, or the last (ends)
    con.execute("CREATE OR REPLACE TEMP MACRO sc_y(s) AS TRY_CAST(s[1:4] AS INTEGER)")
    con.execute(
        "CREATE OR REPLACE TEMP MACRO sc_m(s, e) AS CASE WHEN length(s) >= 7 THEN"
        " TRY_CAST(s[6:7] AS INTEGER) WHEN e THEN 12 ELSE 1 END"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO sc_date(s, e) AS CASE WHEN NOT regexp_full_match(s, "
        f"{_q(_DATE_RE)}) THEN NULL"
        # a full date: DuckDB's own cast (year 0 is no date in Python)
        " WHEN length(s) >= 10 THEN CASE WHEN s[1:4] <> '0000' THEN TRY_CAST(s[1:10] AS DATE)"
        " END WHEN sc_y(s) >= 1 AND sc_m(s, e) BETWEEN 1 AND 12 THEN"
        " try(make_date(sc_y(s), sc_m(s, e), CASE WHEN e THEN"
        " day(last_day(make_date(sc_y(s), sc_m(s, e), 1))) ELSE 1 END)) END"
    )
    # a JSON date field: absent, null, or a valid date string
    con.execute(
        "CREATE OR REPLACE TEMP MACRO sc_date_ok(j, e) AS j IS NULL OR json_type(j) = 'NULL'"
        " OR (json_type(j) = 'VARCHAR' AND sc_date(j ->> '$', e) IS NOT NULL)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP MACRO sc_jdate(j, e) AS CASE WHEN json_type(j) ="
        " 'VARCHAR' THEN sc_date(j ->> '$', e) END"
    )
    # a JSON string field: absent, null or a string
    con.execute(
        "CREATE OR REPLACE TEMP MACRO sc_str_ok(j) AS j IS NULL OR json_type(j) IN"
        " ('NULL', 'VARCHAR')"
    )
    con.execute(
        "CREATE OR REPLACE TEMP MACRO sc_jstr(j) AS CASE WHEN json_type(j) ="
        " 'VARCHAR' THEN j ->> '$' END"
    )
    con.execute("CREATE OR REPLACE TEMP MACRO sc_ascii(s) AS s IS NULL OR strlen(s) = length(s)")
    # a CodeableConcept SQL can read: absent, or an object whose codings are objects with
    # string system/code/display (or none), and a string text
    con.execute(
        "CREATE OR REPLACE TEMP MACRO sc_cc_ok(cc) AS cc IS NULL OR (json_type(cc) = 'OBJECT'"
        " AND sc_str_ok(json_extract(cc, '$.text')) AND (json_type(cc, '$.coding') IS NULL"
        " OR (json_type(cc, '$.coding') = 'ARRAY'"
        " AND len(list_filter(json_type(cc, '$.coding[*]'), lambda t: t <> 'OBJECT')) = 0"
        " AND len(list_filter(json_type(cc, '$.coding[*].code'), lambda t: t <> 'VARCHAR')) = 0"
        " AND len(list_filter(json_type(cc, '$.coding[*].system'), lambda t: t <> 'VARCHAR')) = 0"
        " AND len(list_filter(json_type(cc, '$.coding[*].display'), lambda t: t <> 'VARCHAR'))"
        " = 0)))"
    )
    con.execute(
        "CREATE OR REPLACE TEMP MACRO sc_codings(cc) AS CASE WHEN cc IS NULL THEN []"
        ' ELSE list_filter(coalesce(json_transform(cc, \'{"coding": [{"system": "VARCHAR",'
        ' "code": "VARCHAR", "display": "VARCHAR"}]}\').coding, []),'
        " lambda c: c.code IS NOT NULL) END"
    )
    # family history, as reader.is_family_history (texts are ASCII here: lower = casefold)
    words = " OR ".join(f"contains(lower(t), {_q(w)})" for w in reader.FAMILY_HISTORY_WORDS)
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO sc_fh_text(t) AS coalesce(t <> '' AND ({words}), false)"
    )
    snomed = ", ".join(_q(c) for c in sorted(reader.FAMILY_HISTORY_SNOMED))
    icd_fh = " OR ".join(
        f"starts_with(sc_icd(c.code), {_q(p)})" for p in reader.FAMILY_HISTORY_ICD10
    )
    icd_systems = ", ".join(_q(s) for s in sorted(reader.ICD10_SYSTEMS))
    family = ", ".join(_q(s) for s in sorted(ICD10_FAMILY))
    con.execute(
        "CREATE OR REPLACE TEMP MACRO sc_icd(c) AS upper(replace(replace(c, '.', ''), ' ', ''))"
    )
    con.execute(
        "CREATE OR REPLACE TEMP MACRO sc_fh_coding(c) AS"
        f" (sc_sys(c.system) = 'snomed' AND c.code IN ({snomed}))"
        f" OR (sc_sys(c.system) IN ({icd_systems}) AND ({icd_fh}))"
        " OR sc_fh_text(c.display)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP MACRO sc_codings_ascii(cs) AS"
        " len(list_filter(cs, lambda c: NOT (sc_ascii(c.display) AND sc_ascii(c.code)))) = 0"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO sc_icd_zone(code) AS CASE WHEN"
        f" sc_icd(code)[1:3] IN ({spine}) AND length(sc_icd(code)) >= 5 THEN"
        f" {_case('sc_icd(code)[-1:]', index.site_character)} END"
        if sites
        else "CREATE OR REPLACE TEMP MACRO sc_icd_zone(code) AS NULL::VARCHAR"
    )
    con.execute(f"CREATE OR REPLACE TEMP MACRO sc_is_icd(s) AS s IN ({family})")
    # reference_id for the simple spellings (others go to Python)
    con.execute(
        "CREATE OR REPLACE TEMP MACRO sc_pid(r) AS CASE"
        " WHEN starts_with(r, 'urn:uuid:') THEN r[10:]"
        " WHEN regexp_full_match(r, 'Patient/[^/]*') AND r <> 'Patient/_history'"
        " THEN r[9:] END"
    )


# ---------------------------------------------------------------------------------------
# Reading lines


def blocks(path: Path, size: int = BLOCK_BYTES) -> Iterator[bytes]:
    """The file's bytes (plain or gzip) in blocks that end at a line end (or the file's)."""
    with open(path, "rb") as probe:
        magic = probe.read(2)
    try:
        handle: Any = gzip.open(path, "rb") if magic == GZIP_MAGIC else open(path, "rb")  # noqa: SIM115
        with handle:
            rest = b""
            while True:
                chunk = handle.read(size)
                if not chunk:
                    if rest:
                        yield rest
                    return
                data = rest + chunk
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    rest = data
                    continue
                rest = data[cut:]
                yield data[:cut]
    except (OSError, EOFError, zlib.error) as err:
        raise InputError(f"cannot read ({err})", source=str(path)) from None


def _line_arrays(path: Path) -> Iterator[tuple[Any, Any, list[tuple[int, bytes]], int | None]]:
    """(lines, line numbers, lines that are not UTF-8, the number of a last line without a
    line end or None) per block of the file. Lines here have no line end; the raw lines
    handed to Python get it back (:func:`_raw`), so Python parses what its reader would."""
    import pyarrow as pa
    import pyarrow.compute as pc

    first = 1
    for block in blocks(path):
        parts = pc.split_pattern(pa.array([block], type=pa.large_binary()), b"\n")
        ended = block.endswith(b"\n")
        raw_lines = parts.values if not ended else parts.values[:-1]
        n = len(raw_lines)
        numbers = pa.array(range(first, first + n), type=pa.int64())
        open_line = None if ended or n == 0 else first + n - 1
        first += n
        bad: list[tuple[int, bytes]] = []
        try:
            lines = raw_lines.cast(pa.large_string())
        except pa.ArrowInvalid:
            texts: list[str | None] = []
            for i, item in enumerate(raw_lines.to_pylist()):
                try:
                    texts.append(item.decode("utf-8"))
                except UnicodeDecodeError:
                    texts.append("")
                    if item.strip():
                        number = int(numbers[i].as_py())
                        bad.append((number, _raw(item, number, open_line)))
            lines = pa.array(texts, type=pa.large_string())
        yield lines, numbers, bad, open_line


def _raw(line: bytes, number: int, open_line: int | None) -> bytes:
    """A line as Python's line reader gives it: with its line end, unless it has none."""
    return line if number == open_line else line + b"\n"


# ---------------------------------------------------------------------------------------
# Per resource type: the fast path


_PATHS = {
    "Patient": ["id", "gender", "birthDate", "name", "communication"],
    "Condition": [
        "subject",
        "code",
        "clinicalStatus",
        "verificationStatus",
        "onsetDateTime",
        "recordedDate",
        "abatementDateTime",
        *typedread.CONDITION_UNREAD,
    ],
    "Observation": [
        "subject",
        "status",
        "code",
        "component",
        "effectiveDateTime",
        *("valueQuantity", "valueInteger", "dataAbsentReason", *reader._VALUE_KEYS),
    ],
    "MedicationRequest": [
        "subject",
        "status",
        "medicationCodeableConcept",
        "medicationReference",
        "authoredOn",
        "effectiveDateTime",
        "effectivePeriod",
        "dispenseRequest",
    ],
    "Procedure": ["subject", "status", "code", "performedDateTime", "performedPeriod", "bodySite"],
    "ServiceRequest": [
        "subject",
        "status",
        "code",
        "intent",
        "authoredOn",
        "id",
        "medicationReference",
    ],
    "FamilyMemberHistory": ["patient"],
}
_PATHS["MedicationStatement"] = _PATHS["MedicationRequest"]
_VALUE_NODE = ["code", "valueQuantity", "valueInteger", "dataAbsentReason", *reader._VALUE_KEYS]


def _fields(kind: str) -> list[str]:
    return ["resourceType", *_PATHS[kind]]


def _parse_sql(kind: str) -> str:
    """Per line: the JSON pieces the fast path reads (NULL j: not JSON -> Python)."""
    paths = ", ".join(_q("$." + f) for f in _fields(kind))
    # JSON DuckDB reads and orjson does not (NaN, huge numbers, trailing commas): Python
    odd = " OR ".join(f"regexp_matches(line, {_q(p)})" for p in typedread.LENIENT_JSON)
    return (
        f"SELECT n AS lineno, line, CASE WHEN NOT ({odd}) THEN"
        f" try(json_extract(line, [{paths}])) END AS j FROM sc_chunk"
    )


def _col(kind: str, name: str) -> str:
    return f"j[{_fields(kind).index(name) + 1}]"


def _pid_sql(kind: str) -> str:
    field = PATIENT_FIELD.get(kind)
    if field is None:
        return (
            f"CASE WHEN json_type({_col(kind, 'id')}) = 'VARCHAR' AND"
            f" {_col(kind, 'id')} ->> '$' <> '' THEN {_col(kind, 'id')} ->> '$' END"
        )
    node = _col(kind, field)
    return (
        f"CASE WHEN json_type({node}) = 'OBJECT' AND json_type({node}, '$.reference') ="
        f" 'VARCHAR' THEN sc_pid({node} ->> '$.reference') END"
    )


def _shape_sql(kind: str) -> str:
    """True when SQL reads the resource exactly as the Python reader does."""

    def c(name: str) -> str:
        return _col(kind, name)

    def absent(*names: str) -> str:
        return " AND ".join(f"{c(n)} IS NULL" for n in names)

    if kind == "Patient":
        name, comm = c("name"), c("communication")
        return (
            f"sc_str_ok({c('gender')}) AND sc_date_ok({c('birthDate')}, false)"
            f" AND ({name} IS NULL OR (json_type({name}) = 'ARRAY'"
            f" AND len(list_filter(json_type({name}, '$[*]'), lambda t: t <> 'OBJECT')) = 0"
            f" AND len(list_filter(json_type({name}, '$[*].given'), lambda t: t <> 'ARRAY')) = 0"
            f" AND len(list_filter(json_type({name}, '$[*].family'), lambda t: t <> 'VARCHAR')) = 0"
            f" AND len(list_filter(json_type({name}, '$[*].text'), lambda t: t <> 'VARCHAR')) = 0))"
            f" AND ({comm} IS NULL OR (json_type({comm}) = 'ARRAY'"
            f" AND len(list_filter(json_type({comm}, '$[*]'), lambda t: t <> 'OBJECT')) = 0"
            f" AND len(list_filter(json_type({comm}, '$[*].language'), lambda t: t <> 'OBJECT'))"
            f" = 0 AND len(list_filter(json_transform({comm}, '[\"JSON\"]'),"
            " lambda x: NOT sc_cc_ok(json_extract(x, '$.language')))) = 0))"
        )
    if kind == "Condition":
        return (
            f"{absent('category', 'bodySite', 'onsetPeriod', 'abatementString', 'abatementAge')}"
            f" AND {absent('abatementRange', 'abatementBoolean', 'abatementPeriod')}"
            f" AND sc_cc_ok({c('code')}) AND sc_cc_ok({c('clinicalStatus')})"
            f" AND sc_cc_ok({c('verificationStatus')})"
            f" AND sc_date_ok({c('onsetDateTime')}, false)"
            f" AND sc_date_ok({c('recordedDate')}, false)"
            f" AND sc_date_ok({c('abatementDateTime')}, true)"
            f" AND sc_ascii(json_extract_string({c('code')}, '$.text'))"
            f" AND sc_codings_ascii(sc_codings({c('code')}))"
        )
    if kind in ("MedicationRequest", "MedicationStatement"):
        period = c("effectivePeriod")
        return (
            f"(sc_jstr({c('status')}) IS NOT DISTINCT FROM 'entered-in-error' OR ("
            f"json_type({c('medicationCodeableConcept')}) = 'OBJECT'"
            f" AND {absent('medicationReference', 'dispenseRequest')}"
            f" AND sc_str_ok({c('status')}) AND sc_cc_ok({c('medicationCodeableConcept')})"
            f" AND sc_date_ok({c('authoredOn')}, false)"
            f" AND sc_date_ok({c('effectiveDateTime')}, false)"
            f" AND ({period} IS NULL OR (json_type({period}) = 'OBJECT'"
            f" AND sc_date_ok(json_extract({period}, '$.start'), false)"
            f" AND sc_date_ok(json_extract({period}, '$.end'), true)))))"
        )
    if kind == "Procedure":
        period = c("performedPeriod")
        return (
            f"(sc_jstr({c('status')}) IS NOT DISTINCT FROM 'entered-in-error' OR ("
            f"{absent('bodySite')} AND sc_str_ok({c('status')}) AND sc_cc_ok({c('code')})"
            f" AND sc_date_ok({c('performedDateTime')}, false)"
            f" AND ({period} IS NULL OR (json_type({period}) = 'OBJECT'"
            f" AND sc_date_ok(json_extract({period}, '$.start'), false)))))"
        )
    if kind == "ServiceRequest":
        return (
            f"(sc_jstr({c('status')}) IS NOT DISTINCT FROM 'entered-in-error' OR ("
            f"sc_str_ok({c('status')}) AND sc_str_ok({c('intent')}) AND sc_cc_ok({c('code')})"
            f" AND ({c('id')} IS NULL OR json_type({c('id')}) = 'VARCHAR')"
            f" AND {absent('medicationReference')}"
            f" AND sc_date_ok({c('authoredOn')}, false)))"
        )
    if kind == "FamilyMemberHistory":
        return "true"
    if kind == "Observation":
        return "true"  # decided per value node (see _observation_sql)
    raise ValueError(kind)


def _classify_sql(kind: str) -> str:
    """sc_cur: one row per non-blank line: j, rt, pid, ok (SQL reads it), cand."""
    shape = _shape_sql(kind)
    if kind == "Observation":
        comp = _col(kind, "component")
        shape = (
            f"({comp} IS NULL OR (json_type({comp}) = 'ARRAY' AND len(list_filter("
            f"json_type({comp}, '$[*]'), lambda t: t <> 'OBJECT')) = 0"
            f" AND json_array_length({comp}) < 60))"
        )
    return (
        f"CREATE OR REPLACE TEMP TABLE sc_cur AS SELECT *, ok AS cand FROM ("
        f"SELECT lineno, line, j, rt, pid, CASE WHEN rt = {_q(kind)} AND"
        f" pid IS NOT NULL THEN coalesce({shape}, false) ELSE false END AS ok FROM ("
        f"SELECT lineno, line, j, CASE WHEN json_type(j[1]) = 'VARCHAR' THEN j[1] ->> '$' END"
        f" AS rt, {_pid_sql(kind)} AS pid FROM ({_parse_sql(kind)})))"
    )


def _seq(ordinal: int) -> str:
    return f"(((CAST({ordinal} AS BIGINT) << 32) + lineno) << 6)"


def _hits_sql(kind: str, cc: str) -> str:
    """(lineno, k, system, code, concept, cset, zone) for the codings of CodeableConcept cc."""
    return (
        f"WITH cod AS (SELECT lineno, pid, unnest(sc_codings({cc})) AS c FROM sc_cur"
        " WHERE ok), cs AS (SELECT lineno, pid, sc_sys(c.system) AS sys, c.code AS code"
        " FROM cod) "
        "SELECT cs.lineno, cs.pid, cs.sys, cs.code, e.concept, e.cset, e.zone FROM cs"
        " JOIN sc_codes_exact e ON e.system = cs.sys AND e.code = cs.code"
        " WHERE NOT sc_is_icd(cs.sys) UNION ALL "
        "SELECT cs.lineno, cs.pid, cs.sys, cs.code, i.concept, i.cset, i.zone FROM cs"
        " JOIN sc_codes_icd i ON i.cat = sc_icd(cs.code)[1:3]"
        " AND starts_with(sc_icd(cs.code), i.prefix) WHERE sc_is_icd(cs.sys)"
    )


def _facts_sql(kind: str, ordinal: int) -> list[str]:
    """INSERT statements for the fact rows of sc_cur's fast rows (column ok)."""

    def c(name: str) -> str:
        return _col(kind, name)

    live = (
        f"coalesce(sc_jstr({c('status')}), '') <> 'entered-in-error'"
        if kind in ("MedicationRequest", "MedicationStatement", "Procedure", "ServiceRequest")
        else "true"
    )
    if kind == "Patient":
        return ["INSERT INTO sc_f_patients SELECT pid FROM sc_cur WHERE ok"]
    if kind == "FamilyMemberHistory":
        return []
    if kind == "Condition":
        code = c("code")
        fh = (
            f"(sc_fh_text(json_extract_string({code}, '$.text')) OR len(list_filter("
            f"sc_codings({code}), lambda x: sc_fh_coding(x))) > 0)"
        )
        return [
            f"CREATE OR REPLACE TEMP TABLE sc_cond AS SELECT lineno, {code} AS code,"
            f" sc_cc_first({c('clinicalStatus')}) AS clinical,"
            f" sc_cc_first({c('verificationStatus')}) AS verification,"
            f" coalesce(sc_jdate({c('onsetDateTime')}, false),"
            f" sc_jdate({c('recordedDate')}, false)) AS start_date,"
            f" sc_jdate({c('abatementDateTime')}, true) AS abatement"
            f" FROM sc_cur WHERE ok AND NOT {fh}",
            "INSERT INTO sc_f_conditions SELECT h.pid, h.concept, h.cset, CASE WHEN"
            " coalesce(h.zone, CASE WHEN sc_is_icd(h.sys) THEN sc_icd_zone(h.code) END)"
            " IS NULL THEN '' ELSE '|' || coalesce(h.zone, sc_icd_zone(h.code)) || '|' END,"
            " d.clinical, d.verification, d.start_date, d.abatement"
            f" FROM ({_hits_sql(kind, code)}) h JOIN sc_cond d USING (lineno)",
        ]
    if kind in ("MedicationRequest", "MedicationStatement"):
        period = c("effectivePeriod")
        return [
            "INSERT INTO sc_f_medications SELECT h.pid, h.concept, sc_jstr(s.status),"
            " s.start_date, s.end_date FROM (SELECT DISTINCT lineno, pid, concept FROM ("
            f"{_hits_sql(kind, c('medicationCodeableConcept'))})) h JOIN (SELECT lineno,"
            f" {c('status')} AS status, coalesce(sc_jdate({c('authoredOn')}, false),"
            f" sc_jdate({c('effectiveDateTime')}, false),"
            f" sc_jdate(json_extract({period}, '$.start'), false)) AS start_date,"
            f" sc_jdate(json_extract({period}, '$.end'), true) AS end_date"
            f" FROM sc_cur WHERE ok AND {live}) s USING (lineno)"
        ]
    if kind == "Procedure":
        period = c("performedPeriod")
        return [
            "INSERT INTO sc_f_procedures SELECT h.pid, h.concept, sc_jstr(s.status), s.performed"
            f" FROM (SELECT DISTINCT lineno, pid, concept FROM ({_hits_sql(kind, c('code'))}))"
            f" h JOIN (SELECT lineno, {c('status')} AS status,"
            f" coalesce(sc_jdate({c('performedDateTime')}, false),"
            f" sc_jdate(json_extract({period}, '$.start'), false)) AS performed"
            f" FROM sc_cur WHERE ok AND {live}) s USING (lineno)"
        ]
    if kind == "ServiceRequest":
        return [
            "INSERT INTO sc_f_orders SELECT pid, CASE WHEN json_type("
            f"{c('id')}) = 'VARCHAR' AND {c('id')} ->> '$' <> '' THEN 'ServiceRequest/' ||"
            f" ({c('id')} ->> '$') ELSE 'ServiceRequest/#2' END,"
            f" CASE WHEN len(sc_codings({c('code')})) > 0 THEN"
            f" sc_sys(sc_codings({c('code')})[1].system) || '|' ||"
            f" sc_codings({c('code')})[1].code END,"
            f" sc_jstr({c('status')}), sc_jstr({c('intent')}),"
            f" sc_jdate({c('authoredOn')}, false) FROM sc_cur WHERE ok AND {live}"
        ]
    raise ValueError(kind)


UNITS_READ = (
    " FROM (SELECT *, sc_conv_ok(cand1, ccand1, target, ct) AS conv1,"
    "  qcode IS NOT NULL AND sc_conv_ok(qunit, cunit, target, ct) AS conv2,"
    "  sc_conv_ok(NULL, cnone, target, ct) AS convn FROM ("
    "  SELECT *, coalesce(qcode, qunit) AS cand1, sc_canon(coalesce(qcode, qunit)) AS"
    "  ccand1, sc_canon(qunit) AS cunit, sc_canon(NULL) AS cnone, sc_canon(target) AS ct"
    "  FROM ("
)
"""How a value node's units read: conv1 (code, else unit), conv2 (unit), convn (none),
over a relation with qcode, qunit and target (shared with the typed reader)."""


def _observation_sql(ordinal: int) -> list[str]:
    """Observation value nodes (the resource, then its components) -> observations."""
    kind = "Observation"

    def c(name: str) -> str:
        return _col(kind, name)

    node_paths = ", ".join(_q("$." + p) for p in _VALUE_NODE)
    top = ", ".join(c(p) for p in _VALUE_NODE)
    nodes = (
        f"SELECT lineno, pid, 0 AS k, [{top}] AS v FROM sc_cur WHERE cand UNION ALL "
        f"SELECT lineno, pid, k, json_extract(comp, [{node_paths}]) AS v FROM ("
        f"SELECT lineno, pid, x.comp AS comp, x.k AS k FROM (SELECT lineno, pid, unnest("
        f"list_transform(json_transform({c('component')}, '[\"JSON\"]'),"
        f" lambda comp, k: {{'comp': comp, 'k': k}})) AS x"
        f" FROM sc_cur WHERE cand AND json_type({c('component')}) = 'ARRAY'))"
    )
    vi = {p: f"v[{i + 1}]" for i, p in enumerate(_VALUE_NODE)}
    other = " OR ".join(f"{vi[p]} IS NOT NULL" for p in reader._VALUE_KEYS)
    q = vi["valueQuantity"]
    return [
        f"CREATE OR REPLACE TEMP TABLE sc_nodes AS SELECT lineno, pid, k, v,"
        f" sc_cc_ok({vi['code']}) AS cc_ok,"
        f" CASE WHEN sc_cc_ok({vi['code']}) THEN list_filter(list_transform("
        f"sc_codings({vi['code']}), lambda x: sc_measure(sc_sys(x.system), x.code)),"
        " lambda m: m IS NOT NULL)[1] END AS measure FROM (" + nodes + ")",
        # per hit node: how its value reads
        "CREATE OR REPLACE TEMP TABLE sc_vals AS SELECT lineno, pid, k, measure, value,"
        " value_ok AND (value IS NOT NULL OR NOT (q IS NOT NULL AND coalesce(comparator, '')"
        " = '' AND (conv1 OR conv2) OR q IS NULL AND vint IS NOT NULL AND convn))"
        " AS value_ok FROM ("
        "SELECT lineno, pid, k, measure, target, q, comparator, conv1, conv2, convn, vint,"
        " CASE WHEN q IS NOT NULL THEN"
        "  (json_type(q) = 'OBJECT' AND json_type(q, '$.value') IN"
        "   ('BIGINT', 'UBIGINT', 'DOUBLE') AND sc_str_ok(json_extract(q, '$.comparator'))"
        "   AND sc_str_ok(json_extract(q, '$.code')) AND sc_str_ok(json_extract(q, '$.unit'))"
        "   AND sc_plain_unit(qcode) AND sc_plain_unit(qunit)"
        "   AND (coalesce(comparator, '') <> '' OR conv1 OR conv2"
        "        OR coalesce(qcode, '') = '' AND coalesce(qunit, '') = ''))"
        "  WHEN vint IS NOT NULL THEN json_type(vint) IN ('BIGINT', 'UBIGINT')"
        "  ELSE NOT other AND dar IS NULL END AS value_ok,"
        " CASE WHEN q IS NOT NULL AND coalesce(comparator, '') = '' AND conv1"
        "  THEN sc_conv(CAST(json_extract(q, '$.value') AS DOUBLE), cand1, ccand1, target, ct)"
        "  WHEN q IS NOT NULL AND coalesce(comparator, '') = '' AND conv2"
        "  THEN sc_conv(CAST(json_extract(q, '$.value') AS DOUBLE), qunit, cunit, target, ct)"
        "  WHEN q IS NULL AND vint IS NOT NULL AND convn"
        "  THEN sc_conv(CAST(vint AS DOUBLE), NULL, cnone, target, ct) END AS value"
        f"{UNITS_READ}"
        f"  SELECT lineno, pid, k, measure, sc_target(measure) AS target, {q} AS q,"
        f"  {vi['valueInteger']} AS vint, {vi['dataAbsentReason']} AS dar, ({other}) AS other,"
        f"  CASE WHEN json_type({q}) = 'OBJECT' THEN sc_jstr(json_extract({q}, '$.code'))"
        "   END AS qcode,"
        f"  CASE WHEN json_type({q}) = 'OBJECT' THEN sc_jstr(json_extract({q}, '$.unit'))"
        "   END AS qunit,"
        f"  CASE WHEN json_type({q}) = 'OBJECT' THEN"
        f"   sc_jstr(json_extract({q}, '$.comparator')) END AS comparator"
        "  FROM sc_nodes WHERE measure IS NOT NULL))))",
        # per resource: can SQL read it all?
        "CREATE OR REPLACE TEMP TABLE sc_obs AS SELECT r.lineno, r.pid, n.all_cc, h.hits,"
        " h.values_ok FROM sc_cur r LEFT JOIN (SELECT lineno, bool_and(cc_ok) AS all_cc"
        " FROM sc_nodes GROUP BY lineno) n USING (lineno) LEFT JOIN (SELECT lineno,"
        " count(*) AS hits, bool_and(value_ok) AS values_ok FROM sc_vals GROUP BY lineno) h"
        " USING (lineno) WHERE r.cand",
        "UPDATE sc_cur SET ok = o.all_cc AND (coalesce(o.hits, 0) = 0 OR ("
        f"sc_str_ok({c('status')}) AND (coalesce(sc_jstr({c('status')}), '') IN"
        f" ({', '.join(_q(s) for s in sorted(reader.OBSERVATION_VOID))}) OR"
        f" (sc_jdate({c('effectiveDateTime')}, false) IS NOT NULL AND o.values_ok))))"
        " FROM sc_obs o WHERE o.lineno = sc_cur.lineno",
    ]


def _observation_insert(ordinal: int) -> str:
    kind = "Observation"

    def c(name: str) -> str:
        return _col(kind, name)

    void = ", ".join(_q(s) for s in sorted(reader.OBSERVATION_VOID))
    return (
        "INSERT INTO sc_f_observations SELECT v.pid, v.measure, v.value, r.obs_date,"
        f" {_seq(ordinal).replace('lineno', 'v.lineno')} + row_number() OVER"
        " (PARTITION BY v.lineno ORDER BY v.k) - 1 FROM sc_vals v JOIN (SELECT lineno,"
        f" sc_jdate({c('effectiveDateTime')}, false) AS obs_date FROM sc_cur WHERE ok"
        f" AND coalesce(sc_jstr({c('status')}), '') NOT IN ({void})) r USING (lineno)"
        " WHERE v.value IS NOT NULL"
    )


# ---------------------------------------------------------------------------------------
# The run


def _create_tables(con: Any) -> None:
    kinds = {"string": "VARCHAR", "date": "DATE", "double": "DOUBLE", "int64": "BIGINT"}
    for table, columns in TABLES.items():
        cols = ", ".join(f"{name} {kinds[kind]}" for name, kind in columns)
        con.execute(f"CREATE OR REPLACE TEMP TABLE sc_f_{table} ({cols})")
    con.execute("CREATE OR REPLACE TEMP TABLE sc_known (pid VARCHAR)")
    con.execute("CREATE OR REPLACE TEMP TABLE sc_seen (pid VARCHAR, n BIGINT)")
    con.execute(
        "CREATE OR REPLACE TEMP MACRO sc_cc_first(cc) AS CASE WHEN cc IS NULL THEN"
        " NULL ELSE sc_codings(cc)[1].code END"
    )


class _Fallback:
    """Lines SQL leaves to Python: the Python flattener's own per-line logic."""

    def __init__(self, con: Any, kb: KB, folder: Path, tally: Tally, strict: bool) -> None:
        self.con = con
        self.folder = folder
        self.tally = tally
        self.strict = strict
        self.flattener = Flattener(kb)
        self._medications: dict[str, Any] | None = None
        self.count = 0

    @property
    def medications(self) -> dict[str, Any]:
        if self._medications is None:
            self._medications = load_medications(self.folder, Tally(), strict=False)
        return self._medications

    @staticmethod
    def parse(raw: bytes, where: Line) -> dict[str, Any] | NdjsonError:
        """The resource, or the error that reports the line."""
        try:
            return parse_line(raw, where)
        except NdjsonError as err:
            return err

    def known_of(self, items: list[tuple[bytes, Line]]) -> list[str]:
        """Patient-file lines: the patient ids they make known (as known_patients)."""
        out = []
        for raw, where in items:
            if not raw.strip():  # a blank line: skipped, as iter_lines does
                continue
            try:
                resource = parse_line(raw, where)
            except NdjsonError:
                if self.strict:
                    raise
                continue
            pid = patient_id_of(resource)
            if pid is not None:
                out.append(pid)
        return out

    def run(self, items: list[tuple[bytes, Line]]) -> None:
        """The worker loop of :mod:`spinecare.bulk.flatten` for these lines (in line order:
        problems are reported in the order the Python reader reports them)."""
        self.count += len(items)
        parsed = []
        for raw, where in items:
            if not raw.strip():  # a blank line: skipped, as iter_lines does
                continue
            resource = self.parse(raw, where)
            pid = None if isinstance(resource, NdjsonError) else patient_id_of(resource)
            parsed.append((resource, where, pid))
        pids = sorted({pid for _, _, pid in parsed if pid is not None})
        known: set[str] = set()
        if pids:
            known = {
                r[0]
                for r in self.con.execute(
                    "SELECT pid FROM sc_known WHERE pid IN (SELECT unnest(?))", [pids]
                ).fetchall()
            }
        tally = self.tally
        for resource, where, pid in parsed:
            if isinstance(resource, NdjsonError):
                if self.strict:
                    raise resource
                tally.malformed += 1
                tally.report(resource.one_line())
                continue
            tally.resources[resource["resourceType"]] += 1
            if pid is None:
                tally.no_patient += 1
                tally.report(f"{where}: {resource_ref(resource)} names no patient")
                continue
            if pid not in known:
                tally.unknown_patient += 1
                continue
            from spinecare.bulk.facts import seq_of

            try:
                self.flattener.add_resource(
                    resource, pid, seq_of(where.ordinal, where.number), self.medications
                )
            except RecordError as err:
                if self.strict:
                    raise RecordError(
                        f"line {where.number}: {err.message}", source=where.file
                    ) from None
                tally.bad_resources += 1
                tally.report(f"{where}: {err.message}")
        self.flush()

    def flush(self) -> None:
        from spinecare.bulk.flatten import to_arrow

        for table, rows in self.flattener.take().items():
            if rows:
                self.con.register("sc_py_rows", to_arrow(table, rows))
                self.con.execute(f"INSERT INTO sc_f_{table} SELECT * FROM sc_py_rows")
                self.con.unregister("sc_py_rows")


def flatten_to_duckdb(
    folder: Path,
    con: Any,
    kb: KB,
    *,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
    typed: bool = True,
    native: bool | None = None,
) -> SqlFlattenResult:
    """Build the fact tables of :data:`TABLES` in ``con`` from the export in ``folder``.

    Tallies and reports exactly as :func:`spinecare.bulk.flatten.flatten_export`.
    ``native``: read the files it knows with :mod:`spinecare.bulk.nativeread` (default:
    when it is built). ``typed``: read the others whole with
    :mod:`spinecare.bulk.typedread` where it can (else every file goes line by line).
    Raises :class:`NdjsonError` / :class:`RecordError` (``strict``) naming file and line.
    """
    started = time.perf_counter()
    folder = Path(folder)
    tally = Tally()
    files = export_files(folder, ("Patient", *PATIENT_FIELD))
    install_kb(con, kb)
    typedread.install_macros(con, kb)
    _create_tables(con)
    fallback = _Fallback(con, kb, folder, tally, strict)
    fast = 0
    typed_files = 0
    native_files = 0
    codes = typedread.measure_codes(kb)
    if native is None:
        native = nativeread.available()
    cfg = nativeread.config(kb) if native else None

    def by_native(kind: str) -> bool:
        return native is True and kind in nativeread.KINDS

    # the raw-bytes checks of the typed files run ahead, while DuckDB reads
    ahead = ThreadPoolExecutor(1)
    checks = {
        o: ahead.submit(typedread.lenient_json, p)
        for o, (k, p) in enumerate(files)
        if typed and k in typedread.TYPED_KINDS and not by_native(k)
    }
    # 1. Patient files (the known patients) first, then the others; Python reads a file's
    # left-over lines once the file is done, in line order
    phases = [
        [(o, k, p) for o, (k, p) in enumerate(files) if k == "Patient"],
        [(o, k, p) for o, (k, p) in enumerate(files) if k != "Patient"],
    ]
    try:
        for phase, entries in enumerate(phases):
            pending: list[tuple[bytes, Line]] = []
            for ordinal, kind, path in entries:
                if phase:
                    pending = []
                whole = None
                if by_native(kind):
                    whole, left = nativeread.read_file(
                        con, kind, ordinal, path, tally, cfg, progress=progress
                    )
                    native_files += 1
                    pending.extend(left)
                elif typed and kind in typedread.TYPED_KINDS:
                    check = checks[ordinal].result
                    whole = typedread.read_file(con, kind, ordinal, path, tally, codes, check)
                    if whole is not None:
                        typed_files += 1
                        if progress is not None:
                            progress(whole)
                if whole is not None:
                    fast += whole
                else:
                    for lines, numbers, bad, open_line in _line_arrays(path):
                        pending.extend((raw, Line(str(path), n, ordinal)) for n, raw in bad)
                        _load_chunk(con, lines, numbers)
                        con.execute(_classify_sql(kind))
                        if kind == "Patient":
                            con.execute(
                                "INSERT INTO sc_known SELECT pid FROM sc_cur"
                                " WHERE rt = 'Patient' AND pid IS NOT NULL"
                            )
                        fast += _finish_chunk(con, kind, ordinal, path, tally, pending, open_line)
                        if progress is not None:
                            progress(len(numbers))
                if phase:
                    pending.sort(key=lambda item: item[1].number)
                    fallback.run(pending)
            if not phase:
                pending.sort(key=lambda item: (item[1].ordinal, item[1].number))
                extra = fallback.known_of(pending)
                if extra:
                    con.execute("INSERT INTO sc_known SELECT unnest(?)", [extra])
                con.execute(
                    "CREATE OR REPLACE TEMP TABLE sc_known AS SELECT DISTINCT pid FROM sc_known"
                )
                fallback.run(pending)
    finally:
        ahead.shutdown(cancel_futures=True)
    with contextlib.suppress(Exception):
        con.unregister("sc_chunk")
    tally.unknown_patient += con.execute(
        "SELECT coalesce(sum(n), 0) FROM sc_seen WHERE pid NOT IN (SELECT pid FROM sc_known)"
    ).fetchone()[0]
    for table in TABLES:
        distinct = "DISTINCT " if table == "patients" else ""
        con.execute(
            f"CREATE OR REPLACE TABLE {table} AS SELECT {distinct}* FROM sc_f_{table}"
            " WHERE pid IN (SELECT pid FROM sc_known)"
        )
        con.execute(f"DROP TABLE sc_f_{table}")
    for name in ("sc_cur", "sc_nodes", "sc_vals", "sc_obs", "sc_cond", "sc_seen"):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    patients = con.execute("SELECT count(*) FROM sc_known").fetchone()[0]
    return SqlFlattenResult(
        tally,
        patients,
        time.perf_counter() - started,
        fast,
        fallback.count,
        typed_files,
        native_files,
    )


def _load_chunk(con: Any, lines: Any, numbers: Any) -> None:
    import pyarrow as pa

    con.register("sc_chunk", pa.table({"line": lines, "n": numbers}))


def _finish_chunk(
    con: Any,
    kind: str,
    ordinal: int,
    path: Path,
    tally: Tally,
    pending: list[tuple[bytes, Line]],
    open_line: int | None = None,
) -> int:
    """Counts, fast-path facts and the lines left to Python of the chunk in sc_cur."""
    if kind == "Observation":
        for statement in _observation_sql(ordinal):
            con.execute(statement)
    # Python reads: not JSON, other types, odd references, shapes SQL does not read
    left = con.execute("SELECT lineno, line FROM sc_cur WHERE NOT ok ORDER BY lineno").fetchall()
    pending.extend(
        (_raw(line.encode("utf-8"), n, open_line), Line(str(path), n, ordinal)) for n, line in left
    )
    fast = 0
    for (n,) in con.execute("SELECT count(*) FROM sc_cur WHERE ok").fetchall():
        if n:
            tally.resources[kind] += n
        fast = n
    con.execute("INSERT INTO sc_seen SELECT pid, count(*) FROM sc_cur WHERE ok GROUP BY pid")
    if kind == "Observation":
        con.execute(_observation_insert(ordinal))
    else:
        for statement in _facts_sql(kind, ordinal):
            con.execute(statement)
    return fast
