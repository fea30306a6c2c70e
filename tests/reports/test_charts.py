"""Pain chart, adherence bar and zone drawing: well-formed SVG, printable, fast."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import timedelta

import pytest

from spinecare.engine.course import progress
from spinecare.reports.charts import adherence_bar_svg, pain_chart_svg, zone_figure_svg
from tests.reports.conftest import START, make_sessions

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_pain_chart_sixty_sessions(long_course, kb, lang):
    p = progress(long_course, make_sessions(60), kb)
    svg = pain_chart_svg(p, lang)
    root = _parse(svg)
    pre = root.findall(f".//{SVG}circle[@class='pre']")
    post = root.findall(f".//{SVG}rect[@class='post']")
    assert len(pre) == 60 and len(post) == 60
    lines = {el.get("class"): el for el in root.iter(f"{SVG}polyline")}
    assert len(lines["pre-line"].get("points").split()) == 60
    assert len(lines["post-line"].get("points").split()) == 60
    # Told apart without colour: a dash pattern on one line only.
    assert lines["post-line"].get("stroke-dasharray")
    assert not lines["pre-line"].get("stroke-dasharray")
    # The MCID is marked with its label and its source; no script.
    text = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "Ostelo" in text
    assert ("MCID" if lang == "en" else "МЗИ") in text
    assert root.find(f".//{SVG}g[@class='mcid']") is not None
    assert "<script" not in svg and "onclick" not in svg
    if lang == "ru":
        assert "Боль до и после каждого сеанса" in text


@pytest.mark.parametrize(
    ("lang", "words", "clinical"),
    [
        ("en", "an improvement you can feel", ("MCID", "clinically important")),
        ("ru", "ощутимое улучшение", ("МЗИ", "клинически значимое")),
    ],
)
def test_the_patients_chart_names_the_band_in_her_words(cervical_course, kb, lang, words, clinical):
    """The patient's own chart (no citation) says what the grey band means in plain words,
    never its clinical abbreviation."""
    p = progress(cervical_course, make_sessions(5), kb)
    root = _parse(pain_chart_svg(p, lang, cited=False))
    text = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert words in text
    assert not any(term in text for term in clinical), text
    assert "Ostelo" not in text


@pytest.mark.parametrize("cited", [True, False])
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_band_that_reaches_no_pain_does_not_say_or_less(cervical_course, kb, lang, cited):
    """A first score at or below the minimal important change: the band ends at 0, and
    no pain score is below 0 ("0 or less" was written)."""
    sessions = [replace(s, pre_pain=1, post_pain=1) for s in make_sessions(2)]
    p = progress(cervical_course, sessions, kb)
    root = _parse(pain_chart_svg(p, lang, cited=cited))
    text = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert ("0 or less" if lang == "en" else "0 и меньше") not in text
    ends = {
        ("en", True): "reaching 0 is a clinically important improvement",
        ("en", False): "Reaching 0, no pain, is an improvement you can feel",
        ("ru", True): "0 — клинически значимое улучшение",
        ("ru", False): "0, то есть боли нет, — ощутимое улучшение",
    }
    assert ends[lang, cited] in text, text


def test_pain_chart_points_follow_the_scale(cervical_course, kb):
    sessions = make_sessions(3)
    p = progress(cervical_course, sessions, kb)
    root = _parse(pain_chart_svg(p, "en", height=380))
    ys = [float(c.get("cy")) for c in root.iter(f"{SVG}circle") if c.get("class") == "pre"]
    # Higher pain is drawn higher up (smaller y).
    pres = [s.pre_pain for s in sessions]
    for i in range(len(pres) - 1):
        if pres[i] != pres[i + 1]:
            assert (pres[i] > pres[i + 1]) == (ys[i] < ys[i + 1])


def test_pain_chart_empty_and_escaping(cervical_course, kb):
    svg = pain_chart_svg(progress(cervical_course, [], kb), "en")
    root = _parse(svg)
    assert "No sessions recorded yet." in "".join(root.itertext())
    assert root.find(f".//{SVG}g[@class='mcid']") is None


def test_pain_chart_with_sixty_sessions(long_course, kb):
    """Sixty sessions draw sixty points of each line (its time: benchmarks/reports.py)."""
    svg = pain_chart_svg(progress(long_course, make_sessions(60), kb), "ru")
    root = _parse(svg)
    assert len(root.findall(f".//{SVG}circle[@class='pre']")) == 60
    assert svg == pain_chart_svg(progress(long_course, make_sessions(60), kb), "ru")


def test_adherence_bar(cervical_course, kb):
    sessions = make_sessions(4)
    p = progress(cervical_course, sessions, kb, as_of=START + timedelta(days=9))
    svg = adherence_bar_svg(p, "en")
    root = _parse(svg)
    text = "".join(root.itertext())
    assert "4 of 10 sessions done; 5 due by 2 Dec 2026 (80%)" in text
    done = root.find(f".//{SVG}rect[@class='done']")
    assert done is not None and float(done.get("width")) > 0
    assert "Соблюдение курса" in adherence_bar_svg(p, "ru")


@pytest.mark.parametrize("zones", [["collar_zone"], ["thoracic", "lumbosacral"], []])
def test_zone_figure(zones):
    svg = zone_figure_svg(zones, labels={z: z for z in zones}, title="Zone & <back>")
    root = _parse(svg)
    marked = [g.get("class") for g in root.iter(f"{SVG}g") if "zone-" in (g.get("class") or "")]
    assert marked == [f"zone zone-{z}" for z in zones]
    assert root.find(f"{SVG}title").text == "Zone & <back>"
