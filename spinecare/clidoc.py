"""Generate the CLI reference (``docs/cli.md``) from the commands' own ``--help``.

``python -m spinecare.clidoc > docs/cli.md``; a test fails when the file is out of date.
"""

from __future__ import annotations

from typing import Any

import typer.main

from spinecare.cli import app

HEADER = """# Command-line reference

Generated from `--help` by `python -m spinecare.clidoc > docs/cli.md`; a test keeps it
in sync. Exit codes for every command: 0 success (whatever the verdict), 1 unreadable or
invalid input (one line on stderr naming the file and the problem), 2 usage errors.
Every command takes `--lang`: its text output, errors included, is in that language
(the file names, paths and ids it quotes stay as written). Usage errors too (the usage
line, the hint and the error: `Ошибка: не указан аргумент 'FILE'`), and `--help`
(`spinecare screen --help --lang ru`); this page is the English help.
`spinecare --version` (`-V`) prints the version and the knowledge base's;
`spinecare --install-completion` installs shell completion (`--show-completion` prints it).
"""


def _walk(command: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    out = [(path, command)]
    if hasattr(command, "commands"):
        for name in sorted(command.commands):
            out.extend(_walk(command.commands[name], [*path, name]))
    return out


def render() -> str:
    root = typer.main.get_command(app)
    parts = [HEADER]
    for path, command in _walk(root, ["spinecare"]):
        if len(path) == 1:
            continue
        ctx = command.context_class(
            command, info_name=" ".join(path), terminal_width=88, max_content_width=88
        )
        text = command.get_help(ctx)
        parts.append(f"## {' '.join(path)}\n\n```\n{text}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
