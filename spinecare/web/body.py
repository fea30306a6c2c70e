"""An SVG body diagram (back view) that highlights treatment zones and zones to avoid."""

from __future__ import annotations

from markupsafe import Markup, escape

from spinecare.messages import N_
from spinecare.web.i18n import gettext

TREAT, AVOID, NOT_PLANNED = N_("treat"), N_("avoid"), N_("not planned")
"""A zone's state on the diagram (its ``data-state``; its tooltip in the reader's language)."""
TITLE = N_("Back view: treatment zones and zones to avoid")

ZONE_SHAPES = {
    # zone id -> (x, y, width, height) of the region on the back, in the 200 x 400 box
    "collar_zone": (62, 78, 76, 52),
    "thoracic": (70, 130, 60, 80),
    "lumbosacral": (70, 210, 60, 62),
}


def body_svg(treat: list[str], avoid: list[str], labels: dict[str, str]) -> Markup:
    """The diagram: treatment zones green, zones to avoid red and hatched, others grey."""
    parts = [
        '<svg class="body" viewBox="0 0 200 400" role="img" '
        'aria-labelledby="body-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="body-title">{escape(gettext(TITLE))}</title>',
        '<defs><pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="8" height="8" fill="#f6d5d5"/>'
        '<line x1="0" y1="0" x2="0" y2="8" stroke="#b42318" stroke-width="3"/></pattern></defs>',
        '<g class="outline" fill="#f3f1ee" stroke="#8a8580" stroke-width="2">',
        '<circle cx="100" cy="40" r="28"/>',
        '<path d="M88 66 h24 v14 h-24z"/>',
        '<path d="M50 84 Q100 70 150 84 L160 200 Q150 270 140 280 L60 280 Q50 270 40 200 Z"/>',
        '<path d="M50 88 L22 210 L34 214 L60 120 Z"/><path d="M150 88 L178 210 L166 214 '
        'L140 120 Z"/>',
        '<path d="M62 280 L66 390 L94 390 L98 290 Z"/><path d="M138 280 L134 390 L106 390 '
        'L102 290 Z"/>',
        '</g><line x1="100" y1="70" x2="100" y2="275" stroke="#8a8580" stroke-dasharray="4 4"/>',
    ]
    for zone, (x, y, w, h) in ZONE_SHAPES.items():
        if zone in avoid:
            cls, fill, state = "zone avoid", "url(#hatch)", AVOID
        elif zone in treat:
            cls, fill, state = "zone treat", "#9fd8b0", TREAT
        else:
            cls, fill, state = "zone", "none", NOT_PLANNED
        label = escape(labels.get(zone, zone))
        parts.append(
            f'<rect class="{cls}" data-zone="{zone}" data-state="{state}" x="{x}" y="{y}" '
            f'width="{w}" height="{h}" rx="10" fill="{fill}" stroke="#55504b" '
            f'stroke-width="1.5" fill-opacity="0.85">'
            f"<title>{label}: {escape(gettext(state))}</title></rect>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
