"""CDS Hooks prefetch: the FHIR searches screening needs (from the KB), the resources an
EHR sent or that are fetched from its FHIR server, and the patient record built from them.

Used by the CDS Hooks service (:mod:`spinecare.api.cds_hooks`) and the SMART launch of
the web app, which read a patient from an EHR the same way. What is fetched goes only to
addresses the :class:`~spinecare.fhir.outbound.AddressPolicy` allows.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from spinecare.documents import parse_json
from spinecare.engine.screening import IN_PART_ITEM, Screening, read_in_part
from spinecare.errors import InputError, RecordError
from spinecare.fhir.outbound import AddressPolicy, BlockedAddress, guarded_client
from spinecare.fhir.reader import (
    RecordBuilder,
    _patient_named,
    bundle_binaries,
    bundle_questionnaires,
    in_bundle,
    linked_patients,
    next_page,
)
from spinecare.kb.loader import KB
from spinecare.messages import N_, Message, kind_words, located
from spinecare.wording import not_read_text, partly_read_text

__all__ = [
    "IN_PART_ITEM",
    "OPTIONAL_KEYS",
    "OTHER_PATIENT",
    "PREFETCH_TYPES",
    "CdsRequestError",
    "PrefetchUnavailable",
    "about_patient",
    "build_record",
    "failed_outcomes",
    "fetch_prefetch",
    "follow_pages",
    "kb_templates",
    "next_page",
    "operation_outcome_text",
    "partly_read",
    "prefetch_templates",
    "resolve_prefetch",
    "screened_in_part",
    "sent_prefetch",
    "template_kind",
    "unanswered",
    "unread_kinds",
]

MAX_PAGES = 20
PAGES_DEADLINE = 20.0
"""Seconds the service spends at most on the next pages of the searches an EHR sent in
part (a hook's answer is awaited by a clinician)."""
FETCH_TIMEOUT = 5.0
FETCH_PARALLEL = 6
"""Requests the service has open at once on an EHR's FHIR server (a hook asks for some
thirty searches: sent all at once they queue past the server's backlog and time out);
the others wait their turn, for :data:`PAGES_DEADLINE` at most."""

log = logging.getLogger("spinecare.fhir.prefetch")


# prefetch key -> the resource type expected (every search key gives a Bundle)
PREFETCH_TYPES: dict[str, str] = {"patient": "Patient"}


def prefetch_type(key: str) -> str:
    return PREFETCH_TYPES.get(key, "Bundle")


class CdsRequestError(InputError):
    """A CDS Hooks request that cannot be answered as sent (400)."""

    code = "invalid_cds_request"


class PrefetchUnavailable(Exception):
    """Data the service needs is neither prefetched nor obtainable (412); ``message``
    says why, to be said in the reader's language."""

    def __init__(self, message: Message) -> None:
        super().__init__(message)
        self.message = message


_SYSTEM_URI = {"loinc": "http://loinc.org", "snomed": "http://snomed.info/sct"}
_per_kb: dict[int, tuple[KB, dict[str, Any]]] = {}
"""What is worked out from a KB once (measures for the reader, prefetch templates), by
the KB it was worked out from."""


def _kb_derived(kb: KB) -> dict[str, Any]:
    cached = _per_kb.get(id(kb))
    if cached is None or cached[0] is not kb:
        from spinecare.fhir.questionnaire import reader_measures

        cached = (kb, {"measures": reader_measures(kb), "templates": prefetch_templates(kb)})
        _per_kb.clear()
        _per_kb[id(kb)] = cached
    return cached[1]


def _measures(kb: KB) -> Any:
    return _kb_derived(kb)["measures"]


def kb_templates(kb: KB) -> dict[str, str]:
    """The KB's prefetch templates, built once per KB (read only)."""
    return _kb_derived(kb)["templates"]  # type: ignore[no-any-return]


OPTIONAL_KEYS = frozenset(
    {
        "observations",
        "medicationAdministrations",
        "orders",
        "reports",
        "notes",
        "compositions",
        "assessments",
        "flags",
        "detectedIssues",
        "imagingStudies",
        "adverseEvents",
        "episodesOfCare",
        "communications",
        "riskAssessments",
        "carePlans",
        "tasks",
        "careTeams",
        "devicesInUse",
        "devices",
        "allergies",
        "immunizations",
        "lists",
        "familyHistory",
        "claims",
        "benefits",
        "charges",
        "guidance",
        "requestGroups",
        "appointments",
        "goals",
        "deviceRequests",
        "communicationRequests",
        "bodyStructures",
        "specimens",
        "media",
        "otherEntries",
        "dietOrders",
    }
)
"""Prefetch keys of kinds of record many EHRs do not offer (alerts, notes, bills...). One
that is neither sent nor obtainable from the EHR's FHIR server, or answered with an
error, is not read: the record is screened without it and the card names what was not
read (clinic policy, docs/cds-hooks.md). The other keys must be there (412 otherwise)."""

_UNREAD = object()
"""What an optional key's failed fetch gives (it is left out of the values)."""


def template_kind(template: str) -> str:
    """The resource type a prefetch template reads or searches (``Condition?patient=1``)."""
    return template.split("?", 1)[0].split("/", 1)[0]


def failed_outcomes(values: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The prefetch keys whose value is an OperationOutcome (the EHR's error in place of
    the data), with it."""
    return {
        key: value
        for key, value in values.items()
        if value is not None and value.get("resourceType") == "OperationOutcome"
    }


def unanswered(values: dict[str, Any], templates: Mapping[str, str]) -> list[str]:
    """The resource types of the keys the EHR answered with an OperationOutcome in place
    of the data (a search it does not support, one that failed), taken out of ``values``:
    not read, never read as "nothing recorded". Each type once, in the templates' order."""
    failed = failed_outcomes(values)
    for key in failed:
        del values[key]
    return list(dict.fromkeys(template_kind(t) for k, t in templates.items() if k in failed))


def unread_kinds(values: dict[str, Any], templates: Mapping[str, str]) -> list[str]:
    """The resource types of the optional keys not read: not in ``values`` or holding an
    OperationOutcome (then taken out of ``values``: a kind the EHR could not give is not
    an error of the record). Each type once, in the templates' order."""
    for key in OPTIONAL_KEYS.intersection(failed_outcomes(values)):
        del values[key]
    return list(dict.fromkeys(template_kind(t) for k, t in templates.items() if k not in values))


READINGS_PER_MEASURE = 20
"""How many of a measure's latest readings a prefetch search asks for: every reading of
the latest days, so that readings of one day in no known order, one dated the day after
and one set aside are seen as the CLI sees them (docs/screening.md), not only the one
the EHR sorts first."""

RECENT = 20
"""How many of the latest entries a search of many (visits, reports, bills) asks for."""


def prefetch_templates(kb: KB) -> dict[str, str]:
    """The prefetch templates every service asks for: every kind of resource the FHIR
    reader reads (:class:`~spinecare.fhir.reader.RecordBuilder`), so that a card says what
    the CLI says of the same record (codes of measures come from the KB). A drug given by
    reference comes with its Medication (``_include``), and that Medication with the
    Substances or Medications it names as its ingredients (``_include:iterate``): a
    Medication coded only by its form is known by its ingredients."""
    pid = "{{context.patientId}}"

    def drugs(kind: str, extra: str = "") -> str:
        return (
            f"{kind}?patient={pid}{extra}&_include={kind}:medication"
            "&_include:iterate=Medication:ingredient"
        )

    latest = f"&_count={RECENT}"
    templates = {
        "patient": f"Patient/{pid}",
        "conditions": f"Condition?patient={pid}",
        # every status: the reader keeps what is in force, and a blood thinner stopped or
        # run out within the last days is to confirm (clinic policy policy_recent_medication)
        "medications": drugs("MedicationRequest"),
        "medicationStatements": drugs("MedicationStatement"),
        "medicationDispenses": drugs("MedicationDispense", f"&_sort=-whenhandedover{latest}"),
        "medicationAdministrations": drugs(
            "MedicationAdministration", f"&_sort=-effective-time{latest}"
        ),
        # every status: a form stopped or in progress with a red-flag answer is to confirm
        # with the forms they answer: an answer given by its question's linkId alone is
        # read with the question's words
        "intakeResponses": (
            f"QuestionnaireResponse?patient={pid}&_sort=-authored&_count=10"
            "&_include=QuestionnaireResponse:questionnaire"
        ),
        # a diagnosis given only at a visit counts for a while from the visit (clinic policy
        # policy_encounter_diagnosis, KB threshold encounter_diagnosis_days): the latest
        # visits, where it stands (reasonCode, reasonReference, diagnosis)
        "encounters": f"Encounter?patient={pid}&_sort=-date{latest}",
        # every procedure: one named only in words, or whose reason, complication or
        # outcome names a finding, counts as the CLI reads it
        "procedures": f"Procedure?patient={pid}",
        # findings recorded as observations (a coded symptom, a pregnancy status, an
        # answer on another form): the latest ones
        "observations": f"Observation?patient={pid}&_sort=-date&_count=100",
        "orders": f"ServiceRequest?patient={pid}&_sort=-authored{latest}",
        "reports": f"DiagnosticReport?patient={pid}&_sort=-date{latest}",
        "notes": f"DocumentReference?patient={pid}&_sort=-date{latest}",
        "compositions": f"Composition?patient={pid}&_sort=-date{latest}",
        "assessments": f"ClinicalImpression?patient={pid}&_sort=-date{latest}",
        "flags": f"Flag?patient={pid}",
        "detectedIssues": f"DetectedIssue?patient={pid}",
        "imagingStudies": f"ImagingStudy?patient={pid}&_sort=-started{latest}",
        "adverseEvents": f"AdverseEvent?subject={pid}",
        "episodesOfCare": f"EpisodeOfCare?patient={pid}",
        "communications": f"Communication?patient={pid}&_sort=-sent{latest}",
        "riskAssessments": f"RiskAssessment?patient={pid}",
        "carePlans": f"CarePlan?patient={pid}",
        # a task's description, and the reasons a care team, a device or a vaccination
        # gives (a Tdap given for "Pregnant state")
        "tasks": f"Task?patient={pid}&_sort=-authored-on{latest}",
        "careTeams": f"CareTeam?patient={pid}",
        "devicesInUse": f"DeviceUseStatement?patient={pid}",
        # the patient's own devices (a pacemaker, an assist device), and allergies whose
        # reactions name a finding ("Heparin-induced thrombocytopenia")
        "devices": f"Device?patient={pid}",
        "allergies": f"AllergyIntolerance?patient={pid}",
        "immunizations": f"Immunization?patient={pid}&_sort=-date{latest}",
        "lists": f"List?patient={pid}",
        "familyHistory": f"FamilyMemberHistory?patient={pid}",
        # bills name diagnoses, operations and drugs dispensed (the latest ten: a bill
        # repeats its visit's or its prescription's entries, and a settled one is large)
        "claims": f"Claim?patient={pid}&_sort=-created&_count=10",
        "benefits": f"ExplanationOfBenefit?patient={pid}&_sort=-created&_count=10",
        # a charge for an operation (CPT 63030 three weeks ago) and the reason it was done
        "charges": f"ChargeItem?patient={pid}",
        # a decision support's answer and a group of orders, with their reasons and actions
        "guidance": f"GuidanceResponse?patient={pid}",
        "requestGroups": f"RequestGroup?patient={pid}",
        # what is planned and why: an appointment's reason, a goal, a device ordered for a
        # fracture, a message asked for ("new saddle anaesthesia: please call")
        "appointments": f"Appointment?patient={pid}&_sort=-date{latest}",
        "goals": f"Goal?patient={pid}",
        "deviceRequests": f"DeviceRequest?patient={pid}",
        "communicationRequests": f"CommunicationRequest?patient={pid}",
        # what a lesion's description, a specimen's or an image's note, a diet order or
        # an entry of no other type says ("Bone biopsy T12: metastatic adenocarcinoma")
        "bodyStructures": f"BodyStructure?patient={pid}",
        "specimens": f"Specimen?patient={pid}",
        "media": f"Media?patient={pid}",
        "otherEntries": f"Basic?patient={pid}",
        "dietOrders": f"NutritionOrder?patient={pid}",
    }
    # The engine reads the latest readings of each measure within its window. A measure's
    # search includes the panels that carry it (blood pressure), so an EHR that stores
    # systolic and diastolic as separate Observations and one that stores a panel are
    # both served.
    for measure in kb.model.measures:
        keys = sorted({(c.system, c.code) for c in (*measure.codes, *measure.panels)})
        codes = ",".join(f"{_SYSTEM_URI.get(sys_, sys_)}|{code}" for sys_, code in keys)
        templates[measure.id] = (
            f"Observation?patient={pid}&code={codes}&_sort=-date&_count={READINGS_PER_MEASURE}"
        )
    return templates


# ---------------------------------------------------------------------------------------
# Prefetch


def operation_outcome_text(key: str, outcome: Mapping[str, Any]) -> str:
    """What an OperationOutcome in prefetch ``key`` says, on one line."""
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
            Message(
                "prefetch.%(key)s must be a FHIR %(expected)s or null, not %(kind)s",
                key=key,
                expected=expected,
                kind=kind_words(value),
            )
        )
    kind = value.get("resourceType")
    if kind == "OperationOutcome":
        return
    if kind != expected:
        raise CdsRequestError(
            Message(
                "prefetch.%(key)s must be a FHIR %(expected)s, not %(kind)s",
                key=key,
                expected=expected,
                kind=kind or Message("an object without resourceType"),
            )
        )


async def _fetch_one(
    client: httpx.AsyncClient, base: str, key: str, query: str
) -> dict[str, Any] | None:
    return await _fetch_pages(client, base, key, f"{base}/{query}", None)


async def _fetch_pages(
    client: httpx.AsyncClient,
    base: str,
    key: str,
    url: str,
    combined: dict[str, Any] | None,
) -> dict[str, Any] | None:
    """The search at ``url`` with its next pages (at most :data:`MAX_PAGES`, on ``base``
    only), their entries added to ``combined`` (a first page already had: a prefetch the
    EHR sent with a ``next`` link), or its first page's Bundle."""
    for _ in range(MAX_PAGES):
        try:
            response = await client.get(url)
        except BlockedAddress as exc:
            log.warning("prefetch %s: %s (SPINECARE_CDS_FHIR_ALLOWED_HOSTS)", key, exc)
            raise PrefetchUnavailable(located(key, exc.args[0])) from None
        except httpx.HTTPError as exc:
            log.warning("prefetch %s: FHIR server unreachable (%s)", key, type(exc).__name__)
            raise PrefetchUnavailable(
                Message("%(key)s: the FHIR server cannot be reached", key=key)
            ) from None
        if response.status_code == 404 and prefetch_type(key) == "Patient":
            return None
        try:
            body = parse_json(response.content, key)
        except RecordError as exc:
            raise PrefetchUnavailable(
                Message(
                    "%(key)s: the FHIR server sent no usable JSON (%(problem)s)",
                    key=key,
                    problem=exc.message,
                )
            ) from None
        if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
            return body
        if response.status_code >= 400:
            raise PrefetchUnavailable(
                Message(
                    "%(key)s: the FHIR server answered %(status)s",
                    key=key,
                    status=response.status_code,
                )
            )
        if not isinstance(body, dict):
            raise PrefetchUnavailable(Message("%(key)s: the FHIR server sent no resource", key=key))
        if body.get("resourceType") != "Bundle" or prefetch_type(key) != "Bundle":
            return body
        if combined is None:
            combined = body
        else:
            found = body.get("entry")
            held = combined.get("entry")
            combined["entry"] = [
                *(held if isinstance(held, list) else []),
                *(found if isinstance(found, list) else []),
            ]
            combined["link"] = body.get("link") or []  # the next page still to read, if any
        next_url = next_page(body)
        if next_url is None or not on_server(next_url, base):
            break  # no next page, or one on another server (never followed)
        url = next_url
    if combined is not None and not combined.get("entry"):
        return None  # searched and found nothing
    return combined


def _fhir_headers(auth: Mapping[str, Any]) -> dict[str, str]:
    """The headers of a search on the EHR's FHIR server with its ``fhirAuthorization``."""
    return {
        "Accept": "application/fhir+json, application/json",
        "Authorization": f"Bearer {auth.get('access_token')}",
    }


def on_server(url: str, base: str) -> bool:
    """Whether ``url`` is an address of the FHIR server at ``base``: the same scheme, host
    and port, under its path (``base/Observation?page=2``, and ``base?_getpages=...`` as
    HAPI FHIR writes its pages)."""
    from urllib.parse import urlsplit

    try:
        page, server = urlsplit(url), urlsplit(base)
    except ValueError:
        return False
    path = server.path.rstrip("/")
    return (page.scheme, page.netloc) == (server.scheme, server.netloc) and (
        page.path.rstrip("/") == path or page.path.startswith(path + "/")
    )


LATEST_ONLY = frozenset({"claims", "benefits"})
"""Keys whose search asks for the latest entries on purpose (bills repeat their visit's and
their prescription's entries): one sent in part names nothing missing. A measure's search
is not one of them: an EHR that does not sort by date may send its oldest readings first,
and the latest, which decide, on a page not read."""


def partly_read(values: Mapping[str, Any], templates: Mapping[str, str]) -> list[str]:
    """The resource types of the keys whose search the record holds only in part: a
    Bundle with a next page not read (the EHR sent the first page and the service could
    not follow it), or whose ``total`` is more than the entries it holds; a measure's
    readings too; not the searches of the latest entries on purpose
    (:data:`LATEST_ONLY`), nor a search that asks for the latest entries (``_sort=-...``
    with ``_count``) answered with them (:func:`_latest_asked`). Each type once, in the
    templates' order."""
    out: list[str] = []
    for key, template in templates.items():
        if key in LATEST_ONLY:
            continue
        value = values.get(key)
        if not isinstance(value, dict) or value.get("resourceType") != "Bundle":
            continue
        entries = value.get("entry")
        held = len(entries) if isinstance(entries, list) else 0
        total = value.get("total")
        more = isinstance(total, int) and not isinstance(total, bool) and total > held
        if next_page(value) is None and not more:
            continue
        if _latest_asked(template, entries):
            continue  # the latest entries, as asked: the search is read as it was meant
        out.append(template_kind(template))
    return list(dict.fromkeys(out))


_ENTRY_DATES = (
    "effectiveDateTime",
    "effectiveInstant",
    "issued",
    "authored",
    "authoredOn",
    "whenHandedOver",
    "occurrenceDateTime",
    "date",
    "created",
    "sent",
    "started",
    "recordedDate",
    "onsetDateTime",
)
_ENTRY_PERIODS = ("effectivePeriod", "period", "occurrencePeriod")


def _entry_day(resource: Any) -> str | None:
    """The day a search's entry is dated by (the first date of :data:`_ENTRY_DATES` or
    the start of a period), as its ``YYYY-MM-DD`` text; None where it gives none."""
    if not isinstance(resource, dict):
        return None
    for name in _ENTRY_DATES:
        value = resource.get(name)
        if isinstance(value, str) and len(value) >= 10:
            return value[:10]
    for name in _ENTRY_PERIODS:
        period = resource.get(name)
        start = period.get("start") if isinstance(period, dict) else None
        if isinstance(start, str) and len(start) >= 10:
            return start[:10]
    return None


_COUNT = re.compile(r"[?&]_count=(\d+)")


def _latest_asked(template: str, entries: Any) -> bool:
    """Whether a search that asks for the latest entries (``_sort=-...&_count=N``) was
    answered with them: N entries at least, newest first (:func:`_newest_first`). A page of
    fewer is part of what was asked (an EHR that pages by twenty a search of the latest
    hundred), and one in another order may hold older entries than the latest."""
    asked = _COUNT.search(template)
    if "_sort=-" not in template or asked is None:
        return False
    held = len(entries) if isinstance(entries, list) else 0
    return held >= int(asked.group(1)) and _newest_first(entries)


def _newest_first(entries: Any) -> bool:
    """Whether a search's page holds its latest entries: at least two, each dated, newest
    first (an EHR that did not sort by date, as asked, sends them in another order: the
    latest, which decide, may stand on a page not read)."""
    if not isinstance(entries, list) or len(entries) < 2:
        return False
    days = [_entry_day(e.get("resource") if isinstance(e, dict) else None) for e in entries]
    dated = [d for d in days if d is not None]
    if len(dated) < len(days):
        return False
    return all(a >= b for a, b in itertools.pairwise(dated))


async def follow_pages(
    data: Mapping[str, Any],
    values: dict[str, dict[str, Any] | None],
    policy: AddressPolicy | None = None,
) -> None:
    """The next pages of the searches the EHR sent only the first page of (a ``next``
    link in a prefetch Bundle, as CDS Hooks allows), read from its ``fhirServer`` with its
    ``fhirAuthorization``, their entries added to the key's Bundle (at most
    :data:`MAX_PAGES` pages, on that server only). Without a server and a token, or where
    a page cannot be had, the key stays as sent: :func:`partly_read` names it."""
    server, auth = data.get("fhirServer"), data.get("fhirAuthorization")
    paged = {
        key: url
        for key, value in values.items()
        if isinstance(value, dict)
        and value.get("resourceType") == "Bundle"
        and (url := next_page(value)) is not None
    }
    if not paged or not isinstance(server, str) or not isinstance(auth, dict):
        return
    base = server.rstrip("/")
    headers = _fhir_headers(auth)

    async def more(client: httpx.AsyncClient, key: str, url: str) -> None:
        if not on_server(url, base):
            return  # a page on another server is never followed
        sent = values[key]
        assert sent is not None
        entries = sent.get("entry")
        # the EHR's page is left as it was sent; the key holds a copy with the pages added
        first = {**sent, "entry": list(entries) if isinstance(entries, list) else []}
        try:
            await _fetch_pages(client, base, key, url, first)
        except (PrefetchUnavailable, RecordError, httpx.HTTPError, ValueError, TypeError):
            return  # the first page stands; partly_read names the rest
        values[key] = first

    async with _fhir_client(policy or AddressPolicy(), headers) as client:
        try:
            async with asyncio.timeout(PAGES_DEADLINE):
                await asyncio.gather(*(more(client, key, url) for key, url in paged.items()))
        except TimeoutError:
            pass  # the pages read so far stand; partly_read names what is left


def _fhir_client(policy: AddressPolicy, headers: Mapping[str, str]) -> httpx.AsyncClient:
    """The client of one hook's reads on its EHR's FHIR server: :data:`FETCH_PARALLEL`
    connections, each read given :data:`FETCH_TIMEOUT`."""
    return guarded_client(
        policy,
        limits=httpx.Limits(max_connections=FETCH_PARALLEL),
        timeout=httpx.Timeout(FETCH_TIMEOUT, pool=PAGES_DEADLINE),
        headers=headers,
    )


async def _fetch_missing(
    data: Mapping[str, Any], missing: Mapping[str, str], policy: AddressPolicy
) -> dict[str, Any]:
    server = data.get("fhirServer")
    auth = data.get("fhirAuthorization")
    if not server or not auth:
        required = sorted(key for key in missing if key not in OPTIONAL_KEYS)
        if not required:
            return {}  # only kinds an EHR may not offer: not read (OPTIONAL_KEYS)
        raise PrefetchUnavailable(
            Message(
                "prefetch incomplete (%(keys)s) and no fhirServer with fhirAuthorization "
                "to fetch it from",
                keys=", ".join(required),
            )
        )
    base = server.rstrip("/")
    headers = _fhir_headers(auth)

    async def fetch(client: httpx.AsyncClient, key: str, query: str) -> Any:
        try:
            return await _fetch_one(client, base, key, query)
        except PrefetchUnavailable:
            if key in OPTIONAL_KEYS:
                return _UNREAD
            raise

    async with _fhir_client(policy, headers) as client:
        results = await asyncio.gather(
            *(fetch(client, key, query) for key, query in missing.items())
        )
    return {key: value for key, value in zip(missing, results, strict=True) if value is not _UNREAD}


def _fill(template: str, context: Mapping[str, Any]) -> str:
    from urllib.parse import quote

    out = template
    for name, value in context.items():
        if isinstance(value, str):
            out = out.replace("{{context." + name + "}}", quote(value, safe=""))
    return out


def sent_prefetch(
    data: Mapping[str, Any], context: Mapping[str, Any], templates: Mapping[str, str]
) -> tuple[dict[str, dict[str, Any] | None], dict[str, str]]:
    """The prefetch keys the request sent (checked), and the searches of those it did not
    send (key -> query with the context filled in): what :func:`fetch_prefetch` fetches."""
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
    return values, missing


async def fetch_prefetch(
    data: Mapping[str, Any], missing: Mapping[str, str], policy: AddressPolicy | None = None
) -> dict[str, dict[str, Any] | None]:
    """The prefetch keys a request did not send, fetched from its ``fhirServer``."""
    values: dict[str, dict[str, Any] | None] = {}
    fetched = await _fetch_missing(data, missing, policy or AddressPolicy())
    for key, value in fetched.items():
        if value is not None:
            try:
                _check_prefetch_value(key, value)
            except CdsRequestError as exc:
                if key in OPTIONAL_KEYS:
                    continue  # not read (OPTIONAL_KEYS)
                raise PrefetchUnavailable(
                    Message("the FHIR server: %(problem)s", problem=exc.message)
                ) from None
        values[key] = value
    return values


async def resolve_prefetch(
    data: dict[str, Any],
    context: Mapping[str, Any],
    templates: Mapping[str, str],
    policy: AddressPolicy | None = None,
) -> dict[str, dict[str, Any] | None]:
    """Every prefetch key: the resource sent or fetched, or None (searched, nothing).

    What is fetched from ``fhirServer`` goes only to addresses ``policy`` allows (by
    default: no loopback, link-local or private address)."""
    values, missing = sent_prefetch(data, context, templates)
    await follow_pages(data, values, policy)
    if missing:
        values.update(await fetch_prefetch(data, missing, policy))
    return values


def _subject_ok(resource: Mapping[str, Any], ids: frozenset[str]) -> bool:
    """Whether ``resource``'s subject (or patient) names one of the patient's ``ids`` (its
    own, and those its record links: a record merged into it), as the FHIR reader reads a
    reference (``Patient/1``, ``Patient/1/_history/2``, the server's full address), or
    names no patient by its id."""
    for field in ("subject", "patient"):
        ref = resource.get(field)
        if isinstance(ref, dict):
            value = ref.get("reference")
            if isinstance(value, str):
                named = _patient_named(value)
                return named is None or named in ids
    return True


def about_patient(resource: Mapping[str, Any], patient_id: str) -> bool:
    """Whether ``resource``'s subject (or patient) is ``Patient/<patient_id>`` or names no
    patient (the check each prefetched entry passes, for a draft order too)."""
    return _subject_ok(resource, frozenset({patient_id}))


ANOTHER_PATIENTS = N_("%(where)s belongs to another patient than context.patientId")
ANOTHER_PATIENT_SENT = N_("%(where)s is another patient (Patient/%(id)s) than context.patientId")
ANOTHER_PATIENT_IN_KEY = N_(
    "prefetch.patient is Patient/%(id)s, but context.patientId is %(patient)s"
)
OTHER_PATIENT = frozenset({ANOTHER_PATIENTS, ANOTHER_PATIENT_SENT, ANOTHER_PATIENT_IN_KEY})
"""The refusals of a prefetch that holds another patient's data (:func:`build_record`)."""


def _same_patient(
    resource: Mapping[str, Any], ids: frozenset[str], full_url: object = None
) -> bool:
    """Whether a Patient sent in a prefetch search is the patient: one of its ``ids``, or
    a record that links to one of them. One without an id is the patient only where its
    entry's ``fullUrl`` names no other (none, or one ending ``Patient/<id>`` of ``ids``): a
    ``urn:uuid`` the other entries name would make them this unknown person's."""
    rid = resource.get("id")
    if rid is None:
        if full_url is None:
            return True
        tail = str(full_url).rstrip("/").rsplit("/", 2)[-2:]
        return len(tail) == 2 and tail[0] == "Patient" and tail[1] in ids
    if rid in ids:
        return True
    return any(linked in ids for linked in linked_patients(resource))


def build_record(
    values: Mapping[str, dict[str, Any] | None], patient_id: str, kb: KB, source: str
) -> Any:
    """The patient record from the prefetched resources (RecordBuilder of the FHIR reader)."""
    builder = RecordBuilder(_measures(kb), source)
    patient = values.get("patient")
    if patient is None:
        patient = {"resourceType": "Patient", "id": patient_id}
    elif patient.get("id") not in (None, patient_id):
        raise CdsRequestError(
            Message(
                ANOTHER_PATIENT_IN_KEY,
                id=str(patient.get("id")),
                patient=patient_id,
            )
        )
    else:
        patient = {**patient, "id": patient_id}
    builder.add(patient)
    seen: set[str] = set()
    own = f"Patient/{patient_id}"
    # the patient's ids: its own, and those of the records merged into it (Patient.link)
    ids = frozenset({patient_id, *linked_patients(patient)})
    add = builder.add
    for key, value in values.items():
        if key == "patient" or value is None:
            continue
        entries = value.get("entry") or []
        if not isinstance(entries, list):
            raise CdsRequestError(Message("prefetch.%(key)s.entry must be a list", key=key))
        # what a document links to, and the forms the answers are to, sent beside them
        binaries, questionnaires = bundle_binaries(value), bundle_questionnaires(value)
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise CdsRequestError(
                    Message("%(where)s must be an object", where=f"prefetch.{key}.entry[{index}]")
                )
            search = entry.get("search")
            if isinstance(search, dict) and search.get("mode") == "outcome":
                continue
            resource = entry.get("resource")
            if not isinstance(resource, dict):
                raise CdsRequestError(
                    Message(
                        "%(where)s has no resource object", where=f"prefetch.{key}.entry[{index}]"
                    )
                )
            kind = resource.get("resourceType")
            if kind == "Patient" and not _same_patient(resource, ids, entry.get("fullUrl")):
                # another person's record in the prefetch: what names it (by its fullUrl
                # too) would be read as the patient's, so none of it is read
                raise CdsRequestError(
                    Message(
                        "%(where)s is another patient (Patient/%(id)s) than context.patientId",
                        where=f"prefetch.{key}.entry[{index}]",
                        id=str(resource.get("id") or "?")[:64],
                    )
                )
            if kind in ("OperationOutcome", "Patient", "Binary", "Questionnaire"):
                continue
            resource = in_bundle(resource, binaries, questionnaires)
            rid = resource.get("id")
            if isinstance(rid, str):
                ref = f"{kind}/{rid}"
                if ref in seen:
                    continue
                seen.add(ref)
            subject = resource.get("subject")
            if (type(subject) is not dict or subject.get("reference") != own) and not _subject_ok(
                resource, ids
            ):  # the first test: the EHR's own way of naming the patient, almost always
                raise CdsRequestError(
                    Message(ANOTHER_PATIENTS, where=f"prefetch.{key}.entry[{index}]")
                )
            full_url = entry.get("fullUrl")
            add(resource, full_url if isinstance(full_url, str) else None)
    return builder.build()


def screened_in_part(
    screening: Screening, partly: Sequence[str] = (), failed: Sequence[str] = ()
) -> Screening:
    """The screening of a record read from an EHR whose searches it gave only the first
    page(s) of (``partly``, FHIR resource types, :func:`partly_read`) or answered with an
    error (``failed``, :func:`unanswered`): read in part
    (:func:`spinecare.engine.screening.read_in_part`, where a posted Bundle that is one page
    of a search is read so too). Every adapter that screens a record read from an EHR (CDS
    Hooks, the REST and FHIR APIs, a SMART launch) asks here, so that none of them allows
    massage on half a record."""
    lang = screening.lang
    why = [not_read_text(failed, lang)] if failed else []
    why += [partly_read_text(partly, lang)] if partly else []
    return read_in_part(screening, why)
