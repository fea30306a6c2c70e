"""The screening page and the clearance workflow, through HTTP."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

HTML = {"accept": "text/html"}
JSON = {"accept": "application/json"}
AS_OF = date.today().isoformat()
"""The demo clinic's patients are dated as of the day they are seeded: today."""


def test_web_verdicts_equal_the_library_for_every_demo_patient(world, signed_in) -> None:
    """The page and the library give the same verdict for the same patient and date."""
    from spinecare.clinic.seed import demo_records
    from spinecare.core import screen
    from spinecare.kb import load_kb

    expected = {}
    for _, record in demo_records(load_kb(), date.fromisoformat(AS_OF)):
        expected[record.patient.id] = screen(record, AS_OF).to_json()
    client = signed_in("therapist")
    listing = client.get("/patients.json")
    assert listing.status_code == 200
    seen = 0
    for p in listing.json()["patients"]:
        if p["external_id"] not in expected:
            continue
        response = client.get(f"/patients/{p['id']}/screening.json?as_of={AS_OF}")
        assert response.status_code == 200
        got = response.json()["screening"]
        want = expected[p["external_id"]]
        assert got["verdict"] == want["verdict"], p["external_id"]
        assert [f["rule"] for f in got["findings"]] == [f["rule"] for f in want["findings"]]
        assert got["missing"] == want["missing"]
        seen += 1
    assert seen == len(expected)


def test_screening_page_shows_banner_findings_sources_checklist_and_diagram(
    world, signed_in
) -> None:
    client = signed_in("therapist")
    response = client.get(f"/patients/{world.demo_patient}/screening?as_of={AS_OF}", headers=HTML)
    assert response.status_code == 200
    text = response.text
    assert 'data-verdict="needs_clearance"' in text
    assert "Needs physician clearance" in text
    assert "Sources" in text and "Facts that decided it" in text
    assert '<svg class="body"' in text
    assert 'data-zone="collar_zone" data-state="treat"' in text
    assert "Request physician clearance" in text


def test_missing_data_checklist(world, signed_in) -> None:
    client = signed_in("therapist")
    listing = client.get("/patients.json?q=mills").json()["patients"]
    assert len(listing) == 1
    response = client.get(f"/patients/{listing[0]['id']}/screening?as_of={AS_OF}", headers=HTML)
    assert response.status_code == 200
    assert 'data-verdict="needs_data"' in response.text
    assert 'class="checklist"' in response.text and "Blood pressure" in response.text


def _post(client, path: str, token: str, data: dict[str, Any], accept=JSON):
    return client.post(
        path, headers={**accept, "x-csrf-token": token}, data=data, follow_redirects=False
    )


@pytest.mark.parametrize("decision", ["cleared", "declined"])
def test_clearance_workflow_changes_the_verdict(world, signed_in, csrf, decision) -> None:
    therapist, physician = signed_in("therapist"), signed_in("physician")
    page = f"/patients/{world.demo_patient}/screening?as_of={AS_OF}"
    before = therapist.get(page, headers=JSON).json()
    assert before["screening"]["verdict"] == "needs_clearance"
    assert before["clearable"] == ["disc_herniation"]
    # the physician does not see the patient before a referral
    assert physician.get(page, headers=JSON).status_code == 403
    response = _post(
        therapist,
        f"/patients/{world.demo_patient}/clearance-requests",
        csrf(therapist, page),
        {
            "concepts": ["disc_herniation"],
            "physician_id": str(world.physician_id),
            "message": "recovery phase, pain 2/10",
        },
    )
    assert response.status_code == 201
    req = response.json()
    queue = physician.get("/clearances.json")
    assert queue.status_code == 200
    assert [r["id"] for r in queue.json()["clearance_requests"]] == [req["id"]]
    review = physician.get(f"/clearances/{req['id']}", headers=HTML)
    assert review.status_code == 200
    assert "disc herniation" in review.text and "Sources" in review.text
    assert review.text.count("<h1") == 1  # the request; its screening a section of it
    token = csrf(physician, f"/clearances/{req['id']}")
    # a page opened before the request changed, the request still open: reload, not "decided"
    stale = _post(
        physician,
        f"/clearances/{req['id']}",
        token,
        {"decision": decision, "note": "x", "version": str(req["version"] + 7)},
    )
    assert stale.status_code == 409 and "changed since this page was opened" in stale.text
    response = _post(
        physician,
        f"/clearances/{req['id']}",
        token,
        {"decision": decision, "note": "", "version": str(req["version"])},
        accept=HTML,
    )
    if decision == "declined":  # a declined clearance needs a reason
        assert response.status_code == 422
        assert "say why massage is declined" in response.text
        response = _post(
            physician,
            f"/clearances/{req['id']}",
            token,
            {"decision": decision, "note": "MRI first", "version": str(req["version"])},
        )
    assert response.status_code in (200, 303)
    after = therapist.get(f"/patients/{world.demo_patient}/screening.json").json()
    finding = next(
        f
        for f in after["screening"]["findings"]
        if f["concept"] == "disc_herniation"
        and f["effect"] in ("needs_clearance", "contraindicated")
    )
    assert finding["clearance"]["decision"] == decision
    want = "contraindicated" if decision == "declined" else None
    if want:
        assert after["screening"]["verdict"] == want
    else:
        assert after["screening"]["verdict"] != "needs_clearance"
    # deciding twice is a conflict, not a silent overwrite
    again = _post(
        physician,
        f"/clearances/{req['id']}",
        token,
        {"decision": "cleared", "note": "x", "version": str(req["version"])},
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"


def test_clearance_request_must_name_open_findings(world, signed_in, csrf) -> None:
    client = signed_in("therapist")
    page = f"/patients/{world.demo_patient}/screening"
    response = _post(
        client,
        f"/patients/{world.demo_patient}/clearance-requests",
        csrf(client, page),
        {"concepts": ["oncology"], "physician_id": ""},
        accept=HTML,
    )
    assert response.status_code == 422
    assert "not a finding that needs clearance now" in response.text
    assert "choose a physician of this clinic" in response.text


def test_patient_account_sees_own_screening(world, signed_in) -> None:
    client = signed_in("patient")
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/me/home"
    response = client.get("/me/home", headers=HTML, follow_redirects=False)
    # without a course yet, the patient's start page is their own screening
    assert response.headers["location"] == f"/patients/{world.own_patient}/screening"
    response = client.get(response.headers["location"], headers=HTML)
    assert response.status_code == 200
    assert "Request physician clearance" not in response.text
    # plain words only: no verdict codes, no JSON link, no sources
    assert "Можно ли мне массаж?" in response.text  # this patient reads Russian
    assert "Массаж вам можно" in response.text
    assert "data-verdict" in response.text
    import re

    main = response.text.split("<main", 1)[1].split("</main>")[0]
    visible = re.sub(r"<[^>]+>", " ", main)
    assert "_" not in visible and "verdict-code" not in main
    assert ".json" not in response.text


PAGES = [
    "/patients",
    "/patients/new",
    "/patients/import",
    "/patients/{p}",
    "/patients/{p}/edit",
    "/patients/{p}/intake",
    "/patients/{p}/screening",
    "/clearances",
    "/audit",
    "/users",
]


def test_every_page_has_a_json_twin(world, signed_in) -> None:
    client = signed_in("admin")
    for page in PAGES:
        path = page.format(p=world.demo_patient)
        html = client.get(path, headers=HTML)
        assert html.status_code == 200, path
        assert html.headers["content-type"].startswith("text/html")
        for response in (client.get(path + ".json"), client.get(path, headers=JSON)):
            assert response.status_code == 200, path
            assert response.headers["content-type"] == "application/json"
            assert isinstance(response.json(), dict)


BAD = [
    "/patients/999999",
    "/patients/abc",
    "/patients/1/nothing",
    "/clearances/424242",
    "/patients?page=-3&q=%00",
    "/patients/{p}/screening?as_of=not-a-date",
]


def test_no_page_ever_shows_a_traceback(world, signed_in) -> None:
    client = signed_in("therapist")
    for page in BAD:
        path = page.format(p=world.demo_patient)
        for headers in (HTML, JSON):
            response = client.get(path, headers=headers)
            assert response.status_code in (200, 404, 422), (path, response.status_code)
            assert "Traceback" not in response.text and 'File "' not in response.text
            if response.status_code >= 400 and headers is JSON:
                assert set(response.json()["error"]) >= {"status", "code", "message"}


def test_a_screening_date_that_cannot_be_read_is_said_not_replaced_by_today(
    world, signed_in
) -> None:
    """``as_of=garbage`` showed today's screening as if asked for (200): the date is
    refused naming it (422), on the page and its JSON twin."""
    client = signed_in("therapist")
    path = f"/patients/{world.demo_patient}/screening?as_of=garbage"
    page = client.get(path, headers=HTML)
    assert page.status_code == 422 and "YYYY-MM-DD" in page.text
    answer = client.get(path, headers=JSON)
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"] == "as_of"


def test_internal_error_is_a_page_without_traceback(world, signed_in, monkeypatch) -> None:
    from spinecare.clinic import patients as service

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(service, "intakes_of", boom)
    client = signed_in("therapist")
    for headers in (HTML, JSON):
        response = client.get(f"/patients/{world.demo_patient}", headers=headers)
        assert response.status_code == 500
        assert "secret internals" not in response.text and "Traceback" not in response.text
    assert response.json()["error"]["code"] == "internal_error"


def test_security_headers_and_cookie_flags(world, signed_in) -> None:
    client = world.client()
    response = client.get("/login")
    assert response.status_code == 200
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    token = re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)
    response = client.post(
        "/login",
        data={"username": "admin", "password": "admin-pass-1", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_a_source_title_in_another_language_carries_its_lang(world, signed_in) -> None:
    """The Dutch KNGF guideline keeps its Dutch title, marked lang="nl"; others lang="en"."""
    client = signed_in("therapist")
    listing = client.get("/patients.json").json()["patients"]
    carter = next(p for p in listing if p["external_id"] == "demo-carter")
    page = client.get(f"/patients/{carter['id']}/screening?as_of={AS_OF}", headers=HTML).text
    assert re.search(r'lang="nl">KNGF-richtlijn Lage rugpijn', page)
    assert 'lang="en">' in page


@pytest.mark.parametrize(
    ("lang", "heading", "kind"),
    [
        ("en", "Other entries in the record, not used by the screening (1)", "medication"),
        ("ru", "Другие записи в карте, не использованные при скрининге (1)", "препарат"),
    ],
)
def test_entries_the_screening_did_not_use_are_shown_collapsed(
    world, signed_in, csrf, lang: str, heading: str, kind: str
) -> None:
    """A drug that names nothing the screening knows is shown, in words, not dropped."""
    client = signed_in("therapist")
    pid = client.get("/patients.json?q=hughes").json()["patients"][0]["id"]
    page = f"/patients/{pid}/screening?as_of={AS_OF}"
    token = csrf(client, page)
    r = client.post("/language", data={"csrf_token": token, "language": lang, "next": "/"})
    assert r.status_code in (200, 303)
    twin = client.get(page, headers=JSON).json()["screening"]["not_used"]
    assert [(n["kind"], n["label"]) for n in twin] == [
        ("medication", "alendronate 70 mg once a week")
    ]
    text = client.get(page, headers=HTML).text
    section = text.split('<details class="not-used">', 1)[1].split("</details>", 1)[0]
    assert heading in section
    assert f"{kind}: " in section and "alendronate 70 mg once a week" in section
    assert twin[0]["ref"] not in text


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "not read: a document whose content is a link the record does not include"),
        ("ru", "не прочитано: документ, содержимое которого — ссылка, не включённая в запись"),
    ],
)
def test_a_document_the_screening_cannot_read_is_kept_and_shown(
    world, signed_in, csrf, lang: str, said: str
) -> None:
    """An imported note whose content is a link the record does not include is stored and
    listed on the screening page, in the reader's language, without its id."""
    import json

    from tests.conftest import AS_OF as FIXTURES_DAY
    from tests.conftest import FIXTURES, as_patient

    client = signed_in("therapist")
    bundle = json.loads((FIXTURES / "ehr" / "document_links_to_binary_in_bundle.json").read_text())
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Binary"]
    raw = as_patient(json.dumps(bundle), "linked-note").encode()
    response = client.post(
        "/patients/import",
        data={"csrf_token": csrf(client, "/patients/import")},
        files={"file": ("note.json", raw, "application/json")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = f"{response.headers['location'].split('?')[0]}?as_of={FIXTURES_DAY}"
    token = csrf(client, page)
    r = client.post("/language", data={"csrf_token": token, "language": lang, "next": "/"})
    assert r.status_code in (200, 303)
    twin = client.get(page, headers=JSON).json()["screening"]
    assert twin["verdict"] == "allowed"
    assert [n["kind"] for n in twin["not_used"]] == ["set_aside"]
    text = client.get(page, headers=HTML).text
    section = text.split('<details class="not-used">', 1)[1].split("</details>", 1)[0]
    assert said in section
    assert twin["not_used"][0]["ref"] not in text


def test_a_page_of_the_list_past_its_end_says_so_not_that_there_are_no_patients(
    world, signed_in
) -> None:
    """``/patients?page=99999`` said "No patients yet." under "Patients (9)"."""
    page = signed_in("therapist").get("/patients?page=99999", headers=HTML)
    assert page.status_code == 200
    assert "No patients yet." not in page.text and "No patients on this page." in page.text


def test_a_request_for_a_finding_cleared_meanwhile_says_so_and_keeps_the_message(
    world, signed_in, csrf
) -> None:
    """The therapist's page was opened before the physician cleared the finding: the
    request is refused with the finding in words (never its id) and the message typed is
    shown, not lost."""
    therapist, physician = signed_in("therapist"), signed_in("physician")
    page = f"/patients/{world.demo_patient}/screening"
    token = csrf(therapist, page)
    first = _post(
        therapist,
        f"/patients/{world.demo_patient}/clearance-requests",
        token,
        {"concepts": ["disc_herniation"], "physician_id": str(world.physician_id)},
    )
    req = first.json()
    decided = _post(
        physician,
        f"/clearances/{req['id']}",
        csrf(physician, f"/clearances/{req['id']}"),
        {"decision": "cleared", "note": "ok", "version": str(req["version"])},
    )
    assert decided.status_code in (200, 303)
    late = _post(
        therapist,
        f"/patients/{world.demo_patient}/clearance-requests",
        token,
        {
            "concepts": ["disc_herniation"],
            "physician_id": str(world.physician_id),
            "message": "INR 2.4 on 1 Dec",
        },
        accept=HTML,
    )
    assert late.status_code == 422
    assert "The request was not sent." in late.text
    assert "Intervertebral disc herniation: not a finding" in late.text
    assert "disc_herniation:" not in late.text
    assert "INR 2.4 on 1 Dec" in late.text


def test_the_patient_sees_a_clearance_decided_but_not_what_the_staff_wrote(
    world, signed_in, csrf
) -> None:
    """The patient's own screening (REST) says the finding was cleared and when, never the
    physician's note, who wrote it or the request (they are written to each other); a
    physician sees only the requests addressed to them."""
    from sqlalchemy import update

    from spinecare.store.models import User
    from tests.web.conftest import clearance_request

    req = clearance_request(world)
    physician = signed_in("physician")
    version = physician.get(f"/clearances/{req}", headers=JSON).json()["clearance_request"][
        "version"
    ]
    decided = _post(
        physician,
        f"/clearances/{req}",
        csrf(physician, f"/clearances/{req}"),
        {"decision": "cleared", "note": "PHYSICIAN-ONLY remark", "version": str(version)},
    )
    assert decided.status_code in (200, 303), decided.text[:200]
    path = f"/api/patients/{world.demo_patient}/screening"
    assert "PHYSICIAN-ONLY remark" in signed_in("therapist").get(path).text
    with world.app.state.db.session() as session:  # the demo patient's own account
        session.execute(
            update(User).where(User.username == "patient").values(patient_id=world.demo_patient)
        )
    said = signed_in("patient").get(path)
    assert said.status_code == 200, said.text[:200]
    assert '"cleared"' in said.text and "PHYSICIAN-ONLY remark" not in said.text
