"""``spinecare serve`` (the clinic web app) and ``spinecare user add``.

Heavy imports (FastAPI, SQLAlchemy, uvicorn) happen inside the commands so that
``spinecare --help`` stays instant.
"""

from __future__ import annotations

from typing import Annotated

import typer

from spinecare.commands.output import LangOpt, fail, output_language, say
from spinecare.i18n import SOURCE_LANGUAGE
from spinecare.messages import N_, Message

user_app = typer.Typer(help=N_("Manage the clinic app's users."), no_args_is_help=True)
audit_app = typer.Typer(help=N_("The clinic app's audit log."), no_args_is_help=True)

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        help=N_(
            "Database URL: sqlite:///file.sqlite or postgresql+psycopg://user@host/db "
            "(default: a SQLite file in the user's data directory)."
        ),
    ),
]


SERVE_HELP = N_(
    "Run the clinic web app (migrations run on start).\n\nExample: spinecare serve --demo"
)


def serve(
    host: Annotated[str, typer.Option("--host", help=N_("Address to listen on."))] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help=N_("Port."))] = 8000,
    db: DbOpt = None,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help=N_(
                "Seed a demo clinic (one user per role, the demo patients) and print "
                "the demo users' passwords."
            ),
        ),
    ] = False,
    lang: LangOpt = SOURCE_LANGUAGE,
) -> None:
    import os

    from spinecare.errors import SpinecareError
    from spinecare.settings import Settings

    overrides: dict[str, object] = {"db_url": db, "demo": demo or None}
    if demo and "SPINECARE_ENVIRONMENT" not in os.environ:
        overrides["environment"] = "development"
    try:
        settings = Settings.from_env(**overrides)
        from spinecare.app import create_app

        app = create_app(settings)
    except SpinecareError as exc:
        fail(exc.one_line())
    except Exception as exc:  # a database that cannot be reached, for one
        fail(Message("cannot start: %(error)s", error=f"{type(exc).__name__}: {exc}"))
    shown = "localhost" if host in ("0.0.0.0", "::") else host
    url = f"http://{shown}:{port}/"
    typer.echo(say(Message("spinecare clinic app: %(url)s", url=url)))
    typer.echo(say(Message("database: %(url)s", url=_safe_url(settings.db_url))))
    from spinecare.wording import RoleNames

    for login in app.state.demo_logins:
        role = RoleNames(login.role).in_language(output_language())  # "массажист" in Russian
        demo_user = Message(
            "demo %(role)s user: %(user)s password: %(password)s",
            role=f"{role:<17}",
            user=f"{login.username:<10}",
            password=login.password,
        )
        typer.echo(f"  {say(demo_user)}")
    import uvicorn

    from spinecare.app import server_options

    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=True, **server_options())


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@user_app.command(
    "add",
    help=N_(
        "Create a user of the clinic app.\n"
        "\n"
        'Example: spinecare user add anna --role therapist --clinic "City clinic"'
    ),
)
def user_add(
    username: Annotated[str, typer.Argument(help=N_("The login name."))],
    role: Annotated[
        str, typer.Option("--role", help=N_("admin, therapist, physician or patient."))
    ] = "therapist",
    clinic: Annotated[
        str, typer.Option("--clinic", help=N_("Clinic name (created if new)."))
    ] = "Demo clinic",
    full_name: Annotated[str | None, typer.Option("--name", help=N_("Full name."))] = None,
    patient: Annotated[
        int | None,
        typer.Option(
            "--patient", help=N_("For a patient account: the patient's number in the app.")
        ),
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            help=N_("The password (default: asked for, or SPINECARE_NEW_PASSWORD)."),
            envvar="SPINECARE_NEW_PASSWORD",
        ),
    ] = None,
    db: DbOpt = None,
    lang: LangOpt = SOURCE_LANGUAGE,
) -> None:
    from spinecare.errors import SpinecareError
    from spinecare.settings import Settings

    if password is None:
        password = typer.prompt(say("Password"), hide_input=True, confirmation_prompt=True)
    try:
        settings = (
            Settings.from_env(db_url=db, environment="development")
            if db
            else Settings.from_env(environment="development")
        )
        from spinecare.clinic import FormError
        from spinecare.clinic.users import account_for_cli
        from spinecare.store.db import open_database

        database = open_database(settings.db_url)
        with database.session() as session:
            try:
                user, place = account_for_cli(
                    session,
                    clinic=clinic,
                    username=username,
                    password=password,
                    role=role,
                    full_name=full_name,
                    patient_id=patient,
                )
            except FormError as exc:
                problems = "; ".join(
                    f"--{k.replace('_id', '')}: {say(v)}"
                    if k != "username"
                    else f"USERNAME: {say(v)}"
                    for k, v in exc.errors.items()
                )
                fail(problems)
            created = Message(
                "created %(role)s '%(user)s' in clinic '%(clinic)s'",
                role=user.role,
                user=user.username,
                clinic=place,
            )
            typer.echo(say(created))
        database.dispose()
    except SpinecareError as exc:
        fail(exc.one_line())


@user_app.command(
    "rename",
    help=N_(
        "Give an account another user name.\n"
        "\n"
        "It also works on a database whose upgrade stopped because two user names look "
        "the same.\n"
        "\n"
        "Example: spinecare user rename ADMIN admin2"
    ),
)
def user_rename(
    old: Annotated[str, typer.Argument(help=N_("The account's user name now."))],
    new: Annotated[str, typer.Argument(help=N_("Its new user name."))],
    db: DbOpt = None,
    lang: LangOpt = SOURCE_LANGUAGE,
) -> None:
    from spinecare.errors import SpinecareError
    from spinecare.settings import Settings

    try:
        settings = (
            Settings.from_env(db_url=db, environment="development")
            if db
            else Settings.from_env(environment="development")
        )
        from spinecare.clinic import FormError
        from spinecare.clinic.users import rename_for_cli
        from spinecare.store.db import migrate, open_database, schema_revision

        # not upgraded first: the upgrade may be what two look-alike names stop
        database = open_database(settings.db_url, run_migrations=False)
        if schema_revision(database.engine) is None:
            migrate(database.engine)
        with database.session() as session:
            try:
                rename_for_cli(session, old, new)
            except FormError as exc:
                fail("; ".join(f"NEW: {say(v)}" for v in exc.errors.values()))
        database.dispose()
        typer.echo(say(Message("'%(old)s' is now '%(new)s'", old=old, new=new.strip())))
    except SpinecareError as exc:
        fail(exc.one_line())


@audit_app.command(
    "verify",
    help=N_(
        "Check the audit log's hash chain; name the first row that does not hold.\n"
        "\n"
        "Exit code 0 when the whole chain holds, 1 at the first break or when there is no "
        "spinecare database at --db (none is made).\n"
        "\n"
        "Example: spinecare audit verify --db postgresql+psycopg://spinecare@db/clinic"
    ),
)
def audit_verify(db: DbOpt = None, lang: LangOpt = SOURCE_LANGUAGE) -> None:
    from spinecare.errors import SpinecareError
    from spinecare.settings import Settings

    try:
        settings = Settings.from_env(db_url=db, environment="development")
        from spinecare.clinic.audit import verify
        from spinecare.store.db import open_existing_database

        database = open_existing_database(settings.db_url)
        try:
            with database.session() as session:
                report = verify(session)
        finally:
            database.dispose()
    except SpinecareError as exc:
        fail(exc.one_line())
    if report.intact:
        typer.echo(
            say(Message("the audit log holds: %(n)s entries, chain intact", n=report.checked))
        )
        return
    fail(
        Message(
            "the audit log is broken at entry %(entry)s: %(reason)s (%(n)s entries before it hold)",
            entry=report.first_break,
            reason=report.reason,
            n=report.checked,
        )
    )


def register(app: typer.Typer) -> None:
    app.command("serve", help=SERVE_HELP)(serve)
    app.add_typer(user_app, name="user")
    app.add_typer(audit_app, name="audit")
