"""Evaluating rule expressions against one patient record on one date.

:class:`Facts` indexes a record once (conditions by concept, latest values by measure,
answers by question); :func:`evaluate` walks an expression and returns an
:class:`Outcome`: the truth value, the facts that decided it, and what was missing.
"""

from __future__ import annotations

import datetime
import math
import operator
import re
import weakref
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from spinecare.engine.notes import (
    age_note,
    ahead_answer_note,
    ahead_note,
    code_may_name,
    code_to_confirm,
    condition_note,
    contradictory_medication_note,
    crossed_note,
    dated_ahead_note,
    day_mean_note,
    diagnosis_as_drug_note,
    diagnosis_as_procedure_note,
    implausible_age_note,
    joined,
    medication_note,
    nameless_drug_note,
    observed_value_note,
    partial_answer_note,
    partial_date_note,
    partial_reading_note,
    procedure_as_diagnosis_note,
    recent_medication_note,
    recorded_as,
    site_to_confirm,
    stale_note,
    stopped_early_note,
    text_to_confirm,
    unclear_answer_note,
    undated_medication_note,
    undated_observation_note,
    undated_procedure_note,
    unnamed_drug_note,
    untimed_note,
    within_note,
)
from spinecare.engine.truth import BY_RANK, Truth
from spinecare.i18n import date_precision, gettext
from spinecare.kb.codes import ICD10_SHAPE, normalize_icd10
from spinecare.kb.expressions import (
    AgeUnder,
    AllOf,
    Answered,
    AnyOf,
    Compare,
    Either,
    HadProcedure,
    HasCondition,
    HasMedication,
    NotExpr,
)
from spinecare.kb.loader import KB
from spinecare.kb.schema import VERDICTS, Indication, Measure, Question, Rule
from spinecare.kb.text import Mention, words
from spinecare.messages import N_, Chosen
from spinecare.record.model import (
    BIRTH_DATE_ITEM,
    VISIT_DIAGNOSIS,
    Answer,
    CodedObservation,
    Coding,
    Condition,
    Medication,
    Observation,
    PatientRecord,
    Procedure,
    days_after,
    fact,
)
from spinecare.record.standing import (
    AHEAD,
    CONDITION_RANK,
    CONDITION_RECENT,
    CONDITION_STANDING,
    CONTRADICTORY,
    MEDICATION_IN_FORCE,
    STATUS_CONTRADICTORY,
    python_function,
)
from spinecare.record.units import DECIMALS

ZONE_SYSTEM = "spinecare-zone"
"""Coding system of a zone named directly (intake files): ``Coding(ZONE_SYSTEM, 'lumbosacral')``."""

# FHIR Procedure statuses of an operation not done: a "stopped" one was begun ("terminated
# prior to the full completion ... after at least some of the main activity"), so done
PROCEDURE_NOT_DONE = frozenset({"not-done", "entered-in-error", "preparation"})
# FHIR ServiceRequest statuses of an order that says nothing of the patient: withdrawn,
# written in error, or a draft not sent.
ORDER_NOT_MEANT = frozenset({"revoked", "entered-in-error", "draft"})
# Drug statuses of one not taken: an order not to take it, one written in error, withdrawn,
# declined or only drafted.
DRUG_NOT_TAKEN = frozenset({"not-taken", "entered-in-error", "cancelled", "declined", "draft"})


@fact
class Evidence:
    """One fact that decided a finding (or was checked and found stale)."""

    ref: str
    kind: str  # condition | observation | medication | procedure | answer | clearance
    label: str
    value: str | float | bool | None = None
    unit: str | None = None
    date: date | None = None
    code: str | None = None
    note: str | None = None
    last: datetime.date | None = None  # ``date`` above is the field here
    """Where the record dates the fact only by a month or a year, the last day of it
    (``date`` is its first day): shown as the record gives it, ``November 2026``."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ref": self.ref, "kind": self.kind, "label": self.label}
        for key in ("value", "unit", "code", "note"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.date is not None:
            out["date"] = self.date.isoformat()
        if self.last is not None:
            out["last"] = self.last.isoformat()
        return out


@fact
class Gap:
    """Something missing that left an expression UNKNOWN.

    ``window_days``: how recent a value must be (None for an unanswered question);
    ``latest``: the date of the latest value found, too old to count;
    ``notes``: why readings of the item were set aside (messages of the record readers,
    translated where the gap is shown); ``unread``: a reading within the window was set
    aside and may be the one that decides (``latest`` is then the reading used);
    ``untimed``: readings of the day ``latest`` were recorded without the time they were
    taken, in no known order, and disagree (any of them may be the latest);
    ``ahead``: readings dated ``latest``, the day after the screening day, may have been
    taken on the screening day (:meth:`Facts.ahead`) and would change what the measure
    decides;
    ``partial``: a reading dated only by a month or a year (:attr:`Observation.last`) may
    be the one that decides (the latest, or within the window) and would change what the
    measure decides (``latest``: the date of the reading that decides, or of the latest
    reading found);
    ``latest_last``: where the reading of ``latest`` is dated only by a month or a year,
    the last day of it (``latest`` its first day): the date is said as the record gives it;
    ``crossed``: a reading dated the day before ``latest`` was taken after it by its time
    (times written in different time zones), disagrees with it, and may be the latest;
    ``tied``: readings of the day ``latest`` were taken at the very same time and disagree;
    ``period``: with ``partial``, the readings that may decide are dated by a period of
    days (an ``effectivePeriod``), not by a month or a year;
    ``undated``: an answer of no known day may be the latest instead of the one used;
    ``unclear``: the latest answer says neither yes nor no (words, "maybe", a question of
    another form that names it): it is to confirm, not unanswered.
    """

    item: str
    window_days: float | None = None
    latest: date | None = None
    alternatives: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    unread: bool = False
    untimed: bool = False
    ahead: bool = False
    partial: bool = False
    latest_last: date | None = None
    crossed: bool = False
    tied: bool = False
    period: bool = False
    undated: bool = False
    unclear: bool = False
    measure: str | None = None
    """The KB measure of the item that has no reading within the window (an item may
    group several: a blood pressure's systolic and diastolic)."""


@dataclass(slots=True)
class Outcome:
    truth: Truth
    evidence: list[Evidence] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)


HIT_CACHE_SIZE = 200_000
"""How many codings-and-texts answers a KB keeps (see :meth:`Facts.hits`)."""

CONFIRM_ITEM = "record_to_confirm"
"""The missing item of an entry read with certainty unknown (text, unknown code system)."""


@fact
class ConditionEntry:
    """A condition matched to a concept. ``certain`` is False when only its text or a
    code in an unknown system named the concept (``note`` says which words or code)."""

    condition: Condition
    concept: str
    set: str | None
    zones: frozenset[str]
    code: str | None
    certain: bool = True
    note: str | None = None


@fact
class MedicationEntry:
    medication: Medication
    certain: bool = True
    note: str | None = None


@fact
class ProcedureEntry:
    procedure: Procedure
    certain: bool = True
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ConceptHit:
    """A concept a coded fact names: through a code, an unplaced code or its text."""

    concept: str
    set: str | None
    zone: str | None
    code: str | None
    certain: bool
    note: str | None = None


FindingHead = tuple[str, str, str, str, tuple[str, ...], int]
LiveRules = tuple[tuple[Rule, "Node", int | None], ...]
LiveIndications = tuple[tuple[Indication, "Node", int | None], ...]


def _listed(visit: ConditionEntry, entries: list[ConditionEntry]) -> bool:
    """Whether a Condition of the record names a visit diagnosis's concept and set, and had
    not ended before the visit began."""
    onset = visit.condition.onset
    return any(
        not e.condition.from_visit
        and e.set == visit.set
        and not (
            e.condition.abatement is not None
            and onset is not None
            and e.condition.abatement < onset
        )
        for e in entries
    )


class RecordIndex:
    """What a record says, indexed for one KB, whatever the date: conditions, medications
    and procedures by concept, readings by measure and answers by question in time
    order. Built once per record (kept in :attr:`PatientRecord.index_cache` while the
    record's facts stay the same); :class:`Facts` reads it on a date."""

    def __init__(self, record: PatientRecord, kb: KB) -> None:
        self.kb = kb
        self._live: tuple[Program, LiveRules, LiveIndications] | None = None
        # the facts indexed: the index holds while the record's lists hold the same facts
        self.sources = tuple(list(facts) for facts in _indexed_lists(record))
        self.conditions: dict[str, list[ConditionEntry]] = defaultdict(list)
        self.medications: dict[str, list[MedicationEntry]] = defaultdict(list)
        self.procedures: dict[str, list[ProcedureEntry]] = defaultdict(list)
        for condition in (
            *record.conditions,
            *observed_conditions(record, kb),
            *procedure_diagnoses(record, kb, self.procedure_concepts),
            *drug_diagnoses(record, kb, self.medication_concepts),
        ):
            self.index_condition(condition)
        self._set_aside_visit_diagnoses()
        for medication in record.medications:
            for concept, (certain, note) in self.medication_concepts(medication).items():
                self.medications[concept].append(MedicationEntry(medication, certain, note))
        for procedure in record.procedures:
            for concept, (certain, note) in self.procedure_concepts(procedure).items():
                self.procedures[concept].append(ProcedureEntry(procedure, certain, note))
        # readings of each measure in time order (a date's readings are a prefix),
        # with their dates for bisection
        readings: dict[str, list[Observation]] = defaultdict(list)
        for obs in record.observations:
            readings[obs.measure].append(obs)
        self.observations: dict[str, tuple[list[Observation], list[date]]] = {}
        # the days of each measure whose latest reading is not known (Spread), by day
        self.spread: dict[str, dict[date, Spread]] = {}
        # the readings of each measure dated only by a month or a year, in time order
        self.partial: dict[str, tuple[Observation, ...]] = {}
        # the measures with a reading taken after one dated a later day (times written in
        # different time zones): see Facts.crossed
        self.crossing: set[str] = set()
        for measure, taken in readings.items():
            values = _in_time_order(taken, kb.measures.get(measure))
            days = [o.when for o in values]
            self.observations[measure] = (values, days)
            if len(values) > 1 and len(set(days)) < len(days):
                spread = _spread_days(values)
                if spread:
                    self.spread[measure] = spread
            partial = tuple(o for o in values if o.last is not None)
            if partial:
                self.partial[measure] = partial
            if _times_cross_days(values):
                self.crossing.add(measure)
        # why readings of a measure were set aside (a unit, an implausible value)
        reasons: dict[str, dict[str, None]] = defaultdict(dict)
        for ignored in record.ignored:
            if ignored.measure is not None:
                said = reasons[ignored.measure]  # one without a reason is set aside too
                if ignored.reason:
                    said.setdefault(ignored.reason)
        self.set_aside = {m: tuple(r) for m, r in reasons.items()}
        # the days of readings set aside, by measure (those the record dates)
        days_aside: dict[str, set[date]] = defaultdict(set)
        for ignored in record.ignored:
            if ignored.measure is not None and ignored.when is not None:
                days_aside[ignored.measure].add(ignored.when)
        self.set_aside_days = {m: sorted(d) for m, d in days_aside.items()}
        # the periods of readings set aside dated only by a month or a year, by measure
        spans: dict[str, list[tuple[date, date]]] = defaultdict(list)
        for ignored in record.ignored:
            if ignored.measure is not None and ignored.when is not None and ignored.last:
                spans[ignored.measure].append((ignored.when, ignored.last))
        self.set_aside_spans = {m: tuple(found) for m, found in spans.items()}
        # the measures with a reading set aside that the record does not date
        self.set_aside_undated = frozenset(
            i.measure for i in record.ignored if i.measure is not None and i.when is None
        )
        # what a comparison shows, by measure, the readings that decide, the language and
        # what may decide instead (0 nothing, 1 a reading set aside, 2 a day's Spread):
        # made once per record (the same readings show the same evidence on any date)
        self.shown: dict[tuple[str, int, int, str, object], Found] = {}
        self.gaps: dict[Gap, Gap] = {}
        # the gap an Either makes of its parts' gaps, by their identities (see _compile_either)
        self.merged: dict[tuple[int, ...], tuple[list[Gap], tuple[Gap]]] = {}
        # a condition entry's evidence, by entry, how it stands, its start and language
        self.evidence: dict[tuple[int, int, date | None, bool, str], Evidence] = {}
        # answers by question in time order, and those dated only by a month or a year
        self.answers, self.partial_answers = _index_answers(record.answers)

    def live(self, prog: Program) -> tuple[LiveRules, LiveIndications]:
        """The rules and indications of ``prog`` this record can make other than FALSE,
        each with its rank on every date (None: it depends on the date).

        A fold reads only which concepts, measures and questions the index holds (see
        :meth:`held`): records that hold the same ones share the answer, kept in
        ``prog`` (up to :data:`LIVE_CACHE_SIZE` of them)."""
        if self._live is None or self._live[0] is not prog:
            held = self.held()
            found = prog.live.get(held)
            if found is None:
                found = (
                    tuple(
                        (r, node.for_index(self), rank)
                        for r, node in prog.rules
                        if (rank := node.fold(self)) != 0
                    ),
                    tuple(
                        (i, node.for_index(self), rank)
                        for i, node in prog.indications
                        if (rank := node.fold(self)) != 0
                    ),
                )
                if len(prog.live) >= LIVE_CACHE_SIZE:
                    prog.live.clear()
                prog.live[held] = found
            self._live = (prog, *found)
        return self._live[1], self._live[2]

    def held(self) -> tuple[frozenset[str], ...]:
        """What a :class:`Node`'s ``fold`` may read: the concepts with conditions,
        medications and procedures, the measures with readings or readings set aside
        (and which of these the record does not date), and the questions answered (every
        list the index keeps is non-empty)."""
        return (
            frozenset(self.conditions),
            frozenset(self.medications),
            frozenset(self.procedures),
            frozenset(self.observations),
            frozenset(self.set_aside),
            self.set_aside_undated,
            frozenset(self.answers),
        )

    @classmethod
    def of(cls, record: PatientRecord, kb: KB) -> RecordIndex:
        """The record's index for ``kb``: the one kept on the record while its facts are
        unchanged (compared fact by fact), else a new one."""
        index = record.index_cache
        if (
            isinstance(index, RecordIndex)
            and index.kb is kb
            and index.sources == _indexed_lists(record)
        ):
            return index
        index = cls(record, kb)
        record.index_cache = index
        return index

    def concepts_of(self, codings: tuple[Coding, ...], named: str | None) -> set[str]:
        concepts = {named} if named else set()
        for coding in codings:
            concepts.update(
                hit.concept
                for hit in self.kb.codes.lookup_coding(coding.system, coding.code, coding.display)
            )
        return concepts

    def hits(self, codings: tuple[Coding, ...], texts: tuple[str | None, ...]) -> list[ConceptHit]:
        """The concepts codings name; failing any, those named by a code of an unknown or
        missing system (by its shape), uncertain; and, uncertain, the concepts the texts
        and the displays of the other codings name that no code names. A code wins over
        text.

        Answers are kept per KB (records repeat the same codings and texts), up to
        :data:`HIT_CACHE_SIZE` of them.
        """
        return self._kept((codings, texts), self._hits, codings, texts)

    def _kept(
        self, key: tuple[Any, ...], find: Callable[..., list[ConceptHit]], *args: Any
    ) -> list[ConceptHit]:
        """``find(*args)``, kept per KB under ``key``, up to :data:`HIT_CACHE_SIZE` answers."""
        # by value (another record naming the same codes); never by the identity of a
        # record's objects, which a server's cache would keep alive request after request
        cache = self.kb.hit_cache
        found: list[ConceptHit] | None = cache.get(key)
        if found is None:
            found = find(*args)
            if len(cache) >= HIT_CACHE_SIZE:
                cache.clear()
            cache[key] = found
        return found

    def _hits(self, codings: tuple[Coding, ...], texts: tuple[str | None, ...]) -> list[ConceptHit]:
        codes = self.kb.codes
        found: list[ConceptHit] = []
        placed: list[Coding] = []  # codings that name a concept
        titled: set[tuple[str, ...]] = set()  # the KB's own names of their codes
        for c in codings:
            coded = codes.lookup_coding(c.system, c.code, c.display)
            if coded:
                placed.append(c)
                titled.update(_title(h.code.display) for h in coded if h.code.display)
                shown = f"{c.system}|{c.code}"
                # a code that may name a concept but need not (KB ``confirm``): to confirm
                found.extend(
                    ConceptHit(h.concept, h.set, h.zone, shown, False, code_may_name(_titled(c)))
                    if h.code.confirm
                    else ConceptHit(h.concept, h.set, h.zone, shown, True)
                    for h in coded
                )
        if not found:
            for c in codings:
                unplaced = codes.lookup_unplaced(c.system, c.code)
                shown = c.code if c.system == "unknown" else f"{c.system}|{c.code}"
                note = code_to_confirm(shown)
                found.extend(
                    ConceptHit(h.concept, h.set, h.zone, shown, False, note) for h in unplaced
                )
        if not found:  # an ICD-10 code written in the words ("C79.5", "С79.5 Вторичное ЗНО")
            for text in texts:
                for written in _codes_in_text(text):
                    note = code_to_confirm(written)
                    found.extend(
                        ConceptHit(h.concept, h.set, h.zone, written, False, note)
                        for h in codes.lookup_unplaced("unknown", written)
                    )
        # The words of the entry are read too, for what its codes do not say: a lumbago
        # code whose text adds "new saddle anaesthesia", a second local coding naming cauda
        # equina, a display the EHR wrote its own words into ("Low back pain with new
        # saddle anaesthesia" as the display of M54.5, "Остеохондроз, задержка мочи"). A
        # concept a code names is the code's (a code wins over text); a text or a display
        # that only repeats the KB's name of a coding it knows says nothing more. The
        # display of a code placed by its shape alone is read: the shape may belong to
        # another system (a Read code looks like ICD-10).
        named = {hit.concept for hit in found}
        said = {" ".join(c.display.split()).casefold() for c in placed if c.display}
        seen: set[tuple[str, str | None]] = set()
        own = tuple(
            c.display
            for c in placed
            if c.display and _title(c.display) not in titled and c.display not in texts
        )
        concepts = self.kb.concepts
        for text in (*texts, *(c.display for c in codings if c not in placed), *own):
            if not text:
                continue
            # a text that repeats a known code's display ("code.text" as EHRs fill it) is
            # that display: nothing more where it is the KB's own name of the code
            repeats = bool(said) and " ".join(text.split()).casefold() in said
            if repeats and text not in own and _title(text) in titled:
                continue
            # of a display the EHR wrote its words into, what limits massage: the site or
            # kind of the coded diagnosis it also names is the code's to say
            limits = text in own or repeats
            # the whole text is the title of a KB code: the concept that code names
            for concept, group in self.kb.code_titles.get(tuple(words(text)), ()):
                if limits and concepts[concept].kind in _NOT_LIMITING:
                    continue
                if concept not in named and (concept, group) not in seen:
                    seen.add((concept, group))
                    note = text_to_confirm(" ".join(text.split()))
                    found.append(ConceptHit(concept, group, None, None, False, note))
            for mention in self.kb.text_matcher.find(text):
                if mention.concept in named or (mention.concept, mention.set) in seen:
                    continue
                if limits and concepts[mention.concept].kind in _NOT_LIMITING:
                    continue
                seen.add((mention.concept, mention.set))
                note = text_to_confirm(mention.words)
                found.append(ConceptHit(mention.concept, mention.set, None, None, False, note))
        return found

    def procedure_concepts(self, procedure: Procedure) -> dict[str, tuple[bool, str | None]]:
        """Concept -> (certain, note) of one procedure (a certain hit wins)."""
        out: dict[str, tuple[bool, str | None]] = {}
        if procedure.concept:
            out[procedure.concept] = (True, None)
        for hit in self._hits_at_site(procedure.codings, procedure.text, procedure.body_sites):
            if hit.concept not in out or (hit.certain and not out[hit.concept][0]):
                out[hit.concept] = (hit.certain, hit.note)
        return out

    def medication_concepts(self, medication: Medication) -> dict[str, tuple[bool, str | None]]:
        """Concept -> (certain, note) of one medication (a certain hit wins).

        A drug that names no concept, given only by codes (none of them ATC, whose code
        names its own class, unless that class holds blood thinners among other drugs:
        B01A) or by nothing at all, and with no name, is the KB's ``unnamed_drug`` concept
        with certainty unknown: nobody reading the record can tell it from a blood thinner
        (clinic policy policy_unplaced_drug)."""
        out: dict[str, tuple[bool, str | None]] = {}
        if medication.concept:
            out[medication.concept] = (True, None)
        for hit in self.hits(medication.codings, (medication.text,)):
            if hit.concept not in out or (hit.certain and not out[hit.concept][0]):
                out[hit.concept] = (hit.certain, hit.note)
        unnamed = self.kb.model.text_cues.unnamed_drug
        if (
            not out
            and unnamed is not None
            and not (medication.text or "").strip()
            and not any(c.display and c.display.strip() for c in medication.codings)
            and not any(
                c.system == "atc" and not self.kb.codes.holds_listed(c.system, c.code)
                for c in medication.codings
            )
        ):
            out[unnamed] = (
                False,
                unnamed_drug_note(medication.codings[0].code)
                if medication.codings
                else nameless_drug_note(),
            )
        return out

    def _hits_at_site(
        self, codings: tuple[Coding, ...], text: str | None, body_sites: tuple[Coding, ...]
    ) -> list[ConceptHit]:
        """What a diagnosis or a procedure names (:meth:`hits`), with what it names at its
        recorded site or at the site its text gives after a comma besides
        (:meth:`_site_hits`); kept as :meth:`hits` keeps its answers."""
        return self._kept(
            ("at site", codings, text, body_sites), self._at_site, codings, text, body_sites
        )

    def _at_site(
        self, codings: tuple[Coding, ...], text: str | None, body_sites: tuple[Coding, ...]
    ) -> list[ConceptHit]:
        hits = self.hits(codings, (text,))
        named = {hit.concept for hit in hits}
        return [*hits, *self._site_hits(codings, text, body_sites, named)]

    def _site_hits(
        self,
        codings: tuple[Coding, ...],
        text: str | None,
        body_sites: tuple[Coding, ...],
        named: set[str],
    ) -> list[ConceptHit]:
        """The concepts a diagnosis or procedure of no site of its own names at its
        recorded site, where that site makes it one (KB text.yaml ``at_site``: a "Fracture
        of bone" at "L1 vertebra" is a vertebral fracture, "Anaesthesia of skin" at
        "Perineum" cauda equina, an "Arthrodesis" at the lumbar spine a spine operation),
        or at the site its words give alone after a comma ("Osteomyelitis, lumbar spine"),
        uncertain; those ``named`` already by its codes or words are left out."""
        kb = self.kb
        sites = [s.display or kb.site_names.get((s.system, s.code)) for s in body_sites]
        texts = [text]
        for c in codings:  # a code the KB knows, given without its name: the KB's
            if c.display:
                texts.append(c.display)
                continue
            texts.extend(h.code.display for h in kb.codes.lookup_coding(c.system, c.code, None))
            texts.append(kb.siteless_name(c.system, c.code))
        found: dict[str, ConceptHit] = {}
        for place, alone, diagnoses in kb.site_matchers:
            site = next((s for s in sites if s and place.find(s)), None)
            at: list[tuple[Mention, str]] = []
            for text in texts:
                if site is not None:
                    at.extend((mention, site) for mention in diagnoses.find(text))
                at.extend(diagnoses.at_sites(text, alone))  # "Fracture, L1"
            for mention, where in at:
                if mention.concept not in named and mention.concept not in found:
                    note = site_to_confirm(mention.words, where)
                    found[mention.concept] = ConceptHit(
                        mention.concept, None, None, None, False, note
                    )
        return list(found.values())

    def _site_zones(self, condition: Condition) -> set[str]:
        zones: set[str] = set()
        for site in condition.body_sites:
            if site.system == ZONE_SYSTEM:
                zones.add(site.code)
            else:
                zone = self.kb.zone_by_site.get((site.system, site.code))
                if zone:
                    zones.add(zone)
        return zones

    def _set_aside_visit_diagnoses(self) -> None:
        """A diagnosis given only in an Encounter counts only where no Condition of the
        record names the same concept (and set): the problem list's statuses and dates
        then decide (clinic policy policy_encounter_diagnosis; bulk: the same rule). A
        Condition that had ended (its abatement date) before the visit began says nothing
        of the visit: a new deep vein thrombosis in a patient whose old one resolved."""
        for entries in self.conditions.values():
            if not any(e.condition.from_visit for e in entries):
                continue
            listed = [e.condition for e in entries if not e.condition.from_visit]
            if listed:
                entries[:] = [
                    e for e in entries if not (e.condition.from_visit and _listed(e, entries))
                ]

    def index_condition(self, condition: Condition) -> None:
        site_zones = self._site_zones(condition)
        if condition.concept:
            confirm = condition.confirm  # a finding recorded in a way to confirm
            self.conditions[condition.concept].append(
                ConditionEntry(
                    condition,
                    condition.concept,
                    None,
                    frozenset(site_zones),
                    None,
                    confirm is None,
                    confirm,
                )
            )
        if condition.concept and not condition.codings:
            return
        operations = self.kb.procedure_concepts
        for hit in self._hits_at_site(condition.codings, condition.text, condition.body_sites):
            if condition.confirm is not None:
                hit = replace(hit, certain=False, note=condition.confirm)
            if hit.concept in operations:
                # "S/P microdiscectomy", "Z.n. Bandscheiben-OP": an operation written as a
                # diagnosis, dated by it (to confirm), read where the rules read operations
                self.procedures[hit.concept].append(_operation_of(condition, hit))
                continue
            zones = set(site_zones)
            if hit.zone:
                zones.add(hit.zone)
            elif not zones and hit.code is not None and hit.certain:
                system, _, code = hit.code.partition("|")
                if system in {"icd10", "icd10cm"}:
                    zone = self.kb.codes.icd10_zone(code)
                    if zone:
                        zones.add(zone)
            self.conditions[hit.concept].append(
                ConditionEntry(
                    condition,
                    hit.concept,
                    hit.set,
                    frozenset(zones),
                    hit.code,
                    hit.certain,
                    hit.note,
                )
            )


def _operation_of(condition: Condition, hit: ConceptHit) -> ProcedureEntry:
    """An operation a Condition names, done on its onset (or the day it was recorded), to
    confirm; an onset given only as a year or a month spans it, as a procedure's date
    does (``performed_last``: it may fall within a rule's window)."""
    performed = condition.onset or condition.recorded
    done = Procedure(
        ref=condition.ref,
        codings=condition.codings,
        text=condition.text,
        performed=performed,
        performed_last=condition.start_last(performed),
    )
    return ProcedureEntry(done, False, hit.note or procedure_as_diagnosis_note())


def procedure_diagnoses(
    record: PatientRecord,
    kb: KB,
    concepts_of: Callable[[Procedure], dict[str, tuple[bool, str | None]]],
) -> list[Condition]:
    """The diagnoses a procedure's or an order's name gives ("Radiotherapy to L3 metastasis",
    "Urinary catheterisation for acute urinary retention", "Chemotherapy cycle 3"): each
    concept its codes or words name that is not an operation nor the context of a visit (a
    massage order), to confirm, as a visit's diagnosis counts (clinic policy
    policy_encounter_diagnosis): from the day it was done for the KB's
    ``encounter_diagnosis_days``, undated in force; a Condition of the record naming the
    same concept decides. Not one not done, nor one that looks for, prevents or ends what
    it names (:func:`_looks_for`). ``concepts_of``: the index's ``procedure_concepts`` (the
    engine's and bulk's alike)."""
    return _named_diagnoses(record.procedures, kb, concepts_of) + order_diagnoses(
        record, kb, concepts_of
    )


def drug_diagnoses(
    record: PatientRecord,
    kb: KB,
    concepts_of: Callable[[Medication], dict[str, tuple[bool, str | None]]],
) -> list[Condition]:
    """The diagnoses a drug's codes or name give: a cancer by an antineoplastic drug (ATC
    L01, "capecitabine"), an infection by "amoxicillin for chest infection". Each concept
    they name that is not a drug's own (a blood thinner), an operation or a visit's
    context counts as a visit's diagnosis does, to confirm (clinic policy
    policy_encounter_diagnosis): from the drug's start while it is taken (no end: in force)
    and for the KB's ``encounter_diagnosis_days`` after its end, or after its start for a
    course over with no end written; a Condition of the record naming the same concept
    decides. None for a drug not taken. ``concepts_of``: the index's
    ``medication_concepts`` (the engine's and bulk's alike)."""
    out: list[Condition] = []
    for drug in record.medications:
        if drug.status in DRUG_NOT_TAKEN:
            continue
        named = concepts_of(drug).keys() - kb.drug_concepts
        if not named:
            continue  # most drugs: none but their own (or none)
        last = drug.end
        if last is None and drug.status is not None and drug.status not in MEDICATION_IN_FORCE:
            last = drug.start_last or drug.start  # over, with no end written
        out += _as_diagnoses(
            kb,
            named,
            Condition(
                ref=f"{drug.ref}{VISIT_DIAGNOSIS}drug",
                text=drug.text,
                onset=drug.start,
                confirm=diagnosis_as_drug_note(),
                onset_last=drug.start_last,
            ),
            last,
        )
    return out


def _as_diagnoses(
    kb: KB, named: Iterable[str], diagnosis: Condition, last: date | None
) -> list[Condition]:
    """``diagnosis`` for each concept ``named`` that is not an operation nor a visit's
    context, in force until the KB's ``encounter_diagnosis_days`` after ``last`` (none: in
    force)."""
    skip = kb.not_diagnoses
    days = kb.threshold("encounter_diagnosis_days")
    abatement = days_after(last, days) if last is not None else None
    return [
        replace(diagnosis, concept=concept, abatement=abatement)
        for concept in sorted(named)
        if concept not in skip
    ]


def order_diagnoses(
    record: PatientRecord,
    kb: KB,
    concepts_of: Callable[[Procedure], dict[str, tuple[bool, str | None]]],
) -> list[Condition]:
    """The diagnoses an order's name gives ("Radiotherapy to L3 metastasis" ordered), as a
    procedure's do (:func:`procedure_diagnoses`), from the day it was written: not one
    withdrawn or only drafted. The clinic, which keeps no orders, stores them so."""
    ordered = [
        Procedure(ref=o.ref, codings=o.codings, text=o.text, performed=o.authored)
        for o in record.orders
        if o.status not in ORDER_NOT_MEANT and (o.text or o.codings)
    ]
    return _named_diagnoses(ordered, kb, concepts_of)


def _named_diagnoses(
    procedures: Sequence[Procedure],
    kb: KB,
    concepts_of: Callable[[Procedure], dict[str, tuple[bool, str | None]]],
) -> list[Condition]:
    out: list[Condition] = []
    for procedure in procedures:
        if procedure.status in PROCEDURE_NOT_DONE:
            continue
        named: Iterable[str] = concepts_of(procedure)
        if _looks_for(procedure, kb):
            # a test or a prevention gives no diagnosis, but a drug it names was given:
            # "DVT prophylaxis", "Heparin prophylaxis" are a blood thinner, to confirm
            named = [concept for concept in named if concept in kb.drug_concepts]
            if not named:
                continue
        day = procedure.performed
        out += _as_diagnoses(
            kb,
            named,
            Condition(
                ref=f"{procedure.ref}{VISIT_DIAGNOSIS}procedure",
                text=procedure.text,
                onset=day,
                body_sites=procedure.body_sites,
                confirm=diagnosis_as_procedure_note(),
                onset_last=procedure.performed_last,
            ),
            procedure.performed_last or day,
        )
    return out


def _looks_for(procedure: Procedure, kb: KB) -> bool:
    """Whether a procedure's name says it looks for, speaks of or ends what it names (KB
    text.yaml ``procedure_no_diagnosis``: "Syphilis infection test", "Termination of
    pregnancy"), in its words or a code's display."""
    cues = _cue_words(kb.model.text_cues.procedure_no_diagnosis.phrases())
    for said in (procedure.text, *(c.display for c in procedure.codings)):
        if said and cues:
            written = f" {' '.join(words(said))} "
            if any(cue in written for cue in cues):
                return True
    return False


SYSTEM_TITLES = {
    "icd10": "ICD-10",
    "icd10cm": "ICD-10-CM",
    "icd10pcs": "ICD-10-PCS",
    "snomed": "SNOMED CT",
    "loinc": "LOINC",
    "rxnorm": "RxNorm",
    "atc": "ATC",
    "ndc": "NDC",
    "cpt": "CPT",
    "ops": "OPS",
}
"""The KB's code systems as clinicians name them ("ICD-10 S32.8")."""


def _titled(coding: Coding) -> str:
    """A coding as clinicians write it: its system's name and its code ("ICD-10 S32.8")."""
    title = SYSTEM_TITLES.get(coding.system)
    return f"{title} {coding.code.strip()}" if title else coding.code.strip()


_NOT_LIMITING = frozenset({"indication", "context"})
"""The kinds of concept that never limit massage (:meth:`RecordIndex._hits`)."""

_SEMANTIC_TAG = re.compile(
    r"\s*\((?:disorder|finding|situation|procedure|morphologic abnormality|"
    r"observable entity|event|regime/therapy|clinical drug|medicinal product|substance)\)\s*$",
    re.IGNORECASE,
)
"""SNOMED CT's semantic tag at the end of a fully specified name ("... (disorder)")."""


@lru_cache(maxsize=8192)
def _title(display: str) -> tuple[str, ...]:
    """A code's name as its words, without SNOMED CT's semantic tag: two names of one code
    that differ only in case, spacing, punctuation or the tag are the same name."""
    return tuple(words(_SEMANTIC_TAG.sub("", display)))


@lru_cache(maxsize=16)
def _cue_words(phrases: tuple[str, ...]) -> tuple[str, ...]:
    """Phrases as their words, spaced to be found whole (" rule out ")."""
    return tuple(f" {' '.join(words(phrase))} " for phrase in phrases)


def _indexed_lists(record: PatientRecord) -> tuple[list[Any], ...]:
    """The record's lists an index is made of. The index keeps copies: comparing them
    with the record's lists is quick (the same fact objects compare by identity)."""
    return (
        record.conditions,
        record.coded_observations,
        record.medications,
        record.procedures,
        record.observations,
        record.answers,
        record.ignored,
    )


@dataclass(frozen=True, slots=True)
class Spread:
    """The readings that may each decide, where their values differ: of one day, every
    reading without a time whose order the record does not know
    (:attr:`~spinecare.record.model.Observation.in_order`), the latest of the others in
    time order and any other taken at its very time; with them, those dated the day after
    the screening day (:meth:`Facts.ahead`, see :func:`_instead`). ``low`` and ``high``:
    their lowest and highest value (the KB's comparisons are monotone: the two decide
    whether they all agree). ``maybe``: the lowest and highest value of readings dated only
    by a month or a year that may decide too (:meth:`Facts.partial`, shown among
    ``readings``): they may make a comparison that does not hold unknown, never one that
    holds (clinic policy policy_partial_date_reading).
    """

    low: float
    high: float
    readings: tuple[Observation, ...]
    maybe: tuple[float, float] | None = None


def _times_cross_days(values: list[Observation]) -> bool:
    """Whether a reading of ``values`` (one measure's, in time order) was taken, by its time,
    after a reading dated a later day (times written in different time zones)."""
    earlier = -math.inf  # the latest time taken among readings of the days before
    today = -math.inf
    day = None
    for o in values:
        if o.when != day:
            earlier, today, day = max(earlier, today), -math.inf, o.when
        if o.instant is not None:
            if o.instant < earlier:
                return True
            today = max(today, o.instant)
    return False


def _in_time_order(values: list[Observation], measure: Measure | None) -> list[Observation]:
    """A measure's readings in time order (:meth:`Observation.order_key`), each counted as
    the KB grades it (:func:`_with_day_means`)."""
    values.sort(key=Observation.order_key)
    if measure is not None and measure.day_mean and len(values) > 1:
        return _with_day_means(values)
    return values


def _with_day_means(values: list[Observation]) -> list[Observation]:
    """Readings of a measure graded by the mean of a day's readings (``Measure.day_mean``):
    one lower than the mean of its day's readings counts as that mean, its own value kept
    to show (``Observation.taken``). Readings dated only by a month or a year are of no
    known day: neither in a mean nor changed. Bulk SQL does the same
    (:func:`spinecare.bulk.compile.read_observations`)."""
    by_day: dict[date, list[float]] = defaultdict(list)
    for o in values:
        if o.last is None:
            by_day[o.when].append(o.value)
    out = []
    for o in values:
        day = by_day[o.when] if o.last is None else []
        if len(day) > 1:
            # rounded as converted units are (units.DECIMALS): the same in any order of
            # adding, here and in SQL, and 160.1, 159.9 are 160, not 159.99...
            mean = round(math.fsum(day) / len(day), DECIMALS)
            if mean > o.value:
                o = replace(o, value=mean, taken=o.value)
        out.append(o)
    return out


def _spread_days(values: list[Observation]) -> dict[date, Spread]:
    """The days of ``values`` (one measure's readings in time order) whose latest reading
    is not known and whose candidates differ in value (:class:`Spread`)."""
    out: dict[date, Spread] = {}
    start, n = 0, len(values)
    while start < n:
        day = values[start].when
        end = start + 1
        while end < n and values[end].when == day:
            end += 1
        if end - start > 1:
            group = values[start:end]
            ordered = [o for o in group if o.instant is not None or o.in_order]
            last = ordered[-1] if ordered else None
            # readings taken at the very time of the latest are in no known order either
            # (the record's order says nothing of time), unless both are of a list in the
            # order taken (an intake form's)
            tie = None if last is None else last.instant
            readings = tuple(
                o
                for o in group
                if o is last
                or (o.instant is None and not o.in_order)
                or (
                    tie is not None
                    and o.instant == tie
                    and not (o.in_order and last is not None and last.in_order)
                )
            )
            low = min(o.value for o in readings)
            high = max(o.value for o in readings)
            if low != high:
                out[day] = Spread(low, high, readings)
        start = end
    return out


ONE_DAY = timedelta(days=1)


def _answer_day(answer: Answer) -> date:
    return answer.when or date.min


def _answer_order(answer: Answer) -> tuple[date, float]:
    """Answers in time order: by day, then time (one without a time first, as readings)."""
    return (answer.when or date.min, -math.inf if answer.instant is None else answer.instant)


def _order_unknown(one: Answer, other: Answer) -> bool:
    """Whether which of two answers of one day was given last is not known: neither the
    record's list (both in the order given) nor their times (both, and different) say."""
    if one.in_order and other.in_order:
        return False
    return one.instant is None or other.instant is None or one.instant == other.instant


def _index_answers(
    given: Sequence[Answer],
) -> tuple[dict[str, tuple[list[Answer], list[date]]], dict[str, tuple[Answer, ...]]]:
    """The answers to each question in time order with their days (undated first), and
    those dated only by a month or a year (:attr:`Answer.last`), in time order."""
    replies: dict[str, list[Answer]] = defaultdict(list)
    for answer in given:
        replies[answer.question].append(answer)
    answers: dict[str, tuple[list[Answer], list[date]]] = {}
    partial: dict[str, tuple[Answer, ...]] = {}
    for question, found in replies.items():
        found.sort(key=_answer_order)
        answers[question] = (found, [_answer_day(a) for a in found])
        spans = tuple(a for a in found if a.last is not None)
        if spans:
            partial[question] = spans
    return answers, partial


def _answers_maybe_later(
    facts: Facts,
    question_id: str,
    found: Answer | None,
    window: timedelta | None,
    raises: Callable[[Answer], bool],
) -> tuple[Answer, ...]:
    """Answers to the question that may be the latest instead of ``found`` and would raise
    the finding (``raises``): those dated only by a month or a year whose period reaches
    its day or, with none current (``found`` None), the ``window`` (clinic policy
    policy_partial_date_reading), those of its day whose order with it is not known
    (:func:`_order_unknown`), those dated the day after the screening day, which
    may have been given on it (as readings are, :meth:`Facts.ahead`), and, to a question
    with no window, those of no known day. Bulk: the ``pa`` columns of ``compile``."""
    as_of = facts.as_of
    after = as_of + ONE_DAY
    given = facts.index.answers.get(question_id)
    ahead = () if given is None else given[0][bisect_left(given[1], after) :]
    later = tuple(a for a in ahead if a.when == after and raises(a))
    if window is None and found is not None and found.when is not None and given is not None:
        # answers of no known day (undated first in time order): any of them may be the
        # latest, as a reading of no known day may (a question with a window counts an
        # undated answer as of no day within it: unknown already)
        later = (*(a for a in given[0] if a.when is None and raises(a)), *later)
    if found is not None and found.when is not None and given is not None:
        # answers of its day whose order with it is not known (no time, the same time)
        answers, days = given
        day = found.when
        same = answers[bisect_left(days, day) : bisect_right(days, day)]
        later = (
            *(
                a
                for a in same
                if a is not found and a.last is None and _order_unknown(a, found) and raises(a)
            ),
            *later,
        )
    partial = facts.index.partial_answers.get(question_id)
    if partial is None:
        return later
    if found is not None:
        since = _answer_day(found)
    elif window is not None:
        since = as_of - window
    else:
        return later
    return (
        *(
            a
            for a in partial
            if a is not found
            and a.when is not None
            and a.when <= as_of
            and a.last is not None
            and a.last >= since
            and raises(a)
        ),
        *later,
    )


class Facts:
    """A record indexed for one screening date (the date-free part, :class:`RecordIndex`,
    is built once per record)."""

    def __init__(self, record: PatientRecord, kb: KB, as_of: date, lang: str = "en") -> None:
        self.record = record
        self.kb = kb
        self.as_of = as_of
        self.lang = lang
        self.index = index = RecordIndex.of(record, kb)
        self.conditions = index.conditions
        self.medications = index.medications
        self.procedures = index.procedures
        self._answers: dict[str, list[Answer]] | None = None
        # each measure on the date, once asked (see _compile_compare)
        self.measured: dict[str, Measured] = {}

    @property
    def observations(self) -> dict[str, list[Observation]]:
        """Readings by measure taken on or before the date, in time order."""
        out: dict[str, list[Observation]] = {}
        for measure, (values, days) in self.index.observations.items():
            n = bisect_right(days, self.as_of)
            if n:
                out[measure] = values[:n]
        return out

    @property
    def answers(self) -> dict[str, list[Answer]]:
        """Answers by question given on or before the date (or undated), oldest first."""
        if self._answers is None:
            self._answers = {}
            for question, (answers, days) in self.index.answers.items():
                n = bisect_right(days, self.as_of)
                if n:
                    self._answers[question] = answers[:n]
        return self._answers

    def concepts_of(self, codings: tuple[Coding, ...], named: str | None) -> set[str]:
        return self.index.concepts_of(codings, named)

    def hits(self, codings: tuple[Coding, ...], texts: tuple[str | None, ...]) -> list[ConceptHit]:
        return self.index.hits(codings, texts)

    def procedure_concepts(self, procedure: Procedure) -> dict[str, tuple[bool, str | None]]:
        return self.index.procedure_concepts(procedure)

    def medication_concepts(self, medication: Medication) -> dict[str, tuple[bool, str | None]]:
        return self.index.medication_concepts(medication)

    def index_condition(self, condition: Condition) -> None:
        self.index.index_condition(condition)

    def conditions_in_force(self, concept: str) -> list[ConditionEntry]:
        return [e for e in self.conditions.get(concept, ()) if e.condition.in_force(self.as_of)]

    def latest(
        self, measure: str, fresh_days: float, aggregate: str = "latest"
    ) -> tuple[Observation | None, Observation | None]:
        """The value that decides within the window (the latest reading by date and time,
        or with ``max`` the highest), and the latest value at all."""
        return self.reading(measure, timedelta(days=fresh_days), aggregate == "max")

    def reading(
        self, measure: str, window: timedelta, highest: bool
    ) -> tuple[Observation | None, Observation | None]:
        """:meth:`latest` with the window as a timedelta (``highest``: ``max``)."""
        found = self.index.observations.get(measure)
        if found is None:
            return None, None
        values, days = found
        as_of = self.as_of
        n = bisect_right(days, as_of)
        if not n:
            return None, None
        last = values[n - 1]
        since = as_of - window
        if last.when < since:
            return None, last
        if highest:
            fresh = values[bisect_left(days, since, 0, n) : n]
            # the highest; among equal values the latest, as the compiled SQL takes it
            return max(reversed(fresh), key=_value), last
        return last, last

    def crossed(self, measure: str, current: Observation) -> tuple[Observation, ...]:
        """Readings of ``measure`` on or before the date, dated a day before ``current`` (the
        latest by date, then time) and yet taken after it: their times are written in
        different time zones ("2026-11-30T22:00-05:00" is after "2026-12-01T01:00Z"), so
        which is the latest is not known, and each may decide (:func:`_instead`)."""
        if measure not in self.index.crossing or current.instant is None:
            return ()
        values, days = self.index.observations[measure]
        n = bisect_right(days, self.as_of)
        taken = current.instant
        return tuple(
            o
            for o in values[: bisect_left(days, current.when, 0, n)]
            if o.instant is not None and o.instant > taken
        )

    def ahead(self, measure: str) -> list[Observation]:
        """Readings of ``measure`` dated the day after the screening day. A record may write
        a time in another zone than the clinic's (in UTC: 20:00 in New York is 01:00 the
        next day), or the clinic's day may have begun before the screening date's: such a
        reading may have been taken on the screening day, so it is weighed, never ignored
        (:func:`_instead`). A reading two days ahead is not yet known and is not read."""
        found = self.index.observations.get(measure)
        if found is None:
            return []
        values, days = found
        as_of = self.as_of
        if days[-1] <= as_of:  # the common case: nothing after the date
            return []
        start = bisect_right(days, as_of)
        return values[start : bisect_right(days, as_of + ONE_DAY, start)]

    def partial(
        self, measure: str, current: Observation, since: date, highest: bool
    ) -> tuple[Observation, ...]:
        """Readings of ``measure`` dated only by a month or a year (their span, first day
        to last, cut at the screening day) that may decide instead of ``current``, with
        another value: with the latest deciding, those whose span reaches ``current``'s
        day (any may have been taken after it); with the highest, those higher than
        ``current`` whose span begins before the window (``since``) and reaches into it
        (they may be within it; one beginning within it is within it and weighed
        already)."""
        if highest:
            return tuple(
                o
                for o in self.partial_within(measure, since)
                if o.when < since and o.value > current.value
            )
        return tuple(
            o for o in self.partial_within(measure, current.when) if o.value != current.value
        )

    def partial_within(self, measure: str, since: date) -> tuple[Observation, ...]:
        """Readings of ``measure`` dated only by a month or a year whose span (cut at the
        screening day) reaches ``since``: each may have been taken on or after it."""
        found = self.index.partial.get(measure)
        if found is None:
            return ()
        as_of = self.as_of
        return tuple(o for o in found if o.when <= as_of and o.last is not None and o.last >= since)

    def condition_evidence(self, entry: ConditionEntry, standing: int) -> Evidence:
        """``entry`` shown as evidence on the date, where it stands so (its
        :meth:`~spinecare.record.model.Condition.standing`). The same entry standing the
        same way from the same start shows the same: made once per record and language."""
        c = entry.condition
        as_of = self.as_of
        start = c.start(as_of)
        onset = c.onset
        ahead = onset is not None and onset > as_of and start != onset  # future_onset
        key = (id(entry), standing, start, ahead, self.lang)  # entries the index keeps
        memo = self.index.evidence
        found = memo.get(key)
        if found is None:
            name = _concept_name(self, entry.concept)
            found = memo[key] = _condition_evidence(entry, standing, start, ahead, name)
        return found

    def set_aside_notes(self, measure: str) -> tuple[str, ...]:
        """Why readings of ``measure`` were not used (a unit, an implausible value): the
        readers' messages, each once."""
        return self.index.set_aside.get(measure, ())


def _value(obs: Observation) -> float:
    return obs.value


_YES = ("snomed", "373066001")
_NO = ("snomed", "373067005")
"""The codes the reader gives an Observation's clear yes (true, present) and no (false,
absent), :func:`spinecare.fhir.reader.coded_observation_from_fhir`."""


# An ICD-10 code written among words: a letter (Latin or a Cyrillic look-alike), two digits,
# the dot and one to four more characters ("C79.5", "M51.16", "С79.5"), standing alone.
_ICD10_IN_TEXT = re.compile(r"(?<![\w.])[A-Za-zА-Яа-я]\d[0-9A-Z]\.[0-9A-Z]{1,4}(?![\w.])")


def _codes_in_text(text: str | None) -> list[str]:
    """The ICD-10 codes a text gives: every code written with its dot, or the whole text when
    it is one code without a dot ("C50")."""
    if not text:
        return []
    found = _ICD10_IN_TEXT.findall(text)
    whole = text.strip()
    if not found and 3 <= len(whole) <= 7 and ICD10_SHAPE.fullmatch(normalize_icd10(whole)):
        found = [whole]
    return found


def observed_conditions(record: PatientRecord, kb: KB) -> list[Condition]:
    """The conditions the record's coded Observations record, and those its intake
    answers name (:func:`_answered`).

    A KB ``finding`` (pregnancy status: pregnant) is in force from the observation's date
    for the finding's ``fresh_days``. Failing that, an Observation whose code names a KB
    concept (saddle anaesthesia, urinary retention, a fever as a finding) records it as
    of its date: a clear yes or present, or no value at all, as recorded; a clear no or
    absent, not at all; any other answer with certainty unknown (to confirm). One whose
    code the KB does not know is read as an entry with its words (the code's text, a value
    written as words) and its codes would be: what they name, to confirm ("Saddle
    anaesthesia: present" with no code). One the record gives no date for records the
    same, to confirm, with no start or end: never dropped.
    """
    out: list[Condition] = _answered(record, kb) if record.answers else []
    if not record.coded_observations:
        return out
    for obs in record.coded_observations:
        found = _observed(obs, kb)
        if obs.when is None:
            found = [replace(c, confirm=c.confirm or undated_observation_note()) for c in found]
        out.extend(found)
    return out


def _answered(record: PatientRecord, kb: KB) -> list[Condition]:
    """The conditions the intake answers say the patient has (a KB choice's ``concept``:
    any stage of treatment of a disc herniation is a disc herniation), one per question
    and concept, as of the latest such answer: the problem list's entry it would be."""
    latest: dict[tuple[str, str], Answer] = {}
    for answer in record.answers:
        question = kb.questions.get(answer.question)
        if question is None or not question.choices:
            continue
        for choice in question.choices:
            if choice.concept is None or choice.value != answer.value:
                continue
            key = (answer.question, choice.concept)
            held = latest.get(key)
            if held is None or (answer.when or date.min) >= (held.when or date.min):
                latest[key] = answer
    return [
        Condition(
            ref=answer.ref,
            concept=concept,
            onset=answer.when,
            onset_last=answer.last,
            confirm=None if answer.when is not None else undated_observation_note(),
        )
        for (_, concept), answer in latest.items()
    ]


def _observed(obs: CodedObservation, kb: KB) -> list[Condition]:
    """The conditions one coded Observation records (see :func:`observed_conditions`)."""
    out: list[Condition] = []
    candidates = {f.id: f for c in obs.code for f in kb.finding_by_code.get((c.system, c.code), ())}
    values = {(c.system, c.code) for c in obs.value}
    for finding in candidates.values():
        if values & {(c.system, c.code) for c in finding.values}:
            out.append(
                Condition(
                    ref=obs.ref,
                    concept=finding.concept,
                    text=next(
                        (
                            c.display
                            for c in obs.value
                            if c.display and (c.system, c.code) not in (_YES, _NO)
                        ),
                        None,
                    ),
                    onset=obs.when,
                    abatement=_fresh_until(obs.when, kb.threshold(finding.fresh_days)),
                )
            )
    denied = any(values & {(c.system, c.code) for c in f.no_values} for f in candidates.values())
    if out or denied or (_NO in values and _YES not in values):
        return out
    for finding in candidates.values():
        # any value records it (an expected delivery date), or an answer of its own value
        # set that is neither yes nor no (pregnancy status "Unknown"): to confirm
        if not finding.values or obs.value:
            out.append(
                Condition(
                    ref=obs.ref,
                    concept=finding.concept,
                    onset=obs.when,
                    abatement=_fresh_until(obs.when, kb.threshold(finding.fresh_days)),
                    confirm=unclear_answer_note(),
                )
            )
    if out:
        return out
    codes = kb.codes
    placed = any(codes.lookup_coding(c.system, c.code, c.display) for c in obs.code)
    if not placed:
        # a finding given as the value of an Observation whose code the KB does not know
        # ("Symptom", "Problem", "Clinical finding": 449813001 numbness of saddle area): what
        # the value names, to confirm (the code may ask for a relative's or a past one)
        held = tuple(
            c
            for c in obs.value
            if (c.system, c.code) not in (_YES, _NO)
            and (
                codes.lookup_coding(c.system, c.code, c.display)
                or codes.lookup_unplaced(c.system, c.code)
            )
        )
        if held:
            out.append(
                Condition(
                    ref=obs.ref,
                    codings=held,
                    onset=obs.when,
                    recorded=obs.when,
                    body_sites=obs.body_sites,
                    confirm=observed_value_note(),
                )
            )
    if not placed and not (obs.text or any(c.display for c in obs.code)):
        return out
    # a code the KB knows records its finding; one named only in words, or under a
    # code the KB does not know, is read as such an entry is (its words and the shape
    # of its codes), to confirm
    clear = obs.observed or (_YES in values and _NO not in values)
    out.append(
        Condition(
            ref=obs.ref,
            codings=obs.code,
            text=None if placed else obs.text,
            onset=obs.when,
            recorded=obs.when,
            body_sites=obs.body_sites,
            confirm=None if clear else unclear_answer_note(),
        )
    )
    return out


def _fresh_until(when: date | None, days: float) -> date | None:
    """The last day a finding observed on ``when`` stays in force (none for an undated one:
    it is to be confirmed)."""
    return days_after(when, days) if when is not None else None


def _concept_name(facts: Facts, concept: str) -> str:
    """A concept by its name in the KB (a fact recorded by its concept, with no text)."""
    known = facts.kb.concepts.get(concept)
    return known.label.get(facts.lang) if known is not None else concept


EVIDENCE_CHARS = 300
"""How much of an entry's words a finding shows as its evidence (a whole clinical note is
read; the words that named the finding are in its note, "found in text: ...")."""


def _condition_evidence(
    entry: ConditionEntry, standing: int, start: date | None, ahead: bool, name: str
) -> Evidence:
    """A condition shown as evidence, as it stands on the date (``standing``), known from
    ``start``, with its onset ahead of the date set aside (``ahead``)."""
    c = entry.condition
    status = condition_note(
        c.clinical_status,
        c.abatement,
        contradictory=standing == CONTRADICTORY,
        next_day=standing == AHEAD,
        onset_ahead=c.onset if ahead else None,
        match=entry.note,
        abatement_first=c.abatement_first,
        onset_last=c.onset_last,
    )
    label = c.text or next((x.display for x in c.codings if x.display), None) or name
    if len(label) > EVIDENCE_CHARS:  # a clinical note: where it says so is in the note
        label = " ".join(label[: EVIDENCE_CHARS - 1].split()) + "…"
    return Evidence(
        ref=c.ref,
        kind="condition",
        label=label,
        code=entry.code,
        date=start,
        note=status,
        last=c.start_last(start),
    )


def years_before(day: date, years: int) -> date:
    """The date ``years`` years before ``day`` (29 February: the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}


def _observation_evidence(obs: Observation, label: str, note: str | None = None) -> Evidence:
    """A reading shown with ``note`` (else the value as written, where converted); one
    dated only by a month or a year says so."""
    if note is None:
        note = recorded_as(obs.original)
    if obs.last is not None:
        note = joined(note, partial_reading_note(obs.when, obs.last))
    if obs.taken is not None:
        note = joined(note, day_mean_note(obs))
    return Evidence(
        ref=obs.ref,
        kind="observation",
        label=label,
        value=obs.value,
        unit=obs.unit,
        date=obs.when,
        last=obs.last,
        code=f"{obs.coding.system}|{obs.coding.code}" if obs.coding else None,
        note=note,
    )


def _unique(values: list[Any]) -> list[Any]:
    """Drop repeats (the same fact read by two leaves), keeping the first order."""
    n = len(values)
    if n < 2:
        return values
    if n > 2:
        # the same object first (the leaves share theirs), then equal ones
        values = list(dict(zip(map(id, values), values, strict=True)).values())
        n = len(values)
        if n > 2:
            return list(dict.fromkeys(values))
        if n < 2:
            return values
    first, second = values
    if first is second:
        return [first]
    # two gaps of different items, or two pieces of evidence of different facts or
    # labels (a panel's readings), differ: found without comparing every field
    kind = first.__class__
    if kind is second.__class__ and (
        (kind is Gap and first.item != second.item)
        or (kind is Evidence and (first.ref != second.ref or first.label != second.label))
    ):
        return values
    return [first] if first == second else values


# Compiled expressions ----------------------------------------------------------------------
#
# Each expression is compiled once per KB (with the KB's thresholds, measures and
# questions looked up) into a :class:`Node`: ``truth(facts)``, its truth alone as a rank
# (0 FALSE, 1 UNKNOWN, 2 TRUE: AND is the least, OR the greatest), and
# ``run(facts)``, its rank with the facts that decided it and what was missing, in one
# pass, from which :meth:`Node.trace` makes the :class:`Outcome`. A screening runs the
# rules a record can make other than FALSE (and asks the truth alone where that is all it
# needs); a combinator keeps only the facts of the parts that appear in its outcome.

Truth_ = Callable[[Facts], int]
Fold = Callable[[RecordIndex], int | None]
Found = tuple[Sequence[Evidence], Sequence[Gap]]
Measured = tuple[float | None, int, Found, Found | None, Spread | None, Found | None]
Ranked = tuple[int, Found]
Run = Callable[[Facts], Ranked]
NOTHING: Found = ((), ())
FALSE_NOTHING: Ranked = (0, NOTHING)
CONFIRM: tuple[Gap] = (Gap(CONFIRM_ITEM),)
BIRTH_DATE_GAP: tuple[Gap] = (Gap(BIRTH_DATE_ITEM),)


class Node:
    """One compiled expression.

    ``run(facts)`` returns the rank ``truth(facts)`` gives with the evidence and gaps
    (sequences not to be changed; an AND or OR keeps repeats there, ``unique``: its
    outcome drops them). ``fold(index)``: the rank on any date for a
    record that lacks the facts the expression reads (a condition never recorded, a
    measure never taken), else None; it reads no more than :meth:`RecordIndex.held`.
    ``quiet``: its FALSE outcome carries nothing.

    ``leaf``: a leaf whose outcome shows nothing when ``fold`` gives 0 (it reads no
    fact); ``distinct``: its outcome never holds a repeat (an AND or OR of it alone is
    the leaf itself). ``prune(index)``: the expression for a record whose index holds
    what ``index`` holds (see :meth:`for_index`), None: itself.
    """

    __slots__ = (
        "distinct",
        "fold",
        "leaf",
        "prune",
        "quiet",
        "run",
        "settled",
        "truth",
        "unique",
    )

    def __init__(
        self,
        truth: Truth_,
        run: Run,
        fold: Fold,
        quiet: bool,
        unique: bool = False,
        *,
        leaf: bool = False,
        distinct: bool = False,
    ) -> None:
        self.truth = truth
        self.run = run
        self.fold = fold
        self.quiet = quiet
        self.unique = unique
        self.leaf = leaf
        self.distinct = distinct
        self.prune: Callable[[RecordIndex], Node] | None = None
        self.settled: Run = _dropping_repeats(run) if unique else run
        """``settled(facts)``: the rank and what the outcome shows (repeats dropped where
        the expression drops them)."""

    def for_index(self, index: RecordIndex) -> Node:
        """The same expression for records whose index holds what ``index`` holds (it
        reads no more than :meth:`RecordIndex.held`): leaves that read no fact there are
        their constant outcomes, and an OR drops those that are FALSE. Same outcome on
        every date, fewer steps."""
        return self if self.prune is None else self.prune(index)

    def trace(self, facts: Facts, rank: int | None = None) -> Outcome:
        """The outcome (``rank``: what ``truth(facts)`` gave, if asked; found again)."""
        found, (evidence, gaps) = self.settled(facts)
        return Outcome(BY_RANK[found], list(evidence), list(gaps))


def _dropping_repeats(run: Run) -> Run:
    """``run`` of an AND or OR, its repeats dropped (its lists are its own)."""

    def settled(facts: Facts) -> Ranked:
        ranked = run(facts)
        evidence, gaps = ranked[1]
        if len(evidence) < 2 and len(gaps) < 2:
            return ranked  # nothing to repeat
        if len(evidence) > 1:
            evidence = _unique(evidence)  # type: ignore[arg-type]
        if len(gaps) > 1:
            gaps = _unique(gaps)  # type: ignore[arg-type]
        return ranked[0], (evidence, gaps)

    return settled


def _dynamic(index: RecordIndex) -> int | None:
    return None


def _constant(rank: int, outcome: Ranked, quiet: bool) -> Node:
    """A leaf whose outcome is ``outcome`` whatever the facts."""

    def truth(facts: Facts) -> int:
        return rank

    def run(facts: Facts) -> Ranked:
        return outcome

    def fold(index: RecordIndex) -> int | None:
        return rank

    return Node(truth, run, fold, quiet, leaf=True, distinct=True)


def _folding(node: Node, outcomes: dict[int, Ranked]) -> Node:
    """``node``, a leaf, with its outcome where its ``fold`` gives a rank: ``outcomes``
    by rank (the same on every date for every record whose index holds the same)."""
    constants = {rank: _constant(rank, outcome, node.quiet) for rank, outcome in outcomes.items()}

    def prune(index: RecordIndex) -> Node:
        rank = node.fold(index)
        return node if rank is None else constants.get(rank, node)

    node.prune = prune
    return node


class Program:
    """A KB's rules and indications compiled (see :func:`program`)."""

    def __init__(self, kb: KB) -> None:
        self._nodes: dict[int, tuple[Any, Node]] = {}
        # the live rules and indications by what a record's index holds (RecordIndex.live)
        self.live: dict[tuple[frozenset[str], ...], tuple[LiveRules, LiveIndications]] = {}
        # the label and text of a missing item, by gap and language (screening.py)
        self.texts: dict[tuple[Gap, str, bool], tuple[str, str]] = {}
        self._heads: dict[str, dict[int, FindingHead]] = {}
        self.rules = tuple((rule, self.node(rule.when, kb)) for rule in kb.model.rules)
        self.indications = tuple((ind, self.node(ind.when, kb)) for ind in kb.model.indications)

    def finding_heads(self, lang: str) -> dict[int, FindingHead]:
        """What a finding of each rule says whatever the record (concept, rule id, effect,
        reason in ``lang``, sources, the effect's severity: 0 the most severe verdict),
        by the rule's id(): read once from the KB."""
        heads = self._heads.get(lang)
        if heads is None:
            heads = self._heads[lang] = {
                id(r): (
                    r.concept,
                    r.id,
                    r.effect,
                    r.reason.get(lang),
                    tuple(r.sources),
                    VERDICTS.index(r.effect),
                )
                for r, _ in self.rules  # kept here: their ids stay theirs
            }
        return heads

    def node(self, expr: Any, kb: KB) -> Node:
        """``expr`` compiled for ``kb`` (kept: the KB's own expressions are few)."""
        kept = self._nodes.get(id(expr))
        if kept is not None and kept[0] is expr:
            return kept[1]
        node = COMPILERS[type(expr)](expr, kb, self)
        if len(self._nodes) >= NODE_CACHE_SIZE:
            self._nodes.clear()
        self._nodes[id(expr)] = (expr, node)  # the entry keeps ``expr`` (and its id) alive
        return node


NODE_CACHE_SIZE = 10_000
MERGED_CACHE_SIZE = 1_000
"""How many gaps merged by an Either a record's index keeps."""
LIVE_CACHE_SIZE = 4_096
"""How many answers of :meth:`RecordIndex.live` a program keeps (by what indexes hold)."""
_PROGRAMS: dict[int, tuple[weakref.ref[KB], Program]] = {}


def program(kb: KB) -> Program:
    """The compiled program of ``kb``, made on first use and kept while the KB lives."""
    key = id(kb)
    kept = _PROGRAMS.get(key)
    if kept is not None and kept[0]() is kb:
        return kept[1]
    made = Program(kb)
    _PROGRAMS[key] = (weakref.ref(kb, lambda _: _PROGRAMS.pop(key, None)), made)
    return made


def evaluate(expr: Any, facts: Facts) -> Outcome:
    """The truth of one expression for the indexed record, with its trace."""
    return program(facts.kb).node(expr, facts.kb).trace(facts)


_standing = python_function(CONDITION_STANDING)
_recent = python_function(CONDITION_RECENT)
""":meth:`Condition.standing <spinecare.record.model.Condition.standing>`: the same
definition, called without the method in between."""


def _compile_condition(node: HasCondition, kb: KB, prog: Program) -> Node:
    concept, wanted_set, zone, status = node.condition, node.set, node.zone, node.status
    ranks = CONDITION_RANK[status]
    every = wanted_set is None and zone is None  # every entry of the concept matches
    days = kb.threshold(node.within_days) if node.within_days else None

    def rank_of(condition: Condition, as_of: date) -> tuple[int, int]:
        """(the truth, the standing) of one condition: its standing's rank, at most its
        recency's where the rule asks for a recent one."""
        standing = _standing(condition, as_of)
        rank = ranks[standing]
        if days is not None and rank:
            rank = min(rank, _recent(condition, as_of, as_of - timedelta(days=days)))
        return rank, standing

    def matches(entry: ConditionEntry) -> bool:
        # an uncertain mention without a set may be any of the concept's sets
        if (
            wanted_set is not None
            and entry.set != wanted_set
            and (entry.certain or entry.set is not None)
        ):
            return False
        return zone is None or not entry.zones or zone in entry.zones

    def truth(facts: Facts) -> int:
        entries = facts.conditions.get(concept)
        if not entries:
            return 0
        as_of = facts.as_of
        result = 0
        for entry in entries:
            if every or matches(entry):
                # UNKNOWN for an uncertain entry that would be TRUE
                rank = rank_of(entry.condition, as_of)[0]
                if rank == 2:
                    if entry.certain:
                        return 2
                    rank = 1
                if rank:
                    result = 1
        return result

    def run(facts: Facts) -> Ranked:
        entries = facts.conditions.get(concept)
        if not entries:
            return FALSE_NOTHING
        as_of = facts.as_of
        ranked = []
        best = 0
        for entry in entries:
            if every or matches(entry):
                entry_rank, standing = rank_of(entry.condition, as_of)
                if entry_rank == 2 and not entry.certain:
                    entry_rank = 1
                if entry_rank:
                    ranked.append((entry, entry_rank, standing))
                    if entry_rank > best:
                        best = entry_rank
        if not best:
            return FALSE_NOTHING
        seen: set[str] = set()
        evidence = []
        for entry, entry_rank, standing in ranked:
            # a TRUE finding shows the entries that decided it; an UNKNOWN one all
            if (entry_rank == 2 or best == 1) and entry.condition.ref not in seen:
                seen.add(entry.condition.ref)
                evidence.append(facts.condition_evidence(entry, standing))
        return best, (evidence, (() if best == 2 else CONFIRM))

    def fold(index: RecordIndex) -> int | None:
        return None if index.conditions.get(concept) else 0

    # the evidence of one condition is shown once
    return _folding(
        Node(truth, run, fold, quiet=True, leaf=True, distinct=True), {0: FALSE_NOTHING}
    )


def _recent_note(m: Medication, as_of: date, days: float) -> str:
    """Why a drug not taken by the record on ``as_of`` is to confirm: its last recorded day
    (the end, else the start, as the record gives it: a month or a year as such), no day
    at all, stopped before an end planned after the date, or started the day after it."""
    if m.start is not None and m.start > as_of:
        return dated_ahead_note()
    if m.status == STATUS_CONTRADICTORY and m.end is not None:
        if m.end_first:
            return contradictory_medication_note(m.end_first, m.end)
        return contradictory_medication_note(m.end)
    if m.end is not None and (m.end_first or m.end) > as_of:
        # an end planned after the date (an end of a month or a year begun by then, "2026",
        # is the period it was last taken in)
        return stopped_early_note(m.end)
    first: date | None = m.start
    upto = m.start_last
    if m.end is not None:
        first, upto = (m.end_first, m.end) if m.end_first else (m.end, None)
    if first is None:
        return undated_medication_note()
    return recent_medication_note(first, upto, days)


def _compile_medication(node: HasMedication, kb: KB, prog: Program) -> Node:
    concept = node.medication
    # a drug recorded as ended, stopped or given within this window may still be taken or
    # still act: to confirm (clinic policy policy_recent_medication)
    recent_days = kb.threshold("medication_recent_days")
    window = timedelta(days=recent_days)

    def truth(facts: Facts) -> int:
        entries = facts.medications.get(concept)
        if not entries:
            return 0
        result = 0
        as_of = facts.as_of
        for entry in entries:
            if entry.medication.in_force(as_of):
                if entry.certain:
                    return 2
                result = 1
            elif entry.medication.recently_taken(as_of, as_of - window):
                result = 1
        return result

    def run(facts: Facts) -> Ranked:
        as_of = facts.as_of
        entries = [e for e in facts.medications.get(concept, ()) if e.medication.in_force(as_of)]
        recent: list[MedicationEntry] = []
        if not any(e.certain for e in entries):
            since = as_of - window
            recent = [
                e
                for e in facts.medications.get(concept, ())
                if e.medication.recently_taken(as_of, since)
            ]
        if not entries and not recent:
            return FALSE_NOTHING
        certain = [e for e in entries if e.certain]
        evidence = []
        for entry in certain or entries + recent:
            m = entry.medication
            note = medication_note(m.status, entry.note)
            if any(entry is e for e in recent):
                note = joined(note, _recent_note(m, as_of, recent_days))
            evidence.append(
                Evidence(
                    ref=m.ref,
                    kind="medication",
                    label=m.text
                    or next((c.display for c in m.codings if c.display), None)
                    or _concept_name(facts, concept),
                    code=next((f"{c.system}|{c.code}" for c in m.codings), None),
                    date=m.start,
                    note=note,
                    last=m.start_last,
                )
            )
        return (2, (evidence, ())) if certain else (1, (evidence, CONFIRM))

    def fold(index: RecordIndex) -> int | None:
        return None if index.medications.get(concept) else 0

    return _folding(Node(truth, run, fold, quiet=True, leaf=True), {0: FALSE_NOTHING})


def _compile_procedure(node: HadProcedure, kb: KB, prog: Program) -> Node:
    concept = node.procedure
    days = kb.threshold(node.within_days)
    window = timedelta(days=days)

    def done(facts: Facts) -> list[ProcedureEntry]:
        # done within the window, or done with no date the screening can use (no
        # performed[x], or one given as words or an age): then whether it is recent is
        # unknown, never "not recent"
        # a date given only as a year or a month that reaches into the window: whether it
        # was done within it is unknown too
        # done the day after the date: it may be of the date (a time written in another
        # zone than the clinic's), to confirm
        as_of = facts.as_of
        since = as_of - window
        return [
            e
            for e in facts.procedures.get(concept, ())
            if e.procedure.status not in PROCEDURE_NOT_DONE
            and (
                (p := e.procedure).performed is None
                or since <= p.performed <= as_of + ONE_DAY
                or (
                    p.performed < since
                    and p.performed_last is not None
                    and p.performed_last >= since
                )
            )
        ]

    def truth(facts: Facts) -> int:
        if concept not in facts.procedures:
            return 0
        hits = done(facts)
        if not hits:
            return 0
        since = facts.as_of - window
        return 2 if any(_dated_certain(e, since, facts.as_of) for e in hits) else 1

    def run(facts: Facts) -> Ranked:
        if concept not in facts.procedures:
            return FALSE_NOTHING
        hits = done(facts)
        if not hits:
            return FALSE_NOTHING
        since = facts.as_of - window
        certain = [e for e in hits if _dated_certain(e, since, facts.as_of)]
        evidence = [
            Evidence(
                ref=e.procedure.ref,
                kind="procedure",
                label=e.procedure.text
                or next((c.display for c in e.procedure.codings if c.display), None)
                or _concept_name(facts, concept),
                date=e.procedure.performed,
                note=_done_note(e, since, days, facts.as_of),
                last=e.procedure.performed_last,
            )
            for e in certain or hits
        ]
        return (2, (evidence, ())) if certain else (1, (evidence, CONFIRM))

    def fold(index: RecordIndex) -> int | None:
        return None if index.procedures.get(concept) else 0

    return _folding(Node(truth, run, fold, quiet=True, leaf=True), {0: FALSE_NOTHING})


def _dated_certain(entry: ProcedureEntry, since: date, as_of: date) -> bool:
    """A procedure that makes the rule TRUE: certain, done from ``since`` to ``as_of`` (on
    a date given whole, or within a year or month that starts then)."""
    performed = entry.procedure.performed
    return entry.certain and performed is not None and since <= performed <= as_of


def _done_note(entry: ProcedureEntry, since: date, days: float, as_of: date) -> str | None:
    """Beside a procedure of a rule that asks for one done within ``days``: within them,
    done on a day given only as a year or a month that may fall within them, with no
    date the screening can use, or the day after the date."""
    performed = entry.procedure.performed
    if performed is None:
        return joined(undated_procedure_note(), entry.note)
    if performed > as_of:
        return joined(dated_ahead_note(), entry.note)
    if performed < since:
        last = entry.procedure.performed_last
        return joined(partial_date_note(days, performed, last), entry.note)
    return within_note(days, entry.note)


def _age(as_of: date, born: date) -> int:
    return as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))


def _compile_age(node: AgeUnder, kb: KB, prog: Program) -> Node:
    years = int(kb.threshold(node.age_under))
    oldest = int(kb.threshold("birth_date_oldest_years"))
    # no date of birth, one after the screening date, or one that makes the patient older
    # than anyone is (a placeholder such as 1900-01-01): the age is unknown
    unborn: Ranked = (1, ((), BIRTH_DATE_GAP))

    def truth(facts: Facts) -> int:
        born = facts.record.patient.birth_date
        if born is None or born > facts.as_of:
            return 1
        if born < years_before(facts.as_of, oldest):
            return 1
        if born <= years_before(facts.as_of, years):
            return 0
        return 2

    def run(facts: Facts) -> Ranked:
        rank = truth(facts)
        if rank != 2:
            born = facts.record.patient.birth_date
            if rank and born is not None and born < years_before(facts.as_of, oldest):
                note = implausible_age_note(_age(facts.as_of, born), oldest)
                return (1, ((), (Gap(BIRTH_DATE_ITEM, notes=(note,)),)))
            notes = facts.set_aside_notes(BIRTH_DATE_ITEM) if rank else ()
            if notes:  # why the record's birth dates were not used (two that differ)
                return (1, ((), (Gap(BIRTH_DATE_ITEM, notes=notes),)))
            return unborn if rank else FALSE_NOTHING
        as_of = facts.as_of
        born = facts.record.patient.birth_date
        assert born is not None  # a TRUE rank needs one
        age = _age(as_of, born)
        evidence = Evidence(
            ref=f"Patient/{facts.record.patient.id}",
            kind="patient",
            label=gettext(facts.lang, N_("Age")),
            value=float(age),
            # a birth date given only as a year or a month ("1970"): shown so
            date=facts.record.patient.birth_first or born,
            last=born if facts.record.patient.birth_first else None,
            note=age_note(age, years),
        )
        return 2, ((evidence,), ())

    return Node(truth, run, _dynamic, quiet=True, leaf=True, distinct=True)


def _unread(
    facts: Facts, measure_id: str, window: timedelta, highest: bool, current: Observation
) -> bool:
    """Whether a reading set aside within the window may be the one that decides: of the
    deciding reading's day or newer (the latest decides; a day's readings whose times
    cannot all be told apart are taken alike), or any (the highest decides). One the
    record does not date may be of any day, the screening day among them: it may decide."""
    if measure_id in facts.index.set_aside_undated:
        return True
    days = facts.index.set_aside_days.get(measure_id)
    if not days:
        return False
    as_of = facts.as_of
    n = bisect_right(days, as_of + ONE_DAY)  # the day after may be of the day (Facts.ahead)
    if not n:
        return False
    newest = days[n - 1]
    return newest >= as_of - window and (highest or newest >= current.when)


def _instead(
    facts: Facts, measure_id: str, window: timedelta, highest: bool, current: Observation
) -> tuple[int, Spread | None]:
    """What may decide instead of ``current``: 1 a reading set aside (:func:`_unread`); 2
    and the deciding day's :class:`Spread`, where the latest decides; 3 and a Spread
    holding readings dated the day after (:meth:`Facts.ahead`) or dated only by a month or
    a year (:meth:`Facts.partial`) that may change the value (the latest: any of them; the
    highest: the highest of them); else 0."""
    if _unread(facts, measure_id, window, highest, current):
        return 1, None
    ahead = facts.ahead(measure_id)
    partial = facts.partial(measure_id, current, facts.as_of - window, highest)
    maybe = (min(map(_value, partial)), max(map(_value, partial))) if partial else None
    if _unread_partial(facts, measure_id, window, highest, current):
        # its value is not known: any (with the highest deciding, any above the reading's)
        low = current.value if highest else -math.inf
        maybe = (low if maybe is None else min(low, maybe[0]), math.inf)
    if highest:
        top = max(ahead, key=_value) if ahead else None
        if top is not None and top.value <= current.value:
            top = None
        if top is None and maybe is None:
            return 0, None
        high = current.value if top is None else top.value
        readings = (current, *partial, *(ahead if top is not None else ()))
        return 3, Spread(current.value, high, readings, maybe)
    days = facts.index.spread.get(measure_id)
    spread = None if days is None else days.get(current.when)
    crossed = facts.crossed(measure_id, current)
    if not ahead and maybe is None and not crossed:
        return (0, None) if spread is None else (2, spread)
    readings = (*crossed, *(spread.readings if spread is not None else (current,)), *ahead)
    low, high = min(map(_value, readings)), max(map(_value, readings))
    if low == high and maybe is None:
        return 0, None
    # those of a month or a year first, unless of the deciding day (shown with it)
    earlier = tuple(o for o in partial if all(o is not r for r in readings))
    return 3, Spread(low, high, (*earlier, *readings), maybe)


def _unread_partial(
    facts: Facts, measure_id: str, window: timedelta, highest: bool, current: Observation
) -> bool:
    """Whether a reading set aside dated only by a month or a year may be the one that
    decides: its period (cut at the screening day) reaches into the window and, where the
    latest decides, ``current``'s day (:meth:`Facts.partial` for one read)."""
    spans = facts.index.set_aside_spans.get(measure_id)
    if not spans:
        return False
    as_of = facts.as_of
    since = max(as_of - window, current.when) if not highest else as_of - window
    return any(first <= as_of and last >= since for first, last in spans)


def _rank_unread(held: bool, highest_op: str | None) -> int:
    """A comparison's rank where a reading set aside may decide: unknown, but for the
    highest reading (``highest_op``) what a higher one could not change (bulk: the same
    in ``compile._compare``)."""
    if highest_op in (">", ">="):
        return 2 if held else 1  # the highest only rises: held stays held
    if highest_op in ("<", "<="):
        return 1 if held else 0
    return 1


def _rank_instead(
    holds: Callable[[float, float], bool],
    value: float,
    limit: float,
    highest_op: str | None,
    spread: Spread | None,
) -> int:
    """A comparison's rank where another reading may decide (:func:`_instead`): a reading
    set aside (``spread`` None, :func:`_rank_unread`), or any of a day's readings may be
    the latest (``spread``): unknown where its lowest and highest value disagree (the
    comparisons are monotone), else the deciding value's; readings dated only by a month
    or a year (``spread.maybe``) make one that does not hold unknown where any of them
    would hold it (bulk: the same in ``compile._compare``)."""
    held = holds(value, limit)
    if spread is None:
        return _rank_unread(held, highest_op)
    if held != holds(spread.low, limit) or held != holds(spread.high, limit):
        return 1
    if held:
        return 2
    maybe = spread.maybe
    return 1 if maybe is not None and (holds(maybe[0], limit) or holds(maybe[1], limit)) else 0


def _spread_evidence(
    readings: Sequence[Observation], label: str, as_of: date
) -> tuple[Evidence, ...]:
    """Readings any of which may decide: each dated after the screening day, dated only by
    a month or a year, or of a day whose readings' order is not known and without a time,
    so noted."""
    untimed = untimed_note()
    ahead = ahead_note()
    later = crossed_note()
    shared = Counter(o.when for o in readings)  # a day whose readings disagree
    # the time the readings of each day were taken, the earliest (see Facts.crossed)
    first: dict[date, float] = {}
    for o in readings:
        if o.instant is not None:
            first[o.when] = min(first.get(o.when, math.inf), o.instant)
    return tuple(
        _observation_evidence(
            o,
            label,
            joined(
                recorded_as(o.original),
                ahead
                if o.when > as_of and o.last is None  # else dated only by a month or a year
                else untimed
                if o.instant is None and o.last is None and shared[o.when] > 1
                else later
                if o.instant is not None
                and any(day > o.when and t < o.instant for day, t in first.items())
                else None,
            ),
        )
        for o in readings
    )


def _never_measured(facts: Facts, measure_id: str) -> bool:
    """With no reading on or before the date: whether the measure was never taken. A
    reading set aside (a unit that cannot be converted, a bound, an implausible value) is
    a measurement whose value is unknown, not the absence of one; so is a reading dated
    the day after, which may have been taken on the day (:meth:`Facts.ahead`); one dated
    later is not yet known."""
    index = facts.index
    if measure_id in index.set_aside_undated:
        return False
    aside = index.set_aside_days.get(measure_id)
    if aside and aside[0] <= facts.as_of + ONE_DAY:
        return False
    return not facts.ahead(measure_id)


def _ahead_shown(facts: Facts, measure_id: str, item: str, days: float, label: str) -> Found:
    """Readings of the day after, none within the window (:meth:`Facts.ahead`): shown, and
    the measure missing with why; or nothing where there are none."""
    ahead = facts.ahead(measure_id)
    if not ahead:
        return NOTHING
    gap = _ahead_gap(item, days, ahead, facts.set_aside_notes(measure_id))
    evidence = _spread_evidence(ahead, label, facts.as_of)
    return evidence, (facts.index.gaps.setdefault(gap, gap),)


def _ahead_gap(
    item: str, days: float, ahead: Sequence[Observation], notes: tuple[str, ...] = ()
) -> Gap:
    """The measure missing because readings dated after the screening day may decide
    (:meth:`Facts.ahead`), named by one of a whole date (the day after); where all are
    dated only by a month or a year beginning the day after, by that month or year
    (``latest_last``): the day after is not said of them."""
    whole = next((o for o in ahead if o.last is None), ahead[0])
    return Gap(item, days, whole.when, notes=notes, ahead=True, latest_last=whole.last)


def _undecided_kind(
    facts: Facts, measure_id: str, last: Observation | None, since: date
) -> int | tuple[int, ...]:
    """With no reading deciding, what the readings show depends on the date (beyond
    ``last``) through a reading dated the day after it (3: which it is, is known from
    ``last``), whether a reading set aside was taken by then (4: never measured) and
    which readings dated only by a month or a year may be within the window (5, and
    theirs: :meth:`Facts.partial_within`)."""
    if facts.ahead(measure_id):
        return 3
    if last is None:
        return 4 if _never_measured(facts, measure_id) else 0
    reaching = facts.partial_within(measure_id, since)
    return (5, *map(id, reaching)) if reaching else 0


def _partial_shown(
    facts: Facts,
    measure_id: str,
    item: str,
    days: float,
    label: str,
    last: Observation,
    window: timedelta,
) -> Found:
    """No reading certainly within the window, but readings dated only by a month or a
    year that may be (:meth:`Facts.partial_within`): shown, with the latest reading found
    when it is none of them (too old), and the measure missing with why; or nothing where
    there are none."""
    reaching = facts.partial_within(measure_id, facts.as_of - window)
    if not reaching:
        return NOTHING
    gap = _partial_gap(facts, measure_id, item, days, last)
    evidence = tuple(_observation_evidence(o, label) for o in reaching)
    if all(o is not last for o in reaching):
        evidence = (_observation_evidence(last, label, stale_note(days)), *evidence)
    return evidence, (facts.index.gaps.setdefault(gap, gap),)


def _partial_gap(
    facts: Facts, measure_id: str, item: str, days: float, current: Observation
) -> Gap:
    """The measure missing because a reading dated only by a month or a year may decide
    instead of ``current`` (clinic policy policy_partial_date_reading)."""
    notes = facts.set_aside_notes(measure_id)
    spans = [
        *((o.when, o.last) for o in facts.index.partial.get(measure_id, ())),
        *facts.index.set_aside_spans.get(measure_id, ()),
    ]
    period = bool(spans) and all(
        last is not None and date_precision(first, last) == "period" for first, last in spans
    )
    return Gap(
        item,
        days,
        current.when,
        notes=notes,
        partial=True,
        latest_last=current.last,
        period=period,
    )


def _ranked_instead(
    holds: Callable[[float, float], bool],
    value: float,
    limit: float,
    highest_op: str | None,
    spread: Spread | None,
    shown: tuple[Found, Found, Found | None],
) -> Ranked:
    """A comparison where another reading may decide instead (:func:`_rank_instead`), and
    what it shows (``shown``: the reading that decides; the readings that may decide
    instead, naming why; the same naming readings dated only by a month or a year,
    :func:`_partial_shown_instead`): where it is unknown only because of readings of a
    month or a year (those of the day, or of the day after, agree on it), they are named
    as the cause."""
    rank = _rank_instead(holds, value, limit, highest_op, spread)
    found, unread, partly = shown
    if rank != 1:
        return rank, found
    if partly is not None and spread is not None:
        held = holds(value, limit)
        if held == holds(spread.low, limit) == holds(spread.high, limit):
            return rank, partly
    return rank, unread


def _partial_shown_instead(
    facts: Facts,
    measure_id: str,
    item: str,
    days: float,
    readings: tuple[Observation, Observation | None],
    kind: int,
    spread: Spread | None,
    unread: Found,
) -> Found | None:
    """Where readings dated only by a month or a year may decide instead of the reading
    that decides (``readings``: it and the latest found), and so may others (of the day
    after, or of a day in no known order: ``unread`` names those as the cause), what a
    comparison shows that only the former leave unknown: the same readings, the measure
    missing for the reading of a month or a year (:func:`_ranked_instead`); else None."""
    if spread is None or spread.maybe is None or unread[1][0].partial:
        return None
    current, last = readings
    key = _shown_key(measure_id, current, last, facts.lang, (kind, 5), spread)
    memo = facts.index.shown
    found = memo.get(key)
    if found is None:
        gap = _partial_gap(facts, measure_id, item, days, current)
        found = memo[key] = (unread[0], (facts.index.gaps.setdefault(gap, gap),))
    return found


def _current_shown(
    facts: Facts,
    measure_id: str,
    item: str,
    days: float,
    label: str,
    current: Observation,
    spread: Spread | None,
    unread: bool,
) -> Found:
    """The reading that decides, shown; with ``spread``, every reading that may decide
    instead (of the day after, :meth:`Facts.ahead`, or of a day whose readings' order is
    not known) and why the measure is missing; with ``unread``, that a reading set aside
    may decide."""
    as_of = facts.as_of
    if spread is not None:
        if spread.readings[-1].when > as_of:  # readings dated the day after may decide
            gap = _ahead_gap(item, days, [o for o in spread.readings if o.when > as_of])
        elif spread.low == spread.high:  # only those dated by a month or a year may
            gap = _partial_gap(facts, measure_id, item, days, current)
        elif facts.crossed(measure_id, current):  # taken later, dated a day before
            gap = Gap(item, days, current.when, crossed=True)
        elif all(o.instant is not None for o in spread.readings if o.when == current.when):
            gap = Gap(item, days, current.when, tied=True)  # taken at the very same time
        else:
            gap = Gap(item, days, current.when, untimed=True)
        evidence = _spread_evidence(spread.readings, label, as_of)
        return evidence, (facts.index.gaps.setdefault(gap, gap),)
    shown = (_observation_evidence(current, label),)
    if not unread:
        return shown, ()
    notes = facts.set_aside_notes(measure_id)
    gap = Gap(item, days, current.when, notes=notes, unread=True)
    return shown, (facts.index.gaps.setdefault(gap, gap),)


def _shown_key(
    measure_id: str,
    current: Observation | None,
    last: Observation | None,
    lang: str,
    kind: object,
    spread: Spread | None = None,
) -> tuple[str, int, int, str, object]:
    """What a comparison shows is kept by (:attr:`RecordIndex.shown`): the measure, the
    readings that decide (kept by the index), the language and what may decide instead
    (``kind``, and the readings that may: which readings of a month or a year may be
    within the window depends on the date)."""
    if spread is None:
        return (measure_id, id(current), id(last), lang, kind)
    return (
        measure_id,
        id(current),
        id(last),
        lang,
        (kind, spread.maybe, *map(id, spread.readings)),
    )


def _compile_compare(node: Compare, kb: KB, prog: Program) -> Node:
    measure = kb.measures[node.measure]
    measure_id = node.measure
    days = kb.threshold(measure.fresh_days)
    window = timedelta(days=days)
    highest = measure.aggregate == "max"
    absent = measure.when_missing == "absent"
    limit = kb.threshold(node.threshold)
    holds = OPS[node.op]
    op = node.op if highest else None  # what a reading set aside can change (_rank_unread)
    stale = stale_note(days)

    def never_measured(facts: Facts, last: Observation | None) -> bool:
        return last is None and _never_measured(facts, measure_id)

    def shown(
        facts: Facts,
        current: Observation | None,
        last: Observation | None,
        unread: bool,
        spread: Spread | None = None,
    ) -> Found:
        """The reading shown, and what is missing (no reading within the window, or
        ``unread``: one set aside that may decide, or the readings any of which may
        decide, ``spread``)."""
        label = measure.label.get(facts.lang)
        if current is not None:
            return _current_shown(
                facts, measure_id, measure.item, days, label, current, spread, unread
            )
        # Never measured: absent where the KB says so. Measured, but too long ago or only
        # in readings set aside: always unknown (a stale value says nothing about today,
        # it is never "not present").
        if absent and never_measured(facts, last):
            return NOTHING
        # none within the window, but one dated the day after, or one of a month or a
        # year that may be within it
        ahead = _ahead_shown(facts, measure_id, measure.item, days, label)
        if ahead is NOTHING and last is not None:
            ahead = _partial_shown(facts, measure_id, measure.item, days, label, last, window)
        if ahead is not NOTHING:
            return ahead
        gap = Gap(
            measure.item,
            days,
            last.when if last is not None else None,
            notes=facts.set_aside_notes(measure_id),
            latest_last=last.last if last is not None else None,
            measure=measure_id,
        )
        gap = facts.index.gaps.setdefault(gap, gap)  # equal gaps: one object (quick repeats)
        return (() if last is None else (_observation_evidence(last, label, stale),)), (gap,)

    def measured(facts: Facts) -> Measured:
        """The measure on the date, for every comparison of it (the measure's window,
        aggregate and absence are the same for each): the deciding value (None: none
        within the window), the rank without one, what the readings show, and, where
        another reading may decide instead, what they show then: a reading set aside
        (:func:`_unread`), with the latest deciding, a reading of the deciding day
        without a time whose order is not known (the day's :class:`Spread`, given), or a
        reading dated the day after (:meth:`Facts.ahead`)."""
        current, last = facts.reading(measure_id, window, highest)
        # every comparison of the measure shows the same (immutable) evidence and gap:
        # found once per screening, made once per record (readings the index keeps)
        index = facts.index
        memo = index.shown
        first = (
            0
            if current is not None
            else _undecided_kind(facts, measure_id, last, facts.as_of - window)
        )
        key = _shown_key(measure_id, current, last, facts.lang, first)
        found = memo.get(key) or memo.setdefault(key, shown(facts, current, last, False))
        unread = spread = partly = None
        # a day of one reading, nothing set aside and nothing dated after the date (the
        # most common): nothing to ask
        if current is not None and (
            measure_id in index.set_aside_days
            or measure_id in index.set_aside_undated
            or measure_id in index.crossing
            or measure_id in index.spread
            or measure_id in index.partial
            or facts.ahead(measure_id)
        ):
            kind, spread = _instead(facts, measure_id, window, highest, current)
            if kind:
                key = _shown_key(measure_id, current, last, facts.lang, kind, spread)
                unread = memo.get(key) or memo.setdefault(
                    key, shown(facts, current, last, kind == 1, spread)
                )
                partly = _partial_shown_instead(
                    facts, measure_id, measure.item, days, (current, last), kind, spread, unread
                )
        rank = 1 if current is None and not (absent and never_measured(facts, last)) else 0
        kept = facts.measured[measure_id] = (
            None if current is None else current.value,
            rank,
            found,
            unread,
            spread,
            partly,
        )
        return kept

    def truth(facts: Facts) -> int:
        value, rank, _, unread, spread, _ = facts.measured.get(measure_id) or measured(facts)
        if value is None:
            return rank
        if unread is not None:
            return _rank_instead(holds, value, limit, op, spread)
        return 2 if holds(value, limit) else 0

    def run(facts: Facts) -> Ranked:
        value, rank, found, unread, spread, partly = facts.measured.get(measure_id) or measured(
            facts
        )
        if value is None:
            return rank, found
        if unread is not None:
            return _ranked_instead(holds, value, limit, op, spread, (found, unread, partly))
        return (2 if holds(value, limit) else 0), found

    def fold(index: RecordIndex) -> int | None:
        if measure_id in index.observations:
            return None
        if not absent or measure_id in index.set_aside_undated:
            return 1
        # readings set aside, all dated: measured or not depends on the date
        return 0 if measure_id not in index.set_aside_days else None

    # never measured and nothing set aside: absent (a gap would name what was set aside)
    return _folding(
        Node(truth, run, fold, quiet=False, leaf=True, distinct=True), {0: FALSE_NOTHING}
    )


def _answer_note(answer: Answer, as_of: date) -> str | None:
    """Beside an answer shown: dated the day after, or only by a month or a year."""
    if answer.when is None:
        return None
    if answer.when > as_of:
        return ahead_answer_note()
    return None if answer.last is None else partial_answer_note(answer.when, answer.last)


def _later_gap(
    question_id: str, later: Sequence[Answer], found: Answer | None, as_of: date
) -> tuple[Gap] | None:
    """Why the question is missing where answers that may be the latest (``later``) leave
    it unknown: one dated the day after, one of no known day, or one of the day of
    ``found`` in no known order with it; None where those are dated only by a month or a
    year."""
    ahead = next((a.when for a in later if a.when is not None and a.when > as_of), None)
    if ahead is not None:
        return (Gap(question_id, latest=ahead, ahead=True),)
    if any(a.when is None for a in later):
        return (Gap(question_id, undated=True),)
    if found is not None and any(a.when == found.when and a.last is None for a in later):
        return (Gap(question_id, latest=found.when, untimed=True),)
    return None


def _chosen(question: Question, value: Any) -> Any:
    """An answer's value; a choice's id said in the KB's words (:class:`Chosen`)."""
    if isinstance(value, str):
        for choice in question.choices:
            if choice.value == value:
                return Chosen(value, choice.label)
    return value


def _compile_answer(node: Answered, kb: KB, prog: Program) -> Node:
    question = kb.questions[node.answer]
    question_id = node.answer
    window = (
        timedelta(days=kb.threshold(question.fresh_days))
        if question.fresh_days is not None
        else None
    )
    absent = question.when_missing == "absent"
    equals = node.equals
    # one object each: an Either's merged gaps are kept by it
    to_answer, to_confirm = (Gap(question.id),), (Gap(question.id, unclear=True),)
    # an answer dated only by a month or a year may be the latest (clinic policy
    # policy_partial_date_reading); so may one dated the day after (Facts.ahead)
    to_date = (Gap(question.id, partial=True),)
    unanswered: Ranked = FALSE_NOTHING if absent else (1, ((), to_answer))

    def current(facts: Facts) -> Answer | None:
        # the latest answer given on or before the date (or undated): see Facts.answers
        given = facts.index.answers.get(question_id)
        if given is None:
            return None
        answers, days = given
        n = bisect_right(days, facts.as_of)
        if not n:
            return None
        found = answers[n - 1]
        # an answer with a freshness window counts only within it: an undated one may be
        # of any day (DESIGN.md section 3: stale or undated is unknown)
        if window is not None and (found.when is None or found.when < facts.as_of - window):
            return None
        return found

    yes_no = isinstance(equals, bool)
    choices = frozenset(c.value for c in question.choices) if question.type == "choice" else None

    def unclear(found: Answer) -> bool:
        # an answer to a yes/no question that says neither ("maybe", "не знаю"; the reader
        # keeps the words of such an answer as written), or a number other than 1 or 0
        # (38.2 to "fever today?"); one to a choice question that names none of its
        # choices ("just had an operation", 2): unknown, never a no
        value = found.value
        if choices is not None:
            return not (isinstance(value, str) and value in choices)
        return yes_no and not (isinstance(value, bool) or value in (0, 1))

    def standing(facts: Facts, found: Answer) -> Answer | None:
        # an unclear answer (or one to confirm) does not overturn an earlier clear one
        # that raises the finding, within the window: "yes" then "not sure" is still yes
        answers, days = facts.index.answers[question_id]
        n = bisect_right(days, facts.as_of) - 1
        since = None if window is None else facts.as_of - window
        for earlier in reversed(answers[:n]):
            if since is not None and (earlier.when is None or earlier.when < since):
                return None
            if not unclear(earlier):
                return earlier if earlier.value == equals else None
        return None

    def raises(answer: Answer) -> bool:
        # as the latest answer, it would make the finding other than absent: the answer
        # the rule asks for, or one that says neither yes nor no
        return answer.value == equals or unclear(answer)

    def maybe_later(facts: Facts, found: Answer | None) -> tuple[Answer, ...]:
        # answers dated only by a month or a year that may be the latest and raise it
        return _answers_maybe_later(facts, question_id, found, window, raises)

    def decided(facts: Facts, found: Answer | None) -> int:
        if found is None:
            return 0 if absent else 1
        if unclear(found):
            return 2 if standing(facts, found) is not None else 1
        return 2 if found.value == equals else 0

    def truth(facts: Facts) -> int:
        found = current(facts)
        rank = decided(facts, found)
        # an answer of a month or a year never makes the finding milder: it makes one
        # the deciding answer rules out unknown
        return 1 if rank == 0 and maybe_later(facts, found) else rank

    def shown(facts: Facts, answer: Answer) -> Evidence:
        return Evidence(
            ref=answer.ref,
            kind="answer",
            label=question.label.get(facts.lang),
            value=_chosen(question, answer.value),
            date=answer.when,
            note=_answer_note(answer, facts.as_of),
            last=None if answer.when is None else answer.last,
        )

    def run(facts: Facts) -> Ranked:
        found = current(facts)
        rank = decided(facts, found)
        later = maybe_later(facts, found) if rank == 0 or found is None else ()
        if later:
            # the answers that may be the latest, in time order, and the one used
            evidence = tuple(shown(facts, a) for a in later)
            if found is not None:
                evidence = (*evidence, shown(facts, found))
            return 1, (evidence, _later_gap(question.id, later, found, facts.as_of) or to_date)
        if found is None:
            return unanswered
        evidence = (shown(facts, found),)
        if unclear(found):
            earlier = standing(facts, found)
            if earlier is not None:
                return 2, ((shown(facts, earlier), *evidence), ())
            return 1, (evidence, to_confirm)
        return rank, (evidence, ())

    def fold(index: RecordIndex) -> int | None:
        return None if question_id in index.answers else (0 if absent else 1)

    # never answered: the same outcome on every date
    return _folding(
        Node(truth, run, fold, quiet=False, leaf=True, distinct=True),
        {0 if absent else 1: unanswered},
    )


def _combinator_truth(parts: list[Node], decisive: int) -> Truth_:
    """``truth`` of an AND (``decisive`` 0) or OR (2)."""
    if decisive == 0:

        def truth(facts: Facts) -> int:
            result = 2
            for part in parts:
                rank = part.truth(facts)
                if rank == 0:
                    return 0
                if rank == 1:
                    result = 1
            return result

    else:

        def truth(facts: Facts) -> int:
            result = 0
            for part in parts:
                rank = part.truth(facts)
                if rank == 2:
                    return 2
                if rank == 1:
                    result = 1
            return result

    return truth


def _combinator(parts: list[Node], decisive: int) -> Node:
    """Kleene AND (``decisive`` 0, the least rank) or OR (2, the greatest).

    The outcome keeps the evidence of the decisive parts when the decisive value wins,
    else of every part; the gaps of the UNKNOWN parts only while it stays UNKNOWN.
    Repeats are dropped once, where the outermost of nested ANDs and ORs ends (dropping
    them at each level keeps the same facts in the same order).
    """

    truth = _combinator_truth(parts, decisive)
    neutral = 2 - decisive  # the rank of no parts

    def run(facts: Facts) -> Ranked:
        # one pass: the decisive parts' evidence apart, every part's evidence and gaps
        # while no part is decisive (they are dropped once one is); lists are made only
        # for parts that show something (a quiet part's FALSE outcome is empty; repeats
        # are dropped above)
        rank = neutral
        evidence: list[Evidence] | None = None
        gaps: list[Gap] | None = None
        decided: list[Evidence] | None = None
        # the outcome last added to each list: a part showing the same again (leaves on
        # one measure share theirs) adds only repeats, dropped above
        last_decided: Found = NOTHING
        last: Found = NOTHING
        for part in parts:
            part_rank, shown = part.run(facts)
            if part_rank == decisive:
                if rank != decisive:
                    rank = decisive
                    decided = list(shown[0])
                    last_decided = shown
                elif shown is not last_decided:
                    decided += shown[0]  # type: ignore[operator]
                    last_decided = shown
            elif rank != decisive:
                if part_rank == 1:
                    rank = 1
                if shown is not last:
                    last = shown
                    found, missing = shown
                    if found:
                        if evidence is None:
                            evidence = list(found)
                        elif len(found) != 1 or found[0] is not evidence[-1]:
                            evidence += found
                    if missing:
                        if gaps is None:
                            gaps = list(missing)
                        elif len(missing) != 1 or missing[0] is not gaps[-1]:
                            # (the same gap again: measures of one item share theirs)
                            gaps += missing
        if rank == decisive:
            return rank, (decided, ())  # type: ignore[return-value]
        if rank == 1 and gaps is not None:  # only an UNKNOWN outcome has gaps
            return rank, (evidence or (), gaps)
        return rank, (evidence or (), ())

    def fold(index: RecordIndex) -> int | None:
        ranks = [part.fold(index) for part in parts]
        if decisive in ranks:
            return decisive
        if None in ranks:
            return None
        return min(ranks) if decisive == 0 else max(ranks)  # type: ignore[type-var]

    made = Node(truth, run, fold, quiet=all(p.quiet for p in parts), unique=True)
    made.prune = _combinator_prune(made, parts, decisive)
    return made


def _combinator_prune(
    made: Node, parts: list[Node], decisive: int
) -> Callable[[RecordIndex], Node]:
    """:meth:`Node.for_index` of an AND or OR (``made``)."""

    def prune(index: RecordIndex) -> Node:
        kept = []
        for part in parts:
            pruned = part.for_index(index)
            # a FALSE leaf shows nothing: an OR is as it would be without it
            if not (decisive == 2 and pruned.leaf and pruned.fold(index) == 0):
                kept.append(pruned)
        if len(kept) == len(parts) and all(map(operator.is_, kept, parts)):
            return made
        if len(kept) == 1:
            # an AND or OR of one part is the part, its repeats dropped (only an UNKNOWN
            # outcome has gaps): the part itself where it shows none
            part = kept[0]
            if part.distinct:
                return part
            return Node(part.truth, part.run, part.fold, part.quiet, unique=True)
        return _combinator(kept, decisive)

    return prune


def _compile_all(node: AllOf, kb: KB, prog: Program) -> Node:
    return _combinator([prog.node(child, kb) for child in node.all], decisive=0)


def _compile_any(node: AnyOf, kb: KB, prog: Program) -> Node:
    return _combinator([prog.node(child, kb) for child in node.any], decisive=2)


def _compile_either(node: Either, kb: KB, prog: Program) -> Node:
    return _either([prog.node(child, kb) for child in node.either])


def _either(parts: list[Node]) -> Node:
    """TRUE when any part is, FALSE when none is and any is FALSE, else UNKNOWN; the
    evidence of the parts that decided, or of all with their gaps merged into one."""

    def truth(facts: Facts) -> int:
        known = False
        for part in parts:
            rank = part.truth(facts)
            if rank == 2:
                return 2
            if rank == 0:
                known = True
        return 0 if known else 1

    def run(facts: Facts) -> Ranked:
        ran = [part.settled(facts) for part in parts]
        rank = 1
        for part_rank, _ in ran:
            if part_rank == 2:
                rank = 2
                break
            if part_rank == 0:
                rank = 0
        evidence: list[Evidence] = []
        gaps: list[Gap] = []
        for part, (part_rank, (found, missing)) in zip(parts, ran, strict=True):
            if part_rank == rank and not (rank == 0 and part.quiet):
                evidence += found
                gaps += missing
        if rank != 1 or not gaps:
            return rank, (evidence, ())
        # the same gaps merge into the same gap: made once per record (the gaps of the
        # parts are shared objects, looked up by identity; the entry keeps them alive)
        memo = facts.index.merged
        key = tuple(map(id, gaps))
        kept = memo.get(key)
        if kept is None or kept[0] != gaps:
            items = tuple(dict.fromkeys(g.item for g in gaps))
            first = gaps[0]
            # the first part's gap, naming the others' items (what it says of its
            # readings kept: set aside, untimed, the day after, of a month or a year)
            merged = replace(first, item=items[0], alternatives=items[1:])
            if len(memo) >= MERGED_CACHE_SIZE:
                memo.clear()
            kept = memo[key] = (gaps, (merged,))
        return rank, (evidence, kept[1])

    def fold(index: RecordIndex) -> int | None:
        ranks = [part.fold(index) for part in parts]
        if 2 in ranks:
            return 2
        if None in ranks:
            return None
        return 0 if 0 in ranks else 1

    made = Node(truth, run, fold, quiet=all(p.quiet for p in parts))

    def prune(index: RecordIndex) -> Node:
        kept = [part.for_index(index) for part in parts]
        return made if all(map(operator.is_, kept, parts)) else _either(kept)

    made.prune = prune
    return made


def _compile_not(node: NotExpr, kb: KB, prog: Program) -> Node:
    return _not(prog.node(node.not_, kb))


def _not(inner: Node) -> Node:

    def truth(facts: Facts) -> int:
        return 2 - inner.truth(facts)

    def run(facts: Facts) -> Ranked:
        rank, found = inner.settled(facts)
        return 2 - rank, found

    def fold(index: RecordIndex) -> int | None:
        rank = inner.fold(index)
        return None if rank is None else 2 - rank

    made = Node(truth, run, fold, quiet=False)

    def prune(index: RecordIndex) -> Node:
        pruned = inner.for_index(index)
        return made if pruned is inner else _not(pruned)

    made.prune = prune
    return made


COMPILERS: dict[type, Callable[[Any, KB, Program], Node]] = {
    HasCondition: _compile_condition,
    HasMedication: _compile_medication,
    HadProcedure: _compile_procedure,
    AgeUnder: _compile_age,
    Compare: _compile_compare,
    Answered: _compile_answer,
    AllOf: _compile_all,
    AnyOf: _compile_any,
    Either: _compile_either,
    NotExpr: _compile_not,
}
