"""The client of billing: storage quota held, committed, released and freed over RPC.

Every call goes with one retry policy, the kit client's: a timeout ("unknown") or an
unreachable broker asks again with the same idempotency key, and billing answers a repeated
key with its first answer."""

from uuid import UUID

from services.documents.domain import QuotaExceeded
from shared.bus import Retry, RpcClient, RpcError
from shared.errors import PaymentRequired, Unavailable
from shared.events.base import Request
from shared.events.billing import (
    CommitStorage,
    FreeStorage,
    ReleaseStorage,
    ReserveStorage,
    StorageDecision,
    StorageSettled,
)

# Four tries of 5 s each, about 0.2, 0.4 and 0.8 s apart (the old loop waited 0.2, 0.4, 0.6 s).
RETRY = Retry(attempts=4, timeout=5.0, backoff_base=0.2, backoff_cap=1.0)


class Billing:
    def __init__(self, rpc: RpcClient, *, retry: Retry = RETRY) -> None:
        self.rpc = rpc
        self.retry = retry

    async def _call(self, request: Request, firm_id: UUID, actor: UUID | None) -> object:
        return await self.rpc.call(request, firm_id=firm_id, actor=actor, retry=self.retry)

    async def reserve(self, firm_id: UUID, actor: UUID | None, key: str, size: int) -> None:
        """Hold `size` bytes under `key`, or raise QuotaExceeded (402 with used/limit)."""
        try:
            decision = await self._call(
                ReserveStorage(idempotency_key=key, bytes=size), firm_id, actor
            )
        except RpcError as error:
            if error.status == 404:
                raise PaymentRequired("The firm has no storage account yet.") from None
            raise Unavailable(f"Billing refused the reservation: {error.detail}") from None
        assert isinstance(decision, StorageDecision)
        if not decision.granted:
            raise QuotaExceeded(
                used=decision.used, reserved=decision.reserved, limit=decision.limit, wanted=size
            )

    async def commit(self, firm_id: UUID, key: str, size: int) -> str:
        """Commit the hold; if it lapsed meanwhile (a long resumable upload), hold again and
        commit that. Returns the key that was committed."""
        try:
            await self._call(CommitStorage(idempotency_key=key), firm_id, None)
            return key
        except RpcError as error:
            if error.status != 410:
                raise
        renewed = f"{key}:renewed"
        await self.reserve(firm_id, None, renewed, size)
        await self._call(CommitStorage(idempotency_key=renewed), firm_id, None)
        return renewed

    async def release(self, firm_id: UUID, key: str) -> None:
        """Give back a hold; a hold billing never granted or already expired is fine."""
        try:
            settled = await self._call(ReleaseStorage(idempotency_key=key), firm_id, None)
        except RpcError as error:
            if error.status in (404, 409, 410):
                return
            raise
        assert isinstance(settled, StorageSettled)

    async def free(self, firm_id: UUID, key: str, size: int) -> None:
        await self._call(FreeStorage(idempotency_key=key, bytes=size), firm_id, None)
