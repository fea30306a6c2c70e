"""``spinecare user token USERNAME``: personal API tokens for the REST API.

Registers ``token`` in the ``user`` group of :mod:`spinecare.commands.web` (so it needs
that module, and comes after it in ``spinecare.commands.MODULES``). Heavy imports happen
inside the command.
"""

from __future__ import annotations

from typing import Annotated

import typer

from spinecare.commands.output import LangOpt, fail, say
from spinecare.commands.web import DbOpt, user_app
from spinecare.i18n import SOURCE_LANGUAGE
from spinecare.messages import N_, Message

TOKEN_HELP = N_(
    "Issue a personal API token (printed once; send it as 'Authorization: Bearer TOKEN'\n"
    "to /api/patients...). It sees exactly what the user sees on the web pages.\n"
    "\n"
    "Example: spinecare user token anna --days 30"
)


def user_token(
    username: Annotated[str, typer.Argument(help=N_("The user the token acts as."))],
    days: Annotated[
        int, typer.Option("--days", min=1, max=365, help=N_("Days the token stays valid."))
    ] = 90,
    revoke: Annotated[
        str | None,
        typer.Option("--revoke", metavar="TOKEN", help=N_("End this token of USERNAME instead.")),
    ] = None,
    db: DbOpt = None,
    lang: LangOpt = SOURCE_LANGUAGE,
) -> None:
    from spinecare.errors import SpinecareError
    from spinecare.settings import Settings

    try:
        overrides: dict[str, object] = {"environment": "development"}
        if db:
            overrides["db_url"] = db
        settings = Settings.from_env(**overrides)
        from spinecare.clinic.tokens import issue_token, revoke_token, token_user
        from spinecare.clinic.users import active_user
        from spinecare.store.db import open_database

        database = open_database(settings.db_url)
        try:
            with database.session() as session:
                user = active_user(session, username)
                if user is None:
                    fail(Message("USERNAME: no active user '%(user)s'", user=username))
                if revoke is not None:
                    owner = token_user(session, revoke.strip())
                    if owner is None or owner.id != user.id:
                        fail(Message("--revoke: not a live API token of '%(user)s'", user=username))
                    revoke_token(session, revoke.strip())
                    typer.echo(say(Message("revoked the API token of '%(user)s'", user=username)))
                    return
                token = issue_token(session, user, days)
                typer.echo(token)
                issued = Message(
                    "an API token for %(role)s '%(user)s', valid %(days)s days; "
                    "it is shown only now",
                    role=user.role,
                    user=user.username,
                    days=days,
                )
                typer.echo(say(issued), err=True)
        finally:
            database.dispose()
    except SpinecareError as exc:
        fail(exc.one_line())


def register(app: typer.Typer) -> None:
    user_app.command("token", help=TOKEN_HELP)(user_token)
