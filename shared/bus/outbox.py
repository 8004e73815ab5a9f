"""Transactional outbox: messages commit with the state change; a relay publishes them.

The relay never selects `id > last_seen`: ids and timestamps are taken at insert, not at
commit, so a cursor would skip a slower concurrent transaction for ever. It locks whatever is
unpublished with `FOR UPDATE SKIP LOCKED` (safe with several relays), publishes with
confirms, and deletes the rows in the same transaction.
"""

import asyncio
import logging
from contextlib import suppress
from typing import Any
from uuid import UUID

import aio_pika
import asyncpg
from opentelemetry import trace

from shared.backoff import backoff_delay
from shared.bus.connection import Bus
from shared.database import Connection, Database
from shared.events.base import Command, Envelope, Event
from shared.telemetry import extract_context, inject_headers, tracer

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "portal_outbox"


async def put(
    conn: Connection, body: Event | Command, *, firm_id: UUID | None, actor: UUID | None
) -> Envelope:
    """Stage a message in the caller's transaction; it is published only if that commits."""
    envelope = Envelope.wrap(body, firm_id=firm_id, actor=actor)
    kind, routing_key = (
        ("event", body.type) if isinstance(body, Event) else ("command", body.target)
    )
    await conn.execute(
        """WITH staged AS (
               INSERT INTO outbox (id, kind, routing_key, body, headers)
               VALUES ($1, $2, $3, $4, $5))
           SELECT pg_notify($6, '')""",
        envelope.id,
        kind,
        routing_key,
        envelope.model_dump_json().encode(),
        inject_headers(),
        NOTIFY_CHANNEL,
    )
    return envelope


class OutboxRelay:
    """Publishes staged messages; wakes on NOTIFY and polls too, so a lost notice only delays."""

    def __init__(
        self,
        db: Database,
        bus: Bus,
        dsn: str,
        *,
        batch_size: int = 500,
        poll_seconds: float = 1.0,
    ) -> None:
        self.db = db
        self.bus = bus
        self.dsn = dsn
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        if self._listener and not self._listener.is_closed():
            await self._listener.close()

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                await self._listen()
                published = await self.publish_batch()
                failures = 0
            except Exception as exc:
                failures += 1
                log.warning("outbox relay: %s; retry %d", exc, failures)
                await asyncio.sleep(backoff_delay(failures, 0.2, 5.0))
                continue
            if published < self.batch_size:
                await self._sleep()

    async def _sleep(self) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
        self._wake.clear()

    async def _listen(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        self._listener = await asyncpg.connect(self.dsn)
        await self._listener.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())

    async def publish_batch(self) -> int:
        """Publish up to one batch; returns how many rows were published and removed."""
        async with self.db.transaction() as conn:
            rows = await conn.fetch(
                """SELECT id, kind, routing_key, body, headers FROM outbox
                   ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED""",
                self.batch_size,
            )
            if not rows:
                return 0
            await asyncio.gather(*(self._publish(row) for row in rows))
            await conn.execute(
                "DELETE FROM outbox WHERE id = ANY($1::uuid[])", [r["id"] for r in rows]
            )
        return len(rows)

    async def _publish(self, row: asyncpg.Record) -> None:
        exchange = self.bus.names.events if row["kind"] == "event" else self.bus.names.commands
        with tracer.start_as_current_span(
            f"publish {row['routing_key']}",
            context=extract_context(row["headers"]),
            kind=trace.SpanKind.PRODUCER,
        ):
            await self.bus.publish(exchange, row["routing_key"], _amqp_message(row))


def _amqp_message(row: asyncpg.Record) -> aio_pika.Message:
    headers: dict[str, Any] = inject_headers()
    return aio_pika.Message(
        row["body"],
        message_id=str(row["id"]),
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        headers=headers,
    )
