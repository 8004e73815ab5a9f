"""Names and declarations of exchanges and queues (ARCHITECTURE.md §3)."""

import logging
import re
from contextlib import suppress
from dataclasses import dataclass

from aio_pika import ExchangeType
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractQueue
from aio_pika.exceptions import ChannelPreconditionFailed
from pamqp.common import FieldTable

log = logging.getLogger(__name__)

REQUESTS = "requests"
EVERY_EVENT = "#"
# RabbitMQ's duration for a stream's `x-max-age`: a number and one unit (years, months, days,
# hours, minutes, seconds).
MAX_AGE = re.compile(r"^[1-9][0-9]*(Y|M|D|h|m|s)$")
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

    @property
    def archive(self) -> str:
        """The stream that keeps every public event (`x-queue-type: stream`)."""
        return f"{self.namespace}portal.events.archive"

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


@dataclass(frozen=True)
class Archive:
    """The retention of the events archive: what is older than `max_age`, or beyond
    `max_bytes` in all, goes (a whole segment file at a time, the oldest first)."""

    max_age: str
    max_bytes: int

    def __post_init__(self) -> None:
        if not MAX_AGE.match(self.max_age):
            raise ValueError(f"x-max-age {self.max_age!r} is not a number and one of Y M D h m s")

    def arguments(self) -> FieldTable:
        return {
            "x-queue-type": "stream",
            "x-max-age": self.max_age,
            "x-max-length-bytes": self.max_bytes,
        }


async def declare_archive(
    connection: AbstractConnection, names: BusNames, archive: Archive
) -> None:
    """The stream bound to every event, declared (idempotently) by every service before its
    first publish, so no event is published before it is kept.

    A stream that exists with other retention refuses the declaration (PRECONDITION_FAILED):
    its retention is then changed with a policy, not by redeclaring (deploy/README.md), so
    this is logged and the service carries on. The declaration has its own channel, which
    that refusal closes, and not the publisher's."""
    channel = await connection.channel()
    try:
        stream = await channel.declare_queue(
            names.archive, durable=True, arguments=archive.arguments()
        )
        await stream.bind(names.events, routing_key=EVERY_EVENT)
    except ChannelPreconditionFailed as exc:
        log.warning("the events archive exists with other arguments; kept as it is: %s", exc)
    finally:
        with suppress(Exception):
            await channel.close()
