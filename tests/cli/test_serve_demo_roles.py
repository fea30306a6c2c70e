"""``serve --demo`` names each demo user's role in the output's language ("массажист",
"врач"): the Russian output said "демо therapist", the English one "demo admin"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

ROLES = {
    "en": ("administrator", "massage therapist", "physician", "patient"),
    "ru": ("администратор", "массажист", "врач", "пациент"),
}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_demo_users_roles_are_named_in_the_output_language(
    tmp_path: Path, monkeypatch: Any, lang: str
) -> None:
    import uvicorn

    from spinecare.cli import app

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    db = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    result = CliRunner().invoke(app, ["serve", "--demo", "--db", db, "--lang", lang])
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.output.splitlines() if line.startswith("  ")]
    assert len(lines) == len(ROLES[lang]), result.output
    for line, role in zip(lines, ROLES[lang], strict=True):
        assert line.split(maxsplit=1)[1].startswith(role + " "), line
