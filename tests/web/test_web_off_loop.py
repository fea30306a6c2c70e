"""CPU-heavy work never holds up other requests: while sign-ins are hashing passwords
and a posted document is being screened, another request is answered (checked by the
order of events, not by the clock)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from spinecare.clinic.workers import heavy_slots
from tests.web.conftest import CSRF, FIXTURES, PASSWORDS, World

BUNDLE = FIXTURES / "bundle-herniation.json"


class HeldHasher(PasswordHasher):
    """Cheap argon2id whose every hash and check waits until the test lets it go."""

    def __init__(self, release: threading.Event, started: threading.Semaphore) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.release = release
        self.started = started

    def _hold(self) -> None:
        self.started.release()
        assert self.release.wait(60), "the held work was never released"

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self._hold()
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self._hold()
        return super().verify(hash, password)


async def _acquire(started: threading.Semaphore, n: int) -> None:
    for _ in range(n):
        while not started.acquire(blocking=False):
            await asyncio.sleep(0.01)


@pytest.fixture
def held(world: World) -> Any:
    from spinecare.clinic import accounts

    release = threading.Event()
    started = threading.Semaphore(0)
    previous = accounts._hasher
    accounts.use_password_hasher(HeldHasher(release, started))
    yield release, started
    release.set()
    accounts.use_password_hasher(previous)


def _hold_screens(
    monkeypatch: pytest.MonkeyPatch, release: threading.Event, started: threading.Semaphore
) -> None:
    """Every screening of a posted document says it started, then waits to be let go."""
    import spinecare.core as core

    real_screen = core.screen

    def held_screen(*args: Any, **kwargs: Any) -> Any:
        started.release()
        assert release.wait(60)
        return real_screen(*args, **kwargs)

    monkeypatch.setattr(core, "screen", held_screen)


def test_a_request_is_answered_while_logins_hash_and_a_document_is_screened(
    world: World, held: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    release, started = held
    _hold_screens(monkeypatch, release, started)
    order: list[str] = []

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=world.app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://clinic") as client:
            page = await client.get("/login")
            token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]

            async def login(name: str) -> int:
                r = await client.post(
                    "/login",
                    data={"username": name, "password": PASSWORDS[name], "csrf_token": token},
                    headers={"accept": "application/json"},
                )
                order.append(f"login {name}")
                return r.status_code

            async def screen() -> int:
                r = await client.post("/api/screen", content=BUNDLE.read_bytes())
                order.append("screen")
                return r.status_code

            busy = [
                asyncio.create_task(login(name))
                for name in ("admin", "therapist", "physician", "patient")
            ]
            busy.append(asyncio.create_task(screen()))
            # the heavy work is under way (as much of it as the heavy-work slots allow;
            # the rest waits for a slot)
            await asyncio.wait_for(_acquire(started, min(5, heavy_slots())), 60)
            r = await asyncio.wait_for(client.get("/login"), 60)
            order.append("other request")
            assert r.status_code == 200
            release.set()
            statuses = await asyncio.wait_for(asyncio.gather(*busy), 60)
            assert statuses[:4] == [200, 200, 200, 200]
            assert statuses[4] == 200

    asyncio.run(scenario())
    assert order[0] == "other request", order
    assert sorted(order[1:]) == sorted(
        ["login admin", "login therapist", "login physician", "login patient", "screen"]
    )


def _therapist_id(world: World) -> int:
    from sqlalchemy import select

    from spinecare.store.models import User

    with world.app.state.db.session() as session:  # type: ignore[attr-defined]
        return int(session.scalar(select(User.id).where(User.username == "therapist")))


@pytest.mark.parametrize(
    ("who", "path", "data", "status"),
    [
        ("therapist", "/password", {"current": "wrong", "new": "n" * 10, "repeat": "n" * 10}, 422),
        ("admin", "/users/{therapist}/password", {}, 200),
        (
            "admin",
            "/users",
            {"username": "new-one", "password": "held-while-hashing-1", "role": "therapist"},
            201,
        ),
    ],
)
def test_a_request_is_answered_while_a_password_is_hashed(
    world: World, who: str, path: str, data: dict[str, str], status: int
) -> None:
    """Changing one's own password, an admin's reset and a new user hash with argon2: in
    a worker thread too, so that posting them (a wrong current password again and again)
    cannot hold up the server."""
    from spinecare.clinic import accounts
    from tests.web.conftest import csrf_of, login

    signed_in = login(world.client(), who, PASSWORDS[who])
    token = csrf_of(signed_in, "/password")
    cookies = dict(signed_in.cookies)
    target = path.format(therapist=_therapist_id(world))
    release = threading.Event()
    started = threading.Semaphore(0)
    previous = accounts._hasher
    accounts.use_password_hasher(HeldHasher(release, started))
    order: list[str] = []

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=world.app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(
            transport=transport, base_url="http://clinic", cookies=cookies
        ) as client:

            async def hashing() -> int:
                r = await client.post(
                    target,
                    data=data,
                    headers={"accept": "application/json", "x-csrf-token": token},
                )
                order.append("hashing")
                return r.status_code

            busy = asyncio.create_task(hashing())
            await asyncio.wait_for(_acquire(started, 1), 60)
            r = await asyncio.wait_for(client.get("/login"), 60)
            order.append("other request")
            assert r.status_code == 200
            release.set()
            assert await asyncio.wait_for(busy, 60) == status

    try:
        asyncio.run(scenario())
    finally:
        release.set()
        accounts.use_password_hasher(previous)
    assert order == ["other request", "hashing"]


def test_a_sign_in_is_not_held_up_by_documents_posted_without_signing_in(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anonymous documents (``/api/screen``) fill their own heavy-work slots: a correct
    sign-in is answered while every one of them is held (before, it waited for them all)."""
    release = threading.Event()
    started = threading.Semaphore(0)
    _hold_screens(monkeypatch, release, started)

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=world.app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://clinic") as client:
            page = await client.get("/login")
            token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
            flood = [
                asyncio.create_task(client.post("/api/screen", content=BUNDLE.read_bytes()))
                for _ in range(heavy_slots() + 2)
            ]
            await asyncio.wait_for(_acquire(started, heavy_slots()), 60)
            signed = await asyncio.wait_for(
                client.post(
                    "/login",
                    data={
                        "username": "therapist",
                        "password": PASSWORDS["therapist"],
                        "csrf_token": token,
                    },
                    headers={"accept": "application/json"},
                ),
                60,
            )
            assert signed.status_code == 200
            assert not any(task.done() for task in flood)
            release.set()
            assert [r.status_code for r in await asyncio.gather(*flood)] == [200] * len(flood)

    asyncio.run(scenario())
