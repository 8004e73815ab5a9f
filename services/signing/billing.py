"""Signing's client of billing: one e-signature credit per sent request, reserved, committed,
and given back when a request is cancelled before anyone signed."""

import logging
from dataclasses import dataclass
from uuid import UUID

from services.signing.peers import Peer
from shared.bus import RpcError
from shared.errors import PaymentRequired
from shared.events.billing import (
    CommitCredit,
    CreditDecision,
    CreditSettled,
    ReleaseCredit,
    ReserveCredit,
)

log = logging.getLogger(__name__)

TOP_UP = "POST /api/v1/billing/credit-purchases"


def credit_key(signing_id: UUID, attempt: int = 0) -> str:
    """One key per request (a new one only after billing said no, see `credit_attempt`)."""
    return f"signing:{signing_id}" if attempt == 0 else f"signing:{signing_id}:{attempt}"


def no_credit() -> PaymentRequired:
    return PaymentRequired(
        f"No e-signature credit is left. An account owner or admin can buy more with {TOP_UP}.",
        top_up=TOP_UP,
    )


@dataclass(frozen=True)
class BillingClient(Peer):
    async def reserve_credit(self, firm_id: UUID, key: str, actor: UUID) -> bool:
        decision: CreditDecision = await self.ask(
            ReserveCredit(idempotency_key=key), firm_id, actor
        )
        return decision.granted

    async def commit_credit(self, firm_id: UUID, key: str, actor: UUID) -> None:
        settled: CreditSettled = await self.ask(CommitCredit(idempotency_key=key), firm_id, actor)
        log.info("credit %s %s", key, settled.state)

    async def release_credit(self, firm_id: UUID, key: str, actor: UUID | None) -> bool:
        """Give the request's credit back; False when billing never held one under its key."""
        try:
            await self.ask(ReleaseCredit(idempotency_key=key), firm_id, actor)
        except RpcError as error:
            if error.status == 404:
                return False
            raise
        return True
