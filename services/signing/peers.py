"""What signing's clients of billing and documents share: one RPC over the kit's client, a
timeout taken as "unknown" and asked again with the same idempotency key (the callee answers a
repeated key with its first answer, so nothing is done twice).

Until the kit's `RpcClient.call` takes a retry policy itself (branch `rpckit`), this is the one
place signing retries; the peer clients never loop on their own."""

import logging
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from shared.bus import RpcClient, RpcTimeout
from shared.errors import Unavailable
from shared.events.base import Request

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Peer:
    """A client of one peer service: its calls go through `ask`."""

    rpc: RpcClient
    attempts: int
    timeout: float

    async def ask(self, request: Request, firm_id: UUID, actor: UUID | None) -> Any:
        for attempt in range(1, self.attempts + 1):
            try:
                return await self.rpc.call(
                    request, firm_id=firm_id, actor=actor, timeout=self.timeout
                )
            except RpcTimeout:
                log.warning("%s timed out (attempt %d); retrying", request.type, attempt)
        raise Unavailable(f"{request.target} did not answer; try again (nothing was done twice).")
