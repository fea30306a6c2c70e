"""Stop rules: the KB's reasons to pause a course and send it to the physician."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from spinecare.engine.course.model import UNKNOWN_QUESTION, Course, StopEvent, _fmt
from spinecare.engine.course.sessions import Session
from spinecare.errors import InputError
from spinecare.i18n import day_text, gettext, languages
from spinecare.kb.loader import KB
from spinecare.kb.schema import StopRule, Text
from spinecare.messages import N_, Message, field_error

# --------------------------------------------------------------------------------------
# Stop rules
# --------------------------------------------------------------------------------------

STOP_DETAIL = {
    "pain_increase": N_(
        "Session %(n)s on %(day)s: pain %(pre)s before, %(post)s after (+%(rise)s; "
        "the course pauses at +%(threshold)s or more)."
    ),
    "symptom": N_("New symptom reported on %(day)s: %(label)s."),
    "adverse_event": N_("Adverse event at session %(n)s on %(day)s: %(event)s"),
}
"""What fired a stop rule, in every language of the catalogues (kept with the event)."""


def _detail(kind: str, **values: object) -> dict[str, str]:
    """The detail in every language; dates and KB texts (``Text``) shown in each."""

    def shown(value: object, lang: str) -> object:
        if isinstance(value, date):
            return day_text(value, lang)
        return value.get(lang) if isinstance(value, Text) else value

    def said(lang: str) -> str:
        text = gettext(lang, STOP_DETAIL[kind]) % {k: shown(v, lang) for k, v in values.items()}
        # a question's label ends with its own mark: "... when you bend your head?."
        return text.replace("?.", "?").replace("!.", "!")

    return {lang: said(lang) for lang in languages()}


def _event(
    rule: StopRule,
    day: date,
    key: str,
    detail: dict[str, str],
    *,
    session: int | None = None,
    threshold: float | None = None,
    extra_sources: Iterable[str] = (),
) -> StopEvent:
    sources = list(rule.sources)
    sources.extend(s for s in extra_sources if s not in sources)
    return StopEvent(
        rule=rule.id,
        kind=rule.kind,
        day=day,
        text={"en": rule.text.en, "ru": rule.text.ru},
        detail=detail,
        sources=sources,
        key=key,
        session=session,
        threshold=threshold,
    )


Ordered = Sequence[tuple[int, Session]]
"""The sessions in date order, each with its index in the list the caller gave."""


def _checked_symptoms(new_symptoms: Mapping[str, bool] | None, kb: KB) -> dict[str, bool]:
    symptoms = dict(new_symptoms or {})
    for q, v in symptoms.items():
        if q not in kb.questions:
            problem = Message(UNKNOWN_QUESTION, value=q, known=", ".join(sorted(kb.questions)))
            raise InputError(field_error("new_symptoms", problem))
        if not isinstance(v, bool):
            problem = Message("the answer to '%(question)s' must be yes or no", question=q)
            raise InputError(field_error("new_symptoms", problem))
    return symptoms


def _pain_increase_events(rule: StopRule, ordered: Ordered, kb: KB) -> list[StopEvent]:
    tid = rule.threshold or "pain_increase_stop"
    threshold = kb.threshold(tid)
    events: list[StopEvent] = []
    for n, (index, s) in enumerate(ordered, start=1):
        rise = s.post_pain - s.pre_pain
        if rise < threshold:
            continue
        ref = s.id or f"{s.day.isoformat()}#{index}"
        events.append(
            _event(
                rule,
                s.day,
                f"{rule.id}@{ref}",
                _detail(
                    "pain_increase",
                    n=n,
                    day=s.day,
                    pre=s.pre_pain,
                    post=s.post_pain,
                    rise=rise,
                    threshold=_fmt(threshold),
                ),
                session=index,
                threshold=threshold,
                extra_sources=kb.thresholds[tid].sources,
            )
        )
    return events


def _symptom_events(
    rule: StopRule, symptoms: Mapping[str, bool], when: date, kb: KB
) -> list[StopEvent]:
    return [
        _event(
            rule,
            when,
            f"{rule.id}:{q}@{when.isoformat()}",
            _detail("symptom", day=when, label=kb.questions[q].label),
        )
        for q in rule.questions
        if symptoms.get(q) is True
    ]


def _adverse_events(rule: StopRule, ordered: Ordered) -> list[StopEvent]:
    events: list[StopEvent] = []
    for n, (index, s) in enumerate(ordered, start=1):
        if not s.adverse_event:
            continue
        ref = s.id or f"{s.day.isoformat()}#{index}"
        events.append(
            _event(
                rule,
                s.day,
                f"{rule.id}@{ref}",
                _detail("adverse_event", n=n, day=s.day, event=s.adverse_event),
                session=index,
            )
        )
    return events


def apply_stop_rules(
    course: Course,
    sessions: Sequence[Session],
    new_symptoms: Mapping[str, bool] | None,
    kb: KB,
    *,
    day: date | None = None,
) -> list[StopEvent]:
    """Apply the KB's stop rules; return the events that fired now (not seen before).

    ``pain_increase``: post minus pre pain at a session >= the rule's threshold
    (``pain_increase_stop``); ``symptom``: any of the rule's questions answered yes in
    ``new_symptoms`` (dated ``day``, default the last session's date); ``adverse_event``: a
    session records one. Any new event pauses the course and sets ``needs_physician``.
    Events already in ``course.stop_events`` (same key) are not raised again, so a
    course the physician resumed is not paused again by the same session.
    """
    symptoms = _checked_symptoms(new_symptoms, kb)
    ordered = sorted(enumerate(sessions), key=lambda pair: (pair[1].day, pair[0]))
    when = day or (ordered[-1][1].day if ordered else course.start)
    seen = {e.key for e in course.stop_events}
    events: list[StopEvent] = []
    for rule in kb.model.plans.stop_rules:
        if rule.id not in course.stop_rules:
            continue
        if rule.kind == "pain_increase":
            events.extend(_pain_increase_events(rule, ordered, kb))
        elif rule.kind == "symptom":
            events.extend(_symptom_events(rule, symptoms, when, kb))
        elif rule.kind == "adverse_event":
            events.extend(_adverse_events(rule, ordered))
    fresh = [e for e in events if e.key not in seen]
    if fresh:
        course.stop_events.extend(fresh)
        if course.status != "completed":
            course.status = "paused"
        course.needs_physician = True
    return fresh
