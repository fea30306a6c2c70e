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


def _plain_errors(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name in ERRORS:
            said = node.args[:1]
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


def _bundle(*resources: Any, **bundle: Any) -> str:
    entry = [{"resource": r} for r in resources]
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entry, **bundle})


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


def test_a_deceased_patient_is_refused_in_russian(kb: Any) -> None:
    bundle = _bundle({**PATIENT, "deceasedDateTime": "2020-01-02"})
    with pytest.raises(RecordError) as caught:
        screen(bundle.encode(), date(2026, 11, 20), kb=kb)
    assert "recorded as deceased on 2020-01-02" in caught.value.one_line()
    assert translate(caught.value.one_line(), "ru").endswith(
        "пациент записан как умерший 2020-01-02: скрининг не проводится"
    )
