"""The clinic's own details: its name and the contacts printed for its patients (the home
program's handout, the referral letter), which its administrator keeps."""

from __future__ import annotations

from sqlalchemy.orm import Session

from spinecare.clinic.audit import record as audit
from spinecare.clinic.models import ClinicOut, CurrentUser
from spinecare.clinic.patients import clean_contacts
from spinecare.clinic.permissions import acting, check_admin
from spinecare.errors import NotFoundError
from spinecare.i18n import gettext
from spinecare.messages import N_
from spinecare.store.errors import FormError
from spinecare.store.models import Clinic

__all__ = ["DEMO_CLINIC", "HOURS_MAX", "clinic_details", "clinic_name", "edit_clinic"]

DEMO_CLINIC = N_("Demo clinic")
"""The demo clinic's name as it is stored (``serve --demo``; ``user add``'s clinic unless
another is named), shown in the reader's language (:func:`clinic_name`)."""

HOURS_MAX = 200
"""The longest opening hours, in characters."""


def _clinic(session: Session, clinic_id: int) -> Clinic:
    clinic = session.get(Clinic, clinic_id)
    if clinic is None:  # an account always has its clinic (foreign key)
        raise NotFoundError(N_("the clinic was not found"))
    return clinic


def clinic_name(name: str, lang: str) -> str:
    """A clinic's name as a page, a handout or a letter in ``lang`` shows it: the demo
    clinic's in that language ("Демо-клиника" on a Russian handout), any other as its
    administrator wrote it."""
    return gettext(lang, DEMO_CLINIC) if name == DEMO_CLINIC else name


def clinic_details(session: Session, who: CurrentUser) -> ClinicOut:
    """The name and contacts of the clinic ``who`` works in or is a patient of."""
    return ClinicOut.model_validate(_clinic(session, acting(session, who).clinic_id))


def edit_clinic(
    session: Session, who: CurrentUser, *, phone: str, email: str, address: str, hours: str
) -> ClinicOut:
    """The administrator writes the clinic's contacts (an empty field clears one);
    :class:`FormError` names each wrong field, and nothing is saved."""
    admin = acting(session, who)
    check_admin(admin)
    errors: dict[str, str] = {}
    values = clean_contacts(errors, phone=phone, email=email, address=address)
    hours = " ".join(hours.split())
    if len(hours) > HOURS_MAX:
        errors["hours"] = N_("at most 200 characters")
    if errors:
        raise FormError(errors)
    clinic = _clinic(session, admin.clinic_id)
    new = {**values, "hours": hours or None}
    if any(getattr(clinic, key) != value for key, value in new.items()):
        for key, value in new.items():
            setattr(clinic, key, value)
        audit(session, admin, "update", "clinic", str(clinic.id))
    session.flush()
    return ClinicOut.model_validate(clinic)
