"""SMART App Launch in a real browser (Python Playwright driving Debian's Chromium), with
real servers under uvicorn: a local EHR built with Authlib's server components (its
authorisation server, JWK Set and a FHIR server over Synthea patients, at
``http://localhost:PORT``) and spinecare (at ``http://127.0.0.1:PORT``: another site).

- EHR launch and standalone launch (the EHR's patient picker): the browser follows the
  authorisation round trip and lands on the patient's screening page with the CLI's
  verdict, signed in as the clinic account the EHR user is mapped to;
- the framed case: the EHR's chart page shows spinecare in a frame, launched for its
  patient; the screening page opens inside the frame, and another origin cannot frame it.

Without /usr/bin/chromium the tests skip, or fail when CI=true."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import cli_verdict
from tests.conftest import DATA, free_port, served_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from fhir_search import load_patient
from smart_ehr import CLIENT_ID, EHR, PRACTITIONER, origin

from tests.e2e.test_e2e_browser import ARGS, CHROMIUM

SYNTHEA = DATA / "synthea" / "r4-bundles-2019"
CHART = "Adolfo_Marquardt_50635536-8051-4085-bfd4-511a05062ac2.json.gz"
PICKED = "Adalberto_Hartmann_44ec4447-9e2c-4eb9-bd4f-0bdb416b806e.json.gz"


def _chromium() -> None:
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} not found (apt-get install -y chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


def _cli_verdict(name: str) -> str:
    """What ``spinecare screen FILE --as-of TODAY --format json`` says."""
    return cli_verdict(SYNTHEA / name, date.today().isoformat())


@pytest.fixture(scope="module")
def patients() -> dict[str, tuple[str, list[dict[str, Any]]]]:
    return {name: load_patient(SYNTHEA / name) for name in (CHART, PICKED)}


@pytest.fixture
def ehr(patients: dict[str, tuple[str, list[dict[str, Any]]]]) -> Iterator[EHR]:
    server = EHR(dict(patients.values()), host="localhost")
    server.start()
    yield server
    server.close()


@pytest.fixture
def server(tmp_path: Path, ehr: EHR) -> Iterator[str]:
    from spinecare.app import create_app
    from spinecare.settings import Settings

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    ehr.redirect_uri = f"{base}/launch/callback"
    ehrs = tmp_path / "smart-ehrs.json"
    ehrs.write_text(
        json.dumps(
            {
                "ehrs": [
                    {
                        "iss": ehr.iss,
                        "client_id": CLIENT_ID,
                        "clinic": "Demo clinic",
                        "users": {PRACTITIONER: "therapist"},
                        "frame_origins": [origin(ehr.url)],
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
    with served_app(app, port):
        yield base
    app.state.db.dispose()


@pytest.fixture
def page() -> Iterator[Any]:
    _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(20_000)
        try:
            yield page
        finally:
            browser.close()


def _family(resources: list[dict[str, Any]]) -> str:
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    return str(patient["name"][0]["family"])


def test_ehr_launch_in_a_browser(server: str, ehr: EHR, page: Any, patients: Any) -> None:
    pid, resources = patients[CHART]
    expected = _cli_verdict(CHART)
    page.goto(f"{server}/launch?iss={ehr.iss}&launch={ehr.new_launch(pid)}")
    page.wait_for_url("**/patients/*/screening")
    assert page.locator("[data-verdict]").first.get_attribute("data-verdict") == expected
    # the patient in the EHR's context, read from its FHIR server with the token
    assert _family(resources) in page.locator("h1").inner_text()
    assert {p for p, _ in ehr.fhir_reads} == {pid}
    # signed in as the clinic account the EHR user (fhirUser) is mapped to
    assert "Анна Смирнова" in page.content()
    page.goto(f"{server}/patients")
    assert "/login" not in page.url
    assert ehr.authorize_requests[0]["code_challenge_method"] == "S256"


def test_standalone_launch_in_a_browser(server: str, ehr: EHR, page: Any, patients: Any) -> None:
    pid, resources = patients[PICKED]
    expected = _cli_verdict(PICKED)
    page.goto(f"{server}/launch?iss={ehr.iss}")
    # the EHR asks which patient (launch/patient): pick one
    page.get_by_role("button", name=_family(resources)).click()
    page.wait_for_url("**/patients/*/screening")
    assert page.locator("[data-verdict]").first.get_attribute("data-verdict") == expected
    assert _family(resources) in page.locator("h1").inner_text()
    assert {p for p, _ in ehr.fhir_reads} == {pid}
    assert "launch/patient" in ehr.authorize_requests[0]["scope"].split()


def test_the_ehr_frames_the_launch(server: str, ehr: EHR, page: Any, patients: Any) -> None:
    pid, resources = patients[CHART]
    expected = _cli_verdict(CHART)
    page.goto(f"{ehr.url}/chart/{pid}?app={server}/launch")
    frame = page.frame_locator("#app")
    banner = frame.locator("[data-verdict]").first
    banner.wait_for()
    assert banner.get_attribute("data-verdict") == expected
    assert _family(resources) in frame.locator("h1").inner_text()
    app_frame = next(f for f in page.frames if f.url.startswith(server))
    assert "/screening" in app_frame.url
    # inside the frame the login holds: another page of the clinic opens without a login
    frame.locator("h1 a").click()
    app_frame.wait_for_url("**/patients/*")
    assert "/login" not in app_frame.url
    assert "Анна Смирнова" in app_frame.content()
    screening = f"{server}/patients/{app_frame.url.rsplit('/', 1)[1]}/screening"

    # the same page framed by another origin of the same site (the login made in the
    # EHR's frame is sent there: cookies are partitioned by top-level site): spinecare's
    # answer names only the EHR's origin, and the browser refuses to show it
    stranger = EHR({}, host="localhost")
    stranger.start()
    try:
        with page.expect_response(screening) as answer:
            page.goto(f"{stranger.url}/frame?src={screening}")
        assert answer.value.status == 200
        policy = answer.value.headers["content-security-policy"]
        assert f"frame-ancestors {origin(ehr.url)}" in policy
        assert origin(stranger.url) not in policy
        page.wait_for_load_state("load")
        child = next(f for f in page.frames if f is not page.main_frame)
        assert child.locator("[data-verdict]").count() == 0
        assert not child.url.startswith(server)
    finally:
        stranger.close()
