"""Signing keys: across firms by design, one key set signs every firm's tokens."""

from datetime import datetime, timedelta
from typing import Any

import asyncpg

from shared.database import Connection


async def list_signing_keys(conn: Connection, grace: timedelta) -> list[asyncpg.Record]:
    """Keys still published, newest first: the current one and those retired within `grace`."""
    return await conn.fetch(
        """SELECT kid, private_key, public_jwk, retired_at FROM signing_keys
           WHERE retired_at IS NULL OR retired_at > now() - $1::interval
           ORDER BY created_at DESC""",
        grace,
    )


async def get_current_key_created(conn: Connection) -> datetime | None:
    return await conn.fetchval("SELECT max(created_at) FROM signing_keys WHERE retired_at IS NULL")


async def retire_signing_keys(conn: Connection, now: datetime) -> None:
    await conn.execute("UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL", now)


async def insert_signing_key(
    conn: Connection, kid: str, sealed: bytes, jwk: dict[str, Any]
) -> None:
    await conn.execute(
        "INSERT INTO signing_keys (kid, private_key, public_jwk) VALUES ($1, $2, $3)",
        kid,
        sealed,
        jwk,
    )
