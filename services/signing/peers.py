"""What signing's clients of billing and documents share: each call goes through the kit's RPC
client with signing's retry policy (`SIGNING_RPC_ATTEMPTS`, `SIGNING_RPC_TIMEOUT_SECONDS`).
The kit asks again, with the same idempotency key, when no answer came or the broker did not
take the request; the callee answers a repeated key with its first answer, so nothing is done
twice. Callers keep no retry loop of their own."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from shared.bus import Retry, RpcClient, RpcTimeout
from shared.errors import Unavailable
from shared.events.base import Request


@dataclass(frozen=True)
class Peer:
    """A client of one peer service: its calls go through `ask`."""

    rpc: RpcClient
    retry: Retry

    async def ask(self, request: Request, firm_id: UUID, actor: UUID | None) -> Any:
        try:
            return await self.rpc.call(request, firm_id=firm_id, actor=actor, retry=self.retry)
        except RpcTimeout:
            # Every attempt went unanswered: the outcome is unknown, and asking later is safe.
            raise Unavailable(
                f"{request.target} did not answer; try again (nothing was done twice)."
            ) from None
