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
names as not read (the rest is screened, the verdict at least ``needs_data``).

Every call needs the EHR's JWT (:mod:`spinecare.api.security`). Bad input is a 400 with
the app's one error envelope, never a 500 and never a card built from guessed data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import orjson
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.routing import APIRoute

from spinecare.api.cds_state import cds_state, require_cds_jwt, trusted_fhir_server
from spinecare.api.errors import ERROR_LANGUAGE, REQUEST_BODY
from spinecare.clinic.limits import DATE_MAX, DATE_MIN
from spinecare.clinic.workers import run_heavy
from spinecare.dates import iso_date
from spinecare.documents import collector_held, load_document
from spinecare.engine.screening import Screening, screen_record
from spinecare.errors import RecordError
from spinecare.fhir.cards import order_value_set, screening_cards
from spinecare.fhir.prefetch import (
    OPTIONAL_KEYS,
    PREFETCH_TYPES,
    CdsRequestError,
    PrefetchUnavailable,
    about_patient,
    build_record,
    fetch_prefetch,
    follow_pages,
    kb_templates,
    next_page,
    partly_read,
    prefetch_templates,
    screened_in_part,
    sent_prefetch,
    unanswered,
    unread_kinds,
)
from spinecare.i18n import SOURCE_LANGUAGE, accepted_language, is_language, languages, translate
from spinecare.kb.loader import KB, load_kb
from spinecare.messages import JSON_KINDS, Day, Message, Quantity, json_kind, kind_words
from spinecare.record.model import PatientRecord

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
        "orders with a suggestion to remove them; proposes a physician's review (a "
        "neurology consultation for a disc herniation) when a physician's clearance is "
        "needed.",
    },
}

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


def _kb() -> KB:
    return load_kb()


def discovery(kb: KB) -> dict[str, Any]:
    templates = kb_templates(kb)  # built once per KB
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
    draft_orders: Mapping[str, Any], selections: list[str] | None, patient_id: str | None = None
) -> list[dict[str, Any]]:
    """The draft ServiceRequests coded or named as massage or manual therapy
    (:func:`_coded_massage`, :func:`_named_massage`; selected ones only,
    for order-select). One for another patient than ``patient_id`` is refused: the card
    would screen the patient in context and propose to delete that other patient's order."""
    found = []
    entries = draft_orders.get("entry") or []
    if not isinstance(entries, list):
        raise CdsRequestError(Message("context.draftOrders.entry must be a list"))
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            raise CdsRequestError(
                Message("context.draftOrders.entry[%(index)s] has no resource object", index=index)
            )
        if resource.get("resourceType") != "ServiceRequest":
            continue
        if not (_coded_massage(resource) or _named_massage(resource)):
            continue
        if selections:
            ref = f"ServiceRequest/{resource.get('id')}"
            if ref not in selections and resource.get("id") not in selections:
                continue
        if patient_id is not None and not about_patient(resource, patient_id):
            raise CdsRequestError(
                Message(
                    "%(where)s belongs to another patient than context.patientId",
                    where=f"context.draftOrders.entry[{index}]",
                )
            )
        found.append(resource)
    return found


def _order_code(order: Mapping[str, Any]) -> tuple[Any, list[dict[str, Any]]]:
    code = order.get("code")
    codings = code.get("coding") if isinstance(code, dict) else None
    return code, [c for c in codings if isinstance(c, dict)] if isinstance(codings, list) else []


def _coded_massage(order: Mapping[str, Any]) -> bool:
    """Whether a ServiceRequest is coded as a massage or manual-therapy order (the KB's
    ``massage_order`` codes: :func:`order_value_set`)."""
    codes = order_value_set()["codes"]
    _, codings = _order_code(order)
    return any(
        isinstance(c.get("system"), str) and (c["system"], str(c.get("code"))) in codes
        for c in codings
    )


def _named_massage(order: Mapping[str, Any]) -> bool:
    """Whether a ServiceRequest's words (its ``code.text``, a coding's display) name a
    massage or manual-therapy order, as the KB words it (``massage_order``,
    terminology.yaml: "Massage", "Массаж спины", "Manual therapy techniques"): an order
    coded in a system the KB does not hold, or only written, is screened too.

    The words must begin with the name, as an order is written ("Massage, lumbar spine x10",
    "Массаж спины №10"): an order that only mentions massage is another order ("MRI lumbar
    spine before manual therapy", "Carotid sinus massage", "Hold massage", "Neurology
    consult: clearance for massage"), and "No massage" is none."""
    code, codings = _order_code(order)
    said = [code.get("text") if isinstance(code, dict) else None]
    said += [c.get("display") for c in codings]
    matcher = _kb().text_matcher
    for text in said:
        if not isinstance(text, str):
            continue
        opening = text.lstrip().casefold()
        if any(
            m.concept == "massage_order" and opening.startswith(m.words.casefold())
            for m in matcher.find(text)
        ):
            return True
    return False


DRUG_ORDERS = frozenset({"MedicationRequest"})
"""The kinds of draft order read into the record as orders in force (:func:`with_drug_orders`)."""


def with_drug_orders(
    values: dict[str, Any], draft_orders: Mapping[str, Any], patient_id: str
) -> dict[str, Any]:
    """The prefetched ``values`` with the draft drug orders of order-select and order-sign
    read as orders in force, under the key ``draftOrders``.

    The hook is called as these orders are chosen or signed with the massage order: a
    blood thinner ordered with it will be taken during the course, so a draft is read as
    an active order (clinic policy, docs/cds-hooks.md). Orders already cancelled or
    entered in error keep their status. One for another patient than ``patient_id`` is
    refused, as a massage order is (:func:`massage_orders`, which has checked that every
    entry holds a resource object). ``values`` itself where no drug is ordered (and for
    patient-view, which has no draft orders).
    """
    entries = []
    for index, entry in enumerate(draft_orders.get("entry") or []):
        resource = entry["resource"]
        if resource.get("resourceType") not in DRUG_ORDERS:
            continue
        if not about_patient(resource, patient_id):
            raise CdsRequestError(
                Message(
                    "%(where)s belongs to another patient than context.patientId",
                    where=f"context.draftOrders.entry[{index}]",
                )
            )
        if resource.get("status") == "draft":
            resource = {**resource, "status": "active"}
        entries.append({"resource": resource})
    if not entries:
        return values
    # first: a draft the EHR also sent among the prefetched drugs is read as ordered
    return {"draftOrders": {"resourceType": "Bundle", "entry": entries}, **values}


# ---------------------------------------------------------------------------------------
# Request parsing


async def _json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object (see :func:`_parsed_body`)."""
    return _parsed_body(await request.body(), request)


def _parsed_body(raw: bytes, request: Request) -> dict[str, Any]:
    """The JSON object of a request's body. Its language (the ``org.spinecare.lang``
    extension) is not known before it is read: a body that cannot be read is refused in
    the language the request's ``Accept-Language`` header prefers, else English."""
    if not raw.strip():
        problem = Message("empty request body: a JSON object is expected")
        raise CdsRequestError(translate(problem, _language(request, {})))
    try:
        data = load_document(raw, REQUEST_BODY, yaml_allowed=False)
    except RecordError as exc:
        raise CdsRequestError(translate(exc.one_line(), _language(request, {}))) from None
    if not isinstance(data, dict):
        problem = Message("request body must be a JSON object, not %(kind)s", kind=kind_words(data))
        raise CdsRequestError(translate(problem, _language(request, {})))
    return data


def _language(request: Request, data: Mapping[str, Any]) -> str:
    """The language of a request's errors: its ``org.spinecare.lang`` extension where that
    names a language, else the one its ``Accept-Language`` header prefers, else English."""
    extension = data.get("extension")
    lang = extension.get(LANG_EXTENSION) if isinstance(extension, dict) else None
    if isinstance(lang, str) and is_language(lang):
        return lang
    return accepted_language(request.headers.get("accept-language")) or SOURCE_LANGUAGE


@contextmanager
def _refused_in_language(request: Request, data: Mapping[str, Any]) -> Iterator[None]:
    """A request-shape refusal raised inside is said in the request's language (the
    envelope and its ``code`` stay the same)."""
    try:
        yield
    except CdsRequestError:
        setattr(request.state, ERROR_LANGUAGE, _language(request, data))
        raise


def _check_request(data: dict[str, Any], hook: str) -> dict[str, Any]:
    """The request's context, once the request has the shape of a ``hook`` call."""
    sent_hook = data.get("hook")
    if not isinstance(sent_hook, str):
        raise CdsRequestError(Message("'hook' is missing (a string naming the hook)"))
    if sent_hook != hook:
        raise CdsRequestError(
            Message(
                "this service answers the '%(hook)s' hook, not '%(sent)s'",
                hook=hook,
                sent=sent_hook,
            )
        )
    if not isinstance(data.get("hookInstance"), str) or not data["hookInstance"]:
        raise CdsRequestError(Message("'hookInstance' is missing (a UUID string)"))
    context = _check_context(data.get("context"), hook)
    _check_server(data)
    prefetch = data.get("prefetch")
    if prefetch is not None and not isinstance(prefetch, dict):
        raise CdsRequestError(
            Message("'prefetch' must be an object, not %(kind)s", kind=kind_words(prefetch))
        )
    extension = data.get("extension")
    if extension is not None and not isinstance(extension, dict):
        raise CdsRequestError(Message("'extension' must be an object"))
    return context


def _check_context(context: Any, hook: str) -> dict[str, Any]:
    if not isinstance(context, dict):
        raise CdsRequestError(Message("'context' is missing (a JSON object)"))
    for name, kind in CONTEXT_FIELDS[hook].items():
        if name not in context:
            raise CdsRequestError(
                Message(
                    "context.%(name)s is missing (required by the %(hook)s hook)",
                    name=name,
                    hook=hook,
                )
            )
        if json_kind(context[name]) != kind:
            raise CdsRequestError(
                Message(
                    "context.%(name)s must be %(kind)s, not %(sent)s",
                    name=name,
                    kind=Message(JSON_KINDS[kind]),
                    sent=kind_words(context[name]),
                )
            )
    if not context["patientId"].strip():
        raise CdsRequestError(Message("context.patientId is empty"))
    # the optional fields of any hook, as the hooks that require them check them: never
    # an internal error for a shape the reader would trip over
    selections = context.get("selections")
    if "selections" in context and not (
        isinstance(selections, list) and all(isinstance(s, str) for s in selections)
    ):
        raise CdsRequestError(Message("context.selections must be a list of strings"))
    if "draftOrders" in context:
        orders = context["draftOrders"]
        entries = (orders.get("entry") or []) if isinstance(orders, dict) else None
        if not isinstance(orders, dict) or orders.get("resourceType") != "Bundle":
            raise CdsRequestError(Message("context.draftOrders must be a FHIR Bundle"))
        if not isinstance(entries, list):
            raise CdsRequestError(Message("context.draftOrders.entry must be a list"))
        for index, entry in enumerate(entries):
            if not (isinstance(entry, dict) and isinstance(entry.get("resource"), dict)):
                raise CdsRequestError(
                    Message(
                        "context.draftOrders.entry[%(index)s] has no resource object",
                        index=index,
                    )
                )
    return context


def _check_server(data: dict[str, Any]) -> None:
    """``fhirServer`` is an http(s) URL, and ``fhirAuthorization`` comes with one."""
    server = data.get("fhirServer")
    if server is not None and not (
        isinstance(server, str) and server.startswith(("http://", "https://"))
    ):
        raise CdsRequestError(Message("'fhirServer' must be an http(s) URL"))
    auth = data.get("fhirAuthorization")
    if auth is not None:
        if not isinstance(auth, dict) or not isinstance(auth.get("access_token"), str):
            raise CdsRequestError(
                Message("'fhirAuthorization' must be an object with an access_token")
            )
        if server is None:
            raise CdsRequestError(Message("'fhirAuthorization' given without 'fhirServer'"))


def _check_trusted(data: Mapping[str, Any], trusted: bool) -> None:
    """Data is fetched only from a FHIR server configured for the calling EHR
    (:func:`~spinecare.api.cds_state.trusted_fhir_server`); nothing is sent elsewhere."""
    server = data.get("fhirServer")
    if server and data.get("fhirAuthorization") and not trusted:
        raise PrefetchUnavailable(
            Message(
                "fhirServer %(server)s is not a FHIR server of the calling EHR (its "
                "'fhir_servers' in SPINECARE_CDS_ISSUERS); nothing was sent to it",
                server=str(server)[:200],
            )
        )


def _options(data: dict[str, Any], request: Request) -> tuple[date, str]:
    """The screening date (``org.spinecare.as-of``, default today) and the language of the
    cards: ``org.spinecare.lang``, else the one ``Accept-Language`` prefers (as for the
    request's errors), else English."""
    extension = data.get("extension") or {}
    raw = extension.get(AS_OF_EXTENSION)
    if raw is None:
        as_of = date.today()  # asks the system's time zone: only when the request names no day
    else:
        try:
            as_of = iso_date(raw)  # YYYY-MM-DD as it says, not 2026-W49-6
        except ValueError:
            raise CdsRequestError(
                Message(
                    "extension.%(name)s: '%(value)s' is not a date YYYY-MM-DD",
                    name=AS_OF_EXTENSION,
                    value=str(raw)[:40],
                )
            ) from None
        if not DATE_MIN <= as_of <= DATE_MAX:  # the days the rest of the app screens on
            raise CdsRequestError(
                Message(
                    "%(where)s: %(day)s is not between %(first)s and %(last)s",
                    where=f"extension.{AS_OF_EXTENSION}",
                    day=as_of.isoformat(),
                    first=DATE_MIN.isoformat(),
                    last=DATE_MAX.isoformat(),
                )
            )
    lang = extension.get(LANG_EXTENSION)
    if lang is None:
        return as_of, _language(request, data)
    if not is_language(lang):
        raise CdsRequestError(
            Message(
                "extension.%(name)s: '%(value)s' is not one of %(languages)s",
                name=LANG_EXTENSION,
                value=lang,
                languages=", ".join(languages()),
            )
        )
    return as_of, lang


# ---------------------------------------------------------------------------------------
# The spinecare patient for the EHR's patient


def ehr_systems(data: Mapping[str, Any], claims: Any, trusted: bool) -> list[str]:
    """The names of the calling EHR: its JWT issuer, and its ``fhirServer`` when that is
    one of the issuer's (``trusted``): a call never names another EHR's server to find
    that EHR's patients."""
    systems = []
    server = data.get("fhirServer")
    if trusted and isinstance(server, str) and server:
        systems.append(server)
    iss = claims.get("iss") if isinstance(claims, dict) else None
    if isinstance(iss, str) and iss:
        systems.append(iss)
    return systems


async def app_patient_for(
    request: Request, systems: list[str], patient_id: str, record: PatientRecord | None
) -> tuple[int | None, bool]:
    """spinecare's patient stored with this EHR id, or None (then the card's link is a
    SMART launch: never a guess from the EHR's id), and whether the one stored is another
    person than the EHR's ``record`` (then no link to it). Without a record (the EHR sent
    errors), the chart is not linked: its identity cannot be checked."""
    if not systems:
        return None, False
    from spinecare.clinic.ehr import linked_chart

    db = cds_state(request.app).db
    if db is None or record is None:
        return None, False
    return await asyncio.to_thread(linked_chart, db, systems, patient_id, record)


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
        raise HTTPException(404, Message("no CDS service '%(service)s'", service=service_id))
    return info


class _DirectRoute(APIRoute):
    """A hook call goes straight to its endpoint: the JWT check, then the endpoint, which
    reads its own body and answers a ready Response. FastAPI's per-request work (solving
    dependencies, encoding the answer) is skipped; the route, its documentation and the
    app's error handling stay FastAPI's."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint = self.endpoint

        async def handler(request: Request) -> Response:
            claims = await require_cds_jwt(request)
            answer: Response = await endpoint(request.path_params["service_id"], request, claims)
            return answer

        return handler


def _json(content: Any) -> Response:
    """Plain JSON-ready data as the answer (orjson: FastAPI's encoder is a large share of
    the time a call takes)."""
    return Response(orjson.dumps(content), media_type="application/json")


def _screen_values(
    values: Mapping[str, Any],
    patient_id: str,
    kb: Any,
    name: str,
    as_of: date,
    lang: str,
    partly: list[str],
    failed: list[str],
) -> tuple[Screening | None, bool]:
    """The screening of the prefetched record (of one read only in part: ``partly``, or
    without the searches the EHR answered with an error, ``failed``:
    :func:`~spinecare.fhir.prefetch.screened_in_part`), and whether the patient is
    recorded as deceased on the date (then no screening); a record that cannot be read is
    the request's error (:class:`CdsRequestError`)."""
    try:
        record = build_record(values, patient_id, kb, name)
    except RecordError as exc:
        unreadable = Message("prefetch data cannot be read: %(problem)s", problem=exc.message)
        raise CdsRequestError(translate(unreadable, lang)) from None
    if record.patient.deceased_by(as_of):
        return None, True
    return screened_in_part(screen_record(record, kb, as_of, lang), partly, failed), False


async def _prefetch(
    data: dict[str, Any],
    context: Mapping[str, Any],
    templates: Mapping[str, str],
    trusted: bool,
    state: Any,
    held: Any,
) -> dict[str, Any]:
    """Every prefetch key: as sent, with the next pages of a search the EHR sent only the
    first page of, and the keys not sent fetched from a trusted ``fhirServer`` (412 where
    the data the service needs cannot be had)."""
    try:
        values, missing = sent_prefetch(data, context, templates)
        if trusted and any(next_page(v) for v in values.values() if isinstance(v, dict)):
            # the EHR sent a search's first page: the rest from its FHIR server
            _check_trusted(data, trusted)
            held.release()
            await follow_pages(data, values, state.address_policy)
        if missing and (trusted or not OPTIONAL_KEYS.issuperset(missing)):
            # only kinds an EHR may not offer missing: never fetched from a server
            # not configured for the EHR, just not read (OPTIONAL_KEYS)
            _check_trusted(data, trusted)
            held.release()
            values.update(await fetch_prefetch(data, missing, state.address_policy))
    except PrefetchUnavailable as exc:
        problem = Message(
            "cannot obtain the FHIR data the service needs: %(problem)s", problem=exc.message
        )
        raise HTTPException(412, problem) from None
    return values


async def call_service(
    service_id: str, request: Request, claims: Any = Depends(require_cds_jwt)
) -> Any:  # Any: the OpenAPI entry stays as it was (the answer is a Response)
    info = _service(service_id)
    hook = info["hook"]
    raw = await request.body()
    # The request's document, and what is made of it, is read and let go before the
    # collector runs again, so that it never walks them (documents.collector_held); the
    # collector runs while the call waits on something else (the EHR's FHIR server, the
    # database).
    with collector_held() as held:
        data = _parsed_body(raw, request)
        # every refusal from here on is said in the request's language
        setattr(request.state, ERROR_LANGUAGE, _language(request, data))
        context = _check_request(data, hook)
        as_of, lang = _options(data, request)
        drafts: list[dict[str, Any]] = []
        if hook in ("order-select", "order-sign"):
            selections = context.get("selections") if hook == "order-select" else None
            drafts = massage_orders(context["draftOrders"], selections, context["patientId"])
        patient_id: str = context["patientId"]
        if hook in ("order-select", "order-sign") and not drafts:
            return _json({"cards": []})  # not a massage order: stay silent

        kb = _kb()
        state = cds_state(request.app)
        trusted = trusted_fhir_server(state, claims, data.get("fhirServer"))
        templates = kb_templates(kb)
        values = await _prefetch(data, context, templates, trusted, state, held)
        systems = ehr_systems(data, claims, trusted)
        unread = unread_kinds(values, templates)
        partly = partly_read(values, templates)  # only the first page(s) of a search
        # a search the EHR answered with an error (one it does not support, one that timed
        # out): not read, and named so; what was read is screened, so that a red flag or a
        # contraindication it holds is shown, and the part not read is missing data
        failed = unanswered(values, templates)
        unread = list(dict.fromkeys([*unread, *failed]))
        # order-select, order-sign: drugs ordered with the massage count
        values = with_drug_orders(values, context.get("draftOrders") or {}, patient_id)
        # reading and screening are heavy work: in a worker thread of the clinic's
        # documents pool (an EHR's call never waits behind anonymous posts), never on
        # the loop every page and sign-in of the app waits on
        name = f"cds-hooks:{data['hookInstance']}"
        held.release()  # the collector runs while the call waits on its thread
        screening, deceased = await run_heavy(
            _screen_values,
            values,
            patient_id,
            kb,
            name,
            as_of,
            lang,
            partly,
            failed,
            pool="documents",
        )
        if deceased or screening is None:
            # a chart opened (or an order made) for a patient recorded as deceased: a
            # well-formed call with no one to screen (screening refuses the record), so
            # no advice rather than an error
            return _json({"cards": []})
        del data, context, values
        if systems and state.db is not None:
            held.release()  # app_patient_for asks the database, from a thread
        app_patient, another = await app_patient_for(request, systems, patient_id, screening.record)
        base_url = state.settings.base_url
        answer = _json(
            {
                "cards": screening_cards(
                    screening,
                    base_url=base_url,
                    hook=hook,
                    # removing an order is proposed only for one coded as massage: one
                    # found by its words alone may be another ("Massage chair")
                    draft_orders=[d for d in drafts if _coded_massage(d)],
                    patient_id=patient_id,
                    app_patient_id=app_patient,
                    another_person=another,
                    unread=unread,
                    partly=partly,
                )
            }
        )
        del screening, drafts
    return answer


router.add_api_route(
    "/cds-services/{service_id}",
    call_service,
    methods=["POST"],
    summary="Call a CDS service",
    openapi_extra=_REQUEST_BODY,
    route_class_override=_DirectRoute,
)


@router.post(
    "/cds-services/{service_id}/feedback", summary="Feedback on cards", openapi_extra=_FEEDBACK_BODY
)
async def feedback(
    service_id: str, request: Request, claims: Any = Depends(require_cds_jwt)
) -> dict[str, Any]:
    _service(service_id)
    data = await _json_body(request)
    with _refused_in_language(request, data):
        events = _feedback_events(service_id, data, claims)
    state = cds_state(request.app)
    for event in events:
        state.record(event)
    return {"stored": len(events)}


FEEDBACK_ITEMS = 1_000
"""The most feedback items one request may report (an EHR reports a few at a time)."""
FEEDBACK_ID_LENGTH = 200
"""The longest card or suggestion id taken (the service's own are 36-character uuids)."""
FEEDBACK_TEXT_LENGTH = 4_000
"""The longest text taken in an override reason (a clinician's comment, a code's words)."""


def _feedback_id(value: Any) -> bool:
    """A card's or suggestion's id: text of 1 to :data:`FEEDBACK_ID_LENGTH` printable
    characters."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= FEEDBACK_ID_LENGTH
        and value.isprintable()
        and value.strip() == value
    )


def _instant(value: Any) -> bool:
    """An ISO 8601 date and time (``2026-11-20T10:00:00Z``) within the app's dates."""
    if not isinstance(value, str) or len(value) > 64 or "T" not in value:
        return False
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return False
    return DATE_MIN <= moment.date() <= DATE_MAX


def _override_reason(value: Any) -> bool:
    """CDS Hooks' override reason: ``{"reason": Coding, "userComment": text}``, each
    optional, texts no longer than :data:`FEEDBACK_TEXT_LENGTH` and without NUL."""

    def text(item: Any) -> bool:
        return isinstance(item, str) and len(item) <= FEEDBACK_TEXT_LENGTH and "\x00" not in item

    if not isinstance(value, dict) or not set(value) <= {"reason", "userComment"}:
        return False
    reason = value.get("reason", {})
    coding_ok = isinstance(reason, dict) and all(
        key in ("system", "code", "display") and text(item) for key, item in reason.items()
    )
    return coding_ok and ("userComment" not in value or text(value["userComment"]))


def _feedback_events(service_id: str, data: dict[str, Any], claims: Any) -> list[dict[str, Any]]:
    """The feedback events a request reports, once each has the shape CDS Hooks gives it
    (ids, a date and time, a coded reason: what is stored cannot be anything else)."""
    items = data.get("feedback")
    if not isinstance(items, list) or not items:
        raise CdsRequestError(Message("'feedback' must be a non-empty list"))
    if len(items) > FEEDBACK_ITEMS:
        raise CdsRequestError(
            Message(
                "'feedback' lists more than %(limit)s items; send them in several requests",
                limit=Quantity(FEEDBACK_ITEMS, None),
            )
        )
    events = []
    for index, item in enumerate(items):
        where = f"feedback[{index}]"
        if not isinstance(item, dict):
            raise CdsRequestError(Message("%(where)s must be an object", where=where))
        if not isinstance(item.get("card"), str) or not item["card"]:
            raise CdsRequestError(
                Message("%(where)s.card is missing (the card's uuid)", where=where)
            )
        if not _feedback_id(item["card"]):
            raise CdsRequestError(
                Message(
                    "%(where)s.card is not a card's id (printable text of at most %(limit)s "
                    "characters)",
                    where=where,
                    limit=Quantity(FEEDBACK_ID_LENGTH, None),
                )
            )
        outcome = item.get("outcome")
        if outcome not in ("accepted", "overridden"):
            raise CdsRequestError(
                Message("%(where)s.outcome must be 'accepted' or 'overridden'", where=where)
            )
        if not isinstance(item.get("outcomeTimestamp"), str):
            raise CdsRequestError(Message("%(where)s.outcomeTimestamp is missing", where=where))
        if not _instant(item["outcomeTimestamp"]):
            raise CdsRequestError(
                Message(
                    "%(where)s.outcomeTimestamp is not a date and time such as "
                    "2026-11-20T10:00:00Z between %(low)s and %(high)s",
                    where=where,
                    low=Day(DATE_MIN),
                    high=Day(DATE_MAX),
                )
            )
        accepted = item.get("acceptedSuggestions")
        well_formed = isinstance(accepted, list) and all(
            isinstance(s, dict) and _feedback_id(s.get("id")) for s in accepted
        )
        if (outcome == "accepted" or accepted is not None) and not well_formed:
            raise CdsRequestError(
                Message("%(where)s.acceptedSuggestions must list {'id': ...}", where=where)
            )
        reason = item.get("overrideReason")
        if reason is not None and not isinstance(reason, dict):
            raise CdsRequestError(
                Message("%(where)s.overrideReason must be an object", where=where)
            )
        if reason is not None and not _override_reason(reason):
            raise CdsRequestError(
                Message(
                    "%(where)s.overrideReason must hold only 'reason' (a coding) and "
                    "'userComment' (text of at most %(limit)s characters)",
                    where=where,
                    limit=Quantity(FEEDBACK_TEXT_LENGTH, None),
                )
            )
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
    return events
