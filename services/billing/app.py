"""Composition root of the billing service."""

from aiohttp import web

from services.billing.settings import BillingSettings
from shared.service import ServiceSpec, build_app

SPEC = ServiceSpec(
    name="billing",
    title="Billing service",
    description="plans, storage quota ledger, e-signature balance and statements.",
)


def create_app(settings: BillingSettings) -> web.Application:
    return build_app(settings, SPEC)
