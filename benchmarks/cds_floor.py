"""The framework floor for benchmarks/cds_hooks.py: a FastAPI endpoint at the same path
that reads and parses the same request body (orjson) and answers a fixed card of about
2 KB. No service can answer faster on the same framework, server and machine.

    uvicorn --app-dir benchmarks --factory cds_floor:create_app
"""

from __future__ import annotations

import orjson
from fastapi import FastAPI, HTTPException, Request, Response

CARD = orjson.dumps(
    {
        "cards": [
            {
                "uuid": "00000000-0000-4000-8000-000000000000",
                "summary": "Massage: allowed with precautions",
                "indicator": "warning",
                "detail": "x" * 1700,
                "source": {"label": "spinecare", "url": "http://127.0.0.1:8000/"},
                "links": [
                    {"label": "Open", "url": "http://127.0.0.1:8000/patients", "type": "absolute"}
                ],
            }
        ]
    }
)


def create_app() -> FastAPI:
    app = FastAPI()

    @app.post("/cds-services/{service_id}")
    async def call_service(service_id: str, request: Request) -> Response:
        data = orjson.loads(await request.body())
        if not isinstance(data, dict) or "context" not in data:
            raise HTTPException(400, "a CDS Hooks request is expected")
        return Response(CARD, media_type="application/json")

    return app
