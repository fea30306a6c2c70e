"""Whole files through the native reader: the fastest path of ``--flatten sql``.

:mod:`spinecare.bulk._fastread` (C++, simdjson) parses blocks of NDJSON lines on every
core and returns, as Arrow columns, the facts of each line it reads exactly as
:mod:`spinecare.fhir.reader` reads it. Its test is as conservative as the SQL paths':

- the JSON is strict (simdjson rejects what orjson rejects: ``NaN``, trailing commas,
  numbers beyond a double, bad UTF-8, lone surrogates, a byte-order mark), and no key the
  reader reads is written twice (orjson keeps the last, simdjson finds the first);
- every field the reader reads has the type it expects, dates match the reader's pattern,
  the patient is named plainly (``Patient/<id>``, ``urn:uuid:<id>``), unit conversions
  leave the number as written, and the texts compared case-insensitively are ASCII.

Every other line (malformed, an odd shape, a resource the reader rejects, a Fahrenheit
value needing Python's rounding, another resource type) is returned with its number and
read by the Python :class:`~spinecare.bulk.facts.Flattener`, which reports and counts it:
no line is dropped, and a run's result is the same with or without this module.

The extension is optional (``setup.py``; it needs a C++17 compiler and simdjson). Where
it is not built, :func:`available` is false and files go to
:mod:`spinecare.bulk.typedread`. Conditions and medications are matched to KB concepts by
the KB's own code index, passed as data (the same lookups as
:class:`~spinecare.kb.codes.CodeIndex`): every file gives finished fact rows, as the
Python flattener writes them (:data:`~spinecare.bulk.facts.TABLES`).

Reading overlaps parsing, so the disk and the CPUs are busy at once: a plain file is
mapped into memory and a helper thread loads the next blocks while the cores parse
this one (parsed blocks leave the process's memory); a gzip file is inflated by a thread
one block ahead. Facts go to DuckDB after every gigabyte of input, so memory stays bounded
whatever the size of a file.
"""

from __future__ import annotations

import gzip
import mmap
import os
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from spinecare.bulk.facts import TABLES
from spinecare.errors import InputError
from spinecare.fhir.ndjson import GZIP_MAGIC, Line, Tally
from spinecare.kb.loader import KB

KINDS = {
    "Patient": "Patient",
    "Condition": "Condition",
    "Observation": "Observation",
    "MedicationRequest": "Medication",
    "MedicationStatement": "Medication",
}
"""Resource types the native reader reads -> its reading of them."""

BLOCK_BYTES = 64 * 1024 * 1024
AHEAD = 8
"""Blocks of a plain file loaded ahead of the one being parsed (512 MB: the disk keeps
busy through the pauses when facts go to DuckDB)."""
RELEASE_BYTES = 256 * 1024 * 1024
"""Parsed bytes of a plain file are let go (out of the process's memory) by this much."""
THREADS: int | None = None
"""Threads that parse a block (default: one per CPU)."""
FLUSH_BYTES = 1024 * 1024 * 1024
"""Facts go to DuckDB after this much input (bounds memory)."""

try:
    from spinecare.bulk import _fastread
except ImportError:  # not built: DuckDB reads alone
    _fastread = None  # type: ignore[assignment]


def available() -> bool:
    """True when the native reader is built."""
    return _fastread is not None


def config(kb: KB) -> Any:
    """The reading tables for :func:`read_file`: code systems, units, measures, the KB's
    code index and the reader's family-history markers (all data from Python)."""
    from spinecare.core import reader_measures
    from spinecare.fhir import reader
    from spinecare.kb.codes import ICD10_FAMILY, SYSTEM_ALIASES
    from spinecare.record import units

    if _fastread is None:
        raise RuntimeError("the native reader is not built (see setup.py)")
    index = kb.codes
    return _fastread.config(
        {
            "systems": dict(SYSTEM_ALIASES),
            "units": dict(units.ALIASES),
            "units_folded": dict(units._FOLDED),
            "scales": {
                k: (s.dimension, float(s.scale), float(s.offset))
                for k, s in units.CANONICAL.items()
            },
            "measures": [(sy, co, m, u) for (sy, co), (m, u) in reader_measures(kb).items()],
            "codes_exact": [
                (sy, co, h.concept, h.set, h.zone)
                for (sy, co), hits in index.exact.items()
                for h in hits
            ],
            "codes_icd": [
                (prefix, h.concept, h.set, h.zone)
                for prefix, hits in index.icd10.items()
                for h in hits
            ],
            "icd_systems": sorted(ICD10_FAMILY),
            "spine_categories": sorted(index.spine_categories),
            "site_character": dict(index.site_character),
            "family_snomed": sorted(reader.FAMILY_HISTORY_SNOMED),
            "family_icd10": list(reader.FAMILY_HISTORY_ICD10),
            "family_systems": sorted(reader.ICD10_SYSTEMS),
            "family_words": list(reader.FAMILY_HISTORY_WORDS),
        }
    )


def blocks(path: Path, size: int = BLOCK_BYTES) -> Iterator[memoryview]:
    """The file's bytes in blocks of whole lines (about ``size`` bytes), each valid until
    the next is asked for.

    A plain file is mapped into memory (no copy) and a helper thread has the next blocks
    read while this one is parsed; a gzip file is inflated by a thread one block ahead.
    """
    with open(path, "rb") as probe:
        gz = probe.read(2) == GZIP_MAGIC
    try:
        if gz:
            yield from _ahead(_inflated(path, size))
        else:
            yield from _mapped(path, size)
    except (OSError, EOFError, zlib.error) as err:
        raise InputError(f"cannot read ({err})", source=str(path)) from None


def _mapped(path: Path, size: int) -> Iterator[memoryview]:
    """A plain file's lines in blocks: views of the file mapped into memory.

    A helper thread touches the pages of the next blocks (``AHEAD`` of them), so the
    disk reads ahead while the cores parse, and the parse seldom waits on the disk.
    """
    with open(path, "rb") as handle:
        total = os.fstat(handle.fileno()).st_size
        if total == 0:
            return
        with (
            mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped,
            ThreadPoolExecutor(1) as helper,
        ):
            mapped.madvise(mmap.MADV_SEQUENTIAL)
            touching: deque[Future[None]] = deque()
            touched = 0
            start = dropped = 0
            try:
                while start < total:
                    end = min(start + size, total)
                    if end < total:
                        cut = mapped.rfind(b"\n", start, end) + 1
                        if cut:
                            end = cut
                        else:  # a line longer than a block: the block ends with it
                            nl = mapped.find(b"\n", end)
                            end = total if nl < 0 else nl + 1
                    goal = min(total, end + AHEAD * size)
                    if touched < goal:
                        touching.append(helper.submit(_touch, mapped, touched, goal))
                        touched = goal
                    while len(touching) > AHEAD:
                        touching.popleft().result()
                    view = memoryview(mapped)[start:end]
                    try:
                        yield view
                    finally:
                        view.release()
                    start = end
                    if start - dropped >= RELEASE_BYTES or start == total:
                        # parsed: out of this process's memory (the page cache keeps it)
                        mapped.madvise(mmap.MADV_DONTNEED, dropped, start - dropped)
                        dropped = start - start % mmap.PAGESIZE
            finally:
                for future in touching:
                    future.cancel()
                # the helper ends before the mapping closes


def _touch(mapped: mmap.mmap, start: int, end: int) -> None:
    """Read one byte of every page of ``[start, end)`` (the kernel loads them), without
    holding the GIL while the disk answers."""
    assert _fastread is not None
    _fastread.touch(mapped, start, end)


def _fill(handle: Any, view: memoryview) -> int:
    """Read into ``view`` until it is full or the file ends; the bytes read."""
    done = 0
    while done < len(view):
        got = handle.readinto(view[done:])
        if not got:
            break
        done += got
    return done


def _inflated(path: Path, size: int) -> Iterator[memoryview]:
    """A gzip file's lines in blocks; two buffers take turns, so a block stays valid
    until the one after next is asked for."""
    with gzip.open(path, "rb") as handle:
        buffers = [bytearray(size), bytearray(size)]
        turn = 0
        carry = b""
        while True:
            buf = buffers[turn]
            if len(carry) * 2 > len(buf):  # a line longer than half a buffer
                buf = buffers[turn] = bytearray(len(carry) * 2)
            buf[: len(carry)] = carry
            with memoryview(buf) as view:
                read = _fill(handle, view[len(carry) :])
            filled = len(carry) + read
            if read == 0:
                if filled:
                    yield memoryview(buf)[:filled]
                return
            cut = buf.rfind(b"\n", 0, filled) + 1
            if cut == 0:  # no line end yet: keep reading into a bigger buffer
                carry = bytes(buf[:filled])
                continue
            carry = bytes(buf[cut:filled])
            yield memoryview(buf)[:cut]
            turn = 1 - turn


def _ahead(items: Iterator[memoryview]) -> Iterator[memoryview]:
    """``items``, each next one read by a thread while the caller works on the current."""
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(next, items, None)
        while True:
            item = future.result()
            if item is None:
                return
            future = pool.submit(next, items, None)
            yield item


def _array(column: tuple[str, int, Any, Any, Any]) -> Any:
    """One Arrow array over a column's buffers (no copy)."""
    import pyarrow as pa

    tag, length, validity, values, offsets = column
    kind = {"s": pa.large_string(), "q": pa.int64(), "d": pa.float64(), "D": pa.date32()}[tag]
    valid = pa.py_buffer(validity) if validity is not None else None
    if tag == "s":
        return pa.Array.from_buffers(
            kind, length, [valid, pa.py_buffer(offsets), pa.py_buffer(values)]
        )
    return pa.Array.from_buffers(kind, length, [valid, pa.py_buffer(values)])


_COLUMNS = {
    **{table: tuple(name for name, _ in columns) for table, columns in TABLES.items()},
    "seen": ("pid", "n"),
}


def read_file(
    con: Any,
    kind: str,
    ordinal: int,
    path: Path,
    tally: Tally,
    cfg: Any,
    *,
    threads: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, list[tuple[bytes, Line]]]:
    """Facts of the file's plain lines into the ``sc_f_*`` tables of ``con``.

    Returns the number of resources read and the lines left to Python, ``(raw, Line)`` in
    line order. Patient files also add their patients to ``sc_known``; other files count
    the resources of patients not in ``sc_known`` as ``unknown_patient`` (Patient files are
    read first).
    """
    assert _fastread is not None
    threads = threads or THREADS or os.cpu_count() or 1
    reader = _fastread.Reader(cfg, KINDS[kind], kind, ordinal, threads)
    leftover: list[tuple[bytes, Line]] = []
    taken = 0
    first = 1
    unflushed = 0
    name = str(path)
    for block in blocks(path, BLOCK_BYTES):
        lines, took, left = reader.parse(block, first)
        first += lines
        taken += took
        unflushed += len(block)
        leftover.extend((raw, Line(name, number, ordinal)) for number, raw in left)
        if unflushed >= FLUSH_BYTES:
            _facts(con, kind, _frames(reader.take()), tally)
            unflushed = 0
        if progress is not None:
            progress(took + len(left))
    _facts(con, kind, _frames(reader.take()), tally)
    if taken:
        tally.resources[kind] += taken
    return taken, leftover


def _frames(parts: list[dict[str, list[Any]]]) -> dict[str, Any]:
    """Arrow tables of what :meth:`Reader.take` returns (one set of columns per thread)."""
    import pyarrow as pa

    batches: dict[str, list[Any]] = {}
    for part in parts:
        for table, columns in part.items():
            batches.setdefault(table, []).append(
                pa.RecordBatch.from_arrays([_array(c) for c in columns], _COLUMNS[table])
            )
    return {table: pa.Table.from_batches(items) for table, items in batches.items()}


def _facts(con: Any, kind: str, frames: dict[str, Any], tally: Tally) -> None:
    """Fact rows of known patients into ``sc_f_*``; resources of unknown ones counted."""
    known = "pid IN (SELECT pid FROM sc_known)"
    names = []
    for table, frame in frames.items():
        con.register(f"sc_n_{table}", frame)
        names.append(f"sc_n_{table}")
    try:
        if kind == "Patient":
            con.execute("INSERT INTO sc_known SELECT pid FROM sc_n_patients")
            con.execute("INSERT INTO sc_f_patients SELECT pid FROM sc_n_patients")
            return
        (unknown,) = con.execute(
            f"SELECT coalesce(sum(n), 0) FROM sc_n_seen WHERE NOT {known}"
        ).fetchone()
        tally.unknown_patient += int(unknown)
        for table in frames:
            if table != "seen":
                con.execute(f"INSERT INTO sc_f_{table} SELECT * FROM sc_n_{table} WHERE {known}")
    finally:
        for name in names:
            con.unregister(name)
