"""An export or a reading of the audit log filtered by one patient (``patient_id``) is
itself an entry: the log names that patient in its Patient column and in the detail,
never by the database's number ("patient: 5")."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from tests.web.conftest import HTML, JSON
from tests.web.test_web_courses import _post

PATIENT_WORD = {"en": "patient", "ru": "пациент"}


def _name(world: Any) -> str:
    from spinecare.store.models import PatientRow

    with world.app.state.db.session() as session:
        row = session.get(PatientRow, world.demo_patient)
        assert row is not None
        return str(row.name)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_reading_filtered_by_a_patient_names_the_patient(
    world: Any, signed_in: Any, lang: str
) -> None:
    admin = signed_in("admin")
    assert _post(admin, "/language", {"language": lang}).status_code == 200
    pid = world.demo_patient
    assert admin.get(f"/audit/export.csv?patient_id={pid}").status_code == 200
    name = _name(world)
    page = admin.get("/audit?action=export", headers=HTML)
    assert page.status_code == 200
    row = next(r for r in page.text.split("<tr>") if 'data-action="export"' in r)
    patient_cell = re.compile(
        r'data-label="[^"]+"><span translate="no">([^<]*)</span></td>'
        r'<td data-label="[^"]+" class="detail"'
    )
    cell = patient_cell.search(row)
    assert cell and cell.group(1) == name, row
    assert f"{PATIENT_WORD[lang]}: {pid}" not in row and name in row.split('class="detail"')[1]
    entries = admin.get("/audit?action=export", headers=JSON).json()["entries"]
    assert entries[0]["patient_name"] == name
    export = admin.get("/audit/export.csv?action=export").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(export)))
    filtered = next(r for r in rows[1:] if name in r[8])
    assert filtered[6] == name and filtered[7] == str(pid)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_log_filtered_by_a_patient_says_whom_and_keeps_it(
    world: Any, signed_in: Any, lang: str
) -> None:
    """The patient card's link to its log (``patient_id``) named nobody on the page, and
    filtering by an action then dropped the patient."""
    admin = signed_in("admin")
    assert _post(admin, "/language", {"language": lang}).status_code == 200
    pid = world.demo_patient
    page = admin.get(f"/audit?patient_id={pid}", headers=HTML).text
    assert _name(world) in page.split('class="filtered"')[1].split("</p>")[0]
    assert f'name="patient_id" value="{pid}"' in page  # kept when the form filters again
