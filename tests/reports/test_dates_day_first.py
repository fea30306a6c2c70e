"""English dates are written day first, as the English texts are spelled (``7 Dec 2026``,
``7 December 2026``), by the one helper every page, handout, chart, calendar and card
uses; Russian dates as Russian writes them. Babel's ``en`` wrote ``Dec 7, 2026``."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from spinecare.i18n import day_text, moment_text
from spinecare.reports.handout import Clinic, handout_data
from tests.reports.conftest import make_course

DAY = date(2026, 12, 7)
SHOWN = {
    "en": {
        "medium": "7 Dec 2026",
        "long": "7 December 2026",
        "moment": "7 Dec 2026, 22:05:00",
        "period": "1 Dec 2026 – 7 Dec 2026",
    },
    "ru": {
        "medium": "7 дек. 2026\u202fг.",
        "long": "7 декабря 2026\u202fг.",
        "moment": "7 дек. 2026\u202fг., 22:05:00",
        "period": "1 дек. 2026\u202fг. – 7 дек. 2026\u202fг.",
    },
}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_day_is_written_day_first_in_both_languages(lang: str) -> None:
    said = SHOWN[lang]
    assert day_text(DAY, lang) == said["medium"]
    assert day_text("2026-12-07", lang) == said["medium"]
    assert day_text(DAY, lang, width="long") == said["long"]
    assert day_text(date(2026, 12, 1), lang, DAY) == said["period"]
    assert moment_text(datetime(2026, 12, 7, 22, 5, tzinfo=UTC), lang) == said["moment"]
    assert "Dec 7" not in day_text(DAY, lang) and "December 7" not in day_text(
        DAY, lang, width="long"
    )


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_handout_writes_its_dates_day_first(kb, lang: str) -> None:
    data = handout_data(
        make_course(kb), kb, lang=lang, patient_name="A B", clinic=Clinic("C"), day=DAY
    )
    assert data["date"] == SHOWN[lang]["long"]
    assert SHOWN[lang]["long"] in data["footnote"]
    start = day_text(make_course(kb).start, lang, width="long")
    assert start[0].isdigit(), start
    assert any(start in str(row[1]) for row in data["course"]["rows"]), data["course"]
