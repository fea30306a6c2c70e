"""Screening -> CDS Hooks cards: indicator, summary, Markdown detail, suggestions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from spinecare.wording import verdict_text

DEMO_AS_OF = date(2026, 11, 22)
BASE = "https://spinecare.example.org"
EXPECTED = {
    "01-": ("allowed", "info"),
    "02-": ("allowed_with_precautions", "info"),
    "04-": ("defer", "warning"),
    "05-": ("needs_clearance", "warning"),
    "06-": ("needs_data", "warning"),
    "08-": ("refer_urgently", "critical"),
    "09-": ("contraindicated", "critical"),
}
DRAFT = {"resourceType": "ServiceRequest", "id": "m1", "status": "draft", "intent": "order"}


def _screen(kb, prefix: str, lang: str = "en"):
    from spinecare.core import load_record
    from spinecare.demo import demo_files
    from spinecare.engine.screening import screen_record

    path = next(p for p in demo_files() if p.name.startswith(prefix))
    return screen_record(load_record(path, kb), kb, DEMO_AS_OF, lang)


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_indicator_summary_and_detail(kb, prefix, lang):
    from spinecare.fhir.cards import screening_cards

    screening = _screen(kb, prefix, lang)
    verdict, indicator = EXPECTED[prefix]
    assert screening.verdict == verdict
    (card,) = screening_cards(screening, base_url=BASE, hook="order-sign", draft_orders=[DRAFT])
    assert card["indicator"] == indicator
    assert 0 < len(card["summary"]) < 140
    verdict_words = "Verdict" if lang == "en" else "Заключение"
    assert f"**{verdict_words}:** {verdict_text(verdict, lang)} ·" in card["detail"]
    if "_" in verdict:  # the id itself never reaches the card
        assert verdict not in card["detail"] and verdict not in card["summary"]
    # the EHR's patient is not known to spinecare: a SMART launch, never /patients/<EHR id>
    assert card["links"] == [
        {"label": card["links"][0]["label"], "url": f"{BASE}/launch", "type": "smart"}
    ]
    (known,) = screening_cards(screening, base_url=BASE, app_patient_id=42)
    assert known["links"] == [
        {"label": known["links"][0]["label"], "url": f"{BASE}/patients/42", "type": "absolute"}
    ]
    assert card["source"]["label"] and card["source"]["url"].startswith("http")
    blocking = verdict in {"refer_urgently", "contraindicated", "defer"}
    actions = [a for s in card.get("suggestions", []) for a in s["actions"]]
    assert any(a["type"] == "delete" for a in actions) == blocking
    assert any(a["type"] == "create" for a in actions) == (verdict == "needs_clearance")
    assert ("overrideReasons" in card) == (indicator != "info")
    if screening.missing:
        heading = "Missing data" if lang == "en" else "Недостающие данные"
        assert heading in card["detail"]


def test_patient_view_never_suggests_deleting_orders(kb):
    from spinecare.fhir.cards import screening_cards

    (card,) = screening_cards(
        _screen(kb, "09-"), base_url=BASE, hook="patient-view", draft_orders=[DRAFT]
    )
    assert "suggestions" not in card


def test_detail_lists_sources_and_escapes_record_text(kb):
    from spinecare.fhir.cards import screening_cards

    screening = _screen(kb, "09-")
    finding = next(f for f in screening.findings if f.certainty == "present")
    evil = replace(finding.evidence[0], label="[click](https://evil.example) <script>")
    finding.evidence[0] = evil
    (card,) = screening_cards(screening, base_url=BASE)
    assert "### Sources" in card["detail"]
    assert "[click](" not in card["detail"]
    assert "<script>" not in card["detail"]
    assert r"\[click\]" in card["detail"]


def test_summary_is_cut_under_140_characters(kb):
    from spinecare.fhir.cards import summary_for

    screening = _screen(kb, "09-")
    screening.findings[0].reason = "very long reason " * 30
    summary = summary_for(screening)
    assert len(summary) < 140
    assert summary.endswith("…")


def test_card_uuids_are_random_version_4_uuids() -> None:
    from uuid import RFC_4122, UUID

    from spinecare.fhir.cards import card_uuid

    seen = set()
    for _ in range(2000):
        text = card_uuid()
        parsed = UUID(text)
        assert (parsed.version, parsed.variant, str(parsed)) == (4, RFC_4122, text)
        seen.add(text)
    assert len(seen) == 2000


EHR = Path(__file__).resolve().parents[1] / "fixtures" / "ehr"
NOTED = [
    (
        "bp_next_day_in_utc_high.json",
        date(2026, 11, 20),
        "dated the day after: it may have been taken on this day",
        "дата следующего дня: измерение могло быть сделано в этот день",
    ),
    (
        "bp_stale.json",
        DEMO_AS_OF,
        "too old to count: older than 30 days",
        "слишком давно: старше 30 дн.",
    ),
    (
        "condition_note_metastases.json",
        DEMO_AS_OF,
        "found in text: 'metastases': confirm",
        "найдено в тексте: «metastases»: подтвердите",
    ),
    ("questionnaire_pregnant_unsure.json", DEMO_AS_OF, ": 'not sure'", ": «not sure»"),
]


@pytest.mark.parametrize(("name", "as_of", "en", "ru"), NOTED)
def test_a_card_says_the_screenings_note_beside_each_fact(
    kb, name: str, as_of: date, en: str, ru: str
) -> None:
    """The card says what the screening page and the text view say beside a fact (a text
    to confirm, a reading too old or dated the day after), in the card's language; the
    record's own words it quotes (a word matched, an answer as written) in quotation
    marks, so that the rest of a Russian card is Russian."""
    from spinecare.core import load_record
    from spinecare.engine.screening import screen_record
    from spinecare.fhir.cards import screening_cards
    from tests.web.pagescan import text_problems

    for lang, said in (("en", en), ("ru", ru)):
        screening = screen_record(load_record(EHR / name, kb), kb, as_of, lang)
        (card,) = screening_cards(screening, base_url=BASE)
        facts = [line for line in card["detail"].splitlines() if line.startswith("- **")]
        assert said in " ".join(facts).replace("\\", ""), (lang, card["detail"])
        if lang == "ru":
            assert text_problems([f.replace("\\", "") for f in facts], "ru") == []


@pytest.mark.parametrize(
    ("lang", "said", "wrong"),
    [
        ("en", "Entries of the record to confirm", "missing: Entries"),
        ("ru", "Записи, требующие подтверждения", "нет данных: Записи"),
    ],
)
def test_entries_to_confirm_are_not_said_to_be_missing(kb, lang, said, wrong) -> None:
    """A card whose only open item is entries of the record to confirm says so, not that
    data is missing (the entries are there: they are to be confirmed)."""
    from spinecare.core import load_record
    from spinecare.engine.screening import screen_record
    from spinecare.fhir.cards import screening_cards

    screening = screen_record(
        load_record(EHR / "adverse_event_dvt.json", kb), kb, date(2026, 11, 20), lang
    )
    assert [m.item for m in screening.missing] == ["record_to_confirm"]
    (card,) = screening_cards(screening, base_url=BASE)
    assert said in card["summary"] and wrong not in card["summary"]


def test_a_source_label_is_never_cut_inside_a_bracket() -> None:
    """A long source title cut for the card's label ends before a bracket it would leave
    open ("... (cautions in…" was a label)."""
    from spinecare.fhir.cards import _label

    title = "spinecare: NCCAM/NCCIH: Massage Therapy - An Introduction " + "(cautions in " * 12
    cut = _label(title)
    assert len(cut) <= 120 and cut.endswith("…")
    assert cut.count("(") == cut.count(")")
    assert _label("spinecare: short (title)") == "spinecare: short (title)"
