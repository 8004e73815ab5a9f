"""A documents service and a real billing service on this test's database, bus and S3; a
firm opened the way identity opens it; and people of every kind, made by publishing
identity's events and waiting for documents' replicas to show them."""

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import pytest

from services.billing.app import create_app as billing_app
from services.billing.settings import BillingSettings
from services.documents.app import create_app as documents_app
from services.documents.settings import DocumentsSettings
from shared.bus import Bus, BusNames, RpcClient
from shared.events.base import Envelope, Event
from shared.events.identity import (
    ClientCreated,
    ContactCreated,
    ContactLinked,
    FirmCreated,
    PortalAccessGranted,
    StaffAssigned,
)
from shared.http.routing import DEPS
from shared.service import DB
from tests.support.infra import wait_until
from tests.support.services import Environment, Running, serve
from tests.support.tokens import JwksServer, mint

PLANS = {"partner": 50_000_000, "bureau": 500_000_000}
# Browsers are sent to S3 by another name than the services use, as behind a real deployment.
PUBLIC_S3_HOST = "localhost"


@dataclass
class Person:
    user_id: uuid.UUID
    firm_id: uuid.UUID
    headers: dict[str, str]


@dataclass
class Portal:
    documents: Running
    billing: Running
    bus: Bus
    rpc: RpcClient
    jwks: JwksServer
    settings: DocumentsSettings
    people: dict[str, Person] = field(default_factory=dict)

    @property
    def http(self) -> Any:
        return self.documents.http

    async def publish(self, event: Event, firm_id: uuid.UUID, **kw: Any) -> Envelope:
        envelope = Envelope.wrap(event, firm_id=firm_id, actor=None, **kw)
        message = aio_pika.Message(
            envelope.model_dump_json().encode(), message_id=str(envelope.id),
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )  # fmt: skip
        await self.bus.publish(self.bus.names.events, envelope.type, message)
        return envelope

    async def sql(self, query: str, *args: Any) -> Any:
        async with self.documents.app[DB].transaction() as conn:
            return await conn.fetch(query, *args)

    async def billing_sql(self, query: str, *args: Any) -> Any:
        async with self.billing.app[DB].transaction() as conn:
            return await conn.fetchrow(query, *args)

    async def usage(self, firm_id: uuid.UUID) -> tuple[int, int]:
        row = await self.billing_sql(
            "SELECT storage_used, storage_reserved FROM accounts WHERE firm_id = $1", firm_id
        )
        return row["storage_used"], row["storage_reserved"]

    async def open_firm(self, plan: str = "partner") -> uuid.UUID:
        firm_id = uuid.uuid4()
        event = FirmCreated(
            firm_id=firm_id, name="Byrå AB", country="SE", plan=plan, default_language="sv",
            owner_id=uuid.uuid4(),
        )  # fmt: skip
        await self.publish(event, firm_id)

        async def opened() -> bool:
            row = await self.billing_sql("SELECT 1 FROM accounts WHERE firm_id = $1", firm_id)
            return row is not None

        await wait_until(opened)
        return firm_id

    async def client(self, firm_id: uuid.UUID) -> uuid.UUID:
        client_id = uuid.uuid4()
        event = ClientCreated(
            client_id=client_id, kind="company", name="Kund AB", organisation_number=None
        )
        await self.publish(event, firm_id)
        await self.until("SELECT 1 FROM clients WHERE client_id = $1", client_id)
        return client_id

    def staff(self, firm_id: uuid.UUID, role: str, staff_id: uuid.UUID | None = None) -> Person:
        staff_id = staff_id or uuid.uuid4()
        token = mint(self.jwks.keys[0], sub=staff_id, firm_id=firm_id, kind="staff", role=role)
        return Person(staff_id, firm_id, {"Authorization": f"Bearer {token}"})

    async def assign(self, person: Person, client_id: uuid.UUID) -> None:
        event = StaffAssigned(staff_id=person.user_id, client_id=client_id)
        await self.publish(event, person.firm_id)
        await self.until(
            "SELECT 1 FROM staff_assignments WHERE staff_id = $1 AND client_id = $2 AND assigned",
            person.user_id, client_id,
        )  # fmt: skip

    async def contact(
        self, firm_id: uuid.UUID, client_id: uuid.UUID, *, primary: bool = False,
        portal: bool = True,
    ) -> Person:  # fmt: skip
        contact_id = uuid.uuid4()
        created = ContactCreated(
            contact_id=contact_id, first_name="Eva", last_name="Ek", email=None, phone=None,
            language="sv",
        )  # fmt: skip
        await self.publish(created, firm_id)
        await self.link(firm_id, contact_id, client_id, primary=primary)
        if portal:
            granted = PortalAccessGranted(contact_id=contact_id, invitation_send_at=None)
            await self.publish(granted, firm_id)
            await self.until(
                "SELECT 1 FROM contacts WHERE contact_id = $1 AND portal_access", contact_id
            )
        return self.as_contact(firm_id, contact_id, client_id)

    async def link(
        self, firm_id: uuid.UUID, contact_id: uuid.UUID, client_id: uuid.UUID,
        primary: bool = False,
    ) -> None:  # fmt: skip
        event = ContactLinked(
            contact_id=contact_id, client_id=client_id, roles=["employee"], primary=primary
        )
        await self.publish(event, firm_id)
        await self.until(
            "SELECT 1 FROM relationships WHERE contact_id = $1 AND client_id = $2 AND linked",
            contact_id, client_id,
        )  # fmt: skip

    def as_contact(self, firm_id: uuid.UUID, contact_id: uuid.UUID, client_id: uuid.UUID) -> Person:
        token = mint(
            self.jwks.keys[0], sub=contact_id, firm_id=firm_id, kind="contact", role=None,
            client_id=str(client_id),
        )  # fmt: skip
        return Person(contact_id, firm_id, {"Authorization": f"Bearer {token}"})

    async def until(self, query: str, *args: Any) -> None:
        async def present() -> bool:
            return bool(await self.sql(query, *args))

        await wait_until(present)

    async def folder(self, who: Person, client_id: uuid.UUID, **body: Any) -> dict[str, Any]:
        body.setdefault("name", f"f-{uuid.uuid4().hex[:8]}")
        async with self.http.post(
            f"/api/v1/clients/{client_id}/folders", json=body, headers=who.headers
        ) as response:
            assert response.status == 201, await response.text()
            return await response.json()

    async def upload(
        self, who: Person, folder_id: Any, name: str, data: bytes, expect: int = 201
    ) -> dict[str, Any]:
        async with self.http.post(
            f"/api/v1/folders/{folder_id}/documents", params={"name": name}, data=data,
            headers=who.headers,
        ) as response:  # fmt: skip
            body = await response.json()
            assert response.status == expect, body
            return body

    def objects(self) -> list[str]:
        client = self.documents.app[DEPS].store.client
        return [o.object_name for o in client.list_objects(self.settings.bucket, recursive=True)]


@pytest.fixture
async def portal(env: Environment, jwks: JwksServer) -> AsyncIterator[Portal]:
    async with open_portal(env, jwks) as portal:
        yield portal


@asynccontextmanager
async def open_portal(
    env: Environment, jwks: JwksServer, **overrides: Any
) -> AsyncIterator[Portal]:
    """The portal, with documents' settings changed by `overrides`."""
    async with AsyncExitStack() as stack:
        billing_settings = await env.settings(BillingSettings, plan_included_bytes=PLANS)
        billing = await stack.enter_async_context(serve(billing_app(billing_settings)))
        settings = await env.settings(
            DocumentsSettings, **({
                "max_upload_bytes": 30_000_000, "reaper_interval_seconds": 0.5,
                "upload_idle_seconds": 2.0, "heartbeat_seconds": 0.5,
                "s3_public_url": f"http://{PUBLIC_S3_HOST}:{env.s3_endpoint.rsplit(':', 1)[1]}",
            } | overrides),
        )  # fmt: skip
        documents = await stack.enter_async_context(serve(documents_app(settings)))
        bus = Bus(settings.amqp_url, BusNames(settings.bus_namespace), name="test")
        rpc = RpcClient(bus)
        await bus.start()
        stack.push_async_callback(bus.stop)
        yield Portal(documents, billing, bus, rpc, jwks, settings)
