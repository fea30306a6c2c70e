"""Demo patients: one intake file per situation the screening rules distinguish.

Each file (``docs/intake.md`` describes the format) starts with a comment saying what it
shows and the verdict it is meant to produce. All are dated around 2026-11-20 (the intake
date), so screen them with ``--as-of 2026-11-20`` for stable results. The demo clinic of
``spinecare serve --demo`` holds them with every date moved so that the latest reading
falls on the day it is seeded (:func:`spinecare.clinic.seed.demo_records`): there, the same
verdicts hold today.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["demo_files"]


def demo_files() -> list[Path]:
    """The demo intake files, sorted by name."""
    folder = Path(str(resources.files("spinecare.demo")))
    return sorted(folder.glob("*.yaml"))
