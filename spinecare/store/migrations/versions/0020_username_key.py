"""User names that look the same cannot both exist: ``users.username_key`` holds each
name folded (:func:`spinecare.store.usernames.username_key`: case, compatibility forms,
Cyrillic and Greek look-alikes of Latin letters) under a unique index, and an account is
found at sign-in by it.

The accounts already stored get their key here. Where two or more of them fold to the
same key (``admin`` and ``ADMIN``), nothing is changed and nothing is chosen for the
clinic: the upgrade is refused, naming the accounts, and the database stays as it was
(the version before this one still runs on it). The operator gives all but one of each
group another name (``spinecare user rename OLD NEW``, which works on the database as it
is) and starts again. No account, password or audit entry is touched.

Revision ID: 0020_username_key
Revises: 0019_partial_dates_shown
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from spinecare.errors import InputError
from spinecare.messages import Message
from spinecare.store.usernames import look_alike_groups, username_key

revision = "0020_username_key"
down_revision = "0019_partial_dates_shown"
branch_labels = None
depends_on = None

USERS = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("username", sa.String),
    sa.column("username_key", sa.Text),
)


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(USERS.c.id, USERS.c.username)).all()
    groups = look_alike_groups((user_id, name) for user_id, name in rows)
    if groups:  # before any change: the refusal leaves the database as it was
        raise InputError(
            Message(
                "these user names look the same and cannot all stay: %(groups)s; give all but "
                "one of each group another user name with 'spinecare user rename OLD NEW', "
                "then start again (nothing was changed)",
                groups="; ".join(", ".join(f"'{name}'" for _, name in group) for group in groups),
            )
        )
    op.add_column("users", sa.Column("username_key", sa.Text(), nullable=False, server_default=""))
    for user_id, name in rows:
        connection.execute(
            USERS.update().where(USERS.c.id == user_id).values(username_key=username_key(name))
        )
    if connection.dialect.name != "sqlite":  # SQLite keeps it (dropping it rebuilds the table)
        op.alter_column("users", "username_key", server_default=None)
    op.create_index("ix_users_username_key", "users", ["username_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_users_username_key", "users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("username_key")
