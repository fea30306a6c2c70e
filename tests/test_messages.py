"""The interface texts: one gettext catalogue per language, complete and in step with the code.

The texts are extracted as ``make messages`` extracts them (``babel.cfg``, the keywords
``_``, ``gettext``, ``ngettext``, ``N_``, ``Message``, ``Text``); every catalogue holds
every one, and every language but the source has a translation for each, not fuzzy and
with the same placeholders.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from spinecare import i18n
from spinecare.messages import Message

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "Message": None, "Text": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdgf]")


@cache
def extracted() -> frozenset[str]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return frozenset(ids)


def catalogue(lang: str) -> Catalog:
    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def test_the_languages_are_the_catalogues_found() -> None:
    found = sorted(p.name for p in i18n.LOCALE_DIR.iterdir() if p.is_dir())
    assert sorted(i18n.languages()) == found
    assert next(iter(i18n.languages())) == i18n.SOURCE_LANGUAGE
    assert {"en", "ru"} <= set(found)
    assert i18n.languages()["ru"] == "Русский"


def test_extraction_finds_the_texts_of_every_interface() -> None:
    ids = extracted()
    for text in (
        "Zones",  # the CLI (render.py)
        "Your home self-massage program",  # the handout
        "Time for your self-massage",  # the calendar
        "Pain before and after each session",  # the charts
        "Remove the draft massage order",  # CDS Hooks cards
        "Needs physician clearance before massage",  # a verdict (N_)
        "Please sign in",  # an error title (N_)
        "the intake of %(day)s",  # where a fact was recorded
    ):
        assert text in ids, text


@pytest.mark.parametrize("lang", sorted(i18n.languages()))
def test_every_catalogue_holds_every_text(lang: str) -> None:
    """``make messages`` was run after the texts changed: no text is missing here."""
    held = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue(lang) if m.id}
    assert sorted(extracted() - held) == []


def test_the_source_catalogue_translates_nothing() -> None:
    """The source language's catalogue is not parsed (i18n.catalog): its texts are the
    code's own, and every translation in it stays empty."""
    translated = [
        m.id
        for m in catalogue(i18n.SOURCE_LANGUAGE)
        if m.id and any(m.string if isinstance(m.string, tuple) else (m.string,))
    ]
    assert translated == []
    assert i18n.gettext(i18n.SOURCE_LANGUAGE, "Zones") == "Zones"


@pytest.mark.parametrize(
    "lang", [lang for lang in i18n.languages() if lang != i18n.SOURCE_LANGUAGE]
)
def test_every_text_is_translated_not_fuzzy_with_its_placeholders(lang: str) -> None:
    cat = catalogue(lang)
    ids = extracted()
    untranslated, fuzzy, placeholders = [], [], []
    for m in cat:
        if not m.id:
            continue
        msgid = m.id if isinstance(m.id, str) else m.id[0]
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if msgid in ids and not all(strings):
            untranslated.append(msgid)
        if m.fuzzy:
            fuzzy.append(msgid)
        wanted = set(PLACEHOLDER.findall(msgid))
        if any(s and set(PLACEHOLDER.findall(s)) != wanted for s in strings):
            placeholders.append(msgid)
    assert untranslated == []
    assert fuzzy == []
    assert placeholders == []


def test_no_python_module_keeps_texts_per_language() -> None:
    """Interface texts are in the catalogues and clinical texts in the KB: no module has a
    dictionary keyed by language codes (``{"en": ..., "ru": ...}``)."""
    codes = set(i18n.languages())
    offenders = []
    for path in sorted((ROOT / "spinecare").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Dict):
                continue
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if len(keys & codes) >= 2 and all(
                isinstance(v, ast.Constant | ast.Dict | ast.JoinedStr) for v in node.values
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_a_language_is_used_as_its_catalogue_has_it() -> None:
    _ = i18n.translator("ru")
    assert _("Zones") == "Зоны"
    assert i18n.translate(Message("at least %(n)s characters", n=8), "ru") == (
        "не менее 8 символов"
    )
    assert i18n.translator("en")("Zones") == "Zones"
    assert i18n.quantity(140.0, "mm[Hg]", "ru") == "140 мм рт. ст."
    assert i18n.quantity(37.5, "Cel", "en") == "37.5 °C"
    assert i18n.quantity(6.0, "{score}", "en") == "6/10"
    assert i18n.yes_no(True, "ru") == "да" and i18n.yes_no(False, "en") == "no"


def _plain_errors(path: Path) -> list[str]:
    """String literals a module puts into a form's errors without marking them."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        values: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            for target in node.targets:
                owner = target.value if isinstance(target, ast.Subscript) else None
                name = getattr(owner, "id", None) or getattr(owner, "attr", None)
                if name == "errors":
                    values.append(node.value)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "FormError":
            values += [v for arg in node.args if isinstance(arg, ast.Dict) for v in arg.values]
        for value in values:
            if isinstance(value, ast.Constant | ast.JoinedStr):
                found.append(f"{path.name}:{value.lineno}")
    return found


def test_form_errors_are_catalogue_texts() -> None:
    """A form error is ``N_``, ``Message`` or ``Text`` (so the catalogues hold it and the
    page shows it in the reader's language), never a bare English string."""
    modules = sorted((ROOT / "spinecare").glob("*/*.py"))
    assert [hit for path in modules for hit in _plain_errors(path)] == []


def test_a_message_keeps_its_id_and_parameters_when_pickled_or_copied() -> None:
    """Records and screenings cross processes (bulk screening) and are copied: a message
    with values, dates and KB names still translates after."""
    import copy
    import pickle
    from datetime import date

    from spinecare.kb import load_kb
    from spinecare.messages import Day, Names, Quantity

    zone = load_kb().zones["lumbosacral"].label
    message = Message(
        "%(value)s on %(day)s (%(zone)s)",
        value=Message("%(v)s", v=Quantity(1200, "mm[Hg]")),
        day=Day(date(2026, 1, 2)),
        zone=Names(zone),
    )
    for again in (pickle.loads(pickle.dumps(message)), copy.deepcopy(message)):
        assert (
            again
            == message
            == "1,200 mm Hg on 2 Jan 2026 (Lumbosacral region (lower back and sacrum))"
        )
        assert i18n.translate(again, "ru") == i18n.translate(message, "ru")
        assert "мм рт. ст." in i18n.translate(again, "ru")


def _messages_recipe() -> list[list[str]]:
    """The pybabel commands of ``make messages``, as the Makefile writes them."""
    import shlex

    text = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    keywords = re.search(r"^BABEL_KEYWORDS\s*:=\s*(.*)$", text, re.M)
    recipe = re.search(r"^messages:.*\n((?:\t.*\n)+)", text, re.M)
    assert keywords and recipe
    commands = []
    for line in recipe.group(1).splitlines():
        line = line.strip().replace("$(BABEL_KEYWORDS)", keywords.group(1))
        if line.startswith("$(BIN)/pybabel"):
            commands.append(shlex.split(line)[1:])
    return commands


def test_make_messages_twice_changes_nothing(tmp_path: Path) -> None:
    """The catalogues are as ``make messages`` writes them: running it (again) changes no
    byte of any ``.po`` file (no date, no wrapping, no order of its own)."""
    import shutil

    from babel.messages.frontend import CommandLineInterface

    locale = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, locale)
    pot = tmp_path / "messages.pot"
    for args in _messages_recipe():
        args = [str(pot) if a == "build/messages.pot" else a for a in args]
        args = [str(locale) if a == "spinecare/locale" else a for a in args]
        args = [str(ROOT / a) if a == "babel.cfg" else a for a in args]
        if args[0] == "extract":
            args = [*args[:-1], str(ROOT)]  # the repository, wherever the tests run from
        CommandLineInterface().run(["pybabel", "-q", *args])
    for po in sorted(i18n.LOCALE_DIR.glob("*/LC_MESSAGES/messages.po")):
        again = locale / po.relative_to(i18n.LOCALE_DIR)
        assert again.read_bytes() == po.read_bytes(), f"{po}: run make messages"


@pytest.mark.parametrize(
    ("value", "unit", "en", "ru"),
    [
        (37.77777777777778, "Cel", "37.7 °C", "37,7 °C"),  # 100 °F converted
        (37.46, "Cel", "37.4 °C", "37,4 °C"),  # never shown as a fever's 37.5
        (37.5, "Cel", "37.5 °C", "37,5 °C"),
        (179.9, "mm[Hg]", "179 mm Hg", "179 мм рт. ст."),  # never a grade 3's 180
        (3.4961958350963034, "{score}", "3.4/10", "3,4/10"),
        (49.99, "10*9/L", "49 ×10⁹/L", "49 ×10⁹/л"),  # below 50 stays below 50
        (1234.5678, None, "1,234.568", "1\xa0234,568"),  # no measure: as it was
    ],
)
def test_a_reading_is_shown_as_its_measure_is_taken(
    value: float, unit: str | None, en: str, ru: str
) -> None:
    """A record's reading with a dozen decimals is shown with the decimals its measure is
    taken with, cut, never rounded up across a threshold; Russian writes a decimal comma."""
    assert i18n.quantity(value, unit, "en") == en
    assert i18n.quantity(value, unit, "ru") == ru


@pytest.mark.parametrize(
    ("n", "ru", "en"),
    [
        (1, "1 раз", "1 time"),
        (2, "2 раза", "2 times"),
        (5, "5 раз", "5 times"),
        (11, "11 раз", "11 times"),
        (21, "21 раз", "21 times"),
        (22, "22 раза", "22 times"),
    ],
)
def test_a_count_takes_its_languages_plural_form(n: int, ru: str, en: str) -> None:
    """A count is said with the form its number takes (Russian has three: 1 раз, 2 раза,
    5 раз), in Python (``i18n.plural``) and on a page (``ngettext``), never ``раз(а)``."""
    from spinecare.web import i18n as pages

    stops = ("Stop rules fired %(n)s time.", "Stop rules fired %(n)s times.")
    assert i18n.plural("ru", *stops, n) % {"n": n} == f"Правила прекращения срабатывали {ru}."
    assert i18n.plural("en", *stops, n) % {"n": n} == f"Stop rules fired {en}."
    pages.set_language("ru")
    day = pages.ngettext("%(num)s time a day", "%(num)s times a day", n) % {"num": n}
    assert day == f"{ru} в день"


def _russian_texts_matching(pattern: str) -> list[str]:
    """The ids of the Russian catalogue's texts (each plural form) that ``pattern`` finds."""
    found = re.compile(pattern)
    return [
        m.id
        for m in catalogue("ru")
        for text in (m.string if isinstance(m.string, tuple) else (m.string,))
        if found.search(text)
    ]


def test_no_russian_text_writes_a_count_with_its_endings_in_brackets() -> None:
    """``%(n)s раз(а)``: a count whose form depends on the number is a plural text."""
    assert _russian_texts_matching(r"%\(\w+\)s\s+\w+\((?:а|ов|и|ы|ей)\)") == []


def test_no_russian_text_writes_a_persons_gender_in_brackets() -> None:
    """ "выполнил(а)", "вошёл (вошла)": the reader's or the actor's gender is not known, so
    the Russian text says it without one (an audit action as a noun, "вход", "открытие";
    "Программа на сегодня выполнена"), never both endings in brackets."""
    assert _russian_texts_matching(r"\w(?:\((?:а|ла|ась|на)\)|ёл \(\w+ла\))") == []


def test_a_physicians_clearance_is_one_word_in_russian() -> None:
    """The clinic's pages call a physician's clearance "допуск" (the "Допуски" queue, "Запрос
    допуска"); a CDS card, the command line or an error saying "разрешение врача" for the
    same thing would read as a second, different permission. ("разрешить" as the
    physician's act of clearing stays a verb.)"""
    named = [
        m.id
        for m in catalogue("ru")
        if m.id
        and re.search(r"\bclearance\b", _source(m.id))
        and re.search(r"разрешени[еяю]", str(m.string))
    ]
    assert named == []
    # the KB's texts reach the same cards, pages and command line (a rule's reason)
    kb_data = ROOT / "spinecare" / "kb" / "data"
    said = [
        f"{path.name}: {found}"
        for path in sorted(kb_data.glob("*.yaml"))
        for found in re.findall(
            r"разрешени\w*\s+(?:врача|хирурга)", path.read_text(encoding="utf-8")
        )
    ]
    assert said == []


def test_signing_out_is_not_said_as_ending_a_session_in_russian() -> None:
    """ "Сеанс" is a massage session in every clinic page ("Следующий сеанс", "Сеансы
    (1 / 10)"); a sign-in page saying "сеанс завершён" after a pause, or a reset "ending the
    user's сеансы", reads as a session of massage. Signing out is said as leaving the app."""
    said = [
        m.id
        for m in catalogue("ru")
        if m.id
        and re.search(r"\bsign(?:s|ed)?\b[^.;]*\bout\b", _source(m.id))
        and "сеанс" in str(m.string).lower()
    ]
    assert said == []
    # and one word for what is left: the app, never "the system" on one page and "the app"
    # on the next
    left = _russian_texts_matching(r"(?:из|в) систем[уы]")
    assert left == []


def _russian_of_english_matching(english: str) -> dict[str, str]:
    """The Russian of each catalogue text whose English text ``english`` finds."""
    found = re.compile(english)
    return {
        _source(m.id): str(m.string)
        for m in catalogue("ru")
        if m.id and found.search(_source(m.id))
    }


def test_a_verdict_is_one_word_in_russian() -> None:
    """The screening's verdict is "Заключение" on the screening page; the patients list
    heading it "Вердикт на сегодня" and the audit log writing "вердикт: отложить" named the
    same thing with a court's word."""
    said = _russian_of_english_matching(r"\b[Vv]erdict\b")
    assert said, "no text names the verdict"
    assert [e for e, ru in said.items() if re.search(r"(?i)вердикт", ru)] == []
    headings = {e: ru for e, ru in said.items() if "%(" not in e}
    assert all("аключени" in ru for ru in headings.values()), headings


def _kb_russian_of_english_matching(english: str) -> dict[str, str]:
    """The Russian of each KB text (an ``en`` beside its ``ru``) whose English ``english``
    finds: a rule's reason, a concept's name, a stop rule, a step of a home program. The
    clinic's policies (``policies.yaml``, their reasoning on the docs page) are not
    shown beside a verdict and are left out."""
    import yaml

    found = re.compile(english)
    out: dict[str, str] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            en, ru = node.get("en"), node.get("ru")
            if isinstance(en, str) and isinstance(ru, str) and found.search(en):
                out[en] = ru
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted((ROOT / "spinecare" / "kb" / "data").glob("*.yaml")):
        if path.name != "policies.yaml":
            walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return out


def test_the_screening_is_not_called_an_assessment_in_russian() -> None:
    """ "Скрининг" on every page; a refusal saying "оценка" for it named something else, and
    so did a rule's reason under the verdict ("re-screen when the pain has eased":
    "повторите оценку" beside a badge saying "повторить скрининг позже")."""
    said = _russian_of_english_matching(r"\bscreening\b")
    assert [e for e, ru in said.items() if "оценк" in ru] == []
    kb = _kb_russian_of_english_matching(r"(?i)\b(?:re-?)?screen")
    assert kb, "no KB text says to screen again"
    assert {e: ru for e, ru in kb.items() if "оценк" in ru} == {}
    assert {e: ru for e, ru in kb.items() if "re-screen" in e and "скрининг" not in ru} == {}


def test_a_verdict_and_a_report_are_different_words_in_russian() -> None:
    """ "Заключение" is the screening's verdict; a CDS card saying "**Заключение:** Нужны
    данные" and, a few lines down, "(карта пациента: заключение от 25 нояб.)" of an MRI
    report named two things with one word. A record's report is "протокол исследования"."""
    reports = _russian_of_english_matching(r"\breports?\b")
    assert reports, "no text names a report"
    assert {e: ru for e, ru in reports.items() if "аключени" in ru} == {}
    assert i18n.gettext("ru", "report") == "протокол исследования"
    kb = _kb_russian_of_english_matching(r"(?i)\breports?\b")
    assert {e: ru for e, ru in kb.items() if "аключени" in ru} == {}


def test_a_record_status_never_reads_as_a_verdict_in_russian() -> None:
    """A condition's status beside a fact ("Перелом позвонка (2001) — разрешён") read as the
    verdict's "Разрешён": words of different meaning that a page shows in the same places
    (verdicts and a finding's effect; the statuses of a diagnosis, a drug, a course, a
    clearance request and a plan) are different words in Russian too."""
    from spinecare.engine.notes import CONDITION_STATUS, MEDICATION_STATUS
    from spinecare.web.patients import COURSE_WORDS, EFFECT_WORDS, PLAN_WORDS, STATUS_WORDS
    from spinecare.wording import VERDICT_WORDS

    meanings: dict[str, set[str]] = {}
    for words in (
        VERDICT_WORDS,
        EFFECT_WORDS,
        CONDITION_STATUS,
        MEDICATION_STATUS,
        COURSE_WORDS,
        PLAN_WORDS,
        STATUS_WORDS,
    ):
        for english in words.values():
            russian = i18n.gettext("ru", str(english)).casefold()
            meanings.setdefault(russian, set()).add(str(english).casefold())
    assert {ru: en for ru, en in meanings.items() if len(en) > 1} == {}


def test_a_diagnosis_status_needs_no_agreement_in_russian() -> None:
    """ "Гипертоническая болезнь: неактивный", "Грыжа диска: активный": a status word that
    agrees with one gender misreads beside every diagnosis of another, so a diagnosis's
    status is said in a form that has no gender ("в активной фазе", "в прошлом"). A
    resolved diagnosis is "в прошлом", the KB's own word ("Онкологическое заболевание в
    прошлом"), never "выздоровление", an outcome of the patient, nor "разрешён"."""
    from spinecare.engine.notes import CONDITION_STATUS

    said = {status: i18n.gettext("ru", word) for status, word in CONDITION_STATUS.items()}
    assert said["resolved"] == "в прошлом"
    # a short adjective or a participle ends in -ый/-ий/-ой (masculine), -ая/-яя, -ое/-ее
    agreeing = re.compile(r"(?:ый|ий|ой|ая|яя|ое|ее|[её]н|на|но)$")
    assert {s: ru for s, ru in said.items() if agreeing.search(ru)} == {}


def test_what_was_taught_is_said_of_the_patient_in_russian() -> None:
    """A program is not "обученная" (trained): the patient is taught it. The course page's
    heading says "Обучение домашней программе", the steps taught are the steps "которым
    обучен пациент" in the form and in its error alike, as a rehabilitation record says
    "пациент обучен технике самомассажа": "освоенные" (mastered) claimed the patient's
    skill, which the therapist ticking a step does not attest."""
    said = _russian_of_english_matching(r"\btaught\b")
    assert [e for e, ru in said.items() if re.search(r"(?i)обученн|освоенн", ru)] == []
    steps = {e: ru for e, ru in said.items() if re.search(r"\bsteps? taught\b", e)}
    assert steps and all("обучен пациент" in ru for ru in steps.values()), steps


def test_a_field_a_refusal_asks_a_reason_for_is_named_by_the_same_word() -> None:
    """A refusal says "нужно письменное обоснование"; the field to write it in was headed
    "Причина, если вне диапазона", which a reader did not take for the same thing."""
    refusals = _russian_of_english_matching(r"a written reason is required")
    assert refusals and all("обоснование" in ru for ru in refusals.values()), refusals
    for label in (
        "Reason if outside the range",
        "Reason for a zone or modality the plan did not propose",
    ):
        assert i18n.gettext("ru", label).startswith("Обоснование"), label


def test_no_russian_text_leaves_before_or_after_hanging() -> None:
    """ "боль 2 до, 6 после" (pain 2 before, 6 after) left "до" without what it was before: a
    Russian text says "до сеанса" where a comma or a bracket follows."""
    assert _russian_texts_matching(r"(?<![А-Яа-яЁё])(?:до|перед)\s*[,;)]") == []


def test_the_intake_and_the_stop_events_have_one_name_each_in_russian() -> None:
    """The intake is "анамнез" on every page, handout and error (its records "Записи
    анамнеза", a new one "Новая запись анамнеза"): "анкета приёма", "документ первичного
    опроса" and "новый анамнез" named it otherwise. A stop rule that fires is said as the
    course plan's field says it ("если сработает правило прекращения"), not "остановки
    курса"; the handout and the calendar head the patient's warning signs alike."""
    intake = _russian_of_english_matching(r"(?i)\bintake\b(?![.-])")  # not intake.yaml
    assert intake, "no text names the intake"
    assert {e: ru for e, ru in intake.items() if "анамнез" not in ru.casefold()} == {}
    assert _russian_texts_matching(r"(?i)первичного опроса|анкет\w* приёма|нов\w+ анамнез") == []
    stop_events = _russian_of_english_matching(r"\bstop events?\b")
    assert stop_events, "no text names the stop events"
    assert {e: ru for e, ru in stop_events.items() if "правил" not in ru} == {}
    assert i18n.gettext("ru", "Stop and call your doctor:").rstrip(":") == i18n.gettext(
        "ru", "Stop and call your doctor"
    )


def test_a_health_history_is_not_counted_in_russian() -> None:
    """A patient's page headed its intakes "Анамнезы": a clinician collects one анамнез and
    keeps its records ("Записи анамнеза"), never counts анамнезы."""
    assert _russian_texts_matching(r"(?i)анамнез(?:ы|ов|ам|ами|ах)\b") == []


def test_no_russian_heading_ends_on_a_preposition() -> None:
    """The patient's screening headed a list "Массажист будет осторожен из-за", a sentence cut
    before its object. A preposition that always takes one ("из-за", "для", "при") does not
    end a Russian text ("Боль до", "С" and "По" are a table's and a filter's words)."""
    assert _russian_texts_matching(r"(?:^|\s)(?:из-за|для|при|вместо|кроме)\s*:?$") == []


def test_no_english_heading_is_cut_before_its_object() -> None:
    """The patient's screening headed a list "Your therapist takes care with", the English
    twin of the cut Russian heading: a text ending on such a preposition is a clause ("What
    your therapist takes care with"). And a stop rule's threshold is "at +2 or more", as the
    Russian says "при +2 и более", not "pauses from +2"."""
    english = [_source(m.id) for m in catalogue("en") if m.id]
    cut = re.compile(r"^(?!What |Which |Who |The )\S.*\b(?:with|because of|due to|about)$")
    assert [e for e in english if cut.search(e)] == []
    assert [e for e in english if re.search(r"\bfrom [+-]%\(", e)] == []


def _source(msgid: str | tuple[str, ...]) -> str:
    """A catalogue entry's English text (a plural's singular)."""
    return msgid if isinstance(msgid, str) else msgid[0]
