"""The real-EHR-shaped records imported through the web app screen as the CLI screens the
files (tests/fixtures/ehr): what the store keeps is what the reader read."""

from __future__ import annotations

import yaml

from spinecare import screen
from tests.conftest import AS_OF, FIXTURES

EHR = FIXTURES / "ehr"
JSON = {"accept": "application/json"}


def test_imported_records_screen_as_the_files_do(signed_in, csrf) -> None:
    cases = yaml.safe_load((EHR / "expected.yaml").read_text(encoding="utf-8"))["cases"]
    client = signed_in("therapist")
    differ = []
    for name in sorted(cases):
        text = (EHR / f"{name}.json").read_text(encoding="utf-8")
        raw = text.replace('"Patient/p1"', f'"Patient/{name}"').replace(
            '"id": "p1"', f'"id": "{name}"'
        )
        token = csrf(client, "/patients/import")
        response = client.post(
            "/patients/import",
            data={"csrf_token": token},
            files={"file": (f"{name}.json", raw.encode(), "application/json")},
            follow_redirects=False,
        )
        assert response.status_code == 303, (name, response.text)
        page = client.get(f"{response.headers['location']}?as_of={AS_OF}", headers=JSON)
        assert page.status_code == 200, (name, page.text)
        got = page.json()["screening"]["verdict"]
        expected = screen(EHR / f"{name}.json", as_of=AS_OF).verdict
        if got != expected:
            differ.append((name, expected, got))
    assert not differ, differ
