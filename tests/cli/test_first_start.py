"""The first start: --version, shell completion, the package metadata (licence, extras),
`make run PORT=...`, and a clear message when an optional part is not installed."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib.metadata import version

from typer.testing import CliRunner

from tests.conftest import ROOT


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "spinecare", *args], capture_output=True, text=True, timeout=120
    )


def test_version() -> None:
    for flag in ("--version", "-V"):
        result = _cli(flag)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"spinecare {version('spinecare')}")
        assert "knowledge base" in result.stdout


def test_shell_completion_is_offered() -> None:
    result = _cli("--help")
    assert result.returncode == 0
    assert "--install-completion" in result.stdout and "--show-completion" in result.stdout


def test_licence_and_extras_in_the_package_metadata() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]
    licence = (ROOT / "LICENSE").read_text()
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence
    extras = project["optional-dependencies"]
    assert any(d.startswith("psycopg") for d in extras["postgres"])
    assert {d.split(">")[0] for d in extras["bulk"]} == {"duckdb", "pyarrow"}
    base = " ".join(project["dependencies"])
    assert "psycopg" not in base and "duckdb" not in base and "pyarrow" not in base
    makefile = (ROOT / "Makefile").read_text()
    assert "postgres,bulk" in makefile and "--port $(PORT)" in makefile
    assert "Apache-2.0" in (ROOT / "README.md").read_text()


def test_make_run_takes_a_port() -> None:
    result = subprocess.run(
        ["make", "-n", "run", "PORT=8080"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "serve --demo --port 8080" in result.stdout


def test_missing_optional_part_is_named(monkeypatch) -> None:
    from spinecare import cli

    def without_duckdb() -> None:
        raise ModuleNotFoundError("No module named 'duckdb'", name="duckdb")

    runner = CliRunner()

    @cli.app.command("needs-duckdb", hidden=True)
    def _needs() -> None:
        cli.run_safely(False, without_duckdb)

    try:
        result = runner.invoke(cli.app, ["needs-duckdb"])
    finally:
        cli.app.registered_commands.pop()
    assert result.exit_code == 1
    assert "pip install 'spinecare[bulk]'" in result.output
    assert "Traceback" not in result.output


def test_postgres_driver_missing_is_a_clear_error(monkeypatch) -> None:
    import pytest

    from spinecare.errors import InputError
    from spinecare.store import db

    def no_driver(*_args, **_kwargs):
        raise ModuleNotFoundError("No module named 'psycopg'", name="psycopg")

    monkeypatch.setattr(db, "create_engine", no_driver)
    with pytest.raises(InputError, match=r"spinecare\[postgres\]"):
        db.make_engine("postgresql+psycopg://u@localhost/x")
