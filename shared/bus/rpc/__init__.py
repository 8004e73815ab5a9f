"""RPC over AMQP: a request to the owner's `<service>.requests` queue, the answer to `reply_to`.

- `client`: the caller's side: `RpcClient`, its retry policy `Retry`, the errors it raises;
  calls asked while the previous request to a queue awaited its confirm go as one message.
- `server`: the callee's side: `RpcServer`, serving requests in batches, and `Batched`.
- `replies`: the callee's stored first answers: a repeated idempotency key (scoped by firm) is
  answered with the first answer, stored in the same transaction as the handler's effects.

Every public name is here, so callers import from `shared.bus.rpc` (or `shared.bus`).
"""

from shared.bus.rpc.client import (
    DEADLINE_HEADER,
    Retry,
    RpcClient,
    RpcError,
    RpcTimeout,
    RpcUnavailable,
)
from shared.bus.rpc.replies import NO_FIRM
from shared.bus.rpc.server import Batched, BatchHandler, RpcHandler, RpcServer

__all__ = [
    "DEADLINE_HEADER",
    "NO_FIRM",
    "BatchHandler",
    "Batched",
    "Retry",
    "RpcClient",
    "RpcError",
    "RpcHandler",
    "RpcServer",
    "RpcTimeout",
    "RpcUnavailable",
]
