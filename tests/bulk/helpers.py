"""Comparing bulk rows with the in-process engine's screenings."""

from __future__ import annotations

from typing import Any

from spinecare.engine.screening import Screening


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
