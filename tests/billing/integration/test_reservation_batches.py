"""Reservations asked together travel as one message of calls and are decided as one batch,
under one lock of the firm's account (one `created_at` for the whole batch shows it): each
answer is still its own, a repeated key inside the batch counts once, the limit is filled to
the byte and never passed, also while two callers keep two replicas busy at once."""

import asyncio
import uuid
from collections.abc import Sequence

from shared.bus import Bus, BusNames, RpcClient
from shared.events.billing import ReserveStorage, StorageDecision
from shared.http.measuring import METRICS
from tests.billing.integration.conftest import Billing, StartBilling

LIMIT = 10_000  # the partner plan in these tests


def key(rank: int = 0) -> str:
    """A fresh key; a batch decides in key order, so `rank` sets the order."""
    return f"{rank}-{uuid.uuid4()}"


async def ask_together(billing: Billing, firm: uuid.UUID, requests: Sequence[ReserveStorage]):  # type: ignore[no-untyped-def]
    """Ask all at once: the client sends calls asked in one go as one message."""
    return await asyncio.gather(*(billing.call(r, firm) for r in requests))


async def batches_of(billing: Billing, firm: uuid.UUID) -> int:
    """How many batches decided the firm's granted reservations (one clock reading each)."""
    return await billing.value(
        "SELECT count(DISTINCT created_at) FROM storage_reservations WHERE firm_id = $1", firm
    )


async def held(billing: Billing, firm: uuid.UUID) -> int:
    row = await billing.row(
        "SELECT storage_used + storage_reserved AS held FROM accounts WHERE firm_id = $1", firm
    )
    return int(row["held"])


async def test_one_batch_grants_and_refuses_in_order_and_fills_the_limit_exactly(
    billing: Billing,
) -> None:
    firm = await billing.open_firm()
    sizes = [6_000, 5_000, 4_000, 1]
    replies = await ask_together(
        billing,
        firm,
        [ReserveStorage(idempotency_key=key(n), bytes=s) for n, s in enumerate(sizes)],
    )
    # 6,000 fits; 5,000 would pass the limit; 4,000 fills it to the byte; then nothing fits.
    assert [r.granted for r in replies] == [True, False, True, False]
    assert await batches_of(billing, firm) == 1
    assert await held(billing, firm) == LIMIT
    assert (replies[2].reserved, replies[2].limit) == (LIMIT, LIMIT)
    assert replies[3] == StorageDecision(
        granted=False, bytes=1, used=0, reserved=LIMIT, limit=LIMIT, expires_at=None
    )


async def test_a_key_repeated_inside_one_batch_is_held_once_and_answered_alike(
    billing: Billing,
) -> None:
    firm = await billing.open_firm()
    repeated = ReserveStorage(idempotency_key=key(1), bytes=3_000)
    rest = ReserveStorage(idempotency_key=key(2), bytes=7_000)
    replies = await ask_together(billing, firm, [repeated, repeated, rest, repeated])
    # Held three times, the 3,000 would leave no room for the 7,000.
    assert [r.granted for r in replies] == [True, True, True, True]
    assert replies[0] == replies[1] == replies[3]
    assert await batches_of(billing, firm) == 1
    assert await held(billing, firm) == LIMIT
    count = await billing.value(
        "SELECT count(*) FROM storage_reservations WHERE firm_id = $1 AND key = $2",
        firm,
        repeated.idempotency_key,
    )
    assert count == 1
    again = await billing.call(repeated, firm)
    assert again == replies[0]


async def test_two_callers_racing_on_two_replicas_never_oversell(
    start_billing: StartBilling,
) -> None:
    billing = await start_billing(replicas=2)
    firm = await billing.open_firm()
    second_bus = Bus(
        billing.settings.amqp_url, BusNames(billing.settings.bus_namespace), name="second"
    )
    second = RpcClient(second_bus)
    await second_bus.start()
    try:
        asks = [
            [ReserveStorage(idempotency_key=key(), bytes=50 + i % 11) for i in range(300)]
            for _ in range(2)
        ]

        async def race(client: RpcClient, requests: list[ReserveStorage]):  # type: ignore[no-untyped-def]
            # Waves of calls, so that batches of both callers meet at the account row.
            replies = []
            for wave in range(0, len(requests), 60):
                replies += await asyncio.gather(
                    *(
                        client.call(r, firm_id=firm, actor=None, timeout=30)
                        for r in requests[wave : wave + 60]
                    )
                )
            return replies

        replies = await asyncio.gather(race(billing.rpc, asks[0]), race(second, asks[1]))
    finally:
        await second_bus.stop()
    granted = sum(
        r.bytes
        for requests, answers in zip(asks, replies, strict=True)
        for r, a in zip(requests, answers, strict=True)
        if a.granted
    )
    assert granted <= LIMIT
    assert granted > LIMIT - 60, "the last free bytes were not used"
    assert await held(billing, firm) == granted
    assert any(not a.granted for answers in replies for a in answers)
    served = [
        replica.app[METRICS].registry.get_sample_value(
            "portal_rpc_server_requests_total", {"type": ReserveStorage.type, "outcome": "ok"}
        )
        for replica in billing.replicas
    ]
    assert all(served), f"both replicas should have served reservations: {served}"
