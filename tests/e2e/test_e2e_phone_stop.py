"""On a 360 px wide phone, the patient who answers a red-flag question in the diary sees
"stop and call your doctor" first, without scrolling; the patient's pages fit the width.

Screenshots go to ``test-output/e2e/``. Without /usr/bin/chromium the test skips, or fails
when CI=true.
"""

from __future__ import annotations

from datetime import date

from tests.e2e.test_e2e_browser import (  # noqa: F401  (fixtures)
    _login,
    _logout,
    _shot,
    browser_page,
    server,
)

PHONE = {"width": 360, "height": 640}


def _patient_with_a_course(page, base: str, size: dict[str, int] | None = None) -> int:
    """The therapist starts Sokolova's course; she signs in (on a screen of ``size``) and
    is on her home page. Her patient id."""
    _login(page, base, "therapist")
    page.wait_for_url("**/patients")
    pid = page.request.get(f"{base}/patients.json?q=sokolova").json()["patients"][0]["id"]
    page.goto(f"{base}/patients/{pid}/course/new")
    page.click("button:has-text('Start the course')")
    page.wait_for_url("**/courses/*")
    _logout(page)
    if size is not None:
        page.set_viewport_size(size)
    _login(page, base, "patient")
    page.wait_for_url("**/home")
    return int(pid)


def _fits_width(page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_red_flag_in_the_diary_shows_stop_first_on_a_phone(server: str, browser_page) -> None:  # noqa: F811
    page = browser_page
    base = server
    pid = _patient_with_a_course(page, base, PHONE)
    assert _fits_width(page)
    page.fill("form.diary input[name=day]", date.today().isoformat())
    page.fill("form.diary input[name=pain]", "3")
    page.locator("form.diary input[name=symptoms]").first.check()
    page.locator("form.diary button[type=submit]").click()
    page.wait_for_url("**saved=stop*")
    stop = page.locator("#stop")
    assert stop.is_visible()
    box = stop.bounding_box()
    assert box is not None
    # entirely on the first screen, without scrolling
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
    assert _fits_width(page)
    page.screenshot(path=str(_out() / "20-phone-diary-stop.png"))

    page.goto(f"{base}/patients/{pid}/screening")
    assert _fits_width(page)
    _shot(page, "21-phone-my-screening")


def _out():
    from tests.e2e.test_e2e_browser import OUT

    OUT.mkdir(parents=True, exist_ok=True)
    return OUT


def test_audit_log_in_the_browser_time_zone_on_a_phone(server: str, browser_page) -> None:  # noqa: F811
    page = browser_page
    base = server
    page.set_viewport_size(PHONE)
    _login(page, base, "admin")
    page.wait_for_load_state()
    page.goto(f"{base}/audit")
    page.wait_for_url("**/audit?tz=*")  # reloaded once with the browser's zone
    zone = page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    assert f"({zone})" in page.locator("table.audit th").first.inner_text()
    href = page.locator("a[data-tz-link]").get_attribute("href") or ""
    assert "tz=" in href
    assert _fits_width(page)
    _shot(page, "22-phone-audit-log")


def test_the_home_program_prints_across_the_paper_without_the_diary_form(
    server: str,  # noqa: F811
    browser_page,  # noqa: F811
) -> None:
    """On paper the home page's routine fills the width of the page (on a screen it is a
    phone's column) and today's diary, a form, is left out with its heading."""
    page = browser_page
    base = server
    _patient_with_a_course(page, base)
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.emulate_media(media="print")
    routine = page.locator(".routine").first.bounding_box()
    assert routine is not None and routine["width"] > 600, routine
    assert not page.locator("#diary").is_visible()
    assert page.locator(".stop-rules").is_visible()
    page.pdf(path=str(_out() / "23-home-program-printed.pdf"))


OFFLINE = {
    "en": "Saved on this phone; it will be sent when you are online.",
    "ru": "Сохранено на телефоне; запись отправится, когда появится интернет.",
}


def test_a_diary_entry_kept_offline_is_said_so_in_the_patients_language(
    server: str,  # noqa: F811
    browser_page,  # noqa: F811
) -> None:
    """Sent with no network, the entry stays on the phone and the page says so in its own
    language (the note was English on a Russian page)."""
    page = browser_page
    base = server
    _patient_with_a_course(page, base, PHONE)
    for lang, said in OFFLINE.items():
        token = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
        page.request.post(f"{base}/language", form={"language": lang, "csrf_token": token})
        page.reload()
        page.context.set_offline(True)
        page.fill("form.diary input[name=day]", date.today().isoformat())
        page.fill("form.diary input[name=pain]", "2")
        page.locator("form.diary button[type=submit]").click()
        note = page.locator("#diary p.saved[role=status]").last
        assert note.inner_text() == said
        assert _fits_width(page)
        page.context.set_offline(False)


SHOWN_BUTTONS = """() => Array.from(document.querySelectorAll('button[type=button], .timer'))
  .filter(e => e.getClientRects().length).map(e => e.textContent.trim())"""
"""The buttons a script works (print, the timer's) that the page shows."""


def test_buttons_that_need_a_script_are_shown_only_with_it(server: str, browser_page) -> None:  # noqa: F811
    """Without JavaScript (switched off, or a script blocked) the timer's "Start" and the
    "Print" buttons did nothing when pressed: they are shown only where they work."""
    page = browser_page
    base = server
    _patient_with_a_course(page, base, PHONE)
    home = page.url
    progress = home.removesuffix("/home") + "/progress"
    assert page.locator(".timer").is_visible()
    page.goto(progress)
    assert page.locator("button[data-print]").is_visible()
    assert page.context.browser is not None
    plain = page.context.browser.new_context(java_script_enabled=False, viewport=PHONE)
    try:
        plain.add_cookies(page.context.cookies())
        bare = plain.new_page()
        for path in (home, progress):
            bare.goto(path)
            assert bare.url == path
            assert bare.evaluate(SHOWN_BUTTONS) == [], path
    finally:
        plain.close()
