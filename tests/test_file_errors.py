"""Every error about a file that cannot be read is a catalogue message: the web import
page, the CLI (``--lang``) and the API show it in the reader's language.

Two checks: the code (every error a reading module raises is built as a Message, never
an English string), and behaviour (broken files of every kind give a Message whose text
and parameters the Russian catalogue translates).
"""

from __future__ import annotations

import ast
import gzip
import json
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from spinecare.core import load_record, screen
from spinecare.errors import RecordError
from spinecare.i18n import translate
from spinecare.messages import Message

ROOT = Path(__file__).resolve().parents[1]

READING_MODULES = (
    "spinecare/documents.py",
    "spinecare/core.py",
    "spinecare/fhir/reader.py",
    "spinecare/fhir/ndjson.py",
    "spinecare/record/intake.py",
    "spinecare/record/units.py",
    "spinecare/kb/strict.py",
    "spinecare/engine/screening.py",
    "spinecare/bulk/flatten.py",
    "spinecare/bulk/spark.py",
)
ERRORS = {"RecordError", "InputError", "UnitError", "NdjsonError", "_Bad", "ValueError"}
"""The errors a reading module raises (``_Bad``: the FHIR reader's, named with the
resource; ``ValueError``: the intake checks', carried by pydantic)."""


def _english(node: ast.expr) -> bool:
    """Text written in English where it is built: a literal, an f-string, a sum."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    return isinstance(node, ast.JoinedStr | ast.BinOp)


STATUS_FIRST = {"HTTPException", "OperationError", "error_response", "outcome_response"}
"""Errors and answers built with the HTTP status first, then the text."""


def _plain_errors(path: Path, errors: frozenset[str] | set[str] = ERRORS) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name in errors:
            said = node.args[1:2] if name in STATUS_FIRST else node.args[:1]
        elif name == "ConstructorError":  # YAML's: (context, mark, problem, mark)
            said = node.args[2:3]
        elif name in ("fail", "report"):  # the intake reader's and the Bulk tally's
            said = node.args[-1:]
        else:
            continue
        found += [f"{path.name}:{node.lineno}" for arg in said if _english(arg)]
    return found


def test_every_reading_error_is_built_as_a_message() -> None:
    assert [hit for module in READING_MODULES for hit in _plain_errors(ROOT / module)] == []


REFUSING_MODULES = {
    "spinecare/web/smart.py": {"LaunchError", "AccessDenied"},
    "spinecare/clinic/launches.py": {"AccessDenied"},
    "spinecare/fhir/smart.py": {"LaunchError", "InputError"},
    "spinecare/api/cds_hooks.py": {"CdsRequestError", "HTTPException"},
    "spinecare/api/cds_app.py": {"error_response", "outcome_response"},
    "spinecare/app.py": {"error_response"},
    "spinecare/api/rest.py": {"InputError", "NoClinicApp", "_unauthorized"},
    "spinecare/api/fhir_api.py": {"OperationError", "outcome_response"},
    "spinecare/fhir/prefetch.py": {"CdsRequestError", "PrefetchUnavailable"},
    "spinecare/fhir/outbound.py": {"BlockedAddress"},
    "spinecare/bulk/fetch.py": {"BulkFetchError", "InputError", "on_status"},
    "spinecare/web/deps.py": {"LoginRequired", "CsrfError", "ServiceUnavailable", "AccessDenied"},
    "spinecare/clinic/permissions.py": {"NotFoundError", "AccessDenied"},
    "spinecare/clinic/courses.py": {"NotFoundError", "AccessDenied", "InputError"},
    "spinecare/clinic/users.py": {"NotFoundError", "AccessDenied", "InputError"},
    "spinecare/reports/handout.py": {"InputError"},
}
"""Modules whose refusals reach a user (a SMART launch's page, a CDS Hooks, REST or
FHIR API error's message, ``bulk fetch``'s line, a clinic page): the errors they raise,
by name."""


@pytest.mark.parametrize("module", sorted(REFUSING_MODULES))
def test_every_refusal_shown_to_a_user_is_built_as_a_message(module: str) -> None:
    assert _plain_errors(ROOT / module, REFUSING_MODULES[module]) == []


def _bundle(*resources: Any, **bundle: Any) -> str:
    entry = [{"resource": r} for r in resources]
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entry, **bundle})


def _damaged_gzip() -> bytes:
    packed = gzip.compress(b'{"a": 1}' * 10)
    return packed[:-8] + b"\0\0\0\0" + packed[-4:]  # the checksum is wrong


PATIENT = {"resourceType": "Patient", "id": "p"}
INTAKE = "format: spinecare-intake/1\npatient: {id: x}\ndate: 2026-11-20\n"

BROKEN: dict[str, tuple[str, bytes | str]] = {
    "empty": ("a.json", b" \n"),
    "not JSON": ("a.json", b'{"resourceType": '),
    "key twice in JSON": ("a.json", b'{"resourceType": "Bundle", "resourceType": "Bundle"}'),
    "not UTF-8": ("a.json", b'{"a": "\xff"}'),
    "not YAML": ("a.yaml", "format: [\n"),
    "key twice in YAML": ("a.yaml", INTAKE + "date: 2026-11-21\n"),
    "bad gzip": ("a.json", b"\x1f\x8b" + b"\x00" * 20),
    "gzip cut short": ("a.json", gzip.compress(b'{"a": 1}')[:-6]),
    "neither": ("a.json", b'{"a": 1}'),
    "not a Bundle": ("a.json", b'{"resourceType": "Patient"}'),
    "top level a list": ("a.json", b"[1]"),
    "no Patient": ("a.json", _bundle({"resourceType": "Condition", "id": "c"})),
    "two Patients": ("a.json", _bundle(PATIENT, {**PATIENT, "id": "q"})),
    "entry not a list": ("a.json", _bundle(entry={"a": 1})),
    "resource not an object": ("a.json", json.dumps({"resourceType": "Bundle", "entry": [1]})),
    "bad Bundle type": ("a.json", _bundle(PATIENT, type="searchset-x")),
    "malformed date": ("a.json", _bundle({**PATIENT, "birthDate": "1970-13-45"})),
    "field of the wrong kind": ("a.json", _bundle({**PATIENT, "name": "Ivanova"})),
    "unknown key": ("a.yaml", INTAKE + "vitals:\n  - {temprature: 38}\n"),
    "unknown keys": ("a.yaml", INTAKE + "colour: blue\nsize: 3\n"),
    "unknown concept": ("a.yaml", INTAKE + "conditions:\n  - {concept: disc_hernia}\n"),
    "unknown zone": ("a.yaml", INTAKE + "conditions:\n  - {concept: fever, zone: neck}\n"),
    "implausible value": (
        "a.yaml",
        INTAKE + "vitals:\n  - {measure: body_temperature, value: 98.6}\n",
    ),
    "unit": ("a.yaml", INTAKE + "vitals:\n  - {measure: body_temperature, value: 3, unit: kg}\n"),
    "out of range": ("a.yaml", INTAKE + "pain: {score: 14}\n"),
    "not a number": ("a.yaml", INTAKE + "pain: {score: high}\n"),
    "not one of": ("a.yaml", INTAKE.replace("{id: x}", "{id: x, sex: f}")),
    "required": ("a.yaml", "format: spinecare-intake/1\ndate: 2026-11-20\n"),
    "bad date": ("a.yaml", INTAKE.replace("2026-11-20", "20.11.2026")),
    "wrong format": ("a.yaml", INTAKE.replace("/1", "/9")),
    "answer": ("a.yaml", INTAKE + "answers: {fever_today: maybe}\n"),
    "two problems": ("a.yaml", "format: spinecare-intake/1\n"),
    "blood pressure": ("a.yaml", INTAKE + "vitals:\n  - {blood_pressure: 80/120}\n"),
    # every kind of value an intake field can refuse (tests/test_file_errors.py is the
    # place: the pydantic checks the intake schema's field types can fail)
    "key not text": ("a.yaml", INTAKE + "answers: {1: yes}\n"),
    "key null": ("a.yaml", INTAKE + "~: 1\n"),
    "list where a mapping": ("a.yaml", INTAKE + "conditions: [[1]]\n"),
    "mapping where a list": ("a.yaml", INTAKE + "vitals: {a: 1}\n"),
    "mapping where a mapping of dates": ("a.yaml", INTAKE + "answered_on: [1]\n"),
    "no such month": ("a.yaml", INTAKE + "answered_on: {fever_today: 2026-13-01}\n"),
    "no such day": ("a.yaml", INTAKE + "answered_on: {fever_today: 2026-02-30}\n"),
    "no year 0": ("a.yaml", INTAKE.replace("{id: x}", "{id: x, birth_date: 0000-01-01}")),
    "date with a time": (
        "a.yaml",
        INTAKE + "conditions:\n  - {concept: fever, onset: 2026-11-20T10:00}\n",
    ),
    "dates in the wrong order": (
        "a.yaml",
        INTAKE + "conditions:\n  - {concept: fever, onset: 2026-02-01, abatement: 2026-01-01}\n",
    ),
    "whole number": ("a.yaml", INTAKE + "pain: {score: 3.5}\n"),
    "yes for a number": ("a.yaml", INTAKE + "pain: {score: yes}\n"),
    "not finite": ("a.yaml", INTAKE + "vitals:\n  - {measure: body_temperature, value: .inf}\n"),
    "huge": ("a.yaml", INTAKE + "vitals:\n  - {measure: body_temperature, value: 1.0e+30}\n"),
    "text for a number": (
        "a.yaml",
        INTAKE + "vitals:\n  - {measure: body_temperature, value: '37'}\n",
    ),
    "number for a text": ("a.yaml", INTAKE + "medications:\n  - {code: 12.5, system: rxnorm}\n"),
    "empty text": (
        "a.yaml",
        INTAKE + "clearances:\n  - {concepts: [fever], decision: cleared, by: ''}\n",
    ),
    "empty list": (
        "a.yaml",
        INTAKE + "clearances:\n  - {concepts: [], decision: cleared, by: A}\n",
    ),
    "yes for a choice": ("a.yaml", INTAKE + "conditions:\n  - {concept: fever, status: on}\n"),
    "language": ("a.yaml", INTAKE.replace("{id: x}", "{id: x, language: de}")),
    "patient id": ("a.yaml", INTAKE.replace("{id: x}", "{id: 'a b'}")),
    "not an id": ("a.yaml", INTAKE + "conditions:\n  - {concept: Fever}\n"),
    "code and concept": ("a.yaml", INTAKE + "conditions:\n  - {concept: fever, code: R50}\n"),
    "code without system": ("a.yaml", INTAKE + "conditions:\n  - {code: R50}\n"),
    "bad code": ("a.yaml", INTAKE + "conditions:\n  - {code: '5', system: icd10}\n"),
    "system": ("a.yaml", INTAKE + "conditions:\n  - {code: R50, system: icd11}\n"),
    "vital without value": ("a.yaml", INTAKE + "vitals:\n  - {measure: systolic_bp}\n"),
    "empty vital": ("a.yaml", INTAKE + "vitals:\n  - {}\n"),
    "pressure and measure": (
        "a.yaml",
        INTAKE + "vitals:\n  - {blood_pressure: 120/80, value: 1}\n",
    ),
    "Fahrenheit": (
        "a.yaml",
        INTAKE + "vitals:\n  - {measure: body_temperature, value: 37, unit: '[degF]'}\n",
    ),
    "clearance ends before": (
        "a.yaml",
        INTAKE
        + "clearances:\n  - {concepts: [fever], decision: cleared, by: A,"
        + " valid_until: 2026-01-01}\n",
    ),
    "unknown answer": ("a.yaml", INTAKE + "answers: {herniation_phase: sideways}\n"),
    # the parsers' common syntax errors
    "JSON: no colon": ("a.json", b'{"a" 1}'),
    "JSON: bare key": ("a.json", b"{a: 1}"),
    "JSON: trailing comma": ("a.json", b'{"a": [1,]}'),
    "JSON: bare word": ("a.json", b'{"a": tru}'),
    "JSON: bad number": ("a.json", b'{"a": 01}'),
    "JSON: bad escape": ("a.json", b'{"a": "\\q"}'),
    "JSON: after the end": ("a.json", b'{"a": 1} x'),
    "JSON: no comma": ("a.json", b"[1 2]"),
    "JSON: NaN": ("a.json", b'{"a": NaN}'),
    "YAML: colon in a value": ("a.yaml", "a: b: c\n"),
    "YAML: indentation": ("a.yaml", "a:\n  - x\n b: 1\n"),
    "YAML: unclosed quote": ("a.yaml", "a: 'x\n"),
    "YAML: unclosed flow": ("a.yaml", "a: {x: 1\n"),
    "YAML: tab": ("a.yaml", "\ta: 1\n"),
    "YAML: no colon": ("a.yaml", "x: 1\ny\n"),
    "YAML: alias": ("a.yaml", "a: &x 1\nb: *y\n"),
    "YAML: tag": ("a.yaml", "a: !!python/object:os.system x\n"),
    "YAML: two documents": ("a.yaml", "--- a\n--- b\n"),
    "gzip damaged": ("a.json", _damaged_gzip()),
}


@cache
def _translated(lang: str) -> frozenset[str]:
    """The message ids the catalogue of ``lang`` translates."""
    from babel.messages.pofile import read_po

    from spinecare.i18n import LOCALE_DIR

    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return frozenset(m.id for m in read_po(fh, locale=lang) if m.id and m.string)


def _msgids(message: Any) -> list[str]:
    if not isinstance(message, Message):
        return []
    nested = [i for value in message.params.values() for i in _msgids(value)]
    return [message.msgid, *nested]


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_file_that_cannot_be_read_is_said_in_russian(case: str, kb: Any) -> None:
    name, content = BROKEN[case]
    raw = content.encode() if isinstance(content, str) else content
    with pytest.raises(RecordError) as caught:
        load_record(raw, kb, name=name)
    line = caught.value.one_line()
    assert isinstance(line, Message) and line.startswith(f"{name}: ")
    ids = _msgids(line)
    translated = _translated("ru")
    assert [i for i in ids if i not in translated] == []
    russian = translate(line, "ru")
    assert russian.startswith(f"{name}: ") and russian != str(line)
    assert any("а" <= c <= "я" for c in russian.lower())
    assert latin_sentences(russian.removeprefix(f"{name}: ")) == []


QUOTED = re.compile(r"'[^']*'|«[^»]*»|\"[^\"]*\"")
LATIN_WORDS = re.compile(r"[A-Za-z]{2,}(?: +[A-Za-z]{2,})+")


def latin_sentences(text: str) -> list[str]:
    """The English left in a translated text: two or more Latin words in a row outside
    quotes, in a piece with no Cyrillic (ids, keys, paths and quoted values are single
    tokens or quoted; a sentence the catalogue did not translate is not)."""
    pieces = re.split(r"[:;()\[\],—]", QUOTED.sub("''", text))
    return [
        found
        for piece in pieces
        if not re.search("[а-яё]", piece.lower())
        for found in LATIN_WORDS.findall(piece)
    ]


def test_a_deceased_patient_is_refused_in_russian(kb: Any) -> None:
    bundle = _bundle({**PATIENT, "deceasedDateTime": "2020-01-02"})
    with pytest.raises(RecordError) as caught:
        screen(bundle.encode(), date(2026, 11, 20), kb=kb)
    assert "recorded as deceased on 2020-01-02" in caught.value.one_line()
    assert translate(caught.value.one_line(), "ru").endswith(
        "пациент записан как умерший 2020-01-02: скрининг не проводится"
    )
