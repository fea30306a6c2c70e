"""The spinecare command line (DESIGN.md section 4).

Commands parse their flags, call one library function and render the result. Exit
codes: 0 whatever the verdict, 1 for unreadable or invalid input (one line on stderr
naming the file and the problem), 2 for usage errors. Heavy modules are imported inside
the commands so that ``--help`` stays instant.

Every command takes ``--lang``: its text output, errors included, is in that language
(:func:`say`; the catalogues of :mod:`spinecare.i18n`), and so is its ``--help``: every
help text is a catalogue text, ``help=N_(...)`` (:mod:`spinecare.commands.helptext`).
"""

from __future__ import annotations

import gc
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from spinecare.commands.output import LangOpt, fail, output_language, say
from spinecare.commands.usage import Group
from spinecare.dates import date_problem, iso_date
from spinecare.i18n import SOURCE_LANGUAGE
from spinecare.messages import N_, Message

__all__ = ["LangOpt", "app", "fail", "main", "output_language", "run_safely", "say"]

app = typer.Typer(
    name="spinecare",
    help=N_(
        "Decision support for therapeutic massage in spinal osteochondrosis and disc herniation."
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    cls=Group,  # usage errors in --lang's language
)
kb_app = typer.Typer(help=N_("Knowledge base tools."), no_args_is_help=True)
app.add_typer(kb_app, name="kb")


class Format(StrEnum):
    text = "text"
    json = "json"


AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of", metavar="YYYY-MM-DD", help=N_("Screen as of this date (default: today).")
    ),
]
FormatOpt = Annotated[
    Format, typer.Option("--format", help=N_("text (readable) or json (contract)."))
]
Verbose = Annotated[bool, typer.Option("--verbose", help=N_("Show a traceback on errors."))]
FileArg = Annotated[
    Path,
    typer.Argument(
        metavar="FILE",
        help=N_("A FHIR R4 Bundle (JSON, plain or gzip) or an intake file (YAML/JSON)."),
    ),
]


def version() -> str:
    """The installed package's version (the source tree's when not installed)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("spinecare")
    except PackageNotFoundError:
        return "0+unknown"


def _show_version(value: bool) -> None:
    if value:
        from spinecare.kb.loader import load_kb

        try:
            kb = f" (knowledge base {load_kb().model.meta.version})"
        except Exception:
            kb = ""
        typer.echo(f"spinecare {version()}{kb}")
        raise typer.Exit(0)


ONE_RECORD_COMMANDS = frozenset({"screen", "plan", "kb", "demo"})
"""Commands that read one record or the KB, print and exit: the cyclic collector stays
held for their whole run (see :func:`main`)."""


@app.callback()
def _root(
    ctx: typer.Context,
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            help=N_("Show the version and exit."),
            callback=_show_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Decision support for therapeutic massage in spinal osteochondrosis and disc herniation."""
    if ctx.invoked_subcommand not in ONE_RECORD_COMMANDS:
        gc.enable()  # a server, a bulk run: their garbage is collected as usual


EXTRAS = {"duckdb": "bulk", "pyarrow": "bulk", "psycopg": "postgres", "pyspark": "spark"}
"""Optional modules and the extra that installs each."""


def missing_extra(exc: ModuleNotFoundError) -> str | None:
    """A one-line hint when ``exc`` is an optional dependency that is not installed."""
    top = (exc.name or "").split(".")[0]
    extra = EXTRAS.get(top)
    if extra is None:
        return None
    return Message(
        "this needs the optional '%(extra)s' part: pip install 'spinecare[%(extra)s]'",
        extra=extra,
    )


INTERNAL_ERROR = N_("internal error: %(error)s (run with --verbose for details)")


def run_safely(verbose: bool, action: Any) -> Any:
    """Run ``action``; user errors become one line on stderr and exit 1."""
    from spinecare.errors import SpinecareError

    try:
        return action()
    except SpinecareError as exc:
        if verbose:
            raise
        fail(exc.one_line())
    except ModuleNotFoundError as exc:
        hint = missing_extra(exc)
        if verbose or hint is None:
            if verbose:
                raise
            fail(Message(INTERNAL_ERROR, error=f"{type(exc).__name__}: {exc}"))
        fail(hint)
    except Exception as exc:  # an unexpected failure is still one line without --verbose
        if verbose:
            raise
        fail(Message(INTERNAL_ERROR, error=f"{type(exc).__name__}: {exc}"))


NOT_A_DATE = N_("'%(value)s': %(problem)s")
"""A date ``--as-of`` cannot read and what to correct (:func:`spinecare.dates.date_problem`:
``2026-02-30``, the month has no such day; ``20.02.2026``, a date in the form YYYY-MM-DD)."""


def check_as_of(as_of: str | None) -> None:
    """Refuse a ``--as-of`` that is not a day, saying what to correct."""
    if as_of is not None:
        try:
            iso_date(as_of)
        except ValueError:
            said = Message(NOT_A_DATE, value=as_of, problem=date_problem(as_of))
            raise typer.BadParameter(say(said), param_hint="'--as-of'") from None


def print_json(data: Any) -> None:
    import orjson

    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


@app.command(
    help=N_(
        "Is massage safe and indicated for this patient on this date, and why?\n"
        "\n"
        "Example: spinecare screen patient.json --as-of 2026-11-20 --format json"
    )
)
def screen(
    file: FileArg,
    as_of: AsOf = None,
    format: FormatOpt = Format.text,
    lang: LangOpt = SOURCE_LANGUAGE,
    verbose: Verbose = False,
) -> None:
    check_as_of(as_of)
    from spinecare.core import screen as do_screen

    result = run_safely(verbose, lambda: do_screen(file, as_of, lang=lang))
    if format is Format.json:
        print_json(result.to_json())
    else:
        from spinecare.render import render_screening

        render_screening(result)


@app.command(
    help=N_(
        "Plan a massage course: zones, modalities, sessions, techniques, what to avoid.\n"
        "\n"
        "Example: spinecare plan intake.yaml --as-of 2026-11-20"
    )
)
def plan(
    file: FileArg,
    as_of: AsOf = None,
    format: FormatOpt = Format.text,
    lang: LangOpt = SOURCE_LANGUAGE,
    verbose: Verbose = False,
) -> None:
    check_as_of(as_of)
    from spinecare.core import plan as do_plan

    result = run_safely(verbose, lambda: do_plan(file, as_of, lang=lang))
    if format is Format.json:
        print_json(result.to_json())
    else:
        from spinecare.render import render_plan

        render_plan(result, lang=lang)


@kb_app.command(
    "check",
    help=N_(
        "Validate the knowledge base and report every problem at once, with its path.\n"
        "\n"
        "Example: spinecare kb check"
    ),
)
def kb_check(
    path: Annotated[
        Path | None,
        typer.Option("--path", help=N_("A KB folder to check instead of the packaged one.")),
    ] = None,
    lang: LangOpt = SOURCE_LANGUAGE,
) -> None:
    from spinecare.errors import KB_PROBLEMS
    from spinecare.kb.loader import validate_kb

    # every check runs here, even for files that passed them before (see load_kb)
    m, problems = validate_kb(path)
    if problems or m is None:
        for problem in problems:
            typer.echo(str(problem), err=True)
        fail(Message(KB_PROBLEMS, n=len(problems)))
    valid = Message(
        "knowledge base %(version)s is valid: %(concepts)s concepts, %(rules)s rules, "
        "%(indications)s indications, %(sources)s sources, %(policies)s clinic policies, "
        "%(articles)s article statements traced, %(codes)s codes",
        version=m.meta.version,
        concepts=len(m.concepts),
        rules=len(m.rules),
        indications=len(m.indications),
        sources=len(m.sources),
        policies=len(m.policies),
        articles=len(m.articles),
        codes=sum(len(c.codes) for c in m.concepts),
    )
    typer.echo(say(valid))


@kb_app.command(
    "trace",
    help=N_(
        "Print what the KB does with every statement of the two source articles, the clinic\n"
        "policies and the evidence level of each recommendation.\n"
        "\n"
        "Example: spinecare kb trace --lang ru"
    ),
)
def kb_trace(
    lang: LangOpt = SOURCE_LANGUAGE,
    docs: Annotated[
        Path | None,
        typer.Option("--docs", help=N_("Rewrite the generated part of this page (English).")),
    ] = None,
) -> None:
    from spinecare.kb.loader import load_kb
    from spinecare.kb.report import trace_report, update_docs

    kb = load_kb()
    if docs is None:
        typer.echo(trace_report(kb, lang), nl=False)
        return
    try:
        update_docs(kb, docs)
    except (OSError, ValueError) as exc:
        fail(str(exc))
    typer.echo(say(Message("updated %(file)s", file=str(docs))))


@app.command(
    help=N_(
        "Screen and plan the bundled demo patients and print the results.\n"
        "\n"
        "Example: spinecare demo --as-of 2026-11-22"
    )
)
def demo(
    as_of: AsOf = None,
    lang: LangOpt = SOURCE_LANGUAGE,
) -> None:
    check_as_of(as_of)
    from spinecare.core import load_record
    from spinecare.core import plan as do_plan
    from spinecare.core import screen as do_screen
    from spinecare.demo import demo_files
    from spinecare.render import render_plan, render_screening

    for path in demo_files():
        record = load_record(path)
        render_screening(do_screen(record, as_of, lang=lang))
        render_plan(do_plan(record, as_of, lang=lang), lang=lang)


def _register_command_modules() -> None:
    import importlib

    from spinecare.commands import MODULES

    for name in MODULES:
        try:
            module = importlib.import_module(f"spinecare.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"spinecare.commands.{name}":
                raise
            continue
        module.register(app)


_register_command_modules()


def main() -> None:
    # What a command line makes before its command runs (its modules, the command tree)
    # lives until it exits, and so does almost all that a one-record command makes (the
    # KB, the record, the engine's modules): the cyclic collector's passes over them would
    # free nothing (a tenth of such a run). It is held from here; the root callback starts
    # it again for every other command.
    gc.disable()
    try:
        app()
    finally:
        gc.enable()


if __name__ == "__main__":
    main()
