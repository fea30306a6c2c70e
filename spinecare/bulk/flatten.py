"""A Bulk export -> Parquet fact tables, in parallel worker processes, out of core.

The main process reads the Patient files first (the set of known patients); each
worker then reads every file and flattens its share of the lines (line number modulo
the number of workers), writing Parquet parts of at most ``batch_rows`` rows per table.
Memory stays bounded whatever the export's size. A resource naming an unknown patient is
counted and skipped, as the in-process reader does.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spinecare.bulk.facts import TABLES, Flattener, Row, seq_of
from spinecare.errors import RecordError
from spinecare.fhir.ndjson import (
    LINE_PROBLEM,
    NAMES_NO_PATIENT,
    PATIENT_FIELD,
    Line,
    NdjsonError,
    Tally,
    iter_resources,
    load_medications,
    patient_id_of,
)
from spinecare.fhir.reader import resource_ref
from spinecare.kb.loader import KB
from spinecare.messages import Message, located

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
    def __init__(self, folder: Path, worker: int, batch_rows: int) -> None:
        self.folder = folder
        self.worker = worker
        self.batch_rows = batch_rows
        self.parts = 0

    def write(self, rows: dict[str, list[Row]]) -> None:
        import pyarrow.parquet as pq

        for table, items in rows.items():
            if not items:
                continue
            (self.folder / table).mkdir(parents=True, exist_ok=True)
            path = self.folder / table / f"w{self.worker:02d}-{self.parts:05d}.parquet"
            pq.write_table(to_arrow(table, items), path)
        self.parts += 1


def flatten_resource(
    flattener: Flattener,
    resource: dict[str, Any],
    where: Line,
    patients: Collection[str],
    medications: Mapping[str, Any],
    tally: Tally,
    *,
    strict: bool = False,
) -> bool:
    """Add the facts of one resource read at ``where``; False when it is set aside.

    Counted in ``tally``: the resource by type; one that names no patient (reported), a
    patient not in ``patients``, or that the reader cannot read (reported; ``strict``:
    raised as :class:`RecordError` naming file and line).
    """
    tally.resources[resource["resourceType"]] += 1
    pid = patient_id_of(resource)
    if pid is None:
        tally.no_patient += 1
        tally.report(Message(NAMES_NO_PATIENT, where=str(where), ref=resource_ref(resource)))
        return False
    if pid not in patients:
        tally.unknown_patient += 1
        return False
    try:
        flattener.add_resource(resource, pid, seq_of(where.ordinal, where.number), medications)
    except RecordError as err:
        if strict:
            raise RecordError(
                Message(LINE_PROBLEM, n=where.number, problem=err.message), source=where.file
            ) from None
        tally.bad_resources += 1
        tally.report(located(str(where), err.message))
        return False
    return True


def _worker(
    folder: Path,
    out: Path,
    kb_path: Path,
    worker: int,
    workers: int,
    patients: frozenset[str] | set[str],
    strict: bool,
    batch_rows: int,
    counter: Any,
) -> Tally:
    from spinecare.kb.loader import load_kb

    kb = load_kb(kb_path)
    tally = Tally()
    medications = load_medications(folder, Tally(), strict=False)
    flattener = Flattener(kb)
    writer = _PartWriter(out, worker, batch_rows)
    pending = 0
    done = 0
    lines = iter_resources(
        folder,
        tally,
        strict=strict,
        types=("Patient", *PATIENT_FIELD),
        line_filter=lambda n: n % workers == worker,
    )
    for resource, where in lines:
        done += 1
        if counter is not None and done % 5000 == 0:
            with counter.get_lock():
                counter.value += 5000
        if not flatten_resource(
            flattener, resource, where, patients, medications, tally, strict=strict
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
    return tally


def _run_worker(args: tuple[Any, ...]) -> tuple[Tally, str | None]:
    try:
        return _worker(*args[:-1], _COUNTER), None  # type: ignore[call-arg]
    except (RecordError, NdjsonError) as err:
        return Tally(), err.one_line()


_COUNTER: Any = None


def _init(counter: Any) -> None:
    global _COUNTER
    _COUNTER = counter


def known_patients(folder: Path, tally: Tally, strict: bool) -> set[str]:
    out: set[str] = set()
    for resource, where in iter_resources(folder, tally, strict=strict, types=("Patient",)):
        pid = patient_id_of(resource)
        if pid is None:
            tally.no_patient += 1
            tally.report(located(str(where), Message("Patient without an id")))
        else:
            out.add(pid)
    return out


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
    patients = known_patients(folder, Tally(), strict)
    for table in TABLES:
        (out / table).mkdir(exist_ok=True)
    workers = workers or min(os.cpu_count() or 1, 8)
    if workers == 1:
        tallies = [_worker(folder, out, kb.path, 0, 1, patients, strict, batch_rows, None)]
    else:
        # not "fork": a process that already runs threads (DuckDB's, Arrow's) must not be
        # forked, a lock held by one of them stays held in the child for ever
        ctx = mp.get_context("forkserver")
        counter = ctx.Value("q", 0)
        jobs = [
            (folder, out, kb.path, w, workers, patients, strict, batch_rows, None)
            for w in range(workers)
        ]
        with ctx.Pool(workers, initializer=_init, initargs=(counter,)) as pool:
            pending = pool.map_async(_run_worker, jobs)
            seen = 0
            while not pending.ready():
                pending.wait(0.2)
                if progress is not None:
                    now = counter.value
                    progress(now - seen)
                    seen = now
            results = pending.get()
            if progress is not None:
                progress(counter.value - seen)
        tallies = []
        for worker_tally, error in results:
            if error is not None:
                raise NdjsonError(error)
            tallies.append(worker_tally)
    for worker_tally in tallies:
        tally.merge(worker_tally)
    return FlattenResult(tally, out, len(patients), time.perf_counter() - start)
