"""Replaying a time range of one event type from the events archive into a queue.

The archive is a stream: reading it from a point in time (`x-stream-offset` with a
timestamp) starts at the chunk holding that time, so it may begin a little earlier; and events
are in the order they were published, which may lag a moment behind their `occurred_at` (the
outbox relay publishes after commit). So the range is decided by each event's own
`occurred_at`: reading starts `lateness` before `since`, stops at the first event more than
`lateness` after `until` (or when the stream has nothing more for `idle` seconds: its end),
and only events of the type inside [since, until] go into the queue, each as it was published
(same id, so a consumer's inbox skips one it has already handled).
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage
from aio_pika.exceptions import ChannelClosed
from pydantic import ValidationError

from portalctl.dead_letters import broker
from shared.bus import BusNames
from shared.events.base import Envelope

PREFETCH = 500  # a stream consumer must set one; messages flow as they are acknowledged
STREAM_HEADERS = ("x-stream-offset",)


@dataclass(frozen=True)
class Window:
    event_type: str
    since: datetime
    until: datetime
    lateness: timedelta

    def holds(self, envelope: Envelope) -> bool:
        return envelope.type == self.event_type and self.since <= envelope.occurred_at <= self.until

    def passed(self, envelope: Envelope) -> bool:
        return envelope.occurred_at > self.until + self.lateness


@dataclass(frozen=True)
class Replayed:
    read: int
    delivered: int


class NoArchive(LookupError):
    pass


async def replay(
    window: Window, into: str, *, idle: float, progress: Callable[[int], None]
) -> Replayed:
    async with broker() as (connection, names):
        return await _copy(connection, names, window, into, idle, progress)


async def _target(connection: AbstractConnection, queue: str) -> AbstractChannel:
    """A channel with publisher confirms, onto which `queue` exists (declared if missing, as
    a durable quorum queue like the kit's work queues)."""
    probe = await connection.channel()
    try:
        await probe.declare_queue(queue, passive=True)
    except ChannelClosed:  # 404: a passive declare of a missing queue closes the channel
        made = await connection.channel()
        await made.declare_queue(queue, durable=True, arguments={"x-queue-type": "quorum"})
        await made.close()
    else:
        await probe.close()
    return await connection.channel(publisher_confirms=True)


async def _copy(
    connection: AbstractConnection, names: BusNames, window: Window,
    into: str, idle: float, progress: Callable[[int], None],
) -> Replayed:  # fmt: skip
    reading = await connection.channel()
    await reading.set_qos(prefetch_count=PREFETCH)
    try:
        stream = await reading.declare_queue(names.archive, passive=True)
    except ChannelClosed:
        raise NoArchive(f"no events archive {names.archive!r} on this broker") from None
    channel = await _target(connection, into)
    arrived: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
    start = window.since - window.lateness
    tag = await stream.consume(arrived.put, arguments={"x-stream-offset": start})
    read = delivered = 0
    try:
        while True:
            try:
                message = await asyncio.wait_for(arrived.get(), idle)
            except TimeoutError:  # the stream's end: nothing newer has been published
                break
            envelope = _envelope(message)
            read += 1
            if envelope is not None and window.passed(envelope):
                break
            if envelope is not None and window.holds(envelope):
                await channel.default_exchange.publish(_copy_of(message), into)
                delivered += 1
                progress(delivered)
            await message.ack()
    finally:
        await stream.cancel(tag)
    return Replayed(read, delivered)


def _envelope(message: AbstractIncomingMessage) -> Envelope | None:
    """The envelope, or None for a message that is not one (skipped, as consumers do)."""
    try:
        return Envelope.model_validate_json(message.body)
    except ValidationError:
        return None


def _copy_of(message: AbstractIncomingMessage) -> aio_pika.Message:
    headers: dict[str, Any] = {
        k: v for k, v in (message.headers or {}).items() if k not in STREAM_HEADERS
    }
    return aio_pika.Message(
        message.body,
        message_id=message.message_id,
        content_type=message.content_type,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        headers=headers,
    )
