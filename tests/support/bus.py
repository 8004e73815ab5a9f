"""Test messages and a probe that records what reaches the broker."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, ClassVar

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from shared.bus import Bus, BusNames
from shared.bus.topology import declare_exchanges
from shared.database import KIT_MIGRATIONS, Database, migrate
from shared.events.base import Event, Reply, Request, message


@message("test.widget.made", 1)
class WidgetMade(Event):
    """A test-only event."""

    n: int


class Total(Reply):
    total: int


@message("test.counter.add", 1, target="counter")
class AddToCounter(Request):
    reply: ClassVar[type[Reply]] = Total
    amount: int


@message("test.ghost.ask", 1, target="ghost")
class AskGhost(Request):
    reply: ClassVar[type[Reply]] = Total


class Probe:
    """An exclusive queue bound to every event of a namespace; keeps the envelopes."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []

    def ids(self) -> list[str]:
        return [m["id"] for m in self.received]

    async def _on(self, incoming: AbstractIncomingMessage) -> None:
        self.received.append(json.loads(incoming.body))


@asynccontextmanager
async def probe(url: str, names: BusNames, key: str = "test.#") -> AsyncIterator[Probe]:
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        await declare_exchanges(channel, names)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(names.events, routing_key=key)
        recorder = Probe()
        await queue.consume(recorder._on, no_ack=True)
        yield recorder
    finally:
        await connection.close()


@asynccontextmanager
async def running_bus(url: str, names: BusNames, name: str = "test") -> AsyncIterator[Bus]:
    bus = Bus(url, names, name=name, publish_timeout=5.0)
    await bus.start()
    try:
        yield bus
    finally:
        await bus.stop()


@asynccontextmanager
async def kit_database(dsn: str) -> AsyncIterator[Database]:
    await migrate(dsn, [("kit", KIT_MIGRATIONS)])
    db = await Database.connect(dsn)
    try:
        yield db
    finally:
        await db.close()


async def stage_widgets(db: Database, numbers: range) -> None:
    from shared.bus import put

    async with db.transaction() as conn:
        for n in numbers:
            await put(conn, WidgetMade(n=n), firm_id=None, actor=None)


async def settle(seconds: float = 0.5) -> None:
    """Give a message that should NOT arrive the time it would need to."""
    await asyncio.sleep(seconds)
