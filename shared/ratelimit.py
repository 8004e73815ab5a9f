"""Rate limits shared by every replica of a service: at most `count` hits per key within any
`seconds` (a sliding window, exact rather than a counter per fixed window, which would admit
twice the count across a window's edge).

Each hit is counted in its own short transaction on the service's own database, so it stands
even when the caller's transaction rolls back, and every replica sees the same count. The row of
a (limit, key) is locked while it is read and written, so concurrent hits from any number of
replicas queue on it and never admit more than the limit. A refused hit is not counted: a
stranger who keeps knocking delays nobody beyond the window. The clock is the database's, the
one clock every replica shares.

Keys are personal data (emails, personal numbers, addresses): only their SHA-256 is stored, and
only while the window holds a hit. The caller normalises a key (e.g. a lower-cased email).
"""

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.database import Connection, Database
from shared.errors import TooManyRequests


@dataclass(frozen=True)
class Limit:
    name: str  # what is limited, e.g. "magic_link.address"
    count: int  # at most this many hits ...
    seconds: float  # ... within this many seconds

    def __post_init__(self) -> None:
        if self.count < 1 or self.seconds <= 0:
            raise ValueError(f"limit {self.name}: count must be >= 1 and seconds > 0")

    @property
    def window(self) -> timedelta:
        return timedelta(seconds=self.seconds)


def recent(hits: Sequence[datetime], limit: Limit, now: datetime) -> list[datetime]:
    """The hits still inside the window that ends now, oldest first."""
    return sorted(h for h in hits if h > now - limit.window)


def retry_after(recent_hits: Sequence[datetime], limit: Limit, now: datetime) -> int:
    """Whole seconds until one more hit is allowed; 0 if it is allowed now."""
    if len(recent_hits) < limit.count:
        return 0
    # The window frees a place when the hit `count` places back from the newest leaves it.
    frees_at = recent_hits[-limit.count] + limit.window
    return max(1, math.ceil((frees_at - now).total_seconds()))


async def hit(db: Database, limit: Limit, key: str) -> None:
    """Count one hit for (limit, key), or raise TooManyRequests if the window is full."""
    digest = hashlib.sha256(key.encode()).digest()
    async with db.transaction() as conn:
        hits, now = await _lock(conn, limit.name, digest)
        kept = recent(hits, limit, now)
        wait = retry_after(kept, limit, now)
        if wait:
            raise TooManyRequests("Too many requests; try again later.", retry_after=wait)
        await _record(conn, limit.name, digest, [*kept, now], now + limit.window)


async def _lock(conn: Connection, name: str, digest: bytes) -> tuple[list[datetime], datetime]:
    """Lock the row of (name, key), made if new, and read its hits with the time after the lock
    was granted (a hit that waited for it is counted at the time it got it)."""
    row = await conn.fetchrow(
        """INSERT INTO rate_limits (name, key_sha256, hits, expires_at)
           VALUES ($1, $2, '{}', clock_timestamp())
           ON CONFLICT (name, key_sha256) DO UPDATE SET hits = rate_limits.hits
           RETURNING hits, clock_timestamp() AS now""",
        name,
        digest,
    )
    return row["hits"], row["now"]


async def _record(
    conn: Connection, name: str, digest: bytes, hits: list[datetime], expires_at: datetime
) -> None:
    await conn.execute(
        "UPDATE rate_limits SET hits = $3, expires_at = $4 WHERE name = $1 AND key_sha256 = $2",
        name,
        digest,
        hits,
        expires_at,
    )


async def delete_expired(conn: Connection) -> None:
    """Forget every (limit, key) whose last hit has left its window."""
    await conn.execute("DELETE FROM rate_limits WHERE expires_at < now()")
