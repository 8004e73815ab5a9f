"""Storage and credit reservations, frees and expiry, each written with the account row it
moves in one statement.

Reservation rows are only changed under their firm's account lock, which is why a
reservation's state read after `accounts.lock_account` cannot go stale.
"""

from datetime import datetime
from uuid import UUID

from services.billing.models import CreditRow, ReservationRow, StorageRow
from shared.database import Connection

STORAGE = "storage_used, storage_reserved, storage_limit, storage_level"
CREDITS = "credits, credits_reserved"


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
