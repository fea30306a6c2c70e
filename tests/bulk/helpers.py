"""Comparing bulk rows with the in-process engine's screenings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from spinecare.bulk.duckdb import screen_records
from spinecare.engine.screening import Screening, screen_record
from spinecare.kb.loader import KB
from spinecare.record.model import PatientRecord


def engine_row(s: Screening) -> dict[str, Any]:
    """The fields a bulk row carries, from an in-process screening."""
    return {
        "verdict": s.verdict,
        "indicated": s.indicated.to_optional(),
        "indications": list(s.indications),
        "present": s.present_concepts,
        "unknown": s.unknown_concepts,
        "missing": [m.item for m in s.missing],
    }


def bulk_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (list(row[key]) if isinstance(row[key], list | tuple) else row[key])
        for key in ("verdict", "indicated", "indications", "present", "unknown", "missing")
    }


def mismatches(
    records: Iterable[PatientRecord], rows: Mapping[str, dict[str, Any]], kb: KB, as_of: date
) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """The records whose bulk row differs from their screening by the engine: (patient
    id, the engine's row, the bulk row)."""
    out = []
    for record in records:
        expected = engine_row(screen_record(record, kb, as_of))
        got = bulk_row(rows[record.patient.id])
        if got != expected:
            out.append((record.patient.id, expected, got))
    return out


def bulk_mismatches(
    records: list[PatientRecord], kb: KB, as_of: date
) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """:func:`mismatches` of the records screened in bulk (DuckDB) on ``as_of``."""
    return mismatches(records, screen_records(records, kb, as_of), kb, as_of)
