"""Settings: typed, refused with the variable's name, and a first start needs none."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from spinecare.errors import InputError
from spinecare.settings import DEV_SECRET, Settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("SPINECARE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SPINECARE_DATA_DIR", str(tmp_path / "data"))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SPINECARE_DEMO", "ture"),
        ("SPINECARE_CDS_JWT_REQUIRED", "maybe"),
        ("SPINECARE_MAX_BODY_BYTES", "5 megs"),
        ("SPINECARE_MAX_BODY_BYTES", "-5"),
        ("SPINECARE_ENVIRONMENT", "prod"),
    ],
)
def test_a_malformed_value_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(InputError) as caught:
        Settings.from_env()
    assert caught.value.message.startswith(f"{name}:")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("5000000", 5_000_000), ("5MB", 5_000_000), ("5MiB", 5 * 1024 * 1024), ("64kb", 64_000)],
)
def test_sizes_take_bytes_or_a_unit(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: int
) -> None:
    monkeypatch.setenv("SPINECARE_MAX_BODY_BYTES", value)
    assert Settings.from_env().max_body_bytes == expected


def test_booleans_and_lists_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPINECARE_DEMO", "yes")
    monkeypatch.setenv("SPINECARE_CORS_ORIGINS", "https://a.example, https://b.example")
    settings = Settings.from_env()
    assert settings.demo is True
    assert settings.cors_origins == ["https://a.example", "https://b.example"]


def test_first_start_makes_a_secret_key_and_keeps_it(tmp_path: Path) -> None:
    first = Settings.from_env()
    assert first.environment == "production"
    key_file = tmp_path / "data" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.secret_key) >= 32 and first.secret_key != DEV_SECRET
    assert Settings.from_env().secret_key == first.secret_key  # the same after a restart
    assert first.db_url == f"sqlite:///{tmp_path / 'data' / 'spinecare.sqlite'}"


@pytest.mark.parametrize("key", [DEV_SECRET, "short-key"])
def test_production_refuses_a_weak_key_set_on_purpose(
    monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("SPINECARE_SECRET_KEY", key)
    with pytest.raises(InputError, match="SPINECARE_SECRET_KEY"):
        Settings.from_env()
    monkeypatch.setenv("SPINECARE_ENVIRONMENT", "development")
    assert Settings.from_env().secret_key == key


def test_serve_starts_with_no_settings(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from spinecare.app import create_app

    app = create_app(Settings.from_env())
    with TestClient(app) as client:
        assert client.get("/login").status_code == 200
    app.state.db.dispose()


def test_a_development_instance_signs_with_a_key_of_its_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``serve --demo`` runs in development: it signed sessions and forms with the key
    written in the source, so anyone could sign a token for it."""
    monkeypatch.setenv("SPINECARE_ENVIRONMENT", "development")
    first = Settings.from_env()
    assert first.secret_key != DEV_SECRET and len(first.secret_key) >= 32
    assert Settings.from_env().secret_key == first.secret_key  # kept in the data directory
    monkeypatch.setenv("SPINECARE_ENVIRONMENT", "test")
    assert Settings.from_env().secret_key == DEV_SECRET


def test_the_idle_limit_of_a_sign_in_is_read_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """30 minutes unless set; no shorter than a minute, no longer than a session's 12 hours."""
    assert Settings.from_env().session_idle_minutes == 60
    monkeypatch.setenv("SPINECARE_SESSION_IDLE_MINUTES", "15")
    assert Settings.from_env().session_idle_minutes == 15
    for wrong in ("0", "721", "half an hour"):
        monkeypatch.setenv("SPINECARE_SESSION_IDLE_MINUTES", wrong)
        with pytest.raises(InputError) as caught:
            Settings.from_env()
        assert caught.value.message.startswith("SPINECARE_SESSION_IDLE_MINUTES:")
