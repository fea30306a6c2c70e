"""A clinic's accounts, as its administrator manages them: list, create, edit,
deactivate or reactivate, reset a password. Only an admin may, and only in their own
clinic (another clinic's users are not found); each change is audited."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session

from spinecare.clinic.accounts import (
    LOOKS_THE_SAME,
    create_user,
    current_user,
    find_user,
    for_one_sign_in,
    reset_password,
    set_user_active,
    update_user,
    username_form_problem,
)
from spinecare.clinic.audit import detail_text
from spinecare.clinic.audit import record as audit
from spinecare.clinic.models import CurrentUser, UserOut
from spinecare.clinic.permissions import acting, check_admin
from spinecare.errors import NotFoundError
from spinecare.messages import Message
from spinecare.store.errors import FormError
from spinecare.store.models import ROLES, Clinic, PatientRow, User, as_utc
from spinecare.store.usernames import username_key

__all__ = [
    "ROLES",
    "account_for_cli",
    "active_user",
    "add_user",
    "clinic_patient_names",
    "clinic_user",
    "clinic_users",
    "edit_user",
    "open_user",
    "rename_for_cli",
    "reset_user_password",
    "set_active",
    "user_out",
]


def clinic_patient_names(session: Session, who: CurrentUser) -> dict[int, str]:
    """The names of the clinic's patients, by id (to link a patient's account)."""
    return _patient_names(session, acting(session, who))


def _patient_names(session: Session, admin: User) -> dict[int, str]:
    check_admin(admin)
    rows = session.execute(
        select(PatientRow.id, PatientRow.name).where(PatientRow.clinic_id == admin.clinic_id)
    )
    return {pid: name for pid, name in rows}


def user_out(user: User, patient_names: dict[int, str] | None = None) -> UserOut:
    """``user`` as the administrator sees it (with the name of its patient record)."""
    expires = user.password_expires_at
    return UserOut.model_validate(user).model_copy(
        update={
            "patient_name": (patient_names or {}).get(user.patient_id or 0),
            "password_expires_at": as_utc(expires) if expires is not None else None,
        }
    )


def clinic_users(session: Session, who: CurrentUser) -> list[UserOut]:
    """Every account of the admin's clinic, by user name (a read of the names of the
    patients linked to patient accounts: audited)."""
    admin = acting(session, who)
    check_admin(admin)
    users = session.scalars(
        select(User).where(User.clinic_id == admin.clinic_id).order_by(User.username)
    ).all()
    names = _patient_names(session, admin)
    audit(session, admin, "list", "user", None)
    return [user_out(u, names) for u in users]


def _clinic_user_row(session: Session, admin: User, user_id: int) -> User:
    check_admin(admin)
    user = session.get(User, user_id)
    if user is None or user.clinic_id != admin.clinic_id:
        raise NotFoundError(Message("this account was not found", id=user_id))
    return user


def _shown(session: Session, admin: User, user: User) -> UserOut:
    return user_out(user, _patient_names(session, admin))


def clinic_user(session: Session, who: CurrentUser, user_id: int) -> UserOut:
    """A user of the admin's clinic (another clinic's users are not found)."""
    admin = acting(session, who)
    return _shown(session, admin, _clinic_user_row(session, admin, user_id))


def open_user(session: Session, who: CurrentUser, user_id: int) -> UserOut:
    """A user of the admin's clinic, opened to be seen (audited: the page names the
    patient the account is linked to)."""
    admin = acting(session, who)
    user = _clinic_user_row(session, admin, user_id)
    audit(session, admin, "read", "user", str(user.id), patient_id=user.patient_id)
    return _shown(session, admin, user)


def _clinic_patient(session: Session, admin: User, patient_id: int | None) -> PatientRow | None:
    if not patient_id:
        return None
    return session.scalar(
        select(PatientRow).where(
            PatientRow.id == patient_id, PatientRow.clinic_id == admin.clinic_id
        )
    )


def add_user(
    session: Session,
    who: CurrentUser,
    *,
    username: str,
    password: str,
    role: str,
    full_name: str | None,
    patient_id: int | None,
    valid_for: timedelta | None = None,
) -> UserOut:
    """A new account in the admin's clinic (:class:`FormError` naming each wrong field).
    The password the administrator gives is for one sign-in, until ``valid_for`` has passed
    (default: the setting ``reset_password_hours``'s own), as a reset's is: the owner
    chooses their own at it."""
    admin = acting(session, who)
    check_admin(admin)
    clinic = session.get(Clinic, admin.clinic_id)
    if clinic is None:  # the admin's own clinic (foreign key)
        raise NotFoundError(Message("this clinic was not found", id=admin.clinic_id))
    created = create_user(
        session,
        clinic=clinic,
        username=username,
        password=password,
        role=role,
        full_name=full_name,
        patient=_clinic_patient(session, admin, patient_id),
    )
    for_one_sign_in(created, valid_for or _one_time_default())
    session.flush()
    audit(session, admin, "create", "user", str(created.id))
    return _shown(session, admin, created)


def _one_time_default() -> timedelta:
    """How long an administrator's one-time password signs in where no setting is given."""
    from spinecare.settings import Settings

    return timedelta(hours=Settings.model_fields["reset_password_hours"].default)


def edit_user(
    session: Session,
    who: CurrentUser,
    user_id: int,
    *,
    full_name: str,
    role: str,
    language: str | None,
    patient_id: int | None,
    username: str | None = None,
) -> UserOut:
    """Change an account's name, role, language and patient record, and its user name
    when ``username`` is given (a rename is audited with the old and the new name)."""
    admin = acting(session, who)
    user = _clinic_user_row(session, admin, user_id)
    before = user.username
    update_user(
        session,
        admin,
        user,
        full_name=full_name,
        role=role,
        language=language,
        patient=_clinic_patient(session, admin, patient_id),
        username=username,
    )
    audit(session, admin, "update", "user", str(user.id))
    if user.username != before:
        audit(
            session, admin, "rename", "user", str(user.id), detail=_renamed(before, user.username)
        )
    return _shown(session, admin, user)


def _renamed(before: str, after: str) -> str:
    """A rename's audit detail: the old and the new user name, as written."""
    return f"{detail_text(before)}; {detail_text(after)}"


def set_active(session: Session, who: CurrentUser, user_id: int, active: bool) -> UserOut:
    """Deactivate (signed out everywhere) or reactivate an account."""
    admin = acting(session, who)
    user = _clinic_user_row(session, admin, user_id)
    set_user_active(session, admin, user, active)
    audit(session, admin, "reactivate" if active else "deactivate", "user", str(user.id))
    return _shown(session, admin, user)


def reset_user_password(
    session: Session, who: CurrentUser, user_id: int, valid_for: timedelta
) -> str:
    """A one-time password for the user (returned once), valid for ``valid_for``; they
    choose their own at the sign-in with it."""
    admin = acting(session, who)
    user = _clinic_user_row(session, admin, user_id)
    temporary = reset_password(session, user, valid_for)
    audit(session, admin, "reset_password", "user", str(user.id))
    return temporary


# ---------------------------------------------------------------------------------------
# The installation's operator (the command line): no acting user


def account_for_cli(
    session: Session,
    *,
    clinic: str,
    username: str,
    password: str,
    role: str,
    full_name: str | None,
    patient_id: int | None,
) -> tuple[UserOut, str]:
    """A new account in the clinic named ``clinic`` (created if new), made by whoever
    runs the command line on the server; with the clinic's name."""
    from spinecare.clinic.accounts import get_or_create_clinic

    place = get_or_create_clinic(session, clinic)
    patient = session.get(PatientRow, patient_id) if patient_id else None
    user = create_user(
        session,
        clinic=place,
        username=username,
        password=password,
        role=role,
        full_name=full_name,
        patient=patient,
    )
    return user_out(user), place.name


def active_user(session: Session, username: str) -> CurrentUser | None:
    """The active account with this user name, or one that looks the same (for the
    command line), or None."""
    user = find_user(session, username)
    return current_user(session, user) if user is not None and user.active else None


def rename_for_cli(session: Session, old: str, new: str) -> tuple[int, str]:
    """Give the account named ``old`` (exactly) the user name ``new``, as whoever runs the
    command line on the server; (the account's id, its new name).

    It works on the database as the version before the folded user-name keys left it (an
    upgrade that finds accounts whose names look the same stops, and this tells them
    apart): the names are compared folded here, and where the database has the keys,
    the key moves with the name."""
    users = sa.table(
        "users",
        sa.column("id", sa.Integer),
        sa.column("username", sa.String),
        sa.column("clinic_id", sa.Integer),
        sa.column("username_key", sa.Text),  # set only where the database has it
    )
    rows = session.execute(sa.select(users.c.id, users.c.username, users.c.clinic_id)).all()
    old = old.strip()
    found, clinic_id = next(((i, c) for i, name, c in rows if name == old), (None, None))
    if found is None:
        raise NotFoundError(Message("no account has the user name '%(name)s'", name=old))
    new = new.strip()
    problem = username_form_problem(new)
    if problem is None:
        key = username_key(new)
        taken = [name for i, name, _ in rows if i != found and username_key(name) == key]
        if taken:
            problem = Message(LOOKS_THE_SAME, name=new, other=taken[0])
    if problem is not None:
        raise FormError({"username": problem})
    values = {"username": new}
    columns = {column["name"] for column in sa.inspect(session.connection()).get_columns("users")}
    if "username_key" in columns:
        values["username_key"] = username_key(new)
    session.execute(sa.update(users).where(users.c.id == found).values(**values))
    # in the account's clinic's log, by nobody of the clinic (the server's operator)
    detail = _renamed(old, new)
    audit(session, None, "rename", "user", str(found), detail=detail, clinic_id=clinic_id)
    return found, new
