"""The intake as a FHIR R4 Questionnaire, and QuestionnaireResponses to it read as answers.

The Questionnaire (``spinecare fhir questionnaire``) has one item per KB intake question
(``linkId`` the question id: boolean or choice) and one per KB measure (``linkId`` the
measure id: a decimal in the measure's unit, coded with the measure's LOINC codes). A
QuestionnaireResponse to it, anywhere a record is read (a Bundle, CDS Hooks prefetch, the
REST API, a Bulk export), gives the record its answers and readings, dated by its
``authored`` date: the reader (:mod:`spinecare.fhir.reader`) reads it with the measures'
``linkId`` keys that :func:`reader_measures` adds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from spinecare.fhir.reader import MeasureTable, choice_key, measure_key, measure_name
from spinecare.i18n import translator
from spinecare.kb.expressions import Compare, walk
from spinecare.kb.loader import KB, model_expressions

__all__ = ["CANONICAL", "LINK_SYSTEM", "questionnaire", "reader_measures"]

CANONICAL = "https://spinecare.example.org/fhir/Questionnaire/massage-intake"
"""The Questionnaire's canonical URL (QuestionnaireResponse.questionnaire)."""
LINK_SYSTEM = "questionnaire-item"
"""Key of a measure by its item's linkId in the reader's measure lookup."""
UNIT_EXTENSION = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"
UCUM = "http://unitsofmeasure.org"


def _measure_item(kb: KB, measure: Any, lang: str) -> dict[str, Any]:
    uris = kb.model.systems
    return {
        "linkId": measure.id,
        "text": measure.label.get(lang),
        "type": "decimal",
        "code": [
            {"system": uris.get(c.system, c.system), "code": c.code, "display": c.display}
            for c in measure.codes[:1]
        ],
        "extension": [
            {
                "url": UNIT_EXTENSION,
                "valueCoding": {"system": UCUM, "code": measure.unit, "display": measure.unit},
            }
        ],
    }


def _question_item(question: Any, lang: str) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": question.id, "text": question.label.get(lang)}
    if question.type == "choice":
        item["type"] = "choice"
        item["answerOption"] = [
            {"valueCoding": {"code": c.value, "display": c.label.get(lang)}}
            for c in question.choices
        ]
    else:
        item["type"] = "boolean"
    return item


def questionnaire(kb: KB, lang: str = "en") -> dict[str, Any]:
    """The intake Questionnaire: the KB's questions by group, then the readings."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for question in kb.model.questions:
        groups.setdefault(question.group, []).append(_question_item(question, lang))
    _ = translator(lang)
    titles = {
        "screening": _("Today"),
        "red_flag": _("Warning signs"),
        "contraindication": _("Conditions"),
        "history": _("History"),
        "readings": _("Readings"),
    }
    items = [
        {
            "linkId": group,
            "text": titles.get(group, group),
            "type": "group",
            "item": questions,
        }
        for group, questions in groups.items()
    ]
    items.append(
        {
            "linkId": "readings",
            "text": titles["readings"],
            "type": "group",
            "item": [_measure_item(kb, m, lang) for m in kb.model.measures],
        }
    )
    return {
        "resourceType": "Questionnaire",
        "id": "massage-intake",
        "url": CANONICAL,
        "version": kb.version,
        "name": "MassageIntake",
        "title": _("Massage intake"),
        "status": "active",
        "subjectType": ["Patient"],
        "language": lang,
        "item": items,
    }


_MEASURES: dict[int, tuple[KB, MeasureTable]] = {}
"""The reader's measure table, by the KB it was worked out from (one KB at a time)."""


def reader_measures(kb: KB) -> MeasureTable:
    """(system, code) -> (measure id, canonical unit, plausible low, high), for the reader,
    with the comparisons the KB's rules, indications and plans make of each measure.

    Worked out once per KB (it walks the whole KB model) and kept while that KB is used."""
    kept = _MEASURES.get(id(kb))
    if kept is not None and kept[0] is kb:
        return kept[1]
    table = _reader_measures(kb)
    _MEASURES.clear()
    _MEASURES[id(kb)] = (kb, table)
    return table


def _reader_measures(kb: KB) -> MeasureTable:

    def entry(m: Any) -> tuple[str, str, float | None, float | None]:
        low, high = (m.plausible.low, m.plausible.high) if m.plausible else (None, None)
        return (m.id, m.unit, low, high)

    out = {key: entry(m) for key, m in kb.measure_by_code.items()}
    # the intake Questionnaire's reading items, by their linkId (the measure id)
    out.update({(LINK_SYSTEM, m.id): entry(m) for m in kb.model.measures})
    comparisons: dict[str, list[tuple[str, float]]] = {}
    for node in _compares(kb.model):
        pair = (node.op, kb.threshold(node.threshold))
        if pair not in comparisons.setdefault(node.measure, []):
            comparisons[node.measure].append(pair)
    findings = [(c.system, c.code) for f in kb.model.findings for c in f.codes]
    panels: dict[tuple[str, str], tuple[str, ...]] = {}
    for m in kb.model.measures:
        for c in m.panels:
            panels[(c.system, c.code)] = (*panels.get((c.system, c.code), ()), m.id)
    return MeasureTable(
        out,
        comparisons,
        findings=findings,
        concept_codes=[key for key in kb.codes.exact if key[0] in ("snomed", "loinc")],
        answer_words=kb.model.text_cues.answer_words(),
        time_questions=kb.model.text_cues.time_questions.phrases(),
        ended_words=kb.model.text_cues.history_after.phrases(),
        not_ended_words=(
            *kb.model.text_cues.negation.phrases(),
            *kb.model.text_cues.pseudo.phrases(),
            *kb.model.text_cues.ongoing.phrases(),
            *kb.model.text_cues.history_end.phrases(),
        ),
        no_diagnosis_words=kb.model.text_cues.procedure_no_diagnosis.phrases(),
        encounter_days=kb.threshold("encounter_diagnosis_days"),
        panels=panels,
        questions=kb.questions,
        choice_questions=[q.id for q in kb.model.questions if q.type == "choice"],
        choice_words={
            q.id: {
                choice_key(text): c.value
                for c in q.choices
                for text in (c.value, c.label.en, c.label.ru)
            }
            for q in kb.model.questions
            if q.type == "choice"
        },
        names={
            measure_key(name): m.id
            for m in kb.model.measures
            if m.names is not None
            for name in m.names.all()
        },
        panel_names={
            measure_key(name): next(c.code for c in m.panels if c.system == "loinc")
            for m in kb.model.measures
            if m.panel_names is not None
            for name in m.panel_names.all()
        },
        pair_names={
            measure_key(name): next(c.code for c in m.panels if c.system == "loinc")
            for m in kb.model.measures
            if m.pair_names is not None
            for name in m.pair_names.all()
        },
        long_names={
            m.id: [c.display for c in m.codes if c.system == "loinc" and c.display]
            for m in kb.model.measures
        },
        unit_names={
            measure_key(name): m.id
            for m in kb.model.measures
            if m.unit_names is not None
            for name in m.unit_names.all()
        },
        question_names={
            measure_name(name): q.id
            for q in kb.model.questions
            if q.names is not None and q.type == "boolean"
            for name in q.names.all()
        },
    )


def _compares(model: Any) -> Iterator[Compare]:
    """Every measure comparison in a KB model (rules, indications, plans)."""
    for expr in model_expressions(model):
        for node in walk(expr):
            if isinstance(node, Compare):
                yield node
