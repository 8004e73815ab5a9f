"""A notify service (or two replicas) on this test's database and bus, the session's real SMTP
server, and helpers that publish identity's, documents' and signing's messages the way their
producers do (envelopes on the events exchange, commands on the commands exchange)."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import pytest

from deploy.local.mail import MailCatcher
from services.notify.app import create_app
from services.notify.settings import NotifySettings
from shared.bus import Bus, BusNames
from shared.events import identity
from shared.events.base import Command, Envelope, Event
from shared.service import DB
from tests.support.infra import wait_until
from tests.support.services import Environment, Running, serve
from tests.support.tokens import JwksServer, mint

FAST = {
    "retry_base_seconds": 0.2,
    "retry_max_seconds": 1.0,
    "delivery_poll_seconds": 0.2,
    "digest_check_seconds": 3600.0,
    "smtp_timeout_seconds": 2.0,
}


@dataclass
class Notify:
    replicas: list[Running]
    settings: NotifySettings
    bus: Bus
    jwks: JwksServer
    smtp: MailCatcher
    firm_id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def http(self) -> Any:
        return self.replicas[0].http

    async def sql(self, query: str, *args: Any) -> list[Any]:
        async with self.replicas[0].app[DB].transaction() as conn:
            return await conn.fetch(query, *args)

    async def publish(self, body: Event, *, actor: uuid.UUID | None = None) -> Envelope:
        envelope = Envelope.wrap(body, firm_id=self.firm_id, actor=actor)
        await self.publish_envelope(envelope)
        return envelope

    async def publish_envelope(self, envelope: Envelope) -> None:
        await self.bus.publish(self.bus.names.events, envelope.type, _amqp(envelope))

    async def command(self, body: Command, *, firm_id: uuid.UUID | None = None) -> Envelope:
        envelope = Envelope.wrap(body, firm_id=firm_id, actor=None)
        await self.bus.publish(self.bus.names.commands, "notify", _amqp(envelope))
        return envelope

    def auth(self, user_id: uuid.UUID, kind: str = "contact") -> dict[str, str]:
        role = "member" if kind == "staff" else None
        token = mint(self.jwks.keys[0], sub=user_id, firm_id=self.firm_id, kind=kind, role=role)
        return {"Authorization": f"Bearer {token}"}

    async def firm(self, name: str = "Bokföring AB") -> None:
        await self.publish(identity.FirmCreated(
            firm_id=self.firm_id, name=name, country="SE", plan="partner",
            default_language="sv", owner_id=uuid.uuid4(),
        ))  # fmt: skip

    async def staff(self, role: str = "owner", language: str = "en") -> uuid.UUID:
        staff_id = uuid.uuid4()
        await self.publish(identity.StaffCreated(
            staff_id=staff_id, name=f"Staff {role}", email=f"{staff_id}@firm.test",
            role=role, language=language,
        ))  # fmt: skip
        return staff_id

    async def contact(
        self, client_id: uuid.UUID, roles: list[str], language: str = "en", name: str = "Ann"
    ) -> uuid.UUID:
        contact_id = uuid.uuid4()
        await self.publish(identity.ContactCreated(
            contact_id=contact_id, first_name=name, last_name="Kund",
            email=f"{contact_id}@client.test", phone=None, language=language,
        ))  # fmt: skip
        await self.publish(identity.ContactLinked(
            contact_id=contact_id, client_id=client_id, roles=roles, primary=False
        ))  # fmt: skip
        await self.publish(identity.PortalAccessGranted(
            contact_id=contact_id, invitation_send_at=None
        ))  # fmt: skip
        return contact_id

    async def client(self, name: str = "Kund AB") -> uuid.UUID:
        client_id = uuid.uuid4()
        await self.publish(identity.ClientCreated(
            client_id=client_id, kind="company", name=name, organisation_number=None
        ))  # fmt: skip
        return client_id

    async def settled(self, people: int) -> None:
        """Wait until the replica holds `people` people with their links and access."""

        async def known() -> bool:
            rows = await self.sql("SELECT count(*) AS n FROM people")
            access = await self.sql("SELECT count(*) AS n FROM portal_access")
            relationships = await self.sql("SELECT count(*) AS n FROM relationships")
            return rows[0]["n"] >= people and access[0]["n"] == relationships[0]["n"]

        await wait_until(known)

    def mails_to(self, address: str) -> list[Any]:
        return [m for m in self.smtp.messages if m["To"] == address]


def _amqp(envelope: Envelope) -> aio_pika.Message:
    return aio_pika.Message(
        envelope.model_dump_json().encode(), message_id=str(envelope.id),
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )  # fmt: skip


StartNotify = Callable[..., Awaitable[Notify]]


@pytest.fixture
async def start_notify(
    env: Environment, jwks: JwksServer, smtp: MailCatcher
) -> AsyncIterator[StartNotify]:
    smtp.clear()
    async with AsyncExitStack() as stack:

        async def start(replicas: int = 1, **overrides: Any) -> Notify:
            values = {**FAST, "smtp_port": smtp.port, **overrides}
            first = await env.settings(NotifySettings, **values)
            running = [await stack.enter_async_context(serve(create_app(first)))]
            for _ in range(replicas - 1):
                more = await env.settings(NotifySettings, **values, database_url=first.database_url)
                running.append(await stack.enter_async_context(serve(create_app(more))))
            bus = Bus(first.amqp_url, BusNames(first.bus_namespace), name="test")
            await bus.start()
            stack.push_async_callback(bus.stop)
            return Notify(running, first, bus, jwks, smtp)

        yield start


@pytest.fixture
async def notify(start_notify: StartNotify) -> Notify:
    return await start_notify()
