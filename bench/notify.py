"""Notify's pipeline against raw SMTP sends, and commit-to-SMTP latency.

`python -m bench.notify [--recipients N] [--events N] [--rate R] [--seconds S]` starts what it
needs: a scratch notify database and a scratch producer database (an outbox, as documents
has), a unique bus namespace on the local broker, a MailCatcher (aiosmtpd) on a free port and
the notify service in this process; it removes them at the end.

1. Throughput: `--events` document uploads, each with an audience of `--recipients` contacts,
   go through the bus, the fan-out, the delivery worker and its SMTP pool. Baseline: the same
   emails sent with raw aiosmtplib over as many persistent connections as the pool has, to
   the same server, in the same run. ratio = pipeline mails/s ÷ raw mails/s.
2. Latency: uploads for one contact each, committed in the producer's outbox at `--rate`
   per second; from each commit to the SMTP server accepting that mail. Reports p50/p99.
The last line printed is the JSON result.
"""

import argparse
import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aio_pika
import aiosmtplib
from aiohttp import web

from bench.support import AMQP_URL, percentile, scratch_database, scratch_namespace
from deploy.local.mail import MailCatcher
from deploy.local.ports import free_port
from services.notify.app import create_app
from services.notify.models import Claimed
from services.notify.settings import NotifySettings
from services.notify.worker import email_of
from shared.bus import Bus, BusNames, OutboxRelay, put
from shared.database import KIT_MIGRATIONS, Database, migrate
from shared.events import documents, identity
from shared.events.base import Envelope, Event
from shared.service import DB

POOL = 10


@asynccontextmanager
async def notify_service(settings: NotifySettings) -> AsyncIterator[web.Application]:
    app = create_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield app
    finally:
        await runner.cleanup()


class Publisher:
    def __init__(self, bus: Bus, firm_id: uuid.UUID) -> None:
        self.bus, self.firm_id = bus, firm_id

    async def event(self, body: Event, actor: uuid.UUID | None = None) -> None:
        envelope = Envelope.wrap(body, firm_id=self.firm_id, actor=actor)
        message = aio_pika.Message(
            envelope.model_dump_json().encode(), message_id=str(envelope.id),
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )  # fmt: skip
        await self.bus.publish(self.bus.names.events, envelope.type, message)


async def seed(pub: Publisher, db: Database, count: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A firm, a client and `count` operational contacts with portal access, via the bus."""
    await pub.event(identity.FirmCreated(
        firm_id=pub.firm_id, name="Bench AB", country="SE", plan="bureau",
        default_language="sv", owner_id=uuid.uuid4(),
    ))  # fmt: skip
    client_id, contacts = uuid.uuid4(), [uuid.uuid4() for _ in range(count)]
    await pub.event(identity.ClientCreated(
        client_id=client_id, kind="company", name="Kund AB", organisation_number=None
    ))  # fmt: skip
    await asyncio.gather(*(_contact(pub, client_id, n, c) for n, c in enumerate(contacts)))
    await wait_for(db, "SELECT count(*) FROM inbox", 2 + 3 * count, 300)
    return client_id, contacts


async def _contact(pub: Publisher, client_id: uuid.UUID, n: int, contact_id: uuid.UUID) -> None:
    """One contact's three identity events (the replica tolerates any order among them)."""
    await pub.event(identity.ContactCreated(
        contact_id=contact_id, first_name=f"C{n}", last_name="Bench",
        email=f"c{n}@bench.test", phone=None, language=("sv", "en", "de", "es")[n % 4],
    ))  # fmt: skip
    await pub.event(identity.ContactLinked(
        contact_id=contact_id, client_id=client_id, roles=["operational"], primary=False
    ))  # fmt: skip
    await pub.event(identity.PortalAccessGranted(contact_id=contact_id, invitation_send_at=None))


async def wait_for(db: Database, query: str, target: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with db.transaction() as conn:
            if await conn.fetchval(query) >= target:
                return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"{query} did not reach {target}")


def upload(
    client_id: uuid.UUID, audience: list[uuid.UUID], name: str
) -> documents.DocumentUploaded:
    return documents.DocumentUploaded(
        document_id=uuid.uuid4(), version_id=uuid.uuid4(), client_id=client_id,
        folder_id=uuid.uuid4(), name=name, size=1, content_type="application/pdf",
        sha256="0" * 64, uploaded_by_kind="staff", audience=audience,
    )  # fmt: skip


async def wait_mails(catcher: MailCatcher, target: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(catcher.messages) < target:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(catcher.messages)} of {target} mails arrived")
        await asyncio.sleep(0.05)


async def pipeline_phase(
    pub: Publisher, catcher: MailCatcher, client_id, contacts, events: int
) -> float:  # type: ignore[no-untyped-def]
    catcher.clear()
    started = time.perf_counter()
    for n in range(events):
        await pub.event(upload(client_id, contacts, f"fanout-{n}.pdf"))
    await wait_mails(catcher, events * len(contacts), 600)
    return events * len(contacts) / (time.perf_counter() - started)


async def raw_phase(db: Database, catcher: MailCatcher, settings: NotifySettings) -> float:
    """The same emails (taken from notify's deliveries) over `POOL` raw connections."""
    async with db.transaction() as conn:
        rows = await conn.fetch(
            "SELECT id, kind, email, subject, text_body, html_body, attempts FROM deliveries"
        )
    messages = [email_of(Claimed(**dict(r)), settings.sender) for r in rows]
    catcher.clear()
    queue: asyncio.Queue = asyncio.Queue()
    for message in messages:
        queue.put_nowait(message)

    async def sender() -> None:
        async with aiosmtplib.SMTP(
            hostname="127.0.0.1", port=settings.smtp_port, start_tls=False
        ) as smtp:
            while not queue.empty():
                await smtp.send_message(queue.get_nowait())

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(POOL)))
    await wait_mails(catcher, len(messages), 60)
    return len(messages) / (time.perf_counter() - started)


async def latency_phase(
    bus: Bus, firm_id: uuid.UUID, catcher: MailCatcher, client_id: uuid.UUID,
    contacts: list[uuid.UUID], rate: float, seconds: float,
) -> list[float]:  # fmt: skip
    async with scratch_database("notify_producer") as dsn:
        await migrate(dsn, [("kit", KIT_MIGRATIONS)])
        producer = await Database.connect(dsn)
        relay = OutboxRelay(producer, bus, dsn)
        await relay.start()
        try:
            return await _measure(producer, firm_id, catcher, client_id, contacts, rate, seconds)
        finally:
            await relay.stop()
            await producer.close()


async def _measure(producer, firm_id, catcher, client_id, contacts, rate, seconds) -> list[float]:  # type: ignore[no-untyped-def]
    catcher.clear()
    committed: dict[str, float] = {}
    accepted: dict[str, float] = {}
    total = int(rate * seconds)
    watcher = asyncio.create_task(_watch(catcher, accepted, total))
    start = time.perf_counter()
    for n in range(total):
        await asyncio.sleep(max(0.0, start + n / rate - time.perf_counter()))
        name = f"latency-{n}.pdf"
        async with producer.transaction() as conn:
            await put(
                conn,
                upload(client_id, [contacts[n % len(contacts)]], name),
                firm_id=firm_id,
                actor=None,
            )
        committed[name] = time.perf_counter()
    await asyncio.wait_for(watcher, 120)
    return [(accepted[name] - committed[name]) * 1000 for name in committed]


async def _watch(catcher: MailCatcher, accepted: dict[str, float], total: int) -> None:
    """Note when each mail reached the server (polled every 2 ms: ≤ 2 ms late)."""
    seen = 0
    while len(accepted) < total:
        messages = catcher.messages
        now = time.perf_counter()
        for message in messages[seen:]:
            accepted[str(message["Subject"]).rsplit(": ", 1)[1]] = now
        seen = len(messages)
        await asyncio.sleep(0.002)


async def main(recipients: int, events: int, rate: float, seconds: float) -> dict[str, object]:
    catcher = MailCatcher(free_port())
    catcher.start()
    try:
        async with scratch_namespace("notify") as ns, scratch_database("notify") as dsn:
            settings = NotifySettings(
                database_url=dsn, amqp_url=AMQP_URL, bus_namespace=ns,
                smtp_port=catcher.port, smtp_pool_size=POOL, delivery_batch=200,
                digest_check_seconds=3600, database_pool_max=10,
            )  # fmt: skip
            return await run(settings, catcher, recipients, events, rate, seconds)
    finally:
        catcher.stop()


async def run(settings, catcher, recipients, events, rate, seconds) -> dict[str, object]:  # type: ignore[no-untyped-def]
    async with notify_service(settings) as app:
        bus = Bus(AMQP_URL, BusNames(settings.bus_namespace), name="bench")
        await bus.start()
        try:
            pub = Publisher(bus, uuid.uuid4())
            client_id, contacts = await seed(pub, app[DB], recipients)
            pipeline = await pipeline_phase(pub, catcher, client_id, contacts, events)
            raw = await raw_phase(app[DB], catcher, settings)
            latencies = await latency_phase(
                bus, pub.firm_id, catcher, client_id, contacts, rate, seconds
            )
        finally:
            await bus.stop()
    print(f"pipeline {pipeline:.0f} mails/s, raw aiosmtplib {raw:.0f} mails/s")
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    print(f"latency at {rate:g}/s: p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    return {
        "bench": "notify",
        "pipeline_per_s": round(pipeline),
        "raw_per_s": round(raw),
        "ratio": round(pipeline / raw, 3),
        "p50_ms": round(p50, 1),
        "p99_ms": round(p99, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--events", type=int, default=10)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    result = asyncio.run(main(args.recipients, args.events, args.rate, args.seconds))
    print(json.dumps(result))
