"""``--help`` in the language of the command line's ``--lang``.

The help texts of the commands, their options and arguments are catalogue texts
(``help=N_(...)``), English in the code. When ``--lang`` (read from the command line
before it is parsed: :func:`spinecare.commands.usage.language_of`) names another
language, the root group (:class:`spinecare.commands.usage.Group`) calls :func:`say_help`
on the command tree Typer has just built for this run: every command's help is
translated, and every command's context writes its help with :class:`SaidFormatter`,
which translates the usage line's prefix, the headings, each option's and argument's help
and the notes Typer adds to it (its default, "required", its environment variable).
Option names, metavars, values and examples stay as written. English help is the code's
own (``docs/cli.md`` is generated from it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from spinecare.i18n import gettext, translate
from spinecare.messages import N_, Message

__all__ = ["CLICK_TEXTS", "say_help"]

CLICK_TEXTS = (
    N_("Arguments"),
    N_("Options"),
    N_("Commands"),
    N_("Show this message and exit."),
    N_("Install completion for the current shell."),
    N_("Show completion for the current shell, to copy it or customize the installation."),
)
"""The help texts Typer and Click write themselves (headings, the help and completion
options), in the catalogue so that :class:`SaidFormatter` finds them."""

REQUIRED = N_("must be given")
"""Typer's ``required`` note of an argument or option: not a form's "required" (Russian
"обязательное поле", a field), which the catalogue says in other words."""
NOTES = re.compile(r"^(?P<text>.*?)  \[(?P<notes>[^\[\]]*)\]$", re.DOTALL)
"""A help text and the notes Typer adds after it (``text  [default: en; required]``)."""


def _note(note: str, lang: str) -> str:
    if note == "required":
        return gettext(lang, REQUIRED)
    key, sep, value = note.partition(": ")
    if sep and key == "default":
        return translate(Message("default: %(value)s", value=value), lang)
    if sep and key == "env var":
        return translate(Message("environment variable: %(name)s", name=value), lang)
    return note  # a range of numbers (1<=x<=365)


def said_text(text: str, lang: str) -> str:
    """A help text of an option, argument or heading in ``lang``, its notes too."""
    found = NOTES.match(text)
    if found is None:
        return gettext(lang, text)
    notes = "; ".join(_note(note, lang) for note in found["notes"].split("; "))
    return f"{gettext(lang, found['text'])}  [{notes}]"


@cache
def _context_class(base: type[Any], lang: str) -> type[Any]:
    """``base`` (a command's context class) writing its help in ``lang``."""

    class SaidFormatter(base.formatter_class):  # type: ignore[name-defined, misc]
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            if prefix is None:
                prefix = translate(Message("Usage:"), lang) + " "
            super().write_usage(prog, args, prefix)

        def write_heading(self, heading: str) -> None:
            super().write_heading(gettext(lang, heading))

        def write_dl(self, rows: Sequence[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
            said = [(term, said_text(text, lang)) for term, text in rows]
            super().write_dl(said, *args, **kwargs)

    return type(base.__name__, (base,), {"formatter_class": SaidFormatter})


def say_help(command: Any, lang: str) -> None:
    """Translate the help of ``command`` and of every command under it into ``lang``."""
    for attribute in ("help", "short_help"):
        text = getattr(command, attribute, None)
        if text:
            setattr(command, attribute, gettext(lang, text))
    command.context_class = _context_class(command.context_class, lang)
    for sub in getattr(command, "commands", {}).values():
        say_help(sub, lang)
