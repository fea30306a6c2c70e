"""How the app reads what a request says beside its fields: a form's declared charset, a
query string's bytes, the page a form sent after a session ended goes back to, and a
request that is not valid HTTP."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import JSON, World
from tests.web.test_web_server_limits import _parts, _received
from tests.web.test_web_server_limits import served as served

FORM = "application/x-www-form-urlencoded"


def _multipart(fields: dict[str, str], boundary: str = "b") -> bytes:
    body = b""
    for name, value in fields.items():
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    return body + f"--{boundary}--\r\n".encode()


@pytest.mark.parametrize("charset", ["latin-1", "utf-16", "x-unknown", "windows-1251"])
def test_a_form_in_another_charset_is_refused_naming_it(
    signed_in: Callable[[str], TestClient],
    csrf: Callable[[TestClient, str], str],
    charset: str,
) -> None:
    """A multipart form that declared ``charset=latin-1`` had its UTF-8 fields (checked as
    UTF-8) read as Latin-1 and stored so ('café' became 'cafÃ©'); an unknown charset was
    read as Latin-1 too. A form is read as UTF-8, as browsers send it: one that declares
    another charset is refused naming its type (415), nothing saved."""
    therapist = signed_in("therapist")
    token = csrf(therapist, "/patients/new")
    fields = {"name": "Café Ünal", "external_id": "cs-1", "csrf_token": token}
    headers = {"X-CSRF-Token": token, **JSON}
    sent = therapist.post(
        "/patients",
        content=_multipart(fields),
        headers={**headers, "Content-Type": f"multipart/form-data; boundary=b; charset={charset}"},
    )
    assert sent.status_code == 415, sent.text
    assert f"charset={charset}" in sent.json()["error"]["message"]
    urlencoded = therapist.post(
        "/patients",
        data=fields,
        headers={**headers, "Content-Type": f"{FORM}; charset={charset}"},
    )
    assert urlencoded.status_code == 415, urlencoded.text
    listed = therapist.get("/patients?q=cs-1", headers=JSON)
    assert listed.json()["total"] == 0
    # UTF-8 named, in any case, is what is read anyway
    for named in ("UTF-8", "utf8", '"utf-8"'):
        fields["external_id"] = f"cs-{len(named)}"
        kind = f"multipart/form-data; boundary=b; charset={named}"
        answer = therapist.post(
            "/patients", content=_multipart(fields), headers={**headers, "Content-Type": kind}
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["name"] == "Café Ünal"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/patients?q=%FF%FE", "q"),
        ("/api/patients?q=Anna%D0", "q"),
        ("/api/patients?q=%C0%AF", "q"),
        ("/patients?q=a&offset=0&q%FF=1", "q\ufffd"),
    ],
)
def test_a_query_parameter_that_is_not_utf8_is_named(
    signed_in: Callable[[str], TestClient], path: str, field: str
) -> None:
    """A search of bytes that are no text was run for replacement characters and recorded
    so in the audit log ('q=\ufffd'); it is refused naming the parameter, as a form field
    is (422)."""
    therapist = signed_in("therapist")
    answer = therapist.get(path, headers=JSON)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"][0]["field"] == field
    assert "\ufffd" not in answer.json()["error"]["message"].replace(field, "")
    assert therapist.get("/api/patients?q=%D0%90%D0%BD", headers=JSON).status_code == 200


def test_a_form_sent_after_the_session_ended_goes_back_to_its_own_page(world: World) -> None:
    """The sign-in page opens the page the form was on (its ``Referer``): that page's own
    query (``&page=2``, ``&next=...``) was written into the sign-in page's address unquoted,
    where it became the sign-in page's parameters (its ``next`` replaced)."""
    client = world.client()
    came_from = "http://testserver/patients?q=a&page=2&next=/audit"
    answer = client.post(
        "/patients",
        data={"name": "x"},
        headers={"accept": "text/html", "referer": came_from},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    sign_in = urlsplit(answer.headers["location"])
    assert sign_in.path == "/login"
    query = parse_qs(sign_in.query)
    assert query["next"] == ["/patients?q=a&page=2&next=/audit"]
    assert query["unsaved"] == ["1"]
    assert "page" not in query
    page = client.get(answer.headers["location"], headers={"accept": "text/html"})
    assert page.status_code == 200
    assert 'value="/patients?q=a&amp;page=2&amp;next=/audit"' in page.text


def _answer(address: tuple[str, int], request: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(address, timeout=20) as conn:
        conn.sendall(request)
        return _parts(_received(conn))


@pytest.mark.parametrize(
    "request_head",
    [
        b"GET /login HTTP/1.1\r\nhost: x\r\nx-a: a\x01b\r\n",  # a control character
        b"GET /login HTTP/1.1\r\nhost: x\r\nx a: b\r\n",  # a space in a header's name
        "GET /patients/é HTTP/1.1\r\nhost: x\r\n".encode(),  # an address not %-encoded
        b"POST /api/screen HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\ncontent-length: 3\r\n",
        b"POST /api/screen HTTP/1.1\r\nhost: x\r\ncontent-length: -1\r\n",
    ],
    ids=["control character", "space in a name", "raw address", "two lengths", "negative"],
)
def test_a_request_that_is_not_valid_http_is_refused_in_the_one_error_shape(
    served: tuple[str, int], request_head: bytes
) -> None:
    """A request the HTTP parser cannot read was answered by the server's own plain-text
    'Invalid HTTP request received.', without the security headers: it is a 400 in the one
    error shape, in the language of its ``Accept-Language`` when that came before."""
    request = request_head.replace(b"host: x\r\n", b"host: x\r\naccept-language: ru\r\n")
    status, headers, body = _answer(served, request + b"connection: close\r\n\r\n")
    assert status == 400, body[:300]
    error = json.loads(body)["error"]
    assert (error["status"], error["code"]) == (400, "bad_request")
    # in the reader's language once the parser has read their header
    said = {"запрос не удалось прочитать", "the request could not be read"}
    assert error["message"] in said
    if b"\x01" in request:
        assert error["message"] == "запрос не удалось прочитать"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["connection"] == "close"
    fhir = b"GET /fhir/metadata HTTP/1.1\r\nhost: x\r\nx-a: a\x01b\r\nconnection: close\r\n\r\n"
    status, headers, body = _answer(served, fhir)
    assert status == 400
    assert json.loads(body)["resourceType"] == "OperationOutcome"
    assert headers["content-type"].startswith("application/fhir+json")
