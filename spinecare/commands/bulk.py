"""``spinecare bulk``: fetch and screen a whole FHIR Bulk Data export.

``spinecare bulk fetch FHIR_BASE --out DIR [--group ID | --system] [--since DATE]
[--client-id ID --key PEM]`` pulls an export from a FHIR server
(:mod:`spinecare.bulk.fetch`); exit 1 with one line when it cannot.

``spinecare bulk screen DIR --out FILE [--engine duckdb|spark] [--as-of DATE] [--strict]
[--spark-master URL]`` writes one row per patient (Parquet, CSV or NDJSON by the suffix
of FILE), prints a summary table and shows a progress bar on stderr. Exit codes: 0 done
(whatever the verdicts), 1 unreadable input (or a malformed line with ``--strict``),
2 usage errors.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from spinecare.commands.output import LangOpt, fail, output_language, say
from spinecare.i18n import SOURCE_LANGUAGE
from spinecare.messages import N_, Day, Message

bulk_app = typer.Typer(help=N_("Screen whole FHIR Bulk Data exports."), no_args_is_help=True)


class Engine(str, Enum):  # noqa: UP042  (as spinecare.cli does)
    duckdb = "duckdb"
    spark = "spark"


SUFFIXES = (".parquet", ".csv", ".ndjson", ".jsonl", ".json")


@bulk_app.command(
    "screen",
    help=N_(
        "Screen every patient of a Bulk export; write one row per patient and a summary.\n"
        "\n"
        "Example: spinecare bulk screen export/ --out results.parquet --as-of 2026-11-20"
    ),
)
def screen(
    folder: Annotated[
        Path, typer.Argument(metavar="DIR", help=N_("A FHIR Bulk export: Type.ndjson files."))
    ],
    out: Annotated[
        Path,
        typer.Option("--out", metavar="FILE", help=N_("Results: .parquet, .csv or .ndjson.")),
    ],
    engine: Annotated[
        Engine, typer.Option("--engine", help=N_("duckdb or spark."))
    ] = Engine.duckdb,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="YYYY-MM-DD", help=N_("Screen as of this date.")),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help=N_("Stop at the first malformed line or resource."))
    ] = False,
    spark_master: Annotated[
        str | None,
        typer.Option("--spark-master", metavar="URL", help=N_("Spark master (default local[*]).")),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, max=256, help=N_("Processes that read the export (default: CPUs).")
        ),
    ] = None,
    json_summary: Annotated[
        bool, typer.Option("--json", help=N_("Print the summary as JSON instead of tables."))
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", help=N_("Traceback on errors."))] = False,
    lang: LangOpt = SOURCE_LANGUAGE,
) -> None:
    from spinecare.cli import check_as_of, run_safely

    check_as_of(as_of)
    if out.suffix.lower() not in SUFFIXES:
        raise typer.BadParameter(
            Message(
                "'%(file)s': the suffix must be one of %(suffixes)s",
                file=str(out),
                suffixes=", ".join(SUFFIXES),
            ),
            param_hint="'--out'",
        )
    if spark_master is not None and engine is not Engine.spark:
        raise typer.BadParameter(Message("needs --engine spark"), param_hint="'--spark-master'")
    if not folder.is_dir():
        from spinecare.errors import IN_FILE
        from spinecare.fhir.ndjson import NOT_AN_EXPORT

        fail(Message(IN_FILE, file=str(folder), problem=NOT_AN_EXPORT))

    result = run_safely(
        verbose,
        lambda: _run(folder, out, engine.value, as_of, strict, spark_master, workers),
    )
    if json_summary:
        from spinecare.cli import print_json

        print_json(result.to_json())
    else:
        render_summary(result)


def _run(
    folder: Path,
    out: Path,
    engine: str,
    as_of: str | None,
    strict: bool,
    spark_master: str | None,
    workers: int | None,
) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from spinecare.core import parse_date
    from spinecare.kb.loader import load_kb

    kb = load_kb()
    day = parse_date(as_of)
    console = Console(stderr=True)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f} " + say(N_("resources"))),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(say("reading the export"), total=None)

        def advance(n: int) -> None:
            bar.advance(task, n)

        if engine == "spark":
            from spinecare.bulk.spark import screen_export_spark

            result = screen_export_spark(
                folder,
                out,
                kb,
                day,
                strict=strict,
                master=spark_master,
                workers=workers,
                progress=advance,
            )
        else:
            from spinecare.bulk.duckdb import screen_export

            result = screen_export(
                folder,
                out,
                kb,
                day,
                strict=strict,
                workers=workers,
                progress=advance,
            )
    for problem in result.tally.problems:
        warning = say(Message("warning: %(problem)s", problem=problem))
        console.print(f"spinecare: {warning}", markup=False, highlight=False)
    return result


def _missing_name(kb: Any, item: str, lang: str) -> str:
    """A summary row's name for an item the screenings miss; entries of the record to
    confirm are not missing, they are named as they are."""
    from spinecare.engine.evaluate import CONFIRM_ITEM
    from spinecare.wording import item_name

    name = item_name(kb, item, lang)
    if item == CONFIRM_ITEM:
        return name
    return say(Message("missing: %(item)s", item=name))


def render_summary(result: Any) -> None:
    """The summary tables: verdicts, concepts, missing items, and what was set aside.

    Verdicts, concepts and missing items are named in the output language (the verdict's
    sentence, the KB's names); the machine outputs (the results file, ``--json``) keep
    the ids."""
    from rich.console import Console
    from rich.table import Table

    from spinecare.i18n import quantity, translator, yes_no
    from spinecare.kb.loader import load_kb
    from spinecare.kb.schema import VERDICTS
    from spinecare.wording import concept_name, verdict_text

    lang = output_language()
    _ = translator(lang)
    kb = load_kb()
    console = Console()
    total = result.patients or 1

    def count(n: float) -> str:
        """A count or a share as the reader writes it (``12 345``, ``33,3`` in Russian)."""
        return quantity(n, None, lang)

    def share(n: int) -> str:
        return count(round(100 * n / total, 1))

    title = Message(
        "%(n)s patients screened as of %(day)s (%(engine)s, %(seconds)s s)",
        n=count(result.patients),
        day=Day(result.as_of),
        engine=result.engine,
        seconds=count(round(result.seconds.get("total", 0), 1)),
    )
    verdicts = Table(title=say(title))
    verdicts.add_column(_("verdict"))
    verdicts.add_column(_("patients"), justify="right")
    verdicts.add_column("%", justify="right")
    for verdict in VERDICTS:
        n = result.verdicts.get(verdict, 0)
        verdicts.add_row(verdict_text(verdict, lang), count(n), share(n))
    for key, value in (("true", True), ("false", False), ("unknown", None)):
        n = result.indicated.get(key, 0)
        indicated = Message("massage indicated: %(answer)s", answer=yes_no(value, lang))
        verdicts.add_row(say(indicated), count(n), share(n))
    console.print(verdicts)

    concepts = Table(title=_("Findings"))
    concepts.add_column(_("finding"))
    concepts.add_column(_("present"), justify="right")
    concepts.add_column(_("unknown"), justify="right")
    for concept, counts in sorted(result.concepts.items()):
        name = concept_name(kb, concept, lang)
        concepts.add_row(name, count(counts["present"]), count(counts["unknown"]))
    for item, n in result.missing.items():
        concepts.add_row(_missing_name(kb, item, lang), count(n), "")
    console.print(concepts)

    tally = result.tally
    read = Table(title=_("Input"))
    read.add_column(_("what"))
    read.add_column(_("count"), justify="right")
    for kind, n in sorted(tally.resources.items()):
        read.add_row(say(Message("%(kind)s resources read", kind=kind)), count(n))
    read.add_row(_("malformed lines skipped"), count(tally.malformed))
    read.add_row(_("unreadable resources skipped"), count(tally.bad_resources))
    read.add_row(_("resources naming an unknown patient"), count(tally.unknown_patient))
    read.add_row(_("resources naming no patient"), count(tally.no_patient))
    read.add_row(
        _("files and folders not read (not named as an export's files)"),
        count(tally.files_not_read),
    )
    read.add_row(_("patients recorded as deceased (not screened)"), count(result.deceased))
    console.print(read)
    if result.out is not None:
        console.print(say(Message("results: %(file)s", file=str(result.out))))


@bulk_app.command(
    "fetch",
    help=N_(
        "Pull a FHIR Bulk Data export (Bulk Data Access IG) into DIR for 'bulk screen'.\n"
        "\n"
        "Example: spinecare bulk fetch https://ehr.example.org/fhir --group diabetics\n"
        "--client-id spinecare --key client.pem --out export/"
    ),
)
def fetch(
    base: Annotated[
        str, typer.Argument(metavar="FHIR_BASE", help=N_("The FHIR server's base URL."))
    ],
    out: Annotated[
        Path, typer.Option("--out", metavar="DIR", help=N_("Folder for the NDJSON files."))
    ],
    group: Annotated[
        str | None, typer.Option("--group", metavar="ID", help=N_("Export this Group's patients."))
    ] = None,
    system: Annotated[
        bool, typer.Option("--system", help=N_("System-level export ([base]/$export)."))
    ] = False,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", metavar="DATE", help=N_("Only resources changed since (ISO date).")
        ),
    ] = None,
    client_id: Annotated[
        str | None,
        typer.Option("--client-id", help=N_("SMART Backend Services client id (with --key).")),
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option("--key", metavar="PEM", help=N_("The client's private key (RSA or EC).")),
    ] = None,
    kid: Annotated[
        str | None, typer.Option("--kid", metavar="KID", help=N_("The key's id in the JWKS."))
    ] = None,
    token_url: Annotated[
        str | None,
        typer.Option("--token-url", help=N_("Token endpoint (default: smart-configuration).")),
    ] = None,
    scope: Annotated[str, typer.Option("--scope", help=N_("Scopes asked for."))] = "system/*.read",
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            metavar="HOST",
            help=N_("Another host the files may come from (repeatable)."),
        ),
    ] = None,
    parallel: Annotated[int, typer.Option("--parallel", help=N_("Downloads at a time."))] = 4,
    restart: Annotated[
        bool, typer.Option("--restart", help=N_("Start a new export instead of resuming."))
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", help=N_("Show a traceback on errors."))
    ] = False,
    lang: LangOpt = SOURCE_LANGUAGE,
) -> None:
    from spinecare.cli import run_safely

    if group and system:
        raise typer.BadParameter(
            Message("give --group or --system, not both"), param_hint="'--group'"
        )
    if (client_id is None) != (key is None):
        raise typer.BadParameter(
            Message("give --client-id and --key together"), param_hint="'--key'"
        )
    if parallel < 1:
        raise typer.BadParameter(Message("must be at least 1"), param_hint="'--parallel'")
    when = None
    if since is not None:
        from datetime import datetime

        try:
            when = datetime.fromisoformat(since)
        except ValueError:
            raise typer.BadParameter(
                Message("'%(value)s' is not an ISO date or date-time", value=since),
                param_hint="'--since'",
            ) from None
    result = run_safely(
        verbose,
        lambda: _fetch(
            base,
            out,
            group,
            system,
            when,
            client_id,
            key,
            kid,
            token_url,
            scope,
            frozenset(allow_host or ()),
            parallel,
            restart,
        ),
    )
    fetched = (
        Message(
            "%(n)s files in %(folder)s, %(errors)s error files in %(error_folder)s; "
            "screen them with: %(command)s",
            n=len(result.files),
            folder=str(out),
            errors=len(result.errors),
            error_folder=str(out / "errors"),
            command=f"spinecare bulk screen {out} --out results.parquet",
        )
        if result.errors
        else Message(
            "%(n)s files in %(folder)s; screen them with: %(command)s",
            n=len(result.files),
            folder=str(out),
            command=f"spinecare bulk screen {out} --out results.parquet",
        )
    )
    typer.echo(say(fetched))


def _fetch(
    base: str,
    out: Path,
    group: str | None,
    system: bool,
    since: Any,
    client_id: str | None,
    key: Path | None,
    kid: str | None,
    token_url: str | None,
    scope: str,
    allowed_hosts: frozenset[str],
    parallel: int,
    restart: bool,
) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from spinecare.bulk.fetch import (
        BackendServicesAuth,
        ExportRequest,
        fetch_export,
        load_private_key,
    )

    auth = None
    if client_id is not None and key is not None:
        auth = BackendServicesAuth(
            client_id, load_private_key(key), kid=kid, scope=scope, token_url=token_url
        )
    request = ExportRequest(base.rstrip("/"), group=group, system=system, since=since)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(say(N_("starting the export")), total=None)
        return fetch_export(
            request,
            out,
            auth=auth,
            allowed_hosts=allowed_hosts,
            parallel=parallel,
            restart=restart,
            on_status=lambda text: bar.update(task, description=say(text)),
            on_files=lambda n: bar.update(task, total=n, description=say(N_("downloading"))),
            on_file=lambda _path: bar.advance(task),
        )


def register(app: typer.Typer) -> None:
    app.add_typer(bulk_app, name="bulk")
