"""The ledger of storage and credit movements, and the monthly statement."""

from typing import TYPE_CHECKING

from aiohttp import web

from services.billing import domain
from services.billing.access import require_account
from services.billing.models import LedgerPage, LedgerQuery, Statement, StatementLine
from services.billing.store import ledger, purchases
from shared.auth import ADMIN_ROLES, Principal
from shared.http.routing import Api

if TYPE_CHECKING:
    from services.billing.app import BillingDeps

api = Api("billing")


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
