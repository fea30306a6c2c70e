"""A body the HTTP server cannot read (a chunk whose size is no number, a chunk longer
than it said) was answered with uvicorn's own plain text ("Invalid HTTP request
received."), without the headers every answer carries; now, while the app has not begun
its answer, it is the one error shape (an OperationOutcome under ``/fhir/``), in the
language of ``Accept-Language``, tried against the app as ``spinecare serve`` serves it."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from tests.conftest import served_app
from tests.web.conftest import World


@pytest.fixture
def served(world: World) -> Iterator[tuple[str, int]]:
    from spinecare.app import server_options

    with served_app(world.app, **server_options()) as address:
        yield address


def _post(address: tuple[str, int], path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
    head = (
        f"POST {path} HTTP/1.1\r\nhost: x\r\naccept-language: ru\r\n"
        "content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
    ).encode()
    answer = b""
    with socket.create_connection(address, timeout=20) as conn:
        conn.sendall(head + body)
        try:
            while chunk := conn.recv(65_536):
                answer += chunk
        except OSError:
            pass
    top, _, content = answer.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    headers = {n.strip().lower(): v.strip() for n, _, v in (h.partition(":") for h in lines[1:])}
    return int(lines[0].split()[1]), headers, content


BROKEN = [b"zz\r\nabc\r\n0\r\n\r\n", b"3\r\nabcXX0\r\n\r\n"]


@pytest.mark.parametrize("body", BROKEN, ids=["size no number", "longer than said"])
def test_a_body_that_cannot_be_read_is_refused_in_the_one_shape(
    served: tuple[str, int], body: bytes
) -> None:
    status, headers, content = _post(served, "/api/screen", body)
    assert status == 400
    error = json.loads(content)["error"]
    assert error["status"] == 400
    assert error["message"] == "запрос не удалось прочитать"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["connection"] == "close"


def test_under_fhir_it_is_an_operation_outcome(served: tuple[str, int]) -> None:
    status, _, content = _post(served, "/fhir/Patient/$massage-screening", BROKEN[0])
    assert status == 400
    assert json.loads(content)["resourceType"] == "OperationOutcome"


def test_the_server_answers_the_next_connection(served: tuple[str, int]) -> None:
    _post(served, "/api/screen", BROKEN[0])
    with socket.create_connection(served, timeout=20) as conn:
        conn.sendall(b"GET /login HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        assert conn.recv(64).startswith(b"HTTP/1.1 200")
