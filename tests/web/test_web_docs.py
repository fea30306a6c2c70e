"""docs/web.md documents every page route and the serve and user commands."""

from __future__ import annotations

import re
from pathlib import Path

from tests.web.conftest import app_routes

DOC = Path(__file__).resolve().parents[2] / "docs" / "web.md"


def _shape(path: str) -> str:
    """``/patients/{patient_id}`` and ``/patients/{id}`` alike."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def test_every_page_route_is_documented(world) -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = {_shape(p) for p in re.findall(r"`(?:GET|POST) (/[^`?]*)", text)}
    missing = []
    pages = [path for _, path in app_routes(world.app)]
    assert "/patients/{patient_id}" in pages  # the routers' routes are seen
    for path in pages:
        if path.startswith(
            ("/api", "/cds-services", "/fhir", "/static", "/docs", "/openapi", "/redoc")
        ):
            continue
        if _shape(path) not in documented:
            missing.append(path)
    assert not missing, f"routes missing from docs/web.md: {sorted(set(missing))}"


def test_commands_are_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for phrase in ("spinecare serve", "--host", "--port", "--db", "--demo", "spinecare user add"):
        assert phrase in text
