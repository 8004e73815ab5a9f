"""Secret links, kept only as the SHA-256 of their token."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shared.database import Connection

Kind = Literal["sign", "copy"]


class LinkRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Kind
    party_id: UUID
    signing_id: UUID
    firm_id: UUID
    expires_at: datetime


async def insert_link(
    conn: Connection,
    token_hash: bytes,
    kind: Kind,
    party_id: UUID,
    signing_id: UUID,
    firm_id: UUID,
    at: datetime,
    expires_at: datetime,
) -> None:
    await conn.execute(
        """INSERT INTO links (token_hash, kind, party_id, signing_id, firm_id, created_at,
               expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        token_hash, kind, party_id, signing_id, firm_id, at, expires_at,
    )  # fmt: skip


async def get_link(conn: Connection, token_hash: bytes) -> LinkRow | None:
    record = await conn.fetchrow(
        """SELECT kind, party_id, signing_id, firm_id, expires_at FROM links
           WHERE token_hash = $1""",
        token_hash,
    )
    return LinkRow.model_validate(dict(record)) if record is not None else None
