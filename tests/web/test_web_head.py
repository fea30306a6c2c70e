"""HEAD is answered as GET is, without the body (RFC 9110, 9.3.2): pages, JSON, the FHIR
CapabilityStatement and static files; where GET is not taken, HEAD gets GET's 405."""

from __future__ import annotations

import pytest

from tests.web.conftest import HTML, JSON, PASSWORDS, World, login


@pytest.mark.parametrize(
    ("path", "accept", "signed_in"),
    [
        ("/login", HTML, False),
        ("/patients", HTML, True),
        ("/api/patients", JSON, True),
        ("/fhir/metadata", {"accept": "application/fhir+json"}, False),
        ("/static/style.css", {}, False),
    ],
)
def test_head_answers_what_get_answers_without_the_body(
    world: World, path: str, accept: dict[str, str], signed_in: bool
) -> None:
    client = world.client()
    if signed_in:
        login(client, "therapist", PASSWORDS["therapist"])
    got = client.get(path, headers=accept)
    head = client.head(path, headers=accept)
    assert got.status_code == head.status_code == 200, (got.status_code, head.status_code)
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert int(head.headers["content-length"]) == len(got.content) > 0
    assert head.headers["x-content-type-options"] == "nosniff"


def test_head_where_get_is_not_taken_is_refused_as_get_is(world: World) -> None:
    """``/logout`` takes only POST: HEAD gets GET's 405 naming what it takes, with no body."""
    client = world.client()
    head = client.head("/logout", headers=JSON)
    assert head.status_code == client.get("/logout", headers=JSON).status_code == 405
    assert head.headers["allow"] == "POST" and head.content == b""


def test_a_head_to_a_signed_in_page_still_needs_the_sign_in(world: World) -> None:
    head = world.client().head("/patients", headers=HTML, follow_redirects=False)
    assert head.status_code == 303 and head.headers["location"].startswith("/login")
