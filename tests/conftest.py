"""Shared test helpers: where the third-party data lives, the KB, tiny records."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SPINECARE_SHARED", ROOT.parent / "shared"))
DATA = SHARED / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
AS_OF = date(2026, 11, 20)


def pytest_configure(config: pytest.Config) -> None:
    """No test touches the user's own data directory (its database, its secret key): the
    app's files go to a folder of the test run, subprocesses included."""
    if "SPINECARE_DATA_DIR" not in os.environ:
        import tempfile

        os.environ["SPINECARE_DATA_DIR"] = tempfile.mkdtemp(prefix="spinecare-test-data-")


def cli_json(*args: str | Path) -> Any:
    """What ``spinecare ARGS`` prints as JSON, run in this process (cheaper than a new
    Python; the program's own start, ``python -m spinecare``, is tested in tests/cli)."""
    from typer.testing import CliRunner

    from spinecare.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


_DEMO_DATABASE: dict[date, Path] = {}
"""The demo clinic's SQLite database of each day, built once per test process."""


def demo_database(folder: Path) -> str:
    """The URL of a new SQLite database in ``folder`` holding the demo clinic: a copy of one
    built once per test process and day (migrating and seeding cost about half a second).
    An app opened on it with ``demo=True`` migrates and seeds it as it would any database
    (the seeding keeps the patients and sets the logins' passwords afresh)."""
    import shutil
    import tempfile

    from spinecare.app import create_app
    from spinecare.settings import Settings

    today = date.today()
    if today not in _DEMO_DATABASE:
        built = Path(tempfile.mkdtemp(prefix="spinecare-demo-")) / "app.sqlite"
        app = create_app(Settings(environment="test", db_url=f"sqlite:///{built}", demo=True))
        app.state.db.dispose()
        _DEMO_DATABASE[today] = built
    shutil.copyfile(_DEMO_DATABASE[today], folder / "app.sqlite")
    return f"sqlite:///{folder / 'app.sqlite'}"


BROWSER = Path(__file__).resolve().parent / "e2e"


def as_patient(text: str, pid: str) -> str:
    """A fixture Bundle's text with its patient p1 named ``pid``: its id and every reference
    to it (``Patient/p1``, a full URL, a version), so that many fixtures share one export
    or one database."""
    return (
        text.replace('Patient/p1"', f'Patient/{pid}"')
        .replace("Patient/p1/", f"Patient/{pid}/")
        .replace('"id": "p1"', f'"id": "{pid}"')
    )


LONGEST_FIRST = (
    "bulk/test_spark.py",
    "e2e/test_e2e_crawl.py",
    "web/test_web_ehr_records.py",
    "bulk/test_synthea.py",
    "api/test_smart_launch.py",
    "bulk/test_property.py",
)
"""The test files that take longest (``pytest --durations``), run first: ``make test``
hands each test process a whole file at a time, in this order (``--dist loadfile
--no-loadscope-reorder``), and a long file handed out last would leave one process
working alone at the end."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests (tests/e2e, Chromium through Playwright) are marked ``browser``,
    so ``make check`` can leave them to ``make test``; the longest files come first
    (:data:`LONGEST_FIRST`), each file's tests in their order."""
    for item in items:
        if BROWSER in item.path.parents:
            item.add_marker(pytest.mark.browser)
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}

    def first(item: pytest.Item) -> int:
        return rank.get("/".join(item.path.parts[-2:]), len(rank))

    items.sort(key=first)  # stable: the rest keep their order


@pytest.fixture(scope="session")
def kb():
    from spinecare.kb import load_kb

    return load_kb()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not DATA.is_dir():  # the data is part of CI's checkout; missing data is a failure
        pytest.fail(f"third-party test data not found at {DATA}")
    return DATA


OUTPUT = ROOT / "test-output"


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Print the reports that tests wrote to test-output/ (for instance Synthea verdicts)."""
    for report in sorted(OUTPUT.glob("*.report.txt")) if OUTPUT.is_dir() else []:
        terminalreporter.write_sep("-", report.stem.removesuffix(".report"))
        terminalreporter.write_line(report.read_text(encoding="utf-8").rstrip())


def free_port() -> int:
    """A loopback port nothing listens on."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served_app(app: Any, port: int | None = None, **options: Any) -> Iterator[tuple[str, int]]:
    """``app`` served by uvicorn on loopback in a thread (on ``port``, else a free one;
    with uvicorn's ``options``): its address while inside."""
    import threading
    import time

    import uvicorn

    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the app server did not start")
        time.sleep(0.05)
    try:
        yield ("127.0.0.1", port)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
