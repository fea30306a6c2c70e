"""Clinical words only, in English and in Russian: the CLI's text output, the handout (its
text extracted from the PDF), the calendar and the CDS Hooks cards.

Each text fails on ids (``collar_zone``, ``needs_clearance``), UCUM codes (``mm[Hg]``,
``{score}``, ``Cel``), True/False/None, file paths, and, in Russian, on any English word
that is not a text of the record or the title of a cited source (those keep their
language).
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from pypdf import PdfReader

from spinecare.core import load_record, plan, screen
from spinecare.demo import demo_files
from spinecare.engine.course import start_course
from spinecare.fhir.cards import screening_cards
from spinecare.i18n import translate
from spinecare.messages import Message
from spinecare.reports.calendar import home_calendar
from spinecare.reports.handout import Clinic, render_handout
from tests.web.pagescan import DECIMAL_POINT, PSEUDO_PLURAL

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 22)
LANGS = ("en", "ru")
EHR = ROOT / "tests" / "fixtures" / "ehr"
SNAKE_ID = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
UCUM = re.compile(r"mm\[Hg\]|\{score\}|\{session\}|\bCel\b|\[degF\]|10\*9/L|10\*3/uL|/wk\b")
PYTHON_WORDS = re.compile(r"\b(?:True|False|None)\b")
PATH = re.compile(r"\.ya?ml\b|\.json\b|/work/|spinecare/demo|#(?:conditions|answers|vitals)")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
LATIN_KEPT = {"spinecare", "in", "situ"}  # a name; Latin (in situ)
ACRONYM = re.compile(r"^[A-Z]{2,6}$")  # FHIR, NICE NG59, KNGF: the same in every language
URL = re.compile(r"<?https?://[^\s»]+")
QUOTED = re.compile(r"«[^»]*»")
DOI = re.compile(r"\bdoi:\S+", re.IGNORECASE)
INTERNAL = re.compile(
    r"design choice|проектное решение|DESIGN\.md|project's contract|\bthe seed\b|UNCONFIRMED|"
    r"machine-translated|unattributed",
    re.IGNORECASE,
)
CLINIC = {
    "en": Clinic("Back Care Clinic", phone="+44 20 7946 0000", address="1 High St, London"),
    "ru": Clinic("Клиника «Здоровая спина»", phone="+7 495 123-45-67", address="Москва"),
}
PATIENT = {"en": "Margaret Hughes", "ru": "Елена Соколова"}


def record_texts(kb: Any) -> list[str]:
    """Texts that come from the records (kept as recorded) and titles of sources."""
    out = [s.title for s in kb.model.sources] + [s.citation or "" for s in kb.model.sources]
    for path in [*demo_files(), *EHR.glob("*.json")]:
        record = load_record(path, kb)
        result = screen(record, AS_OF, kb=kb)
        out.append(record.patient.name or "")  # the patient, named as the record does
        # why a reading was set aside quotes the record (a unit as written)
        out += [text for i in record.ignored for text in recorded(i.reason)]
        for f in result.findings:
            out += [e.label for e in f.evidence]
            # an answer that is neither yes nor no is shown as the patient wrote it
            out += [e.value for e in f.evidence if isinstance(e.value, str)]
            if f.settled is not None:
                out += [f.settled.clearance.by or ""]
    return sorted({t for t in out if t}, key=len, reverse=True)


@pytest.fixture(scope="module")
def kept(kb: Any) -> list[str]:
    return record_texts(kb)


def problems(text: str, lang: str, kept: list[str]) -> list[str]:
    text = re.sub(r"\\([\\`*_\[\]<>#|~])", r"\1", text)
    text = URL.sub(" ", text)
    for t in kept:  # as recorded, or as the source is cited
        if len(t) > 1:  # a letter alone ("t", a short name) is no word, and is in every word
            text = text.replace(t, " ")
    found = [
        *SNAKE_ID.findall(text),
        *UCUM.findall(text),
        *PYTHON_WORDS.findall(text),
        *PATH.findall(text),
        *PSEUDO_PLURAL.findall(text),  # "Зона(ы)": the form the count asks for
    ]
    found += re.findall(r"(?:Zones?|Modalities|Зоны|Виды массажа): [a-z][a-z]+\b", text)
    if lang == "ru":
        # the record's words a text quotes («carcinoma», «not sure») are the record's
        text = QUOTED.sub(" ", text)
        found += [
            w for w in LATIN_WORD.findall(text) if w not in LATIN_KEPT and not ACRONYM.match(w)
        ]
        # a number with a decimal point (Russian writes a comma); a DOI is a name
        found += DECIMAL_POINT.findall(DOI.sub(" ", text))
    return found


def cli(*args: str) -> str:
    """What ``spinecare ARGS`` prints, run in this process (see ``cli_json``)."""
    from typer.testing import CliRunner

    from spinecare.cli import app

    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "4000", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.stdout


def handout_text(kb: Any, lang: str) -> str:
    p = plan(
        ROOT / "spinecare/demo/02-hughes-lumbar-osteochondrosis-osteoporosis.yaml", AS_OF, kb=kb
    )
    course = start_course(p, start=AS_OF, kb=kb)
    pdf = render_handout(
        course, kb, lang=lang, patient_name=PATIENT[lang], clinic=CLINIC[lang], day=AS_OF
    )
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def calendar_text(kb: Any, lang: str) -> str:
    p = plan(ROOT / "spinecare/demo/01-sokolova-cervical-osteochondrosis.yaml", AS_OF, kb=kb)
    course = start_course(p, start=AS_OF, kb=kb)
    cal = Calendar.from_ical(home_calendar(course, kb, lang=lang, now=None))
    parts = [str(cal.get("x-wr-calname"))]
    for component in cal.walk():
        for key in ("summary", "description"):
            if component.get(key):
                parts.append(str(component.get(key)))
    return "\n".join(parts)


def card_texts(kb: Any, lang: str) -> str:
    out = []
    for path in [*demo_files(), *sorted(EHR.glob("*.json"))]:
        result = screen(load_record(path, kb), AS_OF, lang=lang, kb=kb)
        (card,) = screening_cards(result, base_url="https://clinic.example.org", hook="order-sign")
        out += [card["summary"], card["detail"]]
        out += [s["label"] for s in card.get("suggestions", [])]
        out += [a["description"] for s in card.get("suggestions", []) for a in s["actions"]]
        out += [r["display"] for r in card.get("overrideReasons", [])]
        out += [link["label"] for link in card["links"]]
    return "\n".join(out)


@pytest.mark.parametrize("lang", LANGS)
def test_cli_demo_speaks_in_clinical_words(lang: str, kept: list[str]) -> None:
    text = cli("demo", "--as-of", AS_OF.isoformat(), "--lang", lang)
    assert problems(text, lang, kept) == []
    zones = "Зоны" if lang == "ru" else "Zones"
    assert re.search(rf"{zones}: [A-ZА-Я]", text)


@pytest.mark.parametrize("lang", LANGS)
def test_cli_fhir_screening_names_evidence_as_a_clinician(lang: str, kept: list[str]) -> None:
    text = cli("screen", str(EHR / "active_with_past_abatement.json"), "--lang", lang)
    assert problems(text, lang, kept) == []
    assert "Condition/" not in text and "Observation/" not in text


@pytest.mark.parametrize("lang", LANGS)
def test_handout_speaks_in_clinical_words(kb: Any, lang: str, kept: list[str]) -> None:
    text = handout_text(kb, lang)
    assert problems(text, lang, kept) == []
    # a patient reads it: the guidance's version, not the software's knowledge base
    assert not re.search(r"knowledge base|база знаний|\bDose\b|Дозировка", text)


@pytest.mark.parametrize(
    ("lang", "course"),
    [
        ("en", "Course: 10 sessions, 3 times a week (2-5), 15 min per session"),
        ("ru", "Курс: 10 сеансов, 3 раза в неделю (2–5), 15 мин за сеанс"),
    ],
)
def test_cli_plan_counts_take_their_plural_form(lang: str, course: str) -> None:
    demo = ROOT / "spinecare/demo/01-sokolova-cervical-osteochondrosis.yaml"
    text = cli("plan", str(demo), "--as-of", AS_OF.isoformat(), "--lang", lang)
    assert course in text


@pytest.mark.parametrize("lang", LANGS)
def test_calendar_speaks_in_clinical_words(kb: Any, lang: str, kept: list[str]) -> None:
    text = calendar_text(kb, lang)
    assert problems(text, lang, kept) == []


@pytest.mark.parametrize("lang", LANGS)
def test_cards_speak_in_clinical_words(kb: Any, lang: str, kept: list[str]) -> None:
    text = card_texts(kb, lang)
    assert problems(text, lang, kept) == []


@pytest.mark.parametrize("lang", LANGS)
def test_no_project_vocabulary_reaches_clinicians_or_patients(kb: Any, lang: str) -> None:
    texts = [
        cli("demo", "--as-of", AS_OF.isoformat(), "--lang", lang),
        handout_text(kb, lang),
        calendar_text(kb, lang),
        card_texts(kb, lang),
    ]
    assert [m for t in texts for m in INTERNAL.findall(t)] == []


def test_a_reading_set_aside_is_explained_in_russian(kb: Any) -> None:
    path = EHR / "bp_implausible.json"
    result = screen(load_record(path, kb), AS_OF, lang="ru", kb=kb)
    notes = [m.why for m in result.missing if "Не использовано" in m.why]
    assert notes
    assert not [w for n in notes for w in LATIN_WORD.findall(n) if not ACRONYM.match(w)]
    assert "1\xa0200 мм рт. ст." in notes[0]


@pytest.mark.parametrize("lang", LANGS)
def test_what_is_missing_is_said_in_clinical_words(kb: Any, lang: str, kept: list[str]) -> None:
    """Every record of the fixtures: what to measure or ask, and why a reading was set aside."""
    texts = []
    for path in [*demo_files(), *sorted(EHR.glob("*.json"))]:
        result = screen(load_record(path, kb), AS_OF, lang=lang, kb=kb)
        texts += [f"{m.label}: {m.why}" for m in result.missing]
    assert any(("Set aside" if lang == "en" else "Не использовано") in t for t in texts)
    assert [(t, problems(t, lang, kept)) for t in texts if problems(t, lang, kept)] == []


@pytest.mark.parametrize("lang", LANGS)
def test_notes_beside_the_facts_are_said_in_clinical_words(
    kb: Any, lang: str, kept: list[str]
) -> None:
    """What the screening notes beside a fact (a status, a text to confirm, a reading too
    old, a value as the record wrote it): a message shown in the reader's language."""
    notes: dict[str, list[str]] = {}
    for path in [*demo_files(), *sorted(EHR.glob("*.json"))]:
        result = screen(load_record(path, kb), AS_OF, lang=lang, kb=kb)
        for e in (e for f in result.findings for e in f.evidence if e.note):
            assert isinstance(e.note, Message), e.note
            notes[translate(e.note, lang)] = recorded(e.note)
    assert len(notes) > 5
    found = {n: problems(n, lang, [*words, *kept]) for n, words in notes.items()}
    assert {n: p for n, p in found.items() if p} == {}


def recorded(message: Message) -> list[str]:
    """The texts of the record a message quotes (a code, the words matched)."""
    out = []
    for value in message.params.values():
        if isinstance(value, Message):
            out += recorded(value)
        elif type(value) is str:
            out.append(value)
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_facts_recorded_by_their_concept_are_named(kb: Any, lang: str, kept: list[str]) -> None:
    """A fact an intake records by its concept alone (no text, no code) is named from the
    KB in the reader's language, never by its id."""
    from spinecare.errors import SpinecareError
    from spinecare.wording import evidence_text

    texts = []
    for path in sorted(
        [*(ROOT / "tests/fixtures/rules").glob("*.yaml"), *EHR.parent.glob("intake/*.yaml")]
    ):
        try:
            record = load_record(path, kb)
        except SpinecareError:  # a fixture of a refused file
            continue
        result = screen(record, AS_OF, lang=lang, kb=kb)
        texts += [evidence_text(e, lang) for f in result.findings for e in f.evidence]
        facts = [*record.conditions, *record.medications, *record.procedures]
        kept = [*kept, *(t for x in facts for t in (x.text, *(c.display for c in x.codings)) if t)]
    assert len(texts) > 20
    kept = sorted(set(kept), key=len, reverse=True)  # the longest first
    assert {t: problems(t, lang, kept) for t in texts if problems(t, lang, kept)} == {}


def test_every_kind_of_resource_read_has_a_clinical_word() -> None:
    """Evidence names the kind of record it came from; every kind the reader takes a fact
    from has its word (a Medication is read with its order; a ServiceRequest gives none)."""
    from spinecare.fhir.reader import RecordBuilder
    from spinecare.wording import FHIR_WORDS

    read = set(RecordBuilder({}, "-")._handlers) - {"Medication", "ServiceRequest"}
    assert read - set(FHIR_WORDS) == set()


def test_a_reading_named_by_its_words_is_set_aside_with_the_readers_numbers(kb: Any) -> None:
    """A temperature a flowsheet row calls "Temp" (38.9 °C, as the record wrote it) is set
    aside to confirm; the Russian reason wrote "38.9 °C", with the record's decimal point."""
    result = screen(load_record(EHR / "local_flowsheet_temperature_fever.json", kb), AS_OF, kb=kb)
    (why,) = [translate(i.reason, "ru") for i in result.record.ignored if "Temp" in i.reason]
    assert why.startswith("38,9 °C записано как «Temp»"), why


@pytest.mark.parametrize(
    ("years", "ru", "en"),
    [
        (21.0, "Возраст: 21 год", "Age: 21 years"),
        (52.0, "Возраст: 52 года", "Age: 52 years"),
        (35.0, "Возраст: 35 лет", "Age: 35 years"),
    ],
)
def test_an_age_takes_its_plural_form(years: float, ru: str, en: str) -> None:
    """The patient's age beside a finding: "52 года", not "52 лет"."""
    from spinecare.engine.evaluate import Evidence
    from spinecare.wording import evidence_text

    age = Evidence(ref="Patient", kind="patient", label="Age", value=years, date=date(1974, 5, 1))
    assert evidence_text(age, "ru").startswith(ru + " (дата рождения 1 мая 1974")
    assert evidence_text(age, "en").startswith(en + " (born 1 May 1974")


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "Surgery planned or just done"), ("ru", "Операция запланирована")],
)
def test_a_choice_answer_is_said_in_the_kb_words(kb: Any, lang: str, words: str) -> None:
    """A form's answer to a choice question (the herniation phase) is the choice's name in
    the reader's language on the CLI and the card, never its id (``surgery``); the JSON
    answer keeps the id."""
    path = EHR / "questionnaire_phase_by_label.json"
    text = cli("screen", str(path), "--as-of", "2026-11-20", "--lang", lang)
    result = screen(load_record(path, kb), date(2026, 11, 20), lang=lang, kb=kb)
    (card,) = screening_cards(result, base_url="https://clinic.example.org")
    for said in (text, card["detail"]):
        assert words in " ".join(said.split())
        assert not re.search(r"[:'«‘“]\s*surgery\b", said), said
    (evidence,) = [e for f in result.findings for e in f.evidence if e.kind == "answer"]
    assert evidence.to_json()["value"] == "surgery"
