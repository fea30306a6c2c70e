"""Server-side SVG: pain over a course, adherence, and a drawing of the treatment zones.

Plain string building, no JavaScript, no dependencies. The charts are made to be read
when printed in black and white: black and grey lines told apart by dash pattern and
marker shape, text labels instead of colour, and the minimal clinically important
difference (MCID) drawn as a band below the first pain score, labelled with its source.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape

from spinecare.engine.course import Progress
from spinecare.i18n import plural, quantity, translator
from spinecare.wording import day_text

__all__ = ["ZONE_IDS", "adherence_bar_svg", "pain_chart_svg", "zone_figure_svg"]

FONT = "font-family=\"'DejaVu Sans', Arial, Helvetica, sans-serif\""


def _t(lang: str, patient: bool = False) -> dict[str, str]:
    """The charts' words in ``lang`` (the catalogues); ``patient``: the band in the
    patient's words (the clinicians' chart names it by its clinical name)."""
    _ = translator(lang)
    if patient:
        band = {
            "band": _(
                "Grey band: from your first score down by %(mcid)s points. Reaching "
                "%(target)s or less is an improvement you can feel."
            ),
            "band_to_zero": _(
                "Grey band: from your first score down by %(mcid)s points. Reaching 0, no "
                "pain, is an improvement you can feel."
            ),
            "tag": _("better"),
            "legend_mcid": _("Grey band: an improvement you can feel"),
        }
    else:
        band = {
            "band": _(
                "Grey band (MCID): from the first score down by %(mcid)s points; "
                "reaching %(target)s or less is a clinically important improvement."
            ),
            "band_to_zero": _(
                "Grey band (MCID): from the first score down by %(mcid)s points; "
                "reaching 0 is a clinically important improvement."
            ),
            "tag": _("MCID"),
            "legend_mcid": _("MCID (minimal important change)"),
        }
    return {
        "title": _("Pain before and after each session"),
        "y": _("Pain (0–10)"),
        "x": _("Session"),
        "pre": _("Before session"),
        "post": _("After session"),
        **band,
        "mcid_src": _("Minimal clinically important change in pain: %(mcid)s points (%(src)s)."),
        "empty": _("No sessions recorded yet."),
        # a point's tooltip: which session, its day, the score
        "pre_point": _("Session %(n)s, %(day)s: %(pain)s before the session"),
        "post_point": _("Session %(n)s, %(day)s: %(pain)s after the session"),
        "adverse": _("! adverse event"),
        "adh_title": _("Course adherence"),
        "adh": _("%(done)s of %(total)s sessions done; %(due)s due by %(day)s"),
        "adh_due": _("due so far"),
    }


def _n(value: float) -> str:
    """A coordinate with at most one decimal (small output, exact enough for print)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _point(text: str, point: dict[str, Any], pain: object, lang: str) -> str:
    """A point's tooltip: ``Session 2, 7 Dec 2026: 3 before the session``."""
    return text % {"n": point["n"], "day": day_text(point["day"], lang), "pain": pain}


def _description(n: int, lang: str) -> str:
    """What the chart shows, for a screen reader: the number of sessions in its form."""
    text = plural(
        lang,
        "Pain on a 0–10 scale at %(n)s session: before (solid black line, circles) "
        "and after (dashed grey line, squares).",
        "Pain on a 0–10 scale at %(n)s sessions: before (solid black line, circles) "
        "and after (dashed grey line, squares).",
        n,
    )
    return text % {"n": n}


def _short_source(progress: Progress) -> str:
    parts = []
    for s in progress.mcid.get("sources", []):
        parts.append(str(s.get("citation") or s.get("title") or s.get("id", "")).rstrip("."))
    return "; ".join(parts)


def _legend(t: dict[str, str], left: int) -> list[str]:
    """The pain chart's legend: before, after, the MCID band."""
    out: list[str] = []
    lx = left
    ly = 38
    out.append(
        f'<g class="legend"><line x1="{lx}" y1="{ly}" x2="{lx + 28}" y2="{ly}" stroke="#000" '
        f'stroke-width="2"/><circle cx="{lx + 14}" cy="{ly}" r="3.5" fill="#fff" stroke="#000" '
        f'stroke-width="1.5"/><text x="{lx + 34}" y="{ly + 4}">{escape(t["pre"])}</text>'
    )
    lx += 150
    out.append(
        f'<line x1="{lx}" y1="{ly}" x2="{lx + 28}" y2="{ly}" stroke="#555" stroke-width="2" '
        f'stroke-dasharray="6 4"/><rect x="{lx + 11}" y="{ly - 3}" width="6" height="6" '
        f'fill="#555"/><text x="{lx + 34}" y="{ly + 4}">{escape(t["post"])}</text>'
    )
    lx += 150
    out.append(
        f'<rect x="{lx}" y="{ly - 6}" width="28" height="12" fill="#e6e6e6" stroke="#000" '
        f'stroke-width="1" stroke-dasharray="2 2"/><text x="{lx + 34}" y="{ly + 4}">'
        f"{escape(t['legend_mcid'])}</text></g>"
    )
    return out


def _pain_axes(t: dict[str, str], left: int, top: int, pw: int, ph: int) -> list[str]:
    """The pain chart's grid, axes and 0-10 labels."""

    def y(v: float) -> float:
        return top + ph * (1 - v / 10)

    out: list[str] = []
    out.append('<g class="axes" stroke="#999" stroke-width="0.5">')
    for v in range(11):
        out.append(f'<line x1="{left}" y1="{_n(y(v))}" x2="{left + pw}" y2="{_n(y(v))}"/>')
    out.append("</g>")
    out.append(
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="#000"/>'
        f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#000"/>'
    )
    out.append('<g class="y-labels" text-anchor="end">')
    for v in range(0, 11, 2):
        out.append(f'<text x="{left - 6}" y="{_n(y(v) + 4)}">{v}</text>')
    out.append("</g>")
    out.append(
        f'<text x="14" y="{_n(top + ph / 2)}" text-anchor="middle" '
        f'transform="rotate(-90 14 {_n(top + ph / 2)})">{escape(t["y"])}</text>'
    )
    return out


def pain_chart_svg(
    progress: Progress,
    lang: str = "en",
    *,
    width: int = 720,
    height: int = 380,
    cited: bool = True,
) -> str:
    """Pain before and after each session (0-10), with the MCID band and its source.

    ``cited`` False: the patient's own chart, with no citation and the band in her words.
    """
    t, pts = _t(lang, patient=not cited), progress.points
    n = len(pts)
    left, right, top, bottom = 56, 48, 56, 84
    pw, ph = width - left - right, height - top - bottom

    def x(i: int) -> float:
        return left + (pw / 2 if n == 1 else pw * i / (n - 1))

    def y(v: float) -> float:
        return top + ph * (1 - v / 10)

    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="pc-title pc-desc" '
        f'class="pain-chart" {FONT} font-size="12">',
        f'<title id="pc-title">{escape(t["title"])}</title>',
        f'<desc id="pc-desc">{escape(_description(n, lang))}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="{left}" y="18" font-size="14" font-weight="bold">{escape(t["title"])}</text>',
    ]
    out.extend(_legend(t, left))

    # MCID band: from the first pre-session score down by the MCID.
    mcid = float(progress.mcid["value"])
    footer: list[str] = []
    if progress.first_pre is not None:
        base = float(progress.first_pre)
        target = max(0.0, base - mcid)
        out.append(
            f'<g class="mcid"><rect x="{left}" y="{_n(y(base))}" width="{pw}" '
            f'height="{_n(y(target) - y(base))}" fill="#e6e6e6"/>'
            f'<line x1="{left}" y1="{_n(y(target))}" x2="{left + pw}" y2="{_n(y(target))}" '
            f'stroke="#000" stroke-width="1" stroke-dasharray="2 2"/>'
            f'<text x="{left + pw + 4}" y="{_n((y(base) + y(target)) / 2 + 4)}" '
            f'font-size="11" font-weight="bold">{escape(t["tag"])}</text></g>'
        )
        footer.append(  # no pain score is below 0: a band down to 0 says so
            t["band" if target > 0 else "band_to_zero"]
            % {"mcid": quantity(mcid, None, lang), "target": quantity(target, None, lang)}
        )

    out.extend(_pain_axes(t, left, top, pw, ph))
    if n:
        step = max(1, math.ceil(n / 15))
        out.append('<g class="x-labels" text-anchor="middle">')
        for i, p in enumerate(pts):
            if i % step == 0 or i == n - 1:
                out.append(f'<text x="{_n(x(i))}" y="{top + ph + 16}">{p["n"]}</text>')
        out.append("</g>")
        first, last = (day_text(p["day"], lang) for p in (pts[0], pts[-1]))
        span = first if first == last else f"{first} — {last}"
        out.append(
            f'<text x="{_n(left + pw / 2)}" y="{top + ph + 34}" text-anchor="middle">'
            f"{escape(t['x'])} ({escape(span)})</text>"
        )
    else:
        out.append(
            f'<text x="{_n(left + pw / 2)}" y="{_n(top + ph / 2)}" text-anchor="middle" '
            f'font-size="14">{escape(t["empty"])}</text>'
        )

    if n:
        pre = " ".join(f"{_n(x(i))},{_n(y(p['pre']))}" for i, p in enumerate(pts))
        post = " ".join(f"{_n(x(i))},{_n(y(p['post']))}" for i, p in enumerate(pts))
        out.append(
            f'<polyline class="pre-line" points="{pre}" fill="none" stroke="#000" '
            f'stroke-width="2"/>'
        )
        out.append(
            f'<polyline class="post-line" points="{post}" fill="none" stroke="#555" '
            f'stroke-width="2" stroke-dasharray="6 4"/>'
        )
        r = 3.5 if n <= 30 else 2.5
        out.append('<g class="pre-points" fill="#fff" stroke="#000" stroke-width="1.5">')
        for i, p in enumerate(pts):
            out.append(
                f'<circle class="pre" cx="{_n(x(i))}" cy="{_n(y(p["pre"]))}" r="{r}">'
                f"<title>{escape(_point(t['pre_point'], p, p['pre'], lang))}</title></circle>"
            )
        out.append("</g>")
        out.append('<g class="post-points" fill="#555">')
        for i, p in enumerate(pts):
            out.append(
                f'<rect class="post" x="{_n(x(i) - r)}" y="{_n(y(p["post"]) - r)}" '
                f'width="{_n(2 * r)}" height="{_n(2 * r)}">'
                f"<title>{escape(_point(t['post_point'], p, p['post'], lang))}</title></rect>"
            )
        out.append("</g>")
        flagged = [i for i, p in enumerate(pts) if p.get("adverse_event")]
        if flagged:
            out.append('<g class="adverse" text-anchor="middle">')
            for i in flagged:
                out.append(
                    f'<line x1="{_n(x(i))}" y1="{top + 14}" x2="{_n(x(i))}" y2="{top + ph}" '
                    f'stroke="#000" stroke-width="1" stroke-dasharray="1 3"/>'
                    f'<text x="{_n(x(i))}" y="{top + 11}" font-weight="bold" '
                    'font-size="13">!</text>'
                )
            out.append("</g>")
            out.append(
                f'<text x="{left + pw}" y="18" text-anchor="end" font-size="11">'
                f"{escape(t['adverse'])}</text>"
            )
    if cited:  # the clinicians' chart says where the minimal important change comes from
        footer.append(
            t["mcid_src"] % {"mcid": quantity(mcid, None, lang), "src": _short_source(progress)}
        )
    out.extend(_footer(footer, left, height))
    out.append("</svg>")
    return "".join(out)


def _footer(lines: list[str], left: int, height: int) -> list[str]:
    """The chart's lines under its plot, the last at the bottom."""
    return [
        f'<text class="mcid-source" x="{left}" y="{height - 10 - 15 * k}" font-size="11">'
        f"{escape(line)}</text>"
        for k, line in enumerate(reversed(lines))
    ]


def adherence_bar_svg(progress: Progress, lang: str = "en", *, width: int = 480) -> str:
    """A bar: sessions done out of the course, with a mark at the number due so far."""
    t = _t(lang)
    height = 74
    left, bar_w, bar_y, bar_h = 8, width - 16, 30, 18
    total = max(progress.sessions_planned, 1)
    done = progress.sessions_done
    due = progress.planned_so_far
    frac = min(done / total, 1.0)
    due_x = left + bar_w * min(due / total, 1.0)
    pct = f"{round(100 * progress.adherence)}" if progress.adherence is not None else None
    label = t["adh"] % {
        "done": done,
        "total": progress.sessions_planned,
        "due": due,
        "day": day_text(progress.as_of, lang),
    } + (f" ({pct}%)" if pct is not None else "")
    ticks = "".join(
        f'<line x1="{_n(left + bar_w * k / total)}" y1="{bar_y}" '
        f'x2="{_n(left + bar_w * k / total)}" y2="{bar_y + bar_h}" stroke="#fff" '
        'stroke-width="1"/>'
        for k in range(1, total)
        if total <= 60
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="ad-title" '
        f'class="adherence-bar" {FONT} font-size="12">'
        f'<title id="ad-title">{escape(t["adh_title"])}: {escape(label)}</title>'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>'
        f'<text x="{left}" y="18" font-weight="bold">{escape(t["adh_title"])}</text>'
        f'<rect x="{left}" y="{bar_y}" width="{bar_w}" height="{bar_h}" fill="#fff" '
        f'stroke="#000"/>'
        f'<rect class="done" x="{left}" y="{bar_y}" width="{_n(bar_w * frac)}" '
        f'height="{bar_h}" fill="#444"/>'
        f"{ticks}"
        f'<line class="due" x1="{_n(due_x)}" y1="{bar_y - 4}" x2="{_n(due_x)}" '
        f'y2="{bar_y + bar_h + 4}" stroke="#000" stroke-width="2" stroke-dasharray="3 2"/>'
        f'<text x="{left}" y="{bar_y + bar_h + 18}">{escape(label)}</text>'
        "</svg>"
    )


# ----------------------------------------------------------------------------------------
# Zone drawing
# ----------------------------------------------------------------------------------------

ZONE_IDS = ("collar_zone", "thoracic", "lumbosacral")

# A person seen from behind, in a 120 x 200 box; each zone is a shape over the back.
_SILHOUETTE = (
    '<circle cx="60" cy="22" r="14"/>'
    '<path d="M53 34 L53 44 L67 44 L67 34 Z"/>'
    '<path d="M30 50 Q32 44 53 43 L67 43 Q88 44 90 50 L96 100 Q97 108 92 110 L88 108 L86 70 '
    "L84 70 L82 118 Q84 130 84 142 L80 196 L66 196 L62 150 L58 150 L54 196 L40 196 L36 142 "
    'Q36 130 38 118 L36 70 L34 70 L32 108 L28 110 Q23 108 24 100 Z"/>'
)
_ZONE_SHAPES = {
    "collar_zone": '<path d="M52 36 L68 36 L68 43 Q86 44 88 52 L84 64 L36 64 L32 52 '
    'Q34 44 52 43 Z"/>',
    "thoracic": '<path d="M37 64 L83 64 L82 100 L38 100 Z"/>',
    "lumbosacral": '<path d="M38 100 L82 100 L82 118 Q84 128 84 136 L36 136 Q36 128 38 118 Z"/>',
}


def zone_figure_svg(
    zones: Iterable[str],
    *,
    width: int = 120,
    labels: dict[str, str] | None = None,
    title: str | None = None,
) -> str:
    """A simple back silhouette with the given zone(s) hatched (prints in black and white).

    ``labels`` (zone id -> text) adds a label beside each highlighted zone.
    """
    chosen = [z for z in ZONE_IDS if z in set(zones)]
    height = round(width * 200 / 120)
    view_w = 120 if not labels else 220
    view_width = round(width * view_w / 120)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{view_width}" height="{height}" '
        f'viewBox="0 0 {view_w} 200" role="img" class="zone-figure" {FONT} font-size="9">',
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    parts.append(
        '<defs><pattern id="hatch" width="5" height="5" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="5" height="5" fill="#fff"/>'
        '<line x1="0" y1="0" x2="0" y2="5" stroke="#000" stroke-width="2"/></pattern></defs>'
    )
    parts.append(f'<g fill="#f2f2f2" stroke="#000" stroke-width="1.5">{_SILHOUETTE}</g>')
    for z in chosen:
        parts.append(
            f'<g class="zone zone-{z}" fill="url(#hatch)" stroke="#000" stroke-width="1.2">'
            f"{_ZONE_SHAPES[z]}</g>"
        )
    # The spine: the line the patient must never press on.
    parts.append(
        '<line x1="60" y1="36" x2="60" y2="140" stroke="#000" stroke-width="1.2" '
        'stroke-dasharray="3 2"/>'
    )
    if labels:
        anchor_y = {"collar_zone": 52, "thoracic": 82, "lumbosacral": 120}
        for z in chosen:
            if z in labels:
                yy = anchor_y[z]
                parts.append(
                    f'<line x1="88" y1="{yy}" x2="100" y2="{yy}" stroke="#000"/>'
                    f'<text x="102" y="{yy + 3}">{escape(labels[z])}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)
