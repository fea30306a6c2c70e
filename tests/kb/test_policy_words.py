"""A clinic policy names the screening as the pages do: "the screening day" and
"дня скрининга", never "дня оценки" (the Russian catalogue calls it скрининг; "оценка"
is a pain score or a risk assessment there)."""

from __future__ import annotations

import re

import pytest

from spinecare.kb import load_kb

# "оценка" where the screening is meant: its day, or it made milder
_ASSESSMENT = re.compile(r"(?:дн[яюе]|день) оценки|оценк[уаи] мягче|оценка из-за", re.I)
SCREENING_DAY = {"en": "screening day", "ru": "дня скрининга"}


def test_no_policy_calls_the_screening_an_assessment_in_russian() -> None:
    for policy in load_kb().model.policies:
        for text in (policy.statement.ru, policy.reasoning.ru):
            assert not _ASSESSMENT.search(" ".join(text.split())), (policy.id, text)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_reading_of_a_month_is_dated_up_to_the_screening_day(lang: str) -> None:
    policy = next(p for p in load_kb().model.policies if p.id == "policy_partial_date_reading")
    assert SCREENING_DAY[lang] in policy.statement.get(lang)
