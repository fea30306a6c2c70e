"""A copy of the packaged KB to change in a test, and the change of one of its files."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from spinecare.kb.loader import default_path

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's safe loader in C where it is built (the same data, several times faster)."""
SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def copy_kb(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(default_path(), target)
    return target


def edit(path: Path, change: Callable[[Any], object]) -> None:
    """``path``'s data changed by ``change`` and written back."""
    data = yaml.load(path.read_bytes(), Loader=SAFE_LOADER)
    change(data)
    text = yaml.dump(data, Dumper=SAFE_DUMPER, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
