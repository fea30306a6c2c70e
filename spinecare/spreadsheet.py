"""Cells of the CSV files spinecare writes, which a spreadsheet opens: text that would be
read as a formula is written with a leading apostrophe (the audit log export, bulk
screening results). The rule is here once, for Python and for the SQL that writes bulk
results."""

from __future__ import annotations

__all__ = ["FORMULA_START", "formula_sql", "safe_cell"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""What makes a spreadsheet read a cell as a formula: ``= + - @`` (also in their
full-width forms) first, or after leading spaces and line breaks, or a tab or line
break first."""
LEADING = " \t\r\n"


def safe_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = str(value)
    if text.lstrip(LEADING).startswith(FORMULA_START) or text.startswith(FORMULA_START):
        return "'" + text
    return text


def formula_sql(column: str) -> str:
    """SQL (DuckDB) for ``column`` as :func:`safe_cell` writes it."""

    def cls(chars: str) -> str:
        return "".join(f"\\x{{{ord(c):x}}}" for c in chars)

    pattern = f"^[{cls(LEADING)}]*[{cls(''.join(FORMULA_START))}]"
    return (
        f"CASE WHEN regexp_matches({column}, '{pattern}') THEN '''' || {column} ELSE {column} END"
    )
