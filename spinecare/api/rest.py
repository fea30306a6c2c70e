"""REST API under ``/api``: screen and plan a posted FHIR Bundle or intake document.

``POST /api/screen`` and ``POST /api/plan`` take JSON (a FHIR R4 Bundle, or a spinecare
intake document with ``format: spinecare-intake/1``), with ``as_of`` (YYYY-MM-DD,
default today) and ``lang`` (en, ru) query parameters. They answer with the JSON
contract of DESIGN.md section 4, the same objects ``spinecare screen|plan --format
json`` prints. Errors use the app's one envelope: 400 for unreadable or invalid input,
413 for a body over the size limit.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Query, Request

from spinecare.errors import InputError

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["REST API"])

_ERROR = {
    "description": "Unreadable or invalid input (the error envelope)",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["status", "code", "message"],
                        "properties": {
                            "status": {"type": "integer"},
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "details": {"type": "array"},
                        },
                    }
                },
            }
        }
    },
}
_BODY = {
    "requestBody": {
        "required": True,
        "description": "A FHIR R4 Bundle, or a spinecare intake document "
        "(format: spinecare-intake/1), as JSON.",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}
_SCREEN_SCHEMA = {
    "type": "object",
    "required": ["verdict", "indicated", "indications", "findings", "missing", "kb_version"],
    "properties": {
        "verdict": {
            "type": "string",
            "enum": [
                "refer_urgently", "contraindicated", "defer", "needs_clearance",
                "needs_data", "allowed_with_precautions", "allowed",
            ],
        },
        "indicated": {"type": ["boolean", "null"]},
        "indications": {"type": "array", "items": {"type": "string"}},
        "findings": {"type": "array", "items": {"type": "object"}},
        "missing": {"type": "array", "items": {"type": "object"}},
        "kb_version": {"type": "string"},
        "as_of": {"type": "string"},
        "patient": {"type": "string"},
    },
}
_PLAN_SCHEMA = {
    "type": "object",
    "required": ["status", "verdict", "zones", "modalities", "course", "avoid",
                 "home_program", "sources"],
    "properties": {
        "status": {"type": "string", "enum": ["ready", "pending", "blocked"]},
        "verdict": {"type": "string"},
        "zones": {"type": "array", "items": {"type": "string"}},
        "modalities": {"type": "array"},
        "course": {"type": ["object", "null"]},
        "avoid": {"type": "array"},
        "home_program": {"type": "array"},
        "sources": {"type": "array"},
    },
}


def _responses(schema: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"description": "OK", "content": {"application/json": {"schema": schema}}},
        400: _ERROR,
        413: _ERROR,
    }


async def _document(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        raise InputError("empty request body: a FHIR Bundle or an intake document is expected")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InputError("request body must be a JSON object (a FHIR Bundle or an intake document)")
    return data


def _lang(lang: str) -> str:
    if lang not in ("en", "ru"):
        raise InputError(f"lang: '{lang}' is not one of en, ru")
    return lang


AsOf = Query(None, description="Screen as of this date (YYYY-MM-DD); default today.")
Lang = Query("en", description="Language of reasons and texts: en or ru.")


@router.post("/screen", summary="Screen a patient for massage", openapi_extra=_BODY,
             responses=_responses(_SCREEN_SCHEMA))
async def screen(request: Request, as_of: str | None = AsOf, lang: str = Lang) -> Any:
    """Is massage safe and indicated for this patient on this date, and why?"""
    from spinecare.core import load_kb, parse_date
    from spinecare.core import screen as do_screen

    data = await _document(request)
    day = parse_date(as_of, what="as_of")
    result = do_screen(data, day, kb=load_kb(), lang=_lang(lang))
    return result.to_json()


@router.post("/plan", summary="Plan a massage course", openapi_extra=_BODY,
             responses=_responses(_PLAN_SCHEMA))
async def plan(request: Request, as_of: str | None = AsOf, lang: str = Lang) -> Any:
    """Zones, modalities, sessions, techniques and what to avoid for this patient."""
    from spinecare.core import load_kb, parse_date
    from spinecare.core import plan as do_plan

    data = await _document(request)
    day = parse_date(as_of, what="as_of")
    result = do_plan(data, day, kb=load_kb(), lang=_lang(lang))
    return result.to_json()
