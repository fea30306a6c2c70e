"""docs/web.md documents every page route and the serve and user commands."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "web.md"


def test_every_page_route_is_documented(world) -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"`(?:GET|POST) (/[^`]*)`", text))
    missing = []
    for route in world.app.routes:
        path = getattr(route, "path", "")
        if not path or path.startswith(
            ("/api", "/cds-services", "/static", "/docs", "/openapi", "/redoc")
        ):
            continue
        if path not in documented:
            missing.append(path)
    assert not missing, f"routes missing from docs/web.md: {missing}"


def test_commands_are_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for phrase in ("spinecare serve", "--host", "--port", "--db", "--demo", "spinecare user add"):
        assert phrase in text
