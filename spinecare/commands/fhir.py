"""``spinecare fhir``: FHIR R4 export and Bulk NDJSON conversion.

Heavy modules are imported inside the commands so that ``spinecare --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from spinecare.commands.output import LangOpt, fail, say
from spinecare.i18n import SOURCE_LANGUAGE
from spinecare.messages import N_, Message

__all__ = ["register"]

fhir_app = typer.Typer(help=N_("FHIR R4 export and Bulk NDJSON tools."), no_args_is_help=True)


@fhir_app.command(
    "export",
    help=N_(
        "Screen and plan FILE, and print both as a FHIR R4 Bundle (CarePlan, DetectedIssue).\n"
        "\n"
        "Example: spinecare fhir export patient.json --as-of 2026-11-20 --out careplan.json"
    ),
)
def export(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help=N_("A FHIR R4 Bundle (JSON, plain or gzip) or an intake file (YAML/JSON)."),
        ),
    ],
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", metavar="YYYY-MM-DD", help=N_("Screen as of this date (default: today).")
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", metavar="FILE", help=N_("Write the Bundle here (default: stdout).")),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", help=N_("Show a traceback on errors."))
    ] = False,
    lang: LangOpt = SOURCE_LANGUAGE,
) -> None:
    from spinecare.cli import check_as_of, run_safely

    check_as_of(as_of)

    def action() -> dict[str, Any]:
        from spinecare.core import load_kb, load_record, parse_date
        from spinecare.engine.planning import plan_course
        from spinecare.engine.screening import screen_record
        from spinecare.fhir.export import export_bundle

        kb = load_kb()
        record = load_record(file, kb)
        day = parse_date(as_of)
        screening = screen_record(record, kb, day, lang)
        return export_bundle(record, screening, plan_course(screening, record, kb, lang))

    bundle = run_safely(verbose, action)
    import orjson

    text = orjson.dumps(bundle, option=orjson.OPT_INDENT_2).decode() + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(Message("%(file)s: cannot write: %(reason)s", file=str(out), reason=exc.strerror))
        wrote = Message("wrote %(file)s (%(n)s resources)", file=str(out), n=len(bundle["entry"]))
        typer.echo(say(wrote), err=True)


@fhir_app.command(
    "to-ndjson",
    help=N_(
        "Convert Bundles to a FHIR Bulk Data export (one NDJSON file per resource type).\n"
        "\n"
        "Example: spinecare fhir to-ndjson data/*.json.gz --out export/"
    ),
)
def to_ndjson(
    bundles: Annotated[
        list[Path],
        typer.Argument(metavar="BUNDLES...", help=N_("FHIR Bundles (JSON, plain or gzip).")),
    ],
    out: Annotated[
        Path, typer.Option("--out", metavar="DIR", help=N_("Folder for the NDJSON files."))
    ],
    verbose: Annotated[
        bool, typer.Option("--verbose", help=N_("Show a traceback on errors."))
    ] = False,
    lang: LangOpt = SOURCE_LANGUAGE,
) -> None:
    from spinecare.cli import run_safely

    def action() -> dict[str, int]:
        from spinecare.fhir.ndjson import bundles_to_ndjson

        counts: dict[str, int] = bundles_to_ndjson(list(bundles), out)
        return counts

    counts = run_safely(verbose, action)
    for kind, count in sorted(counts.items()):
        typer.echo(f"{kind}\t{count}")
    written = Message(
        "%(n)s resources written to %(folder)s", n=sum(counts.values()), folder=str(out)
    )
    typer.echo(say(written), err=True)


@fhir_app.command(
    "questionnaire",
    help=N_(
        "Print the intake as a FHIR R4 Questionnaire (JSON). A QuestionnaireResponse to it\n"
        "is read wherever a record is read.\n"
        "\n"
        "Example: spinecare fhir questionnaire --lang ru > intake-questionnaire.json"
    ),
)
def questionnaire(lang: LangOpt = SOURCE_LANGUAGE) -> None:
    from spinecare.cli import print_json
    from spinecare.fhir.questionnaire import questionnaire as build
    from spinecare.kb.loader import load_kb

    print_json(build(load_kb(), lang))


def register(app: typer.Typer) -> None:
    app.add_typer(fhir_app, name="fhir")
