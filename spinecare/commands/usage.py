"""Usage errors (exit 2) in the language of the command line's ``--lang``.

Neither Typer nor Click ships catalogues, and the Click that Typer carries inside it
writes its usage errors in English, without gettext. So the command line's group
(:class:`Group`) says the common usage errors itself, from spinecare's catalogue, when
``--lang`` names another language than English: the usage line, the help hint and the
problem (no such option or command, a missing argument or option, an invalid value, an
option without its value, extra arguments); the names of options, commands and values
stay as typed. The problem is read from the error's attributes, or by the start of its
English words, the way a parser's syntax errors are (``spinecare.documents``); a rare
other one keeps its English words. ``--lang`` is read from the command line before it is
parsed (a usage error can come before its callback runs). In English, Click's own lines
are kept as they are. ``--help`` is said in ``--lang``'s language too
(:mod:`spinecare.commands.helptext`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import IO, Any

import typer
import typer.core

from spinecare.i18n import SOURCE_LANGUAGE, is_language, translate
from spinecare.messages import Message

__all__ = ["Group", "language_of"]

META_KEY = "spinecare.lang"
VERBOSE_KEY = "spinecare.verbose"

UsageError: type[Exception] = typer.BadParameter.__mro__[1]
"""The base of every usage error of the Click that Typer runs on (Typer exports only its
:class:`BadParameter`)."""
assert UsageError.__name__ == "UsageError"


def language_of(args: Sequence[str]) -> str | None:
    """The language a command line's ``--lang`` names (``--lang ru``, ``--lang=ru``)."""
    for i, arg in enumerate(args):
        if arg == "--":
            break
        value = args[i + 1] if arg == "--lang" and i + 1 < len(args) else None
        if arg.startswith("--lang="):
            value = arg.removeprefix("--lang=")
        if value is not None and is_language(value):
            return value
    return None


def without_lang(args: Sequence[str]) -> list[str]:
    """A command line without its ``--lang`` (the root group has none of its own)."""
    out: list[str] = []
    skip = False
    for i, arg in enumerate(args):
        if skip:
            skip = False
        elif arg == "--lang" and i + 1 < len(args):
            skip = True
        elif not arg.startswith("--lang="):
            out.append(arg)
    return out


def _hint(error: Any) -> str:
    hint: Any = error.param_hint
    if hint is None and error.param is not None:
        try:
            hint = error.param.get_error_hint(error.ctx)  # Click
        except TypeError:
            hint = error.param.get_error_hint()  # the Click inside Typer
    if hint is not None and not isinstance(hint, str):
        hint = " / ".join(repr(x) for x in hint)
    return str(hint or "")


NOT_ONE_OF = re.compile(r"^(?:Value error, )?(?P<value>'.*') is not one of (?P<choices>.*?)\.?$")


def problem_of(error: Any) -> str:
    """The problem of a usage error as a catalogue Message (its own words for another)."""
    text = str(error.message)
    option = getattr(error, "option_name", None)
    if option is not None and hasattr(error, "possibilities"):  # no such option
        problem = Message("no such option: %(option)s", option=option)
        if not error.possibilities:
            return problem
        options = ", ".join(sorted(error.possibilities))
        return Message(
            "%(problem)s (possible options: %(options)s)", problem=problem, options=options
        )
    if option is not None:  # an option used wrongly
        if text.endswith("requires an argument."):
            return Message("option %(option)s needs a value", option=repr(option))
        if text.endswith("does not take a value."):
            return Message("option %(option)s takes no value", option=repr(option))
        return text
    if hasattr(error, "param_type"):  # a missing argument or option
        kind = error.param_type or (error.param.param_type_name if error.param else None)
        if kind == "argument":
            return Message("missing argument %(name)s", name=_hint(error))
        return Message("missing option %(name)s", name=_hint(error))
    if hasattr(error, "param_hint"):  # an invalid value
        choice = NOT_ONE_OF.match(text)
        said: str = error.message
        if choice:
            said = Message("%(value)s is not one of %(choices)s", **choice.groupdict())
        return Message("invalid value for %(name)s: %(problem)s", name=_hint(error), problem=said)
    if text.startswith("No such command "):
        return Message("no such command %(command)s", command=text[16:].rstrip("."))
    if text.startswith("Got unexpected extra argument"):
        extra = text[text.rfind("(") + 1 :].rstrip(")")
        return Message("unexpected extra arguments: %(arguments)s", arguments=extra)
    return text


class SaidUsageError(UsageError):  # type: ignore[valid-type, misc]
    """A usage error shown in ``lang``: the usage line, the help hint, the problem."""

    def __init__(self, error: Any, lang: str) -> None:
        super().__init__(error.format_message(), error.ctx)
        self.problem = problem_of(error)
        self.lang = lang

    def format_message(self) -> str:
        return translate(self.problem, self.lang)

    def show(self, file: IO[Any] | None = None) -> None:
        ctx = self.ctx
        lines = []
        if ctx is not None:
            formatter = ctx.make_formatter()
            pieces = " ".join(ctx.command.collect_usage_pieces(ctx))
            usage = translate(Message("Usage:"), self.lang) + " "
            formatter.write_usage(ctx.command_path, pieces, prefix=usage)
            hint = Message("Try '%(command)s --help' for help.", command=ctx.command_path)
            lines += [formatter.getvalue().rstrip("\n"), translate(hint, self.lang), ""]
        lines.append(
            translate(Message("Error: %(problem)s", problem=self.format_message()), self.lang)
        )
        typer.echo("\n".join(lines), file=file, err=file is None)


def _said(error: Any, lang: str | None) -> Any:
    shown_by_click = isinstance(error, SaidUsageError) or type(error).__name__ == (
        "NoArgsIsHelpError"  # the help itself, not an error line
    )
    if shown_by_click or lang is None or lang == SOURCE_LANGUAGE:
        return error
    try:
        return SaidUsageError(error, lang)
    except Exception:  # an error of another shape than these: shown as Click says it
        return error


class Group(typer.core.TyperGroup):
    """The command line's root group: its usage errors and help, and its commands', in
    ``--lang``."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: Any = None,
        **extra: Any,
    ) -> Any:
        lang = language_of(args)
        if parent is None and lang is not None and lang != SOURCE_LANGUAGE:
            from spinecare.commands.helptext import say_help

            say_help(self, lang)  # --help in --lang's language
        if parent is None and lang is not None and hasattr(self.named(args), "commands"):
            args = without_lang(args)  # a group's help: spinecare kb --help --lang ru
        try:
            ctx = super().make_context(info_name, args, parent=parent, **extra)
        except UsageError as error:
            raise _said(error, lang) from None
        ctx.meta[META_KEY] = lang
        ctx.meta.setdefault(VERBOSE_KEY, "--verbose" in args)
        return ctx

    def named(self, args: Sequence[str]) -> Any:
        """The command a command line names (a group when it names none of its commands;
        the root group and its groups take no option with a value but ``--lang``)."""
        command: Any = self
        for arg in without_lang(args):
            if not hasattr(command, "commands") or arg.startswith("-"):
                continue
            if arg not in command.commands:
                break
            command = command.commands[arg]
        return command

    def invoke(self, ctx: Any) -> Any:
        from spinecare.commands.output import fail
        from spinecare.errors import SpinecareError

        try:
            return super().invoke(ctx)
        except UsageError as error:
            raise _said(error, ctx.meta.get(META_KEY)) from None
        except SpinecareError as error:
            # what a command does not say itself (a knowledge base that does not validate,
            # read by any command) is one line, as every other error (DESIGN.md section 4);
            # with --verbose, its traceback
            if ctx.meta.get(VERBOSE_KEY):
                raise
            fail(error.one_line())
