"""The storage ledger over the bus: the quota holds under racing replicas, keys are
idempotent, lapsed reservations come back once, and warnings go out once per crossing."""

import asyncio
import uuid
from typing import Any

import pytest

from services.billing.jobs import expire_reservations
from shared.bus import RpcError
from shared.events.billing import (
    CommitStorage,
    FreeStorage,
    ReleaseStorage,
    ReserveStorage,
    StorageDecision,
)
from shared.service import DB
from tests.billing.integration.conftest import Billing, StartBilling


def key() -> str:
    return str(uuid.uuid4())


async def test_racing_reservations_on_two_replicas_never_exceed_the_limit(
    start_billing: StartBilling,
) -> None:
    billing = await start_billing(replicas=2)
    firm = await billing.open_firm()  # limit 10,000 bytes
    requests = [ReserveStorage(idempotency_key=key(), bytes=100 + i % 7) for i in range(200)]
    replies = await asyncio.gather(*(billing.call(r, firm) for r in requests))
    granted = [(r, a) for r, a in zip(requests, replies, strict=True) if a.granted]
    to_release = granted[: len(granted) // 3]
    await asyncio.gather(
        *(
            billing.call(ReleaseStorage(idempotency_key=r.idempotency_key), firm)
            for r, _ in to_release
        )
    )
    held = sum(r.bytes for r, _ in granted) - sum(r.bytes for r, _ in to_release)
    row = await billing.row(
        "SELECT storage_used, storage_reserved, storage_limit FROM accounts WHERE firm_id = $1",
        firm,
    )
    assert sum(r.bytes for r, _ in granted) <= 10_000
    assert sum(r.bytes for r, _ in granted) > 10_000 - 107, "the last free bytes were not used"
    assert row["storage_used"] + row["storage_reserved"] == held
    assert any(not a.granted for a in replies)


async def test_a_refusal_tells_the_numbers(billing: Billing) -> None:
    firm = await billing.open_firm()
    await billing.call(ReserveStorage(idempotency_key=key(), bytes=9_000), firm)
    refused = await billing.call(ReserveStorage(idempotency_key=key(), bytes=2_000), firm)
    assert refused == StorageDecision(
        granted=False, bytes=2_000, used=0, reserved=9_000, limit=10_000, expires_at=None
    )


async def test_a_repeated_key_gets_the_first_answer_and_counts_once(billing: Billing) -> None:
    firm = await billing.open_firm()
    request = ReserveStorage(idempotency_key=key(), bytes=4_000)
    first = await billing.call(request, firm)
    again = await asyncio.gather(*(billing.call(request, firm) for _ in range(5)))
    commit = CommitStorage(idempotency_key=request.idempotency_key)
    committed = [await billing.call(commit, firm) for _ in range(3)]
    assert all(a == first for a in again)
    assert {c.used for c in committed} == {4_000}
    row = await billing.row(
        "SELECT storage_used, storage_reserved FROM accounts WHERE firm_id = $1", firm
    )
    assert (row["storage_used"], row["storage_reserved"]) == (4_000, 0)


async def test_an_expired_reservation_is_released_once_and_a_late_commit_refused(
    start_billing: StartBilling,
) -> None:
    billing = await start_billing(
        replicas=2, reservation_ttl_seconds=0.5, expiry_interval_seconds=0.2
    )
    firm = await billing.open_firm()
    held = await billing.call(ReserveStorage(idempotency_key="late-upload", bytes=3_000), firm)
    assert held.granted

    async def expired() -> bool:
        row = await billing.row("SELECT state FROM storage_reservations WHERE key = 'late-upload'")
        return row["state"] == "expired"

    await billing.until(expired)
    again = await expire_reservations(billing.replicas[1].app[DB], held.expires_at)
    with pytest.raises(RpcError) as refusal:
        await billing.call(CommitStorage(idempotency_key="late-upload"), firm)
    released = await billing.call(ReleaseStorage(idempotency_key="late-upload"), firm)
    row = await billing.row(
        "SELECT storage_used, storage_reserved FROM accounts WHERE firm_id = $1", firm
    )
    expiries = await billing.row("SELECT count(*) AS n FROM ledger WHERE kind = 'storage.expired'")
    assert again == 0
    assert (refusal.value.status, refusal.value.title) == (410, "Reservation expired")
    assert "expired" in refusal.value.detail
    assert released.state == "expired"
    assert (row["storage_used"], row["storage_reserved"], expiries["n"]) == (0, 0, 1)


async def test_commit_after_release_and_unknown_keys_are_refused(billing: Billing) -> None:
    firm = await billing.open_firm()
    await billing.call(ReserveStorage(idempotency_key="k1", bytes=10), firm)
    await billing.call(ReleaseStorage(idempotency_key="k1"), firm)
    with pytest.raises(RpcError) as conflict:
        await billing.call(CommitStorage(idempotency_key="k1"), firm)
    with pytest.raises(RpcError) as unknown:
        await billing.call(CommitStorage(idempotency_key="never-reserved"), firm)
    with pytest.raises(RpcError) as no_account:
        await billing.call(ReserveStorage(idempotency_key=key(), bytes=1), uuid.uuid4())
    assert (conflict.value.status, unknown.value.status, no_account.value.status) == (409, 404, 404)


async def test_freeing_returns_bytes_once_and_not_more_than_used(billing: Billing) -> None:
    firm = await billing.open_firm()
    await billing.call(ReserveStorage(idempotency_key="doc", bytes=5_000), firm)
    await billing.call(CommitStorage(idempotency_key="doc"), firm)
    free = FreeStorage(idempotency_key="delete-doc", bytes=5_000)
    freed = [await billing.call(free, firm) for _ in range(2)]
    with pytest.raises(RpcError) as too_much:
        await billing.call(FreeStorage(idempotency_key=key(), bytes=1), firm)
    assert [f.used for f in freed] == [0, 0]
    assert too_much.value.status == 409


async def test_warnings_at_80_and_100_percent_once_per_crossing(billing: Billing) -> None:
    firm = await billing.open_firm()
    await _store(billing, firm, "a", 8_000)  # 80 %
    await _store(billing, firm, "b", 500)  # still above 80 %: no new warning
    await billing.call(FreeStorage(idempotency_key="f1", bytes=1_000), firm)  # 75 %
    await _store(billing, firm, "c", 2_500)  # 100 %: crosses 80 again and 100
    await billing.until(lambda: len(warnings(billing)) >= 3)
    await billing.all_published()  # a fourth warning, had one been staged, has arrived
    thresholds = [m["data"]["threshold"] for m in warnings(billing)]
    assert thresholds == [80, 80, 100]
    assert {m["firm_id"] for m in warnings(billing)} == {str(firm)}


def warnings(billing: Billing) -> list[dict[str, Any]]:
    return billing.captured.under("billing.storage.threshold_reached")


async def _store(billing: Billing, firm: uuid.UUID, name: str, size: int) -> None:
    granted = await billing.call(ReserveStorage(idempotency_key=name, bytes=size), firm)
    assert granted.granted
    await billing.call(CommitStorage(idempotency_key=name), firm)
