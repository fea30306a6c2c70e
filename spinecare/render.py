"""Readable terminal views of screenings and plans (Rich)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text

from spinecare.engine.evaluate import Evidence
from spinecare.engine.planning import CoursePlan
from spinecare.engine.screening import Screening
from spinecare.kb.evidence import plan_level_text, rule_level_text
from spinecare.kb.loader import load_kb

VERDICT_STYLE = {
    "refer_urgently": "bold white on red",
    "contraindicated": "bold red",
    "defer": "bold dark_orange",
    "needs_clearance": "bold yellow",
    "needs_data": "bold blue",
    "allowed_with_precautions": "bold green",
    "allowed": "bold green",
}

LABELS = {
    "en": {
        "patient": "Patient",
        "as_of": "as of",
        "indicated": "Indicated",
        "yes": "yes",
        "no": "no",
        "unknown": "unknown (data missing)",
        "findings": "Findings",
        "missing": "Missing: measure or ask first",
        "no_findings": "No finding limits massage.",
        "plan": "Course plan",
        "zones": "Zones",
        "modalities": "Modalities",
        "course": "Course",
        "avoid": "Avoid",
        "home": "Home self-massage",
        "reasons": "Reasons",
        "sessions": "sessions",
        "per_week": "per week",
        "minutes": "min per session",
        "techniques": "Techniques",
        "excluded": "not proposed",
        "evidence": "Evidence",
        "sources": "Sources",
        "missing_short": "Missing",
    },
    "ru": {
        "patient": "Пациент",
        "as_of": "на дату",
        "indicated": "Показан",
        "yes": "да",
        "no": "нет",
        "unknown": "неизвестно (нет данных)",
        "findings": "Находки",
        "missing": "Не хватает: измерьте или спросите",
        "no_findings": "Ничто не ограничивает массаж.",
        "plan": "План курса",
        "zones": "Зоны",
        "modalities": "Методы",
        "course": "Курс",
        "avoid": "Избегать",
        "home": "Самомассаж дома",
        "reasons": "Причины",
        "sessions": "сеансов",
        "per_week": "в неделю",
        "minutes": "мин за сеанс",
        "techniques": "Приёмы",
        "excluded": "не предлагается",
        "evidence": "Данные",
        "sources": "Источники",
        "missing_short": "Не хватает",
    },
}


def _console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def _evidence_line(e: Evidence) -> str:
    ref = e.ref.rsplit("/", 1)[-1] if "#" in e.ref else e.ref
    parts = [ref, e.label]
    if e.value is not None:
        parts.append(f"= {e.value:g}" if isinstance(e.value, float) else f"= {e.value}")
    if e.unit:
        parts.append(e.unit)
    if e.date:
        parts.append(f"({e.date.isoformat()})")
    if e.note:
        parts.append(f"[{e.note}]")
    return " ".join(parts)


def render_screening(s: Screening, console: Console | None = None) -> None:
    c = console or _console()
    t = LABELS["ru" if s.lang == "ru" else "en"]
    indicated = {True: t["yes"], False: t["no"], None: t["unknown"]}[s.indicated.to_optional()]
    head = Text()
    head.append(s.verdict.upper().replace("_", " "), style=VERDICT_STYLE[s.verdict])
    head.append(f"\n{t['patient']}: {s.patient_id}   {t['as_of']} {s.as_of.isoformat()}   ")
    head.append(f"KB {s.kb_version}\n{t['indicated']}: {indicated}")
    if s.indications:
        head.append(f" ({', '.join(s.indications)})")
    c.print(Panel(head, expand=False))
    if s.findings:
        c.print(f"[bold]{t['findings']}[/bold]")
        for f in s.findings:
            line = Text("  ● ", style=VERDICT_STYLE.get(f.effect, ""))
            line.append(f.effect, style=VERDICT_STYLE.get(f.effect, ""))
            line.append(f"  {f.concept} ({f.certainty})")
            if f.settled is not None:
                when = f.settled.clearance.when
                line.append(f"  [{f.settled.decision}{' ' + str(when) if when else ''}]")
            c.print(line)
            c.print(f"    {escape(f.reason)}")
            level = rule_level_text(s.kb, f.rule, s.lang)
            if level:
                c.print(f"    {escape(level)}", style="dim")
            for e in f.evidence:
                c.print(f"    {t['evidence']}: {escape(_evidence_line(e))}")
            if f.gaps:
                c.print(f"    {t['missing_short']}: {', '.join(g.item for g in f.gaps)}")
            c.print(f"    {t['sources']}: {', '.join(f.sources)}", style="dim")
    else:
        c.print(t["no_findings"])
    if s.missing:
        c.print(f"[bold]{t['missing']}[/bold]")
        for m in s.missing:
            c.print(f"  {escape('[ ]')} {m.item}: {escape(m.why)}")
    c.print()


def render_plan(p: CoursePlan, console: Console | None = None) -> None:
    c = console or _console()
    lang = "ru" if any("\u0400" <= ch <= "\u04ff" for ch in str(p.notes) + str(p.avoid)) else "en"
    t = LABELS[lang]
    c.print(
        Panel(
            Text(
                f"{t['plan']}: {p.status.upper()} ({p.verdict})",
                style=VERDICT_STYLE.get(p.verdict, ""),
            ),
            expand=False,
        )
    )
    for note in p.notes:
        c.print(f"  {escape(note)}")
    if p.reasons:
        c.print(f"[bold]{t['reasons']}[/bold]")
        for r in p.reasons:
            c.print(f"  - {r.get('effect', r.get('missing'))}: {escape(r['reason'])}")
    if p.status == "blocked":
        c.print()
        return
    c.print(f"[bold]{t['zones']}:[/bold] {', '.join(p.zones) or '-'}")
    c.print(f"[bold]{t['modalities']}:[/bold] " + ", ".join(m["id"] for m in p.modalities))
    kb = load_kb()
    for m in p.modalities:
        level = plan_level_text(kb, "modalities", m["id"], lang)
        if level:
            c.print(f"  - {escape(m.get('label') or m['id'])}: {escape(level)}", style="dim")
    if p.course:
        course = p.course
        freq = course["frequency"]
        c.print(
            f"[bold]{t['course']}:[/bold] {course['sessions']} {t['sessions']}, "
            f"{freq['value']:g} {t['per_week']} ({freq['min']:g}-{freq['max']:g}), "
            f"{course['minutes_per_session']:g} {t['minutes']}"
        )
        c.print(
            f"[bold]{t['techniques']}:[/bold] "
            + " → ".join(x["label"] for x in course["techniques"])
        )
    if p.avoid:
        c.print(f"[bold]{t['avoid']}:[/bold]")
        for a in p.avoid:
            level = plan_level_text(kb, "precautions", a.get("id"), lang)
            c.print(f"  - {escape(a['text'])}" + (f" ({escape(level)})" if level else ""))
    for program in p.home_program:
        c.print(f"[bold]{t['home']}: {program['title']}[/bold] ({program['frequency']})")
        for i, step in enumerate(program["steps"], 1):
            c.print(f"  {i}. {escape(step['text'])} ({escape(step['dose'])})")
    c.print()
