"""Source kinds, evidence levels and the trace of the source articles.

Every recommendation of the KB (a rule, an indication, a modality, a course, a technique, a
precaution, a home program, a stop rule, a cost option, a herniation phase) carries an
evidence ``level``: the strongest kind of source it rests on (``evidence.yaml`` maps each
kind to its level). :func:`check_evidence` makes sure no level claims more than its sources
give, that every kind and level has a name readers see, that policies cite real sources,
and that every statement of the source articles is either implemented by KB items that
exist or carries the reason it is not followed as written.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from spinecare.errors import Problem
from spinecare.kb.schema import LEVELS, Indication, KnowledgeBase, Level, Rule, Text

if TYPE_CHECKING:
    from spinecare.kb.loader import KB

ARTICLE_KIND = "popular_article"


def recommendations(kb: KnowledgeBase) -> Iterator[tuple[str, str, Any]]:
    """``(where, key, item)`` for every KB item that recommends something and carries a
    level. ``key`` is the name the article trace uses (``rules.oncology``)."""
    for i, r in enumerate(kb.rules):
        yield f"rules.yaml > rules[{i}] ({r.id})", f"rules.{r.id}", r
    for i, ind in enumerate(kb.indications):
        yield f"rules.yaml > indications[{i}] ({ind.id})", f"indications.{ind.id}", ind
    p = kb.plans
    parts: list[tuple[str, list[Any], str]] = [
        ("modalities", p.modalities, "id"),
        ("courses", p.courses, "zone"),
        ("techniques", p.techniques, "id"),
        ("precautions", p.precautions, "id"),
        ("home_programs", p.home_programs, "zone"),
        ("stop_rules", p.stop_rules, "id"),
        ("cost_options", p.cost_options, "id"),
        ("herniation_phases", p.herniation_phases, "id"),
    ]
    for part, items, key in parts:
        for i, item in enumerate(items):
            name = getattr(item, key)
            yield f"plans.yaml > plans > {part}[{i}] ({name})", f"plans.{part}.{name}", item


def traceable(kb: KnowledgeBase) -> dict[str, Text | None]:
    """Every KB item an article statement may name, with the words readers know it by."""
    out: dict[str, Text | None] = {}
    concepts = {c.id: c.label for c in kb.concepts}
    zones = {z.id: z.label for z in kb.zones}
    for _, key, item in recommendations(kb):
        fields = type(item).model_fields
        if "label" in fields:
            out[key] = item.label
        elif "title" in fields:
            out[key] = item.title
        elif "concept" in fields:
            out[key] = concepts.get(item.concept)
        elif "zone" in fields:
            out[key] = zones.get(item.zone)
        else:
            out[key] = item.text
    for c in kb.concepts:
        out[f"concepts.{c.id}"] = c.label
    for t in kb.thresholds:
        out[f"thresholds.{t.id}"] = t.label
    for q in kb.questions:
        out[f"questions.{q.id}"] = q.label
    for z in kb.zones:
        out[f"zones.{z.id}"] = z.label
    for pol in kb.policies:
        out[f"policies.{pol.id}"] = pol.statement
    return out


def source_levels(kb: KnowledgeBase) -> dict[str, Level | None]:
    """The evidence level each source (and each clinic policy) gives."""
    level_of_kind = {k.id: k.level for k in kb.evidence.kinds}
    out: dict[str, Level | None] = {s.id: level_of_kind.get(s.kind) for s in kb.sources}
    out.update((p.id, level_of_kind.get("clinic_policy")) for p in kb.policies)
    return out


def supported_level(
    kb: KnowledgeBase, source_ids: list[str], levels: dict[str, Level | None] | None = None
) -> Level | None:
    """The strongest level the cited sources give (standards give none)."""
    levels = source_levels(kb) if levels is None else levels
    ranked = [LEVELS.index(lv) for sid in source_ids if (lv := levels.get(sid)) is not None]
    return LEVELS[min(ranked)] if ranked else None


def check_evidence(kb: KnowledgeBase) -> list[Problem]:
    """Names for every kind and level, sources and policies apart, levels no stronger
    than their sources, and every article statement implemented or explained."""
    return [
        *_check_names(kb),
        *_check_sources(kb),
        *_check_levels(kb),
        *_check_articles(kb),
    ]


def _check_names(kb: KnowledgeBase) -> list[Problem]:
    problems: list[Problem] = []
    kinds = {k.id for k in kb.evidence.kinds}
    levels = {lv.id for lv in kb.evidence.levels}
    for kind in {s.kind for s in kb.sources} | {"clinic_policy"}:
        if kind not in kinds:
            problems.append(Problem("evidence.yaml > evidence > kinds", f"no name for '{kind}'"))
    for level in LEVELS:
        if level not in levels:
            problems.append(Problem("evidence.yaml > evidence > levels", f"no name for '{level}'"))
    return problems


def _check_sources(kb: KnowledgeBase) -> list[Problem]:
    problems: list[Problem] = []
    source_ids = {s.id for s in kb.sources}
    for i, s in enumerate(kb.sources):
        if s.kind == "clinic_policy":
            problems.append(
                Problem(
                    f"sources.yaml > sources[{i}] ({s.id}) > kind",
                    "clinic policies are written in policies.yaml",
                )
            )
        if s.kind == ARTICLE_KIND and s.lang != "en" and s.titles is None:
            problems.append(
                Problem(
                    f"sources.yaml > sources[{i}] ({s.id}) > titles",
                    "an article in another language needs its title in every language",
                )
            )
    for i, pol in enumerate(kb.policies):
        where = f"policies.yaml > policies[{i}] ({pol.id})"
        if pol.id in source_ids:
            problems.append(Problem(where, "a policy id must differ from every source id"))
        for ref in pol.references:
            if ref not in source_ids:
                problems.append(Problem(f"{where} > references", f"unknown source '{ref}'"))
    return problems


def _check_levels(kb: KnowledgeBase) -> list[Problem]:
    problems: list[Problem] = []
    given = source_levels(kb)
    for where, _, item in recommendations(kb):
        if not set(item.sources) <= given.keys():
            continue  # the unknown source is reported by the cross-check
        best = supported_level(kb, item.sources, given)
        if best is None:
            problems.append(Problem(where + " > sources", "no source that is clinical evidence"))
        elif LEVELS.index(item.level) < LEVELS.index(best):
            problems.append(
                Problem(
                    where + " > level",
                    f"'{item.level}' is stronger than its sources give ('{best}')",
                )
            )
    return problems


def _check_articles(kb: KnowledgeBase) -> list[Problem]:
    problems: list[Problem] = []
    articles = {s.id for s in kb.sources if s.kind == ARTICLE_KIND}
    items = traceable(kb)
    seen: set[str] = set()
    for i, st in enumerate(kb.articles):
        where = f"articles.yaml > articles[{i}] ({st.id})"
        if st.id in seen:
            problems.append(Problem(where, "duplicate id"))
        seen.add(st.id)
        if st.article not in articles:
            problems.append(Problem(where + " > article", f"'{st.article}' is no article source"))
        if not st.implemented_by and st.not_followed is None:
            problems.append(
                Problem(where, "needs the KB items that implement it or a reason (not_followed)")
            )
        for key in st.implemented_by:
            if key not in items:
                problems.append(Problem(where + " > implemented_by", f"no KB item '{key}'"))
    return problems


def level_text(kb: KB, level: str, lang: str) -> str:
    """``Evidence: clinical guideline`` in ``lang``: what displays put beside a
    recommendation (both words come from ``evidence.yaml``)."""
    ev = kb.model.evidence
    names: dict[str, str] = {lv.id: lv.label.get(lang) for lv in ev.levels}
    return f"{ev.words['evidence'].get(lang)}: {names.get(level, level)}"


def rule_level_text(kb: KB, rule_id: str | None, lang: str) -> str | None:
    """The evidence level beside a finding (by its rule or indication id), or None."""
    found: Rule | Indication | None = kb.rules.get(rule_id or "")
    if found is None:
        found = next((i for i in kb.model.indications if i.id == rule_id), None)
    return level_text(kb, found.level, lang) if found is not None else None


def plan_level_text(kb: KB, part: str, item_id: str | None, lang: str) -> str | None:
    """The evidence level beside a plan item (``part``: modalities, precautions,
    stop_rules, cost_options, herniation_phases, techniques), or None."""
    items = getattr(kb.model.plans, part, [])
    item = next((x for x in items if getattr(x, "id", None) == item_id), None)
    return level_text(kb, item.level, lang) if item is not None else None


def patient_reason(kb: KB, rule_id: str | None, lang: str) -> str | None:
    """The rule's reason in plain words for the patient, or None."""
    rule = kb.rules.get(rule_id or "")
    return rule.patient_reason.get(lang) if rule is not None else None


def source_kinds(kb: KB, lang: str) -> dict[str, str]:
    """Each source's kind in ``lang`` (``systematic review``), by source id."""
    kinds = {k.id: k.label.get(lang) for k in kb.model.evidence.kinds}
    return {sid: kinds[src.kind] for sid, src in kb.sources.items()}


def source_names(kb: KB, lang: str) -> dict[str, str]:
    """Each source as readers see it in ``lang``: its title and its kind
    (``Massage for low-back pain (Cochrane review) (systematic review)``)."""
    kinds = source_kinds(kb, lang)
    return {sid: f"{src.title_in(lang)} ({kinds[sid]})" for sid, src in kb.sources.items()}
