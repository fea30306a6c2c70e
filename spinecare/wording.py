"""Clinical words for the adapters that print or send texts: the CLI, the handout, the
calendar, the charts and the CDS Hooks cards.

The engine returns ids (verdicts, effects, concepts, zones, modalities, sources) and
facts with their references; these functions say them as a clinician would, in the
reader's language: verdict words from the catalogues (:mod:`spinecare.i18n`), names of
concepts, zones, modalities and sources from the KB, values with units as people write
them, and the evidence of a finding named by where it was recorded (the intake of
20 Nov 2026, the session of 3 Dec 2026, the FHIR Observation of ...), never a file path
or an id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from spinecare.engine.evaluate import Evidence
from spinecare.i18n import day_text, gettext, plural, quantity, translate, translator, yes_no
from spinecare.kb.loader import KB
from spinecare.kb.schema import Text as KBText
from spinecare.messages import N_, Message, Shown

__all__ = [
    "EFFECT_WORDS",
    "NOT_READ",
    "NOT_USED_WORDS",
    "ROLE_GROUP_WORDS",
    "ROLE_WORDS",
    "SEX_WORDS",
    "VERDICT_WORDS",
    "ChoiceNames",
    "LanguageNames",
    "RoleGroups",
    "RoleNames",
    "WordNames",
    "concept_name",
    "day_text",
    "effect_text",
    "evidence_origin",
    "evidence_text",
    "item_name",
    "modality_name",
    "not_read_text",
    "note_text",
    "record_words",
    "source_title",
    "verdict_text",
    "zone_name",
]

VERDICT_WORDS = {
    "refer_urgently": N_("Refer urgently: no massage, same-day medical assessment"),
    "contraindicated": N_("Contraindicated: no massage"),
    "defer": N_("Defer: not now, screen again later"),
    "needs_clearance": N_("Needs physician clearance before massage"),
    "needs_data": N_("Needs data: measure or ask first"),
    "allowed_with_precautions": N_("Allowed with precautions"),
    "allowed": N_("Allowed"),
}
"""The verdict as a sentence a therapist acts on (one per verdict id)."""

EFFECT_WORDS = {
    "refer_urgently": N_("urgent referral"),
    "contraindicated": N_("contraindication"),
    "defer": N_("temporary contraindication"),
    "needs_clearance": N_("needs physician clearance"),
    "needs_data": N_("needs data"),
    "allowed_with_precautions": N_("precaution"),
    "allowed": N_("no limit"),
}
"""What one finding does to the verdict, as a noun."""

PLAN_STATUS_WORDS = {
    "ready": N_("ready to start"),
    "pending": N_("provisional, not to start yet"),
    "blocked": N_("not given now"),
}

CLEARANCE_WORDS = {
    "cleared": N_("cleared by the physician"),
    "declined": N_("declined by the physician"),
}

FHIR_WORDS = {
    "Condition": N_("diagnosis"),
    "Observation": N_("observation"),
    "MedicationStatement": N_("medication record"),
    "MedicationRequest": N_("prescription"),
    "MedicationAdministration": N_("medication given"),
    "MedicationDispense": N_("medication dispensed"),
    "Procedure": N_("procedure"),
    "QuestionnaireResponse": N_("questionnaire"),
    "Patient": N_("patient details"),
    "Encounter": N_("visit"),
    "ServiceRequest": N_("order or referral"),
    "Claim": N_("insurance claim"),
    "ExplanationOfBenefit": N_("insurance claim settled"),
    "Flag": N_("alert"),
    "DiagnosticReport": N_("report"),
    "ClinicalImpression": N_("clinical assessment"),
    "DetectedIssue": N_("clinical warning"),
    "DocumentReference": N_("clinical note"),
    "Composition": N_("clinical document"),
    "FamilyMemberHistory": N_("family history"),
    "List": N_("list"),
    "ImagingStudy": N_("imaging study"),
    "AdverseEvent": N_("adverse event"),
    "EpisodeOfCare": N_("episode of care"),
    "Communication": N_("message"),
    "RiskAssessment": N_("risk assessment"),
    "CarePlan": N_("care plan"),
    "Task": N_("task"),
    "CareTeam": N_("care team"),
    "DeviceUseStatement": N_("device in use"),
    "Immunization": N_("vaccination"),
    "Appointment": N_("appointment"),
    "Goal": N_("treatment goal"),
    "DeviceRequest": N_("device order"),
    "CommunicationRequest": N_("request for a message"),
    "BodyStructure": N_("body structure"),
    "Specimen": N_("specimen"),
    "Media": N_("image or recording"),
    "Basic": N_("other record entry"),
    "NutritionOrder": N_("diet order"),
    "AllergyIntolerance": N_("allergy or intolerance"),
    "Device": N_("implanted or used device"),
    "OperationOutcome": N_("message from the EHR"),
    "Substance": N_("substance of a medication"),
    "Bundle": N_("set of records"),
    "ChargeItem": N_("billed service"),
    "RequestGroup": N_("set of orders"),
    "GuidanceResponse": N_("decision support advice"),
}
"""A FHIR resource as the clinician knows the record it carries."""

OTHER_ENTRY = N_("record entry")
"""A FHIR resource of another kind."""

NOT_READ = N_("Not read")
"""The heading over the kinds of record the EHR did not give (:func:`not_read_text`)."""
NOT_READ_WHY = N_(
    "The EHR did not give these parts of the record, so the screening could not read "
    "them: %(kinds)s. Check them in the chart before massage."
)


def not_read_text(kinds: Iterable[str], lang: str) -> str:
    """What a CDS Hooks card or the screening page of a SMART launch says, under
    :data:`NOT_READ`, of the kinds of record (FHIR resource types, as
    :func:`spinecare.fhir.prefetch.unread_kinds` names them) the EHR did not give."""
    return gettext(lang, NOT_READ_WHY) % {"kinds": _kind_names(kinds, lang)}


def _kind_names(kinds: Iterable[str], lang: str) -> str:
    """Kinds of record (FHIR resource types) as a clinician names them, one after another."""
    return ", ".join(gettext(lang, FHIR_WORDS.get(kind, OTHER_ENTRY)) for kind in kinds)


PARTLY_READ_WHY = N_(
    "The EHR gave only the latest entries of these parts of the record (more than it sent"
    " at once): %(kinds)s. An older entry may change the screening: check them in the chart"
    " before massage."
)


def partly_read_text(kinds: Iterable[str], lang: str) -> str:
    """What a card says of the kinds of record the EHR gave only in part (a search's first
    page, :func:`spinecare.fhir.prefetch.partly_read`)."""
    return gettext(lang, PARTLY_READ_WHY) % {"kinds": _kind_names(kinds, lang)}


NOT_USED_WORDS = {
    "condition": N_("diagnosis"),
    "observation": N_("observation"),
    "note": N_("note or report"),
    "medication": N_("medication"),
    "procedure": N_("procedure"),
    "set_aside": N_("not read"),
}
"""What an entry the screening did not use is (``Screening.not_used``)."""

ROLE_WORDS = {
    "admin": N_("administrator"),
    "therapist": N_("massage therapist"),
    "physician": N_("physician"),
    "patient": N_("patient"),
}
"""An account's role as the clinic says it (one per role id)."""

ROLE_GROUP_WORDS = {
    "admin": N_("administrators"),
    "therapist": N_("massage therapists"),
    "physician": N_("physicians"),
    "patient": N_("patients"),
}
"""The people who hold a role, as a group (``this page is for %(roles)s``)."""


class ChoiceNames(Shown):
    """The choices of a list (zones, a question's answers) as a parameter of a message
    (``one of %(choices)s``): their ids as its English value (the JSON answer), their
    names from the KB in the reader's language on a page."""

    names: dict[str, KBText]

    def __new__(cls, names: dict[str, KBText]) -> ChoiceNames:
        self = super().__new__(cls, ", ".join(names))
        self.names = names
        return self

    def __getnewargs__(self) -> tuple[Any, ...]:
        return (self.names,)

    def in_language(self, lang: str) -> str:
        return ", ".join(label.get(lang) for label in self.names.values())


class RoleNames(Shown):
    """Roles as a parameter of a message (``this page is for %(roles)s``): the ids as its
    English value (the JSON answer, the log), the roles' names in the reader's language
    on a page (``administrator``, ``массажист``)."""

    roles: tuple[str, ...]

    def __new__(cls, *roles: str) -> RoleNames:
        self = super().__new__(cls, ", ".join(roles))
        self.roles = roles
        return self

    def __getnewargs__(self) -> tuple[Any, ...]:
        return self.roles

    def in_language(self, lang: str) -> str:
        return ", ".join(gettext(lang, ROLE_WORDS.get(r, r)) for r in self.roles)


class RoleGroups(RoleNames):
    """Roles as the people who hold them, joined as the reader's language joins a list
    (``this page is for %(roles)s``): ``administrators and massage therapists``,
    ``администраторы и массажисты``; the ids as its English value (the log)."""

    def in_language(self, lang: str) -> str:
        from babel.lists import format_list

        words = [gettext(lang, ROLE_GROUP_WORDS.get(r, r)) for r in self.roles]
        return format_list(words, locale=lang) if words else ""


SEX_WORDS = {
    "female": N_("female"),
    "male": N_("male"),
    "other": N_("other"),
    "unknown": N_("unknown"),
}
"""A patient's sex as the patient form says it (one per value of the record)."""


class WordNames(Shown):
    """Values of a list (a patient's sex) as a parameter of a message (``one of
    %(choices)s``): the values as its English value (the JSON answer), their words from
    the catalogues in the reader's language on a page (``женский, мужской``)."""

    words: dict[str, str]

    def __new__(cls, words: dict[str, str]) -> WordNames:
        self = super().__new__(cls, ", ".join(words))
        self.words = words
        return self

    def __getnewargs__(self) -> tuple[Any, ...]:
        return (self.words,)

    def in_language(self, lang: str) -> str:
        return ", ".join(gettext(lang, word) for word in self.words.values())


class LanguageNames(Shown):
    """Languages as a parameter of a message (``one of %(choices)s``): their codes as its
    English value (the JSON answer), their names in the reader's language on a page
    (``английский, русский``)."""

    codes: tuple[str, ...]

    def __new__(cls, *codes: str) -> LanguageNames:
        self = super().__new__(cls, ", ".join(codes))
        self.codes = codes
        return self

    def __getnewargs__(self) -> tuple[Any, ...]:
        return self.codes

    def in_language(self, lang: str) -> str:
        from babel import Locale, UnknownLocaleError

        try:
            reader = Locale.parse(lang)
        except (UnknownLocaleError, ValueError):
            return str(self)
        return ", ".join(reader.languages.get(code, code) for code in self.codes)


FHIR_REF = re.compile(r"^(?P<type>[A-Z][A-Za-z]+)/[^/#\s]+(?:#\S*)?$")
SESSION_REF = re.compile(r"^session-day:(?P<day>\d{4}-\d{2}-\d{2})#")
DIARY_REF = re.compile(r"^diary:(?P<day>\d{4}-\d{2}-\d{2})#")


def verdict_text(verdict: str, lang: str) -> str:
    return gettext(lang, VERDICT_WORDS.get(verdict, N_("Needs data: measure or ask first")))


def effect_text(effect: str, lang: str) -> str:
    return gettext(lang, EFFECT_WORDS.get(effect, N_("needs data")))


def plan_status_text(status: str, lang: str) -> str:
    return gettext(lang, PLAN_STATUS_WORDS.get(status, N_("provisional, not to start yet")))


def clearance_text(decision: str, lang: str) -> str:
    return gettext(lang, CLEARANCE_WORDS.get(decision, N_("cleared by the physician")))


def concept_name(kb: KB, concept: str, lang: str) -> str:
    """A concept's name from the KB (a zone's if it is a zone); never the bare id."""
    if concept in kb.concepts:
        return kb.concepts[concept].label.get(lang)
    if concept in kb.zones:
        return kb.zones[concept].label.get(lang)
    return concept.replace("_", " ")


def zone_name(kb: KB, zone: str, lang: str) -> str:
    return kb.zones[zone].label.get(lang) if zone in kb.zones else zone.replace("_", " ")


def modality_name(kb: KB, modality: str, lang: str) -> str:
    for m in kb.model.plans.modalities:
        if m.id == modality:
            return m.label.get(lang)
    return modality.replace("_", " ")


def source_title(kb: KB, source: str, lang: str) -> str:
    """A source by its title and kind (``... (clinical guideline)``): in the language it
    was written in, or in ``lang`` where the KB gives it in every language (a clinic
    policy, an article in another language)."""
    from spinecare.kb.evidence import source_names

    return source_names(kb, lang).get(source, source)


def evidence_origin(e: Evidence, lang: str) -> str:
    """Where a fact was recorded, as a clinician says it: never a path or an id."""
    _ = translator(lang)
    session = SESSION_REF.match(e.ref)
    if session:
        return _("the session of %(day)s") % {"day": day_text(session["day"], lang)}
    diary = DIARY_REF.match(e.ref)
    if diary:
        return _("the patient's diary of %(day)s") % {"day": day_text(diary["day"], lang)}
    fhir = FHIR_REF.match(e.ref)
    if fhir and fhir["type"] == "ClearanceRequest":
        if e.date:
            return _("the clearance request of %(day)s") % {"day": day_text(e.date, lang)}
        return _("the clearance request")
    if fhir:
        what = gettext(lang, FHIR_WORDS.get(fhir["type"], OTHER_ENTRY))
        if e.date and e.last is not None:  # dated only by a month or a year
            return _("the patient's record: %(what)s of %(period)s") % {
                "what": what,
                "period": day_text(e.date, lang, e.last),
            }
        if e.date:
            return _("the patient's record: %(what)s of %(day)s") % {
                "what": what,
                "day": day_text(e.date, lang),
            }
        return _("the patient's record: %(what)s") % {"what": what}
    if e.date and e.kind in {"observation", "answer", "clearance"}:
        if e.last is not None:  # dated only by a month or a year
            return _("the intake of %(period)s") % {"period": day_text(e.date, lang, e.last)}
        return _("the intake of %(day)s") % {"day": day_text(e.date, lang)}
    return _("the intake")


RECORDED_KINDS = frozenset({"condition", "medication", "procedure"})
"""Facts named by the record's own words where the KB has no name for them."""


def evidence_text(e: Evidence, lang: str, noted: bool = False, kb: KB | None = None) -> str:
    """One fact in words: ``Pain intensity: 6/10, 20 Nov 2026 (the intake of 20 Nov 2026)``.
    ``noted``: with what the screening says of it, as a page shows it beside the fact
    ("found in text: 'warfarin': confirm", "too old to count", "dated the day after").
    ``kb`` given: a diagnosis, a drug or a procedure the record names in words the KB does
    not know (``Malignant neoplasm of breast``) is in quotation marks, the record's words."""
    text = _evidence_text(e, type(e.value).__name__, lang)
    if kb is not None and e.kind in RECORDED_KINDS and not _kb_named(kb, e.label, lang):
        text = record_words(e.label, lang) + text.removeprefix(e.label)
    if noted and e.note:
        text += " — " + note_text(e.note, lang)
    return f"{text} ({evidence_origin(e, lang)})"


def fact_text(e: Evidence, lang: str) -> str:
    """One fact in words, without where it was recorded (``Pain intensity: 6/10``)."""
    return _evidence_text(e, type(e.value).__name__, lang)


RECORD_WORDS = N_("'%(words)s'")
"""The record's own words inside a text (a code, a status as the record wrote it), in
the quotation marks of the reader's language."""
LETTER = re.compile(r"[^\W\d_]")


def note_text(note: str, lang: str) -> str:
    """A note the screening wrote beside a fact, in ``lang``, for a text or a card: the
    record's own words it carries (a code to confirm, a status as the record wrote it)
    in quotation marks, so that the reader sees whose words they are (a page marks
    them instead: ``translate="no"``)."""
    if not isinstance(note, Message):
        return record_words(note, lang)
    params: dict[str, Any] = {}
    for key, value in note.params.items():
        if isinstance(value, Message):
            params[key] = note_text(value, lang)
        elif isinstance(value, Shown):
            params[key] = value.in_language(lang)
        elif isinstance(value, str) and f"'%({key})s'" not in note.msgid:
            params[key] = record_words(value, lang)
        else:  # quoted by the text itself, or a sign (``<``) or a number
            params[key] = value
    text = gettext(lang, note.msgid)
    return text % params if params else text


def _kb_named(kb: KB, label: str, lang: str) -> bool:
    return any(c.label.get(lang) == label for c in kb.model.concepts)


def record_words(words: str, lang: str) -> str:
    """The record's own words (a code, a status, an answer, a name as written) inside a
    text or a card, in the quotation marks of ``lang`` (a sign or a number as it is)."""
    return gettext(lang, RECORD_WORDS) % {"words": words} if LETTER.search(words) else words


@lru_cache(maxsize=8192)
def _evidence_text(e: Evidence, kind: str, lang: str) -> str:
    """:func:`evidence_text` but its note and origin, kept per fact (the value's type in
    the key: ``True`` and ``1`` are equal to Python but not in words)."""
    _ = translator(lang)
    if e.kind == "patient" and isinstance(e.value, float):
        age = plural(
            lang,
            "Age: %(years)s year (born %(day)s)",
            "Age: %(years)s years (born %(day)s)",
            e.value,
        )
        return age % {
            "years": quantity(e.value, None, lang),
            "day": day_text(e.date, lang, e.last),
        }
    text = e.label
    if e.value is not None:
        value = yes_no(e.value, lang) if isinstance(e.value, bool) else e.value
        if isinstance(e.value, Shown):  # a choice the KB names
            value = e.value.in_language(lang)
        elif e.kind == "answer" and isinstance(e.value, Message):
            # the reader's words for an answer (a yes on a form not finished)
            value = translate(e.value, lang)
        elif e.kind == "answer" and isinstance(e.value, str):
            # an answer as the patient wrote it ("not sure"): the record's words
            value = record_words(e.value, lang)
        text += ": " + quantity(value, e.unit, lang)
    if e.date and e.kind == "condition":
        text += ", " + _("since %(day)s") % {"day": day_text(e.date, lang, e.last, since=True)}
    elif e.date and e.kind not in {"observation", "answer"}:
        text += ", " + day_text(e.date, lang, e.last)
    return text


def item_name(kb: KB, item: str, lang: str) -> str:
    """A missing item or intake question by its name in the KB."""
    if item in kb.items:
        return kb.items[item].label.get(lang)
    if item in kb.questions:
        return kb.questions[item].label.get(lang)
    return concept_name(kb, item, lang)
