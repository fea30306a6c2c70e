"""An upgrade that adds a table on PostgreSQL grants on it what the server's own role holds
on the others (docs/security.md, "PostgreSQL"): the tables of the sign-in counters and of
the launch limits, added by an upgrade the owner ran, were refused to the server's role,
so every sign-in failed after the upgrade."""

from __future__ import annotations

import uuid

import pytest

from spinecare.store.db import migrate, open_database
from tests.store.conftest import PG_URL

pytestmark = pytest.mark.postgres


def test_a_table_an_upgrade_adds_is_granted_as_the_others(postgres_available: None) -> None:
    import psycopg

    dsn = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    role = f"r_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
        connection.execute(f'CREATE ROLE "{role}"')
    try:
        # the release before the counters, set up as the docs say: the owner migrates, the
        # server's role is granted the tables there are
        db = open_database(PG_URL, schema=schema, run_migrations=False)
        migrate(db.engine, "0024_search_composed")
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"')
            connection.execute(
                f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}"'
                f' TO "{role}"'
            )
        migrate(db.engine)  # the upgrade, by the owner
        db.engine.dispose()
        with psycopg.connect(dsn, autocommit=True) as connection:
            for table in ("login_failures", "rate_buckets"):
                for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE"):
                    granted = connection.execute(
                        "SELECT has_table_privilege(%s, %s, %s)",
                        (role, f'"{schema}".{table}', privilege),
                    ).fetchone()
                    assert granted == (True,), (table, privilege)
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
            connection.execute(f'DROP OWNED BY "{role}"')
            connection.execute(f'DROP ROLE "{role}"')
