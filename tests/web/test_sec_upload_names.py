"""An uploaded file's name is kept and shown as its last part: a browser may send the
folders it came from, and any client ``../../etc/passwd`` or a direction override; none
of it reaches a page, the intake's label or the log."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import FIXTURES, HTML, World, csrf_of

SENT = {
    "../../etc/passwd.json": "passwd.json",
    "C:\\Users\\ivan\\Desktop\\record.json": "record.json",
    "/srv/exports/record.json": "record.json",
    "rec\u202eord\u200b.json": "record.json",  # a direction override, a zero-width space
    "a\u2029b\u0085c\u2028d.json": "abcd.json",  # paragraph, next-line and line separators
    "..": "upload.json",
}


@pytest.mark.parametrize(("sent", "kept"), SENT.items())
def test_an_unreadable_file_is_named_by_its_last_part(
    signed_in: Callable[[str], TestClient], sent: str, kept: str
) -> None:
    therapist = signed_in("therapist")
    answer = therapist.post(
        "/patients/import",
        data={"csrf_token": csrf_of(therapist, "/patients/import")},
        files={"file": (sent, b"{not json", "application/json")},
        headers=HTML,
    )
    assert answer.status_code == 400
    assert f"{kept}: not valid JSON" in answer.text
    assert "etc/" not in answer.text and "Users" not in answer.text


def test_an_imported_records_label_keeps_no_folder(
    world: World, signed_in: Callable[[str], TestClient]
) -> None:
    therapist = signed_in("therapist")
    bundle = (FIXTURES / "bundle-herniation.json").read_bytes()
    answer = therapist.post(
        "/patients/import",
        data={"csrf_token": csrf_of(therapist, "/patients/import")},
        files={"file": ("../../../var/lib/spinecare/herniation.json", bundle, "application/json")},
        headers={"accept": "application/json"},
    )
    assert answer.status_code in (200, 201), answer.text[:300]
    patient = answer.json()["id"]
    intakes = therapist.get(f"/api/patients/{patient}").json()["intakes"]
    labels = [i.get("label") or i.get("source_label") for i in intakes]
    assert "herniation.json" in labels, intakes
