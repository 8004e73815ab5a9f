"""Secret links, kept only as the SHA-256 of their token."""

from services.signing.models import LinkRow, NewLink
from shared.database import Connection


async def insert_link(conn: Connection, new: NewLink) -> None:
    await conn.execute(
        """INSERT INTO links (token_hash, kind, party_id, signing_id, firm_id, created_at,
               expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        new.token_hash, new.kind, new.party_id, new.signing_id, new.firm_id, new.created_at,
        new.expires_at,
    )  # fmt: skip


async def get_link(conn: Connection, token_hash: bytes) -> LinkRow | None:
    """By the token alone, across firms by design: the token is the caller's credential, and
    the link names the firm its request is then loaded by."""
    record = await conn.fetchrow(
        """SELECT kind, party_id, signing_id, firm_id, expires_at FROM links
           WHERE token_hash = $1""",
        token_hash,
    )
    return LinkRow.model_validate(dict(record)) if record is not None else None
