"""User administration in the store, on SQLite and PostgreSQL: edit, deactivate, reset
the password (the user must choose a new one), change one's own password."""

from __future__ import annotations

from datetime import timedelta

import pytest


def _open(target):
    from spinecare.store.db import open_database

    url, schema = target
    return open_database(url, schema=schema)


def test_user_administration(db_target) -> None:
    from spinecare.clinic.accounts import (
        authenticate,
        change_password,
        create_user,
        get_or_create_clinic,
        reset_password,
        set_user_active,
        start_session,
        update_user,
        user_for_token,
    )
    from spinecare.store.errors import FormError

    db = _open(db_target)
    try:
        with db.session() as session:
            clinic = get_or_create_clinic(session, "Clinic A")
            admin = create_user(
                session, clinic=clinic, username="boss", password="boss-pass-1", role="admin"
            )
            anna = create_user(
                session, clinic=clinic, username="anna", password="anna-pass-1", role="therapist"
            )
            update_user(
                session, admin, anna, full_name=" Anna  Petrova ", role="physician",
                language="ru", patient=None,
            )  # fmt: skip
            assert (anna.full_name, anna.role, anna.language) == ("Anna Petrova", "physician", "ru")
            with pytest.raises(FormError) as caught:
                update_user(
                    session, admin, admin, full_name="Boss", role="therapist", language=None,
                    patient=None,
                )  # fmt: skip
            assert "role" in caught.value.errors
            token = start_session(session, anna, idle=timedelta(minutes=30))
            set_user_active(session, admin, anna, False)
            assert user_for_token(session, token) is None  # signed out at once
            assert authenticate(session, "anna", "anna-pass-1") is None
            with pytest.raises(FormError):
                set_user_active(session, admin, admin, False)
            set_user_active(session, admin, anna, True)
            temporary = reset_password(session, anna, timedelta(hours=1))
            assert anna.must_change_password is True
            assert authenticate(session, "anna", "anna-pass-1") is None
            signed = authenticate(session, "anna", temporary)
            assert signed is not None and signed.must_change_password
            token = start_session(session, anna, idle=timedelta(minutes=30))
            other = start_session(session, anna, idle=timedelta(minutes=30))
            with pytest.raises(FormError) as caught:
                change_password(session, anna, "wrong", "new-pass-99", "new-pass-99", token=token)
            assert set(caught.value.errors) == {"current"}
            change_password(session, anna, temporary, "new-pass-99", "new-pass-99", token=token)
            assert anna.must_change_password is False
            assert user_for_token(session, token) is not None  # this session stays
            assert user_for_token(session, other) is None  # the others end
            uid = anna.id
        with db.session() as session:
            from spinecare.store.models import User

            stored = session.get(User, uid)
            assert stored is not None and stored.must_change_password is False
            assert authenticate(session, "anna", "new-pass-99") is not None
    finally:
        db.dispose()


def test_a_one_time_password_is_taken_by_one_sign_in_of_two_at_once(db_target) -> None:
    """Two sign-ins that read the account before either wrote (two server workers at the
    same moment): the one-time password signs in once, the other is refused as used."""
    from spinecare.clinic.accounts import (
        PasswordExpired,
        authenticate,
        create_user,
        get_or_create_clinic,
        reset_password,
    )
    from spinecare.store.models import User

    db = _open(db_target)
    try:
        with db.session() as session:
            clinic = get_or_create_clinic(session, "Clinic R")
            user = create_user(
                session, clinic=clinic, username="rita", password="rita-pass-1", role="therapist"
            )
            temporary = reset_password(session, user, timedelta(hours=1))
            uid = user.id
        first, second = db.sessions(), db.sessions()
        try:
            # both read the account (and its expiry) before either signs in
            assert first.get(User, uid) is not None and second.get(User, uid) is not None
            assert authenticate(first, "rita", temporary) is not None
            first.commit()
            with pytest.raises(PasswordExpired):
                authenticate(second, "rita", temporary)
        finally:
            first.close()
            second.rollback()
            second.close()
    finally:
        db.dispose()
