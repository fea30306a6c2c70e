"""What a record says of its own completeness, and how much of its words are read: a
search Bundle that holds one page of what was found, and a record of more text than one
screening reads (its newest words read, the rest listed, never dropped in silence)."""

from __future__ import annotations

from datetime import date
from typing import Any

from spinecare.core import reader_measures
from spinecare.engine.screening import screen_record
from spinecare.fhir.reader import RECORD_TEXT_CHARS, read_bundle
from spinecare.kb.text import TEXT_CHARS

PATIENT = {"resourceType": "Patient", "id": "p1", "birthDate": "1970-03-14", "gender": "female"}
DAY = date(2026, 12, 7)


def _condition(rid: str, text: str, onset: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": rid,
        "subject": {"reference": "Patient/p1"},
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "code": {"text": text, **extra},
        "onsetDateTime": onset,
    }


def _bundle(*resources: dict[str, Any], **top: Any) -> dict[str, Any]:
    entries = [{"resource": r} for r in (PATIENT, *resources)]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries, **top}


def _not_used(kb: Any, data: dict[str, Any], lang: str = "en") -> list[Any]:
    return screen_record(read_bundle(data, reader_measures(kb)), kb, DAY, lang).not_used()


def test_a_search_bundle_of_one_page_says_the_rest_was_not_sent(kb: Any) -> None:
    said = "the record is one page of a search: 2 of the 57 entries found were sent"
    paged = _bundle(
        _condition("c1", "Lumbar osteochondrosis", "2024-05-01"),
        type="searchset",
        total=57,
        link=[{"relation": "next", "url": "https://ehr.example/fhir/Patient/p1/$everything?p=2"}],
    )
    (entry,) = [n for n in _not_used(kb, paged) if n.kind == "set_aside"]
    assert entry.label.startswith(said), entry.label
    russian = [n.label for n in _not_used(kb, paged, "ru") if n.kind == "set_aside"]
    assert russian and "57" in russian[0] and "search" not in russian[0], russian
    # a next page and no total: the first page of a search
    uncounted = {**paged}
    del uncounted["total"]
    (entry,) = [n for n in _not_used(kb, uncounted) if n.kind == "set_aside"]
    assert "first page of a search" in entry.label
    # a whole search (a total equal to the entries it holds, no next page): nothing
    whole = {**paged, "total": 2, "link": [{"relation": "self", "url": "https://ehr.example"}]}
    assert [n for n in _not_used(kb, whole) if n.kind == "set_aside"] == []


def test_a_record_is_read_for_its_newest_words_up_to_the_limit(kb: Any) -> None:
    """Many long notes: the newest are read (a cauda equina named in the newest is
    found), the oldest listed as not read, one with a code keeping its code."""
    filler = "Review of systems unremarkable. " * (TEXT_CHARS // 32 - 1)
    count = RECORD_TEXT_CHARS // TEXT_CHARS + 3
    notes = [
        _condition(f"n{i}", f"{filler} note {i}", f"2026-0{1 + i % 9}-0{1 + i // 9}")
        for i in range(count)
    ]
    newest = _condition("new", "Saddle anaesthesia and urinary retention", "2026-12-06")
    old_coded = _condition(
        "coded",
        f"{filler} heart",
        "2001-01-01",
        coding=[{"system": "http://hl7.org/fhir/sid/icd-10", "code": "I25.1"}],
    )
    record = read_bundle(_bundle(*notes, newest, old_coded), reader_measures(kb))
    beyond = [i for i in record.ignored if "more text than one screening reads" in str(i.reason)]
    # the newest and five of the long notes fit; three notes and the old coded entry do not
    assert len(beyond) == count - RECORD_TEXT_CHARS // TEXT_CHARS + 1, len(beyond)
    held = {c.ref: c for c in record.conditions}
    assert held["Condition/new"].text  # the newest is read
    assert held["Condition/coded"].text is None and held["Condition/coded"].codings
    read_words = sum(min(len(c.text or ""), TEXT_CHARS) for c in record.conditions)
    assert read_words <= RECORD_TEXT_CHARS
    screening = screen_record(record, kb, DAY)
    assert screening.verdict != "allowed"
    assert "cauda_equina" in {f.concept for f in screening.findings}
    assert "heart_disease" in {f.concept for f in screening.findings}  # its code stands
    listed = [n for n in screening.not_used() if n.kind == "set_aside"]
    # listed, dated, but the coded entry: it is shown as the finding's evidence
    assert len(listed) == len(beyond) - 1 and all(n.date is not None for n in listed)
    assert "Condition/coded" not in {n.ref for n in listed}


def test_a_record_within_the_limit_is_read_whole(kb: Any) -> None:
    record = read_bundle(
        _bundle(*(_condition(f"n{i}", "Lumbar pain. " * 1000, "2026-11-01") for i in range(5))),
        reader_measures(kb),
    )
    assert not [i for i in record.ignored if "more text" in str(i.reason)]
    assert all(c.text for c in record.conditions)


def test_an_observation_the_screening_does_not_use_is_listed_as_an_observation(kb: Any) -> None:
    """A smoking status kept as a condition of the chart (an imported record's coded
    Observations are stored so) was listed as a diagnosis."""
    from spinecare.engine.notes import unclear_answer_note
    from spinecare.record.model import Condition, Patient, PatientRecord

    smoking = Condition(
        ref="Observation/smoking",
        text="Tobacco smoking status NHIS; Former smoker",
        onset=date(2026, 12, 1),
        recorded=date(2026, 12, 1),
        confirm=unclear_answer_note(),
    )
    record = PatientRecord(Patient("p1"), conditions=[smoking])
    listed = [(n.kind, n.label) for n in screen_record(record, kb, DAY).not_used()]
    assert ("observation", "Tobacco smoking status NHIS; Former smoker") in listed, listed
