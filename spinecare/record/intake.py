"""Read an intake file: the project's own patient record, for therapists with no EHR.

An intake file is YAML or JSON (``format: spinecare-intake/1``); ``docs/intake.md`` is
the format reference. Reading has two steps:

1. shape: strict pydantic models (:class:`IntakeFile` and its parts). Unknown keys are
   errors that list the allowed keys; dates are ISO ``YYYY-MM-DD``.
2. meaning: concept ids, measure ids, question ids, answer values and zone names are
   checked against plain lookups taken from the knowledge base; vitals are converted
   to their measure's unit and checked for plausibility.

The first problem found raises :class:`~spinecare.errors.RecordError` (or its subclass
:class:`~spinecare.errors.UnitError`) naming the field path, for instance
``vitals[1].value: ...``. Every fact in the resulting record carries a ``ref`` such as
``ivanova.yaml#conditions[0]``, ``#vitals[1]``, ``#pain`` or ``#answers.fever_today``.

Missing data stays missing: the reader never invents an answer or a measurement. How
an absent value counts (UNKNOWN, or not present) is the engine's business, decided by
the KB (``when_missing`` in ``data.yaml``).
"""

from __future__ import annotations

import difflib
import os
import re
import reprlib
from collections.abc import Collection, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypedDict

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from spinecare.dates import ISO_DATE, date_problem
from spinecare.errors import RecordError, UnitError
from spinecare.kb.schema import Language, SystemName
from spinecare.kb.strict import Strict
from spinecare.messages import N_, Message, Quantity, located
from spinecare.record.model import (
    Answer,
    Clearance,
    Coding,
    Condition,
    Medication,
    Observation,
    Patient,
    PatientRecord,
    Procedure,
)
from spinecare.record.units import canonical_unit, convert

if TYPE_CHECKING:
    from spinecare.kb.loader import KB

__all__ = [
    "FORMAT",
    "ZONE_SYSTEM",
    "IntakeFile",
    "IntakeLookups",
    "intake_lookups",
    "load_file",
    "looks_like_intake",
    "parse_yaml",
    "read_intake",
]

FORMAT = "spinecare-intake/1"
"""The one format version this reader understands (the file's ``format`` key)."""
FORMAT_PREFIX = "spinecare-intake/"
ZONE_SYSTEM = "spinecare-zone"
"""``Coding.system`` of a body site given by zone name (``zone: lumbosacral``)."""

PAIN_MEASURE = "pain_score"
BP_MEASURES = ("systolic_bp", "diastolic_bp")

PLAUSIBLE: dict[str, tuple[float, float]] = {
    # Input checks, not clinical rules: values outside these ranges (in the measure's
    # unit, after conversion) are typing or unit mistakes, refused rather than screened.
    # A typed intake is held to these, narrower than what a record's reading may be; any
    # other measure (an eGFR, an INR, a platelet count) to the KB measure's plausible range.
    "systolic_bp": (50, 300),  # mm[Hg]
    "diastolic_bp": (20, 200),  # mm[Hg]
    "body_temperature": (30, 45),  # Cel
    "pain_score": (0, 10),  # {score}
}

# ---------------------------------------------------------------------------------------
# Field types


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist, _REPR.maxstring, _REPR.maxother = 2, 4, 4, 60, 60


def _shown(value: object) -> str:
    """A value as a message quotes it: cut short, however large or deep it is (a file's
    value is named, never written out whole)."""
    return _REPR.repr(value)


def _iso_date(value: object) -> object:
    if isinstance(value, datetime):
        raise ValueError(Message("expected a date YYYY-MM-DD without a time"))
    if isinstance(value, date):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            reason = date_problem(value.strip())
            raise ValueError(
                Message(
                    "not a real date: %(value)s (%(reason)s)", value=_shown(value), reason=reason
                )
            ) from None
    raise ValueError(Message("expected a date YYYY-MM-DD, got %(value)s", value=_shown(value)))


def _number_as_text(value: object) -> object:
    """Codes and ids written as bare numbers (``code: 855332``) are read as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _fhir_id(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9.\-]{1,64}", value):
        raise ValueError(
            Message(
                "%(value)s is not a valid patient id: use 1-64 letters, digits, '-' or '.'",
                value=_shown(value),
            )
        )
    return value


def _snake_id(value: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
        raise ValueError(
            Message("%(value)s is not an id (lower_snake_case, as in the KB)", value=_shown(value))
        )
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Id = Annotated[str, AfterValidator(_snake_id)]
CodeText = Annotated[
    str, BeforeValidator(_number_as_text), StringConstraints(strip_whitespace=True, min_length=1)
]
PatientId = Annotated[str, BeforeValidator(_number_as_text), AfterValidator(_fhir_id)]
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]

ConditionStatus = Literal["active", "recurrence", "relapse", "inactive", "remission", "resolved"]
Verification = Literal[
    "unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error"
]
MedicationStatus = Literal[
    "active",
    "on-hold",
    "intended",
    "unknown",
    "completed",
    "stopped",
    "cancelled",
    "not-taken",
    "entered-in-error",
]
ProcedureStatus = Literal[
    "completed", "in-progress", "preparation", "on-hold", "stopped", "not-done", "entered-in-error"
]

CODE_PATTERNS: dict[str, str] = {
    # The ICD-10 dot is optional here: the code matcher ignores it.
    "icd10": r"[A-Za-z][0-9][0-9A-Za-z]\.?[0-9A-Za-z]{0,4}",
    "icd10cm": r"[A-Za-z][0-9][0-9A-Za-z]\.?[0-9A-Za-z]{0,4}",
    "snomed": r"[1-9][0-9]{5,17}",
    "loinc": r"[0-9]{1,7}-[0-9]",
    "rxnorm": r"[0-9]{1,8}",
}

# ---------------------------------------------------------------------------------------
# The file's shape


class IntakePatient(Strict):
    id: PatientId
    name: Text | None = None
    birth_date: IsoDate | None = None
    sex: Literal["female", "male", "other", "unknown"] | None = None
    language: Language | None = None


class Coded(Strict):
    """A fact named by KB concept id (``concept``) or coded (``code`` with ``system``)."""

    concept: Id | None = None
    code: CodeText | None = None
    system: SystemName | None = None
    display: Text | None = None

    @model_validator(mode="after")
    def _named_or_coded(self) -> Coded:
        if self.concept is not None and (self.code is not None or self.system is not None):
            raise ValueError(Message("give either concept or code with system, not both"))
        if self.concept is None and self.code is None:
            raise ValueError(Message("give either concept (a KB concept id) or code with system"))
        if self.code is not None and self.system is None:
            raise ValueError(
                Message(
                    "code %(code)s needs its system (%(systems)s)",
                    code=self.code,
                    systems=", ".join(CODE_PATTERNS),
                )
            )
        if self.system is not None and self.code is None:
            raise ValueError(Message("system needs a code"))
        if (
            self.system is not None
            and self.code is not None
            and not re.fullmatch(CODE_PATTERNS[self.system], self.code)
        ):
            raise ValueError(
                Message(
                    "%(code)s is not a valid %(system)s code",
                    code=_shown(self.code),
                    system=self.system,
                )
            )
        return self

    def codings(self) -> tuple[Coding, ...]:
        if self.system is None or self.code is None:
            return ()
        return (Coding(system=self.system, code=self.code, display=self.display),)


class IntakeCondition(Coded):
    status: ConditionStatus | None = None
    verification: Verification | None = None
    onset: IsoDate | None = None
    abatement: IsoDate | None = None
    zone: Id | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> IntakeCondition:
        if self.onset and self.abatement and self.abatement < self.onset:
            raise ValueError(Message("abatement is before onset"))
        return self


class IntakeMedication(Coded):
    status: MedicationStatus | None = None
    start: IsoDate | None = None
    end: IsoDate | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> IntakeMedication:
        if self.start and self.end and self.end < self.start:
            raise ValueError(Message("end is before start"))
        return self


class IntakeProcedure(Coded):
    date: IsoDate
    status: ProcedureStatus = "completed"
    zone: Id | None = None


class IntakeVital(Strict):
    """``{measure, value, unit, date}``, or the shorthand ``{blood_pressure: 135/85, date}``."""

    measure: Id | None = None
    value: Number | None = None
    unit: Text | None = None
    blood_pressure: Text | None = None
    date: IsoDate | None = None

    @field_validator("blood_pressure")
    @classmethod
    def _systolic_over_diastolic(cls, text: str | None) -> str | None:
        if text is not None and not re.fullmatch(r"\d+(\.\d+)?\s*/\s*\d+(\.\d+)?", text):
            raise ValueError(
                Message(
                    "write systolic/diastolic, for example 135/85; got %(text)s", text=_shown(text)
                )
            )
        return text

    @model_validator(mode="after")
    def _one_form(self) -> IntakeVital:
        if self.blood_pressure is not None:
            if self.measure is not None or self.value is not None:
                raise ValueError(
                    Message("blood_pressure is a shorthand: do not add measure or value")
                )
        elif self.measure is None:
            raise ValueError(Message("give measure with value (and unit), or blood_pressure"))
        elif self.value is None:
            raise ValueError(Message("measure %(measure)s needs a value", measure=self.measure))
        return self


class IntakePain(Strict):
    score: Annotated[int, Field(strict=True, ge=0, le=10)]
    date: IsoDate | None = None


class IntakeClearance(Strict):
    concepts: list[Id] = Field(min_length=1)
    decision: Literal["cleared", "declined"]
    by: Text
    date: IsoDate | None = None
    note: Text | None = None
    valid_until: IsoDate | None = None


class IntakeFile(Strict):
    """The whole intake file (``docs/intake.md``)."""

    format: Literal["spinecare-intake/1"]
    patient: IntakePatient
    date: IsoDate
    conditions: list[IntakeCondition] = Field(default_factory=list)
    vitals: list[IntakeVital] = Field(default_factory=list)
    pain: IntakePain | None = None
    medications: list[IntakeMedication] = Field(default_factory=list)
    procedures: list[IntakeProcedure] = Field(default_factory=list)
    answers: dict[str, Any] = Field(default_factory=dict)
    answered_on: dict[str, IsoDate] = Field(default_factory=dict)
    clearances: list[IntakeClearance] = Field(default_factory=list)

    @field_validator(
        "conditions",
        "vitals",
        "medications",
        "procedures",
        "answers",
        "answered_on",
        "clearances",
        mode="before",
    )
    @classmethod
    def _blank_is_empty(cls, value: object, info: ValidationInfo) -> object:
        # ``conditions:`` left blank in YAML reads as null: take it as an empty list.
        if value is None:
            return {} if info.field_name in ("answers", "answered_on") else []
        return value


# ---------------------------------------------------------------------------------------
# Public functions


class IntakeLookups(TypedDict):
    """The KB lookups :func:`read_intake` checks against (see :func:`intake_lookups`)."""

    concepts: Collection[str]
    measures: Mapping[str, str]
    questions: Mapping[str, tuple[str, tuple[str, ...]]]
    zones: Collection[str]
    plausible: Mapping[str, tuple[float, float]]


def intake_lookups(kb: KB) -> IntakeLookups:
    """The lookups for :func:`read_intake` from a loaded KB: ``read_intake(p, **lookups)``."""
    return {
        "concepts": frozenset(kb.concepts),
        "measures": {m.id: m.unit for m in kb.measures.values()},
        "questions": {
            q.id: (q.type, tuple(c.value for c in q.choices)) for q in kb.questions.values()
        },
        "zones": frozenset(kb.zones),
        "plausible": {
            m.id: (m.plausible.low, m.plausible.high)
            for m in kb.measures.values()
            if m.plausible is not None
        },
    }


def looks_like_intake(data: object) -> bool:
    """True for a mapping whose ``format`` starts with ``spinecare-intake/``."""
    if not isinstance(data, Mapping):
        return False
    fmt = data.get("format")
    return isinstance(fmt, str) and fmt.startswith(FORMAT_PREFIX)


def read_intake(
    data_or_path: Mapping[str, Any] | str | os.PathLike[str],
    *,
    concepts: Collection[str],
    measures: Mapping[str, str],
    questions: Mapping[str, tuple[str, tuple[str, ...]]],
    zones: Collection[str],
    plausible: Mapping[str, tuple[float, float]],
    source: str | None = None,
) -> PatientRecord:
    """Read an intake file (a path to YAML or JSON, or the already parsed mapping).

    ``concepts``: KB concept ids; ``measures``: measure id -> its unit (``systolic_bp`` ->
    ``mm[Hg]``); ``questions``: question id -> (``boolean`` or ``choice``, allowed
    choice values); ``zones``: zone ids; ``plausible``: measure id -> the KB's plausible
    range, for a measure :data:`PLAUSIBLE` does not hold. ``source`` names the file in
    refs and errors (default: the file name, or ``intake`` for a mapping).

    Raises :class:`~spinecare.errors.RecordError` for the first problem found.
    """
    if isinstance(data_or_path, Mapping):
        label = source or "intake"
        data: object = data_or_path
    else:
        path = Path(data_or_path)
        label = source or path.name
        data = load_file(path, label)
    reader = _Reader(label, concepts, measures, questions, zones, plausible)
    return reader.read(data)


def load_file(path: Path, label: str | None = None) -> object:
    """Parse a YAML or JSON intake file with the one document loader.

    YAML dates stay text (the models check them) and a key written twice is refused.
    """
    from spinecare.documents import load_document

    return load_document(path, label or path.name)


def parse_yaml(text: str | bytes, source: str) -> object:
    """Parse YAML safely, keeping dates as text and refusing a key written twice."""
    from spinecare.documents import parse_yaml as parse

    return parse(text, source)


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part != "[key]":
            out += f".{part}" if out else part
    return out


_REWORDED = {
    "missing": N_("required"),
    "model_type": N_("should be a mapping (key: value)"),
    "model_attributes_type": N_("should be a mapping (key: value)"),
    "dict_type": N_("should be a mapping (key: value)"),
    "list_type": N_("should be a list"),
}
"""Problems said in the file's own terms, without the value given."""

_SHAPE = {
    "int_type": N_("should be a valid integer"),
    "int_parsing": N_("should be a valid integer"),
    "int_from_float": N_("should be a valid integer"),
    "float_type": N_("should be a valid number"),
    "float_parsing": N_("should be a valid number"),
    "finite_number": N_("should be a finite number"),
    "bool_type": N_("should be a valid boolean"),
    "bool_parsing": N_("should be a valid boolean"),
    "string_type": N_("should be a valid string"),
    "string_too_short": N_("should not be empty"),
    "too_short": N_("should not be empty"),
    "literal_error": N_("should be %(expected)s"),
    "greater_than_equal": N_("should be greater than or equal to %(ge)s"),
    "less_than_equal": N_("should be less than or equal to %(le)s"),
    "greater_than": N_("should be greater than %(gt)s"),
    "less_than": N_("should be less than %(lt)s"),
}
"""The other problems of a value's shape (the value given is added)."""

PLAUSIBLE_RANGE = N_("%(value)s is outside the plausible range %(low)s-%(high)s")
GOT = N_("%(problem)s (got %(given)s)")
MORE_PROBLEMS = N_("%(problem)s (and %(n)s more problems)")
ONE_MORE_PROBLEM = N_("%(problem)s (and 1 more problem)")
ANOTHER_PROBLEM = N_("%(problem)s; %(other)s")
SHOWN_PROBLEMS = 5
"""How many of an intake file's problems its error names (the rest are counted)."""


def _problem(error: ErrorDetails) -> str:
    """One problem pydantic found, as a Message: the checks' own Messages as they are, the
    types pydantic names in the file's terms, and its words only for anything else."""
    kind = error["type"]
    if kind in _REWORDED:
        return Message(_REWORDED[kind])
    ctx = error.get("ctx") or {}
    if kind == "value_error":
        cause = ctx.get("error")
        said = cause.args[0] if isinstance(cause, ValueError) and cause.args else None
        if isinstance(said, Message):
            return said
        return error["msg"].removeprefix("Value error, ")
    if kind in _SHAPE:
        params: dict[str, str] = {k: str(ctx[k]) for k in ("ge", "le", "gt", "lt") if k in ctx}
        if "expected" in ctx:  # "'a', 'b' or 'c'": "or" in the reader's language
            *first, last = str(ctx["expected"]).replace(" or ", ", ").split(", ")
            params["expected"] = Message(OR, one=", ".join(first), other=last) if first else last
        msg: str = Message(_SHAPE[kind], **params)
    else:
        msg = error["msg"].removeprefix("Input ")
    given = error.get("input")
    if isinstance(given, bool):  # as the file writes it, never True/False
        msg = Message(GOT, problem=msg, given=str(given).lower())
    elif isinstance(given, str | int | float):
        msg = Message(GOT, problem=msg, given=_shown(given))
    return msg


def _describe(error: ErrorDetails) -> str:
    msg = _problem(error)
    path = _path(tuple(error["loc"]))
    return located(path, msg) if path else msg


_UNKNOWN = {
    "concept": (
        N_("unknown concept '%(value)s'; did you mean %(close)s?"),
        N_("unknown concept '%(value)s'; known: %(known)s"),
    ),
    "zone": (
        N_("unknown zone '%(value)s'; did you mean %(close)s?"),
        N_("unknown zone '%(value)s'; known: %(known)s"),
    ),
    "measure": (
        N_("unknown measure '%(value)s'; did you mean %(close)s?"),
        N_("unknown measure '%(value)s'; known: %(known)s"),
    ),
    "question": (
        N_("unknown question '%(value)s'; did you mean %(close)s?"),
        N_("unknown question '%(value)s'; known: %(known)s"),
    ),
}
OR = N_("%(one)s or %(other)s")


def _unknown(kind: str, value: str, known: Collection[str]) -> Message:
    close = difflib.get_close_matches(value, list(known), n=3, cutoff=0.6)
    guess, listed = _UNKNOWN[kind]
    if close:
        said: str = close[0]
        for other in close[1:]:
            said = Message(OR, one=said, other=other)
        return Message(guess, value=value, close=said)
    return Message(listed, value=value, known=", ".join(sorted(known)))


def _num(value: float) -> str:
    return f"{value:g}"


# ---------------------------------------------------------------------------------------
# Meaning


class _Reader:
    def __init__(
        self,
        label: str,
        concepts: Collection[str],
        measures: Mapping[str, str],
        questions: Mapping[str, tuple[str, tuple[str, ...]]],
        zones: Collection[str],
        plausible: Mapping[str, tuple[float, float]],
    ) -> None:
        self.label = label
        self.concepts = concepts
        self.measures = measures
        self.questions = questions
        self.zones = zones
        self.plausible = {**plausible, **PLAUSIBLE}

    def fail(self, path: str, message: str) -> RecordError:
        return RecordError(located(path, message), source=self.label)

    def ref(self, path: str) -> str:
        return f"{self.label}#{path}"

    def read(self, data: object) -> PatientRecord:
        intake = self.parse(data)
        day = intake.date
        record = PatientRecord(
            patient=Patient(
                id=intake.patient.id,
                name=intake.patient.name,
                birth_date=intake.patient.birth_date,
                sex=intake.patient.sex,
                language=intake.patient.language,
            ),
            source=self.label,
        )
        for i, cond in enumerate(intake.conditions):
            path = f"conditions[{i}]"
            self.check_coded(path, cond)
            record.conditions.append(
                Condition(
                    ref=self.ref(path),
                    codings=cond.codings(),
                    concept=cond.concept,
                    text=cond.display,
                    clinical_status=cond.status,
                    verification_status=cond.verification,
                    onset=cond.onset,
                    abatement=cond.abatement,
                    recorded=day,
                    body_sites=self.zone_site(path, cond.zone),
                )
            )
        for i, vital in enumerate(intake.vitals):
            record.observations.extend(self.vital(f"vitals[{i}]", vital, day))
        if intake.pain is not None:
            record.observations.append(self.pain(intake.pain, day))
        for i, med in enumerate(intake.medications):
            path = f"medications[{i}]"
            self.check_coded(path, med)
            record.medications.append(
                Medication(
                    ref=self.ref(path),
                    codings=med.codings(),
                    concept=med.concept,
                    text=med.display,
                    status=med.status,
                    start=med.start,
                    end=med.end,
                )
            )
        for i, proc in enumerate(intake.procedures):
            path = f"procedures[{i}]"
            self.check_coded(path, proc)
            record.procedures.append(
                Procedure(
                    ref=self.ref(path),
                    codings=proc.codings(),
                    concept=proc.concept,
                    status=proc.status,
                    performed=proc.date,
                    body_sites=self.zone_site(path, proc.zone),
                )
            )
        record.answers.extend(self.answers(intake, day))
        for i, clearance in enumerate(intake.clearances):
            path = f"clearances[{i}]"
            for j, concept in enumerate(clearance.concepts):
                if concept not in self.concepts:
                    raise self.fail(
                        f"{path}.concepts[{j}]", _unknown("concept", concept, self.concepts)
                    )
            when = clearance.date or day
            if clearance.valid_until is not None and clearance.valid_until < when:
                raise self.fail(
                    f"{path}.valid_until",
                    Message(
                        "%(until)s is before %(day)s",
                        until=str(clearance.valid_until),
                        day=str(when),
                    ),
                )
            record.clearances.append(
                Clearance(
                    ref=self.ref(path),
                    concepts=tuple(clearance.concepts),
                    decision=clearance.decision,
                    when=when,
                    by=clearance.by,
                    note=clearance.note,
                    valid_until=clearance.valid_until,
                )
            )
        return record

    def parse(self, data: object) -> IntakeFile:
        if not isinstance(data, Mapping):
            raise RecordError(
                Message(
                    "an intake file is a mapping that starts with 'format: %(format)s'; "
                    "this is %(kind)s",
                    format=FORMAT,
                    kind=Message("empty") if data is None else type(data).__name__,
                ),
                source=self.label,
            )
        fmt = data.get("format")
        if fmt is None:
            raise self.fail(
                "format",
                Message("required; an intake file starts with 'format: %(format)s'", format=FORMAT),
            )
        if fmt != FORMAT:
            if isinstance(fmt, str) and fmt.startswith(FORMAT_PREFIX):
                raise self.fail(
                    "format",
                    Message(
                        "%(given)s is not supported; this version reads %(format)s",
                        given=_shown(fmt),
                        format=FORMAT,
                    ),
                )
            raise self.fail(
                "format",
                Message("expected %(format)s, got %(given)s", format=FORMAT, given=_shown(fmt)),
            )
        try:
            return IntakeFile.model_validate(data)
        except ValidationError as exc:
            # every problem, up to SHOWN_PROBLEMS of them, one after the other; a count
            # of the rest (the author fixes them all in one go, not one per try)
            errors = exc.errors()
            said: str = _describe(errors[0])
            for error in errors[1:SHOWN_PROBLEMS]:
                said = Message(ANOTHER_PROBLEM, problem=said, other=_describe(error))
            rest = len(errors) - min(len(errors), SHOWN_PROBLEMS)
            if rest == 1:
                said = Message(ONE_MORE_PROBLEM, problem=said)
            elif rest > 1:
                said = Message(MORE_PROBLEMS, problem=said, n=rest)
            raise RecordError(said, source=self.label) from None

    def check_coded(self, path: str, item: Coded) -> None:
        if item.concept is not None and item.concept not in self.concepts:
            raise self.fail(f"{path}.concept", _unknown("concept", item.concept, self.concepts))

    def zone_site(self, path: str, zone: str | None) -> tuple[Coding, ...]:
        if zone is None:
            return ()
        if zone not in self.zones:
            raise self.fail(f"{path}.zone", _unknown("zone", zone, self.zones))
        return (Coding(system=ZONE_SYSTEM, code=zone),)

    def unit_of(self, path: str, measure: str) -> str:
        unit = self.measures.get(measure)
        if unit is None:
            raise self.fail(path, _unknown("measure", measure, self.measures))
        return unit

    def vital(self, path: str, vital: IntakeVital, day: date) -> list[Observation]:
        when = vital.date or day
        if vital.blood_pressure is not None:
            systolic, diastolic = (float(part) for part in vital.blood_pressure.split("/"))
            if systolic <= diastolic:
                raise self.fail(
                    f"{path}.blood_pressure",
                    Message(
                        "systolic %(systolic)s is not above diastolic %(diastolic)s; "
                        "write systolic/diastolic",
                        systolic=_num(systolic),
                        diastolic=_num(diastolic),
                    ),
                )
            values = zip(BP_MEASURES, (systolic, diastolic), strict=True)
            return [
                self.observation(path, measure, value, vital.unit, when, "blood_pressure")
                for measure, value in values
            ]
        assert vital.measure is not None and vital.value is not None  # the model checked
        self.unit_of(f"{path}.measure", vital.measure)
        return [self.observation(path, vital.measure, vital.value, vital.unit, when, "value")]

    def pain(self, pain: IntakePain, day: date) -> Observation:
        return self.observation(
            "pain", PAIN_MEASURE, float(pain.score), None, pain.date or day, "score"
        )

    def observation(
        self, path: str, measure: str, value: float, unit: str | None, when: date, field: str
    ) -> Observation:
        target = self.unit_of(f"{path}.{field}", measure)
        unit = unit or target
        converted, original = value, None
        if unit != target:
            try:
                converted = convert(value, unit, target)
            except UnitError as exc:
                raise UnitError(located(f"{path}.unit", exc.message), source=self.label) from None
            if canonical_unit(unit) != canonical_unit(target):
                original = f"{_num(value)} {unit}"
        low, high = self.plausible.get(measure, (float("-inf"), float("inf")))
        if not low <= converted <= high:
            value_shown: str = Quantity(round(converted, 1), target)
            if original:
                value_shown = Message(
                    "%(original)s = %(converted)s",
                    original=Quantity(value, unit),
                    converted=value_shown,
                )
            problem: str = Message(
                PLAUSIBLE_RANGE,
                value=Message("%(measure)s %(value)s", measure=measure, value=value_shown),
                low=Quantity(low, None),
                high=Quantity(high, target),
            )
            if measure == "body_temperature" and original is None and converted > high:
                problem = Message(
                    "%(problem)s (for Fahrenheit write unit: '[degF]')", problem=problem
                )
            raise self.fail(f"{path}.{field}", problem)
        return Observation(
            ref=self.ref(path),
            measure=measure,
            value=converted,
            unit=target,
            when=when,
            original=original,
            in_order=True,  # the vitals list: within a day, the order taken
        )

    def answers(self, intake: IntakeFile, day: date) -> list[Answer]:
        out: list[Answer] = []
        for question, value in intake.answers.items():
            path = f"answers.{question}"
            if question not in self.questions:
                raise self.fail(path, _unknown("question", question, self.questions))
            if value is None:  # left blank in a template: not answered
                continue
            kind, choices = self.questions[question]
            if kind == "boolean" and not isinstance(value, bool):
                raise self.fail(
                    path,
                    Message(
                        "a yes/no question: answer true or false, got %(given)s",
                        given=_shown(value),
                    ),
                )
            if kind == "choice" and (not isinstance(value, str) or value not in choices):
                raise self.fail(
                    path,
                    Message(
                        "expected one of %(choices)s, got %(given)s",
                        choices=", ".join(choices),
                        given=_shown(value),
                    ),
                )
            if kind not in ("boolean", "choice"):
                raise self.fail(
                    path, Message("question type %(kind)s is not supported", kind=_shown(kind))
                )
            out.append(
                Answer(
                    ref=self.ref(path),
                    question=question,
                    value=value,
                    when=intake.answered_on.get(question, day),
                )
            )
        for question in intake.answered_on:
            if question not in intake.answers:
                raise self.fail(
                    f"answered_on.{question}", Message("no answer with this id in answers")
                )
        return out
