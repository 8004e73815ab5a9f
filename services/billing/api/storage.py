"""Storage blocks bought and cancelled, each change once per idempotency key."""

from typing import TYPE_CHECKING

from aiohttp import web

from services.billing import domain
from services.billing.access import require_account
from services.billing.api.account import account_view, note_level, now
from services.billing.models import Account, AccountRow, Blocks, NewBlockChange
from services.billing.settings import BillingSettings
from services.billing.store import accounts, ledger, purchases
from shared.auth import ADMIN_ROLES, Principal
from shared.bus.outbox import put
from shared.database import Connection
from shared.events.billing import StorageLimitChanged
from shared.http.routing import Api

if TYPE_CHECKING:
    from services.billing.app import BillingDeps

api = Api("billing")


async def _set_blocks(
    conn: Connection,
    account: AccountRow,
    blocks: int,
    principal: Principal,
    settings: BillingSettings,
) -> None:
    included = settings.plan_included_bytes[account.plan]
    limit = domain.storage_limit(included, blocks, settings.block_bytes)
    domain.require_fits(account.storage_used, account.storage_reserved, limit)
    await accounts.update_blocks(conn, account.firm_id, blocks, limit)
    changed = StorageLimitChanged(blocks=blocks, storage_limit=limit)
    await put(conn, changed, firm_id=account.firm_id, actor=principal.user_id)
    await note_level(conn, principal)


@api.post(
    "/api/v1/billing/storage-blocks",
    summary=(
        "Buy storage blocks (10 GB = 10^10 bytes each, billed per month held); once per "
        "`idempotency_key`, a repeat answering the account as it is"
    ),
    access="staff", roles=ADMIN_ROLES, body=Blocks, response=Account, errors=(409, 422, 503),
)  # fmt: skip
async def buy_blocks(
    request: web.Request, *, deps: "BillingDeps", principal: Principal, body: Blocks
) -> Account:
    settings = deps.settings
    async with deps.db.transaction() as conn:
        account = await require_account(
            conn, principal, wait=deps.settings.replica_wait_seconds, lock=True
        )
        if await _first_block_change(conn, account, principal, body, body.quantity):
            at = now()
            await purchases.insert_blocks(
                conn, account.firm_id, body.quantity, settings.block_price_ore, at
            )
            bought = body.quantity * settings.block_bytes
            await ledger.insert_ledger(conn, account.firm_id, at, "blocks.bought", bytes_=bought)
            await _set_blocks(conn, account, account.blocks + body.quantity, principal, settings)
        account = await require_account(conn, principal, wait=deps.settings.replica_wait_seconds)
    return account_view(account, settings)


@api.post(
    "/api/v1/billing/storage-blocks/cancellations",
    summary=(
        "Cancel storage blocks; refused (409) if usage would exceed the new limit; once per "
        "`idempotency_key`"
    ),
    access="staff", roles=ADMIN_ROLES, body=Blocks, response=Account, errors=(409, 422, 503),
)  # fmt: skip
async def cancel_blocks(
    request: web.Request, *, deps: "BillingDeps", principal: Principal, body: Blocks
) -> Account:
    settings = deps.settings
    async with deps.db.transaction() as conn:
        account = await require_account(
            conn, principal, wait=deps.settings.replica_wait_seconds, lock=True
        )
        if await _first_block_change(conn, account, principal, body, -body.quantity):
            domain.require_blocks_to_cancel(account.blocks, body.quantity)
            at = now()
            await _set_blocks(conn, account, account.blocks - body.quantity, principal, settings)
            await purchases.end_blocks(conn, account.firm_id, body.quantity, at)
            freed = -body.quantity * settings.block_bytes
            await ledger.insert_ledger(conn, account.firm_id, at, "blocks.cancelled", bytes_=freed)
        account = await require_account(conn, principal, wait=deps.settings.replica_wait_seconds)
    return account_view(account, settings)


async def _first_block_change(
    conn: Connection, account: AccountRow, principal: Principal, body: Blocks, change: int
) -> bool:
    """Whether this change is to be made now: not when its key already made it (the account
    lock serialises two sendings of one key). The key is recorded in the change's transaction."""
    key = body.idempotency_key
    if key is None:
        return True
    earlier = await purchases.get_block_change(conn, account.firm_id, key)
    if earlier is not None:
        domain.require_same_request(key, domain.block_change(earlier), domain.block_change(change))
        return False
    made = NewBlockChange(
        firm_id=account.firm_id, idempotency_key=key, change=change, made_at=now(),
        made_by=principal.user_id,
    )  # fmt: skip
    await purchases.insert_block_change(conn, made)
    return True
