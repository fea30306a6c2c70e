"""Bulk screening on Apache Spark: the same compiled rules, Spark SQL dialect.

What runs where:

- **Driver**: plans and writes. It lists the export's files and cuts each large plain
  file into ranges of whole lines (a gzip file is one range); gathers the known patient
  ids and the Medication and Substance resources the executors read, and broadcasts them;
  registers the fact tables, runs the query compiled for Spark SQL, collects one row per
  patient and writes the results.
- **Executors**: read and interpret. One task per range: first the ranges' lines are
  counted (so every line keeps its number in the file for reports and ordering) and the
  Patient, Medication and Substance ranges read; then every resource of a range is read by
  the one Python reader (:func:`spinecare.bulk.flatten.flatten_resource`: the FHIR reader's
  ``RecordBuilder`` and the engine's concept index, as the DuckDB workers use it), and
  its fact rows become one cached DataFrame (each fact table a view of it), with the
  task's own row: its tally (resources per type, malformed lines, unknown patients,
  unreadable resources) and where it ran.

``--spark-master`` points at a cluster (``spark://host:7077``); the default is
``local[*]``. On a cluster, every executor must read the export folder at the same path
and have spinecare installed; a KB other than the packaged one must be readable there too.
"""

from __future__ import annotations

import functools
import itertools
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from spinecare.bulk.compile import compile_screening
from spinecare.bulk.duckdb import (
    NAMED_TARGETS,
    BulkResult,
    bulk_result,
    connect,
    held_targets,
    output_format,
    write_results,
)
from spinecare.bulk.facts import TABLES, Flattener
from spinecare.bulk.flatten import flatten_resource
from spinecare.documents import GZIP_MAGIC
from spinecare.errors import InputError
from spinecare.fhir.ndjson import (
    FACT_FILES,
    SHARED_KINDS,
    KnownPatients,
    NdjsonError,
    Shared,
    Tally,
    add_drug,
    export_files,
    iter_lines,
    note_unread,
    parse_lines,
    patient_keys,
)
from spinecare.kb.loader import KB, default_path, load_kb
from spinecare.messages import Message
from spinecare.record.model import PatientRecord

SPARK_TYPES = {"string": "STRING", "date": "DATE", "double": "DOUBLE", "int64": "BIGINT"}
SLOT_PREFIX = {"string": "s", "date": "t", "double": "x", "int64": "n"}

FACT_TYPES = ("Patient", *FACT_FILES)
"""The resource types whose lines give facts (numbered in this order, as the DuckDB
workers number them)."""

RANGE_MIN = 1 << 20
RANGE_MAX = 128 << 20
BATCH_ROWS = 50_000
TALLY = "~tally"
"""The ``tbl`` of a task's own row: its tally and where it ran."""


def schema_ddl(table: str) -> str:
    return ", ".join(f"{name} {SPARK_TYPES[kind]}" for name, kind in TABLES[table])


def get_session(
    master: str | None = None, app_name: str = "spinecare-bulk", *, small: bool = False
) -> Any:
    """A SparkSession (``local[*]`` unless ``master`` names a cluster).

    ``small``: tuned for tiny inputs (tests): one shuffle partition, no adaptive planning.
    Python workers run this interpreter unless ``PYSPARK_PYTHON`` says otherwise.
    """
    import sys

    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master or "local[*]").appName(app_name)
    if master is None or master.startswith("local"):
        # local mode (and local-cluster) stays on loopback, not the host's interface
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = builder.config("spark.driver.host", "127.0.0.1").config(
            "spark.driver.bindAddress", "127.0.0.1"
        )
    builder = (
        builder.config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    if small:
        builder = (
            builder.config("spark.sql.shuffle.partitions", "1")
            .config("spark.sql.adaptive.enabled", "false")
            .config("spark.default.parallelism", "2")
        )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def register_rows(spark: Any, rows: dict[str, list[Any]]) -> None:
    for table in TABLES:
        frame = spark.createDataFrame(rows.get(table, []), schema=schema_ddl(table))
        frame.createOrReplaceTempView(table)


def run_steps(spark: Any, compiled: Any) -> Any:
    """The compiled steps as temp views; the per-patient rule table is checkpointed so
    Spark's optimiser does not inline the large rule expressions into every use."""
    frame = None
    for name, sql in compiled.steps:
        frame = spark.sql(sql)
        if name in ("leaves", "rules_t"):
            frame = frame.localCheckpoint()
        frame.createOrReplaceTempView(name)
    return frame


def screen_records_spark(
    spark: Any, records: Iterable[PatientRecord], kb: KB, as_of: date
) -> dict[str, dict[str, Any]]:
    """Screen records in memory on Spark: patient id -> output row."""
    flattener = Flattener(kb)
    for record in records:
        flattener.add_record(record)
    rows = flattener.take()
    register_rows(spark, rows)
    compiled = compile_screening(kb, as_of, "spark", clearances=bool(rows["clearances"]))
    out = {}
    for row in run_steps(spark, compiled).collect():
        data = row.asDict()
        out[data["patient_id"]] = data
    return out


# ---------------------------------------------------------------------------------------
# Planning (driver)


@dataclass(frozen=True)
class LineRange:
    """Whole lines of one export file: bytes ``start`` to ``end`` (``-1``: to the end of
    the file; a gzip file is read whole), the first numbered ``first``."""

    kind: str
    file: str
    path: str
    ordinal: int
    start: int = 0
    end: int = -1
    first: int = 1


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as probe:
        return probe.read(2) == GZIP_MAGIC


def _cuts(path: Path, size: int, step: int) -> list[int]:
    """Offsets of line starts about ``step`` bytes apart, from 0 to ``size``."""
    cuts = [0]
    with open(path, "rb") as handle:
        offset = step
        while offset < size:
            handle.seek(offset - 1)
            cut = offset - 1 + len(handle.readline())  # the first line start >= offset
            if cut >= size:
                break
            cuts.append(cut)
            offset = cut + step
    cuts.append(size)
    return cuts


def plan_ranges(folder: Path, parts: int) -> list[LineRange]:
    """The export's Patient, Medication and fact files as about ``parts`` line ranges.

    Ordinals number the fact files as the DuckDB workers do (Medication and Substance files: -1).
    """
    files = [(kind, path, i) for i, (kind, path) in enumerate(export_files(folder, FACT_TYPES))]
    files += [(kind, path, -1) for kind, path in export_files(folder, SHARED_KINDS)]
    try:
        plain = {path: not _is_gzip(path) for _, path, _ in files}
        sizes = {path: path.stat().st_size for _, path, _ in files}
    except OSError as err:
        raise InputError(
            Message("cannot read the export (%(reason)s)", reason=str(err)), source=str(folder)
        ) from None
    total = sum(size for path, size in sizes.items() if plain[path])
    step = min(max(total // max(parts, 1), RANGE_MIN), RANGE_MAX)
    out = []
    for kind, path, ordinal in files:
        absolute = str(path.resolve())
        if not plain[path]:
            out.append(LineRange(kind, str(path), absolute, ordinal))
            continue
        cuts = _cuts(path, sizes[path], step)
        for start, end in itertools.pairwise(cuts):
            out.append(LineRange(kind, str(path), absolute, ordinal, start, end))
    return out


# ---------------------------------------------------------------------------------------
# Tasks (executors)


def range_lines(part: LineRange) -> Iterator[tuple[int, bytes]]:
    """``(line number, raw line)`` of the range's non-blank lines."""
    if part.end < 0:
        for number, raw in iter_lines(Path(part.path)):
            yield number, raw
        return
    try:
        handle = open(part.path, "rb")  # noqa: SIM115 (closed below; yields in between)
    except OSError as err:
        raise InputError(
            Message("cannot read (%(reason)s)", reason=str(err)), source=part.file
        ) from None
    with handle:
        position, number = part.start, part.first
        try:
            handle.seek(part.start)
            for raw in handle:
                if position >= part.end:
                    break
                position += len(raw)
                if raw.strip():
                    yield number, raw
                number += 1
        except OSError as err:
            raise InputError(
                Message("cannot read (%(reason)s)", reason=str(err)), source=part.file
            ) from None


def _newlines(part: LineRange) -> int:
    """Line ends in a plain range (every range but a file's last ends with one)."""
    if part.end < 0:
        return 0
    count, left = 0, part.end - part.start
    with open(part.path, "rb") as handle:
        handle.seek(part.start)
        while left > 0:
            chunk = handle.read(min(left, 16 << 20))
            if not chunk:
                break
            count += chunk.count(b"\n")
            left -= len(chunk)
    return count


def _survey(
    parts: list[LineRange], strict: bool, index: int
) -> tuple[
    int, int, list[tuple[str, list[str]]], dict[str, dict[str, Any]], str | None, dict[str, Any]
]:
    """One range's line count, and its patients (:func:`patient_keys`) or shared resources
    (:data:`SHARED_KINDS`: drugs, Binaries, Questionnaires); the tally of a shared range (its
    lines are read here only: malformed ones are counted here, and stop a strict run)."""
    part = parts[index]
    pids: list[tuple[str, list[str]]] = []
    medications: dict[str, dict[str, Any]] = {}
    tally = Tally()
    try:
        newlines = _newlines(part)
        if part.kind == "Patient" or part.kind in SHARED_KINDS:
            # a Patient range's malformed lines are counted (and strict runs stopped) when
            # the facts are read
            drugs = part.kind in SHARED_KINDS
            counted = tally if drugs else Tally()
            lines = range_lines(part)
            for resource, line in parse_lines(
                lines, part.file, part.ordinal, counted, strict=drugs and strict
            ):
                if drugs:
                    add_drug(medications, resource, line, counted)
                else:
                    keys = patient_keys(resource)
                    if keys is not None:
                        pids.append(keys)
    except (InputError, OSError) as err:
        message = err.one_line() if isinstance(err, InputError) else f"{part.file}: {err}"
        return index, 0, [], {}, message, tally.to_json()
    return index, newlines, pids, medications, None, tally.to_json()


def _slots() -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    """One row shape for every fact table: ``tbl`` plus typed slots, and each table's
    columns' slots (``s0``, ``s1``... for strings, ``t0``... for dates, and so on)."""
    width: Counter[str] = Counter()
    mapping: dict[str, list[str]] = {}
    for table, columns in TABLES.items():
        used: Counter[str] = Counter()
        mapping[table] = []
        for _, kind in columns:
            mapping[table].append(f"{SLOT_PREFIX[kind]}{used[kind]}")
            used[kind] += 1
        for kind, n in used.items():
            width[kind] = max(width[kind], n)
    width["string"] = max(width["string"], 1)  # a task's tally rides in s0
    slots = [("tbl", "string")]
    for kind in SPARK_TYPES:
        slots += [(f"{SLOT_PREFIX[kind]}{i}", kind) for i in range(width[kind])]
    return slots, mapping


SLOTS, TABLE_SLOTS = _slots()
SLOTS_DDL = ", ".join(f"{name} {SPARK_TYPES[kind]}" for name, kind in SLOTS)
_POSITIONS = {
    table: [[name for name, _ in SLOTS].index(slot) for slot in slots]
    for table, slots in TABLE_SLOTS.items()
}


def _slotted(table: str, rows: list[Any]) -> Iterator[tuple[Any, ...]]:
    """Rows of one fact table in the common shape."""
    positions = _POSITIONS[table]
    for row in rows:
        out: list[Any] = [None] * len(SLOTS)
        out[0] = table
        for position, value in zip(positions, row, strict=True):
            out[position] = value
        yield tuple(out)


@functools.lru_cache(maxsize=4)
def _kb(ref: str | None) -> KB:
    return load_kb(ref)


def _task_record(index: int, tally: Tally, error: str | None) -> tuple[Any, ...]:
    import socket

    from pyspark import TaskContext

    context = TaskContext.get()
    info = {
        "range": index,
        "tally": tally.to_json(),
        "error": error,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "stage": context.stageId() if context else -1,
        "partition": context.partitionId() if context else -1,
    }
    return (TALLY, orjson.dumps(info).decode(), *([None] * (len(SLOTS) - 2)))


def _read_range(
    part: LineRange,
    index: int,
    kb_ref: str | None,
    patients: KnownPatients,
    medications: Mapping[str, Any],
    strict: bool,
) -> Iterator[tuple[Any, ...]]:
    """The facts of one range, then the task's own row."""
    flattener = Flattener(_kb(kb_ref))
    tally = Tally()
    error = None
    pending = 0
    try:
        lines = parse_lines(range_lines(part), part.file, part.ordinal, tally, strict=strict)
        for resource, where in lines:
            if flatten_resource(
                flattener, resource, where, patients, medications, tally, strict=strict
            ):
                pending += 1
                if pending >= BATCH_ROWS:
                    for table, rows in flattener.take().items():
                        if rows:
                            yield from _slotted(table, rows)
                    pending = 0
    except InputError as err:  # strict: the first bad line; or a file that cannot be read
        error = err.one_line()
    for table, rows in flattener.take().items():
        if rows:
            yield from _slotted(table, rows)
    yield _task_record(index, tally, error)


def _read_ranges(
    parts: list[LineRange],
    kb_ref: str | None,
    patients: Any,
    medications: Any,
    strict: bool,
    indexes: Iterable[int],
) -> Iterator[tuple[Any, ...]]:
    """One partition's ranges (one each, as planned) read."""
    for index in indexes:
        yield from _read_range(
            parts[index], index, kb_ref, patients.value, medications.value, strict
        )


# ---------------------------------------------------------------------------------------
# The run (driver)


@dataclass(frozen=True)
class TaskRecord:
    """Where the facts of one line range were read."""

    range: int
    file: str
    pid: int
    host: str
    stage: int
    partition: int


@dataclass
class SparkFacts:
    """The fact tables as registered views (and what reading them found)."""

    frame: Any
    tally: Tally
    patients: int
    seconds: float
    tasks: list[TaskRecord]
    shared: list[Any] = field(default_factory=list)

    def release(self) -> None:
        """Drop the cached facts and the broadcast values from the cluster."""
        self.frame.unpersist()
        for value in self.shared:
            value.destroy()


def _tally_of(data: Mapping[str, Any]) -> Tally:
    return Tally(
        resources=Counter(data["resources"]),
        malformed=data["malformed_lines"],
        bad_resources=data["bad_resources"],
        unknown_patient=data["unknown_patient"],
        no_patient=data["no_patient"],
        other_types=Counter(data["other_types"]),
        problems=list(data["problems"]),
        files_not_read=data.get("files_not_read", 0),
    )


def _numbered(parts: list[LineRange], counts: Mapping[int, int]) -> list[LineRange]:
    """The ranges with the number of their first line (ranges of a file are in order)."""
    out = []
    seen: dict[str, int] = {}
    for i, part in enumerate(parts):
        first = seen.get(part.path, 1)
        seen[part.path] = first + counts[i]
        out.append(replace(part, first=first))
    return out


def read_facts(
    spark: Any, folder: Path, kb: KB, *, strict: bool = False, parts: int | None = None
) -> SparkFacts:
    """Read the export on the executors and register its fact tables as views.

    ``parts``: how many line ranges to cut the export into (default: three per core).
    Raises :class:`NdjsonError` for the first bad line (``strict``) or an unreadable file.
    The caller calls :meth:`SparkFacts.release` when done.
    """
    from pyspark import StorageLevel
    from pyspark.sql.functions import col

    started = time.perf_counter()
    context = spark.sparkContext
    plan = plan_ranges(Path(folder), parts or 3 * context.defaultParallelism)
    survey = (
        context.parallelize(range(len(plan)), max(len(plan), 1))
        .map(functools.partial(_survey, plan, strict))
        .collect()
    )
    counts: dict[int, int] = {}
    patients: list[tuple[str, list[str]]] = []
    medications = Shared()
    surveyed = Tally()  # the shared files' lines (drugs, Binaries, Questionnaires)
    for index, newlines, pids, found, error, counted in sorted(survey, key=lambda s: s[0]):
        if error is not None:
            raise NdjsonError(error)
        counts[index] = newlines
        patients.extend(pids)
        for found_one in found.values():  # parts read apart: a clash across them too
            add_drug(medications, found_one, None, surveyed)
        surveyed.merge(_tally_of(counted))
    numbered = [p for p in _numbered(plan, counts) if p.kind not in SHARED_KINDS]
    if not numbered:
        empty = spark.createDataFrame([], schema=SLOTS_DDL)
        _register(empty)
        return SparkFacts(empty, Tally(), 0, time.perf_counter() - started, [])
    found = KnownPatients.of(patients)
    known = context.broadcast(found)
    meds = context.broadcast(medications)
    kb_ref = None if Path(kb.path).resolve() == default_path().resolve() else str(kb.path)
    reader = functools.partial(_read_ranges, numbered, kb_ref, known, meds, strict)
    rows = context.parallelize(range(len(numbered)), len(numbered)).mapPartitions(reader)
    frame = spark.createDataFrame(rows, SLOTS_DDL, verifySchema=False)
    frame = frame.persist(StorageLevel.MEMORY_AND_DISK)
    records = [
        orjson.loads(row[0])
        for row in frame.where(col("tbl") == TALLY).select("s0").collect()  # reads it all
    ]
    records.sort(key=lambda r: r["range"])
    errors = [r["error"] for r in records if r["error"] is not None]
    if errors:
        frame.unpersist()
        known.destroy()
        meds.destroy()
        raise NdjsonError(errors[0])
    tally = Tally()
    tally.merge(surveyed)
    for record in records:
        tally.merge(_tally_of(record["tally"]))
    note_unread(folder, tally)
    tasks = [
        TaskRecord(
            r["range"], numbered[r["range"]].file, r["pid"], r["host"], r["stage"], r["partition"]
        )
        for r in records
    ]
    _register(frame)
    seconds = time.perf_counter() - started
    return SparkFacts(frame, tally, len(found), seconds, tasks, [known, meds])


def _register(frame: Any) -> None:
    from pyspark.sql.functions import col

    for table, columns in TABLES.items():
        view = frame.where(col("tbl") == table).select(
            *[
                col(slot).alias(name)
                for (name, _), slot in zip(columns, TABLE_SLOTS[table], strict=True)
            ]
        )
        view.createOrReplaceTempView(table)


@dataclass
class SparkBulkResult(BulkResult):
    """A Spark run's result, with where each line range was read."""

    tasks: list[TaskRecord] = field(default_factory=list)


def screen_export_spark(
    folder: Path,
    out: Path | None,
    kb: KB,
    as_of: date,
    *,
    strict: bool = False,
    master: str | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    spark: Any = None,
) -> BulkResult:
    """Screen a Bulk export on Spark; the output file and summary as for DuckDB.

    The result is a :class:`SparkBulkResult`: it also says where each range was read.

    ``workers``: how many line ranges to cut the export into (default: three per core
    of the cluster).
    """
    if out is not None:
        output_format(out)  # refuse an unknown output suffix before any work
    started = time.perf_counter()
    session = spark or get_session(master)
    facts = read_facts(session, Path(folder), kb, strict=strict, parts=workers)
    try:
        named = [(row[0], row[1]) for row in session.sql(NAMED_TARGETS).collect()]
        if named:  # the resources rows read from a Reference's words name (rare)
            found = held_targets(Path(folder), named)
            extra = session.createDataFrame(found, "pid string, ref string")
            session.table("held").unionByName(extra).createOrReplaceTempView("held")
        if progress is not None:
            progress(sum(facts.tally.resources.values()))
        t_sql = time.perf_counter()
        compiled = compile_screening(kb, as_of, "spark", clearances=False)
        table = run_steps(session, compiled).toArrow()
        deceased = session.sql(compiled.deceased_sql).collect()[0][0]
        sql_seconds = time.perf_counter() - t_sql
    finally:
        facts.release()
    con = connect()
    con.register("results_arrow", table)
    con.execute("CREATE TEMP TABLE results AS SELECT * FROM results_arrow")
    con.unregister("results_arrow")
    if out is not None:
        write_results(con, out)
    result = bulk_result(con, out, facts, sql_seconds, started, "spark", as_of, deceased)
    values = {f.name: getattr(result, f.name) for f in fields(BulkResult)}
    return SparkBulkResult(**values, tasks=facts.tasks)
