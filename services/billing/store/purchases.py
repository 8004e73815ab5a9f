"""What a firm buys: credit packs and storage blocks, and the keys that make a purchase
happen once however often it is sent; the statement reads them back by month."""

from datetime import datetime
from uuid import UUID

from services.billing.models import KeyedPurchaseRow, NewBlockChange, NewCreditPurchase, PurchaseRow
from shared.database import Connection


async def insert_credit_purchase(conn: Connection, purchase: NewCreditPurchase) -> None:
    await conn.execute(
        """INSERT INTO credit_purchases
               (id, firm_id, pack, credits, price_ore, purchased_at, purchased_by,
                idempotency_key)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        purchase.id, purchase.firm_id, purchase.pack, purchase.credits, purchase.price_ore,
        purchase.purchased_at, purchase.purchased_by, purchase.idempotency_key,
    )  # fmt: skip


async def get_keyed_purchase(conn: Connection, firm_id: UUID, key: str) -> KeyedPurchaseRow | None:
    row = await conn.fetchrow(
        """SELECT id, pack, credits, price_ore, purchased_at FROM credit_purchases
           WHERE firm_id = $1 AND idempotency_key = $2""",
        firm_id, key,
    )  # fmt: skip
    return KeyedPurchaseRow(**row) if row else None


async def list_purchases(
    conn: Connection, firm_id: UUID, start: datetime, end: datetime
) -> list[PurchaseRow]:
    rows = await conn.fetch(
        """SELECT pack, credits, price_ore, purchased_at FROM credit_purchases
           WHERE firm_id = $1 AND purchased_at >= $2 AND purchased_at < $3
           ORDER BY purchased_at, id""",
        firm_id, start, end,
    )  # fmt: skip
    return [PurchaseRow(**r) for r in rows]


async def insert_blocks(
    conn: Connection, firm_id: UUID, quantity: int, price_ore: int, now: datetime
) -> None:
    await conn.execute(
        """INSERT INTO storage_blocks (firm_id, price_ore, started_at)
           SELECT $1, $2, $3 FROM generate_series(1, $4)""",
        firm_id, price_ore, now, quantity,
    )  # fmt: skip


async def end_blocks(conn: Connection, firm_id: UUID, quantity: int, now: datetime) -> None:
    """End the most recently started blocks first."""
    await conn.execute(
        """UPDATE storage_blocks SET ended_at = $3 WHERE id IN (
               SELECT id FROM storage_blocks WHERE firm_id = $1 AND ended_at IS NULL
               ORDER BY started_at DESC, id DESC LIMIT $2)""",
        firm_id, quantity, now,
    )  # fmt: skip


async def list_block_prices(
    conn: Connection, firm_id: UUID, start: datetime, end: datetime
) -> list[int]:
    """The price of every block held at some moment of [start, end)."""
    rows = await conn.fetch(
        """SELECT price_ore FROM storage_blocks
           WHERE firm_id = $1 AND started_at < $3 AND (ended_at IS NULL OR ended_at > $2)""",
        firm_id, start, end,
    )  # fmt: skip
    return [r["price_ore"] for r in rows]


async def get_block_change(conn: Connection, firm_id: UUID, key: str) -> int | None:
    """The change in blocks made under this key, if one was."""
    return await conn.fetchval(
        "SELECT change FROM block_changes WHERE firm_id = $1 AND idempotency_key = $2",
        firm_id, key,
    )  # fmt: skip


async def insert_block_change(conn: Connection, change: NewBlockChange) -> None:
    await conn.execute(
        """INSERT INTO block_changes (firm_id, idempotency_key, change, made_at, made_by)
           VALUES ($1, $2, $3, $4, $5)""",
        change.firm_id, change.idempotency_key, change.change, change.made_at, change.made_by,
    )  # fmt: skip
