"""What a reader sees on a page, and the words a clinical page must never show.

The visible text of a server-rendered page (``html.parser``; no browser): text nodes,
``placeholder``, ``aria-label``, ``title`` and ``alt`` attributes, the labels of
``<input type=submit>`` and the numbers written into number fields, leaving out scripts,
styles, templates, ``translate="no"`` (names and words as written in the record) and parts
marked in another language (``lang="en"`` on a Russian page: a citation's title). The
checks are those of the browser crawl (``tests/e2e/test_e2e_crawl.py``), which reuses them.
``unlabelled_cells`` finds the cells of a list table that a phone would show without
their heading.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = {
    *("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"),
    *("param", "source", "track", "wbr"),
}
HIDDEN = {"script", "style", "noscript", "template", "head"}
SHOWN_ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")

INTERNAL = re.compile(
    r"DESIGN\.md|\bseed\b|design choice|проектн\w* решени|UNCONFIRMED|the project\b|"
    r"machine-translated|unattributed|spinecare/|\.ya?ml\b|#vitals|^None$|: None\b|"
    r"\bKB\b|\bconcept\b|\brule id\b|\bfixture\b|SQLite|Traceback|\bengine\b|"
    r"<[a-z]+ [^>]*>|\[\]|\{\}|\bnull\b|&[a-z]+;|&#\d+;",
    re.IGNORECASE,
)
"""The project's own vocabulary, file paths, Python and JSON values, escaped markup."""
RAW_ID = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
RECORD_NUMBER = re.compile(r"(?:#|№\s?)\d+\b|\b(?:course|курс|request|запрос): \d+\b", re.I)
"""A database row's number shown as a name (``Course #12``, ``request № 3``, ``course: 12``
in an audit entry): a course or a request is named by its date."""
PSEUDO_PLURAL = re.compile(r"\w\((?:s|es|ы|и|ов|ей)\)")
"""A noun written for one and many at once (``Zone(s)``, ``Зона(ы)``): a text takes the form
its count asks for (``plural``), or a word that needs none."""
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
UCUM = re.compile(r"mm\[Hg\]|\bCel\b|\{[a-z_]+\}|\d\s*/min\b|\b(?:kg/m2|\[in_i\]|\[lb_av\])")
ISO_TIME = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d")
BOOLEAN = re.compile(r"\b(?:True|False)\b")
ISO_DAY = re.compile(r"\b(?:19|20)\d\d-[01]\d-[0-3]\d\b")
"""A date as a machine writes it (``2026-11-20``): a page writes it as its reader does."""
UNROUNDED = re.compile(r"\d[.,]\d{4,}")
"""A number as a record or a division wrote it (``37.77777777777778``)."""
DECIMAL_POINT = re.compile(r"(?<![\w.,])\d+\.\d+(?![\w.])")
"""A decimal point on a Russian page (``3.5``), which writes a decimal comma (``3,5``)."""
CITATION = re.compile(r"\((?:[^()]|\([^()]*\))*\b(?:19|20)\d\d\b(?:[^()]|\([^()]*\))*\)")
"""A citation in brackets with its year ("(NICE NG59, KNGF 2021)"): left in its language."""
WEB_ADDRESS = re.compile(r"\b[\w.-]+\.(?:com|org|net|uk|nl|gov|html?)\b[^\s»]*")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]")
CYRILLIC_WORD = re.compile(r"[А-Яа-яЁё]{2,}")
LATIN_OK = {
    *("spinecare", "FHIR", "R4", "Bundle", "PDF", "ics", "CSV", "JSON", "YAML", "SMART", "UTC"),
}
"""Latin words a Russian page may show: the product, file formats and standards' names."""
CYRILLIC_OK = {"Русский"}
"""Cyrillic an English page may show: the name of the language in the language switch."""
QUOTED = re.compile(r"«[^»]*»")
"""What the reader typed, quoted back beside the field (``«abc» is not a number``): left
out of the check of the language."""
MEDICAL_LATIN = re.compile(r"\bin situ\b")
ACRONYM = re.compile(r"^[A-Z][A-Z0-9]{1,5}$")
"""The abbreviation of a society or a classification (ESC/ESH, NICE, ICD): written as is."""


def _numeric_field(a: dict[str, str]) -> bool:
    """A field for a number (``type=number``, ``inputmode=decimal``): the value the page wrote
    into it is shown to the reader, and is checked as the page's text."""
    return a.get("type") == "number" or a.get("inputmode") in ("decimal", "numeric")


class _Visible(HTMLParser):
    def __init__(self, lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = lang
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden from this reader)
        self.texts: list[str] = []

    def _hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        lang = a.get("lang")
        hidden = (
            self._hidden()
            or tag in HIDDEN
            or a.get("translate") == "no"
            or (tag != "html" and lang is not None and not lang.startswith(self.lang))
            or "hidden" in a
            or (tag == "input" and a.get("type") == "hidden")
        )
        if not hidden:
            shown = [a[name] for name in SHOWN_ATTRIBUTES if a.get(name)]
            if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
                shown.append(a["value"])
            if tag == "input" and _numeric_field(a) and a.get("value"):
                # a number the page wrote into a field ("3", not "3.0"), or what the reader
                # typed there, quoted: its language is not checked
                shown.append(f"«{a['value']}»")
            self.texts += [s.strip() for s in shown if s.strip()]
        if tag not in VOID:
            self.stack.append((tag, hidden))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not self._hidden() and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_texts(html: str, lang: str) -> list[str]:
    """The texts a reader of ``lang`` sees on the page."""
    parser = _Visible(lang)
    parser.feed(html)
    parser.close()
    return parser.texts


def text_problems(texts: list[str], lang: str | None) -> list[str]:
    """What must not be shown to a clinician or a patient reading ``lang`` (None: a text
    with names in either language, as a page's title: no check of the language)."""
    problems = []
    for text in texts:
        text = WEB_ADDRESS.sub(" ", text)
        for rx, what in (
            (INTERNAL, "internal word"),
            (RAW_ID, "raw id"),
            (UUID, "raw id"),
            (RECORD_NUMBER, "record number"),
            (PSEUDO_PLURAL, "one and many at once"),
            (UCUM, "unit code"),
            (ISO_TIME, "machine time"),
            (BOOLEAN, "True/False"),
            (ISO_DAY, "machine date"),
            (UNROUNDED, "unrounded number"),
            *([(DECIMAL_POINT, "decimal point")] if lang == "ru" else []),
        ):
            hit = rx.search(text)
            if hit:
                problems.append(f"{what} {hit.group(0)!r} in {text[:120]!r}")
        text = QUOTED.sub("«»", text)
        if lang == "ru":
            english = [
                w
                for w in LATIN_WORD.findall(CITATION.sub(" ", MEDICAL_LATIN.sub(" ", text)))
                if w not in LATIN_OK and not ACRONYM.match(w)
            ]
            if english:
                problems.append(f"English {english[:5]} in {text[:120]!r}")
        elif lang == "en":
            russian = [w for w in CYRILLIC_WORD.findall(text) if w not in CYRILLIC_OK]
            if russian:
                problems.append(f"Russian {russian[:5]} in {text[:120]!r}")
    return problems


class _Cells(HTMLParser):
    """The cells of each ``table.list``: its column headings, and each body cell's column,
    ``data-label``, ``colspan`` and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # inside a table.list (nested tables count too)
        self.headings: list[str] = []
        self.cells: list[tuple[list[str], int, dict[str, str], list[str]]] = []
        self.cell: list[str] | None = None
        self.column = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "table" and ("list" in a.get("class", "").split() or self.depth):
            self.depth += 1
            if self.depth == 1:
                self.headings = []
        if self.depth != 1:
            return
        if tag == "tr":
            self.column = 0
        elif tag in ("th", "td"):
            self.cell = []
            if tag == "td":
                self.cells.append((self.headings, self.column, a, self.cell))
            else:
                self.headings.append("")
            self.column += int(a.get("colspan") or 1)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
        elif tag == "th" and self.depth == 1 and self.cell is not None and self.headings:
            self.headings[-1] = " ".join("".join(self.cell).split())
            self.cell = None
        elif tag == "td":
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def unlabelled_cells(html: str) -> list[str]:
    """The cells of a list table that a phone shows without their heading: on a narrow
    screen a row is a card of lines (``style.css``), so each cell under a heading, but the
    first (the row's name), says it in ``data-label`` ("Pain before: 4", not a bare 4)."""
    parser = _Cells()
    parser.feed(html)
    parser.close()
    problems = []
    for headings, column, attrs, text in parser.cells:
        shown = " ".join("".join(text).split())
        heading = headings[column] if column < len(headings) else ""
        if column == 0 or not heading or not shown or "colspan" in attrs:
            continue
        if not attrs.get("data-label"):
            problems.append(f"a cell under {heading!r} has no data-label: {shown[:60]!r}")
    return problems
