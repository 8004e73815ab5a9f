"""Rate limits: exact over a sliding window, shared by replicas (two pools racing never admit
more than the limit), counted even when the caller rolls back, keys stored only as SHA-256,
old rows forgotten, and a refusal answers 429 with Retry-After as problem+json."""

import asyncio
import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from aiohttp import web

from shared.database import KIT_MIGRATIONS, Database, migrate
from shared.errors import TooManyRequests
from shared.http.problems import problems
from shared.ratelimit import Limit, delete_expired, hit, recent, retry_after
from tests.support.services import serve

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
async def db(database: str) -> AsyncIterator[Database]:
    await migrate(database, [("kit", KIT_MIGRATIONS)])
    pool = await Database.connect(database, min_size=1, max_size=10)
    yield pool
    await pool.close()


async def admitted(db: Database, limit: Limit, key: str, times: int) -> int:
    results = await asyncio.gather(
        *(hit(db, limit, key) for _ in range(times)), return_exceptions=True
    )
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, TooManyRequests):
            raise result
    return sum(result is None for result in results)


async def stored_hits(db: Database, name: str) -> int:
    async with db.transaction() as conn:
        return await conn.fetchval(
            "SELECT coalesce(sum(cardinality(hits)), 0) FROM rate_limits WHERE name = $1", name
        )


def test_only_hits_inside_the_window_count() -> None:
    limit = Limit("t", count=2, seconds=10)
    assert recent([at(5), at(0), at(9)], limit, at(10)) == [at(5), at(9)]
    assert recent([at(0)], limit, at(10.5)) == []


def test_the_wait_is_until_enough_hits_leave_the_window() -> None:
    limit = Limit("t", count=2, seconds=10)
    assert retry_after([at(9)], limit, at(10)) == 0
    assert retry_after([at(5), at(9)], limit, at(10)) == 5
    assert retry_after([at(5), at(9)], limit, at(14.2)) == 1  # 0.8 s, rounded up
    assert retry_after([at(1), at(5), at(9)], Limit("t", count=3, seconds=10), at(10)) == 1


def test_a_limit_that_admits_nothing_is_refused() -> None:
    for count, seconds in ((0, 10), (1, 0)):
        with pytest.raises(ValueError, match="count must be"):
            Limit("t", count=count, seconds=seconds)


async def test_hits_beyond_the_count_are_refused_with_the_wait(db: Database) -> None:
    limit = Limit("magic_link.address", count=3, seconds=60)
    for _ in range(3):
        await hit(db, limit, "ann@example.com")
    with pytest.raises(TooManyRequests) as refused:
        await hit(db, limit, "ann@example.com")
    assert 59 <= refused.value.retry_after <= 60
    await hit(db, limit, "bob@example.com")  # another key has its own window
    await hit(db, Limit("eid.number", count=3, seconds=60), "ann@example.com")  # another limit


async def test_the_window_slides(db: Database) -> None:
    limit = Limit("t.slide", count=2, seconds=1.0)
    await hit(db, limit, "k")
    await asyncio.sleep(0.6)
    await hit(db, limit, "k")
    with pytest.raises(TooManyRequests) as refused:
        await hit(db, limit, "k")
    assert refused.value.retry_after == 1
    await asyncio.sleep(0.5)  # the first hit has left the window, the second has not
    await hit(db, limit, "k")
    with pytest.raises(TooManyRequests):
        await hit(db, limit, "k")


async def test_refused_hits_are_not_counted(db: Database) -> None:
    limit = Limit("t.refused", count=1, seconds=1.0)
    await hit(db, limit, "k")
    await asyncio.sleep(0.6)
    with pytest.raises(TooManyRequests):
        await hit(db, limit, "k")
    await asyncio.sleep(0.5)  # past the admitted hit's window, inside the refused one's
    await hit(db, limit, "k")


async def test_two_replicas_racing_never_admit_more_than_the_count(
    db: Database, database: str
) -> None:
    other = await Database.connect(database, min_size=1, max_size=10)
    limit = Limit("t.race", count=7, seconds=60)
    try:
        counts = await asyncio.gather(admitted(db, limit, "k", 40), admitted(other, limit, "k", 40))
    finally:
        await other.close()
    assert sum(counts) == 7
    assert await stored_hits(db, limit.name) == 7


async def test_a_hit_stands_when_the_callers_transaction_rolls_back(db: Database) -> None:
    limit = Limit("t.rollback", count=1, seconds=60)

    async def fail_after_the_hit() -> None:
        async with db.transaction() as conn:
            await hit(db, limit, "k")
            await conn.execute("SELECT 1/0")

    with pytest.raises(asyncpg.DivisionByZeroError):
        await fail_after_the_hit()
    with pytest.raises(TooManyRequests):
        await hit(db, limit, "k")


async def test_only_a_hash_of_the_key_is_stored(db: Database) -> None:
    key = "19121212-1212"
    await hit(db, Limit("eid.number", count=5, seconds=60), key)
    async with db.transaction() as conn:
        rows = await conn.fetch("SELECT key_sha256, rate_limits::text AS whole FROM rate_limits")
    assert [r["key_sha256"] for r in rows] == [hashlib.sha256(key.encode()).digest()]
    assert key not in rows[0]["whole"]


async def test_rows_whose_window_has_passed_are_deleted(db: Database) -> None:
    short, long = Limit("t.short", count=5, seconds=0.2), Limit("t.long", count=5, seconds=60)
    await hit(db, short, "k")
    await hit(db, long, "k")
    await asyncio.sleep(0.3)
    async with db.transaction() as conn:
        await delete_expired(conn)
        names = await conn.fetch("SELECT name FROM rate_limits")
    assert [r["name"] for r in names] == ["t.long"]
    await hit(db, short, "k")  # and the forgotten key starts afresh


async def test_a_refusal_through_http_is_429_with_retry_after(db: Database) -> None:
    limit = Limit("t.http", count=2, seconds=30)

    async def send_link(request: web.Request) -> web.Response:
        await hit(db, limit, request.query["email"])
        return web.Response(status=204)

    app = web.Application(middlewares=[problems])
    app.router.add_post("/links", send_link)
    async with serve(app) as running:
        for _ in range(2):
            async with running.http.post("/links", params={"email": "ann@example.com"}) as r:
                assert r.status == 204
        async with running.http.post("/links", params={"email": "ann@example.com"}) as r:
            assert r.status == 429
            assert r.content_type == "application/problem+json"
            assert 29 <= int(r.headers["Retry-After"]) <= 30
            body = await r.json()
    assert body["status"] == 429
    assert body["title"] == "Too many requests"
