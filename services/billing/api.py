"""HTTP API of billing, for a firm's owner and admins. The firm always comes from the token.

Sizes are bytes with 1 GB = 10^9 bytes; amounts are integer öre (and SEK strings), ex VAT.
"""

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import uuid4

from aiohttp import web

from services.billing import domain
from services.billing.access import require_account
from services.billing.models import (
    Account,
    AccountRow,
    Balance,
    Blocks,
    CreditPurchase,
    LedgerPage,
    LedgerQuery,
    NewBlockChange,
    NewCreditPurchase,
    PackPrice,
    PlanChange,
    PlanPrice,
    Prices,
    Purchase,
    SigningBalance,
    Statement,
    StatementLine,
    Storage,
)
from services.billing.settings import BillingSettings
from services.billing.storage_warnings import note_storage_level
from services.billing.store import accounts, ledger, purchases
from shared.auth import ADMIN_ROLES, Principal
from shared.bus.outbox import put
from shared.database import Connection
from shared.events.billing import BalanceToppedUp, PlanChanged, StorageLimitChanged
from shared.http.routing import Api

if TYPE_CHECKING:
    from services.billing.app import BillingDeps

api = Api("billing")
APIS = [api]


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
            await _note_level(conn, principal)
        account = await require_account(conn, principal, wait=deps.settings.replica_wait_seconds)
    return account_view(account, settings)


async def _note_level(conn: Connection, principal: Principal) -> None:
    storage = await accounts.get_storage(conn, principal.firm_id)
    assert storage is not None
    await note_storage_level(conn, principal.firm_id, storage, principal.user_id)


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
    await _note_level(conn, principal)


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


@api.post(
    "/api/v1/billing/credit-purchases",
    summary="Buy an e-signature credit pack (recorded as a statement line)",
    access="staff", roles=ADMIN_ROLES, body=CreditPurchase, response=Purchase, status=201,
    errors=(409, 422, 503),
)  # fmt: skip
async def buy_credits(
    request: web.Request, *, deps: "BillingDeps", principal: Principal, body: CreditPurchase
) -> Purchase:
    pack = deps.settings.credit_packs.get(body.pack)
    if pack is None:
        raise domain.UnknownPack(body.pack)
    bought = NewCreditPurchase(
        id=uuid4(), firm_id=principal.firm_id, pack=body.pack, credits=pack.credits,
        price_ore=pack.price_ore, purchased_at=now(), purchased_by=principal.user_id,
        idempotency_key=body.idempotency_key,
    )  # fmt: skip
    purchase_id = bought.id
    async with deps.db.transaction() as conn:
        account = await require_account(
            conn, principal, wait=deps.settings.replica_wait_seconds, lock=True
        )
        earlier = await _earlier_purchase(conn, account, body)
        if earlier is not None:
            return earlier
        await purchases.insert_credit_purchase(conn, bought)
        balance = await accounts.add_credits(conn, account.firm_id, pack.credits)
        await ledger.insert_ledger(
            conn,
            account.firm_id,
            bought.purchased_at,
            "credit.purchased",
            key=str(purchase_id),
            credits=pack.credits,
        )
        topped = BalanceToppedUp(
            purchase_id=purchase_id, credits=pack.credits, balance=balance.credits
        )
        await put(conn, topped, firm_id=account.firm_id, actor=principal.user_id)
    return Purchase(
        id=purchase_id,
        pack=body.pack,
        credits=pack.credits,
        price_ore=pack.price_ore,
        balance=balance.credits,
    )


async def _earlier_purchase(
    conn: Connection, account: AccountRow, body: CreditPurchase
) -> Purchase | None:
    """The purchase already made under this key, answered again instead of buying twice."""
    if body.idempotency_key is None:
        return None
    earlier = await purchases.get_keyed_purchase(conn, account.firm_id, body.idempotency_key)
    if earlier is None:
        return None
    domain.require_same_request(
        body.idempotency_key, domain.pack_purchase(earlier.pack), domain.pack_purchase(body.pack)
    )
    return Purchase(
        id=earlier.id, pack=earlier.pack, credits=earlier.credits,
        price_ore=earlier.price_ore, balance=account.credits,
    )  # fmt: skip


@api.get(
    "/api/v1/billing/ledger",
    summary="Movements of storage and credits, newest first, paged by `before`",
    access="staff", roles=ADMIN_ROLES, query=LedgerQuery, response=LedgerPage, errors=(422, 503),
)  # fmt: skip
async def list_ledger(
    request: web.Request, *, deps: "BillingDeps", principal: Principal, query: LedgerQuery
) -> LedgerPage:
    async with deps.db.transaction(readonly=True) as conn:
        account = await require_account(conn, principal, wait=deps.settings.replica_wait_seconds)
        entries = await ledger.list_ledger(conn, account.firm_id, query.before, query.limit + 1)
    more = len(entries) > query.limit
    entries = entries[: query.limit]
    return LedgerPage(entries=entries, next_before=entries[-1].id if more else None)


@api.get(
    "/api/v1/billing/statements/{month}",
    summary="The statement of a month (`YYYY-MM`): lines, VAT and totals in öre and SEK",
    access="staff", roles=ADMIN_ROLES, response=Statement, errors=(404, 422, 503),
)  # fmt: skip
async def get_statement(
    request: web.Request, *, deps: "BillingDeps", principal: Principal
) -> Statement:
    settings = deps.settings
    month = request.match_info["month"]
    start, end = domain.month_bounds(month)
    async with deps.db.transaction(readonly=True) as conn:
        account = await require_account(conn, principal, wait=deps.settings.replica_wait_seconds)
        prices = await purchases.list_block_prices(conn, account.firm_id, start, end)
        packs = await purchases.list_purchases(conn, account.firm_id, start, end)
    lines = domain.block_lines(prices, settings.block_bytes) + [
        domain.purchase_line(p.pack, p.credits, p.price_ore, p.purchased_at) for p in packs
    ]
    return statement_view(month, lines, settings.vat_percent)


def statement_view(month: str, lines: list[domain.Line], vat_percent: int) -> Statement:
    sums = domain.totals(lines, vat_percent)
    sek = domain.format_sek
    return Statement(
        month=month,
        lines=[line_view(line) for line in lines],
        subtotal_ore=sums.subtotal_ore,
        vat_percent=vat_percent,
        vat_ore=sums.vat_ore,
        total_ore=sums.total_ore,
        subtotal_sek=sek(sums.subtotal_ore),
        vat_sek=sek(sums.vat_ore),
        total_sek=sek(sums.total_ore),
    )


def line_view(line: domain.Line) -> StatementLine:
    return StatementLine(
        description=line.description,
        quantity=line.quantity,
        unit_price_ore=line.unit_price_ore,
        amount_ore=line.amount_ore,
        amount_sek=domain.format_sek(line.amount_ore),
    )
