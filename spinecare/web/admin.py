"""Admin pages: the audit log (read-only, filterable) and the clinic's users."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import unquote, urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from spinecare.clinic import FormError
from spinecare.clinic import users as accounts
from spinecare.clinic.audit import detail_text
from spinecare.clinic.audit_log import AuditFilter, AuditNames, export_entries, log_page
from spinecare.clinic.audit_log import patient_name as audit_patient_name
from spinecare.clinic.audit_log import patients_found as audit_patients
from spinecare.clinic.clinics import clinic_details, clinic_name, edit_clinic
from spinecare.clinic.limits import ID_TOO_LARGE, MAX_ID
from spinecare.clinic.models import ClinicOut, CurrentUser, UserOut
from spinecare.clinic.users import ROLES
from spinecare.clinic.workers import run_heavy
from spinecare.dates import date_problem, iso_date
from spinecare.i18n import moment_text
from spinecare.messages import N_
from spinecare.spreadsheet import safe_cell
from spinecare.web.auth import login_throttle
from spinecare.web.deps import (
    check_csrf,
    db_session,
    error_data,
    parse_int,
    render,
    request_language,
    require_user,
    state,
)
from spinecare.web.i18n import Text, attachment, format_day, gettext, set_language, translate
from spinecare.web.patients import (
    EFFECT_WORDS,
    SESSION_DAY,
    SOURCE_WORDS,
    STATUS_WORDS,
    _form_error,
)

router = APIRouter()
PAGE = 100
DEACTIVATED = Text(
    "The account is deactivated: it was signed out everywhere and cannot sign in. "
    "Its history stays in the audit log."
)


ACTION_WORDS = {
    "read": Text("opened"),
    "list": Text("listed"),
    "create": Text("created"),
    "update": Text("changed"),
    "import": Text("imported a record"),
    "screen": Text("screened"),
    "intake": Text("recorded an intake"),
    "login": Text("signed in"),
    "login_failed": Text("failed sign-in"),
    "login_locked": Text("sign-in while locked"),
    "login_throttled": Text("sign-in attempt while sign-in was slowed down"),
    "password_expired": Text("sign-in with a used or expired one-time password"),
    "logout": Text("signed out"),
    "deactivate": Text("deactivated the account"),
    "reactivate": Text("reactivated"),
    "reset_password": Text("reset the password"),
    "rename": Text("changed the user name"),
    "change_password": Text("changed own password"),
    "export": Text("exported"),
    "course_start": Text("started a course"),
    "course_complete": Text("ended a course"),
    "course_pause": Text("course paused"),
    "course_resume": Text("resumed a course"),
    "session": Text("recorded a session"),
    "session_check": Text("screened the session day"),
    "home_program": Text("set the home program"),
    "diary": Text("wrote in the diary"),
    "clearance_request": Text("requested clearance"),
    "clearance_decision": Text("decided on clearance"),
    "refused": Text("was refused"),
    "handout": Text("downloaded the handout"),
    "calendar": Text("downloaded the calendar"),
    "launch": Text("opened from the EHR"),
    "api_token": Text("personal access token"),
}
"""Audit actions in words; an action without words here is shown with its spaces."""
ENTITY_WORDS = {
    "patient": Text("patient"),
    "user": Text("user"),
    "course": Text("course"),
    "course_session": Text("session"),
    "intake": Text("intake"),
    "clearance_request": Text("clearance request"),
    "diary_entry": Text("diary entry"),
    "audit_log": Text("audit log"),
    "api_token": Text("access token"),
    "request": Text("page or request"),
    "clinic": Text("clinic's contacts"),
}
DETAIL_KEYS = {
    "as_of": Text("as of"),
    "verdict": Text("verdict"),
    "to": Text("to"),
    "concepts": Text("findings"),
    "zones": Text("zones"),
    "sessions": Text("sessions"),
    "q": Text("search"),
    "status": Text("status"),
    "day": Text("date"),
    "user": Text("user"),
    "action": Text("action"),
    "patient": Text("patient"),
    "patient_id": Text("patient"),
    "from": Text("from"),
    "until": Text("until"),
    "tz": Text("time zone"),
}
"""The keys of an audit entry's detail (``as_of=2026-12-04 verdict=defer``) in words; a key
not listed here (a page offset, a course's row number: the entry names the patient and the
session's day) is left out."""
PAIN_CHANGE = re.compile(r"\bpain (\d+)->(\d+)")
PAUSED_COUNT = re.compile(r"^paused courses: (\d+)$")
DECISION = re.compile(r"^(cleared|declined): (.+)$")
REFUSAL = re.compile(r"^(403|404): ")
TOKEN_ISSUED = re.compile(r"^issued, (\d+) days$")
TOKEN_WORDS = {
    "revoked": Text("revoked"),
}
"""A personal access token's audit detail (``clinic.tokens``): in the reader's words."""
REFUSAL_WORDS = {
    "403": Text("not allowed for this account"),
    "404": Text("not found, or not shown to this account"),
}
"""Why a request was refused (``clinic.audit.record_refused``: the status and the
refusal in English): in the reader's words, on the page and in the export."""
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]{0,40}(/[A-Za-z0-9_+\-]{1,40}){0,2}")
"""What an IANA time zone name looks like (``Europe/Moscow``, ``America/Argentina/Salta``,
``Etc/GMT+3``): anything else is not looked up."""


def _words(mapping: dict[str, Text], key: str | None) -> str:
    if not key:
        return ""
    return translate(mapping[key]) if key in mapping else key.replace("_", " ")


def _detail_value(value: str, names: dict[str, str]) -> str:
    parts = []
    for item in value.split(","):
        if ISO_DAY.match(item):
            parts.append(_day_words(item))
        else:
            parts.append(names.get(item, item))
    return ", ".join(parts)


def _day_words(item: str) -> str:
    """A recorded day in words; what only looks like one (a search for ``2026-13-01``)
    as written."""
    try:
        return format_day(item)
    except ValueError:
        return item


AS_WRITTEN = frozenset({"q", "patient", "user", "to"})
"""Detail keys whose values are shown as written: what was searched for, people's names."""


AS_WRITTEN_SPAN = Markup('<span translate="no">%s</span>')


def detail_words(detail: str | None, names: dict[str, str]) -> Markup:
    """An audit entry's detail as a reader says it: keys in words, ids by their names
    (``names``: findings, zones, verdicts, stop rules, user names), dates as days; what a
    user typed and people's names as written (``translate="no"``)."""
    if not detail:
        return Markup("")
    if m := PAUSED_COUNT.match(detail):
        return escape(translate(Text("paused courses: %(n)s", n=m.group(1))))
    if m := REFUSAL.match(detail):
        return escape(translate(REFUSAL_WORDS[m.group(1)]))
    if m := TOKEN_ISSUED.match(detail):
        return escape(translate(Text("issued for %(days)s days", days=m.group(1))))
    if detail in TOKEN_WORDS:
        return escape(translate(TOKEN_WORDS[detail]))
    if m := DECISION.match(detail):
        words = f"{translate(STATUS_WORDS[m.group(1)])}: {_detail_value(m.group(2), names)}"
        return escape(words)
    extra = ""
    if m := PAIN_CHANGE.search(detail):
        extra = translate(Text("pain %(before)s → %(after)s", before=m.group(1), after=m.group(2)))
        detail = PAIN_CHANGE.sub("", detail)
    if "=" not in detail:
        parts = [unquote(part) for part in detail.split("; ") if part.strip()]
        # a name the clinic gave (an uploaded file's name), an address: as written
        said = [escape(names[part]) if part in names else AS_WRITTEN_SPAN % part for part in parts]
        words = Markup("; ").join(said)
        return Markup(" ").join(w for w in (words, escape(extra)) if w)
    out = []
    for token in detail.split():
        key, _, value = token.partition("=")
        if key == "to" and (ISO_DAY.match(value) or " from=" in f" {detail}"):
            key = "until"  # the date filter (its end, even unreadable), not an addressee
        if key not in DETAIL_KEYS or value in ("None", ""):  # no such filter was set
            continue
        if key == "patient_id":  # a patient filter: the patient by name, not a number
            shown = AS_WRITTEN_SPAN % names.get(f"{PATIENT_KEY}{value}", value)
        elif key in AS_WRITTEN:  # as typed (percent-encoded when recorded: detail_text)
            typed = unquote(value)
            shown = AS_WRITTEN_SPAN % names.get(typed, typed)
        else:
            shown = escape(_detail_value(value, names))
        out.append(escape(translate(DETAIL_KEYS[key])) + Markup(": ") + shown)
    if extra:
        out.append(escape(extra))
    return Markup("; ").join(out)


def detail_names(people: AuditNames, kb: Any, lang: str) -> dict[str, str]:
    """What the ids in audit details stand for, in ``lang``: findings, zones, verdicts,
    stop rules and the clinic's user names."""
    names: dict[str, str] = {c.id: c.label.get(lang) for c in kb.model.concepts}
    names |= {z.id: z.label.get(lang) for z in kb.model.zones}
    names |= {r.id: r.label.get(lang) for r in kb.model.plans.stop_rules}
    names |= {k: translate(v) for k, v in EFFECT_WORDS.items()}
    names |= {k: translate(v) for k, v in STATUS_WORDS.items()}
    names |= {k: translate(v) for k, v in ACTION_WORDS.items()}  # the log's action filter
    # what an import or an intake was labelled with
    names |= {str(t): translate(t) for t in (*SOURCE_WORDS.values(), SESSION_DAY)}
    names |= people.usernames
    # the clinic's patients, for a filter by one patient (``patient_id=5``)
    names |= {f"{PATIENT_KEY}{pid}": name for pid, name in people.patients.items()}
    return names


PATIENT_KEY = "patient:"
"""The prefix of a patient's number among the names of :func:`detail_names`."""
FILTERED_PATIENT = re.compile(r"(?:^|\s)patient_id=(\d{1,10})(?=\s|$)")


def patient_of(entry: dict[str, Any]) -> int | None:
    """The patient an audit entry concerns: its own, else the one patient a reading of
    the log was filtered by (``patient_id=5`` in its detail)."""
    if entry.get("patient_id"):
        return int(entry["patient_id"])
    found = FILTERED_PATIENT.search(entry.get("detail") or "")
    return int(found.group(1)) if found else None


def _zone(raw: str | None) -> tuple[str, ZoneInfo]:
    """The time zone to show times in: ``raw`` (an IANA name such as Europe/Moscow) when
    valid, else UTC."""
    if raw and ZONE_NAME.fullmatch(raw):
        try:
            return raw, ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder (America)
            pass
    return "UTC", ZoneInfo("UTC")


def _zone_words(name: str, lang: str) -> str:
    """A time zone as a person names it, in ``lang`` ("Moscow Time", "Москва"); UTC as it
    is."""
    if name == "UTC":
        return name
    from babel.dates import get_timezone, get_timezone_name

    try:
        return str(get_timezone_name(get_timezone(name), width="long", locale=lang))
    except (LookupError, ValueError):
        return name


def _number(raw: str) -> bool:
    """Written in the digits 0-9 only (``isdigit`` also takes ``²`` and other scripts')."""
    return raw.isascii() and raw.isdigit()


def _day(raw: str | None, name: str, errors: dict[str, str]) -> date | None:
    if not raw:
        return None
    try:
        return iso_date(raw)
    except ValueError:
        errors[name] = date_problem(raw)
        return None


@dataclass
class _AuditRequest:
    flt: AuditFilter
    filters: dict[str, str]
    zone_name: str
    zone: ZoneInfo
    errors: dict[str, str]


def _audit_request(
    session: Session,
    admin: CurrentUser,
    *,
    user: str | None,
    action: str | None,
    patient: str | None,
    since: str | None,
    until: str | None,
    tz: str | None,
    patient_id: str | None = None,
) -> _AuditRequest:
    zone_name, zone = _zone(tz)
    errors: dict[str, str] = {}
    flt = AuditFilter(action=action or None, limit=None)
    if user:
        if _number(user) and len(user) <= 10 and int(user) <= MAX_ID:
            flt.user_id = int(user)
        else:  # a name; a number no id can have finds nobody
            flt.username = user
    if patient and patient.strip():
        # whatever the patient search finds: name, patient id, phone, date of birth
        flt.patient_ids = audit_patients(session, admin, patient)
    if patient_id:  # one patient exactly (links, scripts)
        if not _number(patient_id):
            raise FormError({"patient_id": Text("must be a number")})
        if len(patient_id) > 10 or int(patient_id) > MAX_ID:
            raise FormError({"patient_id": ID_TOO_LARGE})
        flt.patient_id = int(patient_id)
    first = _day(since, "from", errors)
    last = _day(until, "to", errors)
    if first is not None and last is not None and last < first:
        errors["to"] = Text("before the first day of the search")
    # the days are the reader's, the log's times are UTC (SQLite keeps them without zone)
    if first is not None:
        flt.since = datetime.combine(first, time(), zone).astimezone(UTC)
    if last is not None:
        flt.until = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)
    filters = {
        "user": user or "",
        "action": action or "",
        "patient": patient or "",
        "from": since or "",
        "to": until or "",
        "tz": zone_name if tz else "",
        "patient_id": patient_id or "",
    }
    return _AuditRequest(flt, filters, zone_name, zone, errors)


def audit_params(
    user: str | None = None,
    action: str | None = None,
    patient: str | None = None,
    since: str | None = Query(None, alias="from"),
    until: str | None = Query(None, alias="to"),
    tz: str | None = None,
    patient_id: str | None = None,
) -> dict[str, str | None]:
    """The audit log's filters, as the page and the export take them."""
    return {
        "user": user,
        "action": action,
        "patient": patient,
        "since": since,
        "until": until,
        "tz": tz,
        "patient_id": patient_id,
    }


def _entry_view(e: dict[str, Any], names: AuditNames, zone: ZoneInfo, lang: str) -> dict[str, Any]:
    """An entry (:mod:`spinecare.clinic.audit_log`) as the page shows it; the JSON keys
    are the entry's own, with the reader's time and the names."""
    entry = dict(e)
    at = entry.pop("at_time")
    user_id = entry.pop("user_id")
    local = at.astimezone(zone)
    return {
        **entry,
        "at_local": local.isoformat(timespec="seconds"),
        "when": moment_text(local, lang),
        "user_name": names.users.get(user_id or 0) or e["user"] or "",
        "action_words": _words(ACTION_WORDS, e["action"]),
        "entity_words": _words(ENTITY_WORDS, e["entity"]),
        "patient_name": names.patients.get(patient_of(e) or 0, ""),
    }


def _filters_detail(filters: dict[str, str]) -> str:
    """The filters a reading of the log used, as its audit entry's detail."""
    return " ".join(f"{k}={detail_text(v)}" for k, v in filters.items() if v)


@router.get("/audit")
def audit_page(
    request: Request,
    page: str | None = None,
    params: dict[str, str | None] = Depends(audit_params),
) -> Response:
    """The clinic's audit log: names, local time, filters by patient, user, action and
    date, newest first, a page at a time."""
    number = parse_int(page, 1, 1)
    lang = set_language(request_language(request))
    with db_session(request) as session:
        admin = require_user(request, session, "admin")
        ask = _audit_request(session, admin, **params)
        ask.flt.limit, ask.flt.offset = PAGE, (number - 1) * PAGE
        log = log_page(session, admin, ask.flt, detail=_filters_detail(ask.filters))
        names = detail_names(log.names, state(request).kb(), lang)
        filtered = (
            audit_patient_name(session, admin, ask.flt.patient_id)
            if ask.flt.patient_id is not None
            else None
        )
    entries = [_entry_view(e, log.names, ask.zone, lang) for e in log.entries]
    details = [detail_words(e["detail"], names) for e in log.entries]
    actions = [(a, _words(ACTION_WORDS, a)) for a in log.actions]
    people = sorted(log.names.users.items(), key=lambda item: item[1])
    total = log.total
    query = urlencode({k: v for k, v in ask.filters.items() if v})
    data = {"entries": entries, "total": total, "page": number, "filters": ask.filters}
    if ask.errors:
        data["errors"] = ask.errors
    context = {
        **data,
        "rows": zip(entries, details, strict=True),
        "pages": max(1, -(-total // PAGE)),
        "zone": _zone_words(ask.zone_name, lang),
        "actions": actions,
        "people": people,
        "query": query,
        "errors": ask.errors,
        "filtered_patient": filtered,
    }
    return render(request, "audit.html", context, data)


AUDIT_FILE = N_("audit-log")
"""The exported audit log's name, in the reader's language, before the day of the export."""


@router.get("/audit/export.csv")
def audit_export(
    request: Request, params: dict[str, str | None] = Depends(audit_params)
) -> Response:
    """Every entry the filters match, as CSV (UTF-8 with a byte-order mark, so that
    spreadsheet programs read Cyrillic names), times in the chosen zone with their offset."""
    lang = set_language(request_language(request))
    with db_session(request) as session:
        admin = require_user(request, session, "admin")
        ask = _audit_request(session, admin, **params)
        if ask.errors:
            raise FormError(ask.errors)
        names, found = export_entries(session, admin, ask.flt, detail=_filters_detail(ask.filters))
        said = detail_names(names, state(request).kb(), lang)
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out)
        writer.writerow(
            [
                gettext("When (%(zone)s)") % {"zone": ask.zone_name},
                gettext("User"),
                gettext("User name"),
                gettext("Action"),
                gettext("What"),
                gettext("Record number"),
                gettext("Patient"),
                gettext("Patient number"),
                gettext("Detail"),
            ]
        )
        for e in found:
            v = _entry_view(e, names, ask.zone, lang)
            writer.writerow(
                [
                    safe_cell(x)
                    for x in (
                        v["at_local"],
                        v["user_name"],
                        e["user"] or "",
                        v["action_words"],
                        v["entity_words"],
                        e["entity_id"] if _number(str(e["entity_id"] or "")) else "",
                        v["patient_name"],
                        patient_of(e) or "",
                        detail_words(e["detail"], said).striptags(),
                    )
                ]
            )
    return Response(
        out.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers=attachment(AUDIT_FILE, date.today(), "csv"),
    )


def _users_context(request: Request, session: Session, admin: CurrentUser) -> dict[str, object]:
    names = accounts.clinic_patient_names(session, admin)
    return {
        "users": [u.model_dump(mode="json") for u in accounts.clinic_users(session, admin)],
        "roles": ROLES,
        "patients": sorted(names.items(), key=lambda item: item[1]),
        # the administrator is told, to pass on (``Settings.public_address_missing``)
        "public_address_missing": state(request).settings.public_address_missing,
    }


@router.get("/users")
def users_page(request: Request) -> Response:
    with db_session(request) as session:
        admin = require_user(request, session, "admin")
        context = _users_context(request, session, admin)
    return render(
        request, "users.html", {**context, "values": {}, "errors": {}}, {"users": context["users"]}
    )


@router.post("/users")
async def user_create(request: Request) -> Response:
    fields = await check_csrf(request)
    # the new password is hashed (argon2): in a worker thread, off the event loop
    return await run_heavy(_user_create, request, fields, pool="passwords")


def _user_create(request: Request, fields: dict[str, str]) -> Response:
    with db_session(request) as session:
        admin = require_user(request, session, "admin")
        try:
            created = accounts.add_user(
                session,
                admin,
                username=fields.get("username", ""),
                password=fields.get("password", ""),
                role=fields.get("role", ""),
                full_name=fields.get("full_name") or None,
                patient_id=parse_int(fields.get("patient_id"), 0),
                valid_for=timedelta(hours=state(request).settings.reset_password_hours),
            )
        except FormError as exc:
            context = _users_context(request, session, admin)
            values = {k: v for k, v in fields.items() if k != "password"}
            return _form_error(request, "users.html", {**context, "values": values}, exc)
        data = created.model_dump(mode="json")
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(data, status_code=201)
    return RedirectResponse("/users", status_code=303)


def _user_page(
    request: Request,
    session: Session,
    admin: CurrentUser,
    user: UserOut,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    temporary: str | None = None,
    status: int = 200,
) -> Response:
    names = accounts.clinic_patient_names(session, admin)
    data = user.model_dump(mode="json")
    if values is None:
        values = {
            "username": user.username,
            "full_name": user.full_name,
            "role": user.role,
            "language": user.language or "",
            "patient_id": str(user.patient_id or ""),
        }
    context = {
        "account": data,
        "values": values,
        "errors": errors or {},
        "roles": ROLES,
        "patients": sorted(names.items(), key=lambda item: item[1]),
        "notice": notice,
        "temporary": temporary,
        "valid_hours": state(request).settings.reset_password_hours,
        "is_self": user.id == admin.id,
    }
    json_data: dict[str, object] = {"user": data}
    if temporary:
        json_data["temporary_password"] = temporary
        if user.password_expires_at is not None:
            json_data["temporary_password_expires_at"] = user.password_expires_at.isoformat()
    if errors:
        json_data = error_data(
            request, status, "invalid_input", FormError(errors).one_line(), errors
        )
    return render(request, "user.html", context, json_data, status=status)


@router.get("/users/{user_id}")
def user_page(request: Request, user_id: int) -> Response:
    with db_session(request) as session:
        admin = require_user(request, session, "admin")
        user = accounts.open_user(session, admin, user_id)
        return _user_page(request, session, admin, user)


@router.post("/users/{user_id}")
async def user_edit(request: Request, user_id: int) -> Response:
    fields = await check_csrf(request)
    with db_session(request) as session:
        admin = require_user(request, session, "admin")
        user = accounts.clinic_user(session, admin, user_id)
        try:
            edited = accounts.edit_user(
                session,
                admin,
                user_id,
                # a field the request leaves out keeps its value (one sent empty clears)
                username=fields.get("username"),
                full_name=fields.get("full_name", user.full_name),
                role=fields.get("role", user.role),
                language=fields.get("language", user.language or "") or None,
                patient_id=parse_int(fields.get("patient_id", str(user.patient_id or 0)), 0),
            )
        except FormError as exc:
            return _user_page(
                request, session, admin, user, values=fields, errors=exc.errors, status=422
            )
        return _user_page(request, session, admin, edited, notice=Text("Saved."))


@router.post("/users/{user_id}/active")
async def user_active(request: Request, user_id: int) -> Response:
    fields = await check_csrf(request)
    with db_session(request) as session:
        admin = require_user(request, session, "admin")
        user = accounts.clinic_user(session, admin, user_id)
        active = fields.get("active") == "yes"
        try:
            changed = accounts.set_active(session, admin, user_id, active)
        except FormError as exc:
            return _user_page(request, session, admin, user, errors=exc.errors, status=422)
        notice = Text("The account is active again.") if active else DEACTIVATED
        return _user_page(request, session, admin, changed, notice=notice)


@router.post("/users/{user_id}/password")
async def user_reset_password(request: Request, user_id: int) -> Response:
    await check_csrf(request)
    # the one-time password is hashed (argon2): in a worker thread, off the event loop
    return await run_heavy(_user_reset_password, request, user_id, pool="passwords")


def _user_reset_password(request: Request, user_id: int) -> Response:
    with db_session(request) as session:
        admin = require_user(request, session, "admin")
        valid_for = timedelta(hours=state(request).settings.reset_password_hours)
        temporary = accounts.reset_user_password(session, admin, user_id, valid_for)
        user = accounts.clinic_user(session, admin, user_id)
        login_throttle(request).forgive(user.username, session)  # as the docs say: a reset lifts it
        return _user_page(request, session, admin, user, temporary=temporary)


# ---------------------------------------------------------------------------------------
# The clinic's contacts


def _clinic_page(
    request: Request,
    clinic: ClinicOut,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: Text | None = None,
    status: int = 200,
) -> Response:
    data = clinic.model_dump(mode="json")
    shown = {k: v or "" for k, v in data.items()}
    context = {
        "clinic": {**data, "name": clinic_name(clinic.name, request_language(request))},
        "values": values or shown,
        "errors": errors or {},
        "notice": notice,
    }
    json_data: dict[str, object] = {"clinic": data}
    if errors:
        json_data = error_data(
            request, status, "invalid_input", FormError(errors).one_line(), errors
        )
    return render(request, "clinic.html", context, json_data, status=status)


@router.get("/clinic")
def clinic_page(request: Request) -> Response:
    """The clinic's contacts, which the patients' handouts and referral letters print."""
    with db_session(request) as session:
        admin = require_user(request, session, "admin")
        return _clinic_page(request, clinic_details(session, admin))


@router.post("/clinic")
async def clinic_edit(request: Request) -> Response:
    fields = await check_csrf(request)
    with db_session(request) as session:
        admin = require_user(request, session, "admin")
        try:
            edited = edit_clinic(
                session,
                admin,
                phone=fields.get("phone", ""),
                email=fields.get("email", ""),
                address=fields.get("address", ""),
                hours=fields.get("hours", ""),
            )
        except FormError as exc:
            session.rollback()
            clinic = clinic_details(session, admin)
            return _clinic_page(request, clinic, values=fields, errors=exc.errors, status=422)
        return _clinic_page(request, edited, notice=Text("Saved."))
