"""TOTP challenges: the pending state between a first factor and the code.

Across firms by design: a challenge belongs to an account, is found by its secret token, and
names the firm it waits to enter only as the context asked for."""

from typing import Any

from services.identity.models import NewChallenge
from shared.database import Connection


async def insert_challenge(conn: Connection, challenge: NewChallenge) -> None:
    await conn.execute(
        """INSERT INTO totp_challenges (token_hash, account_id, method, firm_id, client_id,
                                        expires_at)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        challenge.token_hash, challenge.account_id, challenge.method, challenge.firm_id,
        challenge.client_id, challenge.expires_at,
    )  # fmt: skip


async def lock_challenge(conn: Connection, token_hash: bytes, most: int) -> dict[str, Any] | None:
    """A live challenge with tries left, locked against a racing code; None otherwise."""
    row = await conn.fetchrow(
        """SELECT account_id, method, firm_id, client_id FROM totp_challenges
           WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() AND attempts < $2
           FOR UPDATE""",
        token_hash,
        most,
    )
    return dict(row) if row else None


async def count_attempt(conn: Connection, token_hash: bytes) -> None:
    await conn.execute(
        "UPDATE totp_challenges SET attempts = attempts + 1 WHERE token_hash = $1", token_hash
    )


async def use_challenge(conn: Connection, token_hash: bytes) -> None:
    await conn.execute(
        "UPDATE totp_challenges SET used_at = now() WHERE token_hash = $1", token_hash
    )
