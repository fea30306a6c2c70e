"""A Bulk export -> Parquet fact tables, in parallel worker processes, out of core.

Two rounds, each of all workers: the workers first read the Patient files (the known
patients: the ids they read), then the other files, each worker flattening its share of
the lines (line number modulo the number of workers) and writing Parquet parts of at most
``batch_rows`` rows per table. Memory stays bounded whatever the export's size. A resource
naming an unknown patient is counted and skipped, as the in-process reader does.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spinecare.bulk.facts import TABLES, Flattener, Row, seq_of
from spinecare.errors import RecordError
from spinecare.fhir.ndjson import (
    FACT_FILES,
    NAMES_NO_PATIENT,
    PATIENT_FIELD,
    KnownPatients,
    Line,
    NdjsonError,
    Tally,
    count_unknown,
    held_resources,
    in_file_order,
    iter_resources,
    load_shared,
    note_unread,
    patient_id_of,
    patient_keys,
    set_aside,
)
from spinecare.fhir.reader import resource_ref
from spinecare.kb.loader import KB
from spinecare.messages import Message

BATCH_ROWS = 250_000


def arrow_schema(table: str) -> Any:
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "date": pa.date32(),
        "double": pa.float64(),
        "int64": pa.int64(),
    }
    return pa.schema([(name, types[kind]) for name, kind in TABLES[table]])


def to_arrow(table: str, rows: list[Row]) -> Any:
    """Rows of one fact table as a pyarrow Table."""
    import pyarrow as pa

    schema = arrow_schema(table)
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    return pa.table(
        [pa.array(list(col), type=field.type) for col, field in zip(columns, schema, strict=True)],
        schema=schema,
    )


@dataclass
class FlattenResult:
    tally: Tally
    folder: Path
    patients: int
    seconds: float


class _PartWriter:
    def __init__(self, folder: Path, name: str, batch_rows: int) -> None:
        self.folder = folder
        self.name = name
        self.batch_rows = batch_rows
        self.parts = 0

    def write(self, rows: dict[str, list[Row]]) -> None:
        import pyarrow.parquet as pq

        for table, items in rows.items():
            if not items:
                continue
            (self.folder / table).mkdir(parents=True, exist_ok=True)
            path = self.folder / table / f"{self.name}-{self.parts:05d}.parquet"
            pq.write_table(to_arrow(table, items), path)
        self.parts += 1


class _Everyone:
    """Every patient id: the Patient files' own resources are all of known patients."""

    def patient(self, pid: str) -> str:
        return pid


def flatten_resource(
    flattener: Flattener,
    resource: dict[str, Any],
    where: Line,
    patients: KnownPatients | _Everyone,
    medications: Mapping[str, Any],
    tally: Tally,
    *,
    strict: bool = False,
) -> bool:
    """Add the facts of one resource read at ``where``; False when it is set aside.

    Counted in ``tally``: the resource by type; one of a type bulk does not read
    (``other_types``, as the in-process reading counts it); one that names no patient
    (reported), a patient not of ``patients``, or that the reader cannot read (reported;
    ``strict``: raised as :class:`RecordError` naming file and line).
    """
    if resource["resourceType"] == "Bundle":  # the resources it holds, each as a line
        held = held_resources(resource, where, tally, strict)
        done = [
            flatten_resource(flattener, r, where, patients, medications, tally, strict=strict)
            for r in held
        ]
        return any(done)
    kind = resource["resourceType"]
    tally.resources[kind] += 1
    if kind not in PATIENT_FIELD and kind != "Patient":  # a type bulk does not read
        tally.other_types[kind] += 1
        return False
    named = patient_id_of(resource)
    if named is None:
        tally.no_patient += 1
        tally.report(Message(NAMES_NO_PATIENT, where=str(where), ref=resource_ref(resource)))
        return False
    pid = patients.patient(named)
    if pid is None:
        count_unknown(tally, where, resource, named)
        return False
    try:
        flattener.add_resource(resource, pid, seq_of(where.ordinal, where.number), medications)
    except RecordError as err:
        set_aside(tally, where, err.message, strict)
        return False
    return True


READ_TYPES = ("Patient", *FACT_FILES)
"""The resource types bulk screening reads, in reading order (a fact's ``seq``)."""


def _worker(
    folder: Path,
    out: Path,
    kb_path: Path,
    worker: int,
    workers: int,
    patients: KnownPatients | None,
    strict: bool,
    batch_rows: int,
    counter: Any,
) -> tuple[Tally, list[tuple[str, list[str]]]]:
    """Flatten this worker's share of the lines (line number modulo ``workers``).

    ``patients`` None: of the Patient files, returning each Patient's id and the ids it
    links (the known patients, :class:`KnownPatients`); else of the other files,
    resources of patients not of ``patients`` counted and skipped.
    """
    from spinecare.kb.loader import load_kb

    kb = load_kb(kb_path)
    tally = Tally()
    medications = load_shared(folder, Tally(), strict=False)
    flattener = Flattener(kb)
    reading_patients = patients is None
    writer = _PartWriter(out, f"{'p' if reading_patients else 'w'}{worker:02d}", batch_rows)
    known: KnownPatients | _Everyone = _Everyone() if patients is None else patients
    ids: list[tuple[str, list[str]]] = []
    pending = 0
    done = 0
    lines = iter_resources(
        folder,
        tally,
        strict=strict,
        types=READ_TYPES,
        share=(worker, workers),
        only=("Patient",) if reading_patients else FACT_FILES,
    )
    for resource, where in lines:
        done += 1
        if counter is not None and done % 5000 == 0:
            with counter.get_lock():
                counter.value += 5000
        if reading_patients:
            keys = patient_keys(resource)
            if keys is not None:  # known, even where the reader sets its Patient aside
                ids.append(keys)
        if not flatten_resource(
            flattener, resource, where, known, medications, tally, strict=strict
        ):
            continue
        pending += 1
        if pending >= batch_rows:
            writer.write(flattener.take())
            pending = 0
    writer.write(flattener.take())
    if counter is not None:
        with counter.get_lock():
            counter.value += done % 5000
    return tally, ids


def _run_worker(
    args: tuple[Any, ...],
) -> tuple[Tally, list[tuple[str, list[str]]], str | None]:
    try:
        return (*_worker(*args, _COUNTER), None)  # type: ignore[call-arg]
    except (RecordError, NdjsonError) as err:
        return Tally(), [], err.one_line()


_COUNTER: Any = None


def _init(counter: Any) -> None:
    global _COUNTER
    _COUNTER = counter


def flatten_export(
    folder: Path,
    out: Path,
    kb: KB,
    *,
    strict: bool = False,
    workers: int | None = None,
    batch_rows: int = BATCH_ROWS,
    progress: Callable[[int], None] | None = None,
) -> FlattenResult:
    """Write the export's fact tables as Parquet parts under ``out/<table>/``.

    Raises :class:`NdjsonError` or :class:`RecordError` (with ``strict``) naming file and line.
    """
    start = time.perf_counter()
    folder, out = Path(folder), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tally = Tally()
    for table in TABLES:
        (out / table).mkdir(exist_ok=True)
    # the Medication files are read by every worker for the drugs they name; their lines
    # are counted (and a strict run stopped) once, here
    load_shared(folder, tally, strict=strict)
    workers = workers or min(os.cpu_count() or 1, 8)
    # two rounds, each of all workers: the Patient files (the known patients), then the
    # other files, so no process reads the Patient files alone before the others start
    rounds: list[list[tuple[Tally, list[tuple[str, list[str]]]]]] = []
    if workers == 1:
        first = _worker(folder, out, kb.path, 0, 1, None, strict, batch_rows, None)
        known = KnownPatients.of(first[1])
        rounds = [[first], [_worker(folder, out, kb.path, 0, 1, known, strict, batch_rows, None)]]
    else:
        # not "fork": a process that already runs threads (DuckDB's, Arrow's) must not be
        # forked, a lock held by one of them stays held in the child for ever
        ctx = mp.get_context("forkserver")
        counter = ctx.Value("q", 0)
        seen = 0

        def run(
            pool: Any, patients: KnownPatients | None
        ) -> list[tuple[Tally, list[tuple[str, list[str]]]]]:
            nonlocal seen
            jobs = [
                (folder, out, kb.path, w, workers, patients, strict, batch_rows)
                for w in range(workers)
            ]
            pending = pool.map_async(_run_worker, jobs)
            while not pending.ready():
                pending.wait(0.2)
                if progress is not None:
                    now = counter.value
                    progress(now - seen)
                    seen = now
            done = []
            for worker_tally, ids, error in pending.get():
                if error is not None:
                    raise NdjsonError(error)
                done.append((worker_tally, ids))
            return done

        with ctx.Pool(workers, initializer=_init, initargs=(counter,)) as pool:
            first_round = run(pool, None)
            known = KnownPatients.of(keys for _, ids in first_round for keys in ids)
            rounds = [first_round, run(pool, known)]
            if progress is not None:
                progress(counter.value - seen)
    tallies = [worker_tally for done in rounds for worker_tally, _ in done]
    # the first problems by file and line, whichever worker read them (each reports its
    # own first ones, in its reading order)
    problems = [*tally.problems, *(p for t in tallies for p in t.problems)]
    tally.problems = []
    for worker_tally in tallies:
        worker_tally.problems = []
        tally.merge(worker_tally)
    for problem in in_file_order(problems, folder):
        tally.report(problem)
    note_unread(folder, tally)
    return FlattenResult(tally, out, len(known), time.perf_counter() - start)
