"""Consumers: a redelivered event has its effect once; a poison message ends in the DLQ
while others keep flowing; after the broker drops every connection, work resumes by itself."""

import asyncio
import uuid

import aio_pika
import pytest

from shared.bus import Bus, BusNames, Consumer, OutboxRelay
from shared.database import Database
from shared.events.base import Envelope
from tests.support.bus import WidgetMade, kit_database, running_bus, stage_widgets
from tests.support.infra import Rabbit, wait_until


async def record_widget(conn, event: WidgetMade, envelope: Envelope) -> None:  # type: ignore[no-untyped-def]
    if event.n == 13:
        raise RuntimeError("13 is unlucky: this handler always fails on it")
    await conn.execute("INSERT INTO widgets (n) VALUES ($1)", event.n)


async def widgets(db: Database) -> list[int]:
    async with db.transaction() as conn:
        return [r["n"] for r in await conn.fetch("SELECT n FROM widgets ORDER BY n")]


@pytest.fixture
async def db(database):  # type: ignore[no-untyped-def]
    async with kit_database(database) as db:
        async with db.transaction() as conn:
            await conn.execute("CREATE TABLE widgets (n int NOT NULL)")
        yield db


def widget_consumer(bus: Bus, db: Database, **options) -> Consumer:  # type: ignore[no-untyped-def]
    return Consumer(
        bus=bus, db=db, queue=bus.names.queue("widgets", "events"), exchange=bus.names.events,
        routing_keys=[WidgetMade.type], handlers={WidgetMade: record_widget},
        retry_base=0.01, retry_cap=0.05, **options,
    )  # fmt: skip


async def publish_raw(bus: Bus, body: bytes, message_id: str) -> None:
    message = aio_pika.Message(body, message_id=message_id, delivery_mode=2)
    await bus.publish(bus.names.events, WidgetMade.type, message)


async def test_same_event_delivered_twice_has_its_effect_once(
    db, rabbit: Rabbit, namespace
) -> None:
    names = BusNames(namespace)
    async with running_bus(rabbit.url, names, "publisher") as publisher:
        bus = Bus(rabbit.url, names, name="consumer")
        consumer = widget_consumer(bus, db)
        await bus.start()
        envelope = Envelope.wrap(WidgetMade(n=7), firm_id=None, actor=None)
        body = envelope.model_dump_json().encode()
        await publish_raw(publisher, body, str(envelope.id))
        await publish_raw(publisher, body, str(envelope.id))
        after = Envelope.wrap(WidgetMade(n=8), firm_id=None, actor=None)
        await publish_raw(publisher, after.model_dump_json().encode(), str(after.id))
        await wait_until(lambda: _has(db, 8))
        await consumer.stop()
        await bus.stop()
    assert await widgets(db) == [7, 8]


async def _has(db: Database, n: int) -> bool:
    return n in await widgets(db)


async def test_poison_message_goes_to_dlq_and_others_flow(db, rabbit: Rabbit, namespace) -> None:
    names = BusNames(namespace)
    bus = Bus(rabbit.url, names, name="consumer")
    consumer = widget_consumer(bus, db, delivery_limit=3)
    await bus.start()
    try:
        poison = Envelope.wrap(WidgetMade(n=13), firm_id=None, actor=None)
        await publish_raw(bus, poison.model_dump_json().encode(), str(poison.id))
        await publish_raw(bus, b"not json at all", str(uuid.uuid4()))
        for n in range(20):
            good = Envelope.wrap(WidgetMade(n=n + 100), firm_id=None, actor=None)
            await publish_raw(bus, good.model_dump_json().encode(), str(good.id))
        await wait_until(lambda: _count(db, 20), timeout=20)
        dead = await _drain(rabbit.url, f"{names.queue('widgets', 'events')}.dlq", expect=2)
    finally:
        await consumer.stop()
        await bus.stop()
    assert sorted(dead, key=len) == sorted(
        [b"not json at all", poison.model_dump_json().encode()], key=len
    )
    assert await widgets(db) == list(range(100, 120))
    counted = consumer.metrics.dead_lettered
    queue = names.queue("widgets", "events")
    # The unreadable one at once, the poison one once out of deliveries (the fourth of 3).
    assert counted.labels(queue, "test.widget.made")._value.get() == 2
    assert consumer.metrics.failed.labels(queue, "test.widget.made")._value.get() == 4
    assert consumer.metrics.consumed.labels(queue, "test.widget.made")._value.get() == 20


async def test_an_event_with_a_field_added_by_a_newer_producer_is_handled(
    db, rabbit: Rabbit, namespace
) -> None:
    """Adding a field is compatible (ARCHITECTURE.md §3): the consumer ignores what it does
    not know, at any depth, rather than dead-lettering it. An unknown version still goes to
    the DLQ: that is a change it cannot read."""
    names = BusNames(namespace)
    bus = Bus(rabbit.url, names, name="consumer")
    consumer = widget_consumer(bus, db, delivery_limit=2)
    await bus.start()
    try:
        newer = Envelope.wrap(WidgetMade(n=5), firm_id=None, actor=None)
        grown = newer.model_copy(update={"data": {**newer.data, "colour": "red"}})
        await publish_raw(bus, grown.model_dump_json().encode(), str(grown.id))
        unknown = newer.model_copy(update={"id": uuid.uuid4(), "version": 99})
        await publish_raw(bus, unknown.model_dump_json().encode(), str(unknown.id))
        await wait_until(lambda: _has(db, 5))
        dead = await _drain(rabbit.url, f"{names.queue('widgets', 'events')}.dlq", expect=1)
    finally:
        await consumer.stop()
        await bus.stop()
    assert [Envelope.model_validate_json(body).version for body in dead] == [99]
    assert await widgets(db) == [5]


def test_what_we_write_stays_strict() -> None:
    with pytest.raises(ValueError, match="colour"):
        WidgetMade(n=5, colour="red")  # type: ignore[call-arg]


async def _count(db: Database, expected: int) -> bool:
    return len(await widgets(db)) == expected


async def _drain(url: str, queue_name: str, expect: int, timeout: float = 20) -> list[bytes]:
    bodies: list[bytes] = []
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        queue = await channel.get_queue(queue_name)
        deadline = asyncio.get_running_loop().time() + timeout
        while len(bodies) < expect and asyncio.get_running_loop().time() < deadline:
            message = await queue.get(fail=False)
            if message is None:
                await asyncio.sleep(0.1)
                continue
            bodies.append(message.body)
            await message.ack()
    finally:
        await connection.close()
    return bodies


async def test_work_resumes_after_broker_drops_connections(
    db, database, rabbit: Rabbit, namespace
) -> None:
    names = BusNames(namespace)
    bus = Bus(rabbit.url, names, name="reconnecting")
    consumer = widget_consumer(bus, db)
    relay = OutboxRelay(db, bus, database, poll_seconds=0.2)
    await bus.start()
    await relay.start()
    try:
        await stage_widgets(db, range(200, 250))
        await wait_until(lambda: _count(db, 50), timeout=20)
        rabbit.close_connections()
        await stage_widgets(db, range(250, 300))
        await wait_until(lambda: _count(db, 100), timeout=30)
        assert bus.connected
    finally:
        await relay.stop()
        await consumer.stop()
        await bus.stop()
    assert await widgets(db) == list(range(200, 300))
