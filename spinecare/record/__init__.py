"""The patient as the engine sees it, independent of FHIR.

Readers (:mod:`spinecare.fhir.reader`, :mod:`spinecare.record.intake`) build a
:class:`PatientRecord`; the engine reads nothing else.
"""

from spinecare.record.model import (
    Answer,
    Clearance,
    Coding,
    Condition,
    Ignored,
    Medication,
    Observation,
    Order,
    Patient,
    PatientRecord,
    Procedure,
)

__all__ = [
    "Answer",
    "Clearance",
    "Coding",
    "Condition",
    "Ignored",
    "Medication",
    "Observation",
    "Order",
    "Patient",
    "PatientRecord",
    "Procedure",
]
