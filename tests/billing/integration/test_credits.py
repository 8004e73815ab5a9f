"""The e-signature balance over the bus: never negative, idempotent, refundable once."""

import asyncio
import uuid

import pytest

from shared.bus import RpcError
from shared.events.billing import CommitCredit, ReleaseCredit, ReserveCredit
from tests.billing.integration.conftest import Billing


async def test_fifty_racing_reservations_on_a_balance_of_two_grant_exactly_two(
    billing: Billing,
) -> None:
    firm = await billing.open_firm()
    replies = await asyncio.gather(
        *(billing.call(ReserveCredit(idempotency_key=str(uuid.uuid4())), firm) for _ in range(50))
    )
    row = await billing.row(
        "SELECT credits, credits_reserved FROM accounts WHERE firm_id = $1", firm
    )
    assert sum(r.granted for r in replies) == 2
    assert (row["credits"], row["credits_reserved"]) == (0, 2)


async def test_depletion_is_announced_and_a_refund_returns_the_credit_once(
    billing: Billing,
) -> None:
    firm = await billing.open_firm()
    await billing.call(ReserveCredit(idempotency_key="s1"), firm)
    await billing.call(ReserveCredit(idempotency_key="s2"), firm)
    await billing.call(CommitCredit(idempotency_key="s1"), firm)
    await billing.until(lambda: len(billing.captured.under("billing.balance.")) == 1)
    refunds = [await billing.call(ReleaseCredit(idempotency_key="s1"), firm) for _ in range(2)]
    dropped = await billing.call(ReleaseCredit(idempotency_key="s2"), firm)
    assert billing.captured.under("billing.balance.")[0]["type"] == "billing.balance.depleted"
    assert [(r.state, r.balance, r.reserved) for r in refunds] == [("released", 1, 1)] * 2
    assert (dropped.balance, dropped.reserved) == (2, 0)


async def test_a_released_credit_cannot_be_committed(billing: Billing) -> None:
    firm = await billing.open_firm()
    await billing.call(ReserveCredit(idempotency_key="c1"), firm)
    await billing.call(ReleaseCredit(idempotency_key="c1"), firm)
    with pytest.raises(RpcError) as refusal:
        await billing.call(CommitCredit(idempotency_key="c1"), firm)
    assert refusal.value.status == 409
