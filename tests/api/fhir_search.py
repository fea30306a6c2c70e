"""A tiny in-memory FHIR "server" over one Synthea patient: enough of read and search to
build CDS Hooks prefetch (and to serve it over HTTP from a stub FHIR server)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

SYNTHEA = "synthea/r4-bundles-2019"


def load_patient(path: Path) -> tuple[str, list[dict[str, Any]]]:
    """(patient id, resources) of a Synthea transaction Bundle, with urn:uuid references to
    the patient rewritten as ``Patient/<id>`` as a FHIR server would return them."""
    with gzip.open(path) as fh:
        bundle = json.load(fh)
    resources = [e["resource"] for e in bundle["entry"]]
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    pid = patient["id"]
    text = json.dumps(resources).replace(f'"urn:uuid:{pid}"', f'"Patient/{pid}"')
    return pid, json.loads(text)


def _codes(resource: dict[str, Any], field: str) -> set[str]:
    out = set()
    values = resource.get(field)
    if isinstance(values, dict):
        values = [values]
    for concept in values or []:
        codings = concept.get("coding", []) if isinstance(concept, dict) else []
        for coding in [codings] if isinstance(codings, dict) else codings:
            if not isinstance(coding, dict):
                continue
            out.add(coding.get("code"))
            out.add(f"{coding.get('system')}|{coding.get('code')}")
    return out


def _matches(resource: dict[str, Any], params: list[tuple[str, str]]) -> bool:
    for name, value in params:
        if name in ("patient", "subject"):
            # a Task names its patient in ``for`` (the search parameter ``patient``)
            named = resource.get("subject") or resource.get("patient") or resource.get("for")
            for participant in resource.get("participant") or ():  # an Appointment
                actor = participant.get("actor") or {}
                if actor.get("reference", "").startswith("Patient/"):
                    named = named or actor
            ref = (named or {}).get("reference", "")
            if ref.split("/")[-1] != value.split("/")[-1]:
                return False
        elif name == "category":
            if value not in _codes(resource, "category"):
                return False
        elif name == "code":
            if not set(value.split(",")) & _codes(resource, "code"):
                return False
        elif name == "status":
            if resource.get("status") not in value.split(","):
                return False
        elif name.startswith("_"):
            continue
        else:
            raise ValueError(f"unsupported search parameter {name}")
    return True


SORT_FIELDS = {
    "date": ("effectiveDateTime", "effectivePeriod", "effectiveInstant", "period", "date"),
    "authored": ("authoredOn", "authored"),
    "authored-on": ("authoredOn",),
    "whenhandedover": ("whenHandedOver",),
    "effective-time": ("effectiveDateTime", "effectivePeriod"),
    "started": ("started",),
    "sent": ("sent",),
    "created": ("created",),
}
"""The fields each ``_sort`` parameter sorts by (the first present), as a server's search
parameters define them."""


def _date(resource: dict[str, Any], sort: str = "date") -> str:
    """The date a search's ``_sort`` parameter sorts a resource by ("" when it has none)."""
    for field in SORT_FIELDS[sort]:
        value = resource.get(field)
        if isinstance(value, dict):
            value = value.get("start")
        if isinstance(value, str):
            return value
    return str(resource.get("issued") or "") if sort == "date" else ""


def _included(resources: list[dict[str, Any]], hits: list[dict[str, Any]], spec: str) -> list:
    """The resources ``_include=Kind:field`` adds: those the ``Kind`` hits' ``field`` +
    Reference names (``medication`` is ``medicationReference``; ``ingredient`` is each
    ``ingredient.itemReference``)."""
    kind, _, field = spec.partition(":")
    wanted = set()
    for hit in hits:
        if hit.get("resourceType") != kind:
            continue
        if field == "ingredient":
            nodes = [i.get("itemReference") or {} for i in hit.get("ingredient") or ()]
        elif isinstance(hit.get(field), str):  # a canonical URL (a response's form)
            forms = [r for r in resources if r.get("url") == hit[field]]
            wanted.update(f"{r['resourceType']}/{r.get('id')}" for r in forms)
            continue
        else:
            nodes = [hit.get(f"{field}Reference") or hit.get(field) or {}]
        for node in nodes:
            ref = node.get("reference")
            if isinstance(ref, str):
                wanted.add(ref)
    return [
        r
        for r in resources
        if any(
            w == (own := f"{r['resourceType']}/{r.get('id')}") or w.endswith(f"/{own}")
            for w in wanted
        )
        and r not in hits
    ]


def search(
    resources: list[dict[str, Any]], query: str, as_of: str | None = None
) -> dict[str, Any] | None:
    """A read (``Patient/x``: the resource or None) or a search (a searchset Bundle).

    ``as_of`` (YYYY-MM-DD) makes a date-sorted search see the record as it was on that
    day, as an EHR called on that day would: readings after it do not exist yet.
    """
    path, _, qs = query.partition("?")
    path = unquote(path)
    if "/" in path:
        kind, rid = path.split("/", 1)
        return next(
            (r for r in resources if r["resourceType"] == kind and r.get("id") == rid), None
        )
    params = parse_qsl(qs)
    hits = [r for r in resources if r["resourceType"] == path and _matches(r, params)]
    options = dict(params)
    sort = options.get("_sort", "").lstrip("-")
    if sort:
        if as_of is not None:
            hits = [r for r in hits if _date(r, sort)[:10] <= as_of]
        hits.sort(key=lambda r: _date(r, sort), reverse=options["_sort"].startswith("-"))
    if "_count" in options:
        hits = hits[: int(options["_count"])]
    if "_include" in options:
        hits += _included(resources, hits, options["_include"])
    if "_include:iterate" in options:  # once more over what the hits and includes name
        hits += _included(resources, hits, options["_include:iterate"])
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(hits),
        "entry": [
            {
                "fullUrl": f"{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in hits
        ],
    }


def prefetch_for(
    resources: list[dict[str, Any]], templates: dict[str, str], pid: str, as_of: str | None = None
) -> dict[str, Any]:
    """Prefetch as a CDS client sends it: ``null`` for an empty search."""
    out: dict[str, Any] = {}
    for key, template in templates.items():
        result = search(resources, template.replace("{{context.patientId}}", pid), as_of)
        if result is not None and result["resourceType"] == "Bundle" and not result["entry"]:
            result = None
        out[key] = result
    return out
