"""Transactional outbox: messages commit with the state change; a relay publishes them.

The relay never selects `id > last_seen`: ids and timestamps are taken at insert, not at
commit, so a cursor would skip a slower concurrent transaction for ever. It locks whatever is
unpublished with `FOR UPDATE SKIP LOCKED` (safe with several relays), publishes with
confirms, and deletes the rows in the same transaction.
"""

import asyncio
import logging
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import aio_pika
import asyncpg

from shared.bus.connection import Bus
from shared.database import Connection, Database
from shared.events.base import Command, Envelope, Event
from shared.metrics import Metrics
from shared.telemetry import continued, inject_headers
from shared.wakeup import NotifiedWorker

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "portal_outbox"


async def put(
    conn: Connection, body: Event | Command, *, firm_id: UUID | None, actor: UUID | None
) -> Envelope:
    """Stage a message in the caller's transaction; it is published only if that commits.
    The current trace context is staged with it: the publish belongs to the same trace."""
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
        metrics: Metrics | None = None,
    ) -> None:
        self.db = db
        self.bus = bus
        self.batch_size = batch_size
        self.metrics = metrics or Metrics()
        self._worker = NotifiedWorker(
            name="outbox-relay", dsn=dsn, channel=NOTIFY_CHANNEL, step=self._step,
            poll_seconds=poll_seconds,
        )  # fmt: skip

    async def start(self) -> None:
        await self._worker.start()

    async def stop(self) -> None:
        await self._worker.stop()

    async def _step(self) -> bool:
        return await self.publish_batch() == self.batch_size

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
        """In the staging request's trace: the aio-pika instrumentation makes the producer
        span there and writes its context over the staged one in the message's headers."""
        exchange = self.bus.names.events if row["kind"] == "event" else self.bus.names.commands
        with continued(row["headers"]):
            await self.bus.publish(exchange, row["routing_key"], _amqp_message(row))
        self.metrics.published.labels(_type_of(row)).inc()


def _type_of(row: asyncpg.Record) -> str:
    """An event's type is its routing key; a command's key is its target, its type is inside."""
    if row["kind"] == "event":
        return str(row["routing_key"])
    return str(Envelope.model_validate_json(row["body"]).type)


def _amqp_message(row: asyncpg.Record) -> aio_pika.Message:
    headers: dict[str, Any] = dict(row["headers"] or {})
    return aio_pika.Message(
        row["body"],
        message_id=str(row["id"]),
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        headers=headers,
    )


@dataclass(frozen=True)
class Backlog:
    """What waits in an outbox: a growing age means the relay is not publishing (broker down
    or refusing, relay stuck)."""

    pending: int
    oldest_seconds: float


async def backlog(conn: Connection) -> Backlog:
    row = await conn.fetchrow(
        """SELECT count(*) AS pending,
                  coalesce(extract(epoch FROM now() - min(created_at)), 0) AS lag
           FROM outbox"""
    )
    return Backlog(row["pending"], float(row["lag"]))


async def outbox_backlog(db: Database, metrics: Metrics) -> None:
    """Set the outbox gauges from the database."""
    async with db.transaction(readonly=True) as conn:
        found = await backlog(conn)
    metrics.outbox_pending.set(found.pending)
    metrics.outbox_lag.set(found.oldest_seconds)
