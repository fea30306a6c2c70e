"""What the patient is told of a home routine that is not to be done now, in the
patient's words.

The home page, the printed handout and the calendar file say the same, one text each in
the catalogues (the patient's screening page says them too):

- while a stop rule has paused the course (a physician reviews it), stop the
  self-massage and call the doctor; once the course has ended, ask the therapist before
  going on (:data:`COURSE_NOTICES`);
- while the patient's screening of the day finds a red flag, a contraindication or a
  reason to put massage off (:data:`STOPPING_VERDICTS`), the screening's answer as the
  patient reads it (:data:`PATIENT_VERDICTS`), whatever the course's status: a
  physician's resumption of the course does not settle it (a red flag is never settled by
  a clearance), only a screening that no longer finds it.

An active course whose screening allows massage has no notice: its routine is to be done.
"""

from __future__ import annotations

from spinecare.i18n import translator
from spinecare.messages import N_

__all__ = [
    "COURSE_NOTICES",
    "PATIENT_VERDICTS",
    "STOPPING_VERDICTS",
    "course_notice",
    "routine_notices",
    "screening_notice",
]

COURSE_NOTICES = {
    "paused": N_(
        "Your self-massage is stopped for now. Do not do it until your doctor or therapist "
        "tells you that you may go on. If you have not yet spoken to your doctor, call today."
    ),
    "completed": N_(
        "This course has ended. Ask your therapist before you go on with the self-massage."
    ),
}
"""The notice of each course status that is not ``active``, in English (the msgid)."""

PATIENT_VERDICTS = {
    "refer_urgently": N_("Do not have massage. Please see a doctor today."),
    "contraindicated": N_("Massage is not suitable for you now. Your therapist will explain why."),
    "defer": N_("Not now: massage is postponed until you are checked again."),
    "needs_clearance": N_("A doctor must approve massage for you first."),
    "needs_data": N_("Your therapist needs a few more checks before deciding."),
    "allowed_with_precautions": N_("Massage is possible for you, with some care."),
    "allowed": N_("Massage is possible for you."),
}
"""The screening's verdict as the patient reads it (plain words, no terms), in English."""

STOPPING_VERDICTS = ("refer_urgently", "contraindicated", "defer")
"""The verdicts under which the home routine is not offered (no timer, no reminder): the
patient's own screening says not to have massage now."""


def course_notice(status: str, lang: str) -> str | None:
    """The notice of a course in ``status``, in ``lang``; None for an active course."""
    message = COURSE_NOTICES.get(status)
    return None if message is None else translator(lang)(message)


def screening_notice(verdict: str | None, lang: str) -> str | None:
    """The screening's answer in ``lang`` when ``verdict`` stops the home routine
    (:data:`STOPPING_VERDICTS`); None otherwise."""
    if verdict not in STOPPING_VERDICTS:
        return None
    return translator(lang)(PATIENT_VERDICTS[verdict])


def routine_notices(status: str, verdict: str | None, lang: str) -> list[str]:
    """What the patient reads first instead of a routine to do, in ``lang``: the course's
    notice (paused, ended), then the screening's answer (a stopping verdict); none for an
    active course whose screening allows massage."""
    found = [course_notice(status, lang), screening_notice(verdict, lang)]
    return [text for text in found if text is not None]
