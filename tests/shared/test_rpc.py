"""RPC over the bus: an answer, a clear timeout, a clear refusal, and a repeated idempotency key
answered with the first answer without doing the work twice; the client's retry policy asks
again after a timeout or while the callee is unreachable, never after a refusal."""

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from itertools import accumulate

import aio_pika
import pytest
from aio_pika.abc import AbstractChannel
from yarl import URL

from deploy.local.ports import free_port
from shared.bus import (
    Bus,
    BusNames,
    Retry,
    RpcClient,
    RpcError,
    RpcServer,
    RpcTimeout,
    RpcUnavailable,
)
from shared.bus.rpc import Batched
from shared.bus.rpc.client import CALLS_TYPE
from shared.bus.topology import REQUESTS, declare_request_queue
from shared.database import Connection, Database
from shared.errors import Conflict
from shared.events.base import Envelope
from tests.support.bus import AddToCounter, AskGhost, Total, kit_database
from tests.support.infra import queue_messages, wait_until


async def add_to_counter(conn: Connection, request: AddToCounter, envelope: Envelope) -> Total:
    if request.amount < 0:
        raise Conflict("The counter never goes down.", field="amount")
    total = await conn.fetchval(
        "UPDATE counter SET total = total + $1 RETURNING total", request.amount
    )
    return Total(total=total)


RUNS: list[set[uuid.UUID | None]] = []


async def add_all_to_counter(
    conn: Connection, calls: list[tuple[AddToCounter, Envelope]]
) -> list[Total]:
    """The batched form: one statement for the whole run, each reply its running total."""
    RUNS.append({envelope.firm_id for _, envelope in calls})
    amounts = [request.amount for request, _ in calls]
    if min(amounts) < 0:
        raise Conflict("The counter never goes down.", field="amount")
    total = await conn.fetchval(
        "UPDATE counter SET total = total + $1 RETURNING total", sum(amounts)
    )
    return [Total(total=running) for running in accumulate(amounts, initial=total - sum(amounts))][
        1:
    ]


@pytest.fixture(params=["one by one", "batched"])
async def counter(
    request, database, rabbit, namespace
) -> AsyncIterator[tuple[RpcClient, Database, Bus]]:  # type: ignore[no-untyped-def]
    async with kit_database(database) as db:
        async with db.transaction() as conn:
            await conn.execute(
                "CREATE TABLE counter (total int NOT NULL); INSERT INTO counter VALUES (0)"
            )
        bus = Bus(rabbit.url, BusNames(namespace), name="rpc-test")
        handler = add_to_counter if request.param == "one by one" else Batched(add_all_to_counter)
        server = RpcServer(bus=bus, db=db, service="counter", handlers={AddToCounter: handler})
        client = RpcClient(bus, timeout=5)
        await bus.start()
        yield client, db, bus
        await server.stop()
        await bus.stop()


async def test_call_is_answered(counter) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = counter
    reply = await client.call(AddToCounter(idempotency_key="a", amount=5), firm_id=None, actor=None)
    assert reply == Total(total=5)


async def test_repeated_key_gets_first_answer_and_counts_once(counter) -> None:  # type: ignore[no-untyped-def]
    client, db, _ = counter
    first = await client.call(AddToCounter(idempotency_key="k", amount=3), firm_id=None, actor=None)
    repeats = await asyncio.gather(
        *(
            client.call(AddToCounter(idempotency_key="k", amount=3), firm_id=None, actor=None)
            for _ in range(10)
        )
    )
    assert first == Total(total=3)
    assert set(repeats) == {first}
    async with db.transaction() as conn:
        assert await conn.fetchval("SELECT total FROM counter") == 3


async def test_keys_are_scoped_by_firm(counter) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = counter
    first, second = uuid.uuid4(), uuid.uuid4()
    one = await client.call(
        AddToCounter(idempotency_key="same", amount=1), firm_id=first, actor=None
    )
    two = await client.call(
        AddToCounter(idempotency_key="same", amount=1), firm_id=second, actor=None
    )
    assert (one, two) == (Total(total=1), Total(total=2))


async def test_a_refusal_in_a_busy_batch_answers_only_that_request(counter) -> None:  # type: ignore[no-untyped-def]
    client, db, _ = counter
    amounts = [-1 if i % 10 == 3 else 1 for i in range(60)]
    calls = [
        client.call(AddToCounter(idempotency_key=f"b{i}", amount=a), firm_id=None, actor=None)
        for i, a in enumerate(amounts)
    ]
    results = await asyncio.gather(*calls, return_exceptions=True)
    refused = [r for r in results if isinstance(r, RpcError)]
    assert len(refused) == amounts.count(-1)
    assert {r.status for r in refused} == {409}
    async with db.transaction() as conn:
        assert await conn.fetchval("SELECT total FROM counter") == amounts.count(1)


async def test_concurrent_calls_each_see_their_own_running_total(counter) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = counter
    firms = [uuid.uuid4(), uuid.uuid4()]
    RUNS.clear()
    # More calls than the server's channels hold unacknowledged (2 workers x 100): the rest
    # arrive only as batches are settled.
    replies = await asyncio.gather(
        *(
            client.call(
                AddToCounter(idempotency_key=f"r{i}", amount=1), firm_id=firms[i % 2], actor=None
            )
            for i in range(450)
        )
    )
    assert sorted(reply.total for reply in replies) == list(range(1, 451))
    assert all(len(firms_in_run) == 1 for firms_in_run in RUNS)


async def test_refusal_is_raised_with_its_status(counter) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = counter
    with pytest.raises(RpcError) as refused:
        await client.call(AddToCounter(idempotency_key="neg", amount=-1), firm_id=None, actor=None)
    assert (refused.value.status, refused.value.field) == (409, "amount")


async def test_unanswered_call_times_out(counter) -> None:  # type: ignore[no-untyped-def]
    client, _, bus = counter
    connection = bus._connection
    assert connection is not None
    channel = await connection.channel()
    await declare_request_queue(channel, bus.names.queue("ghost", REQUESTS))
    await channel.close()
    started = asyncio.get_running_loop().time()
    with pytest.raises(RpcTimeout):
        await client.call(AskGhost(idempotency_key="boo"), firm_id=None, actor=None, timeout=0.5)
    assert asyncio.get_running_loop().time() - started < 2


async def test_call_to_a_service_nobody_serves_is_unavailable(counter) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = counter
    with pytest.raises(RpcUnavailable):
        await client.call(AskGhost(idempotency_key="x"), firm_id=None, actor=None, timeout=2)


async def test_a_request_the_server_does_not_serve_is_refused_at_once(counter) -> None:  # type: ignore[no-untyped-def]
    client, db, bus = counter
    # A server on the ghost queue that serves other requests: its batch is refusals only.
    ghost_bus = Bus(bus.url, bus.names, name="ghost")
    ghost = RpcServer(
        bus=ghost_bus, db=db, service="ghost", handlers={AddToCounter: add_to_counter}
    )
    await ghost_bus.start()
    try:
        with pytest.raises(RpcError) as refused:
            await client.call(AskGhost(idempotency_key="g"), firm_id=None, actor=None, timeout=3)
    finally:
        await ghost.stop()
        await ghost_bus.stop()
    assert refused.value.status == 404


# The server's mode does not matter to these: run them once.
ONE_MODE = pytest.mark.parametrize("counter", ["one by one"], indirect=True)
QUICKLY = {"backoff_base": 0.05, "backoff_cap": 0.2}


async def count_ghost_asks(conn: Connection, request: AskGhost, envelope: Envelope) -> Total:
    total = await conn.fetchval("UPDATE counter SET total = total + 1 RETURNING total")
    return Total(total=total)


async def _counter_total(db: Database) -> int:
    async with db.transaction() as conn:
        return int(await conn.fetchval("SELECT total FROM counter"))


async def _a_repeat_waits_for_its_key(db: Database) -> bool:
    """A second delivery of a key is being served: it waits for the first one's key lock."""
    async with db.transaction() as conn:
        waiting = await conn.fetchval(
            """SELECT count(*) FROM pg_locks
               WHERE locktype = 'advisory' AND NOT granted
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"""
        )
    return bool(waiting)


async def _ghost_queue(bus: Bus) -> tuple[AbstractChannel, str]:
    """Declare the ghost service's request queue, with nobody consuming it."""
    assert bus._connection is not None
    channel = await bus._connection.channel()
    queue = bus.names.queue("ghost", REQUESTS)
    await declare_request_queue(channel, queue)
    return channel, queue


async def _queued(channel: AbstractChannel, queue: str) -> int:
    declared = await channel.declare_queue(queue, passive=True)
    return int(declared.declaration_result.message_count or 0)


async def _queued_at_least(channel: AbstractChannel, queue: str, count: int) -> bool:
    return await _queued(channel, queue) >= count


def _retries(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The client's warnings that it asks again, each naming why."""
    return [r.getMessage() for r in caplog.records if "asking again" in r.getMessage()]


def _asked_again(caplog: pytest.LogCaptureFixture) -> int:
    return len(_retries(caplog))


class Door:
    """A TCP forwarder to the broker that starts closed: a bus behind it cannot connect (the
    broker is down, for it) until the door opens."""

    def __init__(self, broker_url: str) -> None:
        broker = URL(broker_url, encoded=True)
        self.broker = (broker.host or "127.0.0.1", broker.port or 5672)
        self.port = free_port()
        self.url = str(broker.with_port(self.port))
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)

    async def close(self) -> None:
        for writer in self._writers:
            writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.broker)
        self._writers += [writer, up_writer]
        await asyncio.gather(_copy(reader, up_writer), _copy(up_reader, writer))


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


def test_a_retry_policy_tries_once_unless_told_otherwise() -> None:
    assert Retry().attempts == 1


@pytest.mark.parametrize(
    ("wrong", "why"),
    [
        ({"attempts": 0}, "first try"),
        ({"timeout": 0}, "positive"),
        ({"backoff_base": 2, "backoff_cap": 1}, "backoff"),
    ],
)
def test_a_retry_policy_refuses_what_makes_no_sense(wrong: dict[str, float], why: str) -> None:
    with pytest.raises(ValueError, match=why):
        Retry(**wrong)  # type: ignore[arg-type]


async def test_a_timed_out_call_is_asked_again_with_its_key_and_served_once(counter) -> None:  # type: ignore[no-untyped-def]
    client, db, _ = counter
    ask = AddToCounter(idempotency_key="slow", amount=4)
    retry = Retry(attempts=10, timeout=0.5, **QUICKLY)
    async with db.transaction() as held:
        # The callee's first serving of the call waits behind this lock, past the timeout.
        await held.execute("SELECT total FROM counter FOR UPDATE")
        call = asyncio.create_task(client.call(ask, firm_id=None, actor=None, retry=retry))
        await wait_until(lambda: _a_repeat_waits_for_its_key(db), timeout=4)
        assert not call.done()
    assert await call == Total(total=4)
    assert await client.call(ask, firm_id=None, actor=None) == Total(total=4)
    assert await _counter_total(db) == 4


@ONE_MODE
async def test_a_call_to_a_queue_nobody_consumes_yet_is_answered_once_a_server_starts(
    counter,  # type: ignore[no-untyped-def]
) -> None:
    client, db, bus = counter
    channel, queue = await _ghost_queue(bus)
    retry = Retry(attempts=30, timeout=0.3, **QUICKLY)
    call = asyncio.create_task(
        client.call(AskGhost(idempotency_key="late"), firm_id=None, actor=None, retry=retry)
    )
    # Two attempts wait in the queue unanswered before anyone serves it.
    await wait_until(lambda: _queued_at_least(channel, queue, 2), timeout=5)
    ghost_bus = Bus(bus.url, bus.names, name="ghost")
    ghost = RpcServer(bus=ghost_bus, db=db, service="ghost", handlers={AskGhost: count_ghost_asks})
    await ghost_bus.start()
    try:
        assert await call == Total(total=1)
    finally:
        await ghost.stop()
        await ghost_bus.stop()
        await channel.close()
    assert await _counter_total(db) == 1


@ONE_MODE
async def test_a_call_while_the_broker_is_unreachable_is_retried_until_it_is_back(
    counter,  # type: ignore[no-untyped-def]
    rabbit,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, db, bus = counter
    door = Door(rabbit.url)
    behind = Bus(door.url, bus.names, name="behind-a-door", publish_timeout=0.2, reconnect_cap=0.2)
    client = RpcClient(behind)
    await behind.start(wait=None)
    retry = Retry(attempts=40, timeout=1.0, backoff_base=0.1, backoff_cap=0.3)
    ask = AddToCounter(idempotency_key="door", amount=2)
    try:
        with caplog.at_level(logging.WARNING, logger="shared.bus.rpc.client"):
            call = asyncio.create_task(client.call(ask, firm_id=None, actor=None, retry=retry))
            await wait_until(lambda: _asked_again(caplog) >= 2, timeout=10)
            assert not call.done()
            assert all("unreachable" in why for why in _retries(caplog))
            await door.open()
            assert await call == Total(total=2)
    finally:
        await behind.stop()
        await door.close()
    assert await _counter_total(db) == 2


@ONE_MODE
async def test_a_refusal_is_not_asked_again(counter, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    client, db, _ = counter
    retry = Retry(attempts=3, backoff_base=10, backoff_cap=10)
    started = asyncio.get_running_loop().time()
    with (
        caplog.at_level(logging.WARNING, logger="shared.bus.rpc.client"),
        pytest.raises(RpcError) as refused,
    ):
        await client.call(
            AddToCounter(idempotency_key="no", amount=-1), firm_id=None, actor=None, retry=retry
        )
    assert refused.value.status == 409
    # A retry would have waited about ten seconds first.
    assert asyncio.get_running_loop().time() - started < 5
    assert _asked_again(caplog) == 0
    assert await _counter_total(db) == 0


@ONE_MODE
async def test_unanswered_attempts_end_in_a_timeout_after_each_was_sent(counter) -> None:  # type: ignore[no-untyped-def]
    client, _, bus = counter
    channel, queue = await _ghost_queue(bus)
    retry = Retry(attempts=3, timeout=0.3, **QUICKLY)
    try:
        with pytest.raises(RpcTimeout):
            await client.call(
                AskGhost(idempotency_key="boo"), firm_id=None, actor=None, retry=retry
            )
        assert await _queued(channel, queue) == 3
    finally:
        await channel.close()


@ONE_MODE
async def test_undeliverable_attempts_end_in_unavailable(counter, caplog) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = counter
    retry = Retry(attempts=3, timeout=2, **QUICKLY)
    with (
        caplog.at_level(logging.WARNING, logger="shared.bus.rpc.client"),
        pytest.raises(RpcUnavailable),
    ):
        await client.call(AskGhost(idempotency_key="x"), firm_id=None, actor=None, retry=retry)
    assert _asked_again(caplog) == 2


@ONE_MODE
async def test_the_clients_own_policy_serves_calls_that_name_none(counter) -> None:  # type: ignore[no-untyped-def]
    _, _, bus = counter
    own_bus = Bus(bus.url, bus.names, name="own-policy")
    client = RpcClient(own_bus, timeout=0.3, retry=Retry(attempts=2, **QUICKLY))
    await own_bus.start()
    channel, queue = await _ghost_queue(bus)
    try:
        with pytest.raises(RpcTimeout):
            await client.call(AskGhost(idempotency_key="own"), firm_id=None, actor=None)
        assert await _queued(channel, queue) == 2
    finally:
        await channel.close()
        await own_bus.stop()


@ONE_MODE
async def test_calls_asked_together_travel_as_one_message_and_each_gets_its_own_answer(
    counter,  # type: ignore[no-untyped-def]
) -> None:
    client, db, bus = counter
    channel, queue = await _ghost_queue(bus)
    asks = [AskGhost(idempotency_key=f"together-{i}") for i in range(30)]
    calls = asyncio.gather(
        *(client.call(ask, firm_id=None, actor=None, timeout=20) for ask in asks)
    )
    await wait_until(lambda: _queued_at_least(channel, queue, 1), timeout=5)
    assert await _queued(channel, queue) == 1
    ghost_bus = Bus(bus.url, bus.names, name="ghost")
    ghost = RpcServer(bus=ghost_bus, db=db, service="ghost", handlers={AskGhost: count_ghost_asks})
    await ghost_bus.start()
    try:
        replies = await calls
    finally:
        await ghost.stop()
        await ghost_bus.stop()
        await channel.close()
    assert sorted(reply.total for reply in replies) == list(range(1, 31))
    assert await _counter_total(db) == 30


@ONE_MODE
async def test_an_unreadable_message_of_calls_is_dropped_and_the_queue_keeps_serving(
    counter,  # type: ignore[no-untyped-def]
    rabbit,  # type: ignore[no-untyped-def]
) -> None:
    client, _, bus = counter
    queue = bus.names.queue("counter", REQUESTS)
    garbage = aio_pika.Message(b'[{"no": "correlation id"}]', type=CALLS_TYPE)
    await bus.publish("", queue, garbage, mandatory=True)
    ask = AddToCounter(idempotency_key="after", amount=7)
    assert await client.call(ask, firm_id=None, actor=None) == Total(total=7)

    async def settled() -> bool:  # neither waiting nor held unacknowledged by the server
        return (await asyncio.to_thread(queue_messages, rabbit.vhost)).get(queue) == 0

    await wait_until(settled, timeout=10)
