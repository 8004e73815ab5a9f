"""Dead-letter queues: how many messages each holds, and sending them back to be handled.

A message is re-driven straight to its work queue through the default exchange, not to the
topic exchange it first came through, which would hand it again to every other service that
had already handled it. It keeps its id, so a consumer that did handle it once (its inbox
has the id) acknowledges it without doing it twice; the broker's own headers (`x-death`,
`x-delivery-count`) are dropped, so it gets a full delivery limit again.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage
from aio_pika.exceptions import ChannelClosed

from portalctl.targets import SERVICES, settings_of, work_queues
from shared.bus import BusNames
from shared.bus.connection import close_connection

BROKER_HEADERS = ("x-death", "x-delivery-count", "x-first-death-exchange",
                  "x-first-death-queue", "x-first-death-reason", "x-last-death-exchange",
                  "x-last-death-queue", "x-last-death-reason")  # fmt: skip


@dataclass(frozen=True)
class QueueDepth:
    queue: str
    ready: int | None  # None: the queue does not exist (its service never started)
    consumers: int | None
    dead: int | None


@asynccontextmanager
async def broker() -> AsyncIterator[tuple[AbstractConnection, BusNames]]:
    settings = settings_of(SERVICES[0])  # AMQP_URL and BUS_NAMESPACE are shared
    connection = await aio_pika.connect(settings.amqp_url, timeout=10)
    try:
        yield connection, BusNames(settings.bus_namespace)
    finally:
        await close_connection(connection)


async def depths() -> list[QueueDepth]:
    async with broker() as (connection, names):
        queues = [q for service in SERVICES for q in work_queues(service, names)]
        return [await _depth(connection, queue) for queue in queues]


async def _depth(connection: AbstractConnection, queue: str) -> QueueDepth:
    work = await _declared(connection, queue)
    dead = await _declared(connection, f"{queue}.dlq")
    return QueueDepth(
        queue,
        work.message_count if work else None,
        work.consumer_count if work else None,
        dead.message_count if dead else None,
    )


async def _declared(connection: AbstractConnection, queue: str) -> Any:
    """The queue's counts (a passive declare), or None if it does not exist."""
    channel = await connection.channel()
    try:
        declared = await channel.declare_queue(queue, passive=True)
        return declared.declaration_result
    except ChannelClosed:  # 404: a passive declare of a missing queue closes the channel
        return None
    finally:
        with suppress(Exception):
            await channel.close()


class NoSuchQueue(LookupError):
    pass


async def redrive(queue: str, limit: int | None, progress: Callable[[int], None]) -> int:
    """Move up to `limit` messages (all, if None) from `<queue>.dlq` back to `queue`, each
    acknowledged in the DLQ only once the broker confirmed it in the queue."""
    queue = queue.removesuffix(".dlq")
    async with broker() as (connection, _names):
        if await _declared(connection, queue) is None:
            raise NoSuchQueue(f"no queue {queue}")
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        dlq = await channel.declare_queue(f"{queue}.dlq", passive=True)
        moved = 0
        while limit is None or moved < limit:
            message = await dlq.get(no_ack=False, fail=False, timeout=10)
            if message is None:
                break
            await _send_back(channel, queue, message)
            moved += 1
            progress(moved)
        return moved


async def _send_back(
    channel: AbstractChannel, queue: str, message: AbstractIncomingMessage
) -> None:
    headers = {k: v for k, v in (message.headers or {}).items() if k not in BROKER_HEADERS}
    again = aio_pika.Message(
        message.body, headers=headers, message_id=message.message_id,
        content_type=message.content_type, correlation_id=message.correlation_id,
        type=message.type, delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )  # fmt: skip
    await channel.default_exchange.publish(again, routing_key=queue, mandatory=True, timeout=10)
    await message.ack()
