"""A password among the most common ones, or made of one, is refused: the guesses an
attacker tries first at every account, a few each, which no account's slowdown stops
(and which an argon2 hash stolen with the database gives up at once)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import JSON, PASSWORDS, World, csrf_of, login

COMMON = [
    "password1",  # on the list as it is
    "P@ssw0rd2026",  # l33t, capitalised, a year
    "qwertyuiop",  # a keyboard row
    "Qwerty123!",  # one with a few digits and a sign
    "12345678",
    "gfhjkm123",  # "пароль" typed with the Latin layout on
    "йцукенгшщз",  # "qwertyuiop" typed with the Russian layout on
    "пароль123",  # "parol123": a Russian word as it is written in Latin letters
    "Солнце12",  # "Solnce12" as people write it ("Solntse12" as a passport does)
    "Наташа1987",  # a name with a year, "Natasha1987"
    "iloveyou",
    "Spinecare2026",  # the app's own name
    "physician2026",  # the account's own name with a year
]
GOOD = [
    "a long enough passphrase 42",
    "Second-doctor-2026!",
    "Ёжик-в-тумане-7",
    "Зимняя-Сосна-Тропа",  # Russian words that do not go together
]
REFUSED = (
    "too easy to guess: one of the most common passwords, or a common word or name with a "
    "few digits; a few words that do not go together make a good one"
)


def _change(client: TestClient, new: str) -> object:
    return client.post(
        "/password",
        data={
            "current": PASSWORDS["physician"],
            "new": new,
            "repeat": new,
            "csrf_token": csrf_of(client, "/password"),
        },
        headers=JSON,
    )


@pytest.mark.parametrize("chosen", COMMON)
def test_ones_own_common_password_is_refused(
    world: World, signed_in: Callable[[str], TestClient], chosen: str
) -> None:
    answer = _change(signed_in("physician"), chosen)
    assert answer.status_code == 422, answer.text  # type: ignore[attr-defined]
    (detail,) = answer.json()["error"]["details"]  # type: ignore[attr-defined]
    assert (detail["field"], detail["message"]) == ("new", REFUSED)
    # nothing changed: the old password signs in, the refused one does not
    login(world.client(), "physician", PASSWORDS["physician"])


@pytest.mark.parametrize("chosen", GOOD)
def test_a_password_hard_to_guess_is_taken(
    world: World, signed_in: Callable[[str], TestClient], chosen: str
) -> None:
    answer = _change(signed_in("physician"), chosen)
    assert answer.status_code == 200, answer.text  # type: ignore[attr-defined]
    login(world.client(), "physician", chosen)


def test_a_new_accounts_common_password_is_refused_in_the_readers_words(
    signed_in: Callable[[str], TestClient],
) -> None:
    admin = signed_in("admin")
    form = {
        "username": "vera",
        "full_name": "Vera Petrova",
        "password": "Petrova2026",  # the owner's own name and a year
        "role": "therapist",
        "csrf_token": csrf_of(admin, "/users"),
    }
    answer = admin.post("/users", data=form, headers=JSON)
    assert answer.status_code == 422, answer.text
    fields = {d["field"]: d["message"] for d in answer.json()["error"]["details"]}
    assert fields == {"password": REFUSED}
    admin.post("/language", data={"language": "ru", "csrf_token": csrf_of(admin, "/users")})
    answer = admin.post(
        "/users", data={**form, "csrf_token": csrf_of(admin, "/users")}, headers=JSON
    )
    assert answer.status_code == 422
    (said,) = [d["message"] for d in answer.json()["error"]["details"]]
    assert said != REFUSED and "парол" in said
    taken = admin.post(
        "/users",
        data={
            **form,
            "password": "a long enough passphrase 42",
            "csrf_token": csrf_of(admin, "/users"),
        },
        headers=JSON,
    )
    assert taken.status_code in (200, 201, 303), taken.text


def test_a_very_long_password_is_judged_by_its_start() -> None:
    """zxcvbn refuses more than 72 characters, and its cost grows with the square of the
    length and with the ways digits and signs read as letters (72 characters of them held
    a worker four seconds): a long password is judged by its start, never an error."""
    from spinecare.clinic.accounts import L33T_HEAD, _judged, easily_guessed

    assert easily_guessed("password" * 50)
    assert not easily_guessed("a long enough passphrase 42 " * 20)
    signs = "4@8({[<3691!|70$5+7%2" * 4
    assert _judged(signs) == signs[:L33T_HEAD]
    assert not easily_guessed(signs)
    # a common one written with signs is short enough to be read in every way
    assert _judged("P@$$w0rd!") == "P@$$w0rd!" and easily_guessed("P@$$w0rd!")


def test_a_russian_password_is_judged_in_latin_letters_at_no_greater_cost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Cyrillic password is also judged as written in Latin letters; a form whose signs
    read as letters in too many ways is not (it would be judged in part, as no word with a
    few digits is), so a Cyrillic password costs no more estimates than before."""
    from spinecare.clinic import accounts

    judged: list[str] = []
    estimate = accounts._guesses_log10

    def counted(password: str, words: list[str]) -> float:
        judged.append(password)
        return estimate(password, words)

    monkeypatch.setattr(accounts, "_guesses_log10", counted)
    assert not accounts.easily_guessed("Зимняя-Сосна-Тропа")
    assert {"Zimnyaya-Sosna-Tropa", "Zimniaia-Sosna-Tropa"} <= set(judged)
    judged.clear()
    assert not accounts.easily_guessed("ж4@8({[<3691!|70$5+7%2" * 3)
    assert len(judged) == 2  # as written, and as its keys write it in the Latin layout
    assert not any(form.startswith("zh") for form in judged)


def test_ones_own_new_password_is_checked_against_the_clinics_name(
    world: World, signed_in: Callable[[str], TestClient]
) -> None:
    """/password, where most passwords are chosen (after a reset, a one-time password),
    applies the check an administrator's new account gets: the clinic's name too."""
    from sqlalchemy import update

    from spinecare.clinic.accounts import easily_guessed
    from spinecare.store.models import Clinic, User

    chosen = "Zhukovka2026"
    assert not easily_guessed(chosen, "physician", "Иван Петров")  # only the clinic's name
    with world.app.state.db.session() as session:  # type: ignore[attr-defined]
        doctor = session.get(User, world.physician_id)
        assert doctor is not None
        session.execute(
            update(Clinic).where(Clinic.id == doctor.clinic_id).values(name="Zhukovka clinic")
        )
    answer = _change(signed_in("physician"), chosen)
    assert answer.status_code == 422, answer.text  # type: ignore[attr-defined]
    (detail,) = answer.json()["error"]["details"]  # type: ignore[attr-defined]
    assert (detail["field"], detail["message"]) == ("new", REFUSED)
