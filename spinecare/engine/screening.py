"""Screening: one patient record, the KB and a date give a :class:`Screening`.

Semantics (DESIGN.md section 3): every rule is evaluated in three-valued logic; a TRUE
rule is a *present* finding, an UNKNOWN one an *unknown* finding. The verdict is the most
severe effect among present findings not settled by a physician clearance; if an unknown
finding's effect is more severe than that, the verdict is at least ``needs_data`` and
the missing items are listed. ``indicated`` is the Kleene OR of the indications.
"""

from __future__ import annotations

import datetime
import operator
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from typing import Any

from spinecare.engine.evaluate import (
    CONFIRM_ITEM,
    PROCEDURE_NOT_DONE,
    Evidence,
    Facts,
    Gap,
    Program,
    RecordIndex,
    program,
)
from spinecare.engine.truth import BY_RANK, Truth
from spinecare.errors import RecordError
from spinecare.i18n import day_text, gettext, translate, translator
from spinecare.kb.loader import KB
from spinecare.kb.schema import VERDICTS, Rule
from spinecare.messages import N_, Message
from spinecare.record.model import (
    BIRTH_DATE_ITEM,
    IN_A_NOTE,
    NOT_LISTED,
    RECORD_PAGED,
    RECORD_PAGED_UNCOUNTED,
    Clearance,
    PatientRecord,
)
from spinecare.record.standing import AHEAD, CONTRADICTORY, IN_FORCE

SEVERITY = {verdict: rank for rank, verdict in enumerate(VERDICTS)}
"""0 is the most severe verdict (``refer_urgently``), 6 the least (``allowed``)."""
ALLOWED_RANK = SEVERITY["allowed"]

_FINDING_ORDER = operator.itemgetter(0, 1, 2)
"""Findings in order (of ``(severity, unknown, rule id, finding)``): the most severe effect
first, present before unknown, by rule id."""

BLOCKING = frozenset({"refer_urgently", "contraindicated", "defer"})
ALLOWED = frozenset({"allowed", "allowed_with_precautions"})


def more_severe(a: str, b: str) -> str:
    return a if SEVERITY[a] <= SEVERITY[b] else b


@dataclass(frozen=True, slots=True)
class Settlement:
    """How a physician's clearance settled a finding."""

    clearance: Clearance
    decision: str
    until: date | None = None
    """The last day the decision is in force (:meth:`Clearance.until`)."""

    def to_json(self) -> dict[str, Any]:
        c = self.clearance
        out: dict[str, Any] = {"ref": c.ref, "decision": self.decision}
        if c.when:
            out["date"] = c.when.isoformat()
        if c.by:
            out["by"] = c.by
        if c.note:
            out["note"] = c.note
        if self.until:
            out["valid_until"] = self.until.isoformat()
        return out


@dataclass(slots=True)
class Finding:
    concept: str
    rule: str
    effect: str
    certainty: str  # present | unknown
    reason: str
    evidence: list[Evidence]
    sources: list[str]
    gaps: list[Gap] = field(default_factory=list)
    settled: Settlement | None = None

    @property
    def counts(self) -> bool:
        """Does this finding still limit massage (not settled by a clearance)?"""
        return self.settled is None or self.settled.decision != "cleared"


@dataclass(slots=True)
class MissingItem:
    item: str
    label: str
    why: str
    rules: list[str]
    alternatives: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "item": self.item,
            "why": self.why,
            "label": self.label,
            "rules": self.rules,
        }
        if self.alternatives:
            out["alternatives"] = self.alternatives
        return out


@dataclass(frozen=True, slots=True)
class NotUsed:
    """An entry of the record in force on the date that names no KB concept and decided
    no finding: shown beside the screening, never dropped.

    ``label``: its words as recorded (text, else a coding's display); where it has none,
    what it is in words (``named`` False), in the screening's language.
    """

    ref: str
    kind: str  # condition | observation | note | medication | procedure | set_aside (not read)
    label: str
    named: bool
    date: date | None = None
    last: datetime.date | None = None  # ``date`` above is the field here
    """Where the record dates the entry only by a month or a year (a procedure, a
    condition's onset, a drug's start), the last day of it (``date`` its first day):
    shown as the record gives it, ``2026``."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ref": self.ref,
            "kind": self.kind,
            "label": self.label,
            "named": self.named,
        }
        if self.date is not None:
            out["date"] = self.date.isoformat()
        if self.last is not None:
            out["last"] = self.last.isoformat()
        return out


@cache
def _unnamed_words(lang: str) -> dict[tuple[str, bool], str]:
    """What an entry with no words is, by kind and whether it carries codes."""
    _ = translator(lang)
    return {
        ("condition", True): _("a condition given only by its code"),
        ("condition", False): _("a condition recorded without a name"),
        ("medication", True): _("a drug given only by its code"),
        ("medication", False): _("a drug recorded without a name"),
        ("procedure", True): _("a procedure given only by its code"),
        ("procedure", False): _("a procedure recorded without a name"),
        ("observation", True): _("an observation given only by its code"),
        ("observation", False): _("an observation recorded without a name"),
        ("note", True): _("a finding of a note or a report given only by its code"),
        ("note", False): _("a note or a report without words"),
    }


@dataclass(slots=True)
class Screening:
    verdict: str
    indicated: Truth
    indications: list[str]
    findings: list[Finding]
    missing: list[MissingItem]
    kb_version: str
    as_of: date
    patient_id: str
    lang: str
    kb: KB = field(repr=False)
    indication_gaps: list[Gap] = field(default_factory=list)
    record: PatientRecord | None = field(default=None, repr=False)

    @property
    def present_concepts(self) -> list[str]:
        return sorted({f.concept for f in self.findings if f.certainty == "present"})

    @property
    def unknown_concepts(self) -> list[str]:
        return sorted({f.concept for f in self.findings if f.certainty == "unknown"})

    def source_json(self, ids: list[str]) -> list[dict[str, Any]]:
        out = []
        for sid in ids:
            src = self.kb.sources[sid]
            entry: dict[str, Any] = {"id": sid, "title": src.title, "lang": src.lang}
            if src.citation:
                entry["citation"] = src.citation
            if src.url:
                entry["url"] = src.url
            out.append(entry)
        return out

    def finding_json(self, f: Finding) -> dict[str, Any]:
        out: dict[str, Any] = {
            "concept": f.concept,
            "rule": f.rule,
            "effect": f.effect,
            "certainty": f.certainty,
            "reason": f.reason,
            "evidence": [e.to_json() for e in f.evidence],
            "sources": self.source_json(f.sources),
        }
        if f.gaps:
            out["missing"] = list(dict.fromkeys(g.item for g in f.gaps))
        if f.settled is not None:
            out["clearance"] = f.settled.to_json()
        return out

    def to_json(self) -> dict[str, Any]:
        """The JSON contract of DESIGN.md section 4 (extra keys: as_of, patient)."""
        return {
            "verdict": self.verdict,
            "indicated": self.indicated.to_optional(),
            "indications": self.indications,
            "findings": [self.finding_json(f) for f in self.findings],
            "missing": [m.to_json() for m in self.missing],
            "kb_version": self.kb_version,
            "as_of": self.as_of.isoformat(),
            "patient": self.patient_id,
            "not_used": [n.to_json() for n in self.not_used()],
        }

    def not_used(self) -> list[NotUsed]:
        """The conditions and medications in force on the date (conditions recorded as
        both active and ended included: they may be) and the procedures done by then that
        name no KB concept and decided no finding, in the record's order.

        Built only when asked (shown or serialised), never while screening.
        """
        record = self.record
        if record is None:
            return []
        index = RecordIndex.of(record, self.kb)
        decided = {e.ref for f in self.findings for e in f.evidence}
        as_of = self.as_of
        out: list[NotUsed] = []
        # the names of the record's own diagnoses: a visit's reason that only repeats one
        # ("Pulmonary emphysema", the display of a reference to that Condition) is not
        # listed again
        listed = {
            words.strip().casefold()
            for c in record.conditions
            if not c.from_visit
            for words in (c.text, *(d.display for d in c.codings))
            if words
        }
        for c in record.conditions:
            if (
                c.ref in decided
                or c.concept
                or c.confirm in NOT_LISTED
                or c.standing(as_of) not in (IN_FORCE, CONTRADICTORY, AHEAD)
                or (c.from_visit and (c.text or "").strip().casefold() in listed)
                or self._named(index.hits(c.codings, (c.text,)), coded=bool(c.codings))
            ):
                continue
            start = c.start(as_of)
            kind = (
                "note"
                if c.confirm in IN_A_NOTE
                else "observation"  # a smoking status, a finding under a code it knows not
                if c.ref.startswith("Observation/")
                else "condition"
            )
            out.append(self._not_used(c.ref, kind, c.text, c.codings, start, c.start_last(start)))
        for m in record.medications:
            if m.ref in decided or not m.in_force(as_of) or index.medication_concepts(m):
                continue
            out.append(
                self._not_used(m.ref, "medication", m.text, m.codings, m.start, m.start_last)
            )
        for p in record.procedures:
            if (
                p.ref in decided
                or p.status in PROCEDURE_NOT_DONE
                or (p.performed is not None and p.performed > as_of)
                or index.procedure_concepts(p)
            ):
                continue
            out.append(
                self._not_used(p.ref, "procedure", p.text, p.codings, p.performed, p.performed_last)
            )
        # what the reader could not read, of no measure (a document, an entry written so
        # that it cannot be read), up to the date: why, in the reader's words
        for i in record.ignored:
            if i.not_read and i.ref not in decided and (i.when or as_of) <= as_of:
                out.append(
                    NotUsed(
                        i.ref, "set_aside", translate(i.reason, self.lang), False, i.when, i.last
                    )
                )
        return out

    def _named(self, hits: list[Any], *, coded: bool) -> bool:
        """Whether an entry's hits say what it is: a code of a KB concept, words that name
        one that limits massage (shown with the findings), or the words of an entry of
        words alone that name an indication ("Back pain"). The display of a code the KB
        does not know that only names an indication in passing ("lumbar" in S32.8
        "Fracture of other and unspecified parts of lumbar spine and pelvis") says nothing
        of what its code is: the entry is listed."""
        concepts = self.kb.concepts if self.kb is not None else {}
        return any(
            h.certain
            or not coded
            or (h.concept in concepts and concepts[h.concept].kind != "indication")
            for h in hits
        )

    def _not_used(
        self,
        ref: str,
        kind: str,
        text: str | None,
        codings: tuple[Any, ...],
        day: date | None,
        last: date | None = None,
    ) -> NotUsed:
        words = (text or "").strip() or next(
            (c.display.strip() for c in codings if c.display and c.display.strip()), ""
        )
        if words:
            return NotUsed(ref, kind, words, True, day, last)
        unnamed = _unnamed_words(self.lang)[kind, bool(codings)]
        return NotUsed(ref, kind, unnamed, False, day, last)


def _settle(
    rule: Rule, clearances: list[Clearance], as_of: date, open_days: int
) -> Settlement | None:
    """The physician's latest decision naming this finding's concept or rule id, while it
    is in force.

    A clearance settles only ``needs_clearance`` findings: never a red flag, a
    contraindication or a deferral (DESIGN.md section 3). The latest decision given on or
    before ``as_of`` decides; once it ends (its ``valid_until``, or for a clearance that
    gives none ``open_days`` after it: KB threshold ``clearance_fresh_days``), nothing
    settles the finding until a physician decides again: an earlier decision it replaced
    does not come back.
    """
    if rule.effect != "needs_clearance":
        return None
    named = [
        (c.when or date.min, i, c)
        for i, c in enumerate(clearances)
        if (rule.concept in c.concepts or rule.id in c.concepts)
        and c.confirmed
        and (c.when is None or c.when <= as_of)
    ]
    if not named:
        return None
    # of one day's decisions, the one recorded last
    latest = max(named, key=lambda n: (n[0], n[1]))[2]
    if not latest.valid_on(as_of, open_days):
        return None
    return Settlement(latest, latest.decision, latest.until(open_days))


def screen_record(record: PatientRecord, kb: KB, as_of: date, lang: str = "en") -> Screening:
    """Screen one record on one date.

    Raises :class:`~spinecare.errors.RecordError` for a patient recorded as deceased on
    or before the date: there is no one to screen, and no verdict is given.

    The rules a record can make other than FALSE (compiled once per KB) are run, their
    truth found with the evidence and what is missing in one pass; a finding is made only
    for the rules that are TRUE or UNKNOWN.
    """
    patient = record.patient
    if patient.deceased_by(as_of):
        deceased = (
            Message(
                "the patient is recorded as deceased on %(day)s: no screening",
                day=patient.deceased_on.isoformat(),  # as the record has it
            )
            if patient.deceased_on
            else Message("the patient is recorded as deceased: no screening")
        )
        raise RecordError(deceased, source=record.source)
    facts = Facts(record, kb, as_of, lang)
    prog = program(kb)
    live_rules, live_indications = facts.index.live(prog)
    heads = prog.finding_heads(lang)
    clearances = record.clearances
    open_days = int(kb.threshold("clearance_fresh_days"))
    ordered: list[tuple[int, bool, str, Finding]] = []  # see _FINDING_ORDER
    unknown: list[Finding] = []  # the unknown findings that count, in the rules' order
    worst = ALLOWED_RANK  # the most severe effect among the present findings that count
    worst_unknown = ALLOWED_RANK  # ... and among the unknown findings that count
    for rule, node, _ in live_rules:
        rank, (evidence, gaps) = node.settled(facts)
        if not rank:
            continue
        concept, rule_id, effect, reason, sources, severity = heads[id(rule)]
        settled = _settle(rule, clearances, as_of, open_days) if clearances else None
        if settled is not None and settled.decision == "declined":
            # A physician who declines massage for a finding makes it a contraindication.
            effect = "contraindicated"
            severity = SEVERITY[effect]
        finding = Finding(
            concept,
            rule_id,
            effect,
            "present" if rank == 2 else "unknown",
            reason,
            list(evidence),
            list(sources),
            list(gaps),
            settled,
        )
        ordered.append((severity, rank != 2, rule_id, finding))
        if settled is not None and settled.decision == "cleared":
            continue  # settled: it no longer counts
        if rank == 1:
            unknown.append(finding)
            if severity < worst_unknown:
                worst_unknown = severity
        elif severity < worst:
            worst = severity
    verdict = VERDICTS[worst]
    if worst_unknown < worst:
        verdict = more_severe(verdict, "needs_data")

    indicated = 0
    indications: list[str] = []
    indication_gaps: list[Gap] = []
    for ind, node, fixed in live_indications:
        rank = node.truth(facts) if fixed is None else fixed
        if rank > indicated:
            indicated = rank
        if rank == 2:
            if ind.concept not in indications:
                indications.append(ind.concept)
        elif rank == 1:  # only an UNKNOWN expression has gaps
            indication_gaps.extend(node.settled(facts)[1][1])

    ordered.sort(key=_FINDING_ORDER)
    findings = [entry[3] for entry in ordered]
    screening = Screening(
        verdict=verdict,
        indicated=BY_RANK[indicated],
        indications=indications,
        findings=findings,
        missing=_missing(unknown, kb, lang, prog) if unknown else [],
        kb_version=kb.version,
        as_of=as_of,
        patient_id=record.patient.id,
        lang=lang,
        kb=kb,
        indication_gaps=indication_gaps,
        record=record,
    )
    return read_in_part(screening, _paged(record, lang))


IN_PART_ITEM = "record_in_part"
"""The missing item of a screening whose record was read only in part."""
IN_PART_LABEL = N_("the rest of the patient's record")
_PAGED_REASONS = frozenset({RECORD_PAGED, RECORD_PAGED_UNCOUNTED})


def _paged(record: PatientRecord, lang: str) -> list[str]:
    """Why the record is one page of a search (the reader's reasons, in ``lang``)."""
    return [
        translate(i.reason, lang)
        for i in record.ignored
        if isinstance(i.reason, Message) and i.reason.msgid in _PAGED_REASONS
    ]


def read_in_part(screening: Screening, why: list[str]) -> Screening:
    """The screening of a record read only in part, ``why`` saying what was not read (in
    the screening's language); the one place every way in follows. A record that is one
    page of a search (the reader sets the Bundle's other pages aside as not read) is read
    so here, by :func:`screen_record`; the searches an EHR answered in part or not at all
    are added by the adapters that ask it (:func:`spinecare.fhir.prefetch.screened_in_part`).

    The part not read is missing data (DESIGN.md: a rule that could block massage cannot
    be decided): a verdict milder than ``needs_data`` becomes ``needs_data``, with the rest
    of the record listed as missing; a more severe one stands."""
    if not why:
        return screening
    earlier = [m.why for m in screening.missing if m.item == IN_PART_ITEM]
    item = MissingItem(
        item=IN_PART_ITEM,
        label=gettext(screening.lang, IN_PART_LABEL),
        why=" ".join([*earlier, *why]),
        rules=[],
    )
    missing = [*(m for m in screening.missing if m.item != IN_PART_ITEM), item]
    if SEVERITY[screening.verdict] < SEVERITY["needs_data"]:
        return replace(screening, missing=missing)
    return replace(screening, verdict="needs_data", missing=missing)


@cache
def _gap_words(lang: str) -> dict[str, str]:
    _ = translator(lang)
    return {
        "window": _("Nothing recorded within %(days)s days."),
        "latest": _("Nothing recorded within %(days)s days (latest %(date)s)."),
        "unread": _("A reading of the last %(days)s days could not be used."),
        "untimed": _(
            "Readings of %(date)s were recorded without the time they were taken and"
            " disagree: which of them is the latest is not known."
        ),
        "tied": _(
            "Readings of %(date)s were recorded at the very same time and disagree: which"
            " of them is the latest is not known."
        ),
        "crossed": _(
            "A reading dated the day before %(date)s was taken after it, by the times"
            " written (in different time zones), and the two disagree: which is the latest"
            " is not known. Confirm when each was taken, or measure again."
        ),
        "ahead": _(
            "A reading dated %(date)s, the day after, may have been taken on this day (its"
            " time may be written in another time zone): confirm when it was taken, or"
            " measure again."
        ),
        "ahead_partial": _(
            "A reading dated only by its month or year (%(date)s), which begins the day"
            " after, may be the latest: confirm when it was taken, or measure again."
        ),
        "partial_period": _(
            "A reading taken over a period of days may be the latest, or within %(days)s"
            " days: confirm when it was taken, or measure again."
        ),
        "partial": _(
            "A reading dated only by its month or year may be the latest, or within %(days)s"
            " days: confirm when it was taken, or measure again."
        ),
        "unanswered": _("Not answered."),
        "unclear_answer": _(
            "Answered in words that say neither yes nor no: confirm the answer, or ask again."
        ),
        "partial_answer": _(
            "An answer dated only by its month or year may be the latest: confirm when it"
            " was given, or ask again."
        ),
        "undated_answer": _(
            "An answer of no known date may be the latest: confirm when it was given, or ask again."
        ),
        "untimed_answer": _(
            "Answers of %(date)s disagree and the record does not say which was given last:"
            " confirm the answer, or ask again."
        ),
        "ahead_answer": _(
            "An answer dated %(date)s, the day after, may have been given on this day:"
            " confirm when it was given, or ask again."
        ),
        "part": _("%(part)s: %(why)s"),
        "or": _("Or instead: %(items)s."),
        "set_aside": _("Set aside: %(note)s."),
    }


def _answer_gap_text(gap: Gap, text: dict[str, str], lang: str) -> str:
    """Why a question is missing: unanswered, or an answer that may be the latest."""
    if gap.ahead and gap.latest is not None:
        return text["ahead_answer"] % {"date": day_text(gap.latest, lang)}
    if gap.untimed and gap.latest is not None:
        return text["untimed_answer"] % {"date": day_text(gap.latest, lang)}
    if gap.undated:
        return text["undated_answer"]
    if gap.unclear:
        return text["unclear_answer"]
    return text["partial_answer" if gap.partial else "unanswered"]


def _gap_text(gap: Gap, kb: KB, lang: str) -> str:
    text = _gap_words(lang)
    if gap.item in (CONFIRM_ITEM, BIRTH_DATE_ITEM):  # the item's action says it all
        out = ""
    elif gap.window_days is None:
        out = _answer_gap_text(gap, text, lang)
    elif gap.ahead and gap.latest is not None and gap.latest_last is not None:
        out = text["ahead_partial"] % {"date": day_text(gap.latest, lang, gap.latest_last)}
    elif gap.ahead and gap.latest is not None:
        out = text["ahead"] % {"date": day_text(gap.latest, lang)}
    elif gap.partial:
        out = text["partial_period" if gap.period else "partial"] % {"days": f"{gap.window_days:g}"}
    elif gap.crossed and gap.latest is not None:
        out = text["crossed"] % {"date": day_text(gap.latest, lang)}
    elif gap.untimed and gap.latest is not None:
        out = text["untimed"] % {"date": day_text(gap.latest, lang)}
    elif gap.tied and gap.latest is not None:
        out = text["tied"] % {"date": day_text(gap.latest, lang)}
    elif gap.unread:
        out = text["unread"] % {"days": f"{gap.window_days:g}"}
    elif gap.latest is None:
        out = text["window"] % {"days": f"{gap.window_days:g}"}
    else:
        out = text["latest"] % {
            "days": f"{gap.window_days:g}",
            "date": day_text(gap.latest, lang, gap.latest_last),
        }
    if gap.notes:
        notes = "; ".join(dict.fromkeys(translate(n, lang) for n in gap.notes))
        notes = notes.removesuffix(".")  # «мм рт. ст.»: the sentence's own full stop follows
        out += " " + text["set_aside"] % {"note": notes}
    if gap.alternatives:
        labels = [_item_label(a, kb, lang)[1] for a in gap.alternatives]
        alternatives = text["or"] % {"items": "; ".join(labels)}
        if labels[-1][-1:] in {"?", "!", "."}:  # a question ends the sentence itself
            alternatives = alternatives.removesuffix(".")
        out += " " + alternatives
    return out.strip()


def _part_missing(gap: Gap, lacking: set[str | None], kb: KB) -> bool:
    """Whether ``gap`` is of one measure of an item whose other measures have readings
    (``lacking``: the measures of the item with none)."""
    if gap.measure is None or None in lacking or len(lacking) != 1:
        return False
    return any(m.item == gap.item and m.id not in lacking for m in kb.measures.values())


def _item_label(item_id: str, kb: KB, lang: str) -> tuple[str, str]:
    """(label, what to do) for a missing item or an intake question."""
    if item_id in kb.items:
        item = kb.items[item_id]
        return item.label.get(lang), item.action.get(lang)
    question = kb.questions[item_id]
    return question.label.get(lang), question.label.get(lang)


TEXT_CACHE_SIZE = 10_000
"""How many missing items' texts (by gap and language) a KB keeps."""


def _missing(unknown: list[Finding], kb: KB, lang: str, prog: Program) -> list[MissingItem]:
    """One entry per missing item, naming every rule it would decide (``prog``: the
    KB's program)."""
    by_item: dict[str, MissingItem] = {}
    texts = prog.texts
    # the measures of each item that have no reading: where the item groups several and
    # only some are missing (a systolic reading without its diastolic), the gap names them
    lacking: dict[str, set[str | None]] = {}
    for f in unknown:
        for gap in f.gaps:
            lacking.setdefault(gap.item, set()).add(gap.measure)
    for f in unknown:
        rule = f.rule
        for gap in f.gaps:
            entry = by_item.get(gap.item)
            if entry is None:
                part = _part_missing(gap, lacking[gap.item], kb)
                shown = texts.get((gap, lang, part))  # by value: gaps of other records alike
                if shown is None:
                    label, action = _item_label(gap.item, kb, lang)
                    if gap.item not in kb.items:  # a question: its label says what to ask
                        action = ""
                    why = _gap_text(gap, kb, lang)
                    if part:
                        why = _gap_words(lang)["part"] % {
                            "part": kb.measures[gap.measure or ""].label.get(lang),
                            "why": why[:1].lower() + why[1:],
                        }
                    shown = (label, f"{action} {why}".strip())
                    if len(texts) >= TEXT_CACHE_SIZE:
                        texts.clear()
                    texts[gap, lang, part] = shown
                entry = by_item[gap.item] = MissingItem(
                    gap.item, shown[0], shown[1], [rule], list(gap.alternatives)
                )
            elif rule not in entry.rules:
                entry.rules.append(rule)
    return list(by_item.values())
