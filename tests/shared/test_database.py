"""The database pool: a shutdown is never held up by a connection a task forgot to release."""

import asyncio

import asyncpg
import pytest

from shared.database import Database
from tests.support.infra import ADMIN_DSN


async def test_close_ends_even_with_a_connection_still_held(database: str) -> None:
    db = await Database.connect(database, min_size=1, max_size=2)
    await db.pool.acquire()
    started = asyncio.get_running_loop().time()
    await db.close(timeout=0.5)
    assert asyncio.get_running_loop().time() - started < 5
    assert db.pool._closed  # type: ignore[attr-defined]


# A retry that forgot to await the pool's expiry left the dead connections in it.
@pytest.mark.filterwarnings(
    "error::RuntimeWarning", "error::pytest.PytestUnraisableExceptionWarning"
)
async def test_transactions_go_on_after_every_backend_was_terminated(database: str) -> None:
    """Found by the fault tests: after pg_terminate_backend, BEGIN on a pooled connection
    sometimes fails with asyncpg's InternalClientError rather than a connection error; it
    must be retried on a fresh connection like one, not end in a 500."""
    db = await Database.connect(database, min_size=5, max_size=5)
    name = database.rsplit("/", 1)[1]
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        for _ in range(20):
            await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = $1", name,
            )  # fmt: skip
            answers = await asyncio.gather(*(_one(db) for _ in range(5)))
            assert answers == [1] * 5
    finally:
        await admin.close()
        await db.close()


async def _one(db: Database) -> int:
    async with db.transaction() as conn:
        return int(await conn.fetchval("SELECT 1"))
