"""The HL7 CDS Hooks 2.0 service: discovery, three services, feedback.

- ``GET /cds-services``: discovery; services for ``patient-view``, ``order-select`` and
  ``order-sign`` with prefetch templates for what screening needs.
- ``POST /cds-services/{id}``: one hook call. order-select / order-sign react only to a
  draft ``ServiceRequest`` coded as massage or manual therapy (KB concept ``massage_order``)
  and answer ``{"cards": []}`` for any other order.
- ``POST /cds-services/{id}/feedback``: what the clinician did with a card; stored and
  written to the audit log (``spinecare.audit``).

Prefetch (specification, "Prefetch template"): a key that is present holds the resource
(a Bundle for searches); ``null`` means the client searched and found nothing; a key
that is absent is fetched from ``fhirServer`` with ``fhirAuthorization``, and when that
is impossible the service answers 412. An OperationOutcome in a key is an error the card
reports; no verdict is built from partial data.

Every call needs the EHR's JWT (:mod:`spinecare.api.security`). Bad input is a 400 with
the app's one error envelope, never a 500 and never a card built from guessed data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import httpx
import orjson
from fastapi import APIRouter, Depends, HTTPException, Request, Response

from spinecare.api.outbound import AddressPolicy, BlockedAddress, guarded_client
from spinecare.api.security import require_cds_jwt
from spinecare.documents import load_document, parse_json
from spinecare.errors import InputError, RecordError
from spinecare.kb.loader import KB

__all__ = [
    "PREFETCH_TYPES",
    "SERVICES",
    "CdsRequestError",
    "discovery",
    "massage_orders",
    "prefetch_templates",
    "router",
]

AS_OF_EXTENSION = "org.spinecare.as-of"
LANG_EXTENSION = "org.spinecare.lang"
MAX_PAGES = 20
FETCH_TIMEOUT = 5.0

SERVICES: dict[str, dict[str, str]] = {
    "spinecare-patient-view": {
        "hook": "patient-view",
        "title": "Massage screening (spinal osteochondrosis, disc herniation)",
        "description": "When a patient's chart is opened: is therapeutic massage safe and "
        "indicated today, and what must be checked first?",
    },
    "spinecare-order-select": {
        "hook": "order-select",
        "title": "Massage order check (on select)",
        "description": "When a massage or manual-therapy order is selected: red flags, "
        "contraindications, deferrals and clearances that apply to this patient.",
    },
    "spinecare-order-sign": {
        "hook": "order-sign",
        "title": "Massage order check (on sign)",
        "description": "Before a massage or manual-therapy order is signed: blocks unsafe "
        "orders with a suggestion to remove them; proposes a neurology "
        "consultation when a physician's clearance is needed.",
    },
}

# prefetch key -> the resource type expected (every search key gives a Bundle)
PREFETCH_TYPES: dict[str, str] = {"patient": "Patient"}


def prefetch_type(key: str) -> str:
    return PREFETCH_TYPES.get(key, "Bundle")


CONTEXT_FIELDS: dict[str, dict[str, str]] = {
    # field -> JSON type required
    "patient-view": {"userId": "string", "patientId": "string"},
    "order-select": {
        "userId": "string",
        "patientId": "string",
        "selections": "array",
        "draftOrders": "object",
    },
    "order-sign": {"userId": "string", "patientId": "string", "draftOrders": "object"},
}

router = APIRouter(tags=["CDS Hooks"])


class CdsRequestError(InputError):
    """A CDS Hooks request that cannot be answered as sent (400)."""

    code = "invalid_cds_request"


class PrefetchUnavailable(Exception):
    """Data the service needs is neither prefetched nor obtainable (412)."""


_SYSTEM_URI = {"loinc": "http://loinc.org", "snomed": "http://snomed.info/sct"}
_per_kb: dict[int, tuple[KB, dict[str, Any]]] = {}
"""What the service works out from a KB once (measures for the reader, prefetch
templates), by the KB it was worked out from."""


def _kb() -> KB:
    from spinecare.kb.loader import load_kb

    return load_kb()


def _kb_derived(kb: KB) -> dict[str, Any]:
    cached = _per_kb.get(id(kb))
    if cached is None or cached[0] is not kb:
        from spinecare.core import reader_measures

        cached = (kb, {"measures": reader_measures(kb), "templates": prefetch_templates(kb)})
        _per_kb.clear()
        _per_kb[id(kb)] = cached
    return cached[1]


def _measures(kb: KB) -> Any:
    return _kb_derived(kb)["measures"]


def _templates(kb: KB) -> dict[str, str]:
    """The KB's prefetch templates, built once per KB (read only)."""
    return _kb_derived(kb)["templates"]  # type: ignore[no-any-return]


def _procedure_concepts(kb: KB) -> set[str]:
    from spinecare.kb.expressions import HadProcedure, walk

    expressions = [r.when for r in kb.model.rules] + [i.when for i in kb.model.indications]
    return {
        node.procedure
        for expr in expressions
        for node in walk(expr)
        if isinstance(node, HadProcedure)
    }


def prefetch_templates(kb: KB) -> dict[str, str]:
    """The prefetch templates every service asks for (codes of measures come from the KB)."""
    pid = "{{context.patientId}}"
    templates = {
        "patient": f"Patient/{pid}",
        "conditions": f"Condition?patient={pid}",
        "medications": f"MedicationRequest?patient={pid}&status=active",
        "medicationStatements": f"MedicationStatement?patient={pid}&status=active",
        "medicationDispenses": f"MedicationDispense?patient={pid}&_sort=-whenhandedover&_count=20",
        "intakeResponses": (
            f"QuestionnaireResponse?patient={pid}&status=completed,amended&_sort=-authored&_count=5"
        ),
    }
    # only procedures a rule reads (spine surgery): the KB's procedure concepts' codes
    procedure_codes = sorted(
        (code.system, code.code)
        for concept in _procedure_concepts(kb)
        for code in kb.concepts[concept].codes
    )
    if procedure_codes:
        codes = ",".join(f"{_SYSTEM_URI.get(sys_, sys_)}|{code}" for sys_, code in procedure_codes)
        templates["procedures"] = f"Procedure?patient={pid}&code={codes}"
    # The engine reads the latest value of each measure within its window, so one search
    # per measure for its latest reading is all it needs: the form of the specification's
    # own "most recent reading" example. A measure's search includes the panels that carry
    # it (blood pressure), so an EHR that stores systolic and diastolic as separate
    # Observations and one that stores a panel are both served.
    for measure in kb.model.measures:
        keys = sorted({(c.system, c.code) for c in (*measure.codes, *measure.panels)})
        codes = ",".join(f"{_SYSTEM_URI.get(sys_, sys_)}|{code}" for sys_, code in keys)
        # the latest reading decides, or (aggregate max: body temperature) any reading in
        # the window: the last readings then, not only the latest
        count = 20 if measure.aggregate == "max" else 1
        templates[measure.id] = f"Observation?patient={pid}&code={codes}&_sort=-date&_count={count}"
    return templates


def discovery(kb: KB) -> dict[str, Any]:
    templates = prefetch_templates(kb)
    services = []
    for service_id, info in SERVICES.items():
        services.append(
            {
                "hook": info["hook"],
                "title": info["title"],
                "description": info["description"],
                "id": service_id,
                "prefetch": dict(templates),
                "usageRequirements": "Prefetch the keys listed, or send fhirServer with "
                "fhirAuthorization (read access to Patient, Condition, Observation, "
                "MedicationRequest, MedicationStatement and Procedure).",
            }
        )
    return {"services": services}


def massage_orders(
    draft_orders: Mapping[str, Any], selections: list[str] | None
) -> list[dict[str, Any]]:
    """The draft ServiceRequests coded as massage or manual therapy (selected ones only,
    for order-select)."""
    from spinecare.fhir.cards import order_value_set

    codes = order_value_set()["codes"]
    found = []
    entries = draft_orders.get("entry") or []
    if not isinstance(entries, list):
        raise CdsRequestError("context.draftOrders.entry must be a list")
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            raise CdsRequestError(f"context.draftOrders.entry[{index}] has no resource object")
        if resource.get("resourceType") != "ServiceRequest":
            continue
        code = resource.get("code")
        codings = code.get("coding") if isinstance(code, dict) else None
        if not isinstance(codings, list):
            continue
        if not any(
            isinstance(c, dict) and (c.get("system"), str(c.get("code"))) in codes for c in codings
        ):
            continue
        if selections:
            ref = f"ServiceRequest/{resource.get('id')}"
            if ref not in selections and resource.get("id") not in selections:
                continue
        found.append(resource)
    return found


# ---------------------------------------------------------------------------------------
# Request parsing


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    return "number"


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        raise CdsRequestError("empty request body: a JSON object is expected")
    try:
        data = load_document(raw, "request body", yaml_allowed=False)
    except RecordError as exc:
        raise CdsRequestError(exc.one_line()) from None
    if not isinstance(data, dict):
        raise CdsRequestError(f"request body must be a JSON object, not {_json_type(data)}")
    return data


def _check_request(data: dict[str, Any], hook: str) -> dict[str, Any]:
    sent_hook = data.get("hook")
    if not isinstance(sent_hook, str):
        raise CdsRequestError("'hook' is missing (a string naming the hook)")
    if sent_hook != hook:
        raise CdsRequestError(f"this service answers the '{hook}' hook, not '{sent_hook}'")
    if not isinstance(data.get("hookInstance"), str) or not data["hookInstance"]:
        raise CdsRequestError("'hookInstance' is missing (a UUID string)")
    context = data.get("context")
    if not isinstance(context, dict):
        raise CdsRequestError("'context' is missing (a JSON object)")
    for name, kind in CONTEXT_FIELDS[hook].items():
        if name not in context:
            raise CdsRequestError(f"context.{name} is missing (required by the {hook} hook)")
        if _json_type(context[name]) != kind:
            raise CdsRequestError(
                f"context.{name} must be a {kind}, not {_json_type(context[name])}"
            )
    if not context["patientId"].strip():
        raise CdsRequestError("context.patientId is empty")
    if "selections" in context and not all(isinstance(s, str) for s in context["selections"]):
        raise CdsRequestError("context.selections must be a list of strings")
    if "draftOrders" in context and context["draftOrders"].get("resourceType") != "Bundle":
        raise CdsRequestError("context.draftOrders must be a FHIR Bundle")
    server = data.get("fhirServer")
    if server is not None and not (
        isinstance(server, str) and server.startswith(("http://", "https://"))
    ):
        raise CdsRequestError("'fhirServer' must be an http(s) URL")
    auth = data.get("fhirAuthorization")
    if auth is not None:
        if not isinstance(auth, dict) or not isinstance(auth.get("access_token"), str):
            raise CdsRequestError("'fhirAuthorization' must be an object with an access_token")
        if server is None:
            raise CdsRequestError("'fhirAuthorization' given without 'fhirServer'")
    prefetch = data.get("prefetch")
    if prefetch is not None and not isinstance(prefetch, dict):
        raise CdsRequestError(f"'prefetch' must be an object, not {_json_type(prefetch)}")
    extension = data.get("extension")
    if extension is not None and not isinstance(extension, dict):
        raise CdsRequestError("'extension' must be an object")
    return context


def _options(data: dict[str, Any]) -> tuple[date, str]:
    extension = data.get("extension") or {}
    as_of = date.today()
    raw = extension.get(AS_OF_EXTENSION)
    if raw is not None:
        try:
            as_of = date.fromisoformat(str(raw))
        except ValueError:
            raise CdsRequestError(
                f"extension.{AS_OF_EXTENSION}: '{raw}' is not a date YYYY-MM-DD"
            ) from None
    lang = extension.get(LANG_EXTENSION, "en")
    if lang not in ("en", "ru"):
        raise CdsRequestError(f"extension.{LANG_EXTENSION}: '{lang}' is not one of en, ru")
    return as_of, lang


# ---------------------------------------------------------------------------------------
# Prefetch


def _operation_outcome_text(key: str, outcome: Mapping[str, Any]) -> str:
    raw = outcome.get("issue")
    issues: list[Any] = raw if isinstance(raw, list) else []
    texts = []
    for issue in issues[:5]:
        if not isinstance(issue, dict):
            continue
        details = issue.get("details")
        text = issue.get("diagnostics") or (
            details.get("text") if isinstance(details, dict) else None
        )
        texts.append(f"{issue.get('severity', 'error')} {issue.get('code', '')}: {text or ''}")
    return f"{key}: " + ("; ".join(t.strip().rstrip(":") for t in texts) or "OperationOutcome")


def _check_prefetch_value(key: str, value: Any) -> None:
    expected = prefetch_type(key)
    if not isinstance(value, dict):
        raise CdsRequestError(
            f"prefetch.{key} must be a FHIR {expected} or null, not {_json_type(value)}"
        )
    kind = value.get("resourceType")
    if kind == "OperationOutcome":
        return
    if kind != expected:
        raise CdsRequestError(
            f"prefetch.{key} must be a FHIR {expected}, "
            f"not {kind or 'an object without resourceType'}"
        )


async def _fetch_one(
    client: httpx.AsyncClient, base: str, key: str, query: str
) -> dict[str, Any] | None:
    url = f"{base}/{query}"
    combined: dict[str, Any] | None = None
    for _ in range(MAX_PAGES):
        try:
            response = await client.get(url)
        except BlockedAddress as exc:
            raise PrefetchUnavailable(f"{key}: {exc}") from None
        except httpx.HTTPError as exc:
            raise PrefetchUnavailable(
                f"{key}: FHIR server unreachable ({type(exc).__name__})"
            ) from None
        if response.status_code == 404 and prefetch_type(key) == "Patient":
            return None
        try:
            body = parse_json(response.content, key)
        except RecordError as exc:
            raise PrefetchUnavailable(
                f"{key}: FHIR server sent no usable JSON ({exc.message})"
            ) from None
        if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
            return body
        if response.status_code >= 400:
            raise PrefetchUnavailable(f"{key}: FHIR server answered {response.status_code}")
        if not isinstance(body, dict):
            raise PrefetchUnavailable(f"{key}: FHIR server sent no resource")
        if body.get("resourceType") != "Bundle" or prefetch_type(key) != "Bundle":
            return body
        if combined is None:
            combined = body
        else:
            combined.setdefault("entry", []).extend(body.get("entry") or [])
        next_url = None
        for link in body.get("link") or []:
            if isinstance(link, dict) and link.get("relation") == "next":
                next_url = link.get("url")
        if not isinstance(next_url, str) or not next_url.startswith(base + "/"):
            break  # no next page, or one on another server (never followed)
        url = next_url
    if combined is not None and not combined.get("entry"):
        return None  # searched and found nothing
    return combined


async def _fetch_missing(
    data: dict[str, Any], missing: dict[str, str], policy: AddressPolicy
) -> dict[str, dict[str, Any] | None]:
    server = data.get("fhirServer")
    auth = data.get("fhirAuthorization")
    if not server or not auth:
        raise PrefetchUnavailable(
            "prefetch incomplete (" + ", ".join(sorted(missing)) + ") and no fhirServer "
            "with fhirAuthorization to fetch it from"
        )
    base = server.rstrip("/")
    headers = {
        "Accept": "application/fhir+json, application/json",
        "Authorization": f"Bearer {auth['access_token']}",
    }
    async with guarded_client(policy, timeout=FETCH_TIMEOUT, headers=headers) as client:
        results = await asyncio.gather(
            *(_fetch_one(client, base, key, query) for key, query in missing.items())
        )
    return dict(zip(missing, results, strict=True))


def _fill(template: str, context: Mapping[str, Any]) -> str:
    from urllib.parse import quote

    out = template
    for name, value in context.items():
        if isinstance(value, str):
            out = out.replace("{{context." + name + "}}", quote(value, safe=""))
    return out


async def resolve_prefetch(
    data: dict[str, Any],
    context: Mapping[str, Any],
    templates: Mapping[str, str],
    policy: AddressPolicy | None = None,
) -> dict[str, dict[str, Any] | None]:
    """Every prefetch key: the resource sent or fetched, or None (searched, nothing).

    What is fetched from ``fhirServer`` goes only to addresses ``policy`` allows (by
    default: no loopback, link-local or private address)."""
    prefetch = data.get("prefetch") or {}
    values: dict[str, dict[str, Any] | None] = {}
    missing: dict[str, str] = {}
    for key in templates:
        if key not in prefetch:
            missing[key] = _fill(templates[key], context)
            continue
        value = prefetch[key]
        if value is not None:
            _check_prefetch_value(key, value)
        values[key] = value
    if missing:
        fetched = await _fetch_missing(data, missing, policy or AddressPolicy())
        for key, value in fetched.items():
            if value is not None:
                try:
                    _check_prefetch_value(key, value)
                except CdsRequestError as exc:
                    raise PrefetchUnavailable(f"FHIR server: {exc.message}") from None
            values[key] = value
    return values


def _subject_ok(resource: Mapping[str, Any], patient_id: str) -> bool:
    for field in ("subject", "patient"):
        ref = resource.get(field)
        if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
            value = ref["reference"]
            if value.startswith("Patient/") or "/Patient/" in value:
                return bool(value.rstrip("/").split("/")[-1] == patient_id) or value.endswith(
                    f"Patient/{patient_id}"
                )
    return True


def build_record(
    values: Mapping[str, dict[str, Any] | None], patient_id: str, kb: KB, source: str
) -> Any:
    """The patient record from the prefetched resources (RecordBuilder of the FHIR reader)."""
    from spinecare.fhir.reader import RecordBuilder

    builder = RecordBuilder(_measures(kb), source)
    patient = values.get("patient")
    if patient is None:
        patient = {"resourceType": "Patient", "id": patient_id}
    elif patient.get("id") not in (None, patient_id):
        raise CdsRequestError(
            f"prefetch.patient is Patient/{patient.get('id')}, but context.patientId is "
            f"{patient_id}"
        )
    else:
        patient = {**patient, "id": patient_id}
    builder.add(patient)
    seen: set[str] = set()
    for key, value in values.items():
        if key == "patient" or value is None:
            continue
        entries = value.get("entry") or []
        if not isinstance(entries, list):
            raise CdsRequestError(f"prefetch.{key}.entry must be a list")
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise CdsRequestError(f"prefetch.{key}.entry[{index}] must be an object")
            search = entry.get("search")
            if isinstance(search, dict) and search.get("mode") == "outcome":
                continue
            resource = entry.get("resource")
            if not isinstance(resource, dict):
                raise CdsRequestError(f"prefetch.{key}.entry[{index}] has no resource object")
            kind = resource.get("resourceType")
            if kind in ("OperationOutcome", "Patient"):
                continue
            rid = resource.get("id")
            if isinstance(rid, str):
                ref = f"{kind}/{rid}"
                if ref in seen:
                    continue
                seen.add(ref)
            if not _subject_ok(resource, patient_id):
                raise CdsRequestError(
                    f"prefetch.{key}.entry[{index}] belongs to another patient than "
                    f"context.patientId"
                )
            full_url = entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else None
            builder.add(resource, full_url)
    return builder.build()


# ---------------------------------------------------------------------------------------
# The spinecare patient for the EHR's patient


def ehr_systems(data: Mapping[str, Any], claims: Any) -> list[str]:
    """The names of the calling EHR: its ``fhirServer`` and its JWT issuer."""
    systems = []
    server = data.get("fhirServer")
    if isinstance(server, str) and server:
        systems.append(server)
    iss = claims.get("iss") if isinstance(claims, dict) else None
    if isinstance(iss, str) and iss:
        systems.append(iss)
    return systems


async def app_patient_for(request: Request, systems: list[str], patient_id: str) -> int | None:
    """spinecare's patient stored with this EHR id, or None (then the card's link is a
    SMART launch: never a guess from the EHR's id)."""
    from spinecare.api.cds_app import cds_state
    from spinecare.store.ehr import find_ehr_patient

    db = cds_state(request.app).db
    if db is None or not systems:
        return None

    def find() -> int | None:
        with db.session() as session:
            return find_ehr_patient(session, systems, patient_id)

    return await asyncio.to_thread(find)


# ---------------------------------------------------------------------------------------
# Routes

_REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["hook", "hookInstance", "context"],
                    "properties": {
                        "hook": {"type": "string"},
                        "hookInstance": {"type": "string"},
                        "fhirServer": {"type": "string"},
                        "fhirAuthorization": {"type": "object"},
                        "context": {"type": "object"},
                        "prefetch": {"type": "object"},
                        "extension": {"type": "object"},
                    },
                }
            }
        },
    }
}
_FEEDBACK_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["feedback"],
                    "properties": {"feedback": {"type": "array", "items": {"type": "object"}}},
                }
            }
        },
    }
}


@router.get("/cds-services", summary="CDS Hooks discovery")
async def get_discovery(claims: Any = Depends(require_cds_jwt)) -> dict[str, Any]:
    return discovery(_kb())


def _service(service_id: str) -> dict[str, str]:
    info = SERVICES.get(service_id)
    if info is None:
        raise HTTPException(404, f"no CDS service '{service_id}'")
    return info


@router.post(
    "/cds-services/{service_id}", summary="Call a CDS service", openapi_extra=_REQUEST_BODY
)
async def call_service(
    service_id: str, request: Request, claims: Any = Depends(require_cds_jwt)
) -> Any:
    from spinecare.api.cds_app import cds_state
    from spinecare.engine.screening import screen_record
    from spinecare.fhir.cards import error_card, screening_cards

    info = _service(service_id)
    hook = info["hook"]
    data = await _json_body(request)
    context = _check_request(data, hook)
    as_of, lang = _options(data)
    patient_id: str = context["patientId"]

    drafts: list[dict[str, Any]] = []
    if hook in ("order-select", "order-sign"):
        selections = context.get("selections") if hook == "order-select" else None
        drafts = massage_orders(context["draftOrders"], selections)
        if not drafts:
            return {"cards": []}  # not a massage order: stay silent

    kb = _kb()
    settings = cds_state(request.app).settings
    try:
        values = await resolve_prefetch(
            data, context, _templates(kb), cds_state(request.app).address_policy
        )
    except PrefetchUnavailable as exc:
        raise HTTPException(412, f"cannot obtain the FHIR data the service needs: {exc}") from None
    app_patient = await app_patient_for(request, ehr_systems(data, claims), patient_id)
    errors = [
        _operation_outcome_text(key, value)
        for key, value in values.items()
        if value is not None and value.get("resourceType") == "OperationOutcome"
    ]
    if errors:
        card = error_card(errors, base_url=settings.base_url, app_patient_id=app_patient, lang=lang)
        return {"cards": [card]}
    try:
        record = build_record(values, patient_id, kb, f"cds-hooks:{data['hookInstance']}")
    except RecordError as exc:
        raise CdsRequestError(f"prefetch data cannot be read: {exc.message}") from None
    screening = screen_record(record, kb, as_of, lang)
    cards = screening_cards(
        screening,
        base_url=settings.base_url,
        hook=hook,
        draft_orders=drafts,
        patient_id=patient_id,
        app_patient_id=app_patient,
    )
    # plain JSON-ready data: skip FastAPI's encoder (a large share of the time budget)
    return Response(orjson.dumps({"cards": cards}), media_type="application/json")


@router.post(
    "/cds-services/{service_id}/feedback", summary="Feedback on cards", openapi_extra=_FEEDBACK_BODY
)
async def feedback(
    service_id: str, request: Request, claims: Any = Depends(require_cds_jwt)
) -> dict[str, Any]:
    from spinecare.api.cds_app import cds_state

    _service(service_id)
    data = await _json_body(request)
    items = data.get("feedback")
    if not isinstance(items, list) or not items:
        raise CdsRequestError("'feedback' must be a non-empty list")
    events = []
    for index, item in enumerate(items):
        where = f"feedback[{index}]"
        if not isinstance(item, dict):
            raise CdsRequestError(f"{where} must be an object")
        if not isinstance(item.get("card"), str) or not item["card"]:
            raise CdsRequestError(f"{where}.card is missing (the card's uuid)")
        outcome = item.get("outcome")
        if outcome not in ("accepted", "overridden"):
            raise CdsRequestError(f"{where}.outcome must be 'accepted' or 'overridden'")
        if not isinstance(item.get("outcomeTimestamp"), str):
            raise CdsRequestError(f"{where}.outcomeTimestamp is missing")
        accepted = item.get("acceptedSuggestions")
        well_formed = isinstance(accepted, list) and all(
            isinstance(s, dict) and isinstance(s.get("id"), str) for s in accepted
        )
        if outcome == "accepted" and not well_formed:
            raise CdsRequestError(f"{where}.acceptedSuggestions must list {{'id': ...}}")
        reason = item.get("overrideReason")
        if reason is not None and not isinstance(reason, dict):
            raise CdsRequestError(f"{where}.overrideReason must be an object")
        event: dict[str, Any] = {
            "event": "cds-feedback",
            "service": service_id,
            "received": datetime.now(UTC).isoformat(timespec="seconds"),
            "client": claims.get("iss") if isinstance(claims, dict) else None,
            "card": item["card"],
            "outcome": outcome,
            "outcomeTimestamp": item["outcomeTimestamp"],
        }
        if accepted:
            event["acceptedSuggestions"] = [s["id"] for s in accepted]
        if reason:
            event["overrideReason"] = reason
        events.append(event)
    state = cds_state(request.app)
    for event in events:
        state.record(event)
    return {"stored": len(events)}
