"""Courses and sessions built from the demo intake files, for the report tests."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from spinecare.core import plan
from spinecare.engine.course import Course, Session, start_course

DEMO = "spinecare/demo/"
START = date(2026, 11, 23)


def make_course(kb, name: str = "01-sokolova-cervical-osteochondrosis", **kw) -> Course:
    p = plan(f"{DEMO}{name}.yaml", "2026-11-20", kb=kb)
    assert p.status == "ready"
    return start_course(p, start=START, kb=kb, **kw)


def make_sessions(n: int, seed: int = 1) -> list[Session]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        pre = max(0, min(10, 7 - i // 10 + rnd.randint(-1, 1)))
        post = max(0, pre - rnd.randint(0, 2))
        out.append(
            Session(
                day=START + timedelta(days=2 * i),
                pre_pain=pre,
                post_pain=post,
                minutes=15,
                techniques={"collar_zone": ["stroking", "kneading"]},
                adverse_event="bruising" if i == n // 3 else None,
            )
        )
    return out


@pytest.fixture(scope="session")
def cervical_course(kb) -> Course:
    return make_course(kb)


@pytest.fixture(scope="session")
def long_course(kb) -> Course:
    return make_course(kb, sessions=60, reasons={"sessions": "benchmark: 60 sessions"})
