"""Courses, sessions, stop rules and progress: plain dataclasses and functions, no database.

A therapist starts a :class:`Course` from a ``ready`` :class:`~spinecare.engine.planning.CoursePlan`
(:func:`start_course`), adjusting values within the KB's ranges (a value outside them
needs a written reason). Before each session :func:`check_session_day` re-screens the
patient with that day's data. A :class:`Session` records pain before and after, the
techniques done per zone, minutes, notes and any adverse event; :func:`new_session`
validates it against the course. :func:`apply_stop_rules` applies the KB's stop rules
(pain up by ``pain_increase_stop`` or more, new neurological symptoms, an adverse event):
each one pauses the course and sends it to the physician. :func:`progress` gives the pain
series, the change against the minimal clinically important difference (``pain_mcid``),
adherence, and a summary once the course ends.

A course is language-neutral: it keeps ids (zones, modalities, techniques, home-program
steps, stop rules), and the texts are looked up in the KB in the reader's language
(:func:`home_routine`). ``to_json`` / ``from_json`` round-trip a course and a session, so an
adapter can store them as JSON.
"""

from spinecare.engine.course.model import (
    COURSE_STATUSES,
    MAX_SESSION_MINUTES,
    Adjustment,
    Course,
    HomeAssignment,
    StopEvent,
    course_end_date,
)
from spinecare.engine.course.progress import Progress, adherence_of, planned_by, progress
from spinecare.engine.course.sessions import (
    Session,
    SessionCheck,
    check_session_day,
    new_session,
    pain_value,
)
from spinecare.engine.course.start import (
    complete_course,
    home_routine,
    not_startable,
    resume_course,
    start_course,
)
from spinecare.engine.course.stops import apply_stop_rules

__all__ = [
    "COURSE_STATUSES",
    "MAX_SESSION_MINUTES",
    "Adjustment",
    "Course",
    "HomeAssignment",
    "Progress",
    "Session",
    "SessionCheck",
    "StopEvent",
    "adherence_of",
    "apply_stop_rules",
    "check_session_day",
    "complete_course",
    "course_end_date",
    "home_routine",
    "new_session",
    "not_startable",
    "pain_value",
    "planned_by",
    "progress",
    "resume_course",
    "start_course",
]
