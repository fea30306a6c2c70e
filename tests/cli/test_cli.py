"""The command line as a user runs it: exit codes, one-line errors, JSON equal to the library."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from spinecare import plan, screen
from spinecare.clidoc import render
from tests.conftest import AS_OF, FIXTURES, ROOT

RULES = FIXTURES / "rules"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``spinecare ARGS`` run in this process, as :func:`run_process` sees it (cheaper
    than a new Python); an unexpected exception is raised, as the program would show
    its traceback."""
    from typer.testing import CliRunner

    from spinecare.cli import app

    argv = [str(a) for a in args]
    result = CliRunner().invoke(app, argv)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(argv, result.exit_code, result.stdout, result.stderr)


def run_process(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``python -m spinecare ARGS``: the program's own start, exit code and streams."""
    return subprocess.run(
        [sys.executable, "-m", "spinecare", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0]


def test_screen_json_equals_the_library(kb) -> None:
    path = RULES / "herniation_without_clearance.yaml"
    proc = run("screen", path, "--as-of", AS_OF.isoformat(), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data == json.loads(json.dumps(screen(path, AS_OF, kb=kb).to_json()))
    assert set(data) >= {"verdict", "indicated", "indications", "findings", "missing", "kb_version"}
    finding = data["findings"][0]
    assert set(finding) >= {
        "concept",
        "rule",
        "effect",
        "certainty",
        "reason",
        "evidence",
        "sources",
    }


def test_plan_json_equals_the_library(kb) -> None:
    path = RULES / "lumbar_osteochondrosis_vacuum.yaml"
    proc = run("plan", path, "--as-of", AS_OF.isoformat(), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data == json.loads(json.dumps(plan(path, AS_OF, kb=kb).to_json()))
    assert set(data) >= {
        "status",
        "verdict",
        "zones",
        "modalities",
        "course",
        "avoid",
        "home_program",
        "sources",
    }
    assert set(data["course"]) >= {"sessions", "frequency", "minutes_per_session", "techniques"}


def test_synthea_bundle_screens_the_same_through_cli_and_library(shared_data: Path, kb) -> None:
    bundle = sorted((shared_data / "synthea" / "r4-bundles-2019").glob("*.json.gz"))[0]
    proc = run("screen", bundle, "--as-of", "2019-06-01", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == json.loads(
        json.dumps(screen(bundle, "2019-06-01", kb=kb).to_json())
    )


def test_text_view_shows_the_verdict_and_missing_items() -> None:
    proc = run("screen", RULES / "missing_blood_pressure.yaml", "--as-of", AS_OF.isoformat())
    assert proc.returncode == 0, proc.stderr
    assert "Needs data: measure or ask first" in proc.stdout
    assert "Blood pressure" in proc.stdout
    assert "blood_pressure" not in proc.stdout


def test_text_view_in_russian() -> None:
    proc = run(
        "plan",
        RULES / "cervical_osteochondrosis_allowed.yaml",
        "--as-of",
        AS_OF.isoformat(),
        "--lang",
        "ru",
    )
    assert proc.returncode == 0, proc.stderr
    assert "Самомассаж" in proc.stdout


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "dated the day after: it may have been taken on this day"),
        ("ru", "дата следующего дня: измерение могло быть сделано в этот день"),
    ],
)
def test_text_view_says_what_the_screening_notes_beside_a_fact(lang: str, said: str) -> None:
    """The text view shows a fact's note as the screening page does (a reading dated the
    day after, a text to confirm, a reading too old), in the reader's language."""
    fixture = FIXTURES / "ehr" / "bp_next_day_in_utc_high.json"
    proc = run("screen", fixture, "--as-of", "2026-11-20", "--lang", lang)
    assert proc.returncode == 0, proc.stderr
    assert said in " ".join(proc.stdout.split())


def test_a_verdict_is_data_exit_zero_even_when_blocked() -> None:
    proc = run("screen", RULES / "cauda_equina_coded_g83_4.yaml", "--format", "json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["verdict"] == "refer_urgently"


def test_not_json(tmp_path: Path) -> None:
    bad = tmp_path / "patient.json"
    bad.write_text("{not json", encoding="utf-8")
    assert_one_line_error(run_process("screen", bad), "patient.json", "not valid JSON")


def test_json_but_not_a_bundle(tmp_path: Path) -> None:
    bad = tmp_path / "patient.json"
    bad.write_text(json.dumps({"resourceType": "Patient", "id": "x"}), encoding="utf-8")
    assert_one_line_error(run("screen", bad), "patient.json", "Patient")


def test_bundle_without_a_patient(tmp_path: Path) -> None:
    bad = tmp_path / "empty.json"
    bad.write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": []}))
    assert_one_line_error(run("screen", bad), "empty.json", "Patient")


def test_bundle_with_two_patients(tmp_path: Path) -> None:
    bad = tmp_path / "two.json"
    entries = [{"resource": {"resourceType": "Patient", "id": pid}} for pid in ("a", "b")]
    bad.write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}))
    assert_one_line_error(run("screen", bad), "two.json", "a", "b")


def test_unknown_unit(tmp_path: Path) -> None:
    bad = tmp_path / "unit.json"
    obs = {
        "resourceType": "Observation",
        "id": "t1",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]},
        "subject": {"reference": "Patient/p"},
        "effectiveDateTime": "2026-11-20",
        "valueQuantity": {"value": 3, "unit": "furlongs", "code": "furlongs"},
    }
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": {"resourceType": "Patient", "id": "p"}}, {"resource": obs}],
    }
    bad.write_text(json.dumps(bundle))
    # the reading is set aside (unknown, listed with the reason), the record still screens
    proc = run("screen", bad, "--format", "json", "--as-of", "2026-11-20")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["verdict"] == "needs_data"
    why = {m["item"]: m["why"] for m in result["missing"]}
    assert "furlongs" in why["body_temperature"]


def test_malformed_date_in_a_bundle(tmp_path: Path) -> None:
    bad = tmp_path / "date.json"
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": {"resourceType": "Patient", "id": "p", "birthDate": "20-11-1970"}}],
    }
    bad.write_text(json.dumps(bundle))
    assert_one_line_error(run("screen", bad), "date.json", "20-11-1970")


def test_a_malformed_condition_date_is_set_aside_the_condition_screened(tmp_path: Path) -> None:
    path = tmp_path / "date.json"
    cond = {
        "resourceType": "Condition",
        "id": "c1",
        "subject": {"reference": "Patient/p"},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "C50.9"}]},
        "onsetDateTime": "20-11-2026",
    }
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": {"resourceType": "Patient", "id": "p"}}, {"resource": cond}],
    }
    path.write_text(json.dumps(bundle))
    proc = run("screen", path, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["verdict"] == "contraindicated"


def test_intake_with_unknown_key_lists_the_allowed_ones(tmp_path: Path) -> None:
    bad = tmp_path / "intake.yaml"
    bad.write_text(
        "format: spinecare-intake/1\npatient: {id: x}\ndate: 2026-11-20\ncolour: blue\n",
        encoding="utf-8",
    )
    proc = run("screen", bad)
    assert_one_line_error(proc, "intake.yaml", "colour")
    assert "allowed" in proc.stderr


def test_gzip_bundle_is_read(tmp_path: Path) -> None:
    good = tmp_path / "p.json.gz"
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": {"resourceType": "Patient", "id": "p"}}],
    }
    good.write_bytes(gzip.compress(json.dumps(bundle).encode()))
    proc = run("screen", good, "--format", "json", "--as-of", "2026-11-20")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["verdict"] == "needs_data"


def test_missing_file() -> None:
    assert_one_line_error(
        run_process("screen", "no-such-file.json"), "no-such-file.json", "not found"
    )


def test_verbose_shows_the_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "patient.json"
    bad.write_text("{not json", encoding="utf-8")
    proc = run_process("screen", bad, "--verbose")
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("screen", "x.json", "--as-of", "2026-13-45"),
        ("screen", "x.json", "--as-of", "00010101"),  # year 1 in ISO's basic form
        ("screen", "x.json", "--as-of", "9999-W52-7"),  # a week date
        ("screen", "x.json", "--format", "xml"),
        ("plan",),
        ("no-such-command",),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    proc = run_process(*args) if args == ("plan",) else run(*args)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr


def test_kb_check_passes() -> None:
    proc = run("kb", "check")
    assert proc.returncode == 0, proc.stderr
    assert "is valid" in proc.stdout


def test_kb_check_reports_every_problem(tmp_path: Path) -> None:
    import shutil

    from spinecare.kb.loader import default_path

    folder = tmp_path / "kb"
    shutil.copytree(default_path(), folder)
    rules = folder / "rules.yaml"
    rules.write_text(rules.read_text().replace("effect: defer", "effect: later"))
    proc = run("kb", "check", "--path", folder)
    assert proc.returncode == 1
    problems = [line for line in proc.stderr.splitlines() if line.startswith("rules.yaml")]
    assert len(problems) == 5  # the five deferral rules, each with its path
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("command", [(), ("screen",), ("plan",), ("kb", "check"), ("demo",)])
def test_help_has_an_example(command: tuple[str, ...]) -> None:
    proc = run(*command, "--help")
    assert proc.returncode == 0
    if command:
        assert "Example: spinecare" in proc.stdout


def _command_paths() -> list[list[str]]:
    import typer.main

    from spinecare.cli import app
    from spinecare.clidoc import _walk

    return [path[1:] for path, _command in _walk(typer.main.get_command(app), ["spinecare"])]


def test_help_is_said_in_the_lang_asked() -> None:
    """In process, every command's --help with --lang ru (a group's too, which has no
    --lang of its own): its texts, headings and notes in Russian; option names, values
    and examples as written."""
    from typer.testing import CliRunner

    from spinecare.cli import app
    from tests.test_file_errors import latin_sentences

    runner = CliRunner()
    lines = [[*path, "--help", "--lang", "ru"] for path in _command_paths()]
    for args in [*lines, ["--lang=ru", "--help"], ["kb", "--lang=ru", "--help"]]:
        result = runner.invoke(app, args, terminal_width=1000)
        assert result.exit_code == 0, (args, result.output)
        text = result.stdout
        assert text.startswith("Использование: ") and "Показать эту справку" in text
        # the commands and examples quoted, and the values (defaults) as written
        text = re.sub(r"spinecare[^а-яё\n]*|по умолчанию: [^;\]]*", "", text)
        assert latin_sentences(text) == [], (args, latin_sentences(text))
    english = runner.invoke(app, ["screen", "--help"]).stdout
    assert "Show this message and exit." in english and "Usage: " in english
    # an argument that must be given is not a form's "required field" ("обязательное поле")
    file = runner.invoke(app, ["screen", "--help", "--lang", "ru"], terminal_width=1000).stdout
    assert "[обязательно]" in file and "поле" not in file
    assert "[required]" in english


def test_help_does_not_import_the_heavy_modules() -> None:
    code = (
        "import sys; from spinecare.cli import app; "
        "heavy = [m for m in ('pydantic', 'yaml', 'fastapi', 'sqlalchemy', 'duckdb') "
        "if m in sys.modules]; print(heavy)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_cli_reference_is_generated_from_help() -> None:
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == render()


BROKEN = {
    "patient.json": (b"{not json", "неверный JSON: строка 1"),
    "twice.json": (
        b'{"resourceType": "Bundle", "type": "collection", "type": "x"}',
        "записан дважды",
    ),
    "intake.yaml": (
        b"format: spinecare-intake/1\npatient: {id: x}\ndate: 2026-11-20\ntemprature: 38\n",
        "неизвестный ключ temprature; допустимые:",
    ),
    "empty.json": (b"  ", "файл пуст"),
    "patient-only.json": (b'{"resourceType": "Patient", "id": "x"}', "не Bundle"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
@pytest.mark.parametrize("command", ["screen", "plan"])
def test_a_file_that_cannot_be_read_is_said_in_the_lang_asked(
    tmp_path: Path, name: str, command: str
) -> None:
    """In process (cheap): exit 1, one line on stderr naming the file, in Russian."""
    from typer.testing import CliRunner

    from spinecare.cli import app

    content, russian = BROKEN[name]
    (tmp_path / name).write_bytes(content)
    result = CliRunner().invoke(app, [command, str(tmp_path / name), "--lang", "ru"])
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"spinecare: {tmp_path / name}: ")
    assert russian in line
    english = CliRunner().invoke(app, [command, str(tmp_path / name)])
    assert english.exit_code == 1 and russian not in english.stderr


@pytest.mark.parametrize(
    ("args", "russian"),
    [
        (["screen", "no-such-file.json"], "no-such-file.json: файл не найден"),
        (["fhir", "export", "no-such-file.json"], "no-such-file.json: файл не найден"),
        (["fhir", "to-ndjson", "no-such-file.json", "--out", "{tmp}"], "файл не найден"),
        (["bulk", "screen", "no-such-folder", "--out", "{tmp}/r.csv"], "не папка"),
        (["audit", "verify", "--db", "nonsense"], "«nonsense» — не адрес базы данных"),
        (["user", "token", "anna", "--db", "nonsense"], "«nonsense» — не адрес базы данных"),
        (["serve", "--db", "mysql://x/y"], "база данных «mysql» не поддерживается"),
    ],
    ids=["screen", "fhir export", "fhir to-ndjson", "bulk screen", "audit", "user token", "serve"],
)
def test_every_command_says_its_errors_in_the_lang_asked(
    tmp_path: Path, args: list[str], russian: str
) -> None:
    from typer.testing import CliRunner

    from spinecare.cli import app

    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(app, [*args, "--lang", "ru"])
    assert result.exit_code == 1, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("spinecare: ") and russian in line


@pytest.mark.parametrize(
    ("args", "russian"),
    [
        (["screen", "--lang", "ru"], "не указан аргумент 'FILE'"),
        (["screen", "a.json", "--bogus", "--lang", "ru"], "нет такого параметра: --bogus"),
        (["screen", "a.json", "b", "--lang=ru"], "лишние аргументы: b"),
        (["screen", "a.json", "--lang", "ru", "--format", "xml"], "'xml' — не одно из"),
        (["screen", "a.json", "--lang", "ru", "--as-of"], "параметру '--as-of' нужно значение"),
        (["bulk", "screen", "d", "--out", "r.txt", "--lang", "ru"], "расширение должно быть"),
        (["nosuch", "--lang", "ru"], "нет такой команды: 'nosuch'"),
    ],
    ids=["missing", "no such option", "extra", "choice", "no value", "own check", "command"],
)
def test_usage_errors_are_said_in_the_lang_asked(args: list[str], russian: str) -> None:
    """In process (cheap): exit 2, the usage error line in Russian; English as Click says it."""
    from typer.testing import CliRunner

    from spinecare.cli import app
    from tests.test_file_errors import latin_sentences

    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("Ошибка: ") and russian in error
    assert latin_sentences(error) == []
    english = CliRunner().invoke(app, [a for a in args if "ru" not in a and a != "--lang"])
    assert english.exit_code == 2 and english.stderr.strip().splitlines()[-1].startswith("Error: ")


def test_the_language_is_read_before_the_command_line_is_parsed() -> None:
    from spinecare.commands.usage import language_of

    assert language_of(["screen", "--lang", "ru"]) == "ru"
    assert language_of(["screen", "--lang=ru"]) == "ru"
    assert language_of(["screen", "--lang", "de"]) is None
    assert language_of(["screen", "--", "--lang", "ru"]) is None
    assert language_of(["screen", "--lang"]) is None


@pytest.mark.parametrize(
    ("lang", "lines"),
    [
        (
            "en",
            [
                "Other entries in the record, not used by the screening (1)",
                "  - medication: 'amlodipine 5 MG Oral Tablet' (1 Oct 2026)",
            ],
        ),
        (
            "ru",
            [
                "Другие записи в карте, не использованные при скрининге (1)",
                "  - препарат: «amlodipine 5 MG Oral Tablet» (1 окт. 2026\u202fг.)",
            ],
        ),
    ],
)
def test_screen_lists_the_entries_it_did_not_use(lang: str, lines: list[str]) -> None:
    path = FIXTURES / "ehr" / "named_ordinary_drug.json"
    text = run("screen", path, "--as-of", AS_OF.isoformat(), "--lang", lang)
    assert text.returncode == 0, text.stderr
    shown = text.stdout.splitlines()
    start = shown.index(lines[0])
    assert shown[start : start + len(lines)] == lines
    data = json.loads(run("screen", path, "--as-of", AS_OF.isoformat(), "--format", "json").stdout)
    assert [(n["kind"], n["label"]) for n in data["not_used"]] == [
        ("medication", "amlodipine 5 MG Oral Tablet")
    ]


@pytest.mark.parametrize(
    ("args", "collecting"),
    [(("kb", "check"), False), (("fhir", "questionnaire"), True)],
)
def test_the_collector_held_at_start_runs_again_but_for_one_record_commands(
    args: tuple[str, ...], collecting: bool
) -> None:
    """``main`` holds the cyclic collector; the root callback starts it again for every
    command but those that read one record or the KB and exit (a server, a bulk run)."""
    import gc

    gc.disable()
    try:
        assert run(*args).returncode == 0
        assert gc.isenabled() is collecting
    finally:
        gc.enable()


@pytest.mark.parametrize("argv", [["kb", "trace"], ["kb", "trace", "--lang", "ru"]])
def test_a_knowledge_base_that_does_not_validate_is_one_line_for_every_command(
    monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    """A command that reads the KB and does not say its errors itself (``kb trace``) says a
    KB that does not validate in one line, as ``kb check`` does: never a traceback."""
    from typer.testing import CliRunner

    from spinecare.cli import app
    from spinecare.errors import KnowledgeBaseError, Problem
    from spinecare.kb import loader

    def broken() -> None:
        raise KnowledgeBaseError([Problem("sources.yaml > sources[0]", "a title is needed")])

    monkeypatch.setattr(loader, "load_kb", broken)
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("spinecare: ") and "sources.yaml > sources[0]" in line
