"""A notify service (or two replicas) in the shared test world (tests/support/world.py), the
session's real SMTP server, and the people notify learns of from identity's events, published
as identity does; commands go to notify's queue as identity and signing send them."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest

from deploy.local.mail import MailCatcher
from services.notify.app import create_app
from services.notify.settings import NotifySettings
from shared.bus import Bus, BusNames
from shared.events import identity
from shared.events.base import Command, Envelope
from tests.support.capture import Capture
from tests.support.services import Environment, Running, serve
from tests.support.tokens import JwksServer
from tests.support.world import World, amqp_message

FAST = {
    "retry_base_seconds": 0.2,
    "retry_max_seconds": 1.0,
    "delivery_poll_seconds": 0.2,
    "digest_check_seconds": 3600.0,
    "smtp_timeout_seconds": 2.0,
}


@dataclass(kw_only=True)
class Notify(World):
    replicas: list[Running] = field(default_factory=list)
    settings: NotifySettings
    smtp: MailCatcher

    async def firm_opened(self, firm_id: uuid.UUID) -> bool:
        return bool(await self.sql("SELECT 1 FROM firms WHERE firm_id = $1", firm_id))

    async def command(self, body: Command, *, firm_id: uuid.UUID | None = None) -> Envelope:
        """Send a command to notify as identity or signing does."""
        envelope = Envelope.wrap(body, firm_id=firm_id, actor=None)
        await self.bus.publish(self.bus.names.commands, "notify", amqp_message(envelope))
        return envelope

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

        await self.until(known)

    async def delivered(self, *messages: Envelope) -> None:
        """Wait until notify has handled these messages (their ids in its inbox, recorded with
        their effects) and no mail is left queued: every mail they caused has gone out, so
        one that should not have would be at the SMTP server by now."""
        ids = [m.id for m in messages]

        async def done() -> bool:
            handled = await self.sql("SELECT 1 FROM inbox WHERE message_id = ANY($1)", ids)
            queued = await self.sql("SELECT 1 FROM deliveries WHERE state = 'queued'")
            return len(handled) == len(ids) and not queued

        await self.until(done, timeout=20)

    def mails_to(self, address: str) -> list[Any]:
        return [m for m in self.smtp.messages if m["To"] == address]


StartNotify = Callable[..., Awaitable[Notify]]


@pytest.fixture
async def start_notify(
    env: Environment, jwks: JwksServer, smtp: MailCatcher, captured: Capture
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
            return Notify(
                service=running[0], bus=bus, captured=captured, jwks=jwks, replicas=running,
                settings=first, smtp=smtp,
            )  # fmt: skip

        yield start


@pytest.fixture
async def notify(start_notify: StartNotify) -> Notify:
    return await start_notify()
