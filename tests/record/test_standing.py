"""How a fact stands on a date is one definition (spinecare.record.standing): the engine's
Python and bulk screening's SQL give the same answer for every combination of statuses
and dates, missing ones included."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date, timedelta

import duckdb
import pytest

from spinecare.bulk.compile import CONDITION_COLUMNS, MEDICATION_COLUMNS
from spinecare.record.model import Condition, Medication
from spinecare.record.standing import (
    AHEAD,
    CONDITION_RANK,
    CONDITION_STANDING,
    CONTRADICTORY,
    ENDED,
    IN_FORCE,
    MEDICATION_IN_FORCE_ON,
    MEDICATION_RECENT_ON,
    NOT_HELD,
    python_function,
    rank_sql,
    sql,
)

AS_OF = date(2026, 11, 22)
DAYS = (
    None,
    AS_OF - timedelta(days=30),
    AS_OF,
    AS_OF + timedelta(days=1),
    AS_OF + timedelta(days=30),
)
SQL_AS_OF = f"DATE '{AS_OF.isoformat()}'"
SQL_NEXT_DAY = f"DATE '{(AS_OF + timedelta(days=1)).isoformat()}'"
SQL_SINCE = f"DATE '{(AS_OF - timedelta(days=30)).isoformat()}'"


def _sql_values(expr_sql: str, columns: list[str], rows: Sequence[tuple[object, ...]]) -> list[int]:
    con = duckdb.connect()
    types = ", ".join(
        f"{c} {'DATE' if c not in ('clinical', 'verification', 'status') else 'VARCHAR'}"
        for c in columns
    )
    con.execute(f"CREATE TABLE t (n INTEGER, {types})")
    con.executemany(
        f"INSERT INTO t VALUES (?, {', '.join('?' for _ in columns)})",
        [(i, *row) for i, row in enumerate(rows)],
    )
    return [int(v) for (v,) in con.execute(f"SELECT {expr_sql} FROM t ORDER BY n").fetchall()]


def test_condition_standing_is_the_same_in_python_and_sql() -> None:
    clinical = (None, "active", "recurrence", "relapse", "inactive", "remission", "resolved")
    verification = (None, "confirmed", "unconfirmed", "provisional", "refuted", "entered-in-error")
    rows = list(itertools.product(DAYS, DAYS, DAYS, clinical, verification))
    conditions = [
        Condition(
            ref=f"c{i}",
            onset=onset,
            recorded=recorded,
            abatement=abatement,
            clinical_status=status,
            verification_status=ver,
        )
        for i, (onset, recorded, abatement, status, ver) in enumerate(rows)
    ]
    python = [c.standing(AS_OF) for c in conditions]
    as_of = SQL_AS_OF
    standing_sql = sql(CONDITION_STANDING, CONDITION_COLUMNS, as_of, next_day=SQL_NEXT_DAY)
    in_sql = _sql_values(
        standing_sql, ["onset", "recorded", "abatement", "clinical", "verification"], rows
    )
    assert python == in_sql
    assert set(python) == {NOT_HELD, CONTRADICTORY, IN_FORCE, ENDED, AHEAD}
    for status in CONDITION_RANK:
        ranks = _sql_values(
            rank_sql(status, standing_sql),
            ["onset", "recorded", "abatement", "clinical", "verification"],
            rows,
        )
        assert ranks == [CONDITION_RANK[status][s] for s in python]


@pytest.mark.parametrize(
    ("fields", "standing"),
    [
        ({"clinical_status": "active"}, IN_FORCE),
        ({}, IN_FORCE),  # no status: in force while it has not abated
        ({"abatement": AS_OF - timedelta(days=1)}, ENDED),
        ({"clinical_status": "active", "abatement": AS_OF}, CONTRADICTORY),
        ({"clinical_status": "resolved"}, ENDED),
        ({"clinical_status": "resolved", "abatement": AS_OF}, ENDED),
        # ended by its status, but on a day after the date: not yet ended by its date
        ({"clinical_status": "resolved", "abatement": AS_OF + timedelta(days=1)}, CONTRADICTORY),
        ({"clinical_status": "remission", "abatement": AS_OF + timedelta(days=30)}, CONTRADICTORY),
        ({"verification_status": "refuted", "clinical_status": "active"}, NOT_HELD),
        # an onset in the future on a condition already recorded: the recorded date counts
        ({"onset": AS_OF + timedelta(days=9), "recorded": AS_OF - timedelta(days=9)}, IN_FORCE),
        # recorded only after the date: not yet known
        ({"recorded": AS_OF + timedelta(days=1)}, AHEAD),  # may be of the date: confirm
        ({"recorded": AS_OF + timedelta(days=2)}, NOT_HELD),  # not yet recorded
    ],
)
def test_condition_standing_examples(fields: dict[str, object], standing: int) -> None:
    assert Condition(ref="c", **fields).standing(AS_OF) == standing  # type: ignore[arg-type]


def test_medication_in_force_is_the_same_in_python_and_sql() -> None:
    statuses = (None, "active", "intended", "on-hold", "unknown", "completed", "stopped", "draft")
    rows = list(itertools.product(statuses, DAYS, DAYS))
    python = [
        int(Medication(ref=f"m{i}", status=s, start=start, end=end).in_force(AS_OF))
        for i, (s, start, end) in enumerate(rows)
    ]
    in_sql = _sql_values(
        f"CASE WHEN {sql(MEDICATION_IN_FORCE_ON, MEDICATION_COLUMNS, SQL_AS_OF)} THEN 1 ELSE 0 END",
        ["status", "start_date", "end_date"],
        rows,
    )
    assert python == in_sql
    assert 0 in python and 1 in python


def test_medication_taken_recently_is_the_same_in_python_and_sql() -> None:
    """Taken recently, or begun the day after the date (to confirm), in both."""
    statuses = (None, "active", "completed", "stopped", "draft")
    rows = list(itertools.product(statuses, DAYS, DAYS))
    since = AS_OF - timedelta(days=30)
    python = [
        int(Medication(ref=f"m{i}", status=s, start=start, end=end).recently_taken(AS_OF, since))
        for i, (s, start, end) in enumerate(rows)
    ]
    recent = sql(MEDICATION_RECENT_ON, MEDICATION_COLUMNS, SQL_AS_OF, SQL_SINCE, SQL_NEXT_DAY)
    in_sql = _sql_values(
        f"CASE WHEN COALESCE({recent}, FALSE) THEN 1 ELSE 0 END",
        ["status", "start_date", "end_date", "start_last", "end_first"],
        [(*row, None, None) for row in rows],
    )
    assert python == in_sql
    begun_next_day = Medication(ref="m", status="active", start=AS_OF + timedelta(days=1))
    assert begun_next_day.recently_taken(AS_OF, since)


def test_the_engine_runs_the_definition_as_one_python_function() -> None:
    standing = python_function(CONDITION_STANDING)
    c = Condition(ref="c", clinical_status="active")
    assert standing(c, AS_OF) == c.standing(AS_OF) == IN_FORCE
