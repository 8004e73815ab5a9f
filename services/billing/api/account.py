"""The firm's account: plan, storage and e-signature balance, and the prices on sale.

Sizes are bytes with 1 GB = 10^9 bytes; amounts are integer öre (and SEK strings), ex VAT.
"""

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aiohttp import web

from services.billing import domain
from services.billing.access import require_account
from services.billing.models import (
    Account,
    AccountRow,
    Balance,
    PackPrice,
    PlanChange,
    PlanPrice,
    Prices,
    SigningBalance,
    Storage,
)
from services.billing.settings import BillingSettings
from services.billing.storage_warnings import note_storage_level
from services.billing.store import accounts, ledger
from shared.auth import ADMIN_ROLES, Principal
from shared.bus.outbox import put
from shared.database import Connection
from shared.events.billing import PlanChanged
from shared.http.routing import Api

if TYPE_CHECKING:
    from services.billing.app import BillingDeps

api = Api("billing")


def now() -> datetime:
    return datetime.now(UTC)


def account_view(account: AccountRow, settings: BillingSettings) -> Account:
    storage = Storage(
        used=account.storage_used, reserved=account.storage_reserved,
        limit=account.storage_limit, blocks=account.blocks, block_bytes=settings.block_bytes,
    )  # fmt: skip
    balance = Balance(credits=account.credits, reserved=account.credits_reserved)
    return Account(firm_id=account.firm_id, plan=account.plan, storage=storage, balance=balance)


@api.get(
    "/api/v1/billing/account",
    summary="The firm's plan, storage (bytes, 1 GB = 10^9) and e-signature balance",
    access="staff", roles=ADMIN_ROLES, response=Account, errors=(503,),
)  # fmt: skip
async def get_account(
    request: web.Request, *, deps: "BillingDeps", principal: Principal
) -> Account:
    async with deps.db.transaction(readonly=True) as conn:
        account = await require_account(conn, principal, wait=deps.settings.replica_wait_seconds)
    return account_view(account, deps.settings)


@api.get(
    "/api/v1/billing/prices",
    summary="Plans, storage blocks and credit packs on sale, with their prices (public)",
    access="public", response=Prices,
)  # fmt: skip
async def get_prices(request: web.Request, *, deps: "BillingDeps") -> Prices:
    settings = deps.settings
    return Prices(
        plans=[
            PlanPrice(plan=plan, included_bytes=size)
            for plan, size in settings.plan_included_bytes.items()
        ],
        block_bytes=settings.block_bytes, block_price_ore=settings.block_price_ore,
        credit_packs=[
            PackPrice(pack=code, credits=p.credits, price_ore=p.price_ore)
            for code, p in settings.credit_packs.items()
        ],
        vat_percent=settings.vat_percent,
    )  # fmt: skip


@api.get(
    "/api/v1/billing/balance",
    summary="E-signature credits free to use (every staff role: a member sees it before sending)",
    access="staff", response=SigningBalance, errors=(503,),
)  # fmt: skip
async def get_balance(
    request: web.Request, *, deps: "BillingDeps", principal: Principal
) -> SigningBalance:
    async with deps.db.transaction(readonly=True) as conn:
        account = await require_account(conn, principal, wait=deps.settings.replica_wait_seconds)
    return SigningBalance(credits=account.credits)


@api.put(
    "/api/v1/billing/plan",
    summary="Change plan; refused (409) if usage would exceed the new limit",
    access="staff", roles=ADMIN_ROLES, body=PlanChange, response=Account, errors=(409, 422, 503),
)  # fmt: skip
async def change_plan(
    request: web.Request, *, deps: "BillingDeps", principal: Principal, body: PlanChange
) -> Account:
    settings = deps.settings
    async with deps.db.transaction() as conn:
        account = await require_account(
            conn, principal, wait=deps.settings.replica_wait_seconds, lock=True
        )
        included = settings.plan_included_bytes[body.plan]
        limit = domain.storage_limit(included, account.blocks, settings.block_bytes)
        domain.require_fits(account.storage_used, account.storage_reserved, limit)
        if body.plan != account.plan:
            await accounts.update_plan(conn, account.firm_id, body.plan, limit)
            await ledger.insert_ledger(conn, account.firm_id, now(), f"plan.{body.plan}")
            changed = PlanChanged(plan=body.plan, previous_plan=account.plan, storage_limit=limit)
            await put(conn, changed, firm_id=account.firm_id, actor=principal.user_id)
            await note_level(conn, principal)
        account = await require_account(conn, principal, wait=deps.settings.replica_wait_seconds)
    return account_view(account, settings)


async def note_level(conn: Connection, principal: Principal) -> None:
    storage = await accounts.get_storage(conn, principal.firm_id)
    assert storage is not None
    await note_storage_level(conn, principal.firm_id, storage, principal.user_id)
