"""A form sent back with an error keeps exactly the boxes that were ticked: the patient's
diary (a warning sign ticked must not be lost), and the therapist's new course, session
and home program forms (a box unticked must not come back ticked). Only a fresh form
ticks its defaults."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from tests.web.conftest import HTML, csrf_of
from tests.web.test_web_courses import DAY, TODAY, _start

COLLAR_STEPS = {
    "stroke_neck_to_arm",
    "knead_shoulder",
    "hack_trapezius",
    "squeeze_back_of_neck",
    "circles_side_of_neck",
    "circles_skull_and_scalp",
}


class _Boxes(HTMLParser):
    """The checkboxes of a page: every value offered, and those ticked, by name."""

    def __init__(self) -> None:
        super().__init__()
        self.offered: dict[str, set[str]] = {}
        self.ticked: dict[str, set[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag != "input" or a.get("type") != "checkbox":
            return
        name, value = a.get("name") or "", a.get("value") or ""
        self.offered.setdefault(name, set()).add(value)
        if "checked" in a:
            self.ticked.setdefault(name, set()).add(value)


def _boxes(html: str) -> _Boxes:
    boxes = _Boxes()
    boxes.feed(html)
    return boxes


def _send(client: Any, path: str, page: str, data: dict[str, Any]) -> Any:
    token = csrf_of(client, page)
    return client.post(path, data={**data, "csrf_token": token}, headers=HTML)


def test_the_diary_sent_back_keeps_the_warning_sign_and_the_steps_ticked(
    world: Any, signed_in: Any
) -> None:
    course = _start(world, world.own_patient)
    patient = signed_in("patient")
    home = f"/courses/{course}/home"
    fresh = _boxes(patient.get(home, headers=HTML).text)
    assert "saddle_anaesthesia" in fresh.offered["symptoms"]
    assert not fresh.ticked  # nothing is ticked for the patient
    entry = {
        "day": TODAY,
        "key": "ticked-1",
        "done": "yes",
        "pain": "15",  # out of range: the form comes back
        "steps": ["knead_shoulder", "hack_trapezius"],
        "symptoms": ["saddle_anaesthesia"],
        "notes": "numb when sitting",
    }
    r = _send(patient, f"/courses/{course}/diary", home, entry)
    assert r.status_code == 422
    assert 'class="field-error"' in r.text
    boxes = _boxes(r.text)
    assert boxes.ticked.get("symptoms") == {"saddle_anaesthesia"}
    assert boxes.ticked.get("steps") == {"knead_shoulder", "hack_trapezius"}
    assert boxes.ticked.get("done") == {"yes"}
    assert "numb when sitting" in r.text
    # the patient fixes the pain and saves the page as it came back: the warning sign is
    # saved with it and stops the course
    resent = {**entry, "pain": "5"}
    saved = _send(patient, f"/courses/{course}/diary", home, resent)
    assert saved.status_code == 200 and "saved=stop" in str(saved.url)
    assert signed_in("physician").get(f"/courses/{course}.json").json()["status"] == "paused"


def test_the_new_course_form_sent_back_keeps_the_home_steps_chosen(
    world: Any, signed_in: Any
) -> None:
    therapist = signed_in("therapist")
    page = f"/patients/{world.own_patient}/course/new"
    fresh = _boxes(therapist.get(page, headers=HTML).text)
    assert fresh.ticked["home_collar_zone"] == COLLAR_STEPS  # a fresh form: all of them
    plan_modalities = fresh.ticked["modalities"]
    assert fresh.ticked["zones"] == {"collar_zone"} and plan_modalities
    two = ["knead_shoulder", "circles_side_of_neck"]
    sent = {
        "zones": ["collar_zone"],
        "modalities": sorted(plan_modalities)[:1],
        "home_collar_zone": two,
        "sessions_per_week": "9",  # outside the range, no reason: the form comes back
    }
    r = _send(therapist, f"/patients/{world.own_patient}/courses", page, sent)
    assert r.status_code == 422
    assert "a written reason is required" in r.text
    boxes = _boxes(r.text)
    assert boxes.ticked["home_collar_zone"] == set(two)
    assert boxes.ticked["zones"] == {"collar_zone"}
    assert boxes.ticked["modalities"] == set(sorted(plan_modalities)[:1])
    # every box unticked comes back unticked
    r = _send(therapist, f"/patients/{world.own_patient}/courses", page, {"sessions": "x"})
    assert r.status_code == 422
    assert not _boxes(r.text).ticked


def test_the_session_form_sent_back_keeps_the_techniques_done(world: Any, signed_in: Any) -> None:
    course = _start(world, world.own_patient)
    therapist = signed_in("therapist")
    page = f"/courses/{course}"
    checked = _send(therapist, f"/courses/{course}/check", page, DAY)
    assert checked.status_code == 200
    every = _boxes(checked.text).ticked["tech_collar_zone"]
    assert len(every) > 1  # after the day's check: every technique of the course
    sent = {**DAY, "pre_pain": "3", "post_pain": "x", "minutes": "15"}
    r = _send(
        therapist, f"/courses/{course}/sessions", page, {**sent, "tech_collar_zone": "kneading"}
    )
    assert r.status_code == 422
    assert _boxes(r.text).ticked.get("tech_collar_zone") == {"kneading"}
    r = _send(therapist, f"/courses/{course}/sessions", page, sent)  # none ticked
    assert r.status_code == 422
    assert "tech_collar_zone" not in _boxes(r.text).ticked


def test_the_home_program_form_sent_back_keeps_the_steps_and_times_chosen(
    world: Any, signed_in: Any
) -> None:
    course = _start(world, world.own_patient)
    therapist = signed_in("therapist")
    page = f"/courses/{course}"
    assert _boxes(therapist.get(page, headers=HTML).text).ticked["home_collar_zone"] == (
        COLLAR_STEPS
    )
    sent = {
        "home_collar_zone": ["hack_trapezius"],
        "home_minutes_collar_zone": "30",  # outside the range, no reason
        "home_times_collar_zone": "2",
    }
    r = _send(therapist, f"/courses/{course}/home-program", page, sent)
    assert r.status_code == 422
    assert _boxes(r.text).ticked["home_collar_zone"] == {"hack_trapezius"}
    assert '<option value="2" selected>' in r.text
    assert 'value="30"' in r.text
