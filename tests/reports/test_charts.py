"""Pain chart, adherence bar and zone drawing: well-formed SVG, printable, fast."""

from __future__ import annotations

import xml.etree.ElementTree as ET
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
    assert "4 of 10 sessions done; 5 due by Dec 2, 2026 (80%)" in text
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
