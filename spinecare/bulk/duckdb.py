"""Bulk screening on DuckDB: embedded, out of core.

:func:`screen_export` flattens an export to Parquet fact tables
(:mod:`spinecare.bulk.flatten`), runs the compiled query
(:mod:`spinecare.bulk.compile`) with a memory limit and a spill directory, and writes one
row per patient. :func:`screen_records` does the same for records in memory (tests).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from spinecare.bulk.compile import compile_screening
from spinecare.bulk.facts import TABLES, Flattener
from spinecare.bulk.flatten import flatten_export, to_arrow
from spinecare.errors import InputError
from spinecare.fhir.ndjson import Tally, export_files, iter_lines, patient_id_of
from spinecare.fhir.reader import REPLACED
from spinecare.kb.loader import KB
from spinecare.record.model import PatientRecord

OUTPUT_FORMATS = {
    ".parquet": "PARQUET",
    ".csv": "CSV",
    ".ndjson": "JSON",
    ".jsonl": "JSON",
    ".json": "JSON",
}


@dataclass
class BulkResult:
    """What a bulk run did: the output, counts and timings."""

    out: Path | None
    patients: int
    verdicts: dict[str, int]
    concepts: dict[str, dict[str, int]]
    missing: dict[str, int]
    indicated: dict[str, int]
    tally: Tally
    seconds: dict[str, float]
    engine: str
    as_of: date
    deceased: int = 0
    """Patients not screened: recorded as deceased on or before ``as_of``."""

    def to_json(self) -> dict[str, Any]:
        return {
            "out": str(self.out) if self.out else None,
            "patients": self.patients,
            "verdicts": self.verdicts,
            "concepts": self.concepts,
            "missing": self.missing,
            "indicated": self.indicated,
            "input": self.tally.to_json(),
            "seconds": self.seconds,
            "engine": self.engine,
            "as_of": self.as_of.isoformat(),
            "deceased": self.deceased,
        }


def output_format(out: Path) -> str:
    fmt = OUTPUT_FORMATS.get(out.suffix.lower())
    if fmt is None:
        allowed = ", ".join(sorted(OUTPUT_FORMATS))
        raise ValueError(f"{out}: unknown output format '{out.suffix}' (use {allowed})")
    return fmt


def connect(memory_limit: str | None = None, spill: Path | None = None) -> Any:
    import duckdb

    con = duckdb.connect()
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    if spill is not None:
        con.execute(f"SET temp_directory = '{spill}'")
    con.execute("SET preserve_insertion_order = false")
    return con


def register_rows(con: Any, rows: dict[str, list[Any]]) -> None:
    """Fact rows in memory as DuckDB tables."""
    for table in TABLES:
        con.register(f"{table}_arrow", to_arrow(table, rows.get(table, [])))
        con.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM {table}_arrow")


def register_parquet(con: Any, folder: Path) -> None:
    """Parquet fact tables (``folder/<table>/*.parquet``) as DuckDB views."""
    for table in TABLES:
        parts = sorted((folder / table).glob("*.parquet"))
        if parts:
            files = "[" + ", ".join(f"'{p}'" for p in parts) + "]"
            source = f"read_parquet({files})"
        else:
            cols = ", ".join(
                f"CAST(NULL AS {_duck_type(kind)}) AS {name}" for name, kind in TABLES[table]
            )
            source = f"(SELECT {cols} WHERE FALSE)"
        con.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM {source}")


NAMED_TARGETS = (
    "SELECT DISTINCT pid, target FROM (SELECT pid, target FROM conditions UNION ALL"
    " SELECT pid, target FROM procedures) named WHERE target IS NOT NULL"
    f" AND target NOT LIKE '{REPLACED}%'"
)
"""The resources the fact rows read from a Reference's words name (``Observation/x``), by
patient: whether the export holds each is found by :func:`held_targets` (DuckDB and Spark
SQL alike)."""


def held_targets(folder: Path, named: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The ``held`` rows of the resources ``named`` (``(pid, "Observation/x")``) that the
    export in ``folder`` holds as that patient's, as the reader holds a record's resources
    (``RecordBuilder._holds``; not one set aside for a ``modifierExtension``, which the
    reader does not hold). The export's files of each type named are read line by line as
    the flattening reads them (plain or gzip, a line or a file that cannot be read passed
    over: the flattening reports it), only where a row names a resource: rows are kept
    only for words that name a concept, so a report's laboratory results cost nothing."""
    import orjson

    wanted: dict[str, dict[str, set[str]]] = {}
    for pid, target in named:
        kind, _, rid = target.partition("/")
        if kind and rid:
            wanted.setdefault(kind, {}).setdefault(rid, set()).add(pid)
    found: set[tuple[str, str]] = set()
    for kind, ids in sorted(wanted.items()):
        listed = b"|".join(re.escape(rid.encode()) for rid in sorted(ids))
        named_id = re.compile(rb'"id"\s*:\s*"(?:' + listed + rb')"')
        for _, path in export_files(folder, (kind,)):
            try:
                for _, raw in iter_lines(path):
                    if named_id.search(raw) is None:
                        continue
                    try:
                        resource = orjson.loads(raw)
                    except orjson.JSONDecodeError:
                        continue
                    if (
                        not isinstance(resource, dict)
                        or resource.get("resourceType") != kind
                        or resource.get("modifierExtension")
                    ):
                        continue
                    one, holder = resource.get("id"), patient_id_of(resource)
                    if isinstance(one, str) and holder is not None and holder in ids.get(one, ()):
                        found.add((holder, f"{kind}/{one}"))
            except InputError:
                continue  # the rest of a file that cannot be read: reported by the flattening
    return sorted(found)


def register_held(con: Any, folder: Path) -> None:
    """Add to the ``held`` view the resources of the export the fact rows name
    (:func:`held_targets`)."""
    named = con.execute(NAMED_TARGETS).fetchall()
    if not named:
        return
    found = held_targets(folder, named)
    con.register("held_found_arrow", to_arrow("held", found))
    con.execute("CREATE OR REPLACE TEMP TABLE held_found AS SELECT * FROM held_found_arrow")
    con.unregister("held_found_arrow")
    con.execute("ALTER VIEW held RENAME TO held_listed")
    con.execute("CREATE VIEW held AS SELECT * FROM held_listed UNION ALL SELECT * FROM held_found")


def _duck_type(kind: str) -> str:
    return {"string": "VARCHAR", "date": "DATE", "double": "DOUBLE", "int64": "BIGINT"}[kind]


def screen_records(
    records: Iterable[PatientRecord], kb: KB, as_of: date
) -> dict[str, dict[str, Any]]:
    """Screen records in memory with the compiled SQL: patient id -> output row."""
    flattener = Flattener(kb)
    for record in records:
        flattener.add_record(record)
    con = connect()
    register_rows(con, flattener.take())
    compiled = compile_screening(kb, as_of, "duckdb")
    cursor = con.execute(compiled.sql)
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def summarize(
    con: Any, relation: str
) -> tuple[int, dict[str, int], dict[str, dict[str, int]], dict[str, int], dict[str, int]]:
    total = con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
    verdicts = dict(
        con.execute(
            f"SELECT verdict, count(*) FROM {relation} GROUP BY verdict ORDER BY 2 DESC"
        ).fetchall()
    )
    concepts: dict[str, dict[str, int]] = {}
    for column in ("present", "unknown"):
        for concept, n in con.execute(
            f"SELECT c, count(*) FROM (SELECT unnest({column}) AS c FROM {relation})"
            " GROUP BY c ORDER BY 2 DESC, 1"
        ).fetchall():
            concepts.setdefault(concept, {"present": 0, "unknown": 0})[column] = n
    missing = dict(
        con.execute(
            f"SELECT m, count(*) FROM (SELECT unnest(missing) AS m FROM {relation})"
            " GROUP BY m ORDER BY 2 DESC, 1"
        ).fetchall()
    )
    indicated = {
        str(k).lower() if k is not None else "unknown": n
        for k, n in con.execute(
            f"SELECT indicated, count(*) FROM {relation} GROUP BY indicated"
        ).fetchall()
    }
    return total, verdicts, concepts, missing, indicated


def write_results(con: Any, out: Path) -> None:
    """Write the ``results`` table to ``out``, in the format its suffix names (lists joined
    with ';' in CSV, and a patient id a spreadsheet would run as a formula written with
    a leading apostrophe: the export's ids are the export's to choose)."""
    from spinecare.spreadsheet import formula_sql

    fmt = output_format(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    source = "results"
    if fmt == "CSV":
        source = (
            f"(SELECT {formula_sql('patient_id')} AS patient_id, verdict, indicated,"
            " array_to_string(indications, ';') AS indications,"
            " array_to_string(present, ';') AS present,"
            " array_to_string(unknown, ';') AS unknown,"
            " array_to_string(missing, ';') AS missing FROM results)"
        )
    target = str(out).replace("'", "''")  # a file name with a quote is still that file
    con.execute(f"COPY {source} TO '{target}' (FORMAT {fmt})")


def bulk_result(
    con: Any,
    out: Path | None,
    flat: Any,
    sql_seconds: float,
    started: float,
    engine: str,
    as_of: date,
    deceased: int = 0,
) -> BulkResult:
    """The run's result from the ``results`` table in ``con`` (then closed); ``flat``: the
    flattening's result (its ``tally`` and ``seconds``); ``deceased``: the patients not
    screened because they are recorded as deceased."""
    total, verdicts, concepts, missing, indicated = summarize(con, "results")
    con.close()
    seconds = {
        "flatten": round(flat.seconds, 3),
        "sql": round(sql_seconds, 3),
        "total": round(time.perf_counter() - started, 3),
    }
    return BulkResult(
        out,
        total,
        verdicts,
        concepts,
        missing,
        indicated,
        flat.tally,
        seconds,
        engine,
        as_of,
        deceased,
    )


def screen_export(
    folder: Path,
    out: Path | None,
    kb: KB,
    as_of: date,
    *,
    strict: bool = False,
    workers: int | None = None,
    memory_limit: str | None = "3GB",
    workdir: Path | None = None,
    progress: Callable[[int], None] | None = None,
    keep_facts: bool = False,
) -> BulkResult:
    """Screen every patient of a Bulk export on ``as_of``; write ``out`` (by its suffix).

    The export is read by the one FHIR reader (:mod:`spinecare.fhir.reader`, through
    :mod:`spinecare.bulk.flatten`'s worker processes) into Parquet fact tables, which
    the compiled rules then screen in DuckDB.
    """
    if out is not None:
        output_format(out)  # refuse an unknown output suffix before any work
    scratch = Path(tempfile.mkdtemp(prefix="spinecare-bulk-", dir=workdir))
    try:
        started = time.perf_counter()
        flat = flatten_export(
            folder, scratch / "facts", kb, strict=strict, workers=workers, progress=progress
        )
        con = connect(memory_limit, scratch / "spill")
        register_parquet(con, scratch / "facts")
        register_held(con, folder)
        compiled = compile_screening(kb, as_of, "duckdb")
        t_sql = time.perf_counter()
        con.execute(f"CREATE TEMP TABLE results AS {compiled.sql}")
        deceased = con.execute(compiled.deceased_sql).fetchone()[0]
        if out is not None:
            write_results(con, out)
        sql_seconds = time.perf_counter() - t_sql
        return bulk_result(con, out, flat, sql_seconds, started, "duckdb", as_of, deceased)
    finally:
        if not keep_facts:
            shutil.rmtree(scratch, ignore_errors=True)
