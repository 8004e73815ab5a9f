"""E-signature credit packs bought, each purchase once per idempotency key."""

from typing import TYPE_CHECKING
from uuid import uuid4

from aiohttp import web

from services.billing import domain
from services.billing.access import require_account
from services.billing.api.account import now
from services.billing.models import AccountRow, CreditPurchase, NewCreditPurchase, Purchase
from services.billing.store import accounts, ledger, purchases
from shared.auth import ADMIN_ROLES, Principal
from shared.bus.outbox import put
from shared.database import Connection
from shared.events.billing import BalanceToppedUp
from shared.http.routing import Api

if TYPE_CHECKING:
    from services.billing.app import BillingDeps

api = Api("billing")


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
