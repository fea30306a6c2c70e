"""``--as-of`` with a date written as YYYY-MM-DD that no calendar has said "is not a date in
the form YYYY-MM-DD", the form it was written in: it says what to correct, as a page's
date field says it (:func:`spinecare.dates.date_problem`), in ``--lang``'s language."""

from __future__ import annotations

import pytest

from tests.cli.test_cli import run
from tests.conftest import FIXTURES

MINIMAL = FIXTURES / "intake" / "minimal.yaml"
SAID = {
    "en": {
        "2026-02-30": "the month has no such day",
        "2026-13-01": "the month is from 1 to 12",
        "２０２６-１１-２０": "only the digits 0 to 9 are read",
        "30.02.2026": "a date in the form YYYY-MM-DD",
    },
    "ru": {
        "2026-02-30": "в этом месяце нет такого дня",
        "2026-13-01": "месяц — от 1 до 12",
        "２０２６-１１-２０": "читаются только цифры от 0 до 9",
        "30.02.2026": "дата в формате ГГГГ-ММ-ДД",
    },
}


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("command", ["screen", "plan"])
def test_an_impossible_as_of_says_what_to_correct(command: str, lang: str) -> None:
    for written, said in SAID[lang].items():
        proc = run(command, MINIMAL, "--as-of", written, "--lang", lang)
        assert proc.returncode == 2, (written, proc.stdout)
        error = " ".join(proc.stderr.split())
        assert said in error, (written, error)
        assert written in error
        if written in ("2026-02-30", "2026-13-01"):  # not the form it is written in
            assert SAID[lang]["30.02.2026"] not in error, (written, error)
