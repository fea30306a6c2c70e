"""Stored screening verdicts for the patient list.

A list page shows each listed patient's verdict on a date. Screening every listed patient
on every page view reads and screens their whole page of records; instead the verdict is
kept in ``patient_verdicts`` (:class:`~spinecare.store.models.PatientVerdict`) with the
days it holds on, and screened again only when it cannot be used:

- every write to a patient's record (a fact row, an intake, the patient's own row: its
  birth date counts) raises the row's ``stamp`` and clears its verdict in the same flush,
  so the same transaction that changes the record throws the verdict away
  (:func:`_clear_changed`, run after every flush of every session);
- a verdict is used only on the days it holds on (``valid_from`` to ``valid_until``) and
  for the KB and engine it was screened with;
- a verdict screened again is saved only if the stamp is still the one read before the
  record was read (:func:`save_verdicts`): a write that came in meanwhile wins, and the
  next read screens again. Nothing stale is ever shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, bindparam, event, select, update
from sqlalchemy.orm import Session

from spinecare.store.models import DiaryEntry, Intake, PatientRow, PatientVerdict
from spinecare.store.records import FACT_ROWS

__all__ = ["StoredVerdict", "save_verdicts", "stored_verdicts"]

_WATCHED = (*FACT_ROWS, Intake, DiaryEntry)
"""The rows whose change can change a screening (besides the patient's own row)."""


@dataclass(frozen=True)
class StoredVerdict:
    """A patient's ``patient_verdicts`` row as read (``stamp`` None: there is none)."""

    stamp: int | None
    verdict: str | None = None
    screened_with: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None

    def holds(self, screened_with: str, day: date) -> bool:
        """Usable for a list on ``day`` screened with ``screened_with``."""
        return (
            self.verdict is not None
            and self.screened_with == screened_with
            and (self.valid_from is None or self.valid_from <= day)
            and (self.valid_until is None or day <= self.valid_until)
        )


def _insert(session: Session) -> Any:
    """The dialect's INSERT, which has ON CONFLICT (SQLite and PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(PatientVerdict)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(PatientVerdict)


def stored_verdicts(session: Session, patient_ids: Sequence[int]) -> dict[int, StoredVerdict]:
    """The stored verdict rows of ``patient_ids`` (one query); a patient without one is
    given ``StoredVerdict(None)``. Read this before the records it is checked against."""
    out = {pid: StoredVerdict(None) for pid in patient_ids}
    if not out:
        return out
    table = PatientVerdict.__table__
    for row in session.execute(select(table).where(table.c.patient_id.in_(list(out)))):
        out[row.patient_id] = StoredVerdict(
            row.stamp, row.verdict, row.screened_with, row.valid_from, row.valid_until
        )
    return out


def save_verdicts(
    session: Session,
    read: Mapping[int, StoredVerdict],
    screened: Mapping[int, tuple[str, date | None, date | None]],
    screened_with: str,
) -> None:
    """Keep the verdicts screened again (``screened``: patient id -> verdict and the days
    it holds on), each only if no write changed the patient's record since ``read``."""
    if not screened:
        return
    fresh = [
        {
            "pid": pid,
            "seen": read[pid].stamp,
            "verdict": verdict,
            "kb": screened_with,
            "start": start,
            "until": until,
        }
        # in one order (the patient's id), so two lists saving at once never wait on
        # each other in a circle
        for pid, (verdict, start, until) in sorted(screened.items())
    ]
    known = [row for row in fresh if row["seen"] is not None]
    new = [row for row in fresh if row["seen"] is None]
    if known:
        table = cast(Table, PatientVerdict.__table__)
        session.execute(
            update(table)
            .where(table.c.patient_id == bindparam("pid"), table.c.stamp == bindparam("seen"))
            .values(
                verdict=bindparam("verdict"),
                screened_with=bindparam("kb"),
                valid_from=bindparam("start"),
                valid_until=bindparam("until"),
            ),
            known,
        )
    if new:
        # a write that came in meanwhile inserted the row first: it wins
        session.execute(
            _insert(session).on_conflict_do_nothing(index_elements=["patient_id"]),
            [
                {
                    "patient_id": row["pid"],
                    "stamp": 0,
                    "verdict": row["verdict"],
                    "screened_with": row["kb"],
                    "valid_from": row["start"],
                    "valid_until": row["until"],
                }
                for row in new
            ],
        )


def _changed_patients(objects: Iterable[Any]) -> set[int]:
    out: set[int] = set()
    for obj in objects:
        if isinstance(obj, _WATCHED):
            pid = obj.patient_id
        elif isinstance(obj, PatientRow):
            pid = obj.id
        else:
            continue
        if pid is not None:
            out.add(pid)
    return out


@event.listens_for(Session, "after_flush")
def _clear_changed(session: Session, _context: Any) -> None:
    """Every write to a patient's record, through any session, clears the stored verdict
    in the same transaction (and raises its stamp, so a screening read before the write
    is not saved over it)."""
    changed = _changed_patients((*session.new, *session.dirty, *session.deleted))
    deleted = {obj.id for obj in session.deleted if isinstance(obj, PatientRow)}
    changed -= deleted
    if not changed:
        return
    insert = _insert(session)
    session.connection().execute(
        insert.on_conflict_do_update(
            index_elements=["patient_id"],
            set_={"stamp": PatientVerdict.__table__.c.stamp + 1, "verdict": None},
        ),
        [{"patient_id": pid, "stamp": 1, "verdict": None} for pid in sorted(changed)],
    )
