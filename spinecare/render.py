"""Readable terminal views of screenings and plans (Rich), in the reader's language.

Every word comes from the catalogues (:mod:`spinecare.i18n`) or the KB
(:mod:`spinecare.wording`): verdicts, concepts, zones, modalities and sources by name,
values with their units as people write them, evidence named by where it was recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text as RichText

from spinecare.engine.evaluate import CONFIRM_ITEM
from spinecare.engine.screening import Finding, Screening
from spinecare.i18n import quantity, sessions_count, times_a_week, translator
from spinecare.kb.evidence import plan_level_text, rule_level_text
from spinecare.kb.loader import KB
from spinecare.wording import (
    NOT_USED_WORDS,
    clearance_text,
    concept_name,
    day_text,
    effect_text,
    evidence_text,
    item_name,
    modality_name,
    plan_status_text,
    record_words,
    source_title,
    verdict_text,
    zone_name,
)

if TYPE_CHECKING:
    from spinecare.engine.planning import CoursePlan

VERDICT_STYLE = {
    "refer_urgently": "bold white on red",
    "contraindicated": "bold red",
    "defer": "bold dark_orange",
    "needs_clearance": "bold yellow",
    "needs_data": "bold blue",
    "allowed_with_precautions": "bold green",
    "allowed": "bold green",
}


def _console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def _number(value: float, lang: str) -> str:
    """A number as ``lang`` writes it (``2,5`` in Russian)."""
    return quantity(value, None, lang)


def _heading(c: Console, text: str, style: str | None = None) -> None:
    c.print(f"[bold]{escape(text)}[/bold]", style=style)


def _field(
    c: Console, label: str, value: str, *, indent: int = 0, style: str | None = None
) -> None:
    """``label: value``; the label bold at the left margin, plain when indented."""
    head = f"[bold]{escape(label)}:[/bold]" if not indent else escape(label) + ":"
    c.print(" " * indent + f"{head} {escape(value)}", style=style)


def _finding(c: Console, s: Screening, f: Finding, cited: list[str]) -> None:
    """One finding: its concept and effect, reason, level, evidence, gaps and sources
    (numbered in ``cited``, the order of first citation)."""
    lang, kb = s.lang, s.kb
    _ = translator(lang)
    line = RichText("  ● ", style=VERDICT_STYLE.get(f.effect, ""))
    line.append(
        f"{concept_name(kb, f.concept, lang)}: {effect_text(f.effect, lang)}",
        style=VERDICT_STYLE.get(f.effect, ""),
    )
    if f.certainty != "present":
        line.append(" (" + _("not known: data missing") + ")")
    if f.settled is not None:
        when = f.settled.clearance.when
        settled = clearance_text(f.settled.decision, lang)
        until = f.settled.until
        ends = ", " + _("until %(day)s") % {"day": day_text(until, lang)} if until else ""
        line.append(f" [{settled}{', ' + day_text(when, lang) if when else ''}{ends}]")
    c.print(line)
    c.print(f"    {escape(f.reason)}")
    level = rule_level_text(s.kb, f.rule, s.lang)
    if level:
        c.print(f"    {escape(level)}", style="dim")
    for e in f.evidence:
        _field(c, _("Evidence"), evidence_text(e, lang, noted=True, kb=kb), indent=4)
    if f.gaps:
        missing = ", ".join(dict.fromkeys(item_name(kb, g.item, lang) for g in f.gaps))
        _field(c, _("Missing"), missing, indent=4)
    refs = []
    for sid in f.sources:
        if sid not in cited:
            cited.append(sid)
        refs.append(f"[{cited.index(sid) + 1}]")
    if refs:
        _field(c, _("Sources"), " ".join(refs), indent=4, style="dim")


def _patient_name(s: Screening) -> str:
    """The patient as the record names them; never the record's id."""
    _ = translator(s.lang)
    name = s.record.patient.name if s.record is not None else None
    return name or _("name not recorded")


def render_screening(s: Screening, console: Console | None = None) -> None:
    c = console or _console()
    lang, kb = s.lang, s.kb
    _ = translator(lang)
    indicated = {True: _("yes"), False: _("no"), None: _("unknown (data missing)")}[
        s.indicated.to_optional()
    ]
    head = RichText()
    head.append(verdict_text(s.verdict, lang), style=VERDICT_STYLE[s.verdict])
    head.append(
        "\n"
        + _("Patient: %(patient)s, as of %(day)s")
        % {"patient": _patient_name(s), "day": day_text(s.as_of, lang)}
        + "\n"
        + _("Massage indicated: %(answer)s") % {"answer": indicated}
    )
    if s.indications:
        head.append(f" ({', '.join(concept_name(kb, i, lang) for i in s.indications)})")
    c.print(Panel(head, expand=False))
    cited: list[str] = []
    if s.findings:
        _heading(c, _("Findings"))
        for f in s.findings:
            _finding(c, s, f, cited)
    else:
        c.print(escape(_("No finding limits massage.")))
    if s.missing:
        _heading(c, _("Missing: measure or ask first"))
        for m in s.missing:
            c.print(f"  {escape('[ ]')} {escape(m.label)}: {escape(m.why)}")
    not_used = s.not_used()
    if not_used:
        # what the record says and the screening cannot place is shown, as on the page
        _heading(
            c,
            _("Other entries in the record, not used by the screening (%(count)s)")
            % {"count": len(not_used)},
        )
        for n in not_used:
            when = f" ({day_text(n.date, lang, n.last)})" if n.date else ""
            label = record_words(n.label, lang) if n.named else n.label
            c.print(f"  - {escape(_(NOT_USED_WORDS[n.kind]))}: {escape(label)}{escape(when)}")
    if cited:
        _heading(c, _("Sources"), style="dim")
        for number, sid in enumerate(cited, start=1):
            c.print(
                f"  [{number}] {escape(source_title(kb, sid, lang))}", style="dim", markup=False
            )
    c.print()


def _course(c: Console, course: dict[str, Any], lang: str) -> None:
    """The course line (sessions, frequency, minutes) and its techniques."""
    _ = translator(lang)
    freq = course["frequency"]
    text = _("%(sessions)s, %(per_week)s (%(low)s-%(high)s), %(minutes)s min per session") % {
        "sessions": sessions_count(course["sessions"], lang),
        "per_week": times_a_week(freq["value"], lang),
        "low": _number(freq["min"], lang),
        "high": _number(freq["max"], lang),
        "minutes": _number(course["minutes_per_session"], lang),
    }
    _field(c, _("Course"), text)
    techniques = " → ".join(x["label"] for x in course["techniques"])
    _field(c, _("Techniques"), techniques)


def _zones_and_modalities(c: Console, p: CoursePlan, kb: KB, lang: str) -> None:
    """The plan's zones and modalities by name, each modality with its evidence level."""
    _ = translator(lang)
    zones = ", ".join(zone_name(kb, z, lang) for z in p.zones) or "—"
    _field(c, _("Zones"), zones)
    modalities = ", ".join(m.get("label") or modality_name(kb, m["id"], lang) for m in p.modalities)
    _field(c, _("Modalities"), modalities or "—")
    for m in p.modalities:
        level = plan_level_text(kb, "modalities", m["id"], lang)
        if level:
            name = m.get("label") or modality_name(kb, m["id"], lang)
            c.print(f"  - {escape(name)}: {escape(level)}", style="dim")


def render_plan(
    p: CoursePlan, console: Console | None = None, *, lang: str = "en", kb: KB | None = None
) -> None:
    """The course plan in ``lang`` (the language it was planned in)."""
    if kb is None:
        from spinecare.kb import load_kb

        kb = load_kb()
    c = console or _console()
    _ = translator(lang)
    title = _("Course plan: %(status)s") % {"status": plan_status_text(p.status, lang)}
    title += "\n" + verdict_text(p.verdict, lang)
    c.print(Panel(RichText(title, style=VERDICT_STYLE.get(p.verdict, "")), expand=False))
    for note in p.notes:
        c.print(f"  {escape(note)}")
    if p.reasons:
        _heading(c, _("Reasons"))
        for r in p.reasons:
            if "missing" in r and r["missing"] == CONFIRM_ITEM:  # not missing: to confirm
                what = item_name(kb, r["missing"], lang)
            elif "missing" in r:
                what = item_name(kb, r["missing"], lang) + ": " + _("missing")
            else:
                what = f"{concept_name(kb, r['concept'], lang)}: {effect_text(r['effect'], lang)}"
            c.print(f"  - {escape(what)}: {escape(r['reason'])}")
    if p.status == "blocked":
        c.print()
        return
    _zones_and_modalities(c, p, kb, lang)
    if p.course:
        _course(c, p.course, lang)
    if p.avoid:
        _heading(c, _("Avoid") + ":")
        for a in p.avoid:
            level = plan_level_text(kb, "precautions", a.get("id"), lang)
            c.print(f"  - {escape(a['text'])}" + (f" ({escape(level)})" if level else ""))
    for program in p.home_program:
        head = _("Home self-massage") + f": {program['title']}"
        c.print(f"[bold]{escape(head)}[/bold] ({escape(program['frequency'])})")
        for i, step in enumerate(program["steps"], 1):
            c.print(f"  {i}. {escape(step['text'])} ({escape(step['dose'])})")
    if p.stop_rules:
        _heading(c, _("Stop and call the physician") + ":")
        for rule in p.stop_rules:
            c.print(f"  - {escape(rule['text'])}")
    c.print()
