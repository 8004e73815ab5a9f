"""The shared test world (tests/support/world.py) for documents: a documents service and a real
billing service on this test's database, bus and S3, and people of every kind, made by
publishing identity's events and waiting for documents' replicas to show them."""

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from services.billing.app import create_app as billing_app
from services.billing.settings import BillingSettings
from services.documents.app import create_app as documents_app
from services.documents.settings import DocumentsSettings
from shared.bus import Bus, BusNames, RpcClient
from shared.events.identity import (
    ClientCreated,
    ContactCreated,
    ContactLinked,
    PortalAccessGranted,
    StaffAssigned,
)
from shared.http.routing import DEPS
from tests.support import world as support
from tests.support.capture import capture
from tests.support.services import Environment, Running, serve
from tests.support.tokens import JwksServer

PLANS = {"partner": 50_000_000, "bureau": 500_000_000}
# Browsers are sent to S3 by another name than the services use, as behind a real deployment.
PUBLIC_S3_HOST = "localhost"


@dataclass
class Person:
    user_id: uuid.UUID
    firm_id: uuid.UUID
    headers: dict[str, str]


@dataclass(kw_only=True)
class Portal(support.World):
    """The shared world with documents' own calls; `service` is documents."""

    billing: Running
    rpc: RpcClient
    settings: DocumentsSettings
    people: dict[str, Person] = field(default_factory=dict)

    @property
    def documents(self) -> Running:
        return self.service

    async def usage(self, firm_id: uuid.UUID) -> tuple[int, int]:
        row = await self.row(
            "SELECT storage_used, storage_reserved FROM accounts WHERE firm_id = $1", firm_id,
            app=self.billing.app,
        )  # fmt: skip
        return row["storage_used"], row["storage_reserved"]

    async def firm_opened(self, firm_id: uuid.UUID) -> bool:
        """Billing opens the firm's account (documents reserves storage against it)."""
        row = await self.row(
            "SELECT 1 FROM accounts WHERE firm_id = $1", firm_id, app=self.billing.app
        )
        return row is not None

    async def client(self, firm_id: uuid.UUID) -> uuid.UUID:
        client_id = uuid.uuid4()
        event = ClientCreated(
            client_id=client_id, kind="company", name="Kund AB", organisation_number=None
        )
        await self.publish(event, firm_id)
        await self.present("SELECT 1 FROM clients WHERE client_id = $1", client_id)
        return client_id

    def staff(self, firm_id: uuid.UUID, role: str, staff_id: uuid.UUID | None = None) -> Person:
        staff_id = staff_id or uuid.uuid4()
        return Person(staff_id, firm_id, self.staff_token(firm_id, role, staff_id))

    async def assign(self, person: Person, client_id: uuid.UUID) -> None:
        event = StaffAssigned(staff_id=person.user_id, client_id=client_id)
        await self.publish(event, person.firm_id)
        await self.present(
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
            await self.present(
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
        await self.present(
            "SELECT 1 FROM relationships WHERE contact_id = $1 AND client_id = $2 AND linked",
            contact_id, client_id,
        )  # fmt: skip

    def as_contact(self, firm_id: uuid.UUID, contact_id: uuid.UUID, client_id: uuid.UUID) -> Person:
        return Person(contact_id, firm_id, self.contact_token(firm_id, contact_id, client_id))

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
        names = BusNames(settings.bus_namespace)
        captured = await stack.enter_async_context(capture(settings.amqp_url, names))
        documents = await stack.enter_async_context(serve(documents_app(settings)))
        bus = Bus(settings.amqp_url, names, name="test")
        rpc = RpcClient(bus)  # before the bus starts, which then consumes its replies
        await bus.start()
        stack.push_async_callback(bus.stop)
        yield Portal(
            service=documents, bus=bus, captured=captured, jwks=jwks, billing=billing, rpc=rpc,
            settings=settings,
        )  # fmt: skip
