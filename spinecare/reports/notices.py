"""What the patient is told of a course that is not under way, in the patient's words.

The home page, the printed handout and the calendar file say the same, one text each in
the catalogues (the patient's screening page says the paused notice first too): while a
stop rule has paused the course (a physician reviews it), stop
the self-massage and call the doctor; once the course has ended, ask the therapist before
going on. An active course has no notice: its routine is to be done.
"""

from __future__ import annotations

from spinecare.i18n import translator
from spinecare.messages import N_

__all__ = ["COURSE_NOTICES", "course_notice"]

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


def course_notice(status: str, lang: str) -> str | None:
    """The notice of a course in ``status``, in ``lang``; None for an active course."""
    message = COURSE_NOTICES.get(status)
    return None if message is None else translator(lang)(message)
