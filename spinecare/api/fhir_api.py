"""The FHIR API: ``/fhir/metadata`` and the ``Patient/$massage-screening`` operation.

- ``GET /fhir/metadata``: the CapabilityStatement (FHIR R4, JSON): the operation on
  Patient, and its OperationDefinition at ``/fhir/OperationDefinition/massage-screening``.
- ``POST /fhir/Patient/$massage-screening[?asOf=YYYY-MM-DD][&lang=en|ru]`` (``as_of``
  the same as ``asOf``; ``lang`` by default the one ``Accept-Language`` prefers): the body
  is a Bundle with the patient's record, or a Parameters resource whose ``resource`` part
  holds that Bundle (and optional ``asOf`` date and ``lang`` code parts). The answer is a
  ``collection`` Bundle (:func:`spinecare.fhir.export.screening_result_bundle`): a
  GuidanceResponse with the verdict, a DetectedIssue per finding and, when a plan exists,
  the CarePlan. The
  record is read and screened by the same library functions as the CLI, so the verdict
  is the CLI's for the same file and date.

Every answer is ``application/fhir+json; charset=utf-8``; every error an OperationOutcome,
with the statuses the rest of the app uses: 400 (unreadable body or record, bad date), 406
(an answer asked for in a format other than JSON: ``Accept`` or ``_format``), 413 (too
large), 415 (not JSON), 422 (valid JSON that is not what the operation takes).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from spinecare.api.errors import (
    CLIENT_GONE,
    INTERNAL_ERROR,
    REQUEST_BODY,
    client_went_away,
    said,
    too_large,
)
from spinecare.clinic.workers import run_heavy
from spinecare.dates import iso_date
from spinecare.errors import KB_UNAVAILABLE, KnowledgeBaseError, SpinecareError
from spinecare.i18n import is_language, languages
from spinecare.messages import Message

__all__ = [
    "FHIR_JSON",
    "OPERATION",
    "capability_statement",
    "operation_definition",
    "operation_outcome",
    "router",
]

log = logging.getLogger("spinecare.api.fhir")

FHIR_JSON = "application/fhir+json"
FHIR_CONTENT_TYPE = f"{FHIR_JSON}; charset=utf-8"
"""The ``Content-Type`` of every answer: FHIR R4 asks for the UTF-8 charset to be named."""
FHIR_VERSION = "4.0.1"
OPERATION = "massage-screening"
OPERATION_PATH = f"/fhir/Patient/${OPERATION}"
ACCEPTED_TYPES = ("application/fhir+json", "application/json")
JSON_FORMATS = frozenset(
    {"json", "application/json", "application/fhir+json", "application/json+fhir"}
)
"""``_format`` values naming JSON (FHIR R4 http.html; ``application/json+fhir`` is the
DSTU2 name some clients still send)."""
ANSWERABLE_RANGES = JSON_FORMATS | {"*/*", "application/*", "text/html"}
"""``Accept`` media ranges the JSON answer satisfies (``text/html``: a browser opening the
address is shown the JSON)."""
FHIR_VERSIONS = ("4.0", "4.0.0", "4.0.1")
"""The ``fhirVersion`` a media type may name: R4, as ``major.minor`` (the specification's
form) or as a whole release number."""
ISSUE_CODE = {
    400: "invalid",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    408: "timeout",
    413: "too-costly",
    431: "too-costly",
    415: "not-supported",
    422: "processing",
    500: "exception",
}

router = APIRouter(tags=["FHIR"])


class OperationError(Exception):
    """An error answered as an OperationOutcome with ``status``; its message is said in
    the request's language (``lang``, else ``Accept-Language``, else English)."""

    def __init__(self, status: int, message: Message, expression: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.expression = expression


def operation_outcome(status: int, message: str, expression: str | None = None) -> dict[str, Any]:
    issue: dict[str, Any] = {
        "severity": "error" if status < 500 else "fatal",
        "code": ISSUE_CODE.get(status, "processing"),
        "diagnostics": message,
    }
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def fhir_response(body: dict[str, Any], status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=FHIR_CONTENT_TYPE)


def outcome_response(status: int, message: str, expression: str | None = None) -> Response:
    return fhir_response(operation_outcome(status, message, expression), status)


def _base(request: Request) -> str:
    from spinecare.api.cds_state import cds_state

    return cds_state(request.app).settings.base_url.rstrip("/")


def operation_definition(base_url: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationDefinition",
        "id": OPERATION,
        "url": f"{base_url}/fhir/OperationDefinition/{OPERATION}",
        "name": "MassageScreening",
        "title": "Massage screening (spinal osteochondrosis, disc herniation)",
        "status": "active",
        "kind": "operation",
        "description": "Is therapeutic massage safe and indicated for this patient on this "
        "date, and why? Takes the patient's record as a Bundle; returns a Bundle with a "
        "GuidanceResponse (the verdict), DetectedIssues (the findings, with evidence and "
        "sources) and, when a plan exists, a CarePlan.",
        "code": OPERATION,
        "affectsState": False,
        "resource": ["Patient"],
        "system": False,
        "type": True,
        "instance": False,
        "parameter": [
            {
                "name": "resource",
                "use": "in",
                "min": 1,
                "max": "1",
                "documentation": "The patient's record: a Bundle with one Patient and "
                "their Conditions, Observations, medications, procedures and intake answers.",
                "type": "Bundle",
            },
            {
                "name": "asOf",
                "use": "in",
                "min": 0,
                "max": "1",
                "documentation": "Screen as of this date (default: today); in the address "
                "as asOf or as_of.",
                "type": "date",
            },
            {
                "name": "lang",
                "use": "in",
                "min": 0,
                "max": "1",
                "documentation": "The language of the reasons and texts: en or ru (default: "
                "the one Accept-Language prefers, else en); in the address or in Parameters.",
                "type": "code",
            },
            {
                "name": "return",
                "use": "out",
                "min": 1,
                "max": "1",
                "documentation": "A collection Bundle: Patient, GuidanceResponse, its output "
                "Parameters, DetectedIssues and, when a plan exists, a CarePlan.",
                "type": "Bundle",
            },
        ],
    }


def capability_statement(base_url: str, version: str) -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": datetime.now(UTC).date().isoformat(),
        "publisher": "spinecare",
        "kind": "instance",
        "software": {"name": "spinecare", "version": version},
        "implementation": {
            "description": "spinecare massage screening FHIR API",
            "url": f"{base_url}/fhir",
        },
        "fhirVersion": FHIR_VERSION,
        "format": [FHIR_JSON, "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Screening of a posted record; nothing is stored.",
                "resource": [
                    {
                        "type": "Patient",
                        "operation": [
                            {
                                "name": OPERATION,
                                "definition": f"{base_url}/fhir/OperationDefinition/{OPERATION}",
                            }
                        ],
                    },
                    {"type": "OperationDefinition", "interaction": [{"code": "read"}]},
                ],
            }
        ],
    }


def _version() -> str:
    from spinecare import __version__

    return str(__version__)


def _media(text: str) -> tuple[str, dict[str, str]]:
    """A media type (or range) in lower case, and its parameters by lower-case name."""
    media, *params = text.split(";")
    named = {}
    for param in params:
        name, _, value = param.partition("=")
        named[name.strip().lower()] = value.strip().strip('"')
    return media.strip().lower(), named


def _takes_json(media: str, params: dict[str, str], ranges: frozenset[str]) -> bool:
    """``media`` is one of ``ranges``, of FHIR R4 where it names a ``fhirVersion``, and
    not refused by a ``q`` of 0."""
    try:
        weight = float(params.get("q", "1"))
    except ValueError:
        weight = 1.0
    version = params.get("fhirversion")
    return media in ranges and weight > 0 and (version is None or version in FHIR_VERSIONS)


def _unanswerable(request: Request) -> OperationError | None:
    """A 406 for a request that asks for its answer in a format other than JSON: its
    ``_format`` (which overrides ``Accept``) names another, or no range of its ``Accept``
    header is one the JSON answer satisfies. No ``Accept`` header takes any format."""
    query_format = request.query_params.get("_format")
    if query_format is not None:
        # an unencoded '+' in a query string reads as a space
        media, params = _media(query_format.replace(" ", "+"))
        if _takes_json(media, params, JSON_FORMATS):
            return None
    else:
        accept = request.headers.get("accept", "")
        if not accept.strip() or any(
            _takes_json(*_media(item), ANSWERABLE_RANGES) for item in accept.split(",")
        ):
            return None
    return OperationError(
        406,
        Message(
            "this FHIR API answers in JSON only: ask for application/fhir+json (Accept) or "
            "json (_format)"
        ),
        "_format" if query_format is not None else None,
    )


def _refused(exc: OperationError, request: Request) -> Response:
    return outcome_response(exc.status, said(exc.message, request), exc.expression)


@router.get("/fhir/metadata", summary="FHIR CapabilityStatement")
async def metadata(request: Request) -> Response:
    if (refusal := _unanswerable(request)) is not None:
        return _refused(refusal, request)
    return fhir_response(capability_statement(_base(request), _version()))


@router.get(f"/fhir/OperationDefinition/{OPERATION}", summary="The $massage-screening definition")
async def get_operation_definition(request: Request) -> Response:
    if (refusal := _unanswerable(request)) is not None:
        return _refused(refusal, request)
    return fhir_response(operation_definition(_base(request)))


def _content_type_ok(request: Request) -> bool:
    """The body is JSON, and FHIR R4 where its ``Content-Type`` names a ``fhirVersion``
    (``application/fhir+json; fhirVersion=3.0`` is STU3: refused, not read as R4)."""
    media, params = _media(request.headers.get("content-type", ""))
    version = params.get("fhirversion")
    return media in ACCEPTED_TYPES and (version is None or version in FHIR_VERSIONS)


async def _read_body(request: Request, limit: int) -> dict[str, Any]:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise OperationError(413, too_large(limit))
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise OperationError(400, Message("empty request body: a Bundle or Parameters is expected"))
    from spinecare.documents import load_document

    data = load_document(raw, REQUEST_BODY, yaml_allowed=False)  # unreadable: RecordError
    if not isinstance(data, dict):
        raise OperationError(400, Message("request body must be a JSON object (a FHIR resource)"))
    return data


def _date(value: Any, where: str) -> date:
    """A FHIR date (``YYYY-MM-DD``) within the days the app screens on."""
    from spinecare.clinic.limits import DATE_MAX, DATE_MIN

    text = str(value)[:40]
    try:
        day = iso_date(value)
    except ValueError:
        raise OperationError(
            400,
            Message("%(where)s: '%(value)s' is not a date YYYY-MM-DD", where=where, value=text),
            where,
        ) from None
    if not DATE_MIN <= day <= DATE_MAX:
        raise OperationError(
            400,
            Message(
                "%(where)s: %(day)s is not between %(first)s and %(last)s",
                where=where,
                day=day.isoformat(),
                first=DATE_MIN.isoformat(),
                last=DATE_MAX.isoformat(),
            ),
            where,
        )
    return day


QUERY_PARAMETERS = ("asOf", "as_of", "lang")
"""The operation's own query parameters, as its OperationDefinition declares them
(``as_of`` the same as ``asOf``); FHIR's general ones (``_format``, ``_pretty``,
``_summary``, ...) start with ``_``."""


def _lenient(request: Request) -> bool:
    """``Prefer: handling=lenient``: the client asks for unknown parameters to be ignored."""
    prefer = request.headers.get("prefer", "")
    return any(p.strip().lower() == "handling=lenient" for p in prefer.replace(",", ";").split(";"))


def _check_query(request: Request) -> None:
    """Each of the operation's query parameters at most once, and no other (a misspelt
    ``as_of`` ignored would screen on today's date instead), unless the client asks for
    ``handling=lenient``. FHIR's general parameters (``_`` first) are let through."""
    names = [name for name, _ in request.query_params.multi_items()]
    for name in names:
        if name in QUERY_PARAMETERS and names.count(name) > 1:
            raise OperationError(400, Message("%(name)s is given more than once", name=name), name)
        if name not in QUERY_PARAMETERS and not name.startswith("_") and not _lenient(request):
            raise OperationError(
                400,
                Message(
                    "'%(name)s' is not a parameter of this operation: it takes asOf (or "
                    "as_of) and lang, in the address or in Parameters (Prefer: "
                    "handling=lenient ignores unknown parameters)",
                    name=name[:40],
                ),
                name[:40],
            )


def _unpack(
    data: dict[str, Any], lenient: bool = False
) -> tuple[dict[str, Any], date | None, str | None]:
    """The record's Bundle and the Parameters' ``asOf`` and ``lang``, if any; a part of
    another name is refused unless ``lenient``."""
    kind = data.get("resourceType")
    if kind == "Bundle":
        return data, None, None
    if kind != "Parameters":
        raise OperationError(
            422,
            Message(
                "the operation takes a Bundle, or Parameters holding one, not %(kind)s",
                kind=kind or Message("an object without resourceType"),
            ),
            "resourceType",
        )
    parts = data.get("parameter")
    if not isinstance(parts, list):
        raise OperationError(
            422, Message("Parameters.parameter must be a list"), "Parameters.parameter"
        )
    bundle: dict[str, Any] | None = None
    as_of: date | None = None
    lang: str | None = None
    given: set[str] = set()
    for index, part in enumerate(parts):
        where = f"Parameters.parameter[{index}]"
        if not isinstance(part, dict):
            raise OperationError(422, Message("%(where)s must be an object", where=where), where)
        name = part.get("name")
        if name in ("resource", "asOf", "lang") and name in given:
            raise OperationError(
                422,
                Message("%(where)s: only one '%(name)s' part is allowed", where=where, name=name),
                where,
            )
        given.add(str(name))
        if name == "resource":
            resource = part.get("resource")
            if not isinstance(resource, dict) or resource.get("resourceType") != "Bundle":
                raise OperationError(
                    422, Message("%(where)s: 'resource' must hold a Bundle", where=where), where
                )
            bundle = resource
        elif name == "asOf":
            if "valueDate" not in part:
                raise OperationError(
                    422, Message("%(where)s: 'asOf' needs a valueDate", where=where), where
                )
            as_of = _date(part["valueDate"], f"{where}.valueDate")
        elif name == "lang":
            if "valueCode" not in part:
                raise OperationError(
                    422, Message("%(where)s: 'lang' needs a valueCode", where=where), where
                )
            lang = _language(part.get("valueCode"), f"{where}.valueCode")
        elif not lenient:
            raise OperationError(
                422,
                Message(
                    "%(where)s: '%(name)s' is not a parameter of this operation (resource, "
                    "asOf, lang)",
                    where=where,
                    name=str(name)[:40],
                ),
                f"{where}.name",
            )
    if bundle is None:
        raise OperationError(
            422,
            Message("Parameters has no 'resource' part holding a Bundle"),
            "Parameters.parameter",
        )
    return bundle, as_of, lang


def _language(value: Any, where: str) -> str:
    """A language the answer can be given in (``en``, ``ru``)."""
    if not (isinstance(value, str) and is_language(value)):
        raise OperationError(
            400,
            Message(
                "%(where)s: '%(value)s' is not one of %(languages)s",
                where=where,
                value=str(value)[:40],
                languages=", ".join(languages()),
            ),
            where,
        )
    return value


def _screen(bundle: dict[str, Any], day: date, lang: str) -> dict[str, Any]:
    """Read, screen and plan as the CLI does (core), and build the answer Bundle."""
    from spinecare.core import load_kb, posted_record
    from spinecare.engine.planning import plan_course
    from spinecare.engine.screening import screen_record
    from spinecare.fhir.export import screening_result_bundle
    from spinecare.fhir.prefetch import screened_in_part

    kb = load_kb()
    record = posted_record(bundle, kb, REQUEST_BODY)
    # one page of a search is never screened as a whole record (as a CDS Hooks card)
    screening = screened_in_part(screen_record(record, kb, day, lang))
    return screening_result_bundle(record, screening, plan_course(screening, record, kb, lang))


def _query_day(as_of: str | None, as_of_declared: str | None) -> date | None:
    """The screening date the address gives (``asOf``, or ``as_of``: both must agree)."""
    days = {
        name: _date(value, name)
        for name, value in (("asOf", as_of_declared), ("as_of", as_of))
        if value is not None
    }
    if len(set(days.values())) > 1:
        raise OperationError(
            400,
            Message(
                "as_of (%(query)s) and the asOf parameter (%(parameter)s) disagree",
                query=days["as_of"].isoformat(),
                parameter=days["asOf"].isoformat(),
            ),
        )
    return next(iter(days.values()), None)


@router.post(
    OPERATION_PATH,
    summary="Screen a patient for massage (FHIR operation)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {FHIR_JSON: {"schema": {"type": "object"}}},
        }
    },
)
async def massage_screening(
    request: Request,
    as_of: str | None = None,
    as_of_declared: str | None = Query(None, alias="asOf"),
    lang: str | None = None,
) -> Response:
    from spinecare.api.cds_state import answer_language, cds_state

    try:
        if (refusal := _unanswerable(request)) is not None:
            raise refusal
        if not _content_type_ok(request):
            raise OperationError(
                415,
                Message("send the resource as FHIR R4 application/fhir+json (or application/json)"),
            )
        _check_query(request)
        query_lang = _language(lang, "lang") if lang is not None else None
        query_day = _query_day(as_of, as_of_declared)
        data = await _read_body(request, cds_state(request.app).settings.max_body_bytes)
        bundle, param_day, param_lang = _unpack(data, _lenient(request))
        if query_lang and param_lang and query_lang != param_lang:
            raise OperationError(
                400,
                Message(
                    "lang (%(query)s) and the lang parameter (%(parameter)s) disagree",
                    query=query_lang,
                    parameter=param_lang,
                ),
            )
        # the language asked for, else the request's (Accept-Language), as its errors
        language = answer_language(request, query_lang or param_lang)
        if query_day and param_day and query_day != param_day:
            raise OperationError(
                400,
                Message(
                    "as_of (%(query)s) and the asOf parameter (%(parameter)s) disagree",
                    query=query_day.isoformat(),
                    parameter=param_day.isoformat(),
                ),
            )
        day = query_day or param_day or date.today()
        # reading and screening are CPU work: a heavy-work slot, as for /api/screen
        result = await run_heavy(_screen, bundle, day, language, pool="public")
    except OperationError as exc:
        return _refused(exc, request)
    except StarletteHTTPException as exc:  # the body size limit, while the body is read
        detail = exc.detail
        return outcome_response(
            exc.status_code, said(detail, request) if isinstance(detail, Message) else str(detail)
        )
    except KnowledgeBaseError as exc:  # the server's own rules: not the request's fault
        log.error("the knowledge base cannot be loaded: %s", exc.one_line())
        return outcome_response(503, said(Message(KB_UNAVAILABLE), request))
    except SpinecareError as exc:
        return outcome_response(400, said(exc.one_line(), request))
    except ClientDisconnect:  # a body cut mid-read: no error of ours, and nobody to answer
        gone = client_went_away(request)
        return outcome_response(gone.status_code, said(CLIENT_GONE, request))
    except Exception:
        log.exception("FHIR $%s failed", OPERATION)
        return outcome_response(500, said(INTERNAL_ERROR, request))
    return fhir_response(result)


@router.api_route(
    "/fhir/{rest:path}",
    methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    include_in_schema=False,
)
async def not_supported(request: Request, rest: str) -> Response:
    """Anything else under /fhir: an OperationOutcome, not the app's error envelope; a
    405 names the method the path takes in ``Allow``."""
    known = {"metadata": "GET", f"Patient/${OPERATION}": "POST"}
    known[f"OperationDefinition/{OPERATION}"] = "GET"
    if rest in known:
        problem = Message(
            "%(method)s is not supported on /fhir/%(path)s", method=request.method, path=rest
        )
        response = outcome_response(405, said(problem, request))
        response.headers["allow"] = known[rest]
        return response
    return outcome_response(
        404, said(Message("/fhir/%(path)s is not part of this FHIR API", path=rest), request)
    )
