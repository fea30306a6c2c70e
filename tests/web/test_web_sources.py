"""The screening page and the referral letter name each source with its kind and show the
evidence level beside each finding's reason."""

from __future__ import annotations

from tests.web.conftest import HTML


def test_screening_page_shows_level_and_source_kinds(world, signed_in) -> None:
    client = signed_in("therapist")
    page = client.get(f"/patients/{world.demo_patient}/screening", headers=HTML).text
    assert 'class="level"' in page and "Level of evidence: " in page
    assert "(popular article)" in page  # the herniation article, named as what it is
    assert "(clinic policy)" in page
    for internal in ("DESIGN.md", "design choice", "UNCONFIRMED", "machine-translated"):
        assert internal not in page


def test_referral_letter_names_source_kinds(world, signed_in) -> None:
    from sqlalchemy import select

    from spinecare.store.models import PatientRow

    with world.app.state.db.session() as session:
        pid = session.scalar(select(PatientRow.id).where(PatientRow.external_id == "demo-turner"))
    client = signed_in("therapist")
    letter = client.get(f"/patients/{pid}/referral", headers=HTML).text
    assert "GIRFT" in letter and "clinical guideline" in letter
    assert "clinic policy" in letter
