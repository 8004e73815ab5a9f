"""One capture of what a namespace's services say: an exclusive queue bound to every event and
to the commands sent to notify, keeping each envelope as it arrived (the JSON other services
receive). Tests read it with `of(type)` and wait on it with `next(type, where)`."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from shared.bus import BusNames
from shared.bus.connection import close_connection
from shared.bus.topology import declare_exchanges
from tests.support.infra import wait_until

MARKER = "test.capture.marker"  # a routing key no service binds to
Where = Callable[[dict[str, Any]], bool]


@dataclass
class Capture:
    """Every envelope published in the namespace since the capture opened, in arrival order."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    _exchange: aio_pika.abc.AbstractExchange | None = None
    _markers: dict[str, asyncio.Event] = field(default_factory=dict)

    def of(self, type_: str) -> list[dict[str, Any]]:
        """The data of each message of this type."""
        return [m["data"] for m in self.messages if m["type"] == type_]

    def under(self, prefix: str) -> list[dict[str, Any]]:
        """The envelopes whose type starts with `prefix` (`"billing.balance."`)."""
        return [m for m in self.messages if m["type"].startswith(prefix)]

    def types(self) -> list[str]:
        return [m["type"] for m in self.messages]

    def ids(self) -> list[str]:
        return [m["id"] for m in self.messages]

    async def next(
        self, type_: str, where: Where = lambda _d: True, timeout: float = 10.0
    ) -> dict[str, Any]:
        """The data of the first message of this type that `where` accepts, once it arrived."""
        await wait_until(lambda: any(where(d) for d in self.of(type_)), timeout=timeout)
        return next(d for d in self.of(type_) if where(d))

    async def caught_up(self, timeout: float = 10.0) -> None:
        """Send a marker through the broker and wait until it comes back. A queue delivers in
        order, so by then every message the broker had confirmed before has been recorded:
        after a producer's outbox is empty, a message it should not have sent would be here.
        The marker is not recorded."""
        assert self._exchange is not None, "the capture is not open"
        marker = str(uuid.uuid4())
        self._markers[marker] = arrived = asyncio.Event()
        await self._exchange.publish(aio_pika.Message(b"{}", message_id=marker), routing_key=MARKER)
        await asyncio.wait_for(arrived.wait(), timeout)

    async def _on(self, incoming: AbstractIncomingMessage) -> None:
        marker = self._markers.pop(incoming.message_id or "", None)
        if marker is not None:
            marker.set()
            return
        self.messages.append(json.loads(incoming.body))


@asynccontextmanager
async def capture(url: str, names: BusNames) -> AsyncIterator[Capture]:
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        await declare_exchanges(channel, names)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(names.events, routing_key="#")
        await queue.bind(names.commands, routing_key="notify")
        found = Capture(_exchange=await channel.get_exchange(names.events))
        await queue.consume(found._on, no_ack=True)
        yield found
    finally:
        await close_connection(connection)
