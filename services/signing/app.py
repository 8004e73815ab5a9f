"""Composition root of the signing service."""

from aiohttp import web

from services.signing.settings import SigningSettings
from shared.service import ServiceSpec, build_app

SPEC = ServiceSpec(
    name="signing",
    title="Signing service",
    description="e-signing of PDFs with parties, order, methods, evidence and sealed PDFs.",
    uses_s3=True,
    calls_rpc=True,
)


def create_app(settings: SigningSettings) -> web.Application:
    return build_app(settings, SPEC)
