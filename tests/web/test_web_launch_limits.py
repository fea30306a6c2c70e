"""``GET /launch`` takes no sign-in (an EHR opens it): launches are limited per client
address (429 with ``Retry-After``, the one error shape), and the EHR's SMART
configuration is read once for many launches. The cap on launches under way, which the
store keeps, is tested on SQLite and PostgreSQL in tests/store/test_clinic_layer.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import HTML, JSON

ISS = "https://ehr.example.org/fhir"


@pytest.fixture
def launch_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, list[str]]]:
    """The app with one EHR configured, whose SMART configuration read is counted."""
    from spinecare.app import create_app
    from spinecare.fhir.smart import SmartEndpoints
    from spinecare.settings import Settings
    from spinecare.web import smart as smart_web

    ehrs = tmp_path / "smart-ehrs.json"
    ehrs.write_text(json.dumps({"ehrs": [{"iss": ISS, "client_id": "c", "clinic": "Demo"}]}))
    reads: list[str] = []

    async def discover(ehr: Any) -> SmartEndpoints:
        reads.append(ehr.iss)
        return SmartEndpoints("https://ehr.example.org/authorize", "https://ehr.example.org/t")

    monkeypatch.setattr(smart_web, "discover", discover)
    settings = Settings(
        environment="test",
        db_url=f"sqlite:///{tmp_path / 'app.sqlite'}",
        base_url="https://spinecare.example.org",
        smart_ehrs=str(ehrs),
    )
    app = create_app(settings)
    yield app, reads
    app.state.db.dispose()


def _client(app: Any, address: str) -> TestClient:
    # the public address's host: another is refused
    return TestClient(app, base_url="https://spinecare.example.org", client=(address, 50000))


def test_launches_are_limited_per_address(launch_app: tuple[Any, list[str]]) -> None:
    from spinecare.clinic.launches import LAUNCH_BURST, launch_rate

    app, reads = launch_app
    app.state.launch_rate = rate = launch_rate()
    rate.clock = lambda: 0.0  # no refill while the test runs, however slowly
    one, other = _client(app, "203.0.113.7"), _client(app, "203.0.113.8")
    for _ in range(LAUNCH_BURST):
        r = one.get("/launch", params={"iss": ISS}, follow_redirects=False)
        assert r.status_code == 302
    refused = one.get("/launch", params={"iss": ISS}, headers=JSON, follow_redirects=False)
    assert refused.status_code == 429, refused.text[:300]
    assert refused.json()["error"]["code"] == "too_many_requests"
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["x-content-type-options"] == "nosniff"
    page = one.get(
        "/launch",
        params={"iss": "https://unknown.example/fhir"},
        headers=HTML,
        follow_redirects=False,
    )
    assert page.status_code == 429 and "retry-after" in page.headers  # before the EHR is known
    assert other.get("/launch", params={"iss": ISS}, follow_redirects=False).status_code == 302
    assert reads == [ISS]  # the configuration was read once for every launch


@pytest.mark.parametrize(
    ("burst", "per_second", "takes", "waits"),
    [
        (2, 1.0, [0.0, 0.0, 0.0], [0, 0, 1.0]),  # the third at once waits a second
        (2, 1.0, [0.0, 0.0, 0.5], [0, 0, 0.5]),  # half refilled: half a second more
        (2, 0.5, [0.0, 0.0, 2.0, 2.0], [0, 0, 0, 2.0]),  # refilled one, then two seconds
        (1, 1.0, [0.0, 10.0, 10.0], [0, 0, 1.0]),  # never more than the burst is saved
    ],
)
def test_a_rate_limit_refills(
    burst: int, per_second: float, takes: list[float], waits: list[float]
) -> None:
    from spinecare.clinic.rates import RateLimit

    now = [0.0]
    rate = RateLimit(burst=burst, per_second=per_second, clock=lambda: now[0])
    got = []
    for moment in takes:
        now[0] = moment
        got.append(rate.take("a"))
    assert got == pytest.approx(waits)
    assert rate.take("b") == 0  # another key has its own bucket


def test_a_rate_limit_keeps_a_bounded_number_of_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    from spinecare.clinic import rates

    monkeypatch.setattr(rates, "MAX_KEYS", 4)
    now = [0.0]
    rate = rates.RateLimit(burst=1, per_second=0.001, clock=lambda: now[0])
    for n in range(10):  # many addresses, none quiet long enough to be full again
        now[0] = float(n)
        assert rate.take(f"k{n}") == 0
        assert len(rate._buckets) <= 4
    assert rate.take("k9") > 0  # the most recent are still counted
