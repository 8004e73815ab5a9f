"""The client of billing: storage quota held, committed, released and freed over RPC.

A timeout means "unknown": the same request (same idempotency key) is sent again, and billing
answers a repeated key with its first answer."""

import asyncio
import logging
from uuid import UUID

from services.documents.domain import QuotaExceeded
from shared.bus import RpcClient, RpcError, RpcTimeout, RpcUnavailable
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

log = logging.getLogger(__name__)


class Billing:
    def __init__(self, rpc: RpcClient, *, attempts: int = 4, timeout: float = 5.0) -> None:
        self.rpc = rpc
        self.attempts = attempts
        self.timeout = timeout

    async def _call(self, request: Request, firm_id: UUID, actor: UUID | None) -> object:
        for attempt in range(1, self.attempts + 1):
            try:
                return await self.rpc.call(
                    request, firm_id=firm_id, actor=actor, timeout=self.timeout
                )
            except (RpcTimeout, RpcUnavailable):
                if attempt == self.attempts:
                    raise
                log.warning("billing did not answer %s; asking again", request.type)
                await asyncio.sleep(0.2 * attempt)
        raise AssertionError("unreachable")

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
