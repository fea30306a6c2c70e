"""Store tests run on SQLite and on PostgreSQL (a fresh schema per test).

PostgreSQL: ``SPINECARE_TEST_PG`` or postgresql+psycopg://postgres@127.0.0.1:5432/test.
When it cannot be reached the PostgreSQL cases skip, except with CI=true, where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_URL = os.environ.get("SPINECARE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_problem() -> str | None:
    try:
        import psycopg

        dsn = PG_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".strip()
    return None


@pytest.fixture(scope="session")
def postgres_available() -> None:
    problem = _postgres_problem()
    if problem is None:
        return
    message = f"PostgreSQL at {PG_URL} is not reachable ({problem})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + "; CI must start it (see docs/web.md)")
    pytest.skip(message)


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> None:
    from argon2 import PasswordHasher

    from spinecare.clinic.accounts import use_password_hasher

    use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """(url, schema) of an empty database: a temporary SQLite file or a fresh PG schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}", None
        return
    request.getfixturevalue("postgres_available")
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:16]}"
    dsn = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield PG_URL, schema
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
