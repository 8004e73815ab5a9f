"""What every benchmark needs: a fresh database and bus namespace on the local servers."""

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


@asynccontextmanager
async def scratch_database(prefix: str) -> AsyncIterator[str]:
    """A database that exists for the benchmark only."""
    name = f"bench_{prefix}_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def namespace(prefix: str) -> str:
    return f"bench-{prefix}-{secrets.token_hex(4)}."


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
