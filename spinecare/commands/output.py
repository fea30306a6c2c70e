"""The language of the command line's text output: every command's ``--lang``.

A command's text output, its errors included, is said in the language its ``--lang``
names (:func:`say`, :func:`fail`), from the catalogues of :mod:`spinecare.i18n`; the
file names, paths and ids it quotes stay as written.
"""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer

from spinecare.i18n import SOURCE_LANGUAGE, language_codes
from spinecare.messages import N_, Message

__all__ = ["LangOpt", "fail", "output_language", "say"]

_output = {"lang": SOURCE_LANGUAGE}
"""The language of this run's text output: the command's ``--lang`` (click calls the
option's callback for its default as well, so every run sets it)."""


def _language(value: str) -> str:
    from spinecare.i18n import is_language

    if not is_language(value):
        raise typer.BadParameter(
            Message("use one of %(languages)s", languages=", ".join(language_codes()))
        )
    _output["lang"] = value
    return value


LangOpt = Annotated[
    str,
    typer.Option(
        "--lang",
        metavar=f"<{'|'.join(language_codes())}>",
        callback=_language,
        help=N_("Language of the output: reasons, texts and errors."),
    ),
]


def output_language() -> str:
    """The language the command's text output is in (its ``--lang``)."""
    return _output["lang"]


def say(message: str) -> str:
    """``message`` in the output language (a Message with its parameters; any other
    text as the catalogue has it, else as it is)."""
    from spinecare.i18n import translate

    return translate(message, output_language())


def fail(message: str) -> NoReturn:
    """One line on stderr, ``spinecare: `` and the message in the output language, and
    exit 1 (DESIGN.md section 4)."""
    typer.echo(f"spinecare: {say(message)}", err=True)
    raise typer.Exit(1)
