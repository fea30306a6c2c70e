"""Patient search keys made again from the composed name: a name stored decomposed (``е``
and a combining diaeresis for ``ё``, as records written on some systems hold it) or with
characters that are never seen (a zero-width space, a direction mark) was not found by
what it looks like (:func:`spinecare.store.search.fold`).

Only ``patients.search``, which the app makes from the patient's name, id and phones,
changes; nothing typed or imported does.

Revision ID: 0024_search_composed
Revises: 0023_session_last_seen
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

from spinecare.store.search import fold, search_key

revision = "0024_search_composed"
down_revision = "0023_session_last_seen"
branch_labels = None
depends_on = None


def _patients() -> sa.TableClause:
    return sa.table(
        "patients",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("external_id", sa.String),
        sa.column("phone", sa.String),
        sa.column("emergency_phone", sa.String),
        sa.column("search", sa.String),
    )


def _fill(folding: Callable[[str], str]) -> None:
    """Every patient's search key made with ``folding``, where it differs."""
    patients = _patients()
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            patients.c.id,
            patients.c.name,
            patients.c.external_id,
            patients.c.phone,
            patients.c.emergency_phone,
            patients.c.search,
        )
    ).all()
    for pid, name, external_id, phone, emergency_phone, stored in rows:
        key = search_key(name or "", external_id or "", (phone, emergency_phone), folding)
        if key != stored:
            connection.execute(patients.update().where(patients.c.id == pid).values(search=key))


def upgrade() -> None:
    _fill(fold)


def _fold_0023(text: str) -> str:
    """:func:`~spinecare.store.search.fold` as the version before this one folded."""
    return " ".join(text.casefold().replace("ё", "е").split()).replace("|", " ")


def downgrade() -> None:
    """The keys made again as the version before folds a query: a key made here holds a
    full-width ``Ｏｌｅｇ`` as ``oleg`` and a decomposed ``Фёдор`` composed, which that
    version's folded query (``ｏｌｅｇ``, decomposed) would not find."""
    _fill(_fold_0023)
