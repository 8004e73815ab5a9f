"""A billing service (or two replicas) in the shared test world (tests/support/world.py), and an
RPC client as documents and signing use."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest

from services.billing.app import create_app
from services.billing.settings import BillingSettings
from shared.bus import Bus, BusNames, RpcClient
from tests.support.capture import Capture
from tests.support.services import Environment, Running, serve
from tests.support.tokens import JwksServer
from tests.support.world import World

SMALL_PLANS = {"partner": 10_000, "bureau": 50_000}


@dataclass(kw_only=True)
class Billing(World):
    replicas: list[Running] = field(default_factory=list)
    settings: BillingSettings
    rpc: RpcClient

    async def firm_opened(self, firm_id: uuid.UUID) -> bool:
        return await self.row("SELECT 1 FROM accounts WHERE firm_id = $1", firm_id) is not None

    async def call(self, request: Any, firm_id: uuid.UUID) -> Any:
        return await self.rpc.call(request, firm_id=firm_id, actor=None, timeout=30)


StartBilling = Callable[..., Awaitable[Billing]]


@pytest.fixture
async def start_billing(
    env: Environment, jwks: JwksServer, captured: Capture
) -> AsyncIterator[StartBilling]:
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
            rpc = RpcClient(bus)  # before the bus starts, which then consumes its replies
            await bus.start()
            stack.push_async_callback(bus.stop)
            return Billing(
                service=running[0], bus=bus, captured=captured, jwks=jwks, replicas=running,
                settings=first, rpc=rpc,
            )  # fmt: skip

        yield start


@pytest.fixture
async def billing(start_billing: StartBilling) -> Billing:
    return await start_billing()
