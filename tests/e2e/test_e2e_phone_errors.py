"""Forms in their error state and the error pages, on a phone (360 px), in English and
Russian: each says what is wrong in the reader's words (``tests/web/pagescan.py``'s
checks on the visible text) and the page does not scroll sideways. The Print button of
the screening, course and progress pages is shown (its script loads). Screenshots go to
``test-output/e2e/errors/``. Without /usr/bin/chromium the test skips, or fails when
CI=true."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_e2e_browser import (  # noqa: F401  (fixtures)
    OUT,
    _login,
    browser_page,
    server,
)
from tests.e2e.test_e2e_crawl import PHONE, VISIBLE_TEXT, _logout, _overflow, _set_language
from tests.web.pagescan import text_problems

SHOTS = OUT / "errors"

LONG_WORD = "tenminutesthenfifteenminutesthentwentyminutesbeforebed"
"""A value with no space to wrap at, refused and quoted back beside its field."""

BAD_FORMS = [
    ("/patients/new", "form.grid", {"name": "", "birth_date": "31.02.1980"}),
    ("/patients/{kuz}/intake", "form.intake", {"systolic": "80", "diastolic": "120", "pain": "11"}),
    ("/patients/{kuz}/intake", "form.intake", {"temperature": LONG_WORD}),
    ("/patients/{sok}/course/new", "form.course", {"sessions": "abc"}),
    ("/users", "form.grid", {"username": "bad name!", "password": "short"}),
    ("/password", "form.grid", {"current": "wrong-password", "new": "x", "repeat": "y"}),
]
"""A page, its form and values it refuses."""

ERROR_PAGES = ["/patients/999999", "/patients/abc", "/no-such-page", "/courses/999999/progress"]


def _problems(page, where: str, lang: str) -> list[str]:
    found = text_problems(page.evaluate(VISIBLE_TEXT, lang), lang)
    found += text_problems([page.title()], None)
    if (extra := _overflow(page)) > 1:
        found.append(f"{extra}px wider than the 360px screen")
    name = f"{lang}-{re.sub(r'[^a-z0-9]+', '-', where.lower()).strip('-')}"
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    return [f"[{lang}] {where}: {p}" for p in found]


def _start_course(page, base: str, patient: int) -> None:
    page.goto(f"{base}/patients/{patient}/course/new")
    with page.expect_navigation():
        page.locator("form.course button[type=submit]").click()
    assert "/courses/" in page.url


def _diary_refused(page, base: str, lang: str) -> list[str]:
    """What the patient typed is quoted back beside the field: a long word wraps there."""
    page.goto(f"{base}/me/home")
    page.locator("form.diary").evaluate("f => f.noValidate = true")
    page.fill("form.diary input[name=minutes]", LONG_WORD)
    with page.expect_navigation():
        page.locator("form.diary button[type=submit]").click()
    assert page.locator("form.diary .field-error").first.is_visible()
    return _problems(page, "/me/home (diary refused)", lang)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_form_errors_and_error_pages_fit_a_phone_in_the_readers_language(
    server: str,  # noqa: F811
    browser_page,  # noqa: F811
    lang: str,
) -> None:
    page = browser_page
    base = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(PHONE)
    problems: list[str] = []

    page.goto(f"{base}/login")
    page.context.add_cookies([{"name": "spinecare_lang", "value": lang, "url": base}])
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "therapist")
    page.fill("input[name=password]", "wrong-password")
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("[role=alert]").first.is_visible()
    problems += _problems(page, "/login (wrong password)", lang)

    page.context.clear_cookies()  # the sign-in page in English, as _login expects it
    _login(page, base, "admin")
    page.wait_for_url("**/patients")
    _set_language(page, base, lang)
    find = page.request.get
    ids = {p["external_id"]: p["id"] for p in find(f"{base}/patients.json").json()["patients"]}
    kuz, sok = ids["demo-kuznetsova"], ids["demo-sokolova"]

    for path, form, values in BAD_FORMS:
        path = path.format(kuz=kuz, sok=sok)
        page.goto(base + path)
        # the server's checks, not the browser's
        page.locator(form).evaluate("f => f.noValidate = true")
        for name, value in values.items():
            page.fill(f"{form} [name={name}]", value)
        with page.expect_navigation():
            page.locator(f"{form} button[type=submit]").last.click()
        errors = page.locator(".field-error, [role=alert]")
        assert errors.count() > 0 and errors.first.is_visible(), path
        problems += _problems(page, f"{path} (refused)", lang)

    for path in ERROR_PAGES:
        response = page.goto(base + path)
        assert response is not None and response.status in (404, 422), path
        problems += _problems(page, path, lang)

    for path in (f"/patients/{kuz}/screening", f"/patients/{sok}/screening"):
        page.goto(base + path)
        assert page.locator("[data-print]").first.is_visible(), f"{path}: no Print button"

    _start_course(page, base, sok)  # the demo patient's own record: the patient's diary
    _logout(page)
    page.context.clear_cookies()
    _login(page, base, "patient")
    page.wait_for_load_state()
    _set_language(page, base, lang)  # the demo patient reads Russian
    for path in ("/audit", f"/patients/{kuz}"):
        response = page.goto(base + path)
        assert response is not None and response.status in (403, 404), path
        problems += _problems(page, f"{path} (patient)", lang)
    problems += _diary_refused(page, base, lang)

    assert not problems, "\n".join(dict.fromkeys(problems))
