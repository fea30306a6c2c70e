"""One document loader: bytes (or a file) -> parsed data, with one policy and one set of
messages, for every entry point (CLI, REST, web import, intake files, CDS Hooks prefetch,
bulk lines).

The policy:

- gzip is recognised by its magic bytes (not the name) and inflated in chunks, refusing
  more than a cap of inflated bytes (:func:`inflated_limit`, the setting
  ``SPINECARE_MAX_INFLATED_BYTES``) while it inflates, so a small bomb never fills memory;
- a UTF-8 byte order mark is dropped; text that is not UTF-8 is refused;
- JSON is strict (no NaN, no Infinity, no trailing commas) and a key written twice in one
  object is an error naming the key; YAML (intake files) keeps dates as text and refuses
  a key written twice as well;
- JSON or YAML: a ``.json`` name is JSON only; otherwise text whose first character is
  ``{`` or ``[`` is JSON, anything else YAML where YAML is allowed.

Every failure is a :class:`~spinecare.errors.RecordError` naming the file (its ``source``),
with a catalogue Message: a parser's common syntax errors (orjson's, YAML's, zlib's) are
said in the reader's language, the line and column kept (:data:`JSON_PROBLEMS`,
:data:`YAML_PROBLEMS`, :data:`GZIP_PROBLEMS`); only a rare other one is quoted in the
parser's own words.
"""

from __future__ import annotations

import functools
import gc
import json
import os
import re
import zlib
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import orjson

from spinecare.errors import InputError, RecordError
from spinecare.messages import N_, Message

__all__ = [
    "GZIP_MAGIC",
    "MAX_INFLATED_BYTES",
    "collector_held",
    "inflate",
    "inflated_limit",
    "load_document",
    "parse_json",
    "parse_yaml",
    "read_source",
]

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
MAX_INFLATED_BYTES = 128 * 1024 * 1024
"""The default cap on the inflated size of a gzip document (128 MiB: the largest real
Bundle is a few tens of MB; a bomb then costs the server about 140 MB, benchmarks/gzip_bomb.py)."""
INFLATED_ENV = "SPINECARE_MAX_INFLATED_BYTES"
MAX_JSON_CONTAINERS = 2_000_000
"""The most objects and lists one JSON document may hold. Parsed, each costs the server
about 270 bytes however short its text ("{}"): 16 MB of text can hold two million, and
128 MB (the inflated cap) sixteen million, four gigabytes once read. The largest Synthea
record holds 31,000 in 3.9 MB; a real record of the inflated cap, written as densely,
about a million. Counted only in a document long enough to exceed it."""
CONTAINERS_REFUSED = N_(
    "the document holds more than two million objects and lists, the limit for one document"
)
MAX_YAML_BYTES = 512 * 1024
"""The longest YAML document read (an intake file, a few kilobytes). YAML is parsed about
a hundred times slower than JSON and costs more memory: 10 MB of it held a worker for over
a minute. Records longer than this come as FHIR JSON."""
_CHUNK = 1 << 20

Source = str | os.PathLike[str] | bytes | bytearray | memoryview


def inflated_limit() -> int:
    """The cap on inflated bytes: the setting ``SPINECARE_MAX_INFLATED_BYTES`` (bytes, or
    with a unit: ``512MiB``) or the default."""
    raw = os.environ.get(INFLATED_ENV)
    if raw is None or not raw.strip():
        return MAX_INFLATED_BYTES
    from pydantic import ByteSize, TypeAdapter, ValidationError

    try:
        value = int(TypeAdapter(ByteSize).validate_python(raw.strip()))
    except ValidationError:
        value = 0
    if value <= 0:
        raise InputError(
            Message(
                "%(setting)s: '%(value)s' is not a size (bytes, or with a unit such as 512MiB)",
                setting=INFLATED_ENV,
                value=raw,
            )
        )
    return value


def size_text(n: int) -> Message:
    """``n`` bytes as a reader says a file's size (``5 MB``, ``512 KB``)."""
    if n >= 1024 * 1024:
        return Message("%(n)s MB", n=f"{n / (1024 * 1024):.0f}")
    if n >= 64 * 1024:
        return Message("%(n)s KB", n=f"{n / 1024:.0f}")
    return Message("%(n)s bytes", n=n)


def read_source(source: Source, label: str) -> bytes:
    """The raw bytes of a path or of bytes already in memory; errors name ``label``."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    path = Path(source)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise RecordError(Message("file not found"), source=label) from None
    except IsADirectoryError:
        raise RecordError(Message("is a folder, not a file"), source=label) from None
    except OSError as exc:
        raise RecordError(
            Message("cannot read the file (%(reason)s)", reason=exc.strerror or str(exc)),
            source=label,
        ) from None


def inflate(raw: bytes, label: str, limit: int | None = None) -> bytes:
    """``raw`` inflated if it is gzip (every member), refusing more than ``limit`` bytes.

    Each member is inflated in one call whose output is bounded by what is left of the cap:
    a bomb stops at the cap, and an ordinary document costs no more than ``gzip.decompress``.
    """
    if raw[:2] != GZIP_MAGIC:
        return raw
    cap = inflated_limit() if limit is None else limit
    parts: list[bytes] = []
    total = 0
    data = raw
    while data:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            part = inflater.decompress(data, cap - total + 1)
        except zlib.error as exc:
            raise RecordError(_gzip_problem(exc), source=label) from None
        total += len(part)
        if total > cap:
            raise RecordError(
                Message(
                    "gzip data inflates to more than %(size)s, the limit for one document",
                    size=size_text(cap),
                ),
                source=label,
            )
        if not inflater.eof:
            raise RecordError(
                Message("not valid gzip data (the data ends too early)"), source=label
            )
        parts.append(part)
        data = inflater.unused_data
        if data and data[:2] != GZIP_MAGIC:
            break  # trailing bytes after the last member are ignored, as gzip(1) does
    return parts[0] if len(parts) == 1 else b"".join(parts)


# Keys are counted by their colons. Every colon of a JSON text is either the one after a
# key or a character of a string; orjson writes the parsed value back with exactly one
# colon after each key it kept and every string's colons as they are (it never escapes a
# colon). So when the text spells no colon as an escape (``\u003a``), equal colon counts
# in the text and in the value written back mean the parse dropped no key; any difference
# (or such an escape) sends the text to the key-by-key check, which names the key.
_ESCAPED_COLON = b"\\u003"  # \u003a or \u003A (and, harmlessly, \u0030-\u003f)
_BACKSLASHES_LOOKED_AT = 64
"""How many escapes :func:`_spells_escaped_colon` looks at one by one before it searches
the rest of the text for the escape at once."""


def _spells_escaped_colon(raw: bytes) -> bool:
    """Whether valid JSON text ``raw`` may spell a colon as an escape (``\\u003a``).

    Its few escapes are looked at one by one (a search for one byte is the C library's,
    several times faster than a search for the escape itself through the whole text); an
    escaped backslash is stepped over whole, so its second backslash never starts an
    escape. Text with many escapes is searched for the escape at once, which may also
    find one that follows an escaped backslash: harmless, the check is then only slower.
    """
    at = raw.find(b"\\")
    looked = 0
    while at >= 0:
        if raw.startswith(_ESCAPED_COLON[1:], at + 1):
            return True
        looked += 1
        if looked > _BACKSLASHES_LOOKED_AT:
            return raw.find(_ESCAPED_COLON, at) >= 0
        at = raw.find(b"\\", at + 2)  # past the escape's second character
    return False


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


MAX_JSON_DEPTH = 254
"""How deep a JSON document may nest: as deep as orjson writes a value back (the parser
itself reads 1,024 levels). No record comes near it; deeper, the document is refused
rather than failing the check for a key written twice, or a reader walking it, later."""


def _duplicate_key(raw: bytes, parsed: Any) -> str | None:
    """The first key written twice in one object of ``raw``, if any.

    orjson keeps the last of two equal keys. Text that is the parsed value written back,
    byte for byte, holds no key twice; otherwise the colons of the text and of the value
    written back are counted alike, and only on a difference is the text parsed again, key
    by key, to name the one written twice.
    """
    if not isinstance(parsed, dict | list):
        return None
    written = orjson.dumps(parsed)
    if raw.startswith(written) and (len(raw) == len(written) or not raw[len(written) :].strip()):
        # compact text, as most clients write it (JSON.stringify, orjson, Jackson): the
        # value written back is the text itself (an NDJSON line's own end aside), and a
        # value holds each key once
        return None
    if not _spells_escaped_colon(raw) and raw.count(b":") == written.count(b":"):
        return None
    try:
        json.loads(raw, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as exc:
        return str(exc)
    except ValueError:
        return None
    return None


UNCLOSED = N_("the text ends too early: a bracket, a brace or a quote is not closed")
BAD_NUMBER = N_("not a valid number")
BAD_ESCAPE = N_("an escape (\\) that is not valid inside quotes")
COMMA_OR_BRACKET = N_("',' or ']' expected")
COMMA_OR_BRACE = N_("',' or '}' expected")
AFTER_THE_END = N_("more text after the end of the document")
NOT_ALLOWED_TAG = N_("a tag (!name) that is not allowed")

JSON_PROBLEMS: tuple[tuple[str, str], ...] = (
    ("unexpected end of data", UNCLOSED),
    ("unexpected character, expected ':' after key", N_("':' expected after a key")),
    ("unexpected character, expected a string key", N_("a key in double quotes expected")),
    ("unexpected character, expected ',' or ']'", COMMA_OR_BRACKET),
    ("unexpected character, expected ',' or '}'", COMMA_OR_BRACE),
    (
        "unexpected character, expected a JSON value",
        N_("a value expected: text in double quotes, a number, true, false, null, [ or {"),
    ),
    ("trailing comma is not allowed", N_("a comma before a closing bracket or brace")),
    ("invalid literal", N_("an unknown word: only true, false and null are written bare")),
    ("number ", BAD_NUMBER),
    ("no digit after", BAD_NUMBER),
    ("unexpected control character in string", N_("a line break or tab inside quotes")),
    ("unclosed string", UNCLOSED),
    ("invalid escaped sequence", BAD_ESCAPE),
    ("no low surrogate", BAD_ESCAPE),
    ("invalid high surrogate", BAD_ESCAPE),
    ("invalid low surrogate", BAD_ESCAPE),
    ("unexpected content after document", AFTER_THE_END),
    ("depth limit exceeded", N_("nested too deeply")),
)
"""The common syntax errors orjson names, said in the reader's language (by the start of
orjson's words); any other is quoted as orjson says it."""

YAML_PROBLEMS: tuple[tuple[str, str], ...] = (
    ("did not find expected node content", N_("a value is missing")),
    (
        "mapping values are not allowed",
        N_("a ':' where a value was expected (put a value containing ': ' in quotes)"),
    ),
    ("did not find expected key", N_("a key is missing or indented wrongly")),
    ("found unexpected end of stream", UNCLOSED),
    ("did not find expected ',' or ']'", COMMA_OR_BRACKET),
    ("did not find expected ',' or '}'", COMMA_OR_BRACE),
    ("found a tab character", N_("a tab in the indentation: indent with spaces")),
    (
        "found character that cannot start any token",
        N_("a character that cannot start a value here (a tab, @ or `)"),
    ),
    ("did not find expected '-' indicator", N_("a list item without '-' at this indentation")),
    ("could not find expected ':'", N_("a line without ':' where 'key: value' was expected")),
    ("found undefined alias", N_("an alias (*name) with no anchor (&name)")),
    (
        "did not find expected alphabetic or numeric character",
        N_("an anchor or alias without a name"),
    ),
    ("could not determine a constructor for the tag", NOT_ALLOWED_TAG),
    ("did not find expected tag URI", NOT_ALLOWED_TAG),
    ("found unhashable key", N_("a key that is a list or a mapping")),
    ("but found another document", N_("more than one document (---)")),
    ("did not find expected <document start>", AFTER_THE_END),
    ("found unknown escape character", BAD_ESCAPE),
    ("found incompatible YAML document", N_("a YAML version this reader does not know")),
)
"""The common syntax errors of the YAML parser (libyaml's words, and PyYAML's, which are
the same), said in the reader's language; any other is quoted as the parser says it."""

GZIP_HEADER = N_("not valid gzip data: its header is wrong")
GZIP_PROBLEMS: tuple[tuple[str, str], ...] = (
    ("unknown compression method", GZIP_HEADER),
    ("unknown header flags", GZIP_HEADER),
    ("incorrect header check", GZIP_HEADER),
    ("incorrect data check", N_("not valid gzip data: its checksum does not match")),
    ("incorrect length check", N_("not valid gzip data: its length does not match")),
    ("invalid", N_("not valid gzip data: the compressed data is damaged")),
)
"""zlib's words for damaged gzip data (after ``Error -3 while decompressing data: ``)."""


def parser_words(said: str, problems: tuple[tuple[str, str], ...]) -> str:
    """A parser's description of a problem as a catalogue Message when it is a common one
    (``problems``: the start of the parser's words and the message); else ``said``."""
    for start, message in problems:
        if said.startswith(start):
            return Message(message)
    return said


def _gzip_problem(exc: Exception) -> Message:
    said = str(exc)
    problem = parser_words(said.partition(": ")[2] or said, GZIP_PROBLEMS)
    if isinstance(problem, Message):
        return problem
    return Message("not valid gzip data (%(reason)s)", reason=said)


def _not_utf8(raw: bytes, label: str) -> RecordError | None:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return RecordError(Message("not UTF-8 text (byte %(at)s)", at=exc.start), source=label)
    return None


class collector_held:  # named as the function it was: ``with collector_held():``
    """Hold the cyclic garbage collector while a document is parsed and read.

    A parsed document holds no reference cycles, so nothing is lost; the many containers
    it is made of would otherwise set off collection after collection while it is built,
    and every collection while it lives walks all of it again. A caller that reads the
    document inside the block and lets it go before the block ends (``del``) leaves the
    collector nothing of it to walk. Blocks nest; only the outermost enables it again,
    at its end or at :meth:`release`, whichever comes first. (A class, not a generator:
    it is entered for every document and every CDS Hooks call.)
    """

    __slots__ = ("_collecting",)

    def __enter__(self) -> collector_held:
        self._collecting = gc.isenabled()
        gc.disable()
        return self

    def release(self) -> None:
        """Let the collector run again now (before the block ends)."""
        if self._collecting:
            self._collecting = False
            gc.enable()

    def __exit__(self, *exc: object) -> None:
        self.release()


HELD_FROM = 64 * 1024
"""Text of this many bytes or more is parsed with the collector held
(:class:`collector_held`). A shorter text (a bulk export's line, about a kilobyte) makes
too few containers to set off more than one collection: holding and freeing the collector
would cost it more (0.3 us a line, a tenth of its parsing) than it saves."""


def parse_json(raw: bytes | str, label: str) -> Any:
    """Strict JSON; a key written twice in one object is an error naming the key."""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    # counted before it is parsed, which is what costs the memory (each object or list at
    # least two bytes: a shorter text cannot hold too many); a brace or a bracket inside a
    # string counts too, so this bounds the number from above
    if len(data) > 2 * MAX_JSON_CONTAINERS and (
        data.count(b"{") + data.count(b"[") > MAX_JSON_CONTAINERS
    ):
        raise RecordError(
            Message(CONTAINERS_REFUSED),
            source=label,
        )
    try:
        if len(data) < HELD_FROM:
            parsed = orjson.loads(data)
        else:
            with collector_held():
                parsed = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        # orjson refuses text that is not UTF-8: that is said as such, as for YAML
        raise _not_utf8(data, label) or RecordError(
            Message(
                "not valid JSON: line %(line)s, column %(column)s: %(problem)s",
                line=exc.lineno,
                column=exc.colno,
                problem=parser_words(exc.msg, JSON_PROBLEMS),
            ),
            source=label,
        ) from None
    try:
        key = _duplicate_key(data, parsed)
    except (orjson.JSONEncodeError, RecursionError):
        # deeper than it can be written back, or read again key by key: a part that a key
        # written twice hid from the parsed value (orjson keeps the last) is read there
        raise RecordError(
            Message("not valid JSON: nested more than %(n)s levels deep", n=MAX_JSON_DEPTH),
            source=label,
        ) from None
    if key is not None:
        raise RecordError(
            Message("not valid JSON: the key '%(key)s' is written twice in one object", key=key),
            source=label,
        )
    return parsed


@functools.cache
def yaml_loader() -> Any:
    """The YAML loader of the project: safe, dates stay text, a key written twice is
    refused; libyaml's parser where PyYAML was built with it (the same data, several times
    faster: the constructor, and so the rules, are the same Python code). Built on first
    use, so that reading JSON never imports YAML."""
    import yaml

    class Rules:
        def construct_document(self, node: yaml.Node) -> Any:
            _no_alias(node)
            return super().construct_document(node)  # type: ignore[misc]

        def construct_mapping(
            self, node: yaml.MappingNode, deep: bool = False
        ) -> dict[Hashable, Any]:
            seen: set[object] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
                try:
                    duplicate = key in seen
                except TypeError:  # an unhashable key: the base class reports it
                    continue
                if duplicate:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        Message(YAML_TWICE, key=str(key)),
                        key_node.start_mark,
                    )
                seen.add(key)
            return super().construct_mapping(node, deep)  # type: ignore[misc, no-any-return]

    base = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader

    class Loader(Rules, base):  # type: ignore[valid-type, misc]
        pass

    def whole_number(loader: Any, node: yaml.ScalarNode) -> Any:
        # a number of more digits than Python converts (4,300) is said, as JSON's is
        try:
            return base.construct_yaml_int(loader, node)
        except ValueError:
            raise yaml.constructor.ConstructorError(
                None, None, Message(BAD_NUMBER), node.start_mark
            ) from None

    Loader.add_constructor("tag:yaml.org,2002:int", whole_number)
    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


YAML_TWICE = N_("the key '%(key)s' is written twice")
YAML_ALIAS = N_("an alias (*name) that repeats another part of the file is not allowed")


def _no_alias(root: Any) -> None:
    """Refuse a YAML document that repeats a part of itself by an anchor and its aliases
    (``&a`` ... ``*a``): no intake or KB file needs one, and aliases of aliases make a few
    hundred bytes stand for gigabytes once read (a "billion laughs")."""
    import yaml

    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise yaml.constructor.ConstructorError(
                None, None, Message(YAML_ALIAS), node.start_mark
            )
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _yaml_problem(exc: Any) -> str:
    """Where and what: a problem of the project's rules (a key written twice) is a
    Message; so is a common syntax error (:data:`YAML_PROBLEMS`); the YAML parser's own
    words are kept, as it says them, only for the rare rest."""
    import yaml

    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem: str = exc.problem or exc.context or Message("syntax error")
        if not isinstance(problem, Message):
            problem = " ".join(problem.split())
            said = parser_words(problem, YAML_PROBLEMS)
            if said is not problem:
                problem = said
            elif exc.context and exc.problem:
                problem = f"{problem} ({' '.join(exc.context.split())})"
        if mark is None:
            return problem
        return Message(
            "line %(line)s, column %(column)s: %(problem)s",
            line=mark.line + 1,
            column=mark.column + 1,
            problem=problem,
        )
    return " ".join(str(exc).split())


def parse_yaml(text: str | bytes, label: str) -> Any:
    """YAML, safely: dates stay text, a key written twice is refused."""
    import yaml

    try:
        return yaml.load(text, Loader=yaml_loader())  # a SafeLoader with the rules above
    except yaml.YAMLError as exc:
        raise RecordError(
            Message("not valid YAML: %(problem)s", problem=_yaml_problem(exc)), source=label
        ) from None


_LEADING_SPACE = re.compile(rb"[ \t\r\n\f\v]*")


def load_document(
    source: Source,
    label: str | None = None,
    *,
    yaml_allowed: bool = True,
    limit: int | None = None,
) -> Any:
    """Parse a document: JSON (plain or gzip) or, where allowed, YAML. Errors name ``label``.

    ``source``: a path (a ``str`` is always a path) or the bytes. ``limit``: the cap on
    inflated bytes (default :func:`inflated_limit`).
    """
    if label is None:
        label = "<input>" if isinstance(source, bytes | bytearray | memoryview) else str(source)
    raw = inflate(read_source(source, label), label, limit)
    if raw[:3] == UTF8_BOM:
        raw = raw[3:]
    space = _LEADING_SPACE.match(raw)
    start = space.end() if space is not None else 0
    first = raw[start : start + 1]
    if not first:
        raise RecordError(Message("the file is empty"), source=label)
    as_json = label.lower().endswith(".json") or not yaml_allowed or first in (b"{", b"[")
    if as_json:
        # orjson checks that the text is UTF-8 as it parses (parse_json says so)
        try:
            return parse_json(raw, label)
        except RecordError:
            if not (yaml_allowed and label.lower().endswith((".yaml", ".yml"))):
                raise
    error = _not_utf8(raw, label)
    if error is not None:
        raise error
    if len(raw) > MAX_YAML_BYTES:
        raise RecordError(
            Message(
                "YAML of more than %(size)s, the limit for a YAML document: send a longer"
                " record as FHIR JSON",
                size=size_text(MAX_YAML_BYTES),
            ),
            source=label,
        )
    return parse_yaml(raw, label)
