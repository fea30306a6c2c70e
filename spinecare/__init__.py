"""spinecare: decision support and care planning for therapeutic massage in spinal
osteochondrosis (degenerative disc disease) and intervertebral disc herniation.

The library is the product; the CLI, the REST API, CDS Hooks and the web pages are thin
adapters over :func:`spinecare.screen` and :func:`spinecare.plan`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    __version__: str

__all__ = ["__version__", "load_kb", "load_record", "plan", "screen"]


def __getattr__(name: str) -> object:
    # Deferred imports keep `import spinecare` (and so `spinecare --help`) instant.
    if name in {"screen", "plan", "load_record", "load_kb"}:
        from spinecare import core

        return getattr(core, name)
    if name == "__version__":
        # the package metadata is read only when the version is asked for
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("spinecare")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            found = "0.0.0"
        globals()["__version__"] = found
        return found
    raise AttributeError(name)
