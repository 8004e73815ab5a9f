"""Notify's pipeline against raw SMTP sends, and commit-to-SMTP latency.

`python -m bench.notify [--recipients N] [--events N] [--rate R] [--seconds S]` starts what it
needs: a scratch notify database and a scratch producer database (an outbox, as documents
has), a unique bus namespace on the local broker, an SMTP server (aiosmtpd) in a process of
its own on a free port (bench/smtp_sink.py: one inside this process would take the
interpreter from whichever side is measured) and the notify service in this process; it
removes them at the end.

1. Throughput: `--events` document uploads, each with an audience of `--recipients` contacts,
   go through the bus, the fan-out, the delivery worker and its SMTP pool. Baseline: the same
   emails, rendered from the same templates and built the same way (`email_of`) as they are
   sent, over raw aiosmtplib on as many persistent connections as the pool has, to the same
   server, in the same run; their subjects are checked to be the pipeline's.
   ratio = pipeline mails/s ÷ raw mails/s.
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
from dataclasses import dataclass
from email.message import Message

import aio_pika
import aiosmtplib
from aiohttp import web

from bench.smtp_sink import Sink
from bench.support import AMQP_URL, percentile, scratch_database, scratch_namespace
from deploy.local.ports import free_port
from services.notify.app import create_app
from services.notify.models import Claimed
from services.notify.render import Renderer
from services.notify.settings import NotifySettings
from services.notify.worker import email_of
from shared.bus import Bus, BusNames, OutboxRelay, put
from shared.database import KIT_MIGRATIONS, Database, migrate
from shared.events import documents, identity
from shared.events.base import Envelope, Event
from shared.service import DB

POOL = 10
FIRM, CLIENT, LAST_NAME = "Bench AB", "Kund AB", "Bench"


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


@dataclass(frozen=True)
class Contact:
    id: uuid.UUID
    first_name: str
    email: str
    language: str


async def seed(pub: Publisher, db: Database, count: int) -> tuple[uuid.UUID, list[Contact]]:
    """A firm, a client and `count` operational contacts with portal access, via the bus."""
    await pub.event(identity.FirmCreated(
        firm_id=pub.firm_id, name=FIRM, country="SE", plan="bureau",
        default_language="sv", owner_id=uuid.uuid4(),
    ))  # fmt: skip
    client_id = uuid.uuid4()
    contacts = [
        Contact(uuid.uuid4(), f"C{n}", f"c{n}@bench.test", ("sv", "en", "de", "es")[n % 4])
        for n in range(count)
    ]
    await pub.event(identity.ClientCreated(
        client_id=client_id, kind="company", name=CLIENT, organisation_number=None
    ))  # fmt: skip
    await asyncio.gather(*(_contact(pub, client_id, c) for c in contacts))
    await wait_for(db, "SELECT count(*) FROM inbox", 2 + 3 * count, 300)
    return client_id, contacts


async def _contact(pub: Publisher, client_id: uuid.UUID, contact: Contact) -> None:
    """One contact's three identity events (the replica tolerates any order among them)."""
    await pub.event(identity.ContactCreated(
        contact_id=contact.id, first_name=contact.first_name, last_name=LAST_NAME,
        email=contact.email, phone=None, language=contact.language,
    ))  # fmt: skip
    await pub.event(identity.ContactLinked(
        contact_id=contact.id, client_id=client_id, roles=["operational"], primary=False
    ))  # fmt: skip
    await pub.event(identity.PortalAccessGranted(contact_id=contact.id, invitation_send_at=None))


async def wait_for(db: Database, query: str, target: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with db.transaction() as conn:
            if await conn.fetchval(query) >= target:
                return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"{query} did not reach {target}")


def upload(
    client_id: uuid.UUID, audience: list[uuid.UUID], name: str,
    document_id: uuid.UUID | None = None,
) -> documents.DocumentUploaded:  # fmt: skip
    return documents.DocumentUploaded(
        document_id=document_id or uuid.uuid4(), version_id=uuid.uuid4(), client_id=client_id,
        folder_id=uuid.uuid4(), name=name, size=1, content_type="application/pdf",
        sha256="0" * 64, uploaded_by_kind="staff", audience=audience,
    )  # fmt: skip


async def wait_mails(sink: Sink, target: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while sink.count < target:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{sink.count} of {target} mails arrived")
        await asyncio.sleep(0.05)


async def pipeline_phase(
    pub: Publisher, sink: Sink, client_id: uuid.UUID, contacts: list[Contact],
    uploads: list[uuid.UUID],
) -> tuple[float, list[str]]:  # fmt: skip
    sink.clear()
    audience = [c.id for c in contacts]
    started = time.monotonic()
    for n, document_id in enumerate(uploads):
        await pub.event(upload(client_id, audience, f"fanout-{n}.pdf", document_id))
    await wait_mails(sink, len(uploads) * len(contacts), 600)
    return sink.count / (time.monotonic() - started), [s for _, s in sink.arrivals]


async def raw_phase(
    sink: Sink, settings: NotifySettings, contacts: list[Contact], uploads: list[uuid.UUID]
) -> tuple[float, list[str]]:
    """The same emails over `POOL` raw connections, each rendered (the same templates and
    context as the fan-out's) and built (`email_of`) as it is sent."""
    renderer = Renderer()
    portal = settings.public_url.rstrip("/")
    work = [(n, d, c) for n, d in enumerate(uploads) for c in contacts]
    sink.clear()

    def message(n: int, document_id: uuid.UUID, contact: Contact) -> Message:
        rendered = renderer.render("document_uploaded", contact.language, {
            "firm_name": FIRM, "portal_url": portal,
            "action_url": f"{portal}/documents/{document_id}", "actor_name": FIRM,
            "client_name": CLIENT, "document_name": f"fanout-{n}.pdf", "folder_name": "",
            "recipient_name": f"{contact.first_name} {LAST_NAME}",
        })  # fmt: skip
        row = Claimed(uuid.uuid4(), "document_uploaded", contact.email, rendered.subject,
                      rendered.text, rendered.html, 1)  # fmt: skip
        return email_of(row, settings.sender)

    async def sender() -> None:
        async with aiosmtplib.SMTP(
            hostname="127.0.0.1", port=settings.smtp_port, start_tls=False
        ) as smtp:
            while work:
                await smtp.send_message(message(*work.pop()))

    started = time.monotonic()
    total = len(work)
    await asyncio.gather(*(sender() for _ in range(POOL)))
    await wait_mails(sink, total, 60)
    return total / (time.monotonic() - started), [s for _, s in sink.arrivals]


async def latency_phase(
    bus: Bus, firm_id: uuid.UUID, sink: Sink, client_id: uuid.UUID,
    contacts: list[Contact], rate: float, seconds: float,
) -> list[float]:  # fmt: skip
    async with scratch_database("notify_producer") as dsn:
        await migrate(dsn, [("kit", KIT_MIGRATIONS)])
        producer = await Database.connect(dsn)
        relay = OutboxRelay(producer, bus, dsn)
        await relay.start()
        try:
            return await _measure(producer, firm_id, sink, client_id, contacts, rate, seconds)
        finally:
            await relay.stop()
            await producer.close()


async def _measure(producer, firm_id, sink, client_id, contacts, rate, seconds) -> list[float]:  # type: ignore[no-untyped-def]
    """Commit times and the sink's acceptance times are both CLOCK_MONOTONIC."""
    sink.clear()
    committed: dict[str, float] = {}
    total = int(rate * seconds)
    start = time.monotonic()
    for n in range(total):
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        name = f"latency-{n}.pdf"
        async with producer.transaction() as conn:
            await put(
                conn,
                upload(client_id, [contacts[n % len(contacts)].id], name),
                firm_id=firm_id,
                actor=None,
            )
        committed[name] = time.monotonic()
    await wait_mails(sink, total, 120)
    accepted = {subject.rsplit(": ", 1)[1]: at for at, subject in sink.arrivals}
    return [(accepted[name] - committed[name]) * 1000 for name in committed]


async def main(recipients: int, events: int, rate: float, seconds: float) -> dict[str, object]:
    sink = Sink(free_port())
    await sink.start()
    try:
        async with scratch_namespace("notify") as ns, scratch_database("notify") as dsn:
            settings = NotifySettings(
                database_url=dsn, amqp_url=AMQP_URL, bus_namespace=ns,
                smtp_port=sink.port, smtp_pool_size=POOL, delivery_batch=200,
                digest_check_seconds=3600, database_pool_max=10,
            )  # fmt: skip
            return await run(settings, sink, recipients, events, rate, seconds)
    finally:
        await sink.stop()


async def run(settings, sink, recipients, events, rate, seconds) -> dict[str, object]:  # type: ignore[no-untyped-def]
    async with notify_service(settings) as app:
        # The bench's own publisher: the shared broker of a busy machine confirms a burst of
        # 3,000 seed events late, and a timeout there would be no figure at all.
        bus = Bus(AMQP_URL, BusNames(settings.bus_namespace), name="bench", publish_timeout=120)
        await bus.start()
        try:
            pub = Publisher(bus, uuid.uuid4())
            client_id, contacts = await seed(pub, app[DB], recipients)
            uploads = [uuid.uuid4() for _ in range(events)]
            pipeline, sent = await pipeline_phase(pub, sink, client_id, contacts, uploads)
            raw, raw_sent = await raw_phase(sink, settings, contacts, uploads)
            assert sorted(sent) == sorted(raw_sent), "the baseline sends other mails"
            latencies = await latency_phase(
                bus, pub.firm_id, sink, client_id, contacts, rate, seconds
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
