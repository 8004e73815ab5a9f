"""Idempotent consumer of events or commands, with bounded retries and a dead-letter queue.

The message id goes into `inbox` in the same transaction as the handler's effects, so a
redelivered message is acknowledged and skipped. A failing handler's message is handed back
after a growing delay (so a minute of database outage does not burn the delivery limit);
past `x-delivery-limit` the broker moves it to `<queue>.dlq`.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from typing import Any

from aio_pika.abc import AbstractConnection, AbstractIncomingMessage, AbstractQueue
from opentelemetry import trace
from pydantic import ValidationError

from shared.backoff import backoff_delay
from shared.bus.connection import Bus
from shared.bus.topology import declare_work_queue
from shared.database import Connection, Database
from shared.events.base import Envelope, Message, UnknownMessage
from shared.metrics import Metrics

log = logging.getLogger(__name__)

Handler = Callable[[Connection, Any, Envelope], Awaitable[None]]


class Consumer:
    """Consumes one queue bound to `exchange` with the routing keys of its handlers' types."""

    def __init__(
        self,
        *,
        bus: Bus,
        db: Database,
        queue: str,
        exchange: str,
        routing_keys: list[str],
        handlers: Mapping[type[Message], Handler],
        prefetch: int = 64,
        delivery_limit: int = 20,
        retry_base: float = 0.5,
        retry_cap: float = 15.0,
        metrics: Metrics | None = None,
    ) -> None:
        self.bus = bus
        self.db = db
        self.queue = queue
        self.exchange = exchange
        self.routing_keys = routing_keys
        self.handlers = dict(handlers)
        self.prefetch = prefetch
        self.delivery_limit = delivery_limit
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        self.metrics = metrics or Metrics()
        self._queue: AbstractQueue | None = None
        self._tag: str | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        bus.on_connect(self._start)

    async def _start(self, connection: AbstractConnection) -> None:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=self.prefetch)
        queue = await declare_work_queue(channel, self.bus.names, self.queue, self.delivery_limit)
        for key in self.routing_keys:
            await queue.bind(self.exchange, routing_key=key)
        self.bus.watch(channel)
        self._queue = queue
        self._tag = await queue.consume(self._on_message)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        """aiormq runs each delivery's callback in a task of its own, so waiting here keeps
        messages concurrent, and the consumer span of aio-pika's instrumentation (around this
        callback) lasts as long as the handling. The handling is a task of ours so that
        `stop` can wait for it; `wait` leaves it running if this callback is cancelled."""
        task = asyncio.create_task(self._handle(message))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        await asyncio.wait({task})

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop taking messages, let in-flight ones finish (up to `timeout`)."""
        if self._queue and self._tag:
            with suppress(Exception):
                await self._queue.cancel(self._tag)
        if self._inflight:
            await asyncio.wait(set(self._inflight), timeout=timeout)
        for task in self._inflight:
            task.cancel()

    async def _handle(self, message: AbstractIncomingMessage) -> None:
        span = trace.get_current_span()
        span.update_name(f"consume {message.routing_key}")
        span.set_attribute("messaging.destination.name", self.queue)
        try:
            envelope = Envelope.model_validate_json(message.body)
            body = envelope.open()
        except (ValidationError, UnknownMessage) as exc:
            log.error("unreadable message %s dead-lettered: %s", message.message_id, exc)
            await message.reject(requeue=False)
            self.metrics.dead_lettered.labels(self.queue, message.routing_key or "").inc()
            return
        await self._apply(message, envelope, body)

    async def _apply(
        self, message: AbstractIncomingMessage, envelope: Envelope, body: Message
    ) -> None:
        handler = self.handlers.get(type(body))
        try:
            if handler is not None:
                async with self.db.transaction() as conn:
                    if await _first_delivery(conn, envelope):
                        await handler(conn, body, envelope)
            await message.ack()
            self.metrics.consumed.labels(self.queue, envelope.type).inc()
        except Exception:
            deliveries = int(str((message.headers or {}).get("x-delivery-count", 0) or 0)) + 1
            log.exception("handling %s failed (delivery %d)", envelope.type, deliveries)
            self.metrics.failed.labels(self.queue, envelope.type).inc()
            if deliveries > self.delivery_limit:
                # The broker dead-letters a message handed back past its delivery limit.
                self.metrics.dead_lettered.labels(self.queue, envelope.type).inc()
            await asyncio.sleep(backoff_delay(deliveries, self.retry_base, self.retry_cap))
            with suppress(Exception):
                await message.nack(requeue=True)


async def _first_delivery(conn: Connection, envelope: Envelope) -> bool:
    inserted = await conn.fetchval(
        """INSERT INTO inbox (message_id, type) VALUES ($1, $2)
           ON CONFLICT (message_id) DO NOTHING RETURNING true""",
        envelope.id,
        envelope.type,
    )
    return bool(inserted)
