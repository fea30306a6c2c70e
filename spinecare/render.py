"""Readable terminal views of screenings and plans (Rich)."""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from spinecare.engine.planning import CoursePlan
from spinecare.engine.screening import Screening

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
        "patient": "Patient", "as_of": "as of", "indicated": "Indicated",
        "yes": "yes", "no": "no", "unknown": "unknown (data missing)",
        "findings": "Findings", "missing": "Missing: measure or ask first",
        "no_findings": "No finding limits massage.", "plan": "Course plan",
        "zones": "Zones", "modalities": "Modalities", "course": "Course", "avoid": "Avoid",
        "home": "Home self-massage", "reasons": "Reasons", "sessions": "sessions",
        "per_week": "per week", "minutes": "min per session", "techniques": "Techniques",
        "excluded": "not proposed",
    },
    "ru": {
        "patient": "Пациент", "as_of": "на дату", "indicated": "Показан",
        "yes": "да", "no": "нет", "unknown": "неизвестно (нет данных)",
        "findings": "Находки", "missing": "Не хватает: измерьте или спросите",
        "no_findings": "Ничто не ограничивает массаж.", "plan": "План курса",
        "zones": "Зоны", "modalities": "Методы", "course": "Курс", "avoid": "Избегать",
        "home": "Самомассаж дома", "reasons": "Причины", "sessions": "сеансов",
        "per_week": "в неделю", "minutes": "мин за сеанс", "techniques": "Приёмы",
        "excluded": "не предлагается",
    },
}


def _console() -> Console:
    return Console(highlight=False, soft_wrap=False)


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
        table = Table(title=t["findings"], show_lines=True, title_justify="left")
        for col in ("effect", "concept", "certainty", "reason", "evidence", "sources"):
            table.add_column(col)
        for f in s.findings:
            evidence = "\n".join(
                " ".join(
                    str(x)
                    for x in (e.ref, e.label, e.value, e.unit or "", e.date or "", e.note or "")
                    if x not in (None, "")
                )
                for e in f.evidence
            ) or ", ".join(g.item for g in f.gaps)
            effect = f.effect
            if f.settled is not None:
                effect += f"\n({f.settled.decision} {f.settled.clearance.when or ''})"
            table.add_row(
                Text(effect, style=VERDICT_STYLE.get(f.effect, "")),
                f.concept, f.certainty, f.reason, evidence, ", ".join(f.sources),
            )
        c.print(table)
    else:
        c.print(t["no_findings"])
    if s.missing:
        c.print(f"[bold]{t['missing']}[/bold]")
        for m in s.missing:
            c.print(f"  [ ] {m.item}: {m.why}")
    c.print()


def render_plan(p: CoursePlan, console: Console | None = None) -> None:
    c = console or _console()
    lang = "ru" if any("\u0400" <= ch <= "\u04ff" for ch in str(p.notes) + str(p.avoid)) else "en"
    t = LABELS[lang]
    c.print(
        Panel(
            Text(f"{t['plan']}: {p.status.upper()} ({p.verdict})",
                 style=VERDICT_STYLE.get(p.verdict, "")),
            expand=False,
        )
    )
    for note in p.notes:
        c.print(f"  {note}")
    if p.reasons:
        c.print(f"[bold]{t['reasons']}[/bold]")
        for r in p.reasons:
            c.print(f"  - {r.get('effect', r.get('missing'))}: {r['reason']}")
    if p.status == "blocked":
        c.print()
        return
    c.print(f"[bold]{t['zones']}:[/bold] {', '.join(p.zones) or '-'}")
    c.print(f"[bold]{t['modalities']}:[/bold] " + ", ".join(m["id"] for m in p.modalities))
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
            c.print(f"  - {a['text']}")
    for program in p.home_program:
        c.print(f"[bold]{t['home']}: {program['title']}[/bold] ({program['frequency']})")
        for i, step in enumerate(program["steps"], 1):
            c.print(f"  {i}. {step['text']} ({step['dose']})")
    c.print()
