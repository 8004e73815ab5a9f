"""RPC over the bus: an answer, a clear timeout, a clear refusal, and a repeated idempotency key
answered with the first answer without doing the work twice."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from itertools import accumulate

import pytest

from shared.bus import Bus, BusNames, RpcClient, RpcError, RpcServer, RpcTimeout, RpcUnavailable
from shared.bus.rpc import Batched
from shared.bus.topology import REQUESTS, declare_request_queue
from shared.database import Connection, Database
from shared.errors import Conflict
from shared.events.base import Envelope
from tests.support.bus import AddToCounter, AskGhost, Total, kit_database


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
