"""A record read only in part (one page of a search) is never screened as whole: the REST
API, the FHIR operation and a CDS Hooks card give it the verdict of missing data and say
what was not read (spinecare.fhir.prefetch.screened_in_part)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conftest import make_client
from fhir_search import prefetch_for

AS_OF = "2026-11-20"
VIEW = "/cds-services/spinecare-patient-view"


def _bp(value: tuple[int, int], rid: str = "bp", day: str = AS_OF) -> dict[str, Any]:
    systolic, diastolic = value
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": day,
        "component": [
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                "valueQuantity": {"value": systolic, "unit": "mm[Hg]", "code": "mm[Hg]"},
            },
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
                "valueQuantity": {"value": diastolic, "unit": "mm[Hg]", "code": "mm[Hg]"},
            },
        ],
    }


def _measured(rid: str, code: str, value: float, unit: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": AS_OF,
        "valueQuantity": {
            "value": value,
            "unit": unit,
            "system": "http://unitsofmeasure.org",
            "code": unit,
        },
    }


def _resources() -> list[dict[str, Any]]:
    """A patient whose whole record allows massage on :data:`AS_OF`."""
    return [
        {
            "resourceType": "Patient",
            "id": "p1",
            "name": [{"family": "Fixture", "given": ["Anna"]}],
            "gender": "female",
            "birthDate": "1970-03-14",
        },
        {
            "resourceType": "Condition",
            "id": "c1",
            "subject": {"reference": "Patient/p1"},
            "code": {
                "coding": [
                    {
                        "system": "http://hl7.org/fhir/sid/icd-10",
                        "code": "M42.16",
                        "display": "Spinal osteochondrosis, lumbar region",
                    }
                ]
            },
            "clinicalStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                        "code": "active",
                    }
                ]
            },
            "onsetDateTime": "2024-05-01",
        },
        _bp((120, 80)),
        _measured("t", "8310-5", 36.6, "Cel"),
        _measured("pain", "72514-3", 2, "{score}"),
    ]


def _bundle(*, total: int | None = None, next_url: str | None = None) -> dict[str, Any]:
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r, "search": {"mode": "match"}} for r in _resources()],
    }
    if total is not None:
        bundle["total"] = total
    if next_url is not None:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle


PAGES = [
    pytest.param({"total": 46}, id="total-above-entries"),
    pytest.param(
        {"next_url": "https://ehr.example.org/fhir/Patient/p1/$everything?p=2"}, id="next"
    ),
]


@pytest.fixture(scope="module")
def api():
    return make_client(cds_jwt_required=False)


def test_a_whole_record_is_allowed(api) -> None:
    """The record these tests page: whole, it allows massage."""
    response = api.post(f"/api/screen?as_of={AS_OF}", json=_bundle(total=5))
    assert response.status_code == 200, response.text[:300]
    assert response.json()["verdict"] == "allowed"


@pytest.mark.parametrize("kind", ["collection", "transaction", "document"])
def test_a_bundle_not_of_a_search_is_whole_whatever_paging_it_carries(api, kind: str) -> None:
    """Only a search is paged (FHIR bdl-1): a collection that carries a ``total`` or a
    ``next`` link is the whole record (the CLI and the APIs said it needed data)."""
    bundle = _bundle(total=46, next_url="https://ehr.example.org/fhir/x?p=2")
    bundle["type"] = kind
    for entry in bundle["entry"]:
        entry.pop("search")
    response = api.post(f"/api/screen?as_of={AS_OF}", json=bundle)
    assert response.status_code == 200, response.text[:300]
    assert response.json()["verdict"] == "allowed"


@pytest.mark.parametrize("paged", PAGES)
def test_the_rest_api_never_allows_one_page_of_a_search(api, paged: dict[str, Any]) -> None:
    screening = api.post(f"/api/screen?as_of={AS_OF}", json=_bundle(**paged)).json()
    assert screening["verdict"] == "needs_data"
    (item,) = [m for m in screening["missing"] if m["item"] == "record_in_part"]
    assert "page of a search" in item["why"]
    plan = api.post(f"/api/plan?as_of={AS_OF}", json=_bundle(**paged)).json()
    assert plan["status"] == "pending"


@pytest.mark.parametrize("paged", PAGES)
def test_the_fhir_operation_never_allows_one_page_of_a_search(api, paged: dict[str, Any]) -> None:
    response = api.post(
        f"/fhir/Patient/$massage-screening?as_of={AS_OF}",
        json=_bundle(**paged),
        headers={"Content-Type": "application/fhir+json"},
    )
    assert response.status_code == 200, response.text[:300]
    resources = [e["resource"] for e in response.json()["entry"]]
    (guidance,) = [r for r in resources if r["resourceType"] == "GuidanceResponse"]
    assert guidance["status"] == "data-required"
    assert guidance["reasonCode"][0]["coding"][0]["code"] == "needs_data"
    assert all(r["status"] != "active" for r in resources if r["resourceType"] == "CarePlan")
    assert "page of a search" in response.text


def test_the_rest_api_says_it_in_russian(api) -> None:
    screening = api.post(f"/api/screen?as_of={AS_OF}&lang=ru", json=_bundle(total=46)).json()
    (item,) = [m for m in screening["missing"] if m["item"] == "record_in_part"]
    assert item["label"] != "the rest of the patient's record"
    assert any("а" <= ch <= "я" for ch in item["label"])


def _view(prefetch: dict[str, Any]) -> dict[str, Any]:
    return {
        "hook": "patient-view",
        "hookInstance": "in-part",
        "context": {"userId": "Practitioner/1", "patientId": "p1"},
        "prefetch": prefetch,
        "extension": {"org.spinecare.as-of": "2026-11-21"},
    }


def test_a_measure_search_sent_in_part_is_not_read_as_whole(api, templates) -> None:
    """An EHR that does not sort a measure's readings sends the oldest twenty first: the
    latest (190/120, on the page not sent) would defer massage. The card does not allow
    it; with every reading sent, it defers."""
    prefetch = prefetch_for(_resources(), templates, "p1")
    old = [{"resource": _bp((120, 80), f"bp{day}", f"2026-11-{day:02d}")} for day in range(1, 21)]
    newest = {"resource": _bp((190, 120), "bp-new", "2026-11-21")}
    for key in ("systolic_bp", "diastolic_bp"):
        prefetch[key] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": 21,
            "entry": old,
            "link": [{"relation": "next", "url": "https://ehr.example.org/fhir/Observation?p=2"}],
        }
    (card,) = api.post(VIEW, json=_view(prefetch)).json()["cards"]
    assert card["indicator"] == "warning"
    assert "Needs data" in card["summary"] and "Allowed" not in card["summary"]
    whole = copy.deepcopy(prefetch)
    for key in ("systolic_bp", "diastolic_bp"):
        whole[key] = {"resourceType": "Bundle", "type": "searchset", "entry": [*old, newest]}
    (card,) = api.post(VIEW, json=_view(whole)).json()["cards"]
    assert card["summary"].startswith("Defer")


def test_partly_read_names_a_measure_search_but_not_the_latest_bills(templates) -> None:
    from spinecare.fhir.prefetch import partly_read

    paged = {"resourceType": "Bundle", "total": 30, "entry": []}
    assert partly_read({"systolic_bp": paged}, templates) == ["Observation"]
    assert partly_read({"claims": paged}, templates) == []


def test_the_latest_entries_asked_for_and_sent_newest_first_are_whole(api, templates) -> None:
    """A search that asks for the latest entries (``_sort=-date&_count=N``), answered with
    them newest first and a link to the older ones, is read as it was meant: the record is
    screened as whole (most patients have more visits than the latest asked for); the same
    page in another order is one page of a search."""
    from spinecare.fhir.prefetch import partly_read

    prefetch = prefetch_for(_resources(), templates, "p1")
    visits = [
        {
            "resource": {
                "resourceType": "Encounter",
                "id": f"e{day}",
                "status": "finished",
                "class": {"code": "AMB"},
                "subject": {"reference": "Patient/p1"},
                "period": {"start": f"2026-10-{day:02d}", "end": f"2026-10-{day:02d}"},
            }
        }
        for day in range(25, 5, -1)
    ]
    prefetch["encounters"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": 25,
        "entry": visits,
        "link": [{"relation": "next", "url": "https://ehr.example.org/fhir/Encounter?p=2"}],
    }
    assert partly_read(prefetch, templates) == []
    (card,) = api.post(VIEW, json=_view(prefetch)).json()["cards"]
    assert card["summary"].startswith("Allowed"), card["summary"]
    prefetch["encounters"]["entry"] = visits[::-1]  # the oldest first: not what was asked
    assert partly_read(prefetch, templates) == ["Encounter"]
