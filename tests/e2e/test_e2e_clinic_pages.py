"""The clinic pages at phone width (360 px) and desktop width, in English and Russian: no
horizontal scrolling; on the phone, where a list table is one card of lines per row, each
value shows its heading before it ("Requested: 5 Dec 2026"). Screenshots go to
``test-output/e2e/``. Without /usr/bin/chromium the test skips, or fails when CI=true."""

from __future__ import annotations

import pytest

from tests.e2e.test_e2e_browser import (  # noqa: F401  (fixtures)
    OUT,
    _login,
    browser_page,
    server,
)
from tests.web.pagescan import unlabelled_cells

CELL_LABELS = """() => Array.from(document.querySelectorAll('table.list td[data-label]'))
  .filter(td => td.textContent.trim() && td.getClientRects().length)
  .map(td => [td.dataset.label, getComputedStyle(td, '::before').content])"""
"""Each labelled cell's heading and what the phone writes before its value."""


def _overflow(page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_clinic_pages_fit_a_phone(server: str, browser_page, lang: str) -> None:  # noqa: F811
    page = browser_page
    base = server
    _login(page, base, "admin")
    page.wait_for_url("**/patients")
    page.request.post(
        f"{base}/language",
        form={
            "language": lang,
            "next": "/patients",
            "csrf_token": page.locator("input[name=csrf_token]").first.get_attribute("value") or "",
        },
    )
    patients = page.request.get(f"{base}/patients.json").json()["patients"]
    by_ext = {p["external_id"]: p["id"] for p in patients}
    kuz, turner = by_ext["demo-kuznetsova"], by_ext["demo-turner"]
    intakes = page.request.get(f"{base}/patients/{kuz}.json").json()["intakes"]
    users = page.request.get(f"{base}/users.json").json()["users"]
    paths = [
        "/patients?q=кузнец",
        f"/patients/{kuz}",
        f"/patients/{kuz}/edit",
        f"/patients/{kuz}/intakes/{intakes[0]['id']}",
        f"/patients/{turner}/referral",
        "/users",
        f"/users/{users[0]['id']}",
        "/password",
        "/audit",
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    problems = []
    for width, height in ((360, 740), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        for path in paths:
            response = page.goto(base + path)
            page.wait_for_load_state()
            assert response is not None and response.status == 200, path
            if _overflow(page) > 1:
                problems.append(f"{path} at {width}px: {_overflow(page)}px too wide")
            if width == 360:
                problems += [f"{path}: {p}" for p in unlabelled_cells(page.content())]
                for label, before in page.evaluate(CELL_LABELS):
                    if label not in before:
                        problems.append(f"{path}: a cell shows no {label!r} on a phone")
                name = path.strip("/").replace("/", "-").split("?")[0] or "home"
                page.screenshot(path=str(OUT / f"30-{lang}-{name}.png"), full_page=True)
    assert not problems, problems


PHONE_LINES = """() => Array.from(document.querySelectorAll('a[href^="tel:"]'))
  .map(a => [a.textContent, a.getClientRects().length])"""
"""Each phone number's link and the lines it is written on."""


def test_a_phone_number_stays_on_one_line_on_a_small_phone(server: str, browser_page) -> None:  # noqa: F811
    """A patient's and an emergency contact's numbers are read out and dialled whole: on a
    320 px phone, beside a long name, "+7 (912) 345-67-89" was cut after "(912)"."""
    page = browser_page
    base = server
    _login(page, base, "therapist")
    page.wait_for_url("**/patients")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    created = page.request.post(
        f"{base}/patients",
        headers={"accept": "application/json"},
        form={
            "csrf_token": token,
            "name": "Александра-Виктория Константинопольская-Рождественская",
            "phone": "+7 (912) 345-67-89",
            "emergency_name": "Константин Константинопольский-Рождественский (брат)",
            "emergency_phone": "+7 (912) 345-67-89",
        },
    )
    assert created.status in (200, 201), created.text()
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(f"{base}/patients/{created.json()['id']}")
    numbers = page.evaluate(PHONE_LINES)
    assert len(numbers) == 2
    assert all(lines == 1 for _, lines in numbers), numbers
    assert _overflow(page) <= 1
