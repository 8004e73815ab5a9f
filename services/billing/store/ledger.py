"""The ledger: every movement of a firm's storage and credits, newest first when listed."""

from datetime import datetime
from uuid import UUID

from services.billing.models import LedgerEntry
from shared.database import Connection


async def insert_ledger(
    conn: Connection,
    firm_id: UUID,
    now: datetime,
    kind: str,
    *,
    key: str | None = None,
    bytes_: int = 0,
    credits: int = 0,
) -> None:
    await conn.execute(
        """INSERT INTO ledger (firm_id, at, kind, key, bytes, credits)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        firm_id, now, kind, key, bytes_, credits,
    )  # fmt: skip


async def list_ledger(
    conn: Connection, firm_id: UUID, before: int | None, limit: int
) -> list[LedgerEntry]:
    rows = await conn.fetch(
        """SELECT id, at, kind, key, bytes, credits FROM ledger
           WHERE firm_id = $1 AND ($2::bigint IS NULL OR id < $2)
           ORDER BY id DESC LIMIT $3""",
        firm_id, before, limit,
    )  # fmt: skip
    return [LedgerEntry(**r) for r in rows]
