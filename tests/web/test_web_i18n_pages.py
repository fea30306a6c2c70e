"""The intake, patient form, import, audit, users and clearance-decision pages in Russian:
labels, KB texts and form errors in the user's language, no English label left over."""

from __future__ import annotations

import ast
import re
from collections import Counter
from datetime import date, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import HTML, JSON, PASSWORDS, clearance_request, csrf_of, login
from tests.web.pagescan import text_problems, visible_texts

WEB = Path(__file__).resolve().parents[2] / "spinecare" / "web"


def _russian(world: Any, who: str) -> Any:
    """A client signed in as ``who`` who picked Russian."""
    client = login(world.client(), who, PASSWORDS[who])
    token = csrf_of(client, "/login")
    r = client.post(
        "/language", data={"csrf_token": token, "language": "ru", "next": "/"}, headers=HTML
    )
    assert r.status_code == 200, r.text[:300]
    return client


def _check(text: str, russian: list[str], english: list[str]) -> None:
    assert '<html lang="ru">' in text
    for word in russian:
        assert word in text, word
    for label in english:
        assert label not in text, label


def test_intake_page_in_russian(world: Any) -> None:
    client = _russian(world, "therapist")
    r = client.get(f"/patients/{world.demo_patient}/intake", headers=HTML)
    assert r.status_code == 200
    _check(
        r.text,
        [
            "Анамнез",
            "Давление",
            "Температура тела",
            "Боль сейчас",
            "Принимаемые препараты",
            "Тревожные симптомы",
            "Не спрашивали",
            "Сохранить анамнез",
        ],
        [
            "Health-history intake",
            "Date and vitals",
            "Body temperature",
            "Pain now",
            "Diagnoses (problem list)",
            "Current medication",
            "Name and dose",
            "Not asked",
            "Save intake and screen",
            "Red-flag symptoms",
            "Leave a question unanswered",
        ],
    )


def test_intake_errors_in_russian(world: Any) -> None:
    client = _russian(world, "therapist")
    path = f"/patients/{world.demo_patient}/intake"
    r = client.post(
        path,
        headers=HTML,
        data={
            "csrf_token": csrf_of(client, path),
            "day": (date.today() + timedelta(days=2)).isoformat(),
            "systolic": "80",
            "diastolic": "120",
            "temperature": "98.6",
            "temperature_unit": "Cel",
            "pain": "11",
            "q_fever_today": "maybe",
            "cond_zone_0": "collar_zone",
        },
    )
    assert r.status_code == 422
    _check(
        r.text,
        [
            "Ничего не сохранено",
            "систолическое давление должно быть выше диастолического",
            "98,6 °C вне правдоподобного диапазона 30–45 °C",
            "целое число от 0",
            "да, нет или оставьте без ответа",
            "выберите заболевание",
            "эта дата ещё не наступила",
        ],
        [
            "systolic must be above diastolic",
            "outside the plausible range",
            "a whole number",
            "leave unanswered",
            "choose the condition",
            "this date has not come yet",
        ],
    )
    # the JSON twin keeps the English messages
    r = client.post(
        path,
        headers=JSON,
        data={"csrf_token": csrf_of(client, path), "day": date.today().isoformat(), "pain": "11"},
    )
    assert r.status_code == 422
    # the JSON envelope in the reader's language too
    assert r.json()["error"]["details"][0]["message"].startswith("целое число")


def test_patient_form_pages_in_russian(world: Any) -> None:
    client = _russian(world, "therapist")
    english = [
        "Full name",
        "Date of birth",
        "Patient id (blank",
        ">Save<",
        ">Notes<",
        "New patient",
        "Edit ",
    ]
    r = client.get("/patients/new", headers=HTML)
    assert r.status_code == 200
    _check(r.text, ["Новый пациент", "ФИО", "Дата рождения", "женский", "Сохранить"], english)
    r = client.get(f"/patients/{world.demo_patient}/edit", headers=HTML)
    assert r.status_code == 200
    _check(r.text, ["Изменить:", "ФИО", "Заметки", "Сохранить"], english)
    r = client.post(
        "/patients",
        headers=HTML,
        data={"csrf_token": csrf_of(client, "/patients/new"), "name": "", "birth_date": "x"},
    )
    assert r.status_code == 422
    _check(
        r.text,
        ["Исправьте отмеченные ниже поля", "обязательное поле", "дата в формате ГГГГ-ММ-ДД"],
        ["Please correct", ">required<", "a date in the form"],
    )
    # a birth date before 1900: said beside the field, the form kept (it was an error page
    # of its own, the typed name lost, naming a range to 2200)
    r = client.post(
        "/patients",
        headers=HTML,
        data={
            "csrf_token": csrf_of(client, "/patients/new"),
            "name": "Анна Петрова",
            "birth_date": "1800-01-01",
        },
    )
    assert r.status_code == 422
    _check(r.text, ["Исправьте отмеченные ниже поля", 'value="Анна Петрова"'], ["2200"])


def test_import_page_in_russian(world: Any) -> None:
    client = _russian(world, "therapist")
    r = client.get("/patients/import", headers=HTML)
    assert r.status_code == 200
    english = ["Import a FHIR", "Upload a FHIR", ">File<", ">Import<", "Nothing was stored"]
    _check(r.text, ["Импорт пакета FHIR", "Загрузите пакет", "Файл", "Импортировать"], english)
    r = client.post(
        "/patients/import",
        headers=HTML,
        data={"csrf_token": csrf_of(client, "/patients/import")},
        files={"file": ("empty.json", b"", "application/json")},
    )
    assert r.status_code == 400
    _check(r.text, ["Ничего не сохранено", "выберите для загрузки"], [*english, "choose a FHIR"])
    # a file that cannot be read: the reader's refusal in Russian, the file and key as written
    for name, raw, russian, english_words in (
        (
            "ivanova.yaml",
            b"format: spinecare-intake/1\npatient: {id: x}\ndate: 2026-11-20\n"
            b"vitals:\n  - {temprature: 38}\n",
            "ivanova.yaml: vitals[0]: неизвестный ключ temprature; допустимые:",
            ["unknown key", "allowed:"],
        ),
        (
            "twice.json",
            b'{"resourceType": "Bundle", "resourceType": "Bundle"}',
            "twice.json: неверный JSON: ключ «resourceType» записан дважды в одном объекте",
            ["not valid JSON", "written twice"],
        ),
    ):
        r = client.post(
            "/patients/import",
            headers=HTML,
            data={"csrf_token": csrf_of(client, "/patients/import")},
            files={"file": (name, raw, "application/octet-stream")},
        )
        assert r.status_code == 400
        _check(r.text.replace("&#34;", '"'), [russian], [*english, *english_words])


@pytest.mark.parametrize(
    ("lang", "said"), [("en", "the file could not be read"), ("ru", "не удалось прочитать файл")]
)
def test_a_reader_fault_on_import_is_said_in_words_not_as_a_python_error(
    world: Any, lang: str, said: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file the reader fails on (its own fault, not the file's) stores nothing and is
    refused in the reader's words, without the name of a Python exception."""
    from spinecare.clinic import patients

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("resourceType")

    monkeypatch.setattr(patients, "read_import", broken)
    client = (
        _russian(world, "therapist")
        if lang == "ru"
        else login(world.client(), "therapist", PASSWORDS["therapist"])
    )
    r = client.post(
        "/patients/import",
        headers=HTML,
        data={"csrf_token": csrf_of(client, "/patients/import")},
        files={"file": ("odd.json", b'{"resourceType": "Bundle"}', "application/json")},
    )
    assert r.status_code == 400
    texts = " ".join(visible_texts(r.text, lang))
    assert f"odd.json: {said}" in texts
    assert "KeyError" not in r.text and "resourceType" not in texts


def test_audit_and_users_pages_in_russian(world: Any) -> None:
    client = _russian(world, "admin")
    r = client.get("/audit", headers=HTML)
    assert r.status_code == 200
    _check(
        r.text,
        ["Журнал аудита", "Пользователь", "Действие", "Отфильтровать", "Когда (UTC)"],
        [
            "Audit log",
            "Every read and change",
            ">Filter<",
            "When (UTC)",
            ">Detail<",
            'placeholder="User name"',
            "No entries.",
        ],
    )
    r = client.get("/users", headers=HTML)
    assert r.status_code == 200
    english = [
        "Add a user",
        "Add user",
        "Password (8+",
        "Patient number (patient",
        ">Role<",
        ">Users<",
        ">massage therapist<",
    ]
    _check(r.text, ["Пользователи", "Роль", "массажист", "Добавить пользователя"], english)
    r = client.post(
        "/users",
        headers=HTML,
        data={
            "csrf_token": csrf_of(client, "/users"),
            "username": "bad name!",
            "password": "short",
            "role": "therapist",
        },
    )
    assert r.status_code == 422
    _check(
        r.text,
        ["Исправьте отмеченные ниже поля", "не менее 8 символов", "буквы, цифры"],
        [*english, "at least 8 characters", "letters, digits"],
    )


def test_decide_page_in_russian(world: Any) -> None:
    req = clearance_request(world)
    client = _russian(world, "physician")
    r = client.get(f"/clearances/{req}", headers=HTML)
    assert r.status_code == 200
    english = [
        "Clearance request of",
        "Findings to clear",
        "Clear massage for these findings",
        "Decline massage",
        "Save decision",
        "<legend>Decision<",
        "Therapist's message",
    ]
    _check(
        r.text,
        [
            "Запрос допуска от",
            "Разрешить массаж",
            "Отказать в массаже",
            "Сохранить решение",
            "открыт",
            "Скрининг",
        ],
        english,
    )
    r = client.post(
        f"/clearances/{req}",
        headers=HTML,
        data={
            "csrf_token": csrf_of(client, f"/clearances/{req}"),
            "decision": "declined",
            "note": "",
            "version": "1",
        },
    )
    assert r.status_code == 422
    _check(r.text, ["укажите, почему в массаже отказано"], [*english, "say why"])


def test_english_user_still_sees_english(world: Any) -> None:
    client = login(world.client(), "therapist", PASSWORDS["therapist"])
    r = client.get(f"/patients/{world.demo_patient}/intake", headers=HTML)
    assert "Health-history intake" in r.text and "Save intake and screen" in r.text
    assert "Анамнез" not in r.text


def _text_literals() -> list[str]:
    """Message ids of every ``Text("...")`` in spinecare/web/*.py."""
    out: list[str] = []
    for path in sorted(WEB.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Text"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                out.append(node.args[0].value)
    return out


def test_every_runtime_message_has_a_russian_text() -> None:
    from babel.messages.pofile import read_po

    from spinecare.web.i18n import LOCALE_DIR

    with (LOCALE_DIR / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    texts = {m.id: m.string for m in catalog if m.id}
    literals = _text_literals()
    assert len(literals) > 20
    assert [m for m in literals if not texts.get(m)] == []


def _audited() -> tuple[set[str], set[str]]:
    """The actions and kinds of record every call of the audit log in spinecare/ writes
    (``audit(session, user, "handout", "course", ...)``, ``audit_as="calendar"``)."""
    actions: set[str] = set()
    kinds: set[str] = set()

    def constants(node: ast.expr) -> list[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.IfExp):  # "reactivate" if active else "deactivate"
            return constants(node.body) + constants(node.orelse)
        return []

    for path in sorted(WEB.parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in ("audit", "record") and len(node.args) >= 4:
                actions.update(constants(node.args[2]))
                kinds.update(constants(node.args[3]))
            for keyword in node.keywords:
                if keyword.arg == "audit_as" and keyword.value is not None:
                    actions.update(constants(keyword.value))
    return actions, kinds


def test_every_audited_action_and_record_has_words() -> None:
    """The audit page names each action and kind of record in the reader's words: an
    action written by any part of the app (a handout downloaded, an EHR launch, a
    throttled sign-in) must not reach the page as its code (``calendar``, ``api_token``)."""
    from spinecare.web.admin import ACTION_WORDS, ENTITY_WORDS

    actions, kinds = _audited()
    assert {"read", "handout", "calendar", "launch", "deactivate"} <= actions
    assert sorted(actions - set(ACTION_WORDS)) == []
    assert sorted(kinds - set(ENTITY_WORDS)) == []


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_text_keeps_english_value_and_translates_on_render(lang: str) -> None:
    from spinecare.messages import Quantity
    from spinecare.web import i18n

    msg = i18n.Text(
        "%(value)s is outside the plausible range %(low)s-%(high)s",
        value=i18n.Text("%(n)s %(unit)s", n="400", unit=Quantity(None, "mm[Hg]")),
        low="50",
        high="300",
    )
    assert msg == "400 mm Hg is outside the plausible range 50-300"
    i18n.set_language(lang)
    try:
        shown = i18n.translate(msg)
    finally:
        i18n.set_language("en")
    if lang == "ru":
        assert shown == "400 мм рт. ст. вне правдоподобного диапазона 50–300"
    else:
        assert shown == str(msg)
    assert i18n.translate("") == "" and i18n.translate(None) == ""


def test_a_page_says_a_library_conflict_without_record_numbers() -> None:
    """Each library message a page rewords (``patient 3 was changed ... version 4``) is
    still a message of the catalogue, and its page words name no number."""
    from babel.messages.pofile import read_po

    from spinecare.web.i18n import LOCALE_DIR, PAGE_WORDS

    with (LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        ids = {m.id for m in read_po(fh) if m.id}
    assert sorted(set(PAGE_WORDS) - ids) == []
    assert [w for w in PAGE_WORDS.values() if "%(" in w.msgid] == []


def test_version_conflict_message_in_russian(world: Any) -> None:
    first = login(world.client(), "admin", PASSWORDS["admin"])
    second = _russian(world, "therapist")
    path = f"/patients/{world.demo_patient}/edit"
    version = first.get(path, headers=JSON).json()["version"]
    token1, token2 = csrf_of(first, path), csrf_of(second, path)
    r = first.post(
        path,
        headers=HTML,
        follow_redirects=False,
        data={"csrf_token": token1, "name": "First Save", "version": str(version)},
    )
    assert r.status_code == 303
    r = second.post(
        path,
        headers=HTML,
        data={"csrf_token": token2, "name": "Second Save", "version": str(version)},
    )
    assert r.status_code == 409
    assert "изменил кто-то другой" in r.text
    assert "changed by someone else" not in r.text
    # the reader is looking at the patient: no database number, no version, the birth
    # date as Russian writes it, the name as written
    assert _problems("conflict", r, "ru") == []
    text = " ".join(visible_texts(r.text, "ru"))
    assert f"пациента {world.demo_patient}" not in text
    assert not re.search(r"верси[яи] \d", text)
    # the JSON envelope keeps the English text
    r = second.post(
        path,
        headers=JSON,
        data={"csrf_token": token2, "name": "Third Save", "version": str(version)},
    )
    assert r.status_code == 409
    assert "изменил кто-то другой" in r.json()["error"]["message"]  # the reader's language


def test_access_denied_page_in_russian(world: Any) -> None:
    client = _russian(world, "patient")
    r = client.get("/audit", headers=HTML)
    assert r.status_code == 403
    assert "Эту страницу открывают администраторы; вы вошли как пациент." in r.text
    assert "this page is for" not in r.text


def _import(client: Any, name: str) -> str:
    """Import an EHR fixture; the address of its screening page."""
    raw = (Path(__file__).resolve().parents[1] / "fixtures" / "ehr" / name).read_bytes()
    r = client.post(
        "/patients/import",
        data={"csrf_token": csrf_of(client, "/patients/import")},
        files={"file": (name, raw, "application/json")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:300]
    return str(r.headers["location"])


def test_notes_beside_the_facts_in_russian_with_the_records_words_as_written(world: Any) -> None:
    client = _russian(world, "therapist")
    screening = _import(client, "procedure_text_spinal_fusion.json")
    r = client.get(f"{screening}?as_of=2026-11-20", headers=HTML)
    assert r.status_code == 200
    # the note in Russian; the words matched in the record's text kept as written, unmarked
    # English nowhere (no lang="en" fallback)
    assert 'за последние 90 дн.; найдено в тексте: «<span translate="no">spinal fusion</span>»' in (
        r.text
    )
    assert "within 90 days" not in r.text and '<span lang="en">' not in r.text.split("<h2")[1]
    # a fact with no value: no stray colon after its label
    assert "L4-L5</span>:  (" not in r.text


@pytest.mark.parametrize(
    ("lang", "fixture", "words"),
    [
        ("en", "local_lab_platelets_russian_low.json", "Тромбоциты (PLT)"),
        ("ru", "local_lab_platelets_low.json", "Platelet count"),
    ],
)
def test_the_records_words_in_why_a_measure_is_missing_are_marked_as_written(
    world: Any, lang: str, fixture: str, words: str
) -> None:
    """A reading set aside is named in the checklist of what is missing by the record's
    own name for it, which is the record's language, not the page's: marked as written
    (``translate="no"``) on the screening page and the course plan, the page's own words
    still checked."""
    client = (
        _russian(world, "therapist")
        if lang == "ru"
        else login(world.client(), "therapist", PASSWORDS["therapist"])
    )
    screening = _import(client, fixture)
    for page in (screening, screening.replace("/screening", "/course/new")):
        r = client.get(f"{page}?as_of=2026-11-20", headers=HTML)
        assert r.status_code == 200
        assert f'<span translate="no">{words}</span>' in r.text, page
        assert text_problems(visible_texts(r.text, lang), lang) == [], page


def test_a_reading_set_aside_is_said_in_russian_after_it_is_stored(world: Any) -> None:
    """The reason is kept as a message (its id and parameters): the stored record's
    screening page says it in Russian, with the value as Russian writes it."""
    client = _russian(world, "therapist")
    screening = _import(client, "bp_implausible.json")
    r = client.get(f"{screening}?as_of=2026-11-20", headers=HTML)
    assert r.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", r.text).split())
    assert "Не использовано: 1 200 мм рт. ст. — неправдоподобное значение" in text
    assert "not a plausible value" not in text


def test_referral_letter_keeps_the_records_words_as_written(world: Any) -> None:
    client = _russian(world, "therapist")
    screening = _import(client, "snomed_bone_metastasis.json")
    r = client.get(screening.replace("/screening", "/referral"), headers=HTML)
    assert r.status_code == 200, r.text[:300]
    assert "Срочное направление" in r.text
    items = r.text.split('<p class="sub">')[1]
    assert '<li><span translate="no">' in items


@pytest.mark.parametrize(
    ("form", "change"),
    [
        ("session", {"post_pain": "14"}),
        ("session", {"pre_pain": "x"}),
        ("session", {"post_pain": "2.5"}),
        ("session", {"minutes": "-5"}),
        ("session", {"minutes": "900"}),
        ("session", {"tech_collar_zone": ["nonsense"]}),
        ("course", {"sessions": "abc"}),
        ("course", {"sessions": "2.5"}),
        ("course", {"sessions": "40"}),
        ("course", {"minutes_per_session": "200"}),
        ("course", {"zones": ["collar_zone", "lumbosacral"]}),
        ("course", {"modalities": ["classical", "vacuum"]}),
        ("course", {"modalities": ["classical", "self_massage"], "home_minutes_collar_zone": "90"}),
        ("pending", {}),
        ("home", {"home_minutes_collar_zone": "500"}),
        ("home", {"home_minutes_collar_zone": "-3"}),
        ("home", {"home_times_collar_zone": "9"}),
    ],
)
def test_course_and_session_refusals_beside_the_field_in_russian(
    world: Any, form: str, change: dict[str, Any]
) -> None:
    """What the course library refuses is said beside the field in the reader's language,
    with names, numbers and units as people write them (no ids, no English)."""
    from tests.web.test_web_courses import DAY, _start

    client = _russian(world, "therapist")
    if form == "session":
        course = _start(world, world.own_patient)
        page, target = f"/courses/{course}", f"/courses/{course}/sessions"
        data = {**DAY, "pre_pain": "3", "post_pain": "2", "minutes": "15", **change}
    elif form == "home":  # the home program taught, every step of the zone ticked
        course = _start(world, world.own_patient)
        page, target = f"/courses/{course}", f"/courses/{course}/home-program"
        steps = re.findall(r'name="home_collar_zone" value="([^"]+)"', client.get(page).text)
        assert steps
        data = {"home_collar_zone": steps, **change}
    else:  # the patient's own course, or the course of a patient who needs clearance first
        patient = world.own_patient if form == "course" else world.demo_patient
        page = f"/patients/{patient}/course/new"
        target = f"/patients/{patient}/courses"
        data = {"start": date.today().isoformat(), **change}
    r = client.post(target, data={**data, "csrf_token": csrf_of(client, page)}, headers=HTML)
    assert r.status_code == 422
    errors = re.findall(r'(?:class="field-error"|role="alert")[^>]*>([^<]+)<', r.text)
    assert errors
    english = [e for e in errors if re.search(r"[A-Za-z]{2,}", re.sub(r"«[^»]*»", "", e))]
    assert english == []


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_value_no_form_takes_is_said_with_the_fields_words(world: Any, lang: str) -> None:
    """ "nan" or "inf" are refused before any form reads them: the page names each such
    field in the form's words and the reader's language (it said "a finite number" and no
    field). A date with a wrong year is the form's own to say, beside its field
    (test_web_forms)."""
    from tests.web.test_web_courses import DAY, _start

    course = _start(world, world.own_patient)
    client = _in(world, "therapist", lang)
    page, target = f"/courses/{course}", f"/courses/{course}/sessions"
    data = {**DAY, "systolic": "nan", "pre_pain": "inf", "minutes": "15"}
    r = client.post(target, data={**data, "csrf_token": csrf_of(client, page)}, headers=HTML)
    assert r.status_code == 422
    assert _problems(f"[therapist {lang}] limits", r, lang) == []
    items = [re.sub(r"<[^>]+>", "", item) for item in re.findall(r"<li>(.*?)</li>", r.text, re.S)]
    words = {
        "en": ["Blood pressure: systolic (mm Hg): a finite number"],
        "ru": ["Давление: систолическое (мм рт. ст.): "],
    }[lang]
    for said in words:
        assert any(unescape(i).startswith(said) for i in items), (said, items)
    assert "Pain before (0–10)" in r.text or "Боль до" in r.text


def test_every_error_a_template_shows_is_translated() -> None:
    """An error (a Message or a catalogue text) is shown through ``tr`` (or the ``err``
    macro, which uses it): never its English value."""
    shown = re.compile(r"\{\{\s*errors(?:\.\w+|\[[^\]]+\])\s*(\|(?!tr\b)[^}]*)?\}\}")
    found = [
        f"{path.name}: {m.group(0)}"
        for path in sorted((WEB / "templates").glob("*.html"))
        for m in shown.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


LINK = re.compile(r'href="([^"#]*)')
POST_FORM = re.compile(r'<form\b[^>]*\bmethod="post"[^>]*>', re.IGNORECASE)
ACTION = re.compile(r'\baction="([^"]*)"')
TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)
NOT_A_PAGE = re.compile(r"(\.json|\.pdf|\.ics|\.csv)(\?|$)|^/(logout|static/|docs|openapi|launch)")
NOT_SENT_EMPTY = re.compile(r"^/(logout|language)$|/active$|/users/\d+/password$")
"""Forms not sent empty: signing out, the language switch, (de)activating an account and
resetting its password do what they say with no field to check."""
PAGES_PER_ROUTE = {"therapist": 40}
"""Pages walked per route (``/patients/N/screening``...) as the therapist: every demo
patient's and the imported record's (the browser crawl, tests/e2e/test_e2e_crawl.py, lays
out a few of each); as any other role, two: the same pages under another header."""
BAD_FIELDS = {
    "day": "x",
    "start": "nonsense",
    "pain": "abc",
    "systolic": "-1",
    "sessions": "x",
    "minutes": "-5",
    "name": "",
    "username": "a b",
    "password": "x",
    "role": "nurse",
    "decision": "bogus",
    "note": "<b>x</b>",
    "cond_concept_0": "no_such_thing",
    "cond_zone_0": "elbow",
    "q_herniation_phase": "later",
    "sex": "f",
    "language": "english",
}
"""Values every form refuses, sent to each: the errors beside the fields are checked."""


def _prepare(world: Any) -> None:
    """A course with a session and a diary day, and an open clearance request: so that
    the course, progress, home program, diary and clearance pages exist."""
    from tests.web.test_web_courses import DAY, _start
    from tests.web.test_web_readings_and_refusals import _import_synthea

    course = _start(world, world.own_patient)
    therapist = login(world.client(), "therapist", PASSWORDS["therapist"])
    r = therapist.post(
        f"/courses/{course}/sessions",
        data={
            **DAY,
            "pre_pain": "4",
            "post_pain": "3",
            "minutes": "15",
            "csrf_token": csrf_of(therapist, f"/courses/{course}"),
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:300]
    clearance_request(world)
    _import_synthea(therapist)  # readings with a dozen decimals, a temperature in °F
    patient = login(world.client(), "patient", PASSWORDS["patient"])
    r = patient.post(
        f"/courses/{course}/diary",
        data={
            "csrf_token": csrf_of(patient, "/me/home"),
            "key": "day-1",
            "day": date.today().isoformat(),
            "pain": "3",
            "minutes": "10",
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:300]


def _in(world: Any, role: str, lang: str) -> Any:
    client = world.client()
    if role == "anonymous":  # the browser's language (the switch's cookie: the browser test)
        client.headers["accept-language"] = {"ru": "ru-RU,ru;q=0.9,en;q=0.5", "en": "en-GB"}[lang]
        return client
    login(client, role, PASSWORDS[role])
    token = csrf_of(client, "/login")
    data = {"csrf_token": token, "language": lang, "next": "/"}
    assert client.post("/language", data=data, headers=HTML).status_code == 200
    return client


def _problems(where: str, r: Any, lang: str) -> list[str]:
    """What a reader of ``lang`` must not see on the page ``r`` answered with."""
    from html import unescape

    from tests.web.pagescan import text_problems, unlabelled_cells, visible_texts

    if "text/html" not in r.headers.get("content-type", ""):
        return []
    found = [] if f'<html lang="{lang}">' in r.text else [f"html lang is not {lang}"]
    texts = visible_texts(r.text, lang)
    title = TITLE.search(r.text)
    found += text_problems(texts, lang)
    # the title holds the patient's name as written: no check of its language
    found += text_problems([unescape(title.group(1)) if title else ""], None)
    found += unlabelled_cells(r.text)
    return [f"{where}: {p}" for p in found]


def _walk(client: Any, where: str, lang: str, per_route: int) -> tuple[list[str], dict[str, str]]:
    """Every page reachable from the start page by a link (GET), a few of each route:
    the problems found, and the forms that post (action -> a page that shows it)."""
    from urllib.parse import urljoin, urlsplit

    queue, seen, walked = ["/"], {"/"}, Counter[str]()
    problems: list[str] = []
    forms: dict[str, str] = {}
    while queue:
        path = queue.pop(0)
        route = re.sub(r"/\d+", "/N", urlsplit(path).path)
        walked[route] += 1
        if walked[route] > per_route:
            continue
        r = client.get(path, headers=HTML)
        if r.status_code >= 400:
            problems.append(f"{where} {path}: status {r.status_code}")
        problems += _problems(f"{where} {path}", r, lang)
        for form in POST_FORM.findall(r.text):
            action = ACTION.search(form)
            target = urljoin(path, action.group(1).replace("&amp;", "&") if action else path)
            forms.setdefault(re.sub(r"/\d+", "/N", urlsplit(target).path), path)
        for href in LINK.findall(r.text):
            url = urlsplit(urljoin("http://testserver" + path, href.replace("&amp;", "&")))
            target = url.path + (f"?{url.query}" if url.query else "")
            if url.netloc == "testserver" and target not in seen and not NOT_A_PAGE.search(target):
                seen.add(target)
                queue.append(target)
    assert len(walked) > 2, f"{where}: nothing was walked"
    return problems, forms


def _action(page: str, route: str) -> str:
    """The form's address on ``page``, with the ids of that page."""
    ids = iter(re.findall(r"/(\d+)", page))
    return re.sub(r"/N\b", lambda _: f"/{next(ids, '0')}", route)


ERROR_PAGES = [
    "/no-such-page",
    "/patients/999999",
    "/patients/abc",
    "/courses/abc/progress",
    "/patients/{other}",
    "/patients/{demo}/screening?as_of=bad",
    "/patients/{demo}/screening?as_of=1800-01-01",
    "/audit",
    "/users",
    "/clearances",
    "/reviews",
    "/patients/new",
    "/patients/import",
    "/login",
    "/static/no-such-file.css",
]
"""Addresses that refuse some role (403), name nothing (404) or cannot be read (422)."""


def test_a_static_file_not_found_is_a_page_for_a_browser_and_json_for_a_stylesheet(
    world: Any,
) -> None:
    client = _in(world, "therapist", "ru")
    page = client.get("/static/no-such-file.css", headers=HTML)
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert '<html lang="ru">' in page.text
    asset = client.get("/static/no-such-file.css", headers={"accept": "text/css,*/*;q=0.1"})
    assert asset.status_code == 404 and asset.headers["content-type"] == "application/json"
    assert client.get("/static/style.css").status_code == 200


@pytest.mark.parametrize("role", ["therapist", "physician", "patient", "admin"])
def test_every_page_and_form_error_speaks_the_readers_language(world: Any, role: str) -> None:
    """Each role's pages, in English and in Russian, walked from the start page by their
    links; each form that posts sent empty and with values it refuses; the error pages.
    None may show an internal word or value (ids, unit codes, machine times, True/False,
    None), nor words of the other language (``tests/web/pagescan.py``)."""
    _prepare(world)
    problems: list[str] = []
    for lang in ("en", "ru"):
        client = _in(world, role, lang)
        where = f"[{role} {lang}]"
        found, forms = _walk(client, where, lang, PAGES_PER_ROUTE.get(role, 2))
        problems += found
        for route, page in sorted(forms.items()):
            target = _action(page, route)
            if NOT_SENT_EMPTY.search(target):
                continue
            token = csrf_of(client, page)
            for what, data in (("empty", {}), ("refused", BAD_FIELDS), ("no token", None)):
                sent = {"csrf_token": token, **data} if data is not None else {"csrf_token": "x"}
                r = client.post(target, data=sent, headers=HTML, follow_redirects=False)
                problems += _problems(f"{where} POST {target} ({what}) {r.status_code}", r, lang)
        for path in ERROR_PAGES:
            path = path.format(other=world.other_patient, demo=world.demo_patient)
            for who, c in ((where, client), (f"[anonymous {lang}]", _in(world, "anonymous", lang))):
                r = c.get(path, headers=HTML)
                problems += _problems(f"{who} {path} {r.status_code}", r, lang)
    assert not problems, "\n".join(dict.fromkeys(problems))


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_download_in_an_unknown_language_is_refused_in_the_readers_words(
    world: Any, lang: str
) -> None:
    """The handout and the calendar in a language spinecare has no texts for: the refusal
    names the languages in the reader's words (``английский, русский``), never their codes."""
    from tests.web.test_web_courses import _start

    course = _start(world, world.own_patient)
    client = _in(world, "therapist", lang)
    for download in ("handout.pdf?lang=de", "calendar.ics?lang=x"):
        path = f"/courses/{course}/{download}"
        r = client.get(path, headers=HTML)
        assert r.status_code == 422, path
        assert _problems(path, r, lang) == []
        assert {"en": "English, Russian", "ru": "английский, русский"}[lang] in r.text
        detail = client.get(path, headers=JSON).json()["error"]["details"][0]["message"]
        assert (
            detail
            == {
                "en": "one of English, Russian",
                "ru": "одно из значений: английский, русский",
            }[lang]
        )


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_sign_in_refusals_in_the_readers_language(world: Any, lang: str) -> None:
    """A wrong password, an empty form and too many failures: the sign-in page says so
    in the reader's language."""
    from spinecare.clinic.logins import FREE_FAILURES, LoginThrottle

    world.app.state.login_throttle = LoginThrottle(clock=lambda: 1000.0)
    client = _in(world, "anonymous", lang)
    statuses = []
    for data in [{}] + [{"username": "therapist", "password": "wrong"}] * (FREE_FAILURES + 1):
        data = {"csrf_token": csrf_of(client, "/login"), **data}
        r = client.post("/login", data=data, headers=HTML, follow_redirects=False)
        statuses.append(r.status_code)
        assert _problems(f"[anonymous {lang}] sign-in {r.status_code}", r, lang) == []
    assert statuses[0] == 422 and statuses[1] == 401 and statuses[-1] == 429, statuses


@pytest.mark.parametrize(
    ("detail", "english", "russian"),
    [
        ("status=None", "", ""),  # the clearance queue listed without a status filter
        ("q=", "", ""),  # the patient list opened without a search
        (  # a session: its day and pain, not the course's row number
            "course=12 day=2026-12-05 pain 4->3",
            "date: 5 Dec 2026; pain 4 → 3",
            "дата: 5 дек. 2026\u202fг.; боль 4 → 3",
        ),
        ("status=open", "status: open", "статус: открыт"),
        (  # a date filter whose end could not be read: its end still, never an addressee
            "from=32.13.2026 to=abc",
            "from: 32.13.2026; until: abc",
            "с: 32.13.2026; по: abc",
        ),
        ("issued, 30 days", "issued for 30 days", "выдан на 30 дн."),
        ("revoked", "revoked", "отозван"),
        (  # an uploaded file's name: as written, in no language
            "Ivanova%20scan.json.gz",
            '<span translate="no">Ivanova scan.json.gz</span>',
            '<span translate="no">Ivanova scan.json.gz</span>',
        ),
        (
            "404: patient 10 not found",
            "not found, or not shown to this account",
            "не найдено или не показывается этой учётной записи",
        ),
        (
            "403: this page is for admin; you are signed in as therapist",
            "not allowed for this account",
            "не разрешено этой учётной записи",
        ),
    ],
)
def test_audit_details_in_the_readers_words(detail: str, english: str, russian: str) -> None:
    """A refused request's reason, recorded in English with ids, and a filter that was
    not set: in the reader's words on the audit page, never ``None``."""
    from spinecare.web import i18n
    from spinecare.web.admin import STATUS_WORDS, detail_words

    for lang, expected in (("en", english), ("ru", russian)):
        i18n.set_language(lang)
        try:
            names = {k: i18n.translate(v) for k, v in STATUS_WORDS.items()}
            assert str(detail_words(detail, names)) == expected
        finally:
            i18n.set_language("en")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_progress_chart_gives_days_as_the_reader_writes_them(world: Any, lang: str) -> None:
    """The pain chart's axis and its points' titles: ``4 Dec 2026``, ``4 дек. 2026 г.``,
    never ``2026-12-04``."""
    from spinecare.i18n import day_text

    _prepare(world)
    client = _in(world, "therapist", lang)
    course = client.get(f"/patients/{world.own_patient}", headers=JSON).json()["courses"][0]
    r = client.get(f"/courses/{course['id']}/progress", headers=HTML)
    assert r.status_code == 200
    texts = visible_texts(r.text, lang)
    assert [t for t in texts if re.search(r"\b\d{4}-\d\d-\d\d\b", t)] == []
    written = " ".join(day_text(date.today(), lang).split())  # spaces as the text has them
    assert any(f"({written})" in t for t in texts), texts


def test_internal_error_page_in_russian(world: Any, monkeypatch: Any) -> None:
    """An unexpected error answers a page in the reader's language (it was English:
    the page's sentence was no catalogue text)."""
    from spinecare.clinic import patients as service

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    client = _russian(world, "therapist")
    monkeypatch.setattr(service, "intakes_of", boom)
    page = client.get(f"/patients/{world.demo_patient}", headers=HTML)
    assert page.status_code == 500
    _check(page.text, ["Внутренняя ошибка"], ["internal error", "secret internals"])


def test_too_large_upload_is_a_page_in_russian(world: Any) -> None:
    """A file over the body limit sent from the import form answers a page in the
    reader's words (it was the JSON envelope, shown raw by the browser)."""
    client = _russian(world, "therapist")
    token = csrf_of(client, "/patients/import")
    limit = world.app.state.settings.max_body_bytes
    page = client.post(
        "/patients/import",
        data={"csrf_token": token},
        files={"file": ("big.json", b" " * (limit + 1), "application/json")},
        headers=HTML,
    )
    assert page.status_code == 413
    assert page.headers["content-type"].startswith("text/html")
    said = ["Отправленные данные больше", "МБ — наибольшего допустимого размера", "не сохранено"]
    _check(page.text, said, ["request body", "bytes", '{"error"'])
    api = client.post(
        "/patients/import",
        data={"csrf_token": token},
        files={"file": ("big.json", b" " * (limit + 1), "application/json")},
        headers=JSON,
    )
    assert api.status_code == 413 and api.json()["error"]["code"] == "payload_too_large"
