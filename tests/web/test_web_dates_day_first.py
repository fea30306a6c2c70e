"""A page writes a date day first in English as in Russian (``7 Dec 2026``,
``7 дек. 2026 г.``): the screening's day and the audit log's moments, never ``Dec 7, 2026``."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.conftest import HTML, JSON, csrf_of

DAY = {"en": "7 Dec 2026", "ru": "7 дек. 2026\u202fг."}


def _speaks(client: Any, lang: str) -> Any:
    token = csrf_of(client, "/login")
    r = client.post("/language", data={"language": lang, "csrf_token": token}, headers=JSON)
    assert r.status_code == 200, r.text[:300]
    return client


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_screening_page_writes_its_day_day_first(world: Any, signed_in: Any, lang: str) -> None:
    therapist = _speaks(signed_in("therapist"), lang)
    page = therapist.get(
        f"/patients/{world.demo_patient}/screening", params={"as_of": "2026-12-07"}, headers=HTML
    )
    assert page.status_code == 200, page.text[-800:]
    assert DAY[lang] in page.text
    assert "Dec 7, 2026" not in page.text


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_audit_log_writes_its_moments_day_first(signed_in: Any, lang: str) -> None:
    admin = _speaks(signed_in("admin"), lang)
    page = admin.get("/audit", headers=HTML)
    assert page.status_code == 200, page.text[-800:]

    moments = re.findall(r"\d{1,2} [^\s<]+ \d{4}(?:\u202fг\.)?, \d{2}:\d{2}:\d{2}", page.text)
    assert moments, page.text[-2000:]
    assert not re.search(r"[A-Z][a-z]{2} \d{1,2}, \d{4}", page.text)
