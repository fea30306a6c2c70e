"""End to end in a real browser: Python Playwright driving Debian's Chromium.

A therapist signs in, creates a patient, fills the intake, sees the verdict and requests
clearance; the physician clears; the verdict changes. Screenshots of the main pages go
to ``test-output/e2e/`` (ignored by git). Without /usr/bin/chromium the test skips, or
fails when CI=true.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import served_app

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUT = Path(__file__).resolve().parents[2] / "test-output" / "e2e"
PASSWORDS = {
    "admin": "admin-pass-1",
    "therapist": "therapist-pass-1",
    "physician": "physician-pass-1",
    "patient": "patient-pass-1",
}


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """The clinic app with its demo patients on a SQLite file in ``folder``: its address."""
    from spinecare.app import create_app
    from spinecare.settings import Settings

    settings = Settings.from_env(
        environment="test",
        demo=True,
        secret_key="e2e-secret",
        db_url=f"sqlite:///{folder / 'e2e.sqlite'}",
    )
    app = create_app(settings, seed_passwords=PASSWORDS)
    with served_app(app) as (host, port):
        yield f"http://{host}:{port}"
    app.state.db.dispose()


@contextmanager
def browsing() -> Iterator[object]:
    """A page of a headless Chromium (skipped without one, failed when CI=true)."""
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} not found (apt-get install -y chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            browser.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with serving(tmp_path) as base:
        yield base


@pytest.fixture
def browser_page() -> Iterator[object]:
    with browsing() as page:
        yield page


def _shot(page, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username])
    page.click("button:has-text('Sign in')")


def _logout(page) -> None:
    page.click("button:has-text('Sign out')")
    page.wait_for_url("**/login?signed_out=1")


def test_therapist_intake_clearance_physician_clears(server: str, browser_page) -> None:
    page = browser_page
    base = server
    _login(page, base, "therapist")
    page.wait_for_url("**/patients")
    _shot(page, "01-patient-list")

    page.click("header nav >> text=New patient")
    page.fill("input[name=name]", "Elena Browser")
    page.fill("input[name=birth_date]", "1985-04-12")
    page.click("button:has-text('Save')")
    page.wait_for_url("**/patients/*")
    assert page.locator("h1").inner_text() == "Elena Browser"

    page.click("text=New intake")
    page.fill("input[name=systolic]", "128")
    page.fill("input[name=diastolic]", "82")
    page.fill("input[name=temperature]", "36.6")
    page.fill("input[name=pain]", "2")
    page.check("input[name=q_fever_today][value=no]")
    page.check("input[name=q_saddle_anaesthesia][value=no]")
    page.select_option("select[name=q_herniation_phase]", "recovery")
    page.select_option("select[name=cond_concept_0]", "disc_herniation")
    page.select_option("select[name=cond_zone_0]", "collar_zone")
    _shot(page, "02-intake-form")
    page.click("button:has-text('Save intake and screen')")
    page.wait_for_url("**/screening")
    banner = page.locator(".banner")
    assert banner.get_attribute("data-verdict") == "needs_clearance"
    assert (
        page.locator("svg.body rect[data-zone=collar_zone]").get_attribute("data-state") == "treat"
    )
    _shot(page, "03-screening-needs-clearance")

    page.click("button:has-text('Send clearance request')")
    page.wait_for_url("**/screening")
    assert page.locator(".req-status").first.inner_text() == "open"
    screening_url = page.url
    _logout(page)

    _login(page, base, "physician")
    page.wait_for_url("**/clearances")
    _shot(page, "04-physician-queue")
    page.click("text=Review and decide")
    page.check("input[name=decision][value=cleared]")
    page.fill("textarea[name=note]", "Recovery phase, weak pain: massage cleared.")
    _shot(page, "05-clearance-decision")
    page.click("button:has-text('Save decision')")
    page.wait_for_url("**/clearances/*")
    assert page.locator(".req-status").first.inner_text() == "cleared"
    _logout(page)

    _login(page, base, "therapist")
    page.goto(screening_url)
    verdict = page.locator(".banner").get_attribute("data-verdict")
    assert verdict in {"allowed", "allowed_with_precautions"}
    assert "cleared by Иван Петров" in page.locator("main").inner_text()
    _shot(page, "06-screening-after-clearance")
