"""The printable PDF handout: the home self-massage program and the course.

Compiled with the ``typst`` package from PyPI (no system packages): the template is
``templates/handout.typ``, and every text reaches it as JSON in ``sys.inputs`` and is
inserted as a string, so KB and user text needs no escaping. Only Typst's embedded
fonts are used (Libertinus Serif covers Latin and Cyrillic), so the output is the same
on every machine.

>>> pdf = render_handout(course, kb, lang="ru", patient_name="Елена Соколова",
...                      clinic=Clinic("Клиника", phone="+7 000 000-00-00"))  # doctest: +SKIP
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import typst

from spinecare.engine.course import Course, home_routine
from spinecare.errors import InputError
from spinecare.i18n import (
    after_label,
    as_value,
    day_text,
    is_language,
    languages,
    plural,
    quantity,
    times_a_week,
    translator,
)
from spinecare.kb.loader import KB
from spinecare.messages import Message
from spinecare.reports.charts import zone_figure_svg
from spinecare.reports.notices import routine_notices

__all__ = ["TEMPLATE", "Clinic", "handout_data", "render_handout"]

TEMPLATE = Path(__file__).parent / "templates" / "handout.typ"


def _labels(lang: str) -> dict[str, str]:
    """The handout's own words in ``lang`` (the catalogues); clinical texts come from the KB."""
    _ = translator(lang)
    return {
        "doc_title": _("Your home self-massage program"),
        "patient": _("Patient"),
        "date": _("Date"),
        "page": _("Page"),
        "how_often": _("How often"),
        "how_long": _("How long"),
        "dose": _("How much"),
        "warnings": _("Be careful"),
        "stop_title": _("Stop and call your doctor"),
        "call": _("Call"),
        "course_title": _("Your course with the massage therapist"),
        "sessions": _("Sessions"),
        "frequency": _("How often"),
        "minutes": _("Minutes per session"),
        "zones": _("Where"),
        "techniques": _("Techniques, in order"),
        "dates": _("Dates"),
        "from_to": _("from %(start)s to about %(end)s"),
        "status": _("Status"),
        "paused": _("Paused: your doctor reviews the course before it goes on."),
        "completed": _("Completed."),
        "stopped": _("Stopped: no massage and no self-massage until a new screening allows it."),
        "cost_title": _("Ways to continue"),
        "cost_intro": _("Options, with what each needs from you. Ask the clinic about prices."),
        "option": _("Option"),
        "what_it_is": _("What it is"),
        "what_it_needs": _("What it needs from you"),
        "contacts_title": _("Contacts"),
        "phone": _("Phone"),
        "email": _("E-mail"),
        "address": _("Address"),
        "hours": _("Opening hours"),
        "website": _("Website"),
        "doctor": _("Your doctor"),
        "no_routine": _("No home self-massage was taught in this course."),
        "footnote": _(
            "Prepared on %(date)s (guidance version %(kb)s). This sheet does not replace "
            "your doctor's or therapist's advice."
        ),
    }


@dataclass(frozen=True, slots=True)
class Clinic:
    """The clinic's contacts printed on the handout (every field but ``name`` optional)."""

    name: str
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    hours: str | None = None
    website: str | None = None
    doctor: str | None = None

    def lines(self, lang: str) -> list[str]:
        labels = _labels(_lang(lang))
        out = []
        for key in ("doctor", "phone", "email", "address", "hours", "website"):
            value = getattr(self, key)
            if value:
                out.append(f"{labels[key]}: {' '.join(str(value).split())}")
            elif key == "phone":  # the number to call, written in by hand where none is kept
                out.append(f"{labels[key]}: {BLANK}")
        return out


BLANK = "_" * 24
"""A line to write on by hand."""


def _lang(lang: str) -> str:
    if not is_language(lang):
        raise InputError(
            Message(
                "lang: '%(value)s' is not one of %(languages)s",
                value=lang,
                languages=", ".join(languages()),
            )
        )
    return lang


def _date(day: date, lang: str) -> str:
    return day_text(day, lang, width="long")


def _minutes_a_day(value: float, lang: str) -> str:
    text = plural(lang, "%(m)s minute a day", "%(m)s minutes a day", value)
    return text % {"m": quantity(value, None, lang)}


def handout_data(
    course: Course,
    kb: KB,
    *,
    lang: str,
    patient_name: str,
    clinic: Clinic,
    day: date,
    verdict: str | None = None,
) -> dict[str, Any]:
    """Everything the template prints, as plain JSON-able data in ``lang``.

    A course that is not under way (paused by a stop rule, or ended), or whose patient's
    screening of the day (``verdict``) says not to have massage now, is said at the top
    in the words of the patient's home page (``notices``,
    :func:`spinecare.reports.notices.routine_notices`), and its routine is not printed as
    something to do: the steps are left out until the course goes on and a screening
    allows it again."""
    lang = _lang(lang)
    labels = _labels(lang)
    notices = routine_notices(course.status, verdict, lang)
    taught = home_routine(course, kb, lang)
    routines = []
    for r in [] if notices else taught:
        routines.append(
            {
                "zone": r["zone"],
                "zone_label": r["zone_label"],
                "title": r["title"],
                # said after a label: "How often: every day", "How much: about 1 minute"
                "frequency": as_value(r["frequency"]),
                "minutes": _minutes_a_day(r["minutes"], lang),
                "steps": [
                    {"text": s["text"], "dose": after_label(labels["dose"], s["dose"])}
                    for s in r["steps"]
                ],
                "warnings": r["warnings"],
                "figure": zone_figure_svg([r["zone"]], title=r["zone_label"]),
            }
        )
    rules = {r.id: r for r in kb.model.plans.stop_rules}
    stop_rules = [rules[i].text.get(lang) for i in course.stop_rules if i in rules]
    modalities = {m.id: m for m in kb.model.plans.modalities}
    techniques = {t.id: t for t in kb.model.plans.techniques}
    rows = [
        [labels["zones"], "; ".join(kb.zones[z].label.get(lang) for z in course.zones)],
        [
            # one kind or several: "Вид массажа", "Виды массажа"
            plural(lang, "Kind of massage", "Kinds of massage", len(course.modalities)),
            "; ".join(modalities[m].label.get(lang) for m in course.modalities if m in modalities),
        ],
        [labels["sessions"], str(course.sessions)],
        [labels["frequency"], times_a_week(course.sessions_per_week, lang)],
        [labels["minutes"], quantity(course.minutes_per_session, None, lang)],
        [
            labels["techniques"],
            " → ".join(techniques[t].label.get(lang) for t in course.techniques if t in techniques),
        ],
        [
            labels["dates"],
            labels["from_to"]
            % {
                "start": _date(course.start, lang),
                "end": _date(course.end or course.planned_end, lang),
            },
        ],
    ]
    if course.status in ("paused", "completed"):
        rows.append([labels["status"], labels[course.status]])
    elif notices:  # under way, but the screening of the day says not to have massage
        rows.append([labels["status"], labels["stopped"]])
    costs = {c.id: c for c in kb.model.plans.cost_options}
    cost_options = [
        {
            "label": costs[i].label.get(lang),
            "description": costs[i].description.get(lang),
            "needs": costs[i].needs.get(lang),
        }
        for i in course.cost_options
        if i in costs and not notices  # no ways to go on while massage is stopped
    ]
    shown_day = _date(day, lang)
    routines_note = labels["no_routine"] if not taught else None
    return {
        "lang": lang,
        "labels": labels,
        "notices": notices,
        "patient": " ".join(patient_name.split()) or "—",
        "date": shown_day,
        "clinic": {
            "name": " ".join(clinic.name.split()),
            "phone": clinic.phone,
            "lines": clinic.lines(lang),
        },
        "routines": routines,
        "routines_note": routines_note,
        "stop_rules": stop_rules,
        "course": {"rows": rows},
        "cost_options": cost_options,
        "footnote": labels["footnote"] % {"kb": kb.version, "date": shown_day},
    }


_lock = threading.Lock()
_compiler: typst.Compiler | None = None


def _compile(data: dict[str, Any], stamp: datetime) -> bytes:
    global _compiler
    payload = json.dumps(data, ensure_ascii=False)
    with _lock:  # one compiler, reused (fonts load once); it is not shared across threads
        if _compiler is None:
            _compiler = typst.Compiler(
                str(TEMPLATE), root=str(TEMPLATE.parent), ignore_system_fonts=True
            )
        out = _compiler.compile(format="pdf", sys_inputs={"data": payload}, timestamp=stamp)
    if not isinstance(out, bytes):  # pragma: no cover - PDF is always one document
        raise RuntimeError("typst returned no PDF")
    return out


def render_handout(
    course: Course,
    kb: KB,
    *,
    lang: str,
    patient_name: str,
    clinic: Clinic,
    day: date | None = None,
    verdict: str | None = None,
) -> bytes:
    """The handout as PDF bytes, in ``lang`` (``en`` or ``ru``), dated ``day`` (today);
    ``verdict``: the patient's screening on that day (a stopping one prints no routine)."""
    day = day or date.today()
    data = handout_data(
        course, kb, lang=lang, patient_name=patient_name, clinic=clinic, day=day, verdict=verdict
    )
    return _compile(data, datetime.combine(day, time(12, 0), tzinfo=UTC))
