"""SQL of the billing service: one function per query, the caller owns the transaction.

Every change to a firm's storage or credits takes that firm's account row lock first, either
as a conditional UPDATE of it or with `lock_account`; reservation rows are only changed under
that lock, which is why a reservation's state read after `lock_account` cannot go stale.
"""

from datetime import datetime
from uuid import UUID

from services.billing.models import (
    AccountRow,
    CreditRow,
    KeyedPurchaseRow,
    LedgerEntry,
    NewAccount,
    NewBlockChange,
    NewCreditPurchase,
    PurchaseRow,
    ReservationRow,
    StorageRow,
)
from shared.database import Connection

ACCOUNT = """firm_id, plan, blocks, storage_limit, storage_used, storage_reserved, storage_level,
             credits, credits_reserved"""
STORAGE = "storage_used, storage_reserved, storage_limit, storage_level"
CREDITS = "credits, credits_reserved"


async def insert_account(conn: Connection, account: NewAccount) -> bool:
    """Open the account; False if the firm has one already (a redelivered sign-up)."""
    inserted = await conn.fetchval(
        """INSERT INTO accounts (firm_id, name, country, plan, storage_limit, credits, opened_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (firm_id) DO NOTHING RETURNING true""",
        account.firm_id, account.name, account.country, account.plan, account.storage_limit,
        account.credits, account.opened_at,
    )  # fmt: skip
    return bool(inserted)


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


async def get_account(conn: Connection, firm_id: UUID) -> AccountRow | None:
    row = await conn.fetchrow(f"SELECT {ACCOUNT} FROM accounts WHERE firm_id = $1", firm_id)
    return AccountRow(**row) if row else None


async def lock_account(conn: Connection, firm_id: UUID) -> AccountRow | None:
    row = await conn.fetchrow(
        f"SELECT {ACCOUNT} FROM accounts WHERE firm_id = $1 FOR UPDATE", firm_id
    )
    return AccountRow(**row) if row else None


async def lock_storage(conn: Connection, firm_id: UUID) -> StorageRow | None:
    row = await conn.fetchrow(
        f"SELECT {STORAGE} FROM accounts WHERE firm_id = $1 FOR UPDATE", firm_id
    )
    return StorageRow(**row) if row else None


async def hold_storage(
    conn: Connection,
    firm_id: UUID,
    holds: list[tuple[str, int]],
    now: datetime,
    expires_at: datetime,
) -> None:
    """Record granted reservations (key, bytes) and add them to the account's reserved bytes,
    in one statement; the caller holds the account lock and has checked that they fit."""
    keys, sizes = [key for key, _ in holds], [size for _, size in holds]
    await conn.execute(
        """WITH held AS (
                UPDATE accounts SET storage_reserved = storage_reserved + $4
                WHERE firm_id = $1),
            grants AS (SELECT * FROM unnest($2::text[], $3::bigint[]) AS g(key, bytes)),
            recorded AS (
                INSERT INTO storage_reservations (key, firm_id, bytes, state, created_at,
                                                  expires_at)
                SELECT key, $1, bytes, 'reserved', $5, $6 FROM grants)
            INSERT INTO ledger (firm_id, at, kind, key, bytes)
            SELECT $1, $5, 'storage.reserved', key, bytes FROM grants""",
        firm_id, keys, sizes, sum(sizes), now, expires_at,
    )  # fmt: skip


async def get_storage(conn: Connection, firm_id: UUID) -> StorageRow | None:
    row = await conn.fetchrow(f"SELECT {STORAGE} FROM accounts WHERE firm_id = $1", firm_id)
    return StorageRow(**row) if row else None


async def get_reservation(conn: Connection, firm_id: UUID, key: str) -> ReservationRow | None:
    row = await conn.fetchrow(
        """SELECT key, bytes, state, expires_at FROM storage_reservations
           WHERE firm_id = $1 AND key = $2""",
        firm_id, key,
    )  # fmt: skip
    return ReservationRow(**row) if row else None


async def settle_reservation(
    conn: Connection, firm_id: UUID, reservation: ReservationRow, state: str, now: datetime
) -> StorageRow:
    """Move a held reservation to `state`; committed bytes become used, others go back."""
    committed = reservation.bytes if state == "committed" else 0
    row = await conn.fetchrow(
        f"""WITH settled AS (
                UPDATE storage_reservations SET state = $3, settled_at = $5
                WHERE firm_id = $1 AND key = $2 AND state = 'reserved'),
            logged AS (
                INSERT INTO ledger (firm_id, at, kind, key, bytes)
                VALUES ($1, $5, 'storage.' || $3, $2, $4))
            UPDATE accounts SET storage_reserved = storage_reserved - $4,
                                storage_used = storage_used + $6
            WHERE firm_id = $1 RETURNING {STORAGE}""",
        firm_id, reservation.key, state, reservation.bytes, now, committed,
    )  # fmt: skip
    return StorageRow(**row)


async def free_storage(
    conn: Connection, firm_id: UUID, key: str, bytes_: int, now: datetime
) -> StorageRow | None:
    """Give back deleted bytes; None if the firm uses fewer bytes than that (or has no account)."""
    row = await conn.fetchrow(
        f"""WITH freed AS (
                UPDATE accounts SET storage_used = storage_used - $3
                WHERE firm_id = $1 AND storage_used >= $3 RETURNING {STORAGE}),
            noted AS (
                INSERT INTO storage_frees (key, firm_id, bytes, freed_at)
                SELECT $2, $1, $3, $4 FROM freed),
            logged AS (
                INSERT INTO ledger (firm_id, at, kind, key, bytes)
                SELECT $1, $4, 'storage.freed', $2, $3 FROM freed)
            SELECT {STORAGE} FROM freed""",
        firm_id, key, bytes_, now,
    )  # fmt: skip
    return StorageRow(**row) if row else None


async def update_storage_level(conn: Connection, firm_id: UUID, level: int) -> None:
    await conn.execute("UPDATE accounts SET storage_level = $2 WHERE firm_id = $1", firm_id, level)


async def reserve_credit(
    conn: Connection, firm_id: UUID, key: str, now: datetime
) -> CreditRow | None:
    """Hold one credit if the balance has one, in one statement; None when refused."""
    row = await conn.fetchrow(
        f"""WITH granted AS (
                UPDATE accounts SET credits = credits - 1, credits_reserved = credits_reserved + 1
                WHERE firm_id = $1 AND credits >= 1 RETURNING {CREDITS}),
            held AS (
                INSERT INTO credit_reservations (key, firm_id, state, created_at)
                SELECT $2, $1, 'reserved', $3 FROM granted),
            logged AS (
                INSERT INTO ledger (firm_id, at, kind, key, credits)
                SELECT $1, $3, 'credit.reserved', $2, -1 FROM granted)
            SELECT {CREDITS} FROM granted""",
        firm_id, key, now,
    )  # fmt: skip
    return CreditRow(**row) if row else None


async def get_credits(conn: Connection, firm_id: UUID) -> CreditRow | None:
    row = await conn.fetchrow(f"SELECT {CREDITS} FROM accounts WHERE firm_id = $1", firm_id)
    return CreditRow(**row) if row else None


async def get_credit_state(conn: Connection, firm_id: UUID, key: str) -> str | None:
    return await conn.fetchval(
        "SELECT state FROM credit_reservations WHERE firm_id = $1 AND key = $2", firm_id, key
    )


async def settle_credit(
    conn: Connection,
    firm_id: UUID,
    key: str,
    *,
    state: str,
    returned: int,
    unheld: int,
    now: datetime,
) -> CreditRow:
    """Move a credit reservation to `state`, returning `returned` credits to the balance."""
    row = await conn.fetchrow(
        f"""WITH settled AS (
                UPDATE credit_reservations SET state = $3, settled_at = $6
                WHERE firm_id = $1 AND key = $2),
            logged AS (
                INSERT INTO ledger (firm_id, at, kind, key, credits)
                VALUES ($1, $6, 'credit.' || $3, $2, $4))
            UPDATE accounts SET credits = credits + $4, credits_reserved = credits_reserved - $5
            WHERE firm_id = $1 RETURNING {CREDITS}""",
        firm_id, key, state, returned, unheld, now,
    )  # fmt: skip
    return CreditRow(**row)


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


async def add_credits(conn: Connection, firm_id: UUID, credits: int) -> CreditRow:
    row = await conn.fetchrow(
        f"UPDATE accounts SET credits = credits + $2 WHERE firm_id = $1 RETURNING {CREDITS}",
        firm_id, credits,
    )  # fmt: skip
    return CreditRow(**row)


async def update_plan(conn: Connection, firm_id: UUID, plan: str, limit: int) -> None:
    await conn.execute(
        "UPDATE accounts SET plan = $2, storage_limit = $3 WHERE firm_id = $1",
        firm_id, plan, limit,
    )  # fmt: skip


async def update_blocks(conn: Connection, firm_id: UUID, blocks: int, limit: int) -> None:
    await conn.execute(
        "UPDATE accounts SET blocks = $2, storage_limit = $3 WHERE firm_id = $1",
        firm_id, blocks, limit,
    )  # fmt: skip


async def insert_blocks(
    conn: Connection, firm_id: UUID, quantity: int, price_ore: int, now: datetime
) -> None:
    await conn.execute(
        """INSERT INTO storage_blocks (firm_id, price_ore, started_at)
           SELECT $1, $2, $3 FROM generate_series(1, $4)""",
        firm_id, price_ore, now, quantity,
    )  # fmt: skip


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


async def list_firms_with_due_reservations(
    conn: Connection, now: datetime, limit: int
) -> list[UUID]:
    """Firms holding lapsed reservations, across firms by design: the expiry job finds them
    here and then handles each under its own firm's account lock (`expire_reservations`)."""
    rows = await conn.fetch(
        """SELECT DISTINCT firm_id FROM storage_reservations
           WHERE state = 'reserved' AND expires_at <= $1 LIMIT $2""",
        now, limit,
    )  # fmt: skip
    return [r["firm_id"] for r in rows]


async def lock_account_if_free(conn: Connection, firm_id: UUID) -> bool:
    locked = await conn.fetchval(
        "SELECT true FROM accounts WHERE firm_id = $1 FOR UPDATE SKIP LOCKED", firm_id
    )
    return bool(locked)


async def expire_reservations(conn: Connection, firm_id: UUID, now: datetime) -> int:
    """Expire the firm's lapsed reservations (account row already locked); returns bytes."""
    return await conn.fetchval(
        """WITH lapsed AS (
               UPDATE storage_reservations SET state = 'expired', settled_at = $2
               WHERE firm_id = $1 AND state = 'reserved' AND expires_at <= $2
               RETURNING key, bytes),
           logged AS (
               INSERT INTO ledger (firm_id, at, kind, key, bytes)
               SELECT $1, $2, 'storage.expired', key, bytes FROM lapsed),
           total AS (SELECT coalesce(sum(bytes), 0)::bigint AS bytes FROM lapsed)
           UPDATE accounts SET storage_reserved = storage_reserved - total.bytes
           FROM total WHERE firm_id = $1 RETURNING total.bytes""",
        firm_id, now,
    )  # fmt: skip
