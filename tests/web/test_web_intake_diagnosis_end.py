"""The intake page gives a diagnosis that has ended its end where the record gives it: a
resolved cancer of 2018 to 2020 read "since 1 Mar 2018: resolved", as if it went on. An
onset and an end read as a period; an end alone as "ended"; a diagnosis with no end as
before ("since"), in both languages, with no word that agrees with the diagnosis."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.test_pages_wording import _client, _intake_page

RECORD = """format: spinecare-intake/1
patient:
  id: {pid}
  name: Test Patient
date: '2026-11-20'
conditions:
- code: C50.9
  system: icd10
  status: resolved
{dates}
vitals:
- blood_pressure: 120/80
- measure: body_temperature
  value: 36.6
  unit: Cel
"""
CASES = {
    "period": ("  onset: '2018-03-01'\n  abatement: '2020-05-01'", ", 1 Mar 2018 – 1 May 2020"),
    "end alone": ("  abatement: '2020-05-01'", ", ended 1 May 2020"),
    "no end": ("  onset: '2018-03-01'", ", since 1 Mar 2018"),
}
RUSSIAN = {
    "period": ", 1 мар. 2018\u202fг. – 1 мая 2020\u202fг.",
    "end alone": ", окончание — 1 мая 2020\u202fг.",
    "no end": ", с 1 мар. 2018\u202fг.",
}
NAMED = {"en": "Cancer", "ru": "Онкологическое заболевание"}


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_diagnosis_is_dated_with_its_end(
    world: Any, tmp_path: Path, lang: str, case: str
) -> None:
    dates, english = CASES[case]
    path = tmp_path / "record.yaml"
    pid = "ended-" + re.sub(r"\W", "-", case)
    path.write_text(RECORD.format(pid=pid, dates=dates), encoding="utf-8")
    page = _intake_page(_client(world, lang), path)
    said = english if lang == "en" else RUSSIAN[case]
    items = re.findall(r"<li>(.*?)</li>", page, re.S)
    item = next((li for li in items if li.startswith(NAMED[lang])), None)
    assert item is not None, page[-2500:]
    assert f"{said}: " in item, item
    assert "закончил" not in page
