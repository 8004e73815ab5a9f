"""Composition root of the billing service."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from services.billing.api import APIS
from services.billing.consumers import EVENT_HANDLERS, RPC_HANDLERS
from services.billing.jobs import billing_jobs
from services.billing.settings import BillingSettings
from shared.database import Database
from shared.service import Kit, ServiceSpec, build_app


@dataclass(frozen=True)
class BillingDeps:
    """What billing's routes, handlers and jobs use: its prices and reservation lifetime
    (settings) and its database. Billing calls no other service and keeps no client."""

    settings: BillingSettings
    db: Database


@asynccontextmanager
async def billing_dependencies(kit: Kit) -> AsyncIterator[BillingDeps]:
    assert isinstance(kit.settings, BillingSettings)
    yield BillingDeps(settings=kit.settings, db=kit.db)


SPEC = ServiceSpec(
    name="billing",
    title="Billing service",
    description=(
        "Plans, storage quota ledger, e-signature balance and statements. Sizes are bytes "
        "with 1 GB = 10^9 bytes; amounts are integer öre (1 SEK = 100 öre) excluding VAT."
    ),
    apis=APIS,
    migrations=Path(__file__).parent / "migrations",
    events=EVENT_HANDLERS,
    rpc=RPC_HANDLERS,
    jobs=billing_jobs,
    dependencies=billing_dependencies,
)


def create_app(settings: BillingSettings) -> web.Application:
    return build_app(settings, SPEC)
