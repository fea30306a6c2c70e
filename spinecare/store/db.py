"""Engines, sessions and migrations.

SQLite (the default, one file, WAL journal) or PostgreSQL by URL
(``postgresql+psycopg://user@host/db``). :func:`open_database` creates the engine and
runs the Alembic migrations in ``spinecare/store/migrations`` programmatically, so a
database from an older version is upgraded in place on start.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.pool import StaticPool

from spinecare.errors import InputError
from spinecare.messages import N_, Message
from spinecare.store import verdicts as _verdicts  # noqa: F401  (clears stored verdicts on write)
from spinecare.store.errors import VersionConflict

__all__ = [
    "Database",
    "insert_new",
    "make_engine",
    "migrate",
    "open_database",
    "schema_revision",
]

HEAD = "0026_rate_buckets"


def make_engine(url: str, *, schema: str | None = None) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout.

    ``schema`` (PostgreSQL only) puts every table in that schema (tests use one per test).
    """
    try:
        parsed = make_url(url)
    except Exception:
        raise InputError(
            Message(
                "--db: '%(url)s' is not a database URL (sqlite:///file or "
                "postgresql+psycopg://user@host/db)",
                url=url,
            )
        ) from None
    backend = parsed.get_backend_name()
    kwargs: dict[str, Any] = {}
    if backend == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if parsed.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool
        elif parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    elif backend == "postgresql":
        kwargs["pool_pre_ping"] = True
        if schema:
            kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
    else:
        raise InputError(
            Message(
                "--db: database '%(backend)s' is not supported; use sqlite or postgresql",
                backend=backend,
            )
        )
    try:
        engine = create_engine(url, **kwargs)
    except ModuleNotFoundError as exc:
        raise InputError(
            Message(
                "--db: the %(backend)s driver (%(driver)s) is not installed; "
                "install PostgreSQL support with: pip install 'spinecare[postgres]'",
                backend=backend,
                driver=exc.name,
            )
        ) from None
    if backend == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    return engine


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    folder = Path(str(resources.files("spinecare.store") / "migrations"))
    config = Config()
    config.set_main_option("script_location", str(folder))
    config.attributes["engine"] = engine
    return config


NEWER_DATABASE = N_(
    "the database was set up by a newer version of spinecare than this one: run that "
    "version, or a backup of the database made for this one"
)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (each migration in its own transaction).

    A database whose schema this version does not know (a newer version migrated it) is
    refused with :data:`NEWER_DATABASE` and left as it is."""
    from alembic import command
    from alembic.script import ScriptDirectory

    config = _alembic_config(engine)
    current = schema_revision(engine)
    if current is not None:
        known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
        if current not in known:
            raise InputError(Message(NEWER_DATABASE))
    command.upgrade(config, revision)


def schema_revision(engine: Engine) -> str | None:
    """The database's current migration revision (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _lost_race(exc: StaleDataError | IntegrityError) -> VersionConflict:
    """What a write that lost a race says: the row was changed meanwhile (its version
    moved on), or the same unique value (a user name, a patient's id) was saved first."""
    if isinstance(exc, StaleDataError):
        return VersionConflict(
            N_(
                "this record was changed by someone else meanwhile; nothing was saved: "
                "reload it and try again"
            )
        )
    return VersionConflict(
        N_(
            "someone else saved the same thing at the same time; nothing was saved: "
            "reload and try again"
        )
    )


def insert_new(session: Session, table: Any, unique: str, /, **values: Any) -> bool:
    """Insert a row of ``table`` (an ORM class) unless one with the same ``unique`` column is
    there (another server may have made it meanwhile: it is left as it is, and the
    statement waits for that server's transaction); whether this one made it."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement: Any = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(table)
    # the row it made, if any: a driver's row count of such an insert is not to be trusted
    # (psycopg says -1, "not known", whether or not a row was made)
    made = session.execute(
        statement.values(**values)
        .on_conflict_do_nothing(index_elements=[unique])
        .returning(getattr(table, unique))
    )
    return made.first() is not None


def prune(session: Session, key: Any, time: Any, before: Any, keep: int) -> None:
    """Forget the rows of ``key``'s table (an ORM column) that ``time`` dates before
    ``before``; with ``keep`` rows or more left, the oldest too, so that one more makes
    at most ``keep``: a table an outsider's requests fill stays bounded."""
    table = key.class_
    session.execute(delete(table).where(time < before))
    held = session.scalar(select(func.count()).select_from(table)) or 0
    if held >= keep:
        oldest = select(key).order_by(time).limit(held - keep + 1).scalar_subquery()
        session.execute(delete(table).where(key.in_(oldest)))


@dataclass
class Database:
    """An engine with its session factory."""

    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error.

        A write that lost a race (another session saved the row first, or the same unique
        value), found when the session flushes or commits, on one server or several on
        one database, is a :class:`VersionConflict` (409), never an internal error; a
        session a failed write left unusable (the caller answered the error) is rolled
        back."""
        session = self.sessions()
        try:
            yield session
            if not session.is_active:
                session.rollback()
                return
            session.commit()
        except (StaleDataError, IntegrityError) as exc:
            session.rollback()
            raise _lost_race(exc) from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, schema: str | None = None, run_migrations: bool = True) -> Database:
    """Open (and by default migrate) the database at ``url``."""
    engine = make_engine(url, schema=schema)
    if run_migrations:
        migrate(engine)
    return Database(engine, sessionmaker(engine, expire_on_commit=False))


NO_DATABASE_FILE = N_(
    "--db: there is no database file %(path)s: check the path (spinecare serve makes a database)"
)
CANNOT_OPEN = N_("--db: the database cannot be opened: %(reason)s")
NOT_A_SPINECARE_DATABASE = N_(
    "--db: the database holds no spinecare data: check the address (spinecare serve sets a"
    " database up)"
)


def open_existing_database(url: str) -> Database:
    """Open (and migrate) a database spinecare already set up; never make one.

    For a command that reads what is stored (``spinecare audit verify``): a mistyped path
    or address must not become a new, empty database that answers as if all were well.
    Raises :class:`InputError` naming the path of a SQLite file that does not exist, or
    saying that a database holds no spinecare data.
    """
    try:
        parsed = make_url(url)
    except Exception:
        parsed = None  # make_engine says what is wrong with it
    if (
        parsed is not None
        and parsed.get_backend_name() == "sqlite"
        and parsed.database not in (None, "", ":memory:")
        and not Path(parsed.database).is_file()
    ):
        raise InputError(Message(NO_DATABASE_FILE, path=parsed.database))
    engine = make_engine(url)
    try:
        try:
            revision = schema_revision(engine)
        except SQLAlchemyError as exc:  # no such database, the server refused, a password
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise InputError(Message(CANNOT_OPEN, reason=reason)) from None
        if revision is None:
            raise InputError(Message(NOT_A_SPINECARE_DATABASE))
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return Database(engine, sessionmaker(engine, expire_on_commit=False))
