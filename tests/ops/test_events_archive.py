"""The events archive on the real broker: a service keeps a stream of every public event with
the retention its settings name; what is published is in it; `portalctl events replay`
delivers into a queue exactly the events of one type and time range (not those before, after,
or of another type, even though the stream is read from a chunk that starts earlier)."""

import asyncio
import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aio_pika
import pytest

from services.billing.app import create_app
from services.billing.settings import BillingSettings
from shared.bus import Bus, BusNames
from shared.bus.connection import close_connection
from shared.bus.topology import Archive
from shared.events import documents, identity
from shared.events.base import Envelope, Event
from tests.ops.test_portalctl import portalctl
from tests.support.infra import Rabbit, wait_until
from tests.support.services import Environment, serve
from tests.support.world import amqp_message

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _stream_arguments(rabbit: Rabbit, name: str) -> str:
    listed = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "-p", rabbit.vhost, "name", "type", "arguments"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    rows = [line for line in listed.stdout.splitlines() if line.split("\t")[0] == name]
    assert rows, f"{name} is not on the broker"
    return rows[0]


async def test_a_service_keeps_the_archive_with_the_retention_of_its_settings(
    env: Environment, rabbit: Rabbit
) -> None:
    settings = await env.settings(
        BillingSettings, archive_max_age="7D", archive_max_bytes=123_456_789
    )
    async with serve(create_app(settings)) as running:

        async def ready() -> bool:
            async with running.http.get("/readyz") as response:
                return response.status == 200

        await wait_until(ready, timeout=20)
        row = await asyncio.to_thread(_stream_arguments, rabbit, BusNames(env.namespace).archive)
    assert "\tstream\t" in row
    assert '{"x-max-age","7D"}' in row
    assert '{"x-max-length-bytes",123456789}' in row


@pytest.fixture
async def archived(env: Environment) -> AsyncIterator[Bus]:
    """A publisher as the kit connects one: the archive declared before its first publish."""
    bus = Bus(env.amqp_url, BusNames(env.namespace), name="test", archive=Archive("1D", 10**9))
    await bus.start()
    yield bus
    await bus.stop()


def _uploaded(name: str) -> documents.DocumentUploaded:
    return documents.DocumentUploaded(
        document_id=uuid.uuid4(), version_id=uuid.uuid4(), client_id=uuid.uuid4(),
        folder_id=uuid.uuid4(), name=name, size=1, content_type="application/pdf",
        sha256="0" * 64, uploaded_by_kind="staff", audience=[],
    )  # fmt: skip


async def _publish(bus: Bus, event: Event, at: datetime) -> Envelope:
    envelope = Envelope.wrap(event, firm_id=uuid.uuid4(), actor=None, now=at)
    await bus.publish(bus.names.events, envelope.type, amqp_message(envelope))
    return envelope


async def _read(url: str, queue: str, *, offset: str | None, idle: float = 2.0) -> list[str]:
    """The ids of the messages in a queue (or a stream, from `offset`), until it goes quiet."""
    connection = await aio_pika.connect(url)
    seen: list[str] = []
    try:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=100)
        source = await channel.declare_queue(queue, passive=True)
        arrived: asyncio.Queue[aio_pika.abc.AbstractIncomingMessage] = asyncio.Queue()
        arguments = {"x-stream-offset": offset} if offset else None
        await source.consume(arrived.put, arguments=arguments)
        while True:
            try:
                message = await asyncio.wait_for(arrived.get(), idle)
            except TimeoutError:
                return seen
            seen.append(Envelope.model_validate_json(message.body).model_dump()["id"].hex)
            await message.ack()
    finally:
        await close_connection(connection)


async def test_every_published_event_is_in_the_archive(env: Environment, archived: Bus) -> None:
    sent = [await _publish(archived, _uploaded(f"{n}.pdf"), T0) for n in range(5)]
    sent.append(await _publish(archived, identity.ClientArchived(client_id=uuid.uuid4()), T0))
    kept = await _read(env.amqp_url, archived.names.archive, offset="first")
    assert kept == [e.id.hex for e in sent]


async def test_a_replay_delivers_exactly_the_events_of_its_range_and_type(
    env: Environment, archived: Bus
) -> None:
    uploaded = documents.DocumentUploaded.type
    before = await _publish(archived, _uploaded("before.pdf"), T0 - timedelta(minutes=5))
    first = await _publish(archived, _uploaded("first.pdf"), T0)
    other = await _publish(archived, identity.ClientArchived(client_id=uuid.uuid4()), T0)
    second = await _publish(archived, _uploaded("second.pdf"), T0 + timedelta(minutes=2))
    # Published late (a relay's lag) but occurred inside the range: still replayed.
    late = await _publish(archived, _uploaded("late.pdf"), T0 + timedelta(minutes=1))
    after = await _publish(archived, _uploaded("after.pdf"), T0 + timedelta(minutes=11))
    beyond = await _publish(archived, _uploaded("beyond.pdf"), T0 + timedelta(minutes=2))
    into = f"{env.namespace}replayed"
    ran = await portalctl(
        "events", "replay", "--type", uploaded,
        "--since", T0.isoformat(), "--until", (T0 + timedelta(minutes=3)).isoformat(),
        "--into", into, "--lateness", "60", "--idle", "2",
        AMQP_URL=env.amqp_url, BUS_NAMESPACE=env.namespace,
    )  # fmt: skip
    assert ran.status == 0, ran.out
    assert f"3 event(s) of {uploaded} replayed into {into}" in ran.out
    delivered = await _read(env.amqp_url, into, offset=None)
    assert delivered == [first.id.hex, second.id.hex, late.id.hex]
    # Reading stopped at `after`, the first event well past the range: `beyond`, published
    # after it, was not reached; `before` and `other` were read and left out.
    assert {before.id.hex, other.id.hex, after.id.hex, beyond.id.hex}.isdisjoint(delivered)


async def test_a_replay_without_an_archive_says_so(env: Environment) -> None:
    ran = await portalctl(
        "events", "replay", "--type", "documents.document.uploaded", "--since", "2026-01-01",
        "--until", "2026-01-02", "--into", f"{env.namespace}nowhere",
        AMQP_URL=env.amqp_url, BUS_NAMESPACE=f"{env.namespace}none.",
    )  # fmt: skip
    assert ran.status == 1, ran.out
    assert "no events archive" in ran.out
