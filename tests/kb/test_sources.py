"""Sources a clinic can trust: kinds, evidence levels, clinic policies, patient reasons and
the trace of the two source articles."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from spinecare.cli import app
from spinecare.kb import check_kb, load_kb
from spinecare.kb.evidence import recommendations, supported_level, traceable
from spinecare.kb.loader import iter_texts
from spinecare.kb.report import docs_section, trace_report
from spinecare.kb.schema import LEVELS
from tests.kb.helpers import copy_kb, edit

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sources.md"
INTERNAL = re.compile(
    r"DESIGN\.md|design[ -]choice|design note|the project|\bseeds?\b|machine-translated|"
    r"unattributed web article|(?-i:UNCONFIRMED|LOW-Q)|проектн|clinical-reference",
    re.IGNORECASE,
)


def test_every_source_kind_and_level_has_a_name_in_both_languages(kb) -> None:
    ev = kb.model.evidence
    assert {lv.id for lv in ev.levels} == set(LEVELS)
    kinds = {k.id for k in ev.kinds}
    assert {s.kind for s in kb.sources.values()} <= kinds
    for item in [*ev.kinds, *ev.levels]:
        assert item.label.en and re.search("[а-я]", item.label.ru)


def test_every_recommendation_has_a_level_its_sources_support(kb) -> None:
    found = list(recommendations(kb.model))
    assert len(found) >= 60
    for where, _, item in found:
        best = supported_level(kb.model, item.sources)
        assert best is not None, where
        assert LEVELS.index(item.level) >= LEVELS.index(best), where


def test_a_missing_kind_fails_the_check_with_its_path(tmp_path: Path) -> None:
    folder = copy_kb(tmp_path)
    edit(folder / "sources.yaml", lambda d: d["sources"][0].pop("kind"))
    problems = [str(p) for p in check_kb(folder)]
    assert problems == ["sources.yaml > sources[0] (negex_2001) > kind: Field required"]


def test_a_missing_level_fails_the_check_with_its_path(tmp_path: Path) -> None:
    folder = copy_kb(tmp_path)
    edit(folder / "rules.yaml", lambda d: d["rules"][6].pop("level"))
    edit(folder / "plans.yaml", lambda d: d["plans"]["techniques"][0].pop("level"))
    problems = "\n".join(map(str, check_kb(folder)))
    assert "rules.yaml > rules[6] (oncology) > level: Field required" in problems
    assert "plans.yaml > plans > techniques[0] (stroking) > level: Field required" in problems


def test_a_level_stronger_than_the_sources_is_refused(tmp_path: Path) -> None:
    folder = copy_kb(tmp_path)
    edit(folder / "rules.yaml", lambda d: d["rules"][7].update({"level": "guideline"}))
    problems = [str(p) for p in check_kb(folder)]
    assert problems == [
        "rules.yaml > rules[7] (organ_decompensation) > level: "
        "'guideline' is stronger than its sources give ('policy')"
    ]


def test_no_source_cites_the_development_documents(kb) -> None:
    for source in kb.sources.values():
        assert source.kind != "design"
        shown = f"{source.title_in('en')} {source.title_in('ru')} {source.citation or ''}"
        assert not INTERNAL.search(shown), source.id


def test_no_text_readers_see_mentions_how_the_kb_was_made(kb) -> None:
    for path, text in iter_texts(kb.model):
        for value in (text.en, text.ru):
            assert not INTERNAL.search(value), f"{path}: {value}"


def test_clinic_policies_state_reason_and_rest_on_real_sources(kb) -> None:
    policies = kb.model.policies
    assert len(policies) >= 10
    cited = {sid for _, _, item in recommendations(kb.model) for sid in item.sources}
    for policy in policies:
        assert kb.sources[policy.id].kind == "clinic_policy"
        assert kb.sources[policy.id].title_in("ru") == policy.statement.ru
        assert all(kb.sources[ref].kind != "clinic_policy" for ref in policy.references)
    assert {"policy_red_flags", "policy_oncology", "policy_blood_pressure"} <= cited


def test_every_rule_has_a_plain_reason_for_the_patient(kb) -> None:
    for rule in kb.model.rules:
        for lang in ("en", "ru"):
            text = rule.patient_reason.get(lang)
            assert text != rule.reason.get(lang), rule.id
            assert not re.search(r"\b[a-z]+_[a-z_]+\b|mm\[Hg\]|Cel\b", text), rule.id


def test_every_statement_of_the_articles_is_implemented_or_explained(kb) -> None:
    statements = kb.model.articles
    by_article = {
        a: [s for s in statements if s.article == a] for a in {s.article for s in statements}
    }
    assert set(by_article) == {"article_osteochondrosis", "article_herniation"}
    kinds = {s.kind for s in by_article["article_osteochondrosis"]}
    assert {"indication", "contraindication", "technique", "caution", "advice"} <= kinds
    assert sum(s.kind == "indication" for s in by_article["article_osteochondrosis"]) == 7
    assert sum(s.kind == "contraindication" for s in by_article["article_osteochondrosis"]) == 8
    items = traceable(kb.model)
    for st in statements:
        assert st.implemented_by or st.not_followed is not None, st.id
        assert all(key in items for key in st.implemented_by), st.id
    metastases = next(s for s in statements if "metasta" in s.text.en)
    assert metastases.not_followed is not None


def test_a_removed_kb_item_or_an_unexplained_statement_fails_the_check(tmp_path: Path) -> None:
    folder = copy_kb(tmp_path)

    def drop_scoliosis(d):
        d["indications"] = [i for i in d["indications"] if i["id"] != "scoliosis"]

    edit(folder / "rules.yaml", drop_scoliosis)

    def unexplain(d):
        d["articles"][1].pop("not_followed")

    edit(folder / "articles.yaml", unexplain)
    problems = "\n".join(map(str, check_kb(folder)))
    assert (
        "articles.yaml > articles[14] (osteo_ind_scoliosis) > implemented_by: "
        "no KB item 'indications.scoliosis'" in problems
    )
    assert "articles.yaml > articles[1] (osteo_circulation_subluxation): needs the KB items" in (
        problems
    )


def test_docs_page_is_the_current_trace_report(kb) -> None:
    section = docs_section(DOCS.read_text(encoding="utf-8"))
    assert section is not None
    assert section.strip() == trace_report(kb, "en").strip(), (
        "docs/sources.md is out of date: run spinecare kb trace --docs docs/sources.md"
    )


def test_kb_trace_prints_the_report_in_russian() -> None:
    result = CliRunner().invoke(app, ["kb", "trace", "--lang", "ru"])
    assert result.exit_code == 0, result.output
    assert "Что база знаний делает" in result.output
    assert "популярная статья, оригинал на русском языке" in result.output
    assert "Не выполняется как написано" in result.output
    assert result.output == trace_report(load_kb(), "ru")


def _demo_screening(kb, prefix: str, lang: str):
    from datetime import date

    from spinecare.core import load_record
    from spinecare.demo import demo_files
    from spinecare.engine.screening import screen_record

    path = next(p for p in demo_files() if p.name.startswith(prefix))
    return screen_record(load_record(path, kb), kb, date(2026, 11, 22), lang)


def test_cli_screen_and_plan_show_the_level_beside_each_recommendation() -> None:
    from spinecare.demo import demo_files

    path = next(p for p in demo_files() if p.name.startswith("09-"))
    runner = CliRunner()
    screen = runner.invoke(app, ["screen", str(path), "--as-of", "2026-11-22", "--lang", "ru"])
    assert screen.exit_code == 0, screen.output
    assert "Уровень доказательности: мнение экспертов" in screen.output
    path = next(p for p in demo_files() if p.name.startswith("01-"))
    plan = runner.invoke(app, ["plan", str(path), "--as-of", "2026-11-22"])
    assert plan.exit_code == 0, plan.output
    assert "Level of evidence: clinic policy (expert opinion)" in plan.output
    assert "Level of evidence: popular article only" in " ".join(plan.output.split())


def test_the_cds_card_says_the_level_in_its_detail_not_in_the_source_label(kb) -> None:
    """The finding's level of evidence is the card's detail's: beside the source's title it
    read as that source's own level (a systematic review shown as a clinical guideline)."""
    from spinecare.fhir.cards import screening_cards

    for lang, words in (("en", "Level of evidence"), ("ru", "Уровень доказательности")):
        (card,) = screening_cards(_demo_screening(kb, "08-", lang), base_url="https://x.example")
        assert words in card["detail"] and words not in card["source"]["label"]
        assert card["source"]["url"].startswith("https://")
        assert len(card["source"]["label"]) <= 120


def test_patient_reasons_are_plain_words(kb) -> None:
    from spinecare.kb.evidence import patient_reason

    screening = _demo_screening(kb, "09-", "ru")
    reasons = [patient_reason(kb, f.rule, "ru") for f in screening.findings if f.counts]
    assert "Пока идёт лечение опухоли, массаж не проводится, если лечащий врач не решит иначе." in (
        reasons
    )
