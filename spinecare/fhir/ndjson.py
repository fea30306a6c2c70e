"""FHIR Bulk Data exports (NDJSON) in and out.

An export folder holds one or more files per resource type: ``Type.ndjson`` or
``Type.000.ndjson`` (also ``Type-1.ndjson``), plain or gzip (told apart by the gzip magic
bytes, not the name). Every line is one resource.

- :func:`export_files` lists the files of a folder, in a fixed order (resource type, then
  file name), the order every reader here uses.
- :func:`iter_resources` streams ``(resource, Line)`` pairs. A malformed line (not JSON,
  not a FHIR resource) is reported with its file and line number, counted in a
  :class:`Tally` and skipped; with ``strict`` it raises :class:`NdjsonError`.
- :func:`iter_records` streams one :class:`PatientRecord` per patient for the in-process
  engine. Exports larger than memory are first spread over hash buckets on disk, so only
  one bucket's patients are held at a time. Resources that reference no known patient
  are counted, never silently dropped.
- :func:`bundles_to_ndjson` turns Bundles (Synthea's transaction Bundles, plain or gzip)
  into an export folder, rewriting ``urn:uuid:`` references to ``Type/id``.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import os
import re
import shutil
import tempfile
import zlib
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import IO, Any, cast

import orjson

from spinecare.documents import GZIP_MAGIC, inflated_limit, load_document, parse_json
from spinecare.errors import InputError, RecordError
from spinecare.fhir.reader import (
    Measures,
    RecordBuilder,
    bundle_binaries,
    bundle_questionnaires,
    bundle_resources,
    forms_by_name,
    held_binary,
    in_bundle,
    linked_patients,
    medication_from_fhir,
    read_as,
    resource_ref,
)
from spinecare.messages import N_, Message, located
from spinecare.record.model import PatientRecord

__all__ = [
    "RESOURCE_TYPES",
    "Line",
    "NdjsonError",
    "Tally",
    "add_drug",
    "bundles_to_ndjson",
    "export_files",
    "iter_lines",
    "iter_records",
    "iter_resources",
    "load_shared",
    "parse_lines",
    "patient_id_of",
    "with_shared",
]

RESOURCE_TYPES: tuple[str, ...] = (
    "Patient",
    "Condition",
    "Observation",
    "MedicationRequest",
    "MedicationStatement",
    "MedicationDispense",
    "MedicationAdministration",
    "Medication",
    "Substance",
    "Procedure",
    "ServiceRequest",
    "FamilyMemberHistory",
    "DiagnosticReport",
    "QuestionnaireResponse",
    "Encounter",
    "Claim",
    "ExplanationOfBenefit",
    "ChargeItem",
    "Flag",
    "ClinicalImpression",
    "DetectedIssue",
    "DocumentReference",
    "Composition",
    "List",
    "ImagingStudy",
    "AdverseEvent",
    "EpisodeOfCare",
    "Communication",
    "RiskAssessment",
    "CarePlan",
    "Task",
    "CareTeam",
    "DeviceUseStatement",
    "Immunization",
    "Appointment",
    "Goal",
    "DeviceRequest",
    "CommunicationRequest",
    "BodyStructure",
    "Specimen",
    "Media",
    "Basic",
    "NutritionOrder",
    "GuidanceResponse",
    "RequestGroup",
    "AllergyIntolerance",
    "Device",
    "Bundle",
)
"""The resource types bulk screening reads, in the order they are read (a Bundle: the
resources it holds, :func:`held_resources`)."""

PATIENT_FIELD: dict[str, str] = {
    "Condition": "subject",
    "Observation": "subject",
    "MedicationRequest": "subject",
    "MedicationStatement": "subject",
    "MedicationDispense": "subject",
    "MedicationAdministration": "subject",
    "Procedure": "subject",
    "ServiceRequest": "subject",
    "FamilyMemberHistory": "patient",
    "DiagnosticReport": "subject",
    "QuestionnaireResponse": "subject",
    "Encounter": "subject",
    "Claim": "patient",
    "ExplanationOfBenefit": "patient",
    "ChargeItem": "subject",
    "Flag": "subject",
    "ClinicalImpression": "subject",
    "DetectedIssue": "patient",
    "DocumentReference": "subject",
    "Composition": "subject",
    "List": "subject",
    "ImagingStudy": "subject",
    "AdverseEvent": "subject",
    "EpisodeOfCare": "patient",
    "Communication": "subject",
    "RiskAssessment": "subject",
    "CarePlan": "subject",
    "Task": "for",
    "CareTeam": "subject",
    "DeviceUseStatement": "subject",
    "Immunization": "patient",
    "Appointment": "participant",
    "Goal": "subject",
    "DeviceRequest": "subject",
    "CommunicationRequest": "subject",
    "BodyStructure": "patient",
    "Specimen": "subject",
    "Media": "subject",
    "Basic": "subject",
    "NutritionOrder": "patient",
    "GuidanceResponse": "subject",
    "RequestGroup": "subject",
    "AllergyIntolerance": "patient",
    "Device": "patient",
}
"""Where each patient-scoped resource names its patient (an Appointment: the first of its
``participant`` whose ``actor`` is a Patient)."""

FACT_FILES = (*PATIENT_FIELD, "Bundle")
"""The types of the files whose lines give a patient's facts (the Patient files aside)."""

FILE_NAME = re.compile(r"^([A-Za-z]+)((?:[._-]\d+)*)\.(?:ndjson|jsonl)(?:\.gz)?$", re.IGNORECASE)
"""An export's file: its resource type (in any case), the numbers of its parts ("Condition.000",
"Condition-2", "Condition_2", "condition.001.002"), NDJSON or JSON Lines, gzip or not."""
_SKIP_CHUNK = 1 << 20
MAX_REPORTED = 50
BUCKET_BYTES = 64 * 1024 * 1024


class NdjsonError(InputError):
    """A malformed line in a Bulk export (raised with ``strict``)."""


@dataclass(frozen=True, slots=True)
class Line:
    """Where a resource came from: file, 1-based line number, and the file's ordinal."""

    file: str
    number: int
    ordinal: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.number}"


@dataclass
class Tally:
    """What a run read, skipped and set aside: nothing is dropped silently."""

    resources: Counter[str] = field(default_factory=Counter)
    malformed: int = 0
    bad_resources: int = 0
    unknown_patient: int = 0
    no_patient: int = 0
    other_types: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    files_not_read: int = 0

    def report(self, message: str) -> None:
        if len(self.problems) < MAX_REPORTED:
            self.problems.append(message)

    def merge(self, other: Tally) -> None:
        self.resources.update(other.resources)
        self.other_types.update(other.other_types)
        self.malformed += other.malformed
        self.bad_resources += other.bad_resources
        self.unknown_patient += other.unknown_patient
        self.no_patient += other.no_patient
        self.files_not_read += other.files_not_read
        for problem in other.problems:
            self.report(problem)

    def to_json(self) -> dict[str, Any]:
        return {
            "resources": dict(self.resources),
            "malformed_lines": self.malformed,
            "bad_resources": self.bad_resources,
            "unknown_patient": self.unknown_patient,
            "no_patient": self.no_patient,
            "other_types": dict(self.other_types),
            "problems": list(self.problems),
            "files_not_read": self.files_not_read,
        }


NOT_AN_EXPORT = Message("not a folder (a FHIR Bulk export is a folder of NDJSON files)")
LINE_PROBLEM = N_("line %(n)s: %(problem)s")
NAMES_NO_PATIENT = N_("%(where)s: %(ref)s names no patient")
UNKNOWN_PATIENT = N_("%(where)s: %(ref)s names a patient the export does not hold (%(patient)s)")


def export_files(folder: Path, types: Iterable[str] = RESOURCE_TYPES) -> list[tuple[str, Path]]:
    """The export's NDJSON files of the given types: ``(type, path)``, in reading order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(NOT_AN_EXPORT, source=str(folder))
    order = {t: i for i, t in enumerate(types)}
    named = {t.casefold(): t for t in types}
    found: list[tuple[int, tuple[int, ...], str, str, Path]] = []
    for path in folder.iterdir():
        match = FILE_NAME.match(path.name)
        # an earlier FHIR version's name of a type read ("MedicationOrder") is that type
        kind = named.get(read_as(match.group(1)).casefold()) if match else None
        if match and kind is not None and path.is_file():
            part = tuple(int(n) for n in re.findall(r"\d+", match.group(2))) or (-1,)
            found.append((order[kind], part, path.name, kind, path))
    found.sort()
    return [(kind, path) for _, _, _, kind, path in found]


NOT_READ = N_("not read: not named as a FHIR Bulk export's NDJSON file (Type.ndjson)")
FOLDER_NOT_READ = N_(
    "not read: a folder inside the export (its files, such as a later export's deleted"
    " resources, are not applied)"
)


def note_unread(folder: Path, tally: Tally) -> None:
    """Count and report, in ``tally``, the export's files not read for their names: any
    file but an NDJSON or JSON Lines file named by a resource type (a file named
    otherwise may hold what the screening needs: it is said, never passed over). Files of
    resource types the screening does not read are not these. A folder inside the export
    (a ``_since`` export's ``deleted/``) is said too: what it holds is not applied."""
    for path in sorted(Path(folder).iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_dir():
            tally.files_not_read += 1
            tally.report(located(str(path), Message(FOLDER_NOT_READ)))
        elif path.is_file() and not FILE_NAME.match(path.name):
            tally.files_not_read += 1
            tally.report(located(str(path), Message(NOT_READ)))


def _open(path: Path) -> IO[bytes]:
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == GZIP_MAGIC:
        return cast(IO[bytes], gzip.open(path, "rb"))
    return open(path, "rb")


def iter_lines(path: Path, limit: int | None = None) -> Iterator[tuple[int, bytes]]:
    """``(line number, raw line)`` of a plain or gzip file, blank lines skipped.

    A line longer than ``limit`` bytes (default: the document cap,
    :func:`~spinecare.documents.inflated_limit`) is never read whole: its first
    ``limit + 1`` bytes are given (so :func:`parse_line` reports it) and the rest skipped.
    """
    cap = inflated_limit() if limit is None else limit
    try:
        with _open(path) as handle:
            number = 0
            while True:
                raw = handle.readline(cap + 1)
                if not raw:
                    break
                number += 1
                if raw[:1] == b"\xef" and raw.startswith(codecs.BOM_UTF8):
                    # a byte order mark before a line (a Windows tool's, before the first;
                    # before any, in parts of an export joined into one file)
                    raw = raw[3:]
                if len(raw) > cap and not raw.endswith(b"\n"):
                    rest = raw
                    while rest and not rest.endswith(b"\n"):
                        rest = handle.readline(_SKIP_CHUNK)
                if not raw.isspace():  # not strip(): no copy of the line
                    yield number, raw
    except (OSError, EOFError, zlib.error) as err:
        raise InputError(
            Message("cannot read (%(reason)s)", reason=str(err)), source=str(path)
        ) from None


def parse_line(raw: bytes, where: Line, limit: int | None = None) -> dict[str, Any]:
    """One NDJSON line as a resource; raises :class:`NdjsonError` naming file and line."""
    cap = inflated_limit() if limit is None else limit
    if len(raw) > cap:
        raise NdjsonError(
            Message(
                "line %(n)s: longer than %(cap)s bytes, the limit for one resource",
                n=where.number,
                cap=cap,
            ),
            source=where.file,
        )
    try:
        resource = parse_json(raw, where.file)
    except RecordError as err:
        raise NdjsonError(
            Message(LINE_PROBLEM, n=where.number, problem=err.message), source=where.file
        ) from None
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        raise NdjsonError(
            Message("line %(n)s: not a FHIR resource (no resourceType)", n=where.number),
            source=where.file,
        )
    return _read_as(resource)


def _read_as(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource with the type the reader reads it as (:func:`read_as`: "condition" is
    a Condition), so that bulk and the single-patient reader see one type."""
    kind = resource["resourceType"]
    if kind not in PATIENT_FIELD and kind not in _OWN_KINDS:
        same = read_as(kind)
        if same != kind:
            return {**resource, "resourceType": same}
    return resource


_OWN_KINDS = frozenset({"Patient", "Medication", "Substance", "Bundle"})


def iter_resources(
    folder: Path,
    tally: Tally | None = None,
    *,
    strict: bool = False,
    types: Iterable[str] = RESOURCE_TYPES,
    share: tuple[int, int] | None = None,
    only: Collection[str] | None = None,
) -> Iterator[tuple[dict[str, Any], Line]]:
    """Every resource of the export with where it came from.

    Malformed lines are reported and counted in ``tally`` and skipped (``strict``: raised).
    ``share`` ``(k, n)``: the lines whose number in a count of the lines read (every file,
    blank lines aside) is ``k`` modulo ``n``, so that ``n`` parallel workers share the
    lines. ``only``: read the files of these of ``types`` alone, each numbered (its
    :attr:`Line.ordinal`) as when all are read.
    """
    tally = tally if tally is not None else Tally()
    k, n = share if share is not None else (0, 1)
    counter = 0
    limit = inflated_limit()
    # one loop (not parse_lines over a filter over iter_lines): a bulk worker reads every
    # line of the export and parses its share, a few microseconds a line, so each layer
    # of generators a line passes through counts
    for ordinal, (kind, path) in enumerate(export_files(folder, types)):
        if only is not None and kind not in only:
            continue
        file = str(path)
        try:
            for number, raw in iter_lines(path, limit):
                counter += 1
                if counter % n != k:
                    continue
                where = Line(file, number, ordinal)
                try:
                    resource = parse_line(raw, where, limit)
                except NdjsonError as err:
                    _malformed(err, tally, strict)
                    continue
                yield resource, where
        except InputError as err:
            # a file damaged part way (a gzip cut short): the lines before the damage are
            # read, the rest of the file is one malformed part, said by one worker (every
            # worker reads every line), never the reason the other files go unread
            if strict or isinstance(err, NdjsonError):
                raise
            if k == 0:
                tally.malformed += 1
                tally.report(err.one_line())


def parse_lines(
    lines: Iterable[tuple[int, bytes]],
    file: str,
    ordinal: int,
    tally: Tally,
    *,
    strict: bool = False,
    limit: int | None = None,
) -> Iterator[tuple[dict[str, Any], Line]]:
    """``(resource, Line)`` for ``(line number, raw line)`` pairs of one file.

    Malformed lines are reported and counted in ``tally`` and skipped (``strict``: raised).
    ``limit``: the longest line read (default: the document cap).
    """
    cap = inflated_limit() if limit is None else limit
    for number, raw in lines:
        where = Line(file, number, ordinal)
        try:
            resource = parse_line(raw, where, cap)
        except NdjsonError as err:
            _malformed(err, tally, strict)
            continue
        yield resource, where


_PLACE = re.compile(r"^(.*?):(?: line )?(\d+)\b")


def in_file_order(problems: Iterable[str], folder: Path) -> list[str]:
    """Problems in the order of the export's files and lines (each begins with its file
    and line: ``file:12: ...`` or ``file: line 12: ...``); any other after them, as
    given."""
    order = {str(path): i for i, (_, path) in enumerate(export_files(folder))}
    last = len(order)

    def place(problem: str) -> tuple[int, int]:
        found = _PLACE.match(problem)
        if found is None:
            return last + 1, 0
        return order.get(found.group(1), last), int(found.group(2))

    return sorted(problems, key=place)


def _malformed(err: NdjsonError, tally: Tally, strict: bool) -> None:
    """A line that cannot be read: raised (``strict``), else counted and reported."""
    if strict:
        raise err
    tally.malformed += 1
    tally.report(err.one_line())


def reference_id(reference: object, kind: str = "Patient") -> str | None:
    """The id in ``Patient/123``, ``https://x/Patient/123/_history/2`` or ``urn:uuid:123``
    (also written ``Patient/123/``, `` Patient/123`` or ``patient/123``)."""
    if not isinstance(reference, str) or not reference:
        return None
    if kind == "Patient" and reference.startswith("Patient/"):
        rest = reference[8:]
        if rest and "/" not in rest and rest != "_history" and not rest[-1].isspace():
            return rest  # Patient/123: what the reading below gives, without splitting
    # as written, else with spaces around it or a slash after it, the type in any case
    reference = reference.strip().rstrip("/")
    if reference.startswith("urn:uuid:"):
        return reference[9:]
    parts = reference.split("/")
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) >= 2 and parts[-2].casefold() == kind.casefold() and parts[-1]:
        return parts[-1]
    return None


def patient_id_of(resource: Mapping[str, Any]) -> str | None:
    """The patient a resource belongs to (a Patient's own id), or None."""
    kind = resource.get("resourceType")
    if kind == "Patient":
        rid = resource.get("id")
        return rid if isinstance(rid, str) and rid else None
    key = PATIENT_FIELD.get(str(kind))
    if key is None:
        return None
    if key == "participant":
        return _participant_patient(resource.get(key))
    node = resource.get(key)
    if node is None:  # the other of the two names FHIR gives the patient ("patient" on a
        node = resource.get("patient" if key == "subject" else "subject")  # Condition)
    if not isinstance(node, dict):
        return None
    reference = node.get("reference")
    found = reference_id(reference)
    if found is None and isinstance(reference, str) and _BARE_ID.fullmatch(reference.strip()):
        # the patient's id alone ("p1"): as the single-patient reader takes such a
        # resource as its patient's, the export's Patient of that id (else an unknown one)
        return reference.strip()
    return found


_BARE_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
"""A FHIR id written alone where a reference was due."""


@dataclass(frozen=True)
class KnownPatients:
    """The patients of an export: the ids of its Patient resources, and the other ids
    their ``Patient.link`` names that no Patient of the export has (a record merged into
    one of them, whose resources still name the old id: read as that patient's, as the
    reader reads them in a Bundle). An id two patients link is nobody's."""

    ids: frozenset[str]
    aliases: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, patients: Iterable[tuple[str, Iterable[str]]]) -> KnownPatients:
        """From ``(patient id, linked ids)`` of each Patient resource."""
        found = list(patients)
        ids = frozenset(pid for pid, _ in found)
        aliases: dict[str, str | None] = {}
        for pid, linked in found:
            for other in linked:
                if other not in ids and other != pid:
                    aliases[other] = pid if aliases.get(other, pid) == pid else None
        return cls(ids, {k: v for k, v in aliases.items() if v is not None})

    def patient(self, pid: str) -> str | None:
        """The patient whose resources name ``pid``, or None (an unknown patient)."""
        return pid if pid in self.ids else self.aliases.get(pid)

    def __len__(self) -> int:
        return len(self.ids)


def patient_keys(resource: Mapping[str, Any]) -> tuple[str, list[str]] | None:
    """A Patient resource's id and the ids it links (:class:`KnownPatients`), or None
    (another resource, or a Patient without an id)."""
    if resource.get("resourceType") != "Patient":
        return None
    pid = patient_id_of(resource)
    return (pid, linked_patients(resource)) if pid is not None else None


def known_patients(folder: Path) -> KnownPatients:
    """The patients of the export's Patient files (their malformed lines are counted
    where the files are read for their facts)."""
    found = (
        patient_keys(resource)
        for resource, _ in iter_resources(folder, Tally(), types=("Patient",))
    )
    return KnownPatients.of(keys for keys in found if keys is not None)


def _participant_patient(participants: object) -> str | None:
    """The patient among an Appointment's participants (the first actor named Patient)."""
    for item in participants if isinstance(participants, list) else ():
        actor = item.get("actor") if isinstance(item, dict) else None
        reference = actor.get("reference") if isinstance(actor, dict) else None
        if isinstance(reference, str) and "patient/" in reference.casefold():
            return reference_id(reference)
    return None


DRUG_KINDS = ("Medication", "Substance")
"""The export's resources a drug entry may name rather than hold: its Medication
(``medicationReference``) and the Substances or Medications that Medication names as its
ingredients (``ingredient.itemReference``). They name no patient: every reader of the
export holds them all, by ``Type/id``."""


SHARED_KINDS = (*DRUG_KINDS, "Binary", "Questionnaire")
"""The export's resources that name no patient and that a patient's resources name, held
by every reader by ``Type/id``: the drugs (:data:`DRUG_KINDS`), the Binaries a document's
content links to (``Binary/b1``) and the Questionnaires whose questions a response answers
by ``linkId`` alone; read as the single-record reader reads them beside their Bundle."""


class Shared(dict[str, dict[str, Any]]):
    """The export's :data:`SHARED_KINDS` by ``Type/id``, with the views the reader takes
    (its Binaries, the words of its forms' questions), made once."""

    @cached_property
    def binaries(self) -> dict[str, dict[str, Any]]:
        return {ref: res for ref, res in self.items() if ref.startswith("Binary/")}

    @cached_property
    def forms(self) -> dict[str, dict[str, str]]:
        return forms_by_name(
            (res, None) for ref, res in self.items() if ref.startswith("Questionnaire/")
        )


def load_shared(folder: Path, tally: Tally | None = None, *, strict: bool = False) -> Shared:
    """The export's resources a patient's resources name (:data:`SHARED_KINDS`)."""
    out = Shared()
    for resource, line in iter_resources(folder, tally, strict=strict, types=SHARED_KINDS):
        add_drug(out, resource, line, tally)
    return out


def with_shared(resource: dict[str, Any], shared: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """``resource`` with what the export's shared resources give it, as a Bundle's give a
    resource of the Bundle (:func:`~spinecare.fhir.reader.in_bundle`): the content of the
    Binaries its attachments link to, the words of the questions it answers."""
    kind = resource.get("resourceType")
    if kind not in _ATTACHING and kind != "QuestionnaireResponse":
        return resource  # holds no attachment nor answer (most of an export's lines)
    if not isinstance(shared, Shared):
        shared = Shared(shared)
    binaries = shared.binaries if kind in _ATTACHING else {}
    forms = shared.forms if kind == "QuestionnaireResponse" else {}
    if not (binaries or forms):
        return resource
    return dict(in_bundle(resource, binaries, forms))


_ATTACHING = frozenset(
    {"DocumentReference", "DiagnosticReport", "Media", "Communication", "Composition"}
)
"""The resources bulk screening reads whose content may be an attachment that links to a
Binary (a document's ``content``, a report's ``presentedForm``, a message's ``payload``)."""


SAME_ID = N_(
    "%(ref)s is written twice with different content: the drug entries that name it are"
    " read as naming both"
)
SAME_ID_KEPT = N_(
    "%(ref)s is written twice with different content: the first is read, the second is not"
)
_NOT_CONTENT = frozenset({"meta", "text"})
"""What two copies of one resource may differ in and still be the same (a version, a
narrative): an export joined with a later one repeats them so."""


def add_drug(
    held: dict[str, dict[str, Any]],
    resource: dict[str, Any],
    line: Line | None,
    tally: Tally | None,
) -> None:
    """``resource`` (a Medication or Substance) into ``held`` by ``Type/id``. Two of one
    id that differ in more than their version (exports joined, an id reused) are neither
    one nor the other: the entries that name it read both, their codes, names and
    ingredients together (never the last line's drug in silence: warfarin read as
    paracetamol), and the clash is reported with its file and line."""
    if resource.get("resourceType") == "Binary":
        resource = dict(held_binary(resource))  # its words, not a file's megabytes
    ref = resource_ref(resource)
    before = held.get(ref)
    if before is None or _content(before) == _content(resource):
        held[ref] = resource
        return
    if resource.get("resourceType") not in DRUG_KINDS:
        # a document's content or a form written twice: the first stands, the clash is said
        if tally is not None:
            tally.report(located(str(line) if line else ref, Message(SAME_ID_KEPT, ref=ref)))
        return
    held[ref] = {
        "resourceType": resource.get("resourceType"),
        "id": resource.get("id"),
        "code": {
            "coding": [*_listed(before, "code", "coding"), *_listed(resource, "code", "coding")],
            "text": "; ".join(
                t for t in dict.fromkeys(_code_text(before) + _code_text(resource)) if t
            )
            or None,
        },
        "ingredient": [*_listed(before, "ingredient"), *_listed(resource, "ingredient")],
    }
    if tally is not None:
        tally.report(located(str(line) if line else ref, Message(SAME_ID, ref=ref)))


def _content(resource: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k not in _NOT_CONTENT}


def _listed(resource: Mapping[str, Any], key: str, inner: str | None = None) -> list[Any]:
    """The items of ``resource[key]`` (of ``resource[key][inner]``) where that is a list."""
    node: Any = resource.get(key)
    if inner is not None:
        node = node.get(inner) if isinstance(node, dict) else None
    return [item for item in node if isinstance(item, dict)] if isinstance(node, list) else []


def _code_text(resource: Mapping[str, Any]) -> list[str]:
    code = resource.get("code")
    text = code.get("text") if isinstance(code, dict) else None
    return [text.strip()] if isinstance(text, str) and text.strip() else []


def medication_resolver(
    medications: Mapping[str, dict[str, Any]],
) -> Callable[[str], dict[str, Any] | None]:
    """A resolver of references to the export's Medication and Substance resources."""

    def resolve(reference: str) -> dict[str, Any] | None:
        for kind in DRUG_KINDS:
            rid = reference_id(reference, kind)
            found = medications.get(f"{kind}/{rid}") if rid else None
            if found is not None:
                return found
        return None

    return resolve


def named_drugs(
    resource: Mapping[str, Any], medications: Mapping[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The export's resources a drug entry names (:data:`DRUG_KINDS`), in the order the
    reader is given them: the ingredients its Medication names by reference, then that
    Medication; none for an entry that names none, or one the export does not hold."""
    if not medications:
        return []
    resolve = medication_resolver(medications)
    target = medication_target(resource)
    found = resolve(target) if target else None
    if found is None:
        return []
    out: list[dict[str, Any]] = []
    ingredients = found.get("ingredient")
    for item in ingredients if isinstance(ingredients, list) else ():
        reference = item.get("itemReference") if isinstance(item, dict) else None
        named = reference.get("reference") if isinstance(reference, dict) else None
        if isinstance(named, str) and named.strip() and not named.startswith("#"):
            held = resolve(named)  # one it holds ("#id") is read where it is
            if held is not None and held is not found:
                out.append(held)
    return [*out, found]


MEDICATION_KINDS = frozenset(
    {"MedicationRequest", "MedicationStatement", "MedicationDispense", "MedicationAdministration"}
)


def medication_target(resource: Mapping[str, Any]) -> str | None:
    """The Medication a drug entry names by reference (``medicationReference``, or R5's
    ``medication.reference``), where it is not held in the entry (``#id``) and no code
    is given instead; else None."""
    if resource.get("medicationCodeableConcept") is not None:
        return None
    node = resource.get("medicationReference")
    if node is None:  # R5: a CodeableReference
        held = resource.get("medication")
        node = held.get("reference") if isinstance(held, dict) else None
    if isinstance(node, dict):
        target = node.get("reference")
        if isinstance(target, str) and not target.startswith("#"):
            return target
    return None


def checked_add(
    builder: RecordBuilder,
    resource: dict[str, Any],
    where: Line,
    tally: Tally,
    medications: Mapping[str, dict[str, Any]],
    *,
    strict: bool = False,
) -> bool:
    """Add one resource; a resource the reader cannot read is reported (the reader sets
    it aside and keeps what can be read of it, to confirm); a Patient it cannot read is
    skipped."""
    before = len(builder.unreadable)
    problem: str | None = None
    try:
        if resource.get("resourceType") in MEDICATION_KINDS:
            # converted only in build(): check it now, so that it is reported here
            resolve = medication_resolver(medications)
            try:
                medication_from_fhir(resource, resource_ref(resource), resolve)
            except RecordError as err:
                problem = err.message
            for named in named_drugs(resource, medications):
                builder.add(named)  # from Medication.ndjson and Substance.ndjson
        builder.add(with_shared(resource, medications))
    except RecordError as err:
        problem = err.message
    if problem is None and len(builder.unreadable) > before:
        problem = builder.unreadable[-1]
    if problem is None:
        return True
    set_aside(tally, where, problem, strict)
    return False


def set_aside(tally: Tally, where: Line, problem: str, strict: bool) -> None:
    """A resource the reader cannot read at ``where``: counted and reported with its file
    and line (``strict``: raised as :class:`RecordError` naming them)."""
    if strict:
        raise RecordError(
            Message(LINE_PROBLEM, n=where.number, problem=problem), source=where.file
        ) from None
    tally.bad_resources += 1
    tally.report(located(str(where), problem))


def held_resources(
    resource: dict[str, Any], where: Line, tally: Tally, strict: bool = False
) -> list[dict[str, Any]]:
    """A line's resources: those a Bundle holds (a document or a search result carried in
    the export, read as the reader reads a Bundle inside a patient's: :func:`bundle_resources`),
    else the resource itself. A Bundle of another shape is reported (``strict``: raised)
    and gives none."""
    if resource["resourceType"] != "Bundle":
        return [resource]
    tally.resources["Bundle"] += 1
    try:
        held = bundle_resources(resource, str(where))
    except RecordError as err:
        set_aside(tally, where, err.message, strict)
        return []
    return [_read_as(dict(r)) for r in held if isinstance(r.get("resourceType"), str)]


def count_unknown(tally: Tally, where: Line, resource: Mapping[str, Any], named: str) -> None:
    """Count and report a resource of a patient the export holds no Patient of."""
    tally.unknown_patient += 1
    tally.report(
        Message(UNKNOWN_PATIENT, where=str(where), ref=resource_ref(resource), patient=named)
    )


def _bucket(pid: str, buckets: int) -> int:
    return int.from_bytes(hashlib.blake2b(pid.encode(), digest_size=4).digest(), "big") % buckets


def iter_records(
    folder: Path,
    measures: Measures,
    tally: Tally | None = None,
    *,
    strict: bool = False,
    bucket_bytes: int = BUCKET_BYTES,
    progress: Callable[[int], None] | None = None,
) -> Iterator[PatientRecord]:
    """One record per patient of the export (patients with a Patient resource).

    Each record receives its resources in reading order (type, file, line), the order
    the bulk fact tables number them in. Memory: one bucket of patients at a time.
    """
    folder = Path(folder)
    tally = tally if tally is not None else Tally()
    note_unread(folder, tally)
    medications = load_shared(folder, tally, strict=strict)
    known = known_patients(folder)
    files = export_files(folder)
    size = sum(path.stat().st_size * (6 if path.suffix == ".gz" else 1) for _, path in files)
    buckets = max(1, -(-size // bucket_bytes))
    if buckets == 1:
        yield from _records_of(
            _resources_in_memory(folder, tally, strict),
            known,
            measures,
            tally,
            medications,
            strict,
            progress,
        )
        return
    workdir = Path(tempfile.mkdtemp(prefix="spinecare-buckets-"))
    try:
        with ExitStack() as stack:
            handles = [
                stack.enter_context(open(workdir / f"{i}.bin", "wb")) for i in range(buckets)
            ]
            lines = iter_resources(folder, tally, strict=strict)
            for resource, where in _unbundled(lines, tally, strict):
                if resource["resourceType"] in SHARED_KINDS:
                    continue
                pid = patient_id_of(resource)
                key = (known.patient(pid) or "") if pid is not None else ""
                head = orjson.dumps([where.file, where.number, where.ordinal])
                handles[_bucket(key, buckets)].write(head + b"\t" + orjson.dumps(resource) + b"\n")
        for i in range(buckets):
            yield from _records_of(
                _resources_in_bucket(workdir / f"{i}.bin"),
                known,
                measures,
                tally,
                medications,
                strict,
                progress,
            )
            os.unlink(workdir / f"{i}.bin")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _resources_in_memory(
    folder: Path, tally: Tally, strict: bool
) -> Iterator[tuple[dict[str, Any], Line]]:
    for resource, where in _unbundled(iter_resources(folder, tally, strict=strict), tally, strict):
        if resource["resourceType"] not in SHARED_KINDS:
            yield resource, where


def _unbundled(
    lines: Iterable[tuple[dict[str, Any], Line]], tally: Tally, strict: bool
) -> Iterator[tuple[dict[str, Any], Line]]:
    """The resources of the lines, a Bundle's in its place (:func:`held_resources`)."""
    for line, where in lines:
        if line["resourceType"] == "Bundle":
            for resource in held_resources(line, where, tally, strict):
                yield resource, where
        else:
            yield line, where


def _resources_in_bucket(path: Path) -> Iterator[tuple[dict[str, Any], Line]]:
    with open(path, "rb") as handle:
        for raw in handle:
            head, _, body = raw.partition(b"\t")
            file, number, ordinal = orjson.loads(head)
            yield orjson.loads(body), Line(file, number, ordinal)


def _records_of(
    resources: Iterable[tuple[dict[str, Any], Line]],
    known: KnownPatients,
    measures: Measures,
    tally: Tally,
    medications: Mapping[str, dict[str, Any]],
    strict: bool,
    progress: Callable[[int], None] | None,
) -> Iterator[PatientRecord]:
    """Group resources by patient and build each record (in first-seen patient order)."""
    grouped: dict[str, list[tuple[dict[str, Any], Line]]] = {}
    for resource, where in resources:
        kind = resource["resourceType"]
        tally.resources[kind] += 1
        named = patient_id_of(resource)
        if kind not in PATIENT_FIELD and kind != "Patient":
            tally.other_types[kind] += 1
            continue
        if named is None:
            tally.no_patient += 1
            tally.report(Message(NAMES_NO_PATIENT, where=str(where), ref=resource_ref(resource)))
            continue
        pid = known.patient(named)
        if pid is None:
            count_unknown(tally, where, resource, named)
            continue
        grouped.setdefault(pid, []).append((resource, where))
    for pid, items in grouped.items():
        builder = RecordBuilder(measures, f"Patient/{pid}")
        for resource, where in items:
            checked_add(builder, resource, where, tally, medications, strict=strict)
        yield builder.build()
        if progress is not None:
            progress(1)


# ---------------------------------------------------------------------------------------
# Bundles -> export folder


def _bundle_files(inputs: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for item in inputs:
        item = Path(item)
        if item.is_dir():
            out.extend(sorted(p for p in item.iterdir() if p.name.endswith((".json", ".json.gz"))))
        else:
            out.append(item)
    return out


def _rewrite_references(node: Any, targets: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "reference" and isinstance(value, str) and value in targets:
                out[key] = targets[value]
            else:
                out[key] = _rewrite_references(value, targets)
        return out
    if isinstance(node, list):
        return [_rewrite_references(value, targets) for value in node]
    return node


def _flat_entries(bundle: Mapping[str, Any], depth: int = 0) -> Iterator[dict[str, Any]]:
    """A Bundle's entries, those of a Bundle inside it in its place (as the reader reads
    them, at most ``reader.NESTED_BUNDLES`` deep)."""
    from spinecare.fhir.reader import NESTED_BUNDLES

    for entry in bundle.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        res = entry.get("resource")
        if isinstance(res, dict) and res.get("resourceType") == "Bundle":
            if depth < NESTED_BUNDLES:
                yield from _flat_entries(res, depth + 1)
            continue
        yield entry


def bundles_to_ndjson(inputs: list[Path], outdir: Path) -> dict[str, int]:
    """Write the resources of Bundles (files or folders of ``*.json[.gz]``) as an export.

    One ``Type.ndjson`` per resource type in ``outdir``; ``urn:uuid:`` references between
    entries become ``Type/id``. Returns the number of resources written per type.
    Raises :class:`RecordError` naming the file for input that is not a Bundle.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    handles: dict[str, IO[bytes]] = {}
    counts: Counter[str] = Counter()
    with ExitStack() as stack:
        for path in _bundle_files(inputs):
            bundle = load_document(path, str(path), yaml_allowed=False)
            if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
                raise RecordError(Message("not a FHIR Bundle"), source=str(path))
            entries = list(_flat_entries(bundle))
            # an attachment that links to a Binary of the Bundle keeps its content, an
            # answer the words of its question: the export says what the Bundle says (an
            # export's reader follows no link)
            binaries = bundle_binaries(bundle)
            questionnaires = bundle_questionnaires(bundle)
            targets: dict[str, str] = {}
            for entry in entries:
                res = entry.get("resource")
                full_url = entry.get("fullUrl")
                if isinstance(res, dict) and isinstance(full_url, str) and not res.get("id"):
                    # a transaction's new resource has no id yet: the uuid of its full URL
                    # is its id in the export, so that what names it still finds it
                    uuid = full_url.removeprefix("urn:uuid:")
                    if uuid != full_url and uuid.strip():
                        res = entry["resource"] = {**res, "id": uuid.strip()}
                if isinstance(res, dict) and isinstance(full_url, str) and res.get("id"):
                    targets[full_url] = f"{res.get('resourceType')}/{res['id']}"
            for entry in entries:
                res = entry.get("resource")
                if not isinstance(res, dict) or not isinstance(res.get("resourceType"), str):
                    continue
                kind = res["resourceType"]
                res = in_bundle(res, binaries, questionnaires)
                if targets:
                    res = _rewrite_references(res, targets)
                handle = handles.get(kind)
                if handle is None:
                    handle = stack.enter_context(open(outdir / f"{kind}.ndjson", "wb"))
                    handles[kind] = handle
                handle.write(orjson.dumps(res) + b"\n")
                counts[kind] += 1
    return dict(sorted(counts.items()))
