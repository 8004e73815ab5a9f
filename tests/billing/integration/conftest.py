"""A billing service (or two replicas) on this test's database and bus, a firm opened the way
identity opens it (its event on the bus), and an RPC client as documents and signing use."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import aio_pika
import pytest

from services.billing.app import create_app
from services.billing.settings import BillingSettings
from shared.bus import Bus, BusNames, RpcClient
from shared.events.base import Envelope
from shared.events.identity import FirmCreated
from shared.service import DB
from tests.support.infra import wait_until
from tests.support.services import Environment, Running, serve
from tests.support.tokens import JwksServer, mint

SMALL_PLANS = {"partner": 10_000, "bureau": 50_000}


@dataclass
class Billing:
    replicas: list[Running]
    settings: BillingSettings
    bus: Bus
    rpc: RpcClient
    jwks: JwksServer

    @property
    def http(self) -> Any:
        return self.replicas[0].http

    async def sql(self, query: str, *args: Any) -> Any:
        async with self.replicas[0].app[DB].transaction() as conn:
            return await conn.fetchrow(query, *args)

    async def open_firm(self, plan: str = "partner") -> uuid.UUID:
        """Publish identity's sign-up event and wait until billing has the account."""
        firm_id = uuid.uuid4()
        event = FirmCreated(
            firm_id=firm_id, name="Bokföring AB", country="SE", plan=plan,
            default_language="sv", owner_id=uuid.uuid4(),
        )  # fmt: skip
        await self.publish(Envelope.wrap(event, firm_id=firm_id, actor=None))

        async def opened() -> bool:
            return await self.sql("SELECT 1 FROM accounts WHERE firm_id = $1", firm_id) is not None

        await wait_until(opened)
        return firm_id

    async def publish(self, envelope: Envelope) -> None:
        message = aio_pika.Message(
            envelope.model_dump_json().encode(), message_id=str(envelope.id),
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )  # fmt: skip
        await self.bus.publish(self.bus.names.events, envelope.type, message)

    def token(self, firm_id: uuid.UUID, *, kind: str = "staff", role: str | None = "owner") -> dict:
        bearer = mint(self.jwks.keys[0], firm_id=firm_id, kind=kind, role=role)
        return {"Authorization": f"Bearer {bearer}"}

    async def call(self, request: Any, firm_id: uuid.UUID) -> Any:
        return await self.rpc.call(request, firm_id=firm_id, actor=None, timeout=30)


StartBilling = Callable[..., Awaitable[Billing]]


@pytest.fixture
async def start_billing(env: Environment, jwks: JwksServer) -> AsyncIterator[StartBilling]:
    async with AsyncExitStack() as stack:

        async def start(replicas: int = 1, **overrides: Any) -> Billing:
            first = await env.settings(
                BillingSettings, plan_included_bytes=SMALL_PLANS, **overrides
            )
            running = [await stack.enter_async_context(serve(create_app(first)))]
            for _ in range(replicas - 1):
                more = await env.settings(
                    BillingSettings,
                    database_url=first.database_url,
                    plan_included_bytes=SMALL_PLANS,
                    **overrides,
                )
                running.append(await stack.enter_async_context(serve(create_app(more))))
            bus = Bus(first.amqp_url, BusNames(first.bus_namespace), name="test")
            rpc = RpcClient(bus)
            await bus.start()
            stack.push_async_callback(bus.stop)
            return Billing(running, first, bus, rpc, jwks)

        yield start


@pytest.fixture
async def billing(start_billing: StartBilling) -> Billing:
    return await start_billing()
