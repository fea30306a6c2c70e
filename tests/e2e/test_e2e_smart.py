"""SMART App Launch in a real browser (Python Playwright driving Debian's Chromium): the
EHR launches spinecare, the browser follows the authorisation round trip and lands on
the patient's screening page with the CLI's verdict. Without /usr/bin/chromium the test
skips, or fails when CI=true."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import DATA

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from fhir_search import load_patient
from smart_ehr import CLIENT_ID, PRACTITIONER, StubEHR

from tests.e2e.test_e2e_browser import ARGS, CHROMIUM, _free_port

PATIENT = "Adolfo_Marquardt_50635536-8051-4085-bfd4-511a05062ac2.json.gz"


@pytest.fixture
def ehr() -> Iterator[StubEHR]:
    pid, resources = load_patient(DATA / "synthea" / "r4-bundles-2019" / PATIENT)
    stub = StubEHR(pid, resources)
    yield stub
    stub.close()


@pytest.fixture
def server(tmp_path: Path, ehr: StubEHR) -> Iterator[str]:
    import uvicorn

    from spinecare.app import create_app
    from spinecare.settings import Settings

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    ehrs = tmp_path / "smart-ehrs.json"
    ehrs.write_text(
        json.dumps(
            {
                "ehrs": [
                    {
                        "iss": f"{ehr.url}/fhir",
                        "client_id": CLIENT_ID,
                        "clinic": "Demo clinic",
                        "users": {PRACTITIONER: "therapist"},
                    }
                ]
            }
        )
    )
    settings = Settings(
        environment="test",
        demo=True,
        secret_key="e2e-secret",
        db_url=f"sqlite:///{tmp_path / 'e2e.sqlite'}",
        base_url=base,
        smart_ehrs=str(ehrs),
    )
    app = create_app(settings)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the app server did not start")
        time.sleep(0.05)
    yield base
    srv.should_exit = True
    thread.join(timeout=10)
    app.state.db.dispose()


def test_ehr_launch_in_a_browser(server: str, ehr: StubEHR) -> None:
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} not found (apt-get install -y chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    today = date.today().isoformat()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "spinecare",
            "screen",
            str(DATA / "synthea" / "r4-bundles-2019" / PATIENT),
            "--as-of",
            today,
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    expected = json.loads(proc.stdout)["verdict"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        try:
            page.goto(f"{server}/launch?iss={ehr.url}/fhir&launch=ctx-1")
            page.wait_for_url("**/patients/*/screening")
            assert page.locator(".banner").get_attribute("data-verdict") == expected
            # signed in as the mapped account: the clinic's pages open without a login
            page.goto(f"{server}/patients")
            assert "/login" not in page.url
        finally:
            browser.close()
    assert ehr.authorize_requests[0]["launch"] == "ctx-1"
