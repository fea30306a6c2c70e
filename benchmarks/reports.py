"""Report benchmarks: the PDF handout and the progress chart with 60 sessions.

Targets (issue 6, p95 over 100 runs): handout PDF under 1 s; the progress page with 60
sessions under 150 ms (here: the library part of that page, progress + pain chart +
adherence bar; the web page adds its template on top).

    .venv/bin/python benchmarks/reports.py [--runs 100]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from spinecare.core import plan  # noqa: E402
from spinecare.engine.course import Session, progress, start_course  # noqa: E402
from spinecare.kb.loader import load_kb  # noqa: E402
from spinecare.reports.charts import adherence_bar_svg, pain_chart_svg  # noqa: E402
from spinecare.reports.handout import Clinic, render_handout  # noqa: E402

DEMO = ROOT / "spinecare" / "demo" / "01-sokolova-cervical-osteochondrosis.yaml"
START = date(2026, 11, 23)


def measure(fn: Callable[[], object], runs: int) -> tuple[float, float, float]:
    fn()  # warm-up (font loading, imports)
    timings = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - t) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
    return statistics.median(timings), p95, timings[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    kb = load_kb()
    course = start_course(
        plan(DEMO, "2026-11-20", kb=kb),
        start=START,
        sessions=60,
        reasons={"sessions": "benchmark: 60 sessions"},
        kb=kb,
    )
    rnd = random.Random(6)
    sessions = []
    for i in range(60):
        pre = max(0, min(10, 7 - i // 10 + rnd.randint(-1, 1)))
        sessions.append(
            Session(
                day=START + timedelta(days=2 * i),
                pre_pain=pre,
                post_pain=max(0, pre - rnd.randint(0, 2)),
                minutes=15,
            )
        )
    clinic = Clinic("Клиника «Здоровая спина»", phone="+7 495 123-45-67", address="Москва")

    counter = iter(range(1_000_000))

    def handout() -> bytes:
        # A different patient name each run, so Typst's memoisation cannot reuse a result.
        name = f"Елена Соколова {next(counter)}"
        return render_handout(course, kb, lang="ru", patient_name=name, clinic=clinic, day=START)

    def progress_page() -> str:
        p = progress(course, sessions, kb, as_of=START + timedelta(days=120))
        return pain_chart_svg(p, "ru") + adherence_bar_svg(p, "ru")

    rows = [
        ("handout PDF (ru)", handout, 1000.0),
        ("progress + charts, 60 sessions", progress_page, 150.0),
    ]
    failed = False
    print(f"{'benchmark':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'target':>8}")
    for name, fn, target in rows:
        p50, p95, worst = measure(fn, args.runs)
        ok = p95 < target
        failed |= not ok
        print(
            f"{name:34} {p50:8.2f} {p95:8.2f} {worst:8.2f} {'<' + format(target, 'g'):>8}"
            f"  {'ok' if ok else 'SLOW'}"
        )
    print(f"({args.runs} runs each)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
