"""Names and declarations of exchanges and queues (ARCHITECTURE.md §3)."""

from dataclasses import dataclass

from aio_pika import ExchangeType
from aio_pika.abc import AbstractChannel, AbstractQueue

REQUESTS = "requests"
REVOCATIONS = "revocations"  # a replica's own queue of revocations (shared/revocation.py)


@dataclass(frozen=True)
class BusNames:
    """Every name on the broker; `namespace` prefixes them all so test runs never meet."""

    namespace: str = ""

    @property
    def events(self) -> str:
        return f"{self.namespace}portal.events"

    @property
    def commands(self) -> str:
        return f"{self.namespace}portal.commands"

    @property
    def dead_letters(self) -> str:
        return f"{self.namespace}portal.dlx"

    def queue(self, service: str, purpose: str) -> str:
        """A service's durable queue: `<service>.events`, `<service>.commands`,
        `<service>.requests` (RPC)."""
        return f"{self.namespace}{service}.{purpose}"


async def declare_exchanges(channel: AbstractChannel, names: BusNames) -> None:
    await channel.declare_exchange(names.events, ExchangeType.TOPIC, durable=True)
    await channel.declare_exchange(names.commands, ExchangeType.DIRECT, durable=True)
    await channel.declare_exchange(names.dead_letters, ExchangeType.DIRECT, durable=True)


async def declare_work_queue(
    channel: AbstractChannel, names: BusNames, queue: str, delivery_limit: int
) -> AbstractQueue:
    """A durable quorum queue with its `<queue>.dlq`.

    RabbitMQ 3.10 sets no delivery limit by default, so a poison message would loop for ever:
    every queue sets `x-delivery-limit` and its dead-letter route itself.
    """
    dlq = await channel.declare_queue(
        f"{queue}.dlq", durable=True, arguments={"x-queue-type": "quorum"}
    )
    await dlq.bind(names.dead_letters, routing_key=f"{queue}.dlq")
    return await channel.declare_queue(
        queue,
        durable=True,
        arguments={
            "x-queue-type": "quorum",
            "x-delivery-limit": delivery_limit,
            "x-dead-letter-exchange": names.dead_letters,
            "x-dead-letter-routing-key": f"{queue}.dlq",
        },
    )


async def declare_request_queue(channel: AbstractChannel, queue: str) -> AbstractQueue:
    """A service's RPC queue: durable, but classic and fed transient messages.

    A request is worth nothing after its deadline (seconds): its caller has given up and will
    retry with the same idempotency key. Keeping it through a broker restart, or replicating
    it as a quorum queue does (a Raft log write per message), buys nothing and cost a fifth
    of the ledger's throughput. The deadline also stops a request that kills its server
    from looping, which is what a quorum queue's delivery limit does for events.
    """
    return await channel.declare_queue(queue, durable=True, arguments={"x-queue-type": "classic"})
