"""Progress: pain series, change against the MCID, adherence and the course summary."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from spinecare.engine.course.model import Course, _fmt
from spinecare.engine.course.sessions import Session
from spinecare.i18n import day_text, languages, plural, signed, translator
from spinecare.kb.loader import KB

# --------------------------------------------------------------------------------------
# Progress
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Progress:
    """Pain over the course, the change against the MCID, adherence and (at the end) a summary.

    ``change`` is last post-session pain minus first pre-session pain (negative: better);
    ``improvement`` is its opposite; ``mcid_reached`` is True when the improvement is at
    least the MCID (None without sessions).
    """

    points: list[dict[str, Any]]
    first_pre: int | None
    last_post: int | None
    change: int | None
    improvement: int | None
    mcid: dict[str, Any]
    mcid_reached: bool | None
    sessions_done: int
    sessions_planned: int
    planned_so_far: int
    adherence: float | None
    as_of: date
    ended: bool
    summary: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "points": self.points,
            "first_pre": self.first_pre,
            "last_post": self.last_post,
            "change": self.change,
            "improvement": self.improvement,
            "mcid": self.mcid,
            "mcid_reached": self.mcid_reached,
            "sessions_done": self.sessions_done,
            "sessions_planned": self.sessions_planned,
            "planned_so_far": self.planned_so_far,
            "adherence": self.adherence,
            "as_of": self.as_of.isoformat(),
            "ended": self.ended,
            "summary": self.summary,
        }


def planned_by(course: Course, day: date) -> int:
    """Sessions due from the start up to and including ``day`` at the course frequency:
    the first on the start day, then spread evenly (3 a week: days 0, 2, 4, 7, ...)."""
    if day < course.start:
        return 0
    days = (day - course.start).days + 1
    return min(course.sessions, math.ceil(days * course.sessions_per_week / 7 - 1e-9))


def adherence_of(sessions: Sequence[Session], planned_so_far: int) -> float | None:
    """Share of the sessions planned so far that were done, from 0 to 1 (None when none
    is due yet): days with a session, each counted once (a second session the same day
    does not make up a missed one) and at most the number planned so far (a session ahead
    of the schedule counts when its day comes, so it never exceeds 100%)."""
    if planned_so_far <= 0:
        return None
    days = len({s.day for s in sessions})
    return round(min(days, planned_so_far) / planned_so_far, 3)


def progress(
    course: Course, sessions: Sequence[Session], kb: KB, *, as_of: date | None = None
) -> Progress:
    """Pain series, change against the MCID (``plans.mcid`` threshold, with its source),
    adherence (:func:`adherence_of`, from 0 to 1: of the sessions due by ``as_of``, or by
    the day a course ended early) and, when the course has
    ended (completed, or every planned session done), a summary.

    ``as_of`` defaults to the course's end if completed, else the last session's date (or
    the start): pass today's date for a running course.
    """
    ordered = sorted(sessions, key=lambda s: s.day)
    mcid_id = kb.model.plans.mcid
    t = kb.thresholds[mcid_id]
    mcid = {
        "id": mcid_id,
        "value": t.value,
        "unit": t.unit,
        "label": {"en": t.label.en, "ru": t.label.ru},
        "sources": [
            {
                "id": sid,
                "title": kb.sources[sid].title,
                "lang": kb.sources[sid].lang,
                **({"citation": kb.sources[sid].citation} if kb.sources[sid].citation else {}),
            }
            for sid in t.sources
        ],
        "remark": t.remark,
    }
    points = [
        {
            "n": n,
            "day": s.day.isoformat(),
            "pre": s.pre_pain,
            "post": s.post_pain,
            "adverse_event": bool(s.adverse_event),
        }
        for n, s in enumerate(ordered, start=1)
    ]
    if as_of is None:
        as_of = course.end or (ordered[-1].day if ordered else course.start)
    done = len(ordered)
    ended = course.status == "completed" or done >= course.sessions
    # due: every planned session once all are done; for a course ended before that, those
    # due by the day it ended (a course ended on its first day had one due, not twelve)
    last_due = min(as_of, course.end) if course.end is not None else as_of
    so_far = course.sessions if done >= course.sessions else planned_by(course, last_due)
    adherence = adherence_of(ordered, so_far)
    first_pre = ordered[0].pre_pain if ordered else None
    last_post = ordered[-1].post_pain if ordered else None
    change = last_post - first_pre if first_pre is not None and last_post is not None else None
    improvement = -change if change is not None else None
    reached = improvement >= t.value if improvement is not None else None
    result = Progress(
        points=points,
        first_pre=first_pre,
        last_post=last_post,
        change=change,
        improvement=improvement,
        mcid=mcid,
        mcid_reached=reached,
        sessions_done=done,
        sessions_planned=course.sessions,
        planned_so_far=so_far,
        adherence=adherence,
        as_of=as_of,
        ended=ended,
    )
    if ended:
        result.summary = _summary(course, ordered, result)
    return result


def _summary_text(lang: str) -> dict[str, str]:
    _ = translator(lang)
    return {
        "done": _("%(done)s of %(planned)s sessions from %(first)s to %(last)s."),
        "pain": _("Pain %(pre)s before the first session, %(post)s after the last (%(change)s)."),
        "reached": _(
            "The change reaches the minimal clinically important difference "
            "(%(mcid)s points, %(src)s)."
        ),
        "not_reached": _(
            "The change does not reach the minimal clinically important difference "
            "(%(mcid)s points, %(src)s)."
        ),
        "worse": _("Pain is worse: more pain than before the first session."),
        "none": _("No sessions were recorded."),
    }


def _summary(course: Course, ordered: Sequence[Session], p: Progress) -> dict[str, Any]:
    src = "; ".join(str(s.get("citation") or s["title"]).rstrip(".") for s in p.mcid["sources"])
    text: dict[str, str] = {}
    for lang in languages():
        words = _summary_text(lang)
        if not ordered or p.change is None:
            text[lang] = words["none"]
            continue
        done = words["done"] % {
            "done": p.sessions_done,
            "planned": course.sessions,
            "first": day_text(ordered[0].day, lang),
            "last": day_text(ordered[-1].day, lang),
        }
        parts = [
            # a day that ends with an abbreviation's point ("6 дек. 2026 г.") ends the
            # sentence with it, not with a second one
            done[:-1] if done.endswith("..") else done,
            words["pain"]
            % {"pre": p.first_pre, "post": p.last_post, "change": signed(p.change, lang)},
            # pain that rose is worse, not a change short of the minimal one that matters
            words["worse"]
            if p.change > 0
            else words["reached" if p.mcid_reached else "not_reached"]
            % {"mcid": _fmt(p.mcid["value"]), "src": src},
        ]
        if course.stop_events:
            fired = len(course.stop_events)
            stops = plural(
                lang, "Stop rules fired %(n)s time.", "Stop rules fired %(n)s times.", fired
            )
            parts.append(stops % {"n": fired})
        text[lang] = " ".join(parts)
    n = len(ordered)
    return {
        "sessions_done": p.sessions_done,
        "sessions_planned": course.sessions,
        "first_day": ordered[0].day.isoformat() if ordered else None,
        "last_day": ordered[-1].day.isoformat() if ordered else None,
        "first_pre": p.first_pre,
        "last_post": p.last_post,
        "change": p.change,
        "mcid_reached": p.mcid_reached,
        "mean_pre": round(sum(s.pre_pain for s in ordered) / n, 2) if n else None,
        "mean_post": round(sum(s.post_pain for s in ordered) / n, 2) if n else None,
        "mean_session_change": round(sum(s.change for s in ordered) / n, 2) if n else None,
        "minutes_total": sum(s.minutes for s in ordered),
        "adverse_events": [
            {"day": s.day.isoformat(), "event": s.adverse_event} for s in ordered if s.adverse_event
        ],
        "stop_events": [e.to_json() for e in course.stop_events],
        "text": text,
    }
