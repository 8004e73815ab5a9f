"""`python -m bench.bus`: the outbox pipeline against raw confirmed publishing, same run.

1. Baseline: aio-pika publishes N persistent 1 KB messages with publisher confirms (100 in
   flight) to the events exchange, bound to a quorum queue as in production.
2. Outbox: N events of the same size committed (one per transaction, 8 writers at once), then
   published by the relay: the relay's rate is compared with the baseline (`ratio`). The same
   again with writers and relay running at once (`pipeline_per_s`): on 2 cores both share one
   Python process, whose CPU (not the broker or PostgreSQL) then bounds the total.
3. Latency: 200 events/s for 10 s, each from its own committed transaction to the handler of
   a real consumer (inbox transaction included); p50 and p99.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aio_pika

from bench.support import AMQP_URL, percentile, scratch_database, scratch_namespace
from shared.bus import Bus, BusNames, Consumer, OutboxRelay, put
from shared.bus.topology import declare_exchanges, declare_work_queue
from shared.database import KIT_MIGRATIONS, Connection, Database, migrate
from shared.events.base import Envelope, Event, message

COUNT = 5000
PAYLOAD = "x" * 900  # with the envelope, about 1 KB on the wire
RATE = 200
SECONDS = 10


@message("bench.sample.recorded", 1)
class SampleRecorded(Event):
    n: int
    padding: str


async def raw_publish(names: BusNames) -> float:
    connection = await aio_pika.connect(AMQP_URL)
    channel = await connection.channel(publisher_confirms=True)
    await declare_exchanges(channel, names)
    queue = await declare_work_queue(channel, names, names.queue("bench", "raw"), 20)
    await queue.bind(names.events, routing_key="bench.raw")
    exchange = await channel.get_exchange(names.events)
    body = json.dumps({"padding": PAYLOAD}).encode()
    started = time.perf_counter()
    for offset in range(0, COUNT, 100):
        await asyncio.gather(
            *(
                exchange.publish(aio_pika.Message(body, delivery_mode=2), "bench.raw")
                for _ in range(min(100, COUNT - offset))
            )
        )
    elapsed = time.perf_counter() - started
    await queue.delete(if_unused=False, if_empty=False)
    await connection.close()
    return COUNT / elapsed


async def commit_events(db: Database, numbers: range) -> None:
    for n in numbers:
        async with db.transaction() as conn:
            await put(conn, SampleRecorded(n=n, padding=PAYLOAD), firm_id=None, actor=None)


async def outbox_publish(db: Database, dsn: str, names: BusNames) -> tuple[float, float]:
    """Commit N events, then let the relay publish them: (commits/s, relay publishes/s)."""
    started = time.perf_counter()
    await _commit_all(db, 0)
    committed = time.perf_counter()
    async with _relay(db, dsn, names):
        await _drained(db)
    published = time.perf_counter()
    return COUNT / (committed - started), COUNT / (published - committed)


async def pipeline(db: Database, dsn: str, names: BusNames) -> float:
    """Writers and relay at once: events/s from the first commit to the last confirm."""
    async with _relay(db, dsn, names):
        started = time.perf_counter()
        await _commit_all(db, COUNT)
        await _drained(db)
        return COUNT / (time.perf_counter() - started)


async def _commit_all(db: Database, first: int, writers: int = 8) -> None:
    share = COUNT // writers
    await asyncio.gather(
        *(
            commit_events(db, range(first + i * share, first + (i + 1) * share))
            for i in range(writers)
        )
    )


@asynccontextmanager
async def _relay(db: Database, dsn: str, names: BusNames) -> AsyncIterator[None]:
    bus = Bus(AMQP_URL, names, name="bench-outbox")
    await bus.start()
    await _bind_sink(names)
    relay = OutboxRelay(db, bus, dsn)
    await relay.start()
    try:
        yield
    finally:
        await relay.stop()
        await bus.stop()


async def _bind_sink(names: BusNames) -> None:
    connection = await aio_pika.connect(AMQP_URL)
    channel = await connection.channel()
    queue = await declare_work_queue(channel, names, names.queue("bench", "sink"), 20)
    await queue.bind(names.events, routing_key=SampleRecorded.type)
    await connection.close()


async def _drained(db: Database) -> None:
    """Return once the relay has published (and so deleted) every staged row."""
    while True:
        async with db.transaction() as conn:
            if not await conn.fetchval("SELECT count(*) FROM outbox"):
                return
        await asyncio.sleep(0.005)


async def latency(db: Database, dsn: str, names: BusNames) -> list[float]:
    committed: dict[int, float] = {}
    seen: list[float] = []
    total = RATE * SECONDS
    all_seen = asyncio.Event()

    async def on_sample(conn: Connection, event: SampleRecorded, envelope: Envelope) -> None:
        seen.append(time.perf_counter() - committed[event.n])
        if len(seen) == total:
            all_seen.set()

    bus = Bus(AMQP_URL, names, name="bench-latency")
    consumer = Consumer(
        bus=bus, db=db, queue=names.queue("bench", "latency"), exchange=names.events,
        routing_keys=[SampleRecorded.type], handlers={SampleRecorded: on_sample},
    )  # fmt: skip
    await bus.start()
    relay = OutboxRelay(db, bus, dsn)
    await relay.start()
    started = time.perf_counter()
    for n in range(2 * COUNT, 2 * COUNT + total):
        async with db.transaction() as conn:
            await put(conn, SampleRecorded(n=n, padding=PAYLOAD), firm_id=None, actor=None)
        committed[n] = time.perf_counter()
        await asyncio.sleep(max(0.0, started + (n - 2 * COUNT + 1) / RATE - time.perf_counter()))
    await asyncio.wait_for(all_seen.wait(), 60)
    await relay.stop()
    await consumer.stop()
    await bus.stop()
    return seen


async def main() -> dict[str, object]:
    async with scratch_namespace("bus") as ns, scratch_database("bus") as dsn:
        names = BusNames(ns)
        await migrate(dsn, [("kit", KIT_MIGRATIONS)])
        db = await Database.connect(dsn, max_size=10)
        try:
            raw = await raw_publish(names)
            commits, outbox = await outbox_publish(db, dsn, names)
            together = await pipeline(db, dsn, names)
            delays = await latency(db, dsn, names)
        finally:
            await db.close()
    print(f"raw confirmed publish {raw:,.0f}/s; relay publishing committed events {outbox:,.0f}/s")
    print(f"commits alone {commits:,.0f}/s; writers and relay together {together:,.0f}/s")
    print(f"commit→handler at {RATE}/s: p50 {percentile(delays, 0.5) * 1000:.1f} ms, "
          f"p99 {percentile(delays, 0.99) * 1000:.1f} ms over {len(delays)} events")  # fmt: skip
    return {
        "bench": "bus",
        "raw_per_s": round(raw),
        "outbox_per_s": round(outbox),
        "ratio": round(outbox / raw, 3),
        "commit_per_s": round(commits),
        "pipeline_per_s": round(together),
        "p50_ms": round(percentile(delays, 0.5) * 1000, 2),
        "p99_ms": round(percentile(delays, 0.99) * 1000, 2),
    }


if __name__ == "__main__":
    result = asyncio.run(main())
    print(json.dumps(result))
