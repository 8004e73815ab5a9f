"""Composition root of the billing service."""

from pathlib import Path

from aiohttp import web

from services.billing.api import api
from services.billing.consumers import event_handlers, rpc_handlers
from services.billing.jobs import billing_jobs
from services.billing.settings import BillingSettings
from shared.service import ServiceSpec, build_app


def spec(settings: BillingSettings) -> ServiceSpec:
    """The handlers carry this process's prices and reservation lifetime."""
    return ServiceSpec(
        name="billing",
        title="Billing service",
        description=(
            "Plans, storage quota ledger, e-signature balance and statements. Sizes are bytes "
            "with 1 GB = 10^9 bytes; amounts are integer öre (1 SEK = 100 öre) excluding VAT."
        ),
        apis=[api],
        migrations=Path(__file__).parent / "migrations",
        events=event_handlers(settings),
        rpc=rpc_handlers(settings),
        jobs=billing_jobs,
    )


def create_app(settings: BillingSettings) -> web.Application:
    return build_app(settings, spec(settings))
