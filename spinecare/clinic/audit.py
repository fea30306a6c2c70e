"""The audit log's one recorder: who read or changed which patient's data, what was
refused, when and from where; each row chained to the previous one by a hash.

:func:`record` queues an entry in the database session; the entries are written when
the session commits (so an entry is kept exactly when the change it records is), in
commit order: a lock (PostgreSQL: an advisory lock; SQLite: the write lock) is taken,
the last row's hash read, and each new row gets ``hash = sha256(canonical content +
previous hash)``. :func:`record_refused` writes at once, in its own transaction, because
the refused request's own transaction is rolled back. :func:`verify` walks the chain and
reports the first row whose hash, link or time does not hold (``spinecare audit verify``).
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from spinecare.store.audit import GENESIS, row_hash
from spinecare.store.models import AuditEntry, as_utc

__all__ = [
    "GENESIS",
    "Actor",
    "ActorRef",
    "ChainReport",
    "client_address",
    "detail_text",
    "record",
    "record_refused",
    "row_hash",
    "verify",
]

CLOCK_SKEW = timedelta(minutes=1)
"""How far a row's time may lie before its predecessor's (clocks of several servers)."""
_DETAIL_SEPARATORS = re.compile(r"[\s%=;,]")


def detail_text(value: str) -> str:
    """What a user typed, as one value of an entry's detail (``q=ivan%20petrov``): the
    characters that separate a detail's parts (spaces, ``=``, ``;``, ``,``) and ``%`` are
    percent-encoded, so a search for ``x action=delete`` cannot read as a part of its
    own. :func:`urllib.parse.unquote` gives the text back."""
    return _DETAIL_SEPARATORS.sub(lambda m: quote(m.group(), safe=""), value)


_LOCK_KEY = 0x5350_4E43  # the PostgreSQL advisory lock that orders audit writes
_PENDING = "spinecare_audit_pending"

client_address: ContextVar[str | None] = ContextVar("client_address", default=None)
"""The address of the request being served (set by the app's middleware)."""


class Actor(Protocol):
    """Who acts: a signed-in user (a store row, or what a page keeps of it)."""

    @property
    def id(self) -> int: ...

    @property
    def username(self) -> str: ...

    @property
    def clinic_id(self) -> int: ...


@dataclass(frozen=True)
class ActorRef:
    """What the log needs of an actor, kept after the database session ends."""

    id: int
    username: str
    clinic_id: int

    @classmethod
    def of(cls, user: Actor) -> ActorRef:
        return cls(user.id, user.username, user.clinic_id)


def _now() -> datetime:
    return datetime.now(UTC)


def record(
    session: Session,
    user: Actor | None,
    action: str,
    entity: str,
    entity_id: str | None = None,
    *,
    patient_id: int | None = None,
    detail: str | None = None,
    clinic_id: int | None = None,
) -> None:
    """Queue one entry; it is written, chained, when ``session`` commits."""
    entry = {
        "clinic_id": clinic_id if clinic_id is not None else (user.clinic_id if user else None),
        "user_id": user.id if user else None,
        "username": user.username if user else None,
        "action": action,
        "entity": entity,
        "entity_id": entity_id[:100] if entity_id else entity_id,
        "patient_id": patient_id,
        "detail": detail[:2000] if detail else None,
        "address": (client_address.get() or None),
    }
    session.info.setdefault(_PENDING, []).append(entry)


def record_refused(
    session: Session,
    user: Actor | None,
    *,
    status: int,
    method: str,
    path: str,
    reason: str,
) -> None:
    """A refused attempt (403, or 404 for what the user may not see), written at once."""
    record(
        session,
        user,
        "refused",
        "request",
        f"{method} {path}"[:100],
        detail=f"{status}: {reason}",
    )
    session.commit()


def _take_write_lock(session: Session) -> None:
    """Hold the lock that orders audit writes until the transaction ends."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    elif dialect == "sqlite":
        # a write statement starts the write transaction (no row matches): from here on
        # no other connection writes, so the last row read below stays the last
        session.execute(text("UPDATE audit_log SET id = id WHERE 0 = 1"))


def _write_pending(session: Session) -> None:
    pending: list[dict[str, Any]] = session.info.pop(_PENDING, [])
    if not pending:
        return
    session.flush()
    _take_write_lock(session)
    last = session.execute(
        select(AuditEntry.hash, AuditEntry.at).order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    prev = (last[0] if last is not None else None) or GENESIS
    moment = _now()
    if last is not None and last[1] is not None:
        moment = max(moment, as_utc(last[1]))  # the chain's times never go back on this server
    for values in pending:
        entry = {**values, "at": moment}
        digest = row_hash(entry, prev)
        session.add(AuditEntry(**entry, prev_hash=prev, hash=digest))
        prev = digest
    session.flush()


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    _write_pending(session)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_break: int | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.first_break is None


def verify(session: Session, *, batch: int = 5000) -> ChainReport:
    """Walk the whole log in id order; the first row whose chain does not hold."""
    prev = GENESIS
    prev_at: datetime | None = None
    checked = 0
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not rows:
            return ChainReport(checked)
        for row in rows:
            at = as_utc(row.at)
            if row.prev_hash != prev:
                return ChainReport(
                    checked, row.id, "it does not follow the row before it (a row is missing)"
                )
            if row.hash != row_hash(row, prev):
                return ChainReport(checked, row.id, "its content was changed after it was written")
            if prev_at is not None and at < prev_at - CLOCK_SKEW:
                return ChainReport(checked, row.id, "it is dated before the row it follows")
            prev, prev_at, last_id = row.hash, at, row.id
            checked += 1
        session.expunge_all()
