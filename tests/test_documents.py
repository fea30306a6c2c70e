"""The one document loader: the same bytes give the same data, or the same message, from
every entry point (library, CLI, REST, CDS Hooks, bulk lines)."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from spinecare.documents import inflate, load_document, parse_json
from spinecare.errors import RecordError
from spinecare.fhir.ndjson import Line, NdjsonError, iter_lines, parse_line
from tests.conftest import ROOT

# The intake of the issue: a first reading of 190/115 (defer), then the key written again
# with a normal reading. Keeping the last one would say the patient may be massaged.
TWICE = """format: spinecare-intake/1
patient: {id: p1, name: Test Patient, birth_date: 1970-01-01, sex: female}
date: 2026-11-20
conditions:
  - concept: degenerative_disc_disease
vitals:
  - blood_pressure: 190/115
vitals:
  - blood_pressure: 120/80
  - measure: body_temperature
    value: 36.6
    unit: Cel
"""


def test_a_key_written_twice_in_yaml_is_refused_naming_key_and_file(tmp_path: Path) -> None:
    path = tmp_path / "twice.yaml"
    path.write_text(TWICE, encoding="utf-8")
    with pytest.raises(RecordError) as err:
        load_document(path, "twice.yaml")
    assert err.value.one_line().startswith("twice.yaml: ")
    assert "the key 'vitals' is written twice" in err.value.message


def test_spinecare_screen_refuses_the_file_instead_of_keeping_the_last_key(
    tmp_path: Path,
) -> None:
    path = tmp_path / "twice.yaml"
    path.write_text(TWICE, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "spinecare", "screen", str(path), "--as-of", "2026-11-20"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 1, proc.stdout
    assert proc.stdout == ""
    assert "twice.yaml" in proc.stderr
    assert "the key 'vitals' is written twice" in proc.stderr


@pytest.mark.parametrize(
    "text",
    [
        b'{"a": 1, "a": 2}',
        b'{"a" : 1, "a"\n: 2}',
        b'{"x": {"b": 1, "c": [{"k": 1, "k": 1}]}}',
        b'{"q\\"": 1, "q\\"": 2}',
        b'{"s\\\\": 1, "s\\\\": 2}',
        b'{"a": "b\\": c", "a": 1}',
        b'{"a\\u0022": 1, "a\\"": 2}',
        # compact text, as most clients write it
        b'{"a":1,"a":1}',
        b'[{"k":{"x":"y","x":"y"}}]',
        # an NDJSON line, with its own end
        b'{"a":1,"a":1}\n',
        b'{"a":1,"b":{"a":2,"a":2}}\r\n',
        # a colon spelled as an escape makes up for the key dropped, in the counts
        b'{"a": "\\u003a", "a": 1, "b": "\\u003A"}',
        b'{"a": "\\\\u003a \\u003a", "a": 1, "b": "\\u003a"}',
        b'{"n": "' + b"\\n" * 100 + b'", "a": "\\u003a", "a": 1, "b": "\\u003a"}',
        # long enough to be parsed with the collector held
        b'{"p":"' + b"x" * (64 * 1024) + b'","a":1,"a":1}\n',
    ],
)
def test_duplicate_keys_in_json_are_found_however_written(text: bytes) -> None:
    with pytest.raises(RecordError, match="is written twice in one object"):
        parse_json(text, "x.json")


@pytest.mark.parametrize(
    "text",
    [
        b'{"a": {"b": 1}, "c": {"b": 2}}',
        b'[{"a": 1}, {"a": 1}]',
        b'{"a": "x\\": y", "b": "\\\\"}',
        b'{"a":{"b":1},"c":{"b":2}}\n',
        b'{"a":1}\r\n',
    ],
)
def test_equal_keys_in_different_objects_or_strings_are_fine(text: bytes) -> None:
    assert parse_json(text, "x.json") == orjson.loads(text)


@pytest.mark.parametrize("depth", [255, 300, 1000])
def test_json_nested_deeper_than_it_is_written_back_is_refused(depth: int) -> None:
    """orjson reads 1,024 levels and writes 254: a document in between was read, then
    the check for a key written twice failed on it (an internal error everywhere a
    document is read). It is refused, naming the limit."""
    with pytest.raises(RecordError, match="nested more than 254 levels deep"):
        parse_json(b"[" * depth + b"]" * depth, "deep.json")
    deep = b'{"resourceType": "Bundle", "x": ' + b"[" * depth + b"]" * depth + b"}"
    with pytest.raises(RecordError, match="254"):
        load_document(deep, "deep.json", yaml_allowed=False)


def test_json_nested_to_the_limit_is_read() -> None:
    assert parse_json(b"[" * 254 + b"]" * 254, "deep.json") is not None


def test_json_is_strict() -> None:
    for text in (b'{"a": NaN}', b'{"a": Infinity}', b'{"a": 1,}'):
        with pytest.raises(RecordError, match="not valid JSON: line 1, column"):
            parse_json(text, "x.json")


def test_bom_gzip_and_json_or_yaml() -> None:
    body = b'{"resourceType": "Bundle"}'
    assert load_document(b"\xef\xbb\xbf" + body) == {"resourceType": "Bundle"}
    assert load_document(gzip.compress(b"\xef\xbb\xbf" + body)) == {"resourceType": "Bundle"}
    assert load_document(b"a: 2026-01-02\n", "x.yaml") == {"a": "2026-01-02"}
    with pytest.raises(RecordError, match="not valid JSON"):
        load_document(b"a: 1\n", "x.json")
    with pytest.raises(RecordError, match="not valid JSON"):
        load_document(b"a: 1\n", "body", yaml_allowed=False)
    with pytest.raises(RecordError, match="not UTF-8"):
        load_document(b'{"a": "\xff"}')
    with pytest.raises(RecordError, match="empty"):
        load_document(b"  \n")


def test_gzip_is_inflated_with_a_cap_and_never_whole() -> None:
    bomb = gzip.compress(b" " * (8 * 1024 * 1024))  # 8 MB of spaces, about 8 KB
    assert len(bomb) < 64 * 1024
    with pytest.raises(RecordError, match="inflates to more than 1 MB"):
        inflate(bomb, "bomb.json.gz", limit=1024 * 1024)
    assert len(inflate(bomb, "ok.gz", limit=16 * 1024 * 1024)) == 8 * 1024 * 1024
    two = gzip.compress(b'{"a":') + gzip.compress(b" 1}")  # two members, as gzip(1) writes
    assert load_document(two) == {"a": 1}
    with pytest.raises(RecordError, match="not valid gzip data"):
        inflate(gzip.compress(b"{}")[:12], "cut.gz")


def test_the_cap_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = gzip.compress(b" " * (3 * 1024 * 1024))
    monkeypatch.setenv("SPINECARE_MAX_INFLATED_BYTES", str(2 * 1024 * 1024))
    with pytest.raises(RecordError, match="inflates to more than 2 MB"):
        load_document(bomb)
    monkeypatch.setenv("SPINECARE_MAX_INFLATED_BYTES", "5 furlongs")
    with pytest.raises(Exception, match="SPINECARE_MAX_INFLATED_BYTES"):
        load_document(bomb)


def test_bulk_lines_use_the_same_messages(tmp_path: Path) -> None:
    where = Line("Patient.ndjson", 3, 0)
    with pytest.raises(NdjsonError) as err:
        parse_line(b'{"resourceType": "Patient", "id": "a", "id": "b"}\n', where)
    assert err.value.one_line() == (
        "Patient.ndjson: line 3: not valid JSON: the key 'id' is written twice in one object"
    )
    long = tmp_path / "Patient.ndjson"
    long.write_bytes(b'{"resourceType": "Patient", "id": "' + b"x" * 5000 + b'"}\n{"a": 1}\n')
    lines = list(iter_lines(long, limit=100))
    assert [n for n, _ in lines] == [1, 2]
    with pytest.raises(NdjsonError, match="line 1: longer than 100 bytes"):
        parse_line(lines[0][1], Line(str(long), 1, 0), limit=100)
    with pytest.raises(NdjsonError, match="line 2: not a FHIR resource"):
        parse_line(lines[1][1], Line(str(long), 2, 0), limit=100)


def test_the_collector_is_held_in_a_block_and_let_go_by_the_outermost_or_release() -> None:
    import gc

    from spinecare.documents import collector_held

    assert gc.isenabled()
    with collector_held() as outer:
        assert not gc.isenabled()
        with collector_held():
            assert not gc.isenabled()
        assert not gc.isenabled()  # only the outermost enables it again
        outer.release()
        assert gc.isenabled()
    assert gc.isenabled()
    try:
        with collector_held():
            raise ValueError("inside")
    except ValueError:
        pass
    assert gc.isenabled()


def test_yaml_that_repeats_itself_by_aliases_is_refused_before_it_is_expanded(
    tmp_path: Path,
) -> None:
    """A few hundred bytes of anchors and aliases stand for gigabytes once expanded (a
    "billion laughs"): refused at once, naming where, never expanded into a message."""
    rows = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        rows.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    rows.append("answers: {saddle_anaesthesia: *i}")
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(RecordError) as err:
        load_document(path, "laughs.yaml")
    assert "alias" in err.value.message and len(err.value.one_line()) < 300


def test_a_yaml_number_of_thousands_of_digits_is_said_as_a_bad_number(tmp_path: Path) -> None:
    """A whole number of 5,000 digits in YAML is refused as JSON's is, naming the file
    and the line (it was an internal error: Python converts at most 4,300 digits)."""
    path = tmp_path / "intake.yaml"
    path.write_text("format: spinecare-intake/1\nx: " + "9" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(RecordError) as caught:
        load_document(path)
    said = caught.value.one_line()
    assert "intake.yaml" in said and "line 2" in said and "not a valid number" in said


def test_a_document_of_millions_of_small_objects_is_refused_before_it_is_parsed() -> None:
    """183 KB of gzip inflating to 125 MB of tiny objects (``{"a":1}``, sixteen million)
    cost the server four gigabytes once parsed: refused before parsing, naming the limit;
    a record of two million objects and lists is read (the largest real one holds 31,000)."""
    from spinecare.documents import MAX_JSON_CONTAINERS

    tiny = b'{"resourceType":"Bundle","x":[' + b'{"a":1},' * 15_000_000 + b"{}]}"
    bomb = gzip.compress(tiny, 9)
    assert len(bomb) < 300_000
    with pytest.raises(RecordError) as caught:
        load_document(bomb, "body", yaml_allowed=False)
    assert "more than two million objects and lists" in caught.value.one_line()
    assert MAX_JSON_CONTAINERS == 2_000_000  # as the message says it
    under = b'{"x":[' + b"[]," * (MAX_JSON_CONTAINERS - 3) + b"[]]}"  # two million in all
    assert len(load_document(under, "body")["x"]) == MAX_JSON_CONTAINERS - 2


def test_a_yaml_document_longer_than_an_intake_file_can_be_is_refused_before_parsing(
    tmp_path: Path,
) -> None:
    """10 MB of YAML (25 KB of gzip) held a worker for over a minute and 1.7 GB: YAML over
    512 KB is refused at once, naming the limit and what to send instead; the same data
    as JSON is read."""
    rows = b"format: spinecare-intake/1\nx:\n" + b"  - {a: 1, b: 2, c: 3}\n" * 40_000
    path = tmp_path / "big.yaml.gz"
    path.write_bytes(gzip.compress(rows))
    with pytest.raises(RecordError) as caught:
        load_document(path)
    said = caught.value.one_line()
    assert "big.yaml.gz" in said and "YAML of more than 512 KB" in said and "FHIR JSON" in said
    as_json = orjson.dumps({"x": [{"a": 1, "b": 2, "c": 3}] * 40_000})
    assert len(load_document(as_json, "big.json")["x"]) == 40_000
