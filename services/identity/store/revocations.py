"""Every access token of a person at a firm revoked up to a time (staff removed, portal
access off), kept a day for replicas catching up (shared/revocation.py)."""

from datetime import datetime
from uuid import UUID

from shared.database import Connection
from shared.events.identity import RevokedTokens


async def insert_token_revocation(conn: Connection, firm_id: UUID, person_id: UUID) -> datetime:
    """Revokes the person's tokens issued up to now (the clock, not the transaction's start: a
    sign-in that raced this one is covered), and returns that time."""
    return await conn.fetchval(
        """INSERT INTO token_revocations (firm_id, person_id, issued_before)
           VALUES ($1, $2, clock_timestamp()) RETURNING issued_before""",
        firm_id,
        person_id,
    )


async def list_token_revocations(conn: Connection, since: datetime) -> list[RevokedTokens]:
    """Across firms by design: what every replica must know, whatever firm it serves."""
    rows = await conn.fetch(
        """SELECT firm_id, person_id, issued_before FROM token_revocations
           WHERE issued_before >= $1""",
        since,
    )
    return [RevokedTokens(**row) for row in rows]


async def delete_old_token_revocations(conn: Connection) -> None:
    """Across firms by design: housekeeping; a day is far longer than any token lives."""
    await conn.execute(
        "DELETE FROM token_revocations WHERE issued_before < now() - interval '1 day'"
    )
