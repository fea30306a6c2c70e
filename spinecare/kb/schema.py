"""The knowledge base schema. Every KB file is one part of :class:`KnowledgeBase`.

Files (in ``spinecare/kb/data/``) and the part each holds:

=================  ==========================================================
``kb.yaml``        ``meta`` (format, version, title) and ``systems``
``sources.yaml``   ``sources``: every citation a rule or number points to
``policies.yaml``  ``policies``: the clinic's choices where sources are silent or disagree
``evidence.yaml``  ``evidence``: the names of source kinds and evidence levels
``articles.yaml``  ``articles``: every statement of the two source articles, traced
``thresholds.yaml````thresholds``: every number, with unit, sources and a remark
``concepts.yaml``  ``concepts`` with their code sets
``data.yaml``      ``items`` (what can be missing), ``measures``, ``questions``
``rules.yaml``     ``rules`` (findings with effects) and ``indications``
``zones.yaml``     ``zones`` and how codes map to them
``plans.yaml``     ``plans``: modalities, courses, techniques, precautions,
                   home programs, stop rules, cost options, herniation phases
=================  ==========================================================
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from spinecare.kb.expressions import Expression
from spinecare.kb.strict import Strict

VERDICTS: tuple[str, ...] = (
    "refer_urgently",
    "contraindicated",
    "defer",
    "needs_clearance",
    "needs_data",
    "allowed_with_precautions",
    "allowed",
)
"""The verdicts, most severe first (DESIGN.md section 3, exact strings)."""

Effect = Literal[
    "refer_urgently",
    "contraindicated",
    "defer",
    "needs_clearance",
    "allowed_with_precautions",
]
Language = Literal["en", "ru"]
LANGUAGES: tuple[Language, ...] = ("en", "ru")
SystemName = Literal[
    "icd10", "icd10cm", "snomed", "loinc", "rxnorm", "atc", "ndc", "cpt", "ops", "icd10pcs"
]

ID = re.compile(r"^[a-z][a-z0-9_]*$")


class Text(Strict):
    """A text a therapist, physician or patient reads, in every supported language."""

    en: str = Field(min_length=1)
    ru: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.ru if lang == "ru" else self.en


class Meta(Strict):
    format: int
    version: str
    title: str


SourceKind = Literal[
    "guideline",
    "systematic_review",
    "trial",
    "study",
    "textbook",
    "expert_consensus",
    "health_information",
    "popular_article",
    "clinic_policy",
    "standard",
]
"""What a source is. ``standard`` (code systems, data standards) is not clinical evidence;
``clinic_policy`` is given to the entries of ``policies.yaml``, never written in
``sources.yaml``."""

Level = Literal["guideline", "review", "trial", "study", "expert", "policy", "popular"]
"""The evidence level of a recommendation, strongest first: the strongest kind of source
it rests on (see ``evidence.yaml`` and docs/sources.md)."""
LEVELS: tuple[Level, ...] = ("guideline", "review", "trial", "study", "expert", "policy", "popular")


class Source(Strict):
    """A citation. ``kind`` says what it is; ``quality`` carries the reference's labels.

    ``title`` is in the source's own language ``lang``; ``titles`` gives it in every
    supported language when that differs (a Russian article, a clinic policy)."""

    id: str
    kind: SourceKind
    title: str
    lang: str = "en"
    """The language the title is written in (pages mark it with a ``lang`` attribute)."""
    titles: Text | None = None
    citation: str | None = None
    url: str | None = None
    quality: Literal["authoritative", "moderate", "low", "unconfirmed", "policy"] = "moderate"
    remark: str | None = None

    def title_in(self, lang: str) -> str:
        return self.titles.get(lang) if self.titles is not None else self.title


class Policy(Strict):
    """A clinic policy: a choice the KB makes where its sources are silent or disagree,
    with the reasoning and the sources it rests on. Cited by id like any source."""

    id: str
    statement: Text
    reasoning: Text
    references: list[str] = Field(default_factory=list)

    def as_source(self) -> Source:
        # made from a checked policy: nothing to validate again
        return Source.model_construct(
            id=self.id,
            kind="clinic_policy",
            title=self.statement.en,
            titles=self.statement,
            quality="policy",
        )


class KindInfo(Strict):
    id: SourceKind
    label: Text
    level: Level | None


class LevelInfo(Strict):
    id: Level
    label: Text
    description: Text


class Evidence(Strict):
    """The names readers see for source kinds and evidence levels, and the words the
    displays and the trace report put around them."""

    kinds: list[KindInfo]
    levels: list[LevelInfo]
    words: dict[str, Text]


class Statement(Strict):
    """One statement of a source article: what the KB does with it. Either
    ``implemented_by`` names the KB items (``rules.oncology``, ``plans.modalities.vacuum``)
    or ``not_followed`` says why it is not followed as written (or both, when it is
    followed only in part)."""

    id: str
    article: str
    kind: Literal[
        "indication", "contraindication", "technique", "caution", "claim", "advice", "context"
    ]
    text: Text
    implemented_by: list[str] = Field(default_factory=list)
    not_followed: Text | None = None


class Threshold(Strict):
    """A number the rules use, beside its source and a remark."""

    id: str
    value: float
    unit: str
    label: Text
    sources: list[str] = Field(min_length=1)
    remark: str


class Code(Strict):
    """``{system, code, display}``; ``to`` makes an ICD-10 category range (``C00``-``C97``).

    ICD-10 codes match by prefix, written with or without the dot (``M51.1`` matches
    ``M51.16`` and ``M5116``); SNOMED CT, LOINC and RxNorm codes match exactly.
    ``set`` tags a code as part of a named subset of the concept; ``zone`` says which
    treatment zone a condition with this code affects. ``exact`` (ICD-10 only): the code
    itself matches, not its subdivisions, where an edition divides it into codes of
    other meanings (WHO R15 is faecal incontinence; ICD-10-CM R15.2 is faecal urgency).
    ``confirm``: the code may name the concept but need not (S32.8 "Fracture of other and
    unspecified parts of lumbar spine and pelvis" may be of the pelvis alone; an
    osteoporotic fracture of no site may be of a vertebra): a record coded so names the
    concept to confirm (certainty unknown), never as present.
    """

    system: SystemName
    code: str
    display: str
    to: str | None = None
    set: str | None = None
    zone: str | None = None
    exact: bool = False
    confirm: bool = False


class Synonyms(Strict):
    """Names a clinician writes for the concept (or for one ``set`` of its codes) in a
    diagnosis or drug text, in English and Russian (and German, French and Spanish, as
    systems in those languages write them), lower case. Found in a record's text, they give
    the concept with certainty ``unknown`` (to confirm), never as a code does."""

    set: str | None = None
    en: list[str] = Field(default_factory=list)
    ru: list[str] = Field(default_factory=list)
    de: list[str] = Field(default_factory=list)
    fr: list[str] = Field(default_factory=list)
    es: list[str] = Field(default_factory=list)
    abbreviations: list[str] = Field(default_factory=list)
    """Abbreviations matched exactly as written (case and dots), as whole words: "PE" is a
    pulmonary embolism, "pe" and "PE teacher" are not (text.yaml, not_abbreviation_before)."""


class Concept(Strict):
    id: str
    kind: Literal["indication", "red_flag", "contraindication", "precaution", "context"]
    label: Text
    codes: list[Code] = Field(default_factory=list)
    sources: list[str] = Field(min_length=1)
    remark: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not ID.match(value):
            raise ValueError("concept ids are lower_snake_case")
        return value


class Item(Strict):
    """Something that can be missing: what to measure or ask."""

    id: str
    label: Text
    action: Text


class Plausible(Strict):
    """The range a real measurement can take (in the measure's unit); a value outside it
    is a slip of the record (a wrong unit, a typo) and is never used."""

    low: float
    high: float


class MeasureNames(Strict):
    """What a record calls a measure where its code is one the measure does not list (a
    flowsheet row, a laboratory's own code) or missing: the whole name as written
    ("Platelet count", "Temp", "Тромбоциты"), lower case, without what it adds in brackets
    ("(°C)", "(PLT)")."""

    en: list[str] = Field(default_factory=list)
    ru: list[str] = Field(default_factory=list)
    de: list[str] = Field(default_factory=list)
    fr: list[str] = Field(default_factory=list)
    es: list[str] = Field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.en, *self.ru, *self.de, *self.fr, *self.es]


class Measure(Strict):
    """An observation the rules read. ``panels``: codes of panels that carry it as a
    component (asked for in CDS Hooks prefetch, read by the FHIR reader like any other).
    ``names``: what records call it under a code the measure does not list; such a
    reading is never used as measured, but one that may raise a finding leaves the measure
    unknown, to confirm. ``panel_names``: what records call the panel that carries it
    (its first LOINC panel: "Blood pressure", "АД"), read as that panel and, as for
    ``names``, never used as measured. ``pair_names``: names read as that panel only in a
    note's words and only before a pair of values ("RR 190/110": the German "RR" is also a
    respiratory rate, "RR 18"). ``unit_names``: short names ("T°", "Tª", "t") read as the
    measure only where the name is written with a degree sign or the value in a unit of
    the measure or with a degree sign ("T 39.2 C", "t 39,2°"): a bare "T 37" is no reading;
    as for ``names``, never used as measured.

    ``aggregate`` says which reading within the freshness window decides: ``latest`` (by
    date and time) or ``max`` (the highest: any reading that reaches a threshold counts).
    ``day_mean``: a reading lower than the mean of its day's readings counts as that mean
    (blood pressure, which ESC/ESH grades by the mean of two or more readings; the latest
    reading still decides where it is the higher).
    """

    id: str
    item: str
    label: Text
    codes: list[Code] = Field(min_length=1)
    panels: list[Code] = Field(default_factory=list)
    unit: str
    fresh_days: str
    when_missing: Literal["unknown", "absent"]
    aggregate: Literal["latest", "max"] = "latest"
    day_mean: bool = False
    plausible: Plausible | None = None
    names: MeasureNames | None = None
    panel_names: MeasureNames | None = None
    pair_names: MeasureNames | None = None
    unit_names: MeasureNames | None = None
    remark: str | None = None
    sources: list[str] = Field(min_length=1)


class Finding(Strict):
    """An Observation with a coded value that records a condition: one of ``codes`` with
    one of ``values`` (pregnancy status: pregnant) is the ``concept``, in force from the
    observation's date for ``fresh_days`` (a threshold). Any other value (and, with no
    ``values`` at all, any value: an expected delivery date) gives the concept to confirm;
    a clear no records nothing, and so does one of ``no_values`` (the answers of the
    finding's own value set that say it is absent: pregnancy status "Not pregnant")."""

    id: str
    concept: str
    codes: list[Code] = Field(min_length=1)
    values: list[Code] = Field(default_factory=list)
    no_values: list[Code] = Field(default_factory=list)
    fresh_days: str
    remark: str | None = None
    sources: list[str] = Field(min_length=1)


class Choice(Strict):
    value: str
    label: Text
    concept: str | None = None
    """The condition this answer says the patient has (any stage of treatment of a disc
    herniation: a disc herniation), read as the problem list's entry would be."""


class Question(Strict):
    id: str
    label: Text
    type: Literal["boolean", "choice"] = "boolean"
    choices: list[Choice] = Field(default_factory=list)
    fresh_days: str | None = None
    when_missing: Literal["unknown", "absent"]
    group: Literal["red_flag", "contraindication", "screening", "history"] = "screening"
    names: MeasureNames | None = None
    """Words another form asks the question in ("saddle area", "области промежности"):
    such a question answered yes makes this one unknown, to confirm."""
    remark: str | None = None
    sources: list[str] = Field(min_length=1)


class Rule(Strict):
    """A finding: when ``when`` holds, the concept has ``effect`` on massage."""

    id: str
    concept: str
    effect: Effect
    when: Expression
    reason: Text
    patient_reason: Text
    sources: list[str] = Field(min_length=1)
    level: Level
    remark: str | None = None


class Indication(Strict):
    id: str
    concept: str
    when: Expression
    reason: Text
    sources: list[str] = Field(min_length=1)
    level: Level


class Zone(Strict):
    id: str
    label: Text
    description: Text
    site_codes: list[Code] = Field(default_factory=list)
    sources: list[str] = Field(min_length=1)


class ZoneMap(Strict):
    """ICD-10 spine chapters encode the region in the character after the category."""

    categories_from: str
    categories_to: str
    site_character: dict[str, str]
    sources: list[str] = Field(min_length=1)
    remark: str | None = None


class Dose(Strict):
    """A course value with the range a therapist may adjust within, and its source."""

    value: float
    min: float
    max: float
    unit: str
    sources: list[str] = Field(min_length=1)
    remark: str


class Modality(Strict):
    id: str
    label: Text
    description: Text
    when: Expression | None = None
    unless: Expression | None = None
    unless_reason: Text | None = None
    sources: list[str] = Field(min_length=1)
    level: Level


class Course(Strict):
    zone: str
    sessions: Dose
    sessions_per_week: Dose
    minutes_per_session: Dose
    sources: list[str] = Field(min_length=1)
    level: Level


class Technique(Strict):
    id: str
    label: Text
    description: Text
    sources: list[str] = Field(min_length=1)
    level: Level


class Precaution(Strict):
    """Something to avoid or modify; ``when`` omitted means always."""

    id: str
    when: Expression | None = None
    text: Text
    omit_techniques: list[str] = Field(default_factory=list)
    sources: list[str] = Field(min_length=1)
    level: Level


class HomeStep(Strict):
    id: str
    text: Text
    dose: Text
    sources: list[str] = Field(min_length=1)


class HomeProgram(Strict):
    zone: str
    title: Text
    steps: list[HomeStep] = Field(min_length=1)
    frequency: Text
    minutes: Dose
    warnings: list[Text] = Field(default_factory=list)
    sources: list[str] = Field(min_length=1)
    level: Level


class StopRule(Strict):
    """A sign to stop the course: ``text`` what the patient reads (what to do), ``label``
    its name for the staff (the review queue, the audit log)."""

    id: str
    label: Text
    text: Text
    kind: Literal["pain_increase", "symptom", "adverse_event"]
    threshold: str | None = None
    questions: list[str] = Field(default_factory=list)
    sources: list[str] = Field(min_length=1)
    level: Level


class CostOption(Strict):
    id: str
    label: Text
    description: Text
    needs: Text
    sources: list[str] = Field(min_length=1)
    level: Level


class Phase(Strict):
    id: str
    label: Text
    massage: Text
    sources: list[str] = Field(min_length=1)
    level: Level


class Plans(Strict):
    modalities: list[Modality]
    courses: list[Course]
    techniques: list[Technique]
    sequence: list[str] = Field(min_length=1)
    sequence_sources: list[str] = Field(min_length=1)
    precautions: list[Precaution]
    home_programs: list[HomeProgram]
    stop_rules: list[StopRule]
    cost_options: list[CostOption]
    herniation_phases: list[Phase]
    mcid: str


class ExpandedCode(Code):
    """A code of a concept's expansion: ``parent`` is the code (of the concept, its
    expansion or its ECL) it descends from, when it was found as a descendant; ``source``
    the published value set or code list it was taken from."""

    parent: str | None = None
    source: str


class Ecl(Strict):
    """A concept's definition (or of one ``set``) as a SNOMED CT ECL expression."""

    set: str | None = None
    expression: str


class Terminology(Strict):
    """How real records name a concept beyond its own codes: its definition (ECL), the
    expansion that definition has in the codes EHRs use, and its names in text."""

    concept: str
    ecl: list[Ecl] = Field(default_factory=list)
    synonyms: list[Synonyms] = Field(default_factory=list)
    codes: list[ExpandedCode] = Field(default_factory=list)
    sources: list[str] = Field(min_length=1)
    remark: str | None = None


class Cue(Strict):
    en: list[str] = Field(default_factory=list)
    ru: list[str] = Field(default_factory=list)
    de: list[str] = Field(default_factory=list)
    fr: list[str] = Field(default_factory=list)
    es: list[str] = Field(default_factory=list)

    def phrases(self) -> tuple[str, ...]:
        return (*self.en, *self.ru, *self.de, *self.fr, *self.es)


class AtSite(Strict):
    """A diagnosis named with no site of its own (a fracture, osteomyelitis, numbness)
    whose recorded site (``Condition.bodySite``) is one that makes it a KB concept:
    ``site`` the words of such a site (the spine, the saddle area), ``concepts`` each
    concept with the words of the diagnoses that name it there ("Fracture" at "L1
    vertebra" is a vertebral fracture, "Anaesthesia of skin" at "Perineum" cauda equina).
    The site may also be written in the diagnosis's own text, alone after a comma
    ("Osteomyelitis, lumbar spine", "Перелом, L1"); ``site_alone`` the words that name
    such a site only so ("поясничный отдел", the lumbar part). ``codes``: codes of such
    diagnoses with their names, read where a record gives the code alone (ICD-10 T14.2,
    SNOMED CT "Fracture of bone" with no display); ICD-10 codes cover their subdivisions."""

    site: Cue
    site_alone: Cue = Field(default_factory=Cue)
    concepts: dict[str, Cue]
    codes: list[Code] = Field(default_factory=list)
    sources: list[str] = Field(min_length=1)
    remark: str | None = None


class TextCues(Strict):
    """Words that change what a concept named in a text means: negation (not present),
    history (in the past) and family (a relative's). See :mod:`spinecare.kb.text`.

    ``negation`` and ``history`` cues stand before the words they change ("no fever");
    ``negation_after`` and ``history_after`` after them ("cancer ruled out"); a
    ``scope_end`` word ends what a cue changes ("no fever but back pain"), a ``family_end``
    word what a family cue does ("mother had breast cancer and pt now has ..."), a
    ``history_end`` word what a history cue before the words does ("h/o breast ca now
    metastatic to L3"), a ``negation_end`` word what a negation before the words does
    ("Refused surgery for L1 burst fracture"); a ``negation_narrow`` cue is a negation
    before the words whose scope also ends at "and" ("Screening for breast cancer and
    metastatic breast cancer" names the metastatic cancer); a ``relative_has`` word after a
    relative (or that begins its name: "у матери") says the relative has what follows,
    so the relative is no companion listed after a comma ("Accompanied by her husband,
    mother with history of breast cancer"); a ``relative_heading`` alone before a colon
    says whose what follows is ("Husband: cancer", "Муж: рак"); a ``recent``
    word dates what a history cue names within the last days or weeks, so it is not past
    ("s/p L1 fracture last week");
    an ``ended`` cue holds a negation's words but says what it names is over, as a
    history cue does ("no longer on warfarin": a blood thinner stopped, to confirm);
    a ``pseudo`` cue
    holds cue words but is none ("not ruled out"); a ``companion`` cue says who came with
    the patient, so the relative named just after it is no family cue ("accompanied by her
    mother for urinary retention": the retention is the patient's). ``history_of``:
    a concept named in the past is this other concept (a cancer in the past is a history
    of cancer). ``answer_yes`` and ``answer_no``: the words that clearly answer a yes/no
    question (any other answer is unknown, never a no). ``not_forms``: a term with the
    beginnings of words that look like its forms but are other words ("myeloma":
    "myelopath"). ``short_words``: a short form clinicians write for a word ("fx":
    "fracture"), read as that word. ``unnamed_drug``: the concept a
    drug in force that the record gives only by a code the KB cannot place, with no name,
    may be (certainty unknown; clinic policy policy_unplaced_drug). ``at_site``: the
    diagnoses that name a concept where the record's site is the spine or the saddle area.
    ``qualifiers_after``: a word that qualifies the words before it when written after a
    comma, as an inverted title does ("Angina, unstable", "Cirrhosis, decompensated"):
    read before them ("unstable angina"). ``change``: words that name a change of a finding
    ("progression", "прогрессирование", "Befundänderung"): a negation of a finding's
    change denies the change, not the finding ("No progression of the metastases");
    ``change_between``: the words that may stand between such a word and the
    finding ("of the", "der", "размеров"), besides a vertebral level. ``compound_heads``:
    synonyms of one word that name their concept also as the last part of a longer word
    no synonym starts ("Osteosarcoma", "Cholangiokarzinom", "Beinvenenthrombose",
    "остеосаркома"): such a word is read as the synonym, shown as written; never one that
    begins as a ``not_compounds`` word ("Pseudolymphom", "Analvenenthrombose").
    ``not_named``: words that hold a synonym but name no concept ("benign * neoplasm": a
    benign neoplasm is no cancer), gaps allowed as in synonyms; they are blanked before
    the synonyms are looked for, so a concept named elsewhere in the text is still read;
    not in a clause that denies or doubts something (a negation or pseudo cue, a question
    mark, a ``doubt`` word: "possibly", "маловероятно", "fraglich"). ``found``: words of a
    screening's result that finds what it looked for ("confirmed", "выявлен"), read as a
    positive result is; ``screened_for``: the concepts a screening programme looks for,
    read as only looked for when a word naming a screening stands beside them ("DVT
    screening"; never a pregnancy: "First trimester screening"); ``screening_presupposes``:
    words of a finding no screening word hides, since a test for it follows or presupposes
    it ("Metastases screening", "Thrombophilia screen"). ``improvement``: words with a
    result's word that say a finding improves ("положительная динамика"), no positive
    result. ``not_abbreviation_beside``: an abbreviation, as written, with the words
    that give it another meaning in its sentence ("TEP" of a hernia repair or of a PET
    scan)."""

    negation: Cue
    negation_after: Cue = Field(default_factory=Cue)
    history: Cue
    history_after: Cue = Field(default_factory=Cue)
    family: Cue
    scope_end: Cue = Field(default_factory=Cue)
    family_end: Cue = Field(default_factory=Cue)
    history_end: Cue = Field(default_factory=Cue)
    negation_end: Cue = Field(default_factory=Cue)
    negation_narrow: Cue = Field(default_factory=Cue)
    relative_has: Cue = Field(default_factory=Cue)
    relative_heading: Cue = Field(default_factory=Cue)
    recent: Cue = Field(default_factory=Cue)
    ended: Cue = Field(default_factory=Cue)
    pseudo: Cue = Field(default_factory=Cue)
    companion: Cue = Field(default_factory=Cue)
    history_of: dict[str, str] = Field(default_factory=dict)
    not_abbreviation_before: Cue = Field(default_factory=Cue)
    not_abbreviation_beside: dict[str, Cue] = Field(default_factory=dict)
    not_forms: dict[str, list[str]] = Field(default_factory=dict)
    short_words: dict[str, str] = Field(default_factory=dict)
    answer_yes: Cue = Field(default_factory=Cue)
    answer_no: Cue = Field(default_factory=Cue)
    unnamed_drug: str | None = None
    at_site: list[AtSite] = Field(default_factory=list)
    qualifiers_after: Cue = Field(default_factory=Cue)
    change: Cue = Field(default_factory=Cue)
    change_between: Cue = Field(default_factory=Cue)
    compound_heads: Cue = Field(default_factory=Cue)
    not_compounds: Cue = Field(default_factory=Cue)
    not_named: Cue = Field(default_factory=Cue)
    doubt: Cue = Field(default_factory=Cue)
    found: Cue = Field(default_factory=Cue)
    screened_for: list[str] = Field(default_factory=list)
    screening_presupposes: Cue = Field(default_factory=Cue)
    improvement: Cue = Field(default_factory=Cue)
    time_questions: Cue = Field(default_factory=Cue)
    procedure_no_diagnosis: Cue = Field(default_factory=Cue)
    ongoing: Cue = Field(default_factory=Cue)
    sources: list[str] = Field(min_length=1)
    remark: str | None = None

    def answer_words(self) -> dict[str, bool]:
        """The words that clearly say yes (True) or no (False), folded as the reader folds
        an answer (case, "ё")."""
        out = {w.casefold().replace("ё", "е"): True for w in self.answer_yes.phrases()}
        out.update({w.casefold().replace("ё", "е"): False for w in self.answer_no.phrases()})
        return out


class KnowledgeBase(Strict):
    meta: Meta
    systems: dict[str, str]
    sources: list[Source]
    policies: list[Policy]
    evidence: Evidence
    articles: list[Statement]
    thresholds: list[Threshold]
    concepts: list[Concept]
    terminology: list[Terminology]
    text_cues: TextCues
    items: list[Item]
    measures: list[Measure]
    findings: list[Finding]
    questions: list[Question]
    rules: list[Rule]
    indications: list[Indication]
    zones: list[Zone]
    zone_map: ZoneMap
    plans: Plans


FILES: dict[str, tuple[str, ...]] = {
    "kb.yaml": ("meta", "systems"),
    "sources.yaml": ("sources",),
    "policies.yaml": ("policies",),
    "evidence.yaml": ("evidence",),
    "articles.yaml": ("articles",),
    "thresholds.yaml": ("thresholds",),
    "concepts.yaml": ("concepts",),
    "terminology.yaml": ("terminology",),
    "text.yaml": ("text_cues",),
    "data.yaml": ("items", "measures", "findings", "questions"),
    "rules.yaml": ("rules", "indications"),
    "zones.yaml": ("zones", "zone_map"),
    "plans.yaml": ("plans",),
}
"""Which top-level parts each KB file holds."""
