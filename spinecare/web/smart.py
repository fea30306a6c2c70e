"""SMART App Launch: an EHR opens spinecare on the patient in its chart.

- ``GET /launch?iss=...&launch=...`` (EHR launch) or ``GET /launch?iss=...`` (standalone
  launch): ``iss`` must be an EHR of ``Settings.smart_ehrs``; spinecare reads its SMART
  configuration, keeps the ``state`` and PKCE verifier (table ``smart_launches``) and
  sends the browser to the EHR's authorisation endpoint.
- ``GET /launch/callback?code=...&state=...``: the EHR's answer. The state is used once;
  the code is exchanged (with the PKCE verifier) for the access token, the patient in
  context and the EHR user (``fhirUser`` from the verified ``id_token``), mapped to a
  clinic account by the EHR's ``users``. The patient's record is read from the EHR's
  FHIR server with the same searches and reader as the CDS Hooks service, stored as an
  intake of the clinic's patient with that EHR id (a new patient the first time), and
  the browser is signed in as that account and sent to the patient's screening page.

A launch with an unknown ``iss``, a bad or reused ``state``, an EHR refusal, a token
without patient context or an EHR user without a clinic account shows a page saying so
and stores nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import delete, select

from spinecare.fhir.smart import (
    LaunchError,
    SmartEhr,
    authorize_url,
    discover,
    exchange_code,
    load_smart_ehrs,
    new_pkce,
    user_reference,
)
from spinecare.record.model import PatientRecord
from spinecare.store.errors import AccessDenied
from spinecare.web import deps
from spinecare.web.deps import SESSION_COOKIE, db_session, session_cookie_value, set_cookie

__all__ = ["router"]

LAUNCH_TTL = timedelta(minutes=10)

router = APIRouter(tags=["SMART App Launch"])


def _ehrs(request: Request) -> dict[str, SmartEhr]:
    cached = getattr(request.app.state, "smart_ehrs", None)
    if cached is None:
        path = deps.state(request).settings.smart_ehrs
        cached = load_smart_ehrs(path) if path else {}
        request.app.state.smart_ehrs = cached
    return cached  # type: ignore[no-any-return]


def _redirect_uri(request: Request) -> str:
    return deps.state(request).settings.base_url.rstrip("/") + "/launch/callback"


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@router.get("/launch", summary="SMART App Launch (EHR or standalone)")
async def launch(request: Request, iss: str = "", launch: str | None = None) -> Response:
    from spinecare.store.models import SmartLaunch

    ehr = _ehrs(request).get(iss.strip().rstrip("/"))
    if ehr is None:
        raise LaunchError("spinecare is not set up to be opened from this EHR")
    endpoints = await discover(ehr)
    verifier, challenge = new_pkce()
    launch_state = secrets.token_urlsafe(32)
    moment = datetime.now(UTC)
    with db_session(request) as session:
        session.execute(delete(SmartLaunch).where(SmartLaunch.created_at < moment - LAUNCH_TTL))
        session.add(
            SmartLaunch(
                state_hash=_hash(launch_state),
                iss=ehr.iss,
                code_verifier=verifier,
                created_at=moment,
            )
        )
    target = authorize_url(
        ehr,
        endpoints,
        redirect_uri=_redirect_uri(request),
        state=launch_state,
        challenge=challenge,
        launch=launch,
    )
    return RedirectResponse(target, status_code=302)


def _take_launch(request: Request, launch_state: str) -> tuple[str, str]:
    """The EHR and PKCE verifier of this state, removed (a state is used once)."""
    from spinecare.store.models import SmartLaunch

    with db_session(request) as session:
        row = session.get(SmartLaunch, _hash(launch_state)) if launch_state else None
        if row is None:
            raise LaunchError(
                "this launch is not known or was already used; open spinecare from the EHR again"
            )
        found = (row.iss, row.code_verifier, row.created_at)
        session.delete(row)
    iss, verifier, created = found
    created = created if created.tzinfo is not None else created.replace(tzinfo=UTC)
    if datetime.now(UTC) - created > LAUNCH_TTL:
        raise LaunchError("this launch has expired; open spinecare from the EHR again")
    return iss, verifier


@router.get("/launch/callback", summary="SMART App Launch: the EHR's answer")
async def callback(
    request: Request,
    code: str = "",
    launch_state: str = Query("", alias="state"),
    error: str | None = None,
    error_description: str | None = None,
) -> Response:
    import asyncio
    from urllib.parse import urlsplit

    from spinecare.fhir.outbound import AddressPolicy
    from spinecare.fhir.prefetch import (
        PrefetchUnavailable,
        build_record,
        kb_templates,
        resolve_prefetch,
    )

    iss, verifier = _take_launch(request, launch_state)
    if error is not None:
        raise LaunchError(f"the EHR did not let spinecare open: {error_description or error}")
    if not code:
        raise LaunchError("the EHR's answer has no authorisation code")
    ehr = _ehrs(request).get(iss)
    if ehr is None:
        raise LaunchError("spinecare is not set up to be opened from this EHR")
    endpoints = await discover(ehr)
    token = await exchange_code(
        ehr, endpoints, code=code, redirect_uri=_redirect_uri(request), verifier=verifier
    )
    username = ehr.users.get(user_reference(token.fhir_user))
    if username is None:
        raise AccessDenied("your EHR account is not linked to a spinecare account")
    kb = deps.state(request).kb()
    # the EHR's own FHIR server, configured by the clinic: its host is allowed
    policy = AddressPolicy.from_entries([urlsplit(ehr.iss).hostname or ""])
    request_data = {
        "fhirServer": ehr.iss,
        "fhirAuthorization": {"access_token": token.access_token},
    }
    try:
        values = await resolve_prefetch(
            request_data, {"patientId": token.patient}, kb_templates(kb), policy
        )
    except PrefetchUnavailable as exc:
        raise LaunchError(f"the patient's record cannot be read from the EHR ({exc})") from None
    record = await asyncio.to_thread(
        build_record, values, token.patient, kb, f"smart-launch:{ehr.iss}"
    )
    patient_id, session_token = _open_patient(request, ehr, username, record, token.patient)
    response = RedirectResponse(f"/patients/{patient_id}/screening", status_code=303)
    set_cookie(request, response, SESSION_COOKIE, session_cookie_value(request, session_token))
    return response


def _open_patient(
    request: Request, ehr: SmartEhr, username: str, record: PatientRecord, ehr_patient: str
) -> tuple[int, str]:
    """Store the record for the clinic's patient with this EHR id (never one that merely
    shares the number) and start a session for the user."""
    from dataclasses import replace

    from spinecare.clinic.accounts import start_session
    from spinecare.clinic.audit import record as audit
    from spinecare.clinic.patients import WRITERS, import_record
    from spinecare.store.ehr import clinic_ehr_patient, free_external_id
    from spinecare.store.models import Clinic, User

    with db_session(request) as session:
        user = session.scalar(select(User).where(User.username == username))
        clinic = session.get(Clinic, user.clinic_id) if user is not None else None
        if user is None or not user.active or clinic is None or clinic.name != ehr.clinic:
            raise AccessDenied("your EHR account is not linked to a spinecare account")
        linked = clinic_ehr_patient(session, user.clinic_id, ehr.iss, ehr_patient)
        if user.role in WRITERS:
            external = (
                linked.external_id
                if linked is not None
                else free_external_id(session, user.clinic_id, ehr_patient, ehr.iss)
            )
            patient = import_record(
                session,
                user,
                replace(record, patient=replace(record.patient, id=external)),
                label=f"EHR launch ({ehr.iss})",
                source="fhir",
                ehr_ids=[(ehr.iss, ehr_patient)],
            )
            patient_id = patient.id
        elif linked is not None:
            patient_id = linked.id
        else:
            raise AccessDenied("this patient is not in spinecare yet; a therapist opens them first")
        audit(session, user, "launch", "patient", str(patient_id), patient_id=patient_id)
        token = start_session(session, user)
    return patient_id, token
