"""A client that goes away while its body is read (a body cut mid-read, an upload
dropped): nobody is there to answer, so nothing is built for it and the log notes it in
one line, never an internal error with a traceback (anyone could fill the operator's log
with them), on every route that reads a body."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import pytest

from tests.web.conftest import PASSWORDS, World, app_routes, login

FORM = b"application/x-www-form-urlencoded"
JSON_TYPE = b"application/json"
FHIR = b"application/fhir+json"


def _body_routes(app: Any) -> list[str]:
    """Every path ``app`` takes a POST at, its parameters filled (1)."""
    paths = {
        re.sub(r"\{[^}]*\}", "1", path)
        for method, path in app_routes(app)
        if method in ("POST", "*") and not path.startswith("/static")
    }
    return sorted(paths)


def _cut(app: Any, path: str, content_type: bytes, cookie: bytes) -> list[dict[str, Any]]:
    """POST ``path`` whose client sends the start of its body and goes away."""
    sent: list[dict[str, Any]] = []
    incoming = [
        {"type": "http.request", "body": b'{"resourceType": "Bun', "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> dict[str, Any]:
        if incoming:
            return incoming.pop(0)
        await asyncio.sleep(3600)  # never: the app stops reading at the disconnect
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", content_type),
            (b"content-length", b"100000"),
            (b"cookie", cookie),
            (b"sec-fetch-site", b"same-origin"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    async def call() -> None:
        await asyncio.wait_for(app(scope, receive, send), timeout=60)

    asyncio.run(call())
    return sent


def test_every_route_that_reads_a_body_takes_a_client_gone_quietly(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    app = world.app
    client = login(world.client(), "admin", PASSWORDS["admin"])
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items()).encode()
    routes = _body_routes(app)
    assert "/fhir/Patient/$massage-screening" in routes and "/api/screen" in routes
    built: dict[str, list[int]] = {}
    for path in routes:
        for kind in (FORM, JSON_TYPE, FHIR):
            with caplog.at_level(logging.INFO):
                sent = _cut(app, path, kind, cookie)
            statuses = [m["status"] for m in sent if m["type"] == "http.response.start"]
            if any(status >= 500 for status in statuses):
                built.setdefault(path, []).extend(statuses)
    tracebacks = [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.exc_info is not None or r.levelno >= logging.ERROR
    ]
    assert not tracebacks, tracebacks
    assert not built, built
    assert any("went away" in message for message in caplog.messages)
