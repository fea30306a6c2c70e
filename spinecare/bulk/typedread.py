"""Whole files through DuckDB's typed JSON reader: the fast path of ``--flatten sql``.

:mod:`spinecare.bulk.sqlflatten` reads a file line by line (Python splits the lines, DuckDB's
JSON functions read each one). That keeps line numbers, but parses every line several
times. Here DuckDB's ``read_ndjson`` reads a whole file once, in parallel, straight into
typed columns: only the fields the reader looks at, declared as nested structs whose
leaves are kept as JSON text, so a leaf's JSON type (string, number, ...) is still known.

It is all or nothing per file. The file is taken only when every line is one SQL reads
exactly as the Python reader does (:func:`ok_sql`, as conservative as the per-line fast
path) and names a patient simply. If DuckDB rejects a line (not JSON, a field of another
shape, a duplicate key) or any line is not plainly readable, the file's facts are
discarded and the file is read line by line, which reports every bad line with its number.

Two things DuckDB's JSON parser accepts that the line reader rejects as malformed:
``NaN`` / ``Infinity`` literals, numbers beyond the double range, and trailing commas.
:func:`lenient_json` finds them in the raw bytes (RE2, through pyarrow) before DuckDB
reads the file, and such a file goes line by line too.

``seq`` (the order of facts with equal dates) comes from the table's row order: the scan
keeps the file's order (``preserve_insertion_order``; no join in it, which would not), so
it rises with the line number, which is all the compiled rules use it for. It is the
line number itself unless the file has blank lines (DuckDB skips them, as Python does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from spinecare.fhir import reader
from spinecare.fhir.ndjson import GZIP_MAGIC, Tally
from spinecare.kb.loader import KB

TYPED_KINDS = ("Patient", "Condition", "Observation", "MedicationRequest", "MedicationStatement")
"""Resource types read by the typed reader (the others are small and read line by line)."""

# JSON DuckDB reads and orjson does not: NaN/Infinity literals (any case), numbers with a
# three-digit exponent or twenty digits (possibly beyond a double or a 64-bit integer),
# and trailing commas. Inside strings these only make the check over-cautious. One
# pattern per leading byte: RE2 then skips ahead with memchr.
_ODD_VALUE = (
    r"-?(?:(?:[nN][aA][nN]|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)[ \t\r]*[,}\]]"
    r"|[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]{3}|[0-9]{20})"
)
LENIENT_JSON = (
    r":[ \t\r]*" + _ODD_VALUE,
    r",[ \t\r]*(?:[\]}]|" + _ODD_VALUE + ")",
    r"\[[ \t\r]*" + _ODD_VALUE,
)
SCAN_BYTES = 64 * 1024 * 1024

_CODINGS = "STRUCT(coding STRUCT(system JSON, code JSON, display JSON)[])"
_CC = "STRUCT(coding STRUCT(system JSON, code JSON, display JSON)[], text JSON)"
_REF = "STRUCT(reference JSON)"
_QTY = "STRUCT(value JSON, comparator JSON, code JSON, unit JSON)"
_PERIOD = 'STRUCT("start" JSON, "end" JSON)'
# A value node (the Observation, or one of its components). Only valueQuantity and
# valueInteger are read: a hit node with neither goes line by line (Python tells a key
# written as null from an absent one there; a typed column cannot).
# The reader never reads an Observation code's text.
_NODE = {
    "code": _CODINGS,
    "valueQuantity": _QTY,
    "valueInteger": "JSON",
}


CONDITION_UNREAD = (
    "category",
    "bodySite",
    "onsetPeriod",
    "abatementString",
    "abatementAge",
    "abatementRange",
    "abatementBoolean",
    "abatementPeriod",
)
"""Condition fields SQL does not read: a line with any of them goes line by line."""


def _struct(fields: dict[str, str]) -> str:
    return "STRUCT(" + ", ".join(f'"{k}" {v}' for k, v in fields.items()) + ")"


COLUMNS: dict[str, dict[str, str]] = {
    "Patient": {
        "resourceType": "JSON",
        "id": "JSON",
        "gender": "JSON",
        "birthDate": "JSON",
        "name": "STRUCT(family JSON, given JSON, text JSON)[]",
        "communication": f"STRUCT(language {_CC})[]",
    },
    "Condition": {
        "resourceType": "JSON",
        "subject": _REF,
        "code": _CC,
        # statuses: the reader reads their codings, never their text
        "clinicalStatus": _CODINGS,
        "verificationStatus": _CODINGS,
        "onsetDateTime": "JSON",
        "recordedDate": "JSON",
        "abatementDateTime": "JSON",
        **dict.fromkeys(CONDITION_UNREAD, "JSON"),
    },
    "Observation": {
        "resourceType": "JSON",
        "subject": _REF,
        "status": "JSON",
        "effectiveDateTime": "JSON",
        **_NODE,
        "component": _struct(_NODE) + "[]",
    },
    "MedicationRequest": {
        "resourceType": "JSON",
        "subject": _REF,
        "status": "JSON",
        "medicationCodeableConcept": _CC,
        "medicationReference": "JSON",
        "dispenseRequest": "JSON",
        "authoredOn": "JSON",
        "effectiveDateTime": "JSON",
        "effectivePeriod": _PERIOD,
    },
}
COLUMNS["MedicationStatement"] = COLUMNS["MedicationRequest"]


def install_macros(con: Any, kb: KB) -> None:
    """Macros over JSON-text leaves (after :func:`spinecare.bulk.sqlflatten.install_kb`)."""
    statements = [
        # a leaf that is absent, null or a string; a string leaf's value
        "sc_isstr(x) AS x IS NULL OR starts_with(CAST(x AS VARCHAR), '\"')",
        "sc_s(x) AS CASE WHEN starts_with(CAST(x AS VARCHAR), '\"') THEN CASE WHEN"
        " contains(CAST(x AS VARCHAR), '\\') THEN x ->> '$'"
        " ELSE CAST(x AS VARCHAR)[2:-2] END END",
        # a plain JSON number: one Python's float() and DuckDB's DOUBLE read alike
        "sc_isnum(x) AS regexp_full_match(CAST(x AS VARCHAR),"
        " '-?(0|[1-9][0-9]{0,14})(\\.[0-9]+)?([eE][+-]?[0-9]{1,2})?')",
        "sc_isint(x) AS regexp_full_match(CAST(x AS VARCHAR), '-?(0|[1-9][0-9]{0,14})')",
        # a date leaf: absent or null, or a string the reader's pattern reads
        "sc_dok(x, e) AS x IS NULL OR (starts_with(CAST(x AS VARCHAR), '\"')"
        " AND sc_date(sc_s(x), e) IS NOT NULL)",
        "sc_d(x, e) AS sc_date(sc_s(x), e)",
        # a CodeableConcept SQL reads as Python does: codings are objects whose system,
        # code and display are strings (or absent), and the text is a string
        "sc_codingsok(cs) AS coalesce(len(list_filter(cs, lambda c: c IS NULL OR NOT ("
        "sc_isstr(c.code) AND sc_isstr(c.system) AND sc_isstr(c.display)))) = 0, true)",
        "sc_ccok(cc) AS cc IS NULL OR (sc_isstr(cc.text) AND sc_codingsok(cc.coding))",
        # an Observation's code (no text) whose codes, compared as JSON text, are plain
        "sc_obscodeok(cc) AS cc IS NULL OR (sc_codingsok(cc.coding) AND coalesce(len("
        "list_filter(cc.coding, lambda c: contains(CAST(c.code AS VARCHAR), '\\'))) = 0,"
        " true))",
    ]
    for statement in statements:
        con.execute(f"CREATE OR REPLACE TEMP MACRO {statement}")
    from spinecare.core import reader_measures

    con.execute(
        "CREATE OR REPLACE TEMP TABLE sc_measures(sys VARCHAR, code VARCHAR, measure VARCHAR)"
    )
    con.executemany(
        "INSERT INTO sc_measures VALUES (?, ?, ?)",
        [(sys, code, m) for (sys, code), (m, _) in reader_measures(kb).items()],
    )


def lenient_json(path: Path) -> bool:
    """True when the raw file may hold JSON that DuckDB reads and orjson does not.

    Blocks end at a line end (no pattern spans lines); the patterns run on two threads.
    """
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow as pa
    import pyarrow.compute as pc

    def odd(data: Any, patterns: tuple[str, ...]) -> bool:
        return any(pc.any(pc.match_substring_regex(data, p)).as_py() for p in patterns)

    # the costliest pattern (':' is the commonest byte) alone on one thread
    halves = (LENIENT_JSON[:1], LENIENT_JSON[1:])
    with ThreadPoolExecutor(2) as pool:
        for block in _raw_blocks(path):
            offsets = pa.array([0, len(block)], type=pa.int64()).buffers()[1]
            data = pa.LargeBinaryArray.from_buffers(
                pa.large_binary(), 1, [None, offsets, pa.py_buffer(block)]
            )
            found = any(list(pool.map(odd, [data, data], halves)))
            del data
            if found:
                return True
    return False


def _raw_blocks(path: Path) -> Iterator[Any]:
    """The file's bytes in blocks ending at a line end, each valid until the next is asked
    for (one buffer is reused: no copies, bounded memory)."""
    from spinecare.bulk.sqlflatten import blocks

    with open(path, "rb", buffering=0) as handle:
        if handle.read(2) == GZIP_MAGIC:
            yield from blocks(path, SCAN_BYTES)
            return
        handle.seek(0)
        buffer = bytearray(SCAN_BYTES)
        carry = 0
        while True:
            with memoryview(buffer) as view:
                read = handle.readinto(view[carry:])
            filled = carry + (read or 0)
            if not read:
                if filled:
                    yield memoryview(buffer)[:filled]
                return
            cut = buffer.rfind(b"\n", 0, filled) + 1
            if cut == 0:  # a line longer than the buffer: a bigger one
                bigger = bytearray(2 * len(buffer))
                bigger[:filled] = buffer[:filled]
                buffer, carry = bigger, filled
                continue
            yield memoryview(buffer)[:cut]
            buffer[: filled - cut] = buffer[cut:filled]
            carry = filled - cut


def _source(kind: str, path: Path) -> str:
    with open(path, "rb") as probe:
        gz = probe.read(2) == GZIP_MAGIC
    spec = ", ".join(f"{_quote(k)}: {_quote(v)}" for k, v in COLUMNS[kind].items())
    return (
        f"read_ndjson({_quote(str(path))}, columns={{{spec}}},"
        f" compression={_quote('gzip' if gz else 'none')},"
        " maximum_object_size=33554432)"
    )


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _pid(kind: str) -> str:
    if kind == "Patient":
        return "CASE WHEN sc_s(id) <> '' THEN sc_s(id) END"
    return "sc_pid(sc_s(subject.reference))"


def _dates(kind: str) -> dict[str, str]:
    """Date leaves read once per line: name -> (leaf, end)."""
    if kind == "Patient":
        return {"d_birth": "sc_d(birthDate, false)"}
    if kind == "Condition":
        return {
            "d_onset": "sc_d(onsetDateTime, false)",
            "d_recorded": "sc_d(recordedDate, false)",
            "d_abatement": "sc_d(abatementDateTime, true)",
        }
    if kind == "Observation":
        return {"d_effective": "sc_d(effectiveDateTime, false)"}
    return {
        "d_authored": "sc_d(authoredOn, false)",
        "d_effective": "sc_d(effectiveDateTime, false)",
        "d_start": "sc_d(effectivePeriod.start, false)",
        "d_end": 'sc_d(effectivePeriod."end", true)',
    }


def _date_ok(leaf: str, parsed: str) -> str:
    return f"({leaf} IS NULL OR {parsed} IS NOT NULL)"


def ok_sql(kind: str) -> str:
    """True when SQL reads the line exactly as the Python reader does (beyond the codings,
    checked once unnested)."""
    common = f"sc_s(resourceType) IS NOT DISTINCT FROM {_quote(kind)} AND pid IS NOT NULL"
    if kind == "Patient":
        return (
            f"{common} AND sc_isstr(gender) AND {_date_ok('birthDate', 'd_birth')}"
            " AND coalesce(len(list_filter(name, lambda n: n IS NULL OR NOT ("
            "(n.given IS NULL OR starts_with(CAST(n.given AS VARCHAR), '['))"
            " AND sc_isstr(n.family) AND sc_isstr(n.text)))) = 0, true)"
            " AND coalesce(len(list_filter(communication, lambda c: c IS NULL"
            " OR NOT sc_ccok(c.language))) = 0, true)"
        )
    if kind == "Condition":
        absent = " AND ".join(f"{name} IS NULL" for name in CONDITION_UNREAD)
        return (
            f"{common} AND {absent} AND sc_ccok(code)"
            " AND (clinicalStatus IS NULL OR sc_codingsok(clinicalStatus.coding))"
            " AND (verificationStatus IS NULL OR sc_codingsok(verificationStatus.coding))"
            f" AND {_date_ok('onsetDateTime', 'd_onset')}"
            f" AND {_date_ok('recordedDate', 'd_recorded')}"
            f" AND {_date_ok('abatementDateTime', 'd_abatement')}"
            " AND sc_ascii(sc_s(code.text))"
        )
    if kind == "Observation":
        return (
            f"{common} AND sc_isstr(status) AND sc_obscodeok(code)"
            " AND coalesce(len(list_filter(component, lambda c: c IS NULL"
            " OR NOT sc_obscodeok(c.code))) = 0, true) AND coalesce(len(component), 0) < 60"
        )
    period = "effectivePeriod"
    end = period + '."end"'
    return (
        f"{common} AND (sc_s(status) IS NOT DISTINCT FROM 'entered-in-error' OR ("
        "medicationCodeableConcept IS NOT NULL AND medicationReference IS NULL"
        " AND dispenseRequest IS NULL AND sc_isstr(status)"
        " AND sc_ccok(medicationCodeableConcept)"
        f" AND {_date_ok('authoredOn', 'd_authored')}"
        f" AND {_date_ok('effectiveDateTime', 'd_effective')}"
        f" AND ({period} IS NULL OR ({_date_ok(period + '.start', 'd_start')}"
        f" AND {_date_ok(end, 'd_end')}))))"
    )


def measure_codes(kb: KB) -> str:
    """The measures' codes as JSON string literals (a cheap first test of a coding)."""
    from spinecare.core import reader_measures

    codes = sorted({code for (_, code) in reader_measures(kb)})
    return "[" + ", ".join(_quote('"' + c + '"') for c in codes) + "]"


def _keep_sql(kind: str, measure_codes: str) -> str:
    """The per-line payload the facts are built from (NULL when the line gives none)."""
    if kind == "Patient":
        return "pid"
    if kind == "Condition":
        return (
            "CASE WHEN len(code.coding) > 0 THEN {'codings': code.coding, 'text':"
            " sc_s(code.text), 'clinical': sc_s(list_filter(clinicalStatus.coding,"
            " lambda c: c.code IS NOT NULL)[1].code), 'verification':"
            " sc_s(list_filter(verificationStatus.coding, lambda c: c.code IS NOT NULL)[1].code),"
            " 'start_date': coalesce(d_onset, d_recorded), 'abatement': d_abatement} END"
        )
    if kind in ("MedicationRequest", "MedicationStatement"):
        return (
            "CASE WHEN coalesce(sc_s(status), '') <> 'entered-in-error'"
            " AND len(medicationCodeableConcept.coding) > 0 THEN {'codings':"
            " medicationCodeableConcept.coding, 'status': sc_s(status),"
            " 'start_date': coalesce(d_authored, d_effective, d_start), 'end_date': d_end} END"
        )
    if kind == "Observation":
        top = "{" + ", ".join(f"'{k}': \"{k}\"" for k in _NODE) + "}"
        codes = "lambda c: CAST(c.code AS VARCHAR)"
        return (
            f"CASE WHEN list_has_any(list_transform(code.coding, {codes}), {measure_codes})"
            " OR len(list_filter(component, lambda n: list_has_any(list_transform("
            f"n.code.coding, {codes}), {measure_codes}))) > 0 THEN {{'nodes':"
            f" list_prepend({top}, coalesce(component, [])), 'status': sc_s(status),"
            f" 'date_ok': {_date_ok('effectiveDateTime', 'd_effective')},"
            " 'obs_date': d_effective} END"
        )
    raise ValueError(kind)


def _scan_sql(kind: str, path: Path, measure_codes: str) -> str:
    """sc_tt: one row per line, in the file's order: pid, ok (SQL reads it) and f, what
    the facts need (NULL for lines giving none). Nothing here may reorder rows (a join
    would): the row order is the line order."""
    cols = ", ".join(f'"{c}"' for c in COLUMNS[kind])
    dates = ", ".join(f"{expr} AS {name}" for name, expr in _dates(kind).items())
    return (
        "CREATE OR REPLACE TEMP TABLE sc_tt AS SELECT pid, ok,"
        f" CASE WHEN ok THEN {_keep_sql(kind, measure_codes)} END AS f FROM ("
        f"SELECT *, coalesce({ok_sql(kind)}, false) AS ok"
        f" FROM (SELECT *, {dates} FROM (SELECT {cols}, {_pid(kind)} AS pid"
        f" FROM {_source(kind, path)})))"
    )


def _seq(ordinal: int) -> str:
    return f"(((CAST({ordinal} AS BIGINT) << 32) + rowid + 1) << 6)"


def _codings_sql(source: str) -> str:
    """sc_tc(n, pid, system, sys, code, display): the codings (with a code) of sc_tf's
    ``source`` list, unnested."""
    return (
        "CREATE OR REPLACE TEMP TABLE sc_tc AS SELECT n, pid, sc_s(c.system) AS system,"
        " sc_sys(sc_s(c.system)) AS sys, sc_s(c.code) AS code, sc_s(c.display) AS display"
        f" FROM (SELECT n, pid, unnest({source}) AS c FROM sc_tf) WHERE c.code IS NOT NULL"
    )


def _hits_sql() -> str:
    """(n, pid, sys, code, concept, cset, zone) per KB hit of the codings in sc_tc."""
    return (
        "SELECT c.n, c.pid, c.sys, c.code, e.concept, e.cset, e.zone FROM sc_tc c"
        " JOIN sc_codes_exact e ON e.system = c.sys AND e.code = c.code"
        " WHERE NOT sc_is_icd(c.sys) UNION ALL "
        "SELECT c.n, c.pid, c.sys, c.code, i.concept, i.cset, i.zone FROM sc_tc c"
        " JOIN sc_codes_icd i ON i.cat = sc_icd(c.code)[1:3]"
        " AND starts_with(sc_icd(c.code), i.prefix) WHERE sc_is_icd(c.sys)"
    )


def _observation_values() -> list[str]:
    """sc_tv: per hit node of the kept Observations, its measure and how its value reads."""
    from spinecare.bulk.sqlflatten import UNITS_READ

    return [
        "CREATE OR REPLACE TEMP TABLE sc_tnodes AS SELECT n, pid, f.status AS status,"
        " f.date_ok AS date_ok, f.obs_date AS obs_date, unnest(f.nodes) AS node,"
        " generate_subscripts(f.nodes, 1) - 1 AS k FROM sc_tf",
        # a node's measure: its first coding that is one (codes are strings or null here)
        "CREATE OR REPLACE TEMP TABLE sc_tm AS SELECT n, k, arg_min(m.measure, j) AS measure"
        " FROM (SELECT n, k, j, sc_sys(sc_s(c.system)) AS sys, sc_s(c.code) AS code FROM ("
        "SELECT n, k, unnest(node.code.coding) AS c, generate_subscripts(node.code.coding, 1)"
        " AS j FROM sc_tnodes) WHERE c.code IS NOT NULL) x JOIN sc_measures m USING (sys, code)"
        " GROUP BY n, k",
        "CREATE OR REPLACE TEMP TABLE sc_tnodes AS SELECT t.*, m.measure FROM sc_tnodes t"
        " JOIN sc_tm m USING (n, k)",
        "CREATE OR REPLACE TEMP TABLE sc_tv AS SELECT n, pid, k, measure, status, date_ok,"
        " obs_date, value,"
        " value_ok AND (value IS NOT NULL OR NOT (q IS NOT NULL AND coalesce(comparator, '')"
        " = '' AND (conv1 OR conv2) OR q IS NULL AND vint IS NOT NULL AND convn))"
        " AS value_ok FROM ("
        "SELECT *, CASE WHEN q IS NOT NULL THEN"
        "  (sc_isnum(q.value) AND sc_isstr(q.comparator) AND sc_isstr(q.code)"
        "   AND sc_isstr(q.unit) AND sc_plain_unit(qcode) AND sc_plain_unit(qunit)"
        "   AND (coalesce(comparator, '') <> '' OR conv1 OR conv2"
        "        OR coalesce(qcode, '') = '' AND coalesce(qunit, '') = ''))"
        # no valueQuantity: only a valueInteger reads alike (a key written as null is
        # invisible here, but not to Python)
        "  WHEN vint IS NOT NULL THEN sc_isint(vint)"
        "  ELSE false END AS value_ok,"
        " CASE WHEN q IS NOT NULL AND coalesce(comparator, '') = '' AND conv1"
        "  THEN sc_conv(TRY_CAST(CAST(q.value AS VARCHAR) AS DOUBLE), cand1, ccand1, target, ct)"
        "  WHEN q IS NOT NULL AND coalesce(comparator, '') = '' AND conv2"
        "  THEN sc_conv(TRY_CAST(CAST(q.value AS VARCHAR) AS DOUBLE), qunit, cunit, target, ct)"
        "  WHEN q IS NULL AND vint IS NOT NULL AND convn"
        "  THEN sc_conv(TRY_CAST(CAST(vint AS VARCHAR) AS DOUBLE), NULL, cnone, target, ct)"
        "  END AS value"
        f"{UNITS_READ}"
        "  SELECT n, pid, k, measure, status, date_ok, obs_date, sc_target(measure) AS target,"
        "  node.valueQuantity AS q, node.valueInteger AS vint, sc_s(node.valueQuantity.code)"
        "  AS qcode, sc_s(node.valueQuantity.unit) AS qunit,"
        "  sc_s(node.valueQuantity.comparator) AS comparator FROM sc_tnodes))))",
    ]


_VOID = ", ".join(_quote(s) for s in sorted(reader.OBSERVATION_VOID))


def _checks_sql(kind: str) -> str | None:
    """A count of the kept lines SQL cannot read after all (then the file goes line by line)."""
    if kind == "Condition":
        return "SELECT count(*) FROM sc_tc WHERE NOT (sc_ascii(display) AND sc_ascii(code))"
    if kind == "Observation":
        return (
            f"SELECT count(*) FROM sc_tv WHERE coalesce(status, '') NOT IN ({_VOID})"
            " AND NOT (date_ok AND obs_date IS NOT NULL AND value_ok)"
        )
    return None


def _prepare_sql(kind: str) -> list[str]:
    if kind == "Observation":
        return _observation_values()
    if kind == "Condition":
        return [_codings_sql("f.codings")]
    if kind in ("MedicationRequest", "MedicationStatement"):
        return [_codings_sql("f.codings")]
    return []


def _facts_sql(kind: str) -> list[str]:
    """Fact rows from sc_tf(n, pid, f) and the tables of :func:`_prepare_sql`."""
    if kind == "Patient":
        return ["INSERT INTO sc_f_patients SELECT pid FROM sc_tf"]
    if kind == "Condition":
        family = (
            "SELECT n FROM sc_tf WHERE sc_fh_text(f.text) UNION SELECT n FROM sc_tc WHERE"
            " sc_fh_coding({'system': system, 'code': code, 'display': display})"
        )
        return [
            "INSERT INTO sc_f_conditions SELECT h.pid, h.concept, h.cset, CASE WHEN"
            " coalesce(h.zone, CASE WHEN sc_is_icd(h.sys) THEN sc_icd_zone(h.code) END)"
            " IS NULL THEN '' ELSE '|' || coalesce(h.zone, sc_icd_zone(h.code)) || '|' END,"
            " d.clinical, d.verification, d.start_date, d.abatement"
            f" FROM ({_hits_sql()}) h JOIN (SELECT n, f.clinical AS clinical,"
            " f.verification AS verification, f.start_date AS start_date,"
            f" f.abatement AS abatement FROM sc_tf WHERE n NOT IN ({family})) d USING (n)"
        ]
    if kind in ("MedicationRequest", "MedicationStatement"):
        return [
            "INSERT INTO sc_f_medications SELECT h.pid, h.concept, s.status,"
            " s.start_date, s.end_date FROM (SELECT DISTINCT n, pid, concept FROM ("
            f"{_hits_sql()})) h JOIN (SELECT n, f.status AS status,"
            " f.start_date AS start_date, f.end_date AS end_date FROM sc_tf) s USING (n)"
        ]
    if kind == "Observation":
        return [
            "INSERT INTO sc_f_observations SELECT pid, measure, value, obs_date,"
            " n + row_number() OVER (PARTITION BY n ORDER BY k) - 1 FROM sc_tv"
            f" WHERE coalesce(status, '') NOT IN ({_VOID}) AND value IS NOT NULL"
        ]
    raise ValueError(kind)


def read_file(
    con: Any,
    kind: str,
    ordinal: int,
    path: Path,
    tally: Tally,
    measure_codes: str,
    lenient: Callable[[], bool] | None = None,
) -> int | None:
    """Facts of one whole file into the ``sc_f_*`` tables; the number of resources read,
    or None (nothing changed) when the file must be read line by line.

    ``lenient``: the file's :func:`lenient_json`, if already under way elsewhere.
    """
    import duckdb

    if kind not in TYPED_KINDS or (lenient or (lambda: lenient_json(path)))():
        return None
    con.execute("SET preserve_insertion_order = true")
    try:
        con.execute(_scan_sql(kind, path, measure_codes))
    except duckdb.Error:
        # a line DuckDB cannot read as declared: the line reader names it
        _drop(con)
        return None
    finally:
        con.execute("SET preserve_insertion_order = false")
    known = "true" if kind == "Patient" else "pid IN (SELECT pid FROM sc_known)"
    total, bad = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE NOT ok) FROM sc_tt"
    ).fetchone()
    if bad:
        _drop(con)
        return None
    (unknown,) = con.execute(f"SELECT count(*) FILTER (WHERE NOT {known}) FROM sc_tt").fetchone()
    # a view, not a copy: the payload is read once or twice, where it lies
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW sc_tf AS SELECT {_seq(ordinal)} AS n, pid, f FROM sc_tt"
        f" WHERE f IS NOT NULL AND {known}"
    )
    for statement in _prepare_sql(kind):
        con.execute(statement)
    check = _checks_sql(kind)
    if check is not None and con.execute(check).fetchone()[0]:
        _drop(con)
        return None
    if kind == "Patient":
        con.execute("INSERT INTO sc_known SELECT pid FROM sc_tt")
    else:
        tally.unknown_patient += unknown
    for statement in _facts_sql(kind):
        con.execute(statement)
    _drop(con)
    if total:
        tally.resources[kind] += total
    return int(total)


def _drop(con: Any) -> None:
    con.execute("DROP VIEW IF EXISTS sc_tf")
    for name in ("sc_tt", "sc_tc", "sc_tnodes", "sc_tm", "sc_tv"):
        con.execute(f"DROP TABLE IF EXISTS {name}")
