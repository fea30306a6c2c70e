"""What a record says of its own completeness, and how much of its words are read: a
search Bundle that holds one page of what was found, and a record of more text than one
screening reads (its newest words read, the rest listed, never dropped in silence)."""

from __future__ import annotations

from datetime import date
from typing import Any

from spinecare.core import RECORD_TEXT_CHARS, reader_measures, words_read
from spinecare.engine.screening import screen_record
from spinecare.fhir.reader import read_bundle
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


def test_a_batchs_answer_is_read_and_a_request_that_failed_is_listed(kb: Any) -> None:
    """The EHR's answer to a batch of reads and searches (``batch-response``): each search's
    Bundle is read (one page of it said so), and a request that failed is listed with the
    status or the words the EHR gave, never passed over."""
    search = _bundle(
        _condition("c1", "Cauda equina syndrome", "2026-11-01"), type="searchset", total=9
    )
    data = {
        "resourceType": "Bundle",
        "type": "batch-response",
        "entry": [
            {"resource": PATIENT, "response": {"status": "200 OK"}},
            {"resource": {**search, "entry": search["entry"][1:]}, "response": {"status": "200"}},
            {"response": {"status": "403 Forbidden"}},
            {
                "response": {
                    "status": "500",
                    "outcome": {
                        "resourceType": "OperationOutcome",
                        "issue": [{"severity": "error", "diagnostics": "Medication search failed"}],
                    },
                }
            },
        ],
    }
    result = screen_record(read_bundle(data, reader_measures(kb)), kb, DAY)
    assert "cauda_equina" in [f.concept for f in result.findings]  # in words: to confirm
    labels = [n.label for n in result.not_used() if n.kind == "set_aside"]
    assert any("1 of the 9 entries found were sent" in label for label in labels), labels
    assert any("'403 Forbidden'" in label for label in labels), labels
    assert any("'Medication search failed'" in label for label in labels), labels


def _long_notes(count: int) -> list[dict[str, Any]]:
    filler = "Review of systems unremarkable. " * (TEXT_CHARS // 32 - 1)
    return [
        _condition(f"n{i}", f"{filler} note {i}", f"2026-0{1 + i % 9}-0{1 + i // 9}")
        for i in range(count)
    ]


def test_a_record_of_many_long_notes_is_read_whole(kb: Any) -> None:
    """The clinic app and the command line read every word of a record, however long: a
    cauda equina named in its oldest note is found (a limit on what is read would have
    dropped it, and said allowed)."""
    oldest = _condition("old", "Saddle anaesthesia and urinary retention", "2001-01-01")
    record = read_bundle(
        _bundle(*_long_notes(RECORD_TEXT_CHARS // TEXT_CHARS + 2), oldest), reader_measures(kb)
    )
    assert words_read(record) > RECORD_TEXT_CHARS
    screening = screen_record(record, kb, DAY)
    assert "cauda_equina" in {f.concept for f in screening.findings}


def test_a_record_posted_without_signing_in_holds_at_most_the_words_read(kb: Any) -> None:
    """/api/screen, /api/plan and $massage-screening take no sign-in: a record of more words
    than such a screening reads is refused in words that say where it is read in full (40
    notes of 200,000 characters, 20 KB of gzip, held a worker for minutes); one within the
    limit is screened."""
    import gzip
    import json

    from tests.api.conftest import make_client

    client = make_client(cds_jwt_required=False, max_body_bytes=5_000_000)
    over = _bundle(*_long_notes(RECORD_TEXT_CHARS // TEXT_CHARS + 1))
    body = gzip.compress(json.dumps(over).encode())
    headers = {"content-type": "application/json", "content-encoding": "gzip"}
    for path in ("/api/screen", "/api/plan"):
        refused = client.post(path, content=body, headers=headers)
        assert refused.status_code == 400, refused.text[:300]
        error = refused.json()["error"]
        assert error["code"] == "too_much_text"
        assert "1,000,000" in error["message"] and "read in full" in error["message"]
        russian = client.post(path + "?lang=ru", content=body, headers=headers)
        assert "1 000 000" in russian.json()["error"]["message"].replace("\u00a0", " ")
    operation = {
        "resourceType": "Parameters",
        "parameter": [{"name": "resource", "resource": over}],
    }
    refused = client.post(
        "/fhir/Patient/$massage-screening",
        content=gzip.compress(json.dumps(operation).encode()),
        headers={"content-type": "application/fhir+json", "content-encoding": "gzip"},
    )
    assert refused.status_code == 400 and refused.json()["resourceType"] == "OperationOutcome"
    within = _bundle(*_long_notes(RECORD_TEXT_CHARS // TEXT_CHARS - 1))
    screened = client.post(
        "/api/screen",
        content=json.dumps(within),
        headers=headers | {"content-encoding": "identity"},
    )
    assert screened.status_code == 200, screened.text[:300]


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
