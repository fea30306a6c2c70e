"""Load, validate and dump the knowledge base.

``load_kb()`` (or ``load_kb("default")``) loads the KB shipped in the package; a path
loads another KB folder. Loading is strict: every problem is collected, with a
breadcrumb path (``rules.yaml > rules[3] (fever) > when > any[1]``), and raised at once
as :class:`~spinecare.errors.KnowledgeBaseError`.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import os
import pickle
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import BaseModel, ValidationError

from spinecare.errors import KnowledgeBaseError, Problem, RecordError
from spinecare.kb.codes import ICD10_FAMILY, CodeIndex
from spinecare.kb.evidence import check_evidence
from spinecare.kb.expressions import (
    AgeUnder,
    Answered,
    Compare,
    HadProcedure,
    HasCondition,
    HasMedication,
    walk,
)
from spinecare.kb.schema import (
    FILES,
    ID,
    Code,
    Concept,
    Indication,
    KnowledgeBase,
    Measure,
    Question,
    Rule,
    Source,
    Terminology,
    Threshold,
    Zone,
)

if TYPE_CHECKING:
    from spinecare.kb.text import TextMatcher

REQUIRED_CONCEPTS: dict[str, str] = {
    # DESIGN.md section 3: the exact concept ids other programs rely on.
    "degenerative_disc_disease": "indication",
    "disc_herniation": "indication",
    "scoliosis": "indication",
    "spinal_pain": "indication",
    "muscle_tension": "indication",
    "headache": "indication",
    "neuralgia": "indication",
    "sleep_disturbance": "indication",
    "mild_hypertension": "indication",
    "cauda_equina": "red_flag",
    "myelopathy": "red_flag",
    "vertebral_fracture": "red_flag",
    "spinal_infection": "red_flag",
    "spinal_malignancy": "red_flag",
    "vertebrobasilar_insufficiency": "red_flag",
    "oncology": "contraindication",
    "organ_decompensation": "contraindication",
    "heart_disease": "contraindication",
    "coagulation_disorder": "contraindication",
    "significant_hypertension": "contraindication",
    "fever": "contraindication",
    "infectious_disease": "contraindication",
    "acute_pain": "contraindication",
    "moderate_hypertension": "precaution",
    "anticoagulant_therapy": "precaution",
    "pregnancy": "precaution",
    "history_of_cancer": "precaution",
    "recent_spinal_surgery": "precaution",
    "dermatitis": "precaution",
    "osteoporosis": "precaution",
}

CODE_PATTERNS: dict[str, str] = {
    "icd10": r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$",
    "icd10cm": r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$",
    "snomed": r"^[1-9][0-9]{5,17}$",
    "loinc": r"^[0-9]{1,7}-[0-9]$",
    "rxnorm": r"^[0-9]{1,8}$",
    "atc": r"^[A-Z]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?$",
    "ndc": r"^[0-9]{4,5}-?[0-9]{3,4}(-?[0-9]{1,2})?$",
    "cpt": r"^[0-9]{4}[0-9FTU]$",
    "ops": r"^[1-9]-[0-9]{2}[0-9a-z]?(\.[0-9a-z]{1,3})?$",
    "icd10pcs": r"^[0-9A-HJ-NP-Z]{3,7}$",
}


@functools.cache
def default_path() -> Path:
    """The folder of the KB shipped in the package (resolved)."""
    return Path(str(resources.files("spinecare.kb") / "data")).resolve()


@dataclass
class KB:
    """A loaded knowledge base with its lookup tables."""

    model: KnowledgeBase
    path: Path

    def __post_init__(self) -> None:
        m = self.model
        self.version = m.meta.version
        self.concepts: dict[str, Concept] = {c.id: c for c in m.concepts}
        self.sources: dict[str, Source] = {s.id: s for s in m.sources}
        self.sources.update((p.id, p.as_source()) for p in m.policies)
        self.thresholds: dict[str, Threshold] = {t.id: t for t in m.thresholds}
        self.measures: dict[str, Measure] = {x.id: x for x in m.measures}
        self.questions: dict[str, Question] = {q.id: q for q in m.questions}
        self.items = {i.id: i for i in m.items}
        self.zones: dict[str, Zone] = {z.id: z for z in m.zones}
        self.rules: dict[str, Rule] = {r.id: r for r in m.rules}
        self.codes = CodeIndex(m.concepts, m.zone_map, m.terminology)
        self.measure_by_code: dict[tuple[str, str], Measure] = {
            (c.system, c.code): x for x in m.measures for c in x.codes
        }
        self.zone_by_site: dict[tuple[str, str], str] = {
            (c.system, c.code): z.id for z in m.zones for c in z.site_codes
        }
        # a site code's name, for a site a record gives by its code alone
        self.site_names: dict[tuple[str, str], str] = {
            (c.system, c.code): c.display for z in m.zones for c in z.site_codes
        }

    @cached_property
    def finding_by_code(self) -> dict[tuple[str, str], list[Any]]:
        """KB findings by the (system, code) of the Observations that record them."""
        out: dict[tuple[str, str], list[Any]] = {}
        for finding in self.model.findings:
            for code in finding.codes:
                out.setdefault((code.system, code.code), []).append(finding)
        return out

    def _read_as(self, kind: type[HadProcedure] | type[HasMedication]) -> frozenset[str]:
        """The concepts the rules' leaves of ``kind`` read."""
        return frozenset(
            node.procedure if isinstance(node, HadProcedure) else node.medication
            for expr in model_expressions(self.model)
            for node in walk(expr)
            if isinstance(node, kind)
        )

    @cached_property
    def procedure_concepts(self) -> frozenset[str]:
        """The concepts the rules read as procedures (recent spine surgery)."""
        return self._read_as(HadProcedure)

    @cached_property
    def drug_concepts(self) -> frozenset[str]:
        """The concepts the rules read as drugs taken (blood thinners)."""
        return self._read_as(HasMedication)

    @cached_property
    def not_diagnoses(self) -> frozenset[str]:
        """The concepts a procedure's, an order's or a drug's name never gives as a
        diagnosis: the operations the rules read and the contexts of a visit."""
        return self.procedure_concepts | {c.id for c in self.model.concepts if c.kind == "context"}

    @cached_property
    def hit_cache(self) -> dict[Any, Any]:
        """The engine's answers for codings and texts already matched (bounded there)."""
        return {}

    @cached_property
    def text_matcher(self) -> TextMatcher:
        """Concepts named in free text (synonyms and cues of the KB)."""
        return self._matcher(
            (
                (entry.concept, group.set, phrase)
                for entry in self.model.terminology
                for group in entry.synonyms
                for phrase in (*group.en, *group.ru, *group.de, *group.fr, *group.es)
            ),
            (
                (entry.concept, group.set, written)
                for entry in self.model.terminology
                for group in entry.synonyms
                for written in group.abbreviations
            ),
        )

    @cached_property
    def code_titles(self) -> dict[tuple[str, ...], tuple[tuple[str, str | None], ...]]:
        """The words of each title of a KB code (concepts.yaml, terminology.yaml) -> the
        (concept, set) pairs it names, for the concepts that can limit massage (not an
        indication or context). A diagnosis written in exactly those words ("Excision of
        intervertebral disc", "Glioma of spinal cord"), with no code or a local one, names
        the concept as the code does (to confirm, as text). Only the whole text: a title
        found inside longer words may name another diagnosis the KB leaves out
        ("Sinusitis" in "Chronic sinusitis", "Fracture of neck" in "fracture of neck of
        femur"). Drug products (RxNorm, NDC) are named by their ingredients' synonyms."""
        from spinecare.kb.text import words

        kinds = {c.id: c.kind for c in self.model.concepts}
        codes = (
            *((c.id, code) for c in self.model.concepts for code in c.codes),
            *((t.concept, code) for t in self.model.terminology for code in t.codes),
        )
        out: dict[tuple[str, ...], dict[tuple[str, str | None], None]] = {}
        for concept, code in codes:
            if kinds.get(concept) in _NOT_NAMED_BY_CODE_TITLE or code.system in {"rxnorm", "ndc"}:
                continue
            title = tuple(words(code.display))
            if title:
                out.setdefault(title, {})[(concept, code.set)] = None
        return {title: tuple(named) for title, named in out.items()}

    @cached_property
    def _siteless(self) -> CodeIndex:
        """The text.yaml ``at_site`` diagnosis codes, each hit naming the code's words."""
        return CodeIndex(
            [],
            self.model.zone_map,
            named=[(code.display, code) for g in self.model.text_cues.at_site for code in g.codes],
        )

    def siteless_name(self, system: str, code: str) -> str | None:
        """The name of a diagnosis code of no site of its own (text.yaml ``at_site``
        ``codes``) that a record gives without its words, matched as the KB's codes are
        (an ICD-10 code by its listed category: M86 for M86.18)."""
        return next((hit.concept for hit in self._siteless.lookup(system, code)), None)

    @cached_property
    def site_matchers(self) -> tuple[tuple[TextMatcher, TextMatcher, TextMatcher], ...]:
        """For each group of text.yaml ``at_site``: where a site is one of the group's (its
        words found as the concept ``site``), where the words after a comma in a
        diagnosis's text are only such a site (with ``site_alone``), and the concepts the
        diagnoses of no site of their own name there."""
        return tuple(
            (
                self._matcher(("site", None, phrase) for phrase in group.site.phrases()),
                self._matcher(
                    ("site", None, phrase)
                    for phrase in (*group.site.phrases(), *group.site_alone.phrases())
                ),
                self._matcher(
                    (concept, None, phrase)
                    for concept, words in group.concepts.items()
                    for phrase in words.phrases()
                ),
            )
            for group in self.model.text_cues.at_site
        )

    def _matcher(
        self,
        synonyms: Iterable[tuple[str, str | None, str]],
        abbreviations: Iterable[tuple[str, str | None, str]] = (),
    ) -> TextMatcher:
        """A matcher of ``synonyms`` read with the KB's cues (text.yaml)."""
        from spinecare.kb.text import TextMatcher

        cues = self.model.text_cues
        return TextMatcher(
            synonyms,
            negation=cues.negation.phrases(),
            history=cues.history.phrases(),
            family=cues.family.phrases(),
            negation_after=cues.negation_after.phrases(),
            history_after=cues.history_after.phrases(),
            scope_end=cues.scope_end.phrases(),
            family_end=cues.family_end.phrases(),
            history_end=cues.history_end.phrases(),
            negation_end=cues.negation_end.phrases(),
            negation_narrow=cues.negation_narrow.phrases(),
            relative_has=cues.relative_has.phrases(),
            relative_heading=cues.relative_heading.phrases(),
            recent=cues.recent.phrases(),
            ended=cues.ended.phrases(),
            compound_heads=cues.compound_heads.phrases(),
            not_compounds=cues.not_compounds.phrases(),
            not_named=cues.not_named.phrases(),
            doubt=cues.doubt.phrases(),
            found=cues.found.phrases(),
            screened_for=cues.screened_for,
            screening_presupposes=cues.screening_presupposes.phrases(),
            improvement=cues.improvement.phrases(),
            history_of=cues.history_of,
            pseudo=cues.pseudo.phrases(),
            companion=cues.companion.phrases(),
            abbreviations=abbreviations,
            not_abbreviation_before=cues.not_abbreviation_before.phrases(),
            not_abbreviation_beside={
                written: words.phrases() for written, words in cues.not_abbreviation_beside.items()
            },
            not_forms=cues.not_forms,
            short_words=cues.short_words,
            qualifiers_after=cues.qualifiers_after.phrases(),
            change=cues.change.phrases(),
            change_between=cues.change_between.phrases(),
        )

    def threshold(self, threshold_id: str) -> float:
        return self.thresholds[threshold_id].value

    def text(self, value: Any, lang: str) -> str:
        return str(value.get(lang))


def model_expressions(model: KnowledgeBase) -> Iterator[Any]:
    """Every rule expression of a KB model, each tree's root: the rules' and indications'
    ``when``, the modalities' ``when`` and ``unless`` and the precautions' ``when`` (the
    only fields of the schema that hold expressions; a test checks the list against a
    walk of the whole model). :func:`~spinecare.kb.expressions.walk` gives their nodes."""
    for rule in model.rules:
        yield rule.when
    for indication in model.indications:
        yield indication.when
    for modality in model.plans.modalities:
        for expr in (modality.when, modality.unless):
            if expr is not None:
                yield expr
    for precaution in model.plans.precautions:
        if precaution.when is not None:
            yield precaution.when


_NOT_NAMED_BY_CODE_TITLE = frozenset({"indication", "context"})
"""Kinds of concept whose codes' titles are not read in text (they cannot limit massage)."""

CACHE_ENV = "SPINECARE_KB_CACHE"
"""Set to ``0`` (or ``off``) to read the KB files without the cache (parsed files, the
note of files that passed the cross-checks and their stored model)."""
_CACHE_FORMAT = "1"
"""Bumped whenever the YAML rules change what a file parses to."""
_CACHE_KEEP = 32
"""How many parsed files the cache keeps (the oldest are removed first)."""


def _cache_folder() -> Path | None:
    """Where parsed KB files are kept: ``kb-cache`` in the app's data directory (the
    setting ``data_dir``, read here without building the settings, which a command
    that only screens a file does not need)."""
    if os.environ.get(CACHE_ENV, "").strip().lower() in {"0", "off", "false", "no"}:
        return None
    data_dir = os.environ.get("SPINECARE_DATA_DIR", "").strip()
    if not data_dir:
        from platformdirs import user_data_dir

        data_dir = user_data_dir("spinecare", appauthor=False)
    return Path(data_dir) / "kb-cache"


@functools.cache
def _cache_salt() -> bytes:
    """What decides how the bytes of a file parse, besides the bytes: the format of the
    cache, the code that parses (``spinecare.documents``) and the installed PyYAML (its
    ``__init__``, which carries its version; read without importing it or the package
    metadata, which a command that finds its files in the cache does not need)."""
    from importlib.util import find_spec

    parts = [Path(__file__).parents[1] / "documents.py"]
    spec = find_spec("yaml")
    if spec is not None and spec.origin is not None:
        parts.append(Path(spec.origin))
    return files_digest(parts, _CACHE_FORMAT)


def files_digest(files: Iterable[Path], salt: str = "") -> bytes:
    """A digest of ``files`` (each by its name, length and bytes, in the order given) and
    ``salt``: the key of what a result computed by that code, or from that data, depends
    on. A file that cannot be read counts as empty (an installation without its sources)."""
    digest = hashlib.sha256(salt.encode() + b"\0")
    for part in files:
        try:
            raw = part.read_bytes()
        except OSError:  # pragma: no cover - an installation without its sources
            raw = b""
        digest.update(f"{part.name}\0{len(raw)}\0".encode() + raw)
    return digest.digest()


def _cache_key(raw: bytes) -> str:
    """The key of a file's parsed data: its bytes and whatever decides how they parse."""
    return hashlib.sha256(_cache_salt() + raw).hexdigest()


def _cache_get(folder: Path | None, key: str) -> Any:
    """The data parsed before from the same bytes, or ``None``."""
    if folder is None:
        return None
    try:
        stored = orjson.loads((folder / f"{key}.json").read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    return stored.get("data")


def _cache_put(folder: Path | None, key: str, data: Any) -> None:
    """Keep ``data`` if JSON holds it exactly; a cache that cannot be written is skipped."""
    if folder is None:
        return
    try:
        body = orjson.dumps({"key": key, "data": data})
    except TypeError:  # a value JSON does not hold (a key that is not text, a date)
        return
    if orjson.loads(body)["data"] != data:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as out:
            out.write(body)
        os.replace(out.name, folder / f"{key}.json")
        kept = sorted(folder.glob("*.json"), key=lambda f: f.stat().st_mtime, reverse=True)
        for old in kept[_CACHE_KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        return


def _parse_file(raw: bytes, name: str, folder: Path | None) -> Any:
    """A KB file's data: from the cache when these bytes were parsed before, else YAML
    with the project's rules (libyaml's parser; dates stay text, a key written twice is
    refused). Raises :class:`~spinecare.errors.RecordError` naming the file and line."""
    key = _cache_key(raw)
    cached = _cache_get(folder, key)
    if cached is not None:
        return cached
    from spinecare.documents import parse_yaml

    data = parse_yaml(raw, name)
    if data is not None:
        _cache_put(folder, key, data)
    return data


def read_files(path: Path) -> tuple[dict[str, Any], list[Problem]]:
    """Merge the KB files into one mapping; report unreadable files and stray keys."""
    merged: dict[str, Any] = {}
    problems: list[Problem] = []
    cache = _cache_folder()
    for name, parts in FILES.items():
        file = path / name
        try:
            raw = file.read_bytes()
        except FileNotFoundError:
            problems.append(Problem(name, "file is missing"))
            continue
        except OSError as exc:
            problems.append(Problem(name, f"cannot read the file ({exc.strerror or exc})"))
            continue
        try:
            data = _parse_file(raw, name, cache)
        except RecordError as exc:
            problems.append(Problem(name, exc.message))
            continue
        if not isinstance(data, dict):
            problems.append(Problem(name, f"must be a mapping with keys {', '.join(parts)}"))
            continue
        for key in data:
            if key not in parts:
                problems.append(
                    Problem(f"{name} > {key}", f"unknown key; allowed: {', '.join(parts)}")
                )
        for part in parts:
            if part in data:
                merged[part] = data[part]
            else:
                problems.append(Problem(name, f"missing key '{part}'"))
    return merged, problems


def _part_file(part: str) -> str:
    for name, parts in FILES.items():
        if part in parts:
            return name
    return "kb"


def breadcrumb(data: dict[str, Any], loc: tuple[int | str, ...]) -> str:
    """``file > part[i] (id) > field`` for a pydantic error location."""
    if not loc:
        return "kb"
    crumbs = [_part_file(str(loc[0]))]
    node: Any = data
    label = ""
    for step in loc:
        if isinstance(step, int):
            label += f"[{step}]"
        else:
            if label:
                crumbs.append(label)
            label = str(step)
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            node = None
        if isinstance(step, int) and isinstance(node, dict) and "id" in node:
            label += f" ({node['id']})"
    crumbs.append(label)
    return " > ".join(crumbs)


def _is_discriminator_tag(step: int | str) -> bool:
    return isinstance(step, str) and step in {
        "condition",
        "medication",
        "procedure",
        "measure",
        "answer",
        "all",
        "any",
        "either",
        "not",
    }


def parse(data: dict[str, Any]) -> tuple[KnowledgeBase | None, list[Problem]]:
    try:
        return KnowledgeBase.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            # drop the union tag pydantic inserts after an expression's holder
            # (``when > any > any[0]`` reads better as ``when > any[0]``)
            clean = [
                step
                for i, step in enumerate(loc)
                if not (
                    i > 0
                    and _is_discriminator_tag(step)
                    and (isinstance(loc[i - 1], int) or loc[i - 1] in {"when", "unless"})
                )
            ]
            message = error["msg"].removeprefix("Value error, ")
            problems.append(Problem(breadcrumb(data, tuple(clean)), message))
        return None, problems


def cross_check(kb: KnowledgeBase) -> list[Problem]:
    """Every reference resolves, every id is unique, every code is well formed."""
    return _CrossCheck(kb).run()


class _CrossCheck:
    """The references of one knowledge base, checked part by part into ``problems``."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.problems: list[Problem] = []
        self.sources = self.unique("sources", [s.id for s in kb.sources])
        self.sources |= self.unique("policies", [p.id for p in kb.policies])
        self.problems.extend(check_evidence(kb))
        self.thresholds = self.unique("thresholds", [t.id for t in kb.thresholds])
        self.concepts = {c.id: c for c in kb.concepts}
        self.unique("concepts", [c.id for c in kb.concepts])
        self.items = self.unique("items", [i.id for i in kb.items])
        self.measures = {m.id: m for m in kb.measures}
        self.unique("measures", list(self.measures))
        self.questions = {q.id: q for q in kb.questions}
        self.unique("questions", list(self.questions))
        self.unique("rules", [r.id for r in kb.rules])
        self.unique("indications", [r.id for r in kb.indications])
        self.zones = self.unique("zones", [z.id for z in kb.zones])
        self.techniques = {t.id for t in kb.plans.techniques}

    def run(self) -> list[Problem]:
        self.check_concepts()
        self.check_data()
        self.check_rules()
        self.check_zones()
        self.check_courses()
        self.check_plan_parts()
        return self.problems

    def add(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def unique(self, part: str, ids: list[str]) -> set[str]:
        seen: set[str] = set()
        for i, value in enumerate(ids):
            where = f"{_part_file(part)} > {part}[{i}] ({value})"
            if value in seen:
                self.add(where, "duplicate id")
            seen.add(value)
            if not ID.match(value):
                self.add(where, "ids are lower_snake_case")
        return seen

    def need(
        self, where: str, kind: str, value: str | None, pool: set[str] | dict[str, Any]
    ) -> None:
        if value is not None and value not in pool:
            allowed = ", ".join(sorted(pool)) if len(pool) <= 12 else f"{len(pool)} defined"
            self.add(where, f"unknown {kind} '{value}' ({allowed})")

    def need_sources(self, where: str, ids: list[str]) -> None:
        for sid in ids:
            self.need(f"{where} > sources", "source", sid, self.sources)

    def check_concepts(self) -> None:
        kb = self.kb
        for i, t in enumerate(kb.thresholds):
            self.need_sources(f"thresholds.yaml > thresholds[{i}] ({t.id})", t.sources)
        for i, c in enumerate(kb.concepts):
            where = f"concepts.yaml > concepts[{i}] ({c.id})"
            self.need_sources(where, c.sources)
            for j, code in enumerate(c.codes):
                spot = f"{where} > codes[{j}] ({code.code})"
                self.problems.extend(_code_problems(spot, code))
                self.need(spot, "zone", code.zone, self.zones)
        self.problems.extend(_check_terminology(kb, self.concepts, self.sources))
        for named, past in kb.text_cues.history_of.items():
            for concept_id in (named, past):
                where = "text.yaml > text_cues > history_of"
                self.need(where, "concept", concept_id, self.concepts)
        from spinecare.kb.text import synonym_problem

        for phrase in kb.text_cues.not_named.phrases():
            if (problem := synonym_problem(phrase)) is not None:
                self.add("text.yaml > text_cues > not_named", problem)
        if kb.text_cues.unnamed_drug is not None:
            where = "text.yaml > text_cues > unnamed_drug"
            self.need(where, "concept", kb.text_cues.unnamed_drug, self.concepts)
        for i, group in enumerate(kb.text_cues.at_site):
            where = f"text.yaml > text_cues > at_site[{i}]"
            self.need_sources(where, group.sources)
            for j, code in enumerate(group.codes):
                self.problems.extend(_code_problems(f"{where} > codes[{j}] ({code.code})", code))
            for concept_id in group.concepts:
                self.need(f"{where} > concepts", "concept", concept_id, self.concepts)
        both = set(kb.text_cues.answer_words()) & {
            w.casefold().replace("ё", "е") for w in kb.text_cues.answer_yes.phrases()
        }
        for word in sorted(w for w in both if not kb.text_cues.answer_words()[w]):
            self.add("text.yaml > text_cues > answer_yes", f"'{word}' is also a no")
        for concept_id, kind in REQUIRED_CONCEPTS.items():
            if concept_id not in self.concepts:
                self.add(
                    "concepts.yaml", f"missing concept '{concept_id}' ({kind}, DESIGN.md section 3)"
                )

    def check_data(self) -> None:
        kb = self.kb
        for i, item in enumerate(kb.measures):
            where = f"data.yaml > measures[{i}] ({item.id})"
            self.need(where, "item", item.item, self.items)
            self.need(where + " > fresh_days", "threshold", item.fresh_days, self.thresholds)
            self.need_sources(where, item.sources)
        for i, finding in enumerate(kb.findings):
            where = f"data.yaml > findings[{i}] ({finding.id})"
            self.need(where + " > concept", "concept", finding.concept, self.concepts)
            self.need(where + " > fresh_days", "threshold", finding.fresh_days, self.thresholds)
            self.need_sources(where, finding.sources)
        for i, q in enumerate(kb.questions):
            where = f"data.yaml > questions[{i}] ({q.id})"
            self.need(where + " > fresh_days", "threshold", q.fresh_days, self.thresholds)
            self.need_sources(where, q.sources)
            if q.type == "choice" and not q.choices:
                self.add(where, "a choice question needs choices")
            for j, choice in enumerate(q.choices):
                self.need(
                    f"{where} > choices[{j}] > concept", "concept", choice.concept, self.concepts
                )

    def check_expr(self, where: str, expr: Any) -> None:
        for node in walk(expr):
            if isinstance(node, HasCondition):
                self.check_condition(where, node)
            elif isinstance(node, HasMedication):
                self.need(where, "concept", node.medication, self.concepts)
            elif isinstance(node, HadProcedure):
                self.need(where, "concept", node.procedure, self.concepts)
                self.need(where, "threshold", node.within_days, self.thresholds)
            elif isinstance(node, AgeUnder):
                self.need(where, "threshold", node.age_under, self.thresholds)
            elif isinstance(node, Compare):
                self.need(where, "measure", node.measure, self.measures)
                self.need(where, "threshold", node.threshold, self.thresholds)
            elif isinstance(node, Answered):
                self.check_answer(where, node)

    def check_condition(self, where: str, node: HasCondition) -> None:
        self.need(where, "concept", node.condition, self.concepts)
        self.need(where, "zone", node.zone, self.zones)
        self.need(where, "threshold", node.within_days, self.thresholds)
        if node.set and node.condition in self.concepts:
            sets = {c.set for c in self.concepts[node.condition].codes if c.set}
            if node.set not in sets:
                self.add(where, f"concept '{node.condition}' has no code set '{node.set}'")

    def check_answer(self, where: str, node: Answered) -> None:
        if node.answer not in self.questions:
            self.need(where, "question", node.answer, self.questions)
            return
        q = self.questions[node.answer]
        if q.type == "choice" and node.equals not in {c.value for c in q.choices}:
            self.add(where, f"'{node.equals}' is not a choice of '{q.id}'")

    def check_rules(self) -> None:
        kb = self.kb
        parts: list[tuple[str, Sequence[Rule | Indication]]] = [
            ("rules", kb.rules),
            ("indications", kb.indications),
        ]
        for part, rules in parts:
            for i, r in enumerate(rules):
                where = f"rules.yaml > {part}[{i}] ({r.id})"
                self.need(where, "concept", r.concept, self.concepts)
                self.need_sources(where, r.sources)
                self.check_expr(where + " > when", r.when)
        ruled = {r.concept for r in kb.rules} | {r.concept for r in kb.indications}
        for concept_id in REQUIRED_CONCEPTS:
            if concept_id in self.concepts and concept_id not in ruled:
                self.add("rules.yaml", f"no rule or indication for concept '{concept_id}'")

    def check_zones(self) -> None:
        for i, z in enumerate(self.kb.zones):
            self.need_sources(f"zones.yaml > zones[{i}] ({z.id})", z.sources)
        for char, zone in self.kb.zone_map.site_character.items():
            self.need(f"zones.yaml > zone_map > site_character > {char}", "zone", zone, self.zones)

    def check_courses(self) -> None:
        p = self.kb.plans
        for i, m in enumerate(p.modalities):
            where = f"plans.yaml > plans > modalities[{i}] ({m.id})"
            self.need_sources(where, m.sources)
            for expr in (m.when, m.unless):
                if expr is not None:
                    self.check_expr(where, expr)
        for i, course in enumerate(p.courses):
            where = f"plans.yaml > plans > courses[{i}] ({course.zone})"
            self.need(where, "zone", course.zone, self.zones)
            self.need_sources(where, course.sources)
            for name in ("sessions", "sessions_per_week", "minutes_per_session"):
                dose = getattr(course, name)
                if not dose.min <= dose.value <= dose.max:
                    self.add(f"{where} > {name}", "value must lie within min..max")
                self.need_sources(f"{where} > {name}", dose.sources)
        for i, technique in enumerate(p.techniques):
            where = f"plans.yaml > plans > techniques[{i}] ({technique.id})"
            self.need_sources(where, technique.sources)
        for i, tech_id in enumerate(p.sequence):
            where = f"plans.yaml > plans > sequence[{i}]"
            self.need(where, "technique", tech_id, self.techniques)
        self.need_sources("plans.yaml > plans > sequence", p.sequence_sources)

    def check_plan_parts(self) -> None:
        p = self.kb.plans
        for i, pre in enumerate(p.precautions):
            where = f"plans.yaml > plans > precautions[{i}] ({pre.id})"
            self.need_sources(where, pre.sources)
            if pre.when is not None:
                self.check_expr(where + " > when", pre.when)
            for tech in pre.omit_techniques:
                self.need(where, "technique", tech, self.techniques)
        for i, hp in enumerate(p.home_programs):
            where = f"plans.yaml > plans > home_programs[{i}] ({hp.zone})"
            self.need(where, "zone", hp.zone, self.zones)
            self.need_sources(where, hp.sources)
            for j, step in enumerate(hp.steps):
                self.need_sources(f"{where} > steps[{j}] ({step.id})", step.sources)
        for i, sr in enumerate(p.stop_rules):
            where = f"plans.yaml > plans > stop_rules[{i}] ({sr.id})"
            self.need(where, "threshold", sr.threshold, self.thresholds)
            for question_id in sr.questions:
                self.need(where, "question", question_id, self.questions)
            self.need_sources(where, sr.sources)
        for i, co in enumerate(p.cost_options):
            self.need_sources(f"plans.yaml > plans > cost_options[{i}] ({co.id})", co.sources)
        for i, ph in enumerate(p.herniation_phases):
            where = f"plans.yaml > plans > herniation_phases[{i}] ({ph.id})"
            self.need_sources(where, ph.sources)
        self.need("plans.yaml > plans > mcid", "threshold", p.mcid, self.thresholds)


_SNOMED_ID = re.compile(r"\b\d{6,18}\b")
_ECL_FOCUS = re.compile(r"(?:^|\bOR\b|\()\s*(?:<<\s*)?(\d{6,18})\s*\|")


def ecl_focus(expression: str) -> list[str]:
    """The concepts an ECL expression is built on ("<< 48522003 |Myelopathy|", each of a
    disjunction, not those after MINUS): each is itself of the concept it defines. None
    for an expression refined by attributes ("<< 763158003 |Medicinal product| : ..."),
    whose focus is broader than the concept."""
    if re.search(r"\|\s*:", expression):
        return []
    return _ECL_FOCUS.findall(expression.split(" MINUS ", 1)[0])


def _check_synonyms(where: str, entry: Terminology, sets: set[str]) -> Iterator[Problem]:
    """A concept's synonyms name its sets, and their gaps stand between words."""
    from spinecare.kb.text import synonym_problem

    for k, group in enumerate(entry.synonyms):
        if group.set is not None and group.set not in sets:
            yield Problem(f"{where} > synonyms", f"unknown set '{group.set}'")
        for lang, phrases in (
            ("en", group.en),
            ("ru", group.ru),
            ("de", group.de),
            ("fr", group.fr),
            ("es", group.es),
        ):
            for phrase in phrases:
                problem = synonym_problem(phrase)
                if problem is not None:
                    yield Problem(f"{where} > synonyms[{k}] > {lang}", problem)


def _code_problems(spot: str, code: Code) -> list[Problem]:
    """A code's own form: well formed for its system; a range or an exact match (ICD-10
    only, not both)."""
    problems = []
    if not re.match(CODE_PATTERNS[code.system], code.code):
        problems.append(Problem(spot, f"not a well-formed {code.system} code"))
    if code.to is not None and code.system not in ICD10_FAMILY:
        problems.append(Problem(spot, "ranges ('to') are for ICD-10 only"))
    if code.exact and (code.system not in ICD10_FAMILY or code.to is not None):
        problems.append(Problem(spot, "'exact' is for one ICD-10 code only"))
    return problems


def _check_terminology(
    kb: KnowledgeBase, concepts: dict[str, Concept], sources: set[str]
) -> list[Problem]:
    """Each expansion belongs to a concept, cites known sources, names the concept's sets,
    and every code listed as a descendant descends from a code of the concept, of its
    expansion or of its ECL definition; a synonym's gaps stand between its words."""
    problems: list[Problem] = []
    for i, entry in enumerate(kb.terminology):
        where = f"terminology.yaml > terminology[{i}] ({entry.concept})"
        concept = concepts.get(entry.concept)
        if concept is None:
            problems.append(Problem(where, f"unknown concept '{entry.concept}'"))
            continue
        sets = {c.set for c in concept.codes if c.set}
        for sid in entry.sources:
            if sid not in sources:
                problems.append(Problem(f"{where} > sources", f"unknown source '{sid}'"))
        known = {c.code for c in concept.codes} | {c.code for c in entry.codes}
        for e in entry.ecl:
            for focus in ecl_focus(e.expression):
                # a definition's own concept is a code the records use: listed, so matched
                if focus not in known:
                    problems.append(
                        Problem(f"{where} > ecl", f"{focus} is not a code of the concept")
                    )
            known.update(_SNOMED_ID.findall(e.expression))
            if e.set is not None and e.set not in sets:
                problems.append(Problem(f"{where} > ecl", f"unknown set '{e.set}'"))
        problems.extend(_check_synonyms(where, entry, sets))
        own = {(c.system, c.code) for c in concept.codes}
        for j, code in enumerate(entry.codes):
            spot = f"{where} > codes[{j}] ({code.code})"
            problems.extend(_code_problems(spot, code))
            if (code.system, code.code) in own:
                problems.append(Problem(spot, "already a code of the concept"))
            if code.source not in sources:
                problems.append(Problem(spot, f"unknown source '{code.source}'"))
            if code.set is not None and code.set not in sets:
                problems.append(Problem(spot, f"unknown set '{code.set}'"))
            if code.parent is not None and code.parent not in known:
                problems.append(
                    Problem(spot, f"parent {code.parent} is not a code of the concept or its ECL")
                )
    return problems


def _read_and_check(
    folder: Path, checked: bool = False
) -> tuple[KnowledgeBase | None, list[Problem]]:
    """The folder's model and every problem (``checked``: the same files, under the same
    code, passed the cross-checks before, which are not run again)."""
    data, problems = read_files(folder)
    model, parse_problems = parse(data)
    problems.extend(parse_problems)
    if model is not None and not (checked and not problems):
        problems.extend(cross_check(model))
    return model, problems


def validate_kb(path: str | Path | None = None) -> tuple[KnowledgeBase | None, list[Problem]]:
    """The model of the KB at ``path`` (default: the packaged KB) and every problem, each
    check run (none is skipped for files that passed before, as :func:`load_kb` does)."""
    from spinecare.documents import collector_held

    with collector_held():  # the collector's passes over the model would free nothing
        return _read_and_check(_resolve(path))


def check_kb(path: str | Path | None = None) -> list[Problem]:
    """Every problem of the KB at ``path`` (default: the packaged KB); empty when valid."""
    return validate_kb(path)[1]


def _resolve(path: str | Path | None) -> Path:
    if path is None or path == "default":
        return default_path()
    return Path(path)


@functools.cache
def _code_salt() -> bytes:
    """What decides whether KB files pass the cross-checks, besides their bytes: the code
    of this package and the pydantic that runs it."""
    from pydantic.version import VERSION

    return files_digest(sorted(Path(__file__).parent.glob("*.py")), VERSION)


def _checked_key(folder: Path) -> str | None:
    """The key under which a folder's files are noted as checked: the bytes of every KB
    file and what decides how they are checked (None when a file cannot be read)."""
    digest = hashlib.sha256(_cache_salt() + _code_salt())
    for name in FILES:
        try:
            raw = (folder / name).read_bytes()
        except OSError:
            return None
        digest.update(f"{name}\0{len(raw)}\0".encode() + raw)
    return "checked-" + digest.hexdigest()


_SNAPSHOT_KEEP = 4
"""How many models of checked KB folders the cache keeps (the oldest are removed first)."""
_SNAPSHOT_MODULES = frozenset({"spinecare.kb.schema", "spinecare.kb.expressions"})


class _SnapshotReader(pickle.Unpickler):
    """Reads a stored model back, refusing every class but the KB schema's own (a stored
    file cannot make the reader call or build anything else)."""

    def find_class(self, module: str, name: str) -> Any:
        if module in _SNAPSHOT_MODULES:
            import sys

            found = getattr(sys.modules[module], name, None)
            if isinstance(found, type) and issubclass(found, BaseModel):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not a KB class")


def _snapshot_file(folder: Path, key: str) -> Path:
    return folder / f"{key}.model"


def _snapshot_get(folder: Path, key: str) -> KnowledgeBase | None:
    """The model stored from files that passed every check under ``key``, or ``None``."""
    import io

    try:
        raw = _snapshot_file(folder, key).read_bytes()
    except OSError:
        return None
    stamp = _snapshot_stamp(key)
    if not raw.startswith(stamp):
        return None
    try:
        model = _SnapshotReader(io.BytesIO(raw[len(stamp) :])).load()
    except Exception:  # a damaged or foreign file is read from the KB files again
        return None
    return model if isinstance(model, KnowledgeBase) else None


def _snapshot_put(folder: Path, key: str, model: KnowledgeBase) -> None:
    """Keep the model of files that passed every check; a cache that cannot be written
    is skipped."""
    try:
        body = _snapshot_stamp(key) + pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as out:
            out.write(body)
        os.replace(out.name, _snapshot_file(folder, key))
        kept = sorted(folder.glob("*.model"), key=lambda f: f.stat().st_mtime, reverse=True)
        for old in kept[_SNAPSHOT_KEEP:]:
            old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError):
        return


def _snapshot_stamp(key: str) -> bytes:
    """What a stored model starts with: its key and the Python that stored it."""
    import sys

    return f"spinecare-kb-model\0{key}\0{sys.version}\0".encode()


@functools.lru_cache(maxsize=8)
def _load_cached(folder: Path) -> KB:
    from spinecare.documents import collector_held

    # The cyclic collector is held while the KB's objects are made: they are all kept,
    # and its passes over them (a third of the loading time) would find nothing to free.
    with collector_held():
        cache = _cache_folder()
        key = _checked_key(folder) if cache is not None else None
        # files that passed every check before, under the same code: their model as stored
        model = _snapshot_get(cache, key) if cache is not None and key is not None else None
        if model is None:
            checked = key is not None and _cache_get(cache, key) is True
            model, problems = _read_and_check(folder, checked)
            if problems or model is None:
                raise KnowledgeBaseError(problems)
            if cache is not None and key is not None:
                if not checked:
                    _cache_put(cache, key, True)  # these files passed every check
                _snapshot_put(cache, key, model)
        kb = KB(model=model, path=folder)
    # The KB lives as long as the process and holds no cycles to collect: its thousands of
    # objects are moved out of the cyclic collector's reach, so that every collection a
    # screening sets off does not walk them again.
    gc.freeze()
    return kb


def load_kb(path: str | Path | None = None) -> KB:
    """Load and validate a KB (``None`` or ``"default"``: the packaged one). Cached."""
    if path is None:
        return _load_cached(default_path())  # no path to resolve: the per-request case
    return _load_cached(_resolve(path).resolve())


def dump_kb(kb: KB | KnowledgeBase) -> dict[str, str]:
    """The KB as YAML text per file; loading the result gives the same KB (round-trip)."""
    import yaml

    model = kb.model if isinstance(kb, KB) else kb
    data = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    out: dict[str, str] = {}
    for name, parts in FILES.items():
        body = {part: data[part] for part in parts}
        out[name] = yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100)
    return out


def iter_texts(model: KnowledgeBase) -> Iterator[tuple[str, Any]]:
    """Every bilingual text in the KB with its path (for checks and translations)."""
    from spinecare.kb.schema import Text

    def visit(node: Any, path: str) -> Iterator[tuple[str, Any]]:
        if isinstance(node, Text):
            yield path, node
        elif isinstance(node, BaseModel):
            for name in type(node).model_fields:
                yield from visit(getattr(node, name), f"{path}.{name}")
        elif isinstance(node, list):
            for i, child in enumerate(node):
                yield from visit(child, f"{path}[{i}]")

    yield from visit(model, "kb")
