"""Every page, as every role, in English and in Russian, in a real browser.

A therapist first starts a course, runs a session and asks a physician to clear a
finding, so that the course, progress, home program and clearance pages exist. Then each
role's pages are crawled from the start page by following the links (GET only). Each page
fails the test on:

- text a user should never see: the project's own vocabulary, file paths, raw ids
  (``needs_clearance``, ``collar_zone``), UCUM unit codes (``mm[Hg]``, ``Cel``,
  ``{score}``), machine times, ``True``/``False`` (``tests/web/pagescan.py``);
- in Russian, English words in the visible text (names and citations in English are
  marked ``lang="en"`` or ``translate="no"`` and left out); in English, Russian words;
- horizontal scrolling at 360 px, 390 px or 1280 px; a list table's cell that a phone
  would show without its heading (``data-label``);
- on both phone widths, on the first page of each route, a control a finger cannot hit
  (under 40 px either way) and a field's hint that the field cuts off;
- serious or critical axe-core violations;
- a link, button or field that the Tab key never reaches (in English: the templates
  and their order are the same in Russian).

Screenshots of the main pages, in both languages and at both widths, go to
``test-output/e2e/crawl/``. Without /usr/bin/chromium the test skips, or fails when CI=true.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections import deque
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tests.conftest import DATA, FIXTURES
from tests.e2e.test_e2e_browser import OUT, _login, browsing, serving
from tests.e2e.test_e2e_course import _session
from tests.web.pagescan import text_problems, unlabelled_cells

SHOTS = OUT / "crawl"
PHONE = {"width": 360, "height": 740}
PHONES = (PHONE, {"width": 390, "height": 844})
"""A small phone and a common one: each page fits both, and a finger can use it."""
DESKTOP = {"width": 1280, "height": 900}
TAP = 40
"""The least width and height, in CSS pixels, of a control a finger must hit on a phone."""
PER_PATTERN = {"therapist": 4}
"""Pages crawled per route (``/patients/N/screening``...) as the therapist: each imported
record's (``RECORDS``, crawled first) and a demo patient's. The words of every demo
patient's pages are read without a browser (tests/web/test_web_i18n_pages.py)."""
PER_PATTERN_OTHERS = 2
"""... as any other role: the same patients' pages under another header and other
controls, whose words the therapist's crawl has read page by page already."""

SKIP = re.compile(r"(\.json|\.pdf|\.ics|\.csv)(\?|$)|^/(logout|static/|docs|openapi|launch)")
MAIN = {
    "/patients",
    "/patients/N",
    "/patients/N/screening",
    "/patients/N/course/new",
    "/patients/N/referral",
    "/courses/N",
    "/courses/N/progress",
    "/me/home",
    "/clearances/N",
    "/audit",
}
"""Routes whose pages are photographed (the first of each)."""
RECORDS = {
    DATA
    / "synthea/r4-bundles-2019/Barrett_Douglas_d21c38f7-9fc7-4729-b414-3e0fe5ce3d8b.json.gz": None,
    FIXTURES / "ehr/local_lab_platelets_russian_low.json": ("Ольга", "Смирнова", "ehr-1"),
    FIXTURES / "ehr/mkb10_cyrillic_letter_herniation.json": ("Пётр", "Алексеев", "ehr-2"),
}
"""Real records the therapist imports before the crawl, beside the demo patients: a
Synthea patient (years of visits, drugs and readings in English) and two EHR records
with their own words in Russian (a reading set aside, a diagnosis coded in ICD-10), each
given its own patient (the EHR fixtures share one test patient)."""

VISIBLE_TEXT = """(lang) => {
  const out = [];
  const skip = (el) => {
    if (el.closest('script, style, noscript, template, [translate="no"]')) return true;
    const near = el.closest('[lang]');  // the nearest language wins
    return !!near && near !== document.documentElement && !near.lang.startsWith(lang);
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || skip(el) || !n.textContent.trim()) continue;
    out.push(n.textContent.trim());
  }
  // a number the page wrote into a field, quoted as what the reader typed is
  const numeric = 'input[type=number], input[inputmode=decimal], input[inputmode=numeric]';
  for (const el of document.querySelectorAll(numeric)) {
    if (!skip(el) && el.value) out.push('«' + el.value + '»');
  }
  for (const el of document.querySelectorAll('[placeholder], [aria-label], [title], img[alt]')) {
    if (skip(el)) continue;
    for (const a of ['placeholder', 'aria-label', 'title', 'alt']) {
      const v = el.getAttribute(a);
      if (v) out.push(v);
    }
  }
  return out;
}"""

KEY = """(el) => el.type === 'radio' ? 'radio group ' + el.name : el.outerHTML.slice(0, 120)"""
"""Radio buttons are one Tab stop per group (the arrow keys move within it)."""

FOCUSABLE = f"""() => {{ const folded = (el) => {{
  // in a closed <details>, not its summary: a keyboard user opens it first
  const outer = (d) => d.parentElement && d.parentElement.closest('details');
  for (let d = el.closest('details'); d; d = outer(d)) {{
    const summary = d.querySelector(':scope > summary');
    if (!d.open && !(summary && summary.contains(el))) return true;
  }}
  return false;
}};
return Array.from(document.querySelectorAll(
  'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), ' +
  'select:not([disabled]), textarea:not([disabled]), summary'
)).filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden'
  && !folded(el))
  .map({KEY}); }}"""


CONTROLS = (
    "button:not([disabled]), input:not([type=hidden]):not([disabled]), "
    "select:not([disabled]), textarea:not([disabled]), summary, a.button, header nav a, "
    "header .who, nav.tabs a, nav.pager a, table.list td > a"
)
"""What a finger hits on a phone: the form controls, the header's and the tabs' links, and
the links of a list's rows (a link inside a sentence is hit as text is read, and is left
out, as WCAG 2.2 leaves it out)."""

FINGER = f"""() => {{
  const out = [];
  const shown = (el) => el.getClientRects().length > 0
    && getComputedStyle(el).visibility !== 'hidden' && !el.closest('.print-only');
  const words = (el) => (el.innerText || el.value || el.getAttribute('aria-label')
    || el.name || el.placeholder || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
  const targets = new Set();
  for (const el of document.querySelectorAll('{CONTROLS}')) {{
    if (!shown(el)) continue;
    // a box or a round choice is hit by its label, the whole line
    const round = el.matches('input[type=checkbox], input[type=radio]');
    targets.add((round && el.closest('label')) || el);
  }}
  for (const el of targets) {{
    const r = el.getBoundingClientRect();
    if (r.width < {TAP} - 0.5 || r.height < {TAP} - 0.5) {{
      const size = Math.round(r.width) + '×' + Math.round(r.height);
      out.push('too small to tap (' + size + ' px): <' + el.tagName.toLowerCase() + '> '
        + words(el));
    }}
  }}
  // a hint written in a field that the field cannot show whole
  const pen = document.createElement('canvas').getContext('2d');
  for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {{
    if (!shown(el) || el.value) continue;
    const s = getComputedStyle(el);
    pen.font = s.fontStyle + ' ' + s.fontWeight + ' ' + s.fontSize + ' ' + s.fontFamily;
    const room = el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
    if (pen.measureText(el.placeholder).width > room + 1) {{
      out.push('a hint cut off in its field: ' + el.placeholder);
    }}
  }}
  return out;
}}"""
"""What a phone's reader cannot use: a control smaller than a finger, a field's hint (its
``placeholder``) that the field cuts off."""


def _as_patient(record: Path, given: str, family: str, pid: str) -> str:
    """The EHR fixture ``record`` as the record of its own patient: its Patient named and
    numbered anew, every reference to it too."""
    text = record.read_text(encoding="utf-8")
    bundle = json.loads(text.replace('"Patient/p1"', f'"Patient/{pid}"'))
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Patient":
            resource["id"] = pid
            resource["name"] = [{"given": [given], "family": family}]
    return json.dumps(bundle, ensure_ascii=False)


def _pattern(path: str) -> str:
    return re.sub(r"/\d+", "/N", path)


def _logout(page) -> None:
    page.click("form.logout button[type=submit]")
    page.wait_for_url("**/login?signed_out=1")


def _overflow(page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def _unreachable(page) -> list[str]:
    """The visible interactive elements that pressing Tab never focuses."""
    targets = page.evaluate(FOCUSABLE)
    page.evaluate(
        "() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }"
    )
    page.evaluate(
        f"() => {{ window.__reached = new Set(); const key = {KEY};"
        " document.addEventListener('focusin', e => window.__reached.add(key(e.target)), true); }"
    )
    page.locator("body").focus()
    for _ in range(min(len(targets) + 10, 600)):
        page.keyboard.press("Tab")
    reached = set(page.evaluate("() => Array.from(window.__reached)"))
    return [t for t in dict.fromkeys(targets) if t not in reached]


def _axe_problems(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    out = []
    for v in results.response["violations"]:
        if v.get("impact") in ("serious", "critical"):
            nodes = [n["html"][:100] for n in v["nodes"][:3]]
            out.append(f"axe {v['impact']} {v['id']}: {v['help']} {nodes}")
    return out


def _set_language(page, base: str, lang: str) -> None:
    token = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    page.request.post(f"{base}/language", form={"language": lang, "next": "/", "csrf_token": token})


def _prepare(page, base: str) -> list[str]:
    """A course with a session for the demo patient, the real records imported, and an
    open clearance request; the imported records' pages (crawled first)."""
    _login(page, base, "therapist")
    page.wait_for_url("**/patients")
    _set_language(page, base, "en")
    find = page.request.get
    pid = find(f"{base}/patients.json?q=sokolova").json()["patients"][0]["id"]
    page.goto(f"{base}/patients/{pid}/course/new")
    page.fill("input[name=sessions]", "11")  # an adjustment of the plan, shown on the course
    page.click("button:has-text('Start the course')")
    page.wait_for_url("**/courses/*")
    course = page.url
    _session(page, "4", "3")
    page.click("button:has-text('Save the session')")
    page.wait_for_url(course)
    imported = []
    with tempfile.TemporaryDirectory() as folder:
        for record, person in RECORDS.items():
            if not record.is_file():
                pytest.fail(f"test record not found: {record}")
            upload = record
            if person:
                upload = Path(folder) / record.name
                upload.write_text(_as_patient(record, *person), encoding="utf-8")
            page.goto(f"{base}/patients/import")
            page.set_input_files("input[name=file]", str(upload))
            page.click("main form button[type=submit]")
            page.wait_for_url("**/screening")
            screening = urlsplit(page.url).path  # the record's page and its screening
            imported += [screening.removesuffix("/screening"), screening]
    kuz = find(f"{base}/patients.json?q=kuznetsova").json()["patients"][0]["id"]
    page.goto(f"{base}/patients/{kuz}/screening")
    page.click("form.clearance button[type=submit]")
    page.wait_for_load_state()
    _logout(page)

    _login(page, base, "patient")
    page.wait_for_url("**/home")
    page.fill("form.diary input[name=day]", date.today().isoformat())
    page.fill("form.diary input[name=pain]", "3")
    page.fill("form.diary input[name=minutes]", "10")
    page.locator("form.diary button[type=submit]").click()
    page.wait_for_url("**saved=*")
    _logout(page)
    return imported


@pytest.fixture(scope="module")
def first_page() -> Iterator[object]:
    """One Chromium for this module's tests on a test worker (started once): its first
    page prepares the server; each test opens its own page in a new context
    (:func:`browser_page`), with no cookie or storage of another test."""
    with browsing() as page:
        yield page


@pytest.fixture
def browser_page(first_page) -> Iterator[object]:
    """A page of its own in the module's Chromium, as ``browsing`` opens its first."""
    page = first_page.context.browser.new_page(viewport=DESKTOP)
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        page.context.close()


@pytest.fixture(scope="module")
def prepared(
    tmp_path_factory: pytest.TempPathFactory, first_page
) -> Iterator[tuple[str, list[str]]]:
    """One server for this module's tests on a test worker, prepared once (``_prepare``):
    the tests only read its pages (and each sets its reader's language first). The
    server's address and the imported records' pages."""
    with serving(tmp_path_factory.mktemp("crawl")) as base:
        imported = _prepare(first_page, base)
        yield base, imported


def _crawl(page, base: str, role: str, lang: str, first: list[str]) -> list[str]:
    """The problems of the pages ``role`` reaches from the start page, ``first`` (pages
    the role may open) crawled right after it."""
    _login(page, base, role)
    page.wait_for_load_state()
    _set_language(page, base, lang)
    start = urlsplit(page.url).path or "/"
    queue: deque[str] = deque(dict.fromkeys([start, *first]))
    seen: set[str] = set(queue)
    per_pattern: dict[str, int] = {}
    checked_once: set[str] = set()
    problems: list[str] = []
    SHOTS.mkdir(parents=True, exist_ok=True)
    while queue:
        path = queue.popleft()
        pattern = _pattern(urlsplit(path).path)
        if per_pattern.get(pattern, 0) >= PER_PATTERN.get(role, PER_PATTERN_OTHERS):
            continue
        per_pattern[pattern] = per_pattern.get(pattern, 0) + 1
        page.set_viewport_size(DESKTOP)
        response = page.goto(base + path)
        page.wait_for_load_state()
        where = f"[{role} {lang}] {path}"
        if response is None or response.status >= 400:
            problems.append(f"{where}: status {response.status if response else '—'}")
            continue
        if urlsplit(page.url).path == "/login":
            continue
        if page.evaluate("document.documentElement.lang") != lang:
            problems.append(f"{where}: html lang is not {lang}")
        texts = page.evaluate(VISIBLE_TEXT, lang)
        # the title holds the patient's name as written: no check for English words there
        found = text_problems(texts, lang) + text_problems([page.title()], None)
        found += unlabelled_cells(page.content())
        problems += [f"{where}: {p}" for p in found]
        for size in (DESKTOP, *PHONES):
            page.set_viewport_size(size)
            if (extra := _overflow(page)) > 1:
                problems.append(f"{where}: {extra}px wider than the {size['width']}px screen")
            if size in PHONES and pattern not in checked_once:  # a route's controls are
                # laid out alike for every patient: measured on its first page
                found = page.evaluate(FINGER)
                problems += [f"{where} at {size['width']}px: {p}" for p in found]
            if pattern in MAIN and pattern not in checked_once:
                name = f"{role}-{lang}-{size['width']}-{pattern.strip('/').replace('/', '-')}"
                page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        if pattern not in checked_once:
            checked_once.add(pattern)
            problems += [f"{where}: {p}" for p in _axe_problems(page)]
            if lang == "en":  # the order of the Tab key is the templates', in any language
                page.set_viewport_size(DESKTOP)
                problems += [f"{where}: not reachable by Tab: {t}" for t in _unreachable(page)]
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            url = urlsplit(urljoin(page.url, href))
            if url.netloc != urlsplit(base).netloc:
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if SKIP.search(target) or target in seen:
                continue
            seen.add(target)
            queue.append(target)
    _logout(page)
    assert len(per_pattern) > 1, f"{role} {lang}: nothing was crawled"
    return problems


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("role", ["therapist", "physician", "patient", "admin"])
def test_every_page_speaks_clinical_words_fits_and_is_accessible(
    prepared: tuple[str, list[str]],
    browser_page,
    role: str,
    lang: str,
) -> None:
    page = browser_page
    base, imported = prepared
    first = imported if role == "therapist" else []
    problems = list(dict.fromkeys(_crawl(page, base, role, lang, first)))
    (SHOTS / f"{role}-{lang}.problems.txt").write_text(
        "".join(f"{p}\n" for p in problems), encoding="utf-8"
    )
    assert not problems, "\n".join(dict.fromkeys(problems))


def test_screening_course_progress_and_referral_print_on_paper(
    prepared: tuple[str, list[str]],
    browser_page,
) -> None:
    """With print media the pages drop the header, forms, buttons and footer, and keep
    their content (the course's home program taught, which a form holds on the screen, as
    a list); a PDF of each is written to the test output."""
    page, server = browser_page, prepared[0]
    _login(page, server, "therapist")
    page.wait_for_url("**/patients")
    find = page.request.get
    sokolova = find(f"{server}/patients.json?q=sokolova").json()["patients"][0]["id"]
    turner = find(f"{server}/patients.json?q=turner").json()["patients"][0]["id"]
    course = find(f"{server}/patients/{sokolova}.json").json()["courses"][0]["id"]
    pages = {
        "screening": (f"/patients/{sokolova}/screening", ".banner"),
        "course": (f"/courses/{course}", "dl.facts"),
        "progress": (f"/courses/{course}/progress", ".pain-chart svg"),
        "referral": (f"/patients/{turner}/referral", ".letter"),
    }
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, (path, content) in pages.items():
        page.goto(server + path)
        page.emulate_media(media="print")
        assert page.locator(content).first.is_visible(), name
        for hidden in ("header.top", "footer", "form", "button"):
            for element in page.locator(hidden).all():
                assert not element.is_visible(), f"{name}: {hidden} is printed"
        if name == "course":  # the home program taught, held by a form: listed on paper
            assert page.locator(".print-only ol li").first.is_visible()
            assert not page.locator("#session-day").is_visible()  # a heading of a form
        page.pdf(path=str(SHOTS / f"print-{name}.pdf"))
        page.emulate_media(media="screen")
        if name == "course":  # on the screen, the form instead
            assert not page.locator(".print-only").first.is_visible()
