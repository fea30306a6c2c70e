"""Fact tables: what the compiled rules read, one row per fact.

Every fact is produced by the same code the in-process engine uses: FHIR resources go
through :class:`~spinecare.fhir.reader.RecordBuilder` (so family history, statuses,
dates and units mean the same), and conditions, medications and procedures are matched
to concepts, code sets and zones by the engine's own :class:`~spinecare.engine.evaluate.Facts`
index. Nothing about the KB's rules lives here: only "which concept, set and zones does
this coded fact carry", and its dates and statuses.

Tables (:data:`TABLES`; ``pid`` is the patient id):

- ``patients(pid, deceased, deceased_on, birth_date, seq)``: ``deceased`` 1 when recorded as
  deceased without a date; such patients (and those deceased by the date) are not
  screened. An export may hold a Patient twice (two lines of one id): the first by ``seq``
  is the patient, as the reader keeps the first Patient of an id (:data:`FIRST_PATIENTS`)
- ``conditions(pid, concept, cset, zones, clinical, verification, onset, recorded,
  abatement, certain, visit, target, onset_last)``: ``zones`` is ``''`` or
  ``'|zone|zone|'``; ``certain`` is 0 for a concept found only in text or under a code
  of no known system (to confirm);
  ``visit`` 1 for a visit's diagnosis (``Condition.from_visit``); ``target`` the resource a
  Reference whose words the row was read from names (``Observation/x``, NULL for any other
  row): the row counts only where the export holds no such resource (:data:`READ_CONDITIONS`);
  ``onset_last`` the last day an onset given only as a month or a year stands for
- ``medications(pid, concept, status, start_date, end_date, certain, start_last, end_first)``:
  ``start_last`` and ``end_first`` the other day of a start or end given only as a month
  or a year (``Medication.start_last``, ``end_first``)
- ``procedures(pid, concept, status, performed, certain, performed_last, target)``:
  ``performed_last`` the last day a date given only as a year or a month stands for (NULL
  for a whole date); ``target`` as for conditions (:data:`READ_PROCEDURES`)
- ``observations(pid, measure, value, obs_date, obs_time, in_order, seq, obs_last)``: values
  in the measure's unit; ``obs_time`` (POSIX seconds, NULL for a date alone) orders
  readings of one day; ``in_order`` 1 where the record lists the day's readings in the
  order taken (``Observation.in_order``: an intake file, a form), else readings of one day
  without a time are in no known order; ``obs_last`` the last day a date given only as a
  month or a year stands for (``Observation.last``; NULL for a whole date);
  ``seq`` orders facts of one patient as the record does (ties: last wins); a reading set
  aside (a unit that cannot be converted, an implausible value) is a row without value
  (its day where the record gives one): the measure was taken, its value is unknown
- ``answers(pid, question, value, answer_date, seq, answer_last, answer_time, in_order)``:
  ``value`` encoded by :func:`encode_answer`; ``answer_time`` (POSIX seconds, NULL for a
  date alone) and ``in_order`` (``Answer.in_order``) order the answers of one day
- ``clearances(pid, name, decision, cleared_on, in_force_until, seq)``: one row per named
  concept or rule; ``in_force_until`` the last day the decision is in force
  (``Clearance.in_force_until``: the one definition of a clearance's window; 9999-12-31 for a
  decline that gives no end, NULL for a decision in force on no day)
- ``orders(pid, ref, code, status, intent, authored)``: ServiceRequests (``code`` is
  ``system|code`` of the first coding)
- ``held(pid, ref)``: the names a patient's resources make the record hold that a row's
  ``target`` may name: a document that replaces another (``replaced:DocumentReference/x``),
  and, found once the export is read, each resource a ``target`` names that the export
  holds (``Observation/x``: :func:`~spinecare.bulk.duckdb.held_targets`)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from spinecare.engine.evaluate import (
    Facts,
    drug_diagnoses,
    observed_conditions,
    procedure_diagnoses,
)
from spinecare.errors import RecordError
from spinecare.fhir.reader import Measures, RecordBuilder
from spinecare.kb.loader import KB
from spinecare.record.model import (
    Answer,
    Condition,
    Patient,
    PatientRecord,
)

TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "patients": (
        ("pid", "string"),
        ("deceased", "int64"),
        ("deceased_on", "date"),
        ("birth_date", "date"),
        ("seq", "int64"),
    ),
    "conditions": (
        ("pid", "string"),
        ("concept", "string"),
        ("cset", "string"),
        ("zones", "string"),
        ("clinical", "string"),
        ("verification", "string"),
        ("onset", "date"),
        ("recorded", "date"),
        ("abatement", "date"),
        ("certain", "int64"),
        ("visit", "int64"),
        ("target", "string"),
        ("onset_last", "date"),
    ),
    "medications": (
        ("pid", "string"),
        ("concept", "string"),
        ("status", "string"),
        ("start_date", "date"),
        ("end_date", "date"),
        ("certain", "int64"),
        ("start_last", "date"),
        ("end_first", "date"),
    ),
    "procedures": (
        ("pid", "string"),
        ("concept", "string"),
        ("status", "string"),
        ("performed", "date"),
        ("certain", "int64"),
        ("performed_last", "date"),
        ("target", "string"),
    ),
    "held": (
        ("pid", "string"),
        ("ref", "string"),
    ),
    "observations": (
        ("pid", "string"),
        ("measure", "string"),
        ("value", "double"),
        ("obs_date", "date"),
        ("obs_time", "double"),
        ("in_order", "int64"),
        ("seq", "int64"),
        ("obs_last", "date"),
    ),
    "answers": (
        ("pid", "string"),
        ("question", "string"),
        ("value", "string"),
        ("answer_date", "date"),
        ("seq", "int64"),
        ("answer_last", "date"),
        ("answer_time", "double"),
        ("in_order", "int64"),
    ),
    "clearances": (
        ("pid", "string"),
        ("name", "string"),
        ("decision", "string"),
        ("cleared_on", "date"),
        ("in_force_until", "date"),
        ("seq", "int64"),
    ),
    "orders": (
        ("pid", "string"),
        ("ref", "string"),
        ("code", "string"),
        ("status", "string"),
        ("intent", "string"),
        ("authored", "date"),
    ),
}
"""Table name -> ((column, type), ...); types: string, date, double, int64."""

Row = tuple[Any, ...]


def encode_answer(value: bool | str | float) -> str:
    """An answer value (or a rule's ``equals``) as text; equal text iff Python ``==``.

    Booleans and the numbers equal to them (1.0 == True) share ``b:``; strings are ``s:``.
    """
    if isinstance(value, bool):
        return "b:true" if value else "b:false"
    if isinstance(value, str):
        return "s:" + value
    if value == 1:
        return "b:true"
    if value == 0:
        return "b:false"
    return f"n:{float(value)!r}"


def zones_text(zones: Iterable[str]) -> str:
    """``''`` for no zone, else ``'|a|b|'`` (sorted): a LIKE ``'%|a|%'`` tests membership."""
    items = sorted(zones)
    return "|" + "|".join(items) + "|" if items else ""


class Flattener:
    """Turns records or FHIR resources into fact rows (kept in ``rows`` until taken)."""

    def __init__(self, kb: KB, measures: Measures | None = None) -> None:
        from spinecare.fhir.questionnaire import reader_measures

        self.kb = kb
        self.measures = measures if measures is not None else reader_measures(kb)
        self._index = Facts(PatientRecord(Patient("-")), kb, date.max)
        self.rows: dict[str, list[Row]] = {name: [] for name in TABLES}
        self._patient = Patient("-")  # the patient of the last resource read (see add_resource)
        self._open_days = int(kb.threshold("clearance_fresh_days"))

    def take(self) -> dict[str, list[Row]]:
        """The rows collected so far (and start afresh)."""
        rows, self.rows = self.rows, {name: [] for name in TABLES}
        return rows

    # records -----------------------------------------------------------------------

    def add_record(
        self,
        record: PatientRecord,
        *,
        patient: bool = True,
        seq_base: int = 0,
        targets: Mapping[str, str] | None = None,
    ) -> None:
        """All facts of one record. ``seq``: ``seq_base`` + position in the record.
        ``targets``: the resource each entry read from a Reference's words names, where the
        record read does not hold it (``RecordBuilder.named_targets``)."""
        pid = record.patient.id
        if patient:
            self.add_patient(pid, record.patient, seq_base)
        named = [
            *procedure_diagnoses(record, self.kb, self._index.procedure_concepts),
            *drug_diagnoses(record, self.kb, self._index.medication_concepts),
        ]
        for condition in (*record.conditions, *observed_conditions(record, self.kb), *named):
            self.add_condition(pid, condition, targets.get(condition.ref) if targets else None)
        index = self._index
        for med in record.medications:
            for concept, (certain, _) in sorted(index.medication_concepts(med).items()):
                self.rows["medications"].append(
                    (
                        pid,
                        concept,
                        med.status,
                        med.start,
                        med.end,
                        int(certain),
                        med.start_last,
                        med.end_first,
                    )
                )
        for proc in record.procedures:
            for concept, (certain, _) in sorted(index.procedure_concepts(proc).items()):
                self.rows["procedures"].append(
                    (
                        pid,
                        concept,
                        proc.status,
                        proc.performed,
                        int(certain),
                        proc.performed_last,
                        None,
                    )
                )
        for i, obs in enumerate(record.observations):
            self.rows["observations"].append(
                (
                    pid,
                    obs.measure,
                    float(obs.value),
                    obs.when,
                    obs.instant,
                    int(obs.in_order),
                    seq_base + i,
                    obs.last,
                )
            )
        for ignored in record.ignored:
            if ignored.measure is not None:
                # a reading set aside: measured, value unknown (no value; its day where
                # the record gives one)
                self.rows["observations"].append(
                    (pid, ignored.measure, None, ignored.when, None, 0, 0, ignored.last)
                )
        for i, answer in enumerate(record.answers):
            self.add_answer(pid, answer, seq_base + i)
        for i, clearance in enumerate(record.clearances):
            if not clearance.confirmed:  # settles nothing (Clearance.in_force_until)
                continue
            for name in dict.fromkeys(clearance.concepts):
                self.rows["clearances"].append(
                    (
                        pid,
                        name,
                        clearance.decision,
                        clearance.when,
                        clearance.in_force_until(self._open_days),
                        seq_base + i,
                    )
                )
        for order in record.orders:
            code = next((f"{c.system}|{c.code}" for c in order.codings), None)
            self.rows["orders"].append(
                (pid, order.ref, code, order.status, order.intent, order.authored)
            )

    def add_patient(self, pid: str, patient: Patient, seq: int) -> None:
        self.rows["patients"].append(
            (pid, int(patient.deceased), patient.deceased_on, patient.birth_date, seq)
        )

    def add_condition(self, pid: str, condition: Condition, target: str | None = None) -> None:
        index = self._index
        index.conditions.clear()
        index.procedures.clear()
        index.index_condition(condition)
        for concept in sorted(index.procedures):  # an operation written as a diagnosis
            for done in index.procedures[concept]:
                proc = done.procedure
                self.rows["procedures"].append(
                    (
                        pid,
                        concept,
                        proc.status,
                        proc.performed,
                        int(done.certain),
                        proc.performed_last,
                        target,
                    )
                )
        index.procedures.clear()
        for concept in sorted(index.conditions):
            for entry in index.conditions[concept]:
                self.rows["conditions"].append(
                    (
                        pid,
                        concept,
                        entry.set,
                        zones_text(entry.zones),
                        condition.clinical_status,
                        condition.verification_status,
                        condition.onset,
                        condition.recorded,
                        condition.abatement,
                        int(entry.certain),
                        int(condition.from_visit),
                        target,
                        condition.onset_last,
                    )
                )
        index.conditions.clear()

    def add_answer(self, pid: str, answer: Answer, seq: int) -> None:
        self.rows["answers"].append(
            (
                pid,
                answer.question,
                encode_answer(answer.value),
                answer.when,
                seq,
                answer.last,
                answer.instant,
                int(answer.in_order),
            )
        )

    # FHIR resources ----------------------------------------------------------------

    def add_resource(
        self,
        resource: Mapping[str, Any],
        pid: str,
        seq_base: int,
        medications: Mapping[str, Any] | None = None,
    ) -> None:
        """The facts of one FHIR resource of patient ``pid``, read as the engine reads it.

        Raises :class:`~spinecare.errors.RecordError` for a resource the reader rejects.
        ``medications``: Medication resources by ``Medication/id`` (medicationReference).
        """
        is_patient = resource.get("resourceType") == "Patient"
        if is_patient:
            builder = RecordBuilder(self.measures, "-")
        else:
            # an export lists a patient's resources together: one Patient for them all (the
            # reader only reads it; a record of one resource is made and dropped here)
            if self._patient.id != pid:
                self._patient = Patient(pid)
            builder = RecordBuilder(self.measures, "-", self._patient)
        read = resource if type(resource) is dict else dict(resource)
        if medications:
            from spinecare.fhir.ndjson import named_drugs, with_shared

            for named in named_drugs(resource, medications):
                builder.add(named)
            # a document's Binary, a response's form: as a Bundle gives them
            read = with_shared(read, medications)
        # the reader never changes a resource: a dict is read as it is, any other mapping
        # as a dict of it
        builder.add(read)
        if builder.replacing:
            self.rows["held"].extend((pid, name) for name in builder.replacing)
        if not (is_patient or builder.holds_facts()):
            return  # a resource the record has no use for (most laboratory results)
        shown = None if is_patient else builder.named_words()
        if shown is not None and not any(self._index.hits((), (words,)) for words in shown):
            return  # only the words of references that name nothing (a report's results)
        record = builder.build()
        if is_patient:
            self.add_patient(pid, record.patient, seq_base)
        self.add_record(record, patient=False, seq_base=seq_base, targets=builder.named_targets())
        if builder.unreadable:
            # set aside by the reader (what could be read of it is kept): reported
            raise RecordError(builder.unreadable[0])


READ_CONDITIONS = (
    "(SELECT * FROM conditions WHERE target IS NULL OR NOT EXISTS (SELECT 1 FROM held h"
    " WHERE h.pid = conditions.pid AND h.ref = conditions.target))"
)
"""The ``conditions`` table as the rules read it: a row read from the words of a Reference
counts only where the export holds no resource it names (the reader's
``RecordBuilder._not_held``), in DuckDB and Spark SQL alike."""
READ_PROCEDURES = READ_CONDITIONS.replace("conditions", "procedures")
"""So the ``procedures`` table (an operation named in a Reference's words)."""

FIRST_PATIENTS = (
    "(SELECT pid, deceased, deceased_on, CASE WHEN lo <> hi THEN NULL ELSE birth_date END"
    " AS birth_date FROM (SELECT *, row_number() OVER (PARTITION BY pid ORDER BY seq) AS nth,"
    " min(birth_date) OVER (PARTITION BY pid) AS lo, max(birth_date) OVER (PARTITION BY pid)"
    " AS hi FROM patients) numbered WHERE nth = 1)"
)
"""The ``patients`` table as the rules read it: one row per patient id, its first Patient
(in DuckDB and Spark SQL alike); where its Patients give two birth dates, none (to
confirm, as the reader's ``RecordBuilder._born``)."""


def seq_of(ordinal: int, line: int) -> int:
    """The ``seq`` base of a resource at ``line`` of the export's file number ``ordinal``.

    Room for 64 values per resource (panel components) and 2**32 lines per file.
    """
    return ((ordinal << 32) + line) << 6
