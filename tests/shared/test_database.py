"""The database pool: a shutdown is never held up by a connection a task forgot to release."""

import asyncio

from shared.database import Database


async def test_close_ends_even_with_a_connection_still_held(database: str) -> None:
    db = await Database.connect(database, min_size=1, max_size=2)
    await db.pool.acquire()
    started = asyncio.get_running_loop().time()
    await db.close(timeout=0.5)
    assert asyncio.get_running_loop().time() - started < 5
    assert db.pool._closed  # type: ignore[attr-defined]
