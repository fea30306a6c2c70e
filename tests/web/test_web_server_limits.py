"""What the HTTP server refuses before a request reaches the app, tried against the app
served as ``spinecare serve`` serves it (uvicorn with :func:`spinecare.app.server_options`)
over a real socket: a request line and headers over the limit are a 431 in the one error
shape, and the server stops reading them."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from tests.conftest import served_app
from tests.web.conftest import World

MB = 1_000_000


@pytest.fixture
def served(world: World) -> Iterator[tuple[str, int]]:
    from spinecare.app import server_options

    with served_app(world.app, **server_options()) as address:
        yield address


def _received(conn: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (or it breaks)."""
    answer = b""
    try:
        while chunk := conn.recv(65_536):
            answer += chunk
    except OSError:
        pass
    return answer


def _exchange(address: tuple[str, int], head: bytes, filler: int = 0) -> tuple[bytes, int]:
    """Send ``head``, then ``filler`` bytes of one header's value in 64 KB pieces, then
    the end of the head; the answer, and how many filler bytes the server took."""
    sent = 0
    with socket.create_connection(address, timeout=20) as conn:
        conn.sendall(head)
        try:
            while sent < filler:
                conn.sendall(b"x" * min(65_536, filler - sent))
                sent += min(65_536, filler - sent)
            conn.sendall(b"\r\nconnection: close\r\n\r\n")
        except OSError:
            pass  # the server answered and closed the connection meanwhile
        answer = _received(conn)
    return answer, sent


def _parts(answer: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


def test_headers_over_the_limit_are_refused_and_not_read(served: tuple[str, int]) -> None:
    head = (
        b"GET /patients HTTP/1.1\r\nhost: x\r\naccept: application/json\r\n"
        b"accept-language: ru\r\ncookie: spinecare_session="
    )
    answer, sent = _exchange(served, head, filler=200 * MB)
    status, headers, body = _parts(answer)
    assert status == 431, answer[:300]
    error = json.loads(body)["error"]
    assert (error["status"], error["code"]) == (431, "request_header_fields_too_large")
    assert error["message"] == "строка запроса и заголовки больше предела в 65536 байт"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["connection"] == "close"
    assert sent < 200 * MB  # the server stopped reading: the rest was never taken


def test_a_head_over_the_limit_in_its_first_read_is_refused(served: tuple[str, int]) -> None:
    """A head whose first read alone is over the limit (one 150 KB cookie sent at once,
    then a little more) is refused: the first read of a request was not counted, and a
    head of up to about four times the limit was answered."""
    with socket.create_connection(served, timeout=20) as conn:
        conn.sendall(b"GET /login HTTP/1.1\r\nhost: x\r\ncookie: a=" + b"x" * 150_000)
        try:
            for _ in range(10):
                conn.sendall(b"y" * 4000)
            conn.sendall(b"\r\nconnection: close\r\n\r\n")
        except OSError:
            pass  # the server answered and closed the connection meanwhile
        answer = _received(conn)
    assert _parts(answer)[0] == 431, answer[:300]


@pytest.mark.parametrize(
    "head",
    [
        b"GET /api/patients HTTP/1.1\r\nhost: x\r\nx-big: " + b"a" * 100_000,
        b"GET /login HTTP/1.1\r\nhost: x\r\ncookie: a=" + b"a" * 100_000,
        b"GET /login HTTP/1.1\r\nhost: x\r\n" + b"x-a: b\r\n" * 12_000 + b"x-end: 1",
    ],
    ids=["one header", "a cookie", "many headers"],
)
def test_a_whole_head_over_the_limit_in_one_read_is_refused(
    served: tuple[str, int], head: bytes
) -> None:
    """A head over the limit that arrives whole at once (100 KB, in one write) is refused:
    one that ended within the read in which it began was answered (401, 200) up to about
    twice the limit."""
    with socket.create_connection(served, timeout=20) as conn:
        conn.sendall(head + b"\r\nconnection: close\r\n\r\n")
        answer = _received(conn)
    status, headers, body = _parts(answer)
    assert status == 431, answer[:300]
    assert json.loads(body)["error"]["code"] == "request_header_fields_too_large"
    assert headers["connection"] == "close"


def test_a_long_address_under_fhir_is_an_operation_outcome(served: tuple[str, int]) -> None:
    answer, _ = _exchange(served, b"GET /fhir/metadata?x=", filler=2 * MB)
    # the request line ends with the filler: the exchange's own end makes it a header
    status, headers, body = _parts(answer)
    assert status == 431, answer[:300]
    assert headers["content-type"].startswith("application/fhir+json")
    outcome = json.loads(body)
    assert outcome["resourceType"] == "OperationOutcome"
    assert "request line and headers larger than the limit" in outcome["issue"][0]["diagnostics"]


def test_requests_under_the_limit_are_answered_as_before(served: tuple[str, int]) -> None:
    # a 20 KB cookie: not signed in, said in the one error shape
    head = b"GET /patients HTTP/1.1\r\nhost: x\r\naccept: application/json\r\ncookie: a="
    status, _, body = _parts(_exchange(served, head, filler=20_000)[0])
    assert status == 401
    assert json.loads(body)["error"]["code"] == "unauthorized"
    # a body larger than the head's limit is the app's to judge (a Bundle of 1 MB)
    bundle = json.dumps({"resourceType": "Bundle", "type": "collection", "entry": []})
    body_bytes = bundle.encode() + b" " * MB
    request = (
        b"POST /api/screen HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        b"content-length: " + str(len(body_bytes)).encode() + b"\r\nconnection: close\r\n\r\n"
    )
    with socket.create_connection(served, timeout=20) as conn:
        conn.sendall(request + body_bytes)
        answer = b""
        while chunk := conn.recv(65_536):
            answer += chunk
    status, _, _ = _parts(answer)
    assert status != 431, answer[:300]
    assert status < 500, answer[:300]


@pytest.fixture
def hurried(world: World) -> Iterator[tuple[str, int]]:
    """The app served as ``spinecare serve`` serves it, with a one-second deadline for a
    request's head instead of :data:`spinecare.app.MAX_HEAD_SECONDS`."""
    from spinecare.app import MAX_HEAD_BYTES, head_refusal
    from spinecare.http_limits import server_options

    with served_app(world.app, **server_options(MAX_HEAD_BYTES, 1.0, head_refusal)) as address:
        yield address


def _trickle(
    address: tuple[str, int], head: bytes, then: bytes, seconds: float
) -> tuple[bytes, float]:
    """Send ``head`` at once, then ``then`` a byte every tenth of a second for ``seconds``
    at most, never ending the head; the answer, and how long the server waited."""
    import time

    start = time.monotonic()
    with socket.create_connection(address, timeout=20) as conn:
        try:
            conn.sendall(head)
            for byte in then[: int(seconds * 10)]:
                conn.sendall(bytes([byte]))
                time.sleep(0.1)
        except OSError:
            pass  # the server answered and closed the connection meanwhile
        answer = _received(conn)
    return answer, time.monotonic() - start


def test_a_head_trickled_byte_by_byte_is_refused_at_the_deadline(
    hurried: tuple[str, int],
) -> None:
    head = (
        b"GET /patients HTTP/1.1\r\nhost: x\r\naccept-language: ru\r\naccept: application/json\r\n"
    )
    answer, waited = _trickle(hurried, head, b"x-slow: " + b"y" * 200, seconds=10)
    status, headers, body = _parts(answer)
    assert status == 408, answer[:300]
    error = json.loads(body)["error"]
    assert (error["status"], error["code"]) == (408, "request_timeout")
    assert error["message"] == "строка запроса и заголовки не пришли за 30 с"
    assert headers["connection"] == "close"
    assert headers["x-content-type-options"] == "nosniff"
    assert waited < 8  # closed at the deadline, not when the client gave up


def test_a_fhir_head_too_slow_is_an_operation_outcome(hurried: tuple[str, int]) -> None:
    answer, _ = _trickle(
        hurried, b"GET /fhir/metadata HTTP/1.1\r\n", b"host: x\r\n" * 30, seconds=10
    )
    status, headers, body = _parts(answer)
    assert status == 408, answer[:300]
    assert headers["content-type"].startswith("application/fhir+json")
    outcome = json.loads(body)
    assert outcome["issue"][0]["code"] == "timeout"
    assert "did not arrive within" in outcome["issue"][0]["diagnostics"]


def test_a_connection_that_asks_nothing_is_closed_without_an_answer(
    hurried: tuple[str, int],
) -> None:
    import time

    start = time.monotonic()
    with socket.create_connection(hurried, timeout=20) as conn:
        assert conn.recv(1024) == b""  # closed by the server, nothing said
    assert time.monotonic() - start < 8


def test_a_kept_alive_connection_is_answered_request_after_request(
    hurried: tuple[str, int],
) -> None:
    # each head complete in time: the deadline of one does not end the next
    import time

    request = b"GET /fhir/metadata HTTP/1.1\r\nhost: x\r\n\r\n"
    with socket.create_connection(hurried, timeout=20) as conn:
        for _ in range(3):
            conn.sendall(request)
            answer = conn.recv(65_536)
            assert answer.startswith(b"HTTP/1.1 "), answer[:100]
            assert not answer.startswith(b"HTTP/1.1 408"), answer[:300]
            time.sleep(0.6)  # 1.8 s in all: past one deadline, under the keep-alive
