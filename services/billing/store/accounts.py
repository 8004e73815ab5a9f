"""A firm's account row: its plan, storage figures and credit balance, and its row lock.

Every change to a firm's storage or credits takes this row's lock first, either as a
conditional UPDATE of it or with `lock_account`.
"""

from uuid import UUID

from services.billing.models import AccountRow, CreditRow, NewAccount, StorageRow
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


async def get_account(conn: Connection, firm_id: UUID) -> AccountRow | None:
    row = await conn.fetchrow(f"SELECT {ACCOUNT} FROM accounts WHERE firm_id = $1", firm_id)
    return AccountRow(**row) if row else None


async def lock_account(conn: Connection, firm_id: UUID) -> AccountRow | None:
    row = await conn.fetchrow(
        f"SELECT {ACCOUNT} FROM accounts WHERE firm_id = $1 FOR UPDATE", firm_id
    )
    return AccountRow(**row) if row else None


async def lock_account_if_free(conn: Connection, firm_id: UUID) -> bool:
    locked = await conn.fetchval(
        "SELECT true FROM accounts WHERE firm_id = $1 FOR UPDATE SKIP LOCKED", firm_id
    )
    return bool(locked)


async def lock_storage(conn: Connection, firm_id: UUID) -> StorageRow | None:
    row = await conn.fetchrow(
        f"SELECT {STORAGE} FROM accounts WHERE firm_id = $1 FOR UPDATE", firm_id
    )
    return StorageRow(**row) if row else None


async def get_storage(conn: Connection, firm_id: UUID) -> StorageRow | None:
    row = await conn.fetchrow(f"SELECT {STORAGE} FROM accounts WHERE firm_id = $1", firm_id)
    return StorageRow(**row) if row else None


async def update_storage_level(conn: Connection, firm_id: UUID, level: int) -> None:
    await conn.execute("UPDATE accounts SET storage_level = $2 WHERE firm_id = $1", firm_id, level)


async def get_credits(conn: Connection, firm_id: UUID) -> CreditRow | None:
    row = await conn.fetchrow(f"SELECT {CREDITS} FROM accounts WHERE firm_id = $1", firm_id)
    return CreditRow(**row) if row else None


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
