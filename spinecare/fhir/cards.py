"""A :class:`~spinecare.engine.screening.Screening` as HL7 CDS Hooks 2.0 cards.

One card per screening. ``indicator``: ``critical`` for refer_urgently and
contraindicated, ``warning`` for defer, needs_clearance and needs_data, ``info``
otherwise. ``summary`` stays under 140 characters; ``detail`` is GitHub-flavoured
Markdown with the findings, the missing data and the sources (text that comes from the
record is escaped, so a Condition's display cannot inject links or markup). ``source``
names the primary source of the guidance; ``links`` open the patient in the spinecare
app when the EHR's patient is known there (through a stored EHR identifier; the caller
gives spinecare's own patient id), and are a SMART launch link otherwise: never a link
built from the EHR's id, which would open whichever spinecare patient has that number;
``overrideReasons`` offer codified reasons to dismiss a warning.

Suggestions: on order-sign a blocking verdict (refer_urgently, contraindicated, defer)
proposes to delete the draft massage ServiceRequest(s); needs_clearance proposes to
create a neurology consultation ServiceRequest where that clears every finding (a disc
herniation), else a request for a physician's review.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache, lru_cache
from random import getrandbits
from typing import Any

from spinecare.engine.evaluate import CONFIRM_ITEM
from spinecare.engine.screening import BLOCKING, Finding, Screening
from spinecare.i18n import plural, translator, yes_no
from spinecare.kb.evidence import rule_level_text
from spinecare.kb.loader import KB
from spinecare.wording import (
    NOT_READ,
    concept_name,
    day_text,
    effect_text,
    evidence_text,
    not_read_text,
    partly_read_text,
    record_words,
    verdict_text,
)

__all__ = [
    "INDICATOR",
    "OVERRIDE_REASON_SYSTEM",
    "indicator_for",
    "markdown_escape",
    "order_value_set",
    "patient_links",
    "screening_cards",
    "summary_for",
]

INDICATOR = {
    "refer_urgently": "critical",
    "contraindicated": "critical",
    "defer": "warning",
    "needs_clearance": "warning",
    "needs_data": "warning",
    "allowed_with_precautions": "info",
    "allowed": "info",
}
SUMMARY_MAX = 139  # the specification: "<140-character summary"
OVERRIDE_REASON_SYSTEM = "urn:spinecare:cds-hooks:override-reason"
SPINECARE_TOPIC_SYSTEM = "urn:spinecare:cds-hooks:topic"


@cache
def _t(lang: str) -> dict[str, str]:
    """The cards' own words in ``lang`` (the catalogues); verdicts from :mod:`spinecare.wording`."""
    _ = translator(lang)
    return {
        "missing": _("missing"),
        "verdict": _("Verdict"),
        "indicated": _("Massage indicated"),
        "as_of": _("as of"),
        "kb": _("guidance version"),
        "findings": _("Findings"),
        "missing_data": _("Missing data"),
        "not_read": _(NOT_READ),
        "sources": _("Sources"),
        "evidence": _("evidence"),
        "unknown_finding": _("not known: data missing"),
        "cleared": _("cleared by"),
        "until": _("until %(day)s"),
        "no_findings": _("No finding limits massage."),
        "open": _("Open the patient in spinecare"),
        "launch": _("Open spinecare for this patient"),
        "another": _(
            "The chart spinecare holds under this patient's EHR number is another person's "
            "(the name or the date of birth differ), so it is not linked. Check which chart "
            "in spinecare is this patient's before using it."
        ),
        "delete": _("Remove the draft massage order"),
        "delete_one": _("Remove the draft massage order: %(verdict)s"),
        "refer": _("Order a neurology consultation to clear massage"),
        "refer_action": _("Create a neurology consultation request (clearance for massage)"),
        "refer_text": _("Neurology consultation: clearance for therapeutic massage"),
        "review": _("Ask a physician to clear massage"),
        "review_action": _("Create a request for a physician's review (clearance for massage)"),
        "review_text": _("Physician's review: clearance for therapeutic massage"),
        "topic": _("Massage screening"),
        "or_clear": _("physician clearance obtained"),
        "or_data": _("recorded data is outdated or wrong"),
        "or_benefit": _("benefit outweighs the risk, discussed with the patient"),
        "or_not_massage": _("order is not for massage of the affected area"),
    }


OVERRIDE_REASONS = (
    ("physician-clearance", "or_clear"),
    ("data-outdated", "or_data"),
    ("benefit-outweighs-risk", "or_benefit"),
    ("not-affected-area", "or_not_massage"),
)

_MD_SPECIAL = set("\\`*_[]<>#|~")
_MD_ESCAPES = re.compile("[" + re.escape("".join(sorted(_MD_SPECIAL))) + "]")


_MD_LINKS = re.compile(r"(?<=\w)\.(?=[^\W\d_])|(?<=[wW]{3})\.|:(?=/)|(?<=\w)@(?=\w)")
"""What makes GitHub's Markdown (and markdown-it's linkify) turn text into a link: the
``://`` of an address, the dot of a host name (``www.example.com``, ``example.com/x``),
the dot after ``www`` whatever follows it (``www.1evil.com``: GitHub's renderer links
``www.`` and anything after it), the ``@`` of an e-mail address. Escaped, each is a piece
of text of its own, where no renderer finds an address; a number's dot (``38.5``) stays
as it is."""
_REORDERING = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
"""The direction embeddings, overrides and isolates, which reorder the text shown after
them ("\u202eevil" reads "live")."""


@lru_cache(maxsize=8192, typed=True)
def markdown_escape(text: str) -> str:
    """Text from data as literal Markdown (no emphasis, links, HTML or tables, no address
    made a link, no text shown reordered)."""
    plain = " ".join(str(text).translate(_REORDERING).split())
    return _MD_LINKS.sub(r"\\\g<0>", _MD_ESCAPES.sub(r"\\\g<0>", plain))


@lru_cache(maxsize=1)
def order_value_set() -> dict[str, Any]:
    """The massage / manual-therapy order codes (concepts.yaml and terminology.yaml) and the
    neurology referral code (from the KB)."""
    from spinecare.kb import load_kb

    kb = load_kb()
    systems = kb.model.systems

    def entry(code: Any) -> dict[str, str]:
        return {"system": systems[code.system], "code": code.code, "display": code.display}

    listed = [
        *kb.concepts["massage_order"].codes,
        *(c for t in kb.model.terminology if t.concept == "massage_order" for c in t.codes),
    ]
    entries = [entry(c) for c in listed]
    codes = frozenset((e["system"], e["code"]) for e in entries)
    referral = entry(kb.concepts["neurology_referral"].codes[0])
    return {"codes": codes, "entries": entries, "referral": referral}


def card_uuid() -> str:
    """A new random (version 4) UUID as text, for a card or a suggestion. A card's uuid
    names it, it guards nothing: Python's generator (seeded from the system's randomness
    in each process, again after a fork) is enough, without a system call for every card
    and without building a UUID object."""
    h = f"{getrandbits(128) & _UUID4_CLEAR | _UUID4_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# the version (4) and variant (RFC 4122) bits of a random UUID
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)


def indicator_for(verdict: str) -> str:
    return INDICATOR.get(verdict, "warning")


def _shorten(text: str, limit: int = SUMMARY_MAX) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.-– ")
    return cut + "…"


def summary_for(screening: Screening) -> str:
    """One sentence, under 140 characters: the verdict and its main reason."""
    t = _t(screening.lang)
    head = verdict_text(screening.verdict, screening.lang)
    reason = ""
    if screening.verdict == "needs_data" and screening.missing:
        # what to measure or ask is missing; entries of the record to confirm are not
        absent = [m.label for m in screening.missing if m.item != CONFIRM_ITEM]
        said = [f"{t['missing']}: " + ", ".join(absent)] if absent else []
        said += [m.label for m in screening.missing if m.item == CONFIRM_ITEM]
        reason = "; ".join(said)
    else:
        for f in screening.findings:
            if f.certainty == "present" and f.counts and f.effect == screening.verdict:
                reason = f.reason
                break
    if reason:
        return _shorten(f"{head} — {reason}")
    return _shorten(head)


_HEADS_KEPT = 4096
"""How many finding heads (:func:`_finding_head`) are kept, per KB."""
_per_kb: dict[int, tuple[KB, dict[Any, str]]] = {}
"""The lines of a card that come from the KB alone, by the KB they come from: the same
few come back on every card."""


def _kb_lines(kb: KB) -> dict[Any, str]:
    kept = _per_kb.get(id(kb))
    if kept is None or kept[0] is not kb:
        kept = (kb, {})
        _per_kb.clear()
        _per_kb[id(kb)] = kept
    return kept[1]


def _finding_head(kb: KB, f: Finding, lang: str) -> str:
    """A finding's line up to its evidence: its concept, effect, certainty and reason, all
    of them the KB's words (kept per KB)."""
    lines = _kb_lines(kb)
    key = (f.concept, f.effect, f.certainty == "present", f.reason, lang)
    head = lines.get(key)
    if head is None:
        name = markdown_escape(concept_name(kb, f.concept, lang))
        head = f"- **{name}: {effect_text(f.effect, lang)}**"
        if f.certainty != "present":
            head += f" ({_t(lang)['unknown_finding']})"
        head += f": {markdown_escape(f.reason)}"
        if len(lines) >= _HEADS_KEPT:
            lines.clear()
        lines[key] = head
    return head


def _source_line(kb: KB, sid: str, lang: str) -> str:
    """A KB source's line in the Sources section, without its number (kept per KB)."""
    lines = _kb_lines(kb)
    key = ("source", sid, lang)
    line = lines.get(key)
    if line is None:
        src = kb.sources[sid]
        line = _source_text(src.title_in(lang), src.citation or None, src.url or None)
        lines[key] = line
    return line


def detail_markdown(
    screening: Screening, unread: Sequence[str] = (), partly: Sequence[str] = ()
) -> str:
    """The card's detail: findings, missing data, the kinds of record not read
    (``unread``, FHIR resource types) or read only in part (``partly``) and sources, in
    GFM Markdown."""
    t = _t(screening.lang)
    lang, kb = screening.lang, screening.kb
    lines = [
        f"**{t['verdict']}:** {verdict_text(screening.verdict, lang)} · **{t['indicated']}:** "
        f"{yes_no(screening.indicated.to_optional(), lang)} · {t['as_of']} "
        f"{day_text(screening.as_of, lang)} · {t['kb']} {markdown_escape(screening.kb_version)}",
        "",
        f"### {t['findings']}",
        "",
    ]
    counted = [f for f in screening.findings if f.effect != "allowed"]
    if not counted:
        lines.append(t["no_findings"])
    source_ids: list[str] = []
    for f in counted:
        line = _finding_head(kb, f, lang)
        if f.settled is not None and f.settled.decision == "cleared":
            clearance = f.settled.clearance
            by = record_words(clearance.by, lang) if clearance.by else None
            line += f" — {t['cleared']} {markdown_escape(by or day_text(clearance.when, lang))}"
            if f.settled.until is not None:
                line += f" ({t['until'] % {'day': day_text(f.settled.until, lang)}})"
        if f.evidence:
            line += f" — {t['evidence']}: " + "; ".join(
                [markdown_escape(evidence_text(e, lang, noted=True, kb=kb)) for e in f.evidence[:4]]
            )
        level = rule_level_text(kb, f.rule, lang)
        if level:  # the finding's own, beside the sources it cites
            line += f" ({markdown_escape(level)})"
        if f.sources:
            refs = []
            for sid in f.sources:
                if sid not in source_ids:
                    source_ids.append(sid)
                refs.append(f"[{source_ids.index(sid) + 1}]")
            line += " " + "".join(refs)
        lines.append(line)
    if screening.missing:
        lines += ["", f"### {t['missing_data']}", ""]
        for m in screening.missing:
            lines.append(f"- **{markdown_escape(m.label)}**: {markdown_escape(m.why)}")
    # what the record holds that could not be read (a document that is only a link, a
    # PDF, an entry of a shape that cannot be read): the chart has it
    entries = [n.label for n in screening.not_used() if n.kind == "set_aside"]
    lines += _not_read_lines(t["not_read"], unread, partly, lang, entries)
    if source_ids:
        lines += ["", f"### {t['sources']}", ""]
        for number, sid in enumerate(source_ids, start=1):
            lines.append(f"[{number}] " + _source_line(kb, sid, lang))
    return "\n".join(lines).rstrip() + "\n"


NOT_READ_LISTED = 5
"""How many of the record's entries that could not be read a card lists (the rest counted)."""


def _not_read_lines(
    heading: str,
    unread: Sequence[str],
    partly: Sequence[str],
    lang: str,
    entries: Sequence[str] = (),
) -> list[str]:
    """The card's lines on the kinds of record not read, or read only in part, and the
    entries the record holds that could not be read."""
    said = [not_read_text(unread, lang)] if unread else []
    said += [partly_read_text(partly, lang)] if partly else []
    if not said and not entries:
        return []
    lines = ["", f"### {heading}", *(line for text in said for line in ("", markdown_escape(text)))]
    if entries:
        lines.append("")
        lines += [f"- {markdown_escape(label)}" for label in entries[:NOT_READ_LISTED]]
        rest = len(entries) - NOT_READ_LISTED
        if rest > 0:
            more = plural(lang, "and %(n)s more entry", "and %(n)s more entries", rest)
            lines.append(f"- {markdown_escape(more % {'n': rest})}")
    return lines


@lru_cache(maxsize=1024)
def _source_text(title: str, citation: str | None, url: object) -> str:
    """A KB source as one Markdown line (the same few sources come back on every card)."""
    text = markdown_escape(title)
    if citation:
        text += f". {markdown_escape(citation)}"
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        text += f" <{url.replace('>', '%3E').replace(' ', '%20')}>"
    return text


def _primary_source(screening: Screening, base_url: str) -> dict[str, Any]:
    label = f"spinecare ({_t(screening.lang)['kb']} {screening.kb_version})"
    source: dict[str, Any] = {"label": label, "url": base_url.rstrip("/") + "/"}
    for f in screening.findings:
        if not (f.counts and f.effect == screening.verdict and f.sources):
            continue
        linked = [
            src
            for src in screening.source_json(f.sources)
            if str(src.get("url", "")).startswith(("https://", "http://"))
        ]
        if linked:
            title = screening.kb.sources[linked[0]["id"]].title_in(screening.lang)
            source = {"label": _label(f"spinecare: {title}"), "url": linked[0]["url"]}
        break
    source["topic"] = _topic(screening.lang)
    return source


def _label(text: str, limit: int = 120) -> str:
    """A source's label cut to ``limit`` characters, never inside a bracket: a title cut
    where a bracket it opened is still open ends before that bracket. (The finding's
    evidence level is the card's detail's, not the source's: it is not in the label.)"""
    cut = _shorten(text, limit)
    if cut == text:
        return cut
    opened: list[int] = []
    for at, char in enumerate(cut):
        if char == "(":
            opened.append(at)
        elif char == ")" and opened:
            opened.pop()
    if opened:  # before the first bracket left open
        cut = cut[: opened[0]].rstrip(",;:.-– ") + "…"
    return cut


def _topic(lang: str) -> dict[str, str]:
    """A card's topic, named in ``lang``."""
    return {
        "system": SPINECARE_TOPIC_SYSTEM,
        "code": "massage-screening",
        "display": _t(lang)["topic"],
    }


def _resource_ref(resource: Mapping[str, Any]) -> str | None:
    rid = resource.get("id")
    kind = resource.get("resourceType")
    if isinstance(rid, str) and rid and isinstance(kind, str):
        return f"{kind}/{rid}"
    return None


NEUROLOGY_CLEARS = frozenset({"disc_herniation"})
"""The findings a neurology consultation clears (the KB's rule: "a neurologist or physician
must confirm that massage is indicated"; the concept ``neurology_referral``). Any other
finding to clear (heart disease, blood thinners, pregnancy, raised blood pressure) is for
"a physician": the card proposes a physician's review, with no specialty."""


def _to_clear(screening: Screening) -> list[Finding]:
    """The present findings a physician must clear, not cleared yet."""
    return [
        f
        for f in screening.findings
        if f.effect == "needs_clearance" and f.certainty == "present" and f.counts
    ]


def _neurology(screening: Screening) -> bool:
    """Whether a neurology consultation clears every finding to clear."""
    concepts = {f.concept for f in _to_clear(screening)}
    return bool(concepts) and concepts <= NEUROLOGY_CLEARS


def _referral_request(screening: Screening, patient_id: str) -> dict[str, Any]:
    """The draft request a needs_clearance card proposes: a neurology consultation where
    it clears every finding (:data:`NEUROLOGY_CLEARS`), else a physician's review (words
    only: the KB names no code for it)."""
    t = _t(screening.lang)
    coding = order_value_set()["referral"]
    reasons = [{"text": f.reason} for f in _to_clear(screening)]
    request: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "proposal",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://snomed.info/sct",
                        "code": "3457005",
                        "display": "Patient referral",
                    }
                ]
            }
        ],
        "code": {"text": t["review_text"]},
        "subject": {"reference": f"Patient/{patient_id}"},
        "authoredOn": screening.as_of.isoformat(),
    }
    if _neurology(screening):
        request["code"] = {
            "coding": [
                {
                    "system": coding["system"],
                    "code": str(coding["code"]),
                    "display": coding["display"],
                }
            ],
            "text": t["refer_text"],
        }
    if reasons:
        request["reasonCode"] = reasons
    return request


def patient_links(base_url: str, app_patient_id: int | None, lang: str) -> list[dict[str, Any]]:
    """The card's link: the spinecare patient (its own id), or, when the EHR's patient is
    not known to spinecare, a SMART launch link (the EHR adds ``iss`` and ``launch``)."""
    t = _t(lang)
    base = base_url.rstrip("/")
    if app_patient_id is not None:
        url = f"{base}/patients/{app_patient_id}"
        return [{"label": t["open"], "url": url, "type": "absolute"}]
    return [{"label": t["launch"], "url": f"{base}/launch", "type": "smart"}]


def screening_cards(
    screening: Screening,
    *,
    base_url: str,
    hook: str = "patient-view",
    draft_orders: Sequence[Mapping[str, Any]] = (),
    patient_id: str | None = None,
    app_patient_id: int | None = None,
    another_person: bool = False,
    unread: Sequence[str] = (),
    partly: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """The cards for one screening (one card; suggestions as the hook allows).

    ``patient_id`` is the patient's id in the EHR (in the suggested resources);
    ``app_patient_id`` spinecare's own patient for it, when one is known; ``unread`` the
    kinds of record (FHIR resource types) the EHR did not give, ``partly`` those it gave
    only the latest entries of (a search's first page), named on the card; a card so
    made is never only for information (an older entry may decide). ``another_person``:
    the chart spinecare holds under the EHR's id is another person's; the card links to no
    chart and says why."""
    t = _t(screening.lang)
    patient_id = patient_id or screening.patient_id
    indicator = indicator_for(screening.verdict)
    if partly and indicator == "info":
        indicator = "warning"
    card: dict[str, Any] = {
        "uuid": card_uuid(),
        "summary": summary_for(screening),
        "indicator": indicator,
        "detail": detail_markdown(screening, unread, partly),
        "source": _primary_source(screening, base_url),
        "links": patient_links(base_url, app_patient_id, screening.lang),
    }
    if another_person:
        card["detail"] += f"\n{t['another']}\n"
        card["links"] = []
    suggestions: list[dict[str, Any]] = []
    if hook == "order-sign" and screening.verdict in BLOCKING:
        actions = []
        for order in draft_orders:
            ref = _resource_ref(order)
            if ref is None:
                continue
            actions.append(
                {
                    "type": "delete",
                    "description": t["delete_one"]
                    % {"verdict": verdict_text(screening.verdict, screening.lang)},
                    "resourceId": ref,
                }
            )
        if actions:
            suggestions.append(
                {
                    "label": t["delete"],
                    "uuid": card_uuid(),
                    "isRecommended": True,
                    "actions": actions,
                }
            )
    if screening.verdict == "needs_clearance":
        neurology = _neurology(screening)
        suggestions.append(
            {
                "label": t["refer" if neurology else "review"],
                "uuid": card_uuid(),
                "isRecommended": True,
                "actions": [
                    {
                        "type": "create",
                        "description": t["refer_action" if neurology else "review_action"],
                        "resource": _referral_request(screening, patient_id),
                    }
                ],
            }
        )
    if suggestions:
        card["suggestions"] = suggestions
        card["selectionBehavior"] = "at-most-one"
    if indicator != "info":
        card["overrideReasons"] = [
            {"system": OVERRIDE_REASON_SYSTEM, "code": code, "display": t[key]}
            for code, key in OVERRIDE_REASONS
        ]
    return [card]
