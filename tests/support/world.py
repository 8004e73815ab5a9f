"""The world a service's integration tests run in, with the verbs every service's tests share:
SQL on the service's database, publishing an event as a peer service would, opening a firm the
way identity does, staff and contact access tokens, and waiting on a condition. Each service's
conftest extends it with that service's own calls only."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aio_pika
from aiohttp import web

from shared.bus import Bus
from shared.events.base import Envelope, Event
from shared.events.identity import FirmCreated
from shared.service import DB
from tests.support.capture import Capture
from tests.support.infra import wait_until
from tests.support.services import Running
from tests.support.tokens import JwksServer, bearer

Condition = Callable[[], bool | Awaitable[bool]]


def amqp_message(envelope: Envelope) -> aio_pika.Message:
    """An envelope as the kit's outbox relay publishes it."""
    return aio_pika.Message(
        envelope.model_dump_json().encode(), message_id=str(envelope.id),
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )  # fmt: skip


@dataclass
class World:
    service: Running  # the service under test (its first replica)
    bus: Bus  # a peer's connection to the test's namespace
    captured: Capture
    jwks: JwksServer
    # The firm of the events and tokens that name none.
    firm_id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def http(self) -> Any:
        return self.service.http

    # --- the database ---------------------------------------------------------------------
    async def sql(self, query: str, *args: Any, app: web.Application | None = None) -> list[Any]:
        """The rows of a query on the service's database (or on `app`'s)."""
        async with (app or self.service.app)[DB].transaction() as conn:
            return await conn.fetch(query, *args)

    async def row(self, query: str, *args: Any, app: web.Application | None = None) -> Any:
        """The first row of a query, or None."""
        rows = await self.sql(query, *args, app=app)
        return rows[0] if rows else None

    async def value(self, query: str, *args: Any, app: web.Application | None = None) -> Any:
        """The first column of the first row of a query, or None."""
        found = await self.row(query, *args, app=app)
        return None if found is None else found[0]

    async def present(self, query: str, *args: Any, app: web.Application | None = None) -> None:
        """Wait until a query returns a row."""

        async def found() -> bool:
            return bool(await self.sql(query, *args, app=app))

        await self.until(found)

    # --- the bus --------------------------------------------------------------------------
    async def publish(
        self, event: Event, firm_id: uuid.UUID | None = None, *,
        actor: uuid.UUID | None = None, **envelope: Any,
    ) -> Envelope:  # fmt: skip
        """Publish an event on the events exchange as its producing service would."""
        wrapped = Envelope.wrap(event, firm_id=firm_id or self.firm_id, actor=actor, **envelope)
        await self.publish_envelope(wrapped)
        return wrapped

    async def publish_envelope(self, envelope: Envelope) -> None:
        await self.bus.publish(self.bus.names.events, envelope.type, amqp_message(envelope))

    async def open_firm(
        self, plan: str = "partner", *, firm_id: uuid.UUID | None = None,
        name: str = "Bokföring AB",
    ) -> uuid.UUID:  # fmt: skip
        """Sign a firm up the way identity does (its event on the bus), and wait until the
        world knows it (`firm_opened`)."""
        firm_id = firm_id or uuid.uuid4()
        created = FirmCreated(
            firm_id=firm_id, name=name, country="SE", plan=plan, default_language="sv",
            owner_id=uuid.uuid4(),
        )  # fmt: skip
        await self.publish(created, firm_id)
        await self.until(lambda: self.firm_opened(firm_id))
        return firm_id

    async def firm_opened(self, firm_id: uuid.UUID) -> bool:
        """Whether the services of this world have learnt the firm; a world whose services
        keep no account of firms says yes at once."""
        return True

    async def all_published(self, app: web.Application | None = None) -> None:
        """Wait until the service (or `app`) has published all it staged (its outbox is empty:
        the relay deletes a row once the broker confirmed it) and the capture has caught up:
        a message it should not have sent would have arrived by now."""

        async def empty() -> bool:
            return not await self.sql("SELECT 1 FROM outbox LIMIT 1", app=app)

        await self.until(empty)
        await self.captured.caught_up()

    # --- access tokens --------------------------------------------------------------------
    def token(
        self, firm_id: uuid.UUID | None = None, *, kind: str = "staff",
        role: str | None = "owner", user_id: uuid.UUID | None = None, **claims: Any,
    ) -> dict[str, str]:  # fmt: skip
        """Headers with an access token as identity issues it."""
        return bearer(
            self.jwks.keys[0], sub=user_id, firm_id=firm_id or self.firm_id, kind=kind,
            role=role, **claims,
        )  # fmt: skip

    def staff_token(
        self, firm_id: uuid.UUID | None = None, role: str = "owner",
        user_id: uuid.UUID | None = None,
    ) -> dict[str, str]:  # fmt: skip
        return self.token(firm_id, kind="staff", role=role, user_id=user_id)

    def contact_token(
        self, firm_id: uuid.UUID | None = None, contact_id: uuid.UUID | None = None,
        client_id: uuid.UUID | None = None,
    ) -> dict[str, str]:  # fmt: skip
        claims = {"client_id": str(client_id)} if client_id else {}
        return self.token(firm_id, kind="contact", role=None, user_id=contact_id, **claims)

    # --- waiting --------------------------------------------------------------------------
    async def until(self, condition: Condition, timeout: float = 10.0) -> None:
        """Wait until a (sync or async) condition holds; fail the test if it never does."""
        await wait_until(condition, timeout=timeout)
