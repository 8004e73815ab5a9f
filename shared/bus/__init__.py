"""RabbitMQ plumbing: one supervised connection, outbox relay, idempotent consumers, RPC."""

from shared.bus.connection import Bus
from shared.bus.consumer import Consumer, Handler
from shared.bus.outbox import Backlog, OutboxRelay, backlog, outbox_backlog, put
from shared.bus.rpc import (
    Batched,
    Retry,
    RpcClient,
    RpcError,
    RpcHandler,
    RpcServer,
    RpcTimeout,
    RpcUnavailable,
)
from shared.bus.topology import BusNames

__all__ = [
    "Backlog",
    "Batched",
    "Bus",
    "BusNames",
    "Consumer",
    "Handler",
    "OutboxRelay",
    "Retry",
    "RpcClient",
    "RpcError",
    "RpcHandler",
    "RpcServer",
    "RpcTimeout",
    "RpcUnavailable",
    "backlog",
    "outbox_backlog",
    "put",
]
