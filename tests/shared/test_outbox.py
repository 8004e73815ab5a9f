"""The outbox publishes exactly what committed: never a rolled-back event, always a committed
one (even across a killed relay), and once per event with several relays."""

import asyncio
import signal
import sys
from collections import Counter

import pytest

from shared.bus import BusNames, OutboxRelay, outbox_backlog, put
from shared.metrics import Metrics
from tests.support.bus import (
    WidgetMade,
    kit_database,
    running_bus,
    stage_widgets,
)
from tests.support.capture import capture
from tests.support.infra import Rabbit, wait_until


async def outbox_rows(db) -> int:  # type: ignore[no-untyped-def]
    async with db.transaction() as conn:
        return await conn.fetchval("SELECT count(*) FROM outbox")


async def _empty(db) -> bool:  # type: ignore[no-untyped-def]
    return await outbox_rows(db) == 0


async def _stage_then_fail(db) -> None:  # type: ignore[no-untyped-def]
    async with db.transaction() as conn:
        await put(conn, WidgetMade(n=1), firm_id=None, actor=None)
        raise RuntimeError("the business rule refused")


async def test_rolled_back_event_is_never_published(database, rabbit: Rabbit, namespace) -> None:
    names = BusNames(namespace)
    async with kit_database(database) as db, capture(rabbit.url, names) as seen:
        with pytest.raises(RuntimeError):
            await _stage_then_fail(db)
        await stage_widgets(db, range(2, 3))
        async with running_bus(rabbit.url, names) as bus:
            relay = OutboxRelay(db, bus, database)
            await relay.start()
            await wait_until(lambda: len(seen.messages) >= 1)
            await wait_until(lambda: _empty(db))  # published, and confirmed by the broker
            await seen.caught_up()
            await relay.stop()
        assert [m["data"]["n"] for m in seen.messages] == [2]
        assert await outbox_rows(db) == 0


async def _relay_process(dsn: str, amqp_url: str, namespace: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.relay_process", dsn, amqp_url, namespace,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def _kill(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGKILL)
    await process.wait()


async def test_committed_event_survives_a_relay_killed_before_publishing(
    database, rabbit: Rabbit, namespace
) -> None:
    names = BusNames(namespace)
    async with kit_database(database) as db, capture(rabbit.url, names) as seen:
        await stage_widgets(db, range(300))
        unreachable = await _relay_process(database, "amqp://guest:guest@127.0.0.1:1/", namespace)
        await asyncio.sleep(1.5)
        await _kill(unreachable)
        assert seen.messages == []
        assert await outbox_rows(db) == 300

        relay = await _relay_process(database, rabbit.url, namespace)
        try:
            await wait_until(lambda: len(set(seen.ids())) == 300, timeout=30)
        finally:
            await _kill(relay)
        assert sorted({m["data"]["n"] for m in seen.messages}) == list(range(300))


async def test_relay_killed_mid_flight_loses_nothing(database, rabbit: Rabbit, namespace) -> None:
    names = BusNames(namespace)
    async with kit_database(database) as db, capture(rabbit.url, names) as seen:
        await stage_widgets(db, range(3000))
        first = await _relay_process(database, rabbit.url, namespace)
        await wait_until(lambda: len(seen.messages) > 0, timeout=30, interval=0.005)
        await _kill(first)
        assert len(set(seen.ids())) < 3000, "killed too late to prove anything"

        second = await _relay_process(database, rabbit.url, namespace)
        try:
            await wait_until(lambda: len(set(seen.ids())) == 3000, timeout=60)
        finally:
            await _kill(second)
        assert await outbox_rows(db) == 0


async def test_several_relays_publish_each_event_exactly_once(
    database, rabbit: Rabbit, namespace
) -> None:
    names = BusNames(namespace)
    async with kit_database(database) as db, capture(rabbit.url, names) as seen:
        async with (
            running_bus(rabbit.url, names, "a") as bus_a,
            running_bus(rabbit.url, names, "b") as bus_b,
            running_bus(rabbit.url, names, "c") as bus_c,
        ):
            relays = [
                OutboxRelay(db, bus, database, batch_size=20) for bus in (bus_a, bus_b, bus_c)
            ]
            for relay in relays:
                await relay.start()
            await asyncio.gather(
                *(stage_widgets(db, range(i, i + 100)) for i in range(0, 1000, 100))
            )
            await wait_until(lambda: len(seen.messages) >= 1000, timeout=30)
            # Empty: every row was published, confirmed and deleted under its relay's lock, so
            # none is in flight; a duplicate publish would have reached the capture by now.
            await wait_until(lambda: _empty(db))
            await seen.caught_up()
            for relay in relays:
                await relay.stop()
        counts = Counter(seen.ids())
        assert len(counts) == 1000
        assert set(counts.values()) == {1}


async def test_backlog_is_the_age_of_the_oldest_unpublished_message(database) -> None:
    """What `portal_outbox_lag_seconds` reports while no relay runs, and once one has."""
    metrics = Metrics()
    async with kit_database(database) as db:
        await stage_widgets(db, range(3))
        await asyncio.sleep(0.3)
        await outbox_backlog(db, metrics)
        assert metrics.outbox_pending._value.get() == 3
        assert metrics.outbox_lag._value.get() >= 0.3
        async with db.transaction() as conn:
            await conn.execute("DELETE FROM outbox")
        await outbox_backlog(db, metrics)
        assert metrics.outbox_pending._value.get() == 0
        assert metrics.outbox_lag._value.get() == 0
