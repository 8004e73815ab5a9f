"""What billing takes from the bus: identity's firm sign-ups, and the ledger RPCs.

The tables map message types to handlers written `(conn, message, envelope, *, deps)`, or,
for storage reservations, a `Batched` handler that takes a run of one firm's requests; the kit
hands every one billing's dependencies (prices and the reservation lifetime are settings).
Each handler runs in the kit's transaction (with a savepoint per RPC request), and every one
first takes its firm's account row lock. A request that names no firm is refused
(`Envelope.require_firm`).
"""

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from services.billing import domain
from services.billing.models import NewAccount, ReservationRow, StorageRow
from services.billing.storage_warnings import note_storage_level
from services.billing.store import accounts, ledger, reservations
from shared.bus import Batched
from shared.bus.outbox import put
from shared.database import Connection
from shared.events.base import Envelope, Event, Request
from shared.events.billing import (
    AccountOpened,
    BalanceDepleted,
    CommitCredit,
    CommitStorage,
    CreditDecision,
    CreditSettled,
    FreeStorage,
    ReleaseCredit,
    ReleaseStorage,
    ReserveCredit,
    ReserveStorage,
    StorageDecision,
    StorageSettled,
)
from shared.events.identity import FirmCreated

if TYPE_CHECKING:
    from services.billing.app import BillingDeps

Handler = Callable[..., Awaitable[Any]]


def now() -> datetime:
    return datetime.now(UTC)


async def open_account(
    conn: Connection, event: FirmCreated, envelope: Envelope, *, deps: "BillingDeps"
) -> None:
    settings = deps.settings
    limit = settings.plan_included_bytes[event.plan]
    at = envelope.occurred_at
    account = NewAccount(
        firm_id=event.firm_id, name=event.name, country=event.country, plan=event.plan,
        storage_limit=limit, credits=settings.free_credits, opened_at=at,
    )  # fmt: skip
    opened = await accounts.insert_account(conn, account)
    if not opened:
        return
    await ledger.insert_ledger(
        conn, event.firm_id, at, "credit.granted", credits=settings.free_credits
    )
    opened_event = AccountOpened(
        plan=event.plan, storage_limit=limit, balance=settings.free_credits
    )
    await put(conn, opened_event, firm_id=event.firm_id, actor=envelope.actor)


async def reserve_storage(
    conn: Connection,
    requests: list[tuple[ReserveStorage, Envelope]],
    *,
    deps: "BillingDeps",
) -> list[StorageDecision]:
    """A run of one firm's reservations, decided in order under one lock of its account."""
    firm_id, at = requests[0][1].require_firm(), now()
    expires_at = at + timedelta(seconds=deps.settings.reservation_ttl_seconds)
    storage = await accounts.lock_storage(conn, firm_id)
    if storage is None:
        raise domain.NoAccount()
    sizes = [request.bytes for request, _ in requests]
    granted = domain.grant_in_order(
        storage.storage_used, storage.storage_reserved, storage.storage_limit, sizes
    )
    holds = [
        (r.idempotency_key, r.bytes) for (r, _), ok in zip(requests, granted, strict=True) if ok
    ]
    if holds:
        await reservations.hold_storage(conn, firm_id, holds, at, expires_at)
    decisions = []
    for size, ok in zip(sizes, granted, strict=True):
        if ok:
            storage = storage.model_copy(
                update={"storage_reserved": storage.storage_reserved + size}
            )
        decisions.append(
            _decision(storage, granted=ok, size=size, expires_at=expires_at if ok else None)
        )
    return decisions


def _decision(
    row: StorageRow, *, granted: bool, size: int, expires_at: datetime | None
) -> StorageDecision:
    return StorageDecision(
        granted=granted, bytes=size, expires_at=expires_at,
        used=row.storage_used, reserved=row.storage_reserved, limit=row.storage_limit,
    )  # fmt: skip


def _settled(row: StorageRow, state: str, size: int) -> StorageSettled:
    return StorageSettled(
        state=state, bytes=size,  # type: ignore[arg-type]
        used=row.storage_used, reserved=row.storage_reserved, limit=row.storage_limit,
    )  # fmt: skip


async def _locked_reservation(conn: Connection, firm_id: UUID, key: str) -> ReservationRow:
    if await accounts.lock_account(conn, firm_id) is None:
        raise domain.NoAccount()
    reservation = await reservations.get_reservation(conn, firm_id, key)
    if reservation is None:
        raise domain.UnknownReservation(key)
    return reservation


async def commit_storage(
    conn: Connection, request: CommitStorage, envelope: Envelope, *, deps: "BillingDeps"
) -> StorageSettled:
    firm_id, at = envelope.require_firm(), now()
    reservation = await _locked_reservation(conn, firm_id, request.idempotency_key)
    domain.require_committable(reservation.key, reservation.state, reservation.expires_at, at)
    if reservation.state == "committed":
        current = await accounts.get_storage(conn, firm_id)
        return _settled(current, "committed", reservation.bytes)  # type: ignore[arg-type]
    storage = await reservations.settle_reservation(conn, firm_id, reservation, "committed", at)
    await note_storage_level(conn, firm_id, storage, envelope.actor)
    return _settled(storage, "committed", reservation.bytes)


async def release_storage(
    conn: Connection, request: ReleaseStorage, envelope: Envelope, *, deps: "BillingDeps"
) -> StorageSettled:
    """Releasing twice, or after expiry, gives nothing back twice: it reports the state."""
    firm_id, at = envelope.require_firm(), now()
    reservation = await _locked_reservation(conn, firm_id, request.idempotency_key)
    if reservation.state == "committed":
        raise domain.WrongState("Reservation", reservation.key, "committed", "released")
    if reservation.state != "reserved":
        current = await accounts.get_storage(conn, firm_id)
        return _settled(current, reservation.state, reservation.bytes)  # type: ignore[arg-type]
    storage = await reservations.settle_reservation(conn, firm_id, reservation, "released", at)
    return _settled(storage, "released", reservation.bytes)


async def free_storage(
    conn: Connection, request: FreeStorage, envelope: Envelope, *, deps: "BillingDeps"
) -> StorageSettled:
    firm_id, at = envelope.require_firm(), now()
    storage = await reservations.free_storage(
        conn, firm_id, request.idempotency_key, request.bytes, at
    )
    if storage is None:
        current = await accounts.get_storage(conn, firm_id)
        if current is None:
            raise domain.NoAccount()
        raise domain.NotThatMuchUsed(request.bytes, current.storage_used)
    await note_storage_level(conn, firm_id, storage, envelope.actor)
    return _settled(storage, "freed", request.bytes)


async def reserve_credit(
    conn: Connection, request: ReserveCredit, envelope: Envelope, *, deps: "BillingDeps"
) -> CreditDecision:
    firm_id = envelope.require_firm()
    held = await reservations.reserve_credit(conn, firm_id, request.idempotency_key, now())
    if held is None:
        current = await accounts.get_credits(conn, firm_id)
        if current is None:
            raise domain.NoAccount()
        return CreditDecision(
            granted=False, balance=current.credits, reserved=current.credits_reserved
        )
    if held.credits == 0:
        depleted = BalanceDepleted(reserved=held.credits_reserved)
        await put(conn, depleted, firm_id=firm_id, actor=envelope.actor)
    return CreditDecision(granted=True, balance=held.credits, reserved=held.credits_reserved)


async def _locked_credit_state(conn: Connection, firm_id: UUID, key: str) -> str:
    if await accounts.lock_account(conn, firm_id) is None:
        raise domain.NoAccount()
    state = await reservations.get_credit_state(conn, firm_id, key)
    if state is None:
        raise domain.UnknownReservation(key)
    return state


async def commit_credit(
    conn: Connection, request: CommitCredit, envelope: Envelope, *, deps: "BillingDeps"
) -> CreditSettled:
    firm_id, key = envelope.require_firm(), request.idempotency_key
    state = await _locked_credit_state(conn, firm_id, key)
    domain.require_credit_state(key, state, ("reserved", "committed"), "committed")
    if state == "committed":
        current = await accounts.get_credits(conn, firm_id)
    else:
        current = await reservations.settle_credit(
            conn, firm_id, key, state="committed", returned=0, unheld=1, now=now()
        )
    assert current is not None
    return CreditSettled(
        state="committed", balance=current.credits, reserved=current.credits_reserved
    )


async def release_credit(
    conn: Connection, request: ReleaseCredit, envelope: Envelope, *, deps: "BillingDeps"
) -> CreditSettled:
    """A held credit, or one spent on a request nobody signed yet, goes back to the balance."""
    firm_id, key = envelope.require_firm(), request.idempotency_key
    state = await _locked_credit_state(conn, firm_id, key)
    if state == "released":
        current = await accounts.get_credits(conn, firm_id)
    else:
        unheld = 1 if state == "reserved" else 0
        current = await reservations.settle_credit(
            conn, firm_id, key, state="released", returned=1, unheld=unheld, now=now()
        )
    assert current is not None
    return CreditSettled(
        state="released", balance=current.credits, reserved=current.credits_reserved
    )


EVENT_HANDLERS: Mapping[type[Event], Handler] = {FirmCreated: open_account}

RPC_HANDLERS: Mapping[type[Request], Handler | Batched] = {
    ReserveStorage: Batched(reserve_storage),
    CommitStorage: commit_storage,
    ReleaseStorage: release_storage,
    FreeStorage: free_storage,
    ReserveCredit: reserve_credit,
    CommitCredit: commit_credit,
    ReleaseCredit: release_credit,
}
