"""What an upgrade that adds a table grants on PostgreSQL.

A deployment may run the server under a role of its own, granted what it needs on the
tables when it was set up (docs/security.md, "PostgreSQL"). A table an upgrade adds
belongs to the role that ran the upgrade: without the same grants, the server's role is
refused it. So an upgrade that adds a table grants on it, to every role, what that role
holds on a table every release has (``patients``), as its owner granted it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

LIKE = "patients"


def grant_as_existing(table: str) -> None:
    """Grant on ``table`` what every other role holds on :data:`LIKE` (PostgreSQL only)."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    held = bind.execute(
        sa.text(
            "SELECT grantee, privilege_type FROM information_schema.table_privileges"
            " WHERE table_schema = current_schema() AND table_name = :like"
            " AND grantee <> current_user"
        ),
        {"like": LIKE},
    ).all()
    quote = bind.dialect.identifier_preparer.quote
    for grantee, privilege in held:
        to = "PUBLIC" if grantee == "PUBLIC" else quote(grantee)
        op.execute(f"GRANT {privilege} ON {quote(table)} TO {to}")
